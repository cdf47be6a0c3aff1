/**
 * Redis Sentinel for tests: `startRedKitSentinel({ masterName, replicas })`
 * starts a master with its replicas (RedKit servers replicating over Redis's
 * protocol, src/replication/) and a RedKit server in sentinel mode that
 * monitors them. Clients that speak Sentinel (ioredis `sentinels`, node-redis
 * `createSentinel`) find the master through it, and follow a failover.
 *
 * The sentinel watches its servers as redis-sentinel 7.0 does, over real
 * connections (link.ts): PING every second (or down-after-milliseconds if
 * smaller), INFO every 10 s (every second for replicas while the master is
 * ODOWN or a failover runs), a hello on `__sentinel__:hello` every 2 s. A
 * server without a valid PING reply for down-after-milliseconds is `+sdown`;
 * the master in SDOWN is `+odown` (one sentinel: quorum 1), and the failover
 * starts by itself (again at most every 2 × failover-timeout). Every timer
 * runs on the servers' clock: `sentinel.clock.advance('31s')` makes a
 * stopped master SDOWN at once.
 *
 * `sentinel.failover()` (or SENTINEL FAILOVER) loses no acknowledged write:
 * the old master holds writes (CLIENT PAUSE WRITE), the chosen replica
 * catches up, is promoted, the old master becomes its replica (held writes
 * then answer -READONLY and are not applied) and its clients are
 * disconnected, so that they ask the sentinel again. A failover after a
 * detected failure cannot reach the old master: it promotes the best replica
 * (priority, then offset, then run id) as Redis does.
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
import { replicaOptions, startRedKit, type RedKit, type RedKitOptions } from '../testing/redkit.js';
import { replicationOf } from '../replication/index.js';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { realDateNow, realSetImmediate, realSetTimeout } from '../clock/timers.js';
import { InstanceLink, type LinkReply } from './link.js';

export interface RedKitSentinelOptions extends Omit<RedKitOptions, 'replicas' | 'replicaOf' | 'port'> {
  /** The monitored master's name. Default 'mymaster'. */
  masterName?: string;
  /** Replicas of the master. Default 1. */
  replicas?: number;
  /** Quorum reported by SENTINEL MASTER / CKQUORUM. Default 1 (one sentinel). */
  quorum?: number;
  /** Port of the sentinel (default: a free one). */
  sentinelPort?: number;
  /** A server without a valid PING reply for this long is down (SDOWN). Default 30000, as Redis. */
  downAfterMilliseconds?: number;
  /** failover-timeout: a failover after a detected failure is tried again at most every 2 × this. Default 180000. */
  failoverTimeout?: number;
}

/** The commands redis-sentinel 7.0 has (COMMAND COUNT: 15; QUIT is not one of them). */
const SENTINEL_COMMANDS = new Set(['ping', 'sentinel', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'publish', 'info', 'role', 'client', 'shutdown', 'auth', 'hello', 'acl', 'command']);

const NO_SUCH_MASTER = 'ERR No such master with that name';

/** Redis's sentinel timer runs about 10 times a second. */
const TICK_MS = 100;
const PING_PERIOD = 1000;
const INFO_PERIOD = 10000;
const PUBLISH_PERIOD = 2000;
/** A link connected this long whose PING waits for half down-after is closed and made again. */
const MIN_LINK_RECONNECT_PERIOD = 15000;
const MAX_PENDING_COMMANDS = 100;
/**
 * An unanswered PING counts only once it has waited this much real time (or
 * down-after-milliseconds if smaller) too: a virtual clock moved forward
 * while the reply of a healthy server is on its way must not make it SDOWN.
 */
const REPLY_GRACE_MS = 100;
/** How long a failover waits for its candidates' fresh PING/INFO replies (real ms). */
const REFRESH_WAIT_MS = 1000;

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

/** What the sentinel knows of one server, from its link (SENTINEL MASTER / REPLICAS fields). */
class Instance {
  readonly link: InstanceLink;
  /** When the PING still unanswered was sent (0: none); set when the instance is created, as Redis does. */
  actPingTime: number;
  /** The same in real time (REPLY_GRACE_MS). */
  actPingReal: number;
  lastPingTime = 0;
  lastPongTime: number;
  lastAvailTime: number;
  lastReconnTime: number;
  lastHelloTime = 0;
  connTime = 0;
  infoRefresh = 0;
  runid = '';
  roleReported: 'master' | 'slave';
  roleReportedTime: number;
  masterLinkDownTime = 0;
  masterLinkUp = false;
  masterHost: string | null = null;
  masterPort = 0;
  priority = 100;
  offset = 0;
  sdown = false;
  sdownSince = 0;
  odown = false;
  odownSince = 0;

