/**
 * cjson, cmsgpack, bit and struct against redis-server 7.0: each case runs as a Lua call inside
 * EVALSHA on the real server and as a direct call of our natives; results (values in next()
 * order, numbers %.17g, errors without their position) must be identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LuaFunction, LuaTable, nativeFunction, type LuaValue } from '../../src/lua/value.js';
import { openBit } from '../../src/lua/lib/bit.js';
import { openCjson, CJSON_NULL } from '../../src/lua/lib/cjson.js';
import { openCmsgpack } from '../../src/lua/lib/cmsgpack.js';
import { openStruct } from '../../src/lua/lib/struct.js';
import { lit, ours, redisRun, T, PRELUDE } from './libs-oracle.js';
import { LuaState } from '../../src/lua/index.js';
import { openRedisLibs } from '../../src/lua/lib/index.js';
import { liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { RawClient } from '../support/raw-client.js';

// The samples below are random on each live run; recorded and replayed runs need the same ones.
if (!liveOracle) fc.configureGlobal({ seed: 6379 });

let redis: RedisProcess;
let client: RawClient;

beforeAll(async () => {
  redis = await startRedisServer();
  client = await RawClient.connect(redis.port);
}, 20000);

afterAll(async () => {
  client?.socket.destroy();
  await redis?.stop();
});

interface Case { lua: string; js: () => LuaValue[]; fuzz?: boolean }

/** A table used as a key: C Lua hashes it by address, so its place in next() order cannot be reproduced. */
const TABLE_KEY = /[{,]\{/;

type Libs = { cjson: LuaTable; cmsgpack: LuaTable; bit: LuaTable; struct: LuaTable };
function freshLibs(): Libs {
  return { cjson: openCjson(), cmsgpack: openCmsgpack(), bit: openBit(), struct: openStruct() };
}
const LIBS = freshLibs();

function fn(lib: LuaTable, name: string): (...a: LuaValue[]) => LuaValue[] {
  const f = lib.get(name) as LuaFunction;
  return (...a) => f.nf!(a);
}

/** lib.name(args...) on both sides. */
function call(lib: keyof Libs, name: string, ...args: LuaValue[]): Case {
  return { lua: `return ${lib}.${name}(${args.map(lit).join(', ')})`, js: () => fn(LIBS[lib], name)(...args) };
}

/** Our Lua engine with the Redis libraries, running the same prelude as redis-server. */
const engine = (() => {
  const L = new LuaState({ print: () => {} });
  openRedisLibs(L.globals);
  const prelude = L.load(PRELUDE, '@user_script');
  return (chunk: string): string => {
    const argv = new LuaTable();
    argv.set(1, chunk);
    L.globals.set('ARGV', argv);
    try {
      return String(L.call(prelude, [])[0]);
    } catch (e) {
      return 'ENGINE ' + String(e instanceof Error ? e.message : e);
    }
  };
})();

/** Mismatches of the same chunks run through our engine (asserted by the last test). */
const engineBad: { lua: string; engine: string; redis: string }[] = [];

async function check(cases: Case[]): Promise<void> {
  const theirs = await redisRun(client, cases.map((c) => c.lua));
  const bad: { lua: string; ours: string; redis: string }[] = [];
  for (let i = 0; i < cases.length; i++) {
    if (cases[i].fuzz && TABLE_KEY.test(theirs[i])) continue;
    const mine = ours(cases[i].js);
    if (mine !== theirs[i] && bad.length < 12) bad.push({ lua: cases[i].lua.slice(0, 200), ours: mine.slice(0, 300), redis: theirs[i].slice(0, 300) });
    const viaEngine = engine(cases[i].lua);
    if (viaEngine !== theirs[i] && engineBad.length < 30) engineBad.push({ lua: cases[i].lua.slice(0, 200), engine: viaEngine.slice(0, 300), redis: theirs[i].slice(0, 300) });
  }
  expect(bad).toEqual([]);
}

const INTS = [0, 1, -1, 2, 5, 31, 32, 33, 127, 128, -31, -32, -33, -127, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, -(2 ** 32), 2 ** 40 + 3, 2 ** 52, 2 ** 53, 2 ** 53 + 2,
  -(2 ** 53), 2 ** 62, 2 ** 63, -(2 ** 63), 2 ** 64, 1e20, -1e20, 1700000000000];
const FLOATS = [0.5, -0.5, 1.5, 2.5, -2.5, 0.1, 1 / 3, -1 / 3, 3.4028234663852886e38, 3.4028235677973366e38, 1e39, 1e-45, 1.401298464324817e-45,
  5e-324, 1e-300, 1e300, 1.7976931348623157e308, 123.456, 1e15 + 0.5, 2 ** 31 + 0.5, -(2 ** 31) - 0.5, 4294967295.5, Infinity, -Infinity, -0];

describe('bit vs redis-server', () => {
  it('every function over integers, floats, strings and bad arguments', async () => {
    const vals: LuaValue[] = [...INTS, ...FLOATS, '0x10', ' 12 ', '1e3', 'abc', '', true, undefined, T(), NaN];
    const cases: Case[] = [];
    for (const f of ['tobit', 'bnot', 'bswap', 'tohex']) {
      for (const v of vals) cases.push(call('bit', f, v));
      cases.push(call('bit', f));
    }
    const small = [0, 1, 4, 8, 9, 31, 32, 33, 63, 64, -1, -4, -8, -9, -31, -32, 2.5, 1e10, -(2 ** 31), 'x', undefined];
    const some = [0, 1, -1, 0x12345678, 0x87654321, 2 ** 31, -(2 ** 31), 2 ** 32 + 7, 1.5, 0.5, -0.5, 255];
    for (const f of ['band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'tohex']) {
      for (const a of some) for (const b of small) cases.push(call('bit', f, a, b));
    }
    cases.push(call('bit', 'band', 7, 3, 1), call('bit', 'bor', 1, 2, 4, 8, 16), call('bit', 'bxor', 1, 3, 7, 15), call('bit', 'band', 1, 2, 'x'),
      call('bit', 'band'), call('bit', 'bor', 5), call('bit', 'tohex', 255, undefined), call('bit', 'lshift', 1));
    const gen = fc.sample(fc.tuple(fc.constantFrom('band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'tohex', 'tobit', 'bnot', 'bswap'),
      fc.oneof(fc.integer(), fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
      fc.integer({ min: -40, max: 40 })), 800);
    for (const [f, a, b] of gen) cases.push(call('bit', f, a, b));
    await check(cases);
  });
});

describe('struct vs redis-server', () => {
  it('pack / unpack / size over formats, endianness, alignment and errors', async () => {
    const cases: Case[] = [];
    const intFmts = ['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i1', 'i2', 'i3', 'i5', 'i8', 'i9', 'I3', 'I12', 'i16', 'I32', '>h', '>I3', '<i', '>l', '>i9', '>I16'];
    for (const f of intFmts) for (const v of [...INTS, 1.5, -1.5, 2.5, 'x', '12', undefined, NaN]) {
      cases.push(call('struct', 'pack', f, v));
      if (typeof v === 'number') cases.push({ lua: `return struct.unpack(${lit(f)}, struct.pack(${lit(f)}, ${lit(v)}))`, js: () => fn(LIBS.struct, 'unpack')(f, fn(LIBS.struct, 'pack')(f, v)[0]) });
    }
    for (const f of ['f', 'd', '>f', '>d', '<d']) for (const v of [...FLOATS, 1, -1, 0]) {
      cases.push(call('struct', 'pack', f, v));
      cases.push({ lua: `return struct.unpack(${lit(f)}, struct.pack(${lit(f)}, ${lit(v)}))`, js: () => fn(LIBS.struct, 'unpack')(f, fn(LIBS.struct, 'pack')(f, v)[0]) });
    }
    const packs: [string, ...LuaValue[]][] = [
      ['c', 'abc'], ['c0', 'abc'], ['c2', 'abc'], ['c5', 'abc'], ['s', 'abc'], ['s', 'a\0b'], ['bc0', 3, 'xyz'], ['!4bi', 1, 2], ['!bi', 1, 2], ['!2bd', 1, 2],
      ['!8bxhxl', 1, 2, 3], ['!3b', 1], ['!0b', 1], ['!16bd', 1, 2], ['bxxb', 1, 2], [' b b ', 1, 2], ['z', 1], ['b', T()], ['', 1], ['>!4bhi', 1, 2, 3],
      ['i33', 1], ['i0', 1], ['c99999999999', 'a'], ['!4 b c3 i', 1, 'abc', 7], ['b\0b', 1, 2], ['<h>h', 258, 258], ['bb', 1], ['i7', -2], ['I7', 2 ** 50 + 1],
    ];
    for (const [f, ...a] of packs) cases.push(call('struct', 'pack', f, ...a));
    cases.push(call('struct', 'pack'), call('struct', 'pack', 12, 1), call('struct', 'pack', undefined));
    const unpacks: [string, string, ...LuaValue[]][] = [
      ['b', '\xff'], ['B', '\xff'], ['h', '\x01'], ['bbb', 'ab'], ['c3', 'abcdef'], ['c0', 'abc'], ['bc0', '\x03abcd'], ['bc0', '\x09abcd'], ['s', 'ab\0cd'], ['s', 'abcd'],
      ['ss', 'a\0b\0'], ['b', 'abc', 2], ['b', 'abc', 3], ['b', 'abc', 4], ['b', 'abc', 0], ['b', 'abc', -1], ['', 'abc', 0], ['', 'abc', -5], ['', 'abc', 7], ['x', 'a'],
      ['!4bi', '\x01\0\0\0\x02\0\0\0'], ['!4bi', '\x01\0\0\0\x02\0\0'], ['>i3', '\xff\xfe\xfd'], ['<i3', '\xff\xfe\xfd'], ['i9', '\xff'.repeat(9)], ['>i9', '\xff'.repeat(9)],
      ['I9', '\x01\x02\x03\x04\x05\x06\x07\x08\x09'], ['>I9', '\x01\x02\x03\x04\x05\x06\x07\x08\x09'], ['i16', '\x80'.repeat(16)], ['L', '\xff'.repeat(8)], ['l', '\xff'.repeat(8)],
      ['z', 'abc'], ['b', 'abc', 'x'], ['b', 'abc', 1.9], ['c', ''], ['d', '\0\0\0\0\0\0\xf8\x7f'], ['bc0', '\xffab'], ['fc0s', '\xa0\x7e\x2c\x74\x0b\x80'], ['dc0', '\0\0\0\0\0\0\xe0\xbf'],
      ['dc0', '\0\0\0\0\0\0\xf8\x7f' + 'x'.repeat(9)], ['dc0', '\0\0\0\0\0\0\xf0\x43xy'],
    ];
    for (const [f, d, ...a] of unpacks) cases.push(call('struct', 'unpack', f, d, ...a));
    cases.push(call('struct', 'unpack', 'b'), call('struct', 'unpack'));
    for (const f of ['b', 'bhil', '!bhil', '!4bd', 'c10', 'c0', 's', 'bx', 'z', '<>!', '!3', 'i40', '', 'Tc3!2h', 'b\0s']) cases.push(call('struct', 'size', f));
    cases.push(call('struct', 'size'));
    for (const n of [7996, 7997, 7998, 8000]) {
      cases.push({ lua: `return select('#', struct.unpack(string.rep('b', ${n}), string.rep('\\1', ${n})))`, js: () => [fn(LIBS.struct, 'unpack')('b'.repeat(n), '\x01'.repeat(n)).length] });
      cases.push({ lua: `return select('#', struct.unpack(string.rep('b', ${n}), string.rep('\\1', ${n}), 1))`, js: () => [fn(LIBS.struct, 'unpack')('b'.repeat(n), '\x01'.repeat(n), 1).length] });
    }
    await check(cases);
  });
});

describe('cmsgpack vs redis-server', () => {
  it('pack bytes and unpack of every type and size class', async () => {
    const cases: Case[] = [];
    const strs = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(255), 'y'.repeat(256), 'z'.repeat(65535), 'z'.repeat(65536), '\0\xff\x80'];
    const nested = (d: number): LuaTable => (d === 0 ? T(1) : T(nested(d - 1)));
    const tables: LuaTable[] = [T(), T(1, 2, 3), T(['a', 1], ['b', 2]), T(1, 2, ['x', 3]), T([2, 'b']), T([1, 'a'], [3, 'c']), T([1.5, 'f']), T([-1, 'n']), T([0, 'z']),
      T(...Array.from({ length: 16 }, (_, i) => i)), T(...Array.from({ length: 70000 }, (_, i) => i % 300)), T(...Array.from({ length: 20 }, (_, i): [LuaValue, LuaValue] => ['k' + i, i])),
      nested(14), nested(15), nested(16), nested(20), T(true, false, 'x', T(T(T()))), T([2 ** 31, 1]), T([1, 1], [2 ** 31 - 1, 2]), T([true, 1]), T(CJSON_NULL)];
    const vals: LuaValue[] = [...INTS, ...FLOATS, ...strs, ...tables, true, false, undefined, NaN];
    for (const v of vals) {
      cases.push(call('cmsgpack', 'pack', v));
      cases.push({ lua: `return cmsgpack.unpack(cmsgpack.pack(${lit(v)}))`, js: () => fn(LIBS.cmsgpack, 'unpack')(fn(LIBS.cmsgpack, 'pack')(v)[0]) });
    }
    cases.push(call('cmsgpack', 'pack', 1, 'two', T(3), undefined, 4.5), call('cmsgpack', 'pack'));
    cases.push({ lua: 'return cmsgpack.pack(tostring)', js: () => fn(LIBS.cmsgpack, 'pack')(nativeFunction('print', () => [])) });
    cases.push({ lua: 'local t = {} for i=1,4001 do t[i]=i end return #cmsgpack.pack(unpack(t))', js: () => { fn(LIBS.cmsgpack, 'pack')(...Array.from({ length: 4001 }, (_, i) => i + 1)); return []; } });
    cases.push({ lua: 'local t = {} for i=1,4000 do t[i]=i end return #cmsgpack.pack(unpack(t))', js: () => [(fn(LIBS.cmsgpack, 'pack')(...Array.from({ length: 4000 }, (_, i) => i + 1))[0] as string).length] });
    const raw = ['', '\xc1', '\xc0', '\x01\x02\x03', '\xcc', '\xcc\x05', '\xcd\x01', '\xcd\x01\x02', '\xd1\xff\xfe', '\xd2\x80\0\0\0', '\xce\xff\xff\xff\xff',
      '\xcf\xff\xff\xff\xff\xff\xff\xff\xff', '\xcf\0\x20\0\0\0\0\0\x01', '\xd3\x80\0\0\0\0\0\0\0', '\xd3\xff\xff\xff\xff\xff\xff\xff\xff', '\xca\x7f\xc0\0\0', '\xcb\x3f\xf0\0\0\0\0\0\0',
      '\xd9\x03abc', '\xd9\x05abc', '\xda\0\x02hi', '\xdb\0\0\0\x02hi', '\xdb\0\0\0\x09hi', '\x93\x01\x02', '\x93\x01\x02\x03', '\xdc\0\x02\x01\x02', '\xdd\0\0\0\x01\xc3',
      '\x82\xa1a\x01\xa1b\x02', '\x81\xc0\x01', '\x81\xcb\x7f\xf8\0\0\0\0\0\0\x01', '\x81\x01', '\xde\0\x01\x01\x02', '\xdf\0\0\0\x01\x01\x02', '\x92\xc0\x05', '\x81\x01\xc0',
      '\xa3ab', '\xbf', '\xe0\xff', '\xc4\x01a', '\xd8', '\x91\x91\x91\x91\x01'];
    for (const r of raw) {
      cases.push(call('cmsgpack', 'unpack', r));
      for (const [lim, off] of [[1, 0], [2, 0], [1, 1], [0, 0], [0, 1], [3, 2], [-1, 0], [1, -1], [1, 50]] as const) {
        cases.push(call('cmsgpack', 'unpack_limit', r, lim, off));
      }
      cases.push(call('cmsgpack', 'unpack_one', r), call('cmsgpack', 'unpack_one', r, 1), call('cmsgpack', 'unpack_one', r, 2));
    }
    cases.push(call('cmsgpack', 'unpack'), call('cmsgpack', 'unpack', 12), call('cmsgpack', 'unpack', T()), call('cmsgpack', 'unpack_limit', '\x01'),
      call('cmsgpack', 'unpack_limit', '\x01', 'x'), call('cmsgpack', 'unpack_one', '\x01\x02', '1'), call('cmsgpack', 'unpack_one', '\x01\x02', 1.7));
    const many = '\x01'.repeat(8005);
    cases.push({ lua: `return select('#', cmsgpack.unpack(string.rep('\\1', 7999)))`, js: () => [fn(LIBS.cmsgpack, 'unpack')('\x01'.repeat(7999)).length] });
    cases.push({ lua: `return select('#', cmsgpack.unpack(string.rep('\\1', 8005)))`, js: () => [fn(LIBS.cmsgpack, 'unpack')(many).length] });
    cases.push({ lua: `return #cmsgpack.unpack(string.rep('\\145', 4100) .. '\\1')`, js: () => [(fn(LIBS.cmsgpack, 'unpack')('\x91'.repeat(4100) + '\x01')[0] as LuaTable).length()] });
    await check(cases);
  });

  it('generated values round-trip with the same bytes', async () => {
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 40 }), fc.boolean(), fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map((i) => i * 1024));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ maxDepth: 4 }, leaf, fc.array(tie('node'), { maxLength: 6 }).map((a) => T(...(a as LuaValue[]))),
        fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 20 })), tie('node')), { maxLength: 6 }).map((kv) => {
          const seen = new Set<LuaValue>();
          return T(...(kv as [LuaValue, LuaValue][]).filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))));
        })),
    })).node;
    const vals = fc.sample(tree, 300).filter((v) => !(typeof v === 'number' && v !== v)) as LuaValue[];
    const cases: Case[] = [];
    for (const v of vals) {
      cases.push(call('cmsgpack', 'pack', v));
      cases.push({ lua: `return cmsgpack.unpack(cmsgpack.pack(${lit(v)}))`, js: () => fn(LIBS.cmsgpack, 'unpack')(fn(LIBS.cmsgpack, 'pack')(v)[0]) });
    }
    await check(cases);
  });
});

