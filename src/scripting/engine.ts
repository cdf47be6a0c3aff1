/**
 * The scripting engine of a server: one sandboxed Lua state (as Redis's
 * eval.c/script_lua.c build it), the script cache by SHA1, and the run of one
 * script at a time (script.c: scriptPrepareForRun / scriptCall / scriptKill).
 *
 * A script runs synchronously (atomically: nothing else runs) until it ends or
 * busy-reply-threshold ms of real time pass; then it goes on in slices between
 * event loop turns while other clients get -BUSY (except commands flagged
 * allow_busy: SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE...).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ReplyError } from '../errors.js';
import { aclScriptCheck } from '../server/acl.js';
import type { Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import { F, type Command } from '../server/registry.js';
import { ATTENTION } from '../server/dispatch.js';
import { ATTENTION_MAXMEMORY, evictionOf, OOM_ERROR } from '../server/eviction.js';
import { ATTENTION_DISK_ERROR, MISCONF } from '../commands/persistence.js';

const ATTENTION_REPLICA = ATTENTION.REPLICA;
const ATTENTION_STALE = ATTENTION.STALE;
import type { RedKitServer } from '../server/server.js';
import type { ClusterState } from '../cluster/state.js';
import type { Database } from '../store/database.js';
import { BUDGET, CP } from '../lua/runtime.js';
import {
  createState, Execution, LuaError, LuaFunction, LuaKill, LuaState, LuaTable, luaLError, nativeFunction, PLAIN_STOPPED, tostring,
  type LuaValue, type StateSnapshot,
} from '../lua/index.js';
import { errorTable, errTableMessage, luaToReply, numberArg, replyToLua } from './convert.js';
import { Rand48 } from './rand.js';

export const SCRIPT_FLAG = {
  NO_WRITES: 1,
  ALLOW_OOM: 2,
  ALLOW_STALE: 4,
  NO_CLUSTER: 8,
  /** A script without a shebang: checks are made per command, as before 7.0. */
  EVAL_COMPAT: 16,
  ALLOW_CROSS_SLOT: 32,
} as const;

const FLAG_NAMES: Record<string, number> = {
  'no-writes': SCRIPT_FLAG.NO_WRITES,
  'allow-oom': SCRIPT_FLAG.ALLOW_OOM,
  'allow-stale': SCRIPT_FLAG.ALLOW_STALE,
  'no-cluster': SCRIPT_FLAG.NO_CLUSTER,
  'allow-cross-slot-keys': SCRIPT_FLAG.ALLOW_CROSS_SLOT,
};

export const E = {
  noscript: 'NOSCRIPT No matching script. Please use EVAL.',
  busy: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
  busyFunction: 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
  notBusy: 'NOTBUSY No scripts in execution right now.',
  unkillable: 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  killed: 'ERR Script killed by user with SCRIPT KILL...',
  writeFromRo: 'ERR Write commands are not allowed from read-only scripts.',
  roWithWriteFlag: 'ERR Can not execute a script with write flag using *_ro command.',
  unknownCmd: 'ERR Unknown Redis command called from script',
  wrongArgs: 'ERR Wrong number of args calling Redis command from script',
  noScriptCmd: 'ERR This Redis command is not allowed from script',
  noCluster: "ERR Can not run script on cluster, 'no-cluster' flag is set.",
  noAllowOom: "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
  writeOnReplica: 'READONLY Can not run script with write flag on readonly replica',
  misconfScript: "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.",
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  masterDownScript: "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.",
  staleCmd: 'ERR Can not execute the command on a stale replica',
} as const;

/** The globals a script sees (Redis 7.0.15's _G after initialisation), plus KEYS and ARGV. */
const KEPT_GLOBALS = new Set([
  '_G', '_VERSION', 'assert', 'bit', 'cjson', 'cmsgpack', 'collectgarbage', 'coroutine', 'error', 'gcinfo',
  'getmetatable', 'ipairs', 'load', 'loadstring', 'math', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset',
  'redis', 'select', 'setmetatable', 'string', 'struct', 'table', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall',
  '__redis__err__handler',
]);

export interface CachedScript {
  sha: string;
  /** The script as sent (shebang included). */
  source: string;
  flags: number;
  fn: LuaFunction;
  target: RunTarget;
}

/**
 * What is running now (Redis's scriptRunCtx). The engine reuses the record of a script that ended
 * within its first slice (nothing can hold it then: the asynchronous part's closures and pending
 * replies only exist once a script goes asynchronous).
 */
export class ScriptRun {
  ctx!: Context;
  /** The sha (EVAL) or the function name (FCALL): "script: <name>" in errors. */
  name = '';
  isEval = true;
  flags = 0;
  /** EVAL_RO / FCALL_RO, or a no-writes script: write commands are refused. */
  readOnly = false;
  resp: 2 | 3 = 2;
  /** A write command ran (SCRIPT KILL answers UNKILLABLE). */
  wrote = false;
  /** Over maxmemory when the command that started it passed the OOM gate (Redis's script_oom). */
  oom = false;
  killed = false;
  /** Past the busy threshold: other clients get -BUSY. */
  busy = false;
  /** Running in slices between event loop turns (other clients wait, then get -BUSY). */
  async = false;
  /** Slices run by the scheduler (a paused redis.call knows who resumed it). */
  slices = 0;
  /** An asynchronous reply the script waits for. */
  waiting: Pending | undefined = undefined;
  /** Resumes a script waiting for an asynchronous reply (SCRIPT KILL). */
  poke: (() => void) | undefined = undefined;
  /** performance.now() at the start. */
  startedAt = 0;
  /** The EVAL/FCALL command that started it (FUNCTION STATS): what the client sent, saved below. */
  get commandName(): string {
    return this.savedSentName;
  }
  get commandArgs(): string[] {
    return this.savedSentArgs;
  }
  /** What the recorder tells about the script. */
  info!: { sha: string; source: string } | { function: string; library: string };
  // The client's state before the script (restored when it ends: SELECT, redis.setresp...).
  savedDb!: Database;
  savedDbIndex = 0;
  savedProtocol: 2 | 3 = 2;
  savedInScript = false;
  savedCommand!: Command;
  savedSentName = '';
  savedSentArgs: string[] = [];
  /** The script pinned the clock (unpin when it ends). */
  pinned = false;

