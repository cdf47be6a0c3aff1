/**
 * A seeded protocol fuzzer for RedKit (issue #10): no input from a client may
 * take the server down, hurt another client, or make memory explode.
 *
 * Each round opens a few fuzz connections that send generated frames —
 * random bytes, mutated valid commands (RESP2 and RESP3 after HELLO 3),
 * hostile lengths, long inline and count lines around the 64 KB limits with
 * and without their line end (split across reads), nested aggregates, frames
 * cut at every byte — then drops them; a witness client then checks that the
 * server answers PING and a SET/GET round trip. The same seed gives the same
 * frames (the server's answers may differ with timing; the checks do not).
 *
 * Used by test/robustness/fuzz.test.ts (a bounded slice in CI) and by
 * `npm run fuzz -- --frames N --seed S` (scripts/fuzz.mjs).
 */
import net from 'node:net';
import { createServer, type RedKitServer } from '../../src/index.js';

/** mulberry32: the same seed gives the same sequence. */
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

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** How a frame is written: in one write, byte by byte, or in pieces with pauses (later reads). */
export interface Frame {
  kind: string;
  bytes: Buffer;
  /** Write sizes (summing to bytes.length); pauses between them when `pause`. */
  cuts: number[];
  pause: boolean;
}

const mb = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;

/** Commands a fuzz connection may send: nothing that stops the server, pauses or kills clients, or changes config or auth. */
const CORPUS: string[][] = [
  ['PING'],
  ['PING', 'hello'],
  ['ECHO', 'x'],
  ['SET', 'fz:a', 'v'],
  ['SET', 'fz:b', '\x00\xff\r\n', 'EX', '100'],
  ['GET', 'fz:a'],
  ['MGET', 'fz:a', 'fz:b', 'fz:c'],
  ['INCR', 'fz:n'],
  ['INCRBYFLOAT', 'fz:f', '1.5'],
  ['APPEND', 'fz:a', 'tail'],
  ['LPUSH', 'fz:l', 'a', 'b', 'c'],
  ['LRANGE', 'fz:l', '0', '-1'],
  ['BLPOP', 'fz:nolist', '0.01'],
  ['HSET', 'fz:h', 'f1', 'v1', 'f2', 'v2'],
  ['HGETALL', 'fz:h'],
  ['SADD', 'fz:s', 'm1', 'm2'],
  ['SMEMBERS', 'fz:s'],
  ['ZADD', 'fz:z', '1', 'a', '2.5', 'b'],
  ['ZRANGE', 'fz:z', '0', '-1', 'WITHSCORES'],
  ['XADD', 'fz:x', '*', 'f', 'v'],
  ['EXPIRE', 'fz:a', '100'],
  ['TTL', 'fz:a'],
  ['TYPE', 'fz:h'],
  ['SCAN', '0', 'MATCH', 'fz:*'],
  ['HELLO', '3'],
  ['HELLO', '2'],
  ['HELLO'],
  ['SELECT', '3'],
  ['MULTI'],
  ['EXEC'],
  ['DISCARD'],
  ['SUBSCRIBE', 'fz:ch'],
  ['UNSUBSCRIBE'],
  ['PUBLISH', 'fz:ch', 'msg'],
  ['AUTH', 'nobody', 'wrong'],
  ['COMMAND', 'COUNT'],
  ['COMMAND', 'INFO', 'get'],
  ['INFO', 'server'],
  ['DBSIZE'],
  ['DEL', 'fz:a', 'fz:l'],
  ['OBJECT', 'ENCODING', 'fz:z'],
  ['GETRANGE', 'fz:a', '0', '-1'],
  ['SETRANGE', 'fz:r', '10', 'x'],
  ['QUIT'],
  ['RESET'],
];

/** Words whose commands would affect other clients or the process: frames naming them are not sent. */
const DENY = /shutdown|debug|flushall|flushdb|swapdb|config|client|acl|replicaof|slaveof|failover|save|bgrewrite|monitor|eval|fcall|function|script|sync|migrate|wait|quit/i;

const HOSTILE_COUNTS = ['*99999999999', '*-1', '*-5', '*0', '*2147483647', '*2147483648', '*9223372036854775807', '*-9223372036854775809', '*1a', '*', '*01', '* 1'];
const HOSTILE_BULKS = ['$-5', '$4294967296', '$99999999999', '$536870913', '$-1', '$', '$01', '$1 ', '$9223372036854775808', '$+3', '$0'];

