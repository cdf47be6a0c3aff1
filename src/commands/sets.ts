/**
 * Set commands (t_set.c, Redis 7.0).
 *
 * Replies follow the set's own order, which for an intset is ascending, as
 * Redis's are: SMEMBERS / SSCAN of an intset, and the results of SINTER
 * (walks the smallest set), SUNION / SDIFF (build a temporary set that is an
 * intset while it can be) come out byte for byte as redis-server sends them.
 * A hashtable's order is unspecified in Redis and here.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { EMPTY_ARRAY, SetReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { NOTIFY } from '../store/store.js';
import { compareIntMembers, isIntsetMember, RSet, SET_MAX_INTSET_ENTRIES_DEFAULT } from '../store/types/set.js';
import { cursorTable, matcher, parseCursor, parseScanOptions, scanStep } from './scan.js';
import { defineCommands, getTyped, longAtLeast } from './util.js';

const E_NUMKEYS_ARGS = "ERR Number of keys can't be greater than number of args";
/**
 * SRANDMEMBER with a negative count returns |count| picks. Redis streams that
 * many (a huge count exhausts its memory); RedKit builds the reply in memory,
 * so it refuses counts above this instead of taking the process down.
 */
export const SRANDMEMBER_MAX_REPEAT = 1 << 24;
const E_SRANDMEMBER_TOO_MANY = `ERR value is out of range, RedKit returns at most ${SRANDMEMBER_MAX_REPEAT} repeated random members`;

/** SPOP: above this ratio of popped to remaining members, the kept ones are drawn instead (Redis's SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER: below this ratio of size to count, the set is copied and thinned (SRANDMEMBER_SUB_STRATEGY_MUL). */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

const EMPTY_SCAN: Reply = ['0', []];

// ---- helpers ----------------------------------------------------------------------------

/** set-max-intset-entries, read from CONFIG when an intset may grow (as Redis reads it on each add). */
function maxIntset(ctx: Context): number {
  const v = Number(ctx.server.config.get('set-max-intset-entries'));
  return Number.isFinite(v) && v >= 0 ? v : SET_MAX_INTSET_ENTRIES_DEFAULT;
}

const getSet = (db: Database, key: string): RSet | undefined => getTyped<RSet>(db, key, 'set');

/** The sets at `keys` (undefined for missing keys); WRONGTYPE if any key holds another type. */
function lookupSets(db: Database, keys: string[], from: number, to: number): Array<RSet | undefined> {
  const out: Array<RSet | undefined> = new Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = getSet(db, keys[i]);
  return out;
}

/**
 * A set-operation result as Redis builds it: in a temporary set that starts
 * as an intset. `intset` tells whether that set is still an intset at the end
 * (then the members come out ascending, and a *STORE stores an intset).
 */
interface OpResult {
  members: string[];
  intset: boolean;
}

/**
 * Finish a result: it is an intset when `intsetPossible` (nothing converted
 * the temporary set while it was built), every member is an integer and there
 * are few enough of them. `knownInts` skips the member check.
 */
function finish(members: string[], intsetPossible: boolean, knownInts: boolean, max: number): OpResult {
  const intset = intsetPossible && fitsIntset(members, knownInts, max);
  if (intset) members.sort(compareIntMembers);
  return { members, intset };
}

/** Whether adding `members` to an empty intset leaves an intset. */
function fitsIntset(members: readonly string[], knownInts: boolean, max: number): boolean {
  if (members.length > Math.min(max, 1 << 30)) return false;
  if (!knownInts) for (let i = 0; i < members.length; i++) if (!isIntsetMember(members[i])) return false;
  return true;
}

/** Store a set-operation result at dst (or delete dst when empty), as *STORE commands do. */
function storeResult(ctx: Context, dst: string, res: OpResult, event: string): Reply {
  const db = ctx.db;
  const n = res.members.length;
  if (n > 0) {
    const set = RSet.fromDistinct(res.members, maxIntset(ctx));
    if (!res.intset) set.toHashtable();
    db.set(dst, set);
    ctx.store.notify(NOTIFY.SET, event, dst, db.id);
    return n;
  }
  if (db.delete(dst)) ctx.store.notify(NOTIFY.GENERIC, 'del', dst, db.id);
  return 0;
}

// ---- single-key commands ----------------------------------------------------------------

function sadd(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  let set = getSet(db, key);
  const created = set === undefined;
  if (set === undefined) set = new RSet();
  const max = set.isIntset ? maxIntset(ctx) : SET_MAX_INTSET_ENTRIES_DEFAULT;
  let added = 0;
  for (let i = 1; i < args.length; i++) if (set.add(args[i], max)) added++;
  if (created) db.set(key, set);
  else if (added !== 0) db.touch(key);
  if (added !== 0) ctx.store.notify(NOTIFY.SET, 'sadd', key, db.id);
  return added;
}

