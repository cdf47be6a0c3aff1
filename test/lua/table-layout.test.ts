/**
 * The table representation (src/lua/value.ts, docs/lua.md "Tables") against lua5.1: random
 * sequences of stores, nil stores, deletes during traversal, constructors and library calls on
 * tables whose node parts cross the sizes where the representation changes (small node parts
 * without a key map, array-only tables, preallocated constructors). Traversal order, `#t`,
 * `next`'s "invalid key" errors and table.sort results must be C Lua's.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compare } from './oracle.js';
import { LuaFunction, LuaTable, type LuaValue } from '../../src/lua/value.js';
import { CJSON_NULL, openCjson } from '../../src/lua/lib/cjson.js';
import { openCmsgpack } from '../../src/lua/lib/cmsgpack.js';

const SEED = Number(process.env.LUA_GEN_SEED ?? 20261207);

// enough distinct string keys to take node parts past 8, 16 and 32 slots
const STR_KEYS = Array.from({ length: 40 }, (_, i) => `"k${i}"`).concat(['"a"', '"id"', '"name"', '"opts"', '"timestamp"', '"x"', '""']);
const key = fc.oneof(
  fc.constantFrom(...STR_KEYS),
  fc.integer({ min: -2, max: 45 }).map(String),
  fc.constantFrom('0.5', '2^33', '-0', '1e100', 'true', 'false', '7.25'),
);
const val = fc.oneof(fc.integer({ min: 0, max: 99 }).map(String), fc.constant('"v"'), fc.constant('true'));
const op: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, val).map(([k, v]) => `t[${k}] = ${v}`) },
  { weight: 2, arbitrary: key.map((k) => `t[${k}] = nil`) },
  { weight: 2, arbitrary: val.map((v) => `t[#t + 1] = ${v}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }).map((i) => `table.insert(t, ${i})`) },
  { weight: 1, arbitrary: fc.constant('table.remove(t)') },
  // deletes during traversal (allowed by next): every other key, or the keys of one type
  { weight: 1, arbitrary: fc.constant('do local i = 0 for k in pairs(t) do i = i + 1 if i % 2 == 0 then t[k] = nil end end end') },
  { weight: 1, arbitrary: fc.constant('for k, v in pairs(t) do if type(k) == "number" then t[k] = nil end end') },
  // assignments to existing keys during traversal
  { weight: 1, arbitrary: fc.constant('for k, v in pairs(t) do t[k] = 1 end') },
  // a batch of new keys at once (crosses a size boundary)
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => `for i = 1, ${n} do t["b" .. i] = i end`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => `for i = 1, ${n} do t[i * 3] = i end`) },
);
const item = fc.oneof(val, fc.tuple(key, val).map(([k, v]) => `[${k}] = ${v}`), fc.constantFrom(...STR_KEYS).map((k) => `${k.slice(1, -1) || 'e'} = 1`));
const ctor = fc.oneof(
  fc.array(item, { maxLength: 12 }).map((items) => `{${items.join(', ')}}`),
  fc.constant('{}'),
  fc.constant('{unpack({1, 2, 3, nil, 5})}'),
);

const REPORT = `
local o = {} for k, v in pairs(t) do o[#o + 1] = tostring(k) .. "=" .. tostring(v) end
print(#t, table.concat(o, " "))
print(pcall(next, t, "no such key"), pcall(next, t, 1e300))
local k1 = next(t) if k1 ~= nil then print(next(t, k1)) end
local nums = {} for k, v in pairs(t) do if type(v) == "number" then nums[#nums + 1] = v end end
table.sort(nums) print(table.concat(nums, ","))
local ks = {} for k in pairs(t) do if type(k) == "string" then ks[#ks + 1] = k end end
table.sort(ks, function(a, b) return a > b end) print(table.concat(ks, ","))`;

describe('table layout vs lua5.1', () => {
  it('random operation sequences (constructors, stores, nils, deletes during traversal)', () => {
    // the collector is stopped: C Lua marks nil-valued keys dead at collection times a script
    // cannot see (docs/lua.md "Known differences"); without collections the layout is exact
    const prog = fc.tuple(ctor, fc.array(op, { maxLength: 40 })).map(([c, ops]) => `collectgarbage("stop") local t = ${c}\n${ops.join('\n')}${REPORT}`);
    const cases = fc.sample(prog, { numRuns: 300, seed: SEED });
    const bad = compare(cases);
    expect(bad.slice(0, 3).map((m) => `${m.src}\n exp ${m.expected}\n act ${m.actual}`).join('\n')).toBe('');
  });

  it('tables grown one key at a time through every node size up to 64, then emptied in traversal order', () => {
    const cases: string[] = [];
    for (const kind of ['s', 'n', 'f', 'mix']) {
      const k = kind === 's' ? '"key" .. i' : kind === 'n' ? 'i * 7' : kind === 'f' ? 'i + 0.5' : '(i % 3 == 0 and i or "m" .. i)';
      cases.push(`collectgarbage("stop") local t = {}
for i = 1, 64 do t[${k}] = i local o = {} for kk in pairs(t) do o[#o + 1] = tostring(kk) end print(i, #t, table.concat(o, " ")) end
for kk in pairs(t) do t[kk] = nil end print(next(t), #t)
for i = 64, 1, -1 do t[${k}] = i end local o = {} for kk in pairs(t) do o[#o + 1] = tostring(kk) end print(table.concat(o, " "))`);
    }
    const bad = compare(cases);
    expect(bad.slice(0, 2).map((m) => `${m.src}\n exp ${m.expected.slice(0, 600)}\n act ${m.actual.slice(0, 600)}`).join('\n')).toBe('');
  });
});

/** Every (key, value) in next() order, then #t: what a script can observe of a table's layout. */
function observe(t: LuaTable): string {
  const out: string[] = [];
  let e = t.next(undefined);
  while (e) {
    out.push(`${String(e[0])}=${e[1] instanceof LuaTable ? `{${observe(e[1])}}` : String(e[1])}`);
    e = t.next(e[0]);
  }
  return `${out.join(' ')} #${t.length()}`;
}

