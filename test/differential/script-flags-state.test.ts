/**
 * Script flags against the server's state, against redis-server 7.0.15 (issue #12): Redis's
 * scriptPrepareForRun / scriptVerifyOOM / evalGetCommandFlags.
 *   - over maxmemory (`maxmemory 1`: every server is over it whatever its memory model), a
 *     script's first denyoom command before any write is refused with the script error;
 *   - a shebang script's / a function's flags are the command's flags at dispatch: without
 *     no-writes it is a write, without no-writes or allow-oom it is denyoom (plain -OOM before it
 *     runs, EXECABORT for an EXEC that queued it, -READONLY on a read-only replica);
 *   - the checks before a run, reached where the dispatch did not know the script (an EVALSHA or
 *     FCALL queued in MULTI before the script or the function existed): allow-oom, writes on a
 *     read-only replica, and no-cluster in cluster mode.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { sha1hex } from '../../src/scripting/engine.js';
import { decode, expectSame, startPair, usePair, type Cmd, type Pair } from '../support/differential.js';
import { RawClient } from '../support/raw-client.js';
import { liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { startClusterNodes, type ClusterNodes } from '../support/cluster-node.js';

const LIB = [
  '#!lua name=flaglib',
  "redis.register_function('fw', function() return redis.call('set', 'fk', 'v') end)",
  "redis.register_function{function_name='fr', callback=function() return redis.call('get', 'fk') end, flags={'no-writes'}}",
  "redis.register_function{function_name='fo', callback=function() return redis.call('set', 'fk', 'o') end, flags={'allow-oom'}}",
  "redis.register_function{function_name='fc', callback=function() return 1 end, flags={'no-writes', 'no-cluster'}}",
].join('\n');

const SHEBANG = '#!lua\nreturn 1';
const NO_WRITES = '#!lua flags=no-writes\nreturn redis.call("get", "a")';
const ALLOW_OOM = '#!lua flags=allow-oom\nreturn redis.call("set", "a", "oom")';

const OOM_ON: Cmd = ['CONFIG', 'SET', 'maxmemory', '1'];
const OOM_OFF: Cmd = ['CONFIG', 'SET', 'maxmemory', '0'];

describe('script flags over maxmemory', () => {
  let pair: Pair;
  usePair((p) => (pair = p), [['CONFIG', 'SET', 'maxmemory', '0'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH']], { flush: true });

  for (const proto of [2, 3] as const) {
    it(`a script's first denyoom command is refused, pcall too; writes after a write go on; RESP${proto}`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['SET', 'a', '1'],
        ['CONFIG', 'RESETSTAT'],
        OOM_ON,
        ['EVAL', "return redis.call('set','a','b')", '0'],
        ['EVAL', "return redis.pcall('set','a','b')", '0'],
        ['EVAL', "local ok = redis.pcall('set','a','b')\nreturn {ok['err'], redis.call('get', 'a')}", '0'],
        ['EVAL', "local v = redis.call('get','a')\nreturn redis.call('set','a',v .. 'x')", '0'],
        ['EVAL', "redis.call('get','a')\n\nredis.call('incr','n')", '0'],
        // not denyoom: a DEL runs, and after a write the script may go on with denyoom commands
        ['EVAL', "redis.call('del','zz')\nreturn redis.call('set','a','after-del')", '0'],
        ['EVAL', "return redis.call('del','a')", '0'],
        ['EVALSHA', sha1hex("return redis.call('set','a','b')"), '0'],
        ['EVAL_RO', "return redis.call('get','a')", '0'],
        ['GET', 'a'],
        OOM_OFF,
        ['EVAL', "return redis.call('set','a','b')", '0'],
        ['INFO', 'errorstats'],
        { cmd: ['INFO', 'commandstats'], normalize: (b) => (/cmdstat_set:[^\r]*/.exec(b)?.[0] ?? '').replace(/usec=\d+,usec_per_call=[\d.]+,/, '') },
        { cmd: ['INFO', 'stats'], normalize: (b) => /rejected_calls:\d+/.exec(b)?.[0] },
      ]);
    });

    it(`a shebang script's flags at dispatch: EVAL, EVAL_RO, EVALSHA, FCALL, FCALL_RO; RESP${proto}`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['FUNCTION', 'LOAD', LIB],
        ['SCRIPT', 'LOAD', SHEBANG],
        ['SCRIPT', 'LOAD', NO_WRITES],
        ['SET', 'a', '1'],
        OOM_ON,
        ['EVAL', SHEBANG, '0'],
        ['EVAL', '#!lua\nreturn 2', '0'],
        ['EVAL_RO', '#!lua\nreturn 3', '0'],
        ['EVAL', NO_WRITES, '0'],
        ['EVAL_RO', NO_WRITES, '0'],
        ['EVAL', ALLOW_OOM, '0'],
        ['EVAL', '#!lua flags=allow-oom,no-writes\nreturn redis.call("set", "a", "b")', '0'],
        ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
        ['EVAL', 'return 1', '0'],
        ['EVALSHA', sha1hex(SHEBANG), '0'],
        ['EVALSHA', sha1hex(SHEBANG).toUpperCase(), '0'],
        ['EVALSHA', sha1hex(NO_WRITES), '0'],
        ['EVALSHA_RO', sha1hex(SHEBANG), '0'],
        ['EVALSHA', sha1hex('#!lua\nreturn 99'), '0'],
        ['FCALL', 'fw', '0'],
        ['FCALL_RO', 'fw', '0'],
        ['FCALL', 'fr', '0'],
        ['FCALL', 'fo', '0'],
        ['FCALL', 'nosuch', '0'],
        ['GET', 'a'],
        ['GET', 'fk'],
        { cmd: ['INFO', 'errorstats'], normalize: (b) => (b.match(/errorstat_\w+:count=\d+/g) ?? []).sort() },
        { cmd: ['INFO', 'stats'], normalize: (b) => /rejected_calls:\d+/.exec(b)?.[0] },
      ]);
    });

    it(`MULTI/EXEC: a queued shebang script aborts EXEC; a script the queue did not know meets the allow-oom check; RESP${proto}`, async () => {
      const { r, k } = await pair.clients(proto);
      const r2 = await RawClient.connect(pair.redis.port);
      const k2 = await RawClient.connect(pair.redkit.port);
      try {
        const both = async (cmd: Cmd) => expect(await k2.call(...cmd)).toBe(await r2.call(...cmd));
        await expectSame(r, k, [['MULTI'], ['EVAL', SHEBANG, '0'], ['EVAL', 'return 1', '0']]);
        await both(OOM_ON);
        await expectSame(r, k, [['EXEC']]);
        await both(OOM_OFF);
        await expectSame(r, k, [['MULTI'], ['EVAL', NO_WRITES, '0'], ['EVAL', "return redis.call('set','q','r')", '0'], ['EVAL', "return redis.call('get','q')", '0']]);
        await both(OOM_ON);
        await expectSame(r, k, [['EXEC']]);
        await both(OOM_OFF);
        // unknown when queued: the checks before the run answer
        const sha = sha1hex('#!lua\nreturn 11');
        await expectSame(r, k, [['MULTI'], ['EVALSHA', sha, '0'], ['FCALL', 'fw', '0'], ['FCALL', 'fo', '0'], ['EVALSHA', sha1hex(ALLOW_OOM), '0']]);
        await both(['SCRIPT', 'LOAD', '#!lua\nreturn 11']);
        await both(['SCRIPT', 'LOAD', ALLOW_OOM]);
        await both(['FUNCTION', 'LOAD', LIB]);
        await both(OOM_ON);
        await expectSame(r, k, [['EXEC'], ['GET', 'a'], ['GET', 'fk']]);
      } finally {
        r2.close();
        k2.close();
      }
    });
  }
});

