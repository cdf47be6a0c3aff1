#!/usr/bin/env node
// BullMQ's Worker phase round by round: how the server's CPU per job settles as V8 warms up.
//
//   BENCH_NODE_FLAGS='' node bench/bullmq-warmup.mjs [--rounds 6] [--jobs 10000] [--concurrency 50] [--server redkit|redis|both]
//
// One fresh server process per kind (bench/lib.mjs startProcess, BENCH_NODE_FLAGS as in
// bench/bullmq.mjs: '' = plain `node`, e.g. '--trace-deopt --trace-opt' to see what V8 does
// in each round). Each round: addBulk `jobs` jobs (not measured), then one Worker processes
// them; printed per round: the server's user and system CPU µs per job during the Worker
// phase (/proc/<pid>/stat, 10 ms ticks: ~1 µs/job resolution at 10000 jobs) and jobs/s.
// bench/bullmq.mjs measures after one warm-up round; this shows the rounds it skips and
// where the steady state is.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { need, startProcess } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    jobs: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    server: { type: 'string', default: 'both' },
  },
});
const ROUNDS = Number(values.rounds);
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const kinds = values.server === 'both' ? ['redis', 'redkit'] : [values.server];
if (kinds.includes('redis')) need('redis-server', 'redis-server');

/** [user, system] CPU ticks of a process so far. */
function ticks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]), Number(f[12])];
}
const TICK_US = 1e6 / 100; // CLK_TCK is 100 on Linux

async function round(server, n) {
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const name = `warm-${n}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const payload = { user: 12345, action: 'send-email', to: 'someone@example.com' };
  for (let i = 0; i < JOBS; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ name: 'job', data: { ...payload, seq: i + k } })));
  }
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const worker = new Worker(name, async () => 'ok', { connection, concurrency: CONCURRENCY, autorun: false });
  worker.on('error', (err) => console.error(`worker error: ${err.message}`));
  worker.on('completed', () => {
    if (++completed === JOBS) resolveDone();
  });
  await worker.waitUntilReady();
  const c0 = ticks(server.pid);
  const t0 = process.hrtime.bigint();
  void worker.run();
  await done;
  const t1 = process.hrtime.bigint();
  const c1 = ticks(server.pid);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    user: ((c1[0] - c0[0]) * TICK_US) / JOBS,
    sys: ((c1[1] - c0[1]) * TICK_US) / JOBS,
    jobsPerSec: JOBS / (Number(t1 - t0) / 1e9),
  };
}

for (const kind of kinds) {
  const server = await startProcess(kind);
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const res = await round(server, r);
      console.log(`${kind} round ${r}: user ${res.user.toFixed(0)} + sys ${res.sys.toFixed(0)} µs CPU/job, ${res.jobsPerSec.toFixed(0)} jobs/s`);
    }
  } finally {
    await server.stop();
  }
}
