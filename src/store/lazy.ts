/**
 * Lazy values of a loaded RDB file.
 *
 * Most keys of a dump loaded by a test are never read. Building every small
 * collection at load (an RHash with its Map, an RList with its array, a ZSet
 * with its arrays, plus the element strings) is most of the load's
 * allocation, and the young-generation GC then copies all of it. So the
 * loader keeps the small collections of the common encodings as where they
 * lie in the file and builds the value the first time anything reads it, with
 * the same decoder and the same limits the load would have used (readObject):
 * the value is exactly the one an eager load builds.
 *
 * A packed value is a number in the table (no keyspace value is a number):
 * its offset in the file (or arena) times 8, plus 4 for the arena, plus its
 * kind (hash, sorted set, list): a small integer, so packing allocates nothing per key; the file and the limits
 * are the table's (PackSource, one per load). Nothing outside this file ever
 * sees one. The database's table
 * holding packed values is a Map whose prototype is LazyKeyspace while any
 * remain: get() builds the value and stores it in place; iteration (entries,
 * values, forEach, for...of) builds every remaining one first; set() and
 * delete() keep the count. When the count reaches 0 (all built, overwritten,
 * deleted or flushed) the table becomes a plain Map again, so the hot path of
 * a keyspace that was not loaded, or is fully built, is untouched.
 *
 * Which values are packed: a listpack hash or sorted set of at most
 * PACK_MAX_PAIRS pairs, and a quicklist whose nodes are all packed
 * listpacks, when each passes the same structural checks the decoder makes
 * (scanListpack), is not empty, and holds nothing readObject could refuse
 * later (a repeated field or member, a NaN score): anything else is decoded
 * at load as before, so a corrupt file is still refused at load with the same
 * error. An LZF-compressed listpack (Redis compresses one whenever that saves
 * space) is decompressed at load into the load's arena, behind the plain RDB
 * string header readObject expects, and packed from there.
 *
 * Packed values refer to a copy of the file made at the end of the load (the
 * caller may reuse its buffer: a replica's read buffer, a test's bytes) and
 * to the arena, kept until the last packed value of them is built or gone.
 */
import { Interner, scanListpack } from './listpack.js';
import { lzfDecompressInto } from './lzf.js';
import { RDB_TYPE, RdbReader, readObject, type Limits } from './rdb.js';
import type { Value } from './types.js';

/** Pairs (fields, members) up to which a listpack hash / sorted set is kept packed. */
export const PACK_MAX_PAIRS = 16;

/** What every packed value of one load shares. */
export class PackSource {
  /**
   * LZF-compressed values, decompressed at load, each behind the RDB string
   * header(s) readObject expects (being written while reading; trimmed by keepCopy).
   */
  arena = Buffer.allocUnsafe(0);
  arenaPos = 0;

  constructor(
    /** The file: the caller's bytes while reading, then a copy of them (see keepCopy). */
    public buf: Buffer,
    readonly lim: Limits,
    readonly intern: Interner | null,
  ) {}

  /** Room for n more bytes in the arena. */
  room(n: number): void {
    const need = this.arenaPos + n;
    if (need <= this.arena.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.arena.length * 2, 1 << 16));
    this.arena.copy(next, 0, 0, this.arenaPos);
    this.arena = next;
  }

  /** An RDB length (6-, 14- or 32-bit form) into the arena. */
  len(v: number): void {
    this.room(5);
    const a = this.arena;
    let p = this.arenaPos;
    if (v < 64) a[p++] = v;
    else if (v < 16384) {
      a[p++] = 0x40 | (v >>> 8);
      a[p++] = v & 0xff;
    } else {
      a[p++] = 0x80;
      a.writeUInt32BE(v, p);
      p += 4;
    }
    this.arenaPos = p;
  }
}

/**
 * Once the file is read: packed values read a copy of it, not the caller's
 * bytes, and an arena trimmed to its contents.
 */
export function keepCopy(src: PackSource): void {
  src.buf = Buffer.from(src.buf);
  src.arena = Buffer.from(src.arena.subarray(0, src.arenaPos));
}

/** An LZF-compressed RDB string: the encoding byte (RDB_ENCVAL << 6 | RDB_ENC_LZF). */
const LZF_STRING = 0xc3;

/**
 * The RDB string at r.pos (compressed or not) copied into the arena as a
 * plain one; returns where its bytes start there (the string ends at
 * src.arenaPos), or -1 when it cannot be (the decoder will say why).
 */
