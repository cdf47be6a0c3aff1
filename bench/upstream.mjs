#!/usr/bin/env node
// Upstream mode: latency a RedKit proxy (`redkit --upstream`) adds in front of
// a redis-server, against a direct connection to the same redis-server, with
// redis-benchmark at -P 1 (one request in flight per client; --pipeline N for
// more), interleaved rounds. Reports requests/s, average latency and server
// CPU per request (redis-server's, and the proxy's).
//
//   node bench/upstream.mjs [--rounds 3] [--requests 50000] [--tests ping,set,get] [--clients 1,50] [--pipeline 1] [--floor] [--native-floor]
//
// --floor also runs bench/upstream-floor.mjs (a Node relay that only copies
// bytes, below the streams as the proxy) in the same interleaved rounds: the
// least a proxy in Node adds on this machine. --native-floor does the same with
// bench/upstream-relay.c (compiled with cc): the least any userspace relay adds.
//
// The proxy runs dist/cli.js when it exists, else src/cli.ts bundled with esbuild.
// BASE_CLI=<bundle> runs a second proxy from another build (e.g. the commit
// before a change) in the same interleaved rounds: before/after under the same load.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, freePort, median, need, root, startProcess, table, waitPing } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '50000' },
    tests: { type: 'string', default: 'ping_mbulk,set,get' },
    clients: { type: 'string', default: '1,50' },
    pipeline: { type: 'string', default: '1' },
    floor: { type: 'boolean', default: false },
    'native-floor': { type: 'boolean', default: false },
  },
});
need('redis-server', 'redis-server');
need('redis-benchmark', 'redis-tools');

