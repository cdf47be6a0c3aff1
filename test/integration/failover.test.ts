/**
 * FAILOVER with real clients writing across it: ioredis and node-redis keep
 * INCRs in flight on the master while it hands over to its replica. Every
 * INCR answered with a number must be on the new master (and on the old one,
 * now its replica), and no other: the writes held during the failover are
 * answered -READONLY, not applied. Then the clients write to the new master.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startRedKit, type RedKit } from '../../src/index.js';

let redkit: RedKit | undefined;
const cleanup: Array<() => Promise<unknown> | void> = [];

afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
  await redkit?.stop();
  redkit = undefined;
});

interface Writer {
  /** INCRs answered with a number. */
  acked: number;
  /** The last number answered. */
  last: number;
  errors: string[];
  done: Promise<void>;
}

/** `inflight` loops of INCR key until one answers an error. */
function writeUntilError(incr: () => Promise<number>, inflight: number): Writer {
  const w: Writer = { acked: 0, last: 0, errors: [], done: Promise.resolve() };
  let stop = false;
  const loop = async () => {
    while (!stop) {
      try {
        const n = await incr();
        w.acked++;
        w.last = Math.max(w.last, n);
      } catch (e) {
        w.errors.push((e as Error).message);
        stop = true;
      }
    }
  };
  w.done = Promise.all(Array.from({ length: inflight }, loop)).then(() => undefined);
  return w;
}

async function until(what: string, f: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FAILOVER with ioredis and node-redis writing', () => {
  it('no acknowledged write is lost, none held is applied; the clients go on with the new master', async () => {
    // The replica logs the failover request as a warning (as redis-server does): checked below,
    // not written to the test run's stderr; anything else logged at warn still is.
    const failoverRequest = /^warn: Failover request received for replid [0-9a-f]{40}\.$/;
    const logs: string[] = [];
    const sink = (level: string, msg: string) => {
      const line = `${level}: ${msg}`;
      logs.push(line);
      if (!failoverRequest.test(line)) process.stderr.write(`[failover.test] ${line}\n`);
    };
    redkit = await startRedKit({ replicas: 1, logger: { level: 'warn', sink } });
    const [replica] = redkit.replicas;
    const io = new Redis(redkit.port, { maxRetriesPerRequest: 0 });
    const nr = createClient({ url: redkit.url });
    nr.on('error', () => undefined);
    await nr.connect();
    cleanup.push(
      () => io.disconnect(),
      () => nr.disconnect().catch(() => undefined),
    );
    const admin = new Redis(redkit.port);
    cleanup.push(() => admin.disconnect());

    const a = writeUntilError(() => io.incr('io:n'), 4);
    const b = writeUntilError(() => nr.incr('nr:n'), 4);
    await until('some writes', async () => a.acked > 50 && b.acked > 50);
    // The replica falls behind (it buffers the stream): the failover must wait until it caught up.
    replica.pauseReplication();
    await until('more writes', async () => a.acked > 100 && b.acked > 100);
    expect(await admin.failover()).toBe('OK');
    await new Promise((r) => setTimeout(r, 50));
    expect(await admin.info('replication')).toContain('master_failover_state:waiting-for-sync');
    replica.resumeReplication();
    await Promise.all([a.done, b.done]);
    for (const w of [a, b]) {
      expect(w.errors.length).toBeGreaterThan(0);
      for (const e of w.errors) expect(e).toMatch(/^READONLY You can't write against a read only replica\.$/);
      // Each loop's INCR answers were consecutive numbers: the highest is the count.
      expect(w.last).toBe(w.acked);
    }
    await until('the end of the failover', async () => (await admin.info('replication')).includes('master_failover_state:no-failover'));
    expect(logs.filter((l) => failoverRequest.test(l))).toHaveLength(1);
    const newMaster = new Redis(replica.port);
    cleanup.push(() => newMaster.disconnect());
    expect(await newMaster.role()).toEqual(expect.arrayContaining(['master']));
    expect(Number(await newMaster.get('io:n'))).toBe(a.acked);
    expect(Number(await newMaster.get('nr:n'))).toBe(b.acked);
    // The old master is the new one's replica, with the same data.
    expect((await admin.role())[0]).toBe('slave');
    expect(Number(await admin.get('io:n'))).toBe(a.acked);
    expect(Number(await admin.get('nr:n'))).toBe(b.acked);

    // The clients carry on against the new master, and the old one follows.
    const nr2 = createClient({ url: replica.url });
    await nr2.connect();
    cleanup.push(() => nr2.disconnect().catch(() => undefined));
    expect(await nr2.incr('nr:n')).toBe(b.acked + 1);
    expect(await newMaster.incr('io:n')).toBe(a.acked + 1);
    expect(await newMaster.wait(1, 5000)).toBe(1);
    expect(Number(await admin.get('io:n'))).toBe(a.acked + 1);
  });
});
