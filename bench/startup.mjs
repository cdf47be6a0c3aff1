// Start-up: startRedKit() → first PONG over a socket, 100 starts in-process
// (median), next to spawning a redis-server until it answers PING.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { median, root, startProcess, table } from './lib.mjs';

function ping(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

export async function run() {
  const { startRedKit } = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
  // Warm up module code paths once.
  const w = await startRedKit();
  await ping(w.port);
  await w.stop();
  const times = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const r = await startRedKit();
    await ping(r.port);
    times.push(performance.now() - t0);
    await r.stop();
  }
  // The part of it spent building the server (command table, keyspace, config), no socket.
  const { RedKit } = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
  const built = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const r = new RedKit();
    built.push(performance.now() - t0);
    await r.stop();
  }
  const spawned = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const s = await startProcess('redis');
    spawned.push(performance.now() - t0);
    await s.stop();
  }
  console.log('\n## Start-up: ready and answering PING\n');
  console.log(
    table(
      [
        ['startRedKit() in-process (100 starts)', median(times).toFixed(2), Math.min(...times).toFixed(2), Math.max(...times).toFixed(2)],
        ['  of which new RedKit() (no socket)', median(built).toFixed(2), Math.min(...built).toFixed(2), Math.max(...built).toFixed(2)],
        ['redis-server spawned (10 starts)', median(spawned).toFixed(2), Math.min(...spawned).toFixed(2), Math.max(...spawned).toFixed(2)],
      ],
      ['what', 'median ms', 'min ms', 'max ms'],
    ),
  );
}
