/**
 * Real clients running Lua on RedKit: ioredis defineCommand / eval / evalsha
 * (EVALSHA first, EVAL on NOSCRIPT), node-redis `scripts` and `functions`
 * options, in RESP2 and RESP3; lock and rate-limiter scripts of the kind
 * redlock and rate-limiter libraries ship; and, when the bullmq package is
 * installed, every Lua script it ships loads and runs without an engine error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import IORedis5 from 'ioredis5';
import IORedis6 from 'ioredis6';
import { createClient, defineScript } from 'redis5';
import { startRedKit, type RedKit } from '../../src/index.js';

type Parser = { pushKey(k: string): void; push(v: string): void };

let redkit: RedKit;
beforeAll(async () => {
  redkit = await startRedKit();
});
afterAll(() => redkit?.stop());
beforeEach(() => redkit.reset());

// Redlock's lock scripts (acquire on many keys, release / extend only if still ours).
const ACQUIRE = `
for _, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('set', key, ARGV[1], 'PX', ARGV[2])
end
return #KEYS`;
const RELEASE = `
local count = 0
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.pcall('del', key)
    count = count + 1
  end
end
return count`;
// A sliding-window rate limiter on a sorted set, time from the server.
const LIMIT = `
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local n = redis.call('ZCARD', key)
if n >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', key, now, now .. '-' .. n)
redis.call('PEXPIRE', key, window)
return {1, limit - n - 1}`;

describe.each([
  { label: 'ioredis5 RESP2', make: (port: number) => new IORedis5(port, '127.0.0.1', { lazyConnect: true }) },
  { label: 'ioredis6 RESP2', make: (port: number) => new IORedis6(port, '127.0.0.1', { lazyConnect: true }) },
  { label: 'ioredis6 RESP3', make: (port: number) => new IORedis6(port, '127.0.0.1', { lazyConnect: true, protocol: 3 } as never) },
])('$label', ({ make }) => {
  it('defineCommand: EVALSHA, falling back to EVAL on NOSCRIPT; locks and a rate limiter', async () => {
    const c = make(redkit.port) as InstanceType<typeof IORedis6> & Record<string, (...a: unknown[]) => Promise<unknown>>;
    await c.connect();
    try {
      c.defineCommand('acquire', { lua: ACQUIRE });
      c.defineCommand('release', { lua: RELEASE });
      c.defineCommand('limit', { numberOfKeys: 1, lua: LIMIT });
      expect(await c.acquire(2, 'lock:a', 'lock:b', 'me', 10_000)).toBe(2);
      expect(await c.acquire(1, 'lock:a', 'you', 10_000)).toBe(0);
      expect(await c.release(2, 'lock:a', 'lock:b', 'you')).toBe(0);
      expect(await c.release(2, 'lock:a', 'lock:b', 'me')).toBe(2);
      // EVALSHA was tried first and answered NOSCRIPT, then EVAL ran and cached it
      const names = redkit.commands.map((e) => e.name);
      expect(names).toContain('EVALSHA');
      expect(names).toContain('EVAL');
      redkit.clock.freeze();
      const got: unknown[] = [];
      for (let i = 0; i < 4; i++) got.push(await c.limit('rl', 3, 1000));
      expect(got).toEqual([[1, 2], [1, 1], [1, 0], [0, 1000]]);
      redkit.clock.advance(1001);
      expect(await c.limit('rl', 3, 1000)).toEqual([1, 2]);
      // a lock expires on the virtual clock
      expect(await c.acquire(1, 'lock:c', 'me', 500)).toBe(1);
      redkit.clock.advance(501);
      expect(await c.acquire(1, 'lock:c', 'you', 500)).toBe(1);
      // eval/evalsha directly, errors as ReplyError
      expect(await c.eval('return {1, "two", {ok="x"}}', 0)).toEqual([1, 'two', 'x']);
      await expect(c.evalsha('0000000000000000000000000000000000000000', 0)).rejects.toThrow('NOSCRIPT No matching script. Please use EVAL.');
      await expect(c.eval('return redis.call("nosuch")', 0)).rejects.toThrow(/Unknown Redis command called from script script: [0-9a-f]{40}, on @user_script:1\./);
    } finally {
      c.disconnect();
    }
  });
});

describe.each([2, 3] as const)('node-redis 5 RESP%s', (protocol) => {
  it('scripts and functions options', async () => {
    const LIB = "#!lua name=kit\nredis.register_function{function_name='getdouble', callback=function(keys) return 2 * tonumber(redis.call('GET', keys[1]) or 0) end, flags={'no-writes'}}\nredis.register_function('setget', function(keys, args) redis.call('SET', keys[1], args[1]) return redis.call('GET', keys[1]) end)";
    const client = createClient({
      socket: { port: redkit.port, host: '127.0.0.1' },
      RESP: protocol,
      scripts: {
        incrCap: defineScript({
          NUMBER_OF_KEYS: 1,
          SCRIPT: "local v = redis.call('INCR', KEYS[1]) if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v",
          parseCommand(parser: Parser, key: string, cap: number) {
            parser.pushKey(key);
            parser.push(String(cap));
          },
          transformReply: undefined as unknown as () => number,
        } as unknown as Parameters<typeof defineScript>[0]),
      },
      functions: {
        kit: {
          getdouble: {
            NUMBER_OF_KEYS: 1,
            IS_READ_ONLY: true,
            parseCommand(parser: Parser, key: string) {
              parser.pushKey(key);
            },
            transformReply: undefined as unknown as () => number,
          },
          setget: {
            NUMBER_OF_KEYS: 1,
            parseCommand(parser: Parser, key: string, value: string) {
              parser.pushKey(key);
              parser.push(value);
            },
            transformReply: undefined as unknown as () => string,
          },
        },
      },
    } as never) as unknown as {
      connect(): Promise<unknown>;
      quit(): Promise<unknown>;
      functionLoad(code: string, opts?: { REPLACE?: boolean }): Promise<string>;
      incrCap(key: string, cap: number): Promise<number>;
      kit: { getdouble(key: string): Promise<number>; setget(key: string, v: string): Promise<string> };
      sendCommand(args: string[]): Promise<unknown>;
    };
    await client.connect();
    try {
      expect(await client.incrCap('n', 2)).toBe(1);
      expect(await client.incrCap('n', 2)).toBe(2);
      expect(await client.incrCap('n', 2)).toBe(2);
      expect(await client.functionLoad(LIB)).toBe('kit');
      expect(await client.kit.setget('x', '21')).toBe('21');
      expect(await client.kit.getdouble('x')).toBe(42);
      const ro = redkit.commands.filter((e) => e.name === 'FCALL_RO');
      expect(ro).toHaveLength(1);
      expect(ro[0].script).toEqual({ function: 'getdouble', library: 'kit' });
      expect(await client.sendCommand(['EVAL', "redis.setresp(3) return {map={a=1}}", '0'])).toEqual(protocol === 3 ? { a: 1 } : ['a', 1]);
    } finally {
      await client.quit();
    }
  });
});

/** Every .lua file BullMQ ships (commands/*.lua with its includes resolved as BullMQ's loader does). */
const bullmqDir = path.resolve('node_modules/bullmq/dist/cjs/commands');
describe.skipIf(!fs.existsSync(bullmqDir))('BullMQ scripts (when node_modules/bullmq is installed)', () => {
  it('every shipped script loads with SCRIPT LOAD and runs without an engine error', async () => {
    const c = new IORedis6(redkit.port, '127.0.0.1');
    try {
      const files = fs.readdirSync(bullmqDir).filter((f) => f.endsWith('.lua'));
      expect(files.length).toBeGreaterThan(10);
      // BullMQ's generated scripts (dist/cjs/scripts/*.js) have their includes inlined.
      const scriptsDir = path.resolve('node_modules/bullmq/dist/cjs/scripts');
      const sources: Array<[string, string, number]> = [];
      for (const f of fs.readdirSync(scriptsDir).filter((x) => x.endsWith('.js') && !x.startsWith('index'))) {
        const mod = (await import(path.join(scriptsDir, f))) as Record<string, { name: string; content: string; keys: number }>;
        for (const v of Object.values(mod)) if (v && typeof v.content === 'string') sources.push([v.name, v.content, v.keys]);
      }
      expect(sources.length).toBeGreaterThan(10);
      for (const [name, content, keys] of sources) {
        const sha = (await c.script('LOAD', content)) as string;
        expect(sha, name).toMatch(/^[0-9a-f]{40}$/);
        const args = [...Array.from({ length: keys }, (_, i) => `bull:q:${i}`), ...Array.from({ length: 12 }, () => '')];
        try {
          await c.evalsha(sha, keys, ...args);
        } catch (e) {
          // Redis errors from bad arguments are fine; engine errors are not.
          expect(String((e as Error).message), name).not.toMatch(/internal compiler error|not implemented|RedKit/);
        }
      }
    } finally {
      c.disconnect();
    }
  });
});
