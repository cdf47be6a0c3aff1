/**
 * The programmable keyspace: direct, synchronous access to a database, for
 * seeding and inspecting data in tests without a client. Every call runs the
 * same command handlers clients use (so WATCH, keyspace events and wrong-type
 * errors behave the same), through an in-process client that is not recorded
 * and not subject to faults.
 */
import { parseDuration, type Duration } from '../clock/clock.js';
import { ReplyError } from '../errors.js';
import { formatDouble } from '../resp/format.js';
import type { Reply } from '../resp/reply.js';
import { InternalClient } from '../server/internal.js';
import type { RedKitServer } from '../server/server.js';
import { binaryToBuffer, fromBinary, replyToJs, toBinary } from './values.js';

export type Bin = string | Buffer;
export type RedisTypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream' | 'none';

export interface ReadOptions {
  /** Return Buffers instead of UTF-8 strings. */
  buffer?: boolean;
}

/** An error from the keyspace API: the Redis error reply, thrown. */
export class KeyspaceError extends Error {
  constructor(readonly reply: string) {
    super(reply);
    this.name = 'KeyspaceError';
  }
}

export class DbHandle {
  private readonly client: InternalClient;

  constructor(
    readonly server: RedKitServer,
    readonly index: number,
  ) {
    this.client = new InternalClient(server, index);
  }

  /** Run any command on this database; returns the reply as JavaScript values (UTF-8 strings). */
  command(name: string, ...args: Array<string | Buffer | number>): unknown {
    return replyToJs(this.raw(name, ...args));
  }

  /** Run a command and return its raw reply value (binary strings). */
  raw(name: string, ...args: Array<string | Buffer | number>): Reply {
    try {
      return this.client.call(name, ...args.map(toBinary));
    } catch (e) {
      if (e instanceof ReplyError) throw new KeyspaceError(e.message);
      throw e;
    }
  }

  private out(v: Reply, opts?: ReadOptions): unknown {
    return replyToJs(v, { buffers: opts?.buffer === true });
  }

  // ---- strings and keys ---------------------------------------------------------------------

  /** The string value (UTF-8), or null. Throws KeyspaceError (WRONGTYPE) for other types. */
  get(key: Bin): string | null;
  get(key: Bin, opts: { buffer: true }): Buffer | null;
  get(key: Bin, opts?: ReadOptions): string | Buffer | null;
  get(key: Bin, opts?: ReadOptions): string | Buffer | null {
    return this.out(this.raw('GET', key), opts) as string | Buffer | null;
  }

  /**
   * Set a string value (replacing any value and TTL, like SET). `ttl` in ms
   * or as '500ms', '30s', '5m', '2h', '1d'; `keepTtl` keeps the current TTL.
   */
  set(key: Bin, value: Bin | number, opts: { ttl?: Duration; keepTtl?: boolean } = {}): void {
    if (opts.ttl !== undefined) this.raw('SET', key, value, 'PX', String(positiveMs(opts.ttl)));
    else if (opts.keepTtl) this.raw('SET', key, value, 'KEEPTTL');
    else this.raw('SET', key, value);
  }

  /** Delete keys; returns how many existed. */
  del(...keys: Bin[]): number {
    if (keys.length === 0) return 0;
    return this.raw('DEL', ...keys) as number;
  }

  exists(key: Bin): boolean {
    return (this.raw('EXISTS', key) as number) > 0;
  }

  /** 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream', or 'none' when missing. */
  type(key: Bin): RedisTypeName {
    return this.command('TYPE', key) as RedisTypeName;
  }

  /** Seconds to live, as TTL: -2 missing, -1 no expiry. */
  ttl(key: Bin): number {
    return this.raw('TTL', key) as number;
  }

  /** Milliseconds to live, as PTTL: -2 missing, -1 no expiry. */
  pttl(key: Bin): number {
    return this.raw('PTTL', key) as number;
  }

