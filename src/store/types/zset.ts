/**
 * The sorted set value: an order-statistic B+ tree keyed by (score, member),
 * plus a Map member -> score.
 *
 * Ordering is Redis's: by score, then by member bytes (members are binary
 * "latin1" strings, so JavaScript's `<` on them is memcmp order with the
 * shorter string first on a common prefix).
 *
 * Why a B+ tree rather than Redis's skip list: in JavaScript every skip list
 * step is two or three dependent heap loads (node -> forward array -> next
 * node), which dominates ZADD at 100k members. Leaves here hold up to 64
 * members and scores in plain arrays, inner nodes hold subtree sizes, so a
 * lookup touches three or four small arrays.
 *
 * Complexities (n members): insert, delete, score update, rank, element at
 * rank, first/last rank in a score range: O(log n). Iteration from any rank
 * is O(1) per step (leaves are linked). Deleting k consecutive members is
 * O(k + (k/64 + 1) log n). Nothing is ever sorted on read.
 *
 * Positions are ranks (0-based, ascending). Range lookups return a rank (or
 * -1), and `cursor(rank)` walks from there in either direction. A cursor is
 * valid until the set is modified.
 *
 * Encoding. Redis keeps small sorted sets in a listpack and converts them,
 * one way, to a skip list when an insert would make them longer than
 * `zset-max-listpack-entries` or a member longer than
 * `zset-max-listpack-value` bytes. We track what Redis would report and
 * emulate the two places where a listpack is observably different:
 *   - it stores scores as text (`d2string`), which turns -0 into 0;
 *   - lexicographic range lookups scan it linearly from one end, which gives
 *     different (but deterministic) answers when members are not in
 *     lexicographic order (mixed scores).
 *
 * For readers (SORT, DUMP, ...): `size`, `score(member)`, iterate with
 * `for (const [member, score] of zset)` (ascending) or `zset.entries(true)`
 * (descending), or walk with `cursor(rank)`.
 */
import { formatDouble } from '../../resp/format.js';
import { EncodedArray } from '../../resp/reply.js';
import type { RObject } from '../types.js';

/** `zset-max-listpack-entries` / `zset-max-listpack-value`. */
export interface ZsetLimits {
  entries: number;
  value: number;
}

/** Redis 7.0's defaults. */
export const DEFAULT_ZSET_LIMITS: Readonly<ZsetLimits> = Object.freeze({ entries: 128, value: 64 });

/** A score interval; `minex` / `maxex` make a bound exclusive (the `(` prefix). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** The `-` lex bound: below every string. */
export const LEX_MIN: unique symbol = Symbol('lex-min');
/** The `+` lex bound: above every string. */
export const LEX_MAX: unique symbol = Symbol('lex-max');
export type LexBound = string | typeof LEX_MIN | typeof LEX_MAX;

/** A lexicographic interval (ZRANGEBYLEX): `[x` inclusive, `(x` exclusive, `-` / `+` (always exclusive). */
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

