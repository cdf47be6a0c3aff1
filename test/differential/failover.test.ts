/**
 * FAILOVER (standalone coordinated failover, Redis 7.0): argument and state
 * errors and INFO's master_failover_state against redis-server pairs; the
 * whole failover with RedKit and redis-server on either side (the PSYNC
 * <replid> <offset> FAILOVER handshake, a partial resync both ways, the
 * writes held meanwhile answered -READONLY after); ABORT and TIMEOUT on the
 * server clock, with and without FORCE.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, startRedKit, startRedKitCluster, type RedKit } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { liveOracle, startRedisServer } from '../support/redis-server.js';
import { decode, expectSame, startPair, untilBusy, type Cmd, type Pair } from '../support/differential.js';
import { pauseReplication, resumeReplication } from '../../src/replication/fixture.js';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-failover-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function info(c: RawClient, section = 'replication'): Promise<Record<string, string>> {
  const s = decode(await c.call('INFO', section)) as string;
  const out: Record<string, string> = {};
  for (const line of s.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(what: string, f: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const linkUp = (c: RawClient) => async () => (await info(c)).master_link_status === 'up';

/** The errors FAILOVER answers before it looks at replicas, and ABORT without a failover. */
const NO_REPLICA_STEPS: Cmd[] = [
  ['FAILOVER', 'x'],
  ['FAILOVER', 'ABORT'],
  ['failover', 'abort'],
  ['FAILOVER', 'ABORT', 'x'],
  ['FAILOVER', 'TIMEOUT', '0'],
  ['FAILOVER', 'TIMEOUT', '-1'],
  ['FAILOVER', 'TIMEOUT', 'x'],
  ['FAILOVER', 'TIMEOUT', '99999999999999999999'],
  ['FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '10'],
  ['FAILOVER', 'TIMEOUT'],
  ['FAILOVER', 'TO'],
  ['FAILOVER', 'TO', 'a'],
  ['FAILOVER', 'TO', 'a', 'x'],
  ['FAILOVER', 'TO', 'a', '1', 'TO', 'b', '2'],
  ['FAILOVER', 'FORCE', 'FORCE'],
  ['FAILOVER', 'TIMEOUT', '5', 'ABORT'],
  ['FAILOVER', 'ABORT', 'TIMEOUT', '5'],
  ['FAILOVER'],
  ['FAILOVER', 'FORCE'],
  ['FAILOVER', 'TO', '127.0.0.1', '1'],
  ['FAILOVER', 'TO', '127.0.0.1', '1', 'FORCE', 'TIMEOUT', '10'],
  ['FAILOVER', 'TIMEOUT', '100'],
  ['MULTI'],
  ['FAILOVER'],
  ['EXEC'],
  ['PSYNC', '?', '-1', 'FAILOVER'],
];

describe('FAILOVER on a master without replicas: errors as redis-server', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  it('syntax, TIMEOUT, ABORT, no replicas, PSYNC FAILOVER to a master', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, NO_REPLICA_STEPS);
      expect((await info(k)).master_failover_state).toBe('no-failover');
    }
  });
});

