/**
 * maxmemory: the OOM check and key eviction (Redis 7.0 evict.c), on the same
 * memory model INFO memory reports (store/memory.ts).
 *
 * Cost while `maxmemory` is 0 (the default): nothing. Store.sizeWatch is null
 * (Database.touch pays one null test it already paid for tracking) and the
 * gate below only runs while the server's ATTENTION_MAXMEMORY bit is set.
 *
 * While `maxmemory` is set, an accountant keeps, per database, the model size
 * of every key and an array of keys for random sampling (Redis samples its
 * hashtables with dictGetSomeKeys / dictGetRandomKey; a JS Map has no random
 * access). Writes only mark their key dirty (Database.touch -> keyChanged);
 * sizes are recomputed lazily before the next command, so a SET with EX is
 * seen with its TTL. FLUSHDB, SWAPDB and RDB loads mark the whole database
 * for a rescan.
 *
 * Before every command (Redis's processCommand -> performEvictions):
 *   used = used_memory of the model (startup + clients + tables + keys)
 *   while used > maxmemory, pick a victim with the policy and delete it:
 *     - *-lru / *-lfu / volatile-ttl: Redis's eviction pool of 16 entries,
 *       filled with `maxmemory-samples` keys sampled from each database
 *       (all keys, or keys with a TTL for volatile-*), best candidate last:
 *       idle time (LRU), 255 - decayed counter (LFU), earliest deadline (TTL);
 *     - *-random: a random key, databases taken round robin.
 *   Each victim is deleted through Database.delete (WATCH, client-side
 *   caching invalidations, blocked XREADGROUP see it), counts in
 *   `evicted_keys` and sends the `evicted` keyspace event.
 *   If nothing is left to evict while still over the limit, commands flagged
 *   denyoom (and any command but EXEC/DISCARD/QUIT/RESET inside MULTI, and
 *   an EXEC whose queue has a denyoom command) answer
 *   -OOM command not allowed when used memory > 'maxmemory'.
 *
 * maxmemory-eviction-tenacity bounds the time one cycle may take, as in
 * Redis 7.0: 50 µs per step up to 10, then 15% more per step (~2 min at
 * 99), unlimited at 100. Every 16 evicted keys the cycle looks at the time it
 * took (real time: it is a CPU budget, like Redis's monotonic timer); past the
 * limit it stops, the command is admitted although memory is still over the
 * limit, and an eviction "time proc" goes on a cycle at a time on the server
 * clock (1 ms apart; with a frozen clock, as the clock is advanced) until
 * memory is under the limit or nothing is left to evict. Each command also
 * runs a cycle first. With tenacity 0 the limit is 0 µs: exactly 16 keys per
 * cycle, which the tests rely on. INFO stats total/current_eviction_exceeded_time
 * count the server-clock time spent over the limit.
 */
import type { ClockTimer } from '../clock/clock.js';
import { ReplyError } from '../errors.js';
import { CLIENT_BYTES, DEFAULT_SAMPLES, DICT_ENTRY, ROBJ, STARTUP_BYTES, dbOverhead, keyUsage } from '../store/memory.js';
import type { Database } from '../store/database.js';
import { forEachTransient } from '../store/lazy.js';
import { NOTIFY, type SizeWatch, type Store } from '../store/store.js';
import { F, type Command } from './registry.js';
import type { Context } from './context.js';
import type { RedKitServer } from './server.js';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";
/** Server attention bit while maxmemory is set (the gate runs only then). */
export const ATTENTION_MAXMEMORY = 1 << 21;
/** Redis's EVPOOL_SIZE. */
const EVPOOL_SIZE = 16;
/** performEvictions' results. */
const EVICT_OK = 0;
const EVICT_RUNNING = 1;
const EVICT_FAIL = 2;
/** Before MISCONF (5) and every other gate, as performEvictions in processCommand. */
const GATE_ORDER = 4;


type Policy = 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

/** Per database: the size of each key and arrays of keys to sample from. */
class DbAccount {
  sizes = new Map<string, number>();
  /** Every key, for sampling; `pos` maps a key to its index. */
  keys: string[] = [];
  pos = new Map<string, number>();
  /** Keys with a TTL (volatile-* policies), same scheme. */
  vkeys: string[] = [];
  vpos = new Map<string, number>();
  /** Σ (usage - dictEntry - robj): what snapshot() counts as dataset. */
  data = 0;
  dirty = new Set<string>();
  rescan = true;

  clear(): void {
    this.sizes.clear();
    this.keys = [];
    this.pos.clear();
    this.vkeys = [];
    this.vpos.clear();
    this.data = 0;
    this.dirty.clear();
  }
}

