/**
 * Function libraries (Redis 7.0's functions.c / function_lua.c): a second
 * sandboxed Lua state, libraries loaded with `#!lua name=<lib>` code that calls
 * redis.register_function, the function table, and the FUNCTION DUMP payload.
 *
 * As in Redis, the functions' globals are an empty read-only table whose
 * metatable __index is swapped: while a library loads it points at the load
 * API ({ redis = { register_function, log, LOG_*, REDIS_VERSION* } }), while a
 * function runs at the full sandbox (same as EVAL's, without KEYS/ARGV). The
 * library's closures keep that one globals table, so they see the runtime API.
 */
import { ReplyError } from '../errors.js';
import { persistenceOf } from '../commands/persistence.js';
import type { RedKitServer } from '../server/server.js';
import { Crc64 } from '../store/crc64.js';
import { RDB_VERSION, RdbWriter } from '../store/rdb.js';
import { readFunctionsPayload } from './payload.js';
import {
  LuaError, LuaFunction, LuaKill, LuaTable, luaLError, nativeFunction, tostring, type LuaState, type LuaValue,
} from '../lua/index.js';
import { errorTable } from './convert.js';
import { SCRIPT_FLAG, type RunTarget, type ScriptEngine } from './engine.js';

export interface FunctionInfo {
  name: string;
  description: string | undefined;
  flags: number;
  /** Names of the flags as given (FUNCTION LIST shows them in Redis's order). */
  fn: LuaFunction;
  library: Library;
  /** How FCALL runs it (made on the first call). */
  target?: RunTarget;
}

export interface Library {
  name: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

const FLAG_ORDER: Array<[string, number]> = [
  ['no-writes', SCRIPT_FLAG.NO_WRITES],
  ['allow-oom', SCRIPT_FLAG.ALLOW_OOM],
  ['allow-stale', SCRIPT_FLAG.ALLOW_STALE],
  ['no-cluster', SCRIPT_FLAG.NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_FLAG.ALLOW_CROSS_SLOT],
];

export function flagNames(flags: number): string[] {
  return FLAG_ORDER.filter(([, b]) => (flags & b) !== 0).map(([n]) => n);
}

const NAME_RE = /^[A-Za-z0-9_]+$/;
const BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** Parse the `#!lua name=<lib>` first line (functionExtractLibMetaData). */
export function parseLibraryMeta(code: string): { name: string; skip: number } {
  if (!code.startsWith('#!')) throw new ReplyError('ERR Missing library metadata');
  const nl = code.indexOf('\n');
  if (nl < 0) throw new ReplyError('ERR Invalid library metadata');
  const parts = code.slice(0, nl).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new ReplyError('ERR Invalid library metadata');
  const engine = parts[0].slice(2);
  let name: string | undefined;
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j];
    if (p.toLowerCase().startsWith('name=')) {
      name = p.slice(5);
      continue;
    }
    throw new ReplyError(`ERR Invalid metadata value given: ${p}`);
  }
  if (name === undefined) throw new ReplyError('ERR Library name was not given');
  if (engine.toLowerCase() !== 'lua') throw new ReplyError(`ERR Engine '${engine}' not found`);
  if (!NAME_RE.test(name)) throw new ReplyError(`ERR ${BAD_NAME}`);
  return { name, skip: nl };
}

/** The libraries of a server (ext slot 'functions'). */
export class FunctionStore {
  readonly libraries = new Map<string, Library>();
  /** Lower-case function name -> function (function names are case-insensitive). */
  readonly functions = new Map<string, FunctionInfo>();
  private readonly env: LuaTable;
  private readonly meta: LuaTable;
  private readonly runtimeIndex: LuaTable;
  private readonly loadApi: LuaTable;
  /** The library being loaded (register_function adds to it). */
  private loading: Library | undefined;
  /** The array last given to / taken from persistence (RDB files carry the library codes). */
  private synced: string[] | undefined;

