/** Closing what a test file opened (vitest hooks: kept out of raw-client.ts, which scripts/load.mjs bundles for plain node). */
import type net from 'node:net';
import { afterEach } from 'vitest';
import type { RedKitServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

/**
 * The servers and sockets a test file opens (push them in): after each of its tests the sockets
 * are closed, then the servers closed and disposed.
 */
export function closedAfterEach(): { servers: RedKitServer[]; sockets: Array<RawClient | net.Socket> } {
  const servers: RedKitServer[] = [];
  const sockets: Array<RawClient | net.Socket> = [];
  afterEach(async () => {
    for (const c of sockets.splice(0)) {
      if (c instanceof RawClient) c.close();
      else c.destroy();
    }
    for (const s of servers.splice(0)) {
      await s.close();
      s.dispose();
    }
  });
  return { servers, sockets };
}
