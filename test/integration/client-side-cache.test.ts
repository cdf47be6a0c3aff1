/**
 * node-redis 5's and 6's client-side cache (`clientSideCache`, RESP3) against RedKit,
 * unchanged: the client turns CLIENT TRACKING on, a second GET of a key is
 * served from its local cache (RedKit's recorder shows it never reached the
 * server), and another client's SET, an expiry on the virtual clock or a
 * FLUSHALL invalidates the entry so the next GET goes to the server again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis5';
import { createClient as createClient6 } from 'redis6';
import { startRedKit, type RedKit } from '../../src/index.js';

let redkit: RedKit;
beforeAll(async () => {
  redkit = await startRedKit();
});
afterAll(() => redkit?.stop());
beforeEach(() => redkit.reset());

type Client = ReturnType<typeof createClient>;
const open: Client[] = [];
afterAll(async () => {
  for (const c of open) if (c.isOpen) c.destroy();
});

let create: typeof createClient = createClient;

async function client(opts: Record<string, unknown> = {}): Promise<Client> {
  const c = create({ url: redkit.url, socket: { reconnectStrategy: false }, ...opts } as Parameters<typeof createClient>[0]) as Client;
  c.on('error', () => {});
  open.push(c);
  await c.connect();
  return c;
}

interface Cache {
  stats(): { hitCount: number; missCount: number };
  on(event: 'invalidate', fn: (key: unknown) => void): void;
}

/** A node-redis client with a client-side cache; resolves once its cache saw `n` invalidations. */
async function cachingClient(): Promise<{ c: Client; cache: Cache; invalidations: () => Promise<unknown> }> {
  const c = await client({ RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  const cache = (c as unknown as { clientSideCache: Cache }).clientSideCache;
  const seen: unknown[] = [];
  let wake: (() => void) | null = null;
  cache.on('invalidate', (key) => {
    seen.push(key);
    wake?.();
  });
  const invalidations = async (): Promise<unknown> => {
    while (seen.length === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    return seen.shift();
  };
  return { c, cache, invalidations };
}

const gets = (since: ReturnType<RedKit['recorder']['mark']>) => redkit.recorder.since(since, 'GET').length;

describe.each([
  ['node-redis 5', createClient],
  ['node-redis 6', createClient6 as unknown as typeof createClient],
] as const)('%s clientSideCache', (_label, factory) => {
  beforeEach(() => {
    create = factory;
  });

  it('turns tracking on over RESP3', async () => {
    const { c } = await cachingClient();
    const info = String(await c.sendCommand(['CLIENT', 'INFO']));
    expect(info).toMatch(/flags=t /);
    expect(info).toMatch(/ redir=0 /);
    expect(info).toMatch(/ resp=3/);
  });

  it('a second GET is served locally, then another client\'s SET invalidates it', async () => {
    const { c, cache, invalidations } = await cachingClient();
    const writer = await client();
    await writer.set('greeting', 'hello');
    const mark = redkit.recorder.mark();
    expect(await c.get('greeting')).toBe('hello');
    expect(await c.get('greeting')).toBe('hello');
    expect(await c.get('greeting')).toBe('hello');
    // Only the first GET reached the server.
    expect(gets(mark)).toBe(1);
    expect(cache.stats().hitCount).toBe(2);
    expect(cache.stats().missCount).toBe(1);

    await writer.set('greeting', 'bonjour');
    const key = await invalidations();
    expect(Buffer.isBuffer(key) ? key.toString() : key).toBe('greeting');
    expect(await c.get('greeting')).toBe('bonjour');
    expect(gets(mark)).toBe(2);
    expect(await c.get('greeting')).toBe('bonjour');
    expect(gets(mark)).toBe(2);
  });

  it('an expiry on the virtual clock and a FLUSHALL invalidate too', async () => {
    redkit.clock.freeze();
    const { c, invalidations } = await cachingClient();
    redkit.db().set('token', 'abc', { ttl: '30s' });
    const mark = redkit.recorder.mark();
    expect(await c.get('token')).toBe('abc');
    expect(await c.get('token')).toBe('abc');
    expect(gets(mark)).toBe(1);
    redkit.clock.advance('30s');
    await invalidations();
    expect(await c.get('token')).toBeNull();
    expect(gets(mark)).toBe(2);

    redkit.db().set('token', 'def');
    await invalidations(); // the key was cached as missing: the write invalidates that too
    expect(await c.get('token')).toBe('def');
    expect(await c.get('token')).toBe('def');
    expect(gets(mark)).toBe(3);
    const writer = await client();
    await writer.flushAll();
    expect(await invalidations()).toBeNull();
    expect(await c.get('token')).toBeNull();
    expect(gets(mark)).toBe(4);
  });
});
