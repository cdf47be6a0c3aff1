/**
 * startRedKitSentinel() against a real redis-sentinel 7.0.15 (redis-server
 * --sentinel) monitoring a real master and replica: the same commands to
 * both, replies compared byte for byte where they hold no addresses or ids
 * (errors, HELP, ROLE, CKQUORUM, RESET...), field names and order where they
 * do (SENTINEL MASTER / REPLICAS, INFO sentinel), in RESP2 and RESP3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedKitSentinel, type RedKitSentinel } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { freePort, liveOracle, redisServerPath, startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { decode, expectSame, type Cmd } from '../support/differential.js';

let master: RedisProcess;
let replica: RedisProcess;
let sentinelProc: ChildProcess;
let sentinelPort: number;
let ours: RedKitSentinel;
let dir: string;
const open: RawClient[] = [];

async function until(what: string, f: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function clients(proto: 2 | 3): Promise<{ r: RawClient; k: RawClient }> {
  const r = await RawClient.connect(sentinelPort);
  const k = await RawClient.connect(ours.port);
  open.push(r, k);
  if (proto === 3) for (const c of [r, k]) await c.call('HELLO', '3');
  return { r, k };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-sentinel-'));
  master = await startRedisServer(['--dir', dir]);
  replica = await startRedisServer(['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)]);
  sentinelPort = await freePort();
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\n`);
  sentinelProc = spawn(redisServerPath(), [conf, '--sentinel'], { stdio: 'ignore' });
  ours = await startRedKitSentinel({ masterName: 'mymaster', replicas: 1, logger: 'error' });
  await until('the real sentinel to see the replica', async () => {
    try {
      const c = await RawClient.connect(sentinelPort);
      const s = await c.call('SENTINEL', 'REPLICAS', 'mymaster');
      c.close();
      return s !== '*0\r\n';
    } catch {
      return false;
    }
  });
});

afterAll(async () => {
  for (const c of open) c.close();
  if (sentinelProc && sentinelProc.exitCode === null) {
    const exited = new Promise((r) => sentinelProc.once('exit', r));
    sentinelProc.kill('SIGTERM');
    await exited;
  }
  await replica?.stop();
  await master?.stop();
  await ours?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Live only (docs/oracle.md): redis-sentinel is spawned directly and talks to its servers on
// its own schedule (hellos, pings), so there is nothing deterministic to record.
describe.skipIf(!liveOracle)('sentinel mode against redis-sentinel', () => {
  it('same replies where no address or id is involved (RESP2 and RESP3)', async () => {
    const steps: Cmd[] = [
      ['PING'],
      ['ROLE'],
      ['SENTINEL'],
      ['SENTINEL', 'foo'],
      ['SENTINEL', 'HELP'],
      ['SENTINEL', 'MASTER'],
      ['SENTINEL', 'MASTER', 'nope'],
      ['SENTINEL', 'MASTERS', 'x'],
      ['SENTINEL', 'REPLICAS', 'nope'],
      ['SENTINEL', 'SLAVES', 'nope'],
      ['SENTINEL', 'SENTINELS', 'mymaster'],
      ['SENTINEL', 'SENTINELS', 'nope'],
      ['SENTINEL', 'get-master-addr-by-name'],
      ['SENTINEL', 'get-master-addr-by-name', 'nope'],
      ['SENTINEL', 'CKQUORUM', 'mymaster'],
      ['SENTINEL', 'CKQUORUM', 'nope'],
      ['SENTINEL', 'MYID', 'x'],
      ['SENTINEL', 'RESET'],
      ['SENTINEL', 'RESET', 'nomatch*'],
      ['SENTINEL', 'FAILOVER'],
      ['SENTINEL', 'FAILOVER', 'nope'],
      ['GET', 'x'],
      ['SET', 'x', '1'],
      ['COMMAND', 'COUNT'],
      ['QUIT'],
    ];
    for (const proto of [2, 3] as const) {
      const { r, k } = await clients(proto);
      await expectSame(r, k, steps);
    }
  });

  it('SENTINEL MASTER / REPLICAS / get-master-addr-by-name / MYID: same shapes and field names', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await clients(proto);
      const keys = (flat: unknown): string[] => {
        if (Array.isArray(flat)) return flat.filter((_, i) => i % 2 === 0) as string[];
        return Object.keys(flat as object);
      };
      const rm = decode(await r.call('SENTINEL', 'MASTER', 'mymaster'));
      const km = decode(await k.call('SENTINEL', 'MASTER', 'mymaster'));
      expect(keys(km)).toEqual(keys(rm));
      const rr = decode(await r.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[];
      const kr = decode(await k.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[];
      expect(kr.length).toBe(rr.length);
      expect(keys(kr[0])).toEqual(keys(rr[0]));
      const ra = await r.call('SENTINEL', 'get-master-addr-by-name', 'mymaster');
      const ka = await k.call('SENTINEL', 'get-master-addr-by-name', 'mymaster');
      expect(ka.replace(/\d{4,5}/, 'PORT')).toBe(ra.replace(/\d{4,5}/, 'PORT'));
      expect(decode(ka)).toEqual(['127.0.0.1', String(ours.master.port)]);
      expect((await k.call('SENTINEL', 'MYID')).length).toBe((await r.call('SENTINEL', 'MYID')).length);
      const hello = (c: RawClient) => c.call('HELLO', String(proto)).then((x) => x.replace(/id\r\n:\d+/, 'id\r\n:ID'));
      expect(await hello(k)).toBe(await hello(r));
    }
  });

  it('INFO sentinel: same fields', async () => {
    const { r, k } = await clients(2);
    const fields = (s: string) => (decode(s) as string).split('\r\n').map((l) => l.split(':')[0]);
    expect(fields(await k.call('INFO', 'sentinel'))).toEqual(fields(await r.call('INFO', 'sentinel')));
    const sections = (s: string) => (decode(s) as string).split('\r\n').filter((l) => l.startsWith('#'));
    expect(sections(await k.call('INFO'))).toEqual(sections(await r.call('INFO')));
    expect(decode(await k.call('INFO', 'server'))).toMatch(/\r\nredis_mode:sentinel\r\n/);
  });
});
