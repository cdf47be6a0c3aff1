/**
 * keyv 5 with @keyv/redis 5 (node-redis 5 underneath), and cache-manager 7 on
 * top of it, against the selected target: get/set/has/delete, many-key
 * variants (MGET, MULTI), TTLs (SET PX, expiry on the virtual clock),
 * namespaces (`ns::key`) and clear (SCAN MATCH TYPE string + UNLINK).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Keyv from 'keyv';
import KeyvRedis, { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { createClient, type RedisClientType } from 'redis';
import { isRedKit, redkitOf, startTarget, type Target } from './target.js';

let target: Target;
let raw: RedisClientType;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  target = await startTarget();
  raw = createClient({ url: target.url }) as RedisClientType;
  raw.on('error', () => {});
  await raw.connect();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await target.flush();
});
afterAll(async () => {
  raw?.destroy();
  await target?.stop();
});

function keyv(namespace?: string): Keyv {
  const k = createKeyv(target.url, namespace ? { namespace, throwOnErrors: true } : { throwOnErrors: true });
  cleanups.push(() => k.disconnect());
  return k;
}

describe('keyv + @keyv/redis', () => {
  it('set, get, has, delete', async () => {
    const kv = keyv();
    expect(await kv.get('missing')).toBeUndefined();
    expect(await kv.set('user:1', { name: 'Ada', tags: ['x'] })).toBe(true);
    expect(await kv.get('user:1')).toEqual({ name: 'Ada', tags: ['x'] });
    expect(await raw.get('user:1')).toBe('{"value":{"name":"Ada","tags":["x"]}}');
    expect(await raw.pTTL('user:1')).toBe(-1);
    expect(await kv.has('user:1')).toBe(true);
    expect(await kv.has('user:2')).toBe(false);
    expect(await kv.delete('user:1')).toBe(true);
    expect(await kv.delete('user:1')).toBe(false);
    expect(await kv.get('user:1')).toBeUndefined();
  });

  it('many keys at once', async () => {
    const kv = keyv('batch');
    await kv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 'two', ttl: 60_000 },
      { key: 'c', value: [3] },
    ]);
    expect(await kv.getMany(['a', 'b', 'x', 'c'])).toEqual([1, 'two', undefined, [3]]);
    expect(await kv.hasMany(['a', 'x'])).toEqual([true, false]);
    expect(await raw.pTTL('batch::b')).toBeGreaterThan(59_000);
    expect(await kv.deleteMany(['a', 'b'])).toBe(true);
    expect((await raw.keys('*')).sort()).toEqual(['batch::c']);
  });

  it('a TTL is a PX on the key and a deadline in the value', async () => {
    const kv = keyv();
    await kv.set('token', 'abc', 30_000);
    const pttl = await raw.pTTL('token');
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    const stored = JSON.parse((await raw.get('token'))!);
    expect(stored.value).toBe('abc');
    expect(typeof stored.expires).toBe('number');
    const rawEntry = await kv.getRaw('token');
    expect(rawEntry?.expires).toBe(stored.expires);
  });

  it('namespaces keep their keys apart; clear() empties only its own', async () => {
    const users = keyv('users');
    const sessions = keyv('sessions');
    const plain = keyv();
    await users.set('1', 'ada');
    await sessions.set('1', 'session-of-ada');
    await plain.set('counter', 7);
    await raw.hSet('not-a-string', 'f', 'v'); // clear() scans TYPE string only
    expect(await users.get('1')).toBe('ada');
    expect(await sessions.get('1')).toBe('session-of-ada');
    expect((await raw.keys('*')).sort()).toEqual(['counter', 'not-a-string', 'sessions::1', 'users::1']);
    await users.clear();
    expect(await users.get('1')).toBeUndefined();
    expect(await sessions.get('1')).toBe('session-of-ada');
    // without a namespace, clear() leaves namespaced keys alone
    await plain.clear();
    expect((await raw.keys('*')).sort()).toEqual(['not-a-string', 'sessions::1']);
  });

  it('iterates a namespace (SCAN + MGET)', async () => {
    const kv = keyv('it');
    for (let i = 0; i < 25; i++) await kv.set(`k${i}`, i);
    await keyv('other').set('k0', 'other');
    const seen: Record<string, unknown> = {};
    const store = kv.store as KeyvRedis<unknown>;
    for await (const [k, v] of store.iterator('it')) seen[k] = v;
    expect(Object.keys(seen).length).toBe(25);
    expect(JSON.parse(seen.k7 as string)).toEqual({ value: 7 });
  });

  it.runIf(isRedKit)('an entry expires when the virtual clock passes its TTL', async () => {
    const redkit = redkitOf(target);
    redkit.clock.freeze();
    const kv = keyv('cache');
    await kv.set('page:/', '<html>', 60_000);
    expect(redkit.db().pttl('cache::page:/')).toBe(60_000);
    redkit.clock.advance('59s');
    expect(await kv.get('page:/')).toBe('<html>');
    redkit.clock.advance('1s');
    // keyv's own deadline (Date.now()) has not passed: the server's expiry decides
    expect(await kv.get('page:/')).toBeUndefined();
    expect(redkit.recorder.last('GET')!.reply).toBeNull();
  });
});

describe('cache-manager 7 over keyv', () => {
  function cache(namespace = 'cm') {
    const store = keyv(namespace);
    return createCache({ stores: [store] });
  }

  it('set, get, ttl, del, mset/mget', async () => {
    const c = cache();
    expect(await c.get('x')).toBeUndefined();
    expect(await c.set('x', { n: 1 }, 10_000)).toEqual({ n: 1 });
    expect(await c.get('x')).toEqual({ n: 1 });
    const ttl = await c.ttl('x'); // an expiry time (ms since the epoch)
    expect(ttl! - Date.now()).toBeGreaterThan(9_000);
    expect(await raw.pTTL('cm::x')).toBeGreaterThan(9_000);
    await c.mset([
      { key: 'a', value: 'A' },
      { key: 'b', value: 'B', ttl: 5_000 },
    ]);
    expect(await c.mget(['a', 'b', 'nope'])).toEqual(['A', 'B', undefined]);
    expect(await c.del('x')).toBe(true);
    expect(await c.get('x')).toBeUndefined();
    expect(await c.mdel(['a', 'b'])).toBe(true);
    expect(await raw.dbSize()).toBe(0);
  });

  it('wrap computes once, then serves from the cache', async () => {
    const c = cache();
    let calls = 0;
    const load = async () => ({ id: 42, loaded: ++calls });
    expect(await c.wrap('user:42', load, 60_000)).toEqual({ id: 42, loaded: 1 });
    expect(await c.wrap('user:42', load, 60_000)).toEqual({ id: 42, loaded: 1 });
    expect(calls).toBe(1);
    expect(await raw.exists('cm::user:42')).toBe(1);
  });

  it('clear empties its namespace', async () => {
    const a = cache('a');
    const b = cache('b');
    await a.set('k', 1);
    await b.set('k', 2);
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBe(2);
  });

  it.runIf(isRedKit)('wrap reloads after the TTL passes on the virtual clock', async () => {
    const redkit = redkitOf(target);
    redkit.clock.freeze();
    const c = cache();
    let calls = 0;
    const load = async () => ++calls;
    expect(await c.wrap('n', load, 30_000)).toBe(1);
    redkit.clock.advance('29s');
    expect(await c.wrap('n', load, 30_000)).toBe(1);
    redkit.clock.advance('1s');
    expect(await c.wrap('n', load, 30_000)).toBe(2);
    expect(redkit.recorder.count({ name: 'SET', key: 'cm::n' })).toBe(2);
  });
});
