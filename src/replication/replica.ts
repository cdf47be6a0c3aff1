/**
 * The replica side: the link to the master (connect, handshake, PSYNC, load
 * the RDB, apply the stream), REPLCONF ACK, and pausing the stream for tests.
 */
import net from 'node:net';
import { realClearTimeout, realSetTimeout } from '../clock/timers.js';
import { ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import type { ReplicationMaster } from './master.js';
import { encodeCommand, LinkReader } from './stream.js';

/** ROLE's replica states (Redis's replicationGetSlaveState names). */
export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** The master's client on a replica: runs the stream's commands (no replies, no -READONLY). */
export class MasterClient implements Context {
  readonly id: number;
  name = '';
  protocol: 2 | 3 = 2;
  user = 'default';
  authenticated = true;
  libName = '';
  libVer = '';
  readonly createdAt: number;
  lastActiveAt: number;
  readonly remoteAddress: string;
  readonly localAddress = '';
  db: Database;
  dbIndex = 0;
  command!: Command;
  inMulti = false;
  inScript = false;
  sentName = '';
  sentArgs: string[] = [];
  attention = 0;

  constructor(
    readonly server: RedKitServer,
    host: string,
    port: number,
  ) {
    this.id = server.allocateClientId();
    this.db = server.store.db(0);
    this.remoteAddress = `${host}:${port}`;
    this.createdAt = this.lastActiveAt = server.clock.now();
  }

  get store() {
    return this.server.store;
  }

  get clock() {
    return this.server.clock;
  }
}

type Phase = 'pong' | 'auth' | 'port' | 'capa' | 'psync' | 'rdb' | 'stream';

export class ReplicaLink {
  state: LinkState = 'connect';
  private socket: net.Socket | null = null;
  private reader = new LinkReader();
  private phase: Phase = 'pong';
  private rdbLen = -1;
  private fullReplid = '';
  private fullOffset = 0;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private ackTimer: { cancel(): void } | null = null;
  private ctx: MasterClient;
  private txn: Array<{ argv: string[]; size: number }> | null = null;
  /** pauseReplication(): the stream is read but not applied. */
  paused = false;
  /** Clock ms of the last byte from the master. */
  lastIo = 0;
  /** Clock ms the link went down (master_link_down_since_seconds). */
  downSince: number;
  /** Wakes synced() waiters after each applied batch. */
  private progress: Array<() => void> = [];
  /** Told when the link comes up (connected) or goes down from up (replica-serve-stale-data's gate). */
  onUpDown: (() => void) | null = null;

  constructor(
    private readonly server: RedKitServer,
    private readonly master: ReplicationMaster,
    readonly host: string,
    readonly port: number,
    /** FAILOVER (failover.ts): the PSYNC asks the new master to take over; told whether it accepted. */
    private failover: ((accepted: boolean) => void) | null = null,
  ) {
    this.ctx = new MasterClient(server, host, port);
    this.downSince = server.clock.now();
    this.connect();
  }

  get up(): boolean {
    return this.state === 'connected';
  }

  private log(msg: string): void {
    this.server.logger.info(`replication: ${msg}`);
  }

  private connect(): void {
    if (this.closed) return;
    this.state = 'connecting';
    this.phase = 'pong';
    this.reader = new LinkReader();
    const s = net.connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    this.socket = s;
    s.on('connect', () => {
      this.state = 'handshake';
      this.send(['PING']);
    });
    s.on('data', (chunk: Buffer) => this.server.guarded('reading from the master', () => this.onData(chunk)));
    s.on('error', (e) => this.log(`link error: ${e.message}`));
    s.on('close', () => this.onClose(s));
  }

  private onClose(s: net.Socket): void {
    if (this.socket !== s) return;
    this.socket = null;
    this.ackTimer?.cancel();
    this.ackTimer = null;
    const wasUp = this.state === 'connected';
    if (wasUp) this.downSince = this.server.clock.now();
    this.state = 'connect';
    if (wasUp) this.upDown();
    if (this.closed) return;
    this.retry = realSetTimeout(() => {
      this.retry = null;
      this.connect();
    }, 200);
    this.retry.unref?.();
  }

  /** Stop replicating (REPLICAOF NO ONE, another master, server stop). */
  close(): void {
    this.closed = true;
    if (this.retry !== null) realClearTimeout(this.retry);
    this.ackTimer?.cancel();
    this.ackTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.state = 'connect';
    for (const p of this.progress.splice(0)) p();
  }

  private send(argv: string[]): void {
    this.socket?.write(encodeCommand(argv));
  }

  private fail(why: string): void {
    this.log(why);
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastIo = this.server.clock.now();
    this.reader.push(chunk);
    this.advance();
  }

  private advance(): void {
    const r = this.reader;
    const cfg = this.server.config;
    while (this.phase !== 'stream' && this.phase !== 'rdb') {
      r.skipNewlines();
      const line = r.line();
      if (line === null) return;
      switch (this.phase) {
        case 'pong': {
          if (line.startsWith('-') && !line.startsWith('-NOAUTH') && !line.startsWith('-NOPERM') && !line.startsWith('-ERR operation not permitted')) return this.fail(`Error reply to PING from master: '${line}'`);
          const pass = cfg.get('masterauth') ?? '';
          if (pass !== '') {
            const user = cfg.get('masteruser') ?? '';
            this.send(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
            this.phase = 'auth';
          } else this.sendPort();
          break;
        }
        case 'auth':
          if (line.startsWith('-')) return this.fail(`Unable to AUTH to MASTER: ${line}`);
          this.sendPort();
          break;
        case 'port':
          this.send(['REPLCONF', 'capa', 'psync2']);
          this.phase = 'capa';
          break;
        case 'capa': {
          const m = this.master;
          // A former master (or a replica whose link broke) asks to continue its own history.
          const psync = m.backlogActive ? ['PSYNC', m.replid, String(m.offset + 1)] : ['PSYNC', '?', '-1'];
          if (this.failover !== null) psync.push('FAILOVER');
          this.send(psync);
          this.phase = 'psync';
          break;
        }
        case 'psync': {
          const failover = this.failover;
          if (failover !== null) {
            // The new master took over (a full resync is possible too) or refused: the failover ends either way.
            this.failover = null;
            const accepted = line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE');
            failover(accepted);
            if (!accepted || this.closed) return;
          }
          if (line.startsWith('+FULLRESYNC')) {
            const [, id, off] = line.split(' ');
            this.fullReplid = id;
            this.fullOffset = Number(off);
            this.phase = 'rdb';
            this.state = 'sync';
            this.rdbLen = -1;
          } else if (line.startsWith('+CONTINUE')) {
            const id = line.split(' ')[1];
            const m = this.master;
            if (id !== undefined && id !== m.replid) {
              m.replid2 = m.replid;
              m.secondOffset = m.offset + 1;
              m.replid = id;
              // Our own replicas must learn the new id.
              m.disconnectReplicas();
            }
            this.online();
            this.phase = 'stream';
            this.log(`MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.`);
          } else return this.fail(`Unexpected reply to PSYNC from master: ${line}`);
          break;
        }
      }
    }
    if (this.phase === 'rdb') {
      if (this.rdbLen < 0) {
        r.skipNewlines();
        const line = r.line();
        if (line === null) return;
        if (!line.startsWith('$') || line.startsWith('$EOF:')) return this.fail(`Bad protocol from MASTER, the first byte is not '$': ${line}`);
        this.rdbLen = Number(line.slice(1));
      }
      const bytes = r.bytes(this.rdbLen);
      if (bytes === null) return;
      const load = this.server.ext.replicationLoad as (b: Buffer) => void;
      try {
        load(bytes);
      } catch (e) {
        return this.fail(`Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`);
      }
      this.master.disconnectReplicas();
      this.master.resetHistory(this.fullReplid, this.fullOffset);
      this.ctx.db = this.server.store.db(0);
      this.ctx.dbIndex = 0;
      this.phase = 'stream';
      this.online();
      this.log('MASTER <-> REPLICA sync: Finished with success');
    }
    if (this.phase === 'stream') this.applyStream();
  }

  private sendPort(): void {
    this.send(['REPLCONF', 'listening-port', String(this.server.config.get('port') ?? '0')]);
    this.phase = 'port';
  }

  private online(): void {
    this.state = 'connected';
    this.txn = null;
    this.upDown();
    this.scheduleAck();
    this.sendAck();
  }

  private upDown(): void {
    if (this.onUpDown !== null) this.server.guarded('updating the replica state', this.onUpDown);
  }

  private scheduleAck(): void {
    this.ackTimer?.cancel();
    this.ackTimer = this.server.clock.after(1000, () => {
      this.ackTimer = null;
      if (this.state !== 'connected') return;
      this.server.guarded('sending REPLCONF ACK', () => this.sendAck());
      this.scheduleAck();
    });
  }

  private sendAck(): void {
    this.send(['REPLCONF', 'ACK', String(this.master.offset)]);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.phase === 'stream') this.server.guarded('applying the replication stream', () => this.applyStream());
  }

  /** Apply every whole command received (unless paused). */
  private applyStream(): void {
    if (this.paused) return;
    const r = this.reader;
    let n = 0;
    for (;;) {
      const c = r.command();
      if (c === null) break;
      if (c instanceof Error) return this.fail(`Protocol error from master: ${c.message}`);
      if (c.argv.length === 0) {
        continue;
      }
      this.applyOne(c.argv, c.size);
      n++;
    }
    if (n === 0) return;
    const b = this.server.blocking;
    if (b.hasReady) b.handleReady();
    for (const p of this.progress.splice(0)) p();
  }

  private applyOne(argv: string[], size: number): void {
    const name = argv[0].toLowerCase();
    if (this.txn !== null && name !== 'exec') {
      this.txn.push({ argv, size });
      return;
    }
    if (name === 'multi') {
      this.txn = [{ argv, size }];
      return;
    }
    if (name === 'exec') {
      const t = this.txn ?? [];
      this.txn = null;
      for (const c of t) if (c.argv[0].toLowerCase() !== 'multi') this.run(c.argv);
      for (const c of t) this.forward(c.argv, c.size);
      this.forward(argv, size);
      return;
    }
    if (name === 'replconf' && (argv[1] ?? '').toLowerCase() === 'getack') {
      this.sendAck();
      this.forward(argv, size);
      return;
    }
    if (name !== 'ping') this.run(argv);
    this.forward(argv, size);
  }

  /** Count the bytes in our offset and pass them on to our own replicas (same id, same offsets). */
  private forward(argv: string[], size: number): void {
    const b = encodeCommand(argv);
    if (b.length !== size) {
      // Not the canonical encoding (an inline command): count what the master sent.
      this.master.feed(b.length > size ? b.subarray(0, size) : Buffer.concat([b, Buffer.alloc(size - b.length, 10)]));
    } else this.master.feed(b);
  }

  private run(argv: string[]): void {
    const d = this.server.dispatcher;
    const ctx = this.ctx;
    ctx.lastActiveAt = this.server.clock.now();
    const r = d.resolve(argv[0], argv.slice(1));
    if (r instanceof ReplyError) {
      this.log(`master sent a command we cannot run: ${r.message}`);
      return;
    }
    ctx.sentName = argv[0];
    ctx.sentArgs = argv.slice(1);
    let reply: Reply | Promise<Reply>;
    try {
      reply = d.run(ctx, r.cmd, r.args);
    } catch (e) {
      reply = this.server.errorToReply(e);
    }
    if (reply instanceof ReplyError) this.server.logger.warn(`== CRITICAL == This replica is sending an error to its master: '${reply.message}' after processing the command '${argv[0]}'`);
  }

  /** Resolves after the next batch of the stream is applied (or the link closes). */
  nextProgress(): Promise<void> {
    return new Promise((r) => this.progress.push(r));
  }
}
