/**
 * The differential property as a function: fast-check sequences (gen.ts) run
 * by the runner (runner.ts) against a started Pair. Used by
 * differential.test.ts (the CI check) and mutants.test.ts (the check that
 * the property can fail).
 */
import fc from 'fast-check';
import { decode, readUntilMarker, type Pair, type RawClient } from '../support/differential.js';
import { configArbitrary, script, sequenceArbitrary, type Op, type RunConfig } from './gen.js';
import { Mismatch, newStats, Runner, type Stats, type Waiter } from './runner.js';

const CONFIG_NAMES = ['set-max-intset-entries', 'hash-max-listpack-entries', 'hash-max-listpack-value', 'zset-max-listpack-entries', 'zset-max-listpack-value', 'hll-sparse-max-bytes', 'stream-node-max-entries'] as const;

async function configOf(c: RawClient): Promise<RunConfig> {
  const d: Partial<RunConfig> = {};
  for (const n of CONFIG_NAMES) d[n] = (decode(await c.call('CONFIG', 'GET', n)) as string[])[1];
  return d as RunConfig;
}

/** Each server's values of the encoding thresholds the generator changes (before any sequence runs). */
export async function configDefaults(pair: Pair): Promise<{ redis: RunConfig; redkit: RunConfig }> {
  const { r, k } = await pair.clients(2);
  const d = { redis: await configOf(r), redkit: await configOf(k) };
  r.close();
  k.close();
  return d;
}

const SENTINEL = 'fc-sentinel';

/** `db:event "key"` lines from a subscriber, up to the sentinel message. */
async function drain(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (const raw of await readUntilMarker(c, SENTINEL)) {
    const m = decode(raw) as string[];
    if (m[0] === 'pmessage') out.push(`${m[2].replace('__keyevent@', '').replace('__:', ':')} ${JSON.stringify(m[3])}`);
  }
  return out;
}

/**
 * Flush both servers and apply the sequence's thresholds. Parameters the sequence leaves at Redis's
 * default go back to each server's own default, so a RedKit default that differs from Redis's shows.
 */
async function reset(r: RawClient, k: RawClient, cfg: RunConfig, own: [RunConfig, RunConfig], redisDefaults: RunConfig): Promise<void> {
  for (const [c, defaults] of [
    [r, own[0]],
    [k, own[1]],
  ] as const) {
    const set = CONFIG_NAMES.map((n) => ['CONFIG', 'SET', n, cfg[n] === redisDefaults[n] ? defaults[n] : cfg[n]]);
    // UNWATCH: a sequence starts with no watched keys and no dirty transaction.
    // Keyevent notifications of every class (and `new`) are on: the sequence's events are compared.
    for (const cmd of [['UNWATCH'], ['SELECT', '0'], ['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', 'EAn'], ...set]) {
      const rep = await c.call(...cmd);
      if (rep.startsWith('-')) throw new Error(`${cmd.join(' ')}: ${rep}`);
    }
  }
}

export interface CheckOptions {
  proto: 2 | 3;
  seed: number;
  numRuns: number;
  maxLength: number;
  /** fast-check replay path. */
  path?: string;
  /** Stop at the first failure without shrinking. */
  noShrink?: boolean;
  defaults: { redis: RunConfig; redkit: RunConfig };
}

export interface CheckResult {
  failed: boolean;
  /** How many sequences ran before the first failure (or in all). */
  firstFailureAfter: number | null;
  /** Human report: seed, path, the mismatch and the shrunk sequence as an expectSame script. */
  report: string;
  stats: Stats;
  seconds: number;
  /** Commands of the generator that RedKit does not register (not generated). */
  missing: string[];
}

