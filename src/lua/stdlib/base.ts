/** Lua 5.1 base library (lbaselib.c) and coroutines. */
import {
  LuaCoroutine, LuaError, LuaFunction, LuaTable, argError, luaLError, typeError, typeName,
  type GenFn, type LuaValue,
} from '../value.js';
import {
  BUDGET, CUR, EMPTY, LuaKill, PlainAbort, callP, callSync, caughtValue, errorValue, plainStackError, takeCallerAt, getMetatable, mv, startCall,
  syncBudget, tostr,
} from '../runtime.js';
import { numberToString } from '../runtime.js';
import { strtoulNumber } from '../number.js';
import { checkAny, checkInt, checkString, checkTable, optInt, optString, toNumberOrNil, truthy } from './aux.js';

export interface BaseHost {
  globals: LuaTable;
  print(line: string): void;
  loadString(src: string, chunkName: string): LuaFunction;
  /** The Lua function running the current native call (for getfenv/setfenv level 1). */
  currentFunction(): LuaFunction | undefined;
}

function fn(t: LuaTable, name: string, f: (a: LuaValue[]) => LuaValue[]): LuaFunction {
  const lf = new LuaFunction(name, f, undefined, undefined);
  t.rawset(name, lf);
  return lf;
}

function genFn(t: LuaTable, name: string, nf: (a: LuaValue[]) => LuaValue[], g: GenFn): LuaFunction {
  const lf = new LuaFunction(name, nf, g, undefined);
  t.rawset(name, lf);
  return lf;
}

/** xpcall's message handler; an error inside it gives 5.1's LUA_ERRERR message. */
function handleError(h: LuaValue, err: LuaValue): LuaValue {
  try {
    return callSync(h, [err])[0];
  } catch (e) {
    if (e instanceof LuaKill) throw e;
    if (plainStackError(e)) throw new PlainAbort('stack');
    return 'error in error handling';
  }
}

export let NEXT: LuaFunction;
export let INEXT: LuaFunction;

