/**
 * Set commands against redis-server 7.0.15, in RESP2 and RESP3.
 *
 * Replies are compared byte for byte wherever Redis's order is determined:
 * everything that walks an intset (SMEMBERS, SSCAN, SINTER/SUNION/SDIFF of
 * integers, SPOP/SRANDMEMBER returning a whole intset) comes out ascending.
 * Hashtable order is unspecified, so those replies are compared sorted
 * (norm.sorted). Random picks (SPOP, SRANDMEMBER) are compared by shape:
 * reply type, length, membership, distinctness.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RSet } from '../../src/store/types/set.js';
import { decode, expectSame, norm, startPair, type Cmd, type Pair, type RawClient, type Step } from '../support/differential.js';
import { rng, INT64_MAX, INT64_MIN, TOO_BIG } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  // Tests that change the intset limit put it back here (flush() only resets notifications).
  const { r, k } = await pair.clients(2);
  await expectSame(r, k, [['CONFIG', 'SET', 'set-max-intset-entries', '512']]);
  r.close();
  k.close();
});

const WRONG: Cmd = ['SET', 'str', 'x'];
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const TOO_SMALL = '-9223372036854775809';

const sorted = (cmd: Cmd): Step => ({ cmd, normalize: norm.sorted });
/** An SSCAN reply with its elements sorted (one call that returns the whole hashtable). */
const scanSorted = (cmd: Cmd): Step => ({
  cmd,
  normalize: (bytes) => {
    const v = decode(bytes);
    return Array.isArray(v) && Array.isArray(v[1]) ? [v[0], [...(v[1] as string[])].sort()] : v;
  },
});
const range = (from: number, to: number, f: (i: number) => string = String): string[] => {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(f(i));
  return out;
};

/** What OBJECT ENCODING says on redis-server equals the RedKit value's encoding(). */
async function expectEncoding(r: RawClient, key: string, expected?: string): Promise<void> {
  const enc = decode(await r.call('OBJECT', 'ENCODING', key));
  const v = pair.redkit.store.db(0).get(key);
  expect(v, `RedKit has a set at ${key}`).toBeInstanceOf(RSet);
  expect((v as RSet).encoding(), `OBJECT ENCODING ${key}`).toBe(enc);
  if (expected !== undefined) expect(enc).toBe(expected);
}

/**
 * Shape of a random reply: its RESP type, length, whether every element
 * belongs to `universe`, whether elements are distinct. Both servers must
 * agree on the shape (the picks themselves are random).
 */
function shape(universe: Iterable<string>) {
  const u = new Set(universe);
  return (bytes: string) => {
    const v = decode(bytes);
    if (v === null || typeof v === 'string') return { kind: v === null ? 'null' : 'bulk', member: v === null || u.has(v) };
    if (Array.isArray(v) || (typeof v === 'object' && 'set' in (v as object))) {
      const items = (Array.isArray(v) ? v : (v as { set: unknown[] }).set) as string[];
      return {
        kind: Array.isArray(v) ? 'array' : 'set',
        len: items.length,
        members: items.every((x) => typeof x === 'string' && u.has(x)),
        distinct: new Set(items).size === items.length,
      };
    }
    return v;
  };
}

/** Full SSCAN iteration on one server: every element returned, and the number of calls. */
async function scanAll(c: RawClient, key: string, opts: string[] = []): Promise<{ items: string[]; calls: number }> {
  let cursor = '0';
  const items: string[] = [];
  let calls = 0;
  do {
    const v = decode(await c.call('SSCAN', key, cursor, ...opts)) as [string, string[]];
    expect(Array.isArray(v) && v.length === 2, JSON.stringify(v)).toBe(true);
    cursor = v[0];
    items.push(...v[1]);
    calls++;
    if (calls > 100_000) throw new Error('SSCAN did not finish');
  } while (cursor !== '0');
  return { items, calls };
}

/** Read pub/sub messages on both subscribers until the sentinel channel, and compare. */
async function expectSameMessages(r: RawClient, k: RawClient, sentinel: string): Promise<string[]> {
  const readAll = async (c: RawClient) => {
    const out: string[] = [];
    for (;;) {
      const m = await c.read();
      out.push(m);
      if (m.includes(sentinel)) return out;
    }
  };
  const [a, b] = await Promise.all([readAll(r), readAll(k)]);
  expect(b).toEqual(a);
  return a;
}

