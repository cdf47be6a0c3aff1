/**
 * Version honesty: RedKit reports the Redis version it implements completely
 * (REDIS_VERSION, 7.0.15, src/server/version.ts), the same version as the
 * oracle redis-server, and what clients rely on for that version works the
 * same way on both. Run against redis-server and RedKit side by side,
 * through ioredis 5/6 and node-redis 4/5/6, RESP2 and RESP3:
 *   - INFO `redis_version` and HELLO `version` are the oracle's;
 *   - the commands and reply shapes Redis 7.0 introduced (and 6.2's, which
 *     7.0 clients take for granted) give each client the same values;
 *   - the extras RedKit implements beyond 7.0 (ZRANK/ZREVRANK WITHSCORE,
 *     CLIENT SETINFO) work, while redis-server 7.0.15 rejects them;
 *   - the `redisVersion` option changes the reported version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, REDIS_VERSION, DEFAULT_REDIS_VERSION, type RedKitServer } from '../../src/index.js';
import { versionNum } from '../../src/server/version.js';
import { startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { VARIANTS, call, close, connect, connectNodeRedis, IOREDIS_VARIANTS, NODE_REDIS_VARIANTS, type AnyClient, type Variant } from '../support/clients.js';
import { RawClient, decode } from '../support/differential.js';

let redis: RedisProcess;
let redkit: RedKitServer;
beforeAll(async () => {
  redis = await startRedisServer();
  redkit = createServer({ logger: 'error' });
  await redkit.listen(0);
});
afterAll(async () => {
  await redkit?.close();
  redkit?.dispose();
  await redis?.stop();
});

const redkitPort = () => redkit.port;

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim();
}

/** Run `fn` with a client of variant `v` on each server; returns [redis, redkit] results (or thrown messages). */
async function both<T>(v: Variant, fn: (c: AnyClient) => Promise<T>): Promise<[T | string, T | string]> {
  const out: Array<T | string> = [];
  for (const port of [redis.port, redkitPort()]) {
    const c = await connect(v, { port });
    try {
      out.push(await fn(c).catch((e: Error) => `error: ${e.message}`));
    } finally {
      await close(c);
    }
  }
  return out as [T | string, T | string];
}

describe('the reported version', () => {
  it('is REDIS_VERSION, the version of the oracle redis-server', async () => {
    expect(DEFAULT_REDIS_VERSION).toBe(REDIS_VERSION);
    const r = await RawClient.connect(redis.port);
    const k = await RawClient.connect(redkitPort());
    try {
      const oracle = infoField(String(decode(await r.call('INFO', 'server'))), 'redis_version');
      expect(oracle).toBe(REDIS_VERSION);
      expect(infoField(String(decode(await k.call('INFO', 'server'))), 'redis_version')).toBe(oracle);
      expect(infoField(String(decode(await k.call('INFO'))), 'redis_version')).toBe(oracle);
      // HELLO's map, RESP2 (flat array) and RESP3 (map).
      for (const proto of ['2', '3']) {
        const a = decode(await r.call('HELLO', proto)) as unknown;
        const b = decode(await k.call('HELLO', proto)) as unknown;
        const version = (v: unknown) => {
          const flat = (Array.isArray(v) ? v : (v as { map: unknown[] }).map) as unknown[];
          return flat[flat.indexOf('version') + 1];
        };
        expect(version(a)).toBe(REDIS_VERSION);
        expect(version(b)).toBe(version(a));
      }
    } finally {
      r.close();
      k.close();
    }
  });

  it.each(VARIANTS.map((v) => [v.label, v] as const))('is what %s sees after its handshake', async (_label, v) => {
    const [a, b] = await both(v, async (c) => String(await call(c, ['INFO', 'server'])));
    expect(infoField(String(b), 'redis_version')).toBe(infoField(String(a), 'redis_version'));
    expect(infoField(String(b), 'redis_version')).toBe(REDIS_VERSION);
    if (v.family === 'ioredis') {
      // ioredis's ready check parses INFO into serverInfo.
      const [sa, sb] = await both(v, async (c) => (c.client as unknown as { serverInfo: Record<string, string> }).serverInfo?.redis_version);
      expect(sb).toBe(sa);
    }
  });

  it('versionNum gives REDIS_VERSION_NUM as Redis computes it (for scripts)', () => {
    expect(versionNum()).toBe(0x07000f);
    expect(versionNum('7.2.4')).toBe(0x070204);
    expect(versionNum('6.2.14')).toBe(0x06020e);
  });

  it('the redisVersion option reports another version', async () => {
    const s = createServer({ logger: 'error', redisVersion: '7.2.4' });
    await s.listen(0);
    const k = await RawClient.connect(s.port);
    try {
      expect(infoField(String(decode(await k.call('INFO', 'server'))), 'redis_version')).toBe('7.2.4');
      const hello = decode(await k.call('HELLO', '2')) as unknown[];
      expect(hello[hello.indexOf('version') + 1]).toBe('7.2.4');
    } finally {
      k.close();
      await s.close();
      s.dispose();
    }
  });
});

