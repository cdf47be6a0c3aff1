/**
 * Cluster mode on one RedKit server: the shared topology (nodes, slot owners,
 * epochs), this node's migrating/importing slots, the dispatch gate that
 * answers -MOVED / -ASK / -CROSSSLOT / -TRYAGAIN / -CLUSTERDOWN, and the
 * CLUSTER, ASKING, READONLY and READWRITE commands.
 *
 * The topology object is shared by every node of an in-process cluster (the
 * gossip of a real cluster has always converged). The gate is installed only
 * on servers in cluster mode: a standalone server pays nothing.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ReplyError, Err } from '../errors.js';
import { MapReply, OK, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import { parseIntStrict } from '../resp/format.js';
import type { Context } from '../server/context.js';
import { ATTENTION } from '../server/dispatch.js';
import { commandKeyIndexes, F, type Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { defineCommands } from '../commands/util.js';
import { keysFromSpecs, nativeKeys, redisKeySpecs } from '../commands/meta.js';
import { transactionOf } from '../commands/transactions.js';
import { keyHashSlot, SLOTS } from './slot.js';
import { MasterClient } from '../replication/replica.js';

export interface ClusterNode {
  /** 40 hex characters. */
  readonly id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id for a replica. */
  masterId: string | null;
  configEpoch: number;
  /** Killed (not reachable): flagged `fail` and not serving its slots. */
  failed: boolean;
  /** When it joined (clock ms): CLUSTER LINKS create-time. */
  createdAt: number;
}

export function newNodeId(): string {
  return randomBytes(20).toString('hex');
}

/** Every node and which master owns each slot. */
export class Topology {
  readonly nodes = new Map<string, ClusterNode>();
  /** Slot -> owning master (null: unassigned). */
  readonly owner: Array<ClusterNode | null> = new Array<ClusterNode | null>(SLOTS).fill(null);
  currentEpoch = 0;
  /** Called by CLUSTER FAILOVER on a replica (the fixture performs it). */
  onFailover: ((replica: ClusterNode) => void) | undefined;
  /** Called by CLUSTER REPLICATE (the fixture links the replica to its master's writes). */
  onReplicate: ((replica: ClusterNode, master: ClusterNode) => void) | undefined;
  /** Called by CLUSTER RESET (the fixture stops a replica applying its master's writes). */
  onReset: ((node: ClusterNode) => void) | undefined;

  /** A topology of its own for a node leaving this one (CLUSTER RESET), with the same hooks. */
  split(me: ClusterNode, hard: boolean): Topology {
    const t = new Topology();
    t.addNode(me);
    t.currentEpoch = hard ? 0 : this.currentEpoch;
    t.onFailover = this.onFailover;
    t.onReplicate = this.onReplicate;
    t.onReset = this.onReset;
    return t;
  }

  /** CLUSTER FORGET: once every other node of this topology forgot `n`, it is gone (its slots unassigned). */
  forgetIfAll(n: ClusterNode): void {
    const members = liveStates().filter((st) => st.topology === this && st.me !== n && this.nodes.has(st.me.id));
    if (!members.every((st) => st.forgotten.has(n.id))) return;
    this.nodes.delete(n.id);
    for (let s = 0; s < SLOTS; s++) if (this.owner[s] === n) this.owner[s] = null;
    for (const st of members) st.forgotten.delete(n.id);
    this.changed();
  }

  addNode(n: ClusterNode): void {
    this.nodes.set(n.id, n);
  }

  private okCache = -1;
  private okFull = true;

  /** Call after changing slot owners or a node's failed flag. */
  changed(): void {
    this.okCache = -1;
  }

  /** 'ok' when every slot is served by a live master (cluster-require-full-coverage yes); cached until changed(). */
  isOk(requireFull = true): boolean {
    if (this.okCache === -1 || this.okFull !== requireFull) {
      this.okFull = requireFull;
      this.okCache = this.computeOk(requireFull) ? 1 : 0;
    }
    return this.okCache === 1;
  }

  private computeOk(requireFull: boolean): boolean {
    for (let s = 0; s < SLOTS; s++) {
      const o = this.owner[s];
      if (o === null) {
        if (requireFull) return false;
      } else if (o.failed) return false;
    }
    return true;
  }

  slotsOf(n: ClusterNode): number[] {
    const out: number[] = [];
    for (let s = 0; s < SLOTS; s++) if (this.owner[s] === n) out.push(s);
    return out;
  }

