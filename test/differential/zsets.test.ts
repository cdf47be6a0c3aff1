/**
 * Sorted set commands against redis-server 7.0.15, in RESP2 and RESP3.
 *
 * Sorted set replies are ordered, so nearly everything is compared byte for
 * byte, OBJECT ENCODING included. Exceptions:
 *   - ZSCAN over a skiplist-encoded set walks Redis's hash table: compared as
 *     the union of a full iteration;
 *   - random picks (ZRANDMEMBER) are compared by shape: reply kinds, length,
 *     membership, distinctness, and that each score belongs to its member.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, norm, startPair, type Cmd, type Pair, type RawClient, type Step } from '../support/differential.js';
import { rng, INT64_MAX, INT64_MIN } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const { r, k } = await pair.clients(2);
  await expectSame(r, k, [
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
  ]);
  r.close();
  k.close();
});

/** Split a command line on spaces (for arguments without spaces). */
const c = (line: string): Cmd => line.split(' ');
const cs = (...lines: string[]): Cmd[] => lines.map(c);

const LONG = 'x'.repeat(65);

/** ZADD key s1 m1 s2 m2 ... for members prefix0..prefixN-1 with score f(i). */
function zaddMany(key: string, n: number, score: (i: number) => string | number = (i) => i, member: (i: number) => string = (i) => `m${i}`): Cmd {
  const cmd: Cmd = ['ZADD', key];
  for (let i = 0; i < n; i++) cmd.push(String(score(i)), member(i));
  return cmd;
}

