/**
 * The framework face over TCP: registerCommand (including replacing a
 * built-in), synchronous and asynchronous handlers keeping pipeline order,
 * middleware (inspect, modify, short-circuit, composition order, async),
 * and robustness against handlers and gates that misbehave.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, ReplyError, reply, type Middleware, type RedKitServer, type Reply } from '../../src/index.js';
import { RawClient, encodeCommand } from '../support/raw-client.js';
import { IOREDIS_VARIANTS, NODE_REDIS_VARIANTS, close, connect, pipeline, type AnyClient } from '../support/clients.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RedKitServer;
const logged: string[] = [];
const clients: RawClient[] = [];

beforeAll(async () => {
  server = createServer({ logger: { level: 'warn', sink: (level, msg) => logged.push(`${level}: ${msg}`) } });
  // DELAY ms value: answers value after ms milliseconds.
  server.registerCommand('delay', {
    arity: 3,
    handler: (_ctx, args) => new Promise<Reply>((resolve) => setTimeout(() => resolve(args[1]), Number(args[0]))),
  });
  await server.listen(0);
});
afterAll(async () => {
  await server.close();
  server.dispose();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function raw(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  return c;
}

/** Send commands in one write and read one reply per command. */
async function pipelined(c: RawClient, cmds: string[][]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map((cmd) => encodeCommand(cmd))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read());
  return out;
}

