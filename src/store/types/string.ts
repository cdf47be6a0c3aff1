/**
 * A string value that is changed in place (APPEND, SETRANGE, SETBIT,
 * BITFIELD...), or that must report an encoding a plain string cannot.
 *
 * Most string values in the keyspace are plain binary (latin1) JavaScript
 * strings: SET/GET never see this class. A command that modifies a string in
 * place converts the key's value to an RString once (Redis does the same with
 * dbUnshareStringValue: the value becomes a 'raw' sds); later changes are then
 * amortised O(change) instead of O(length) copies.
 *
 * Storage: short values (<= SMALL_MAX bytes) are kept as a JS string and
 * rebuilt on change (cheap at that size, compact in memory); longer ones live
 * in a Buffer with spare capacity (double below 1MB, then +50%: amortised O(1)
 * appends). Bytes of the buffer past `len` are always zero, so growing with
 * zero padding within capacity is free. toString() caches the binary string
 * until the next change.
 *
 * Readers: `getString()` (commands/util.ts) and `String(v)` call toString();
 * byte-level readers use `byteAt`, `length`, `slice` or `view`.
 */
import type { RObject } from '../types.js';

/** Values up to this many bytes are kept as a JS string. */
const SMALL_MAX = 64;
/** Below this, capacity doubles (as sdsMakeRoomFor); above, it grows by half (at least this much). */
const SDS_MAX_PREALLOC = 1024 * 1024;

export type StringEncoding = 'raw' | 'embstr';

export class RString implements RObject {
  readonly type = 'string' as const;
  /** Small mode: the value. Buffer mode: cached toString() or null. */
  private str: string | null;
  /** Buffer mode storage (capacity >= len), or null in small mode. */
  private buf: Buffer | null = null;
  private len: number;
  /** OBJECT ENCODING: 'raw' once modified; 'embstr' only for values created that way (INCRBYFLOAT results). */
  private enc: StringEncoding;

  private constructor(s: string, enc: StringEncoding) {
    this.str = s;
    this.len = s.length;
    this.enc = enc;
  }

  /** A value holding a copy of the binary string `s`. */
  static from(s: string, enc: StringEncoding = 'raw'): RString {
    const r = new RString(s, enc);
    if (s.length > SMALL_MAX) r.toBuffer(s.length);
    return r;
  }

  /** A value of `n` zero bytes. */
  static zeros(n: number): RString {
    if (n <= SMALL_MAX) return new RString('\0'.repeat(n), 'raw');
    const r = new RString('', 'raw');
    r.room(n, true);
    r.len = n;
    r.str = null;
    return r;
  }

  /** A value taking ownership of `b` (no copy). */
  static fromBuffer(b: Buffer): RString {
    if (b.length <= SMALL_MAX) return new RString(b.latin1Slice(0, b.length), 'raw');
    const r = new RString('', 'raw');
    r.str = null;
    r.buf = b;
    r.len = b.length;
    return r;
  }

  get length(): number {
    return this.len;
  }

  encoding(): string {
    return this.enc;
  }

  clone(): RString {
    const r = RString.from(this.toString(), this.enc);
    return r;
  }

  toString(): string {
    let s = this.str;
    if (s === null) {
      s = (this.buf as Buffer).latin1Slice(0, this.len);
      this.str = s;
    }
    return s;
  }

  /** Byte at i (0 <= i < length). */
  byteAt(i: number): number {
    const b = this.buf;
    return b !== null ? b[i] : (this.str as string).charCodeAt(i);
  }

  /** Bytes [start, end) as a binary string. */
  slice(start: number, end: number): string {
    const b = this.buf;
    if (b !== null) return b.latin1Slice(start, end);
    return (this.str as string).slice(start, end);
  }

  /**
   * Bytes [start, end) as a Buffer: a view of the storage in buffer mode (do
   * not keep it across changes), a fresh copy in small mode.
   */
  view(start: number, end: number): Buffer {
    const b = this.buf;
    if (b !== null) return b.subarray(start, end);
    return Buffer.from((this.str as string).slice(start, end), 'latin1');
  }

  /** Append binary string `s`. */
  append(s: string): void {
    this.enc = 'raw';
    const n = s.length;
    if (n === 0) return;
    const newLen = this.len + n;
    if (this.buf === null && newLen <= SMALL_MAX) {
      this.str = (this.str as string) + s;
      this.len = newLen;
      return;
    }
    const b = this.room(newLen);
    b.latin1Write(s, this.len, n);
    this.len = newLen;
    this.str = null;
  }

  /** Write binary string `s` at byte offset `off`, zero-padding any gap. */
  write(off: number, s: string): void {
    this.enc = 'raw';
    const n = s.length;
    const end = off + n;
    if (this.buf === null && end <= SMALL_MAX) {
      const cur = this.str as string;
      if (off >= cur.length) this.str = cur + '\0'.repeat(off - cur.length) + s;
      else this.str = cur.slice(0, off) + s + cur.slice(end);
      this.len = (this.str as string).length;
      return;
    }
    const b = this.room(Math.max(end, this.len));
    if (n > 0) b.latin1Write(s, off, n);
    if (end > this.len) this.len = end;
    this.str = null;
  }

  /** Grow to at least n bytes, padding with zeros (sdsgrowzero). */
  growZero(n: number): void {
    this.enc = 'raw';
    if (n <= this.len) return;
    if (this.buf === null && n <= SMALL_MAX) {
      this.str = (this.str as string) + '\0'.repeat(n - this.len);
      this.len = n;
      return;
    }
    this.room(n);
    this.len = n;
    this.str = null;
  }

  /** Set byte i (0 <= i < length). */
  setByte(i: number, v: number): void {
    this.enc = 'raw';
    const b = this.buf;
    if (b !== null) {
      b[i] = v;
      this.str = null;
      return;
    }
    const s = this.str as string;
    this.str = s.slice(0, i) + String.fromCharCode(v) + s.slice(i + 1);
  }

  /** Mark the value as modified in place without changing it (APPEND of ''). */
  touchRaw(): void {
    this.enc = 'raw';
  }

  /** Buffer mode with capacity for at least `need` bytes; returns the buffer. */
  private room(need: number, exact = false): Buffer {
    const b = this.buf;
    if (b !== null && b.length >= need) return b;
    // Geometric growth keeps appends amortised O(1) even past 1MB (sds adds a
    // fixed 1MB there, which relies on realloc growing in place; a Buffer
    // always copies).
    const cap = exact ? need : need < SDS_MAX_PREALLOC ? need * 2 : need + Math.max(SDS_MAX_PREALLOC, need >>> 1);
    const nb = Buffer.alloc(cap);
    if (b !== null) b.copy(nb, 0, 0, this.len);
    else nb.latin1Write(this.str as string, 0, this.len);
    this.buf = nb;
    return nb;
  }

  private toBuffer(need: number): void {
    const s = this.str as string;
    this.room(need, true);
    // Keep the string as the cached toString().
    this.str = s;
  }
}
