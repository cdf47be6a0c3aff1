/**
 * Whole RDB files (dump.rdb), as redis-server 7.0 writes and reads them
 * (rdb.c rdbSaveRio / rdbLoadRio):
 *
 *   "REDIS0010"
 *   AUX redis-ver, redis-bits, ctime, used-mem, aof-base    (opcode 250)
 *   FUNCTION2 <library code>...                              (opcode 245)
 *   per non-empty database:
 *     SELECTDB <n> RESIZEDB <keys> <keys with a TTL>        (254, 251)
 *     per key: [EXPIRETIME_MS <int64 LE>] [IDLE|FREQ] <type> <key> <value>
 *   EOF, then the CRC64 (little-endian) of everything before it (0 when
 *   rdbchecksum is off)
 *
 * Values are encoded and decoded by the value codec of rdb.ts (the one
 * DUMP/RESTORE use): writeValue() writes `<type><value>`, readObject() reads
 * a value of a given type. This file only adds the framing, so every type the
 * codec learns (streams) is saved and loaded here with no change.
 *
 * Reading accepts RDB versions 1 to 10: old opcodes (EXPIRETIME in seconds),
 * and every old encoding the codec knows (zipmap, ziplist, intset, quicklist
 * v1). A file is parsed in full into new tables before anything in the
 * keyspace changes: a corrupt file, a module value or an unknown opcode
 * throws an RdbLoadError naming the key and/or byte offset, and the keyspace
 * is left as it was.
 *
 * Load speed (bench/rdb-load.mjs): the reader shares the strings of short
 * collection elements across keys (Interner: field names, members...),
 * decodes listpacks where they lie in the file, builds sorted sets in one
 * pass from their ordered payloads (ZSet.fromSorted), and fills each
 * database's table once the file is read (insertPending). What remains is
 * mostly V8's: one JS Map insertion per key and the young-generation GC
 * copying every loaded object (each collection is several objects).
 */
import { Crc64 } from './crc64.js';
import { PackSource, adoptPacked, keepCopy, readPacked } from './lazy.js';
import { Interner } from './listpack.js';
import { BAD, EMPTY, RDB_TYPE, RDB_VERSION, RdbReader, RdbWriter, isObjectType, limitsOf, readObject, writeValue, type DumpOptions, type LoadOptions, type Limits } from './rdb.js';
import type { RObject, Value } from './types.js';

export const RDB_OPCODE = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** The Redis release whose file format RedKit writes (RDB version 10). */
export const RDB_REDIS_VERSION = '7.0.15';

/** A file that cannot be loaded: corrupt, truncated, or holding what RedKit cannot hold. */
export class RdbLoadError extends Error {
  constructor(
    message: string,
    /** Byte offset in the file where the problem was found. */
    readonly offset: number,
    /** The key being read, when there was one. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'RdbLoadError';
  }
}

// ---- writing ------------------------------------------------------------------------------

export interface RdbSaveOptions extends DumpOptions {
  /** rdbchecksum (default true): false writes a zero checksum, as Redis does. */
  checksum?: boolean;
  /** AUX ctime, seconds (default: now by the real clock). */
  ctime?: number;
  /** AUX used-mem (default 0). */
  usedMem?: number;
  /** Function library codes (FUNCTION2 payloads). */
  functions?: readonly string[];
  /** AUX redis-ver (default RDB_REDIS_VERSION). */
  redisVersion?: string;
}

/** One database's keys at a point in time. */
export interface DbSnapshot {
  index: number;
  keys: string[];
  values: Value[];
  /** key -> absolute deadline in ms (bigint beyond 2^53); null when no key has one. */
  expires: Map<string, number | bigint> | null;
  /** Per key, under an LRU maxmemory-policy: idle seconds (RDB_OPCODE_IDLE). */
  idle?: number[];
  /** Per key, under an LFU maxmemory-policy: the LFU counter (RDB_OPCODE_FREQ). */
  freq?: number[];
}

/**
 * Streams RDB bytes: the framing around the value codec, with a running
 * CRC64. Output is taken in chunks (take()) so a large keyspace is never one
 * buffer unless the caller wants one.
 */
export class RdbFileWriter {
  private readonly w: RdbWriter;
  private readonly crc = new Crc64();
  private readonly checksum: boolean;
  private readonly scratch = Buffer.allocUnsafe(8);
  /** Values encoded ahead of time (copy-on-write during a background save). */
  preEncoded: Map<RObject, Buffer> | null = null;

