/**
 * A master that stopped, as redis-sentinel 7.0.15 and startRedKitSentinel()
 * report it: both with down-after-milliseconds 300 and quorum 2 (one
 * sentinel cannot reach ODOWN, so the master stays SDOWN and no failover
 * hides it). SENTINEL MASTER's flags and field names (s-down-time appears),
 * the replica's flags, INFO sentinel's status, CKQUORUM, and SENTINEL SET's
 * replies and errors, compared with a real sentinel in RESP2 and RESP3.
 * Live only: the real sentinel works on its own schedule.
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

let master: RedisProcess | undefined;
let replica: RedisProcess | undefined;
let sentinelProc: ChildProcess | undefined;
let sentinelPort: number;
let ours: RedKitSentinel | undefined;
let dir: string | undefined;
const open: RawClient[] = [];

async function until(what: string, f: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const asObject = (reply: unknown): Record<string, string> => {
  let v = reply;
  // RESP3 maps decode as { map: [k, v, ...] }
  if (!Array.isArray(v)) v = (v as { map: unknown[] }).map;
  const o: Record<string, string> = {};
  const flat = v as unknown[];
  for (let i = 0; i < flat.length; i += 2) o[flat[i] as string] = flat[i + 1] as string;
  return o;
};

async function masterOf(port: number): Promise<Record<string, string>> {
  const c = await RawClient.connect(port);
  try {
    return asObject(decode(await c.call('SENTINEL', 'MASTER', 'mymaster')));
  } finally {
    c.close();
  }
}

describe.skipIf(!liveOracle)('a stopped master against redis-sentinel', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-sentinel-down-'));
    master = await startRedisServer(['--dir', dir]);
    replica = await startRedisServer(['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)]);
    sentinelPort = await freePort();
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(
      conf,
      `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${master.port} 2\nsentinel down-after-milliseconds mymaster 300\n`,
    );
    sentinelProc = spawn(redisServerPath(), [conf, '--sentinel'], { stdio: 'ignore' });
    ours = await startRedKitSentinel({ masterName: 'mymaster', replicas: 1, quorum: 2, downAfterMilliseconds: 300, logger: 'error' });
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
    await master.stop();
    await ours.master.stop();
    await until('both sentinels to see the master down', async () => (await masterOf(sentinelPort)).flags.startsWith('s_down') && (await masterOf(ours!.port)).flags.startsWith('s_down'));
  });

  afterAll(async () => {
    for (const c of open) c.close();
    if (sentinelProc && sentinelProc.exitCode === null) {
      const exited = new Promise((r) => sentinelProc!.once('exit', r));
      sentinelProc.kill('SIGTERM');
      await exited;
    }
    await replica?.stop();
    await ours?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function clients(proto: 2 | 3): Promise<{ r: RawClient; k: RawClient }> {
    const r = await RawClient.connect(sentinelPort);
    const k = await RawClient.connect(ours!.port);
    open.push(r, k);
    if (proto === 3) for (const c of [r, k]) await c.call('HELLO', '3');
    return { r, k };
  }

  it('SENTINEL MASTER: same flags and fields (s-down-time, no o-down-time); the replica as Redis shows it', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await clients(proto);
      const rm = asObject(decode(await r.call('SENTINEL', 'MASTER', 'mymaster')));
      const km = asObject(decode(await k.call('SENTINEL', 'MASTER', 'mymaster')));
      expect(km.flags).toBe(rm.flags);
      expect(km.flags).toBe('s_down,master,disconnected');
      expect(Object.keys(km)).toEqual(Object.keys(rm));
      expect(Object.keys(km)).toContain('s-down-time');
      for (const f of ['last-ok-ping-reply', 'last-ping-reply', 's-down-time']) expect(Number(km[f])).toBeGreaterThan(0);
      expect(km['down-after-milliseconds']).toBe(rm['down-after-milliseconds']);
      expect(km.quorum).toBe('2');
      const rr = (decode(await r.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).map(asObject);
      const kr = (decode(await k.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).map(asObject);
      expect(kr.map((x) => x.flags)).toEqual(rr.map((x) => x.flags));
      expect(kr.map((x) => Object.keys(x))).toEqual(rr.map((x) => Object.keys(x)));
      const status = (s: string) => /master0:name=mymaster,status=(\w+),/.exec(decode(s) as string)?.[1];
      expect(status(await k.call('INFO', 'sentinel'))).toBe(status(await r.call('INFO', 'sentinel')));
      expect(status(await k.call('INFO', 'sentinel'))).toBe('sdown');
    }
  });

  it('IS-MASTER-DOWN-BY-ADDR: the stopped master is down for both, another address is not', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await clients(proto);
      const ask = (c: RawClient, port: number, epoch = '0') => c.call('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', String(port), epoch, '*');
      expect(await ask(k, ours!.master.port)).toBe(await ask(r, master!.port));
      expect(await ask(k, ours!.master.port)).toBe('*3\r\n:1\r\n$1\r\n*\r\n:0\r\n');
      expect(await ask(k, 1)).toBe(await ask(r, 1));
      expect(await ask(k, ours!.master.port, 'x')).toBe(await ask(r, master!.port, 'x'));
    }
  });

  it('CKQUORUM and SENTINEL SET: same replies and errors', async () => {
    const steps: Cmd[] = [
      ['SENTINEL', 'CKQUORUM', 'mymaster'],
      ['SENTINEL', 'SET'],
      ['SENTINEL', 'SET', 'mymaster'],
      ['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds'],
      ['SENTINEL', 'SET', 'nope', 'down-after-milliseconds', '300'],
      ['SENTINEL', 'SET', 'mymaster', 'foo', '1'],
      ['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '0'],
      ['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', 'abc'],
      ['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '-5'],
      ['SENTINEL', 'SET', 'mymaster', 'failover-timeout', '-1'],
      ['SENTINEL', 'SET', 'mymaster', 'parallel-syncs', '0'],
      ['SENTINEL', 'SET', 'mymaster', 'quorum', '0'],
      ['SENTINEL', 'SET', 'mymaster', 'DOWN-AFTER-MILLISECONDS', '300', 'quorum', '2'],
      ['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '300', 'bad'],
      ['SENTINEL', 'SET', 'mymaster', 'parallel-syncs', '1', 'failover-timeout', '180000'],
    ];
    for (const proto of [2, 3] as const) {
      const { r, k } = await clients(proto);
      await expectSame(r, k, steps);
      const rm = await masterOf(sentinelPort);
      const km = await masterOf(ours!.port);
      for (const f of ['down-after-milliseconds', 'quorum', 'parallel-syncs', 'failover-timeout']) expect(km[f]).toBe(rm[f]);
    }
  });
});

/** Events of a sentinel, as a subscriber of '*' receives them (RESP2 pmessage pushes). */
async function subscribeAll(port: number): Promise<{ list: string[]; close: () => void }> {
  const net = await import('node:net');
  const list: string[] = [];
  const s = net.connect({ host: '127.0.0.1', port });
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      // *4 $8 pmessage $1 * $<n> channel $<n> message
      const m = /^\*4\r\n\$8\r\npmessage\r\n\$1\r\n\*\r\n\$(\d+)\r\n/.exec(buf);
      if (m === null) {
        const sub = /^\*3\r\n\$10\r\npsubscribe\r\n\$1\r\n\*\r\n:1\r\n/.exec(buf);
        if (sub !== null) {
          buf = buf.slice(sub[0].length);
          continue;
        }
        return;
      }
      let p = m[0].length;
      const ch = buf.slice(p, p + Number(m[1]));
      p += Number(m[1]) + 2;
      const lm = /^\$(\d+)\r\n/.exec(buf.slice(p));
      if (lm === null) return;
      const len = Number(lm[1]);
      p += lm[0].length;
      if (buf.length < p + len + 2) return;
      list.push(`${ch} ${buf.slice(p, p + len)}`);
      buf = buf.slice(p + len + 2);
    }
  });
  s.on('error', () => {});
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write('*2\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n');
  return { list, close: () => s.destroy() };
}