describe.each([2, 3] as const)('sorted sets (RESP%i)', (proto) => {
  it('ZADD: options, replies, errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1 a', 'ZADD z 2 b 3 c 1 a', 'ZADD z 5 a', 'ZRANGE z 0 -1 WITHSCORES'),
      ...cs('ZADD z CH 5 a 6 b 7 d', 'ZADD z ch 5 a', 'ZRANGE z 0 -1 WITHSCORES'),
      ...cs('ZADD z NX 100 a 8 e', 'ZADD z XX 9 e 10 f', 'ZADD z XX CH 9 e 11 a', 'ZRANGE z 0 -1 WITHSCORES'),
      ...cs('ZADD z GT 1 a 20 b', 'ZADD z GT CH 1 a 20 b 30 c', 'ZADD z LT CH 1 a 50 b', 'ZADD z LT 0 new', 'ZADD z XX GT 1000 a', 'ZRANGE z 0 -1 WITHSCORES'),
      ...cs('ZADD z INCR 1 a', 'ZADD z INCR -1.5 zz', 'ZADD z NX INCR 1 a', 'ZADD z XX INCR 1 nope', 'ZADD z GT INCR -1 a', 'ZADD z LT INCR -1 a', 'ZADD z GT INCR 0 a', 'ZADD z INCR 0 a', 'ZADD z XX INCR 2 a'),
      ...cs('ZADD z xx nx 1 a', 'ZADD z NX GT 1 a', 'ZADD z NX LT 1 a', 'ZADD z GT LT 1 a', 'ZADD z INCR 1 a 2 b', 'ZADD z 1', 'ZADD z 1 a 2', 'ZADD z NX', 'ZADD z', 'ZADD'),
      ...cs('ZADD z abc a', 'ZADD z 1 a x b', 'ZADD z nan a', 'ZADD z 1e400 a', 'ZADD z -1e400 a', 'ZADD z 1e-400 a', 'ZADD z 0e-400 zero', 'ZADD z 1e-310 tiny'),
      ['ZADD', 'z', ' 1', 'a'],
      ['ZADD', 'z', '1 ', 'a'],
      ['ZADD', 'z', '', 'a'],
      ['ZADD', 'z', '1\0', 'a'],
      ...cs('ZADD z inf i1 +inf i2 -inf i3 Infinity i4 -INFINITY i5 0x10 h 0x1p-2 h2 .5 d1 5. d2 1e3 e3 -0 negz +7 p7 0x h3'),
      ...cs('ZADD z 1.5e 1', 'ZADD z 0x1.8p1 h4 0X.8 h5 1E+2 e4'),
      ...cs('ZRANGE z 0 -1 WITHSCORES', 'ZCARD z'),
      ...cs('ZADD inf INCR inf a', 'ZADD inf INCR -inf a', 'ZADD inf INCR +inf a', 'ZSCORE inf a', 'EXISTS inf'),
      ...cs('ZADD newxx XX 1 a', 'EXISTS newxx', 'ZADD newxx XX INCR 1 a', 'ZADD newnx NX INCR 3 a', 'ZADD newgt GT INCR 3 a'),
      ...cs('SET str x', 'ZADD str 1 a', 'ZADD str xx 1 a', 'ZADD str abc a'),
    ]);
  });

  it('ZINCRBY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZINCRBY z 1 a', 'ZINCRBY z 2.5 a', 'ZINCRBY z -10 b', 'ZINCRBY z 0 a', 'ZRANGE z 0 -1 WITHSCORES'),
      ...cs('ZINCRBY z abc a', 'ZINCRBY z nx a', 'ZINCRBY z incr a', 'ZINCRBY z ch ch', 'ZINCRBY z 1', 'ZINCRBY z 1 a b'),
      ...cs('ZINCRBY z inf a', 'ZINCRBY z -inf a', 'ZSCORE z a', 'ZINCRBY z 1e308 b', 'ZINCRBY z 1e308 b', 'ZINCRBY z 0.1 c', 'ZINCRBY z 0.2 c'),
      ...cs('ZINCRBY z -0 negz', 'ZSCORE z negz', 'ZINCRBY z -0 a'),
      ...cs('SET str x', 'ZINCRBY str 1 a'),
    ]);
  });

  it('-0 scores: kept by a skiplist, 0 in a listpack', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD lp -0 a', 'ZSCORE lp a', 'ZINCRBY lp -0 b', 'ZSCORE lp b', 'ZRANGE lp 0 -1 WITHSCORES', 'ZSCAN lp 0'),
      ['ZADD', 'sl', '-0', LONG],
      ...cs('ZADD sl -0 a', 'OBJECT ENCODING sl', 'ZSCORE sl a', 'ZRANGE sl 0 -1 WITHSCORES', 'ZRANGEBYSCORE sl -inf inf WITHSCORES', 'ZMSCORE sl a nope'),
      ...cs('ZUNION 1 sl WITHSCORES', 'ZUNIONSTORE dst 1 sl', 'OBJECT ENCODING dst', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZREM sl ' + LONG, 'ZUNIONSTORE dst 1 sl', 'OBJECT ENCODING dst', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZRANGESTORE dst sl 0 -1', 'OBJECT ENCODING dst', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZPOPMIN sl'),
    ]);
  });

  it('encodings follow zset-max-listpack-entries / -value, one way', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      zaddMany('z', 128),
      c('OBJECT ENCODING z'),
      c('ZADD z 1 m0'),
      c('OBJECT ENCODING z'),
      c('ZADD z 1 m128'),
      c('OBJECT ENCODING z'),
      c('ZREMRANGEBYRANK z 0 100'),
      c('OBJECT ENCODING z'),
      ['ZADD', 'v', '1', 'x'.repeat(64)],
      c('OBJECT ENCODING v'),
      ['ZADD', 'v', '1', LONG],
      c('OBJECT ENCODING v'),
      ['ZADD', 'w', '1', LONG],
      c('OBJECT ENCODING w'),
      c('CONFIG SET zset-max-listpack-entries 0'),
      c('ZADD e0 1 a'),
      c('OBJECT ENCODING e0'),
      c('ZRANGESTORE e1 e0 0 -1'),
      c('OBJECT ENCODING e1'),
      c('ZUNIONSTORE e2 1 e0'),
      c('OBJECT ENCODING e2'),
      c('CONFIG SET zset-max-listpack-entries 3'),
      c('ZADD e3 1 a 2 b 3 c 4 d'),
      c('OBJECT ENCODING e3'),
      c('ZRANGESTORE e4 e3 0 2'),
      c('OBJECT ENCODING e4'),
      c('ZRANGESTORE e4 e3 0 -1'),
      c('OBJECT ENCODING e4'),
      c('ZRANGESTORE e5 e3 -inf inf BYSCORE LIMIT 0 3'),
      c('OBJECT ENCODING e5'),
      c('ZRANGESTORE e5 e3 - + BYLEX'),
      c('OBJECT ENCODING e5'),
      c('ZINTERSTORE e6 2 e3 e3'),
      c('OBJECT ENCODING e6'),
      c('ZDIFFSTORE e7 1 e4'),
      c('OBJECT ENCODING e7'),
      c('CONFIG SET zset-max-listpack-value 2'),
      c('ZADD e8 1 abc'),
      c('OBJECT ENCODING e8'),
      c('ZADD e9 1 ab 2 abc'),
      c('OBJECT ENCODING e9'),
      c('CONFIG SET zset-max-ziplist-value 64'),
      c('CONFIG SET zset-max-ziplist-entries 128'),
      c('ZADD e10 1 abc'),
      c('OBJECT ENCODING e10'),
    ]);
  });

  it('ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1.5 a 2 b 3 c 3 d 1e20 e -1e-5 f 0.1 g 1e17 h 123456789.123 i'),
      ...cs('ZSCORE z a', 'ZSCORE z e', 'ZSCORE z f', 'ZSCORE z g', 'ZSCORE z h', 'ZSCORE z i', 'ZSCORE z nope', 'ZSCORE nokey a'),
      ...cs('ZMSCORE z a b nope c', 'ZMSCORE nokey a b', 'ZMSCORE z'),
      ...cs('ZCARD z', 'ZCARD nokey'),
      ...cs('ZRANK z a', 'ZRANK z e', 'ZRANK z f', 'ZRANK z nope', 'ZRANK nokey a', 'ZREVRANK z a', 'ZREVRANK z e', 'ZREVRANK z nope', 'ZREVRANK nokey a'),
      ...cs('ZRANK z c', 'ZRANK z d', 'ZREVRANK z c', 'ZREVRANK z d'),
      ...cs('SET str x', 'ZSCORE str a', 'ZMSCORE str a', 'ZCARD str', 'ZRANK str a', 'ZREVRANK str a'),
      ...cs('ZRANK z a b', 'ZSCORE z', 'ZCARD'),
    ]);
  });

  it('ZRANGE by rank, ZREVRANGE, WITHSCORES', async () => {
    const { r, k } = await pair.clients(proto);
    const ranges = ['0 -1', '0 0', '1 2', '-2 -1', '-100 100', '5 3', '3 3', '10 20', '-1 -2', '0 -100', `${INT64_MIN} ${INT64_MAX}`, `-9223372036854775807 -9223372036854775807`];
    for (const setup of [zaddMany('z', 6, (i) => i * 1.5), zaddMany('z', 200, (i) => i % 7)]) {
      await expectSame(r, k, [c('DEL z'), setup]);
      const steps: Cmd[] = [];
      for (const rg of ranges) {
        steps.push(c(`ZRANGE z ${rg}`), c(`ZRANGE z ${rg} WITHSCORES`), c(`ZREVRANGE z ${rg}`), c(`ZREVRANGE z ${rg} withscores`), c(`ZRANGE z ${rg} REV WITHSCORES`));
      }
      await expectSame(r, k, steps);
    }
    await expectSame(r, k, [
      ...cs('ZRANGE nokey 0 -1', 'ZRANGE nokey 0 -1 WITHSCORES', 'ZREVRANGE nokey 0 -1'),
      ...cs('ZRANGE z a 1', 'ZRANGE z 0 b', 'ZRANGE z 0 1.5', 'ZRANGE z 0 -1 FOO', 'ZRANGE z 0 -1 LIMIT 0 1', 'ZRANGE z 0 -1 LIMIT 0 -1', 'ZRANGE z 0 -1 LIMIT 0', 'ZRANGE z 0 -1 LIMIT x 1'),
      ...cs('ZRANGE z 0 -1 REV REV', 'ZRANGE z 0 -1 BYSCORE BYLEX', 'ZREVRANGE z 0 -1 REV', 'ZREVRANGE z 0 -1 BYSCORE', 'ZREVRANGE z 0 1 LIMIT 0 1', 'ZRANGE z 0 -1 9223372036854775808'),
      ...cs('SET str x', 'ZRANGE str 0 -1', 'ZRANGE str a b', 'ZREVRANGE str 0 -1', 'ZRANGE str 0 -1 FOO'),
      ...cs('ZRANGE z 0', 'ZREVRANGE z 0'),
    ]);
  });

  it('ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGE BYSCORE / ZCOUNT', async () => {
    const { r, k } = await pair.clients(proto);
    const bounds: Array<[string, string]> = [
      ['-inf', '+inf'],
      ['-inf', 'inf'],
      ['1', '3'],
      ['(1', '3'],
      ['1', '(3'],
      ['(1', '(3'],
      ['(1', '(1'],
      ['1', '1'],
      ['3', '1'],
      ['2.5', '2.5'],
      ['(-inf', '(+inf'],
      ['-1e400', '1e400'],
      ['', '(3'],
      ['(', '5'],
      [' 2', '4'],
      ['0x2', '0x4'],
      ['-Infinity', 'infinity'],
      ['1\0zz', '3\0'],
      ['100', '200'],
      ['-100', '-50'],
    ];
    const bad: Array<[string, string]> = [
      ['a', '1'],
      ['1', 'b'],
      ['nan', '1'],
      ['1 ', '2'],
      ['(', '(a'],
      ['((1', '2'],
      ['[1', '2'],
      ['1', ' '],
      ['0x', '1'],
    ];
    for (const setup of [zaddMany('z', 9, (i) => [-Infinity, 1, 1, 2, 2.5, 3, 3, 4, Infinity][i]), zaddMany('z', 300, (i) => (i % 11) / 2 - 1)]) {
      await expectSame(r, k, [c('DEL z'), setup]);
      const steps: Cmd[] = [];
      for (const [a, b] of bounds) {
        steps.push(['ZRANGEBYSCORE', 'z', a, b], ['ZRANGEBYSCORE', 'z', a, b, 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', b, a], ['ZREVRANGEBYSCORE', 'z', b, a, 'WITHSCORES']);
        steps.push(['ZRANGE', 'z', a, b, 'BYSCORE'], ['ZRANGE', 'z', b, a, 'BYSCORE', 'REV', 'WITHSCORES'], ['ZCOUNT', 'z', a, b]);
        for (const [off, cnt] of [
          ['0', '2'],
          ['1', '3'],
          ['2', '-1'],
          ['-1', '2'],
          ['0', '0'],
          ['5', '1'],
          ['1000', '1'],
          ['0', INT64_MAX],
          [INT64_MAX, '1'],
          ['298', '10'],
        ]) {
          steps.push(['ZRANGEBYSCORE', 'z', a, b, 'LIMIT', off, cnt], ['ZREVRANGEBYSCORE', 'z', b, a, 'WITHSCORES', 'LIMIT', off, cnt], ['ZRANGE', 'z', b, a, 'BYSCORE', 'REV', 'LIMIT', off, cnt]);
        }
      }
      for (const [a, b] of bad) steps.push(['ZRANGEBYSCORE', 'z', a, b], ['ZCOUNT', 'z', a, b], ['ZRANGE', 'z', a, b, 'BYSCORE'], ['ZREVRANGEBYSCORE', 'z', a, b]);
      await expectSame(r, k, steps);
    }
    await expectSame(r, k, [
      ...cs('ZRANGEBYSCORE z 0 1 LIMIT', 'ZRANGEBYSCORE z 0 1 LIMIT 1', 'ZRANGEBYSCORE z 0 1 LIMIT a 1', 'ZRANGEBYSCORE z 0 1 LIMIT 1 b', 'ZRANGEBYSCORE z 0 1 REV', 'ZRANGEBYSCORE z 0 1 BYSCORE', 'ZRANGEBYSCORE z 0 1 BYLEX', 'ZRANGEBYSCORE z 0 1 WITHSCORES WITHSCORES'),
      ...cs('ZRANGEBYSCORE nokey 0 1', 'ZREVRANGEBYSCORE nokey 1 0 WITHSCORES', 'ZCOUNT nokey 0 1', 'ZCOUNT nokey a 1'),
      ...cs('SET str x', 'ZRANGEBYSCORE str 0 1', 'ZRANGEBYSCORE str a 1', 'ZCOUNT str 0 1', 'ZCOUNT str a 1', 'ZRANGEBYSCORE str 0 1 FOO'),
      ...cs('ZRANGEBYSCORE z 0', 'ZCOUNT z 0'),
    ]);
  });

  it('lex ranges: ZRANGEBYLEX / ZREVRANGEBYLEX / ZRANGE BYLEX / ZLEXCOUNT', async () => {
    const { r, k } = await pair.clients(proto);
    const members = ['a', 'aa', 'ab', 'b', 'ba', 'c', 'd', 'e', 'z', 'zz', '', '\x00', '\xff', 'a\x00'];
    const bounds: Array<[string, string]> = [
      ['-', '+'],
      ['+', '-'],
      ['-', '-'],
      ['+', '+'],
      ['[a', '[c'],
      ['(a', '(c'],
      ['[a', '(c'],
      ['(a', '[c'],
      ['[aa', '[aa'],
      ['(aa', '[aa'],
      ['[c', '[a'],
      ['-', '[b'],
      ['(b', '+'],
      ['[', '+'],
      ['(', '+'],
      ['-', '('],
      ['[\x00', '[\xff'],
      ['[a\x00', '+'],
      ['[zzz', '+'],
      ['-', '(\x00'],
    ];
    const bad: Array<[string, string]> = [
      ['a', '[b'],
      ['[a', 'b'],
      ['', '+'],
      ['-a', '+'],
      ['-', '+b'],
      ['1', '2'],
    ];
    for (const setup of [zaddMany('z', members.length, () => 0, (i) => members[i]), zaddMany('z', 200, () => 0, (i) => `k${String(i).padStart(3, '0')}`)]) {
      await expectSame(r, k, [c('DEL z'), setup, c('OBJECT ENCODING z')]);
      const steps: Cmd[] = [];
      const bs = setup.length > 100 ? [...bounds, ['[k050', '(k100'], ['(k199', '+'], ['-', '[k000']] : bounds;
      for (const [a, b] of bs) {
        steps.push(['ZRANGEBYLEX', 'z', a, b], ['ZREVRANGEBYLEX', 'z', b, a], ['ZRANGE', 'z', a, b, 'BYLEX'], ['ZRANGE', 'z', b, a, 'BYLEX', 'REV'], ['ZLEXCOUNT', 'z', a, b]);
        for (const [off, cnt] of [
          ['0', '2'],
          ['1', '3'],
          ['2', '-1'],
          ['-1', '2'],
          ['0', '0'],
          ['1000', '1'],
        ]) {
          steps.push(['ZRANGEBYLEX', 'z', a, b, 'LIMIT', off, cnt], ['ZREVRANGEBYLEX', 'z', b, a, 'LIMIT', off, cnt]);
        }
      }
      for (const [a, b] of bad) steps.push(['ZRANGEBYLEX', 'z', a, b], ['ZLEXCOUNT', 'z', a, b], ['ZRANGE', 'z', a, b, 'BYLEX']);
      await expectSame(r, k, steps);
    }
    await expectSame(r, k, [
      ...cs('ZRANGEBYLEX z - + WITHSCORES', 'ZRANGE z - + BYLEX WITHSCORES', 'ZRANGEBYLEX z - + LIMIT 0', 'ZRANGEBYLEX z - + REV', 'ZRANGEBYLEX z - + BYSCORE'),
      ...cs('ZRANGEBYLEX nokey - +', 'ZLEXCOUNT nokey - +', 'ZLEXCOUNT nokey a +'),
      ...cs('SET str x', 'ZRANGEBYLEX str - +', 'ZRANGEBYLEX str a +', 'ZLEXCOUNT str - +', 'ZLEXCOUNT str a b'),
    ]);
  });

  it('lex ranges over mixed scores in a listpack (linear scans, as Redis)', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(7);
    const letters = 'abcdefgh';
    for (let round = 0; round < 25; round++) {
      const setup: Cmd = ['ZADD', 'm'];
      const n = 1 + Math.floor(rand() * 10);
      for (let i = 0; i < n; i++) setup.push(String(Math.floor(rand() * 4)), letters[Math.floor(rand() * 8)] + (rand() < 0.3 ? letters[Math.floor(rand() * 8)] : ''));
      const steps: Cmd[] = [c('DEL m'), setup];
      for (let q = 0; q < 6; q++) {
        const bound = () => {
          const x = rand();
          if (x < 0.1) return '-';
          if (x < 0.2) return '+';
          return (rand() < 0.5 ? '[' : '(') + letters[Math.floor(rand() * 8)];
        };
        const a = bound();
        const b = bound();
        steps.push(['ZRANGEBYLEX', 'm', a, b], ['ZREVRANGEBYLEX', 'm', b, a], ['ZLEXCOUNT', 'm', a, b], ['ZRANGEBYLEX', 'm', a, b, 'LIMIT', '1', '2']);
      }
      const a = (rand() < 0.5 ? '[' : '(') + letters[Math.floor(rand() * 8)];
      steps.push(['ZREMRANGEBYLEX', 'm', a, '+'], c('ZRANGE m 0 -1 WITHSCORES'));
      await expectSame(r, k, steps);
    }
  });

  it('ZRANGESTORE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD src 1 a 2 b 3 c 4 d 5 e', 'ZADD lex 0 a 0 b 0 c 0 d'),
      ...cs('ZRANGESTORE dst src 0 -1', 'ZRANGE dst 0 -1 WITHSCORES', 'ZRANGESTORE dst src 1 2', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZRANGESTORE dst src 0 -1 REV', 'ZRANGE dst 0 -1 WITHSCORES', 'ZRANGESTORE dst src (2 +inf BYSCORE LIMIT 1 2', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZRANGESTORE dst src 4 2 BYSCORE REV', 'ZRANGE dst 0 -1 WITHSCORES', 'ZRANGESTORE dst lex [b + BYLEX', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('ZRANGESTORE dst lex + [b BYLEX REV LIMIT 0 1', 'ZRANGE dst 0 -1 WITHSCORES'),
      ...cs('SET dst2 x', 'EXPIRE dst2 100', 'ZRANGESTORE dst2 src 0 0', 'TTL dst2', 'TYPE dst2'),
      ...cs('ZRANGESTORE dst src 5 10', 'EXISTS dst', 'ZRANGESTORE dst src 0 -1', 'ZRANGESTORE dst nokey 0 -1', 'EXISTS dst', 'ZRANGESTORE dst nokey 0 -1'),
      ...cs('ZRANGESTORE src src 1 -1', 'ZRANGE src 0 -1 WITHSCORES'),
      ...cs('ZRANGESTORE dst src 0 -1 WITHSCORES', 'ZRANGESTORE dst src 0 -1 LIMIT 0 1', 'ZRANGESTORE dst src a b', 'ZRANGESTORE dst src a b BYSCORE', 'ZRANGESTORE dst src a b BYLEX'),
      ...cs('SET str x', 'ZRANGESTORE dst str 0 -1', 'ZRANGESTORE str src 0 -1', 'TYPE str', 'ZRANGESTORE dst src 0'),
    ]);
  });

  it('ZREM and ZREMRANGEBY*', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1 a 2 b 3 c 4 d 5 e', 'ZREM z a nope', 'ZREM z nope', 'ZREM z b b c', 'ZRANGE z 0 -1', 'ZREM z d e f', 'EXISTS z', 'ZREM nokey a'),
      ...cs('SET str x', 'ZREM str a', 'ZREM z'),
    ]);
    const rank = ['0 0', '0 -1', '1 2', '-2 -1', '5 3', '-100 1', '10 20', '2 100', 'a 1', '1 b'];
    const score = ['-inf +inf', '(1 3', '2 2', '3 1', '(2 (2', 'a 1', '1 (b', '', '-inf (1'];
    const lex = ['- +', '[b [c', '(a (c', '[c [a', '- (b', 'a +', '[a b'];
    for (const setup of [zaddMany('z', 5, (i) => i + 1, (i) => 'abcde'[i]), zaddMany('z', 150, (i) => i % 10, (i) => `k${String(i).padStart(3, '0')}`)]) {
      const steps: Array<Cmd | Step> = [];
      for (const rg of rank) steps.push(c('DEL z'), setup, c(`ZREMRANGEBYRANK z ${rg}`), c('ZRANGE z 0 -1 WITHSCORES'), c('EXISTS z'));
      for (const rg of score) steps.push(c('DEL z'), setup, ['ZREMRANGEBYSCORE', 'z', ...(rg ? rg.split(' ') : ['', ''])], c('ZRANGE z 0 -1 WITHSCORES'), c('EXISTS z'));
      for (const rg of lex) steps.push(c('DEL z'), setup, c(`ZREMRANGEBYLEX z ${rg}`), c('ZRANGE z 0 -1'), c('EXISTS z'));
      await expectSame(r, k, steps);
    }
    await expectSame(r, k, [
      ...cs('ZADD lex 0 a 0 b 0 c', 'ZREMRANGEBYLEX lex - +', 'EXISTS lex'),
      ...cs('ZREMRANGEBYRANK nokey 0 -1', 'ZREMRANGEBYSCORE nokey 0 1', 'ZREMRANGEBYLEX nokey - +', 'ZREMRANGEBYRANK nokey a 1', 'ZREMRANGEBYSCORE nokey a 1', 'ZREMRANGEBYLEX nokey a +'),
      ...cs('ZREMRANGEBYRANK str 0 -1', 'ZREMRANGEBYSCORE str 0 1', 'ZREMRANGEBYLEX str - +', 'ZREMRANGEBYRANK str a 1', 'ZREMRANGEBYSCORE str a 1', 'ZREMRANGEBYLEX str a +'),
    ]);
  });

  it('ZPOPMIN / ZPOPMAX / ZMPOP', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1 a 2 b 3 c 4 d 5 e 6 f'),
      ...cs('ZPOPMIN z', 'ZPOPMAX z', 'ZPOPMIN z 2', 'ZPOPMAX z 1', 'ZPOPMIN z 0', 'ZPOPMAX z 10', 'EXISTS z'),
      ...cs('ZPOPMIN nokey', 'ZPOPMIN nokey 2', 'ZPOPMAX nokey 0', 'ZPOPMIN z -1', 'ZPOPMIN z abc', 'ZPOPMIN z 1 2', `ZPOPMIN z ${INT64_MAX}`, `ZPOPMIN z ${INT64_MIN}`),
      ...cs('SET str x', 'ZPOPMIN str', 'ZPOPMAX str 0', 'ZPOPMIN str -1'),
      ...cs('ZADD z 1 a 2 b 3 c', 'ZADD y 10 x 20 y'),
      ...cs('ZMPOP 1 z MIN', 'ZMPOP 2 nokey z MAX', 'ZMPOP 2 nokey y min COUNT 5', 'EXISTS y', 'ZMPOP 1 z max count 1', 'EXISTS z', 'ZMPOP 2 z y MIN', 'ZMPOP 1 z MIN COUNT 10'),
      ...cs('ZADD z 1 a', 'ZMPOP 0 z MIN', 'ZMPOP -1 z MIN', 'ZMPOP abc z MIN', 'ZMPOP 1 z MID', 'ZMPOP 2 z MIN', 'ZMPOP 1 z MIN COUNT', 'ZMPOP 1 z MIN COUNT 0', 'ZMPOP 1 z MIN COUNT -1', 'ZMPOP 1 z MIN COUNT x'),
      ...cs('ZMPOP 1 z MIN COUNT 1 COUNT 1', 'ZMPOP 1 z MIN FOO', 'ZMPOP 2 str z MIN', 'ZMPOP 2 z str MIN', 'ZMPOP 1 z', 'ZPOPMIN'),
    ]);
  });

  it('ZRANDMEMBER: deterministic cases byte for byte, random ones by shape', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1 a 2 b 3 c 4 d 5 e'),
      ['ZADD', 'big', '1', LONG, '2', 'b', '3', 'c'],
      ...cs('ZRANDMEMBER z 5', 'ZRANDMEMBER z 100 WITHSCORES', 'ZRANDMEMBER big 3', 'ZRANDMEMBER big 10 WITHSCORES', 'ZRANDMEMBER z 0', 'ZRANDMEMBER z 0 WITHSCORES'),
      ...cs('ZRANDMEMBER nokey', 'ZRANDMEMBER nokey 5', 'ZRANDMEMBER nokey -5 WITHSCORES', 'ZRANDMEMBER nokey 0'),
      ...cs('ZRANDMEMBER z abc', 'ZRANDMEMBER z 1 foo', 'ZRANDMEMBER z 1 withscores x', `ZRANDMEMBER z ${INT64_MIN}`, `ZRANDMEMBER z ${INT64_MIN} WITHSCORES`, 'ZRANDMEMBER z 9223372036854775808'),
      ...cs(`ZRANDMEMBER z ${INT64_MAX} WITHSCORES`, 'ZRANDMEMBER z -4611686018427387904 WITHSCORES', 'ZRANDMEMBER z 4611686018427387904 withscores', 'ZRANDMEMBER nokey 4611686018427387904 WITHSCORES'),
      ...cs('SET str x', 'ZRANDMEMBER str', 'ZRANDMEMBER str 1', 'ZRANDMEMBER str abc'),
    ]);
    const scores: Record<string, string> = { a: '1', b: '2', c: '3', d: '4', e: '5' };
    const shape = (bytes: string, repeats: boolean) => {
      const v = decode(bytes) as unknown;
      if (v === null || typeof v === 'string') return { kind: v === null ? 'null' : 'bulk', member: v === null || v in scores };
      const items = v as unknown[];
      const flat: Array<[string, unknown]> = [];
      let kinds = '';
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        if (Array.isArray(it)) {
          kinds += 'p';
          flat.push([it[0] as string, it[1]]);
        } else if (typeof it === 'string' && i + 1 < items.length && typeof items[i + 1] === 'object' && items[i + 1] !== null && !Array.isArray(items[i + 1])) {
          kinds += 'm';
          flat.push([it, items[i + 1]]);
          i++;
        } else {
          kinds += 's';
          flat.push([it as string, undefined]);
        }
      }
      const names = flat.map((p) => p[0]);
      return {
        kind: 'array',
        len: items.length,
        kinds,
        members: names.every((m) => m in scores),
        distinct: repeats || new Set(names).size === names.length,
        scoresMatch: flat.every(([m, s]) => s === undefined || JSON.stringify(s) === JSON.stringify(proto === 3 ? { double: scores[m] } : scores[m])),
      };
    };
    const steps: Step[] = [];
    for (const cmd of ['ZRANDMEMBER z', 'ZRANDMEMBER z 1', 'ZRANDMEMBER z 2', 'ZRANDMEMBER z 4', 'ZRANDMEMBER z -3', 'ZRANDMEMBER z -20', 'ZRANDMEMBER z 1 WITHSCORES', 'ZRANDMEMBER z 3 WITHSCORES', 'ZRANDMEMBER z -7 WITHSCORES']) {
      for (let i = 0; i < 5; i++) steps.push({ cmd: c(cmd), normalize: (b) => shape(b, cmd.includes('-')) });
    }
    await expectSame(r, k, steps);
    // A large skiplist: distinct picks use both strategies (count*3 > size and not).
    const many = zaddMany('L', 400, (i) => i, (i) => `m${i}`);
    await expectSame(r, k, [many]);
    const allScores = (bytes: string) => {
      const v = decode(bytes) as unknown[];
      const names = v.map((x) => (Array.isArray(x) ? x[0] : x)).filter((x) => typeof x === 'string' && x.startsWith('m')) as string[];
      return { len: v.length, names: names.length, distinct: new Set(names).size, ok: names.every((m) => Number(m.slice(1)) < 400) };
    };
    const withRepeats = (bytes: string) => {
      const { distinct: _, ...rest } = allScores(bytes);
      return rest;
    };
    await expectSame(r, k, [
      { cmd: c('ZRANDMEMBER L 300'), normalize: allScores },
      { cmd: c('ZRANDMEMBER L 50 WITHSCORES'), normalize: allScores },
      { cmd: c('ZRANDMEMBER L -50'), normalize: withRepeats },
      { cmd: c('ZRANDMEMBER L 399'), normalize: allScores },
    ]);
  });

  it('ZUNION / ZINTER / ZDIFF (+STORE), weights, aggregates, sets as inputs', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD a 1 x 2 y 3 z', 'ZADD b 10 y 20 z 30 w', 'ZADD c 100 z', 'SADD s y w q', 'SADD si 1 2 3', 'ZADD ni 1 1 2 2 5 5'),
      ...cs('ZUNION 2 a b', 'ZUNION 2 a b WITHSCORES', 'ZUNION 3 a b c WITHSCORES AGGREGATE MIN', 'ZUNION 3 a b c AGGREGATE MAX WITHSCORES', 'ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES'),
      ...cs('ZINTER 2 a b', 'ZINTER 2 a b WITHSCORES', 'ZINTER 3 a b c WITHSCORES', 'ZINTER 2 a b AGGREGATE MIN WITHSCORES', 'ZINTER 2 a b WEIGHTS -1 2 AGGREGATE max WITHSCORES'),
      ...cs('ZDIFF 2 b a', 'ZDIFF 2 b a WITHSCORES', 'ZDIFF 3 a b c WITHSCORES', 'ZDIFF 1 a WITHSCORES', 'ZDIFF 2 a a', 'ZDIFF 2 nokey a'),
      ...cs('ZUNION 2 a s WITHSCORES', 'ZINTER 2 a s WITHSCORES', 'ZDIFF 2 s a WITHSCORES', 'ZUNION 2 si ni WITHSCORES', 'ZINTER 2 si ni WEIGHTS 2 3 WITHSCORES', 'ZDIFF 2 si ni', 'ZUNION 1 s WITHSCORES'),
      ...cs('ZUNION 2 a nokey WITHSCORES', 'ZINTER 2 a nokey', 'ZINTER 2 a a WITHSCORES', 'ZUNION 2 a a WITHSCORES'),
      ...cs('ZUNIONSTORE d 2 a b', 'ZRANGE d 0 -1 WITHSCORES', 'ZINTERSTORE d 2 a b WEIGHTS 1 2', 'ZRANGE d 0 -1 WITHSCORES', 'ZDIFFSTORE d 2 b a', 'ZRANGE d 0 -1 WITHSCORES'),
      ...cs('ZINTERSTORE d 2 a c', 'ZRANGE d 0 -1 WITHSCORES', 'ZINTERSTORE d 2 a nokey', 'EXISTS d', 'ZINTERSTORE d 2 a nokey', 'ZUNIONSTORE a 2 a b', 'ZRANGE a 0 -1 WITHSCORES'),
      ...cs('SET str x', 'EXPIRE d 100', 'ZUNIONSTORE str 1 b', 'TYPE str', 'ZUNIONSTORE d 1 b', 'TTL d'),
      // inf arithmetic: inf + -inf is 0 in SUM, NaN weights
      ...cs('ZADD pi 1 x inf y -inf z 0 w', 'ZADD ni2 -inf x -inf y inf z inf w'),
      ...cs('ZUNION 2 pi ni2 WITHSCORES', 'ZINTER 2 pi ni2 WITHSCORES', 'ZUNION 2 pi ni2 WEIGHTS 0 1 WITHSCORES', 'ZINTER 2 pi ni2 WEIGHTS 0 0 WITHSCORES AGGREGATE MIN', 'ZINTER 2 pi ni2 WEIGHTS 1 0 AGGREGATE MAX WITHSCORES', 'ZUNION 1 pi WEIGHTS inf WITHSCORES', 'ZUNION 1 pi WEIGHTS -inf WITHSCORES'),
      ...cs('ZADD f1 0.1 x 0.2 y', 'ZADD f2 0.2 x 0.1 y 5 z', 'ZADD f3 0.3 x 0.3 y 1 z 2 q', 'ZUNION 3 f3 f2 f1 WITHSCORES', 'ZINTER 3 f1 f2 f3 WITHSCORES', 'ZUNION 3 f1 f2 f3 WEIGHTS 0.1 0.7 3 WITHSCORES'),
      // errors
      ...cs('ZUNION 0 a', 'ZUNION -1 a', 'ZUNION abc a', 'ZUNION 3 a b', 'ZUNION 1 a WEIGHTS', 'ZUNION 1 a WEIGHTS x', 'ZUNION 2 a b WEIGHTS 1', 'ZUNION 1 a AGGREGATE', 'ZUNION 1 a AGGREGATE foo', 'ZUNION 1 a FOO'),
      ...cs('ZUNIONSTORE d 0 a', 'ZINTERSTORE d 0 a', 'ZDIFFSTORE d 0 a', 'ZINTER 0 a', 'ZDIFF 0 a', 'ZUNIONSTORE d 1 a WITHSCORES', 'ZDIFF 1 a WEIGHTS 1', 'ZDIFF 1 a AGGREGATE SUM', 'ZDIFFSTORE d 1 a WEIGHTS 1'),
      ...cs('ZUNION 1 str', 'ZUNION 1 str WEIGHTS', 'ZINTER 2 a str', 'ZDIFF 2 a str', 'ZUNIONSTORE d 2 a str', 'ZUNION 1 a WEIGHTS 1 WEIGHTS 2 WITHSCORES', 'ZUNION 1 a WITHSCORES WITHSCORES'),
      ...cs('ZUNION 1 a WEIGHTS 1e400', 'ZUNION 1 a WEIGHTS nan'),
      // ZINTERCARD
      ...cs('ZINTERCARD 2 a b', 'ZINTERCARD 2 a b LIMIT 1', 'ZINTERCARD 2 a b LIMIT 0', 'ZINTERCARD 1 a LIMIT 2', 'ZINTERCARD 2 a s', 'ZINTERCARD 2 a nokey', 'ZINTERCARD 1 nokey'),
      ...cs('ZINTERCARD 0 a', 'ZINTERCARD -1 a', 'ZINTERCARD x a', 'ZINTERCARD 2 a', 'ZINTERCARD 1 a LIMIT -1', 'ZINTERCARD 1 a LIMIT x', 'ZINTERCARD 1 a LIMIT', 'ZINTERCARD 1 a WITHSCORES', 'ZINTERCARD 1 a WEIGHTS 1', 'ZINTERCARD 1 str', 'ZINTERCARD 2 a str LIMIT x'),
    ]);
  });

  it('ZUNION/ZINTER with many random sets (order of float sums)', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(99);
    for (let round = 0; round < 8; round++) {
      const steps: Cmd[] = [];
      const keys: string[] = [];
      const nk = 2 + Math.floor(rand() * 3);
      for (let i = 0; i < nk; i++) {
        const key = `r${i}`;
        keys.push(key);
        const n = 1 + Math.floor(rand() * (round % 2 ? 200 : 20));
        const cmd: Cmd = ['ZADD', key];
        for (let j = 0; j < n; j++) cmd.push(String(Math.round(rand() * 1e6) / 1e3 - 500), `e${Math.floor(rand() * 60)}`);
        steps.push(['DEL', key], cmd);
      }
      const weights = keys.map(() => String(Math.round(rand() * 100) / 7));
      for (const agg of ['SUM', 'MIN', 'MAX']) {
        steps.push(['ZUNION', String(nk), ...keys, 'WEIGHTS', ...weights, 'AGGREGATE', agg, 'WITHSCORES']);
        steps.push(['ZINTER', String(nk), ...keys, 'WEIGHTS', ...weights, 'AGGREGATE', agg, 'WITHSCORES']);
      }
      steps.push(['ZDIFF', String(nk), ...keys, 'WITHSCORES'], ['ZUNIONSTORE', 'out', String(nk), ...keys], ['OBJECT', 'ENCODING', 'out'], ['ZINTERCARD', String(nk), ...keys]);
      await expectSame(r, k, steps);
    }
  });

  it('ZSCAN', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z 1 a 2 b 3 c 1.5 ab 0.1 x', 'ZSCAN z 0', 'ZSCAN z 0 MATCH a*', 'ZSCAN z 0 COUNT 1', 'ZSCAN z 123', 'ZSCAN z 0 MATCH *b* COUNT 100'),
      ...cs('ZSCAN nokey 0', 'ZSCAN nokey 0 FOO', 'ZSCAN z abc', 'ZSCAN z -1', 'ZSCAN z 0 COUNT 0', 'ZSCAN z 0 COUNT x', 'ZSCAN z 0 MATCH', 'ZSCAN z 0 TYPE zset', 'ZSCAN z 0 NOVALUES', 'ZSCAN z 18446744073709551616', 'ZSCAN z 18446744073709551615'),
      ...cs('SET str x', 'ZSCAN str 0', 'ZSCAN str x', 'ZSCAN str 0 FOO'),
    ]);
    // A skiplist: iterate to the end on both and compare what was seen.
    await expectSame(r, k, [zaddMany('big', 300, (i) => i / 3)]);
    const full = async (cl: RawClient, match?: string) => {
      const seen = new Map<string, string>();
      let cursor = '0';
      let calls = 0;
      do {
        const v = decode(await cl.call('ZSCAN', 'big', cursor, 'COUNT', '17', ...(match ? ['MATCH', match] : []))) as [string, string[]];
        cursor = v[0];
        for (let i = 0; i < v[1].length; i += 2) seen.set(v[1][i], v[1][i + 1]);
        calls++;
      } while (cursor !== '0' && calls < 1000);
      return [...seen.entries()].sort();
    };
    expect(await full(k)).toEqual(await full(r));
    expect(await full(k, 'm1*')).toEqual(await full(r, 'm1*'));
  });

  it('binary-safe members', async () => {
    const { r, k } = await pair.clients(proto);
    const bin = Buffer.from([0, 1, 2, 0xff, 0x80, 0x0d, 0x0a]);
    const bin2 = Buffer.from([0, 1, 2, 0xff, 0x80]);
    await expectSame(r, k, [
      ['ZADD', 'z', '1', bin, '1', bin2, '1', 'plain', '0', Buffer.from('é', 'utf8')],
      c('ZRANGE z 0 -1 WITHSCORES'),
      ['ZSCORE', 'z', bin],
      ['ZRANK', 'z', bin2],
      ['ZRANGEBYLEX', 'z', Buffer.concat([Buffer.from('['), bin2]), '+'],
      ['ZREM', 'z', bin],
      c('ZRANGE z 0 -1'),
    ]);
  });

  it('large sets: ranks and ranges at 20k members', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(3);
    const steps: Cmd[] = [];
    for (let b = 0; b < 20; b++) steps.push(zaddMany('big', 1000, () => Math.floor(rand() * 5000), (i) => `m${b * 1000 + i}`));
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ...cs('ZCARD big', 'OBJECT ENCODING big', 'ZRANGE big 0 9 WITHSCORES', 'ZRANGE big 10000 10009 WITHSCORES', 'ZRANGE big -10 -1 WITHSCORES', 'ZREVRANGE big 5000 5005 WITHSCORES'),
      ...cs('ZRANK big m12345', 'ZREVRANK big m12345', 'ZCOUNT big 1000 2000', 'ZRANGEBYSCORE big (2500 2501 WITHSCORES', 'ZRANGEBYSCORE big 100 +inf LIMIT 5000 5', 'ZREVRANGEBYSCORE big +inf -inf LIMIT 15000 3'),
      ...cs('ZREMRANGEBYRANK big 100 5000', 'ZCARD big', 'ZREMRANGEBYSCORE big 2000 3000', 'ZCARD big', 'ZRANGE big 100 105 WITHSCORES', 'ZPOPMIN big 3', 'ZPOPMAX big 3'),
    ]);
  });

  it('keyspace notifications', async () => {
    const { r, k } = await pair.clients(proto);
    const subs = await pair.clients(2);
    for (const cl of [subs.r, subs.k]) {
      await cl.call('PSUBSCRIBE', '*');
    }
    await expectSame(r, k, [c('CONFIG SET notify-keyspace-events KEA')]);
    const cmds = cs(
      'ZADD z 1 a 2 b 3 c',
      'ZADD z 1 a',
      'ZADD z XX 5 nope',
      'ZADD z INCR 1 a',
      'ZINCRBY z 1 b',
      'ZREM z nope',
      'ZREM z a',
      'ZREMRANGEBYRANK z 5 6',
      'ZREMRANGEBYRANK z 0 0',
      'ZADD z 1 a 2 b 3 c',
      'ZREMRANGEBYSCORE z 1 1',
      'ZREMRANGEBYLEX z [b [b',
      'ZADD z 0 x 0 y',
      'ZPOPMIN z',
      'ZPOPMAX z 10',
      'ZADD z 1 a',
      'ZMPOP 1 z MAX',
      'ZADD z 1 a 2 b',
      'ZUNIONSTORE u 1 z',
      'ZINTERSTORE i 1 z',
      'ZDIFFSTORE d 1 z',
      'ZRANGESTORE rs z 0 0',
      'ZUNIONSTORE u 1 nokey',
      'ZRANGESTORE rs nokey 0 -1',
      'ZRANGESTORE rs z 5 6',
      'ZREM z a b',
      'PUBLISH end x',
    );
    await expectSame(r, k, cmds);
    const drain = async (cl: RawClient) => {
      const out: string[] = [];
      await cl.read(); // psubscribe confirmation
      for (;;) {
        const m = await cl.read();
        out.push(m);
        if (m.includes('\r\nend\r\n')) break;
      }
      return out;
    };
    expect(await drain(subs.k)).toEqual(await drain(subs.r));
    subs.r.close();
    subs.k.close();
  });

  it('signals keyReady for blocked clients whenever members are added (RedKit only)', async () => {
    const { r, k } = await pair.clients(proto);
    const hooks = pair.redkit.store.hooks;
    const original = hooks.keyReady;
    const seen: string[] = [];
    hooks.keyReady = (db, key) => {
      seen.push(`${db.id}:${key}`);
      original?.(db, key);
    };
    try {
      await expectSame(r, k, [
        ...cs('ZADD z 1 a', 'ZADD z 1 a', 'ZADD z XX 2 a', 'ZADD z 3 b', 'ZINCRBY y 1 a', 'ZADD w NX 1 a', 'ZADD nokey XX 1 a'),
        ...cs('ZUNIONSTORE u 1 z', 'ZUNIONSTORE e 1 nokey', 'ZRANGESTORE rs z 0 -1', 'ZREM z a', 'ZPOPMIN z', 'GEOADD g 1 1 p', 'GEOSEARCHSTORE gs g FROMLONLAT 1 1 BYRADIUS 1 km'),
      ]);
    } finally {
      hooks.keyReady = original;
    }
    expect(seen).toEqual(['0:z', '0:z', '0:y', '0:w', '0:u', '0:rs', '0:g', '0:gs']);
  });

  it('arity errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ...cs('ZADD z', 'ZINCRBY z 1', 'ZCARD', 'ZSCORE z', 'ZMSCORE z', 'ZRANGE z 0', 'ZRANGESTORE d z 0', 'ZRANGEBYSCORE z 0', 'ZREVRANGEBYSCORE z 0', 'ZRANGEBYLEX z -', 'ZREVRANGEBYLEX z +', 'ZCOUNT z 0', 'ZLEXCOUNT z -'),
      ...cs('ZREM z', 'ZREMRANGEBYRANK z 0', 'ZREMRANGEBYSCORE z 0', 'ZREMRANGEBYLEX z -', 'ZPOPMIN', 'ZMPOP 1', 'ZRANDMEMBER', 'ZUNION 1', 'ZINTER', 'ZDIFF', 'ZINTERCARD 1', 'ZUNIONSTORE d 1', 'ZSCAN z', 'ZRANK z', 'ZREVRANK z'),
    ]);
  });
});

