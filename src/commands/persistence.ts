/**
 * Persistence: SAVE, BGSAVE [SCHEDULE], LASTSAVE, BGREWRITEAOF, SHUTDOWN, the
 * INFO persistence section, and loading/saving whole RDB files for the
 * fixture (redkit.saveRdb / loadRdb, seeds) — Redis 7.0 behaviour.
 *
 * The file goes to `dir`/`dbfilename`, written to a temp file first and
 * renamed, as Redis does. SAVE writes synchronously. BGSAVE takes a snapshot
 * of the key tables (native copies of the key list, value references and
 * deadlines; no value copied) and writes it in slices across event-loop turns. Collections are
 * mutated in place by commands, so while a background save runs a middleware
 * copies on write: before a write command runs, each collection it names
 * that the save has not written yet is encoded as it is now. The file is the
 * keyspace as it was when BGSAVE answered (the in-process keyspace API has
 * the same hook, server.ext.beforeInternalCommand). Not covered: a value
 * changed with no command naming its key (the destination of a BLMOVE served
 * later).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ReplyError, Err } from '../errors.js';
import { OK, SimpleString, type Reply } from '../resp/reply.js';
import { realClearInterval, realDateNow, realSetImmediate, realSetInterval } from '../clock/timers.js';
import type { Context } from '../server/context.js';
import { F, commandKeyIndexes, type Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { RdbFileWriter, encodeValue, readRdb, writeRdb, type DbSnapshot, type LoadedRdb, type RdbSaveOptions } from '../store/rdb-file.js';
import type { DumpOptions } from '../store/rdb.js';
import { LRU_CLOCK_MAX } from '../store/database.js';
import { hashFieldExpiry, RHash } from '../store/types/hash.js';
import type { RObject } from '../store/types.js';
import { dumpOptions, loadOptions } from './dump.js';
import { defineCommands } from './util.js';

/** Persistence state of one server (server.ext.persistence). */
export class Persistence {
  /** LASTSAVE / rdb_last_save_time: unix seconds of the last successful save (or start). */
  lastSave: number;
  lastBgsaveOk = true;
  lastBgsaveTimeSec = -1;
  saves = 0;
  bg: BgSave | null = null;
  /** BGSAVE SCHEDULE / inside EXEC: a background save to start when possible. */
  bgScheduled = false;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  aofRewrites = 0;
  aofLastRewriteTimeSec = -1;
  /** Function libraries (RDB FUNCTION2 payloads) kept from loaded files, written back on save. */
  functions: string[] = [];

  constructor(readonly server: RedKitServer) {
    this.lastSave = Math.floor(server.clock.now() / 1000);
  }

  /** The file SAVE/BGSAVE write: `dir`/`dbfilename`. */
  get filePath(): string {
    const cfg = this.server.config;
    return path.join(cfg.get('dir') ?? process.cwd(), cfg.get('dbfilename') ?? 'dump.rdb');
  }

  saveOptions(): RdbSaveOptions {
    const s = this.server;
    return {
      ...dumpOptionsOf(s),
      checksum: s.config.get('rdbchecksum') !== 'no',
      ctime: Math.floor(s.clock.now() / 1000),
      usedMem: process.memoryUsage().heapUsed,
      functions: this.functions,
    };
  }

  /** The keyspace as RDB bytes (synchronous). */
  dump(): Buffer {
    return writeRdb(snapshotDbs(this.server), this.saveOptions());
  }

  /** A successful save: rdb_changes_since_last_save restarts, LASTSAVE moves. */
  private saved(dirtyBefore: number): void {
    const st = this.server.store as { dirty?: number };
    st.dirty = Math.max(0, (st.dirty ?? 0) - dirtyBefore);
    this.lastSave = Math.floor(this.server.clock.now() / 1000);
  }

