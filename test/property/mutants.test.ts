/**
 * Can the differential property fail? Each mutant wraps one RedKit command
 * handler (at run time, in this process only: no source file changes) with a
 * small plausible bug, runs the property, and expects it to report a
 * mismatch. Opt-in, as it takes a while:
 *   FC_MUTANTS=1 npx vitest run test/property/mutants.test.ts
 * (FC_MUTANTS=linsert,ttl-floor runs some; FC_RUNS sets the budget per mutant.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapReply, type Reply } from '../../src/resp/reply.js';
import type { Context } from '../../src/server/context.js';
import type { Command, Handler } from '../../src/server/registry.js';
import { startPair, type Pair } from '../support/differential.js';
import type { RunConfig } from './gen.js';
import { checkAgainstRedis, configDefaults } from './property.js';

type Wrap = (orig: (args: string[]) => Reply, args: string[], ctx: Context, call: (name: string, args: string[]) => Reply) => Reply;

interface Mutant {
  name: string;
  command: string;
  sub?: string;
  wrap: Wrap;
  /** Sequences per protocol, for bugs that need a rare combination (default FC_RUNS or 150). */
  runs?: number;
}

const num = (r: Reply) => r as number;

const MUTANTS: Mutant[] = [
  // Edge answers
  { name: 'linsert: missing pivot answers 0 instead of -1', command: 'linsert', wrap: (o, a) => (o(a) === -1 ? 0 : o(a)) },
  { name: 'smove: same source and destination answers 0', command: 'smove', wrap: (o, a) => (a[0] === a[1] ? 0 : o(a)) },
  { name: 'persist: answers 1 for a key without TTL', command: 'persist', wrap: (o, a) => (num(o(a)) === 0 && a[0] !== 'x' ? 1 : 0) },
  // Index and range arithmetic
  { name: 'lrange: stop -2 read as -3', command: 'lrange', wrap: (o, a) => o(a[2] === '-2' ? [a[0], a[1], '-3'] : a) },
  { name: 'zrangebyscore: exclusive min treated as inclusive', command: 'zrangebyscore', wrap: (o, a) => o(a[1].startsWith('(') && a[1] !== '(' ? [a[0], a[1].slice(1), ...a.slice(2)] : a), runs: 600 },
  { name: 'bitcount BIT: end one short', command: 'bitcount', wrap: (o, a) => o(a[3]?.toUpperCase() === 'BIT' && Number(a[2]) > 0 ? [a[0], a[1], String(Number(a[2]) - 1), a[3]] : a) },
  { name: 'lrem: negative count removes from the head', command: 'lrem', wrap: (o, a) => o(Number(a[1]) < 0 ? [a[0], String(-Number(a[1])), a[2]] : a) },
  // Options ignored
  { name: 'zadd: GT ignored', command: 'zadd', wrap: (o, a) => o(a.filter((x) => x !== 'GT')) },
  // Needs a member in two sources with different scores, AGGREGATE MIN, and a later read: rare.
  { name: 'zunionstore: AGGREGATE MIN as MAX', command: 'zunionstore', wrap: (o, a) => o(a.map((x) => (x === 'MIN' ? 'MAX' : x))), runs: 800 },
  { name: 'getex: PERSIST ignored', command: 'getex', wrap: (o, a) => o(a.filter((x) => x !== 'PERSIST')) },
  { name: 'restore: REPLACE ignored', command: 'restore', wrap: (o, a) => o(a.filter((x) => x !== 'REPLACE')) },
  { name: 'sort: DESC ignored', command: 'sort', wrap: (o, a) => o(a.filter((x) => x !== 'DESC')) },
  // State and TTL
  { name: 'rename: drops the TTL', command: 'rename', wrap: (o, a, ctx) => { const r = o(a); if (!(r instanceof Error)) ctx.db.persist(a[1]); return r; } },
  { name: 'hincrbyfloat: answers but does not store', command: 'hincrbyfloat', wrap: (o, a, _ctx, call) => { const before = call('hget', [a[0], a[1]]); const r = o(a); if (before !== null && typeof r === 'string') call('hset', [a[0], a[1], before as string]); return r; } },
  { name: 'ttl: truncates instead of rounding', command: 'ttl', wrap: (o, a, _ctx, call) => { const r = num(o(a)); if (r <= 0) return r; return Math.floor(num(call('pttl', a)) / 1000); } },
  // Order
  { name: 'hkeys: listpack order reversed', command: 'hkeys', wrap: (o, a) => { const r = o(a); return Array.isArray(r) ? [...r].reverse() : r; } },
  { name: 'hgetall: pairs reversed', command: 'hgetall', wrap: (o, a) => { const r = o(a); if (!(r instanceof MapReply)) return r; const p: Reply[] = []; for (let i = r.flat.length - 2; i >= 0; i -= 2) p.push(r.flat[i], r.flat[i + 1]); return new MapReply(p); } },
  // Random picks
  { name: 'hrandfield: negative count treated as positive', command: 'hrandfield', wrap: (o, a) => o(a.length > 1 && a[1].startsWith('-') ? [a[0], a[1].slice(1), ...a.slice(2)] : a) },
  // Encodings
  { name: 'object encoding: raw reported as embstr', command: 'object', sub: 'encoding', wrap: (o, a) => (o(a) === 'raw' ? 'embstr' : o(a)) },
  // Multi-key
  { name: 'pfcount: counts only the first key', command: 'pfcount', wrap: (o, a) => o(a.slice(0, 1)) },
  // Blocking across connections (block ops): a waiter that should block answers at once, or the other way round
  { name: 'xread BLOCK: $ read as 0', command: 'xread', wrap: (o, a) => o(a.includes('BLOCK') ? a.map((x) => (x === '$' ? '0' : x)) : a) },
  { name: 'blmpop: waits on its first key only', command: 'blmpop', wrap: (o, a) => o(Number(a[1]) > 1 ? [a[0], '1', a[2], ...a.slice(2 + Number(a[1]))] : a) },
];

