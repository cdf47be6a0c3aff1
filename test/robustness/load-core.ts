/**
 * The load test (issue #14): N concurrent clients x M pipelined commands
 * each against an in-process RedKit, every reply checked against a model.
 *
 * Each client works on its own keys (`c<i>:...`), so its replies are
 * determined by its own commands whatever the interleaving: strings, counters,
 * lists, hashes, MULTI/EXEC blocks, large ECHOs. Shared state is checked by
 * what concurrency cannot change:
 *   - INCR of one shared counter: the values all clients got are exactly
 *     1..total, each once (no lost or duplicated command);
 *   - PUBLISH to one channel with S subscribed clients: every PUBLISH
 *     answers S, and every subscriber receives every message exactly once,
 *     each publisher's messages in the order it sent them.
 * Replies are compared byte for byte with the expected RESP2 encoding.
 * At the end the keyspace must be exactly the union of the clients' models,
 * and after every client closed, the connection count returns to baseline.
 *
 * Bundled by scripts/load.mjs (`npm run load`) and run in CI at a small size
 * by test/robustness/load.test.ts.
 */
import net from 'node:net';
import { createServer, type RedKitServer } from '../../src/index.js';
import { replyLength } from '../support/raw-client.js';

export interface LoadOptions {
  clients: number;
  ops: number;
  seed: number;
  /** Pub/sub subscribers (default 4). */
  subscribers?: number;
  /** Commands per socket write (default 64). */
  batch?: number;
  /** Clients connected at once before the commands start (default 100). */
  connectWave?: number;
  /** Use an existing server (else a fresh in-process one). */
  server?: RedKitServer;
  directIo?: boolean;
}

export interface LoadResult {
  clients: number;
  ops: number;
  commands: number;
  replies: number;
  wrong: string[];
  published: number;
  delivered: number;
  ms: number;
  peakRss: number;
  peakHeap: number;
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = (args: string[]): string => {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
};
const bulk = (v: string | undefined): string => (v === undefined ? '$-1\r\n' : `$${v.length}\r\n${v}\r\n`);
const int = (n: number): string => `:${n}\r\n`;
const OK = '+OK\r\n';
const QUEUED = '+QUEUED\r\n';
/** Expected reply: exact bytes, or a shared-counter INCR (checked globally). */
type Expect = string | { counter: true };

/** One client's model: its keys and what it expects. */
class ClientModel {
  strings = new Map<string, string>();
  counter = 0;
  list: string[] = [];
  hash = new Map<string, string>();
  readonly p: string;
  constructor(
    readonly id: number,
    readonly rnd: () => number,
  ) {
    this.p = `c${id}:`;
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }

  /** Generate the next command(s) and their expected replies. */
  next(out: { cmds: string[]; expect: Expect[] }, seq: number): number {
    const r = this.rnd();
    const k = `${this.p}k${Math.floor(this.rnd() * 16)}`;
    const v = `v${seq}-${Math.floor(this.rnd() * 1e6)}`;
    if (r < 0.2) {
      out.cmds.push(enc(['SET', k, v]));
      out.expect.push(OK);
      this.strings.set(k, v);
    } else if (r < 0.38) {
      out.cmds.push(enc(['GET', k]));
      out.expect.push(bulk(this.strings.get(k)));
    } else if (r < 0.45) {
      out.cmds.push(enc(['DEL', k]));
      out.expect.push(int(this.strings.delete(k) ? 1 : 0));
    } else if (r < 0.52) {
      out.cmds.push(enc(['INCR', `${this.p}n`]));
      out.expect.push(int(++this.counter));
    } else if (r < 0.58) {
      out.cmds.push(enc(['RPUSH', `${this.p}l`, v]));
      this.list.push(v);
      out.expect.push(int(this.list.length));
    } else if (r < 0.63) {
      out.cmds.push(enc(['LPOP', `${this.p}l`]));
      out.expect.push(bulk(this.list.shift()));
    } else if (r < 0.68) {
      const f = `f${Math.floor(this.rnd() * 8)}`;
      out.cmds.push(enc(['HSET', `${this.p}h`, f, v]));
      out.expect.push(int(this.hash.has(f) ? 0 : 1));
      this.hash.set(f, v);
    } else if (r < 0.72) {
      const f = `f${Math.floor(this.rnd() * 8)}`;
      out.cmds.push(enc(['HGET', `${this.p}h`, f]));
      out.expect.push(bulk(this.hash.get(f)));
    } else if (r < 0.8) {
      // A transaction: every command QUEUED, EXEC answers them all at once.
      out.cmds.push(enc(['MULTI']), enc(['SET', k, v]), enc(['INCR', `${this.p}n`]), enc(['GET', k]), enc(['EXEC']));
      this.strings.set(k, v);
      const n = ++this.counter;
      out.expect.push(OK, QUEUED, QUEUED, QUEUED, `*3\r\n${OK}${int(n)}${bulk(v)}`);
      return 5;
    } else if (r < 0.88) {
      out.cmds.push(enc(['INCR', 'shared:counter']));
      out.expect.push({ counter: true });
    } else if (r < 0.95) {
      out.cmds.push(enc(['PUBLISH', 'load:chan', `${this.id}:${seq}`]));
      out.expect.push('publish');
    } else {
      const size = this.rnd() < 0.2 ? 16384 + Math.floor(this.rnd() * 16384) : 1 + Math.floor(this.rnd() * 512);
      const payload = this.pick(['x', 'y', 'z']).repeat(size);
      out.cmds.push(enc(['ECHO', payload]));
      out.expect.push(bulk(payload));
    }
    return 1;
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let connected = false;
    s.once('connect', () => {
      connected = true;
      resolve(s);
    });
    s.on('error', (e) => {
      if (!connected) reject(e);
      else s.emit('load-error', e);
    });
  });
}

