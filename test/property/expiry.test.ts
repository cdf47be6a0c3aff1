/**
 * RedKit only: keys expire exactly when the virtual clock reaches their
 * deadline. fast-check drives random SET/EXPIRE/PERSIST/GETEX/RENAME/DEL
 * commands and clock advances on a frozen clock, and every reply is checked
 * against a plain JS model of deadlines, across GET, EXISTS, TYPE, PTTL,
 * TTL, DBSIZE, KEYS, SCAN and RANDOMKEY.
 *
 * RedKit's documented rule (store/database.ts): a key is gone from the
 * millisecond of its deadline on (Redis's `now > when` keeps it for that one
 * millisecond, which no client of a real-time server can observe). TTL
 * rounds half up like Redis: (ms + 500) / 1000.
 *
 * Real redis-server cannot take part (its time cannot be moved), which is
 * why this is a model check rather than a differential one.
 *   FC_SEED=... FC_RUNS=... npx vitest run test/property/expiry.test.ts
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { decode, RawClient } from '../support/differential.js';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 7_015;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 150;

const KEYS = ['a', 'b', 'c', 'd'];
const VALUES = ['v1', 'v2', ''];
const MS = [1, 2, 50, 99, 100, 101, 499, 500, 501, 1000, 1499, 1500, 2500];
const SECS = [1, 2, 3];
const STEPS = [0, 1, 1, 2, 49, 50, 98, 99, 100, 101, 498, 499, 500, 501, 999, 1000, 1001, 1500, 3000];

type Op =
  | { t: 'set'; key: string; value: string; ttl: null | ['EX' | 'PX' | 'EXAT' | 'PXAT', number] | ['KEEPTTL'] }
  | { t: 'expire'; cmd: 'PEXPIRE' | 'EXPIRE' | 'PEXPIREAT' | 'EXPIREAT'; key: string; n: number }
  | { t: 'persist'; key: string }
  | { t: 'getex'; key: string; opt: null | ['PX' | 'EX', number] | ['PERSIST'] }
  | { t: 'rename'; from: string; to: string }
  | { t: 'del'; key: string }
  | { t: 'advance'; ms: number }
  | { t: 'read'; cmd: 'GET' | 'EXISTS' | 'TYPE' | 'PTTL' | 'TTL'; key: string }
  | { t: 'all'; cmd: 'DBSIZE' | 'KEYS' | 'SCAN' | 'RANDOMKEY' };

const key = fc.constantFrom(...KEYS);
/** Absolute deadlines are generated as offsets from "now" at the time the op runs. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('set' as const),
      key,
      value: fc.constantFrom(...VALUES),
      ttl: fc.oneof(
        fc.constant(null),
        fc.tuple(fc.constant('PX' as const), fc.constantFrom(...MS)),
        fc.tuple(fc.constant('EX' as const), fc.constantFrom(...SECS)),
        fc.tuple(fc.constant('PXAT' as const), fc.constantFrom(...MS)),
        fc.tuple(fc.constant('EXAT' as const), fc.constantFrom(...SECS)),
        fc.constant(['KEEPTTL'] as ['KEEPTTL']),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('expire' as const),
      cmd: fc.constantFrom('PEXPIRE' as const, 'EXPIRE' as const, 'PEXPIREAT' as const, 'EXPIREAT' as const),
      key,
      n: fc.oneof(fc.constantFrom(...MS), fc.constantFrom(0, -1, 1, 2, 3)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('persist' as const), key }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('getex' as const),
      key,
      opt: fc.oneof(fc.constant(null), fc.tuple(fc.constant('PX' as const), fc.constantFrom(...MS)), fc.tuple(fc.constant('EX' as const), fc.constantFrom(...SECS)), fc.constant(['PERSIST'] as ['PERSIST'])),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rename' as const), from: key, to: key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), key }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.constantFrom(...STEPS) }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('read' as const), cmd: fc.constantFrom('GET' as const, 'EXISTS' as const, 'TYPE' as const, 'PTTL' as const, 'TTL' as const), key }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('all' as const), cmd: fc.constantFrom('DBSIZE' as const, 'KEYS' as const, 'SCAN' as const, 'RANDOMKEY' as const) }) },
);

/** The model: values and absolute deadlines on the virtual clock. */
class Model {
  readonly data = new Map<string, { value: string; at: number | null }>();
  constructor(public now: number) {}
  alive(k: string) {
    const e = this.data.get(k);
    if (e && e.at !== null && this.now >= e.at) this.data.delete(k);
    return this.data.get(k);
  }
  keys(): string[] {
    return KEYS.filter((k) => this.alive(k)).sort();
  }
}

const int = (n: number) => `:${n}\r\n`;
const bulk = (s: string | null) => (s === null ? '$-1\r\n' : `$${s.length}\r\n${s}\r\n`);
const OKR = '+OK\r\n';
const INVALID = (cmd: string) => `-ERR invalid expire time in '${cmd}' command\r\n`;

