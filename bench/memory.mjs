// Memory: RSS growth for 1M small string keys loaded with `redis-cli --pipe`,
// RedKit vs redis-server in the same run.
import { spawnSync } from 'node:child_process';
import { need, rssBytes, startProcess, table } from './lib.mjs';
import { encode } from './fill.mjs';

const KEYS = Number(process.env.BENCH_MEMORY_KEYS ?? 1_000_000);

function payload() {
  const parts = [];
  for (let i = 0; i < KEYS; i++) parts.push(encode(['SET', `key:${String(i).padStart(10, '0')}`, `value:${i}`]));
  return Buffer.from(parts.join(''), 'latin1');
}

export async function run() {
  need('redis-cli', 'redis-tools');
  const data = payload();
  const rows = [];
  const growth = {};
  for (const kind of ['redis', 'redkit']) {
    const server = await startProcess(kind);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const before = rssBytes(server.pid);
      const r = spawnSync('redis-cli', ['-p', String(server.port), '--pipe'], { input: data, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`redis-cli --pipe failed: ${r.stderr || r.stdout}`);
      await new Promise((res) => setTimeout(res, 1000));
      const after = rssBytes(server.pid);
      growth[kind] = after - before;
      rows.push([kind, (before / 1048576).toFixed(1), (after / 1048576).toFixed(1), ((after - before) / 1048576).toFixed(1), ((after - before) / KEYS).toFixed(1)]);
    } finally {
      await server.stop();
    }
  }
  console.log(`\n## Memory: RSS growth for ${KEYS} small string keys (redis-cli --pipe)\n`);
  console.log(table(rows, ['server', 'RSS before MB', 'RSS after MB', 'growth MB', 'bytes/key']));
  console.log(`\nratio redkit/redis: ${(growth.redkit / growth.redis).toFixed(2)}x`);
}
