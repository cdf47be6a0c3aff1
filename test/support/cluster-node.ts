/**
 * One redis-server 7.0 started with --cluster-enabled yes and one RedKit
 * server in cluster mode, each a lone node with no slots (as a node that met
 * no other: empty ip), for differential tests of the CLUSTER command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createServer, startRedKitCluster, type RedKitCluster, type RedKitServer } from '../../src/index.js';
import { enableCluster, newNodeId, Topology } from '../../src/cluster/state.js';
import { RawClient } from './raw-client.js';
import { freePort, startRedisServer, type RedisProcess } from './redis-server.js';

export interface ClusterNodes {
  redis: RedisProcess;
  redkit: RedKitServer;
  /** A temporary directory holding redis-server's nodes.conf. */
  dir: string;
  /** CLUSTER MYID of each. */
  rid: string;
  kid: string;
  /** A connection to each, after HELLO 3 when `proto` is 3. */
  clients(proto: 2 | 3): Promise<{ r: RawClient; k: RawClient }>;
  stop(): Promise<void>;
}

function bulk(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

export async function startClusterNodes(prefix: string): Promise<ClusterNodes> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // The cluster bus would be port + 10000 (past 65535 for an ephemeral port): give it its own.
  const redis = await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-port', String(await freePort())]);
  const redkit = createServer({ logger: 'error' });
  enableCluster(redkit, new Topology(), { id: newNodeId(), host: '', port: 0, role: 'master', masterId: null, configEpoch: 0, failed: false, createdAt: 0 });
  await redkit.listen(0);
  (redkit.ext.cluster as { me: { port: number } }).me.port = redkit.port;
  const r = await RawClient.connect(redis.port);
  const k = await RawClient.connect(redkit.port);
  const rid = bulk(await r.call('CLUSTER', 'MYID'));
  const kid = bulk(await k.call('CLUSTER', 'MYID'));
  r.close();
  k.close();
  return {
    redis,
    redkit,
    dir,
    rid,
    kid,
    async clients(proto) {
      const r = await RawClient.connect(redis.port);
      const k = await RawClient.connect(redkit.port);
      if (proto === 3) for (const c of [r, k]) await c.call('HELLO', '3');
      return { r, k };
    },
    async stop() {
      await redkit.close();
      redkit.dispose();
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Both nodes serve slots 0-5460 and 9000, 9001, 9003 (with cluster-require-full-coverage no), and
 * redis-server has declared the cluster ok (a master waits a little before it does).
 */
export async function serveTestSlots(nodes: ClusterNodes): Promise<void> {
  const r = await RawClient.connect(nodes.redis.port);
  const k = await RawClient.connect(nodes.redkit.port);
  try {
    for (const c of [r, k]) {
      for (const cmd of [
        ['CONFIG', 'SET', 'cluster-require-full-coverage', 'no'],
        ['CLUSTER', 'ADDSLOTSRANGE', '0', '5460'],
        ['CLUSTER', 'ADDSLOTS', '9000', '9001', '9003'],
      ]) {
        const reply = await c.call(...cmd);
        if (reply !== '+OK\r\n') throw new Error(`${cmd.join(' ')} answered ${JSON.stringify(reply)}`);
      }
    }
    for (let i = 0; i < 100; i++) {
      if ((await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    r.close();
    k.close();
  }
}

/**
 * The in-process RedKit cluster of a test file (3 masters, one replica each): started before its
 * tests, stopped after them, reset before each; `set` receives it once started.
 */
export function useRedKitCluster(set: (c: RedKitCluster) => void): void {
  let cluster: RedKitCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedKitCluster({ masters: 3, replicasPerMaster: 1 });
    set(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    await cluster!.reset();
  });
}

/** An ioredis Cluster client on `cluster` (3 tries per request, 20 ms between cluster retries). */
export function ioredisCluster(cluster: RedKitCluster): InstanceType<typeof Redis.Cluster> {
  return new Redis.Cluster(cluster.startupNodes, { lazyConnect: false, redisOptions: { maxRetriesPerRequest: 3 }, clusterRetryStrategy: () => 20 });
}
