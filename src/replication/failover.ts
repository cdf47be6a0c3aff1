/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: Redis 7.0's
 * coordinated failover of a standalone master to one of its replicas
 * (replication.c: failoverCommand, updateFailoverStatus, abortFailover).
 *
 *   no-failover --FAILOVER--> waiting-for-sync --target acked our offset-->
 *   failover-in-progress --PSYNC <replid> <offset> FAILOVER accepted--> no-failover
 *
 * While the state is not no-failover, client writes are held (as CLIENT
 * PAUSE WRITE, RedKitServer.holdWritesForFailover) and no PING goes to the
 * replicas, so the target can reach the master's offset. When it did (its
 * REPLCONF ACK), this server becomes the target's replica and asks it, in
 * the PSYNC of the handshake, to take over: the target (a RedKit, see
 * psyncFailover, or a redis-server) becomes a master and answers
 * +CONTINUE with its new replication id, so this server continues from its
 * own offset without a full resync. Then the held writes go on, and get
 * -READONLY (the server is a replica now). A rejected PSYNC, ABORT, or a
 * TIMEOUT (server clock) without FORCE makes it a master again; FORCE at the
 * timeout fails over anyway.
 */
import { ReplyError } from '../errors.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { ClockTimer } from '../clock/clock.js';
import { int64Arg, intArg } from '../commands/util.js';
import type { ReplicaPeer } from './master.js';
import type { Replication } from './index.js';

const INT64_MAX = 9223372036854775807n;

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

const E = {
  cluster: 'ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.',
  noFailover: 'ERR No failover in progress.',
  timeout: 'ERR FAILOVER timeout must be greater than 0',
  syntax: 'ERR syntax error',
  inProgress: 'ERR FAILOVER already in progress.',
  replica: 'ERR FAILOVER is not valid when server is a replica.',
  noReplicas: 'ERR FAILOVER requires connected replicas.',
  force: 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.',
  notReplica: 'ERR FAILOVER target HOST and PORT is not a replica.',
  psyncMaster: "ERR PSYNC FAILOVER can't be sent to a master.",
  psyncReplid: 'ERR PSYNC FAILOVER replid must match my replid.',
};

