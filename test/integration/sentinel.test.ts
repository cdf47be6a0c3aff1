/**
 * ioredis (`sentinels`) and node-redis (`createSentinel`) through
 * startRedKitSentinel(): they find the master through the sentinel, and
 * follow sentinel.failover() in the middle of a workload with no write lost
 * and no answer wrong (every INCR's answer is the counter's next value).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createSentinel } from 'redis';
import { startRedKitSentinel, type RedKitSentinel } from '../../src/index.js';

let sentinel: RedKitSentinel;

beforeEach(async () => {
  sentinel = await startRedKitSentinel({ masterName: 'mymaster', replicas: 2, logger: 'error' });
});
afterEach(async () => {
  await sentinel?.stop();
});

/** Runs INCRs one after the other until stopped; every answer must be the previous one + 1. */
async function incrLoop(incr: () => Promise<number>, until: () => boolean): Promise<number[]> {
  const answers: number[] = [];
  while (!until()) answers.push(await incr());
  return answers;
}

function expectConsecutive(answers: number[]): void {
  for (let i = 0; i < answers.length; i++) expect(answers[i]).toBe(i + 1);
}

describe('ioredis with sentinels', () => {
  it('finds the master, reads from a replica, and follows a failover during a workload', async () => {
    const redis = new Redis({ sentinels: sentinel.sentinels, name: 'mymaster', maxRetriesPerRequest: 50, retryStrategy: () => 20, sentinelRetryStrategy: () => 20 });
    const replicaReader = new Redis({ sentinels: sentinel.sentinels, name: 'mymaster', role: 'slave', retryStrategy: () => 20, sentinelRetryStrategy: () => 20 });
    replicaReader.on('error', () => {});
    redis.on('error', () => {});
    const switches: string[] = [];
    const sub = new Redis(sentinel.port);
    await sub.subscribe('+switch-master');
    sub.on('message', (_ch, msg) => switches.push(msg));
    try {
      const first = sentinel.master;
      await redis.set('k', 'v');
      expect(first.db().get('k')).toBe('v');
      await sentinel.synced();
      expect(await replicaReader.get('k')).toBe('v');

      let stop = false;
      const loop = incrLoop(() => redis.incr('counter'), () => stop);
      while (Number(first.db().get('counter') ?? 0) < 50) await new Promise((r) => setTimeout(r, 5));
      await sentinel.failover();
      const second = sentinel.master;
      expect(second).not.toBe(first);
      const atFailover = Number(second.db().get('counter') ?? 0);
      while (Number(second.db().get('counter') ?? 0) < atFailover + 50) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      const answers = await loop;
      expectConsecutive(answers);
      expect(second.db().get('counter')).toBe(String(answers.length));
      expect(first.role).toBe('replica');
      await sentinel.synced();
      expect(first.db().get('counter')).toBe(String(answers.length));
      expect(switches).toEqual([`mymaster ${first.host} ${first.port} ${second.host} ${second.port}`]);
    } finally {
      redis.disconnect();
      replicaReader.disconnect();
      sub.disconnect();
    }
  });
});

describe('a crashed master', () => {
  it('killMaster(): +sdown, +odown, +switch-master; ioredis moves to the promoted replica; revive() brings the old one back as a replica', async () => {
    const events: string[] = [];
    const sub = new Redis(sentinel.port);
    await sub.psubscribe('*');
    sub.on('pmessage', (_p, ch, msg) => events.push(`${ch} ${msg}`));
    const redis = new Redis({ sentinels: sentinel.sentinels, name: 'mymaster', maxRetriesPerRequest: 50, retryStrategy: () => 20, sentinelRetryStrategy: () => 20 });
    redis.on('error', () => {});
    try {
      await redis.set('a', '1');
      await sentinel.synced();
      const old = await sentinel.killMaster();
      const now = sentinel.master;
      expect(now).not.toBe(old);
      expect(await redis.incr('n')).toBe(1);
      expect(now.db().get('n')).toBe('1');
      expect(await redis.get('a')).toBe('1');
      await sentinel.revive(old);
      expect(old.role).toBe('replica');
      expect(old.db().get('n')).toBe('1');
      while (!events.some((e) => e.startsWith('+convert-to-slave'))) await new Promise((r) => setTimeout(r, 5));
      const channels = events.map((e) => e.split(' ')[0]);
      expect(channels.slice(0, 2)).toEqual(['+sdown', '+odown']);
      expect(channels).toContain('+switch-master');
      expect(events).toContain(`+switch-master mymaster ${old.host} ${old.port} ${now.host} ${now.port}`);
      expect(channels.indexOf('+failover-end')).toBeLessThan(channels.indexOf('+switch-master'));
    } finally {
      redis.disconnect();
      sub.disconnect();
    }
  });
});

describe('node-redis createSentinel', () => {
  it('finds the master and follows a failover during a workload', async () => {
    const client = createSentinel({ name: 'mymaster', sentinelRootNodes: sentinel.sentinels });
    client.on('error', () => {});
    await client.connect();
    try {
      const first = sentinel.master;
      await client.set('k', 'v');
      expect(first.db().get('k')).toBe('v');
      let stop = false;
      const loop = incrLoop(() => client.incr('counter'), () => stop);
      while (Number(first.db().get('counter') ?? 0) < 50) await new Promise((r) => setTimeout(r, 5));
      await sentinel.failover();
      const second = sentinel.master;
      const atFailover = Number(second.db().get('counter') ?? 0);
      while (Number(second.db().get('counter') ?? 0) < atFailover + 50) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      const answers = await loop;
      expectConsecutive(answers);
      expect(second.db().get('counter')).toBe(String(answers.length));
    } finally {
      await client.close();
    }
  });
});
