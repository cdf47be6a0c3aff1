/**
 * Upstream mode: RedKit in front of a real Redis (`startRedKit({ upstream:
 * 'redis://host:port' })`, `redkit --upstream redis://host:port`).
 *
 * Each client connection gets its own connection to the upstream (opened at
 * its first command), so everything that is per connection in Redis — the
 * selected database, MULTI, blocking commands, pub/sub, CLIENT state, RESP3
 * after HELLO 3 — stays the upstream's own. Commands go through the
 * client connection's parser and the dispatcher's middleware (the recorder,
 * fault rules, user middleware), then are sent to the upstream re-encoded as
 * multibulks, each as soon as it is parsed (pipelined: see Link); the
 * upstream's reply bytes go back to the client unchanged (-MOVED/-ASK too).
 * The fast path (Link.rawInput): a client read of plain complete multibulks
 * goes upstream as it came, before it is parsed — not parsed at all when
 * nothing acts on commands, parsed afterwards for the recorder when only it
 * watches — and an upstream read of whole frames relayed as they come is
 * written to the client before its frames are counted.
 * Replies are matched to commands in order by counting RESP frames: one
 * per command, one per channel for (P|S)SUBSCRIBE and UNSUBSCRIBE, none
 * under CLIENT REPLY OFF/SKIP. Frames that answer no command — pub/sub
 * messages, invalidation pushes, MONITOR's feed — are relayed as they come.
 *
 * When the upstream cannot be reached, the command answers
 * `-ERR upstream redis://host:port unavailable: <reason>` and the next
 * command tries again; when an established upstream connection goes away,
 * the command waiting answers `-ERR upstream redis://host:port connection
 * lost` (every command sent and not answered) and the client connection is
 * closed (its state — database, MULTI, subscriptions — went with it), as a
 * proxy does.
 */
import net from 'node:net';
import { DirectIo } from '../server/direct-io.js';
import { ReplyError } from '../errors.js';
import { BigNumberReply, DoubleReply, isPending, MapReply, NO_REPLY, PushReply, RawReply, SetReply, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { CommandCall, Next } from '../server/dispatch.js';
import { commandKeyIndexes, type Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';

/** A reply relayed from the upstream: its bytes, decoded only when someone looks (the recorder). */
export class UpstreamReply extends RawReply {
  private value: Reply | undefined;
  private decodedOnce = false;
  /** The reply as RedKit reply values (the last frame's, for multi-frame answers: the whole list). */
  decoded(): Reply {
    if (!this.decodedOnce) {
      this.decodedOnce = true;
      const frames: Reply[] = [];
      let p = 0;
      const b = this.resp2;
      while (p < b.length) {
        const end = frameEnd(b, p);
        if (end < 0) break;
        frames.push(decodeFrame(b, p)[0]);
        p = end;
      }
      this.value = frames.length === 1 ? frames[0] : frames;
    }
    return this.value as Reply;
  }
}

/** Upstream mode's counters. */
export interface UpstreamStats {
  /** Commands sent upstream as the client's own bytes, before RedKit parsed them (Link.rawInput). */
  rawCommands: number;
  /** Upstream reads written to the client as they came, before their frames were counted (Link.onData). */
  rawReads: number;
}

/** Where a proxied command is sent: the upstream's address, parsed from the URL. */
export interface UpstreamTarget {
  url: string;
  host: string;
  port: number;
}

export function parseUpstreamUrl(url: string): UpstreamTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`RedKit: upstream must be a redis://host:port URL (got '${url}')`);
  }
  if (u.protocol !== 'redis:') throw new TypeError(`RedKit: upstream must be a redis://host:port URL (got '${url}'; TLS upstreams are not supported)`);
  if (u.username || u.password) throw new TypeError('RedKit: upstream URL with credentials: clients authenticate through RedKit themselves (AUTH / HELLO AUTH are forwarded)');
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = u.port ? Number(u.port) : 6379;
  return { url: `redis://${u.host || `${host}:${port}`}`, host, port };
}

const SUB_KINDS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe']);
const MESSAGE_KINDS = new Set(['message', 'pmessage', 'smessage']);

// What a command name means to the link (a bit set; 0 for nearly every command).
/** Its reply changes the link's or the connection's state (MULTI, SELECT, HELLO...). */
const F_STATE = 1;
/** Sent only once every earlier command has answered: how many frames it gets depends on that state. */
const F_BARRIER = 2;
const F_SUB = 4;
const F_UNSUB = 8;
/** The connection reads nothing more until its reply is out (QUIT). */
const F_HOLD = 16;
const F_CLIENT = 32;
const F_RESET = 64;
/** Changes what middleware sees of the connection (db, name, protocol): middleware waits for its reply. */
const F_CTX = 128;

const NAME_FLAGS: Record<string, number> = {
  SUBSCRIBE: F_BARRIER | F_SUB,
  PSUBSCRIBE: F_BARRIER | F_SUB,
  SSUBSCRIBE: F_BARRIER | F_SUB,
  UNSUBSCRIBE: F_BARRIER | F_UNSUB,
  PUNSUBSCRIBE: F_BARRIER | F_UNSUB,
  SUNSUBSCRIBE: F_BARRIER | F_UNSUB,
  CLIENT: F_CLIENT | F_STATE | F_CTX,
  QUIT: F_HOLD | F_STATE,
  RESET: F_RESET | F_STATE | F_CTX,
  MULTI: F_STATE,
  EXEC: F_STATE | F_CTX,
  DISCARD: F_STATE,
  SELECT: F_STATE | F_CTX,
  MONITOR: F_STATE,
  HELLO: F_STATE | F_CTX,
};

interface NameInfo {
  upper: string;
  flags: number;
}

/** The name of a command forwarded raw (Link.rawInput), unparsed: one that changes nothing the link tracks. */
const PLAIN: NameInfo = { upper: '', flags: 0 };
const NO_ARGS: string[] = [];
/** What Upstream.canRaw allows: nothing raw; raw and not parsed (nothing acts on commands); raw, then parsed for the recorder. */
const RAW_NO = 0;
const RAW_PASS = 1;
const RAW_OBSERVED = 2;