/** Read replies from a socket, handing each one's raw bytes to `onReply`. */
function replyReader(sock: net.Socket, onReply: (raw: string) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    let pos = 0;
    for (;;) {
      const n = replyLength(buf, pos);
      if (n < 0) break;
      onReply(buf.latin1Slice(pos, pos + n));
      pos += n;
    }
    buf = pos === buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  });
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const own = opts.server === undefined;
  const server = opts.server ?? createServer({ logger: 'error', directIo: opts.directIo ?? true });
  if (own) await server.listen(0);
  const port = server.port;
  const S = opts.subscribers ?? 4;
  const batch = opts.batch ?? 64;
  const wrong: string[] = [];
  const fail = (msg: string) => {
    if (wrong.length < 20) wrong.push(msg);
  };
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const sampler = setInterval(sample, 50);
  const baseline = server.connections.size;
  const t0 = performance.now();

  // Subscribers first: every PUBLISH must then reach all S.
  const subs = await Promise.all(Array.from({ length: S }, () => connect(port)));
  const received: Array<Map<number, number[]>> = subs.map(() => new Map());
  let delivered = 0;
  await Promise.all(
    subs.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          let subscribed = false;
          s.on('load-error', (e: Error) => fail(`subscriber ${i}: socket error ${e.message}`));
          replyReader(s, (raw) => {
            if (!subscribed) {
              if (raw !== '*3\r\n$9\r\nsubscribe\r\n$9\r\nload:chan\r\n:1\r\n') fail(`subscriber ${i}: bad SUBSCRIBE reply ${JSON.stringify(raw)}`);
              subscribed = true;
              resolve();
              return;
            }
            const m = /^\*3\r\n\$7\r\nmessage\r\n\$9\r\nload:chan\r\n\$\d+\r\n(\d+):(\d+)\r\n$/.exec(raw);
            if (m === null) {
              fail(`subscriber ${i}: unexpected ${JSON.stringify(raw.slice(0, 80))}`);
              return;
            }
            delivered++;
            const from = Number(m[1]);
            const seqs = received[i].get(from) ?? [];
            seqs.push(Number(m[2]));
            received[i].set(from, seqs);
          });
          s.write(enc(['SUBSCRIBE', 'load:chan']));
        }),
    ),
  );

  const models: ClientModel[] = [];
  const counterValues: number[] = [];
  const sentPublishes: Array<number[]> = [];
  let commands = 0;
  let replies = 0;
  // Connect everyone first, in waves of `connectWave` (a storm of simultaneous
  // connects from this same process would wait on the event loop the server
  // needs to accept them: see bench/connect-storm.mjs for storms), then every
  // client pipelines at once.
  const socks: net.Socket[] = [];
  const wave = opts.connectWave ?? 100;
  for (let i = 0; i < opts.clients; i += wave) {
    socks.push(...(await Promise.all(Array.from({ length: Math.min(wave, opts.clients - i) }, () => connect(port)))));
  }
  const runClient = async (id: number): Promise<void> => {
    const model = new ClientModel(id, prng(opts.seed * 7919 + id));
    models.push(model);
    const sock = socks[id];
    const expect: Expect[] = [];
    const cmds: string[] = [];
    const pubs: number[] = [];
    sentPublishes[id] = pubs;
    let seq = 0;
    while (seq < opts.ops) {
      const before = expect.length;
      seq += model.next({ cmds, expect }, seq);
      if (expect[before] === 'publish') pubs.push(seq - 1);
    }
    commands += cmds.length;
    let got = 0;
    await new Promise<void>((resolve) => {
      sock.on('load-error', (e: Error) => fail(`client ${id}: socket error ${e.message} after ${got}/${expect.length} replies`));
      sock.once('close', () => {
        if (got < expect.length) fail(`client ${id}: connection closed after ${got}/${expect.length} replies`);
        resolve();
      });
      replyReader(sock, (raw) => {
        replies++;
        const e = expect[got];
        if (e === undefined) fail(`client ${id}: extra reply ${JSON.stringify(raw.slice(0, 80))}`);
        else if (typeof e === 'object') {
          const m = /^:(\d+)\r\n$/.exec(raw);
          if (m === null) fail(`client ${id} reply ${got}: expected a counter, got ${JSON.stringify(raw.slice(0, 80))}`);
          else counterValues.push(Number(m[1]));
        } else if (e === 'publish') {
          if (raw !== int(S)) fail(`client ${id} reply ${got}: PUBLISH answered ${JSON.stringify(raw)}, expected :${S}`);
        } else if (raw !== e) fail(`client ${id} reply ${got}: expected ${JSON.stringify(e.slice(0, 80))}, got ${JSON.stringify(raw.slice(0, 80))}`);
        got++;
        if (got === expect.length) sock.end();
      });
      // Pipelined: batches written back to back, never waiting for replies.
      for (let i = 0; i < cmds.length; i += batch) sock.write(cmds.slice(i, i + batch).join(''), 'latin1');
    });
    sock.destroy();
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, i) => runClient(i)));

  // Every published message reaches every subscriber once, in each publisher's order.
  let published = 0;
  for (const p of sentPublishes) published += p?.length ?? 0;
  const deadline = Date.now() + 10_000;
  while (delivered < published * S && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < S; i++) {
    for (let id = 0; id < opts.clients; id++) {
      const want = sentPublishes[id] ?? [];
      const got = received[i].get(id) ?? [];
      if (got.length !== want.length || got.some((x, j) => x !== want[j])) fail(`subscriber ${i}: publisher ${id}: got ${got.length} messages, expected ${want.length} in order`);
    }
  }
  for (const s of subs) s.destroy();

  // The shared counter: exactly 1..n, each once.
  counterValues.sort((a, b) => a - b);
  for (let i = 0; i < counterValues.length; i++) {
    if (counterValues[i] !== i + 1) {
      fail(`shared counter: value ${i + 1} missing or duplicated (saw ${counterValues[i]})`);
      break;
    }
  }
  const db = server.store.db(0);
  const ctr = db.peek('shared:counter');
  if (counterValues.length !== 0 && String(ctr) !== String(counterValues.length)) fail(`shared counter is ${String(ctr)}, ${counterValues.length} INCRs answered`);

  // The keyspace is exactly what the models say.
  let expectedKeys = counterValues.length !== 0 ? 1 : 0;
  for (const m of models) {
    for (const [k, v] of m.strings) if (db.peek(k) !== v) fail(`key ${k}: ${String(db.peek(k))}, expected ${v}`);
    expectedKeys += m.strings.size;
    if (m.counter !== 0) {
      expectedKeys++;
      if (String(db.peek(`${m.p}n`)) !== String(m.counter)) fail(`key ${m.p}n: expected ${m.counter}`);
    }
    if (m.list.length !== 0) expectedKeys++;
    if (m.hash.size !== 0) expectedKeys++;
  }
  if (db.size !== expectedKeys) fail(`db has ${db.size} keys, the models ${expectedKeys}`);

  // Every connection is gone again.
  const closeDeadline = Date.now() + 10_000;
  while (server.connections.size !== baseline && Date.now() < closeDeadline) await new Promise((r) => setTimeout(r, 5));
  if (server.connections.size !== baseline) fail(`${server.connections.size} connections left, baseline ${baseline}`);

  sample();
  clearInterval(sampler);
  const ms = performance.now() - t0;
  if (own) {
    await server.close();
    server.dispose();
  }
  return { clients: opts.clients, ops: opts.ops, commands, replies, wrong, published, delivered, ms, peakRss, peakHeap };
}
