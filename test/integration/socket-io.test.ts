/**
 * The connection's socket I/O, in both modes: direct (reads into one buffer
 * shared by all connections, writes straight to the TCP handle; the default)
 * and Node's streams (`directIo: false`). What the direct mode could get
 * wrong: input left over from one read must survive other connections'
 * reads into the shared buffer, output the kernel does not take at once
 * must go out later, whole and in order, and QUIT / writeTimeout / a client
 * that vanishes must behave as on the stream path.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createServer, type RedKitServer, type ServerOptions } from '../../src/index.js';
import type { Reply } from '../../src/resp/reply.js';
import { closedAfterEach } from '../support/cleanup.js';
import { encodeCommand, RawClient, replyLength } from '../support/raw-client.js';

const { servers, sockets } = closedAfterEach();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  sockets.push(c);
  return c;
}

/** A socket that collects every byte it receives (cheaply, for replies of many MB). */
async function collector(port: number): Promise<{ socket: net.Socket; bytes: () => Buffer; received: () => number; closed: () => boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let n = 0;
  let closed = false;
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    n += d.length;
  });
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  return { socket, bytes: () => Buffer.concat(chunks), received: () => n, closed: () => closed };
}

/** Split a buffer of concatenated replies into their latin1 strings. */
function splitReplies(buf: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const n = replyLength(buf, pos);
    if (n < 0) throw new Error(`incomplete reply at ${pos} of ${buf.length}`);
    out.push(buf.latin1Slice(pos, pos + n));
    pos += n;
  }
  return out;
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;