/** Redis's sdscmplex: compares lex bounds, with `-` / `+` below / above everything. */
export function compareLex(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const scoreGteMin = (v: number, r: ScoreRange): boolean => (r.minex ? v > r.min : v >= r.min);
export const scoreLteMax = (v: number, r: ScoreRange): boolean => (r.maxex ? v < r.max : v <= r.max);
export const lexGteMin = (v: string, r: LexRange): boolean => (r.minex ? compareLex(v, r.min) > 0 : compareLex(v, r.min) >= 0);
export const lexLteMax = (v: string, r: LexRange): boolean => (r.maxex ? compareLex(v, r.max) < 0 : compareLex(v, r.max) <= 0);

/** True when the score range can never contain anything (min > max, or min == max with an exclusive end). */
export const scoreRangeEmpty = (r: ScoreRange): boolean => r.min > r.max || (r.min === r.max && (r.minex || r.maxex));

/** True when the lex range can never contain anything. */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = compareLex(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

// ---- B+ tree nodes -------------------------------------------------------------------------

const LEAF_MAX = 64;
const LEAF_MIN = 16;
const INNER_MAX = 64;
const INNER_MIN = 16;

class Leaf {
  readonly leaf = true;
  members: string[] = [];
  scores: number[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
  /**
   * RESP encodings of the members, per kind (ENC_MEMBERS, ENC_WITHSCORES_2,
   * ENC_WITHSCORES_3), each valid while its version is the set's version:
   * range replies copy them as bytes.
   */
  encodings: Array<LeafEncoding | undefined> | null = null;
  /** The set's version at this leaf's last encoded read: a second read at the same version builds an encoding. */
  readVersion = -1;
}

class Inner {
  readonly leaf = false;
  children: TreeNode[] = [];
  /** Number of members under each child. */
  counts: number[] = [];
  /**
   * Lower bound of each child's keys (the first key it had when it was
   * split off). Entry 0 is unused: routing treats it as minus infinity.
   */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type TreeNode = Leaf | Inner;

/** Descent path of the last operation (single-threaded, never re-entered). */
const PATH_NODES: Inner[] = [];
const PATH_IDX: number[] = [];

/** (s, m) <= (score, member) */
const keyLE = (s: number, m: string, score: number, member: string): boolean => s < score || (s === score && m <= member);

/** Index of the child whose key range holds (score, member). */
function route(node: Inner, score: number, member: string): number {
  const ss = node.sepScores;
  const sm = node.sepMembers;
  let lo = 1;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyLE(ss[mid], sm[mid], score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** First index in a leaf whose key is >= (score, member). */
function leafLowerBound(leaf: Leaf, score: number, member: string): number {
  const ss = leaf.scores;
  const sm = leaf.members;
  let lo = 0;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = ss[mid];
    if (s < score || (s === score && sm[mid] < member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertAt<T>(a: T[], i: number, v: T): void {
  let j = a.length;
  a.push(v);
  while (j > i) {
    a[j] = a[j - 1];
    j--;
  }
  a[i] = v;
}

function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  for (let j = i; j < n; j++) a[j] = a[j + 1];
  a.length = n;
}

// The same shifts for leaf arrays, one copy per array type: a single generic
// function sees every elements kind (strings, small integers, doubles, nodes)
// and its keyed accesses go megamorphic, which made every ZADD pay a generic
// load and store per shifted slot.

function insertMember(a: string[], i: number, v: string): void {
  let j = a.length;
  a.push(v);
  while (j > i) {
    a[j] = a[j - 1];
    j--;
  }
  a[i] = v;
}

function insertScore(a: number[], i: number, v: number): void {
  let j = a.length;
  a.push(v);
  while (j > i) {
    a[j] = a[j - 1];
    j--;
  }
  a[i] = v;
}

function removeMember(a: string[], i: number): void {
  const n = a.length - 1;
  for (let j = i; j < n; j++) a[j] = a[j + 1];
  a.length = n;
}

function removeScore(a: number[], i: number): void {
  const n = a.length - 1;
  for (let j = i; j < n; j++) a[j] = a[j + 1];
  a.length = n;
}

function sizeOf(node: TreeNode): number {
  if (node.leaf) return node.members.length;
  let n = 0;
  const c = node.counts;
  for (let i = 0; i < c.length; i++) n += c[i];
  return n;
}

/** Kinds of leaf encodings: members as bulk strings; with scores, as RESP2 and RESP3 send them. */
export const ENC_MEMBERS = 0;
export const ENC_WITHSCORES_2 = 1;
export const ENC_WITHSCORES_3 = 2;

/** One leaf encoding: the members' replies back to back, where each starts (members.length + 1 offsets). */
class LeafEncoding {
  constructor(
    readonly bytes: Buffer,
    readonly offsets: Int32Array,
    readonly version: number,
  ) {}
}

/**
 * Encode a leaf's members for a reply of `kind` at the set's version `ver`:
 * `$len\r\nmember\r\n`, followed by the score as a bulk string (RESP2) or,
 * RESP3, as `*2\r\n` member `,score\r\n` (ZRANGE ... WITHSCORES).
 */
function encodeLeaf(leaf: Leaf, kind: number, ver: number): LeafEncoding {
  const ms = leaf.members;
  const ss = leaf.scores;
  const pieces: string[] = new Array(ms.length);
  const off = new Int32Array(ms.length + 1);
  let total = 0;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    let piece = `$${m.length}\r\n${m}\r\n`;
    if (kind !== ENC_MEMBERS) {
      const d = formatDouble(ss[i]);
      piece = kind === ENC_WITHSCORES_2 ? `${piece}$${d.length}\r\n${d}\r\n` : `*2\r\n${piece},${d}\r\n`;
    }
    pieces[i] = piece;
    off[i] = total;
    total += piece.length; // binary strings: one char per byte
  }
  off[ms.length] = total;
  const bytes = Buffer.allocUnsafeSlow(total);
  for (let i = 0; i < ms.length; i++) bytes.latin1Write(pieces[i], off[i]);
  const e = new LeafEncoding(bytes, off, ver);
  (leaf.encodings ??= [undefined, undefined, undefined])[kind] = e;
  return e;
}

/**
 * A position in a sorted set, moving in place. Valid until the set changes.
 */
export class ZCursor {
  constructor(
    private leaf: Leaf,
    private idx: number,
    /** 0-based rank of the current member. */
    public rank: number,
  ) {}

  get member(): string {
    return this.leaf.members[this.idx];
  }

  /** The leaf the cursor is at (internal: for ZSet.encodedForward). */
  get leafNode(): object {
    return this.leaf;
  }

  get index(): number {
    return this.idx;
  }

  get score(): number {
    return this.leaf.scores[this.idx];
  }

  /** Move to the next (higher) member; false at the end (the cursor is then spent). */
  next(): boolean {
    this.rank++;
    if (++this.idx < this.leaf.members.length) return true;
    const n = this.leaf.next;
    if (n === null) return false;
    this.leaf = n;
    this.idx = 0;
    return true;
  }

  /** Move to the previous (lower) member; false at the start. */
  prev(): boolean {
    this.rank--;
    if (--this.idx >= 0) return true;
    const p = this.leaf.prev;
    if (p === null) return false;
    this.leaf = p;
    this.idx = p.members.length - 1;
    return true;
  }
}

export class ZSet implements RObject {
  readonly type = 'zset' as const;
  /** member -> score. */
  private readonly dict = new Map<string, number>();
  private root: TreeNode = new Leaf();
  private head: Leaf;
  private tail: Leaf;
  /** Bumped by every change of membership or order (leaf encodings of an older version are stale). */
  private version = 0;
  /** What Redis would report: listpack until it grows past the limits (one way). */
  private listpack = true;
  /** Limits used by `add`/`insert` when none are passed (the commands pass the server's config). */
  limits: Readonly<ZsetLimits>;

  constructor(limits: Readonly<ZsetLimits> = DEFAULT_ZSET_LIMITS) {
    this.limits = limits;
    this.head = this.tail = this.root as Leaf;
  }

  /** A sorted set holding the given pairs (any order; later duplicates update earlier ones). */
  static from(pairs: Iterable<readonly [string, number]>, limits: Readonly<ZsetLimits> = DEFAULT_ZSET_LIMITS): ZSet {
    const z = new ZSet(limits);
    for (const [m, s] of pairs) z.add(m, s);
    return z;
  }

  /**
   * A sorted set built in one pass from members already in order (ascending
   * (score, member), no NaN): leaves filled evenly, inner levels built
   * bottom-up, no per-member descent. Takes ownership of the arrays. Returns
   * null when a member is repeated. `listpack`: the encoding Redis would
   * report (scores are then stored as a listpack stores them: -0 becomes 0).
   */
  static fromSorted(members: string[], scores: number[], listpack: boolean, limits: Readonly<ZsetLimits> = DEFAULT_ZSET_LIMITS): ZSet | null {
    const z = new ZSet(limits);
    z.listpack = listpack;
    const n = members.length;
    const dict = z.dict;
    if (listpack) for (let i = 0; i < n; i++) if (scores[i] === 0) scores[i] = 0;
    for (let i = 0; i < n; i++) dict.set(members[i], scores[i]);
    if (dict.size !== n) return null;
    if (n <= LEAF_MAX) {
      // Exact-size copies: arrays grown by push keep up to 17 slots.
      const leaf = z.root as Leaf;
      leaf.members = members.slice();
      leaf.scores = scores.slice();
      return z;
    }
    // Leaves of between LEAF_MAX / 2 and LEAF_MAX members, linked in order.
    const nLeaves = Math.ceil(n / LEAF_MAX);
    let level: TreeNode[] = [];
    let counts: number[] = [];
    let prev: Leaf | null = null;
    for (let k = 0; k < nLeaves; k++) {
      const from = Math.floor((k * n) / nLeaves);
      const to = Math.floor(((k + 1) * n) / nLeaves);
      const leaf = new Leaf();
      leaf.members = members.slice(from, to);
      leaf.scores = scores.slice(from, to);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      else z.head = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(to - from);
    }
    z.tail = prev as Leaf;
    // Inner levels: each child's lower bound is its first key.
    while (level.length > 1) {
      const nNodes = Math.ceil(level.length / INNER_MAX);
      const up: TreeNode[] = [];
      const upCounts: number[] = [];
      for (let k = 0; k < nNodes; k++) {
        const from = Math.floor((k * level.length) / nNodes);
        const to = Math.floor(((k + 1) * level.length) / nNodes);
        const node = new Inner();
        let total = 0;
        for (let i = from; i < to; i++) {
          const child = level[i];
          let first: TreeNode = child;
          while (!first.leaf) first = first.children[0];
          node.children.push(child);
          node.counts.push(counts[i]);
          node.sepScores.push(first.scores[0]);
          node.sepMembers.push(first.members[0]);
          total += counts[i];
        }
        up.push(node);
        upCounts.push(total);
      }
      level = up;
      counts = upCounts;
    }
    z.root = level[0];
    return z;
  }

  /** Number of members. */
  get size(): number {
    return this.dict.size;
  }

  encoding(): 'listpack' | 'skiplist' {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  /** True while Redis would keep this set in a listpack. */
  get isListpack(): boolean {
    return this.listpack;
  }

  clone(): ZSet {
    const z = new ZSet(this.limits);
    z.listpack = this.listpack;
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      const ms = leaf.members;
      const ss = leaf.scores;
      for (let i = 0; i < ms.length; i++) z.link(ms[i], ss[i]);
    }
    for (const [m, s] of this.dict) z.dict.set(m, s);
    return z;
  }

  // ---- lookups ---------------------------------------------------------------------

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /** 0-based rank of a member (descending when `reverse`), or -1 when absent. */
  rank(member: string, reverse = false): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    let node = this.root;
    let rank = 0;
    while (!node.leaf) {
      const i = route(node, score, member);
      const c = node.counts;
      for (let j = 0; j < i; j++) rank += c[j];
      node = node.children[i];
    }
    rank += leafLowerBound(node, score, member);
    return reverse ? this.dict.size - 1 - rank : rank;
  }

  /** A cursor at a 0-based rank, or null when out of range. */
  cursor(rank: number): ZCursor | null {
    if (!(rank >= 0 && rank < this.dict.size)) return null;
    let node = this.root;
    let r = rank;
    while (!node.leaf) {
      const c = node.counts;
      let i = 0;
      while (r >= c[i]) r -= c[i++];
      node = node.children[i];
    }
    return new ZCursor(node, r, rank);
  }

  /** [member, score] at a 0-based rank, or undefined. */
  at(rank: number): [string, number] | undefined {
    const c = this.cursor(rank);
    return c === null ? undefined : [c.member, c.score];
  }

  /** [member, score] of the lowest member, or undefined when empty. */
  first(): [string, number] | undefined {
    const h = this.head;
    return h.members.length ? [h.members[0], h.scores[0]] : undefined;
  }

  /** [member, score] of the highest member, or undefined when empty. */
  last(): [string, number] | undefined {
    const t = this.tail;
    const n = t.members.length;
    return n ? [t.members[n - 1], t.scores[n - 1]] : undefined;
  }

  /** A uniformly random [member, score] (the set must not be empty). */
  random(): [string, number] {
    return this.at(Math.floor(Math.random() * this.dict.size)) as [string, number];
  }

  /** Ascending (member, score) pairs. */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries(false);
  }

  /** (member, score) pairs in ascending order, or descending when `reverse`. */
  *entries(reverse = false): IterableIterator<[string, number]> {
    if (reverse) {
      for (let leaf: Leaf | null = this.tail; leaf !== null; leaf = leaf.prev) {
        for (let i = leaf.members.length - 1; i >= 0; i--) yield [leaf.members[i], leaf.scores[i]];
      }
    } else {
      for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
        for (let i = 0; i < leaf.members.length; i++) yield [leaf.members[i], leaf.scores[i]];
      }
    }
  }

  /** Members in ascending order. */
  *members(): IterableIterator<string> {
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) yield* leaf.members;
  }

  /**
   * (member, score) pairs in hash order (insertion order of the member map):
   * a live iterator that survives changes, for ZSCAN cursors.
   */
  unorderedEntries(): IterableIterator<[string, number]> {
    return this.dict.entries();
  }

  // ---- updates ---------------------------------------------------------------------

  /**
   * Set a member's score, adding it when absent. Returns true when the member
   * was added. A listpack-encoded set converts first when the new member
   * would break `limits` (as Redis's zsetAdd does).
   */
  add(member: string, score: number, limits: Readonly<ZsetLimits> = this.limits): boolean {
    const cur = this.dict.get(member);
    if (cur !== undefined) {
      this.updateScore(member, score, cur);
      return false;
    }
    this.insert(member, score, limits);
    return true;
  }

  /** Add a member known to be absent (checks the listpack limits first). */
  insert(member: string, score: number, limits: Readonly<ZsetLimits> = this.limits): void {
    if (this.listpack) {
      if (this.dict.size + 1 > limits.entries || member.length > limits.value) this.listpack = false;
      else score = score + 0; // a listpack stores d2string(score): -0 becomes 0
    }
    this.dict.set(member, score);
    this.link(member, score);
  }

  /**
   * Change the score of an existing member (no-op when equal, as Redis
   * compares with ==). `current` saves a lookup when the caller has it.
   */
  updateScore(member: string, score: number, current: number | undefined = this.dict.get(member)): void {
    const cur = current;
    if (cur === undefined || score === cur) return;
    if (this.listpack) score = score + 0;
    // Link the string the set already holds (the dict's key), not the caller's
    // copy: the caller's string then dies young instead of being promoted.
    const stored = this.unlink(member, cur);
    this.dict.set(member, score);
    this.link(stored, score);
  }

  /** Remove a member; returns whether it was there. */
  delete(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    this.unlink(member, score);
    this.dict.delete(member);
    return true;
  }

  /** Remove and return the lowest (or highest) [member, score], or undefined when empty. */
  pop(max = false): [string, number] | undefined {
    const e = max ? this.last() : this.first();
    if (e !== undefined) this.delete(e[0]);
    return e;
  }

  /** Delete `count` members starting at 0-based rank `start` (clamped). Returns how many. */
  deleteRank(start: number, count: number): number {
    if (start < 0) start = 0;
    if (count > this.dict.size - start) count = this.dict.size - start;
    let removed = 0;
    while (removed < count) {
      // Descend to `start`, remove what this leaf holds of the range in one go.
      let node = this.root;
      let r = start;
      let depth = 0;
      while (!node.leaf) {
        const c = node.counts;
        let i = 0;
        while (r >= c[i]) r -= c[i++];
        PATH_NODES[depth] = node;
        PATH_IDX[depth] = i;
        depth++;
        node = node.children[i];
      }
      const leaf = node;
      const k = Math.min(count - removed, leaf.members.length - r);
      this.version++;
      const gone = leaf.members.splice(r, k);
      leaf.scores.splice(r, k);
      for (let i = 0; i < gone.length; i++) this.dict.delete(gone[i]);
      for (let d = 0; d < depth; d++) PATH_NODES[d].counts[PATH_IDX[d]] -= k;
      removed += k;
      this.rebalanceLeaf(leaf, depth);
    }
    return removed;
  }

  /** Delete nodes with 1-based ranks start..end (inclusive, already clamped), as zslDeleteRangeByRank. */
  deleteRangeByRank(start: number, end: number): number {
    if (end < start) return 0;
    return this.deleteRank(start - 1, end - start + 1);
  }

  /** Delete every member in a score range. Returns how many. */
  deleteRangeByScore(range: ScoreRange): number {
    const start = this.lowerBound((s) => scoreGteMin(s, range));
    const end = this.lowerBound((s) => !scoreLteMax(s, range));
    return end > start ? this.deleteRank(start, end - start) : 0;
  }

  /** Delete every member in a lex range (from the first in range, while <= max). Returns how many. */
  deleteRangeByLex(range: LexRange): number {
    let start: number;
    if (this.listpack) {
      start = this.firstInLexRange(range);
      if (start < 0) return 0;
    } else start = this.lowerBound((_s, m) => lexGteMin(m, range));
    const c = this.cursor(start);
    if (c === null) return 0;
    let n = 0;
    do {
      if (!lexLteMax(c.member, range)) break;
      n++;
    } while (c.next());
    return n ? this.deleteRank(start, n) : 0;
  }

  /** Remove everything. */
  clear(): void {
    this.version++;
    this.dict.clear();
    this.root = this.head = this.tail = new Leaf();
  }

  // ---- encoding ----------------------------------------------------------------------

  /** Convert to the skip list encoding (one way). */
  convertToSkiplist(): void {
    this.listpack = false;
  }

  /**
   * For sets built by store commands (ZUNIONSTORE, GEORADIUS STORE...), which
   * Redis builds as a skip list and then converts when small enough
   * (zsetConvertToListpackIfNeeded). Returns the resulting encoding.
   */
  convertToListpackIfFits(limits: Readonly<ZsetLimits> = this.limits): 'listpack' | 'skiplist' {
    if (this.listpack) return 'listpack';
    if (this.dict.size > limits.entries) return 'skiplist';
    for (const m of this.dict.keys()) if (m.length > limits.value) return 'skiplist';
    this.listpack = true;
    this.version++; // -0 scores become 0 below
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      const ss = leaf.scores;
      for (let i = 0; i < ss.length; i++) {
        if (ss[i] === 0) {
          ss[i] = 0; // -0 -> 0
          this.dict.set(leaf.members[i], 0);
        }
      }
    }
    return 'listpack';
  }

  // ---- encoded replies -----------------------------------------------------------------

  /**
   * The reply to a forward range read, encoded as `kind` (ENC_MEMBERS, or
   * ENC_WITHSCORES_2/3 for WITHSCORES): up to `limit` members (-1: no limit)
   * from the cursor on, while their score is <= range.max (no bound when
   * `range` is null). Null when a leaf the reply takes members from has no
   * current encoding yet: a first read marks the leaves of its range, and an
   * encoding is built on the second read of a leaf the set has not changed
   * since, so a set that is written between reads never pays for it. The
   * cursor is spent either way.
   */
  encodedForward(c: ZCursor, limit: number, range: ScoreRange | null, kind = ENC_MEMBERS): EncodedArray | null {
    const ver = this.version;
    const segs: Array<Buffer | number> = [];
    let count = 0;
    let ready = true;
    let leaf: Leaf | null = c.leafNode as Leaf;
    let idx = c.index;
    while (leaf !== null && count !== limit) {
      const ss = leaf.scores;
      const n = ss.length;
      let j = idx;
      while (j < n && count !== limit && (range === null || scoreLteMax(ss[j], range))) {
        j++;
        count++;
      }
      if (j > idx) {
        let e = leaf.encodings === null ? undefined : leaf.encodings[kind];
        if (e === undefined || e.version !== ver) {
          if (leaf.readVersion !== ver) {
            // First read of this leaf at this version: mark it (and the rest of the range).
            leaf.readVersion = ver;
            ready = false;
            e = undefined;
          } else e = encodeLeaf(leaf, kind, ver);
        }
        if (e !== undefined) segs.push(e.bytes, e.offsets[idx], e.offsets[j]);
      }
      if (j < n) break;
      leaf = leaf.next;
      idx = 0;
    }
    return ready ? new EncodedArray(kind === ENC_WITHSCORES_2 ? count * 2 : count, segs, kind) : null;
  }

  // ---- ranges ------------------------------------------------------------------------

  /**
   * Rank of the first member for which `pred(score, member)` holds, given that
   * it is false then true along the order; size when it never holds.
   */
  lowerBound(pred: (score: number, member: string) => boolean): number {
    const c = this.lowerBoundCursor(pred);
    return c === null ? this.dict.size : c.rank;
  }

  /**
   * A cursor at the first member for which `pred` holds (as lowerBound), or
   * null when none does: one descent, where lowerBound() then cursor() take two.
   */
  lowerBoundCursor(pred: (score: number, member: string) => boolean): ZCursor | null {
    let node = this.root;
    let rank = 0;
    while (!node.leaf) {
      const ss = node.sepScores;
      const sm = node.sepMembers;
      // Last child whose lower bound does not satisfy pred.
      let lo = 1;
      let hi = ss.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (!pred(ss[mid], sm[mid])) lo = mid + 1;
        else hi = mid;
      }
      const i = lo - 1;
      const c = node.counts;
      for (let j = 0; j < i; j++) rank += c[j];
      node = node.children[i];
    }
    const ss = node.scores;
    const sm = node.members;
    let lo = 0;
    let hi = ss.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (!pred(ss[mid], sm[mid])) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ss.length) return new ZCursor(node, lo, rank + lo);
    // Past this leaf's last member: the answer is the next leaf's first, if any.
    return node.next === null ? null : new ZCursor(node.next, 0, rank + lo);
  }

  /** A cursor at the first member with a score in range, or null. */
  firstInRangeCursor(range: ScoreRange): ZCursor | null {
    if (!this.isInRange(range)) return null;
    const c = this.lowerBoundCursor((s) => scoreGteMin(s, range));
    return c !== null && scoreLteMax(c.score, range) ? c : null;
  }

  /** A cursor at the last member with a score in range, or null. */
  lastInRangeCursor(range: ScoreRange): ZCursor | null {
    if (!this.isInRange(range)) return null;
    let c = this.lowerBoundCursor((s) => !scoreLteMax(s, range));
    if (c === null) c = this.cursor(this.dict.size - 1);
    else if (!c.prev()) return null;
    return c !== null && scoreGteMin(c.score, range) ? c : null;
  }

  /** Rank of the first member with a score in range, or -1. */
  firstInRange(range: ScoreRange): number {
    const c = this.firstInRangeCursor(range);
    return c === null ? -1 : c.rank;
  }

  /** Rank of the last member with a score in range, or -1. */
  lastInRange(range: ScoreRange): number {
    const c = this.lastInRangeCursor(range);
    return c === null ? -1 : c.rank;
  }

  /** Number of members with a score in range. */
  countInRange(range: ScoreRange): number {
    const first = this.firstInRange(range);
    if (first < 0) return 0;
    return this.lastInRange(range) - first + 1;
  }

  /** Rank of the first member in a lex range, or -1 (listpack encoding: linear scan from the head, as Redis). */
  firstInLexRange(range: LexRange): number {
    if (!this.isInLexRange(range)) return -1;
    if (this.listpack) {
      const c = this.cursor(0);
      if (c === null) return -1;
      do {
        if (lexGteMin(c.member, range)) return lexLteMax(c.member, range) ? c.rank : -1;
      } while (c.next());
      return -1;
    }
    const r = this.lowerBound((_s, m) => lexGteMin(m, range));
    const c = this.cursor(r);
    return c !== null && lexLteMax(c.member, range) ? r : -1;
  }

  /** Rank of the last member in a lex range, or -1 (listpack encoding: linear scan from the tail). */
  lastInLexRange(range: LexRange): number {
    if (!this.isInLexRange(range)) return -1;
    if (this.listpack) {
      const c = this.cursor(this.dict.size - 1);
      if (c === null) return -1;
      do {
        if (lexLteMax(c.member, range)) return lexGteMin(c.member, range) ? c.rank : -1;
      } while (c.prev());
      return -1;
    }
    const r = this.lowerBound((_s, m) => !lexLteMax(m, range)) - 1;
    const c = this.cursor(r);
    return c !== null && lexGteMin(c.member, range) ? r : -1;
  }

  /** Number of members in a lex range (ZLEXCOUNT). */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first < 0) return 0;
    if (this.listpack) {
      const c = this.cursor(first) as ZCursor;
      let n = 0;
      do {
        if (!lexLteMax(c.member, range)) break;
        n++;
      } while (c.next());
      return n;
    }
    const len = this.dict.size;
    let count = len - first;
    const last = this.lastInLexRange(range);
    if (last >= 0) count -= len - 1 - last;
    return count;
  }

  /** Quick rejection: is any part of the set inside the score range? */
  private isInRange(range: ScoreRange): boolean {
    if (scoreRangeEmpty(range)) return false;
    const t = this.tail.scores;
    if (t.length === 0 || !scoreGteMin(t[t.length - 1], range)) return false;
    return scoreLteMax(this.head.scores[0], range);
  }

  private isInLexRange(range: LexRange): boolean {
    if (lexRangeEmpty(range)) return false;
    const last = this.last();
    if (last === undefined || !lexGteMin(last[0], range)) return false;
    return lexLteMax(this.head.members[0], range);
  }

  // ---- tree internals ------------------------------------------------------------------

  /** Put (member, score) in the tree (the dict is the caller's business). */
  private link(member: string, score: number): void {
    this.version++;
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      const i = route(node, score, member);
      PATH_NODES[depth] = node;
      PATH_IDX[depth] = i;
      depth++;
      node = node.children[i];
    }
    const leaf = node;
    const idx = leafLowerBound(leaf, score, member);
    insertMember(leaf.members, idx, member);
    insertScore(leaf.scores, idx, score);
    for (let d = 0; d < depth; d++) PATH_NODES[d].counts[PATH_IDX[d]]++;
    if (leaf.members.length > LEAF_MAX) this.splitLeaf(leaf, depth);
  }

  /** Take (member, score) out of the tree; returns the member string the tree held. */
  private unlink(member: string, score: number): string {
    this.version++;
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      const i = route(node, score, member);
      PATH_NODES[depth] = node;
      PATH_IDX[depth] = i;
      depth++;
      node = node.children[i];
    }
    const leaf = node;
    const idx = leafLowerBound(leaf, score, member);
    const stored = leaf.members[idx];
    if (stored !== member) throw new Error(`RedKit zset: ${JSON.stringify(member)} not found in the tree`);
    removeMember(leaf.members, idx);
    removeScore(leaf.scores, idx);
    for (let d = 0; d < depth; d++) PATH_NODES[d].counts[PATH_IDX[d]]--;
    this.rebalanceLeaf(leaf, depth);
    return stored;
  }

  private splitLeaf(leaf: Leaf, depth: number): void {
    const mid = leaf.members.length >> 1;
    const right = new Leaf();
    right.members = leaf.members.slice(mid);
    right.scores = leaf.scores.slice(mid);
    leaf.members.length = mid;
    leaf.scores.length = mid;
    right.prev = leaf;
    right.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    this.addChild(depth - 1, leaf, right, right.scores[0], right.members[0], right.members.length);
  }

  /**
   * Insert `right` (split off `left`, holding `count` members) after `left`
   * in the parent at path depth `d` (d < 0: `left` is the root).
   */
  private addChild(d: number, left: TreeNode, right: TreeNode, sepScore: number, sepMember: string, count: number): void {
    if (d < 0) {
      const root = new Inner();
      root.children = [left, right];
      root.counts = [sizeOf(left), count];
      root.sepScores = [sepScore, sepScore];
      root.sepMembers = [sepMember, sepMember];
      this.root = root;
      return;
    }
    const parent = PATH_NODES[d];
    const i = PATH_IDX[d];
    parent.counts[i] -= count;
    insertAt(parent.children, i + 1, right);
    insertAt(parent.counts, i + 1, count);
    insertAt(parent.sepScores, i + 1, sepScore);
    insertAt(parent.sepMembers, i + 1, sepMember);
    if (parent.children.length > INNER_MAX) {
      const mid = parent.children.length >> 1;
      const r = new Inner();
      r.children = parent.children.slice(mid);
      r.counts = parent.counts.slice(mid);
      r.sepScores = parent.sepScores.slice(mid);
      r.sepMembers = parent.sepMembers.slice(mid);
      parent.children.length = mid;
      parent.counts.length = mid;
      parent.sepScores.length = mid;
      parent.sepMembers.length = mid;
      this.addChild(d - 1, parent, r, r.sepScores[0], r.sepMembers[0], sizeOf(r));
    }
  }

  /** After removals from a leaf at path depth `depth`: drop it when empty, merge it when small. */
  private rebalanceLeaf(leaf: Leaf, depth: number): void {
    if (depth === 0) return; // the root leaf may hold anything
    const n = leaf.members.length;
    if (n >= LEAF_MIN) return;
    const d = depth - 1;
    const parent = PATH_NODES[d];
    const i = PATH_IDX[d];
    if (n === 0) {
      this.unchainLeaf(leaf);
      this.removeChild(d, i);
      return;
    }
    if (i + 1 < parent.children.length) {
      const r = parent.children[i + 1] as Leaf;
      if (n + r.members.length <= LEAF_MAX) {
        for (let k = 0; k < r.members.length; k++) {
          leaf.members.push(r.members[k]);
          leaf.scores.push(r.scores[k]);
        }
        this.unchainLeaf(r);
        parent.counts[i] += parent.counts[i + 1];
        this.removeChild(d, i + 1);
        return;
      }
    }
    if (i > 0) {
      const l = parent.children[i - 1] as Leaf;
      if (l.members.length + n <= LEAF_MAX) {
        for (let k = 0; k < n; k++) {
          l.members.push(leaf.members[k]);
          l.scores.push(leaf.scores[k]);
        }
        this.unchainLeaf(leaf);
        parent.counts[i - 1] += parent.counts[i];
        this.removeChild(d, i);
      }
    }
  }

  private unchainLeaf(leaf: Leaf): void {
    if (leaf.prev !== null) leaf.prev.next = leaf.next;
    else if (leaf.next !== null) this.head = leaf.next;
    if (leaf.next !== null) leaf.next.prev = leaf.prev;
    else if (leaf.prev !== null) this.tail = leaf.prev;
    leaf.prev = leaf.next = null;
  }

  /** Remove child i of the inner node at path depth d, then rebalance upwards. */
  private removeChild(d: number, i: number): void {
    const node = PATH_NODES[d];
    node.children.splice(i, 1);
    node.counts.splice(i, 1);
    node.sepScores.splice(i, 1);
    node.sepMembers.splice(i, 1);
    const n = node.children.length;
    if (d === 0) {
      // The root: collapse while it has a single child.
      let root: TreeNode = node;
      while (!root.leaf && root.children.length === 1) root = root.children[0];
      if (!root.leaf && root.children.length === 0) root = new Leaf();
      if (root !== this.root) {
        this.root = root;
        if (root.leaf) this.head = this.tail = root;
      }
      return;
    }
    if (n >= INNER_MIN) return;
    const parent = PATH_NODES[d - 1];
    const pi = PATH_IDX[d - 1];
    if (n === 0) {
      this.removeChild(d - 1, pi);
      return;
    }
    if (pi + 1 < parent.children.length) {
      const r = parent.children[pi + 1] as Inner;
      if (n + r.children.length <= INNER_MAX) {
        r.sepScores[0] = parent.sepScores[pi + 1];
        r.sepMembers[0] = parent.sepMembers[pi + 1];
        for (let k = 0; k < r.children.length; k++) {
          node.children.push(r.children[k]);
          node.counts.push(r.counts[k]);
          node.sepScores.push(r.sepScores[k]);
          node.sepMembers.push(r.sepMembers[k]);
        }
        parent.counts[pi] += parent.counts[pi + 1];
        this.removeChild(d - 1, pi + 1);
        return;
      }
    }
    if (pi > 0) {
      const l = parent.children[pi - 1] as Inner;
      if (l.children.length + n <= INNER_MAX) {
        node.sepScores[0] = parent.sepScores[pi];
        node.sepMembers[0] = parent.sepMembers[pi];
        for (let k = 0; k < n; k++) {
          l.children.push(node.children[k]);
          l.counts.push(node.counts[k]);
          l.sepScores.push(node.sepScores[k]);
          l.sepMembers.push(node.sepMembers[k]);
        }
        parent.counts[pi - 1] += parent.counts[pi];
        this.removeChild(d - 1, pi);
      }
    }
  }

  /** Internal consistency check (tests): counts, separators, order, leaf chain, dict. */
  checkInvariants(): void {
    const fail = (msg: string): never => {
      throw new Error(`zset invariant: ${msg}`);
    };
    let prevKey: [number, string] | null = null;
    let total = 0;
    const leaves: Leaf[] = [];
    const walk = (node: TreeNode, lo: [number, string] | null, hi: [number, string] | null, isRoot: boolean): number => {
      if (node.leaf) {
        leaves.push(node);
        if (node.members.length !== node.scores.length) fail('leaf arrays differ');
        if (!isRoot && node.members.length === 0) fail('empty leaf');
        for (let i = 0; i < node.members.length; i++) {
          const k: [number, string] = [node.scores[i], node.members[i]];
          if (lo && !keyLE(lo[0], lo[1], k[0], k[1])) fail('key below its lower bound');
          if (hi && keyLE(hi[0], hi[1], k[0], k[1])) fail('key above its upper bound');
          if (prevKey && keyLE(k[0], k[1], prevKey[0], prevKey[1])) fail('keys out of order');
          prevKey = k;
          if (this.dict.get(k[1]) !== k[0]) fail('dict disagrees');
          total++;
        }
        return node.members.length;
      }
      const n = node.children.length;
      if (n === 0) fail('empty inner');
      if (node.counts.length !== n || node.sepScores.length !== n || node.sepMembers.length !== n) fail('inner arrays differ');
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const clo: [number, string] | null = i === 0 ? lo : [node.sepScores[i], node.sepMembers[i]];
        const chi: [number, string] | null = i + 1 < n ? [node.sepScores[i + 1], node.sepMembers[i + 1]] : hi;
        const c = walk(node.children[i], clo, chi, false);
        if (c !== node.counts[i]) fail(`count ${node.counts[i]} != ${c}`);
        sum += c;
      }
      return sum;
    };
    walk(this.root, null, null, true);
    if (total !== this.dict.size) fail(`tree has ${total}, dict ${this.dict.size}`);
    if (leaves[0] !== this.head) fail('head');
    if (leaves[leaves.length - 1] !== this.tail) fail('tail');
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i].prev !== (i ? leaves[i - 1] : null)) fail('prev link');
      if (leaves[i].next !== (i + 1 < leaves.length ? leaves[i + 1] : null)) fail('next link');
    }
  }
}
