/**
 * Client-side caching (Redis 7.0 tracking.c): CLIENT TRACKING and friends,
 * the tracking table, the prefix table of broadcast mode, and the delivery
 * of invalidation messages.
 *
 * - Key tracking: after a readonly command of a tracking client (not BCAST),
 *   the keys it named (from the command's key spec, whether it failed or
 *   not, as Redis's call() does) are remembered: key -> client ids. The table
 *   is global, not per database, like Redis's. When a key is modified
 *   (Database.touch, Redis's signalModifiedKey: writes, expiry, deletes), the
 *   clients in its entry are sent an `invalidate` message and the entry goes.
 *   Ids of clients that left or stopped tracking are dropped lazily, when
 *   their key is invalidated (tracking_total_items counts them until then).
 * - Broadcast (BCAST): modified keys are collected per registered prefix with
 *   the client that modified them last; the collected keys go out, sorted,
 *   once the current I/O turn is over (Redis sends them in beforeSleep),
 *   skipping a NOLOOP client's own keys.
 * - FLUSHDB / FLUSHALL send every tracking client a null invalidation and
 *   empty the table.
 * - Delivery: RESP3 clients get a push `>2 invalidate <keys|null>`; with
 *   REDIRECT, the message goes to the redirect client instead, as a push in
 *   RESP3 or, in RESP2, as a `message` on `__redis__:invalidate` when that
 *   client is in pub/sub mode (Redis does not require it to be subscribed
 *   to that channel). A redirect to a client that is gone marks the
 *   tracking client broken (`R` flag) and RESP3 clients are told with a
 *   `tracking-redir-broken` push.
 * - A message for the client whose command is running is held until its
 *   reply is written (Redis's tracking_pending_keys): after the reply of the
 *   command, or after EXEC's whole reply for commands inside a transaction.
 *
 * Cost when nobody tracks: one `store.tracker !== null` test per modified
 * key; the dispatcher's post-command and prelude hooks are installed only
 * while tracking clients exist.
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { MapReply, OK, RawReply, SetReply, type Reply } from '../resp/reply.js';
import { keysFromSpecs, nativeKeys, redisKeySpecs } from '../commands/meta.js';
import { transactionOf } from '../commands/transactions.js';
import type { KeyTracker } from '../store/store.js';
import { currentConnection, type Connection } from './connection.js';
import type { Context } from './context.js';
import { commandKeyIndexes, F, type Command } from './registry.js';
import type { RedKitServer } from './server.js';

const SCRIPTS_RO = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** Per-client tracking state (Redis's CLIENT_TRACKING* flags and fields). */
export class TrackingState {
  on = false;
  /** Client id invalidations go to; 0 = the client itself. */
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (OPTIN) / NO (OPTOUT) was given for the next command. */
  caching = false;
  /** The redirect client was gone when a message had to be sent. */
  brokenRedir = false;
  /** BCAST prefixes of this client. */
  prefixes: Set<string> | null = null;
  /** Invalidations held until this client's running command has answered (null = flush). */
  pending: Array<string | null> = [];
}

/** What the prefix table holds per prefix (Redis's bcastState). */
interface BcastState {
  /** Keys modified since the last broadcast -> the client that modified it last (null: none). */
  keys: Map<string, Connection | null>;
  clients: Set<Connection>;
}

const INVALIDATE_PUSH = Buffer.from('>2\r\n$10\r\ninvalidate\r\n', 'latin1');
const INVALIDATE_MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n', 'latin1');
const NULL2 = Buffer.from('$-1\r\n', 'latin1');
const NULL3 = Buffer.from('_\r\n', 'latin1');

/** RESP array of bulk strings (binary keys). */
function keysArray(keys: readonly string[]): Buffer {
  let s = `*${keys.length}\r\n`;
  for (const k of keys) s += `$${k.length}\r\n${k}\r\n`;
  return Buffer.from(s, 'latin1');
}

