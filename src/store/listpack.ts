/**
 * Listpack, Redis's compact list-of-strings serialization (listpack.c), byte
 * for byte: it is the payload of small hashes and sorted sets and of every
 * quicklist node in DUMP/RDB.
 *
 *   <total bytes u32 LE> <count u16 LE, 65535 = unknown> <entry>... <0xFF>
 *   entry = <encoding + data> <backlen: 1-5 bytes, the size of encoding + data>
 *
 * Elements are binary ("latin1") strings. An element that is a canonical
 * int64 in decimal (string2ll rules: no '+', no leading zeros, no "-0") is
 * stored as an integer, in the smallest of 7/13/16/24/32/64-bit forms;
 * anything else as a string with a 6/12/32-bit length.
 */
import { binaryString } from '../resp/bytes.js';
import { parseIntStrict } from '../resp/format.js';

const HDR_SIZE = 6;
const NUMELE_UNKNOWN = 65535;
const EOF = 0xff;

/** Size of the backlen field for an entry of `l` bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Builds one listpack. */
export class ListpackWriter {
  private buf: Buffer;
  private pos = HDR_SIZE;
  private n = 0;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, HDR_SIZE + 1));
  }

  /** Entries appended so far. */
  get count(): number {
    return this.n;
  }

  /** Bytes the finished listpack would have now (header, entries, terminator). */
  get bytes(): number {
    return this.pos + 1;
  }

  private room(extra: number): void {
    if (this.pos + extra + 1 <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + extra + 1) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    if (l <= 127) {
      b[p++] = l;
    } else if (l < 16383) {
      b[p++] = l >>> 7;
      b[p++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[p++] = l >>> 14;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[p++] = l >>> 21;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else {
      b[p++] = Math.floor(l / 2 ** 28);
      b[p++] = ((l >>> 21) & 127) | 128;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    }
    this.pos = p;
  }

  /** Append an element (lpAppend): an integer encoding when it is a canonical int64. */
  append(s: string): this {
    const v = parseIntStrict(s);
    if (v !== null) return this.appendInteger(v);
    return this.appendString(s);
  }

  /** Append `s` with a string encoding whatever it holds. */
  appendString(s: string): this {
    const len = s.length;
    const enclen = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
    this.room(enclen + backlenSize(enclen));
    const b = this.buf;
    let p = this.pos;
    if (len < 64) {
      b[p++] = 0x80 | len;
    } else if (len < 4096) {
      b[p++] = 0xe0 | (len >>> 8);
      b[p++] = len & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(len, p);
      p += 4;
    }
    if (len > 0) b.latin1Write(s, p, len);
    this.pos = p + len;
    this.backlen(enclen);
    this.n++;
    return this;
  }

  /** Append an integer (lpAppendInteger). */
  appendInteger(v: number | bigint): this {
    this.room(9 + 1);
    const b = this.buf;
    let p = this.pos;
    let enclen: number;
    if (typeof v === 'bigint') {
      if (v >= -9007199254740991n && v <= 9007199254740991n) return this.appendInteger(Number(v));
      b[p++] = 0xf4;
      b.writeBigInt64LE(v, p);
      p += 8;
      enclen = 9;
    } else if (v >= 0 && v <= 127) {
      b[p++] = v;
      enclen = 1;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[p++] = 0xc0 | (u >>> 8);
      b[p++] = u & 0xff;
      enclen = 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
      enclen = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      const u = v < 0 ? (1 << 24) + v : v;
      b[p++] = 0xf2;
      b[p++] = u & 0xff;
      b[p++] = (u >>> 8) & 0xff;
      b[p++] = (u >>> 16) & 0xff;
      enclen = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
      enclen = 5;
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p);
      p += 8;
      enclen = 9;
    }
    this.pos = p;
    this.backlen(enclen);
    this.n++;
    return this;
  }

  /** The finished listpack (a fresh buffer; the writer can keep appending). */
  finish(): Buffer {
    const total = this.pos + 1;
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, 0, 0, this.pos);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.n < NUMELE_UNKNOWN ? this.n : NUMELE_UNKNOWN, 4);
    out[this.pos] = EOF;
    return out;
  }
}

/** A listpack of the given elements. */
export function encodeListpack(items: Iterable<string>): Buffer {
  const w = new ListpackWriter();
  for (const s of items) w.append(s);
  return w.finish();
}

