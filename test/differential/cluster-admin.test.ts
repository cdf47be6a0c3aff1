/**
 * The cluster-forming subcommands redis-cli --cluster create, add-node and
 * del-node use (MEET, REPLICATE, SET-CONFIG-EPOCH, BUMPEPOCH, SAVECONFIG,
 * FORGET, RESET) and MIGRATE from a node
 * in cluster mode (RESTORE-ASKING), against a redis-server 7.0 started with
 * --cluster-enabled yes. Node ids are random and ports chosen at run time, so
 * the requests cannot be replayed from recordings: live redis-server only.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedKitServer } from '../../src/index.js';
import { startClusterNodes, type ClusterNodes } from '../support/cluster-node.js';
import { okPerCommand, RawClient } from '../support/raw-client.js';
import { liveOracle, type RedisProcess } from '../support/redis-server.js';

describe.skipIf(!liveOracle)('cluster admin subcommands and MIGRATE in cluster mode', () => {
  let redis: RedisProcess;
  let redkit: RedKitServer;
  let nodes: ClusterNodes;
  let rid = '';
  let kid = '';
  const fakes: net.Server[] = [];

  beforeAll(async () => {
    nodes = await startClusterNodes('redkit-cluster-admin-');
    ({ redis, redkit, rid, kid } = nodes);
  }, 20_000);

  afterAll(async () => {
    for (const f of fakes) f.close();
    await nodes?.stop();
  });

  function bulk(b: string): string {
    return b.slice(b.indexOf('\r\n') + 2, -2);
  }

  async function same(cmds: string[][], proto: 2 | 3 = 2): Promise<void> {
    const r = await RawClient.connect(redis.port);
    const k = await RawClient.connect(redkit.port);
    if (proto === 3) for (const c of [r, k]) await c.call('HELLO', '3');
    for (const cmd of cmds) {
      const [a, b] = await Promise.all([r.call(...cmd.map((x) => x.replace('$ID', rid))), k.call(...cmd.map((x) => x.replace('$ID', kid)))]);
      expect(b.split(kid).join('<ID>'), `reply to: ${cmd.join(' ')}`).toBe(a.split(rid).join('<ID>'));
    }
    r.close();
    k.close();
  }

  it('SET-CONFIG-EPOCH, BUMPEPOCH, SAVECONFIG, REPLICATE, FORGET, RESET and MEET errors', async () => {
    await same([
      ['CLUSTER', 'SET-CONFIG-EPOCH', 'x'],
      ['CLUSTER', 'SET-CONFIG-EPOCH', '-1'],
      ['CLUSTER', 'SET-CONFIG-EPOCH', '5'],
      ['CLUSTER', 'SET-CONFIG-EPOCH', '6'],
      ['CLUSTER', 'BUMPEPOCH'],
      ['CLUSTER', 'BUMPEPOCH', 'x'],
      ['CLUSTER', 'SAVECONFIG'],
      ['CLUSTER', 'REPLICATE', 'nosuchnode'],
      ['CLUSTER', 'REPLICATE', '$ID'],
      ['CLUSTER', 'REPLICATE'],
      ['CLUSTER', 'FORGET', 'nosuchnode'],
      ['CLUSTER', 'FORGET', '$ID'],
      ['CLUSTER', 'FORGET'],
      ['CLUSTER', 'RESET', 'SOFT'],
      ['CLUSTER', 'BUMPEPOCH'],
      ['CLUSTER', 'RESET', 'HARD'],
      ['CLUSTER', 'BUMPEPOCH'],
      ['CLUSTER', 'RESET', 'MEDIUM'],
      ['CLUSTER', 'MEET', '127.0.0.1'],
      ['CLUSTER', 'MEET', 'not-an-ip', '7000'],
      ['CLUSTER', 'MEET', 'localhost', '7000'],
      ['CLUSTER', 'MEET', '127.0.0.1', 'x'],
      ['CLUSTER', 'MEET', '127.0.0.1', '0'],
      ['CLUSTER', 'MEET', '127.0.0.1', '70000'],
      ['CLUSTER', 'MEET', '127.0.0.1', '7000', 'y'],
      ['CLUSTER', 'MEET', '127.0.0.1', '7000', '0'],
      ['CLUSTER', 'MEET', '127.0.0.1', '60000', '70000'],
      ['CLUSTER', 'MEET', '127.0.0.1', '7000', '17000', 'extra'],
    ]);
    await same([['CLUSTER', 'BUMPEPOCH']], 3);
  });

  it('MIGRATE from a cluster node sends RESTORE-ASKING, and the same bytes', async () => {
    const sent: string[] = [];
    for (const src of [redis.port, redkit.port]) {
      const target = okPerCommand();
      const srv = net.createServer(target.serve);
      fakes.push(srv);
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      const port = (srv.address() as net.AddressInfo).port;
      const c = await RawClient.connect(src);
      await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      // A master waits a little before it declares the cluster ok.
      for (let i = 0; i < 100 && !(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) await new Promise((res) => setTimeout(res, 100));
      // 'a' and '{a}b' share slot 15495.
      await c.call('SET', 'a', '1');
      await c.call('RPUSH', '{a}b', 'x', 'y');
      const replies = [
        await c.call('MIGRATE', '127.0.0.1', String(port), '', '0', '1000', 'KEYS', 'a', '{a}b'),
        await c.call('MIGRATE', '127.0.0.1', String(port), 'a', '0', '1000'),
        await c.call('MIGRATE', '127.0.0.1', String(port), '', '0', '1000', 'KEYS', 'a', 'zzz'),
      ];
      await c.call('FLUSHALL');
      await c.call('CLUSTER', 'DELSLOTSRANGE', '0', '16383');
      c.close();
      sent.push(`${replies.join('')}${target.received().latin1Slice()}`);
    }
    expect(sent[1]).toBe(sent[0]);
    expect(sent[0]).toContain('RESTORE-ASKING');
  });
});
