/**
 * express-rate-limit 8 with rate-limit-redis 6 as its store, in a real express
 * 5 app called over HTTP (node's fetch), against the selected target. The
 * store loads its scripts with SCRIPT LOAD and runs them with EVALSHA
 * (reloading on NOSCRIPT); failed requests are given back with DECR.
 * Both clients: node-redis (`sendCommand(args)`) and ioredis (`call`).
 */
import { describe, expect, it, vi } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { isRedKit, redkitOf, targetHooks, type Target } from './target.js';

/** vi.waitFor with room for a loaded machine (its default gives up after 1 s). */
const waitFor = <T>(fn: () => T | Promise<T>) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

let target: Target;
const cleanups = targetHooks((t) => (target = t));

type SendCommand = (...args: string[]) => Promise<RedisReply>;

const clientKinds: Array<[string, () => Promise<SendCommand>]> = [
  [
    'node-redis',
    async () => {
      const c = createClient({ url: target.url });
      c.on('error', () => {});
      await c.connect();
      cleanups.push(() => c.destroy());
      return (...args) => c.sendCommand(args) as Promise<RedisReply>;
    },
  ],
  [
    'ioredis',
    async () => {
      const c = new Redis(target.port, target.host);
      cleanups.push(() => c.disconnect());
      return (command, ...args) => c.call(command, ...args) as Promise<RedisReply>;
    },
  ],
];

/** An express app with a limited /api route; returns its base URL. */
async function startApp(send: SendCommand, options: Partial<Options>): Promise<string> {
  const app = express();
  app.use(
    '/api',
    rateLimit({
      windowMs: 60_000,
      limit: 3,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => String(req.headers['x-user'] ?? 'anonymous'),
      store: new RedisStore({ sendCommand: send, prefix: 'rl:' }),
      ...options,
    }),
  );
  app.get('/api/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/api/fail', (_req, res) => {
    res.status(500).json({ ok: false });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, user = 'ada') => fetch(url, { headers: { 'x-user': user } });

describe.each(clientKinds)('%s', (_name, sendCommand) => {
  it('allows `limit` requests per window, then answers 429', async () => {
    const base = await startApp(await sendCommand(), { message: { error: 'slow down' } });
    const statuses: number[] = [];
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 5; i++) {
      const res = await get(`${base}/api/ok`);
      statuses.push(res.status);
      remaining.push(res.headers.get('ratelimit'));
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(remaining.slice(0, 3).map((h) => h!.match(/remaining=(\d+)/)![1])).toEqual(['2', '1', '0']);
    expect(remaining[0]).toMatch(/^limit=3, remaining=2, reset=(60|59)$/);
    const refused = await get(`${base}/api/ok`);
    expect(await refused.json()).toEqual({ error: 'slow down' });
    expect(refused.headers.get('retry-after')).toMatch(/^(60|59)$/);
    // another user has a budget of its own
    expect((await get(`${base}/api/ok`, 'bob')).status).toBe(200);
    // what the store keeps: a counter with the window as TTL
    const send = await sendCommand();
    expect(await send('GET', 'rl:ada')).toBe('6');
    const pttl = Number(await send('PTTL', 'rl:ada'));
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('skipFailedRequests gives failed requests back (DECR)', async () => {
    const base = await startApp(await sendCommand(), { skipFailedRequests: true });
    for (let i = 0; i < 5; i++) expect((await get(`${base}/api/fail`)).status).toBe(500);
    const send = await sendCommand();
    // the store decrements when the response has finished: after the client has it
    await waitFor(async () => expect(await send('GET', 'rl:ada')).toBe('0'));
    for (let i = 0; i < 3; i++) expect((await get(`${base}/api/ok`)).status).toBe(200);
    expect((await get(`${base}/api/ok`)).status).toBe(429);
    // the refusal is a failed request too: given back
    await waitFor(async () => expect(await send('GET', 'rl:ada')).toBe('3'));
  });

  it('the store reloads its script after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const base = await startApp(await sendCommand(), {});
    expect((await get(`${base}/api/ok`)).status).toBe(200);
    const send = await sendCommand();
    expect(await send('SCRIPT', 'FLUSH')).toBe('OK');
    expect((await get(`${base}/api/ok`)).status).toBe(200);
    expect(await send('GET', 'rl:ada')).toBe('2');
  });

  it.runIf(isRedKit)('the window resets when the virtual clock passes it', async () => {
    const redkit = redkitOf(target);
    redkit.clock.freeze();
    const base = await startApp(await sendCommand(), {});
    for (let i = 0; i < 3; i++) expect((await get(`${base}/api/ok`)).status).toBe(200);
    redkit.clock.advance('59s');
    const refused = await get(`${base}/api/ok`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit')).toBe('limit=3, remaining=0, reset=1');
    redkit.clock.advance('1s');
    const fresh = await get(`${base}/api/ok`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=60');
    expect(redkit.db().pttl('rl:ada')).toBe(60_000);
    expect(redkit.recorder.count('EVALSHA')).toBe(5);
    expect(redkit.recorder.count('SCRIPT LOAD')).toBe(2);
  });
});

it.runIf(isRedKit)('passOnStoreError lets requests through while the server fails', async () => {
  const redkit = redkitOf(target);
  const base = await startApp(await clientKinds[0][1](), { passOnStoreError: true, limit: 1 });
  redkit.faults.add({ command: 'EVALSHA', error: 'LOADING Redis is loading the dataset in memory' });
  for (let i = 0; i < 3; i++) expect((await get(`${base}/api/ok`)).status).toBe(200);
  redkit.faults.clear();
  expect((await get(`${base}/api/ok`)).status).toBe(200);
  expect((await get(`${base}/api/ok`)).status).toBe(429);
});