describe('forward range replies served from cached member encodings', () => {
  // The third read of an unchanged set copies the members' RESP bytes from its
  // leaves; every write must make the next reads see the new contents.
  const READS = cs(
    'ZRANGE big 0 9',
    'ZRANGE big 60 70',
    'ZRANGE big -5 -1',
    'ZRANGE big 0 -1',
    'ZRANGE big 299 400',
    'ZRANGEBYSCORE big 10 20',
    'ZRANGEBYSCORE big (10 (20',
    'ZRANGEBYSCORE big 60 130 LIMIT 0 10',
    'ZRANGEBYSCORE big -inf +inf LIMIT 5 100',
    'ZRANGEBYSCORE big 1 299 LIMIT 64 -1',
    'ZRANGEBYSCORE big 100 200 LIMIT 0 0',
    'ZRANGEBYSCORE big 500 600',
    'ZRANGE big 100 300 BYSCORE LIMIT 1 70',
    'ZRANGE small 0 -1',
    'ZRANGEBYSCORE small -inf +inf',
    'ZRANGE big 0 9 WITHSCORES',
    'ZRANGE big 60 140 WITHSCORES',
    'ZRANGEBYSCORE big 10 30 WITHSCORES LIMIT 2 50',
    'ZRANGE odd 0 -1 WITHSCORES',
    'ZRANGEBYSCORE odd -inf +inf WITHSCORES',
    'ZRANGE small 0 -1 WITHSCORES',
  );
  const reads = (): Cmd[] => [...READS, ...READS, ...READS];
  it.each([2, 3] as const)('repeated reads, then after each kind of write (RESP%i)', async (proto) => {
    const { r, k } = await pair.clients(proto);
    const member = (i: number) => (i % 7 === 0 ? `m${i}\x00\xff` : i % 11 === 0 ? 'L'.repeat(120) + i : i === 5 ? '' : `m${i}`);
    await expectSame(r, k, [
      zaddMany('big', 300, (i) => Math.floor(i / 3), member),
      zaddMany('small', 5, (i) => (i === 0 ? '-0' : i / 4)),
      // Skiplist-encoded (a long member): -0 stays -0; doubles as Redis prints them.
      c(`ZADD odd -0 a 1.5 b inf c -inf d 1e300 e 3.141592653589793 f 0.1 g 123456789012345678 h 1 ${LONG}`),
    ]);
    await expectSame(r, k, reads());
    await expectSame(r, k, [c('ZADD big 15 new1 65.5 new2'), ...reads()]);
    await expectSame(r, k, [c('ZREM big m1 m64 m65'), ...reads()]);
    await expectSame(r, k, [c('ZINCRBY big 1000 m2'), ...reads()]);
    await expectSame(r, k, [c('ZREMRANGEBYRANK big 60 140'), ...reads()]);
    await expectSame(r, k, [c('ZPOPMIN big 3'), ...reads()]);
    await expectSame(r, k, [c('ZREMRANGEBYSCORE big 20 30'), ...reads()]);
    await expectSame(r, k, [c('ZADD small XX 10 m0'), ...reads()]);
    await expectSame(r, k, [c('ZADD odd XX 2.5 a'), c('ZINCRBY odd 0.25 b'), ...reads()]);
    await expectSame(r, k, [c('DEL big'), c('ZADD big 1 a'), ...reads()]);
  });
});