export async function checkAgainstRedis(pair: Pair, o: CheckOptions): Promise<CheckResult> {
  const registry = pair.redkit.registry;
  const has = (name: string, sub?: string) => {
    const c = registry.get(name);
    if (!c) return false;
    return sub === undefined || !c.subcommands || c.subcommands.has(sub.toLowerCase());
  };
  const { arb, missing } = sequenceArbitrary(has, o.maxLength);
  const stats = newStats();
  let conn = await pair.clients(o.proto);
  // A RESP2 subscriber per server sees every keyevent; a PUBLISH to a sentinel channel marks
  // the end of a sequence's events, so nothing waits on time.
  const sub = await pair.clients(2);
  for (const c of [sub.r, sub.k]) {
    await c.call('PSUBSCRIBE', '__keyevent@*__:*');
    await c.call('SUBSCRIBE', SENTINEL);
  }
  const events = async (): Promise<[string[], string[]]> => {
    await Promise.all([conn.r.call('PUBLISH', SENTINEL, 'end'), conn.k.call('PUBLISH', SENTINEL, 'end')]);
    return Promise.all([drain(sub.r), drain(sub.k)]);
  };
  // Clients for the blocking ops: three connections per server, reopened after a failure (one may
  // be left blocked, or with a reply not read).
  const openWaiters = async (): Promise<Waiter[]> => {
    const ws: Waiter[] = [];
    for (let i = 0; i < 3; i++) {
      const { r, k } = await pair.clients(o.proto);
      const [rid, kid] = await Promise.all([r.call('CLIENT', 'ID'), k.call('CLIENT', 'ID')]);
      ws.push({ r, k, rid: rid.slice(1, -2), kid: kid.slice(1, -2) });
    }
    return ws;
  };
  let waiters = await openWaiters();
  const own: [RunConfig, RunConfig] = [o.defaults.redis, o.defaults.redkit];
  let last: { cfg: RunConfig; ops: Op[]; error: unknown } | null = null;
  let firstFailureAfter: number | null = null;
  const prop = fc.asyncProperty(configArbitrary(o.defaults.redis), arb, async (cfg, ops) => {
    await reset(conn.r, conn.k, cfg, own, o.defaults.redis);
    await events(); // whatever an earlier (failed) sequence or the reset sent
    try {
      const runner = new Runner(conn.r, conn.k, cfg, stats);
      runner.waiters = waiters;
      await runner.run(ops);
      const [re, ke] = await events();
      if (!runner.eventsOpen) stats.events += re.length;
      for (let i = 0; !runner.eventsOpen && i < Math.max(re.length, ke.length); i++) {
        if (re[i] !== ke[i]) {
          const around = (a: string[]) => a.slice(Math.max(0, i - 2), i + 3).join(' | ') || '(none)';
          throw new Mismatch(ops.length - 1, `keyspace events differ at event #${i + 1} of ${re.length} (redis) / ${ke.length} (redkit)\n  redis:  ${around(re)}\n  redkit: ${around(ke)}`);
        }
      }
    } catch (e) {
      if (firstFailureAfter === null) firstFailureAfter = stats.sequences;
      last = { cfg, ops: e instanceof Mismatch ? ops.slice(0, e.index + 1) : ops, error: e };
      if (ops.some((op) => op.t === 'block')) {
        for (const w of waiters) {
          w.r.close();
          w.k.close();
        }
        waiters = await openWaiters();
      }
      if (!(e instanceof Mismatch)) {
        // A timeout or a protocol error leaves the connections out of step: start over.
        conn.r.close();
        conn.k.close();
        conn = await pair.clients(o.proto);
      }
      throw e;
    }
  });
  const started = Date.now();
  const out = await fc.check(prop, { seed: o.seed, numRuns: o.numRuns, path: o.path, endOnFailure: o.noShrink });
  const seconds = (Date.now() - started) / 1000;
  await reset(conn.r, conn.k, o.defaults.redis, own, o.defaults.redis);
  for (const c of [conn.r, conn.k]) await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  conn.r.close();
  conn.k.close();
  sub.r.close();
  sub.k.close();
  for (const w of waiters) {
    w.r.close();
    w.k.close();
  }
  let report = '';
  if (out.failed) {
    const l = last as { cfg: RunConfig; ops: Op[]; error: unknown } | null;
    const changed = l ? (Object.fromEntries(Object.entries(l.cfg).filter(([n, v]) => o.defaults.redis[n as keyof RunConfig] !== v)) as Partial<RunConfig>) : null;
    report = [
      `RedKit disagrees with redis-server (RESP${o.proto}, seed ${out.seed}, path ${out.counterexamplePath}).`,
      l?.error instanceof Error ? l.error.message : String(l?.error),
      l ? `Shrunk sequence (up to the mismatch):\n${script(changed, l.ops)}` : '',
    ].join('\n');
  }
  return { failed: out.failed, firstFailureAfter, report, stats, seconds, missing };
}
