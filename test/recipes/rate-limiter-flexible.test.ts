import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let redis: Redis;
let limiter: RateLimiterRedis;

beforeEach(() => {
  redis = new Redis(redkit.url);
  // 5 failed logins per 15 minutes, then blocked for an hour
  limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'login-fail',
    points: 5,
    duration: 15 * 60,
    blockDuration: 60 * 60,
    insuranceLimiter: new RateLimiterMemory({ points: 5, duration: 15 * 60 }),
  });
});
afterEach(() => redis.disconnect());

// The code under test
async function failedLogin(user: string): Promise<'ok' | `retry in ${number}s`> {
  try {
    await limiter.consume(user);
    return 'ok';
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    return `retry in ${Math.ceil(res.msBeforeNext / 1000)}s`;
  }
}

it('blocks after 5 failures for an hour, then lets the user try again', async () => {
  redkit.clock.freeze();
  for (let i = 0; i < 5; i++) expect(await failedLogin('ada')).toBe('ok');
  expect(await failedLogin('ada')).toBe('retry in 3600s');
  expect(redkit).toHaveTTL('login-fail:ada', '1h');

  redkit.clock.advance('59m');
  expect(await failedLogin('ada')).toBe('retry in 60s');

  redkit.clock.advance('1m');
  expect(await failedLogin('ada')).toBe('ok');
  expect(redkit).toHaveTTL('login-fail:ada', '15m');
});

it('falls back to the in-memory limiter when Redis fails', async () => {
  redkit.faults.add({ command: ['EVALSHA', 'EVAL'], error: 'READONLY You can\'t write against a read only replica.' });
  expect(await failedLogin('bob')).toBe('ok'); // answered by the insurance limiter
  expect(redkit).not.toHaveKey('login-fail:bob');
});