  constructor(private readonly opts: RdbSaveOptions = {}) {
    this.w = new RdbWriter(opts.compression ?? true, 64 * 1024);
    this.checksum = opts.checksum ?? true;
  }

  /** Bytes buffered so far (not yet taken). */
  get buffered(): number {
    return this.w.pos;
  }

  /** Take the bytes written since the last take (a copy the writer no longer uses). */
  take(): Buffer {
    const w = this.w;
    const out = Buffer.allocUnsafe(w.pos);
    w.buf.copy(out, 0, 0, w.pos);
    if (this.checksum) this.crc.update(out);
    w.pos = 0;
    return out;
  }

  private auxString(key: string, value: string): void {
    const w = this.w;
    w.byte(RDB_OPCODE.AUX);
    w.rawString(key);
    w.rawString(value);
  }

  /** Magic, AUX fields and function libraries. */
  header(): void {
    const w = this.w;
    w.latin1('REDIS' + String(RDB_VERSION).padStart(4, '0'));
    const o = this.opts;
    this.auxString('redis-ver', o.redisVersion ?? RDB_REDIS_VERSION);
    this.auxString('redis-bits', '64');
    this.auxString('ctime', String(o.ctime ?? Math.floor(Date.now() / 1000)));
    this.auxString('used-mem', String(o.usedMem ?? 0));
    this.auxString('aof-base', '0');
    for (const code of o.functions ?? []) {
      w.byte(RDB_OPCODE.FUNCTION2);
      w.rawString(code);
    }
  }

  /** SELECTDB + RESIZEDB. */
  selectDb(index: number, size: number, expiresCount: number): void {
    const w = this.w;
    w.byte(RDB_OPCODE.SELECTDB);
    w.len(index);
    w.byte(RDB_OPCODE.RESIZEDB);
    w.len(size);
    w.len(expiresCount);
  }

  /** One key: its deadline, then `<type><key><value>`. */
  entry(key: string, value: Value, expire: number | bigint | undefined, idle = -1, freq = -1): void {
    const w = this.w;
    if (expire !== undefined) {
      w.byte(RDB_OPCODE.EXPIRETIME_MS);
      if (typeof expire === 'bigint') this.scratch.writeBigInt64LE(expire, 0);
      else this.scratch.writeBigInt64LE(BigInt(expire), 0);
      w.bytes(this.scratch);
    }
    if (idle >= 0) {
      w.byte(RDB_OPCODE.IDLE);
      w.len(idle);
    }
    if (freq >= 0) {
      w.byte(RDB_OPCODE.FREQ);
      w.byte(freq);
    }
    if (typeof value === 'string') {
      w.byte(RDB_TYPE.STRING);
      w.rawString(key);
      w.rawString(value);
      return;
    }
    const pre = this.preEncoded?.get(value);
    if (pre !== undefined) {
      w.byte(pre[0]);
      w.rawString(key);
      w.bytes(pre.subarray(1));
      return;
    }
    // The codec writes <type><value>: write the key after a one-byte hole,
    // then the value, and move its type byte into the hole.
    const hole = w.pos;
    w.byte(0);
    w.rawString(key);
    const at = w.pos;
    writeValue(w, value, this.opts);
    const b = w.buf;
    b[hole] = b[at];
    b.copyWithin(at, at + 1, w.pos);
    w.pos--;
  }

