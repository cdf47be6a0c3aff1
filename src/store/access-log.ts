/**
 * The LRU access log of a database (OBJECT IDLETIME): keys in the order of
 * their recorded accesses, a key possibly more than once (its last
 * occurrence counts), with checkpoints (pairs of log index and LRU clock, the
 * clock from that index on). About 8 bytes per access instead of a map entry
 * per key: memory per key is what the 1M-key benchmark measures.
 *
 * The log is compacted (only the last access of each live key kept) when it
 * grows past three times the key count. Compaction is incremental: the full
 * log is set aside and walked from its end a few entries per recorded access
 * while new accesses go to a fresh log, so no single command pays for walking
 * millions of entries (on 1M keys that was a 1.2 s stall). About 1.9 entries
 * are walked per access over time (all at once past twice the key count: 2).
 *
 * Within one LRU clock tick a key already logged at that tick is not logged
 * again (`recent`): its last access is that tick either way. A workload that
 * touches the same few keys many times a second (a job queue's lists, streams
 * and counters) then adds about one entry per distinct key per second instead
 * of one per access, and compaction is rare. `recent` is emptied when the
 * tick changes, when it reaches RECENT_MAX keys (it only saves work) and when
 * a compaction starts (entries set aside may be dropped for keys deleted
 * meanwhile, so any later access must be logged again). When it fills up
 * having saved fewer accesses than it holds (random keys), it is not used
 * for the rest of the tick: on such workloads it would only add its cost.
 */

/** Old-log entries compacted per recorded access: the old log is done before the new one can double. */
const STEP = 8;

/** Most keys remembered as logged at the current tick (a bound on that set's memory). */
const RECENT_MAX = 4096;

/** A log set aside for compaction and how far its walk from the end has come. */
interface Compaction {
  keys: string[];
  cps: number[];
  /** Next entry to look at (walking down). */
  i: number;
  /** Index in cps of the checkpoint that covers entry i. */
  cp: number;
  seen: Set<string>;
  /** Kept entries, newest first. */
  keptKeys: string[];
  keptClocks: number[];
}

export class AccessLog {
  private keys: string[] = [];
  private cps: number[] = [];
  private cpClock = -1;
  private old: Compaction | null = null;
  /** key -> LRU clock of its last access, built on demand; null when stale. */
  private index: Map<string, number> | null = null;
  /** Keys logged at clock `cpClock` since the tick began (or the last reset): logging them again changes nothing. */
  private recent = new Set<string>();
  /** Whether `recent` is used in this tick (it is not once it filled up with fewer repeats than keys). */
  private dedup = true;
  /** Accesses `recent` saved since it was last emptied. */
  private hits = 0;

  /** Entries held (both logs while a compaction runs). */
  get length(): number {
    return this.keys.length + (this.old === null ? 0 : this.old.i + 1 + this.old.keptKeys.length);
  }

  /** Record an access of `key` at LRU clock `clock`; `live` is the database's key table. */
  record(key: string, clock: number, live: Map<string, unknown>): void {
    const recent = this.recent;
    if (clock !== this.cpClock) {
      this.cps.push(this.keys.length, clock);
      this.cpClock = clock;
      if (recent.size !== 0) recent.clear();
      this.dedup = true;
      this.hits = 0;
    } else if (this.dedup) {
      if (recent.has(key)) {
        this.hits++;
        return;
      }
      if (recent.size >= RECENT_MAX) {
        recent.clear();
        // fewer repeats than new keys (random keys): the set costs more than it saves, until the next tick
        if (this.hits < RECENT_MAX) this.dedup = false;
        this.hits = 0;
      }
    }
    if (this.dedup) recent.add(key);
    this.keys.push(key);
    this.index = null;
    if (this.old !== null) this.step(live);
    else if (this.keys.length > 3 * live.size + 1024) this.startCompaction();
  }

  /** The LRU clock of key's last recorded access. */
  lastClock(key: string): number | undefined {
    if (this.index === null) {
      const idx = new Map<string, number>();
      const o = this.old;
      if (o !== null) {
        // Walked part: the kept entries; unwalked part: as recorded. Both are older than `keys`.
        for (let c = 0; c < o.cps.length && o.cps[c] <= o.i; c += 2) {
          const end = Math.min(c + 2 < o.cps.length ? o.cps[c + 2] : o.keys.length, o.i + 1);
          for (let j = o.cps[c]; j < end; j++) idx.set(o.keys[j], o.cps[c + 1]);
        }
        for (let j = o.keptKeys.length - 1; j >= 0; j--) idx.set(o.keptKeys[j], o.keptClocks[j]);
      }
      const keys = this.keys;
      const cps = this.cps;
      for (let c = 0; c < cps.length; c += 2) {
        const end = c + 2 < cps.length ? cps[c + 2] : keys.length;
        for (let j = cps[c]; j < end; j++) idx.set(keys[j], cps[c + 1]);
      }
      this.index = idx;
    }
    return this.index.get(key);
  }

  clear(): void {
    this.keys = [];
    this.cps = [];
    this.cpClock = -1;
    this.old = null;
    this.index = null;
    this.recent.clear();
  }

  private startCompaction(): void {
    const keys = this.keys;
    const cps = this.cps;
    this.old = { keys, cps, i: keys.length - 1, cp: cps.length - 2, seen: new Set(), keptKeys: [], keptClocks: [] };
    this.keys = [];
    this.cps = [];
    this.cpClock = -1;
    this.recent.clear();
  }

  /** Walk STEP more entries of the old log; merge when it is done. */
  private step(live: Map<string, unknown>): void {
    const o = this.old as Compaction;
    const { keys, cps, seen } = o;
    let i = o.i;
    let cp = o.cp;
    for (let n = 0; n < STEP && i >= 0; n++, i--) {
      while (cps[cp] > i) cp -= 2;
      const k = keys[i];
      if (seen.has(k) || !live.has(k)) continue;
      seen.add(k);
      o.keptKeys.push(k);
      o.keptClocks.push(cps[cp + 1]);
    }
    o.i = i;
    o.cp = cp;
    if (i < 0) this.finish(o);
  }

  /** The kept entries (oldest first) followed by the new log. */
  private finish(o: Compaction): void {
    const kept = o.keptKeys.length;
    const keys: string[] = new Array(kept + this.keys.length);
    const cps: number[] = [];
    let last = -1;
    for (let j = 0; j < kept; j++) {
      const r = kept - 1 - j;
      keys[j] = o.keptKeys[r];
      if (o.keptClocks[r] !== last) {
        last = o.keptClocks[r];
        cps.push(j, last);
      }
    }
    for (let j = 0; j < this.keys.length; j++) keys[kept + j] = this.keys[j];
    for (let c = 0; c < this.cps.length; c += 2) cps.push(this.cps[c] + kept, this.cps[c + 1]);
    // cpClock stays: the new log (never empty here, record() pushed to it) has the newest checkpoint.
    this.keys = keys;
    this.cps = cps;
    this.old = null;
    this.index = null;
  }
}