/** The address a replica is known by: REPLCONF ip-address, else its connection's IP. */
export function replicaAddress(conn: Connection): string {
  const announced = conn.ext.replicaAddr as string | undefined;
  if (announced !== undefined) return announced;
  const a = conn.remoteAddress;
  const i = a.lastIndexOf(':');
  let ip = i > 0 ? a.slice(0, i) : a;
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return ip;
}

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | null = null;
  private targetPort = 0;
  private endTime = 0;
  private force = false;
  private timer: ClockTimer | null = null;

  constructor(
    private readonly server: RedKitServer,
    private readonly repl: Replication,
  ) {
    repl.master.onAck = () => {
      if (this.state === 'waiting-for-sync') server.guarded('checking the failover', () => this.update());
    };
    // A stopped server's timeout must not fire on a clock that lives on (replicas share their master's).
    server.onStop(() => this.cancelTimer());
  }

  get active(): boolean {
    return this.state !== 'no-failover';
  }

  private log(msg: string): void {
    this.server.logger.info(msg);
  }

  private findReplica(host: string, port: number): ReplicaPeer | undefined {
    const h = host.toLowerCase();
    for (const p of this.repl.master.peers) if (replicaAddress(p.conn).toLowerCase() === h && p.port === port) return p;
    return undefined;
  }

  /** The FAILOVER command. */
  command(ctx: Context, args: string[]): Reply {
    if (ctx.server.ext.cluster !== undefined) throw new ReplyError(E.cluster);
    if (args.length === 1 && args[0].toLowerCase() === 'abort') {
      if (this.state === 'no-failover') throw new ReplyError(E.noFailover);
      this.abort('Failover manually aborted');
      return OK;
    }
    let timeout: number | bigint = 0;
    let force = false;
    let port = 0;
    let host: string | null = null;
    for (let j = 0; j < args.length; j++) {
      const a = args[j].toLowerCase();
      if (a === 'timeout' && j + 1 < args.length && timeout === 0) {
        const t = int64Arg(args[j + 1]);
        if (t <= 0) throw new ReplyError(E.timeout);
        timeout = t;
        j++;
      } else if (a === 'to' && j + 2 < args.length && host === null) {
        port = intArg(args[j + 2]);
        host = args[j + 1];
        j += 2;
      } else if (a === 'force' && !force) {
        force = true;
      } else throw new ReplyError(E.syntax);
    }
    if (this.state !== 'no-failover') throw new ReplyError(E.inProgress);
    if (this.repl.isReplica) throw new ReplyError(E.replica);
    if (this.repl.master.peers.size === 0) throw new ReplyError(E.noReplicas);
    if (force && (timeout === 0 || host === null)) throw new ReplyError(E.force);
    if (host !== null) {
      if (this.findReplica(host, port) === undefined) throw new ReplyError(E.notReplica);
      // (Every attached RedKit peer is online: "target replica is not online" cannot happen here.)
      this.targetHost = host;
      this.targetPort = port;
      this.log(`FAILOVER requested to ${host}:${port}.`);
    } else this.log('FAILOVER requested to any replica.');
    const clock = this.server.clock;
    if (timeout !== 0) {
      // Redis adds the timeout to its ms clock in a signed 64-bit integer: past its range the sum
      // wraps negative, and the failover times out at once.
      this.endTime = BigInt(clock.now()) + BigInt(timeout) > INT64_MAX ? -1 : clock.now() + Number(timeout);
      this.timer = clock.at(this.endTime, () => {
        this.timer = null;
        this.server.guarded('checking the failover', () => this.update());
      });
    }
    this.force = force;
    this.state = 'waiting-for-sync';
    this.repl.master.quiet = true;
    this.server.holdWritesForFailover(true);
    // Redis checks right after the command (beforeSleep): a replica already in sync takes over now.
    queueMicrotask(() => this.server.guarded('checking the failover', () => this.update()));
    return OK;
  }

  /** updateFailoverStatus: the timeout, or a target that caught up. */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const m = this.repl.master;
    m.flushPending();
    if (this.endTime !== 0 && this.endTime <= this.server.clock.now()) {
      if (this.force) {
        this.log(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.failOver();
      } else this.abort('Replica never caught up before timeout');
      return;
    }
    let target: ReplicaPeer | undefined;
    if (this.targetHost !== null) target = this.findReplica(this.targetHost, this.targetPort);
    else {
      for (const p of m.peers) {
        if (p.ackOffset === m.offset) {
          target = p;
          this.targetHost = replicaAddress(p.conn);
          this.targetPort = p.port;
          break;
        }
      }
    }
    if (target !== undefined && target.ackOffset === m.offset) {
      this.log(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      this.failOver();
    }
  }

  /** Become the target's replica; the handshake's PSYNC carries FAILOVER. */
  private failOver(): void {
    this.state = 'failover-in-progress';
    this.cancelTimer();
    this.repl.replicaOf(this.targetHost ?? '', this.targetPort, {
      failover: (accepted) => {
        if (this.state !== 'failover-in-progress') return;
        if (accepted) this.clear();
        else this.abort('Failover target rejected psync request');
      },
    });
  }

  /** abortFailover: back to a plain master (a master again if it had become a replica). */
  abort(why: string): void {
    if (this.state === 'no-failover') return;
    if (this.targetHost !== null) this.log(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${why}`);
    else this.log(`FAILOVER to any replica aborted: ${why}`);
    if (this.state === 'failover-in-progress') this.repl.promote();
    this.clear();
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** clearFailoverState: the writes held go on. */
  private clear(): void {
    this.cancelTimer();
    this.endTime = 0;
    this.force = false;
    this.targetHost = null;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.repl.master.quiet = false;
    this.server.holdWritesForFailover(false);
  }
}

/**
 * PSYNC <replid> <offset> FAILOVER on a replica: its master asks it to take
 * over. It becomes a master when the id is its own (the PSYNC then goes on
 * as usual and continues from the backlog); otherwise the PSYNC is refused.
 */
export function psyncFailover(ctx: Context, repl: Replication, replid: string): void {
  const server = ctx.server;
  server.logger.warn(`Failover request received for replid ${replid}.`);
  if (!repl.isReplica) throw new ReplyError(E.psyncMaster);
  if (replid.toLowerCase() !== repl.master.replid.toLowerCase()) throw new ReplyError(E.psyncReplid);
  repl.promote();
  server.logger.info(`MASTER MODE enabled (failover request from '${ctx.remoteAddress}')`);
}
