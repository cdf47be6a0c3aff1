/**
 * RedKit's Lua 5.1.5 engine. Public API:
 *
 *   const L = new LuaState();
 *   const f = L.load(source, '@user_script');      // LuaError with 5.1's compile message
 *   L.call(f, [arg1, ...]);                         // runs to completion
 *   const ex = L.start(f, args);                    // resumable run
 *   ex.run(10000) -> { done: true, results } | { done: false }   (paused after ~10000 ops)
 *   ex.kill(new LuaError('Script killed by user'));
 */
import { chunkId, parse } from './parser.js';
import { Compiler, type LazySites } from './compiler.js';
import * as R from './runtime.js';
import { BUDGET, LuaKill, PlainAbort, RtState, setCurrent, syncBudget } from './runtime.js';
import {
  LuaError, LuaFunction, LuaTable, objectIdCounter, setObjectIdCounter, type LuaValue,
} from './value.js';
import { INEXT, NEXT, openBase } from './stdlib/base.js';
import { openString } from './stdlib/string.js';
import { openTable } from './stdlib/table.js';
import { openMath, type RandomSource, glibcRandom } from './stdlib/math.js';
import { openOs } from './stdlib/os.js';
import { openRedisLibs } from './lib/index.js';

export * from './value.js';
export { LuaKill, PlainAbort } from './runtime.js';

/** LuaState.runPlainRaw's answer when plain mode stopped (the run must go on resumable). */
export const PLAIN_STOPPED: unique symbol = Symbol('plain mode stopped');
export { tostr as tostring, tonum as tonumber, callSync } from './runtime.js';
export type { RandomSource } from './stdlib/math.js';

export interface LuaStateOptions {
  /** Prepended to the chunk names given to load(): with '@', load(src, 'user_script') names it '@user_script' (shown as user_script:1:). */
  chunkNamePrefix?: string;
  /** Also open Redis's libraries (cjson, struct, cmsgpack, bit) like Redis's scripting engine. */
  redisLibs?: boolean;
  /** Output of print(); default: process.stdout. */
  print?: (line: string) => void;
  /** math.random's generator; default: glibc rand()/srand() as Debian's lua5.1 uses. */
  random?: RandomSource;
  /** os.time() / os.clock() sources (seconds). */
  time?: () => number;
  clock?: () => number;
}

// The compiled chunk is the body of a generator function nested in a factory run once per load():
// the factory takes the runtime (R, S...) and unpacks its helpers into constants the chunk's
// functions close over, so a call of the chunk allocates only its own generator.
const PRELUDE = `"use strict";
const { LuaFunction, LuaTable, BUDGET, EMPTY, NNAN, MAX_LUA_DEPTH: MAXD, fix, overflow, first, mv, callMeta, nfm,
  index, indexStr, setIndex, getGlobal, setGlobal, PB, CP, CPM, mkP, arith, unm, len, concat, lt, le, eq, mod, pow, forNum, setList, argTable, mkFn, mkLeaf, ADD, SUB, MUL, DIV, MOD, POW, CAT, LT, LE, GT, GE } = R;
const LF = LuaFunction, CM = callMeta, GG = getGlobal, IS = indexStr, IX = index, F1 = first;
`;

type MainGen = (F: LuaFunction, A: LuaValue[]) => Generator<unknown, unknown, unknown>;
type MainPlain = (F: LuaFunction, A: LuaValue[]) => unknown;
type Factory<T> = (R: unknown, S: RtState, NEXT: unknown, INEXT: unknown) => T;
type SiteMaker = (L: LuaFunction, ...ups: unknown[]) => LuaFunction;
type FactoryZ<T> = (R: unknown, S: RtState, NEXT: unknown, INEXT: unknown, Z: (SiteMaker | undefined)[], ZC: (k: number) => SiteMaker, ZM: (k: number, name: string, env: LuaTable | undefined, ...u: unknown[]) => LuaFunction) => T;
/**
 * A compiled chunk: its plain version, compiled by load(); its generator version, compiled the
 * first time a run needs it (`lazyGen`, the chunk function's `g` until then).
 */
interface CompiledChunk {
  plain: MainPlain;
  gen: MainGen | undefined;
  lazyGen: MainGen;
}

export interface StateSnapshot { ids: number; random: unknown }

