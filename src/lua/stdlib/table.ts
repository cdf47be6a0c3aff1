/** Lua 5.1 table library (ltablib.c), table.sort being 5.1's auxsort exactly. */
import { LuaError, LuaFunction, LuaTable, argError, luaLError, typeError, typeName, type LuaValue } from '../value.js';
import { EMPTY, callSync, lt } from '../runtime.js';
import { numberToString } from '../runtime.js';
import { checkInt, checkTable, optInt, optString, truthy } from './aux.js';

function sortComp(f: LuaValue, a: LuaValue, b: LuaValue): boolean {
  if (f !== undefined) return truthy(callSync(f, [a, b])[0]);
  try {
    return lt(a, b);
  } catch (e) {
    // luaG_ordererror inside sort (a C function): no position
    if (e instanceof LuaError && e.level === 1) e.level = 0;
    throw e;
  }
}

function auxsort(t: LuaTable, l: number, u: number, f: LuaValue): void {
  while (l < u) {
    // sort elements a[l], a[(l+u)/2] and a[u]
    let a = t.get(l), b = t.get(u);
    if (sortComp(f, b, a)) { t.set(l, b); t.set(u, a); }
    if (u - l === 1) break;
    let i = Math.floor((l + u) / 2);
    a = t.get(i); b = t.get(l);
    if (sortComp(f, a, b)) { t.set(i, b); t.set(l, a); }
    else {
      b = t.get(u);
      if (sortComp(f, b, a)) { t.set(i, b); t.set(u, a); }
    }
    if (u - l === 2) break;
    const P = t.get(i);
    // swap a[i] and a[u-1]
    { const x = t.get(u - 1); t.set(i, x); t.set(u - 1, P); }
    i = l;
    let j = u - 1;
    for (;;) {
      while (sortComp(f, t.get(++i), P)) {
        if (i > u) luaLError('invalid order function for sorting');
      }
      while (sortComp(f, P, t.get(--j))) {
        if (j < l) luaLError('invalid order function for sorting');
      }
      if (j < i) break;
      const x = t.get(i), y = t.get(j);
      t.set(i, y); t.set(j, x);
    }
    { const x = t.get(u - 1), y = t.get(i); t.set(u - 1, y); t.set(i, x); }
    if (i - l < u - i) {
      j = l; i = i - 1; l = i + 2;
    } else {
      j = i + 1; i = u; u = j - 2;
    }
    auxsort(t, j, i, f);
  }
}

export function openTable(G: LuaTable): void {
  const T = new LuaTable();
  G.rawset('table', T);
  const def = (name: string, f: (a: LuaValue[]) => LuaValue[]) => T.rawset(name, new LuaFunction(name, f, undefined, undefined));

  def('getn', (a) => [checkTable(a, 0, 'getn').length()]);
  def('setn', (a) => { checkTable(a, 0, 'setn'); return luaLError("'setn' is obsolete"); });
  def('maxn', (a) => {
    const t = checkTable(a, 0, 'maxn');
    let max = 0;
    let k: LuaValue = undefined;
    for (;;) {
      const r = t.next(k);
      if (r === undefined) break;
      k = r[0];
      if (typeof k === 'number' && k > max) max = k;
    }
    return [max];
  });
  def('insert', (a) => {
    const t = checkTable(a, 0, 'insert');
    let e = t.length() + 1;
    let pos: number;
    switch (a.length) {
      case 2: pos = e; break;
      case 3: {
        pos = checkInt(a, 1, 'insert');
        if (pos > e) e = pos;
        for (let i = e; i > pos; i--) t.set(i, t.get(i - 1));
        break;
      }
      default: return luaLError("wrong number of arguments to 'insert'");
    }
    t.set(pos, a[a.length - 1]);
    return EMPTY;
  });
  def('remove', (a) => {
    const t = checkTable(a, 0, 'remove');
    const e = t.length();
    let pos = optInt(a, 1, 'remove', e);
    if (!(1 <= pos && pos <= e)) return EMPTY;
    const v = t.get(pos);
    for (; pos < e; pos++) t.set(pos, t.get(pos + 1));
    t.set(e, undefined);
    return [v];
  });
  def('concat', (a) => {
    const sep = optString(a, 1, 'concat', '');
    const t = checkTable(a, 0, 'concat');
    let i = optInt(a, 2, 'concat', 1);
    const last = a[3] === undefined ? t.length() : checkInt(a, 3, 'concat');
    const parts: string[] = [];
    for (; i <= last; i++) {
      const v = t.get(i);
      if (typeof v === 'string') parts.push(v);
      else if (typeof v === 'number') parts.push(numberToString(v));
      else luaLError(`invalid value (${typeName(v)}) at index ${i} in table for 'concat'`);
    }
    return [parts.join(sep)];
  });
  def('sort', (a) => {
    const t = checkTable(a, 0, 'sort');
    const n = t.length();
    const f = a[1];
    if (f !== undefined && !(f instanceof LuaFunction)) typeError(2, 'sort', 'function', f, true);
    auxsort(t, 1, n, f);
    return EMPTY;
  });
  def('foreachi', (a) => {
    const t = checkTable(a, 0, 'foreachi');
    const f = a[1];
    if (!(f instanceof LuaFunction)) typeError(2, 'foreachi', 'function', f, a.length > 1);
    const n = t.length();
    for (let i = 1; i <= n; i++) {
      const r = callSync(f, [i, t.get(i)])[0];
      if (r !== undefined) return [r];
    }
    return EMPTY;
  });
  def('foreach', (a) => {
    const t = checkTable(a, 0, 'foreach');
    const f = a[1];
    if (!(f instanceof LuaFunction)) typeError(2, 'foreach', 'function', f, a.length > 1);
    let k: LuaValue = undefined;
    for (;;) {
      const r = t.next(k);
      if (r === undefined) break;
      k = r[0];
      const x = callSync(f, [r[0], r[1]])[0];
      if (x !== undefined) return [x];
    }
    return EMPTY;
  });
  void argError;
}
