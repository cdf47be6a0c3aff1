/**
 * Client-side caching of streams against redis-server 7.0, byte for byte in
 * RESP3: a client with CLIENT TRACKING ON reads a stream (XRANGE, XREVRANGE,
 * XLEN, XREAD, XREADGROUP, XINFO, XPENDING; also OBJECT / MEMORY USAGE,
 * read-only subcommands whose key follows the subcommand name) and another client (or itself)
 * runs a stream command; the invalidation pushes it receives (or not: XACK,
 * XCLAIM... change no key as Redis sees it) and their order relative to
 * replies must be the same. Also BCAST mode and RESP2 redirection.
 *
 * Each exchange sends its commands plus a `PING <marker>` in one write and
 * collects every frame up to the marker's reply (no waiting on time).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../support/raw-client.js';
import { RawClient, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

type C = string[];
let markers = 0;

async function talk(c: RawClient, cmds: C[]): Promise<string[]> {
  const marker = `~mark${++markers}~`;
  c.write(Buffer.concat([...cmds.map((cmd) => encodeCommand(cmd)), encodeCommand(['PING', marker])]));
  const out: string[] = [];
  for (;;) {
    const m = await c.read();
    if (m.includes(marker)) return out;
    out.push(m);
  }
}

interface Side {
  r: RawClient;
  k: RawClient;
}

/** XINFO replies carry times: keep only their first frame's type byte. */
const scrub = (cmds: C[], frames: string[]) => (cmds.some((c) => /^xinfo$/i.test(c[0]) || /^xpending$/i.test(c[0]) || /^memory$/i.test(c[0])) ? frames.map((f) => (f.startsWith('>') ? f : f[0])) : frames);

async function same(s: Side, cmds: C[]): Promise<void> {
  const [a, b] = await Promise.all([talk(s.r, cmds), talk(s.k, cmds)]);
  const what = cmds.map((c) => c.join(' ')).join(' | ');
  expect(scrub(cmds, b), what).toEqual(scrub(cmds, a));
}

const SETUP: C[] = [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '2-1', 'a', '2'],
  ['XADD', 's', '3-1', 'a', '3'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '2', 'STREAMS', 's', '>'],
];

const READS: C[] = [
  ['XLEN', 's'],
  ['XRANGE', 's', '-', '+'],
  ['XREVRANGE', 's', '+', '-', 'COUNT', '1'],
  ['XREAD', 'COUNT', '1', 'STREAMS', 's', '0'],
  ['XINFO', 'STREAM', 's'],
  ['XINFO', 'GROUPS', 's'],
  ['XINFO', 'CONSUMERS', 's', 'g'],
  ['XPENDING', 's', 'g'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '0'],
  // other read-only subcommands: their key counts after the subcommand name
  ['OBJECT', 'ENCODING', 's'],
  ['OBJECT', 'REFCOUNT', 's'],
  ['MEMORY', 'USAGE', 's'],
];

const WRITES: C[] = [
  ['XADD', 's', '9-1', 'a', '9'],
  ['XADD', 's', '1-1', 'a', '9'],
  ['XADD', 's', 'NOMKSTREAM', '9-1', 'a', '9'],
  ['XADD', 's', 'MAXLEN', '1', '9-1', 'a', '9'],
  ['XTRIM', 's', 'MAXLEN', '1'],
  ['XTRIM', 's', 'MAXLEN', '100'],
  ['XDEL', 's', '1-1'],
  ['XDEL', 's', '7-7'],
  ['XSETID', 's', '50-0'],
  ['XSETID', 's', '1-0'],
  ['XGROUP', 'CREATE', 's', 'g2', '0'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XGROUP', 'SETID', 's', 'g', '0'],
  ['XGROUP', 'DESTROY', 's', 'g'],
  ['XGROUP', 'DESTROY', 's', 'nog'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c9'],
  ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'],
  ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '0'],
  ['XACK', 's', 'g', '1-1'],
  ['XCLAIM', 's', 'g', 'c3', '0', '1-1'],
  ['XCLAIM', 's', 'g', 'c3', '0', '9-9', 'LASTID', '40-0'],
  ['XAUTOCLAIM', 's', 'g', 'c3', '0', '0'],
  ['DEL', 's'],
];

describe('stream reads tracked, stream writes invalidate (RESP3)', () => {
  it.each(READS.map((r) => [r.join(' '), r] as const))('after %s', async (_n, read) => {
    const t = await pair.clients(3);
    const w = await pair.clients(3);
    for (const write of WRITES) {
      await pair.flush();
      await same(w, SETUP);
      await same(t, [['CLIENT', 'TRACKING', 'ON'], read]);
      // Another client writes: the tracker's frames up to its next marker.
      await same(w, [write]);
      await same(t, []);
      // Read again, and write from the tracking client itself.
      await same(t, [read, write]);
      await same(t, [['XLEN', 's'], ['XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM'], ['XLEN', 'mk'], ['XADD', 'mk', '1-1', 'a', '1']]);
      await same(t, [['CLIENT', 'TRACKING', 'OFF']]);
    }
  });

  it.each([
    [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
    [['XREADGROUP', 'GROUP', 'g', 'c5', 'BLOCK', '0', 'STREAMS', 's', '>']],
  ])('a blocked read by a tracking client: %s', async (read) => {
    const t = await pair.clients(3);
    const w = await pair.clients(3);
    await same(w, [...SETUP, ['XREADGROUP', 'GROUP', 'g', 'c0', 'STREAMS', 's', '>']]);
    await Promise.all([t.r.call('CLIENT', 'TRACKING', 'ON'), t.k.call('CLIENT', 'TRACKING', 'ON')]);
    const blocked = [t.r, t.k].map((c) => c.call(...read));
    for (const c of [w.r, w.k]) {
      for (;;) {
        if (/blocked_clients:1/.test(await c.call('INFO', 'clients'))) break;
      }
    }
    await same(w, [['XADD', 's', '10-1', 'a', '10']]);
    const [br, bk] = await Promise.all(blocked);
    expect(bk).toBe(br);
    // Pushes that came with or after the served reply, then after more writes.
    await same(t, []);
    await same(w, [['XADD', 's', '11-1', 'a', '11']]);
    await same(t, []);
    await same(w, [['XDEL', 's', '1-1']]);
    await same(t, [['XLEN', 's']]);
  });

  it('BCAST with a prefix, and a RESP2 redirection', async () => {
    const t = await pair.clients(3);
    const w = await pair.clients(3);
    await same(t, [['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 's']]);
    for (const write of [...SETUP, ...WRITES]) {
      await same(w, [write]);
      await same(t, []);
    }
    const sub = await pair.clients(2);
    const tr = await pair.clients(2);
    const [idr, idk] = await Promise.all([sub.r.call('CLIENT', 'ID'), sub.k.call('CLIENT', 'ID')]);
    await Promise.all([sub.r.call('SUBSCRIBE', '__redis__:invalidate'), sub.k.call('SUBSCRIBE', '__redis__:invalidate')]);
    await Promise.all([
      tr.r.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', idr.slice(1, -2)),
      tr.k.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', idk.slice(1, -2)),
    ]);
    await same(w, SETUP);
    for (const write of WRITES) {
      await same(tr, [['XRANGE', 's', '-', '+'], write]);
      await same(sub, []);
    }
  });
});
