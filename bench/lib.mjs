// Shared helpers for the benchmarks: start servers from their command lines,
// run redis-benchmark, read a process's CPU time.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function need(bin, pkg) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`${bin} is required (Debian package ${pkg}): sudo apt-get update && sudo apt-get install -y ${pkg}`);
    process.exit(2);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitPing(port, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no server on port ${port}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Start a server process; returns { port, pid, stop }. */
export async function startProcess(kind, extraArgs = [], cliPath = undefined) {
  const port = await freePort();
  let child;
  if (kind === 'redis') {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extraArgs], { stdio: 'ignore' });
  } else if (kind === 'floor') {
    // A do-nothing Node TCP server (bench/floor-server.mjs), with the bin's Node flags.
    child = spawn(process.execPath, ['--optimize-for-size', path.join(root, 'bench/floor-server.mjs'), '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    const cli = cliPath ?? path.join(root, 'dist/cli.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
    // Run the `redkit` bin as users do (its shebang carries the server's Node flags);
    // BENCH_NODE_FLAGS runs `node <flags> dist/cli.js` instead, to compare flags.
    const flags = process.env.BENCH_NODE_FLAGS;
    const cmd = flags !== undefined ? process.execPath : cli;
    const pre = flags !== undefined ? [...flags.split(' ').filter(Boolean), cli] : [];
    child = spawn(cmd, [...pre, '--port', String(port), '--log-level', 'warn', ...extraArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  await waitPing(port);
  return {
    kind,
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU seconds (user + system) used so far by a process. */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size in bytes. */
export function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Run redis-benchmark; `test` is a -t name (set, get, ...) or a custom
 * command array. Returns { rps, cpuUsPerReq }.
 */
export function redisBenchmark(server, { test, clients, pipeline, requests, random, quietArgs = [] }) {
  const args = ['-h', '127.0.0.1', '-p', String(server.port), '-c', String(clients), '-P', String(pipeline), '-n', String(requests), '--csv'];
  if (random) args.push('-r', String(random));
  if (Array.isArray(test)) args.push(...quietArgs, ...test);
  else args.push('-t', test, ...quietArgs);
  const cpu0 = cpuSeconds(server.pid);
  const out = execFileSync('redis-benchmark', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const cpu1 = cpuSeconds(server.pid);
  // CSV: "test","rps",...  (first data row after the header)
  const rows = out.trim().split('\n').filter((l) => !l.startsWith('"test"'));
  const last = rows[rows.length - 1].split(',').map((s) => s.replace(/"/g, ''));
  const rps = Number(last[1]);
  return { rps, cpuUsPerReq: ((cpu1 - cpu0) * 1e6) / requests };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padStart(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