export function trackingStateOf(c: Connection): TrackingState | undefined {
  return c.ext.tracking as TrackingState | undefined;
}

export class Tracking implements KeyTracker {
  /** key -> ids of the clients that may have it cached. */
  readonly table = new Map<string, Set<number>>();
  /** Ids stored across the table (tracking_total_items). */
  totalItems = 0;
  /** prefix -> broadcast state (tracking_total_prefixes). */
  readonly prefixes = new Map<string, BcastState>();
  /** Clients with tracking on (tracking_clients). */
  readonly clients = new Set<Connection>();
  /** tracking-table-max-keys (0 = no limit). */
  maxKeys = 1000000;
  private bcastScheduled = false;
  /** Rounds in a row the table stayed over its limit (the eviction effort grows with it). */
  private overLimitRounds = 0;
  /** Set while the table is trimmed before a command: that command is not running yet. */
  private trimming = false;
  /** The dispatcher's prelude before tracking wrapped it (restored when the last client stops). */
  private basePrelude: ((ctx: Context, cmd: Command) => void) | undefined;
  private hooked = false;

  constructor(readonly server: RedKitServer) {}

  // ---- hooks ------------------------------------------------------------------------

  /** Keep the store, dispatcher and connection hooks in place only while they can matter. */
  private updateHooks(): void {
    const store = this.server.store;
    const active = this.clients.size !== 0 || this.table.size !== 0 || this.prefixes.size !== 0;
    store.tracker = active ? this : null;
    const want = this.clients.size !== 0;
    if (want === this.hooked) return;
    this.hooked = want;
    const d = this.server.dispatcher;
    if (want) {
      const base = d.prelude;
      this.basePrelude = base;
      d.prelude = (ctx, cmd) => {
        if (base !== undefined) base(ctx, cmd);
        // Before a command, as processCommand; not before each of the commands EXEC runs.
        if (this.maxKeys !== 0 && this.table.size > this.maxKeys && transactionOf(ctx)?.executing !== true) this.limitUsedSlots();
      };
      d.postCommand = (ctx, cmd, args) => this.rememberKeys(ctx, cmd, args);
    } else {
      d.prelude = this.basePrelude;
      d.postCommand = undefined;
    }
  }

  // ---- CLIENT TRACKING --------------------------------------------------------------

  enable(c: Connection, st: TrackingState, redirect: number, bcast: boolean, optin: boolean, optout: boolean, noloop: boolean, prefixes: string[]): void {
    if (!st.on) {
      this.clients.add(c);
      c.afterCommand = (conn) => this.afterCommand(conn);
    }
    st.on = true;
    st.brokenRedir = false;
    st.redirect = redirect;
    st.bcast = bcast;
    st.optin = optin;
    st.optout = optout;
    st.noloop = noloop;
    if (bcast) {
      if (prefixes.length === 0) this.addPrefix(c, st, '');
      for (const p of prefixes) this.addPrefix(c, st, p);
    }
    this.updateHooks();
  }

