/**
 * @socket.io/redis-adapter 8 against the selected target: two socket.io
 * servers in one process, each with its own Redis clients, broadcasting to
 * each other's clients (socket.io-client over real websockets).
 *
 * - classic adapter (`createAdapter`): PSUBSCRIBE + SUBSCRIBE, PUBLISH,
 *   PUBSUB NUMSUB for the server count; with node-redis 5 and with ioredis;
 * - sharded adapter (`createShardedAdapter`): SSUBSCRIBE per room (dynamic
 *   mode; per socket too in dynamic-private mode), SPUBLISH, PUBSUB
 *   SHARDNUMSUB; with node-redis 5 and ioredis;
 * - the classic adapter answering on per-server response channels
 *   (publishOnSpecificResponseChannel).
 *
 * (test/integration/socket-io.test.ts is about socket I/O, not socket.io.)
 */
import { describe, expect, it, vi } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { isRedKit, redkitOf, targetHooks, type Target } from './target.js';

/** vi.waitFor with room for a loaded machine (its default gives up after 1 s). */
const waitFor = <T>(fn: () => T | Promise<T>) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

let target: Target;
const cleanups = targetHooks((t) => (target = t));

type AdapterFactory = () => Promise<Parameters<Server['adapter']>[0]>;

async function nodeRedisPair() {
  const pub = createClient({ url: target.url });
  const sub = pub.duplicate();
  pub.on('error', () => {});
  sub.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  cleanups.push(() => Promise.all([pub.close(), sub.close()]));
  return { pub, sub };
}

function ioredisPair() {
  const pub = new Redis(target.port, target.host);
  const sub = pub.duplicate();
  cleanups.push(() => Promise.all([pub.quit(), sub.quit()]));
  return { pub, sub };
}

const variants: Array<[string, AdapterFactory, 'classic' | 'sharded']> = [
  [
    'classic, node-redis',
    async () => {
      const { pub, sub } = await nodeRedisPair();
      return createAdapter(pub, sub, { key: 'app' });
    },
    'classic',
  ],
  [
    'classic, ioredis',
    async () => {
      const { pub, sub } = ioredisPair();
      return createAdapter(pub, sub, { key: 'app' });
    },
    'classic',
  ],
  [
    'sharded, node-redis',
    async () => {
      const { pub, sub } = await nodeRedisPair();
      return createShardedAdapter(pub, sub, { channelPrefix: 'app' });
    },
    'sharded',
  ],
  [
    'classic, node-redis, publishOnSpecificResponseChannel',
    async () => {
      const { pub, sub } = await nodeRedisPair();
      return createAdapter(pub, sub, { key: 'app', publishOnSpecificResponseChannel: true, requestsTimeout: 3_000 });
    },
    'classic',
  ],
  [
    'sharded, node-redis, dynamic-private',
    async () => {
      const { pub, sub } = await nodeRedisPair();
      return createShardedAdapter(pub, sub, { channelPrefix: 'app', subscriptionMode: 'dynamic-private' });
    },
    'sharded',
  ],
  [
    'sharded, ioredis',
    async () => {
      const { pub, sub } = ioredisPair();
      return createShardedAdapter(pub, sub, { channelPrefix: 'app' });
    },
    'sharded',
  ],
];

interface Node {
  io: Server;
  url: string;
  /** server-side sockets by their client's `auth.name` */
  sockets: Map<string, ServerSocket>;
}

async function startNode(adapter: AdapterFactory): Promise<Node> {
  const http: HttpServer = createServer();
  const io = new Server(http, { adapter: await adapter() });
  const sockets = new Map<string, ServerSocket>();
  io.on('connection', (socket) => {
    sockets.set(String(socket.handshake.auth.name), socket);
    socket.on('join', (room: string, ack: () => void) => {
      void Promise.resolve(socket.join(room)).then(ack);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
      }),
  );
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, sockets };
}

