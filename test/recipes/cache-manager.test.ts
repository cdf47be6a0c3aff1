import { createKeyv } from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let cache: Cache;

beforeEach(() => {
  cache = createCache({ stores: [createKeyv(redkit.url, { namespace: 'app' })] });
});
afterEach(() => cache.disconnect());

// The code under test: a profile loader cached for 10 minutes
let loads = 0;
async function loadProfile(id: string) {
  loads++;
  return { id, name: 'Ada' };
}
const getProfile = (id: string) => cache.wrap(`profile:${id}`, () => loadProfile(id), 10 * 60_000);

beforeEach(() => {
  loads = 0;
});

it('serves from the cache until the TTL passes', async () => {
  redkit.clock.freeze();
  expect(await getProfile('1')).toEqual({ id: '1', name: 'Ada' });
  expect(await getProfile('1')).toEqual({ id: '1', name: 'Ada' });
  expect(loads).toBe(1);
  expect(redkit).toHaveTTL('app::profile:1', '10m');

  redkit.clock.advance('10m');
  await getProfile('1');
  expect(loads).toBe(2);
  expect(redkit).toHaveReceivedCommandTimes('SET', 2);
});

it('still answers when the cache is down', async () => {
  redkit.faults.add({ command: /.*/, error: 'LOADING Redis is loading the dataset in memory' });
  expect(await getProfile('2')).toEqual({ id: '2', name: 'Ada' }); // loaded, not cached
  expect(loads).toBe(1);
  expect(redkit).not.toHaveKey('app::profile:2');
});
