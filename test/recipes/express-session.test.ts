import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
let client: ReturnType<typeof createClient>;
let server: Server;
let baseUrl: string;

// The app under test: sessions in Redis, 30 minutes of inactivity logs you out
function createApp() {
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client }),
      secret: 'test secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 30 * 60_000 },
    }),
  );
  app.post('/login', (req, res) => {
    req.session.user = 'ada';
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    res.status(req.session.user ? 200 : 401).json({ user: req.session.user ?? null });
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

// express-session stores the session before it sends the last byte of the body: read it all
async function request(path: string, cookie?: string) {
  const res = await fetch(baseUrl + path, { method: path === '/login' ? 'POST' : 'GET', headers: cookie ? { cookie } : {} });
  return { status: res.status, body: await res.json(), cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

it('keeps an active session alive and drops an idle one', async () => {
  redkit.clock.freeze();
  const login = await request('/login');
  const cookie = login.cookie!;
  const sid = decodeURIComponent(cookie).match(/^connect\.sid=s:([^.]+)\./)![1];
  expect(redkit).toHaveTTL(`sess:${sid}`, '30m');

  redkit.clock.advance('20m');
  expect(await request('/me', cookie)).toMatchObject({ status: 200, body: { user: 'ada' } });
  expect(redkit).toHaveReceivedCommand('EXPIRE', `sess:${sid}`, '1800'); // touched
  expect(redkit).toHaveTTL(`sess:${sid}`, '30m');

  redkit.clock.advance('30m'); // 30 minutes without a request
  expect(redkit).not.toHaveKey(`sess:${sid}`);
  expect((await request('/me', cookie)).status).toBe(401);
});
