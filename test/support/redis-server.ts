/**
 * The oracle of the differential tests: a real redis-server on a free loopback port, or its
 * recorded answers. `REDKIT_ORACLE` (test/support/oracle.ts) picks the mode:
 *
 * - live: the server itself;
 * - record: the server behind a TCP proxy that logs one ordered list of events per server
 *   (connect, bytes client→redis, bytes redis→client, closes) into test/golden/<test file>.redis.br;
 * - replay: a small server that plays that log back. A connection is the recorded connection of
 *   the same rank; what a client sends must be byte for byte what was recorded (else it fails
 *   loudly, naming the file, server, connection and offset); each recorded reply is sent once
 *   every event before it in the log has happened (the bytes of every connection received so far,
 *   the closes), which keeps the causality between connections (a BLPOP answered after another
 *   connection's LPUSH) without any timing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash, type Hash } from 'node:crypto';
import { currentTestFile, goldenPath, readGoldenBinary, redisOracleMode, REDIS_SERVER_BIN, RERECORD, writeGoldenBinary } from './oracle.js';

export interface RedisProcess {
  port: number;
  /** The server's pid (in replay, the recorded server's, as INFO reports it). */
  pid: number;
  stop(): Promise<void>;
}

export { replaying, redisOracleMode } from './oracle.js';
/** True when tests talk to a real redis-server directly (no recording proxy, no replay). */
export const liveOracle = redisOracleMode() === 'live';

export function redisServerPath(): string {
  const bin = REDIS_SERVER_BIN;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `REDKIT_ORACLE=${redisOracleMode()} runs redis-server but '${bin}' could not be run.\n` +
        'Install it with: sudo apt-get update && sudo apt-get install -y redis-server redis-tools\n' +
        '(or set REDIS_SERVER_BIN to its path), or replay the recorded answers (REDKIT_ORACLE=replay).',
    );
  }
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Wait until our redis-server answers on `port`. Another test file may have
 * taken the same free port between freePort() and the bind: then our server
 * exits and a different one answers, so the server that answers must be ours
 * (INFO's process_id; behind requirepass, our process must still be alive).
 */
async function waitForPort(port: number, child: ChildProcess, timeoutMs = 5000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const reply = await new Promise<string | null>((resolve) => {
      const s = net.connect(port, host);
      let got = '';
      s.once('connect', () => {
        s.write('INFO server\r\n');
      });
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.startsWith('-') || /process_id:\d+/.test(got)) {
          s.destroy();
          resolve(got);
        }
      });
      s.once('error', () => resolve(null));
      s.once('close', () => resolve(got === '' ? null : got));
    });
    if (reply !== null) {
      const pid = /process_id:(\d+)/.exec(reply)?.[1];
      if (pid !== undefined) {
        if (Number(pid) === child.pid) return;
        throw new Error(`port ${port} is served by another redis-server (pid ${pid})`);
      }
      // NOAUTH: cannot ask; a server that lost the port race exits at once.
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null) return;
      throw new Error(`redis-server exited with code ${child.exitCode}`);
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Start redis-server with no persistence (or its recording). Extra config as `['--requirepass', 'x']`. */
export async function startRedisServer(extra: string[] = []): Promise<RedisProcess> {
  const mode = redisOracleMode();
  if (mode === 'live') return startLive(extra);
  const file = currentTestFile();
  const state = (files.get(file) ?? files.set(file, { started: 0, servers: [] }).get(file))!;
  const index = state.started++;
  if (mode === 'record') return startRecording(file, state, index, extra);
  return startReplay(file, index, extra);
}

/**
 * `host`: the recording runs redis-server on 127.0.0.2 and its proxy on 127.0.0.1 with the same
 * port, so that what redis-server reports (INFO tcp_port, CLUSTER NODES) names the port the test
 * connected to. `listen` binds the proxy once the server answers (false: try another port).
 */
