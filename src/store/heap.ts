/** A binary min-heap of (at, key) pairs; stale entries are skipped by the owner. */
export class ExpiryHeap {
  private ats: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.ats.length;
  }

  peekAt(): number {
    return this.ats.length ? this.ats[0] : Infinity;
  }

  peekKey(): string | undefined {
    return this.keys[0];
  }

  clear(): void {
    this.ats = [];
    this.keys = [];
  }

  push(at: number, key: string): void {
    const ats = this.ats;
    const keys = this.keys;
    let i = ats.length;
    ats.push(at);
    keys.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ats[p] <= at) break;
      ats[i] = ats[p];
      keys[i] = keys[p];
      i = p;
    }
    ats[i] = at;
    keys[i] = key;
  }

  pop(): void {
    const ats = this.ats;
    const keys = this.keys;
    const lastAt = ats.pop() as number;
    const lastKey = keys.pop() as string;
    const n = ats.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && ats[r] < ats[l] ? r : l;
      if (ats[c] >= lastAt) break;
      ats[i] = ats[c];
      keys[i] = keys[c];
      i = c;
    }
    ats[i] = lastAt;
    keys[i] = lastKey;
  }

  /** Rebuild from live entries when stale ones dominate. */
  rebuild(live: Map<string, number>): void {
    this.clear();
    for (const [k, at] of live) this.push(at, k);
  }
}
