/**
 * redis-cli's cluster tools against an in-process RedKit cluster: --cluster
 * check / info, reshard (CLUSTER SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT,
 * MIGRATE ... KEYS, SETSLOT NODE) while an ioredis Cluster client runs a
 * workload, and rebalance. Skipped when redis-cli is not installed.
 *
 * redis-cli runs as a child process (asynchronously: the cluster answers from
 * this process's event loop).
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startRedKitCluster, type RedKitCluster, type RedKitClusterNode } from '../../src/index.js';

const hasCli = spawnSync('redis-cli', ['--version']).status === 0;

function cli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out: out.replace(/\x1b\[[0-9;]*m/g, '') }));
  });
}

const addr = (n: RedKitClusterNode): string => `${n.host}:${n.port}`;

describe.skipIf(!hasCli)('redis-cli --cluster against a RedKit cluster', () => {
  let cluster: RedKitCluster;

  beforeAll(async () => {
    cluster = await startRedKitCluster({ masters: 3, replicasPerMaster: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Every key lives on the master owning its slot (and its replicas), nowhere else. */
  const expectKeysWhereTheyBelong = (): void => {
    for (const n of cluster.nodes) {
      const master = n.role === 'master' ? n : n.master!;
      for (const k of n.redkit.db().keys()) expect(cluster.nodeFor(k).id, `${k} on ${addr(n)}`).toBe(master.id);
      if (n.role === 'replica') expect(n.redkit.db().keys().length, `replica ${addr(n)}`).toBe(master.redkit.db().keys().length);
    }
  };

  it('check and info see the topology and the keys', async () => {
    const m = cluster.masters[0];
    for (let i = 0; i < 100; i++) cluster.db().set(`k:${i}`, 'v');
    const check = await cli(['--cluster', 'check', addr(m)]);
    expect(check.out).toContain('[OK] All nodes agree about slots configuration.');
    expect(check.out).toContain('[OK] All 16384 slots covered.');
    expect(check.out).not.toMatch(/\[ERR\]|\[WARNING\]/);
    for (const n of cluster.nodes) expect(check.out).toContain(`${n.id} ${addr(n)}`);
    expect(check.code).toBe(0);
    const info = await cli(['--cluster', 'info', addr(m)]);
    for (const n of cluster.masters) {
      expect(info.out).toContain(`${addr(n)} (${n.id.slice(0, 8)}...) -> ${n.redkit.db().keys().length} keys | ${n.slots.length} slots | 1 slaves.`);
    }
    expect(info.out).toContain('[OK] 100 keys in 3 masters.');
    await cluster.reset();
  });

  it('reshard moves slots with their keys while an ioredis Cluster client runs a workload', async () => {
    const [from, to] = cluster.masters;
    // Keys in every slot range, among them keys of the slots that move.
    const seed = new Redis.Cluster(cluster.startupNodes);
    for (let i = 0; i < 2000; i++) await seed.set(`seed:${i}`, `v${i}`);
    const total = 2000;
    const fromKeys = from.redkit.db().keys().length;
    expect(fromKeys).toBeGreaterThan(0);

    const client = new Redis.Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 50 }, retryDelayOnTryAgain: 5, retryDelayOnMoved: 0 });
    let stop = false;
    const errors: string[] = [];
    let ops = 0;
    // Four workers, each with its own counters: every INCR must answer the next value.
    const worker = async (w: number): Promise<Map<string, number>> => {
      const expected = new Map<string, number>();
      let i = 0;
      while (!stop) {
        const k = `ctr:${w}:${i++ % 150}`;
        const want = (expected.get(k) ?? 0) + 1;
        try {
          const got = await client.incr(k);
          if (got !== want) errors.push(`${k}: INCR answered ${got}, expected ${want}`);
          expected.set(k, got);
          const s = await client.get(`seed:${i % total}`);
          if (s !== `v${i % total}`) errors.push(`seed:${i % total}: GET answered ${s}`);
          ops += 2;
        } catch (e) {
          errors.push(`${k}: ${(e as Error).message}`);
          expected.set(k, want); // unknown: the next reply tells
        }
      }
      return expected;
    };
    const workers = [0, 1, 2, 3].map(worker);
    const before = from.slots.length;
    const r = await cli(['--cluster', 'reshard', addr(from), '--cluster-from', from.id, '--cluster-to', to.id, '--cluster-slots', '1500', '--cluster-yes']);
    const opsDuring = ops;
    stop = true;
    const counters = await Promise.all(workers);
    client.disconnect();
    seed.disconnect();

    expect(r.code, r.out.slice(-2000)).toBe(0);
    expect(r.out).not.toMatch(/\[ERR\]/);
    expect(opsDuring).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(from.slots.length).toBe(before - 1500);
    // Every counter has the value its worker saw last; every seeded key is still there.
    const check = new Redis.Cluster(cluster.startupNodes);
    for (const m of counters) for (const [k, v] of m) expect(await check.get(k)).toBe(String(v));
    for (let i = 0; i < total; i += 7) expect(await check.get(`seed:${i}`)).toBe(`v${i}`);
    check.disconnect();
    expectKeysWhereTheyBelong();
    const after = await cli(['--cluster', 'check', addr(to)]);
    expect(after.out).toContain('[OK] All nodes agree about slots configuration.');
    expect(after.out).toContain('[OK] All 16384 slots covered.');
    expect(after.out).not.toMatch(/\[ERR\]|\[WARNING\]/);
  });

  it('rebalance evens out the slots and moves the keys along', async () => {
    const r = await cli(['--cluster', 'rebalance', addr(cluster.masters[0])]);
    expect(r.code, r.out.slice(-2000)).toBe(0);
    for (const m of cluster.masters) expect(Math.abs(m.slots.length - 16384 / 3)).toBeLessThan(16384 * 0.02);
    expectKeysWhereTheyBelong();
    const check = await cli(['--cluster', 'check', addr(cluster.masters[1])]);
    expect(check.out).toContain('[OK] All 16384 slots covered.');
    expect(check.out).not.toMatch(/\[ERR\]|\[WARNING\]/);
  });
});

