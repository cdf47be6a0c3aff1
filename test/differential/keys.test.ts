/**
 * Generic key commands, compared with redis-server 7.0.15 byte for byte
 * (RESP2 and RESP3). Nothing here depends on timing: TTLs are long enough that
 * the rounding of TTL to seconds cannot change between the two servers, and
 * absolute deadlines are checked with EXPIRETIME / PEXPIRETIME.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { expectSame, norm, RawClient, startPair, type Pair, type Step } from '../support/differential.js';
import { liveOracle } from '../support/redis-server.js';

/**
 * Idle time of a key touched just before, on a real clock of 1 s resolution:
 * 0, or 1 when a second boundary fell between the two commands (either server).
 */
const freshIdle = (bytes: string) => (bytes === ':1\r\n' ? ':0\r\n' : bytes);

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

/** Skip a test until the commands it needs exist in RedKit (other groups are being written). */
function needs(ctx: { skip: (note?: string) => void }, ...names: string[]): void {
  const missing = names.filter((n) => pair.redkit.registry.lookup(n) === undefined);
  if (missing.length) ctx.skip(`RedKit has no ${missing.join(', ')} yet`);
}

const sorted = (cmd: Array<string | Buffer>): Step => ({ cmd, normalize: norm.sorted });
/** Compare only whether the reply is an error, and the integer range it falls in. */
const between = (cmd: string[], lo: number, hi: number): Step => ({
  cmd,
  normalize: (b) => {
    const m = /^:(-?\d+)\r\n$/.exec(b);
    return m ? Number(m[1]) >= lo && Number(m[1]) <= hi : b;
  },
});

