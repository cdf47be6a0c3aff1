/**
 * Redis Sentinel for tests: `startRedKitSentinel({ masterName, replicas })`
 * starts a master with its replicas (RedKit servers replicating over Redis's
 * protocol, src/replication/) and a RedKit server in sentinel mode that
 * monitors them. Clients that speak Sentinel (ioredis `sentinels`, node-redis
 * `createSentinel`) find the master through it, and follow a failover:
 * `sentinel.failover()` (or SENTINEL FAILOVER) promotes a replica and
 * publishes `+switch-master` with the other events redis-sentinel sends.
 *
 * The sentinel knows its servers in-process (no PING/INFO polling): the
 * state it reports is read from them when asked. A failover loses no
 * acknowledged write: the old master holds writes (CLIENT PAUSE WRITE),
 * the chosen replica catches up, is promoted, the old master becomes its
 * replica (held writes then answer -READONLY and are not applied) and its
 * clients are disconnected, so that they ask the sentinel again.
 */
import { randomBytes } from 'node:crypto';
import { ReplyError } from '../errors.js';
import { MapReply, NULL_ARRAY, OK, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import { infoText } from '../commands/server.js';
import { createServer, type RedKitServer } from '../server/server.js';
import type { Context } from '../server/context.js';
import type { CommandDefinition } from '../server/registry.js';
import type { LogLevel } from '../server/logger.js';
import { pubsubOf } from '../commands/pubsub.js';
import { globMatch } from '../commands/util.js';
import { startRedKit, type RedKit, type RedKitOptions } from '../testing/redkit.js';
import { replicationOf } from '../replication/index.js';

export interface RedKitSentinelOptions extends Omit<RedKitOptions, 'replicas' | 'replicaOf' | 'port'> {
  /** The monitored master's name. Default 'mymaster'. */
  masterName?: string;
  /** Replicas of the master. Default 1. */
  replicas?: number;
  /** Quorum reported by SENTINEL MASTER / CKQUORUM. Default 1 (one sentinel). */
  quorum?: number;
  /** Port of the sentinel (default: a free one). */
  sentinelPort?: number;
}

/** The commands redis-sentinel 7.0 has (COMMAND COUNT: 15; QUIT is not one of them). */
const SENTINEL_COMMANDS = new Set(['ping', 'sentinel', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'publish', 'info', 'role', 'client', 'shutdown', 'auth', 'hello', 'acl', 'command']);

const NO_SUCH_MASTER = 'ERR No such master with that name';

const HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET <param> <value>',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param>',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  '    Check if the master specified by ip:port is down from current Sentinel\'s',
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  '    Remove master from Sentinel\'s monitor list.',
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
  'HELP',
  '    Prints this help.',
];

function runIdOf(server: RedKitServer): string {
  // INFO server's run_id (commands/server.ts keeps it in ext.runId once asked).
  let id = server.ext.runId as string | undefined;
  if (!id) {
    id = randomBytes(20).toString('hex');
    server.ext.runId = id;
  }
  return id;
}

export class RedKitSentinel {
  /** The sentinel's own server. */
  readonly server: RedKitServer;
  readonly masterName: string;
  readonly quorum: number;
  readonly myid = randomBytes(20).toString('hex');
  /** Every data server (the first master and its replicas), whatever their role now. */
  readonly nodes: RedKit[];
  configEpoch = 0;
  private failing = false;
  private readonly startedAt: number;
  private downAfter = 30000;
  private failoverTimeout = 180000;
  private parallelSyncs = 1;

  constructor(server: RedKitServer, first: RedKit, opts: RedKitSentinelOptions) {
    this.server = server;
    this.masterName = opts.masterName ?? 'mymaster';
    this.quorum = opts.quorum ?? 1;
    this.nodes = [first, ...first.replicas];
    this.startedAt = Date.now();
    this.install();
  }

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** `redis://host:port` of the sentinel. */
  get url(): string {
    return this.server.url;
  }

  /** What ioredis's `sentinels` option takes (node-redis's `sentinelRootNodes`). */
  get sentinels(): Array<{ host: string; port: number }> {
    return [{ host: this.host, port: this.port }];
  }

