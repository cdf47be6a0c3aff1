/**
 * ioredis Cluster and node-redis createCluster against an in-process RedKit
 * cluster: redirects, pipelines and MULTI in a slot, hash tags, pub/sub,
 * resharding and failover during a workload.
 */
import { describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createCluster } from 'redis';
import type { RedKitCluster } from '../../src/index.js';
import { ioredisCluster, useRedKitCluster } from '../support/cluster-node.js';

let cluster: RedKitCluster;
useRedKitCluster((c) => (cluster = c));
const ioCluster = (): InstanceType<typeof Redis.Cluster> => ioredisCluster(cluster);

describe('ioredis Cluster', () => {
  it('routes keys to the owning master and follows hash tags', async () => {
    const c = ioCluster();
    try {
      for (let i = 0; i < 50; i++) await c.set(`key:${i}`, String(i));
      for (let i = 0; i < 50; i++) {
        const k = `key:${i}`;
        expect(cluster.nodeFor(k).redkit.db().get(k)).toBe(String(i));
      }
      expect(new Set(Array.from({ length: 50 }, (_, i) => cluster.nodeFor(`key:${i}`).id)).size).toBe(3);
      await c.mset('{user1}.a', '1', '{user1}.b', '2');
      expect(await c.mget('{user1}.a', '{user1}.b')).toEqual(['1', '2']);
      await expect(c.mget('a', 'b')).rejects.toThrow(/CROSSSLOT/);
    } finally {
      c.disconnect();
    }
  });

  it('runs pipelines and MULTI within one slot, and replicas apply them', async () => {
    const c = ioCluster();
    try {
      const p = await c.pipeline().set('{t}x', '1').incr('{t}x').get('{t}x').exec();
      expect(p?.map((r) => r[1])).toEqual(['OK', 2, '2']);
      const m = await c.multi().incr('{t}y').incr('{t}y').exec();
      expect(m?.map((r) => r[1])).toEqual([1, 2]);
      // Replicas applied the writes in order.
      const master = cluster.nodeFor('{t}y');
      const replica = cluster.nodes.find((n) => n.master?.id === master.id)!;
      expect(replica.redkit.db().get('{t}y')).toBe('2');
    } finally {
      c.disconnect();
    }
  });

  it('follows MOVED after a complete migration and ASK during one, losing nothing', async () => {
    const c = ioCluster();
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `{mig}k${i}`);
      for (const k of keys) await c.set(k, 'v0');
      const slot = cluster.slotOf(keys[0]);
      const from = cluster.nodeFor(keys[0]);
      const to = cluster.masters.find((n) => n.id !== from.id)!;
      // Half the keys moved: those answer ASK on the source.
      cluster.migrateSlot(slot, to, { stage: 'migrating', keys: keys.slice(0, 10) });
      const got1 = await Promise.all(keys.map((k) => c.get(k)));
      expect(got1).toEqual(keys.map(() => 'v0'));
      const writes = keys.map((k, i) => c.set(k, `v${i}`));
      cluster.migrateSlot(slot, to, { stage: 'complete' });
      await Promise.all(writes);
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(keys.map((k) => c.get(k)));
        expect(got).toEqual(keys.map((_, i) => `v${i}`));
      }
      expect(cluster.nodeFor(keys[0]).id).toBe(to.id);
      expect(to.redkit.db().get(keys[19])).toBe('v19');
      expect(from.redkit.db().get(keys[19])).toBeNull();
      // Moved keys were asked for on the target (ASKING then the command), during the migrating stage.
      expect(to.redkit.commands.some((e) => e.name === 'ASKING')).toBe(true);
      expect(from.redkit.commands.some((e) => e.name === 'GET' && e.error && /^ASK /.test(e.errorMessage ?? ''))).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('delivers PUBLISH on every node and SPUBLISH in its shard', async () => {
    const sub = ioCluster();
    const pub = ioCluster();
    try {
      const got: string[] = [];
      sub.on('message', (ch, msg) => got.push(`${ch}:${msg}`));
      await sub.subscribe('news');
      // Publish through every master directly: subscribers connected elsewhere still get it.
      for (const m of cluster.masters) {
        const r = new Redis(m.port, m.host);
        await r.publish('news', `from-${m.port}`);
        r.disconnect();
      }
      // Wait for them (a fixed 50 ms could end first on a loaded machine), then compare.
      for (let i = 0; i < 1000 && got.length < cluster.masters.length; i++) await new Promise((r) => setTimeout(r, 5));
      expect(got.sort()).toEqual(cluster.masters.map((m) => `news:from-${m.port}`).sort());
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});

describe('reads from replicas', () => {
  it("ioredis scaleReads: 'slave' sends READONLY and reads on the replicas", async () => {
    const c = new Redis.Cluster(cluster.startupNodes, { scaleReads: 'slave' });
    try {
      await c.set('sr:key', 'v');
      expect(await c.get('sr:key')).toBe('v');
      const master = cluster.nodeFor('sr:key');
      const replica = cluster.nodes.find((n) => n.master?.id === master.id)!;
      expect(replica.redkit.commands.some((e) => e.name === 'READONLY')).toBe(true);
      expect(replica.redkit.commands.some((e) => e.name === 'GET' && !e.error)).toBe(true);
      expect(master.redkit.commands.some((e) => e.name === 'GET')).toBe(false);
    } finally {
      c.disconnect();
    }
  });
});

describe('node-redis createCluster', () => {
  it('routes, uses MULTI in a slot and sharded pub/sub', async () => {
    const c = createCluster({ rootNodes: cluster.rootNodes });
    c.on('error', () => undefined);
    await c.connect();
    try {
      for (let i = 0; i < 30; i++) await c.set(`nr:${i}`, String(i));
      for (let i = 0; i < 30; i++) expect(cluster.nodeFor(`nr:${i}`).redkit.db().get(`nr:${i}`)).toBe(String(i));
      const r = await c.multi().set('{a}1', 'x').get('{a}1').exec();
      expect(r).toEqual(['OK', 'x']);
      const got: string[] = [];
      await c.sSubscribe('sch', (m) => got.push(m));
      expect(await c.sPublish('sch', 'hello')).toBeGreaterThanOrEqual(1);
      await new Promise((res) => setTimeout(res, 50));
      expect(got).toEqual(['hello']);
    } finally {
      await c.disconnect();
    }
  });
});

describe('failover', () => {
  it('a replica takes over; ioredis follows MOVED and refreshes the topology', async () => {
    const c = ioCluster();
    try {
      const key = 'fo:key';
      await c.set(key, '1');
      const master = cluster.nodeFor(key);
      const replica = cluster.nodes.find((n) => n.master?.id === master.id)!;
      expect(replica.redkit.db().get(key)).toBe('1');
      let ok = 0;
      const work = (async () => {
        for (let i = 0; i < 30; i++) {
          expect(await c.incr(key)).toBe(2 + i);
          ok++;
        }
      })();
      await new Promise((r) => setTimeout(r, 5));
      cluster.failover(master);
      await work;
      expect(ok).toBe(30);
      expect(cluster.nodeFor(key).id).toBe(replica.id);
      expect(replica.redkit.db().get(key)).toBe('31');
      // The old master now replicates the new one.
      expect(master.role).toBe('replica');
      await c.set(key, 'after');
      expect(master.redkit.db().get(key)).toBe('after');
    } finally {
      c.disconnect();
      // Put the original master back for the other tests.
    }
  });
});
