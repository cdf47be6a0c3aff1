/**
 * DEBUG (debug.c), gated by enable-debug-command as Redis 7.0 gates it
 * (`no`, `yes`, `local`: loopback connections only; the fixture defaults to
 * `local`). Implemented: OBJECT, DIGEST, DIGEST-VALUE (Redis's algorithm:
 * SHA1 mixes per element, XOR per key, so the same data gives redis-server's
 * digest), RELOAD (every key through a DUMP payload and back, src/store/rdb.ts),
 * SLEEP (blocks the process, as Redis does), SET-ACTIVE-EXPIRE, PROTOCOL
 * (every RESP3 type), LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD,
 * CHANGE-REPL-ID, ERROR, LOG, POPULATE, SDSLEN, STRUCTSIZE, LEAK (a no-op), PAUSE-CRON, REPLYBUFFER,
 * SET-SKIP-CHECKSUM-VALIDATION and HELP. Everything else (the crash helpers,
 * AOF, allocator and cluster ones, and STRINGMATCH-LEN / JMAP, which Redis
 * 7.0 does not have) answers as Redis answers an unknown subcommand.
 */
import { createHash } from 'node:crypto';
import { ReplyError } from '../errors.js';
import { formatDouble, parseIntStrict } from '../resp/format.js';
import { BigNumberReply, DoubleReply, MapReply, OK, RawReply, SetReply, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import type { Database } from '../store/database.js';
import { LRU_CLOCK_MAX } from '../store/database.js';
import { listpackEntrySize } from '../store/listpack.js';
import { mallocSize, sdsAlloc, sdsHeader } from '../store/memory.js';
import { createDumpPayload, loadDumpPayload, quicklistNodes, RdbUnsupportedError } from '../store/rdb.js';
import { encodingOf, type Value } from '../store/types.js';
import type { RHash } from '../store/types/hash.js';
import type { RList } from '../store/types/list.js';
import type { RSet } from '../store/types/set.js';
import { MAX_ID, MIN_ID, RStream } from '../store/types/stream.js';
import type { ZSet } from '../store/types/zset.js';
import { dumpOptions, loadOptions } from './dump.js';
import { defineCommands } from './util.js';

const E = {
  notAllowed:
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  syntax: (sub: string) => `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DEBUG HELP.`,
  noKey: 'ERR no such key',
  notListpack: 'ERR Not a listpack encoded object.',
  notQuicklist: 'ERR Not a quicklist encoded object.',
  protocol: 'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  resp2: 'ERR RESP2 is not supported by this command',
  reloadOptions: 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.',
  reloadLoad: 'ERR Error trying to load the RDB dump, check server logs.',
  packedThreshold: 'ERR argument must be a memory value bigger than 1 and smaller than 4gb',
  positive: 'ERR value is out of range, must be positive',
};

// ---- digests (debug.c) ------------------------------------------------------------------

const sha1 = (data: Buffer): Buffer => createHash('sha1').update(data).digest();
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** digest ^= SHA1(data). */
function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) digest[i] ^= h[i];
}

/** digest = SHA1(digest ^ SHA1(data)): order matters. */
function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** xorObjectDigest: mix one value (and whether it has a TTL) into `digest`. */
function objectDigest(db: Database, key: string, v: Value, digest: Buffer): void {
  const type = typeof v === 'string' ? 'string' : v.type;
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(TYPE_CODE[type] ?? 0);
  mixDigest(digest, aux);
  switch (type) {
    case 'string':
      mixDigest(digest, bytes(typeof v === 'string' ? v : String(v)));
      break;
    case 'list': {
      const l = v as unknown as RList;
      for (let i = 0; i < l.length; i++) mixDigest(digest, bytes(l.at(i) as string));
      break;
    }
    case 'set':
      for (const m of (v as unknown as RSet).view()) xorDigest(digest, bytes(m));
      break;
    case 'zset': {
      const z = v as unknown as ZSet;
      const c = z.cursor(0);
      if (c !== null) {
        do {
          const e = Buffer.alloc(20);
          mixDigest(e, bytes(c.member));
          mixDigest(e, bytes(formatDouble(c.score)));
          xorDigest(digest, e);
        } while (c.next());
      }
      break;
    }
    case 'hash':
      for (const [f, val] of (v as unknown as RHash).map) {
        const e = Buffer.alloc(20);
        mixDigest(e, bytes(f));
        mixDigest(e, bytes(val));
        xorDigest(digest, e);
      }
      break;
    case 'stream':
      // Each entry's ID as "ms.seq", then its fields and values (groups are not part of the digest).
      for (const e of (v as unknown as RStream).range(MIN_ID, MAX_ID, 0)) {
        mixDigest(digest, bytes(`${e.ms}.${e.seq}`));
        for (const f of e.fv) mixDigest(digest, bytes(f));
      }
      break;
    default:
      throw new ReplyError('ERR Unknown object type');
  }
  if (db.expires.has(key)) xorDigest(digest, bytes('!!expire!!'));
}