  constructor(
    readonly node: RedKit,
    believed: 'master' | 'slave',
    now: number,
    onOpen: (i: Instance) => void,
  ) {
    this.actPingTime = now;
    this.actPingReal = realDateNow();
    this.lastPongTime = now;
    this.lastAvailTime = now;
    this.lastReconnTime = now;
    this.roleReported = believed;
    this.roleReportedTime = now;
    this.link = new InstanceLink(node.host, node.port, () => onOpen(this), () => {});
  }
}

function lineValue(info: string, field: string): string | undefined {
  const at = info.indexOf(`\n${field}:`);
  const i = at >= 0 ? at + 1 : info.startsWith(`${field}:`) ? 0 : -1;
  if (i < 0) return undefined;
  const end = info.indexOf('\r\n', i);
  return info.slice(i + field.length + 1, end < 0 ? info.length : end);
}

export class RedKitSentinel {
  /** The sentinel's own server. */
  readonly server: RedKitServer;
  readonly masterName: string;
  quorum: number;
  readonly myid = randomBytes(20).toString('hex');
  /** Every data server (the first master and its replicas), whatever their role now. */
  readonly nodes: RedKit[];
  /** The clock of the servers and of the sentinel's timers (virtual time: advance it to make a stopped master SDOWN). */
  readonly clock: Clock;
  configEpoch = 0;
  private failing = false;
  /** The replica being promoted (flags `promoted`), during a failover. */
  private promoting: RedKit | null = null;
  private current: RedKit;
  private downAfter: number;
  private failoverTimeout: number;
  private parallelSyncs = 1;
  private failoverStartTime = 0;
  private readonly ownsClock: boolean;
  private readonly password: string | undefined;
  private insts = new Map<RedKit, Instance>();
  private timer: ClockTimer | null = null;
  private stopped = false;

