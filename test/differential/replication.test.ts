/**
 * Replication against redis-server 7.0.15, both ways: a real redis-server
 * replica of a RedKit master and a RedKit replica of a real redis-server
 * master. Random writes (SPOP, EXPIRE, scripts, INCRBYFLOAT, MULTI/EXEC,
 * blocking pops, several databases...) on the master; WAIT; then DEBUG
 * DIGEST (Redis's algorithm over the whole keyspace) must be equal on both
 * sides. Also ROLE / INFO replication shapes, -READONLY, WAIT's errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { decode, expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';
import { rng } from '../support/random.js';

const dirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-repl-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function info(c: RawClient): Promise<Record<string, string>> {
  const s = decode(await c.call('INFO', 'replication')) as string;
  const out: Record<string, string> = {};
  for (const line of s.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(what: string, f: () => Promise<boolean>, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A random workload: every command kind whose propagation differs. */
function workload(seed: number, n: number): Cmd[] {
  const rnd = rng(seed);
  const pick = <T,>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const key = () => pick(['a', 'b', 'c', 'd', 'e']);
  const m = () => `m${Math.floor(rnd() * 12)}`;
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const k = key();
    switch (Math.floor(rnd() * 28)) {
      case 0: out.push(['SET', `s:${k}`, String(Math.floor(rnd() * 100))]); break;
      case 1: out.push(['SET', `s:${k}`, 'v', 'EX', '1000']); break;
      case 2: out.push(['INCRBYFLOAT', `f:${k}`, '1.1']); break;
      case 3: out.push(['SADD', `set:${k}`, m(), m(), m()]); break;
      case 4: out.push(['SPOP', `set:${k}`]); break;
      case 5: out.push(['SPOP', `set:${k}`, '2']); break;
      case 6: out.push(['EXPIRE', `s:${k}`, '500']); break;
      case 7: out.push(['PEXPIRE', `set:${k}`, '900000']); break;
      case 8: out.push(['EVAL', "redis.call('incr', KEYS[1]); return redis.call('lpush', KEYS[2], ARGV[1])", '2', `n:${k}`, `l:${k}`, m()]); break;
      case 9: out.push(['RPUSH', `l:${k}`, m(), m()]); break;
      case 10: out.push(['LPOP', `l:${k}`]); break;
      case 11: out.push(['HSET', `h:${k}`, m(), m()]); break;
      case 12: out.push(['HINCRBYFLOAT', `h:${k}`, 'x', '2.5']); break;
      case 13: out.push(['ZADD', `z:${k}`, String(Math.floor(rnd() * 50)), m()]); break;
      case 14: out.push(['ZPOPMIN', `z:${k}`]); break;
      case 15: out.push(['XADD', `x:${k}`, '*', 'f', m()]); break;
      case 16: out.push(['SETEX', `s:${k}`, '100', 'y']); break;
      case 17: out.push(['GETEX', `s:${k}`, 'PX', '123456']); break;
      case 18: out.push(['DEL', `s:${k}`]); break;
      case 19: out.push(['SRANDMEMBER', `set:${k}`]); break;
      case 20: out.push(['PERSIST', `set:${k}`]); break;
      case 21: out.push(['SELECT', pick(['0', '1'])]); break;
      case 22: out.push(['MSET', `s:${k}`, 'p', `s:${key()}`, 'q']); break;
      case 23: out.push(['SINTERSTORE', `set:${k}`, `set:${key()}`, `set:${key()}`]); break;
      case 24: out.push(['RENAME', `l:${k}`, `l:${key()}`]); break;
      case 25: out.push(['LMOVE', `l:${k}`, `l:${key()}`, 'LEFT', 'RIGHT']); break;
      case 26: out.push(['SET', `s:${k}`, 'w', 'PX', '5000', 'GET']); break;
      case 27: out.push(['COPY', `h:${k}`, `h:${key()}`, 'DB', '1', 'REPLACE']); break;
    }
  }
  return out;
}

/** Run a workload, with a MULTI/EXEC around some of it. */
async function runWorkload(c: RawClient, cmds: Cmd[]): Promise<void> {
  for (let i = 0; i < cmds.length; i++) {
    if (i % 37 === 5) {
      await c.call('MULTI');
      await c.call(...cmds[i]);
      if (i + 1 < cmds.length) await c.call(...cmds[++i]);
      await c.call('EXEC');
      continue;
    }
    await c.call(...cmds[i]);
  }
  await c.call('SELECT', '0');
}