/** A master and its replica: a redis-server pair, or a RedKit pair. */
interface Duo {
  master: RawClient;
  replica: RawClient;
  masterPort: number;
  replicaPort: number;
  /** The replica stops applying (and acknowledging) the stream: redis-server busy in a script, a RedKit paused. */
  pause(): Promise<void>;
  /** The replica goes on. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

async function redisDuo(): Promise<Duo> {
  const m = await startRedisServer(['--dir', tmpDir(), '--enable-debug-command', 'yes']);
  const r = await startRedisServer(['--dir', tmpDir(), '--enable-debug-command', 'yes', '--replicaof', '127.0.0.1', String(m.port)]);
  const mc = await RawClient.connect(m.port);
  const rc = await RawClient.connect(r.port);
  await until('the redis replica link', linkUp(rc));
  let sleeper: RawClient | null = null;
  return {
    master: mc,
    replica: rc,
    masterPort: m.port,
    replicaPort: r.port,
    // A script that never ends holds the replica: while it is busy, redis-server reads nothing from
    // its master (and its cron sends no ACK) until resume() kills it. (DEBUG SLEEP 2 plus a 100 ms
    // wait was a guess on both ends: the sleep could start late, or end before the test did.)
    async pause() {
      expect(await rc.call('CONFIG', 'SET', 'busy-reply-threshold', '50')).toBe('+OK\r\n');
      sleeper = await RawClient.connect(r.port);
      sleeper.send('EVAL', 'while true do end', '0');
      const probe = await RawClient.connect(r.port);
      await untilBusy(probe);
      probe.close();
    },
    async resume() {
      const killer = await RawClient.connect(r.port);
      expect(await killer.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
      killer.close();
      expect(await sleeper?.read()).toMatch(/^-ERR Script killed by user with SCRIPT KILL/);
      sleeper?.close();
    },
    async stop() {
      mc.close();
      rc.close();
      await r.stop();
      await m.stop();
    },
  };
}

async function redkitDuo(): Promise<Duo> {
  const m = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
  await m.listen(0);
  const r = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
  await r.listen(0);
  const mc = await RawClient.connect(m.port);
  const rc = await RawClient.connect(r.port);
  expect(await rc.call('REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
  await until('the RedKit replica link', linkUp(rc));
  return {
    master: mc,
    replica: rc,
    masterPort: m.port,
    replicaPort: r.port,
    async pause() {
      pauseReplication(r);
    },
    async resume() {
      resumeReplication(r);
    },
    async stop() {
      mc.close();
      rc.close();
      for (const s of [r, m]) {
        await s.close();
        s.dispose();
      }
    },
  };
}

/** The errors that need a replica, with its port filled in. */
function replicaSteps(d: Duo): Cmd[] {
  const p = String(d.replicaPort);
  return [
    ['FAILOVER', 'FORCE'],
    ['FAILOVER', 'FORCE', 'TIMEOUT', '10'],
    ['FAILOVER', 'TO', '127.0.0.1', p, 'FORCE'],
    ['FAILOVER', 'TO', '127.0.0.1', '1'],
    ['FAILOVER', 'TO', '127.0.0.2', p],
    ['FAILOVER', 'TO', 'localhost', p],
    ['FAILOVER', 'TO', '127.0.0.1', `${p}0`],
    ['FAILOVER', 'TO', '127.0.0.1', 'x'],
    ['FAILOVER', 'ABORT'],
  ];
}

async function bothSame(a: RawClient, b: RawClient, ka: Cmd[], kb: Cmd[]): Promise<void> {
  for (let i = 0; i < ka.length; i++) {
    const [x, y] = await Promise.all([a.call(...ka[i]), b.call(...kb[i])]);
    expect(y, `reply to: ${kb[i].join(' ')}`).toBe(x);
  }
}

// Live only (docs/oracle.md): the replication links between the servers do not go through the
// recording proxy, and the commands name the replicas' ports.
describe.skipIf(!liveOracle)('FAILOVER with replicas: RedKit pair vs redis-server pair', () => {
  let rd: Duo;
  let kd: Duo;
  beforeAll(async () => {
    [rd, kd] = await Promise.all([redisDuo(), redkitDuo()]);
  });
  afterAll(async () => {
    await rd?.stop();
    await kd?.stop();
  });

  it('target errors on the master, FAILOVER and PSYNC FAILOVER on the replica', async () => {
    await bothSame(rd.master, kd.master, replicaSteps(rd), replicaSteps(kd));
    const onReplica: Cmd[] = [['FAILOVER'], ['FAILOVER', 'TO', '127.0.0.1', '1'], ['FAILOVER', 'ABORT'], ['FAILOVER', 'TIMEOUT', '-1'], ['FAILOVER', 'x'], ['PSYNC', 'nosuchreplid', '1', 'FAILOVER']];
    await bothSame(rd.replica, kd.replica, onReplica, onReplica);
    for (const d of [rd, kd]) expect((await info(d.master)).master_failover_state).toBe('no-failover');
  });

  it('waiting for a replica that does not catch up: INFO, ABORT, TIMEOUT without FORCE, the held write run on the master', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (const d of [rd, kd]) {
      await d.pause();
      await d.master.call('SET', 'k', '1');
      const out: Record<string, unknown> = {};
      out.start = await d.master.call('FAILOVER');
      const i1 = await info(d.master);
      out.waiting = [i1.role, i1.master_failover_state, Object.keys(i1).join(',')];
      out.again = await d.master.call('FAILOVER', 'TO', '127.0.0.1', String(d.replicaPort));
      out.abort = await d.master.call('FAILOVER', 'ABORT');
      out.after = (await info(d.master)).master_failover_state;
      out.timed = await d.master.call('FAILOVER', 'TIMEOUT', '300');
      const writer = await RawClient.connect(d.masterPort);
      writer.send('INCR', 'k');
      out.read = await d.master.call('GET', 'k');
      await until('the timeout', async () => (await info(d.master)).master_failover_state === 'no-failover');
      out.held = await writer.read();
      writer.close();
      out.role = (await info(d.master)).role;
      // A timeout past the int64 ms clock: Redis's end time wraps, the failover times out at once.
      out.huge = await d.master.call('FAILOVER', 'TIMEOUT', '9223372036854775807');
      await until('the huge timeout', async () => (await info(d.master)).master_failover_state === 'no-failover');
      out.hugeRole = (await info(d.master)).role;
      await d.resume();
      out.wait = await d.master.call('WAIT', '1', '5000');
      results.push(out);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toMatchObject({ start: '+OK\r\n', abort: '+OK\r\n', after: 'no-failover', held: ':2\r\n', role: 'master', wait: ':1\r\n' });
    expect((results[0].waiting as string[])[1]).toBe('waiting-for-sync');
  });

  it('a whole failover: states, the held write answered -READONLY, roles swapped with a partial resync', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (const d of [rd, kd]) {
      await d.master.call('SET', 'before', '1');
      expect(await d.master.call('WAIT', '1', '5000')).toBe(':1\r\n');
      const ms0 = await info(d.master, 'stats');
      const rs0 = await info(d.replica, 'stats');
      const writer = await RawClient.connect(d.masterPort);
      const tx = await RawClient.connect(d.masterPort);
      expect(await tx.call('MULTI')).toBe('+OK\r\n');
      expect(await tx.call('SET', 'intx', '1')).toBe('+QUEUED\r\n');
      const blocked = await RawClient.connect(d.masterPort);
      blocked.send('BLPOP', 'nolist', '0');
      await until('BLPOP blocked', async () => (await info(d.master, 'clients')).blocked_clients === '1');
      expect(await d.master.call('FAILOVER', 'TO', '127.0.0.1', String(d.replicaPort))).toBe('+OK\r\n');
      const again = await d.master.call('FAILOVER');
      writer.send('SET', 'during', '1');
      tx.send('EXEC');
      await until('the end of the failover', async () => (await info(d.master)).master_failover_state === 'no-failover');
      const held = await writer.read();
      writer.close();
      const exec = await tx.read();
      const afterExec = await tx.call('GET', 'intx');
      tx.close();
      const unblocked = await blocked.read();
      await blocked.readUntilClose(3000);
      const closed = blocked.closed;
      blocked.close();
      await until('the old master linked to the new one', linkUp(d.master));
      const mi = await info(d.master);
      const ri = await info(d.replica);
      const ms1 = await info(d.master, 'stats');
      const rs1 = await info(d.replica, 'stats');
      results.push({
        again,
        held,
        unblocked,
        closed,
        exec,
        afterExec,
        masterRole: mi.role,
        masterHost: `${mi.master_host}:${mi.master_port}`,
        replicaRole: ri.role,
        sameId: mi.master_replid === ri.master_replid,
        shifted: ri.master_replid2 !== '0000000000000000000000000000000000000000',
        partial: Number(rs1.sync_partial_ok) - Number(rs0.sync_partial_ok),
        full: Number(rs1.sync_full) - Number(rs0.sync_full),
        oldMasterFull: Number(ms1.sync_full) - Number(ms0.sync_full),
        before: await d.replica.call('GET', 'before'),
        during: await d.replica.call('GET', 'during'),
        digest: (await d.replica.call('DEBUG', 'DIGEST')) === (await d.master.call('DEBUG', 'DIGEST')),
        readonly: await d.master.call('SET', 'x', '1'),
        replicaFailover: await d.master.call('FAILOVER'),
      });
      expect(results[results.length - 1].masterHost).toBe(`127.0.0.1:${d.replicaPort}`);
      delete results[results.length - 1].masterHost;
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toMatchObject({
      exec: "-EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica.\r\n",
      again: '-ERR FAILOVER already in progress.\r\n',
      unblocked: '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n',
      closed: true,
      masterRole: 'slave',
      replicaRole: 'master',
      partial: 1,
      full: 0,
    });
  });
});

/**
 * `failover` on the master `m` (listening on `port`) while another client sends `write`: the write
 * is held by the failover, then answered -READONLY once the master has become a replica.
 */
async function failoverHoldingAWrite(m: RawClient, port: number, failover: string[], write: string[]): Promise<void> {
  const writer = await RawClient.connect(port);
  expect(await m.call(...failover)).toBe('+OK\r\n');
  writer.send(...write);
  await until('the end of the failover', async () => (await info(m)).master_failover_state === 'no-failover');
  expect(await writer.read()).toBe("-READONLY You can't write against a read only replica.\r\n");
  writer.close();
}

/** The new master `c` took over with one partial resynchronization and no full one since `stats0`. */
async function expectOnePartialResync(c: RawClient, stats0: Record<string, string>): Promise<void> {
  const stats1 = await info(c, 'stats');
  expect(Number(stats1.sync_partial_ok) - Number(stats0.sync_partial_ok)).toBe(1);
  expect(stats1.sync_full).toBe(stats0.sync_full);
}

/** A write on the new master reaches the new replica (WAIT 1), and both hold the same data. */
async function expectWritesReach(newMaster: RawClient, newReplica: RawClient): Promise<void> {
  await newMaster.call('SET', 'after', 'yes');
  expect(await newMaster.call('WAIT', '1', '5000')).toBe(':1\r\n');
  expect(await newReplica.call('GET', 'after')).toBe('$3\r\nyes\r\n');
  expect(await newReplica.call('DEBUG', 'DIGEST')).toBe(await newMaster.call('DEBUG', 'DIGEST'));
}

describe.skipIf(!liveOracle)('FAILOVER across RedKit and redis-server', () => {
  it('a RedKit master hands over to a redis-server replica (PSYNC ... FAILOVER accepted, +CONTINUE)', async () => {
    const master = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
    await master.listen(0);
    const replica = await startRedisServer(['--dir', tmpDir(), '--enable-debug-command', 'yes', '--replicaof', '127.0.0.1', String(master.port)]);
    const m = await RawClient.connect(master.port);
    const r = await RawClient.connect(replica.port);
    try {
      await until('the redis replica link', linkUp(r));
      for (let i = 0; i < 50; i++) await m.call('RPUSH', 'l', String(i));
      await m.call('HSET', 'h', 'a', '1');
      const stats0 = await info(r, 'stats');
      await failoverHoldingAWrite(m, master.port, ['FAILOVER'], ['INCR', 'n']);
      await until('RedKit linked to redis-server', linkUp(m));
      const ri = await info(r);
      expect(ri.role).toBe('master');
      expect((await info(m)).master_port).toBe(String(replica.port));
      await expectOnePartialResync(r, stats0);
      // The new master's writes reach RedKit.
      await expectWritesReach(r, m);
    } finally {
      m.close();
      r.close();
      await replica.stop();
      await master.close();
      master.dispose();
    }
  });

  it('a redis-server master hands over to a RedKit replica (RedKit accepts PSYNC ... FAILOVER)', async () => {
    const master = await startRedisServer(['--dir', tmpDir(), '--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0']);
    const replica = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
    await replica.listen(0);
    // What the redis-server master sends to hand over: its handshake, then PSYNC <replid> <offset> FAILOVER.
    const sent: string[][] = [];
    replica.observe((_ctx, cmd, args) => {
      if (cmd.name === 'psync' || cmd.name === 'replconf' || cmd.name === 'ping') sent.push([cmd.name, ...args]);
    });
    const m = await RawClient.connect(master.port);
    const r = await RawClient.connect(replica.port);
    try {
      await m.call('SADD', 's', 'a', 'b', 'c');
      expect(await r.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
      await until('the RedKit replica link', linkUp(r));
      for (let i = 0; i < 50; i++) await m.call('ZADD', 'z', String(i), `m${i}`);
      const before = await info(r);
      const stats0 = await info(r, 'stats');
      await failoverHoldingAWrite(m, master.port, ['FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'TIMEOUT', '10000'], ['SET', 'during', '1']);
      await until('redis-server linked to RedKit', linkUp(m));
      const handshake = sent.filter((c) => !(c[0] === 'replconf' && c[1].toLowerCase() === 'ack'));
      expect(handshake).toEqual([
        ['ping'],
        ['replconf', 'listening-port', String(master.port)],
        ['replconf', 'capa', 'eof', 'capa', 'psync2'],
        ['psync', before.master_replid, String(Number(before.master_repl_offset) + 1), 'FAILOVER'],
      ]);
      const ri = await info(r);
      expect(ri.role).toBe('master');
      expect(ri.master_replid2).toBe(before.master_replid);
      expect(ri.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
      await expectOnePartialResync(r, stats0);
      const mi = await info(m);
      expect(mi.role).toBe('slave');
      expect(mi.master_replid).toBe(ri.master_replid);
      await expectWritesReach(r, m);
    } finally {
      m.close();
      r.close();
      await replica.close();
      replica.dispose();
      await master.stop();
    }
  });
});

describe('FAILOVER ABORT and TIMEOUT on the server clock (RedKit master and replica)', () => {
  let redkit: RedKit;
  let m: RawClient;
  afterEach(async () => {
    m?.close();
    await redkit?.stop();
  });

  /** Lines the master and the replica logged at warn and above. */
  let logs: string[] = [];
  async function start(): Promise<void> {
    logs = [];
    // The replica logs the failover request as a warning (as redis-server does): kept here and
    // checked where a test fails over, not written to the test run's stderr.
    const sink = (level: string, msg: string) => {
      const line = `${level}: ${msg}`;
      logs.push(line);
      if (!FAILOVER_REQUEST.test(line)) process.stderr.write(`[failover.test] ${line}\n`);
    };
    redkit = await startRedKit({ replicas: 1, clock: 'frozen', logger: { level: 'warn', sink } });
    m = await RawClient.connect(redkit.port);
  }
  const FAILOVER_REQUEST = /^warn: Failover request received for replid [0-9a-f]{40}\.$/;

  it('ABORT while waiting for the replica: the held write runs on the master', async () => {
    await start();
    const [replica] = redkit.replicas;
    replica.pauseReplication();
    await m.call('SET', 'k', '1');
    expect(await m.call('FAILOVER')).toBe('+OK\r\n');
    expect((await info(m)).master_failover_state).toBe('waiting-for-sync');
    const writer = await RawClient.connect(redkit.port);
    writer.send('SET', 'k', '2');
    // Reads go on meanwhile.
    expect(await m.call('GET', 'k')).toBe('$1\r\n1\r\n');
    expect(await m.call('FAILOVER', 'TIMEOUT', '10')).toBe('-ERR FAILOVER already in progress.\r\n');
    expect(await m.call('FAILOVER', 'ABORT')).toBe('+OK\r\n');
    expect(await writer.read()).toBe('+OK\r\n');
    writer.close();
    expect((await info(m)).master_failover_state).toBe('no-failover');
    expect((await info(m)).role).toBe('master');
    expect(await m.call('FAILOVER', 'ABORT')).toBe('-ERR No failover in progress.\r\n');
    replica.resumeReplication();
  });

  it('TIMEOUT without FORCE: aborted when the clock passes it; CLIENT UNPAUSE does not end the failover pause', async () => {
    await start();
    const [replica] = redkit.replicas;
    replica.pauseReplication();
    await m.call('SET', 'k', '1');
    expect(await m.call('FAILOVER', 'TIMEOUT', '500')).toBe('+OK\r\n');
    const writer = await RawClient.connect(redkit.port);
    writer.send('SET', 'k', '2');
    expect(await m.call('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    redkit.clock.advance(499);
    expect((await info(m)).master_failover_state).toBe('waiting-for-sync');
    expect(await m.call('GET', 'k')).toBe('$1\r\n1\r\n');
    redkit.clock.advance(1);
    expect(await writer.read()).toBe('+OK\r\n');
    writer.close();
    expect((await info(m)).master_failover_state).toBe('no-failover');
    expect(await m.call('GET', 'k')).toBe('$1\r\n2\r\n');
    replica.resumeReplication();
  });

  it('TIMEOUT with FORCE: fails over to a replica that did not catch up', async () => {
    await start();
    const [replica] = redkit.replicas;
    const r = await RawClient.connect(replica.port);
    replica.pauseReplication();
    await m.call('SET', 'k', '1');
    expect(await m.call('FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'FORCE', 'TIMEOUT', '200')).toBe('+OK\r\n');
    const writer = await RawClient.connect(redkit.port);
    writer.send('SET', 'k', '2');
    redkit.clock.advance(200);
    expect(await writer.read()).toBe("-READONLY You can't write against a read only replica.\r\n");
    writer.close();
    await until('the old master linked to the new one', linkUp(m));
    expect((await info(r)).role).toBe('master');
    expect((await info(m)).master_failover_state).toBe('no-failover');
    // The replica never applied SET k 1: the old master resynchronized from it.
    expect(await r.call('GET', 'k')).toBe('$-1\r\n');
    await until('the old master in sync', async () => (await m.call('GET', 'k')) === '$-1\r\n');
    r.close();
    expect(logs.filter((l) => FAILOVER_REQUEST.test(l))).toHaveLength(1);
  });

  it('a failover in the fixture: the replica becomes the master, the old master its replica', async () => {
    await start();
    const [replica] = redkit.replicas;
    const r = await RawClient.connect(replica.port);
    await m.call('SET', 'k', '1');
    await redkit.synced();
    expect(await m.call('FAILOVER')).toBe('+OK\r\n');
    // The replica acknowledges once a second on the shared (frozen) clock.
    redkit.clock.advance(1000);
    await until('the old master linked to the new one', linkUp(m));
    expect((await info(r)).role).toBe('master');
    expect(await r.call('INCR', 'k')).toBe(':2\r\n');
    await until('the write replicated back', async () => (await m.call('GET', 'k')) === '$1\r\n2\r\n');
    r.close();
    expect(logs.filter((l) => FAILOVER_REQUEST.test(l))).toHaveLength(1);
  });
});


describe('FAILOVER in cluster mode', () => {
  it('answers as a redis-server started with --cluster-enabled yes (checked by hand: no cluster oracle here)', async () => {
    const cluster = await startRedKitCluster({ masters: 3 });
    try {
      const c = await RawClient.connect(cluster.masters[0].port);
      expect(await c.call('FAILOVER')).toBe('-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n');
      expect(await c.call('FAILOVER', 'ABORT')).toBe('-ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.\r\n');
      c.close();
    } finally {
      await cluster.stop();
    }
  });
});