export function openBase(G: LuaTable, host: BaseHost): void {
  G.rawset('_G', G);
  G.rawset('_VERSION', 'Lua 5.1');

  fn(G, 'print', (a) => {
    const tostring = G.get('tostring');
    const parts: string[] = [];
    for (let i = 0; i < a.length; i++) {
      const s = callSync(tostring, [a[i]])[0];
      if (typeof s !== 'string') {
        if (typeof s === 'number') { parts.push(numberToString(s)); continue; }
        luaLError("'tostring' must return a string to 'print'");
      }
      const z = s.indexOf('\0');
      parts.push(z >= 0 ? s.slice(0, z) : s);
    }
    host.print(parts.join('\t'));
    return EMPTY;
  });

  fn(G, 'type', (a) => {
    checkAny(a, 0, 'type');
    return [typeName(a[0])];
  });

  fn(G, 'tostring', (a) => {
    checkAny(a, 0, 'tostring');
    return [tostr(a[0])];
  });

  fn(G, 'tonumber', (a) => {
    const base = optInt(a, 1, 'tonumber', 10);
    if (base === 10) {
      checkAny(a, 0, 'tonumber');
      return [toNumberOrNil(a[0])];
    }
    const s = checkString(a, 0, 'tonumber');
    if (!(base >= 2 && base <= 36)) argError(2, 'tonumber', 'base out of range');
    return [strtoulNumber(s, base)];
  });

  NEXT = fn(G, 'next', (a) => {
    const t = checkTable(a, 0, 'next');
    const r = t.next(a[1]);
    return r === undefined ? [undefined] : r;
  });
  fn(G, 'pairs', (a) => {
    const t = checkTable(a, 0, 'pairs');
    return [NEXT, t, undefined];
  });
  INEXT = new LuaFunction('ipairs_aux', (a) => {
    const i = checkInt(a, 1, 'ipairs') + 1;
    const t = checkTable(a, 0, 'ipairs');
    const v = t.get(i);
    return v === undefined ? EMPTY : [i, v];
  }, undefined, undefined);
  fn(G, 'ipairs', (a) => {
    const t = checkTable(a, 0, 'ipairs');
    return [INEXT, t, 0];
  });

  fn(G, 'select', (a) => {
    const n = a.length;
    if (typeof a[0] === 'string' && a[0].charCodeAt(0) === 35) return [n - 1];
    let i = checkInt(a, 0, 'select');
    if (i < 0) i = n + i;
    else if (i > n) i = n;
    if (!(1 <= i)) argError(1, 'select', 'index out of range');
    return a.slice(i);
  });

  fn(G, 'unpack', (a) => {
    const t = checkTable(a, 0, 'unpack');
    const i = optInt(a, 1, 'unpack', 1);
    const e = a[2] === undefined ? t.length() : checkInt(a, 2, 'unpack');
    if (i > e) return EMPTY;
    const n = e - i + 1;
    if (n <= 0 || a.length + n > 8000) luaLError('too many results to unpack');
    const out = new Array<LuaValue>(n);
    for (let k = 0; k < n; k++) out[k] = t.get(i + k);
    return out;
  });

  fn(G, 'rawget', (a) => {
    const t = checkTable(a, 0, 'rawget');
    checkAny(a, 1, 'rawget');
    return [t.get(a[1])];
  });
  fn(G, 'rawset', (a) => {
    const t = checkTable(a, 0, 'rawset');
    checkAny(a, 1, 'rawset');
    checkAny(a, 2, 'rawset');
    // Redis's lua_rawset raises from C: no position.
    if (t.readonly) throw new LuaError('Attempt to modify a readonly table');
    t.set(a[1], a[2]);
    return [t];
  });
  fn(G, 'rawequal', (a) => {
    checkAny(a, 0, 'rawequal');
    checkAny(a, 1, 'rawequal');
    return [a[0] === a[1]];
  });

  fn(G, 'setmetatable', (a) => {
    const mt = a[1];
    const t = checkTable(a, 0, 'setmetatable');
    if (!(mt === undefined || mt instanceof LuaTable)) argError(2, 'setmetatable', 'nil or table expected');
    if (t.metatable !== undefined && t.metatable.getStr('__metatable') !== undefined) luaLError('cannot change a protected metatable');
    if (t.readonly) throw new LuaError('Attempt to modify a readonly table');
    t.metatable = mt;
    return [t];
  });
  fn(G, 'getmetatable', (a) => {
    checkAny(a, 0, 'getmetatable');
    const mt = getMetatable(a[0]);
    if (mt === undefined) return [undefined];
    const p = mt.getStr('__metatable');
    return [p !== undefined ? p : mt];
  });

  fn(G, 'assert', (a) => {
    checkAny(a, 0, 'assert');
    if (!truthy(a[0])) luaLError(optString(a, 1, 'assert', 'assertion failed!'));
    return a;
  });

  fn(G, 'error', (a) => {
    const level = optInt(a, 1, 'error', 1);
    let v = a[0];
    if (level > 0 && (typeof v === 'string' || typeof v === 'number')) {
      if (typeof v === 'number') v = numberToString(v);
      throw new LuaError(v, undefined, level);
    }
    throw new LuaError(v);
  });

  const pcallNf = (a: LuaValue[]): LuaValue[] => {
    const at = takeCallerAt();
    checkAny(a, 0, 'pcall');
    try {
      return [true, ...callSync(a[0], a.slice(1), true)];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      return [false, caughtValue(e, at)];
    }
  };
  const pcallFn = genFn(G, 'pcall', pcallNf, function* (_F, a) {
    const at = takeCallerAt();
    checkAny(a, 0, 'pcall');
    const S = CUR;
    const depth = S.depth;
    S.nny++;
    try {
      const r = yield* startCall(a[0], a.slice(1), undefined);
      return [true, ...mv(r)];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      S.depth = depth;
      return [false, caughtValue(e, at)];
    } finally {
      S.nny--;
    }
  });

  // plain mode (LuaState.runPlain): as the resumable version, calling the plain version of the function
  pcallFn.p = (_F, a) => {
    const at = takeCallerAt();
    checkAny(a, 0, 'pcall');
    const S = CUR;
    const depth = S.depth;
    S.nny++;
    try {
      return [true, ...mv(callP(a[0], a.slice(1), undefined))];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      if (plainStackError(e)) throw new PlainAbort('stack');
      S.depth = depth;
      return [false, caughtValue(e, at)];
    } finally {
      S.nny--;
    }
  };

  const xpcallNf = (a: LuaValue[]): LuaValue[] => {
    const at = takeCallerAt();
    checkAny(a, 1, 'xpcall');
    try {
      return [true, ...callSync(a[0], EMPTY, true)];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      return [false, handleError(a[1], caughtValue(e, at))];
    }
  };
  const xpcallFn = genFn(G, 'xpcall', xpcallNf, function* (_F, a) {
    const at = takeCallerAt();
    checkAny(a, 1, 'xpcall');
    const S = CUR;
    const depth = S.depth;
    let err: LuaValue;
    S.nny++;
    try {
      const r = yield* startCall(a[0], [], undefined);
      return [true, ...mv(r)];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      S.depth = depth;
      err = caughtValue(e, at);
    } finally {
      S.nny--;
    }
    return [false, handleError(a[1], err)];
  });
  xpcallFn.p = (_F, a) => {
    const at = takeCallerAt();
    checkAny(a, 1, 'xpcall');
    const S = CUR;
    const depth = S.depth;
    let err: LuaValue;
    S.nny++;
    try {
      return [true, ...mv(callP(a[0], [], undefined))];
    } catch (e) {
      if (e instanceof LuaKill) throw e;
      if (plainStackError(e)) throw new PlainAbort('stack');
      S.depth = depth;
      err = caughtValue(e, at);
    } finally {
      S.nny--;
    }
    return [false, handleError(a[1], err)];
  };

  fn(G, 'loadstring', (a) => {
    const s = checkString(a, 0, 'loadstring');
    const name = optString(a, 1, 'loadstring', s);
    try {
      return [host.loadString(s, name)];
    } catch (e) {
      return [undefined, errorValue(e)];
    }
  });
  fn(G, 'load', (a) => {
    const f = a[0];
    if (!(f instanceof LuaFunction)) typeError(1, 'load', 'function', f, a.length > 0);
    const name = optString(a, 1, 'load', '=(load)');
    let src = '';
    for (;;) {
      const piece = callSync(f, EMPTY)[0];
      if (piece === undefined || piece === '') break;
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string'];
      src += piece;
    }
    try {
      return [host.loadString(src, name)];
    } catch (e) {
      return [undefined, errorValue(e)];
    }
  });

  const getFuncArg = (a: LuaValue[], fname: string): LuaFunction | undefined => {
    const v = a[0];
    if (v instanceof LuaFunction) return v;
    const level = v === undefined ? 1 : checkInt(a, 0, fname);
    if (level < 0) argError(1, fname, 'level must be non-negative');
    if (level === 0) return undefined;
    if (level === 1) return host.currentFunction();
    argError(1, fname, 'invalid level');
  };
  fn(G, 'getfenv', (a) => {
    const f = getFuncArg(a, 'getfenv');
    if (f === undefined || f.env === undefined) return [host.globals];
    return [f.env];
  });
  fn(G, 'setfenv', (a) => {
    const t = checkTable(a, 1, 'setfenv');
    if (typeof a[0] === 'number' && a[0] === 0) {
      host.globals = t;
      return EMPTY;
    }
    const f = getFuncArg(a, 'setfenv');
    if (f === undefined || !f.lua) luaLError("'setfenv' cannot change environment of given object");
    f.env = t;
    return [f];
  });

  fn(G, 'collectgarbage', (a) => {
    const opt = optString(a, 0, 'collectgarbage', 'collect');
    const opts = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
    if (!opts.includes(opt)) argError(1, 'collectgarbage', `invalid option '${opt}'`);
    if (opt === 'count') return [Math.round(process.memoryUsage().heapUsed / 1024 * 1000) / 1000];
    if (opt === 'step') return [false];
    return [0];
  });
  fn(G, 'gcinfo', () => [Math.floor(process.memoryUsage().heapUsed / 1024)]);

  openCoroutine(G);
}

