/**
 * Many clients connecting at once (issue #14), in both socket modes: each
 * gets its PONG, the listener's accept queue is the configured tcp-backlog,
 * and the addresses CLIENT LIST shows (the peer's at accept, ours asked of
 * the kernel only when first needed) are each socket's own.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';

const servers: RedKitServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    await s.close();
    s.dispose();
  }
});

for (const directIo of [true, false]) {
  describe(`connection storm (${directIo ? 'direct I/O' : 'socket streams'})`, () => {
    it('200 clients connect at once: every one answers, CLIENT LIST shows each addr and laddr, CLIENT KILL LADDR finds them', async () => {
      const server = createServer({ directIo, logger: 'off', config: { 'tcp-backlog': '1024' } });
      servers.push(server);
      const { port } = await server.listen(0, '127.0.0.1');
      const conns = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(port)));
      clients.push(...conns);
      for (const c of conns) c.write('PING\r\n');
      for (const c of conns) expect(await c.read()).toBe('+PONG\r\n');

      const list = (await conns[0].call('CLIENT', 'LIST')).split('\n').filter((l) => l.startsWith('id='));
      expect(list.length).toBe(200);
      const fields = (l: string) => Object.fromEntries(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const addrs = new Set(conns.map((c) => `127.0.0.1:${c.socket.localPort}`));
      for (const l of list) {
        const f = fields(l);
        expect(f.laddr).toBe(`127.0.0.1:${port}`);
        expect(addrs.has(f.addr)).toBe(true);
        addrs.delete(f.addr);
      }
      expect(addrs.size).toBe(0);

      // Every client shares the server's address: CLIENT KILL LADDR closes all but the caller.
      expect(await conns[0].call('CLIENT', 'KILL', 'LADDR', `127.0.0.1:${port}`, 'SKIPME', 'yes')).toBe(':199\r\n');
      expect(await conns[0].call('CLIENT', 'INFO')).toContain(`laddr=127.0.0.1:${port} `);
    });
  });
}

describe('tcp-backlog', () => {
  it('is the listening socket\'s accept queue (ss shows it as Send-Q)', async () => {
    const server = createServer({ logger: 'off', config: { 'tcp-backlog': '1234' } });
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    let out: string;
    try {
      out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
    } catch {
      return; // no ss(8) here: nothing to read the queue length with
    }
    const cols = out.trim().split(/\s+/);
    expect(cols[2]).toBe('1234');
  });
});