describe.each([2, 3] as const)('keys (RESP%i)', (proto) => {
  it('DEL, UNLINK, EXISTS, TYPE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['DEL'],
      ['UNLINK'],
      ['EXISTS'],
      ['TYPE'],
      ['TYPE', 'a', 'b'],
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      ['EXISTS', 'a', 'a', 'nosuch', 'b'],
      ['DEL', 'a', 'a', 'nosuch'],
      ['UNLINK', 'b', 'c', 'b'],
      ['EXISTS', 'a', 'b', 'c'],
      ['TYPE', 'a'],
      ['SET', 's', 'v'],
      ['RPUSH', 'l', 'x'],
      ['HSET', 'h', 'f', 'v'],
      ['SADD', 'st', 'm'],
      ['TYPE', 's'],
      ['TYPE', 'l'],
      ['TYPE', 'h'],
      ['TYPE', 'st'],
      ['TYPE', 'nosuch'],
      ['DEL', 's', 'l', 'h', 'st'],
      ['EXISTS', 's', 'l', 'h', 'st'],
      ['SET', Buffer.from([0, 0xff, 0x80, 13, 10]), 'bin'],
      ['EXISTS', Buffer.from([0, 0xff, 0x80, 13, 10])],
      ['TYPE', Buffer.from([0, 0xff, 0x80, 13, 10])],
      ['DEL', Buffer.from([0, 0xff, 0x80, 13, 10])],
    ]);
  });

  it('TYPE of sorted sets and streams', async (ctx) => {
    needs(ctx, 'zadd', 'xadd');
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['ZADD', 'z', '1', 'm'],
      ['XADD', 'x', '1-1', 'f', 'v'],
      ['TYPE', 'z'],
      ['TYPE', 'x'],
      ['EXISTS', 'z', 'x'],
      ['DEL', 'z', 'x'],
    ]);
  });

  it('KEYS with glob patterns', async () => {
    const { r, k } = await pair.clients(proto);
    const names = ['a', 'b', 'c', 'ab', 'abc', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h*llo', 'h?llo', 'h[a]llo', 'h\\llo', 'x-y', 'x]y', 'x^y', 'A', 'B', 'Z', 'key:1', 'key:22', 'key:333', '[', ']', '\\', '*', '?', '-', ''];
    await expectSame(r, k, [['MSET', ...names.flatMap((n) => [n, 'v'])]]);
    const patterns = [
      '*', '**', '***', '?', '??', '???', 'a*', '*c', '*b*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo',
      'h[a-z]llo', 'h[^a-z]llo', 'h\\*llo', 'h\\?llo', 'h\\[a\\]llo', 'h\\\\llo', 'h[\\]]llo', '*\\*', '\\*', '\\?', '\\[', '\\',
      '[', '[]', '[]]', '[\\]', '[a', '[ab', '[a-', '[a-]', '[-]', '[^]', '[^]]', 'x[-]y', 'x[]]y', 'x[\\]]y', 'x[^]y', 'x[\\^]y', 'x[]-^]y', 'key:[0-9]',
      'key:[0-9][0-9]', 'key:*[23]', '[A-Z]', '[a-Z]', '[Z-a]', '[^A-Z]', '[ab]', '[ab]?', '?[bc]*', '*[', '*]', '*?*', 'h*l*o', 'h*e*e*l*o', '*e*e*e*e*',
      'hel\\lo', 'he\\l\\lo', '[[]', '[\\[]', 'x\\-y', '*llo*', '*llo', 'hello*', 'hello?', '?ello', '', '-',
    ];
    await expectSame(
      r,
      k,
      patterns.map((p) => sorted(['KEYS', p])),
    );
  });

  it('KEYS on binary keys: signed-char ranges, NUL, high bytes', async () => {
    const { r, k } = await pair.clients(proto);
    const bytes = [0x00, 0x01, 0x2a, 0x41, 0x5a, 0x61, 0x62, 0x7a, 0x7f, 0x80, 0x81, 0xc3, 0xfe, 0xff];
    const keysSet = [...bytes.map((b) => Buffer.from([b])), Buffer.from([0x61, 0x00, 0x62]), Buffer.from([0xff, 0xff]), Buffer.from('caf\xe9', 'latin1'), Buffer.from('café', 'utf8')];
    await expectSame(r, k, [['MSET', ...keysSet.flatMap((b) => [b, 'v'])]]);
    const B = (...b: number[]) => Buffer.from(b);
    const patterns: Buffer[] = [
      Buffer.from('*'),
      Buffer.from('?'),
      Buffer.from('??'),
      B(0x5b, 0x61, 0x2d, 0xff, 0x5d), // [a-\xff]: 0xff is -1 as a C char
      B(0x5b, 0x80, 0x2d, 0xff, 0x5d), // [\x80-\xff]
      B(0x5b, 0xff, 0x2d, 0x80, 0x5d), // [\xff-\x80]
      B(0x5b, 0x00, 0x2d, 0x7f, 0x5d), // [\x00-\x7f]
      B(0x5b, 0x5e, 0x00, 0x2d, 0x7f, 0x5d), // [^\x00-\x7f]
      B(0x5b, 0x80, 0x2d, 0x01, 0x5d), // [\x80-\x01]: every high byte, NUL and \x01
      B(0x5b, 0x5e, 0x61, 0x2d, 0xff, 0x5d), // [^a-\xff]
      B(0x5b, 0xc3, 0x5d), // [\xc3]
      B(0x5b, 0x5e, 0xc3, 0x5d),
      B(0x61, 0x00, 0x62),
      B(0x61, 0x3f, 0x62),
      B(0x61, 0x2a),
      B(0x00),
      B(0x5c, 0x00),
      B(0xff, 0x2a),
      B(0x2a, 0xff),
      B(0x5b, 0x00, 0x5d),
      Buffer.from('caf?'),
      Buffer.from('caf??'),
      Buffer.from('caf[\xe9]', 'latin1'),
      Buffer.from('caf\xc3\xa9', 'latin1'),
    ];
    await expectSame(
      r,
      k,
      patterns.map((p) => sorted(['KEYS', p])),
    );
    await expectSame(r, k, [
      ['KEYS'],
      ['KEYS', '*', '*'],
    ]);
  });

  it('KEYS, EXISTS and TYPE do not see expired keys', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['PEXPIREAT', 'b', '1000'],
      sorted(['KEYS', '*']),
      ['EXISTS', 'b'],
      ['TYPE', 'b'],
      ['DBSIZE'],
    ]);
  });

  // Live only: EXPIRETIME / PEXPIRETIME answer absolute times: a replay runs at another time than the recording.
  it.skipIf(!liveOracle)('EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: options and errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['EXPIRE', 'k'],
      ['EXPIRE', 'k', '10'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', 'abc'],
      ['EXPIRE', 'k', '1.5'],
      ['EXPIRE', 'k', ''],
      ['EXPIRE', 'k', ' 5'],
      ['EXPIRE', 'k', '10', 'FOO'],
      ['EXPIRE', 'k', 'abc', 'FOO'],
      ['EXPIRE', 'nosuch', '10', 'FOO'],
      ['EXPIRE', 'nosuch', 'abc'],
      ['EXPIRE', 'k', '10', 'NX', 'XX'],
      ['EXPIRE', 'k', '10', 'nx', 'gt'],
      ['EXPIRE', 'k', '10', 'LT', 'nx'],
      ['EXPIRE', 'k', '10', 'gt', 'lt'],
      ['EXPIRE', 'k', '10', 'xx', 'xx', 'gt'],
      ['EXPIRE', 'k', '9223372036854776'],
      ['EXPIRE', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', '9223372036854775807'],
      ['EXPIRE', 'k', '99999999999999999999'],
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIRE', 'k', '9223372036854775000'],
      ['EXPIREAT', 'k', '9223372036854776'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '1000', 'GT'],
      ['EXPIRE', 'k', '1000', 'XX'],
      ['EXPIRE', 'k', '1000', 'LT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '1000', 'NX'],
      ['EXPIRE', 'k', '2000', 'nx'],
      ['EXPIRE', 'k', '500', 'GT'],
      ['EXPIRE', 'k', '2000', 'LT'],
      ['EXPIRE', 'k', '2000', 'GT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '1500', 'XX', 'LT'],
      ['TTL', 'k'],
      ['PEXPIRE', 'k', '3000000', 'XX', 'GT'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '1500', 'NX', 'NX'],
      ['EXPIRE', 'k', '1500', 'GT', 'GT'],
      ['PERSIST', 'k'],
      ['EXPIRE', 'k', '100', 'GT'],
      ['EXPIRE', 'k', '100', 'XX'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '-5', 'GT'],
      ['EXISTS', 'k'],
      ['EXPIRE', 'k', '-5', 'LT'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '0'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', '-1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIREAT', 'k', '100'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIREAT', 'k', '-9223372036854775'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '-9223372036854775808'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIREAT', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', '5', 'gt', 'xx'],
      ['EXPIRE', 'k', '5', 'Lt'],
      ['TTL', 'k'],
      ['EXPIREAT', 'k', '4102444800', 'LT'],
      ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '4102444800', 'GT'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '4102444800001', 'GT'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '4102444800499'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '4102444800500'],
      ['EXPIRETIME', 'k'],
    ]);
  });

  it('expiry deadlines are int64 exact', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', '9223372036854775'],
      ['PEXPIRETIME', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740993'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', '9007199254740993', 'GT'],
      ['PEXPIREAT', 'k', '9007199254740994', 'GT'],
      ['PEXPIREAT', 'k', '9007199254740993', 'LT'],
      ['PEXPIRETIME', 'k'],
      ['COPY', 'k', 'k2'],
      ['PEXPIRETIME', 'k2'],
      ['RENAME', 'k2', 'k3'],
      ['PEXPIRETIME', 'k3'],
      ['MOVE', 'k3', '1'],
      ['SELECT', '1'],
      ['PEXPIRETIME', 'k3'],
      ['SELECT', '0'],
      ['PEXPIREAT', 'k', '4102444800000'],
      ['PEXPIRETIME', 'k'],
      ['PERSIST', 'k'],
      ['PEXPIRETIME', 'k'],
    ]);
  });

  it('TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['TTL'],
      ['TTL', 'a', 'b'],
      ['PTTL', 'a', 'b'],
      ['EXPIRETIME'],
      ['PEXPIRETIME', 'a', 'b'],
      ['PERSIST'],
      ['PERSIST', 'a', 'b'],
      ['TTL', 'nosuch'],
      ['PTTL', 'nosuch'],
      ['EXPIRETIME', 'nosuch'],
      ['PEXPIRETIME', 'nosuch'],
      ['PERSIST', 'nosuch'],
      ['SET', 'k', 'v'],
      ['TTL', 'k'],
      ['PTTL', 'k'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['PERSIST', 'k'],
      ['EXPIRE', 'k', '100'],
      ['TTL', 'k'],
      between(['PTTL', 'k'], 90_000, 100_000),
      ['SET', 'k', 'v', 'PX', '100499'],
      ['TTL', 'k'],
      ['PEXPIRE', 'k', '99600'],
      ['TTL', 'k'],
      ['EXPIREAT', 'k', '4102444800'],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['PERSIST', 'k'],
      ['PERSIST', 'k'],
      ['TTL', 'k'],
      ['EXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['SET', 'k', 'w'],
      ['TTL', 'k'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['SET', 'k', 'w', 'KEEPTTL'],
      ['TTL', 'k'],
      ['RPUSH', 'l', 'a'],
      ['EXPIRE', 'l', '50'],
      ['TTL', 'l'],
      ['PERSIST', 'l'],
      ['TTL', 'l'],
    ]);
  });

  it('FLUSHDB and FLUSHALL', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['FLUSHDB', 'x'],
      ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['FLUSHDB', 'sync', 'sync'],
      ['FLUSHALL', 'x'],
      ['FLUSHALL', 'async', 'x'],
      ['SET', 'a', '1'],
      ['SELECT', '1'],
      ['SET', 'b', '1'],
      ['FLUSHDB'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['SET', 'c', '1', 'EX', '100'],
      ['FLUSHDB', 'async'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['FLUSHDB', 'SYNC'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['SELECT', '2'],
      ['SET', 'a', '1'],
      ['FLUSHALL'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['FLUSHALL', 'ASYNC'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['FLUSHALL', 'sync'],
      ['DBSIZE'],
    ]);
  });

  it('RENAME and RENAMENX', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RENAME', 'a'],
      ['RENAMENX', 'a', 'b', 'c'],
      ['RENAME', 'nosuch', 'x'],
      ['RENAMENX', 'nosuch', 'x'],
      ['RENAME', 'nosuch', 'nosuch'],
      ['RENAMENX', 'nosuch', 'nosuch'],
      ['SET', 'k', 'v'],
      ['RENAME', 'k', 'k'],
      ['RENAMENX', 'k', 'k'],
      ['SET', 'j', 'w', 'EX', '100'],
      ['RENAMENX', 'k', 'j'],
      ['GET', 'j'],
      ['RENAME', 'k', 'j'],
      ['GET', 'j'],
      ['TTL', 'j'],
      ['EXISTS', 'k'],
      ['EXPIRE', 'j', '200'],
      ['RENAMENX', 'j', 'n'],
      ['TTL', 'n'],
      ['GET', 'n'],
      ['RPUSH', 'list', 'a', 'b'],
      ['RENAME', 'list', 'n'],
      ['TYPE', 'n'],
      ['LRANGE', 'n', '0', '-1'],
      ['TTL', 'n'],
      ['SET', Buffer.from([0xff, 0]), 'bin'],
      ['RENAME', Buffer.from([0xff, 0]), Buffer.from([0, 0xff])],
      ['GET', Buffer.from([0, 0xff])],
      ['SET', 'e', 'v'],
      ['PEXPIREAT', 'e', '1'],
      ['RENAME', 'e', 'f'],
      ['RENAMENX', 'e', 'f'],
    ]);
  });

  it('MOVE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MOVE', 'a'],
      ['MOVE', 'a', '1', '2'],
      ['SET', 'j', 'v', 'EX', '100'],
      ['MOVE', 'j', 'x'],
      ['MOVE', 'j', '1.5'],
      ['MOVE', 'j', '0'],
      ['MOVE', 'j', '16'],
      ['MOVE', 'j', '-1'],
      ['MOVE', 'j', '99999999999'],
      ['MOVE', 'j', '-2147483649'],
      ['MOVE', 'j', '2147483647'],
      ['MOVE', 'j', '99999999999999999999'],
      ['MOVE', 'nosuch', '1'],
      ['MOVE', 'nosuch', '0'],
      ['MOVE', 'nosuch', 'x'],
      ['MOVE', 'j', '1'],
      ['EXISTS', 'j'],
      ['SELECT', '1'],
      ['GET', 'j'],
      ['TTL', 'j'],
      ['SET', 'q', 'z'],
      ['SELECT', '0'],
      ['SET', 'q', 'q'],
      ['MOVE', 'q', '1'],
      ['GET', 'q'],
      ['HSET', 'h', 'f', 'v'],
      ['MOVE', 'h', '15'],
      ['SELECT', '15'],
      ['HGETALL', 'h'],
      ['SELECT', '0'],
    ]);
  });

  it('COPY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['COPY', 'a'],
      ['SET', 'j', 'v', 'EX', '100'],
      ['COPY', 'j', 'j'],
      ['COPY', 'j', 'j', 'DB', '0'],
      ['COPY', 'j', 'j', 'db', '1'],
      ['TTL', 'j'],
      ['SELECT', '1'],
      ['GET', 'j'],
      ['TTL', 'j'],
      ['SELECT', '0'],
      ['COPY', 'nosuch', 'x'],
      ['COPY', 'nosuch', 'nosuch'],
      ['COPY', 'nosuch', 'x', 'FOO'],
      ['COPY', 'j', 'x', 'DB'],
      ['COPY', 'j', 'x', 'DB', 'x'],
      ['COPY', 'j', 'x', 'DB', '16'],
      ['COPY', 'j', 'x', 'DB', '-1'],
      ['COPY', 'j', 'x', 'DB', '99999999999'],
      ['COPY', 'j', 'x', 'DB', '1', 'DB', 'y'],
      ['COPY', 'j', 'x', 'FOO'],
      ['COPY', 'j', 'x', 'REPLACE', 'FOO'],
      ['COPY', 'j', 'x', 'REPLACE', 'REPLACE'],
      ['GET', 'x'],
      ['TTL', 'x'],
      ['SET', 'x', 'other'],
      ['COPY', 'j', 'x'],
      ['GET', 'x'],
      ['COPY', 'j', 'x', 'replace'],
      ['GET', 'x'],
      ['TTL', 'x'],
      ['COPY', 'j', 'j', 'DB', '1', 'REPLACE'],
      ['DEL', 'x'],
      ['COPY', 'j', 'x', 'DB', '0'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['COPY', 'l', 'l2'],
      ['RPUSH', 'l2', 'd'],
      ['LRANGE', 'l', '0', '-1'],
      ['LRANGE', 'l2', '0', '-1'],
      ['TTL', 'l2'],
      ['HSET', 'h', 'f', 'v'],
      ['COPY', 'h', 'h2'],
      ['HSET', 'h2', 'g', 'w'],
      sorted(['HGETALL', 'h']),
      sorted(['HGETALL', 'h2']),
      ['SET', 'e', 'v'],
      ['PEXPIREAT', 'e', '1'],
      ['COPY', 'e', 'f'],
      ['EXISTS', 'f'],
    ]);
  });

  it('COPY deep-copies every type', async (ctx) => {
    needs(ctx, 'zadd');
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SADD', 's', 'a', 'b', '1'],
      ['COPY', 's', 's2'],
      ['SADD', 's2', 'c'],
      ['SCARD', 's'],
      ['SCARD', 's2'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['COPY', 'z', 'z2'],
      ['ZADD', 'z2', '3', 'c'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 's2'],
      ['OBJECT', 'ENCODING', 'z2'],
    ]);
  });

  it('SWAPDB', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SWAPDB', '0'],
      ['SWAPDB', '0', '1', '2'],
      ['SWAPDB', 'x', '1'],
      ['SWAPDB', '0', 'x'],
      ['SWAPDB', 'x', 'y'],
      ['SWAPDB', '99999999999', '1'],
      ['SWAPDB', '0', '99999999999'],
      ['SWAPDB', '0', '16'],
      ['SWAPDB', '-1', '0'],
      ['SWAPDB', '16', 'x'],
      ['SWAPDB', '0', '0'],
      ['SET', 'a', 'db0'],
      ['SET', 'e', 'v', 'EX', '100'],
      ['SELECT', '1'],
      ['SET', 'b', 'db1'],
      ['SELECT', '0'],
      ['SWAPDB', '0', '1'],
      sorted(['KEYS', '*']),
      ['GET', 'b'],
      ['SELECT', '1'],
      sorted(['KEYS', '*']),
      ['TTL', 'e'],
      ['SWAPDB', '1', '0'],
      sorted(['KEYS', '*']),
      ['SWAPDB', '1', '1'],
      sorted(['KEYS', '*']),
      ['SELECT', '0'],
      sorted(['KEYS', '*']),
    ]);
  });

  it('SWAPDB fails EXEC of a client watching a key in either db', async (ctx) => {
    needs(ctx, 'watch', 'multi');
    const { r, k } = await pair.clients(proto);
    const { r: r2, k: k2 } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'w', '0'],
      ['WATCH', 'w'],
      ['MULTI'],
      ['GET', 'w'],
    ]);
    await expectSame(r2, k2, [['SWAPDB', '0', '1']]);
    await expectSame(r, k, [['EXEC'], ['GET', 'w']]);
    // A watched key that exists in neither db is not touched.
    await expectSame(r, k, [['WATCH', 'nokey'], ['MULTI'], ['PING']]);
    await expectSame(r2, k2, [['SWAPDB', '0', '1']]);
    await expectSame(r, k, [['EXEC']]);
    // A watched key that only exists in the db swapped in is touched.
    await expectSame(r, k, [['SELECT', '3'], ['WATCH', 'w'], ['MULTI'], ['PING']]);
    await expectSame(r2, k2, [['SWAPDB', '0', '3']]);
    await expectSame(r, k, [['EXEC'], ['GET', 'w']]);
  });

  it('RANDOMKEY', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RANDOMKEY'],
      ['RANDOMKEY', 'x'],
      ['SET', 'only', '1'],
      ['RANDOMKEY'],
      ['SET', 'gone', '1'],
      ['PEXPIREAT', 'gone', '1'],
      ['RANDOMKEY'],
      ['DEL', 'only'],
      ['RANDOMKEY'],
    ]);
    await expectSame(r, k, [['MSET', 'a', '1', 'b', '2', 'c', '3']]);
    for (let i = 0; i < 20; i++) {
      await expectSame(r, k, [{ cmd: ['RANDOMKEY'], normalize: (b) => ['$1\r\na\r\n', '$1\r\nb\r\n', '$1\r\nc\r\n'].includes(b) }]);
    }
  });

  it('TOUCH', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['TOUCH'],
      ['TOUCH', 'nosuch'],
      ['MSET', 'a', '1', 'b', '2'],
      ['TOUCH', 'a', 'nosuch', 'a', 'b'],
      ['SET', 'e', 'v'],
      ['PEXPIREAT', 'e', '1'],
      ['TOUCH', 'e'],
    ]);
  });

  it('WAIT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['WAIT'],
      ['WAIT', '0'],
      ['WAIT', '0', '0', '0'],
      ['WAIT', '0', '0'],
      ['WAIT', 'x', '0'],
      ['WAIT', '0', 'x'],
      ['WAIT', 'x', 'y'],
      ['WAIT', '0', '1.5'],
      ['WAIT', '0', '-1'],
      ['WAIT', '1', '-1'],
      ['WAIT', '-1', '0'],
      ['WAIT', '99999999999999999999', '0'],
      ['WAIT', '0', '99999999999999999999'],
      ['WAIT', '0', '9223372036854775807'],
      ['WAIT', '1', '1'],
      ['WAIT', '5', '2'],
    ]);
  });

  it('WAIT inside MULTI does not block', async (ctx) => {
    needs(ctx, 'multi');
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['MULTI'], ['WAIT', '1', '0'], ['EXEC']]);
  });

  it('OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['OBJECT'],
      ['OBJECT', 'FOO'],
      ['OBJECT', 'foo', 'bar'],
      ['OBJECT', 'HELP'],
      ['OBJECT', 'help'],
      ['OBJECT', 'HELP', 'x'],
      ['OBJECT', 'ENCODING'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT', 'REFCOUNT'],
      ['OBJECT', 'IDLETIME'],
      ['OBJECT', 'FREQ'],
      ['OBJECT', 'ENCODING', 'nosuch'],
      ['OBJECT', 'REFCOUNT', 'nosuch'],
      ['OBJECT', 'IDLETIME', 'nosuch'],
      ['OBJECT', 'FREQ', 'nosuch'],
      ['SET', 'str', 'hello'],
      ['SET', 'long', 'x'.repeat(44)],
      ['SET', 'longer', 'x'.repeat(45)],
      ['SET', 'int', '12345'],
      ['SET', 'small', '7'],
      ['SET', 'neg', '-7'],
      ['SET', 'big', '9223372036854775807'],
      ['SET', 'bigger', '9223372036854775808'],
      ['SET', 'lead0', '007'],
      ['OBJECT', 'ENCODING', 'str'],
      ['OBJECT', 'encoding', 'long'],
      ['OBJECT', 'ENCODING', 'longer'],
      ['OBJECT', 'ENCODING', 'int'],
      ['OBJECT', 'ENCODING', 'small'],
      ['OBJECT', 'ENCODING', 'neg'],
      ['OBJECT', 'ENCODING', 'big'],
      ['OBJECT', 'ENCODING', 'bigger'],
      ['OBJECT', 'ENCODING', 'lead0'],
      ['OBJECT', 'REFCOUNT', 'str'],
      ['OBJECT', 'REFCOUNT', 'int'],
      ['OBJECT', 'REFCOUNT', 'small'],
      ['OBJECT', 'REFCOUNT', 'neg'],
      ['SET', 'n9999', '9999'],
      ['SET', 'n10000', '10000'],
      ['SET', 'n0', '0'],
      ['OBJECT', 'REFCOUNT', 'n9999'],
      ['OBJECT', 'REFCOUNT', 'n10000'],
      ['OBJECT', 'REFCOUNT', 'n0'],
      { cmd: ['OBJECT', 'IDLETIME', 'str'], normalize: freshIdle },
      ['OBJECT', 'FREQ', 'str'],
      ['RPUSH', 'l', 'a'],
      ['OBJECT', 'ENCODING', 'l'],
      ['OBJECT', 'REFCOUNT', 'l'],
      { cmd: ['OBJECT', 'IDLETIME', 'l'], normalize: freshIdle },
      ['HSET', 'h', 'f', 'v'],
      ['OBJECT', 'ENCODING', 'h'],
      ['SADD', 's', '1', '2'],
      ['OBJECT', 'ENCODING', 's'],
      ['SADD', 's', 'x'],
      ['OBJECT', 'ENCODING', 's'],
      ['SET', 'e', 'v'],
      ['PEXPIREAT', 'e', '1'],
      ['OBJECT', 'ENCODING', 'e'],
      ['OBJECT', 'REFCOUNT', 'e'],
    ]);
  });

  it('OBJECT FREQ with an LFU policy; IDLETIME refuses then', async () => {
    const { r, k } = await pair.clients(proto);
    try {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
        ['CONFIG', 'SET', 'lfu-log-factor', '-1'],
        ['CONFIG', 'SET', 'lfu-log-factor', 'x'],
        ['CONFIG', 'SET', 'lfu-decay-time', '-1'],
        ['CONFIG', 'SET', 'lfu-decay-time', '99999999999'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LFU'],
        ['CONFIG', 'GET', 'maxmemory-policy'],
        // The first access of a new key always bumps its counter (5 -> 6).
        ['SET', 'a', 'hello'],
        ['OBJECT', 'FREQ', 'a'],
        ['OBJECT', 'IDLETIME', 'a'],
        ['OBJECT', 'IDLETIME', 'nosuch'],
        ['OBJECT', 'FREQ', 'nosuch'],
        ['GET', 'a'],
        ['OBJECT', 'FREQ', 'a'],
        ['SET', 'b', 'world'],
        ['SET', 'b', 'again'],
        ['OBJECT', 'FREQ', 'b'],
        ['RPUSH', 'l', 'x'],
        ['OBJECT', 'FREQ', 'l'],
        ['LPUSH', 'l', 'y'],
        ['OBJECT', 'FREQ', 'l'],
        ['OBJECT', 'REFCOUNT', 'l'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu'],
        ['OBJECT', 'ENCODING', 'l'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
        ['OBJECT', 'FREQ', 'l'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
        ['SET', 'fresh', 'v'],
        { cmd: ['OBJECT', 'IDLETIME', 'fresh'], normalize: freshIdle },
      ]);
    } finally {
      await expectSame(r, k, [['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
    }
  });

  it('which commands count as an access (LFU counter with lfu-log-factor 0)', async () => {
    const { r, k } = await pair.clients(proto);
    // log factor 0: every access adds exactly 1; decay time 0: no decay.
    const freq = (key: string) => ['OBJECT', 'FREQ', key];
    try {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'lfu-log-factor', '0'],
        ['CONFIG', 'SET', 'lfu-decay-time', '0'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
        ['SET', 'a', 'hello'],
        freq('a'),
        ['GET', 'a'],
        freq('a'),
        ['EXISTS', 'a'],
        ['TYPE', 'a'],
        ['TTL', 'a'],
        ['PTTL', 'a'],
        ['EXPIRETIME', 'a'],
        ['OBJECT', 'ENCODING', 'a'],
        sorted(['KEYS', '*']),
        ['SCAN', '0', 'TYPE', 'string'],
        ['SCAN', '0'],
        ['RANDOMKEY'],
        freq('a'),
        ['TOUCH', 'a', 'a'],
        freq('a'),
        ['SET', 'a', 'again'],
        freq('a'),
        ['APPEND', 'a', '!'],
        freq('a'),
        ['STRLEN', 'a'],
        freq('a'),
        ['EXPIRE', 'a', '100'],
        freq('a'),
        ['PERSIST', 'a'],
        freq('a'),
        ['RENAME', 'a', 'b'],
        freq('b'),
        ['COPY', 'b', 'c'],
        freq('b'),
        freq('c'),
        ['MOVE', 'c', '1'],
        ['SELECT', '1'],
        freq('c'),
        ['SELECT', '0'],
        // (SET ... GET / GETSET look the key up twice in Redis and count two accesses;
        // RedKit counts one access per key and command: a documented difference.)
        ['SET', 'n', 'x1'],
        ['MGET', 'n', 'b', 'nosuch'],
        freq('n'),
        freq('b'),
        ['DEL', 'n'],
        ['RPUSH', 'l', 'a'],
        ['RPUSH', 'l', 'b'],
        ['LRANGE', 'l', '0', '-1'],
        freq('l'),
        ['HSET', 'h', 'f', 'v'],
        ['HGET', 'h', 'f'],
        freq('h'),
      ]);
    } finally {
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
        ['CONFIG', 'SET', 'lfu-log-factor', '10'],
        ['CONFIG', 'SET', 'lfu-decay-time', '1'],
      ]);
    }
  });

  it('keyspace notifications', async () => {
    const { r, k } = await pair.clients(proto);
    const { r: sr, k: sk } = await pair.clients(proto);
    await expectSame(r, k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sr, sk, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(r, k, [
      ['SET', 'a', '1'],
      ['EXPIRE', 'a', '100'],
      ['PERSIST', 'a'],
      ['RENAME', 'a', 'b'],
      ['MOVE', 'b', '1'],
      ['SELECT', '1'],
      ['COPY', 'b', 'c', 'DB', '0'],
      ['SELECT', '0'],
      ['EXPIRE', 'c', '-1'],
      ['SET', 'd', '1'],
      ['DEL', 'd', 'nosuch'],
      ['SET', 'd', '1'],
      ['UNLINK', 'd'],
      ['SET', 'e', '1'],
      ['PEXPIREAT', 'e', '1'],
      ['SET', 'x', '1'],
      ['PEXPIRE', 'x', '100000'],
      ['RENAMENX', 'x', 'y'],
      ['EXPIRE', 'y', '5', 'NX'],
      ['EXPIRE', 'y', '5', 'NX'],
      ['PERSIST', 'nosuch'],
      ['TOUCH', 'y'],
      ['SWAPDB', '0', '1'],
      ['FLUSHDB'],
      ['PUBLISH', '__keyspace@0__:END', 'end'],
    ]);
    await expectEvents(sr, sk);
  });
});

