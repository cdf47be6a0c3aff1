/**
 * startRedKitCluster(): an in-process Redis Cluster for tests. Every node is a
 * full RedKit (own keyspace, recorder, faults) on a free loopback port, in
 * cluster mode, sharing one clock and one topology. Replicas apply their
 * master's writes in order.
 */
import { Clock, type ClockMode } from '../clock/clock.js';
import { InternalClient } from '../server/internal.js';
import { F, type Command } from '../server/registry.js';
import type { Context } from '../server/context.js';
import { ReplyError } from '../errors.js';
import { pubsubOf } from '../commands/pubsub.js';
import { migratedKeys } from '../commands/migrate.js';
import { RedKit, type RedKitOptions } from '../testing/redkit.js';
import type { DbHandle } from '../testing/keyspace.js';
import type { RecordedCommand } from '../testing/recorder.js';
import { keyHashSlot, SLOTS } from './slot.js';
import { enableCluster, newNodeId, Topology, type ClusterNode, type ClusterState } from './state.js';

export interface RedKitClusterOptions extends Omit<RedKitOptions, 'port' | 'clock' | 'seed'> {
  masters?: number;
  replicasPerMaster?: number;
  clock?: ClockMode | Clock;
  /** Node i listens on basePort + i (masters first); default (or 0): free ports. */
  basePort?: number;
  /**
   * false: start the nodes (masters x (1 + replicasPerMaster)) in cluster mode but
   * not joined, each alone without slots, as redis-server --cluster-enabled yes
   * starts: for `redis-cli --cluster create` (CLUSTER ADDSLOTS, SET-CONFIG-EPOCH,
   * MEET, REPLICATE). Default true: a cluster ready to use.
   */
  formed?: boolean;
}

export interface RedKitClusterNode {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** Slots served (masters), in order. */
  readonly slots: number[];
  /** The master of a replica (undefined for a master). */
  readonly master: RedKitClusterNode | undefined;
  readonly redkit: RedKit;
  readonly alive: boolean;
}

class NodeHandle implements RedKitClusterNode {
  /** Applies this master's writes on a replica. */
  unlink: (() => void) | undefined;
  alive = true;
  constructor(
    readonly cluster: RedKitCluster,
    readonly info: ClusterNode,
    readonly redkit: RedKit,
    readonly state: ClusterState,
  ) {}
  get id(): string {
    return this.info.id;
  }
  get host(): string {
    return this.info.host;
  }
  get port(): number {
    return this.info.port;
  }
  get role(): 'master' | 'replica' {
    return this.info.role;
  }
  get slots(): number[] {
    return this.info.role === 'master' ? this.cluster.topology.slotsOf(this.info) : [];
  }
  get master(): RedKitClusterNode | undefined {
    return this.info.masterId === null ? undefined : this.cluster.node(this.info.masterId);
  }
}

/** Sub-command aware arguments for replaying a command on a replica. */
function replayArgs(cmd: Command, args: string[]): [string, string[]] {
  if (cmd.parent === undefined) return [cmd.name, args];
  return [cmd.parent.name, [cmd.name.slice(cmd.parent.name.length + 1), ...args]];
}

export class RedKitCluster {
  private readonly initialTopology = new Topology();
  readonly clock: Clock;
  readonly nodes: NodeHandle[] = [];

  constructor(readonly options: RedKitClusterOptions = {}) {
    this.clock = options.clock instanceof Clock ? options.clock : new Clock(options.clock ?? 'real');
    this.hook(this.initialTopology);
  }

  /** The topology every node shares (CLUSTER MEET may have merged the nodes' own ones). */
  get topology(): Topology {
    // The one most nodes share (a node may have left with CLUSTER RESET).
    let best = this.initialTopology;
    for (const n of this.nodes) if (best === this.initialTopology || n.state.topology.nodes.size > best.nodes.size) best = n.state.topology;
    return best;
  }

  private hook(t: Topology): void {
    t.onFailover = (replica) => this.doFailover(this.node(replica.id) as NodeHandle);
    t.onReplicate = (replica, master) => {
      const r = this.node(replica.id);
      const m = this.node(master.id);
      if (r === undefined || m === undefined) {
        replica.role = 'replica';
        replica.masterId = master.id;
        return;
      }
      this.link(r, m);
      this.fullSync(r, m);
    };
    t.onReset = (node) => {
      const n = this.node(node.id);
      n?.unlink?.();
      if (n !== undefined) n.unlink = undefined;
    };
  }

