/**
 * Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT (eval.c of Redis 7.0),
 * FUNCTION and FCALL (functions.c / function_lua.c) over RedKit's own Lua
 * engine (src/lua). The engine, the sandbox and the conversions live in
 * src/scripting/.
 */
import { ReplyError } from '../errors.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import { F } from '../server/registry.js';
import { GATE, type RedKitServer } from '../server/server.js';
import { E, engineOf, parseShebang, SCRIPT_FLAG, type ScriptEngine } from '../scripting/engine.js';
import { functionsOf, installFunctions } from './functions.js';
import { helpReply } from './server.js';
import { defineCommands } from './util.js';
import { parseIntStrict } from '../resp/format.js';

/** numkeys as evalGenericCommand checks it, at args[from]: the keys follow it, then the args. */
export function numKeys(args: string[], from: number): number {
  const s = args[from];
  const d = s.length === 1 ? s.charCodeAt(0) - 48 : -1;
  let n: number;
  if (d >= 0 && d <= 9) n = d; // one digit: the common case
  else {
    const v = parseIntStrict(s);
    if (v === null) throw new ReplyError('ERR value is not an integer or out of range');
    n = Number(v);
  }
  const rest = args.length - from - 1;
  if (n > rest) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw new ReplyError("ERR Number of keys can't be negative");
  return n;
}

function evalGeneric(engine: ScriptEngine, args: string[], ro: boolean, ctx: Context): Reply | Promise<Reply> {
  const n = numKeys(args, 1);
  const s = engine.forBody(args[0]);
  return engine.runScript(ctx, s.fn, s.flags, args, 2, n, ro, s.target);
}

function evalShaGeneric(engine: ScriptEngine, args: string[], ro: boolean, ctx: Context): Reply | Promise<Reply> {
  const sha = args[0];
  if (sha.length !== 40) throw new ReplyError(E.noscript);
  const n = numKeys(args, 1);
  const s = engine.bySha(sha);
  if (s === undefined) throw new ReplyError(E.noscript);
  return engine.runScript(ctx, s.fn, s.flags, args, 2, n, ro, s.target);
}

const SCRIPT_COMMANDS = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * The flags EVAL/EVALSHA/FCALL (and _RO) count with when their script declares flags (Redis's
 * evalGetCommandFlags / fcallGetCommandFlags and scriptFlagsToCmdFlags): the command's own
 * `stale`, `write`, `denyoom` and `may_replicate` give way to what the script's flags imply: write
 * unless no-writes, denyoom unless no-writes or allow-oom, stale with allow-stale. A script
 * without a shebang, an unknown sha or function keep the command's flags.
 */
