/**
 * Upstream mode with pipelines: every command is forwarded as soon as it is
 * parsed, replies are matched in order by counting frames. Each case sends
 * the same bytes through RedKit and straight to the redis-server behind it
 * (one after the other, the data flushed in between) and compares the
 * reply frames: pipelines of mixed commands with MULTI/EXEC and errors, a
 * BLPOP followed by more commands on the same connection, pub/sub with
 * pushes in RESP2 and RESP3, CLIENT REPLY OFF/SKIP, QUIT, and fault rules in
 * the middle of a pipeline. Run with the recorder off (replies relayed as
 * they come) and on (replies through the middleware, in an ordered queue).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { encodeCommand, encodePipeline, flushAll, RawClient, RawClientPool } from '../support/raw-client.js';
import { rng } from '../support/random.js';
import { startRedisServer, type RedisProcess } from '../support/redis-server.js';

let redis: RedisProcess;
let passThrough: RedKit;
let recording: RedKit;
const raws = new RawClientPool();

beforeAll(async () => {
  redis = await startRedisServer();
  passThrough = await startRedKit({ upstream: `redis://127.0.0.1:${redis.port}`, logger: 'error', record: false });
  recording = await startRedKit({ upstream: `redis://127.0.0.1:${redis.port}`, logger: 'error' });
});
afterAll(async () => {
  await passThrough?.stop();
  await recording?.stop();
  await redis?.stop();
});
beforeEach(async () => {
  raws.closeAll();
  await passThrough.reset();
  await recording.reset();
  await flush();
});

const flush = (): Promise<void> => flushAll(redis.port);
const raw = (port: number): Promise<RawClient> => raws.connect(port);
const pipeline = encodePipeline;


/** Read frames until `done` says the last one read ends it. */
async function readUntil(c: RawClient, done: (frame: string, all: string[]) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const f = await c.read();
    out.push(f);
    if (done(f, out)) return out;
  }
}

async function readN(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read());
  return out;
}

/** HELLO names the connection's id (the proxy's upstream connection is another client). */
const maskId = (x: string) => x.replace(/(\$2\r\nid\r\n):\d+/, '$1:ID');

