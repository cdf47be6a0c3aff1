/**
 * The last line of defence (issue #10): whatever throws while a connection
 * is read, parsed, dispatched or answered — a handler, a middleware, a fault
 * rule, an observer, the parser itself, a reply that cannot be encoded, work
 * scheduled on the clock — is logged with the command and the client,
 * answered with -ERR where a reply is owed, and costs at most that
 * connection: never the process, never another client. Both socket paths
 * (direct I/O and Node's streams) are run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer, type Reply } from '../../src/index.js';
import { RawClient, encodeCommand } from '../support/raw-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { label: 'direct I/O', directIo: true },
  { label: 'streams', directIo: false },
])('throwing handlers ($label)', ({ directIo }) => {
  let server: RedKitServer;
  const logged: string[] = [];
  const clients: RawClient[] = [];
  let witness: RawClient;
  let round = 0;

  beforeAll(async () => {
    server = createServer({ directIo, logger: { level: 'warn', sink: (level, msg) => logged.push(`${level}: ${msg}`) } });
    server.registerCommand('rangeerr', { arity: -1, handler: () => { throw new RangeError('index out of range'); } });
    server.registerCommand('overflow', {
      arity: 1,
      handler: () => {
        const deep = (n: number): number => deep(n + 1) + 1;
        return deep(0);
      },
    });
    server.registerCommand('asyncthrow', {
      arity: 2,
      handler: async (_ctx, args) => {
        await sleep(Number(args[0]));
        throw new RangeError(`late failure after ${args[0]} ms`);
      },
    });
    server.registerCommand('thenthrow', {
      arity: 1,
      handler: () => Promise.resolve().then(() => {
        throw new TypeError('thrown in a continuation');
      }),
    });
    server.registerCommand('oddthrow', {
      arity: 2,
      handler: (_ctx, args) => {
        if (args[0] === 'null-proto') throw Object.create(null);
        if (args[0] === 'string') throw 'a string';
        if (args[0] === 'undefined') throw undefined;
        throw { message: 'an object with a message' };
      },
    });
    // An array that contains itself: encoding it overflows the stack half-way through.
    server.registerCommand('badreply', {
      arity: -1,
      handler: () => {
        const loop: unknown[] = [1];
        loop.push(loop);
        return loop as Reply;
      },
    });
    await server.listen(0);
    witness = await RawClient.connect(server.port);
  });
  afterAll(async () => {
    witness?.close();
    await server.close();
    server.dispose();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    // After every case, another client still gets PING and a SET/GET round trip right.
    round++;
    expect(await witness.call('PING')).toBe('+PONG\r\n');
    expect(await witness.call('SET', 'witness', `r${round}`)).toBe('+OK\r\n');
    expect(await witness.call('GET', 'witness')).toBe(`$${String(round).length + 1}\r\nr${round}\r\n`);
  });

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  }

  const lastLog = () => logged[logged.length - 1] ?? '';

  it('a handler throwing a RangeError: -ERR, logged with command and client, the connection goes on', async () => {
    const c = await raw();
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    expect(await c.call('RANGEERR', 'x')).toBe('-ERR index out of range\r\n');
    expect(lastLog()).toContain("'rangeerr'");
    expect(lastLog()).toContain(`id=${id} `);
    expect(lastLog()).toContain('RangeError: index out of range');
    expect(await c.call('ECHO', 'still here')).toBe('$10\r\nstill here\r\n');
  });

  it('a real stack overflow in a handler is an error reply', async () => {
    const c = await raw();
    expect(await c.call('OVERFLOW')).toBe('-ERR Maximum call stack size exceeded\r\n');
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });

  it('a handler throwing from an asynchronous continuation: -ERR, in pipeline order', async () => {
    const c = await raw();
    c.write(Buffer.concat([encodeCommand(['ASYNCTHROW', '15']), encodeCommand(['THENTHROW']), encodeCommand(['ECHO', 'after'])]));
    expect(await c.read()).toBe('-ERR late failure after 15 ms\r\n');
    expect(await c.read()).toBe('-ERR thrown in a continuation\r\n');
    expect(await c.read()).toBe('$5\r\nafter\r\n');
    expect(logged.some((l) => l.includes("'asyncthrow'") && l.includes('RangeError: late failure'))).toBe(true);
  });

  it('values thrown that are not Errors', async () => {
    const c = await raw();
    expect(await c.call('ODDTHROW', 'null-proto')).toBe('-ERR unknown error\r\n');
    expect(await c.call('ODDTHROW', 'string')).toBe('-ERR a string\r\n');
    expect(await c.call('ODDTHROW', 'undefined')).toBe('-ERR undefined\r\n');
    expect(await c.call('ODDTHROW', 'object')).toBe('-ERR an object with a message\r\n');
  });

  it('a middleware that throws, synchronously or from a promise', async () => {
    const off = server.use((_ctx, call, next) => {
      if (call.name === 'ECHO' && call.args[0] === 'sync') throw new RangeError('middleware broke');
      if (call.name === 'ECHO' && call.args[0] === 'async') return Promise.reject(new Error('middleware rejected'));
      return next();
    });
    try {
      const c = await raw();
      expect(await c.call('ECHO', 'sync')).toBe('-ERR middleware broke\r\n');
      expect(await c.call('ECHO', 'async')).toBe('-ERR middleware rejected\r\n');
      expect(await c.call('ECHO', 'ok')).toBe('$2\r\nok\r\n');
    } finally {
      off();
    }
  });

  it('an observer that throws', async () => {
    const off = server.observe((_ctx, cmd) => {
      if (cmd.name === 'echo') throw new Error('observer broke');
    });
    try {
      const c = await raw();
      expect(await c.call('ECHO', 'x')).toBe('-ERR observer broke\r\n');
      expect(await c.call('PING')).toBe('+PONG\r\n');
    } finally {
      off();
    }
  });

  it('a reply that cannot be encoded costs that connection only', async () => {
    const c = await raw();
    c.write(Buffer.concat([encodeCommand(['ECHO', 'before']), encodeCommand(['BADREPLY']), encodeCommand(['ECHO', 'never'])]));
    const out = await c.readUntilClose(2000);
    expect(out.startsWith('$6\r\nbefore\r\n')).toBe(true);
    expect(out).not.toContain('never');
    expect(c.closed).toBe(true);
    expect(logged.some((l) => l.includes('could not be encoded') && l.includes('BADREPLY'))).toBe(true);
  });

  it('a bug in the parser: -ERR, the connection closed, logged', async () => {
    const c = await raw();
    const id = Number((await c.call('CLIENT', 'ID')).slice(1, -2));
    const conn = server.connections.get(id);
    expect(conn).toBeDefined();
    (conn as unknown as { parser: { nextArgs: () => never } }).parser.nextArgs = () => {
      throw new TypeError('parser bug');
    };
    c.send('PING');
    expect(await c.readUntilClose(2000)).toBe('-ERR internal error: parser bug\r\n');
    expect(c.closed).toBe(true);
    expect(lastLog()).toContain('parser bug');
  });

  it('work scheduled on the clock that throws is logged; the other timers still run', async () => {
    let ran = false;
    server.clock.after(10, () => {
      throw new RangeError('timer broke');
    });
    server.clock.after(20, () => {
      ran = true;
    });
    expect(() => server.clock.advance(30)).not.toThrow();
    expect(ran).toBe(true);
    expect(logged.some((l) => l.includes('scheduled work threw') && l.includes('timer broke'))).toBe(true);
    const c = await raw();
    // Keys still expire through the clock afterwards.
    expect(await c.call('SET', 'exp', 'v', 'PX', '100')).toBe('+OK\r\n');
    server.clock.advance(200);
    expect(await c.call('EXISTS', 'exp')).toBe(':0\r\n');
  });

  it('a logger sink that throws does not make things worse', async () => {
    const own = createServer({ directIo, logger: { level: 'debug', sink: () => { throw new Error('sink broke'); } } });
    own.registerCommand('boom', () => {
      throw new Error('boom');
    });
    await own.listen(0);
    try {
      const c = await RawClient.connect(own.port);
      expect(await c.call('BOOM')).toBe('-ERR boom\r\n');
      expect(await c.call('PING')).toBe('+PONG\r\n');
      c.close();
    } finally {
      await own.close();
      own.dispose();
    }
  });

  it('the issue #10 reproduction does not take the process down', async () => {
    const c = await raw();
    c.write(Buffer.alloc(65536, 'A'));
    await sleep(50);
    c.write('A'.repeat(64000) + '\r\n');
    const out = await c.readUntilClose(500);
    expect(out === '-ERR Protocol error: too big inline request\r\n' || out.startsWith("-ERR unknown command 'AAAA")).toBe(true);
  });
});

describe('fault rules that throw', () => {
  it('a fault rule whose match function throws answers -ERR and the server goes on', async () => {
    const { startRedKit } = await import('../../src/index.js');
    const logged: string[] = [];
    const kit = await startRedKit({ logger: { level: 'warn', sink: (_l: string, m: string) => logged.push(m) } });
    try {
      kit.faults.add({
        command: 'GET',
        match: () => {
          throw new RangeError('rule broke');
        },
        error: 'ERR never',
      });
      const c = await RawClient.connect(kit.port);
      expect(await c.call('GET', 'k')).toBe('-ERR rule broke\r\n');
      expect(await c.call('SET', 'k', 'v')).toBe('+OK\r\n');
      c.close();
    } finally {
      await kit.stop();
    }
  });
});