  private addPrefix(c: Connection, st: TrackingState, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, bs);
    }
    if (!bs.clients.has(c)) {
      bs.clients.add(c);
      (st.prefixes ??= new Set()).add(prefix);
    }
  }

  /** disableTracking: also when the client leaves or RESETs. */
  disable(c: Connection): void {
    const st = trackingStateOf(c);
    if (st === undefined) return;
    if (st.bcast && st.prefixes !== null) {
      for (const p of st.prefixes) {
        const bs = this.prefixes.get(p);
        if (bs === undefined) continue;
        bs.clients.delete(c);
        if (bs.clients.size === 0) this.prefixes.delete(p);
      }
      st.prefixes = null;
    }
    if (st.on) {
      this.clients.delete(c);
      st.on = false;
      st.brokenRedir = st.bcast = st.optin = st.optout = st.caching = st.noloop = false;
      // Invalidations its running command caused still go out after its reply, as in Redis
      // (MULTI, SET k, CLIENT TRACKING OFF, EXEC): the hook goes once they are sent.
      if (st.pending.length === 0) c.afterCommand = null;
    }
    this.updateHooks();
  }

  // ---- remembering keys -------------------------------------------------------------

  /** trackingRememberKeys, after every command run while tracking clients exist. */
  private rememberKeys(ctx: Context, cmd: Command, args: string[]): void {
    if ((cmd.flagBits & F.readonly) === 0 || (cmd.flagBits & F.pubsub) !== 0) return;
    // A read-only script is not a read of its keys: the commands it runs are.
    if (SCRIPTS_RO.has(cmd.fullName)) return;
    const c = ctx.conn;
    if (c === undefined) return;
    const st = trackingStateOf(c);
    if (st === undefined || !st.on || st.bcast) return;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    const keys = commandKeys(cmd, args);
    if (keys.length === 0) return;
    const id = c.id;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(id)) {
        ids.add(id);
        this.totalItems++;
      }
    }
  }

  // ---- invalidation -----------------------------------------------------------------

  /**
   * signalModifiedKey: a key changed (write, delete, expiry). An expiry is
   * signalled by no client (Redis passes NULL), so it reaches BCAST NOLOOP
   * clients even when their own command found the key expired.
   */
  keyModified(key: string, expired: boolean): void {
    this.invalidateKey(key, true, expired);
  }

  private invalidateKey(key: string, bcast: boolean, expired = false): void {
    const current = this.trimming ? null : currentConnection();
    if (bcast && this.prefixes.size !== 0) this.rememberForBroadcast(key, expired ? null : current);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const conns = this.server.connections;
    for (const id of ids) {
      const target = conns.get(id);
      if (target === undefined) continue;
      const st = trackingStateOf(target);
      if (st === undefined || !st.on || st.bcast) continue;
      if (st.noloop && target === currentConnection()) continue;
      if (target === current) st.pending.push(key);
      else this.send(target, st, keysArray([key]));
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
    if (this.table.size === 0 && this.clients.size === 0) this.updateHooks();
  }

  private rememberForBroadcast(key: string, by: Connection | null): void {
    for (const [prefix, bs] of this.prefixes) {
      if (prefix.length !== 0 && !key.startsWith(prefix)) continue;
      bs.keys.set(key, by);
    }
    if (!this.bcastScheduled) {
      this.bcastScheduled = true;
      queueMicrotask(() => {
        this.bcastScheduled = false;
        try {
          this.broadcast();
        } catch (e) {
          this.server.logger.error(`tracking broadcast failed: ${(e as Error).message}`);
        }
      });
    }
  }

  /** trackingBroadcastInvalidationMessages: the keys collected per prefix since the last turn. */
  private broadcast(): void {
    if (this.prefixes.size === 0) return;
    const prefixes = [...this.prefixes.keys()].sort(byteOrder);
    for (const p of prefixes) {
      const bs = this.prefixes.get(p) as BcastState;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort(byteOrder);
      const all = keysArray(keys);
      for (const c of bs.clients) {
        const st = trackingStateOf(c);
        if (st === undefined) continue;
        if (st.noloop) {
          const mine = keys.filter((k) => bs.keys.get(k) !== c);
          if (mine.length !== 0) this.send(c, st, keysArray(mine));
        } else this.send(c, st, all);
      }
      bs.keys = new Map();
    }
  }

  /** FLUSHDB / FLUSHALL: every tracking client learns that all keys are invalid. */
  flushed(): void {
    if (this.clients.size !== 0) {
      const current = currentConnection();
      for (const c of this.clients) {
        const st = trackingStateOf(c) as TrackingState;
        if (c === current) st.pending.push(null);
        else this.send(c, st, c.protocol === 3 ? NULL3 : NULL2);
      }
    }
    this.table.clear();
    this.totalItems = 0;
    this.updateHooks();
  }

  /** sendTrackingMessage: `payload` is the encoded array of keys or the null. */
  private send(c: Connection, st: TrackingState, payload: Buffer): void {
    let target = c;
    let redirected = false;
    if (st.redirect !== 0) {
      const r = this.server.connections.get(st.redirect);
      if (r === undefined || r.isClosed) {
        st.brokenRedir = true;
        if (c.protocol === 3) c.push(new RawReply(Buffer.from(`>2\r\n$21\r\ntracking-redir-broken\r\n:${st.redirect}\r\n`, 'latin1')));
        return;
      }
      target = r;
      redirected = true;
    }
    if (target.protocol === 3) target.push(new RawReply(Buffer.concat([INVALIDATE_PUSH, payload])));
    else if (redirected && target.isSubscriber()) target.push(new RawReply(Buffer.concat([INVALIDATE_MESSAGE, payload])));
  }

  /**
   * After each reply of a tracking client: deliver the invalidations its own
   * command caused, and forget CLIENT CACHING unless the command was a
   * CLIENT subcommand or the client is in MULTI (Redis's resetClient).
   */
  private afterCommand(c: Connection): void {
    const st = trackingStateOf(c);
    if (st === undefined) return;
    if (st.pending.length !== 0) {
      const p = st.pending;
      st.pending = [];
      for (const key of p) this.send(c, st, key === null ? (c.protocol === 3 ? NULL3 : NULL2) : keysArray([key]));
    }
    if (!st.on) {
      c.afterCommand = null;
      return;
    }
    if (st.caching && !c.inMulti && !isClientCommand(c)) st.caching = false;
  }

  /** trackingLimitUsedSlots: over tracking-table-max-keys, invalidate keys until under it again. */
  limitUsedSlots(): void {
    const max = this.maxKeys;
    if (max === 0 || this.table.size <= max) {
      this.overLimitRounds = 0;
      return;
    }
    let effort = 100 * (this.overLimitRounds + 1);
    this.trimming = true;
    try {
      while (effort-- > 0 && this.table.size > max) {
        const first = this.table.keys().next();
        if (first.done) break;
        this.invalidateKey(first.value, false);
      }
    } finally {
      this.trimming = false;
    }
    if (this.table.size <= max) this.overLimitRounds = 0;
    else this.overLimitRounds++;
  }
}

