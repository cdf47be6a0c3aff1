/**
 * The server: listens (TCP or TLS), owns the keyspace, clock, config and
 * command table, and runs commands for its connections.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Clock, type ClockMode, type ClockTimer } from '../clock/clock.js';
import { realClearTimeout, realDateNow, realSetTimeout } from '../clock/timers.js';
import { Err, ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import { encodeReply } from '../resp/writer.js';
import { Store } from '../store/store.js';
import { Config } from './config.js';
import { REDIS_VERSION } from './version.js';
import { Connection, type ConnState } from './connection.js';
import type { Context } from './context.js';
import { ATTENTION, Dispatcher, errorStack, type Gate, type Middleware, type Observer } from './dispatch.js';
import { Blocking } from './blocking.js';
import { Acl, type AclUser } from './acl.js';
import { Logger, type LoggerOptions, type LogLevel } from './logger.js';
import { F, Registry, type Command, type CommandDefinition, type Handler } from './registry.js';

/** Gate order, following Redis's processCommand. */
export const GATE = { PUBSUB: 10, LOADING: 20, PAUSE: 30, MULTI: 90 } as const;

export type TlsOptions = tls.TlsOptions;

export interface ServerOptions {
  /** Interface to bind. Default 127.0.0.1 (never all interfaces unless asked). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Serve TLS with these Node TLS options (cert, key, ca, requestCert for mutual TLS...). */
  tls?: TlsOptions;
  /** Close a connection that takes longer than this (ms) to send a whole command. */
  readTimeout?: number;
  /** Close a connection whose output has not drained within this (ms). */
  writeTimeout?: number;
  /** Close a connection idle for this long (ms). Redis's `timeout`. Pub/sub and blocked clients are exempt. */
  idleTimeout?: number;
  /** Maximum simultaneous clients (Redis's `maxclients`). Default 10000. */
  maxConnections?: number;
  /** A Logger, logger options, or a level. Default 'warn' to stderr. */
  logger?: Logger | LoggerOptions | LogLevel;
  /** Called on every connection state change. */
  onConnState?: (conn: Connection, state: ConnState) => void;
  /** Password of the default user (Redis's `requirepass`). */
  requirepass?: string;
  /**
   * Extra users: name → ACL rules (`'on >secret ~app:* +@read'`, as ACL
   * SETUSER takes them), or name → password (a string that is not a rule
   * list: the user gets `on >password ~* &* +@all`).
   */
  users?: Record<string, string>;
  /**
   * An ACL file (`user <name> <rules...>` lines, Redis's `aclfile`): loaded
   * at start (a bad file throws), reloaded by ACL LOAD, written by ACL SAVE.
   */
  aclfile?: string;
  /** Number of databases. Default 16. */
  databases?: number;
  /** Version reported by INFO and HELLO (and to scripts). Default REDIS_VERSION, 7.0.15: see server/version.ts. */
  redisVersion?: string;
  /** The clock, or its mode ('real' | 'frozen' | 'fake-timers'). */
  clock?: Clock | ClockMode;
  /** Install the built-in Redis command set. Default true. With false only PING, ECHO and QUIT exist. */
  builtins?: boolean;
  /** Initial CONFIG parameters. */
  config?: Record<string, string>;
  /**
   * Read and write plain TCP sockets below Node's stream layer (see
   * server/direct-io.ts). Default true; false uses net.Socket's streams.
   * TLS connections and servers with an idleTimeout always use the streams.
   */
  directIo?: boolean;
}

/** The version reported when no `redisVersion` is given (server/version.ts). */
export const DEFAULT_REDIS_VERSION = REDIS_VERSION;

export interface ServerStats {
  connectionsReceived: number;
  rejectedConnections: number;
  protocolErrors: number;
  startedAt: number;
  netInputBytes: number;
  netOutputBytes: number;
}

let builtinsInstaller: ((s: RedKitServer) => void) | undefined;
let coreInstaller: ((s: RedKitServer) => void) | undefined;

/** Registered by the commands module so the server core does not import every command group. */
export function setBuiltinInstallers(core: (s: RedKitServer) => void, all: (s: RedKitServer) => void): void {
  coreInstaller = core;
  builtinsInstaller = all;
}

