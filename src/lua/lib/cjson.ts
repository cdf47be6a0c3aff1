/**
 * lua-cjson 2.1.0 (`cjson`) as Redis 7.0 builds it: %.14g numbers (fpconv with the C locale),
 * `cjson.null`, sparse-array detection, nesting limits of 1000, "/" escaped as "\/", strtod number
 * decoding (hex, inf, nan accepted by default), \uXXXX escapes (surrogate pairs) to UTF-8 bytes,
 * and the library's exact error texts. Each `cjson.new()` table has its own configuration.
 */
import { LuaTable, LuaUserdata, argError, luaLError, nativeFunction, typeError, typeName, type LuaValue } from '../value.js';
import { formatG, str2number, strtod } from './format.js';

/** cjson.null: the NULL light userdata (one value shared by every cjson table, as NULL is in C). */
export const CJSON_NULL = new LuaUserdata(null);

const INT_MAX = 2147483647;
const MAXCSTACK = 8000; // LUAI_MAXCSTACK, the limit of lua_checkstack

interface Config {
  sparseConvert: number;
  sparseRatio: number;
  sparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: number; // 0 off, 1 on, 2 null
  decodeInvalidNumbers: number;
  keepBuffer: number;
  precision: number;
}

function defaultConfig(): Config {
  return {
    sparseConvert: 0,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    decodeInvalidNumbers: 1,
    keepBuffer: 1,
    precision: 14,
  };
}

// ---------------------------------------------------------------------------------------------
// Encoding

const ESCAPES: (string | undefined)[] = new Array(256).fill(undefined);
for (let i = 0; i < 32; i++) ESCAPES[i] = '\\u' + i.toString(16).padStart(4, '0');
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[34] = '\\"';
ESCAPES[47] = '\\/';
ESCAPES[92] = '\\\\';
ESCAPES[127] = '\\u007f';

const NEEDS_ESCAPE = /[\x00-\x1f"/\\\x7f]/;

function encodeString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 47 || c === 92 || c === 127) {
      out += s.slice(from, i) + ESCAPES[c];
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

function encodeException(v: LuaValue, reason: string): never {
  return luaLError(`Cannot serialise ${typeName(v)}: ${reason}`);
}

function encodeNumber(cfg: Config, n: number): string {
  if (n !== n || n === Infinity || n === -Infinity) {
    if (cfg.encodeInvalidNumbers === 0) encodeException(n, 'must not be NaN or Inf');
    if (cfg.encodeInvalidNumbers === 2) return 'null';
    if (n !== n) return 'nan'; // never "-nan" (lua-cjson writes NaN itself)
  }
  return formatG(n, cfg.precision);
}

/** (int)k for k >= 1 as x86-64 converts it (out of range: INT_MIN). */
function toCInt(k: number): number {
  return k < 2147483648 ? Math.trunc(k) : -2147483648;
}

/** lua_array_length: the array length if the table has only positive integer keys, else -1. */
function arrayLength(cfg: Config, t: LuaTable): number {
  let max = 0;
  let items = 0;
  for (let pos = t.nextPos(-1); pos >= 0; pos = t.nextPos(pos)) {
    const k = t.keyAt(pos);
    if (typeof k === 'number' && k !== 0 && Math.floor(k) === k && k >= 1) {
      if (k > max) max = toCInt(k);
      items++;
      continue;
    }
    return -1;
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) encodeException(t, 'excessively sparse array');
    return -1;
  }
  return max;
}

interface EncFrame {
  t: LuaTable;
  len: number; // > 0: array of len items; -1: object
  i: number; // array: items done; object: the position (LuaTable.nextPos) of the last key, -1 at first
  top: number;
}

/**
 * json_append_data over v, iteratively (deep tables cannot overflow the JS stack). `top` tracks
 * the C stack height (the argument is slot 1; an array item adds 1, an object key and value 2):
 * lua_checkstack(l, 3) fails past LUAI_MAXCSTACK, reported as excessive nesting like the depth limit.
 */