/**
 * The keys a command names (getKeysFromCommand): its key range, or for
 * commands with movable keys (ZUNION numkeys, LCS, GEORADIUS_RO...) Redis's
 * key specs, as COMMAND GETKEYS reads them.
 */
function commandKeys(cmd: Command, args: string[]): string[] {
  if ((cmd.flagBits & F.movablekeys) === 0 || cmd.getKeys !== undefined || !cmd.builtin) {
    // A subcommand's key positions count the subcommand name (XINFO STREAM key: first key 2).
    if (cmd.parent !== undefined && cmd.getKeys === undefined) {
      const argv = [cmd.name, ...args];
      return commandKeyIndexes(cmd, argv).map((i) => argv[i]);
    }
    return commandKeyIndexes(cmd, args).map((i) => args[i]);
  }
  const argv = cmd.parent !== undefined ? [cmd.parent.name, cmd.name, ...args] : [cmd.name, ...args];
  const specs = redisKeySpecs(cmd.fullName);
  let found = specs !== undefined && !specs.some((s) => s.flags.includes('variable_flags')) ? keysFromSpecs(specs, argv, cmd.arity) : null;
  if (found === null) found = nativeKeys(cmd.fullName, argv) ?? null;
  if (found === null) return commandKeyIndexes(cmd, args).map((i) => args[i]);
  return found.map((k) => argv[k.pos]);
}

