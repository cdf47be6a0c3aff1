import { afterAll, beforeAll, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startTarget, type Target } from './target.js';

let target: Target;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target?.stop();
});

it('the selected target answers and flush empties it', async () => {
  const c = new Redis(target.port, target.host);
  await c.set('k', 'v');
  expect(await c.get('k')).toBe('v');
  await target.flush();
  expect(await c.dbsize()).toBe(0);
  c.disconnect();
});
