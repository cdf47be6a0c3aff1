/**
 * The sentinel finds out by itself that a server stopped answering (PING over
 * its own connections), as redis-sentinel does: a master stopped with
 * `master.stop()` is +sdown/+odown once down-after-milliseconds pass on the
 * servers' clock, and the failover runs; ioredis and node-redis continue an
 * INCR loop across it with every answer the counter's next value. A server
 * that hangs (a fault on every command) is down too, and back (-sdown,
 * +convert-to-slave for an old master) when it answers again. Events are
 * read as a subscriber of the sentinel sees them; the hello as a subscriber
 * of the master sees it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createSentinel } from 'redis';
import { startRedKitSentinel, type RedKitSentinel } from '../../src/index.js';

let sentinel: RedKitSentinel | undefined;
const cleanup: Array<() => void> = [];

afterEach(async () => {
  for (const f of cleanup.splice(0)) f();
  await sentinel?.stop();
  sentinel = undefined;
});

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Every event the sentinel publishes, as `channel message`. */
async function events(s: RedKitSentinel): Promise<{ list: string[]; next: (prefix: string) => Promise<string> }> {
  const list: string[] = [];
  const sub = new Redis(s.port);
  cleanup.push(() => sub.disconnect());
  await sub.psubscribe('*');
  sub.on('pmessage', (_p, ch, msg) => list.push(`${ch} ${msg}`));
  return {
    list,
    next: async (prefix) => {
      for (;;) {
        const e = list.find((x) => x.startsWith(prefix));
        if (e !== undefined) return e;
        await tick();
      }
    },
  };
}

