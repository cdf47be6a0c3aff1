#!/usr/bin/env node
// Profile BullMQ's Worker phase only: one RedKit process with --cpu-prof, `warmup` full rounds,
// then `rounds` rounds whose Worker phase windows (hrtime, the clock of V8's profile) are written
// next to the profile; `node bench/bullmq-worker-profile.mjs --analyze DIR` prints the top
// functions of the samples inside those windows.
//
//   node bench/bullmq-worker-profile.mjs --dir /tmp/prof [--warmup 3] [--rounds 2] [--jobs 10000]
//   node bench/bullmq-worker-profile.mjs --analyze /tmp/prof [--top 60]
//   node bench/bullmq-worker-profile.mjs --port P --pid PID   (a server started by hand, e.g. node --trace-deopt dist/cli.js)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/bullmq-prof' },
    analyze: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    jobs: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    top: { type: 'string', default: '60' },
    flags: { type: 'string', default: '' },
    port: { type: 'string' },
    pid: { type: 'string' },
  },
});

if (values.analyze) {
  analyze(values.analyze, Number(values.top));
} else {
  await run();
}

async function run() {
  const { Queue, Worker } = await import('bullmq');
  const { cpuSeconds, startProcess } = await import('./lib.mjs');
  const dir = path.resolve(values.dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  process.env.BENCH_NODE_FLAGS = `${values.flags} --cpu-prof --cpu-prof-dir=${dir}`;
  // --port/--pid: a server started by hand (e.g. with --trace-deopt, its stdout to a file); no profile.
  const server = values.port ? { port: Number(values.port), pid: Number(values.pid), stop: async () => {} } : await startProcess('redkit');
  const JOBS = Number(values.jobs);
  const windows = [];
  let seq = 0;
  const payload = { user: 12345, action: 'send-email', to: 'someone@example.com' };
  const total = Number(values.warmup) + Number(values.rounds);
  for (let r = 0; r < total; r++) {
    const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
    const name = `prof-${++seq}`;
    const queue = new Queue(name, { connection });
    await queue.waitUntilReady();
    for (let i = 0; i < JOBS; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ name: 'job', data: { ...payload, seq: i + k } })));
    }
    let completed = 0;
    let resolveDone;
    const done = new Promise((res) => (resolveDone = res));
    const worker = new Worker(name, async () => 'ok', { connection, concurrency: Number(values.concurrency), autorun: false });
    worker.on('completed', () => {
      if (++completed === JOBS) resolveDone();
    });
    await worker.waitUntilReady();
    // TRACE_FILE: the server's stdout (--trace-opt/--trace-deopt): where each Worker phase starts and ends in it
    if (process.env.TRACE_FILE) console.error(`round ${r} worker starts at byte ${fs.statSync(process.env.TRACE_FILE).size}`);
    const cpu0 = cpuSeconds(server.pid);
    const t0 = process.hrtime.bigint();
    void worker.run();
    await done;
    const t1 = process.hrtime.bigint();
    const cpu1 = cpuSeconds(server.pid);
    if (process.env.TRACE_FILE) console.error(`round ${r} worker ends at byte ${fs.statSync(process.env.TRACE_FILE).size}`);
    const measured = r >= Number(values.warmup);
    if (measured) windows.push([Number(t0 / 1000n), Number(t1 / 1000n)]);
    console.error(
      `round ${r}${measured ? '' : ' (warm-up)'}: ${(JOBS / (Number(t1 - t0) / 1e9)).toFixed(0)} jobs/s, ${(((cpu1 - cpu0) * 1e6) / JOBS).toFixed(1)} µs CPU/job`,
    );
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await server.stop();
  fs.writeFileSync(path.join(dir, 'windows.json'), JSON.stringify(windows));
  console.error(`profile in ${dir}; analyze with --analyze ${dir}`);
}

function analyze(dir, top) {
  const windows = JSON.parse(fs.readFileSync(path.join(dir, 'windows.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  let t = prof.startTime;
  let total = 0;
  let idle = 0;
  const label = (n) => `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i];
    if (!windows.some(([a, b]) => t >= a && t <= b)) continue;
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const n = byId.get(prof.samples[i]);
    if (n.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + dt);
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const ll = label(byId.get(id));
      if (seen.has(ll)) continue;
      seen.add(ll);
      incl.set(ll, (incl.get(ll) ?? 0) + dt);
    }
  }
  console.log(`busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms in ${windows.length} windows`);
  const print = (m, title) => {
    console.log(`\n## ${title}`);
    for (const [l, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${l}`);
  };
  print(self, 'self');
  print(incl, 'inclusive');
}
