/**
 * The test fixture: `await startRedKit()` gives a real Redis-compatible server
 * on an ephemeral loopback port, with a virtual clock, a programmable
 * keyspace, a command recorder and fault injection.
 */
import { Clock, parseDuration, type ClockMode, type Duration } from '../clock/clock.js';
import { replicationOf } from '../replication/index.js';
import { pauseReplication, resumeReplication, synced as replSynced } from '../replication/fixture.js';
import { realSetTimeout } from '../clock/timers.js';
import type { Handler, CommandDefinition } from '../server/registry.js';
import type { Logger, LoggerOptions, LogLevel } from '../server/logger.js';
import { createServer, type RedKitServer, type TlsOptions } from '../server/server.js';
import { Faults } from './faults.js';
import { DbHandle } from './keyspace.js';
import { Recorder, type RecordedCommand, type RecorderOptions } from './recorder.js';
import fs from 'node:fs';
import { persistenceOf } from '../commands/persistence.js';
import type { LoadedRdb } from '../store/rdb-file.js';
import { readSeedFile, restoreSnapshot, takeSnapshot, type Snapshot } from './snapshot.js';
import { FunctionsHandle, ScriptsHandle } from './scripts.js';
import { fromBinary } from './values.js';
import { Upstream } from './upstream.js';
export type { Snapshot };

export interface RedKitOptions {
  /** Port to bind; default 0 (a free ephemeral port). */
  port?: number;
  /** Interface; default 127.0.0.1. */
  host?: string;
  /** Password of the default user. */
  password?: string;
  /**
   * Extra users: name → ACL rules as ACL SETUSER takes them
   * (`{ app: 'on >secret ~app:* +@read +@write' }`), or name → password
   * (a string that is not a list of rules: `on >password ~* &* +@all`).
   */
  users?: Record<string, string>;
  /** An ACL file (`user <name> <rules...>` lines): loaded at start, ACL LOAD / ACL SAVE use it. */
  aclfile?: string;
  tls?: TlsOptions;
  /** Number of databases (default 16). */
  databases?: number;
  /** Version reported by INFO and HELLO (default 7.0.15, REDIS_VERSION: see server/version.ts). */
  redisVersion?: string;
  /**
   * Initial data: a snapshot object, RDB bytes, or the path of a file — a
   * dump.rdb (recognised by its magic, any RDB version 1..10) or a JSON
   * snapshot/seed.
   */
  seed?: Snapshot | string | Uint8Array;
  /**
   * The clock: 'real' (default; real time plus an offset that advance/set move),
   * 'frozen' (starts frozen), 'fake-timers' (follows the test's faked Date.now()),
   * or a Clock instance.
   */
  clock?: ClockMode | Clock;
  /** Extra commands: name → handler or definition. */
  commands?: Record<string, Handler | CommandDefinition>;
  /** Record commands (default true), or recorder options. */
  record?: boolean | RecorderOptions;
  logger?: Logger | LoggerOptions | LogLevel;
  /** CONFIG parameters to start with. */
  config?: Record<string, string>;
  /** Socket I/O below Node's streams (default true); see ServerOptions.directIo. */
  directIo?: boolean;
  /**
   * Upstream mode: `'redis://host:port'` of a real Redis. Every command is
   * recorded, goes through fault rules, and is forwarded on one upstream
   * connection per client (docs/testing.md, "Using upstream mode"). The
   * keyspace API, seeds, snapshots, RDB files, the virtual clock, pause and
   * loading are not available in this mode.
   */
  upstream?: string;
  /**
   * Start this many replicas (RedKit servers replicating this one over
   * Redis's protocol; `redkit.replicas`). They share this server's clock.
   */
  replicas?: number;
  /** Replicate this master from the start (REPLICAOF host port). */
  replicaOf?: { host: string; port: number };
}