async function startLive(extra: string[], host = '127.0.0.1', listen?: (port: number) => Promise<boolean>): Promise<RedisProcess> {
  const bin = redisServerPath();
  // A dump.rdb left in the working directory (by a server run by hand there, say) would be loaded
  // by every oracle: its keys and replication offset would show in the comparisons, and in cluster
  // mode the node would take the slots of its keys. Say so instead of failing obscurely.
  const stray = join(process.cwd(), 'dump.rdb');
  if (!extra.includes('--dir') && existsSync(stray)) {
    throw new Error(`${stray} exists: redis-server would load it into every oracle of this run; remove it (no test leaves one there)`);
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    // The working directory is the repository's, as RedKit's (tests compare CONFIG GET dir). A
    // redis-server loads dir/dump.rdb at start: a test that makes the oracle write one (SAVE,
    // DEBUG RELOAD, SHUTDOWN SAVE) must give it a --dir of its own, or it seeds later servers.
    const child = spawn(bin, ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await waitForPort(port, child, 5000, host);
      if (listen && !(await listen(port))) throw new Error(`port ${port} is taken on 127.0.0.1`);
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw e;
    }
    const pid = child.pid as number;
    return {
      port,
      pid,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          process.kill(pid, 'SIGTERM');
          setTimeout(() => {
            if (child.exitCode === null) process.kill(pid, 'SIGKILL');
          }, 2000).unref();
        }),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The recorded log

/**
 * One event of a server's log, in the order the proxy saw them: `c` a client connected, `r` bytes
 * from the client (to redis), `s` bytes from redis (to the client), `x` the client closed its
 * side, `X` redis closed the connection. Connections are numbered in the order they were
 * accepted. The bytes of `r` and `s` follow the header in the golden file, in event order; an
 * `r` longer than HASHED_OVER is kept as its SHA-1 only (the replay checks the client sent it).
 */
export type OracleEvent = ['c', number] | ['r', number, number] | ['r', number, number, string] | ['s', number, number] | ['x', number] | ['X', number];

const HASHED_OVER = 4096;
/** Where a recorded redis-server listens (its proxy has the same port on 127.0.0.1). */
const REDIS_HOST = '127.0.0.2';
/** See startReplay's pump. */
const STUCK_MS = 1500;

export interface ServerLog {
  /** `extra` as given, temporary paths replaced by `<tmp>`. */
  extra: string[];
  pid: number;
  /** The port the test connected to (replay listens on it again when it is free). */
  port: number;
  events: OracleEvent[];
}

export interface RedisGolden {
  format: 2;
  /** The test file (relative to the repository) the servers belong to. */
  file: string;
  redis: string;
  servers: Array<ServerLog | null>;
}

interface Recorded {
  log: ServerLog;
  blob: Buffer[];
}

interface FileState {
  started: number;
  servers: Array<Recorded | null>;
  golden?: { header: RedisGolden; blob: Buffer } | null;
}
const files = new Map<string, FileState>();

/** Temporary directories differ between runs: the key keeps only that there was one. */
function normalizeExtra(extra: string[]): string[] {
  const tmp = tmpdir();
  return extra.map((a, i) => (a.startsWith(tmp + '/') || a === tmp ? '<tmp>' : i > 0 && /port$/i.test(extra[i - 1]!) && /^\d+$/.test(a) ? '<port>' : a));
}

// ---------------------------------------------------------------------------------------------
// record: the real server behind a logging proxy

async function startRecording(file: string, state: FileState, index: number, extra: string[]): Promise<RedisProcess> {
  const version = /v=(\S+)/.exec(spawnSync(redisServerPath(), ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  // In memory: consecutive bytes of one connection in one direction are one event.
  type Live = ['c' | 'x' | 'X', number] | ['r' | 's', number, Buffer[]];
  const events: Live[] = [];
  const push = (e: Live) => {
    const last = events[events.length - 1];
    if (last && (e[0] === 'r' || e[0] === 's') && last[0] === e[0] && last[1] === e[1]) (last[2] as Buffer[]).push(...(e[2] as Buffer[]));
    else events.push(e);
  };
  let next = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer({ allowHalfOpen: true }, (client) => {
    const id = next++;
    push(['c', id]);
    // From the client's own address: redis-server sees 127.0.0.2 when the test connected from it
    // (protected mode), and 127.0.0.1 (a local client) otherwise.
    const from = client.remoteAddress?.replace(/^::ffff:/, '');
    const upstream = net.connect({ port: real.port, host: REDIS_HOST, allowHalfOpen: true, localAddress: from || '127.0.0.1' });
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let clientDone = false;
    let serverDone = false;
    const clientClosed = () => {
      if (clientDone) return;
      clientDone = true;
      if (!serverDone) push(['x', id]);
      upstream.end();
    };
    const serverClosed = () => {
      if (serverDone) return;
      serverDone = true;
      if (!clientDone) push(['X', id]);
      client.end();
    };
    client.on('data', (d: Buffer) => {
      push(['r', id, [d]]);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      push(['s', id, [d]]);
      client.write(d);
    });
    client.on('end', clientClosed);
    upstream.on('end', serverClosed);
    client.on('close', () => {
      clientClosed();
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      serverClosed();
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  const real = await startLive(extra, REDIS_HOST, (port) =>
    new Promise<boolean>((resolve) => {
      proxy.once('error', () => resolve(false));
      proxy.listen(port, '127.0.0.1', () => resolve(true));
    }),
  );
  let stopped = false;
  return {
    port: (proxy.address() as net.AddressInfo).port,
    pid: real.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      proxy.close();
      await real.stop();
      for (const s of sockets) s.destroy();
      const out: OracleEvent[] = [];
      const blob: Buffer[] = [];
      for (const e of events) {
        if (e[0] === 'r' || e[0] === 's') {
          const bytes = Buffer.concat(e[2] as Buffer[]);
          if (e[0] === 'r' && bytes.length > HASHED_OVER) {
            out.push(['r', e[1], bytes.length, createHash('sha1').update(bytes).digest('hex')]);
          } else {
            out.push([e[0], e[1], bytes.length] as OracleEvent);
            blob.push(bytes);
          }
        } else out.push(e as OracleEvent);
      }
      state.servers[index] = { log: { extra: normalizeExtra(extra), pid: real.pid, port: real.port, events: out }, blob };
      const header: RedisGolden = { format: 2, file, redis: version, servers: Array.from(state.servers, (s) => s?.log ?? null) };
      writeGoldenBinary(goldenPath(file, 'redis'), header, Array.from(state.servers, (s) => s?.blob ?? []).flat());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// replay: the recorded log played back

const show = (b: Buffer) => {
  const s = b.latin1Slice(0, Math.min(b.length, 120));
  return JSON.stringify(b.length > 120 ? s + '...' : s);
};

interface Segment {
  len: number;
  data?: Buffer;
  sha1?: string;
}

async function startReplay(file: string, index: number, extra: string[]): Promise<RedisProcess> {
  const state = files.get(file)!;
  const where = goldenPath(file, 'redis');
  if (state.golden === undefined) state.golden = readGoldenBinary<RedisGolden>(where) ?? null;
  const golden = state.golden;
  if (golden && golden.header.format !== 2) throw new Error(`${file}: ${where} has an old format; ${RERECORD}`);
  const log = golden?.header.servers[index];
  if (!golden || !log) {
    throw new Error(`${file}: no recorded redis-server #${index + 1} in ${where}; ${RERECORD}`);
  }
  const key = normalizeExtra(extra);
  if (JSON.stringify(key) !== JSON.stringify(log.extra)) {
    throw new Error(`${file}: redis-server #${index + 1} is started with ${JSON.stringify(key)} but was recorded with ${JSON.stringify(log.extra)}; ${RERECORD}`);
  }
  // Where this server's bytes start in the blob: after those of the servers before it.
  let at = 0;
  for (let i = 0; i < index; i++) for (const e of golden.header.servers[i]?.events ?? []) if ((e[0] === 'r' && e.length === 3) || e[0] === 's') at += e[2];
  const events = log.events;
  const sends: Array<Buffer | undefined> = new Array(events.length);
  // What each connection sends, and after each `r` event how much of it has arrived.
  const segments: Segment[][] = [];
  const total: number[] = [];
  const upto: number[] = new Array(events.length).fill(0);
  events.forEach((e, i) => {
    if (e[0] === 'c') {
      segments[e[1]] = [];
      total[e[1]] = 0;
    } else if (e[0] === 'r') {
      if (e.length === 4) segments[e[1]]!.push({ len: e[2], sha1: e[3] });
      else {
        segments[e[1]]!.push({ len: e[2], data: golden.blob.subarray(at, at + e[2]) });
        at += e[2];
      }
      upto[i] = total[e[1]]! += e[2];
    } else if (e[0] === 's') {
      sends[i] = golden.blob.subarray(at, at + e[2]);
      at += e[2];
    }
  });
  interface Conn {
    /** The recorded connection it plays (may change until it has sent or been sent anything). */
    id: number;
    sock: net.Socket;
    /** A recorded reply was written to it. */
    sent?: boolean;
    got: number;
    ended: boolean;
    seg: number;
    segAt: number;
    hash?: Hash;
    failed?: boolean;
  }
  const conns: Conn[] = [];
  let ptr = 0;
  let failure: string | undefined;
  let stopped = false;
  /** Connections given up on (failed, or abandoned by a failed test): not waited for while others are ahead. */
  const abandoned = new Set<number>();
  const fail = (c: Conn, id: number, msg: string) => {
    const text = `golden mismatch: ${file}, redis-server #${index + 1}, connection #${id + 1}: ${msg}; ${RERECORD}`;
    failure ??= text;
    console.error(text);
    // The rest of the log goes on without this connection (other tests may still pass).
    c.failed = true;
    abandoned.add(id);
    c.sock.end(`-ERR ${text.replace(/[\r\n]/g, ' ')}\r\n`);
  };
  // A test that failed half way never sends the rest of its commands: the log would wait for
  // them forever and every later test would time out. When the log has waited STUCK_MS for one
  // connection while another has already sent what comes later, that wait is given up (the
  // server's stop then reports the bytes that never came).
  let stuckTimer: NodeJS.Timeout | undefined;
  const aheadElsewhere = (from: number, conn: number) => {
    for (let j = from + 1; j < events.length; j++) {
      const e = events[j]!;
      if (e[0] === 'r' && e[1] !== conn && (conns[e[1]]?.got ?? 0) >= upto[j]!) return true;
    }
    return false;
  };
  const stuck = () => {
    if (stuckTimer) return;
    const at = ptr;
    stuckTimer = setTimeout(() => {
      stuckTimer = undefined;
      const e = events[at];
      if (stopped || !e) return;
      if (ptr !== at) return pump();
      if (aheadElsewhere(at, e[1])) {
        abandoned.add(e[1]);
        ptr++;
        pump();
      } else stuck();
    }, STUCK_MS);
    stuckTimer.unref();
  };
  const pump = () => {
    while (ptr < events.length) {
      const e = events[ptr]!;
      const c = conns[e[1]];
      switch (e[0]) {
        case 'c':
          if (!c) return stuck();
          break;
        case 'r':
          if (!c || c.got < upto[ptr]!) {
            if (!c?.failed && (!abandoned.has(e[1]) || !aheadElsewhere(ptr, e[1]))) return stuck();
          }
          break;
        case 'x':
          if (!c || !c.ended) {
            if (!c?.failed && (!abandoned.has(e[1]) || !aheadElsewhere(ptr, e[1]))) return stuck();
          }
          break;
        case 's':
          if (c && !c.sock.destroyed && c.sock.writable) {
            c.sock.write(sends[ptr]!);
            c.sent = true;
          }
          break;
        case 'X':
          if (c && !c.sock.destroyed) c.sock.end();
          break;
      }
      ptr++;
    }
  };
  /** Check a chunk the client sent against the recording; false (and the test fails) if it differs. */
  const check = (c: Conn, id: number, d: Buffer): boolean => {
    const segs = segments[id]!;
    let pos = 0;
    while (pos < d.length) {
      const seg = segs[c.seg];
      if (!seg) {
        fail(c, id, `the test sent more than the ${total[id]} bytes recorded, from byte ${total[id]}: ${show(d.subarray(pos))}`);
        return false;
      }
      const n = Math.min(seg.len - c.segAt, d.length - pos);
      const part = d.subarray(pos, pos + n);
      if (seg.data) {
        const want = seg.data.subarray(c.segAt, c.segAt + n);
        if (!want.equals(part)) {
          let k = 0;
          while (want[k] === part[k]) k++;
          fail(c, id, `the test sent different bytes at byte offset ${c.got + k}: recorded ${show(seg.data.subarray(c.segAt + k))}, sent ${show(part.subarray(k))}`);
          return false;
        }
      } else {
        (c.hash ??= createHash('sha1')).update(part);
        if (c.segAt + n === seg.len) {
          const sum = c.hash.digest('hex');
          c.hash = undefined;
          if (sum !== seg.sha1) {
            fail(c, id, `the test sent different bytes in offsets ${c.got + n - seg.len}..${c.got + n - 1} (recorded as their SHA-1 only)`);
            return false;
          }
        }
      }
      c.got += n;
      c.segAt += n;
      pos += n;
      if (c.segAt === seg.len) {
        c.seg++;
        c.segAt = 0;
      }
    }
    return true;
  };
  const sockets = new Set<net.Socket>();
  /** Could recorded connection `id` have begun with these bytes? (Its first bytes kept whole.) */
  const beginsWith = (id: number, d: Buffer) => {
    const seg = segments[id]?.[0];
    if (!seg?.data) return false;
    const n = Math.min(d.length, seg.len);
    return seg.data.subarray(0, n).equals(d.subarray(0, n));
  };
  /**
   * Connections are matched in the order they are accepted. Two connected at once may be accepted
   * in the other order: a first request that is not its recorded connection's but another's,
   * whose socket has neither sent nor received anything yet, swaps them.
   */
  const rematch = (c: Conn, d: Buffer) => {
    if (c.sent || beginsWith(c.id, d)) return;
    for (let j = 0; j < segments.length; j++) {
      const o = conns[j];
      if (j === c.id || (o && (o.got > 0 || o.sent || o.ended)) || !beginsWith(j, d)) continue;
      conns[c.id] = o;
      if (o) o.id = c.id;
      conns[j] = c;
      c.id = j;
      return;
    }
  };
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    let id = 0;
    while (conns[id] !== undefined) id++;
    const c: Conn = { id, sock, got: 0, ended: false, seg: 0, segAt: 0 };
    conns[id] = c;
    sock.on('error', () => {});
    sock.on('close', () => {
      sockets.delete(sock);
      c.ended = true;
      pump();
    });
    sock.on('end', () => {
      c.ended = true;
      pump();
    });
    if (segments[id] === undefined) {
      fail(c, id, `the test opened more connections than the ${segments.length} recorded`);
      return;
    }
    sock.on('data', (d: Buffer) => {
      if (c.failed) return;
      if (c.got === 0) rematch(c, d);
      if (check(c, c.id, d)) pump();
    });
    pump();
  });
  // The recorded port when it is free: replies that name it (INFO tcp_port, CLUSTER NODES) then
  // name the port the test knows.
  for (const port of [log.port, 0]) {
    const ok = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' && port !== 0 ? resolve(false) : reject(e)));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) break;
  }
  return {
    port: (server.address() as net.AddressInfo).port,
    pid: log.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (stuckTimer) clearTimeout(stuckTimer);
      server.close();
      for (const s of sockets) s.destroy();
      if (failure === undefined) {
        const short = segments.findIndex((_, id) => (conns[id]?.got ?? 0) < total[id]!);
        if (short >= 0) failure = `golden mismatch: ${file}, redis-server #${index + 1}, connection #${short + 1}: the test sent ${conns[short]?.got ?? 0} bytes of the ${total[short]} recorded; ${RERECORD}`;
      }
      if (failure !== undefined) throw new Error(failure);
    },
  };
}
