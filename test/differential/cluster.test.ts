/**
 * Cluster mode against a real redis-server 7.0 started with
 * --cluster-enabled yes (one node, slots assigned with CLUSTER ADDSLOTS):
 * CLUSTER replies and errors, redirection errors a single node can show
 * (CLUSTERDOWN, CROSSSLOT, ASK), SELECT refusal, ASKING/READONLY, INFO cluster.
 * Node ids and ports differ between the two servers and are normalised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedKitServer } from '../../src/index.js';
import { serveTestSlots, startClusterNodes, type ClusterNodes } from '../support/cluster-node.js';
import { RawClient } from '../support/raw-client.js';
import type { RedisProcess } from '../support/redis-server.js';

let redis: RedisProcess;
let redkit: RedKitServer;
let nodes: ClusterNodes;
let rid = '';
let kid = '';

beforeAll(async () => {
  nodes = await startClusterNodes('redkit-cluster-');
  ({ redis, redkit, rid, kid } = nodes);
  await serveTestSlots(nodes);
}, 20_000);

afterAll(async () => {
  await nodes?.stop();
});

/** Replace the node id and port of each server by placeholders (same byte lengths kept apart). */
function normalise(bytes: string, id: string, port: number): string {
  return bytes.split(id).join('<ID>').split(String(port)).join('<PORT>').replace(/@\d+/g, '@<BUSPORT>');
}

const clients = (proto: 2 | 3): Promise<{ r: RawClient; k: RawClient }> => nodes.clients(proto);

async function same(r: RawClient, k: RawClient, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) {
    const rc = cmd.map((a) => a.replace('$ID', rid));
    const kc = cmd.map((a) => a.replace('$ID', kid));
    const [a, b] = await Promise.all([r.call(...rc), k.call(...kc)]);
    expect(normalise(b, kid, redkit.port), `reply to: ${cmd.join(' ')}`).toBe(normalise(a, rid, redis.port));
  }
}