async function cliPath() {
  // UPSTREAM_CLI=<bundle>: another build (e.g. of an older commit) for a before/after comparison.
  if (process.env.UPSTREAM_CLI) return process.env.UPSTREAM_CLI;
  const dist = path.join(root, 'dist/cli.js');
  if (fs.existsSync(dist)) return dist;
  // Per checkout (node_modules may be shared by several worktrees): this tree's sources.
  const out = path.join(os.tmpdir(), `redkit-bench-${createHash('sha1').update(root).digest('hex').slice(0, 12)}`, 'cli.mjs');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(root, 'src/cli.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

/** A child serving on `port`: waits for its PONG; stop() ends it with SIGTERM. */
async function spawned(child, port) {
  await waitPing(port);
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startProxy(upstreamPort, cli) {
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.UPSTREAM_NODE_FLAGS ?? '--optimize-for-size').split(' ').filter(Boolean), cli, '--port', String(port), '--log-level', 'warn', '--upstream', `redis://127.0.0.1:${upstreamPort}`, ...(process.env.UPSTREAM_ARGS ?? '').split(' ').filter(Boolean)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return spawned(child, port);
}

async function startFloor(upstreamPort) {
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.UPSTREAM_NODE_FLAGS ?? '--optimize-for-size').split(' ').filter(Boolean), path.join(root, 'bench/upstream-floor.mjs'), '--port', String(port), '--upstream-port', String(upstreamPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return spawned(child, port);
}

async function startNativeFloor(upstreamPort) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-relay-'));
  const bin = path.join(dir, 'upstream-relay');
  execFileSync('cc', ['-O2', '-pthread', '-o', bin, path.join(root, 'bench/upstream-relay.c')]);
  const port = await freePort();
  const child = spawn(bin, [String(port), String(upstreamPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return spawned(child, port);
}

/** One redis-benchmark run: rps, average latency (ms), CPU µs/req of each pid. */
function bench(port, test, clients, requests, pids) {
  const cpu0 = pids.map(cpuSeconds);
  const out = execFileSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(clients), '-P', values.pipeline, '-n', String(requests), '-t', test, '--csv'], { encoding: 'utf8' });
  const cpu1 = pids.map(cpuSeconds);
  const rows = out.trim().split('\n');
  const header = rows[0].split(',').map((s) => s.replace(/"/g, ''));
  const last = rows[rows.length - 1].split(',').map((s) => s.replace(/"/g, ''));
  const col = (name) => Number(last[header.indexOf(name)]);
  return { rps: col('rps'), avg: col('avg_latency_ms'), p50: col('p50_latency_ms'), cpu: cpu1.map((c, i) => ((c - cpu0[i]) * 1e6) / requests) };
}

const redis = await startProcess('redis');
const proxy = await startProxy(redis.port, await cliPath());
const base = process.env.BASE_CLI ? await startProxy(redis.port, process.env.BASE_CLI) : null;
const floor = values.floor ? await startFloor(redis.port) : null;
const native = values['native-floor'] ? await startNativeFloor(redis.port) : null;
// Warm the proxy up first (its code is compiled while it runs): the first test would pay for it.
for (const x of [proxy, base]) if (x !== null) execFileSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(x.port), '-c', '50', '-P', values.pipeline, '-n', '20000', '-t', values.tests, '-q'], { stdio: 'ignore' });
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const rows = [];
try {
  for (const test of values.tests.split(',')) {
    for (const clients of values.clients.split(',').map(Number)) {
      const d = [];
      const p = [];
      const f = [];
      const b = [];
      const nf = [];
      for (let r = 0; r < rounds; r++) {
        if (base !== null) b.push(bench(base.port, test, clients, requests, [redis.pid, base.pid]));
        d.push(bench(redis.port, test, clients, requests, [redis.pid]));
        p.push(bench(proxy.port, test, clients, requests, [redis.pid, proxy.pid]));
        if (floor !== null) f.push(bench(floor.port, test, clients, requests, [redis.pid, floor.pid]));
        if (native !== null) nf.push(bench(native.port, test, clients, requests, [redis.pid, native.pid]));
      }
      const m = (xs, f) => median(xs.map(f));
      const dAvg = m(d, (x) => x.avg);
      const pAvg = m(p, (x) => x.avg);
      rows.push([
        `${test} -c${clients} -P${values.pipeline}`,
        Math.round(m(d, (x) => x.rps)),
        Math.round(m(p, (x) => x.rps)),
        dAvg.toFixed(3),
        pAvg.toFixed(3),
        `${(((pAvg - dAvg) / dAvg) * 100).toFixed(0)}%`,
        m(d, (x) => x.cpu[0]).toFixed(2),
        m(p, (x) => x.cpu[0]).toFixed(2),
        m(p, (x) => x.cpu[1]).toFixed(2),
        // p50 (redis-benchmark's buckets are 8 µs wide here) swings less than the average on a loaded machine.
        [m(d, (x) => x.p50), m(p, (x) => x.p50), ...(base === null ? [] : [m(b, (x) => x.p50)]), ...(floor === null ? [] : [m(f, (x) => x.p50)]), ...(native === null ? [] : [m(nf, (x) => x.p50)])].map((x) => x.toFixed(3)).join(' / '),
        ...(base === null ? [] : [Math.round(m(b, (x) => x.rps)), m(b, (x) => x.avg).toFixed(3), `${(((m(b, (x) => x.avg) - dAvg) / dAvg) * 100).toFixed(0)}%`, m(b, (x) => x.cpu[1]).toFixed(2)]),
        ...(floor === null
          ? []
          : [Math.round(m(f, (x) => x.rps)), m(f, (x) => x.avg).toFixed(3), `${(((m(f, (x) => x.avg) - dAvg) / dAvg) * 100).toFixed(0)}%`, m(f, (x) => x.cpu[1]).toFixed(2)]),
        ...(native === null
          ? []
          : [Math.round(m(nf, (x) => x.rps)), m(nf, (x) => x.avg).toFixed(3), `${(((m(nf, (x) => x.avg) - dAvg) / dAvg) * 100).toFixed(0)}%`, m(nf, (x) => x.cpu[1]).toFixed(2)]),
      ]);
    }
  }
} finally {
  await proxy.stop();
  await floor?.stop();
  await native?.stop();
  await base?.stop();
  await redis.stop();
}
console.log(`upstream mode: ${rounds} rounds x ${requests} requests, -P ${values.pipeline}, medians`);
console.log(table(rows, ['test', 'direct rps', 'proxy rps', 'direct avg ms', 'proxy avg ms', 'added latency', 'redis µs/req (direct)', 'redis µs/req (proxied)', 'proxy µs/req', `p50 ms direct / proxy${base === null ? '' : ' / base'}${floor === null ? '' : ' / floor'}${native === null ? '' : ' / native'}`, ...(base === null ? [] : ['base rps', 'base avg ms', 'base added', 'base µs/req']), ...(floor === null ? [] : ['floor rps', 'floor avg ms', 'floor added', 'floor µs/req']), ...(native === null ? [] : ['native rps', 'native avg ms', 'native added', 'native µs/req'])]));