/** Command names as received (the parser interns them: a few hundred at most are kept). */
const NAMES = new Map<string, NameInfo>();
function nameInfo(name: string): NameInfo {
  let i = NAMES.get(name);
  if (i === undefined) {
    const upper = name.toUpperCase();
    i = { upper, flags: NAME_FLAGS[upper] ?? 0 };
    if (NAMES.size < 1024) NAMES.set(name, i);
  }
  return i;
}

/** A place in the client's output: replies leave in command order. */
interface Slot {
  /** The reply is known. */
  ready: boolean;
  reply: Reply;
  /** Written to the client. */
  out: boolean;
  /** The upstream has answered (or will not be asked): pushes arriving now go after it. */
  upstreamDone: boolean;
  /** Directly relayed commands sent before this slot: it waits until that many have answered. */
  afterDirect: number;
  written: (() => void) | null;
}

/** A command sent upstream, waiting for its frames (in order: Redis answers in order). */
interface Pending {
  info: NameInfo;
  args: string[];
  expect: number;
  got: number;
  /** Its frames, kept when the reply goes to middleware or waits in the output; null: relayed as they come. */
  parts: Buffer[] | null;
  /** The first byte of its first frame (`-`: an error). */
  first: number;
  /** (P|S)(UN)SUBSCRIBE outside MULTI: confirmations are counted, an error ends it. */
  subscribing: boolean;
  /** The middleware's next() promise. */
  resolve: ((r: Reply) => void) | null;
  slot: Slot | null;
  /** Relayed directly: called once its reply is out. */
  written: (() => void) | null;
}

/** A FIFO queue (an array and a head index). */
class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T {
    const x = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  /** Insert before the first element `stop` accepts (at the end when none does). */
  insertBefore(x: T, stop: (e: T) => boolean): void {
    for (let i = this.head; i < this.items.length; i++) {
      if (stop(this.items[i] as T)) {
        this.items.splice(i, 0, x);
        return;
      }
    }
    this.items.push(x);
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

function newSlot(afterDirect: number): Slot {
  return { ready: false, reply: NO_REPLY, out: false, upstreamDone: false, afterDirect, written: null };
}

/** Where requests are encoded before they leave, one write per run of commands; shared (one link writes at a time). */
const ACC_SIZE = 16 * 1024;
let acc: Buffer | null = null;
let accLen = 0;
let accLink: Link | null = null;

/**
 * The upstream connection of one client connection.
 *
 * Every complete command is forwarded as soon as the client connection runs
 * it (the requests of one client read leave in one write), so a pipeline
 * or a blocked command does not hold back the commands behind it: Redis
 * queues them on the connection as it would a direct client's. Replies are
 * matched to commands in order by counting frames (`pending`): one per
 * command, one per channel for (P|S)SUBSCRIBE and UNSUBSCRIBE, none under
 * CLIENT REPLY OFF/SKIP. Frames that answer no command — pub/sub messages,
 * invalidation pushes, MONITOR's feed — are relayed as they come.
 *
 * Pass-through commands (no middleware acting) have their reply bytes
 * relayed to the client as they arrive. A command that went through
 * middleware, or answers locally (a fault's error), takes a `Slot` in the
 * output queue, written when it heads it, so replies keep command order.
 * A few commands wait until everything before them has answered (F_BARRIER;
 * with fault rules that reorder output, every command), and the client
 * connection stops reading while a command is held by middleware (delay,
 * hang), until QUIT's reply is out, or before a drop closes it.
 */
class Link {
  private socket: net.Socket | null = null;
  /** Reads and writes below Node's streams (server/direct-io.ts), when the socket allows it. */
  private io: DirectIo | null = null;
  private connecting: Promise<string | null> | null = null;
  private established = false;
  private closed = false;
  private buf: Buffer = EMPTY;
  private readonly pending = new Fifo<Pending>();
  private readonly out = new Fifo<Slot>();
  /** Directly relayed commands sent / answered (slots wait for those sent before them). */
  private directSent = 0;
  private directDone = 0;
  /** Pending commands with F_CTX. */
  private ctxInFlight = 0;
  /** The held client connection resumes when nothing is pending or waiting to be written. */
  private idleWaiter: (() => void) | null = null;
  /** The client connection's own output (a protocol error) once everything pending is written. */
  private afterOwed: (() => void) | null = null;
  /** The upstream went away: close the client once everything pending is written. */
  private endWhenDrained = false;
  private flushing = false;
  private readonly channels = new Set<string>();
  private readonly patterns = new Set<string>();
  private readonly shard = new Set<string>();
  // State as the replies tell it (in order)...
  private inMulti = false;
  private monitor = false;
  // ... and as the commands sent so far will leave it (CLIENT REPLY has no reply to wait for).
  private replyOff = false;
  private skipNext = false;
  /** Commands of the current client read already sent as the client's bytes (RAW_OBSERVED): forward() only books them. */
  private rawCredit = 0;

  constructor(
    private readonly target: UpstreamTarget,
    private readonly conn: Connection,
    private readonly stats: UpstreamStats,
    canRaw: () => number,
  ) {
    conn.batchEnd = () => {
      if (this.rawCredit !== 0) this.outOfStep();
      if (accLink === this) this.guard(() => this.flushUp());
    };
    conn.rawInput = (chunk) => {
      const mode = canRaw();
      return mode !== RAW_NO && this.rawInput(chunk, mode);
    };
    conn.owed = (then) => {
      if (this.isIdle() || this.closed) return false;
      this.afterOwed = then;
      return true;
    };
  }

  /** Connect (once); resolves with an error message, or null when connected. */
  private connect(): Promise<string | null> {
    if (this.connecting !== null) return this.connecting;
    this.connecting = new Promise((resolve) => {
      const s = net.connect(this.target.port, this.target.host);
      s.setNoDelay(true);
      let settled = false;
      s.once('connect', () => {
        settled = true;
        this.socket = s;
        // Replies then land in the shared read buffer: onData copies what it keeps.
        this.io = DirectIo.attach(s, this.onBytes, noop);
        this.established = true;
        resolve(null);
      });
      s.on('data', (d: Buffer) => this.guard(() => this.onData(d)));
      s.on('error', (e) => {
        if (!settled) {
          settled = true;
          // The next command tries again.
          this.connecting = null;
          resolve(e.message);
        }
      });
      // A failed attempt's close is not the link's (the next command tries again).
      s.on('close', () => this.guard(() => this.socket === s && this.onUpstreamClose()));
    });
    return this.connecting;
  }

  /** A direct read (the shared buffer, valid until this returns). */
  private readonly onBytes = (b: Buffer): void => {
    try {
      this.onData(b);
    } catch (e) {
      this.fail(e);
    }
  };

  private fail(e: unknown): void {
    this.conn.server.logger.error(`upstream: client ${this.conn.id}: ${e instanceof Error ? e.stack : String(e)}`);
    this.conn.destroy();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e);
    }
  }

