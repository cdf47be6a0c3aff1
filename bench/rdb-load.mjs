// Loading a 1M-key dump.rdb: RedKit vs redis-server, same file, same run.
//
//   node bench/rdb-load.mjs [--keys 1000000] [--runs 1] [--cli] [--bgsave]     (after `npm run build`)
//   npm run bench -- --suite rdb-load
//
// Two files, both written by redis-server 7.0 (SAVE):
//   - strings: DEBUG POPULATE <keys> (key:N -> value:N)
//   - mixed:   a quarter each of strings, small hashes, small lists and small sorted sets
// For each file:
//   - redis-server: started with --dir/--dbfilename on the file; its own
//     figure from the log ("DB loaded from disk: X seconds"), and the wall
//     time from spawn until PING answers +PONG;
//   - RedKit: redkit.loadRdb(file) in this process (median of --runs, default 1), and
//     with --cli the `redkit --seed file` bin from spawn until PING answers +PONG.
// --bgsave adds a BGSAVE of the mixed keyspace with a client PINGing all along
// (the longest wait it sees) and a SAVE of it.
// The ratio is RedKit's in-process load over redis-server's logged load time;
// the CPU ratio compares CPU time (redis-server: the process until PONG), which
// a busy machine distorts less than wall time.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, freePort, median, root, table } from './lib.mjs';

function call(port, payload) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.endsWith('\r\n')) {
        s.destroy();
        resolve(buf);
      }
    });
    s.once('error', reject);
  });
}

/** Until PING answers +PONG (a loading server answers -LOADING). */
async function waitPong(port, child, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    const r = await call(port, 'PING\r\n').catch(() => '');
    if (r.startsWith('+PONG')) return;
    if (Date.now() > deadline) throw new Error('server did not answer PONG');
    await new Promise((res) => setTimeout(res, 2));
  }
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function redisOn(file, log) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', path.dirname(file), '--dbfilename', path.basename(file), '--logfile', log, '--loglevel', 'notice'], { stdio: 'ignore' });
  await waitPong(port, child);
  const wall = performance.now() - t0;
  const cpu = cpuSeconds(child.pid) * 1000;
  const m = /DB loaded from disk: ([0-9.]+) seconds/.exec(fs.readFileSync(log, 'utf8'));
  return { port, child, wall, cpu, logged: m ? Number(m[1]) * 1000 : NaN };
}