function stringToArena(r: RdbReader, src: PackSource): number {
  const buf = r.buf;
  if (buf[r.pos] === LZF_STRING) {
    r.pos++;
    const clen = r.len();
    const ulen = r.len();
    if (clen > r.remaining || ulen > clen * 90 + 64 || ulen === 0) return -1;
    src.len(ulen);
    src.room(ulen);
    const start = src.arenaPos;
    if (!lzfDecompressInto(buf, r.pos, r.pos + clen, src.arena, start, ulen)) return -1;
    r.pos += clen;
    src.arenaPos = start + ulen;
    return start;
  }
  r.span();
  if (r.spanBuf !== buf) return -1; // an integer-encoded string: not a listpack
  const n = r.spanEnd - r.spanStart;
  src.len(n);
  src.room(n);
  const start = src.arenaPos;
  buf.copy(src.arena, start, r.spanStart, r.spanEnd);
  src.arenaPos = start + n;
  return start;
}

/** The RDB types kept packed, by kind (the low 2 bits of a packed value). */
const KINDS = [RDB_TYPE.HASH_LISTPACK, RDB_TYPE.ZSET_LISTPACK, RDB_TYPE.LIST_QUICKLIST_2] as const;
/** Offsets past this are not packed (packed values stay small integers). */
const MAX_POS = 2 ** 27;
/** The bit of a packed value read from the arena rather than the file. */
const IN_ARENA = 4;

/** Build a packed value (readObject on its bytes, as the load would have). */
export function unpack(src: PackSource, code: number): Value {
  const r = new RdbReader(code & IN_ARENA ? src.arena : src.buf);
  r.pos = code >>> 3;
  r.intern = src.intern;
  return readObject(r, KINDS[code & 3], src.lim);
}

const starts = new Int32Array(PACK_MAX_PAIRS * 2);

/** Entry i (from `starts`) compared with entry j: 1 equal, 0 different, -1 cannot tell without decoding. */
function sameEntry(b: Buffer, i: number, j: number): number {
  const p = starts[i];
  const q = starts[j];
  const x = b[p];
  const y = b[q];
  const xs = (x & 0xc0) === 0x80 || (x & 0xf0) === 0xe0 || x === 0xf0;
  const ys = (y & 0xc0) === 0x80 || (y & 0xf0) === 0xe0 || y === 0xf0;
  // A string entry spelling an integer would equal an integer entry (Redis never writes one).
  if (xs !== ys) return intLike(b, xs ? p : q) ? -1 : 0;
  if (!xs) {
    // Integers: compare values (a file may hold the same value in two widths).
    if (intEntry(b, p) !== intEntry(b, q)) return 0;
    return intHigh(b, p) === intHigh(b, q) ? 1 : 0;
  }
  let ps: number;
  let pl: number;
  let qs: number;
  let ql: number;
  if ((x & 0xc0) === 0x80) {
    ps = p + 1;
    pl = x & 0x3f;
  } else if ((x & 0xf0) === 0xe0) {
    ps = p + 2;
    pl = ((x & 0x0f) << 8) | b[p + 1];
  } else {
    ps = p + 5;
    pl = b.readUInt32LE(p + 1);
  }
  if ((y & 0xc0) === 0x80) {
    qs = q + 1;
    ql = y & 0x3f;
  } else if ((y & 0xf0) === 0xe0) {
    qs = q + 2;
    ql = ((y & 0x0f) << 8) | b[q + 1];
  } else {
    qs = q + 5;
    ql = b.readUInt32LE(q + 1);
  }
  if (pl !== ql) return 0;
  for (let k = 0; k < pl; k++) if (b[ps + k] !== b[qs + k]) return 0;
  return 1;
}

/** Could the string entry at p spell an integer (digits, maybe a leading '-', at most 20 bytes)? */
function intLike(b: Buffer, p: number): boolean {
  const x = b[p];
  if ((x & 0xc0) !== 0x80) return (x & 0xf0) === 0xe0 && (((x & 0x0f) << 8) | b[p + 1]) <= 20 ? true : x === 0xf0;
  const l = x & 0x3f;
  if (l === 0 || l > 20) return false;
  for (let k = 0; k < l; k++) {
    const c = b[p + 1 + k];
    if ((c < 0x30 || c > 0x39) && !(k === 0 && c === 0x2d)) return false;
  }
  return true;
}

/** The high 32 bits of an integer entry's 64-bit value (a sign extension below 64-bit entries). */
function intHigh(b: Buffer, p: number): number {
  if (b[p] === 0xf4) return b.readInt32LE(p + 5);
  return intEntry(b, p) < 0 ? -1 : 0;
}

/** The value of an integer entry (the low 32 bits, signed, of a 64-bit one). */
function intEntry(b: Buffer, p: number): number {
  const x = b[p];
  if ((x & 0x80) === 0) return x & 0x7f;
  if ((x & 0xe0) === 0xc0) {
    const u = ((x & 0x1f) << 8) | b[p + 1];
    return u >= 1 << 12 ? u - (1 << 13) : u;
  }
  if (x === 0xf1) return b.readInt16LE(p + 1);
  if (x === 0xf2) {
    const u = b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16);
    return u >= 1 << 23 ? u - (1 << 24) : u;
  }
  return b.readInt32LE(p + 1);
}

