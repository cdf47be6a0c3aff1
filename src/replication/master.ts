/**
 * The master side of replication: the replication id and offset, the
 * backlog, the replicas attached with PSYNC/SYNC, and what goes into the
 * stream.
 *
 * What is propagated. A command whose effect only depends on its arguments
 * and the data (SET without a relative expiry, LPUSH, HSET, ZADD, DEL...) goes
 * as the client sent it, as Redis does. Anything else goes as its effect on
 * each key it changed, read from the data after the command:
 *   - a string: `SET key value [PXAT ms]` (INCRBYFLOAT, SET EX, SETEX...)
 *   - a missing key: `DEL key`
 *   - an expiry change only (EXPIRE, PEXPIRE...): `PEXPIREAT key ms` / `PERSIST key`
 *   - SPOP: `SREM key popped...`; HINCRBYFLOAT: `HSET key field value`;
 *     XADD with a generated ID: the same XADD with that ID
 *   - any other value: `RESTORE key ms payload REPLACE ABSTTL`
 * Scripts, functions and the commands of a transaction are wrapped in
 * MULTI/EXEC when they propagate more than one command; expired keys go
 * as DEL when they are removed. The keys a command changed come from the
 * keyspace (Store.replLog: every Database.touch), so no command needs to know
 * about replication.
 */
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import { commandKeyIndexes } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { ReplyError } from '../errors.js';
import { StreamIdReply, type Reply } from '../resp/reply.js';
import { createDumpPayload } from '../store/rdb.js';
import { dumpOptions } from '../commands/dump.js';
import { encodeCommand, randomReplId } from './stream.js';
import { realClearInterval, realSetInterval } from '../clock/timers.js';

/** Commands propagated as sent when every key they changed is one of their own keys. */
const VERBATIM = new Set([
  'set', 'setnx', 'mset', 'msetnx', 'getset', 'getdel', 'append', 'setrange', 'incr', 'decr', 'incrby', 'decrby',
  'del', 'unlink', 'rename', 'renamenx', 'copy',
  'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'lset', 'linsert', 'lrem', 'ltrim', 'lmove', 'rpoplpush', 'lmpop',
  'hset', 'hmset', 'hsetnx', 'hdel', 'hincrby',
  'sadd', 'srem', 'smove', 'sinterstore', 'sunionstore', 'sdiffstore',
  'zadd', 'zrem', 'zincrby', 'zremrangebyscore', 'zremrangebyrank', 'zremrangebylex', 'zpopmin', 'zpopmax', 'zmpop',
  'zunionstore', 'zinterstore', 'zdiffstore', 'zrangestore',
  'pfadd', 'pfmerge', 'setbit', 'bitop', 'bitfield', 'sort', 'geoadd',
]);
/** Commands that change data without signalling keys: always propagated as sent. */
const GLOBAL = new Set(['flushall', 'flushdb', 'swapdb', 'function|load', 'function|delete', 'function|flush', 'function|restore', 'publish']);
/** Commands whose only change is an expiry. */
const TTL_ONLY = new Set(['expire', 'pexpire', 'expireat', 'pexpireat', 'persist']);
/** SET options that make a relative expiry (propagated with PXAT instead). */
const RELATIVE = new Set(['ex', 'px']);

export interface ReplicaPeer {
  conn: Connection;
  /** REPLCONF listening-port (0 when not given). */
  port: number;
  /** Offset the replica acknowledged (REPLCONF ACK). */
  ackOffset: number;
  /** Clock ms of its last ACK. */
  ackTime: number;
  state: 'online';
}

interface Waiter {
  ctx: Context;
  offset: number;
  needed: number;
  resolve: (n: number) => void;
  timer: { cancel(): void } | null;
}

