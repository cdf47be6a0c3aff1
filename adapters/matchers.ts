/**
 * Matchers shared by the vitest and jest adapters. They accept a RedKit, a
 * useRedKit() handle, a Recorder (command matchers) or a DbHandle (key
 * matchers). Failure messages include the transcript and the nearest
 * candidate.
 */
import { parseDuration, type Duration } from 'redkit';
import { DbHandle, RedKit, Recorder, type RecordedCommand } from 'redkit';

/** The part of vitest's/jest's matcher context we use. */
export interface MatcherContext {
  isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
  utils: { printExpected(v: unknown): string; printReceived(v: unknown): string };
}

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** Something that has (or is) a recorder / keyspace. */
interface HasRedKit {
  readonly redkit?: RedKit;
}

function recorderOf(received: unknown): Recorder {
  if (received instanceof Recorder) return received;
  if (received instanceof RedKit) return received.recorder;
  const h = received as HasRedKit & { recorder?: Recorder };
  if (h && typeof h === 'object') {
    if (h.recorder instanceof Recorder) return h.recorder;
    if (h.redkit instanceof RedKit) return h.redkit.recorder;
  }
  throw new TypeError('RedKit matchers expect a RedKit instance, a useRedKit() handle or a Recorder');
}

function dbOf(received: unknown): DbHandle {
  if (received instanceof DbHandle) return received;
  if (received instanceof RedKit) return received.db(0);
  const h = received as HasRedKit & { db?: (n?: number) => DbHandle };
  if (h && typeof h === 'object') {
    if (h.redkit instanceof RedKit) return h.redkit.db(0);
    if (typeof h.db === 'function') return h.db(0);
  }
  throw new TypeError('RedKit key matchers expect a RedKit instance, a useRedKit() handle or redkit.db(n)');
}

const fmtArgs = (args: readonly unknown[]) =>
  args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : Buffer.isBuffer(a) ? `<Buffer ${a.toString('hex')}>` : String(a))).join(' ');

/** The recorded arguments to compare with `expected`: strings, or Buffers where a Buffer is expected. */
function actualArgs(c: RecordedCommand, expected: readonly unknown[]): unknown[] {
  if (!expected.some((a) => Buffer.isBuffer(a))) return c.args;
  const bufs = c.buffers;
  return c.args.map((a, i) => (Buffer.isBuffer(expected[i]) ? bufs[i] : a));
}

