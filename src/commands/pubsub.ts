/**
 * Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
 * SPUBLISH, PUBSUB. Messages are pushes (RESP3 `>`, RESP2 arrays) written
 * between replies. Keyspace notifications are published through here.
 */
import { Err, ReplyError } from '../errors.js';
import { NO_REPLY, PushReply, SimpleString, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import { ATTENTION } from '../server/dispatch.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import { GATE, type RedKitServer } from '../server/server.js';
import { onConnectionReset } from './connection.js';
import { defineCommands, globMatch } from './util.js';

/** A connection's subscriptions. */
export class Subscriptions {
  readonly channels = new Set<string>();
  readonly patternSet = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** Number of subscriptions that put the client in pub/sub mode. */
  count(): number {
    return this.channels.size + this.patternSet.size + this.shardChannels.size;
  }
  get patterns(): number {
    return this.patternSet.size;
  }
  get shard(): number {
    return this.shardChannels.size;
  }
  get channelCount(): number {
    return this.channels.size;
  }
}

/** Server-wide subscription registry. */
export class PubSub {
  readonly channels = new Map<string, Set<Connection>>();
  readonly patterns = new Map<string, Set<Connection>>();
  readonly shardChannels = new Map<string, Set<Connection>>();

  /** Deliver a message; returns the number of receivers (PUBLISH's reply). */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        c.push(new PushReply(['message', channel, message]));
        n++;
      }
    }
    if (this.patterns.size !== 0) {
      for (const [pattern, conns] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of conns) {
          c.push(new PushReply(['pmessage', pattern, channel, message]));
          n++;
        }
      }
    }
    return n;
  }

  publishShard(channel: string, message: string): number {
    let n = 0;
    const subs = this.shardChannels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        c.push(new PushReply(['smessage', channel, message]));
        n++;
      }
    }
    return n;
  }
}

export function pubsubOf(server: RedKitServer): PubSub {
  let ps = server.ext.pubsub as PubSub | undefined;
  if (ps === undefined) {
    ps = new PubSub();
    server.ext.pubsub = ps;
  }
  return ps;
}

function subsOf(conn: Connection): Subscriptions {
  let s = conn.ext.subscriptions as Subscriptions | undefined;
  if (s === undefined) {
    s = new Subscriptions();
    conn.ext.subscriptions = s;
    conn.addCloseHook((c) => unsubscribeAll(c, false));
  }
  return s;
}

type Kind = 'channel' | 'pattern' | 'shard';

function registry(ps: PubSub, kind: Kind): Map<string, Set<Connection>> {
  return kind === 'channel' ? ps.channels : kind === 'pattern' ? ps.patterns : ps.shardChannels;
}

function own(s: Subscriptions, kind: Kind): Set<string> {
  return kind === 'channel' ? s.channels : kind === 'pattern' ? s.patternSet : s.shardChannels;
}

/** The count Redis reports: channels + patterns, or shard channels for the S* commands. */
function reportedCount(s: Subscriptions, kind: Kind): number {
  return kind === 'shard' ? s.shardChannels.size : s.channels.size + s.patternSet.size;
}

function subscribe(ctx: Context, names: string[], kind: Kind, verb: string): Reply {
  const conn = ctx.conn;
  if (!conn) throw new ReplyError(`ERR ${verb} is not allowed here`);
  const ps = pubsubOf(ctx.server);
  const s = subsOf(conn);
  const reg = registry(ps, kind);
  const mine = own(s, kind);
  for (const name of names) {
    if (!mine.has(name)) {
      mine.add(name);
      conn.attention |= ATTENTION.PUBSUB;
      let set = reg.get(name);
      if (set === undefined) reg.set(name, (set = new Set()));
      set.add(conn);
    }
    conn.push(new PushReply([verb, name, reportedCount(s, kind)]));
  }
  return NO_REPLY;
}

function unsubscribe(ctx: Context, names: string[], kind: Kind, verb: string): Reply {
  const conn = ctx.conn;
  if (!conn) throw new ReplyError(`ERR ${verb} is not allowed here`);
  const s = subsOf(conn);
  const mine = own(s, kind);
  const list = names.length ? names : [...mine];
  if (list.length === 0) {
    conn.push(new PushReply([verb, null, reportedCount(s, kind)]));
    return NO_REPLY;
  }
  const reg = registry(pubsubOf(ctx.server), kind);
  for (const name of list) {
    removeOne(reg, mine, name, conn);
    conn.push(new PushReply([verb, name, reportedCount(s, kind)]));
  }
  return NO_REPLY;
}

