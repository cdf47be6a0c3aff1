/**
 * The sorted set value: a skip list ordered by (score, member) with spans for
 * O(log n) rank operations, plus a Map member -> node for O(1) lookups.
 *
 * Ordering is Redis's: by score, then by member bytes (members are binary
 * "latin1" strings, so JavaScript's `<` on them is memcmp order with the
 * shorter string first on a common prefix).
 *
 * Complexities: insert, delete, score update, rank, node at rank, first/last
 * node in a score range: O(log n). Ranges are walked from their first node
 * through `forward` / `backward` links; nothing is ever sorted on read.
 *
 * Encoding. Redis keeps small sorted sets in a listpack and converts them,
 * one way, to a skip list when an insert would make them longer than
 * `zset-max-listpack-entries` or a member longer than
 * `zset-max-listpack-value` bytes. We always use the skip list but track
 * what Redis would report, and emulate the two places where the listpack is
 * observably different:
 *   - a listpack stores scores as text (`d2string`), which turns -0 into 0;
 *   - lexicographic range lookups scan a listpack linearly from one end,
 *     which gives different (but deterministic) answers when members are not
 *     in lexicographic order (mixed scores); the skip list variant descends.
 *
 * Usage for readers (SORT, DUMP, ...): `size`, `score(member)`, iterate with
 * `for (const [member, score] of zset)` (ascending) or `zset.entries(true)`
 * (descending), or walk nodes with `first()` / `node.forward`.
 */
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

const MAX_LEVEL = 32;
const P = 0.25;

/** A skip list node. Fields are public for fast traversal; treat them as read-only outside this file. */
export class ZNode {
  /** Forward link per level. */
  readonly next: Array<ZNode | null>;
  /** Number of level-0 steps each forward link crosses. */
  readonly span: number[];
  backward: ZNode | null = null;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    const next: Array<ZNode | null> = [];
    const span: number[] = [];
    for (let i = 0; i < level; i++) {
      next.push(null);
      span.push(0);
    }
    this.next = next;
    this.span = span;
  }

  /** The next node in ascending order. */
  get forward(): ZNode | null {
    return this.next[0];
  }
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** Scratch vectors for insert/delete (single-threaded, never re-entered). */
const UPDATE: ZNode[] = [];
const RANK: number[] = [];

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

export class ZSet implements RObject {
  readonly type = 'zset' as const;
  /** member -> its node. */
  private readonly dict = new Map<string, ZNode>();
  private readonly header = new ZNode('', 0, MAX_LEVEL);
  private tailNode: ZNode | null = null;
  private level = 1;
  /** Nodes linked in the list (equals dict.size except while a node is being moved). */
  private len = 0;
  /** What Redis would report: listpack until it grows past the limits (one way). */
  private listpack = true;
  /** Limits used by `add` when none are passed (the server's config, refreshed by the commands). */
  limits: Readonly<ZsetLimits>;

  constructor(limits: Readonly<ZsetLimits> = DEFAULT_ZSET_LIMITS) {
    this.limits = limits;
  }

