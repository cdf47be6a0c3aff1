/**
 * SCAN against redis-server 7.0.15. Cursor values differ by design (RedKit's
 * cursors are handles to live iterators), so complete iterations are
 * compared as sets; errors and single-step replies on small databases are
 * compared byte for byte where Redis's reply does not depend on its hash
 * table layout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, startPair, type Pair, type RawClient } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

/** Run SCAN to completion; returns every key returned (with duplicates) and the number of calls. */
async function fullScan(c: RawClient, opts: string[] = []): Promise<{ keys: string[]; calls: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let calls = 0;
  do {
    const reply = decode(await c.call('SCAN', cursor, ...opts)) as [string, string[]];
    if (!Array.isArray(reply)) throw new Error(`SCAN failed: ${JSON.stringify(reply)}`);
    cursor = reply[0];
    keys.push(...reply[1]);
    calls++;
    if (calls > 100_000) throw new Error('SCAN does not terminate');
  } while (cursor !== '0');
  return { keys, calls };
}

const uniqSorted = (a: string[]) => [...new Set(a)].sort();

async function expectSameScan(r: RawClient, k: RawClient, opts: string[] = []): Promise<void> {
  const [a, b] = await Promise.all([fullScan(r, opts), fullScan(k, opts)]);
  expect(uniqSorted(b.keys), `SCAN ${opts.join(' ')}`).toEqual(uniqSorted(a.keys));
  // RedKit never returns a key twice when nothing changes.
  expect(b.keys.length).toBe(new Set(b.keys).size);
}

describe.each([2, 3] as const)('SCAN (RESP%i)', (proto) => {
  it('argument errors', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SCAN'],
      ['SCAN', 'x'],
      ['SCAN', '0x'],
      ['SCAN', '1 '],
      ['SCAN', ' 1'],
      ['SCAN', '\t1'],
      ['SCAN', '+'],
      ['SCAN', '-'],
      ['SCAN', '1.0'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '99999999999999999999999'],
      ['SCAN', '-18446744073709551616'],
      ['SCAN', 'x', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'COUNT', '1.5'],
      ['SCAN', '0', 'COUNT', '99999999999999999999'],
      ['SCAN', '0', 'COUNT', '1', 'COUNT', '0'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'TYPE'],
      ['SCAN', '0', 'FOO'],
      ['SCAN', '0', 'FOO', 'bar'],
      ['SCAN', '0', 'NOVALUES'],
      ['SCAN', '0', 'MATCH', '*', 'COUNT'],
      ['SCAN', '0', 'COUNT', '10', 'MATCH'],
    ]);
  });

  it('empty database and accepted cursor spellings', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SCAN', '0'],
      ['SCAN', ''],
      ['SCAN', '+0'],
      ['SCAN', '-0'],
      ['SCAN', '000'],
      ['SCAN', '0', 'COUNT', '1'],
      ['SCAN', '0', 'MATCH', '*'],
      ['SCAN', '0', 'TYPE', 'string'],
      ['SCAN', '0', 'TYPE', 'nosuchtype'],
      ['SCAN', '0', 'count', '5', 'match', 'a*', 'type', 'hash'],
      ['SET', 'a', '1'],
      ['SCAN', '0'],
      ['SCAN', ''],
      ['SCAN', '-0'],
      ['SCAN', '0', 'MATCH', 'a'],
      ['SCAN', '0', 'MATCH', 'b'],
      ['SCAN', '0', 'MATCH', 'a', 'MATCH', 'b'],
      ['SCAN', '0', 'TYPE', 'STRING'],
      ['SCAN', '0', 'TYPE', 'String'],
      ['SCAN', '0', 'TYPE', 'list'],
      ['SCAN', '0', 'TYPE', 'foo'],
      ['SCAN', '0', 'TYPE', 'list', 'TYPE', 'string'],
    ]);
  });

  it('full iterations return the same keys', async () => {
    const { r, k } = await pair.clients(proto);
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(`key:${i}`, 'v');
    await expectSame(r, k, [['MSET', ...args]]);
    await expectSame(r, k, [
      ['RPUSH', 'list:1', 'a'],
      ['RPUSH', 'list:2', 'a'],
      ['HSET', 'hash:1', 'f', 'v'],
      ['SADD', 'set:1', 'm'],
      ['SET', Buffer.from([0xff, 0x00, 0x80]), 'bin'],
      ['SET', 'gone', 'x'],
      ['PEXPIREAT', 'gone', '1'],
    ]);
    for (const opts of [
      [],
      ['COUNT', '1'],
      ['COUNT', '3'],
      ['COUNT', '1000'],
      ['MATCH', 'key:1*'],
      ['MATCH', 'key:1*', 'COUNT', '7'],
      ['MATCH', 'key:[0-4]?'],
      ['MATCH', '*:1'],
      ['MATCH', 'nomatch*'],
      ['MATCH', '*'],
      ['TYPE', 'string'],
      ['TYPE', 'list'],
      ['TYPE', 'LIST', 'COUNT', '2'],
      ['TYPE', 'hash'],
      ['TYPE', 'set'],
      ['TYPE', 'zset'],
      ['TYPE', 'stream'],
      ['TYPE', 'none'],
      ['MATCH', 'list:*', 'TYPE', 'list'],
      ['MATCH', 'key:*', 'TYPE', 'list'],
      ['MATCH', '\xff*'],
      ['MATCH', 'gone'],
    ]) {
      await expectSameScan(r, k, opts);
    }
  });

  it('a big COUNT returns everything in one call', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['MSET', 'a', '1', 'b', '2', 'c', '3']]);
    const [a, b] = await Promise.all([fullScan(r, ['COUNT', '100']), fullScan(k, ['COUNT', '100'])]);
    expect(b.calls).toBe(1);
    expect(a.calls).toBe(1);
    expect(b.keys.sort()).toEqual(a.keys.sort());
  });

  it('SCAN per database', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['SET', 'a', '1'], ['SELECT', '5'], ['SET', 'b', '1'], ['SET', 'c', '1']]);
    await expectSameScan(r, k);
    await expectSame(r, k, [['SELECT', '0']]);
    await expectSameScan(r, k);
  });
});