export type RunResult = { done: true; results: LuaValue[] } | { done: false };

export class Execution {
  private gen: Generator<unknown, unknown, unknown> | undefined;
  private depth = 0;
  private nny = 0;
  finished = false;

  constructor(private readonly state: LuaState, fn: LuaValue, args: LuaValue[]) {
    this.gen = fn instanceof LuaFunction && fn.g !== undefined ? fn.g(fn, args) : R.startCall(fn, args, undefined);
  }

  /**
   * Runs about `budgetOps` ops (function entries + loop iterations), then pauses.
   * `raise`: resume a paused execution by raising this error where it stopped (the
   * error goes through the script's frames, so it gets their position; a LuaKill is
   * not caught by pcall): how the host stops a script with a proper error.
   */
  run(budgetOps: number, raise?: LuaError): RunResult {
    const results = this.step(budgetOps, raise);
    return results === undefined ? { done: false } : { done: true, results };
  }

  /** run() without the result object: the results when done, undefined when paused. */
  step(budgetOps: number, raise?: LuaError): LuaValue[] | undefined {
    const gen = this.gen;
    if (gen === undefined) throw this.killedWith ?? new LuaError('execution already finished');
    const rt = this.state.rt;
    const prev = setCurrent(rt);
    const savedDepth = rt.depth, savedNny = rt.nny, savedCcalls = rt.ccalls;
    const savedCo = rt.co;
    rt.depth = this.depth; rt.nny = this.nny; rt.ccalls = 0; rt.co = undefined;
    const savedSync = rt.syncDepth, savedOwe = rt.owe;
    rt.syncDepth = 0; rt.owe = false;
    rt.b = budgetOps; rt.windowStart = budgetOps;
    try {
      const r = raise === undefined ? gen.next() : gen.throw(raise);
      if (r.done) {
        this.finish();
        return R.mv(r.value);
      }
      if (r.value !== BUDGET) throw new LuaError('attempt to yield from outside a coroutine');
      return undefined;
    } catch (e) {
      this.finish();
      throw finalError(e);
    } finally {
      rt.opsBase += rt.windowStart - rt.b;
      rt.windowStart = rt.b;
      this.depth = rt.depth; this.nny = rt.nny;
      rt.depth = savedDepth; rt.nny = savedNny; rt.ccalls = savedCcalls; rt.co = savedCo;
      rt.syncDepth = savedSync; rt.owe = savedOwe;
      setCurrent(prev);
    }
  }

  /**
   * Abandons a paused execution (its frames are dropped, no Lua code runs). A later run() throws
   * `error`. To stop a script while it runs (from a hook or a native), throw a LuaKill instead.
   */
  kill(error: LuaError = new LuaKill('Script killed')): void {
    this.finish();
    this.killedWith = error;
  }

  private killedWith: LuaError | undefined;

  private finish(): void {
    this.gen = undefined;
    this.finished = true;
  }
}

function finalError(e: unknown): LuaError {
  if (e instanceof LuaError) {
    if (e.level > 0) R.errorValue(e);
    return e;
  }
  return new LuaError(R.errorValue(e));
}

/** A lazy site's function kept for a later run (LuaState.compile, ZM). */
interface ReusedSite {
  run: number;
  fn: LuaFunction;
  env: LuaTable | undefined;
  u: unknown[];
}

/** Captured values that make closures behave the same: identical, numbers by their bits too (0 and -0, NaNs never). */
function sameValues(a: unknown[], b: unknown[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    if (x !== b[i]) return false;
    if (x === 0 && 1 / (x as number) !== 1 / (b[i] as number)) return false;
  }
  return true;
}

/**
 * Captured values worth keeping for a later run: a writable table (or a coroutine) is one the run
 * made (the tables that outlive runs are read-only), never the same at the next run, and keeping
 * it would hold that run's data until the script runs again.
 */
function keepable(u: unknown[]): boolean {
  for (let i = 0; i < u.length; i++) {
    const x = u[i];
    if (typeof x === 'object' && x !== null && !(x instanceof LuaFunction) && !(x instanceof LuaTable && x.readonly)) return false;
  }
  return true;
}

/** A state with the Lua 5.1 standard libraries and Redis's four C libraries. */
export function createState(opts: LuaStateOptions = {}): LuaState {
  return new LuaState({ ...opts, redisLibs: opts.redisLibs ?? true });
}

