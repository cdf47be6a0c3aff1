/**
 * Replication commands and state: ROLE, REPLICAOF/SLAVEOF, REPLCONF, PSYNC,
 * SYNC, WAIT, INFO replication, and -READONLY on read-only replicas.
 * See master.ts (the stream) and replica.ts (the link to a master).
 */
import { Err, ReplyError } from '../errors.js';
import { NO_REPLY, OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import { ATTENTION } from '../server/dispatch.js';
import { F } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { defineCommands, intArg } from '../commands/util.js';
import { persistenceOf } from '../commands/persistence.js';
import type { ReplicationWait } from '../commands/blocking.js';
import { ReplicationMaster } from './master.js';
import { ReplicaLink } from './replica.js';
import { Failover, psyncFailover } from './failover.js';

export { ReplicationMaster } from './master.js';
export { ReplicaLink, MasterClient } from './replica.js';
export { encodeCommand } from './stream.js';

const UNBLOCKED_BY_ROLE = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';
export const READONLY_ERR = "READONLY You can't write against a read only replica.";
export const MASTERDOWN_ERR = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';

/**
 * Order of the -READONLY check among the gates: after CLIENT PAUSE (30), so
 * that a write held by a pause is checked again when it runs (Redis runs a
 * held command's checks again after the pause), before MULTI queueing (90).
 */
const GATE_READONLY = 35;
/**
 * Order of the -MASTERDOWN check (a stale replica, replica-serve-stale-data no): after the pub/sub
 * context check (10), before loading (20), a busy script and CLIENT PAUSE, as in processCommand.
 * Redis checks -READONLY before it: the gate lets a write on a read-only replica go on to that gate.
 */
const GATE_STALE = 15;

/** One server's replication: its master side, and its link when it is a replica. */
export class Replication {
  readonly master: ReplicationMaster;
  link: ReplicaLink | null = null;
  readonly failover: Failover;

  constructor(readonly server: RedKitServer) {
    this.master = new ReplicationMaster(server);
    this.failover = new Failover(server, this);
    server.ext.replicationDump = () => persistenceOf(server).dump();
    server.ext.replicationLoad = (b: Buffer) => {
      persistenceOf(server).load(b);
    };
    server.config.define('replica-read-only', () => this.updateGate());
    server.config.define('replica-serve-stale-data', () => this.updateGate());
  }

  get isReplica(): boolean {
    return this.link !== null;
  }

  private updateGate(): void {
    const cfg = this.server.config;
    const ro = (cfg.get('replica-read-only') ?? 'yes') === 'yes';
    this.server.setAttention(ATTENTION.REPLICA, this.link !== null && ro);
    // A replica whose link with its master is down (never up yet, or lost) serves only `stale` commands.
    const stale = this.link !== null && !this.link.up && (cfg.get('replica-serve-stale-data') ?? 'yes') === 'no';
    this.server.setAttention(ATTENTION.STALE, stale);
  }

  /**
   * REPLICAOF host port. With `failover` (FAILOVER, failover.ts) the PSYNC
   * asks the new master to take over, and the replicas stay attached (they
   * follow when the id changes), as in Redis's replicationSetMaster.
   */
  replicaOf(host: string, port: number, opts: { failover?: (accepted: boolean) => void } = {}): void {
    const m = this.master;
    if (this.link === null) {
      // From master to replica: stop feeding; our history may continue on the new master (PSYNC with our id).
      m.stopFeeding();
      if (opts.failover === undefined) m.disconnectReplicas();
      // Clients blocked on the master (BLPOP, WAIT...) are answered and disconnected, as Redis does.
      for (const ctx of this.server.blocking.answerAll(new ReplyError(UNBLOCKED_BY_ROLE))) ctx.conn?.closeAfterCurrentReply();
    } else this.link.close();
    const link = new ReplicaLink(this.server, m, host, port, opts.failover ?? null);
    this.link = link;
    link.onUpDown = () => {
      if (this.link === link) this.updateGate();
    };
    // The server stops (or restarts: RedKit.restart() points it at its master again): the link ends.
    this.server.onStop(() => link.close());
    this.updateGate();
  }

  /** REPLICAOF NO ONE: become a master; replicas of the old master may continue with us. */
  promote(): void {
    if (this.link === null) return;
    this.link.close();
    this.link = null;
    const m = this.master;
    m.shiftReplId();
    m.createBacklog();
    m.disconnectReplicas();
    m.startFeeding();
    this.updateGate();
  }

  role(): Reply {
    const m = this.master;
    const l = this.link;
    if (l === null) {
      const peers: Reply[] = [];
      for (const p of m.peers) peers.push([ipOf(p.conn), String(p.port), String(p.ackOffset)]);
      return ['master', m.offset, peers];
    }
    return ['slave', l.host, l.port, l.state, l.state === 'connected' ? m.offset : -1];
  }

  info(): string[] {
    const m = this.master;
    const l = this.link;
    const cfg = this.server.config;
    const now = this.server.clock.now();
    const lines = ['# Replication'];
    if (l === null) lines.push('role:master');
    else {
      const up = l.state === 'connected';
      lines.push(
        'role:slave',
        `master_host:${l.host}`,
        `master_port:${l.port}`,
        `master_link_status:${up ? 'up' : 'down'}`,
        `master_last_io_seconds_ago:${up ? Math.floor((now - l.lastIo) / 1000) : -1}`,
        `master_sync_in_progress:${l.state === 'sync' ? 1 : 0}`,
        `slave_read_repl_offset:${up ? m.offset : 0}`,
        `slave_repl_offset:${up ? m.offset : 0}`,
      );
      if (!up) lines.push(`master_link_down_since_seconds:${m.backlogActive ? Math.floor((now - l.downSince) / 1000) : -1}`);
      lines.push(
        `slave_priority:${cfg.get('replica-priority') ?? '100'}`,
        `slave_read_only:${(cfg.get('replica-read-only') ?? 'yes') === 'yes' ? 1 : 0}`,
        `replica_announced:${(cfg.get('replica-announced') ?? 'yes') === 'yes' ? 1 : 0}`,
      );
    }
    lines.push(`connected_slaves:${m.peers.size}`);
    let i = 0;
    for (const p of m.peers) {
      lines.push(`slave${i++}:ip=${ipOf(p.conn)},port=${p.port},state=online,offset=${p.ackOffset},lag=${Math.floor((now - p.ackTime) / 1000)}`);
    }
    lines.push(
      `master_failover_state:${this.failover.state}`,
      `master_replid:${m.replid}`,
      `master_replid2:${m.replid2}`,
      `master_repl_offset:${m.offset}`,
      `second_repl_offset:${m.secondOffset}`,
      `repl_backlog_active:${m.backlogActive ? 1 : 0}`,
      `repl_backlog_size:${cfg.get('repl-backlog-size') ?? '1048576'}`,
      `repl_backlog_first_byte_offset:${m.backlogFirstByte}`,
      `repl_backlog_histlen:${m.backlogHistlen}`,
    );
    return lines;
  }
}

function ipOf(conn: Connection): string {
  const a = conn.remoteAddress;
  const i = a.lastIndexOf(':');
  let ip = i > 0 ? a.slice(0, i) : a;
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return ip;
}

const all = new WeakMap<RedKitServer, Replication>();

/** The replication state of a server (created on first use). */
export function replicationOf(server: RedKitServer): Replication {
  let r = all.get(server);
  if (r === undefined) {
    r = new Replication(server);
    all.set(server, r);
  }
  return r;
}

function replicaofCommand(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  if (server.ext.cluster !== undefined) throw new ReplyError('ERR REPLICAOF not allowed in cluster mode.');
  const r = replicationOf(server);
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') {
    if (r.isReplica) {
      r.promote();
      server.logger.info(`MASTER MODE enabled (user request from '${ctx.remoteAddress}')`);
    }
    return OK;
  }
  if (ctx.conn !== undefined && ctx.conn.ext.replicaLink !== undefined) throw new ReplyError('ERR Command is not valid when client is a replica.');
  const port = intArg(args[1], 'ERR Invalid master port');
  if (port < 0 || port > 65535) throw new ReplyError('ERR Invalid master port');
  const host = args[0];
  if (r.link !== null && r.link.host.toLowerCase() === host.toLowerCase() && r.link.port === port) {
    return new SimpleString('OK Already connected to specified master');
  }
  r.replicaOf(host, port);
  return OK;
}