/** Are the entries at even (or odd) indexes below 2n pairwise different, for sure? */
function distinct(b: Buffer, n: number, offset: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) if (sameEntry(b, 2 * i + offset, 2 * j + offset) !== 0) return false;
  }
  return true;
}

/** Could a score entry be a NaN ("nan" spelled in a string entry: an 'a', which no infinity has)? */
function maybeNaN(b: Buffer, p: number): boolean {
  const x = b[p];
  let s: number;
  let l: number;
  if ((x & 0xc0) === 0x80) {
    s = p + 1;
    l = x & 0x3f;
  } else if ((x & 0xf0) === 0xe0) {
    s = p + 2;
    l = ((x & 0x0f) << 8) | b[p + 1];
  } else if (x === 0xf0) return true;
  else return false;
  for (let k = 0; k < l; k++) {
    if ((b[s + k] | 0x20) === 0x61) return true; // a / A
  }
  return false;
}

/**
 * The value of `type` at r.pos kept packed (r moved past it): its number, or
 * -1 with r where it was; the caller then decodes it (readObject) as usual.
 */
export function readPacked(r: RdbReader, type: number, src: PackSource): number {
  const kind = type === RDB_TYPE.HASH_LISTPACK ? 0 : type === RDB_TYPE.ZSET_LISTPACK ? 1 : type === RDB_TYPE.LIST_QUICKLIST_2 ? 2 : -1;
  const buf = r.buf;
  const at = r.pos;
  if (kind < 0 || buf !== src.buf || at >= MAX_POS) return -1;
  const mark = src.arenaPos;
  try {
    if (type === RDB_TYPE.LIST_QUICKLIST_2) {
      const nodes = r.count();
      let total = 0;
      let compressed = false;
      for (let i = 0; i < nodes; i++) {
        if (r.len() !== 2) return back(r, at); // a plain node
        if (buf[r.pos] === LZF_STRING) {
          // Checked when copied to the arena below.
          compressed = true;
          r.pos++;
          const clen = r.len();
          r.len();
          if (clen > r.remaining) return back(r, at);
          r.pos += clen;
          continue;
        }
        r.span();
        if (r.spanBuf !== buf) return back(r, at);
        const n = scanListpack(buf, r.spanStart, r.spanEnd);
        if (n < 0) return back(r, at);
        total += n;
      }
      if (!compressed) return total === 0 ? back(r, at) : at * 8 + kind;
      // Some node is compressed: the whole value goes to the arena, every node plain.
      if (mark >= MAX_POS) return back(r, at);
      r.pos = at;
      r.count();
      src.len(nodes);
      total = 0;
      for (let i = 0; i < nodes; i++) {
        src.len(r.len());
        const s = stringToArena(r, src);
        if (s < 0) return back(r, at, src, mark);
        const n = scanListpack(src.arena, s, src.arenaPos);
        if (n < 0) return back(r, at, src, mark);
        total += n;
      }
      if (total === 0) return back(r, at, src, mark);
      return mark * 8 + IN_ARENA + kind;
    }
    let b = buf;
    let s: number;
    let e: number;
    let code: number;
    if (buf[at] === LZF_STRING) {
      if (mark >= MAX_POS) return back(r, at);
      s = stringToArena(r, src);
      if (s < 0) return back(r, at, src, mark);
      b = src.arena;
      e = src.arenaPos;
      code = mark * 8 + IN_ARENA + kind;
    } else {
      r.span();
      if (r.spanBuf !== buf) return back(r, at);
      s = r.spanStart;
      e = r.spanEnd;
      code = at * 8 + kind;
    }
    const n = scanListpack(b, s, e, starts);
    if (n <= 0 || n % 2 !== 0 || n > PACK_MAX_PAIRS * 2) return back(r, at, src, mark);
    const pairs = n / 2;
    if (!distinct(b, pairs, 0)) return back(r, at, src, mark);
    if (type === RDB_TYPE.ZSET_LISTPACK) {
      for (let i = 0; i < pairs; i++) if (maybeNaN(b, starts[2 * i + 1])) return back(r, at, src, mark);
    }
    return code;
  } catch {
    // Truncated or malformed framing: the decoder reports it.
    return back(r, at, src, mark);
  }
}

function back(r: RdbReader, at: number, src: PackSource | null = null, mark = 0): -1 {
  r.pos = at;
  r.spanBuf = r.buf;
  if (src !== null) src.arenaPos = mark;
  return -1;
}