function arrAdd(arr: string[], pos: Map<string, number>, key: string): void {
  if (pos.has(key)) return;
  pos.set(key, arr.length);
  arr.push(key);
}

function arrRemove(arr: string[], pos: Map<string, number>, key: string): void {
  const i = pos.get(key);
  if (i === undefined) return;
  pos.delete(key);
  const last = arr.pop() as string;
  if (i < arr.length) {
    arr[i] = last;
    pos.set(last, i);
  }
}

function modelSize(key: string, v: Parameters<typeof keyUsage>[1], listFill: number): number {
  try {
    return keyUsage(key, v, DEFAULT_SAMPLES, listFill) - DICT_ENTRY - ROBJ;
  } catch {
    // As snapshot(): a value the model does not size (streams) counts as its robj only.
    return ROBJ - DICT_ENTRY - ROBJ;
  }
}

interface PoolEntry {
  idle: number;
  key: string;
  db: number;
}

export class Eviction implements SizeWatch {
  maxmemory = 0;
  /**
   * The last client command that passed the gate found memory over the limit with nothing to
   * evict (Redis's script_oom): scripting's checks read it when a script starts.
   */
  oomAtCommand = false;
  policy: Policy = 'noeviction';
  samples = 5;
  tenacity = 10;
  /** INFO stats evicted_keys. */
  evictedKeys = 0;
  /** The eviction time proc, while a cycle stopped at its time limit (Redis's isEvictionProcRunning). */
  private proc: ClockTimer | null = null;
  /** Server-clock ms since when memory is over the limit (stat_last_eviction_exceeded_time), or -1. */
  private exceededSince = -1;
  /** stat_total_eviction_exceeded_time, ms. */
  private exceededTotal = 0;
  private accounts: DbAccount[] | null = null;
  private readonly pool: PoolEntry[] = [];
  private nextDb = 0;

  constructor(
    private readonly server: RedKitServer,
    private readonly store: Store,
  ) {}

  /** Apply the parameters; accounting runs only while maxmemory > 0. */
  configure(): void {
    const on = this.maxmemory > 0;
    if (on && this.accounts === null) {
      this.accounts = this.store.dbs.map(() => new DbAccount());
      this.store.sizeWatch = this;
    } else if (!on && this.accounts !== null) {
      this.accounts = null;
      this.store.sizeWatch = null;
      this.pool.length = 0;
    }
    if (!on) this.stopProc();
    this.server.setAttention(ATTENTION_MAXMEMORY, on);
  }

  keyChanged(db: Database, key: string): void {
    const a = this.accounts;
    if (a !== null) a[db.id].dirty.add(key);
  }

  dbReset(db: Database): void {
    const a = this.accounts;
    if (a !== null) a[db.id].rescan = true;
  }

  private listFill(): number {
    const v = Number(this.server.config.get('list-max-listpack-size') ?? '-2');
    return Number.isFinite(v) ? v : -2;
  }

  /** CONFIG version and list-max-listpack-size the sizes were computed under (list sizes depend on it). */
  private configVersion = -1;
  private sizedFill = NaN;

  /** Bring the per-key sizes up to date (dirty keys, rescans). */
  private reconcile(): void {
    const accounts = this.accounts;
    if (accounts === null) return;
    let fill: number | undefined;
    const version = this.server.config.version;
    if (version !== this.configVersion) {
      this.configVersion = version;
      fill = this.listFill();
      if (fill !== this.sizedFill) {
        this.sizedFill = fill;
        for (const a of accounts) a.rescan = true;
      }
    }
    for (let i = 0; i < accounts.length; i++) {
      const a = accounts[i];
      const db = this.store.dbs[i];
      if (a.rescan) {
        a.clear();
        a.rescan = false;
        fill ??= this.listFill();
        const f = fill;
        // Packed values of a loaded file are built for the count, not kept (store/lazy.ts).
        forEachTransient(db.data, (k, v) => {
          const s = modelSize(k, v, f);
          a.sizes.set(k, s);
          a.data += s;
          arrAdd(a.keys, a.pos, k);
          if (db.expires.has(k)) arrAdd(a.vkeys, a.vpos, k);
        });
        continue;
      }
      if (a.dirty.size === 0) continue;
      fill ??= this.listFill();
      for (const k of a.dirty) {
        const v = db.data.get(k);
        const old = a.sizes.get(k);
        if (v === undefined) {
          if (old !== undefined) {
            a.data -= old;
            a.sizes.delete(k);
            arrRemove(a.keys, a.pos, k);
            arrRemove(a.vkeys, a.vpos, k);
          }
          continue;
        }
        const s = modelSize(k, v, fill);
        a.data += s - (old ?? 0);
        a.sizes.set(k, s);
        arrAdd(a.keys, a.pos, k);
        if (db.expires.has(k)) arrAdd(a.vkeys, a.vpos, k);
        else arrRemove(a.vkeys, a.vpos, k);
      }
      a.dirty.clear();
    }
  }