export class LuaState {
  globals: LuaTable;
  readonly rt = new RtState();
  print: (line: string) => void;
  random: RandomSource;
  readonly chunkNamePrefix: string;
  private factoryCache = new Map<string, CompiledChunk>();

  constructor(opts: LuaStateOptions = {}) {
    this.print = opts.print ?? ((line) => { process.stdout.write(Buffer.from(line + '\n', 'latin1')); });
    this.random = opts.random ?? glibcRandom();
    this.chunkNamePrefix = opts.chunkNamePrefix ?? '';
    const G = new LuaTable();
    this.globals = G;
    const self = this;
    openBase(G, {
      get globals() { return self.globals; },
      set globals(t: LuaTable) { self.globals = t; },
      print: (line) => this.print(line),
      loadString: (src, name) => this.loadRaw(src, name),
      currentFunction: () => this.rt.cf,
    });
    openString(G, this.rt);
    openTable(G);
    openMath(G, () => this.random);
    openOs(G, opts.time, opts.clock);
    if (opts.redisLibs) openRedisLibs(G);
  }

  /** Compiles a chunk. `chunkName` as lua_load takes it: '@user_script' shows as 'user_script', '=x' as 'x', else [string "..."]. */
  load(source: string, name: string = source): LuaFunction {
    const chunkName = this.chunkNamePrefix + name;
    const key = chunkName + '\0' + source;
    let chunk = this.factoryCache.get(key);
    if (chunk === undefined) {
      const plain = this.compile<MainPlain>(source, chunkName, true);
      const self = this;
      const c: CompiledChunk = {
        plain,
        gen: undefined,
        // the generator version, compiled on the first resumable run (a replay after plain mode, start())
        lazyGen: function* (F, A) {
          let g = c.gen;
          if (g === undefined) g = c.gen = self.compile<MainGen>(source, chunkName, false);
          if (F.g === c.lazyGen) F.g = g;
          return yield* g(F, A);
        },
      };
      chunk = c;
      if (this.factoryCache.size >= 500) this.factoryCache.clear();
      this.factoryCache.set(key, chunk);
    }
    const fn = new LuaFunction(chunkName, undefined, chunk.gen ?? chunk.lazyGen, this.globals);
    fn.p = chunk.plain;
    fn.lua = true;
    return fn;
  }