  /** Servers stopped by killMaster() (and not revived). */
  private readonly down = new Set<RedKit>();

  /** The current master. */
  get master(): RedKit {
    const m = this.nodes.find((n) => n.role === 'master' && !this.down.has(n));
    if (m === undefined) throw new Error('RedKit sentinel: no master');
    return m;
  }

  /** The current master's replicas. */
  get replicas(): RedKit[] {
    return this.replicasOf(this.master);
  }

  private replicasOf(m: RedKit): RedKit[] {
    return this.nodes.filter((n) => {
      if (this.down.has(n)) return false;
      const l = replicationOf(n.server).link;
      return l !== null && l.port === m.port && l.host === m.host;
    });
  }

  /** Wait until every replica has applied the master's writes. */
  async synced(): Promise<void> {
    for (const r of this.replicas) await r.synced();
  }

  private publish(channel: string, message: string): void {
    pubsubOf(this.server).publish(channel, message);
  }

  private instanceName(n: RedKit): string {
    return `${n.host}:${n.port}`;
  }

  private describeSlave(n: RedKit, m: RedKit): string {
    return `slave ${this.instanceName(n)} ${n.host} ${n.port} @ ${this.masterName} ${m.host} ${m.port}`;
  }

  /**
   * Promote a replica (default: the one with the largest offset), re-point the
   * others and the old master, publish the events. Resolves when done.
   */
  async failover(replica?: RedKit, crashed?: RedKit): Promise<void> {
    if (this.failing) throw new Error('RedKit sentinel: a failover is already in progress');
    const old = crashed ?? this.master;
    const candidates = this.replicasOf(old);
    const chosen = replica ?? candidates.sort((a, b) => replicationOf(b.server).master.offset - replicationOf(a.server).master.offset)[0];
    if (chosen === undefined || !candidates.includes(chosen)) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
    this.failing = true;
    const masterDesc = `master ${this.masterName} ${old.host} ${old.port}`;
    try {
      this.configEpoch++;
      this.publish('+new-epoch', String(this.configEpoch));
      this.publish('+try-failover', masterDesc);
      this.publish('+vote-for-leader', `${this.myid} ${this.configEpoch}`);
      this.publish('+elected-leader', masterDesc);
      this.publish('+failover-state-select-slave', masterDesc);
      this.publish('+selected-slave', this.describeSlave(chosen, old));
      // No acknowledged write may be lost: hold the old master's writes until the replica has them all.
      if (crashed === undefined) {
        old.server.pause(24 * 3600 * 1000, 'write');
        try {
          await chosen.synced();
        } catch {
          // Promote anyway (a replica that cannot catch up), as Sentinel does.
        }
      }
      this.publish('+failover-state-send-slaveof-noone', this.describeSlave(chosen, old));
      chosen.replicaOf(null);
      this.publish('+failover-state-wait-promotion', this.describeSlave(chosen, old));
      this.publish('-role-change', `${this.describeSlave(chosen, old)} new reported role is master`);
      this.publish('+promoted-slave', this.describeSlave(chosen, old));
      this.publish('+failover-state-reconf-slaves', masterDesc);
      for (const r of candidates) {
        if (r === chosen) continue;
        r.replicaOf({ host: chosen.host, port: chosen.port });
        this.publish('+slave-reconf-sent', this.describeSlave(r, old));
        this.publish('+slave-reconf-inprog', this.describeSlave(r, old));
        this.publish('+slave-reconf-done', this.describeSlave(r, old));
      }
      // The old master becomes a replica of the new one: its held writes answer -READONLY, unapplied.
      if (crashed === undefined) old.replicaOf({ host: chosen.host, port: chosen.port });
      this.publish('+failover-end', masterDesc);
      this.publish('+switch-master', `${this.masterName} ${old.host} ${old.port} ${chosen.host} ${chosen.port}`);
      if (crashed === undefined) this.publish('+slave', this.describeSlave(old, chosen));
      for (const r of candidates) if (r !== chosen) this.publish('+slave', this.describeSlave(r, chosen));
      if (crashed === undefined) {
        // Its clients reconnect and ask the sentinel where the master is now.
        for (const c of [...old.server.connections.values()]) if (c.ext.replicaLink === undefined) c.end();
        old.server.unpause();
      }
    } finally {
      this.failing = false;
    }
  }

