/**
 * The stream value (t_stream.c): entries ordered by ID in packed nodes, plus
 * consumer groups with their pending entries lists (PEL).
 *
 * IDs. An ID is two unsigned 64-bit numbers (ms, seq). Each half is a JS
 * number while it is <= 2^53-1 and a bigint above (canonical form: the same
 * value always has the same representation, so `===` works, and `<` compares
 * numbers and bigints exactly). Streams built from clock IDs never leave the
 * number path.
 *
 * Entries. Like Redis's radix tree of listpacks, entries live in nodes of up
 * to `stream-node-max-entries` entries (100), sorted by the node's master ID
 * (the ID of its first entry when it was created). A node keeps its entries
 * in one binary string: per entry a flags byte (deleted, same fields as the
 * master entry), the ms delta from the master and the seq (varints), then the
 * values (and field names when they differ from the node's master fields),
 * each length-prefixed. Appends to the tail node write bytes into a buffer
 * (a string is made from it when the node is read, and once for good when
 * the next node starts: no string or cons cell per entry for the GC to
 * copy), XDEL/XTRIM set the deleted flag in place, and a node whose
 * last live entry is deleted goes away — what Redis does, so the number of
 * nodes (XINFO `radix-tree-keys`) is Redis's: a new node starts when the tail
 * node holds `stream-node-max-entries` entries (live or deleted) or when its
 * listpack would reach `stream-node-max-bytes` (we keep the byte size the
 * Redis listpack would have). The node index is a plain sorted array: nodes
 * are only ever appended at the end (IDs grow), so lookups are a binary
 * search and XADD is O(1).
 *
 * `radix-tree-nodes` is computed from the nodes' keys as the node count of a
 * compressed trie (rax) over the 16-byte big-endian keys; it matches Redis
 * for streams built by appends (see radixTreeNodes()).
 */
import type { RObject } from '../types.js';

export type U64 = number | bigint;

export const U64_MAX = 18446744073709551615n;
const SAFE = Number.MAX_SAFE_INTEGER;

/** Canonical form of an unsigned 64-bit value. */
export const u64 = (v: bigint): U64 => (v <= 9007199254740991n ? Number(v) : v);

export interface StreamID {
  ms: U64;
  seq: U64;
}

export const MIN_ID: Readonly<StreamID> = Object.freeze({ ms: 0, seq: 0 });
export const MAX_ID: Readonly<StreamID> = Object.freeze({ ms: U64_MAX, seq: U64_MAX });

export function cmpId(ams: U64, aseq: U64, bms: U64, bseq: U64): number {
  if (ams !== bms) return ams < bms ? -1 : 1;
  if (aseq !== bseq) return aseq < bseq ? -1 : 1;
  return 0;
}
export const compareIds = (a: StreamID, b: StreamID): number => cmpId(a.ms, a.seq, b.ms, b.seq);
export const idString = (ms: U64, seq: U64): string => `${ms}-${seq}`;
export const idIsZero = (id: StreamID): boolean => id.ms === 0 && id.seq === 0;

/** streamIncrID: the next ID, or null after U64_MAX-U64_MAX. */
export function incrId(id: StreamID): StreamID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: addOne(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: addOne(id.seq) };
}

/** streamDecrID: the previous ID, or null before 0-0. */
export function decrId(id: StreamID): StreamID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: subOne(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: subOne(id.seq) };
}

export const addOne = (v: U64): U64 => (typeof v === 'number' && v < SAFE ? v + 1 : u64(BigInt(v) + 1n));
export const subOne = (v: U64): U64 => (typeof v === 'number' ? v - 1 : u64(v - 1n));
const addU = (a: U64, b: U64): U64 => {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= SAFE) return r;
  }
  return u64(BigInt(a) + BigInt(b));
};
const subU = (a: U64, b: U64): U64 => (typeof a === 'number' && typeof b === 'number' ? a - b : u64(BigInt(a) - BigInt(b)));

// ---- varints in binary strings ------------------------------------------------------------

const FCC = String.fromCharCode;
const ONE_CHAR: string[] = [];
for (let i = 0; i < 256; i++) ONE_CHAR.push(FCC(i));

function varint(v: U64): string {
  if (typeof v === 'number') {
    if (v < 128) return ONE_CHAR[v];
    let s = '';
    while (v >= 128) {
      s += ONE_CHAR[(v % 128) | 128];
      v = Math.floor(v / 128);
    }
    return s + ONE_CHAR[v];
  }
  let s = '';
  let b = v;
  while (b >= 128n) {
    s += ONE_CHAR[Number(b & 127n) | 128];
    b >>= 7n;
  }
  return s + ONE_CHAR[Number(b)];
}

const lenPrefixed = (s: string): string => (s.length < 128 ? ONE_CHAR[s.length] + s : varint(s.length) + s);

