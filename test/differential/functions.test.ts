/**
 * FUNCTION * and FCALL against redis-server 7.0.15 (RESP2 and RESP3): library
 * metadata, redis.register_function (positional and table forms, flags), every
 * load error, FCALL/FCALL_RO, FUNCTION LIST/STATS/DELETE/FLUSH, and FUNCTION
 * DUMP/RESTORE payloads both ways (what one server dumps, the other restores).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, norm, startPair, untilBothBusy, type Cmd, type Pair, type Step } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair({ redkit: { redisVersion: '7.0.15' } });
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const c = await pair.clients(2);
  await expectSame(c.r, c.k, [['FUNCTION', 'FLUSH']]);
});

const PROTOS = [2, 3] as const;
const lib = (name: string, body: string) => `#!lua name=${name}\n${body}`;

const LOAD_ERRORS = [
  'return 1', '#!lua\nreturn 1', '#!lua name=a b=c\nreturn 1', '#!lua name=a-b\nreturn 1', '#!luax name=a\nreturn 1', '#!lua name=a',
  '#!lua name=\nreturn 1', '#!lua NAME=a\nreturn 1', '#!LUA name=a\nreturn 1',
  lib('a', 'return 1'), lib('a', 'return ('), lib('a', 'error("x")'), lib('a', 'redis.call("ping")'), lib('a', 'return x'), lib('a', 'x = 1'),
  lib('a', 'redis.register_function("f")'), lib('a', 'redis.register_function("f", 1)'), lib('a', 'redis.register_function("f-x", function() end)'),
  lib('a', 'redis.register_function("", function() end)'),
  lib('a', 'redis.register_function{function_name="f", callback=function() end, flags={"bad"}}'),
  lib('a', 'redis.register_function{function_name="f", callback=function() end, flags="no-writes"}'),
  lib('a', 'redis.register_function{function_name="f", callback=function() end, x=1}'),
  lib('a', 'redis.register_function{callback=function() end}'), lib('a', 'redis.register_function{function_name="f"}'),
  lib('a', 'redis.register_function{function_name=1, callback=function() end, [1]=2}'),
  lib('a', 'redis.register_function{function_name={}, callback=function() end}'),
  lib('a', 'redis.register_function{function_name="f", callback=1}'),
  lib('a', 'redis.register_function{function_name="f", callback=function() end, description=1}'),
  lib('a', 'redis.register_function{function_name="f", callback=function() end, description={}}'),
  lib('a', 'redis.register_function("f", function() end) redis.register_function("F", function() end)'),
  lib('a', 'redis.register_function("f", function() end, 1)'), lib('a', 'redis.register_function({}, function() end)'),
  lib('a', 'redis.register_function()'), lib('a', 'redis.register_function(1)'),
  lib('a', 'local t = string'), lib('a', 'local t = redis.setresp'), lib('a', 'local t = KEYS'), lib('a', 'local t = _G'),
];

describe('FUNCTION LOAD errors', () => {
  for (const proto of PROTOS) {
    it(`RESP${proto}`, async () => {
      const c = await pair.clients(proto);
      for (const code of LOAD_ERRORS) await expectSame(c.r, c.k, [['FUNCTION', 'LOAD', code], ['FUNCTION', 'FLUSH']]);
      await expectSame(c.r, c.k, [
        ['FUNCTION', 'LOAD'],
        ['FUNCTION', 'LOAD', 'REPLACE'],
        ['FUNCTION', 'LOAD', 'x', lib('a', 'redis.register_function("f", function() end)')],
        ['FUNCTION', 'LOAD', lib('a', 'redis.log(redis.LOG_DEBUG, "x", redis.REDIS_VERSION_NUM) redis.register_function("f", function() end)')],
        ['FUNCTION', 'LOAD', lib('a', 'redis.register_function("g", function() end)')],
        ['FUNCTION', 'LOAD', lib('b', 'redis.register_function("f", function() end)')],
        ['FUNCTION', 'LOAD', lib('b', 'redis.register_function("F", function() end)')],
        ['FUNCTION', 'LOAD', 'REPLACE', lib('a', 'redis.register_function("g", function() return 2 end)')],
        ['FCALL', 'g', '0'],
        ['FCALL', 'f', '0'],
        ['FUNCTION', 'LOAD', 'REPLACE', lib('b', 'redis.register_function("g", function() end)')],
      ]);
    });
  }
});

const MAIN = lib(
  'mylib',
  [
    "redis.register_function('echo', function(keys, args) return {keys, args} end)",
    "redis.register_function('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)",
    "redis.register_function{function_name='get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}",
    "redis.register_function{function_name='rw', callback=function(keys) return redis.pcall('set', keys[1], 'x') end, flags={'no-writes', 'allow-oom'}}",
    "redis.register_function('globals', function() return {type(KEYS), type(redis.register_function), type(redis.call)} end)",
    "redis.register_function('err', function()\n  error('boom')\nend)",
    "redis.register_function('nonexistent', function() return nope end)",
    "redis.register_function('modify', function() y = 1 end)",
    "redis.register_function('errtab', function() return redis.call('nosuch') end)",
    "redis.register_function('resp3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)",
    "local counter = 0\nredis.register_function('count', function() counter = counter + 1 return counter end)",
    "redis.register_function{function_name='allflags', callback=function() return 1 end, flags={'allow-stale', 'no-cluster', 'allow-cross-slot-keys', 'allow-oom', 'no-writes'}}",
  ].join('\n'),
);

describe('FCALL and FCALL_RO', () => {
  for (const proto of PROTOS) {
    it(`RESP${proto}`, async () => {
      const c = await pair.clients(proto);
      const steps: Cmd[] = [
        ['FUNCTION', 'LOAD', MAIN],
        ['FCALL', 'echo', '2', 'k1', 'k2', 'a1', 'a2'],
        ['FCALL', 'ECHO', '0'],
        ['FCALL', 'set', '1', 'k', 'v'],
        ['FCALL', 'get', '1', 'k'],
        ['FCALL_RO', 'get', '1', 'k'],
        ['FCALL_RO', 'set', '1', 'k', 'v'],
        ['FCALL', 'rw', '1', 'k'],
        ['FCALL_RO', 'rw', '1', 'k'],
        ['FCALL', 'globals', '0'],
        ['FCALL', 'err', '0'],
        ['FCALL', 'nonexistent', '0'],
        ['FCALL', 'modify', '0'],
        ['FCALL', 'errtab', '0'],
        ['HSET', 'h', 'a', '1'],
        ['FCALL', 'resp3', '0'],
        ['FCALL', 'count', '0'],
        ['FCALL', 'count', '0'],
        ['FCALL_RO', 'allflags', '0'],
        ['FCALL', 'nosuch', '0'],
        ['FCALL', 'nosuch', 'x'],
        ['FCALL', 'echo', 'x'],
        ['FCALL', 'echo', '3', 'a'],
        ['FCALL', 'echo', '-1'],
        ['FCALL'],
        ['FCALL', 'echo'],
        ['FUNCTION', 'STATS'],
        ['FUNCTION', 'STATS', 'x'],
        ['FUNCTION', 'KILL'],
        ['FUNCTION', 'DELETE', 'nosuch'],
        ['FUNCTION', 'DELETE', 'mylib'],
        ['FCALL', 'echo', '0'],
        ['FUNCTION', 'STATS'],
        ['FUNCTION', 'FLUSH', 'x'],
        ['FUNCTION', 'FLUSH', 'ASYNC'],
        ['FUNCTION', 'FLUSH', 'sync'],
        ['FUNCTION', 'HELP'],
        ['FUNCTION', 'NOSUCH'],
      ];
      await expectSame(c.r, c.k, steps);
    });
  }
});

/** FUNCTION LIST: libraries and functions come in hash order on Redis: compare sorted. */
function listNorm(bytes: string): unknown {
  const v = decode(bytes);
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(canon).map((e) => JSON.stringify(e)).sort();
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if ('map' in o && Array.isArray(o.map)) {
        const pairs: string[] = [];
        for (let i = 0; i < o.map.length; i += 2) pairs.push(JSON.stringify([o.map[i], canon(o.map[i + 1])]));
        return { map: pairs.sort() };
      }
      if ('set' in o && Array.isArray(o.set)) return { set: (o.set as unknown[]).map(String).sort() };
    }
    return x;
  };
  // RESP2: maps are flat arrays; sorting every array level still compares contents
  return canon(v);
}

