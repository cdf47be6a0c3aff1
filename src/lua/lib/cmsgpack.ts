/**
 * lua-cmsgpack 0.4.0 (`cmsgpack`) as Redis 7.0 builds it: pack(...) of several values
 * concatenated, unpack / unpack_one / unpack_limit; integral numbers as the smallest integer
 * type, others as float32 when exact else float64; a table is an array when its keys are exactly
 * 1..n (table_is_an_array), else a map; tables nested 16 deep encode as nil.
 */
import { LuaTable, argError, luaLError, nativeFunction, typeError, type LuaValue, type NodeLayout } from '../value.js';
import { numberToString, str2number } from './format.js';

const MAX_NESTING = 16;
const MAXCSTACK = 8000; // LUAI_MAXCSTACK: lua_checkstack's limit

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);

function be(n: number, bytes: number): string {
  let s = '';
  for (let i = bytes - 1; i >= 0; i--) s += String.fromCharCode(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return s;
}

/** The 8 big-endian bytes of the integer n (-2^63 <= n < 2^64), two's complement when negative. */
function be64(n: number): string {
  const hi = Math.floor(n / 4294967296);
  const lo = n - hi * 4294967296;
  const h = hi >>> 0;
  return String.fromCharCode(h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
}

function encodeInt(n: number): string {
  if (n >= 0) {
    if (n <= 127) return String.fromCharCode(n);
    if (n <= 0xff) return '\xcc' + String.fromCharCode(n);
    if (n <= 0xffff) return '\xcd' + be(n, 2);
    if (n <= 0xffffffff) return '\xce' + be(n, 4);
    return '\xcf' + be64(n);
  }
  if (n >= -32) return String.fromCharCode(n & 0xff);
  if (n >= -128) return '\xd0' + String.fromCharCode(n & 0xff);
  if (n >= -32768) return '\xd1' + String.fromCharCode((n >> 8) & 0xff, n & 0xff);
  if (n >= -2147483648) return '\xd2' + String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  return '\xd3' + be64(n);
}

function encodeDouble(d: number): string {
  f32[0] = d;
  if (f32[0] === d) {
    return '\xca' + String.fromCharCode(f32b[3], f32b[2], f32b[1], f32b[0]);
  }
  f64[0] = d;
  return '\xcb' + String.fromCharCode(f64b[7], f64b[6], f64b[5], f64b[4], f64b[3], f64b[2], f64b[1], f64b[0]);
}

function encodeBytes(s: string): string {
  const len = s.length;
  if (len < 32) return String.fromCharCode(0xa0 | len) + s;
  if (len <= 0xff) return '\xd9' + String.fromCharCode(len) + s;
  if (len <= 0xffff) return '\xda' + be(len, 2) + s;
  return '\xdb' + be(len, 4) + s;
}

/** table_is_an_array: keys exactly the integers 1..count (as C ints). */
function isArray(t: LuaTable): boolean {
  let count = 0;
  let max = 0;
  for (let pos = t.nextPos(-1); pos >= 0; pos = t.nextPos(pos)) {
    const k = t.keyAt(pos);
    if (typeof k !== 'number' || !(k > 0) || k >= 2147483648 || Math.trunc(k) !== k) return false;
    if (k > max) max = k;
    count++;
  }
  return max === count;
}

/** The msgpack bytes of v (no Lua code runs meanwhile: positions in tables stay valid). */
function encode(v: LuaValue, level: number): string {
  switch (typeof v) {
    case 'string':
      return encodeBytes(v);
    case 'boolean':
      return v ? '\xc3' : '\xc2';
    case 'number':
      // IS_INT64_EQUIVALENT: not inf and (int64_t)n == n
      if (Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808) return encodeInt(v === 0 ? 0 : v);
      return encodeDouble(v);
  }
  if (v instanceof LuaTable && level !== MAX_NESTING) {
    let out: string;
    if (isArray(v)) {
      const len = v.length();
      out = len <= 15 ? String.fromCharCode(0x90 | len) : len <= 0xffff ? '\xdc' + be(len, 2) : '\xdd' + be(len, 4);
      for (let j = 1; j <= len; j++) out += encode(v.get(j), level + 1);
    } else {
      let len = 0;
      for (let pos = v.nextPos(-1); pos >= 0; pos = v.nextPos(pos)) len++;
      out = len <= 15 ? String.fromCharCode(0x80 | len) : len <= 0xffff ? '\xde' + be(len, 2) : '\xdf' + be(len, 4);
      for (let pos = v.nextPos(-1); pos >= 0; pos = v.nextPos(pos)) {
        out += encode(v.keyAt(pos), level + 1);
        out += encode(v.valAt(pos), level + 1);
      }
    }
    return out;
  }
  return '\xc0';
}

/** cmsgpack.pack(...) */
export function pack(args: LuaValue[]): string {
  const nargs = args.length;
  if (nargs === 0) argError(0, 'pack', 'MessagePack pack needs input.');
  if (nargs + nargs > MAXCSTACK) argError(0, 'pack', 'Too many arguments for MessagePack pack.');
  let out = '';
  for (let i = 0; i < nargs; i++) out += encode(args[i], 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

const EOF = 1;
const BADFMT = 2;

class Cursor {
  p: number;
  err = 0;
  /** values pushed on the C function's stack so far (argument included) */
  top = 1;
  constructor(readonly s: string, start: number) {
    this.p = start;
  }
  left(): number {
    return this.s.length - this.p;
  }
  b(i: number): number {
    return this.s.charCodeAt(this.p + i);
  }
  checkStack(extra: number, msg: string): void {
    if (this.top + extra > MAXCSTACK) luaLError(`stack overflow (${msg})`);
  }
}

const TOO_MANY = 'too many return values at once; use unpack_one or unpack_limit instead.';

function readUint(c: Cursor, off: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + c.b(off + i);
  return n;
}

/** 8 big-endian bytes as an int64, converted to the nearest double (one rounding, as (double)int64_t). */
function readI64(c: Cursor, off: number): number {
  const hi = readUint(c, off, 4);
  const lo = readUint(c, off + 4, 4);
  return (hi >= 2147483648 ? hi - 4294967296 : hi) * 4294967296 + lo;
}

interface Frame {
  t: LuaTable;
  map: boolean;
  /**
   * An array whose items so far are all non-nil: its table was made with its final array part
   * (filling 1..n from an empty table gives an array part of the power of 2 >= n and no nodes) and
   * items are stored in place; a nil item first shrinks it to the size the C build would have then.
   */
  direct: boolean;
  left: number;
  index: number;
  key: LuaValue;
  haveKey: boolean;
  /**
   * A small map whose keys so far are strings: its pairs (nil values too) are collected here and
   * stored at the end (nothing can observe the table before), where a table of the same key
   * sequence seen before is built from its recorded layout (layouts). null: stored as they come.
   */
  ks: string[] | null;
  vs: LuaValue[] | null;
  /**
   * An array that had a nil item (no longer `direct`): with vs non-null, its items from index
   * `from` on are collected in vs and the table is built at the end as for maps (by nil pattern).
   */
  from: number;
}

/** Maps of at most this many pairs go through the layout cache. */
const LAYOUT_MAX_PAIRS = 32;
/** Key sequences remembered (then no new ones: the cache only saves work). */
const LAYOUT_MAX_ENTRIES = 256;
/**
 * Table layouts of unpacked maps by key sequence (each key followed by U+0100, or U+0102 when its
 * value is nil: no byte string holds them), and of arrays with nils by nil pattern (U+0101, where the nils start, a 0/1 per item after). Filling a new table with the same string keys in the same order always gives the same
 * node part (the hashes and the insertion history are the same), so a map unpacked again (a job
 * queue's option maps: the same keys every time) is built in one pass instead of ~log2(n) rehashes.
 * null: the sequence gave a table nodeLayout cannot describe.
 */
const layouts = new Map<string, NodeLayout | null>();

/** Store a collected map's pairs in f.t in order, and go on storing as they come. */
function flushPairs(f: Frame): void {
  const ks = f.ks!;
  const vs = f.vs!;
  for (let i = 0; i < ks.length; i++) f.t.set(ks[i], vs[i]);
  f.ks = null;
  f.vs = null;
}

/** The table of a map whose pairs were all collected (string keys). */
function finishPairs(f: Frame): LuaTable {
  const ks = f.ks!;
  const vs = f.vs!;
  // where values are nil matters too: a later key may take over a dead node's slot (and its key)
  let sig = '';
  for (let i = 0; i < ks.length; i++) sig += ks[i] + (vs[i] === undefined ? '\u0102' : '\u0100');
  const layout = layouts.get(sig);
  if (layout !== undefined && layout !== null) return LuaTable.fromLayout(layout, ks, vs);
  flushPairs(f);
  if (layout === undefined && layouts.size < LAYOUT_MAX_ENTRIES) {
    const pos = new Map<string, number>();
    for (let i = 0; i < ks.length; i++) pos.set(ks[i], i);
    layouts.set(sig, f.t.nodeLayout(pos) ?? null);
  }
  return f.t;
}

/**
 * The table of a small array with nils: items 1..from-1 (non-nil) are in f.t's array part, the
 * rest in f.vs. Its layout depends only on where the nils are.
 */
function finishItems(f: Frame): LuaTable {
  const vs = f.vs!;
  const from = f.from;
  let sig = '\u0101' + String.fromCharCode(from);
  for (let i = 0; i < vs.length; i++) sig += vs[i] === undefined ? '0' : '1';
  const layout = layouts.get(sig);
  if (layout !== undefined && layout !== null) {
    const all = f.t.arr.slice(0, from - 1);
    for (let i = 0; i < vs.length; i++) all.push(vs[i]);
    return LuaTable.fromLayout(layout, null, all);
  }
  for (let i = 0; i < vs.length; i++) f.t.set(from + i, vs[i]);
  f.vs = null;
  if (layout === undefined && layouts.size < LAYOUT_MAX_ENTRIES) layouts.set(sig, f.t.nodeLayout(null) ?? null);
  return f.t;
}

/** Stack slots the C decoder holds for the containers being filled (array: table + index; map: table [+ key]). */
function frameSlots(f: Frame): number {
  return f.map ? (f.haveKey ? 2 : 1) : 2;
}

/**
 * One value at the cursor (mp_decode_to_lua_type), iteratively so that deep nesting cannot
 * overflow the JS stack; on error c.err is set and the value is meaningless.
 */
function decode(c: Cursor): LuaValue {
  const frames: Frame[] = [];
  let slots = 0;
  for (;;) {
    // read one item: a scalar (v) or the header of a container (pushed on frames)
    let v: LuaValue;
    let container = false;
    if (c.left() < 1) {
      c.err = EOF;
      return undefined;
    }
    c.checkStack(slots + 1, TOO_MANY);
    const t = c.b(0);
    const left = c.left();
    let clen = -1; // container length
    let isMap = false;
    switch (t) {
      case 0xcc:
        if (left < 2) return eof(c);
        v = c.b(1);
        c.p += 2;
        break;
      case 0xd0:
        if (left < 2) return eof(c);
        v = (c.b(1) << 24) >> 24;
        c.p += 2;
        break;
      case 0xcd:
        if (left < 3) return eof(c);
        v = readUint(c, 1, 2);
        c.p += 3;
        break;
      case 0xd1:
        if (left < 3) return eof(c);
        v = (readUint(c, 1, 2) << 16) >> 16;
        c.p += 3;
        break;
      case 0xce:
        if (left < 5) return eof(c);
        v = readUint(c, 1, 4);
        c.p += 5;
        break;
      case 0xd2:
        if (left < 5) return eof(c);
        v = readUint(c, 1, 4) | 0;
        c.p += 5;
        break;
      case 0xcf:
      case 0xd3:
        if (left < 9) return eof(c);
        // lua_pushunsigned is lua_pushinteger in Redis's 5.1 build: a uint64 goes through int64 too
        v = readI64(c, 1);
        c.p += 9;
        break;
      case 0xc0:
        v = undefined;
        c.p += 1;
        break;
      case 0xc3:
        v = true;
        c.p += 1;
        break;
      case 0xc2:
        v = false;
        c.p += 1;
        break;
      case 0xca:
        if (left < 5) return eof(c);
        for (let i = 0; i < 4; i++) f32b[3 - i] = c.b(1 + i);
        v = f32[0];
        c.p += 5;
        break;
      case 0xcb:
        if (left < 9) return eof(c);
        for (let i = 0; i < 8; i++) f64b[7 - i] = c.b(1 + i);
        v = f64[0];
        c.p += 9;
        break;
      case 0xd9: {
        if (left < 2) return eof(c);
        const l = c.b(1);
        if (left < 2 + l) return eof(c);
        c.p += 2 + l;
        v = c.s.slice(c.p - l, c.p);
        break;
      }
      case 0xda: {
        if (left < 3) return eof(c);
        const l = readUint(c, 1, 2);
        if (left < 3 + l) return eof(c);
        c.p += 3 + l;
        v = c.s.slice(c.p - l, c.p);
        break;
      }
      case 0xdb: {
        if (left < 5) return eof(c);
        const l = readUint(c, 1, 4);
        if (left - 5 < l) return eof(c);
        c.p += 5 + l;
        v = c.s.slice(c.p - l, c.p);
        break;
      }
      case 0xdc:
      case 0xde:
        if (left < 3) return eof(c);
        clen = readUint(c, 1, 2);
        isMap = t === 0xde;
        c.p += 3;
        break;
      case 0xdd:
      case 0xdf:
        if (left < 5) return eof(c);
        clen = readUint(c, 1, 4);
        isMap = t === 0xdf;
        c.p += 5;
        break;
      default:
        if ((t & 0x80) === 0) {
          v = t;
          c.p += 1;
        } else if ((t & 0xe0) === 0xe0) {
          v = (t << 24) >> 24;
          c.p += 1;
        } else if ((t & 0xe0) === 0xa0) {
          const l = t & 0x1f;
          if (left < 1 + l) return eof(c);
          c.p += 1 + l;
          v = c.s.slice(c.p - l, c.p);
        } else if ((t & 0xf0) === 0x90 || (t & 0xf0) === 0x80) {
          clen = t & 0xf;
          isMap = (t & 0xf0) === 0x80;
          c.p += 1;
        } else {
          c.err = BADFMT;
          return undefined;
        }
    }
    if (clen >= 0) {
      // every item takes at least a byte: a header announcing more than the input holds ends in EOF
      const direct = !isMap && clen > 0 && clen <= c.left();
      const tbl = direct ? new LuaTable(pow2ceil(clen), 0) : new LuaTable();
      if (!isMap) c.checkStack(slots + 2, 'in function mp_decode_to_lua_array');
      if (clen > 0) {
        const collect = isMap && clen <= LAYOUT_MAX_PAIRS;
        const f: Frame = {
          t: tbl, map: isMap, direct, left: clen, index: 1, key: undefined, haveKey: false,
          ks: collect ? [] : null, vs: collect ? [] : null, from: 0,
        };
        frames.push(f);
        slots += frameSlots(f);
        container = true;
      } else v = tbl;
    }
    if (container) continue;
    // deliver v to the enclosing containers, closing those that are full
    for (;;) {
      const f = frames.length > 0 ? frames[frames.length - 1] : undefined;
      if (f === undefined) return v;
      slots -= frameSlots(f);
      if (f.map && !f.haveKey) {
        f.key = v;
        f.haveKey = true;
        slots += frameSlots(f);
        break;
      }
      if (f.map) {
        const k = f.key;
        if (f.ks !== null) {
          if (typeof k === 'string') {
            f.ks.push(k);
            f.vs!.push(v);
          } else {
            flushPairs(f);
            f.t.set(k, v);
          }
        } else f.t.set(k, v);
        f.key = undefined;
        f.haveKey = false;
      } else if (f.direct && v !== undefined) {
        f.t.arr[f.index - 1] = v;
        f.index++;
      } else {
        if (f.direct) {
          f.direct = false;
          f.t.arr.length = pow2ceil(f.index - 1);
          if (f.index - 1 + f.left <= LAYOUT_MAX_PAIRS) {
            f.vs = [];
            f.from = f.index;
          }
        }
        if (f.vs !== null) {
          f.vs.push(v);
          f.index++;
        } else f.t.set(f.index++, v);
      }
      if (--f.left > 0) {
        slots += frameSlots(f);
        break;
      }
      frames.pop();
      v = f.vs === null ? f.t : f.map ? finishPairs(f) : finishItems(f);
    }
  }
}

/** The smallest power of 2 >= n (0 for 0). */
function pow2ceil(n: number): number {
  if (n === 0) return 0;
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function eof(c: Cursor): undefined {
  c.err = EOF;
  return undefined;
}

function unpackFull(s: string, limit: number, offset: number): LuaValue[] {
  const len = s.length;
  const decodeAll = !limit && !offset;
  if (offset < 0 || limit < 0) luaLError(`Invalid request to unpack with offset of ${offset} and limit of ${len}.`);
  else if (offset > len) luaLError(`Start offset ${offset} greater than input length ${len}.`);
  if (decodeAll) limit = 2147483647;
  const c = new Cursor(s, offset);
  const out: LuaValue[] = decodeAll ? [] : [undefined];
  for (let cnt = 0; c.left() > 0 && cnt < limit; cnt++) {
    const v = decode(c);
    if (c.err === EOF) luaLError('Missing bytes in input.');
    else if (c.err === BADFMT) luaLError('Bad data format in input.');
    out.push(v);
    c.top++;
  }
  if (!decodeAll) out[0] = c.left() === 0 ? -1 : len - c.left();
  return out;
}

function checkString(args: LuaValue[], i: number, fname: string): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  return typeError(i + 1, fname, 'string', v, i < args.length);
}

/** luaL_checkinteger (or luaL_optinteger when opt) converted to C int. */
function intArg(args: LuaValue[], i: number, fname: string, opt: boolean): number {
  const v = args[i];
  if (opt && v === undefined) return 0;
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') n = str2number(v);
  if (n === undefined) return typeError(i + 1, fname, 'number', v, i < args.length);
  if (n !== n || n >= 9223372036854775808 || n < -9223372036854775808) return 0;
  const t = Math.trunc(n);
  if (t >= -2147483648 && t <= 2147483647) return t;
  return Number(BigInt.asIntN(32, BigInt(t)));
}

/** The `cmsgpack` table (luaopen_create). */
export function openCmsgpack(): LuaTable {
  const t = new LuaTable();
  t.set('pack', nativeFunction('pack', (args) => [pack(args)]));
  t.set('unpack', nativeFunction('unpack', (args) => unpackFull(checkString(args, 0, 'unpack'), 0, 0)));
  t.set('unpack_one', nativeFunction('unpack_one', (args) => {
    const offset = intArg(args, 1, 'unpack_one', true);
    return unpackFull(checkString(args, 0, 'unpack_one'), 1, offset);
  }));
  t.set('unpack_limit', nativeFunction('unpack_limit', (args) => {
    const limit = intArg(args, 1, 'unpack_limit', false);
    const offset = intArg(args, 2, 'unpack_limit', true);
    return unpackFull(checkString(args, 0, 'unpack_limit'), limit, offset);
  }));
  t.set('_NAME', 'cmsgpack');
  t.set('_VERSION', 'lua-cmsgpack 0.4.0');
  t.set('_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  t.set('_DESCRIPTION', 'MessagePack C implementation for Lua');
  return t;
}
