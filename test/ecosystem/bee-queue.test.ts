/**
 * bee-queue 2 against the selected target (RedKit by default, redis-server
 * with REDKIT_ECOSYSTEM_TARGET=redis): create/save jobs, process them,
 * delayed jobs, retries with backoff, job events over pub/sub, progress,
 * health check, stalled jobs. bee-queue talks through its own node-redis 3
 * client (RESP2, callbacks, MULTI and EVALSHA).
 *
 * Real time only: delayed jobs are activated on timers in the client, so
 * delays are short and no test asserts on elapsed time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import BeeQueue from 'bee-queue';
import { isRedKit, redkitOf, startTarget, type Target, canReplayOnRedis } from './target.js';
import { listpackHashes, replayOnRedis } from './replay.js';

let target: Target;
let queues: BeeQueue[] = [];
let seq = 0;

beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  const all = queues;
  queues = [];
  for (const q of all) await q.close(1000).catch(() => undefined);
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

function newQueue(name: string, settings: BeeQueue.QueueSettings = {}): BeeQueue {
  const q = new BeeQueue(name, { redis: { host: target.host, port: target.port }, ...settings });
  q.on('error', () => undefined);
  queues.push(q);
  return q;
}

function qname(label: string): string {
  return `${label}-${++seq}`;
}

function waitFor<T>(what: string, register: (resolve: (v: T) => void) => void, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

function successes(queue: BeeQueue, n: number): Promise<Array<[string, unknown]>> {
  const done: Array<[string, unknown]> = [];
  return waitFor(`${n} successes`, (resolve) =>
    queue.on('succeeded', (job, result) => {
      done.push([job.id, result]);
      if (done.length === n) resolve(done);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bee-queue', () => {
  it('saves jobs (one by one and saveAll) and processes them with concurrency 2', async () => {
    const queue = newQueue(qname('basic'));
    await queue.ready();
    const first = await queue.createJob({ x: 1 }).save();
    expect(first.id).toBe('1');
    const errors = await queue.saveAll([queue.createJob({ x: 2 }), queue.createJob({ x: 3 }), queue.createJob({ x: 4 }).setId('custom')]);
    expect(errors.size).toBe(0);
    expect(await queue.checkHealth()).toMatchObject({ waiting: 4, active: 0, succeeded: 0, failed: 0, delayed: 0 });
    let inFlight = 0;
    let max = 0;
    const done = successes(queue, 4);
    queue.process(2, async (job) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(10);
      inFlight--;
      return job.data.x * 10;
    });
    const results = await done;
    expect(results.map(([, r]) => r).sort()).toEqual([10, 20, 30, 40]);
    expect(results.map(([id]) => id)).toContain('custom');
    expect(max).toBe(2);
    expect(await queue.checkHealth()).toMatchObject({ waiting: 0, active: 0, succeeded: 4, failed: 0 });
    const stored = await queue.getJob('custom');
    expect(stored.status).toBe('succeeded');
    expect(stored.data).toEqual({ x: 4 });
  });

  it('a failing job is retried with exponential backoff, then fails for good', async () => {
    const queue = newQueue(qname('retry'), { activateDelayedJobs: true });
    const attempts: number[] = [];
    const retrying: string[] = [];
    queue.on('retrying', (_job, err) => retrying.push(err.message));
    // 'failed' fires for every failed attempt (retries included); 'failed:fatal' for the last one
    const failed = waitFor<[BeeQueue.Job<unknown>, Error]>('the final failure', (resolve) =>
      (queue as unknown as NodeJS.EventEmitter).on('failed:fatal', (job: BeeQueue.Job<unknown>, err: Error) => resolve([job, err])),
    );
    queue.process(async (job) => {
      attempts.push(job.options.retries);
      throw new Error(`nope ${attempts.length}`);
    });
    await queue.createJob({}).retries(2).backoff('exponential', 20).save();
    const [job, err] = await failed;
    expect(err.message).toBe('nope 3');
    expect(retrying).toEqual(['nope 1', 'nope 2']);
    expect(attempts).toEqual([2, 1, 0]);
    expect(job.status).toBe('failed');
    expect(await queue.checkHealth()).toMatchObject({ failed: 1, waiting: 0, delayed: 0 });
  });

  it('a delayed job waits in the delayed set until its time', async () => {
    const queue = newQueue(qname('delayed'), { activateDelayedJobs: true });
    await queue.ready();
    const order: string[] = [];
    const done = successes(queue, 2);
    queue.process(async (job) => {
      order.push(job.data.label);
    });
    await queue.createJob({ label: 'later' }).delayUntil(Date.now() + 300).save();
    expect((await queue.checkHealth()).delayed).toBe(1);
    await queue.createJob({ label: 'now' }).save();
    await done;
    expect(order).toEqual(['now', 'later']);
  });

  it('job events and progress reach the producer over pub/sub', async () => {
    const name = qname('events');
    const producer = newQueue(name, { isWorker: false });
    const worker = newQueue(name, { getEvents: false });
    await Promise.all([producer.ready(), worker.ready()]);
    worker.process(async (job) => {
      job.reportProgress({ pct: 50 });
      if (job.data.bad) throw new Error('bad job');
      return { ok: job.data.n };
    });
    const good = producer.createJob({ n: 7 });
    const progress = waitFor<unknown>('progress', (resolve) => good.on('progress', resolve));
    const succeeded = waitFor<unknown>('succeeded', (resolve) => good.on('succeeded', resolve));
    await good.save();
    expect(await progress).toEqual({ pct: 50 });
    expect(await succeeded).toEqual({ ok: 7 });
    const bad = producer.createJob({ bad: true });
    const failed = waitFor<Error>('failed', (resolve) => bad.on('failed', resolve));
    const queueFailed = waitFor<[string, Error]>('job failed', (resolve) => producer.on('job failed', (id, err) => resolve([id, err])));
    await bad.save();
    expect((await failed).message).toBe('bad job');
    const [id, err] = await queueFailed;
    expect(id).toBe(bad.id);
    expect(err.message).toBe('bad job');
  });

  it('getJobs lists jobs by type; removeJob deletes one', async () => {
    const queue = newQueue(qname('listing'), { isWorker: false });
    await queue.ready();
    for (let i = 0; i < 5; i++) await queue.createJob({ i }).save();
    const waiting = await queue.getJobs('waiting', { start: 0, end: 10 });
    expect(waiting.map((j) => j.data.i).sort()).toEqual([0, 1, 2, 3, 4]);
    await queue.removeJob(waiting[0].id);
    expect((await queue.checkHealth()).waiting).toBe(4);
    expect(await queue.getJob(waiting[0].id)).toBeNull();
  });

  it('a job left active by a dead worker is retried by the stalled check', async () => {
    const name = qname('stalled');
    // The dead worker: takes the job and never answers nor renews its lock.
    const dead = newQueue(name, { stallInterval: 100 });
    let taken = false;
    dead.process(() => {
      taken = true;
      return new Promise(() => undefined);
    });
    await dead.createJob({ v: 1 }).save();
    await waitFor<void>('the dead worker to take the job', (resolve) => {
      const t = setInterval(() => taken && (clearInterval(t), resolve()), 5);
    });
    await dead.close(1).catch(() => undefined); // it stops without finishing the job
    const healthy = newQueue(name, { stallInterval: 100 });
    const stalled = waitFor<string>('a stalled event', (resolve) => healthy.on('stalled', resolve));
    const done = successes(healthy, 1);
    healthy.process(async (job) => `recovered ${job.data.v}`);
    // Every 100 ms: the first check that gets past the stall block marks the
    // active job as stalling, the next one finds nobody renewed it and moves it back.
    void healthy.checkStalledJobs(100);
    expect(await stalled).toBe('1');
    const [[, result]] = await done;
    expect(result).toBe('recovered 1');
  });

  // RedKit only: the recorder shows the commands bee-queue's client sent.
  it.runIf(isRedKit)('runs on node-redis 3: MULTI, EVALSHA and a blocking BRPOPLPUSH, no errors', async () => {
    const redkit = redkitOf(target);
    const queue = newQueue(qname('recorded'));
    const done = successes(queue, 1);
    queue.process(async () => 'x');
    await queue.createJob({}).save();
    await done;
    const names = new Set(redkit.commands.map((c) => c.name));
    expect(names.has('EVALSHA')).toBe(true);
    expect(names.has('BRPOPLPUSH')).toBe(true);
    expect(redkit.commands.filter((c) => c.error)).toEqual([]);
  });

  // RedKit only: what bee-queue's node-redis 3 client sent, replayed on a
  // fresh redis-server, gets the same replies (test/ecosystem/replay.ts).
  // Jobs are saved before the worker starts, so its blocking pops never wait.
  it.runIf(canReplayOnRedis)('the command stream bee-queue sent gets the same replies from redis-server', async () => {
    const redkit = redkitOf(target);
    onTestFinished(listpackHashes(redkit));
    const mark = redkit.recorder.mark();
    const queue = newQueue(qname('replay'), { activateDelayedJobs: false });
    await queue.ready();
    await queue.createJob({ n: 1, text: 'hello', list: [1, 2, 3] }).save();
    await queue.createJob({ n: 2 }).setId('custom').save();
    await queue.createJob({ n: 3 }).retries(1).backoff('immediate').save();
    await queue.createJob({ n: 4 }).delayUntil(Date.now() + 3_600_000).save();
    await queue.saveAll([queue.createJob({ n: 5 }), queue.createJob({ n: 6 }).timeout(10_000)]);
    await queue.checkHealth();
    await queue.getJobs('waiting', { start: 0, end: 10 });
    await queue.getJobs('delayed', { start: 0, end: 10 });
    const settled = new Set<string>();
    const done = waitFor<void>('every job to settle', (resolve) => {
      const one = (job: BeeQueue.Job<unknown>) => {
        settled.add(job.id);
        if (settled.size === 5) resolve();
      };
      queue.on('succeeded', one);
      (queue as unknown as NodeJS.EventEmitter).on('failed:fatal', one);
    });
    queue.process(async (job) => {
      job.reportProgress({ at: job.data.n });
      if (job.data.n === 3 && job.options.retries > 0) throw new Error('first try fails');
      if (job.data.n === 6) throw new Error('always fails');
      return { doubled: job.data.n * 2 };
    });
    await done;
    await queue.checkHealth();
    await queue.getJobs('succeeded', { size: 10 });
    await queue.getJobs('failed', { size: 10 });
    await queue.getJob('custom');
    await queue.removeJob('custom');
    await queue.close(1000);
    const { compared, diffs } = await replayOnRedis(redkit, { since: mark.seq });
    expect(compared).toBeGreaterThan(20);
    expect(diffs).toEqual([]);
  });
});
