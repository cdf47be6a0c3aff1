/**
 * Scripts on an in-process RedKit cluster through ioredis Cluster: a script
 * whose keys are in one slot runs on that slot's master; a key of another node
 * reached by the script (not declared in KEYS) is refused as Redis 7.0 refuses
 * it; a script sent after ASKING to the importing node of a migrating slot may
 * touch that slot's keys; a replica serves a read-only script after READONLY.
 */
import { describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import type { RedKitCluster } from '../../src/index.js';
import { ioredisCluster, useRedKitCluster } from '../support/cluster-node.js';

let cluster: RedKitCluster;
useRedKitCluster((c) => (cluster = c));
const ioCluster = (): InstanceType<typeof Redis.Cluster> => ioredisCluster(cluster);

/** A key whose master is not the master of `key`. */
function keyElsewhere(key: string): string {
  const home = cluster.nodeFor(key).id;
  for (let i = 0; ; i++) if (cluster.nodeFor(`other:${i}`).id !== home) return `other:${i}`;
}

describe('scripts on a RedKit cluster (ioredis Cluster)', () => {
  it('a script with its KEYS in one slot runs on its master; a key of another node is refused', async () => {
    const c = ioCluster();
    try {
      const script = "redis.call('set', KEYS[1], ARGV[1]); redis.call('incr', KEYS[2]); return {redis.call('get', KEYS[1]), redis.call('get', KEYS[2])}";
      expect(await c.eval(script, 2, '{u}a', '{u}b', 'v')).toEqual(['v', '1']);
      expect(cluster.nodeFor('{u}a').redkit.db().get('{u}a')).toBe('v');
      const other = keyElsewhere('{u}a');
      await expect(c.eval("return redis.call('get', ARGV[1])", 1, '{u}a', other)).rejects.toThrow(/^ERR Script attempted to access a non local key in a cluster node script: \w+, on @user_script:1\.$/);
      const r = (await c.eval("local e = redis.pcall('set', ARGV[1], 'x'); return {e['err'], redis.call('get', KEYS[1])}", 1, '{u}a', other)) as string[];
      expect(r).toEqual(['ERR Script attempted to access a non local key in a cluster node', 'v']);
      expect(cluster.nodeFor(other).redkit.db().get(other)).toBeNull();
      for (const n of cluster.nodes) expect(n.redkit.db().get(other)).toBeNull();
      // KEYS across slots: CROSSSLOT before the script runs (ioredis refuses them itself too).
      await expect(c.eval('return 1', 2, '{u}a', other)).rejects.toThrow(/CROSSSLOT|same slot/);
      // A shebang script keeps to one slot of its node; allow-cross-slot-keys lifts that.
      let second = '';
      for (let i = 0; !second; i++) {
        const k = `n:${i}`;
        if (cluster.nodeFor(k).id === cluster.nodeFor('{u}a').id && cluster.slotOf(k) !== cluster.slotOf('{u}a')) second = k;
      }
      await expect(c.eval("#!lua\nreturn redis.call('set', ARGV[1], '1')", 1, '{u}a', second)).rejects.toThrow(/Script attempted to access keys that do not hash to the same slot/);
      expect(await c.eval("#!lua flags=allow-cross-slot-keys\nreturn redis.call('set', ARGV[1], '1')", 1, '{u}a', second)).toBe('OK');
      // EVALSHA (defineCommand) takes the same path.
      c.defineCommand('getOther', { numberOfKeys: 1, lua: "return redis.call('get', ARGV[1])" });
      await expect((c as unknown as { getOther(k: string, a: string): Promise<unknown> }).getOther('{u}a', other)).rejects.toThrow(/non local key/);
    } finally {
      c.disconnect();
    }
  });

  it('after ASKING, a script on the importing node touches keys of the migrating slot', async () => {
    const c = ioCluster();
    try {
      const keys = ['{mig}a', '{mig}b'];
      for (const k of keys) await c.set(k, 'v0');
      const slot = cluster.slotOf(keys[0]);
      const to = cluster.masters.find((n) => n.id !== cluster.nodeFor(keys[0]).id)!;
      cluster.migrateSlot(slot, to, { stage: 'migrating', keys: [keys[0]] });
      // {mig}a moved: the source answers ASK, ioredis sends ASKING + EVALSHA/EVAL to the target.
      expect(await c.eval("return redis.call('get', KEYS[1])", 1, keys[0])).toBe('v0');
      expect(await c.eval("return redis.call('set', KEYS[1], 'v1')", 1, keys[0])).toBe('OK');
      expect(to.redkit.db().get(keys[0])).toBe('v1');
      // Without ASKING the importing node refuses the slot's keys to the script.
      const direct = new Redis({ host: to.host, port: to.port, lazyConnect: false });
      try {
        await expect(direct.eval("return redis.call('get', ARGV[1])", 0, keys[0])).rejects.toThrow(/non local key/);
        await direct.call('ASKING');
        expect(await direct.eval("return redis.call('get', ARGV[1])", 0, keys[0])).toBe('v1');
        // The flag lasts one command.
        await expect(direct.eval("return redis.call('get', ARGV[1])", 0, keys[0])).rejects.toThrow(/non local key/);
      } finally {
        direct.disconnect();
      }
      cluster.migrateSlot(slot, to, { stage: 'complete' });
    } finally {
      c.disconnect();
    }
  });

  it("a replica serves a read-only script after READONLY, and refuses its master's keys without it", async () => {
    const c = ioCluster();
    try {
      await c.set('{r}k', 'v');
      const master = cluster.nodeFor('{r}k');
      const replica = cluster.nodes.find((n) => n.master?.id === master.id)!;
      const direct = new Redis({ host: replica.host, port: replica.port, lazyConnect: false });
      try {
        await expect(direct.eval("return redis.call('get', ARGV[1])", 0, '{r}k')).rejects.toThrow(/non local key/);
        await expect(direct.eval('return 1', 1, '{r}k')).rejects.toThrow(/^MOVED /);
        await direct.call('READONLY');
        expect(await direct.eval("return redis.call('get', ARGV[1])", 0, '{r}k')).toBe('v');
        expect(await direct.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', '{r}k')).toBe('v');
        await expect(direct.eval("return redis.call('set', ARGV[1], 'x')", 0, '{r}k')).rejects.toThrow(/^READONLY You can't write against a read only replica\. script: /);
      } finally {
        direct.disconnect();
      }
    } finally {
      c.disconnect();
    }
  });
});
