/**
 * maxmemory against redis-server 7.0.15, where the outcome does not depend on
 * how many bytes each server counts: with `maxmemory 1` every server is over
 * the limit whatever its memory model, so
 *   - under noeviction, exactly the denyoom commands answer -OOM (and inside
 *     MULTI every command but EXEC/DISCARD, an EXEC with a denyoom command
 *     queued aborts);
 *   - under an evicting policy, every evictable key goes before the next
 *     command: volatile-ttl in deadline order (with maxmemory-samples larger
 *     than the keyspace, the pool always sees every key), the others all
 *     keys (allkeys-*) or all keys with a TTL (volatile-*), counted in
 *     INFO stats evicted_keys and sent as `evicted` keyspace events; then
 *     denyoom commands answer -OOM as under noeviction.
 * Eviction is a key modification: WATCH fails and tracking clients get an
 * invalidation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decode, expectSame, expectSameEvents, norm, startPair, type Cmd, type Pair, type RawClient } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
afterEach(async () => {
  const { r, k } = await pair.clients();
  for (const c of [r, k]) {
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await c.call('CONFIG', 'SET', 'maxmemory-samples', '5');
  }
  await pair.flush();
});

const SETUP: Cmd[] = [
  ['SET', 's', '10'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['RPUSH', 'l2', 'x'],
  ['SADD', 'st', 'a', 'b'],
  ['HSET', 'h', 'f', '1'],
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['XADD', 'x', '1-1', 'f', 'v'],
  ['PFADD', 'hll', 'a'],
  ['SET', 'bm', '\x0f'],
];

/** Every one of these, on a keyspace built by SETUP, over the limit under noeviction. */
const UNDER_OOM: string[] = [
  'SET s 1', 'SET nx 1', 'GET s', 'GET nx', 'MGET s nx', 'SETNX n 1', 'SETEX n 10 v', 'PSETEX n 10 v', 'MSET a 1', 'MSETNX a 1',
  'GETSET s 1', 'GETDEL s', 'GETEX s EX 10', 'APPEND s x', 'SETRANGE s 0 x', 'INCR s', 'INCRBY s 2', 'DECR s', 'DECRBY s 1',
  'INCRBYFLOAT s 1', 'STRLEN s', 'GETRANGE s 0 1', 'LCS s s',
  'DEL s', 'UNLINK l2', 'EXISTS s', 'EXPIRE s 100', 'PEXPIRE s 100', 'PERSIST s', 'TTL s', 'RENAME s s2', 'RENAMENX s s3', 'COPY s s4',
  'MOVE s 1', 'TYPE s', 'TOUCH s', 'KEYS *', 'DBSIZE', 'DUMP nx', 'RESTORE nk 0 nx', 'SORT l ALPHA', 'SORT l ALPHA STORE dst', 'SORT_RO l ALPHA',
  'LPUSH l a', 'RPUSH l a', 'LPUSHX l a', 'RPUSHX l a', 'LINSERT l BEFORE a z', 'LSET l 0 q', 'LPOP l', 'RPOP l', 'LREM l 0 a',
  'LTRIM l 0 -1', 'LRANGE l 0 -1', 'LMOVE l l LEFT RIGHT', 'RPOPLPUSH l l', 'LMPOP 1 l LEFT', 'LPOS l a', 'LINDEX l 0', 'LLEN l',
  'SADD st c', 'SREM st a', 'SMOVE st st2 b', 'SPOP st 2', 'SRANDMEMBER st 2', 'SINTERSTORE d st', 'SUNIONSTORE d st', 'SDIFFSTORE d st',
  'SMEMBERS st', 'SCARD st',
  'HSET h g 2', 'HSETNX h g 2', 'HMSET h g 2', 'HINCRBY h f 1', 'HINCRBYFLOAT h f 1', 'HDEL h f', 'HGET h f', 'HGETALL h', 'HLEN h',
  'ZADD z 3 c', 'ZINCRBY z 1 a', 'ZREM z a', 'ZPOPMIN z', 'ZPOPMAX z', 'ZRANGESTORE d z 0 -1', 'ZUNIONSTORE d 1 z', 'ZINTERSTORE d 1 z',
  'ZDIFFSTORE d 1 z', 'ZREMRANGEBYRANK z 0 0', 'ZRANGE z 0 -1', 'ZSCORE z a', 'ZMPOP 1 z MIN',
  'XADD x * f v', 'XTRIM x MAXLEN 0', 'XDEL x 1-1', 'XGROUP CREATE x g $', 'XLEN x', 'XRANGE x - +', 'XSETID x 5-5',
  'PFADD hll b', 'PFCOUNT hll', 'PFMERGE hll hll',
  'SETBIT bm 1 1', 'GETBIT bm 1', 'BITCOUNT bm', 'BITOP NOT d bm', 'BITFIELD bm GET u4 0', 'BITFIELD bm SET u4 0 1', 'BITFIELD_RO bm GET u4 0',
  'GEOADD g 13.36 38.11 p', 'GEOSEARCHSTORE d g FROMLONLAT 13 38 BYRADIUS 100 km',
  'PUBLISH ch m', 'PING', 'ECHO e', 'SELECT 0', 'FLUSHDB',
];

