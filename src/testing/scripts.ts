/**
 * The fixture's view of scripting: `redkit.scripts` (the EVAL script cache)
 * and `redkit.functions` (function libraries). Both go through the same code
 * as SCRIPT LOAD / FUNCTION LOAD, so errors read as Redis's.
 */
import { ReplyError } from '../errors.js';
import type { RedKitServer } from '../server/server.js';
import { engineOf, type ScriptRun } from '../scripting/engine.js';
import { flagNames } from '../scripting/functions.js';
import { functionsOf } from '../commands/functions.js';
import { fromBinary, toBinary } from './values.js';
import { persistenceOf } from '../commands/persistence.js';

const asError = (e: unknown): never => {
  if (e instanceof ReplyError) throw new Error(`RedKit: ${e.message}`);
  throw e;
};

export interface ScriptInfo {
  sha: string;
  source: string;
  flags: string[];
}

export class ScriptsHandle {
  constructor(private readonly server: RedKitServer) {}

  /** The cached scripts (SCRIPT LOAD / EVAL), in load order. */
  list(): ScriptInfo[] {
    const e = this.server.ext.scripting as ReturnType<typeof engineOf> | undefined;
    if (e === undefined) return [];
    return [...e.scripts.values()].map((s) => ({ sha: s.sha, source: fromBinary(s.source), flags: flagNames(s.flags) }));
  }

  /** Compile and cache a script as SCRIPT LOAD does; returns its SHA1. Throws on a compile error. */
  load(source: string | Buffer): string {
    try {
      return engineOf(this.server).create(toBinary(source)).sha;
    } catch (e) {
      return asError(e);
    }
  }

  has(sha: string): boolean {
    const e = this.server.ext.scripting as ReturnType<typeof engineOf> | undefined;
    return e?.scripts.has(sha.toLowerCase()) ?? false;
  }

  /** SCRIPT FLUSH. */
  flush(): void {
    (this.server.ext.scripting as ReturnType<typeof engineOf> | undefined)?.flush();
  }

  /** The script running now (a busy one), if any. */
  get running(): ScriptRun['info'] | undefined {
    return (this.server.ext.scripting as ReturnType<typeof engineOf> | undefined)?.run?.info;
  }

  /** Resolves once no script is running (a busy script ends or is killed). */
  whenIdle(): Promise<void> {
    const e = this.server.ext.scripting as ReturnType<typeof engineOf> | undefined;
    return e?.whenIdle() ?? Promise.resolve();
  }
}

export interface LibraryInfo {
  name: string;
  code: string;
  functions: Array<{ name: string; description?: string; flags: string[] }>;
}

export class FunctionsHandle {
  constructor(private readonly server: RedKitServer) {}

  /** FUNCTION LOAD [REPLACE]: returns the library name. Throws with Redis's error text. */
  load(code: string | Buffer, opts: { replace?: boolean } = {}): string {
    try {
      return functionsOf(this.server).load(toBinary(code), opts.replace === true);
    } catch (e) {
      return asError(e);
    }
  }

  list(): LibraryInfo[] {
    const f = functionsOf(this.server);
    f.sync();
    return [...f.libraries.values()].map((l) => ({
      name: l.name,
      code: fromBinary(l.code),
      functions: [...l.functions.values()].map((fn) => ({
        name: fn.name,
        ...(fn.description !== undefined ? { description: fn.description } : {}),
        flags: flagNames(fn.flags),
      })),
    }));
  }

  delete(library: string): void {
    try {
      functionsOf(this.server).delete(library);
    } catch (e) {
      asError(e);
    }
  }

  /** FUNCTION FLUSH. */
  flush(): void {
    if (this.server.ext.functions !== undefined) functionsOf(this.server).flush();
    else persistenceOf(this.server).functions = [];
  }

  /** The library codes (what snapshots and RDB files carry). */
  codes(): string[] {
    if (this.server.ext.functions === undefined) return persistenceOf(this.server).functions.slice();
    const f = functionsOf(this.server);
    f.sync();
    return [...f.libraries.values()].map((l) => l.code);
  }
}
