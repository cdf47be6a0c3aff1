/**
 * node-redis 5 (and 4, through the `redis4` alias) features beyond plain
 * commands, against the selected target: RESP3 replies and TYPE_MAPPING
 * (maps, sets, doubles, nulls, booleans, verbatim strings), the client pool
 * (node-redis 5 `createClientPool`, node-redis 4 `executeIsolated`), the scan
 * iterators, and pub/sub in RESP2 and RESP3 (subscribe, pSubscribe, sharded).
 */
import { describe, expect, it, vi } from 'vitest';
import { createClient, createClientPool, RESP_TYPES, VerbatimString } from 'redis';
import { createClient as createClient4 } from 'redis4';
import { isRedKit, redkitOf, targetHooks, type Target } from './target.js';

/** vi.waitFor with room for a loaded machine (its default gives up after 1 s). */
const waitFor = <T>(fn: () => T | Promise<T>) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

let target: Target;
const cleanups = targetHooks((t) => (target = t));

async function client<R extends 2 | 3>(RESP: R) {
  const c = createClient({ url: target.url, RESP });
  c.on('error', () => {});
  await c.connect();
  cleanups.push(() => c.destroy());
  return c;
}

describe('RESP3 replies and type mapping', () => {
  it('maps, sets, doubles and nulls with the default mapping, in RESP2 and RESP3', async () => {
    for (const RESP of [2, 3] as const) {
      const c = await client(RESP);
      await c.hSet('h', { a: '1', b: '2' });
      await c.sAdd('s', ['x', 'y']);
      await c.zAdd('z', [
        { score: 1.5, value: 'one' },
        { score: 3, value: 'three' },
      ]);
      expect(await c.hGetAll('h')).toEqual({ a: '1', b: '2' });
      expect((await c.sMembers('s')).sort()).toEqual(['x', 'y']);
      expect(await c.zScore('z', 'one')).toBe(1.5);
      expect(await c.zRangeWithScores('z', 0, -1)).toEqual([
        { value: 'one', score: 1.5 },
        { value: 'three', score: 3 },
      ]);
      expect(await c.get('missing')).toBeNull();
      expect(await c.zScore('z', 'missing')).toBeNull();
      expect(await c.hGet('h', 'nope')).toBeNull();
      await c.flushAll();
    }
  });

  it('raw RESP3 types through sendCommand', async () => {
    const c = await client(3);
    await c.hSet('h', { a: '1' });
    await c.sAdd('s', ['m']);
    await c.zAdd('z', { score: 2.5, value: 'm' });
    // map → object, set → array, double → number, null → null
    expect(await c.sendCommand(['HGETALL', 'h'])).toEqual({ a: '1' });
    expect(await c.sendCommand(['SMEMBERS', 's'])).toEqual(['m']);
    expect(await c.sendCommand(['ZSCORE', 'z', 'm'])).toBe(2.5);
    expect(await c.sendCommand(['ZSCORE', 'z', 'nope'])).toBeNull();
    expect(await c.sendCommand(['HGET', 'h', 'nope'])).toBeNull();
    expect(await c.sendCommand(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'])).toEqual([['m', 2.5]]);
    // a Lua boolean in RESP3 mode
    expect(await c.sendCommand(['EVAL', "redis.setresp(3); return redis.call('EXISTS', 'h') == 1", '0'])).toBe(true);
    // HELLO is a map
    const hello = (await c.sendCommand(['HELLO', '3'])) as Record<string, unknown>;
    expect(hello.proto).toBe(3);
    expect(hello.server).toBe('redis');
    expect(hello.version).toBe('7.0.15');
  });

  it('TYPE_MAPPING: Map, Set, String doubles, Buffer strings, VerbatimString', async () => {
    const c = (await client(3)).withTypeMapping({
      [RESP_TYPES.MAP]: Map,
      [RESP_TYPES.SET]: Set,
      [RESP_TYPES.DOUBLE]: String,
      [RESP_TYPES.BLOB_STRING]: Buffer,
    });
    await c.hSet('h', { a: '1', b: '2' });
    await c.sAdd('s', ['x', 'y']);
    await c.zAdd('z', { score: 0.1, value: 'tenth' });
    const h = await c.hGetAll('h');
    expect(h).toBeInstanceOf(Map);
    expect([...(h as unknown as Map<Buffer, Buffer>)].map(([k, v]) => [k.toString(), v.toString()]).sort()).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    const s = await c.sMembers('s');
    expect(s).toBeInstanceOf(Set);
    expect([...(s as unknown as Set<Buffer>)].map(String).sort()).toEqual(['x', 'y']);
    // the double as the server wrote it: Redis 7.0 writes %.17g
    expect(await c.zScore('z', 'tenth')).toBe('0.10000000000000001');
    expect(await c.zIncrBy('z', 0.2, 'tenth')).toBe('0.30000000000000004');
    const v = await c.get('h2');
    expect(v).toBeNull();
    await c.set('bin', Buffer.from([0, 255]));
    expect(await c.get('bin')).toEqual(Buffer.from([0, 255]));
    // INFO is a verbatim string in RESP3; mapped to a VerbatimString its format is "txt"
    const vc = await client(3);
    const typeMapping = { [RESP_TYPES.VERBATIM_STRING]: VerbatimString };
    const info = (await vc.sendCommand(['INFO', 'server'], { typeMapping })) as VerbatimString;
    expect(info).toBeInstanceOf(VerbatimString);
    expect(info.format).toBe('txt');
    expect(String(info)).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
    const ci = (await vc.sendCommand(['CLIENT', 'INFO'], { typeMapping })) as VerbatimString;
    expect(ci.format).toBe('txt');
    expect(String(ci)).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ /);
  });

  it('errors keep their text in both protocols', async () => {
    for (const RESP of [2, 3] as const) {
      const c = await client(RESP);
      await c.set('str', 'x');
      await expect(c.lPush('str', 'a')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
      await expect(c.sendCommand(['NOPE', 'a'])).rejects.toThrow("ERR unknown command 'NOPE', with args beginning with: 'a' ");
      await c.flushAll();
    }
  });
});

describe('client pool and isolation', () => {
  it('createClientPool: a blocked client does not hold up the others', async () => {
    const pool = createClientPool({ url: target.url }, { minimum: 1, maximum: 3 });
    pool.on('error', () => {});
    await pool.connect();
    cleanups.push(() => pool.destroy());
    const blocked = pool.execute((c) => c.blPop('jobs', 0));
    // the pool hands out another client for other commands
    await pool.set('k', 'v');
    expect(await pool.get('k')).toBe('v');
    await waitFor(() => expect(pool.totalClients).toBeGreaterThanOrEqual(2));
    await pool.rPush('jobs', 'job-1');
    expect(await blocked).toEqual({ key: 'jobs', element: 'job-1' });
    // a transaction on one pooled client
    expect(await pool.multi().incr('n').incr('n').exec()).toEqual([1, 2]);
    expect(pool.totalClients).toBeLessThanOrEqual(3);
  });

  it('node-redis 4 executeIsolated runs a blocking command on its own connection', async () => {
    const c = createClient4({ url: target.url, isolationPoolOptions: { max: 2 } });
    c.on('error', () => {});
    await c.connect();
    cleanups.push(() => c.disconnect());
    const blocked = c.executeIsolated((isolated) => isolated.blPop('q', 0));
    await c.set('k', 'v');
    expect(await c.get('k')).toBe('v');
    await c.rPush('q', 'a');
    expect(await blocked).toEqual({ key: 'q', element: 'a' });
    // WATCH on an isolated connection
    const result = c.executeIsolated(async (isolated) => {
      await isolated.watch('w');
      await c.set('w', 'changed'); // from the shared connection
      return isolated.multi().set('w', 'mine').exec();
    });
    await expect(result).rejects.toThrow('One (or more) of the watched keys has been changed');
    expect(await c.get('w')).toBe('changed');
  });
});

describe('scan iterators', () => {
  it('scanIterator, hScanIterator, sScanIterator, zScanIterator', async () => {
    const c = await client(2);
    const multi = c.multi();
    for (let i = 0; i < 250; i++) multi.set(`key:${i}`, String(i));
    multi.hSet('h', Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, `v${i}`])));
    multi.sAdd('s', Array.from({ length: 140 }, (_, i) => `m${i}`));
    multi.zAdd(
      'z',
      Array.from({ length: 130 }, (_, i) => ({ score: i / 2, value: `z${i}` })),
    );
    await multi.exec();

    const keys: string[] = [];
    for await (const batch of c.scanIterator({ MATCH: 'key:*', COUNT: 40 })) keys.push(...batch);
    expect(new Set(keys).size).toBe(250);
    const typed: string[] = [];
    for await (const batch of c.scanIterator({ TYPE: 'hash' })) typed.push(...batch);
    expect(typed).toEqual(['h']);

    const fields = new Map<string, string>();
    for await (const batch of c.hScanIterator('h', { COUNT: 20 })) for (const { field, value } of batch) fields.set(field, value);
    expect(fields.size).toBe(150);
    expect(fields.get('f77')).toBe('v77');

    const members = new Set<string>();
    for await (const batch of c.sScanIterator('s', { MATCH: 'm1*' })) for (const m of batch) members.add(m);
    expect(members.size).toBe(51); // m1, m10-m19, m100-m139

    const scores = new Map<string, number>();
    for await (const batch of c.zScanIterator('z', { COUNT: 25 })) for (const { value, score } of batch) scores.set(value, score);
    expect(scores.size).toBe(130);
    expect(scores.get('z7')).toBe(3.5);
  });
});

