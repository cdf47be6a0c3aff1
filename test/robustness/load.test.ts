/**
 * The load test's CI size (issue #14): 100 concurrent clients x 200
 * pipelined commands (strings, counters, lists, hashes, MULTI/EXEC, pub/sub,
 * large ECHOs), every reply checked against a model (see load-core.ts), on
 * both socket paths. The full run is `npm run load -- --clients 1000 --ops 1000`.
 */
import { describe, expect, it } from 'vitest';
import { runLoad } from './load-core.js';

describe('load', () => {
  for (const directIo of [true, false]) {
    it(`100 clients x 200 pipelined commands: no lost, duplicated or wrong reply (${directIo ? 'direct I/O' : 'streams'})`, async () => {
      const r = await runLoad({ clients: 100, ops: 200, seed: 1407, directIo });
      expect(r.wrong).toEqual([]);
      expect(r.replies).toBe(r.commands);
      expect(r.commands).toBeGreaterThanOrEqual(100 * 200);
      expect(r.published).toBeGreaterThan(0);
      expect(r.delivered).toBe(r.published * 4);
    }, 60_000);
  }

  it('the checker catches a wrong reply (a middleware corrupting one GET)', async () => {
    const { createServer } = await import('../../src/index.js');
    const server = createServer({ logger: 'error' });
    await server.listen(0);
    let n = 0;
    server.use((_ctx, cmd, next) => {
      const r = next();
      return cmd.name === 'GET' && ++n === 50 ? 'corrupted' : r;
    });
    try {
      const r = await runLoad({ clients: 10, ops: 100, seed: 3, server });
      expect(r.wrong.length).toBeGreaterThan(0);
      expect(r.wrong.join('\n')).toMatch(/corrupted/);
    } finally {
      await server.close();
      server.dispose();
    }
  }, 60_000);
});
