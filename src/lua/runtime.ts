/**
 * Runtime support for compiled Lua code: metamethods, coercions, errors with positions, calls.
 *
 * Compiled functions are plain functions `function (F, A)` (`LuaFunction.p`, plain mode) or
 * generators `function*(F, A)` (`LuaFunction.g`, resumable) (F = the LuaFunction itself, A = the
 * argument array) returning one value or an array of values. Generators `yield BUDGET` when the op
 * budget is spent (the driver may pause there), and coroutine.yield yields an array (the values);
 * plain code calls PB() there, and stops plain mode with a PlainAbort when a pause is needed. Natives
 * are called directly (`nf(args) => results[]`).
 */
import {
  LuaCoroutine, LuaError, LuaFunction, LuaTable, LuaUserdata, addressOf, typeName,
  type LuaValue, type NativeFn,
} from './value.js';
import { numberToString as formatNumber } from './lib/format.js';
import { str2number } from './number.js';

/** tostring/concat of a number (%.14g; NaN by its sign bit: 0/0 is -nan on x86). */
export function numberToString(n: number): string {
  return formatNumber(n);
}

/** Yielded by compiled code when the op budget is spent. */
export const BUDGET: { readonly budget: true } = Object.freeze({ budget: true as const });
/** x86's default NaN (sign bit set), what 0/0 gives in C. */
export const NNAN = (() => { const f = new Float64Array(1); new Uint32Array(f.buffer)[1] = 0xfff80000; return f[0]!; })();
export const EMPTY: LuaValue[] = Object.freeze([]) as unknown as LuaValue[];

/** Raised by Execution.kill: pcall does not catch it. */
export class LuaKill extends LuaError {}

/**
 * Ends a plain-mode run (LuaState.runPlain) that must go on as a resumable one: its slice of real
 * time is over, or it calls something that needs a generator (a native whose resumable version is
 * needed now, coroutines), or the JS stack ran out. A LuaKill: pcall/xpcall/error handlers let it
 * through. The host then replays the run from its start in generator mode.
 */
export class PlainAbort extends LuaKill {
  constructor(readonly reason: string) { super(reason); }
}

/** Per-LuaState mutable runtime state (the compiled code reads `S.b`). */
export class RtState {
  /** Ops left before the next BUDGET yield. */
  b = 1e15;
  /** Lua call depth (stack overflow check). */
  depth = 0;
  /** Non-yieldable nesting (natives calling Lua) in the running coroutine. */
  nny = 0;
  /** Native -> Lua reentries (LUAI_MAXCCALLS). */
  ccalls = 0;
  /** The Lua function that made the latest native call (getfenv/setfenv level 1). */
  cf: LuaFunction | undefined = undefined;
  /** Chunk and line of the latest direct call to pcall/xpcall (for error levels above it). */
  cs: string | undefined = undefined;
  cl = 0;
  /** Running coroutine, undefined in the main thread. */
  co: LuaCoroutine | undefined = undefined;
  stringMeta: LuaTable | undefined = undefined;
  /** Called when the budget is spent where the code cannot pause (inside natives/metamethods) or in call(). */
  onSyncBudget: (() => void) | undefined = undefined;
  syncBudget = 1e15;
  /** callSync nesting (natives/metamethods running Lua synchronously). */
  syncDepth = 0;
  /** The budget ran out inside a synchronous section: pause at the first check after it. */
  owe = false;
  /** Ops counted before the current budget window (host counter). */
  opsBase = 0;
  windowStart = 1e15;
  /** Running in plain mode (LuaState.runPlain): needing a pause aborts the run (PlainAbort). */
  pm = false;
  /** Plain mode: the host's check (real time), called every `pmSlice` ops: true aborts the run. */
  pmStop: (() => boolean) | undefined = undefined;
  pmSlice = 10_000;
  /**
   * Non-zero while the host runs a chunk whose earlier runs' closures no Lua code can reach any
   * more (an EVAL script: its state keeps no writable table across runs), a new number per run:
   * the main chunk's lazy sites may then give back the function they made in an earlier run when
   * it captured the same values (LuaState.compile, ZM). 0: every site makes a new function.
   */
  reuseRun = 0;
}

export let CUR: RtState = new RtState();
export function setCurrent(s: RtState): RtState {
  const prev = CUR;
  CUR = s;
  return prev;
}