  /** [start, end] pairs of the node's slots. */
  rangesOf(n: ClusterNode): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let s = 0; s <= SLOTS; s++) {
      const mine = s < SLOTS && this.owner[s] === n;
      if (mine && start < 0) start = s;
      else if (!mine && start >= 0) {
        out.push([start, s - 1]);
        start = -1;
      }
    }
    return out;
  }

  replicasOf(n: ClusterNode): ClusterNode[] {
    const out: ClusterNode[] = [];
    for (const r of this.nodes.values()) if (r.role === 'replica' && r.masterId === n.id) out.push(r);
    return out;
  }

  bumpEpoch(n: ClusterNode): void {
    n.configEpoch = ++this.currentEpoch;
  }

  /** Take in every node and slot owner of `other` (CLUSTER MEET between two in-process nodes). */
  absorb(other: Topology): void {
    if (other === this) return;
    for (const n of other.nodes.values()) this.addNode(n);
    for (let s = 0; s < SLOTS; s++) if (this.owner[s] === null && other.owner[s] !== null) this.owner[s] = other.owner[s];
    this.currentEpoch = Math.max(this.currentEpoch, other.currentEpoch);
    this.onFailover ??= other.onFailover;
    this.onReplicate ??= other.onReplicate;
    this.onReset ??= other.onReset;
    for (const st of liveStates()) {
      if (st.topology === other) st.topology = this;
      // Met again: known again.
      if (st.topology === this) for (const id of other.nodes.keys()) st.forgotten.delete(id);
    }
    this.changed();
  }
}

/**
 * Every server in cluster mode in this process: CLUSTER MEET finds its peer
 * here (the gossip of a real cluster is not modelled: meeting merges the two
 * topologies at once, and every node of both sees the other side).
 */
const clusterStates = new Set<WeakRef<ClusterState>>();

function liveStates(): ClusterState[] {
  const out: ClusterState[] = [];
  for (const r of clusterStates) {
    const st = r.deref();
    if (st === undefined) clusterStates.delete(r);
    else out.push(st);
  }
  return out;
}

/** A valid IPv4/IPv6 literal, as inet_pton accepts (CLUSTER MEET takes no host names). */
function isIpLiteral(ip: string): boolean {
  return isIP(ip) !== 0;
}

/** Commands whose keys are `numkeys key...` after their first argument (script and function calls). */
const SCRIPT_CALLS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands whose key specs put the destination first where Redis's own getkeys puts it last. */
const STORE_LAST = new Set(['zunionstore', 'zinterstore', 'zdiffstore']);

/** Key indexes of `<script> numkeys key...`; none when numkeys is not a count the arguments hold. */
function numkeysAt1(args: string[]): number[] {
  const n = parseIntStrict(args[1] ?? '');
  if (typeof n !== 'number' || n <= 0 || n > args.length - 2) return [];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = 2 + i;
  return out;
}

const E = {
  crossSlot: "CROSSSLOT Keys in request don't hash to the same slot",
  tryAgain: 'TRYAGAIN Multiple keys request during rehashing of slot',
  down: 'CLUSTERDOWN The cluster is down',
  downRo: 'CLUSTERDOWN The cluster is down and only accepts read commands',
  unbound: 'CLUSTERDOWN Hash slot not served',
  selectRefused: 'ERR SELECT is not allowed in cluster mode',
  badSlot: 'ERR Invalid or out of range slot',
};

/** Gate order: Redis redirects before the pub/sub, loading, pause and MULTI checks. */
const GATE_CLUSTER = 5;

/** This server's cluster state (server.ext.cluster). */
export class ClusterState {
  readonly migrating = new Map<number, ClusterNode>();
  readonly importing = new Map<number, ClusterNode>();
  /** Clients that sent ASKING (for their next command, or their whole MULTI). */
  readonly asking = new WeakSet<Context>();
  /** Clients that sent READONLY (reads served by a replica of the slot's master). */
  readonly readonlyClients = new WeakSet<Context>();
  /** Ids of nodes this node forgot (CLUSTER FORGET) while others still know them. */
  readonly forgotten = new Set<string>();

  /** The nodes this node knows. */
  *known(): IterableIterator<ClusterNode> {
    for (const n of this.topology.nodes.values()) if (!this.forgotten.has(n.id)) yield n;
  }

  constructor(
    readonly server: RedKitServer,
    /** Replaced when CLUSTER MEET merges this node's topology into another's. */
    public topology: Topology,
    readonly me: ClusterNode,
  ) {}

  /** CLUSTER MEET ip port: a listening in-process node at that address joins this node's topology. */
  meet(ip: string, port: number): void {
    for (const st of liveStates()) {
      if (st === this || st.me.port !== port || !st.server.isListening) continue;
      if (st.me.host !== ip && !(isLoopback(ip) && isLoopback(st.me.host))) continue;
      this.topology.absorb(st.topology);
      return;
    }
  }