function replconf(ctx: Context, args: string[]): Reply {
  const r = replicationOf(ctx.server);
  if (args.length % 2 !== 0) throw new ReplyError(Err.syntax);
  let port = -1;
  for (let i = 0; i < args.length; i += 2) {
    const opt = args[i].toLowerCase();
    const val = args[i + 1];
    switch (opt) {
      case 'listening-port':
        port = intArg(val);
        break;
      case 'ip-address':
        if (ctx.conn !== undefined) ctx.conn.ext.replicaAddr = val;
        break;
      case 'capa':
      case 'rdb-only':
        break;
      case 'ack': {
        const conn = ctx.conn;
        if (conn === undefined || conn.ext.replicaLink === undefined) return NO_REPLY;
        const off = Number(val);
        if (Number.isFinite(off)) r.master.ack(conn, off);
        return NO_REPLY;
      }
      case 'getack':
        // Only a master asks a replica (on the master link, see replica.ts); a client gets nothing.
        return NO_REPLY;
      default:
        throw new ReplyError(`ERR Unrecognized REPLCONF option: ${args[i]}`);
    }
  }
  if (port >= 0 && ctx.conn !== undefined) ctx.conn.ext.replicaPort = port;
  return OK;
}

function syncCommand(psync: boolean) {
  return (ctx: Context, args: string[]): Reply => {
    const conn = ctx.conn;
    if (conn === undefined) throw new ReplyError('ERR PSYNC is only for connections');
    if (conn.ext.replicaLink !== undefined) return NO_REPLY;
    const r = replicationOf(ctx.server);
    // PSYNC <replid> <offset> FAILOVER: our master hands over (failover.ts).
    if (psync && args.length > 2 && args[2].toLowerCase() === 'failover') psyncFailover(ctx, r, args[0]);
    if (r.failover.active) throw new ReplyError("NOMASTERLINK Can't SYNC while failing over");
    if (r.isReplica && !r.link?.up) throw new ReplyError("NOMASTERLINK Can't SYNC while not connected with my master");
    const port = (conn.ext.replicaPort as number | undefined) ?? 0;
    if (psync) {
      const replid = args[0] === '?' ? null : args[0];
      const from = Number(args[1]);
      r.master.sync(conn, true, replid, Number.isFinite(from) ? from : -1, port);
    } else r.master.sync(conn, false, null, -1, port);
    return NO_REPLY;
  };
}