/** A pipeline of `n` mixed commands: strings, lists, hashes, sorted sets, MULTI/EXEC blocks, errors, SELECT. */
function mixed(seed: number, n: number): string[][] {
  const next = rng(seed);
  const rnd = { int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
  const key = () => `k${rnd.int(0, 7)}`;
  const cmds: string[][] = [];
  while (cmds.length < n) {
    switch (rnd.int(0, 15)) {
      case 0:
        cmds.push(['SET', key(), `v${rnd.int(0, 99)}`]);
        break;
      case 1:
        cmds.push(['GET', key()]);
        break;
      case 2:
        cmds.push(['INCR', key()]); // often WRONGTYPE or not an integer
        break;
      case 3:
        cmds.push(['LPUSH', key(), 'a', 'b']);
        break;
      case 4:
        cmds.push(['LRANGE', key(), '0', '-1']);
        break;
      case 5:
        cmds.push(['HSET', key(), 'f', String(rnd.int(0, 9)), 'g', 'x']);
        break;
      case 6:
        cmds.push(['HGETALL', key()]);
        break;
      case 7:
        cmds.push(['ZADD', key(), String(rnd.int(0, 9)) + '.5', 'm']);
        break;
      case 8:
        cmds.push(['ZRANGE', key(), '0', '-1', 'WITHSCORES']);
        break;
      case 9:
        cmds.push(['NOSUCHCOMMAND', key()]);
        break;
      case 10:
        cmds.push(['GET']); // wrong arity
        break;
      case 11:
        // A transaction: sometimes with a queued error (EXECABORT), sometimes discarded.
        cmds.push(['MULTI'], ['INCR', 'counter'], ['GET', key()]);
        if (rnd.int(0, 2) === 0) cmds.push(['SET']);
        cmds.push(rnd.int(0, 3) === 0 ? ['DISCARD'] : ['EXEC']);
        break;
      case 12:
        cmds.push(['SELECT', String(rnd.int(0, 2))]);
        break;
      case 13:
        cmds.push(['DEL', key(), key()]);
        break;
      case 14:
        cmds.push(['EXEC']); // without MULTI
        break;
      default:
        cmds.push(['PING']);
    }
  }
  return cmds;
}

const MODES = [
  ['recorder off', () => passThrough],
  ['recorder on', () => recording],
] as const;

describe.each(MODES)('%s', (_label, rk) => {
  it('pipelines of 100 mixed commands (MULTI/EXEC, errors, SELECT) in one write: the same frames as a direct connection', async () => {
    for (const seed of [1, 2, 3]) {
      const cmds = mixed(seed, 100);
      const bytes = pipeline(cmds);
      const via = await raw(rk().port);
      via.write(bytes);
      const got = await readN(via, cmds.length);
      await flush();
      const direct = await raw(redis.port);
      direct.write(bytes);
      const want = await readN(direct, cmds.length);
      expect(got, `seed ${seed}`).toEqual(want);
      // Nothing more came.
      expect(await via.call('PING')).toBe('+PONG\r\n');
      await flush();
    }
  });

  it('a pipeline cut across many small writes: the same frames', async () => {
    const cmds = mixed(7, 100);
    const bytes = pipeline(cmds);
    const via = await raw(rk().port);
    for (let i = 0; i < bytes.length; i += 37) via.write(bytes.subarray(i, i + 37));
    const got = await readN(via, cmds.length);
    await flush();
    const direct = await raw(redis.port);
    direct.write(bytes);
    expect(got).toEqual(await readN(direct, cmds.length));
  });

  it('a BLPOP followed by pipelined commands: they are forwarded (Redis queues them) and answer after it', async () => {
    const cmds = [['BLPOP', 'q', '0'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'n'], ['LPOP', 'q']];
    const run = async (port: number) => {
      const c = await raw(port);
      c.write(pipeline(cmds));
      // The upstream holds the whole pipeline: the BLPOP blocked, the rest in its query buffer.
      const admin = await raw(redis.port);
      for (;;) {
        const list = await admin.call('CLIENT', 'LIST');
        const blocked = list.split('\n').find((l) => l.includes('cmd=blpop') && / flags=b /.test(l));
        if (blocked && !/ qbuf=0 /.test(blocked)) break;
      }
      expect(c.pending()).toBe('');
      const pusher = await raw(redis.port);
      expect(await pusher.call('RPUSH', 'q', 'x', 'y')).toBe(':2\r\n');
      return readN(c, cmds.length);
    };
    const got = await run(rk().port);
    await flush();
    const want = await run(redis.port);
    expect(got).toEqual(want);
    expect(got[0]).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
  });

  it.each(['2', '3'])('pub/sub with pushes in RESP%s: subscriptions, messages and replies in one stream, pipelined', async (proto) => {
    const run = async (port: number) => {
      const c = await raw(port);
      const pub = await raw(redis.port);
      c.write(pipeline([['HELLO', proto], ['SET', 'k', 'v'], ['SUBSCRIBE', 'a', 'b'], ['PING'], ['PSUBSCRIBE', 'p*'], ['PING', 'x']]));
      const frames = await readN(c, 1 + 1 + 2 + 1 + 1 + 1);
      expect(await pub.call('PUBLISH', 'a', 'one')).toBe(':1\r\n');
      expect(await pub.call('PUBLISH', 'pq', 'two')).toBe(':1\r\n');
      frames.push(...(await readN(c, 2)));
      // Commands allowed in the subscribed state (and, in RESP3, any command) with a message in between.
      const more = proto === '3' ? [['GET', 'k'], ['UNSUBSCRIBE', 'a'], ['PING'], ['GET', 'nothing']] : [['PING'], ['UNSUBSCRIBE', 'a'], ['PING'], ['GET', 'k']];
      c.write(pipeline(more));
      frames.push(...(await readN(c, 4)));
      expect(await pub.call('PUBLISH', 'b', 'three')).toBe(':1\r\n');
      frames.push(await c.read());
      c.write(pipeline([['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['PING']]));
      frames.push(...(await readN(c, 3)));
      return frames.map(maskId);
    };
    const got = await run(rk().port);
    await flush();
    const want = await run(redis.port);
    expect(got).toEqual(want);
    expect(got.join('')).toContain('three');
  });

  it('CLIENT REPLY OFF / SKIP / ON inside a pipeline: the same frames', async () => {
    const cmds = [
      ['SET', 'a', '1'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['INCR', 'n'],
      ['NOSUCHCOMMAND'],
      ['CLIENT', 'REPLY', 'BAD'],
      ['INCR', 'n'],
      ['CLIENT', 'REPLY', 'ON'],
      ['GET', 'n'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['INCR', 'n'],
      ['GET', 'n'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'ON'],
      ['CLIENT', 'REPLY', 'BAD'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['RESET'], // answers, and turns replies back on
      ['GET', 'n'],
      ['ECHO', 'end'],
    ];
    const run = async (port: number) => {
      const c = await raw(port);
      c.write(pipeline(cmds));
      return readUntil(c, (f) => f === '$3\r\nend\r\n');
    };
    const got = await run(rk().port);
    await flush();
    const want = await run(redis.port);
    expect(got).toEqual(want);
  });

  it('a protocol error behind pipelined commands: their replies first, then the error, then the connection closes', async () => {
    const bytes = Buffer.concat([pipeline([['SET', 'a', '1'], ['BLPOP', 'q', '0'], ['INCR', 'a']]), Buffer.from('*1\r\n$x\r\n', 'latin1')]);
    const run = async (port: number) => {
      const c = await raw(port);
      c.write(bytes);
      // The BLPOP holds the replies behind it until something is pushed.
      const first = await c.read();
      const pusher = await raw(redis.port);
      expect(await pusher.call('RPUSH', 'q', 'v')).toBe(':1\r\n');
      return first + (await c.readUntilClose(5000));
    };
    const got = await run(rk().port);
    await flush();
    const want = await run(redis.port);
    expect(got).toBe(want);
    expect(got).toBe('+OK\r\n*2\r\n$1\r\nq\r\n$1\r\nv\r\n:2\r\n-ERR Protocol error: invalid bulk length\r\n');
  });

  it('QUIT in the middle of a pipeline: the replies before it, +OK, then the connection closes (nothing after it runs)', async () => {
    const cmds = [['SET', 'a', '1'], ['INCR', 'n'], ['QUIT'], ['SET', 'after', '1'], ['INCR', 'n']];
    const run = async (port: number) => {
      const c = await raw(port);
      c.write(pipeline(cmds));
      const all = await c.readUntilClose(5000);
      const check = await raw(redis.port);
      return [all, await check.call('EXISTS', 'after'), await check.call('GET', 'n')];
    };
    const got = await run(rk().port);
    await flush();
    const want = await run(redis.port);
    expect(got).toEqual(want);
    expect(got[0]).toBe('+OK\r\n:1\r\n+OK\r\n');
  });
});

describe('MONITOR and a lost upstream, pipelined', () => {
  it.each(MODES)('MONITOR with commands behind it (%s): replies and the feed in the same order as direct', async (_label, rk) => {
    // The feed names the sender's address and the time: the proxy's upstream connection is another client.
    const norm = (x: string) => x.replace(/^\+\d+\.\d+ \[(\d+) [^\]]+\]/, '+TIME [$1 ADDR]');
    const run = async (port: number) => {
      const c = await raw(port);
      c.write(pipeline([['MONITOR'], ['SET', 'a', '1'], ['PING'], ['GET', 'a'], ['PING', 'x']]));
      // +OK, an error, +PONG and its feed line, an error, $1 x and its feed line.
      const frames = await readN(c, 7);
      const other = await raw(redis.port);
      expect(await other.call('SET', 'seen', 'by-monitor')).toBe('+OK\r\n');
      frames.push(await c.read());
      return frames.map(norm);
    };
    const got = await run(rk().port);
    const want = await run(redis.port);
    expect(got).toEqual(want);
    expect(got[got.length - 1]).toContain('"by-monitor"');
  });

  it.each(MODES)('the upstream connection goes away with a pipeline pending (%s): each command answers connection lost, then the client is closed', async (_label, rk) => {
    const c = await raw(rk().port);
    expect(await c.call('CLIENT', 'SETNAME', 'victim')).toBe('+OK\r\n');
    c.write(pipeline([['BLPOP', 'never', '0'], ['GET', 'a'], ['PING']]));
    const d = await raw(redis.port);
    // Wait until the whole pipeline is on the upstream, then kill that connection from the upstream side.
    for (;;) {
      const list = await d.call('CLIENT', 'LIST');
      const line = list.split('\n').find((l) => / name=victim /.test(l));
      if (line && / flags=b /.test(line) && !/ qbuf=0 /.test(line)) break;
    }
    expect(await d.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).toBe(':1\r\n');
    const all = await c.readUntilClose(5000);
    expect(all).toMatch(/^(-ERR upstream redis:\/\/127\.0\.0\.1:\d+ connection lost\r\n){3}$/);
  });
});

describe('the recorder, pipelined', () => {
  it('records every command of a pipeline with its reply, in order', async () => {
    const cmds = mixed(11, 100);
    const c = await raw(recording.port);
    c.write(pipeline(cmds));
    const got = await readN(c, cmds.length);
    const entries = recording.recorder.list(true).slice(-cmds.length);
    expect(entries.map((e) => [e.name.split(' ')[0], ...e.args])).toEqual(cmds.map((x) => [x[0].toUpperCase(), ...x.slice(x[0] === 'CLIENT' ? 2 : 1)]));
    entries.forEach((e, i) => {
      if (got[i].startsWith('-')) expect(e.errorMessage, `${i}`).toBe(got[i].slice(1, -2));
      else expect(e.error, `${i}`).toBe(false);
    });
    // Replies as values, for a few that are easy to read back from the bytes.
    entries.forEach((e, i) => {
      if (got[i].startsWith(':')) expect(e.reply, `${i} ${e.name}`).toBe(Number(got[i].slice(1, -2)));
      if (got[i] === '+PONG\r\n') expect(e.reply).toBe('PONG');
    });
    // db follows the SELECTs of the pipeline.
    let db = 0;
    entries.forEach((e, i) => {
      expect(e.db, `${i} ${e.name}`).toBe(db);
      if (e.name === 'SELECT' && got[i] === '+OK\r\n' && !inMultiAt(cmds, i)) db = Number(e.args[0]);
    });
  });
});

/** True when command i is queued by a MULTI before it (not yet EXEC/DISCARD). */
function inMultiAt(cmds: string[][], i: number): boolean {
  let m = false;
  for (let j = 0; j < i; j++) {
    const n = cmds[j][0];
    if (n === 'MULTI') m = true;
    else if (n === 'EXEC' || n === 'DISCARD') m = false;
  }
  return m;
}

describe('faults in the middle of a pipeline', () => {
  const cmds = (): string[][] => {
    const xs = mixed(5, 100).filter((c) => c[0] !== 'SELECT');
    // The faulted command, in the middle (not queued by a MULTI: a command at index 50 runs on its own).
    while (inMultiAt(xs, 50)) xs.splice(49, 1);
    xs.splice(50, 0, ['SET', 'target', 'x']);
    xs.push(['GET', 'target'], ['ECHO', 'end']);
    return xs;
  };

  async function directFrames(list: string[][]): Promise<string[]> {
    await flush();
    const d = await raw(redis.port);
    d.write(pipeline(list));
    return readN(d, list.length);
  }

  it('a rule added while relayed commands are in flight: its answer waits for their replies', async () => {
    // Recorder off: the BLPOP's reply is relayed as it comes; the GET's local answer must not overtake it.
    const c = await raw(passThrough.port);
    c.send('BLPOP', 'q', '0');
    const d = await raw(redis.port);
    for (;;) {
      const list = await d.call('CLIENT', 'LIST');
      if (list.split('\n').some((l) => l.includes('cmd=blpop') && / flags=b /.test(l))) break;
    }
    passThrough.faults.add({ command: 'GET', error: 'ERR injected', times: 1 });
    c.write(pipeline([['GET', 'a'], ['ECHO', 'after']]));
    expect(await d.call('RPUSH', 'q', 'v')).toBe(':1\r\n');
    expect(await readN(c, 3)).toEqual(['*2\r\n$1\r\nq\r\n$1\r\nv\r\n', '-ERR injected\r\n', '$5\r\nafter\r\n']);
  });

  it('error: that command answers the error without reaching the upstream; the others as direct, in order', async () => {
    const list = cmds();
    recording.faults.add({ command: 'SET', key: 'target', error: 'READONLY injected', times: 1 });
    const c = await raw(recording.port);
    c.write(pipeline(list));
    const got = await readN(c, list.length);
    const want = await directFrames(list.filter((x) => !(x[0] === 'SET' && x[1] === 'target')));
    want.splice(50, 0, '-READONLY injected\r\n');
    expect(got).toEqual(want);
    expect(got[got.length - 2]).toBe('$-1\r\n');
  });

  it('delay: the command and everything after it wait; the upstream runs them in order', async () => {
    const list = cmds();
    recording.faults.add({ command: 'SET', key: 'target', delay: 30, times: 1 });
    const c = await raw(recording.port);
    c.write(pipeline(list));
    const got = await readN(c, list.length);
    expect(got).toEqual(await directFrames(list));
    expect(got[got.length - 2]).toBe('$1\r\nx\r\n');
    expect(recording.recorder.find((e) => e.name === 'SET' && e.args[0] === 'target')?.fault).toMatch(/delay/);
  });

  it('hang: the replies before it arrive, nothing after it until the rule is cleared, then the rest in order', async () => {
    const list = cmds();
    recording.faults.add({ command: 'SET', key: 'target', hang: true });
    const c = await raw(recording.port);
    c.write(pipeline(list));
    const first = await readN(c, 50);
    // The held command is not on the upstream: the ones behind it are not either.
    const check = await raw(redis.port);
    expect(await check.call('EXISTS', 'target')).toBe(':0\r\n');
    expect(c.pending()).toBe('');
    recording.faults.clear();
    const rest = await readN(c, list.length - 50);
    expect([...first, ...rest]).toEqual(await directFrames(list));
  });

  it('drop: the replies before it, then the connection closes; nothing after it reaches the upstream', async () => {
    const list = cmds();
    recording.faults.add({ command: 'SET', key: 'target', drop: true });
    const c = await raw(recording.port);
    c.write(pipeline(list));
    const all = await c.readUntilClose(5000);
    const check = await raw(redis.port);
    expect(await check.call('EXISTS', 'target')).toBe(':0\r\n');
    const want = await directFrames(list.slice(0, 50));
    expect(all).toBe(want.join(''));
  });

  it('partial: the replies before it whole, that one cut, then the connection closes', async () => {
    const list = cmds();
    recording.faults.add({ command: 'SET', key: 'target', partial: 2 });
    const c = await raw(recording.port);
    c.write(pipeline(list));
    const all = await c.readUntilClose(5000);
    const want = await directFrames(list.slice(0, 50));
    expect(all).toBe(want.join('') + '+O');
  });
});
