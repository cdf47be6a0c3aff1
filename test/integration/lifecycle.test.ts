/**
 * Connection and server lifecycle over TCP: onConnState transitions,
 * graceful shutdown with commands in flight, clients that vanish mid-command.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Connection, type ConnState, type RedKitServer, type ServerOptions } from '../../src/index.js';
import { RawClient, encodeCommand } from '../support/raw-client.js';
import { NODE_REDIS_VARIANTS, IOREDIS_VARIANTS, call, connect, disconnect } from '../support/clients.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

const servers: RedKitServer[] = [];
const clients: RawClient[] = [];
const errors: string[] = [];

async function start(opts: ServerOptions = {}): Promise<RedKitServer> {
  const s = createServer({ logger: { level: 'warn', sink: (level, msg) => errors.push(`${level}: ${msg}`) }, ...opts });
  await s.listen(0);
  servers.push(s);
  return s;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    if (s.isListening) await s.close();
    s.dispose();
  }
  // Nothing in these tests should make the server log a warning or an error.
  expect(errors.splice(0)).toEqual([]);
});

/** A deferred the test resolves to finish an asynchronous command. */
function gate() {
  let open!: (v: string) => void;
  let entered!: () => void;
  const started = new Promise<void>((r) => (entered = r));
  const done = new Promise<string>((r) => (open = r));
  return { started, done, open, entered };
}

describe('onConnState', () => {
  it('reports new → active → processing → idle … → closed, in order, per connection', async () => {
    const seen = new Map<number, ConnState[]>();
    const g = gate();
    const s = await start({
      onConnState: (conn: Connection, state: ConnState) => {
        if (!seen.has(conn.id)) seen.set(conn.id, []);
        seen.get(conn.id)!.push(state);
      },
    });
    s.registerCommand('wait', () => {
      g.entered();
      return g.done;
    });
    const c = await client(s.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    c.send('WAIT');
    await g.started;
    const conn = [...s.connections.values()][0];
    // While the asynchronous command runs the connection is processing.
    expect(conn.state).toBe('processing');
    g.open('ok');
    expect(await c.read()).toBe('$2\r\nok\r\n');
    // Half a command: active (mid-command) until the rest arrives.
    c.write('*1\r\n$4\r\nPI');
    await until(() => conn.state === 'active');
    c.write('NG\r\n');
    expect(await c.read()).toBe('+PONG\r\n');
    c.close();
    await until(() => s.activeConnections === 0);
    expect([...seen.values()]).toEqual([
      [
        'new',
        'active', 'processing', 'idle', // PING
        'active', 'processing', 'idle', // WAIT … its reply
        'active', 'processing', 'active', // half a PING
        'processing', 'idle', // the rest of it
        'closed',
      ],
    ]);
  });

  it('reports closed for a connection closed by QUIT and by a protocol error', async () => {
    const last = new Map<number, ConnState>();
    const s = await start({ onConnState: (conn, state) => last.set(conn.id, state) });
    const a = await client(s.port);
    const b = await client(s.port);
    expect(await a.call('QUIT')).toBe('+OK\r\n');
    b.write('*x\r\n');
    await a.readUntilClose(3000);
    await b.readUntilClose(3000);
    await until(() => s.activeConnections === 0);
    expect([...last.values()]).toEqual(['closed', 'closed']);
  });

  it('keeps the server running when the hook throws', async () => {
    const s = createServer({
      logger: 'off',
      onConnState: () => {
        throw new Error('hook failure');
      },
    });
    await s.listen(0);
    servers.push(s);
    const c = await client(s.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });
});

describe('graceful shutdown', () => {
  it('lets a command in flight answer before closing, closes idle clients, refuses new ones', async () => {
    const s = await start();
    const g = gate();
    s.registerCommand('inflight', () => {
      g.entered();
      return g.done;
    });
    const busy = await client(s.port);
    const idle = await client(s.port);
    expect(await idle.call('PING')).toBe('+PONG\r\n');
    busy.send('INFLIGHT');
    await g.started;

    const stopped = s.shutdown({ timeout: 10_000 });
    // The idle client is closed right away…
    expect(await idle.readUntilClose(5000)).toBe('');
    expect(idle.closed).toBe(true);
    // …new connections are refused…
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect(s.port, '127.0.0.1');
      sock.on('error', () => resolve(true));
      sock.on('close', () => resolve(true));
      sock.on('data', () => resolve(false));
      sock.on('connect', () => sock.write('PING\r\n'));
    });
    expect(refused).toBe(true);
    // …and the busy one still gets its reply, then the close.
    expect(busy.closed).toBe(false);
    g.open('finished');
    expect(await busy.readUntilClose(5000)).toBe('$8\r\nfinished\r\n');
    expect(busy.closed).toBe(true);
    await stopped;
    expect(s.isListening).toBe(false);
    expect(s.activeConnections).toBe(0);
  });

  it('closes a connection whose command never answers once the timeout passes', async () => {
    const s = await start();
    const g = gate();
    s.registerCommand('never', () => {
      g.entered();
      return new Promise(() => {});
    });
    const c = await client(s.port);
    c.send('NEVER');
    await g.started;
    await s.shutdown({ timeout: 100 });
    expect(await c.readUntilClose(5000)).toBe('');
    expect(c.closed).toBe(true);
    expect(s.isListening).toBe(false);
  });

  it('with real clients: their pending commands resolve before the close', async () => {
    const s = await start();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered = 0;
    s.registerCommand('slowecho', async (_ctx, args) => {
      entered++;
      await released;
      return args[0];
    });
    const cs = await Promise.all([IOREDIS_VARIANTS[0], NODE_REDIS_VARIANTS[2]].map((v) => connect(v, { port: s.port })));
    const pending = cs.map((c) => call(c, ['SLOWECHO', 'bye']));
    // both commands are running (a fixed sleep may end before they arrive on a loaded machine)
    await until(() => entered === 2);
    const stopped = s.shutdown({ timeout: 10_000 });
    await sleep(20);
    release();
    expect(await Promise.all(pending)).toEqual(['bye', 'bye']);
    await stopped;
    for (const c of cs) disconnect(c);
  });
});