/** Make the two files with a redis-server. */
export async function makeFiles(dir, keys) {
  const log = path.join(dir, 'make.log');
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', log, '--enable-protected-configs', 'yes', '--enable-debug-command', 'yes'], { stdio: 'ignore' });
  await waitPong(port, child);
  const cli = (...args) => {
    const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  const pop = cli('DEBUG', 'POPULATE', String(keys));
  if (!pop.startsWith('OK')) throw new Error(`DEBUG POPULATE: ${pop}`);
  cli('CONFIG', 'SET', 'dbfilename', 'strings.rdb');
  cli('SAVE');
  cli('FLUSHALL');
  // mixed: redis-cli --pipe with generated commands
  const q = Math.floor(keys / 4);
  const lines = [];
  const cmd = (...a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join('')}`;
  for (let i = 0; i < q; i++) {
    lines.push(cmd('SET', `s:${i}`, `value:${i}`));
    lines.push(cmd('HSET', `h:${i}`, 'name', `user${i}`, 'age', String(i % 90), 'city', 'somewhere'));
    lines.push(cmd('RPUSH', `l:${i}`, 'a', 'b', String(i), 'd'));
    lines.push(cmd('ZADD', `z:${i}`, '1', 'one', '2.5', 'two', String(i), 'three'));
  }
  const pipe = spawnSync('redis-cli', ['-p', String(port), '--pipe'], { input: lines.join(''), maxBuffer: 1 << 26 });
  if (pipe.status !== 0) throw new Error(String(pipe.stderr));
  cli('CONFIG', 'SET', 'dbfilename', 'mixed.rdb');
  cli('SAVE');
  await stop(child);
  return [path.join(dir, 'strings.rdb'), path.join(dir, 'mixed.rdb')];
}

export async function run({ keys = 1000000, runs = 1, cli = false, bgsave = false } = {}) {
  const { RedKit } = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-rdb-bench-'));
  // The files are made once per key count and kept in .bench/ (generating 1M keys takes a while).
  const cache = path.join(root, '.bench', `rdb-${keys}`);
  try {
    let files = [path.join(cache, 'strings.rdb'), path.join(cache, 'mixed.rdb')];
    if (!files.every((f) => fs.existsSync(f))) {
      fs.mkdirSync(cache, { recursive: true });
      files = await makeFiles(cache, keys);
    }
    const rows = [];
    for (const file of files) {
      const size = fs.statSync(file).size;
      const r = await redisOn(file, path.join(dir, `${path.basename(file)}.log`));
      await stop(r.child);
      const inproc = [];
      const inprocCpu = [];
      for (let i = 0; i < runs; i++) {
        const k = new RedKit({ record: false });
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const res = k.loadRdb(file);
        const c = process.cpuUsage(c0);
        inproc.push(performance.now() - t0);
        inprocCpu.push((c.user + c.system) / 1000);
        if (res.keysLoaded !== keys) throw new Error(`loaded ${res.keysLoaded} keys, expected ${keys}`);
        await k.stop();
      }
      let cliWall = NaN;
      if (cli) {
        const port = await freePort();
        const t0 = performance.now();
        const child = spawn(path.join(root, 'dist/cli.js'), ['--port', String(port), '--log-level', 'warn', '--seed', file], { stdio: ['ignore', 'ignore', 'inherit'] });
        await waitPong(port, child);
        cliWall = performance.now() - t0;
        await stop(child);
      }
      const load = median(inproc);
      const loadCpu = median(inprocCpu);
      const row = [path.basename(file, '.rdb'), `${(size / 1048576).toFixed(1)} MB`, r.logged.toFixed(0), load.toFixed(0), (load / r.logged).toFixed(2) + '×', r.cpu.toFixed(0), loadCpu.toFixed(0), (loadCpu / r.cpu).toFixed(2) + '×', r.wall.toFixed(0)];
      if (cli) row.push(cliWall.toFixed(0));
      rows.push(row);
    }
    void os;
    console.log(`\n## Loading a ${keys}-key dump.rdb (written by redis-server 7.0)\n`);
    // CPU: redis-server's whole process until PONG (utime+stime), RedKit's process during loadRdb (GC threads included).
    const headers = ['file', 'size', 'redis load ms (log)', 'RedKit loadRdb ms', 'ratio', 'redis CPU ms', 'RedKit CPU ms', 'CPU ratio', 'redis spawn→PONG ms'];
    if (cli) headers.push('redkit --seed spawn→PONG ms');
    console.log(table(rows, headers));
    if (bgsave) {
      const bg = await bgsaveLatency(RedKit, files[1], dir);
      console.log(`\nBGSAVE of the mixed keyspace in RedKit: ${bg.total.toFixed(0)} ms to write ${(bg.size / 1048576).toFixed(1)} MB; ` +
        `a client sending PING all along saw at most ${bg.maxPing.toFixed(1)} ms (median ${bg.medianPing.toFixed(2)} ms, ${bg.pings} PINGs); SAVE takes ${bg.save.toFixed(0)} ms`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** BGSAVE of a loaded keyspace: how long clients wait meanwhile. */
export async function bgsaveLatency(RedKit, file, dir) {
  const k = new RedKit({ record: false, config: { dir, dbfilename: 'bg.rdb' } });
  k.loadRdb(file);
  await k.start();
  const sock = net.connect(k.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = '';
  let wake = null;
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    if (wake) wake();
  });
  const reply = async () => {
    for (;;) {
      const i = buf.indexOf('\r\n');
      if (i >= 0 && buf[0] !== '$') {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        return line;
      }
      if (buf[0] === '$') {
        const n = Number(buf.slice(1, i));
        const end = i + 2 + n + 2;
        if (buf.length >= end) {
          const body = buf.slice(i + 2, i + 2 + n);
          buf = buf.slice(end);
          return body;
        }
      }
      await new Promise((r) => (wake = r));
      wake = null;
    }
  };
  const cmd = async (...a) => {
    sock.write(`*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`);
    return reply();
  };
  const t0 = performance.now();
  const started = await cmd('BGSAVE');
  if (started !== '+Background saving started') throw new Error(started);
  const lat = [];
  for (;;) {
    const p0 = performance.now();
    await cmd('PING');
    lat.push(performance.now() - p0);
    if (lat.length % 20 === 0 && (await cmd('INFO', 'persistence')).includes('rdb_bgsave_in_progress:0')) break;
  }
  const total = performance.now() - t0;
  const size = fs.statSync(path.join(dir, 'bg.rdb')).size;
  const s0 = performance.now();
  await cmd('SAVE');
  const save = performance.now() - s0;
  sock.destroy();
  await k.stop();
  return { total, size, save, maxPing: Math.max(...lat), medianPing: median(lat), pings: lat.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { keys: { type: 'string' }, runs: { type: 'string' }, cli: { type: 'boolean' }, bgsave: { type: 'boolean' } } });
  await run({ keys: values.keys ? Number(values.keys) : undefined, runs: values.runs ? Number(values.runs) : undefined, cli: values.cli, bgsave: values.bgsave });
}