  private lost(): ReplyError {
    return new ReplyError(`ERR upstream ${this.target.url} connection lost`);
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.out.size === 0;
  }

  /** Resolves when every command sent has answered and every reply is out. */
  private whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiter = resolve;
    });
  }

  private whenWritten(slot: Slot): Reply | Promise<Reply> {
    if (slot.out) return NO_REPLY;
    return new Promise<Reply>((resolve) => {
      slot.written = () => resolve(NO_REPLY);
    });
  }

  private isBarrier(info: NameInfo, args: string[]): boolean {
    return (info.flags & F_BARRIER) !== 0 || ((info.flags & F_CLIENT) !== 0 && args.length === 2 && args[0].toUpperCase() === 'REPLY');
  }

  private subscribed(): boolean {
    return this.channels.size + this.patterns.size + this.shard.size > 0;
  }

  /** A command no middleware acts on: forwarded, its reply relayed as it comes. */
  pass(name: string, args: string[]): Reply | Promise<Reply> {
    const info = nameInfo(name);
    if (info.flags === 0 && this.established && !this.closed && !this.replyOff && !this.skipNext && this.out.size === 0) {
      this.directSent++;
      this.pending.push({ info, args, expect: 1, got: 0, parts: null, first: 0, subscribing: false, resolve: null, slot: null, written: null });
      if (this.rawCredit !== 0) this.rawCredit--;
      else this.send(name, args);
      return NO_REPLY;
    }
    return this.passSlow(info, name, args);
  }

  /**
   * A client read about to be parsed: when every command in it is one that
   * pass() would send at once (complete multibulks, none that changes the
   * link's state, nothing held or kept in order, nothing acting on commands),
   * its bytes go upstream as they came and each command's reply is booked
   * here, as pass() would: the read is not parsed or run by RedKit at all
   * (true). Redis parses the very bytes the client sent. An inline command,
   * a command cut across reads, anything else: false, the usual way.
   */
  private rawInput(chunk: Buffer, mode: number): boolean {
    const io = this.io;
    if (io === null || io.queued !== 0 || !this.established || this.closed || this.replyOff || this.skipNext || this.monitor || this.rawCredit !== 0) return false;
    // Observed (the recorder): replies wait in slots anyway, but nothing may wait for a SELECT/HELLO/... in flight.
    if (mode === RAW_OBSERVED ? this.ctxInFlight !== 0 : this.out.size !== 0) return false;
    // (an unauthenticated connection's parser has tighter limits than the scan)
    if (chunk.length > ACC_SIZE || this.subscribed() || !this.conn.authenticated) return false;
    const n = plainCommands(chunk);
    if (n === 0) return false;
    if (accLink !== null) accLink.flushUp();
    if (mode === RAW_PASS) {
      for (let i = 0; i < n; i++) this.pending.push({ info: PLAIN, args: NO_ARGS, expect: 1, got: 0, parts: null, first: 0, subscribing: false, resolve: null, slot: null, written: null });
      this.directSent += n;
    } else this.rawCredit = n;
    this.stats.rawCommands += n;
    // A copy: the read buffer is reused, and the kernel may not take it all at once.
    if (acc === null) acc = Buffer.allocUnsafe(ACC_SIZE);
    chunk.copy(acc, 0);
    if (!io.write(acc.subarray(0, chunk.length))) acc = null;
    // Observed: parsed and run through the middleware now, each forward() taking one credit.
    return mode === RAW_PASS;
  }

  /** The commands run and the raw scan disagreed (a bug): the upstream connection's order is unknown, so both go. */
  private outOfStep(): void {
    this.rawCredit = 0;
    this.fail(new Error('raw forwarding out of step with the commands run'));
  }

  private passSlow(info: NameInfo, name: string, args: string[]): Reply | Promise<Reply> {
    if (this.closed) return this.lost();
    if (!this.established) {
      return this.connect().then((err) => {
        if (err !== null) return new ReplyError(`ERR upstream ${this.target.url} unavailable: ${err}`);
        return this.pass(name, args);
      });
    }
    if (this.isBarrier(info, args) && !this.isIdle()) return this.whenIdle().then(() => this.pass(name, args));
    const slot = this.out.size === 0 ? null : newSlot(this.directSent);
    if (slot !== null) this.out.push(slot);
    const p = this.forward(info, name, args, slot, false);
    if (p === null) {
      if (slot !== null) {
        slot.upstreamDone = true;
        this.fill(slot, NO_REPLY);
      }
      if ((info.flags & F_HOLD) !== 0) {
        // QUIT under CLIENT REPLY OFF: the upstream closes without a word.
        this.conn.closeAfterCurrentReply();
        return this.isIdle() ? NO_REPLY : this.whenIdle().then(() => NO_REPLY);
      }
      return NO_REPLY;
    }
    if ((info.flags & F_HOLD) !== 0) {
      if (slot !== null) return this.whenWritten(slot);
      return new Promise<Reply>((resolve) => {
        p.written = () => resolve(NO_REPLY);
      });
    }
    return NO_REPLY;
  }

  /**
   * A command through middleware: `chain` runs it, calling `fwd` to send it
   * upstream (a promise of the reply). Its reply takes a slot in the output.
   */
  viaMiddleware(name: string, args: string[], serialize: boolean, chain: (fwd: (n: string, a: string[]) => Reply | Promise<Reply>) => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const info = nameInfo(name);
    // The first command connects first (the client reads nothing more meanwhile); a failure is its answer.
    if (!this.established && !this.closed) return this.connect().then((err) => this.runChain(info, serialize, chain, err));
    if ((serialize || this.ctxInFlight > 0 || this.isBarrier(info, args)) && !this.isIdle()) {
      return this.whenIdle().then(() => this.runChain(info, serialize, chain, null));
    }
    return this.runChain(info, serialize, chain, null);
  }

  private runChain(info: NameInfo, serialize: boolean, chain: (fwd: (n: string, a: string[]) => Reply | Promise<Reply>) => Reply | Promise<Reply>, connectError: string | null): Reply | Promise<Reply> {
    const slot = newSlot(this.directSent);
    this.out.push(slot);
    let sync = true;
    let forwarded = false;
    const fwd = (n: string, a: string[]): Reply | Promise<Reply> => {
      if (connectError !== null) return new ReplyError(`ERR upstream ${this.target.url} unavailable: ${connectError}`);
      if (sync && this.established && !this.closed) forwarded = true;
      return this.request(slot, n, a);
    };
    let r: Reply | Promise<Reply>;
    try {
      r = chain(fwd);
    } catch (e) {
      r = this.conn.server.errorToReply(e, this.conn);
    }
    sync = false;
    const pending = isPending(r);
    if (pending) {
      (r as Promise<Reply>)
        .then(
          (v) => this.fill(slot, v),
          (e: unknown) => this.fill(slot, this.conn.server.errorToReply(e, this.conn)),
        )
        .catch((e: unknown) => this.guard(() => {
          throw e;
        }));
    } else {
      if (!forwarded) slot.upstreamDone = true;
      this.fill(slot, r as Reply);
    }
    // Held by middleware (delay, hang), QUIT, a drop, or replies kept in order by waiting: read nothing more until it is out.
    if ((pending && !forwarded) || serialize || (info.flags & F_HOLD) !== 0 || this.conn.closing) return this.whenWritten(slot);
    return NO_REPLY;
  }

  /** Middleware's next(): send the command; its reply (NO_REPLY under CLIENT REPLY OFF/SKIP). */
  private request(slot: Slot, name: string, args: string[]): Reply | Promise<Reply> {
    if (this.closed) return this.lost();
    if (!this.established) {
      return this.connect().then((err) => {
        if (err !== null) return new ReplyError(`ERR upstream ${this.target.url} unavailable: ${err}`);
        return this.request(slot, name, args);
      });
    }
    const p = this.forward(nameInfo(name), name, args, slot, true);
    if (p === null) {
      slot.upstreamDone = true;
      return NO_REPLY;
    }
    return new Promise<Reply>((resolve) => {
      p.resolve = resolve;
    });
  }

  /** Send a command upstream: its pending entry, or null when no reply will come. */
  private forward(info: NameInfo, name: string, args: string[], slot: Slot | null, keep: boolean): Pending | null {
    const f = info.flags;
    let expect = 1;
    let subscribing = false;
    if ((f & F_CLIENT) !== 0 && args.length === 2 && args[0].toUpperCase() === 'REPLY' && !this.inMulti && !(this.conn.protocol === 2 && this.subscribed())) {
      const mode = args[1].toUpperCase();
      if (mode === 'ON') {
        this.replyOff = this.skipNext = false;
      } else if (mode === 'OFF') {
        this.replyOff = true;
        this.skipNext = false;
        expect = 0;
      } else if (mode === 'SKIP') {
        this.skipNext = !this.replyOff;
        expect = 0;
      } else {
        // A syntax error, subject to the mode like any reply.
        if (this.replyOff || this.skipNext) expect = 0;
        this.skipNext = false;
      }
    } else if ((f & F_RESET) !== 0) {
      this.replyOff = this.skipNext = false;
    } else if (this.replyOff) expect = 0;
    else if (this.skipNext) {
      this.skipNext = false;
      expect = 0;
    } else if ((f & F_SUB) !== 0 && !this.inMulti) {
      subscribing = true;
      expect = Math.max(1, args.length);
    } else if ((f & F_UNSUB) !== 0 && !this.inMulti) {
      subscribing = true;
      const u = info.upper;
      const set = u === 'UNSUBSCRIBE' ? this.channels : u === 'PUNSUBSCRIBE' ? this.patterns : this.shard;
      expect = args.length > 0 ? args.length : Math.max(1, set.size);
    }
    if (this.rawCredit !== 0) this.rawCredit--;
    else this.send(name, args);
    // A bad CLIENT REPLY mode answers anyway: with nothing pending its frame is relayed as it comes.
    if (expect === 0) return null;
    const direct = slot === null && !keep;
    const p: Pending = { info, args, expect, got: 0, parts: direct ? null : [], first: 0, subscribing, resolve: null, slot, written: null };
    if (direct) this.directSent++;
    if ((f & F_CTX) !== 0) this.ctxInFlight++;
    this.pending.push(p);
    return p;
  }

  /** Encode a request into the shared output; it leaves at the end of the client's batch (or now, outside one). */
  private send(name: string, args: string[]): void {
    if (accLink !== null && accLink !== this) accLink.flushUp();
    let len = 1 + digits(args.length + 1) + 2 + 1 + digits(name.length) + 2 + name.length + 2;
    for (let i = 0; i < args.length; i++) len += 1 + digits(args[i].length) + 2 + args[i].length + 2;
    if (len > ACC_SIZE) {
      this.flushUp();
      this.writeUp(encodeCommand(name, args), false);
      return;
    }
    if (acc === null) acc = Buffer.allocUnsafe(ACC_SIZE);
    else if (accLen + len > ACC_SIZE) this.flushUp();
    if (acc === null) acc = Buffer.allocUnsafe(ACC_SIZE);
    accLen = writeCommand(acc, accLen, name, args);
    accLink = this;
    if (!this.conn.inBatch) this.flushUp();
  }

  /** Write what send() encoded. */
  flushUp(): void {
    if (accLink !== this || acc === null || accLen === 0) return;
    const view = acc.subarray(0, accLen);
    accLen = 0;
    accLink = null;
    // The kernel usually takes it all at once: the buffer is free again.
    if (!this.writeUp(view, true)) acc = null;
  }

  /** True when `b` may be reused at once. */
  private writeUp(b: Buffer, shared: boolean): boolean {
    if (this.closed) return true;
    if (this.io !== null) return this.io.write(b);
    (this.socket as net.Socket).write(shared ? Buffer.from(b) : b);
    return true;
  }

  private frameBuf: Buffer = EMPTY;
  private readonly relayFrames = (): void => {
    const b = this.frameBuf;
    let p = 0;
    for (;;) {
      const end = frameEnd(b, p);
      if (end < 0) break;
      this.frame(end - p === b.length ? b : b.subarray(p, end));
      p = end;
    }
    this.buf = p >= b.length ? EMPTY : Buffer.from(b.subarray(p));
  };

  /** The frames being counted were written to the client already (onData's raw relay). */
  private relayed = false;
  // (a whole 64 KB read would be kept by reference: the read buffer is reused)
  private readonly writeRead = (): void => this.conn.writeBytes(this.frameBuf.length >= 65536 ? Buffer.from(this.frameBuf) : this.frameBuf);

  private onData(d: Buffer): void {
    if (this.closed) return;
    // Every command waiting relays its reply as it comes (none is kept for
    // middleware or queued behind a slot), and the read ends at a frame's end:
    // the bytes go to the client first, in one write, then the frames are counted.
    if (this.buf.length === 0 && this.out.size === 0 && this.directSent - this.directDone === this.pending.size && !this.conn.isClosed && endsAtFrame(d)) {
      this.frameBuf = d;
      this.stats.rawReads++;
      this.conn.relay(this.writeRead);
      this.relayed = true;
      try {
        this.relayFrames();
      } finally {
        this.relayed = false;
        this.frameBuf = EMPTY;
      }
      return;
    }
    this.frameBuf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.buf = EMPTY;
    // Everything this read relays leaves in one write.
    this.conn.relay(this.relayFrames);
    this.frameBuf = EMPTY;
  }

  private frame(f: Buffer): void {
    const p = this.pending.peek();
    const t = f[0];
    if (t === 0x3e /* > */ || (t === 0x2a /* * */ && ((p !== undefined && p.subscribing) || this.subscribed()))) {
      const kind = firstElement(f)?.toLowerCase();
      if (kind !== undefined && SUB_KINDS.has(kind) && p !== undefined && p.subscribing) {
        this.track(f, kind);
        this.part(p, f);
        return;
      }
      if (t === 0x3e || (kind !== undefined && (MESSAGE_KINDS.has(kind) || SUB_KINDS.has(kind)))) {
        if (kind !== undefined && SUB_KINDS.has(kind)) this.track(f, kind);
        this.push(f);
        return;
      }
    }
    if (p === undefined || (this.monitor && t === 0x2b /* + */ && isMonitorLine(f))) {
      this.push(f);
      return;
    }
    this.part(p, f);
  }

  private part(p: Pending, f: Buffer): void {
    if (p.got === 0) p.first = f[0];
    p.got++;
    if (p.parts !== null) p.parts.push(Buffer.from(f));
    // (a large frame would be kept by reference: the read buffer is reused)
    else if (!this.relayed) this.conn.writeBytes(f.length >= 65536 ? Buffer.from(f) : f);
    if (p.got >= p.expect || (p.subscribing && f[0] === 0x2d /* - */)) this.complete(p);
  }

  /** Keep the subscription sets from a confirmation. */
  private track(f: Buffer, kind: string): void {
    const v = decodeFrame(f, 0)[0];
    const items = v instanceof PushReply ? v.items : Array.isArray(v) ? v : [];
    const ch = items[1];
    if (typeof ch !== 'string') return;
    const set = kind.startsWith('p') ? this.patterns : kind === 'ssubscribe' || kind === 'sunsubscribe' ? this.shard : this.channels;
    if (kind.endsWith('unsubscribe')) set.delete(ch);
    else set.add(ch);
  }

  private complete(p: Pending): void {
    this.pending.shift();
    const flags = p.info.flags;
    if ((flags & F_CTX) !== 0) this.ctxInFlight--;
    if ((flags & F_STATE) !== 0) this.apply(p, p.first !== 0x2d);
    if (p.parts === null) {
      this.directDone++;
      if (p.written !== null) p.written();
      if (this.out.size !== 0) this.flushOut();
    } else {
      const parts = p.parts;
      const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      // A simple error goes back as a ReplyError (the same bytes): the recorder and the error stats see it.
      const reply = bytes[0] === 0x2d && parts.length === 1 ? new ReplyError(bytes.latin1Slice(1, bytes.length - 2)) : new UpstreamReply(bytes);
      if (p.slot !== null) p.slot.upstreamDone = true;
      if (p.resolve !== null) p.resolve(reply);
      else if (p.slot !== null) this.fill(p.slot, reply);
    }
    if (this.idleWaiter !== null || this.afterOwed !== null || this.endWhenDrained) this.settle();
  }

  /** What a reply changes (the connection's db, name and protocol are the upstream connection's). */
  private apply(p: Pending, ok: boolean): void {
    const a0 = p.args[0];
    switch (p.info.upper) {
      case 'MULTI':
        if (ok) this.inMulti = true;
        break;
      case 'EXEC':
      case 'DISCARD':
        this.inMulti = false;
        break;
      case 'RESET':
        this.inMulti = this.monitor = false;
        this.channels.clear();
        this.patterns.clear();
        this.shard.clear();
        this.conn.dbIndex = 0;
        this.conn.protocol = 2;
        this.conn.name = '';
        break;
      case 'SELECT':
        if (ok && !this.inMulti && /^\d+$/.test(a0 ?? '')) this.conn.dbIndex = Number(a0);
        break;
      case 'MONITOR':
        if (ok && !this.inMulti) this.monitor = true;
        break;
      case 'HELLO':
        if (ok && (a0 === '2' || a0 === '3')) this.conn.protocol = a0 === '3' ? 3 : 2;
        break;
      case 'CLIENT':
        if (ok && !this.inMulti && a0?.toUpperCase() === 'SETNAME' && p.args.length === 2) this.conn.name = p.args[1];
        break;
      case 'QUIT':
        this.conn.closeAfterCurrentReply();
        break;
    }
  }

  private fill(slot: Slot, reply: Reply): void {
    slot.reply = reply;
    slot.ready = true;
    this.flushOut();
  }

  private readonly writeOut = (): void => {
    const conn = this.conn;
    while (this.out.size !== 0) {
      const s = this.out.peek() as Slot;
      if (!s.ready || this.directDone < s.afterDirect) break;
      this.out.shift();
      s.out = true;
      conn.writeRaw(s.reply);
      if (s.written !== null) s.written();
    }
  };

  /** Write the replies now at the head of the output, in order. */
  private flushOut(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      this.conn.relay(this.writeOut);
    } finally {
      this.flushing = false;
    }
    if (this.idleWaiter !== null || this.afterOwed !== null || this.endWhenDrained) this.settle();
  }

  /** A frame that answers no command: out now, or after the replies it follows. */
  private push(f: Buffer): void {
    if (this.out.size === 0) {
      if (!this.relayed) this.conn.writeBytes(f.length >= 65536 ? Buffer.from(f) : f);
      return;
    }
    const s = newSlot(this.directSent);
    s.ready = s.upstreamDone = true;
    s.reply = new RawReply(Buffer.from(f));
    // Before the first command the upstream has not answered yet.
    this.out.insertBefore(s, (e) => !e.upstreamDone);
    this.flushOut();
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const w = this.idleWaiter;
    if (w !== null) {
      this.idleWaiter = null;
      w();
    }
    const o = this.afterOwed;
    if (o !== null) {
      this.afterOwed = null;
      o();
    }
    if (this.endWhenDrained) {
      this.endWhenDrained = false;
      this.conn.closeAfterCurrentReply();
      if (!this.conn.isBusy) this.conn.end();
    }
  }

  private onUpstreamClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (accLink === this) {
      accLen = 0;
      accLink = null;
    }
    // Every command sent and not answered answers that it is lost (QUIT: nothing).
    this.endWhenDrained = true;
    const drop = (): void => {
      while (this.pending.size !== 0) {
        const p = this.pending.shift();
        const r = p.info.upper === 'QUIT' ? NO_REPLY : this.lost();
        if (p.parts === null) {
          this.conn.writeRaw(r);
          this.directDone++;
          if (p.written !== null) p.written();
        } else {
          if (p.slot !== null) p.slot.upstreamDone = true;
          if (p.resolve !== null) p.resolve(r);
          else if (p.slot !== null) this.fill(p.slot, r);
        }
      }
      this.ctxInFlight = 0;
    };
    this.conn.relay(drop);
    this.flushOut();
  }

  /** The client went away. */
  destroy(): void {
    this.closed = true;
    if (accLink === this) {
      accLen = 0;
      accLink = null;
    }
    this.socket?.destroy();
    this.pending.clear();
    this.out.clear();
    this.idleWaiter = this.afterOwed = null;
    this.conn.batchEnd = null;
    this.conn.owed = null;
    this.conn.rawInput = null;
    this.rawCredit = 0;
  }
}

