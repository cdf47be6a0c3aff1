/**
 * used_memory without walking the keyspace: the memory model of memory.ts
 * (snapshot()) kept up to date incrementally, so INFO memory, MEMORY STATS
 * and MEMORY DOCTOR cost O(databases + keys changed since the last call)
 * instead of O(keys).
 *
 * The account is created by the first call (which walks every database
 * once, as snapshot() does) and then stays installed as Store.memWatch.
 * While none is installed the hot path pays one null test per write.
 *
 * Per database it keeps Σ over keys of (keyUsage - dictEntry - robj), the
 * "dataset" part of snapshot(); the hashtable overheads and the client
 * figures are O(1) and computed on each call. What it relies on:
 *   - Database calls beforeChange(key) before a value is replaced or removed
 *     (set, replaceValue, delete, expiry) and after a collection changed in
 *     place (touch): the key's counted size leaves the total and the key is
 *     marked dirty; the next call counts it again from its current value;
 *   - a string value cannot change in place, so its counted size is
 *     recomputed from the value itself; a collection's counted size is
 *     remembered per key (sizes), since it has changed when touch() is called;
 *   - FLUSHDB, SWAPDB and loads (flushAll before the tables are replaced)
 *     call dbReset: that database is walked again on the next call;
 *   - list sizes depend on list-max-listpack-size: a change of it walks
 *     everything again;
 *   - when more than max(4096, a quarter of its keys) are dirty, a database
 *     stops tracking keys and is walked on the next call (a bulk load
 *     between two INFO calls costs what it cost before, no more).
 * test/property/memory-account.test.ts compares it with snapshot() after
 * random commands.
 */
import { forEachTransient } from './lazy.js';
import { keyContribution, snapshotWith, type MemorySnapshot } from './memory.js';
import type { Database } from './database.js';
import type { MemWatch, Store } from './store.js';

export { keyContribution };

/** Dirty keys kept at least (beyond, a quarter of the database's keys) before falling back to a walk. */
const DIRTY_MAX = 4096;

class DbMemory {
  /** Σ contributions of the keys that are not dirty. */
  data = 0;
  /** Counted contribution of each clean key holding a collection (or any non-string value). */
  readonly sizes = new Map<string, number>();
  /** Keys whose contribution is not in `data` (changed since last counted). */
  readonly dirty = new Set<string>();
  /** Walk the whole database on the next call. */
  rescan = true;
}

export class MemoryAccount implements MemWatch {
  private readonly dbs: DbMemory[];
  private fill: number;

  constructor(
    private readonly store: Store,
    listFill: number,
  ) {
    this.dbs = store.dbs.map(() => new DbMemory());
    this.fill = listFill;
  }

  /** The account of a store, installed on first use. */
  static of(store: Store, listFill: number): MemoryAccount {
    const w = store.memWatch;
    if (w instanceof MemoryAccount) return w;
    const a = new MemoryAccount(store, listFill);
    store.memWatch = a;
    return a;
  }

  beforeChange(db: Database, key: string): void {
    const a = this.dbs[db.id];
    if (a === undefined || a.rescan) return;
    const dirty = a.dirty;
    const n = dirty.size;
    if (n >= DIRTY_MAX && n >= db.data.size >> 2) {
      // Most keys changed since the last call: walking the database then is
      // cheaper than tracking every key (and keeps this set bounded).
      a.rescan = true;
      dirty.clear();
      a.sizes.clear();
      return;
    }
    dirty.add(key);
    if (dirty.size === n) return; // already out of the total
    const v = db.data.get(key);
    if (v === undefined) return; // a new key: nothing counted yet
    if (typeof v === 'string') {
      a.data -= keyContribution(key, v, this.fill);
      return;
    }
    const s = a.sizes.get(key);
    if (s !== undefined) {
      a.data -= s;
      a.sizes.delete(key);
    }
  }

  dbReset(db: Database): void {
    const a = this.dbs[db.id];
    if (a !== undefined) a.rescan = true;
  }

  /** Count the dirty keys (and walk the databases marked for a rescan). */
  private reconcile(listFill: number): void {
    if (listFill !== this.fill) {
      this.fill = listFill;
      for (const a of this.dbs) a.rescan = true;
    }
    const fill = this.fill;
    const dbs = this.store.dbs;
    for (let i = 0; i < this.dbs.length; i++) {
      const a = this.dbs[i];
      const data = dbs[i].data;
      if (a.rescan) {
        a.rescan = false;
        a.dirty.clear();
        a.sizes.clear();
        let total = 0;
        // Packed values of a loaded file are built for the count, not kept (store/lazy.ts).
        forEachTransient(data, (k, v) => {
          const s = keyContribution(k, v, fill);
          total += s;
          if (typeof v !== 'string') a.sizes.set(k, s);
        });
        a.data = total;
        continue;
      }
      if (a.dirty.size === 0) continue;
      for (const k of a.dirty) {
        const v = data.get(k);
        if (v === undefined) continue;
        const s = keyContribution(k, v, fill);
        a.data += s;
        if (typeof v !== 'string') a.sizes.set(k, s);
      }
      a.dirty.clear();
    }
  }

  /** snapshot()'s dataset bytes of one database, up to date. */
  dataset(db: Database, listFill: number): number {
    this.reconcile(listFill);
    return this.dbs[db.id].data;
  }

  /** Up to date for every database (call before reading several with datasetNow). */
  update(listFill: number): void {
    this.reconcile(listFill);
  }

  /** The dataset bytes of a database as of the last update(). */
  datasetNow(db: Database): number {
    return this.dbs[db.id].data;
  }
}

/**
 * snapshot() from the account: the same figures, without walking the keys
 * (the first call installs the account and walks them once).
 */
export function accountedSnapshot(store: Store, clients: number, listFill = -2): MemorySnapshot {
  const acc = MemoryAccount.of(store, listFill);
  acc.update(listFill);
  return snapshotWith(store, clients, (db) => acc.datasetNow(db));
}
