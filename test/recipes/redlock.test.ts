import Redis from 'ioredis';
import Redlock, { ExecutionError } from 'redlock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let redis: Redis;
let redlock: Redlock;

beforeEach(() => {
  redis = new Redis(redkit.url);
  redlock = new Redlock([redis], { retryCount: 0 });
});
afterEach(() => redis.disconnect());

// The code under test: only one instance may generate the daily report.
async function generateReport(work: () => Promise<void>) {
  const lock = await redlock.acquire(['locks:daily-report'], 30_000);
  try {
    await work();
  } finally {
    await lock.release();
  }
}

it('holds the lock while working and releases it after', async () => {
  await generateReport(async () => {
    expect(redkit).toHaveKey('locks:daily-report');
    expect(redkit).toHaveTTL('locks:daily-report', '30s');
  });
  expect(redkit).not.toHaveKey('locks:daily-report');
  // the SET that redlock's Lua script ran (commands inside scripts are recorded too)
  expect(redkit).toHaveReceivedCommand('SET', 'locks:daily-report', expect.any(String), 'PX', '30000');
});

it('a crashed holder blocks others until its lock expires', async () => {
  redkit.clock.freeze();
  await redlock.acquire(['locks:daily-report'], 30_000); // never released: the holder "crashed"

  await expect(generateReport(async () => {})).rejects.toBeInstanceOf(ExecutionError);

  redkit.clock.advance('30s'); // no waiting: the server's clock moves
  await generateReport(async () => {}); // the lock expired, we get it
});

it('retries when Redis is briefly unavailable', async () => {
  const retrying = new Redlock([redis], { retryCount: 3, retryDelay: 10 });
  const outage = redkit.faults.add({
    command: ['EVALSHA', 'EVAL'],
    times: 2,
    error: 'LOADING Redis is loading the dataset in memory',
  });
  const lock = await retrying.acquire(['locks:daily-report'], 5_000);
  expect(outage.hits).toBe(2);
  await lock.release();
});
