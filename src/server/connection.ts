/**
 * One client connection: socket, parser, per-client state, and the reply
 * path. Replies of one read batch are encoded into a shared batch buffer and
 * leave in one socket write. A command that answers later (async handler,
 * blocking command, delayed fault) pauses the connection's pipeline until it
 * answers, so replies always come back in request order; pushes (pub/sub
 * messages, invalidations) may be written at any time.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { realClearTimeout, realSetImmediate, realSetTimeout } from '../clock/timers.js';
import { ReplyError } from '../errors.js';
import { jemallocSize, ProtocolError, RequestParser } from '../resp/parser.js';
import { isPending, NoReply, type Reply } from '../resp/reply.js';
import { RespWriter } from '../resp/writer.js';
import { DirectIo } from './direct-io.js';
import { describeClient, errorMessage, errorStack } from './dispatch.js';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../store/database.js';
import type { Store } from '../store/store.js';
import type { Context } from './context.js';
import type { Command } from './registry.js';
import type { RedKitServer } from './server.js';
import { limitsOf, type Limits } from './limits.js';

export type ConnState = 'new' | 'active' | 'idle' | 'processing' | 'closed';

/** The batch writer shared by all connections (one runs at a time). */
const batch = new RespWriter(64 * 1024);
let batchOwner: Connection | null = null;
/** For writes outside a batch (pushes to other clients, late replies). */
const scratch = new RespWriter(4 * 1024);

const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;
/** Redis's client cron period (1000 / hz 10), ms. */
const CRON_PERIOD = 100;
/** PROTO_REPLY_MIN_BYTES and PROTO_REPLY_CHUNK_BYTES: the reply buffer's bounds. */
const REPLY_MIN = 1024;
const REPLY_CHUNK = 16 * 1024;
/** What one socket read delivers at most (Node's read buffer, stream path and direct I/O alike). */
const SOCKET_READ_SIZE = 64 * 1024;
/** Flush the batch to the socket mid-loop once it holds this much. */
const BATCH_FLUSH_AT = 1024 * 1024;

/**
 * Replies of direct-I/O connections wait here until the I/O callbacks of
 * this turn of the event loop have run, then leave together (one
 * setImmediate), as Redis writes its clients' replies in beforeSleep after
 * reading every ready socket. Writing each connection's replies as soon as
 * its read ran wakes the client between reads: at -P 16 that cost ~60% more
 * context switches and ~0.1 µs of kernel time per request.
 *
 * Segments are [start, end) of `held`, one per connection (Connection.heldIdx
 * indexes heldConns / heldEnd). A connection's held bytes go out before
 * anything else it writes (writeBuffers, end, destroy). When a write leaves
 * bytes with the kernel queue (libuv keeps a reference), the buffer is
 * replaced once this turn's segments are written.
 */
const HELD_SIZE = 64 * 1024;
/** A batch larger than this is written at once. */
const HOLD_MAX = 16 * 1024;
let held = Buffer.allocUnsafe(HELD_SIZE);
let heldLen = 0;
let heldKept = false;
let heldScheduled = false;
const heldConns: Array<Connection | null> = [];
const heldStart: number[] = [];
const heldEnd: number[] = [];

function flushHeld(): void {
  heldScheduled = false;
  const n = heldConns.length;
  for (let i = 0; i < n; i++) {
    const c = heldConns[i];
    heldConns[i] = null;
    if (c === null) continue;
    try {
      c.writeHeld();
    } catch (e) {
      // A timer callback: nothing may escape it. The connection's state is unknown: it goes.
      c.heldWriteFailed(e);
    }
  }
  heldConns.length = 0;
  heldStart.length = 0;
  heldEnd.length = 0;
  heldLen = 0;
  if (heldKept) {
    heldKept = false;
    held = Buffer.allocUnsafe(HELD_SIZE);
  }
}

/** Views of `held` by [start, length), reused while the buffer is (replies repeat their sizes). */
const HELD_VIEW_MAX = 512;
let heldViews: Array<Buffer | undefined> = [];
let heldViewsOf: Buffer | null = null;

