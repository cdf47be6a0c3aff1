/**
 * Protocol-neutral reply values. Handlers return these; the writer encodes
 * them for the connection's protocol (RESP2 or RESP3).
 *
 * Plain JavaScript values cover the common cases without allocation:
 *   string          bulk string (a binary "latin1" string: one char per byte)
 *   Buffer          bulk string
 *   number, bigint  integer (a non-integer number is sent as a double)
 *   boolean         boolean (RESP2: :1 / :0)
 *   null/undefined  null bulk string (RESP2 `$-1`, RESP3 `_`)
 *   Array           array of replies
 * Everything else is one of the tagged classes below.
 */
import { ReplyError } from '../errors.js';

export { ReplyError };

export class SimpleString {
  constructor(readonly value: string) {}
}

/** A reply whose bytes are the same in both protocols, encoded once. */
export class RawReply {
  constructor(
    readonly resp2: Buffer,
    readonly resp3: Buffer = resp2,
  ) {}
}

/**
 * An array reply already encoded: `count` elements whose bytes lie in
 * `segments`, as (buffer, start, end) triples in order. Sorted set range
 * reads answer with it when they can copy cached member encodings. `kind`
 * says what each member brings: 0 its bulk string (the same bytes in RESP2
 * and RESP3); 1 that and its score as a bulk string (RESP2 WITHSCORES); 2 a
 * `*2` pair of both, the score a double (RESP3 WITHSCORES).
 */
/** EncodedArray kind: elements are any RESP arrays / bulk strings (stream entries). */
export const ENCODED_NESTED = 3;

export class EncodedArray {
  /** One instance alive for good, so V8 keeps the shape: see StreamIdReply.keepShape. */
  static readonly keepShape = new EncodedArray(0, [Buffer.alloc(0), 0, 0], 0);

  constructor(
    readonly count: number,
    readonly segments: ReadonlyArray<Buffer | number>,
    readonly kind = 0,
  ) {}

  /** The reply as values, as the command would have returned it (strings and DoubleReply scores). */
  toReplies(): Reply[] {
    const out: Reply[] = [];
    const segs = this.segments;
    for (let i = 0; i < segs.length; i += 3) {
      const b = segs[i] as Buffer;
      const end = segs[i + 2] as number;
      let p = segs[i + 1] as number;
      // One line (without its CRLF) at p; moves p past it.
      const line = (): string => {
        const cr = b.indexOf(13, p);
        const s = b.latin1Slice(p, cr);
        p = cr + 2;
        return s;
      };
      const bulk = (): string => {
        const n = Number(line().slice(1));
        const s = b.latin1Slice(p, p + n);
        p += n + 2;
        return s;
      };
      const score = (text: string) => new DoubleReply(text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text));
      // ENCODED_NESTED: arrays of arrays and bulk strings.
      const nested = (): Reply => {
        if (b[p] === 42) {
          const n = Number(line().slice(1));
          const arr: Reply[] = [];
          for (let j = 0; j < n; j++) arr.push(nested());
          return arr;
        }
        return bulk();
      };
      while (p < end) {
        if (this.kind === 3) {
          out.push(nested());
          continue;
        }
        if (this.kind === 0) out.push(bulk());
        else if (this.kind === 1) out.push(bulk(), score(bulk()));
        else {
          line(); // *2
          out.push([bulk(), score(line().slice(1))]);
        }
      }
    }
    return out;
  }
}

/** RESP3 map; RESP2 flat array of key, value, key, value... */
export class MapReply {
  /** Flat list: key0, value0, key1, value1, ... */
  constructor(readonly flat: Reply[]) {}
  get size(): number {
    return this.flat.length >> 1;
  }
}

/** RESP3 set; RESP2 array. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 push; RESP2 array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 double; RESP2 bulk string formatted as Redis formats doubles. */
export class DoubleReply {
  constructor(readonly value: number) {}
}

/** RESP3 big number; RESP2 bulk string. */
export class BigNumberReply {
  constructor(readonly value: string) {}
}