/** A MONITOR feed line: `+<seconds>.<micros> [<db> <addr>] ...`. */
function isMonitorLine(f: Buffer): boolean {
  let i = 1;
  while (i < f.length && f[i] >= 48 && f[i] <= 57) i++;
  if (i === 1 || f[i] !== 0x2e) return false;
  i++;
  while (i < f.length && f[i] >= 48 && f[i] <= 57) i++;
  return f[i] === 0x20 && f[i + 1] === 0x5b;
}

/** The upstream handler of a server: every command of every client goes through it. */
export class Upstream {
  readonly target: UpstreamTarget;
  private readonly placeholders = new Map<string, Command>();
  /**
   * True when no middleware would act (the fixture: recorder off, no fault
   * rule, no user middleware): commands go straight to the upstream.
   */
  passThrough: (() => boolean) | null = null;
  /**
   * True when middleware may write to the client or close it on its own
   * (fault rules that cut or reset, user middleware): each command then
   * waits until every earlier reply is out, and the connection reads
   * nothing more until its own is.
   */
  serialize: (() => boolean) | null = null;
  /**
   * True when the middleware only watches (the recorder: no fault rule, no
   * user middleware): a client read may go upstream before it is parsed.
   */
  observeOnly: (() => boolean) | null = null;
  /** Counters for tests and diagnostics. */
  readonly stats: UpstreamStats = { rawCommands: 0, rawReads: 0 };
  /** Whether a client read may be sent upstream as it came (Link.rawInput): RAW_PASS, RAW_OBSERVED or RAW_NO. */
  private readonly canRaw = (): number =>
    this.server.dispatcher.middleware.length === 0 || (this.passThrough !== null && this.passThrough())
      ? RAW_PASS
      : this.observeOnly !== null && this.observeOnly()
        ? RAW_OBSERVED
        : RAW_NO;