/** SENTINEL MASTER / REPLICAS entries as objects. */
async function fields(s: RedKitSentinel, ...cmd: string[]): Promise<unknown> {
  const c = new Redis(s.port);
  try {
    const r = (await c.call('SENTINEL', ...cmd)) as unknown[];
    const obj = (flat: unknown[]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
    return cmd[0].toUpperCase() === 'MASTER' ? obj(r) : (r as unknown[][]).map(obj);
  } finally {
    c.disconnect();
  }
}

describe('a master that stops (virtual clock)', () => {
  it('is +sdown, +odown only once down-after-milliseconds pass, then the failover runs with the events of sentinel.failover()', async () => {
    sentinel = await startRedKitSentinel({ replicas: 2, logger: 'error' });
    const ev = await events(sentinel);
    const old = sentinel.master;
    const before = (await fields(sentinel, 'MASTER', 'mymaster')) as Record<string, string>;
    expect(before.flags).toBe('master');
    expect(before['down-after-milliseconds']).toBe('30000');
    expect(before.runid).toMatch(/^[0-9a-f]{40}$/);
    await old.stop();
    // The clock is real plus what advance() adds: the real time since the master's last PING
    // reply (up to a PING period before the stop, more on a loaded machine) counts too, so the
    // check stays well below down-after-milliseconds.
    sentinel.clock.advance('25s');
    // Two ticks of the sentinel on the clock: still not down (~25 s < 30 s).
    sentinel.clock.advance('50ms');
    sentinel.clock.advance('50ms');
    await new Promise((r) => setTimeout(r, 50));
    const m = (await fields(sentinel, 'MASTER', 'mymaster')) as Record<string, string>;
    expect(m.flags).toBe('master,disconnected');
    expect(Number(m['last-ok-ping-reply'])).toBeGreaterThanOrEqual(25000);
    expect(ev.list.filter((e) => e.startsWith('+sdown'))).toEqual([]);
    sentinel.clock.advance('6s');
    await ev.next('+switch-master');
    const now = sentinel.master;
    expect(now).not.toBe(old);
    const desc = `master mymaster ${old.host} ${old.port}`;
    const channels = ev.list.map((e) => e.split(' ')[0]);
    expect(ev.list.slice(0, 2)).toEqual([`+sdown ${desc}`, `+odown ${desc} #quorum 1/1`]);
    expect(channels.slice(2, channels.indexOf('+switch-master') + 1)).toEqual([
      '+new-epoch', '+try-failover', '+vote-for-leader', '+elected-leader', '+failover-state-select-slave', '+selected-slave',
      '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion', '-role-change', '+promoted-slave',
      '+failover-state-reconf-slaves', '+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done', '+failover-end', '+switch-master',
    ]);
    expect(ev.list).toContain(`+switch-master mymaster ${old.host} ${old.port} ${now.host} ${now.port}`);
    expect(ev.list).toContain(`+slave slave ${old.host}:${old.port} ${old.host} ${old.port} @ mymaster ${now.host} ${now.port}`);
    expect(now.role).toBe('master');
    for (const r of sentinel.replicas) expect(r.role).toBe('replica');
    expect(sentinel.replicas.length).toBe(1);
    // The old master is remembered as a replica; down-after-milliseconds later it is +sdown as one.
    sentinel.clock.advance('31s');
    const sd = await ev.next('+sdown slave');
    expect(sd).toBe(`+sdown slave ${old.host}:${old.port} ${old.host} ${old.port} @ mymaster ${now.host} ${now.port}`);
    const reps = (await fields(sentinel, 'REPLICAS', 'mymaster')) as Array<Record<string, string>>;
    const dead = reps.find((r) => r.port === String(old.port));
    expect(dead?.flags).toBe('s_down,slave,disconnected');
    expect(dead?.['master-host']).toBe('?');
    expect(Object.keys(dead ?? {})).toContain('s-down-time');
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    const info = await c.info('sentinel');
    expect(info).toContain(`master0:name=mymaster,status=ok,address=${now.host}:${now.port},slaves=2,sentinels=1`);
  });

  it('servers with a password: the sentinel AUTHs, healthy servers stay up however far the clock moves; a stopped master fails over', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, password: 'pw', logger: 'error' });
    const ev = await events(sentinel);
    for (let k = 0; k < 3; k++) {
      sentinel.clock.advance('31s');
      // a round trip through the sentinel: the checks of that tick have run
      const m = (await fields(sentinel, 'MASTER', 'mymaster')) as Record<string, string>;
      expect(m.flags).toBe('master');
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(ev.list).toEqual([]);
    const old = sentinel.master;
    await old.stop();
    sentinel.clock.advance('31s');
    await ev.next('+switch-master');
    expect(sentinel.master).not.toBe(old);
  });

  it('a frozen clock: nothing happens until it is advanced', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, clock: 'frozen', logger: 'error' });
    const ev = await events(sentinel);
    const old = sentinel.master;
    await old.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(ev.list).toEqual([]);
    sentinel.clock.advance('30001ms');
    await ev.next('+switch-master');
    expect(sentinel.master).not.toBe(old);
  });

  it('SENTINEL RESET forgets what was observed (+reset-master)', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, logger: 'error' });
    const ev = await events(sentinel);
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    const m = sentinel.master;
    expect(await c.call('SENTINEL', 'RESET', 'nomatch*')).toBe(0);
    expect(await c.call('SENTINEL', 'RESET', 'my*')).toBe(1);
    expect(ev.list).toEqual([`+reset-master master mymaster ${m.host} ${m.port}`]);
    const f = (await fields(sentinel, 'MASTER', 'mymaster')) as Record<string, string>;
    expect(Number(f['role-reported-time'])).toBeLessThan(1000);
  });

  it('SENTINEL SET mymaster down-after-milliseconds changes when a stopped master is down', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, logger: 'error' });
    const ev = await events(sentinel);
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    expect(await c.call('SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '5000')).toBe('OK');
    await ev.next('+set');
    expect(ev.list).toContain(`+set master mymaster ${sentinel.master.host} ${sentinel.master.port} down-after-milliseconds 5000`);
    await sentinel.master.stop();
    sentinel.clock.advance('6s');
    await ev.next('+odown');
    await ev.next('+switch-master');
  });
});

describe('SENTINEL FAILOVER with the master stopped', () => {
  it('promotes a replica at once; the stopped master is not touched', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, logger: 'error' });
    const ev = await events(sentinel);
    const old = sentinel.master;
    await old.stop();
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    expect(await c.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    await ev.next('+switch-master');
    expect(sentinel.master).not.toBe(old);
    expect(old.role).toBe('master');
    expect(ev.list.some((e) => e.startsWith('+sdown'))).toBe(false);
    expect(await c.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toEqual([sentinel.master.host, String(sentinel.master.port)]);
  });
});