export class ReplicationMaster {
  replid = randomReplId();
  replid2 = '0000000000000000000000000000000000000000';
  /** master_repl_offset: bytes of stream so far. */
  offset = 0;
  secondOffset = -1;
  /** The backlog: a ring of the last repl-backlog-size bytes of stream (null until a replica came). */
  private backlog: Buffer | null = null;
  /** Where the next stream byte goes in the ring. */
  private ringPos = 0;
  private backlogLen = 0;
  readonly peers = new Set<ReplicaPeer>();
  /** Stream bytes to write to the replicas (at the end of the tick). */
  private out: Buffer[] = [];
  private flushQueued = false;
  /** Database the stream has SELECTed (-1: none yet, the next command SELECTs). */
  private streamDb = -1;
  /** Commands of a running transaction or script, sent as one MULTI/EXEC block. */
  private txn: Buffer[] | null = null;
  /** Keys changed and not yet propagated (with their databases; a key may repeat). */
  private pendingDbs: Database[] = [];
  private pendingKeys: string[] = [];
  /**
   * The command each pending change belongs to (Dispatcher.stats.received when
   * it happened): a command goes as sent only when every pending change is its
   * own, not one left by a served blocked client or the keyspace API.
   */
  private pendingGen: number[] = [];
  private pendingCount = 0;
  private pendingFlushQueued = false;
  /** A client's last write: the offset WAIT waits for. */
  private readonly woff = new WeakMap<Context, number>();
  private waiters: Waiter[] = [];
  /** False while this server is a replica (it forwards its master's stream instead). */
  private feeding = false;
  /** A REPLCONF ACK arrived (FAILOVER waits for its target's). */
  onAck: (() => void) | null = null;
  /** While a FAILOVER runs: no PING nor GETACK in the stream, so that the target can reach our offset. */
  quiet = false;