// ------------------------------------------------------------------ coroutines

function checkCo(a: LuaValue[], fname: string): LuaCoroutine {
  const co = a[0];
  if (co instanceof LuaCoroutine) return co;
  return argError(1, fname, 'coroutine expected');
}

/** Runs a coroutine one step. Returns [ok, values]; `pass` lets BUDGET yields out (generator mode). */
function* resumeGen(co: LuaCoroutine, args: LuaValue[], pass: boolean): Generator<unknown, [boolean, LuaValue[]], unknown> {
  if (co.status !== 'suspended') return [false, [`cannot resume ${co.status} coroutine`]];
  const S = CUR;
  const prevCo = S.co;
  const saveDepth = S.depth, saveNny = S.nny, saveC = S.ccalls;
  if (prevCo) prevCo.status = 'normal';
  co.status = 'running';
  S.co = co;
  S.depth = co.depth;
  S.nny = 0;
  let input: unknown = args;
  let first = co.gen === undefined;
  if (first) co.gen = startCall(co.fn, args, undefined);
  try {
    for (;;) {
      let r: IteratorResult<unknown, unknown>;
      if (first) { r = co.gen!.next(); first = false; } else r = co.gen!.next(input);
      if (r.done) {
        co.status = 'dead';
        return [true, mv(r.value)];
      }
      if (r.value === BUDGET) {
        if (pass) {
          // pause the whole execution: restore the outer thread's view while suspended
          co.depth = S.depth;
          S.co = prevCo; S.depth = saveDepth; S.nny = saveNny;
          yield BUDGET;
          S.co = co; S.depth = co.depth; S.nny = 0;
        } else {
          syncBudget(S);
        }
        input = undefined;
        continue;
      }
      co.status = 'suspended';
      co.depth = S.depth;
      return [true, r.value as LuaValue[]];
    }
  } catch (e) {
    co.status = 'dead';
    if (e instanceof LuaKill) throw e;
    return [false, [errorValue(e)]];
  } finally {
    S.co = prevCo;
    S.depth = saveDepth;
    S.nny = saveNny;
    S.ccalls = saveC;
    if (prevCo) prevCo.status = 'running';
  }
}

