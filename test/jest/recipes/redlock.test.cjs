const Redis = require('ioredis');
const { default: Redlock, ExecutionError } = require('redlock');
const { useRedKit } = require('redkit/jest');

let redis;
let redlock;
afterAll(() => redis.disconnect()); // declared first: runs before the server stops
const redkit = useRedKit();

beforeAll(() => {
  redis = new Redis(redkit.url);
  redlock = new Redlock([redis], { retryCount: 0 });
});

// The code under test: only one instance may generate the daily report.
async function generateReport(work) {
  const lock = await redlock.acquire(['locks:daily-report'], 30_000);
  try {
    await work();
  } finally {
    await lock.release();
  }
}

test('holds the lock while working and releases it after', async () => {
  await generateReport(async () => {
    expect(redkit).toHaveTTL('locks:daily-report', '30s');
  });
  expect(redkit).not.toHaveKey('locks:daily-report');
  expect(redkit).toHaveReceivedCommand('SET', 'locks:daily-report', expect.any(String), 'PX', '30000');
});

test('a crashed holder blocks others until its lock expires', async () => {
  redkit.clock.freeze();
  await redlock.acquire(['locks:daily-report'], 30_000); // never released: the holder "crashed"

  await expect(generateReport(async () => {})).rejects.toBeInstanceOf(ExecutionError);

  redkit.clock.advance('30s'); // no waiting: the server's clock moves
  await generateReport(async () => {}); // the lock expired, we get it
});
