/**
 * String commands, compared with redis-server 7.0.15 byte for byte (RESP2 and
 * RESP3): every option, reply type, error string and edge case of SET GET
 * MSET MGET SETNX SETEX PSETEX GETSET GETDEL GETEX INCR DECR INCRBY DECRBY
 * INCRBYFLOAT APPEND GETRANGE SUBSTR SETRANGE STRLEN LCS MSETNX, plus their
 * keyspace notifications.
 *
 * Nothing depends on timing: TTLs are large, so TTL (rounded to seconds)
 * cannot differ between the two servers; PTTL is compared after rounding to
 * 10-second buckets; absolute deadlines are far in the future or in the past.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, expectSameEvents, startPair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { liveOracle } from '../support/redis-server.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

/** PTTL compared in 10 s buckets (a few ms of difference between the servers cannot matter). */
const pttl = (key: string): Step => ({
  cmd: ['PTTL', key],
  normalize: (b) => {
    const m = /^:(-?\d+)\r\n$/.exec(b);
    if (!m) return b;
    const v = Number(m[1]);
    return v < 0 ? v : Math.round(v / 10000);
  },
});

/**
 * Run `steps` on a client of each server while a third client per server is
 * PSUBSCRIBEd to every keyspace/keyevent channel; then compare every
 * notification each server published, in order.
 */
const big = (n: number, seed = 1) => {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += String.fromCharCode(x % 256);
  }
  return Buffer.from(s, 'latin1');
};

