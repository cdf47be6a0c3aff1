/**
 * Transactions through the real clients: ioredis `multi()` (MULTI/EXEC with
 * QUEUED replies), node-redis `multi().exec()`, and WATCH conflicts surfacing
 * as each library reports them (ioredis: EXEC resolves null; node-redis:
 * WatchError), in every protocol each client speaks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { VARIANTS, close, connect, type AnyClient, type IORedisClient, type NodeRedisClient } from '../support/clients.js';

let server: RedKitServer;
let other: RawClient;
beforeAll(async () => {
  server = createServer({ logger: 'error' });
  await server.listen(0);
  other = await RawClient.connect(server.port);
});
afterAll(async () => {
  other?.close();
  await server.close();
  server.dispose();
});
beforeEach(async () => {
  await other.call('FLUSHALL');
});

describe.each(VARIANTS)('$label', (variant) => {
  let c: AnyClient;
  beforeAll(async () => {
    c = await connect(variant, { port: server.port });
  });
  afterAll(async () => {
    if (c) await close(c);
  });

  it('multi() runs the commands atomically and returns their replies', async () => {
    if (c.variant.family === 'ioredis') {
      const res = await (c.client as IORedisClient).multi().set('a', '1').incr('a').get('a').rpush('l', 'x', 'y').lrange('l', 0, -1).exec();
      expect(res).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, '2'],
        [null, 2],
        [null, ['x', 'y']],
      ]);
    } else {
      const res = await (c.client as NodeRedisClient).multi().set('a', '1').incr('a').get('a').rPush('l', ['x', 'y']).lRange('l', 0, -1).exec();
      expect(res).toEqual(['OK', 2, '2', 2, ['x', 'y']]);
    }
    expect(await other.call('GET', 'a')).toBe('$1\r\n2\r\n');
  });

  it('an error inside EXEC comes back in its place; the other commands ran', async () => {
    await other.call('SET', 's', 'str');
    if (c.variant.family === 'ioredis') {
      const res = await (c.client as IORedisClient).multi().incr('n').lpush('s', 'x').incr('n').exec();
      expect(res?.[0]).toEqual([null, 1]);
      expect(String(res?.[1][0])).toMatch(/WRONGTYPE/);
      expect(res?.[2]).toEqual([null, 2]);
    } else {
      // node-redis rejects EXEC with an error that carries every reply.
      const err = await (c.client as NodeRedisClient)
        .multi()
        .incr('n')
        .lPush('s', 'x')
        .incr('n')
        .exec()
        .then(
          () => null,
          (e: unknown) => e as { replies?: unknown[]; errorIndexes?: number[] },
        );
      if (err !== null && err.replies) {
        expect(err.errorIndexes).toEqual([1]);
        expect(err.replies[0]).toBe(1);
        expect(err.replies[2]).toBe(2);
      } else if (err !== null) throw err;
    }
    expect(await other.call('GET', 'n')).toBe('$1\r\n2\r\n');
  });

  it('WATCH: a write by another client between WATCH and EXEC aborts the transaction', async () => {
    await other.call('SET', 'w', '1');
    if (c.variant.family === 'ioredis') {
      const io = c.client as IORedisClient;
      await io.watch('w');
      await other.call('SET', 'w', 'changed');
      expect(await io.multi().set('w', 'mine').exec()).toBeNull();
      // Without interference the same transaction commits.
      await io.watch('w');
      expect(await io.multi().set('w', 'mine').exec()).toEqual([[null, 'OK']]);
    } else {
      const nr = c.client as NodeRedisClient;
      const attempt = async (interfere: boolean) => {
        const body = async (cl: NodeRedisClient) => {
          await cl.watch('w');
          if (interfere) await other.call('SET', 'w', 'changed');
          return cl.multi().set('w', 'mine').exec();
        };
        // node-redis 4 runs WATCH on an isolated connection; 5 and 6 on the client itself.
        if (c.variant.lib === 'redis4') return (nr as unknown as { executeIsolated: (f: (cl: NodeRedisClient) => Promise<unknown>) => Promise<unknown> }).executeIsolated(body);
        return body(nr);
      };
      await expect(attempt(true)).rejects.toThrow(/watch/i);
      await expect(attempt(false)).resolves.toEqual(['OK']);
    }
    expect(await other.call('GET', 'w')).toBe('$4\r\nmine\r\n');
  });

  it('a rejected command aborts the whole transaction (EXECABORT)', async () => {
    if (c.variant.family === 'ioredis') {
      const err = await (c.client as IORedisClient)
        .multi()
        .set('x', '1')
        .call('NOSUCHCMD')
        .exec()
        .then(
          () => null,
          (e: Error) => e,
        );
      expect(String(err)).toMatch(/EXECABORT/);
    } else {
      const m = (c.client as NodeRedisClient).multi().set('x', '1');
      m.addCommand(['NOSUCHCMD']);
      await expect(m.exec()).rejects.toThrow(/EXECABORT|unknown command/);
    }
    expect(await other.call('EXISTS', 'x')).toBe(':0\r\n');
  });
});
