/**
 * The keyspace: all databases of one server, the clock they read time from,
 * active expiry, and keyspace notifications.
 */
import type { Clock, ClockTimer } from '../clock/clock.js';
import { realClearTimeout, realSetTimeout } from '../clock/timers.js';
import { Database, LRU_CLOCK_MAX } from './database.js';

/** How a key lookup records the access (Store.accessMode). */
export const ACCESS_LRU = 0;
export const ACCESS_NONE = 1;
export const ACCESS_LFU = 2;
/** Redis's LFU_INIT_VAL: the counter of a new key. */
const LFU_INIT_VAL = 5;

/** Keyspace notification classes (notify-keyspace-events). */
export const NOTIFY = {
  KEYSPACE: 1 << 0, // K
  KEYEVENT: 1 << 1, // E
  GENERIC: 1 << 2, // g
  STRING: 1 << 3, // $
  LIST: 1 << 4, // l
  SET: 1 << 5, // s
  HASH: 1 << 6, // h
  ZSET: 1 << 7, // z
  EXPIRED: 1 << 8, // x
  EVICTED: 1 << 9, // e
  STREAM: 1 << 10, // t
  KEY_MISS: 1 << 11, // m
  LOADED: 1 << 12, // module only
  MODULE: 1 << 13, // d
  NEW: 1 << 14, // n
} as const;
const NOTIFY_ALL = NOTIFY.GENERIC | NOTIFY.STRING | NOTIFY.LIST | NOTIFY.SET | NOTIFY.HASH | NOTIFY.ZSET | NOTIFY.EXPIRED | NOTIFY.EVICTED | NOTIFY.STREAM | NOTIFY.MODULE;

/** Parse a notify-keyspace-events string; null when it has an unknown char. */
export function parseNotifyFlags(s: string): number | null {
  let f = 0;
  for (const c of s) {
    switch (c) {
      case 'A': f |= NOTIFY_ALL; break;
      case 'g': f |= NOTIFY.GENERIC; break;
      case '$': f |= NOTIFY.STRING; break;
      case 'l': f |= NOTIFY.LIST; break;
      case 's': f |= NOTIFY.SET; break;
      case 'h': f |= NOTIFY.HASH; break;
      case 'z': f |= NOTIFY.ZSET; break;
      case 'x': f |= NOTIFY.EXPIRED; break;
      case 'e': f |= NOTIFY.EVICTED; break;
      case 'K': f |= NOTIFY.KEYSPACE; break;
      case 'E': f |= NOTIFY.KEYEVENT; break;
      case 't': f |= NOTIFY.STREAM; break;
      case 'm': f |= NOTIFY.KEY_MISS; break;
      case 'd': f |= NOTIFY.MODULE; break;
      case 'n': f |= NOTIFY.NEW; break;
      default: return null;
    }
  }
  return f;
}

