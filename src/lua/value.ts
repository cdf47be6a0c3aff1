/**
 * Lua 5.1 values for RedKit's Lua engine.
 *
 * nil = undefined; booleans, numbers (doubles) and strings are JS primitives (strings are byte
 * strings: one char per byte, latin1); tables, functions, coroutines and userdata are classes below.
 *
 * LuaTable reproduces ltable.c's layout (array part + node part with main positions, collision
 * chains and the `lastfree` pointer, rehash/computesizes) so that `#t`, `next`/`pairs` order and
 * everything depending on them match C Lua 5.1.5. A JS Map indexes the nodes by key for speed; the
 * nodes themselves keep C's positions.
 */

export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaCoroutine | LuaUserdata;

/** A Lua error carrying any Lua value. `level` > 0: the message still waits for its "chunk:line: " prefix. */
export class LuaError extends Error {
  value: LuaValue;
  traceback: string | undefined;
  /** Internal: levels still to climb before the position prefix is added (0 = final). */
  level: number;
  /**
   * Where the error was raised: the chunk name as given to load() (e.g. '@user_script') and the
   * current line of the innermost Lua function it went through (what Redis's error handler reads
   * with debug.getinfo). Undefined when no Lua function saw it.
   */
  source: string | undefined = undefined;
  line: number | undefined = undefined;
  constructor(value: LuaValue, traceback?: string, level = 0) {
    super(typeof value === 'string' ? value : 'Lua error');
    this.value = value;
    this.traceback = traceback;
    this.level = level;
  }
}

/** luaL_error for natives: the runtime prefixes the caller's position ("user_script:3: "). */
export function luaLError(message: string): never {
  throw new LuaError(message, undefined, 1);
}

/** luaL_argerror: "bad argument #1 to 'rep' (...)". */
export function argError(n: number, fname: string, extra: string): never {
  throw new LuaError(`bad argument #${n} to '${fname}' (${extra})`, undefined, 1);
}

/** luaL_typerror: "bad argument #1 to 'rep' (number expected, got no value)". */
export function typeError(n: number, fname: string, expected: string, got: LuaValue | undefined, present: boolean): never {
  return argError(n, fname, `${expected} expected, got ${present ? typeName(got) : 'no value'}`);
}

export function typeName(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined': return 'nil';
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default:
      if (v instanceof LuaTable) return 'table';
      if (v instanceof LuaFunction) return 'function';
      if (v instanceof LuaCoroutine) return 'thread';
      return 'userdata';
  }
}

let nextId = 1;
/** The object id counter (a replayed script run restores it: same addresses, same pairs order of object keys). */
export function objectIdCounter(): number { return nextId; }
export function setObjectIdCounter(n: number): void { nextId = n; }
/** A stable pseudo address for tostring ("table: 0x...") and for hashing objects as keys. */
export function objectId(o: { id: number }): number {
  if (o.id === 0) o.id = nextId++;
  return o.id;
}
export function addressOf(o: { id: number }): string {
  return '0x' + (0x55d0c0a01000 + objectId(o) * 0x40).toString(16);
}

/** A host (C-like) function: gets exactly the arguments passed; returns its results. */
export type NativeFn = (args: LuaValue[]) => LuaValue[];
/** Compiled Lua function / resumable native: a generator taking (self, args), returning one value or an array of values. */
export type GenFn = (self: LuaFunction, args: LuaValue[]) => Generator<unknown, unknown, unknown>;
/** Plain-mode implementation: (self, args) => one value or an array of values. */
export type PlainFn = (self: LuaFunction, args: LuaValue[]) => unknown;