  /** Set a time to live (ms or '30s', ...). Returns false when the key does not exist. */
  expire(key: Bin, ttl: Duration): boolean {
    return (this.raw('PEXPIRE', key, String(parseDuration(ttl))) as number) === 1;
  }

  /** Expire at a point in (clock) time. Returns false when the key does not exist. */
  expireAt(key: Bin, at: Date | number): boolean {
    const ms = at instanceof Date ? at.getTime() : at;
    return (this.raw('PEXPIREAT', key, String(Math.round(ms))) as number) === 1;
  }

  /** Remove the TTL. Returns false when there was none (or no key). */
  persist(key: Bin): boolean {
    return (this.raw('PERSIST', key) as number) === 1;
  }

  /** Keys matching a glob pattern (default every key), sorted. */
  keys(pattern?: string): string[];
  keys(pattern: string, opts: { buffer: true }): Buffer[];
  keys(pattern: string = '*', opts?: ReadOptions): Array<string | Buffer> {
    const ks = this.rawFlat(this.raw('KEYS', toBinary(pattern))).sort();
    return ks.map((k) => (opts?.buffer ? binaryToBuffer(k) : fromBinary(k)));
  }

  /** Number of keys (DBSIZE). */
  size(): number {
    return this.raw('DBSIZE') as number;
  }

  /** Delete every key of this database. */
  flush(): void {
    this.raw('FLUSHDB');
  }

  /** INCRBY: returns the new value. */
  incr(key: Bin, by = 1): number {
    return Number(this.raw('INCRBY', key, String(by)));
  }

  // ---- hashes --------------------------------------------------------------------------------

  /** hset(key, field, value) or hset(key, { field: value, ... }). Returns the number of new fields. */
  hset(key: Bin, field: Bin | Record<string, Bin | number>, value?: Bin | number): number {
    if (typeof field === 'object' && !Buffer.isBuffer(field)) {
      const args: Array<Bin | number> = [];
      for (const [f, v] of Object.entries(field)) args.push(f, v);
      if (args.length === 0) return 0;
      return this.raw('HSET', key, ...args) as number;
    }
    if (value === undefined) throw new TypeError('RedKit: hset(key, field, value) needs a value');
    return this.raw('HSET', key, field, value) as number;
  }

  hget(key: Bin, field: Bin): string | null;
  hget(key: Bin, field: Bin, opts: { buffer: true }): Buffer | null;
  hget(key: Bin, field: Bin, opts?: ReadOptions): string | Buffer | null;
  hget(key: Bin, field: Bin, opts?: ReadOptions): string | Buffer | null {
    return this.out(this.raw('HGET', key, field), opts) as string | Buffer | null;
  }

  /** All fields as an object ({} when the key does not exist). */
  hgetall(key: Bin): Record<string, string>;
  hgetall(key: Bin, opts: { buffer: true }): Record<string, Buffer>;
  hgetall(key: Bin, opts?: ReadOptions): Record<string, string | Buffer>;
  hgetall(key: Bin, opts?: ReadOptions): Record<string, string | Buffer> {
    const flat = this.rawFlat(this.raw('HGETALL', key));
    const o: Record<string, string | Buffer> = {};
    for (let i = 0; i < flat.length; i += 2) o[fromBinary(flat[i])] = opts?.buffer ? binaryToBuffer(flat[i + 1]) : fromBinary(flat[i + 1]);
    return o;
  }

  /** Delete fields; returns how many existed. */
  hdel(key: Bin, ...fields: Bin[]): number {
    return this.raw('HDEL', key, ...fields) as number;
  }

  hlen(key: Bin): number {
    return this.raw('HLEN', key) as number;
  }

  // ---- lists ---------------------------------------------------------------------------------

  /** Push to the head (each value in turn, as LPUSH). Returns the new length. */
  lpush(key: Bin, ...values: Array<Bin | number>): number {
    return this.raw('LPUSH', key, ...values) as number;
  }