/** computeDatasetDigest: 40 hex digits, all zeros for an empty dataset. */
export function datasetDigest(dbs: readonly Database[]): string {
  const final = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    for (const [k, v] of db.data) {
      const d = Buffer.alloc(20);
      mixDigest(d, bytes(k));
      objectDigest(db, k, v, d);
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}

// ---- OBJECT / SDSLEN ---------------------------------------------------------------------

/** A stable fake address per value (Redis prints the robj pointer). */
const addresses = new WeakMap<object, string>();
let nextAddress = 0x7f0000001000;
function addressOf(v: Value): string {
  if (typeof v === 'string') return '0x' + (0x7f0000000000 + (v.length % 0x1000) * 16).toString(16);
  let a = addresses.get(v);
  if (a === undefined) {
    nextAddress += 0x40;
    a = '0x' + nextAddress.toString(16);
    addresses.set(v, a);
  }
  return a;
}

function isSharedInteger(ctx: Context, v: Value): boolean {
  if (typeof v !== 'string' || v.length > 4 || encodingOf(v) !== 'int' || v.charCodeAt(0) === 45) return false;
  const cfg = ctx.server.config;
  if ((cfg.get('maxmemory') ?? '0') === '0') return true;
  const policy = cfg.get('maxmemory-policy') ?? 'noeviction';
  return !(policy.endsWith('-lru') || policy.endsWith('-lfu'));
}

function debugObject(ctx: Context, key: string): Reply {
  const db = ctx.db;
  const v = db.peek(key);
  if (v === undefined) throw new ReplyError(E.noKey);
  const enc = encodingOf(v);
  let serialized: number;
  try {
    serialized = createDumpPayload(v, dumpOptions(ctx)).length - 11;
  } catch (e) {
    if (e instanceof RdbUnsupportedError) throw new ReplyError(`ERR ${e.message}`);
    throw e;
  }
  const store = ctx.store;
  let lru: number;
  let idle: number;
  if (store.lfuEnabled) {
    lru = db.lru.get(key) ?? 0;
    const now = store.currentLruClock();
    idle = now >= lru ? now - lru : now + (LRU_CLOCK_MAX - lru);
  } else {
    idle = db.idleSeconds(key);
    lru = (store.currentLruClock() - idle) & LRU_CLOCK_MAX;
  }
  const refcount = isSharedInteger(ctx, v) ? 2147483647 : 1;
  let extra = '';
  if (enc === 'quicklist') {
    const fill = Number(ctx.server.config.get('list-max-listpack-size') ?? '-2');
    const items = (v as unknown as RList).range(0, -1);
    const nodes = quicklistNodes(items, fill);
    let size = 0;
    for (const n of nodes) size += n.data.length;
    const avg = nodes.length ? items.length / nodes.length : 0;
    extra = ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${fill} ql_compressed:${ctx.server.config.get('list-compress-depth') !== '0' ? 1 : 0} ql_uncompressed_size:${size}`;
  }
  return new SimpleString(`Value at:${addressOf(v)} refcount:${refcount} encoding:${enc} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}${extra}`);
}

function sdslen(ctx: Context, key: string): Reply {
  const v = ctx.db.peek(key);
  if (v === undefined) throw new ReplyError(E.noKey);
  const keyPart = `key_sds_len:${key.length}, key_sds_avail:0, key_zmalloc: ${sdsAlloc(key.length)}`;
  if (typeof v !== 'string' || encodingOf(v) === 'int') {
    if (typeof v === 'string') return new SimpleString(`${keyPart}, val_sds_len:0, val_sds_avail:0, val_zmalloc: 0`);
    throw new ReplyError('ERR Not an sds encoded string.');
  }
  const len = v.length;
  if (encodingOf(v) === 'embstr') {
    // The sds lives in the robj's allocation, sized exactly.
    return new SimpleString(`${keyPart}, val_sds_len:${len}, val_sds_avail:0, val_zmalloc: ${mallocSize(16 + 3 + len + 1) - 16}`);
  }
  // raw: alloc is the usable size, unless tryObjectEncoding trimmed more than a tenth of spare room.
  const zmalloc = sdsAlloc(len);
  const spare = zmalloc - sdsHeader(len) - 1 - len;
  return new SimpleString(`${keyPart}, val_sds_len:${len}, val_sds_avail:${spare > len / 10 ? 0 : spare}, val_zmalloc: ${zmalloc}`);
}

// ---- RELOAD ------------------------------------------------------------------------------

/** Save every key as a DUMP payload and load it back (encodings as after a restart). */
function reload(ctx: Context, opts: string[]): Reply {
  let nosave = false;
  let noflush = false;
  for (const o of opts) {
    const l = o.toLowerCase();
    if (l === 'nosave') nosave = true;
    else if (l === 'noflush') noflush = true;
    else if (l !== 'merge') throw new ReplyError(E.reloadOptions);
  }
  // Loading a file from disk is the persistence group's (dump.rdb); without it there is nothing to load.
  if (nosave) throw new ReplyError(E.reloadLoad);
  const dump = dumpOptions(ctx);
  const load = loadOptions(ctx);
  const saved: Array<{ db: Database; entries: Array<[string, Buffer]> }> = [];
  // Serialize everything first: nothing changes if a value cannot be saved.
  for (const db of ctx.store.dbs) {
    if (db.size === 0) continue;
    const entries: Array<[string, Buffer]> = [];
    for (const [k, v] of db.data) {
      try {
        entries.push([k, createDumpPayload(v, dump)]);
      } catch (e) {
        if (e instanceof RdbUnsupportedError) throw new ReplyError(`ERR ${e.message}`);
        throw e;
      }
    }
    saved.push({ db, entries });
  }
  // Emptying the databases before the load touches every watched key (signalFlushedDb).
  if (!noflush) for (const db of ctx.store.dbs) db.touchAllWatched(null);
  for (const { db, entries } of saved) {
    // Same keys and TTLs; each value as a load rebuilds it (encodings chosen afresh).
    for (const [k, payload] of entries) {
      const v = loadDumpPayload(payload, load);
      if (v !== null) db.replaceValue(k, v);
    }
  }
  return OK;
}

// ---- PROTOCOL ----------------------------------------------------------------------------

const ATTRIB_REPLY = 'Some real reply following the attribute';
const PUSH_REPLY = 'Some real reply following the push reply';
const bulkBytes = (s: string) => `$${s.length}\r\n${s}\r\n`;

function protocol(ctx: Context, name: string): Reply {
  switch (name.toLowerCase()) {
    case 'string':
      return 'Hello World';
    case 'integer':
      return 12345;
    case 'double':
      return new DoubleReply(3.141);
    case 'bignum':
      return new BigNumberReply('1234567999999999999999999999999999999');
    case 'null':
      return null;
    case 'array':
      return [0, 1, 2];
    case 'set':
      return new SetReply([0, 1, 2]);
    case 'map':
      return new MapReply([0, false, 1, true, 2, false]);
    case 'attrib':
      return new RawReply(
        Buffer.from(bulkBytes(ATTRIB_REPLY), 'latin1'),
        Buffer.from(`|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n${bulkBytes(ATTRIB_REPLY)}`, 'latin1'),
      );
    case 'push':
      if (ctx.protocol < 3) throw new ReplyError(E.resp2);
      return new RawReply(Buffer.from(`>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n${bulkBytes(PUSH_REPLY)}`, 'latin1'));
    case 'verbatim':
      return new VerbatimReply('This is a verbatim\nstring');
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      throw new ReplyError(E.protocol);
  }
}

// ---- the rest -------------------------------------------------------------------------------

/** DEBUG SLEEP: block the whole process, as Redis blocks its event loop. */
function sleepSeconds(s: number): void {
  if (!(s > 0)) return;
  const ms = s * 1000;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** strtod prefix semantics: the leading number, 0 if none. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/** atoi: the leading integer, 0 if none. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number(m[0]) : 0;
}

/** memtoull for QUICKLIST-PACKED-THRESHOLD: digits with an optional b/k/kb/m/mb/g/gb unit. */
function memBytes(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return null;
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };
  return Number(m[1]) * (m[2] ? mul[m[2].toLowerCase()] : 1);
}

const packedThresholds = new WeakMap<RedKitServer, number>();
/** The plain-node threshold DEBUG QUICKLIST-PACKED-THRESHOLD set (1GB by default). */
export const quicklistPackedThreshold = (server: RedKitServer): number => packedThresholds.get(server) ?? 1 << 30;

function isLocal(ctx: Context): boolean {
  if (ctx.conn === undefined) return true;
  const a = ctx.remoteAddress;
  return a.startsWith('127.') || a.startsWith('::1') || a.startsWith('[::1]') || a.startsWith(':');
}

function debugAllowed(ctx: Context): boolean {
  const mode = ctx.server.config.get('enable-debug-command') ?? 'no';
  return mode === 'yes' || (mode === 'local' && isLocal(ctx));
}

function populate(ctx: Context, args: string[]): Reply {
  const count = parseIntStrict(args[0]);
  if (count === null || count < 0) throw new ReplyError(E.positive);
  const prefix = args[1] ?? 'key';
  let size = 0;
  if (args.length > 2) {
    const s = parseIntStrict(args[2]);
    if (s === null || s < 0) throw new ReplyError(E.positive);
    size = Number(s);
  }
  const db = ctx.db;
  for (let j = 0; j < Number(count); j++) {
    const key = `${prefix}:${j}`;
    if (db.peek(key) !== undefined) continue;
    let val = `value:${j}`;
    if (size > 0) val = val.length >= size ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    db.set(key, val);
  }
  return OK;
}

const HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
];

function debug(ctx: Context, args: string[]): Reply {
  if (!debugAllowed(ctx)) throw new ReplyError(E.notAllowed);
  const sub = args[0];
  const rest = args.slice(1);
  const n = args.length + 1; // argc as Redis counts it
  switch (sub.toLowerCase()) {
    case 'help':
      if (n === 2) return [`DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...HELP, 'HELP', '    Prints this help.'].map((s) => new SimpleString(s));
      break;
    case 'object':
      if (n === 3) return debugObject(ctx, rest[0]);
      break;
    case 'sdslen':
      if (n === 3) return sdslen(ctx, rest[0]);
      break;
    case 'digest':
      if (n === 2) return new SimpleString(datasetDigest(ctx.store.dbs));
      break;
    case 'digest-value':
      if (n >= 2) {
        return rest.map((k) => {
          const d = Buffer.alloc(20);
          const v = ctx.db.data.get(k);
          if (v !== undefined) objectDigest(ctx.db, k, v, d);
          return new SimpleString(d.toString('hex'));
        });
      }
      break;
    case 'reload':
      return reload(ctx, rest);
    case 'sleep':
      if (n === 3) {
        sleepSeconds(strtod(rest[0]));
        return OK;
      }
      break;
    case 'set-active-expire':
      if (n === 3) {
        ctx.store.activeExpireEnabled = atoi(rest[0]) !== 0;
        if (ctx.store.activeExpireEnabled) ctx.store.activeExpire();
        return OK;
      }
      break;
    case 'quicklist-packed-threshold':
      if (n === 3) {
        const sz = memBytes(rest[0]);
        if (sz === null || sz > 2 ** 32 - 2 ** 20) throw new ReplyError(E.packedThreshold);
        packedThresholds.set(ctx.server, sz === 0 ? 1 << 30 : sz);
        return OK;
      }
      break;
    case 'protocol':
      if (n === 3) return protocol(ctx, rest[0]);
      break;
    case 'listpack':
      if (n === 3) {
        const v = ctx.db.peek(rest[0]);
        if (v === undefined) throw new ReplyError(E.noKey);
        if (typeof v === 'string' || v.encoding() !== 'listpack') throw new ReplyError(E.notListpack);
        ctx.server.logger.info(`DEBUG LISTPACK ${rest[0]}: ${v.encoding()} of ${listpackSize(v)} bytes`);
        return new SimpleString('Listpack structure printed on stdout');
      }
      break;
    case 'quicklist':
      if (n === 3 || n === 4) {
        const v = ctx.db.peek(rest[0]);
        if (v === undefined) throw new ReplyError(E.noKey);
        if (typeof v === 'string' || v.encoding() !== 'quicklist') throw new ReplyError(E.notQuicklist);
        return new SimpleString('Quicklist structure printed on stdout');
      }
      break;
    case 'change-repl-id':
      if (n === 2) return OK;
      break;
    case 'error':
      if (n === 3) return new ReplyError(rest[0]);
      break;
    case 'log':
      if (n === 3) {
        ctx.server.logger.warn(`DEBUG LOG: ${rest[0]}`);
        return OK;
      }
      break;
    case 'populate':
      if (n >= 3 && n <= 5) return populate(ctx, rest);
      break;
    case 'structsize':
      if (n === 2) return 'bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ';
      break;
    case 'leak':
      if (n === 3) return OK;
      break;
    case 'pause-cron':
    case 'set-skip-checksum-validation':
      if (n === 3) return OK;
      break;
    case 'replybuffer':
      if (n === 4) return OK;
      break;
  }
  throw new ReplyError(E.syntax(sub));
}

function listpackSize(v: Value): number {
  let bytes = 7;
  if (typeof v === 'string') return bytes;
  if (v.type === 'hash') for (const [f, val] of (v as unknown as RHash).map) bytes += listpackEntrySize(f) + listpackEntrySize(val);
  return bytes;
}

export function installDebug(server: RedKitServer): void {
  defineCommands(server, { debug });
}