describe.each([2, 3] as const)('sets (RESP%i)', (proto) => {
  it('SADD / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS on an intset (ascending, byte for byte)', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 's', '3', '1', '2', '-5', '10'],
      ['SADD', 's', '2', '3', '4'],
      ['SADD', 's', '4'],
      ['SMEMBERS', 's'],
      ['SCARD', 's'],
      ['TYPE', 's'],
      ['SISMEMBER', 's', '4'],
      ['SISMEMBER', 's', '04'],
      ['SISMEMBER', 's', '+4'],
      ['SISMEMBER', 's', 'x'],
      ['SMISMEMBER', 's', '1', '9', '-5', '', 'x'],
      ['SADD', 'b', INT64_MAX, INT64_MIN, '0', '-1', '1', '99', '-100', '1000000000000', '-1000000000000'],
      ['SMEMBERS', 'b'],
      ['SISMEMBER', 'b', INT64_MAX],
      ['SISMEMBER', 'b', INT64_MIN],
      ['SADD', 'z', '0'],
      ['SMEMBERS', 'z'],
      ['SMEMBERS', 'nokey'],
      ['SCARD', 'nokey'],
      ['SISMEMBER', 'nokey', 'a'],
      ['SMISMEMBER', 'nokey', 'a', 'b'],
      ['EXISTS', 'nokey'],
    ]);
    await expectEncoding(r, 's', 'intset');
    await expectEncoding(r, 'b', 'intset');
  });

  it('SADD of non-integers: hashtable, compared sorted', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'h', 'a', 'b', 'c', 'a'],
      ['SADD', 'h', 'c', 'd'],
      sorted(['SMEMBERS', 'h']),
      ['SCARD', 'h'],
      ['SISMEMBER', 'h', 'a'],
      ['SISMEMBER', 'h', 'A'],
      ['SMISMEMBER', 'h', 'a', 'z', 'd'],
      // Integers in non-canonical form are strings, not numbers.
      ['SADD', 'n', '1', '01', '+1', '-0', ' 1', '1 ', '1.0', TOO_BIG, TOO_SMALL, INT64_MAX, INT64_MIN],
      sorted(['SMEMBERS', 'n']),
      ['SCARD', 'n'],
      ['SISMEMBER', 'n', '01'],
      ['SISMEMBER', 'n', '1'],
      ['SISMEMBER', 'n', TOO_BIG],
      ['SADD', 'e', ''],
      ['SMEMBERS', 'e'],
      ['SISMEMBER', 'e', ''],
    ]);
    await expectEncoding(r, 'h', 'hashtable');
    await expectEncoding(r, 'n', 'hashtable');
    await expectEncoding(r, 'e', 'hashtable');
  });

  it('binary-safe members', async () => {
    const { r, k } = await pair.clients(proto);
    const bin = Buffer.from([0, 1, 0xff, 0xfe, 13, 10, 0x80]);
    const utf = Buffer.from('héllo ✓', 'utf8');
    await expectSame(r, k, [
      ['SADD', 'b', bin, utf, 'plain'],
      ['SADD', 'b', bin],
      sorted(['SMEMBERS', 'b']),
      ['SISMEMBER', 'b', bin],
      ['SISMEMBER', 'b', Buffer.from([0, 1, 0xff, 0xfe, 13, 10])],
      ['SMISMEMBER', 'b', utf, bin, 'x'],
      ['SREM', 'b', utf],
      sorted(['SMEMBERS', 'b']),
      scanSorted(['SSCAN', 'b', '0', 'COUNT', '100']),
      ['SMOVE', 'b', 'c', bin],
      ['SMEMBERS', 'c'],
    ]);
  });

  it('encoding: intset limits, conversions, CONFIG set-max-intset-entries', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'i512', ...range(0, 512)],
      ['SADD', 'i513', ...range(0, 513)],
      ['SADD', 'grow', ...range(0, 512)],
      ['SADD', 'mixed', '1', '2', 'x'],
      ['SADD', 'firststr', 'x', '1'],
      ['SADD', 'later', '1', '2'],
      ['SADD', 'later', 'a'],
      ['SREM', 'later', 'a'],
    ]);
    await expectEncoding(r, 'i512', 'intset');
    await expectEncoding(r, 'i513', 'hashtable');
    await expectEncoding(r, 'mixed', 'hashtable');
    await expectEncoding(r, 'firststr', 'hashtable');
    // One-way: back to integers only, still a hashtable.
    await expectEncoding(r, 'later', 'hashtable');
    await expectSame(r, k, [sorted(['SMEMBERS', 'later']), ['SADD', 'grow', '511'], ['SADD', 'grow', '-1']]);
    await expectEncoding(r, 'grow', 'hashtable');
    await expectSame(r, k, [['SREM', 'grow', ...range(0, 500)], sorted(['SMEMBERS', 'grow'])]);
    await expectEncoding(r, 'grow', 'hashtable');

    // A lower limit applies to the next addition; existing intsets stay until then.
    await expectSame(r, k, [
      ['SADD', 'small', '1', '2', '3', '4'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '3'],
      ['CONFIG', 'GET', 'set-max-intset-entries'],
      ['SADD', 'small', '4'],
      ['SMEMBERS', 'small'],
      ['SADD', 'three', '3', '1', '2'],
      ['SMEMBERS', 'three'],
    ]);
    await expectEncoding(r, 'small', 'intset');
    await expectEncoding(r, 'three', 'intset');
    await expectSame(r, k, [['SADD', 'small', '5'], ['SADD', 'three', '0']]);
    await expectEncoding(r, 'small', 'hashtable');
    await expectEncoding(r, 'three', 'hashtable');
    await expectSame(r, k, [['CONFIG', 'SET', 'set-max-intset-entries', '0'], ['SADD', 'zero', '1']]);
    await expectEncoding(r, 'zero', 'hashtable');
    await expectSame(r, k, [['CONFIG', 'SET', 'set-max-intset-entries', '512']]);
  });

  it('SREM', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 's', '1', '2', '3'],
      ['SREM', 's', '2', '2', '9'],
      ['SMEMBERS', 's'],
      ['SREM', 's', '01'],
      ['SREM', 's', 'x'],
      ['SREM', 's', '1', '3', '4'],
      ['EXISTS', 's'],
      ['SREM', 's', '1'],
      ['SREM', 'nokey', 'a'],
      ['SADD', 'h', 'a', 'b', 'c'],
      ['SREM', 'h', 'a', 'x'],
      sorted(['SMEMBERS', 'h']),
      ['SREM', 'h', 'b', 'c'],
      ['EXISTS', 'h'],
      ['TYPE', 'h'],
      ['SADD', 'i', '1'],
      ['SREM', 'i', '1', '1'],
      ['EXISTS', 'i'],
    ]);
  });

  it('wrong types and arity', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = [
      WRONG,
      ['LPUSH', 'list', 'a'],
      ['SADD', 'set', 'a', '1'],
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SCARD', 'str'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SMEMBERS', 'list'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '0'],
      ['SPOP', 'str', '2'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '0'],
      ['SRANDMEMBER', 'str', '-3'],
      ['SMOVE', 'str', 'set', 'a'],
      ['SMOVE', 'set', 'str', 'a'],
      ['SMOVE', 'set', 'str', 'nomember'],
      ['SMOVE', 'nokey', 'str', 'a'],
      ['SINTER', 'set', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SINTER', 'str', 'nokey'],
      ['SINTERSTORE', 'd', 'nokey', 'list'],
      ['SINTERCARD', '2', 'nokey', 'str'],
      ['SUNION', 'set', 'list'],
      ['SUNIONSTORE', 'd', 'nokey', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SDIFF', 'set', 'str'],
      ['SDIFFSTORE', 'd', 'set', 'str'],
      ['SSCAN', 'str', '0'],
      ['SSCAN', 'str', '0', 'COUNT', 'x'],
      ['SSCAN', 'str', 'x'],
      ['EXISTS', 'd'],
      ['GET', 'str'],
      ['SADD', 's'],
      ['SADD'],
      ['SREM', 's'],
      ['SCARD'],
      ['SCARD', 'a', 'b'],
      ['SISMEMBER', 's'],
      ['SISMEMBER', 's', 'a', 'b'],
      ['SMISMEMBER', 's'],
      ['SMEMBERS'],
      ['SMEMBERS', 'a', 'b'],
      ['SMOVE', 'a', 'b'],
      ['SMOVE', 'a', 'b', 'c', 'd'],
      ['SPOP'],
      ['SRANDMEMBER'],
      ['SINTER'],
      ['SINTERSTORE', 'd'],
      ['SINTERCARD', '1'],
      ['SINTERCARD'],
      ['SUNION'],
      ['SUNIONSTORE', 'd'],
      ['SDIFF'],
      ['SDIFFSTORE', 'd'],
      ['SSCAN', 's'],
    ];
    await expectSame(r, k, steps);
  });

  it('SMOVE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'a', '1', '2', '3'],
      ['SADD', 'b', '3', '4'],
      ['SMOVE', 'a', 'b', '1'],
      ['SMEMBERS', 'a'],
      ['SMEMBERS', 'b'],
      ['SMOVE', 'a', 'b', '3'],
      ['SMEMBERS', 'a'],
      ['SMEMBERS', 'b'],
      ['SMOVE', 'a', 'b', '9'],
      ['SMOVE', 'a', 'a', '2'],
      ['SMOVE', 'a', 'a', '9'],
      ['SMOVE', 'a', 'fresh', '2'],
      ['EXISTS', 'a'],
      ['SMEMBERS', 'fresh'],
      ['SMOVE', 'nokey', 'b', '1'],
      ['SMOVE', 'nokey', 'nokey', '1'],
      ['SADD', 'h', 'x', 'y'],
      ['SMOVE', 'h', 'b', 'x'],
      sorted(['SMEMBERS', 'b']),
      ['SMOVE', 'h', 'strset', 'y'],
      ['SMEMBERS', 'strset'],
      ['EXISTS', 'h'],
    ]);
    await expectEncoding(r, 'b', 'hashtable');
    await expectEncoding(r, 'fresh', 'intset');
    await expectEncoding(r, 'strset', 'hashtable');
    // SMOVE into an intset at the limit converts it.
    await expectSame(r, k, [
      ['CONFIG', 'SET', 'set-max-intset-entries', '2'],
      ['SADD', 'src', '7', '8'],
      ['SADD', 'full', '1', '2'],
      ['SMOVE', 'src', 'full', '7'],
      sorted(['SMEMBERS', 'full']),
    ]);
    await expectEncoding(r, 'full', 'hashtable');
    await expectEncoding(r, 'src', 'intset');
  });

  it('SPOP without count', async () => {
    const { r, k } = await pair.clients(proto);
    const members = ['a', 'b', 'c', '1', '2'];
    await expectSame(r, k, [
      ['SPOP', 'nokey'],
      ['SADD', 's', ...members],
      { cmd: ['SPOP', 's'], normalize: shape(members) },
      ['SCARD', 's'],
      { cmd: ['SPOP', 's'], normalize: shape(members) },
      { cmd: ['SPOP', 's'], normalize: shape(members) },
      { cmd: ['SPOP', 's'], normalize: shape(members) },
      { cmd: ['SPOP', 's'], normalize: shape(members) },
      ['EXISTS', 's'],
      ['SPOP', 's'],
      ['SADD', 'one', '42'],
      ['SPOP', 'one'],
      ['EXISTS', 'one'],
      ['SPOP', 's', '1', '2'],
      ['SPOP', 's', 'x', 'y'],
    ]);
  });

  it('SPOP with count', async () => {
    const { r, k } = await pair.clients(proto);
    const ints = range(-5, 15);
    const strs = range(0, 20, (i) => `m${i}`);
    await expectSame(r, k, [
      ['SPOP', 'nokey', '0'],
      ['SPOP', 'nokey', '3'],
      ['SPOP', 'nokey', '-1'],
      ['SADD', 'i', ...ints],
      ['SPOP', 'i', '-1'],
      ['SPOP', 'i', 'x'],
      ['SPOP', 'i', ''],
      ['SPOP', 'i', '1.5'],
      ['SPOP', 'i', '-0'],
      ['SPOP', 'i', '01'],
      ['SPOP', 'i', TOO_BIG],
      ['SPOP', 'i', INT64_MIN],
      ['SPOP', 'i', '0'],
      ['SCARD', 'i'],
      // Whole set: the intset in ascending order, then the key is gone.
      ['SPOP', 'i', '20'],
      ['EXISTS', 'i'],
      ['SADD', 'i', ...ints],
      ['SPOP', 'i', INT64_MAX],
      ['EXISTS', 'i'],
      ['SADD', 'h', ...strs],
      sorted(['SPOP', 'h', '100']),
      ['EXISTS', 'h'],
      // Fewer than all: random members, a set reply.
      ['SADD', 'i', ...ints],
      { cmd: ['SPOP', 'i', '1'], normalize: shape(ints) },
      { cmd: ['SPOP', 'i', '3'], normalize: shape(ints) },
      ['SCARD', 'i'],
      // Most of the set (the kept members are drawn instead).
      { cmd: ['SPOP', 'i', '15'], normalize: shape(ints) },
      ['SCARD', 'i'],
      ['SADD', 'h', ...strs],
      { cmd: ['SPOP', 'h', '2'], normalize: shape(strs) },
      { cmd: ['SPOP', 'h', '17'], normalize: shape(strs) },
      ['SCARD', 'h'],
      { cmd: ['SMEMBERS', 'h'], normalize: shape(strs) },
      { cmd: ['SPOP', 'h', '1'], normalize: shape(strs) },
      ['EXISTS', 'h'],
    ]);
    await expectEncoding(r, 'i', 'intset');
    // The whole of a hashtable holding few integers: Redis replies through
    // SUNION's temporary set, an intset, so ascending.
    await expectSame(r, k, [
      ['SADD', 'hi', ...range(0, 600, (i) => String((i * 7919) % 600))],
      ['SREM', 'hi', ...range(20, 600)],
      ['SPOP', 'hi', '20'],
      ['EXISTS', 'hi'],
    ]);
  });

  it('SPOP most of a big set: the kept members make a new set (encoding derived afresh)', async () => {
    const { r, k } = await pair.clients(proto);
    const ints = range(0, 600);
    const strs = range(0, 600, (i) => `s${i}`);
    await expectSame(r, k, [['SADD', 'i', ...ints], ['SADD', 'j', ...ints], ['SADD', 'h', ...strs], ['SADD', 'g', ...strs]]);
    await expectEncoding(r, 'i', 'hashtable');
    await expectSame(r, k, [
      { cmd: ['SPOP', 'i', '590'], normalize: shape(ints) },
      ['SCARD', 'i'],
      { cmd: ['SMEMBERS', 'i'], normalize: shape(ints) },
      // A few members only: the set is drawn from, not rebuilt.
      { cmd: ['SPOP', 'j', '10'], normalize: shape(ints) },
      ['SCARD', 'j'],
      { cmd: ['SPOP', 'h', '599'], normalize: shape(strs) },
      { cmd: ['SPOP', 'g', '100'], normalize: shape(strs) },
      ['SCARD', 'h'],
      ['SCARD', 'g'],
    ]);
    // Ten integers rebuilt into a new set: an intset again, ascending.
    await expectEncoding(r, 'i', 'intset');
    const mine = decode(await k.call('SMEMBERS', 'i')) as string[] | { set: string[] };
    const list = Array.isArray(mine) ? mine : mine.set;
    expect(list).toEqual([...list].sort((a, b) => Number(a) - Number(b)));
    await expectEncoding(r, 'j', 'hashtable');
    await expectEncoding(r, 'h', 'hashtable');
    await expectEncoding(r, 'g', 'hashtable');
  });

  it('SRANDMEMBER', async () => {
    const { r, k } = await pair.clients(proto);
    const ints = range(1, 11);
    const strs = range(0, 30, (i) => `m${i}`);
    await expectSame(r, k, [
      ['SRANDMEMBER', 'nokey'],
      ['SRANDMEMBER', 'nokey', '5'],
      ['SRANDMEMBER', 'nokey', '-5'],
      ['SRANDMEMBER', 'nokey', '0'],
      ['SRANDMEMBER', 'nokey', 'x'],
      ['SRANDMEMBER', 'nokey', INT64_MIN],
      ['SADD', 'i', ...ints],
      ['SRANDMEMBER', 'i', 'x'],
      ['SRANDMEMBER', 'i', ''],
      ['SRANDMEMBER', 'i', '-0'],
      ['SRANDMEMBER', 'i', '01'],
      ['SRANDMEMBER', 'i', '1.5'],
      ['SRANDMEMBER', 'i', TOO_BIG],
      ['SRANDMEMBER', 'i', TOO_SMALL],
      ['SRANDMEMBER', 'i', INT64_MIN],
      ['SRANDMEMBER', 'i', '0'],
      ['SRANDMEMBER', 'i', '1', '2'],
      // The whole set: intset order.
      ['SRANDMEMBER', 'i', '10'],
      ['SRANDMEMBER', 'i', '11'],
      ['SRANDMEMBER', 'i', INT64_MAX],
      { cmd: ['SRANDMEMBER', 'i'], normalize: shape(ints) },
      { cmd: ['SRANDMEMBER', 'i', '1'], normalize: shape(ints) },
      { cmd: ['SRANDMEMBER', 'i', '3'], normalize: shape(ints) },
      { cmd: ['SRANDMEMBER', 'i', '9'], normalize: shape(ints) },
      { cmd: ['SRANDMEMBER', 'i', '-1'], normalize: shape(ints) },
      { cmd: ['SRANDMEMBER', 'i', '-25'], normalize: (b) => ({ ...shape(ints)(b), distinct: undefined }) },
      ['SCARD', 'i'],
      ['SADD', 'h', ...strs],
      sorted(['SRANDMEMBER', 'h', '30']),
      sorted(['SRANDMEMBER', 'h', '1000']),
      { cmd: ['SRANDMEMBER', 'h'], normalize: shape(strs) },
      { cmd: ['SRANDMEMBER', 'h', '2'], normalize: shape(strs) },
      { cmd: ['SRANDMEMBER', 'h', '20'], normalize: shape(strs) },
      { cmd: ['SRANDMEMBER', 'h', '29'], normalize: shape(strs) },
      { cmd: ['SRANDMEMBER', 'h', '-100'], normalize: (b) => ({ ...shape(strs)(b), distinct: undefined }) },
      ['SADD', 'one', 'x'],
      ['SRANDMEMBER', 'one', '-3'],
      ['SRANDMEMBER', 'one', '3'],
      ['SCARD', 'h'],
    ]);
  });

  it('SRANDMEMBER negative counts repeat members (uniform enough over many picks)', async () => {
    const { k } = await pair.clients(proto);
    await k.call('SADD', 'h', 'a', 'b', 'c', 'd');
    await k.call('SADD', 'i', '1', '2', '3', '4');
    for (const key of ['h', 'i']) {
      const v = decode(await k.call('SRANDMEMBER', key, '-4000')) as string[];
      expect(v).toHaveLength(4000);
      const counts = new Map<string, number>();
      for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
      expect(counts.size).toBe(4);
      // Each member expected 1000 times; 700 is more than 10 standard deviations away.
      for (const n of counts.values()) expect(n).toBeGreaterThan(700);
    }
  });

  it('SINTER / SINTERSTORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'a', '1', '2', '3', '4', '5', '6'],
      ['SADD', 'b', '6', '4', '2', '8'],
      ['SADD', 'c', '2', '4', '6', '7', 'x'],
      ['SADD', 'h1', 'x', 'y', 'z', '2'],
      ['SADD', 'h2', 'y', 'z', 'w'],
      ['SINTER', 'a'],
      ['SINTER', 'a', 'b'],
      ['SINTER', 'b', 'a'],
      // The smallest set is walked: an intset gives ascending order.
      ['SINTER', 'c', 'a', 'b'],
      ['SINTER', 'a', 'a'],
      ['SINTER', 'a', 'b', 'a', 'b'],
      sorted(['SINTER', 'h1', 'h2']),
      ['SINTER', 'h1', 'a'],
      ['SINTER', 'a', 'nokey'],
      ['SINTER', 'nokey', 'a'],
      ['SINTER', 'nokey'],
      ['SINTER', 'a', 'h2'],
      ['SINTERSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['SINTERSTORE', 'd', 'h1', 'h2'],
      sorted(['SMEMBERS', 'd']),
      ['SINTERSTORE', 'd', 'a', 'nokey'],
      ['EXISTS', 'd'],
      ['SINTERSTORE', 'd', 'a', 'h2'],
      ['EXISTS', 'd'],
      ['SINTERSTORE', 'a', 'a', 'b'],
      ['SMEMBERS', 'a'],
      ['SINTERSTORE', 'self', 'b'],
      ['SMEMBERS', 'self'],
      // The destination's old value and TTL go, whatever its type.
      ['SET', 'str', 'x'],
      ['EXPIRE', 'str', '100'],
      ['SINTERSTORE', 'str', 'b', 'c'],
      ['TYPE', 'str'],
      ['TTL', 'str'],
      ['SMEMBERS', 'str'],
      ['SET', 'str2', 'x'],
      ['SINTERSTORE', 'str2', 'b', 'h2'],
      ['EXISTS', 'str2'],
    ]);
    await expectEncoding(r, 'str', 'intset');
    await expectSame(r, k, [['SADD', 'big1', ...range(0, 1200)], ['SADD', 'big2', ...range(300, 1500)], ['SINTERSTORE', 'bi', 'big1', 'big2'], ['SCARD', 'bi']]);
    await expectEncoding(r, 'bi', 'hashtable');
    await expectSame(r, k, [['SINTERSTORE', 'bi', 'big1', 'b'], ['SMEMBERS', 'bi']]);
    await expectEncoding(r, 'bi', 'intset');
    await expectSame(r, k, [sorted(['SINTER', 'big1', 'big2'])]);
  });

  it('SINTERCARD', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'a', '1', '2', '3', '4', '5'],
      ['SADD', 'b', '2', '3', '4', '5', '6'],
      ['SADD', 'h', 'x', 'y', '3', '4'],
      ['SINTERCARD', '1', 'a'],
      ['SINTERCARD', '2', 'a', 'b'],
      ['SINTERCARD', '3', 'a', 'b', 'h'],
      ['SINTERCARD', '2', 'a', 'a'],
      ['SINTERCARD', '2', 'a', 'nokey'],
      ['SINTERCARD', '1', 'nokey'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['SINTERCARD', '2', 'a', 'b', 'limit', '3'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '4'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '100'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', INT64_MAX],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1', 'LIMIT', '3'],
      ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['SINTERCARD', '1', 'a', 'LIMIT', TOO_BIG],
      ['SINTERCARD', '1', 'a', 'LIMIT', '-1', 'foo'],
      ['SINTERCARD', '1', 'a', 'LIMIT'],
      ['SINTERCARD', '1', 'a', 'LIMIT', '2', 'LIMIT'],
      ['SINTERCARD', '1', 'a', 'foo'],
      ['SINTERCARD', '1', 'a', 'b'],
      ['SINTERCARD', '0', 'a'],
      ['SINTERCARD', '-1', 'a'],
      ['SINTERCARD', 'x', 'a'],
      ['SINTERCARD', '01', 'a'],
      ['SINTERCARD', TOO_BIG, 'a'],
      ['SINTERCARD', INT64_MAX, 'a'],
      ['SINTERCARD', '3', 'a', 'b'],
      ['SINTERCARD', '2', 'a', 'LIMIT'],
      ['SINTERCARD', '2', 'nokey', 'a', 'LIMIT', '-1'],
    ]);
  });

  it('SUNION / SUNIONSTORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'a', '5', '3', '1'],
      ['SADD', 'b', '4', '2', '3', '-7'],
      ['SADD', 'h', 'x', 'y', '1'],
      ['SUNION', 'a'],
      ['SUNION', 'a', 'b'],
      ['SUNION', 'b', 'nokey', 'a'],
      ['SUNION', 'a', 'a'],
      ['SUNION', 'nokey'],
      ['SUNION', 'nokey', 'nokey2'],
      sorted(['SUNION', 'a', 'h']),
      ['SUNIONSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['SUNIONSTORE', 'd', 'a', 'h'],
      sorted(['SMEMBERS', 'd']),
      ['SUNIONSTORE', 'd', 'nokey'],
      ['EXISTS', 'd'],
      ['SUNIONSTORE', 'd', 'nokey', 'nokey2'],
      ['SUNIONSTORE', 'a', 'a', 'b'],
      ['SMEMBERS', 'a'],
      ['SET', 'str', 'x'],
      ['EXPIRE', 'str', '100'],
      ['SUNIONSTORE', 'str', 'b'],
      ['TTL', 'str'],
      ['SMEMBERS', 'str'],
    ]);
    await expectEncoding(r, 'a', 'intset');
    await expectEncoding(r, 'str', 'intset');
    // A hashtable of integers unioned into few enough integers: an intset result, ascending.
    await expectSame(r, k, [
      ['SADD', 'hi', ...range(0, 600)],
      ['SREM', 'hi', ...range(3, 600)],
      ['SUNION', 'hi'],
      ['SUNION', 'hi', 'a'],
      ['SUNIONSTORE', 'u', 'hi'],
      ['SMEMBERS', 'u'],
      ['SADD', 'big', ...range(0, 513)],
      sorted(['SUNION', 'a', 'big']),
      ['SUNIONSTORE', 'u', 'a', 'big'],
      ['SCARD', 'u'],
    ]);
    await expectEncoding(r, 'hi', 'hashtable');
    await expectEncoding(r, 'u', 'hashtable');
    await expectSame(r, k, [['CONFIG', 'SET', 'set-max-intset-entries', '4'], sorted(['SUNION', 'a', 'b']), ['SUNIONSTORE', 'u', 'a', 'b']]);
    await expectEncoding(r, 'u', 'hashtable');
    await expectSame(r, k, [['SUNIONSTORE', 'u', 'hi']]);
    await expectEncoding(r, 'u', 'intset');
  });

  it('SDIFF / SDIFFSTORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 'a', '1', '2', '3', '4', '5', '6', '7', '8'],
      ['SADD', 'b', '2', '4'],
      ['SADD', 'c', '3', '4', '9'],
      ['SADD', 'h', 'x', 'y', 'z', '1', '2', '3'],
      ['SADD', 'hs', 'x'],
      ['SDIFF', 'a'],
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'a', 'b', 'c'],
      ['SDIFF', 'a', 'nokey', 'c'],
      ['SDIFF', 'a', 'a'],
      ['SDIFF', 'a', 'b', 'a'],
      ['SDIFF', 'nokey', 'a'],
      ['SDIFF', 'nokey'],
      ['SDIFF', 'b', 'a'],
      sorted(['SDIFF', 'h', 'hs']),
      sorted(['SDIFF', 'h', 'hs', 'nokey']),
      // A hashtable minus its strings: integers only, an intset result, ascending.
      ['SADD', 'strs', 'x', 'y', 'z'],
      ['SDIFF', 'h', 'strs'],
      ['SDIFF', 'a', 'h'],
      // Big subtrahends (the other algorithm).
      ['SADD', 'big', ...range(5, 1000)],
      ['SDIFF', 'a', 'big'],
      ['SDIFF', 'c', 'big', 'b'],
      ['SADD', 'bigs', ...range(0, 700, (i) => `e${i}`)],
      ['SADD', 'small', 'e1', 'e3', 'nope'],
      sorted(['SDIFF', 'bigs', 'small']),
      sorted(['SDIFF', 'bigs', 'small', 'big', 'a']),
      ['SDIFF', 'small', 'bigs'],
      ['SDIFFSTORE', 'd', 'a', 'b', 'c'],
      ['SMEMBERS', 'd'],
      ['SDIFFSTORE', 'd', 'a', 'a'],
      ['EXISTS', 'd'],
      ['SDIFFSTORE', 'd', 'nokey', 'a'],
      ['SDIFFSTORE', 'a', 'a', 'b'],
      ['SMEMBERS', 'a'],
      ['SDIFFSTORE', 'hd', 'h', 'strs'],
      ['SMEMBERS', 'hd'],
      ['SET', 'str', 'x'],
      ['SDIFFSTORE', 'str', 'a', 'nokey'],
      ['TYPE', 'str'],
      ['SDIFFSTORE', 'bd', 'bigs', 'small'],
      ['SCARD', 'bd'],
    ]);
    await expectEncoding(r, 'hd', 'intset');
    await expectEncoding(r, 'str', 'intset');
    await expectEncoding(r, 'bd', 'hashtable');
  });

  it('SDIFF: which algorithm Redis picks shows in the result encoding and order', async () => {
    const { r, k } = await pair.clients(proto);
    // Many subtrahends, small in total: Redis copies the first set and strikes
    // out the others, so the temporary set holds all of the first set.
    await expectSame(r, k, [
      ['SADD', 'f', 'x', ...range(1, 10)],
      ['SADD', 'o', 'x'],
      sorted(['SDIFF', 'f', 'o', 'o', 'o', 'o']),
      ['SDIFFSTORE', 'copied', 'f', 'o', 'o', 'o', 'o'],
      // One subtrahend: Redis walks the first set and adds only the result.
      ['SDIFF', 'f', 'o'],
      ['SDIFFSTORE', 'walked', 'f', 'o'],
      ['SMEMBERS', 'walked'],
      ['SADD', 'big', ...range(0, 600)],
      ['SADD', 'q1', ...range(0, 148)],
      ['SADD', 'q2', ...range(148, 296)],
      ['SADD', 'q3', ...range(296, 444)],
      ['SADD', 'q4', ...range(444, 590)],
      sorted(['SDIFF', 'big', 'q1', 'q2', 'q3', 'q4']),
      ['SDIFFSTORE', 'bigcopied', 'big', 'q1', 'q2', 'q3', 'q4'],
      ['SADD', 'cover', ...range(0, 590)],
      ['SDIFF', 'big', 'cover'],
      ['SDIFFSTORE', 'bigwalked', 'big', 'cover'],
      // An intset first set past a lowered limit.
      ['SADD', 'ten', ...range(0, 10)],
      ['SADD', 'one', '0'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '5'],
      sorted(['SDIFF', 'ten', 'one', 'one', 'one', 'one', 'one', 'one']),
      ['SDIFFSTORE', 'tencopied', 'ten', 'one', 'one', 'one', 'one', 'one', 'one'],
      ['SADD', 'nine', ...range(1, 10)],
      ['SDIFF', 'ten', 'nine'],
      ['SDIFFSTORE', 'tenwalked', 'ten', 'nine'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ]);
    await expectEncoding(r, 'copied', 'hashtable');
    await expectEncoding(r, 'walked', 'intset');
    await expectEncoding(r, 'bigcopied', 'hashtable');
    await expectEncoding(r, 'bigwalked', 'intset');
    await expectEncoding(r, 'tencopied', 'hashtable');
    await expectEncoding(r, 'tenwalked', 'intset');
  });

  it('SSCAN on an intset: everything at once, cursor 0, ascending', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SSCAN', 'nokey', '0'],
      ['SSCAN', 'nokey', '0', 'COUNT', 'x'],
      ['SSCAN', 'nokey', '0', 'foo'],
      ['SSCAN', 'nokey', 'x'],
      ['SADD', 's', ...range(0, 300)],
      ['SSCAN', 's', '0'],
      ['SSCAN', 's', '0', 'COUNT', '1'],
      ['SSCAN', 's', '12345', 'COUNT', '5'],
      ['SSCAN', 's', '0', 'MATCH', '1*'],
      ['SSCAN', 's', '0', 'MATCH', '*9', 'COUNT', '2'],
      ['SSCAN', 's', '0', 'COUNT', '2', 'MATCH', '2?'],
      ['SSCAN', 's', '0', 'MATCH', 'nomatch'],
      ['SSCAN', 's', '0', 'MATCH', '*'],
      ['SSCAN', 's', '0', 'match', '[12]0', 'count', '1000'],
      ['SSCAN', 's', '0', 'COUNT', '0'],
      ['SSCAN', 's', '0', 'COUNT', '-1'],
      ['SSCAN', 's', '0', 'COUNT', 'x'],
      ['SSCAN', 's', '0', 'COUNT', TOO_BIG],
      ['SSCAN', 's', '0', 'COUNT'],
      ['SSCAN', 's', '0', 'MATCH'],
      ['SSCAN', 's', '0', 'TYPE', 'set'],
      ['SSCAN', 's', '0', 'NOVALUES'],
      ['SSCAN', 's', '0', 'foo', 'bar'],
      ['SSCAN', 's', 'x'],
      ['SSCAN', 's', '1x'],
      ['SSCAN', 's', ' 1'],
      ['SSCAN', 's', '18446744073709551616'],
      ['SSCAN', 's', '18446744073709551615'],
      ['SSCAN', 's', '-1'],
      ['SSCAN', 's', ''],
      ['SADD', 'n', '-3', '-20', '5'],
      ['SSCAN', 'n', '0', 'MATCH', '-*'],
    ]);
  });

  it('SSCAN on a hashtable: a full iteration returns every member', async () => {
    const { r, k } = await pair.clients(proto);
    const members = range(0, 1000, (i) => `member:${i}`);
    await expectSame(r, k, [
      ['SADD', 'h', ...members],
      ['SADD', 'small', 'a', 'b', 'c'],
      // A small hashtable fits in one call on both servers.
      scanSorted(['SSCAN', 'small', '0']),
      ['SSCAN', 'h', '0', 'COUNT', '0'],
      ['SSCAN', 'h', '0', 'MATCH'],
    ]);
    for (const opts of [[], ['COUNT', '7'], ['COUNT', '500'], ['MATCH', 'member:1*'], ['MATCH', '*7', 'COUNT', '50']]) {
      const [a, b] = await Promise.all([scanAll(r, 'h', opts), scanAll(k, 'h', opts)]);
      expect(new Set(a.items).size).toBe(a.items.length);
      expect(b.items.length, 'RedKit returns no duplicates').toBe(new Set(b.items).size);
      expect([...b.items].sort()).toEqual([...new Set(a.items)].sort());
    }
    // Members added or removed during an iteration: everything present throughout is returned.
    let cursor = '0';
    const seen = new Set<string>();
    let step = 0;
    do {
      const v = decode(await k.call('SSCAN', 'h', cursor, 'COUNT', '50')) as [string, string[]];
      cursor = v[0];
      for (const m of v[1]) seen.add(m);
      if (step === 2) await k.call('SREM', 'h', ...range(900, 1000, (i) => `member:${i}`));
      if (step === 3) await k.call('SADD', 'h', ...range(0, 50, (i) => `new:${i}`));
      step++;
    } while (cursor !== '0');
    for (let i = 0; i < 900; i++) expect(seen.has(`member:${i}`)).toBe(true);
  });

  it('random operations agree with redis-server', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 7919);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const keys = ['s1', 's2', 's3', 's4'];
    const member = () => (rand() < 0.7 ? String(Math.floor(rand() * 40) - 10) : pick(['a', 'b', 'c', 'x', 'y', '01', '']));
    const members = (n: number) => Array.from({ length: 1 + Math.floor(rand() * n) }, member);
    const gens: Array<() => Step> = [
      () => ({ cmd: ['SADD', pick(keys), ...members(6)] }),
      () => ({ cmd: ['SADD', pick(keys), ...members(6)] }),
      () => ({ cmd: ['SREM', pick(keys), ...members(4)] }),
      () => ({ cmd: ['SMOVE', pick(keys), pick(keys), member()] }),
      () => ({ cmd: ['SISMEMBER', pick(keys), member()] }),
      () => ({ cmd: ['SMISMEMBER', pick(keys), ...members(4)] }),
      () => ({ cmd: ['SCARD', pick(keys)] }),
      () => sorted(['SMEMBERS', pick(keys)]),
      () => sorted(['SINTER', pick(keys), pick(keys)]),
      () => sorted(['SUNION', pick(keys), pick(keys), pick(keys)]),
      () => sorted(['SDIFF', pick(keys), pick(keys)]),
      () => ({ cmd: ['SINTERCARD', '2', pick(keys), pick(keys), 'LIMIT', String(Math.floor(rand() * 5))] }),
      () => ({ cmd: ['SINTERSTORE', pick(keys), pick(keys), pick(keys)] }),
      () => ({ cmd: ['SUNIONSTORE', pick(keys), pick(keys), pick(keys)] }),
      () => ({ cmd: ['SDIFFSTORE', pick(keys), pick(keys), pick(keys)] }),
      () => ({ cmd: ['EXISTS', ...keys] }),
    ];
    const steps: Step[] = [];
    for (let i = 0; i < 800; i++) steps.push(pick(gens)());
    for (const key of keys) steps.push(sorted(['SMEMBERS', key]), { cmd: ['SCARD', key] });
    await expectSame(r, k, steps);
    for (const key of keys) if ((await r.call('EXISTS', key)) === ':1\r\n') await expectEncoding(r, key);
    // Where an intset is left, the order is exact.
    for (const key of keys) {
      const v = pair.redkit.store.db(0).get(key) as RSet | undefined;
      if (v?.isIntset) await expectSame(r, k, [['SMEMBERS', key], ['SSCAN', key, '0']]);
    }
  });

  it('keyspace notifications', async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(c.r, c.k, [
      ['SADD', 's', 'a', 'b'],
      ['SADD', 's', 'a'],
      ['SREM', 's', 'x'],
      ['SREM', 's', 'a', 'b'],
      ['SREM', 'nokey', 'a'],
      ['SADD', 's', 'a'],
      ['SPOP', 's'],
      ['SPOP', 'nokey'],
      ['SADD', 's', 'a', 'b', 'c'],
      ['SPOP', 's', '0'],
      { cmd: ['SPOP', 's', '1'], skip: true },
      { cmd: ['SPOP', 's', '5'], skip: true },
      ['SPOP', 'nokey', '3'],
      ['SADD', 's', 'a', 'b', '1'],
      ['SMOVE', 's', 'd', 'a'],
      ['SMOVE', 's', 'd', 'a'],
      ['SADD', 'd', 'b'],
      ['SMOVE', 's', 'd', 'b'],
      ['SMOVE', 's', 'd', '1'],
      ['SADD', 'x', '1'],
      ['SMOVE', 'x', 'x', '1'],
      ['SADD', 'y', '1', '2'],
      ['SINTERSTORE', 'd', 'x', 'y'],
      ['SINTERSTORE', 'd', 'x', 'nokey'],
      ['SINTERSTORE', 'd', 'x', 'nokey'],
      ['SUNIONSTORE', 'd', 'x', 'y'],
      ['SDIFFSTORE', 'd', 'x', 'y'],
      ['SDIFFSTORE', 'd', 'x', 'y'],
      ['SADD', 'd', '1'],
      ['SDIFFSTORE', 'd', 'nokey'],
      ['SUNIONSTORE', 'e', 'y'],
      ['SUNIONSTORE', 'e', 'nokey'],
      ['SINTER', 'x', 'y'],
      ['SINTERCARD', '1', 'y'],
      { cmd: ['SRANDMEMBER', 'y'], skip: true },
      { cmd: ['SRANDMEMBER', 'y', '1'], skip: true },
      { cmd: ['SPOP', 'y', '1'], skip: true },
      ['PUBLISH', '__keyevent@0__:zz-end', 'end'],
    ]);
    const msgs = await expectSameMessages(sub.r, sub.k, 'zz-end');
    expect(msgs.length).toBeGreaterThan(40);
  });

  it('keyspace notifications: new keys (class n)', async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEsgn']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(c.r, c.k, [
      ['SADD', 's', 'a', 'b'],
      ['SADD', 's', 'c'],
      ['SMOVE', 's', 'd', 'a'],
      ['SMOVE', 's', 'd', 'b'],
      ['SINTERSTORE', 'i', 's', 'd'],
      ['SUNIONSTORE', 'u', 's', 'd'],
      ['SUNIONSTORE', 'u', 'd'],
      ['SDIFFSTORE', 'f', 'd', 's'],
      ['PUBLISH', '__keyevent@0__:zz-end', 'end'],
    ]);
    await expectSameMessages(sub.r, sub.k, 'zz-end');
  });

  it('SRANDMEMBER refuses repeat counts it cannot build in memory (RedKit only: Redis streams them)', async () => {
    const { k } = await pair.clients(proto);
    await k.call('SADD', 's', 'a');
    expect(await k.call('SRANDMEMBER', 's', '-16777217')).toBe('-ERR value is out of range, RedKit returns at most 16777216 repeated random members\r\n');
    expect(await k.call('SRANDMEMBER', 's', '-9223372036854775807')).toMatch(/^-ERR value is out of range, RedKit/);
    expect(await k.call('SRANDMEMBER', 'nokey', '-9223372036854775807')).toBe(proto === 3 ? '*0\r\n' : '*0\r\n');
    expect(await k.call('SRANDMEMBER', 's', '9223372036854775807')).toBe('*1\r\n$1\r\na\r\n');
  });

  it('SADD keeps the TTL; SREM/SPOP emptying the set removes the key and its TTL', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 's', 'a'],
      ['EXPIRE', 's', '100'],
      ['SADD', 's', 'b'],
      ['TTL', 's'],
      ['SREM', 's', 'a'],
      ['TTL', 's'],
      ['SMOVE', 's', 'o', 'b'],
      ['TTL', 's'],
      ['TTL', 'o'],
      ['SADD', 's', '1', '2'],
      ['TTL', 's'],
      // SPOP of most of a set stores a rebuilt set in place: the TTL stays.
      ['SADD', 'big', ...range(0, 20)],
      ['EXPIRE', 'big', '100'],
      { cmd: ['SPOP', 'big', '19'], skip: true },
      ['SCARD', 'big'],
      ['TTL', 'big'],
      { cmd: ['SPOP', 'big', '5'], skip: true },
      ['TTL', 'big'],
    ]);
  });
});

