/**
 * Differential testing: the same commands go to a real redis-server and to
 * RedKit; replies are compared byte for byte (or after a normalisation where
 * Redis leaves order unspecified).
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createServer, type RedKitServer, type ServerOptions } from '../../src/index.js';
import { RawClient, replyLength } from './raw-client.js';
import { startRedisServer, type RedisProcess } from './redis-server.js';

export type Cmd = Array<string | Buffer>;

export interface Pair {
  redis: RedisProcess;
  redkit: RedKitServer;
  /** A connected client to each server (same protocol). */
  clients(protocol?: 2 | 3): Promise<{ r: RawClient; k: RawClient }>;
  /** FLUSHALL on both servers and reset config changes made by tests. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPair(opts: { redisArgs?: string[]; redkit?: ServerOptions } = {}): Promise<Pair> {
  const redis = await startRedisServer(opts.redisArgs ?? []);
  const redkit = createServer({ logger: 'error', ...opts.redkit });
  await redkit.listen(0);
  const open: RawClient[] = [];
  const pair: Pair = {
    redis,
    redkit,
    async clients(protocol = 2) {
      const r = await RawClient.connect(redis.port);
      const k = await RawClient.connect(redkit.port);
      open.push(r, k);
      if (protocol === 3) {
        for (const c of [r, k]) {
          const hello = await c.call('HELLO', '3');
          if (!hello.startsWith('%')) throw new Error(`HELLO 3 failed: ${hello}`);
        }
      }
      return { r, k };
    },
    async flush() {
      const r = await RawClient.connect(redis.port);
      const k = await RawClient.connect(redkit.port);
      const auth = opts.redisArgs?.includes('--requirepass') ? opts.redisArgs[opts.redisArgs.indexOf('--requirepass') + 1] : undefined;
      for (const c of [r, k]) {
        if (auth) await c.call('AUTH', auth);
        await c.call('FLUSHALL');
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        c.close();
      }
    },
    async stop() {
      for (const c of open) c.close();
      await redkit.close();
      redkit.dispose();
      await redis.stop();
    },
  };
  return pair;
}

/**
 * A pair for the tests of the calling describe block: started before them, stopped after, and put
 * back after each test by `reset` (sent to redis-server, then to RedKit, in order) and then
 * `pair.flush()` when `flush` is set. `set` receives the pair once started.
 */
export function usePair(set: (p: Pair) => void, reset: Cmd[], opts: { flush?: boolean } = {}): void {
  let pair: Pair | undefined;
  beforeAll(async () => {
    pair = await startPair();
    set(pair);
  });
  afterAll(async () => pair?.stop());
  afterEach(async () => {
    if (pair === undefined) return;
    const { r, k } = await pair.clients();
    for (const c of [r, k]) for (const cmd of reset) await c.call(...cmd);
    if (opts.flush) await pair.flush();
  });
}

/** Decode one RESP reply into a JS value (for normalisation). */
export function decode(bytes: string): unknown {
  const buf = Buffer.from(bytes, 'latin1');
  const [v] = decodeAt(buf, 0);
  return v;
}

function decodeAt(buf: Buffer, pos: number): [unknown, number] {
  const t = String.fromCharCode(buf[pos]);
  const nl = buf.indexOf('\r\n', pos);
  const line = buf.latin1Slice(pos + 1, nl);
  let p = nl + 2;
  const many = (n: number): [unknown[], number] => {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const [v, np] = decodeAt(buf, p);
      out.push(v);
      p = np;
    }
    return [out, p];
  };
  switch (t) {
    case '+':
      return [{ simple: line }, p];
    case '-':
      return [{ error: line }, p];
    case ':':
      return [{ int: line }, p];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [null, p];
      return [buf.latin1Slice(p, p + n), p + n + 2];
    }
    case '_':
      return [null, p];
    case ',':
      return [{ double: line }, p];
    case '#':
      return [line === 't', p];
    case '(':
      return [{ big: line }, p];
    case '*':
    case '~':
    case '>': {
      const n = Number(line);
      if (n < 0) return [null, p];
      const [items, np] = many(n);
      return [t === '~' ? { set: items } : t === '>' ? { push: items } : items, np];
    }
    case '%': {
      const [items, np] = many(Number(line) * 2);
      return [{ map: items }, np];
    }
    default:
      throw new Error(`bad type ${t}`);
  }
}

/** Normalisers for replies whose order Redis leaves unspecified. */
export const norm = {
  /** Sort the elements of an array/set reply. */
  sorted: (bytes: string) => sortDeep(decode(bytes), 1),
  /** Sort key/value pairs of a map (or flat RESP2 pair array). */
  pairs: (bytes: string) => {
    const v = decode(bytes) as unknown;
    const flat = Array.isArray(v) ? v : (v as { map?: unknown[] })?.map;
    if (!Array.isArray(flat)) return v;
    const pairs: string[] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
    return { kind: Array.isArray(v) ? 'array' : 'map', pairs: pairs.sort() };
  },
};