/** Lua call depth limit: below what the JS stack holds (generator frames), so overflow is a clean Lua error. */
export const MAX_LUA_DEPTH = 2200;
const MAXCCALLS = 200;

// ------------------------------------------------------------------ errors

export function rtError(msg: string): never {
  throw new LuaError(msg, undefined, 1);
}

/** RangeError: a too long string/array (memory) rather than the JS stack. No regexp here: the stack may be full. */
function isMemoryError(e: RangeError): boolean {
  const m = e.message;
  return m === 'Invalid string length' || m === 'Invalid array length' || m === 'Array buffer allocation failed';
}

/** In a Lua function's catch: finish a pending position, convert host errors. */
export function fix(e: unknown, line: number, chunk: string, source: string): unknown {
  if (e instanceof LuaError) {
    if (e instanceof PlainAbort) return e;
    if (e.level > 0 && --e.level === 0 && typeof e.value === 'string') {
      e.value = `${chunk}:${line}: ${e.value}`;
      e.message = e.value;
    }
    if (e.line === undefined) { e.line = line; e.source = source; }
    return e;
  }
  let err: LuaError;
  if (e instanceof RangeError) {
    // the JS stack of plain code ran out: the resumable version keeps the Lua depth limit
    if (CUR.pm && !isMemoryError(e)) return new PlainAbort('stack');
    err = isMemoryError(e) ? new LuaError('not enough memory') : new LuaError(`${chunk}:${line}: stack overflow`);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    err = new LuaError(`${chunk}:${line}: ${msg}`);
  }
  err.line = line;
  err.source = source;
  return err;
}

/**
 * pcall/xpcall's view of a caught error: a pending level of 2 points at pcall's caller, whose
 * position the call site recorded (S.cs/S.cl, taken at pcall's entry as `at`).
 */
export function caughtValue(e: unknown, at: string | undefined): LuaValue {
  if (e instanceof LuaError && e.level === 2 && at !== undefined && typeof e.value === 'string') {
    e.level = 0;
    e.value = e.message = at + e.value;
    return e.value;
  }
  return errorValue(e);
}

/** Position prefix recorded by a pcall/xpcall call site; consumed once. */
export function takeCallerAt(): string | undefined {
  const S = CUR;
  const cs = S.cs;
  if (cs === undefined) return undefined;
  S.cs = undefined;
  return `${cs}:${S.cl}: `;
}

/** The message value of a caught error (pcall, resume): pending levels point at a C function: no position. */
export function errorValue(e: unknown): LuaValue {
  if (e instanceof LuaError) {
    if (e.level > 0) {
      e.level = 0;
      if (typeof e.value === 'string') {
        const m = /^bad argument #(\d+) to '[^']*'/.exec(e.value);
        if (m) e.value = e.message = `bad argument #${m[1]} to '?'` + e.value.slice(m[0].length);
      }
    }
    return e.value;
  }
  if (e instanceof RangeError) return isMemoryError(e) ? 'not enough memory' : 'stack overflow';
  return e instanceof Error ? e.message : String(e);
}

export function typeErr(v: LuaValue, op: string, d?: string): never {
  const t = typeName(v);
  return rtError(d ? `attempt to ${op} ${d} (a ${t} value)` : `attempt to ${op} a ${t} value`);
}

// ------------------------------------------------------------------ conversions

export function tonum(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return str2number(v);
  return undefined;
}

export function tostr(v: LuaValue): string {
  switch (typeof v) {
    case 'string': return v;
    case 'number': return numberToString(v);
    case 'undefined': return 'nil';
    case 'boolean': return v ? 'true' : 'false';
    default: {
      const mt = getMetatable(v);
      if (mt !== undefined) {
        const h = mt.getStr('__tostring');
        if (h !== undefined) {
          const r = first(callSync(h, [v]));
          if (typeof r !== 'string') {
            if (typeof r === 'number') return numberToString(r);
            rtError("'__tostring' must return a string");
          }
          return r;
        }
      }
      return `${typeName(v)}: ${addressOf(v as { id: number })}`;
    }
  }
}

export function getMetatable(v: LuaValue): LuaTable | undefined {
  if (v instanceof LuaTable || v instanceof LuaUserdata) return v.metatable;
  if (typeof v === 'string') return CUR.stringMeta;
  return undefined;
}

function metaOf(v: LuaValue, event: string): LuaValue {
  const mt = getMetatable(v);
  return mt === undefined ? undefined : mt.getStr(event);
}

