import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { createClient } from 'redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let client: ReturnType<typeof createClient>;
let server: Server;
let baseUrl: string;

// The app under test: 10 requests per minute per API key
function createApp() {
  const app = express();
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: 10,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => String(req.headers['x-api-key']),
      store: new RedisStore({
        sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
      }),
    }),
  );
  app.get('/data', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

beforeEach(async () => {
  client = createClient({ url: redkit.url });
  await client.connect();
  server = createApp().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await client.close();
});

const call = (key: string) => fetch(`${baseUrl}/data`, { headers: { 'x-api-key': key } });

it('answers 429 after 10 requests, until the window has passed', async () => {
  redkit.clock.freeze();
  for (let i = 0; i < 10; i++) expect((await call('key-1')).status).toBe(200);
  const limited = await call('key-1');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('60');
  expect((await call('key-2')).status).toBe(200); // other keys are not affected

  redkit.clock.advance('1m'); // the counter's TTL runs out on the server
  expect((await call('key-1')).status).toBe(200);
  expect(redkit).toHaveTTL('rl:key-1', '1m');
});