describe('clients that vanish', () => {
  it('a client that disconnects mid-command leaves other clients and the data alone', async () => {
    const s = await start();
    const other = await client(s.port);
    await other.call('SET', 'keep', 'safe');
    const gone = await client(s.port);
    // Half of a 1 MB SET, then a reset.
    const cmd = encodeCommand(['SET', 'keep', 'x'.repeat(1024 * 1024)]);
    gone.write(cmd.subarray(0, cmd.length >> 1));
    await sleep(20);
    gone.socket.resetAndDestroy();
    await until(() => s.activeConnections === 1);
    expect(await other.call('GET', 'keep')).toBe('$4\r\nsafe\r\n');
    expect(await other.call('DBSIZE')).toBe(':1\r\n');
  });

  it('a client that disconnects while its async command runs does not disturb anyone', async () => {
    const s = await start();
    const g = gate();
    s.registerCommand('slowset', async (ctx, args) => {
      g.entered();
      const v = await g.done;
      ctx.db.set(args[0], v);
      return 'OK-late';
    });
    const gone = await client(s.port);
    gone.write(Buffer.concat([encodeCommand(['SLOWSET', 'late']), encodeCommand(['SET', 'after', '1'])]));
    await g.started;
    gone.close();
    await until(() => s.activeConnections === 0);
    g.open('written');
    await sleep(20);
    const c = await client(s.port);
    // The command itself completed; what was pipelined after it was not run.
    expect(await c.call('GET', 'late')).toBe('$7\r\nwritten\r\n');
    expect(await c.call('EXISTS', 'after')).toBe(':0\r\n');
  });

  it('a client that disconnects while a large reply is being written', async () => {
    const s = await start();
    const c = await client(s.port);
    await c.call('SET', 'big', 'y'.repeat(8 * 1024 * 1024));
    for (let i = 0; i < 5; i++) {
      const gone = await client(s.port);
      gone.send('GET', 'big');
      gone.send('GET', 'big');
      await sleep(i);
      gone.socket.resetAndDestroy();
    }
    await until(() => s.activeConnections === 1);
    expect(await c.call('STRLEN', 'big')).toBe(':8388608\r\n');
  });

  it('many clients dropping at once, with real client libraries', async () => {
    const s = await start();
    const cs = await Promise.all([...IOREDIS_VARIANTS.slice(0, 2), ...NODE_REDIS_VARIANTS].map((v) => connect(v, { port: s.port })));
    const inflight = cs.map((c, i) => call(c, ['SET', `k${i}`, 'v'.repeat(100_000)]).catch(() => 'dropped'));
    for (const c of cs) disconnect(c);
    await Promise.all(inflight);
    await until(() => s.activeConnections === 0);
    const c = await client(s.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });
});
