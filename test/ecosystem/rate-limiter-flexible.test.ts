/**
 * rate-limiter-flexible's RateLimiterRedis against the selected target, with
 * ioredis (its `defineCommand` script, EVALSHA) and node-redis 5
 * (`useRedisPackage: true`: EVAL with keys/arguments, MULTI with
 * incrBy/pTTL). Points, block duration, penalty/reward, get/delete, and the
 * window reset on the virtual clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { BurstyRateLimiter, RateLimiterQueue, RateLimiterRedis, RateLimiterRedisNonAtomic, RateLimiterRes } from 'rate-limiter-flexible';
import { isRedKit, redkitOf, startTarget, type Target } from './target.js';

let target: Target;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

type Opts = Omit<ConstructorParameters<typeof RateLimiterRedis>[0], 'storeClient'>;

async function storeClient(kind: string): Promise<{ storeClient: unknown; useRedisPackage?: boolean }> {
  if (kind === 'ioredis') {
    const c = new Redis(target.port, target.host);
    cleanups.push(() => c.disconnect());
    return { storeClient: c };
  }
  const c = createClient({ url: target.url });
  c.on('error', () => {});
  await c.connect();
  cleanups.push(() => c.destroy());
  return { storeClient: c, useRedisPackage: true };
}

const kinds: Array<[string, (opts: Opts) => Promise<RateLimiterRedis>]> = [
  [
    'ioredis',
    async (opts) => {
      const c = new Redis(target.port, target.host);
      cleanups.push(() => c.disconnect());
      return new RateLimiterRedis({ storeClient: c, ...opts });
    },
  ],
  [
    'node-redis',
    async (opts) => {
      const c = createClient({ url: target.url });
      c.on('error', () => {});
      await c.connect();
      cleanups.push(() => c.destroy());
      return new RateLimiterRedis({ storeClient: c, useRedisPackage: true, ...opts });
    },
  ],
];

async function rejection(p: Promise<unknown>): Promise<RateLimiterRes> {
  const r = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!(r instanceof RateLimiterRes)) throw r;
  return r;
}

describe.each(kinds)('%s', (_name, limiter) => {
  it('consumes points until the limit, then rejects with the time to wait', async () => {
    const rl = await limiter({ keyPrefix: 'rl', points: 3, duration: 60 });
    const first = await rl.consume('ip:1');
    expect(first.remainingPoints).toBe(2);
    expect(first.consumedPoints).toBe(1);
    expect(first.isFirstInDuration).toBe(true);
    expect(first.msBeforeNext).toBeGreaterThan(59_000);
    expect(first.msBeforeNext).toBeLessThanOrEqual(60_000);
    await rl.consume('ip:1');
    const third = await rl.consume('ip:1');
    expect(third.remainingPoints).toBe(0);
    expect(third.isFirstInDuration).toBe(false);
    const refused = await rejection(rl.consume('ip:1'));
    expect(refused.remainingPoints).toBe(0);
    expect(refused.consumedPoints).toBe(4);
    expect(refused.msBeforeNext).toBeGreaterThan(0);
    // another key has its own budget
    expect((await rl.consume('ip:2', 2)).remainingPoints).toBe(1);
  });

  it('get, penalty, reward, set, delete', async () => {
    const rl = await limiter({ keyPrefix: 'rl', points: 10, duration: 60 });
    expect(await rl.get('user:1')).toBeNull();
    await rl.consume('user:1', 4);
    const got = await rl.get('user:1');
    expect(got!.consumedPoints).toBe(4);
    expect(got!.remainingPoints).toBe(6);
    expect((await rl.penalty('user:1', 3)).consumedPoints).toBe(7);
    expect((await rl.reward('user:1', 5)).consumedPoints).toBe(2);
    const set = await rl.set('user:1', 9, 30);
    expect(set.consumedPoints).toBe(9);
    expect(set.msBeforeNext).toBeLessThanOrEqual(30_000);
    expect(set.msBeforeNext).toBeGreaterThan(29_000);
    expect(await rl.delete('user:1')).toBe(true);
    expect(await rl.delete('user:1')).toBe(false);
    expect(await rl.get('user:1')).toBeNull();
  });

  it('blockDuration keeps the key blocked past the window', async () => {
    const rl = await limiter({ keyPrefix: 'rl', points: 2, duration: 1, blockDuration: 120 });
    await rl.consume('login:ada');
    await rl.consume('login:ada');
    const refused = await rejection(rl.consume('login:ada'));
    expect(refused.msBeforeNext).toBeGreaterThan(100_000);
    const stored = await rl.get('login:ada');
    expect(stored!.msBeforeNext).toBeGreaterThan(100_000);
    // explicit block
    const blocked = await rl.block('login:bob', 300);
    expect(blocked.msBeforeNext).toBe(300_000);
    const r = await rejection(rl.consume('login:bob'));
    expect(r.msBeforeNext).toBeGreaterThan(290_000);
  });

  it('duration 0 never expires (MULTI INCRBY + PTTL)', async () => {
    const rl = await limiter({ keyPrefix: 'rl', points: 2, duration: 0 });
    const res = await rl.consume('forever');
    expect(res.consumedPoints).toBe(1);
    expect(res.msBeforeNext).toBe(-1);
    await rl.consume('forever');
    await rejection(rl.consume('forever'));
  });

  it('RateLimiterRedisNonAtomic (GET/PTTL then SET/PEXPIRE in MULTI)', async () => {
    const kind = _name;
    const rl = new RateLimiterRedisNonAtomic({ ...(await storeClient(kind)), keyPrefix: 'na', points: 2, duration: 60 } as never);
    const first = await rl.consume('u');
    expect(first.consumedPoints).toBe(1);
    expect(first.msBeforeNext).toBe(60_000);
    const second = await rl.consume('u');
    expect(second.consumedPoints).toBe(2);
    expect(second.msBeforeNext).toBeGreaterThan(59_000);
    expect((await rejection(rl.consume('u'))).consumedPoints).toBe(3);
    expect((await rl.get('u'))!.consumedPoints).toBe(3);
  });

  it('BurstyRateLimiter and RateLimiterQueue', async () => {
    const { storeClient: client, useRedisPackage } = await storeClient(_name);
    const steady = new RateLimiterRedis({ storeClient: client, useRedisPackage, keyPrefix: 'steady', points: 2, duration: 60 });
    const burst = new RateLimiterRedis({ storeClient: client, useRedisPackage, keyPrefix: 'burst', points: 3, duration: 600 });
    const bursty = new BurstyRateLimiter(steady, burst);
    for (let i = 0; i < 5; i++) await bursty.consume('ip');
    await rejection(bursty.consume('ip'));
    // 2 tokens a second; one more request may wait in the queue for the next second
    const queue = new RateLimiterQueue(new RateLimiterRedis({ storeClient: client, useRedisPackage, keyPrefix: 'q', points: 2, duration: 1 }), { maxQueueSize: 1 });
    expect(await queue.removeTokens(1)).toBe(1);
    expect(await queue.removeTokens(1)).toBe(0);
    const waiting = queue.removeTokens(1); // queued until the window ends (real time, under a second)
    await expect(queue.removeTokens(1)).rejects.toThrow("Number of requests reached it's maximum");
    expect(await waiting).toBe(1);
  });

  it.runIf(isRedKit)('the window resets when the virtual clock passes it', async () => {
    const redkit = redkitOf(target);
    redkit.clock.freeze();
    const rl = await limiter({ keyPrefix: 'rl', points: 2, duration: 60, blockDuration: 300 });
    await rl.consume('ip:9');
    redkit.clock.advance('59s');
    await rl.consume('ip:9');
    const refused = await rejection(rl.consume('ip:9'));
    expect(refused.msBeforeNext).toBe(300_000); // blocked for 5 minutes from now
    redkit.clock.advance('299s');
    expect((await rejection(rl.consume('ip:9'))).msBeforeNext).toBe(1_000);
    redkit.clock.advance('1s');
    const fresh = await rl.consume('ip:9');
    expect(fresh.isFirstInDuration).toBe(true);
    expect(fresh.remainingPoints).toBe(1);
    expect(fresh.msBeforeNext).toBe(60_000);
    expect(redkit.db().pttl('rl:ip:9')).toBe(60_000);
  });
});

it.runIf(isRedKit)('insuranceLimiter takes over when the server errors', async () => {
  const redkit = redkitOf(target);
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  const c = new Redis(target.port, target.host);
  cleanups.push(() => c.disconnect());
  const rl = new RateLimiterRedis({
    storeClient: c,
    keyPrefix: 'rl',
    points: 5,
    duration: 60,
    insuranceLimiter: new RateLimiterMemory({ points: 1, duration: 60 }),
  });
  redkit.faults.add({ command: ['EVALSHA', 'EVAL'], error: 'OOM command not allowed when used memory > \'maxmemory\'.' });
  expect((await rl.consume('ip:1')).remainingPoints).toBe(0); // the memory limiter's answer
  await rejection(rl.consume('ip:1'));
  redkit.faults.clear();
  expect((await rl.consume('ip:1')).remainingPoints).toBe(4);
});
