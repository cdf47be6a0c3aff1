// jest globalSetup/globalTeardown from redkit/jest: one server for the run, REDIS_URL for the tests.
const Redis = require('ioredis5');

test('REDIS_URL points at the global RedKit', async () => {
  expect(process.env.REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  const io = new Redis(process.env.REDIS_URL, { lazyConnect: true });
  await io.connect();
  await io.set('global', 'yes');
  expect(await io.get('global')).toBe('yes');
  io.disconnect();
});