/** Bytes `s` takes as one listpack entry, backlen included. */
export function listpackEntrySize(s: string): number {
  const v = parseIntStrict(s);
  let enclen: number;
  if (v !== null) {
    if (typeof v === 'bigint') enclen = 9;
    else if (v >= 0 && v <= 127) enclen = 1;
    else if (v >= -4096 && v <= 4095) enclen = 2;
    else if (v >= -32768 && v <= 32767) enclen = 3;
    else if (v >= -8388608 && v <= 8388607) enclen = 4;
    else if (v >= -2147483648 && v <= 2147483647) enclen = 5;
    else enclen = 9;
  } else {
    const len = s.length;
    enclen = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  }
  return enclen + backlenSize(enclen);
}

/** Size of an empty listpack (header and terminator). */
export const LISTPACK_EMPTY_SIZE = HDR_SIZE + 1;

/** A decoded entry: a string, or an integer (number when safe, else bigint). */
export type ListpackEntry = string | number | bigint;

/** Decimal string form of a decoded entry, as Redis returns integers from a listpack. */
export const entryString = (e: ListpackEntry): string => (typeof e === 'string' ? e : String(e));

/**
 * Reuses the strings of recently decoded short elements: the field names of
 * a keyspace of similar hashes, the members of similar sorted sets... are
 * then one string each instead of one per key (fewer allocations while
 * loading, and less to keep). Direct-mapped on (length, first, middle and
 * last byte); a miss costs one byte comparison and replaces the slot.
 */
export class Interner {
  private readonly slots: Array<string | undefined> = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

  /** buf[s, s + n) as a binary string, shared with an earlier equal one when the slot holds it. */
  get(buf: Buffer, s: number, n: number): string {
    if (n === 0 || n > INTERN_MAX) return binaryString(buf, s, n);
    const h = Math.imul((n << 24) ^ (buf[s] << 16) ^ (buf[s + (n >> 1)] << 8) ^ buf[s + n - 1], 0x9e3779b1) >>> (32 - INTERN_BITS);
    const c = this.slots[h];
    if (c !== undefined && c.length === n) {
      let i = 0;
      while (i < n && c.charCodeAt(i) === buf[s + i]) i++;
      if (i === n) return c;
    }
    const str = binaryString(buf, s, n);
    this.slots[h] = str;
    return str;
  }
}
const INTERN_BITS = 12;
const INTERN_SLOTS = 1 << INTERN_BITS;
/** Longer elements are rarely repeated and cost more to compare. */
const INTERN_MAX = 24;

/**
 * Decode a listpack, validating it as lpValidateIntegrity(deep) does: the
 * header's size, every entry's encoding and backlen inside the buffer, the
 * terminator, and the count (unless 65535). Returns null when invalid.
 * `from`/`to` delimit the listpack inside a larger buffer; `intern` shares
 * the strings of short elements (see Interner).
 */
