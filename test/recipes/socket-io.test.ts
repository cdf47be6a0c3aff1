import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { afterEach, expect, it } from 'vitest';
import { useRedKit } from 'redkit/vitest';

const redkit = useRedKit();
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

// One instance of the app: a socket.io server sharing rooms through Redis
async function startInstance() {
  const pub = createClient({ url: redkit.url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub) });
  io.on('connection', (socket) => socket.join(`user:${socket.handshake.auth.user}`));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => Promise.all([pub.close(), sub.close()]), () => io.close());
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function connectClient(url: string, user: string): Promise<Socket> {
  const socket = connect(url, { auth: { user }, transports: ['websocket'] });
  cleanup.push(() => socket.disconnect());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return socket;
}

it('notifies a user connected to another instance', async () => {
  const a = await startInstance();
  const b = await startInstance();
  const ada = await connectClient(b.url, 'ada');
  await expect.poll(() => a.io.in('user:ada').fetchSockets(), { timeout: 5000 }).toHaveLength(1); // joined, seen from a

  const received = new Promise((resolve) => ada.once('notification', resolve));
  a.io.to('user:ada').emit('notification', { text: 'hello from a' });
  expect(await received).toEqual({ text: 'hello from a' });
  expect(redkit).toHaveReceivedCommand('PUBLISH', 'socket.io#/#user:ada#', expect.anything());
});