const args = (s: string): Cmd => s.split(' ').map((a) => (a === 'nx' && s.startsWith('RESTORE') ? '\x00' : a));

describe('noeviction over the limit: denyoom commands answer -OOM', () => {
  for (const proto of [2, 3] as const) {
    it(`every command of the list, RESP${proto}`, async () => {
      const { r, k } = await pair.clients(proto);
      for (const cmd of UNDER_OOM) {
        await expectSame(r, k, [['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory', '0'], ...SETUP, ['CONFIG', 'SET', 'maxmemory', '1']]);
        const unordered = cmd === 'KEYS *' || cmd.startsWith('SMEMBERS') || cmd.startsWith('SPOP') || cmd.startsWith('SRANDMEMBER');
        const step = unordered ? { cmd: args(cmd), normalize: norm.sorted } : args(cmd);
        await expectSame(r, k, [step, ['CONFIG', 'SET', 'maxmemory', '0'], ['DBSIZE']]);
      }
      await expectSame(r, k, [['INFO', 'errorstats'], { cmd: ['INFO', 'stats'], normalize: (b) => /rejected_calls:.*|evicted_keys:\d+/.exec(String(decode(b)))?.[0] }]);
    });
  }

  it('inside MULTI every command but EXEC/DISCARD is refused, and EXEC aborts', async () => {
    const { r, k } = await pair.clients();
    await expectSame(r, k, [
      ...SETUP,
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['MULTI'],
      ['GET', 's'],
      ['PING'],
      ['SET', 's', '2'],
      ['EXEC'],
      ['MULTI'],
      ['GET', 's'],
      ['DISCARD'],
      ['GET', 's'],
    ]);
  });

  it('EXEC of a transaction queued before the limit: refused when it holds a denyoom command', async () => {
    const a = await pair.clients();
    const b = await pair.clients();
    await expectSame(a.r, a.k, [...SETUP, ['MULTI'], ['SET', 's', '2'], ['GET', 's']]);
    await expectSame(b.r, b.k, [['CONFIG', 'SET', 'maxmemory', '1']]);
    await expectSame(a.r, a.k, [['EXEC'], ['GET', 's']]);
    await expectSame(b.r, b.k, [['CONFIG', 'SET', 'maxmemory', '0']]);
    await expectSame(a.r, a.k, [['MULTI'], ['GET', 's'], ['DEL', 'l']]);
    await expectSame(b.r, b.k, [['CONFIG', 'SET', 'maxmemory', '1']]);
    await expectSame(a.r, a.k, [['EXEC'], ['EXISTS', 'l']]);
  });
});

const stat = (name: string) => (b: string) => new RegExp(`${name}:(\\d+)`).exec(String(decode(b)))?.[1];

/** Keys with distinct TTLs, created in an order that is not their TTL order, and keys without TTL. */
const TTL_KEYS: Cmd[] = [
  ['SET', 'k3', 'v', 'EX', '3000'],
  ['SET', 'k1', 'v', 'EX', '1000'],
  ['RPUSH', 'k5', 'a', 'b'],
  ['SET', 'k4', 'v', 'EX', '4000'],
  ['HSET', 'k2', 'f', 'v'],
  ['EXPIRE', 'k2', '2000'],
  ['SET', 'p1', 'v'],
  ['SADD', 'p2', 'm'],
  ['EXPIRE', 'k5', '5000'],
];

