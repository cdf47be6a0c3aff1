/**
 * TLS and mutual TLS, with the certificates in fixtures/tls (see its README
 * to regenerate them), through every client.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { VARIANTS, call, callBuffer, close, connect } from '../support/clients.js';

const dir = path.resolve(__dirname, '../../fixtures/tls');
const read = (f: string) => fs.readFileSync(path.join(dir, f));
const CA = read('ca.crt');
const SERVER = { cert: read('server.crt'), key: read('server.key') };
const CLIENT = { cert: read('client.crt'), key: read('client.key') };
const UNTRUSTED = { cert: read('untrusted-client.crt'), key: read('untrusted-client.key') };

/**
 * Open a TLS connection, send PING, and report what happened: the reply, or
 * how the connection failed. A refused client certificate surfaces on the
 * client either as a handshake error or (TLS 1.3) as a close after it.
 */
function tlsPing(port: number, opts: tls.ConnectionOptions): Promise<{ reply: string; error?: string; closed: boolean }> {
  return new Promise((resolve) => {
    let reply = '';
    let error: string | undefined;
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts }, () => s.write('PING\r\n'));
    s.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) {
        s.destroy();
        resolve({ reply, error, closed: false });
      }
    });
    s.on('error', (e) => {
      error = e.message;
    });
    s.on('close', () => resolve({ reply, error, closed: true }));
  });
}

describe('server TLS', () => {
  let server: RedKitServer;
  beforeAll(async () => {
    server = createServer({ tls: { ...SERVER }, logger: 'off' });
    await server.listen(0);
  });
  afterAll(async () => {
    await server.close();
    server.dispose();
  });

  it('reports a rediss:// url', () => {
    expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`);
  });

  it('answers a TLS client that trusts the CA', async () => {
    expect(await tlsPing(server.port, { ca: CA })).toEqual({ reply: '+PONG\r\n', error: undefined, closed: false });
  });

  it('is refused by a client that does not trust the CA', async () => {
    const r = await tlsPing(server.port, {});
    expect(r.reply).toBe('');
    expect(r.error).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('does not speak plain RESP on the TLS port', async () => {
    const out = await new Promise<string>((resolve) => {
      let got = '';
      const s = net.connect(server.port, '127.0.0.1', () => s.write('PING\r\n'));
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 2000);
    });
    expect(out).not.toContain('+PONG');
  });

  describe.each(VARIANTS)('$label over TLS', (v) => {
    it('connects, runs commands and round-trips a large value', async () => {
      const c = await connect(v, { port: server.port, tls: { ca: CA, servername: 'localhost' }, db: 1, name: 'tls-client' });
      try {
        expect(await call(c, ['PING'])).toBe('PONG');
        expect(await call(c, ['CLIENT', 'GETNAME'])).toBe('tls-client');
        const big = Buffer.alloc(512 * 1024 + 3, 0xab);
        await call(c, ['SET', `tls:${v.label}`, big]);
        expect(((await callBuffer(c, ['GET', `tls:${v.label}`])) as Buffer).equals(big)).toBe(true);
      } finally {
        await close(c);
      }
    });
  });
});

describe('mutual TLS (requestCert)', () => {
  let server: RedKitServer;
  beforeAll(async () => {
    server = createServer({ tls: { ...SERVER, ca: CA, requestCert: true, rejectUnauthorized: true }, logger: 'off' });
    await server.listen(0);
  });
  afterAll(async () => {
    await server.close();
    server.dispose();
  });

  it('answers a client presenting a certificate issued by the CA', async () => {
    expect(await tlsPing(server.port, { ca: CA, ...CLIENT })).toEqual({ reply: '+PONG\r\n', error: undefined, closed: false });
  });

  it('refuses a client without a certificate', async () => {
    const r = await tlsPing(server.port, { ca: CA });
    expect(r.reply).toBe('');
    expect(r.closed).toBe(true);
  });

  it('refuses a client certificate the CA did not issue', async () => {
    const r = await tlsPing(server.port, { ca: CA, ...UNTRUSTED });
    expect(r.reply).toBe('');
    expect(r.closed).toBe(true);
  });

  it('keeps serving trusted clients after refusing others', async () => {
    await tlsPing(server.port, { ca: CA });
    expect((await tlsPing(server.port, { ca: CA, ...CLIENT })).reply).toBe('+PONG\r\n');
    expect(server.activeConnections).toBeLessThanOrEqual(1);
  });

  describe.each(VARIANTS)('$label with a client certificate', (v) => {
    it('connects and runs commands', async () => {
      const c = await connect(v, { port: server.port, tls: { ca: CA, servername: 'localhost', ...CLIENT } });
      try {
        expect(await call(c, ['ECHO', 'mtls'])).toBe('mtls');
      } finally {
        await close(c);
      }
    });
  });
});
