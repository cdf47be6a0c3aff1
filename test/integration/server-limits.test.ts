/**
 * Server limits over TCP: maxConnections, readTimeout, idleTimeout. Timeouts
 * are small; the tests assert that a connection is (or is not) closed, never
 * how long it took.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer, type ServerOptions } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';

const servers: RedKitServer[] = [];
const clients: RawClient[] = [];

async function start(opts: ServerOptions): Promise<RedKitServer> {
  const s = createServer({ logger: 'off', ...opts });
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
    await s.close();
    s.dispose();
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond` holds (polling), failing after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

describe('maxConnections', () => {
  it('answers "-ERR max number of clients reached" beyond the limit, then closes', async () => {
    const s = await start({ maxConnections: 2 });
    const a = await client(s.port);
    const b = await client(s.port);
    expect(await a.call('PING')).toBe('+PONG\r\n');
    expect(await b.call('PING')).toBe('+PONG\r\n');
    const c = await client(s.port);
    expect(await c.readUntilClose(5000)).toBe('-ERR max number of clients reached\r\n');
    expect(c.closed).toBe(true);
    expect(s.stats.rejectedConnections).toBe(1);
    // The refused connection did not count; the others are unaffected.
    expect(await a.call('ECHO', 'still')).toBe('$5\r\nstill\r\n');
    expect(s.activeConnections).toBe(2);
  });

  it('accepts again once a client leaves', async () => {
    const s = await start({ maxConnections: 1 });
    const a = await client(s.port);
    expect(await a.call('PING')).toBe('+PONG\r\n');
    const refused = await client(s.port);
    expect(await refused.readUntilClose(5000)).toBe('-ERR max number of clients reached\r\n');
    a.close();
    await until(() => s.activeConnections === 0);
    const b = await client(s.port);
    expect(await b.call('PING')).toBe('+PONG\r\n');
  });

  it('follows CONFIG SET maxclients', async () => {
    const s = await start({ maxConnections: 10 });
    const a = await client(s.port);
    expect(await a.call('CONFIG', 'SET', 'maxclients', '1')).toBe('+OK\r\n');
    const b = await client(s.port);
    expect(await b.readUntilClose(5000)).toBe('-ERR max number of clients reached\r\n');
  });
});

describe('readTimeout', () => {
  it('closes a connection that leaves a command unfinished', async () => {
    const s = await start({ readTimeout: 100 });
    const c = await client(s.port);
    c.write('*2\r\n$4\r\nECHO\r\n$10\r\nabc');
    expect(await c.readUntilClose(5000)).toBe('');
    expect(c.closed).toBe(true);
  });

  it('closes a connection that trickles a command without ever finishing it', async () => {
    const s = await start({ readTimeout: 150 });
    const c = await client(s.port);
    c.write('*2\r\n$4\r\nECHO\r\n$100000\r\n');
    // One byte every 20 ms: never idle for 150 ms, never done.
    for (let i = 0; i < 300 && !c.closed; i++) {
      c.write('x');
      await sleep(20);
    }
    expect(c.closed).toBe(true);
  });

  // The two tests below check that a connection stays open: its gaps (10-30 ms sleeps) must stay
  // below readTimeout even when the process stalls on a loaded machine (the server shares the
  // test's event loop), hence 400 ms; the whole run lasts more than twice that.
  it('does not close a client that keeps completing commands, even if every chunk ends mid-command', async () => {
    const s = await start({ readTimeout: 400 });
    const c = await client(s.port);
    c.write('*1\r\n$4\r\nPI');
    let rounds = 0;
    const started = Date.now();
    while (rounds < 40 || Date.now() - started < 1000) {
      c.write('NG\r\n*1\r\n$4\r\nPI'); // finishes one PING, starts the next
      rounds++;
      await sleep(10);
    }
    c.write('NG\r\n');
    for (let i = 0; i <= rounds; i++) expect(await c.read()).toBe('+PONG\r\n');
    expect(c.closed).toBe(false);
  });

  it('leaves idle connections between commands alone, and finished commands are served', async () => {
    const s = await start({ readTimeout: 400 });
    const c = await client(s.port);
    c.write('*2\r\n$4\r\nECHO\r\n$2\r\nh');
    await sleep(30);
    c.write('i\r\n');
    expect(await c.read()).toBe('$2\r\nhi\r\n');
    await sleep(1000);
    expect(c.closed).toBe(false);
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });
});

describe('idleTimeout', () => {
  it('closes an idle connection', async () => {
    const s = await start({ idleTimeout: 150 });
    const c = await client(s.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(await c.readUntilClose(5000)).toBe('');
    expect(c.closed).toBe(true);
    await until(() => s.activeConnections === 0);
  });

  it('exempts pub/sub subscribers', async () => {
    // 500 ms: the subscriber's SUBSCRIBE must arrive before it counts as idle, on a loaded machine too.
    const s = await start({ idleTimeout: 500 });
    const sub = await client(s.port);
    const idle = await client(s.port);
    await sub.call('SUBSCRIBE', 'ch');
    await idle.readUntilClose(5000);
    expect(idle.closed).toBe(true);
    expect(sub.closed).toBe(false);
    expect(await sub.call('PING')).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
  });

  it('exempts a connection waiting for a slow command, then closes it once idle', async () => {
    const s = await start({ idleTimeout: 100 });
    s.registerCommand('slow', () => new Promise((resolve) => setTimeout(() => resolve('done'), 400)));
    const c = await client(s.port);
    c.send('SLOW');
    expect(await c.read()).toBe('$4\r\ndone\r\n');
    expect(await c.readUntilClose(5000)).toBe('');
    expect(c.closed).toBe(true);
  });
});