/**
 * What 7.0 clients rely on: the commands, options and reply shapes of 6.2
 * and 7.0, each as a list of raw commands run in order on a fresh key space;
 * every client must get the same values from both servers.
 */
const SINCE_70: Array<[string, string[][]]> = [
  ['EXPIRE NX/XX/GT/LT (7.0)', [
    ['SET', 'v:e', 'x'], ['EXPIRE', 'v:e', '100', 'NX'], ['EXPIRE', 'v:e', '50', 'GT'], ['EXPIRE', 'v:e', '500', 'GT'],
    ['EXPIRE', 'v:e', '10', 'LT'], ['EXPIRE', 'v:e', '10', 'NX'], ['PEXPIRE', 'v:e', '9000', 'XX'], ['EXPIRE', 'v:e', '1', 'NX', 'XX'], ['TTL', 'v:e'],
  ]],
  ['SINTERCARD, LMPOP, ZMPOP, ZINTERCARD (7.0)', [
    ['SADD', 'v:s1', 'a', 'b', 'c'], ['SADD', 'v:s2', 'b', 'c', 'd'], ['SINTERCARD', '2', 'v:s1', 'v:s2'], ['SINTERCARD', '2', 'v:s1', 'v:s2', 'LIMIT', '1'],
    ['RPUSH', 'v:l', '1', '2', '3'], ['LMPOP', '2', 'v:none', 'v:l', 'LEFT', 'COUNT', '2'], ['LMPOP', '1', 'v:none', 'RIGHT'],
    ['ZADD', 'v:z', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'v:z2', '1', 'a'], ['ZINTERCARD', '2', 'v:z', 'v:z2'], ['ZMPOP', '1', 'v:z', 'MAX', 'COUNT', '2'],
  ]],
  ['6.2 options 7.0 clients take for granted', [
    ['SET', 'v:g', 'old'], ['SET', 'v:g', 'new', 'GET'], ['GETEX', 'v:g', 'PX', '5000'], ['GETDEL', 'v:g'], ['COPY', 'v:s1', 'v:s3'],
    ['LPOS', 'v:l2', 'x'], ['RPUSH', 'v:l2', 'a', 'b', 'a'], ['LPOS', 'v:l2', 'a', 'COUNT', '0'], ['LMOVE', 'v:l2', 'v:l3', 'LEFT', 'RIGHT'],
    ['ZADD', 'v:z3', '1', 'a', '2', 'b'], ['ZRANGE', 'v:z3', '(1', '+inf', 'BYSCORE', 'LIMIT', '0', '1'], ['ZRANGESTORE', 'v:z4', 'v:z3', '0', '-1'],
    ['HRANDFIELD', 'v:none'], ['SMISMEMBER', 'v:s1', 'a', 'z'],
  ]],
  ['streams: 7.0 reply shapes (XAUTOCLAIM deleted ids, XINFO STREAM counters)', [
    ['XADD', 'v:x', '1-1', 'f', 'v'], ['XADD', 'v:x', '2-*', 'f', 'v'], ['XADD', 'v:x', '3-1', 'f', 'v'],
    ['XGROUP', 'CREATE', 'v:x', 'g', '0', 'ENTRIESREAD', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', 'v:x', '>'],
    ['XDEL', 'v:x', '2-0'], ['XAUTOCLAIM', 'v:x', 'g', 'c2', '0', '0-0'],
    ['XINFO', 'STREAM', 'v:x'], ['XINFO', 'GROUPS', 'v:x'], ['XSETID', 'v:x', '9-9', 'ENTRIESADDED', '10', 'MAXDELETEDID', '5-0'], ['XINFO', 'STREAM', 'v:x'],
  ]],
  ['7.0 server commands', [
    ['CLIENT', 'NO-EVICT', 'on'], ['COMMAND', 'DOCS', 'get'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'zrevran?'], ['SPUBLISH', 'v:ch', 'm'],
    ['OBJECT', 'ENCODING', 'v:z3'], ['CONFIG', 'GET', 'list-max-listpack-size'], ['LATENCY', 'HISTOGRAM', 'nosuch'],
  ]],
];

describe('what 7.0 clients rely on answers as redis-server 7.0.15', () => {
  for (const v of [IOREDIS_VARIANTS[0], IOREDIS_VARIANTS[2], NODE_REDIS_VARIANTS[0], NODE_REDIS_VARIANTS[2]]) {
    it.each(SINCE_70)(`${v.label}: %s`, async (_name, cmds) => {
      const [a, b] = await both(v, async (c) => {
        await call(c, ['FLUSHALL']);
        const out: unknown[] = [];
        for (const cmd of cmds) out.push(await call(c, cmd).catch((e: Error) => `error: ${e.message}`));
        return out;
      });
      expect(b).toEqual(a);
    });
  }
});

describe('extras beyond 7.0 (redis-server 7.0.15 rejects them)', () => {
  it('ioredis zrank/zrevrank with WITHSCORE (Redis 7.2 syntax)', async () => {
    for (const v of IOREDIS_VARIANTS) {
      const [a, b] = await both(v, async (c) => {
        const r = c.client as unknown as { zadd(...a: unknown[]): Promise<unknown>; zrank(...a: unknown[]): Promise<unknown>; zrevrank(...a: unknown[]): Promise<unknown> };
        await r.zadd('v:zr', 1.5, 'a', 2, 'b', 3, 'c');
        const out = [await r.zrank('v:zr', 'b', 'WITHSCORE'), await r.zrevrank('v:zr', 'a', 'withscore'), await r.zrank('v:zr', 'nope', 'WITHSCORE'), await r.zrank('v:none', 'a', 'WITHSCORE'), await r.zrank('v:zr', 'c')];
        await call(c, ['DEL', 'v:zr']);
        return out;
      });
      expect(String(a), v.label).toMatch(/wrong number of arguments for 'zrank' command/);
      const score = (x: string | number) => (v.protocol === 3 && v.replyMapping === 'resp3' ? Number(x) : String(x));
      expect(b, v.label).toEqual([[1, score(2)], [2, score(1.5)], null, null, 2]);
    }
  });

  it('node-redis zRankWithScore (Redis 7.2 syntax)', async () => {
    for (const v of NODE_REDIS_VARIANTS.filter((x) => x.lib !== 'redis4')) {
      const c = await connectNodeRedis(v, { port: redkitPort() });
      const r = c as unknown as { zAdd(k: string, m: Array<{ score: number; value: string }>): Promise<number>; zRankWithScore(k: string, m: string): Promise<unknown>; del(k: string): Promise<number> };
      try {
        await r.zAdd('v:zn', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }]);
        expect(await r.zRankWithScore('v:zn', 'b'), v.label).toEqual({ rank: 1, score: 2.5 });
        expect(await r.zRankWithScore('v:zn', 'nope'), v.label).toBeNull();
        await r.del('v:zn');
      } finally {
        await c.quit().catch(() => {});
      }
    }
  });

  it('ZRANK forms Redis 7.0 knows answer as 7.0 does; WITHSCORE replies in RESP2 and RESP3', async () => {
    const r = await RawClient.connect(redis.port);
    const k = await RawClient.connect(redkitPort());
    try {
      for (const cmd of [['ZADD', 'v:w', '1', 'a', '2', 'b'], ['ZRANK', 'v:w', 'a', 'foo'], ['ZREVRANK', 'v:w', 'a', 'withscore', 'x'], ['ZRANK', 'v:w'], ['SET', 'v:str', 'x'], ['ZRANK', 'v:str', 'a']]) {
        expect(await k.call(...cmd), cmd.join(' ')).toBe(await r.call(...cmd));
      }
      expect(await r.call('ZRANK', 'v:w', 'b', 'WITHSCORE')).toBe("-ERR wrong number of arguments for 'zrank' command\r\n");
      expect(await k.call('ZRANK', 'v:w', 'b', 'WITHSCORE')).toBe('*2\r\n:1\r\n$1\r\n2\r\n');
      expect(await k.call('ZREVRANK', 'v:w', 'b', 'WithScore')).toBe('*2\r\n:0\r\n$1\r\n2\r\n');
      expect(await k.call('ZRANK', 'v:w', 'c', 'WITHSCORE')).toBe('*-1\r\n');
      expect(await k.call('ZRANK', 'v:str', 'a', 'WITHSCORE')).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
      await k.call('HELLO', '3');
      expect(await k.call('ZRANK', 'v:w', 'b', 'WITHSCORE')).toBe('*2\r\n:1\r\n,2\r\n');
      expect(await k.call('ZRANK', 'v:none', 'b', 'WITHSCORE')).toBe('_\r\n');
      await r.call('DEL', 'v:w', 'v:str');
      await k.call('DEL', 'v:w', 'v:str');
    } finally {
      r.close();
      k.close();
    }
  });

  it('CLIENT SETINFO, which ioredis and node-redis send on connect, is accepted', async () => {
    const k = await RawClient.connect(redkitPort());
    const r = await RawClient.connect(redis.port);
    try {
      expect(await r.call('CLIENT', 'SETINFO', 'LIB-NAME', 'x')).toMatch(/^-ERR unknown subcommand/);
      expect(await k.call('CLIENT', 'SETINFO', 'LIB-NAME', 'x')).toBe('+OK\r\n');
    } finally {
      k.close();
      r.close();
    }
    // The handshake of each client succeeds on both servers.
    for (const v of [IOREDIS_VARIANTS[0], NODE_REDIS_VARIANTS[4]]) {
      const [a, b] = await both(v, async (c) => call(c, ['PING']));
      expect(b).toEqual(a);
    }
  });
});
