/**
 * MIGRATE: the same sequences from a source to a target, for every pairing of
 * redis-server and RedKit (redis→redis is the reference; RedKit→RedKit,
 * RedKit→redis and redis→RedKit must give the same reply bytes, in RESP2 and
 * RESP3, the same keyspace events and dirty count on the source, and the same keyspaces on
 * both ends: TYPE, DUMP and TTL of every key in dbs 0 and 1).
 *
 * The commands name ports chosen at run time, so they cannot be replayed from
 * recordings: live redis-server only.
 */
import fs from 'node:fs';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient, decode, readUntilMarker } from '../support/differential.js';
import { okPerCommand } from '../support/raw-client.js';
import { freePort, liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';

type Side = { port: number };

interface World {
  r1: RedisProcess;
  r2: RedisProcess;
  k1: RedKitServer;
  k2: RedKitServer;
}

/** A step: a command for the source (H/P replaced by the target's host/port), or an admin command on the target. */
type Step = { src: string[] } | { dst: string[] };

async function snapshot(port: number, password?: string): Promise<unknown> {
  const c = await RawClient.connect(port);
  if (password !== undefined) await c.call('AUTH', password);
  const out: Record<string, unknown> = {};
  for (const db of ['0', '1']) {
    await c.call('SELECT', db);
    const keys = (decode(await c.call('KEYS', '*')) as string[]).sort();
    for (const k of keys) {
      const ttl = Number(decode(await c.call('PTTL', k)));
      out[`${db}/${k}`] = {
        type: await c.call('TYPE', k),
        dump: await c.call('DUMP', k),
        // The TTL left after a MIGRATE (a few ms pass between the two servers' reads).
        ttl: ttl < 0 ? ttl : Math.round(ttl / 5000),
      };
    }
  }
  c.close();
  return out;
}

async function admin(port: number, argv: string[], password?: string): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    if (password !== undefined) await c.call('AUTH', password);
    return await c.call(...argv);
  } finally {
    c.close();
  }
}

/**
 * Run the steps from `src` to `dst` with a client in `proto`; return the
 * source's replies, its keyspace events and both keyspaces.
 */
async function run(src: Side, dst: Side, proto: 2 | 3, steps: Step[], dstPassword?: string): Promise<unknown> {
  const c = await RawClient.connect(src.port);
  const sub = await RawClient.connect(src.port);
  if (proto === 3) {
    await c.call('HELLO', '3');
    await sub.call('HELLO', '3');
  }
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__key*__:*');
  await sub.call('SUBSCRIBE', 'sentinel');
  // The dirty counter and keyspace hits/misses (MIGRATE looks its keys up as a read).
  const dirty = async (): Promise<number[]> => {
    const info = await c.call('INFO', 'everything');
    return ['rdb_changes_since_last_save', 'keyspace_hits', 'keyspace_misses'].map((f) => Number(new RegExp(`${f}:(\\d+)`).exec(info)![1]));
  };
  const dirty0 = await dirty();
  const replies: string[] = [];
  for (const s of steps) {
    if ('src' in s) {
      const argv = s.src.map((a) => (a === 'H' ? '127.0.0.1' : a === 'P' ? String(dst.port) : a));
      replies.push(`${s.src.join(' ')} -> ${await c.call(...argv)}`);
    } else {
      const d = await RawClient.connect(dst.port);
      if (dstPassword !== undefined) await d.call('AUTH', dstPassword);
      await d.call(...s.dst);
      d.close();
    }
  }
  const changes = (await dirty()).map((v, i) => v - dirty0[i]);
  await c.call('PUBLISH', 'sentinel', 'end');
  const events = await readUntilMarker(sub, 'sentinel');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  c.close();
  sub.close();
  return { replies, events, changes, src: await snapshot(src.port), dst: await snapshot(dst.port, dstPassword) };
}