export function decodeListpack(lp: Uint8Array, from = 0, to = lp.length, intern: Interner | null = null): ListpackEntry[] | null {
  const size = to - from;
  if (size < HDR_SIZE + 1) return null;
  const total = (lp[from] | (lp[from + 1] << 8) | (lp[from + 2] << 16) | (lp[from + 3] << 24)) >>> 0;
  if (total !== size) return null;
  if (lp[to - 1] !== EOF) return null;
  const numele = lp[from + 4] | (lp[from + 5] << 8);
  const buf = Buffer.isBuffer(lp) ? lp : Buffer.from(lp.buffer, lp.byteOffset, lp.byteLength);
  const out: ListpackEntry[] = [];
  let p = from + HDR_SIZE;
  const end = to - 1; // the terminator
  while (p < end) {
    const b = lp[p];
    let enclen: number;
    let entry: ListpackEntry;
    if ((b & 0x80) === 0) {
      enclen = 1;
      entry = b & 0x7f;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      enclen = 1 + len;
      if (p + enclen > end) return null;
      entry = intern !== null ? intern.get(buf, p + 1, len) : binaryString(buf, p + 1, len);
    } else if ((b & 0xe0) === 0xc0) {
      enclen = 2;
      if (p + 2 > end) return null;
      const u = ((b & 0x1f) << 8) | lp[p + 1];
      entry = u >= 1 << 12 ? u - (1 << 13) : u;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) return null;
      const len = ((b & 0x0f) << 8) | lp[p + 1];
      enclen = 2 + len;
      if (p + enclen > end) return null;
      entry = intern !== null ? intern.get(buf, p + 2, len) : binaryString(buf, p + 2, len);
    } else if (b === 0xf1) {
      enclen = 3;
      if (p + enclen > end) return null;
      entry = buf.readInt16LE(p + 1);
    } else if (b === 0xf2) {
      enclen = 4;
      if (p + enclen > end) return null;
      const u = lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16);
      entry = u >= 1 << 23 ? u - (1 << 24) : u;
    } else if (b === 0xf3) {
      enclen = 5;
      if (p + enclen > end) return null;
      entry = buf.readInt32LE(p + 1);
    } else if (b === 0xf4) {
      enclen = 9;
      if (p + enclen > end) return null;
      const v = buf.readBigInt64LE(p + 1);
      const n = Number(v);
      entry = Number.isSafeInteger(n) ? n : v;
    } else if (b === 0xf0) {
      if (p + 5 > end) return null;
      const len = buf.readUInt32LE(p + 1);
      enclen = 5 + len;
      if (p + enclen > end) return null;
      entry = buf.latin1Slice(p + 5, p + 5 + len);
    } else {
      return null; // 0xf5..0xfe: no such encoding; 0xff inside the entries
    }
    // The backlen must decode (read backwards) to the entry's size: one byte
    // for entries up to 127 bytes (most), else 7 bits per byte, high bit set
    // on all but the first.
    if (enclen <= 127) {
      if (p + enclen + 1 > end || lp[p + enclen] !== enclen) return null;
      p += enclen + 1;
    } else {
      const bl = backlenSize(enclen);
      if (p + enclen + bl > end) return null;
      let val = 0;
      let shift = 0;
      let q = p + enclen + bl - 1;
      for (;;) {
        val += (lp[q] & 127) * 2 ** shift;
        if (!(lp[q] & 128)) break;
        shift += 7;
        q--;
        if (shift > 28 || q < p + enclen) return null;
      }
      if (val !== enclen || q !== p + enclen) return null;
      p += enclen + bl;
    }
    out.push(entry);
  }
  if (p !== end) return null;
  if (numele !== NUMELE_UNKNOWN && numele !== out.length) return null;
  return out;
}

/**
 * decodeListpack's validation without decoding: the same checks (header
 * size, each entry's encoding and backlen, terminator, count), no string or
 * array made. Returns the number of entries, or -1 when decodeListpack would
 * return null. When `starts` is given, the offsets of the first
 * `starts.length` entries (their encoding byte) are written to it.
 */
export function scanListpack(lp: Uint8Array, from: number, to: number, starts: Int32Array | null = null): number {
  const size = to - from;
  if (size < HDR_SIZE + 1) return -1;
  const total = (lp[from] | (lp[from + 1] << 8) | (lp[from + 2] << 16) | (lp[from + 3] << 24)) >>> 0;
  if (total !== size || lp[to - 1] !== EOF) return -1;
  const numele = lp[from + 4] | (lp[from + 5] << 8);
  const cap = starts === null ? 0 : starts.length;
  let n = 0;
  let p = from + HDR_SIZE;
  const end = to - 1;
  while (p < end) {
    const b = lp[p];
    let enclen: number;
    if ((b & 0x80) === 0) enclen = 1;
    else if ((b & 0xc0) === 0x80) enclen = 1 + (b & 0x3f);
    else if ((b & 0xe0) === 0xc0) enclen = 2;
    else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) return -1;
      enclen = 2 + (((b & 0x0f) << 8) | lp[p + 1]);
    } else if (b === 0xf1) enclen = 3;
    else if (b === 0xf2) enclen = 4;
    else if (b === 0xf3) enclen = 5;
    else if (b === 0xf4) enclen = 9;
    else if (b === 0xf0) {
      if (p + 5 > end) return -1;
      enclen = 5 + ((lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16) | (lp[p + 4] << 24)) >>> 0);
    } else return -1;
    if (p + enclen > end) return -1;
    if (n < cap) (starts as Int32Array)[n] = p;
    if (enclen <= 127) {
      if (p + enclen + 1 > end || lp[p + enclen] !== enclen) return -1;
      p += enclen + 1;
    } else {
      const bl = backlenSize(enclen);
      if (p + enclen + bl > end) return -1;
      let val = 0;
      let shift = 0;
      let q = p + enclen + bl - 1;
      for (;;) {
        val += (lp[q] & 127) * 2 ** shift;
        if (!(lp[q] & 128)) break;
        shift += 7;
        q--;
        if (shift > 28 || q < p + enclen) return -1;
      }
      if (val !== enclen || q !== p + enclen) return -1;
      p += enclen + bl;
    }
    n++;
  }
  if (p !== end) return -1;
  if (numele !== NUMELE_UNKNOWN && numele !== n) return -1;
  return n;
}