describe('FUNCTION LIST', () => {
  for (const proto of PROTOS) {
    it(`RESP${proto}`, async () => {
      const c = await pair.clients(proto);
      const L = (...a: string[]): Step => ({ cmd: ['FUNCTION', 'LIST', ...a], normalize: listNorm });
      await expectSame(c.r, c.k, [
        L(),
        ['FUNCTION', 'LOAD', MAIN],
        ['FUNCTION', 'LOAD', lib('other', "redis.register_function('o1', function() return 1 end)")],
        L(),
        L('WITHCODE'),
        L('LIBRARYNAME', 'my*'),
        L('libraryname', 'MY*'),
        L('LIBRARYNAME', 'nomatch'),
        L('LIBRARYNAME', 'other', 'WITHCODE'),
        ['FUNCTION', 'LIST', 'LIBRARYNAME'],
        ['FUNCTION', 'LIST', 'foo'],
        ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
      ]);
    });
  }
});

describe('FUNCTION DUMP / RESTORE', () => {
  it('payload bytes are the same, and each server restores the other one', async () => {
    const c = await pair.clients(2);
    await expectSame(c.r, c.k, [
      ['FUNCTION', 'DUMP'],
      ['FUNCTION', 'LOAD', lib('small', "redis.register_function('s', function() return 's' end)")],
      ['FUNCTION', 'DUMP'],
    ]);
    const small = decodeBulk(await c.r.call('FUNCTION', 'DUMP'));
    await expectSame(c.r, c.k, [['FUNCTION', 'LOAD', MAIN]]);
    // A dump of several libraries lists them in hash order on Redis: compare through restore.
    const rd = decodeBulk(await c.r.call('FUNCTION', 'DUMP'));
    const kd = decodeBulk(await c.k.call('FUNCTION', 'DUMP'));
    await expectSame(c.r, c.k, [['FUNCTION', 'FLUSH']]);
    const restoreBoth = async (payload: Buffer, extra: string[] = []) => {
      await expectSame(c.r, c.k, [['FUNCTION', 'RESTORE', payload, ...extra]]);
    };
    await restoreBoth(kd); // redkit's payload on both
    await expectSame(c.r, c.k, [{ cmd: ['FUNCTION', 'LIST', 'WITHCODE'], normalize: listNorm }, ['FCALL', 's', '0'], ['FCALL', 'echo', '1', 'a', 'b']]);
    await restoreBoth(small); // APPEND: collision
    await restoreBoth(small, ['APPEND']);
    await restoreBoth(small, ['REPLACE']);
    await restoreBoth(rd, ['REPLACE']);
    await expectSame(c.r, c.k, [['FUNCTION', 'DELETE', 'small']]);
    await restoreBoth(small, ['APPEND']);
    await restoreBoth(small, ['FLUSH']);
    await expectSame(c.r, c.k, [{ cmd: ['FUNCTION', 'LIST', 'WITHCODE'], normalize: listNorm }, ['FCALL', 'echo', '0']]);
    await restoreBoth(rd, ['FLUSH']);
    await expectSame(c.r, c.k, [{ cmd: ['FUNCTION', 'LIST', 'WITHCODE'], normalize: listNorm }]);
    await expectSame(c.r, c.k, [
      ['FUNCTION', 'RESTORE', 'abc'],
      ['FUNCTION', 'RESTORE', 'abc', 'x'],
      ['FUNCTION', 'RESTORE', rd.subarray(0, rd.length - 1)],
      ['FUNCTION', 'RESTORE', rd, 'FLUSH', 'x'],
    ]);
    // a DUMP payload of a key is not a function payload
    await expectSame(c.r, c.k, [['SET', 'k', 'v']]);
    await restoreBoth(decodeBulk(await c.r.call('DUMP', 'k')));
  });
});

