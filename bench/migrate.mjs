// MIGRATE cost: N keys moved from a source to a target server, 10 keys per
// MIGRATE ... KEYS (as redis-cli --cluster reshard does), one MIGRATE at a
// time; redis-server -> redis-server against redkit -> redkit. Prints keys/s
// and the CPU time of source and target per key moved.
// Usage: node bench/migrate.mjs [--keys 20000] [--batch 10] [--cli path/to/cli.js]
// (needs `npm run build`, or --cli with a bundle; BENCH_NODE_FLAGS as bench/lib.mjs)
import net from 'node:net';
import { cpuSeconds, need, startProcess, table } from './lib.mjs';

need('redis-server', 'redis-server');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const KEYS = Number(arg('keys', '20000'));
const BATCH = Number(arg('batch', '10'));
const CLI = arg('cli', undefined);

/** A connection that sends commands and counts one-line replies (+OK/+NOKEY/-ERR). */
function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    let waiting = null;
    let want = 0;
    const lines = [];
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let nl;
      while ((nl = buf.indexOf('\r\n')) !== -1) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 2);
      }
      if (waiting && lines.length >= want) {
        const w = waiting;
        waiting = null;
        w(lines.splice(0, want));
      }
    });
    s.once('error', reject);
    s.once('connect', () =>
      resolve({
        send(cmds) {
          let out = '';
          for (const argv of cmds) {
            out += `*${argv.length}\r\n`;
            for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
          }
          want = cmds.length;
          const p = new Promise((r) => (waiting = r));
          s.write(out);
          if (lines.length >= want) {
            const w = waiting;
            waiting = null;
            w(lines.splice(0, want));
          }
          return p;
        },
        close: () => s.destroy(),
      }),
    );
  });
}

async function run(kind) {
  const src = await startProcess(kind, [], CLI);
  const dst = await startProcess(kind, [], CLI);
  try {
    const c = await connect(src.port);
    const value = 'v'.repeat(100);
    for (let i = 0; i < KEYS; i += 1000) {
      const cmds = [];
      for (let j = i; j < Math.min(KEYS, i + 1000); j++) cmds.push(['SET', `key:${j}`, value]);
      await c.send(cmds);
    }
    const s0 = cpuSeconds(src.pid);
    const d0 = cpuSeconds(dst.pid);
    const t0 = performance.now();
    for (let i = 0; i < KEYS; i += BATCH) {
      const keys = [];
      for (let j = i; j < Math.min(KEYS, i + BATCH); j++) keys.push(`key:${j}`);
      const [r] = await c.send([['MIGRATE', '127.0.0.1', String(dst.port), '', '0', '5000', 'KEYS', ...keys]]);
      if (r !== '+OK') throw new Error(`MIGRATE answered ${r}`);
    }
    const secs = (performance.now() - t0) / 1000;
    const srcUs = ((cpuSeconds(src.pid) - s0) * 1e6) / KEYS;
    const dstUs = ((cpuSeconds(dst.pid) - d0) * 1e6) / KEYS;
    c.close();
    return { kind, keysPerSec: Math.round(KEYS / secs), srcUs, dstUs };
  } finally {
    await src.stop();
    await dst.stop();
  }
}

const rows = [];
for (const kind of (process.env.BENCH_KINDS ?? 'redis,redkit').split(',')) {
  const r = await run(kind);
  rows.push([r.kind, String(r.keysPerSec), r.srcUs.toFixed(1), r.dstUs.toFixed(1), (r.srcUs + r.dstUs).toFixed(1)]);
}
console.log(`${KEYS} keys of 100 bytes, ${BATCH} per MIGRATE ... KEYS, one MIGRATE at a time`);
console.log(table(rows, ['servers', 'keys/s', 'source CPU us/key', 'target CPU us/key', 'total CPU us/key']));