/** Write varint(v) at b[p]; returns the position after it (at most 10 bytes). */
function putVarint(b: Buffer, p: number, v: U64): number {
  if (typeof v === 'number') {
    while (v >= 128) {
      b[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    return p;
  }
  while (v >= 128n) {
    b[p++] = Number(v & 127n) | 128;
    v >>= 7n;
  }
  b[p++] = Number(v);
  return p;
}

/** Write a length-prefixed binary string at b[p] (at most 5 + its length bytes). */
function putStr(b: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n < 128) b[p++] = n;
  else p = putVarint(b, p, n);
  if (n <= 32) {
    for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
    return p + n;
  }
  return p + b.latin1Write(s, p, n);
}

/** Read position of the decoder (single-threaded, never re-entered). */
let P = 0;

function readVarint(s: string): U64 {
  const start = P;
  let c = s.charCodeAt(P++);
  if (c < 128) return c;
  let v = c & 127;
  let mul = 128;
  for (let i = 1; i < 7; i++) {
    c = s.charCodeAt(P++);
    v += (c & 127) * mul;
    if (c < 128) return v;
    mul *= 128;
  }
  // Longer than 49 bits: decode as a bigint.
  P = start;
  let b = 0n;
  let shift = 0n;
  for (;;) {
    c = s.charCodeAt(P++);
    b |= BigInt(c & 127) << shift;
    shift += 7n;
    if (c < 128) return u64(b);
  }
}

function readLen(s: string): number {
  const c = s.charCodeAt(P);
  if (c < 128) {
    P++;
    return c;
  }
  return readVarint(s) as number;
}

function readStr(s: string): string {
  const n = readLen(s);
  const r = s.slice(P, P + n);
  P += n;
  return r;
}

function skipStr(s: string): void {
  const n = readLen(s);
  P += n;
}

// ---- Redis listpack sizes (node boundaries) -----------------------------------------------

const backlen = (l: number): number => (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);

function lpIntSize(v: number): number {
  let enc: number;
  if (v >= 0 && v <= 127) enc = 1;
  else if (v >= -4096 && v <= 4095) enc = 2;
  else if (v >= -32768 && v <= 32767) enc = 3;
  else if (v >= -8388608 && v <= 8388607) enc = 4;
  else if (v >= -2147483648 && v <= 2147483647) enc = 5;
  else enc = 9;
  return enc + 1;
}

/** An int64 delta stored by Redis (it wraps mod 2^64). */
function lpDeltaSize(d: U64): number {
  if (typeof d === 'number') return lpIntSize(d);
  let b = BigInt.asIntN(64, d);
  if (b >= -2147483648n && b <= 2147483647n) return lpIntSize(Number(b));
  b = 0n;
  return 10;
}

/** Bytes of a string element in a listpack (integers are stored as integers). */
export function lpStrSize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const v = strictInt(s);
      if (v !== null) return typeof v === 'bigint' ? 10 : lpIntSize(v);
    }
  }
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + backlen(enc);
}

/** string2ll: a canonical int64, or null. */
function strictInt(s: string): number | bigint | null {
  const n = s.length;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i < 16) return Number(s);
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return null;
  return neg ? (b >= -9007199254740991n ? Number(b) : b) : b <= 9007199254740991n ? Number(b) : b;
}

/** listpack header (6) + terminator (1). */
const LP_EMPTY = 7;

// ---- nodes -----------------------------------------------------------------------------------

const F_DELETED = 1;
const F_SAMEFIELDS = 2;
/** STREAM_ITEM_FLAG_DELETED / STREAM_ITEM_FLAG_SAMEFIELDS */
export const ENTRY_DELETED = F_DELETED;
export const ENTRY_SAMEFIELDS = F_SAMEFIELDS;

export class StreamNode {
  /** Entries encoded one after the other (see the file comment); `data` reads them. */
  private str = '';
  /**
   * While the node is the stream's tail, appends write their bytes here
   * (no string per entry, nothing for the GC to copy); `str` is rebuilt from
   * it when read after an append (`stale`). Sealed (dropped) when the next
   * node starts; a rewrite of `data` (XDEL, trim) drops it too.
   */
  private tail: Buffer | null = null;
  private tailLen = 0;
  private stale = false;
  /** Live entries. */
  live = 0;
  /** Entries flagged deleted. */
  dead = 0;
  /** ID of the last entry (live or deleted). */
  lastMs: U64;
  lastSeq: U64;
  /** The last entry is live (not a tombstone). */
  lastLive = true;
  /**
   * RESP encodings of the node's entries (`*2 $id *2n $f $v ...`, the same
   * in RESP2 and RESP3), built on the second small forward read of an
   * unchanged node; null when not built or invalidated by a change.
   */
  enc: NodeEncoding | null = null;
  /** Reads since the last change (an encoding is built on the second). */
  reads = 0;
  /**
   * Where the last forward scan of the node stopped: the offset in `data` of
   * an entry (0: none) and its ID. A scan from an ID at or after it starts
   * there (XREADGROUP `>` and paging reads go forward through a node); entries
   * never move within a node (appends go at the end, deletions flip a flag).
   */
  hintP = 0;
  hintMs: U64 = 0;
  hintSeq: U64 = 0;
  /**
   * Bytes of Redis's listpack for this node except the two counters (valid and
   * deleted entries) of the master entry.
   */
  lpBytes: number;
  constructor(
    /** Master ID. */
    readonly ms: U64,
    readonly seq: U64,
    /** Field names of the master entry. */
    readonly fields: string[],
  ) {
    this.lastMs = ms;
    this.lastSeq = seq;
    let b = LP_EMPTY + lpIntSize(fields.length) + lpIntSize(0);
    for (let i = 0; i < fields.length; i++) b += lpStrSize(fields[i]);
    this.lpBytes = b;
  }

  /** Entries encoded one after the other (see the file comment). */
  get data(): string {
    if (this.stale) {
      this.str = this.tail!.latin1Slice(0, this.tailLen);
      this.stale = false;
    }
    return this.str;
  }

  set data(v: string) {
    this.str = v;
    this.tail = null;
    this.tailLen = 0;
    this.stale = false;
  }

  /** The node is no longer the tail: keep only its string. */
  seal(): void {
    if (this.tail === null) return;
    if (this.stale) this.str = this.tail.latin1Slice(0, this.tailLen);
    this.tail = null;
    this.tailLen = 0;
    this.stale = false;
  }

  /** The tail buffer with room for `need` more bytes past tailLen. */
  private room(need: number): Buffer {
    const t = this.tail;
    if (t !== null && this.tailLen + need <= t.length) return t;
    const used = t !== null ? this.tailLen : this.str.length;
    const b = Buffer.allocUnsafe(Math.max(256, 2 * (used + need)));
    if (t !== null) t.copy(b, 0, 0, used);
    else b.latin1Write(this.str, 0, used);
    this.tail = b;
    this.tailLen = used;
    return b;
  }