  /** (Re)initialise for a run of `o` by ctx. */
  begin(ctx: Context, o: RunTarget, flags: number, readOnly: boolean, startedAt: number): void {
    this.ctx = ctx;
    this.name = o.name;
    this.isEval = o.isEval;
    this.flags = flags;
    this.readOnly = readOnly;
    this.resp = 2;
    this.wrote = false;
    this.oom = false;
    this.killed = false;
    this.busy = false;
    this.async = false;
    this.slices = 0;
    this.waiting = undefined;
    this.poke = undefined;
    this.startedAt = startedAt;
    this.info = o.info;
    this.savedDb = ctx.db;
    this.savedDbIndex = ctx.dbIndex;
    this.savedProtocol = ctx.protocol;
    this.savedInScript = ctx.inScript;
    this.savedCommand = ctx.command;
    this.savedSentName = ctx.sentName;
    this.savedSentArgs = ctx.sentArgs;
    this.pinned = false;
  }

  /** Drop what could keep a client's data alive while the record waits for its next run. */
  release(): void {
    this.ctx = undefined as unknown as Context;
    this.savedSentArgs = NO_STRINGS;
    this.savedDb = undefined as unknown as Database;
    this.savedCommand = undefined as unknown as Command;
    this.waiting = undefined;
  }
}

const NO_STRINGS: string[] = [];

/**
 * Optional property of a middleware function: `defers()` false = it answers no later than its
 * next() does (returns next()'s result, or a reply of its own at once), so scripts calling
 * commands through it need not be able to pause (LuaState.runPlain). Without it, a middleware
 * is assumed to possibly answer later.
 */
export interface MiddlewareDefers {
  defers?: () => boolean;
}

/** How a script or function runs: one object per cached script / function, reused by every call. */
export interface RunTarget {
  /** The sha (EVAL) or the function name (FCALL): "script: <name>" in errors. */
  name: string;
  isEval: boolean;
  info: ScriptRun['info'];
  /** KEYS and ARGV are globals (EVAL) rather than the arguments of the function (FCALL). */
  asGlobals: boolean;
  /** The state the function lives in (FCALL); the EVAL state by default. */
  L?: LuaState;
}

/** A command's reply that is not there yet (redis.call of an asynchronous command). */
export class Pending {
  settled = false;
  private value: LuaValue = undefined;
  private error: unknown = undefined;
  private abandoned = false;
  constructor(readonly promise: Promise<unknown>, convert: (r: unknown) => LuaValue) {
    promise.then(
      (r) => {
        if (this.abandoned) return;
        try {
          this.value = convert(r);
        } catch (e) {
          this.error = e;
        }
        this.settled = true;
      },
      (e) => {
        this.error = e;
        this.settled = true;
      },
    );
  }
  take(): LuaValue {
    if (this.error !== undefined) throw this.error;
    return this.value;
  }
  abandon(): void {
    this.abandoned = true;
  }
}

/**
 * Replay log of an EVAL run started in plain mode (LuaState.runPlain): what the host calls with
 * effects outside Lua answered (redis.call/pcall: the command's raw reply, or the refusal; redis.log:
 * a mark). When plain mode stops, the run starts again in generator mode and those calls take their
 * answers from here, in order, without running again; past the last one the run goes on live.
 */
class CallLog {
  /** A command's raw reply (a Reply, or the Promise of one), a CallRefused, or LOGGED; `n` of them. */
  readonly entries: unknown[] = [];
  n = 0;
  pos = 0;
  replaying = false;
  /** The state natives keep, as the run started (LuaState.snapshot). */
  // (`random` starts as a double: math.random's state is one (rand.ts), stored in place in a
  // double field rather than a new heap number per run)
  readonly snap: StateSnapshot = { ids: 0, random: 0.5 };

  add(e: unknown): void {
    this.entries[this.n++] = e;
  }

  /** Empty (the array keeps its storage: no allocation per run; the entries are dropped). */
  clear(): void {
    const es = this.entries;
    for (let i = 0; i < this.n; i++) es[i] = undefined;
    if (this.n > 64) es.length = 0;
    this.n = 0;
    this.pos = 0;
    this.replaying = false;
  }
}

/** A redis.call/pcall refused before running a command (CallLog entry). */
class CallRefused {
  constructor(readonly msg: string, readonly fromCommand: boolean) {}
}

/** A redis.log line (CallLog entry). */
const LOGGED = { logged: true };

export const sha1hex = (s: string): string => createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');

/**
 * A KEYS/ARGV table holding args[from..to). `reuse`: the table of the previous EVAL, refilled when
 * the script left it as made (array part only, no metatable, never exposed by identity: tostring,
 * used as a key). An EVAL script cannot keep a reference past its end (the globals and every table
 * reachable from them are read-only), so only its changes to the table itself could show.
 */
function argTable(reuse: LuaTable | undefined, args: string[], from: number, to: number): LuaTable {
  const n = to - from;
  let t: LuaTable;
  if (reuse !== undefined && reuse.nodes.length === 0 && reuse.map.size === 0 && reuse.metatable === undefined && !reuse.readonly && reuse.id === 0) {
    t = reuse;
    if (t.arr.length !== n) t.arr.length = n; // (a length store is a runtime call even when equal)
  } else {
    t = new LuaTable(n, 0);
  }
  const arr = t.arr;
  for (let i = from; i < to; i++) arr[i - from] = args[i];
  return t;
}

/** The arguments of an EVAL script's main chunk (KEYS and ARGV are globals). */
const NO_ARGS: LuaValue[] = [];

/** Ops per slice between real-time checks (about a millisecond of Lua). */
const SLICE = 100_000;
/** The longest an EVAL run stays in plain mode before going on resumable (replayed), in ms. */
const PLAIN_SLICE_MS = 50;

/** A server-level attention bit (dispatch.ts ATTENTION) set while a script is busy. */
export const ATTENTION_BUSY = 1 << 10;