function heldView(start: number, end: number): Buffer {
  const n = end - start;
  if (start !== 0 || n > HELD_VIEW_MAX) return held.subarray(start, end);
  if (heldViewsOf !== held) {
    heldViews = new Array(HELD_VIEW_MAX + 1);
    heldViewsOf = held;
  }
  let v = heldViews[n];
  if (v === undefined) heldViews[n] = v = held.subarray(0, n);
  return v;
}

export type ReplyMode = 'on' | 'off' | 'skip' | 'skip-next';

/** The connection whose commands are running now (Redis's current_client), or null. */
export function currentConnection(): Connection | null {
  return batchOwner;
}

/** `ip:port` as Redis prints a peer (an IPv4-mapped IPv6 address without its `::ffff:`). */
function addressOf(ip: string | undefined, port: number | undefined): string {
  const a = ip ?? '';
  return `${a.startsWith('::ffff:') ? a.slice(7) : a}:${port ?? 0}`;
}

export class Connection implements Context {
  readonly id: number;
  name = '';
  protocol: 2 | 3 = 2;
  user = 'default';
  authenticated: boolean;
  aclUser: import('./acl.js').AclUser | undefined;
  libName = '';
  libVer = '';
  readonly createdAt: number;
  lastActiveAt: number;
  readonly remoteAddress: string;
  /** Our end of the socket, asked of the kernel (getsockname) on first use: CLIENT LIST/INFO/KILL LADDR only. */
  private laddr: string | undefined;
  readonly server: RedKitServer;
  /** client-output-buffer-limit of this server (server/limits.ts). */
  private readonly limits: Limits;
  /** Clock second since which the output passed the soft limit (0: it did not). */
  obufSoftSince = 0;
  readonly store: Store;
  readonly clock: Clock;
  db: Database;
  dbIndex = 0;
  command!: Command;
  sentName = '';
  sentArgs: string[] = [];
  attention = 0;
  inMulti = false;
  inScript = false;
  replyMode: ReplyMode = 'on';
  /** CLIENT NO-EVICT / NO-TOUCH flags. */
  noEvict = false;
  noTouch = false;
  /**
   * Called after each reply of this client is written (client-side caching:
   * invalidations its own command caused go out after the reply). Null unless set.
   */
  afterCommand: ((c: Connection) => void) | null = null;
  /**
   * Called at the end of each run of commands from this connection's input,
   * before its replies are flushed (upstream mode sends the run's requests
   * in one write then). Null unless set.
   */
  batchEnd: (() => void) | null = null;
  /**
   * Upstream mode: when replies of commands already run are still to come,
   * takes `then` (run once they are out) and returns true; output the
   * connection writes itself (a protocol error) waits for it. Null unless set.
   */
  owed: ((then: () => void) => boolean) | null = null;
  /**
   * Upstream mode: sees a read before it is parsed, when it starts at a
   * command boundary and would be run at once; returns true when it took
   * the read whole (forwarded as it came: nothing to parse or run here).
   * Null unless set.
   */
  rawInput: ((chunk: Buffer) => boolean) | null = null;
  /** Per-connection extension slots for command groups (MULTI state, subscriptions, ...). */
  readonly ext: Record<string, unknown> = Object.create(null);
  state: ConnState = 'new';
  readonly socket: Socket;
  readonly parser = new RequestParser();

  /**
   * Redis's reply buffer (c->buf, 16 KB at first): its usable size and peak,
   * CLIENT LIST's rbs/rbp, resized by the client cron (see cron()).
   */
  rbs = 16 * 1024;
  rbp = 16 * 1024;
  /** When the cron last reset rbp (Redis 7.0 resets it at the first run, then every 5 s). */
  private rbpResetAt = -Infinity;
  /** Server clock time of the last client cron run replayed. */
  private cronAt: number;

  /** Waiting for an asynchronous reply: the rest of the pipeline waits. */
  private busy = false;
  private closeAfterReply = false;
  private aborted = false;
  private closed = false;
  private paused = false;
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  private writeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Extra close hooks registered by command groups (unsubscribe, unwatch, unblock). */
  private closeHooks: Array<(c: Connection) => void> = [];
  /** Reads and writes below the stream layer (plain TCP), or null: the socket's stream. */
  private readonly io: DirectIo | null;

  get conn(): Connection {
    return this;
  }

