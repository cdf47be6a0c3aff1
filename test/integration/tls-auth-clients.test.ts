/**
 * tls-auth-clients (yes | optional | no) with a CA for client certificates:
 * `yes` (Redis's default) requires a certificate the CA issued, `optional`
 * verifies one only when presented, `no` does not ask. ioredis and node-redis
 * connect with a client certificate; a raw TLS client without one, or with
 * an untrusted one, is refused under `yes`.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { VARIANTS, call, close, connect } from '../support/clients.js';

const dir = path.resolve(__dirname, '../../fixtures/tls');
const read = (f: string) => fs.readFileSync(path.join(dir, f));
const CA = read('ca.crt');
const SERVER = { cert: read('server.crt'), key: read('server.key') };
const CLIENT = { cert: read('client.crt'), key: read('client.key') };
const UNTRUSTED = { cert: read('untrusted-client.crt'), key: read('untrusted-client.key') };

function tlsPing(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    let reply = '';
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: CA, ...opts }, () => s.write('PING\r\n'));
    s.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) {
        s.destroy();
        resolve(reply);
      }
    });
    s.on('error', () => {});
    s.on('close', () => resolve(reply === '' ? 'refused' : reply));
  });
}

let server: RedKitServer | undefined;
afterEach(async () => {
  await server?.close();
  server?.dispose();
  server = undefined;
});

async function start(mode?: string): Promise<RedKitServer> {
  server = createServer({ tls: { ...SERVER, ca: CA }, logger: 'off', config: mode === undefined ? {} : { 'tls-auth-clients': mode } });
  await server.listen(0);
  return server;
}

describe('tls-auth-clients', () => {
  it('yes (the default): a certificate the CA issued is required', async () => {
    const s = await start();
    expect(await tlsPing(s.port, { ...CLIENT })).toBe('+PONG\r\n');
    expect(await tlsPing(s.port, {})).toBe('refused');
    expect(await tlsPing(s.port, { ...UNTRUSTED })).toBe('refused');
    expect(await tlsPing(s.port, { ...CLIENT })).toBe('+PONG\r\n');
  });

  it('optional: no certificate is fine, an untrusted one is not', async () => {
    const s = await start('optional');
    expect(await tlsPing(s.port, {})).toBe('+PONG\r\n');
    expect(await tlsPing(s.port, { ...CLIENT })).toBe('+PONG\r\n');
    expect(await tlsPing(s.port, { ...UNTRUSTED })).toBe('refused');
  });

  it('no: certificates are not asked for', async () => {
    const s = await start('no');
    expect(await tlsPing(s.port, {})).toBe('+PONG\r\n');
    expect(await tlsPing(s.port, { ...UNTRUSTED })).toBe('+PONG\r\n');
  });

  describe.each(VARIANTS)('$label with a client certificate under tls-auth-clients yes', (v) => {
    it('connects and runs commands', async () => {
      const s = await start('yes');
      const c = await connect(v, { port: s.port, tls: { ca: CA, servername: 'localhost', ...CLIENT } });
      try {
        expect(await call(c, ['ECHO', 'mtls'])).toBe('mtls');
      } finally {
        await close(c);
      }
    });
  });
});
