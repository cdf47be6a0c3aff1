/**
 * CLIENT subcommands (networking.c's clientCommand): ID, INFO, LIST, KILL,
 * SETNAME, GETNAME, SETINFO, REPLY, PAUSE, UNPAUSE, NO-EVICT, NO-TOUCH, HELP.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { NO_REPLY, OK, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { CommandDefinition } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { onConnectionReset, validateClientName } from './connection.js';
import { helpReply } from './server.js';
import { transactionOf } from './transactions.js';
import { clientCaching, clientGetredir, clientTracking, clientTrackinginfo, installTracking, trackingFlags, trackingRedir } from '../server/tracking.js';
import { defineCommands, longAtLeast, timeoutMsArg } from './util.js';
import { encodeReply } from '../resp/writer.js';

type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

/** getClientTypeByName: replica is an alias of slave. */
function clientTypeByName(name: string): ClientType | null {
  const t = name.toLowerCase();
  if (t === 'normal' || t === 'pubsub' || t === 'master' || t === 'slave') return t;
  if (t === 'replica') return 'slave';
  return null;
}

/** getClientType: RedKit has no replicas or masters. */
const clientType = (c: Connection): ClientType => (c.isSubscriber() ? 'pubsub' : 'normal');

/** A reply-list node holding 16 KB: zmalloc_usable(16 KB + 16-byte header) - header (jemalloc's 20 KB class). */
const REPLY_NODE = 20480 - 16;
/** sizeof(listNode) + sizeof(clientReplyBlock): counted per node in omem. */
const REPLY_NODE_OVERHEAD = 40;
/** zmalloc_size(client) in Redis 7.0.15 (x86-64): tot-mem of an idle client minus its buffers. */
const CLIENT_STRUCT = 768;
/** sizeof(multiCmd); sizeof(listNode) + sizeof(watchedKey); sizeof(dictEntry); pointer. */
const MULTI_CMD = 24;
const WATCHED_KEY = 24 + 32;
const DICT_ENTRY_BYTES = 24;
const PTR = 8;

export interface ClientMemory {
  qbuf: number;
  qbufFree: number;
  argvMem: number;
  multiMem: number;
  rbp: number;
  obl: number;
  oll: number;
  omem: number;
  totMem: number;
}

/**
 * CLIENT LIST's memory fields under Redis 7.0's model (networking.c
 * getClientMemoryUsage), from RedKit's real buffers:
 * - qbuf / qbuf-free: Redis's query buffer as the parser replays it
 *   (RequestParser.queryLen / queryAlloc): the running client's whole read,
 *   another client's unconsumed input; the allocation shrinks in the client
 *   cron (Connection.cron).
 * - argv-mem: the running command's arguments, or the arguments of an
 *   unfinished command parsed so far; multi-mem: the arguments of the queued
 *   MULTI commands plus a pointer per argument (mstate.argv_len_sums).
 * - obl / oll / omem: replies not handed to the kernel. Replies of the running
 *   batch fill the reply buffer (rbs bytes, obl) first; output a slow reader
 *   left queued is counted in 16 KB reply-list nodes (oll), omem being their
 *   allocations plus 40 bytes each. Redis sizes a node for one big reply
 *   instead: one big reply counts as several nodes here.
 * - tot-mem: omem + the query buffer's allocation + the client struct + the
 *   reply buffer + argv-mem and a pointer per argument + MULTI's overhead
 *   (24 bytes per command slot, 56 per watched key) + pub/sub's (a dict entry
 *   per channel and the dict's slots, a list node per pattern). Not counted:
 *   tracking prefixes' rax nodes.
 */
