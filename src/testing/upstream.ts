/**
 * Upstream mode: RedKit in front of a real Redis (`startRedKit({ upstream:
 * 'redis://host:port' })`, `redkit --upstream redis://host:port`).
 *
 * Each client connection gets its own connection to the upstream (opened at
 * its first command), so everything that is per connection in Redis — the
 * selected database, MULTI, blocking commands, pub/sub, CLIENT state, RESP3
 * after HELLO 3 — stays the upstream's own. Commands still go through the
 * client connection's parser and the dispatcher's middleware (the recorder,
 * fault rules, user middleware), then are sent to the upstream re-encoded as
 * a multibulk; the upstream's reply bytes go back to the client unchanged
 * (-MOVED/-ASK too). One command at a time is in flight per connection (the
 * client connection waits for each reply, as it waits for a blocked
 * command), so replies are matched to commands by counting RESP frames:
 * one per command, one per channel for (P|S)SUBSCRIBE and UNSUBSCRIBE, none
 * under CLIENT REPLY OFF/SKIP. Frames that answer no command — pub/sub
 * messages, invalidation pushes, MONITOR's feed — are relayed as they come.
 *
 * When the upstream cannot be reached, the command answers
 * `-ERR upstream redis://host:port unavailable: <reason>` and the next
 * command tries again; when an established upstream connection goes away,
 * the command waiting answers `-ERR upstream redis://host:port connection
 * lost` and the client connection is closed (its state — database, MULTI,
 * subscriptions — went with it), as a proxy does.
 */