  constructor(
    private readonly server: RedKitServer,
    url: string,
  ) {
    this.target = parseUpstreamUrl(url);
  }

  /** The dispatcher's middleware (recorder, faults, user middleware), then the upstream. */
  execute(ctx: Context, name: string, args: string[]): Reply | Promise<Reply> {
    const conn = ctx.conn;
    if (conn === undefined) return new ReplyError('ERR upstream mode: no client connection');
    let link = conn.ext.upstream as Link | undefined;
    if (link === undefined) {
      const l = new Link(this.target, conn, this.stats, this.canRaw);
      link = l;
      conn.ext.upstream = l;
      conn.addCloseHook(() => l.destroy());
    }
    ctx.sentName = name;
    ctx.sentArgs = args;
    const mws = this.server.dispatcher.middleware;
    if (mws.length === 0 || (this.passThrough !== null && this.passThrough())) return link.pass(name, args);
    const serialize = this.serialize === null || this.serialize();
    return link.viaMiddleware(name, args, serialize, (fwd) => {
      const call = this.call(name, args);
      const sub = call.sub;
      const callArgs = call.args;
      let i = 0;
      const next: Next = () => {
        if (i < mws.length) return mws[i++](ctx, call, next);
        // Middleware may have replaced the arguments: send what it left.
        return call.args === callArgs ? fwd(name, args) : fwd(name, sub === undefined ? call.args : [sub, ...call.args]);
      };
      return next();
    });
  }