describe('no-cluster in cluster mode', () => {
  let nodes: ClusterNodes;
  beforeAll(async () => {
    nodes = await startClusterNodes('redkit-scriptflags-');
  });
  afterAll(async () => nodes?.stop());

  for (const proto of [2, 3] as const) {
    it(`a no-cluster script or function is refused before it runs; RESP${proto}`, async () => {
      const r = await RawClient.connect(nodes.redis.port);
      const k = await RawClient.connect(nodes.redkit.port);
      try {
        if (proto === 3) {
          await r.call('HELLO', '3');
          await k.call('HELLO', '3');
        }
        await expectSame(r, k, [
          ['EVAL', '#!lua flags=no-cluster,no-writes\nreturn 1', '0'],
          ['EVAL', '#!lua flags=no-cluster\nreturn 1', '0'],
          ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
          ['FUNCTION', 'LOAD', 'REPLACE', LIB],
          ['FCALL', 'fc', '0'],
          ['FCALL_RO', 'fc', '0'],
          ['FUNCTION', 'FLUSH'],
        ]);
      } finally {
        r.close();
        k.close();
      }
    });
  }
});

/** A redis-server replica and a RedKit replica of one redis-server master (ports in the requests: live only). */
describe.skipIf(!liveOracle)('script flags on a read-only replica', () => {
  let master: RedisProcess;
  let replica: RedisProcess;
  let kr: RedKitServer;
  // a replica keeps the synced RDB as dump.rdb in its --dir: not in the working directory
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-script-flags-replica-'));
    master = await startRedisServer(['--dir', dir, '--dbfilename', 'master.rdb']);
    replica = await startRedisServer(['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)]);
    kr = createServer({ logger: 'error' });
    await kr.listen(0);
    const k = await RawClient.connect(kr.port);
    expect(await k.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    k.close();
    const m = await RawClient.connect(master.port);
    await m.call('FUNCTION', 'LOAD', LIB);
    await m.call('SET', 'a', '1');
    // both replicas in sync (WAIT 2 replicas)
    const end = Date.now() + 10000;
    while ((await m.call('WAIT', '2', '100')) !== ':2\r\n') {
      if (Date.now() > end) throw new Error('replicas did not connect');
    }
    m.close();
  });
  afterAll(async () => {
    await kr?.close();
    kr?.dispose();
    await replica?.stop();
    await master?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const proto of [2, 3] as const) {
    it(`a script with writes is refused, no-writes runs; RESP${proto}`, async () => {
      const r = await RawClient.connect(replica.port);
      const k = await RawClient.connect(kr.port);
      const r2 = await RawClient.connect(replica.port);
      const k2 = await RawClient.connect(kr.port);
      try {
        if (proto === 3) {
          await r.call('HELLO', '3');
          await k.call('HELLO', '3');
        }
        await expectSame(r, k, [
          ['SCRIPT', 'FLUSH'],
          ['EVAL', SHEBANG, '0'],
          ['EVAL', NO_WRITES, '0'],
          ['EVAL', 'return redis.call("get", "a")', '0'],
          ['EVAL', 'return redis.call("set", "a", "2")', '0'],
          ['FCALL', 'fw', '0'],
          ['FCALL', 'fr', '0'],
          ['FCALL_RO', 'fr', '0'],
          ['MULTI'],
          ['EVALSHA', sha1hex('#!lua\nreturn 12'), '0'],
          ['EVALSHA', sha1hex('#!lua flags=no-writes\nreturn 13'), '0'],
        ]);
        for (const body of ['#!lua\nreturn 12', '#!lua flags=no-writes\nreturn 13']) {
          expect(await k2.call('SCRIPT', 'LOAD', body)).toBe(await r2.call('SCRIPT', 'LOAD', body));
        }
        await expectSame(r, k, [['EXEC'], ['GET', 'a']]);
      } finally {
        for (const c of [r, k, r2, k2]) c.close();
      }
    });
  }
});

// Live only: a failed BGSAVE needs a removed directory (its path is in the requests).
describe.skipIf(!liveOracle)('script flags after a failed BGSAVE (MISCONF)', () => {
  let pair: Pair;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-scriptflags-'));
  beforeAll(async () => {
    pair = await startPair({ redisArgs: ['--enable-protected-configs', 'yes', '--dir', tmp], redkit: { config: { 'enable-protected-configs': 'yes', dir: tmp } } });
  });
  afterAll(async () => {
    await pair?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a script\'s write answers -MISCONF, a shebang script with writes is refused before it runs', async () => {
    const { r, k } = await pair.clients(2);
    const r2 = await RawClient.connect(pair.redis.port);
    const k2 = await RawClient.connect(pair.redkit.port);
    try {
      const gone = [fs.mkdtempSync(path.join(tmp, 'mis-')), fs.mkdtempSync(path.join(tmp, 'mis-'))];
      expect(await r.call('CONFIG', 'SET', 'dir', gone[0])).toBe('+OK\r\n');
      expect(await k.call('CONFIG', 'SET', 'dir', gone[1])).toBe('+OK\r\n');
      for (const d of gone) fs.rmSync(d, { recursive: true });
      await expectSame(r, k, [['CONFIG', 'SET', 'save', '3600 1'], ['SET', 'x', '1'], ['BGSAVE']]);
      for (const c of [r, k]) {
        let failed = false;
        for (let i = 0; i < 500 && !failed; i++) {
          const p = String(decode(await c.call('INFO', 'persistence')));
          failed = p.includes('rdb_bgsave_in_progress:0') && p.includes('rdb_last_bgsave_status:err');
          if (!failed) await new Promise((res) => setTimeout(res, 10));
        }
        expect(failed).toBe(true);
      }
      await expectSame(r, k, [
        ['EVAL', "return redis.call('set','x','2')", '0'],
        ['EVAL', "return redis.pcall('set','x','2')", '0'],
        ['EVAL', "return redis.call('get','x')", '0'],
        ['EVAL', SHEBANG, '0'],
        ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "x")', '0'],
        ['MULTI'],
        ['EVALSHA', sha1hex('#!lua\nreturn 14'), '0'],
        ['EVALSHA', sha1hex('#!lua flags=no-writes\nreturn 15'), '0'],
      ]);
      for (const body of ['#!lua\nreturn 14', '#!lua flags=no-writes\nreturn 15']) {
        expect(await k2.call('SCRIPT', 'LOAD', body)).toBe(await r2.call('SCRIPT', 'LOAD', body));
      }
      await expectSame(r, k, [['EXEC'], ['CONFIG', 'SET', 'save', ''], ['EVAL', "return redis.call('set','x','3')", '0'], ['GET', 'x']]);
    } finally {
      r2.close();
      k2.close();
    }
  });
});