import net from 'node:net';
import { realSetImmediate } from '../clock/timers.js';
import { DirectIo } from '../server/direct-io.js';
import { ReplyError } from '../errors.js';
import { BigNumberReply, DoubleReply, MapReply, NO_REPLY, PushReply, RawReply, SetReply, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
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

const SUBSCRIBE = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE']);
const UNSUBSCRIBE = new Set(['UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE']);
const SUB_KINDS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe']);
const MESSAGE_KINDS = new Set(['message', 'pmessage', 'smessage']);

interface Inflight {
  name: string;
  args: string[];
  expect: number;
  got: number;
  parts: Buffer[];
  /** (P|S)(UN)SUBSCRIBE outside MULTI: confirmations are counted, an error ends it. */
  subscribing: boolean;
  resolve: (r: Reply) => void;
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

/** The upstream connection of one client connection. */
class Link {
  private socket: net.Socket | null = null;
  /** Reads and writes below Node's streams (server/direct-io.ts), when the socket allows it. */
  private io: DirectIo | null = null;
  private connecting: Promise<string | null> | null = null;
  private established = false;
  private closed = false;
  private buf: Buffer = EMPTY;
  private inflight: Inflight | null = null;
  private readonly channels = new Set<string>();
  private readonly patterns = new Set<string>();
  private readonly shard = new Set<string>();
  private inMulti = false;
  private monitor = false;
  private replyOff = false;
  private skipNext = false;
  /**
   * A reply was handed to the client connection, which writes it a few
   * microtasks later: frames relayed meanwhile (the second confirmation of
   * a SUBSCRIBE run by EXEC, a message right behind a reply) wait for it.
   */
  private replyUnsent = false;
  private deferred: Buffer[] = [];

  constructor(
    private readonly target: UpstreamTarget,
    private readonly conn: Connection,
  ) {}

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
        this.io = DirectIo.attach(s, (b) => this.guard(() => this.onData(b)), noop);
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

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.conn.server.logger.error(`upstream: client ${this.conn.id}: ${e instanceof Error ? e.stack : String(e)}`);
      this.conn.destroy();
    }
  }

  /** Send one command; its reply (NO_REPLY under CLIENT REPLY OFF/SKIP), usually later. */
  request(name: string, args: string[]): Reply | Promise<Reply> {
    if (this.closed) return new ReplyError(`ERR upstream ${this.target.url} connection lost`);
    if (!this.established) {
      return this.connect().then((err) => {
        if (err !== null) return new ReplyError(`ERR upstream ${this.target.url} unavailable: ${err}`);
        if (this.closed || this.socket === null) return new ReplyError(`ERR upstream ${this.target.url} connection lost`);
        return this.send(name, args);
      });
    }
    return this.send(name, args);
  }

  private send(name: string, args: string[]): Reply | Promise<Reply> {
    // The previous reply is out (the connection runs one command at a time): relayed frames first.
    if (this.deferred.length !== 0) this.flushDeferred();
    this.replyUnsent = false;
    const upper = upperName(name);
    let expect = 1;
    let subscribing = false;
    if (upper === 'CLIENT' && args.length === 2 && args[0].toUpperCase() === 'REPLY') {
      const mode = args[1].toUpperCase();
      if (mode === 'OFF' || mode === 'SKIP') {
        if (mode === 'OFF') this.replyOff = true;
        else if (!this.replyOff) this.skipNext = true;
        expect = 0;
      } else if (mode === 'ON') this.replyOff = false;
    } else if (this.replyOff) expect = 0;
    else if (this.skipNext) {
      this.skipNext = false;
      expect = 0;
    } else if (!this.inMulti && SUBSCRIBE.has(upper)) {
      subscribing = true;
      expect = Math.max(1, args.length);
    } else if (!this.inMulti && UNSUBSCRIBE.has(upper)) {
      subscribing = true;
      const set = upper === 'UNSUBSCRIBE' ? this.channels : upper === 'PUNSUBSCRIBE' ? this.patterns : this.shard;
      expect = args.length > 0 ? args.length : Math.max(1, set.size);
    }
    const out = encodeInto(name, args);
    if (this.io !== null) {
      // The kernel usually takes it all at once: the scratch buffer is free again.
      if (!this.io.write(out)) releaseScratch(out);
    } else {
      (this.socket as net.Socket).write(out);
      releaseScratch(out);
    }
    if (expect === 0) {
      // A bad CLIENT REPLY mode answers anyway: with nothing in flight its frame is relayed as it comes.
      return NO_REPLY;
    }
    return new Promise<Reply>((resolve) => {
      this.inflight = { name: upper, args, expect, got: 0, parts: [], subscribing, resolve };
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let p = 0;
    const b = this.buf;
    for (;;) {
      const end = frameEnd(b, p);
      if (end < 0) break;
      this.frame(b.subarray(p, end));
      p = end;
    }
    this.buf = p >= b.length ? EMPTY : Buffer.from(b.subarray(p));
  }

  private frame(f: Buffer): void {
    const inf = this.inflight;
    const t = f[0];
    if (t === 0x3e /* > */ || (t === 0x2a /* * */ && (inf?.subscribing || this.channels.size + this.patterns.size + this.shard.size > 0))) {
      const kind = firstElement(f)?.toLowerCase();
      if (kind !== undefined && SUB_KINDS.has(kind) && inf !== null && inf.subscribing) {
        this.confirmation(f, kind);
        return;
      }
      if (t === 0x3e || (kind !== undefined && (MESSAGE_KINDS.has(kind) || SUB_KINDS.has(kind)))) {
        if (kind !== undefined && SUB_KINDS.has(kind)) this.track(f, kind);
        this.push(f);
        return;
      }
    }
    if (inf === null || (this.monitor && t === 0x2b /* + */)) {
      this.push(f);
      return;
    }
    inf.parts.push(Buffer.from(f));
    inf.got++;
    if (inf.got >= inf.expect || (inf.subscribing && t === 0x2d /* - */)) this.finish(inf);
  }

  private confirmation(f: Buffer, kind: string): void {
    const inf = this.inflight as Inflight;
    this.track(f, kind);
    inf.parts.push(Buffer.from(f));
    inf.got++;
    if (inf.got >= inf.expect) this.finish(inf);
  }

  /** Keep the subscription sets from a confirmation. */
  private track(f: Buffer, kind: string): void {
    const v = decodeFrame(f, 0)[0];
    const items = v instanceof PushReply ? v.items : Array.isArray(v) ? v : [];
    const ch = items[1];
    if (typeof ch !== 'string') return;
    const set = kind.startsWith('p') ? this.patterns : kind.startsWith('s') ? this.shard : this.channels;
    if (kind.endsWith('unsubscribe')) set.delete(ch);
    else set.add(ch);
  }

  private finish(inf: Inflight): void {
    this.inflight = null;
    const bytes = inf.parts.length === 1 ? inf.parts[0] : Buffer.concat(inf.parts);
    const ok = bytes[0] !== 0x2d;
    const a0 = inf.args[0];
    switch (inf.name) {
      case 'MULTI':
        if (ok) this.inMulti = true;
        break;
      case 'EXEC':
      case 'DISCARD':
        this.inMulti = false;
        break;
      case 'RESET':
        this.inMulti = this.monitor = this.replyOff = this.skipNext = false;
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
        if (ok && !this.inMulti && a0?.toUpperCase() === 'SETNAME' && inf.args.length === 2) this.conn.name = inf.args[1];
        break;
      case 'QUIT':
        this.conn.closeAfterCurrentReply();
        break;
    }
    this.replyUnsent = true;
    // A simple error goes back as a ReplyError (the same bytes): the recorder and the error stats see it.
    if (!ok && inf.parts.length === 1) inf.resolve(new ReplyError(bytes.latin1Slice(1, bytes.length - 2)));
    else inf.resolve(new UpstreamReply(bytes));
  }

  private push(f: Buffer): void {
    if (this.replyUnsent) {
      if (this.deferred.length === 0) realSetImmediate(() => this.guard(() => this.flushDeferred()));
      this.deferred.push(Buffer.from(f));
      return;
    }
    this.conn.writeBytes(Buffer.from(f));
  }

  private flushDeferred(): void {
    this.replyUnsent = false;
    const d = this.deferred;
    this.deferred = [];
    for (const b of d) this.conn.writeBytes(b);
  }

  private onUpstreamClose(): void {
    if (this.closed) return;
    this.closed = true;
    const inf = this.inflight;
    this.inflight = null;
    if (inf !== null) {
      if (inf.name !== 'QUIT') inf.resolve(new ReplyError(`ERR upstream ${this.target.url} connection lost`));
      else inf.resolve(NO_REPLY);
      this.conn.closeAfterCurrentReply();
    } else this.conn.end();
  }

  /** The client went away. */
  destroy(): void {
    this.closed = true;
    this.socket?.destroy();
    this.inflight = null;
  }
}

/** The upstream handler of a server: every command of every client goes through it. */
export class Upstream {
  readonly target: UpstreamTarget;
  private readonly links = new WeakMap<Connection, Link>();
  private readonly placeholders = new Map<string, Command>();
  /**
   * True when no middleware would act (the fixture: recorder off, no fault
   * rule, no user middleware): commands go straight to the upstream.
   */
  passThrough: (() => boolean) | null = null;

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
    let link = this.links.get(conn);
    if (link === undefined) {
      const l = new Link(this.target, conn);
      link = l;
      this.links.set(conn, l);
      conn.addCloseHook(() => l.destroy());
    }
    ctx.sentName = name;
    ctx.sentArgs = args;
    const mws = this.server.dispatcher.middleware;
    if (mws.length === 0 || (this.passThrough !== null && this.passThrough())) return link.request(name, args);
    const linkRef = link;
    const forward = (): Reply | Promise<Reply> => linkRef.request(name, args);
    const call = this.call(name, args);
    const sub = call.sub;
    const callArgs = call.args;
    let i = 0;
    const next: Next = () => {
      if (i < mws.length) return mws[i++](ctx, call, next);
      // Middleware may have replaced the arguments: send what it left.
      return call.args === callArgs ? forward() : linkRef.request(name, sub === undefined ? call.args : [sub, ...call.args]);
    };
    return next();
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

/** Upper-cased command names (the parser interns names: a few hundred at most are kept). */
const UPPER = new Map<string, string>();
function upperName(name: string): string {
  let u = UPPER.get(name);
  if (u === undefined) {
    u = name.toUpperCase();
    if (UPPER.size < 1024) UPPER.set(name, u);
  }
  return u;
}

const EMPTY = Buffer.alloc(0);

/** Where requests are encoded; replaced when a write keeps it (the socket still holds the bytes). */
const SCRATCH_SIZE = 16 * 1024;
let scratch: Buffer | null = null;

/** Encode a request into the scratch buffer when it fits (a view of it), else into a new buffer. */
function encodeInto(name: string, args: string[]): Buffer {
  let len = 1 + digits(args.length + 1) + 2 + 1 + digits(name.length) + 2 + name.length + 2;
  for (let i = 0; i < args.length; i++) len += 1 + digits(args[i].length) + 2 + args[i].length + 2;
  if (len > SCRATCH_SIZE) return encodeCommand(name, args);
  if (scratch === null) scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
  return writeCommand(scratch, name, args, len);
}

/** `b` may stay referenced by a socket write: the next request needs another scratch buffer. */
function releaseScratch(b: Buffer): void {
  if (scratch !== null && b.buffer === scratch.buffer) scratch = null;
}

/** A command as a multibulk request (binary strings). */
export function encodeCommand(name: string, args: string[]): Buffer {
  let len = 1 + digits(args.length + 1) + 2 + 1 + digits(name.length) + 2 + name.length + 2;
  for (const a of args) len += 1 + digits(a.length) + 2 + a.length + 2;
  return writeCommand(Buffer.allocUnsafe(len), name, args, len);
}

/** Write the request (`len` bytes) at the start of `b`; the view of those bytes. */
function writeCommand(b: Buffer, name: string, args: string[], len: number): Buffer {
  let p = writeHeader(b, 0, 0x2a, args.length + 1);
  p = writeBulk(b, p, name);
  for (let i = 0; i < args.length; i++) p = writeBulk(b, p, args[i]);
  return b.length === len ? b : b.subarray(0, len);
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
