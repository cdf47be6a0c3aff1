/**
 * MONITOR: stream every command the server runs to monitoring clients, in
 * Redis's format: `+<unix>.<usec> [<db> <addr>] "cmd" "arg" ...`.
 */
import { ReplyError } from '../errors.js';
import { OK, RawReply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import { ATTENTION } from '../server/dispatch.js';
import { F, type Command } from '../server/registry.js';
import { GATE, type RedKitServer } from '../server/server.js';
import { onConnectionReset } from './connection.js';
import { defineCommands } from './util.js';

/** sdscatrepr: a quoted, escaped representation of a binary string. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        if (c >= 32 && c < 127) out += s[i];
        else out += '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

function monitors(server: RedKitServer): Set<Connection> {
  let m = server.ext.monitors as Set<Connection> | undefined;
  if (!m) {
    m = new Set();
    server.ext.monitors = m;
  }
  return m;
}

/** Format one MONITOR line for a command (time from the server's clock). */
export function monitorLine(server: RedKitServer, dbIndex: number, origin: string, name: string, args: readonly string[]): string {
  const now = server.clock.now();
  const sec = Math.floor(now / 1000);
  const usec = Math.floor((now - sec * 1000) * 1000);
  let line = `+${sec}.${String(usec).padStart(6, '0')} [${dbIndex} ${origin}] ${repr(name)}`;
  for (const a of args) line += ' ' + repr(a);
  return line + '\r\n';
}

/**
 * Send the client's current command to the monitors though it did not run
 * (a rejected EXEC: Redis's execCommandAbort shows it so that the MULTI seen
 * before has its end).
 */
export function feedMonitors(ctx: Context): void {
  const mons = ctx.server.ext.monitors as Set<Connection> | undefined;
  if (mons === undefined || mons.size === 0) return;
  const line = Buffer.from(monitorLine(ctx.server, ctx.dbIndex, ctx.remoteAddress, ctx.sentName, ctx.sentArgs), 'latin1');
  for (const m of mons) if (m !== ctx.conn) m.writeRaw(new RawReply(line));
}

export function installMonitor(server: RedKitServer): void {
  const mons = monitors(server);
  let unobserve: (() => void) | null = null;
  const feed = (ctx: Context, cmd: Command) => {
    if (mons.size === 0 || cmd.flagBits & (F.admin | F.skip_monitor)) return;
    const origin = ctx.inScript ? 'lua' : ctx.remoteAddress;
    const line = Buffer.from(monitorLine(server, ctx.dbIndex, origin, ctx.sentName, ctx.sentArgs), 'latin1');
    for (const m of mons) if (m !== ctx.conn) m.writeRaw(new RawReply(line));
  };
  const observe = () => {
    if (unobserve) return;
    // A command that waits (a blocked BLPOP) shows when it starts, as Redis feeds monitors in call().
    const pending = server.dispatcher.pendingObservers;
    pending.push(feed);
    const off = server.observe((ctx, cmd, _args, _reply, late) => {
      if (!late) feed(ctx, cmd);
    });
    unobserve = () => {
      off();
      const i = pending.indexOf(feed);
      if (i >= 0) pending.splice(i, 1);
    };
  };
  const stop = (c: Connection) => {
    mons.delete(c);
    delete c.ext.monitor;
    c.attention &= ~ATTENTION.MONITOR;
    if (mons.size === 0 && unobserve) {
      unobserve();
      unobserve = null;
    }
  };
  // A monitoring client is a replica of sorts: it may not touch the keyspace. (After a stale
  // replica's, loading's and a busy script's checks, before CLIENT PAUSE, as in processCommand.)
  server.addGate((ctx, cmd) => {
    const conn = ctx.conn;
    if (conn === undefined || conn.ext.monitor === undefined) return undefined;
    // (a script's flags count: an EVAL of a no-writes script without `may_replicate` runs)
    const flags = server.flagsOf(ctx, cmd);
    if ((flags & (F.write | F.readonly | F.may_replicate)) === 0) return undefined;
    // a write on a read-only replica: -READONLY first (its gate comes later)
    if ((flags & F.write) !== 0 && (server.dispatcher.attention & ATTENTION.REPLICA) !== 0) return undefined;
    return new ReplyError("ERR Replica can't interact with the keyspace");
  }, GATE.PAUSE - 3, { onAttention: true });
  onConnectionReset(server, (ctx: Context) => {
    if (ctx.conn) stop(ctx.conn);
  });
  defineCommands(server, {
    monitor: (ctx) => {
      const conn = ctx.conn;
      // Inside EXEC the client expects one reply per command (CLIENT_DENY_BLOCKING).
      if (ctx.inMulti) throw new ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client");
      if (!conn) throw new ReplyError('ERR MONITOR is not allowed here');
      if (conn.ext.monitor) return OK;
      conn.ext.monitor = true;
      conn.attention |= ATTENTION.MONITOR;
      mons.add(conn);
      conn.addCloseHook(stop);
      observe();
      return OK;
    },
  });
}