// ------------------------------------------------------------------ results

export function first(r: unknown): LuaValue {
  return Array.isArray(r) ? r[0] : (r as LuaValue);
}

export function mv(r: unknown): LuaValue[] {
  return Array.isArray(r) ? r : [r as LuaValue];
}

// ------------------------------------------------------------------ calls

/**
 * A metamethod called by the VM on behalf of the running Lua code: no C frame in between, so an
 * error level (error(msg, 2) in __index...) counts the Lua function that triggered it.
 */
export function callTM(f: LuaValue, args: LuaValue[]): LuaValue[] {
  return callSync(f, args, true);
}

/** Call from host/native code: runs to completion synchronously; results as an array. */
export function callSync(f: LuaValue, args: LuaValue[], tm = false): LuaValue[] {
  if (f instanceof LuaFunction && f.nf !== undefined && f.nf !== P_NF) {
    if (tm) return f.lua ? mv(f.nf(args)) : f.nf(args);
    try {
      return f.lua ? mv(f.nf(args)) : f.nf(args);
    } catch (e) {
      // a native called by a native: its luaL_where(1) is a C function (no position, name '?')
      if (e instanceof LuaError && e.level === 1) errorValue(e);
      else if (e instanceof LuaError && e.level > 1) e.level--;
      throw e;
    }
  }
  const S = CUR;
  if (++S.ccalls >= MAXCCALLS) {
    S.ccalls--;
    rtError('C stack overflow');
  }
  S.nny++;
  S.syncDepth++;
  try {
    // a plain Lua function (made by plain code), or any Lua function while in plain mode
    if (f instanceof LuaFunction && f.p !== undefined && (f.g === undefined || S.pm)) return mv(f.p(f, args));
    const gen = startCall(f, args, undefined);
    let r = gen.next();
    while (!r.done) {
      if (r.value === BUDGET) { syncBudget(S); S.owe = true; }
      else r = gen.throw(new LuaError('attempt to yield across metamethod/C-call boundary'));
      if (!r.done) r = gen.next();
    }
    return mv(r.value);
  } catch (e) {
    if (!tm && e instanceof LuaError && e.level > 0) e.level--;
    throw e;
  } finally {
    S.nny--;
    S.ccalls--;
    // back in resumable code after the budget ran out in here: its next check pauses
    if (--S.syncDepth === 0 && S.owe) { S.owe = false; S.b = 0; }
  }
}

export function syncBudget(S: RtState): void {
  if (S.syncDepth > 0) S.owe = true;
  S.opsBase += S.windowStart - S.b;
  S.b = S.syncBudget;
  S.windowStart = S.b;
  if (S.onSyncBudget !== undefined) S.onSyncBudget();
}

/** A generator running `f(args)` (any callable value), for drivers. */
export function* startCall(f: LuaValue, args: LuaValue[], d: string | undefined): Generator<unknown, unknown, unknown> {
  if (f instanceof LuaFunction) {
    if (f.g !== undefined) return yield* f.g(f, args);
    return f.nf!(args);
  }
  return yield* callMeta(f, args, d);
}

/** Calling a non-function: __call or an error. */
export function* callMeta(f: LuaValue, args: LuaValue[], d: string | undefined): Generator<unknown, unknown, unknown> {
  const h = metaOf(f, '__call');
  if (h instanceof LuaFunction) {
    const a = [f, ...args];
    if (h.g !== undefined) return yield* h.g(h, a);
    return h.nf!(a);
  }
  return typeErr(f, 'call', d);
}

// ------------------------------------------------------------------ plain mode

/** A RangeError of the JS stack while in plain mode (pcall lets it through as a PlainAbort). */
export function plainStackError(e: unknown): boolean {
  return e instanceof RangeError && CUR.pm && !isMemoryError(e);
}

/**
 * Plain code's budget check (`if (--S.b < 0) PB()`). In plain mode: every `pmSlice` ops, abort
 * when the host's check says so (its slice of real time is over). Outside it (plain code run synchronously by generator code,
 * natives or call()): what a synchronous section does (the host hook).
 */
export function PB(): void {
  const S = CUR;
  if (S.pm) {
    S.opsBase += S.windowStart - S.b;
    S.b = S.pmSlice;
    S.windowStart = S.b;
    if (S.pmStop !== undefined && S.pmStop()) throw new PlainAbort('slice');
    return;
  }
  if (S.syncDepth === 0 && S.onSyncBudget === undefined) {
    // called by generator code as a native: it cannot pause here, the caller's next check does
    S.b = 0;
    return;
  }
  syncBudget(S);
}

