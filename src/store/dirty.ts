/**
 * The dirty counter (Redis's server.dirty, INFO persistence
 * rdb_changes_since_last_save): how many changes the dataset saw since the
 * last save, bumped where Redis 7.0 bumps it.
 *
 * Most write commands say what they changed in their reply and arguments
 * (DEL answers how many keys it deleted, HSET changes one field per pair,
 * LPUSH one element per argument...), so their count is computed here, once
 * the command has answered, from a table: `Command.dirty` (set by
 * installDirty) gets the arguments, the reply and how many times the command
 * signalled a key as modified (Store.touches: SET NX that did not set,
 * SETBIT that left the bit, SINTERSTORE of an empty result on no key...
 * signal nothing and change nothing). The few commands whose count is known
 * only inside (PFADD's raised registers, LTRIM's trimmed elements, ZADD's
 * updated scores, popped sorted set members, flushed keys) add to
 * `store.dirty` themselves.
 *
 * Commands inside MULTI count one by one (EXEC adds nothing); a command that
 * fails counts what it changed before failing only where Redis does too.
 */
import { ReplyError } from '../errors.js';
import { NullArrayReply, SetReply, type Reply } from '../resp/reply.js';
import type { Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';

/** Changes made by one command: its arguments (after the name), its reply, the keys it signalled. */
export type DirtyCount = (args: string[], reply: Reply, touched: number) => number;

const failed = (r: Reply): boolean => r instanceof ReplyError;
const isNull = (r: Reply): boolean => r === null || r === undefined || r instanceof NullArrayReply;
const num = (r: Reply): number => (typeof r === 'number' ? r : typeof r === 'bigint' ? Number(r) : 0);
/** Elements of an array or set reply. */
const count = (r: Reply): number => (Array.isArray(r) ? r.length : r instanceof SetReply ? r.items.length : 0);

/** One change when the command signalled any key (it set, deleted or modified something). */
const ifTouched: DirtyCount = (_a, r, t) => (t > 0 && !failed(r) ? 1 : 0);
/** One change unless it failed. */
const one: DirtyCount = (_a, r) => (failed(r) ? 0 : 1);
/** As many changes as the integer reply says (DEL, SADD, SREM, HDEL...). */
const byReply: DirtyCount = (_a, r) => num(r);
/** One change when the reply is not null (pops, moves). */
const ifNotNull: DirtyCount = (_a, r) => (failed(r) || isNull(r) ? 0 : 1);
/** LPOP/RPOP/SPOP: one element, or as many as the array with a count. */
const popped: DirtyCount = (a, r, t) => (failed(r) || isNull(r) ? 0 : a.length === 1 ? 1 : t > 0 ? count(r) : 0);
/** LMPOP/BLMPOP: [key, elements]. */
const mpopped: DirtyCount = (_a, r) => (Array.isArray(r) && r.length === 2 ? count(r[1]) : 0);
/** *STORE commands: one change when they wrote or deleted the destination. */
const stored = ifTouched;

/** BITFIELD: one change per SET / INCRBY that ran (an overflow FAIL answers null and changes nothing). */
const bitfield: DirtyCount = (a, r) => {
  if (!Array.isArray(r)) return 0;
  let n = 0;
  let k = 0;
  for (let i = 1; i < a.length; i++) {
    const op = a[i].toLowerCase();
    if (op === 'get') {
      i += 2;
      k++;
    } else if (op === 'set' || op === 'incrby') {
      i += 3;
      if (r[k] !== null) n++;
      k++;
    } else if (op === 'overflow') i += 1;
  }
  return n;
};

/** SORT ... STORE, GEORADIUS ... STORE: the number of elements stored, or one for deleting the destination. */
const storedCount: DirtyCount = (_a, r, t) => {
  if (failed(r)) return 0;
  const n = num(r);
  return n > 0 ? n : t > 0 ? 1 : 0;
};
const hasStore = (a: string[], re: RegExp): boolean => a.some((x) => re.test(x));
const sortStore: DirtyCount = (a, r, t) => (hasStore(a, /^store$/i) ? storedCount(a, r, t) : 0);
const geoStore: DirtyCount = (a, r, t) => (hasStore(a, /^store(dist)?$/i) ? storedCount(a, r, t) : 0);

const TABLE: Record<string, DirtyCount> = {
  // strings
  set: ifTouched,
  setnx: byReply,
  setex: one,
  psetex: one,
  getset: one,
  getex: ifTouched,
  getdel: ifNotNull,
  setrange: ifTouched,
  append: one,
  incr: one,
  decr: one,
  incrby: one,
  decrby: one,
  incrbyfloat: one,
  mset: (a, r) => (failed(r) ? 0 : a.length >> 1),
  msetnx: (a, r) => (num(r) === 1 ? a.length >> 1 : 0),
  setbit: ifTouched,
  bitfield,
  bitop: stored,
  pfmerge: one,
  // keys
  del: byReply,
  unlink: byReply,
  expire: byReply,
  pexpire: byReply,
  expireat: byReply,
  pexpireat: byReply,
  persist: byReply,
  rename: ifTouched,
  renamenx: byReply,
  move: byReply,
  copy: byReply,
  swapdb: one,
  restore: one,
  'restore-asking': one,
  // lists
  lpush: (a, r) => (failed(r) ? 0 : a.length - 1),
  rpush: (a, r) => (failed(r) ? 0 : a.length - 1),
  lpushx: (a, r) => (num(r) > 0 ? a.length - 1 : 0),
  rpushx: (a, r) => (num(r) > 0 ? a.length - 1 : 0),
  linsert: (_a, r) => (num(r) > 0 ? 1 : 0),
  lset: one,
  lpop: popped,
  rpop: popped,
  lrem: byReply,
  rpoplpush: ifNotNull,
  lmove: ifNotNull,
  brpoplpush: ifNotNull,
  blmove: ifNotNull,
  blpop: ifNotNull,
  brpop: ifNotNull,
  lmpop: mpopped,
  blmpop: mpopped,
  // hashes
  hset: (a, r) => (failed(r) ? 0 : (a.length - 1) >> 1),
  hmset: (a, r) => (failed(r) ? 0 : (a.length - 1) >> 1),
  hsetnx: byReply,
  hdel: byReply,
  hincrby: one,
  hincrbyfloat: one,
  // sets
  sadd: byReply,
  srem: byReply,
  // SMOVE: the removal from the source, and the addition when the member was new there.
  smove: (_a, r, t) => (num(r) === 1 ? t : 0),
  spop: popped,
  sinterstore: stored,
  sunionstore: stored,
  sdiffstore: stored,
  // sorted sets (ZADD, ZINCRBY, GEOADD and the pops count themselves)
  zrem: byReply,
  zremrangebyscore: byReply,
  zremrangebyrank: byReply,
  zremrangebylex: byReply,
  zunionstore: stored,
  zinterstore: stored,
  zdiffstore: stored,
  zrangestore: stored,
  geosearchstore: storedCount,
  georadius: geoStore,
  georadiusbymember: geoStore,
  sort: sortStore,
};

/** Attach the counts to the built-in commands (after every group is installed). */
export function installDirty(server: RedKitServer): void {
  for (const [name, fn] of Object.entries(TABLE)) {
    const cmd = server.registry.get(name) as (Command & { dirty?: DirtyCount }) | undefined;
    if (cmd !== undefined && cmd.builtin) cmd.dirty = fn;
  }
}
