/**
 * Helper for the Lua library tests (lua-libs): run calls of cjson / cmsgpack / bit / struct in a
 * real redis-server 7.0 through one cached EVALSHA script, and the same calls on our natives,
 * both serialised the same way (type-tagged, %.17g numbers, tables in next() order).
 */
import { LuaError, LuaTable, LuaUserdata, LuaFunction, type LuaValue } from '../../src/lua/value.js';
import { stringFormat, numberToString } from '../../src/lua/lib/format.js';
import { CJSON_NULL } from '../../src/lua/lib/cjson.js';
import { RawClient } from '../support/raw-client.js';

/** Lua source that evaluates to the same value; tables are built with assignments in insertion order. */
export function lit(v: LuaValue): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (v !== v) return '(-(0/0))';
    if (v === Infinity) return '(1/0)';
    if (v === -Infinity) return '(-1/0)';
    if (v === 0) return 1 / v < 0 ? '(-tonumber("0"))' : '0';
    return '(' + v.toPrecision(17) + ')';
  }
  if (typeof v === 'string') {
    let s = '"';
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      s += (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 ? v[i] : '\\' + String(c).padStart(3, '0');
    }
    return s + '"';
  }
  if (v === CJSON_NULL) return 'cjson.null';
  if (v instanceof LuaTable) {
    const order = (v as LuaTable & { __order?: [LuaValue, LuaValue][] }).__order;
    if (!order) throw new Error('lit: build tables with T() so their insertion order is known');
    return '(function() local t = {} ' + order.map(([k, x]) => `t[${lit(k)}]=${lit(x)} `).join('') + 'return t end)()';
  }
  throw new Error('lit: unsupported value');
}

/** A table built by raw sets in this order (remembered for lit()). Array items are keys 1..n. */
export function T(...entries: Array<[LuaValue, LuaValue] | LuaValue>): LuaTable {
  const t = new LuaTable() as LuaTable & { __order?: [LuaValue, LuaValue][] };
  const order: [LuaValue, LuaValue][] = [];
  let n = 1;
  for (const e of entries) {
    const kv: [LuaValue, LuaValue] = Array.isArray(e) ? (e as [LuaValue, LuaValue]) : [n++, e as LuaValue];
    order.push(kv);
    t.set(kv[0], kv[1]);
  }
  t.__order = order;
  return t;
}

/** Serialises results like the Lua prelude below does. */
export function ser(v: LuaValue, d = 0): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return 'n' + stringFormat('%.17g', [v], () => '');
  if (typeof v === 'string') return 's' + v.length + ':' + v;
  if (v instanceof LuaUserdata) return v === CJSON_NULL ? 'null' : 'ud';
  if (v instanceof LuaTable) {
    if (d > 20) return 'deep';
    const parts: string[] = [];
    let e = v.next(undefined);
    while (e) {
      parts.push(ser(e[0], d + 1) + '=' + ser(e[1], d + 1));
      e = v.next(e[0]);
    }
    return '{' + parts.join(',') + '}';
  }
  if (v instanceof LuaFunction) return 'function';
  return 'thread';
}

export const PRELUDE = `
local function ser(v, d)
  local t = type(v)
  if t == 'nil' then return 'nil'
  elseif t == 'boolean' then return tostring(v)
  elseif t == 'number' then return 'n' .. string.format('%.17g', v)
  elseif t == 'string' then return 's' .. #v .. ':' .. v
  elseif t == 'userdata' then if v == cjson.null then return 'null' else return 'ud' end
  elseif t == 'table' then
    if d > 20 then return 'deep' end
    local parts = {}
    local k, x = next(v)
    while k ~= nil do parts[#parts+1] = ser(k, d+1) .. '=' .. ser(x, d+1); k, x = next(v, k) end
    return '{' .. table.concat(parts, ',') .. '}'
  else return t end
end
local function pack(...) return select('#', ...), {...} end
local f, cerr = loadstring(ARGV[1], '=x')
if not f then return 'COMPILE ' .. cerr end
local n, r = pack(pcall(f))
if not r[1] then
  local m = r[2]
  if type(m) == 'string' then m = string.gsub(m, '^x:%d+: ', '') end
  return 'ERR ' .. ser(m, 0)
end
local out = {}
for i = 2, n do out[#out+1] = ser(r[i], 0) end
return 'OK ' .. table.concat(out, '|')
`;

/** Our side: run fn and serialise like the prelude (errors: message without position). */
export function ours(fn: () => LuaValue[]): string {
  try {
    return 'OK ' + fn().map((v) => ser(v)).join('|');
  } catch (e) {
    if (e instanceof LuaError) return 'ERR ' + ser(e.value);
    throw e;
  }
}

/** Runs each Lua chunk (the body of a function, e.g. "return bit.band(1, 3)") on redis-server. */
export async function redisRun(client: RawClient, chunks: string[]): Promise<string[]> {
  const shaReply = await client.call('SCRIPT', 'LOAD', PRELUDE);
  const sha = shaReply.slice(shaReply.indexOf('\n') + 1, -2);
  const out: string[] = [];
  const BATCH = 200;
  for (let i = 0; i < chunks.length; i += BATCH) {
    const part = chunks.slice(i, i + BATCH);
    for (const c of part) client.send('EVALSHA', sha, '0', c);
    for (let j = 0; j < part.length; j++) {
      const r = await client.read(20000);
      if (r[0] !== '$') throw new Error(`unexpected reply for ${part[j]}: ${r}`);
      const len = parseInt(r.slice(1, r.indexOf('\r')), 10);
      const start = r.indexOf('\n') + 1;
      out.push(r.slice(start, start + len));
    }
  }
  return out;
}

export function lnum(n: number): string {
  return numberToString(n);
}