for (const direct of [true, false]) {
  describe(direct ? 'direct socket I/O (default)' : 'stream socket I/O (directIo: false)', () => {
    async function start(opts: ServerOptions = {}): Promise<RedKitServer> {
      const s = createServer({ logger: 'off', ...(direct ? {} : { directIo: false }), ...opts });
      s.registerCommand('delay', {
        arity: 3,
        handler: (_ctx, args) => new Promise<Reply>((resolve) => setTimeout(() => resolve(args[1]), Number(args[0]))),
      });
      await s.listen(0);
      servers.push(s);
      return s;
    }

    /** Every open connection uses the mode under test (the direct mode did not quietly fall back). */
    function expectMode(s: RedKitServer): void {
      expect(s.connections.size).toBeGreaterThan(0);
      for (const c of s.connections.values()) expect(c.directIo).toBe(direct);
    }

    it('keeps an unfinished command across other clients reading in between, at every split point', async () => {
      const s = await start();
      const a = await raw(s.port);
      const b = await raw(s.port);
      const value = 'v'.repeat(40) + '\x00\xff\r\n' + 'w'.repeat(40);
      const cmd = encodeCommand(['SET', 'k', value]);
      // Something of the same length from b, so its read overwrites the bytes a left over.
      const noise = encodeCommand(['SET', 'n', 'x'.repeat(value.length)]);
      for (let cut = 1; cut < cmd.length; cut += 3) {
        a.write(cmd.subarray(0, cut));
        await sleep(2); // let the server read a's first part before b's command
        b.write(Buffer.concat([noise, noise]));
        expect(await b.read()).toBe('+OK\r\n');
        expect(await b.read()).toBe('+OK\r\n');
        a.write(cmd.subarray(cut));
        expect(await a.read()).toBe('+OK\r\n');
        a.send('GET', 'k');
        expect(await a.read()).toBe(bulk(value));
      }
      expectMode(s);
    });

    it('keeps pipelined commands waiting behind an async command while other clients read', async () => {
      const s = await start();
      const a = await raw(s.port);
      const b = await raw(s.port);
      a.write(Buffer.concat([encodeCommand(['DELAY', '30', 'first']), encodeCommand(['SET', 'k', 'after']), encodeCommand(['GET', 'k'])]));
      for (let i = 0; i < 20; i++) {
        b.send('SET', 'other', 'y'.repeat(200));
        expect(await b.read()).toBe('+OK\r\n');
      }
      expect(await a.read()).toBe(bulk('first'));
      expect(await a.read()).toBe('+OK\r\n');
      expect(await a.read()).toBe(bulk('after'));
      expectMode(s);
    });

    it('sends every byte, in order, to a client that stopped reading for a while, and goes on once it drains; others are served meanwhile', async () => {
      const s = await start();
      const big = (i: number) => String.fromCharCode(97 + (i % 26)).repeat(1024 * 1024 - 7) + String(i).padStart(7, '0');
      const setup = await raw(s.port);
      for (let i = 0; i < 4; i++) {
        setup.send('SET', `big${i}`, big(i));
        expect(await setup.read()).toBe('+OK\r\n');
      }
      const a = await collector(s.port);
      a.socket.pause();
      // 80 MB: more than the kernel's socket buffers hold, and past the 64 MB
      // of queued output at which the server stops running the client's commands.
      const n = 80;
      const cmds: Buffer[] = [];
      for (let i = 0; i < n; i++) cmds.push(encodeCommand(['GET', `big${i % 4}`]), encodeCommand(['PING', `p${i}`]));
      a.socket.write(Buffer.concat(cmds));
      const b = await raw(s.port);
      for (let i = 0; i < 10; i++) {
        b.send('INCR', 'counter');
        expect(await b.read()).toBe(`:${i + 1}\r\n`);
      }
      expectMode(s);
      a.socket.resume();
      await until(() => a.received() >= n * (1024 * 1024 + 20));
      await sleep(20);
      const replies = splitReplies(a.bytes());
      expect(replies.length).toBe(2 * n);
      for (let i = 0; i < n; i++) {
        expect(replies[2 * i] === bulk(big(i % 4)), `reply ${2 * i}`).toBe(true);
        expect(replies[2 * i + 1]).toBe(bulk(`p${i}`));
      }
    });

    it('QUIT closes only after the replies before it are all sent', async () => {
      const s = await start();
      const setup = await raw(s.port);
      setup.send('SET', 'big', 'z'.repeat(8 * 1024 * 1024));
      expect(await setup.read()).toBe('+OK\r\n');
      const a = await collector(s.port);
      a.socket.pause();
      a.socket.write(Buffer.concat([encodeCommand(['GET', 'big']), encodeCommand(['GET', 'big']), encodeCommand(['QUIT'])]));
      await sleep(50);
      a.socket.resume();
      await until(() => a.closed());
      const replies = splitReplies(a.bytes());
      expect(replies.length).toBe(3);
      expect(replies[0].length).toBe(8 * 1024 * 1024 + 12);
      expect(replies[1].length).toBe(8 * 1024 * 1024 + 12);
      expect(replies[2]).toBe('+OK\r\n');
    });

    it('writeTimeout closes a client whose output does not drain', async () => {
      const s = await start({ writeTimeout: 100 });
      const setup = await raw(s.port);
      setup.send('SET', 'big', 'z'.repeat(4 * 1024 * 1024));
      expect(await setup.read()).toBe('+OK\r\n');
      const a = await collector(s.port);
      a.socket.pause();
      const cmds: Buffer[] = [];
      for (let i = 0; i < 16; i++) cmds.push(encodeCommand(['GET', 'big']));
      a.socket.write(Buffer.concat(cmds));
      expectMode(s);
      // The setup client stays; the one that does not read goes.
      await until(() => s.connections.size === 1);
      setup.send('PING');
      expect(await setup.read()).toBe('+PONG\r\n');
    });

    it('a client that disconnects with output queued leaves the server and the data intact', async () => {
      const s = await start();
      const setup = await raw(s.port);
      setup.send('SET', 'big', 'q'.repeat(4 * 1024 * 1024));
      expect(await setup.read()).toBe('+OK\r\n');
      for (let round = 0; round < 3; round++) {
        const a = await collector(s.port);
        a.socket.pause();
        const cmds: Buffer[] = [];
        for (let i = 0; i < 16; i++) cmds.push(encodeCommand(['GET', 'big']));
        a.socket.write(Buffer.concat(cmds));
        await sleep(30);
        a.socket.destroy();
        await until(() => s.connections.size === 1);
      }
      setup.send('STRLEN', 'big');
      expect(await setup.read()).toBe(':4194304\r\n');
    });
  });
}

describe('direct socket I/O is not used where the stream path is needed', () => {
  it('a server with an idleTimeout uses the streams', async () => {
    const s = createServer({ logger: 'off', idleTimeout: 60000 });
    await s.listen(0);
    servers.push(s);
    const c = await raw(s.port);
    c.send('PING');
    expect(await c.read()).toBe('+PONG\r\n');
    for (const conn of s.connections.values()) expect(conn.directIo).toBe(false);
  });
});