  /** Parses and compiles a chunk to its plain or generator version. */
  private compile<T>(source: string, chunkName: string, plain: boolean): T {
    try {
      const ast = parse(source, chunkName);
      const id = chunkId(chunkName);
      const compiler = new Compiler(id, chunkName);
      if (!plain) {
        const js = compiler.compileMain(ast);
        const make = new Function('R', 'S', 'NEXT', 'INEXT', `${PRELUDE}${js.consts}\nreturn function* (F, A) {\n${js.body}\n};`) as Factory<T>;
        return make(R, this.rt, NEXT, INEXT);
      }
      // plain version: the main chunk's functions get their bodies compiled on their first call
      const lazy: LazySites = { sites: [] };
      compiler.lazy = lazy;
      const js = compiler.compilePlain(ast);
      const Z: (SiteMaker | undefined)[] = new Array(lazy.sites.length).fill(undefined);
      const rt = this.rt;
      const ZC = (k: number): SiteMaker => {
        let m = Z[k];
        if (m === undefined) {
          const site = lazy.sites[k]!;
          try {
            const sjs = new Compiler(id, chunkName).compileSite(site);
            const mk = new Function('R', 'S', 'NEXT', 'INEXT', `${PRELUDE}${sjs.consts}\nreturn ${sjs.body};`) as Factory<SiteMaker>;
            m = Z[k] = mk(R, rt, NEXT, INEXT);
          } catch (e) {
            // the JS stack ran out (a first call deep in a recursion): plain mode stops and the run
            // replays resumable, as for any RangeError; the site is compiled at a later call
            if (e instanceof RangeError) throw e;
            throw new LuaError(`${id}: internal compiler error: ${(e as Error).message}`);
          }
          // every site compiled: the AST is no longer needed
          if (Z.every((x) => x !== undefined)) lazy.sites.length = 0;
        }
        return m;
      };
      // Stub makers: until site k is compiled, the function the main chunk makes gets a plain
      // version that compiles the site on its first call (ZC), makes the real one with the same
      // captured values and runs it. The main chunk calls `(Z[k] ?? ZS[k])(f, ups...)`: one short
      // call per site (the branch and the stub written out at each site made BullMQ's main chunks
      // about 1.6 times as large, and V8 optimizes them again after a deopt: the Worker's warm-up).
      // Reuse (rt.reuseRun, set by the host): a site's function from an earlier run with the same
      // environment and captured values behaves as a new one would, and nothing of that run can
      // still hold it to compare identities; a site made again within one run (a loop, the chunk
      // run again by itself) makes new functions.
      const ZK: (ReusedSite | undefined)[] = new Array(lazy.sites.length).fill(undefined);
      const mkSite = (k: number, name: string, env: LuaTable | undefined, u: unknown[]): LuaFunction => {
        const m = Z[k];
        if (m !== undefined) return m(R.mkP(name, env, undefined as never), ...u);
        return R.mkP(name, env, ($L, A) => ZC(k)($L, ...u).p!($L, A));
      };
      // (a stub is kept too: a site never called, e.g. BullMQ's getPriorityScore without
      // priorities, would otherwise make every function capturing it new at each run)
      const ZM = (k: number, name: string, env: LuaTable | undefined, ...u: unknown[]): LuaFunction => {
        const run = rt.reuseRun;
        if (run === 0) return mkSite(k, name, env, u);
        const c = ZK[k];
        if (c !== undefined && c.run !== run && c.env === env && sameValues(c.u, u)) {
          c.run = run;
          return c.fn;
        }
        const fn = mkSite(k, name, env, u);
        if (c === undefined || c.run !== run) ZK[k] = keepable(u) ? { run, fn, env, u } : undefined;
        return fn;
      };
      const make = new Function('R', 'S', 'NEXT', 'INEXT', 'Z', 'ZC', 'ZM', `${PRELUDE}${js.consts}\nreturn function (F, A) {\n${js.body}\n};`) as FactoryZ<T>;
      return make(R, this.rt, NEXT, INEXT, Z, ZC, ZM);
    } catch (e) {
      if (e instanceof LuaError) throw e;
      // a chunk too deeply nested for the JS stack (C Lua's limits are elsewhere)
      if (e instanceof RangeError) throw new LuaError(`${chunkId(chunkName)}: chunk has too many syntax levels`);
      throw new LuaError(`${chunkId(chunkName)}: internal compiler error: ${(e as Error).message}`);
    }
  }

  /** load() without the chunk name prefix (loadstring inside scripts names chunks itself). */
  loadRaw(source: string, chunkName: string): LuaFunction {
    const prefix = this.chunkNamePrefix;
    if (prefix === '') return this.load(source, chunkName);
    (this as { chunkNamePrefix: string }).chunkNamePrefix = '';
    try {
      return this.load(source, chunkName);
    } finally {
      (this as { chunkNamePrefix: string }).chunkNamePrefix = prefix;
    }
  }

  /** Runs fn(args) to completion. */
  call(fn: LuaValue, args: LuaValue[] = []): LuaValue[] {
    const rt = this.rt;
    const prev = setCurrent(rt);
    const savedDepth = rt.depth, savedNny = rt.nny, savedCcalls = rt.ccalls, savedB = rt.b, savedWindow = rt.windowStart;
    const savedCo = rt.co;
    rt.co = undefined;
    rt.b = rt.syncBudget; rt.windowStart = rt.b;
    try {
      const gen = fn instanceof LuaFunction && fn.g !== undefined ? fn.g(fn, args) : R.startCall(fn, args, undefined);
      let r = gen.next();
      while (!r.done) {
        if (r.value === BUDGET) syncBudget(rt);
        else r = gen.throw(new LuaError('attempt to yield from outside a coroutine', undefined, 1));
        if (!r.done) r = gen.next();
      }
      return R.mv(r.value);
    } catch (e) {
      throw finalError(e);
    } finally {
      rt.opsBase += rt.windowStart - rt.b;
      rt.depth = savedDepth; rt.nny = savedNny; rt.ccalls = savedCcalls; rt.b = savedB; rt.windowStart = savedWindow;
      rt.co = savedCo;
      setCurrent(prev);
    }
  }

