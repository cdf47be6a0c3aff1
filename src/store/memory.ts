/**
 * RedKit's memory model: what redis-server 7.0 (jemalloc 5, x86_64) would
 * allocate for the same data. Node's own heap says nothing a test can rely
 * on, so MEMORY USAGE, MEMORY STATS and INFO memory's used_memory are all
 * computed from this one model (see docs/memory.md):
 *
 *   usage(key)   = dictEntry (24) + key sds allocation + value (objectComputeSize)
 *   used_memory  = STARTUP_BYTES + clients + Σ db hashtable overhead + Σ usage(key)
 *
 * Values follow Redis's per-encoding recipe (object.c, objectComputeSize):
 * sds strings with their header, listpacks byte for byte, quicklist nodes cut
 * where Redis cuts them, intsets, hashtables with their bucket arrays, skip
 * lists; collections past `samples` elements are estimated from the average
 * of the first `samples` elements, as Redis does. Every allocation is rounded
 * up to its jemalloc size class.
 *
 * Not modelled (documented differences): quicklists built by pushing at the
 * head (the model cuts nodes from the head, as RPUSH fills them), hashtables caught in the middle of an
 * incremental rehash (the model assumes it finished), tables that kept a
 * larger size after deletions, sds spare room left by APPEND/SETRANGE, and
 * random skip list levels (every node is counted at level 1).
 */
import { formatDouble, parseIntStrict } from '../resp/format.js';
import { forEachTransient } from './lazy.js';
import { listpackEntrySize } from './listpack.js';
import type { Database } from './database.js';
import type { Store } from './store.js';
import type { Value } from './types.js';
import type { RHash } from './types/hash.js';
import type { RList } from './types/list.js';
import type { RSet } from './types/set.js';
import { DEFAULT_STREAM_LIMITS, RStream } from './types/stream.js';
import type { ZSet } from './types/zset.js';

/** sizeof(robj). */
export const ROBJ = 16;
/** sizeof(dictEntry). */
export const DICT_ENTRY = 24;
/** sizeof(dict) in Redis 7.0. */
export const DICT = 56;
const QUICKLIST = 40;
const QUICKLIST_NODE = 40;
const ZSET = 16;
const ZSKIPLIST = 32;
/** A skip list node at level 1: ele, score, backward and one level (forward + span). */
const ZSKIPLIST_NODE_L1 = 24 + 16;
/** The skip list header node has 32 levels. */
const ZSKIPLIST_HEADER = 24 + 32 * 16;
/** What an empty redis-server 7.0.15 reports as used_memory_startup. */
export const STARTUP_BYTES = 876216;
/** What a connected client adds (sizeof(client) + query buffer + reply buffer as Redis counts them). */
export const CLIENT_BYTES = 1841;
/** MEMORY USAGE's default sample count. */
export const DEFAULT_SAMPLES = 5;

/** jemalloc's usable size for a request of `n` bytes (size classes with a 16-byte quantum). */
export function mallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  // Four classes per doubling: spacing is a quarter of the power of two below.
  let pow = 128;
  while (pow * 2 < n) pow *= 2;
  const step = pow / 4;
  return Math.ceil(n / step) * step;
}

/** sds header size for a string of `len` bytes (sdsReqType; an empty sds gets type 8). */
export function sdsHeader(len: number): number {
  if (len < 32) return len === 0 ? 3 : 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 4294967296) return 9;
  return 17;
}

/** Allocation of a freshly created sds of `len` bytes (sdsZmallocSize). */
export function sdsAlloc(len: number): number {
  return mallocSize(sdsHeader(len) + len + 1);
}

/** Bucket array length of a hashtable holding `n` entries that grew by inserts (DICT_HT_INITIAL_SIZE 4). */
export function dictSlots(n: number): number {
  if (n === 0) return 0;
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

/** The range of a signed long: string2l accepts it. */
function isLongInt(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 20) return false;
  const c = s.charCodeAt(0);
  if (c !== 45 && (c < 48 || c > 57)) return false;
  return parseIntStrict(s) !== null;
}