export class RedKitServer {
  readonly options: ServerOptions;
  readonly registry = new Registry();
  readonly clock: Clock;
  readonly store: Store;
  readonly config: Config;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly connections = new Map<number, Connection>();
  readonly stats: ServerStats;
  /** Users, rules, ACL LOG (server/acl.ts). */
  readonly acl: Acl;
  redisVersion: string;
  /** Set by setLoading(true): commands without the `loading` flag answer -LOADING. */
  loading = false;
  /** Per-server extension slots for command groups (pub/sub registry, script cache...). */
  readonly ext: Record<string, unknown> = Object.create(null);
  /** Upstream mode (src/testing/upstream.ts): every client command goes to it instead of the dispatcher. */
  upstream: { execute(ctx: Context, name: string, args: string[]): Reply | Promise<Reply> } | null = null;
  /** Blocked clients, ready keys and their deadlines (server/blocking.ts). */
  readonly blocking: Blocking = new Blocking(this);

  private server: net.Server | tls.Server | null = null;
  private nextClientId = 1;
  private shuttingDown = false;
  private listening = false;
  private boundPort = 0;
  private boundHost: string;
  private closeWaiters: Array<() => void> = [];

  constructor(options: ServerOptions = {}) {
    this.options = { ...options };
    this.logger = options.logger instanceof Logger ? options.logger : new Logger(options.logger ?? 'warn');
    this.clock = options.clock instanceof Clock ? options.clock : new Clock(options.clock ?? 'real');
    this.store = new Store(this.clock, options.databases ?? 16);
    this.redisVersion = options.redisVersion ?? DEFAULT_REDIS_VERSION;
    this.boundHost = options.host ?? '127.0.0.1';
    this.config = new Config({
      databases: String(this.store.dbs.length),
      maxclients: String(options.maxConnections ?? 10000),
      timeout: String(Math.floor((options.idleTimeout ?? 0) / 1000)),
      requirepass: options.requirepass ?? '',
      bind: this.boundHost,
      ...options.config,
    });
    this.dispatcher = new Dispatcher(this.registry, this.logger);
    this.acl = new Acl(
      () => this.registry.all(),
      () => this.clock.now(),
      (ctx) => (this.ext.clientInfoLine as ((c: Context) => string) | undefined)?.(ctx) ?? `id=${ctx.id}`,
    );
    this.acl.onUserChanged = (u, deleted, by) => this.onAclUserChanged(u, deleted, by);
    if (options.requirepass) this.setPassword('default', options.requirepass);
    // What clock-scheduled work (expiry, blocking timeouts, user timers) throws is logged, not thrown.
    if (this.clock.onError === undefined) this.clock.onError = (e) => this.logger.error(`scheduled work threw: ${errorStack(e)}`);
    this.stats = { connectionsReceived: 0, rejectedConnections: 0, protocolErrors: 0, startedAt: this.clock.now(), netInputBytes: 0, netOutputBytes: 0 };
    this.installCoreGates();
    if (options.builtins === false) coreInstaller?.(this);
    else builtinsInstaller?.(this);
    // Users: the ACL file first (it defines the whole set), then the `users` option.
    const aclfile = options.aclfile ?? options.config?.aclfile;
    if (aclfile) {
      this.config.setRaw('aclfile', aclfile);
      (this.ext.loadAclFile as (() => void) | undefined)?.();
    }
    for (const [u, p] of Object.entries(options.users ?? {})) this.acl.setUser(u, userSpecToRules(p));
  }

  // ---- command table and middleware -------------------------------------------------

  /** Register (or replace) a command. Name is case-insensitive. */
  registerCommand(name: string, def: Handler | CommandDefinition): Command {
    return this.registry.add(name, def, false);
  }

  /** Seed-style alias of registerCommand. */
  registerCommandFunc(name: string, handler: Handler): Command {
    return this.registerCommand(name, handler);
  }

  /** Register a built-in command (metadata from Redis). Used by the command groups. */
  registerBuiltin(name: string, def: CommandDefinition): Command {
    return this.registry.add(name, def, true);
  }

  unregisterCommand(name: string): boolean {
    return this.registry.remove(name);
  }

