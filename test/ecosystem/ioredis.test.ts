/**
 * ioredis 5 features beyond plain commands, against the selected target:
 * defineCommand (EVALSHA with EVAL fallback), scanStream and its hash/set/zset
 * variants, keyPrefix, enableAutoPipelining, monitor, pipelines and
 * transactions, Buffer replies.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import Redis, { type RedisOptions, type Result } from 'ioredis';
import { isRedKit, redkitOf, startTarget, type Target } from './target.js';

/** vi.waitFor with room for a loaded machine (its default gives up after 1 s). */
const waitFor = <T>(fn: () => T | Promise<T>) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

let target: Target;
const clients: Redis[] = [];

beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

function client(options: RedisOptions = {}): Redis {
  const c = new Redis(target.port, target.host, options);
  clients.push(c);
  return c;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    incrCapped(key: string, cap: number): Result<number, Context>;
    echoKeys(...keysAndArgs: string[]): Result<string[], Context>;
  }
}

it('defineCommand: a Lua command with a fixed and a dynamic key count', async () => {
  const redis = client();
  redis.defineCommand('incrCapped', {
    numberOfKeys: 1,
    lua: `local v = redis.call('INCR', KEYS[1])
          if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]); return tonumber(ARGV[1]) end
          return v`,
  });
  redis.defineCommand('echoKeys', { lua: 'return {KEYS[1], KEYS[2], ARGV[1]}' });
  expect(await redis.incrCapped('n', 2)).toBe(1);
  expect(await redis.incrCapped('n', 2)).toBe(2);
  expect(await redis.incrCapped('n', 2)).toBe(2);
  expect(await redis.get('n')).toBe('2');
  expect(await redis.echoKeys(2 as unknown as string, 'k1', 'k2', 'arg')).toEqual(['k1', 'k2', 'arg']);
  // in a pipeline too; a script error rejects the call with Redis's message
  const res = await redis.pipeline().incrCapped('m', 5).incrCapped('n', 5).exec();
  expect(res).toEqual([
    [null, 1],
    [null, 3],
  ]);
  redis.defineCommand('boom', { numberOfKeys: 0, lua: "return redis.error_reply('MY custom failure')" });
  await expect((redis as unknown as { boom(): Promise<unknown> }).boom()).rejects.toThrow('MY custom failure');
});