  /** A sorted set holding the given pairs (any order; later duplicates update earlier ones). */
  static from(pairs: Iterable<readonly [string, number]>, limits: Readonly<ZsetLimits> = DEFAULT_ZSET_LIMITS): ZSet {
    const z = new ZSet(limits);
    for (const [m, s] of pairs) z.add(m, s);
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
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) z.appendSorted(x.member, x.score);
    return z;
  }

  // ---- lookups ---------------------------------------------------------------------

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /** The node of a member (read-only use). */
  node(member: string): ZNode | undefined {
    return this.dict.get(member);
  }

  /** Lowest node, or null when empty. */
  first(): ZNode | null {
    return this.header.next[0];
  }

  /** Highest node, or null when empty. */
  last(): ZNode | null {
    return this.tailNode;
  }

  /** 0-based rank of a member (descending when `reverse`), or -1 when absent. */
  rank(member: string, reverse = false): number {
    const node = this.dict.get(member);
    if (node === undefined) return -1;
    const r = this.rankOf(node.score, node.member); // 1-based
    return reverse ? this.dict.size - r : r - 1;
  }

  /** Node at 0-based rank (ascending), or null when out of range. */
  nodeAt(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.dict.size) return null;
    return this.nodeAtRank1(rank + 1);
  }

  /** Ascending (member, score) pairs. */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries(false);
  }

  /** (member, score) pairs in ascending order, or descending when `reverse`. */
  *entries(reverse = false): IterableIterator<[string, number]> {
    if (reverse) {
      for (let x = this.tailNode; x !== null; x = x.backward) yield [x.member, x.score];
    } else {
      for (let x = this.header.next[0]; x !== null; x = x.next[0]) yield [x.member, x.score];
    }
  }

  /** Members in ascending order. */
  *members(): IterableIterator<string> {
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) yield x.member;
  }

  /**
   * Nodes in hash order (insertion order of the member map): a live iterator
   * that survives changes, for ZSCAN cursors.
   */
  unorderedNodes(): IterableIterator<ZNode> {
    return this.dict.values();
  }

  /** A uniformly random node (the set must not be empty). */
  randomNode(): ZNode {
    return this.nodeAtRank1(1 + Math.floor(Math.random() * this.dict.size)) as ZNode;
  }

  // ---- updates ---------------------------------------------------------------------

  /**
   * Set a member's score, adding it when absent. Returns true when the member
   * was added. A listpack-encoded set converts first when the new member
   * would break `limits` (as Redis's zsetAdd does).
   */
  add(member: string, score: number, limits: Readonly<ZsetLimits> = this.limits): boolean {
    const node = this.dict.get(member);
    if (node !== undefined) {
      this.updateScore(node, score);
      return false;
    }
    this.insert(member, score, limits);
    return true;
  }

  /** Add a member known to be absent (checks the listpack limits first). */
  insert(member: string, score: number, limits: Readonly<ZsetLimits> = this.limits): ZNode {
    if (this.listpack && (this.dict.size + 1 > limits.entries || member.length > limits.value)) this.listpack = false;
    const node = new ZNode(member, this.listpack ? score + 0 : score, randomLevel());
    this.link(node);
    this.dict.set(member, node);
    return node;
  }

  /** Change the score of an existing member (no-op when equal, as Redis compares with ==). */
  updateScore(node: ZNode, score: number): void {
    if (score === node.score) return;
    if (this.listpack) score = score + 0; // a listpack stores d2string(score): -0 becomes 0
    const prev = node.backward;
    const next = node.next[0];
    const m = node.member;
    if ((prev === null || prev.score < score || (prev.score === score && prev.member < m)) && (next === null || next.score > score || (next.score === score && next.member > m))) {
      node.score = score;
      return;
    }
    this.unlink(node);
    node.score = score;
    this.relink(node);
  }

  /** Remove a member; returns whether it was there. */
  delete(member: string): boolean {
    const node = this.dict.get(member);
    if (node === undefined) return false;
    this.unlink(node);
    this.dict.delete(member);
    return true;
  }

  /** Remove and return the lowest (or highest) node, or null when empty. */
  pop(max = false): ZNode | null {
    const node = max ? this.tailNode : this.header.next[0];
    if (node === null) return null;
    this.unlink(node);
    this.dict.delete(node.member);
    return node;
  }

  /** Delete nodes with 1-based ranks start..end (inclusive, already clamped). Returns how many. */
  deleteRangeByRank(start: number, end: number): number {
    const update = UPDATE;
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] < start) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    traversed++;
    let node = x.next[0];
    let removed = 0;
    while (node !== null && traversed <= end) {
      const nextNode = node.next[0];
      this.unlinkWith(node, update);
      this.dict.delete(node.member);
      removed++;
      traversed++;
      node = nextNode;
    }
    return removed;
  }

  /** Delete every node in a score range. Returns how many. */
  deleteRangeByScore(range: ScoreRange): number {
    const update = UPDATE;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (range.minex ? n.score <= range.min : n.score < range.min)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    let node = x.next[0];
    let removed = 0;
    while (node !== null && scoreLteMax(node.score, range)) {
      const nextNode = node.next[0];
      this.unlinkWith(node, update);
      this.dict.delete(node.member);
      removed++;
      node = nextNode;
    }
    return removed;
  }

  /** Delete every node in a lex range (listpack: from the first in range, while <= max). Returns how many. */
  deleteRangeByLex(range: LexRange): number {
    let removed = 0;
    if (this.listpack) {
      let node = this.firstInLexRange(range);
      while (node !== null && lexLteMax(node.member, range)) {
        const nextNode = node.next[0];
        this.unlink(node);
        this.dict.delete(node.member);
        removed++;
        node = nextNode;
      }
      return removed;
    }
    const update = UPDATE;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !lexGteMin(n.member, range)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    let node = x.next[0];
    while (node !== null && lexLteMax(node.member, range)) {
      const nextNode = node.next[0];
      this.unlinkWith(node, update);
      this.dict.delete(node.member);
      removed++;
      node = nextNode;
    }
    return removed;
  }

  /** Remove everything. */
  clear(): void {
    this.dict.clear();
    for (let i = 0; i < MAX_LEVEL; i++) {
      this.header.next[i] = null;
      this.header.span[i] = 0;
    }
    this.tailNode = null;
    this.level = 1;
    this.len = 0;
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
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) if (x.score === 0) x.score = 0; // -0 -> 0
    return 'listpack';
  }

  // ---- ranges ------------------------------------------------------------------------

  /** First node with a score in range, or null. */
  firstInRange(range: ScoreRange): ZNode | null {
    if (!this.isInRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !scoreGteMin(n.score, range)) {
        x = n;
        n = x.next[i];
      }
    }
    const node = x.next[0] as ZNode;
    return scoreLteMax(node.score, range) ? node : null;
  }

  /** Last node with a score in range, or null. */
  lastInRange(range: ScoreRange): ZNode | null {
    if (!this.isInRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && scoreLteMax(n.score, range)) {
        x = n;
        n = x.next[i];
      }
    }
    return scoreGteMin(x.score, range) ? x : null;
  }

  /** Number of members with a score in range. */
  countInRange(range: ScoreRange): number {
    const first = this.firstInRange(range);
    if (first === null) return 0;
    const last = this.lastInRange(range) as ZNode;
    return this.rankOf(last.score, last.member) - this.rankOf(first.score, first.member) + 1;
  }

  /** First node in a lex range, or null (listpack encoding: linear scan from the head, as Redis). */
  firstInLexRange(range: LexRange): ZNode | null {
    if (!this.isInLexRange(range)) return null;
    if (this.listpack) {
      for (let x = this.header.next[0]; x !== null; x = x.next[0]) {
        if (lexGteMin(x.member, range)) return lexLteMax(x.member, range) ? x : null;
      }
      return null;
    }
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !lexGteMin(n.member, range)) {
        x = n;
        n = x.next[i];
      }
    }
    const node = x.next[0];
    return node !== null && lexLteMax(node.member, range) ? node : null;
  }

  /** Last node in a lex range, or null (listpack encoding: linear scan from the tail). */
  lastInLexRange(range: LexRange): ZNode | null {
    if (!this.isInLexRange(range)) return null;
    if (this.listpack) {
      for (let x = this.tailNode; x !== null; x = x.backward) {
        if (lexLteMax(x.member, range)) return lexGteMin(x.member, range) ? x : null;
      }
      return null;
    }
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && lexLteMax(n.member, range)) {
        x = n;
        n = x.next[i];
      }
    }
    return x !== this.header && lexGteMin(x.member, range) ? x : null;
  }

  /** Number of members in a lex range (ZLEXCOUNT). */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first === null) return 0;
    if (this.listpack) {
      let n = 0;
      for (let x: ZNode | null = first; x !== null && lexLteMax(x.member, range); x = x.next[0]) n++;
      return n;
    }
    const len = this.dict.size;
    let count = len - (this.rankOf(first.score, first.member) - 1);
    const last = this.lastInLexRange(range);
    if (last !== null) count -= len - this.rankOf(last.score, last.member);
    return count;
  }

  /** Quick rejection: is any part of the set inside the score range? */
  private isInRange(range: ScoreRange): boolean {
    if (scoreRangeEmpty(range)) return false;
    const tail = this.tailNode;
    if (tail === null || !scoreGteMin(tail.score, range)) return false;
    const head = this.header.next[0] as ZNode;
    return scoreLteMax(head.score, range);
  }

  private isInLexRange(range: LexRange): boolean {
    if (lexRangeEmpty(range)) return false;
    const tail = this.tailNode;
    if (tail === null || !lexGteMin(tail.member, range)) return false;
    const head = this.header.next[0] as ZNode;
    return lexLteMax(head.member, range);
  }

  // ---- skip list internals --------------------------------------------------------------

  /** 1-based rank of (score, member), which must be present. */
  private rankOf(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member <= member))) {
        rank += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** Node at a 1-based rank. */
  private nodeAtRank1(rank: number): ZNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  /** Insert a node (not in the dict yet) at its place. */
  private link(node: ZNode): void {
    const update = UPDATE;
    const rank = RANK;
    const score = node.score;
    const member = node.member;
    let x = this.header;
    const top = this.level - 1;
    for (let i = top; i >= 0; i--) {
      rank[i] = i === top ? 0 : rank[i + 1];
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member < member))) {
        rank[i] += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const level = node.next.length;
    const length = this.len;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = length;
      }
      this.level = level;
    }
    for (let i = 0; i < level; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rank[0] - rank[i]);
      u.span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.header ? null : update[0];
    const f = node.next[0];
    if (f !== null) f.backward = node;
    else this.tailNode = node;
    this.len++;
  }

  /** Re-insert a node that was unlinked (its dict entry is kept). */
  private relink(node: ZNode): void {
    this.link(node);
  }

  /** Remove a node from the list (not from the dict). */
  private unlink(node: ZNode): void {
    const update = UPDATE;
    const score = node.score;
    const member = node.member;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member < member))) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    this.unlinkWith(node, update);
  }

  private unlinkWith(node: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === node) {
        u.span[i] += node.span[i] - 1;
        u.next[i] = node.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const f = node.next[0];
    if (f !== null) f.backward = node.backward;
    else this.tailNode = node.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.len--;
  }

  /** Append a member greater than every member present (clone, sorted bulk loads). */
  private appendSorted(member: string, score: number): void {
    const node = new ZNode(member, score, randomLevel());
    this.link(node);
    this.dict.set(member, node);
  }
}
