/**
 * A stale replica (`replica-serve-stale-data no`, link with the master down) and a flagged script's
 * command flags, against redis-server 7.0.15 (issue #12): Redis's processCommand
 * (is_denystale_command, is_may_replicate_command), scriptPrepareForRun, scriptVerifyAllowStale,
 * evalGetCommandFlags / fcallGetCommandFlags / scriptFlagsToCmdFlags.
 *   - a replica of 127.0.0.1:1 (nothing listens there: the link is never up, and the requests are
 *     the same on every machine, so the goldens replay) serves only `stale` commands; a write on a
 *     read-only replica answers -READONLY first;
 *   - a shebang script or a function counts with its own flags instead of EVAL's / FCALL's
 *     (`allow-stale` → stale, no `no-writes` → write, neither → denyoom; never may-replicate), a
 *     plain EVAL / EVALSHA / FCALL of an unknown function keep theirs (stale, may-replicate);
 *   - inside an allow-stale script, a command without `stale` is refused;
 *   - CLIENT PAUSE WRITE holds what may replicate: a plain EVAL, a script or function with writes,
 *     PUBLISH; a no-writes script, EVAL_RO and FCALL_RO run at once.
 * Live only: a replica whose link was up and is lost (the master's port is in the requests).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { sha1hex } from '../../src/scripting/engine.js';
import { decode, expectSame, usePair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { RawClient } from '../support/raw-client.js';
import { liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';

const LIB = [
  '#!lua name=stalelib',
  "redis.register_function('fw', function() return redis.call('set', 'fk', 'w') end)",
  "redis.register_function{function_name='fr', callback=function() return redis.call('get', 'fk') end, flags={'no-writes'}}",
  "redis.register_function{function_name='fs', callback=function() return 'fs' end, flags={'allow-stale', 'no-writes'}}",
  "redis.register_function{function_name='fsw', callback=function() return 'fsw' end, flags={'allow-stale'}}",
  "redis.register_function{function_name='fsget', callback=function() return redis.call('get', 'fk') end, flags={'allow-stale', 'no-writes'}}",
].join('\n');

const STALE_RO = '#!lua flags=allow-stale,no-writes\n';
const NO_WRITES = '#!lua flags=no-writes\nreturn redis.call("get", "a")';
const STALE_SCRIPT = STALE_RO + "return 'stale ok'";

/** Only the counts of INFO errorstats, sorted. */
const errorstats: Step = { cmd: ['INFO', 'errorstats'], normalize: (b) => (b.match(/errorstat_\w+:count=\d+/g) ?? []).sort() };
const rejected: Step = { cmd: ['INFO', 'stats'], normalize: (b) => /rejected_calls:\d+/.exec(b)?.[0] };

/** Both servers: a replica of a port nobody listens on, serving no stale data. */
const STALE_SETUP: Cmd[] = [['REPLICAOF', '127.0.0.1', '1'], ['CONFIG', 'SET', 'replica-serve-stale-data', 'no']];