  constructor(server: RedKitServer, socket: Socket, id: number) {
    this.server = server;
    this.limits = limitsOf(server);
    this.store = server.store;
    this.clock = server.clock;
    this.socket = socket;
    this.id = id;
    this.db = server.store.dbs[0];
    this.createdAt = this.lastActiveAt = this.cronAt = this.clock.now();
    this.remoteAddress = addressOf(socket.remoteAddress, socket.remotePort);
    this.authenticated = !server.requiresAuth();
    this.aclUser = server.acl.defaultUser;
    this.parser.unauthenticated = !this.authenticated;
    this.parser.maxBulkLen = server.config.protoMaxBulkLen;
    // Node reads a socket 64 KB at a time (the stream path and direct I/O alike).
    this.parser.sourceReadSize = SOCKET_READ_SIZE;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.server.logger.debug(`client ${this.id} socket error: ${err.message}`));
    socket.on('close', () => this.guard('closing', () => this.onClose()));
    socket.on('drain', () => this.guard('writing', () => this.onDrain()));
    const idle = server.options.idleTimeout;
    // An idle timeout is Node's socket timer, which only the stream path refreshes.
    this.io =
      server.options.directIo !== false && !(idle && idle > 0)
        ? DirectIo.attach(
            socket,
            (b) => this.onDirectData(b),
            () => this.guard('writing', () => this.onDrain()),
          )
        : null;
    if (idle && idle > 0) {
      socket.setTimeout(idle);
      socket.on('timeout', () =>
        this.guard('idle timeout', () => {
          if (this.busy || this.isSubscriber()) return;
          this.server.logger.debug(`client ${this.id} idle timeout`);
          this.destroy();
        }),
      );
    }
  }

  get localAddress(): string {
    if (this.laddr === undefined) this.laddr = addressOf(this.socket.localAddress, this.socket.localPort);
    return this.laddr;
  }

  /** True when the connection is in pub/sub mode (set by the pub/sub commands). */
  isSubscriber(): boolean {
    const subs = this.ext.subscriptions as { count(): number } | undefined;
    return subs !== undefined && subs.count() > 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.server.connStateChanged(this, s);
  }

  addCloseHook(fn: (c: Connection) => void): void {
    this.closeHooks.push(fn);
  }

  /** Change the selected database. */
  select(index: number): void {
    this.db = this.store.dbs[index];
    this.dbIndex = index;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      // One clock reading per read: the start of its commands' timing and the last interaction.
      const perf = performance.now();
      const now = this.clock.nowAt(perf);
      if (now - this.cronAt >= CRON_PERIOD) this.cron(now);
      this.lastActiveAt = now;
      this.server.stats.netInputBytes += chunk.length;
      if (this.rawInput !== null && !this.busy && !this.paused && !this.closeAfterReply && !this.parser.midCommand && this.rawInput(chunk)) return;
      this.parser.feed(chunk);
      if (this.state !== 'processing') this.setState('active');
      if (!this.busy && !this.paused) {
        // (handed over only here, where processInput's beginBatch takes it at once)
        this.server.dispatcher.readAt(perf);
        this.processInput(false);
      }
      // Redis reads a blocked client's input but parses it only when it is unblocked, all at once.
      else this.parser.readAll();
      if (this.parser.pending > this.limits.queryBufferLimit) this.limits.queryOverflow(this);
    } catch (e) {
      this.internalError(e, 'reading');
    }
  }

  /** A read into the shared direct-I/O buffer: run it, then keep only a copy of what is left. */
  private onDirectData(chunk: Buffer): void {
    this.onData(chunk);
    try {
      this.parser.detach();
    } catch (e) {
      this.internalError(e, 'reading');
    }
  }

  /**
   * The last line of defence: something threw that nothing else caught (a
   * bug in the parser, the writer, a hook...). Logged with the client and its
   * command; the connection is closed (its state is unknown), nobody else is
   * affected.
   */
  private internalError(e: unknown, doing: string): void {
    try {
      this.server.logger.error(`client ${describeClient(this)} cmd=${this.sentName || '(none)'}: internal error while ${doing}, closing the connection: ${errorStack(e)}`);
    } catch {
      // a logger that throws must not take the process down either
    }
    try {
      if (batchOwner === this) batch.take();
      this.destroy();
    } catch {
      // nothing more to do
    }
  }

  /** Run `fn` for this connection (a socket event, a timer) under the last line of defence. */
  private guard(doing: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.internalError(e, doing);
    }
  }

  /** True when this connection reads and writes below Node's stream layer (server/direct-io.ts). */
  get directIo(): boolean {
    return this.io !== null;
  }

  /**
   * Replay Redis's per-client cron (clientsCron, every 100 ms at hz 10) up to
   * `now` on the server clock: the query buffer's shrinking
   * (RequestParser.cronResize) and the reply buffer's resizing
   * (clientsCronResizeOutputBuffer). Run lazily, before a read and when
   * CLIENT LIST looks, so an idle client costs nothing; after a few runs
   * with no input the state no longer changes, so a long gap replays the
   * first runs and the last one.
   */
  cron(now: number): void {
    const ticks = Math.floor((now - this.cronAt) / CRON_PERIOD);
    if (ticks <= 0) return;
    const from = this.cronAt;
    const n = ticks > 4 ? 3 : ticks;
    for (let i = 1; i <= n; i++) this.cronRun(from + i * CRON_PERIOD);
    if (ticks > n) this.cronRun(from + ticks * CRON_PERIOD);
    this.cronAt = from + ticks * CRON_PERIOD;
  }

  private cronRun(t: number): void {
    this.parser.cronResize(Math.floor(t / 1000) - Math.floor(this.lastActiveAt / 1000));
    // The reply buffer: halve towards the peak (not under 1 KB), or double (up to 16 KB) when the peak filled it.
    const shrink = this.rbs / 2;
    const expand = this.rbs * 2;
    let size = 0;
    if (shrink >= REPLY_MIN && this.rbp < shrink) size = this.rbp + 1 > REPLY_MIN ? this.rbp + 1 : REPLY_MIN;
    else if (expand < REPLY_CHUNK * 2 && this.rbp === this.rbs) size = expand < REPLY_CHUNK ? expand : REPLY_CHUNK;
    if (size !== 0) this.rbs = jemallocSize(size);
    if (t - this.rbpResetAt >= 5000) {
      this.rbp = 0; // bufpos: nothing waits in the buffer between turns of the event loop
      this.rbpResetAt = t;
    }
  }

  /** Bytes of replies this connection produced in the current batch, not handed to the socket yet. */
  batchBytes(): number {
    return batchOwner === this ? batch.pendingBytes : 0;
  }

  /** Output accepted but not yet sent (bytes held for a slow reader). */
  outputQueued(): number {
    return this.socket.writableLength + (this.io !== null ? this.io.queued : 0) + (this.heldIdx >= 0 ? heldEnd[this.heldIdx] - heldStart[this.heldIdx] : 0);
  }

  /**
   * Parse and run buffered commands until input runs out, the connection
   * must wait for an asynchronous reply, or it is closing. `hasFirst`: an
   * asynchronous reply (`first`, which may be undefined = null) goes out first.
   */
  private processInput(hasFirst: boolean, first?: Reply): void {
    const prevOwner = batchOwner;
    if (prevOwner !== null && prevOwner !== this) {
      prevOwner.flushBatch();
      // That write is not this batch's time.
      this.server.dispatcher.readDone();
    }
    batchOwner = this;
    // Command timing restarts here: the previous connection's flush is not this batch's time.
    this.server.dispatcher.beginBatch();
    if (this.state !== 'processing') this.setState('processing');
    let progressed = hasFirst;
    let ran = 0;
    try {
      if (hasFirst) {
        this.emit(first);
        if (this.afterCommand !== null) this.afterCommand(this);
      }
      const server = this.server;
      while (!this.closeAfterReply && !this.closed) {
        let args;
        try {
          args = this.parser.nextArgs();
        } catch (e) {
          if (e instanceof ProtocolError) {
            this.server.stats.protocolErrors++;
            this.server.logger.debug(`client ${this.id} protocol error: ${e.message}`);
            const msg = e.message;
            if (this.owed !== null) {
              // The error goes after the replies still owed, then the connection closes.
              const waiting = this.owed(() =>
                this.guard('writing', () => {
                  this.busy = false;
                  this.writeRaw(new ReplyError(msg));
                  // (inside a relay the owed replies are still in the batch: out first)
                  if (batchOwner === this) this.flushBatch();
                  this.end();
                }),
              );
              if (waiting) {
                this.busy = true;
                this.closeAfterReply = true;
                break;
              }
            }
            batch.error(msg);
          } else {
            // A bug: the input cannot be trusted any more. Answer, then close.
            this.server.logger.error(`client ${describeClient(this)}: internal error while parsing its input, closing the connection: ${errorStack(e)}`);
            batch.error(new ReplyError(`ERR internal error: ${errorMessage(e)}`).message);
          }
          this.closeAfterReply = true;
          break;
        }
        if (args === null) break;
        progressed = true;
        ran++;
        let r;
        try {
          r = server.execute(this, this.parser.cmdName, args);
        } catch (e) {
          // Handlers and middleware are caught by the dispatcher; this is for gates and
          // anything else that throws, which must not take the process down.
          r = server.errorToReply(e, this);
        }
        // Keys this command made ready serve their blocked clients before the next command.
        if (server.blocking.hasReady) server.blocking.handleReady();
        if (isPending(r)) {
          this.waitFor(r as Promise<Reply>);
          break;
        }
        try {
          this.emit(r as Reply);
        } catch (e) {
          // A reply that cannot be encoded: what was written of it is garbage, so the client goes.
          this.server.logger.error(`client ${describeClient(this)} cmd=${this.sentName}: its reply could not be encoded, closing the connection: ${errorStack(e)}`);
          this.closeAfterReply = true;
          break;
        }
        if (this.afterCommand !== null) this.afterCommand(this);
        if (batch.pendingBytes > BATCH_FLUSH_AT) {
          // A big batch: hand it to the socket now; stop reading if the client is not reading.
          this.flushBatch();
          if (this.outputQueued() > OUTPUT_HIGH_WATER) {
            this.paused = true;
            break;
          }
        }
      }
    } finally {
      if (this.batchEnd !== null) this.batchEnd();
      // Queued fast commands get their time before the write, which is not theirs.
      this.server.dispatcher.endBatch();
      if (this.aborted) batch.take();
      else this.flushBatch(ran > 1 && this.server.connections.size > 1);
      batchOwner = prevOwner === this ? null : prevOwner;
      if (!this.busy && !this.closed) {
        if (this.closeAfterReply) this.end();
        else this.setState(this.parser.midCommand ? 'active' : 'idle');
        this.armReadTimeout(progressed);
        if (this.parser.deferredCheck && !this.closeAfterReply) this.judgeCarriedRead();
      }
    }
  }

  /**
   * A long line waits at the end of a chunk that filled Node's read: Redis's
   * read may go on into the next chunk. If none comes in this turn of the
   * event loop, the read ended here: judge the line now.
   */
  private judgeCarriedRead(): void {
    this.parser.deferredCheck = false;
    realSetImmediate(() =>
      this.guard('reading', () => {
        if (this.closed || this.busy || this.paused || !this.parser.midCommand) return;
        this.parser.endCarriedRead();
        this.processInput(false);
      }),
    );
  }

  private waitFor(p: Promise<Reply>): void {
    this.busy = true;
    let settled: Promise<Reply>;
    try {
      settled = Promise.resolve(p);
    } catch (e) {
      settled = Promise.reject(e);
    }
    settled
      .then(
        (r) => this.asyncDone(r),
        (e) => this.asyncDone(this.server.errorToReply(e, this)),
      )
      .catch((e: unknown) => this.internalError(e, 'answering'));
  }

  private asyncDone(r: Reply): void {
    this.busy = false;
    if (this.closed) return;
    this.processInput(true, r);
  }

  /** Encode a reply into the output (subject to CLIENT REPLY). */
  emit(r: Reply): void {
    if (this.replyMode !== 'on') {
      // 'skip-next' is set by CLIENT REPLY SKIP: drop its own reply, then the next one.
      if (this.replyMode === 'skip-next') this.replyMode = 'skip';
      else if (this.replyMode === 'skip') this.replyMode = 'on';
      return;
    }
    this.writeRaw(r);
  }

  /** Encode a reply or push regardless of CLIENT REPLY. */
  writeRaw(r: Reply): void {
    if (r instanceof NoReply || this.closed) return;
    if (batchOwner === this) {
      batch.write(r, this.protocol);
      return;
    }
    scratch.write(r, this.protocol);
    this.writeBuffers(scratch.take());
  }

  /**
   * While set, pushes are collected here instead of written (EXEC places a
   * queued command's pushes, e.g. SUBSCRIBE's confirmations, inside its reply).
   */
  pushCapture: Reply[] | null = null;

  /** Send a push (pub/sub message, invalidation): RESP3 `>`; RESP2 array. */
  push(r: Reply): void {
    if (this.pushCapture !== null) this.pushCapture.push(r);
    else this.writeRaw(r);
  }

  /** True while this connection's commands run (its replies go into the shared batch). */
  get inBatch(): boolean {
    return batchOwner === this;
  }

  /** True once the connection closes after the replies written so far (QUIT, a drop fault). */
  get closing(): boolean {
    return this.closeAfterReply;
  }

  /**
   * Write what `fn` writes (writeRaw, writeBytes: bytes are copied) in one
   * batch, outside this connection's input loop (upstream mode's relayed replies).
   */
  relay(fn: () => void): void {
    if (this.closed) return;
    if (batchOwner === this) {
      fn();
      return;
    }
    const prev = batchOwner;
    if (prev !== null) prev.flushBatch();
    batchOwner = this;
    try {
      fn();
    } finally {
      if (this.aborted) batch.take();
      else this.flushBatch();
      batchOwner = prev;
    }
  }

  /** Send raw bytes (fault injection, MONITOR). */
  writeBytes(b: Buffer): void {
    if (this.closed) return;
    if (batchOwner === this) batch.rawBytes(b);
    else this.writeBuffers([b]);
  }

  /**
   * Hand the batch to the socket. `mayHold`: the replies of a pipelined read
   * while other clients are connected may wait for the end of the turn (see
   * `held`); a single command's reply, or the only client's, goes at once (a
   * setImmediate per turn would cost more than the wake-ups it saves).
   */
  private flushBatch(mayHold = false): void {
    if (batch.isEmpty()) return;
    const n = batch.pendingBytes;
    if (n > this.rbp) this.rbp = n < this.rbs ? n : this.rbs;
    const io = this.io;
    if (io !== null && !this.closed) {
      const view = batch.peekSingle();
      if (view !== null) {
        const len = view.length;
        // Held for the end of this turn's reads (see `held`): appended to this connection's
        // segment when it is the last one, else a new segment when this connection has none.
        const i = this.heldIdx;
        if (mayHold && len <= HOLD_MAX && heldLen + len <= HELD_SIZE && (i < 0 || heldEnd[i] === heldLen)) {
          view.copy(held, heldLen, 0, len);
          if (i < 0) {
            this.heldIdx = heldConns.length;
            heldConns.push(this);
            heldStart.push(heldLen);
            heldEnd.push(heldLen + len);
            if (!heldScheduled) {
              heldScheduled = true;
              realSetImmediate(flushHeld);
            }
          } else heldEnd[i] += len;
          heldLen += len;
          batch.release(false);
          return;
        }
        if (i >= 0) this.writeHeld();
        // Straight from the batch buffer; a new one only when the socket keeps this one.
        this.server.stats.netOutputBytes += len;
        batch.release(!io.write(view));
        this.armWriteTimer();
        return;
      }
    }
    if (this.heldIdx >= 0) this.writeHeld();
    const one = batch.takeSingle();
    if (one !== null) this.writeBuffers(null, one);
    else this.writeBuffers(batch.take());
  }

  /** Index of this connection's held replies in heldConns, or -1. */
  private heldIdx = -1;

  /** Write this connection's held replies now (before anything else it writes, or at the end of the turn). */
  writeHeld(): void {
    const i = this.heldIdx;
    if (i < 0) return;
    this.heldIdx = -1;
    heldConns[i] = null;
    const io = this.io;
    if (this.closed || io === null) return;
    const view = heldView(heldStart[i], heldEnd[i]);
    this.server.stats.netOutputBytes += view.length;
    if (!io.write(view)) heldKept = true;
    this.armWriteTimer();
  }

  /** writeHeld threw at the end of the turn (a bug): logged, and the connection is closed. */
  heldWriteFailed(e: unknown): void {
    this.internalError(e, 'writing');
  }

  /** Write `parts` in order, or the single buffer `one` when parts is null. */
  private writeBuffers(parts: Buffer[] | null, one?: Buffer): void {
    if (this.closed) return;
    if (this.heldIdx >= 0) this.writeHeld();
    const s = this.socket;
    const io = this.io;
    const stats = this.server.stats;
    if (parts === null) {
      const b = one as Buffer;
      stats.netOutputBytes += b.length;
      if (io !== null) io.write(b);
      else s.write(b);
    } else {
      if (parts.length === 0) return;
      for (const p of parts) stats.netOutputBytes += p.length;
      if (io !== null) for (const p of parts) io.write(p);
      else if (parts.length === 1) s.write(parts[0]);
      else {
        s.cork();
        for (const p of parts) s.write(p);
        s.uncork();
      }
    }
    this.armWriteTimer();
  }

  /** writeTimeout: close the connection if what is queued now has not gone out in time. */
  private armWriteTimer(): void {
    const lim = this.limits;
    if (!lim.none) {
      const q = this.outputQueued();
      if (q !== 0 || this.obufSoftSince !== 0) lim.check(this, q);
    }
    const wt = this.server.options.writeTimeout;
    if (wt && wt > 0 && this.writeTimer === null && this.outputQueued() > 0) {
      this.writeTimer = realSetTimeout(
        () =>
          this.guard('write timeout', () => {
            this.writeTimer = null;
            if (this.outputQueued() > 0) {
              this.server.logger.debug(`client ${this.id} write timeout`);
              this.destroy();
            }
          }),
        wt,
      );
    }
  }

  private onDrain(): void {
    if (this.writeTimer !== null) {
      realClearTimeout(this.writeTimer);
      this.writeTimer = null;
    }
    if (this.paused) {
      this.paused = false;
      if (!this.busy) this.processInput(false);
    }
  }

  /**
   * readTimeout: a command must arrive whole within the timeout. The clock
   * starts when an unfinished command is left in the input and restarts only
   * when a command completes, so a client trickling bytes cannot hold it open.
   */
  private armReadTimeout(progressed: boolean): void {
    const rt = this.server.options.readTimeout;
    if (!rt || rt <= 0) return;
    if (this.readTimer !== null) {
      if (!progressed && this.parser.midCommand) return; // still the same unfinished command
      realClearTimeout(this.readTimer);
      this.readTimer = null;
    }
    if (this.parser.midCommand && !this.closed) {
      this.readTimer = realSetTimeout(
        () =>
          this.guard('read timeout', () => {
            this.readTimer = null;
            if (this.parser.midCommand) {
              this.server.logger.debug(`client ${this.id} read timeout`);
              this.destroy();
            }
          }),
        rt,
      );
    }
  }

  /** Drop the connection now, discarding replies not yet written (Redis's freeClientAsync on POST/Host:). */
  abort(): void {
    this.aborted = true;
    this.closeAfterReply = true;
    if (batchOwner === this) batch.take();
    this.destroy();
  }

  /** Close after the replies written so far (QUIT, protocol errors). */
  closeAfterCurrentReply(): void {
    this.closeAfterReply = true;
  }

  /** Finish writing, then close. */
  end(): void {
    if (this.closed) return;
    if (this.heldIdx >= 0) this.writeHeld();
    if (this.io !== null) this.io.ending = true;
    this.socket.end();
  }

  /** Close now (CLIENT KILL, faults, shutdown). Replies already produced still go first, as before they were held. */
  destroy(): void {
    if (this.closed) return;
    if (this.heldIdx >= 0 && !this.aborted) this.writeHeld();
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.readTimer !== null) realClearTimeout(this.readTimer);
    if (this.writeTimer !== null) realClearTimeout(this.writeTimer);
    this.parser.reset();
    for (const h of this.closeHooks) {
      try {
        h(this);
      } catch (e) {
        this.server.logger.error(`client ${describeClient(this)}: close hook failed: ${errorStack(e)}`);
      }
    }
    this.setState('closed');
    this.server.connectionClosed(this);
  }

  /** An error reply for a thrown value. */
  static toErrorReply(e: unknown): ReplyError {
    return e instanceof ReplyError ? e : new ReplyError(`ERR ${errorMessage(e)}`);
  }
}
