/**
 * The replay side of the recorded oracle (docs/oracle.md) on hand-made logs, without redis-server:
 * causality between connections, the request-byte check and its message, connections accepted
 * in another order than recorded, and the Lua oracle's missing-program error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';

// Replay from a golden directory of our own (set before the oracle modules load).
const dir = mkdtempSync(join(tmpdir(), 'redkit-golden-'));
const saved = { dir: process.env.REDKIT_GOLDEN_DIR, mode: process.env.REDKIT_ORACLE };
process.env.REDKIT_GOLDEN_DIR = dir;
process.env.REDKIT_ORACLE = 'replay';
const oracle = await import('../support/oracle.js');
const { startRedisServer } = await import('../support/redis-server.js');
const { runLua51 } = await import('../support/lua-oracle.js');

type Ev = ['c', number] | ['r' | 's', number, string] | ['x' | 'X', number];
const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`;

/** Servers in the order the tests below start them. */
const SERVERS: Ev[][] = [
  // 0: BLPOP on connection 0 answered only after connection 1's LPUSH; a PING on 2 in between.
  [
    ['c', 0], ['r', 0, cmd('BLPOP', 'q', '0')],
    ['c', 1], ['c', 2], ['r', 2, cmd('PING')], ['s', 2, '+PONG\r\n'],
    ['r', 1, cmd('LPUSH', 'q', 'v')], ['s', 1, ':1\r\n'], ['s', 0, '*2\r\n$1\r\nq\r\n$1\r\nv\r\n'],
  ],
  // 1: the request-byte check.
  [['c', 0], ['r', 0, cmd('GET', 'a')], ['s', 0, '$1\r\n1\r\n'], ['r', 0, cmd('GET', 'b')], ['s', 0, '$-1\r\n']],
  // 2: two connections; the test connects them both, then talks on the second first.
  [['c', 0], ['c', 1], ['r', 0, cmd('ECHO', 'first')], ['s', 0, '$5\r\nfirst\r\n'], ['r', 1, cmd('ECHO', 'second')], ['s', 1, '$6\r\nsecond\r\n']],
  // 3: redis closes the connection after its reply (QUIT).
  [['c', 0], ['r', 0, cmd('QUIT')], ['s', 0, '+OK\r\n'], ['X', 0]],
  // 4: fewer bytes than recorded.
  [['c', 0], ['r', 0, cmd('PING')], ['s', 0, '+PONG\r\n'], ['r', 0, cmd('PING')], ['s', 0, '+PONG\r\n']],
];

beforeAll(() => {
  const blob: Buffer[] = [];
  const servers = SERVERS.map((events, i) => ({
    extra: [],
    pid: 1000 + i,
    port: 0,
    events: events.map((e) => {
      if (e[0] === 'r' || e[0] === 's') {
        blob.push(Buffer.from(e[2], 'latin1'));
        return [e[0], e[1], e[2].length];
      }
      return e;
    }),
  }));
  const file = oracle.currentTestFile();
  oracle.writeGoldenBinary(oracle.goldenPath(file, 'redis'), { format: 2, file, redis: '7.0.15', servers }, blob);
  oracle.writeGolden(oracle.goldenPath(file, 'lua'), { format: 1, file, runs: {} });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // In case the worker process runs another test file next.
  for (const [k, v] of [['REDKIT_GOLDEN_DIR', saved.dir], ['REDKIT_ORACLE', saved.mode]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('replayed redis-server', () => {
  it('a reply waits for what came before it on other connections', async () => {
    const redis = await startRedisServer();
    expect(redis.pid).toBe(1000);
    const a = await RawClient.connect(redis.port);
    const b = await RawClient.connect(redis.port);
    const c = await RawClient.connect(redis.port);
    a.send('BLPOP', 'q', '0');
    // The PING's reply comes after the BLPOP arrived; the BLPOP's must still wait for the LPUSH.
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(a.pending()).toBe('');
    expect(await b.call('LPUSH', 'q', 'v')).toBe(':1\r\n');
    expect(await a.read()).toBe('*2\r\n$1\r\nq\r\n$1\r\nv\r\n');
    for (const x of [a, b, c]) x.close();
    await redis.stop();
  });

  it('other request bytes than recorded: an error reply naming the file, connection and offset, and stop() fails', async () => {
    const redis = await startRedisServer();
    const a = await RawClient.connect(redis.port);
    expect(await a.call('GET', 'a')).toBe('$1\r\n1\r\n');
    const reply = await a.call('GET', 'c');
    expect(reply).toMatch(/^-ERR golden mismatch: test\/unit\/oracle-replay\.test\.ts, redis-server #2, connection #1: the test sent different bytes at byte offset 37: .*npm run golden/);
    a.close();
    await expect(redis.stop()).rejects.toThrow(/byte offset 37/);
  });

  it('connections accepted in another order than recorded are matched by their first request', async () => {
    const redis = await startRedisServer();
    const first = await RawClient.connect(redis.port);
    const second = await RawClient.connect(redis.port);
    // The recording's connection #1 sent "first": whichever socket sends it plays that connection.
    const [x, y] = await Promise.all([second.call('ECHO', 'first'), first.call('ECHO', 'second')]);
    expect([x, y]).toEqual(['$5\r\nfirst\r\n', '$6\r\nsecond\r\n']);
    first.close();
    second.close();
    await redis.stop();
  });

  it('a connection redis-server closed is closed after its last reply', async () => {
    const redis = await startRedisServer();
    const a = await RawClient.connect(redis.port);
    a.send('QUIT');
    expect(await a.readUntilClose(5000)).toBe('+OK\r\n');
    expect(a.closed).toBe(true);
    await redis.stop();
  });

  it('a test that sends less than was recorded fails at stop()', async () => {
    const redis = await startRedisServer();
    const a = await RawClient.connect(redis.port);
    expect(await a.call('PING')).toBe('+PONG\r\n');
    a.close();
    await expect(redis.stop()).rejects.toThrow(/connection #1: the test sent 14 bytes of the 28 recorded/);
  });

  it('a server never recorded: an error that says how to re-record', async () => {
    await expect(startRedisServer()).rejects.toThrow(/no recorded redis-server #6 .*npm run golden/);
  });
});

describe('replayed lua5.1', () => {
  it('a program never recorded fails loudly', () => {
    expect(() => runLua51('print(1)')).toThrow(/lua5\.1 was never run on this program .*npm run golden/);
  });
});

