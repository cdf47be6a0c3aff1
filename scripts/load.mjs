#!/usr/bin/env node
/**
 * The load test's full run (issue #14):
 *
 *   npm run load -- --clients 1000 --ops 1000 [--seed S] [--subscribers 4] [--batch 64] [--streams]
 *
 * Bundles test/robustness/load-core.ts (and the server sources) with esbuild
 * and runs it in this process: a fresh in-process RedKit, N concurrent
 * clients each sending M pipelined commands (strings, counters, lists,
 * hashes, MULTI/EXEC, pub/sub, large ECHOs), every reply checked against a
 * model. Prints time, commands/s and peak memory (RSS, heap of the whole
 * process: server and clients); exits 1 with the first wrong replies.
 */
import { checkNumbers, flag, helpOr, importBundled, opt } from './bundled.mjs';

helpOr('usage: npm run load -- [--clients N (100)] [--ops M (200)] [--seed S] [--subscribers 4] [--batch 64] [--streams]');
const clients = Number(opt('clients', '100'));
const ops = Number(opt('ops', '200'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 31)));
const subscribers = Number(opt('subscribers', '4'));
const batch = Number(opt('batch', '64'));
const directIo = !flag('streams');
checkNumbers('load', { clients, ops, seed, subscribers, batch });

const { runLoad } = await importBundled('test/robustness/load-core.ts');

const mb = (n) => `${(n / 1048576).toFixed(0)} MB`;
console.log(`load: seed ${seed}, ${clients} clients x ${ops} commands, ${subscribers} subscribers, ${directIo ? 'direct I/O' : 'streams'}`);
const r = await runLoad({ clients, ops, seed, subscribers, batch, directIo });
console.log(
  `load: ${r.commands} commands, ${r.replies} replies, ${r.published} published -> ${r.delivered} delivered, ` +
    `${(r.ms / 1000).toFixed(2)} s (${Math.round(r.commands / (r.ms / 1000))} commands/s), peak RSS ${mb(r.peakRss)}, peak heap ${mb(r.peakHeap)}`,
);
if (r.wrong.length !== 0) {
  console.error(`load: FAILED (seed ${seed}):\n  ${r.wrong.join('\n  ')}`);
  process.exit(1);
}
console.log('load: every reply as the model expects; keyspace and connections as expected');