async function connect(node: Node, name: string): Promise<ClientSocket> {
  const socket = connectClient(node.url, { auth: { name }, transports: ['websocket'], forceNew: true });
  cleanups.push(() => socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await waitFor(() => expect(node.sockets.has(name)).toBe(true));
  return socket;
}

function nextEvent<T = unknown>(socket: ClientSocket, event: string): Promise<T[]> {
  return new Promise((resolve) => socket.once(event, (...args: T[]) => resolve(args)));
}

/** Every server subscribed: the adapter's own count of servers says 2. */
async function bothSubscribed(a: Node, b: Node): Promise<void> {
  await waitFor(async () => {
    expect(await a.io.of('/').adapter.serverCount()).toBe(2);
    expect(await b.io.of('/').adapter.serverCount()).toBe(2);
  });
}

/** Raw PUBSUB introspection through a fresh connection. */
async function pubsub(...args: string[]): Promise<unknown> {
  const c = new Redis(target.port, target.host);
  try {
    return await c.call('PUBSUB', ...args);
  } finally {
    c.disconnect();
  }
}

describe.each(variants)('%s', (_name, adapter, kind) => {
  it('a broadcast from one server reaches the clients of both', async () => {
    const a = await startNode(adapter);
    const b = await startNode(adapter);
    await bothSubscribed(a, b);
    const alice = await connect(a, 'alice');
    const bob = await connect(b, 'bob');
    const got = Promise.all([nextEvent(alice, 'news'), nextEvent(bob, 'news')]);
    a.io.emit('news', 'hello', { n: 1 });
    expect(await got).toEqual([
      ['hello', { n: 1 }],
      ['hello', { n: 1 }],
    ]);
    // binary payloads go through msgpack
    const bin = Promise.all([nextEvent<Buffer>(alice, 'bin'), nextEvent<Buffer>(bob, 'bin')]);
    b.io.emit('bin', Buffer.from([0, 1, 255]));
    for (const [buf] of await bin) expect([...new Uint8Array(buf)]).toEqual([0, 1, 255]);
  });

  it('rooms: only the members, whichever server they are on', async () => {
    const a = await startNode(adapter);
    const b = await startNode(adapter);
    await bothSubscribed(a, b);
    const alice = await connect(a, 'alice');
    const bob = await connect(b, 'bob');
    const carol = await connect(b, 'carol');
    await alice.emitWithAck('join', 'room:1');
    await bob.emitWithAck('join', 'room:1');
    if (kind === 'sharded') {
      // dynamic mode: each server subscribes to the room's own channel when the room appears there
      await waitFor(async () => expect(await pubsub('SHARDNUMSUB', 'app#/#room:1#')).toEqual(['app#/#room:1#', 2]));
    }
    const seen: string[] = [];
    carol.on('room-msg', () => seen.push('carol'));
    const got = Promise.all([nextEvent(alice, 'room-msg'), nextEvent(bob, 'room-msg')]);
    a.io.to('room:1').emit('room-msg', 'for room 1');
    expect(await got).toEqual([['for room 1'], ['for room 1']]);
    // everyone but room 1
    const others = nextEvent(carol, 'not-room');
    b.io.except('room:1').emit('not-room', 'x');
    expect(await others).toEqual(['x']);
    expect(seen).toEqual([]);
  });

  it('fetchSockets, remote join and disconnect, serverSideEmit', async () => {
    const a = await startNode(adapter);
    const b = await startNode(adapter);
    await bothSubscribed(a, b);
    await connect(a, 'alice');
    const bob = await connect(b, 'bob');
    const all = await a.io.fetchSockets();
    expect(all.map((s) => s.handshake.auth.name).sort()).toEqual(['alice', 'bob']);
    // make a socket of the other server join a room, then find it there
    a.io.in(b.sockets.get('bob')!.id).socketsJoin('vip');
    await waitFor(async () => {
      const vips = await a.io.in('vip').fetchSockets();
      expect(vips.map((s) => s.handshake.auth.name)).toEqual(['bob']);
    });
    // server-to-server messages with acknowledgements
    b.io.on('ping-servers', (n: number, ack: (reply: string) => void) => ack(`b got ${n}`));
    const replies = await a.io.serverSideEmitWithAck('ping-servers', 7);
    expect(replies).toEqual(['b got 7']);
    // disconnect a remote socket
    const gone = nextEvent(bob, 'disconnect');
    a.io.in(b.sockets.get('bob')!.id).disconnectSockets();
    expect((await gone)[0]).toBe('io server disconnect');
  });

  it.runIf(isRedKit)('the adapter speaks (sharded) pub/sub: what the recorder saw', async () => {
    const redkit = redkitOf(target);
    const a = await startNode(adapter);
    const b = await startNode(adapter);
    await bothSubscribed(a, b);
    const alice = await connect(b, 'alice');
    const got = nextEvent(alice, 'news');
    a.io.emit('news', 1);
    await got;
    if (kind === 'classic') {
      expect(redkit.recorder.filter('PSUBSCRIBE').map((c) => c.args)).toEqual([['app#/#*'], ['app#/#*']]);
      // the broadcast: a msgpack-encoded packet on the namespace's channel
      const pub = redkit.recorder.find({ name: 'PUBLISH', where: (c) => c.args[0] === 'app#/#' })!;
      expect(pub.buffers[1].includes('news')).toBe(true);
      expect(redkit.recorder.count('PUBSUB NUMSUB')).toBeGreaterThan(0);
    } else {
      expect(redkit.recorder.filter('SSUBSCRIBE').flatMap((c) => c.args)).toContain('app#/#');
      const pub = redkit.recorder.find({ name: 'SPUBLISH', where: (c) => c.args[0] === 'app#/#' })!;
      expect(JSON.parse(pub.args[1])).toMatchObject({ type: 3, data: { packet: { data: ['news', 1] } } });
      expect(redkit.recorder.count('PUBSUB SHARDNUMSUB')).toBeGreaterThan(0);
    }
  });
});
