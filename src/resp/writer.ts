/**
 * Reply writer: encodes protocol-neutral replies into a growing batch buffer
 * for one protocol version at a time. A connection collects the replies of a
 * whole read batch and hands the bytes to the socket in one write.
 */
import { ReplyError } from '../errors.js';
import { formatDouble } from './format.js';
import {
  BigNumberReply,
  DoubleReply,
  EncodedArray,
  MapReply,
  NoReply,
  NullArrayReply,
  PushReply,
  RawReply,
  SetReply,
  SimpleString,
  StreamIdReply,
  VerbatimReply,
  type Reply,
} from './reply.js';

const CRLF = 0x0a0d; // little-endian "\r\n" for writeUInt16LE
const SMALL_INT_MAX = 1024;

/** Preencoded `:n\r\n` for 0..1023 and `$n\r\n` / `*n\r\n` headers. */
const INT_REPLIES: Buffer[] = [];
const BULK_HEADERS: Buffer[] = [];
const ARRAY_HEADERS: Buffer[] = [];
for (let i = 0; i < SMALL_INT_MAX; i++) {
  INT_REPLIES.push(Buffer.from(`:${i}\r\n`, 'latin1'));
  BULK_HEADERS.push(Buffer.from(`$${i}\r\n`, 'latin1'));
  ARRAY_HEADERS.push(Buffer.from(`*${i}\r\n`, 'latin1'));
}

/** Preencoded nulls and RESP3 booleans (written with rawBytes' byte loop, not a native call). */
const NULL_BULK_2 = Buffer.from('$-1\r\n', 'latin1');
const NULL_ARRAY_2 = Buffer.from('*-1\r\n', 'latin1');
const NULL_3 = Buffer.from('_\r\n', 'latin1');
const TRUE_3 = Buffer.from('#t\r\n', 'latin1');
const FALSE_3 = Buffer.from('#f\r\n', 'latin1');

/** Strings up to this length are copied byte by byte instead of with latin1Write. */
const SHORT_STRING = 32;
/** A string reply larger than this is sent as its own chunk (no copy into the batch). */
const LARGE_CHUNK = 64 * 1024;
/** peekSingle keeps views of up to this many bytes for reuse. */
const VIEW_CACHE_MAX = 2048;

/** Write a non-negative integer's decimal digits at p; returns the new position. */
function writeDigits(buf: Buffer, p: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    buf[p + i] = 48 + (n % 10);
    n = (n / 10) | 0;
  }
  return p + digits;
}

export class RespWriter {
  private buf: Buffer;
  private pos = 0;
  /** peekSingle's views of `viewsOf`, by length. */
  private views: Array<Buffer | undefined> = [];
  private viewsOf: Buffer | null = null;
  /** Finished chunks, in order, when the batch outgrew the buffer or a large value was appended. */
  private chunks: Buffer[] = [];
  private readonly initialSize: number;