  /** Push to the tail. Returns the new length. */
  rpush(key: Bin, ...values: Array<Bin | number>): number {
    return this.raw('RPUSH', key, ...values) as number;
  }

  /** Elements from start to stop (inclusive; negative from the end). Default: the whole list. */
  lrange(key: Bin, start?: number, stop?: number): string[];
  lrange(key: Bin, start: number, stop: number, opts: { buffer: true }): Buffer[];
  lrange(key: Bin, start?: number, stop?: number, opts?: ReadOptions): Array<string | Buffer>;
  lrange(key: Bin, start = 0, stop = -1, opts?: ReadOptions): Array<string | Buffer> {
    return this.out(this.raw('LRANGE', key, String(start), String(stop)), opts) as Array<string | Buffer>;
  }

  llen(key: Bin): number {
    return this.raw('LLEN', key) as number;
  }

  // ---- sets ----------------------------------------------------------------------------------

  /** Add members. Returns how many were new. */
  sadd(key: Bin, ...members: Array<Bin | number>): number {
    return this.raw('SADD', key, ...members) as number;
  }

  /** Remove members. Returns how many were there. */
  srem(key: Bin, ...members: Array<Bin | number>): number {
    return this.raw('SREM', key, ...members) as number;
  }

  /** Members, sorted by their bytes (Redis's order is unspecified). */
  smembers(key: Bin): string[];
  smembers(key: Bin, opts: { buffer: true }): Buffer[];
  smembers(key: Bin, opts?: ReadOptions): Array<string | Buffer>;
  smembers(key: Bin, opts?: ReadOptions): Array<string | Buffer> {
    const items = this.rawFlat(this.raw('SMEMBERS', key)).sort();
    return items.map((m) => (opts?.buffer ? binaryToBuffer(m) : fromBinary(m)));
  }

  sismember(key: Bin, member: Bin | number): boolean {
    return (this.raw('SISMEMBER', key, member) as number) === 1;
  }

  scard(key: Bin): number {
    return this.raw('SCARD', key) as number;
  }

  // ---- sorted sets ---------------------------------------------------------------------------

  /** zadd(key, score, member) or zadd(key, { member: score, ... }). Returns the number of new members. */
  zadd(key: Bin, score: number | Record<string, number>, member?: Bin): number {
    if (typeof score === 'object') {
      const args: string[] = [];
      for (const [m, s] of Object.entries(score)) args.push(formatDouble(s), toBinary(m));
      if (args.length === 0) return 0;
      return this.raw('ZADD', key, ...args) as number;
    }
    if (member === undefined) throw new TypeError('RedKit: zadd(key, score, member) needs a member');
    return this.raw('ZADD', key, formatDouble(score), member) as number;
  }

  /** Members by rank (lowest score first); with `withScores` as [member, score] pairs. */
  zrange(key: Bin, start?: number, stop?: number): string[];
  zrange(key: Bin, start: number, stop: number, opts: { withScores: true; buffer?: false }): Array<[string, number]>;
  zrange(key: Bin, start: number, stop: number, opts: { withScores: true; buffer: true }): Array<[Buffer, number]>;
  zrange(key: Bin, start: number, stop: number, opts: { buffer: true; withScores?: false }): Buffer[];
  zrange(key: Bin, start?: number, stop?: number, opts?: ReadOptions & { withScores?: boolean }): Array<string | Buffer> | Array<[string | Buffer, number]>;
  zrange(key: Bin, start = 0, stop = -1, opts: ReadOptions & { withScores?: boolean } = {}): Array<string | Buffer> | Array<[string | Buffer, number]> {
    const conv = (m: string) => (opts.buffer ? binaryToBuffer(m) : fromBinary(m));
    if (!opts.withScores) return this.rawFlat(this.raw('ZRANGE', key, String(start), String(stop))).map(conv);
    const r = this.raw('ZRANGE', key, String(start), String(stop), 'WITHSCORES');
    const pairs: Array<[string | Buffer, number]> = [];
    for (const item of flattenPairs(r)) pairs.push([conv(item[0] as string), Number(scoreOf(item[1]))]);
    return pairs;
  }