/** Commands with less common propagation: functions, streams and groups, db moves, flushes, served blocking moves. */
const SPECIAL: Cmd[] = [
  ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('bump', function(keys, args) redis.call('incrby', keys[1], args[1]); return redis.call('sadd', keys[2], args[1]) end)"],
  ['FCALL', 'bump', '2', 'fn:n', 'fn:s', '5'],
  ['FCALL', 'bump', '2', 'fn:n', 'fn:s', '7'],
  ['XADD', 'st', '*', 'a', '1'],
  ['XADD', 'st', '*', 'a', '2'],
  ['XADD', 'st', 'MAXLEN', '1', '*', 'a', '3'],
  ['XGROUP', 'CREATE', 'st', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 'st', '>'],
  ['XADD', 'st2', '1-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 'st2', 'g2', '$', 'MKSTREAM'],
  ['SET', 'mv', '1'],
  ['MOVE', 'mv', '2'],
  ['SELECT', '3'],
  ['SET', 'in3', 'x'],
  ['RPUSH', 'l3', 'a', 'b'],
  ['SELECT', '0'],
  ['SWAPDB', '3', '4'],
  ['SET', 'f1', '1'],
  ['SELECT', '5'],
  ['SET', 'gone', '1'],
  ['FLUSHDB'],
  ['SELECT', '0'],
  ['SET', 'lazy', '1', 'PX', '1'],
  ['HSET', 'hh', 'a', '1', 'b', '2'],
  ['HDEL', 'hh', 'a'],
  ['ZADD', 'zz', '1', 'a', '2', 'b'],
  ['ZINCRBY', 'zz', '2.5', 'a'],
  ['PFADD', 'hll', 'a', 'b', 'c'],
  ['SETRANGE', 'sr', '5', 'xyz'],
  ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '200'],
  ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo'],
  ['GETDEL', 'f1'],
  ['LPUSH', 'src', 'a', 'b', 'c'],
  ['SORT', 'src', 'ALPHA', 'STORE', 'sorted'],
];

async function digests(a: RawClient, b: RawClient): Promise<[string, string]> {
  return [await a.call('DEBUG', 'DIGEST'), await b.call('DEBUG', 'DIGEST')];
}

/**
 * SPECIAL on the master `m` (listening on masterPort), a PUBLISH seen by a subscriber of the
 * replica, a BLMOVE served by a push; then the replica `r` must have the same data (DEBUG
 * DIGEST, FUNCTION LIST, every database's size). The same case for either side being RedKit.
 */
