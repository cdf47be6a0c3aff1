/**
 * Reply conversions between Redis and Lua, as Redis 7.0's script_lua.c does them.
 *
 * Redis → Lua: Redis runs the command on a fake client and parses the RESP bytes
 * it produced (in the script's protocol, RESP2 unless redis.setresp(3)). We
 * convert the reply values whose bytes parse to one known Lua value directly
 * (replyToLua), and encode anything else with the writer and parse it back, so
 * every reply shape converts exactly as on Redis.
 *
 * Lua → Redis: luaReplyToRedisReply: numbers truncated to integers, tables
 * with err/ok/double/big_number/verbatim_string/map/set fields, arrays up to
 * the first nil, booleans depending on the script's protocol.
 */
import { ReplyError } from '../errors.js';
import { formatDouble } from '../resp/format.js';
import {
  BigNumberReply, DoubleReply, MapReply, NullArrayReply, OK, RawReply, SetReply, SimpleString, StreamIdReply, VerbatimReply,
  type Reply,
} from '../resp/reply.js';
import { encodeReply } from '../resp/writer.js';
import { LuaTable, type LuaValue } from '../lua/index.js';
import { numberToString } from '../lua/lib/index.js';

/** The table redis.pcall returns for an error reply ("-CODE msg" or "msg"). */
export function errorTable(err: string, fromCommand: boolean): LuaTable {
  const t = new LuaTable(0, fromCommand ? 2 : 1);
  t.rawset('err', normalizeError(err));
  if (fromCommand) t.rawset('ignore_error_stats_update', true);
  return t;
}

