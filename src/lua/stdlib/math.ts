/** Lua 5.1 math library (lmathlib.c). math.random uses a pluggable rand()-like source. */
import { LuaFunction, LuaTable, argError, luaLError, type LuaValue } from '../value.js';
import { checkNumber, checkInt, optNumber } from './aux.js';
import { mod } from '../runtime.js';

/** A C rand()-like generator: next() in [0, max]; seed(n) like srand(n). */
export interface RandomSource {
  next(): number;
  max: number;
  seed(n: number): void;
  /** Its state, and putting a saved state back (LuaState.snapshot/restore: a replayed run). */
  save?(): unknown;
  restore?(s: unknown): void;
}

/** glibc's random() (TYPE_3, the rand() behind Debian's lua5.1). */
export function glibcRandom(): RandomSource {
  let r: number[] = [];
  let k = 0;
  const seed = (s: number) => {
    s = s >>> 0;
    if (s === 0) s = 1;
    r = new Array(34);
    r[0] = s | 0;
    for (let i = 1; i < 31; i++) {
      const hi = Math.trunc(r[i - 1] / 127773);
      const lo = r[i - 1] % 127773;
      let word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      r[i] = word;
    }
    for (let i = 31; i < 34; i++) r[i] = r[i - 31];
    const buf = r;
    // discard 310 outputs
    const st = buf.slice();
    let idx = 34;
    const out: number[] = st;
    for (let i = 0; i < 310; i++) {
      out[idx] = (out[idx - 31] + out[idx - 3]) | 0;
      idx++;
    }
    r = out.slice(idx - 34, idx);
    k = 0;
  };
  seed(1);
  return {
    max: 2147483647,
    seed,
    save: () => [r.slice(), k],
    restore: (s) => { const [rr, kk] = s as [number[], number]; r = rr.slice(); k = kk; },
    next() {
      // ring buffer of the last 34 values
      const v = (r[(k + 34 - 31) % 34]! + r[(k + 34 - 3) % 34]!) | 0;
      r[k] = v;
      k = (k + 1) % 34;
      return v >>> 1;
    },
  };
}

export function openMath(G: LuaTable, rnd: () => RandomSource): void {
  const M = new LuaTable();
  G.rawset('math', M);
  const def = (name: string, f: (a: LuaValue[]) => LuaValue[]) => M.rawset(name, new LuaFunction(name, f, undefined, undefined));
  const f1 = (name: string, f: (x: number) => number) => def(name, (a) => [f(checkNumber(a, 0, name))]);
  f1('abs', Math.abs);
  f1('sin', Math.sin); f1('sinh', Math.sinh); f1('cos', Math.cos); f1('cosh', Math.cosh);
  f1('tan', Math.tan); f1('tanh', Math.tanh); f1('asin', Math.asin); f1('acos', Math.acos);
  f1('atan', Math.atan);
  def('atan2', (a) => [Math.atan2(checkNumber(a, 0, 'atan2'), checkNumber(a, 1, 'atan2'))]);
  f1('ceil', Math.ceil); f1('floor', Math.floor);
  def('fmod', (a) => [checkNumber(a, 0, 'fmod') % checkNumber(a, 1, 'fmod')]);
  def('mod', (a) => [checkNumber(a, 0, 'mod') % checkNumber(a, 1, 'mod')]);
  def('modf', (a) => {
    const x = checkNumber(a, 0, 'modf');
    const ip = x >= 0 ? Math.floor(x) : Math.ceil(x);
    const fp = x === Infinity || x === -Infinity ? 0 : x - ip;
    return [ip, fp];
  });
  f1('sqrt', Math.sqrt);
  def('pow', (a) => [Math.pow(checkNumber(a, 0, 'pow'), checkNumber(a, 1, 'pow'))]);
  f1('log', Math.log); f1('log10', Math.log10); f1('exp', Math.exp);
  f1('deg', (x) => x * (180 / Math.PI));
  f1('rad', (x) => x * (Math.PI / 180));
  def('frexp', (a) => {
    const x = checkNumber(a, 0, 'frexp');
    if (x === 0 || !isFinite(x)) return [x, 0];
    let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
    let m = x * Math.pow(2, -e);
    while (Math.abs(m) < 0.5) { m *= 2; e--; }
    while (Math.abs(m) >= 1) { m /= 2; e++; }
    return [m, e];
  });
  def('ldexp', (a) => {
    const m = checkNumber(a, 0, 'ldexp');
    const e = checkInt(a, 1, 'ldexp');
    return [m * Math.pow(2, e)];
  });
  def('min', (a) => {
    let dmin = checkNumber(a, 0, 'min');
    for (let i = 1; i < a.length; i++) {
      const d = checkNumber(a, i, 'min');
      if (d < dmin) dmin = d;
    }
    return [dmin];
  });
  def('max', (a) => {
    let dmax = checkNumber(a, 0, 'max');
    for (let i = 1; i < a.length; i++) {
      const d = checkNumber(a, i, 'max');
      if (d > dmax) dmax = d;
    }
    return [dmax];
  });
  def('random', (a) => {
    const src = rnd();
    const r = (src.next() % src.max) / src.max;
    switch (a.length) {
      case 0: return [r];
      case 1: {
        const u = checkInt(a, 0, 'random');
        if (!(1 <= u)) argError(1, 'random', 'interval is empty');
        return [Math.floor(r * u) + 1];
      }
      case 2: {
        const l = checkInt(a, 0, 'random');
        const u = checkInt(a, 1, 'random');
        if (!(l <= u)) argError(2, 'random', 'interval is empty');
        return [Math.floor(r * (u - l + 1)) + l];
      }
      default: return luaLError('wrong number of arguments');
    }
  });
  def('randomseed', (a) => {
    rnd().seed(checkInt(a, 0, 'randomseed'));
    return [];
  });
  M.rawset('pi', Math.PI);
  M.rawset('huge', Infinity);
  void optNumber; void mod;
}