async function specialCommands(m: RawClient, r: RawClient, masterPort: number, replicaPort: number): Promise<void> {
  await m.call('FLUSHALL');
  await m.call('FUNCTION', 'FLUSH');
  const sub = await RawClient.connect(replicaPort);
  await sub.call('SUBSCRIBE', 'news');
  for (const c of SPECIAL) await m.call(...c);
  await new Promise((res) => setTimeout(res, 5));
  expect(await m.call('GET', 'lazy')).toBe('$-1\r\n'); // expired now: a DEL goes to the replica
  const b = await RawClient.connect(masterPort);
  b.send('BLMOVE', 'q2', 'dst', 'LEFT', 'RIGHT', '0');
  await new Promise((res) => setTimeout(res, 50));
  await m.call('RPUSH', 'q2', 'x', 'y');
  expect(await b.read()).toBe('$1\r\nx\r\n');
  b.close();
  expect(await m.call('PUBLISH', 'news', 'hello')).toBe(':0\r\n');
  expect(await sub.read()).toBe('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
  sub.close();
  expect(await m.call('WAIT', '1', '5000')).toBe(':1\r\n');
  const [dm, dr] = await digests(m, r);
  expect(dr).toBe(dm);
  expect(await r.call('FUNCTION', 'LIST')).toBe(await m.call('FUNCTION', 'LIST'));
  expect(await r.call('EXISTS', 'lazy')).toBe(':0\r\n');
  for (const db of ['2', '3', '4', '5']) {
    await m.call('SELECT', db);
    await r.call('SELECT', db);
    expect(await r.call('DBSIZE')).toBe(await m.call('DBSIZE'));
  }
  await m.call('SELECT', '0');
  await r.call('SELECT', '0');
}

// Live only (docs/oracle.md): the replication link between the two servers does not go through
// the recording proxy and its timing (REPLCONF ACK, PINGs) changes the request bytes.
describe.skipIf(!liveOracle)('a redis-server replica of a RedKit master', () => {
  let master: RedKitServer;
  let replica: RedisProcess;
  let m: RawClient;
  let r: RawClient;
  beforeAll(async () => {
    master = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
    await master.listen(0);
    replica = await startRedisServer(['--enable-debug-command', 'yes', '--dir', tmpDir(), '--replicaof', '127.0.0.1', String(master.port)]);
    m = await RawClient.connect(master.port);
    r = await RawClient.connect(replica.port);
    await until('the replica link', async () => (await info(r)).master_link_status === 'up');
  });
  afterAll(async () => {
    m?.close();
    r?.close();
    await replica?.stop();
    await master?.close();
    master?.dispose();
  });

  it('applies every write: equal DEBUG DIGEST after a random workload', async () => {
    await m.call('SADD', 'big', ...Array.from({ length: 300 }, (_, i) => `e${i}`));
    await runWorkload(m, workload(7, 600));
    // A blocked pop served by a push.
    const b = await RawClient.connect(master.port);
    b.send('BLPOP', 'q', '0');
    await new Promise((res) => setTimeout(res, 50));
    await m.call('RPUSH', 'q', 'x', 'y');
    expect(await b.read()).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
    b.close();
    // A pop served by a push, then a push to the same list in the same pipeline.
    const b2 = await RawClient.connect(master.port);
    b2.send('BLPOP', 'q3', '0');
    await new Promise((res) => setTimeout(res, 50));
    m.write('*3\r\n$5\r\nRPUSH\r\n$2\r\nq3\r\n$1\r\na\r\n*3\r\n$5\r\nRPUSH\r\n$2\r\nq3\r\n$1\r\nb\r\n');
    expect(await m.read()).toBe(':1\r\n');
    expect(await m.read()).toMatch(/^:[12]\r\n$/);
    expect(await b2.read()).toBe('*2\r\n$2\r\nq3\r\n$1\r\na\r\n');
    b2.close();
    await m.call('SPOP', 'big', '10');
    expect(await m.call('WAIT', '1', '5000')).toBe(':1\r\n');
    const [dm, dr] = await digests(m, r);
    expect(dr).toBe(dm);
    expect(dm).not.toBe('+0000000000000000000000000000000000000000\r\n');
  });

  it('functions, streams and groups, MOVE, SWAPDB, FLUSHDB, lazy expiry, PUBLISH, a served BLMOVE', async () => {
    await specialCommands(m, r, master.port, replica.port);
  });

  it('ROLE and INFO replication on both sides', async () => {
    await m.call('SET', 'k', 'v');
    await m.call('WAIT', '1', '5000');
    const mi = await info(m);
    const ri = await info(r);
    expect(mi.role).toBe('master');
    expect(mi.connected_slaves).toBe('1');
    expect(mi.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    expect(ri.role).toBe('slave');
    expect(ri.master_replid).toBe(mi.master_replid);
    expect(ri.master_repl_offset).toBe(mi.master_repl_offset);
    expect(Object.keys(mi)).toEqual(['role', 'connected_slaves', 'slave0', 'master_failover_state', 'master_replid', 'master_replid2', 'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen']);
    const role = decode(await m.call('ROLE')) as [string, { int: string }, string[][]];
    expect(role[0]).toBe('master');
    expect(role[1]).toEqual({ int: mi.master_repl_offset });
    expect(role[2].length).toBe(1);
    expect(role[2][0].slice(0, 2)).toEqual(['127.0.0.1', String(replica.port)]);
    // Acknowledged up to the write (the REPLCONF GETACK that asked comes after it).
    expect(Number(role[2][0][2])).toBeLessThanOrEqual(Number(mi.master_repl_offset));
    expect(Number(role[2][0][2])).toBeGreaterThan(0);
    expect(await r.call('SET', 'x', '1')).toBe("-READONLY You can't write against a read only replica.\r\n");
  });
});

// Live only (docs/oracle.md): the replication link between the two servers does not go through
// the recording proxy and its timing (REPLCONF ACK, PINGs) changes the request bytes.
describe.skipIf(!liveOracle)('a RedKit replica of a redis-server master', () => {
  let master: RedisProcess;
  let replica: RedKitServer;
  let m: RawClient;
  let r: RawClient;
  beforeAll(async () => {
    master = await startRedisServer(['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0', '--dir', tmpDir()]);
    replica = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
    await replica.listen(0);
    m = await RawClient.connect(master.port);
    r = await RawClient.connect(replica.port);
    await m.call('HSET', 'before', 'f', 'v');
    await m.call('SADD', 'before:set', 'a', 'b');
    expect(await r.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await until('the replica link', async () => (await info(r)).master_link_status === 'up');
  });
  afterAll(async () => {
    m?.close();
    r?.close();
    await replica?.close();
    replica?.dispose();
    await master?.stop();
  });

  it('functions, streams and groups, MOVE, SWAPDB, FLUSHDB, lazy expiry, PUBLISH, a served BLMOVE from a real master', async () => {
    await specialCommands(m, r, master.port, replica.port);
  });

  it('loads the RDB and applies the stream: equal DEBUG DIGEST', async () => {
    await runWorkload(m, workload(11, 600));
    await m.call('SPOP', 'before:set');
    expect(await m.call('WAIT', '1', '5000')).toBe(':1\r\n');
    const [dm, dr] = await digests(m, r);
    expect(dr).toBe(dm);
  });

  it('ROLE, INFO replication, READONLY and WAIT on a replica', async () => {
    const ri = await info(r);
    const mi = await info(m);
    expect(Object.keys(ri)).toEqual([
      'role', 'master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago', 'master_sync_in_progress',
      'slave_read_repl_offset', 'slave_repl_offset', 'slave_priority', 'slave_read_only', 'replica_announced', 'connected_slaves',
      'master_failover_state', 'master_replid', 'master_replid2', 'master_repl_offset', 'second_repl_offset', 'repl_backlog_active',
      'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen',
    ]);
    expect(ri.master_replid).toBe(mi.master_replid);
    expect(ri.slave_repl_offset).toBe(mi.master_repl_offset);
    expect(decode(await r.call('ROLE'))).toEqual(['slave', '127.0.0.1', { int: String(master.port) }, 'connected', { int: mi.master_repl_offset }]);
    expect(await r.call('SET', 'x', '1')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(decode(await r.call('HELLO', '2'))).toContain('replica');
    expect(await r.call('MULTI')).toBe('+OK\r\n');
    expect(await r.call('INCR', 'x')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(await r.call('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await r.call('WAIT', '0', '0')).toMatch(/^-ERR WAIT cannot be used with replica instances/);
    // A script's write too (the read-only replica of a real master says the same, with the script's place).
    expect(await r.call('EVAL', "return redis.call('set','a','b')", '0')).toMatch(/^-READONLY You can't write against a read only replica\. script: \w+, on @user_script:1\.\r\n$/);
    expect(await r.call('EVAL', "return redis.pcall('set','a','b')", '0')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(await r.call('EVAL', "return redis.call('get','nosuchkey')", '0')).toBe('$-1\r\n');
    expect(await r.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK Already connected to specified master\r\n');
    expect(await r.call('GET', 'before:set')).toMatch(/WRONGTYPE|^\$-1/);
  });

  it('REPLICAOF NO ONE: a master again, writable, the old id kept as replid2', async () => {
    const before = await info(r);
    expect(await r.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const after = await info(r);
    expect(after.role).toBe('master');
    expect(after.master_replid2).toBe(before.master_replid);
    expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
    expect(await r.call('SET', 'x', '1')).toBe('+OK\r\n');
    expect(await r.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
  });
});

describe('replication commands: errors as redis-server', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  it('WAIT, REPLICAOF, REPLCONF argument errors and a master without replicas', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['ROLE'],
        ['WAIT'],
        ['WAIT', 'x', '0'],
        ['WAIT', '1', 'x'],
        ['WAIT', '1', '-1'],
        ['WAIT', '0', '0'],
        ['WAIT', '1', '1'],
        ['REPLICAOF'],
        ['REPLICAOF', 'a'],
        ['REPLICAOF', 'a', 'b'],
        ['REPLICAOF', '127.0.0.1', '70000'],
        ['SLAVEOF', 'a', '-1'],
        ['REPLICAOF', 'NO', 'ONE'],
        ['REPLCONF'],
        ['REPLCONF', 'foo', 'bar'],
        ['REPLCONF', 'listening-port'],
        ['REPLCONF', 'listening-port', '1234'],
        ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
        ['MULTI'],
        ['WAIT', '1', '0'],
        ['EXEC'],
      ]);
    }
  });
});