  /** EOF and the checksum; returns the last chunk. */
  end(): Buffer {
    this.w.byte(RDB_OPCODE.EOF);
    const last = this.take();
    const out = Buffer.allocUnsafe(last.length + 8);
    last.copy(out, 0);
    if (this.checksum) this.crc.writeLE(out, last.length);
    else out.fill(0, last.length);
    return out;
  }
}

/** `<type><value>` of one value, as the file would hold it (for copy-on-write). */
export function encodeValue(v: Value, opts: DumpOptions): Buffer {
  const w = new RdbWriter(opts.compression ?? true);
  writeValue(w, v, opts);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** A whole RDB file for these databases, in one buffer. */
export function writeRdb(dbs: readonly DbSnapshot[], opts: RdbSaveOptions = {}): Buffer {
  const f = new RdbFileWriter(opts);
  const chunks: Buffer[] = [];
  f.header();
  for (const d of dbs) {
    if (d.keys.length === 0) continue;
    f.selectDb(d.index, d.keys.length, d.expires?.size ?? 0);
    const { keys, values, expires, idle, freq } = d;
    for (let i = 0; i < keys.length; i++) {
      f.entry(keys[i], values[i], expires === null ? undefined : expires.get(keys[i]), idle?.[i], freq?.[i]);
      if (f.buffered >= 1 << 20) chunks.push(f.take());
    }
  }
  chunks.push(f.end());
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

// ---- reading ------------------------------------------------------------------------------

/** One database as read from a file (applying it hands `data` and `expires` to the database as they are). */
export interface LoadedDb {
  index: number;
  data: Map<string, Value>;
  /** key -> deadline ms; a bigint for deadlines past 2^53. */
  expires: Map<string, number | bigint>;
  /** key -> LFU counter (FREQ opcode) or idle seconds (IDLE opcode). */
  freq: Map<string, number>;
  idle: Map<string, number>;
}

export interface LoadedRdb {
  version: number;
  dbs: LoadedDb[];
  /** AUX fields, in file order. */
  aux: Map<string, string>;
  /** Function library codes (FUNCTION2). */
  functions: string[];
  /** Keys loaded / skipped because their deadline had passed (rdb_last_load_keys_*). */
  keysLoaded: number;
  keysExpired: number;
  /** Keys skipped because their value had no elements (old or buggy writers). */
  emptyKeysSkipped: number;
}

export interface RdbLoadOptions extends LoadOptions {
  /** Number of databases the server has (SELECTDB beyond it is refused). Default 16. */
  databases?: number;
  /** Now, in ms: keys whose deadline has passed are skipped (as a master does). Omit to keep every key. */
  now?: number;
  /** rdbchecksum: verify the trailing CRC64 (default true). */
  checksum?: boolean;
  /**
   * Keep small collections as their bytes in the file until first read
   * (store/lazy.ts; default true). false builds every value at load.
   */
  lazy?: boolean;
}

/** Is this an RDB file (magic "REDIS" followed by 4 digits)? */
export function isRdb(buf: Uint8Array): boolean {
  if (buf.length < 9) return false;
  if (buf[0] !== 0x52 || buf[1] !== 0x45 || buf[2] !== 0x44 || buf[3] !== 0x49 || buf[4] !== 0x53) return false;
  for (let i = 5; i < 9; i++) if (buf[i] < 0x30 || buf[i] > 0x39) return false;
  return true;
}

const describeType = (t: number): string =>
  t === RDB_TYPE.MODULE_2 || t === RDB_TYPE.MODULE_PRE_GA
    ? 'a module value'
    : t === RDB_TYPE.STREAM_LISTPACKS || t === RDB_TYPE.STREAM_LISTPACKS_2
      ? 'a stream'
      : `a value of RDB type ${t}`;

const printable = (k: string): string => JSON.stringify(k);

/** The keys of one database read so far, in file order, with where each starts. */
interface Pending {
  keys: string[];
  values: Value[];
  offsets: number[];
  /** Loaded keys that have a deadline, and their deadlines. */
  ttlKeys: string[];
  ttls: Array<number | bigint>;
  /** Keys skipped because their deadline had passed (still checked for duplicates). */
  expired: string[];
  expiredOffsets: number[];
  /** How many of `values` are packed (numbers, built on first read: store/lazy.ts). */
  packed: number;
}

/**
 * Fill a database's table once its keys are read. Inserting while reading
 * stores each new (young) key and value into a large, old table: V8 then
 * records and rescans every such slot at each young-generation collection;
 * by the end most of them are old too, and the table fills at Map speed.
 * A key present twice (among the loaded or the expired ones) fails the load
 * at the second one.
 */
function insertPending(db: LoadedDb, p: Pending, src: PackSource | null): void {
  const data = db.data;
  const { keys, values } = p;
  for (let i = 0; i < keys.length; i++) {
    const size = data.size;
    data.set(keys[i], values[i]);
    if (data.size === size) throw new RdbLoadError(`RDB has duplicated key ${printable(keys[i])} in DB ${db.index}`, p.offsets[i], keys[i]);
  }
  adoptPacked(data, p.packed, src);
  const expires = db.expires;
  for (let i = 0; i < p.ttlKeys.length; i++) expires.set(p.ttlKeys[i], p.ttls[i]);
  if (p.expired.length === 0) return;
  const seen = new Set<string>();
  for (let i = 0; i < p.expired.length; i++) {
    const k = p.expired[i];
    if (data.has(k) || seen.has(k)) throw new RdbLoadError(`RDB has duplicated key ${printable(k)} in DB ${db.index}`, p.expiredOffsets[i], k);
    seen.add(k);
  }
}

/**
 * Parse a whole RDB file (versions 1..10) into new tables. Throws
 * RdbLoadError; the caller's keyspace is untouched until it applies the result.
 */
export function readRdb(input: Uint8Array, opts: RdbLoadOptions = {}): LoadedRdb {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') throw new RdbLoadError('Wrong signature trying to load DB from file', 0);
  const verText = buf.latin1Slice(5, 9);
  const version = /^[0-9]{4}$/.test(verText) ? Number(verText) : NaN;
  if (!(version >= 1 && version <= RDB_VERSION)) throw new RdbLoadError(`Can't handle RDB format version ${verText}`, 5);
  const r = new RdbReader(buf);
  r.pos = 9;
  // Many keys of a file hold similar collections: their short elements share strings.
  r.intern = new Interner();
  const lim: Limits = limitsOf(opts);
  const src = opts.lazy === false ? null : new PackSource(buf, lim, r.intern);
  const ndb = opts.databases ?? 16;
  const now = opts.now;
  const out: LoadedRdb = { version, dbs: [], aux: new Map(), functions: [], keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0 };
  const dbs = new Map<number, LoadedDb>();
  const pendingOf = new Map<LoadedDb, Pending>();
  let pending: Pending = { keys: [], values: [], offsets: [], expired: [], expiredOffsets: [], ttlKeys: [], ttls: [], packed: 0 };
  const dbAt = (i: number): LoadedDb => {
    let d = dbs.get(i);
    if (d === undefined) {
      d = { index: i, data: new Map(), expires: new Map(), freq: new Map(), idle: new Map() };
      dbs.set(i, d);
      pendingOf.set(d, { keys: [], values: [], offsets: [], expired: [], expiredOffsets: [], ttlKeys: [], ttls: [], packed: 0 });
    }
    pending = pendingOf.get(d) as Pending;
    return d;
  };
  let db = dbAt(0);
  let expire: number | bigint | undefined;
  let freq = -1;
  let idle = -1;
  let key: string | undefined;
  let opStart = 9;
  try {
    for (;;) {
      opStart = r.pos;
      key = undefined;
      const type = r.byte();
      switch (type) {
        case RDB_OPCODE.EXPIRETIME: {
          expire = r.take(4).readInt32LE(0) * 1000;
          continue;
        }
        case RDB_OPCODE.EXPIRETIME_MS: {
          // int64 little-endian: two 32-bit halves, a BigInt only past 2^53.
          const p = r.pos;
          if (p + 8 > buf.length) r.take(8); // throws: truncated
          const lo = buf.readUInt32LE(p);
          const hi = buf.readInt32LE(p + 4);
          r.pos = p + 8;
          if (hi > -0x200000 && hi < 0x200000) expire = hi * 4294967296 + lo;
          else expire = buf.readBigInt64LE(p);
          continue;
        }
        case RDB_OPCODE.FREQ:
          freq = r.byte();
          continue;
        case RDB_OPCODE.IDLE:
          idle = r.len();
          continue;
        case RDB_OPCODE.EOF:
          break;
        case RDB_OPCODE.SELECTDB: {
          const i = r.len();
          if (i >= ndb) throw new RdbLoadError(`Data file was created with a Redis server configured to handle more than ${ndb} databases`, opStart);
          db = dbAt(i);
          continue;
        }
        case RDB_OPCODE.RESIZEDB:
          r.len();
          r.len();
          continue;
        case RDB_OPCODE.AUX: {
          const k = r.string();
          const v = r.string();
          out.aux.set(k, v);
          continue;
        }
        case RDB_OPCODE.MODULE_AUX:
          throw new RdbLoadError('The RDB file contains module AUX data, but RedKit has no modules', opStart);
        case RDB_OPCODE.FUNCTION_PRE_GA:
          throw new RdbLoadError('Pre-release function format not supported', opStart);
        case RDB_OPCODE.FUNCTION2:
          out.functions.push(r.string());
          continue;
        default: {
          if (!isObjectType(type)) throw new RdbLoadError(`Unknown RDB encoding type ${type}`, opStart);
          key = r.string();
          if (type === RDB_TYPE.MODULE_2 || type === RDB_TYPE.MODULE_PRE_GA) {
            throw new RdbLoadError(`The RDB file contains a module value for key ${printable(key)} (DB ${db.index}), but RedKit has no modules`, opStart, key);
          }
          const valueStart = r.pos;
          let value: Value;
          let packed = -1;
          if (type === RDB_TYPE.STRING) value = r.string();
          else if (src !== null && (packed = readPacked(r, type, src)) >= 0) value = packed as unknown as Value;
          else {
            try {
              value = readObject(r, type, lim);
            } catch (e) {
              if (e === EMPTY) {
                // Redis skips keys whose value has no elements ("empty keys skipped").
                out.emptyKeysSkipped++;
                expire = undefined;
                freq = -1;
                idle = -1;
                continue;
              }
              if (e !== BAD) throw e;
              // Streams: corrupt, or (before RedKit has the stream type) not loadable at all.
              const what = type === RDB_TYPE.STREAM_LISTPACKS || type === RDB_TYPE.STREAM_LISTPACKS_2 ? `${describeType(type)} RedKit cannot load (corrupt, or streams unsupported)` : `corrupt or truncated ${describeType(type)}`;
              throw new RdbLoadError(`Bad RDB data: ${what} for key ${printable(key)} (DB ${db.index}) at offset ${valueStart}`, valueStart, key);
            }
          }
          if (now !== undefined && expire !== undefined && expire < now) {
            pending.expired.push(key);
            pending.expiredOffsets.push(opStart);
            out.keysExpired++;
          } else {
            // Into the keyspace table at the end (see insertPending).
            pending.keys.push(key);
            pending.values.push(value);
            pending.offsets.push(opStart);
            if (packed >= 0) pending.packed++;
            if (expire !== undefined) {
              pending.ttlKeys.push(key);
              pending.ttls.push(expire);
            }
            if (freq >= 0) db.freq.set(key, freq);
            if (idle >= 0) db.idle.set(key, idle);
            out.keysLoaded++;
          }
          expire = undefined;
          freq = -1;
          idle = -1;
          continue;
        }
      }
      break; // EOF
    }
    if (src !== null) {
      let packed = 0;
      for (const p of pendingOf.values()) packed += p.packed;
      if (packed !== 0) keepCopy(src);
    }
    for (const [d, p] of pendingOf) insertPending(d, p, src);
    // Since version 5 the file ends with a CRC64 of everything before it.
    if (version >= 5) {
      const end = r.pos;
      const sum = r.take(8);
      if ((opts.checksum ?? true) && !sum.equals(Buffer.alloc(8))) {
        const c = new Crc64().update(buf, 0, end);
        if (!c.matchesLE(sum, 0)) throw new RdbLoadError('Wrong RDB checksum', end);
      }
    }
  } catch (e) {
    if (e instanceof RdbLoadError) throw e;
    if (e === BAD) {
      const where = key !== undefined ? ` while reading key ${printable(key)} (DB ${db.index})` : '';
      throw new RdbLoadError(`Short read or OOM loading DB. Unrecoverable error, aborting now${where} (offset ${opStart}, file size ${buf.length})`, opStart, key);
    }
    throw e;
  }
  out.dbs = [...dbs.values()].filter((d) => d.data.size > 0).sort((a, b) => a.index - b.index);
  return out;
}
