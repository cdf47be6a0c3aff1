// Per-operation cost as collections grow: LPUSH, HGET, SISMEMBER, ZADD at 1k, 10k
// and 100k elements, RedKit and redis-server side by side (µs per op = 1e6 / rps
// at -c 50 -P 16), each relative to its own 1k cost.
import { pipeline } from './fill.mjs';
import { median, redisBenchmark, startProcess, table } from './lib.mjs';

const SIZES = [1000, 10000, 100000];

const OPS = [
  { label: 'LPUSH', key: 'biglist', fill: (i) => ['RPUSH', 'biglist', `v${i}`], test: ['LPUSH', 'biglist', 'x'], random: 0 },
  { label: 'HGET', key: 'bighash', fill: (i) => ['HSET', 'bighash', `f:${String(i).padStart(12, '0')}`, 'v'], test: ['HGET', 'bighash', 'f:__rand_int__'], random: true },
  { label: 'SISMEMBER', key: 'bigset', fill: (i) => ['SADD', 'bigset', `m:${String(i).padStart(12, '0')}`], test: ['SISMEMBER', 'bigset', 'm:__rand_int__'], random: true },
  { label: 'ZADD', key: 'bigzset', fill: (i) => ['ZADD', 'bigzset', String(i), `m:${String(i).padStart(12, '0')}`], test: ['ZADD', 'bigzset', '__rand_int__', 'm:__rand_int__'], random: true },
];

export async function run({ rounds, requests }) {
  const rows = [];
  for (const kind of ['redis', 'redkit']) {
    const server = await startProcess(kind);
    try {
      for (const op of OPS) {
        const costs = [];
        for (const n of SIZES) {
          await pipeline(server.port, 1, () => ['DEL', op.key]);
          await pipeline(server.port, n, op.fill);
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
  console.log('\n## Per-operation cost as collections grow (µs/op at -c 50 -P 16; growth relative to 1k)\n');
  console.log(table(rows, ['server', 'op', '1k', '10k', '100k', '10k/1k', '100k/1k']));
}
