/**
 * Values in Redis's RDB serialization, as DUMP and RESTORE exchange them
 * (rdb.c rdbSaveObject / rdbLoadObject, cluster.c createDumpPayload /
 * verifyDumpPayload), for Redis 7.0 (RDB_VERSION 10).
 *
 *   payload = <type byte> <value> <rdb version u16 LE> <crc64 LE of all before>
 *
 * Writing follows Redis 7.0.15 byte for byte wherever Redis itself is
 * deterministic:
 *   - strings: integers in int8/16/32 range as RDB_ENC_INT*, strings longer
 *     than 20 bytes LZF-compressed when that saves at least 4 bytes
 *     (rdbcompression yes), else verbatim;
 *   - lists: RDB_TYPE_LIST_QUICKLIST_2, listpack nodes split the way
 *     quicklistPushTail splits them under list-max-listpack-size, interior
 *     nodes LZF-compressed under list-compress-depth;
 *   - hashes: RDB_TYPE_HASH_LISTPACK while 'listpack', else RDB_TYPE_HASH;
 *   - sets: RDB_TYPE_SET_INTSET (narrowest width that fits) or RDB_TYPE_SET;
 *   - sorted sets: RDB_TYPE_ZSET_LISTPACK or RDB_TYPE_ZSET_2 (highest first,
 *     binary doubles).
 * What RedKit cannot reproduce because it depends on a value's history in
 * Redis (quicklist node boundaries after LPUSH/LINSERT/LREM..., an intset's
 * width after its widest member was removed) is written as Redis writes a
 * value built from scratch; hash table order (big hashes and sets) is RedKit's.
 *
 *   - streams: RDB_TYPE_STREAM_LISTPACKS_2, one listpack per node exactly as
 *     Redis lays it out (master entry, delta-encoded entries, tombstones),
 *     then the stream's IDs and counters and the consumer groups.
 * Reading accepts every object type Redis 7.0 loads except module values:
 * the 7.0 encodings plus RDB_TYPE_LIST, ziplist lists/hashes/zsets,
 * quicklist v1, zipmap hashes, RDB_TYPE_ZSET with text scores, intsets of any
 * width. Every blob is validated in full (as sanitize-dump-payload yes would):
 * a payload Redis would load into a corrupt value is refused instead.
 */
import { binaryString } from '../resp/bytes.js';
import { formatDouble, parseIntStrict } from '../resp/format.js';
import { Crc64 } from './crc64.js';
import { Interner, ListpackWriter, LISTPACK_EMPTY_SIZE, decodeListpack, entryString, listpackEntrySize, type ListpackEntry } from './listpack.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { RHash } from './types/hash.js';
import { RList } from './types/list.js';
import { RSet } from './types/set.js';
import { ZSet, type ZsetLimits } from './types/zset.js';
import { Consumer, ENTRY_DELETED, ENTRY_SAMEFIELDS, INVALID_ENTRIES_READ, Nack, RStream, streamKeyBytes, u64, type U64 } from './types/stream.js';
import type { RObject, Value } from './types.js';

// ---- constants (rdb.h) ------------------------------------------------------------------

export const RDB_VERSION = 10;

export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

const RDB_6BITLEN = 0;
const RDB_14BITLEN = 1;
const RDB_32BITLEN = 0x80;
const RDB_64BITLEN = 0x81;
const RDB_ENCVAL = 3;
const RDB_ENC_INT8 = 0;
const RDB_ENC_INT16 = 1;
const RDB_ENC_INT32 = 2;
const RDB_ENC_LZF = 3;

const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;

/** rdbIsObjectType for Redis 7.0: 0-7 and 9-19. */
export const isObjectType = (t: number): boolean => (t >= 0 && t <= 7) || (t >= 9 && t <= 19);

// ---- options ------------------------------------------------------------------------------

/** What shapes a DUMP payload (server configuration). */
export interface DumpOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes. Default true. */
  compression?: boolean;
  /** list-max-listpack-size (fill). Default -2 (8KB nodes). */
  listMaxListpackSize?: number;
  /** list-compress-depth. Default 0 (no compressed nodes). */
  listCompressDepth?: number;
}

/** The encoding limits a restored value is converted under (server configuration). */
export interface LoadOptions {
  /** list-max-listpack-size: a restored list whose nodes differ from this fill's keeps them for DUMP. */
  listMaxListpackSize?: number;
  hashMaxListpackEntries?: number;
  hashMaxListpackValue?: number;
  setMaxIntsetEntries?: number;
  /** zset-max-listpack-entries / -value; the object is kept by the new ZSet. */
  zsetLimits?: ZsetLimits;
}

// ---- writing ------------------------------------------------------------------------------