describe('replica-serve-stale-data no on a replica whose link is down', () => {
  let pair: Pair;
  usePair(
    (p) => (pair = p),
    [
      ['REPLICAOF', 'NO', 'ONE'],
      ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
      ['CONFIG', 'SET', 'replica-read-only', 'yes'],
      ['SCRIPT', 'FLUSH'],
      ['FUNCTION', 'FLUSH'],
    ],
    { flush: true },
  );

  /** Both servers: some data and the library while a master, then stale. */
  async function stale(): Promise<void> {
    const { r, k } = await pair.clients();
    await expectSame(r, k, [['SET', 'a', '1'], ['SET', 'fk', 'v'], ['FUNCTION', 'LOAD', LIB], ['SCRIPT', 'LOAD', NO_WRITES], ['SCRIPT', 'LOAD', STALE_SCRIPT], ['CONFIG', 'RESETSTAT'], ...STALE_SETUP]);
  }

  for (const proto of [2, 3] as const) {
    it(`commands without the stale flag answer -MASTERDOWN, a write -READONLY first; RESP${proto}`, async () => {
      await stale();
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['GET', 'a'],
        ['PING'],
        ['DBSIZE'],
        ['PFCOUNT', 'h'],
        ['EXISTS', 'a'],
        ['WAIT', '0', '0'],
        ['FUNCTION', 'LIST'],
        ['SET', 'a', '2'],
        ['DEL', 'a'],
        ['FLUSHALL'],
        ['NOSUCH', 'x'],
        ['GET'],
        // stale commands run
        ['ECHO', 'x'],
        ['SELECT', '1'],
        ['SELECT', '0'],
        ['CONFIG', 'GET', 'replica-serve-stale-data'],
        ['INFO', 'keyspace'],
        ['PUBLISH', 'ch', 'm'],
        ['SCRIPT', 'EXISTS', sha1hex(NO_WRITES)],
        ['CLIENT', 'SETNAME', 'stale'],
        ['CLIENT', 'GETNAME'],
        // a writable replica: its writes are refused as stale
        ['CONFIG', 'SET', 'replica-read-only', 'no'],
        ['SET', 'a', '3'],
        ['DEL', 'a'],
        ['CONFIG', 'SET', 'replica-read-only', 'yes'],
        // serving stale data again (or a master): everything runs
        ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
        ['GET', 'a'],
        ['PING'],
        ['CONFIG', 'SET', 'replica-serve-stale-data', 'no'],
        ['GET', 'a'],
        errorstats,
        rejected,
        ['REPLICAOF', 'NO', 'ONE'],
        ['GET', 'a'],
        ['PING'],
      ]);
    });

    it(`scripts: plain EVAL, shebang flags, allow-stale and the commands it calls, EVALSHA, FCALL; RESP${proto}`, async () => {
      await stale();
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['EVAL', 'return 1', '0'],
        ['EVAL_RO', 'return 1', '0'],
        ['EVAL', "return redis.call('get', 'a')", '0'],
        ['EVAL', '#!lua\nreturn 1', '0'],
        ['EVAL', '#!lua\nreturn 1', 'x'],
        ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
        ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
        ['EVAL', '#!lua flags=allow-stale\nreturn 1', '0'],
        ['EVAL_RO', '#!lua flags=allow-stale\nreturn 1', '0'],
        ['EVAL', '#!lua flags=allow-oom\nreturn 1', '0'],
        ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
        ['EVAL', STALE_RO + 'return 1', '0'],
        ['EVAL_RO', STALE_RO + 'return 2', '0'],
        ['EVAL', STALE_RO + 'return 1', '5'],
        ['EVAL', STALE_RO + "return redis.call('get', 'a')", '0'],
        ['EVAL', STALE_RO + "return redis.pcall('get', 'a')", '0'],
        ['EVAL', STALE_RO + "local e = redis.pcall('dbsize')\nreturn {e['err'], redis.call('echo', 'after')}", '0'],
        ['EVAL', STALE_RO + "return redis.call('ping')", '0'],
        ['EVAL', STALE_RO + "return redis.call('echo', 'x')", '0'],
        ['EVAL', STALE_RO + "return type(redis.call('info', 'keyspace'))", '0'],
        ['EVAL', STALE_RO + "return redis.call('set', 'a', 'b')", '0'],
        ['EVAL', STALE_RO + "return redis.call('nosuch')", '0'],
        ['EVALSHA', sha1hex(NO_WRITES), '0'],
        ['EVALSHA', sha1hex(STALE_SCRIPT), '0'],
        ['EVALSHA_RO', sha1hex(STALE_SCRIPT), '0'],
        ['EVALSHA', sha1hex('#!lua\nreturn 99'), '0'],
        ['EVALSHA', 'abc', '0'],
        ['FCALL', 'fw', '0'],
        ['FCALL', 'fr', '0'],
        ['FCALL_RO', 'fr', '0'],
        ['FCALL', 'fs', '0'],
        ['FCALL_RO', 'fs', '0'],
        ['FCALL', 'fsw', '0'],
        ['FCALL', 'fsget', '0'],
        ['FCALL', 'nosuch', '0'],
        ['FCALL_RO', 'nosuch', '0'],
        errorstats,
        rejected,
        // a writable replica: an allow-stale script's write is refused inside it
        ['CONFIG', 'SET', 'replica-read-only', 'no'],
        ['EVAL', "#!lua flags=allow-stale\nreturn redis.call('set', 'a', 'w')", '0'],
        ['EVAL', "#!lua flags=allow-stale\nreturn redis.pcall('set', 'a', 'w')", '0'],
        ['EVAL', '#!lua\nreturn 1', '0'],
        ['FCALL', 'fsw', '0'],
        ['FCALL', 'fw', '0'],
        errorstats,
        ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
        ['GET', 'a'],
      ]);
    });

    it(`MULTI/EXEC: a queued command without stale aborts EXEC; EXEC of a queue with one; a script the queue did not know; RESP${proto}`, async () => {
      await stale();
      const { r, k } = await pair.clients(proto);
      const r2 = await RawClient.connect(pair.redis.port);
      const k2 = await RawClient.connect(pair.redkit.port);
      try {
        const both = async (cmd: Cmd) => expect(await k2.call(...cmd)).toBe(await r2.call(...cmd));
        await expectSame(r, k, [
          ['MULTI'],
          ['GET', 'a'],
          ['ECHO', 'e'],
          ['EXEC'],
          ['MULTI'],
          ['ECHO', 'e'],
          ['EVAL', STALE_SCRIPT, '0'],
          ['EVAL', 'return 1', '0'],
          ['FCALL', 'fs', '0'],
          ['EXEC'],
          ['MULTI'],
          ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
          ['EXEC'],
          ['MULTI'],
          ['SET', 'a', '1'],
          ['EXEC'],
        ]);
        // unknown when queued (stale as EVALSHA): the checks before the run answer
        const shaNw = sha1hex("#!lua flags=no-writes\nreturn 'x'");
        const shaSt = sha1hex(STALE_RO + "return 'y'");
        await expectSame(r, k, [['MULTI'], ['EVALSHA', shaNw, '0'], ['EVALSHA', shaSt, '0'], ['EVALSHA', sha1hex('return 3'), '0']]);
        await both(['SCRIPT', 'LOAD', "#!lua flags=no-writes\nreturn 'x'"]);
        await both(['SCRIPT', 'LOAD', STALE_RO + "return 'y'"]);
        await both(['SCRIPT', 'LOAD', 'return 3']);
        await expectSame(r, k, [['EXEC']]);
        // queued while stale data is served, run after it no longer is: EXEC is refused
        await both(['CONFIG', 'SET', 'replica-serve-stale-data', 'yes']);
        await expectSame(r, k, [['MULTI'], ['GET', 'a'], ['ECHO', 'e']]);
        await both(['CONFIG', 'SET', 'replica-serve-stale-data', 'no']);
        await expectSame(r, k, [['EXEC'], ['MULTI'], ['ECHO', 'e2']]);
        await both(['CONFIG', 'SET', 'replica-serve-stale-data', 'yes']);
        await expectSame(r, k, [['EXEC'], ['MULTI'], ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "a")', '0'], ['EVAL', STALE_SCRIPT, '0']]);
        await both(['CONFIG', 'SET', 'replica-serve-stale-data', 'no']);
        await expectSame(r, k, [['EXEC'], errorstats, rejected]);
      } finally {
        r2.close();
        k2.close();
      }
    });

    it(`a MONITOR connection: -MASTERDOWN first, then the replica's keyspace rule; RESP${proto}`, async () => {
      await stale();
      const { r, k } = await pair.clients(proto);
      try {
        await expectSame(r, k, [
          ['MONITOR'],
          ['GET', 'a'],
          ['PFCOUNT', 'h'],
          ['PING'],
          ['EVAL', 'return 1', '0'],
          ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
          ['EVAL_RO', STALE_SCRIPT, '0'],
          ['FCALL', 'fr', '0'],
          ['FCALL', 'fsw', '0'],
          ['PUBLISH', 'ch', 'm'],
          ['SET', 'a', '1'],
        ]);
        // an allow-stale no-writes script is neither a read nor may replicate: it runs. (Redis shows
        // a MONITOR its own EVAL/FCALL too, RedKit does not: the monitor lines are skipped.)
        const reply = async (c: RawClient): Promise<string> => {
          for (;;) {
            const b = await c.read();
            if (!/^\+\d+\.\d{6} \[\d+ /.test(b)) return b;
          }
        };
        for (const cmd of [['EVAL', STALE_SCRIPT, '0'], ['FCALL', 'fs', '0'], ['FCALL_RO', 'fs', '0']]) {
          r.send(...cmd);
          k.send(...cmd);
          expect(await reply(k), JSON.stringify(cmd)).toBe(await reply(r));
        }
      } finally {
        r.close();
        k.close();
      }
    });

    it(`a subscribed client: the pub/sub context first (RESP2), then -MASTERDOWN; RESP${proto}`, async () => {
      await stale();
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [['SUBSCRIBE', 'c'], ['PING'], ['GET', 'a'], ['ECHO', 'x'], ['PSUBSCRIBE', 'p*'], ['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['PING'], errorstats]);
    });
  }
});

describe('CLIENT PAUSE WRITE and a script\'s flags', () => {
  let pair: Pair;
  usePair((p) => (pair = p), [['CLIENT', 'UNPAUSE']]);

  for (const proto of [2, 3] as const) {
    it(`no-writes scripts and functions, EVAL_RO, FCALL_RO run; writes and what may replicate wait for UNPAUSE; RESP${proto}`, async () => {
      const admin = await pair.clients(proto);
      const b = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['FUNCTION', 'LOAD', 'REPLACE', LIB], ['SCRIPT', 'LOAD', NO_WRITES], ['SCRIPT', 'LOAD', 'return 7'], ['SET', 'a', '1'], ['CLIENT', 'PAUSE', '100000', 'WRITE']]);
      // each of these answers at once
      await expectSame(b.r, b.k, [
        ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
        ['EVAL', STALE_RO + 'return 2', '0'],
        ['EVAL', NO_WRITES, '0'],
        ['EVAL_RO', '#!lua flags=no-writes\nreturn 3', '0'],
        ['EVAL_RO', 'return 4', '0'],
        ['EVALSHA', sha1hex(NO_WRITES), '0'],
        ['EVALSHA_RO', sha1hex(NO_WRITES), '0'],
        ['EVALSHA_RO', sha1hex('return 7'), '0'],
        ['FCALL', 'fr', '0'],
        ['FCALL_RO', 'fr', '0'],
        ['FCALL', 'fs', '0'],
        ['FCALL_RO', 'nosuch', '0'],
        ['GET', 'a'],
        ['MULTI'],
        ['EVAL', '#!lua flags=no-writes\nreturn 5', '0'],
        ['FCALL', 'fr', '0'],
        ['EXEC'],
      ]);
      // each of these waits (its own connection) until CLIENT UNPAUSE
      const held: Cmd[][] = [
        [['EVAL', '#!lua\nreturn "shebang"', '0']],
        [['EVAL', 'return "plain"', '0']],
        [['EVAL', '#!lua flags=allow-oom\nreturn "allow-oom"', '0']],
        [['EVAL', '#!lua flags=allow-stale\nreturn "allow-stale"', '0']],
        [['EVAL_RO', '#!lua\nreturn "ro with writes"', '0']],
        [['SPUBLISH', 'ch', 'm']],
        [['EVALSHA', sha1hex('return 7'), '0']],
        [['EVALSHA', sha1hex('#!lua\nreturn 99'), '0']],
        [['FCALL', 'fw', '0']],
        [['FCALL', 'fsw', '0']],
        [['FCALL', 'nosuch', '0']],
        [['PUBLISH', 'ch', 'm']],
        [['PFCOUNT', 'h']],
        [['SET', 'a', '2']],
        [['MULTI'], ['EVAL', 'return "in multi"', '0'], ['EXEC']],
      ];
      const conns: Array<{ r: RawClient; k: RawClient; cmds: Cmd[] }> = [];
      for (const cmds of held) {
        const c = await pair.clients(proto);
        // (MULTI answers at once: the queued EVAL waits)
        if (cmds[0][0] === 'MULTI') await expectSame(c.r, c.k, [['MULTI']]);
        const rest = cmds[0][0] === 'MULTI' ? cmds.slice(1) : cmds;
        for (const cmd of rest) {
          c.r.send(...cmd);
          c.k.send(...cmd);
        }
        conns.push({ ...c, cmds: rest });
      }
      // a round trip on every connection of each server behind them: nothing held has answered
      await expectSame(b.r, b.k, [['GET', 'a'], ['ECHO', 'still paused']]);
      for (const c of conns) {
        expect(c.k.pending(), `redkit held ${JSON.stringify(c.cmds)}`).toBe('');
        expect(c.r.pending(), `redis held ${JSON.stringify(c.cmds)}`).toBe('');
      }
      await expectSame(admin.r, admin.k, [['CLIENT', 'UNPAUSE']]);
      for (const c of conns) {
        for (const cmd of c.cmds) expect(await c.k.read(), JSON.stringify(cmd)).toBe(await c.r.read());
      }
      await expectSame(b.r, b.k, [['GET', 'a'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH']]);
    });
  }
});

/** A redis-server replica and a RedKit replica of one redis-server master, which goes away (ports in the requests: live only). */
describe.skipIf(!liveOracle)('a replica whose link with its master is lost', () => {
  let master: RedisProcess | undefined;
  let master2: RedisProcess | undefined;
  let replica: RedisProcess;
  let kr: RedKitServer;
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-stale-replica-'));
    master = await startRedisServer(['--dir', dir, '--dbfilename', 'master.rdb']);
    replica = await startRedisServer(['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port), '--replica-serve-stale-data', 'no']);
    kr = createServer({ logger: 'error', config: { 'replica-serve-stale-data': 'no' } });
    await kr.listen(0);
    const k = await RawClient.connect(kr.port);
    expect(await k.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    k.close();
    const m = await RawClient.connect(master.port);
    await m.call('FUNCTION', 'LOAD', LIB);
    await m.call('SET', 'a', '1');
    await synced(m, 2);
    m.close();
  });
  afterAll(async () => {
    await kr?.close();
    kr?.dispose();
    await replica?.stop();
    await master?.stop();
    await master2?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function synced(m: RawClient, n: number): Promise<void> {
    const end = Date.now() + 10000;
    while ((await m.call('WAIT', String(n), '100')) !== `:${n}\r\n`) {
      if (Date.now() > end) throw new Error('replicas did not connect');
    }
  }

  async function linkIs(c: RawClient, status: 'up' | 'down'): Promise<void> {
    const end = Date.now() + 10000;
    while (!String(decode(await c.call('INFO', 'replication'))).includes(`master_link_status:${status}`)) {
      if (Date.now() > end) throw new Error(`the link is not ${status}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  it('serves while the link is up, answers -MASTERDOWN once it is lost, serves again when a new master is up', async () => {
    const r = await RawClient.connect(replica.port);
    const k = await RawClient.connect(kr.port);
    try {
      const up: Cmd[] = [['GET', 'a'], ['PING'], ['EVAL', 'return 1', '0'], ['EVAL', '#!lua flags=no-writes\nreturn 2', '0'], ['FCALL', 'fr', '0'], ['EVAL', STALE_RO + "return redis.call('get', 'a')", '0']];
      await expectSame(r, k, up);
      await master!.stop();
      master = undefined;
      await linkIs(r, 'down');
      await linkIs(k, 'down');
      await expectSame(r, k, [...up, ['FCALL', 'fs', '0'], ['ECHO', 'x'], ['SET', 'a', '2'], errorstats]);
      // a new master (with its own data): up again once synced
      master2 = await startRedisServer(['--dir', dir, '--dbfilename', 'master2.rdb']);
      const m = await RawClient.connect(master2.port);
      try {
        await m.call('FUNCTION', 'LOAD', LIB);
        await m.call('SET', 'a', 'new');
        await expectSame(r, k, [['REPLICAOF', '127.0.0.1', String(master2.port)]]);
        await synced(m, 2);
      } finally {
        m.close();
      }
      await linkIs(r, 'up');
      await linkIs(k, 'up');
      await expectSame(r, k, up);
    } finally {
      r.close();
      k.close();
    }
  });
});