export function installReplication(server: RedKitServer): void {
  const r = replicationOf(server);
  defineCommands(server, {
    role: (ctx) => replicationOf(ctx.server).role(),
    replicaof: replicaofCommand,
    slaveof: replicaofCommand,
    replconf,
    psync: syncCommand(true),
    sync: syncCommand(false),
    failover: (ctx, args) => replicationOf(ctx.server).failover.command(ctx, args),
  });
  // WAIT (commands/blocking.ts) asks replication how many replicas acknowledged.
  const replicationWait: ReplicationWait = {
    check: (ctx) => {
      if (replicationOf(ctx.server).isReplica) throw new ReplyError(WAIT_ON_REPLICA);
    },
    wait: (ctx, needed, timeoutMs) => replicationOf(ctx.server).master.wait(ctx, typeof needed === 'bigint' ? Number(needed) : needed, timeoutMs),
  };
  server.ext.replicationWait = replicationWait;
  server.ext.replicationInfo = () => r.info();
  server.ext.helloRole = () => (r.isReplica ? 'replica' : 'master');
  server.addGate(
    (ctx, cmd) => {
      if ((server.dispatcher.attention & ATTENTION.REPLICA) === 0) return undefined;
      if ((server.flagsOf(ctx, cmd) & F.write) !== 0) return new ReplyError(READONLY_ERR);
      return undefined;
    },
    GATE_READONLY,
    { onAttention: true },
  );
  server.addGate(
    (ctx, cmd) => {
      const att = server.dispatcher.attention;
      if ((att & ATTENTION.STALE) === 0) return undefined;
      const flags = server.flagsOf(ctx, cmd);
      if ((flags & F.stale) !== 0) return undefined;
      // (-READONLY first: its gate answers)
      if ((flags & F.write) !== 0 && (att & ATTENTION.REPLICA) !== 0) return undefined;
      return new ReplyError(MASTERDOWN_ERR);
    },
    GATE_STALE,
    { onAttention: true },
  );
}
