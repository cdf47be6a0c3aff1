/**
 * SLOWLOG and LATENCY against redis-server 7.0.15. Durations and timestamps
 * depend on timing, so entries are compared in shape (id, integer time,
 * integer duration, arguments, client address and name) with
 * slowlog-log-slower-than 0 (every command logged); everything else (errors,
 * HELP, counts, arguments truncation, LATENCY with no samples, histograms'
 * structure) byte for byte, in RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';
import { encodeCommand } from '../support/raw-client.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
});

// 1 s rather than Redis's default 10 ms: a test that expects an empty log must not find a
// command that a loaded machine made slower than 10 ms (on either server).
const reset: Cmd[] = [
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000000'],
  ['CONFIG', 'SET', 'slowlog-max-len', '128'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
  ['SLOWLOG', 'RESET'],
  ['LATENCY', 'RESET'],
];

/**
 * Entries without their timing fields, the client port blanked, ids relative
 * to the newest (a command slower than 10 ms on a loaded machine before the
 * test still takes an id: SLOWLOG RESET does not reset them).
 */
function shape(bytes: string): unknown {
  const v = decode(bytes) as unknown[];
  const newest = v.length ? Number((v[0] as [{ int: string }])[0].int) : 0;
  return v.map((e) => {
    const [id, time, dur, args, peer, name] = e as [{ int: string }, { int: string }, { int: string }, string[], string, string];
    expect(Number(time.int)).toBeGreaterThan(1_600_000_000);
    expect(Number(dur.int)).toBeGreaterThanOrEqual(0);
    return { id: newest - Number(id.int), args, peer: peer.replace(/:\d+$/, ':port'), name };
  });
}

describe('SLOWLOG', () => {
  for (const proto of [2, 3] as const) {
    it(`errors, HELP, LEN and RESET (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ...reset,
        ['SLOWLOG', 'HELP'],
        ['SLOWLOG', 'help', 'x'],
        ['SLOWLOG'],
        ['SLOWLOG', 'FOO'],
        ['SLOWLOG', 'GET', 'x'],
        ['SLOWLOG', 'GET', '-2'],
        ['SLOWLOG', 'GET', '01'],
        ['SLOWLOG', 'GET', '1', '2'],
        ['SLOWLOG', 'GET'],
        ['SLOWLOG', 'GET', '-1'],
        ['SLOWLOG', 'LEN'],
        ['SLOWLOG', 'LEN', 'x'],
        ['SLOWLOG', 'RESET', 'x'],
        ['SLOWLOG', 'RESET'],
      ]);
    });

    it(`entries: order, ids, truncation, max-len, client name (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [...reset, ['CONFIG', 'SET', 'slowlog-log-slower-than', '0']]);
      await expectSame(r, k, [
        ['SET', 'k', 'v'.repeat(300)],
        ['CLIENT', 'SETNAME', 'tester'],
        ['RPUSH', 'l', ...Array.from({ length: 50 }, (_, i) => `e${i}`)],
        ['HSET', 'h', 'f', Buffer.from([0, 1, 2, 255])],
        ['MULTI'],
        ['INCR', 'n'],
        ['EXEC'],
        ['CONFIG', 'GET', 'slowlog-max-len'],
        ['SLOWLOG', 'LEN'],
      ]);
      for (const args of [[], ['3'], ['0'], ['-1'], ['100']]) {
        const a = await r.call('SLOWLOG', 'GET', ...args);
        const b = await k.call('SLOWLOG', 'GET', ...args);
        expect(shape(b)).toEqual(shape(a));
      }
      await expectSame(r, k, [['CONFIG', 'SET', 'slowlog-max-len', '2'], ['PING']]);
      expect(shape(await k.call('SLOWLOG', 'GET', '-1'))).toEqual(shape(await r.call('SLOWLOG', 'GET', '-1')));
      await expectSame(r, k, [['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'], ['SLOWLOG', 'RESET'], ['PING'], ['SLOWLOG', 'LEN']]);
    });

    it(`a pipeline in one write: every command logged as sent, counted in commandstats and HISTOGRAM (RESP${proto})`, async () => {
      // Fast commands of one read share clock readings (Dispatcher.queueFast): each must still be
      // logged with its own name and arguments as the client spelled them, subcommands and
      // commands queued by MULTI included, and counted once.
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [...reset, ['CONFIG', 'RESETSTAT'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '0']]);
      const cmds: Cmd[] = [
        ['set', 'p1', 'a'],
        ['GET', 'p1'],
        ['gEt', 'p2'],
        ['Client', 'SetName', 'piped'],
        ['INCR', 'n'],
        ['incr', 'n'],
        ['MULTI'],
        ['get', 'p1'],
        ['Incr', 'n'],
        ['EXEC'],
        ['HSET', 'h', 'f', 'v'],
        ['hget', 'h', 'f'],
        ['config', 'get', 'maxmemory'],
        ['GET', 'x'.repeat(200)],
        ['APPEND', 'p1', 'b'],
      ];
      for (let i = 0; i < 20; i++) cmds.push(['GET', `k${i}`]);
      const bytes = Buffer.concat(cmds.map((c) => encodeCommand(c)));
      r.write(bytes);
      k.write(bytes);
      for (const c of cmds) {
        const [a, b] = await Promise.all([r.read(), k.read()]);
        expect(b, `reply to ${c.join(' ')}`).toBe(a);
      }
      await expectSame(r, k, [['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']]);
      const a = await r.call('SLOWLOG', 'GET', '-1');
      const b = await k.call('SLOWLOG', 'GET', '-1');
      expect(shape(b)).toEqual(shape(a));
      const stats = (bytes: string) =>
        (decode(bytes) as string)
          .split('\r\n')
          .filter((l) => l.startsWith('cmdstat_'))
          .map((l) => l.replace(/,usec=\d+,usec_per_call=[\d.]+/, ''))
          .sort();
      expect(stats(await k.call('INFO', 'commandstats'))).toEqual(stats(await r.call('INFO', 'commandstats')));
      const calls = (bytes: string) => {
        const v = decode(bytes) as { map: unknown[] } | unknown[];
        const flat = Array.isArray(v) ? v : v.map;
        const out: Record<string, number> = {};
        for (let i = 0; i < flat.length; i += 2) {
          const inner = flat[i + 1] as { map: unknown[] } | unknown[];
          const f = Array.isArray(inner) ? inner : inner.map;
          out[flat[i] as string] = Number((f[1] as { int: string }).int);
        }
        return out;
      };
      const names = ['get', 'set', 'incr', 'client|setname', 'multi', 'exec', 'hset', 'hget', 'config|get', 'append'];
      expect(calls(await k.call('LATENCY', 'HISTOGRAM', ...names))).toEqual(calls(await r.call('LATENCY', 'HISTOGRAM', ...names)));
    });
  }
});