/** Size of a string value's robj and payload (int / embstr / raw). */
export function stringSize(v: Value): number {
  const s = typeof v === 'string' ? v : null;
  const len = s !== null ? s.length : (v as unknown as { length: number }).length;
  const enc = s !== null ? (len <= 20 && isLongInt(s) ? 'int' : len <= 44 ? 'embstr' : 'raw') : (v as { encoding(): string }).encoding();
  if (enc === 'int') return ROBJ;
  if (enc === 'embstr') return mallocSize(ROBJ + 3 + len + 1);
  return ROBJ + sdsAlloc(len);
}

/** Samples to use: 0 means all. */
const sampleLimit = (samples: number) => (samples <= 0 ? Infinity : samples);

/** Quicklist fill (list-max-listpack-size): bytes per node for negative values, else a count. */
export interface ListLimits {
  fill: number;
}

const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/** listpackEntrySize with a fast path for elements that cannot be integers. */
function entrySize(s: string): number {
  const len = s.length;
  const c = len === 0 ? 0 : s.charCodeAt(0);
  if (len !== 0 && len <= 20 && (c === 45 || (c >= 48 && c <= 57))) return listpackEntrySize(s);
  const enclen = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return enclen + (enclen <= 127 ? 1 : enclen < 16383 ? 2 : enclen < 2097151 ? 3 : enclen < 268435455 ? 4 : 5);
}

function listSize(l: RList, samples: number, fill: number): number {
  const max = sampleLimit(samples);
  const sizeLimit = fill < 0 ? OPTIMIZATION_LEVEL[Math.min(-fill - 1, 4)] : Infinity;
  let nodes = 0;
  let sampled = 0;
  let sampledBytes = 0;
  let lpBytes = 0; // bytes of the node being filled (0: none yet)
  let count = 0;
  const n = l.length;
  for (let i = 0; i < n; i++) {
    const e = l.at(i) as string;
    let fits = lpBytes !== 0;
    if (fits) {
      const newSz = lpBytes + e.length + SIZE_ESTIMATE_OVERHEAD;
      if (fill < 0) fits = newSz <= sizeLimit;
      else fits = newSz <= SIZE_SAFETY_LIMIT && count + 1 <= (fill === 0 ? 1 : fill);
    }
    if (!fits) {
      if (lpBytes !== 0 && sampled < max) {
        sampledBytes += QUICKLIST_NODE + mallocSize(lpBytes);
        sampled++;
      }
      nodes++;
      lpBytes = 7;
      count = 0;
    }
    lpBytes += entrySize(e);
    count++;
  }
  if (lpBytes !== 0 && sampled < max) {
    sampledBytes += QUICKLIST_NODE + mallocSize(lpBytes);
    sampled++;
  }
  let size = ROBJ + QUICKLIST;
  if (sampled > 0) size += Math.floor((sampledBytes / sampled) * nodes);
  return size;
}

function intsetSize(s: RSet): number {
  let width = 2;
  for (const m of s.view()) {
    const v = Number(m);
    if (v < -2147483648 || v > 2147483647) {
      width = 8;
      break;
    }
    if (v < -32768 || v > 32767) width = 4;
  }
  return ROBJ + mallocSize(8 + width * s.size);
}

function setSize(s: RSet, samples: number): number {
  if (s.isIntset) return intsetSize(s);
  const max = sampleLimit(samples);
  const n = s.size;
  let size = ROBJ + DICT + 8 * dictSlots(n);
  let sampled = 0;
  let bytes = 0;
  for (const m of s.view()) {
    if (sampled >= max) break;
    bytes += DICT_ENTRY + sdsAlloc(m.length);
    sampled++;
  }
  if (sampled > 0) size += Math.floor((bytes / sampled) * n);
  return size;
}