describe('evicting policies over the limit', () => {
  for (const proto of [2, 3] as const) {
    it(`volatile-ttl evicts the keys with a TTL, nearest deadline first (RESP${proto})`, async () => {
      const events = await expectSameEvents(pair, proto, [
        ['CONFIG', 'SET', 'maxmemory-samples', '64'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl'],
        ['SELECT', '0'],
        ...TTL_KEYS,
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['GET', 'p1'],
        ['SET', 'p3', 'v'],
        ['CONFIG', 'SET', 'maxmemory', '0'],
        { cmd: ['KEYS', '*'], normalize: norm.sorted },
        { cmd: ['INFO', 'stats'], normalize: stat('evicted_keys') },
      ], 'Ee');
      expect(events.length).toBe(5);
    });
  }

  for (const policy of ['allkeys-random', 'allkeys-lru', 'allkeys-lfu', 'volatile-random', 'volatile-lru', 'volatile-lfu']) {
    it(`${policy} evicts every candidate, in every database, and counts it`, async () => {
      const { r, k } = await pair.clients();
      const sorted = { normalize: norm.sorted };
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'maxmemory-policy', policy],
        ['CONFIG', 'RESETSTAT'],
        ...TTL_KEYS,
        ['SELECT', '3'],
        ['SET', 'd3', 'v', 'EX', '100'],
        ['SET', 'd3b', 'v'],
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['PING'],
        ['SET', 'n', 'v'],
        ['GET', 'd3b'],
        ['CONFIG', 'SET', 'maxmemory', '0'],
        { cmd: ['KEYS', '*'], ...sorted },
        ['SELECT', '0'],
        { cmd: ['KEYS', '*'], ...sorted },
        { cmd: ['INFO', 'stats'], normalize: stat('evicted_keys') },
      ]);
    });
  }

  it('evicted events name every evicted key (allkeys-random, events sorted)', async () => {
    const c = await pair.clients();
    const sub = await pair.clients();
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'Ee'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'], ...TTL_KEYS]);
    await expectSame(sub.r, sub.k, [['SUBSCRIBE', '__keyevent@0__:evicted']]);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'maxmemory', '1'], ['PING'], ['CONFIG', 'SET', 'maxmemory', '0'], ['DBSIZE']]);
    const read = async (cl: RawClient) => {
      const out: unknown[] = [];
      for (let i = 0; i < TTL_KEYS.filter((x) => x[0] !== 'EXPIRE').length; i++) out.push(decode(await cl.read()));
      return out.map((x) => JSON.stringify(x)).sort();
    };
    const [a, b] = await Promise.all([read(sub.r), read(sub.k)]);
    expect(b).toEqual(a);
  });

  it('an evicted key fails the EXEC of a client that WATCHes it', async () => {
    const a = await pair.clients();
    const b = await pair.clients();
    await expectSame(a.r, a.k, [['SET', 'w', '1'], ['WATCH', 'w']]);
    await expectSame(b.r, b.k, [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'], ['CONFIG', 'SET', 'maxmemory', '1'], ['PING'], ['CONFIG', 'SET', 'maxmemory', '0']]);
    await expectSame(a.r, a.k, [['MULTI'], ['PING'], ['EXEC'], ['EXISTS', 'w']]);
  });

  it('a tracking client is told the evicted key is gone (RESP3)', async () => {
    const a = await pair.clients(3);
    const b = await pair.clients();
    await expectSame(a.r, a.k, [['SET', 't', '1'], ['CLIENT', 'TRACKING', 'on'], ['GET', 't']]);
    await expectSame(b.r, b.k, [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['CONFIG', 'SET', 'maxmemory', '1'], ['PING'], ['CONFIG', 'SET', 'maxmemory', '0']]);
    const [x, y] = await Promise.all([a.r.read(), a.k.read()]);
    expect(y).toBe(x);
    await expectSame(a.r, a.k, [['GET', 't']]);
  });
});

describe('maxmemory-eviction-tenacity', () => {
  it('tenacity 0, far over the limit: a write is admitted (not -OOM) while eviction goes on; memory ends under the limit', async () => {
    const { r, k } = await pair.clients();
    for (const c of [r, k]) {
      const body = Array.from({ length: 3000 }, (_, i) => `*3\r\n$3\r\nSET\r\n$${`key:${i}`.length}\r\nkey:${i}\r\n$200\r\n${'v'.repeat(200)}\r\n`).join('');
      c.write(body);
      for (let i = 0; i < 3000; i++) await c.read();
      const used = Number(/used_memory:(\d+)/.exec(decode(await c.call('INFO', 'memory')) as string)?.[1]);
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '0');
      // About 2000 keys too many: more than one cycle's worth at tenacity 0 (16 keys).
      await c.call('CONFIG', 'SET', 'maxmemory', String(used - 2000 * 250));
    }
    // Each server is over its limit: the SET is admitted all the same.
    await expectSame(r, k, [['SET', 'new', 'x']]);
    const evicted = async (c: RawClient) => Number(/evicted_keys:(\d+)/.exec(decode(await c.call('INFO', 'stats')) as string)?.[1]);
    for (const c of [r, k]) {
      expect(await evicted(c)).toBeGreaterThan(0);
      // The rest goes in the background (Redis: a time event; RedKit: on its clock): wait until under the limit.
      for (let i = 0; i < 500; i++) {
        const info = decode(await c.call('INFO', 'memory')) as string;
        const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
        const max = Number(/maxmemory:(\d+)/.exec(info)?.[1]);
        if (used <= max) break;
        await new Promise((res) => setTimeout(res, 5));
      }
      const info = decode(await c.call('INFO', 'memory')) as string;
      expect(Number(/used_memory:(\d+)/.exec(info)?.[1])).toBeLessThanOrEqual(Number(/maxmemory:(\d+)/.exec(info)?.[1]));
      expect(await evicted(c)).toBeGreaterThan(1500);
      await c.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '10');
    }
  });
});