describe.each([2, 3] as const)('pub/sub in RESP%s', (RESP) => {
  it('subscribe and pSubscribe', async () => {
    const pub = await client(RESP);
    const sub = await client(RESP);
    const got: string[] = [];
    await sub.subscribe('news', (message, channel) => got.push(`${channel}:${message}`));
    await sub.pSubscribe('user:*', (message, channel) => got.push(`p ${channel}:${message}`));
    expect(await pub.publish('news', 'hello')).toBe(1);
    expect(await pub.publish('user:1', 'joined')).toBe(1);
    expect(await pub.publish('nobody', 'x')).toBe(0);
    expect(await pub.pubSubNumSub(['news', 'nobody'])).toEqual({ news: 1, nobody: 0 });
    expect(await pub.pubSubNumPat()).toBe(1);
    expect(await pub.pubSubChannels()).toEqual(['news']);
    await waitFor(() => expect(got).toEqual(['news:hello', 'p user:1:joined']));
    await sub.unsubscribe('news');
    await sub.pUnsubscribe('user:*');
    expect(await pub.publish('news', 'again')).toBe(0);
    expect(await pub.pubSubNumPat()).toBe(0);
  });

  it('sharded pub/sub: sSubscribe and sPublish', async () => {
    const pub = await client(RESP);
    const sub = await client(RESP);
    const got: string[] = [];
    await sub.sSubscribe('orders:{eu}', (message, channel) => got.push(`${channel}:${message}`));
    expect(await pub.sPublish('orders:{eu}', 'o-1')).toBe(1);
    expect(await pub.sPublish('orders:{us}', 'o-2')).toBe(0);
    expect(await pub.pubSubShardNumSub(['orders:{eu}'])).toEqual({ 'orders:{eu}': 1 });
    expect(await pub.pubSubShardChannels()).toEqual(['orders:{eu}']);
    await waitFor(() => expect(got).toEqual(['orders:{eu}:o-1']));
    await sub.sUnsubscribe('orders:{eu}');
    expect(await pub.sPublish('orders:{eu}', 'o-3')).toBe(0);
  });

  it('Buffer messages keep their bytes', async () => {
    const pub = await client(RESP);
    const sub = await client(RESP);
    const got: Buffer[] = [];
    await sub.subscribe('bin', (message) => got.push(message), true);
    await pub.publish('bin', Buffer.from([0, 0x80, 0xff]));
    await waitFor(() => expect(got).toEqual([Buffer.from([0, 0x80, 0xff])]));
  });
});

