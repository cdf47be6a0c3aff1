/**
 * Upstream mode: RedKit in front of a real redis-server started by the test.
 * Real clients (ioredis 5/6, node-redis 4/5/6, RESP2 and RESP3) run basic
 * commands, MULTI/EXEC, SELECT, BLPOP served by another client, pub/sub,
 * HELLO 3; the recorder sees every command with its reply; fault rules act
 * in front of the upstream; raw replies are the upstream's bytes (compared
 * with a direct connection); an upstream that is down or goes away answers
 * a clear error.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { VARIANTS, call, close, connect, type AnyClient } from '../support/clients.js';
import { RawClient } from '../support/raw-client.js';
import { freePort, startRedisServer, type RedisProcess } from '../support/redis-server.js';

let redis: RedisProcess;
let redkit: RedKit;
const open: AnyClient[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  redkit = await startRedKit({ upstream: `redis://127.0.0.1:${redis.port}`, logger: 'error' });
});
afterAll(async () => {
  await redkit?.stop();
  await redis?.stop();
});
beforeEach(async () => {
  for (const c of open.splice(0)) await close(c).catch(() => {});
  for (const c of raws.splice(0)) c.close();
  await redkit.reset();
  const d = await RawClient.connect(redis.port);
  await d.call('FLUSHALL');
  d.close();
});

async function raw(port = redkit.port): Promise<RawClient> {
  const c = await RawClient.connect(port);
  raws.push(c);
  return c;
}

async function client(v: (typeof VARIANTS)[number], o: { db?: number } = {}): Promise<AnyClient> {
  const c = await connect(v, { port: redkit.port, ...o });
  open.push(c);
  return c;
}

describe('raw bytes', () => {
  it('replies are the upstream bytes, RESP2 and RESP3, errors and cluster redirections included', async () => {
    const direct = await raw(redis.port);
    const via = await raw();
    // Same commands, one database each on the same upstream.
    expect(await direct.call('SELECT', '1')).toBe('+OK\r\n');
    expect(await via.call('SELECT', '2')).toBe('+OK\r\n');
    const script: string[][] = [
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HGETALL', 'h'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['ZADD', 'z', '1.5', 'm'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['NOSUCHCOMMAND', 'x'],
      ['GET'],
      ['LPUSH', 'k', 'x'],
      ['HELLO', '3'],
      ['HGETALL', 'h'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['SMEMBERS', 'nothing'],
      ['GET', 'nothing'],
      ['CLUSTER', 'INFO'],
    ];
    for (const cmd of script) {
      const [a, b] = await Promise.all([direct.call(...cmd), via.call(...cmd)]);
      // HELLO names the connection's id: the proxy's upstream connection is another client.
      const mask = (x: string) => x.replace(/(\$2\r\nid\r\n):\d+/, '$1:ID');
      expect(mask(b), cmd.join(' ')).toBe(mask(a));
    }
  });

  it('pub/sub in RESP2 and RESP3, CLIENT REPLY, RESET, MONITOR: the same frames as a direct connection', async () => {
    for (const proto of ['2', '3']) {
      const direct = await raw(redis.port);
      const via = await raw();
      const pub = await raw(redis.port);
      const both = async (cmd: string[], frames: number, unordered = false) => {
        direct.send(...cmd);
        via.send(...cmd);
        const a: string[] = [];
        const b: string[] = [];
        for (let i = 0; i < frames; i++) a.push(await direct.read());
        for (let i = 0; i < frames; i++) b.push(await via.read());
        const norm = (xs: string[]) => {
          // HELLO names the connection id; UNSUBSCRIBE without channels goes in the dict's order, counts included.
          const ys = xs.map((x) => x.replace(/(\$2\r\nid\r\n):\d+/, '$1:ID'));
          return unordered ? ys.map((x) => x.replace(/:\d+\r\n$/, '')).sort() : ys;
        };
        expect(norm(b), `${cmd.join(' ')} (RESP${proto})`).toEqual(norm(a));
      };
      await both(['HELLO', proto], 1);
      await both(['SUBSCRIBE', 'a', 'b', 'c'], 3);
      await both(['PSUBSCRIBE', 'p*'], 1);
      expect(await pub.call('PUBLISH', 'a', 'one')).toBe(':2\r\n');
      expect(await pub.call('PUBLISH', 'pq', 'two')).toBe(':2\r\n');
      for (const c of [direct, via]) expect(await c.read()).toContain('one');
      for (const c of [direct, via]) expect(await c.read()).toContain('two');
      await both(['PING'], 1);
      await both(['UNSUBSCRIBE'], 3, true);
      await both(['PUNSUBSCRIBE'], 1);
      await both(['UNSUBSCRIBE'], 1); // none left: one reply with a null channel
      await both(['CLIENT', 'REPLY', 'SKIP'], 0);
      await both(['SET', 'skipped', '1'], 0);
      await both(['CLIENT', 'REPLY', 'OFF'], 0);
      await both(['INCR', 'off'], 0);
      await both(['CLIENT', 'REPLY', 'ON'], 1);
      await both(['GET', 'off'], 1);
      await both(['CLIENT', 'REPLY', 'BAD'], 1);
      await both(['MULTI'], 1);
      await both(['SUBSCRIBE', 'x', 'y'], 1); // queued: one reply
      await both(['EXEC'], 2); // *1, then one confirmation per channel (Redis counts the command once)
      await both(['RESET'], 1);
      await both(['MONITOR'], 1);
      expect(await pub.call('SET', 'seen', 'by-monitor')).toBe('+OK\r\n');
      for (const c of [direct, via]) expect(await c.read()).toContain('"by-monitor"');
      direct.close();
      via.close();
      pub.close();
    }
  });

  it('a pipeline of many commands in one write: every reply, in order', async () => {
    const c = await raw();
    const cmds = Array.from({ length: 200 }, (_, i) => '*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n' + (i === 100 ? '*1\r\n$4\r\nPING\r\n' : '')).join('');
    c.write(cmds);
    const got: string[] = [];
    for (let i = 0; i < 201; i++) got.push(await c.read());
    expect(got[0]).toBe(':1\r\n');
    expect(got[101]).toBe('+PONG\r\n');
    expect(got[200]).toBe(':200\r\n');
  });

  it('-MOVED and -ASK from a cluster node pass through unchanged', async () => {
    // A fake cluster node: answers every command with a redirection.
    const port = await freePort();
    const fake = net.createServer((s) => s.on('data', () => s.write('-MOVED 3999 127.0.0.1:6381\r\n')));
    await new Promise<void>((r) => fake.listen(port, '127.0.0.1', r));
    const rk = await startRedKit({ upstream: `redis://127.0.0.1:${port}`, logger: 'error' });
    try {
      const c = await RawClient.connect(rk.port);
      expect(await c.call('GET', 'foo')).toBe('-MOVED 3999 127.0.0.1:6381\r\n');
      expect(rk.commands[0].errorMessage).toBe('MOVED 3999 127.0.0.1:6381');
      c.close();
    } finally {
      await rk.stop();
      fake.close();
    }
  });
});

describe.each(VARIANTS.map((v) => [v.label, v] as const))('%s', (_label, v) => {
  it('basic commands, MULTI/EXEC, SELECT: on the upstream, recorded with replies', async () => {
    const c = await client(v);
    expect(await call(c, ['SET', 'greeting', 'hello'])).toBe('OK');
    expect(await call(c, ['GET', 'greeting'])).toBe('hello');
    expect(await call(c, ['INCR', 'n'])).toBe(1);
    // It is on the upstream.
    const d = await raw(redis.port);
    expect(await d.call('GET', 'greeting')).toBe('$5\r\nhello\r\n');
    await call(c, ['MULTI']);
    await call(c, ['INCR', 'n']);
    await call(c, ['SET', 'x', 'y']);
    const exec = (await call(c, ['EXEC'])) as unknown[];
    expect(exec.length).toBe(2);
    await call(c, ['SELECT', '3']);
    await call(c, ['SET', 'in3', '1']);
    expect(await d.call('SELECT', '3')).toBe('+OK\r\n');
    expect(await d.call('GET', 'in3')).toBe('$1\r\n1\r\n');
    const get = redkit.recorder.find({ name: 'GET', key: 'greeting' });
    expect(get?.reply).toBe('hello');
    const set3 = redkit.recorder.find({ name: 'SET', key: 'in3' });
    expect(set3?.db).toBe(3);
    expect(redkit.recorder.find('EXEC')?.done).toBe(true);
  });

  it('BLPOP unblocked by another client', async () => {
    const a = await client(v);
    const b = await client(v);
    const waiting = call(a, ['BLPOP', 'queue', '0']);
    await redkit.recorder.waitFor('BLPOP', { when: 'received' });
    // Blocked on the upstream: a direct client sees it.
    const d = await raw(redis.port);
    for (let i = 0; i < 500 && !(await d.call('INFO', 'clients')).includes('blocked_clients:1'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await call(b, ['RPUSH', 'queue', 'job'])).toBe(1);
    expect(await waiting).toEqual(['queue', 'job']);
    expect(redkit.recorder.find('BLPOP')?.reply).toEqual(['queue', 'job']);
  });

  it('pub/sub: messages reach the subscriber; the recorder has the SUBSCRIBE', async () => {
    const sub = await client(v);
    const pub = await client(v);
    const got: string[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const onMessage = (ch: string, m: string) => {
      got.push(`${ch}:${m}`);
      if (got.length === 2) resolve();
    };
    if (sub.variant.family === 'ioredis') {
      const io = sub.client as unknown as { on(e: 'message', l: (ch: string, m: string) => void): void; subscribe(...ch: string[]): Promise<unknown> };
      io.on('message', onMessage);
      await io.subscribe('news', 'sport');
    } else {
      // node-redis 4/5/6 share this signature (a listener per subscribe call).
      const nr = sub.client as unknown as { subscribe(ch: string, l: (m: string) => void): Promise<void> };
      await nr.subscribe('news', (m: string) => onMessage('news', m));
      await nr.subscribe('sport', (m: string) => onMessage('sport', m));
    }
    expect(await call(pub, ['PUBLISH', 'news', 'hi'])).toBe(1);
    expect(await call(pub, ['PUBLISH', 'sport', 'goal'])).toBe(1);
    await done;
    expect(got).toEqual(['news:hi', 'sport:goal']);
    expect(redkit.recorder.count('SUBSCRIBE')).toBeGreaterThan(0);
    expect(redkit.recorder.count('PUBLISH')).toBe(2);
  });
});

describe('HELLO 3, faults, state', () => {
  it('HELLO 3 switches the upstream connection to RESP3 (maps, doubles, pushes)', async () => {
    const c = await raw();
    const hello = await c.call('HELLO', '3');
    expect(hello.startsWith('%7\r\n')).toBe(true);
    expect(hello).toContain('redis');
    await c.call('HSET', 'h', 'f', 'v');
    expect(await c.call('HGETALL', 'h')).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
    expect(await c.call('SUBSCRIBE', 'ch')).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
    // In RESP3 a subscriber still runs commands; messages are pushes between replies.
    const p = await raw();
    expect(await p.call('PUBLISH', 'ch', 'm')).toBe(':1\r\n');
    expect(await c.read()).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n');
    expect(await c.call('GET', 'nothing')).toBe('_\r\n');
    expect(await c.call('UNSUBSCRIBE')).toBe('>3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n');
    expect(redkit.recorder.find('HGETALL')?.reply).toEqual({ f: 'v' });
  });

  it('fault rules act in front of the upstream: error (not forwarded), delay, drop', async () => {
    const c = await raw();
    const rule = redkit.faults.add({ command: 'SET', error: 'READONLY You can\'t write against a read only replica.', times: 1 });
    expect(await c.call('SET', 'k', 'v')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(rule.hits).toBe(1);
    const d = await raw(redis.port);
    expect(await d.call('EXISTS', 'k')).toBe(':0\r\n');
    expect(redkit.recorder.find('SET')?.fault).toBe('error');
    // The rule is used up: the next SET reaches the upstream.
    expect(await c.call('SET', 'k', 'v')).toBe('+OK\r\n');
    redkit.faults.add({ command: 'GET', delay: 30, times: 1 });
    expect(await c.call('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(redkit.recorder.last('GET')?.fault).toBe('delay 30ms');
    redkit.faults.add({ command: 'PING', drop: true });
    c.send('PING');
    expect(await c.readUntilClose()).toBe('');
  });

  it('hang holds the command before the upstream (released by faults.clear()); partial cuts the upstream reply', async () => {
    const c = await raw();
    // c's upstream connection exists before d connects (the replayed oracle numbers connections in order)
    expect(await c.call('PING')).toBe('+PONG\r\n');
    redkit.faults.add({ command: 'INCR', hang: true });
    const held = c.call('INCR', 'n');
    await redkit.recorder.waitFor('INCR', { when: 'received' });
    const d = await raw(redis.port);
    expect(await d.call('GET', 'n')).toBe('$-1\r\n');
    redkit.faults.clear();
    expect(await held).toBe(':1\r\n');
    expect(await d.call('GET', 'n')).toBe('$1\r\n1\r\n');
    await d.call('SET', 'big', 'x'.repeat(100));
    redkit.faults.add({ command: 'GET', partial: 10 });
    c.send('GET', 'big');
    expect(await c.readUntilClose()).toBe('$100\r\nxxxx');
    expect(redkit.recorder.last('GET')?.reply).toBe('x'.repeat(100));
  });

  it('the local-data APIs throw a clear error in upstream mode', async () => {
    expect(() => redkit.db()).toThrow(/not available in upstream mode/);
    expect(() => redkit.snapshot()).toThrow(/not available in upstream mode/);
    expect(() => redkit.clock).toThrow(/not available in upstream mode/);
    expect(() => redkit.saveRdb()).toThrow(/not available in upstream mode/);
    expect(() => redkit.pause(10)).toThrow(/not available in upstream mode/);
    await expect(startRedKit({ upstream: 'redis://127.0.0.1:1', seed: {} as never })).rejects.toThrow(/seed is not available in upstream mode/);
    await expect(startRedKit({ upstream: 'http://x' })).rejects.toThrow(/redis:\/\/host:port/);
  });

  it('upstream down: each command answers -ERR upstream ... unavailable; it works once the upstream is up', async () => {
    const port = await freePort();
    const rk = await startRedKit({ upstream: `redis://127.0.0.1:${port}`, logger: 'error' });
    try {
      const c = await RawClient.connect(rk.port);
      const e = await c.call('PING');
      expect(e).toMatch(new RegExp(`^-ERR upstream redis://127\\.0\\.0\\.1:${port} unavailable: connect ECONNREFUSED`));
      expect(await c.call('GET', 'k')).toMatch(/^-ERR upstream .* unavailable/);
      expect(rk.commands.map((x) => x.error)).toEqual([true]); // PING is chatter; GET is recorded as an error
      // Now something listens there (a stand-in that answers PONG).
      const sockets: net.Socket[] = [];
      const up = net.createServer((s) => {
        sockets.push(s);
        s.on('data', () => s.write('+PONG\r\n'));
      });
      await new Promise<void>((r) => up.listen(port, '127.0.0.1', r));
      expect(await c.call('PING')).toBe('+PONG\r\n');
      // The upstream goes away with nothing in flight: the client connection is closed.
      for (const s of sockets) s.destroy();
      up.close();
      expect(await c.readUntilClose()).toBe('');
    } finally {
      await rk.stop();
    }
  });

  it('an upstream connection that goes away: the waiting command answers -ERR upstream ... connection lost, the client is closed', async () => {
    const c = await raw();
    expect(await c.call('CLIENT', 'SETNAME', 'victim')).toBe('+OK\r\n');
    const waiting = c.call('BLPOP', 'never', '0');
    await redkit.recorder.waitFor('BLPOP', { when: 'received' });
    const d = await raw(redis.port);
    // Kill the proxy's upstream connection for this client from the upstream side.
    let killed = '';
    for (let i = 0; i < 200 && killed !== ':1\r\n'; i++) {
      killed = await d.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      if (killed === ':0\r\n') await new Promise((r) => setTimeout(r, 5));
    }
    expect(await waiting).toMatch(/^-ERR upstream redis:\/\/127\.0\.0\.1:\d+ connection lost\r\n$/);
    expect(await c.readUntilClose()).toBe('');
  });
});
