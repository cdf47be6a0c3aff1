/**
 * bull v4 against the selected target (RedKit by default, redis-server with
 * REDKIT_ECOSYSTEM_TARGET=redis): add, process, delayed jobs, retries with
 * backoff, local and global events (pub/sub), priorities, pause/resume,
 * stalled jobs. bull makes three ioredis connections per queue (client,
 * subscriber, blocking client).
 *
 * Real time only: bull schedules delayed jobs with client-side timers on the
 * client's Date.now(), so delays are short and no test asserts on elapsed time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import Bull from 'bull';
import type { Job, Queue, QueueOptions } from 'bull';
import { isRedKit, redkitOf, startTarget, type Target, canReplayOnRedis } from './target.js';
import { listpackHashes, replayOnRedis } from './replay.js';

let target: Target;
let queues: Queue[] = [];
let seq = 0;

beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  const all = queues;
  queues = [];
  for (const q of all) await q.close(true).catch(() => undefined);
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

function newQueue(label: string, opts: QueueOptions = {}): Queue {
  const q = new Bull(`${label}-${++seq}`, {
    redis: { host: target.host, port: target.port, maxRetriesPerRequest: null, enableReadyCheck: false },
    ...opts,
    settings: { drainDelay: 1, guardInterval: 100, ...opts.settings },
  });
  q.on('error', () => undefined);
  queues.push(q);
  return q;
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

function completions(queue: Queue, n: number): Promise<Job[]> {
  const done: Job[] = [];
  return waitFor(`${n} completions`, (resolve) =>
    queue.on('completed', (job) => {
      done.push(job);
      if (done.length === n) resolve(done);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bull', () => {
  it('adds jobs and processes them with a promise processor, concurrency 3', async () => {
    const queue = newQueue('basic');
    let inFlight = 0;
    let max = 0;
    void queue.process(3, async (job: Job) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(10);
      inFlight--;
      return job.data.n * 2;
    });
    const done = completions(queue, 9);
    const added = await Promise.all(Array.from({ length: 9 }, (_, n) => queue.add({ n })));
    expect(added.map((j) => String(j.id)).sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const jobs = await done;
    expect(jobs.map((j) => j.returnvalue).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
    expect(max).toBeLessThanOrEqual(3);
    expect(max).toBeGreaterThan(1);
    const counts = await queue.getJobCounts();
    expect(counts).toMatchObject({ waiting: 0, active: 0, completed: 9, failed: 0, delayed: 0 });
    const stored = await queue.getJob(jobs[0].id);
    expect(await stored?.getState()).toBe('completed');
  });

  it('named jobs go to their own processor; done(err) fails the job', async () => {
    const queue = newQueue('named');
    void queue.process('resize', (job: Job, done) => done(null, `resized ${job.data.file}`));
    void queue.process('crop', (_job: Job, done) => done(new Error('cannot crop')));
    const failed = waitFor<[Job, Error]>('a failure', (resolve) => queue.on('failed', (job, err) => resolve([job, err])));
    const completed = waitFor<Job>('a completion', (resolve) => queue.on('completed', (job) => resolve(job)));
    await queue.add('crop', { file: 'b.png' });
    await queue.add('resize', { file: 'a.png' });
    const [fjob, err] = await failed;
    expect(fjob.name).toBe('crop');
    expect(err.message).toBe('cannot crop');
    const cjob = await completed;
    expect(cjob.returnvalue).toBe('resized a.png');
    expect((await queue.getFailed()).map((j) => j.failedReason)).toEqual(['cannot crop']);
  });

  it('a delayed job runs after the ones added without delay', async () => {
    const queue = newQueue('delayed');
    const order: string[] = [];
    void queue.process(async (job: Job) => {
      order.push(job.data.label);
    });
    const done = completions(queue, 2);
    const later = await queue.add({ label: 'later' }, { delay: 300 });
    expect(await later.getState()).toBe('delayed');
    expect(await queue.getDelayedCount()).toBe(1);
    await queue.add({ label: 'now' });
    await done;
    expect(order).toEqual(['now', 'later']);
  });

  it('retries with exponential backoff until the job succeeds', async () => {
    const queue = newQueue('retry');
    const attempts: number[] = [];
    void queue.process(async (job: Job) => {
      attempts.push(job.attemptsMade);
      if (job.attemptsMade < 2) throw new Error(`try ${job.attemptsMade}`);
      return 'ok';
    });
    const failures: string[] = [];
    queue.on('failed', (_job, err) => failures.push(err.message));
    const done = completions(queue, 1);
    const job = await queue.add({}, { attempts: 3, backoff: { type: 'exponential', delay: 20 } });
    const [finished] = await done;
    expect(finished.id).toBe(job.id);
    expect(attempts).toEqual([0, 1, 2]);
    expect(failures).toEqual(['try 0', 'try 1']);
    expect(finished.returnvalue).toBe('ok');
  });

  it('global events reach another queue instance over pub/sub', async () => {
    const producer = newQueue('global');
    const name = producer.name;
    const consumer = new Bull(name, { redis: { host: target.host, port: target.port, maxRetriesPerRequest: null }, settings: { drainDelay: 1 } });
    consumer.on('error', () => undefined);
    queues.push(consumer);
    const globalCompleted = waitFor<[string, string]>('global:completed', (resolve) =>
      producer.on('global:completed', (jobId: string, result: string) => resolve([String(jobId), result])),
    );
    const progress: unknown[] = [];
    producer.on('global:progress', (_jobId: string, p: unknown) => progress.push(p));
    // bull subscribes in the background and says so with registered:<event>
    await Promise.all(
      ['global:completed', 'global:progress'].map((e) => waitFor(`registered:${e}`, (resolve) => producer.once(`registered:${e}`, () => resolve(undefined)))),
    );
    void consumer.process(async (job: Job) => {
      await job.progress(40);
      return { sum: job.data.a + job.data.b };
    });
    const job = await producer.add({ a: 2, b: 3 });
    const [jobId, result] = await globalCompleted;
    expect(jobId).toBe(String(job.id));
    expect(JSON.parse(result)).toEqual({ sum: 5 });
    expect(progress).toEqual([40]);
    expect(await job.finished()).toEqual({ sum: 5 });
  });

  it('priority: the job with the lowest priority number runs first', async () => {
    const queue = newQueue('priority');
    await queue.add({ p: 3 }, { priority: 3 });
    await queue.add({ p: 1 }, { priority: 1 });
    await queue.add({ p: 2 }, { priority: 2 });
    const order: number[] = [];
    void queue.process(async (job: Job) => {
      order.push(job.data.p);
    });
    await completions(queue, 3);
    expect(order).toEqual([1, 2, 3]);
  });

  it('pause and resume', async () => {
    const queue = newQueue('pause');
    await queue.pause();
    expect(await queue.isPaused()).toBe(true);
    const seen: number[] = [];
    void queue.process(async (job: Job) => {
      seen.push(job.data.i);
    });
    await queue.add({ i: 1 });
    await sleep(150);
    expect(seen).toEqual([]);
    // bull keeps the jobs of a paused queue in its paused list
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, paused: 1 });
    const done = completions(queue, 1);
    await queue.resume();
    await done;
    expect(seen).toEqual([1]);
  });

  it('a job whose lock ran out is found stalled and processed again', async () => {
    const queue = newQueue('stalled', { settings: { lockDuration: 200, stalledInterval: 100, maxStalledCount: 1 } });
    // A stuck worker: takes a job through the public getNextJob() and never
    // finishes it nor renews its lock.
    await queue.add({ v: 1 });
    const stuck = await queue.getNextJob();
    expect(stuck?.data).toEqual({ v: 1 });
    const stalled = waitFor<Job>('a stalled event', (resolve) => queue.on('stalled', (job) => resolve(job)));
    const done = completions(queue, 1);
    void queue.process(async (job: Job) => `again ${job.data.v}`);
    const s = await stalled;
    expect(s.id).toBe(stuck!.id);
    const [finished] = await done;
    expect(finished.returnvalue).toBe('again 1');
  });

  // RedKit only: the recorder shows what bull sent for a job's life.
  it.runIf(isRedKit)('the recorder shows the scripts and the blocking pop bull uses', async () => {
    const redkit = redkitOf(target);
    const queue = newQueue('recorded');
    void queue.process(async () => 'x');
    const done = completions(queue, 1);
    await queue.add({});
    await done;
    const names = new Set(redkit.commands.map((c) => c.name));
    expect(names.has('EVALSHA') || names.has('EVAL')).toBe(true);
    expect(names.has('BRPOPLPUSH') || names.has('BLMOVE')).toBe(true);
    expect(redkit.commands.filter((c) => c.error)).toEqual([]);
  });

  // RedKit only: what bull sent, replayed on a fresh redis-server, gets the
  // same replies (test/ecosystem/replay.ts). Jobs are added before the worker
  // starts, so its blocking pops never wait.
  it.runIf(canReplayOnRedis)('the command stream bull sent gets the same replies from redis-server', async () => {
    const redkit = redkitOf(target);
    onTestFinished(listpackHashes(redkit)); // see replay.ts
    const mark = redkit.recorder.mark();
    const queue = newQueue('replay');
    await queue.add({ n: 1, text: 'hello', nested: { a: [1, 2, 3] } });
    await queue.add('named', { n: 2 }, { priority: 2 });
    await queue.add({ n: 3 }, { priority: 1, attempts: 2 });
    await queue.add({ n: 4 }, { jobId: 'custom', removeOnComplete: true });
    await queue.add({ n: 5 }, { delay: 60_000 });
    await queue.add({ n: 6 }, { lifo: true });
    await queue.addBulk([{ data: { n: 7 } }, { data: { n: 8 }, opts: { attempts: 3 } }]);
    await queue.getJobCounts();
    await queue.getWaiting();
    await queue.getDelayed();
    const seen: number[] = [];
    const done = waitFor<void>('every job to finish', (resolve) => {
      let finished = 0;
      const one = () => ++finished === 7 && resolve(); // all but the delayed one
      queue.on('completed', one);
      queue.on('failed', (job) => job.attemptsMade >= (job.opts.attempts ?? 1) && one());
    });
    void queue.process('*', async (job: Job) => {
      seen.push(job.data.n);
      await job.progress(50);
      await job.log(`log ${job.data.n}`);
      if (job.data.n === 3 && job.attemptsMade === 0) throw new Error('first try fails');
      if (job.data.n === 8) throw new Error('always fails');
      return { doubled: job.data.n * 2 };
    });
    await done;
    await queue.getJobCounts();
    await queue.getCompleted();
    await queue.getFailed();
    await queue.getJobLogs(String((await queue.getCompleted())[0].id));
    await queue.clean(0, 'completed');
    await queue.close();
    const { compared, diffs } = await replayOnRedis(redkit, { since: mark.seq });
    expect(seen.length).toBeGreaterThanOrEqual(8); // 7 jobs, one of them twice
    expect(compared).toBeGreaterThan(30);
    expect(diffs).toEqual([]);
  });
});
