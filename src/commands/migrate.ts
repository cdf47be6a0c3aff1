/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *   [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
 * as Redis 7.0's migrateCommand (cluster.c).
 *
 * The keys go to the target as one pipeline over an outgoing TCP connection:
 * [AUTH], [SELECT db] (only when the cached connection last used another db),
 * then one `RESTORE key ttl payload [REPLACE]` per key that is still there
 * (`RESTORE-ASKING` when this server is in cluster mode), the TTL being what
 * is left of the key's expiry (at least 1 ms). Each reply is read as one
 * line, as Redis's connSyncReadLine does. A key the target accepted is
 * deleted here (unless COPY): a `del` keyspace event, WATCH/tracking through
 * Database.delete, one dirty change, and a DEL for replicas.
 *
 * Redis runs MIGRATE with blocking socket calls: the whole server waits. Here
 * the handler answers later, and while it runs every other client's command
 * is held at the first gate (ATTENTION.MIGRATE) and goes on, in order, once
 * MIGRATE has answered; the event loop is never blocked, so a target in the
 * same process (a cluster node) answers normally. Timeouts (connect, each
 * write, each reply line) run on the server clock.
 *
 * Connections are cached per "host:port" (as given) and closed after 10
 * seconds unused (MIGRATE_SOCKET_CACHE_TTL, checked once a second by Redis's
 * cron: here a timer at the same second), at most 64 of them; INFO stats
 * migrate_cached_sockets counts them. A socket error on a cached connection
 * before the first reply is retried once on a new connection (not after a
 * timeout), as Redis does.
 *
 * Gap: inside MULTI/EXEC or a script, where RedKit's commands must answer at
 * once, MIGRATE answers an error (Redis would block the server there too).
 */
import * as net from 'node:net';
import { Err, ReplyError } from '../errors.js';
import { OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import { ATTENTION } from '../server/dispatch.js';
import type { RedKitServer } from '../server/server.js';
import type { ClockTimer } from '../clock/clock.js';
import { createDumpPayload, RdbUnsupportedError } from '../store/rdb.js';
import { NOTIFY } from '../store/store.js';
import { dumpOptions } from './dump.js';
import { defineCommands, int64Arg, is } from './util.js';

const E = {
  keysWithKey: 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
  connect: 'IOERR error or timeout connecting to the client',
  writing: 'IOERR error or timeout writing to target instance',
  reading: 'IOERR error or timeout reading to target instance',
  inTx: 'ERR MIGRATE inside MULTI/EXEC or a script is not supported by RedKit',
  noConn: 'ERR MIGRATE cannot run from the keyspace API (it answers later)',
};

const NOKEY = new SimpleString('NOKEY');
const CACHE_ITEMS = 64;
const CACHE_TTL_S = 10;
/** connSyncReadLine's buffer: a longer line is cut there (the rest reads as the next line). */
const LINE_MAX = 1023;
/** Unread bytes from a target past which its connection is closed. */
const BUF_MAX = 1024 * 1024;
/** Gate order: before every other gate (Redis reads nothing from other clients while MIGRATE runs). */
const GATE_MIGRATE = 1;

/** One connection to a target: bytes in, lines out, all waits on the server clock. */
class TargetLink {
  lastDbid = -1;
  lastUse = 0;
  dead = false;
  /** The last failure was a timeout (Redis does not retry after ETIMEDOUT). */
  timedOut = false;
  private buf = '';
  private waiter: (() => void) | null = null;
  closeTimer: ClockTimer | null = null;

  constructor(
    readonly name: string,
    readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('latin1');
      // A target that talks on and on (nobody reads it between MIGRATEs) is dropped, not buffered forever.
      if (this.buf.length > BUF_MAX) this.kill();
      this.wake();
    });
    socket.on('error', () => this.kill());
    socket.on('close', () => this.kill());
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w !== null) w();
  }

  kill(): void {
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
    }
    this.wake();
  }

  /** Wait for `ready()` (or death, or `ms` of server clock): true when ready. */
  private wait(server: RedKitServer, ms: number, ready: () => boolean): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    if (this.dead) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: ClockTimer | null = null;
      const check = (): void => {
        if (ready()) {
          timer?.cancel();
          resolve(true);
        } else if (this.dead) {
          timer?.cancel();
          resolve(false);
        } else {
          this.waiter = check;
        }
      };
      timer = server.clock.after(ms, () => {
        if (this.waiter === check) this.waiter = null;
        this.timedOut = true;
        resolve(false);
      });
      this.waiter = check;
    });
  }

  /** Write all of `data` within `ms`: false on error or timeout (a promise only when it must wait). */
  write(server: RedKitServer, data: Buffer, ms: number): boolean | Promise<boolean> {
    if (this.dead) return false;
    let drained = false;
    let failed = false;
    const ok = this.socket.write(data, (err) => {
      if (err) failed = true;
      drained = true;
      this.wake();
    });
    if (ok) return !this.dead;
    return this.wait(server, ms, () => drained).then((done) => done && !failed);
  }

  private hasLine(): boolean {
    const nl = this.buf.indexOf('\n');
    return (nl !== -1 && nl <= LINE_MAX) || this.buf.length >= LINE_MAX;
  }

  /**
   * One reply line without its \r\n, as connSyncReadLine reads it; null on
   * error or timeout (or an empty line). A line already received is returned
   * at once, not as a promise.
   */
  readLine(server: RedKitServer, ms: number): string | null | Promise<string | null> {
    if (this.hasLine()) return this.takeLine();
    return this.wait(server, ms, () => this.hasLine()).then((ok) => (ok ? this.takeLine() : null));
  }

  private takeLine(): string | null {
    const nl = this.buf.indexOf('\n');
    let line: string;
    if (nl !== -1 && nl <= LINE_MAX) {
      line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.length === 0) return null;
      if (line.endsWith('\r')) line = line.slice(0, -1);
    } else {
      line = this.buf.slice(0, LINE_MAX);
      this.buf = this.buf.slice(LINE_MAX);
    }
    return line;
  }
}