  /** SAVE: write the file now. Throws on I/O errors (after logging them). */
  saveSync(): void {
    const dirty = (this.server.store as { dirty?: number }).dirty ?? 0;
    const file = this.filePath;
    const tmp = path.join(path.dirname(file), `temp-${process.pid}-${tempId++}.rdb`);
    try {
      const bytes = this.dump();
      writeFileDurable(tmp, bytes);
      fs.renameSync(tmp, file);
    } catch (e) {
      this.server.logger.warn(`Failed saving the DB to ${file} (temp file ${path.basename(tmp)}): ${(e as Error).message}`);
      try {
        fs.unlinkSync(tmp);
      } catch {
        // it may not exist
      }
      // A failed SAVE leaves rdb_last_bgsave_status alone (only a success sets it).
      throw e;
    }
    this.lastBgsaveOk = true;
    this.saved(dirty);
    this.updateMisconf();
    this.server.logger.info('DB saved on disk');
  }

  /** BGSAVE: snapshot now, write in slices. */
  startBackground(): void {
    this.saves++;
    this.bg = new BgSave(this, this.filePath);
  }

  /** A background save ended (or was cancelled). */
  bgDone(bg: BgSave, ok: boolean): void {
    if (this.bg !== bg) return;
    this.bg = null;
    this.lastBgsaveTimeSec = Math.round((realDateNow() - bg.startedAt) / 1000);
    if (!bg.cancelled) {
      this.lastBgsaveOk = ok;
      if (ok) this.saved(bg.dirtyBefore);
      this.updateMisconf();
    }
    if (this.bgScheduled) {
      this.bgScheduled = false;
      this.startBackground();
    }
  }

  /**
   * Replace the keyspace with the contents of an RDB file (all or nothing).
   * `lazy` false builds every value at load (see store/lazy.ts).
   */
  load(bytes: Uint8Array, lazy = true): LoadedRdb {
    const s = this.server;
    const loaded = readRdb(bytes, {
      ...loadOptionsOf(s),
      databases: s.store.dbs.length,
      now: s.clock.now(),
      checksum: s.config.get('rdbchecksum') !== 'no',
      lazy,
    });
    applyLoaded(s, loaded);
    this.functions = loaded.functions;
    this.lastLoadKeysLoaded = loaded.keysLoaded;
    this.lastLoadKeysExpired = loaded.keysExpired;
    return loaded;
  }

