/**
 * MIGRATE behaviour that depends on RedKit's own machinery (the differential
 * test, test/differential/migrate.test.ts, compares the replies with
 * redis-server's): other clients wait while a MIGRATE runs, timeouts and the
 * connection cache run on the server clock, replicas of a cluster node see a
 * DEL, MULTI refuses it.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, startRedKitCluster, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { InternalClient } from '../../src/server/internal.js';

const servers: RedKitServer[] = [];
const fakes: net.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.close();
    s.dispose();
  }
  for (const f of fakes.splice(0)) f.close();
});

async function server(clock: 'real' | 'frozen' = 'real'): Promise<RedKitServer> {
  const s = createServer({ logger: 'error', clock });
  await s.listen(0);
  servers.push(s);
  return s;
}

/** A target that calls `onData` with each chunk the source sends (and its socket). */
async function fake(onData: (s: net.Socket, d: string) => void): Promise<number> {
  const srv = net.createServer((s) => {
    s.on('data', (d: Buffer) => onData(s, d.toString('latin1')));
    s.on('error', () => undefined);
  });
  fakes.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return (srv.address() as net.AddressInfo).port;
}

function info(s: RedKitServer, c: RawClient): Promise<string> {
  void s;
  return c.call('INFO', 'stats');
}

describe('MIGRATE in RedKit', () => {
  it('holds every other client until the target has answered', async () => {
    const src = await server();
    let release: (() => void) | undefined;
    const got = new Promise<void>((resolve) => {
      release = resolve;
    });
    let seen = '';
    const port = await fake((s, d) => {
      seen += d;
      // Answer SELECT and RESTORE only when the test says so.
      if (seen.includes('RESTORE')) void got.then(() => s.write('+OK\r\n+OK\r\n'));
    });
    const a = await RawClient.connect(src.port);
    const b = await RawClient.connect(src.port);
    await a.call('SET', 'k', 'v');
    const order: string[] = [];
    const pa = a.call('MIGRATE', '127.0.0.1', String(port), 'k', '0', '5000').then((r) => {
      order.push(`migrate ${r.trim()}`);
    });
    // Wait until the target has the RESTORE: the MIGRATE is in flight.
    while (!seen.includes('RESTORE')) await new Promise((r) => setTimeout(r, 5));
    const pb = b.call('GET', 'k').then((r) => {
      order.push(`get ${JSON.stringify(r)}`);
    });
    const pc = b.call('SET', 'k', 'new').then((r) => {
      order.push(`set ${r.trim()}`);
    });
    // A new connection selects the db first (its last db is unknown).
    expect(seen).toContain('SELECT');
    release!();
    await Promise.all([pa, pb, pc]);
    expect(order).toEqual(['migrate +OK', 'get "$-1\\r\\n"', 'set +OK']);
    a.close();
    b.close();
  });

  it('times out on the server clock, and closes idle connections after 10 s of it', async () => {
    const src = await server('frozen');
    const dst = await server('real');
    let seen = '';
    const silent = await fake((_s, d) => {
      seen += d;
    });
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    const reply = c.call('MIGRATE', '127.0.0.1', String(silent), 'k', '0', '5000');
    while (!seen.includes('RESTORE')) await new Promise((r) => setTimeout(r, 5));
    src.clock.advance(5000);
    expect(await reply).toBe('-IOERR error or timeout reading to target instance\r\n');
    expect(await c.call('EXISTS', 'k')).toBe(':1\r\n');
    // A timed-out connection is not kept.
    expect(await info(src, c)).toContain('migrate_cached_sockets:0');

    expect(await c.call('MIGRATE', '127.0.0.1', String(dst.port), 'k', '0', '5000')).toBe('+OK\r\n');
    expect(await info(src, c)).toContain('migrate_cached_sockets:1');
    src.clock.advance(9000);
    expect(await info(src, c)).toContain('migrate_cached_sockets:1');
    src.clock.advance(3000);
    expect(await info(src, c)).toContain('migrate_cached_sockets:0');
    c.close();
  });

  it('a target that disconnects or answers garbage leaves the server serving', async () => {
    const src = await server();
    const closer = await fake((s) => s.destroy());
    const garbage = await fake((s) => s.write('*3\r\n$1\r\nx\r\n:1\r\n\r\n\r\n'));
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    expect(await c.call('MIGRATE', '127.0.0.1', String(closer), 'k', '0', '1000')).toBe('-IOERR error or timeout reading to target instance\r\n');
    // SELECT's reply is '*3', the RESTORE's '$1': both taken as success.
    expect(await c.call('MIGRATE', '127.0.0.1', String(garbage), 'k', '0', '1000')).toBe('+OK\r\n');
    expect(await c.call('PING')).toBe('+PONG\r\n');
    c.close();
  });

  it('a server that stops while a MIGRATE waits closes its connections (nothing left open)', async () => {
    const src = createServer({ logger: 'error' });
    await src.listen(0);
    let seen = '';
    const silent = await fake((_s, d) => {
      seen += d;
    });
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    c.send('MIGRATE', '127.0.0.1', String(silent), 'k', '0', '100000');
    while (!seen.includes('RESTORE')) await new Promise((r) => setTimeout(r, 5));
    await src.close();
    src.dispose();
    await expect(c.read()).rejects.toThrow(/closed/);
    // The target sees its connection closed, and no other made (no retry from a stopped server).
    const srv = fakes[fakes.length - 1];
    const count = (): Promise<number> => new Promise<number>((r) => srv.getConnections((_e, n) => r(n)));
    for (let i = 0; i < 100 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await count()).toBe(0);
  });

  it('a target that floods its connection is dropped, and the next MIGRATE reconnects', async () => {
    const src = await server();
    let conns = 0;
    const port = await fake((s, d) => {
      if (d.includes('RESTORE')) s.write('+OK\r\n+OK\r\n');
      if (d.includes('FLOOD')) for (let i = 0; i < 40; i++) s.write(Buffer.alloc(64 * 1024, 'x'));
    });
    fakes[fakes.length - 1].on('connection', () => conns++);
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    await c.call('SET', 'FLOOD', 'v');
    expect(await c.call('MIGRATE', '127.0.0.1', String(port), 'FLOOD', '0', '1000', 'COPY')).toBe('+OK\r\n');
    // Dropped once 1 MB is unread (it stays cached, as a socket closed by its peer does in Redis, until used).
    const flooded = (src.ext.migrate as { cache: Map<string, { dead: boolean }> }).cache.get(`127.0.0.1:${port}`)!;
    for (let i = 0; i < 200 && !flooded.dead; i++) await new Promise((r) => setTimeout(r, 10));
    expect(flooded.dead).toBe(true);
    expect(await c.call('MIGRATE', '127.0.0.1', String(port), 'k', '0', '1000')).toBe('+OK\r\n');
    expect(conns).toBe(2);
    c.close();
  });

  it('to itself: its own RESTORE waits behind it, so it times out (as Redis, blocked, does)', async () => {
    const src = await server('frozen');
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    let answer: string | undefined;
    const reply = c.call('MIGRATE', '127.0.0.1', String(src.port), 'k', '0', '2000').then((r) => (answer = r));
    // Its connection to itself is accepted, its RESTORE held: only the server clock ends the wait
    // (advanced until it has answered, whenever the wait began).
    for (let i = 0; i < 400 && answer === undefined; i++) {
      src.clock.advance(2000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await reply).toBe('-IOERR error or timeout reading to target instance\r\n');
    // Then the held RESTORE ran: the key was there already.
    expect(await c.call('GET', 'k')).toBe('$1\r\nv\r\n');
    c.close();
  });

  it('is refused inside MULTI, a script and from the keyspace API (RedKit cannot wait there)', async () => {
    const src = await server();
    const c = await RawClient.connect(src.port);
    await c.call('SET', 'k', 'v');
    await c.call('MULTI');
    await c.call('MIGRATE', '127.0.0.1', '1', 'k', '0', '1000');
    expect(await c.call('EXEC')).toBe('*1\r\n-ERR MIGRATE inside MULTI/EXEC or a script is not supported by RedKit\r\n');
    expect(await c.call('EVAL', "return redis.pcall('MIGRATE', '127.0.0.1', '1', 'k', '0', '1000')", '0')).toBe('-ERR MIGRATE inside MULTI/EXEC or a script is not supported by RedKit\r\n');
    expect(() => new InternalClient(src, 0).call('migrate', '127.0.0.1', '1', 'k', '0', '1000')).toThrow(/keyspace API/);
    expect(await c.call('EXISTS', 'k')).toBe(':1\r\n');
    c.close();
  });

  it('between cluster nodes: RESTORE-ASKING into an importing slot, replicas of the source see a DEL', async () => {
    const cluster = await startRedKitCluster({ masters: 2, replicasPerMaster: 1 });
    try {
      const [a, b] = cluster.masters;
      const key = 'user:1';
      const from = cluster.nodeFor(key);
      const to = from === a ? b : a;
      const slot = cluster.slotOf(key);
      cluster.db().set(key, 'ada');
      const ca = await RawClient.connect(from.port);
      const cb = await RawClient.connect(to.port);
      expect(await cb.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id)).toBe('+OK\r\n');
      expect(await ca.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id)).toBe('+OK\r\n');
      expect(await ca.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '10')).toBe(`*1\r\n$6\r\n${key}\r\n`);
      expect(await ca.call('MIGRATE', to.host, String(to.port), '', '0', '1000', 'KEYS', key)).toBe('+OK\r\n');
      expect(await ca.call('GET', key)).toBe(`-ASK ${slot} ${to.host}:${to.port}\r\n`);
      const fromReplica = cluster.nodes.find((n) => n.master?.id === from.id)!;
      const toReplica = cluster.nodes.find((n) => n.master?.id === to.id)!;
      expect(fromReplica.redkit.db().get(key)).toBeNull();
      expect(toReplica.redkit.db().get(key)).toBe('ada');
      expect(to.redkit.recorder.list().map((r) => r.name)).toContain('RESTORE-ASKING');
      expect(await cb.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id)).toBe('+OK\r\n');
      expect(await ca.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id)).toBe('+OK\r\n');
      expect(await ca.call('GET', key)).toBe(`-MOVED ${slot} ${to.host}:${to.port}\r\n`);
      expect(await cb.call('GET', key)).toBe('$3\r\nada\r\n');
      ca.close();
      cb.close();
    } finally {
      await cluster.stop();
    }
  });
});