/** The command the client just ran was CLIENT something (CLIENT CACHING's flag survives it). */
function isClientCommand(c: Connection): boolean {
  const n = c.sentName;
  return n.length === 6 && n.toLowerCase() === 'client';
}

/** Keys and prefixes are byte strings: sort them as rax does (memcmp order). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function trackingOf(server: RedKitServer): Tracking {
  let t = server.ext.tracking as Tracking | undefined;
  if (t === undefined) {
    t = new Tracking(server);
    server.ext.tracking = t;
  }
  return t;
}

function stateOf(c: Connection, tracking: Tracking): TrackingState {
  let st = trackingStateOf(c);
  if (st === undefined) {
    st = new TrackingState();
    c.ext.tracking = st;
    c.addCloseHook((conn) => tracking.disable(conn));
  }
  return st;
}

// ---- CLIENT subcommands ---------------------------------------------------------------

/** Prefixes p and q would invalidate the same keys (one starts with the other). */
function overlaps(p: string, q: string): boolean {
  return p.length <= q.length ? q.startsWith(p) : p.startsWith(q);
}

/** C's %s stops at a NUL byte. */
const cstr = (s: string): string => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
export function clientTracking(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 1; j < args.length; j++) {
    const o = args[j].toLowerCase();
    const more = j + 1 < args.length;
    if (o === 'redirect' && more) {
      j++;
      if (redirect !== 0) throw new ReplyError('ERR A client can only redirect to a single other client');
      const id = parseIntStrict(args[j]);
      if (id === null) throw new ReplyError(Err.notInteger);
      const n = Number(id);
      // Ids are positive: 0 and negative ids name no client.
      if (typeof id === 'bigint' || !server.connections.has(n)) throw new ReplyError('ERR The client ID you want redirect to does not exist');
      redirect = n;
    } else if (o === 'bcast') bcast = true;
    else if (o === 'optin') optin = true;
    else if (o === 'optout') optout = true;
    else if (o === 'noloop') noloop = true;
    else if (o === 'prefix' && more) prefixes.push(args[++j]);
    else throw new ReplyError(Err.syntax);
  }
  const mode = args[0].toLowerCase();
  const conn = ctx.conn;
  const tracking = trackingOf(server);
  if (mode === 'on') {
    if (!bcast && prefixes.length !== 0) throw new ReplyError('ERR PREFIX option requires BCAST mode to be enabled');
    const st = conn !== undefined ? trackingStateOf(conn) : undefined;
    if (st !== undefined && st.on && st.bcast !== bcast) {
      throw new ReplyError('ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (bcast && (optin || optout)) throw new ReplyError('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (optin && optout) throw new ReplyError('ERR You can\'t specify both OPTIN mode and OPTOUT mode');
    if (st !== undefined && ((optin && st.optout) || (optout && st.optin))) {
      throw new ReplyError('ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    // Redis 7.0's checkPrefixCollisionsOrReply: a collision among the given prefixes found
    // past the first one is reported, and tracking is enabled all the same (two replies).
    let early: string | null = null;
    if (bcast) {
      for (let i = 0; i < prefixes.length && early === null; i++) {
        if (st?.prefixes) {
          for (const have of [...st.prefixes].sort(byteOrder)) {
            if (overlaps(have, prefixes[i])) {
              throw new ReplyError(`ERR Prefix '${cstr(prefixes[i])}' overlaps with an existing prefix '${cstr(have)}'. Prefixes for a single client must not overlap.`);
            }
          }
        }
        for (let j = i + 1; j < prefixes.length; j++) {
          if (overlaps(prefixes[i], prefixes[j])) {
            const msg = `ERR Prefix '${cstr(prefixes[i])}' overlaps with another provided prefix '${cstr(prefixes[j])}'. Prefixes for a single client must not overlap.`;
            if (i === 0) throw new ReplyError(msg);
            early = msg;
            break;
          }
        }
      }
    }
    if (conn !== undefined) tracking.enable(conn, stateOf(conn, tracking), redirect, bcast, optin, optout, noloop, prefixes);
    if (early !== null) {
      const b = Buffer.from(`-${early}\r\n+OK\r\n`, 'latin1');
      return new RawReply(b, b);
    }
    return OK;
  }
  if (mode === 'off') {
    if (conn !== undefined) tracking.disable(conn);
    return OK;
  }
  throw new ReplyError(Err.syntax);
}

/** CLIENT CACHING YES|NO */
export function clientCaching(ctx: Context, args: string[]): Reply {
  const st = ctx.conn !== undefined ? trackingStateOf(ctx.conn) : undefined;
  if (st === undefined || !st.on) throw new ReplyError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const v = args[0].toLowerCase();
  if (v === 'yes') {
    if (!st.optin) throw new ReplyError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (v === 'no') {
    if (!st.optout) throw new ReplyError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else throw new ReplyError(Err.syntax);
  st.caching = true;
  return OK;
}

/** CLIENT GETREDIR: the redirect id, 0 when tracking without one, -1 when not tracking. */
export function clientGetredir(ctx: Context): Reply {
  const st = ctx.conn !== undefined ? trackingStateOf(ctx.conn) : undefined;
  return st !== undefined && st.on ? st.redirect : -1;
}

/** CLIENT TRACKINGINFO */
export function clientTrackinginfo(ctx: Context): Reply {
  const st = ctx.conn !== undefined ? trackingStateOf(ctx.conn) : undefined;
  const flags: string[] = [];
  if (st === undefined || !st.on) flags.push('off');
  else {
    flags.push('on');
    if (st.bcast) flags.push('bcast');
    if (st.optin) {
      flags.push('optin');
      if (st.caching) flags.push('caching-yes');
    }
    if (st.optout) {
      flags.push('optout');
      if (st.caching) flags.push('caching-no');
    }
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedir) flags.push('broken_redirect');
  }
  const prefixes = st?.prefixes ? [...st.prefixes].sort(byteOrder) : [];
  return new MapReply(['flags', new SetReply(flags), 'redirect', st !== undefined && st.on ? st.redirect : -1, 'prefixes', prefixes]);
}

/** CLIENT LIST / CLIENT INFO flags of a tracking client (`t`, `R`, `B`), in Redis's order. */
export function trackingFlags(c: Connection): string {
  const st = trackingStateOf(c);
  if (st === undefined || !st.on) return '';
  return 't' + (st.brokenRedir ? 'R' : '') + (st.bcast ? 'B' : '');
}

/** CLIENT LIST `redir=`: the redirect id while tracking (0 for none), else -1. */
export function trackingRedir(c: Connection): number {
  const st = trackingStateOf(c);
  return st !== undefined && st.on ? st.redirect : -1;
}

/** INFO fields. */
export function trackingInfo(server: RedKitServer): { clients: number; keys: number; items: number; prefixes: number } {
  const t = server.ext.tracking as Tracking | undefined;
  if (t === undefined) return { clients: 0, keys: 0, items: 0, prefixes: 0 };
  return { clients: t.clients.size, keys: t.table.size, items: t.totalItems, prefixes: t.prefixes.size };
}

/** Config, RESET, and the initial state. Installed with the CLIENT commands. */
export function installTracking(server: RedKitServer, onReset: (fn: (ctx: Context) => void) => void): void {
  const cfg = server.config;
  const apply = (v: string | undefined): void => {
    const n = Number(v ?? '1000000');
    trackingOf(server).maxKeys = Number.isFinite(n) && n >= 0 ? n : 1000000;
  };
  cfg.define('tracking-table-max-keys', (v) => apply(v));
  apply(cfg.get('tracking-table-max-keys'));
  onReset((ctx) => {
    const c = ctx.conn;
    if (c !== undefined && trackingStateOf(c)?.on) trackingOf(server).disable(c);
  });
}