/** Read pub/sub messages from both subscribers up to the `end` sentinel and compare them in order. */
async function expectEvents(sr: RawClient, sk: RawClient): Promise<void> {
  const drain = async (c: RawClient) => {
    const out: string[] = [];
    for (;;) {
      const m = await c.read();
      out.push(m);
      if (m.includes('__keyspace@0__:END')) return out;
    }
  };
  const [a, b] = await Promise.all([drain(sr), drain(sk)]);
  expect(b).toEqual(a);
}

describe('keyspace event `new`', () => {
  it('is sent when a key is created', async () => {
    const { r, k } = await pair.clients(2);
    const { r: sr, k: sk } = await pair.clients(2);
    await expectSame(r, k, [['CONFIG', 'SET', 'notify-keyspace-events', 'En']]);
    await expectSame(sr, sk, [['SUBSCRIBE', '__keyevent@0__:new']]);
    await expectSame(r, k, [
      ['SET', 'a', '1'],
      ['SET', 'a', '2'],
      ['RENAME', 'a', 'b'],
      ['COPY', 'b', 'c'],
      ['RPUSH', 'l', 'x'],
      ['RPUSH', 'l', 'y'],
    ]);
    await expectSame(r, k, [['PUBLISH', '__keyevent@0__:new', '__keyspace@0__:END']]);
    await expectEvents(sr, sk);
  });
});