  /** Add middleware: `(ctx, cmd, next) => reply`, composed in registration order. */
  use(mw: Middleware): () => void {
    this.dispatcher.middleware.push(mw);
    return () => {
      const i = this.dispatcher.middleware.indexOf(mw);
      if (i >= 0) this.dispatcher.middleware.splice(i, 1);
    };
  }

  /**
   * Add a pre-execution gate. `order` follows Redis's processCommand:
   * GATE.PUBSUB (10) < GATE.LOADING (20) < GATE.PAUSE (30) < GATE.MULTI (90).
   * With `onAttention`, the gate only sees commands while the client
   * (ctx.attention) or the server (setAttention) has an ATTENTION bit set,
   * which keeps ordinary commands off the gate path.
   */
  addGate(g: Gate, order = 50, opts: { onAttention?: boolean } = {}): void {
    this.dispatcher.addGate(g, order, opts.onAttention === true);
  }

  // ---- loading and pause (server-level controls) --------------------------------------

  /** Answer -LOADING to every command without the `loading` flag (INFO says loading:1). */
  setLoading(on: boolean): void {
    this.loading = on;
    this.setAttention(ATTENTION.LOADING, on);
  }

  private pausedUntil = 0;
  private pauseMode: 'all' | 'write' = 'all';
  private pauseTimer: ClockTimer | null = null;
  private pauseWaiters: Array<() => void> = [];

  /**
   * CLIENT PAUSE: hold clients' commands (all, or only writes) for `ms`
   * milliseconds of the server clock (a virtual clock advanced past the end
   * ends the pause; a frozen one keeps it until CLIENT UNPAUSE).
   */
  pause(ms: number, mode: 'all' | 'write' = 'all'): void {
    const until = this.clock.now() + ms;
    // A new pause never shortens a running one (Redis keeps the later end time).
    if (this.pausedUntil !== 0 && until <= this.pausedUntil && mode === this.pauseMode) return;
    this.pausedUntil = Math.max(until, this.pausedUntil);
    this.setAttention(ATTENTION.PAUSED, true);
    this.pauseMode = mode;
    if (this.pauseTimer !== null) this.pauseTimer.cancel();
    this.pauseTimer = this.clock.at(this.pausedUntil, () => {
      this.pauseTimer = null;
      this.guarded('ending CLIENT PAUSE', () => this.unpause());
    });
  }

  /** CLIENT UNPAUSE: let held commands run (those a failover still holds wait on). */
  unpause(): void {
    this.pausedUntil = 0;
    this.setAttention(ATTENTION.PAUSED, this.failoverHold);
    if (this.pauseTimer !== null) {
      this.pauseTimer.cancel();
      this.pauseTimer = null;
    }
    this.releaseHeld();
  }

  /**
   * FAILOVER's own pause of writes (Redis's PAUSE_DURING_FAILOVER): held
   * until the failover ends, whatever CLIENT PAUSE / UNPAUSE do meanwhile.
   */
  holdWritesForFailover(on: boolean): void {
    this.failoverHold = on;
    this.setAttention(ATTENTION.PAUSED, on || this.pausedUntil !== 0);
    if (!on) this.releaseHeld();
  }

  private failoverHold = false;

  /** Whether a pause holds this command now (all commands, or only writes). */
  private holds(ctx: Context, cmd: Command): boolean {
    if (this.pausedUntil === 0 && !this.failoverHold) return false;
    if (this.pausedUntil !== 0 && this.pauseMode === 'all') return true;
    return (this.flagsOf(ctx, cmd) & (F.write | F.may_replicate)) !== 0;
  }

  /** Run the held commands again through the pause check, in the order they came. */
  private releaseHeld(): void {
    const ws = this.pauseWaiters;
    this.pauseWaiters = [];
    for (const w of ws) w();
    // Keys made ready while paused serve their blocked clients now.
    if (this.blocking.hasReady) this.blocking.handleReady();
  }