  /** Keys of a resolved command (subcommand key positions count the container name). */
  static keysOf(cmd: Command, args: string[]): number[] {
    if ((cmd.flagBits & F.movablekeys) !== 0 && cmd.getKeys === undefined && cmd.builtin) {
      // EVAL, EVALSHA, FCALL and their _RO: script numkeys key...
      if (cmd.parent === undefined && SCRIPT_CALLS.has(cmd.name)) return numkeysAt1(args);
      // ZUNION, SORT ... STORE, XREAD...: Redis's key specs (getKeysFromCommand).
      const off = cmd.parent === undefined ? 1 : 2;
      const specs = redisKeySpecs(cmd.fullName);
      const argv = cmd.parent === undefined ? [cmd.name, ...args] : [cmd.parent.name, cmd.name, ...args];
      const found = (specs !== undefined && !specs.some((sp) => sp.flags.includes('variable_flags')) ? keysFromSpecs(specs, argv, cmd.arity) : null) ?? nativeKeys(cmd.fullName, argv) ?? null;
      if (found !== null) {
        const idx = found.map((k) => k.pos - off).filter((i) => i >= 0);
        // Redis's getkeys of Z*STORE lists the destination after the sources (its specs: first).
        if (idx.length > 1 && STORE_LAST.has(cmd.name)) idx.push(idx.shift()!);
        return idx;
      }
    }
    if (cmd.parent === undefined) return commandKeyIndexes(cmd, args);
    if (cmd.firstKey <= 0 && cmd.getKeys === undefined) return [];
    return commandKeyIndexes(cmd, ['', ...args]).map((i) => i - 1).filter((i) => i >= 0);
  }

  countKeysInSlot(slot: number): number {
    let n = 0;
    for (const k of this.server.store.db(0).keys()) if (keyHashSlot(k) === slot) n++;
    return n;
  }

  keysInSlot(slot: number, max = Infinity): string[] {
    const out: string[] = [];
    for (const k of this.server.store.db(0).keys()) if (keyHashSlot(k) === slot) out.push(k);
    out.reverse();
    return out.length > max ? out.slice(0, max) : out;
  }

  private redirect(kind: 'MOVED' | 'ASK', slot: number, n: ClusterNode): ReplyError {
    return new ReplyError(`${kind} ${slot} ${n.host}:${n.port}`);
  }

  /** The dispatch gate: undefined lets the command run here. */
  readonly gate = (ctx: Context, cmd: Command, args: string[]): Reply | undefined => {
    if (cmd.name === 'select') {
      const v = parseIntStrict(args[0]);
      if (v !== null && v !== 0 && v !== 0n) return new ReplyError(E.selectRefused);
      return undefined;
    }
    let asking = false;
    if (this.asking.has(ctx)) {
      asking = true;
      if (((ctx.attention & ATTENTION.MULTI) === 0 && cmd.name !== 'asking') || cmd.name === 'exec') this.asking.delete(ctx);
    }
    // What a script this command runs inherits (scriptCheck): ASKING as sent, the slot of its keys.
    this.cmdCtx = ctx;
    this.cmdAsking = asking;
    this.cmdSlot = -1;
    let queue: Array<{ cmd: Command; args: string[] }> | undefined;
    let write = (cmd.flagBits & F.write) !== 0;
    if (cmd.name === 'exec') {
      // EXEC: the queued commands together must be servable here.
      const tx = transactionOf(ctx);
      if (tx === undefined || tx.queue === null || tx.queue.length === 0) return undefined;
      queue = tx.queue;
      write = (tx.flagBits & F.write) !== 0;
    }
    return this.locate(ctx, queue, cmd, args, write, asking, cmd.name === 'restore-asking');
  };

  /** The client whose command passed the gate last, with its ASKING flag and key slot (-1: none). */
  private cmdCtx: Context | undefined = undefined;
  private cmdAsking = false;
  private cmdSlot = -1;