  /**
   * Append one entry's record: flags, ms delta, seq, then (unless the entry
   * has the master fields) the field count, then the field names (idem) and
   * values, length-prefixed. `need`: an upper bound of its size.
   */
  appendRecord(flags: number, msd: U64, seq: U64, fv: readonly string[], from: number, need: number): void {
    const b = this.room(need);
    let p = this.tailLen;
    b[p++] = flags;
    p = putVarint(b, p, msd);
    p = putVarint(b, p, seq);
    if (flags & F_SAMEFIELDS) {
      for (let i = from + 1; i < fv.length; i += 2) p = putStr(b, p, fv[i]);
    } else {
      p = putVarint(b, p, (fv.length - from) >> 1);
      for (let i = from; i < fv.length; i++) p = putStr(b, p, fv[i]);
    }
    this.tailLen = p;
    this.stale = true;
  }

  /** Redis's lpBytes() of this node. */
  redisBytes(): number {
    return this.lpBytes + lpIntSize(this.live) + lpIntSize(this.dead);
  }
}

/** Cached RESP encodings of a node's entries (tombstones have start === end). */
export interface NodeEncoding {
  buf: Buffer;
  ms: U64[];
  seq: U64[];
  /** Byte offsets: entry i is buf[start[i], start[i + 1]). */
  start: Int32Array;
}

/** An entry as the commands see it: ID and flat field/value list. */
export interface StreamEntry {
  ms: U64;
  seq: U64;
  fv: string[];
}

/** stream-node-max-entries / stream-node-max-bytes. */
export interface StreamLimits {
  maxEntries: number;
  maxBytes: number;
}
export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({ maxEntries: 100, maxBytes: 4096 });
/** Most bytes of cached entry encodings a stream keeps (a few hundred nodes of small entries). */
const ENC_BUDGET = 1 << 20;
/** STREAM_LISTPACK_MAX_SIZE */
const LISTPACK_MAX_SIZE = 1 << 30;

// ---- ordered map by ID (PELs) ------------------------------------------------------------

const LEAF_MAX = 128;

class IdLeaf<V> {
  ms: U64[] = [];
  seq: U64[] = [];
  vals: V[] = [];
}

/**
 * An ordered map keyed by stream ID: sorted leaves of up to 128 keys under a
 * sorted array of leaves. Insert/delete/lookup cost O(log n + 128); appends
 * in ID order (the common case) go to the last leaf.
 */
export class IdMap<V> {
  private leaves: IdLeaf<V>[] = [];
  /**
   * The first key of each leaf, in two flat arrays: the search for a leaf
   * reads these instead of three objects per step (a PEL of 100k IDs has
   * ~2000 leaves scattered in the heap: that search was half of XACK's time).
   */
  private firstMs: U64[] = [];
  private firstSeq: U64[] = [];
  size = 0;

