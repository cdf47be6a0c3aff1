/**
 * Test controls over replication (used by RedKit, src/testing/redkit.ts):
 * wait until replicas caught up, pause a replica's stream to observe a
 * stale read on purpose, resume it.
 */
import net from 'node:net';
import { realSetTimeout } from '../clock/timers.js';
import type { RedKitServer } from '../server/server.js';
import { replicationOf } from './index.js';
import { encodeCommand, LinkReader } from './stream.js';

/** master_repl_offset of a server, asked over the network (the master may be a real redis-server). */
export function queryMasterOffset(host: string, port: number, auth: string[] | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const r = new LinkReader();
    let skip = auth !== null ? 1 : 0;
    let len = -1;
    const done = (e: Error | null, v = 0) => {
      s.destroy();
      if (e) reject(e);
      else resolve(v);
    };
    s.on('error', (e) => done(e));
    s.on('connect', () => {
      if (auth !== null) s.write(encodeCommand(['AUTH', ...auth]));
      s.write(encodeCommand(['INFO', 'replication']));
    });
    s.on('data', (c: Buffer) => {
      r.push(c);
      while (skip > 0) {
        const l = r.line();
        if (l === null) return;
        skip--;
      }
      if (len < 0) {
        const l = r.line();
        if (l === null) return;
        if (!l.startsWith('$')) return done(new Error(`INFO replication failed: ${l}`));
        len = Number(l.slice(1));
      }
      const b = r.bytes(len);
      if (b === null) return;
      const m = /master_repl_offset:(\d+)/.exec(b.toString('latin1'));
      done(null, m ? Number(m[1]) : 0);
    });
  });
}

/**
 * Resolves when the server is in sync: a replica has applied everything its
 * master had written when synced() was called; a master has every replica's
 * acknowledgement of everything written so far.
 */
export async function synced(server: RedKitServer, timeoutMs = 10000): Promise<void> {
  const repl = replicationOf(server);
  const deadline = Date.now() + timeoutMs;
  const link = repl.link;
  if (link === null) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      repl.master.allAcked(),
      new Promise<void>((_, rej) => {
        timer = realSetTimeout(() => rej(new Error('RedKit: replicas did not acknowledge in time (is one paused?)')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return;
  }
  if (link.paused) throw new Error('RedKit: synced() on a replica whose replication is paused (resumeReplication() first)');
  const pass = server.config.get('masterauth') ?? '';
  const user = server.config.get('masteruser') ?? '';
  const auth = pass === '' ? null : user !== '' ? [user, pass] : [pass];
  let target = -1;
  for (;;) {
    if (repl.link !== link) throw new Error('RedKit: the replica changed masters while waiting for synced()');
    if (target < 0 && link.up) {
      try {
        target = await queryMasterOffset(link.host, link.port, auth);
      } catch {
        target = -1;
      }
    }
    if (target >= 0 && link.up && repl.master.offset >= target) return;
    if (Date.now() > deadline) throw new Error(`RedKit: replica not in sync after ${timeoutMs} ms (link ${link.state})`);
    await Promise.race([link.nextProgress(), new Promise((r) => realSetTimeout(r, 20))]);
  }
}

/** Stop applying the master's stream (it is buffered): reads on the replica see the old data. */
export function pauseReplication(server: RedKitServer): void {
  const link = replicationOf(server).link;
  if (link === null) throw new Error('RedKit: pauseReplication() on a server that is not a replica');
  link.pause();
}

/** Apply what was buffered and go on. */
export function resumeReplication(server: RedKitServer): void {
  replicationOf(server).link?.resume();
}