  /**
   * Where a command (or EXEC's queue) is served (getNodeByQuery): undefined = here (this.cmdSlot
   * is then the slot of its keys, or -1 without keys), else the redirection or refusal.
   */
  private locate(ctx: Context, queue: Array<{ cmd: Command; args: string[] }> | undefined, cmd: Command, args: string[], write: boolean, asking: boolean, restoreAsking: boolean): ReplyError | undefined {
    const topo = this.topology;
    const db = this.server.store.db(0);
    let first: string | undefined;
    let slot = -1;
    let n: ClusterNode | null = null;
    let migrating = false;
    let importing = false;
    let multiple = false;
    let missing = 0;
    let existing = 0;
    let shard = false;
    const count = queue === undefined ? 1 : queue.length;
    for (let c = 0; c < count; c++) {
      const qa = queue === undefined ? args : queue[c].args;
      const qc = queue === undefined ? cmd : queue[c].cmd;
      const idx = ClusterState.keysOf(qc, qa);
      if (idx.length === 0) continue;
      shard = qc.name === 'spublish' || qc.name === 'ssubscribe' || qc.name === 'sunsubscribe';
      for (let i = 0; i < idx.length; i++) {
        const k = qa[idx[i]];
        if (k === undefined) continue;
        const s = keyHashSlot(k);
        if (first === undefined) {
          first = k;
          slot = s;
          n = topo.owner[s];
          if (n === null) return new ReplyError(E.unbound);
          if (n === this.me && this.migrating.has(s)) migrating = true;
          else if (this.importing.has(s)) importing = true;
        } else if (k !== first) {
          if (s !== slot) return new ReplyError(E.crossSlot);
          multiple = true;
        }
        if ((migrating || importing) && !shard) {
          if (db.has(k)) existing++;
          else missing++;
        }
      }
    }
    if (n === null) return undefined;
    if (!topo.isOk(this.server.config.get('cluster-require-full-coverage') !== 'no')) {
      if (shard) {
        if (this.server.config.get('cluster-allow-pubsubshard-when-down') !== 'yes') return new ReplyError(E.down);
      } else if (this.server.config.get('cluster-allow-reads-when-down') !== 'yes') return new ReplyError(E.down);
      else if (write) return new ReplyError(E.downRo);
    }
    if (migrating && missing !== 0) {
      // Some keys here, some gone: the client must retry when the slot is moved.
      if (existing !== 0) return new ReplyError(E.tryAgain);
      const to = this.migrating.get(slot)!;
      // Migrating to itself: Redis serves the command here.
      return to === this.me ? undefined : this.redirect('ASK', slot, to);
    }
    if (importing && (asking || restoreAsking)) {
      if (multiple && missing !== 0) return new ReplyError(E.tryAgain);
      this.cmdSlot = slot;
      return undefined;
    }
    const me = this.me;
    if ((shard || this.readonlyClients.has(ctx)) && !write && me.role === 'replica' && me.masterId === n.id) {
      this.cmdSlot = slot;
      return undefined;
    }
    if (n !== me) return this.redirect('MOVED', slot, n);
    this.cmdSlot = slot;
    return undefined;
  }

  /**
   * A command a script runs (scriptVerifyClusterState): undefined lets it run, else the error the
   * script gets. The script's client has its caller's READONLY and ASKING flags; a script not
   * allowed cross-slot keys keeps to one slot, the first its caller's keys or its commands touch
   * (for the whole top-level command: every script of an EXEC). The master's stream is not checked.
   */
  scriptCheck(ctx: Context, cmd: Command, args: string[], crossSlot: boolean): string | undefined {
    if (ctx instanceof MasterClient) return undefined;
    const write = (cmd.flagBits & F.write) !== 0;
    // A node of startRedKitCluster made a replica (no replication link, so no ATTENTION.REPLICA):
    // a script's write is refused before the cluster check, as on a replica of a real cluster.
    if (write && this.me.role === 'replica' && this.server.config.get('replica-read-only') !== 'no') return "READONLY You can't write against a read only replica.";
    const mine = this.cmdCtx === ctx;
    const keep = this.cmdSlot;
    const r = this.locate(ctx, undefined, cmd, args, write, mine ? this.cmdAsking : this.asking.has(ctx), false);
    const slot = this.cmdSlot;
    this.cmdSlot = keep;
    if (r !== undefined) {
      if (r.message === E.downRo) return 'Script attempted to execute a write command while the cluster is down and readonly';
      if (r.message === E.down) return 'Script attempted to execute a command while the cluster is down';
      return 'Script attempted to access a non local key in a cluster node';
    }
    if (slot === -1 || crossSlot) return undefined;
    // A script not started by the last command through the gate (a fixture's call): no slot kept.
    if (!mine) return undefined;
    if (keep === -1) this.cmdSlot = slot;
    else if (keep !== slot) return 'Script attempted to access keys that do not hash to the same slot';
    return undefined;
  }

  // ---- replies ------------------------------------------------------------------------

