#!/usr/bin/env node
/**
 * The protocol fuzzer's long run (issue #10):
 *
 *   npm run fuzz -- --frames 1000000 --seed 42 [--connections 16] [--streams] [--minutes 30]
 *
 * Bundles test/robustness/fuzz-core.ts (and the server sources) with esbuild
 * into a temporary module and runs it in this process: a fresh in-process
 * RedKit, fuzz connections sending seeded frames, a witness client checking
 * PING and a SET/GET round trip after every round, memory bounds, no
 * exception escaping to the process. Prints progress every 10 s and a
 * summary; exits 1 with the seed and round on a failure.
 */
import { checkNumbers, flag, helpOr, importBundled, opt } from './bundled.mjs';

helpOr('usage: npm run fuzz -- [--frames N (default 100000)] [--seed S (default: time)] [--connections C (16)] [--per-connection F (16)] [--streams] [--minutes M]');
const frames = Number(opt('frames', '100000'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 31)));
const connections = Number(opt('connections', '16'));
const perConnection = Number(opt('per-connection', '16'));
const minutes = opt('minutes', undefined);
const directIo = !flag('streams');
checkNumbers('fuzz', { frames, seed, connections, perConnection });

const { fuzz } = await importBundled('test/robustness/fuzz-core.ts');

const mb = (n) => `${(n / 1048576).toFixed(0)} MB`;
console.log(`fuzz: seed ${seed}, ${frames} frames, ${connections} connections x up to ${perConnection} frames per round, ${directIo ? 'direct I/O' : 'streams'}`);
let last = Date.now();
try {
  const s = await fuzz({
    frames,
    seed,
    connections,
    framesPerConnection: perConnection,
    directIo,
    maxMs: minutes === undefined ? undefined : Number(minutes) * 60_000,
    onRound: (st) => {
      if (Date.now() - last >= 10_000) {
        last = Date.now();
        console.log(`  ${st.frames} frames, ${st.rounds} rounds, ${st.closedByServer} closed by the server, peak rss ${mb(st.peakRss)}, heap ${mb(st.peakHeap)}`);
      }
    },
  });
  console.log(`fuzz: OK — seed ${s.seed}: ${s.frames} frames in ${(s.ms / 1000).toFixed(1)} s (${Math.round(s.frames / (s.ms / 1000))} frames/s), ${s.rounds} rounds, ${s.witnessChecks} witness checks`);
  console.log(`  sent ${mb(s.bytesSent)}, received ${mb(s.bytesReceived)}, ${s.closedByServer} connections closed by the server; peak rss ${mb(s.peakRss)}, peak heap ${mb(s.peakHeap)}`);
  console.log(`  frames by kind: ${Object.entries(s.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  process.exit(0);
} catch (e) {
  console.error(`fuzz: FAILED (rerun with --seed ${seed}): ${e?.stack ?? e}`);
  process.exit(1);
}