/** Plain code calling something with no plain version: a native, or a value with __call. */
export function CP(c: LuaValue, a: LuaValue[], d: string | undefined): unknown {
  if (c instanceof LuaFunction) {
    if (c.g !== undefined && (c.needsG === undefined || c.needsG())) return needG(c, a);
    return c.nf!(a);
  }
  return callMetaP(c, a, d);
}

/** CP for a method call (o:name()): natives' argument numbers shift (nfm). */
export function CPM(c: LuaValue, a: LuaValue[], d: string | undefined): unknown {
  if (c instanceof LuaFunction) {
    if (c.g !== undefined && (c.needsG === undefined || c.needsG())) return needG(c, a);
    return nfm(c, a);
  }
  return callMetaP(c, a, d);
}

/** A callee whose resumable version is needed: plain mode aborts; elsewhere (a synchronous section) it runs as one. */
function needG(c: LuaFunction, a: LuaValue[]): unknown {
  if (CUR.pm) throw new PlainAbort('needs a generator: ' + c.name);
  if (c.nf !== undefined) return c.nf(a);
  return callSync(c, a, true);
}

/** Calls any value from plain-mode code (pcall's plain variant). */
export function callP(f: LuaValue, a: LuaValue[], d: string | undefined): unknown {
  if (f instanceof LuaFunction && f.p !== undefined) return f.p(f, a);
  return CP(f, a, d);
}

function callMetaP(f: LuaValue, args: LuaValue[], d: string | undefined): unknown {
  const h = metaOf(f, '__call');
  if (h instanceof LuaFunction) {
    const a = [f, ...args];
    if (h.p !== undefined) return h.p(h, a);
    return CP(h, a, undefined);
  }
  return typeErr(f, 'call', d);
}

/** `nf` of a function made by plain code: runs its plain version (`this` is the function: always called as f.nf(args)). */
export const P_NF = function (this: LuaFunction, A: LuaValue[]): LuaValue[] {
  return this.p!(this, A) as LuaValue[];
};

/** A Lua function compiled by plain code: only a plain version (see docs/lua.md, "Plain mode"). */
export function mkP(name: string, env: LuaTable | undefined, p: (F: LuaFunction, A: LuaValue[]) => unknown): LuaFunction {
  const f = new LuaFunction(name, P_NF, undefined, env);
  f.p = p;
  f.lua = true;
  return f;
}

/** A native called as a method (o:name()): argument numbers shift like luaL_argerror's "method" case. */
export function nfm(f: LuaFunction, args: LuaValue[]): LuaValue[] {
  try {
    return f.nf!(args);
  } catch (e) {
    if (e instanceof LuaError && e.level === 1 && typeof e.value === 'string') {
      const m = /^bad argument #(\d+) to '([^']*)'/.exec(e.value);
      if (m) {
        const n = Number(m[1]) - 1;
        e.value = n === 0 ? `calling '${m[2]}' on bad self` + e.value.slice(m[0].length).replace(/^ \(/, ' (') : `bad argument #${n} to '${m[2]}'` + e.value.slice(m[0].length);
        e.message = e.value;
      }
    }
    throw e;
  }
}

// ------------------------------------------------------------------ indexing

export function index(o: LuaValue, k: LuaValue, d?: string): LuaValue {
  if (o instanceof LuaTable) {
    const v = o.get(k);
    if (v !== undefined || o.metatable === undefined) return v;
  }
  return indexSlow(o, k, d);
}

export function indexStr(o: LuaValue, k: string, d?: string): LuaValue {
  if (o instanceof LuaTable) {
    const v = o.getStr(k);
    if (v !== undefined || o.metatable === undefined) return v;
  }
  return indexSlow(o, k, d);
}

export function indexSlow(o: LuaValue, k: LuaValue, d: string | undefined): LuaValue {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      const v = o.get(k);
      if (v !== undefined) return v;
      const mt = o.metatable;
      if (mt === undefined) return undefined;
      h = mt.getStr('__index');
      if (h === undefined) return undefined;
    } else {
      h = metaOf(o, '__index');
      if (h === undefined) typeErr(o, 'index', loop === 0 ? d : undefined);
    }
    if (h instanceof LuaFunction) return first(callTM(h, [o, k]));
    o = h;
    d = undefined;
  }
  return rtError('loop in gettable');
}