function randomBytes(r: Rand, n: number, biased: boolean): Buffer {
  const b = Buffer.allocUnsafe(n);
  const proto = [0x2a, 0x24, 0x0d, 0x0a, 0x0d, 0x0a, 0x20, 0x22, 0x27, 0x5c, 0x00, 0x31, 0x30, 0x2d, 0x25, 0x7e, 0x3e, 0x3a, 0x2b, 0x78];
  for (let i = 0; i < n; i++) b[i] = biased && r() < 0.5 ? pick(r, proto) : int(r, 256);
  return b;
}

function validCommand(r: Rand): string {
  const cmd = pick(r, CORPUS);
  return r() < 0.25 ? cmd.map((a) => (/[\s"'\\]|^$/.test(a) ? JSON.stringify(a).replace(/\\u00/g, '\\x') : a)).join(' ') + (r() < 0.8 ? '\r\n' : '\n') : mb(cmd);
}

function mutate(r: Rand, s: Buffer): Buffer {
  let b = Buffer.from(s);
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const at = b.length === 0 ? 0 : int(r, b.length);
    switch (int(r, 8)) {
      case 0: // flip a byte
        if (b.length) b[at] = int(r, 256);
        break;
      case 1: // insert protocol bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(r, ['\r\n', '\r', '\n', '*', '$', '\x00', '"', "'", '\\x4', '*3\r\n', '$1\r\n']), 'latin1'), b.subarray(at)]);
        break;
      case 2: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 8)))]);
        break;
      case 3: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + int(r, 16)), b.subarray(at)]);
        break;
      case 4: // hostile count
        b = Buffer.concat([Buffer.from(`${pick(r, HOSTILE_COUNTS)}\r\n`, 'latin1'), b]);
        break;
      case 5: {
        // replace a bulk length by a hostile one
        const s2 = b.latin1Slice();
        const k = s2.indexOf('$', at);
        if (k >= 0) {
          const e = s2.indexOf('\r', k);
          if (e > k) b = Buffer.from(s2.slice(0, k) + pick(r, HOSTILE_BULKS) + s2.slice(e), 'latin1');
        }
        break;
      }
      case 6: // truncate
        b = b.subarray(0, at);
        break;
      default: // swap case of the command name
        for (let j = 0; j < b.length && j < 12; j++) if (b[j] >= 0x61 && b[j] <= 0x7a && r() < 0.5) b[j] -= 32;
    }
  }
  return b;
}

/** Sizes around the 64 KB line limits and the points where Redis's reads stop (16384, 65530, 81910...). */
const LONG_SIZES = [16384, 49150, 65530, 65535, 65536, 65537, 70_000, 81_909, 81_910, 100_000, 129_536, 163_830, 200_000];

function longLine(r: Rand): Buffer {
  const n = pick(r, LONG_SIZES) + int(r, 3) - 1;
  const prefix = pick(r, ['', 'ECHO ', 'SET fz:long ', '*', '*1\r\n$', '*2\r\n$4\r\nECHO\r\n$', '"', 'ECHO "\\x41']);
  const fill = prefix.endsWith('$') || prefix === '*' ? '1' : pick(r, ['A', 'x', ' ', '\\x41']);
  const body = fill.repeat(Math.ceil(n / fill.length)).slice(0, Math.max(0, n - prefix.length));
  const end = pick(r, ['\r\n', '\n', '', '', '\r', '"\r\n']);
  return Buffer.from(prefix + body + end, 'latin1');
}

function nested(r: Rand): Buffer {
  const depth = 1 + int(r, 2000);
  const t = pick(r, ['*1\r\n', '%1\r\n', '~1\r\n', '>1\r\n', '*2\r\n$1\r\na\r\n', '|1\r\n']);
  return Buffer.from(t.repeat(depth) + pick(r, ['$4\r\nPING\r\n', ':1\r\n', '+OK\r\n', '_\r\n', '']), 'latin1');
}

function hostile(r: Rand): Buffer {
  const parts = [pick(r, HOSTILE_COUNTS), pick(r, HOSTILE_BULKS), ''];
  const s = r() < 0.5 ? `${parts[0]}\r\n${parts[1]}\r\n` : `*${1 + int(r, 3)}\r\n${parts[1]}\r\n${'x'.repeat(int(r, 64))}`;
  return Buffer.from(s, 'latin1');
}

