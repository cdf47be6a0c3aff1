import { Queue, Worker, type Job } from 'bullmq';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { useRedKit } from 'redkit/vitest';

// clock: 'fake-timers': the server's clock follows the faked Date.now() that BullMQ reads
const redkit = useRedKit({ clock: 'fake-timers' });
let queue: Queue;
let worker: Worker;
const sent: string[] = [];

// The code under test: a queue of e-mails and the worker that sends them
beforeEach(() => {
  const connection = { host: '127.0.0.1', port: redkit.port, maxRetriesPerRequest: null };
  queue = new Queue('emails', { connection });
  worker = new Worker('emails', async (job: Job<{ to: string }>) => void sent.push(job.data.to), { connection });
  sent.length = 0;
});
afterEach(async () => {
  vi.useRealTimers();
  await worker.close();
  await queue.close();
});

const completed = (n: number) =>
  new Promise<void>((resolve) => {
    let done = 0;
    worker.on('completed', () => ++done === n && resolve());
  });

it('sends an e-mail', async () => {
  const done = completed(1);
  await queue.add('welcome', { to: 'ada@example.com' });
  await done;
  expect(sent).toEqual(['ada@example.com']);
  expect(await queue.getCompletedCount()).toBe(1);
});

it('sends a reminder a day later, without waiting a day', async () => {
  await worker.waitUntilReady();
  vi.useFakeTimers({ toFake: ['Date'] }); // only Date: the clients need real timers
  const done = completed(1);
  const job = await queue.add('reminder', { to: 'bob@example.com' }, { delay: 24 * 3600_000 });
  expect(await job.getState()).toBe('delayed');

  vi.setSystemTime(Date.now() + 24 * 3600_000);
  await done;
  expect(sent).toEqual(['bob@example.com']);
});
