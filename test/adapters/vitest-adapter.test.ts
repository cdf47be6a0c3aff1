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