/** The error the fixture's local-data APIs throw in upstream mode. */
function notInUpstream(what: string, url: string): Error {
  return new Error(`RedKit: ${what} is not available in upstream mode: the data and the clock are the upstream Redis's (${url}); use a client connected to RedKit instead`);
}

export class RedKit {
  readonly server: RedKitServer;
  private readonly localClock: Clock;
  /** The upstream handler in upstream mode, else null. */
  readonly upstream: Upstream | null = null;
  readonly recorder: Recorder;
  readonly faults: Faults;
  /** The EVAL script cache: list(), load(source) -> sha, flush(). */
  readonly scripts: ScriptsHandle;
  /** Function libraries: load(code, { replace }), list(), delete(name), flush(). */
  readonly functions: FunctionsHandle;
  private readonly dbs = new Map<number, DbHandle>();
  private readonly options: RedKitOptions;
  private stopped = false;
  /** Replicas started with the `replicas` option (stopped with this server). */
  readonly replicas: RedKit[] = [];
  /** The clock belongs to another RedKit (a replica shares its master's): stop() leaves it alone. */
  private sharedClock = false;

  constructor(options: RedKitOptions = {}) {
    this.options = options;
    if (options.upstream !== undefined) {
      if (options.seed !== undefined) throw notInUpstream('seed', options.upstream);
      if (options.clock !== undefined && options.clock !== 'real') throw notInUpstream('the virtual clock', options.upstream);
    }
    this.localClock = options.clock instanceof Clock ? options.clock : new Clock(options.clock ?? 'real');
    // A clock passed in belongs to the caller (servers sharing it stop one by one): stop() leaves it alone.
    this.sharedClock = options.clock instanceof Clock;
    this.server = createServer({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      requirepass: options.password,
      users: options.users,
      aclfile: options.aclfile,
      tls: options.tls,
      databases: options.databases,
      redisVersion: options.redisVersion,
      clock: this.localClock,
      logger: options.logger ?? 'warn',
      directIo: options.directIo,
    });
    // DEBUG is allowed from local connections in the fixture (redis-server's default is `no`).
    this.server.config.setRaw('enable-debug-command', 'local');
    this.applyConfig(options.config);
    for (const [name, def] of Object.entries(options.commands ?? {})) this.server.registerCommand(name, def);
    const rec = options.record;
    this.recorder = new Recorder(typeof rec === 'object' ? rec : {});
    this.recorder.enabled = rec !== false;
    this.recorder.attach(this.server);
    this.faults = new Faults(this.server, this.recorder);
    this.faults.attach();
    if (options.upstream !== undefined) {
      try {
        this.upstream = new Upstream(this.server, options.upstream);
      } catch (e) {
        this.server.dispose();
        throw e;
      }
      this.server.upstream = this.upstream;
      const mws = this.server.dispatcher.middleware;
      this.upstream.passThrough = () => !this.recorder.enabled && this.faults.size === 0 && mws.length === 2;
      // User middleware, or a fault that writes or closes by itself: one command at a time.
      this.upstream.serialize = () => mws.length !== 2 || (this.faults.size !== 0 && this.faults.writesOutOfBand);
      // Only the recorder watching: a client read may go upstream before it is parsed.
      this.upstream.observeOnly = () => this.faults.size === 0 && mws.length === 2;
    }
    this.scripts = new ScriptsHandle(this.server);
    this.functions = new FunctionsHandle(this.server);
    // The recorder entry of EVAL/EVALSHA/FCALL says which script ran.
    this.server.ext.scriptObserver = (info: NonNullable<RecordedCommand['script']>) => {
      const e = this.recorder.current;
      if (e !== undefined) e.script = info;
    };
    if (options.seed !== undefined) {
      try {
        this.restore(options.seed, { flush: false });
      } catch (e) {
        this.server.dispose();
        throw e;
      }
    }
  }