  /** INFO persistence lines. */
  info(): string[] {
    const s = this.server;
    const bg = this.bg;
    const dirty = (s.store as { dirty?: number }).dirty ?? 0;
    return [
      '# Persistence',
      `loading:${s.loading ? 1 : 0}`,
      'async_loading:0',
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      `current_save_keys_processed:${bg ? bg.processed : 0}`,
      `current_save_keys_total:${bg ? bg.total : 0}`,
      `rdb_changes_since_last_save:${dirty}`,
      `rdb_bgsave_in_progress:${bg ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSave}`,
      `rdb_last_bgsave_status:${this.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveTimeSec}`,
      `rdb_current_bgsave_time_sec:${bg ? Math.floor((realDateNow() - bg.startedAt) / 1000) : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:0`,
      `rdb_last_load_keys_expired:${this.lastLoadKeysExpired}`,
      `rdb_last_load_keys_loaded:${this.lastLoadKeysLoaded}`,
      `aof_enabled:${s.config.get('appendonly') === 'yes' ? 1 : 0}`,
      'aof_rewrite_in_progress:0',
      `aof_rewrite_scheduled:${this.aofScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.aofLastRewriteTimeSec}`,
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      `aof_rewrites:${this.aofRewrites}`,
      'aof_rewrites_consecutive_failures:0',
      'aof_last_write_status:ok',
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
  }

  /** BGREWRITEAOF asked while a background save ran: done when it ends. */
  aofScheduled = false;

  // ---- save points (`save <seconds> <changes> ...`) -------------------------------------

  private savePoints: Array<[number, number]> = [];
  private saveTimer: ReturnType<typeof setInterval> | null = null;
  private unsubscribeClock: (() => void) | null = null;
  /** Unix seconds of the last BGSAVE a save point started (a failed one is retried after 5 s). */
  private lastBgsaveTry = 0;

  /** Apply the `save` parameter: while it has points, they are checked every second and when the clock moves. */
  setSavePoints(value: string): void {
    const nums = value.trim() === '' ? [] : value.trim().split(/\s+/).map(Number);
    const points: Array<[number, number]> = [];
    for (let i = 0; i + 1 < nums.length; i += 2) points.push([nums[i], nums[i + 1]]);
    this.savePoints = points;
    this.updateMisconf();
    if (points.length === 0) {
      this.stopSavePoints();
      return;
    }
    if (this.saveTimer === null) {
      const t = realSetInterval(() => this.checkSavePoints(), 1000);
      t.unref?.();
      this.saveTimer = t;
      this.unsubscribeClock = this.server.clock.onChange(() => this.checkSavePoints());
    }
  }

  stopSavePoints(): void {
    if (this.saveTimer !== null) realClearInterval(this.saveTimer);
    this.saveTimer = null;
    this.unsubscribeClock?.();
    this.unsubscribeClock = null;
  }

  /** serverCron's check: a BGSAVE when enough changes are older than a save point's seconds. */
  checkSavePoints(): void {
    if (this.bg !== null || this.savePoints.length === 0) return;
    const now = Math.floor(this.server.clock.now() / 1000);
    const dirty = (this.server.store as { dirty?: number }).dirty ?? 0;
    for (const [seconds, changes] of this.savePoints) {
      if (dirty >= changes && now - this.lastSave > seconds && (this.lastBgsaveOk || now - this.lastBgsaveTry > 5)) {
        this.server.logger.info(`${changes} changes in ${seconds} seconds. Saving...`);
        this.lastBgsaveTry = now;
        try {
          this.startBackground();
        } catch (e) {
          this.server.logger.warn(`Background saving error: ${(e as Error).message}`);
        }
        return;
      }
    }
  }

  /**
   * writeCommandsDeniedByDiskError: with stop-writes-on-bgsave-error yes,
   * save points set and the last background save failed, write commands
   * (and PING) answer -MISCONF. The gate only runs while that holds.
   */
  updateMisconf(): void {
    const on = this.savePoints.length !== 0 && !this.lastBgsaveOk && this.server.config.get('stop-writes-on-bgsave-error') !== 'no';
    if (on !== this.misconf) {
      this.misconf = on;
      this.server.setAttention(ATTENTION_DISK_ERROR, on);
    }
  }

  misconf = false;

  /** Whether `save` has points (SHUTDOWN and SIGTERM save then). */
  get hasSavePoints(): boolean {
    return this.savePoints.length !== 0;
  }
}

let tempId = 0;

function writeFileDurable(file: string, bytes: Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The persistence state of a server (created on first use). */
export function persistenceOf(server: RedKitServer): Persistence {
  let p = server.ext.persistence as Persistence | undefined;
  if (p === undefined) {
    p = new Persistence(server);
    server.ext.persistence = p;
  }
  return p;
}

/** The server's configuration as DumpOptions / LoadOptions (no client needed). */
function dumpOptionsOf(server: RedKitServer): DumpOptions {
  return dumpOptions({ server } as Context);
}
function loadOptionsOf(server: RedKitServer) {
  return loadOptions({ server } as Context);
}

/**
 * Every database's keys as they are now: native copies of the key and value
 * lists (no value copied) and of the deadlines. Like Redis, keys whose
 * deadline has passed but are still stored are saved too (a loader drops
 * them). `expireHashFields` first deletes hash fields past their TTL (a pass
 * over the values: SAVE does it, BGSAVE leaves them to active expiry).
 */
export function snapshotDbs(server: RedKitServer, expireHashFields = true): DbSnapshot[] {
  const out: DbSnapshot[] = [];
  // Under an LRU / LFU maxmemory-policy Redis saves each key's idle time / counter.
  const policy = server.config.get('maxmemory-policy') ?? 'noeviction';
  const lru = policy.endsWith('-lru');
  const lfu = policy.endsWith('-lfu');
  const now = server.clock.now();
  for (const db of server.store.dbs) {
    if (db.data.size === 0) continue;
    if (expireHashFields) {
      const fx = hashFieldExpiry(server.store);
      // Hash fields past their TTL do not travel (RDB 10 has no field TTLs: the others are saved without).
      for (const [k, v] of db.data) if (v instanceof RHash && v.hasTtl) fx.expireFields(db, k, v, now);
      if (db.data.size === 0) continue;
    }
    const keys = Array.from(db.data.keys());
    const values = Array.from(db.data.values());
    let expires: DbSnapshot['expires'] = null;
    if (db.expires.size !== 0) {
      expires = new Map(db.expires);
      for (const [k, at] of db.expires) if (!Number.isSafeInteger(at)) expires.set(k, db.getExpireExact(k) ?? at);
    }
    const snap: DbSnapshot = { index: db.id, keys, values, expires };
    if (lru) snap.idle = keys.map((k) => db.idleSeconds(k));
    if (lfu) snap.freq = keys.map((k) => db.frequency(k));
    out.push(snap);
  }
  return out;
}

/** Replace every database's contents with a loaded file's. */
export function applyLoaded(server: RedKitServer, loaded: LoadedRdb): void {
  const store = server.store;
  store.flushAll();
  const lfu = store.lfuEnabled;
  for (const d of loaded.dbs) {
    const db = store.db(d.index);
    db.data = d.data;
    db.loadExpires(d.expires);
    if (lfu) {
      const init = store.lfuInit();
      for (const k of d.data.keys()) {
        const f = d.freq.get(k);
        db.lru.set(k, f === undefined ? init : store.lfuClock * 256 + f);
      }
    } else if (d.idle.size !== 0) {
      const clock = store.currentLruClock();
      for (const [k, idle] of d.idle) db.setAccessStamp(k, (clock - idle + LRU_CLOCK_MAX + 1) % (LRU_CLOCK_MAX + 1));
    }
    // Watchers of keys the file brings in see them change.
    if (db.watched.size !== 0) for (const k of db.watched.keys()) if (d.data.has(k)) db.touch(k);
  }
  store.activeExpire();
}

// ---- background save ----------------------------------------------------------------------

/** Keys written per slice before looking at the time. */
const SLICE_KEYS = 256;
/** Time a slice may take (ms) before yielding to clients. */
const SLICE_MS = 4;
/** Bytes buffered before they go to the file. */
const FLUSH_BYTES = 1 << 20;

class BgSave {
  readonly startedAt = realDateNow();
  readonly dirtyBefore: number;
  readonly snapshot: DbSnapshot[];
  readonly total: number;
  processed = 0;
  cancelled = false;
  /**
   * Collections already in the file. A write command to any other collection
   * encodes it first (once); that costs a little for collections created
   * after the snapshot, and saves a pass over the keyspace at BGSAVE time.
   */
  private readonly written = new Set<RObject>();
  private readonly preEncoded = new Map<RObject, Buffer>();
  private readonly writer: RdbFileWriter;
  private readonly opts: RdbSaveOptions;
  private readonly tmp: string;
  private fd = -1;
  private dbi = 0;
  private ki = 0;
  private removeMiddleware: (() => void) | null = null;

  constructor(
    private readonly p: Persistence,
    private readonly file: string,
  ) {
    const server = p.server;
    this.dirtyBefore = (server.store as { dirty?: number }).dirty ?? 0;
    this.snapshot = snapshotDbs(server, false);
    let total = 0;
    for (const d of this.snapshot) total += d.keys.length;
    this.total = total;
    this.opts = p.saveOptions();
    this.writer = new RdbFileWriter(this.opts);
    this.writer.preEncoded = this.preEncoded;
    this.tmp = path.join(path.dirname(file), `temp-${process.pid}-${tempId++}.rdb`);
    const removeMw = server.use((ctx, call, next) => {
      if ((call.command.flagBits & F.write) !== 0) this.copyOnWrite(ctx, call.keys);
      return next();
    });
    // The in-process keyspace API (redkit.db()) runs commands without middleware: it has its own hook.
    server.ext.beforeInternalCommand = (ctx: Context, cmd: Command, args: string[]) => {
      if ((cmd.flagBits & F.write) === 0) return;
      let keys: string[];
      try {
        keys = commandKeyIndexes(cmd, args).map((i) => args[i]);
      } catch {
        return; // arguments the command itself will refuse
      }
      this.copyOnWrite(ctx, keys);
    };
    this.removeMiddleware = () => {
      removeMw();
      delete server.ext.beforeInternalCommand;
    };
    server.onStop(() => this.cancel());
    server.logger.info('Background saving started');
    realSetImmediate(() => this.step());
  }

  private copyOnWrite(ctx: Context, keys: string[]): void {
    for (const k of keys) {
      const v = ctx.db.data.get(k);
      if (v === undefined || typeof v === 'string' || this.written.has(v) || this.preEncoded.has(v)) continue;
      try {
        this.preEncoded.set(v, encodeValue(v, this.opts));
      } catch {
        // a value the codec cannot write: the save fails when it reaches it
      }
    }
  }

  cancel(): void {
    if (this.cancelled || this.p.bg !== this) return;
    this.cancelled = true;
    this.finish(false);
  }

  private step(): void {
    if (this.cancelled) return;
    try {
      const w = this.writer;
      if (this.fd < 0) {
        this.fd = fs.openSync(this.tmp, 'w');
        w.header();
      }
      const until = realDateNow() + SLICE_MS;
      const snap = this.snapshot;
      for (;;) {
        if (this.dbi >= snap.length) {
          fs.writeSync(this.fd, w.end());
          fs.fsyncSync(this.fd);
          fs.closeSync(this.fd);
          this.fd = -1;
          fs.renameSync(this.tmp, this.file);
          this.p.server.logger.info('Background saving terminated with success');
          this.finish(true);
          return;
        }
        const d = snap[this.dbi];
        if (this.ki === 0) w.selectDb(d.index, d.keys.length, d.expires?.size ?? 0);
        const end = Math.min(d.keys.length, this.ki + SLICE_KEYS);
        const exp = d.expires;
        for (let i = this.ki; i < end; i++) {
          const v = d.values[i];
          const k = d.keys[i];
          w.entry(k, v, exp === null ? undefined : exp.get(k), d.idle?.[i], d.freq?.[i]);
          if (typeof v !== 'string') {
            this.written.add(v);
            this.preEncoded.delete(v);
          }
        }
        this.processed += end - this.ki;
        this.ki = end;
        if (end === d.keys.length) {
          this.dbi++;
          this.ki = 0;
        }
        if (w.buffered >= FLUSH_BYTES) fs.writeSync(this.fd, w.take());
        if (realDateNow() >= until) break;
      }
      realSetImmediate(() => this.step());
    } catch (e) {
      this.p.server.logger.warn(`Background saving error: ${(e as Error).message}`);
      this.finish(false);
    }
  }

  private finish(ok: boolean): void {
    this.removeMiddleware?.();
    this.removeMiddleware = null;
    this.written.clear();
    this.preEncoded.clear();
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    if (!ok) {
      try {
        fs.unlinkSync(this.tmp);
      } catch {
        // never created
      }
    }
    this.p.bgDone(this, ok);
  }
}

// ---- commands -----------------------------------------------------------------------------

const BG_IN_PROGRESS = 'ERR Background save already in progress';

function save(ctx: Context): Reply {
  const p = persistenceOf(ctx.server);
  if (p.bg !== null) throw new ReplyError(BG_IN_PROGRESS);
  p.saves++;
  try {
    p.saveSync();
  } catch {
    // Redis answers its shared bare error.
    throw new ReplyError('ERR');
  }
  return OK;
}

function bgsave(ctx: Context, args: string[]): Reply {
  // SCHEDULE only matters while another child (an AOF rewrite) runs, which RedKit never has.
  if (args.length > 0 && !(args.length === 1 && args[0].toLowerCase() === 'schedule')) throw new ReplyError(Err.syntax);
  const p = persistenceOf(ctx.server);
  if (p.bg !== null) throw new ReplyError(BG_IN_PROGRESS);
  if (ctx.inMulti) {
    // Inside EXEC Redis cannot fork: it schedules the save for after the transaction.
    p.bgScheduled = true;
    realSetImmediate(() => {
      if (p.bgScheduled && p.bg === null) {
        p.bgScheduled = false;
        p.startBackground();
      }
    });
    return new SimpleString('Background saving scheduled');
  }
  p.startBackground();
  return new SimpleString('Background saving started');
}

function bgrewriteaof(ctx: Context): Reply {
  const p = persistenceOf(ctx.server);
  if (p.bg !== null || ctx.inMulti) {
    p.aofScheduled = true;
    const finishLater = () => {
      if (p.bg !== null) return void realSetImmediate(finishLater);
      if (!p.aofScheduled) return;
      p.aofScheduled = false;
      p.aofRewrites++;
      p.aofLastRewriteTimeSec = 0;
    };
    realSetImmediate(finishLater);
    return new SimpleString('Background append only file rewriting scheduled');
  }
  // RedKit keeps no append-only file: the rewrite has nothing to write and is done at once.
  p.aofRewrites++;
  p.aofLastRewriteTimeSec = 0;
  return new SimpleString('Background append only file rewriting started');
}

function shutdown(ctx: Context, args: string[]): Reply | Promise<Reply> {
  let save = false;
  let nosave = false;
  let force = false;
  let abort = false;
  let flags = 0;
  for (const a of args) {
    const l = a.toLowerCase();
    if (l === 'nosave') nosave = true;
    else if (l === 'save') save = true;
    else if (l === 'now') flags |= 1;
    else if (l === 'force') force = true;
    else if (l === 'abort') abort = true;
    else throw new ReplyError(Err.syntax);
  }
  if ((abort && (save || nosave || force || flags !== 0)) || (save && nosave)) throw new ReplyError(Err.syntax);
  // RedKit has no replicas to wait for: a shutdown never stays in progress.
  if (abort) throw new ReplyError('ERR No shutdown in progress.');
  const server = ctx.server;
  const p = persistenceOf(server);
  const savePoints = p.hasSavePoints;
  if (p.bg !== null) {
    server.logger.warn('There is a child saving an .rdb. Killing it!');
    p.bg.cancel();
  }
  if ((savePoints && !nosave) || save) {
    server.logger.info('Saving the final RDB snapshot before exiting.');
    try {
      p.saveSync();
    } catch {
      if (!force) {
        server.logger.warn('Error trying to save the DB, can\'t exit.');
        throw new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
      }
    }
  }
  server.logger.warn('Redis is now ready to exit, bye bye...');
  // Like the process exiting: no reply, every connection closes, the port is released.
  return new Promise<Reply>((resolve) => {
    realSetImmediate(() => {
      server
        .close()
        .catch(() => undefined)
        .then(() => {
          resolve(null);
          const onExit = server.ext.onShutdown as (() => void) | undefined;
          onExit?.();
        });
    });
  });
}

/**
 * Server attention bit of this module (dispatch.ts ATTENTION holds the
 * built-in ones): set while writes are refused with -MISCONF.
 */
/** Server attention bit while writes answer -MISCONF (scripts check it too). */
export const ATTENTION_DISK_ERROR = 1 << 20;

export const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export function installPersistence(server: RedKitServer): void {
  const p = persistenceOf(server);
  p.setSavePoints(server.config.get('save') ?? '');
  server.config.define('save', (v) => p.setSavePoints(v));
  server.config.define('stop-writes-on-bgsave-error', () => p.updateMisconf());
  // Before pub/sub and loading checks, as in processCommand.
  server.addGate(
    (ctx, cmd) => {
      if (!p.misconf) return undefined;
      const flags = server.flagsOf(ctx, cmd);
      if ((flags & F.write) !== 0 || cmd.name === 'ping') return new ReplyError(MISCONF);
      return undefined;
    },
    5,
    { onAttention: true },
  );
  server.onStop(() => p.stopSavePoints());
  defineCommands(server, {
    save,
    bgsave,
    lastsave: (ctx) => persistenceOf(ctx.server).lastSave,
    bgrewriteaof,
    shutdown,
  });
}