  /**
   * The master crashes: its port closes and its clients are disconnected;
   * the sentinel sees it down (`+sdown`, `+odown`) and fails over to a
   * replica, without waiting for it (writes the replica had not received
   * are lost, as with Redis). `revive(node)` brings it back as a replica.
   */
  async killMaster(): Promise<RedKit> {
    const old = this.master;
    if (this.replicas.length === 0) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
    this.down.add(old);
    await old.server.close();
    const desc = `master ${this.masterName} ${old.host} ${old.port}`;
    this.publish('+sdown', desc);
    this.publish('+odown', `${desc} #quorum 1/${this.quorum}`);
    await this.failover(undefined, old);
    return old;
  }

  /** A server stopped by killMaster() comes back, as a replica of the current master (`-sdown`, `+convert-to-slave`). */
  async revive(node: RedKit): Promise<void> {
    if (!this.down.has(node)) return;
    const m = this.master;
    await node.server.listen(node.port, node.host);
    this.down.delete(node);
    node.replicaOf({ host: m.host, port: m.port });
    this.publish('-sdown', `master ${this.masterName} ${node.host} ${node.port}`);
    this.publish('+convert-to-slave', this.describeSlave(node, m));
    await node.synced();
  }

  // ---- replies ----------------------------------------------------------------------------

  private masterFields(): Reply[] {
    const m = this.master;
    const since = Date.now() - this.startedAt;
    return [
      'name', this.masterName,
      'ip', m.host,
      'port', String(m.port),
      'runid', runIdOf(m.server),
      'flags', 'master',
      'link-pending-commands', '0',
      'link-refcount', '1',
      'last-ping-sent', '0',
      'last-ok-ping-reply', '0',
      'last-ping-reply', '0',
      'down-after-milliseconds', String(this.downAfter),
      'info-refresh', String(Math.min(since, 10000)),
      'role-reported', 'master',
      'role-reported-time', String(since),
      'config-epoch', String(this.configEpoch),
      'num-slaves', String(this.replicas.length),
      'num-other-sentinels', '0',
      'quorum', String(this.quorum),
      'failover-timeout', String(this.failoverTimeout),
      'parallel-syncs', String(this.parallelSyncs),
    ];
  }

  private replicaFields(n: RedKit): Reply[] {
    const m = this.master;
    const l = replicationOf(n.server).link;
    const up = l !== null && l.up;
    const since = Date.now() - this.startedAt;
    return [
      'name', this.instanceName(n),
      'ip', n.host,
      'port', String(n.port),
      'runid', runIdOf(n.server),
      'flags', 'slave',
      'link-pending-commands', '0',
      'link-refcount', '1',
      'last-ping-sent', '0',
      'last-ok-ping-reply', '0',
      'last-ping-reply', '0',
      'down-after-milliseconds', String(this.downAfter),
      'info-refresh', String(Math.min(since, 10000)),
      'role-reported', 'slave',
      'role-reported-time', String(since),
      'master-link-down-time', '0',
      'master-link-status', up ? 'ok' : 'err',
      'master-host', m.host,
      'master-port', String(m.port),
      'slave-priority', n.server.config.get('replica-priority') ?? '100',
      'slave-repl-offset', String(replicationOf(n.server).master.offset),
      'replica-announced', '1',
    ];
  }

  private checkName(name: string): void {
    if (name !== this.masterName) throw new ReplyError(NO_SUCH_MASTER);
  }

