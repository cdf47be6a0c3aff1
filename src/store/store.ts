/**
 * The keyspace: all databases of one server, the clock they read time from,
 * active expiry, and keyspace notifications.
 */
import type { Clock, ClockTimer } from '../clock/clock.js';
import { Database } from './database.js';

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

export interface StoreHooks {
  /** Deliver a message on a pub/sub channel (keyspace notifications). */
  publish?: (channel: string, message: string) => void;
  /** A key became ready for clients blocked on it (lists, zsets, streams). */
  keyReady?: (db: Database, key: string) => void;
}

export class Store {
  readonly dbs: Database[];
  /** notify-keyspace-events flags. */
  notifyFlags = 0;
  hooks: StoreHooks = {};
  private expiryTimer: ClockTimer | null = null;
  private expiryTimerAt = Infinity;
  private readonly unsubscribeClock: () => void;
  /** Counters for INFO stats. */
  stats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };

  constructor(
    readonly clock: Clock,
    databases = 16,
  ) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Database(i, this));
    this.unsubscribeClock = clock.onChange(() => this.activeExpire());
  }

  db(index: number): Database {
    const d = this.dbs[index];
    if (d === undefined) throw new RangeError(`RedKit: no database ${index} (databases: ${this.dbs.length})`);
    return d;
  }

  flushAll(): void {
    for (const d of this.dbs) d.flush();
  }

  /** Swap the contents of two databases (SWAPDB). */
  swap(a: number, b: number): void {
    const da = this.dbs[a];
    const db = this.dbs[b];
    const tmp = new Database(a, this);
    moveContents(da, tmp);
    moveContents(db, da);
    moveContents(tmp, db);
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
    if (at >= this.expiryTimerAt) return;
    this.expiryTimer?.cancel();
    this.expiryTimerAt = at;
    this.expiryTimer = this.clock.at(at, () => {
      this.expiryTimer = null;
      this.expiryTimerAt = Infinity;
      this.activeExpire();
    });
  }

  /** Remove expired keys in every database and schedule the next run. */
  activeExpire(): void {
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
    this.unsubscribeClock();
  }
}

function moveContents(from: Database, to: Database): void {
  to.data.clear();
  to.expires.clear();
  for (const [k, v] of from.data) to.data.set(k, v);
  for (const [k, at] of from.expires) to.setExpire(k, at);
  from.data.clear();
  from.expires.clear();
}