const BASIC: Step[] = [
  { src: ['SET', 'a', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000'] },
  { src: ['SET', 'b', 'hello', 'PX', '100000'] },
  { src: ['RPUSH', 'l', '1', '2', '3'] },
  { src: ['HSET', 'h', 'f', 'v'] },
  { src: ['ZADD', 'z', '1', 'm', '2.5', 'n'] },
  { src: ['SADD', 's', '1', '2', '3'] },
  { src: ['MIGRATE', 'H', 'P', '', '0', '1000', 'KEYS', 'b', 'l', 'missing', 'h', 'z', 's'] },
  { src: ['MIGRATE', 'H', 'P', '', '0', '1000', 'KEYS', 'nope1', 'nope2'] },
  { src: ['MIGRATE', 'H', 'P', '', '0', '1000', 'KEYS'] },
  { src: ['SET', 'c', 'x'] },
  { src: ['MIGRATE', 'H', 'P', 'c', '0', '1000', 'COPY'] },
  { src: ['MIGRATE', 'H', 'P', 'c', '0', '1000'] },
  { src: ['SET', 'c', 'y'] },
  { src: ['MIGRATE', 'H', 'P', 'c', '0', '1000', 'copy', 'replace'] },
  { src: ['MIGRATE', 'H', 'P', 'c', '0', '1000', 'REPLACE'] },
  { src: ['SET', 'd', '1', 'EX', '500'] },
  { src: ['MIGRATE', 'H', 'P', 'd', '1', '1000'] },
  { src: ['SET', 'e', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'e', '1', '0'] },
  { src: ['SET', 'f', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'f', '0', '-5'] },
  { src: ['SET', 'g', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'g', '99', '1000'] },
  { src: ['MIGRATE', 'H', 'P', 'g', '-1', '1000'] },
  { src: ['MIGRATE', 'H', 'P', 'g', '0', '1000'] },
  // Target keys in the way, one of two.
  { src: ['SET', 'i', '1'] },
  { src: ['SET', 'j', '2'] },
  { dst: ['SET', 'j', 'theirs'] },
  { src: ['MIGRATE', 'H', 'P', '', '0', '1000', 'KEYS', 'i', 'j'] },
  { src: ['MIGRATE', 'H', 'P', '', '0', '1000', 'REPLACE', 'KEYS', 'i', 'j'] },
  // AUTH to a target without a password: the error, but the RESTORE went through.
  { src: ['SET', 'k', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'k', '0', '1000', 'AUTH', 'pw'] },
  { src: ['MIGRATE', 'H', 'P', 'k', '0', '1000', 'AUTH2', 'default', 'pw', 'REPLACE'] },
];

const SYNTAX: Step[] = [
  { src: ['SET', 'x', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '1000', 'FOO'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '1000', 'AUTH'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '1000', 'AUTH2', 'u'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '1000', 'KEYS', 'x'] },
  { src: ['MIGRATE', 'H', 'P', 'x', 'zero', '1000'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', 'soon'] },
  { src: ['MIGRATE', 'H', 'P', 'x', 'zero', 'soon'] },
  { src: ['MIGRATE', 'H', 'P', 'x', 'zero', 'soon', 'FOO'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '99999999999999999999'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0'] },
  { src: ['MIGRATE', 'H', 'P', 'x', '0', '1000', 'COPY', 'KEYS'] },
  { src: ['MIGRATE', 'H', 'P', 'nokey', '0', '1000', 'FOO'] },
  { src: ['MIGRATE', 'H', 'P', 'nokey', '0', '1000'] },
  { src: ['EXISTS', 'x'] },
];

const AUTH: Step[] = [
  { src: ['SET', 'a', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000', 'AUTH', 'wrong'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000', 'AUTH2', 'mig', 'wrong'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000', 'AUTH2', 'nobody', 'secret'] },
  { src: ['MIGRATE', 'H', 'P', 'a', '0', '1000', 'AUTH', 'secret'] },
  { src: ['SET', 'b', '1'] },
  { src: ['MIGRATE', 'H', 'P', 'b', '1', '1000', 'AUTH2', 'mig', 'mpw'] },
  { src: ['SET', 'c', '1'] },
  // The cached connection is authenticated now.
  { src: ['MIGRATE', 'H', 'P', 'c', '1', '1000'] },
];

describe.skipIf(!liveOracle)('MIGRATE (redis→redis vs RedKit→RedKit, RedKit→redis, redis→RedKit)', () => {
  let w: World;
  const open: net.Server[] = [];

  beforeAll(async () => {
    const [r1, r2] = await Promise.all([startRedisServer(), startRedisServer()]);
    const k1 = createServer({ logger: 'error' });
    const k2 = createServer({ logger: 'error' });
    await k1.listen(0);
    await k2.listen(0);
    w = { r1, r2, k1, k2 };
  });

  afterAll(async () => {
    for (const s of open) s.close();
    if (w === undefined) return;
    for (const k of [w.k1, w.k2]) {
      await k.close();
      k.dispose();
    }
    await Promise.all([w.r1.stop(), w.r2.stop()]);
  });

  const flushAll = async (password?: string): Promise<void> => {
    for (const p of [w.r1.port, w.r2.port, w.k1.port, w.k2.port]) {
      const c = await RawClient.connect(p);
      if (password !== undefined) await c.call('AUTH', password);
      await c.call('FLUSHALL');
      c.close();
    }
  };

  /** Every pairing, the reference (redis→redis) first; each pairing's first use of its connection is in this test. */
  const pairings = (): Array<[string, Side, Side]> => [
    ['redis→redis', { port: w.r1.port }, { port: w.r2.port }],
    ['redkit→redkit', { port: w.k1.port }, { port: w.k2.port }],
    ['redkit→redis', { port: w.k1.port }, { port: w.r2.port }],
    ['redis→redkit', { port: w.r1.port }, { port: w.k2.port }],
  ];

  const compare = async (steps: Step[], proto: 2 | 3, setup?: (dst: number) => Promise<void>, password?: string): Promise<void> => {
    let ref: unknown;
    for (const [name, src, dst] of pairings()) {
      await flushAll(password);
      if (setup) await setup(dst.port);
      const got = await run(src, dst, proto, steps, password);
      if (ref === undefined) ref = got;
      else expect(got, name).toEqual(ref);
    }
  };

  // The AUTH test must come first: each pairing's cached connection is made here, unauthenticated.
  it('AUTH and AUTH2, right and wrong, against a target with a password (RESP2)', async () => {
    const setup = async (port: number): Promise<void> => {
      // (AUTH fails harmlessly on a target without a password yet.)
      await admin(port, ['ACL', 'SETUSER', 'mig', 'on', '>mpw', '~*', '+@all'], 'secret');
      await admin(port, ['CONFIG', 'SET', 'requirepass', 'secret'], 'secret');
    };
    try {
      await compare(AUTH, 2, setup, 'secret');
    } finally {
      for (const p of [w.r2.port, w.k2.port]) {
        const c = await RawClient.connect(p);
        await c.call('AUTH', 'secret');
        await c.call('CONFIG', 'SET', 'requirepass', '');
        await c.call('ACL', 'DELUSER', 'mig');
        c.close();
      }
    }
  });

  for (const proto of [2, 3] as const) {
    it(`single key, KEYS, COPY, REPLACE, BUSYKEY, NOKEY, SELECT, target errors (RESP${proto})`, async () => {
      await compare(BASIC, proto);
    });
    it(`syntax and argument errors (RESP${proto})`, async () => {
      await compare(SYNTAX, proto);
    });
  }

  /** A target that accepts and then `behave`s. */
  const fakeTarget = async (behave: (s: net.Socket) => void): Promise<number> => {
    const srv = net.createServer(behave);
    open.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    return (srv.address() as net.AddressInfo).port;
  };

  const againstFake = async (port: number, argv: string[]): Promise<void> => {
    const out: string[] = [];
    for (const src of [w.r1.port, w.k1.port]) {
      const c = await RawClient.connect(src);
      await c.call('SET', 'k', 'v');
      await c.call('SET', 'k2', 'v');
      const reply = await c.call(...argv.map((a) => (a === 'P' ? String(port) : a)));
      out.push(`${reply} exists=${await c.call('EXISTS', 'k', 'k2')}`);
      await c.call('DEL', 'k', 'k2');
      c.close();
    }
    expect(out[1]).toBe(out[0]);
  };

  it('an unreachable target', async () => {
    const port = await freePort();
    await againstFake(port, ['MIGRATE', '127.0.0.1', 'P', 'k', '0', '500']);
    await againstFake(port, ['MIGRATE', '127.0.0.1', 'notaport', 'k', '0', '500']);
  });

  it('a target that never answers (timeout), one that closes, one that answers garbage', async () => {
    const silent = await fakeTarget(() => undefined);
    await againstFake(silent, ['MIGRATE', '127.0.0.1', 'P', 'k', '0', '100']);
    const closing = await fakeTarget((s) => s.destroy());
    await againstFake(closing, ['MIGRATE', '127.0.0.1', 'P', 'k', '0', '500']);
    const garbage = await fakeTarget((s) => {
      s.on('data', () => s.write('what\r\n'));
      s.on('error', () => undefined);
    });
    await againstFake(garbage, ['MIGRATE', '127.0.0.1', 'P', '', '0', '500', 'KEYS', 'k', 'k2']);
    const errors = await fakeTarget((s) => {
      s.on('data', () => s.write('-NOPE no\r\n'));
      s.on('error', () => undefined);
    });
    await againstFake(errors, ['MIGRATE', '127.0.0.1', 'P', '', '0', '500', 'COPY', 'KEYS', 'k', 'k2']);
  });

  it('WATCH sees the keys that left', async () => {
    const out: string[][] = [];
    const port = await fakeTarget((s) => {
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        const n = (d.latin1Slice().match(/RESTORE|SELECT/g) ?? []).length;
        for (let i = 0; i < n; i++) s.write('+OK\r\n');
      });
    });
    for (const src of [w.r1.port, w.k1.port]) {
      const a = await RawClient.connect(src);
      const b = await RawClient.connect(src);
      await a.call('MSET', 'w1', '1', 'w2', '2');
      await b.call('WATCH', 'w1');
      const replies = [await a.call('MIGRATE', '127.0.0.1', String(port), 'w2', '0', '1000'), await b.call('MULTI'), await b.call('GET', 'w1'), await b.call('EXEC')];
      await b.call('WATCH', 'w1');
      replies.push(await a.call('MIGRATE', '127.0.0.1', String(port), 'w1', '0', '1000', 'COPY'), await b.call('MULTI'), await b.call('EXEC'));
      await b.call('WATCH', 'w1');
      replies.push(await a.call('MIGRATE', '127.0.0.1', String(port), 'w1', '0', '1000'), await b.call('MULTI'), await b.call('EXEC'));
      await a.call('FLUSHALL');
      a.close();
      b.close();
      out.push(replies);
    }
    expect(out[1]).toEqual(out[0]);
  });

  it('ACL: the command, key patterns (the key argument, the KEYS list, AUTH values skipped), read-only selectors', async () => {
    const out: string[][] = [];
    for (const port of [w.r1.port, w.k1.port]) {
      const replies: string[] = [];
      await admin(port, ['ACL', 'SETUSER', 'u', 'on', '>p', '~a*', '+@all']);
      await admin(port, ['ACL', 'SETUSER', 'ro', 'on', '>p', '%R~*', '+@all']);
      await admin(port, ['ACL', 'SETUSER', 'nomig', 'on', '>p', '~*', '+@all', '-migrate']);
      await admin(port, ['MSET', 'a1', 'v', 'b1', 'v']);
      const dead = String(await freePort());
      for (const user of ['u', 'ro', 'nomig']) {
        const c = await RawClient.connect(port);
        await c.call('AUTH', user, 'p');
        for (const argv of [
          ['a1', '0', '100'],
          ['b1', '0', '100'],
          ['', '0', '100', 'KEYS', 'a1'],
          ['', '0', '100', 'KEYS', 'a1', 'b1'],
          ['', '0', '100', 'AUTH', 'KEYS', 'a1'],
          ['', '0', '100', 'AUTH2', 'x', 'KEYS', 'KEYS', 'a1'],
          ['x', '0', '100', 'KEYS', 'a1'],
          ['a1', '0', '100', 'FOO'],
        ]) {
          replies.push(`${user} ${argv.join(' ')} -> ${await c.call('MIGRATE', '127.0.0.1', dead, ...argv)}`);
        }
        c.close();
      }
      for (const u of ['u', 'ro', 'nomig']) await admin(port, ['ACL', 'DELUSER', u]);
      await admin(port, ['DEL', 'a1', 'b1']);
      out.push(replies);
    }
    expect(out[1]).toEqual(out[0]);
  });

  it('MONITOR and SLOWLOG show AUTH/AUTH2 values as (redacted)', async () => {
    const out: string[][] = [];
    for (const port of [w.r1.port, w.k1.port]) {
      const mon = await RawClient.connect(port);
      await mon.call('MONITOR');
      const c = await RawClient.connect(port);
      await c.call('SET', 'k', 'v');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await c.call('SLOWLOG', 'RESET');
      const dead = String(await freePort());
      const lines: string[] = [];
      for (const argv of [
        ['k', '0', '100', 'AUTH2', 'user', 'pass', 'KEYS'],
        ['', '0', '100', 'COPY', 'AUTH', 'pass', 'KEYS', 'k'],
        ['k', '0', '100', 'AUTH', 'pass', 'AUTH2', 'u', 'p2', 'FOO'],
      ]) {
        lines.push(await c.call('MIGRATE', '127.0.0.1', dead, ...argv));
      }
      const slow = decode(await c.call('SLOWLOG', 'GET', '10')) as unknown[][];
      for (const e of slow) lines.push(JSON.stringify((e[3] as string[]).map((a) => (a === dead ? 'PORT' : a))));
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      await c.call('PING');
      for (;;) {
        const m = await mon.read();
        if (m.includes('"PING"') || m.includes('"ping"')) break;
        // +<time> [<db> <addr>] "cmd" ...: the arguments only.
        lines.push(m.replace(/^\+[0-9.]+ \[[^\]]*\] /, '').replace(dead, 'PORT'));
      }
      mon.close();
      c.close();
      out.push(lines);
    }
    expect(out[1]).toEqual(out[0]);
    expect(out[0].join('\n')).toContain('(redacted)');
  });

  it('sends the target the same bytes (AUTH2, SELECT, RESTORE with the DUMP payload, REPLACE)', async () => {
    const sent: string[] = [];
    for (const src of [w.r1.port, w.k1.port]) {
      const target = okPerCommand();
      const port = await fakeTarget(target.serve);
      const c = await RawClient.connect(src);
      await c.call('RPUSH', 'l', 'a', 'b', '1');
      await c.call('HSET', 'h', 'f', 'v', 'n', '12');
      await c.call('SET', 's', 'x'.repeat(100));
      await c.call('ZADD', 'z', '1.5', 'm');
      await c.call('SELECT', '3');
      await c.call('SET', 'd3', '42');
      expect(await c.call('MIGRATE', '127.0.0.1', String(port), '', '3', '1000', 'AUTH2', 'usr', 'pw', 'REPLACE', 'KEYS', 'd3')).toBe('+OK\r\n');
      await c.call('SELECT', '0');
      expect(await c.call('MIGRATE', '127.0.0.1', String(port), '', '0', '1000', 'COPY', 'KEYS', 'l', 'h', 's', 'z')).toBe('+OK\r\n');
      expect(await c.call('MIGRATE', '127.0.0.1', String(port), 'l', '0', '1000')).toBe('+OK\r\n');
      await c.call('FLUSHALL');
      c.close();
      sent.push(target.received().latin1Slice());
    }
    expect(sent[1]).toBe(sent[0]);
    expect(sent[0]).toContain('RESTORE');
  });

  it('INFO counts the cached connections', async () => {
    for (const src of [w.r1.port, w.k1.port]) {
      const info = await admin(src, ['INFO', 'stats']);
      expect(info).toMatch(/migrate_cached_sockets:[1-9]/);
    }
  });
});

// A redis-server replica of a RedKit master: MIGRATE reaches it as DEL of the keys the target took.
describe.skipIf(!liveOracle)('MIGRATE from a RedKit master with a redis-server replica', () => {
  it('the replica drops the migrated keys (COPY and failed keys stay)', async () => {
    const master = createServer({ logger: 'error', config: { 'enable-debug-command': 'yes' } });
    const target = createServer({ logger: 'error' });
    await master.listen(0);
    await target.listen(0);
    // a replica keeps the synced RDB as dump.rdb in its --dir: not in the working directory
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-migrate-replica-'));
    const replica = await startRedisServer(['--dir', dir, '--enable-debug-command', 'yes', '--replicaof', '127.0.0.1', String(master.port)]);
    const m = await RawClient.connect(master.port);
    const r = await RawClient.connect(replica.port);
    try {
      for (let i = 0; i < 200 && !(await r.call('INFO', 'replication')).includes('master_link_status:up'); i++) await new Promise((res) => setTimeout(res, 25));
      await m.call('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
      await m.call('RPUSH', 'l', 'x', 'y');
      await admin(target.port, ['SET', 'd', 'theirs']);
      const t = String(target.port);
      expect(await m.call('MIGRATE', '127.0.0.1', t, '', '0', '1000', 'KEYS', 'a', 'l', 'zz')).toBe('+OK\r\n');
      expect(await m.call('MIGRATE', '127.0.0.1', t, 'b', '0', '1000', 'COPY')).toBe('+OK\r\n');
      expect(await m.call('MIGRATE', '127.0.0.1', t, '', '0', '1000', 'KEYS', 'c', 'd')).toBe('-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n');
      expect(await m.call('WAIT', '1', '5000')).toBe(':1\r\n');
      expect(await r.call('KEYS', '*').then((x) => (decode(x) as string[]).sort())).toEqual(['b', 'd']);
      expect(await r.call('DEBUG', 'DIGEST')).toBe(await m.call('DEBUG', 'DIGEST'));
    } finally {
      m.close();
      r.close();
      await replica.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      for (const s of [master, target]) {
        await s.close();
        s.dispose();
      }
    }
  });
});
