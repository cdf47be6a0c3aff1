// Streams: memory per entry of a 1M-entry stream, and per-operation cost as
// the stream grows (XADD, XRANGE ... COUNT 10, XREADGROUP, XACK at 1k, 10k,
// 100k, 1M entries), RedKit vs redis-server.
//
// Memory: the stream is filled with `redis-cli --pipe` (XADD s * field value);
// growth is measured as INFO memory used_memory after - before (redis-server:
// its allocator's count; RedKit: V8 heapUsed, which is what its INFO reports)
// and as RSS growth, for both.
import { execFileSync, spawnSync } from 'node:child_process';
import { encode, pipeline } from './fill.mjs';
import { median, need, redisBenchmark, rssBytes, startProcess, table } from './lib.mjs';

const ENTRIES = Number(process.env.BENCH_STREAM_ENTRIES ?? 1_000_000);

function usedMemory(port) {
  const out = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'memory'], { encoding: 'utf8' });
  return Number(/used_memory:(\d+)/.exec(out)[1]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function memory() {
  need('redis-cli', 'redis-tools');
  const parts = [];
  for (let i = 0; i < ENTRIES; i++) parts.push(encode(['XADD', 'stream', '*', 'field', `value:${i % 1000}`]));
  const data = Buffer.from(parts.join(''), 'latin1');
  const rows = [];
  const per = {};
  for (const kind of ['redis', 'redkit']) {
    const server = await startProcess(kind);
    try {
      await sleep(300);
      const rss0 = rssBytes(server.pid);
      const used0 = usedMemory(server.port);
      const r = spawnSync('redis-cli', ['-p', String(server.port), '--pipe'], { input: data, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`redis-cli --pipe failed: ${r.stderr || r.stdout}`);
      await sleep(1500);
      const used1 = usedMemory(server.port);
      const rss1 = rssBytes(server.pid);
      per[kind] = { used: (used1 - used0) / ENTRIES, rss: (rss1 - rss0) / ENTRIES };
      rows.push([kind, ((used1 - used0) / 1048576).toFixed(1), per[kind].used.toFixed(1), ((rss1 - rss0) / 1048576).toFixed(1), per[kind].rss.toFixed(1)]);
    } finally {
      await server.stop();
    }
  }
  console.log(`\n## Memory: a ${ENTRIES}-entry stream (XADD stream * field value:N)\n`);
  console.log(table(rows, ['server', 'used_memory growth MB', 'bytes/entry', 'RSS growth MB', 'RSS bytes/entry']));
  console.log(`\nratio redkit/redis: used_memory ${(per.redkit.used / per.redis.used).toFixed(2)}x, RSS ${(per.redkit.rss / per.redis.rss).toFixed(2)}x`);
}

const SIZES = (process.env.BENCH_STREAM_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);

const OPS = [
  { label: 'XADD', test: ['XADD', 'bigstream', '*', 'field', 'value'] },
  { label: 'XRANGE COUNT 10', test: ['XRANGE', 'bigstream', '__rand_int__', '+', 'COUNT', '10'], random: true },
  { label: 'XREADGROUP >', test: ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'bigstream', '>'] },
  { label: 'XACK', test: ['XACK', 'bigstream', 'g', '__rand_int__-0'], random: true },
];

export async function scaling({ rounds, requests }) {
  const rows = [];
  const only = process.env.BENCH_STREAM_OPS ? new RegExp(process.env.BENCH_STREAM_OPS, 'i') : null;
  for (const kind of ['redis', 'redkit']) {
    const server = await startProcess(kind);
    try {
      for (const op of OPS) {
        if (only !== null && !only.test(op.label)) continue;
        const costs = [];
        for (const n of SIZES) {
          await pipeline(server.port, 1, () => ['DEL', 'bigstream']);
          await pipeline(server.port, n, (i) => ['XADD', 'bigstream', `${i + 1}-0`, 'field', `v${i}`], 5000);
          await pipeline(server.port, 1, () => ['XGROUP', 'CREATE', 'bigstream', 'g', '0']);
          // A PEL as long as the stream for XACK (it acks random IDs).
          if (op.label === 'XACK') await pipeline(server.port, 1, () => ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'bigstream', '>']);
          const samples = [];
          for (let r = 0; r < rounds; r++) {
            const res = redisBenchmark(server, { test: op.test, clients: 50, pipeline: 16, requests: Math.min(requests, 100000), random: op.random ? n : undefined });
            samples.push(1e6 / res.rps);
          }
          costs.push(median(samples));
        }
        rows.push([kind, op.label, ...costs.map((c) => c.toFixed(3)), ...costs.slice(1).map((c) => `${(c / costs[0]).toFixed(2)}x`)]);
      }
    } finally {
      await server.stop();
    }
  }
  const sizes = SIZES.map((n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`));
  console.log('\n## Streams: per-operation cost as the stream grows (µs/op at -c 50 -P 16; growth relative to the smallest)\n');
  console.log(table(rows, ['server', 'op', ...sizes, ...sizes.slice(1).map((s) => `${s}/${sizes[0]}`)]));
}

export async function run(opts) {
  if (process.env.BENCH_STREAM_SKIP_MEMORY !== '1') await memory();
  await scaling(opts);
}
