/**
 * A script's commands in cluster mode (scriptVerifyClusterState) against a real
 * redis-server 7.0 started with --cluster-enabled yes: one node serving slots
 * 0-5460 and 9000, 9001, 9003 (keys of other slots are "non local"). EVAL,
 * EVALSHA and FCALL with redis.call / redis.pcall on local and non-local keys,
 * two local slots with and without allow-cross-slot-keys (a shebang script or a
 * function keeps to one slot, for the whole top-level command: EXEC too), a
 * cluster down (reads allowed or not), in RESP2 and RESP3.
 *
 * Slots: b 3300, k2 449, k3 4576 (local); a 15495, foo 12182 (not served).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedKitServer } from '../../src/index.js';
import { serveTestSlots, startClusterNodes, type ClusterNodes } from '../support/cluster-node.js';
import { RawClient } from '../support/raw-client.js';
import type { RedisProcess } from '../support/redis-server.js';

let redis: RedisProcess;
let redkit: RedKitServer;
let nodes: ClusterNodes;

async function waitState(c: RawClient, state: 'ok' | 'fail'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await c.call('CLUSTER', 'INFO')).includes(`cluster_state:${state}`)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

beforeAll(async () => {
  nodes = await startClusterNodes('redkit-cluster-script-');
  ({ redis, redkit } = nodes);
  await serveTestSlots(nodes);
}, 20_000);

afterAll(async () => {
  await nodes?.stop();
});

const clients = (proto: 2 | 3): Promise<{ r: RawClient; k: RawClient }> => nodes.clients(proto);

async function same(r: RawClient, k: RawClient, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) {
    const [a, b] = await Promise.all([r.call(...cmd), k.call(...cmd)]);
    expect(b, `reply to: ${cmd.join(' ')}`).toBe(a);
  }
}

const SETB = "return redis.call('set','b','1')";
const SETA = "return redis.call('set','a','1')";
const TWO = "redis.call('set','b','1'); return redis.call('set','k2','2')";
const LIB = [
  '#!lua name=cl',
  "redis.register_function('two', function(keys, args) redis.call('set', 'b', '1'); return redis.call('set', 'k2', '2') end)",
  "redis.register_function{function_name='twox', callback=function(keys, args) redis.call('set', 'b', '1'); return redis.call('set', 'k2', '2') end, flags={'allow-cross-slot-keys'}}",
  "redis.register_function('far', function(keys, args) return redis.call('get', 'a') end)",
  "redis.register_function('farp', function(keys, args) local e = redis.pcall('get', 'a'); return {e['err'], redis.call('get', keys[1])} end)",
  "redis.register_function{function_name='rd', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
  "redis.register_function{function_name='nc', callback=function(keys, args) return 1 end, flags={'no-cluster'}}",
].join('\n');

for (const proto of [2, 3] as const) {
  describe(`scripts in cluster mode (RESP${proto})`, () => {
    it('local and non-local keys: EVAL, EVALSHA, redis.call and redis.pcall', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['SCRIPT', 'FLUSH'],
        ['EVAL', SETB, '0'],
        ['EVAL', SETA, '0'],
        ['EVAL', "return redis.pcall('set','a','1')", '0'],
        ['EVAL', "local e = redis.pcall('get','foo'); return {e['err'], redis.call('get','b')}", '0'],
        ['EVAL', "return redis.call('get','b')", '1', 'b'],
        ['EVAL', "return redis.call('get','b')", '1', 'a'], // the EVAL itself: CLUSTERDOWN
        ['EVAL', 'return 1', '2', 'b', 'k2'], // CROSSSLOT for the EVAL
        ['EVAL', "return redis.call('mget','b','k2')", '0'], // one command across slots
        ['EVAL', "return redis.pcall('mset','b','1','k2','2')", '0'],
        ['EVAL', "return redis.call('mget','{a}1','{a}2')", '0'],
        ['EVAL', "return redis.call('ping')", '0'],
        ['EVAL', "return redis.call('dbsize')", '0'],
        ['EVAL', "redis.call('set','k3','x'); return redis.call('del','a')", '0'], // the first write ran
        ['GET', 'k3'],
        ['SCRIPT', 'LOAD', SETA],
        ['EVALSHA', '67ed14c1cb086d8c2fcf91ebe13410ba087fd0f8', '0'],
        ['EVALSHA_RO', '67ed14c1cb086d8c2fcf91ebe13410ba087fd0f8', '0'],
        ['EVAL_RO', "return redis.call('get','a')", '0'],
        ['EVAL_RO', "return redis.call('get',KEYS[1])", '1', 'b'],
        ['INFO', 'errorstats'],
      ]);
      r.close();
      k.close();
    });

    it('two local slots: EVAL without a shebang, shebang scripts with and without allow-cross-slot-keys', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['EVAL', TWO, '0'],
        ['EVAL', `#!lua\n${TWO}`, '0'],
        ['EVAL', `#!lua flags=allow-cross-slot-keys\n${TWO}`, '0'],
        ['EVAL', "#!lua\nreturn redis.call('set','k2','1')", '1', 'b'], // the declared key's slot counts
        ['EVAL', "#!lua\nreturn redis.call('set','b','1')", '1', 'b'],
        ['EVAL', "#!lua\nlocal x = redis.pcall('set','b','1'); local y = redis.pcall('get','k2'); return {x, y, redis.call('get','b'), redis.call('ping')}", '0'],
        ['EVAL', "#!lua\nreturn redis.call('get','a')", '0'],
        ['EVAL', '#!lua flags=no-cluster\nreturn 1', '0'],
        ['EVAL_RO', '#!lua flags=no-cluster\nreturn 1', '0'],
        ['EVAL', '#!lua flags=no-cluster,no-writes\nreturn 1', '5'],
        ['EVAL', "#!lua flags=no-writes\nreturn {redis.call('get','b'), redis.pcall('get','k2')}", '0'],
        // The slot is kept for the whole EXEC: the second script is refused.
        ['MULTI'],
        ['EVAL', "#!lua\nreturn redis.call('set','b','1')", '0'],
        ['EVAL', "#!lua\nreturn redis.call('set','k2','1')", '0'],
        ['EXEC'],
        ['EVAL', "#!lua\nreturn redis.call('set','k2','1')", '0'], // a new command: a new slot
        ['MULTI'],
        ['EVAL', `#!lua flags=allow-cross-slot-keys\n${TWO}`, '0'],
        ['EVAL', TWO, '0'],
        ['EXEC'],
      ]);
      r.close();
      k.close();
    });

    it('FCALL: functions with and without allow-cross-slot-keys, non-local keys', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['FUNCTION', 'FLUSH'],
        ['FUNCTION', 'LOAD', LIB],
        ['FCALL', 'two', '0'],
        ['FCALL', 'twox', '0'],
        ['FCALL', 'two', '1', 'b'],
        ['FCALL', 'far', '0'],
        ['FCALL', 'farp', '1', 'b'],
        ['FCALL', 'rd', '1', 'b'],
        ['FCALL_RO', 'rd', '1', 'k2'],
        ['FCALL', 'rd', '1', 'foo'],
        ['FCALL', 'nc', '0'],
        ['FCALL_RO', 'nc', '0'],
        ['FUNCTION', 'FLUSH'],
      ]);
      r.close();
      k.close();
    });

    it('commands with movable keys are routed by their keys (EVAL numkeys, ZUNION, SORT STORE, XREAD)', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [
        ['FLUSHALL'],
        ['EVAL', 'return 1', '1', 'foo'],
        ['EVAL', 'return 1', '-1'],
        ['EVAL', 'return 1', '3', 'b'],
        ['EVAL', 'return 1', 'x', 'b'],
        ['EVAL_RO', 'return 1', '2', 'b', 'foo'],
        ['FCALL', 'nosuch', '1', 'foo'],
        ['FCALL_RO', 'nosuch', '1', 'b'],
        ['ZUNION', '2', 'b', 'k2'],
        ['ZUNION', '1', 'foo'],
        ['ZUNION', '1', 'b'],
        ['ZUNIONSTORE', 'b', '1', 'foo'],
        ['SORT', 'b', 'STORE', 'foo'],
        ['SORT', 'b', 'STORE', 'b'],
        ['XREAD', 'STREAMS', 'b', 'foo', '0', '0'],
        ['XREAD', 'STREAMS', 'foo', '0'],
        ['LMPOP', '2', 'b', 'k2', 'LEFT'],
        ['LMPOP', '1', 'a', 'LEFT'],
        ['SINTERCARD', '2', 'b', '{a}'],
        ['MIGRATE', '127.0.0.1', '1', '', '0', '10', 'KEYS', 'b', 'k2'],
      ]);
      r.close();
      k.close();
    });

    it('a cluster down: reads refused, or allowed with cluster-allow-reads-when-down', async () => {
      const { r, k } = await clients(proto);
      await same(r, k, [['FLUSHALL'], ['SET', 'b', 'v']]);
      // Redis updates its state when the slots change: DELSLOTS + ADDSLOTS with full coverage required.
      for (const c of [r, k]) {
        await c.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'yes');
        await c.call('CLUSTER', 'DELSLOTS', '9003');
        await c.call('CLUSTER', 'ADDSLOTS', '9003');
      }
      await waitState(r, 'fail');
      try {
        await same(r, k, [
          ['EVAL', "return redis.call('get','b')", '0'],
          ['EVAL', "return redis.pcall('set','b','1')", '0'],
          ['EVAL', "return redis.call('ping')", '0'],
        ]);
        for (const c of [r, k]) await c.call('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes');
        await same(r, k, [
          ['EVAL', "return redis.call('get','b')", '0'],
          ['EVAL', "return redis.pcall('set','b','1')", '0'],
          ['EVAL', "return redis.call('set','b','1')", '0'],
          ['EVAL', "return redis.call('get','a')", '0'],
        ]);
      } finally {
        for (const c of [r, k]) {
          await c.call('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no');
          await c.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'no');
        }
        await waitState(r, 'ok');
      }
      await same(r, k, [['EVAL', "return redis.call('get','b')", '0']]);
      r.close();
      k.close();
    });
  });
}