export function setIndex(o: LuaValue, k: LuaValue, v: LuaValue, d?: string): void {
  if (o instanceof LuaTable && o.metatable === undefined) {
    o.set(k, v);
    return;
  }
  setIndexSlow(o, k, v, d);
}

export function setIndexSlow(o: LuaValue, k: LuaValue, v: LuaValue, d: string | undefined): void {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      const mt = o.metatable;
      if (mt === undefined || o.get(k) !== undefined) { o.set(k, v); return; }
      h = mt.getStr('__newindex');
      if (h === undefined) { o.set(k, v); return; }
      if (o.readonly) rtError('Attempt to modify a readonly table');
      o.touch(k);
    } else {
      h = metaOf(o, '__newindex');
      if (h === undefined) typeErr(o, 'index', loop === 0 ? d : undefined);
    }
    if (h instanceof LuaFunction) { callTM(h, [o, k, v]); return; }
    o = h;
    d = undefined;
  }
  rtError('loop in settable');
}

export function getGlobal(env: LuaTable, k: string): LuaValue {
  const v = env.getStr(k);
  if (v !== undefined || env.metatable === undefined) return v;
  return indexSlow(env, k, undefined);
}

export function setGlobal(env: LuaTable, k: string, v: LuaValue): void {
  if (env.metatable === undefined && !env.readonly) {
    env.rawset(k, v);
    return;
  }
  setIndexSlow(env, k, v, undefined);
}

// ------------------------------------------------------------------ arithmetic

const ARITH_EVENTS: Record<string, string> = {
  '+': '__add', '-': '__sub', '*': '__mul', '/': '__div', '%': '__mod', '^': '__pow',
};

export function pow(a: number, b: number): number {
  if (b !== b) return a === 1 ? 1 : NaN;
  if ((a === 1 || a === -1) && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

export function mod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

function rawArith(op: string, x: number, y: number): number {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return x / y;
    case '%': return mod(x, y);
    case '^': return pow(x, y);
    default: return -x;
  }
}

export function arith(op: string, a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  const x = tonum(a), y = tonum(b);
  if (x !== undefined && y !== undefined) return rawArith(op, x, y);
  const ev = ARITH_EVENTS[op]!;
  let h = metaOf(a, ev);
  if (h === undefined) h = metaOf(b, ev);
  if (h !== undefined) return first(callTM(h, [a, b]));
  if (x === undefined) typeErr(a, 'perform arithmetic on', da);
  return typeErr(b, 'perform arithmetic on', db);
}

export function unm(a: LuaValue, d?: string): LuaValue {
  const x = tonum(a);
  if (x !== undefined) return -x;
  const h = metaOf(a, '__unm');
  if (h !== undefined) return first(callTM(h, [a, a]));
  return typeErr(a, 'perform arithmetic on', d);
}

export function len(a: LuaValue, d?: string): LuaValue {
  if (typeof a === 'string') return a.length;
  if (a instanceof LuaTable) return a.length();
  const h = metaOf(a, '__len');
  if (h !== undefined) return first(callTM(h, [a, undefined]));
  return typeErr(a, 'get length of', d);
}

export function concat(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  const ta = typeof a, tb = typeof b;
  if ((ta === 'string' || ta === 'number') && (tb === 'string' || tb === 'number')) {
    return (ta === 'number' ? numberToString(a as number) : (a as string)) + (tb === 'number' ? numberToString(b as number) : (b as string));
  }
  let h = metaOf(a, '__concat');
  if (h === undefined) h = metaOf(b, '__concat');
  if (h !== undefined) return first(callTM(h, [a, b]));
  if (ta === 'string' || ta === 'number') return typeErr(b, 'concatenate', db);
  return typeErr(a, 'concatenate', da);
}

// Binary operators with their number/string fast path (small: V8 inlines them into compiled code).
export function ADD(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a + b : arith('+', a, b, da, db);
}
export function SUB(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a - b : arith('-', a, b, da, db);
}
export function MUL(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a * b : arith('*', a, b, da, db);
}
export function DIV(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a / b : arith('/', a, b, da, db);
}
export function MOD(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a - Math.floor(a / b) * b : arith('%', a, b, da, db);
}
export function POW(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? pow(a, b) : arith('^', a, b, da, db);
}
export function CAT(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue {
  return typeof a === 'string' && typeof b === 'string' ? a + b : concat(a, b, da, db);
}
export function LT(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a < b : lt(a, b);
}
export function LE(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a <= b : le(a, b);
}
export function GT(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : lt(b, a);
}
export function GE(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a >= b : le(b, a);
}

// ------------------------------------------------------------------ comparison

function compareError(a: LuaValue, b: LuaValue): never {
  const t1 = typeName(a), t2 = typeName(b);
  if (t1 === t2) rtError(`attempt to compare two ${t1} values`);
  return rtError(`attempt to compare ${t1} with ${t2}`);
}

function compTM(a: LuaValue, b: LuaValue, ev: string): LuaValue {
  const h1 = metaOf(a, ev);
  if (h1 === undefined) return undefined;
  const h2 = metaOf(b, ev);
  if (h1 !== h2) return undefined; // raw equality of the two handlers
  return h1;
}

export function lt(a: LuaValue, b: LuaValue): boolean {
  const ta = typeof a;
  if (ta !== typeof b) return compareError(a, b);
  if (ta === 'number') return (a as number) < (b as number);
  if (ta === 'string') return (a as string) < (b as string);
  const h = compTM(a, b, '__lt');
  if (h === undefined) return compareError(a, b);
  const r = first(callTM(h, [a, b]));
  return r !== undefined && r !== false;
}

export function le(a: LuaValue, b: LuaValue): boolean {
  const ta = typeof a;
  if (ta !== typeof b) return compareError(a, b);
  if (ta === 'number') return (a as number) <= (b as number);
  if (ta === 'string') return (a as string) <= (b as string);
  let h = compTM(a, b, '__le');
  if (h !== undefined) {
    const r = first(callTM(h, [a, b]));
    return r !== undefined && r !== false;
  }
  h = compTM(b, a, '__lt');
  if (h !== undefined) {
    const r = first(callTM(h, [b, a]));
    return !(r !== undefined && r !== false);
  }
  return compareError(a, b);
}

/** a == b for two objects that are not the same (tables/userdata with __eq). */
export function eqObj(a: LuaValue, b: LuaValue): boolean {
  if (a === b) return true;
  if (!((a instanceof LuaTable && b instanceof LuaTable) || (a instanceof LuaUserdata && b instanceof LuaUserdata))) return false;
  const h = compTM(a, b, '__eq');
  if (h === undefined) return false;
  const r = first(callTM(h, [a, b]));
  return r !== undefined && r !== false;
}

export function eq(a: LuaValue, b: LuaValue): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && eqObj(a, b));
}

