#!/usr/bin/env node
// BullMQ on RedKit vs redis-server, same machine, same run.
//
//   node bench/bullmq.mjs [--rounds 3] [--jobs 10000] [--batch 1000] [--concurrency 50]
//   BASE_DIR=/tmp/base BENCH_NODE_FLAGS='' node bench/bullmq.mjs --rounds 5
//   node bench/bullmq.mjs --warmup 3   (steady state: more unmeasured rounds first)
//
// BASE_DIR adds a second RedKit, the build in that checkout (dist/cli.js built, e.g.
// `git archive <commit> | tar -x -C /tmp/base`, node_modules linked, `npm run build`):
// an A/B of two builds against redis-server in the same run. BENCH_NODE_FLAGS applies to
// both RedKit servers ('' = plain `node`, as inside a test process).
//
// Each server runs as its own process (bench/lib.mjs startProcess: the `redkit`
// bin, and redis-server), so the BullMQ client in this process shares no event
// loop with the server it measures. Per round and per server:
//   add:     `jobs` jobs with Queue.addBulk, `batch` jobs per call, calls one after another
//   process: one Worker (ioredis), concurrency `concurrency`, a processor that
//            returns at once, until every job has completed (completed jobs are kept,
//            BullMQ's default)
// and, for each phase, jobs/s (wall clock) and the server's CPU time per job
// (user + system, /proc/<pid>/stat). The queue is obliterated between rounds.
// `warmup` unmeasured rounds (default 1) first warm the servers up (V8 compiles RedKit's code
// while it runs; Redis loads BullMQ's scripts). Rounds alternate which server
// goes first; the table gives medians.
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { cpuSeconds, median, need, startProcess, table } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
  },
});
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const JOBS = Number(values.jobs);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);

need('redis-server', 'redis-server');

let roundSeq = 0;

async function round(server) {
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const name = `bench-${++roundSeq}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();

  // add phase
  const payload = { user: 12345, action: 'send-email', to: 'someone@example.com' };
  let cpu0 = cpuSeconds(server.pid);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i += BATCH) {
    const n = Math.min(BATCH, JOBS - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'job', data: { ...payload, seq: i + k } })));
  }
  let t1 = process.hrtime.bigint();
  let cpu1 = cpuSeconds(server.pid);
  const add = { jobsPerSec: JOBS / (Number(t1 - t0) / 1e9), cpuUsPerJob: ((cpu1 - cpu0) * 1e6) / JOBS };

  // process phase
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const worker = new Worker(name, async () => 'ok', { connection, concurrency: CONCURRENCY, autorun: false });
  worker.on('error', (err) => console.error(`worker error: ${err.message}`));
  worker.on('completed', () => {
    if (++completed === JOBS) resolveDone();
  });
  await worker.waitUntilReady();
  cpu0 = cpuSeconds(server.pid);
  t0 = process.hrtime.bigint();
  void worker.run();
  await done;
  t1 = process.hrtime.bigint();
  cpu1 = cpuSeconds(server.pid);
  const proc = { jobsPerSec: JOBS / (Number(t1 - t0) / 1e9), cpuUsPerJob: ((cpu1 - cpu0) * 1e6) / JOBS };

  await worker.close();
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
  if (counts.completed !== JOBS || counts.failed !== 0) throw new Error(`${server.kind}: unexpected counts ${JSON.stringify(counts)}`);
  await queue.obliterate({ force: true });
  await queue.close();
  return { add, proc };
}

const servers = { redis: await startProcess('redis') };
if (process.env.BASE_DIR) servers.base = await startProcess('redkit', [], `${process.env.BASE_DIR}/dist/cli.js`);
servers.redkit = await startProcess('redkit');
const kinds = Object.keys(servers);
const results = Object.fromEntries(kinds.map((k) => [k, []]));
try {
  for (let w = 0; w < WARMUP; w++) for (const kind of kinds) await round(servers[kind]); // warm-up, unmeasured
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const res = await round(servers[kind]);
      results[kind].push(res);
      console.error(
        `round ${r + 1} ${kind}: add ${res.add.jobsPerSec.toFixed(0)} jobs/s ${res.add.cpuUsPerJob.toFixed(1)} µs CPU/job; ` +
          `process ${res.proc.jobsPerSec.toFixed(0)} jobs/s ${res.proc.cpuUsPerJob.toFixed(1)} µs CPU/job`,
      );
    }
  }
} finally {
  for (const k of kinds) await servers[k].stop();
}

const med = (kind, phase, field) => median(results[kind].map((r) => r[phase][field]));
const rows = [];
for (const [phase, label] of [
  ['add', `addBulk ${JOBS} (${BATCH}/call)`],
  ['proc', `Worker c=${CONCURRENCY}`],
]) {
  const rr = med('redis', phase, 'jobsPerSec');
  const rc = med('redis', phase, 'cpuUsPerJob');
  for (const kind of kinds.slice(1)) {
    const kr = med(kind, phase, 'jobsPerSec');
    const kc = med(kind, phase, 'cpuUsPerJob');
    rows.push([label, kind, rr.toFixed(0), kr.toFixed(0), `${((kr / rr) * 100).toFixed(0)}%`, rc.toFixed(1), kc.toFixed(1), `${(kc / rc).toFixed(2)}x`]);
  }
}
console.log(`\n## BullMQ: ${JOBS} jobs, medians of ${ROUNDS} rounds\n`);
console.log(table(rows, ['phase', 'server', 'redis jobs/s', 'its jobs/s', 'vs redis', 'redis µs CPU/job', 'its µs CPU/job', 'CPU ratio']));