export function clientMemory(c: Connection, now: number, running: boolean): ClientMemory {
  c.cron(now);
  const p = c.parser;
  const qbuf = p.queryLen(running);
  const alloc = p.queryAlloc;
  let argvMem = 0;
  let argc = 0;
  const tx = transactionOf(c);
  if (running) {
    argc = c.sentArgs.length + 1;
    // During EXEC, Redis's argv is the queued command's, argv_len_sum still EXEC's.
    if (tx?.executing) argvMem = 4;
    else {
      argvMem = c.sentName.length;
      for (const a of c.sentArgs) argvMem += a.length;
    }
  } else [argvMem, argc] = p.partialArgv();
  let multiMem = 0;
  let multiOverhead = 0;
  if (tx !== undefined) {
    if (c.inMulti && tx.queue !== null && tx.queue.length > 0) {
      for (const q of tx.queue) {
        multiMem += q.sentName.length + PTR * (q.sentArgs.length + 1);
        for (const a of q.sentArgs) multiMem += a.length;
      }
      let slots = 2;
      while (slots < tx.queue.length) slots *= 2;
      multiOverhead = slots * MULTI_CMD;
    }
    multiOverhead += tx.watched.length * WATCHED_KEY;
  }
  const queued = c.outputQueued();
  let inBatch = running ? c.batchBytes() : 0;
  // Inside EXEC, Redis has written the array header and the replies so far: RedKit writes them at the end.
  if (running && tx?.executing && tx.execReplies !== null) {
    const rs = tx.execReplies;
    inBatch += 3 + String(rs.length).length;
    for (let i = 0; i < rs.length; i++) if (i in rs) inBatch += encodeReply(rs[i], c.protocol).length;
  }
  let obl = 0;
  let listBytes = queued;
  if (queued === 0) {
    obl = inBatch < c.rbs ? inBatch : c.rbs;
    listBytes = inBatch - obl;
  } else listBytes += inBatch;
  const oll = Math.ceil(listBytes / REPLY_NODE);
  const omem = oll * (REPLY_NODE + REPLY_NODE_OVERHEAD);
  const rbp = obl > c.rbp ? obl : c.rbp;
  const subs = c.ext.subscriptions as { channelCount: number; patterns: number } | undefined;
  let pubsub = 0;
  if (subs !== undefined) {
    let slots = 0;
    if (subs.channelCount > 0) {
      slots = 4;
      while (slots < subs.channelCount) slots *= 2;
    }
    pubsub = subs.patterns * 24 + subs.channelCount * DICT_ENTRY_BYTES + slots * PTR;
  }
  const totMem = omem + p.queryMem + CLIENT_STRUCT + c.rbs + argvMem + PTR * argc + multiMem + multiOverhead + pubsub;
  return { qbuf, qbufFree: alloc > qbuf ? alloc - qbuf : 0, argvMem, multiMem, rbp, obl, oll, omem, totMem };
}