  private install(): void {
    const s = this.server;
    s.ext.helloMode = 'sentinel';
    for (const c of s.registry.all()) if (!SENTINEL_COMMANDS.has(c.name)) s.unregisterCommand(c.name);
    const sub = (arity: number, handler: (ctx: Context, args: string[]) => Reply | Promise<Reply>): CommandDefinition => ({
      handler,
      arity,
      flags: ['admin', 'loading', 'stale'],
      aclCategories: ['admin', 'slow', 'dangerous'],
    });
    const map = (flat: Reply[]) => new MapReply(flat);
    s.registerCommand('sentinel', {
      handler: () => {
        throw new ReplyError("ERR wrong number of arguments for 'sentinel' command");
      },
      arity: -2,
      flags: ['admin', 'loading', 'stale'],
      group: 'sentinel',
      subcommands: {
        masters: sub(2, () => [map(this.masterFields())]),
        master: sub(3, (_c, a) => (this.checkName(a[0]), map(this.masterFields()))),
        replicas: sub(3, (_c, a) => (this.checkName(a[0]), this.replicas.map((r) => map(this.replicaFields(r))))),
        slaves: sub(3, (_c, a) => (this.checkName(a[0]), this.replicas.map((r) => map(this.replicaFields(r))))),
        sentinels: sub(3, (_c, a) => (this.checkName(a[0]), [])),
        'get-master-addr-by-name': sub(3, (_c, a) => (a[0] === this.masterName ? [this.master.host, String(this.master.port)] : NULL_ARRAY)),
        ckquorum: sub(3, (_c, a) => {
          this.checkName(a[0]);
          return new SimpleString('OK 1 usable Sentinels. Quorum and failover authorization can be reached');
        }),
        myid: sub(2, () => this.myid),
        reset: sub(3, (_c, a) => (globMatch(a[0], this.masterName, false) ? 1 : 0)),
        failover: sub(3, async (_c, a) => {
          this.checkName(a[0]);
          if (this.failing) throw new ReplyError('INPROG Failover already in progress');
          if (this.replicas.length === 0) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
          // Sentinel answers OK at once and fails over in the background.
          setImmediate(() => this.failover().catch((e) => s.logger.error(`failover failed: ${(e as Error).message}`)));
          return OK;
        }),
        'is-master-down-by-addr': sub(6, () => [0, '*', 0]),
        help: sub(2, () => HELP.map((l) => new SimpleString(l))),
      },
    });
    s.registerCommand('role', { handler: () => ['sentinel', [this.masterName]], arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'] });
    s.registerCommand('info', {
      arity: -1,
      flags: ['loading', 'stale'],
      handler: (ctx, args) => {
        const want = args.length === 0 ? ['default'] : args.map((a) => a.toLowerCase());
        const all = want.some((w) => w === 'all' || w === 'default' || w === 'everything');
        const parts: string[] = [];
        const secs = ['server', 'clients', 'stats', 'cpu'].filter((sec) => all || want.includes(sec));
        if (secs.length !== 0) parts.push(infoText(s, ctx, secs).replace(/\r\nredis_mode:standalone\r\n/, '\r\nredis_mode:sentinel\r\n').replace(/(\r\n)+$/, ''));
        if (all || want.includes('sentinel')) parts.push(this.infoSentinel().join('\r\n'));
        return new VerbatimReply(parts.length === 0 ? '' : parts.join('\r\n\r\n') + '\r\n');
      },
    });
  }

  private infoSentinel(): string[] {
    const m = this.master;
    return [
      '# Sentinel',
      'sentinel_masters:1',
      'sentinel_tilt:0',
      'sentinel_tilt_since_seconds:-1',
      'sentinel_running_scripts:0',
      'sentinel_scripts_queue_length:0',
      'sentinel_simulate_failure_flags:0',
      `master0:name=${this.masterName},status=ok,address=${m.host}:${m.port},slaves=${this.replicas.length},sentinels=1`,
    ];
  }

  /** Stop the sentinel and every server. */
  async stop(): Promise<void> {
    await this.server.close();
    this.server.dispose();
    await this.nodes[0].stop();
  }
}

/** Start a master, its replicas and a sentinel monitoring them. */
export async function startRedKitSentinel(opts: RedKitSentinelOptions = {}): Promise<RedKitSentinel> {
  const { masterName: _n, quorum: _q, sentinelPort, replicas, ...rest } = opts;
  const first = await startRedKit({ ...rest, replicas: replicas ?? 1 });
  const server = createServer({ host: opts.host ?? '127.0.0.1', logger: (typeof opts.logger === 'string' ? opts.logger : 'warn') as LogLevel });
  const sentinel = new RedKitSentinel(server, first, opts);
  try {
    await server.listen(sentinelPort ?? 0, opts.host ?? '127.0.0.1');
  } catch (e) {
    await first.stop();
    throw e;
  }
  return sentinel;
}