function sortDeep(v: unknown, depth: number): unknown {
  if (depth <= 0) return v;
  if (Array.isArray(v)) return v.map((x) => JSON.stringify(x)).sort();
  if (v && typeof v === 'object' && 'set' in v) return { set: (v as { set: unknown[] }).set.map((x) => JSON.stringify(x)).sort() };
  return v;
}

export interface Step {
  cmd: Cmd;
  /** Compare normalised values instead of bytes. */
  normalize?: (bytes: string) => unknown;
  /** Do not compare this reply (still sent to both). */
  skip?: boolean;
}

const show = (c: Cmd) => c.map((a) => (typeof a === 'string' ? a : `<buf:${a.toString('hex')}>`)).join(' ');

/**
 * Run the same commands on both servers, one at a time, and expect identical
 * replies. Steps may be plain command arrays.
 */
export async function expectSame(r: RawClient, k: RawClient, steps: Array<Cmd | Step>): Promise<void> {
  for (const s of steps) {
    const step: Step = Array.isArray(s) ? { cmd: s } : s;
    const [a, b] = await Promise.all([r.call(...step.cmd), k.call(...step.cmd)]);
    if (step.skip) continue;
    if (step.normalize) {
      expect(step.normalize(b), `reply to: ${show(step.cmd)}\nredis:  ${JSON.stringify(a)}\nredkit: ${JSON.stringify(b)}`).toEqual(step.normalize(a));
    } else {
      expect(b, `reply to: ${show(step.cmd)}`).toBe(a);
    }
  }
}

/**
 * Send raw bytes to both servers and compare everything they answer until
 * they close the connection or `waitMs` passes.
 */
export async function expectSameRaw(pair: Pair, bytes: string | Buffer, waitMs = 300): Promise<{ redis: string; redkit: string }> {
  const r = await RawClient.connect(pair.redis.port);
  const k = await RawClient.connect(pair.redkit.port);
  r.write(bytes);
  k.write(bytes);
  const [a, b] = await Promise.all([r.readUntilClose(waitMs), k.readUntilClose(waitMs)]);
  const closed = { redis: r.closed, redkit: k.closed };
  r.close();
  k.close();
  expect(b, `raw: ${JSON.stringify(typeof bytes === 'string' ? bytes : bytes.latin1Slice()).slice(0, 200)}`).toBe(a);
  expect(closed.redkit, 'connection closed the same way').toBe(closed.redis);
  return { redis: a, redkit: b };
}

/** Replies a subscriber receives, up to (not including) the first one that mentions `marker`. */
export async function readUntilMarker(cl: RawClient, marker: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await cl.read();
    if (m.includes(marker)) return out;
    out.push(m);
  }
}

/**
 * Run `steps` on a client of each server while another client per server is
 * PSUBSCRIBEd to every keyspace/keyevent channel (notify-keyspace-events
 * `flags`, KEA by default); then expect the same notifications, in the same
 * order, and return redis-server's. A PUBLISH to a sentinel channel marks the
 * end, so nothing waits on time.
 */
export async function expectSameEvents(pair: Pair, proto: 2 | 3, steps: Array<Cmd | Step>, flags = 'KEA'): Promise<string[]> {
  const c = await pair.clients(proto);
  const sub = await pair.clients(proto);
  await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', flags]]);
  await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*'], ['SUBSCRIBE', 'sentinel']]);
  await expectSame(c.r, c.k, steps);
  await expectSame(c.r, c.k, [['PUBLISH', 'sentinel', 'end']]);
  const [re, ke] = await Promise.all([readUntilMarker(sub.r, 'sentinel'), readUntilMarker(sub.k, 'sentinel')]);
  expect(re.length).toBeGreaterThan(0);
  expect(ke).toEqual(re);
  return re;
}

export { RawClient, replyLength };

/**
 * Wait until the server behind `probe` runs a script (or function) past busy-reply-threshold:
 * PING it until it answers -BUSY, and return that reply. The test sends the EVAL/FCALL on another
 * connection first, but a server reads its ready sockets in no set order: a PING read before the
 * script started answers +PONG (then it is asked again). Sending the commands under test only
 * after this makes them meet the busy script on both servers, whatever the load. Each server is
 * probed on its own connection, so the number of PINGs follows that server's answers (the golden
 * replay gives the same answers, so the test sends the same PINGs again).
 */
export async function untilBusy(probe: RawClient, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await probe.call('PING');
    if (reply.startsWith('-BUSY ')) return reply;
    if (reply !== '+PONG\r\n') throw new Error(`untilBusy: unexpected reply to PING: ${JSON.stringify(reply)}`);
    if (Date.now() > deadline) throw new Error(`untilBusy: the server did not report a busy script in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** untilBusy on both servers of a pair (one probe connection each); expects the same -BUSY reply. */
export async function untilBothBusy(probe: { r: RawClient; k: RawClient }): Promise<void> {
  const [r, k] = await Promise.all([untilBusy(probe.r), untilBusy(probe.k)]);
  expect(k, 'the -BUSY reply').toBe(r);
}