describe('cjson vs redis-server', () => {
  it('encode of scalars, strings, tables, sparse arrays, depth and errors', async () => {
    const cases: Case[] = [];
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    const nest = (d: number, arr: boolean): LuaTable => (d === 0 ? T(1) : arr ? T(nest(d - 1, arr)) : T(['a', nest(d - 1, arr)]));
    const vals: LuaValue[] = [...INTS, ...FLOATS.filter((f) => f !== Infinity && f !== -Infinity), Infinity, -Infinity, NaN, 'abc', '', all, 'a/b"c\\d', true, false, undefined, CJSON_NULL,
      T(), T(1, 2, 3), T(1, undefined, 3), T(['a', 1]), T(['a', T(1, 'x', T())], ['b', false]), T([1, 'a'], [3, 'c']), T([1, 1], [11, 2]), T([1, 1], [10, 2]), T([20, 1]),
      T([5, 1], [6, 2], [7, 3], [11, 1], [12, 2], [13, 3]), T([1.5, 1]), T([-1, 1]), T([0, 1]), T([2 ** 31, 1]), T([2 ** 40, 'x']), T([1, 1], [2 ** 32, 2]), T([true, 1]), T([T(), 1]),
      T(['k', Infinity]), T([Infinity, 1]), T(['k', CJSON_NULL], ['z', undefined]), T(CJSON_NULL, CJSON_NULL),
      T(...Array.from({ length: 30 }, (_, i): [LuaValue, LuaValue] => ['key' + i, i * 1.5])), T(...Array.from({ length: 100 }, (_, i) => i / 7)),
      T(...Array.from({ length: 12 }, (_, i): [LuaValue, LuaValue] => [i + 1, i]), ['x', 1]), T([0.1, 'k'], [1e15, 'v'], [-0, 'z']),
    ];
    for (const v of vals) cases.push(call('cjson', 'encode', v));
    for (const [d, arr] of [[998, true], [999, true], [1000, true], [999, false], [1000, false]] as const) {
      cases.push({
        lua: `local t = {1} for i = 1, ${d} do t = ${arr ? '{t}' : '{a=t}'} end return cjson.encode(t)`,
        js: () => fn(LIBS.cjson, 'encode')(nest(d, arr)),
      });
    }
    cases.push(call('cjson', 'encode'), call('cjson', 'encode', 1, 2));
    cases.push({ lua: 'return cjson.encode({f=tostring})', js: () => fn(LIBS.cjson, 'encode')(T(['f', nativeFunction('print', () => [])])) });
    await check(cases);
  });

  it('decode of valid and invalid documents', async () => {
    const docs = ['1', '-1', '0', '-0', '1.5', '1e5', '1E+2', '1e-2', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.1', '01', '-01', '0x10', '-0x10',
      '0X1p3', '+1', '+', '-', '.5', '5.', '1.5e', 'inf', '-inf', 'Infinity', '-Infinity', 'nan', 'NaN', '-nan', 'nan(123)', 'infinit', 'Inf', 'true', 'false', 'null',
      'nul', 'tru', 'True', 'NULL', '"abc"', '""', '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '"\\u0041"', '"\\u00e9"', '"\\u20ac"', '"\\ud83d\\ude00"', '"\\ud83d"', '"\\ude00"',
      '"\\ud83dx"', '"\\ud83d\\u0041"', '"\\u12"', '"\\u12g4"', '"\\x"', '"\\u0000"', '"abc', '"a\nb"', '"a\0b"', '[]', '{}', '[1,2,3]', '[1,[2,[3]]]', '[1,]', '[,1]', '[1 2]',
      '{"a":1,"b":[true,false,null],"c":{"d":"e"}}', '{"a":1,}', '{"a" 1}', '{a:1}', '{1:2}', '{"a":1 "b":2}', '{"a":}', '{"a":1,"a":2}', '{"b":1,"a":2,"c":3,"d":4,"e":5}',
      '[null,null]', '[1,null,3]', '  [ 1 , 2 ]  ', '\t\r\n1\n', '', ' ', '[1]x', '[1] x', '[1]\0garbage', '1 2', 'x', '[', '{', ']', '}', ':', ',', '"\\', '[1,2',
      '{"a"', '{"a":', '\0\0', 'a\0', '[' .repeat(999) + ']'.repeat(999), '['.repeat(1000) + ']'.repeat(1000), '['.repeat(1001) + ']'.repeat(1001), '{"a":'.repeat(1001) + '1' + '}'.repeat(1001),
      '[1e309, -1e309, 4.9e-324, 2.2250738585072011e-308]', '[0.30000000000000004, 1.7976931348623157e308, 9007199254740993]', '\xef\xbb\xbf1', '"\xc3\xa9"', '[1,2]]'];
    const cases = docs.map((d) => call('cjson', 'decode', d));
    cases.push(call('cjson', 'decode'), call('cjson', 'decode', 12), call('cjson', 'decode', T()), call('cjson', 'decode', '1', 2));
    cases.push({ lua: `return cjson.decode('[1,2,{"a":null}]')[3].a == cjson.null`, js: () => [(((fn(LIBS.cjson, 'decode')('[1,2,{"a":null}]')[0] as LuaTable).get(3) as LuaTable).get('a') === CJSON_NULL)] });
    await check(cases);
  });

  it('round trips of generated JSON values', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const docs = fc.sample(json, 300).map((v) => JSON.stringify(v));
    const cases: Case[] = [];
    for (const d of docs) {
      const bin = Buffer.from(d, 'utf8').toString('latin1');
      cases.push(call('cjson', 'decode', bin));
      cases.push({ lua: `return cjson.encode(cjson.decode(${lit(bin)}))`, js: () => fn(LIBS.cjson, 'encode')(...fn(LIBS.cjson, 'decode')(bin)) });
    }
    await check(cases);
  });

  it('configuration functions (on cjson.new() tables)', async () => {
    // Each case: Lua statements on `c` (a cjson.new() table) and the same calls on ours.
    type Step = [string, LuaValue[]];
    const seqs: Step[][] = [
      [['encode_sparse_array', []]], [['encode_sparse_array', [true]], ['encode', [T([20, 1])]]], [['encode_sparse_array', [true, 0]], ['encode', [T([20, 1])]]],
      [['encode_sparse_array', [false, 0]], ['encode', [T([20, 1])]]], [['encode_sparse_array', [false, 1, 1]], ['encode', [T([3, 1])]]],
      [['encode_sparse_array', [false, 2, 0]], ['encode', [T([3, 1])]]], [['encode_sparse_array', ['on']]], [['encode_sparse_array', ['x']]], [['encode_sparse_array', [true, -1]]],
      [['encode_sparse_array', [true, 1, -1]]], [['encode_sparse_array', [true, 1, 2, 3]]], [['encode_sparse_array', [1]]], [['encode_sparse_array', [true, 'x']]],
      [['encode_sparse_array', [undefined, 5]], ['encode_sparse_array', []]], [['encode_sparse_array', [true, 2 ** 32 + 3]]], [['encode_sparse_array', [T()]]],
      [['encode_max_depth', []]], [['encode_max_depth', [0]]], [['encode_max_depth', [2]], ['encode', [T(T(1))]]], [['encode_max_depth', [2]], ['encode', [T(T(T(1)))]]],
      [['encode_max_depth', [1, 2]]], [['encode_max_depth', ['3']]], [['encode_max_depth', [2.9]]], [['encode_max_depth', [-1]]], [['encode_max_depth', [NaN]]],
      [['decode_max_depth', []]], [['decode_max_depth', [2]], ['decode', ['[[1]]']]], [['decode_max_depth', [2]], ['decode', ['[[[1]]]']]], [['decode_max_depth', [1]], ['decode', ['{"a":{}}']]],
      [['encode_number_precision', []]], [['encode_number_precision', [3]], ['encode', [T(1 / 3, 1234567, 0.0001234)]]], [['encode_number_precision', [1]], ['encode', [95]]],
      [['encode_number_precision', [15]]], [['encode_number_precision', [0]]], [['encode_number_precision', ['x']]],
      [['encode_keep_buffer', []]], [['encode_keep_buffer', [false]]], [['encode_keep_buffer', ['on']]], [['encode_keep_buffer', ['off']], ['encode', [T(1)]]], [['encode_keep_buffer', [1]]],
      [['encode_invalid_numbers', []]], [['encode_invalid_numbers', [true]], ['encode', [T(Infinity, -Infinity)]]], [['encode_invalid_numbers', ['null']], ['encode', [T(Infinity, -Infinity)]]],
      [['encode_invalid_numbers', ['on']], ['encode', [T([Infinity, 1])]]], [['encode_invalid_numbers', [true]], ['encode', [T(NaN, -NaN, T(['k', NaN]))]]],
      [['encode_invalid_numbers', ['null']], ['encode', [T(NaN, 1)]]], [['encode_invalid_numbers', ['bogus']]], [['encode_invalid_numbers', [false]], ['encode', [Infinity]]],
      [['decode_invalid_numbers', []]], [['decode_invalid_numbers', [false]], ['decode', ['NaN']]], [['decode_invalid_numbers', [false]], ['decode', ['0x10']]],
      [['decode_invalid_numbers', [false]], ['decode', ['+1']]], [['decode_invalid_numbers', [false]], ['decode', ['01']]], [['decode_invalid_numbers', [false]], ['decode', ['-inf']]],
      [['decode_invalid_numbers', [false]], ['decode', ['[1, 2.5e3, -0.5]']]], [['decode_invalid_numbers', ['off']], ['decode', ['Infinity']]], [['decode_invalid_numbers', ['maybe']]],
    ];
    const cases: Case[] = seqs.map((steps) => ({
      lua: 'local c = cjson.new() ' + steps.map(([f, a], i) => `${i === steps.length - 1 ? 'return' : ''} c.${f}(${a.map(lit).join(', ')})`).join(' '),
      js: () => {
        const c = openCjson();
        let r: LuaValue[] = [];
        for (const [f, a] of steps) r = fn(c, f)(...a);
        return r;
      },
    }));
    // nesting past the C stack limit (LUAI_MAXCSTACK) once the depth limits are raised
    for (const [kind, d] of [['arr', 7997], ['arr', 7998], ['arr', 9000], ['obj', 3999], ['obj', 4000], ['obj', 5000]] as const) {
      cases.push({
        lua: `local c = cjson.new() c.encode_max_depth(100000) local t = {1} for i = 1, ${d} do t = ${kind === 'arr' ? '{t}' : '{a=t}'} end return #c.encode(t)`,
        js: () => {
          const c = openCjson();
          fn(c, 'encode_max_depth')(100000);
          let t = T(1);
          for (let i = 0; i < d; i++) t = kind === 'arr' ? T(t) : T(['a', t]);
          return [(fn(c, 'encode')(t)[0] as string).length];
        },
      });
      const doc = kind === 'arr' ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d);
      cases.push({
        lua: `local c = cjson.new() c.decode_max_depth(100000) return type(c.decode(${lit(doc)}))`,
        js: () => {
          const c = openCjson();
          fn(c, 'decode_max_depth')(100000);
          return [typeof fn(c, 'decode')(doc)[0] === 'object' ? 'table' : '?'];
        },
      });
    }
    cases.push(call('bit', 'tohex', 1, -(2 ** 31)));
    cases.push({ lua: 'return cjson.new().null == cjson.null, cjson.new()._VERSION, cjson._NAME', js: () => [openCjson().get('null') === LIBS.cjson.get('null'), '2.1.0', 'cjson'] });
    await check(cases);
  });
});

