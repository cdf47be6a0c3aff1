import Redis from 'ioredis5';
import { describe, expect, inject, it } from 'vitest';

describe('redkit/vitest/global-setup', () => {
  it('provides the URL (inject and REDIS_URL) of a running server', async () => {
    const url = inject('redkitUrl');
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.REDIS_URL).toBe(url);
    const io = new Redis(url, { lazyConnect: true });
    await io.connect();
    expect(await io.ping()).toBe('PONG');
    io.disconnect();
  });
});
