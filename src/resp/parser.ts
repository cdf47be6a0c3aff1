/**
 * Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline
 * commands, with Redis's limits and protocol errors.
 *
 * - Works on offsets into the current read buffer; arguments come out as
 *   binary ("latin1") strings, so nothing keeps a view of a socket buffer.
 * - A bulk that does not fit in what has arrived is assembled once, into a
 *   buffer of exactly its size, not by repeated concatenation.
 * - `next()` returns one command at a time so the connection can stop between
 *   commands (a blocked client does not run the rest of its pipeline).
 */
import { Err } from '../errors.js';
import { binaryString } from './bytes.js';

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
export const PROTO_MAX_MULTIBULK = 2147483647; // INT_MAX, as Redis 7
export const UNAUTH_MAX_MULTIBULK = 10;
export const UNAUTH_MAX_BULK = 16384;
/** Bulks at least this large are assembled in a dedicated buffer. */
const BIG_ARG = 32 * 1024;

export class ProtocolError {
  constructor(readonly message: string) {}
}

export interface ParsedCommand {
  /** The command name as sent (binary string, original case). */
  name: string;
  /** The arguments after the name (binary strings). */
  args: string[];
}

export class RequestParser {
  /** `proto-max-bulk-len`. */
  maxBulkLen = 512 * 1024 * 1024;
  /** When true, Redis's tighter limits for unauthenticated clients apply. */
  unauthenticated = false;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /**
   * Growable buffer for input that arrives before the previous input was
   * consumed (a partial command, or a client pipelining while the connection
   * waits for an async reply): appended to with amortised growth, never by
   * concatenating everything again. `buf` is then a view of its first bytes.
   */
  private own: Buffer | null = null;
  private bufIsOwn = false;

  // multibulk state
  private mbRemaining = 0; // arguments still to read in the current multibulk
  private bulkLen = -1; // length of the bulk being read, -1 when reading its header
  private name: string | undefined = undefined;
  private args: string[] = [];
  // big bulk assembly
  private big: Buffer | null = null;
  private bigFilled = 0;

  /** Bytes received and not yet consumed. */
  get pending(): number {
    return this.buf.length - this.pos + (this.big ? this.bigFilled : 0);
  }

  /** True while in the middle of a command. */
  get midCommand(): boolean {
    return this.mbRemaining > 0 || this.big !== null || this.pos < this.buf.length;
  }

  feed(chunk: Buffer): void {
    if (this.big !== null) {
      // Copy straight into the big argument buffer.
      const need = this.big.length - this.bigFilled;
      if (need > 0) {
        const n = chunk.length < need ? chunk.length : need;
        chunk.copy(this.big, this.bigFilled, 0, n);
        this.bigFilled += n;
        if (n === chunk.length) return;
        chunk = chunk.subarray(n);
      }
    }
    if (this.pos >= this.buf.length) {
      // Everything before was consumed: parse straight from the chunk.
      if (this.own !== null && this.own.length > OWN_KEEP_MAX) this.own = null;
      this.setBuffer(chunk);
    } else this.append(chunk);
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.pos = 0;
    this.bufIsOwn = false;
  }

  /**
   * Stop referring to the buffer last given to feed(): copy what is left of
   * it (an unfinished command, or commands not yet run) into the parser's own
   * buffer. For a caller that reuses its read buffer.
   */
  detach(): void {
    if (this.bufIsOwn) return;
    if (this.pos < this.buf.length) this.append(EMPTY);
    else this.setBuffer(EMPTY);
  }

  /** Keep the unconsumed bytes and append `chunk` (amortised O(1) per byte). */
  private append(chunk: Buffer): void {
    const buf = this.buf;
    const rest = buf.length - this.pos;
    const total = rest + chunk.length;
    let own = this.own;
    if (this.bufIsOwn && own !== null && buf.length + chunk.length <= own.length) {
      chunk.copy(own, buf.length);
      this.buf = own.subarray(0, buf.length + chunk.length);
      return;
    }
    if (own === null || own.length < total * 2) {
      own = Buffer.allocUnsafe(Math.max(total * 2, 16 * 1024));
      buf.copy(own, 0, this.pos);
      this.own = own;
    } else if (this.bufIsOwn) own.copyWithin(0, this.pos, buf.length);
    else buf.copy(own, 0, this.pos);
    chunk.copy(own, rest);
    this.buf = own.subarray(0, total);
    this.pos = 0;
    this.bufIsOwn = true;
  }

