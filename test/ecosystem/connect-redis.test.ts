/**
 * express-session with connect-redis 9 (node-redis 5 client) in a real express
 * 5 app called over HTTP, the session cookie carried by hand, against the
 * selected target: a session stored (SET ... EX), read (GET), touched
 * (EXPIRE), destroyed (DEL), listed (SCAN + MGET), and expired by the
 * virtual clock.
 */
import { expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient, type RedisClientType } from 'redis';
import { isRedKit, redkitOf, targetHooks, type Target } from './target.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

let target: Target;
const cleanups = targetHooks((t) => (target = t));

const MAX_AGE = 30 * 60_000; // 30 minutes

async function startApp(storeOptions: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) {
  const client = createClient({ url: target.url }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  cleanups.push(() => client.destroy());
  const store = new RedisStore({ client, prefix: 'sess:', ...storeOptions });
  const app = express();
  app.use(
    session({
      store,
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: MAX_AGE },
    }),
  );
  app.post('/login/:user', (req, res) => {
    req.session.user = req.params.user;
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    if (!req.session.user) {
      res.status(401).json({ error: 'not logged in' });
      return;
    }
    res.json({ user: req.session.user, views: req.session.views ?? 0 });
  });
  app.post('/view', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  app.post('/logout', (req, res) => {
    req.session.destroy(() => res.json({ ok: true }));
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
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, store, client };
}

/** A browser that keeps the session cookie. */
function browser(base: string) {
  let cookie: string | null = null;
  return {
    get cookie() {
      return cookie;
    },
    /** the session id inside the signed cookie (s:<sid>.<signature>) */
    get sid(): string {
      const m = cookie?.match(/^connect\.sid=s%3A([^.]+)\./);
      if (!m) throw new Error(`no session cookie: ${cookie}`);
      return decodeURIComponent(m[1]);
    },
    async request(method: string, path: string) {
      const res = await fetch(base + path, { method, headers: cookie ? { cookie } : {} });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0];
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, setCookie: set };
    },
  };
}

it('stores the session on login and reads it back on the next request', async () => {
  const { base, client } = await startApp();
  const b = browser(base);
  expect((await b.request('GET', '/me')).status).toBe(401);
  expect(await client.dbSize()).toBe(0); // saveUninitialized: false
  const login = await b.request('POST', '/login/ada');
  expect(login.setCookie).toMatch(/^connect\.sid=s%3A.+; Path=\/; Expires=.+; HttpOnly$/);
  const raw = await client.get(`sess:${b.sid}`);
  expect(JSON.parse(raw!)).toMatchObject({ user: 'ada', cookie: { httpOnly: true, path: '/' } });
  const ttl = await client.ttl(`sess:${b.sid}`);
  expect(ttl).toBeGreaterThan(MAX_AGE / 1000 - 5);
  expect(ttl).toBeLessThanOrEqual(MAX_AGE / 1000);
  expect(await b.request('GET', '/me')).toMatchObject({ status: 200, body: { user: 'ada', views: 0 } });
  await b.request('POST', '/view');
  await b.request('POST', '/view');
  expect((await b.request('GET', '/me')).body).toEqual({ user: 'ada', views: 2 });
  // another browser has no session
  expect((await browser(base).request('GET', '/me')).status).toBe(401);
});

it('logout destroys the session (DEL)', async () => {
  const { base, client } = await startApp();
  const b = browser(base);
  await b.request('POST', '/login/ada');
  const sid = b.sid;
  expect(await client.exists(`sess:${sid}`)).toBe(1);
  await b.request('POST', '/logout');
  expect(await client.exists(`sess:${sid}`)).toBe(0);
  expect((await b.request('GET', '/me')).status).toBe(401);
});

it('lists, counts and clears sessions (SCAN, MGET, DEL)', async () => {
  const { base, store, client } = await startApp({ scanCount: 2 });
  const users = ['ada', 'bob', 'cy', 'dee', 'eve'];
  const sids: string[] = [];
  for (const u of users) {
    const b = browser(base);
    await b.request('POST', `/login/${u}`);
    sids.push(b.sid);
  }
  await client.set('other:key', 'x');
  expect(await store.length()).toBe(5);
  expect((await store.ids()).sort()).toEqual([...sids].sort());
  const all = (await store.all()) as Array<{ id: string; user: string }>;
  expect(all.map((s) => s.user).sort()).toEqual(users);
  expect(all.find((s) => s.user === 'ada')!.id).toBe(sids[0]);
  await store.clear();
  expect(await store.length()).toBe(0);
  expect(await client.keys('*')).toEqual(['other:key']);
});

it('a custom ttl function and disableTouch', async () => {
  const { base, client } = await startApp({ ttl: () => 42, disableTouch: true });
  const b = browser(base);
  await b.request('POST', '/login/ada');
  expect(await client.ttl(`sess:${b.sid}`)).toBe(42);
});

it.runIf(isRedKit)('reading the session touches it; it expires on the virtual clock when idle', async () => {
  const redkit = redkitOf(target);
  redkit.clock.freeze();
  const { base } = await startApp();
  const b = browser(base);
  await b.request('POST', '/login/ada');
  const key = `sess:${b.sid}`;
  expect(redkit.db().ttl(key)).toBe(1800);

  redkit.clock.advance('20m');
  expect(redkit.db().ttl(key)).toBe(600);
  // An unchanged session is touched, not saved again: EXPIRE back to 30 minutes.
  expect((await b.request('GET', '/me')).status).toBe(200);
  const expire = redkit.recorder.last('EXPIRE')!;
  expect(expire.args[0]).toBe(key);
  expect(Number(expire.args[1])).toBeGreaterThan(1790);
  expect(redkit.db().ttl(key)).toBeGreaterThan(1790);
  expect(redkit.recorder.count('SET')).toBe(1);

  // 30 minutes without a request: the server drops the session.
  redkit.clock.advance('30m');
  expect(redkit.db().exists(key)).toBe(false);
  expect((await b.request('GET', '/me')).status).toBe(401);
  expect(redkit.recorder.last('GET')!.args).toEqual([key]);
  expect(redkit.recorder.last('GET')!.reply).toBeNull();
});

it.runIf(isRedKit)('a store error reaches express as a 500', async () => {
  const redkit = redkitOf(target);
  const { base } = await startApp();
  const b = browser(base);
  await b.request('POST', '/login/ada');
  redkit.faults.add({ command: 'GET', key: 'sess:*', times: 1, error: 'LOADING Redis is loading the dataset in memory' });
  const res = await fetch(`${base}/me`, { headers: { cookie: b.cookie! } });
  expect(res.status).toBe(500);
  expect(await res.text()).toMatch(/LOADING Redis is loading the dataset in memory/);
  expect((await b.request('GET', '/me')).status).toBe(200);
});
