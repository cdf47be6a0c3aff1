/**
 * Blocking commands with real clients (ioredis 5/6, node-redis 4/5/6, RESP2
 * and RESP3) over TCP: a worker loop on BLMOVE fed by a producer, served
 * replies shaped as the immediate ones, timeouts on the server clock, and a
 * client that disconnects while blocked leaving nothing behind in the
 * blocking tables.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { VARIANTS, call, close, connect, disconnect, type AnyClient } from '../support/clients.js';

let server: RedKitServer;
beforeAll(async () => {
  server = createServer({ logger: 'error' });
  await server.listen(0);
});
afterAll(async () => {
  await server.close();
  server.dispose();
});
beforeEach(() => {
  server.store.flushAll();
  server.clock.reset();
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const blockedIs = (n: number) => until(() => server.blocking.blockedCount === n, `${n} blocked clients`);

describe.each(VARIANTS)('$label', (variant) => {
  const clients: AnyClient[] = [];
  const dropped: AnyClient[] = [];
  const open = async (name: string) => {
    const c = await connect(variant, { port: server.port, name });
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    for (const c of clients.splice(0)) await close(c);
  });
  afterAll(() => {
    for (const c of dropped.splice(0)) disconnect(c);
  });

  it('a worker loop on BLMOVE processes every job in order, then times out on the server clock', async () => {
    const worker = await open('worker');
    const producer = await open('producer');
    const jobs = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    const done: string[] = [];
    const loop = (async () => {
      for (;;) {
        const job = (await call(worker, ['BLMOVE', 'queue', 'processing', 'RIGHT', 'LEFT', '5'])) as string | null;
        if (job === null) return;
        done.push(String(job));
        await call(worker, ['LREM', 'processing', '1', String(job)]);
      }
    })();
    // Jobs arrive one by one (the worker blocks between them) and in bursts.
    for (const j of jobs.slice(0, 10)) {
      await blockedIs(1);
      await call(producer, ['LPUSH', 'queue', j]);
    }
    await call(producer, ['LPUSH', 'queue', ...jobs.slice(10)]);
    await until(() => done.length === jobs.length, 'every job');
    await blockedIs(1);
    // Idle worker: its BLMOVE times out when the server clock passes 5 s.
    server.clock.advance('5s');
    await loop;
    expect(done).toEqual(jobs);
    expect(await call(producer, ['EXISTS', 'queue', 'processing'])).toBe(0);
  });

  it('a served BZPOPMIN / BLPOP / BLMPOP answers in the same shape as an immediate one', async () => {
    const a = await open('a');
    const b = await open('b');
    await call(b, ['ZADD', 'z', '1.5', 'm']);
    const immediate = await call(a, ['BZPOPMIN', 'z', '0']);
    const served = call(a, ['BZPOPMIN', 'z', '0']);
    await blockedIs(1);
    await call(b, ['ZADD', 'z', '1.5', 'm']);
    expect(await served).toEqual(immediate);
    await call(b, ['RPUSH', 'l', 'x', 'y']);
    const immediateL = await call(a, ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '2']);
    const servedL = call(a, ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '2']);
    await blockedIs(1);
    await call(b, ['RPUSH', 'l', 'x', 'y']);
    expect(await servedL).toEqual(immediateL);
    const servedP = call(a, ['BLPOP', 'none', 'l', '0']);
    await blockedIs(1);
    await call(b, ['LPUSH', 'l', 'v']);
    expect(await servedP).toEqual(['l', 'v']);
  });

  it('a client that disconnects while blocked leaves no waiter, deadline or key behind', async () => {
    const ctl = await open('ctl');
    const before = server.clock.pendingTimers;
    const gone = await connect(variant, { port: server.port, name: 'gone' });
    const p = call(gone, ['BLPOP', 'k1', 'k2', '30']).catch(() => 'closed');
    await blockedIs(1);
    expect(server.blocking.waitedKeys).toBe(2);
    expect(server.blocking.inTimeoutTable).toBe(1);
    disconnect(gone);
    await p;
    await blockedIs(0);
    expect(server.blocking.waitedKeys).toBe(0);
    expect(server.blocking.inTimeoutTable).toBe(0);
    expect(server.clock.pendingTimers).toBe(before);
    // Nothing consumes what arrives next.
    await call(ctl, ['RPUSH', 'k1', 'v']);
    expect(await call(ctl, ['LLEN', 'k1'])).toBe(1);
    // CLIENT KILL of a blocked client: the same.
    const killed = await connect(variant, { port: server.port, name: 'killed' });
    const id = String(await call(killed, ['CLIENT', 'ID']));
    const q = call(killed, ['BZPOPMAX', 'z', '0']).catch(() => 'closed');
    await blockedIs(1);
    expect(await call(ctl, ['CLIENT', 'KILL', 'ID', id])).toBe(1);
    await q;
    await blockedIs(0);
    expect(server.blocking.waitedKeys).toBe(0);
    dropped.push(killed);
  });
});

describe('shutdown', () => {
  it('a graceful shutdown does not wait for clients blocked on keys', async () => {
    const s = createServer({ logger: 'error' });
    await s.listen(0);
    const c = await connect(VARIANTS[0], { port: s.port, name: 'blocked' });
    const p = call(c, ['BLPOP', 'k', '0']).catch(() => 'closed');
    await until(() => s.blocking.blockedCount === 1, 'the client to block');
    await s.shutdown({ timeout: 60_000 });
    expect(s.blocking.blockedCount).toBe(0);
    expect(s.connections.size).toBe(0);
    disconnect(c);
    await p;
    s.dispose();
  }, 10_000);
});
