#!/usr/bin/env node
// What the libraries of test/ecosystem cost the server, per library call:
// the same workload against redis-server and the RedKit bin (dist/cli.js),
// one after the other, each a few seconds, with the server's CPU time per call
// (the number to compare on a shared machine; requests/s swing with the load).
//
//   npm run build && node bench/ecosystem.mjs [--calls 50000] [--concurrency 50]
//
// - rate-limiter-flexible: RateLimiterRedis.consume() (one EVALSHA of its
//   SET NX / INCRBY / PTTL script) over 1000 keys, ioredis
// - redlock: acquire + release of one of 1000 resources (two EVALSHAs), ioredis
// - keyv: set with a TTL then get (@keyv/redis, node-redis 5)
// - connect-redis: the session store's set + get + touch (node-redis 5)
import Redis from 'ioredis';
import { createClient } from 'redis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import Redlock from 'redlock';
import { createKeyv } from '@keyv/redis';
import { RedisStore } from 'connect-redis';
import { cpuSeconds, startProcess, table } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CALLS = arg('calls', 50_000);
const CONCURRENCY = arg('concurrency', 50);

/** Run `call(i)` CALLS times, CONCURRENCY at a time. */
async function drive(call) {
  let next = 0;
  const worker = async () => {
    while (next < CALLS) await call(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const workloads = {
  'rate-limiter-flexible consume': async (url) => {
    const c = new Redis(url);
    const rl = new RateLimiterRedis({ storeClient: c, keyPrefix: 'rl', points: 1e9, duration: 60 });
    return { warm: () => rl.consume('warm'), call: (i) => rl.consume(`ip:${i % 1000}`), close: () => c.disconnect() };
  },
  'redlock acquire+release': async (url) => {
    const c = new Redis(url);
    const rl = new Redlock([c], { retryCount: 0 });
    return {
      warm: async () => (await rl.acquire(['warm'], 1000)).release(),
      call: async (i) => (await rl.acquire([`lock:${i % 1000}:${Math.floor(i / 1000)}`], 10_000)).release(),
      close: () => c.disconnect(),
    };
  },
  'keyv set+get': async (url) => {
    const kv = createKeyv(url);
    return {
      warm: () => kv.set('warm', 1),
      call: async (i) => {
        await kv.set(`k:${i % 1000}`, { n: i, s: 'x'.repeat(100) }, 60_000);
        await kv.get(`k:${i % 1000}`);
      },
      close: () => kv.disconnect(),
    };
  },
  'connect-redis set+get+touch': async (url) => {
    const client = createClient({ url });
    await client.connect();
    const store = new RedisStore({ client });
    const sess = { cookie: { originalMaxAge: 1_800_000, expires: new Date(Date.now() + 1_800_000) }, user: 'ada' };
    return {
      warm: () => store.set('warm', sess),
      call: async (i) => {
        const sid = `s${i % 1000}`;
        await store.set(sid, sess);
        await store.get(sid);
        await store.touch(sid, sess);
      },
      close: () => client.destroy(),
    };
  },
};

/** Commands the server has processed so far (INFO stats), through a connection of its own. */
async function commandsProcessed(port) {
  const c = new Redis(port, '127.0.0.1');
  const info = await c.info('stats');
  c.disconnect();
  return Number(/total_commands_processed:(\d+)/.exec(info)[1]);
}

const rows = [];
for (const [name, make] of Object.entries(workloads)) {
  const row = [name];
  for (const kind of ['redis', 'redkit']) {
    const server = await startProcess(kind);
    const w = await make(`redis://127.0.0.1:${server.port}`);
    await w.warm();
    const n0 = await commandsProcessed(server.port);
    const cpu0 = cpuSeconds(server.pid);
    const t0 = process.hrtime.bigint();
    await drive(w.call);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(server.pid) - cpu0;
    // commands per call, inner script commands included (redis-server's count; RedKit's is the same)
    if (kind === 'redis') row.push((((await commandsProcessed(server.port)) - n0) / CALLS).toFixed(1));
    await w.close();
    await server.stop();
    row.push(`${Math.round(CALLS / secs)}`, `${((cpu * 1e6) / CALLS).toFixed(1)}`);
  }
  rows.push(row);
}
console.log(`${CALLS} calls each, ${CONCURRENCY} at a time`);
console.log(table(rows, ['workload', 'commands/call', 'redis calls/s', 'redis CPU µs/call', 'redkit calls/s', 'redkit CPU µs/call']));
