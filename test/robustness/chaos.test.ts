/**
 * Chaos (issue #14): clients that go away at the worst moment — mid-pipeline
 * (a command cut in half), mid-MULTI, while blocked in BLPOP, while
 * subscribed, while tracking, during a large reply nobody reads, and a crowd
 * of clients doing all of it at random. Afterwards the server is back at its
 * baseline (connected, blocked and tracking clients, subscriptions, the
 * model's used_memory, pending output) and the keyspace is exactly what the
 * completed commands produced: every whole command the server received before
 * the close ran, the cut one did not, an unfinished transaction changed
 * nothing, a blocked client that left consumed nothing.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { prng } from './load-core.js';

const enc = (...args: string[]): string => {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
};

let server: RedKitServer;
let ctl: RawClient;
beforeAll(async () => {
  server = createServer({ logger: 'error' });
  await server.listen(0);
  ctl = await RawClient.connect(server.port);
});
afterAll(async () => {
  ctl?.close();
  await server?.close();
  server?.dispose();
});
beforeEach(async () => {
  await ctl.call('FLUSHALL');
});

const field = (info: string, name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);

interface Baseline {
  connected: number;
  blocked: number;
  tracking: number;
  numpat: string;
  used: number;
}

async function baseline(): Promise<Baseline> {
  const clients = await ctl.call('INFO', 'clients');
  const memory = await ctl.call('INFO', 'memory');
  return {
    connected: field(clients, 'connected_clients'),
    blocked: field(clients, 'blocked_clients'),
    tracking: field(clients, 'tracking_clients'),
    numpat: await ctl.call('PUBSUB', 'NUMPAT'),
    used: field(memory, 'used_memory'),
  };
}

/** Wait (real time, bounded) until the server saw every chaos connection close. */
async function settled(expectConnections: number): Promise<void> {
  const end = Date.now() + 5000;
  while (server.connections.size !== expectConnections && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  expect(server.connections.size).toBe(expectConnections);
}

/** Open a raw socket, write `bytes`, then close it (FIN, or RST with `reset`). */
function hitAndRun(bytes: string, how: 'end' | 'reset' = 'end'): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      s.write(Buffer.from(bytes, 'latin1'), () => {
        if (how === 'end') s.end();
        else s.resetAndDestroy();
      });
    });
    s.on('error', () => {});
    // Read (and drop) the replies, so the server's FIN is seen.
    s.resume();
    s.on('close', () => resolve());
  });
}

async function expectBaseline(b: Baseline): Promise<void> {
  await settled(b.connected);
  const now = await baseline();
  // used_memory depends on the keys too: compare the connection-related part only where keys changed.
  expect({ ...now, used: undefined }).toEqual({ ...b, used: undefined });
}