function scriptCommandFlags(server: RedKitServer, name: string, args: string[], cmdFlags: number): number {
  if (args.length === 0) return cmdFlags;
  let flags: number;
  if (name.charCodeAt(0) === 102 /* f */) {
    const fi = functionsOf(server).get(args[0]);
    if (fi === undefined) return cmdFlags;
    flags = fi.flags;
  } else if (name === 'eval' || name === 'eval_ro') {
    const body = args[0];
    if (!body.startsWith('#!')) return cmdFlags;
    try {
      flags = parseShebang(body).flags;
    } catch {
      return cmdFlags;
    }
  } else {
    const sha = args[0];
    if (sha.length !== 40) return cmdFlags;
    const s = (server.ext.scripting as ScriptEngine | undefined)?.bySha(sha);
    if (s === undefined) return cmdFlags;
    flags = s.flags;
  }
  if ((flags & SCRIPT_FLAG.EVAL_COMPAT) !== 0) return cmdFlags;
  let bits = cmdFlags & ~(F.stale | F.write | F.denyoom | F.may_replicate);
  if ((flags & SCRIPT_FLAG.NO_WRITES) === 0) {
    bits |= F.write;
    if ((flags & SCRIPT_FLAG.ALLOW_OOM) === 0) bits |= F.denyoom;
  }
  if ((flags & SCRIPT_FLAG.ALLOW_STALE) !== 0) bits |= F.stale;
  return bits;
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

export function installScripting(server: RedKitServer): void {
  // -BUSY while a script runs past busy-reply-threshold (processCommand's isInsideYieldingLongCommand).
  const ORDER = (GATE.LOADING + GATE.PAUSE) / 2;
  // A script running asynchronously: other clients wait for it (atomicity) until it is past
  // busy-reply-threshold, then get -BUSY (processCommand's isInsideYieldingLongCommand).
  const gate = (ctx: Context, cmd: Command, args: string[]): Reply | Promise<Reply> | undefined => {
    const engine = server.ext.scripting as ReturnType<typeof engineOf> | undefined;
    const run = engine?.run;
    if (run === undefined || !run.async || run.ctx === ctx) return undefined;
    if (run.busy) {
      if ((cmd.flagBits & F.allow_busy) !== 0) return undefined;
      return new ReplyError(run.isEval ? E.busy : E.busyFunction);
    }
    return engine!.hold().then(() => {
      const again = gate(ctx, cmd, args);
      if (again instanceof ReplyError) {
        cmd.stats.rejected++;
        server.dispatcher.stats.rejectedCalls++;
        server.dispatcher.countError(again);
        return again;
      }
      return again ?? server.dispatcher.runAfterGate(ctx, cmd, args, ORDER);
    });
  };
  server.addGate(gate as never, ORDER, { onAttention: true });
  // getCommandFlags: EVAL/EVALSHA/FCALL (and _RO) count with their script's flags where the gates
  // look at a command's flags (maxmemory, read-only replica, MISCONF, stale replica, CLIENT PAUSE,
  // EXEC's queue).
  // Only the gates call it: nothing on the path of a server without those states.
  const prevFlags = server.commandFlags;
  server.commandFlags = (ctx, cmd, flags) => {
    if (prevFlags !== undefined) flags = prevFlags(ctx, cmd, flags);
    if ((cmd.flagBits & F.skip_monitor) === 0 || !SCRIPT_COMMANDS.has(cmd.name)) return flags;
    return scriptCommandFlags(server, cmd.name, ctx.sentArgs, flags);
  };
  // The server's engine, found once (server.ext is a dictionary: a lookup per EVAL costs)
  let eng: ScriptEngine | undefined;
  const engine = (): ScriptEngine => eng ?? (eng = engineOf(server));
  defineCommands(server, {
    eval: (ctx, args) => evalGeneric(engine(), args, false, ctx),
    eval_ro: (ctx, args) => evalGeneric(engine(), args, true, ctx),
    evalsha: (ctx, args) => evalShaGeneric(engine(), args, false, ctx),
    evalsha_ro: (ctx, args) => evalShaGeneric(engine(), args, true, ctx),
    script: {
      handler: () => OK,
      subcommands: {
        load: (ctx, args) => engineOf(ctx.server).create(args[0]).sha,
        exists: (ctx, args) => {
          const scripts = engineOf(ctx.server).scripts;
          return args.map((s) => (scripts.has(s.toLowerCase()) ? 1 : 0));
        },
        flush: (ctx, args) => {
          if (args.length > 0) {
            const m = args[0].toLowerCase();
            if (args.length > 1 || (m !== 'sync' && m !== 'async')) throw new ReplyError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
          }
          engineOf(ctx.server).flush();
          return OK;
        },
        kill: (ctx) => {
          engineOf(ctx.server).kill(true);
          return OK;
        },
        debug: (ctx, args) => {
          if (args.length !== 1) throw new ReplyError("ERR unknown subcommand or wrong number of arguments for 'debug'. Try SCRIPT HELP.");
          if (ctx.inMulti) throw new ReplyError('ERR SCRIPT DEBUG must be called outside MULTI');
          const m = args[0].toLowerCase();
          if (m === 'no') return OK;
          if (m === 'yes' || m === 'sync') throw new ReplyError('ERR RedKit does not implement the Lua debugger (SCRIPT DEBUG YES|SYNC)');
          throw new ReplyError('ERR Use SCRIPT DEBUG YES/SYNC/NO');
        },
        help: () => helpReply('SCRIPT', SCRIPT_HELP),
      },
    },
  });
  installFunctions(server);
}