it.each([2, 3] as const)('MONITOR in RESP%s', async (RESP) => {
  const mon = await client(RESP);
  const c = await client(RESP);
  const lines: string[] = [];
  await mon.monitor((line) => lines.push(line));
  await c.set('watched', 'v "quoted"');
  await c.hGet('h', 'f');
  await waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(2));
  // node-redis sends command names in capitals; MONITOR shows them as sent
  expect(lines[0]).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "watched" "v \\"quoted\\""$/);
  expect(lines[1]).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "HGET" "h" "f"$/);
});

it.each([2, 3] as const)('ACL user in the URL, RESP%s (AUTH, or HELLO 3 AUTH)', async (RESP) => {
  const admin = await client(2);
  await admin.aclSetUser('app', ['on', '>s3cret', '~app:*', '+@read', '+@write', '+@connection', '+acl|whoami']);
  try {
    const app = createClient({ url: `redis://app:s3cret@${target.host}:${target.port}`, RESP, name: 'app-conn' });
    app.on('error', () => {});
    await app.connect();
    cleanups.push(() => app.destroy());
    expect(await app.aclWhoAmI()).toBe('app');
    expect(await app.clientGetName()).toBe('app-conn');
    await app.set('app:1', 'x');
    await expect(app.set('nope', 'x')).rejects.toThrow('NOPERM this user has no permissions to access one of the keys used as arguments');
    const bad = createClient({ url: `redis://app:wrong@${target.host}:${target.port}`, RESP, socket: { reconnectStrategy: false } });
    bad.on('error', () => {});
    await expect(bad.connect()).rejects.toThrow('WRONGPASS invalid username-password pair or user is disabled.');
  } finally {
    await admin.aclDelUser('app');
  }
});

