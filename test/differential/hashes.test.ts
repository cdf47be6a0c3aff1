/**
 * Hash commands against redis-server 7.0.15, byte for byte, in RESP2 and RESP3.
 *
 * Orders Redis leaves unspecified (hashtable-encoded hashes, random picks)
 * are normalised; small (listpack) hashes are compared byte for byte, field
 * order included. Hash field expiration (Redis 7.4) is not in the oracle and
 * is tested in test/integration/hash-expiry.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RHash } from '../../src/store/types/hash.js';
import { decode, expectSame, norm, startPair, type Cmd, type Pair, type RawClient, type Step } from '../support/differential.js';
import { rng, INT64_MAX, INT64_MIN, TOO_BIG } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  // Config changes made by a test must not leak into the next one.
  const c = await pair.clients(2);
  await expectSame(c.r, c.k, [
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '128'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
  ]);
});

const WRONG = ['SET', 's', 'string'];

/** OBJECT ENCODING is not a RedKit command (yet): compare the value's encoding() with the oracle's. */
async function expectSameEncoding(r: RawClient, key: string): Promise<string> {
  const enc = decode(await r.call('OBJECT', 'ENCODING', key)) as string;
  const v = pair.redkit.store.db(0).data.get(key);
  expect(v, `redkit has no hash at ${key}`).toBeInstanceOf(RHash);
  expect((v as RHash).encoding(), `encoding of ${key}`).toBe(enc);
  return enc;
}

/** All pairs of a full HSCAN iteration, sorted (cursor values are an implementation detail). */
async function scanAll(c: RawClient, key: string, extra: string[] = []): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 10_000; i++) {
    const reply = decode(await c.call('HSCAN', key, cursor, ...extra)) as [string, string[]];
    const [next, items] = reply;
    for (let j = 0; j < items.length; j += 2) seen.push(JSON.stringify([items[j], items[j + 1]]));
    cursor = next;
    if (cursor === '0') return seen.sort();
  }
  throw new Error('HSCAN did not finish');
}