describe('library tables', () => {
  it('have the keys, values and next() order of Redis', async () => {
    const cases: Case[] = [];
    for (const lib of ['cjson', 'cmsgpack', 'bit', 'struct'] as const) {
      cases.push({
        lua: `local r = {} local k, v = next(${lib}) while k ~= nil do r[#r+1] = k .. '=' .. (type(v) == 'string' and v or type(v)) k, v = next(${lib}, k) end return table.concat(r, ',')`,
        js: () => {
          const t = freshLibs()[lib];
          const r: string[] = [];
          let e = t.next(undefined);
          while (e) {
            r.push(`${String(e[0])}=${typeof e[1] === 'string' ? e[1] : e[1] instanceof LuaFunction ? 'function' : 'userdata'}`);
            e = t.next(e[0]);
          }
          return [r.join(',')];
        },
      });
    }
    await check(cases);
  });
});

describe('fuzzed inputs vs redis-server', () => {
  it('random bytes to cmsgpack.unpack / unpack_limit and cjson.decode, random formats to struct', async () => {
    const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => String.fromCharCode(...a));
    const msgpackish = fc.array(fc.oneof(fc.constantFrom(0x90, 0x91, 0x92, 0x81, 0x82, 0xc0, 0xc2, 0xc3, 0xcc, 0xcd, 0xd0, 0xd1, 0xd2, 0xca, 0xcb, 0xa1, 0xa2, 0xd9, 0xdc, 0xde, 0x7f, 0xff, 0xe0),
      fc.integer({ min: 0, max: 255 })), { maxLength: 30 }).map((a) => String.fromCharCode(...a));
    const jsonish = fc.array(fc.constantFrom('[', ']', '{', '}', ',', ':', '"', '\\', 'u', 'd83d', 'de00', '1', '-', '.', 'e', '0', 'x', 'true', 'null', 'nan', 'inf', ' ', 'a', '\0', 'é'),
      { maxLength: 20 }).map((a) => a.join(''));
    const fmt = fc.array(fc.constantFrom('b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i3', 'I5', 'c', 'c0', 'c2', 's', 'f', 'd', 'x', '<', '>', '!', '!2', '!4', ' ', '1', 'z'),
      { maxLength: 6 }).map((a) => a.join(''));
    const cases: Case[] = [];
    for (const b of fc.sample(fc.oneof(bytes, msgpackish), 600)) {
      cases.push({ ...call('cmsgpack', 'unpack', b), fuzz: true }, { ...call('cmsgpack', 'unpack_limit', b, 2, 1), fuzz: true });
    }
    for (const j of fc.sample(fc.oneof(jsonish, bytes), 600)) cases.push(call('cjson', 'decode', j));
    for (const [f, d] of fc.sample(fc.tuple(fmt, bytes), 400)) cases.push(call('struct', 'unpack', f, d), call('struct', 'size', f));
    for (const [f, a, b] of fc.sample(fc.tuple(fmt, fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.string({ maxLength: 5 })), fc.oneof(fc.integer({ min: -5, max: 300 }), fc.string({ maxLength: 5 }))), 400)) {
      cases.push(call('struct', 'pack', f, a, b, a, b, a, b));
    }
    await check(cases);
  });

  it('random tables to cjson.encode', async () => {
    const leaf = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(CJSON_NULL));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ maxDepth: 4 }, leaf,
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -2, max: 30 }), fc.string({ maxLength: 4 }), fc.constantFrom(0.5, 1e20)), tie('node')), { maxLength: 8 }).map((kv) => {
          const seen = new Set<LuaValue>();
          return T(...(kv as [LuaValue, LuaValue][]).filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))));
        })),
    })).node;
    const cases = fc.sample(tree, 500).map((v) => call('cjson', 'encode', v as LuaValue));
    await check(cases);
  });
});