export class LuaFunction {
  readonly name: string;
  /** Native implementation (C-like function); undefined for Lua closures. */
  nf: NativeFn | undefined;
  /** Compiled (resumable) implementation: Lua closures, and natives that must let yields through (pcall...). */
  g: GenFn | undefined;
  /** The function environment (getfenv/setfenv); natives: undefined unless set. */
  env: LuaTable | undefined;
  /** A compiled Lua function (leaf functions run through `nf`, others through `g`). */
  lua = false;
  id = 0;
  /**
   * A native with both versions whose `nf` does what `g` does as long as this returns false
   * (redis.call: `g` only matters for a reply that comes later). Undefined: `g` is needed.
   */
  needsG: (() => boolean) | undefined = undefined;
  /**
   * Plain version (no generator: cannot pause) used by plain-mode code (LuaState.runPlain): every
   * compiled Lua function has one, and natives that call Lua functions (pcall, xpcall) have their
   * plain-mode variant here. Called as `p(self, args)`; results as compiled code returns them.
   */
  p: PlainFn | undefined = undefined;
  constructor(name: string, nf: NativeFn | undefined, g: GenFn | undefined, env: LuaTable | undefined) {
    this.name = name;
    this.nf = nf;
    this.g = g;
    this.env = env;
  }
}

export function nativeFunction(name: string, fn: NativeFn): LuaFunction {
  return new LuaFunction(name, fn, undefined, undefined);
}

export class LuaCoroutine {
  id = 0;
  /** 'suspended' | 'running' | 'normal' | 'dead' */
  status: 'suspended' | 'running' | 'normal' | 'dead' = 'suspended';
  fn: LuaFunction;
  gen: Generator<unknown, unknown, unknown> | undefined = undefined;
  /** Saved per-thread engine state while not running. */
  depth = 0;
  nny = 0;
  constructor(fn: LuaFunction) {
    this.fn = fn;
  }
}

export class LuaUserdata {
  id = 0;
  metatable: LuaTable | undefined = undefined;
  data: unknown;
  env: LuaTable | undefined = undefined;
  constructor(data: unknown) {
    this.data = data;
  }
}

// ---------------------------------------------------------------- table

const MAXBITS = 26;
const MAXASIZE = 1 << MAXBITS;

/** A hash node. Slots of the node vector hold null until a key is placed (C: key nil). */
/** A table's shape (LuaTable.nodeLayout): its array part size and, per node slot, the index of its key (-1: empty), the slot of the next node in its chain (-1: none) and the key's hash. */
export interface NodeLayout {
  /** Array part size. */
  asize: number;
  size: number;
  lastfree: number;
  slot: Int32Array;
  next: Int32Array;
  h: Int32Array;
}

export class Node {
  val: LuaValue = undefined;
  next: Node | null = null;
  /** The key's raw hash (see rawHash): computed once per key. An int32, so a small integer in V8 (no number box per node). */
  h = 0;
  constructor(public idx: number, public key: LuaValue) {}
}

/**
 * The hash C Lua 5.1 derives a key's main position from, as the int32 of its 32 bits: strings
 * luaS_hash, booleans 0/1 (both taken modulo the power-of-2 size), numbers the sum of the double's
 * two 32-bit halves and objects an id (both taken as unsigned modulo size-1|1): see positionOf.
 */
function rawHash(key: LuaValue): number {
  switch (typeof key) {
    case 'string': return luaStringHash(key) | 0;
    case 'boolean': return key ? 1 : 0;
    case 'number': {
      if (key === 0) return 0;
      f64[0] = key;
      return (u32[0]! + u32[1]!) | 0;
    }
    default: return objectId(key as { id: number }) | 0;
  }
}