const only = process.env.FC_MUTANTS && process.env.FC_MUTANTS !== '1' ? process.env.FC_MUTANTS.split(',') : null;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 150;

let pair: Pair;
let defaults: { redis: RunConfig; redkit: RunConfig };
beforeAll(async () => {
  if (!process.env.FC_MUTANTS) return;
  pair = await startPair();
  defaults = await configDefaults(pair);
});
afterAll(async () => pair?.stop());

describe.skipIf(!process.env.FC_MUTANTS)('the differential property catches planted bugs', () => {
  const picked = MUTANTS.filter((m) => !only || only.some((o) => m.name.startsWith(o)));
  it.each(picked.map((m) => [m.name, m] as const))('%s', async (_name, m) => {
    const top = pair.redkit.registry.get(m.command);
    if (!top) return;
    const target = (m.sub ? top.subcommands?.get(m.sub) : top) as Command & { handler: Handler };
    const orig = target.handler;
    const call = (ctx: Context) => (name: string, args: string[]) => pair.redkit.registry.get(name)!.handler(ctx, args) as Reply;
    target.handler = (ctx, args) => {
      const o = (a: string[]) => {
        try {
          return orig(ctx, a) as Reply;
        } catch (e) {
          return e as Reply;
        }
      };
      const r = m.wrap(o, args, ctx, call(ctx));
      if (r instanceof Error) throw r;
      return r;
    };
    try {
      const found: string[] = [];
      for (const proto of [2, 3] as const) {
        const res = await checkAgainstRedis(pair, { proto, seed: (process.env.FC_SEED ? Number(process.env.FC_SEED) : 99) + proto, numRuns: process.env.FC_RUNS ? RUNS : (m.runs ?? RUNS), maxLength: 200, noShrink: false, defaults });
        if (res.failed) {
          found.push(`RESP${proto}: caught after ${res.firstFailureAfter} sequences\n${res.report.split('\n').slice(1).join('\n')}`);
          break;
        }
      }
      console.log(`${m.name}: ${found.length ? found[0] : 'NOT CAUGHT'}`);
      expect(found.length, `mutant survived: ${m.name}`).toBeGreaterThan(0);
    } finally {
      target.handler = orig;
    }
  }, 600_000);
});
