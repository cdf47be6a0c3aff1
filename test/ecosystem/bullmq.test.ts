/**
 * BullMQ against the selected target (RedKit by default, redis-server with
 * REDKIT_ECOSYSTEM_TARGET=redis): its main use cases through its public API,
 * over ioredis connections as BullMQ makes them. Every test uses a queue name
 * of its own and closes its workers, queues and event listeners before the
 * next one starts.
 *
 * Real time is slow and the machine is shared: delays, lock durations and
 * stalled intervals are tens or hundreds of ms, waits are generous, and no
 * test asserts on elapsed time, only on order and outcomes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import IORedis from 'ioredis';
import { FlowProducer, Job, Queue, QueueEvents, Worker, type ConnectionOptions, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import { isRedKit, redkitOf, startTarget, type Target, canReplayOnRedis } from './target.js';
import { listpackHashes, replayOnRedis } from './replay.js';

let target: Target;
let connection: ConnectionOptions;
/** Everything a test opened, closed after it (workers first: they hold blocking connections). */
let closers: Array<() => Promise<unknown>> = [];
let queueSeq = 0;

beforeAll(async () => {
  // clock: 'fake-timers' makes RedKit's clock follow the test's faked Date
  // (used by the delayed-job test below); with real timers it is real time.
  target = await startTarget({ clock: 'fake-timers' });
  connection = { host: target.host, port: target.port, maxRetriesPerRequest: null };
});
afterEach(async () => {
  vi.useRealTimers();
  const all = closers.reverse();
  closers = [];
  for (const close of all) await close().catch(() => undefined);
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  closers.push(() => x.close());
  return x;
}

function qname(label: string): string {
  return `${label}-${++queueSeq}`;
}

function newQueue(name: string, opts: Partial<QueueOptions> = {}): Queue {
  return track(new Queue(name, { connection, ...opts }));
}

function newWorker(name: string, processor: Processor, opts: Partial<WorkerOptions> = {}): Worker {
  const w = new Worker(name, processor, { connection, drainDelay: 1, ...opts });
  w.on('error', () => undefined); // connection errors on close are not test failures
  closers.push(() => w.close());
  return w;
}

async function newEvents(name: string): Promise<QueueEvents> {
  const ev = track(new QueueEvents(name, { connection }));
  await ev.waitUntilReady();
  return ev;
}

/** Resolve when `n` jobs have completed on the worker (or reject on timeout). */
function completions(worker: Worker, n: number, timeoutMs = 15_000): Promise<Job[]> {
  return new Promise((resolve, reject) => {
    const done: Job[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${done.length}/${n} jobs completed`)), timeoutMs);
    worker.on('completed', (job) => {
      done.push(job);
      if (done.length === n) {
        clearTimeout(timer);
        resolve(done);
      }
    });
  });
}

function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BullMQ', () => {
  it('add / addBulk, then a worker processes every job with its data and return value', async () => {
    const name = qname('basic');
    const queue = newQueue(name);
    const one = await queue.add('email', { to: 'ada@example.com' });
    const bulk = await queue.addBulk([
      { name: 'email', data: { to: 'bob@example.com' } },
      { name: 'sms', data: { to: '+100' } },
      { name: 'email', data: { to: 'cy@example.com' }, opts: { jobId: 'custom-id' } },
    ]);
    expect(bulk.map((j) => j.id)).toEqual(['2', '3', 'custom-id']);
    expect(one.id).toBe('1');
    expect(await queue.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 4, active: 0, completed: 0 });

    const worker = newWorker(name, async (job) => `${job.name}:${job.data.to}`);
    const done = await completions(worker, 4);
    expect(done.map((j) => j.returnvalue).sort()).toEqual(['email:ada@example.com', 'email:bob@example.com', 'email:cy@example.com', 'sms:+100']);
    expect(await queue.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 0, active: 0, completed: 4 });
    const stored = await queue.getJob('custom-id');
    expect(stored?.returnvalue).toBe('email:cy@example.com');
    expect(stored?.finishedOn).toBeGreaterThan(0);
    expect(await stored?.getState()).toBe('completed');
  });

  it('a worker with concurrency 5 runs up to 5 jobs at once, never more', async () => {
    const name = qname('concurrency');
    const queue = newQueue(name);
    await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'job', data: { i } })));
    let inFlight = 0;
    let max = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = newWorker(
      name,
      async () => {
        inFlight++;
        max = Math.max(max, inFlight);
        if (max === 5) release();
        await gate; // hold the first five until five are in flight together
        await sleep(5);
        inFlight--;
      },
      { concurrency: 5 },
    );
    const done = completions(worker, 20);
    await done;
    expect(max).toBe(5);
    expect(await queue.getCompletedCount()).toBe(20);
  });

  it('QueueEvents reports progress, completed and failed (XREAD BLOCK on the events stream)', async () => {
    const name = qname('events');
    const queue = newQueue(name);
    const events = await newEvents(name);
    const seen: string[] = [];
    const completed = new Promise<{ jobId: string; returnvalue: string }>((resolve) => events.on('completed', (e) => resolve(e as never)));
    const failed = new Promise<{ jobId: string; failedReason: string }>((resolve) => events.on('failed', (e) => resolve(e as never)));
    events.on('progress', ({ jobId, data }) => seen.push(`${jobId}:${JSON.stringify(data)}`));
    newWorker(name, async (job) => {
      if (job.data.fail) throw new Error('boom');
      await job.updateProgress(50);
      await job.updateProgress({ step: 'done' });
      return 'ok';
    });
    const good = await queue.add('good', {});
    const bad = await queue.add('bad', { fail: true });
    const c = await completed;
    expect(c.jobId).toBe(good.id);
    expect(c.returnvalue).toBe('ok');
    const f = await failed;
    expect(f.jobId).toBe(bad.id);
    expect(f.failedReason).toBe('boom');
    await until('progress events', async () => seen.length === 2);
    expect(seen).toEqual([`${good.id}:50`, `${good.id}:{"step":"done"}`]);
    // waitUntilFinished rides on the same events
    const again = await queue.add('good', {});
    expect(await again.waitUntilFinished(events, 15_000)).toBe('ok');
  });

  it('a delayed job waits in the delayed set, then runs (short real delay)', async () => {
    const name = qname('delayed');
    const queue = newQueue(name);
    const order: string[] = [];
    const worker = newWorker(name, async (job) => {
      order.push(job.name);
    });
    const done = completions(worker, 2);
    await queue.add('later', {}, { delay: 300 });
    await queue.add('now', {});
    const delayed = await queue.getDelayed();
    // 'now' may already be done; 'later' is still delayed
    expect(delayed.map((j) => j.name)).toEqual(['later']);
    await done;
    expect(order).toEqual(['now', 'later']);
  });

  // BullMQ stamps a delayed job with the client's Date.now() + delay and the
  // worker promotes it when its own Date.now() passes that, while it waits on
  // the server with BZPOPMIN until then. So the test fakes Date in this
  // process (the client's view) and RedKit, started with clock: 'fake-timers',
  // follows the faked Date: BZPOPMIN's deadline passes on the server clock at
  // once and the worker finds the job due. Only RedKit can do that; against
  // redis-server the test above uses a real short delay instead.
  it.runIf(isRedKit)('a job delayed by an hour runs as soon as the faked clock moves an hour', async () => {
    const name = qname('delayed-hour');
    const queue = newQueue(name);
    const worker = newWorker(name, async (job) => job.name);
    await worker.waitUntilReady();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    const done = completions(worker, 1);
    const job = await queue.add('reminder', {}, { delay: 3_600_000 });
    expect(await job.getState()).toBe('delayed');
    await sleep(50);
    expect(await job.getState()).toBe('delayed');
    vi.setSystemTime(Date.now() + 3_600_000 + 1);
    const [finished] = await done;
    expect(finished.id).toBe(job.id);
    expect(finished.returnvalue).toBe('reminder');
  });

  it('failed attempts are retried with exponential backoff, then the job completes', async () => {
    const name = qname('retries');
    const queue = newQueue(name);
    const attempts: number[] = [];
    const worker = newWorker(name, async (job) => {
      attempts.push(job.attemptsMade);
      if (job.attemptsMade < 2) throw new Error(`attempt ${job.attemptsMade} failed`);
      return 'third time lucky';
    });
    const failures: string[] = [];
    worker.on('failed', (_job, err) => failures.push(err.message));
    const done = completions(worker, 1);
    const job = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'exponential', delay: 20 } });
    const [finished] = await done;
    expect(finished.id).toBe(job.id);
    expect(attempts).toEqual([0, 1, 2]);
    expect(failures).toEqual(['attempt 0 failed', 'attempt 1 failed']);
    const stored = await queue.getJob(job.id!);
    expect(stored?.attemptsMade).toBe(3);
    expect(stored?.returnvalue).toBe('third time lucky');

    // out of attempts: the job ends in the failed set with its reason
    const doomed = await queue.add('doomed', {}, { attempts: 2, backoff: { type: 'exponential', delay: 10 } });
    const failedJob = await until('the doomed job to fail', async () => ((await doomed.getState()) === 'failed' ? queue.getJob(doomed.id!) : undefined));
    expect(failedJob?.failedReason).toMatch(/^attempt \d failed$/);
    expect(failedJob?.attemptsMade).toBe(2);
    expect(await queue.getFailedCount()).toBe(1);
  });

  it('removeOnComplete removes finished jobs, or keeps the last N', async () => {
    const name = qname('remove');
    const queue = newQueue(name);
    const worker = newWorker(name, async () => 'x');
    const done = completions(worker, 5);
    const gone = await queue.add('gone', {}, { removeOnComplete: true });
    await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'kept', data: { i }, opts: { removeOnComplete: 2 } })));
    await done;
    expect(await queue.getJob(gone.id!)).toBeUndefined();
    expect(await queue.getCompletedCount()).toBe(2);
    const kept = await queue.getCompleted();
    expect(kept.map((j) => j.data.i).sort()).toEqual([2, 3]);
  });

  it('priorities: lower numbers are processed first, FIFO among equals', async () => {
    const name = qname('priority');
    const queue = newQueue(name);
    await queue.add('p10-a', {}, { priority: 10 });
    await queue.add('p1-a', {}, { priority: 1 });
    await queue.add('p5', {}, { priority: 5 });
    await queue.add('p1-b', {}, { priority: 1 });
    await queue.add('p10-b', {}, { priority: 10 });
    expect(await queue.getJobCounts('prioritized')).toEqual({ prioritized: 5 });
    const order: string[] = [];
    const worker = newWorker(name, async (job) => {
      order.push(job.name);
    });
    await completions(worker, 5);
    expect(order).toEqual(['p1-a', 'p1-b', 'p5', 'p10-a', 'p10-b']);
  });

  it('a rate-limited worker takes at most `max` jobs per window', async () => {
    const name = qname('limiter');
    const queue = newQueue(name);
    await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'job', data: { i } })));
    const started: number[] = [];
    const worker = newWorker(
      name,
      async (job) => {
        started.push(job.data.i);
      },
      { concurrency: 6, limiter: { max: 2, duration: 200 } },
    );
    const done = completions(worker, 6);
    // The limiter key (PX duration) counts the jobs taken in the window.
    const limited = await until('the limiter to hold the rest back', async () => {
      const ttl = await queue.getRateLimitTtl(2);
      return started.length === 2 && ttl > 0 ? ttl : undefined;
    });
    expect(limited).toBeLessThanOrEqual(200);
    expect(await queue.getWaitingCount()).toBe(4);
    await done;
    expect(started.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('pause stops workers from taking jobs; resume lets them go on', async () => {
    const name = qname('pause');
    const queue = newQueue(name);
    const processed: string[] = [];
    const worker = newWorker(name, async (job) => {
      processed.push(job.name);
    });
    await worker.waitUntilReady();
    await queue.pause();
    expect(await queue.isPaused()).toBe(true);
    const job = await queue.add('while-paused', {});
    await sleep(150);
    expect(processed).toEqual([]);
    // BullMQ 5+ keeps the jobs of a paused queue in its wait list (a flag in
    // the meta hash says paused): nothing is active, nothing completed.
    expect(await queue.getJobCounts('active', 'completed')).toEqual({ active: 0, completed: 0 });
    expect(await job.getState()).toBe('waiting');
    const done = completions(worker, 1);
    await queue.resume();
    expect(await queue.isPaused()).toBe(false);
    await done;
    expect(processed).toEqual(['while-paused']);
  });

  it('a job scheduler (upsertJobScheduler) produces repeated jobs', async () => {
    const name = qname('scheduler');
    const queue = newQueue(name);
    const runs: number[] = [];
    const worker = newWorker(name, async (job) => {
      runs.push(job.data.n);
      return job.repeatJobKey;
    });
    const done = completions(worker, 3);
    const first = await queue.upsertJobScheduler('every-50ms', { every: 50 }, { name: 'tick', data: { n: 1 } });
    expect(first.name).toBe('tick');
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([['every-50ms', 50]]);
    const jobs = await done;
    expect(jobs.map((j) => j.returnvalue)).toEqual(['every-50ms', 'every-50ms', 'every-50ms']);
    expect(runs).toEqual([1, 1, 1]);
    expect(await queue.removeJobScheduler('every-50ms')).toBe(true);
    expect(await queue.getJobSchedulersCount()).toBe(0);
  });

  it('FlowProducer: the parent runs after its children and reads their return values', async () => {
    const name = qname('flow');
    const flow = track(new FlowProducer({ connection }));
    const order: string[] = [];
    const worker = newWorker(name, async (job) => {
      order.push(job.name);
      if (job.name === 'parent') {
        const values = await job.getChildrenValues();
        return Object.values(values).sort().join('+');
      }
      return `${job.name}-done`;
    });
    const done = completions(worker, 4);
    const tree = await flow.add({
      name: 'parent',
      queueName: name,
      children: [
        { name: 'a', queueName: name, data: {} },
        { name: 'b', queueName: name, data: {} },
        { name: 'c', queueName: name, data: {} },
      ],
    });
    expect(tree.children).toHaveLength(3);
    expect(await tree.job.getState()).toBe('waiting-children');
    const jobs = await done;
    expect(order[3]).toBe('parent');
    expect(order.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(jobs.find((j) => j.name === 'parent')?.returnvalue).toBe('a-done+b-done+c-done');
    const parent = await Job.fromId(newQueue(name), tree.job.id!);
    expect(await parent?.getState()).toBe('completed');
    const deps = await parent!.getDependenciesCount();
    expect(deps.processed).toBe(3);
    expect(deps.unprocessed).toBe(0);
  });

  it('a job whose worker stopped renewing its lock is found stalled and run by another worker', async () => {
    const name = qname('stalled');
    const queue = newQueue(name);
    let stuckJob: Job | undefined;
    // Worker A takes the job and never finishes it; it renews no lock and runs
    // no stalled checker, as if its process had frozen.
    const a = newWorker(
      name,
      async (job) => {
        stuckJob = job;
        await new Promise(() => undefined);
      },
      { lockDuration: 200, skipLockRenewal: true, skipStalledCheck: true },
    );
    const job = await queue.add('work', { v: 42 });
    await until('worker A to take the job', async () => stuckJob !== undefined);
    await a.close(true);
    const stalledIds: string[] = [];
    const b = newWorker(name, async (j) => `B got ${j.data.v}`, { stalledInterval: 100, lockDuration: 200 });
    b.on('stalled', (id) => stalledIds.push(id));
    const [finished] = await completions(b, 1);
    expect(finished.id).toBe(job.id);
    expect(finished.returnvalue).toBe('B got 42');
    expect(stalledIds).toEqual([job.id]);
  });

  it('stalled jobs past maxStalledCount fail with "job stalled more than allowable limit"', async () => {
    const name = qname('stalled-fail');
    const queue = newQueue(name);
    let taken = false;
    const a = newWorker(
      name,
      async () => {
        taken = true;
        await new Promise(() => undefined);
      },
      { lockDuration: 200, skipLockRenewal: true, skipStalledCheck: true },
    );
    const job = await queue.add('work', {});
    await until('worker A to take the job', async () => taken);
    await a.close(true);
    const failed: string[] = [];
    const b = newWorker(name, async () => 'never', { stalledInterval: 100, maxStalledCount: 0, autorun: false });
    b.on('failed', (j, err) => failed.push(`${j?.id}:${err.message}`));
    void b.run();
    await until('the stalled job to fail', async () => failed.length > 0);
    expect(failed).toEqual([`${job.id}:job stalled more than allowable limit`]);
    expect(await (await queue.getJob(job.id!))?.getState()).toBe('failed');
  });

  // RedKit only: the worker's connections are cut by a fault rule (every
  // command it sends drops the connection) instead of being told to stop, and
  // the lock runs out on the server clock, advanced past lockDuration.
  it.runIf(isRedKit)('a worker whose connection dies: its job is recovered by the stalled checker', async () => {
    const redkit = redkitOf(target);
    const name = qname('stalled-drop');
    const queue = newQueue(name);
    let taken = false;
    const dying = new IORedis({ ...connection, connectionName: 'dying-worker' } as never);
    closers.push(async () => dying.disconnect());
    const a = new Worker(
      name,
      async () => {
        taken = true;
        await new Promise(() => undefined);
      },
      // renews its lock every 100 ms (real time) while it lives
      { connection: dying, lockDuration: 200, stalledInterval: 30_000 },
    );
    a.on('error', () => undefined);
    closers.push(() => a.close(true));
    const job = await queue.add('work', { v: 7 });
    await until('the doomed worker to take the job', async () => taken);
    const cut = redkit.faults.add({ client: /dying-worker/, drop: true });
    // its next lock renewal meets the fault: the connection drops, every retry too
    await until('a renewal to be dropped', async () => cut.hits > 0);
    // On the server clock: the lock it could not renew (PX 200) runs out, and
    // so does the stalled-check key its own checker set (PX 30000), which
    // would keep any other checker from running before then.
    redkit.clock.advance('31s');
    const b = newWorker(name, async (j) => `recovered ${j.data.v}`, { stalledInterval: 50, lockDuration: 30_000 });
    const [finished] = await completions(b, 1);
    expect(finished.id).toBe(job.id);
    expect(finished.returnvalue).toBe('recovered 7');
  });

  it('obliterate removes the queue and every job key', async () => {
    const name = qname('obliterate');
    const queue = newQueue(name);
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'job', data: { i } })));
    await queue.add('delayed', {}, { delay: 60_000 });
    const raw = new IORedis(connection as never);
    closers.push(async () => raw.disconnect());
    expect((await raw.keys(`bull:${name}:*`)).length).toBeGreaterThan(10);
    await queue.obliterate();
    expect(await raw.keys(`bull:${name}:*`)).toEqual([]);
    expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
  });

  // RedKit only (it needs the recorder): everything BullMQ sent during a
  // workload without blocking commands (jobs taken with getNextJob, no
  // QueueEvents) is replayed, in the order RedKit ran it, on a fresh
  // redis-server over one connection; every reply must be the same. Stream
  // IDs (XADD *) and the TIME a script reads are the only values that may
  // differ, and are masked; SMEMBERS replies are compared sorted.
  it.runIf(canReplayOnRedis)('the command stream BullMQ sent gets the same replies from redis-server', async () => {
    const redkit = redkitOf(target);
    onTestFinished(listpackHashes(redkit)); // see replay.ts
    redkit.recorder.clear();
    const name = qname('replay');
    const queue = newQueue(name);
    await queue.addBulk([
      { name: 'a', data: { n: 1, s: 'x'.repeat(50), f: 1.5, nested: { deep: [1, 2, { k: null }] } } },
      { name: 'b', data: { n: 2 }, opts: { priority: 3 } },
      { name: 'c', data: { n: 3 }, opts: { priority: 1, attempts: 3, backoff: { type: 'fixed', delay: 10 } } },
      { name: 'd', data: { n: 4 }, opts: { delay: 60_000 } },
      { name: 'e', data: { n: 5 }, opts: { jobId: 'fixed-id', removeOnComplete: 1 } },
      { name: 'f', data: { n: 6 }, opts: { lifo: true } },
    ]);
    await queue.add('g', { n: 7 }, { attempts: 2 });
    await queue.add('e', { n: 8 }, { jobId: 'fixed-id' }); // a duplicate id: not added again
    await queue.getJobCounts();
    await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1, true);
    await queue.getJob('fixed-id');
    const worker = newWorker(name, async () => undefined, { autorun: false });
    await worker.waitUntilReady();
    const token = 'token-1';
    for (let i = 0; i < 6; i++) {
      const job = await worker.getNextJob(token, { block: false });
      if (!job) break;
      await job.updateProgress({ step: i });
      await job.log(`log line ${i}`);
      if (job.name === 'c' || job.name === 'g') await job.moveToFailed(new Error(`failed ${job.name}`), token, false);
      else await job.moveToCompleted({ ok: job.name, pi: 3.14159 }, token, false);
    }
    await queue.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'prioritized', 'active');
    await queue.pause();
    await queue.add('h', { n: 9 });
    await queue.resume();
    const delayed = await queue.getJob((await queue.getDelayed())[0].id!);
    await delayed?.promote();
    await queue.getJobLogs('fixed-id');
    await queue.clean(0, 100, 'completed');
    await queue.retryJobs({ state: 'failed' });
    await queue.getJobCounts();
    // more scripts: priorities and delays changed, deduplication, locks, flows, schedulers, metrics
    const p1 = await queue.add('p', { n: 10 }, { priority: 5 });
    await p1.changePriority({ priority: 2 });
    await queue.getCountsPerPriority([0, 1, 2, 5]);
    const d1 = await queue.add('d', { n: 11 }, { delay: 5_000 });
    await d1.changeDelay(10_000);
    await queue.add('dd', { n: 12 }, { deduplication: { id: 'dedup-1' } });
    await queue.add('dd', { n: 13 }, { deduplication: { id: 'dedup-1' } });
    await queue.getDeduplicationJobId('dedup-1');
    await d1.updateData({ n: 11, changed: true });
    const flow = track(new FlowProducer({ connection }));
    const tree = await flow.add({
      name: 'parent', queueName: name, data: { p: 1 },
      children: [{ name: 'child-1', queueName: name, data: { c: 1 } }, { name: 'child-2', queueName: name, data: { c: 2 }, opts: { priority: 1 } }],
    });
    await tree.job.getDependencies();
    await tree.job.getDependenciesCount();
    await queue.upsertJobScheduler('sched', { every: 60_000 }, { name: 'tick', data: { t: 1 } });
    await queue.upsertJobScheduler('cron', { pattern: '0 0 * * *', tz: 'UTC' }, { name: 'nightly' });
    await queue.getJobSchedulers();
    await queue.getJobScheduler('sched');
    for (let i = 0; i < 8; i++) {
      const job = await worker.getNextJob(token, { block: false });
      if (!job) break;
      await job.extendLock(token, 30_000);
      if (i % 3 === 2) await job.moveToFailed(new Error(`boom ${i}`), token, false);
      else await job.moveToCompleted(i, token, false);
    }
    await tree.job.getDependencies({ processed: {}, unprocessed: {} });
    await queue.getMetrics('completed');
    await queue.getWorkersCount();
    await queue.getJobs(['completed', 'failed', 'waiting-children', 'delayed', 'prioritized'], 0, 20);
    await queue.removeJobScheduler('sched');
    await (await queue.getJob(p1.id!))?.remove().catch(() => undefined);
    await queue.drain(true);
    await queue.obliterate({ force: true });

    const { compared, diffs } = await replayOnRedis(redkit);
    expect(compared).toBeGreaterThan(50);
    expect(diffs).toEqual([]);
  });

  // The same with a real Worker (moveToActive, moveToFinished fetching the
  // next job, retries, progress, logs): the jobs are all added before the
  // worker starts, so its BZPOPMIN never waits for one (replay.ts).
  it.runIf(canReplayOnRedis)('a Worker\'s command stream gets the same replies from redis-server', async () => {
    const redkit = redkitOf(target);
    onTestFinished(listpackHashes(redkit)); // see replay.ts
    const mark = redkit.recorder.mark();
    const name = qname('replay-worker');
    const queue = newQueue(name);
    await queue.addBulk(
      Array.from({ length: 12 }, (_, i) => ({
        name: `job-${i}`,
        data: { i, payload: 'p'.repeat(i * 10) },
        opts: { attempts: i % 4 === 0 ? 2 : 1, priority: i % 3 === 0 ? 1 + (i % 5) : undefined, removeOnComplete: i === 5 ? true : undefined },
      })),
    );
    let settled = 0;
    const done = new Promise<void>((resolve) => {
      const one = () => ++settled === 12 && resolve();
      const w = newWorker(
        name,
        async (job) => {
          await job.updateProgress(job.data.i);
          await job.log(`working on ${job.data.i}`);
          if (job.data.i % 4 === 0 && job.attemptsMade === 0) throw new Error(`retry ${job.data.i}`);
          if (job.data.i === 7) throw new Error('seven fails');
          return { i: job.data.i, ok: true };
        },
        { concurrency: 1 },
      );
      w.on('completed', one);
      w.on('failed', (job) => job && job.attemptsMade >= (job.opts.attempts ?? 1) && one());
    });
    await done;
    await queue.getJobCounts();
    await queue.getCompleted();
    await queue.getFailed();
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    const { compared, diffs } = await replayOnRedis(redkit, { since: mark.seq });
    expect(compared).toBeGreaterThan(40);
    expect(diffs).toEqual([]);
  });
});
