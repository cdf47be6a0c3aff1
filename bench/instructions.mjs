#!/usr/bin/env node
// Instructions per request on RedKit's whole read path, counted by valgrind (callgrind): the
// same every run, whatever else the machine is doing (requests/s and CPU time on a shared 2-core
// machine move by 5-20% between identical runs; this moves by ~2%). No sockets and no syscalls:
// a fake socket handle goes through server.accept() and the direct-I/O path (src/server/direct-io.ts)
// exactly as a real read does (parser, dispatcher, command or script, reply writer, write).
//
//   npm run build && node bench/instructions.mjs [evalsha|incr|get ...]      (needs valgrind)
//   DIST=/other/build/dist node bench/instructions.mjs evalsha                 (another build)
//   NODE_FLAGS='' node bench/instructions.mjs                                  (default: the bin's --optimize-for-size)
//
// Each case runs twice under callgrind, with 60k warm-up requests (then a full GC) and with
// 100k more: the difference of the totals / 100k is the count per request, GC included.
//
// Worker mode (internal): node bench/instructions.mjs --drive <mode> <warm> <n>
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.DIST ?? path.join(here, '../dist');

if (process.argv[2] === '--drive') {
  const [mode, W, N] = [process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
  const { createServer } = await import(path.join(dist, 'index.js'));
  const b = process.binding('stream_wrap');
  const state = b.streamBaseState;
  const server = createServer({ port: 0 });
  let out = null;
  const fakeHandle = () => ({
    buf: null,
    onread() {},
    useUserBuffer(buf) {
      this.buf = buf;
    },
    writeBuffer(_req, buf) {
      out = buf;
      state[b.kLastWriteWasAsync] = 0;
      return 0;
    },
  });
  const fakeSocket = (handle, port) => ({
    remoteAddress: '127.0.0.1',
    remotePort: port,
    localAddress: '127.0.0.1',
    localPort: 6379,
    _handle: handle,
    writableLength: 0,
    destroyed: false,
    on() {
      return this;
    },
    once() {
      return this;
    },
    setNoDelay() {},
    setTimeout() {},
    setKeepAlive() {},
    write(x) {
      out = x;
      return true;
    },
    end() {},
    destroy() {
      this.destroyed = true;
    },
    resume() {},
  });
  const handle = fakeHandle();
  server.accept(fakeSocket(handle, 5555));
  server.accept(fakeSocket(fakeHandle(), 5556)); // another client connected, as with redis-benchmark -c 50
  const enc = (args) => Buffer.from(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
  const read = (bytes) => {
    bytes.copy(handle.buf, 0);
    state[b.kReadBytesOrError] = bytes.length;
    handle.onread();
  };
  const script = "return redis.call('INCR', KEYS[1])";
  const sha = crypto.createHash('sha1').update(script).digest('hex');
  read(enc(['SCRIPT', 'LOAD', script]));
  if (String(out) !== `$40\r\n${sha}\r\n`) throw new Error(`SCRIPT LOAD answered ${JSON.stringify(String(out))}`);
  const req = mode === 'incr' ? enc(['INCR', 'k']) : mode === 'get' ? enc(['GET', 'k']) : enc(['EVALSHA', sha, '1', 'k']);
  read(req);
  if (!/^(:\d+|\$-1|\$\d+\r\n\d+)\r\n$/.test(String(out))) throw new Error(`${mode} answered ${JSON.stringify(String(out))}`);
  for (let i = 0; i < W; i++) read(req);
  globalThis.gc?.();
  globalThis.gc?.();
  for (let i = 0; i < N; i++) read(req);
  process.exit(0);
}

const flags = (process.env.NODE_FLAGS ?? '--optimize-for-size').split(' ').filter(Boolean);
const modes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['evalsha', 'incr', 'get'];
const WARM = 60000;
const N = 100000;
function total(mode, n) {
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', '--expose-gc', ...flags, fileURLToPath(import.meta.url), '--drive', mode, String(WARM), String(n)],
    { encoding: 'utf8', env: { ...process.env, DIST: dist } },
  );
  const m = /Collected : (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`valgrind failed (is it installed?): ${r.error?.message ?? ''}${(r.stderr ?? '').slice(-2000)}`);
  return Number(m[1]);
}
console.log(`build ${dist}, node ${flags.join(' ') || '(no flags)'}`);
for (const mode of modes) {
  const per = (total(mode, N) - total(mode, 0)) / N;
  console.log(`${mode.padEnd(8)} ${Math.round(per)} instructions per request`);
}
