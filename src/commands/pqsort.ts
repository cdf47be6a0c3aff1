/**
 * Redis's partial quicksort (pqsort.c), shared by SORT ... LIMIT and the geo
 * commands' COUNT: the order of equal elements depends on it.
 */

/**
 * Redis's pqsort: a Bentley-McIlroy quicksort (median of three / ninther,
 * three-way partition, insertion sort below 7 elements) that only recurses
 * into parts overlapping [lo, hi]. Not stable; reproduced so that ties come
 * out exactly as Redis orders them.
 */
export function pqsort<T>(v: T[], cmp: (a: T, b: T) => number, lo: number, hi: number): void {
  const swap = (i: number, j: number) => {
    const t = v[i];
    v[i] = v[j];
    v[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (a: number, b: number, c: number): number =>
    cmp(v[a], v[b]) < 0 ? (cmp(v[b], v[c]) < 0 ? b : cmp(v[a], v[c]) < 0 ? c : a) : cmp(v[b], v[c]) > 0 ? b : cmp(v[a], v[c]) < 0 ? a : c;
  /** [base, base + n) overlaps [lo, hi]. */
  const overlaps = (base: number, n: number) => !(hi < base || lo > base + n - 1);

  const sortPart = (base: number, n: number): void => {
    for (;;) {
      if (n < 7) {
        for (let m = base + 1; m < base + n; m++) for (let l = m; l > base && cmp(v[l - 1], v[l]) > 0; l--) swap(l, l - 1);
        return;
      }
      let pm = base + (n >> 1);
      if (n > 7) {
        let pl = base;
        let pn = base + n - 1;
        if (n > 40) {
          const d = n >> 3;
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(base, pm);
      let pa = base + 1;
      let pb = pa;
      let pc = base + n - 1;
      let pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(v[pb], v[base])) <= 0) {
          if (r === 0) swap(pa++, pb);
          pb++;
        }
        while (pb <= pc && (r = cmp(v[pc], v[base])) >= 0) {
          if (r === 0) swap(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap(pb++, pc--);
      }
      const pn = base + n;
      let r = Math.min(pa - base, pb - pa);
      vecswap(base, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      r = pb - pa;
      if (r > 1 && overlaps(base, r)) sortPart(base, r);
      r = pd - pc;
      if (r > 1) {
        base = pn - r;
        n = r;
        if (overlaps(base, n)) continue;
      }
      return;
    }
  };
  sortPart(0, v.length);
}