/** RESP3 verbatim string (`=len\r\ntxt:...`); RESP2 bulk string. */
export class VerbatimReply {
  constructor(
    readonly text: string,
    readonly format = 'txt',
  ) {}
}

/** A null that is an array in RESP2 (`*-1`); `_` in RESP3. */
export class NullArrayReply {}

/** No reply at all (CLIENT REPLY OFF/SKIP, or a command that answered by itself). */
export class NoReply {}

/**
 * A stream ID as a bulk string (`<ms>-<seq>`), written as digits without
 * making the string. XADD answers it only to a client connection outside
 * scripts while nobody observes replies (Dispatcher.repliesObserved), like
 * EncodedArray: other consumers of reply values never see it.
 */
export class StreamIdReply {
  /**
   * One instance alive for the life of the process. V8 reaches the shape
   * (map) of an instance with its fields set only through a weak transition
   * from the class's initial map; a memory-reducing full GC (frequent under
   * the bin's --optimize-for-size) collects that map when no instance happens
   * to be alive, and deoptimizes every function whose optimized code embeds
   * it: for XADD the whole path from processInput to the writer, at each full
   * GC (every ~200k XADDs). A live instance keeps the map.
   */
  static readonly keepShape = new StreamIdReply(0, 0);

  constructor(
    public ms: number,
    public seq: number,
  ) {}

  toString(): string {
    return `${this.ms}-${this.seq}`;
  }
}

export type Reply =
  | string
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Reply[]
  | SimpleString
  | ReplyError
  | RawReply
  | EncodedArray
  | MapReply
  | SetReply
  | PushReply
  | DoubleReply
  | BigNumberReply
  | VerbatimReply
  | NullArrayReply
  | NoReply
  | StreamIdReply;

const raw = (s: string, s3?: string) => new RawReply(Buffer.from(s, 'latin1'), s3 === undefined ? undefined : Buffer.from(s3, 'latin1'));

export const OK = raw('+OK\r\n');
export const PONG = raw('+PONG\r\n');
export const QUEUED = raw('+QUEUED\r\n');
export const NULL_ARRAY = new NullArrayReply();
export const NO_REPLY = new NoReply();
export const EMPTY_ARRAY = raw('*0\r\n');

/** Constructors for framework users (and for readability in handlers). */
export const reply = {
  ok: () => OK,
  simple: (s: string) => new SimpleString(s),
  error: (msg: string) => new ReplyError(msg),
  bulk: (s: string | Buffer) => s,
  /** A bulk string from a JavaScript (UTF-8) string. */
  utf8: (s: string) => Buffer.from(s, 'utf8'),
  int: (n: number | bigint) => n,
  null: () => null,
  nullArray: () => NULL_ARRAY,
  array: (items: Reply[]) => items,
  map: (entries: Iterable<[Reply, Reply]> | Record<string, Reply>) => {
    const flat: Reply[] = [];
    if (typeof (entries as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const [k, v] of entries as Iterable<[Reply, Reply]>) flat.push(k, v);
    } else {
      for (const k of Object.keys(entries)) flat.push(k, (entries as Record<string, Reply>)[k]);
    }
    return new MapReply(flat);
  },
  set: (items: Reply[]) => new SetReply(items),
  double: (n: number) => new DoubleReply(n),
  bool: (b: boolean) => b,
  bigNumber: (s: string | bigint) => new BigNumberReply(String(s)),
  verbatim: (text: string, format = 'txt') => new VerbatimReply(text, format),
  push: (items: Reply[]) => new PushReply(items),
  none: () => NO_REPLY,
};

/**
 * Whether a handler's result is a pending reply (a Promise or other
 * thenable). The common replies (preencoded constants, arrays, primitives)
 * are ruled out before the generic `then` lookup, which is slow where many
 * reply shapes meet.
 */
export function isPending(r: unknown): r is PromiseLike<Reply> {
  if (typeof r !== 'object' || r === null || r instanceof RawReply || Array.isArray(r)) return false;
  return r instanceof Promise || typeof (r as { then?: unknown }).then === 'function';
}