describe.skipIf(!liveOracle)('a detected failure against redis-sentinel: the events', () => {
  let m2: RedisProcess | undefined;
  let r2: RedisProcess | undefined;
  let proc: ChildProcess | undefined;
  let ours2: RedKitSentinel | undefined;
  let dir2: string | undefined;
  const subs: Array<() => void> = [];

  afterAll(async () => {
    for (const c of subs) c();
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await r2?.stop();
    await m2?.stop();
    await ours2?.stop();
    if (dir2) fs.rmSync(dir2, { recursive: true, force: true });
  });

  it('same events in the same order from +sdown to +slave, same messages once addresses and ids are named', async () => {
    // down-after-milliseconds 1500, not less: redis-sentinel promotes with a MULTI that ends in CLIENT KILL
    // TYPE normal, which closes its own link to the replica; with a down-after shorter than its reconnect
    // period (1 s) that link alone makes extra +sdown/-sdown events mid-failover, which RedKit does not make.
    dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-sentinel-events-'));
    m2 = await startRedisServer(['--dir', dir2]);
    r2 = await startRedisServer(['--dir', dir2, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(m2.port)]);
    const port = await freePort();
    const conf = path.join(dir2, 'sentinel.conf');
    fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir2}\nsentinel monitor mymaster 127.0.0.1 ${m2.port} 1\nsentinel down-after-milliseconds mymaster 1500\n`);
    proc = spawn(redisServerPath(), [conf, '--sentinel'], { stdio: 'ignore' });
    ours2 = await startRedKitSentinel({ masterName: 'mymaster', replicas: 1, downAfterMilliseconds: 1500, logger: 'error' });
    await until('the real sentinel to see the replica', async () => {
      try {
        const c = await RawClient.connect(port);
        const s = await c.call('SENTINEL', 'REPLICAS', 'mymaster');
        c.close();
        return s !== '*0\r\n';
      } catch {
        return false;
      }
    });
    const theirs = await subscribeAll(port);
    const mine = await subscribeAll(ours2.port);
    subs.push(theirs.close, mine.close);
    const oursMaster = ours2.master;
    const oursReplica = ours2.replicas[0];
    await m2.stop();
    await oursMaster.stop();
    const done = (l: string[]) => l.some((e) => e.startsWith('+slave '));
    await until('both failovers', async () => done(theirs.list) && done(mine.list), 30000);
    const named = (l: string[], master: number, replica: number) =>
      l
        .slice(0, l.findIndex((e) => e.startsWith('+slave ')) + 1)
        .map((e) => e.replaceAll(String(master), 'M').replaceAll(String(replica), 'R').replace(/[0-9a-f]{40}/, 'ID'));
    expect(named(mine.list, oursMaster.port, oursReplica.port)).toEqual(named(theirs.list, m2.port, r2.port));
    // The old master, remembered as a replica, is SDOWN down-after-milliseconds later: same flags and fields.
    const sdownSlave = (l: string[]) => l.some((e) => e.startsWith('+sdown slave'));
    await until('the old master SDOWN as a replica', async () => sdownSlave(theirs.list) && sdownSlave(mine.list), 30000);
    const replicasOf = async (p: number) => {
      const c = await RawClient.connect(p);
      try {
        return (decode(await c.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).map(asObject);
      } finally {
        c.close();
      }
    };
    const theirOld = (await replicasOf(port)).find((x) => x.port === String(m2!.port));
    const ourOld = (await replicasOf(ours2.port)).find((x) => x.port === String(oursMaster.port));
    expect(ourOld?.flags).toBe(theirOld?.flags);
    expect(Object.keys(ourOld ?? {})).toEqual(Object.keys(theirOld ?? {}));
    for (const f of ['runid', 'master-host', 'master-port', 'master-link-status', 'info-refresh']) expect(ourOld?.[f]).toBe(theirOld?.[f]);
    // The hello a subscriber of the new master sees.
    const h1 = await subscribeAll(r2.port);
    const h2 = await subscribeAll(oursReplica.port);
    subs.push(h1.close, h2.close);
    const hello = (l: string[]) => l.find((e) => e.startsWith('__sentinel__:hello '));
    await until('a hello from both', async () => hello(h1.list) !== undefined && hello(h2.list) !== undefined, 10000);
    const nameHello = (e: string, sentinelPort: number, m: number) =>
      e.replaceAll(String(sentinelPort), 'S').replaceAll(String(m), 'M').replace(/[0-9a-f]{40}/, 'ID');
    expect(nameHello(hello(h2.list)!, ours2.port, oursReplica.port)).toBe(nameHello(hello(h1.list)!, port, r2.port));
    expect(nameHello(hello(h2.list)!, ours2.port, oursReplica.port)).toBe('__sentinel__:hello 127.0.0.1,S,ID,1,mymaster,127.0.0.1,M,1');
  });
});
