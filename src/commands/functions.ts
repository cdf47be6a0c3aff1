/**
 * FUNCTION LOAD|DELETE|FLUSH|LIST|STATS|DUMP|RESTORE|KILL|HELP, FCALL, FCALL_RO
 * (Redis 7.0's functions.c). Libraries live in src/scripting/functions.ts.
 */
import { performance } from 'node:perf_hooks';
import { ReplyError } from '../errors.js';
import { MapReply, OK, SetReply, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { engineOf } from '../scripting/engine.js';
import { flagNames, FunctionStore } from '../scripting/functions.js';
import { parseIntStrict } from '../resp/format.js';
import { helpReply } from './server.js';
import { defineCommands, globMatch } from './util.js';

export function functionsOf(server: RedKitServer): FunctionStore {
  let f = server.ext.functions as FunctionStore | undefined;
  if (f === undefined) {
    const engine = engineOf(server);
    f = new FunctionStore(server, engine, engine.functionsState());
    server.ext.functions = f;
  }
  return f;
}

function fcall(ctx: Context, args: string[], ro: boolean): Reply | Promise<Reply> {
  const store = functionsOf(ctx.server);
  const fi = store.get(args[0]);
  if (fi === undefined) throw new ReplyError('ERR Function not found');
  const v = parseIntStrict(args[1]);
  if (v === null) throw new ReplyError('ERR Bad number of keys provided');
  const n = Number(v);
  if (n > args.length - 2) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  if (n < 0) throw new ReplyError("ERR Number of keys can't be negative");
  const engine = store.engine;
  fi.target ??= { name: fi.name, isEval: false, info: { function: fi.name, library: fi.library.name }, asGlobals: false, L: store.L };
  return engine.runScript(ctx, fi.fn, fi.flags, args, 2, n, ro, fi.target);
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

function functionList(ctx: Context, args: string[]): Reply {
  let withCode = false;
  let pattern: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'withcode' && !withCode) {
      withCode = true;
      continue;
    }
    if (a === 'libraryname' && pattern === undefined) {
      if (i + 1 >= args.length) throw new ReplyError('ERR library name argument was not given');
      pattern = args[++i];
      continue;
    }
    throw new ReplyError(`ERR Unknown argument ${args[i]}`);
  }
  const store = functionsOf(ctx.server);
  store.sync();
  const out: Reply[] = [];
  for (const lib of store.libraries.values()) {
    if (pattern !== undefined && !globMatch(pattern, lib.name, true)) continue;
    const fns: Reply[] = [];
    for (const f of lib.functions.values()) {
      fns.push(new MapReply(['name', f.name, 'description', f.description ?? null, 'flags', new SetReply(flagNames(f.flags).map((n) => new SimpleString(n)))]));
    }
    const flat: Reply[] = ['library_name', lib.name, 'engine', 'LUA', 'functions', fns];
    if (withCode) flat.push('library_code', lib.code);
    out.push(new MapReply(flat));
  }
  return out;
}

export function installFunctions(server: RedKitServer): void {
  defineCommands(server, {
    fcall: (ctx, args) => fcall(ctx, args, false),
    fcall_ro: (ctx, args) => fcall(ctx, args, true),
    function: {
      handler: () => OK,
      subcommands: {
        load: (ctx, args) => {
          let replace = false;
          let i = 0;
          for (; i < args.length - 1; i++) {
            if (args[i].toLowerCase() === 'replace') replace = true;
            else throw new ReplyError(`ERR Unknown option given: ${args[i]}`);
          }
          return functionsOf(ctx.server).load(args[args.length - 1], replace);
        },
        delete: (ctx, args) => {
          functionsOf(ctx.server).delete(args[0]);
          return OK;
        },
        flush: (ctx, args) => {
          if (args.length > 0) {
            const m = args[0].toLowerCase();
            if (args.length > 1 || (m !== 'sync' && m !== 'async')) throw new ReplyError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
          }
          functionsOf(ctx.server).flush();
          return OK;
        },
        list: functionList,
        stats: (ctx) => {
          const store = functionsOf(ctx.server);
          store.sync();
          const run = store.engine.run;
          let running: Reply = null;
          if (run !== undefined) {
            running = new MapReply([
              'name', run.name,
              'command', [run.commandName, ...run.commandArgs],
              'duration_ms', Math.floor(performance.now() - run.startedAt),
            ]);
          }
          return new MapReply([
            'running_script', running,
            'engines', new MapReply(['LUA', new MapReply(['libraries_count', store.libraries.size, 'functions_count', store.functions.size])]),
          ]);
        },
        dump: (ctx) => functionsOf(ctx.server).dump(),
        restore: (ctx, args) => {
          let policy: 'flush' | 'append' | 'replace' = 'append';
          if (args.length > 2) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0]}'. Try FUNCTION HELP.`);
          if (args.length === 2) {
            const p = args[1].toLowerCase();
            if (p !== 'flush' && p !== 'append' && p !== 'replace') throw new ReplyError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
            policy = p;
          }
          functionsOf(ctx.server).restore(args[0], policy);
          return OK;
        },
        kill: (ctx) => {
          engineOf(ctx.server).kill(false);
          return OK;
        },
        help: () => helpReply('FUNCTION', FUNCTION_HELP),
      },
    },
  });
}