const arrShape = (t: LuaTable) => `${t.arr.map((v) => String(v)).join(',')}/${t.nodes.length} free ${t.lastfree} ` +
  t.nodes.map((n) => (n === null ? '-' : `${String(n.key)}=${String(n.val)}>${n.next?.idx ?? ''}`)).join(',');

describe('tables made by the libraries equal tables filled key by key', () => {
  it('cmsgpack.unpack arrays (stored in place while no nil comes) vs lua_settable one item at a time', () => {
    const unpack = openCmsgpack().get('unpack') as LuaFunction;
    const item = fc.oneof(fc.integer({ min: 0, max: 127 }), fc.constant(null), fc.constant(null), fc.constant('s'), fc.constant(true));
    const arrays = fc.sample(fc.array(item, { maxLength: 40 }), { numRuns: 400, seed: SEED + 7 });
    for (const items of arrays) {
      // msgpack bytes of the array: fixarray / array16 header, then positive fixints, nil, "s", true
      let bytes = items.length < 16 ? String.fromCharCode(0x90 | items.length) : '\xdc\x00' + String.fromCharCode(items.length);
      for (const v of items) bytes += v === null ? '\xc0' : v === 's' ? '\xa1s' : v === true ? '\xc3' : String.fromCharCode(v as number);
      const ref = new LuaTable();
      items.forEach((v, i) => ref.set(i + 1, v === null ? undefined : v));
      // unpacked again: an array with nils is built from the layout cached for its nil pattern
      for (let round = 0; round < 3; round++) {
        const got = unpack.nf!([bytes])[0] as LuaTable;
        expect(observe(got), JSON.stringify(items)).toBe(observe(ref));
        expect(got.arr.length, JSON.stringify(items)).toBe(ref.arr.length);
        expect(arrShape(got), JSON.stringify(items)).toBe(arrShape(ref));
        const ref2 = new LuaTable();
        items.forEach((v, i) => ref2.set(i + 1, v === null ? undefined : v));
        for (const extra of [items.length + 1, 'k', items.length + 3, 2]) {
          got.set(extra, 1);
          ref2.set(extra, 1);
        }
        expect(observe(got), JSON.stringify(items)).toBe(observe(ref2));
        expect(arrShape(got), JSON.stringify(items)).toBe(arrShape(ref2));
      }
    }
  });
});