// ------------------------------------------------------------------ for loops

export function forNum(v: LuaValue, what: string): number {
  const n = tonum(v);
  if (n === undefined) rtError(`'for' ${what} must be a number`);
  return n;
}

// ------------------------------------------------------------------ tables

/** SETLIST of a constructor: values from `base`+1; grows the array part like OP_SETLIST. */
export function setList(t: LuaTable, base: number, vals: LuaValue[]): void {
  const last = base + vals.length;
  if (last > t.arr.length) t.resizeArray(last);
  const arr = t.arr;
  for (let i = 0; i < vals.length; i++) arr[base + i] = vals[i];
}

/** A compiled Lua function. */
export function mkFn(name: string, env: LuaTable | undefined, g: LuaFunction['g']): LuaFunction {
  const f = new LuaFunction(name, undefined, g, env);
  f.lua = true;
  return f;
}

/**
 * A leaf Lua function (no calls, loops or closures: it cannot yield nor run long): compiled as a plain
 * function run through `nf` (a direct call, no generator). Its results follow the compiled-code
 * convention (one value or an array); callSync normalises them.
 */
export function mkLeaf(name: string, env: LuaTable | undefined, s: (F: LuaFunction, A: LuaValue[]) => unknown): LuaFunction {
  const f = new LuaFunction(name, P_NF, undefined, env);
  f.p = s;
  f.lua = true;
  return f;
}

/** The `arg` table of a 5.1 vararg function that does not use `...`. */
export function argTable(va: LuaValue[]): LuaTable {
  const t = new LuaTable(va.length, 1);
  for (let i = 0; i < va.length; i++) t.arr[i] = va[i];
  t.setStr('n', va.length);
  return t;
}

export function overflow(): never {
  return rtError('stack overflow');
}

export type { NativeFn };
export { LuaFunction, LuaTable, LuaError, LuaCoroutine, LuaUserdata };