  /** A new replica starts with its master's data (a full sync). */
  private fullSync(replica: NodeHandle, master: NodeHandle): void {
    const src = new InternalClient(master.redkit.server, 0);
    const dst = new InternalClient(replica.redkit.server, 0);
    dst.call('flushall');
    for (const key of master.redkit.server.store.db(0).keys()) {
      const dump = src.call('dump', key);
      if (dump === null) continue;
      const pttl = src.call('pttl', key) as number;
      dst.call('restore', key, pttl > 0 ? String(pttl) : '0', dump as string, 'REPLACE');
    }
  }

  node(id: string): NodeHandle | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  get masters(): RedKitClusterNode[] {
    return this.nodes.filter((n) => n.role === 'master');
  }

  /** For ioredis: `new Redis.Cluster(cluster.startupNodes)`. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  /** For node-redis: `createCluster({ rootNodes: cluster.rootNodes })`. */
  get rootNodes(): Array<{ url: string }> {
    return this.nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` }));
  }

  slotOf(key: string): number {
    return keyHashSlot(key);
  }

  /** The master serving the key's slot. */
  nodeFor(key: string): RedKitClusterNode {
    const o = this.topology.owner[keyHashSlot(key)];
    if (o === null) throw new Error(`RedKit cluster: slot ${keyHashSlot(key)} is not served`);
    return this.node(o.id)!;
  }

  async start(): Promise<this> {
    const masters = this.options.masters ?? 3;
    const per = this.options.replicasPerMaster ?? 0;
    if (!Number.isInteger(masters) || masters < 1) throw new RangeError('RedKit cluster: masters must be >= 1');
    const { masters: _m, replicasPerMaster: _r, clock: _c, basePort, formed, ...rest } = this.options;
    const make = (role: 'master' | 'replica', masterId: string | null, topology = this.initialTopology): NodeHandle => {
      const port = basePort === undefined || basePort === 0 ? 0 : basePort + this.nodes.length;
      const redkit = new RedKit({ ...rest, port, clock: this.clock });
      const info: ClusterNode = { id: newNodeId(), host: rest.host ?? '127.0.0.1', port: 0, role, masterId, configEpoch: 0, failed: false, createdAt: this.clock.now() };
      const state = enableCluster(redkit.server, topology, info);
      const h = new NodeHandle(this, info, redkit, state);
      this.nodes.push(h);
      return h;
    };
    if (formed === false) {
      // Every node alone, no slots: redis-cli --cluster create joins them.
      for (let i = 0; i < masters * (1 + per); i++) {
        const t = new Topology();
        this.hook(t);
        make('master', null, t);
      }
      for (const n of this.nodes) this.installPubSub(n);
      await Promise.all(this.nodes.map((n) => n.redkit.start()));
      for (const n of this.nodes) n.info.port = n.redkit.port;
      return this;
    }
    const ms: NodeHandle[] = [];
    for (let i = 0; i < masters; i++) ms.push(make('master', null));
    for (let i = 0; i < masters; i++) {
      const from = Math.floor((i * SLOTS) / masters);
      const to = Math.floor(((i + 1) * SLOTS) / masters);
      for (let s = from; s < to; s++) this.topology.owner[s] = ms[i].info;
      this.topology.changed();
      ms[i].info.configEpoch = i + 1;
    }
    this.topology.currentEpoch = masters;
    for (const m of ms) for (let j = 0; j < per; j++) this.link(make('replica', m.id), m);
    for (const n of this.nodes) this.installPubSub(n);
    await Promise.all(this.nodes.map((n) => n.redkit.start()));
    for (const n of this.nodes) n.info.port = n.redkit.port;
    return this;
  }

  /** PUBLISH reaches subscribers on every node; SPUBLISH the nodes of its shard. */
  private installPubSub(n: NodeHandle): void {
    n.redkit.server.observe((_ctx, cmd, args, reply) => {
      if (reply instanceof ReplyError) return;
      if (cmd.name !== 'publish' && cmd.name !== 'spublish') return;
      n.redkit.server.guarded('forwarding a message to the other cluster nodes', () => this.forward(n, cmd, args));
    });
  }

  private forward(n: NodeHandle, cmd: Command, args: string[]): void {
    {
      if (cmd.name === 'publish') {
        for (const o of this.nodes) if (o !== n && o.alive) pubsubOf(o.redkit.server).publish(args[0], args[1]);
      } else if (cmd.name === 'spublish') {
        const master = n.info.role === 'master' ? n.info : this.topology.nodes.get(n.info.masterId ?? '');
        for (const o of this.nodes) {
          if (o === n || !o.alive) continue;
          if (o.info === master || (o.info.role === 'replica' && o.info.masterId === master?.id)) pubsubOf(o.redkit.server).publishShard(args[0], args[1]);
        }
      }
    }
  }

  /** Make `replica` apply every write of `master`, in order. */
  private link(replica: NodeHandle, master: NodeHandle): void {
    replica.unlink?.();
    replica.info.role = 'replica';
    replica.info.masterId = master.id;
    const client = new InternalClient(replica.redkit.server, 0);
    replica.unlink = master.redkit.server.observe((ctx: Context, cmd: Command, args: string[], reply) => {
      if ((cmd.flagBits & F.write) === 0 || !replica.alive) return;
      let [name, a] = replayArgs(cmd, args);
      if (name === 'migrate') {
        // MIGRATE reaches replicas as a DEL of the keys the target took (an error may have moved some).
        a = migratedKeys(ctx);
        if (a.length === 0) return;
        name = 'del';
      } else if (reply instanceof ReplyError) return;
      try {
        if (client.dbIndex !== ctx.dbIndex) client.call('select', String(ctx.dbIndex));
        client.call(name, ...a);
      } catch {
        // A command whose replay fails (a random one diverged) is skipped, as a replica would log it.
      }
    });
  }

  /** `db(n)` routed by slot: key methods go to the key's master (and its replicas for writes). */
  db(n = 0): DbHandle {
    return new Proxy({} as DbHandle, {
      get: (_t, prop) => {
        return (...a: unknown[]) => {
          if (typeof a[0] === 'string') {
            const m = this.nodeFor(a[0]) as NodeHandle;
            const h = m.redkit.db(n) as unknown as Record<string | symbol, (...x: unknown[]) => unknown>;
            const r = h[prop](...a);
            for (const rep of this.topology.replicasOf(m.info)) {
              try {
                (this.node(rep.id)!.redkit.db(n) as unknown as Record<string | symbol, (...x: unknown[]) => unknown>)[prop](...a);
              } catch {
                // reads of a missing key on a replica
              }
            }
            return r;
          }
          const out: unknown[] = [];
          let allArrays = true;
          let ret: unknown;
          for (const node of this.nodes) {
            const r = (node.redkit.db(n) as unknown as Record<string | symbol, (...x: unknown[]) => unknown>)[prop](...a);
            if (node.role !== 'master') continue;
            if (Array.isArray(r)) out.push(...r);
            else allArrays = false;
            if (typeof r === 'number') ret = ((ret as number | undefined) ?? 0) + r;
            else if (ret === undefined) ret = r;
          }
          return allArrays ? out : ret;
        };
      },
    });
  }

  /** Every node's recorded commands (with the node's port), ordered by time. */
  get recorder(): { list(): Array<RecordedCommand & { node: number }>; clear(): void } {
    return {
      list: () => {
        const all: Array<RecordedCommand & { node: number }> = [];
        for (const n of this.nodes) for (const c of n.redkit.recorder.list()) all.push(Object.assign(Object.create(Object.getPrototypeOf(c)), c, { node: n.port }));
        return all.sort((a, b) => ((a as { time?: number }).time ?? 0) - ((b as { time?: number }).time ?? 0));
      },
      clear: () => {
        for (const n of this.nodes) n.redkit.recorder.clear();
      },
    };
  }

  get commands(): Array<RecordedCommand & { node: number }> {
    return this.recorder.list();
  }

  /**
   * Move a slot to another master. `stage: 'migrating'`: the source is
   * MIGRATING and the target IMPORTING (keys listed in `keys` move now, so
   * clients asking for them get -ASK); `'complete'` (default): every key of
   * the slot moves and the target owns it (-MOVED).
   */
  migrateSlot(slot: number, toNode: RedKitClusterNode, opts: { stage?: 'migrating' | 'complete'; keys?: string[] } = {}): void {
    const to = toNode as NodeHandle;
    const owner = this.topology.owner[slot];
    if (owner === null) throw new Error(`RedKit cluster: slot ${slot} is not served`);
    const from = this.node(owner.id)!;
    if (to.role !== 'master') throw new Error('RedKit cluster: migrateSlot to a replica');
    if (from === to) return;
    const move = (keys: string[]): void => {
      for (const k of keys) this.moveKey(from, to, k);
    };
    if (opts.stage === 'migrating') {
      from.state.migrating.set(slot, to.info);
      to.state.importing.set(slot, from.info);
      move(opts.keys ?? []);
      return;
    }
    move(from.state.keysInSlot(slot));
    from.state.migrating.delete(slot);
    to.state.importing.delete(slot);
    this.topology.owner[slot] = to.info;
    this.topology.changed();
    this.topology.bumpEpoch(to.info);
  }

  /** Move one key (value and TTL) from a master (and its replicas) to another. */
  private moveKey(from: NodeHandle, to: NodeHandle, key: string): void {
    const src = new InternalClient(from.redkit.server, 0);
    const dump = src.call('dump', key);
    if (dump === null) return;
    const pttl = src.call('pttl', key) as number;
    const ttl = pttl > 0 ? String(pttl) : '0';
    const apply = (h: NodeHandle, f: (c: InternalClient) => void): void => {
      f(new InternalClient(h.redkit.server, 0));
      for (const r of this.topology.replicasOf(h.info)) f(new InternalClient(this.node(r.id)!.redkit.server, 0));
    };
    apply(to, (c) => c.call('restore', key, ttl, dump as string, 'REPLACE'));
    apply(from, (c) => c.call('del', key));
  }

  /** Promote a replica of `master` (or the replica given): it takes the slots; clients see -MOVED. */
  failover(master: RedKitClusterNode, replica?: RedKitClusterNode): RedKitClusterNode {
    const m = master as NodeHandle;
    const r = (replica ?? this.nodes.find((n) => n.info.role === 'replica' && n.info.masterId === m.id && n.alive)) as NodeHandle | undefined;
    if (r === undefined) throw new Error('RedKit cluster: failover needs a live replica of that master');
    this.doFailover(r);
    return r;
  }

  private doFailover(r: NodeHandle): void {
    const m = this.node(r.info.masterId ?? '')!;
    r.unlink?.();
    r.unlink = undefined;
    r.info.role = 'master';
    r.info.masterId = null;
    for (let s = 0; s < SLOTS; s++) if (this.topology.owner[s] === m.info) this.topology.owner[s] = r.info;
    this.topology.changed();
    this.topology.bumpEpoch(r.info);
    for (const o of this.nodes) if (o !== r && o.info.role === 'replica' && o.info.masterId === m.id) this.link(o, r);
    this.link(m, r);
  }

  /** Stop a node's listener and close its clients (its slots go down until failover or revive). */
  async kill(node: RedKitClusterNode): Promise<void> {
    const n = node as NodeHandle;
    if (!n.alive) return;
    n.alive = false;
    n.info.failed = true;
    this.topology.changed();
    await n.redkit.server.close();
  }

  async revive(node: RedKitClusterNode): Promise<void> {
    const n = node as NodeHandle;
    if (n.alive) return;
    await n.redkit.server.listen(n.port, n.host);
    n.alive = true;
    n.info.failed = false;
    this.topology.changed();
  }

  /** Flush every node, clear recorders and faults, reset the clock. Topology stays. */
  async reset(): Promise<void> {
    for (const n of this.nodes) await n.redkit.reset();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.redkit.stop()));
    // The nodes leave the shared clock alone (RedKit.stop); a clock the cluster made is released here.
    if (!(this.options.clock instanceof Clock)) this.clock.dispose();
  }
}

export async function startRedKitCluster(options: RedKitClusterOptions = {}): Promise<RedKitCluster> {
  const c = new RedKitCluster(options);
  try {
    await c.start();
  } catch (e) {
    await c.stop().catch(() => undefined);
    throw e;
  }
  return c;
}