  constructor(server: RedKitServer, nodes: RedKit[], opts: RedKitSentinelOptions, clock: Clock, ownsClock: boolean) {
    this.server = server;
    this.masterName = opts.masterName ?? 'mymaster';
    this.quorum = opts.quorum ?? 1;
    this.nodes = nodes;
    this.current = nodes[0];
    this.clock = clock;
    this.ownsClock = ownsClock;
    this.password = opts.password;
    this.downAfter = opts.downAfterMilliseconds ?? 30000;
    this.failoverTimeout = opts.failoverTimeout ?? 180000;
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

  /** The current master: the one the sentinel monitors (and hands to clients), up or not. */
  get master(): RedKit {
    return this.current;
  }

  /** The current master's replicas (servers replicating from it that are listening). */
  get replicas(): RedKit[] {
    return this.replicasOf(this.master);
  }

  private replicasOf(m: RedKit): RedKit[] {
    return this.nodes.filter((n) => {
      if (n === m || this.down.has(n) || !n.server.isListening) return false;
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

  private describeMaster(m: RedKit): string {
    return `master ${this.masterName} ${m.host} ${m.port}`;
  }

  private describe(n: RedKit): string {
    return n === this.current ? this.describeMaster(n) : this.describeSlave(n, this.current);
  }

  // ---- monitoring --------------------------------------------------------------------------

  /** Start watching the servers (startRedKitSentinel does it); resolves once each answered INFO (or after 2 s). */
  async start(): Promise<void> {
    this.resetInstances();
    this.timer = this.clock.after(TICK_MS, () => this.tick());
    const end = realDateNow() + 2000;
    while (!this.stopped && realDateNow() < end && [...this.insts.values()].some((i) => i.infoRefresh === 0 && i.node.server.isListening)) {
      await new Promise((r) => realSetTimeout(r, 5));
    }
  }

  /** Forget what was observed (after a failover: Redis resets the master and its replicas). */
  private resetInstances(): void {
    for (const i of this.insts.values()) i.link.dispose();
    this.insts = new Map();
    const now = this.clock.now();
    for (const n of this.nodes) {
      const i = new Instance(n, n === this.current ? 'master' : 'slave', now, (x) => this.onLinkOpen(x));
      this.insts.set(n, i);
      i.link.connect();
    }
  }

  private inst(n: RedKit): Instance {
    const i = this.insts.get(n);
    if (i === undefined) throw new Error('RedKit sentinel: unknown server');
    return i;
  }

  private onLinkOpen(i: Instance): void {
    i.connTime = this.clock.now();
    if (this.password !== undefined) i.link.send(['AUTH', this.password], () => {});
    i.link.send(['CLIENT', 'SETNAME', `sentinel-${this.myid.slice(0, 8)}-cmd`], () => {});
    // A new link asks at once (Redis: info_refresh and the ping are due on a new link).
    this.sendInfo(i);
    this.sendPing(i);
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    // The work runs after the I/O the event loop already has (a link closed by a server that
    // just stopped, a reply on its way): a clock moved forward sees what a real second would.
    realSetImmediate(() => {
      if (this.stopped) return;
      try {
        this.monitor();
      } catch (e) {
        this.server.logger.error(`sentinel timer: ${(e as Error)?.stack ?? String(e)}`);
      }
      if (!this.stopped) this.timer = this.clock.after(TICK_MS, () => this.tick());
    });
  }

  private monitor(): void {
    const now = this.clock.now();
    for (const i of this.insts.values()) {
      // Checked first: a reconnection started now must not hide that the link is down.
      this.checkSubjectivelyDown(i, now);
      if (i.link.down && now - i.lastReconnTime >= PING_PERIOD) {
        i.lastReconnTime = now;
        i.link.connect();
      }
      this.sendPeriodic(i, now);
    }
    const mi = this.inst(this.current);
    this.checkObjectivelyDown(mi, now);
    if (mi.odown && !this.failing && now - this.failoverStartTime >= this.failoverTimeout * 2) this.startAutoFailover(now);
  }

  private sendPeriodic(i: Instance, now: number): void {
    if (!i.link.connected || i.link.pending >= MAX_PENDING_COMMANDS) return;
    const mi = this.insts.get(this.current);
    const isMaster = i.node === this.current;
    const infoPeriod = !isMaster && ((mi?.odown ?? false) || this.failing || i.masterLinkDownTime !== 0) ? PING_PERIOD : INFO_PERIOD;
    const pingPeriod = Math.min(this.downAfter, PING_PERIOD);
    if (i.infoRefresh === 0 || now - i.infoRefresh > infoPeriod) this.sendInfo(i);
    if (now - i.lastPongTime > pingPeriod && now - i.lastPingTime > pingPeriod / 2) this.sendPing(i);
    if (now - i.lastHelloTime > PUBLISH_PERIOD) this.sendHello(i);
  }

  private sendPing(i: Instance, done?: () => void): void {
    const sent = i.link.send(['PING'], (r) => {
      this.onPong(i, r);
      done?.();
    });
    if (!sent) {
      done?.();
      return;
    }
    const now = this.clock.now();
    i.lastPingTime = now;
    if (i.actPingTime === 0) {
      i.actPingTime = now;
      i.actPingReal = realDateNow();
    }
  }

  private onPong(i: Instance, r: LinkReply | null): void {
    if (r === null || this.insts.get(i.node) !== i) return;
    const now = this.clock.now();
    i.lastPongTime = now;
    const v = r.value ?? '';
    if ((!r.error && v === 'PONG') || (r.error && (v.startsWith('LOADING') || v.startsWith('MASTERDOWN')))) {
      i.lastAvailTime = now;
      i.actPingTime = 0;
    }
  }

  private sendHello(i: Instance): void {
    const m = this.current;
    const msg = `${this.host},${this.port},${this.myid},${this.configEpoch},${this.masterName},${m.host},${m.port},${this.configEpoch}`;
    i.link.send(['PUBLISH', '__sentinel__:hello', msg], (r) => {
      if (r !== null && !r.error) i.lastHelloTime = this.clock.now();
    });
  }

  private sendInfo(i: Instance, done?: () => void): void {
    const sent = i.link.send(['INFO'], (r) => {
      if (r !== null && !r.error && r.value !== null && this.insts.get(i.node) === i) this.onInfo(i, r.value);
      done?.();
    });
    if (!sent) done?.();
  }

  private onInfo(i: Instance, info: string): void {
    const now = this.clock.now();
    i.infoRefresh = now;
    i.runid = lineValue(info, 'run_id') ?? i.runid;
    const role = lineValue(info, 'role') === 'slave' ? 'slave' : 'master';
    i.masterLinkDownTime = 0;
    if (role === 'slave') {
      i.masterHost = lineValue(info, 'master_host') ?? null;
      i.masterPort = Number(lineValue(info, 'master_port') ?? 0);
      i.masterLinkUp = lineValue(info, 'master_link_status') === 'up';
      const downSince = lineValue(info, 'master_link_down_since_seconds');
      if (downSince !== undefined) i.masterLinkDownTime = Number(downSince) * 1000;
      i.priority = Number(lineValue(info, 'slave_priority') ?? 100);
      i.offset = Number(lineValue(info, 'slave_repl_offset') ?? 0);
    }
    if (role !== i.roleReported) {
      i.roleReported = role;
      i.roleReportedTime = now;
      // During a failover the failover itself reports the promotion (-role-change), as its steps run.
      if (!this.failing) {
        const believed = i.node === this.current ? 'master' : 'slave';
        this.publish(role === believed ? '+role-change' : '-role-change', `${this.describe(i.node)} new reported role is ${role}`);
      }
    }
    // A replica that says it is a master (an old master back after a failover) is made a replica
    // of the current master, once the master looks sane and it has been so for a while (Redis: 8 s).
    const wait = PUBLISH_PERIOD * 4;
    if (i.node !== this.current && role === 'master' && !this.failing && !i.sdown && now - i.roleReportedTime > wait && now - i.sdownSince > wait && this.masterLooksSane(now)) {
      const m = this.current;
      i.node.replicaOf({ host: m.host, port: m.port });
      this.publish('+convert-to-slave', this.describeSlave(i.node, m));
    }
  }

  private masterLooksSane(now: number): boolean {
    const mi = this.insts.get(this.current);
    return mi !== undefined && !mi.sdown && !mi.odown && mi.roleReported === 'master' && mi.infoRefresh !== 0 && now - mi.infoRefresh < INFO_PERIOD * 2;
  }

  private checkSubjectivelyDown(i: Instance, now: number): void {
    let elapsed = 0;
    if (i.link.down) {
      // No connection (refused, closed): down since its last valid reply. (Redis counts from the
      // PING still unanswered when there is one, at most a PING period later: a server stopped
      // just as a clock was moved forward would otherwise wait for down-after in real time.)
      elapsed = now - Math.min(i.lastAvailTime, i.actPingTime !== 0 ? i.actPingTime : Infinity);
    } else if (i.actPingTime !== 0) {
      const waited = realDateNow() - i.actPingReal;
      const grace = Math.min(this.downAfter, REPLY_GRACE_MS);
      if (waited >= grace) elapsed = now - i.actPingTime;
      else if (now - i.actPingTime > this.downAfter) this.recheckAfter(grace - waited);
    } else if (!i.link.connected) {
      // Connecting again to a server that answered before: not answering yet.
      elapsed = now - i.lastAvailTime;
    }
    // A link that looks stuck (connected a while, its PING unanswered for half down-after) is made again.
    if (i.link.connected && now - i.connTime > MIN_LINK_RECONNECT_PERIOD && elapsed > this.downAfter / 2 && now - i.lastPongTime > this.downAfter / 2) i.link.kill();
    const isMaster = i.node === this.current;
    const wrongRole = isMaster && i.roleReported === 'slave' && now - i.roleReportedTime > this.downAfter + INFO_PERIOD * 2;
    if (elapsed > this.downAfter || wrongRole) {
      if (!i.sdown) {
        i.sdown = true;
        i.sdownSince = now;
        this.publish('+sdown', this.describe(i.node));
      }
    } else if (i.sdown) {
      i.sdown = false;
      this.publish('-sdown', this.describe(i.node));
    }
  }

  private recheck: ReturnType<typeof setTimeout> | null = null;

  /** Check again after `ms` of real time (a clock that does not run by itself would not tick). */
  private recheckAfter(ms: number): void {
    if (this.recheck !== null) return;
    this.recheck = realSetTimeout(() => {
      this.recheck = null;
      if (this.stopped) return;
      try {
        this.monitor();
      } catch (e) {
        this.server.logger.error(`sentinel timer: ${(e as Error)?.stack ?? String(e)}`);
      }
    }, Math.max(1, ms));
    this.recheck.unref?.();
  }

  private checkObjectivelyDown(mi: Instance, now: number): void {
    // One sentinel: its own opinion is the only vote.
    if (mi.sdown && 1 >= this.quorum) {
      if (!mi.odown) {
        mi.odown = true;
        mi.odownSince = now;
        this.publish('+odown', `${this.describeMaster(mi.node)} #quorum 1/${this.quorum}`);
      }
    } else if (mi.odown) {
      mi.odown = false;
      this.publish('-odown', this.describeMaster(mi.node));
    }
  }

  /** The master is ODOWN: fail over without it (it cannot be reached), in the background. */
  private startAutoFailover(now: number): void {
    this.failoverStartTime = now;
    this.failing = true;
    const old = this.current;
    this.autoFailover(old)
      .catch((e) => this.server.logger.error(`failover failed: ${(e as Error)?.message ?? String(e)}`))
      .finally(() => {
        this.failing = false;
        this.promoting = null;
      });
  }

  private async autoFailover(old: RedKit): Promise<void> {
    this.beginFailover(old);
    // Redis asks the replicas INFO every second once the master is ODOWN, and selects among
    // those with fresh replies: ask them now, so that a virtual clock moved at once works too.
    const candidates = this.nodes.filter((n) => n !== old && this.insts.has(n));
    await Promise.all(candidates.map((n) => this.refresh(this.inst(n))));
    if (this.stopped) return;
    const chosen = this.selectReplica(old);
    if (chosen === undefined) {
      this.publish('-failover-abort-no-good-slave', this.describeMaster(old));
      return;
    }
    await this.promote(old, chosen, true);
  }

  /** PING and INFO to a server, resolved when both answered (or the link failed, or REFRESH_WAIT_MS passed). */
  private refresh(i: Instance): Promise<void> {
    return new Promise((resolve) => {
      let left = 2;
      const t = realSetTimeout(resolve, REFRESH_WAIT_MS);
      t.unref?.();
      const one = () => {
        if (--left === 0) {
          clearTimeout(t);
          resolve();
        }
      };
      this.sendPing(i, one);
      this.sendInfo(i, one);
    });
  }

  /** Redis's sentinelSelectSlave: a replica up, recently heard, priority not 0; best priority, then offset, then run id. */
  private selectReplica(old: RedKit): RedKit | undefined {
    const now = this.clock.now();
    const mi = this.insts.get(old);
    const validity = mi?.sdown ? PING_PERIOD * 5 : INFO_PERIOD * 3;
    const maxLinkDown = mi?.sdown ? now - mi.sdownSince + this.downAfter * 10 : this.downAfter * 10;
    const ok: Instance[] = [];
    for (const n of this.nodes) {
      if (n === old) continue;
      const i = this.insts.get(n);
      if (i === undefined || i.sdown || i.odown || !i.link.connected || this.down.has(n)) continue;
      if (now - i.lastAvailTime > validity || i.infoRefresh === 0 || now - i.infoRefresh > validity) continue;
      if (i.roleReported !== 'slave' || i.masterLinkDownTime > maxLinkDown || i.priority === 0) continue;
      ok.push(i);
    }
    ok.sort((a, b) => a.priority - b.priority || b.offset - a.offset || (a.runid < b.runid ? -1 : a.runid > b.runid ? 1 : 0));
    return ok[0]?.node;
  }

  /** +new-epoch, +try-failover, the vote (one sentinel: its own) and the first state. */
  private beginFailover(old: RedKit): void {
    const masterDesc = this.describeMaster(old);
    this.configEpoch++;
    this.publish('+new-epoch', String(this.configEpoch));
    this.publish('+try-failover', masterDesc);
    this.publish('+vote-for-leader', `${this.myid} ${this.configEpoch}`);
    this.publish('+elected-leader', masterDesc);
    this.publish('+failover-state-select-slave', masterDesc);
  }

  /**
   * Promote a replica (default: the one with the largest offset), re-point the
   * others and the old master, publish the events. Resolves when done.
   */
  async failover(replica?: RedKit): Promise<void> {
    if (this.failing) throw new Error('RedKit sentinel: a failover is already in progress');
    const old = this.master;
    const candidates = this.replicasOf(old);
    const chosen = replica ?? candidates.sort((a, b) => replicationOf(b.server).master.offset - replicationOf(a.server).master.offset)[0];
    if (chosen === undefined || !candidates.includes(chosen)) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
    // A master that is stopped or seen down cannot be paused or re-pointed (Redis's SLAVEOF would not reach it).
    const unreachable = !old.server.isListening || (this.insts.get(old)?.sdown ?? false);
    this.failing = true;
    try {
      this.beginFailover(old);
      await this.promote(old, chosen, unreachable);
    } finally {
      this.failing = false;
      this.promoting = null;
    }
  }

  /** From +selected-slave to +switch-master. `crashed`: the old master cannot be reached (not paused, not re-pointed). */
  private async promote(old: RedKit, chosen: RedKit, crashed: boolean): Promise<void> {
    const masterDesc = this.describeMaster(old);
    const others = this.replicasOf(old).filter((r) => r !== chosen);
    this.promoting = chosen;
    this.publish('+selected-slave', this.describeSlave(chosen, old));
    // No acknowledged write may be lost: hold the old master's writes until the replica has them all.
    if (!crashed) {
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
    for (const r of others) {
      r.replicaOf({ host: chosen.host, port: chosen.port });
      this.publish('+slave-reconf-sent', this.describeSlave(r, old));
      this.publish('+slave-reconf-inprog', this.describeSlave(r, old));
      this.publish('+slave-reconf-done', this.describeSlave(r, old));
    }
    // The old master becomes a replica of the new one: its held writes answer -READONLY, unapplied.
    if (!crashed) old.replicaOf({ host: chosen.host, port: chosen.port });
    this.publish('+failover-end', masterDesc);
    this.current = chosen;
    this.publish('+switch-master', `${this.masterName} ${old.host} ${old.port} ${chosen.host} ${chosen.port}`);
    if (!crashed) {
      // Its clients reconnect and ask the sentinel where the master is now.
      for (const c of [...old.server.connections.values()]) if (c.ext.replicaLink === undefined) c.end();
      old.server.unpause();
    }
    // Redis resets the master's state: every other known server is announced as a replica of the new one.
    this.resetInstances();
    for (const n of this.nodes) if (n !== chosen) this.publish('+slave', this.describeSlave(n, chosen));
  }

  /**
   * The master crashes: its port closes and its clients are disconnected;
   * the sentinel sees it down (`+sdown`, `+odown`) and fails over to a
   * replica, without waiting for it (writes the replica had not received
   * are lost, as with Redis). `revive(node)` brings it back as a replica.
   */
  async killMaster(): Promise<RedKit> {
    const old = this.master;
    if (this.failing) throw new Error('RedKit sentinel: a failover is already in progress');
    const candidates = this.replicas;
    const chosen = candidates.sort((a, b) => replicationOf(b.server).master.offset - replicationOf(a.server).master.offset)[0];
    if (chosen === undefined) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
    this.failing = true;
    try {
      this.down.add(old);
      const desc = this.describeMaster(old);
      const now = this.clock.now();
      const mi = this.inst(old);
      if (!mi.sdown) {
        mi.sdown = true;
        mi.sdownSince = now;
        this.publish('+sdown', desc);
      }
      if (!mi.odown) {
        mi.odown = true;
        mi.odownSince = now;
        this.publish('+odown', `${desc} #quorum 1/${this.quorum}`);
      }
      this.failoverStartTime = now;
      await old.server.close();
      this.beginFailover(old);
      await this.promote(old, chosen, true);
    } finally {
      this.failing = false;
      this.promoting = null;
    }
    return old;
  }

  /** A server stopped by killMaster() comes back, as a replica of the current master (`-sdown` if it was seen down, `+convert-to-slave`). */
  async revive(node: RedKit): Promise<void> {
    if (!this.down.has(node)) return;
    const m = this.master;
    await node.server.listen(node.port, node.host);
    this.down.delete(node);
    node.replicaOf({ host: m.host, port: m.port });
    const i = this.insts.get(node);
    if (i !== undefined) {
      i.link.connect();
      if (i.sdown) {
        i.sdown = false;
        this.publish('-sdown', this.describeSlave(node, m));
      }
      const now = this.clock.now();
      i.lastAvailTime = now;
      i.actPingTime = 0;
      i.roleReported = 'slave';
      i.roleReportedTime = now;
    }
    this.publish('+convert-to-slave', this.describeSlave(node, m));
    await node.synced();
  }

  // ---- replies ----------------------------------------------------------------------------

  private flags(i: Instance): string {
    const f: string[] = [];
    if (i.sdown) f.push('s_down');
    if (i.odown) f.push('o_down');
    f.push(i.node === this.current ? 'master' : 'slave');
    if (!i.link.connected) f.push('disconnected');
    if (this.failing && i.node === this.current) f.push('failover_in_progress');
    if (this.failing && i.node === this.promoting) f.push('promoted');
    return f.join(',');
  }

  /** The fields both masters and replicas have, up to down-after-milliseconds and the role. */
  private commonFields(i: Instance, name: string, now: number): Reply[] {
    const n = i.node;
    const out: Reply[] = [
      'name', name,
      'ip', n.host,
      'port', String(n.port),
      'runid', i.runid,
      'flags', this.flags(i),
      'link-pending-commands', String(i.link.pending),
      'link-refcount', '1',
      'last-ping-sent', String(i.actPingTime !== 0 ? now - i.actPingTime : 0),
      'last-ok-ping-reply', String(now - i.lastAvailTime),
      'last-ping-reply', String(now - i.lastPongTime),
    ];
    if (i.sdown) out.push('s-down-time', String(now - i.sdownSince));
    if (i.odown) out.push('o-down-time', String(now - i.odownSince));
    out.push(
      'down-after-milliseconds', String(this.downAfter),
      'info-refresh', String(i.infoRefresh !== 0 ? now - i.infoRefresh : 0),
      'role-reported', i.roleReported,
      'role-reported-time', String(now - i.roleReportedTime),
    );
    return out;
  }

  private masterFields(): Reply[] {
    const now = this.clock.now();
    const i = this.inst(this.current);
    return [
      ...this.commonFields(i, this.masterName, now),
      'config-epoch', String(this.configEpoch),
      'num-slaves', String(this.replicaInstances().length),
      'num-other-sentinels', '0',
      'quorum', String(this.quorum),
      'failover-timeout', String(this.failoverTimeout),
      'parallel-syncs', String(this.parallelSyncs),
    ];
  }

  /** Every known server other than the master (Redis remembers an old master as a replica, down or not). */
  private replicaInstances(): Instance[] {
    return [...this.insts.values()].filter((i) => i.node !== this.current);
  }

  private replicaFields(i: Instance): Reply[] {
    const now = this.clock.now();
    return [
      ...this.commonFields(i, this.instanceName(i.node), now),
      'master-link-down-time', String(i.masterLinkDownTime),
      'master-link-status', i.masterLinkUp ? 'ok' : 'err',
      'master-host', i.masterHost ?? '?',
      'master-port', String(i.masterPort),
      'slave-priority', String(i.priority),
      'slave-repl-offset', String(i.offset),
      'replica-announced', '1',
    ];
  }

  private checkName(name: string): void {
    if (name !== this.masterName) throw new ReplyError(NO_SUCH_MASTER);
  }

  /** SENTINEL SET <master> <option> <value> ...: options before a bad one stay set, as in Redis. */
  private set(args: string[]): Reply {
    this.checkName(args[0]);
    for (let j = 1; j < args.length; j++) {
      const option = args[j];
      const opt = option.toLowerCase();
      const more = args.length - 1 - j;
      const known = opt === 'down-after-milliseconds' || opt === 'failover-timeout' || opt === 'parallel-syncs' || opt === 'quorum';
      if (!known || more === 0) throw new ReplyError(`ERR Unknown option or number of arguments for SENTINEL SET '${option}'`);
      const value = args[++j];
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n <= 0) throw new ReplyError(`ERR Invalid argument '${value}' for SENTINEL SET '${option}'`);
      if (opt === 'down-after-milliseconds') this.downAfter = n;
      else if (opt === 'failover-timeout') this.failoverTimeout = n;
      else if (opt === 'parallel-syncs') this.parallelSyncs = n;
      else this.quorum = n;
      this.publish('+set', `${this.describeMaster(this.current)} ${option} ${value}`);
    }
    return OK;
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
    const replicaList = (a: string[]) => (this.checkName(a[0]), this.replicaInstances().map((i) => map(this.replicaFields(i))));
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
        replicas: sub(3, (_c, a) => replicaList(a)),
        slaves: sub(3, (_c, a) => replicaList(a)),
        sentinels: sub(3, (_c, a) => (this.checkName(a[0]), [])),
        'get-master-addr-by-name': sub(3, (_c, a) => (a[0] === this.masterName ? [this.master.host, String(this.master.port)] : NULL_ARRAY)),
        ckquorum: sub(3, (_c, a) => {
          this.checkName(a[0]);
          // One usable sentinel (this one), one voter: only a quorum above 1 is out of reach.
          if (this.quorum > 1) throw new ReplyError('NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master');
          return new SimpleString('OK 1 usable Sentinels. Quorum and failover authorization can be reached');
        }),
        myid: sub(2, () => this.myid),
        reset: sub(3, (_c, a) => {
          if (!globMatch(a[0], this.masterName, false)) return 0;
          // Redis forgets what it observed of the master and its replicas and starts over.
          if (!this.failing) {
            this.resetInstances();
            this.publish('+reset-master', this.describeMaster(this.current));
          }
          return 1;
        }),
        set: sub(-5, (_c, a) => this.set(a)),
        failover: sub(3, async (_c, a) => {
          this.checkName(a[0]);
          if (this.failing) throw new ReplyError('INPROG Failover already in progress');
          if (this.replicas.length === 0) throw new ReplyError('NOGOODSLAVE No suitable replica to promote');
          // Sentinel answers OK at once and fails over in the background.
          setImmediate(() => this.failover().catch((e) => s.logger.error(`failover failed: ${(e as Error).message}`)));
          return OK;
        }),
        'is-master-down-by-addr': sub(6, (_c, a) => {
          if (!/^-?\d+$/.test(a[2]) || !Number.isSafeInteger(Number(a[2]))) throw new ReplyError('ERR value is not an integer or out of range');
          // Is this master down for this sentinel? (No other sentinel ever asks for a vote here.)
          const m = this.current;
          const down = a[0] === m.host && Number.parseInt(a[1], 10) === m.port && (this.insts.get(m)?.sdown ?? false);
          return [down ? 1 : 0, '*', 0];
        }),
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
    const mi = this.insts.get(m);
    const status = mi?.odown ? 'odown' : mi?.sdown ? 'sdown' : 'ok';
    return [
      '# Sentinel',
      'sentinel_masters:1',
      'sentinel_tilt:0',
      'sentinel_tilt_since_seconds:-1',
      'sentinel_running_scripts:0',
      'sentinel_scripts_queue_length:0',
      'sentinel_simulate_failure_flags:0',
      `master0:name=${this.masterName},status=${status},address=${m.host}:${m.port},slaves=${this.replicaInstances().length},sentinels=1`,
    ];
  }

  /** Stop the sentinel and every server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    if (this.recheck !== null) clearTimeout(this.recheck);
    this.recheck = null;
    for (const i of this.insts.values()) i.link.dispose();
    await this.server.close();
    this.server.store.dispose();
    for (const n of this.nodes) await n.stop();
    if (this.ownsClock) this.clock.dispose();
  }
}

/** Start a master, its replicas and a sentinel monitoring them. */
export async function startRedKitSentinel(opts: RedKitSentinelOptions = {}): Promise<RedKitSentinel> {
  const { masterName: _n, quorum: _q, sentinelPort, replicas, downAfterMilliseconds: _d, failoverTimeout: _f, ...rest } = opts;
  // One clock for every server and the sentinel; each server is stopped alone (a stopped master
  // does not take its replicas or the clock with it), the sentinel stops them all.
  const ownsClock = !(rest.clock instanceof Clock);
  const clock = rest.clock instanceof Clock ? rest.clock : new Clock(rest.clock ?? 'real');
  const nodes: RedKit[] = [];
  const stopAll = async () => {
    for (const n of nodes) await n.stop();
    if (ownsClock) clock.dispose();
  };
  try {
    const first = await startRedKit({ ...rest, clock });
    nodes.push(first);
    for (let k = 0; k < (replicas ?? 1); k++) {
      nodes.push(await startRedKit(replicaOptions(rest, clock, { host: first.host, port: first.port })));
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const server = createServer({ host: opts.host ?? '127.0.0.1', clock, logger: (typeof opts.logger === 'string' ? opts.logger : 'warn') as LogLevel });
  const sentinel = new RedKitSentinel(server, nodes, opts, clock, ownsClock);
  try {
    await server.listen(sentinelPort ?? 0, opts.host ?? '127.0.0.1');
  } catch (e) {
    await stopAll();
    throw e;
  }
  await sentinel.start();
  return sentinel;
}
