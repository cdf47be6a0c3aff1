/**
 * client-output-buffer-limit (Redis 7.0 networking.c checkClientOutputBufferLimits):
 * a client whose pending output passes its class's hard limit, or stays past
 * its soft limit for more than the soft seconds (server clock), is closed,
 * without a reply, as Redis frees it ("scheduled to be closed ASAP for
 * overcoming of output buffer limits").
 *
 * Classes: `pubsub` for a client with subscriptions, `normal` for the others
 * (`replica` is parsed and kept: RedKit has no replicas). Pending output is
 * what the connection holds beyond what the kernel took (Connection.outputQueued),
 * checked whenever output is added, as Redis checks on each reply it appends.
 * Redis 7.0.15 has no INFO field counting these disconnections; RedKit counts
 * them in `limitsOf(server).outputBufferDisconnections` for tests.
 *
 * client-query-buffer-limit: a client whose unparsed input (a blocked or
 * paused client pipelining on, a huge partial command) passes the limit is
 * closed without a reply (`queryBufferDisconnections`).
 */
import type { Connection } from './connection.js';
import type { RedKitServer } from './server.js';

interface ClassLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export class Limits {
  normal: ClassLimit = { hard: 0, soft: 0, softSeconds: 0 };
  replica: ClassLimit = { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 };
  pubsub: ClassLimit = { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 };
  /** Clients closed for their output buffer. */
  outputBufferDisconnections = 0;
  /** client-query-buffer-limit: unparsed input a client may leave waiting (1gb by default). */
  queryBufferLimit = 1024 * 1024 * 1024;
  /** Clients closed for their query buffer. */
  queryBufferDisconnections = 0;
  /** No limit anywhere: the check is skipped. */
  none = false;

  constructor(private readonly server: RedKitServer) {}

  /** Parse CONFIG's canonical value ("normal 0 0 0 slave ... pubsub ..."). */
  apply(v: string): void {
    const t = v.trim().split(/\s+/);
    for (let i = 0; i + 3 < t.length; i += 4) {
      const lim = { hard: Number(t[i + 1]), soft: Number(t[i + 2]), softSeconds: Number(t[i + 3]) };
      if (![lim.hard, lim.soft, lim.softSeconds].every(Number.isFinite)) continue;
      const cls = t[i].toLowerCase();
      if (cls === 'normal') this.normal = lim;
      else if (cls === 'pubsub') this.pubsub = lim;
      else if (cls === 'slave' || cls === 'replica') this.replica = lim;
    }
    const off = (l: ClassLimit) => l.hard === 0 && l.soft === 0;
    this.none = off(this.normal) && off(this.pubsub) && off(this.replica);
  }

  /** client-query-buffer-limit reached: Redis closes the client, without a reply. */
  queryOverflow(conn: Connection): void {
    this.queryBufferDisconnections++;
    this.server.logger.warn(`Closing client that reached max query buffer length: id=${conn.id} addr=${conn.remoteAddress}`);
    conn.abort();
  }

  /** Output was added to conn and `queued` bytes wait: close it when over its class's limits. */
  check(conn: Connection, queued: number): void {
    const lim = conn.ext.replicaLink !== undefined ? this.replica : conn.isSubscriber() ? this.pubsub : this.normal;
    const hard = lim.hard !== 0 && queued >= lim.hard;
    let soft = false;
    if (lim.soft !== 0 && queued >= lim.soft) {
      const now = Math.floor(this.server.clock.now() / 1000);
      if (conn.obufSoftSince === 0) conn.obufSoftSince = now;
      else soft = now - conn.obufSoftSince > lim.softSeconds;
    } else conn.obufSoftSince = 0;
    if (!hard && !soft) return;
    this.outputBufferDisconnections++;
    this.server.logger.warn(`Client id=${conn.id} addr=${conn.remoteAddress} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    conn.abort();
  }
}

const all = new WeakMap<RedKitServer, Limits>();

export function limitsOf(server: RedKitServer): Limits {
  let l = all.get(server);
  if (l === undefined) {
    l = new Limits(server);
    l.apply(server.config.get('client-output-buffer-limit') ?? '');
    server.config.define('client-output-buffer-limit', (v) => (l as Limits).apply(v));
    const q = (v: string) => {
      const n = Number(v);
      (l as Limits).queryBufferLimit = Number.isFinite(n) && n > 0 ? n : 1024 * 1024 * 1024;
    };
    q(server.config.get('client-query-buffer-limit') ?? '');
    server.config.define('client-query-buffer-limit', q);
    all.set(server, l);
  }
  return l;
}