/**
 * RedKit only: behaviour that depends on time, driven by the virtual clock of
 * a separate server with a frozen clock (no sleeps).
 */
describe('RedKit: virtual clock, idle time, NO-TOUCH, WAIT', () => {
  let srv: RedKitServer;
  let c: RawClient;
  let c2: RawClient;
  beforeAll(async () => {
    srv = createServer({ logger: 'error', clock: 'frozen' });
    await srv.listen(0);
  });
  afterAll(async () => {
    await srv?.close();
    srv?.dispose();
  });
  beforeEach(async () => {
    c?.close();
    c2?.close();
    c = await RawClient.connect(srv.port);
    c2 = await RawClient.connect(srv.port);
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    // Whole seconds, so the coarse (1 s) LRU clock gives exact idle times.
    srv.clock.set(Date.UTC(2030, 0, 1));
  });

  it('OBJECT IDLETIME follows the clock; reads reset it, NOTOUCH lookups do not', async () => {
    await c.call('SET', 'a', 'hello');
    await c.call('RPUSH', 'l', 'x');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
    srv.clock.advance('10s');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':10\r\n');
    expect(await c.call('OBJECT', 'IDLETIME', 'l')).toBe(':10\r\n');
    // Not accesses: EXISTS, TYPE, TTL, PTTL, EXPIRETIME, OBJECT, KEYS, SCAN, RANDOMKEY, DBSIZE.
    for (const cmd of [['EXISTS', 'a'], ['TYPE', 'a'], ['TTL', 'a'], ['PTTL', 'a'], ['EXPIRETIME', 'a'], ['OBJECT', 'ENCODING', 'a'], ['KEYS', '*'], ['SCAN', '0'], ['SCAN', '0', 'TYPE', 'string'], ['RANDOMKEY'], ['DBSIZE']]) {
      await c.call(...cmd);
    }
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':10\r\n');
    srv.clock.advance('2500ms');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':12\r\n');
    await c.call('GET', 'a');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
    expect(await c.call('OBJECT', 'IDLETIME', 'l')).toBe(':12\r\n');
    await c.call('LRANGE', 'l', '0', '-1');
    expect(await c.call('OBJECT', 'IDLETIME', 'l')).toBe(':0\r\n');
    srv.clock.advance('1h');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':3600\r\n');
    await c.call('TOUCH', 'a', 'nosuch');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
    // Writes are accesses too; a copy is a new value; a rename keeps the value.
    srv.clock.advance('5s');
    await c.call('APPEND', 'a', '!');
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
    expect(await c.call('OBJECT', 'IDLETIME', 'l')).toBe(':3605\r\n');
    await c.call('COPY', 'l', 'l2');
    expect(await c.call('OBJECT', 'IDLETIME', 'l2')).toBe(':0\r\n');
    srv.clock.advance('-1s'); // time going back does not underflow
    expect(await c.call('OBJECT', 'IDLETIME', 'a')).toMatch(/^:\d+\r\n$/);
  });

  it('CLIENT NO-TOUCH: its reads leave idle time alone, TOUCH still counts', async () => {
    await c.call('SET', 'a', 'v');
    srv.clock.advance('7s');
    expect(await c2.call('CLIENT', 'NO-TOUCH', 'ON')).toBe('+OK\r\n');
    await c2.call('GET', 'a');
    await c2.call('SET', 'b', 'x');
    expect(await c2.call('OBJECT', 'IDLETIME', 'a')).toBe(':7\r\n');
    await c.call('GET', 'b'); // the other client is not affected
    srv.clock.advance('1s');
    await c.call('GET', 'b');
    expect(await c.call('OBJECT', 'IDLETIME', 'b')).toBe(':0\r\n');
    await c2.call('TOUCH', 'a');
    expect(await c2.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
    srv.clock.advance('3s');
    await c2.call('CLIENT', 'NO-TOUCH', 'OFF');
    await c2.call('GET', 'a');
    expect(await c2.call('OBJECT', 'IDLETIME', 'a')).toBe(':0\r\n');
  });

  it('OBJECT FREQ decays with lfu-decay-time minutes of clock time', async () => {
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    try {
      await c.call('CONFIG', 'SET', 'lfu-log-factor', '0');
      await c.call('SET', 'a', 'v');
      for (let i = 0; i < 5; i++) await c.call('GET', 'a');
      expect(await c.call('OBJECT', 'FREQ', 'a')).toBe(':10\r\n');
      srv.clock.advance('3m');
      expect(await c.call('OBJECT', 'FREQ', 'a')).toBe(':7\r\n');
      await c.call('CONFIG', 'SET', 'lfu-decay-time', '2');
      expect(await c.call('OBJECT', 'FREQ', 'a')).toBe(':9\r\n');
      await c.call('GET', 'a'); // decays to 9, bumps to 10, restarts the decay period
      srv.clock.advance('1m');
      expect(await c.call('OBJECT', 'FREQ', 'a')).toBe(':10\r\n');
      srv.clock.advance('1h');
      expect(await c.call('OBJECT', 'FREQ', 'a')).toBe(':0\r\n');
      await c.call('CONFIG', 'SET', 'lfu-decay-time', '0');
      await c.call('CONFIG', 'SET', 'lfu-log-factor', '10');
    } finally {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await c.call('CONFIG', 'SET', 'lfu-decay-time', '1');
      await c.call('CONFIG', 'SET', 'lfu-log-factor', '10');
    }
  });

  it('TTLs on the virtual clock: EXPIRE family, RENAME/MOVE/COPY keep them, expired events', async () => {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ex');
    await c2.call('PSUBSCRIBE', '__keyevent@*__:expired');
    await c.call('SET', 'a', 'v');
    await c.call('PEXPIRE', 'a', '1500');
    expect(await c.call('PTTL', 'a')).toBe(':1500\r\n');
    expect(await c.call('TTL', 'a')).toBe(':2\r\n'); // (1500 + 500) / 1000
    srv.clock.advance(1000);
    expect(await c.call('TTL', 'a')).toBe(':1\r\n');
    expect(await c.call('PTTL', 'a')).toBe(':500\r\n');
    const now = srv.clock.now();
    expect(await c.call('PEXPIRETIME', 'a')).toBe(`:${now + 500}\r\n`);
    expect(await c.call('EXPIRETIME', 'a')).toBe(`:${Math.floor((now + 1000) / 1000)}\r\n`);
    await c.call('RENAME', 'a', 'b');
    await c.call('MOVE', 'b', '3');
    await c.call('SELECT', '3');
    await c.call('COPY', 'b', 'c', 'DB', '4');
    expect(await c.call('PTTL', 'b')).toBe(':500\r\n');
    srv.clock.advance(499);
    expect(await c.call('PTTL', 'b')).toBe(':1\r\n');
    srv.clock.advance(1);
    // Active expiry runs as the clock moves: both keys are gone and announced.
    const events = [await c2.read(), await c2.read()].sort();
    expect(events).toEqual([
      '*4\r\n$8\r\npmessage\r\n$22\r\n__keyevent@*__:expired\r\n$22\r\n__keyevent@3__:expired\r\n$1\r\nb\r\n',
      '*4\r\n$8\r\npmessage\r\n$22\r\n__keyevent@*__:expired\r\n$22\r\n__keyevent@4__:expired\r\n$1\r\nc\r\n',
    ]);
    expect(await c.call('EXISTS', 'b')).toBe(':0\r\n');
    expect(await c.call('DBSIZE')).toBe(':0\r\n');
    await c.call('SELECT', '0');
  });

  it('a clock moved by fractions of a millisecond still gives integer TTLs', async () => {
    srv.clock.advance(0.25);
    await c.call('SET', 'a', 'v');
    expect(await c.call('PEXPIRE', 'a', '1000')).toBe(':1\r\n');
    expect(await c.call('PTTL', 'a')).toMatch(/^:\d+\r\n$/);
    srv.clock.advance(0.5);
    expect(await c.call('PTTL', 'a')).toMatch(/^:\d+\r\n$/);
    expect(await c.call('PEXPIRETIME', 'a')).toMatch(/^:\d+\r\n$/);
    expect(await c.call('EXPIRE', 'a', '5', 'GT')).toBe(':1\r\n');
    expect(await c.call('TTL', 'a')).toBe(':5\r\n');
  });

  it('SWAPDB carries TTLs and the expiry index with the keys', async () => {
    await c.call('SET', 'x', '0', 'PX', '1000');
    await c.call('SELECT', '1');
    await c.call('SET', 'y', '1', 'PX', '2000');
    await c.call('SET', 'keep', '1');
    await c.call('SWAPDB', '0', '1');
    expect(await c.call('PTTL', 'x')).toBe(':1000\r\n');
    expect(await c.call('EXISTS', 'y')).toBe(':0\r\n');
    srv.clock.advance(1000);
    expect(await c.call('DBSIZE')).toBe(':0\r\n');
    await c.call('SELECT', '0');
    expect(await c.call('PTTL', 'y')).toBe(':1000\r\n');
    expect(await c.call('DBSIZE')).toBe(':2\r\n');
    srv.clock.advance(1000);
    expect(await c.call('KEYS', '*')).toBe('*1\r\n$4\r\nkeep\r\n');
    expect(srv.store.db(0).expires.size).toBe(0);
  });

  it('SWAPDB and FLUSHDB touch watched keys that exist on either side; watchers stay with their db', async () => {
    const touched: string[] = [];
    // A stand-in watcher per (db, key) that logs instead of failing a transaction.
    const w = (db: number, key: string) => {
      const log = () => void touched.push(`${db}:${key}`);
      return { expired: false, touched: log, flushed: log };
    };
    const d0 = srv.store.db(0);
    const d1 = srv.store.db(1);
    try {
      for (const k of ['a', 'b', 'nokey']) {
        d0.watched.set(k, new Set([w(0, k)]));
        d1.watched.set(k, new Set([w(1, k)]));
      }
      await c.call('SET', 'a', '1');
      await c.call('SELECT', '1');
      await c.call('SET', 'b', '1');
      await c.call('SELECT', '0');
      touched.length = 0;
      expect(await c.call('SWAPDB', '0', '1')).toBe('+OK\r\n');
      expect(touched.sort()).toEqual(['0:a', '0:b', '1:a', '1:b']);
      expect(d0.watched.has('a') && d1.watched.has('a')).toBe(true);
      touched.length = 0;
      await c.call('SWAPDB', '0', '0');
      expect(touched).toEqual([]);
      await c.call('SELECT', '2');
      await c.call('SWAPDB', '2', '3'); // neither db holds a watched key
      expect(touched).toEqual([]);
      await c.call('SELECT', '0');
      await c.call('FLUSHDB');
      expect(touched).toEqual(['0:b']);
      touched.length = 0;
      await c.call('RENAME', 'nosuch', 'x');
      await c.call('SELECT', '1');
      await c.call('RENAME', 'a', 'b');
      expect(touched.sort()).toEqual(['1:a', '1:b']);
    } finally {
      d0.watched.clear();
      d1.watched.clear();
    }
  });

  it('KEYS, SCAN, RANDOMKEY and EXISTS skip keys the clock expired', async () => {
    await c.call('MSET', 'a', '1', 'b', '2');
    await c.call('PEXPIRE', 'b', '10');
    srv.clock.advance(10);
    expect(await c.call('KEYS', '*')).toBe('*1\r\n$1\r\na\r\n');
    expect(await c.call('SCAN', '0')).toBe('*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n');
    for (let i = 0; i < 10; i++) expect(await c.call('RANDOMKEY')).toBe('$1\r\na\r\n');
  });

  it('WAIT for replicas blocks until the timeout on the clock, then answers 0', async () => {
    c.send('WAIT', '1', '5000');
    c.send('PING');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.pending()).toBe('');
    srv.clock.advance('4999ms');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.pending()).toBe('');
    srv.clock.advance('1ms');
    expect(await c.read()).toBe(':0\r\n');
    expect(await c.read()).toBe('+PONG\r\n');
    expect(await c.call('WAIT', '0', '0')).toBe(':0\r\n');
    // WAIT 1 0 waits forever (as Redis without replicas); closing the client is fine.
    c2.send('WAIT', '1', '0');
    srv.clock.advance('1h');
    await new Promise((r) => setTimeout(r, 20));
    expect(c2.pending()).toBe('');
  });
});