export function parseShebang(body: string): { flags: number; skip: number } {
  if (!body.startsWith('#!')) return { flags: SCRIPT_FLAG.EVAL_COMPAT, skip: 0 };
  const nl = body.indexOf('\n');
  if (nl < 0) throw new ReplyError('ERR Invalid script shebang');
  const parts = body.slice(0, nl).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new ReplyError('ERR Invalid engine in script shebang');
  if (parts[0] !== '#!lua') throw new ReplyError(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  let flags = 0;
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j];
    if (p.startsWith('flags=')) {
      const list = p.slice(6);
      if (list === '') continue;
      for (const f of list.split(',')) {
        const bit = FLAG_NAMES[f];
        if (bit === undefined) throw new ReplyError(`ERR Unexpected flag in script shebang: ${f}`);
        flags |= bit;
      }
    } else {
      throw new ReplyError(`ERR Unknown lua shebang option: ${p}`);
    }
  }
  return { flags, skip: nl };
}

/** Redis's version number as REDIS_VERSION_NUM encodes it (0x00MMmmpp). */
function versionNum(v: string): number {
  const [a, b, c] = v.split('.').map((x) => parseInt(x, 10) || 0);
  return ((a & 0xff) << 16) | ((b & 0xff) << 8) | (c & 0xff);
}

function readonlyRecursively(t: LuaTable, seen: Set<LuaTable>): void {
  if (seen.has(t)) return;
  seen.add(t);
  t.readonly = true;
  let k = t.next(undefined);
  while (k !== undefined) {
    if (k[1] instanceof LuaTable) readonlyRecursively(k[1], seen);
    k = t.next(k[0]);
  }
  if (t.metatable !== undefined) readonlyRecursively(t.metatable, seen);
}

