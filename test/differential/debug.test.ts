/**
 * DEBUG against redis-server 7.0.15: the enable-debug-command refusal, DIGEST
 * and DIGEST-VALUE over every type and encoding (Redis's algorithm, so equal
 * data gives equal digests), DEBUG OBJECT (pointer and LRU fields blanked),
 * RELOAD (encodings rebuilt as after a restart, digest unchanged), PROTOCOL
 * for every type in RESP2 and RESP3, and the small subcommands and errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let dir: string | undefined;

const range = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('DEBUG refused when enable-debug-command is no', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  it('every subcommand gets the same refusal', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [['CONFIG', 'GET', 'enable-debug-command'], ['DEBUG', 'DIGEST'], ['DEBUG', 'HELP'], ['DEBUG', 'nosuch'], ['DEBUG']]);
  });
});

describe('DEBUG', () => {
  let pair: Pair;
  beforeAll(async () => {
    // DEBUG RELOAD makes redis-server write dump.rdb in its dir: its own, so that no later
    // redis-server started in the repository loads it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-debug-'));
    pair = await startPair({ redisArgs: ['--enable-debug-command', 'yes', '--dir', dir] });
    pair.redkit.config.setRaw('enable-debug-command', 'yes');
  });
  afterAll(async () => {
    await pair?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await pair.flush();
  });

  /** A keyspace with every type and encoding, TTLs and two databases. */
  const dataset: Cmd[] = [
    ['SET', 'str', 'hello'],
    ['SET', 'int', '12345'],
    ['SET', 'neg', '-7'],
    ['SET', 'raw', 'r'.repeat(100)],
    ['SET', 'bin', Buffer.from([0, 255, 13, 10, 128])],
    ['SET', 'ttl', 'x', 'EX', '1000'],
    ['RPUSH', 'list', 'a', 'b', '1', '-2', 'c'.repeat(70)],
    ['RPUSH', 'biglist', ...range(500, (i) => `item${i}`)],
    ['SADD', 'intset', '1', '2', '-3', '100000'],
    ['SADD', 'set', 'x', 'y', 'z'],
    ['SADD', 'bigset', ...range(600, (i) => String(i))],
    ['HSET', 'hash', 'f1', 'v1', 'f2', '2'],
    ['HSET', 'bighash', ...range(200, (i) => [`f${i}`, `v${i}`]).flat()],
    ['ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c', '1e100', 'd', '0.1', 'e'],
    ['ZADD', 'bigzset', ...range(200, (i) => [String(i / 7), `m${i}`]).flat()],
    ['PEXPIRE', 'bighash', '5000000'],
    ['SELECT', '5'],
    ['SET', 'str', 'in db 5'],
    ['SADD', 'set', 'x'],
    ['SELECT', '0'],
  ];
  const keys = ['str', 'int', 'neg', 'raw', 'bin', 'ttl', 'list', 'biglist', 'intset', 'set', 'bigset', 'hash', 'bighash', 'zset', 'bigzset', 'nokey'];

  for (const proto of [2, 3] as const) {
    it(`DIGEST and DIGEST-VALUE equal redis-server's over every type (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE'], ['DEBUG', 'DIGEST-VALUE', 'nokey']]);
      await expectSame(r, k, dataset);
      await expectSame(r, k, [['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE', ...keys], ['DEBUG', 'digest-value', 'list', 'list']]);
      // Order matters for lists, not for sets and hashes; TTLs count.
      await expectSame(r, k, [
        ['LPUSH', 'list', 'new'],
        ['DEBUG', 'DIGEST'],
        ['PERSIST', 'ttl'],
        ['DEBUG', 'DIGEST'],
        ['SELECT', '5'],
        ['DEBUG', 'DIGEST-VALUE', 'str', 'set'],
        ['FLUSHDB'],
        ['SELECT', '0'],
        ['DEBUG', 'DIGEST'],
      ]);
    });
  }

  it('DEBUG OBJECT: encoding, refcount, serialized length, quicklist details', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, dataset);
    const blank = (s: string) => s.replace(/Value at:0x[0-9a-f]+/, 'Value at:P').replace(/ lru:\d+ lru_seconds_idle:\d+/, ' lru:L');
    for (const key of keys) await expectSame(r, k, [{ cmd: ['DEBUG', 'OBJECT', key], normalize: blank }]);
    await expectSame(r, k, [['DEBUG', 'OBJECT'], ['DEBUG', 'OBJECT', 'a', 'b']]);
  });

  it('RELOAD rebuilds encodings as a restart does and keeps data and TTLs', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, dataset);
    const shrink: Cmd[] = [
      ['HDEL', 'bighash', ...range(195, (i) => `f${i}`)],
      ['ZREMRANGEBYRANK', 'bigzset', '0', '190'],
      ['OBJECT', 'ENCODING', 'bighash'],
      ['OBJECT', 'ENCODING', 'bigzset'],
    ];
    await expectSame(r, k, [...shrink, ['DEBUG', 'DIGEST']]);
    await expectSame(r, k, [
      ['DEBUG', 'RELOAD'],
      ['OBJECT', 'ENCODING', 'bighash'],
      ['OBJECT', 'ENCODING', 'bigzset'],
      ['OBJECT', 'ENCODING', 'bigset'],
      ['DEBUG', 'DIGEST'],
      ['TTL', 'ttl'],
      ['DEBUG', 'RELOAD', 'MERGE'],
      ['DEBUG', 'RELOAD', 'foo'],
      ['DEBUG', 'DIGEST'],
    ]);
    // The flush before the load breaks WATCHes (not with NOFLUSH).
    await expectSame(r, k, [
      ['WATCH', 'str'],
      ['DEBUG', 'RELOAD'],
      ['MULTI'],
      ['SET', 'str', 'changed'],
      ['EXEC'],
      ['WATCH', 'str'],
      ['DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'],
      ['MULTI'],
      ['SET', 'str', 'changed'],
      ['EXEC'],
      ['GET', 'str'],
    ]);
  });

  for (const proto of [2, 3] as const) {
    it(`PROTOCOL: every type (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'STRING', 'nope'];
      await expectSame(r, k, [...types.map((t): Cmd => ['DEBUG', 'PROTOCOL', t]), ['PING']]);
    });
  }

  for (const proto of [2, 3] as const) {
    it(`DEBUG SLEEP is a latency spike: LATENCY LATEST / HISTORY / GRAPH / DOCTOR (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      const digits = (s: string) => s.replace(/\d+/g, 'N');
      // A 250 ms threshold and a 500 ms spike: the one event expected, whatever a loaded machine
      // does to the other commands' latency (at 50 ms one of them could make a second event).
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'latency-monitor-threshold', '250'],
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
        ['LATENCY', 'RESET'],
        ['DEBUG', 'SLEEP', '0.5'],
        { cmd: ['LATENCY', 'LATEST'], normalize: digits },
        { cmd: ['LATENCY', 'HISTORY', 'command'], normalize: digits },
        { cmd: ['LATENCY', 'GRAPH', 'command'], normalize: digits },
        { cmd: ['LATENCY', 'DOCTOR'], normalize: digits },
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
        { cmd: ['LATENCY', 'DOCTOR'], normalize: digits },
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000000'],
        { cmd: ['LATENCY', 'DOCTOR'], normalize: digits },
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
        { cmd: ['LATENCY', 'DOCTOR'], normalize: digits },
        ['LATENCY', 'RESET', 'command'],
        ['LATENCY', 'DOCTOR'],
        ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
      ]);
    });
  }

  it('small subcommands and errors', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['DEBUG', 'HELP'],
      ['DEBUG', 'HELP', 'x'],
      ['DEBUG'],
      ['DEBUG', 'nosuch'],
      ['DEBUG', 'JMAP'],
      ['DEBUG', 'STRINGMATCH-LEN'],
      ['DEBUG', 'STRINGMATCH-LEN', 'a'],
      ['DEBUG', 'CHANGE-REPL-ID'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SLEEP', 'x'],
      ['DEBUG', 'SLEEP', '0.001'],
      ['DEBUG', 'SLEEP'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', 'x'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1mb'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'x'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
      ['DEBUG', 'ERROR', 'CUSTOM failure here'],
      ['DEBUG', 'LOG', 'hello'],
      ['DEBUG', 'POPULATE', '5'],
      ['DEBUG', 'POPULATE', '3', 'p', '12'],
      ['DEBUG', 'POPULATE', '2', 'p', '3'],
      ['MGET', 'key:0', 'key:4', 'p:0', 'p:2'],
      ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', '1', 'k', '-1'],
      ['HSET', 'h', 'a', 'b'],
      ['RPUSH', 'l', 'a'],
      ['SET', 's', 'abc'],
      ['DEBUG', 'LISTPACK', 'h'],
      ['DEBUG', 'LISTPACK', 'l'],
      ['DEBUG', 'LISTPACK', 'nokey'],
      ['DEBUG', 'QUICKLIST', 'l'],
      ['DEBUG', 'QUICKLIST', 'h'],
      ['DEBUG', 'SDSLEN', 's'],
      ['SET', 'r1', 'x'.repeat(100)],
      ['DEBUG', 'SDSLEN', 'r1'],
      ['SET', 'r2', 'x'.repeat(1000)],
      ['DEBUG', 'SDSLEN', 'r2'],
      ['DEBUG', 'SDSLEN', 'nokey'],
      ['DEBUG', 'STRUCTSIZE'],
      ['DEBUG', 'LEAK', 'x'],
      ['DEBUG', 'PAUSE-CRON', '0'],
      ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'],
      ['DBSIZE'],
    ]);
  });
});