  constructor(initialSize = 64 * 1024) {
    this.initialSize = initialSize;
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    let n = this.pos;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  isEmpty(): boolean {
    return this.pos === 0 && this.chunks.length === 0;
  }

  /** Take everything written so far as a list of buffers (the writer is reset). */
  take(): Buffer[] {
    const out = this.chunks;
    if (this.pos > 0) {
      // Copy out of the reusable buffer: the socket may hold the chunk.
      out.push(Buffer.from(this.buf.subarray(0, this.pos)));
    }
    this.chunks = [];
    this.pos = 0;
    if (this.buf.length > this.initialSize * 4) this.buf = Buffer.allocUnsafe(this.initialSize);
    return out;
  }

  /**
   * When everything written so far is in the reusable buffer (the common
   * case), take it as one new Buffer; otherwise null (use take()).
   */
  takeSingle(): Buffer | null {
    if (this.chunks.length !== 0 || this.pos === 0) return null;
    const n = this.pos;
    const out = Buffer.allocUnsafe(n);
    if (n <= 64) for (let i = 0; i < n; i++) out[i] = this.buf[i];
    else this.buf.copy(out, 0, 0, n);
    this.pos = 0;
    return out;
  }

  /**
   * Everything written so far as a view of the reusable buffer, when it is
   * all there (the common case); otherwise null. Must be followed by
   * release(): the writer does not move on until then.
   */
  peekSingle(): Buffer | null {
    if (this.chunks.length !== 0 || this.pos === 0) return null;
    const n = this.pos;
    if (n > VIEW_CACHE_MAX) return this.buf.subarray(0, n);
    // Replies of the same length repeat (a client sending the same commands):
    // reuse the view, a new one costs as much as encoding a short reply.
    if (this.viewsOf !== this.buf) {
      this.views = new Array(VIEW_CACHE_MAX + 1);
      this.viewsOf = this.buf;
    }
    let v = this.views[n];
    if (v === undefined) this.views[n] = v = this.buf.subarray(0, n);
    return v;
  }

  /**
   * After peekSingle(): the view's bytes are consumed (`kept` false: the
   * buffer is reused) or its user still holds it (`kept` true: the writer
   * starts a new buffer and leaves that one to it).
   */
  release(kept: boolean): void {
    this.pos = 0;
    if (kept) this.buf = Buffer.allocUnsafe(this.initialSize);
  }

  /** Take everything as a single buffer. */
  takeOne(): Buffer {
    const parts = this.take();
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) {
      this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
    }
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
  }

  rawBytes(b: Buffer): void {
    this.rawRange(b, 0, b.length);
  }