/** One CLIENT LIST / CLIENT INFO line, in Redis's field order (7.2: lib-name and lib-ver at the end). */
/** `running`: the connection whose command asks (its arguments are argv-mem). */
export function clientInfoLine(c: Connection, now: number, running?: Connection): string {
  const subs = c.ext.subscriptions as { channelCount: number; patterns: number; shard: number } | undefined;
  const tx = transactionOf(c);
  let flags = '';
  if (c.ext.monitor) flags += 'O';
  if (c.isSubscriber()) flags += 'P';
  if (c.inMulti) flags += 'x';
  if (c.isBusy) flags += 'b';
  if (c.ext.tracking !== undefined) flags += trackingFlags(c);
  if (tx?.dirtyCas) flags += 'd';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  const fd = (c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  const queued = c.inMulti && tx?.queue ? tx.queue.length : -1;
  const o = clientMemory(c, now, c === running);
  return (
    `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=${fd} name=${c.name}` +
    ` age=${Math.max(0, Math.floor((now - c.createdAt) / 1000))} idle=${Math.max(0, Math.floor((now - c.lastActiveAt) / 1000))} flags=${flags}` +
    ` db=${c.dbIndex} sub=${subs?.channelCount ?? 0} psub=${subs?.patterns ?? 0} ssub=${subs?.shard ?? 0} multi=${queued}` +
    ` qbuf=${o.qbuf} qbuf-free=${o.qbufFree} argv-mem=${o.argvMem} multi-mem=${o.multiMem} rbs=${c.rbs} rbp=${o.rbp} obl=${o.obl} oll=${o.oll} omem=${o.omem} tot-mem=${o.totMem} events=r cmd=${tx?.executing ? 'exec' : (c.command?.fullName ?? 'NULL')}` +
    ` user=${c.user} redir=${trackingRedir(c)} resp=${c.protocol} lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

function clientList(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  const now = server.clock.now();
  let conns: Connection[];
  if (args.length === 0) conns = [...server.connections.values()];
  else if (args[0].toLowerCase() === 'type' && args.length === 2) {
    const t = clientTypeByName(args[1]);
    if (t === null) throw new ReplyError(`ERR Unknown client type '${args[1]}'`);
    conns = [...server.connections.values()].filter((c) => clientType(c) === t);
  } else if (args[0].toLowerCase() === 'id' && args.length >= 2) {
    // In argument order, as Redis prints them; ids that are not clients are skipped.
    conns = [];
    for (const a of args.slice(1)) {
      const id = parseIntStrict(a);
      if (id === null) throw new ReplyError('ERR Invalid client ID');
      const c = server.connections.get(Number(id));
      if (c) conns.push(c);
    }
  } else throw new ReplyError(Err.syntax);
  return new VerbatimReply(conns.map((c) => clientInfoLine(c, now, ctx.conn) + '\n').join(''));
}

function clientKill(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  let addr: string | undefined;
  let laddr: string | undefined;
  let user: string | undefined;
  let type: ClientType | undefined;
  let id = 0;
  let skipMe = true;
  if (args.length === 1) {
    // Old form: CLIENT KILL addr:port (you can kill yourself with it).
    addr = args[0];
    skipMe = false;
  } else {
    for (let i = 0; i < args.length; i += 2) {
      const o = args[i].toLowerCase();
      const more = i + 1 < args.length;
      const v = args[i + 1];
      if (o === 'id' && more) {
        id = longAtLeast(v, 1, 'ERR client-id should be greater than 0');
      } else if (o === 'type' && more) {
        const t = clientTypeByName(v);
        if (t === null) throw new ReplyError(`ERR Unknown client type '${v}'`);
        type = t;
      } else if (o === 'addr' && more) addr = v;
      else if (o === 'laddr' && more) laddr = v;
      else if (o === 'user' && more) {
        if (!server.users.has(v)) throw new ReplyError(`ERR No such user '${v}'`);
        user = v;
      } else if (o === 'skipme' && more) {
        const s = v.toLowerCase();
        if (s === 'yes') skipMe = true;
        else if (s === 'no') skipMe = false;
        else throw new ReplyError(Err.syntax);
      } else throw new ReplyError(Err.syntax);
    }
  }
  let killed = 0;
  for (const c of [...server.connections.values()]) {
    if (addr !== undefined && c.remoteAddress !== addr) continue;
    if (laddr !== undefined && c.localAddress !== laddr) continue;
    if (type !== undefined && clientType(c) !== type) continue;
    if (id !== 0 && c.id !== id) continue;
    if (user !== undefined && c.user !== user) continue;
    if (c === ctx.conn && skipMe) continue;
    // Killing yourself closes after this reply, as Redis does.
    if (c === ctx.conn) c.closeAfterCurrentReply();
    else c.destroy();
    killed++;
  }
  if (args.length === 1) {
    if (killed === 0) throw new ReplyError('ERR No such client');
    return OK;
  }
  return killed;
}

/** ON|OFF switches (CLIENT NO-EVICT, NO-TOUCH). */
function onOff(v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on') return true;
  if (l === 'off') return false;
  throw new ReplyError(Err.syntax);
}

/** validateClientAttr: printable ASCII without spaces. */
function validAttr(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

function clientReply(ctx: Context, args: string[]): Reply {
  const m = args[0].toLowerCase();
  const conn = ctx.conn;
  if (m === 'on') {
    if (conn) conn.replyMode = 'on';
    return OK;
  }
  if (m === 'off') {
    if (conn) conn.replyMode = 'off';
    return NO_REPLY;
  }
  if (m === 'skip') {
    // SKIP drops the reply of the next command; it does nothing while replies are OFF.
    if (conn && conn.replyMode !== 'off') conn.replyMode = 'skip-next';
    return NO_REPLY;
  }
  throw new ReplyError(Err.syntax);
}

/** CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked first, then the timeout (getTimeoutFromObjectOrReply). */
function clientPause(ctx: Context, args: string[]): Reply {
  if (args.length > 2) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0] ?? 'pause'}'. Try CLIENT HELP.`);
  let mode: 'all' | 'write' = 'all';
  if (args.length === 2) {
    const m = args[1].toLowerCase();
    if (m === 'write') mode = 'write';
    else if (m !== 'all') throw new ReplyError('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const ms = timeoutMsArg(args[0]);
  // Redis 7.0 adds the timeout to the current time without a range check: an end past
  // the int64 range wraps around into the past, which pauses nothing.
  if (ms > 0 && BigInt(ms) + BigInt(Date.now()) <= 9223372036854775807n) ctx.server.pause(Math.min(Number(ms), 2 ** 53), mode);
  return OK;
}

/** Metadata of the Redis 7.2 subcommands (the 7.0 metadata RedKit ships does not have them). */
const since72 = (summary: string, arity: number): Omit<CommandDefinition, 'handler'> => ({
  arity,
  flags: ['noscript', 'loading', 'stale'],
  aclCategories: ['@slow', '@connection'],
  group: 'connection',
  summary,
  since: '7.2.0',
  complexity: 'O(1)',
});

export function installClient(server: RedKitServer): void {
  installTracking(server, (fn) => onConnectionReset(server, fn));
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
          ...since72('Sets information specific to the client or connection.', 4),
          handler: (ctx, args) => {
            const attr = args[0].toLowerCase();
            if (attr !== 'lib-name' && attr !== 'lib-ver') throw new ReplyError(`ERR Unrecognized option '${args[0]}'`);
            if (!validAttr(args[1])) throw new ReplyError(`ERR ${args[0]} cannot contain spaces, newlines or special characters.`);
            if (attr === 'lib-name') ctx.libName = args[1];
            else ctx.libVer = args[1];
            return OK;
          },
        },
        info: (ctx) => (ctx.conn ? new VerbatimReply(clientInfoLine(ctx.conn, ctx.clock.now(), ctx.conn) + '\n') : new VerbatimReply('')),
        list: clientList,
        kill: clientKill,
        'no-evict': (ctx, args) => {
          const v = onOff(args[0]);
          if (ctx.conn) ctx.conn.noEvict = v;
          return OK;
        },
        'no-touch': {
          ...since72('Controls whether commands sent by the client affect the LRU/LFU of accessed keys.', 3),
          handler: (ctx, args) => {
            const v = onOff(args[0]);
            if (ctx.conn) ctx.conn.noTouch = v;
            return OK;
          },
        },
        reply: clientReply,
        tracking: clientTracking,
        caching: clientCaching,
        getredir: clientGetredir,
        trackinginfo: clientTrackinginfo,
        pause: clientPause,
        unpause: (ctx) => {
          ctx.server.unpause();
          return OK;
        },
        help: () => helpReply('CLIENT', CLIENT_HELP),
      },
    },
  });
}

/** CLIENT HELP as redis-server 7.0.15 prints it. */
const CLIENT_HELP = [
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
];
