// Start-up of an in-process cluster: startRedKitCluster({ masters: 3,
// replicasPerMaster: 1 }) until it resolves (every node listening), then until
// every node answers PING; median over 20 starts. Needs `npm run build`.
// Usage: node bench/cluster-startup.mjs
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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

const { startRedKitCluster } = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
const w = await startRedKitCluster({ masters: 3, replicasPerMaster: 1 });
await w.stop();
const started = [];
const answered = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const c = await startRedKitCluster({ masters: 3, replicasPerMaster: 1 });
  started.push(performance.now() - t0);
  await Promise.all(c.nodes.map((n) => ping(n.port)));
  answered.push(performance.now() - t0);
  await c.stop();
}
console.log(`3 masters + 3 replicas, 20 starts: median ${median(started).toFixed(2)} ms to start, ${median(answered).toFixed(2)} ms until every node answered PING (min ${Math.min(...started).toFixed(2)} / max ${Math.max(...started).toFixed(2)} ms)`);
