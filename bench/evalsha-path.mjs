#!/usr/bin/env node
// In-process cost of the script path (no sockets): EVALSHA of `return redis.call('INCR', KEYS[1])`
// (or plain INCR) run through Dispatcher.run in batches of 16, as a -P 16 pipeline is, plus the bytes
// allocated per request (sampling heap profiler, collected objects included).
//
//   npm run build && node bench/evalsha-path.mjs [evalsha|incr] [--alloc]
//   DIST=/other/build/dist node bench/evalsha-path.mjs      (compare two builds, alternating runs)
import path from 'node:path';
import { Session } from 'node:inspector/promises';

const dist = process.env.DIST ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../dist');
const { createServer, InternalClient } = await import(path.join(dist, 'index.js'));
const mode = process.argv[2] === 'incr' ? 'incr' : 'evalsha';
const alloc = process.argv.includes('--alloc');
const server = createServer({});
const ctx = new InternalClient(server, 0);
const d = server.dispatcher;
const sha = ctx.call('SCRIPT', 'LOAD', "return redis.call('INCR', KEYS[1])");
const r = mode === 'incr' ? d.resolve('incr', ['counter']) : d.resolve('evalsha', [sha, '1', 'counter']);
// the sha as the parser makes it: a fresh (flat) string per request
const argv = Array.from({ length: 16 }, () => (mode === 'incr' ? ['counter'] : [Buffer.from(sha, 'latin1').latin1Slice(), '1', 'counter']));
function batch() {
  d.beginBatch();
  for (let j = 0; j < 16; j++) {
    const args = argv[j];
    ctx.sentArgs = args;
    ctx.sentName = mode;
    d.run(ctx, r.cmd, args);
  }
  d.endBatch();
}
for (let i = 0; i < 20000; i++) batch();
if (alloc) {
  const s = new Session();
  s.connect();
  await s.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const N = 1e6;
  for (let i = 0; i < N / 16; i++) batch();
  const { profile } = await s.post('HeapProfiler.stopSampling');
  const agg = new Map();
  let total = 0;
  const walk = (n, stack) => {
    const st = [`${n.callFrame.functionName || '(anon)'}:${n.callFrame.lineNumber}`, ...stack].slice(0, 3);
    if (n.selfSize) {
      const k = st.join(' < ');
      agg.set(k, (agg.get(k) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, st);
  };
  walk(profile.head, []);
  console.log(`${mode}: ${(total / N).toFixed(1)} bytes allocated per request (sampled)`);
  for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(v / N).toFixed(1).padStart(6)}  ${k}`);
} else {
  const N = 3e6;
  const c0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N / 16; i++) batch();
  const c = process.cpuUsage(c0);
  console.log(`${mode}: ${(Number(process.hrtime.bigint() - t) / N).toFixed(1)} ns wall/req, ${(((c.user + c.system) * 1000) / N).toFixed(1)} ns CPU/req`);
}
process.exit(0);