/** atoi(): leading blanks, a sign, digits; anything else ends the number. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

/** A command in RESP (its arguments as latin1 strings or bytes) appended to `out`. */
function encode(out: Buffer[], argv: Array<string | Buffer>): void {
  let head = `*${argv.length}\r\n`;
  for (const a of argv) {
    if (typeof a === 'string') {
      head += `$${a.length}\r\n${a}\r\n`;
    } else {
      out.push(Buffer.from(`${head}$${a.length}\r\n`, 'latin1'), a);
      head = '\r\n';
    }
  }
  out.push(Buffer.from(head, 'latin1'));
}

/** Per-server MIGRATE state: the socket cache and the client running a MIGRATE. */
class MigrateState {
  readonly cache = new Map<string, TargetLink>();
  /** The client whose MIGRATE is in flight (other clients wait). */
  running: Context | null = null;
  private waiters: Array<() => void> = [];
  private stopHooked = false;
  /** Connections being made (closed too if the server stops meanwhile). */
  private readonly connecting = new Set<net.Socket>();

  constructor(readonly server: RedKitServer) {
    server.addGate(
      (ctx, cmd, args) => {
        if (this.running === null || this.running === ctx || ctx.conn === undefined) return undefined;
        // Released, it passes this gate again: a MIGRATE released before it may be running by then.
        return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => server.dispatcher.runAfterGate(ctx, cmd, args, GATE_MIGRATE - 1));
      },
      GATE_MIGRATE,
      { onAttention: true },
    );
  }

  private runs = 0;

  begin(ctx: Context): number {
    this.running = ctx;
    this.server.setAttention(ATTENTION.MIGRATE, true);
    return ++this.runs;
  }

  /** MIGRATE answered: the held commands run once its reply is out (after this turn of the event loop). */
  end(run: number): void {
    if (this.waiters.length === 0) {
      // Nobody waits: the hold ends now (a later command from another client finds the reply out).
      this.running = null;
      this.server.setAttention(ATTENTION.MIGRATE, false);
      return;
    }
    setImmediate(() => {
      // The same client may have started another MIGRATE meanwhile.
      if (run !== this.runs) return;
      this.running = null;
      this.server.setAttention(ATTENTION.MIGRATE, false);
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) this.server.guarded('running commands held by MIGRATE', w);
    });
  }

  /** The cached connection to host:port (its last use now), if any. */
  cached(host: string, port: string): TargetLink | undefined {
    const link = this.cache.get(`${host}:${port}`);
    if (link !== undefined) this.touch(link, this.server.clock.now());
    return link;
  }

  /** A new connection (null when the address does not resolve: the caller answers the connect error). */
  async get(host: string, port: string, timeout: number): Promise<TargetLink | null> {
    const name = `${host}:${port}`;
    if (this.cache.size >= CACHE_ITEMS) {
      // Too many: one goes (Redis drops a random one).
      const keys = [...this.cache.keys()];
      this.close(keys[Math.floor(Math.random() * keys.length)]);
    }
    const p = atoi(port);
    // Redis resolves host and port with getaddrinfo (a negative port or a bad host fail there), then
    // its blocking connect succeeds whatever happens next: a refused or slow connection shows up
    // as an error or timeout of the first write. The port wraps as C's htons() does.
    if (host.length === 0 || p < 0) return null;
    // A server that stopped (its MIGRATE's connection closed under it) makes no new connection.
    if (!this.server.isListening) return null;
    let socket: net.Socket | null = null;
    let outcome: 'connected' | 'failed' | 'timeout' | 'noaddr' = 'failed';
    this.hookStop();
    if ((p & 0xffff) !== 0) {
      const s = net.connect({ host, port: p & 0xffff });
      socket = s;
      this.connecting.add(s);
      outcome = await new Promise<'connected' | 'failed' | 'timeout' | 'noaddr'>((resolve) => {
        let settled = false;
        const settle = (v: 'connected' | 'failed' | 'timeout' | 'noaddr'): void => {
          if (settled) return;
          settled = true;
          timer.cancel();
          s.removeListener('connect', onConnect);
          s.removeListener('error', onError);
          resolve(v);
        };
        const onConnect = (): void => settle('connected');
        const onError = (e: NodeJS.ErrnoException): void => settle(e.code === 'ENOTFOUND' || String(e.code).startsWith('EAI_') ? 'noaddr' : 'failed');
        s.once('connect', onConnect);
        s.once('error', onError);
        const timer = this.server.clock.after(timeout, () => settle('timeout'));
      });
    }
    if (socket !== null) this.connecting.delete(socket);
    if (outcome === 'noaddr') {
      socket?.on('error', () => undefined);
      socket?.destroy();
      return null;
    }
    if (socket === null) {
      // Port 0: nothing to connect to (Node refuses it before trying); the write fails.
      socket = new net.Socket();
    }
    socket.setNoDelay(true);
    const link = new TargetLink(name, socket);
    if (outcome === 'failed') link.kill();
    this.cache.set(name, link);
    this.touch(link, this.server.clock.now());
    return link;
  }

  /** When the server stops, its MIGRATE connections close (made or being made). */
  private hookStop(): void {
    if (this.stopHooked) return;
    this.stopHooked = true;
    this.server.onStop(() => {
      this.stopHooked = false;
      for (const k of [...this.cache.keys()]) this.close(k);
      // Their MIGRATE sees a failed connection.
      for (const s of this.connecting) s.destroy(new Error('server stopped'));
      this.connecting.clear();
    });
  }

  /** Used now: closed by the cron once more than CACHE_TTL_S whole seconds pass unused. */
  private touch(link: TargetLink, now: number): void {
    link.lastUse = now;
    link.closeTimer?.cancel();
    const at = (Math.floor(now / 1000) + CACHE_TTL_S + 1) * 1000;
    link.closeTimer = this.server.clock.at(at, () => {
      link.closeTimer = null;
      this.server.guarded('closing an idle MIGRATE connection', () => {
        if (this.cache.get(link.name) === link) this.close(link.name);
      });
    });
  }

  close(name: string): void {
    const link = this.cache.get(name);
    if (link === undefined) return;
    this.cache.delete(name);
    link.closeTimer?.cancel();
    link.closeTimer = null;
    link.kill();
  }
}