for (const proto of [2, 3] as const) {
  describe(`cluster mode (RESP${proto})`, () => {
    it('CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['CLUSTER', 'KEYSLOT', 'foo'],
        ['CLUSTER', 'KEYSLOT', '{user1000}.following'],
        ['CLUSTER', 'KEYSLOT', '{}x'],
        ['CLUSTER', 'KEYSLOT', 'a{b'],
        ['CLUSTER', 'KEYSLOT', 'a}{b}'],
        ['CLUSTER', 'KEYSLOT', '\xff\x00\x80é'],
        ['CLUSTER', 'KEYSLOT', ''],
        ['SET', '{a}1', 'x'],
        ['SET', '{a}2', 'y'],
        ['SET', '{a}3', 'z'],
        ['CLUSTER', 'COUNTKEYSINSLOT', '15495'],
        ['CLUSTER', 'COUNTKEYSINSLOT', '0'],
        ['CLUSTER', 'COUNTKEYSINSLOT', '16384'],
        ['CLUSTER', 'COUNTKEYSINSLOT', '-1'],
        ['CLUSTER', 'COUNTKEYSINSLOT', 'x'],
        ['CLUSTER', 'GETKEYSINSLOT', '15495', '10'],
        ['CLUSTER', 'GETKEYSINSLOT', '15495', '0'],
        ['CLUSTER', 'GETKEYSINSLOT', '1', '-1'],
        ['CLUSTER', 'GETKEYSINSLOT', '16384', '1'],
        ['CLUSTER', 'GETKEYSINSLOT', 'x', '1'],
        ['CLUSTER', 'GETKEYSINSLOT', '1', 'x'],
        ['CLUSTER', 'KEYSLOT'],
      ]);
      r.close();
      k.close();
    });

    it('redirection errors, SELECT, ASKING, READONLY, READWRITE', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['SET', 'foo', 'bar'], // slot 12182: not served
        ['GET', 'foo'],
        ['MGET', '{a}1', 'foo'],
        ['MGET', '{a}1', '{a}2'],
        ['SET', 'a', '1'], // slot 15495? no: 'a' is 15495
        ['MSET', 'x', '1', 'y', '2'],
        ['SET', '{a}x', '1'],
        ['MSET', '{a}x', '1', '{a}y', '2'],
        ['DEL', '{a}x', '{b}x'],
        ['SELECT', '1'],
        ['SELECT', '0'],
        ['SELECT', 'x'],
        ['READONLY'],
        ['READWRITE'],
        ['ASKING'],
        ['PING'],
        ['MULTI'],
        ['SET', 'foo', '1'],
        ['SET', '{a}x', '2'],
        ['EXEC'],
        ['MULTI'],
        ['SET', '{a}x', '3'],
        ['EXEC'],
        ['GET', '{a}x'],
        // EXEC checks its queued commands together: across slots it answers CROSSSLOT and ends MULTI.
        ['MULTI'],
        ['SET', '{06S}', '1'],
        ['SET', 'bar', '2'],
        ['EXEC'],
        ['PING'],
        ['EXEC'],
        ['MULTI'],
        ['SET', 'bar', '1'],
        ['GET', 'bar'],
        ['EXEC'],
        ['DEL', 'bar', '{06S}'],
      ]);
      r.close();
      k.close();
    });

    it('ASK while a slot is migrating and the key is missing', async () => {
      const { r, k } = await clients(proto);
      // Slot of {a} is 15495: not ours. Use slot 9001's key: find one with KEYSLOT.
      await same(r, k, [
        ['FLUSHALL'],
        ['CLUSTER', 'SETSLOT', '0', 'MIGRATING', '$ID'],
        ['SET', '{06S}', 'v'],
        ['GET', '{06S}'],
        ['CLUSTER', 'KEYSLOT', '{06S}'],
        ['GET', 'missing{06S}'],
        ['MGET', '{06S}', 'missing{06S}'],
        ['CLUSTER', 'SETSLOT', '0', 'STABLE'],
        ['GET', 'missing{06S}'],
        ['DEL', '{06S}'],
      ]);
      r.close();
      k.close();
    });

    it('CLUSTER INFO, NODES, SLOTS, SHARDS, LINKS, MYID, REPLICAS, HELP, INFO cluster', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['CLUSTER', 'INFO'],
        ['CLUSTER', 'NODES'],
        ['CLUSTER', 'SLOTS'],
        ['CLUSTER', 'SHARDS'],
        ['CLUSTER', 'LINKS'],
        ['CLUSTER', 'MYID'],
        ['CLUSTER', 'REPLICAS', '$ID'],
        ['CLUSTER', 'SLAVES', '$ID'],
        ['CLUSTER', 'REPLICAS', 'nosuchnode'],
        ['CLUSTER', 'REPLICAS'],
        ['CLUSTER', 'COUNT-FAILURE-REPORTS', '$ID'],
        ['CLUSTER', 'COUNT-FAILURE-REPORTS', 'nosuchnode'],
        ['CLUSTER', 'HELP'],
        ['CLUSTER', 'NOSUCH'],
        ['INFO', 'cluster'],
      ]);
      r.close();
      k.close();
    });

    it('ADDSLOTS / DELSLOTS / SETSLOT / RESET / FLUSHSLOTS / FAILOVER errors', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['CLUSTER', 'ADDSLOTS', '0'],
        ['CLUSTER', 'ADDSLOTS', '16384'],
        ['CLUSTER', 'ADDSLOTS', '-1'],
        ['CLUSTER', 'ADDSLOTS', 'abc'],
        ['CLUSTER', 'ADDSLOTS', '9002', '9002'],
        ['CLUSTER', 'ADDSLOTS', '9002', '0'],
        ['CLUSTER', 'ADDSLOTSRANGE', '10', '5'],
        ['CLUSTER', 'ADDSLOTSRANGE', '0', '1'],
        ['CLUSTER', 'ADDSLOTSRANGE', '0', '1', '2'],
        ['CLUSTER', 'ADDSLOTSRANGE', '9002', '9002', '9002', '9002'],
        ['CLUSTER', 'DELSLOTS', '16000'],
        ['CLUSTER', 'DELSLOTSRANGE', '16000', '16001'],
        ['CLUSTER', 'DELSLOTSRANGE', '1', '0'],
        ['CLUSTER', 'DELSLOTSRANGE', '1'],
        ['CLUSTER', 'ADDSLOTS', '9002'],
        ['CLUSTER', 'DELSLOTS', '9002'],
        ['CLUSTER', 'ADDSLOTSRANGE', '9002', '9002', '10000', '10002'],
        ['CLUSTER', 'DELSLOTSRANGE', '9002', '9002', '10000', '10002'],
        ['CLUSTER', 'SETSLOT', '99999', 'STABLE'],
        ['CLUSTER', 'SETSLOT', 'x', 'STABLE'],
        ['CLUSTER', 'SETSLOT', '1', 'NODE', 'x'],
        ['CLUSTER', 'SETSLOT', '1', 'MIGRATING', 'x'],
        ['CLUSTER', 'SETSLOT', '1', 'IMPORTING', 'x'],
        ['CLUSTER', 'SETSLOT', '6000', 'MIGRATING', '$ID'],
        ['CLUSTER', 'SETSLOT', '6000', 'IMPORTING', 'x'],
        ['CLUSTER', 'SETSLOT', '1', 'FOO'],
        ['CLUSTER', 'SETSLOT', '1', 'STABLE', 'x'],
        ['CLUSTER', 'SETSLOT', '1', 'NODE'],
        ['CLUSTER', 'SETSLOT', '1'],
        ['CLUSTER', 'SETSLOT', '1', 'NODE', '$ID'],
        ['SET', '{06S}', 'v'],
        ['CLUSTER', 'FLUSHSLOTS'],
        ['CLUSTER', 'RESET'],
        ['CLUSTER', 'RESET', 'FOO'],
        ['CLUSTER', 'RESET', 'HARD', 'X'],
        ['CLUSTER', 'FAILOVER'],
        ['CLUSTER', 'FAILOVER', 'FOO'],
        ['CLUSTER', 'FAILOVER', 'FORCE'],
        ['CLUSTER', 'FAILOVER', 'force', 'x'],
        ['cluster', 'Reset', 'soft', 'x'],
        ['DEL', '{06S}'],
      ]);
      r.close();
      k.close();
    });
  });
}

describe('without cluster mode', () => {
  it('CLUSTER, ASKING, READONLY, READWRITE answer as a standalone redis-server', async () => {
    const { startPair, expectSame } = await import('../support/differential.js');
    const pair = await startPair();
    try {
      for (const proto of [2, 3] as const) {
        const { r, k } = await pair.clients(proto);
        await expectSame(r, k, [
          ['CLUSTER', 'INFO'],
          ['CLUSTER', 'HELP'],
          ['CLUSTER', 'KEYSLOT', 'a'],
          ['CLUSTER', 'KEYSLOT'],
          ['CLUSTER', 'MYID', 'x'],
          ['CLUSTER', 'FOO'],
          ['CLUSTER'],
          ['ASKING'],
          ['READONLY'],
          ['READWRITE'],
          ['INFO', 'cluster'],
          ['SELECT', '1'],
        ]);
      }
    } finally {
      await pair.stop();
    }
  });
});