function encodeValue(cfg: Config, root: LuaValue): string {
  // (no Lua code runs while encoding: the tables cannot change, positions stay valid)
  let out = '';
  const stack: EncFrame[] = [];
  let v = root;
  let top = 1;
  for (;;) {
    switch (typeof v) {
      case 'string':
        out += encodeString(v);
        break;
      case 'number':
        out += encodeNumber(cfg, v);
        break;
      case 'boolean':
        out += v ? 'true' : 'false';
        break;
      case 'undefined':
        out += 'null';
        break;
      default:
        if (v instanceof LuaTable) {
          const depth = stack.length + 1;
          if (depth > cfg.encodeMaxDepth || top + 3 > MAXCSTACK) luaLError(`Cannot serialise, excessive nesting (${depth})`);
          const len = arrayLength(cfg, v);
          if (len > 0) {
            out += '[';
            stack.push({ t: v, len, i: 0, top });
          } else {
            out += '{';
            stack.push({ t: v, len: -1, i: -1, top });
          }
        } else if (v === CJSON_NULL) {
          out += 'null';
        } else {
          encodeException(v, 'type not supported');
        }
    }
    // the next value to encode, closing finished tables
    for (;;) {
      const f = stack.length > 0 ? stack[stack.length - 1] : undefined;
      if (f === undefined) return out;
      if (f.len > 0) {
        if (f.i < f.len) {
          if (f.i > 0) out += ',';
          f.i++;
          v = f.t.get(f.i);
          top = f.top + 1;
          break;
        }
        out += ']';
      } else {
        const t = f.t;
        const pos = t.nextPos(f.i);
        if (pos >= 0) {
          if (f.i >= 0) out += ',';
          f.i = pos;
          const k = t.keyAt(pos);
          if (typeof k === 'number') out += '"' + encodeNumber(cfg, k) + '":';
          else if (typeof k === 'string') out += encodeString(k) + ':';
          else encodeException(k, 'table key must be a number or string');
          v = t.valAt(pos);
          top = f.top + 2;
          break;
        }
        out += '}';
      }
      stack.pop();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

const enum Tok {
  OBJ_BEGIN, OBJ_END, ARR_BEGIN, ARR_END, STRING, NUMBER, BOOLEAN, NULL, COLON, COMMA, END, WHITESPACE, ERROR, UNKNOWN,
}
const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END',
  'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN'];

const CH2TOKEN = new Uint8Array(256).fill(Tok.ERROR);
CH2TOKEN[123] = Tok.OBJ_BEGIN;
CH2TOKEN[125] = Tok.OBJ_END;
CH2TOKEN[91] = Tok.ARR_BEGIN;
CH2TOKEN[93] = Tok.ARR_END;
CH2TOKEN[44] = Tok.COMMA;
CH2TOKEN[58] = Tok.COLON;
CH2TOKEN[0] = Tok.END;
CH2TOKEN[32] = CH2TOKEN[9] = CH2TOKEN[10] = CH2TOKEN[13] = Tok.WHITESPACE;
for (const c of 'fiInNt"+-0123456789') CH2TOKEN[c.charCodeAt(0)] = Tok.UNKNOWN;

const ESCAPE2CHAR: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', t: '\t', n: '\n', f: '\f', r: '\r' };

class Parser {
  pos = 0;
  depth = 0;
  /** C stack height: the argument, then a table per open container and a key per open object value. */
  top = 1;
  // current token
  type: Tok = Tok.END;
  index = 0;
  str = '';
  num = 0;
  bool = false;
  constructor(readonly s: string, readonly cfg: Config) {}

  at(i: number): number {
    return i < this.s.length ? this.s.charCodeAt(i) : 0;
  }

  is(t: Tok): boolean {
    return this.type === t;
  }

  setError(msg: string): void {
    this.type = Tok.ERROR;
    this.index = this.pos;
    this.str = msg;
  }

  isInvalidNumber(): boolean {
    let p = this.pos;
    const c = this.at(p);
    if (c === 43) return true;
    if (c === 45) p++;
    const d = this.at(p);
    if (d === 48) {
      const c2 = this.at(p + 1);
      return (c2 | 0x20) === 120 || (c2 >= 48 && c2 <= 57);
    }
    if (d <= 57) return false;
    const three = this.s.slice(p, p + 3).toLowerCase();
    return three === 'inf' || three === 'nan';
  }

  numberToken(): void {
    this.type = Tok.NUMBER;
    // fast path: a short plain integer (what strtod would read, exactly)
    const s = this.s;
    let i = this.pos;
    const neg = s.charCodeAt(i) === 45;
    if (neg) i++;
    const start = i;
    let acc = 0;
    let c = s.charCodeAt(i);
    while (c >= 48 && c <= 57 && i - start < 15) {
      acc = acc * 10 + (c - 48);
      c = s.charCodeAt(++i);
    }
    if (i > start && !(c >= 48 && c <= 57) && c !== 46 && (c | 0x20) !== 101 && (c | 0x20) !== 120) {
      this.num = neg ? -acc : acc;
      this.pos = i;
      return;
    }
    const [v, end] = strtod(this.s, this.pos);
    // strtod skips no whitespace here: tokens never start with it
    if (end === this.pos) this.setError('invalid number');
    else {
      this.num = v;
      this.pos = end;
    }
  }

  stringToken(): void {
    const s = this.s;
    this.pos++;
    let out = '';
    let from = this.pos;
    for (;;) {
      const ch = this.at(this.pos);
      if (ch === 34) break;
      if (ch === 0) {
        this.setError('unexpected end of string');
        return;
      }
      if (ch === 92) {
        out += s.slice(from, this.pos);
        const e = s[this.pos + 1];
        if (e === 'u') {
          const u = this.unicodeEscape();
          if (u === null) {
            this.setError('invalid unicode escape code');
            return;
          }
          out += u;
          from = this.pos;
          continue;
        }
        const r = e === undefined ? undefined : ESCAPE2CHAR[e];
        if (r === undefined) {
          this.setError('invalid escape code');
          return;
        }
        out += r;
        this.pos += 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
    out += s.slice(from, this.pos);
    this.pos++;
    this.type = Tok.STRING;
    this.str = out;
  }

  hex4(i: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.at(i + k);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else {
        const l = c | 0x20;
        if (l >= 97 && l <= 102) d = l - 87;
        else return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** \uXXXX (or a surrogate pair) at pos: its UTF-8 bytes, pos advanced; null on error. */
  unicodeEscape(): string | null {
    let cp = this.hex4(this.pos + 2);
    if (cp < 0) return null;
    let len = 6;
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return null;
      if (this.at(this.pos + 6) !== 92 || this.at(this.pos + 7) !== 117) return null;
      const lo = this.hex4(this.pos + 8);
      if (lo < 0 || (lo & 0xfc00) !== 0xdc00) return null;
      cp = (((cp & 0x3ff) << 10) | (lo & 0x3ff)) + 0x10000;
      len = 12;
    }
    let u: string;
    if (cp <= 0x7f) u = String.fromCharCode(cp);
    else if (cp <= 0x7ff) u = String.fromCharCode((cp >> 6) | 0xc0, (cp & 0x3f) | 0x80);
    else if (cp <= 0xffff) u = String.fromCharCode((cp >> 12) | 0xe0, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80);
    else u = String.fromCharCode((cp >> 18) | 0xf0, ((cp >> 12) & 0x3f) | 0x80, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80);
    this.pos += len;
    return u;
  }

  next(): void {
    let ch: number;
    for (;;) {
      ch = this.at(this.pos);
      this.type = CH2TOKEN[ch];
      if (this.type !== Tok.WHITESPACE) break;
      this.pos++;
    }
    this.index = this.pos;
    const t = this.type;
    if (t === Tok.ERROR) {
      this.setError('invalid token');
      return;
    }
    if (t === Tok.END) return;
    if (t !== Tok.UNKNOWN) {
      this.pos++;
      return;
    }
    const s = this.s;
    if (ch === 34) {
      this.stringToken();
    } else if (ch === 45 || (ch >= 48 && ch <= 57)) {
      if (!this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) this.setError('invalid number');
      else this.numberToken();
    } else if (s.startsWith('true', this.pos)) {
      this.type = Tok.BOOLEAN;
      this.bool = true;
      this.pos += 4;
    } else if (s.startsWith('false', this.pos)) {
      this.type = Tok.BOOLEAN;
      this.bool = false;
      this.pos += 5;
    } else if (s.startsWith('null', this.pos)) {
      this.type = Tok.NULL;
      this.pos += 4;
    } else if (this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) {
      this.numberToken();
    } else {
      this.setError('invalid token');
    }
  }

  fail(expected: string): never {
    const found = this.type === Tok.ERROR ? this.str : TOKEN_NAMES[this.type];
    return luaLError(`Expected ${expected} but found ${found} at character ${this.index + 1}`);
  }

  descend(slots: number): void {
    this.depth++;
    if (this.depth > this.cfg.decodeMaxDepth || this.top + slots > MAXCSTACK) {
      luaLError(`Found too many nested data structures (${this.depth}) at character ${this.pos}`);
    }
  }

  /** The value starting at the current token (json_process_value), iteratively. */
  value(): LuaValue {
    const frames: { t: LuaTable; arr: boolean; i: number; key: string }[] = [];
    for (;;) {
      let v: LuaValue;
      let opened = false;
      switch (this.type) {
        case Tok.STRING:
          v = this.str;
          break;
        case Tok.NUMBER:
          v = this.num;
          break;
        case Tok.BOOLEAN:
          v = this.bool;
          break;
        case Tok.NULL:
          v = CJSON_NULL;
          break;
        case Tok.OBJ_BEGIN: {
          this.descend(3);
          const t = new LuaTable();
          this.next();
          if (this.is(Tok.OBJ_END)) {
            this.depth--;
            v = t;
            break;
          }
          this.top++;
          const f = { t, arr: false, i: 0, key: '' };
          frames.push(f);
          this.objectKey(f);
          opened = true;
          break;
        }
        case Tok.ARR_BEGIN: {
          this.descend(2);
          const t = new LuaTable();
          this.next();
          if (this.is(Tok.ARR_END)) {
            this.depth--;
            v = t;
            break;
          }
          this.top++;
          frames.push({ t, arr: true, i: 1, key: '' });
          opened = true;
          break;
        }
        default:
          return this.fail('value');
      }
      if (opened) continue;
      // store v in the open containers, closing the finished ones
      for (;;) {
        const f = frames.length > 0 ? frames[frames.length - 1] : undefined;
        if (f === undefined) return v;
        if (f.arr) {
          // Items (never nil: null is cjson.null) are appended to the array part in place; at the
          // end it is padded to the size filling 1..n from an empty table gives in C (the power
          // of 2 >= n, no nodes). Nothing sees the table before then.
          f.t.arr.push(v);
          f.i++;
          this.next();
          if (this.is(Tok.ARR_END)) {
            this.depth--;
            this.top--;
            frames.pop();
            const arr = f.t.arr;
            const n = arr.length;
            let size = 1;
            while (size < n) size *= 2;
            for (let k = n; k < size; k++) arr.push(undefined);
            v = f.t;
            continue;
          }
          if (!this.is(Tok.COMMA)) this.fail('comma or array end');
          this.next();
          break;
        }
        this.top--;
        f.t.set(f.key, v);
        this.next();
        if (this.is(Tok.OBJ_END)) {
          this.depth--;
          this.top--;
          frames.pop();
          v = f.t;
          continue;
        }
        if (!this.is(Tok.COMMA)) this.fail('comma or object end');
        this.next();
        this.objectKey(f);
        break;
      }
    }
  }

  /** At an object key: reads `"key" :` and leaves the value's first token current. */
  objectKey(f: { key: string }): void {
    if (!this.is(Tok.STRING)) this.fail('object key string');
    f.key = this.str;
    this.next();
    if (!this.is(Tok.COLON)) this.fail('colon');
    this.next();
    this.top++;
  }
}

function checkString(args: LuaValue[], i: number, fname: string): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatG(v, 14);
  return typeError(i + 1, fname, 'string', v, i < args.length);
}

// ---------------------------------------------------------------------------------------------
// Configuration functions

/** json_arg_init: at most n arguments. */
function argInit(args: LuaValue[], n: number, fname: string): void {
  if (args.length > n) argError(n + 1, fname, 'found too many arguments');
}

/** luaL_checkinteger then the conversion to C int. */
function checkInt(args: LuaValue[], i: number, fname: string): number {
  const v = args[i];
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') n = str2number(v);
  if (n === undefined) return typeError(i + 1, fname, 'number', v, i < args.length);
  // lua_tointeger: (ptrdiff_t)n (NaN / out of range: INT64_MIN), then (int): the low 32 bits
  if (n !== n || n >= 9223372036854775808 || n < -9223372036854775808) return 0;
  const t = Math.trunc(n);
  if (t >= -2147483648 && t <= 2147483647) return t;
  return Number(BigInt.asIntN(32, BigInt(t)));
}

function integerOption(args: LuaValue[], i: number, fname: string, get: () => number, set: (v: number) => void, min: number, max: number): number {
  if (args[i] !== undefined) {
    const v = checkInt(args, i, fname);
    if (!(min <= v && v <= max)) argError(1, fname, `expected integer between ${min} and ${max}`);
    set(v);
  }
  return get();
}

const BOOL_OPTIONS = ['off', 'on'];

function enumOption(args: LuaValue[], i: number, fname: string, get: () => number, set: (v: number) => void, options: string[]): LuaValue {
  const v = args[i];
  if (v !== undefined) {
    if (typeof v === 'boolean') set(v ? 1 : 0);
    else {
      let name: string;
      if (typeof v === 'string') name = v;
      else if (typeof v === 'number') name = formatG(v, 14);
      else return typeError(i + 1, fname, 'string', v, true);
      const idx = options.indexOf(name);
      if (idx < 0) argError(i + 1, fname, `invalid option '${name}'`);
      set(idx);
    }
  }
  const s = get();
  if (s === 0 || s === 1) return s === 1;
  return options[s];
}

/** A new cjson module table with its own configuration (lua_cjson_new). */
export function openCjson(): LuaTable {
  const cfg = defaultConfig();
  const t = new LuaTable();
  const def = (name: string, fn: (args: LuaValue[]) => LuaValue[]) => t.set(name, nativeFunction(name, fn));
  def('encode', (args) => {
    if (args.length !== 1) argError(1, 'encode', 'expected 1 argument');
    return [encodeValue(cfg, args[0])];
  });
  def('decode', (args) => {
    if (args.length !== 1) argError(1, 'decode', 'expected 1 argument');
    const s = checkString(args, 0, 'decode');
    if (s.length >= 2 && (s.charCodeAt(0) === 0 || s.charCodeAt(1) === 0)) luaLError('JSON parser does not support UTF-16 or UTF-32');
    const p = new Parser(s, cfg);
    p.next();
    const v = p.value();
    p.next();
    if (p.type !== Tok.END) p.fail('the end');
    return [v];
  });
  def('encode_sparse_array', (args) => {
    argInit(args, 3, 'encode_sparse_array');
    const convert = enumOption(args, 0, 'encode_sparse_array', () => cfg.sparseConvert, (v) => (cfg.sparseConvert = v), BOOL_OPTIONS);
    const ratio = integerOption(args, 1, 'encode_sparse_array', () => cfg.sparseRatio, (v) => (cfg.sparseRatio = v), 0, INT_MAX);
    const safe = integerOption(args, 2, 'encode_sparse_array', () => cfg.sparseSafe, (v) => (cfg.sparseSafe = v), 0, INT_MAX);
    return [convert, ratio, safe];
  });
  def('encode_max_depth', (args) => {
    argInit(args, 1, 'encode_max_depth');
    return [integerOption(args, 0, 'encode_max_depth', () => cfg.encodeMaxDepth, (v) => (cfg.encodeMaxDepth = v), 1, INT_MAX)];
  });
  def('decode_max_depth', (args) => {
    argInit(args, 1, 'decode_max_depth');
    return [integerOption(args, 0, 'decode_max_depth', () => cfg.decodeMaxDepth, (v) => (cfg.decodeMaxDepth = v), 1, INT_MAX)];
  });
  def('encode_number_precision', (args) => {
    argInit(args, 1, 'encode_number_precision');
    return [integerOption(args, 0, 'encode_number_precision', () => cfg.precision, (v) => (cfg.precision = v), 1, 14)];
  });
  def('encode_keep_buffer', (args) => {
    argInit(args, 1, 'encode_keep_buffer');
    return [enumOption(args, 0, 'encode_keep_buffer', () => cfg.keepBuffer, (v) => (cfg.keepBuffer = v), BOOL_OPTIONS)];
  });
  def('encode_invalid_numbers', (args) => {
    argInit(args, 1, 'encode_invalid_numbers');
    return [enumOption(args, 0, 'encode_invalid_numbers', () => cfg.encodeInvalidNumbers, (v) => (cfg.encodeInvalidNumbers = v), ['off', 'on', 'null'])];
  });
  def('decode_invalid_numbers', (args) => {
    argInit(args, 1, 'decode_invalid_numbers');
    return [enumOption(args, 0, 'decode_invalid_numbers', () => cfg.decodeInvalidNumbers, (v) => (cfg.decodeInvalidNumbers = v), BOOL_OPTIONS)];
  });
  def('new', () => [openCjson()]);
  t.set('null', CJSON_NULL);
  t.set('_NAME', 'cjson');
  t.set('_VERSION', '2.1.0');
  return t;
}