export function migrateStateOf(server: RedKitServer): MigrateState {
  let s = server.ext.migrate as MigrateState | undefined;
  if (s === undefined) {
    s = new MigrateState(server);
    server.ext.migrate = s;
  }
  return s;
}

/** INFO stats migrate_cached_sockets. */
export function migrateCachedSockets(server: RedKitServer): number {
  return (server.ext.migrate as MigrateState | undefined)?.cache.size ?? 0;
}

/** The keys the last MIGRATE of a client deleted here (the cluster fixture replays them as DEL on replicas). */
const deletedBy = new WeakMap<Context, string[]>();
export function migratedKeys(ctx: Context): string[] {
  return deletedBy.get(ctx) ?? [];
}

/** migrateGetKeys: the key argument, or every argument after KEYS (skipping AUTH/AUTH2 values). */
export function migrateKeys(args: string[]): number[] {
  // args exclude the command name: Redis's argv index i is args[i - 1].
  for (let i = 5; i < args.length; i++) {
    const a = args[i];
    if (is(a, 'KEYS')) {
      if (args[2].length > 0) return [];
      const out: number[] = [];
      for (let j = i + 1; j < args.length; j++) out.push(j);
      return out;
    }
    const l = a.toLowerCase();
    if (l === 'auth') i += 1;
    else if (l === 'auth2') i += 2;
  }
  return [2];
}