describe('a server that hangs on a frozen clock', () => {
  it('is +sdown once a PING has waited past down-after-milliseconds: one advance sends it, the next one makes it overdue', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, clock: 'frozen', logger: 'error' });
    const ev = await events(sentinel);
    const r = sentinel.replicas[0];
    r.faults.add({ hang: true });
    sentinel.clock.advance('2s');
    // the PING is sent (and hangs): the sentinel reports it as pending
    for (;;) {
      const reps = (await fields(sentinel, 'REPLICAS', 'mymaster')) as Array<Record<string, string>>;
      if (reps[0]['link-pending-commands'] !== '0') break;
      await tick();
    }
    expect(ev.list).toEqual([]);
    sentinel.clock.advance('31s');
    const down = await ev.next('+sdown');
    expect(down).toBe(`+sdown slave ${r.host}:${r.port} ${r.host} ${r.port} @ mymaster ${sentinel.master.host} ${sentinel.master.port}`);
    const reps = (await fields(sentinel, 'REPLICAS', 'mymaster')) as Array<Record<string, string>>;
    expect(reps[0]['last-ping-sent']).toBe('31000');
    expect(reps[0].flags).toBe('s_down,slave');
  });
});

/**
 * An INCR loop through a client that follows the sentinel: 50 answers, then the master is stopped and
 * the clock moved past down-after-milliseconds; after +switch-master, 50 more. Every answer is the
 * next integer and the new master holds the last one.
 */
async function incrAcrossDetectedFailover(s: RedKitSentinel, ev: Awaited<ReturnType<typeof events>>, incr: () => Promise<number>): Promise<void> {
  const first = s.master;
  let stop = false;
  const answers: number[] = [];
  const loop = (async () => {
    while (!stop) answers.push(await incr());
  })();
  while (answers.length < 50) await tick();
  await first.stop();
  s.clock.advance('31s');
  await ev.next('+switch-master');
  const second = s.master;
  const at = answers.length;
  while (answers.length < at + 50) await tick();
  stop = true;
  await loop;
  for (let i = 0; i < answers.length; i++) expect(answers[i]).toBe(i + 1);
  expect(second.db().get('counter')).toBe(String(answers.length));
}

describe('clients across a detected failure', () => {
  it('ioredis (sentinels): an INCR loop goes on across master.stop() with every answer the next integer', async () => {
    sentinel = await startRedKitSentinel({ replicas: 2, logger: 'error' });
    const ev = await events(sentinel);
    const redis = new Redis({ sentinels: sentinel.sentinels, name: 'mymaster', maxRetriesPerRequest: null, retryStrategy: () => 20, sentinelRetryStrategy: () => 20 });
    redis.on('error', () => {});
    cleanup.push(() => redis.disconnect());
    await incrAcrossDetectedFailover(sentinel, ev, () => redis.incr('counter'));
  });

  it('node-redis (createSentinel): an INCR loop goes on across master.stop() with every answer the next integer', async () => {
    sentinel = await startRedKitSentinel({ replicas: 2, logger: 'error' });
    const ev = await events(sentinel);
    const client = createSentinel({ name: 'mymaster', sentinelRootNodes: sentinel.sentinels });
    client.on('error', () => {});
    await client.connect();
    cleanup.push(() => void client.close().catch(() => {}));
    await incrAcrossDetectedFailover(sentinel, ev, () => client.incr('counter'));
  });
});

describe('servers that hang (real clock, small down-after-milliseconds)', () => {
  it('a hung master fails over; once it answers it is -sdown and made a replica of the new master (+convert-to-slave)', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, downAfterMilliseconds: 300, logger: 'error' });
    const ev = await events(sentinel);
    const old = sentinel.master;
    const hang = old.faults.add({ hang: true });
    await ev.next('+switch-master');
    const now = sentinel.master;
    expect(ev.list.slice(0, 2).map((e) => e.split(' ')[0])).toEqual(['+sdown', '+odown']);
    await ev.next('+sdown slave');
    hang.remove();
    old.faults.clear();
    await ev.next('-sdown slave');
    expect(ev.list).toContain(`-sdown slave ${old.host}:${old.port} ${old.host} ${old.port} @ mymaster ${now.host} ${now.port}`);
    // It still says it is a master; after Redis's 8 s (on the clock) the sentinel re-points it.
    await ev.next('-role-change');
    sentinel.clock.advance('11s');
    await ev.next('+convert-to-slave');
    expect(ev.list).toContain(`+convert-to-slave slave ${old.host}:${old.port} ${old.host} ${old.port} @ mymaster ${now.host} ${now.port}`);
    expect(old.role).toBe('replica');
  });

  it('a master whose every command closes the connection (a drop fault) is down and failed over', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, downAfterMilliseconds: 300, logger: 'error' });
    const ev = await events(sentinel);
    const old = sentinel.master;
    old.faults.add({ drop: true });
    const sw = await ev.next('+switch-master');
    const now = sentinel.master;
    expect(sw).toBe(`+switch-master mymaster ${old.host} ${old.port} ${now.host} ${now.port}`);
    expect(ev.list.slice(0, 2).map((e) => e.split(' ')[0])).toEqual(['+sdown', '+odown']);
    expect(now.role).toBe('master');
  });

  it('a replica that hangs is +sdown and -sdown when it answers again; the master is not failed over', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, downAfterMilliseconds: 300, logger: 'error' });
    const ev = await events(sentinel);
    const m = sentinel.master;
    const r = sentinel.replicas[0];
    r.faults.add({ hang: true });
    const down = await ev.next('+sdown');
    expect(down).toBe(`+sdown slave ${r.host}:${r.port} ${r.host} ${r.port} @ mymaster ${m.host} ${m.port}`);
    const reps = (await fields(sentinel, 'REPLICAS', 'mymaster')) as Array<Record<string, string>>;
    expect(reps[0].flags).toBe('s_down,slave');
    expect(Number(reps[0]['last-ping-sent'])).toBeGreaterThan(300);
    r.faults.clear();
    await ev.next('-sdown');
    expect(ev.list.map((e) => e.split(' ')[0])).toEqual(['+sdown', '-sdown']);
    expect(sentinel.master).toBe(m);
  });
});