  infoText(): string {
    const t = this.topology;
    let assigned = 0;
    let ok = 0;
    let fail = 0;
    const masters = new Set<ClusterNode>();
    for (let s = 0; s < SLOTS; s++) {
      const o = t.owner[s];
      if (o === null) continue;
      assigned++;
      masters.add(o);
      if (o.failed) fail++;
      else ok++;
    }
    const lines = [
      `cluster_state:${t.isOk(this.server.config.get('cluster-require-full-coverage') !== 'no') ? 'ok' : 'fail'}`,
      `cluster_slots_assigned:${assigned}`,
      `cluster_slots_ok:${ok}`,
      'cluster_slots_pfail:0',
      `cluster_slots_fail:${fail}`,
      `cluster_known_nodes:${t.nodes.size - this.forgotten.size}`,
      `cluster_size:${masters.size}`,
      `cluster_current_epoch:${t.currentEpoch}`,
      `cluster_my_epoch:${this.me.role === 'master' ? this.me.configEpoch : (t.nodes.get(this.me.masterId ?? '')?.configEpoch ?? 0)}`,
      'cluster_stats_messages_sent:0',
      'cluster_stats_messages_received:0',
      'total_cluster_links_buffer_limit_exceeded:0',
    ];
    return lines.join('\r\n') + '\r\n';
  }

  private nodeAddr(n: ClusterNode): string {
    return `${n.host}:${n.port}@${n.port + 10000}`;
  }

  /** One CLUSTER NODES line (without the newline). */
  nodeLine(n: ClusterNode): string {
    const flags: string[] = [];
    if (n === this.me) flags.push('myself');
    flags.push(n.role === 'master' ? 'master' : 'slave');
    if (n.failed) flags.push('fail');
    const pong = n === this.me ? 0 : this.server.clock.now();
    const epoch = n.role === 'master' ? n.configEpoch : (this.topology.nodes.get(n.masterId ?? '')?.configEpoch ?? 0);
    let line = `${n.id} ${this.nodeAddr(n)} ${flags.join(',')} ${n.masterId ?? '-'} 0 ${pong} ${epoch} ${n.failed ? 'disconnected' : 'connected'}`;
    if (n.role === 'master') {
      for (const [a, b] of this.topology.rangesOf(n)) line += a === b ? ` ${a}` : ` ${a}-${b}`;
    }
    if (n === this.me) {
      for (const [s, to] of this.migrating) line += ` [${s}->-${to.id}]`;
      for (const [s, from] of this.importing) line += ` [${s}-<-${from.id}]`;
    }
    return line;
  }

  nodesText(): string {
    let out = '';
    for (const n of this.known()) out += this.nodeLine(n) + '\n';
    return out;
  }

  private slotsNodeEntry(n: ClusterNode): Reply {
    return [n.host, n.port, n.id, new MapReply([])];
  }

  slotsReply(): Reply {
    const t = this.topology;
    const out: Reply[] = [];
    let start = -1;
    let cur: ClusterNode | null = null;
    for (let s = 0; s <= SLOTS; s++) {
      const o = s < SLOTS ? t.owner[s] : null;
      if (o !== cur) {
        if (cur !== null) {
          const e: Reply[] = [start, s - 1, this.slotsNodeEntry(cur)];
          for (const r of t.replicasOf(cur)) if (!r.failed) e.push(this.slotsNodeEntry(r));
          out.push(e);
        }
        cur = o;
        start = s;
      }
    }
    return out;
  }

  private shardNode(n: ClusterNode): Reply {
    return new MapReply([
      'id', n.id, 'port', n.port, 'ip', n.host, 'endpoint', n.host,
      'role', n.role, 'replication-offset', 0, 'health', n.failed ? 'fail' : 'online',
    ]);
  }

  shardsReply(): Reply {
    const t = this.topology;
    const out: Reply[] = [];
    for (const m of t.nodes.values()) {
      if (m.role !== 'master') continue;
      const slots: Reply[] = [];
      for (const [a, b] of t.rangesOf(m)) slots.push(a, b);
      const nodes: Reply[] = [this.shardNode(m)];
      for (const r of t.replicasOf(m)) nodes.push(this.shardNode(r));
      out.push(new MapReply(['slots', slots, 'nodes', nodes]));
    }
    return out;
  }

  linksReply(): Reply {
    const out: Reply[] = [];
    for (const n of this.topology.nodes.values()) {
      if (n === this.me || n.failed) continue;
      for (const dir of ['to', 'from']) {
        out.push(new MapReply([
          'direction', dir, 'node', n.id, 'create-time', Math.max(n.createdAt, this.me.createdAt),
          'events', dir === 'to' ? 'r' : 'r', 'send-buffer-allocated', 0, 'send-buffer-used', 0,
        ]));
      }
    }
    return out;
  }

  // ---- slot assignment ------------------------------------------------------------------

  parseSlot(s: string): number {
    const v = parseIntStrict(s);
    if (v === null || typeof v === 'bigint' || v < 0 || v >= SLOTS) throw new ReplyError(E.badSlot);
    return v;
  }

