/**
 * MODULE as a Redis 7.0 server with no module loaded answers it: LIST is
 * empty, LOAD / LOADEX fail as a library that cannot be loaded fails (RedKit
 * cannot load native modules), UNLOAD finds no module. LOAD, LOADEX and
 * UNLOAD are protected by enable-module-command (default "no") as in Redis.
 * The log lines are the ones redis-server writes for the same failure.
 */
import fs from 'node:fs';
import { ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { helpReply } from './server.js';
import { defineCommands } from './util.js';

const E = {
  notAllowed:
    'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  load: 'ERR Error loading the extension. Please check the server logs.',
  unload: 'ERR Error unloading module: no such module with that name',
};

const HELP = [
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
];

/** Redis's islocalClient: a unix socket or a loopback address. */
function isLocal(ctx: Context): boolean {
  if (ctx.conn === undefined) return true;
  const a = ctx.remoteAddress;
  return a.startsWith('127.') || a.startsWith('::1') || a.startsWith('[::1]') || a.startsWith('::ffff:127.') || a.startsWith(':');
}

function checkAllowed(ctx: Context): void {
  const mode = ctx.server.config.get('enable-module-command') ?? 'no';
  if (mode === 'yes' || (mode === 'local' && isLocal(ctx))) return;
  throw new ReplyError(E.notAllowed);
}

/** What dlopen() would say about `path` (the reason in Redis's "failed to load" log line). */
function loadFailure(path: string): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(path);
  } catch {
    st = undefined;
  }
  // Redis checks the execute bits first (best effort), then asks dlopen.
  if (st !== undefined && (st.mode & 0o111) === 0) return 'It does not have execute permissions.';
  // dlopen searches the library path for a name without a slash, never the working directory.
  if (st === undefined || !path.includes('/')) return `${path}: cannot open shared object file: No such file or directory`;
  if (st.isDirectory()) return `${path}: cannot read file data: Is a directory`;
  let head = Buffer.alloc(0);
  try {
    const fd = fs.openSync(path, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, fs.readSync(fd, head, 0, 64, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return `${path}: cannot open shared object file: ${(e as Error).message}`;
  }
  if (head.length < 64) return `${path}: file too short`;
  if (head.readUInt32BE(0) !== 0x7f454c46) return `${path}: invalid ELF header`;
  return `${path}: cannot load a native module into RedKit`;
}

function load(ctx: Context, path: string): never {
  ctx.server.logger.warn(`Module ${path} failed to load: ${loadFailure(path)}`);
  throw new ReplyError(E.load);
}

/** MODULE LOADEX path [CONFIG name value ...] [ARGS ...]: the arguments are checked before loading. */
function loadex(ctx: Context, args: string[]): Reply {
  for (let i = 1; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'config') {
      if (i + 2 >= args.length) {
        ctx.server.logger.info('CONFIG specified without name value pair');
        throw new ReplyError(E.load);
      }
      i += 2;
    } else if (a === 'args') {
      break;
    } else {
      ctx.server.logger.info(`Syntax Error from arguments to loadex around ${args[i]}.`);
      throw new ReplyError(E.load);
    }
  }
  return load(ctx, args[0]);
}

/** The subcommands enable-module-command protects. */
const PROTECTED = new Set(['module|load', 'module|loadex', 'module|unload']);

export function installModules(server: RedKitServer): void {
  // Redis refuses a protected command before queueing it in MULTI (processCommand, right after
  // the arity check): a gate, seen only while the client or server needs attention (MULTI...);
  // otherwise the handlers check.
  server.addGate(
    (ctx, cmd) => {
      if (!PROTECTED.has(cmd.fullName)) return undefined;
      const mode = ctx.server.config.get('enable-module-command') ?? 'no';
      if (mode === 'yes' || (mode === 'local' && isLocal(ctx))) return undefined;
      return new ReplyError(E.notAllowed);
    },
    5,
    { onAttention: true },
  );
  defineCommands(server, {
    module: {
      handler: () => null,
      subcommands: {
        // Redis's order (COMMAND INFO / DOCS list them so).
        load: (ctx, args) => {
          checkAllowed(ctx);
          return load(ctx, args[0]);
        },
        loadex: (ctx, args) => {
          checkAllowed(ctx);
          return loadex(ctx, args);
        },
        list: () => [],
        help: () => helpReply('MODULE', HELP),
        unload: (ctx) => {
          checkAllowed(ctx);
          throw new ReplyError(E.unload);
        },
      },
    },
  });
}