describe.each([2, 3] as const)('hashes (RESP%i)', (proto) => {
  it('HSET / HMSET / HSETNX / HGET / HMGET', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HSET', 'h', 'a', '1'],
      ['HSET', 'h', 'b', '2', 'c', '3'],
      ['HSET', 'h', 'a', '10', 'd', '4', 'a', '11'],
      ['HGET', 'h', 'a'],
      ['HGET', 'h', 'nope'],
      ['HGET', 'nokey', 'a'],
      ['HMSET', 'h', 'e', '5', 'b', '20'],
      ['HMGET', 'h', 'a', 'b', 'nope', 'e'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HSETNX', 'h', 'a', 'x'],
      ['HSETNX', 'h', 'f', '6'],
      ['HSETNX', 'fresh', 'a', '1'],
      ['HGETALL', 'fresh'],
      ['HGETALL', 'h'],
      ['TYPE', 'h'],
      ['HSET', 'h', '', ''],
      ['HGET', 'h', ''],
      ['HSETNX', 'h', '', 'again'],
      ['HGET', 'h', ''],
      ['HGETALL', 'h'],
    ]);
  });

  it('HGETALL / HKEYS / HVALS / HLEN / HSTRLEN / HEXISTS', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HVALS', 'nokey'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'nokey', 'a'],
      ['HEXISTS', 'nokey', 'a'],
      ['HSET', 'h', 'a', '1', 'long', 'hello world', 'num', '-12345', 'zero', '0', 'lead', '007', 'empty', ''],
      ['HGETALL', 'h'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HLEN', 'h'],
      ['HSTRLEN', 'h', 'a'],
      ['HSTRLEN', 'h', 'long'],
      ['HSTRLEN', 'h', 'num'],
      ['HSTRLEN', 'h', 'lead'],
      ['HSTRLEN', 'h', 'empty'],
      ['HSTRLEN', 'h', 'nope'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'empty'],
      ['HEXISTS', 'h', 'nope'],
    ]);
  });

  it('field order of small hashes: updates keep the place, re-added fields go last', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HSET', 'h', 'c', '1', 'a', '2', 'b', '3', 'd', '4'],
      ['HGETALL', 'h'],
      ['HSET', 'h', 'a', 'updated'],
      ['HINCRBY', 'h', 'c', '5'],
      ['HGETALL', 'h'],
      ['HDEL', 'h', 'a'],
      ['HSET', 'h', 'a', 'back'],
      ['HSETNX', 'h', 'e', 'new'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HDEL', 'h', 'c', 'd'],
      ['HMSET', 'h', 'd', '1', 'c', '2'],
      ['HGETALL', 'h'],
      ['HSCAN', 'h', '0'],
      ['HRANDFIELD', 'h', '100'],
      ['HRANDFIELD', 'h', '5', 'WITHVALUES'],
    ]);
  });

  it('HDEL, and empty hashes delete their key', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HDEL', 'nokey', 'a'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HDEL', 'h', 'nope'],
      ['HDEL', 'h', 'a', 'a', 'nope'],
      ['HLEN', 'h'],
      ['HDEL', 'h', 'b', 'c', 'b'],
      ['EXISTS', 'h'],
      ['TYPE', 'h'],
      ['HGETALL', 'h'],
      ['HSET', 'h', 'x', '1'],
      ['HDEL', 'h', 'x'],
      ['EXISTS', 'h'],
      ['HSET', 'h', 'a', '1'],
      ['HDEL', 'h', 'a', 'a'],
      ['EXISTS', 'h'],
    ]);
  });

  it('HINCRBY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HINCRBY', 'h', 'a', '1'],
      ['HINCRBY', 'h', 'a', '-11'],
      ['HINCRBY', 'h', 'a', '0'],
      ['HGET', 'h', 'a'],
      ['HINCRBY', 'fresh', 'f', '-5'],
      ['HGETALL', 'fresh'],
      ['HINCRBY', 'h', 'big', INT64_MAX],
      ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'big', '-1'],
      ['HGET', 'h', 'big'],
      ['HINCRBY', 'h', 'small', INT64_MIN],
      ['HINCRBY', 'h', 'small', '-1'],
      ['HINCRBY', 'h', 'small', INT64_MAX],
      ['HINCRBY', 'h', 'small2', '-9223372036854775807'],
      ['HINCRBY', 'h', 'small2', '-1'],
      ['HINCRBY', 'h', 'small2', '-1'],
      ['HINCRBY', 'h', 'x', TOO_BIG],
      ['HINCRBY', 'h', 'x', 'abc'],
      ['HINCRBY', 'h', 'x', '1.5'],
      ['HINCRBY', 'h', 'x', ' 1'],
      ['HINCRBY', 'h', 'x', '01'],
      ['HINCRBY', 'h', 'x', ''],
      ['HINCRBY', 'nokey2', 'x', 'abc'],
      ['EXISTS', 'nokey2'],
      ['HSET', 'h', 'str', 'abc', 'lead', '007', 'float', '1.5', 'space', ' 1', 'neg0', '-0', 'huge', TOO_BIG, 'max', INT64_MAX],
      ['HINCRBY', 'h', 'str', '1'],
      ['HINCRBY', 'h', 'lead', '1'],
      ['HINCRBY', 'h', 'float', '1'],
      ['HINCRBY', 'h', 'space', '1'],
      ['HINCRBY', 'h', 'neg0', '1'],
      ['HINCRBY', 'h', 'huge', '1'],
      ['HINCRBY', 'h', 'max', '0'],
      ['HINCRBY', 'h', 'max', '1'],
      ['HGETALL', 'h'],
      ['HSET', 'n', 'v', '9007199254740991'],
      ['HINCRBY', 'n', 'v', '1'],
      ['HINCRBY', 'n', 'v', '9007199254740993'],
      ['HINCRBY', 'n', 'v', '-18014398509481986'],
      ['HGET', 'n', 'v'],
    ]);
  });

  it('HINCRBYFLOAT (long double arithmetic)', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HINCRBYFLOAT', 'h', 'a', '1.5'],
      ['HINCRBYFLOAT', 'h', 'a', '0.1'],
      ['HINCRBYFLOAT', 'h', 'a', '-1.6'],
      ['HINCRBYFLOAT', 'h', 'b', '0.1'],
      ['HINCRBYFLOAT', 'h', 'b', '0.2'],
      ['HINCRBYFLOAT', 'h', 'c', '3.0e3'],
      ['HINCRBYFLOAT', 'h', 'c', '-3000'],
      ['HINCRBYFLOAT', 'h', 'c', '-0'],
      ['HINCRBYFLOAT', 'h', 'd', '1e-20'],
      ['HINCRBYFLOAT', 'h', 'e', '123456789012345678901234567890'],
      ['HINCRBYFLOAT', 'h', 'f', '0x10'],
      ['HINCRBYFLOAT', 'h', 'g', '.5'],
      ['HINCRBYFLOAT', 'h', 'g', '5.'],
      ['HINCRBYFLOAT', 'h', 'g', '+1'],
      ['HGETALL', 'h'],
      ['HINCRBYFLOAT', 'h', 'x', 'inf'],
      ['HINCRBYFLOAT', 'h', 'x', '-inf'],
      ['HINCRBYFLOAT', 'h', 'x', '+inf'],
      ['HINCRBYFLOAT', 'h', 'x', 'nan'],
      ['HINCRBYFLOAT', 'h', 'x', 'abc'],
      ['HINCRBYFLOAT', 'h', 'x', ''],
      ['HINCRBYFLOAT', 'h', 'x', ' 1'],
      ['HINCRBYFLOAT', 'h', 'x', '1 '],
      ['HINCRBYFLOAT', 'h', 'x', '1e5000'],
      ['HINCRBYFLOAT', 'nokey', 'x', 'abc'],
      ['HINCRBYFLOAT', 'nokey', 'x', 'inf'],
      ['EXISTS', 'nokey'],
      ['HSET', 'h', 'str', 'abc', 'space', ' 1', 'int', '10', 'exp', '1e5', 'inf', 'inf', 'big', '1e4932', 'huge', '1e4933', 'hex', '0x1p3'],
      ['HINCRBYFLOAT', 'h', 'str', '1'],
      ['HINCRBYFLOAT', 'h', 'space', '1'],
      ['HINCRBYFLOAT', 'h', 'int', '1'],
      ['HINCRBYFLOAT', 'h', 'int', '-11.25'],
      ['HINCRBYFLOAT', 'h', 'exp', '1'],
      ['HINCRBYFLOAT', 'h', 'inf', '1'],
      ['HINCRBYFLOAT', 'h', 'big', '1e4932'],
      ['HINCRBYFLOAT', 'h', 'big', '1'],
      ['HINCRBYFLOAT', 'h', 'huge', '1'],
      ['HINCRBYFLOAT', 'h', 'hex', '1'],
      ['HGET', 'h', 'str'],
      ['HINCRBYFLOAT', 'h', 'x', '0.1'],
      ['HINCRBY', 'h', 'x', '1'],
      ['HINCRBYFLOAT', 'h', 'int', '1'],
      ['HINCRBY', 'h', 'int', '1'],
    ]);
    // A result longer than hash-max-listpack-value converts the hash.
    await expectSame(r, k, [['HSET', 'w', 'a', '1'], ['HINCRBYFLOAT', 'w', 'a', '1e100']]);
    expect(await expectSameEncoding(r, 'w')).toBe('hashtable');
    await expectSame(r, k, [['HSET', 'v', 'a', '1'], ['HINCRBYFLOAT', 'v', 'a', '1e10']]);
    expect(await expectSameEncoding(r, 'v')).toBe('listpack');
  });

  it('wrong type and arity errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      WRONG,
      ['HSET', 's', 'a', '1'],
      ['HMSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HGETALL', 's'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HLEN', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HEXISTS', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBY', 's', 'a', 'x'],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '1'],
      ['HRANDFIELD', 's', 'x'],
      ['HSCAN', 's', '0'],
      ['HSCAN', 's', 'x'],
      ['GET', 's'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HSET', 'h', 'a'],
      ['HSET', 'h'],
      ['HSET'],
      ['HMSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a'],
      ['HSETNX', 'h', 'a'],
      ['HSETNX', 'h', 'a', '1', '2'],
      ['HGET', 'h'],
      ['HGET', 'h', 'a', 'b'],
      ['HMGET', 'h'],
      ['HGETALL'],
      ['HGETALL', 'h', 'x'],
      ['HKEYS', 'h', 'x'],
      ['HVALS'],
      ['HLEN', 'h', 'x'],
      ['HSTRLEN', 'h'],
      ['HEXISTS', 'h'],
      ['HDEL', 'h'],
      ['HINCRBY', 'h', 'a'],
      ['HINCRBY', 'h', 'a', '1', '2'],
      ['HINCRBYFLOAT', 'h', 'a'],
      ['HINCRBYFLOAT', 'h', 'a', '1', '2'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', 'x'],
      ['HRANDFIELD'],
      ['HSCAN', 'h'],
      ['EXISTS', 'h'],
      ['hset', 'h', 'a', '1'],
      ['HsEt', 'h', 'b', '2'],
      ['hgetall', 'h'],
    ]);
  });

  it('binary-safe fields and values', async () => {
    const { r, k } = await pair.clients(proto);
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);
    const utf8 = Buffer.from('héllo wörld ✓', 'utf8');
    await expectSame(r, k, [
      ['HSET', 'h', bin, utf8, utf8, bin, 'plain', Buffer.alloc(0)],
      ['HGET', 'h', bin],
      ['HGET', 'h', utf8],
      ['HMGET', 'h', bin, utf8, 'plain'],
      ['HGETALL', 'h'],
      ['HKEYS', 'h'],
      ['HSTRLEN', 'h', bin],
      ['HSTRLEN', 'h', utf8],
      ['HEXISTS', 'h', bin],
      ['HSCAN', 'h', '0', 'MATCH', Buffer.from([0x2a, 0xff, 0x2a])],
      ['HDEL', 'h', bin],
      ['HGETALL', 'h'],
      ['HSET', bin, 'f', 'v'],
      ['HGETALL', bin],
    ]);
  });

  it('listpack to hashtable: hash-max-listpack-entries', async () => {
    const { r, k } = await pair.clients(proto);
    const args: string[] = [];
    for (let i = 0; i < 128; i++) args.push(`f${i}`, `v${i}`);
    await expectSame(r, k, [['HSET', 'h', ...args]]);
    expect(await expectSameEncoding(r, 'h')).toBe('listpack');
    await expectSame(r, k, [['HGETALL', 'h'], ['HKEYS', 'h'], ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'f1*', 'COUNT', '1']]);
    // Updating an existing field of a full listpack keeps it a listpack.
    await expectSame(r, k, [['HSET', 'h', 'f0', 'x']]);
    expect(await expectSameEncoding(r, 'h')).toBe('listpack');
    await expectSame(r, k, [['HSET', 'h', 'f128', 'v128']]);
    expect(await expectSameEncoding(r, 'h')).toBe('hashtable');
    // One-way: shrinking does not convert back.
    const del: string[] = [];
    for (let i = 0; i < 120; i++) del.push(`f${i}`);
    await expectSame(r, k, [['HDEL', 'h', ...del], ['HLEN', 'h']]);
    expect(await expectSameEncoding(r, 'h')).toBe('hashtable');
    await expectSame(r, k, [{ cmd: ['HGETALL', 'h'], normalize: norm.pairs }, { cmd: ['HKEYS', 'h'], normalize: norm.sorted }, { cmd: ['HVALS', 'h'], normalize: norm.sorted }]);

    // Growing by HSETNX and HINCRBY converts too.
    await expectSame(r, k, [['HSET', 'n', ...args.slice(0, 254)], ['HSETNX', 'n', 'new', '1']]);
    expect(await expectSameEncoding(r, 'n')).toBe('listpack');
    await expectSame(r, k, [['HSETNX', 'n', 'new2', '1']]);
    expect(await expectSameEncoding(r, 'n')).toBe('hashtable');
    await expectSame(r, k, [['HSET', 'm', ...args.slice(0, 256)], ['HINCRBY', 'm', 'counter', '1']]);
    expect(await expectSameEncoding(r, 'm')).toBe('hashtable');
  });

  it('listpack to hashtable: hash-max-listpack-value, read from CONFIG at the change', async () => {
    const { r, k } = await pair.clients(proto);
    const v64 = 'x'.repeat(64);
    const v65 = 'x'.repeat(65);
    await expectSame(r, k, [['HSET', 'a', v64, v64]]);
    expect(await expectSameEncoding(r, 'a')).toBe('listpack');
    await expectSame(r, k, [['HSET', 'b', 'f', v65]]);
    expect(await expectSameEncoding(r, 'b')).toBe('hashtable');
    await expectSame(r, k, [['HSET', 'c', v65, 'v']]);
    expect(await expectSameEncoding(r, 'c')).toBe('hashtable');
    // HSETNX on an existing field does not look at the lengths...
    await expectSame(r, k, [['HSET', 'd', 'f', '1'], ['HSETNX', 'd', 'f', v65]]);
    expect(await expectSameEncoding(r, 'd')).toBe('listpack');
    // ... but does for a new one.
    await expectSame(r, k, [['HSETNX', 'd', 'g', v65]]);
    expect(await expectSameEncoding(r, 'd')).toBe('hashtable');
    // HINCRBY with a long field name.
    await expectSame(r, k, [['HSET', 'e', 'f', '1'], ['HINCRBY', 'e', v65, '1']]);
    expect(await expectSameEncoding(r, 'e')).toBe('hashtable');
    // A long value in an HSET converts even when another pair of the same call is short.
    await expectSame(r, k, [['HSET', 'g', 'f', '1'], ['HSET', 'g', 'a', '1', 'b', v65]]);
    expect(await expectSameEncoding(r, 'g')).toBe('hashtable');

    // Limits are read when the hash changes.
    await expectSame(r, k, [
      ['HSET', 'p', 'a', '1', 'b', '2', 'c', '3'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '2'],
      ['HGET', 'p', 'a'],
    ]);
    expect(await expectSameEncoding(r, 'p')).toBe('listpack');
    await expectSame(r, k, [['HSET', 'p', 'a', 'updated']]);
    expect(await expectSameEncoding(r, 'p')).toBe('hashtable');
    await expectSame(r, k, [['HSET', 'q', 'a', '1', 'b', '2']]);
    expect(await expectSameEncoding(r, 'q')).toBe('listpack');
    await expectSame(r, k, [['HSET', 'q2', 'a', '1', 'a', '2', 'a', '3']]);
    expect(await expectSameEncoding(r, 'q2')).toBe('listpack');
    await expectSame(r, k, [['CONFIG', 'SET', 'hash-max-listpack-value', '3'], ['HSET', 'q', 'c2', 'abcd']]);
    expect(await expectSameEncoding(r, 'q')).toBe('hashtable');
    await expectSame(r, k, [['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'z', 'a', '1']]);
    expect(await expectSameEncoding(r, 'z')).toBe('hashtable');
  });

  it('HRANDFIELD: errors and deterministic replies', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HRANDFIELD', 'nokey'],
      ['HRANDFIELD', 'nokey', '5'],
      ['HRANDFIELD', 'nokey', '-5'],
      ['HRANDFIELD', 'nokey', '5', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', 'x'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HRANDFIELD', 'h', '0'],
      ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '3'],
      ['HRANDFIELD', 'h', '4', 'WITHVALUES'],
      ['HRANDFIELD', 'h', INT64_MAX],
      ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', INT64_MIN],
      ['HRANDFIELD', 'h', INT64_MIN, 'WITHVALUES'],
      ['HRANDFIELD', 'h', TOO_BIG],
      ['HRANDFIELD', 'h', 'x'],
      ['HRANDFIELD', 'h', '1.5'],
      ['HRANDFIELD', 'h', '1', 'WITHVALUE'],
      ['HRANDFIELD', 'h', '1', 'withvalues'],
      ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
      ['HRANDFIELD', 'h', 'x', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '1', 'x'],
    ].map((cmd): Step => (cmd[0] === 'HRANDFIELD' && (cmd[2] === '1') && cmd.length === 4 && cmd[3] === 'withvalues' ? { cmd, normalize: shapeOf(['a', 'b', 'c'], ['1', '2', '3'], true) } : { cmd })));
  });

  it('HRANDFIELD: random picks have the right shape, members and uniqueness', async () => {
    const { r, k } = await pair.clients(proto);
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const values = fields.map((f) => `${f}-value`);
    const big: string[] = [];
    const bigValues: string[] = [];
    for (let i = 0; i < 300; i++) {
      big.push(`field:${i}`);
      bigValues.push(`v${i}`);
    }
    await expectSame(r, k, [['HSET', 'h', ...fields.flatMap((f, i) => [f, values[i]])], ['HSET', 'big', ...big.flatMap((f, i) => [f, bigValues[i]])]]);
    const steps: Step[] = [];
    for (const [key, fs, vs] of [['h', fields, values], ['big', big, bigValues]] as const) {
      for (const c of ['1', '2', '5', '9', '10', '11', '99', '150', '299', '300', '1000', '-1', '-2', '-10', '-25', '-1000']) {
        // Negative counts allow repetitions: uniqueness is then up to chance.
        const shape = shapeOf(fs, vs, !c.startsWith('-'));
        steps.push({ cmd: ['HRANDFIELD', key, c], normalize: shape });
        steps.push({ cmd: ['HRANDFIELD', key, c, 'WITHVALUES'], normalize: shape });
      }
      for (let i = 0; i < 10; i++) steps.push({ cmd: ['HRANDFIELD', key], normalize: shapeOf(fs, vs, true) });
    }
    await expectSame(r, k, steps);
  });

  it('HSCAN on small hashes: everything at once, cursor 0', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['HSCAN', 'nokey', '0'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
      ['HSCAN', 'nokey', '0', 'BADOPT'],
      ['HSCAN', 'nokey', 'x'],
      ['HSET', 'h', 'alpha', '1', 'beta', '2', 'gamma', '3', 'alps', '4', 'x*y', '5'],
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'h', '12345'],
      ['HSCAN', 'h', ''],
      ['HSCAN', 'h', '+0'],
      ['HSCAN', 'h', '-1'],
      ['HSCAN', 'h', '-0'],
      ['HSCAN', 'h', '18446744073709551615'],
      ['HSCAN', 'h', '00012'],
      ['HSCAN', 'h', '18446744073709551616'],
      ['HSCAN', 'h', '-18446744073709551616'],
      ['HSCAN', 'h', ' 1'],
      ['HSCAN', 'h', '1 '],
      ['HSCAN', 'h', '+'],
      ['HSCAN', 'h', '-'],
      ['HSCAN', 'h', '1.0'],
      ['HSCAN', 'h', '0x10'],
      ['HSCAN', 'h', '0', 'MATCH', 'al*'],
      ['HSCAN', 'h', '0', 'match', '*a'],
      ['HSCAN', 'h', '0', 'MATCH', 'x\\*y'],
      ['HSCAN', 'h', '0', 'MATCH', '[ab]*', 'COUNT', '1'],
      ['HSCAN', 'h', '0', 'MATCH', 'nothing*'],
      ['HSCAN', 'h', '0', 'COUNT', '1'],
      ['HSCAN', 'h', '0', 'COUNT', '1', 'MATCH', 'g*', 'MATCH', 'a*'],
      ['HSCAN', 'h', '0', 'COUNT', '0'],
      ['HSCAN', 'h', '0', 'COUNT', '-1'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'COUNT'],
      ['HSCAN', 'h', '0', 'MATCH'],
      ['HSCAN', 'h', '0', 'TYPE', 'hash'],
      ['HSCAN', 'h', '0', 'BADOPT'],
      ['HSCAN', 'h', 'x', 'BADOPT'],
    ]);
  });

  it('HSCAN on hashtables: a full iteration returns every field once', async () => {
    const { r, k } = await pair.clients(proto);
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(`key:${i}`, `${i}`);
    await expectSame(r, k, [['HSET', 'h', ...args]]);
    expect(await expectSameEncoding(r, 'h')).toBe('hashtable');
    for (const extra of [[], ['COUNT', '1'], ['COUNT', '7'], ['COUNT', '1000'], ['COUNT', '5000'], ['MATCH', 'key:1*'], ['MATCH', '*9', 'COUNT', '50'], ['MATCH', 'none*']]) {
      const [a, b] = await Promise.all([scanAll(r, 'h', extra), scanAll(k, 'h', extra)]);
      expect(b, `HSCAN h ... ${extra.join(' ')}`).toEqual(a);
    }
    const all = await scanAll(k, 'h');
    expect(all.length).toBe(1000);
    // The first page of a big hash is not the whole hash, and says where to go on.
    const first = decode(await k.call('HSCAN', 'h', '0')) as [string, string[]];
    expect(first[0]).not.toBe('0');
    expect(first[1].length).toBeGreaterThan(0);
    expect(first[1].length).toBeLessThan(2000);
  });

  it('HSCAN on a hashtable while it changes', async () => {
    const { k } = await pair.clients(proto);
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(`f${i}`, `${i}`);
    await k.call('HSET', 'h', ...args);
    const seen = new Map<string, number>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, items] = decode(await k.call('HSCAN', 'h', cursor, 'COUNT', '20')) as [string, string[]];
      for (let j = 0; j < items.length; j += 2) seen.set(items[j], (seen.get(items[j]) ?? 0) + 1);
      cursor = next;
      // Delete a field not yet seen, add a new one, every round.
      await k.call('HDEL', 'h', `f${499 - round}`);
      await k.call('HSET', 'h', `new${round}`, 'x');
      round++;
    } while (cursor !== '0');
    for (const n of seen.values()) expect(n).toBe(1);
    // Every field present from start to end was returned.
    for (let i = 0; i < 500 - round; i++) expect(seen.has(`f${i}`), `f${i}`).toBe(true);
    // An iteration ends even when writers add fields faster than it advances.
    cursor = '0';
    let pages = 0;
    do {
      const [next] = decode(await k.call('HSCAN', 'h', cursor, 'COUNT', '10')) as [string, string[]];
      cursor = next;
      const more: string[] = [];
      for (let i = 0; i < 50; i++) more.push(`more${pages}:${i}`, 'x');
      await k.call('HSET', 'h', ...more);
      pages++;
    } while (cursor !== '0' && pages < 1000);
    expect(cursor).toBe('0');
  });

  it('keyspace notifications', async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(c.r, c.k, [
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HMSET', 'h', 'c', '3'],
      ['HSETNX', 'h', 'a', 'x'],
      ['HSETNX', 'h', 'd', '4'],
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'a', 'x'],
      ['HSET', 'h', 's', 'str'],
      ['HINCRBY', 'h', 's', '1'],
      ['HDEL', 'h', 'nope'],
      ['HDEL', 'h', 'a', 'b'],
      ['HGET', 'h', 'c'],
      ['HGETALL', 'h'],
      ['HDEL', 'h', 'c', 'd', 'n', 's'],
      ['HDEL', 'nokey', 'a'],
      ['HINCRBY', 'fresh', 'x', '1'],
      ['HSETNX', 'fresh2', 'x', '1'],
      ['HINCRBYFLOAT', 'fresh', 'x', '1.5'],
      ['HINCRBYFLOAT', 'fresh', 'x', 'abc'],
      ['HINCRBYFLOAT', 'fresh3', 'y', '2.5'],
      ['PUBLISH', '__keyevent@0__:zz-end', 'end'],
    ]);
    const readAll = async (cl: RawClient) => {
      const out: string[] = [];
      for (;;) {
        const m = await cl.read();
        out.push(m);
        if (m.includes('zz-end')) return out;
      }
    };
    const [a, b] = await Promise.all([readAll(sub.r), readAll(sub.k)]);
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(15);
  });

  it('random operations on small and big hashes keep the same contents', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 7919);
    const steps: Step[] = [];
    const keys = ['h1', 'h2', 'h3'];
    for (let i = 0; i < 600; i++) {
      const key = keys[Math.floor(rand() * keys.length)];
      const f = `f${Math.floor(rand() * (key === 'h3' ? 400 : 40))}`;
      const op = Math.floor(rand() * 8);
      const val = rand() < 0.1 ? 'v'.repeat(70) : `${Math.floor(rand() * 1000)}`;
      let cmd: Cmd;
      if (op === 0) cmd = ['HSET', key, f, val, `${f}x`, val];
      else if (op === 1) cmd = ['HDEL', key, f, `${f}x`];
      else if (op === 2) cmd = ['HINCRBY', key, f, `${Math.floor(rand() * 200) - 100}`];
      else if (op === 3) cmd = ['HSETNX', key, f, val];
      else if (op === 4) cmd = ['HGET', key, f];
      else if (op === 5) cmd = ['HLEN', key];
      else if (op === 6) cmd = ['HSTRLEN', key, f];
      else cmd = ['HEXISTS', key, f];
      steps.push({ cmd });
    }
    await expectSame(r, k, steps);
    for (const key of keys) {
      const exists = decode(await r.call('EXISTS', key)) as { int: string };
      if (exists.int === '0') continue;
      const enc = await expectSameEncoding(r, key);
      if (enc === 'listpack') await expectSame(r, k, [['HGETALL', key], ['HSCAN', key, '0']]);
      else await expectSame(r, k, [{ cmd: ['HGETALL', key], normalize: norm.pairs }]);
      const [a, b] = await Promise.all([scanAll(r, key), scanAll(k, key)]);
      expect(b).toEqual(a);
    }
  });
});

