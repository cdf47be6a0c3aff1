const { createKeyv } = require('@keyv/redis');
const { createCache } = require('cache-manager');
const { useRedKit } = require('redkit/jest');

let cache;
afterAll(() => cache.disconnect()); // declared first: runs before the server stops
const redkit = useRedKit();

beforeAll(() => {
  cache = createCache({ stores: [createKeyv(redkit.url, { namespace: 'app' })] });
});

// The code under test: a profile loader cached for 10 minutes
let loads = 0;
async function loadProfile(id) {
  loads++;
  return { id, name: 'Ada' };
}
const getProfile = (id) => cache.wrap(`profile:${id}`, () => loadProfile(id), 10 * 60_000);

beforeEach(() => {
  loads = 0;
});

test('serves from the cache until the TTL passes', async () => {
  redkit.clock.freeze();
  await getProfile('1');
  await getProfile('1');
  expect(loads).toBe(1);
  expect(redkit).toHaveTTL('app::profile:1', '10m');

  redkit.clock.advance('10m');
  await getProfile('1');
  expect(loads).toBe(2);
});