/** The recorded command closest to what was expected (same name, most equal arguments). */
function nearest(ctx: MatcherContext, list: RecordedCommand[], name: string, args: unknown[]): RecordedCommand | undefined {
  const same = list.filter((c) => c.name === name);
  const pool = same.length ? same : list;
  let best: RecordedCommand | undefined;
  let bestScore = -1;
  for (const c of pool) {
    let score = c.name === name ? 1000 : 0;
    const actual = actualArgs(c, args);
    for (let i = 0; i < Math.min(args.length, actual.length); i++) if (ctx.equals(actual[i], args[i])) score++;
    score -= Math.abs(c.args.length - args.length) * 0.1;
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

function argsMatch(ctx: MatcherContext, c: RecordedCommand, args: unknown[]): boolean {
  if (args.length === 0) return true;
  return ctx.equals(actualArgs(c, args), args);
}

function transcriptBlock(rec: Recorder): string {
  return `\n\nCommands received:\n${rec.transcript()}`;
}

export function toHaveReceivedCommand(this: MatcherContext, received: unknown, name: string, ...args: unknown[]): MatcherResult {
  const rec = recorderOf(received);
  const upper = name.toUpperCase();
  const list = rec.list(true);
  const hits = list.filter((c) => c.name === upper && argsMatch(this, c, args));
  const pass = hits.length > 0;
  const want = `${upper}${args.length ? ' ' + fmtArgs(args) : ''}`;
  return {
    pass,
    message: () => {
      if (pass) return `expected RedKit not to have received ${want}, but it did (#${hits[0].seq})${transcriptBlock(rec)}`;
      const n = nearest(this, list.filter((c) => !c.chatter), upper, args);
      const near = n ? `\nNearest: #${n.seq} ${n.name} ${fmtArgs(n.args)}` : '';
      return `expected RedKit to have received ${want}${near}${transcriptBlock(rec)}`;
    },
  };
}

export function toHaveReceivedCommandTimes(this: MatcherContext, received: unknown, name: string, times: number): MatcherResult {
  const rec = recorderOf(received);
  const upper = name.toUpperCase();
  const hits = rec.list(true).filter((c) => c.name === upper);
  const n = hits.length;
  const pass = n === times;
  const which = n ? ` (#${hits.map((c) => c.seq).join(', #')})` : '';
  return {
    pass,
    message: () =>
      pass
        ? `expected RedKit not to have received ${upper} ${times} time(s)${which}${transcriptBlock(rec)}`
        : `expected RedKit to have received ${upper} ${times} time(s), but it was received ${n} time(s)${which}${transcriptBlock(rec)}`,
  };
}

/** Each expected item: a name ('SET') or [name, ...args] (args may be asymmetric matchers). Checks they occur in this order (other commands may come between). */
export function toHaveReceivedCommandsInOrder(this: MatcherContext, received: unknown, expected: Array<string | unknown[]>): MatcherResult {
  const rec = recorderOf(received);
  const want = expected.map((e) => (Array.isArray(e) ? { name: String(e[0]).toUpperCase(), args: e.slice(1) } : { name: e.toUpperCase(), args: [] as unknown[] }));
  // Connection chatter counts only when it is named in the expectation.
  const named = new Set(want.map((w) => w.name));
  const list = rec.list(true).filter((c) => !c.chatter || named.has(c.name));
  let i = 0;
  let matched = 0;
  let afterSeq = 0;
  for (const w of want) {
    let found = false;
    while (i < list.length) {
      const c = list[i++];
      if (c.name === w.name && argsMatch(this, c, w.args)) {
        found = true;
        afterSeq = c.seq;
        break;
      }
    }
    if (!found) break;
    matched++;
  }
  const pass = matched === want.length;
  const show = want.map((w) => `${w.name}${w.args.length ? ' ' + fmtArgs(w.args) : ''}`).join(', ');
  return {
    pass,
    message: () => {
      if (pass) return `expected RedKit not to have received in order: ${show}${transcriptBlock(rec)}`;
      const miss = want[matched];
      const after = afterSeq ? ` after #${afterSeq}` : '';
      const n = nearest(this, list.filter((c) => c.seq > afterSeq), miss.name, miss.args);
      const near = n ? `\nNearest${after}: #${n.seq} ${n.name} ${fmtArgs(n.args)}` : '';
      return `expected RedKit to have received in order: ${show}\nMatched the first ${matched}; missing${after}: ${miss.name}${miss.args.length ? ' ' + fmtArgs(miss.args) : ''}${near}${transcriptBlock(rec)}`;
    },
  };
}

export function toHaveKey(this: MatcherContext, received: unknown, key: string | Buffer): MatcherResult {
  const db = dbOf(received);
  const pass = db.exists(key);
  const k = typeof key === 'string' ? key : key.toString('hex');
  return {
    pass,
    message: () => {
      if (pass) return `expected db${db.index} not to have key ${JSON.stringify(k)} (type ${db.type(key)})`;
      const keys = db.keys().slice(0, 20);
      return `expected db${db.index} to have key ${JSON.stringify(k)}\nKeys: ${keys.length ? keys.map((x) => JSON.stringify(x)).join(', ') : '(none)'}`;
    },
  };
}

/**
 * The key has a TTL; with `ttl`, its PTTL is within `tolerance` ms of it
 * (default: exact when the clock is frozen, else 1000 ms).
 */
export function toHaveTTL(this: MatcherContext, received: unknown, key: string | Buffer, ttl?: Duration, tolerance?: number): MatcherResult {
  const db = dbOf(received);
  const pttl = db.pttl(key);
  const k = typeof key === 'string' ? key : key.toString('hex');
  const describe = pttl === -2 ? 'does not exist' : pttl === -1 ? 'has no TTL' : `has PTTL ${pttl} ms`;
  if (ttl === undefined) {
    const pass = pttl >= 0;
    return { pass, message: () => (pass ? `expected ${JSON.stringify(k)} to have no TTL, but it ${describe}` : `expected ${JSON.stringify(k)} to have a TTL, but it ${describe}`) };
  }
  const want = parseDuration(ttl);
  const tol = tolerance ?? (db.server.clock.frozen ? 0 : 1000);
  const pass = pttl >= 0 && Math.abs(pttl - want) <= tol;
  return {
    pass,
    message: () =>
      pass
        ? `expected ${JSON.stringify(k)} not to have a TTL of ${want} ms (±${tol}), but it ${describe}`
        : `expected ${JSON.stringify(k)} to have a TTL of ${want} ms (±${tol}), but it ${describe}`,
  };
}

export const redkitMatchers = {
  toHaveReceivedCommand,
  toHaveReceivedCommandTimes,
  toHaveReceivedCommandsInOrder,
  toHaveKey,
  toHaveTTL,
};

/** The matcher signatures, for declaration merging in each test framework. */
export interface RedKitMatchers<R = unknown> {
  /** The server received `name` (optionally with exactly these arguments; asymmetric matchers allowed). */
  toHaveReceivedCommand(name: string, ...args: unknown[]): R;
  /** The server received `name` exactly `times` times. */
  toHaveReceivedCommandTimes(name: string, times: number): R;
  /** These commands arrived in this order (others may come between). Items: 'SET' or ['SET', 'key', expect.any(String)]. */
  toHaveReceivedCommandsInOrder(expected: Array<string | unknown[]>): R;
  /** The key exists (db 0 for a RedKit/handle; any db via redkit.db(n)). */
  toHaveKey(key: string | Buffer): R;
  /** The key has a TTL; optionally about `ttl` (ms or '30s'), within `tolerance` ms. */
  toHaveTTL(key: string | Buffer, ttl?: Duration, tolerance?: number): R;
}
