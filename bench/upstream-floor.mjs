// The floor of a TCP proxy written in Node.js on this machine: a relay that
// does nothing but copy bytes, one upstream connection per client connection
// (as upstream mode), Nagle off on both sides, each read written on in the
// same callback. No parsing, no frame counting, no recorder. bench/upstream.mjs
// --floor runs it next to the proxy: what RedKit's upstream mode cannot beat.
//
//   node bench/upstream-floor.mjs --port P --upstream-port U [--io direct|streams]
//
// --io direct (the default) reads into one reused buffer and writes with the
// handle's writeBuffer, below net.Socket's streams, as src/server/direct-io.ts
// does; --io streams uses 'data' events and socket.write().
import net from 'node:net';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
const port = Number(arg('--port'));
const upPort = Number(arg('--upstream-port'));
const mode = arg('--io', 'direct');

let b = null;
try {
  b = mode === 'direct' ? process.binding('stream_wrap') : null;
} catch {
  b = null;
}
const READ = Buffer.allocUnsafe(64 * 1024);
const state = b?.streamBaseState;
let spare = null;

/** Send each read of `from` to `to` (the read buffer is free again once the kernel took the bytes). */
function pipe(from, to) {
  const h = from._handle;
  if (b === null || !h || typeof h.useUserBuffer !== 'function') {
    from.on('data', (d) => to.write(d));
    return;
  }
  const streamRead = h.onread;
  h.useUserBuffer(READ);
  h.onread = function (ab) {
    const n = state[b.kReadBytesOrError];
    if (n <= 0) return streamRead.call(this, ab);
    const th = to._handle;
    if (!th || to.destroyed) return undefined;
    let req = spare;
    spare = null;
    if (req === null) {
      req = new b.WriteWrap();
      req.oncomplete = () => {};
    }
    req.handle = th;
    // Synchronous unless the kernel's buffer is full: then copy (the read buffer is reused).
    const view = READ.subarray(0, n);
    const err = th.writeBuffer(req, view);
    if (err !== 0) to.destroy();
    else if (state[b.kLastWriteWasAsync] === 0) spare = req;
    // (else the kernel did not take it all and the rest still points into READ: a
    // floor for redis-benchmark's small requests, where that does not happen, not a
    // general relay)
    return undefined;
  };
}

net
  // Paused until the upstream is there: nothing read before its handler is in place.
  .createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    const up = net.connect(upPort, '127.0.0.1');
    up.setNoDelay(true);
    up.once('connect', () => {
      pipe(client, up);
      pipe(up, client);
      client.resume();
    });
    const close = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', close);
    up.on('error', close);
    client.on('close', close);
    up.on('close', close);
  })
  .listen(port, '127.0.0.1');