function hashSize(h: RHash, samples: number): number {
  if (h.isListpack) {
    let bytes = 7;
    for (const [f, v] of h.map) bytes += entrySize(f) + entrySize(v);
    return ROBJ + mallocSize(bytes);
  }
  const max = sampleLimit(samples);
  const n = h.size;
  let size = ROBJ + DICT + 8 * dictSlots(n);
  let sampled = 0;
  let bytes = 0;
  for (const [f, v] of h.map) {
    if (sampled >= max) break;
    bytes += sdsAlloc(f.length) + sdsAlloc(v.length) + DICT_ENTRY;
    sampled++;
  }
  if (sampled > 0) size += Math.floor((bytes / sampled) * n);
  return size;
}

/** The score as a listpack stores it (d2string: integers in long range print as integers). */
function scoreString(score: number): string {
  return formatDouble(score);
}

function zsetSize(z: ZSet, samples: number): number {
  const n = z.size;
  if (z.isListpack) {
    let bytes = 7;
    for (let r = 0; r < n; r++) {
      const [m, s] = z.at(r) as [string, number];
      bytes += entrySize(m) + entrySize(scoreString(s));
    }
    return ROBJ + mallocSize(bytes);
  }
  const max = sampleLimit(samples);
  let size = ROBJ + ZSET + ZSKIPLIST + DICT + 8 * dictSlots(n) + mallocSize(ZSKIPLIST_HEADER);
  let sampled = 0;
  let bytes = 0;
  const c = z.cursor(0);
  if (c !== null) {
    do {
      if (sampled >= max) break;
      bytes += sdsAlloc(c.member.length) + DICT_ENTRY + mallocSize(ZSKIPLIST_NODE_L1);
      sampled++;
    } while (c.next());
  }
  if (sampled > 0) size += Math.floor((bytes / sampled) * n);
  return size;
}

/** Thrown for value types this model does not know yet. */
export class UnsupportedValueError extends Error {}

/** streamRadixTreeMemoryUsage: 16 bytes per ID, a raxNode header and 30 words per node. */
function streamRaxSize(numele: number, numnodes: number): number {
  return numele * 16 + numnodes * 4 + numnodes * 8 * 30;
}

/**
 * The allocation of one stream node's listpack. Redis preallocates a new
 * node at stream-node-max-bytes (4096 by default), grows it by realloc, and
 * shrinks it to fit when the node closes on its entry count; a node closed on
 * its byte size keeps its preallocation. (Nodes loaded by RESTORE or from an
 * RDB file are exact-size in Redis; they are modelled as appended ones.)
 */
function streamNodeAlloc(bytes: number, closedOnCount: boolean): number {
  const prealloc = DEFAULT_STREAM_LIMITS.maxBytes;
  if (closedOnCount || bytes > prealloc) return mallocSize(bytes);
  return prealloc;
}

/** objectComputeSize of a stream: robj + stream, its rax, sampled listpacks, groups, PELs and consumers. */
function streamSize(s: RStream, samples: number): number {
  let size = 16 + 80;
  const nodes = s.nodes;
  const numele = nodes.length;
  size += streamRaxSize(numele, s.radixTreeNodes());
  const maxEntries = DEFAULT_STREAM_LIMITS.maxEntries;
  const alloc = (i: number): number => {
    const n = nodes[i];
    return streamNodeAlloc(n.redisBytes(), i !== numele - 1 && maxEntries > 0 && n.live + n.dead >= maxEntries);
  };
  const max = sampleLimit(samples);
  let lp = 0;
  let sampled = 0;
  while (sampled < max && sampled < numele) lp += alloc(sampled++);
  if (numele <= sampled) size += lp;
  else {
    if (sampled > 0) lp = Math.floor(lp / sampled);
    size += lp * (numele - 1) + alloc(numele - 1);
  }
  if (s.groups !== null) for (const g of s.groups.values()) {
    size += 40;
    let pel = 0;
    g.pel.forEach(() => {
      pel++;
    });
    size += streamRaxSize(pel, RStream.raxNodesOf(g.pel)) + 24 * pel;
    for (const c of g.consumers.values()) {
      let cpel = 0;
      c.pel.forEach(() => {
        cpel++;
      });
      size += 24 + c.name.length + streamRaxSize(cpel, RStream.raxNodesOf(c.pel));
    }
  }
  return size;
}

