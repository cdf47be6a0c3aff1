/**
 * Conversions between the server's binary strings / reply values and the
 * plain JavaScript values a test author works with (UTF-8 strings, Buffers,
 * numbers, arrays, objects).
 */
import { UpstreamReply } from './upstream.js';
import { ReplyError } from '../errors.js';
import {
  BigNumberReply,
  DoubleReply,
  MapReply,
  NoReply,
  NullArrayReply,
  PushReply,
  RawReply,
  EncodedArray,
  SetReply,
  SimpleString,
  VerbatimReply,
  type Reply,
} from '../resp/reply.js';

/** UTF-8 text or bytes, as the server stores it (one char per byte). */
export function toBinary(v: string | Buffer | number): string {
  if (typeof v === 'number') return String(v);
  if (Buffer.isBuffer(v)) return v.latin1Slice(0, v.length);
  // ASCII fast path: the binary form is the same string.
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 127) return Buffer.from(v, 'utf8').latin1Slice();
  return v;
}

/** Binary string to UTF-8 text. */
export function fromBinary(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.from(s, 'latin1').toString('utf8');
  return s;
}

export function binaryToBuffer(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** True when the bytes are valid UTF-8 (so a text form round-trips). */
export function isUtf8(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) {
      const b = Buffer.from(s, 'latin1');
      return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
    }
  }
  return true;
}

export interface ToJsOptions {
  /** Bulk strings as Buffers instead of UTF-8 strings. */
  buffers?: boolean;
}

/** A reply value as plain JavaScript (error replies become `{ error: message }`). */
export function replyToJs(r: Reply, opts: ToJsOptions = {}): unknown {
  const str = (s: string) => (opts.buffers ? binaryToBuffer(s) : fromBinary(s));
  if (typeof r === 'string') return str(r);
  if (r === null || r === undefined) return null;
  if (typeof r === 'number' || typeof r === 'bigint' || typeof r === 'boolean') return r;
  if (Buffer.isBuffer(r)) return opts.buffers ? r : r.toString('utf8');
  if (Array.isArray(r)) return r.map((x) => replyToJs(x, opts));
  if (r instanceof ReplyError) return { error: r.message };
  if (r instanceof SimpleString) return r.value;
  if (r instanceof MapReply) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < r.flat.length; i += 2) o[String(replyToJs(r.flat[i]))] = replyToJs(r.flat[i + 1], opts);
    return o;
  }
  if (r instanceof SetReply || r instanceof PushReply) return r.items.map((x) => replyToJs(x, opts));
  if (r instanceof DoubleReply) return r.value;
  if (r instanceof BigNumberReply) return BigInt(r.value);
  if (r instanceof VerbatimReply) return str(r.text);
  if (r instanceof NullArrayReply || r instanceof NoReply) return null;
  if (r instanceof UpstreamReply) return replyToJs(r.decoded(), opts);
  if (r instanceof RawReply) return decodeRaw(r.resp3);
  if (r instanceof EncodedArray) return replyToJs(r.toReplies(), opts);
  return r;
}

/** Decode a preencoded reply (OK, PONG, QUEUED, empty array...). */
function decodeRaw(b: Buffer): unknown {
  const t = String.fromCharCode(b[0]);
  const line = b.latin1Slice(1, b.indexOf('\r\n'));
  switch (t) {
    case '+':
      return line;
    case '-':
      return { error: line };
    case ':':
      return Number(line);
    case '*':
      return line === '0' ? [] : null;
    case '_':
      return null;
    default:
      return b.latin1Slice();
  }
}

/** A JavaScript value as a reply (fault `reply:` values). Strings are UTF-8 bulk strings. */
export function jsToReply(v: unknown): Reply {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return toBinary(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(jsToReply);
  if (v instanceof ReplyError || v instanceof SimpleString || v instanceof MapReply || v instanceof SetReply || v instanceof DoubleReply || v instanceof RawReply || v instanceof EncodedArray || v instanceof NullArrayReply || v instanceof PushReply || v instanceof VerbatimReply || v instanceof BigNumberReply) return v as Reply;
  if (typeof v === 'object') {
    const flat: Reply[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flat.push(toBinary(k), jsToReply(x));
    return new MapReply(flat);
  }
  return String(v);
}