// ---- the table ------------------------------------------------------------------------------

/** A table's packed values: how many are left, and their file. */
interface Packed {
  left: number;
  readonly src: PackSource;
}

/** Per table holding packed values. */
const tables = new WeakMap<Map<string, Value>, Packed>();

const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
const mapEntries = Map.prototype.entries;

/** Build the value of key (packed value `code`) and store it in place; undefined if it cannot be built (the key is dropped). */
function build(m: LazyKeyspace, key: string, code: number): Value | undefined {
  const p = tables.get(m) as Packed;
  let v: Value | undefined;
  try {
    v = unpack(p.src, code);
  } catch {
    // readPacked checked what readObject checks: not expected.
    v = undefined;
  }
  if (v === undefined) mapDelete.call(m, key);
  else mapSet.call(m, key, v);
  m.packedGone();
  return v;
}

/** The prototype of a table holding packed values (see the header). */
export class LazyKeyspace extends Map<string, Value> {
  /** One packed value fewer; the table becomes a plain Map after the last. */
  packedGone(): void {
    const p = tables.get(this);
    if (p !== undefined && --p.left > 0) return;
    tables.delete(this);
    Object.setPrototypeOf(this, Map.prototype);
  }

  /** Build every packed value now (before iteration). */
  unpackAll(): void {
    const p = tables.get(this);
    if (p === undefined) return;
    const src = p.src;
    // Overwriting the value of a key while iterating keeps the iteration going (Map semantics).
    for (const [k, v] of mapEntries.call(this) as IterableIterator<[string, unknown]>) {
      if (typeof v !== 'number') continue;
      let built: Value | undefined;
      try {
        built = unpack(src, v);
      } catch {
        built = undefined; // not expected (see build)
      }
      if (built === undefined) mapDelete.call(this, k);
      else mapSet.call(this, k, built);
    }
    tables.delete(this);
    Object.setPrototypeOf(this, Map.prototype);
  }

  override get(key: string): Value | undefined {
    const v = mapGet.call(this, key) as unknown;
    if (typeof v === 'number') return build(this, key, v);
    return v as Value | undefined;
  }

  override set(key: string, value: Value): this {
    const packed = typeof mapGet.call(this, key) === 'number';
    mapSet.call(this, key, value);
    if (packed) this.packedGone();
    return this;
  }

  override delete(key: string): boolean {
    const packed = typeof mapGet.call(this, key) === 'number';
    const had = mapDelete.call(this, key);
    if (packed) this.packedGone();
    return had;
  }

  override clear(): void {
    Map.prototype.clear.call(this);
    tables.delete(this);
    Object.setPrototypeOf(this, Map.prototype);
  }

  override entries(): MapIterator<[string, Value]> {
    this.unpackAll();
    return mapEntries.call(this) as MapIterator<[string, Value]>;
  }

  override values(): MapIterator<Value> {
    this.unpackAll();
    return Map.prototype.values.call(this) as MapIterator<Value>;
  }

  override [Symbol.iterator](): MapIterator<[string, Value]> {
    this.unpackAll();
    return mapEntries.call(this) as MapIterator<[string, Value]>;
  }

  override forEach(fn: (value: Value, key: string, map: Map<string, Value>) => void, thisArg?: unknown): void {
    this.unpackAll();
    Map.prototype.forEach.call(this, fn as (v: unknown, k: unknown, m: Map<unknown, unknown>) => void, thisArg);
  }
}

/** A table filled by the loader with `packed` packed values of `src` among its values: make it lazy. */
export function adoptPacked(m: Map<string, Value>, packed: number, src: PackSource | null): void {
  if (packed === 0 || src === null) return;
  tables.set(m, { left: packed, src });
  Object.setPrototypeOf(m, LazyKeyspace.prototype);
}

/** Packed values a table still holds (tests, docs). */
export function packedCount(m: Map<string, Value>): number {
  return tables.get(m)?.left ?? 0;
}

/**
 * Visit every key and value of a table without keeping what packed values
 * build: each is built for the call and dropped (the memory walks: a value's
 * figures are those of its built form, but computing them must not make the
 * whole keyspace at once). Order as the table's.
 */
export function forEachTransient(m: Map<string, Value>, fn: (key: string, value: Value) => void): void {
  const p = tables.get(m);
  if (p === undefined) {
    for (const [k, v] of m) fn(k, v);
    return;
  }
  for (const [k, v] of mapEntries.call(m) as IterableIterator<[string, unknown]>) {
    if (typeof v !== 'number') fn(k, v as Value);
    else {
      let built: Value;
      try {
        built = unpack(p.src, v);
      } catch {
        continue; // not expected (see build)
      }
      fn(k, built);
    }
  }
}