  /** What middleware sees: `CLIENT SETNAME` + the arguments after the subcommand, keys from RedKit's key specs. */
  private call(name: string, args: string[]): CommandCall & { sub?: string } {
    const spec = this.server.registry.lookup(name);
    let full = name.toUpperCase();
    let rest = args;
    let sub: string | undefined;
    let cmd = spec;
    if (spec?.subcommands && args.length > 0) {
      sub = args[0];
      full = `${full} ${sub.toUpperCase()}`;
      rest = args.slice(1);
      cmd = spec.subcommands.get(sub.toLowerCase());
    }
    let keys: string[] = [];
    if (cmd !== undefined && !cmd.subcommands) {
      try {
        keys = commandKeyIndexes(cmd, rest).map((i) => rest[i]).filter((k) => k !== undefined);
      } catch {
        // arguments its key spec cannot read: no keys
      }
    }
    return { name: full, args: rest, keys, command: cmd ?? this.placeholder(full), sub };
  }

  /** A stand-in Command for names RedKit does not know (module commands, newer commands): the upstream decides. */
  private placeholder(name: string): Command {
    let c = this.placeholders.get(name);
    if (c === undefined) {
      c = { name: name.toLowerCase(), flagBits: 0, arity: -1, handler: () => null } as unknown as Command;
      this.placeholders.set(name, c);
    }
    return c;
  }
}