/** The canonical string for flags, as CONFIG GET prints it. */
export function notifyFlagsToString(f: number): string {
  let s = '';
  if ((f & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else {
    if (f & NOTIFY.GENERIC) s += 'g';
    if (f & NOTIFY.STRING) s += '$';
    if (f & NOTIFY.LIST) s += 'l';
    if (f & NOTIFY.SET) s += 's';
    if (f & NOTIFY.HASH) s += 'h';
    if (f & NOTIFY.ZSET) s += 'z';
    if (f & NOTIFY.EXPIRED) s += 'x';
    if (f & NOTIFY.EVICTED) s += 'e';
    if (f & NOTIFY.STREAM) s += 't';
    if (f & NOTIFY.MODULE) s += 'd';
  }
  if (f & NOTIFY.NEW) s += 'n';
  if (f & NOTIFY.KEYSPACE) s += 'K';
  if (f & NOTIFY.KEYEVENT) s += 'E';
  if (f & NOTIFY.KEY_MISS) s += 'm';
  return s;
}

/**
 * Client-side caching (server/tracking.ts) listens to key changes through
 * this; Store.tracker is null while nobody tracks, so a write pays one test.
 */
export interface KeyTracker {
  /** signalModifiedKey: the key was written, deleted or (`expired`) expired. */
  keyModified(key: string, expired: boolean): void;
  /** FLUSHDB / FLUSHALL: every key is invalid. */
  flushed(): void;
}

/** Sees key changes while maxmemory is set (server/eviction.ts). */
export interface SizeWatch {
  keyChanged(db: Database, key: string): void;
  /** Every key of the database may have changed (FLUSHDB, SWAPDB, a load). */
  dbReset(db: Database): void;
}

/**
 * The incremental memory account (store/memory-account.ts), once INFO memory
 * or MEMORY STATS has been asked: told before a key's value is replaced or
 * removed, and when a collection changed in place (Database.touch).
 */
export interface MemWatch {
  beforeChange(db: Database, key: string): void;
  /** Every key of the database may have changed (FLUSHDB, SWAPDB, a load). */
  dbReset(db: Database): void;
}

export interface StoreHooks {
  /** Deliver a message on a pub/sub channel (keyspace notifications). */
  publish?: (channel: string, message: string) => void;
  /** A key became ready for clients blocked on it (lists, zsets, streams). */
  keyReady?: (db: Database, key: string) => void;
  /**
   * Every key of the database may be gone (FLUSHDB, FLUSHALL, SWAPDB): the
   * blocking layer signals the keys clients wait on there, so a blocked
   * XREADGROUP learns its stream no longer exists.
   */
  dbEmptied?: (db: Database) => void;
}

export class Store {
  readonly dbs: Database[];
  /** notify-keyspace-events flags. */
  notifyFlags = 0;
  hooks: StoreHooks = {};
  /**
   * Clients blocked on keys (kept by the blocking layer). While 0, deletions
   * and overwrites skip the check for a stream someone may be reading.
   */
  keyWaiters = 0;
  /** Client-side caching, while any client tracks keys (see KeyTracker). */
  tracker: KeyTracker | null = null;
  /** maxmemory accounting (server/eviction.ts), only while maxmemory is set. */
  sizeWatch: SizeWatch | null = null;
  /** INFO memory's account (store/memory-account.ts), from the first INFO memory / MEMORY STATS on. */
  memWatch: MemWatch | null = null;
  /**
   * Replication (src/replication/): sees every modified key (with its
   * database) while the server feeds replicas; null costs one test per write.
   */
  replLog: ((db: Database, key: string, expired: boolean) => void) | null = null;
  /**
   * Changes since the last save (Redis's server.dirty, INFO persistence
   * rdb_changes_since_last_save): bumped where Redis 7.0 bumps it.
   */
  dirty = 0;
  /** Keys signalled as modified so far (Database.touch); a command's count is the difference. */
  touches = 0;
  private expiryTimer: ClockTimer | null = null;
  private expiryTimerAt = Infinity;
  private readonly unsubscribeClock: () => void;
  /** Counters for INFO stats. */
  stats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };

  /**
   * What a lookup does to the key's access record: ACCESS_LRU (stamp the LRU
   * clock), ACCESS_LFU (bump the log counter) or ACCESS_NONE (a CLIENT
   * NO-TOUCH client is running). Set per command by the keys group's gate.
   */
  accessMode = ACCESS_LRU;
  /**
   * Lookups by the running command count as keyspace hits/misses and a miss
   * sends `keymiss` (Redis's lookupKeyRead); false for writes and for the
   * in-process keyspace API. Set per command from Command.readLookups.
   */
  lookupStats = false;
  /** maxmemory-policy is an LFU policy (OBJECT FREQ works, OBJECT IDLETIME does not). */
  lfuEnabled = false;
  /** lfu-log-factor / lfu-decay-time. */
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Last key bumped by an LFU access in the current command (a write after a read counts once). */
  lfuLastKey: string | undefined = undefined;
  /**
   * Coarse LRU clock: clock seconds, 24 bits (Redis's server.lruclock). Kept
   * fresh by refreshLru() (at most once per clock second while commands run)
   * and whenever the clock jumps.
   */
  lruClock = 0;
  /** Clock minutes, 16 bits (LFUGetTimeInMinutes), refreshed with lruClock. */
  lfuClock = 0;
  /** lruClock is valid until the next clock second. */
  lruFresh = false;
  private lruTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly clock: Clock,
    databases = 16,
  ) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Database(i, this));
    this.unsubscribeClock = clock.onChange(() => {
      this.refreshLru();
      this.activeExpire();
    });
    this.refreshLru();
  }

  /** Recompute the LRU clock from the clock; valid until the next clock second. */
  refreshLru(): void {
    const now = this.clock.now();
    this.lruClock = Math.floor(now / 1000) & LRU_CLOCK_MAX;
    this.lfuClock = Math.floor(now / 60000) & 65535;
    this.lruFresh = true;
    // A real timer (not a clock timer: it must not show in clock.pendingTimers),
    // re-armed lazily by the next command, so an idle server runs no timer.
    if (this.lruTimer !== null) realClearTimeout(this.lruTimer);
    const t = realSetTimeout(() => {
      this.lruTimer = null;
      this.lruFresh = false;
    }, 1000 - (((now % 1000) + 1000) % 1000));
    t.unref?.();
    this.lruTimer = t;
  }

  /** The LRU clock now, computed fresh (OBJECT IDLETIME). */
  currentLruClock(): number {
    return Math.floor(this.clock.now() / 1000) & LRU_CLOCK_MAX;
  }

  /** Redis's LFUGetTimeInMinutes, computed fresh (OBJECT FREQ). */
  currentLfuClock(): number {
    return Math.floor(this.clock.now() / 60000) & 65535;
  }

  /** The packed LFU record of a new key. */
  lfuInit(): number {
    return this.lfuClock * 256 + LFU_INIT_VAL;
  }

  /** The decayed counter of a packed LFU record at minute `now` (LFUDecrAndReturn). */
  lfuDecay(packed: number, now: number = this.lfuClock): number {
    const ldt = packed >>> 8;
    const counter = packed & 255;
    if (this.lfuDecayTime === 0) return counter;
    const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    const periods = Math.floor(elapsed / this.lfuDecayTime);
    return periods > counter ? 0 : counter - periods;
  }

  /** An access: decay, then increment logarithmically (updateLFU / LFULogIncr). */
  lfuTouch(packed: number): number {
    let counter = this.lfuDecay(packed);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    return this.lfuClock * 256 + counter;
  }

  /** Apply maxmemory-policy (LFU policies switch the access record to a counter). */
  setLfu(enabled: boolean): void {
    if (enabled !== this.lfuEnabled) for (const d of this.dbs) d.forgetStamp();
    this.lfuEnabled = enabled;
    if (this.accessMode !== ACCESS_NONE) this.accessMode = enabled ? ACCESS_LFU : ACCESS_LRU;
  }

  /** Whether lookups by the command about to run record accesses (CLIENT NO-TOUCH). */
  setNoTouch(noTouch: boolean): void {
    this.accessMode = noTouch ? ACCESS_NONE : this.lfuEnabled ? ACCESS_LFU : ACCESS_LRU;
  }

  db(index: number): Database {
    const d = this.dbs[index];
    if (d === undefined) throw new RangeError(`RedKit: no database ${index} (databases: ${this.dbs.length})`);
    return d;
  }

  /** Empty every database (FLUSHALL); returns the number of keys removed. */
  flushAll(): number {
    let n = 0;
    // One null invalidation for the whole flush, not one per database.
    const t = this.tracker;
    this.tracker = null;
    try {
      for (const d of this.dbs) n += d.flush();
    } finally {
      this.tracker = t;
    }
    if (t !== null) t.flushed();
    return n;
  }

  /**
   * Swap the contents of two databases (SWAPDB): keys, TTLs, expiry index and
   * access times move; clients, WATCHes and blocked clients stay with their
   * db index. Watched keys that exist on either side are touched, and keys
   * now present are signalled ready for blocked clients.
   */
  swap(a: number, b: number): void {
    if (a === b) return;
    const da = this.db(a);
    const db = this.db(b);
    da.expireDue();
    db.expireDue();
    da.touchAllWatched(db);
    db.touchAllWatched(da);
    da.swapContents(db);
    if (this.keyWaiters !== 0 && this.hooks.dbEmptied !== undefined) {
      this.hooks.dbEmptied(da);
      this.hooks.dbEmptied(db);
    }
    const ready = this.hooks.keyReady;
    if (ready !== undefined) {
      for (const d of [da, db]) {
        for (const [k, v] of d.data) if (typeof v !== 'string' && v.type !== 'hash' && v.type !== 'set') ready(d, k);
      }
    }
    this.activeExpire();
  }

  /** Publish a keyspace notification if enabled for this class. */
  notify(type: number, event: string, key: string, dbid: number): void {
    const flags = this.notifyFlags;
    if (flags === 0 || (flags & type) === 0) return;
    const publish = this.hooks.publish;
    if (publish === undefined) return;
    if (flags & NOTIFY.KEYSPACE) publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags & NOTIFY.KEYEVENT) publish(`__keyevent@${dbid}__:${event}`, key);
  }

  /** Called by a Database when a key expired. */
  keyExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.notify(NOTIFY.EXPIRED, 'expired', key, db.id);
  }

  /** Called when a deadline is set: make sure active expiry runs by then. */
  expiryScheduled(_db: Database, at: number): void {
    // A deadline already past (SET ... PXAT <past>) is not expired inside the command that set it:
    // Redis leaves the key to its next access or its next active expiry cycle (the 'expired' event
    // comes then, after the command's own 'set'/'expire'); the clock would fire a past timer at once.
    // notNow: the clock may have passed `at` by the time at() reads it again (a busy machine),
    // which must not fire the timer inside this command either.
    const now = this.clock.now();
    if (at <= now) at = now + 1;
    if (at >= this.expiryTimerAt) return;
    this.expiryTimer?.cancel();
    this.expiryTimerAt = at;
    this.expiryTimer = this.clock.at(
      at,
      () => {
        this.expiryTimer = null;
        this.expiryTimerAt = Infinity;
        this.activeExpire();
      },
      true,
    );
  }

  /** DEBUG SET-ACTIVE-EXPIRE: false leaves expired keys until they are accessed. */
  activeExpireEnabled = true;

  /** Remove expired keys in every database and schedule the next run. */
  activeExpire(): void {
    if (!this.activeExpireEnabled) return;
    let next = Infinity;
    for (const d of this.dbs) {
      d.expireDue();
      const n = d.nextDeadline();
      if (n < next) next = n;
    }
    if (next !== Infinity && next < this.expiryTimerAt) {
      this.expiryTimer?.cancel();
      this.expiryTimerAt = next;
      this.expiryTimer = this.clock.at(next, () => {
        this.expiryTimer = null;
        this.expiryTimerAt = Infinity;
        this.activeExpire();
      });
    }
  }

  dispose(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    if (this.lruTimer !== null) realClearTimeout(this.lruTimer);
    this.lruTimer = null;
    this.lruFresh = false;
    this.unsubscribeClock();
  }
}