/** A growable output buffer with Redis's RDB primitives. */
export class RdbWriter {
  buf: Buffer;
  pos = 0;
  constructor(
    readonly compression: boolean,
    capacity = 256,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  latin1(s: string): void {
    this.room(s.length);
    this.buf.latin1Write(s, this.pos, s.length);
    this.pos += s.length;
  }

  /** rdbSaveLen. */
  len(n: number): void {
    this.room(9);
    const b = this.buf;
    if (n < 1 << 6) {
      b[this.pos++] = (RDB_6BITLEN << 6) | n;
    } else if (n < 1 << 14) {
      b[this.pos++] = (RDB_14BITLEN << 6) | (n >>> 8);
      b[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = RDB_32BITLEN;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = RDB_64BITLEN;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveLen of an unsigned 64-bit value. */
  lenU64(n: U64): void {
    if (typeof n === 'number') return this.len(n);
    this.room(9);
    this.buf[this.pos++] = RDB_64BITLEN;
    this.buf.writeBigUInt64BE(n, this.pos);
    this.pos += 8;
  }

  /** rdbSaveMillisecondTime: int64 little-endian. */
  msTime(t: number): void {
    this.room(8);
    this.buf.writeBigInt64LE(BigInt(t), this.pos);
    this.pos += 8;
  }

  /** rdbEncodeInteger: true when written as RDB_ENC_INT8/16/32. */
  private encodedInt(v: number): boolean {
    this.room(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveLzfBlob. */
  lzfBlob(compressed: Uint8Array, originalLen: number): void {
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.len(compressed.length);
    this.len(originalLen);
    this.bytes(compressed);
  }

  /**
   * rdbSaveRawString for a binary string: an RDB integer encoding when it is
   * a canonical integer of at most 11 chars in int32 range, LZF when longer
   * than 20 bytes and compressible by at least 4 bytes, else verbatim.
   */
  rawString(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const v = parseIntStrict(s); // string2ll rules (lpStringToInt64)
      if (v !== null && typeof v === 'number' && this.encodedInt(v)) return;
    }
    if (this.compression && n > 20) {
      const c = lzfCompress(Buffer.from(s, 'latin1'), n - 4);
      if (c !== null) {
        this.lzfBlob(c, n);
        return;
      }
    }
    this.len(n);
    this.latin1(s);
  }

  /** rdbSaveRawString for a blob (listpack, intset): the same rules on its bytes. */
  rawBlob(b: Uint8Array): void {
    const n = b.length;
    if (n <= 11 && n > 0) {
      const s = Buffer.from(b.buffer, b.byteOffset, n).latin1Slice(0, n);
      const v = parseIntStrict(s);
      if (v !== null && typeof v === 'number' && this.encodedInt(v)) return;
    }
    if (this.compression && n > 20) {
      const c = lzfCompress(b, n - 4);
      if (c !== null) {
        this.lzfBlob(c, n);
        return;
      }
    }
    this.len(n);
    this.bytes(b);
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754 binary64, little-endian. */
  binaryDouble(d: number): void {
    this.room(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }
}

/** Redis's quicklist fill levels for negative list-max-listpack-size. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** Elements this large get a node of their own (PLAIN container). */
const PACKED_THRESHOLD = 1 << 30;
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** quicklistSetFill: fill is clamped to -5..32767. */
const clampFill = (fill: number): number => (fill > 32767 ? 32767 : fill < -5 ? -5 : fill);

/** Redis's overestimate of the bytes one more entry adds to a node (SIZE_ESTIMATE_OVERHEAD). */
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * _quicklistNodeAllowInsert as in Redis 7.0: may an element of `sz` bytes
 * (its string length, even when the listpack will store it as an integer) go
 * into a node of `nodeSz` listpack bytes holding `count` elements?
 */
function allowInsert(nodeSz: number, count: number, fill: number, sz: number): boolean {
  if (sz >= PACKED_THRESHOLD) return false;
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/**
 * Layout a value had in the payload it was restored from, where Redis keeps
 * it and RedKit's data structures do not: the node boundaries of a quicklist
 * (Redis appends the payload's nodes as they are) and the width of an intset
 * (an intset never narrows). DUMP reuses them while the value is unchanged,
 * so a payload restored from Redis dumps back to the same bytes.
 */
interface ListLayout {
  /** The elements at restore time (to tell whether the list changed since). */
  items: string[];
  /** Elements per node; PLAIN_NODE for a plain node (one element). */
  counts: number[];
}
const PLAIN_NODE = -1;
const listLayouts = new WeakMap<RList, ListLayout>();
const intsetWidths = new WeakMap<RSet, number>();

/** Node boundaries of `list` as restored, if it has not changed since. */
function restoredLayout(list: RList): number[] | null {
  const h = listLayouts.get(list);
  if (h === undefined) return null;
  const items = h.items;
  let same = items.length === list.length;
  if (same) {
    let i = 0;
    for (const e of list) {
      if (e !== items[i++]) {
        same = false;
        break;
      }
    }
  }
  if (!same) {
    listLayouts.delete(list);
    return null;
  }
  return h.counts;
}

interface QuicklistNode {
  plain: boolean;
  /** PACKED: a listpack; PLAIN: the element's bytes. */
  data: Buffer;
}

/** The nodes quicklistPushTail builds for `items` under `fill`. */
export function quicklistNodes(items: Iterable<string>, fill = -2): QuicklistNode[] {
  fill = clampFill(fill);
  const nodes: QuicklistNode[] = [];
  let w: ListpackWriter | null = null;
  let size = 0;
  const flush = () => {
    if (w !== null) nodes.push({ plain: false, data: w.finish() });
    w = null;
  };
  for (const s of items) {
    const sz = s.length;
    if (sz >= PACKED_THRESHOLD) {
      flush();
      nodes.push({ plain: true, data: Buffer.from(s, 'latin1') });
      continue;
    }
    if (w === null || !allowInsert(size, w.count, fill, sz)) {
      flush();
      w = new ListpackWriter(Math.min(SIZE_SAFETY_LIMIT + 64, 64 + sz));
    }
    w.append(s);
    size = w.bytes;
  }
  flush();
  return nodes;
}

/** Elements per node quicklistPushTail would make (quicklistNodes without building them). */
function canonicalCounts(items: readonly string[], fill: number): number[] {
  fill = clampFill(fill);
  const counts: number[] = [];
  let count = 0;
  let size = 0;
  for (const s of items) {
    const sz = s.length;
    if (sz >= PACKED_THRESHOLD) {
      if (count > 0) counts.push(count);
      counts.push(PLAIN_NODE);
      count = 0;
      continue;
    }
    if (count === 0 || !allowInsert(size, count, fill, sz)) {
      if (count > 0) counts.push(count);
      count = 0;
      size = LISTPACK_EMPTY_SIZE;
    }
    count++;
    size += listpackEntrySize(s);
  }
  if (count > 0) counts.push(count);
  return counts;
}

/** Nodes with the given numbers of elements (a restored layout). */
function nodesWithCounts(list: RList, counts: number[]): QuicklistNode[] {
  const nodes: QuicklistNode[] = [];
  const it = list[Symbol.iterator]();
  for (const n of counts) {
    if (n === PLAIN_NODE) {
      nodes.push({ plain: true, data: Buffer.from(it.next().value as string, 'latin1') });
      continue;
    }
    const w = new ListpackWriter();
    for (let i = 0; i < n; i++) w.append(it.next().value as string);
    nodes.push({ plain: false, data: w.finish() });
  }
  return nodes;
}

/** An intset blob (intset.c) holding sorted canonical integer strings, at the narrowest width. */
export function encodeIntset(sorted: readonly string[], minWidth = 2): Buffer {
  let width = minWidth;
  for (const m of sorted) {
    if (width === 8) break;
    const v = BigInt(m);
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const n = sorted.length;
  const out = Buffer.allocUnsafe(8 + n * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(n, 4);
  let p = 8;
  for (const m of sorted) {
    if (width === 2) out.writeInt16LE(Number(m), p);
    else if (width === 4) out.writeInt32LE(Number(m), p);
    else out.writeBigInt64LE(BigInt(m), p);
    p += width;
  }
  return out;
}

/**
 * A zset score as a listpack entry (zzlInsertAt): an integer when the double
 * is integral and within ±LLONG_MAX/2 (double2ll; -0 becomes 0), else its
 * `%.17g` text ("inf", "-inf", "1.5", "0.10000000000000001").
 */
function appendScore(w: ListpackWriter, score: number): void {
  if (Number.isInteger(score) && score >= -4611686018427387904 && score <= 4611686018427387904) {
    w.appendInteger(Number.isSafeInteger(score) ? score + 0 : BigInt(score));
  } else if (score > -1e6 && score < 1e6 && Number.isInteger(score * 1024)) {
    // A short binary fraction (2.5, -0.375): its exact decimal has at most 16
    // significant digits and is also its shortest form, so String() is `%.17g`.
    w.append(String(score));
  } else {
    w.append(formatDouble(score));
  }
}

export function writeValue(w: RdbWriter, v: Value, opts: DumpOptions): void {
  if (typeof v === 'string' || v.type === 'string') {
    w.byte(RDB_TYPE.STRING);
    w.rawString(typeof v === 'string' ? v : String(v));
    return;
  }
  if (v instanceof RList) {
    w.byte(RDB_TYPE.LIST_QUICKLIST_2);
    const counts = restoredLayout(v);
    const nodes = counts !== null ? nodesWithCounts(v, counts) : quicklistNodes(v.toArray(), opts.listMaxListpackSize ?? -2);
    w.len(nodes.length);
    const depth = Math.max(0, opts.listCompressDepth ?? 0);
    const n = nodes.length;
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      w.len(node.plain ? QUICKLIST_NODE_CONTAINER_PLAIN : QUICKLIST_NODE_CONTAINER_PACKED);
      // Nodes deeper than list-compress-depth from both ends are kept LZF-compressed.
      if (depth > 0 && n >= depth * 2 && i >= depth && i < n - depth) {
        const sz = node.data.length;
        if (sz >= MIN_COMPRESS_BYTES) {
          const c = lzfCompress(node.data, sz);
          if (c !== null && c.length + MIN_COMPRESS_IMPROVE < sz) {
            w.lzfBlob(c, sz);
            continue;
          }
        }
      }
      w.rawBlob(node.data);
    }
    return;
  }
  if (v instanceof RHash) {
    if (v.isListpack) {
      w.byte(RDB_TYPE.HASH_LISTPACK);
      const lp = new ListpackWriter();
      for (const [f, val] of v.entries()) lp.append(f).append(val);
      w.rawBlob(lp.finish());
    } else {
      w.byte(RDB_TYPE.HASH);
      w.len(v.size);
      for (const [f, val] of v.map) {
        w.rawString(f);
        w.rawString(val);
      }
    }
    return;
  }
  if (v instanceof RSet) {
    if (v.isIntset) {
      w.byte(RDB_TYPE.SET_INTSET);
      w.rawBlob(encodeIntset(v.view(), intsetWidths.get(v)));
    } else {
      w.byte(RDB_TYPE.SET);
      w.len(v.size);
      for (const m of v) w.rawString(m);
    }
    return;
  }
  if (v instanceof ZSet) {
    if (v.isListpack) {
      w.byte(RDB_TYPE.ZSET_LISTPACK);
      const lp = new ListpackWriter();
      for (const [m, s] of v) {
        lp.append(m);
        appendScore(lp, s);
      }
      w.rawBlob(lp.finish());
    } else {
      w.byte(RDB_TYPE.ZSET_2);
      w.len(v.size);
      for (const [m, s] of v.entries(true)) {
        w.rawString(m);
        w.binaryDouble(s);
      }
    }
    return;
  }
  if (v instanceof RStream) {
    w.byte(RDB_TYPE.STREAM_LISTPACKS_2);
    writeStream(w, v);
    return;
  }
  throw new RdbUnsupportedError((v as RObject).type);
}

// ---- streams (RDB_TYPE_STREAM_LISTPACKS_2) ---------------------------------------------------

/** int64 as Redis stores a uint64 difference with lpAppendInteger. */
const asInt64 = (v: U64): number | bigint => (typeof v === 'number' ? v : BigInt.asIntN(64, v));
const diffU64 = (a: U64, b: U64): number | bigint =>
  typeof a === 'number' && typeof b === 'number' ? a - b : BigInt.asIntN(64, BigInt(a) - BigInt(b));

/** Redis's listpack for one stream node: master entry, then the entries. */
function streamNodeListpack(s: RStream, i: number): Buffer {
  const node = s.nodes[i];
  const lp = new ListpackWriter(node.lpBytes + 16);
  lp.appendInteger(node.live).appendInteger(node.dead).appendInteger(node.fields.length);
  for (const f of node.fields) lp.append(f);
  lp.appendInteger(0);
  RStream.forEachRaw(node, (flags, ms, seq, fv) => {
    lp.appendInteger(flags);
    lp.appendInteger(diffU64(ms, node.ms));
    lp.appendInteger(diffU64(seq, node.seq));
    const nf = fv.length >> 1;
    if (flags & ENTRY_SAMEFIELDS) {
      for (let j = 1; j < fv.length; j += 2) lp.append(fv[j]);
      lp.appendInteger(nf + 3);
    } else {
      lp.appendInteger(nf);
      for (let j = 0; j < fv.length; j++) lp.append(fv[j]);
      lp.appendInteger(2 * nf + 4);
    }
  });
  return lp.finish();
}

function writeStream(w: RdbWriter, s: RStream): void {
  w.len(s.nodes.length);
  for (let i = 0; i < s.nodes.length; i++) {
    const n = s.nodes[i];
    w.rawString(streamKeyBytes(n.ms, n.seq));
    w.rawBlob(streamNodeListpack(s, i));
  }
  w.len(s.length);
  w.lenU64(s.lastId.ms);
  w.lenU64(s.lastId.seq);
  w.lenU64(s.firstId.ms);
  w.lenU64(s.firstId.seq);
  w.lenU64(s.maxDeletedId.ms);
  w.lenU64(s.maxDeletedId.seq);
  w.len(s.entriesAdded);
  const groups = s.sortedGroups();
  w.len(groups.length);
  for (const g of groups) {
    w.rawString(g.name);
    w.lenU64(g.lastId.ms);
    w.lenU64(g.lastId.seq);
    w.lenU64(g.entriesRead === INVALID_ENTRIES_READ ? 18446744073709551615n : g.entriesRead);
    w.len(g.pel.size);
    g.pel.forEach((ms, seq, nack) => {
      w.latin1(streamKeyBytes(ms, seq));
      w.msTime(nack.deliveryTime);
      w.lenU64(typeof nack.deliveryCount === 'bigint' ? BigInt.asUintN(64, nack.deliveryCount) : nack.deliveryCount < 0 ? BigInt.asUintN(64, BigInt(nack.deliveryCount)) : nack.deliveryCount);
    });
    const consumers = g.sortedConsumers();
    w.len(consumers.length);
    for (const c of consumers) {
      w.rawString(c.name);
      w.msTime(c.seenTime);
      w.len(c.pel.size);
      c.pel.forEach((ms, seq) => {
        w.latin1(streamKeyBytes(ms, seq));
      });
    }
  }
}

/** A 16-byte big-endian stream ID. */
function readRawId(b: Buffer, at = 0): { ms: U64; seq: U64 } {
  return { ms: u64(b.readBigUInt64BE(at)), seq: u64(b.readBigUInt64BE(at + 8)) };
}

const lpInt = (e: ListpackEntry | undefined): number | bigint => {
  if (typeof e === 'number' || typeof e === 'bigint') return e;
  if (e === undefined) return bad();
  const v = parseIntStrict(e);
  if (v === null) bad();
  return v as number | bigint;
};
const lpSmall = (e: ListpackEntry | undefined): number => {
  const v = lpInt(e);
  if (typeof v !== 'number' || v < 0) bad();
  return v as number;
};
const addWrap = (a: U64, d: number | bigint): U64 =>
  typeof a === 'number' && typeof d === 'number' && a + d >= 0 && a + d <= Number.MAX_SAFE_INTEGER ? a + d : u64(BigInt.asUintN(64, BigInt(a) + BigInt(d)));

function readStream(r: RdbReader, type: number): RStream {
  const s = new RStream();
  const nodes = r.count();
  let prev: { ms: U64; seq: U64 } | null = null;
  let live = 0;
  for (let n = 0; n < nodes; n++) {
    const key = r.blob();
    if (key.length !== 16) bad();
    const master = readRawId(key);
    if (prev !== null && (master.ms < prev.ms || (master.ms === prev.ms && master.seq <= prev.seq))) bad();
    const blob = r.blob();
    const e = decodeListpack(blob);
    if (e === null || e.length === 0) bad();
    const items = e as ListpackEntry[];
    const count = lpSmall(items[0]);
    const deleted = lpSmall(items[1]);
    const nf = lpSmall(items[2]);
    let p = 3;
    const fields: string[] = [];
    for (let i = 0; i < nf; i++) {
      if (p >= items.length) bad();
      fields.push(entryString(items[p++]));
    }
    if (lpInt(items[p++]) !== 0) bad();
    const entries: Array<{ flags: number; ms: U64; seq: U64; fv: string[] }> = [];
    let nLive = 0;
    let nDead = 0;
    let last: { ms: U64; seq: U64 } | null = null;
    while (p < items.length) {
      const flags = lpSmall(items[p++]);
      const ms = addWrap(master.ms, lpInt(items[p++]));
      const seq = addWrap(master.seq, lpInt(items[p++]));
      if (last !== null && (ms < last.ms || (ms === last.ms && seq <= last.seq))) bad();
      if (ms < master.ms || (ms === master.ms && seq < master.seq)) bad();
      const fv: string[] = [];
      let expect: number;
      if (flags & ENTRY_SAMEFIELDS) {
        for (let i = 0; i < nf; i++) {
          if (p >= items.length) bad();
          fv.push(fields[i], entryString(items[p++]));
        }
        expect = nf + 3;
      } else {
        const k = lpSmall(items[p++]);
        for (let i = 0; i < 2 * k; i++) {
          if (p >= items.length) bad();
          fv.push(entryString(items[p++]));
        }
        expect = 2 * k + 4;
      }
      if (lpInt(items[p++]) !== expect) bad();
      if (flags & ENTRY_DELETED) nDead++;
      else nLive++;
      entries.push({ flags, ms, seq, fv });
      last = { ms, seq };
    }
    if (entries.length === 0 || nLive !== count || nDead !== deleted) bad();
    live += nLive;
    s.loadNode(master.ms, master.seq, fields, entries, blob.length);
    prev = last;
  }
  s.length = r.len();
  if (s.length !== live) bad();
  s.lastId = { ms: r.lenU64(), seq: r.lenU64() };
  if (type === RDB_TYPE.STREAM_LISTPACKS_2) {
    s.firstId = { ms: r.lenU64(), seq: r.lenU64() };
    s.maxDeletedId = { ms: r.lenU64(), seq: r.lenU64() };
    s.entriesAdded = Number(r.lenU64());
  } else {
    s.entriesAdded = s.length;
    s.firstId = s.firstValidId() ?? { ms: 0, seq: 0 };
  }
  if (prev !== null && (s.lastId.ms < prev.ms || (s.lastId.ms === prev.ms && s.lastId.seq < prev.seq))) bad();
  const ngroups = r.count();
  for (let gi = 0; gi < ngroups; gi++) {
    const name = r.string();
    const lastId = { ms: r.lenU64(), seq: r.lenU64() };
    let entriesRead: number;
    if (type === RDB_TYPE.STREAM_LISTPACKS_2) {
      const er = r.lenU64();
      entriesRead = er === 18446744073709551615n ? INVALID_ENTRIES_READ : Number(er);
    } else entriesRead = s.estimateDistance(lastId);
    const g = s.createGroup(name, lastId, entriesRead);
    if (g === null) bad();
    const group = g!;
    const pelSize = r.count();
    for (let i = 0; i < pelSize; i++) {
      const id = readRawId(r.take(16));
      const nack = new Nack(null, r.msTime(), r.lenU64());
      if (!group.pel.set(id.ms, id.seq, nack)) bad();
    }
    const nconsumers = r.count();
    for (let ci = 0; ci < nconsumers; ci++) {
      const cname = r.string();
      if (group.consumers.has(cname)) bad();
      const c = new Consumer(cname, r.msTime());
      group.consumers.set(cname, c);
      const n = r.count();
      for (let i = 0; i < n; i++) {
        const id = readRawId(r.take(16));
        const nack = group.pel.get(id.ms, id.seq);
        if (nack === undefined || nack.consumer !== null) bad();
        nack!.consumer = c;
        c.pel.set(id.ms, id.seq, nack!);
      }
    }
    let orphan = false;
    group.pel.forEach((_ms, _seq, nack) => {
      if (nack.consumer === null) orphan = true;
      return !orphan;
    });
    if (orphan) bad();
  }
  return s;
}

/** A value RedKit cannot serialize (a type a framework user added that RDB has no encoding for). */
export class RdbUnsupportedError extends Error {
  constructor(type: string) {
    super(`RedKit cannot serialize a value of type '${type}'`);
  }
}

/**
 * The DUMP payload of a value (createDumpPayload): RDB type and value, RDB
 * version 10, CRC64 footer.
 */
export function createDumpPayload(v: Value, opts: DumpOptions = {}): Buffer {
  const w = new RdbWriter(opts.compression ?? true);
  writeValue(w, v, opts);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >>> 8);
  const crc = new Crc64().update(w.buf, 0, w.pos);
  const out = Buffer.allocUnsafe(w.pos + 8);
  w.buf.copy(out, 0, 0, w.pos);
  crc.writeLE(out, w.pos);
  return out;
}

/**
 * verifyDumpPayload: at least 10 bytes, an RDB version Redis 7.0 knows
 * (<= 10), and a matching CRC64.
 */
export function verifyDumpPayload(p: Uint8Array): boolean {
  const n = p.length;
  if (n < 10) return false;
  const ver = p[n - 10] | (p[n - 9] << 8);
  if (ver > RDB_VERSION) return false;
  return new Crc64().update(p, 0, n - 8).matchesLE(p, n - 8);
}

// ---- reading ------------------------------------------------------------------------------

/** Thrown inside the loader; RESTORE answers 'ERR Bad data format'. */
export class BadFormat {}
export const BAD = new BadFormat();
const bad = (): never => {
  throw BAD;
};
/**
 * A value with no elements (rdbLoadObject's `emptykey`): RESTORE refuses it
 * as bad data, loading a file skips the key.
 */
export const EMPTY = new BadFormat();
const empty = (): never => {
  throw EMPTY;
};

/**
 * Reads the RDB primitives from the whole payload. Like Redis's rio buffer it
 * may run into the version/CRC footer: only the end of the payload is a limit.
 */
export class RdbReader {
  pos = 0;
  /**
   * Shares the strings of short collection elements across values (set by
   * the file loader, where many keys hold similar collections).
   */
  intern: Interner | null = null;
  /** Where the last span() left its bytes: spanBuf[spanStart, spanEnd). */
  spanBuf: Buffer;
  spanStart = 0;
  spanEnd = 0;
  constructor(readonly buf: Buffer) {
    this.spanBuf = buf;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) bad();
    return this.buf[this.pos++];
  }

  take(n: number): Buffer {
    if (n > this.remaining) bad();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** rdbLoadLenByRef: [value, isEncoded]. */
  lenRef(): [number, boolean] {
    const b = this.byte();
    const type = (b & 0xc0) >> 6;
    if (type === RDB_ENCVAL) return [b & 0x3f, true];
    if (type === RDB_6BITLEN) return [b & 0x3f, false];
    if (type === RDB_14BITLEN) return [((b & 0x3f) << 8) | this.byte(), false];
    if (b === RDB_32BITLEN) {
      const v = this.take(4).readUInt32BE(0);
      return [v, false];
    }
    if (b === RDB_64BITLEN) {
      const v = this.take(8).readBigUInt64BE(0);
      // Nothing in a payload can be that long or that many.
      return [v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v), false];
    }
    return bad();
  }

  /** rdbLoadLen of an unsigned 64-bit value, exact. */
  lenU64(): U64 {
    const b = this.buf[this.pos];
    if (b === RDB_64BITLEN) {
      this.pos++;
      return u64(this.take(8).readBigUInt64BE(0));
    }
    return this.len();
  }

  /** rdbLoadMillisecondTime */
  msTime(): number {
    return Number(this.take(8).readBigInt64LE(0));
  }

  len(): number {
    const [v, enc] = this.lenRef();
    if (enc) bad();
    return v;
  }

  /** A count of items that each need at least one more byte of payload. */
  count(): number {
    const n = this.len();
    if (n > this.remaining) bad();
    return n;
  }

  /** rdbGenericLoadStringObject as raw bytes. */
  blob(): Buffer {
    const [len, enc] = this.lenRef();
    if (enc) {
      switch (len) {
        case RDB_ENC_INT8:
          return Buffer.from(String(this.take(1).readInt8(0)), 'latin1');
        case RDB_ENC_INT16:
          return Buffer.from(String(this.take(2).readInt16LE(0)), 'latin1');
        case RDB_ENC_INT32:
          return Buffer.from(String(this.take(4).readInt32LE(0)), 'latin1');
        case RDB_ENC_LZF: {
          const clen = this.len();
          const ulen = this.len();
          const c = this.take(clen);
          // A corrupt length could ask for absurd memory: no LZF output exceeds ~ 264/3 per input byte.
          if (ulen > clen * 90 + 64) bad();
          const out = lzfDecompress(c, ulen);
          if (out === null) bad();
          return out as Buffer;
        }
        default:
          return bad();
      }
    }
    return this.take(len);
  }

  /**
   * blob() without a Buffer per call: a plain string stays in the input
   * (spanBuf = buf); integer and LZF encodings get a buffer of their own.
   */
  span(): void {
    const buf = this.buf;
    const p = this.pos;
    const h = p < buf.length ? buf[p] : 0xff;
    if (h < 0x80 && p + 1 < buf.length) {
      const start = h < 0x40 ? p + 1 : p + 2;
      const len = h < 0x40 ? h : ((h & 0x3f) << 8) | buf[p + 1];
      if (start + len <= buf.length) {
        this.pos = start + len;
        this.spanBuf = buf;
        this.spanStart = start;
        this.spanEnd = start + len;
        return;
      }
    }
    const b = this.blob();
    this.spanBuf = b;
    this.spanStart = 0;
    this.spanEnd = b.length;
  }

  /** A collection element: string() through the interner when there is one. */
  element(): string {
    const intern = this.intern;
    if (intern === null) return this.string();
    const buf = this.buf;
    const p = this.pos;
    const h = buf[p];
    if (h < 0x40 && p + 1 + h <= buf.length) {
      this.pos = p + 1 + h;
      return intern.get(buf, p + 1, h);
    }
    return this.string();
  }

  /** A string element as a binary string. */
  string(): string {
    // Fast path: a 6- or 14-bit length and plain bytes (most strings).
    const buf = this.buf;
    const p = this.pos;
    const h = buf[p];
    if (h < 0x80 && p + 1 < buf.length) {
      const start = h < 0x40 ? p + 1 : p + 2;
      const len = h < 0x40 ? h : ((h & 0x3f) << 8) | buf[p + 1];
      if (start + len <= buf.length) {
        this.pos = start + len;
        return binaryString(buf, start, len);
      }
    }
    const b = this.blob();
    return b.latin1Slice(0, b.length);
  }

  /** rdbLoadDoubleValue: length-prefixed text, 253 nan / 254 +inf / 255 -inf. */
  textDouble(): number {
    const len = this.byte();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    const s = this.take(len).latin1Slice(0, len);
    const v = scanDouble(s);
    if (v === null) bad();
    return v as number;
  }

  binaryDouble(): number {
    return this.take(8).readDoubleLE(0);
  }
}

/** sscanf("%lg"): a leading floating-point number, spaces skipped; null when none. */
function scanDouble(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:inf(?:inity)?|nan(?:\([0-9a-z_]*\))?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))/i.exec(s);
  if (!m) return null;
  const t = m[1].toLowerCase();
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  if (body.startsWith('inf')) return neg ? -Infinity : Infinity;
  if (body.startsWith('nan')) return NaN;
  return Number(t);
}

const PLAIN_DECIMAL = /^[0-9.eE+-]+$/;

/** strtod on a whole listpack score string (zzlStrtod); NaN when it is not a number. */
function listpackScore(e: ListpackEntry): number {
  if (typeof e !== 'string') return Number(e);
  // A plain decimal ("2.5", "-1e300"): what Number() accepts here, strtod reads the same.
  if (e.length !== 0 && e.length <= 128) {
    const n = Number(e);
    if (n === n && PLAIN_DECIMAL.test(e)) return n;
  }
  const v = scanDouble(e.length > 128 ? e.slice(0, 128) : e);
  return v === null ? 0 : v;
}

/** Check an intset blob (intsetValidateIntegrity, deep) and return its members as strings, ascending. */
function decodeIntset(b: Buffer): { members: string[]; width: number; needed: number } {
  if (b.length < 8) bad();
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) bad();
  const n = b.readUInt32LE(4);
  if (8 + n * width !== b.length) bad();
  if (n === 0) bad();
  const out: string[] = [];
  if (width !== 8) {
    // 16/32-bit members: plain numbers.
    let prev = -Infinity;
    for (let i = 0, p = 8; i < n; i++, p += width) {
      const v = width === 2 ? b.readInt16LE(p) : b.readInt32LE(p);
      if (v <= prev) bad(); // sorted, no duplicates
      prev = v;
      out.push(String(v));
    }
    const needed = width === 2 || (b.readInt32LE(8) >= -32768 && prev <= 32767) ? 2 : 4;
    return { members: out, width, needed };
  }
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < n; i++, p += width) {
    const v = b.readBigInt64LE(p);
    if (prev !== null && v <= prev) bad();
    prev = v;
    out.push(v.toString());
  }
  // Sorted: the first and last members say how wide the set must be.
  const lo = b.readBigInt64LE(8);
  const hi = prev as bigint;
  const needed = lo < -2147483648n || hi > 2147483647n ? 8 : lo < -32768n || hi > 32767n ? 4 : 2;
  return { members: out, width, needed };
}

/**
 * Decode a ziplist (ziplist.c), validated as ziplistValidateIntegrity(deep):
 * header size and tail offset, each entry's prevlen and encoding, the count.
 */
function decodeZiplist(zl: Buffer): string[] {
  const size = zl.length;
  if (size < 11) bad();
  if (zl.readUInt32LE(0) !== size) bad();
  if (zl[size - 1] !== 0xff) bad();
  const tail = zl.readUInt32LE(4);
  if (tail > size - 1) bad();
  const headerCount = zl.readUInt16LE(8);
  const out: string[] = [];
  const end = size - 1;
  let p = 10;
  let prevRaw = 0;
  let last = -1;
  while (p < end && zl[p] !== 0xff) {
    const start = p;
    let prevlen = zl[p++];
    if (prevlen === 254) {
      if (p + 4 > end) bad();
      prevlen = zl.readUInt32LE(p);
      p += 4;
    }
    if (prevlen !== prevRaw) bad();
    if (p >= end) bad();
    const enc = zl[p++];
    let value: string;
    const need = (n: number) => {
      if (p + n > end) bad();
    };
    switch (enc >> 6) {
      case 0: {
        const len = enc & 0x3f;
        need(len);
        value = zl.latin1Slice(p, p + len);
        p += len;
        break;
      }
      case 1: {
        need(1);
        const len = ((enc & 0x3f) << 8) | zl[p++];
        need(len);
        value = zl.latin1Slice(p, p + len);
        p += len;
        break;
      }
      case 2: {
        if (enc !== 0x80) bad();
        need(4);
        const len = zl.readUInt32BE(p);
        p += 4;
        need(len);
        value = zl.latin1Slice(p, p + len);
        p += len;
        break;
      }
      default: {
        if (enc === 0xc0) {
          need(2);
          value = String(zl.readInt16LE(p));
          p += 2;
        } else if (enc === 0xd0) {
          need(4);
          value = String(zl.readInt32LE(p));
          p += 4;
        } else if (enc === 0xe0) {
          need(8);
          value = zl.readBigInt64LE(p).toString();
          p += 8;
        } else if (enc === 0xf0) {
          need(3);
          const u = zl[p] | (zl[p + 1] << 8) | (zl[p + 2] << 16);
          value = String(u >= 1 << 23 ? u - (1 << 24) : u);
          p += 3;
        } else if (enc === 0xfe) {
          need(1);
          value = String(zl.readInt8(p));
          p += 1;
        } else if (enc >= 0xf1 && enc <= 0xfd) {
          value = String((enc & 0x0f) - 1);
        } else {
          return bad();
        }
      }
    }
    out.push(value);
    prevRaw = p - start;
    last = start;
  }
  if (p !== end) bad();
  if (last >= 0 && last !== tail) bad();
  if (headerCount !== 65535 && headerCount !== out.length) bad();
  return out;
}

/** Decode a zipmap (zipmap.c, Redis 2.4 small hashes) as field, value, field, value... */
function decodeZipmap(zm: Buffer): string[] {
  const size = zm.length;
  if (size < 2 || zm[size - 1] !== 0xff) bad();
  const out: string[] = [];
  const end = size - 1;
  let p = 1;
  const readLen = (): number => {
    if (p > end) bad();
    const b = zm[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (p + 5 > end) bad();
    const l = zm.readUInt32LE(p + 1);
    p += 5;
    return l;
  };
  let count = 0;
  while (p < end && zm[p] !== 0xff) {
    const flen = readLen();
    if (p + flen > end) bad();
    const f = zm.latin1Slice(p, p + flen);
    p += flen;
    const vlen = readLen();
    if (p >= end) bad();
    const free = zm[p++];
    if (p + vlen + free > end) bad();
    const v = zm.latin1Slice(p, p + vlen);
    p += vlen + free;
    out.push(f, v);
    count++;
  }
  if (p !== end) bad();
  if (count === 0) bad();
  if (zm[0] !== 254 && zm[0] !== count) bad();
  return out;
}

export interface Limits {
  listFill: number;
  hashEntries: number;
  hashValue: number;
  intsetEntries: number;
  zset: ZsetLimits;
}

export function limitsOf(o: LoadOptions): Limits {
  return {
    listFill: o.listMaxListpackSize ?? -2,
    hashEntries: o.hashMaxListpackEntries ?? 128,
    hashValue: o.hashMaxListpackValue ?? 64,
    intsetEntries: o.setMaxIntsetEntries ?? 512,
    zset: o.zsetLimits ?? { entries: 128, value: 64 },
  };
}

/** Loading must never convert while filling: limits that let everything in. */
const NO_LIMITS: ZsetLimits = Object.freeze({ entries: Infinity, value: Infinity });

/** A hash of field/value pairs (no duplicate fields), listpack or hashtable. */
function makeHash(pairs: string[], hashtable: boolean): RHash {
  const h = new RHash();
  for (let i = 0; i < pairs.length; i += 2) if (!h.set(pairs[i], pairs[i + 1])) bad();
  if (hashtable) h.toHashtable();
  return h;
}

/** A sorted set from member/score pairs (no duplicates, no NaN). */
function makeZset(members: string[], scores: number[], listpack: boolean, lim: ZsetLimits): ZSet {
  const z = new ZSet(lim);
  if (!listpack) z.convertToSkiplist();
  for (let i = 0; i < members.length; i++) {
    if (Number.isNaN(scores[i])) bad();
    if (z.has(members[i])) bad();
    z.insert(members[i], scores[i], NO_LIMITS);
  }
  return z;
}

/** Are the pairs strictly ordered by (score, member), ascending (or descending)? NaN scores are not. */
function inOrder(members: string[], scores: number[], descending: boolean): boolean {
  const n = members.length;
  for (let i = 1; i < n; i++) {
    let a = i - 1;
    let b = i;
    if (descending) {
      a = i;
      b = i - 1;
    }
    const sa = scores[a];
    const sb = scores[b];
    if (!(sa < sb || (sa === sb && members[a] < members[b]))) return false;
  }
  return n !== 1 || scores[0] === scores[0];
}

/** makeZset, built in one pass when the pairs come in order (as Redis writes them). */
function zsetOf(members: string[], scores: number[], listpack: boolean, lim: ZsetLimits): ZSet {
  if (!inOrder(members, scores, false)) return makeZset(members, scores, listpack, lim);
  const z = ZSet.fromSorted(members, scores, listpack, lim);
  if (z === null) bad();
  return z as ZSet;
}

/**
 * Would quicklistPushTail put these elements in one node, as the payload
 * has them? A sufficient test, from the node's size: every element was
 * appended to a node smaller than the whole one (RedKit's canonical entry
 * sizes are never larger than the payload's), so if the largest element fits
 * after the whole node, each one fit when it came.
 */
function oneNodeIsCanonical(nodeBytes: number, count: number, maxLen: number, fill: number): boolean {
  fill = clampFill(fill);
  const newSz = nodeBytes + maxLen + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    return off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off];
  }
  return newSz <= SIZE_SAFETY_LIMIT && count <= fill;
}

function makeSet(members: string[], maxIntset: number): RSet {
  const s = RSet.fromDistinctChecked(members, maxIntset);
  if (s === null) bad();
  return s as RSet;
}

export function readObject(r: RdbReader, type: number, lim: Limits): Value {
  switch (type) {
    case RDB_TYPE.STRING:
      return r.string();

    case RDB_TYPE.LIST: {
      const n = r.count();
      if (n === 0) empty();
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return RList.fromArray(items);
    }

    case RDB_TYPE.SET: {
      const n = r.count();
      if (n === 0) empty();
      const members: string[] = [];
      for (let i = 0; i < n; i++) members.push(r.element());
      return makeSet(members, lim.intsetEntries);
    }

    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = r.count();
      if (n === 0) empty();
      const members: string[] = [];
      const scores: number[] = [];
      let maxlen = 0;
      for (let i = 0; i < n; i++) {
        const m = r.element();
        members.push(m);
        scores.push(type === RDB_TYPE.ZSET_2 ? r.binaryDouble() : r.textDouble());
        if (m.length > maxlen) maxlen = m.length;
      }
      // Loaded as a skip list, converted after loading when small enough.
      const listpack = n <= lim.zset.entries && maxlen <= lim.zset.value;
      // Redis writes a skip list from its tail: highest first.
      if (inOrder(members, scores, true)) {
        members.reverse();
        scores.reverse();
      }
      return zsetOf(members, scores, listpack, lim.zset);
    }

    case RDB_TYPE.HASH: {
      const n = r.count();
      if (n === 0) empty();
      const pairs: string[] = [];
      let hashtable = n > lim.hashEntries;
      for (let i = 0; i < n; i++) {
        const f = r.element();
        const v = r.element();
        if (f.length > lim.hashValue || v.length > lim.hashValue) hashtable = true;
        pairs.push(f, v);
      }
      return makeHash(pairs, hashtable);
    }

    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2: {
      const n = r.count();
      if (n === 0) empty();
      const items: string[] = [];
      const counts: number[] = [];
      // The longest element and the size of the (last) packed node, for oneNodeIsCanonical.
      let maxLen = 0;
      let nodeBytes = -1;
      for (let i = 0; i < n; i++) {
        const before = items.length;
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE.LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) bad();
        }
        r.span();
        const sb = r.spanBuf;
        const ss = r.spanStart;
        const se = r.spanEnd;
        if (se === ss) bad();
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          items.push(sb.latin1Slice(ss, se));
          counts.push(PLAIN_NODE);
          continue;
        } else if (type === RDB_TYPE.LIST_QUICKLIST_2) {
          const entries = decodeListpack(sb, ss, se, r.intern);
          if (entries === null) bad();
          const es = entries as ListpackEntry[];
          for (let j = 0; j < es.length; j++) {
            const e = es[j];
            const str = typeof e === 'string' ? e : String(e);
            if (str.length > maxLen) maxLen = str.length;
            items.push(str);
          }
          if (es.length !== 0) nodeBytes = se - ss;
        } else {
          for (const e of decodeZiplist(sb.subarray(ss, se))) items.push(e);
          nodeBytes = -1;
        }
        // Empty nodes are skipped.
        if (items.length > before) counts.push(items.length - before);
      }
      // An empty list is not a value.
      if (items.length === 0) empty();
      // A small array grown by push has spare slots: keep an exact-size copy.
      const list = RList.adopt(items.length <= 64 ? items.slice() : items);
      // Redis keeps the payload's nodes: remember them when they are not the ones RedKit would make.
      if (counts.length === 1 && nodeBytes > 0 && oneNodeIsCanonical(nodeBytes, items.length, maxLen, lim.listFill)) return list;
      const canonical = canonicalCounts(items, lim.listFill);
      if (canonical.length !== counts.length || canonical.some((c, i) => c !== counts[i])) listLayouts.set(list, { items: items.slice(), counts });
      return list;
    }

    case RDB_TYPE.HASH_ZIPMAP: {
      const pairs = decodeZipmap(r.blob());
      let maxlen = 0;
      for (const s of pairs) if (s.length > maxlen) maxlen = s.length;
      return makeHash(pairs, pairs.length / 2 > lim.hashEntries || maxlen > lim.hashValue);
    }

    case RDB_TYPE.LIST_ZIPLIST: {
      const items = decodeZiplist(r.blob());
      if (items.length === 0) empty();
      return RList.fromArray(items);
    }

    case RDB_TYPE.SET_INTSET: {
      const { members, width, needed } = decodeIntset(r.blob());
      const set = RSet.fromDistinct(members, lim.intsetEntries);
      // Redis keeps the blob as it is: a wider-than-needed intset stays that wide.
      if (width > needed && set.isIntset) intsetWidths.set(set, width);
      return set;
    }

    case RDB_TYPE.ZSET_ZIPLIST:
    case RDB_TYPE.ZSET_LISTPACK: {
      let entries: ListpackEntry[];
      if (type === RDB_TYPE.ZSET_ZIPLIST) {
        // Ziplist entries become listpack entries: integers stay integers.
        entries = decodeZiplist(r.blob()).map((s) => {
          const v = parseIntStrict(s);
          return v === null ? s : v;
        });
      } else {
        r.span();
        const e = decodeListpack(r.spanBuf, r.spanStart, r.spanEnd, r.intern);
        if (e === null) bad();
        entries = e as ListpackEntry[];
      }
      if (entries.length % 2 !== 0) bad();
      if (entries.length === 0) empty();
      const members: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i < entries.length; i += 2) {
        const m = entries[i];
        members.push(typeof m === 'string' ? m : String(m));
        const sc = entries[i + 1];
        scores.push(typeof sc === 'number' ? sc : listpackScore(sc));
      }
      return zsetOf(members, scores, members.length <= lim.zset.entries, lim.zset);
    }

    case RDB_TYPE.HASH_ZIPLIST:
    case RDB_TYPE.HASH_LISTPACK: {
      let pairs: ListpackEntry[];
      if (type === RDB_TYPE.HASH_ZIPLIST) {
        pairs = decodeZiplist(r.blob());
      } else {
        r.span();
        const e = decodeListpack(r.spanBuf, r.spanStart, r.spanEnd, r.intern);
        if (e === null) bad();
        pairs = e as ListpackEntry[];
      }
      const n = pairs.length;
      if (n % 2 !== 0) bad();
      if (n === 0) empty();
      const h = new RHash();
      const map = h.map;
      for (let i = 0; i < n; i += 2) {
        const f = pairs[i];
        const v = pairs[i + 1];
        map.set(typeof f === 'string' ? f : String(f), typeof v === 'string' ? v : String(v));
      }
      if (map.size !== n / 2) bad(); // a repeated field
      if (n / 2 > lim.hashEntries) h.toHashtable();
      return h;
    }

    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return readStream(r, type);

    default:
      // Module values (6, 7): RedKit has none.
      return bad();
  }
}