  /**
   * Initial CONFIG parameters go through CONFIG SET (validated, canonical
   * form, applied: notify-keyspace-events, maxmemory-policy...); immutable
   * ones are set as they are.
   */
  private applyConfig(config: Record<string, string> | undefined): void {
    if (!config) return;
    const cfg = this.server.config;
    const settable: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(config)) {
      if (cfg.has(k) && cfg.isImmutable(k)) cfg.setRaw(k, v);
      else settable.push([k, v]);
    }
    try {
      if (settable.length) cfg.setMany(settable, { allowProtected: true });
    } catch (e) {
      this.server.dispose();
      throw new Error(`RedKit: bad config option: ${(e as Error).message}`);
    }
  }

  /** The server clock (virtual time). Not available in upstream mode. */
  get clock(): Clock {
    this.local('the clock');
    return this.localClock;
  }

  /** Throws in upstream mode: `what` needs RedKit's own data or clock. */
  private local(what: string): void {
    if (this.upstream !== null) throw notInUpstream(what, this.upstream.target.url);
  }

  /** Start listening (startRedKit() does this for you). */
  async start(): Promise<this> {
    await this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    const o = this.options;
    if (o.replicaOf !== undefined) replicationOf(this.server).replicaOf(o.replicaOf.host, o.replicaOf.port);
    for (let i = 0; i < (o.replicas ?? 0); i++) {
      const r = new RedKit(replicaOptions(o, this.clock, { host: this.host, port: this.port }));
      r.sharedClock = true;
      this.replicas.push(r);
      await r.start();
    }
    if (o.replicaOf !== undefined || this.replicas.length !== 0) await this.synced();
    return this;
  }

  /**
   * Wait for replication to catch up: on a replica, until it applied what
   * its master had written; on a master, until every replica acknowledged
   * every write so far.
   */
  synced(timeoutMs = 10000): Promise<void> {
    if (replicationOf(this.server).link !== null) return replSynced(this.server, timeoutMs);
    return Promise.all([replSynced(this.server, timeoutMs), ...this.replicas.map((r) => replSynced(r.server, timeoutMs))]).then(() => undefined);
  }

  /** On a replica: stop applying the master's stream (buffered) so reads see stale data. */
  pauseReplication(): void {
    pauseReplication(this.server);
  }

  /** On a replica: apply the buffered stream and go on. */
  resumeReplication(): void {
    resumeReplication(this.server);
  }

  /** REPLICAOF host port (or `null`: REPLICAOF NO ONE). */
  replicaOf(master: { host: string; port: number } | null): void {
    const r = replicationOf(this.server);
    if (master === null) r.promote();
    else r.replicaOf(master.host, master.port);
  }

  /** 'master' or 'replica'. */
  get role(): 'master' | 'replica' {
    return replicationOf(this.server).link === null ? 'master' : 'replica';
  }

  /** ACL users and the ACL LOG (see docs/testing.md, "Testing with ACL users"). */
  get acl(): RedKitAcl {
    return (this._acl ??= new RedKitAcl(this.server));
  }
  private _acl: RedKitAcl | undefined;

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** `redis://127.0.0.1:PORT` (`rediss://` with TLS). Includes no credentials. */
  get url(): string {
    return this.server.url;
  }

  /** Recorded commands for assertions (flattened, without connection chatter). */
  get commands(): RecordedCommand[] {
    return this.recorder.list();
  }

  /** Direct access to database `n` (default 0). */
  db(n = 0): DbHandle {
    this.local('db()');
    let h = this.dbs.get(n);
    if (!h) {
      if (!Number.isInteger(n) || n < 0 || n >= this.server.store.dbs.length) throw new RangeError(`RedKit: no database ${n} (databases: ${this.server.store.dbs.length})`);
      h = new DbHandle(this.server, n);
      this.dbs.set(n, h);
    }
    return h;
  }

  /** Every database, type and TTL as plain JSON-serialisable data. */
  snapshot(): Snapshot {
    this.local('snapshot()');
    const s = takeSnapshot(this.server);
    const codes = this.functions.codes();
    if (codes.length > 0) s.functions = codes.map(fromBinary);
    return s;
  }

  /**
   * Replace the keyspace with a snapshot (`flush: false` adds it on top).
   * RDB bytes, or the path of a dump.rdb, always replace the whole keyspace.
   */
  restore(snapshot: Snapshot | string | Uint8Array, opts: { flush?: boolean } = {}): void {
    this.local('restore()');
    const s = typeof snapshot === 'string' ? readSeedFile(snapshot) : snapshot;
    if (s instanceof Uint8Array) this.loadRdb(s);
    else {
      restoreSnapshot(this.server, s, opts);
      if (opts.flush !== false) this.functions.flush();
      for (const code of s.functions ?? []) this.functions.load(code, { replace: true });
    }
  }

  /**
   * The keyspace as a dump.rdb (RDB version 10, as redis-server 7.0 writes
   * it); also written to `path` when given.
   */
  saveRdb(path?: string): Buffer {
    this.local('saveRdb()');
    const bytes = persistenceOf(this.server).dump();
    if (path !== undefined) fs.writeFileSync(path, bytes);
    return bytes;
  }

  /**
   * Replace the keyspace with an RDB file's contents (bytes or a path; RDB
   * versions 1..10). A corrupt file throws an RdbLoadError naming the key or
   * offset, and the keyspace is left as it was. Keys whose deadline has
   * passed on the clock are skipped, as redis-server does.
   */
  loadRdb(source: Uint8Array | string): LoadedRdb {
    this.local('loadRdb()');
    const bytes = typeof source === 'string' ? fs.readFileSync(source) : source;
    return persistenceOf(this.server).load(bytes);
  }

  /**
   * For beforeEach: remove the fault rules (commands they held go on), flush
   * every database, clear the recorder, reset the clock to real time (or to
   * the mode it was created with), end pauses and loading. Connections stay
   * open; CONFIG changes stay.
   */
  async reset(): Promise<void> {
    this.faults.clear();
    if (this.upstream !== null) {
      // Upstream mode: the data is the upstream's, left as it is.
      this.recorder.clear();
      return;
    }
    this.server.store.flushAll();
    this.scripts.flush();
    this.functions.flush();
    // Replicas follow (the flush goes down the replication stream).
    replicationOf(this.server).master.propagateCommand(['FLUSHALL']);
    replicationOf(this.server).master.propagateCommand(['FUNCTION', 'FLUSH']);
    for (const r of this.replicas) r.resumeReplication();
    this.recorder.clear();
    this.localClock.reset();
    this.server.unpause();
    this.server.setLoading(false);
    for (const r of this.replicas) await r.reset();
    if (this.replicas.length !== 0) {
      // The flush reached the replicas (a test may read from them at once); their recorders start empty.
      await this.synced();
      for (const r of this.replicas) r.recorder.clear();
    }
  }

  /** Close every client connection now (clients see the server go away). Returns how many were closed. */
  disconnectAll(): number {
    const conns = [...this.server.connections.values()];
    for (const c of conns) c.destroy();
    return conns.length;
  }

  /**
   * Hold clients' commands for `ms` of the server clock (a number or
   * '500ms', '2s'; `clock.advance()` past the end ends it, a frozen clock
   * keeps it), like CLIENT PAUSE: 'all' (default) holds every command,
   * 'write' only writes. Held commands run, in order, when the pause ends.
   */
  pause(ms: Duration, mode: 'all' | 'write' = 'all'): void {
    this.local('pause()');
    this.server.pause(parseDuration(ms), mode);
  }

  /** End a pause now (CLIENT UNPAUSE). */
  unpause(): void {
    this.server.unpause();
  }

  /**
   * While on, commands answer `-LOADING Redis is loading the dataset in
   * memory` (except those Redis allows while loading, such as INFO, PING,
   * HELLO) and INFO says loading:1.
   */
  setLoading(on: boolean): void {
    this.local('setLoading()');
    this.server.setLoading(on);
  }

  get loading(): boolean {
    return this.server.loading;
  }

  /**
   * Stop and start again on the same port: every connection is closed.
   * `keepData: false` starts empty (default: the data survives, as with
   * persistence); `downtime` keeps the port closed that long (real time)
   * before listening again.
   */
  async restart(opts: { keepData?: boolean; downtime?: Duration } = {}): Promise<void> {
    if (this.stopped) throw new Error('RedKit: restart() after stop()');
    const port = this.server.port;
    await this.server.close();
    if (opts.keepData === false) this.server.store.flushAll();
    if (opts.downtime !== undefined) {
      const ms = parseDuration(opts.downtime);
      await new Promise((r) => realSetTimeout(r, ms));
    }
    await this.server.listen(port, this.options.host ?? '127.0.0.1');
    // A replica replicates again (its link ended with the server).
    const link = replicationOf(this.server).link;
    if (link !== null) replicationOf(this.server).replicaOf(link.host, link.port);
  }

  /** Stop the server: close every connection, stop listening, release timers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const r of this.replicas) await r.stop();
    this.faults.dispose();
    await this.server.close();
    if (this.sharedClock) this.server.store.dispose();
    else this.server.dispose();
  }
}

/** Start a RedKit server for a test (127.0.0.1, ephemeral port by default). */
export async function startRedKit(options: RedKitOptions = {}): Promise<RedKit> {
  const r = new RedKit(options);
  await r.start();
  return r;
}