describe('engine-only chunks vs redis-server', () => {
  it('NaN signs (0/0 is -nan on x86) through cmsgpack, struct, cjson and string.format', async () => {
    const chunks = [
      'local z = 0 return cmsgpack.pack(z/z, -(z/z), 0/0, -(0/0))', "local z = 0 return struct.pack('>d<d>f', z/z, -(z/z), z/z)",
      'local z = 0 local c = cjson.new() c.encode_invalid_numbers(true) return c.encode({z/z, -(z/z), 1/z, -1/z})',
      "local z = 0 return string.format('%f %e %g %5.1f %d %x', z/z, -(z/z), z/z, -(z/z), z/z, z/z)", 'local z = 0 return tostring(z/z) .. tostring(-(z/z))',
      "local z = 0 return bit.tobit(z/z), bit.tohex(z/z)", "local z = 0 return cmsgpack.unpack(cmsgpack.pack(z/z)) ~= cmsgpack.unpack(cmsgpack.pack(z/z))",
      "local z = 0 return tostring(struct.unpack('d', struct.pack('d', z/z)))", "return tostring(cmsgpack.unpack('\\203\\255\\248\\0\\0\\0\\0\\0\\0'))",
      "return tostring(cmsgpack.unpack('\\202\\255\\192\\0\\0'))",
    ];
    const theirs = await redisRun(client, chunks);
    const mine = chunks.map((c) => engine(c));
    expect(mine.map((m, i) => [chunks[i], m])).toEqual(theirs.map((t, i) => [chunks[i], t]));
  });
});

describe('through our Lua engine', () => {
  it('every chunk above gives the same result as in redis-server', () => {
    expect(engineBad).toEqual([]);
  });
});
