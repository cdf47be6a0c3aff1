#!/usr/bin/env node
/**
 * Connection storm: N clients connect at once to an idle server, each sends
 * PING; time until every client got its PONG, and how many connection
 * attempts failed (reset / refused / timed out) and had to be retried.
 * RedKit (src/index.ts bundled with esbuild, createServer in its own process) and redis-server,
 * alternating, on free ports.
 *
 *   node bench/connect-storm.mjs [--clients 1000] [--rounds 3]   (STORM_BACKLOG=n: tcp-backlog of both servers, default 511)
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const N = Number(opt('clients', '1000'));
const rounds = Number(opt('rounds', '3'));

const dir = mkdtempSync(join(tmpdir(), 'redkit-storm-'));
const lib = join(dir, 'index.mjs');
await build({ entryPoints: [join(root, 'src/index.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: lib, packages: 'external', logLevel: 'error' });
const backlog = process.env.STORM_BACKLOG ?? '511';
const serverScript = (port) =>
  `import(${JSON.stringify(lib)}).then(async ({ createServer }) => { const s = createServer({ logger: 'error', config: { 'tcp-backlog': '${backlog}' } }); await s.listen(${port}, '127.0.0.1'); });`;

const freePort = () => new Promise((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} never opened`);
}

function storm(port) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = 0;
    let failures = 0;
    const socks = [];
    const attempt = (i) => {
      const s = net.connect(port, '127.0.0.1');
      socks[i] = s;
      let buf = '';
      let ok = false;
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        buf += d;
        if (!ok && buf.includes('+PONG\r\n')) {
          ok = true;
          if (++done === N) {
            const ms = performance.now() - t0;
            for (const x of socks) x.destroy();
            resolve({ ms, failures });
          }
        }
      });
      s.on('error', () => {
        if (ok) return;
        failures++;
        s.destroy();
        setTimeout(() => attempt(i), 10);
      });
    };
    for (let i = 0; i < N; i++) attempt(i);
  });
}

const servers = {
  redkit: (port) => spawn(process.execPath, ['--input-type=module', '-e', serverScript(port)], { stdio: 'ignore' }),
  'redis-server': (port) => spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', ...(process.env.STORM_BACKLOG ? ['--tcp-backlog', process.env.STORM_BACKLOG] : [])], { stdio: 'ignore' }),
};
const results = { redkit: [], 'redis-server': [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, start] of Object.entries(servers)) {
    const port = await freePort();
    const p = start(port);
    try {
      await waitPort(port);
      await new Promise((res) => setTimeout(res, 200));
      results[name].push(await storm(port));
    } finally {
      p.kill('SIGKILL');
    }
    await new Promise((res) => setTimeout(res, 300));
  }
}
rmSync(dir, { recursive: true, force: true });
for (const [name, rs] of Object.entries(results)) {
  const ms = rs.map((x) => x.ms).sort((a, b) => a - b);
  console.log(`${name.padEnd(13)} ${N} clients: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms (${ms.map((x) => x.toFixed(0)).join(', ')}), failed attempts ${rs.map((x) => x.failures).join(', ')}`);
}