interface Parsed {
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  keys: string[];
  dbid: number;
  timeout: number;
}

/**
 * Hide a password from MONITOR and SLOWLOG, as Redis's redactClientCommandArgument: the
 * argument itself is replaced (the value was read already), so the slow log, which shows the
 * command as sent when its arguments are the ones that ran, and the recorder see it too.
 */
function redact(ctx: Context, args: string[], j: number): void {
  if (ctx.sentArgs === args) {
    args[j] = '(redacted)';
    return;
  }
  if (ctx.sentArgs[j] === undefined) return;
  ctx.sentArgs = ctx.sentArgs.slice();
  ctx.sentArgs[j] = '(redacted)';
}

function parse(ctx: Context, args: string[]): Parsed {
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let first = 2;
  let num = 1;
  for (let j = 5; j < args.length; j++) {
    const a = args[j];
    const more = args.length - 1 - j;
    if (is(a, 'COPY')) {
      copy = true;
    } else if (is(a, 'REPLACE')) {
      replace = true;
    } else if (is(a, 'AUTH')) {
      if (more < 1) throw new ReplyError(Err.syntax);
      password = args[++j];
      redact(ctx, args, j);
    } else if (is(a, 'AUTH2')) {
      if (more < 2) throw new ReplyError(Err.syntax);
      username = args[++j];
      redact(ctx, args, j);
      password = args[++j];
      redact(ctx, args, j);
    } else if (is(a, 'KEYS')) {
      if (args[2].length !== 0) throw new ReplyError(E.keysWithKey);
      first = j + 1;
      num = args.length - j - 1;
      break;
    } else {
      throw new ReplyError(Err.syntax);
    }
  }
  // getLongFromObjectOrReply: the timeout first, then the db.
  const timeoutArg = int64Arg(args[4]);
  const dbArg = int64Arg(args[3]);
  let timeout = Number(timeoutArg);
  if (timeout <= 0) timeout = 1000;
  return { copy, replace, username, password, keys: args.slice(first, first + num), dbid: Number(dbArg), timeout };
}

function migrate(ctx: Context, args: string[]): Reply | Promise<Reply> {
  deletedBy.delete(ctx);
  const p = parse(ctx, args);
  if (ctx.inMulti || ctx.inScript) throw new ReplyError(E.inTx);
  if (ctx.conn === undefined) throw new ReplyError(E.noConn);
  const db = ctx.db;
  // The keys that are here (lookupKeyRead: misses count, expired keys go).
  const present: string[] = [];
  for (const k of p.keys) if (db.get(k) !== undefined) present.push(k);
  if (present.length === 0) return NOKEY;

  const server = ctx.server;
  const st = migrateStateOf(server);
  const id = st.begin(ctx);
  let r: Promise<Reply>;
  try {
    r = run(ctx, st, args[0], args[1], p, present);
  } catch (e) {
    st.end(id);
    throw e;
  }
  return r.finally(() => st.end(id));
}

