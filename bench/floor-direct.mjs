// The floor of RedKit's socket path: a do-nothing server reading and writing like
// src/server/direct-io.ts (one shared read buffer through the handle's useUserBuffer, replies
// with the handle's writeBuffer), answering :1 to each '*' it reads. Not part of `bench/run.mjs`:
//
//   node --optimize-for-size bench/floor-direct.mjs --port N
//   redis-benchmark -p N -c 50 -P 1 -n 100000 -t incr      (server CPU: /proc/<pid>/stat or perf stat -p)
//
// December (issue #12), -c 50 -P 1 INCR, user / system CPU per request (3 rounds, loaded machine):
// redis-server 0.60 / 1.90 us, this floor 0.50 / 2.00, RedKit 1.80 / 2.10. Node's per-read
// callback and write path cost about what redis-server's event loop does: the gap at -P 1 is
// RedKit's own work per read (connection, parser, dispatcher, timing), not Node's.
import net from 'node:net';
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const b = process.binding('stream_wrap');
const ONE = Buffer.from(':1\r\n');
const cache = new Map();
const rb = Buffer.allocUnsafe(65536);
const state = b.streamBaseState; const kRead = b.kReadBytesOrError;
let req = null;
net.createServer({ noDelay: true }, (s) => {
  s.on('error', () => {});
  s.on('data', (d) => s.write(ONE)); // (not used: direct path below)
  const h = s._handle; const orig = h.onread;
  h.useUserBuffer(rb);
  h.onread = function (ab) {
    const n = state[kRead];
    if (n <= 0) return orig.call(this, ab);
    let c = 0;
    for (let i = 0; i < n; i++) if (rb[i] === 42) c++;
    if (c === 0) c = 1;
    let out = cache.get(c);
    if (out === undefined) cache.set(c, (out = Buffer.concat(Array(c).fill(ONE))));
    if (req === null) { req = new b.WriteWrap(); req.oncomplete = () => {}; }
    req.handle = h;
    h.writeBuffer(req, out);
    if (state[b.kLastWriteWasAsync] !== 0) req = null;
  };
}).listen(port, '127.0.0.1');