describe.skipIf(!hasCli)('redis-cli --cluster create of RedKit nodes started alone in cluster mode', () => {
  let cluster: RedKitCluster;

  beforeAll(async () => {
    cluster = await startRedKitCluster({ masters: 3, replicasPerMaster: 1, formed: false });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('joins them (ADDSLOTS, SET-CONFIG-EPOCH, MEET, REPLICATE) into a working cluster', async () => {
    // Alone: each node knows itself only, serves nothing.
    for (const n of cluster.nodes) expect(n.slots).toEqual([]);
    const alone = await cli(['-p', String(cluster.nodes[0].port), 'CLUSTER', 'INFO']);
    expect(alone.out).toContain('cluster_known_nodes:1');
    expect(alone.out).toContain('cluster_state:fail');

    const r = await cli(['--cluster', 'create', ...cluster.nodes.map(addr), '--cluster-replicas', '1', '--cluster-yes']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('[OK] All nodes agree about slots configuration.');
    expect(r.out).toContain('[OK] All 16384 slots covered.');
    expect(r.out).not.toMatch(/\[ERR\]/);

    expect(cluster.masters).toHaveLength(3);
    expect(cluster.nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    for (const m of cluster.masters) expect(m.slots.length).toBeGreaterThan(5000);
    const info = await cli(['-p', String(cluster.nodes[5].port), 'CLUSTER', 'INFO']);
    expect(info.out).toContain('cluster_state:ok');
    expect(info.out).toContain('cluster_known_nodes:6');

    // Clients see one cluster; replicas apply their master's writes.
    const c = new Redis.Cluster([{ host: cluster.nodes[0].host, port: cluster.nodes[0].port }]);
    for (let i = 0; i < 200; i++) await c.set(`k:${i}`, String(i));
    for (let i = 0; i < 200; i += 13) expect(await c.get(`k:${i}`)).toBe(String(i));
    c.disconnect();
    for (const n of cluster.nodes) {
      if (n.role !== 'replica') continue;
      expect(n.redkit.db().keys().sort()).toEqual(n.master!.redkit.db().keys().sort());
    }
    const check = await cli(['--cluster', 'check', addr(cluster.nodes[3])]);
    expect(check.out).toContain('[OK] All 16384 slots covered.');
    expect(check.out).not.toMatch(/\[ERR\]|\[WARNING\]/);
  });
});

describe.skipIf(!hasCli)('redis-cli --cluster add-node, reshard to the new master, del-node', () => {
  let cluster: RedKitCluster;

  beforeAll(async () => {
    cluster = await startRedKitCluster({ masters: 5, replicasPerMaster: 0, formed: false });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('adds a master and a replica of it to a running cluster, moves slots with keys to it and back, deletes both', async () => {
    const [a, b, c, d, e] = cluster.nodes;
    const created = await cli(['--cluster', 'create', addr(a), addr(b), addr(c), '--cluster-replicas', '0', '--cluster-yes']);
    expect(created.code, created.out).toBe(0);
    const io = new Redis.Cluster([{ host: a.host, port: a.port }]);
    for (let i = 0; i < 500; i++) await io.set(`k:${i}`, String(i));

    const added = await cli(['--cluster', 'add-node', addr(d), addr(a)]);
    expect(added.code, added.out).toBe(0);
    expect(added.out).toContain('[OK] New node added correctly.');
    const slave = await cli(['--cluster', 'add-node', addr(e), addr(a), '--cluster-slave', '--cluster-master-id', d.id]);
    expect(slave.code, slave.out).toBe(0);
    expect(e.role).toBe('replica');
    expect(e.master?.id).toBe(d.id);

    const moved = await cli(['--cluster', 'reshard', addr(a), '--cluster-from', 'all', '--cluster-to', d.id, '--cluster-slots', '3000', '--cluster-yes']);
    expect(moved.code, moved.out.slice(-2000)).toBe(0);
    // redis-cli splits the 3000 among the sources rounding down (as against real nodes).
    expect(d.slots.length).toBeGreaterThanOrEqual(2997);
    expect(d.slots.length).toBeLessThanOrEqual(3000);
    for (let i = 0; i < 500; i++) expect(await io.get(`k:${i}`)).toBe(String(i));
    io.disconnect();
    expect(d.redkit.db().keys().length).toBeGreaterThan(0);
    expect(e.redkit.db().keys().sort()).toEqual(d.redkit.db().keys().sort());
    const check = await cli(['--cluster', 'check', addr(e)]);
    expect(check.out).toContain('[OK] All nodes agree about slots configuration.');
    expect(check.out).toContain('[OK] All 16384 slots covered.');
    expect(check.out).not.toMatch(/\[ERR\]|\[WARNING\]/);

    // And away again: its slots back to a, then del-node of the replica and of the master.
    const back = await cli(['--cluster', 'reshard', addr(a), '--cluster-from', d.id, '--cluster-to', a.id, '--cluster-slots', String(d.slots.length), '--cluster-yes']);
    expect(back.code, back.out.slice(-2000)).toBe(0);
    expect(d.slots).toEqual([]);
    for (const gone of [e, d]) {
      const del = await cli(['--cluster', 'del-node', addr(a), gone.id]);
      expect(del.code, del.out).toBe(0);
      expect(del.out).toContain('Sending CLUSTER RESET SOFT to the deleted node.');
    }
    const nodes = await cli(['-p', String(b.port), 'CLUSTER', 'NODES']);
    expect(nodes.out.trim().split('\n')).toHaveLength(3);
    const alone = await cli(['-p', String(d.port), 'CLUSTER', 'INFO']);
    expect(alone.out).toContain('cluster_known_nodes:1');
    expect(e.redkit.db().keys()).toEqual([]);
    const final = await cli(['--cluster', 'check', addr(b)]);
    expect(final.out).toContain('[OK] All 16384 slots covered.');
    expect(final.out).not.toMatch(/\[ERR\]|\[WARNING\]/);
    const io2 = new Redis.Cluster([{ host: b.host, port: b.port }]);
    for (let i = 0; i < 500; i += 7) expect(await io2.get(`k:${i}`)).toBe(String(i));
    io2.disconnect();
  });
});