  /** Copy b[start, end): a large one goes out as its own chunk, a short one byte by byte. */
  private rawRange(b: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n >= LARGE_CHUNK) {
      this.flushBuf();
      this.chunks.push(start === 0 && end === b.length ? b : b.subarray(start, end));
      return;
    }
    this.ensure(n);
    const buf = this.buf;
    const p = this.pos;
    if (n < 16) for (let i = 0; i < n; i++) buf[p + i] = b[start + i];
    else b.copy(buf, p, start, end);
    this.pos = p + n;
  }

  /** `<prefix><n>\r\n` for a 32-bit integer, written digit by digit. */
  private smallInt(prefix: number, n: number): void {
    this.ensure(14);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = prefix;
    if (n < 0) {
      buf[p++] = 0x2d;
      n = -n;
    }
    p = writeDigits(buf, p, n);
    buf[p] = 13;
    buf[p + 1] = 10;
    this.pos = p + 2;
  }

  private ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n <= SHORT_STRING) {
      const buf = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
    } else this.buf.latin1Write(s, this.pos, n);
    this.pos += n;
  }

  private header(prefix: string, n: number, table?: Buffer[]): void {
    if (table !== undefined && n >= 0 && n < SMALL_INT_MAX) this.rawBytes(table[n]);
    else if (n >= 0 && n < 2147483648) this.smallInt(prefix.charCodeAt(0), n);
    else this.ascii(`${prefix}${n}\r\n`);
  }

  simple(s: string): void {
    this.ascii(`+${s}\r\n`);
  }

  error(msg: string): void {
    // Written byte for byte (error text may contain non-ASCII bytes of user data).
    const n = msg.length + 3;
    this.ensure(n);
    this.buf[this.pos++] = 0x2d;
    this.buf.latin1Write(msg, this.pos, msg.length);
    this.pos += msg.length;
    this.buf.writeUInt16LE(CRLF, this.pos);
    this.pos += 2;
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < SMALL_INT_MAX && Number.isInteger(n)) this.rawBytes(INT_REPLIES[n]);
    else if (typeof n === 'number' && n > -2147483648 && n < 2147483648 && (n | 0) === n) this.smallInt(0x3a, n);
    // String(1e21) is "1e+21": print large integer-valued numbers in digits.
    else if (typeof n === 'number' && (n >= 1e21 || n <= -1e21) && Number.isFinite(n)) this.ascii(`:${BigInt(n)}\r\n`);
    else this.ascii(`:${n}\r\n`);
  }

  /** Bulk string from a binary (latin1) string. */
  bulk(s: string): void {
    const n = s.length;
    if (n >= LARGE_CHUNK) {
      this.header('$', n);
      this.flushBuf();
      const b = Buffer.allocUnsafe(n + 2);
      b.latin1Write(s, 0, n);
      b[n] = 13;
      b[n + 1] = 10;
      this.chunks.push(b);
      return;
    }
    // "$" + len + "\r\n" + data + "\r\n"
    this.ensure(n + 16);
    const buf = this.buf;
    let p = this.pos;
    if (n < 10) {
      buf[p] = 0x24;
      buf[p + 1] = 48 + n;
      buf[p + 2] = 13;
      buf[p + 3] = 10;
      p += 4;
    } else if (n < 100) {
      buf[p] = 0x24;
      buf[p + 1] = 48 + ((n / 10) | 0);
      buf[p + 2] = 48 + (n % 10);
      buf[p + 3] = 13;
      buf[p + 4] = 10;
      p += 5;
    } else {
      buf[p++] = 0x24;
      p = writeDigits(buf, p, n);
      buf[p++] = 13;
      buf[p++] = 10;
    }
    if (n <= SHORT_STRING) {
      // A byte loop beats the native call for short strings.
      for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
      p += n;
    } else p += buf.latin1Write(s, p, n);
    buf[p] = 13;
    buf[p + 1] = 10;
    this.pos = p + 2;
  }

  /** The digits of the last stream ID's ms (XADDs in one millisecond share them). */
  private idMs = -1;
  private readonly idMsDigits = Buffer.alloc(16);
  private idMsLen = 0;

  /** `$<len>\r\n<ms>-<seq>\r\n` for integers below 2^53 (StreamIdReply). */
  streamId(ms: number, seq: number): void {
    if (ms !== this.idMs) {
      let n = ms;
      let len = 0;
      const d = this.idMsDigits;
      do {
        d[15 - len++] = 48 + (n % 10);
        n = Math.floor(n / 10);
      } while (n > 0);
      this.idMs = ms;
      this.idMsLen = len;
    }
    // seq is almost always below 2^31: its digits in int32 arithmetic (a float % is a call to fmod).
    const small = seq <= 0x7fffffff;
    let seqLen = 1;
    if (small) for (let x = seq | 0; x >= 10; x = (x / 10) | 0) seqLen++;
    else for (let x = seq; x >= 10; x = Math.floor(x / 10)) seqLen++;
    const msLen = this.idMsLen;
    const n = msLen + 1 + seqLen;
    this.ensure(n + 8);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x24;
    if (n >= 10) buf[p++] = 48 + ((n / 10) | 0);
    buf[p++] = 48 + (n % 10);
    buf[p++] = 13;
    buf[p++] = 10;
    const d = this.idMsDigits;
    for (let i = 16 - msLen; i < 16; i++) buf[p++] = d[i];
    buf[p++] = 0x2d;
    if (small) {
      let x = seq | 0;
      for (let i = seqLen - 1; i >= 0; i--) {
        const q = (x / 10) | 0;
        buf[p + i] = 48 + x - q * 10;
        x = q;
      }
    } else {
      let x = seq;
      for (let i = seqLen - 1; i >= 0; i--) {
        buf[p + i] = 48 + (x % 10);
        x = Math.floor(x / 10);
      }
    }
    p += seqLen;
    buf[p] = 13;
    buf[p + 1] = 10;
    this.pos = p + 2;
  }

  /** Bytes written and not yet taken. */
  get pendingBytes(): number {
    return this.chunks.length === 0 ? this.pos : this.length;
  }

  bulkBuffer(b: Buffer): void {
    this.header('$', b.length, BULK_HEADERS);
    this.rawBytes(b);
    this.ensure(2);
    this.buf.writeUInt16LE(CRLF, this.pos);
    this.pos += 2;
  }

  private flushBuf(): void {
    if (this.pos > 0) {
      this.chunks.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
    }
  }

  nullBulk(proto: number): void {
    this.rawBytes(proto === 3 ? NULL_3 : NULL_BULK_2);
  }

  nullArray(proto: number): void {
    this.rawBytes(proto === 3 ? NULL_3 : NULL_ARRAY_2);
  }

  arrayHeader(n: number): void {
    this.header('*', n, ARRAY_HEADERS);
  }

  mapHeader(n: number, proto: number): void {
    if (proto === 3) this.header('%', n);
    else this.header('*', n * 2, ARRAY_HEADERS);
  }

  setHeader(n: number, proto: number): void {
    if (proto === 3) this.header('~', n);
    else this.header('*', n, ARRAY_HEADERS);
  }

  pushHeader(n: number, proto: number): void {
    if (proto === 3) this.header('>', n);
    else this.header('*', n, ARRAY_HEADERS);
  }

  double(d: number, proto: number): void {
    const s = formatDouble(d);
    if (proto === 3) this.ascii(`,${s}\r\n`);
    else this.bulk(s);
  }

  boolean(b: boolean, proto: number): void {
    if (proto === 3) this.rawBytes(b ? TRUE_3 : FALSE_3);
    else this.rawBytes(INT_REPLIES[b ? 1 : 0]);
  }

  /** Encode any reply value. */
  write(r: Reply, proto: number): void {
    switch (typeof r) {
      case 'string':
        this.bulk(r);
        return;
      case 'number':
        if (Number.isInteger(r)) this.integer(r);
        else this.double(r, proto);
        return;
      case 'bigint':
        this.integer(r);
        return;
      case 'boolean':
        this.boolean(r, proto);
        return;
      case 'undefined':
        this.nullBulk(proto);
        return;
    }
    if (r === null) {
      this.nullBulk(proto);
      return;
    }
    if (r instanceof EncodedArray) {
      this.arrayHeader(r.count);
      const segs = r.segments;
      for (let i = 0; i < segs.length; i += 3) this.rawRange(segs[i] as Buffer, segs[i + 1] as number, segs[i + 2] as number);
      return;
    }
    if (r instanceof RawReply) {
      this.rawBytes(proto === 3 ? r.resp3 : r.resp2);
      return;
    }
    if (r instanceof StreamIdReply) {
      this.streamId(r.ms, r.seq);
      return;
    }
    if (Array.isArray(r)) {
      this.arrayHeader(r.length);
      for (let i = 0; i < r.length; i++) this.write(r[i], proto);
      return;
    }
    if (Buffer.isBuffer(r)) {
      this.bulkBuffer(r);
      return;
    }
    if (r instanceof ReplyError) {
      this.error(r.message);
      return;
    }
    if (r instanceof SimpleString) {
      this.simple(r.value);
      return;
    }
    if (r instanceof MapReply) {
      const f = r.flat;
      this.mapHeader(f.length >> 1, proto);
      for (let i = 0; i < f.length; i++) this.write(f[i], proto);
      return;
    }
    if (r instanceof SetReply) {
      this.setHeader(r.items.length, proto);
      for (const it of r.items) this.write(it, proto);
      return;
    }
    if (r instanceof DoubleReply) {
      this.double(r.value, proto);
      return;
    }
    if (r instanceof NullArrayReply) {
      this.nullArray(proto);
      return;
    }
    if (r instanceof PushReply) {
      this.pushHeader(r.items.length, proto);
      for (const it of r.items) this.write(it, proto);
      return;
    }
    if (r instanceof BigNumberReply) {
      if (proto === 3) this.ascii(`(${r.value}\r\n`);
      else this.bulk(r.value);
      return;
    }
    if (r instanceof VerbatimReply) {
      if (proto === 3) {
        const body = `${r.format}:${r.text}`;
        this.ascii(`=${body.length}\r\n`);
        this.ascii(body);
        this.ascii('\r\n');
      } else this.bulk(r.text);
      return;
    }
    if (r instanceof NoReply) return;
    // Throwing here would leave a half-written reply in the batch (and, from a
    // socket event, take the process down): answer an error in its place.
    this.error(`ERR RedKit: a handler returned a value that is not a reply (${Object.prototype.toString.call(r)})`);
  }
}

/** Encode one reply to a fresh Buffer (tests, pushes to idle connections). */
export function encodeReply(r: Reply, proto: 2 | 3 = 2): Buffer {
  const w = new RespWriter(256);
  w.write(r, proto);
  return w.takeOne();
}