  /**
   * Plain mode: runs fn(args) as plain JS functions (no generator: nothing can pause). Returns the
   * results, or undefined when the run had to stop (PlainAbort): `stop()` (called every `sliceOps`
   * ops: the host's real-time check) said so, or it called something that needs
   * to pause (a native whose resumable version is needed now, coroutines), or the JS stack ran out.
   * Whatever ran until then ran: the host replays the run from its start in generator mode
   * (start()), answering the host calls with effects from what it logged (docs/lua.md), after
   * restoring the state natives keep (snapshot()/restore()). Errors as from Execution.step.
   */
  runPlain(fn: LuaValue, args: LuaValue[], stop?: () => boolean, sliceOps = 10_000): LuaValue[] | undefined {
    const r = this.runPlainRaw(fn, args, stop, sliceOps);
    return r === PLAIN_STOPPED ? undefined : R.mv(r);
  }

  /**
   * runPlain() without the results array: what fn returned as compiled code returns it (one value,
   * or an array of them: `Array.isArray` tells, no Lua value is a JS array), or PLAIN_STOPPED.
   * A host that needs only the first result allocates nothing for a one-value return.
   */
  runPlainRaw(fn: LuaValue, args: LuaValue[], stop?: () => boolean, sliceOps = 10_000): unknown {
    if (!(fn instanceof LuaFunction) || fn.p === undefined) return PLAIN_STOPPED;
    const plain = fn.p;
    const rt = this.rt;
    const prev = setCurrent(rt);
    const savedDepth = rt.depth, savedNny = rt.nny, savedCcalls = rt.ccalls;
    const savedCo = rt.co;
    const savedSync = rt.syncDepth, savedOwe = rt.owe, savedPm = rt.pm, savedStop = rt.pmStop, savedSlice = rt.pmSlice;
    rt.depth = 0; rt.nny = 0; rt.ccalls = 0; rt.co = undefined;
    rt.syncDepth = 0; rt.owe = false;
    rt.pm = true; rt.pmStop = stop; rt.pmSlice = sliceOps;
    rt.b = sliceOps; rt.windowStart = sliceOps;
    try {
      return plain(fn, args);
    } catch (e) {
      if (e instanceof PlainAbort) { this.aborted = e.reason; return PLAIN_STOPPED; }
      throw finalError(e);
    } finally {
      rt.opsBase += rt.windowStart - rt.b;
      rt.windowStart = rt.b;
      rt.depth = savedDepth; rt.nny = savedNny; rt.ccalls = savedCcalls; rt.co = savedCo;
      rt.syncDepth = savedSync; rt.owe = savedOwe;
      rt.pm = savedPm; rt.pmStop = savedStop; rt.pmSlice = savedSlice;
      setCurrent(prev);
    }
  }

  /** Why the last runPlain() stopped: 'slice', 'stack', 'needs a generator: <name>'. */
  aborted = '';

  /**
   * The state natives keep that a run can change without effects outside Lua: the object id
   * counter (tostring addresses, traversal order of object keys), math.random's generator.
   * restore() puts it back before a replay. `into`: an object to fill (no allocation).
   */
  snapshot(into?: StateSnapshot): StateSnapshot {
    const random = this.random.save?.();
    if (into === undefined) return { ids: objectIdCounter(), random };
    into.ids = objectIdCounter();
    into.random = random;
    return into;
  }

  restore(s: StateSnapshot): void {
    setObjectIdCounter(s.ids);
    if (s.random !== undefined) this.random.restore?.(s.random);
    this.rt.cs = undefined;
    this.rt.cf = undefined;
  }

  /** A resumable run of fn(args): step it with run(budget). */
  start(fn: LuaValue, args: LuaValue[] = []): Execution {
    return new Execution(this, fn, args);
  }

  /**
   * Host hook for synchronous sections (call(), natives calling Lua, metamethods): `hook` runs every
   * `count` ops; it may throw (e.g. a LuaKill) to stop the script.
   */
  setHook(hook: (() => void) | undefined, count = 1e15): void {
    this.rt.onSyncBudget = hook;
    this.rt.syncBudget = hook ? count : 1e15;
  }

  /** Ops (function entries + loop iterations) run so far in this state. */
  get ops(): number {
    return this.rt.opsBase + (this.rt.windowStart - this.rt.b);
  }
}

export { LuaKill as LuaKillError };
void LuaKill;