describe('cmsgpack.unpack maps (layout cache)', () => {
  it('a map unpacked again (built from the recorded layout) equals one filled key by key, also after more stores', () => {
    const unpack = openCmsgpack().get('unpack') as LuaFunction;
    // keys drawn from a small pool so that duplicates and shared sequences happen; values: ints, nil, nested maps
    const key = fc.oneof(fc.constantFrom('a', 'b', 'name', 'attempts', 'delay', 'jobId', 'kl', 'opts', 'x\u00ff', ''), fc.string({ maxLength: 6 }).map((s) => s.replace(/[^\x00-\xff]/g, '?')));
    const pair = fc.tuple(fc.oneof(key, fc.integer({ min: 1, max: 5 })), fc.oneof(fc.integer({ min: 0, max: 127 }), fc.constant(null), fc.constant('map')));
    const maps = fc.sample(fc.array(pair, { maxLength: 40 }), { numRuns: 300, seed: SEED + 13 });
    const str = (k: string) => (k.length < 32 ? String.fromCharCode(0xa0 | k.length) : '\xd9' + String.fromCharCode(k.length)) + k;
    const header = (n: number) => (n < 16 ? String.fromCharCode(0x80 | n) : '\xde\x00' + String.fromCharCode(n));
    const inner = header(2) + str('p') + '\x01' + str('q') + '\x02';
    const innerRef = () => {
      const t = new LuaTable();
      t.set('p', 1);
      t.set('q', 2);
      return t;
    };
    const shape = (t: LuaTable) => `${t.arr.length}/${t.nodes.length} free ${t.lastfree} ` +
      t.nodes.map((n) => (n === null ? '-' : `${String(n.key)}>${n.next?.idx ?? ''}`)).join(',');
    // each key sequence again with other values nil (a nil leaves a dead node a later key can take over)
    const variants = maps.flatMap((pairs) => [pairs, pairs.map(([k, v], i): [string | number, number | null | string] => [k, v === null ? 9 : i % 2 === 1 ? null : v])]);
    for (const pairs of variants) {
      let bytes = header(pairs.length);
      for (const [k, v] of pairs) bytes += (typeof k === 'number' ? String.fromCharCode(k) : str(k)) + (v === null ? '\xc0' : v === 'map' ? inner : String.fromCharCode(v as number));
      const ref = new LuaTable();
      for (const [k, v] of pairs) ref.set(k, v === null ? undefined : v === 'map' ? innerRef() : v);
      for (let round = 0; round < 3; round++) {
        const got = unpack.nf!([bytes])[0] as LuaTable;
        const what = `${JSON.stringify(pairs)} round ${round}`;
        expect(observe(got), what).toBe(observe(ref));
        expect(shape(got), what).toBe(shape(ref));
        // later stores depend on the free pointer and chains too
        const ref2 = new LuaTable();
        for (const [k, v] of pairs) ref2.set(k, v === null ? undefined : v === 'map' ? innerRef() : v);
        for (const extra of ['z1', 'z2', 'name', 'z3', 7]) {
          got.set(extra, 1);
          ref2.set(extra, 1);
        }
        got.set('a', undefined);
        ref2.set('a', undefined);
        got.set('z4', 2);
        ref2.set('z4', 2);
        expect(observe(got), what).toBe(observe(ref2));
        expect(shape(got), what).toBe(shape(ref2));
      }
    }
  });
});

describe('cjson.decode arrays', () => {
  it('(appended in place, padded at the end) equal tables filled with set(i, v) one item at a time', () => {
    const decode = openCjson().get('decode') as LuaFunction;
    const json = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.integer({ min: 0, max: 9 }), fc.constant(null), fc.constant('s'), fc.array(tie('v'), { maxLength: 20 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 })),
    })).v;
    const build = (v: unknown): LuaValue => {
      if (v === null) return CJSON_NULL;
      if (Array.isArray(v)) {
        const t = new LuaTable();
        v.forEach((x, i) => t.set(i + 1, build(x)));
        return t;
      }
      if (typeof v === 'object') {
        const t = new LuaTable();
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) t.set(k, build(x));
        return t;
      }
      return v as LuaValue;
    };
    const sizes = (v: LuaValue): string => {
      if (!(v instanceof LuaTable)) return '';
      let s = `${v.arr.length}/${v.nodes.length}(`;
      for (let pos = v.nextPos(-1); pos >= 0; pos = v.nextPos(pos)) s += sizes(v.valAt(pos));
      return s + ')';
    };
    for (const doc of fc.sample(fc.array(json, { maxLength: 20 }), { numRuns: 300, seed: SEED + 11 })) {
      const got = decode.nf!([JSON.stringify(doc)])[0] as LuaTable;
      const ref = build(doc) as LuaTable;
      expect(observe(got), JSON.stringify(doc)).toBe(observe(ref));
      expect(sizes(got), JSON.stringify(doc)).toBe(sizes(ref));
    }
  });
});