/** objectComputeSize: the value's allocation, robj included. */
export function valueSize(v: Value, samples: number = DEFAULT_SAMPLES, listFill = -2): number {
  if (typeof v === 'string') return stringSize(v);
  switch (v.type) {
    case 'string':
      return stringSize(v);
    case 'list':
      return listSize(v as unknown as RList, samples, listFill);
    case 'set':
      return setSize(v as unknown as RSet, samples);
    case 'hash':
      return hashSize(v as unknown as RHash, samples);
    case 'zset':
      return zsetSize(v as unknown as ZSet, samples);
    case 'stream':
      return streamSize(v as unknown as RStream, samples);
    default:
      throw new UnsupportedValueError(`unknown value type`);
  }
}

/** MEMORY USAGE: the key's dictEntry and sds plus its value. */
export function keyUsage(key: string, v: Value, samples: number = DEFAULT_SAMPLES, listFill = -2): number {
  return valueSize(v, samples, listFill) + sdsAlloc(key.length) + DICT_ENTRY;
}

/** The hashtable overhead of one database (MEMORY STATS db.N). */
export function dbOverhead(db: Database): { main: number; expires: number } {
  const n = db.data.size;
  const e = db.expires.size;
  return {
    main: n * DICT_ENTRY + dictSlots(n) * 8 + n * ROBJ,
    expires: e * DICT_ENTRY + dictSlots(e) * 8,
  };
}

export interface MemorySnapshot {
  /** used_memory / total.allocated. */
  used: number;
  startup: number;
  clients: number;
  /** Per non-empty db: id, main and expires overheads. */
  dbs: Array<{ id: number; main: number; expires: number }>;
  /** overhead.total. */
  overhead: number;
  keys: number;
  /** dataset.bytes. */
  dataset: number;
}

/**
 * Account the whole keyspace once (O(keys); collections are sampled, lists
 * walked). A value the model does not know counts as its robj only.
 */
export function snapshot(store: Store, clients: number, listFill = -2): MemorySnapshot {
  return snapshotWith(store, clients, (db) => walkDataset(db, listFill));
}

/** dataset.bytes of one database from a walk over its keys. */
function walkDataset(db: Database, listFill: number): number {
  let data = 0;
  forEachTransient(db.data, (k, v) => {
    data += keyContribution(k, v, listFill);
  });
  return data;
}

/**
 * One key's share of dataset.bytes: its usage without the dictEntry and robj
 * (they are in the hashtable overhead already). A value the model does not
 * know counts as its robj only.
 */
export function keyContribution(key: string, v: Value, listFill: number): number {
  let s: number;
  try {
    s = keyUsage(key, v, DEFAULT_SAMPLES, listFill);
  } catch {
    s = ROBJ;
  }
  return s - DICT_ENTRY - ROBJ;
}

/**
 * The snapshot's figures around a per-database dataset figure: the walk
 * above, or the incremental account (store/memory-account.ts).
 */
export function snapshotWith(store: Store, clients: number, datasetOf: (db: Database) => number): MemorySnapshot {
  let overhead = STARTUP_BYTES + clients * CLIENT_BYTES;
  let data = 0;
  let keys = 0;
  const dbs: MemorySnapshot['dbs'] = [];
  for (const db of store.dbs) {
    const n = db.data.size;
    if (n === 0) continue;
    keys += n;
    const o = dbOverhead(db);
    dbs.push({ id: db.id, main: o.main, expires: o.expires });
    overhead += o.main + o.expires;
    data += datasetOf(db);
  }
  return { used: overhead + data, startup: STARTUP_BYTES, clients: clients * CLIENT_BYTES, dbs, overhead, keys, dataset: data };
}