/** mainposition: the slot of a key with raw hash h in a node vector of `size` slots. */
function positionOf(key: LuaValue, h: number, size: number): number {
  const t = typeof key;
  return t === 'string' || t === 'boolean' ? h & (size - 1) : (h >>> 0) % ((size - 1) | 1);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Lua 5.1's luaS_hash (seeded by the length, one char in `step` for long strings). */
export function luaStringHash(s: string): number {
  const l = s.length;
  let h = l >>> 0;
  const step = (l >> 5) + 1;
  for (let l1 = l; l1 >= step; l1 -= step) {
    h = (h ^ ((h << 5) + (h >>> 2) + (s.charCodeAt(l1 - 1) & 0xff))) >>> 0;
  }
  return h;
}

function ceillog2(x: number): number {
  // ceil(log2(x)) for x >= 1
  if (x <= 0x40000000) return x <= 1 ? 0 : 32 - Math.clz32(x - 1);
  let l = 0;
  x--;
  while (x >= 256) { l += 8; x = Math.floor(x / 256); }
  while (x > 0) { l++; x >>>= 1; }
  return l;
}

/** The int index of a number key, or -1 (arrayindex). */
function arrayIndex(k: LuaValue): number {
  if (typeof k === 'number' && (k | 0) === k) return k;
  return -1;
}

function tableIndexError(msg: string): never {
  throw new LuaError(msg, undefined, 1);
}

const EMPTY_NODES: (Node | null)[] = [];
/**
 * Node parts of at most this many slots have no key map: a lookup compares the keys of the (at
 * most 8) slots, which costs less than a Map's allocation and upkeep for the small tables scripts
 * make by the thousand (cmsgpack/cjson objects, redis.call replies, option tables).
 */
const SMALL_NODES = 8;
/**
 * The key map of every table whose node part is small (shared and always empty: setNodeVector
 * gives a table its own map when its node part grows past SMALL_NODES).
 */
const EMPTY_MAP: Map<LuaValue, Node> = new Map();
/** computesizes' per-power-of-2 counts: scratch of rehash (never re-entered). */
const NUMS = new Int32Array(MAXBITS + 1);

export class LuaTable {
  /** Array part: arr[i-1] is t[i] for 1 <= i <= arr.length (sizearray = arr.length). */
  arr: LuaValue[];
  /** Node part (length 0 = C's dummynode, else a power of 2); null = a slot never used since the last resize. */
  nodes: (Node | null)[];
  /** key -> node holding it, when nodes.length > SMALL_NODES (else EMPTY_MAP: use findNode). */
  map: Map<LuaValue, Node>;
  lastfree: number;
  metatable: LuaTable | undefined = undefined;
  readonly = false;
  id = 0;

  constructor(narray = 0, nhash = 0) {
    const arr = new Array<LuaValue>(narray);
    for (let i = 0; i < narray; i++) arr[i] = undefined;
    this.arr = arr;
    this.nodes = EMPTY_NODES;
    this.map = EMPTY_MAP;
    this.lastfree = 0;
    if (nhash > 0) this.setNodeVector(nhash);
  }

  // ---- lookups

  /** The node holding `key` (live or dead), if any. */
  findNode(key: LuaValue): Node | undefined {
    const nodes = this.nodes;
    const size = nodes.length;
    if (size > SMALL_NODES) return this.map.get(key);
    for (let i = 0; i < size; i++) {
      const n = nodes[i]!;
      if (n !== null && n.key === key) return n;
    }
    return undefined;
  }

  get(key: LuaValue): LuaValue {
    if (typeof key === 'number') {
      const arr = this.arr;
      if (key >= 1 && key <= arr.length && (key | 0) === key) return arr[key - 1];
    }
    const n = this.findNode(key);
    return n === undefined ? undefined : n.val;
  }

  /** Raw get with a string key (no array part check). */
  getStr(key: string): LuaValue {
    const n = this.findNode(key);
    return n === undefined ? undefined : n.val;
  }

  /** Raw get with an integer key. */
  getInt(key: number): LuaValue {
    const arr = this.arr;
    if (key >= 1 && key <= arr.length) return arr[key - 1];
    const n = this.findNode(key);
    return n === undefined ? undefined : n.val;
  }

  // ---- stores

  set(key: LuaValue, value: LuaValue): void {
    if (this.readonly) tableIndexError('Attempt to modify a readonly table');
    this.rawset(key, value);
  }

  /** Store ignoring the readonly flag (host use). */
  rawset(key: LuaValue, value: LuaValue): void {
    if (typeof key === 'number') {
      const arr = this.arr;
      if (key >= 1 && key <= arr.length && (key | 0) === key) { arr[key - 1] = value; return; }
      if (key !== key) tableIndexError('table index is NaN');
    }
    const n = this.findNode(key);
    if (n !== undefined) { n.val = value; return; }
    if (key === undefined) tableIndexError('table index is nil');
    // Like luaH_set, a new key gets a node even when the value is nil (it can trigger a rehash).
    this.newKey(key).val = value;
  }

  /** luaH_set without a store: make sure `key` has a slot (what C Lua does before calling __newindex). */
  touch(key: LuaValue): void {
    if (typeof key === 'number') {
      if (key >= 1 && key <= this.arr.length && (key | 0) === key) return;
      if (key !== key) tableIndexError('table index is NaN');
    }
    if (key === undefined) tableIndexError('table index is nil');
    if (this.findNode(key) === undefined) this.newKey(key);
  }

  setStr(key: string, value: LuaValue): void {
    if (this.readonly) tableIndexError('Attempt to modify a readonly table');
    const n = this.findNode(key);
    if (n !== undefined) { n.val = value; return; }
    this.newKey(key).val = value;
  }

  setInt(key: number, value: LuaValue): void {
    if (this.readonly) tableIndexError('Attempt to modify a readonly table');
    const arr = this.arr;
    if (key >= 1 && key <= arr.length) { arr[key - 1] = value; return; }
    const n = this.findNode(key);
    if (n !== undefined) { n.val = value; return; }
    this.newKey(key).val = value;
  }

  // ---- length and traversal

  length(): number {
    const arr = this.arr;
    let j = arr.length;
    if (j > 0 && arr[j - 1] === undefined) {
      let i = 0;
      while (j - i > 1) {
        const m = Math.floor((i + j) / 2);
        if (arr[m - 1] === undefined) j = m;
        else i = m;
      }
      return i;
    }
    if (this.nodes.length === 0) return j;
    return this.unboundSearch(j);
  }

  private unboundSearch(j: number): number {
    let i = j;
    j++;
    while (this.getInt(j) !== undefined) {
      i = j;
      j *= 2;
      if (j > 2147483647) {
        i = 1;
        while (this.getInt(i) !== undefined) i++;
        return i - 1;
      }
    }
    while (j - i > 1) {
      const m = Math.floor((i + j) / 2);
      if (this.getInt(m) === undefined) j = m;
      else i = m;
    }
    return i;
  }

  next(key: LuaValue): [LuaValue, LuaValue] | undefined {
    let i = this.findIndex(key);
    const arr = this.arr;
    const asize = arr.length;
    for (i++; i < asize; i++) {
      if (arr[i] !== undefined) return [i + 1, arr[i]];
    }
    const nodes = this.nodes;
    for (i -= asize; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n !== null && n.val !== undefined) return [n.key, n.val];
    }
    return undefined;
  }

  /**
   * next() without its pair, for compiled `pairs` loops: the key after `key` (undefined at the end),
   * its value left in LuaTable.nextValue (read it before anything else can traverse a table).
   */
  nextKey(key: LuaValue): LuaValue {
    let i = this.findIndex(key);
    const arr = this.arr;
    const asize = arr.length;
    for (i++; i < asize; i++) {
      const v = arr[i];
      if (v !== undefined) { LuaTable.nextValue = v; return i + 1; }
    }
    const nodes = this.nodes;
    for (i -= asize; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n !== null && n.val !== undefined) { LuaTable.nextValue = n.val; return n.key; }
    }
    return undefined;
  }

  /** See nextKey. */
  static nextValue: LuaValue = undefined;

  /**
   * Allocation-free traversal for natives that run no Lua code while they walk a table: the
   * position after `pos` (start from -1) holding a non-nil value, -1 at the end, in next()'s order.
   * Positions 0..arr.length-1 are the array part, then the node slots.
   */
  nextPos(pos: number): number {
    const arr = this.arr;
    const asize = arr.length;
    for (pos++; pos < asize; pos++) if (arr[pos] !== undefined) return pos;
    const nodes = this.nodes;
    for (let i = pos - asize; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n !== null && n.val !== undefined) return i + asize;
    }
    return -1;
  }

  /** The key at a position from nextPos. */
  keyAt(pos: number): LuaValue {
    const asize = this.arr.length;
    return pos < asize ? pos + 1 : this.nodes[pos - asize]!.key;
  }

  /** The value at a position from nextPos. */
  valAt(pos: number): LuaValue {
    const asize = this.arr.length;
    return pos < asize ? this.arr[pos] : this.nodes[pos - asize]!.val;
  }

  private findIndex(key: LuaValue): number {
    if (key === undefined) return -1;
    const i = arrayIndex(key);
    if (i > 0 && i <= this.arr.length) return i - 1;
    const n = this.findNode(key);
    if (n === undefined) throw new LuaError("invalid key to 'next'", undefined, 1);
    return n.idx + this.arr.length;
  }

  /** Count of non-nil values (host helper; not a Lua operation). */
  count(): number {
    let c = 0;
    for (const v of this.arr) if (v !== undefined) c++;
    for (const n of this.nodes) if (n !== null && n.val !== undefined) c++;
    return c;
  }

  // ---- ltable.c internals

  /** getfreepos: index of a never-used slot below lastfree, or -1. */
  private getFreePos(): number {
    const nodes = this.nodes;
    while (this.lastfree > 0) {
      this.lastfree--;
      if (nodes[this.lastfree] === null) return this.lastfree;
    }
    return -1;
  }

  /**
   * luaH_newkey: places `key` in the node part and returns its node (value nil). `reuse`: the node
   * object already holding this key (re-insertion by a resize, which starts a fresh map).
   * Moving a colliding node moves the object itself, so chains and map entries stay valid.
   */
  private newKey(key: LuaValue, reuse?: Node): Node {
    const nodes = this.nodes;
    if (nodes.length === 0) {
      this.rehash(key);
      return this.nodeForSet(key);
    }
    const h = reuse !== undefined ? reuse.h : rawHash(key);
    const size = nodes.length;
    const mpi = positionOf(key, h, size);
    const mp = nodes[mpi]!;
    if (mp !== null && mp.val !== undefined) {
      const fi = this.getFreePos();
      if (fi < 0) {
        this.rehash(key);
        return this.nodeForSet(key);
      }
      const nn = reuse ?? new Node(0, key);
      if (positionOf(mp.key, mp.h, size) !== mpi) {
        // colliding node out of its main position: it moves to the free slot, the new key takes mp's
        mp.idx = fi;
        nodes[fi] = mp;
        nn.idx = mpi;
        nn.next = null;
        nodes[mpi] = nn;
      } else {
        // colliding node in its main position: the new key goes to the free slot, chained after it
        nn.idx = fi;
        nn.next = mp.next;
        mp.next = nn;
        nodes[fi] = nn;
      }
      nn.key = key;
      nn.h = h;
      nn.val = undefined;
      if (size > SMALL_NODES) this.map.set(key, nn);
      return nn;
    }
    if (mp === null) {
      const nn = reuse ?? new Node(mpi, key);
      nn.h = h;
      nn.idx = mpi;
      nn.key = key;
      nn.val = undefined;
      nn.next = null;
      nodes[mpi] = nn;
      if (size > SMALL_NODES) this.map.set(key, nn);
      return nn;
    }
    // a dead node (key whose value is nil) in the main position: C overwrites its key, keeps its chain
    if (size > SMALL_NODES) {
      const map = this.map;
      if (map.get(mp.key) === mp) map.delete(mp.key);
      map.set(key, mp);
    }
    mp.key = key;
    mp.h = h;
    return mp;
  }

  /**
   * The shape of this table's node part, for rebuilding the same table from the same keys stored in
   * the same order (`fromLayout`): `pos` gives each string key's index in that sequence (its last
   * occurrence; a nil value leaves a dead node, as luaH_set does); null: the keys were 1..n (an
   * array with nils), key k at index k - 1, and the array part is part of the shape. Undefined when
   * the table is not such a table.
   */
  nodeLayout(pos: Map<string, number> | null): NodeLayout | undefined {
    if ((pos !== null && this.arr.length !== 0) || this.metatable !== undefined) return undefined;
    const nodes = this.nodes;
    const size = nodes.length;
    const slot = new Int32Array(size);
    const next = new Int32Array(size);
    const h = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const n = nodes[i]!;
      if (n === null) {
        slot[i] = -1;
        continue;
      }
      const k = n.key;
      const p = pos === null ? (typeof k === 'number' && (k | 0) === k && k >= 1 ? k - 1 : undefined) : typeof k === 'string' ? pos.get(k) : undefined;
      if (p === undefined) return undefined;
      slot[i] = p;
      next[i] = n.next === null ? -1 : n.next.idx;
      h[i] = n.h;
    }
    return { asize: this.arr.length, size, lastfree: this.lastfree, slot, next, h };
  }

  /**
   * The table that storing vals[i] at keys[i] in order into a new table makes (keys null: at i + 1,
   * vals[i] for the array part too), whose shape `layout` (from nodeLayout of such a table)
   * describes: same array size, slots, chains and free pointer.
   */
  static fromLayout(layout: NodeLayout, keys: string[] | null, vals: LuaValue[]): LuaTable {
    const t = new LuaTable(layout.asize, 0);
    if (keys === null) {
      const arr = t.arr;
      const n = Math.min(arr.length, vals.length);
      for (let i = 0; i < n; i++) arr[i] = vals[i];
    }
    const size = layout.size;
    if (size === 0) return t;
    const nodes = newNodeVector(size);
    const big = size > SMALL_NODES;
    const map: Map<LuaValue, Node> = big ? new Map() : EMPTY_MAP;
    const { slot, next, h } = layout;
    for (let i = 0; i < size; i++) {
      const p = slot[i];
      if (p < 0) continue;
      const n = new Node(i, keys === null ? p + 1 : keys[p]);
      n.h = h[i];
      n.val = vals[p];
      nodes[i] = n;
      if (big) map.set(n.key, n);
    }
    for (let i = 0; i < size; i++) {
      const x = next[i];
      if (slot[i] >= 0 && x >= 0) nodes[i]!.next = nodes[x];
    }
    t.nodes = nodes;
    t.map = map;
    t.lastfree = layout.lastfree;
    return t;
  }

  /** luaH_set after a rehash: the key may now live in the array part. */
  private nodeForSet(key: LuaValue): Node {
    const k = arrayIndex(key);
    if (k > 0 && k <= this.arr.length) {
      // Caller stores into node.val: redirect through a proxy node writing the array slot.
      return new ArraySlot(this.arr, k - 1) as unknown as Node;
    }
    const n = this.findNode(key);
    if (n !== undefined) return n;
    return this.newKey(key);
  }

  private setNodeVector(size: number): void {
    if (size === 0) {
      this.map = EMPTY_MAP;
      this.nodes = EMPTY_NODES;
      this.lastfree = 0;
      return;
    }
    const lsize = ceillog2(size);
    if (lsize > MAXBITS) tableIndexError('table overflow');
    size = 1 << lsize;
    // a resize re-inserts every live key: a large node part starts a fresh map
    this.map = size > SMALL_NODES ? new Map() : EMPTY_MAP;
    this.nodes = newNodeVector(size);
    this.lastfree = size;
  }

  /** luaH_resizearray (used by SETLIST and lua_createtable-like growth). */
  resizeArray(nasize: number): void {
    this.resize(nasize, this.nodes.length);
  }

  private resize(nasize: number, nhsize: number): void {
    const arr = this.arr;
    const oldasize = arr.length;
    const oldNodes = this.nodes;
    if (nasize > oldasize) {
      for (let i = oldasize; i < nasize; i++) arr.push(undefined);
    }
    this.setNodeVector(nhsize);
    if (nasize < oldasize) {
      const vanishing = arr.slice(nasize, oldasize);
      arr.length = nasize;
      for (let i = 0; i < vanishing.length; i++) {
        const v = vanishing[i];
        if (v !== undefined) this.setNumRaw(nasize + i + 1, v);
      }
    }
    for (let i = oldNodes.length - 1; i >= 0; i--) {
      const old = oldNodes[i]!;
      if (old === null || old.val === undefined) continue;
      const k = arrayIndex(old.key);
      if (k > 0 && k <= this.arr.length) {
        this.arr[k - 1] = old.val;
        continue;
      }
      const v = old.val;
      this.newKey(old.key, old).val = v;
    }
  }

  private setNumRaw(k: number, v: LuaValue): void {
    const arr = this.arr;
    if (k >= 1 && k <= arr.length) { arr[k - 1] = v; return; }
    const n = this.findNode(k);
    if (n !== undefined) { n.val = v; return; }
    this.newKey(k).val = v;
  }

  private rehash(ek: LuaValue): void {
    const nums = NUMS;
    nums.fill(0);
    let nasize = this.numUseArray(nums);
    let totaluse = nasize;
    // numusehash
    let ause = 0;
    const nodes = this.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i]!;
      if (n !== null && n.val !== undefined) {
        ause += countInt(n.key, nums);
        totaluse++;
      }
    }
    nasize += ause;
    nasize += countInt(ek, nums);
    totaluse++;
    // computesizes
    let a = 0, na = 0, n = 0;
    for (let i = 0, twotoi = 1; twotoi / 2 < nasize; i++, twotoi *= 2) {
      if (nums[i]! > 0) {
        a += nums[i]!;
        if (a > twotoi / 2) { n = twotoi; na = a; }
      }
      if (a === nasize) break;
    }
    this.resize(n, totaluse - na);
  }

  private numUseArray(nums: Int32Array): number {
    const arr = this.arr;
    const sizearray = arr.length;
    let ause = 0;
    let i = 1;
    for (let lg = 0, ttlg = 1; lg <= MAXBITS; lg++, ttlg *= 2) {
      let lc = 0;
      let lim = ttlg;
      if (lim > sizearray) {
        lim = sizearray;
        if (i > lim) break;
      }
      for (; i <= lim; i++) if (arr[i - 1] !== undefined) lc++;
      nums[lg]! += lc;
      ause += lc;
    }
    return ause;
  }
}