describe('a master that answers again', () => {
  it('no replica to promote: the failover aborts (-failover-abort-no-good-slave), is tried again after 2 x failover-timeout; -sdown and -odown once it answers', async () => {
    sentinel = await startRedKitSentinel({ replicas: 0, downAfterMilliseconds: 300, failoverTimeout: 60000, logger: 'error' });
    const ev = await events(sentinel);
    const m = sentinel.master;
    m.faults.add({ hang: true });
    await ev.next('-failover-abort-no-good-slave');
    const desc = `master mymaster ${m.host} ${m.port}`;
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    const flags = async () => ((await fields(sentinel!, 'MASTER', 'mymaster')) as Record<string, string>).flags;
    expect(await flags()).toBe('s_down,o_down,master');
    // No new attempt before 2 x failover-timeout; one after.
    const tries = () => ev.list.filter((e) => e.startsWith('+try-failover')).length;
    sentinel.clock.advance('110s');
    await flags();
    expect(tries()).toBe(1);
    sentinel.clock.advance('11s');
    while (ev.list.filter((e) => e.startsWith('-failover-abort-no-good-slave')).length < 2) await tick();
    expect(tries()).toBe(2);
    expect(ev.list.filter((e) => e.startsWith('+new-epoch'))).toEqual(['+new-epoch 1', '+new-epoch 2']);
    expect(ev.list.splice(8, 6)).toEqual([
      '+new-epoch 2',
      `+try-failover ${desc}`,
      `+vote-for-leader ${sentinel.myid} 2`,
      `+elected-leader ${desc}`,
      `+failover-state-select-slave ${desc}`,
      `-failover-abort-no-good-slave ${desc}`,
    ]);
    m.faults.clear();
    await ev.next('-odown');
    expect(ev.list).toEqual([
      `+sdown ${desc}`,
      `+odown ${desc} #quorum 1/1`,
      '+new-epoch 1',
      `+try-failover ${desc}`,
      `+vote-for-leader ${sentinel.myid} 1`,
      `+elected-leader ${desc}`,
      `+failover-state-select-slave ${desc}`,
      `-failover-abort-no-good-slave ${desc}`,
      `-sdown ${desc}`,
      `-odown ${desc}`,
    ]);
    expect(await flags()).toBe('master');
    expect(sentinel.master).toBe(m);
  });
});

describe('__sentinel__:hello', () => {
  it('a subscriber of the master sees the sentinel hello every 2 s of the clock', async () => {
    sentinel = await startRedKitSentinel({ replicas: 1, logger: 'error' });
    const sub = new Redis(sentinel.master.port);
    cleanup.push(() => sub.disconnect());
    const hellos: string[] = [];
    await sub.subscribe('__sentinel__:hello');
    sub.on('message', (_c, m) => hellos.push(m));
    sentinel.clock.advance('2100ms');
    while (hellos.length === 0) await tick();
    const m = sentinel.master;
    const c = new Redis(sentinel.port);
    cleanup.push(() => c.disconnect());
    expect(await c.call('SENTINEL', 'MYID')).toBe(sentinel.myid);
    expect(hellos[0]).toBe(`${sentinel.host},${sentinel.port},${sentinel.myid},0,mymaster,${m.host},${m.port},0`);
  });
});