/** The command for an op, and the reply the model expects (or a checker for replies with a choice). */
function step(m: Model, op: Op): { cmd: string[]; expect: string | ((reply: string) => boolean) } | { advance: number } {
  switch (op.t) {
    case 'advance':
      return { advance: op.ms };
    case 'set': {
      const cmd = ['SET', op.key, op.value];
      const prev = m.alive(op.key);
      let at: number | null = null;
      if (op.ttl?.[0] === 'KEEPTTL') {
        cmd.push('KEEPTTL');
        at = prev?.at ?? null;
      } else if (op.ttl) {
        const [opt, n] = op.ttl;
        // Absolute options are offsets from now.
        const arg = opt === 'PXAT' ? m.now + n : opt === 'EXAT' ? Math.floor(m.now / 1000) + n : n;
        cmd.push(opt, String(arg));
        at = opt === 'PX' ? m.now + n : opt === 'EX' ? m.now + n * 1000 : opt === 'PXAT' ? arg : arg * 1000;
      }
      m.data.set(op.key, { value: op.value, at });
      return { cmd, expect: OKR };
    }
    case 'expire': {
      const rel = op.cmd === 'PEXPIRE' || op.cmd === 'EXPIRE';
      const secs = op.cmd === 'EXPIRE' || op.cmd === 'EXPIREAT';
      const arg = rel ? op.n : secs ? Math.floor(m.now / 1000) + op.n : m.now + op.n;
      const at = rel ? m.now + (secs ? op.n * 1000 : op.n) : secs ? arg * 1000 : arg;
      const e = m.alive(op.key);
      if (!e) return { cmd: [op.cmd, op.key, String(arg)], expect: int(0) };
      if (at <= m.now) m.data.delete(op.key);
      else e.at = at;
      return { cmd: [op.cmd, op.key, String(arg)], expect: int(1) };
    }
    case 'persist': {
      const e = m.alive(op.key);
      const had = !!e && e.at !== null;
      if (e) e.at = null;
      return { cmd: ['PERSIST', op.key], expect: int(had ? 1 : 0) };
    }
    case 'getex': {
      const e = m.alive(op.key);
      const cmd = ['GETEX', op.key, ...(op.opt ?? []).map(String)];
      if (e && op.opt) {
        if (op.opt[0] === 'PERSIST') e.at = null;
        else e.at = m.now + (op.opt[0] === 'PX' ? op.opt[1] : op.opt[1] * 1000);
      }
      return { cmd, expect: bulk(e ? e.value : null) };
    }
    case 'rename': {
      const e = m.alive(op.from);
      const cmd = ['RENAME', op.from, op.to];
      if (!e) return { cmd, expect: '-ERR no such key\r\n' };
      m.data.delete(op.from);
      m.data.set(op.to, e);
      return { cmd, expect: OKR };
    }
    case 'del': {
      const e = m.alive(op.key);
      m.data.delete(op.key);
      return { cmd: ['DEL', op.key], expect: int(e ? 1 : 0) };
    }
    case 'read': {
      const e = m.alive(op.key);
      const cmd = [op.cmd, op.key];
      switch (op.cmd) {
        case 'GET':
          return { cmd, expect: bulk(e ? e.value : null) };
        case 'EXISTS':
          return { cmd, expect: int(e ? 1 : 0) };
        case 'TYPE':
          return { cmd, expect: e ? '+string\r\n' : '+none\r\n' };
        case 'PTTL':
          return { cmd, expect: int(!e ? -2 : e.at === null ? -1 : e.at - m.now) };
        case 'TTL':
          return { cmd, expect: int(!e ? -2 : e.at === null ? -1 : Math.floor((e.at - m.now + 500) / 1000)) };
      }
      break;
    }
    case 'all': {
      const ks = m.keys();
      switch (op.cmd) {
        case 'DBSIZE':
          return { cmd: ['DBSIZE'], expect: int(ks.length) };
        case 'KEYS':
          return { cmd: ['KEYS', '*'], expect: (r) => JSON.stringify((decode(r) as string[]).sort()) === JSON.stringify(ks) };
        case 'SCAN':
          // A small keyspace comes back in one page.
          return { cmd: ['SCAN', '0', 'COUNT', '100'], expect: (r) => { const v = decode(r) as [string, string[]]; return v[0] === '0' && JSON.stringify([...v[1]].sort()) === JSON.stringify(ks); } };
        case 'RANDOMKEY':
          return { cmd: ['RANDOMKEY'], expect: (r) => (ks.length === 0 ? r === '$-1\r\n' : ks.includes(decode(r) as string)) };
      }
    }
  }
  throw new Error('unreachable');
}

const show = (op: Op) => JSON.stringify(op);

let kit: RedKit;
let c: RawClient;
beforeAll(async () => {
  kit = await startRedKit({ clock: 'frozen', record: false, logger: 'error' });
  c = await RawClient.connect(kit.port);
});
afterAll(async () => {
  c?.close();
  await kit?.stop();
});

describe('RedKit virtual clock: keys expire exactly at their deadline', () => {
  it('replies match a model of deadlines', async () => {
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), async (ops) => {
        await c.call('FLUSHALL');
        const m = new Model(kit.clock.now());
        const done: string[] = [];
        for (const op of ops) {
          const s = step(m, op);
          if ('advance' in s) {
            kit.clock.advance(s.advance);
            m.now += s.advance;
            expect(kit.clock.now(), 'the clock moved as asked').toBe(m.now);
            done.push(`advance ${s.advance}`);
            continue;
          }
          const reply = await c.call(...s.cmd);
          commands++;
          done.push(s.cmd.join(' '));
          const ok = typeof s.expect === 'string' ? reply === s.expect : s.expect(reply);
          if (!ok) throw new Error(`${show(op)} -> ${JSON.stringify(reply)}, model expects ${typeof s.expect === 'string' ? JSON.stringify(s.expect) : 'otherwise'} (alive: ${m.keys().join(',')})\nafter: ${done.join(' ; ')}`);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`expiry model: ${RUNS} sequences, ${commands} commands`);
  }, 300_000);

  it('SET with PX/EX/PXAT/EXAT rejects non-positive times, as Redis does', async () => {
    for (const [opt, n] of [
      ['PX', '0'],
      ['EX', '0'],
      ['PX', '-1'],
      ['PXAT', '0'],
      ['EXAT', '-5'],
    ]) {
      expect(await c.call('SET', 'k', 'v', opt, n)).toBe(INVALID('set'));
    }
  });
});