describe('chaos: clients leaving at the worst moment', () => {
  it('mid-pipeline: every whole command received ran, the cut one did not', async () => {
    const b = await baseline();
    let bytes = '';
    for (let i = 0; i < 500; i++) bytes += enc('INCR', 'pipe:n') + enc('SET', `pipe:k${i}`, `v${i}`);
    const cut = enc('SET', 'pipe:cut', 'never');
    await hitAndRun(bytes + cut.slice(0, cut.length - 5));
    await expectBaseline(b);
    expect(await ctl.call('GET', 'pipe:n')).toBe('$3\r\n500\r\n');
    expect(await ctl.call('EXISTS', 'pipe:cut')).toBe(':0\r\n');
    expect(await ctl.call('DBSIZE')).toBe(':501\r\n');
    expect(field(await ctl.call('INFO', 'memory'), 'used_memory')).toBeGreaterThan(b.used);
    await ctl.call('FLUSHALL');
    expect(field(await ctl.call('INFO', 'memory'), 'used_memory')).toBe(b.used);
  });

  it('mid-MULTI: the queued commands never run; a cut EXEC does not run either', async () => {
    const b = await baseline();
    await hitAndRun(enc('SET', 'tx:before', '1') + enc('MULTI') + enc('SET', 'tx:a', '1') + enc('INCR', 'tx:n'));
    const exec = enc('EXEC');
    await hitAndRun(enc('MULTI') + enc('SET', 'tx:b', '1') + exec.slice(0, exec.length - 3));
    await hitAndRun(enc('MULTI') + enc('SET', 'tx:c', '1'), 'reset');
    await expectBaseline(b);
    expect(await ctl.call('KEYS', 'tx:*')).toBe('*1\r\n$9\r\ntx:before\r\n');
    // A WATCH left behind by a dead client does not disturb anyone.
    await hitAndRun(enc('WATCH', 'tx:before') + enc('MULTI'));
    await ctl.call('SET', 'tx:before', '2');
    await expectBaseline(b);
  });

  it('while blocked: the client leaves the blocked count and consumes nothing', async () => {
    const b = await baseline();
    const c = await RawClient.connect(server.port);
    c.send('BLPOP', 'blk:list', '0');
    const c2 = await RawClient.connect(server.port);
    c2.send('BLMOVE', 'blk:list', 'blk:dst', 'LEFT', 'RIGHT', '0');
    const c3 = await RawClient.connect(server.port);
    c3.send('XREAD', 'BLOCK', '0', 'STREAMS', 'blk:stream', '$');
    const end = Date.now() + 5000;
    while (field(await ctl.call('INFO', 'clients'), 'blocked_clients') !== b.blocked + 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(field(await ctl.call('INFO', 'clients'), 'blocked_clients')).toBe(b.blocked + 3);
    c.close();
    c2.socket.resetAndDestroy();
    c3.close();
    await expectBaseline(b);
    expect(await ctl.call('LPUSH', 'blk:list', 'x')).toBe(':1\r\n');
    expect(await ctl.call('LRANGE', 'blk:list', '0', '-1')).toBe('*1\r\n$1\r\nx\r\n');
    expect(await ctl.call('EXISTS', 'blk:dst')).toBe(':0\r\n');
  });

  it('while subscribed or tracking: subscriptions and tracking end with the connection', async () => {
    const b = await baseline();
    for (let i = 0; i < 5; i++) {
      await hitAndRun(enc('SUBSCRIBE', 'ch:a', 'ch:b') + enc('PSUBSCRIBE', 'ch:*'), i % 2 === 0 ? 'end' : 'reset');
      await hitAndRun(enc('HELLO', '3') + enc('CLIENT', 'TRACKING', 'on') + enc('GET', 'tr:k') + enc('SSUBSCRIBE', 'sh'));
    }
    await expectBaseline(b);
    expect(await ctl.call('PUBSUB', 'NUMSUB', 'ch:a', 'ch:b')).toBe('*4\r\n$4\r\nch:a\r\n:0\r\n$4\r\nch:b\r\n:0\r\n');
    expect(await ctl.call('PUBLISH', 'ch:a', 'm')).toBe(':0\r\n');
    expect(await ctl.call('SET', 'tr:k', 'v')).toBe('+OK\r\n');
  });

  it('during a large reply nobody reads: the output is dropped with the connection', async () => {
    await ctl.call('SET', 'big', 'x'.repeat(4 * 1024 * 1024));
    const b = await baseline();
    for (let i = 0; i < 4; i++) {
      const c = await RawClient.connect(server.port);
      c.socket.pause();
      for (let j = 0; j < 16; j++) c.send('GET', 'big');
      // Wait until the server is holding output for it (the kernel buffers are full).
      const end = Date.now() + 5000;
      const conn = () => [...server.connections.values()].find((x) => x.id === Math.max(...server.connections.keys()));
      while ((conn()?.outputQueued() ?? 0) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      if (i % 2 === 0) c.close();
      else c.socket.resetAndDestroy();
    }
    await expectBaseline(b);
    for (const c of server.connections.values()) expect(c.outputQueued()).toBe(0);
    expect(field(await ctl.call('INFO', 'memory'), 'used_memory')).toBe(b.used);
    expect(await ctl.call('STRLEN', 'big')).toBe(`:${4 * 1024 * 1024}\r\n`);
  });

  it('a crowd doing all of it at random: the keyspace is what the whole commands produced', async () => {
    const b = await baseline();
    const rnd = prng(20261207);
    const expected = new Map<string, number>();
    const runs: Array<Promise<void>> = [];
    for (let c = 0; c < 60; c++) {
      let bytes = '';
      let counted = 0;
      const n = 1 + Math.floor(rnd() * 40);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        if (r < 0.5) {
          bytes += enc('INCR', `crowd:${c % 7}`);
          counted++;
        } else if (r < 0.6) bytes += enc('MULTI') + enc('INCR', `crowd:${c % 7}`);
        else if (r < 0.7) bytes += enc('SUBSCRIBE', `crowd:ch${c}`);
        else if (r < 0.8) bytes += enc('BLPOP', `crowd:l${c}`, '0');
        else bytes += enc('GET', `crowd:${c % 7}`);
        // After SUBSCRIBE (RESP2) or a BLPOP, later commands are refused or wait: stop the client there.
        if (r >= 0.5 && r < 0.6) break;
        if (r >= 0.6 && r < 0.8) break;
      }
      const key = `crowd:${c % 7}`;
      expected.set(key, (expected.get(key) ?? 0) + counted);
      const cut = enc('INCR', key);
      bytes += cut.slice(0, Math.floor(rnd() * (cut.length - 1)));
      runs.push(hitAndRun(bytes, rnd() < 0.5 ? 'end' : 'reset'));
    }
    await Promise.all(runs);
    await settled(b.connected);
    // A reset may drop bytes the server had not read yet: only FIN-closed clients are exact.
    // Every counter is at most what was sent, and the server is back at baseline.
    for (const [k, v] of expected) {
      const got = await ctl.call('GET', k);
      const n = got === '$-1\r\n' ? 0 : Number(got.split('\r\n')[1]);
      expect(n).toBeLessThanOrEqual(v);
    }
    await expectBaseline(b);
  });

  it('a crowd closing cleanly: counters are exact', async () => {
    const b = await baseline();
    const rnd = prng(7);
    let sent = 0;
    const runs: Array<Promise<void>> = [];
    for (let c = 0; c < 50; c++) {
      const n = Math.floor(rnd() * 50);
      let bytes = '';
      for (let i = 0; i < n; i++) bytes += enc('INCR', 'exact');
      sent += n;
      bytes += enc('MULTI') + enc('INCR', 'exact');
      const cut = enc('INCR', 'exact');
      bytes += cut.slice(0, Math.floor(rnd() * (cut.length - 1)));
      runs.push(hitAndRun(bytes));
    }
    await Promise.all(runs);
    await expectBaseline(b);
    expect(await ctl.call('GET', 'exact')).toBe(`$${String(sent).length}\r\n${sent}\r\n`);
  });
});