function countInt(key: LuaValue, nums: Int32Array): number {
  const k = arrayIndex(key);
  if (k > 0 && k <= MAXASIZE) {
    nums[ceillog2(k)]!++;
    return 1;
  }
  return 0;
}

/** A node vector of `size` (a power of 2) empty slots: exact capacity, packed elements. */
function newNodeVector(size: number): (Node | null)[] {
  switch (size) {
    case 1: return [null];
    case 2: return [null, null];
    case 4: return [null, null, null, null];
    case 8: return [null, null, null, null, null, null, null, null];
    default: {
      const nodes = new Array<Node | null>(size);
      for (let i = 0; i < size; i++) nodes[i] = null;
      return nodes;
    }
  }
}

/** Stands for an array slot where newKey's caller expects a node (after a rehash moved the key to the array). */
class ArraySlot {
  constructor(private readonly arr: LuaValue[], private readonly i: number) {}
  get val(): LuaValue { return this.arr[this.i]; }
  set val(v: LuaValue) { this.arr[this.i] = v; }
}

/** luaO_int2fb then luaO_fb2int: the size a table constructor preallocates for n items. */
export function fbRound(x: number): number {
  let e = 0;
  if (x < 8) return x;
  while (x >= 16) { x = (x + 1) >> 1; e++; }
  const fb = ((e + 1) << 3) | (x - 8);
  const ee = (fb >> 3) & 31;
  if (ee === 0) return fb;
  return ((fb & 7) + 8) * 2 ** (ee - 1);
}