it('scanStream, hscanStream, sscanStream, zscanStream', async () => {
  const redis = client();
  const pipe = redis.pipeline();
  for (let i = 0; i < 300; i++) pipe.set(`user:${i}`, String(i));
  for (let i = 0; i < 20; i++) pipe.set(`other:${i}`, 'x');
  await pipe.exec();
  const collect = async (stream: NodeJS.ReadableStream) => {
    const out: string[] = [];
    for await (const chunk of stream as AsyncIterable<string[]>) out.push(...chunk);
    return out;
  };
  const users = await collect(redis.scanStream({ match: 'user:*', count: 50 }));
  expect(new Set(users).size).toBe(300);
  expect(users.every((k) => k.startsWith('user:'))).toBe(true);
  expect((await collect(redis.scanStream({ type: 'string' }))).length).toBe(320);

  await redis.hset('h', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`])));
  const hpairs = await collect(redis.hscanStream('h', { match: 'f1*', count: 30 }));
  const hobj: Record<string, string> = {};
  for (let i = 0; i < hpairs.length; i += 2) hobj[hpairs[i]] = hpairs[i + 1];
  expect(Object.keys(hobj).length).toBe(111); // f1, f10-f19, f100-f199
  expect(hobj.f123).toBe('v123');

  await redis.sadd('s', ...Array.from({ length: 150 }, (_, i) => `m${i}`));
  expect(new Set(await collect(redis.sscanStream('s', { count: 20 }))).size).toBe(150);

  await redis.zadd('z', ...Array.from({ length: 150 }, (_, i) => [i, `z${i}`]).flat());
  const zpairs = await collect(redis.zscanStream('z', { count: 20 }));
  expect(zpairs.length).toBe(300);
  expect(zpairs[zpairs.indexOf('z42') + 1]).toBe('42');
});

it('keyPrefix applies to keys (per the key spec), not to values or patterns', async () => {
  const app = client({ keyPrefix: 'app:' });
  const plain = client();
  await app.set('user', 'ada');
  await app.mset('a', '1', 'b', '2');
  await app.hset('h', 'f', 'v');
  await app.rpush('list', 'x');
  await app.lmove('list', 'list2', 'LEFT', 'RIGHT');
  expect((await plain.keys('*')).sort()).toEqual(['app:a', 'app:b', 'app:h', 'app:list2', 'app:user']);
  expect(await app.get('user')).toBe('ada');
  expect(await app.mget('a', 'b', 'zz')).toEqual(['1', '2', null]);
  // KEYS patterns are not prefixed (ioredis leaves them alone)
  expect(await app.keys('app:u*')).toEqual(['app:user']);
  // a defined command's keys get the prefix
  app.defineCommand('getKey', { numberOfKeys: 1, lua: 'return {KEYS[1], redis.call("GET", KEYS[1])}' });
  expect(await (app as unknown as { getKey(k: string): Promise<unknown> }).getKey('user')).toEqual(['app:user', 'ada']);
});

it('enableAutoPipelining sends concurrent commands in one batch', async () => {
  const redis = client({ enableAutoPipelining: true });
  await redis.ping();
  const n = 200;
  const writes = Array.from({ length: n }, (_, i) => redis.set(`auto:${i}`, String(i)));
  expect(await Promise.all(writes)).toEqual(Array(n).fill('OK'));
  const reads = await Promise.all(Array.from({ length: n }, (_, i) => redis.get(`auto:${i}`)));
  expect(reads).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  expect(redis.autoPipelineQueueSize).toBe(0);
  const mixed = await Promise.all([redis.incr('c'), redis.lpush('l', 'a'), redis.get('c'), redis.hgetall('missing')]);
  expect(mixed).toEqual([1, 1, '1', {}]);
});

it('monitor sees every command of the other clients', async () => {
  const redis = client();
  const monitor = await client().monitor();
  clients.push(monitor);
  const lines: Array<{ args: string[]; source: string; db: string }> = [];
  monitor.on('monitor', (_time: string, args: string[], source: string, db: string) => lines.push({ args, source, db }));
  await redis.set('watched', 'v1');
  await redis.select(2);
  await redis.hset('h', 'a', 'quoted "x"\n');
  await waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(3));
  expect(lines.map((l) => l.args)).toEqual([
    ['set', 'watched', 'v1'],
    ['select', '2'],
    ['hset', 'h', 'a', 'quoted "x"\\n'], // ioredis unquotes \" but leaves \n escaped
  ]);
  expect(lines[0].db).toBe('0');
  expect(lines[2].db).toBe('2');
  expect(lines[0].source).toMatch(/^127\.0\.0\.1:\d+$/);
});

it('pipelines, transactions, Buffer replies', async () => {
  const redis = client();
  const results = await redis.pipeline().set('k', 'v').incr('k').get('k').exec();
  expect(results![0]).toEqual([null, 'OK']);
  expect((results![1][0] as Error).message).toBe('ERR value is not an integer or out of range');
  expect(results![2]).toEqual([null, 'v']);
  expect(await redis.multi().incr('t').incr('t').exec()).toEqual([
    [null, 1],
    [null, 2],
  ]);
  // EXECABORT: a command refused while queueing
  const aborted = await redis
    .multi()
    .set('x', '1')
    .call('NOPE')
    .exec()
    .catch((e: Error) => e);
  expect((aborted as Error).message).toBe('EXECABORT Transaction discarded because of previous errors.');
  await redis.set('bin', Buffer.from([0, 255, 128]));
  expect(await redis.getBuffer('bin')).toEqual(Buffer.from([0, 255, 128]));
  // WATCH: a change by another client aborts the transaction
  const other = client();
  await redis.watch('w');
  await other.set('w', 'changed');
  expect(await redis.multi().set('w', 'mine').exec()).toBeNull();
  expect(await redis.get('w')).toBe('changed');
});

it('ACL user: username/password, NOPERM errors, WRONGPASS', async () => {
  const admin = client();
  await admin.call('ACL', 'SETUSER', 'app', 'on', '>s3cret', '~app:*', '+@read', '+@write', '+@connection', '+acl|whoami', '-@dangerous');
  try {
    const app = client({ username: 'app', password: 's3cret' });
    await app.set('app:1', 'x');
    expect(await app.call('ACL', 'WHOAMI')).toBe('app');
    await expect(app.set('other', 'x')).rejects.toThrow('NOPERM this user has no permissions to access one of the keys used as arguments');
    await expect(app.flushall()).rejects.toThrow("NOPERM this user has no permissions to run the 'flushall' command");
    const errors: string[] = [];
    const bad = client({ username: 'app', password: 'nope', retryStrategy: () => null, lazyConnect: true });
    bad.on('error', (e: Error) => errors.push(e.message));
    await bad.connect().catch(() => undefined);
    await waitFor(() => expect(errors).toContain('WRONGPASS invalid username-password pair or user is disabled.'));
  } finally {
    await admin.call('ACL', 'DELUSER', 'app');
  }
});

it('client tracking in RESP2: BCAST prefixes redirected to a subscribed connection', async () => {
  const inv = client();
  const id = await inv.client('ID');
  const got: string[] = [];
  inv.on('message', (channel: string, key: string) => got.push(`${channel} ${key}`));
  await inv.subscribe('__redis__:invalidate');
  const c = client();
  await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', 'PREFIX', 'user:');
  expect(await c.call('CLIENT', 'TRACKINGINFO')).toEqual(['flags', ['on', 'bcast'], 'redirect', id, 'prefixes', ['user:']]);
  await c.set('user:1', 'x');
  await c.set('other', 'y'); // not under the prefix
  await c.set('user:2', 'z');
  await waitFor(() => expect(got).toEqual(['__redis__:invalidate user:1', '__redis__:invalidate user:2']));
});

it.runIf(isRedKit)('auto-pipelined commands arrive in order, named by the client library', async () => {
  const redkit = redkitOf(target);
  const redis = client({ enableAutoPipelining: true, connectionName: 'auto' });
  await redis.ping();
  await Promise.all([redis.set('a', '1'), redis.set('b', '2'), redis.get('a')]);
  expect(redkit.recorder.filter({ client: 'auto' }).map((c) => [c.name, ...c.args])).toEqual([
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['GET', 'a'],
  ]);
});
