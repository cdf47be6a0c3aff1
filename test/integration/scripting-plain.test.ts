/**
 * Scripts that run without a generator (LuaState.runPlain: loop-free, calling only natives such as
 * redis.call) on a bare server, outside the fixture (whose fault middleware always keeps the
 * resumable path): a command that answers later (a custom command, a middleware) must still pause
 * the script, and everything else must answer as on the resumable path. (The error texts are
 * redis-server 7.0.15's.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { createHash } from 'node:crypto';
import { RawClient } from '../support/raw-client.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

let server: RedKitServer;
let c: RawClient;
beforeAll(async () => {
  server = createServer({ logger: 'error' });
  const { port } = await server.listen(0, '127.0.0.1');
  c = await RawClient.connect(port);
});
afterAll(async () => {
  c?.socket.destroy();
  await server?.close();
});

const later = <T>(v: T): Promise<T> => new Promise((res) => setTimeout(() => res(v), 5));

describe('loop-free scripts on a bare server', () => {
  it('registry.custom counts the commands that are not built in', () => {
    const base = server.registry.custom;
    server.registerCommand('plaintest1', () => 1);
    server.registerCommand('plaintest1', () => 2);
    expect(server.registry.custom).toBe(base + 1);
    server.unregisterCommand('plaintest1');
    expect(server.registry.custom).toBe(base);
  });

  it('redis.call finds a command replaced or removed since its previous call (the lookup it remembers)', async () => {
    const src = "return redis.pcall('plaintest2')";
    server.registerCommand('plaintest2', () => 1);
    expect(await c.call('EVAL', src, '0')).toBe(':1\r\n');
    expect(await c.call('EVAL', src, '0')).toBe(':1\r\n');
    server.registerCommand('plaintest2', () => 2);
    expect(await c.call('EVAL', src, '0')).toBe(':2\r\n');
    server.unregisterCommand('plaintest2');
    expect(await c.call('EVAL', src, '0')).toBe('-ERR Unknown Redis command called from script\r\n');
    server.registerCommand('plaintest2', () => 3);
    expect(await c.call('EVALSHA', sha1(src), '0')).toBe(':3\r\n');
    server.unregisterCommand('plaintest2');
  });

  it('built-in commands: replies, errors and positions', async () => {
    expect(await c.call('EVAL', "redis.call('SET', KEYS[1], ARGV[1])\nreturn redis.call('INCR', KEYS[1])", '1', 'n', '41')).toBe(':42\r\n');
    expect(await c.call('EVAL', "local v = redis.call('GET', KEYS[1])\nif v == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end", '1', 'n', '42')).toBe(':1\r\n');
    expect(await c.call('EVAL', "return redis.pcall('INCR', 'h', 'x')", '0')).toBe('-ERR Wrong number of args calling Redis command from script\r\n');
    expect(await c.call('EVAL', "redis.call('HSET', 'h', 'f', 'v')\n\nreturn redis.call('INCR', 'h')", '0')).toMatch(
      /^-WRONGTYPE Operation against a key holding the wrong kind of value script: [0-9a-f]{40}, on @user_script:3\.\r\n$/,
    );
    expect(await c.call('EVAL', "local x = nil\nreturn x + redis.call('PING')", '0')).toMatch(
      /^-ERR user_script:2: attempt to perform arithmetic on local 'x' \(a nil value\) script: [0-9a-f]{40}, on @user_script:2\.\r\n$/,
    );
    expect(await c.call('EVAL', 'return nosuch', '0')).toMatch(/^-ERR user_script:1: Script attempted to access nonexistent global variable 'nosuch'/);
  });

  it('a custom command that answers later pauses the script', async () => {
    server.registerCommand('laterecho', (_ctx, args) => later(`echo:${args[0]}`));
    try {
      expect(await c.call('EVAL', "local v = redis.call('LATERECHO', ARGV[1])\nreturn v .. '!'", '0', 'x')).toBe('$7\r\necho:x!\r\n');
    } finally {
      server.unregisterCommand('laterecho');
    }
    expect(await c.call('EVAL', "return redis.call('PING')", '0')).toBe('+PONG\r\n');
  });

  it('a middleware that answers later pauses the script', async () => {
    const remove = server.use((_ctx, call, next) => (call.name === 'GET' ? later(null).then(() => next()) : next()));
    try {
      await c.call('SET', 'k', 'v');
      expect(await c.call('EVAL', "return redis.call('GET', 'k') .. '+'", '0')).toBe('$2\r\nv+\r\n');
    } finally {
      remove();
    }
  });

  it('a middleware declaring defers() false keeps the fast path; if it answers later anyway, the script gets an error, not a hang', async () => {
    let late = false;
    const mw = (_ctx: unknown, call: { name: string }, next: () => unknown) => {
      if (call.name !== 'GET') return next();
      return late ? later('late') : 'mw';
    };
    (mw as { defers?: () => boolean }).defers = () => false;
    const remove = server.use(mw as never);
    try {
      expect(await c.call('EVAL', "return redis.call('GET', 'k') .. '+'", '0')).toBe('$3\r\nmw+\r\n');
      late = true;
      expect(await c.call('EVAL', "return redis.call('GET', 'k')", '0')).toMatch(
        /^-ERR RedKit: a command inside a script answered asynchronously where the script cannot pause script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
      );
      expect(await c.call('PING')).toBe('+PONG\r\n');
    } finally {
      remove();
    }
  });
});

// Scripts that take the generator (a loop, `local rcall = redis.call`, a nested function): a call of
// redis.call there runs its plain version while no reply can come later, and its resumable one
// (pausing the script) while one can.
describe('resumable scripts calling redis.call on a bare server', () => {
  const loopScript =
    "local rcall = redis.call\nlocal function get(k) return rcall('GET', k) end\nlocal out = ''\nfor i = 1, 3 do out = out .. get(KEYS[1]) .. i end\nreturn out";

  it('built-in commands: replies, errors and positions', async () => {
    await c.call('SET', 'gk', 'v');
    expect(await c.call('EVAL', loopScript, '1', 'gk')).toBe('$6\r\nv1v2v3\r\n');
    expect(await c.call('EVAL', "local rcall = redis.call\nfor i = 1, 2 do rcall('HSET', 'gh', 'f', 'v') end\n\nreturn rcall('INCR', 'gh')", '0')).toMatch(
      /^-WRONGTYPE Operation against a key holding the wrong kind of value script: [0-9a-f]{40}, on @user_script:4\.\r\n$/,
    );
    expect(await c.call('EVAL', "local p = redis.pcall\nlocal r\nfor i = 1, 2 do r = p('INCR', 'gh', 'x') end\nreturn r", '0')).toBe(
      '-ERR Wrong number of args calling Redis command from script\r\n',
    );
    expect(await c.call('EVAL', "local t = {}\nfor i = 1, 3 do t[i] = redis.call('INCR', 'gn') end\nreturn t", '0')).toBe('*3\r\n:1\r\n:2\r\n:3\r\n');
  });

  it('a custom command that answers later pauses the script, then the plain calls come back', async () => {
    server.registerCommand('laterecho2', (_ctx, args) => later(`echo:${args[0]}`));
    try {
      expect(await c.call('EVAL', "local rcall = redis.call\nlocal s = ''\nfor i = 1, 2 do s = s .. rcall('LATERECHO2', ARGV[1]) end\nreturn s", '0', 'x')).toBe(
        '$12\r\necho:xecho:x\r\n',
      );
    } finally {
      server.unregisterCommand('laterecho2');
    }
    await c.call('SET', 'gk', 'w');
    expect(await c.call('EVAL', loopScript, '1', 'gk')).toBe('$6\r\nw1w2w3\r\n');
  });

  it('a middleware that answers later pauses the script', async () => {
    const remove = server.use((_ctx, call, next) => (call.name === 'GET' ? later(null).then(() => next()) : next()));
    try {
      await c.call('SET', 'gk', 'u');
      expect(await c.call('EVAL', loopScript, '1', 'gk')).toBe('$6\r\nu1u2u3\r\n');
    } finally {
      remove();
    }
  });
});