function removeOne(reg: Map<string, Set<Connection>>, mine: Set<string>, name: string, conn: Connection): void {
  if (!mine.delete(name)) return;
  const set = reg.get(name);
  if (set) {
    set.delete(conn);
    if (set.size === 0) reg.delete(name);
  }
  if ((conn.ext.subscriptions as Subscriptions).count() === 0) conn.attention &= ~ATTENTION.PUBSUB;
}

/** Drop every subscription of a connection (close, RESET). */
export function unsubscribeAll(conn: Connection, _notify: boolean): void {
  const s = conn.ext.subscriptions as Subscriptions | undefined;
  if (!s) return;
  const ps = pubsubOf(conn.server);
  for (const kind of ['channel', 'pattern', 'shard'] as const) {
    const mine = own(s, kind);
    const reg = registry(ps, kind);
    for (const name of [...mine]) removeOne(reg, mine, name, conn);
  }
}

const ALLOWED_IN_RESP2_PUBSUB = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']);

export function installPubSub(server: RedKitServer): void {
  const ps = pubsubOf(server);
  server.store.hooks.publish = (channel, message) => {
    ps.publish(channel, message);
  };
  // RESP2 clients in pub/sub mode may only (un)subscribe, PING, QUIT and RESET.
  server.addGate((ctx, cmd: Command) => {
    if (ctx.protocol !== 2) return undefined;
    const conn = ctx.conn;
    if (conn === undefined || conn.ext.subscriptions === undefined || !conn.isSubscriber()) return undefined;
    const top = cmd.parent ?? cmd;
    if (ALLOWED_IN_RESP2_PUBSUB.has(top.name)) return undefined;
    return new ReplyError(Err.pubsubContext(cmd.fullName));
  }, GATE.PUBSUB, { onAttention: true });
  onConnectionReset(server, (ctx) => {
    if (ctx.conn) unsubscribeAll(ctx.conn, false);
  });
  defineCommands(server, {
    subscribe: (ctx, args) => subscribe(ctx, args, 'channel', 'subscribe'),
    psubscribe: (ctx, args) => subscribe(ctx, args, 'pattern', 'psubscribe'),
    ssubscribe: (ctx, args) => subscribe(ctx, args, 'shard', 'ssubscribe'),
    unsubscribe: (ctx, args) => unsubscribe(ctx, args, 'channel', 'unsubscribe'),
    punsubscribe: (ctx, args) => unsubscribe(ctx, args, 'pattern', 'punsubscribe'),
    sunsubscribe: (ctx, args) => unsubscribe(ctx, args, 'shard', 'sunsubscribe'),
    publish: (ctx, args) => pubsubOf(ctx.server).publish(args[0], args[1]),
    spublish: (ctx, args) => pubsubOf(ctx.server).publishShard(args[0], args[1]),
    pubsub: {
      handler: () => null,
      subcommands: {
        channels: (ctx, args) => {
          const out: string[] = [];
          for (const ch of pubsubOf(ctx.server).channels.keys()) if (args.length === 0 || globMatch(args[0], ch)) out.push(ch);
          return out;
        },
        shardchannels: (ctx, args) => {
          const out: string[] = [];
          for (const ch of pubsubOf(ctx.server).shardChannels.keys()) if (args.length === 0 || globMatch(args[0], ch)) out.push(ch);
          return out;
        },
        numsub: (ctx, args) => {
          const reg = pubsubOf(ctx.server).channels;
          const out: Reply[] = [];
          for (const ch of args) out.push(ch, reg.get(ch)?.size ?? 0);
          return out;
        },
        shardnumsub: (ctx, args) => {
          const reg = pubsubOf(ctx.server).shardChannels;
          const out: Reply[] = [];
          for (const ch of args) out.push(ch, reg.get(ch)?.size ?? 0);
          return out;
        },
        numpat: (ctx) => pubsubOf(ctx.server).patterns.size,
        help: () => PUBSUB_HELP,
      },
    },
  });
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  '    Return the currently active shard level channels matching a <pattern> (default: \'*\').',
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
].map((s) => new SimpleString(s));
