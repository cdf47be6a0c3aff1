/**
 * Upstream mode's raw forwarding (Link.rawInput): with nothing acting on
 * commands (recorder off, no fault rule, no user middleware), a client read
 * made only of complete multibulk commands that change nothing the link
 * tracks goes upstream as the client's own bytes, before RedKit parses it.
 * Each case checks that the path was (or was not) taken, with
 * `upstream.stats.rawCommands`, and compares the reply frames with the same
 * bytes sent straight to the redis-server: reads that must take the usual
 * way (state commands, inline commands, a command cut across reads, CLIENT
 * REPLY OFF, odd headers), and a fault rule added between two raw reads,
 * which must apply to the next one in order.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { encodeCommand, encodePipeline, flushAll, RawClient, RawClientPool } from '../support/raw-client.js';
import { rng } from '../support/random.js';
import { startRedisServer, type RedisProcess } from '../support/redis-server.js';

let redis: RedisProcess;
let rk: RedKit;
const raws = new RawClientPool();

beforeAll(async () => {
  redis = await startRedisServer();
  rk = await startRedKit({ upstream: `redis://127.0.0.1:${redis.port}`, logger: 'error', record: false });
});
afterAll(async () => {
  await rk?.stop();
  await redis?.stop();
});
beforeEach(async () => {
  raws.closeAll();
  await rk.reset();
  rk.recorder.enabled = false;
  await flush();
});

const flush = (): Promise<void> => flushAll(redis.port);
const raw = (port: number): Promise<RawClient> => raws.connect(port);
const pipeline = encodePipeline;


async function readN(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read());
  return out;
}

const rawCount = (): number => rk.upstream!.stats.rawCommands;
const rawReads = (): number => rk.upstream!.stats.rawReads;

/**
 * Send `reads` (each one client write, waiting for `replies[i]` frames in
 * between) through RedKit after a PING (the upstream connection is open),
 * then the same to redis-server; returns both frame lists and how many
 * commands went raw.
 */
async function compare(reads: Buffer[], replies: number[]): Promise<{ got: string[]; want: string[]; rawDelta: number }> {
  const via = await raw(rk.port);
  expect(await via.call('PING')).toBe('+PONG\r\n');
  const before = rawCount();
  const got: string[] = [];
  for (let i = 0; i < reads.length; i++) {
    via.write(reads[i]);
    got.push(...(await readN(via, replies[i])));
  }
  const rawDelta = rawCount() - before;
  // Nothing more came, and the link is still in step.
  expect(await via.call('ECHO', 'end')).toBe('$3\r\nend\r\n');
  await flush();
  const direct = await raw(redis.port);
  const want: string[] = [];
  for (let i = 0; i < reads.length; i++) {
    direct.write(reads[i]);
    want.push(...(await readN(direct, replies[i])));
  }
  return { got, want, rawDelta };
}

