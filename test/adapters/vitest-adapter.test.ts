import net from 'node:net';
import Redis from 'ioredis5';
import { createClient } from 'redis5';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let io: Redis;

beforeAll(async () => {
  io = new Redis(redkit.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});
afterAll(() => io?.disconnect());

describe('redkit/vitest', () => {
  it('throws a clear error when used before the server starts', async () => {
    const { createHandle } = await import('../../adapters/handle.js');
    const h = createHandle({ beforeAll: () => {}, afterAll: () => {}, beforeEach: () => {} });
    expect(() => h.url).toThrow(/not started yet/);
  });

  it('matchers: received commands, times, order, keys and TTLs', async () => {
    await io.set('user:1', 'alice', 'PX', 5000);
    await io.hset('profile', 'name', 'alice');
    await io.get('user:1');
    expect(redkit).toHaveReceivedCommand('SET', 'user:1', 'alice', 'PX', '5000');
    expect(redkit).toHaveReceivedCommand('SET', expect.stringMatching(/^user:/), expect.anything(), 'PX', expect.any(String));
    expect(redkit).not.toHaveReceivedCommand('SET', 'user:2', expect.anything());
    expect(redkit).toHaveReceivedCommandTimes('GET', 1);
    expect(redkit).toHaveReceivedCommandsInOrder(['SET', ['HSET', 'profile', 'name', 'alice'], 'GET']);
    expect(redkit).not.toHaveReceivedCommandsInOrder(['GET', 'SET']);
    expect(redkit).toHaveKey('user:1');
    expect(redkit.db(0)).toHaveKey('profile');
    expect(redkit).toHaveTTL('user:1');
    expect(redkit).toHaveTTL('user:1', '5s');
    expect(redkit).not.toHaveTTL('profile');
  });

  it('reset before each test', () => {
    expect(redkit).not.toHaveKey('user:1');
    expect(redkit.commands).toEqual([]);
  });

  it('failure messages carry the transcript and the nearest candidate', async () => {
    await io.set('k', 'v1');
    let msg = '';
    try {
      expect(redkit).toHaveReceivedCommand('SET', 'k', 'v2');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('Nearest: #');
    expect(msg).toContain('SET "k" "v1"');
    expect(msg).toContain('Commands received:');
  });

  it('vi.useFakeTimers() does not freeze the server; the virtual clock drives expiry', async () => {
    const client = createClient({ url: redkit.url });
    await client.connect();
    await client.set('s', 'x', { EX: 10 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    try {
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      // The server keeps real time: the fake Date does not expire the key.
      expect(await client.ttl('s')).toBe(10);
      redkit.clock.advance('10s');
      expect(await client.get('s')).toBeNull();
    } finally {
      vi.useRealTimers();
      await client.quit();
    }
  });

  it('clock: fake-timers mode follows the test\'s faked Date.now()', async () => {
    const { startRedKit } = await import('redkit');
    const r = await startRedKit({ clock: 'fake-timers' });
    const c = new Redis(r.url, { lazyConnect: true });
    await c.connect();
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      await c.set('k', 'v', 'EX', 100);
      vi.setSystemTime(new Date('2030-01-01T00:01:41Z'));
      expect(await c.get('k')).toBeNull();
      expect(await c.time()).toEqual([String(Date.UTC(2030, 0, 1, 0, 1, 41) / 1000), '0']);
    } finally {
      vi.useRealTimers();
      c.disconnect();
      await r.stop();
    }
  });
});

describe('handle', () => {
  it('every property is live once started', async () => {
    const { RedKit, Recorder, Faults, Clock, DbHandle, RedKitServer } = await import('redkit');
    expect(redkit.redkit).toBeInstanceOf(RedKit);
    expect(redkit.url).toBe(`redis://127.0.0.1:${redkit.port}`);
    expect(redkit.host).toBe('127.0.0.1');
    expect(redkit.clock).toBeInstanceOf(Clock);
    expect(redkit.recorder).toBeInstanceOf(Recorder);
    expect(redkit.faults).toBeInstanceOf(Faults);
    expect(redkit.server).toBeInstanceOf(RedKitServer);
    expect(redkit.db(2)).toBeInstanceOf(DbHandle);
    redkit.db().set('k', 'v');
    expect(redkit.snapshot().databases['0']).toEqual([{ key: 'k', type: 'string', value: 'v' }]);
    redkit.restore({ redkit: 1, databases: { '0': { other: 'x' } } });
    expect(await io.get('other')).toBe('x');
    await io.get('k');
    expect(redkit.commands.map((c) => c.name)).toEqual(['GET', 'GET']);
    redkit.setLoading(true);
    await expect(io.get('k')).rejects.toThrow(/^LOADING/);
    redkit.setLoading(false);
    redkit.pause(10_000);
    const held = io.get('other');
    redkit.unpause();
    expect(await held).toBe('x');
    await redkit.reset();
    expect(redkit.db().size()).toBe(0);
  });

  it('disconnectAll and restart through the handle; the client reconnects', async () => {
    const c = new Redis(redkit.url, { lazyConnect: true, retryStrategy: () => 20 });
    c.on('error', () => {});
    await c.connect();
    try {
      await c.set('k', 'v');
      const back = new Promise((r) => c.once('ready', r));
      redkit.disconnectAll();
      await back;
      const again = new Promise((r) => c.once('ready', r));
      await redkit.restart({ keepData: true });
      await again;
      expect(await c.get('k')).toBe('v');
    } finally {
      c.disconnect();
      // the suite's own client: reconnect it for later tests
      if (io.status !== 'ready') {
        io.disconnect();
        io = new Redis(redkit.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        await io.connect();
      }
    }
  });
});

describe('useRedKit options', () => {
  describe('resetBeforeEach: false keeps data between tests', () => {
    const kept = useRedKit({ resetBeforeEach: false, clock: 'frozen', seed: { redkit: 1, databases: { '0': { seeded: 'yes' } } } });
    it('first test writes', () => {
      expect(kept.db().get('seeded')).toBe('yes');
      kept.db().set('k', 'from the first test');
      expect(kept.clock.frozen).toBe(true);
    });
    it('second test still sees it (and a server of its own, not the outer one)', () => {
      expect(kept.db().get('k')).toBe('from the first test');
      expect(kept.port).not.toBe(redkit.port);
      expect(redkit.db().exists('k')).toBe(false);
    });
  });

  describe('a handle used before its beforeAll', () => {
    const early = useRedKit();
    const errors: string[] = [];
    for (const get of [() => early.url, () => early.port, () => early.clock, () => early.recorder, () => early.commands, () => early.db(), () => early.snapshot()]) {
      try {
        get();
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    it('throws a clear error at collection time', () => {
      expect(errors).toHaveLength(7);
      for (const m of errors) expect(m).toMatch(/RedKit is not started yet: use the handle inside tests or hooks/);
      expect(early.url).toMatch(/^redis:/);
    });
  });
});

describe('matchers in detail', () => {
  it('accept a RedKit, the handle, a Recorder or a DbHandle; anything else is a TypeError', async () => {
    await io.set('k', 'v');
    expect(redkit.redkit).toHaveReceivedCommand('SET');
    expect(redkit.recorder).toHaveReceivedCommand('SET', 'k', 'v');
    expect(redkit.redkit).toHaveKey('k');
    expect(redkit.db(0)).toHaveKey('k');
    expect(redkit.db(1)).not.toHaveKey('k');
    expect(() => expect({}).toHaveReceivedCommand('SET')).toThrow(TypeError);
    expect(() => expect('redkit').toHaveKey('k')).toThrow(TypeError);
  });

  it('toHaveReceivedCommand: names are case-insensitive, args exact (all of them) unless none given, Buffers compare bytes', async () => {
    await io.set(Buffer.from([0xff, 0x01]), 'v', 'EX', 10);
    expect(redkit).toHaveReceivedCommand('set');
    expect(redkit).toHaveReceivedCommand('SET', Buffer.from([0xff, 0x01]), 'v', 'EX', '10');
    expect(redkit).not.toHaveReceivedCommand('SET', Buffer.from([0xff, 0x02]), 'v', 'EX', '10');
    expect(redkit).not.toHaveReceivedCommand('SET', Buffer.from([0xff, 0x01]), 'v'); // args are the whole list
    expect(redkit).toHaveReceivedCommand('SET', expect.anything(), 'v', ...[expect.any(String), expect.stringMatching(/^\d+$/)]);
  });

  it('connection chatter can be asserted by naming it', async () => {
    await io.ping();
    await io.set('k', 'v');
    expect(redkit).toHaveReceivedCommand('PING');
    expect(redkit).toHaveReceivedCommandTimes('PING', 1);
    expect(redkit).toHaveReceivedCommandsInOrder(['PING', 'SET']);
    expect(redkit).toHaveReceivedCommandsInOrder(['SET']);
  });

  it('toHaveReceivedCommandTimes counts exactly', async () => {
    await io.incr('n');
    await io.incr('n');
    expect(redkit).toHaveReceivedCommandTimes('INCR', 2);
    expect(redkit).not.toHaveReceivedCommandTimes('INCR', 1);
    expect(redkit).toHaveReceivedCommandTimes('DECR', 0);
    expect(() => expect(redkit).toHaveReceivedCommandTimes('INCR', 3)).toThrow(/received INCR 3 time\(s\), but it was received 2 time\(s\) \(#\d+, #\d+\)[\s\S]*Commands received:/);
  });

  it('toHaveReceivedCommandsInOrder: gaps allowed, order not; the failure names what is missing and the nearest', async () => {
    await io.set('a', '1');
    await io.get('a');
    await io.del('a');
    expect(redkit).toHaveReceivedCommandsInOrder(['SET', 'DEL']);
    expect(redkit).toHaveReceivedCommandsInOrder([['SET', 'a', '1'], ['GET', 'a'], 'DEL']);
    expect(redkit).not.toHaveReceivedCommandsInOrder(['DEL', 'SET']);
    expect(redkit).toHaveReceivedCommandsInOrder([]);
    let msg = '';
    try {
      expect(redkit).toHaveReceivedCommandsInOrder([['SET', 'a', '1'], ['GET', 'b']]);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/Matched the first 1; missing after #\d+: GET "b"/);
    expect(msg).toMatch(/Nearest after #\d+: #\d+ GET "a"/);
    expect(msg).toContain('DEL "a" -> 1');
  });

  it('toHaveKey failure lists the keys there are', async () => {
    redkit.db().set('present', '1');
    expect(() => expect(redkit).toHaveKey('absent')).toThrow(/expected db0 to have key "absent"\nKeys: "present"/);
    expect(() => expect(redkit).not.toHaveKey('present')).toThrow(/not to have key "present" \(type string\)/);
  });

  it('toHaveTTL: with a frozen clock exact, else within 1s, or a tolerance you give', async () => {
    await io.set('k', 'v', 'PX', 30_000);
    await io.set('forever', 'v');
    expect(redkit).toHaveTTL('k', '30s');
    expect(redkit).toHaveTTL('k', 29_500);
    expect(redkit).not.toHaveTTL('k', '10s');
    expect(redkit).toHaveTTL('k', '25s', 5000);
    expect(redkit).not.toHaveTTL('forever');
    expect(redkit).not.toHaveTTL('missing');
    expect(() => expect(redkit).toHaveTTL('forever')).toThrow(/"forever" to have a TTL, but it has no TTL/);
    expect(() => expect(redkit).toHaveTTL('missing', '1s')).toThrow(/but it does not exist/);
    redkit.clock.freeze();
    await io.set('exact', 'v', 'PX', 5000);
    expect(redkit).toHaveTTL('exact', 5000);
    expect(redkit).not.toHaveTTL('exact', 4999);
    redkit.clock.advance('1s');
    expect(redkit).toHaveTTL('exact', '4s');
  });
});

describe('redkitGlobalSetup()', () => {
  it('starts a server with options, provides its URL, sets REDIS_URL, and the teardown stops it', async () => {
    const { redkitGlobalSetup } = await import('redkit/vitest');
    const provided: Record<string, string> = {};
    const before = process.env.REDIS_URL;
    const teardown = await redkitGlobalSetup({ redisVersion: '7.0.15' })({ provide: (k, v) => (provided[k] = v) });
    try {
      expect(provided.redkitUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(process.env.REDIS_URL).toBe(provided.redkitUrl);
      const c = new Redis(provided.redkitUrl, { lazyConnect: true });
      await c.connect();
      expect(await c.info('server')).toContain('redis_version:7.0.15');
      c.disconnect();
    } finally {
      await teardown();
      if (before === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = before;
    }
    const port = Number(provided.redkitUrl.split(':').pop());
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
