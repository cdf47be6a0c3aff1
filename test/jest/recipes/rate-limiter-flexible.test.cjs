const Redis = require('ioredis');
const { RateLimiterRedis, RateLimiterMemory, RateLimiterRes } = require('rate-limiter-flexible');
const { useRedKit } = require('redkit/jest');

let redis;
let limiter;
afterAll(() => redis.disconnect()); // declared first: runs before the server stops
const redkit = useRedKit();

beforeAll(() => {
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

// The code under test
async function failedLogin(user) {
  try {
    await limiter.consume(user);
    return 'ok';
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    return `retry in ${Math.ceil(res.msBeforeNext / 1000)}s`;
  }
}

test('blocks after 5 failures for an hour, then lets the user try again', async () => {
  redkit.clock.freeze();
  for (let i = 0; i < 5; i++) expect(await failedLogin('ada')).toBe('ok');
  expect(await failedLogin('ada')).toBe('retry in 3600s');

  redkit.clock.advance('1h');
  expect(await failedLogin('ada')).toBe('ok');
  expect(redkit).toHaveTTL('login-fail:ada', '15m');
});

test('falls back to the in-memory limiter when Redis fails', async () => {
  redkit.faults.add({ command: ['EVALSHA', 'EVAL'], error: "READONLY You can't write against a read only replica." });
  expect(await failedLogin('bob')).toBe('ok'); // answered by the insurance limiter
  expect(redkit).not.toHaveKey('login-fail:bob');
});