  /** used_memory as INFO memory computes it, from the accounts. */
  usedMemory(): number {
    this.reconcile();
    let used = STARTUP_BYTES + this.server.connections.size * CLIENT_BYTES;
    const accounts = this.accounts;
    for (const db of this.store.dbs) {
      if (db.data.size === 0) continue;
      const o = dbOverhead(db);
      used += o.main + o.expires;
      if (accounts !== null) used += accounts[db.id].data;
    }
    return used;
  }

  /**
   * performEvictions: evict until used memory is under maxmemory, or until
   * the cycle's time limit (tenacity). Returns false when still over the
   * limit with nothing evicted to come (nothing left to evict, or
   * noeviction); true when under it or while the time proc goes on.
   */
  perform(): boolean {
    const r = this.cycle();
    this.exceeded(r);
    return r !== EVICT_FAIL;
  }

  private cycle(): number {
    if (this.maxmemory <= 0) return EVICT_OK;
    let used = this.usedMemory();
    if (used <= this.maxmemory) return EVICT_OK;
    if (this.policy === 'noeviction') return EVICT_FAIL;
    // Expired keys are not evicted but removed (active expiry first).
    this.store.activeExpire();
    const limitMs = this.timeLimitUs() / 1000;
    const start = performance.now();
    let freed = 0;
    while (used > this.maxmemory) {
      const victim = this.pick();
      if (victim === undefined) return EVICT_FAIL;
      const [db, key] = victim;
      if (!db.delete(key)) {
        // Gone already (expired on the way): forget it.
        this.keyChanged(db, key);
        used = this.usedMemory();
        continue;
      }
      this.evictedKeys++;
      this.store.notify(NOTIFY.EVICTED, 'evicted', key, db.id);
      used = this.usedMemory();
      if (++freed % 16 === 0 && used > this.maxmemory && performance.now() - start > limitMs) {
        this.startProc();
        break;
      }
    }
    return this.proc !== null ? EVICT_RUNNING : EVICT_OK;
  }

  /** evictionTimeLimitUs. */
  private timeLimitUs(): number {
    const t = this.tenacity;
    if (t <= 10) return 50 * t;
    if (t < 100) return 500 * Math.pow(1.15, t - 10);
    return Infinity;
  }

  private startProc(): void {
    if (this.proc !== null) return;
    this.proc = this.server.clock.after(1, () => {
      this.proc = null;
      try {
        this.perform();
      } catch (e) {
        this.server.logger.error(`eviction: ${e instanceof Error ? e.stack : String(e)}`);
      }
    });
  }

  private stopProc(): void {
    if (this.proc !== null) {
      this.proc.cancel();
      this.proc = null;
    }
  }

  /** True while an eviction cycle stopped at its time limit and the time proc goes on. */
  get evicting(): boolean {
    return this.proc !== null;
  }

  /** The stat_*_eviction_exceeded_time bookkeeping. */
  private exceeded(r: number): void {
    if (r === EVICT_OK) {
      if (this.exceededSince >= 0) {
        this.exceededTotal += this.server.clock.now() - this.exceededSince;
        this.exceededSince = -1;
      }
    } else if (this.exceededSince < 0) this.exceededSince = this.server.clock.now();
  }

  /** INFO stats: [total_eviction_exceeded_time, current_eviction_exceeded_time] in ms. */
  exceededTimes(): [number, number] {
    const cur = this.exceededSince >= 0 ? this.server.clock.now() - this.exceededSince : 0;
    return [this.exceededTotal + cur, cur];
  }

  /** The next victim under the current policy, or undefined when nothing is evictable. */
  private pick(): [Database, string] | undefined {
    const accounts = this.accounts;
    if (accounts === null) return undefined;
    const dbs = this.store.dbs;
    const volatile = this.policy.startsWith('volatile-');
    if (this.policy.endsWith('-random')) {
      for (let i = 0; i < dbs.length; i++) {
        const j = ++this.nextDb % dbs.length;
        const a = accounts[j];
        const arr = volatile ? a.vkeys : a.keys;
        while (arr.length !== 0) {
          const k = arr[Math.floor(Math.random() * arr.length)];
          if (this.stillThere(dbs[j], k, volatile)) return [dbs[j], k];
        }
      }
      return undefined;
    }
    const pool = this.pool;
    for (;;) {
      let total = 0;
      for (let i = 0; i < dbs.length; i++) {
        const a = accounts[i];
        const arr = volatile ? a.vkeys : a.keys;
        if (arr.length === 0) continue;
        total += arr.length;
        this.populate(dbs[i], arr, volatile);
      }
      if (total === 0) return undefined;
      // Best candidate last; entries whose key is gone are ghosts.
      while (pool.length !== 0) {
        const e = pool.pop() as PoolEntry;
        const db = dbs[e.db];
        if (db.data.has(e.key) && (!volatile || db.expires.has(e.key))) return [db, e.key];
      }
    }
  }