  /** INFO stats sync_full / sync_partial_ok / sync_partial_err. */
  readonly syncStats = { full: 0, partialOk: 0, partialErr: 0 };
  /** PING to the replicas every repl-ping-replica-period seconds (real time), while there are replicas. */
  private pinger: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly server: RedKitServer) {
    server.ext.replSyncStats = this.syncStats;
    server.onStop(() => {
      if (this.pinger !== null) realClearInterval(this.pinger);
      this.pinger = null;
    });
  }

  get backlogActive(): boolean {
    return this.backlog !== null;
  }

  get backlogHistlen(): number {
    return this.backlogLen;
  }

  get backlogFirstByte(): number {
    return this.backlog === null ? 0 : this.offset - this.backlogLen + 1;
  }

  backlogSize(): number {
    const n = Number(this.server.config.get('repl-backlog-size') ?? 1048576);
    return Number.isFinite(n) && n > 0 ? n : 1048576;
  }

  /** Start feeding the stream from this server's own commands (it is a master with a backlog). */
  startFeeding(): void {
    if (this.feeding || this.backlog === null) return;
    this.feeding = true;
    const s = this.server;
    s.store.replLog = this.onKey;
    s.dispatcher.propagate = this.onCommand;
    this.streamDb = -1;
  }

  /** Stop feeding (the server becomes a replica: it forwards its master's stream). */
  stopFeeding(): void {
    this.flushPending();
    this.feeding = false;
    const s = this.server;
    if (s.store.replLog === this.onKey) s.store.replLog = null;
    if (s.dispatcher.propagate === this.onCommand) s.dispatcher.propagate = undefined;
    this.txn = null;
  }

  /** Make a backlog (the first replica came, or a replica synced). */
  createBacklog(): void {
    if (this.backlog !== null) return;
    this.backlog = Buffer.allocUnsafe(this.backlogSize());
    this.ringPos = 0;
    this.backlogLen = 0;
  }

  /** Forget the history: a new id, no backlog (a replica's full sync from a new master). */
  resetHistory(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = '0000000000000000000000000000000000000000';
    this.secondOffset = -1;
    this.offset = offset;
    this.backlog = Buffer.allocUnsafe(this.backlogSize());
    this.ringPos = 0;
    this.backlogLen = 0;
    this.streamDb = -1;
  }

  /** A replica became a master (REPLICAOF NO ONE): the old id stays valid up to here (PSYNC continues). */
  shiftReplId(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = randomReplId();
    this.streamDb = -1;
  }

  // ---- the stream ---------------------------------------------------------------

  /** Append bytes to the stream: offset, backlog, replicas. */
  feed(b: Buffer): void {
    this.offset += b.length;
    const ring = this.backlog;
    if (ring !== null) {
      const size = ring.length;
      let src = b;
      if (src.length > size) src = src.subarray(src.length - size);
      const first = Math.min(src.length, size - this.ringPos);
      src.copy(ring, this.ringPos, 0, first);
      if (first < src.length) src.copy(ring, 0, first);
      this.ringPos = (this.ringPos + src.length) % size;
      this.backlogLen = Math.min(size, this.backlogLen + b.length);
    }
    if (this.peers.size === 0) return;
    this.out.push(b);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushOut);
    }
  }

  private readonly flushOut = (): void => {
    this.flushQueued = false;
    if (this.out.length === 0) return;
    const b = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out);
    this.out = [];
    for (const p of this.peers) this.server.guarded('writing to a replica', () => p.conn.writeBytes(b));
  };

  /** The backlog's bytes from stream offset `from` (the first byte is offset backlogFirstByte). */
  private backlogFrom(from: number): Buffer {
    const ring = this.backlog;
    if (ring === null) return Buffer.alloc(0);
    const n = this.offset + 1 - from;
    const size = ring.length;
    const start = (((this.ringPos - n) % size) + size) % size;
    const out = Buffer.allocUnsafe(n);
    const first = Math.min(n, size - start);
    ring.copy(out, 0, start, start + first);
    if (first < n) ring.copy(out, first, 0, n - first);
    return out;
  }

  private emit(argv: string[], dbIndex: number): void {
    if (dbIndex >= 0 && dbIndex !== this.streamDb) {
      this.streamDb = dbIndex;
      this.emitRaw(encodeCommand(['SELECT', String(dbIndex)]));
    }
    this.emitRaw(encodeCommand(argv));
  }

  private emitRaw(b: Buffer): void {
    if (this.txn !== null) this.txn.push(b);
    else this.feed(b);
  }

  private endTxn(): void {
    const t = this.txn;
    this.txn = null;
    if (t === null || t.length === 0) return;
    const selects = t.length > 0 && t[0].toString('latin1', 0, 14).toLowerCase().includes('select') ? 1 : 0;
    if (t.length - selects <= 1) {
      for (const b of t) this.feed(b);
      return;
    }
    this.feed(encodeCommand(['MULTI']));
    for (const b of t) this.feed(b);
    this.feed(encodeCommand(['EXEC']));
  }

  /** Put a command in the stream as it is (the fixture's reset: FLUSHALL), if there is a stream. */
  propagateCommand(argv: string[], dbIndex = -1): void {
    if (!this.feeding) return;
    this.flushPending();
    this.emit(argv, dbIndex);
  }

  // ---- hooks (installed while feeding) ---------------------------------------------

  /** Store.replLog: a key changed (expired: removed because its time came). */
  private readonly onKey = (db: Database, key: string, expired: boolean): void => {
    if (expired) {
      // Redis propagates the deletion of an expired key as a DEL, where it happens.
      this.emit(['DEL', key], db.id);
      return;
    }
    this.pendingDbs[this.pendingCount] = db;
    this.pendingGen[this.pendingCount] = this.server.dispatcher.stats.received;
    this.pendingKeys[this.pendingCount++] = key;
    // Changes outside a command (the keyspace API, a served blocked client) go at the end of the tick.
    if (!this.pendingFlushQueued) {
      this.pendingFlushQueued = true;
      queueMicrotask(() => {
        this.pendingFlushQueued = false;
        this.server.guarded('propagating changes', () => this.flushPending());
      });
    }
  };

  /** Propagate every pending key as its effect. */
  flushPending(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    this.pendingCount = 0;
    const dbs = this.pendingDbs;
    const keys = this.pendingKeys;
    if (n === 1) {
      this.emitEffect(dbs[0], keys[0]);
    } else {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const id = `${dbs[i].id}\0${keys[i]}`;
        if (seen.has(id)) continue;
        seen.add(id);
        this.emitEffect(dbs[i], keys[i]);
      }
    }
    for (let i = 0; i < n; i++) (keys as unknown[])[i] = undefined;
  }

  /** Forget the pending keys (the command that changed them is propagated as sent). */
  private dropPending(): void {
    const n = this.pendingCount;
    this.pendingCount = 0;
    for (let i = 0; i < n; i++) (this.pendingKeys as unknown[])[i] = undefined;
  }

  /** Every pending key is in `db` and is `key` (a one-key command's own key). */
  private pendingOnly(db: Database, key: string): boolean {
    if (!this.pendingAllCurrent()) return false;
    for (let i = 0; i < this.pendingCount; i++) if (this.pendingDbs[i] !== db || this.pendingKeys[i] !== key) return false;
    return true;
  }

  /** Every pending change was made by the command running now. */
  private pendingAllCurrent(): boolean {
    const gen = this.server.dispatcher.stats.received;
    for (let i = 0; i < this.pendingCount; i++) if (this.pendingGen[i] !== gen) return false;
    return true;
  }

  /** Dispatcher.propagate: a command ran. */
  private readonly onCommand = (ctx: Context, cmd: Command, args: string[], reply: Reply): void => {
    if (ctx.inScript) return; // the script's command propagates what it changed
    const name = cmd.fullName;
    if (name === 'exec') {
      this.flushPending();
      this.endTxn();
      this.woff.set(ctx, this.offset);
      return;
    }
    const global = GLOBAL.has(name);
    if (this.pendingCount === 0 && !global) return;
    const before = this.offset;
    if (ctx.inMulti && this.txn === null) this.txn = [];
    const isScript = !ctx.inMulti && (cmd.flagBits & SCRIPT_BITS) !== 0 && isScriptCommand(name);
    if (isScript) this.txn = [];
    try {
      if (global) {
        this.flushPending();
        if (!(reply instanceof ReplyError)) this.emit([cmd.parent ? cmd.parent.name.toUpperCase() : cmd.name.toUpperCase(), ...(cmd.parent ? [cmd.name.toUpperCase()] : []), ...args], name === 'flushall' || name === 'function|load' || name === 'function|delete' || name === 'function|flush' || name === 'function|restore' || name === 'swapdb' || name === 'publish' ? -1 : ctx.dbIndex);
        return;
      }
      if (this.propagateAsSent(ctx, cmd, name, args, reply)) return;
      if (this.propagateSpecial(ctx, name, args, reply)) return;
      this.flushPending();
    } finally {
      if (isScript) this.endTxn();
      if (this.offset !== before || this.txn !== null) this.woff.set(ctx, this.txn !== null ? Infinity : this.offset);
    }
  };

  /** The command as sent, when it is deterministic and changed only its own keys. */
  private propagateAsSent(ctx: Context, cmd: Command, name: string, args: string[], reply: Reply): boolean {
    if (!VERBATIM.has(name) || reply instanceof ReplyError) return false;
    if (name === 'set') {
      for (let i = 2; i < args.length; i++) if (RELATIVE.has(args[i].toLowerCase())) return false;
    }
    const db = ctx.db;
    if (cmd.firstKey === 1 && cmd.lastKey === 1) {
      if (!this.pendingOnly(db, args[0])) return false;
    } else {
      if (!this.pendingAllCurrent()) return false;
      const keys = commandKeyIndexes(cmd, args);
      for (let i = 0; i < this.pendingCount; i++) {
        if (this.pendingDbs[i] !== db) return false;
        const k = this.pendingKeys[i];
        let found = false;
        for (const j of keys) if (args[j] === k) found = true;
        if (!found) return false;
      }
    }
    this.dropPending();
    this.emit([cmd.name.toUpperCase(), ...args], ctx.dbIndex);
    return true;
  }

  /** Commands with a cheaper effect than the key's value (SPOP, HINCRBYFLOAT, EXPIRE...). */
  private propagateSpecial(ctx: Context, name: string, args: string[], reply: Reply): boolean {
    if (!this.pendingOnly(ctx.db, args[0])) return false;
    const key = args[0];
    const db = ctx.db;
    let argv: string[] | null = null;
    if (name === 'spop' && reply !== null && !(reply instanceof ReplyError)) {
      const members = Array.isArray(reply) ? (reply as string[]) : [reply as string];
      if (members.every((m) => typeof m === 'string')) argv = ['SREM', key, ...members];
    } else if (name === 'xadd' && (typeof reply === 'string' || reply instanceof StreamIdReply)) {
      // A connection's XADD answers a StreamIdReply (src/commands/streams.ts), read here at once.
      argv = xaddAsSent(args, typeof reply === 'string' ? reply : reply.toString());
    } else if (name === 'hincrbyfloat' && typeof reply === 'string') {
      argv = ['HSET', key, args[1], reply];
    } else if (TTL_ONLY.has(name) || name === 'getex') {
      if (name === 'getex' && !db.data.has(key)) argv = ['DEL', key];
      else if (!db.data.has(key)) argv = ['DEL', key];
      else {
        const at = db.expires.get(key);
        argv = at === undefined ? ['PERSIST', key] : ['PEXPIREAT', key, String(at)];
      }
    }
    if (argv === null) return false;
    this.dropPending();
    this.emit(argv, db.id);
    return true;
  }

  /** A key's state as commands: SET / DEL / RESTORE. */
  private emitEffect(db: Database, key: string): void {
    const v = db.data.get(key);
    if (v === undefined || db.isExpired(key)) {
      this.emit(['DEL', key], db.id);
      return;
    }
    const at = db.expires.get(key);
    if (typeof v === 'string') {
      this.emit(at === undefined ? ['SET', key, v] : ['SET', key, v, 'PXAT', String(at)], db.id);
      return;
    }
    const payload = createDumpPayload(v, dumpOptions({ server: this.server } as unknown as Context)).toString('latin1');
    this.emit(['RESTORE', key, String(at ?? 0), payload, 'REPLACE', 'ABSTTL'], db.id);
  }

  // ---- replicas ----------------------------------------------------------------------

  /** PSYNC / SYNC from a connection: answer, send the data, make it a replica. */
  sync(conn: Connection, psync: boolean, replid: string | null, from: number, port: number): void {
    this.flushPending();
    // Writes queued for the others go first: the snapshot below is at `offset`.
    this.flushOut();
    if (psync && replid !== null && this.backlog !== null && (replid === this.replid || (replid === this.replid2 && from <= this.secondOffset)) && from >= this.backlogFirstByte && from <= this.offset + 1) {
      conn.writeBytes(Buffer.from(`+CONTINUE ${this.replid}\r\n`, 'latin1'));
      const tail = this.backlogFrom(from);
      if (tail.length !== 0) conn.writeBytes(Buffer.from(tail));
      this.attach(conn, port, from - 1);
      this.syncStats.partialOk++;
      this.server.logger.info(`Partial resynchronization request from ${conn.remoteAddress} accepted. Sending ${tail.length} bytes of backlog starting from offset ${from}.`);
      return;
    }
    if (psync && replid !== null) this.syncStats.partialErr++;
    this.syncStats.full++;
    if (this.backlog === null) {
      // The first replica: a new history starts here (Redis's changeReplicationId + createReplicationBacklog).
      this.replid = randomReplId();
      this.replid2 = '0000000000000000000000000000000000000000';
      this.secondOffset = -1;
      this.createBacklog();
      this.startFeeding();
    }
    const rdb = (this.server.ext.replicationDump as () => Buffer)();
    if (psync) conn.writeBytes(Buffer.from(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`, 'latin1'));
    conn.writeBytes(Buffer.from(`$${rdb.length}\r\n`, 'latin1'));
    conn.writeBytes(rdb);
    // The next command of the stream SELECTs its database (the replica starts in db 0).
    this.streamDb = -1;
    this.attach(conn, port, this.offset);
  }

  private attach(conn: Connection, port: number, ackOffset: number): void {
    const peer: ReplicaPeer = { conn, port, ackOffset, ackTime: this.server.clock.now(), state: 'online' };
    conn.ext.replicaLink = peer;
    this.peers.add(peer);
    conn.addCloseHook(() => {
      this.peers.delete(peer);
      this.checkWaiters();
    });
    if (this.pinger === null) {
      const period = Math.max(1, Number(this.server.config.get('repl-ping-replica-period') ?? 10) || 10) * 1000;
      this.pinger = realSetInterval(() => {
        if (this.peers.size === 0) {
          if (this.pinger !== null) realClearInterval(this.pinger);
          this.pinger = null;
          return;
        }
        // Only a master pings (a replica forwards its master's pings).
        if (this.feeding && !this.quiet) this.server.guarded('pinging replicas', () => this.propagateCommand(['PING']));
      }, period);
      this.pinger.unref?.();
    }
  }

  /** REPLCONF ACK from a replica. */
  ack(conn: Connection, offset: number): void {
    const peer = conn.ext.replicaLink as ReplicaPeer | undefined;
    if (peer === undefined) return;
    if (offset > peer.ackOffset) peer.ackOffset = offset;
    peer.ackTime = this.server.clock.now();
    this.checkWaiters();
    if (this.onAck !== null) this.onAck();
  }

  /** Close the replicas' links (they reconnect and resynchronize). */
  disconnectReplicas(): void {
    for (const p of [...this.peers]) {
      this.peers.delete(p);
      p.conn.destroy();
    }
  }

  /** Replicas that acknowledged `offset`. */
  countAcked(offset: number): number {
    let n = 0;
    for (const p of this.peers) if (p.ackOffset >= offset) n++;
    return n;
  }

  /** Ask every replica for its offset (REPLCONF GETACK *). */
  getAck(): void {
    if (this.peers.size === 0 || this.quiet) return;
    this.flushPending();
    this.emit(['REPLCONF', 'GETACK', '*'], -1);
  }

  /** The offset WAIT must see acknowledged for this client. */
  lastWrite(ctx: Context): number {
    return this.woff.get(ctx) ?? 0;
  }

  /** WAIT: the number of replicas that acknowledged the client's writes, now or when enough did (or at the timeout). */
  wait(ctx: Context, needed: number, timeoutMs: number): Reply | Promise<Reply> {
    const offset = this.lastWrite(ctx);
    const now = this.countAcked(offset);
    const blocking = this.server.blocking;
    if (now >= needed || !blocking.canBlock(ctx)) return now;
    const p = blocking.block(ctx, { keys: [], timeoutMs, serve: () => undefined, onTimeout: () => this.countAcked(offset), unblockErrorable: true });
    const w: Waiter = { ctx, offset, needed, resolve: (n) => blocking.answer(ctx.id, n), timer: null };
    this.waiters.push(w);
    const forget = () => {
      this.waiters = this.waiters.filter((x) => x !== w);
    };
    p.then(forget, forget);
    this.getAck();
    return p;
  }

  /** Resolves when every replica acknowledged everything written so far (the fixture's synced()). */
  async allAcked(): Promise<void> {
    this.flushPending();
    const target = this.offset;
    if (this.countAcked(target) >= this.peers.size) return;
    this.getAck();
    await new Promise<void>((resolve) => {
      const w: Waiter = { ctx: null as unknown as Context, offset: target, needed: -1, resolve: () => resolve(), timer: null };
      this.waiters.push(w);
    });
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      const n = this.countAcked(w.offset);
      const needed = w.needed < 0 ? this.peers.size : w.needed;
      if (n >= needed) {
        w.timer?.cancel();
        w.resolve(n);
      } else keep.push(w);
    }
    this.waiters = keep;
  }
}

const SCRIPT_BITS = ~0;
function isScriptCommand(name: string): boolean {
  return name === 'eval' || name === 'evalsha' || name === 'fcall' || name === 'eval_ro' || name === 'evalsha_ro' || name === 'fcall_ro';
}

/**
 * XADD with a generated ID goes with the ID it got, as Redis rewrites it;
 * null (the key's value goes instead) with an approximate trim, whose
 * result depends on the stream's node layout.
 */
function xaddAsSent(args: string[], id: string): string[] | null {
  let i = 1;
  while (i < args.length) {
    const t = args[i].toLowerCase();
    if (t === 'nomkstream') i++;
    else if (t === 'maxlen' || t === 'minid') {
      i++;
      if (args[i] === '~') return null;
      if (args[i] === '=') i++;
      i++;
    } else if (t === 'limit') i += 2;
    else break;
  }
  if (i >= args.length) return null;
  const out = ['XADD', ...args];
  out[i + 1] = id;
  return out;
}