function bigBulk(r: Rand): Buffer {
  // A big bulk announced, then some of it (Redis and RedKit both wait for the rest).
  const n = pick(r, [32 * 1024, 40_000, 100_000, 2_000_000, 512 * 1024 * 1024]);
  // Whole (small ones), or the start of it: the server must wait without holding the whole size in memory.
  const send = n <= 100_000 && r() < 0.5 ? n + 2 : int(r, Math.min(n, 70_000));
  return Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$6\r\nfz:big\r\n$${n}\r\n`, 'latin1'), Buffer.alloc(send, 0x62)]);
}

/** One generated frame (deterministic for the generator's state). */
export function generateFrame(r: Rand): Frame {
  for (;;) {
    let kind: string;
    let bytes: Buffer;
    const k = r();
    if (k < 0.15) {
      kind = 'random';
      bytes = randomBytes(r, 1 + int(r, 400), r() < 0.6);
    } else if (k < 0.45) {
      kind = 'valid';
      bytes = Buffer.from(Array.from({ length: 1 + int(r, 5) }, () => validCommand(r)).join(''), 'latin1');
    } else if (k < 0.7) {
      kind = 'mutated';
      bytes = mutate(r, Buffer.from(Array.from({ length: 1 + int(r, 3) }, () => validCommand(r)).join(''), 'latin1'));
    } else if (k < 0.8) {
      kind = 'hostile';
      bytes = hostile(r);
    } else if (k < 0.88) {
      kind = 'long';
      bytes = longLine(r);
    } else if (k < 0.94) {
      kind = 'nested';
      bytes = nested(r);
    } else {
      kind = 'bigbulk';
      bytes = bigBulk(r);
    }
    if (bytes.length < 4096 && DENY.test(bytes.latin1Slice())) continue;
    if (bytes.length >= 4096 && DENY.test(bytes.latin1Slice(0, 256))) continue;
    // How it goes out: whole, byte by byte (small frames), or in pieces (later reads).
    const how = r();
    let cuts: number[];
    let pause = false;
    if (how < 0.5 || bytes.length === 0) cuts = [bytes.length];
    else if (how < 0.65 && bytes.length <= 64) cuts = new Array<number>(bytes.length).fill(1);
    else {
      cuts = [];
      let left = bytes.length;
      const pieces = 2 + int(r, 4);
      for (let i = 0; i < pieces - 1 && left > 1; i++) {
        const c = 1 + int(r, left - 1);
        cuts.push(c);
        left -= c;
      }
      cuts.push(left);
      pause = r() < 0.5;
    }
    return { kind, bytes, cuts, pause };
  }
}

/**
 * Commands whose replies redis-server and RedKit must give byte for byte
 * (nothing with time, ids, versions or unspecified order).
 */
const DETERMINISTIC: string[][] = [
  ['PING'],
  ['PING', 'hello'],
  ['ECHO', 'x'],
  ['SET', 'fz:a', 'v'],
  ['SET', 'fz:b', '\x00\xff\r\n', 'EX', '100'],
  ['GET', 'fz:a'],
  ['MGET', 'fz:a', 'fz:b', 'fz:c'],
  ['INCR', 'fz:n'],
  ['INCRBY', 'fz:n', '-7'],
  ['APPEND', 'fz:a', 'tail'],
  ['STRLEN', 'fz:a'],
  ['LPUSH', 'fz:l', 'a', 'b', 'c'],
  ['LRANGE', 'fz:l', '0', '-1'],
  ['HSET', 'fz:h', 'f1', 'v1'],
  ['HGET', 'fz:h', 'f1'],
  ['SADD', 'fz:s', 'm1'],
  ['SISMEMBER', 'fz:s', 'm1'],
  ['ZADD', 'fz:z', '1', 'a', '2.5', 'b'],
  ['ZRANGE', 'fz:z', '0', '-1', 'WITHSCORES'],
  ['ZSCORE', 'fz:z', 'b'],
  ['TYPE', 'fz:h'],
  ['EXISTS', 'fz:a', 'fz:zz'],
  ['DEL', 'fz:a', 'fz:l'],
  ['SELECT', '3'],
  ['SELECT', '0'],
  ['MULTI'],
  ['EXEC'],
  ['DISCARD'],
  ['GETRANGE', 'fz:a', '0', '-1'],
  ['SETRANGE', 'fz:r', '10', 'x'],
];

/**
 * A frame whose answer does not depend on timing or on where reads stop
 * (small, written at once, deterministic commands only): redis-server and
 * RedKit must answer it byte for byte, and close the connection alike.
 */
export function generateDeterministicFrame(r: Rand): Frame {
  for (;;) {
    const cmd = () => {
      const c = pick(r, DETERMINISTIC);
      return r() < 0.25 ? c.map((a) => (/[\s"'\\]|^$|[^ -~]/.test(a) ? JSON.stringify(a).replace(/\\u00/g, '\\x') : a)).join(' ') + '\r\n' : mb(c);
    };
    let kind: string;
    let bytes: Buffer;
    const k = r();
    if (k < 0.15) {
      kind = 'random';
      bytes = randomBytes(r, 1 + int(r, 200), r() < 0.7);
    } else if (k < 0.35) {
      kind = 'valid';
      bytes = Buffer.from(Array.from({ length: 1 + int(r, 4) }, cmd).join(''), 'latin1');
    } else if (k < 0.8) {
      kind = 'mutated';
      bytes = mutate(r, Buffer.from(Array.from({ length: 1 + int(r, 3) }, cmd).join(''), 'latin1'));
    } else if (k < 0.92) {
      kind = 'hostile';
      bytes = hostile(r);
    } else {
      kind = 'nested';
      bytes = Buffer.from(nested(r).subarray(0, 4000));
    }
    const text = bytes.latin1Slice();
    if (DENY.test(text) || /hello|info|command|scan|ttl|xadd|time|object|randomkey|lastsave|memory|latency|slowlog|srandmember|spop|blpop|brpop|bzpop|subscribe|publish|auth|reset|lolwut/i.test(text)) continue;
    return { kind, bytes, cuts: [bytes.length], pause: false };
  }
}

export interface FuzzOptions {
  frames: number;
  seed: number;
  /** Fuzz connections per round. */
  connections?: number;
  /** Frames per connection per round (at most). */
  framesPerConnection?: number;
  /** Test the server on the stream path instead of direct I/O. */
  directIo?: boolean;
  /** Called after each round. */
  onRound?: (s: FuzzStats) => void;
  /** Stop early after this many ms. */
  maxMs?: number;
}

export interface FuzzStats {
  seed: number;
  rounds: number;
  frames: number;
  bytesSent: number;
  bytesReceived: number;
  closedByServer: number;
  byKind: Record<string, number>;
  witnessChecks: number;
  peakRss: number;
  peakHeap: number;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A fuzz connection: writes what it is given, counts what comes back, notes a close. */
class FuzzConn {
  received = 0;
  closed = false;
  lastData = Date.now();
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.received += d.length;
      this.lastData = Date.now();
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<FuzzConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new FuzzConn(s)));
      s.once('error', reject);
    });
  }
  async send(f: Frame): Promise<void> {
    let at = 0;
    for (const c of f.cuts) {
      if (this.closed) return;
      this.socket.write(f.bytes.subarray(at, at + c));
      at += c;
      // A pause lets the server read what came so far (a later read); now and then a real one.
      if (f.pause) {
        if (c % 10 === 0) await sleep(1);
        else {
          await tick();
          await tick();
        }
      } else if (f.cuts.length > 1) await tick();
    }
  }
  /** Until the server has been quiet for a moment (or closed the connection). */
  async settle(maxMs: number): Promise<void> {
    const start = Date.now();
    // A few turns of the event loop for the server to run what it has, then until it is quiet.
    for (let i = 0; i < 4 && !this.closed; i++) await tick();
    while (!this.closed && Date.now() - start < maxMs && Date.now() - this.lastData < 3) await sleep(1);
  }
}

/** The witness: RESP2 replies read exactly. */
class Witness {
  private buf = '';
  private waiter: (() => void) | null = null;
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<Witness> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Witness(s)));
      s.once('error', reject);
    });
  }
  async call(expectBytes: number, ...args: string[]): Promise<string> {
    this.socket.write(Buffer.from(mb(args), 'latin1'));
    const deadline = Date.now() + 10_000;
    while (this.buf.length < expectBytes) {
      if (Date.now() > deadline) throw new Error(`witness: no complete reply to ${args[0]} within 10 s (have ${JSON.stringify(this.buf.slice(0, 200))})`);
      await new Promise<void>((res) => {
        this.waiter = res;
        setTimeout(res, 50);
      });
      this.waiter = null;
    }
    const out = this.buf.slice(0, expectBytes);
    this.buf = this.buf.slice(expectBytes);
    return out;
  }
  close(): void {
    this.socket.destroy();
  }
}

export class FuzzFailure extends Error {}

/**
 * Run the fuzzer against a fresh in-process RedKit server. Throws FuzzFailure
 * (with the seed and round) when the witness sees a wrong answer, memory
 * grows past the bounds, or connections leak.
 */
export async function fuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const r = prng(opts.seed);
  const server: RedKitServer = createServer({ logger: 'off', directIo: opts.directIo ?? true });
  await server.listen(0);
  const port = server.port;
  const witness = await Witness.open(port);
  const stats: FuzzStats = {
    seed: opts.seed,
    rounds: 0,
    frames: 0,
    bytesSent: 0,
    bytesReceived: 0,
    closedByServer: 0,
    byKind: {},
    witnessChecks: 0,
    peakRss: 0,
    peakHeap: 0,
    ms: 0,
  };
  const started = Date.now();
  const base = process.memoryUsage();
  const nConns = opts.connections ?? 4;
  const perConn = opts.framesPerConnection ?? 12;
  // Anything that escapes to the process is a failure (a test runner would otherwise swallow it).
  const escaped: unknown[] = [];
  const onEscape = (e: unknown) => escaped.push(e);
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const checkEscaped = (round: number) => {
    if (escaped.length > 0) {
      const e = escaped[0] as Error;
      throw new FuzzFailure(`seed ${opts.seed} round ${round}: an exception escaped to the process: ${e?.stack ?? String(e)}`);
    }
  };
  try {
    while (stats.frames < opts.frames && (opts.maxMs === undefined || Date.now() - started < opts.maxMs)) {
      const round = stats.rounds;
      const conns = await Promise.all(Array.from({ length: nConns }, () => FuzzConn.open(port)));
      const plans = conns.map(() => Array.from({ length: 1 + int(r, perConn) }, () => generateFrame(r)));
      await Promise.all(
        conns.map(async (c, i) => {
          for (const f of plans[i]) {
            if (c.closed) break;
            await c.send(f);
            stats.frames++;
            stats.bytesSent += f.bytes.length;
            stats.byKind[f.kind] = (stats.byKind[f.kind] ?? 0) + 1;
          }
        }),
      );
      await Promise.all(conns.map((c) => c.settle(150)));
      for (const c of conns) {
        stats.bytesReceived += c.received;
        if (c.closed) stats.closedByServer++;
        // Some go with a FIN, some with a reset, some in the middle of a frame.
        if (r() < 0.5) c.socket.destroy();
        else c.socket.end();
      }
      // The witness: the server still answers, and a value written is read back.
      const v = `w${opts.seed}:${round}:${int(r, 1e9)}`;
      const pong = await witness.call(7, 'PING');
      if (pong !== '+PONG\r\n') throw new FuzzFailure(`seed ${opts.seed} round ${round}: PING answered ${JSON.stringify(pong)}`);
      const ok = await witness.call(5, 'SET', 'witness:key', v);
      if (ok !== '+OK\r\n') throw new FuzzFailure(`seed ${opts.seed} round ${round}: SET answered ${JSON.stringify(ok)}`);
      const want = `$${v.length}\r\n${v}\r\n`;
      const got = await witness.call(want.length, 'GET', 'witness:key');
      if (got !== want) throw new FuzzFailure(`seed ${opts.seed} round ${round}: GET answered ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
      stats.witnessChecks++;
      checkEscaped(round);
      const mem = process.memoryUsage();
      stats.peakRss = Math.max(stats.peakRss, mem.rss);
      stats.peakHeap = Math.max(stats.peakHeap, mem.heapUsed);
      if (mem.heapUsed - base.heapUsed > 768 * 1024 * 1024) throw new FuzzFailure(`seed ${opts.seed} round ${round}: heap grew by ${((mem.heapUsed - base.heapUsed) / 1048576).toFixed(0)} MB`);
      if (mem.rss - base.rss > 1536 * 1024 * 1024) throw new FuzzFailure(`seed ${opts.seed} round ${round}: rss grew by ${((mem.rss - base.rss) / 1048576).toFixed(0)} MB`);
      stats.rounds++;
      opts.onRound?.(stats);
    }
    // Every fuzz connection is gone on the server side too (nothing leaked).
    const deadline = Date.now() + 5000;
    while (server.connections.size > 1 && Date.now() < deadline) await sleep(10);
    if (server.connections.size !== 1) throw new FuzzFailure(`seed ${opts.seed}: ${server.connections.size - 1} fuzz connections still open on the server after the run`);
    checkEscaped(stats.rounds);
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    witness.close();
    await server.close();
    server.dispose();
    stats.ms = Date.now() - started;
  }
  return stats;
}