// ---- RESP frames ------------------------------------------------------------------------

function noop(): void {}

const EMPTY = Buffer.alloc(0);

/** A command as a multibulk request (binary strings). */
export function encodeCommand(name: string, args: string[]): Buffer {
  let len = 1 + digits(args.length + 1) + 2 + 1 + digits(name.length) + 2 + name.length + 2;
  for (const a of args) len += 1 + digits(a.length) + 2 + a.length + 2;
  const b = Buffer.allocUnsafe(len);
  writeCommand(b, 0, name, args);
  return b;
}

/** Write the request at `p` in `b` (room checked by the caller); the end. */
function writeCommand(b: Buffer, p: number, name: string, args: string[]): number {
  p = writeHeader(b, p, 0x2a, args.length + 1);
  p = writeBulk(b, p, name);
  for (let i = 0; i < args.length; i++) p = writeBulk(b, p, args[i]);
  return p;
}

/** `<type><n>\r\n` at p; the end. */
function writeHeader(b: Buffer, p: number, type: number, n: number): number {
  b[p++] = type;
  if (n < 10) b[p++] = 48 + n;
  else p += b.latin1Write(String(n), p);
  b[p++] = 13;
  b[p++] = 10;
  return p;
}

function writeBulk(b: Buffer, p: number, s: string): number {
  p = writeHeader(b, p, 0x24, s.length);
  const n = s.length;
  if (n <= 16) for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
  else p += b.latin1Write(s, p);
  b[p++] = 13;
  b[p++] = 10;
  return p;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

/**
 * How many commands `b` holds when it is nothing but complete multibulk
 * requests none of which is named like a command the link tracks (F_* in
 * NAME_FLAGS: told apart by first letter and length, so a few others, e.g.
 * SINTER or RPUSH, are turned away too); else 0.
 */
function plainCommands(b: Buffer): number {
  const len = b.length;
  let p = 0;
  let n = 0;
  while (p < len) {
    if (b[p] !== 0x2a) return 0;
    p++;
    let argc = 0;
    const start = p;
    for (; p < len && b[p] !== 13; p++) {
      const d = b[p] - 48;
      if (d < 0 || d > 9 || (d === 0 && p === start)) return 0;
      argc = argc * 10 + d;
      if (argc > 1024) return 0;
    }
    if (argc === 0 || p + 1 >= len || b[p + 1] !== 10) return 0;
    p += 2;
    for (let i = 0; i < argc; i++) {
      if (p >= len || b[p] !== 0x24) return 0;
      p++;
      let l = 0;
      const s = p;
      for (; p < len && b[p] !== 13; p++) {
        const d = b[p] - 48;
        if (d < 0 || d > 9 || (d === 0 && p === s && b[p + 1] !== 13)) return 0;
        l = l * 10 + d;
        if (l > len) return 0;
      }
      if (p === s || p + 1 >= len || b[p + 1] !== 10) return 0;
      p += 2;
      if (i === 0 && !plainName(b, p, l)) return 0;
      p += l;
      if (p + 1 >= len || b[p] !== 13 || b[p + 1] !== 10) return 0;
      p += 2;
    }
    n++;
  }
  return n;
}

/** True when the name at b[p..p+l) is ASCII and cannot be one of NAME_FLAGS's. */
function plainName(b: Buffer, p: number, l: number): boolean {
  if (l === 0) return false;
  for (let i = p; i < p + l; i++) if (b[i] >= 0x80) return false;
  switch (b[p] | 0x20) {
    case 0x73: // s: SUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE SELECT
      return l !== 9 && l !== 10 && l !== 12 && l !== 6;
    case 0x70: // p: PSUBSCRIBE PUNSUBSCRIBE
      return l !== 10 && l !== 12;
    case 0x75: // u: UNSUBSCRIBE
      return l !== 11;
    case 0x63: // c: CLIENT
      return l !== 6;
    case 0x71: // q: QUIT
      return l !== 4;
    case 0x72: // r: RESET
      return l !== 5;
    case 0x6d: // m: MULTI MONITOR
      return l !== 5 && l !== 7;
    case 0x65: // e: EXEC
      return l !== 4;
    case 0x64: // d: DISCARD
      return l !== 7;
    case 0x68: // h: HELLO
      return l !== 5;
    default:
      return true;
  }
}

/** True when `b` is whole RESP frames, nothing cut at its end. */
function endsAtFrame(b: Buffer): boolean {
  let p = 0;
  while (p < b.length) {
    p = frameEnd(b, p);
    if (p < 0) return false;
  }
  return true;
}

function lineEnd(b: Buffer, p: number): number {
  const cr = b.indexOf(13, p);
  return cr < 0 || cr + 1 >= b.length ? -1 : cr;
}

function parseInt10(b: Buffer, from: number, to: number): number {
  let n = 0;
  let neg = false;
  let i = from;
  if (b[i] === 0x2d) {
    neg = true;
    i++;
  } else if (b[i] === 0x3f) return -2; // streamed (RESP3 `?`): not supported
  for (; i < to; i++) n = n * 10 + b[i] - 48;
  return neg ? -n : n;
}

/**
 * The end of the RESP2/RESP3 frame starting at `p` (an attribute `|` is part
 * of the frame it precedes), or -1 when it is not complete.
 */
export function frameEnd(b: Buffer, p: number): number {
  let remaining = 1;
  while (remaining > 0) {
    if (p >= b.length) return -1;
    const t = b[p];
    const cr = lineEnd(b, p);
    if (cr < 0) return -1;
    remaining--;
    switch (t) {
      case 0x24: // $ bulk
      case 0x3d: // = verbatim
      case 0x21: {
        // ! bulk error
        const n = parseInt10(b, p + 1, cr);
        p = cr + 2;
        if (n >= 0) {
          p += n + 2;
          if (p > b.length) return -1;
        }
        break;
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: {
        // > push
        const n = parseInt10(b, p + 1, cr);
        p = cr + 2;
        if (n > 0) remaining += n;
        break;
      }
      case 0x25: {
        // % map
        const n = parseInt10(b, p + 1, cr);
        p = cr + 2;
        if (n > 0) remaining += 2 * n;
        break;
      }
      case 0x7c: {
        // | attribute: its pairs, then the frame it annotates
        const n = parseInt10(b, p + 1, cr);
        p = cr + 2;
        remaining += 2 * Math.max(0, n) + 1;
        break;
      }
      default:
        // + - : _ , # ( and anything else: one line
        p = cr + 2;
    }
  }
  return p;
}

/** The first element of an array/push frame when it is a simple or bulk string. */
function firstElement(f: Buffer): string | undefined {
  const cr = f.indexOf(13);
  const p = cr + 2;
  if (p >= f.length) return undefined;
  const t = f[p];
  const cr2 = f.indexOf(13, p);
  if (cr2 < 0) return undefined;
  if (t === 0x2b) return f.latin1Slice(p + 1, cr2);
  if (t !== 0x24) return undefined;
  const n = parseInt10(f, p + 1, cr2);
  if (n < 0 || cr2 + 2 + n > f.length) return undefined;
  return f.latin1Slice(cr2 + 2, cr2 + 2 + n);
}

/** Decode the frame at `p` into reply values: [value, end]. */
export function decodeFrame(b: Buffer, p: number): [Reply, number] {
  const t = b[p];
  const cr = b.indexOf(13, p);
  const line = (): string => b.latin1Slice(p + 1, cr);
  const next = cr + 2;
  const many = (n: number, from: number): [Reply[], number] => {
    const out: Reply[] = [];
    let q = from;
    for (let i = 0; i < n; i++) {
      const [v, e] = decodeFrame(b, q);
      out.push(v);
      q = e;
    }
    return [out, q];
  };
  switch (t) {
    case 0x2b:
      return [new SimpleString(line()), next];
    case 0x2d:
      return [new ReplyError(line()), next];
    case 0x3a: {
      const s = line();
      const n = Number(s);
      return [Number.isSafeInteger(n) ? n : BigInt(s), next];
    }
    case 0x24:
    case 0x21:
    case 0x3d: {
      const n = parseInt10(b, p + 1, cr);
      if (n < 0) return [null, next];
      const s = b.latin1Slice(next, next + n);
      if (t === 0x21) return [new ReplyError(s), next + n + 2];
      if (t === 0x3d) return [new VerbatimReply(s.slice(4), s.slice(0, 3)), next + n + 2];
      return [s, next + n + 2];
    }
    case 0x2a:
    case 0x7e:
    case 0x3e: {
      const n = parseInt10(b, p + 1, cr);
      if (n < 0) return [null, next];
      const [items, e] = many(n, next);
      return [t === 0x2a ? items : t === 0x7e ? new SetReply(items) : new PushReply(items), e];
    }
    case 0x25: {
      const n = parseInt10(b, p + 1, cr);
      const [items, e] = many(2 * n, next);
      return [new MapReply(items), e];
    }
    case 0x7c: {
      const n = parseInt10(b, p + 1, cr);
      const [, e] = many(2 * n, next);
      return decodeFrame(b, e);
    }
    case 0x5f:
      return [null, next];
    case 0x2c: {
      const s = line();
      return [new DoubleReply(s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s)), next];
    }
    case 0x23:
      return [line() === 't' ? 1 : 0, next];
    case 0x28:
      return [new BigNumberReply(line()), next];
    default:
      return [line(), next];
  }
}