async function run(ctx: Context, st: MigrateState, host: string, port: string, p: Parsed, present: string[]): Promise<Reply> {
  const server = ctx.server;
  const db = ctx.db;
  const cluster = server.config.get('cluster-enabled') === 'yes';
  let mayRetry = true;
  for (;;) {
    let link: TargetLink | null | undefined = st.cached(host, port);
    if (link === undefined) link = await st.get(host, port, p.timeout);
    if (link === null) return new ReplyError(E.connect);
    link.timedOut = false;

    const parts: Buffer[] = [];
    if (p.password !== null) encode(parts, p.username !== null ? ['AUTH', p.username, p.password] : ['AUTH', p.password]);
    const select = link.lastDbid !== p.dbid;
    if (select) encode(parts, ['SELECT', String(p.dbid)]);
    // Serialize the keys still here, with what is left of their TTL.
    const now = ctx.clock.now();
    const opts = dumpOptions(ctx);
    const sent: string[] = [];
    for (const k of present) {
      const v = db.peek(k);
      if (v === undefined) continue;
      let ttl = 0;
      const at = db.expires.get(k);
      if (at !== undefined) {
        ttl = Number(at) - now;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      let payload: Buffer;
      try {
        payload = createDumpPayload(v, opts);
      } catch (e) {
        if (e instanceof RdbUnsupportedError) throw new ReplyError(`ERR ${e.message}`);
        throw e;
      }
      const argv: Array<string | Buffer> = [cluster ? 'RESTORE-ASKING' : 'RESTORE', k, String(ttl), payload];
      if (p.replace) argv.push('REPLACE');
      encode(parts, argv);
      sent.push(k);
    }

    // Redis writes in 64 KB chunks, each within the timeout.
    let writeError = false;
    const cmd = Buffer.concat(parts);
    for (let pos = 0; pos < cmd.length && !writeError; pos += 64 * 1024) {
      let ok = link.write(server, cmd.subarray(pos, pos + 64 * 1024), p.timeout);
      if (typeof ok !== 'boolean') ok = await ok;
      if (!ok) writeError = true;
    }

    let socketError = writeError;
    let authLine: string | null = '';
    let selectLine: string | null = '';
    if (!socketError && p.password !== null) {
      authLine = await link.readLine(server, p.timeout);
      if (authLine === null) socketError = true;
    }
    if (!socketError && select) {
      selectLine = await link.readLine(server, p.timeout);
      if (selectLine === null) socketError = true;
    }
    if (socketError) {
      // socket_err before any RESTORE reply: close, maybe retry.
      st.close(link.name);
      if (!link.timedOut && mayRetry) {
        mayRetry = false;
        continue;
      }
      return new ReplyError(writeError ? E.writing : E.reading);
    }

    let targetError: ReplyError | null = null;
    let readError = false;
    let j = 0;
    const deleted: string[] = [];
    for (; j < sent.length; j++) {
      let line = link.readLine(server, p.timeout);
      if (typeof line === 'object' && line !== null) line = await line;
      if (line === null) {
        readError = true;
        break;
      }
      const errLine = p.password !== null && authLine!.startsWith('-') ? authLine : select && selectLine!.startsWith('-') ? selectLine : line.startsWith('-') ? line : null;
      if (errLine !== null) {
        if (targetError === null) {
          link.lastDbid = -1;
          targetError = new ReplyError(`ERR Target instance replied with error: ${errLine.slice(1).replace(/[\r\n]/g, ' ')}`);
        }
      } else if (!p.copy) {
        const k = sent[j];
        if (db.delete(k)) {
          ctx.store.notify(NOTIFY.GENERIC, 'del', k, db.id);
          ctx.store.dirty++;
        }
        deleted.push(k);
      }
    }
    deletedBy.set(ctx, deleted);
    if (targetError === null && readError && j === 0 && mayRetry && !link.timedOut) {
      st.close(link.name);
      mayRetry = false;
      continue;
    }
    if (readError) st.close(link.name);
    if (targetError !== null) return targetError;
    if (readError) return new ReplyError(E.reading);
    link.lastDbid = p.dbid;
    return OK;
  }
}

export function installMigrate(server: RedKitServer): void {
  defineCommands(server, {
    migrate: { handler: migrate, getKeys: migrateKeys },
  });
}