function srem(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const key = args[0];
  const set = getSet(db, key);
  if (set === undefined) return 0;
  let deleted = 0;
  let removed = false;
  for (let i = 1; i < args.length; i++) {
    if (set.delete(args[i])) {
      deleted++;
      if (set.size === 0) {
        db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted !== 0) {
    if (!removed) db.touch(key);
    ctx.store.notify(NOTIFY.SET, 'srem', key, db.id);
    if (removed) ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  }
  return deleted;
}

function scard(ctx: Context, args: string[]): Reply {
  return getSet(ctx.db, args[0])?.size ?? 0;
}

function sismember(ctx: Context, args: string[]): Reply {
  const set = getSet(ctx.db, args[0]);
  return set !== undefined && set.has(args[1]) ? 1 : 0;
}

function smismember(ctx: Context, args: string[]): Reply {
  const set = getSet(ctx.db, args[0]);
  const out: Reply[] = new Array(args.length - 1);
  for (let i = 1; i < args.length; i++) out[i - 1] = set !== undefined && set.has(args[i]) ? 1 : 0;
  return out;
}

function smembers(ctx: Context, args: string[]): Reply {
  const set = getSet(ctx.db, args[0]);
  return new SetReply(set === undefined ? [] : set.toArray());
}

function smove(ctx: Context, args: string[]): Reply {
  const db = ctx.db;
  const [srcKey, dstKey, member] = args;
  const srcV = db.get(srcKey);
  const dstV = db.get(dstKey);
  if (srcV === undefined) return 0;
  if (typeof srcV === 'string' || srcV.type !== 'set') throw new ReplyError(Err.wrongType);
  if (dstV !== undefined && (typeof dstV === 'string' || dstV.type !== 'set')) throw new ReplyError(Err.wrongType);
  const src = srcV as RSet;
  let dst = dstV as RSet | undefined;
  if (src === dst) return src.has(member) ? 1 : 0;
  if (!src.delete(member)) return 0;
  ctx.store.notify(NOTIFY.SET, 'srem', srcKey, db.id);
  if (src.size === 0) {
    db.delete(srcKey);
    ctx.store.notify(NOTIFY.GENERIC, 'del', srcKey, db.id);
  } else db.touch(srcKey);
  let added: boolean;
  if (dst === undefined) {
    dst = new RSet();
    added = dst.add(member, maxIntset(ctx));
    db.set(dstKey, dst);
  } else {
    added = dst.add(member, dst.isIntset ? maxIntset(ctx) : SET_MAX_INTSET_ENTRIES_DEFAULT);
    if (added) db.touch(dstKey);
  }
  if (added) ctx.store.notify(NOTIFY.SET, 'sadd', dstKey, db.id);
  return 1;
}

// ---- random members ---------------------------------------------------------------------

function spop(ctx: Context, args: string[]): Reply {
  if (args.length > 2) throw new ReplyError(Err.syntax);
  if (args.length === 2) return spopWithCount(ctx, args[0], args[1]);
  const db = ctx.db;
  const key = args[0];
  const set = getSet(db, key);
  if (set === undefined) return null;
  const member = set.popRandom();
  ctx.store.notify(NOTIFY.SET, 'spop', key, db.id);
  if (set.size === 0) {
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
  } else db.touch(key);
  return member;
}

function spopWithCount(ctx: Context, key: string, rawCount: string): Reply {
  const count = longAtLeast(rawCount, 0, Err.mustBePositive);
  const db = ctx.db;
  const set = getSet(db, key);
  if (set === undefined || count === 0) return new SetReply([]);
  const size = set.size;
  ctx.store.notify(NOTIFY.SET, 'spop', key, db.id);
  if (count >= size) {
    // Everything goes: Redis replies with SUNION of the set (so a hashtable of
    // few integers comes out ascending), then deletes it.
    const all = finish(set.toArray(), true, set.isIntset, maxIntset(ctx)).members;
    db.delete(key);
    ctx.store.notify(NOTIFY.GENERIC, 'del', key, db.id);
    return new SetReply(all);
  }
  const remaining = size - count;
  let popped: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    popped = new Array(count);
    for (let i = 0; i < count; i++) popped[i] = set.popRandom();
  } else {
    // Draw the members that stay; the rest is the reply, in the set's order.
    // Redis stores the kept members as a new set, so its encoding is
    // derived afresh (a hashtable of a few integers becomes an intset).
    const kept: string[] = new Array(remaining);
    for (let i = 0; i < remaining; i++) kept[i] = set.popRandom();
    popped = set.toArray();
    db.replaceValue(key, RSet.fromDistinct(kept, maxIntset(ctx)));
  }
  db.touch(key);
  return new SetReply(popped);
}

function srandmember(ctx: Context, args: string[]): Reply {
  if (args.length > 2) throw new ReplyError(Err.syntax);
  if (args.length === 2) return srandmemberWithCount(ctx, args[0], args[1]);
  const set = getSet(ctx.db, args[0]);
  return set === undefined ? null : set.random();
}

function srandmemberWithCount(ctx: Context, key: string, rawCount: string): Reply {
  const l = parseIntStrict(rawCount);
  if (l === null) throw new ReplyError(Err.notInteger);
  if (l === -9223372036854775808n) throw new ReplyError(Err.randCountRange);
  const set = getSet(ctx.db, key);
  if (set === undefined || l === 0) return EMPTY_ARRAY;
  const size = set.size;
  const uniq = l > 0;
  if (!uniq || l === 1) {
    // Picks with repeats (count 1 also comes this way).
    if (-l > SRANDMEMBER_MAX_REPEAT) throw new ReplyError(E_SRANDMEMBER_TOO_MANY);
    const count = Math.abs(Number(l));
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = set.random();
    return out;
  }
  if (l >= size) return set.toArray();
  const count = Number(l);
  const members = set.view();
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // Close to the whole set: a partial shuffle of a copy.
    const a = members.slice();
    for (let i = 0; i < count; i++) {
      const j = i + ((Math.random() * (size - i)) | 0);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    a.length = count;
    return a;
  }
  // Much bigger than count: draw until enough distinct members.
  const picked = new Set<string>();
  while (picked.size < count) picked.add(set.random());
  return Array.from(picked);
}

// ---- set algebra ------------------------------------------------------------------------

/** The distinct sets to probe, smallest first (Redis sorts by cardinality; ties keep key order). */
function bySize(sets: RSet[]): RSet[] {
  const sorted = sets.slice().sort((a, b) => a.size - b.size);
  const out: RSet[] = [];
  for (const s of sorted) if (!out.includes(s)) out.push(s);
  return out;
}

/**
 * Members of the intersection, walking the smallest set in its order (so an
 * intset smallest set gives an ascending result).
 */
function intersect(sets: RSet[]): string[] {
  const [first, ...others] = bySize(sets);
  const members = first.view();
  if (others.length === 0) return members.slice();
  const out: string[] = [];
  outer: for (let i = 0; i < members.length; i++) {
    const m = members[i];
    for (let j = 0; j < others.length; j++) if (!others[j].has(m)) continue outer;
    out.push(m);
  }
  return out;
}

/** Size of the intersection, stopping at `limit` when it is > 0 (SINTERCARD). */
function intersectCount(sets: RSet[], limit: number): number {
  const [first, ...others] = bySize(sets);
  const members = first.view();
  const max = limit > 0 && limit < members.length ? limit : members.length;
  if (others.length === 0) return max;
  let n = 0;
  outer: for (let i = 0; i < members.length; i++) {
    const m = members[i];
    for (let j = 0; j < others.length; j++) if (!others[j].has(m)) continue outer;
    if (++n >= max) break;
  }
  return n;
}

/** SINTER / SINTERSTORE / SINTERCARD core: the sets, or null when a key is missing (empty result). */
function interSets(ctx: Context, keys: string[], from: number, to: number): RSet[] | null {
  const sets = lookupSets(ctx.db, keys, from, to);
  for (const s of sets) if (s === undefined) return null;
  return sets as RSet[];
}

function sinter(ctx: Context, args: string[]): Reply {
  const sets = interSets(ctx, args, 0, args.length);
  return new SetReply(sets === null ? [] : intersect(sets));
}

function sinterstore(ctx: Context, args: string[]): Reply {
  const sets = interSets(ctx, args, 1, args.length);
  return storeResult(ctx, args[0], finish(sets === null ? [] : intersect(sets), true, false, maxIntset(ctx)), 'sinterstore');
}

function sintercard(ctx: Context, args: string[]): Reply {
  const numkeys = longAtLeast(args[0], 1, Err.numkeys);
  if (numkeys > args.length - 1) throw new ReplyError(E_NUMKEYS_ARGS);
  let limit = 0;
  for (let j = 1 + numkeys; j < args.length; j++) {
    if (args[j].toUpperCase() === 'LIMIT' && j + 1 < args.length) {
      j++;
      limit = longAtLeast(args[j], 0, Err.limitNegative);
    } else throw new ReplyError(Err.syntax);
  }
  const sets = interSets(ctx, args, 1, 1 + numkeys);
  return sets === null ? 0 : intersectCount(sets, limit);
}

/** Keys of SINTERCARD numkeys key [key ...] (indexes into args). */
function sintercardKeys(args: string[]): number[] {
  const n = parseIntStrict(args[0] ?? '');
  if (n === null || n < 1 || n > args.length - 1) return [];
  const out: number[] = [];
  for (let i = 1; i <= Number(n); i++) out.push(i);
  return out;
}

/** The union: every member goes into the temporary set. */
function union(ctx: Context, sets: Array<RSet | undefined>): OpResult {
  const seen = new Set<string>();
  let ints = true;
  for (const s of sets) {
    if (s === undefined) continue;
    const members = s.view();
    if (!s.isIntset) ints = false;
    for (let i = 0; i < members.length; i++) seen.add(members[i]);
  }
  return finish(Array.from(seen), true, ints, maxIntset(ctx));
}

/**
 * The difference (first set minus the others), with Redis's choice of
 * algorithm, which is observable: walking the first set adds only the result
 * to the temporary set, while copying it adds all of the first set, so a big
 * or non-integer first set makes the result a hashtable however small.
 */
function difference(ctx: Context, sets: Array<RSet | undefined>): OpResult {
  const max = maxIntset(ctx);
  const first = sets[0];
  if (first === undefined) return { members: [], intset: true };
  const others: RSet[] = [];
  let nonNull = 1;
  let total = first.size;
  for (let j = 1; j < sets.length; j++) {
    const s = sets[j];
    if (s === undefined) continue;
    if (s === first) return { members: [], intset: true }; // A \ A = {}
    nonNull++;
    total += s.size;
    if (!others.includes(s)) others.push(s);
  }
  const members = first.view();
  if (Math.floor((first.size * nonNull) / 2) <= total) {
    // Walk the first set, probing the others (biggest first: more likely to hit).
    others.sort((a, b) => b.size - a.size);
    const out: string[] = [];
    outer: for (let i = 0; i < members.length; i++) {
      const m = members[i];
      for (let j = 0; j < others.length; j++) if (others[j].has(m)) continue outer;
      out.push(m);
    }
    return finish(out, true, first.isIntset, max);
  }
  // Copy the first set and strike out the members of the others.
  const rest = new Set(members);
  for (const o of others) {
    for (const m of o.view()) rest.delete(m);
    if (rest.size === 0) break;
  }
  return finish(Array.from(rest), fitsIntset(members, first.isIntset, max), first.isIntset, max);
}

function sunion(ctx: Context, args: string[]): Reply {
  return new SetReply(union(ctx, lookupSets(ctx.db, args, 0, args.length)).members);
}

function sunionstore(ctx: Context, args: string[]): Reply {
  return storeResult(ctx, args[0], union(ctx, lookupSets(ctx.db, args, 1, args.length)), 'sunionstore');
}

function sdiff(ctx: Context, args: string[]): Reply {
  return new SetReply(difference(ctx, lookupSets(ctx.db, args, 0, args.length)).members);
}

function sdiffstore(ctx: Context, args: string[]): Reply {
  return storeResult(ctx, args[0], difference(ctx, lookupSets(ctx.db, args, 1, args.length)), 'sdiffstore');
}

// ---- SSCAN ------------------------------------------------------------------------------

function sscan(ctx: Context, args: string[]): Reply {
  const cursor = parseCursor(args[1]);
  const set = getSet(ctx.db, args[0]);
  if (set === undefined) return EMPTY_SCAN;
  const opts = parseScanOptions(args, 2);
  const accept = matcher(opts.match);
  if (set.isIntset) {
    // Redis answers a small encoding in one go, whatever the cursor and COUNT.
    const members = set.view();
    const items: string[] = [];
    for (let i = 0; i < members.length; i++) if (accept(members[i])) items.push(members[i]);
    return ['0', items];
  }
  const r = scanStep(cursorTable(ctx.server), cursor, set, () => set.liveIterator(), opts.count, accept);
  return [String(r.cursor), r.items];
}

export function installSets(server: RedKitServer): void {
  defineCommands(server, {
    sadd,
    srem,
    scard,
    sismember,
    smismember,
    smembers,
    smove,
    spop,
    srandmember,
    sinter,
    sinterstore,
    sintercard: { handler: sintercard, getKeys: sintercardKeys },
    sunion,
    sunionstore,
    sdiff,
    sdiffstore,
    sscan,
  });
}