/** One ACL LOG entry (ACL LOG's fields; age in seconds on the server clock). */
export interface AclLogEntry {
  count: number;
  reason: 'command' | 'key' | 'channel' | 'auth';
  context: 'toplevel' | 'multi' | 'lua';
  object: string;
  username: string;
  ageSeconds: number;
  clientInfo: string;
}

/** `redkit.acl`: users and the ACL LOG, without a client. */
export class RedKitAcl {
  constructor(private readonly server: RedKitServer) {}

  /** ACL SETUSER: rules as one string (`'on >pw ~k:* +get'`) or a list; throws the ACL error. */
  setUser(name: string, rules: string | string[] = []): void {
    const list = typeof rules === 'string' ? rules.split(/\s+/).filter((r) => r !== '') : rules;
    this.server.acl.setUser(name, list);
  }

  /** ACL DELUSER (the user's connections are closed). */
  deleteUser(name: string): boolean {
    return this.server.acl.deleteUser(name);
  }

  /** User names (ACL USERS). */
  users(): string[] {
    return [...this.server.acl.users.keys()].sort();
  }

  /** The ACL LIST line of a user (`user app on #... ~app:* resetchannels -@all +@read`), or undefined. */
  describe(name: string): string | undefined {
    const u = this.server.acl.users.get(name);
    return u === undefined ? undefined : `user ${name} ${u.describe()}`;
  }

  /** ACL LOG entries, newest first. */
  log(): AclLogEntry[] {
    const now = this.server.clock.now();
    return this.server.acl.log.map((e) => ({
      count: e.count,
      reason: e.reason as AclLogEntry['reason'],
      context: e.context as AclLogEntry['context'],
      object: e.object,
      username: e.username,
      ageSeconds: (now - e.ctime) / 1000,
      clientInfo: e.clientInfo,
    }));
  }

  /** ACL LOG RESET. */
  resetLog(): void {
    this.server.acl.log.length = 0;
  }
}

/**
 * The options of a replica of a server started with `o`: the same host, databases, version,
 * logger, users and recorder, the master's password as `masterauth`, the given clock.
 */
export function replicaOptions(o: RedKitOptions, clock: Clock, master: { host: string; port: number }): RedKitOptions {
  return {
    host: o.host,
    databases: o.databases,
    redisVersion: o.redisVersion,
    logger: o.logger,
    password: o.password,
    users: o.users,
    record: o.record,
    clock,
    config: { ...o.config, ...(o.password !== undefined ? { masterauth: o.password } : {}) },
    replicaOf: master,
  };
}