describe('hash commands and the rest of the server', () => {
  it('COMMAND INFO / GETKEYS for hash commands', async () => {
    const { r, k } = await pair.clients(2);
    const names = ['hset', 'hmset', 'hsetnx', 'hget', 'hmget', 'hgetall', 'hkeys', 'hvals', 'hlen', 'hstrlen', 'hexists', 'hdel', 'hincrby', 'hincrbyfloat', 'hrandfield', 'hscan'];
    await expectSame(r, k, [
      ['COMMAND', 'INFO', ...names],
      ['COMMAND', 'GETKEYS', 'HSET', 'h', 'a', '1'],
      ['COMMAND', 'GETKEYS', 'HMGET', 'h', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'HSCAN', 'h', '0'],
    ]);
  });
});

/**
 * A normaliser for replies that are random picks: keeps what must hold
 * whatever the dice say (type, length, that every field belongs to the hash,
 * values match their fields, uniqueness for positive counts, RESP3 nesting).
 */
function shapeOf(fields: readonly string[], values: readonly string[], distinct: boolean): (bytes: string) => unknown {
  const valueOf = new Map(fields.map((f, i) => [f, values[i]]));
  return (bytes: string) => {
    const v = decode(bytes) as unknown;
    if (v === null || typeof v === 'string') return { kind: typeof v, member: v === null || valueOf.has(v) };
    if (!Array.isArray(v)) return v;
    const nested = v.length > 0 && Array.isArray(v[0]);
    const pairs: Array<[string, string | undefined]> = [];
    let valuesOk = true;
    if (nested) for (const p of v as string[][]) pairs.push([p[0], p[1]]);
    else pairs.push(...(v as string[]).map((f): [string, undefined] => [f, undefined]));
    // A flat WITHVALUES reply: every other element is a value.
    const flatPairs = !nested && v.length % 2 === 0 && v.length > 0 && v.every((x, i) => (i % 2 === 0 ? valueOf.has(x as string) : !valueOf.has(x as string)));
    let items = pairs;
    if (flatPairs) {
      items = [];
      for (let i = 0; i < v.length; i += 2) items.push([v[i] as string, v[i + 1] as string]);
    }
    for (const [f, val] of items) if (val !== undefined && valueOf.get(f) !== val) valuesOk = false;
    const names = items.map((p) => p[0]);
    return {
      kind: nested ? 'nested' : flatPairs ? 'flat-pairs' : 'flat',
      length: v.length,
      members: names.every((f) => valueOf.has(f)),
      valuesOk,
      unique: distinct ? new Set(names).size === names.length : 'not checked',
    };
  };
}