  /** ADDSLOTS / DELSLOTS (and the RANGE forms, with the slots already listed). */
  assignSlots(slots: number[], del: boolean): void {
    const seen = new Uint8Array(SLOTS);
    const t = this.topology;
    for (const s of slots) {
      if (del && t.owner[s] === null) throw new ReplyError(`ERR Slot ${s} is already unassigned`);
      if (!del && t.owner[s] !== null) throw new ReplyError(`ERR Slot ${s} is already busy`);
      if (seen[s]++ === 1) throw new ReplyError(`ERR Slot ${s} specified multiple times`);
    }
    for (const s of slots) {
      if (del) {
        t.owner[s] = null;
      } else {
        this.importing.delete(s);
        t.owner[s] = this.me;
      }
    }
    t.changed();
  }

  rangeSlots(args: string[]): number[] {
    if (args.length % 2 !== 0) throw new ReplyError(Err.arity(this.server.dispatcher.registry.lookup('cluster')!.subcommands!.get('addslotsrange')!.fullName));
    const slots: number[] = [];
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < args.length; i += 2) {
      const a = this.parseSlot(args[i]);
      const b = this.parseSlot(args[i + 1]);
      if (a > b) throw new ReplyError(`ERR start slot number ${a} is greater than end slot number ${b}`);
      pairs.push([a, b]);
    }
    for (const [a, b] of pairs) for (let s = a; s <= b; s++) slots.push(s);
    return slots;
  }
}

export function clusterOf(server: RedKitServer): ClusterState | undefined {
  return server.ext.cluster as ClusterState | undefined;
}

const HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
  'HELP',
  '    Prints this help.',
];

function st(ctx: Context): ClusterState {
  return ctx.server.ext.cluster as ClusterState;
}

/** A known subcommand with arguments it does not take (addReplySubcommandSyntaxError). */
function subSyntax(ctx: Context): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0].slice(0, 128)}'. Try CLUSTER HELP.`);
}

function nodeArg(c: ClusterState, id: string, msg: string): ClusterNode {
  const n = c.topology.nodes.get(id);
  if (n === undefined || c.forgotten.has(id)) throw new ReplyError(msg);
  return n;
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === 'localhost' || ip === '::ffff:127.0.0.1';
}