  /** Drop all state (connection closing). */
  reset(): void {
    this.setBuffer(EMPTY);
    this.own = null;
    this.mbRemaining = 0;
    this.bulkLen = -1;
    this.name = undefined;
    this.args = [];
    this.big = null;
    this.bigFilled = 0;
  }

  /**
   * The next complete command, or null when more bytes are needed.
   * Throws ProtocolError on malformed input (the caller replies and closes).
   */
  next(): ParsedCommand | null {
    // Fast path: a whole, ordinary multibulk command already in the buffer.
    if (this.mbRemaining === 0 && this.big === null && !this.unauthenticated && this.pos < this.buf.length && this.buf[this.pos] === 0x2a) {
      const cmd = this.fastCommand();
      if (cmd !== undefined) return cmd;
    }
    return this.slowNext();
  }

  /**
   * Parse one complete multibulk command of small arguments in one go, or
   * return undefined (incomplete, large, unusual or malformed: the general
   * parser below handles it, from the same position).
   */
  private fastCommand(): ParsedCommand | undefined {
    const buf = this.buf;
    const len = buf.length;
    let p = this.pos + 1;
    let c = buf[p];
    if (c < 49 || c > 57) return undefined; // first digit 1-9
    let n = c - 48;
    p++;
    while (p < len && (c = buf[p]) >= 48 && c <= 57) {
      n = n * 10 + c - 48;
      p++;
    }
    if (n > FAST_MAX_ARGS || p + 1 >= len || buf[p] !== 13) return undefined;
    p += 2;
    let name: string | undefined;
    const args: string[] = new Array(n - 1);
    for (let i = 0; i < n; i++) {
      if (p >= len || buf[p] !== 0x24) return undefined;
      const s = ++p;
      let l = 0;
      while (p < len && (c = buf[p]) >= 48 && c <= 57) {
        l = l * 10 + c - 48;
        p++;
      }
      if (p === s || p + 1 >= len || buf[p] !== 13 || (buf[s] === 48 && p - s > 1) || l >= BIG_ARG || l > this.maxBulkLen) return undefined;
      p += 2;
      if (p + l + 2 > len) return undefined;
      if (name === undefined) name = l <= NAME_INTERN_MAX ? intern(buf, p, l) : binaryString(buf, p, l);
      else args[i - 1] = l <= ARG_INTERN_MAX ? intern(buf, p, l) : binaryString(buf, p, l);
      p += l + 2; // CRLF after the data is skipped, not checked (as Redis)
    }
    this.pos = p;
    if (p >= len) this.setBuffer(EMPTY);
    return { name: name as string, args };
  }