  /** Index of the leaf that holds or would hold the key. */
  private leafFor(ms: U64, seq: U64): number {
    const FM = this.firstMs;
    const FS = this.firstSeq;
    let lo = 0;
    let hi = FM.length - 1;
    // Last leaf whose first key <= key (0 when none).
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cmpId(FM[mid], FS[mid], ms, seq) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Position of the first key >= (ms, seq) in a leaf. */
  private static lowerBound<V>(l: IdLeaf<V>, ms: U64, seq: U64): number {
    let lo = 0;
    let hi = l.ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpId(l.ms[mid], l.seq[mid], ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(ms: U64, seq: U64): V | undefined {
    if (this.size === 0) return undefined;
    const l = this.leaves[this.leafFor(ms, seq)];
    const i = IdMap.lowerBound(l, ms, seq);
    return i < l.ms.length && l.ms[i] === ms && l.seq[i] === seq ? l.vals[i] : undefined;
  }

  /** Insert or replace; true when the key is new. */
  set(ms: U64, seq: U64, v: V): boolean {
    const L = this.leaves;
    if (L.length === 0) {
      const l = new IdLeaf<V>();
      l.ms.push(ms);
      l.seq.push(seq);
      l.vals.push(v);
      L.push(l);
      this.firstMs.push(ms);
      this.firstSeq.push(seq);
      this.size = 1;
      return true;
    }
    const li = this.leafFor(ms, seq);
    const l = L[li];
    const n = l.ms.length;
    let i: number;
    if (cmpId(l.ms[n - 1], l.seq[n - 1], ms, seq) < 0) i = n;
    else {
      i = IdMap.lowerBound(l, ms, seq);
      if (i < n && l.ms[i] === ms && l.seq[i] === seq) {
        l.vals[i] = v;
        return false;
      }
    }
    if (i === n) {
      l.ms.push(ms);
      l.seq.push(seq);
      l.vals.push(v);
    } else {
      l.ms.splice(i, 0, ms);
      l.seq.splice(i, 0, seq);
      l.vals.splice(i, 0, v);
      if (i === 0) {
        this.firstMs[li] = ms;
        this.firstSeq[li] = seq;
      }
    }
    this.size++;
    if (l.ms.length > LEAF_MAX) {
      const half = l.ms.length >> 1;
      const r = new IdLeaf<V>();
      r.ms = l.ms.splice(half);
      r.seq = l.seq.splice(half);
      r.vals = l.vals.splice(half);
      L.splice(li + 1, 0, r);
      this.firstMs.splice(li + 1, 0, r.ms[0]);
      this.firstSeq.splice(li + 1, 0, r.seq[0]);
    }
    return true;
  }

  delete(ms: U64, seq: U64): V | undefined {
    if (this.size === 0) return undefined;
    const li = this.leafFor(ms, seq);
    const l = this.leaves[li];
    const i = IdMap.lowerBound(l, ms, seq);
    if (i >= l.ms.length || l.ms[i] !== ms || l.seq[i] !== seq) return undefined;
    const v = l.vals[i];
    if (i === 0 && l.ms.length === 1) {
      this.leaves.splice(li, 1);
      this.firstMs.splice(li, 1);
      this.firstSeq.splice(li, 1);
    } else {
      l.ms.splice(i, 1);
      l.seq.splice(i, 1);
      l.vals.splice(i, 1);
      if (i === 0) {
        this.firstMs[li] = l.ms[0];
        this.firstSeq[li] = l.seq[0];
      }
    }
    this.size--;
    return v;
  }

  first(): StreamID | null {
    if (this.size === 0) return null;
    const l = this.leaves[0];
    return { ms: l.ms[0], seq: l.seq[0] };
  }

  last(): StreamID | null {
    if (this.size === 0) return null;
    const l = this.leaves[this.leaves.length - 1];
    const n = l.ms.length - 1;
    return { ms: l.ms[n], seq: l.seq[n] };
  }

  /**
   * Call fn for each key >= (ms, seq) in order until it returns false. The
   * map must not be modified during the walk.
   */
  forEachFrom(ms: U64, seq: U64, fn: (ms: U64, seq: U64, v: V) => boolean | void): void {
    if (this.size === 0) return;
    const L = this.leaves;
    let li = this.leafFor(ms, seq);
    let i = IdMap.lowerBound(L[li], ms, seq);
    for (; li < L.length; li++, i = 0) {
      const l = L[li];
      for (; i < l.ms.length; i++) if (fn(l.ms[i], l.seq[i], l.vals[i]) === false) return;
    }
  }

  forEach(fn: (ms: U64, seq: U64, v: V) => boolean | void): void {
    this.forEachFrom(0, 0, fn);
  }
}

// ---- consumer groups ------------------------------------------------------------------------

export class Nack {
  constructor(
    public consumer: Consumer | null,
    public deliveryTime: number,
    public deliveryCount: number | bigint,
  ) {}
}

export class Consumer {
  readonly pel = new IdMap<Nack>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

/** SCG_INVALID_ENTRIES_READ */
export const INVALID_ENTRIES_READ = -1;

export class ConsumerGroup {
  readonly pel = new IdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    readonly name: string,
    public lastId: StreamID,
    /** Logical read counter, INVALID_ENTRIES_READ when unknown. */
    public entriesRead: number,
  ) {}

  /** Consumers in name order (Redis keeps them in a rax). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

// ---- the stream ---------------------------------------------------------------------------

export class RStream implements RObject {
  readonly type = 'stream' as const;
  /** Nodes in master-ID order. */
  nodes: StreamNode[] = [];
  length = 0;
  /** The last ID (lastId), as two halves: appends set these without making an object. */
  lastMs: U64 = 0;
  lastSeq: U64 = 0;
  private lastIdObj: StreamID | null = MIN_ID;
  firstId: StreamID = MIN_ID;
  maxDeletedId: StreamID = MIN_ID;
  entriesAdded: number = 0;
  groups: Map<string, ConsumerGroup> | null = null;
  /** Bytes of the nodes' cached encodings (bounded by ENC_BUDGET). */
  encBytes = 0;

  /** The ID of the last entry ever added (or set by XSETID / a load). */
  get lastId(): StreamID {
    return this.lastIdObj ?? (this.lastIdObj = { ms: this.lastMs, seq: this.lastSeq });
  }

  set lastId(id: StreamID) {
    this.lastIdObj = id;
    this.lastMs = id.ms;
    this.lastSeq = id.seq;
  }

  private dropEnc(node: StreamNode): void {
    this.encBytes -= node.enc!.buf.length;
    node.enc = null;
  }

  encoding(): string {
    return 'stream';
  }

  // -- appending --

  /**
   * Append an entry with an ID greater than lastId (the caller checked). `fv`
   * is the flat field/value list (argv-style: the caller's array is read, not kept).
   */
  append(ms: U64, seq: U64, fv: readonly string[], from = 0, lim: StreamLimits = DEFAULT_STREAM_LIMITS, totalLen = -1): void {
    const nf = (fv.length - from) >> 1;
    let node = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1] : null;
    if (node !== null) {
      let maxBytes = lim.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      let tot = totalLen;
      if (tot < 0) {
        tot = 0;
        for (let i = from; i < fv.length; i++) tot += fv[i].length;
      }
      if (node.redisBytes() + tot >= maxBytes) node = null;
      else if (lim.maxEntries > 0 && node.live + node.dead >= lim.maxEntries) node = null;
    }
    let flags = 0;
    if (node === null) {
      // The tail node is complete: it keeps its string only.
      const tail = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1] : null;
      if (tail !== null) tail.seal();
      const fields: string[] = new Array(nf);
      for (let i = 0; i < nf; i++) fields[i] = fv[from + 2 * i];
      node = new StreamNode(ms, seq, fields);
      this.nodes.push(node);
      flags = F_SAMEFIELDS;
    } else {
      const mf = node.fields;
      if (mf.length === nf) {
        let i = 0;
        while (i < nf && mf[i] === fv[from + 2 * i]) i++;
        if (i === nf) flags = F_SAMEFIELDS;
      }
    }
    const msd = typeof ms === 'number' && typeof node.ms === 'number' ? ms - node.ms : subU(ms, node.ms);
    let bytes = totalLen;
    if (bytes < 0) {
      bytes = 0;
      for (let i = from; i < fv.length; i++) bytes += fv[i].length;
    }
    node.appendRecord(flags, msd, seq, fv, from, 31 + 5 * (fv.length - from) + bytes);
    // Redis's listpack: flags, ms-delta, seq-delta, [num-fields], [field] value ..., lp-count
    let lpb = 1 + 1 + lpDeltaSize(msd) + lpDeltaSize(typeof seq === 'number' && typeof node.seq === 'number' ? seq - node.seq : BigInt.asIntN(64, BigInt(seq) - BigInt(node.seq)));
    if (flags & F_SAMEFIELDS) {
      for (let i = from + 1; i < fv.length; i += 2) lpb += lpStrSize(fv[i]);
      lpb += lpIntSize(nf + 3);
    } else {
      lpb += lpIntSize(nf);
      for (let i = from; i < fv.length; i++) lpb += lpStrSize(fv[i]);
      lpb += lpIntSize(2 * nf + 4);
    }
    if (node.enc !== null) this.dropEnc(node);
    node.reads = 0;
    node.lpBytes += lpb;
    node.live++;
    node.lastMs = ms;
    node.lastSeq = seq;
    node.lastLive = true;
    this.length++;
    this.entriesAdded++;
    this.lastMs = ms;
    this.lastSeq = seq;
    this.lastIdObj = null;
    if (this.length === 1) this.firstId = this.lastId;
  }

  // -- reading --

  /** Index of the last node whose master ID <= (ms, seq), or -1. */
  nodeIndexFor(ms: U64, seq: U64): number {
    const N = this.nodes;
    let lo = 0;
    let hi = N.length - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const n = N[mid];
      if (cmpId(n.ms, n.seq, ms, seq) <= 0) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return r;
  }

  /**
   * Entries with start <= ID <= end, ascending (or descending with rev), at
   * most `count` (0 = all). Tombstones are skipped.
   */
  range(start: StreamID, end: StreamID, count: number, rev = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (this.length === 0 || compareIds(start, end) > 0) return out;
    const N = this.nodes;
    if (!rev) {
      let ni = this.nodeIndexFor(start.ms, start.seq);
      if (ni < 0) ni = 0;
      for (; ni < N.length; ni++) {
        const node = N[ni];
        if (node.live === 0) continue;
        if (cmpId(node.ms, node.seq, end.ms, end.seq) > 0) break;
        if (cmpId(node.lastMs, node.lastSeq, start.ms, start.seq) < 0) continue;
        if (scanNode(node, start, end, count, out)) break;
      }
    } else {
      const ni0 = this.nodeIndexFor(end.ms, end.seq);
      for (let ni = ni0; ni >= 0; ni--) {
        const node = N[ni];
        if (node.live === 0) continue;
        if (cmpId(node.lastMs, node.lastSeq, start.ms, start.seq) < 0) break;
        const tmp: StreamEntry[] = [];
        scanNode(node, start, end, 0, tmp);
        for (let i = tmp.length - 1; i >= 0; i--) {
          out.push(tmp[i]);
          if (count > 0 && out.length >= count) return out;
        }
      }
    }
    return out;
  }

  /**
   * range() as reply values: [id, [field, value, ...]] per entry, built while
   * decoding (XRANGE / XREVRANGE / XREAD without a group).
   */
  rangeReply(start: StreamID, end: StreamID, count: number, rev = false): Array<[string, string[]]> {
    if (rev) {
      const r = this.range(start, end, count, true);
      const out: Array<[string, string[]]> = new Array(r.length);
      for (let i = 0; i < r.length; i++) out[i] = [idString(r[i].ms, r[i].seq), r[i].fv];
      return out;
    }
    const out: Array<[string, string[]]> = [];
    if (this.length === 0 || compareIds(start, end) > 0) return out;
    const N = this.nodes;
    let ni = this.nodeIndexFor(start.ms, start.seq);
    if (ni < 0) ni = 0;
    for (; ni < N.length; ni++) {
      const node = N[ni];
      if (node.live === 0) continue;
      if (cmpId(node.ms, node.seq, end.ms, end.seq) > 0) break;
      if (cmpId(node.lastMs, node.lastSeq, start.ms, start.seq) < 0) continue;
      if (scanNodeReply(node, start, end, count, out)) break;
    }
    return out;
  }

  /**
   * A forward range as byte ranges of cached entry encodings: [count,
   * segments (buffer, start, end)...], or null when some node on the way has
   * no encoding yet (it counts a read, and builds one on the second read of an
   * unchanged node). For small paging reads (COUNT up to 1000).
   */
  encodedRange(start: StreamID, end: StreamID, count: number): { count: number; segments: Array<Buffer | number> } | null {
    if (count <= 0 || count > 1000 || this.length === 0 || compareIds(start, end) > 0) return null;
    const N = this.nodes;
    let ni = this.nodeIndexFor(start.ms, start.seq);
    if (ni < 0) ni = 0;
    const segments: Array<Buffer | number> = [];
    let n = 0;
    let missing = false;
    for (; ni < N.length && n < count; ni++) {
      const node = N[ni];
      if (node.live === 0) continue;
      if (cmpId(node.ms, node.seq, end.ms, end.seq) > 0) break;
      if (cmpId(node.lastMs, node.lastSeq, start.ms, start.seq) < 0) continue;
      let e = node.enc;
      if (e === null) {
        if (++node.reads < 2) {
          missing = true;
          n += node.live; // at most this many from here: enough to know where to stop
          continue;
        }
        if (this.encBytes >= ENC_BUDGET) {
          // The stream's budget for cached encodings is spent: serve as values.
          missing = true;
          n += node.live;
          continue;
        }
        e = node.enc = encodeNode(node);
        this.encBytes += e.buf.length;
      }
      if (missing) {
        n += node.live;
        continue;
      }
      const ems = e.ms;
      const eseq = e.seq;
      const st = e.start;
      let i = 0;
      const k = ems.length;
      while (i < k && cmpId(ems[i], eseq[i], start.ms, start.seq) < 0) i++;
      let segStart = -1;
      let segEnd = -1;
      for (; i < k && n < count; i++) {
        if (cmpId(ems[i], eseq[i], end.ms, end.seq) > 0) {
          ni = N.length;
          break;
        }
        const a = st[i];
        const b = st[i + 1];
        if (a === b) continue; // tombstone
        if (segEnd === a) segEnd = b;
        else {
          if (segStart >= 0) segments.push(e.buf, segStart, segEnd);
          segStart = a;
          segEnd = b;
        }
        n++;
      }
      if (segStart >= 0) segments.push(e.buf, segStart, segEnd);
    }
    if (missing) return null;
    return { count: n, segments };
  }

  /** The entry with this ID (not deleted), or null. */
  get(ms: U64, seq: U64): StreamEntry | null {
    const id = { ms, seq };
    const r = this.range(id, id, 1);
    return r.length > 0 ? r[0] : null;
  }

  /** streamLastValidID: the last live entry's ID (0-0 when empty). */
  lastValidId(): StreamID {
    const N = this.nodes;
    for (let i = N.length - 1; i >= 0; i--) {
      const n = N[i];
      if (n.live === 0) continue;
      if (n.lastLive) return n.lastMs === this.lastId.ms && n.lastSeq === this.lastId.seq ? this.lastId : { ms: n.lastMs, seq: n.lastSeq };
      break;
    }
    const r = this.range(MIN_ID, MAX_ID, 1, true);
    return r.length > 0 ? { ms: r[0].ms, seq: r[0].seq } : MIN_ID;
  }

  /** The first live entry's ID, or null. */
  firstValidId(): StreamID | null {
    const r = this.range(MIN_ID, MAX_ID, 1);
    return r.length > 0 ? { ms: r[0].ms, seq: r[0].seq } : null;
  }

  /**
   * Every entry of a node, tombstones included, in order, with its Redis
   * flags (ENTRY_DELETED, ENTRY_SAMEFIELDS) and full field/value list.
   */
  static forEachRaw(node: StreamNode, fn: (flags: number, ms: U64, seq: U64, fv: string[]) => void): void {
    const s = node.data;
    P = 0;
    while (P < s.length) {
      const flags = s.charCodeAt(P++);
      const msd = readVarint(s);
      const seq = readVarint(s);
      const ms = typeof msd === 'number' && typeof node.ms === 'number' && msd + node.ms <= SAFE ? msd + node.ms : addU(node.ms, msd);
      const fv = readFields(s, flags, node.fields);
      const pos = P;
      fn(flags, ms, seq, fv);
      P = pos;
    }
  }

  // -- deleting --

  /** Mark the entry deleted (XDEL); false when there is no such live entry. */
  deleteEntry(ms: U64, seq: U64): boolean {
    const ni = this.nodeIndexFor(ms, seq);
    if (ni < 0) return false;
    const node = this.nodes[ni];
    if (node.live === 0 || cmpId(node.lastMs, node.lastSeq, ms, seq) < 0) return false;
    const s = node.data;
    P = 0;
    const nf = node.fields.length;
    while (P < s.length) {
      const fpos = P;
      const flags = s.charCodeAt(P++);
      const msd = readVarint(s);
      const eseq = readVarint(s);
      const ems = typeof msd === 'number' && typeof node.ms === 'number' && msd + node.ms <= SAFE ? msd + node.ms : addU(node.ms, msd);
      const c = cmpId(ems, eseq, ms, seq);
      if (c > 0) return false;
      if (c === 0) {
        if (flags & F_DELETED) return false;
        if (node.live === 1) {
          if (node.enc !== null) this.dropEnc(node);
          this.nodes.splice(ni, 1);
        } else {
          node.data = s.slice(0, fpos) + ONE_CHAR[flags | F_DELETED] + s.slice(fpos + 1);
          if (node.enc !== null) this.dropEnc(node);
          node.reads = 0;
          node.live--;
          node.dead++;
          if (node.lastMs === ms && node.lastSeq === seq) node.lastLive = false;
        }
        this.length--;
        return true;
      }
      skipEntry(s, flags, nf);
    }
    return false;
  }

  /**
   * streamTrim: MAXLEN (minId null) or MINID, exact or approximate (whole
   * nodes only), at most `limit` entries (0 = no limit). Returns the number
   * of entries removed.
   */
  trim(maxlen: number, minId: StreamID | null, approx: boolean, limit: number): number {
    let deleted = 0;
    const N = this.nodes;
    let removeCount = 0;
    let ni = 0;
    for (; ni < N.length; ni++) {
      if (minId === null && this.length <= maxlen) break;
      const node = N[ni];
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const remove = minId === null ? this.length - entries >= maxlen : cmpId(node.lastMs, node.lastSeq, minId.ms, minId.seq) < 0;
      if (remove) {
        removeCount++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      // Mark entries deleted inside this node.
      const s = node.data;
      let out = '';
      let copied = 0;
      P = 0;
      const nf = node.fields.length;
      let fromLp = 0;
      while (P < s.length) {
        const fpos = P;
        const flags = s.charCodeAt(P++);
        const msd = readVarint(s);
        const eseq = readVarint(s);
        const stop =
          minId === null
            ? this.length <= maxlen
            : cmpId(typeof msd === 'number' && typeof node.ms === 'number' && msd + node.ms <= SAFE ? msd + node.ms : addU(node.ms, msd), eseq, minId.ms, minId.seq) >= 0;
        if (stop) break;
        skipEntry(s, flags, nf);
        if (!(flags & F_DELETED)) {
          out += s.slice(copied, fpos) + ONE_CHAR[flags | F_DELETED];
          copied = fpos + 1;
          fromLp++;
          this.length--;
        }
      }
      if (fromLp > 0) {
        node.data = out + s.slice(copied);
        if (node.enc !== null) this.dropEnc(node);
        node.reads = 0;
        node.live -= fromLp;
        node.dead += fromLp;
        if (node.live === 0) node.lastLive = false;
        deleted += fromLp;
      }
      break;
    }
    // nothing removed (the usual XADD/XTRIM MAXLEN ~ under the limit): firstId stands, and reading
    // the first entry again would make the tail node's string from its append buffer
    if (deleted === 0 && removeCount === 0) return 0;
    if (removeCount > 0) {
      for (let i = 0; i < removeCount; i++) if (N[i].enc !== null) this.dropEnc(N[i]);
      N.splice(0, removeCount);
    }
    if (this.length === 0) this.firstId = MIN_ID;
    else this.firstId = this.firstValidId() ?? MIN_ID;
    return deleted;
  }

  /**
   * Add a node as loaded from RDB (entries in ID order, after every node
   * already there). `lpBytes` is the size of Redis's listpack for it.
   */
  loadNode(ms: U64, seq: U64, fields: string[], entries: Array<{ flags: number; ms: U64; seq: U64; fv: string[] }>, lpBytes: number): void {
    const node = new StreamNode(ms, seq, fields);
    let data = '';
    for (const e of entries) {
      const msd = subU(e.ms, ms);
      data += ONE_CHAR[e.flags & 3] + varint(msd) + varint(e.seq);
      if (e.flags & F_SAMEFIELDS) for (let i = 1; i < e.fv.length; i += 2) data += lenPrefixed(e.fv[i]);
      else {
        data += varint(e.fv.length >> 1);
        for (let i = 0; i < e.fv.length; i++) data += lenPrefixed(e.fv[i]);
      }
      if (e.flags & F_DELETED) node.dead++;
      else node.live++;
      node.lastMs = e.ms;
      node.lastSeq = e.seq;
      node.lastLive = (e.flags & F_DELETED) === 0;
    }
    node.data = data;
    node.lpBytes = lpBytes - lpIntSize(node.live) - lpIntSize(node.dead);
    this.nodes.push(node);
  }

  // -- groups --

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG: null when the name exists. */
  createGroup(name: string, lastId: StreamID, entriesRead: number): ConsumerGroup | null {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(name, lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  sortedGroups(): ConsumerGroup[] {
    if (this.groups === null) return [];
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** streamRangeHasTombstones */
  rangeHasTombstones(start: StreamID | null, end: StreamID | null): boolean {
    if (this.length === 0 || idIsZero(this.maxDeletedId)) return false;
    if (compareIds(this.firstId, this.maxDeletedId) > 0) return false;
    const s = start ?? MIN_ID;
    const e = end ?? MAX_ID;
    return compareIds(s, this.maxDeletedId) <= 0 && compareIds(this.maxDeletedId, e) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry */
  estimateDistance(id: StreamID): number {
    if (!this.entriesAdded) return 0;
    if (!this.length && compareIds(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = compareIds(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = compareIds(id, this.firstId);
    const cmpDelFirst = compareIds(this.maxDeletedId, this.firstId);
    if (idIsZero(this.maxDeletedId) || cmpDelFirst < 0) {
      if (cmpFirst < 0) return this.entriesAdded - this.length;
      if (cmpFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return INVALID_ENTRIES_READ;
  }

  /** The group's lag (XINFO), or null when it cannot be known. */
  lag(g: ConsumerGroup): number | null {
    if (!this.entriesAdded) return 0;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(g.lastId, null)) return this.entriesAdded - g.entriesRead;
    const er = this.estimateDistance(g.lastId);
    return er !== INVALID_ENTRIES_READ ? this.entriesAdded - er : null;
  }

  // -- XINFO internals --

  /** raxSize(s->rax) */
  radixTreeKeys(): number {
    return this.nodes.length;
  }

  /**
   * s->rax->numnodes, computed as the node count of a compressed radix tree
   * over the nodes' 16-byte big-endian keys: one node per branching point
   * and per compressed chain, plus a leaf per key (an empty tree has its root).
   */
  radixTreeNodes(): number {
    const n = this.nodes.length;
    if (n === 0) return 1;
    const keys: string[] = new Array(n);
    for (let i = 0; i < n; i++) keys[i] = keyBytes(this.nodes[i].ms, this.nodes[i].seq);
    return countRax(keys, 0, n, 0);
  }

  /** numnodes of a rax holding the IDs of `ids` (a consumer group's or consumer's PEL). */
  static raxNodesOf(ids: IdMap<unknown>): number {
    const keys: string[] = [];
    ids.forEach((ms, seq) => {
      keys.push(keyBytes(ms, seq));
    });
    if (keys.length === 0) return 1;
    return countRax(keys, 0, keys.length, 0);
  }

  clone(): RStream {
    const c = new RStream();
    for (const n of this.nodes) {
      const m = new StreamNode(n.ms, n.seq, n.fields);
      m.data = n.data;
      m.live = n.live;
      m.dead = n.dead;
      m.lastMs = n.lastMs;
      m.lastSeq = n.lastSeq;
      m.lastLive = n.lastLive;
      m.lpBytes = n.lpBytes;
      c.nodes.push(m);
    }
    c.length = this.length;
    c.lastId = this.lastId;
    c.firstId = this.firstId;
    c.maxDeletedId = this.maxDeletedId;
    c.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      for (const g of this.sortedGroups()) {
        const ng = c.createGroup(g.name, g.lastId, g.entriesRead)!;
        const map = new Map<Consumer, Consumer>();
        for (const cons of g.consumers.values()) {
          const nc = new Consumer(cons.name, cons.seenTime);
          ng.consumers.set(cons.name, nc);
          map.set(cons, nc);
        }
        g.pel.forEach((ms, seq, nack) => {
          const nn = new Nack(nack.consumer ? map.get(nack.consumer)! : null, nack.deliveryTime, nack.deliveryCount);
          ng.pel.set(ms, seq, nn);
          if (nn.consumer) nn.consumer.pel.set(ms, seq, nn);
        });
      }
    }
    return c;
  }
}


function skipEntry(s: string, flags: number, nf: number): void {
  if (flags & F_SAMEFIELDS) {
    for (let i = 0; i < nf; i++) skipStr(s);
  } else {
    const n = readLen(s);
    for (let i = 0; i < 2 * n; i++) skipStr(s);
  }
}

/** The field/value list of the entry at P (after its flags and ID): the node's fields when it has ENTRY_SAMEFIELDS. */
function readFields(s: string, flags: number, fields: readonly string[]): string[] {
  let fv: string[];
  if (flags & F_SAMEFIELDS) {
    const nf = fields.length;
    fv = new Array(nf * 2);
    for (let i = 0; i < nf; i++) {
      fv[2 * i] = fields[i];
      fv[2 * i + 1] = readStr(s);
    }
  } else {
    const n = readLen(s);
    fv = new Array(n * 2);
    for (let i = 0; i < 2 * n; i++) fv[i] = readStr(s);
  }
  return fv;
}

/**
 * Live entries of a node within [start, end], each made by `make` and appended to out; true when
 * `count` was reached or end passed.
 */
function scanNodeWith<T>(node: StreamNode, start: StreamID, end: StreamID, count: number, out: T[], make: (ms: U64, seq: U64, fv: string[]) => T): boolean {
  const s = node.data;
  P = 0;
  if (node.hintP > 0 && node.hintP < s.length && cmpId(node.hintMs, node.hintSeq, start.ms, start.seq) <= 0) P = node.hintP;
  const fields = node.fields;
  const nf = fields.length;
  const nms = node.ms;
  while (P < s.length) {
    const at = P;
    const flags = s.charCodeAt(P++);
    const msd = readVarint(s);
    const seq = readVarint(s);
    const ms = typeof msd === 'number' && typeof nms === 'number' && msd + nms <= SAFE ? msd + nms : addU(nms, msd);
    if (flags & F_DELETED || cmpId(ms, seq, start.ms, start.seq) < 0) {
      skipEntry(s, flags, nf);
      continue;
    }
    if (cmpId(ms, seq, end.ms, end.seq) > 0) {
      setHint(node, at, ms, seq);
      return true;
    }
    out.push(make(ms, seq, readFields(s, flags, fields)));
    if (count > 0 && out.length >= count) {
      setHint(node, at, ms, seq);
      return true;
    }
  }
  return false;
}

function setHint(node: StreamNode, at: number, ms: U64, seq: U64): void {
  node.hintP = at;
  node.hintMs = ms;
  node.hintSeq = seq;
}

const asEntry = (ms: U64, seq: U64, fv: string[]): StreamEntry => ({ ms, seq, fv });
const asReply = (ms: U64, seq: U64, fv: string[]): [string, string[]] => [typeof ms === 'number' && typeof seq === 'number' ? ms + '-' + seq : idString(ms, seq), fv];

/** Live entries of a node within [start, end] appended to out; true when `count` was reached or end passed. */
function scanNode(node: StreamNode, start: StreamID, end: StreamID, count: number, out: StreamEntry[]): boolean {
  return scanNodeWith(node, start, end, count, out, asEntry);
}

const CRLF = '\r\n';
const bulkOf = (v: string): string => '$' + v.length + CRLF + v + CRLF;

/** RESP encodings of every entry of a node (tombstones empty). */
function encodeNode(node: StreamNode): NodeEncoding {
  const ms: U64[] = [];
  const seq: U64[] = [];
  const starts: number[] = [];
  let text = '';
  RStream.forEachRaw(node, (flags, m, q, fv) => {
    ms.push(m);
    seq.push(q);
    starts.push(text.length);
    if (flags & F_DELETED) return;
    text += '*2\r\n' + bulkOf(typeof m === 'number' && typeof q === 'number' ? m + '-' + q : idString(m, q)) + '*' + fv.length + CRLF;
    for (let i = 0; i < fv.length; i++) text += bulkOf(fv[i]);
  });
  starts.push(text.length);
  return { buf: Buffer.from(text, 'latin1'), ms, seq, start: Int32Array.from(starts) };
}

/** scanNode() building reply values directly. */
function scanNodeReply(node: StreamNode, start: StreamID, end: StreamID, count: number, out: Array<[string, string[]]>): boolean {
  return scanNodeWith(node, start, end, count, out, asReply);
}

/** 16-byte big-endian key of an ID, as a binary string. */
function keyBytes(ms: U64, seq: U64): string {
  return u64Bytes(ms) + u64Bytes(seq);
}

function u64Bytes(v: U64): string {
  let s = '';
  if (typeof v === 'number') {
    let hi = Math.floor(v / 4294967296);
    let lo = v >>> 0;
    const b: number[] = new Array(8);
    for (let i = 3; i >= 0; i--) {
      b[i] = hi & 255;
      hi = Math.floor(hi / 256);
      b[i + 4] = lo & 255;
      lo >>>= 8;
    }
    for (let i = 0; i < 8; i++) s += ONE_CHAR[b[i]];
    return s;
  }
  for (let i = 7; i >= 0; i--) s += ONE_CHAR[Number((v >> BigInt(8 * i)) & 255n)];
  return s;
}

/** Nodes of a compressed trie holding keys[lo..hi) (sorted, distinct, equal length), from depth d. */
function countRax(keys: string[], lo: number, hi: number, d: number): number {
  const len = keys[lo].length;
  if (d === len) return 1;
  const a = keys[lo];
  const b = keys[hi - 1];
  if (a.charCodeAt(d) === b.charCodeAt(d)) {
    // A compressed node over the common prefix.
    let e = d + 1;
    while (e < len && a.charCodeAt(e) === b.charCodeAt(e)) e++;
    return 1 + countRax(keys, lo, hi, e);
  }
  // A branching node: one child per distinct byte at depth d.
  let total = 1;
  let i = lo;
  while (i < hi) {
    const c = keys[i].charCodeAt(d);
    let j = i + 1;
    while (j < hi && keys[j].charCodeAt(d) === c) j++;
    total += countRax(keys, i, j, d + 1);
    i = j;
  }
  return total;
}

export { keyBytes as streamKeyBytes };