/** Put a server in cluster mode as `me` of `topology`. */
export function enableCluster(server: RedKitServer, topology: Topology, me: ClusterNode): ClusterState {
  const c = new ClusterState(server, topology, me);
  server.ext.cluster = c;
  clusterStates.add(new WeakRef(c));
  topology.addNode(me);
  server.config.setRaw('cluster-enabled', 'yes');
  server.addGate(c.gate, GATE_CLUSTER);
  const replicasOf = (ctx: Context, args: string[]): Reply => {
    const c = st(ctx);
    const n = nodeArg(c, args[0], `ERR Unknown node ${args[0]}`);
    if (n.role !== 'master') throw new ReplyError('ERR The specified node is not a master');
    return c.topology.replicasOf(n).map((r) => c.nodeLine(r));
  };
  defineCommands(server, {
    asking: (ctx) => {
      st(ctx).asking.add(ctx);
      return OK;
    },
    readonly: (ctx) => {
      st(ctx).readonlyClients.add(ctx);
      return OK;
    },
    readwrite: (ctx) => {
      st(ctx).readonlyClients.delete(ctx);
      return OK;
    },
    cluster: {
      handler: () => null,
      subcommands: {
        help: () => HELP.map((l) => new SimpleString(l)),
        info: (ctx) => new VerbatimReply(st(ctx).infoText()),
        myid: (ctx) => st(ctx).me.id,
        nodes: (ctx) => new VerbatimReply(st(ctx).nodesText()),
        slots: (ctx) => st(ctx).slotsReply(),
        shards: (ctx) => st(ctx).shardsReply(),
        links: (ctx) => st(ctx).linksReply(),
        keyslot: (_ctx, args) => keyHashSlot(args[0]),
        countkeysinslot: (ctx, args) => {
          const v = parseIntStrict(args[0]);
          if (v === null) throw new ReplyError(Err.notInteger);
          if (typeof v === 'bigint' || v < 0 || v >= SLOTS) throw new ReplyError('ERR Invalid slot');
          return st(ctx).countKeysInSlot(v);
        },
        getkeysinslot: (ctx, args) => {
          const s = parseIntStrict(args[0]);
          const n = parseIntStrict(args[1]);
          if (s === null || n === null) throw new ReplyError(Err.notInteger);
          if (typeof s === 'bigint' || s < 0 || s >= SLOTS || n < 0) throw new ReplyError('ERR Invalid slot or number of keys');
          return st(ctx).keysInSlot(s, Number(n));
        },
        replicas: replicasOf,
        slaves: replicasOf,
        'count-failure-reports': (ctx, args) => {
          nodeArg(st(ctx), args[0], `ERR Unknown node ${args[0]}`);
          return 0;
        },
        addslots: (ctx, args) => {
          const c = st(ctx);
          c.assignSlots(args.map((a) => c.parseSlot(a)), false);
          return OK;
        },
        delslots: (ctx, args) => {
          const c = st(ctx);
          c.assignSlots(args.map((a) => c.parseSlot(a)), true);
          return OK;
        },
        addslotsrange: (ctx, args) => {
          const c = st(ctx);
          c.assignSlots(c.rangeSlots(args), false);
          return OK;
        },
        delslotsrange: (ctx, args) => {
          const c = st(ctx);
          c.assignSlots(c.rangeSlots(args), true);
          return OK;
        },
        flushslots: (ctx) => {
          const c = st(ctx);
          if (ctx.server.store.db(0).size > 0) throw new ReplyError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
          for (let s = 0; s < SLOTS; s++) if (c.topology.owner[s] === c.me) c.topology.owner[s] = null;
          c.topology.changed();
          return OK;
        },
        setslot: (ctx, args) => {
          const c = st(ctx);
          const t = c.topology;
          if (c.me.role !== 'master') throw new ReplyError('ERR Please use SETSLOT only with masters.');
          const slot = c.parseSlot(args[0]);
          const action = args[1].toLowerCase();
          const badAction = 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP';
          if (action === 'migrating' && args.length === 3) {
            if (t.owner[slot] !== c.me) throw new ReplyError(`ERR I'm not the owner of hash slot ${slot}`);
            const n = nodeArg(c, args[2], `ERR I don't know about node ${args[2]}`);
            if (n.role !== 'master') throw new ReplyError('ERR Target node is not a master');
            c.migrating.set(slot, n);
          } else if (action === 'importing' && args.length === 3) {
            if (t.owner[slot] === c.me) throw new ReplyError(`ERR I'm already the owner of hash slot ${slot}`);
            const n = nodeArg(c, args[2], `ERR I don't know about node ${args[2]}`);
            if (n.role !== 'master') throw new ReplyError('ERR Target node is not a master');
            c.importing.set(slot, n);
          } else if (action === 'stable' && args.length === 2) {
            c.migrating.delete(slot);
            c.importing.delete(slot);
          } else if (action === 'node' && args.length === 3) {
            const n = nodeArg(c, args[2], `ERR Unknown node ${args[2]}`);
            if (n.role !== 'master') throw new ReplyError(`ERR Can't assign hashslot ${slot} to a replica node.`);
            if (t.owner[slot] === c.me && n !== c.me && c.countKeysInSlot(slot) !== 0) {
              throw new ReplyError(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
            }
            if (c.countKeysInSlot(slot) === 0 && c.migrating.has(slot)) c.migrating.delete(slot);
            if (n === c.me && c.importing.has(slot)) {
              c.importing.delete(slot);
              t.bumpEpoch(c.me);
            }
            t.owner[slot] = n;
            t.changed();
          } else {
            throw new ReplyError(badAction);
          }
          return OK;
        },
        meet: (ctx, args) => {
          const c = st(ctx);
          if (args.length > 3) throw subSyntax(ctx);
          const port = parseIntStrict(args[1]);
          if (port === null) throw new ReplyError(`ERR Invalid TCP base port specified: ${args[1]}`);
          let cport: number | bigint = typeof port === 'bigint' ? port : port + 10000;
          if (args.length === 3) {
            const v = parseIntStrict(args[2]);
            if (v === null) throw new ReplyError(`ERR Invalid TCP bus port specified: ${args[2]}`);
            cport = v;
          }
          const bad = (v: number | bigint): boolean => v <= 0 || v > 65535;
          if (!isIpLiteral(args[0]) || bad(port) || bad(cport)) throw new ReplyError(`ERR Invalid node address specified: ${args[0]}:${args[1]}`);
          c.meet(args[0], Number(port));
          return OK;
        },
        replicate: (ctx, args) => {
          const c = st(ctx);
          const n = nodeArg(c, args[0], `ERR Unknown node ${args[0]}`);
          if (n === c.me) throw new ReplyError("ERR Can't replicate myself");
          if (n.role !== 'master') throw new ReplyError('ERR I can only replicate a master, not a replica.');
          if (c.me.role === 'master' && (c.topology.slotsOf(c.me).length !== 0 || ctx.server.store.db(0).size !== 0)) {
            throw new ReplyError('ERR To set a master the node must be empty and without assigned slots.');
          }
          const hook = c.topology.onReplicate;
          if (hook !== undefined) hook(c.me, n);
          else {
            c.me.role = 'replica';
            c.me.masterId = n.id;
          }
          c.migrating.clear();
          c.importing.clear();
          c.topology.changed();
          return OK;
        },
        'set-config-epoch': (ctx, args) => {
          const c = st(ctx);
          const v = parseIntStrict(args[0]);
          if (v === null) throw new ReplyError(Err.notInteger);
          if (v < 0) throw new ReplyError(`ERR Invalid config epoch specified: ${v}`);
          if (c.topology.nodes.size - c.forgotten.size > 1) throw new ReplyError('ERR The user can assign a config epoch only when the node does not know any other node.');
          if (c.me.configEpoch !== 0) throw new ReplyError('ERR Node config epoch is already non-zero');
          c.me.configEpoch = Number(v);
          if (c.topology.currentEpoch < Number(v)) c.topology.currentEpoch = Number(v);
          return OK;
        },
        bumpepoch: (ctx) => {
          const c = st(ctx);
          let max = c.topology.currentEpoch;
          for (const n of c.topology.nodes.values()) if (n.configEpoch > max) max = n.configEpoch;
          if (c.me.configEpoch === 0 || c.me.configEpoch !== max) {
            c.topology.bumpEpoch(c.me);
            return new SimpleString(`BUMPED ${c.me.configEpoch}`);
          }
          return new SimpleString(`STILL ${c.me.configEpoch}`);
        },
        saveconfig: () => OK,
        reset: (ctx, args) => {
          const c = st(ctx);
          if (args.length > 1) throw subSyntax(ctx);
          if (args.length === 1 && !/^(hard|soft)$/i.test(args[0])) throw new ReplyError(Err.syntax);
          if (c.me.role === 'master' && ctx.server.store.db(0).size > 0) throw new ReplyError("ERR CLUSTER RESET can't be called with master nodes containing keys");
          const hard = args.length === 1 && args[0].toLowerCase() === 'hard';
          const t = c.topology;
          for (let s = 0; s < SLOTS; s++) if (t.owner[s] === c.me) t.owner[s] = null;
          t.changed();
          c.migrating.clear();
          c.importing.clear();
          if (c.me.role === 'replica') {
            // A replica stops replicating and drops its data.
            t.onReset?.(c.me);
            ctx.server.store.flushAll();
          }
          c.me.role = 'master';
          c.me.masterId = null;
          if (hard) c.me.configEpoch = 0;
          // Every other node is forgotten: this one stands alone (the others still list it until they forget it).
          if (t.nodes.size > 1) {
            c.topology = t.split(c.me, hard);
            c.forgotten.clear();
          } else if (hard) t.currentEpoch = 0;
          return OK;
        },
        forget: (ctx, args) => {
          const c = st(ctx);
          const n = nodeArg(c, args[0], `ERR Unknown node ${args[0]}`);
          if (n === c.me) throw new ReplyError("ERR I tried hard but I can't forget myself...");
          if (c.me.role === 'replica' && c.me.masterId === n.id) throw new ReplyError("ERR Can't forget my master!");
          c.forgotten.add(n.id);
          c.topology.forgetIfAll(n);
          return OK;
        },
        failover: (ctx, args) => {
          const c = st(ctx);
          if (args.length > 1) throw subSyntax(ctx);
          if (args.length === 1 && !/^(force|takeover)$/i.test(args[0])) throw new ReplyError(Err.syntax);
          if (c.me.role === 'master') throw new ReplyError('ERR You should send CLUSTER FAILOVER to a replica');
          const m = c.topology.nodes.get(c.me.masterId ?? '');
          if ((m === undefined || m.failed) && args.length === 0) throw new ReplyError('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
          const fo = c.topology.onFailover;
          if (fo !== undefined) fo(c.me);
          return OK;
        },
      },
    },
  });
  return c;
}

const CLUSTER_SUBCOMMANDS = [
  'addslots', 'addslotsrange', 'bumpepoch', 'count-failure-reports', 'countkeysinslot', 'delslots', 'delslotsrange',
  'failover', 'flushslots', 'forget', 'getkeysinslot', 'help', 'info', 'keyslot', 'links', 'meet', 'myid', 'nodes',
  'replicas', 'replicate', 'reset', 'saveconfig', 'set-config-epoch', 'setslot', 'shards', 'slaves', 'slots',
];

/**
 * A server not in cluster mode answers CLUSTER (any known subcommand, after
 * its arity check), ASKING, READONLY and READWRITE as redis-server does
 * without cluster-enabled. enableCluster() replaces them.
 */
export function installClusterDisabled(server: RedKitServer): void {
  const disabled = (): never => {
    throw new ReplyError('ERR This instance has cluster support disabled');
  };
  const subs: Record<string, () => never> = {};
  for (const s of CLUSTER_SUBCOMMANDS) subs[s] = disabled;
  defineCommands(server, { asking: disabled, readonly: disabled, readwrite: disabled, cluster: { handler: () => null, subcommands: subs } });
}