function decodeBulk(s: string): Buffer {
  const nl = s.indexOf('\r\n');
  const n = Number(s.slice(1, nl));
  return Buffer.from(s.slice(nl + 2, nl + 2 + n), 'latin1');
}

describe('busy functions: FUNCTION KILL', () => {
  it('-BUSY names FUNCTION KILL; SCRIPT KILL does not kill a function', async () => {
    const a = await pair.clients(2);
    const b = await pair.clients(2);
    await expectSame(b.r, b.k, [
      ['FUNCTION', 'LOAD', lib('busy', "redis.register_function('spin', function()\n  while true do end\nend)")],
      ['CONFIG', 'SET', 'busy-reply-threshold', '50'],
    ]);
    const probe = await pair.clients(2);
    const pr = a.r.call('FCALL', 'spin', '0');
    const pk = a.k.call('FCALL', 'spin', '0');
    // b's commands go once both servers answer -BUSY: sent at once, one could be read before the FCALL
    await untilBothBusy(probe);
    await expectSame(b.r, b.k, [['PING'], ['SCRIPT', 'KILL'], { cmd: ['FUNCTION', 'STATS'], skip: true }, ['FUNCTION', 'KILL']]);
    const [rr, kr] = await Promise.all([pr, pk]);
    expect(kr).toBe(rr);
    await expectSame(b.r, b.k, [['PING'], ['FUNCTION', 'KILL'], ['CONFIG', 'SET', 'busy-reply-threshold', '5000']]);
  });
});
