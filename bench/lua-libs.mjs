#!/usr/bin/env node
// Benchmarks of the Lua C libraries (src/lua/lib): the same Lua loops run in our engine
// (LuaState with the Redis libraries) and in redis-server 7.0 (one EVAL each, so Redis's C code
// runs the loop; its time includes compiling the script), plus tostring/string.format against
// Debian's lua5.1. Best of 3 runs each:
//   node bench/lua-libs.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'lua-libs-bench-'));
const out = join(dir, 'lua.mjs');
execFileSync(join(root, 'node_modules/.bin/esbuild'), [join(root, 'src/lua/index.ts'), '--bundle', '--platform=node', '--format=esm', `--outfile=${out}`, '--log-level=error']);
const { LuaState } = await import(pathToFileURL(out).href);

const now = () => Number(process.hrtime.bigint()) / 1e6;

const SETUP = `local t = {name='job', data={a=1, b={1,2,3}, c='xyz'}, opts={attempts=3, delay=0, timestamp=1700000000000}}
local doc = cjson.encode(t) local mp = cmsgpack.pack(t) local s, x = nil, 0 `;
const CASES = [
  ['tostring(i + 0.5) x1e6', 'for i = 1, 1e6 do s = tostring(i + 0.5) end', true],
  ['tostring(i / 7) x1e6', 'for i = 1, 1e6 do s = tostring(i / 7) end', true],
  ["string.format('%d %.2f %s') x1e6", "for i = 1, 1e6 do s = string.format('%d %.2f %s', i, i / 3, 'x') end", true],
  ['cjson.encode(small table) x1e5', 'for i = 1, 1e5 do s = cjson.encode(t) end'],
  ['cjson.decode(small doc) x1e5', 'for i = 1, 1e5 do s = cjson.decode(doc) end'],
  ['cmsgpack.pack(small table) x1e5', 'for i = 1, 1e5 do s = cmsgpack.pack(t) end'],
  ['cmsgpack.unpack(small) x1e5', 'for i = 1, 1e5 do s = cmsgpack.unpack(mp) end'],
  ['bit.bxor x1e6', 'for i = 1, 1e6 do x = bit.bxor(x, i) end'],
  ["struct.pack('>I4d') x1e5", "for i = 1, 1e5 do s = struct.pack('>I4d', i, i / 3) end"],
];

function ours(src) {
  const L = new LuaState({ print: () => {}, redisLibs: true });
  const f = L.load(SETUP + src, '@bench');
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = now();
    L.call(f, []);
    best = Math.min(best, now() - t0);
  }
  return best;
}

function lua51(src) {
  const file = join(dir, 'b.lua');
  writeFileSync(file, `local cjson, cmsgpack = {encode=function() end}, {pack=function() end}\n${SETUP}\nlocal c = os.clock() ${src} io.write(string.format('%.3f', (os.clock() - c) * 1000))`);
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, +execFileSync('/usr/bin/lua5.1', [file]).toString());
  return best;
}

async function startRedis(port) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return child;
  }
  child.kill();
  throw new Error('redis-server did not start');
}

function evalMs(port, script) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const cmd = ['EVAL', script, '0'];
    const req = `*${cmd.length}\r\n` + cmd.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
    let t0 = 0;
    s.on('connect', () => { t0 = now(); s.write(req); });
    s.on('data', (d) => {
      const ms = now() - t0;
      s.destroy();
      if (d[0] === 45) reject(new Error(d.toString()));
      else resolve(ms);
    });
    s.on('error', reject);
  });
}

const port = 6400 + Math.floor(Math.random() * 90);
const redis = await startRedis(port);
try {
  console.log(['case'.padEnd(36), 'ours ms'.padStart(9), 'redis ms'.padStart(9), 'lua5.1 ms'.padStart(10)].join(' '));
  for (const [name, src, native] of CASES) {
    const o = ours(src);
    let r = Infinity;
    for (let i = 0; i < 3; i++) r = Math.min(r, await evalMs(port, SETUP + src));
    const l = native ? lua51(src) : NaN;
    console.log([name.padEnd(36), o.toFixed(1).padStart(9), r.toFixed(1).padStart(9), (native ? l.toFixed(1) : '-').padStart(10)].join(' '));
  }
} finally {
  redis.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