  /** The key is still there (and still volatile when sampling volatile keys); fixes the arrays otherwise. */
  private stillThere(db: Database, key: string, volatile: boolean): boolean {
    const a = (this.accounts as DbAccount[])[db.id];
    if (!db.data.has(key)) {
      const old = a.sizes.get(key);
      if (old !== undefined) a.data -= old;
      a.sizes.delete(key);
      arrRemove(a.keys, a.pos, key);
      arrRemove(a.vkeys, a.vpos, key);
      return false;
    }
    if (volatile && !db.expires.has(key)) {
      arrRemove(a.vkeys, a.vpos, key);
      return false;
    }
    return true;
  }

  /** evictionPoolPopulate: sample keys of one database into the pool (ascending idle, best last). */
  private populate(db: Database, arr: string[], volatile: boolean): void {
    const pool = this.pool;
    const n = Math.min(this.samples, arr.length);
    const picked = n === arr.length ? arr.slice() : sampleDistinct(arr, n);
    for (const key of picked) {
      if (!this.stillThere(db, key, volatile)) continue;
      let idle: number;
      if (this.policy.endsWith('-lru')) idle = db.idleSeconds(key);
      else if (this.policy.endsWith('-lfu')) idle = 255 - db.frequency(key);
      else idle = -(db.getExpire(key) ?? Infinity);
      // Find the first entry with a greater idle (entries are ascending).
      let k = 0;
      while (k < pool.length && pool[k].idle < idle) k++;
      if (k === 0 && pool.length === EVPOOL_SIZE) continue; // worse than everything in a full pool
      // Same key already pooled: keep one entry.
      const dup = pool.findIndex((e) => e.key === key && e.db === db.id);
      if (dup >= 0) {
        pool.splice(dup, 1);
        if (dup < k) k--;
      }
      pool.splice(k, 0, { idle, key, db: db.id });
      if (pool.length > EVPOOL_SIZE) pool.shift();
    }
  }

  /** The gate: evict, then refuse what needs memory when still over. */
  gate(ctx: Context, cmd: Command): ReplyError | undefined {
    const ok = this.perform();
    // Redis's script_oom: what a script started by this command (EVAL, FCALL, EXEC) checks.
    this.oomAtCommand = !ok;
    if (ok) return undefined;
    const flags = this.server.flagsOf(ctx, cmd);
    let reject = (flags & F.denyoom) !== 0;
    if (!reject && ctx.inMulti) {
      const top = (cmd.parent ?? cmd).name;
      reject = top !== 'exec' && top !== 'discard' && top !== 'quit' && top !== 'reset';
    }
    return reject ? new ReplyError(OOM_ERROR) : undefined;
  }
}

/** n distinct random elements of arr (n < arr.length). */
function sampleDistinct(arr: string[], n: number): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  while (out.length < n) {
    const i = Math.floor(Math.random() * arr.length);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(arr[i]);
  }
  return out;
}

const evictions = new WeakMap<RedKitServer, Eviction>();

/** The server's eviction state (INFO stats, the fixture). */
export function evictionOf(server: RedKitServer): Eviction {
  let e = evictions.get(server);
  if (e === undefined) {
    e = new Eviction(server, server.store);
    evictions.set(server, e);
  }
  return e;
}

/** Install maxmemory handling: config listeners and the OOM gate. */
export function installEviction(server: RedKitServer): void {
  const ev = evictionOf(server);
  const cfg = server.config;
  const num = (name: string, dflt: number): number => {
    const v = Number(cfg.get(name) ?? dflt);
    return Number.isFinite(v) ? v : dflt;
  };
  const apply = (): void => {
    ev.maxmemory = num('maxmemory', 0);
    ev.policy = (cfg.get('maxmemory-policy') ?? 'noeviction').toLowerCase() as Policy;
    ev.samples = Math.max(1, num('maxmemory-samples', 5));
    ev.tenacity = num('maxmemory-eviction-tenacity', 10);
    ev.configure();
  };
  for (const p of ['maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'maxmemory-eviction-tenacity']) cfg.define(p, apply);
  apply();
  server.addGate((ctx, cmd) => ev.gate(ctx, cmd), GATE_ORDER, { onAttention: true });
}
