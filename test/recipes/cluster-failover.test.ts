import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKitCluster } from 'redkit/vitest';

const cluster = useRedKitCluster({ masters: 3, replicasPerMaster: 1 });
let redis: InstanceType<typeof Redis.Cluster>;
let limiter: RateLimiterRedis;

beforeEach(() => {
  redis = new Redis.Cluster(cluster.startupNodes);
  limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'api', points: 5, duration: 60 });
});
afterEach(() => redis.disconnect());

it('keeps counting through a failover of the master that holds the counter', async () => {
  for (let i = 0; i < 3; i++) await limiter.consume('client-42');
  const master = cluster.nodeFor('api:client-42');
  expect(master.redkit.db().get('api:client-42')).toBe('3');

  cluster.failover(master); // its replica (which has the counter) takes over its slots
  expect(cluster.nodeFor('api:client-42').id).not.toBe(master.id);

  // ioredis follows the -MOVED to the new master; the count goes on from 3
  expect((await limiter.consume('client-42')).remainingPoints).toBe(1);
  expect((await limiter.consume('client-42')).remainingPoints).toBe(0);
  await expect(limiter.consume('client-42')).rejects.toMatchObject({ remainingPoints: 0 });
});