describe('raw forwarding', () => {
  it('plain commands in one read go raw; replies as direct', async () => {
    const cmds = [['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['LPUSH', 'l', 'x', 'y'], ['LRANGE', 'l', '0', '-1'], ['GET'], ['NOSUCH', 'x'], ['PING'], ['HSET', 'h', 'f', 'v'], ['HGETALL', 'h']];
    const { got, want, rawDelta } = await compare([pipeline(cmds)], [cmds.length]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(cmds.length);
  });

  it('one command per read (-P 1): each goes raw', async () => {
    const reads = [['SET', 'k', 'v'], ['GET', 'k'], ['DEL', 'k'], ['GET', 'k']].map((c) => encodeCommand(c));
    const { got, want, rawDelta } = await compare(reads, [1, 1, 1, 1]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(4);
  });

  it('a read with a command the link tracks (MULTI, SELECT, SUBSCRIBE, CLIENT, HELLO...) takes the usual way', async () => {
    const reads = [
      pipeline([['SET', 'a', '1'], ['MULTI'], ['INCR', 'a'], ['EXEC']]),
      pipeline([['SELECT', '2'], ['SET', 'b', '2'], ['SELECT', '0'], ['GET', 'b']]),
      pipeline([['CLIENT', 'SETNAME', 'x'], ['GET', 'a']]),
      pipeline([['HELLO', '3'], ['HGETALL', 'nosuch']]),
      pipeline([['HELLO', '2'], ['ECHO', 'x']]),
    ];
    const { got, want, rawDelta } = await compare(reads, [4, 4, 2, 2, 2]);
    expect(got.map((f) => f.replace(/(\$2\r\nid\r\n):\d+/, '$1:ID'))).toEqual(want.map((f) => f.replace(/(\$2\r\nid\r\n):\d+/, '$1:ID')));
    expect(rawDelta).toBe(0);
  });

  it('after MULTI (its own read), the queued commands go raw and EXEC answers as direct', async () => {
    const reads = [encodeCommand(['MULTI']), pipeline([['SET', 'a', '1'], ['INCR', 'a'], ['GET', 'a']]), encodeCommand(['EXEC'])];
    const { got, want, rawDelta } = await compare(reads, [1, 3, 1]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(3);
  });

  it('subscribed (RESP2): reads take the usual way; pushes and errors as direct', async () => {
    const reads = [encodeCommand(['SUBSCRIBE', 'ch']), pipeline([['GET', 'a'], ['PING']]), encodeCommand(['UNSUBSCRIBE']), encodeCommand(['GET', 'a'])];
    const { got, want, rawDelta } = await compare(reads, [1, 2, 1, 1]);
    expect(got).toEqual(want);
    // Only the GET after UNSUBSCRIBE's confirmation.
    expect(rawDelta).toBe(1);
  });

  it('CLIENT REPLY OFF: nothing goes raw until ON, the frames as direct', async () => {
    const reads = [encodeCommand(['CLIENT', 'REPLY', 'OFF']), pipeline([['SET', 'a', '1'], ['INCR', 'a']]), encodeCommand(['CLIENT', 'REPLY', 'ON']), encodeCommand(['GET', 'a'])];
    const { got, want, rawDelta } = await compare(reads, [0, 0, 1, 1]);
    expect(got).toEqual(want);
    expect(got).toEqual(['+OK\r\n', '$1\r\n2\r\n']);
    expect(rawDelta).toBe(1);
  });

  it('inline commands, a command cut across reads, odd headers and names: the usual way, replies as direct', async () => {
    const get = encodeCommand(['GET', 'a']);
    const reads = [
      Buffer.from('SET a inline\r\n'),
      get.subarray(0, 7),
      Buffer.concat([get.subarray(7), encodeCommand(['GET', 'a'])]),
      Buffer.from('*1\r\n$4\r\nPING\r\n*0\r\n*1\r\n$4\r\nPING\r\n'),
      // Latin-1 names: not ASCII, never raw (ß upper-cases to SS).
      Buffer.concat([Buffer.from('*2\r\n$9\r\n'), Buffer.from('ßubscribe', 'latin1'), Buffer.from('\r\n$1\r\nx\r\n')]),
      // Turned away by the name filter (RPUSH looks like RESET), still right.
      pipeline([['RPUSH', 'l', 'a'], ['SINTER', 'nosuch']]),
    ];
    const { got, want, rawDelta } = await compare(reads, [1, 0, 2, 2, 1, 2]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(0);
  });

  it('a read larger than the raw buffer takes the usual way', async () => {
    const big = 'x'.repeat(20000);
    const { got, want, rawDelta } = await compare([pipeline([['SET', 'big', big], ['STRLEN', 'big']])], [2]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(0);
  });

  it('a fault rule added between two raw reads applies to the next one, in order', async () => {
    const c = await raw(rk.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    const before = rawCount();
    c.write(pipeline([['SET', 'a', '1'], ['GET', 'a']]));
    expect(await readN(c, 2)).toEqual(['+OK\r\n', '$1\r\n1\r\n']);
    expect(rawCount() - before).toBe(2);
    rk.faults.add({ command: 'GET', error: 'ERR injected', times: 1 });
    c.write(pipeline([['INCR', 'a'], ['GET', 'a'], ['GET', 'a'], ['ECHO', 'x']]));
    expect(await readN(c, 4)).toEqual([':2\r\n', '-ERR injected\r\n', '$1\r\n2\r\n', '$1\r\nx\r\n']);
    // Not raw while the rule is installed.
    expect(rawCount() - before).toBe(2);
    rk.faults.clear();
    c.write(pipeline([['GET', 'a']]));
    expect(await readN(c, 1)).toEqual(['$1\r\n2\r\n']);
    expect(rawCount() - before).toBe(3);
  });

  it('the recorder switched on between two raw reads records the next one', async () => {
    const c = await raw(rk.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    c.write(encodeCommand(['SET', 'a', '1']));
    expect(await c.read()).toBe('+OK\r\n');
    rk.recorder.enabled = true;
    c.write(pipeline([['GET', 'a'], ['INCR', 'a']]));
    expect(await readN(c, 2)).toEqual(['$1\r\n1\r\n', ':2\r\n']);
    const entries = rk.recorder.list(true).filter((e) => e.name !== 'PING');
    expect(entries.map((e) => [e.name, e.args, e.reply])).toEqual([
      ['GET', ['a'], '1'],
      ['INCR', ['a'], 2],
    ]);
  });

  it('a BLPOP that blocks, then raw reads: queued behind it on the upstream, answered in order', async () => {
    const c = await raw(rk.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    const before = rawCount();
    c.write(encodeCommand(['BLPOP', 'q', '0']));
    const d = await raw(redis.port);
    for (;;) {
      const list = await d.call('CLIENT', 'LIST');
      if (list.split('\n').some((l) => l.includes('cmd=blpop') && / flags=b /.test(l))) break;
    }
    c.write(pipeline([['SET', 'a', '1'], ['GET', 'a']]));
    expect(await d.call('RPUSH', 'q', 'v')).toBe(':1\r\n');
    expect(await readN(c, 3)).toEqual(['*2\r\n$1\r\nq\r\n$1\r\nv\r\n', '+OK\r\n', '$1\r\n1\r\n']);
    expect(rawCount() - before).toBe(3);
  });
});

describe('raw relay of replies', () => {
  it('replies of relayed commands go to the client as read; a reply cut across reads the usual way, then raw again', async () => {
    const big = 'v'.repeat(300000);
    const reads = [encodeCommand(['SET', 'big', big]), encodeCommand(['GET', 'big']), pipeline([['GET', 'big'], ['STRLEN', 'big'], ['PING']]), encodeCommand(['GET', 'nosuch'])];
    const before = rawReads();
    const { got, want } = await compare(reads, [1, 1, 3, 1]);
    expect(got).toEqual(want);
    expect(got[1]).toBe(`$300000\r\n${big}\r\n`);
    // At least SET's, PING's before it, GET nosuch's and ECHO's replies came in reads of their own.
    expect(rawReads() - before).toBeGreaterThanOrEqual(4);
  });

  it('pub/sub pushes in RESP3 between replies: relayed as read, the same frames as direct', async () => {
    const c = await raw(rk.port);
    expect(await c.call('HELLO', '3')).toContain('proto');
    expect(await c.call('SUBSCRIBE', 'ch')).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
    const before = rawReads();
    const p = await raw(redis.port);
    expect(await p.call('PUBLISH', 'ch', 'hi')).toBe(':1\r\n');
    expect(await c.read()).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
    expect(await c.call('GET', 'a')).toBe('_\r\n');
    expect(await p.call('PUBLISH', 'ch', 'again')).toBe(':1\r\n');
    expect(await c.read()).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nagain\r\n');
    expect(rawReads() - before).toBe(3);
  });

  it('with the recorder on, replies are kept for it (not relayed raw) and recorded', async () => {
    rk.recorder.enabled = true;
    const c = await raw(rk.port);
    expect(await c.call('SET', 'a', '1')).toBe('+OK\r\n');
    const before = rawReads();
    expect(await c.call('GET', 'a')).toBe('$1\r\n1\r\n');
    expect(rawReads() - before).toBe(0);
    expect(rk.recorder.last('GET')?.reply).toBe('1');
  });
});

describe('raw forwarding on the stream path (directIo: false)', () => {
  it('plain reads go raw and answer as direct; a tracked command between them the usual way', async () => {
    const streams = await startRedKit({ upstream: `redis://127.0.0.1:${redis.port}`, logger: 'error', record: false, directIo: false });
    try {
      const c = await raw(streams.port);
      expect(await c.call('PING')).toBe('+PONG\r\n');
      const before = streams.upstream!.stats.rawCommands;
      c.write(pipeline([['SET', 'a', '1'], ['INCR', 'a'], ['GET', 'a']]));
      expect(await readN(c, 3)).toEqual(['+OK\r\n', ':2\r\n', '$1\r\n2\r\n']);
      c.write(pipeline([['SELECT', '1'], ['GET', 'a']]));
      expect(await readN(c, 2)).toEqual(['+OK\r\n', '$-1\r\n']);
      c.write(encodeCommand(['GET', 'a']));
      expect(await c.read()).toBe('$-1\r\n');
      expect(streams.upstream!.stats.rawCommands - before).toBe(4);
    } finally {
      await streams.stop();
    }
  });
});

describe('raw forwarding with the recorder on (nothing else acting)', () => {
  it('plain reads go raw, then are parsed for the recorder: entries and replies in order', async () => {
    rk.recorder.enabled = true;
    const cmds = [['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['NOSUCH'], ['LPUSH', 'l', 'x']];
    const { got, want, rawDelta } = await compare([pipeline(cmds), encodeCommand(['GET', 'a'])], [cmds.length, 1]);
    expect(got).toEqual(want);
    expect(rawDelta).toBe(cmds.length + 1);
    const entries = rk.recorder.list(true).filter((e) => e.name !== 'PING' && e.name !== 'ECHO');
    expect(entries.map((e) => [e.name, e.args, e.reply])).toEqual([
      ['SET', ['a', '1'], 'OK'],
      ['GET', ['a'], '1'],
      ['INCR', ['a'], 2],
      ['NOSUCH', [], entries[3].reply],
      ['LPUSH', ['l', 'x'], 1],
      ['GET', ['a'], '2'],
    ]);
    expect(entries[3].errorMessage).toBe("ERR unknown command 'NOSUCH', with args beginning with: ");
  });

  it('a SELECT still in flight: the next read waits for it (the entries have the right db), then raw again', async () => {
    rk.recorder.enabled = true;
    const c = await raw(rk.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    const before = rawCount();
    c.write(encodeCommand(['SELECT', '3']));
    c.write(encodeCommand(['SET', 'a', 'in3']));
    expect(await readN(c, 2)).toEqual(['+OK\r\n', '+OK\r\n']);
    c.write(encodeCommand(['GET', 'a']));
    expect(await c.read()).toBe('$3\r\nin3\r\n');
    const entries = rk.recorder.list(true).filter((e) => e.name !== 'PING');
    expect(entries.map((e) => [e.name, e.db])).toEqual([
      ['SELECT', 0],
      ['SET', 3],
      ['GET', 3],
    ]);
    // The GET at least (the SET too when it came in a read of its own after SELECT's reply).
    expect(rawCount() - before).toBeGreaterThanOrEqual(1);
    const d = await raw(redis.port);
    await d.call('SELECT', '3');
    expect(await d.call('GET', 'a')).toBe('$3\r\nin3\r\n');
  });

  it('the recorder on and a fault rule: not raw, the rule applies', async () => {
    rk.recorder.enabled = true;
    const c = await raw(rk.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    const before = rawCount();
    rk.faults.add({ command: 'GET', error: 'ERR injected', times: 1 });
    c.write(pipeline([['SET', 'a', '1'], ['GET', 'a'], ['GET', 'a']]));
    expect(await readN(c, 3)).toEqual(['+OK\r\n', '-ERR injected\r\n', '$1\r\n1\r\n']);
    expect(rawCount() - before).toBe(0);
    expect(rk.recorder.list(true).filter((e) => e.name === 'GET').map((e) => e.errorMessage ?? null)).toEqual(['ERR injected', null]);
  });
});

describe('raw forwarding, random cuts', () => {
  it.each([false, true])('plain and tracked commands cut at random points (recorder %s): the same frames as direct, some reads raw', async (recorder) => {
    for (const seed of [1, 2, 3]) {
      rk.recorder.enabled = recorder;
      const next = rng(seed);
      const int = (n: number) => Math.floor(next() * n);
      const cmds: string[][] = [];
      for (let i = 0; i < 200; i++) {
        const k = `k${int(5)}`;
        const pick = int(12);
        cmds.push(
          pick < 3 ? ['SET', k, 'v'.repeat(int(40))] : pick < 6 ? ['GET', k] : pick < 8 ? ['INCR', `n${int(3)}`] : pick === 8 ? ['LPUSH', `l${int(2)}`, 'a', 'b'] : pick === 9 ? ['PING'] : pick === 10 ? ['SELECT', String(int(2))] : ['MULTI'],
        );
        if (cmds[cmds.length - 1][0] === 'MULTI') cmds.push(['INCR', 'm'], ['EXEC']);
      }
      const bytes = pipeline(cmds);
      // Reads: mostly whole commands (one or a few per write), some cut anywhere.
      const reads: Buffer[] = [];
      let p = 0;
      while (p < bytes.length) {
        let end: number;
        if (int(4) === 0) end = Math.min(bytes.length, p + 1 + int(60));
        else {
          // up to the end of 1-3 more commands
          end = p;
          const want = 1 + int(3);
          let seen = 0;
          while (end < bytes.length && seen < want) {
            end = bytes.indexOf('*', end + 1);
            if (end < 0) end = bytes.length;
            seen++;
          }
        }
        reads.push(bytes.subarray(p, end));
        p = end;
      }
      const before = rawCount();
      const via = await raw(rk.port);
      expect(await via.call('PING')).toBe('+PONG\r\n');
      // One write at a time, each after the replies so far have arrived (so reads stay apart).
      // One write per turn of the event loop, so that reads mostly stay apart.
      for (const r of reads) {
        via.write(r);
        await new Promise((res) => setTimeout(res, 0));
      }
      const got = await readN(via, cmds.length);
      const rawDelta = rawCount() - before;
      expect(await via.call('ECHO', 'end')).toBe('$3\r\nend\r\n');
      await flush();
      const direct = await raw(redis.port);
      direct.write(bytes);
      const want = await readN(direct, cmds.length);
      expect(got, `seed ${seed}`).toEqual(want);
      expect(rawDelta, `seed ${seed}`).toBeGreaterThan(0);
      if (recorder) {
        // Every command recorded once (PINGs aside: the connection's own PING/ECHO are there too).
        const count = (xs: string[]) => xs.reduce((m: Record<string, number>, n) => ((m[n] = (m[n] ?? 0) + 1), m), {});
        const names = rk.recorder.list(true).map((e) => e.name).filter((n) => n !== 'PING' && n !== 'ECHO');
        expect(count(names), `seed ${seed}`).toEqual(count(cmds.map((x) => x[0]).filter((n) => n !== 'PING')));
      }
      rk.recorder.clear();
      await flush();
      raws.closeAll();
    }
  });
});