  /** The member's score, or null. */
  zscore(key: Bin, member: Bin): number | null {
    const r = this.raw('ZSCORE', key, member);
    return r === null ? null : Number(scoreOf(r));
  }

  /** Remove members. Returns how many were there. */
  zrem(key: Bin, ...members: Bin[]): number {
    return this.raw('ZREM', key, ...members) as number;
  }

  zcard(key: Bin): number {
    return this.raw('ZCARD', key) as number;
  }

  // ---- streams -------------------------------------------------------------------------------

  /**
   * XADD: append an entry (fields as an object or [field, value] pairs); the
   * ID is `*` (ms from the server clock) unless `id` is given (`ms-seq` or
   * `ms-*`). Returns the entry's ID.
   */
  xadd(key: Bin, fields: Record<string, Bin | number> | Array<[Bin, Bin | number]>, opts: { id?: string } = {}): string {
    const args: Array<Bin | number> = [];
    if (Array.isArray(fields)) for (const [f, v] of fields) args.push(f, v);
    else for (const [f, v] of Object.entries(fields)) args.push(f, v);
    if (args.length === 0) throw new TypeError('RedKit: xadd needs at least one field');
    return fromBinary(this.raw('XADD', key, opts.id ?? '*', ...args) as string);
  }

  /** XRANGE (default `-` to `+`): entries as { id, fields } (a field given twice keeps its last value). */
  xrange(key: Bin, start: string = '-', end: string = '+', opts?: ReadOptions & { count?: number }): Array<{ id: string; fields: Record<string, string | Buffer> }> {
    const extra = opts?.count !== undefined ? ['COUNT', String(opts.count)] : [];
    const r = this.raw('XRANGE', key, start, end, ...extra);
    const out: Array<{ id: string; fields: Record<string, string | Buffer> }> = [];
    if (!Array.isArray(r)) return out;
    for (const e of r as unknown as Array<[string, string[]]>) {
      const fields: Record<string, string | Buffer> = {};
      for (let i = 0; i < e[1].length; i += 2) fields[fromBinary(e[1][i])] = opts?.buffer ? binaryToBuffer(e[1][i + 1]) : fromBinary(e[1][i + 1]);
      out.push({ id: e[0], fields });
    }
    return out;
  }

  /** Number of entries (XLEN). */
  xlen(key: Bin): number {
    return this.raw('XLEN', key) as number;
  }

  /** Flatten a RESP3 set/map/array reply of binary strings. */
  private rawFlat(r: Reply): string[] {
    const v = r as unknown as { items?: Reply[]; flat?: Reply[] };
    const arr = (Array.isArray(r) ? r : v.items ?? v.flat ?? []) as Reply[];
    return arr.map((x) => (typeof x === 'string' ? x : Buffer.isBuffer(x) ? x.latin1Slice() : String(x)));
  }
}

function positiveMs(d: Duration): number {
  const ms = parseDuration(d);
  if (!(ms > 0)) throw new RangeError(`RedKit: ttl must be positive (got ${String(d)})`);
  return ms;
}

function scoreOf(r: unknown): string | number {
  if (r && typeof r === 'object' && 'value' in (r as object)) return (r as { value: number }).value;
  return r as string;
}

/** ZRANGE WITHSCORES replies: RESP3 nested pairs or RESP2 flat. */
function flattenPairs(r: Reply): Array<[unknown, unknown]> {
  const arr = r as unknown[];
  const out: Array<[unknown, unknown]> = [];
  if (arr.length && Array.isArray(arr[0])) {
    for (const p of arr as unknown[][]) out.push([p[0], p[1]]);
  } else {
    for (let i = 0; i < arr.length; i += 2) out.push([arr[i], arr[i + 1]]);
  }
  return out;
}
