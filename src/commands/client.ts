/**
 * CLIENT subcommands.
 */
import { Err, ReplyError } from '../errors.js';
import { NO_REPLY, OK, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { validateClientName } from './connection.js';
import { defineCommands } from './util.js';

/** One CLIENT LIST / CLIENT INFO line, in Redis's field order. */
export function clientInfoLine(c: Connection, now: number): string {
  const subs = c.ext.subscriptions as { channels: number; patterns: number; shard: number } | undefined;
  const multi = c.ext.multi as { queue: unknown[] } | undefined;
  let flags = '';
  if (c.isBusy) flags += 'b';
  if (multi) flags += 'x';
  if (c.isSubscriber()) flags += 'P';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  return (
    `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=${(c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} name=${c.name}` +
    ` age=${Math.max(0, Math.floor((now - c.createdAt) / 1000))} idle=${Math.max(0, Math.floor((now - c.lastActiveAt) / 1000))} flags=${flags}` +
    ` db=${c.dbIndex} sub=${subs?.channels ?? 0} psub=${subs?.patterns ?? 0} ssub=${subs?.shard ?? 0} multi=${multi ? multi.queue.length : -1}` +
    ` qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand}` +
    ` user=${c.user} redir=-1 resp=${c.protocol} lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

function clientList(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  let conns = [...server.connections.values()];
  if (args.length) {
    const opt = args[0].toUpperCase();
    if (opt === 'TYPE' && args.length === 2) {
      const t = args[1].toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) throw new ReplyError(`ERR Unknown client type '${args[1]}'`);
      conns = conns.filter((c) => (t === 'pubsub' ? c.isSubscriber() : t === 'normal' ? !c.isSubscriber() : false));
    } else if (opt === 'ID' && args.length >= 2) {
      const ids = new Set<number>();
      for (const a of args.slice(1)) {
        if (!/^[1-9]\d*$/.test(a)) throw new ReplyError('ERR Invalid client ID');
        ids.add(Number(a));
      }
      conns = conns.filter((c) => ids.has(c.id));
    } else throw new ReplyError(Err.syntax);
  }
  const now = server.clock.now();
  return new VerbatimReply(conns.map((c) => clientInfoLine(c, now) + '\n').join(''));
}

function clientKill(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  if (args.length === 1) {
    // Old form: CLIENT KILL addr:port
    const c = [...server.connections.values()].find((x) => x.remoteAddress === args[0]);
    if (!c) throw new ReplyError('ERR No such client');
    killLater(ctx, c);
    return OK;
  }
  if (args.length % 2 !== 0) throw new ReplyError(Err.syntax);
  let id: number | undefined;
  let addr: string | undefined;
  let laddr: string | undefined;
  let user: string | undefined;
  let type: string | undefined;
  let skipMe = true;
  for (let i = 0; i < args.length; i += 2) {
    const o = args[i].toUpperCase();
    const v = args[i + 1];
    if (o === 'ID') {
      if (!/^-?\d+$/.test(v) || Number(v) <= 0) throw new ReplyError('ERR client-id should be greater than 0');
      id = Number(v);
    } else if (o === 'ADDR') addr = v;
    else if (o === 'LADDR') laddr = v;
    else if (o === 'USER') {
      if (!server.users.has(v)) throw new ReplyError(`ERR No such user '${v}'`);
      user = v;
    } else if (o === 'TYPE') {
      const t = v.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) throw new ReplyError(`ERR Unknown client type '${v}'`);
      type = t;
    } else if (o === 'SKIPME') {
      const s = v.toLowerCase();
      if (s === 'yes') skipMe = true;
      else if (s === 'no') skipMe = false;
      else throw new ReplyError(Err.syntax);
    } else throw new ReplyError(Err.syntax);
  }
  let n = 0;
  for (const c of server.connections.values()) {
    if (id !== undefined && c.id !== id) continue;
    if (addr !== undefined && c.remoteAddress !== addr) continue;
    if (laddr !== undefined && c.localAddress !== laddr) continue;
    if (user !== undefined && c.user !== user) continue;
    if (type !== undefined && (type === 'pubsub' ? !c.isSubscriber() : type === 'normal' ? c.isSubscriber() : true)) continue;
    if (c === ctx.conn && skipMe) continue;
    killLater(ctx, c);
    n++;
  }
  return n;
}

/** Killing yourself closes after the reply, as Redis does. */
function killLater(ctx: Context, c: Connection): void {
  if (c === ctx.conn) c.closeAfterCurrentReply();
  else c.destroy();
}

function yesNo(v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on' || l === 'yes') return true;
  if (l === 'off' || l === 'no') return false;
  throw new ReplyError(Err.syntax);
}

export function installClient(server: RedKitServer): void {
  defineCommands(server, {
    client: {
      handler: () => null,
      subcommands: {
        id: (ctx) => ctx.id,
        getname: (ctx) => (ctx.name === '' ? null : ctx.name),
        setname: (ctx, args) => {
          validateClientName(args[0]);
          ctx.name = args[0];
          return OK;
        },
        setinfo: {
          arity: 4,
          flags: ['noscript', 'loading', 'stale'],
          aclCategories: ['@slow', '@connection'],
          group: 'connection',
          summary: "Sets information specific to the client or connection.",
          since: '7.2.0',
          complexity: 'O(1)',
          handler: (ctx, args) => {
            const attr = args[0].toLowerCase();
            const v = args[1];
            if (attr !== 'lib-name' && attr !== 'lib-ver') throw new ReplyError(`ERR Unrecognized option '${args[0]}'`);
            for (let i = 0; i < v.length; i++) {
              const c = v.charCodeAt(i);
              if (c < 33 || c > 126) throw new ReplyError(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
            }
            if (attr === 'lib-name') ctx.libName = v;
            else ctx.libVer = v;
            return OK;
          },
        },
        info: (ctx) => (ctx.conn ? new VerbatimReply(clientInfoLine(ctx.conn, ctx.clock.now()) + '\n') : ''),
        list: clientList,
        kill: clientKill,
        'no-evict': (ctx, args) => {
          const v = yesNo(args[0]);
          if (ctx.conn) ctx.conn.noEvict = v;
          return OK;
        },
        'no-touch': {
          arity: 3,
          flags: ['noscript', 'loading', 'stale'],
          aclCategories: ['@slow', '@connection'],
          group: 'connection',
          summary: 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.',
          since: '7.2.0',
          complexity: 'O(1)',
          handler: (ctx, args) => {
            const v = yesNo(args[0]);
            if (ctx.conn) ctx.conn.noTouch = v;
            return OK;
          },
        },
        reply: (ctx, args) => {
          const m = args[0].toLowerCase();
          if (m !== 'on' && m !== 'off' && m !== 'skip') throw new ReplyError(Err.syntax);
          if (ctx.conn) {
            if (m === 'on') {
              ctx.conn.replyMode = 'on';
              return OK;
            }
            // The reply to CLIENT REPLY OFF/SKIP itself is not sent; SKIP drops the next reply too.
            ctx.conn.replyMode = m === 'off' ? 'off' : 'skip-next';
            return NO_REPLY;
          }
          return OK;
        },
        help: () => CLIENT_HELP,
      },
    },
  });
}


const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  '    * ID <client-id>',
  '      Kill connections by client id.',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Print this help.',
].map((s) => new SimpleString(s));