/**
 * Load the value of a DUMP payload (RESTORE's rdbLoadObjectType +
 * rdbLoadObject), encoded as Redis would encode it after loading under the
 * given limits. The payload should have passed verifyDumpPayload. Returns
 * null when Redis would answer 'Bad data format' (or, for streams and module
 * values, where RedKit cannot hold the value).
 */
export function loadDumpPayload(p: Uint8Array, opts: LoadOptions = {}): Value | null {
  const buf = Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  const r = new RdbReader(buf);
  try {
    if (r.remaining === 0) return null;
    const type = r.byte();
    if (!isObjectType(type)) return null;
    return readObject(r, type, limitsOf(opts));
  } catch (e) {
    if (e === BAD || e === EMPTY) return null;
    throw e;
  }
}

/**
 * A deep copy through the serialization: what DUMP then RESTORE of the value
 * would give (same contents; encodings as after a load under `load` limits).
 * Returns null for values RedKit cannot serialize.
 */
export function cloneViaDump(v: Value, dump: DumpOptions = {}, load: LoadOptions = {}): Value | null {
  let payload: Buffer;
  try {
    payload = createDumpPayload(v, dump);
  } catch (e) {
    if (e instanceof RdbUnsupportedError) return null;
    throw e;
  }
  return loadDumpPayload(payload, load);
}