/** Builds a sandboxed state: Redis's libraries, the redis table, the global protection. */
export function createSandbox(opts: {
  random: Rand48;
  version: string;
  call: (args: LuaValue[], raise: boolean) => LuaValue | Pending;
  log: (level: number, msg: string) => void;
  running: () => ScriptRun | undefined;
  /** May a command called by a script answer later (a Promise)? Then redis.call needs its resumable version. */
  asyncReplies: () => boolean;
  extra?: (redis: LuaTable, G: LuaTable) => void;
}): LuaState {
  const L = createState({ random: opts.random, print: () => undefined });
  const G = L.globals;
  const fn = (name: string, f: (a: LuaValue[]) => LuaValue[]) => nativeFunction(name, f);
  const redis = new LuaTable();
  const ERRV = (msg: string): never => {
    throw new LuaError(errorTable(msg, false));
  };
  const inScript = (what: string): ScriptRun => {
    const r = opts.running();
    if (r === undefined) ERRV(`${what} can only be called inside a script invocation`);
    return r!;
  };
  const callFn = (name: string, raise: boolean) => {
    const f = new LuaFunction(name, (a) => {
      const v = opts.call(a, raise);
      if (!(v instanceof Pending)) return [v];
      v.abandon();
      opts.running()!.waiting = undefined;
      throw new LuaError(errorTable('-ERR RedKit: a command inside a script answered asynchronously where the script cannot pause', false));
    }, function* (_F, a) {
      const v = opts.call(a, raise);
      if (!(v instanceof Pending)) return [v];
      // An asynchronous reply (a delay fault, a custom async command): pause the script until it settles.
      const run = opts.running()!;
      for (;;) {
        const slices = run.slices;
        yield BUDGET;
        if (v.settled) return [v.take()];
        // Resumed by a synchronous section (metamethod, sort comparator...), not by the scheduler.
        if (run.slices === slices) {
          v.abandon();
          run.waiting = undefined;
          const t = errorTable('-ERR RedKit: a command inside a script answered asynchronously where the script cannot pause', false);
          throw new LuaError(t);
        }
      }
    }, undefined);
    // nf does what g does unless a reply can come later: a script calling only such natives
    // runs without a generator (LuaState.runPlain)
    f.needsG = opts.asyncReplies;
    // Called by plain code directly (its `(c?.p ?? CP)(c, args)`): the value itself, without the
    // one-slot array nf returns and the CP hop (compiled code takes a bare value as one result).
    // While a reply can come later, CP decides (plain mode stops there, elsewhere nf runs).
    f.p = (_F, a) => {
      if (opts.asyncReplies()) return CP(f, a, undefined);
      const v = opts.call(a, raise);
      if (!(v instanceof Pending)) return v;
      v.abandon();
      opts.running()!.waiting = undefined;
      throw new LuaError(errorTable('-ERR RedKit: a command inside a script answered asynchronously where the script cannot pause', false));
    };
    return f;
  };
  redis.rawset('call', callFn('call', true));
  redis.rawset('pcall', callFn('pcall', false));
  redis.rawset('log', fn('log', (a) => {
    if (a.length < 2) ERRV('redis.log() requires two arguments or more.');
    const lv = a[0];
    const level = typeof lv === 'number' ? lv : typeof lv === 'string' && lv.trim() !== '' && !Number.isNaN(Number(lv)) ? Number(lv) : undefined;
    if (level === undefined) ERRV('First argument must be a number (log level).');
    const l = Math.trunc(level!);
    if (l < 0 || l > 3) ERRV('Invalid debug level.');
    const parts: string[] = [];
    for (let j = 1; j < a.length; j++) {
      const v = a[j];
      if (typeof v === 'string' || typeof v === 'number') parts.push(tostring(v));
    }
    opts.log(l, parts.join(' '));
    return [];
  }));
  redis.rawset('LOG_DEBUG', 0);
  redis.rawset('LOG_VERBOSE', 1);
  redis.rawset('LOG_NOTICE', 2);
  redis.rawset('LOG_WARNING', 3);
  redis.rawset('REDIS_VERSION_NUM', versionNum(opts.version));
  redis.rawset('REDIS_VERSION', opts.version);
  redis.rawset('setresp', fn('setresp', (a) => {
    const run = inScript('redis.setresp');
    if (a.length !== 1) ERRV('redis.setresp() requires one argument.');
    const v = a[0];
    const n = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? Math.trunc(Number(v) || 0) : 0;
    if (n !== 2 && n !== 3) ERRV('RESP version must be 2 or 3.');
    run.resp = n as 2 | 3;
    run.ctx.protocol = n as 2 | 3;
    return [];
  }));
  redis.rawset('sha1hex', fn('sha1hex', (a) => {
    if (a.length !== 1) ERRV('wrong number of arguments');
    const v = a[0];
    const s = typeof v === 'string' ? v : typeof v === 'number' ? tostring(v) : '';
    return [sha1hex(s)];
  }));
  redis.rawset('error_reply', fn('error_reply', (a) => {
    if (a.length !== 1 || typeof a[0] !== 'string') return [errorTable('wrong number or type of arguments', false)];
    const s = a[0];
    return [errorTable(s.startsWith('-') ? s : '-' + s, false)];
  }));
  redis.rawset('status_reply', fn('status_reply', (a) => {
    if (a.length !== 1 || typeof a[0] !== 'string') return [errorTable('wrong number or type of arguments', false)];
    const t = new LuaTable();
    t.rawset('ok', a[0]);
    return [t];
  }));
  redis.rawset('set_repl', fn('set_repl', (a) => {
    inScript('redis.set_repl');
    if (a.length !== 1) ERRV('redis.set_repl() requires two arguments.');
    const v = a[0];
    const n = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? Math.trunc(Number(v) || 0) : 0;
    if ((n & ~3) !== 0) ERRV('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    return [];
  }));
  redis.rawset('REPL_NONE', 0);
  redis.rawset('REPL_AOF', 1);
  redis.rawset('REPL_SLAVE', 2);
  redis.rawset('REPL_REPLICA', 2);
  redis.rawset('REPL_ALL', 3);
  redis.rawset('replicate_commands', fn('replicate_commands', () => [true]));
  redis.rawset('breakpoint', fn('breakpoint', () => [false]));
  redis.rawset('debug', fn('debug', () => []));
  redis.rawset('acl_check_cmd', fn('acl_check_cmd', (a) => {
    const run = inScript('redis.acl_check_cmd');
    if (a.length === 0) ERRV('Please specify at least one argument for this redis lib call');
    const name = a[0];
    if (typeof name !== 'string' && typeof name !== 'number') ERRV('Lua redis lib command arguments must be strings or integers');
    const cmd = run.ctx.server.registry.lookup(tostring(name));
    if (cmd === undefined) ERRV('Invalid command passed to redis.acl_check_cmd()');
    return [true];
  }));
  opts.extra?.(redis, G);
  G.rawset('redis', redis);

  // redis's pcall: an error table becomes its err string (Redis 6 compatibility).
  const base = G.get('pcall') as LuaFunction;
  const fixPcall = (r: unknown): LuaValue[] => {
    const res = r as LuaValue[];
    if (res[0] === false && res[1] instanceof LuaTable) {
      const e = res[1].get('err');
      if (typeof e === 'string' || typeof e === 'number') return [false, e];
    }
    return res;
  };
  const pcall = new LuaFunction(
    'pcall',
    (a) => fixPcall(base.nf!(a)),
    function* (F, a) {
      const r: unknown = yield* base.g!(F, a);
      return fixPcall(r);
    },
    undefined,
  );
  pcall.p = (F, a) => fixPcall(base.p!(F, a));
  G.rawset('pcall', pcall);
  G.rawset('__redis__err__handler', fn('__redis__err__handler', (a) => [a[0]]));

  // Only Redis's globals stay (no print, dofile, loadfile, os, debug, getfenv...).
  const drop: LuaValue[] = [];
  let k = G.next(undefined);
  while (k !== undefined) {
    if (typeof k[0] !== 'string' || !KEPT_GLOBALS.has(k[0])) drop.push(k[0]);
    k = G.next(k[0]);
  }
  for (const d of drop) G.rawset(d, undefined);

  // Global protection: reading a missing global fails, nothing can be modified.
  const meta = new LuaTable();
  meta.rawset('__index', fn('__index', (a) => {
    const n = a[1];
    luaLError(`Script attempted to access nonexistent global variable '${typeof n === 'string' || typeof n === 'number' ? tostring(n) : '?'}'`);
  }));
  G.metatable = meta;
  const seen = new Set<LuaTable>();
  readonlyRecursively(G, seen);
  // strings' metatable too (getmetatable('').x = 1 fails in Redis 7.0): no table a script can
  // write outlives its run
  if (L.rt.stringMeta !== undefined) readonlyRecursively(L.rt.stringMeta, seen);
  return L;
}

/** The script engine of one server (ext slot 'scripting'). */
export class ScriptEngine {
  readonly rand = new Rand48();
  readonly L: LuaState;
  readonly scripts = new Map<string, CachedScript>();
  run: ScriptRun | undefined;
  /** The record of the last script if it ended synchronously (reused by the next). */
  private spare: ScriptRun | undefined;
  /** Numbers EVAL's plain runs (RtState.reuseRun). */
  private runSeq = 0;
  /** The KEYS and ARGV tables of the last EVAL script (argTable). */
  private keysT: LuaTable | undefined;
  private argvT: LuaTable | undefined;
  /** Set while a busy script runs: resolves when it ends (tests, SHUTDOWN). */
  private busyDone: Promise<void> | undefined;
  /** EVAL runs that left plain mode and were replayed resumable, and why the last one left it (tests). */
  replays = 0;
  lastAbort = '';
  /** The longest an EVAL run stays in plain mode (ms; half the busy threshold if less). */
  plainSliceMs = PLAIN_SLICE_MS;
  /** Logging (plain mode) or replaying (generator mode after it) the host calls of an EVAL run. */
  private callLog: CallLog | undefined;
  private readonly callLogSpare = new CallLog();
  /** Plain mode's real-time check (runPlain's `stop`): the run goes on resumable past its slice. */
  private readonly plainStop = (): boolean => {
    const run = this.run;
    if (run === undefined) return true;
    const t = this.threshold();
    // before the busy threshold nobody else is served anyway: plain mode may take half of it, at most 50 ms
    const slice = t > 0 ? Math.min(t / 2, this.plainSliceMs) : this.plainSliceMs;
    return performance.now() - run.startedAt >= slice;
  };

  constructor(readonly server: RedKitServer) {
    this.L = createSandbox({
      random: this.rand,
      version: server.redisVersion,
      call: (a, raise) => this.redisCall(a, raise),
      log: (level, msg) => this.log(level, msg),
      running: () => this.run,
      asyncReplies: () => this.asyncReplies(),
    });
  }

  private fnState: LuaState | undefined;
  /** The Lua state of function libraries (created on first use). */
  functionsState(): LuaState {
    if (this.fnState === undefined) {
      this.fnState = createSandbox({
        random: this.rand,
        version: this.server.redisVersion,
        call: (a, raise) => this.redisCall(a, raise),
        log: (level, msg) => this.log(level, msg),
        running: () => this.run,
        asyncReplies: () => this.asyncReplies(),
      });
    }
    return this.fnState;
  }

  /**
   * Can a command run by redis.call answer later? Only through middleware or a custom command:
   * built-in commands answer at once inside a script (blocking ones answer as on timeout). A
   * middleware that never answers later than its next() does says so with a `defers` property
   * returning false (MiddlewareDefers: the fixture's recorder; its faults while no rule is set).
   */
  private asyncReplies(): boolean {
    if (this.server.registry.custom !== 0) return true;
    const mws = this.server.dispatcher.middleware;
    for (let i = 0; i < mws.length; i++) {
      const defers = (mws[i] as MiddlewareDefers).defers;
      if (defers === undefined || defers()) return true;
    }
    return false;
  }

  private log(level: number, msg: string): void {
    const cl = this.callLog;
    if (cl !== undefined) {
      // logged once: in plain mode; a replay skips it
      if (cl.replaying) { this.replayed(cl); return; }
      cl.add(LOGGED);
    }
    const lg = this.server.logger;
    if (level >= 3) lg.warn(msg);
    else if (level === 2) lg.info(msg);
    else lg.debug(msg);
  }

  /** Compile and cache a script (SCRIPT LOAD, EVAL): returns its entry. */
  create(source: string, sha = sha1hex(source)): CachedScript {
    const have = this.scripts.get(sha);
    if (have !== undefined) return have;
    const { flags, skip } = parseShebang(source);
    let fn: LuaFunction;
    try {
      // The shebang line is skipped, its line feed kept: line numbers stay the user's.
      fn = this.L.load(skip === 0 ? source : source.slice(skip), '@user_script');
    } catch (e) {
      const msg = e instanceof LuaError ? (typeof e.value === 'string' ? e.value : tostring(e.value)) : String(e);
      throw new ReplyError(`ERR Error compiling script (new function): ${msg}`);
    }
    const s: CachedScript = { sha, source, flags, fn, target: { name: sha, isEval: true, info: { sha, source }, asGlobals: true } };
    this.scripts.set(sha, s);
    return s;
  }

  /**
   * The cached script of an EVAL body, by the body itself: EVAL of a known script skips the SHA1
   * (a Map lookup hashes and compares the string natively). Holds the cached scripts' own source
   * strings (no copy).
   */
  private readonly bodies = new Map<string, CachedScript>();

  /** EVAL: the script of `body`, compiled and cached on first use. */
  forBody(body: string): CachedScript {
    let s = this.bodies.get(body);
    if (s === undefined) {
      const sha = sha1hex(body);
      s = this.scripts.get(sha) ?? this.create(body, sha);
      this.bodies.set(s.source, s);
    }
    return s;
  }

  flush(): void {
    this.scripts.clear();
    this.bodies.clear();
    this.lastSha = '';
    this.lastShaScript = undefined;
  }

  /**
   * EVALSHA's script by its sha (either case). The last one found is kept: the parser hands out
   * the same string for a repeated SHA (src/resp/parser.ts sha1Hex), so a repeat costs a pointer
   * comparison instead of a Map lookup comparing 40 characters. Scripts are only ever added or
   * all flushed, so the pair stays right until flush().
   */
  bySha(sha: string): CachedScript | undefined {
    if (sha === this.lastSha) return this.lastShaScript;
    const s = this.scripts.get(sha) ?? this.scripts.get(sha.toLowerCase());
    if (s !== undefined) {
      this.lastSha = sha;
      this.lastShaScript = s;
    }
    return s;
  }

  private lastSha = '';
  private lastShaScript: CachedScript | undefined = undefined;

  /** Is a script running past the busy threshold (other clients get -BUSY)? */
  get busy(): boolean {
    return this.run !== undefined && this.run.busy;
  }

  /**
   * Checks before running (scriptPrepareForRun): flags against the command
   * (EVAL_RO with a script that may write), then runs fn with KEYS (the `nkeys`
   * arguments from `args[from]`) and ARGV (the rest).
   *
   * The common case (a script that ends within its first slice) allocates the
   * run, the two tables and the Lua execution: no closures; the asynchronous
   * part (runAsync) sets up its own.
   */
  runScript(ctx: Context, fn: LuaFunction, flags: number, args: string[], from: number, nkeys: number, ro: boolean, o: RunTarget): Reply | Promise<Reply> {
    const d = this.server.dispatcher;
    // Redis's script_oom, taken when the EVAL/FCALL/EXEC passed the OOM gate (only while maxmemory is set)
    const oom = (d.attention & ATTENTION_MAXMEMORY) !== 0 && this.oomAtStart();
    if ((flags & SCRIPT_FLAG.EVAL_COMPAT) === 0) this.prepareChecks(flags, ro, oom);
    else if ((d.attention & ATTENTION_STALE) !== 0) throw new ReplyError(E.masterDown);
    if (this.run !== undefined) throw new ReplyError('ERR RedKit: a script is already running');
    let run = this.spare;
    if (run === undefined) run = new ScriptRun();
    else this.spare = undefined;
    run.begin(ctx, o, flags, ro || (flags & SCRIPT_FLAG.NO_WRITES) !== 0, d.commandStart());
    run.oom = oom;
    const observer = this.server.ext.scriptObserver as ((info: ScriptRun['info']) => void) | undefined;
    if (observer !== undefined) observer({ ...o.info });
    run.pinned = ctx.clock.pin();
    this.run = run;
    ctx.inScript = true;
    ctx.protocol = 2;
    const keysEnd = from + nkeys;
    const L = o.L ?? this.L;
    let fargs: LuaValue[];
    if (o.L === undefined && o.asGlobals) {
      // EVAL: the previous call's KEYS/ARGV when the script left them as they were made
      // (the globals are read-only to scripts: a refilled table is still the global, no store needed)
      const K0 = this.keysT;
      const K = argTable(K0, args, from, keysEnd);
      if (K !== K0) L.globals.rawset('KEYS', (this.keysT = K));
      const A0 = this.argvT;
      const A = argTable(A0, args, keysEnd, args.length);
      if (A !== A0) L.globals.rawset('ARGV', (this.argvT = A));
      fargs = NO_ARGS;
    } else {
      // a function may keep its arguments (a library's upvalue): new tables each call
      fargs = [argTable(undefined, args, from, keysEnd), argTable(undefined, args, keysEnd, args.length)];
    }
    // EVAL runs start in plain mode (docs/lua.md): no generators. Function libraries keep state of
    // their own (upvalues) that a replay would change twice: FCALL runs resumable from the start.
    if (o.L === undefined && o.asGlobals) {
      const log = (this.callLog = this.callLogSpare);
      L.snapshot(log.snap);
      let raw: unknown;
      // the script's functions from its previous run are out of reach (no writable table outlives
      // a run): its main chunk's sites may give them back (RtState.reuseRun)
      const rt = L.rt;
      rt.reuseRun = ++this.runSeq;
      try {
        raw = L.runPlainRaw(fn, fargs, this.plainStop);
      } catch (e) {
        return this.finishRun(run, undefined, e);
      } finally {
        rt.reuseRun = 0;
      }
      // (the first result: a bare value, or the first of an array)
      if (raw !== PLAIN_STOPPED) return this.finishRun(run, Array.isArray(raw) ? (raw[0] as LuaValue) : (raw as LuaValue), undefined);
      // plain mode stopped: replay from the start, resumable, the logged calls answered from the log
      this.replays++;
      this.lastAbort = L.aborted;
      L.restore(log.snap);
      run.resp = 2;
      ctx.protocol = 2;
      L.globals.rawset('KEYS', (this.keysT = argTable(undefined, args, from, keysEnd)));
      L.globals.rawset('ARGV', (this.argvT = argTable(undefined, args, keysEnd, args.length)));
      if (log.n === 0) {
        this.callLog = undefined;
        log.clear();
      } else {
        log.replaying = true;
      }
    }
    // A script that may run for long sees the time it started at (pin() holds the first reading).
    if (run.pinned) ctx.clock.pinNow();
    const ex = L.start(fn, fargs);
    let threshold = -1;
    // Synchronous part: until done, past the busy threshold, or waiting for an asynchronous reply.
    try {
      for (;;) {
        const results = ex.step(SLICE);
        if (results !== undefined) return this.finishRun(run, results[0], undefined);
        run.slices++;
        if (run.waiting !== undefined) break;
        if (threshold < 0) threshold = this.threshold();
        if (threshold > 0 && performance.now() - run.startedAt >= threshold) break;
      }
    } catch (e) {
      return this.finishRun(run, undefined, e);
    }
    if (threshold < 0) threshold = this.threshold();
    return this.runAsync(run, ex, threshold);
  }

  private isReplica(): boolean {
    return (this.server.ext.helloRole as (() => string) | undefined)?.() === 'replica';
  }

  /** Over maxmemory with nothing to evict when this command passed the gate. */
  private oomAtStart(): boolean {
    const ev = evictionOf(this.server);
    return ev.maxmemory !== 0 && ev.oomAtCommand;
  }

  /**
   * scriptPrepareForRun's checks of a shebang script or a function against the server's state
   * (in Redis's order).
   */
  private prepareChecks(flags: number, ro: boolean, oom: boolean): void {
    if ((flags & SCRIPT_FLAG.NO_CLUSTER) !== 0 && this.server.ext.cluster !== undefined) throw new ReplyError(E.noCluster);
    // (no-writes implies allow-oom)
    if ((flags & (SCRIPT_FLAG.ALLOW_OOM | SCRIPT_FLAG.NO_WRITES)) === 0 && oom) throw new ReplyError(E.noAllowOom);
    const att = this.server.dispatcher.attention;
    // a stale replica (replica-serve-stale-data no, src/replication/)
    if ((att & ATTENTION_STALE) !== 0 && (flags & SCRIPT_FLAG.ALLOW_STALE) === 0) throw new ReplyError(E.masterDownScript);
    if ((flags & SCRIPT_FLAG.NO_WRITES) === 0) {
      if ((att & ATTENTION_REPLICA) !== 0) throw new ReplyError(E.writeOnReplica);
      if ((att & ATTENTION_DISK_ERROR) !== 0 && !this.isReplica()) throw new ReplyError(E.misconfScript);
      if (ro) throw new ReplyError(E.roWithWriteFlag);
    }
  }

  /** The script ended (`result`: its first result) or failed (err): the client's state back, the reply. */
  private finishRun(run: ScriptRun, result: LuaValue, err: unknown): Reply {
    const ctx = run.ctx;
    this.run = undefined;
    if (this.callLog !== undefined) {
      this.callLog.clear();
      this.callLog = undefined;
    }
    ctx.db = run.savedDb;
    ctx.dbIndex = run.savedDbIndex;
    ctx.protocol = run.savedProtocol;
    ctx.inScript = run.savedInScript;
    ctx.command = run.savedCommand;
    ctx.sentName = run.savedSentName;
    ctx.sentArgs = run.savedSentArgs;
    if (run.pinned) ctx.clock.unpin();
    const reply = err !== undefined ? this.errorReply(run, err) : luaToReply(result, run.resp);
    if (run.async) {
      this.server.setAttention(ATTENTION_BUSY, false);
    } else {
      // ended within its first slice: nothing refers to the record, the next script reuses it
      run.release();
      this.spare = run;
    }
    return reply;
  }

  /**
   * Asynchronous part: slices between event loop turns. Other clients wait (the gate holds
   * them) until the threshold, then get -BUSY.
   */
  private runAsync(run: ScriptRun, ex: Execution, threshold: number): Promise<Reply> {
    run.async = true;
    this.server.setAttention(ATTENTION_BUSY, true);
    let done!: () => void;
    this.busyDone = new Promise<void>((res) => (done = res));
    let busyTimer: ReturnType<typeof setTimeout> | undefined;
    const checkBusy = (): void => {
      if (run.busy || this.run !== run || threshold <= 0) return;
      const elapsed = performance.now() - run.startedAt;
      if (elapsed >= threshold) {
        run.busy = true;
        if (busyTimer !== undefined) clearTimeout(busyTimer);
        busyTimer = undefined;
        this.server.logger.warn(`Slow script detected: still in execution after ${Math.round(elapsed)} milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.name}.`);
        this.wakeWaiters();
        return;
      }
      // (timers may fire a little early: check again then)
      if (busyTimer === undefined) {
        busyTimer = setTimeout(() => {
          busyTimer = undefined;
          checkBusy();
        }, Math.ceil(threshold - elapsed) + 1);
        busyTimer.unref?.();
      }
    };
    checkBusy();
    return new Promise<Reply>((resolve) => {
      const step = (): void => {
        let reply: Reply | undefined;
        const w = run.waiting;
        if (w !== undefined && !w.settled && !run.killed) {
          let once = false;
          const go = (): void => {
            if (once) return;
            once = true;
            run.poke = undefined;
            step();
          };
          run.poke = go;
          w.promise.then(go, go);
          return;
        }
        if (w !== undefined && !w.settled) w.abandon();
        run.waiting = undefined;
        try {
          const results = run.killed
            ? ex.step(SLICE, new LuaKill(errorTable('-' + E.killed, false)))
            : ex.step(SLICE);
          if (results !== undefined) reply = this.finishRun(run, results[0], undefined);
          else run.slices++;
        } catch (e) {
          reply = this.finishRun(run, undefined, e);
        }
        if (reply === undefined) {
          checkBusy();
          setImmediate(step);
          return;
        }
        if (busyTimer !== undefined) clearTimeout(busyTimer);
        this.busyDone = undefined;
        done();
        this.wakeWaiters();
        resolve(reply);
      };
      setImmediate(step);
    });
  }

  /** Clients held while a script runs asynchronously (before it is busy). */
  private waiters: Array<() => void> = [];

  /** Let held clients go on (the script ended, or is busy and they get -BUSY). */
  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Hold a command until the running script ends or becomes busy. */
  hold(): Promise<void> {
    return new Promise<void>((res) => this.waiters.push(res));
  }

  /** Resolves when no busy script runs. */
  whenIdle(): Promise<void> {
    return this.busyDone ?? Promise.resolve();
  }

  threshold(): number {
    try {
      return this.server.config.getNumber('busy-reply-threshold');
    } catch {
      return 5000;
    }
  }

  /** The error reply of a failed script (luaCallFunction + __redis__err__handler). */
  private errorReply(run: ScriptRun, e: unknown): ReplyError {
    if (!(e instanceof LuaError)) {
      return new ReplyError(`ERR Error running script ${run.name}, ${String((e as Error)?.message ?? e).slice(0, 100)}`);
    }
    const v = e.value;
    let msg: string;
    let counted = false;
    if (v instanceof LuaTable) {
      msg = errTableMessage(v) ?? 'ERR unknown error';
      counted = v.get('ignore_error_stats_update') === true;
    } else {
      msg = `ERR ${v === undefined ? 'nil' : tostring(v as LuaValue)}`;
    }
    if (e.source !== undefined && e.line !== undefined) msg += ` script: ${run.name}, on ${e.source}:${e.line}.`;
    const r = new ReplyError(msg);
    if (counted) r.noStats = true;
    return r;
  }

  /** A refusal of redis.call/pcall: raised (call) or returned as an error table (pcall). */
  private callFailed(run: ScriptRun, msg: string, raise: boolean, fromCommand: boolean): LuaValue {
    this.callLog?.add(new CallRefused(msg, fromCommand));
    const t = errorTable(/^[A-Z]+ /.test(msg) ? '-' + msg : msg, fromCommand);
    // scriptCall's own refusals count as error replies where they happen
    if (fromCommand) run.ctx.server.dispatcher.countError(new ReplyError(t.get('err') as string));
    if (raise) throw new LuaError(t);
    return t;
  }

  /** A command refused by scriptCall's checks (counted as rejected). */
  private callRejected(run: ScriptRun, cmd: Command, msg: string, raise: boolean): LuaValue {
    cmd.stats.rejected++;
    run.ctx.server.dispatcher.stats.rejectedCalls++;
    return this.callFailed(run, msg, raise, true);
  }

  /** The last command redis.call looked up: its name and the registry version then. */
  private callName = '';
  private callCmd: Command | undefined;
  private callVersion = -1;

  /** redis.call / redis.pcall (luaRedisGenericCommand + scriptCall). */
  private redisCall(a: LuaValue[], raise: boolean): LuaValue | Pending {
    const run = this.run;
    if (run === undefined) {
      throw new LuaError(errorTable('redis.call/pcall can only be called inside a script invocation', false));
    }
    const log = this.callLog;
    if (log !== undefined && log.replaying) return this.replayCall(run, log, raise);
    const n = a.length;
    if (n === 0) return this.callFailed(run, 'Please specify at least one argument for this redis lib call', raise, false);
    const a0 = a[0];
    const name = typeof a0 === 'string' ? a0 : typeof a0 === 'number' ? numberArg(a0) : undefined;
    // The arguments after the command name.
    let args: string[] = new Array<string>(n - 1);
    for (let j = 1; j < n; j++) {
      const v = a[j];
      if (typeof v === 'string') args[j - 1] = v;
      else if (typeof v === 'number') args[j - 1] = numberArg(v);
      else return this.callFailed(run, 'Lua redis lib command arguments must be strings or integers', raise, false);
    }
    if (name === undefined) return this.callFailed(run, 'Lua redis lib command arguments must be strings or integers', raise, false);
    const ctx = run.ctx;
    const server = ctx.server;
    // The command of the previous call when the name is the same (often the same string: a
    // constant of the script) and no command was added or removed since.
    const registry = server.registry;
    let cmd: Command;
    if (name === this.callName && registry.version === this.callVersion) cmd = this.callCmd!;
    else {
      const found = registry.lookup(name);
      if (found === undefined) return this.callFailed(run, E.unknownCmd, raise, true);
      cmd = found;
      this.callName = name;
      this.callCmd = cmd;
      this.callVersion = registry.version;
    }
    const sentArgs = args;
    let argc = n;
    if (cmd.subcommands !== undefined && args.length > 0) {
      const sub = cmd.subcommands.get(args[0].toLowerCase());
      if (sub === undefined) return this.callFailed(run, E.unknownCmd, raise, true);
      cmd = sub;
      args = args.slice(1);
      argc = args.length + 2;
    }
    const arity = cmd.arity;
    if ((arity > 0 && argc !== arity) || argc < -arity) return this.callRejected(run, cmd, E.wrongArgs, raise);
    const bits = cmd.flagBits;
    if ((bits & F.noscript) !== 0) return this.callRejected(run, cmd, E.noScriptCmd, raise);
    // scriptVerifyAllowStale: on a stale replica only `stale` commands (an allow-stale script runs there)
    if ((bits & F.stale) === 0 && (server.dispatcher.attention & ATTENTION_STALE) !== 0) return this.callRejected(run, cmd, E.staleCmd, raise);
    const denied = aclScriptCheck(ctx, cmd, args);
    if (denied !== undefined) return this.callRejected(run, cmd, denied, raise);
    if ((bits & F.write) !== 0 && run.readOnly) return this.callRejected(run, cmd, E.writeFromRo, raise);
    const d = server.dispatcher;
    // A read-only replica (src/replication/): a script's write answers -READONLY, as a client's; -MISCONF after a failed save.
    if ((bits & F.write) !== 0 && (d.attention & (ATTENTION_REPLICA | ATTENTION_DISK_ERROR)) !== 0) {
      return this.callRejected(run, cmd, (d.attention & ATTENTION_REPLICA) !== 0 ? "READONLY You can't write against a read only replica." : MISCONF, raise);
    }
    // scriptVerifyOOM: over maxmemory when the script started, its first denyoom command before any write is refused
    if (run.oom && (bits & F.denyoom) !== 0 && !run.wrote && (run.flags & SCRIPT_FLAG.ALLOW_OOM) === 0 && !this.isReplica()) return this.callRejected(run, cmd, OOM_ERROR, raise);
    // Cluster mode (src/cluster/state.ts): a key of another node's slot is refused.
    const cluster = server.ext.cluster as ClusterState | undefined;
    if (cluster !== undefined) {
      if ((bits & F.write) !== 0) run.wrote = true;
      const refused = cluster.scriptCheck(ctx, cmd, args, (run.flags & (SCRIPT_FLAG.EVAL_COMPAT | SCRIPT_FLAG.ALLOW_CROSS_SLOT)) !== 0);
      if (refused !== undefined) return this.callRejected(run, cmd, refused, raise);
    }
    ctx.sentName = name;
    ctx.sentArgs = sentArgs;
    d.prelude?.(ctx, cmd);
    const reply = d.run(ctx, cmd, args);
    if ((bits & F.write) !== 0) run.wrote = true;
    if (log !== undefined) log.add(reply);
    if (reply instanceof Promise) return this.pendingReply(run, reply, raise);
    return this.callReply(run, reply as Reply, raise);
  }

  /** A command's reply as redis.call/pcall gives it to the script. */
  private callReply(run: ScriptRun, reply: Reply, raise: boolean): LuaValue {
    const v = replyToLua(reply, run.resp);
    if (raise && v instanceof LuaTable) {
      if (reply instanceof ReplyError) throw new LuaError(v);
      if (typeof v.get('err') === 'string' && isErrorEncoded(reply)) throw new LuaError(v);
    }
    return v;
  }

  /** Takes the next entry of a replay log; past the last one the run is live again. */
  private replayed(log: CallLog): unknown {
    const e = log.entries[log.pos++];
    if (log.pos >= log.n) {
      this.callLog = undefined;
      log.clear();
    }
    return e;
  }

  /**
   * redis.call/pcall replayed (CallLog): the logged reply converted again (fresh tables, the
   * script's current RESP), or the logged refusal, with nothing run or counted again.
   */
  private replayCall(run: ScriptRun, log: CallLog, raise: boolean): LuaValue | Pending {
    const e = this.replayed(log);
    if (e === LOGGED) throw new Error('internal: script replay out of step (redis.log logged, redis.call replayed)');
    if (e instanceof CallRefused) {
      const t = errorTable(/^[A-Z]+ /.test(e.msg) ? '-' + e.msg : e.msg, e.fromCommand);
      if (raise) throw new LuaError(t);
      return t;
    }
    if (e instanceof Promise) return this.pendingReply(run, e as Promise<Reply>, raise);
    return this.callReply(run, e as Reply, raise);
  }

  /** An asynchronous reply (a delay fault, a custom command): the script pauses until it settles. */
  private pendingReply(run: ScriptRun, reply: Promise<Reply>, raise: boolean): Pending {
    const p = new Pending(reply, (r) => {
      const v = replyToLua(r as Reply, run.resp);
      if (raise && v instanceof LuaTable && typeof v.get('err') === 'string') throw new LuaError(v);
      return v;
    });
    run.waiting = p;
    return p;
  }

  /** SCRIPT KILL / FUNCTION KILL. */
  kill(isEval: boolean): void {
    const run = this.run;
    if (run === undefined || !run.busy) throw new ReplyError(E.notBusy);
    if (run.wrote) throw new ReplyError(E.unkillable);
    // The other KILL answers the busy error that names the right one.
    if (run.isEval !== isEval) throw new ReplyError(run.isEval ? E.busy : E.busyFunction);
    run.killed = true;
    run.poke?.();
  }
}

/** A reply value that encodes as a top-level error (a RawReply starting with '-'). */
function isErrorEncoded(r: Reply): boolean {
  return r !== null && typeof r === 'object' && 'resp2' in r && (r as { resp2: Buffer }).resp2[0] === 0x2d;
}

export function engineOf(server: RedKitServer): ScriptEngine {
  let e = server.ext.scripting as ScriptEngine | undefined;
  if (e === undefined) {
    e = new ScriptEngine(server);
    server.ext.scripting = e;
  }
  return e;
}

export { E as ScriptErrors };

/** INFO memory's scripting fields (estimates shaped like Redis's: an empty VM is ~32 KB). */
export function scriptingMemory(server: RedKitServer): {
  vmEval: number; scriptsEval: number; cachedScripts: number; functions: number; libraries: number; vmFunctions: number; functionsMem: number;
} {
  const e = server.ext.scripting as ScriptEngine | undefined;
  const f = server.ext.functions as { memory(): { vm: number; mem: number; functions: number; libraries: number } } | undefined;
  let scriptsEval = 0;
  let vmEval = 31744;
  if (e !== undefined) {
    for (const s of e.scripts.values()) {
      scriptsEval += s.source.length + 104;
      vmEval += 1024 * Math.ceil((s.source.length * 3 + 512) / 1024);
    }
  }
  const fm = f?.memory() ?? { vm: 32768, mem: 184, functions: 0, libraries: 0 };
  return {
    vmEval, scriptsEval, cachedScripts: e?.scripts.size ?? 0,
    functions: fm.functions, libraries: fm.libraries, vmFunctions: fm.vm, functionsMem: fm.mem,
  };
}