  constructor(readonly server: RedKitServer, readonly engine: ScriptEngine, readonly L: LuaState) {
    this.runtimeIndex = L.globals;
    const errMeta = new LuaTable();
    errMeta.rawset('__index', nativeFunction('__index', (a) => {
      const n = a[1];
      luaLError(`Script attempted to access nonexistent global variable '${typeof n === 'string' || typeof n === 'number' ? tostring(n) : '?'}'`);
    }));
    errMeta.readonly = true;
    // The load API.
    const redis = new LuaTable();
    redis.rawset('register_function', nativeFunction('register_function', (a) => this.register(a)));
    const real = L.globals.get('redis') as LuaTable;
    for (const k of ['log', 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM']) redis.rawset(k, real.get(k));
    redis.metatable = errMeta;
    redis.readonly = true;
    const api = new LuaTable();
    api.rawset('redis', redis);
    api.metatable = errMeta;
    api.readonly = true;
    this.loadApi = api;
    // The globals of every library.
    this.meta = new LuaTable();
    this.meta.rawset('__index', this.runtimeIndex);
    this.env = new LuaTable();
    this.env.metatable = this.meta;
    this.env.readonly = true;
  }

  /** RDB files loaded since we last looked (DEBUG RELOAD, restore()): take their libraries. */
  sync(): void {
    const p = persistenceOf(this.server);
    if (p.functions === this.synced) return;
    this.libraries.clear();
    this.functions.clear();
    for (const code of p.functions) {
      try {
        this.load(code, true, false);
      } catch {
        // a library RedKit cannot load stays out
      }
    }
    this.synced = p.functions;
  }

  private publish(): void {
    const arr = [...this.libraries.values()].map((l) => l.code);
    persistenceOf(this.server).functions = arr;
    this.synced = arr;
  }

  /** FUNCTION LOAD: compiles and runs the library code; returns the library name. */
  load(code: string, replace: boolean, publish = true): string {
    if (publish) this.sync();
    const { name, skip } = parseLibraryMeta(code);
    const old = this.libraries.get(name);
    if (old !== undefined && !replace) throw new ReplyError(`ERR Library '${name}' already exists`);
    let fn: LuaFunction;
    try {
      fn = this.L.load(code.slice(skip), '@user_function');
    } catch (e) {
      const msg = e instanceof LuaError ? tostring(e.value) : String(e);
      throw new ReplyError(`ERR Error compiling function: ${msg}`);
    }
    fn.env = this.env;
    const lib: Library = { name, code, functions: new Map() };
    this.loading = lib;
    this.meta.rawset('__index', this.loadApi);
    try {
      const ex = this.L.start(fn, []);
      const t0 = Date.now();
      for (;;) {
        const r = ex.run(100_000);
        if (r.done) break;
        if (Date.now() - t0 > 500) {
          ex.kill();
          throw new LuaError(errorTable('FUNCTION LOAD timeout', false));
        }
      }
    } catch (e) {
      let msg: string;
      if (e instanceof LuaError) {
        const v = e.value;
        msg = v instanceof LuaTable ? String(v.get('err') ?? 'ERR unknown error') : `ERR ${tostring(v)}`;
      } else msg = `ERR ${String(e)}`;
      throw new ReplyError(`ERR Error registering functions: ${msg}`);
    } finally {
      this.loading = undefined;
      this.meta.rawset('__index', this.runtimeIndex);
    }
    if (lib.functions.size === 0) throw new ReplyError('ERR No functions registered');
    for (const f of lib.functions.values()) {
      const have = this.functions.get(f.name.toLowerCase());
      if (have !== undefined && have.library !== old) throw new ReplyError(`ERR Function ${f.name} already exists`);
    }
    this.install(lib, old);
    if (publish) this.publish();
    return name;
  }

  private install(lib: Library, old: Library | undefined): void {
    if (old !== undefined) this.remove(old);
    this.libraries.set(lib.name, lib);
    for (const f of lib.functions.values()) this.functions.set(f.name.toLowerCase(), f);
  }

  private remove(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const f of lib.functions.values()) if (this.functions.get(f.name.toLowerCase())?.library === lib) this.functions.delete(f.name.toLowerCase());
  }

  delete(name: string): void {
    this.sync();
    const lib = this.libraries.get(name);
    if (lib === undefined) throw new ReplyError('ERR Library not found');
    this.remove(lib);
    this.publish();
  }

  flush(): void {
    this.libraries.clear();
    this.functions.clear();
    this.publish();
  }

  get(name: string): FunctionInfo | undefined {
    this.sync();
    return this.functions.get(name.toLowerCase());
  }

  /** FUNCTION DUMP: FUNCTION2 opcodes with the codes, RDB version, CRC64 (rdbSaveFunctions + footer). */
  dump(): Buffer {
    this.sync();
    const w = new RdbWriter(true);
    for (const lib of this.libraries.values()) {
      w.byte(245);
      w.rawString(lib.code);
    }
    w.byte(RDB_VERSION & 0xff);
    w.byte(RDB_VERSION >>> 8);
    const crc = new Crc64().update(w.buf, 0, w.pos);
    const out = Buffer.allocUnsafe(w.pos + 8);
    w.buf.copy(out, 0, 0, w.pos);
    crc.writeLE(out, w.pos);
    return out;
  }

  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. */
  restore(payload: string, policy: 'flush' | 'append' | 'replace'): void {
    this.sync();
    const codes = readFunctionsPayload(Buffer.from(payload, 'latin1'));
    // Load everything into a scratch store first: all or nothing.
    const saved = { libs: new Map(this.libraries), fns: new Map(this.functions) };
    try {
      if (policy === 'flush') {
        this.libraries.clear();
        this.functions.clear();
      }
      for (const code of codes) {
        const { name } = parseLibraryMeta(code);
        if (this.libraries.has(name) && policy === 'append') throw new ReplyError(`ERR Library ${name} already exists`);
        this.load(code, policy !== 'append', false);
      }
    } catch (e) {
      this.libraries.clear();
      this.functions.clear();
      for (const [k, v] of saved.libs) this.libraries.set(k, v);
      for (const [k, v] of saved.fns) this.functions.set(k, v);
      throw e;
    }
    this.publish();
  }

  memory(): { vm: number; mem: number; functions: number; libraries: number } {
    let mem = 184;
    let vm = 32768;
    for (const l of this.libraries.values()) {
      mem += l.code.length + 200 + l.functions.size * 150;
      vm += 1024 * Math.ceil((l.code.length * 3 + 512) / 1024);
    }
    return { vm, mem, functions: this.functions.size, libraries: this.libraries.size };
  }

  /** redis.register_function (luaRegisterFunction). */
  private register(a: LuaValue[]): LuaValue[] {
    const lib = this.loading;
    const fail = (msg: string): never => {
      throw new LuaError(errorTable(msg, false));
    };
    if (lib === undefined) fail('redis.register_function can only be called on FUNCTION LOAD command');
    let name: string | undefined;
    let callback: LuaFunction | undefined;
    let description: string | undefined;
    let flags = 0;
    if (a.length === 1) {
      const t = a[0];
      if (!(t instanceof LuaTable)) fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      const tt = t as LuaTable;
      let k = tt.next(undefined);
      while (k !== undefined) {
        const [key, v] = k;
        if (typeof key !== 'string' && typeof key !== 'number') fail('named argument key given to redis.register_function is not a string');
        if (key === 'function_name') {
          if (typeof v !== 'string' && typeof v !== 'number') fail('function_name argument given to redis.register_function must be a string');
          name = tostring(v);
        } else if (key === 'description') {
          if (typeof v !== 'string' && typeof v !== 'number') fail('description argument given to redis.register_function must be a string');
          description = tostring(v);
        } else if (key === 'callback') {
          if (!(v instanceof LuaFunction)) fail('callback argument given to redis.register_function must be a function');
          callback = v as LuaFunction;
        } else if (key === 'flags') {
          if (!(v instanceof LuaTable)) fail('flags argument to redis.register_function must be a table representing function flags');
          for (let j = 1; ; j++) {
            const f = (v as LuaTable).get(j);
            if (f === undefined) break;
            if (typeof f !== 'string') fail('unknown flag given');
            const bit = FLAG_ORDER.find(([n]) => n === f);
            if (bit === undefined) fail('unknown flag given');
            flags |= bit![1];
          }
        } else fail('unknown argument given to redis.register_function');
        k = tt.next(key);
      }
      if (name === undefined) fail('redis.register_function must get a function name argument');
      if (callback === undefined) fail('redis.register_function must get a callback argument');
    } else if (a.length === 2) {
      const n = a[0];
      if (typeof n !== 'string' && typeof n !== 'number') fail('first argument to redis.register_function must be a string');
      name = tostring(n);
      if (!(a[1] instanceof LuaFunction)) fail('second argument to redis.register_function must be a function');
      callback = a[1] as LuaFunction;
    } else fail('wrong number of arguments to redis.register_function');
    if (!NAME_RE.test(name!)) fail(BAD_NAME);
    // Case-sensitive inside the library, case-insensitive across libraries (and for FCALL).
    const key = name!;
    if (lib!.functions.has(key)) fail('Function already exists in the library');
    lib!.functions.set(key, { name: name!, description, flags, fn: callback!, library: lib! });
    return [];
  }
}

export { LuaKill };
