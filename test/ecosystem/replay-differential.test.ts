/**
 * Every command the libraries sent in the ecosystem tests, replayed against
 * redis-server and RedKit, replies compared byte for byte: a differential
 * test of exactly what BullMQ, redlock, socket.io... send.
 *
 *   REDKIT_ECOSYSTEM_RECORD=/tmp/eco.jsonl npx vitest run test/ecosystem
 *   REDKIT_ECOSYSTEM_REPLAY=/tmp/eco.jsonl npx vitest run test/ecosystem/replay-differential.test.ts
 *
 * (skipped without REDKIT_ECOSYSTEM_REPLAY). Each recorded test is replayed
 * on emptied servers, one connection per recorded client, in arrival order,
 * once in RESP2 and once in RESP3 (every connection says HELLO 3 first).
 *
 * Left out, because a sequential replay cannot reproduce them: blocking
 * commands (BLPOP..., XREAD BLOCK, WAIT), a client's commands once it
 * subscribed or ran MONITOR, SCAN-family cursors and KEYS/SPOP/SRANDMEMBER
 * (order and choice are per-server), and replies that carry the server's
 * identity or time (INFO, HELLO, CLIENT ID/INFO/LIST, TIME).
 *
 * Tolerated: integers of 100 or more that differ by less than 3 s (TTLs,
 * timestamps: the servers run the replay a few ms apart), and, for commands
 * whose order Redis leaves to its hash tables (HGETALL on a hashtable-encoded
 * hash, SMEMBERS, scripts returning those), the same reply lines in another
 * order.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, type Pair } from '../support/differential.js';
import type { RawClient } from '../support/raw-client.js';

const FILE = process.env.REDKIT_ECOSYSTEM_REPLAY;

interface Recorded {
  c: number;
  n: string;
  a: string[];
  children?: Recorded[];
}

const SKIPPED = new Set([
  'BLPOP', 'BRPOP', 'BLMOVE', 'BRPOPLPUSH', 'BLMPOP', 'BZPOPMIN', 'BZPOPMAX', 'BZMPOP', 'WAIT',
  'SCAN', 'HSCAN', 'SSCAN', 'ZSCAN', 'KEYS', 'SPOP', 'SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER', 'RANDOMKEY',
  'INFO', 'HELLO', 'TIME', 'CLIENT ID', 'CLIENT INFO', 'CLIENT LIST', 'CLIENT KILL', 'CLIENT SETNAME',
  'CLIENT SETINFO', 'CLIENT TRACKING', 'CLIENT NO-EVICT', 'QUIT', 'SHUTDOWN', 'DEBUG', 'MEMORY USAGE',
  'MEMORY STATS', 'OBJECT IDLETIME', 'OBJECT FREQ', 'SLOWLOG GET', 'LATENCY LATEST', 'COMMAND', 'COMMAND DOCS',
]);
/** After one of these a connection's replies are pushes: its later commands are not replayed. */
const MODE_CHANGE = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MONITOR']);
const UNORDERED = new Set(['HGETALL', 'HKEYS', 'HVALS', 'SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO', 'CONFIG GET', 'PUBSUB CHANNELS', 'PUBSUB SHARDCHANNELS']);

function sameEnough(name: string, r: string, k: string): 'same' | 'order' | 'differs' {
  if (r === k) return 'same';
  const tr = r.split('\r\n');
  const tk = k.split('\r\n');
  const close = (a: string, b: string) => {
    if (a === b) return true;
    if (!/^:\d{3,}$/.test(a) || !/^:\d{3,}$/.test(b)) return false;
    return Math.abs(Number(a.slice(1)) - Number(b.slice(1))) < 3000;
  };
  if (tr.length === tk.length && tr.every((t, i) => close(t, tk[i]))) return 'same';
  if (UNORDERED.has(name) && [...tr].sort().join('\n') === [...tk].sort().join('\n')) return 'order';
  return 'differs';
}

function flatten(entries: Recorded[]): Recorded[] {
  const out: Recorded[] = [];
  for (const e of entries) {
    // the commands EXEC ran were queued between MULTI and EXEC
    if (e.n === 'EXEC' && e.children) out.push(...e.children);
    out.push(e);
  }
  return out;
}

describe.runIf(FILE)('replay of the recorded ecosystem traffic', () => {
  let pair: Pair;
  const tests: Recorded[][] = FILE && fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it.each([2, 3] as const)('RESP%s: redis-server and RedKit answer the same', async (protocol) => {
    expect(tests.length).toBeGreaterThan(0);
    let compared = 0;
    const diffs: string[] = [];
    for (const entries of tests) {
      await pair.flush();
      for (const c of [await pair.clients(2)]) {
        await Promise.all([c.r.call('SCRIPT', 'FLUSH'), c.k.call('SCRIPT', 'FLUSH'), c.r.call('FUNCTION', 'FLUSH'), c.k.call('FUNCTION', 'FLUSH')]);
      }
      const conns = new Map<number, { r: RawClient; k: RawClient } | null>();
      for (const e of flatten(entries)) {
        if (!conns.has(e.c)) conns.set(e.c, await pair.clients(protocol));
        const conn = conns.get(e.c);
        if (!conn) continue;
        if (MODE_CHANGE.has(e.n)) {
          conns.set(e.c, null);
          continue;
        }
        if (SKIPPED.has(e.n)) continue;
        if ((e.n === 'XREAD' || e.n === 'XREADGROUP') && e.a.some((x) => x.toUpperCase() === 'BLOCK')) continue;
        const args = [...e.n.split(' '), ...e.a];
        const [r, k] = await Promise.all([conn.r.call(...args), conn.k.call(...args)]);
        compared++;
        if (sameEnough(e.n, r, k) === 'differs') {
          diffs.push(`${JSON.stringify(args).slice(0, 200)}\n  redis:  ${JSON.stringify(r).slice(0, 300)}\n  redkit: ${JSON.stringify(k).slice(0, 300)}`);
        }
      }
      for (const c of conns.values()) {
        c?.r.close();
        c?.k.close();
      }
    }
    console.log(`RESP${protocol}: ${compared} replies compared over ${tests.length} recorded tests, ${diffs.length} differ`);
    expect(compared).toBeGreaterThan(0);
    expect(diffs.slice(0, 20).join('\n')).toBe('');
  }, 300_000);
});
