/**
 * Direct-I/O connections hold their replies until the I/O callbacks of the
 * current turn of the event loop have run, then write them all (as Redis
 * writes in beforeSleep). What that could get wrong: a push or any other
 * write to a connection whose replies are held must go after them; QUIT must
 * still send everything before closing; many clients' replies must each stay
 * whole and in order when they share the held buffer.
 *
 * The test and the server share one process: writes made by several clients
 * in the same tick reach the server in the same poll of the event loop, so
 * the connection that is read first has its replies held while the others run.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { closedAfterEach } from '../support/cleanup.js';
import { encodeCommand, RawClient, replyLength } from '../support/raw-client.js';

const { servers, sockets } = closedAfterEach();

async function start(): Promise<RedKitServer> {
  const s = createServer({ logger: 'off' });
  await s.listen(0);
  servers.push(s);
  return s;
}

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  sockets.push(c);
  return c;
}

/** Reads every reply of `n` a socket receives, as latin1 strings in arrival order. */
async function replies(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read());
  return out;
}

describe('replies held until the end of the turn (direct I/O)', () => {
  it('a publish to a subscriber whose own reply is held in the same turn arrives after that reply', async () => {
    const s = await start();
    const a = await raw(s.port);
    const b = await raw(s.port);
    expect(await a.call('SUBSCRIBE', 'ch')).toBe('*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
    const pong = (p: string) => `*2\r\n$4\r\npong\r\n$${p.length}\r\n${p}\r\n`;
    for (let i = 0; i < 50; i++) {
      // Same tick: the server reads both in one poll, in either order. Two commands in one
      // read: a pipelined read's replies are the ones held.
      a.write(Buffer.concat([encodeCommand(['PING', `p${i}`]), encodeCommand(['PING', `q${i}`])]));
      b.write(Buffer.concat([encodeCommand(['PUBLISH', 'ch', `m${i}`]), encodeCommand(['PING'])]));
      const got = await replies(a, 3);
      expect(await b.read()).toBe(':1\r\n');
      expect(await b.read()).toBe('+PONG\r\n');
      // The message comes before or after both replies (whichever socket is read first), never between.
      const msg = `*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$${`m${i}`.length}\r\nm${i}\r\n`;
      expect([[pong(`p${i}`), pong(`q${i}`), msg].join(''), [msg, pong(`p${i}`), pong(`q${i}`)].join('')]).toContain(got.join(''));
    }
    for (const c of s.connections.values()) expect(c.directIo).toBe(true);
  });

  it('a push to a connection goes after its replies held in the same turn (RESP3 tracking invalidation)', async () => {
    const s = await start();
    const a = await raw(s.port);
    const b = await raw(s.port);
    await a.call('HELLO', '3');
    expect(await a.call('CLIENT', 'TRACKING', 'on')).toBe('+OK\r\n');
    await b.call('SET', 'k', 'v0');
    for (let i = 0; i < 30; i++) {
      // a reads k (its reply is held), then b's SET invalidates it: the push must follow the reply.
      a.write(Buffer.concat([encodeCommand(['GET', 'k']), encodeCommand(['PING'])]));
      b.write(Buffer.concat([encodeCommand(['SET', 'k', `v${i + 1}`]), encodeCommand(['PING'])]));
      expect(await b.read()).toBe('+OK\r\n');
      expect(await b.read()).toBe('+PONG\r\n');
      const first = await a.read();
      expect(await a.read()).toBe('+PONG\r\n');
      expect(first.startsWith('$')).toBe(true);
      // b's SET ran after a's GET (a tracked k): the invalidation follows the reply.
      if (first === `$${`v${i}`.length}\r\nv${i}\r\n`) expect(await a.read()).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n');
      else expect(first).toBe(`$${`v${i + 1}`.length}\r\nv${i + 1}\r\n`);
    }
  });

  it('QUIT after pipelined commands sends every reply, then closes', async () => {
    const s = await start();
    const a = await raw(s.port);
    const b = await raw(s.port);
    a.write(Buffer.concat([encodeCommand(['SET', 'k', 'v']), encodeCommand(['GET', 'k']), encodeCommand(['QUIT'])]));
    b.send('INCR', 'n');
    expect(await b.read()).toBe(':1\r\n');
    expect(await a.readUntilClose()).toBe('+OK\r\n$1\r\nv\r\n+OK\r\n');
  });

  it('many pipelining clients in the same turns: every client gets all its replies, whole and in order', async () => {
    const s = await start();
    const clients: net.Socket[] = [];
    const got: Buffer[][] = [];
    for (let i = 0; i < 40; i++) {
      const sock = net.connect(s.port, '127.0.0.1');
      sockets.push(sock);
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      const chunks: Buffer[] = [];
      got.push(chunks);
      sock.on('data', (d: Buffer) => chunks.push(d));
      clients.push(sock);
    }
    const rounds = 20;
    // Sizes vary per client and round, some larger than what is held (written at once).
    const value = (c: number, r: number) => String.fromCharCode(97 + ((c + r) % 26)).repeat(((c * 37 + r * 101) % 300) + (c % 7 === 0 && r % 5 === 0 ? 20000 : 1));
    for (let r = 0; r < rounds; r++) {
      for (let c = 0; c < clients.length; c++) {
        clients[c].write(Buffer.concat([encodeCommand(['SET', `k${c}`, value(c, r)]), encodeCommand(['GET', `k${c}`]), encodeCommand(['INCR', `n${c}`])]));
      }
      await new Promise((res) => setImmediate(res));
    }
    const want = (c: number) => {
      let w = '';
      for (let r = 0; r < rounds; r++) w += `+OK\r\n$${value(c, r).length}\r\n${value(c, r)}\r\n:${r + 1}\r\n`;
      return w;
    };
    const deadline = Date.now() + 10000;
    for (let c = 0; c < clients.length; c++) {
      const w = want(c);
      while (Buffer.concat(got[c]).length < w.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      const buf = Buffer.concat(got[c]);
      let pos = 0;
      let n = 0;
      while (pos < buf.length) {
        const len = replyLength(buf, pos);
        expect(len).toBeGreaterThan(0);
        pos += len;
        n++;
      }
      expect(n).toBe(rounds * 3);
      expect(buf.latin1Slice(0, buf.length)).toBe(w);
    }
  });
});