describe('registerCommand', () => {
  it('adds a command, looked up in any case, with its arity', async () => {
    server.registerCommand('MyAdd', { arity: 3, handler: (_ctx, args) => Number(args[0]) + Number(args[1]) });
    const c = await raw();
    expect(await c.call('myadd', '2', '3')).toBe(':5\r\n');
    expect(await c.call('MYADD', '2', '3')).toBe(':5\r\n');
    expect(await c.call('mYaDd', '2', '-7')).toBe(':-5\r\n');
    expect(await c.call('MYADD', '1')).toBe("-ERR wrong number of arguments for 'myadd' command\r\n");
  });

  it('replaces a built-in command, and unregisterCommand removes it', async () => {
    const own = createServer({ logger: 'off' });
    await own.listen(0);
    const c = await RawClient.connect(own.port);
    try {
      await c.call('SET', 'k', 'v');
      expect(await c.call('GET', 'k')).toBe('$1\r\nv\r\n');
      own.registerCommand('get', { arity: 2, flags: ['readonly', 'fast'], firstKey: 1, handler: (_ctx, args) => `replaced:${args[0]}` });
      expect(await c.call('GET', 'k')).toBe('$10\r\nreplaced:k\r\n');
      expect(await c.call('get', 'k')).toBe('$10\r\nreplaced:k\r\n');
      expect(await c.call('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
      // Other built-ins still see the real value.
      expect(await c.call('STRLEN', 'k')).toBe(':1\r\n');
      expect(own.unregisterCommand('get')).toBe(true);
      expect(await c.call('GET', 'k')).toBe("-ERR unknown command 'GET', with args beginning with: 'k' \r\n");
    } finally {
      c.close();
      await own.close();
      own.dispose();
    }
  });

  it('answers thrown ReplyErrors and other errors as error replies', async () => {
    server.registerCommand('fail', (_ctx, args) => {
      if (args[0] === 'reply') throw new ReplyError('MYERR custom code');
      if (args[0] === 'return') return new ReplyError('ERR returned');
      throw new Error('plain error');
    });
    const c = await raw();
    expect(await c.call('FAIL', 'reply')).toBe('-MYERR custom code\r\n');
    expect(await c.call('FAIL', 'return')).toBe('-ERR returned\r\n');
    expect(await c.call('FAIL', 'x')).toBe('-ERR plain error\r\n');
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });

  it('encodes every reply helper per protocol', async () => {
    server.registerCommand('shapes', () =>
      reply.map({ s: reply.simple('ok'), d: reply.double(1.5), b: reply.bool(true), n: reply.null(), set: reply.set(['x']), big: reply.bigNumber(12345678901234567890n) }),
    );
    const c = await raw();
    expect(await c.call('SHAPES')).toBe('*12\r\n$1\r\ns\r\n+ok\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nb\r\n:1\r\n$1\r\nn\r\n$-1\r\n$3\r\nset\r\n*1\r\n$1\r\nx\r\n$3\r\nbig\r\n$20\r\n12345678901234567890\r\n');
    await c.call('HELLO', '3');
    expect(await c.call('SHAPES')).toBe('%6\r\n$1\r\ns\r\n+ok\r\n$1\r\nd\r\n,1.5\r\n$1\r\nb\r\n#t\r\n$1\r\nn\r\n_\r\n$3\r\nset\r\n~1\r\n$1\r\nx\r\n$3\r\nbig\r\n(12345678901234567890\r\n');
  });
});

describe('asynchronous handlers', () => {
  it('keep reply order in a pipeline mixing slow, fast and synchronous commands', async () => {
    const c = await raw();
    const cmds: string[][] = [];
    for (let i = 0; i < 60; i++) {
      if (i % 3 === 0) cmds.push(['DELAY', String((i * 7) % 25), `d${i}`]);
      else if (i % 3 === 1) cmds.push(['ECHO', `e${i}`]);
      else cmds.push(['INCR', 'async-order']);
    }
    const out = await pipelined(c, cmds);
    let n = 0;
    out.forEach((r, i) => {
      if (i % 3 === 0) expect(r).toBe(`$${`d${i}`.length}\r\nd${i}\r\n`);
      else if (i % 3 === 1) expect(r).toBe(`$${`e${i}`.length}\r\ne${i}\r\n`);
      else expect(r).toBe(`:${++n}\r\n`);
    });
  });

  it('keep order across clients pipelining at the same time', async () => {
    const cs = await Promise.all([raw(), raw(), raw()]);
    const results = await Promise.all(
      cs.map((c, ci) =>
        pipelined(
          c,
          Array.from({ length: 20 }, (_, i) => (i % 2 ? ['ECHO', `${ci}:${i}`] : ['DELAY', String((ci * 5 + i) % 13), `${ci}:${i}`])),
        ),
      ),
    );
    results.forEach((out, ci) => out.forEach((r, i) => expect(r).toBe(`$${`${ci}:${i}`.length}\r\n${ci}:${i}\r\n`)));
  });

  it('an async handler resolving to undefined answers a null, like a sync one', async () => {
    server.registerCommand('nothing', async () => undefined);
    server.registerCommand('nothingsync', () => undefined);
    const c = await raw();
    expect(await pipelined(c, [['NOTHINGSYNC'], ['NOTHING'], ['PING']])).toEqual(['$-1\r\n', '$-1\r\n', '+PONG\r\n']);
  });

  it('a protocol error after an async command: its reply, then the error, then the close', async () => {
    const c = await raw();
    c.write(Buffer.concat([encodeCommand(['DELAY', '20', 'first']), encodeCommand(['ECHO', 'second']), Buffer.from('*1\r\n$x\r\n')]));
    expect(await c.readUntilClose(5000)).toBe('$5\r\nfirst\r\n$6\r\nsecond\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(c.closed).toBe(true);
  });

  it('a rejected promise answers an error, and the pipeline goes on', async () => {
    server.registerCommand('reject', async (_ctx, args) => {
      await sleep(5);
      if (args[0] === 'reply') throw new ReplyError('ERR async reply error');
      throw new Error('async failure');
    });
    const c = await raw();
    expect(await pipelined(c, [['REJECT', 'reply'], ['REJECT', 'x'], ['ECHO', 'after']])).toEqual([
      '-ERR async reply error\r\n',
      '-ERR async failure\r\n',
      '$5\r\nafter\r\n',
    ]);
  });

  describe.each([...IOREDIS_VARIANTS.slice(0, 2), ...NODE_REDIS_VARIANTS.slice(0, 3)])('$label', (v) => {
    let c: AnyClient;
    beforeAll(async () => {
      c = await connect(v, { port: server.port });
    });
    afterAll(async () => close(c));

    it('gets async replies in order through the client pipeline', async () => {
      const cmds = Array.from({ length: 40 }, (_, i) => (i % 2 ? ['ECHO', `x${i}`] : ['DELAY', String(20 - (i % 20)), `y${i}`]));
      const res = await pipeline(c, cmds);
      expect(res).toEqual(cmds.map((cmd) => cmd[cmd.length - 1]));
    });
  });
});

describe('middleware', () => {
  const removers: Array<() => void> = [];
  afterEach(() => {
    for (const r of removers.splice(0)) r();
  });
  const use = (mw: Middleware) => removers.push(server.use(mw));

  it('sees the command name, arguments and keys', async () => {
    const seen: unknown[] = [];
    use((_ctx, cmd, next) => {
      seen.push([cmd.name, cmd.args, cmd.keys]);
      return next();
    });
    const c = await raw();
    await c.call('SET', 'mk', 'v');
    await c.call('mget', 'a', 'b');
    await c.call('CLIENT', 'SETNAME', 'mwname');
    expect(seen).toEqual([
      ['SET', ['mk', 'v'], ['mk']],
      ['MGET', ['a', 'b'], ['a', 'b']],
      ['CLIENT SETNAME', ['mwname'], []],
    ]);
  });

  it('is not called for unknown commands or arity errors', async () => {
    let calls = 0;
    use((_ctx, _cmd, next) => {
      calls++;
      return next();
    });
    const c = await raw();
    await c.call('NOPE');
    await c.call('GET');
    expect(calls).toBe(0);
  });

  it('can modify arguments and replies', async () => {
    use((_ctx, cmd, next) => {
      if (cmd.name === 'ECHO') cmd.args = cmd.args.map((a) => a.toUpperCase());
      return next();
    });
    use((_ctx, cmd, next) => {
      const r = next();
      return cmd.name === 'ECHO' && typeof r === 'string' ? `<${r}>` : r;
    });
    const c = await raw();
    expect(await c.call('ECHO', 'hi')).toBe('$4\r\n<HI>\r\n');
  });

  it('can short-circuit without calling the command', async () => {
    use((_ctx, cmd, next) => (cmd.name === 'FLUSHALL' ? new ReplyError('ERR FLUSHALL is disabled here') : next()));
    const c = await raw();
    await c.call('SET', 'keep', '1');
    expect(await c.call('FLUSHALL')).toBe('-ERR FLUSHALL is disabled here\r\n');
    expect(await c.call('GET', 'keep')).toBe('$1\r\n1\r\n');
  });

  it('composes in registration order (first registered is outermost)', async () => {
    const order: string[] = [];
    use((_ctx, _cmd, next) => {
      order.push('a in');
      const r = next();
      order.push('a out');
      return r;
    });
    use((_ctx, _cmd, next) => {
      order.push('b in');
      const r = next();
      order.push('b out');
      return r;
    });
    const c = await raw();
    await c.call('PING');
    expect(order).toEqual(['a in', 'b in', 'b out', 'a out']);
  });

  it('async middleware keeps pipeline order', async () => {
    use(async (_ctx, cmd, next) => {
      if (cmd.name === 'GET') await sleep(Math.floor(Math.random() * 8));
      return next();
    });
    const c = await raw();
    const cmds: string[][] = [];
    for (let i = 0; i < 50; i++) cmds.push(i % 2 ? ['GET', 'amw'] : ['INCR', 'amw']);
    const out = await pipelined(c, cmds);
    out.forEach((r, i) => expect(r).toBe(i % 2 ? `$${String((i + 1) / 2).length}\r\n${(i + 1) / 2}\r\n` : `:${i / 2 + 1}\r\n`));
  });

  it('a throwing middleware answers an error', async () => {
    use((_ctx, cmd, next) => {
      if (cmd.name === 'ECHO') throw new Error('middleware broke');
      return next();
    });
    const c = await raw();
    expect(await c.call('ECHO', 'x')).toBe('-ERR middleware broke\r\n');
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });

  it('stops running once removed', async () => {
    let calls = 0;
    const off = server.use((_ctx, _cmd, next) => {
      calls++;
      return next();
    });
    const c = await raw();
    await c.call('PING');
    off();
    await c.call('PING');
    expect(calls).toBe(1);
  });
});

describe('misbehaving extensions do not take the server down', () => {
  it('a handler returning a value that is not a reply gets an error reply', async () => {
    server.registerCommand('badvalue', () => ({ not: 'a reply' }) as unknown as Reply);
    server.registerCommand('badnested', () => [1, Symbol('x')] as unknown as Reply);
    server.registerCommand('badasync', async () => new Map() as unknown as Reply);
    const c = await raw();
    const out = await pipelined(c, [['BADVALUE'], ['BADNESTED'], ['BADASYNC'], ['PING']]);
    expect(out[0]).toMatch(/^-ERR .*not a reply.*\r\n$/);
    expect(out[1]).toMatch(/^\*2\r\n:1\r\n-ERR .*not a reply.*\r\n$/);
    expect(out[2]).toMatch(/^-ERR .*not a reply.*\r\n$/);
    expect(out[3]).toBe('+PONG\r\n');
  });

  it('a gate that throws gets an error reply', async () => {
    let armed = true;
    server.addGate((_ctx, cmd) => {
      if (armed && cmd.name === 'echo') throw new Error('gate exploded');
      return undefined;
    });
    const c = await raw();
    try {
      expect(await c.call('ECHO', 'x')).toBe('-ERR gate exploded\r\n');
      expect(await c.call('PING')).toBe('+PONG\r\n');
    } finally {
      armed = false;
    }
  });
});