describe.each([2, 3] as const)('strings (RESP%i)', (proto) => {
  it('SET and GET: plain, binary, wrong type, arity', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'a', 'hello'],
      ['GET', 'a'],
      ['SET', 'a', ''],
      ['GET', 'a'],
      ['SET', Buffer.from([0, 255, 13, 10]), Buffer.from([0, 1, 2, 200, 13, 10])],
      ['GET', Buffer.from([0, 255, 13, 10])],
      ['GET', 'nosuch'],
      ['RPUSH', 'list', 'x'],
      ['GET', 'list'],
      ['SET', 'list', 'now a string'],
      ['GET', 'list'],
      ['SET', 'a'],
      ['SET'],
      ['GET'],
      ['GET', 'a', 'b'],
      ['SET', 'big', big(100_000)],
      ['GET', 'big'],
    ]);
  });

  it('SET options: NX XX GET KEEPTTL and syntax errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'k', 'v1', 'NX'],
      ['SET', 'k', 'v2', 'NX'],
      ['GET', 'k'],
      ['SET', 'k', 'v3', 'XX'],
      ['GET', 'k'],
      ['SET', 'missing', 'v', 'XX'],
      ['EXISTS', 'missing'],
      ['SET', 'k', 'v4', 'GET'],
      ['SET', 'k', 'v5', 'get', 'nx'],
      ['SET', 'k', 'v6', 'XX', 'GET'],
      ['SET', 'new', 'v', 'NX', 'GET'],
      ['SET', 'new2', 'v', 'XX', 'GET'],
      ['EXISTS', 'new2'],
      ['SET', 'k', 'v', 'NX', 'XX'],
      ['SET', 'k', 'v', 'XX', 'NX'],
      ['SET', 'k', 'v', 'NX', 'NX'],
      ['SET', 'k', 'v', 'GET', 'GET'],
      ['SET', 'k', 'v', 'FOO'],
      ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'PERSIST'],
      ['SET', 'k', 'v', 'NXX'],
      ['SET', 'k', 'v', ''],
      ['SET', 'k', 'v', Buffer.from('nx\0zz')],
      ['SET', 'k', 'v', Buffer.from('xx\0')],
      ['GET', 'k'],
      ['RPUSH', 'l', 'x'],
      ['SET', 'l', 'v', 'GET'],
      ['SET', 'l', 'v', 'NX', 'GET'],
      ['SET', 'l', 'v', 'NX'],
      ['SET', 'l', 'v', 'XX'],
      ['TYPE', 'l'],
      ['SET', 'l', 'v', 'EX', '0', 'GET'],
      ['SET', 'l', 'v', 'EX', 'x', 'GET'],
      ['TYPE', 'l'],
    ]);
  });

  // Live only: absolute times (Date.now() in the arguments, or an absolute time in the replies): a replay runs at another time than the recording.
  it.skipIf(!liveOracle)('SET expiry options: EX PX EXAT PXAT KEEPTTL', async () => {
    const { r, k } = await pair.clients(proto);
    const nowS = Math.floor(Date.now() / 1000);
    await expectSame(r, k, [
      ['SET', 'k', 'v', 'EX', '1000'],
      ['TTL', 'k'],
      pttl('k'),
      ['SET', 'k', 'v', 'PX', '200000'],
      ['TTL', 'k'],
      pttl('k'),
      ['SET', 'k', 'v', 'EXAT', String(nowS + 5000)],
      pttl('k'),
      ['SET', 'k', 'v', 'PXAT', String((nowS + 7000) * 1000)],
      pttl('k'),
      ['SET', 'k', 'v2', 'KEEPTTL'],
      pttl('k'),
      ['GET', 'k'],
      ['SET', 'k', 'v3', 'keepttl', 'GET'],
      pttl('k'),
      ['SET', 'k', 'v4'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'ex', '100', 'EX', '200'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'EX', '100', 'PX', '200'],
      ['SET', 'k', 'v', 'PX', '100', 'EX', '200'],
      ['SET', 'k', 'v', 'EXAT', '100', 'PXAT', '200'],
      ['SET', 'k', 'v', 'EX', '100', 'KEEPTTL'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '100'],
      ['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'EX', '-1'],
      ['SET', 'k', 'v', 'PX', '0'],
      ['SET', 'k', 'v', 'EXAT', '0'],
      ['SET', 'k', 'v', 'PXAT', '-5'],
      ['SET', 'k', 'v', 'EX', 'abc'],
      ['SET', 'k', 'v', 'EX', '1.5'],
      ['SET', 'k', 'v', 'EX', ' 10'],
      ['SET', 'k', 'v', 'EX', '9223372036854775807'],
      ['SET', 'k', 'v', 'EX', '9223372036854775'],
      ['SET', 'k', 'v', 'EX', '9223372036854776'],
      ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'PX', '9223372036854775808'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854776'],
      ['SET', 'k', 'v', 'PXAT', '9223372036854775807'],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PXAT', '9223372036854775806'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', '9007199254740993'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', '9007199254740991'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'EXAT', '9007199254740'],
      ['PEXPIRETIME', 'k'],
      // Deadlines in the past: the key is gone at once.
      ['SET', 'gone', 'v', 'EXAT', '1'],
      ['EXISTS', 'gone'],
      ['SET', 'gone', 'v', 'PXAT', '1000', 'GET'],
      ['GET', 'gone'],
      // Invalid expire is checked before GET's type check and before NX/XX.
      ['RPUSH', 'l', 'x'],
      ['SET', 'l', 'v', 'GET', 'EX', '-1'],
      ['SET', 'k', 'v', 'NX', 'EX', '-1'],
    ]);
  });

  it('SETNX, SETEX, PSETEX, GETSET, GETDEL', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SETNX', 'k', 'v'],
      ['SETNX', 'k', 'w'],
      ['GET', 'k'],
      ['SETNX', 'k'],
      ['SETEX', 'e', '1000', 'v'],
      ['GET', 'e'],
      ['TTL', 'e'],
      ['PSETEX', 'p', '300000', 'v'],
      ['GET', 'p'],
      pttl('p'),
      ['SETEX', 'e', '0', 'v'],
      ['SETEX', 'e', '-10', 'v'],
      ['SETEX', 'e', 'x', 'v'],
      ['SETEX', 'e', '9223372036854775807', 'v'],
      ['PSETEX', 'e', '0', 'v'],
      ['PSETEX', 'e', '9223372036854775807', 'v'],
      ['PSETEX', 'e', '1.5', 'v'],
      ['SETEX', 'e', '10'],
      ['TTL', 'e'],
      ['RPUSH', 'l', 'x'],
      ['SETEX', 'l', '100', 'v'],
      ['TYPE', 'l'],
      ['GETSET', 'k', 'new'],
      ['GETSET', 'nosuch', 'v'],
      ['GET', 'nosuch'],
      ['SETEX', 'ttl', '1000', 'v'],
      ['GETSET', 'ttl', 'w'],
      ['TTL', 'ttl'],
      ['RPUSH', 'l2', 'x'],
      ['GETSET', 'l2', 'v'],
      ['TYPE', 'l2'],
      ['GETDEL', 'k'],
      ['GETDEL', 'k'],
      ['EXISTS', 'k'],
      ['GETDEL', 'l2'],
      ['EXISTS', 'l2'],
      ['GETDEL'],
      ['GETDEL', 'a', 'b'],
      ['GETSET', 'a'],
    ]);
  });

  // Live only: absolute times (Date.now() in the arguments, or an absolute time in the replies): a replay runs at another time than the recording.
  it.skipIf(!liveOracle)('GETEX: EX PX EXAT PXAT PERSIST and errors', async () => {
    const { r, k } = await pair.clients(proto);
    const nowS = Math.floor(Date.now() / 1000);
    await expectSame(r, k, [
      ['SET', 'k', 'v'],
      ['GETEX', 'k'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EX', '1000'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PX', '500000'],
      pttl('k'),
      ['GETEX', 'k', 'EXAT', String(nowS + 3000)],
      pttl('k'),
      ['GETEX', 'k', 'PXAT', String((nowS + 4000) * 1000)],
      pttl('k'),
      ['GETEX', 'k', 'PERSIST'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'persist', 'PERSIST'],
      ['GETEX', 'k', 'EX', '100', 'EX', '200'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EX', '100', 'PERSIST'],
      ['GETEX', 'k', 'PERSIST', 'EX', '100'],
      ['GETEX', 'k', 'EX', '100', 'PX', '100'],
      ['GETEX', 'k', 'KEEPTTL'],
      ['GETEX', 'k', 'NX'],
      ['GETEX', 'k', 'GET'],
      ['GETEX', 'k', 'EX'],
      ['GETEX', 'k', 'FOO'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'EX', '-1'],
      ['GETEX', 'k', 'EX', 'abc'],
      ['GETEX', 'k', 'PX', '9223372036854775807'],
      ['GETEX', 'k', 'EX', '9223372036854776'],
      ['TTL', 'k'],
      // Missing key: nil before the expire time is even checked; syntax errors come first.
      ['GETEX', 'nosuch', 'EX', '-5'],
      ['GETEX', 'nosuch', 'EX', 'abc'],
      ['GETEX', 'nosuch', 'FOO'],
      ['GETEX', 'nosuch', 'PERSIST'],
      ['RPUSH', 'l', 'x'],
      ['GETEX', 'l'],
      ['GETEX', 'l', 'EX', '-5'],
      ['GETEX', 'l', 'FOO'],
      // Absolute deadline in the past deletes the key, after replying with its value.
      ['GETEX', 'k', 'EXAT', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'PXAT', String(nowS * 1000 - 10000)],
      ['EXISTS', 'k'],
      ['GETEX'],
    ]);
  });

  it('MSET, MGET, MSETNX', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MSET', 'a', '1', 'b', '2', 'a', '3'],
      ['MGET', 'a', 'b', 'c'],
      ['MSET', 'a'],
      ['MSET', 'a', '1', 'b'],
      ['MSET'],
      ['MGET'],
      ['RPUSH', 'l', 'x'],
      ['MGET', 'l', 'a', 'nosuch', 'l'],
      ['MSET', 'l', 'string now'],
      ['TYPE', 'l'],
      ['SETEX', 'ttl', '1000', 'v'],
      ['MSET', 'ttl', 'w'],
      ['TTL', 'ttl'],
      ['MSETNX', 'x', '1', 'y', '2'],
      ['MGET', 'x', 'y'],
      ['MSETNX', 'x', '9', 'z', '9'],
      ['MGET', 'x', 'z'],
      ['MSETNX', 'n1', '1', 'n1', '2'],
      ['GET', 'n1'],
      ['MSETNX', 'a'],
      ['MSETNX', 'a', '1', 'b'],
      ['MSETNX'],
      ['MSETNX', 'l2', 'v'],
      ['APPEND', 'app', 'x'],
      ['APPEND', 'app', 'y'],
      ['MGET', 'app', 'x'],
    ]);
  });

  it('INCR, DECR, INCRBY, DECRBY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['DECR', 'n'],
      ['DECR', 'm'],
      ['INCRBY', 'n', '100'],
      ['INCRBY', 'n', '-1000'],
      ['DECRBY', 'n', '-5'],
      ['DECRBY', 'n', '7'],
      ['GET', 'n'],
      ['SET', 'n', '9223372036854775806'],
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['GET', 'n'],
      ['SET', 'n', '-9223372036854775807'],
      ['DECR', 'n'],
      ['DECR', 'n'],
      ['INCRBY', 'n', '-1'],
      ['INCRBY', 'n', '9223372036854775807'],
      ['INCRBY', 'n', '9223372036854775807'],
      ['INCRBY', 'x', '9223372036854775808'],
      ['INCRBY', 'x', '-9223372036854775808'],
      ['INCRBY', 'x', '-9223372036854775809'],
      ['DECRBY', 'y', '-9223372036854775808'],
      ['DECRBY', 'y', '-9223372036854775807'],
      ['DECRBY', 'y', '1'],
      ['DECRBY', 'y', '1'],
      ['INCRBY', 'x', 'abc'],
      ['INCRBY', 'x', '1.5'],
      ['INCRBY', 'x', ' 1'],
      ['INCRBY', 'x', '1 '],
      ['INCRBY', 'x', '+1'],
      ['INCRBY', 'x', '01'],
      ['INCRBY', 'x', '-0'],
      ['INCRBY', 'x', ''],
      ['DECRBY', 'x', 'abc'],
      ...['abc', '1.5', ' 1', '1 ', '+1', '01', '-0', '', '9223372036854775808', '12345678901234567890123', '1e3', '0x10'].flatMap((v): Cmd[] => [
        ['SET', 's', v],
        ['INCR', 's'],
        ['DECRBY', 's', '3'],
      ]),
      ['SET', 's', Buffer.from('1\0')],
      ['INCR', 's'],
      ['RPUSH', 'l', 'x'],
      ['INCR', 'l'],
      ['DECRBY', 'l', 'x'],
      ['INCR'],
      ['INCR', 'a', 'b'],
      ['INCRBY', 'a'],
      ['SETEX', 't', '1000', '5'],
      ['INCR', 't'],
      ['INCRBY', 't', '10'],
      ['TTL', 't'],
      ['APPEND', 'ap', '1'],
      ['APPEND', 'ap', '2'],
      ['INCR', 'ap'],
      ['OBJECT', 'ENCODING', 'ap'],
      ['GET', 'ap'],
    ]);
  });

  it('INCRBYFLOAT: long double arithmetic and formatting', async () => {
    const { r, k } = await pair.clients(proto);
    const values = [
      '0', '1', '-1', '1.1', '0.1', '0.2', '0.3', '-0', '+0', '-0.0', '1e10', '1e-10', '1.5e300', '1e50', '1e4932', '1.18973149535723176502e+4932',
      '1e4933', '1e-4950', '3.6e-4951', '1e-5000', '0e99999999', '3.0000000000000000001', '12345678901234567890123', '0.000003814697265625',
      '-0.000003814697265625', '123456789.123456789', '18446744073709551615', '18446744073709551617', '9223372036854775807', '-9223372036854775808',
      '5e-18', '-5e-18', '1.5e-17', '.5', '5.', '0x10', '0x1p-3', '0x1.8p1', '0X1P2', '0x', '1e', '1E2', '1e+2', 'inf', '-inf', '+inf', 'Infinity', 'INF',
      'nan', 'NaN', '-nan', '  1', '1 ', '\t1', '1\0', '\0', '', 'abc', '1,5', '1_0', '- 1', '--1', '1e+', '0.1e1', '1'.repeat(5119), '1'.repeat(5120),
      '0.' + '0'.repeat(400) + '1', '9'.repeat(400),
    ];
    const steps: Cmd[] = [];
    for (const v of values) {
      steps.push(['DEL', 'f'], ['INCRBYFLOAT', 'f', v], ['GET', 'f']);
      steps.push(['SET', 'g', v], ['INCRBYFLOAT', 'g', '0.1'], ['INCRBYFLOAT', 'g', '-1.5e-3'], ['GET', 'g']);
    }
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['SET', 'c', '0'],
      ...Array.from({ length: 30 }, (): Cmd => ['INCRBYFLOAT', 'c', '0.1']),
      ...Array.from({ length: 30 }, (): Cmd => ['INCRBYFLOAT', 'c', '-0.3']),
      ['SET', 'c', '10.5'],
      ['INCRBYFLOAT', 'c', '0.1'],
      ['INCRBYFLOAT', 'c', '-5'],
      ['SET', 'c', '5.0e3'],
      ['INCRBYFLOAT', 'c', '2.0e2'],
      ['INCRBYFLOAT', 'c', '1e4932'],
      ['INCRBYFLOAT', 'c', '1e4932'],
      ['GET', 'c'],
      ['INCRBYFLOAT', 'c', '-1e4932'],
      ['SET', 'c', '1.1e4932'],
      ['INCRBYFLOAT', 'c', '1e4932'],
      ['GET', 'c'],
      ['SET', 'c', 'inf'],
      ['INCRBYFLOAT', 'c', '-inf'],
      ['INCRBYFLOAT', 'c', '1'],
      ['SET', 'c', '1'],
      ['INCRBYFLOAT', 'c', 'inf'],
      ['INCRBYFLOAT', 'c', 'nan'],
      ['SET', 'c', 'abc'],
      ['INCRBYFLOAT', 'c', 'inf'],
      ['INCRBYFLOAT', 'c', 'xyz'],
      ['SETEX', 't', '1000', '1.5'],
      ['INCRBYFLOAT', 't', '1'],
      ['TTL', 't'],
      ['INCRBYFLOAT', 'e', '3'],
      ['OBJECT', 'ENCODING', 'e'],
      ['INCRBYFLOAT', 'e', '0.5'],
      ['OBJECT', 'ENCODING', 'e'],
      ['INCRBYFLOAT', 'e', '1e50'],
      ['OBJECT', 'ENCODING', 'e'],
      ['INCRBYFLOAT', 'e3', '7'],
      ['APPEND', 'e3', ''],
      ['OBJECT', 'ENCODING', 'e3'],
      ['INCRBYFLOAT', 'e3', '1'],
      ['SETRANGE', 'e3', '0', '9'],
      ['OBJECT', 'ENCODING', 'e3'],
      ['GET', 'e3'],
      ['INCR', 'e'],
      ['SET', 'e', '2'],
      ['INCRBYFLOAT', 'e', '1'],
      ['INCR', 'e'],
      ['OBJECT', 'ENCODING', 'e'],
      ['RPUSH', 'l', 'x'],
      ['INCRBYFLOAT', 'l', '1'],
      ['INCRBYFLOAT', 'l', 'x'],
      ['INCRBYFLOAT', 'x'],
      ['INCRBYFLOAT', 'x', '1', '2'],
    ]);
  });

  it('INCRBYFLOAT: random values', async () => {
    const { r, k } = await pair.clients(proto);
    let seed = 4242;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const mk = (): string => {
      const sign = rnd() < 0.3 ? '-' : '';
      switch (Math.floor(rnd() * 5)) {
        case 0:
          return sign + (rnd() * 1000).toFixed(Math.floor(rnd() * 20));
        case 1:
          return sign + rnd().toString().slice(0, 3 + Math.floor(rnd() * 20)) + 'e' + (Math.floor(rnd() * 80) - 40);
        case 2:
          return sign + '0.' + '0'.repeat(Math.floor(rnd() * 20)) + String(Math.floor(rnd() * 1e6));
        case 3:
          return sign + String(Math.floor(rnd() * 1e9)) + String(Math.floor(rnd() * 1e9)) + String(Math.floor(rnd() * 1e3));
        default:
          return sign + (rnd() * 10).toString();
      }
    };
    const steps: Cmd[] = [];
    for (let i = 0; i < 150; i++) steps.push(['SET', 'k', mk()], ['INCRBYFLOAT', 'k', mk()], ['INCRBYFLOAT', 'k', mk()]);
    await expectSame(r, k, steps);
  });

  it('APPEND and STRLEN', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['APPEND', 'a', 'hello'],
      ['OBJECT', 'ENCODING', 'a'],
      ['APPEND', 'a', ' world'],
      ['OBJECT', 'ENCODING', 'a'],
      ['GET', 'a'],
      ['STRLEN', 'a'],
      ['APPEND', 'a', ''],
      ['STRLEN', 'nosuch'],
      ['APPEND', 'e', ''],
      ['EXISTS', 'e'],
      ['STRLEN', 'e'],
      ['SET', 'n', '12'],
      ['OBJECT', 'ENCODING', 'n'],
      ['APPEND', 'n', ''],
      ['OBJECT', 'ENCODING', 'n'],
      ['APPEND', 'n', '34'],
      ['GET', 'n'],
      ['INCR', 'n'],
      ['STRLEN', 'n'],
      ['APPEND', 'bin', Buffer.from([0, 255, 128])],
      ['APPEND', 'bin', Buffer.from([13, 10, 0])],
      ['GET', 'bin'],
      ['STRLEN', 'bin'],
      ['SETEX', 't', '1000', 'x'],
      ['APPEND', 't', 'y'],
      ['TTL', 't'],
      ['GET', 't'],
      ['RPUSH', 'l', 'x'],
      ['APPEND', 'l', 'x'],
      ['STRLEN', 'l'],
      ['APPEND', 'a'],
      ['STRLEN'],
      ['STRLEN', 'a', 'b'],
    ]);
    // Many appends: small values, then past the small-value threshold, then a large value.
    const steps: Cmd[] = [];
    for (let i = 0; i < 200; i++) steps.push(['APPEND', 'grow', `<${i}>`]);
    steps.push(['GET', 'grow'], ['STRLEN', 'grow'], ['GETRANGE', 'grow', '60', '80'], ['OBJECT', 'ENCODING', 'grow']);
    for (let i = 0; i < 20; i++) steps.push(['APPEND', 'huge', big(50_000, i)]);
    steps.push(['STRLEN', 'huge'], ['GET', 'huge'], ['GETRANGE', 'huge', '-70000', '-60000'], ['MGET', 'huge', 'grow']);
    await expectSame(r, k, steps);
  });

  it('GETRANGE and SUBSTR', async () => {
    const { r, k } = await pair.clients(proto);
    const ranges: Array<[string, string]> = [
      ['0', '-1'], ['0', '3'], ['-3', '-1'], ['5', '3'], ['-1', '-5'], ['-100', '-50'], ['-100', '100'], ['0', '0'], ['1', '1'], ['10', '20'],
      ['12', '20'], ['13', '13'], ['-13', '-13'], ['-14', '0'], ['3', '-100'], ['9223372036854775807', '9223372036854775807'],
      ['-9223372036854775808', '9223372036854775807'], ['-9223372036854775807', '-9223372036854775808'], ['-9223372036854775808', '-9223372036854775807'],
      ['9223372036854775806', '9223372036854775807'], ['0', '9223372036854775807'],
    ];
    const steps: Cmd[] = [['SET', 's', 'Hello, World!'], ['SET', 'n', '-12345'], ['SET', 'e', '']];
    for (const key of ['s', 'n', 'e', 'nosuch']) for (const [a, b] of ranges) steps.push(['GETRANGE', key, a, b], ['SUBSTR', key, a, b]);
    steps.push(
      ['GETRANGE', 's', 'a', '1'],
      ['GETRANGE', 's', '1', 'b'],
      ['GETRANGE', 'nosuch', 'a', '1'],
      ['GETRANGE', 's', '9223372036854775808', '1'],
      ['GETRANGE', 's', '1.0', '1'],
      ['RPUSH', 'l', 'x'],
      ['GETRANGE', 'l', '0', '1'],
      ['SUBSTR', 'l', 'x', '1'],
      ['GETRANGE', 's', '0'],
      ['SUBSTR', 's', '0', '1', '2'],
      ['APPEND', 'r', 'abcdefghij'.repeat(10)],
      ['APPEND', 'r', 'x'],
      ['GETRANGE', 'r', '5', '15'],
      ['GETRANGE', 'r', '-5', '-1'],
      ['SUBSTR', 'r', '95', '1000'],
    );
    await expectSame(r, k, steps);
  });

  it('SETRANGE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SETRANGE', 'k', '0', 'hello'],
      ['OBJECT', 'ENCODING', 'k'],
      ['SETRANGE', 'k', '3', 'LO WORLD'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '20', 'x'],
      ['GET', 'k'],
      ['STRLEN', 'k'],
      ['SETRANGE', 'k', '0', ''],
      ['SETRANGE', 'k', '1000', ''],
      ['GET', 'k'],
      ['SETRANGE', 'new', '5', ''],
      ['EXISTS', 'new'],
      ['SETRANGE', 'new', '5', 'ab'],
      ['GET', 'new'],
      ['OBJECT', 'ENCODING', 'new'],
      ['SETRANGE', 'k', '-1', 'x'],
      ['SETRANGE', 'k', '-1', ''],
      ['SETRANGE', 'nosuch', '-1', ''],
      ['SETRANGE', 'k', 'abc', 'x'],
      ['SETRANGE', 'k', '1.5', 'x'],
      ['SETRANGE', 'k', '9223372036854775808', 'x'],
      ['SETRANGE', 'k', '9223372036854775807', 'x'],
      ['SETRANGE', 'k', '536870911', 'x'],
      ['SETRANGE', 'k', '536870911', 'xy'],
      ['SETRANGE', 'k', '536870912', 'x'],
      ['SETRANGE', 'k', '536870912', ''],
      ['SETRANGE', 'nosuch', '536870912', 'x'],
      ['SETRANGE', 'nosuch', '536870912', ''],
      ['EXISTS', 'nosuch'],
      ['SET', 'n', '12345'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SETRANGE', 'n', '1', ''],
      ['OBJECT', 'ENCODING', 'n'],
      ['SETRANGE', 'n', '1', '9'],
      ['OBJECT', 'ENCODING', 'n'],
      ['GET', 'n'],
      ['INCR', 'n'],
      ['SETEX', 't', '1000', 'value'],
      ['SETRANGE', 't', '2', Buffer.from([0, 255])],
      ['TTL', 't'],
      ['GET', 't'],
      ['RPUSH', 'l', 'x'],
      ['SETRANGE', 'l', '0', 'x'],
      ['SETRANGE', 'l', '0', ''],
      ['SETRANGE', 'l', '-1', 'x'],
      ['SETRANGE', 'l', 'x', 'x'],
      ['SETRANGE', 'k', '0'],
      ['SETRANGE', 'k'],
    ]);
    // Large offsets and many writes into a growing value.
    const steps: Cmd[] = [['SETRANGE', 'b', '100000', 'end']];
    for (let i = 0; i < 50; i++) steps.push(['SETRANGE', 'b', String(i * 2003), big(40, i)]);
    steps.push(['STRLEN', 'b'], ['GET', 'b'], ['SETRANGE', 'b', '200000', 'tail'], ['GETRANGE', 'b', '99990', '100010'], ['GET', 'b']);
    for (let i = 0; i < 40; i++) steps.push(['SETRANGE', 'small', String(i * 3), 'ab']);
    steps.push(['GET', 'small'], ['STRLEN', 'small']);
    await expectSame(r, k, steps);
  });

  it('size limit follows proto-max-bulk-len', async () => {
    const { r, k } = await pair.clients(proto);
    try {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'],
        ['SETRANGE', 'k', '1048575', 'x'],
        ['STRLEN', 'k'],
        ['SETRANGE', 'k', '1048575', 'xy'],
        ['SETRANGE', 'k', '1048576', 'x'],
        ['APPEND', 'k', 'x'],
        ['APPEND', 'k', ''],
        ['SET', 'j', 'abc'],
        ['SETRANGE', 'j', '1048573', 'abc'],
        ['SETRANGE', 'j', '1048574', 'abc'],
        ['APPEND', 'j', 'x'],
        ['STRLEN', 'j'],
        ['SET', 'a', 'x'],
        ['SETRANGE', 'a', '1048570', 'x'],
        ['APPEND', 'a', 'y'.repeat(5)],
        ['APPEND', 'a', 'y'],
        ['STRLEN', 'a'],
      ]);
    } finally {
      await expectSame(r, k, [['CONFIG', 'SET', 'proto-max-bulk-len', '536870912']]);
    }
  });

  it('LCS', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext'],
      ['LCS', 'key1', 'key2'],
      ['LCS', 'key1', 'key2', 'LEN'],
      ['LCS', 'key1', 'key2', 'IDX'],
      ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['LCS', 'key1', 'key2', 'idx', 'withmatchlen'],
      ['LCS', 'key1', 'key2', 'WITHMATCHLEN'],
      ['LCS', 'key1', 'key2', 'MINMATCHLEN', '2'],
      ['LCS', 'key1', 'key2', 'LEN', 'MINMATCHLEN', '2', 'WITHMATCHLEN'],
      ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '-5'],
      ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '9223372036854775807'],
      ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '1', 'MINMATCHLEN', '5'],
      ['LCS', 'key1', 'key2', 'IDX', 'IDX'],
      ['LCS', 'key1', 'key2', 'IDX', 'LEN'],
      ['LCS', 'key1', 'key2', 'LEN', 'IDX'],
      ['LCS', 'key1', 'key2', 'MINMATCHLEN'],
      ['LCS', 'key1', 'key2', 'MINMATCHLEN', 'x'],
      ['LCS', 'key1', 'key2', 'FOO'],
      ['LCS', 'key1', 'nosuch'],
      ['LCS', 'nosuch', 'key2', 'IDX'],
      ['LCS', 'nosuch', 'nosuch2', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'nosuch', 'nosuch2', 'LEN'],
      ['LCS', 'nosuch', 'nosuch2', 'FOO'],
      ['LCS', 'key1', 'key1', 'IDX', 'WITHMATCHLEN'],
      ['RPUSH', 'l', 'x'],
      ['LCS', 'l', 'key1'],
      ['LCS', 'key1', 'l', 'FOO'],
      ['LCS', 'nosuch', 'l', 'LEN'],
      ['LCS', 'key1'],
      ['SET', 'n1', '1234567'],
      ['SET', 'n2', '2457'],
      ['LCS', 'n1', 'n2', 'IDX', 'WITHMATCHLEN'],
      ['APPEND', 'a1', 'ACCGGTCGAGTGCGCGGAAGCCGGCCGAA'],
      ['APPEND', 'a1', 'x'],
      ['SET', 'a2', 'GTCGTTCGGAATGCCGTTGCTCTGTAAA'],
      ['LCS', 'a1', 'a2'],
      ['LCS', 'a1', 'a2', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a1', 'a2', 'IDX', 'MINMATCHLEN', '3'],
      ['SET', 'b1', Buffer.from([0, 1, 2, 255, 3, 0])],
      ['SET', 'b2', Buffer.from([1, 255, 0, 3])],
      ['LCS', 'b1', 'b2'],
      ['LCS', 'b1', 'b2', 'IDX'],
    ]);
    // Random strings over a small alphabet exercise the walk-back and range merging.
    let seed = 99;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const steps: Cmd[] = [];
    for (let i = 0; i < 40; i++) {
      const mk = () => Array.from({ length: rnd(30) }, () => 'abc'[rnd(3)]).join('');
      steps.push(['MSET', 'x', mk(), 'y', mk()], ['LCS', 'x', 'y'], ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'], ['LCS', 'x', 'y', 'IDX', 'MINMATCHLEN', String(rnd(4))]);
    }
    await expectSame(r, k, steps);
  });

  it('LCS table size follows proto-max-bulk-len', async () => {
    const { r, k } = await pair.clients(proto);
    try {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'],
        ['SET', 'a', 'x'.repeat(600)],
        ['SET', 'b', 'x'.repeat(600)],
        ['LCS', 'a', 'b', 'LEN'],
        ['SET', 'b', 'x'.repeat(400)],
        ['LCS', 'a', 'b', 'LEN'],
      ]);
    } finally {
      await expectSame(r, k, [['CONFIG', 'SET', 'proto-max-bulk-len', '536870912']]);
    }
  });

  it('random mix of in-place changes and reads on shared keys', async () => {
    const { r, k } = await pair.clients(proto);
    let seed = 777;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const data = () => Buffer.from(Array.from({ length: rnd(4) === 0 ? rnd(200) : rnd(12) }, () => rnd(256)));
    const keys = ['a', 'b', 'c'];
    const steps: Cmd[] = [];
    for (let i = 0; i < 600; i++) {
      const key = keys[rnd(keys.length)];
      const off = String(rnd(4) === 0 ? rnd(400) : rnd(70));
      switch (rnd(14)) {
        case 0: steps.push(['SET', key, data()]); break;
        case 1: steps.push(['APPEND', key, data()]); break;
        case 2: steps.push(['SETRANGE', key, off, data()]); break;
        case 3: steps.push(['SETBIT', key, String(rnd(1200)), String(rnd(2))]); break;
        case 4: steps.push(['BITFIELD', key, 'INCRBY', `u${1 + rnd(63)}`, String(rnd(600)), String(rnd(1000) - 500), 'GET', 'i16', String(rnd(600))]); break;
        case 5: steps.push(['GETRANGE', key, String(rnd(200) - 100), String(rnd(200) - 100)]); break;
        case 6: steps.push(['GET', key]); break;
        case 7: steps.push(['STRLEN', key], ['OBJECT', 'ENCODING', key]); break;
        case 8: steps.push(['BITCOUNT', key, String(rnd(100) - 50), String(rnd(100) - 50), rnd(2) ? 'BIT' : 'BYTE']); break;
        case 9: steps.push(['BITPOS', key, String(rnd(2)), String(rnd(40) - 20)]); break;
        case 10: steps.push(['BITOP', ['AND', 'OR', 'XOR'][rnd(3)], keys[rnd(3)], key, keys[rnd(3)]]); break;
        case 11: steps.push(['INCRBYFLOAT', key, '1.5'], ['INCR', key]); break;
        case 12: steps.push(['LCS', key, keys[rnd(3)], 'LEN']); break;
        default: steps.push(['MGET', ...keys], ['GETEX', key], ['DEL', rnd(8) === 0 ? key : 'none']);
      }
    }
    await expectSame(r, k, steps);
  });

  // A fixed past time (1000 s / ms after the epoch) is deterministic, so this one replays. Every key
  // given a past deadline is read inside the same transaction: Redis's active expiry (10 times a
  // second) cannot run in between, so each 'expired' comes at that read, in a fixed place.
  it('keyspace events of SET / GETEX with a past EXAT / PXAT', async () => {
    await expectSameEvents(pair, proto, [
      ['SET', 'old', 'v'],
      ['SET', 'ttl', 'v', 'EX', '100'],
      ['MULTI'],
      // existing key, missing key; EXAT and PXAT; with GET, NX, XX
      ['SET', 'old', 'w', 'EXAT', '1000'],
      ['SET', 'new', 'w', 'PXAT', '1000'],
      ['SET', 'ttl', 'w', 'PXAT', '1000', 'GET'],
      ['SET', 'nx', 'w', 'NX', 'EXAT', '1000'],
      ['SET', 'xx', 'w', 'XX', 'EXAT', '1000'],
      ['EXISTS', 'old'],
      ['GET', 'new'],
      ['TTL', 'ttl'],
      ['EXISTS', 'nx', 'xx'],
      ['SET', 'g', 'v'],
      ['SET', 'g2', 'v', 'EX', '100'],
      ['GETEX', 'g', 'EXAT', '1000'],
      ['GETEX', 'g2', 'PXAT', '1000'],
      ['GETEX', 'missing', 'EXAT', '1000'],
      ['EXISTS', 'g', 'g2'],
      ['EXEC'],
      ['SET', 'after', 'v', 'PXAT', '1000'],
      ['EXISTS', 'after'],
    ]);
  });

  // Live only: absolute times (Date.now() in the arguments, or an absolute time in the replies): a replay runs at another time than the recording.
  it.skipIf(!liveOracle)('keyspace notifications', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    await expectSameEvents(pair, proto, [
      ['SET', 'a', '1'],
      ['SET', 'a', '2', 'EX', '100'],
      ['SET', 'a', '3', 'NX'],
      ['SET', 'a', '3', 'XX', 'GET', 'KEEPTTL'],
      ['SET', 'b', '3', 'XX'],
      ['SETNX', 'b', '1'],
      ['SETNX', 'b', '1'],
      ['SETEX', 'c', '100', 'v'],
      ['PSETEX', 'c', '100000', 'v'],
      ['MSET', 'd', '1', 'e', '2'],
      ['MSETNX', 'f', '1', 'g', '2'],
      ['MSETNX', 'f', '1', 'h', '2'],
      ['GETSET', 'd', '5'],
      ['GETDEL', 'd'],
      ['GETDEL', 'd'],
      ['GETEX', 'e', 'EX', '100'],
      ['GETEX', 'e', 'PERSIST'],
      ['GETEX', 'e', 'PERSIST'],
      ['GETEX', 'e'],
      ['GETEX', 'e', 'EXAT', '1'],
      ['GETEX', 'f', 'PXAT', String((nowS + 1000) * 1000)],
      ['INCR', 'n'],
      ['DECR', 'n'],
      ['INCRBY', 'n', '5'],
      ['DECRBY', 'n', '5'],
      ['INCRBY', 'n', 'x'],
      ['INCRBYFLOAT', 'n', '1.5'],
      ['INCRBYFLOAT', 'n', 'inf'],
      ['APPEND', 'p', 'x'],
      ['APPEND', 'p', ''],
      ['SETRANGE', 'p', '0', 'y'],
      ['SETRANGE', 'p', '0', ''],
      ['SETRANGE', 'q', '0', ''],
      ['SETRANGE', 'q', '2', 'z'],
      ['SET', 'x', 'v', 'EXAT', '1'],
      ['GET', 'x'],
      ['LCS', 'p', 'q'],
      ['GETRANGE', 'p', '0', '1'],
      ['STRLEN', 'p'],
      ['MGET', 'p', 'q'],
    ]);
  });
});