it('RESP3: client-side cache and pub/sub on one connection', async () => {
  const c = createClient({ url: target.url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  c.on('error', () => {});
  await c.connect();
  cleanups.push(() => c.destroy());
  const other = await client(2);
  await other.set('k', 'v1');
  const msgs: string[] = [];
  await c.subscribe('ch', (m) => msgs.push(m));
  expect(await c.get('k')).toBe('v1');
  expect(await c.get('k')).toBe('v1');
  expect(c.clientSideCache!.stats().hitCount).toBe(1);
  // the invalidation push and the message arrive on the same connection
  await other.set('k', 'v2');
  await other.publish('ch', 'hello');
  await waitFor(() => expect(msgs).toEqual(['hello']));
  await waitFor(async () => expect(await c.get('k')).toBe('v2'));
  await other.flushAll(); // a null invalidation: the whole cache goes
  await waitFor(async () => expect(await c.get('k')).toBeNull());
});

it('RESP3: one connection subscribes and runs commands', async () => {
  const c = await client(3);
  const pub = await client(3);
  const got: string[] = [];
  await c.subscribe('ch', (m) => got.push(m));
  await c.set('k', 'v'); // allowed in RESP3 while subscribed
  expect(await c.get('k')).toBe('v');
  await pub.publish('ch', 'm1');
  await waitFor(() => expect(got).toEqual(['m1']));
});

it.runIf(isRedKit)('the recorder tells node-redis 5 from node-redis 4', async () => {
  const redkit = redkitOf(target);
  const c5 = await client(3);
  await c5.ping();
  const c4 = createClient4({ url: target.url });
  c4.on('error', () => {});
  await c4.connect();
  cleanups.push(() => c4.disconnect());
  await c4.ping();
  const setinfo = redkit.recorder.filter({ name: 'CLIENT SETINFO', chatter: true });
  // node-redis 5 names itself; node-redis 4 does not send CLIENT SETINFO
  expect(setinfo.map((c) => c.args.join(' '))).toContain('LIB-NAME node-redis');
  expect(redkit.recorder.find({ name: 'HELLO', chatter: true })!.args[0]).toBe('3');
});