/** luaPushErrorBuff: "-CODE msg" keeps its code, "msg" gets ERR; trailing CR/LF trimmed. */
export function normalizeError(err: string): string {
  let code = 'ERR';
  let msg = err;
  if (err.charCodeAt(0) === 45 /* - */) {
    const sp = err.indexOf(' ');
    if (sp < 0) msg = err.slice(1);
    else {
      code = err.slice(1, sp);
      msg = err.slice(sp + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  // lua_pushstring: a C string
  const s = `${code} ${msg}`;
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/**
 * A command's reply as the Lua value redis.call/pcall returns (resp = the script's protocol).
 *
 * What Redis does is encode the reply in the script's protocol and parse those bytes back
 * (RespToLua below). The reply values that convert without ambiguity are mapped directly to the
 * value that parse would give (no bytes in between): bulk strings, integers, nulls, status
 * replies, errors, doubles/maps/sets in RESP2 (a bulk string, flat arrays), arrays of those.
 * Anything else (RESP3 doubles, maps and sets, big numbers, verbatim strings, preencoded bytes
 * other than +OK) is encoded and parsed back.
 */
export function replyToLua(r: Reply, resp: 2 | 3): LuaValue {
  switch (typeof r) {
    case 'string':
      return r;
    case 'number':
      if (Number.isInteger(r)) return r === 0 ? 0 : r; // ":0" parses as +0
      if (resp === 2) return formatDouble(r); // a double: a bulk string in RESP2
      break;
    case 'bigint':
      return Number(r);
    case 'boolean':
      return resp === 2 ? (r ? 1 : 0) : r;
    case 'undefined':
      return resp === 2 ? false : undefined;
    case 'object': {
      if (r === null) return resp === 2 ? false : undefined;
      if (r === OK) return statusTable('OK');
      if (Array.isArray(r)) {
        const t = plainArrayToLua(r, resp);
        if (t !== undefined) return t;
        break;
      }
      if (r instanceof ReplyError) return errorTable('-' + r.message, true);
      const v = objectToLua(r, resp);
      if (v !== NOT_DIRECT) return v;
      break;
    }
    default:
      break;
  }
  // Everything else: encoded in the script's protocol and parsed back, as Redis does.
  if (r instanceof RawReply) return new RespToLua(resp === 3 ? r.resp3 : r.resp2).parse();
  const buf = encodeReply(r, resp);
  const p = new RespToLua(buf);
  return p.parse();
}

/** A value objectToLua cannot convert directly. */
const NOT_DIRECT = Symbol('not direct');

/** {ok = s}: a status reply ("+s"). */
function statusTable(s: string): LuaTable {
  const t = new LuaTable(0, 1);
  t.rawset('ok', s);
  return t;
}

/**
 * The reply objects (not arrays, errors or null) converted without encoding them: the value
 * RespToLua gives for their bytes, or NOT_DIRECT. Never nil (undefined), so an array of them
 * keeps plainArrayToLua's layout.
 */
function objectToLua(r: object, resp: 2 | 3): LuaValue | typeof NOT_DIRECT {
  if (r instanceof SimpleString) {
    // "+<value>\r\n" parses up to the first CR
    const v = r.value;
    return v.indexOf('\r') < 0 ? statusTable(v) : NOT_DIRECT;
  }
  if (r instanceof StreamIdReply) return `${r.ms}-${r.seq}`;
  if (Buffer.isBuffer(r)) return r.latin1Slice(0, r.length);
  if (resp === 2) {
    // RESP2: a double is a bulk string, a map a flat array, a set an array, a null array false
    if (r instanceof DoubleReply) return formatDouble(r.value);
    if (r instanceof MapReply) return plainArrayToLua(r.flat, 2) ?? NOT_DIRECT;
    if (r instanceof SetReply) return plainArrayToLua(r.items, 2) ?? NOT_DIRECT;
    if (r instanceof NullArrayReply) return false;
  }
  return NOT_DIRECT;
}

/**
 * The fast path for arrays (HMGET, ZRANGE, LRANGE, XRANGE, HGETALL in RESP2...): the table
 * RespToLua would build from their bytes, without encoding them first. Redis fills a new table
 * with t[1]..t[n] in order; with no nil among them, C Lua's rehashes leave every element in an
 * array part of the next power of two (computesizes) and an empty hash part, so the table is
 * created at that size and filled directly (same `#t`, same `next` order;
 * test/differential/script-array-replies.test.ts). undefined when an element needs the general
 * path (objectToLua cannot convert it, an error...), and for RESP3 nulls (nil holes change the
 * layout).
 */
function plainArrayToLua(a: readonly Reply[], resp: 2 | 3): LuaTable | undefined {
  const n = a.length;
  if (n > MAX_FAST_ARRAY) return undefined;
  let size = n === 0 ? 0 : 1;
  while (size < n) size *= 2;
  const t = new LuaTable(size, 0);
  const arr = t.arr;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    switch (typeof v) {
      case 'string':
        arr[i] = v;
        break;
      case 'number':
        if (Number.isInteger(v)) arr[i] = v === 0 ? 0 : v; // ":0" parses as +0
        else if (resp === 2) arr[i] = formatDouble(v);
        else return undefined;
        break;
      case 'bigint':
        arr[i] = Number(v);
        break;
      case 'boolean':
        arr[i] = resp === 2 ? (v ? 1 : 0) : v;
        break;
      case 'undefined':
        if (resp === 3) return undefined;
        arr[i] = false;
        break;
      case 'object': {
        if (v === null) {
          if (resp === 3) return undefined;
          arr[i] = false;
          break;
        }
        if (Array.isArray(v)) {
          const sub = plainArrayToLua(v, resp);
          if (sub === undefined) return undefined;
          arr[i] = sub;
          break;
        }
        if (v === OK) {
          arr[i] = statusTable('OK');
          break;
        }
        if (v instanceof ReplyError) return undefined;
        const x = objectToLua(v, resp);
        if (x === NOT_DIRECT) return undefined;
        arr[i] = x as LuaValue;
        break;
      }
      default:
        return undefined;
    }
  }
  return t;
}
const MAX_FAST_ARRAY = 1 << 20;

class RespToLua {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private line(): string {
    const b = this.buf;
    const cr = b.indexOf(13, this.pos);
    const s = b.latin1Slice(this.pos, cr);
    this.pos = cr + 2;
    return s;
  }

  parse(): LuaValue {
    const b = this.buf;
    const t = b[this.pos++];
    switch (t) {
      case 0x2b: { // + status
        const s = new LuaTable(0, 1);
        s.rawset('ok', this.line());
        return s;
      }
      case 0x2d: // - error
        return errorTable('-' + this.line(), true);
      case 0x3a: // : integer
        return Number(this.line());
      case 0x24: { // $ bulk
        const n = Number(this.line());
        if (n < 0) return false;
        const s = b.latin1Slice(this.pos, this.pos + n);
        this.pos += n + 2;
        return s;
      }
      case 0x2a: { // * array
        const n = Number(this.line());
        if (n < 0) return false;
        const a = new LuaTable();
        for (let i = 1; i <= n; i++) a.rawset(i, this.parse());
        return a;
      }
      case 0x25: { // % map
        const n = Number(this.line());
        const m = new LuaTable();
        for (let i = 0; i < n; i++) {
          const k = this.parse();
          const v = this.parse();
          if (k !== undefined) m.rawset(k, v);
        }
        const w = new LuaTable(0, 1);
        w.rawset('map', m);
        return w;
      }
      case 0x7e: { // ~ set
        const n = Number(this.line());
        const m = new LuaTable();
        for (let i = 0; i < n; i++) {
          const k = this.parse();
          if (k !== undefined) m.rawset(k, true);
        }
        const w = new LuaTable(0, 1);
        w.rawset('set', m);
        return w;
      }
      case 0x3e: { // > push (not expected from a command): as an array
        const n = Number(this.line());
        const a = new LuaTable();
        for (let i = 1; i <= n; i++) a.rawset(i, this.parse());
        return a;
      }
      case 0x5f: // _ null
        this.line();
        return undefined;
      case 0x23: // # boolean
        return this.line() === 't';
      case 0x2c: { // , double
        const s = this.line();
        const d = s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s);
        const w = new LuaTable(0, 1);
        w.rawset('double', d);
        return w;
      }
      case 0x28: { // ( big number
        const w = new LuaTable(0, 1);
        w.rawset('big_number', this.line());
        return w;
      }
      case 0x3d: { // = verbatim
        const n = Number(this.line());
        const s = b.latin1Slice(this.pos, this.pos + n);
        this.pos += n + 2;
        const v = new LuaTable(0, 2);
        v.rawset('string', s.slice(4));
        v.rawset('format', s.slice(0, 3));
        const w = new LuaTable(0, 1);
        w.rawset('verbatim_string', v);
        return w;
      }
      case 0x7c: { // | attribute: skipped
        const n = Number(this.line());
        for (let i = 0; i < 2 * n; i++) this.parse();
        return this.parse();
      }
      default:
        return undefined;
    }
  }
}

const INT64_MIN = -9223372036854775808n;
const TWO63 = 9223372036854775808;

/** (long long) of a Lua number, as x86-64 converts (out of range and NaN: INT64_MIN). */
export function truncToInt(n: number): number | bigint {
  if (n !== n || n >= TWO63 || n < -TWO63) return INT64_MIN;
  const t = Math.trunc(n);
  if (t === 0) return 0;
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

const mapCrLf = (s: string) => (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0 ? s.replace(/[\r\n]/g, ' ') : s);
const cstr = (s: string) => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};

/** The message of an {err=...} table reply (what Redis sends after '-'). */
export function errTableMessage(t: LuaTable): string | undefined {
  const e = t.get('err');
  if (typeof e === 'string') return cstr(e);
  if (typeof e === 'number') return formatLuaNumber(e);
  return undefined;
}

/** lua_tostring of a number (%.14g). */
const formatLuaNumber = (n: number): string => numberToString(n);

/**
 * A script's return value as a reply (luaReplyToRedisReply). `scriptResp` is the
 * protocol the script set (booleans depend on it), the writer does the rest for
 * the caller's protocol.
 */
export function luaToReply(v: LuaValue, scriptResp: 2 | 3, depth = 0): Reply {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return truncToInt(v);
    case 'boolean':
      if (scriptResp === 2) return v ? 1 : null;
      return v;
    case 'object':
      if (v instanceof LuaTable) return tableToReply(v, scriptResp, depth);
      return null;
    default:
      return null;
  }
}

function tableToReply(t: LuaTable, resp: 2 | 3, depth: number): Reply {
  if (depth > 7000) return new ReplyError('ERR reached lua stack limit');
  const err = t.get('err');
  if (typeof err === 'string') {
    const r = new ReplyError(cstr(err));
    if (t.get('ignore_error_stats_update') === true) r.noStats = true;
    return r;
  }
  const ok = t.get('ok');
  if (typeof ok === 'string') return new SimpleString(mapCrLf(cstr(ok)));
  const dbl = t.get('double');
  if (typeof dbl === 'number') return new DoubleReply(dbl);
  const big = t.get('big_number');
  if (typeof big === 'string') return new BigNumberReply(mapCrLf(big));
  const verb = t.get('verbatim_string');
  if (verb instanceof LuaTable) {
    const format = verb.get('format');
    const str = verb.get('string');
    if (typeof format === 'string' && typeof str === 'string') return new VerbatimReply(str, (format + '\0\0\0').slice(0, 3));
  }
  const map = t.get('map');
  if (map instanceof LuaTable) {
    const flat: Reply[] = [];
    let k = map.next(undefined);
    while (k !== undefined) {
      flat.push(luaToReply(k[0], resp, depth + 1), luaToReply(k[1], resp, depth + 1));
      k = map.next(k[0]);
    }
    return new MapReply(flat);
  }
  const set = t.get('set');
  if (set instanceof LuaTable) {
    const items: Reply[] = [];
    let k = set.next(undefined);
    while (k !== undefined) {
      items.push(luaToReply(k[0], resp, depth + 1));
      k = set.next(k[0]);
    }
    return new SetReply(items);
  }
  const out: Reply[] = [];
  for (let j = 1; ; j++) {
    const e = t.get(j);
    if (e === undefined) break;
    out.push(luaToReply(e, resp, depth + 1));
  }
  return out;
}

/** A Lua number as Redis passes it to a command: %.17g. */
export function numberArg(n: number): string {
  return formatDouble(n);
}