describe('SCAN guarantees (RedKit)', () => {
  it('a full iteration while keys are added and removed returns every key that existed throughout, once', async () => {
    const { k } = await pair.clients(2);
    const { k: writer } = await pair.clients(2);
    const stable: string[] = [];
    const args: string[] = [];
    for (let i = 0; i < 2000; i++) {
      stable.push(`stable:${i}`);
      args.push(`stable:${i}`, 'v');
    }
    for (let i = 0; i < 1000; i++) args.push(`doomed:${i}`, 'v');
    await writer.call('MSET', ...args);
    let cursor = '0';
    const seen: string[] = [];
    let round = 0;
    do {
      const reply = decode(await k.call('SCAN', cursor, 'COUNT', '25')) as [string, string[]];
      cursor = reply[0];
      seen.push(...reply[1]);
      // Between calls: add new keys, delete some doomed ones, re-set some stable ones
      // (an overwrite is not a delete), grow the table past rehash points.
      const batch: string[] = [];
      for (let j = 0; j < 30; j++) batch.push(`new:${round}:${j}`, 'v');
      await writer.call('MSET', ...batch);
      await writer.call('DEL', `doomed:${round * 3}`, `doomed:${round * 3 + 1}`, `doomed:${round * 3 + 2}`);
      await writer.call('SET', `stable:${(round * 7) % 2000}`, 'w');
      round++;
    } while (cursor !== '0');
    const seenSet = new Set(seen);
    for (const key of stable) expect(seenSet.has(key), key).toBe(true);
    // No key is returned twice (none was deleted and re-added).
    expect(seen.length).toBe(seenSet.size);
    // Nothing that never existed.
    for (const key of seen) expect(/^(stable|doomed|new):/.test(key), key).toBe(true);
  });

  it('cursors survive FLUSHDB, SWAPDB and unknown cursors restart', async () => {
    const { k } = await pair.clients(2);
    await k.call('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    const first = decode(await k.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
    expect(first[0]).not.toBe('0');
    await k.call('FLUSHDB');
    await k.call('MSET', 'x', '1', 'y', '2');
    const rest = await (async () => {
      let cursor = first[0];
      const out: string[] = [];
      do {
        const reply = decode(await k.call('SCAN', cursor)) as [string, string[]];
        cursor = reply[0];
        out.push(...reply[1]);
      } while (cursor !== '0');
      return out;
    })();
    // After a flush the iteration goes on over what the db holds now.
    expect(rest.sort()).toEqual(['x', 'y']);
    // A cursor this server never gave out starts a new iteration.
    const fresh = decode(await k.call('SCAN', '123456789', 'COUNT', '100')) as [string, string[]];
    expect(fresh[0]).toBe('0');
    expect(fresh[1].sort()).toEqual(['x', 'y']);
  });

  it('long iterations with a small COUNT stay linear', async () => {
    const { k } = await pair.clients(2);
    const args: string[] = [];
    for (let i = 0; i < 10000; i++) args.push(`k${i}`, 'v');
    await k.call('MSET', ...args);
    // (Quadratic behaviour, e.g. iterator wrappers piling up per call, would blow the test timeout.)
    const { keys, calls } = await fullScan(k, ['COUNT', '1']);
    expect(calls).toBe(10000);
    expect(new Set(keys).size).toBe(10000);
  });
});
