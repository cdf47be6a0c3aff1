#!/usr/bin/env node
// -c 50 -P 1 A/B: redis-server, a RedKit build of a base commit and this one (or another build),
// interleaved rounds; server CPU us/req from /proc (user+system, and the user part alone).
//   node bench/ab-p1.mjs [rounds=3] [requests=100000] [only=REGEX] [base cli=/tmp/fl0/dist/cli.js] [new cli=dist/cli.js]
// A base build: mkdir /tmp/fl0 && git archive <commit> | tar -x -C /tmp/fl0 && ln -s $PWD/node_modules /tmp/fl0/ && (cd /tmp/fl0 && npm run build)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
function ut(pid){const st=fs.readFileSync(`/proc/${pid}/stat`,'utf8');const f=st.slice(st.lastIndexOf(')')+2).split(' ');return [Number(f[11])/100, Number(f[12])/100];}
function bench(s, o){const a=ut(s.pid);const r=redisBenchmark(s,o);const b=ut(s.pid);r.user=(b[0]-a[0])*1e6/o.requests;r.sys=(b[1]-a[1])*1e6/o.requests;return r;}
import { startProcess, redisBenchmark, median } from './lib.mjs';
const rounds = Number(process.argv[2] ?? 3);
const n = Number(process.argv[3] ?? 100000);
const only = process.argv[4] ? new RegExp(process.argv[4], 'i') : null;
const baseCli = process.argv[5] ?? '/tmp/fl0/dist/cli.js';
const newCli = process.argv[6] ?? undefined;
const servers = [
  await startProcess('redis'),
  await startProcess('redkit', [], baseCli),
  await startProcess('redkit', [], newCli),
];
const names = ['redis', 'base', 'new'];
const script = "return redis.call('INCR', KEYS[1])";
for (const s of servers) s.sha = execFileSync('redis-cli', ['-p', String(s.port), 'SCRIPT', 'LOAD', script], { encoding: 'utf8' }).trim();
let cases = [
  { label: 'INCR', test: 'incr' },
  { label: 'GET', test: 'get' },
  { label: 'EVALSHA', test: (s) => ['evalsha', s.sha, '1', 'k'] },
].filter((c) => !only || only.test(c.label));
const res = {};
// warm-up
for (const c of cases) for (const s of servers) redisBenchmark(s, { test: typeof c.test === 'function' ? c.test(s) : c.test, clients: 50, pipeline: 1, requests: n });
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const order = r % 2 ? [0, 2, 1] : [0, 1, 2];
    for (const i of order) {
      const s = servers[i];
      const out = bench(s, { test: typeof c.test === 'function' ? c.test(s) : c.test, clients: 50, pipeline: 1, requests: n });
      ((res[c.label] ??= {})[names[i]] ??= []).push(out);
    }
  }
}
for (const c of cases) {
  const row = res[c.label];
  console.log(c.label, names.map((k) => `${k}: rps ${row[k].map((x) => Math.round(x.rps / 1000) + 'k').join('/')} cpu ${row[k].map((x) => x.cpuUsPerReq.toFixed(2)).join('/')} (med ${median(row[k].map((x) => x.cpuUsPerReq)).toFixed(2)}) user ${row[k].map((x) => x.user.toFixed(2)).join('/')} (med ${median(row[k].map((x) => x.user)).toFixed(2)})`).join('\n   '));
}
for (const s of servers) await s.stop();