describe('set commands and the rest of the server', () => {
  it('WATCH: the same commands mark keys modified as on redis-server', async () => {
    // Redis is asked through WATCH/MULTI/EXEC; RedKit through a watcher on its database.
    const { r } = await pair.clients(2);
    const other = (await pair.clients(2)).r;
    const { k } = await pair.clients(2);
    const db = pair.redkit.store.db(0);
    const cases: Array<{ setup: Cmd[]; key: string; cmd: Cmd }> = [
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SADD', 's', 'a'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SADD', 's', 'b'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SREM', 's', 'x'] },
      { setup: [['SADD', 's', 'a', 'b']], key: 's', cmd: ['SREM', 's', 'a'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SREM', 's', 'a'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SPOP', 's', '0'] },
      { setup: [['SADD', 's', 'a', 'b']], key: 's', cmd: ['SPOP', 's', '1'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SPOP', 's'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SMOVE', 's', 's', 'a'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SMOVE', 's', 'd', 'x'] },
      { setup: [['SADD', 's', 'a', 'b']], key: 's', cmd: ['SMOVE', 's', 'd', 'a'] },
      { setup: [['SADD', 's', 'a'], ['SADD', 'd', 'a']], key: 'd', cmd: ['SMOVE', 's', 'd', 'a'] },
      { setup: [['SADD', 's', 'a', 'b']], key: 'd', cmd: ['SMOVE', 's', 'd', 'a'] },
      { setup: [['SADD', 's', 'a']], key: 'd', cmd: ['SINTERSTORE', 'd', 's', 'nokey'] },
      { setup: [['SADD', 's', 'a'], ['SADD', 'd', 'a']], key: 'd', cmd: ['SINTERSTORE', 'd', 's', 'nokey'] },
      { setup: [['SADD', 's', 'a']], key: 'd', cmd: ['SDIFFSTORE', 'd', 's', 's'] },
      { setup: [['SADD', 's', 'a']], key: 'd', cmd: ['SUNIONSTORE', 'd', 's'] },
      { setup: [['SADD', 's', 'a']], key: 's', cmd: ['SINTER', 's'] },
    ];
    for (const c of cases) {
      await pair.flush();
      for (const s of c.setup) {
        await r.call(...s);
        await k.call(...s);
      }
      // redis-server
      await r.call('WATCH', c.key);
      await other.call(...c.cmd);
      await r.call('MULTI');
      const exec = await r.call('EXEC');
      const redisTouched = exec === '*-1\r\n';
      // RedKit
      let touched = false;
      const mark = () => void (touched = true);
      const w = { expired: false, touched: mark, flushed: mark };
      db.watched.set(c.key, new Set([w]));
      try {
        await k.call(...c.cmd);
      } finally {
        db.watched.delete(c.key);
      }
      expect(touched, `${c.cmd.join(' ')} touches ${c.key}`).toBe(redisTouched);
    }
  });

  it('COMMAND GETKEYS / INFO for set commands', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['COMMAND', 'GETKEYS', 'SINTERCARD', '1', 'a'],
      ['COMMAND', 'GETKEYS', 'SMOVE', 'a', 'b', 'm'],
      ['COMMAND', 'GETKEYS', 'SINTERSTORE', 'd', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'SSCAN', 'a', '0'],
      ['COMMAND', 'INFO', 'SADD', 'SINTERCARD', 'SPOP', 'SSCAN'],
    ]);
  });

  it('a SELECTed database and COPY keep sets apart', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['SADD', 's', '1', '2'],
      ['SELECT', '3'],
      ['SMEMBERS', 's'],
      ['SADD', 's', 'x'],
      ['SELECT', '0'],
      ['SMEMBERS', 's'],
      ['COPY', 's', 'c'],
      ['SADD', 'c', '3'],
      ['SMEMBERS', 's'],
      ['SMEMBERS', 'c'],
    ]);
    await expectEncoding(r, 'c', 'intset');
  });
});