function runSync<T>(g: Generator<unknown, T, unknown>): T {
  let r = g.next();
  while (!r.done) r = g.next();
  return r.value;
}

function openCoroutine(G: LuaTable): void {
  const C = new LuaTable();
  G.rawset('coroutine', C);
  fn(C, 'create', (a) => {
    const f = a[0];
    if (!(f instanceof LuaFunction) || !f.lua) argError(1, 'create', 'Lua function expected');
    return [new LuaCoroutine(f)];
  });
  genFn(C, 'resume', (a) => {
    const co = checkCo(a, 'resume');
    const [ok, vals] = runSync(resumeGen(co, a.slice(1), false));
    return [ok, ...vals];
  }, function* (_F, a) {
    const co = checkCo(a, 'resume');
    const [ok, vals] = yield* resumeGen(co, a.slice(1), true);
    return [ok, ...vals];
  });
  genFn(C, 'yield', () => {
    throw new LuaError('attempt to yield across metamethod/C-call boundary');
  }, function* (_F, a) {
    const S = CUR;
    if (S.co === undefined || S.nny > 0) throw new LuaError('attempt to yield across metamethod/C-call boundary');
    const r = yield a;
    return r as LuaValue[];
  });
  fn(C, 'status', (a) => {
    const co = checkCo(a, 'status');
    return [co.status];
  });
  fn(C, 'running', () => [CUR.co]);
  fn(C, 'wrap', (a) => {
    const f = a[0];
    if (!(f instanceof LuaFunction) || !f.lua) argError(1, 'wrap', 'Lua function expected');
    const co = new LuaCoroutine(f);
    const fail = (vals: LuaValue[]): never => {
      const v = vals[0];
      if (typeof v === 'string' || typeof v === 'number') throw new LuaError(typeof v === 'number' ? numberToString(v) : v, undefined, 1);
      throw new LuaError(v);
    };
    return [new LuaFunction('wrap', (args) => {
      const [ok, vals] = runSync(resumeGen(co, args, false));
      return ok ? vals : fail(vals);
    }, function* (_F, args) {
      const [ok, vals] = yield* resumeGen(co, args, true);
      return ok ? vals : fail(vals);
    }, undefined)];
  });
}
