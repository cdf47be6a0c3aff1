/**
 * SLOWLOG GET | LEN | RESET | HELP (slowlog.c). Entries are pushed by the
 * command timer (latency.ts) for commands that took at least
 * slowlog-log-slower-than microseconds; the timestamp is the server clock
 * (virtual in the fixture), arguments are truncated as Redis truncates them.
 */
import { ReplyError } from '../errors.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { helpReply } from './server.js';
import { defineCommands } from './util.js';

/** Redis keeps at most this many arguments per entry (the last one says how many were left out). */
export const SLOWLOG_ENTRY_MAX_ARGC = 32;
/** Arguments are cut to this many bytes. */
export const SLOWLOG_ENTRY_MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix seconds (server clock). */
  time: number;
  /** Microseconds. */
  duration: number;
  args: string[];
  peer: string;
  name: string;
}

export class Slowlog {
  entries: SlowlogEntry[] = []; // newest first
  nextId = 0;
  /** slowlog-log-slower-than (µs, -1 = off). */
  slowerThan = 10000;
  maxLen = 128;

  /** Log a command that ran `duration` µs if it qualifies (`clientName`: the client's name when it finished). */
  maybePush(ctx: Context, name: string, args: readonly string[], duration: number, clientName = ctx.name): void {
    if (this.slowerThan < 0 || duration < this.slowerThan) return;
    const argc = Math.min(args.length + 1, SLOWLOG_ENTRY_MAX_ARGC);
    const out: string[] = [];
    for (let j = 0; j < argc; j++) {
      if (argc !== args.length + 1 && j === argc - 1) {
        out.push(`... (${args.length + 1 - argc + 1} more arguments)`);
        break;
      }
      const a = j === 0 ? name : args[j - 1];
      out.push(a.length > SLOWLOG_ENTRY_MAX_STRING ? `${a.slice(0, SLOWLOG_ENTRY_MAX_STRING)}... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)` : a);
    }
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(ctx.clock.now() / 1000),
      duration: Math.floor(duration),
      args: out,
      peer: ctx.remoteAddress,
      name: clientName,
    });
    while (this.entries.length > this.maxLen) this.entries.pop();
  }
}

const logs = new WeakMap<RedKitServer, Slowlog>();

/** The server's slow log (created on first use). */
export function slowlogOf(server: RedKitServer): Slowlog {
  let s = logs.get(server);
  if (s === undefined) {
    s = new Slowlog();
    logs.set(server, s);
  }
  return s;
}

const COUNT_ERR = 'ERR count should be greater than or equal to -1';

const HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

function get(ctx: Context, args: string[]): Reply {
  const log = slowlogOf(ctx.server);
  if (args.length > 1) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0] ?? 'get'}'. Try SLOWLOG HELP.`);
  let count = 10;
  if (args.length === 1) {
    const s = args[0];
    if (!/^-?\d+$/.test(s) || s.length > 20) throw new ReplyError(COUNT_ERR);
    const n = BigInt(s);
    if (n < -1n || n > 9223372036854775807n) throw new ReplyError(COUNT_ERR);
    count = n === -1n ? log.entries.length : n > BigInt(log.entries.length) ? log.entries.length : Number(n);
    // string2ll: no leading zeros or '+', "-0" is not an integer.
    if (String(n) !== s) throw new ReplyError(COUNT_ERR);
  }
  return log.entries.slice(0, count).map((e) => [e.id, e.time, e.duration, e.args, e.peer, e.name]);
}

export function installSlowlog(server: RedKitServer): void {
  const log = slowlogOf(server);
  const cfg = server.config;
  const apply = () => {
    log.slowerThan = Number(cfg.get('slowlog-log-slower-than') ?? '10000');
    log.maxLen = Number(cfg.get('slowlog-max-len') ?? '128');
  };
  cfg.define('slowlog-log-slower-than', apply);
  cfg.define('slowlog-max-len', apply);
  apply();
  defineCommands(server, {
    slowlog: {
      handler: () => null,
      subcommands: {
        get,
        len: (ctx) => slowlogOf(ctx.server).entries.length,
        reset: (ctx) => {
          slowlogOf(ctx.server).entries = [];
          return OK;
        },
        help: () => helpReply('SLOWLOG', HELP),
      },
    },
  });
}