describe('LATENCY', () => {
  for (const proto of [2, 3] as const) {
    it(`subcommands with no samples, errors and HELP (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ...reset,
        ['LATENCY', 'HELP'],
        ['LATENCY'],
        ['LATENCY', 'FOO'],
        ['LATENCY', 'LATEST'],
        ['LATENCY', 'LATEST', 'x'],
        ['LATENCY', 'HISTORY', 'command'],
        ['LATENCY', 'HISTORY'],
        ['LATENCY', 'GRAPH', 'command'],
        ['LATENCY', 'RESET'],
        ['LATENCY', 'RESET', 'command', 'fast-command'],
        ['LATENCY', 'DOCTOR'],
        ['CONFIG', 'SET', 'latency-monitor-threshold', '100'],
        ['LATENCY', 'DOCTOR'],
        ['LATENCY', 'HISTOGRAM', 'nosuchcommand'],
      ]);
    });

    it(`HISTOGRAM and INFO latencystats have Redis's structure (RESP${proto})`, async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [['CONFIG', 'RESETSTAT']]);
      for (let i = 0; i < 20; i++) await expectSame(r, k, [['SET', `k${i}`, 'v'], ['GET', `k${i}`], ['CONFIG', 'GET', 'maxmemory']]);
      const structure = (bytes: string) => {
        const v = decode(bytes) as { map: unknown[] } | unknown[];
        const flat = Array.isArray(v) ? v : v.map;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < flat.length; i += 2) {
          const inner = flat[i + 1] as { map: unknown[] } | unknown[];
          const f = Array.isArray(inner) ? inner : inner.map;
          const buckets = f[3] as { map: unknown[] } | unknown[];
          const b = Array.isArray(buckets) ? buckets : buckets.map;
          // Buckets are powers of two (µs) with growing cumulative counts ending at calls.
          const keys = b.filter((_, j) => j % 2 === 0).map((x) => Number((x as { int: string }).int));
          const counts = b.filter((_, j) => j % 2 === 1).map((x) => Number((x as { int: string }).int));
          expect(counts).toEqual([...counts].sort((x, y) => x - y));
          expect(counts.at(-1)).toBe(Number((f[1] as { int: string }).int));
          for (const kk of keys) expect([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266, 270532, 541065, 1082130]).toContain(kk);
          out[flat[i] as string] = [f[0], f[1], f[2], Array.isArray(buckets) ? 'array' : 'map'];
        }
        return out;
      };
      for (const args of [['GET', 'SET'], ['config'], ['config|get', 'nosuch', 'set']]) {
        const a = await r.call('LATENCY', 'HISTOGRAM', ...args);
        const b = await k.call('LATENCY', 'HISTOGRAM', ...args);
        expect(structure(b)).toEqual(structure(a));
      }
      const lines = (bytes: string) =>
        (decode(bytes) as string)
          .split('\r\n')
          .filter((l) => /^latency_percentiles_usec_(get|set|config\|get):/.test(l))
          .map((l) => l.replace(/=\d+\.\d{3}/g, '=N'))
          // Redis lists commands in its command table's hash order (seeded at start).
          .sort();
      expect(lines(await k.call('INFO', 'latencystats'))).toEqual(lines(await r.call('INFO', 'latencystats')));
      await expectSame(r, k, [['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.99 100']]);
      expect(lines(await k.call('INFO', 'latencystats'))).toEqual(lines(await r.call('INFO', 'latencystats')));
      await expectSame(r, k, [['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9']]);
    });
  }
});