  /** Run a server timer's work: what it throws is logged, never thrown into Node's timer loop. */
  guarded(doing: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error(`internal error while ${doing}: ${errorStack(e)}`);
    }
  }

  /** Turn a server-level attention bit on or off (gates run while any is on). */
  setAttention(bit: number, on: boolean): void {
    const d = this.dispatcher;
    d.attention = on ? d.attention | bit : d.attention & ~bit;
  }

  /**
   * The flags a command counts with where the gates look at them (Redis's getCommandFlags):
   * given the flags so far, returns them changed. Set by the transactions module (an EXEC counts
   * with its queue's flags) and scripting (EVAL/EVALSHA/FCALL with a flagged script count with the
   * script's flags instead of their own stale / write / denyoom / may-replicate). Hooks chain:
   * each one calls the one it replaced. Only gates call it (through flagsOf).
   */
  commandFlags: ((ctx: Context, cmd: Command, flags: number) => number) | undefined;

  /** A command's flags as the gates see them (commandFlags applied). */
  flagsOf(ctx: Context, cmd: Command): number {
    const f = this.commandFlags;
    return f === undefined ? cmd.flagBits : f(ctx, cmd, cmd.flagBits);
  }

  isPaused(): boolean {
    return this.pausedUntil !== 0 || this.failoverHold;
  }

  private installCoreGates(): void {
    this.addGate((_ctx, cmd) => {
      if (this.loading && (cmd.flagBits & F.loading) === 0) return new ReplyError(Err.loading);
      return undefined;
    }, GATE.LOADING, { onAttention: true });
    this.addGate((ctx, cmd, args) => {
      if (!this.holds(ctx, cmd)) return undefined;
      // Held (again while a pause still holds it), then on through the later gates (a client in MULTI queues it then).
      const held = (): Promise<Reply> =>
        new Promise<void>((resolve) => this.pauseWaiters.push(resolve)).then(() => (this.holds(ctx, cmd) ? held() : this.dispatcher.runAfterGate(ctx, cmd, args, GATE.PAUSE)));
      return held();
    }, GATE.PAUSE, { onAttention: true });
  }

  /** Observe every executed command and its reply. Returns a remover. */
  observe(o: Observer): () => void {
    this.dispatcher.observers.push(o);
    return () => {
      const i = this.dispatcher.observers.indexOf(o);
      if (i >= 0) this.dispatcher.observers.splice(i, 1);
    };
  }

  execute(ctx: Context, name: string, args: string[]): Reply | Promise<Reply> {
    if (this.upstream !== null) return this.upstream.execute(ctx, name, args);
    return this.dispatcher.execute(ctx, name, args);
  }

  /** The error reply for a thrown value, logged with the client's last command (see Dispatcher.errorToReply). */
  errorToReply(e: unknown, conn?: Connection): ReplyError {
    return this.dispatcher.errorToReply(e, conn?.command, conn);
  }

  // ---- auth -------------------------------------------------------------------------

  /** The users (ACL); name → user. */
  get users(): Map<string, AclUser> {
    return this.acl.users;
  }

  /** New connections must authenticate: the default user has a password (not `nopass`) or is off. */
  requiresAuth(): boolean {
    const d = this.acl.defaultUser;
    return !d.nopass || !d.enabled;
  }

  /** Check a user/password pair (AUTH, HELLO AUTH): the user exists, is on, and the password matches. */
  checkPassword(user: string, password: string): boolean {
    const u = this.acl.users.get(user);
    return u !== undefined && u.checkPassword(password);
  }

  /** Set a user's only password (null or '': nopass), as requirepass does for the default user. */
  setPassword(user: string, password: string | null): void {
    const rules = password === null || password === '' ? ['resetpass', 'nopass'] : ['resetpass', '>' + password];
    if (!this.acl.users.has(user)) rules.push('on', '~*', '&*', '+@all');
    this.acl.setUser(user, rules);
    if (user === 'default') this.config.setRaw('requirepass', password ?? '');
  }

  /**
   * A user was deleted (or changed): its connections are closed after the
   * current command, as Redis frees them; subscribers that lost access to a
   * channel are closed too (Redis 7.0 ACLKillPubsubClientsIfNeeded).
   */
  private onAclUserChanged(u: AclUser, deleted: boolean, by: Context | undefined): void {
    for (const c of this.connections.values()) {
      if (c.aclUser !== u) continue;
      let close = deleted;
      if (!deleted && c.ext.subscriptions !== undefined && !u.unrestricted) close = (this.ext.pubsubLostAccess as ((c: Connection, u: AclUser) => boolean) | undefined)?.(c, u) === true;
      if (!close) continue;
      if (deleted) c.authenticated = false;
      // The client running the command gets its reply first; others are closed now.
      if (c === by) c.closeAfterCurrentReply();
      else c.destroy();
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.boundHost;
  }

  get url(): string {
    const h = this.boundHost.includes(':') ? `[${this.boundHost}]` : this.boundHost;
    return `${this.options.tls ? 'rediss' : 'redis'}://${h}:${this.boundPort}`;
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** Start listening. Resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ host: string; port: number }> {
    if (this.server) return Promise.reject(new Error('RedKit: server is already listening'));
    const p = port ?? this.options.port ?? 0;
    const h = host ?? this.boundHost;
    const onSocket = (socket: net.Socket) => this.accept(socket);
    // tls-auth-clients (Redis: yes by default) applies when a CA for client certificates
    // is given and the TLS options do not say themselves: yes = a certificate the CA
    // issued is required, optional = verified when presented, no = not asked for.
    let tlsOpts = this.options.tls;
    if (tlsOpts !== undefined && tlsOpts.ca !== undefined && tlsOpts.requestCert === undefined) {
      const mode = (this.config.get('tls-auth-clients') ?? 'yes').toLowerCase();
      if (mode !== 'no') tlsOpts = { ...tlsOpts, requestCert: true, rejectUnauthorized: mode === 'yes' };
    }
    // optional: a certificate that is presented must verify (OpenSSL's SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT).
    const optional = tlsOpts !== undefined && tlsOpts !== this.options.tls && tlsOpts.rejectUnauthorized === false;
    const onTls = !optional
      ? onSocket
      : (socket: net.Socket) => {
          const t = socket as tls.TLSSocket;
          if (!t.authorized && t.getPeerCertificate !== undefined && Object.keys(t.getPeerCertificate() ?? {}).length !== 0) {
            this.logger.info(`Error accepting a client connection: ${String(t.authorizationError)} (addr=${t.remoteAddress ?? '?'}:${t.remotePort ?? '?'})`);
            socket.destroy();
            return;
          }
          onSocket(socket);
        };
    const srv = tlsOpts ? tls.createServer(tlsOpts, onTls) : net.createServer({ noDelay: true }, onSocket);
    if (tlsOpts) {
      srv.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) =>
        this.logger.info(`Error accepting a client connection: ${err.code ? `${err.code}: ` : ''}${err.message} (addr=${socket?.remoteAddress ?? '?'}:${socket?.remotePort ?? '?'})`),
      );
    }
    this.server = srv;
    this.shuttingDown = false;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.server = null;
        reject(err);
      };
      srv.once('error', onError);
      // tcp-backlog (511 by default, as Redis): the accept queue a connection storm fills.
      const backlog = Number(this.config.get('tcp-backlog') ?? 511);
      srv.listen({ port: p, host: h, backlog: Number.isFinite(backlog) && backlog > 0 ? backlog : 511 }, () => {
        srv.off('error', onError);
        srv.on('error', (err) => this.logger.error(`server error: ${err.message}`));
        const addr = srv.address() as net.AddressInfo;
        this.boundPort = addr.port;
        this.boundHost = h;
        this.listening = true;
        this.config.setRaw('port', String(addr.port));
        this.logger.info(`listening on ${this.url}`);
        resolve({ host: h, port: addr.port });
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.stats.connectionsReceived++;
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    const max = Number(this.config.get('maxclients') ?? 10000);
    if (this.connections.size >= max) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      // Like Redis: write the error and close. Input the client already sent is
      // discarded (resume), or the socket would wait for it to be read and never close.
      socket.end(encodeReply(new ReplyError(Err.maxClients)));
      socket.resume();
      return;
    }
    if (protectedModeDenies(this.config.get('protected-mode') === 'yes', this.acl.defaultUser.nopass, socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.end(PROTECTED_MODE_DENIED);
      socket.resume();
      return;
    }
    let conn: Connection;
    try {
      conn = new Connection(this, socket, this.nextClientId++);
    } catch (e) {
      // The last line of defence: a connection that cannot be set up costs only itself.
      this.logger.error(`accepting a connection failed: ${errorStack(e)}`);
      socket.destroy();
      return;
    }
    this.connections.set(conn.id, conn);
    this.connStateChanged(conn, 'new');
  }

  /** Next client id (also used by internal pseudo-clients such as scripts). */
  allocateClientId(): number {
    return this.nextClientId++;
  }

  connStateChanged(conn: Connection, state: ConnState): void {
    const hook = this.options.onConnState;
    if (hook === undefined) return;
    try {
      hook(conn, state);
    } catch (e) {
      this.logger.error(`onConnState hook threw: ${(e as Error).message}`);
    }
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.id);
    if (this.connections.size === 0 && this.closeWaiters.length) {
      const ws = this.closeWaiters;
      this.closeWaiters = [];
      for (const w of ws) w();
    }
  }

  /**
   * Graceful shutdown: stop accepting, let commands in flight answer, then
   * close every connection. After `timeout` ms (default 5000) the remaining
   * connections are closed anyway.
   */
  async shutdown(opts: { timeout?: number } = {}): Promise<void> {
    if (!this.server) return;
    this.shuttingDown = true;
    const srv = this.server;
    const closed = new Promise<void>((r) => srv.close(() => r()));
    const timeout = opts.timeout ?? 5000;
    // Let in-flight (busy) connections finish, then end each one.
    const deadline = realDateNow() + timeout;
    await new Promise<void>((resolve) => {
      const tick = () => {
        // A client blocked on keys (BLPOP k 0) would hold the shutdown for its whole timeout: it goes too.
        for (const c of this.connections.values()) if (!c.isBusy || this.blocking.isBlocked(c.id)) this.guarded('closing a connection', () => c.end());
        if (this.connections.size === 0) return resolve();
        if (realDateNow() >= deadline) {
          for (const c of this.connections.values()) c.destroy();
          return resolve();
        }
        realSetTimeout(tick, 5);
      };
      tick();
    });
    await this.waitForConnectionsClosed(1000);
    await closed;
    this.teardown();
  }

  /** Close now: drop every connection and stop listening. */
  async close(): Promise<void> {
    const srv = this.server;
    this.shuttingDown = true;
    for (const c of this.connections.values()) c.destroy();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
    await this.waitForConnectionsClosed(1000);
    this.teardown();
  }

  private waitForConnectionsClosed(ms: number): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = realSetTimeout(() => {
        for (const c of this.connections.values()) c.destroy();
        resolve();
      }, ms);
      this.closeWaiters.push(() => {
        realClearTimeout(t);
        resolve();
      });
    });
  }

  private teardown(): void {
    this.server = null;
    this.listening = false;
    for (const fn of this.disposers.splice(0)) fn();
  }

  private disposers: Array<() => void> = [];

  /** Run fn when the server stops (command groups release timers here). */
  onStop(fn: () => void): void {
    this.disposers.push(fn);
  }

  /** Stop the clock's timers and expiry (a server that will not listen again). */
  dispose(): void {
    this.store.dispose();
    this.clock.dispose();
  }
}

export function createServer(options: ServerOptions = {}): RedKitServer {
  return new RedKitServer(options);
}

/** `users` option values: ACL rules when every token is one, else a password. */
export function userSpecToRules(spec: string): string[] {
  const toks = spec.split(/\s+/).filter((t) => t !== '');
  const probe = new Acl(() => [], () => 0, () => '');
  try {
    probe.setUser('probe', toks);
    if (toks.length > 0) return toks;
  } catch {
    // not rules: a password
  }
  return ['on', '>' + spec, '~*', '&*', '+@all'];
}

/** What Redis 7.0.15 writes, then closes, to a non-loopback client in protected mode. */
export const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/**
 * Redis's protected mode: with `protected-mode yes` and a default user
 * without password (`nopass`), only loopback clients are accepted. Like
 * Redis's connIsLocal, loopback is exactly 127.0.0.1 or ::1 (127.0.0.2 is
 * not); a socket without a remote address (unix socket) is local.
 */
export function protectedModeDenies(protectedMode: boolean, defaultNopass: boolean, remoteAddress: string | undefined): boolean {
  if (!protectedMode || !defaultNopass || remoteAddress === undefined || remoteAddress === '') return false;
  const a = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
  return a !== '127.0.0.1' && a !== '::1';
}
