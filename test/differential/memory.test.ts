/**
 * MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP against
 * redis-server 7.0.15. MEMORY USAGE must give Redis's number for the same data
 * in every common encoding (strings int/embstr/raw, quicklist, intset,
 * listpack hashes and sorted sets, hashtable sets and hashes), with the default
 * sampling and SAMPLES 0. Hashtables are read once per member after they are
 * built so Redis finishes its incremental rehash (the model assumes it did);
 * hashtable members share one allocation class so Redis's sampling order (its
 * hash seed) does not matter. Skip lists have random levels in Redis: checked
 * within the spread of levels, not byte for byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
});

const range = <T extends string | string[]>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const pad = (i: number, w: number) => String(i).padStart(w, 'x');

/** Commands that build one key, then MEMORY USAGE with default samples, SAMPLES 1 and SAMPLES 0. */
function usageSteps(key: string, build: Cmd[], settle: Cmd[] = []): Cmd[] {
  return [...build, ...settle, ['OBJECT', 'ENCODING', key], ['MEMORY', 'USAGE', key], ['MEMORY', 'USAGE', key, 'SAMPLES', '1'], ['MEMORY', 'USAGE', key, 'SAMPLES', '0']];
}

const cases: Array<[string, Cmd[], Cmd[]?]> = [
  ['int', [['SET', 'k', '12345']]],
  ['shared int', [['SET', 'k', '7']]],
  ['negative int', [['SET', 'k', '-9223372036854775808']]],
  ['not a long', [['SET', 'k', '9223372036854775808']]],
  ['empty', [['SET', 'k', '']]],
  ['embstr 3', [['SET', 'k', 'abc']]],
  ['embstr 20', [['SET', 'k', 'a'.repeat(20)]]],
  ['embstr 44', [['SET', 'k', 'a'.repeat(44)]]],
  ['raw 45', [['SET', 'k', 'a'.repeat(45)]]],
  ['raw 300', [['SET', 'k', 'b'.repeat(300)]]],
  ['raw 5000', [['SET', 'k', 'b'.repeat(5000)]]],
  ['long key', [['SET', 'k'.repeat(40), 'v']]],
  ['float', [['SET', 'k', '3.14']]],
  ['list small', [['RPUSH', 'k', 'a', 'b', 'c']]],
  ['list ints', [['RPUSH', 'k', '1', '200', '-5000', '70000', '9000000000', '-1']]],
  ['list 1000', [['RPUSH', 'k', ...range(1000, (i) => `el${i}`)]]],
  ['list 2000 of 100 bytes', [['RPUSH', 'k', ...range(2000, (i) => pad(i, 100))]]],
  ['list lpush', [['LPUSH', 'k', ...range(30, (i) => `member:${i}`)]]],
  ['list big elements', [['RPUSH', 'k', ...range(20, (i) => pad(i, 5000))]]],
  ['list fill 5', [['CONFIG', 'SET', 'list-max-listpack-size', '5'], ['RPUSH', 'k', ...range(23, (i) => `e${i}`)]]],
  ['list fill -1', [['CONFIG', 'SET', 'list-max-listpack-size', '-1'], ['RPUSH', 'k', ...range(1500, (i) => `e${i}`)]]],
  ['intset 16', [['SADD', 'k', '1', '2', '3', '-100']]],
  ['intset 32', [['SADD', 'k', '1', '100000']]],
  ['intset 64', [['SADD', 'k', '1', '10000000000', ...range(100, (i) => String(i * 7))]]],
  ['set 1', [['SADD', 'k', 'a']]],
  ['set 3', [['SADD', 'k', 'a', 'b', 'c']]],
  ['set 100', [['SADD', 'k', ...range(100, (i) => `m${pad(i, 3)}`)]], [['SMISMEMBER', 'k', ...range(100, (i) => `m${pad(i, 3)}`)]]],
  ['set from intset', [['SADD', 'k', ...range(600, (i) => String(i))]], [['SMISMEMBER', 'k', ...range(600, (i) => String(i))]]],
  ['hash small', [['HSET', 'k', 'a', '1', 'field', 'value']]],
  ['hash 128', [['HSET', 'k', ...range(128, (i) => [`f${i}`, `${i}`]).flat()]]],
  ['hash table', [['HSET', 'k', ...range(200, (i) => [`f${pad(i, 4)}`, `v${pad(i, 10)}`]).flat()]], [['HMGET', 'k', ...range(200, (i) => `f${pad(i, 4)}`)]]],
  ['hash long value', [['HSET', 'k', 'a', 'x'.repeat(100)]]],
  ['zset small', [['ZADD', 'k', '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'd']]],
  ['zset 128', [['ZADD', 'k', ...range(128, (i) => [String(i / 3), `m${i}`]).flat()]]],
];

describe('MEMORY USAGE', () => {
  for (const proto of [2, 3] as const) {
    for (const [name, build, settle] of cases) {
      it(`${name} (RESP${proto})`, async () => {
        const { r, k } = await pair.clients(proto);
        const key = (build.at(-1) as string[])[1];
        await expectSame(r, k, [['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ...usageSteps(key, build, settle)]);
        r.close();
        k.close();
      });
    }
  }

  it('missing keys, SAMPLES parsing and errors', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['MEMORY', 'USAGE', 'nokey'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', 'x'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES'],
      ['MEMORY', 'USAGE', 'nokey', 'foo'],
      ['MEMORY', 'USAGE'],
      ['SET', 'k', 'v'],
      ['MEMORY', 'USAGE', 'k', 'samples', '3', 'SAMPLES', '9223372036854775807'],
      ['MEMORY', 'USAGE', 'k', 'SAMPLES', '99999999999999999999'],
      ['MEMORY', 'FOO'],
      ['MEMORY'],
      ['MEMORY', 'HELP'],
      ['MEMORY', 'HELP', 'x'],
      ['MEMORY', 'PURGE'],
      ['MEMORY', 'STATS', 'x'],
      ['MEMORY', 'DOCTOR', 'x'],
    ]);
  });

  it('skip lists: within the spread of Redis random levels', async () => {
    const { r, k } = await pair.clients(2);
    const add: Cmd = ['ZADD', 'z', ...range(300, (i) => [String(i), `member${pad(i, 5)}`]).flat()];
    await expectSame(r, k, [add, ['OBJECT', 'ENCODING', 'z'], ['ZMSCORE', 'z', ...range(300, (i) => `member${pad(i, 5)}`)]]);
    for (const samples of ['5', '0']) {
      const a = Number((decode(await r.call('MEMORY', 'USAGE', 'z', 'SAMPLES', samples)) as { int: string }).int);
      const b = Number((decode(await k.call('MEMORY', 'USAGE', 'z', 'SAMPLES', samples)) as { int: string }).int);
      // Each node is 48 bytes at level 1, 64 at level 2, 80 at 3...: RedKit counts level 1.
      expect(b).toBeLessThanOrEqual(a);
      expect(a - b).toBeLessThanOrEqual(300 * 48);
    }
  });
});

describe('MEMORY STATS, DOCTOR, MALLOC-STATS and INFO memory', () => {
  const fields = (bytes: string): string[] => {
    const v = decode(bytes) as unknown[] | { map: unknown[] };
    const flat = Array.isArray(v) ? v : v.map;
    return flat.filter((_, i) => i % 2 === 0) as string[];
  };
  for (const proto of [2, 3] as const) {
    it(`MEMORY STATS has Redis's fields and types (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [['SET', 'a', '1'], ['SELECT', '3'], ['SET', 'b', '2'], ['EXPIRE', 'b', '100']]);
      const a = await r.call('MEMORY', 'STATS');
      const b = await k.call('MEMORY', 'STATS');
      expect(fields(b)).toEqual(fields(a));
      // Same reply type for each field (integer, double, nested map).
      const types = (bytes: string) => {
        const v = decode(bytes) as unknown[] | { map: unknown[] };
        const flat = Array.isArray(v) ? v : v.map;
        return flat.filter((_, i) => i % 2 === 1).map((x) => (Array.isArray(x) ? 'array' : typeof x === 'object' && x ? Object.keys(x)[0] : typeof x));
      };
      expect(types(b)).toEqual(types(a));
      const db3 = (bytes: string) => {
        const v = decode(bytes) as unknown[] | { map: unknown[] };
        const flat = Array.isArray(v) ? v : v.map;
        return flat[flat.indexOf('db.3') + 1];
      };
      // The hashtable overheads follow Redis's formula exactly.
      expect(db3(b)).toEqual(db3(a));
      r.close();
      k.close();
    });
  }

  it('DOCTOR on an almost empty instance, MALLOC-STATS is a string', async () => {
    const { r, k } = await pair.clients(3);
    await expectSame(r, k, [['MEMORY', 'DOCTOR']]);
    expect(decode(await k.call('MEMORY', 'MALLOC-STATS'))).toEqual(expect.any(String));
  });

  it('used_memory and MEMORY STATS follow the keyspace: deleting keys lowers them', async () => {
    const { k } = await pair.clients(2);
    const info = async () => {
      const text = decode(await k.call('INFO', 'memory')) as string;
      const get = (f: string) => Number(/\r\n/.test(text) ? text.split('\r\n').find((l) => l.startsWith(f + ':'))!.split(':')[1] : NaN);
      return { used: get('used_memory'), dataset: get('used_memory_dataset'), overhead: get('used_memory_overhead'), startup: get('used_memory_startup') };
    };
    const empty = await info();
    expect(empty.used).toBe(empty.overhead + empty.dataset);
    await k.call('SET', 'big', 'x'.repeat(10000));
    await k.call('RPUSH', 'list', ...range(1000, (i) => `e${i}`));
    const full = await info();
    const usage = Number((decode(await k.call('MEMORY', 'USAGE', 'big')) as { int: string }).int);
    expect(full.used - empty.used).toBeGreaterThanOrEqual(usage);
    expect(full.used).toBe(full.overhead + full.dataset);
    await k.call('DEL', 'big');
    const less = await info();
    expect(less.used).toBeLessThan(full.used);
    expect(full.used - less.used).toBe(usage + 0);
    await k.call('FLUSHALL');
    expect((await info()).used).toBe(empty.used);
    const stats = decode(await k.call('MEMORY', 'STATS')) as unknown[];
    expect(stats[stats.indexOf('total.allocated') + 1]).toEqual({ int: String(empty.used) });
    expect(Number((stats[stats.indexOf('peak.allocated') + 1] as { int: string }).int)).toBeGreaterThanOrEqual(full.used);
  });
});