  private slowNext(): ParsedCommand | null {
    for (;;) {
      if (this.big !== null) {
        if (this.bigFilled < this.big.length) return null;
        const b = this.big;
        this.big = null;
        this.bigFilled = 0;
        // The trailing CRLF is not checked, as in Redis.
        this.pushArg(b.latin1Slice(0, b.length - 2));
        this.bulkLen = -1;
        if (this.mbRemaining === 0) return this.finish();
        continue;
      }
      const buf = this.buf;
      const len = buf.length;
      if (this.mbRemaining === 0) {
        // Start of a new command.
        if (this.pos >= len) return null;
        if (buf[this.pos] !== 0x2a /* * */) {
          const cmd = this.parseInline();
          if (cmd === undefined) return null;
          if (cmd === null) continue; // empty line
          return cmd;
        }
        const cr = buf.indexOf(13, this.pos);
        if (cr < 0) {
          if (len - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError(Err.protoTooBigMbulk);
          return null;
        }
        if (cr + 1 >= len) return null; // the byte after CR has not arrived
        const n = parseLen(buf, this.pos + 1, cr);
        if (n === null || n > PROTO_MAX_MULTIBULK) {
          // Redis finds the CR with strchr(): a NUL before it means "no line yet".
          if (hasNul(buf, this.pos, cr)) {
            if (len - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError(Err.protoTooBigMbulk);
            return null;
          }
          throw new ProtocolError(Err.protoInvalidMultibulk);
        }
        if (this.unauthenticated && n > UNAUTH_MAX_MULTIBULK) throw new ProtocolError(Err.protoUnauthMultibulk);
        this.pos = cr + 2;
        if (n <= 0) continue; // "*0" and "*-1" are skipped without a reply
        this.mbRemaining = n;
        this.bulkLen = -1;
        this.name = undefined;
        this.args = [];
      }
      // Read bulks.
      while (this.mbRemaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= len) return null;
          const cr = buf.indexOf(13, this.pos);
          if (cr < 0) {
            if (len - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError(Err.protoTooBigBulkCount);
            return null;
          }
          if (cr + 1 >= len) return null; // the byte after CR has not arrived
          const n = buf[this.pos] === 0x24 /* $ */ ? parseLen(buf, this.pos + 1, cr) : null;
          if (n === null || n < 0 || n > this.maxBulkLen) {
            // Redis finds the CR with strchr(): a NUL before it means "no line yet".
            if (hasNul(buf, this.pos, cr)) {
              if (len - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError(Err.protoTooBigBulkCount);
              return null;
            }
            const c = buf[this.pos];
            // Redis prints the byte with %c, then maps CR and LF to spaces.
            if (c !== 0x24) throw new ProtocolError(Err.protoExpectedDollar(c === 13 || c === 10 ? ' ' : String.fromCharCode(c)));
            throw new ProtocolError(Err.protoInvalidBulk);
          }
          if (this.unauthenticated && n > UNAUTH_MAX_BULK) throw new ProtocolError(Err.protoUnauthBulk);
          this.pos = cr + 2;
          this.bulkLen = n;
          if (n >= BIG_ARG && len - this.pos < n + 2) {
            // Assemble once in a buffer of exactly the right size.
            const big = Buffer.allocUnsafe(n + 2);
            const have = len - this.pos;
            buf.copy(big, 0, this.pos, len);
            this.big = big;
            this.bigFilled = have;
            this.pos = len;
            return null;
          }
        }
        const n = this.bulkLen;
        if (len - this.pos < n + 2) return null;
        this.pushArg(buf.latin1Slice(this.pos, this.pos + n));
        this.pos += n + 2; // CRLF after the data is skipped, not checked (as Redis)
        this.bulkLen = -1;
      }
      return this.finish();
    }
  }

  private pushArg(s: string): void {
    if (this.name === undefined) this.name = s;
    else this.args.push(s);
    this.mbRemaining--;
  }

  private finish(): ParsedCommand {
    const cmd: ParsedCommand = { name: this.name as string, args: this.args };
    this.name = undefined;
    this.args = [];
    if (this.pos >= this.buf.length && this.buf.length > 0) this.setBuffer(EMPTY);
    return cmd;
  }

  /** undefined: need more bytes; null: empty line consumed. */
  private parseInline(): ParsedCommand | null | undefined {
    const buf = this.buf;
    const nl = buf.indexOf(10, this.pos);
    // Redis finds the LF with strchr(): a NUL before it means "no line yet".
    if (nl < 0 || hasNul(buf, this.pos, nl)) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError(Err.protoTooBigInline);
      return undefined;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const argv = splitArgs(buf, this.pos, end);
    this.pos = nl + 1;
    if (argv === null) throw new ProtocolError(Err.protoUnbalancedQuotes);
    if (argv.length === 0) return null;
    const name = argv.shift() as string;
    if (this.pos >= buf.length) this.setBuffer(EMPTY);
    return { name, args: argv };
  }
}

const EMPTY = Buffer.alloc(0);
/** Commands with more arguments than this take the incremental path. */
const FAST_MAX_ARGS = 256;

/**
 * Command names and short arguments repeat (keys, small values, counters):
 * a direct-mapped cache hands back the string of a recently seen one with
 * the same bytes. A command name then arrives with its hash computed for the
 * registry lookup; a value stored many times (LPUSH of the same payload, SET
 * of a flag) is one string, not one young string per command that the GC
 * must copy and promote.
 *
 * A string enters the cache only when its slot saw the same hash last time
 * (a doorkeeper): arguments that never repeat (random fields, fresh ids)
 * are not kept alive by the cache, which would otherwise get every one of
 * them promoted to the old generation.
 */
const NAME_INTERN_MAX = 32; // at most 32: CACHE_BYTES keeps 32 bytes per slot
const ARG_INTERN_MAX = 32; // keys and fields like "user:1234:profile" repeat too
const CACHE_BITS = 12;
const CACHE: string[] = new Array<string>(1 << CACHE_BITS).fill('');
const SEEN = new Int32Array(1 << CACHE_BITS);

/** The bytes of each cached string, 32 per slot: comparing bytes with bytes beats charCodeAt. */
const CACHE_BYTES = new Uint8Array((1 << CACHE_BITS) * 32);

function intern(buf: Buffer, start: number, len: number): string {
  // FNV-1a over 4-byte words (a quarter of the dependent multiplies), then a final mix.
  let h = len;
  let i = 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(h ^ (buf[start + i] | (buf[start + i + 1] << 8) | (buf[start + i + 2] << 16) | (buf[start + i + 3] << 24)), 0x01000193);
  for (; i < len; i++) h = Math.imul(h ^ buf[start + i], 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  const slot = h >>> (32 - CACHE_BITS);
  const cached = CACHE[slot];
  const base = slot << 5;
  if (cached.length === len) {
    let k = 0;
    while (k < len && CACHE_BYTES[base + k] === buf[start + k]) k++;
    if (k === len) return cached;
  }
  const str = binaryString(buf, start, len);
  if (SEEN[slot] === h) {
    CACHE[slot] = str;
    for (let k = 0; k < len; k++) CACHE_BYTES[base + k] = buf[start + k];
  } else SEEN[slot] = h;
  return str;
}

/** A growable input buffer larger than this is dropped once it is no longer needed. */
const OWN_KEEP_MAX = 1024 * 1024;

function hasNul(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

/** string2ll on buf[start, end): strict decimal, optional '-', no leading zeros. */
function parseLen(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30) return end - i === 1 && !neg ? 0 : null;
  const digits = i;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    // Outside int64 is not a number at all (string2ll); inside, callers only compare with limits.
    const nd = end - digits;
    if (nd > 19 || (nd === 19 && buf.latin1Slice(digits, end) > (neg ? '9223372036854775808' : '9223372036854775807'))) return null;
    return neg ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  }
  return neg ? -n : n;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexVal = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/**
 * sdssplitargs: split an inline request like Redis does (quotes, escapes).
 * Returns null on unbalanced quotes. A NUL byte ends the line, as in C.
 */
export function splitArgs(buf: Buffer, start: number, end: number): string[] | null {
  const out: string[] = [];
  let p = start;
  const at = (i: number) => (i < end ? buf[i] : 0);
  for (;;) {
    while (p < end && buf[p] !== 0 && isSpace(buf[p])) p++;
    if (at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    const cur: number[] = [];
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 /* \ */ && at(p + 1) === 120 /* x */ && isHex(at(p + 2)) && isHex(at(p + 3))) {
          cur.push(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34 /* " */) {
          const nx = at(p + 1);
          if (nx !== 0 && !isSpace(nx)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else cur.push(c);
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39 /* ' */) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          const nx = at(p + 1);
          if (nx !== 0 && !isSpace(nx)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else cur.push(c);
      } else {
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) done = true;
        else if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur.push(c);
      }
      if (at(p) !== 0) p++;
    }
    out.push(String.fromCharCode.apply(null, cur));
  }
}
