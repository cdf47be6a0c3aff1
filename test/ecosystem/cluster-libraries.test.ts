/**
 * The libraries over an in-process RedKit cluster (3 masters, 1 replica each):
 * ioredis Cluster and node-redis createCluster under redlock,
 * rate-limiter-flexible, keyv, and the socket.io sharded adapter, whose
 * SSUBSCRIBE/SPUBLISH channels hash to different nodes.
 *
 * RedKit only (skipped with REDKIT_ECOSYSTEM_TARGET=redis: the redis target is
 * a single server, not a cluster).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { createCluster } from 'redis';
import Redlock, { ExecutionError } from 'redlock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { startRedKitCluster, type RedKitCluster } from '../../src/index.js';
import { isRedKit } from './target.js';

const waitFor = <T>(fn: () => T | Promise<T>) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

describe.runIf(isRedKit)('libraries over a RedKit cluster', () => {
  let cluster: RedKitCluster;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    cluster = await startRedKitCluster({ masters: 3, replicasPerMaster: 1 });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await cluster.reset();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  function ioCluster() {
    const c = new Redis.Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 3 } });
    cleanups.push(() => c.disconnect());
    return c;
  }

  async function nrCluster() {
    const c = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
    c.on('error', () => {});
    await c.connect();
    cleanups.push(() => c.close().catch(() => undefined));
    return c;
  }

  it('redlock: locks on keys of different nodes', async () => {
    const rl = new Redlock([ioCluster()], { retryCount: 0 });
    const resources = ['lock:a', 'lock:b', 'lock:c', 'lock:d', 'lock:e', 'lock:f'];
    expect(new Set(resources.map((k) => cluster.nodeFor(k).id)).size).toBeGreaterThan(1);
    const locks = await Promise.all(resources.map((r) => rl.acquire([r], 10_000)));
    for (const [i, r] of resources.entries()) expect(cluster.nodeFor(r).redkit.db().get(r)).toBe(locks[i].value);
    await expect(rl.acquire(['lock:a'], 10_000)).rejects.toBeInstanceOf(ExecutionError);
    await Promise.all(locks.map((l) => l.release()));
    for (const r of resources) expect(cluster.nodeFor(r).redkit.db().exists(r)).toBe(false);
  });

  it('rate-limiter-flexible with ioredis Cluster and node-redis createCluster', async () => {
    for (const [storeClient, useRedisPackage] of [
      [ioCluster(), false],
      [await nrCluster(), true],
    ] as const) {
      const rl = new RateLimiterRedis({ storeClient, useRedisPackage, keyPrefix: `rl${useRedisPackage ? 'n' : 'i'}`, points: 2, duration: 60 });
      for (const ip of ['1', '2', '3', '4']) {
        await rl.consume(ip);
        await rl.consume(ip);
        const refused = await rl.consume(ip).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RateLimiterRes);
      }
      const key = `rl${useRedisPackage ? 'n' : 'i'}:1`;
      expect(cluster.nodeFor(key).redkit.db().get(key)).toBe('3');
    }
  });

  it('keyv over node-redis createCluster: set/get across slots, clear on every master', async () => {
    // @keyv/redis types its cluster client without node-redis 5's default modules
    const store = new KeyvRedis((await nrCluster()) as unknown as ConstructorParameters<typeof KeyvRedis>[0]);
    const kv = new Keyv({ store, namespace: 'ns', useKeyPrefix: false });
    store.namespace = 'ns';
    for (let i = 0; i < 30; i++) await kv.set(`k${i}`, i);
    expect(await kv.getMany(['k0', 'k1', 'k29', 'missing'])).toEqual([0, 1, 29, undefined]);
    const holders = new Set(Array.from({ length: 30 }, (_, i) => cluster.nodeFor(`ns::k${i}`).id));
    expect(holders.size).toBe(3);
    await kv.clear();
    for (let i = 0; i < 30; i++) expect(await kv.get(`k${i}`)).toBeUndefined();
  });

  it('socket.io sharded adapter over createCluster: rooms on channels of different nodes', async () => {
    async function startNode() {
      const pub = await nrCluster();
      const sub = pub.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      // node-redis 5's cluster destroys a node's pub/sub client when its last
      // sharded channel goes; two SUNSUBSCRIBEs in flight to one node (the
      // adapter closing) destroy it twice, and the second rejects "The client
      // is closed" where the adapter does not catch it (a client-side race,
      // whatever the server)
      const sUnsubscribe = sub.sUnsubscribe.bind(sub);
      sub.sUnsubscribe = ((...args: Parameters<typeof sUnsubscribe>) => sUnsubscribe(...args).catch(() => undefined)) as typeof sub.sUnsubscribe;
      cleanups.push(() => sub.close().catch(() => undefined));
      const http = createServer();
      const io = new Server(http, { adapter: createShardedAdapter(pub, sub) });
      io.on('connection', (s) => s.on('join', (room: string, ack: () => void) => void Promise.resolve(s.join(room)).then(ack)));
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        // let the rooms go (their SUNSUBSCRIBEs) before the clients close
        io.disconnectSockets(true);
        await waitFor(() => expect(io.of('/').adapter.rooms.size).toBe(0));
        await new Promise<void>((resolve) => io.close(() => resolve()));
      });
      return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    }
    async function connect(url: string): Promise<ClientSocket> {
      const s = connectClient(url, { transports: ['websocket'], forceNew: true });
      cleanups.push(() => s.disconnect());
      await new Promise<void>((resolve) => s.once('connect', resolve));
      return s;
    }
    const a = await startNode();
    const b = await startNode();
    await waitFor(async () => expect(await a.io.of('/').adapter.serverCount()).toBe(2));
    const rooms = ['room:red', 'room:green', 'room:blue', 'room:gold'];
    const channels = rooms.map((r) => `socket.io#/#${r}#`);
    expect(new Set(channels.map((c) => cluster.nodeFor(c).id)).size).toBeGreaterThan(1);
    const client = await connect(b.url);
    for (const r of rooms) await client.emitWithAck('join', r);
    // each room's channel is subscribed on the node that owns its slot
    await waitFor(async () => {
      for (const ch of channels) {
        const node = cluster.nodeFor(ch);
        const direct = new Redis(node.port, node.host);
        try {
          expect(await direct.call('PUBSUB', 'SHARDNUMSUB', ch)).toEqual([ch, 1]);
        } finally {
          direct.disconnect();
        }
      }
    });
    const got: string[] = [];
    client.on('msg', (room: string) => got.push(room));
    for (const r of rooms) a.io.to(r).emit('msg', r);
    await waitFor(() => expect([...got].sort()).toEqual([...rooms].sort()));
    // a broadcast to everyone goes on the namespace's channel
    const all = new Promise((resolve) => client.once('all', resolve));
    a.io.emit('all', 'x');
    expect(await all).toBe('x');
  });
});
