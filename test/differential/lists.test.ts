/**
 * List commands against redis-server 7.0.15, byte for byte, in RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RList } from '../../src/store/types/list.js';
import { expectSame, startPair, type Cmd, type Pair, type RawClient } from '../support/differential.js';
import { rng, INT64_MAX, INT64_MIN, TOO_BIG } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

const WRONG = ['SET', 's', 'string'];

/** Read pub/sub messages on both subscribers until the sentinel channel, and compare. */
async function expectSameMessages(r: RawClient, k: RawClient, sentinel: string): Promise<string[]> {
  const readAll = async (c: RawClient) => {
    const out: string[] = [];
    for (;;) {
      const m = await c.read();
      out.push(m);
      if (m.includes(sentinel)) return out;
    }
  };
  const [a, b] = await Promise.all([readAll(r), readAll(k)]);
  expect(b).toEqual(a);
  return a;
}

describe.each([2, 3] as const)('lists (RESP%i)', (proto) => {
  it('LPUSH / RPUSH / LPUSHX / RPUSHX', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['LPUSH', 'l', 'a'],
      ['LPUSH', 'l', 'b', 'c', 'd'],
      ['RPUSH', 'l', 'x', 'y'],
      ['LRANGE', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['TYPE', 'l'],
      ['LPUSHX', 'nokey', 'a'],
      ['RPUSHX', 'nokey', 'a', 'b'],
      ['EXISTS', 'nokey'],
      ['LPUSHX', 'l', '1', '2'],
      ['RPUSHX', 'l', '3'],
      ['LRANGE', 'l', '0', '-1'],
      WRONG,
      ['LPUSH', 's', 'a'],
      ['RPUSH', 's', 'a'],
      ['LPUSHX', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['GET', 's'],
      ['LPUSH', 'l'],
      ['RPUSH'],
      ['LPUSHX', 'l'],
      ['RPUSHX', 'l'],
      ['RPUSH', 'e', ''],
      ['LRANGE', 'e', '0', '-1'],
      ['RPUSH', 'num', '1', '-1', '00', '1.5', INT64_MAX, TOO_BIG],
      ['LRANGE', 'num', '0', '-1'],
    ]);
  });

  it('binary-safe elements', async () => {
    const { r, k } = await pair.clients(proto);
    const bin = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80, 0x24, 0x2a]);
    await expectSame(r, k, [
      ['RPUSH', Buffer.from([0xc3, 0x28]), bin, 'plain', Buffer.alloc(0)],
      ['LRANGE', Buffer.from([0xc3, 0x28]), '0', '-1'],
      ['LPOS', Buffer.from([0xc3, 0x28]), bin],
      ['LINSERT', Buffer.from([0xc3, 0x28]), 'AFTER', bin, Buffer.from('\r\n')],
      ['LREM', Buffer.from([0xc3, 0x28]), '0', bin],
      ['LINDEX', Buffer.from([0xc3, 0x28]), '0'],
      ['LPOP', Buffer.from([0xc3, 0x28]), '10'],
    ]);
  });

  it('LPOP / RPOP with and without COUNT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['LPOP', 'nokey'],
      ['RPOP', 'nokey'],
      ['LPOP', 'nokey', '0'],
      ['RPOP', 'nokey', '0'],
      ['LPOP', 'nokey', '3'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['RPOP', 'l', '0'],
      ['LPOP', 'l', '1'],
      ['RPOP', 'l', '1'],
      ['LPOP', 'l', '2'],
      ['RPOP', 'l', '5'],
      ['EXISTS', 'l'],
      ['LPOP', 'l'],
      ['RPUSH', 'l', 'a', 'b'],
      ['LPOP', 'l', INT64_MAX],
      ['EXISTS', 'l'],
      ['RPUSH', 'l', 'a'],
      ['RPOP', 'l'],
      ['EXISTS', 'l'],
      // errors: count parsed before the key is looked up
      ['RPUSH', 'l', 'a'],
      ['LPOP', 'l', '-1'],
      ['RPOP', 'l', 'abc'],
      ['LPOP', 'nokey', '-5'],
      ['LPOP', 'l', TOO_BIG],
      ['LPOP', 'l', INT64_MIN],
      ['LPOP', 'l', '1.5'],
      ['LPOP', 'l', ''],
      ['LPOP', 'l', ' 1'],
      ['LPOP', 'l', '01'],
      ['LPOP', 'l', '1', '2'],
      ['RPOP', 'l', '1', '2'],
      ['LPOP'],
      WRONG,
      ['LPOP', 's'],
      ['RPOP', 's', '0'],
      ['LPOP', 's', '2'],
      ['LPOP', 's', '-1'],
      ['LRANGE', 'l', '0', '-1'],
    ]);
  });

  it('LLEN / LINDEX', async () => {
    const { r, k } = await pair.clients(proto);
    const idx = ['0', '1', '4', '5', '100', '-1', '-5', '-6', '-100', INT64_MAX, INT64_MIN, TOO_BIG, 'x', '1.0', '', '-0', '+1'];
    await expectSame(r, k, [
      ['LLEN', 'nokey'],
      ['LINDEX', 'nokey', '0'],
      ['LINDEX', 'nokey', 'notanint'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LLEN', 'l'],
      ...idx.map((i) => ['LINDEX', 'l', i]),
      WRONG,
      ['LLEN', 's'],
      ['LINDEX', 's', '0'],
      ['LINDEX', 's', 'x'],
      ['LLEN'],
      ['LLEN', 'l', 'x'],
      ['LINDEX', 'l'],
      ['LINDEX', 'l', '0', '1'],
    ]);
  });

  it('LRANGE index arithmetic', async () => {
    const { r, k } = await pair.clients(proto);
    const pts = ['0', '1', '3', '5', '6', '100', '-1', '-2', '-5', '-6', '-100', INT64_MAX, INT64_MIN];
    const steps: Cmd[] = [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f']];
    for (const a of pts) for (const b of pts) steps.push(['LRANGE', 'l', a, b]);
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['LRANGE', 'nokey', '0', '-1'],
      ['LRANGE', 'nokey', 'x', '-1'],
      ['LRANGE', 'l', 'x', '1'],
      ['LRANGE', 'l', '0', 'y'],
      ['LRANGE', 'l', TOO_BIG, '1'],
      ['LRANGE', 'l', '0', '-9223372036854775809'],
      WRONG,
      ['LRANGE', 's', '0', '-1'],
      ['LRANGE', 's', 'x', '-1'],
      ['LRANGE', 'l', '0'],
      ['LRANGE', 'l', '0', '1', '2'],
    ]);
  });

  it('LTRIM', async () => {
    const { r, k } = await pair.clients(proto);
    const pts = ['0', '1', '2', '5', '6', '-1', '-2', '-6', '-7', INT64_MAX, INT64_MIN];
    for (const a of pts) {
      for (const b of pts) {
        await expectSame(r, k, [
          ['DEL', 'l'],
          ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
          ['LTRIM', 'l', a, b],
          ['LRANGE', 'l', '0', '-1'],
          ['EXISTS', 'l'],
        ]);
      }
    }
    await expectSame(r, k, [
      ['LTRIM', 'nokey', '0', '1'],
      ['LTRIM', 'nokey', 'x', '1'],
      ['RPUSH', 'l', 'a'],
      ['LTRIM', 'l', '0', 'x'],
      ['LTRIM', 'l', '1.5', '0'],
      WRONG,
      ['LTRIM', 's', '0', '1'],
      ['LTRIM', 's', 'x', '1'],
      ['LTRIM', 'l', '0'],
      ['LTRIM', 'l', '0', '1', '2'],
    ]);
  });

  it('LSET', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['LSET', 'nokey', '0', 'x'],
      ['LSET', 'nokey', 'notanint', 'x'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['LSET', 'l', '0', 'A'],
      ['LSET', 'l', '-1', 'C'],
      ['LSET', 'l', '1', ''],
      ['LSET', 'l', '3', 'x'],
      ['LSET', 'l', '-4', 'x'],
      ['LSET', 'l', INT64_MAX, 'x'],
      ['LSET', 'l', INT64_MIN, 'x'],
      ['LSET', 'l', TOO_BIG, 'x'],
      ['LSET', 'l', 'x', 'x'],
      ['LRANGE', 'l', '0', '-1'],
      WRONG,
      ['LSET', 's', '0', 'x'],
      ['LSET', 's', 'x', 'x'],
      ['LSET', 'l', '0'],
      ['LSET', 'l', '0', 'a', 'b'],
    ]);
  });

  it('LINSERT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['LINSERT', 'nokey', 'BEFORE', 'a', 'x'],
      ['LINSERT', 'nokey', 'MIDDLE', 'a', 'x'],
      ['EXISTS', 'nokey'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
      ['LINSERT', 'l', 'BEFORE', 'a', 'x'],
      ['LINSERT', 'l', 'AFTER', 'b', 'y'],
      ['LINSERT', 'l', 'before', 'c', 'z'],
      ['LINSERT', 'l', 'after', 'b', 'w'],
      ['LINSERT', 'l', 'AfTeR', 'c', 'end?'],
      ['LINSERT', 'l', 'AFTER', 'nope', 'q'],
      ['LINSERT', 'l', 'BEFORE', 'nope', 'q'],
      ['LINSERT', 'l', 'AFTER', 'b', ''],
      ['LRANGE', 'l', '0', '-1'],
      ['LINSERT', 'l', 'ABOVE', 'a', 'q'],
      ['LINSERT', 'l', '', 'a', 'q'],
      WRONG,
      ['LINSERT', 's', 'BEFORE', 'a', 'x'],
      ['LINSERT', 's', 'BAD', 'a', 'x'],
      ['LINSERT', 'l', 'BEFORE', 'a'],
      ['LINSERT', 'l', 'BEFORE', 'a', 'b', 'c'],
    ]);
  });

  it('LREM', async () => {
    const { r, k } = await pair.clients(proto);
    for (const count of ['0', '1', '2', '3', '10', '-1', '-2', '-10', INT64_MAX, INT64_MIN]) {
      await expectSame(r, k, [
        ['DEL', 'l'],
        ['RPUSH', 'l', 'x', 'a', 'x', 'b', 'x', 'c', 'x'],
        ['LREM', 'l', count, 'x'],
        ['LRANGE', 'l', '0', '-1'],
        ['LREM', 'l', count, 'nope'],
      ]);
    }
    await expectSame(r, k, [
      ['DEL', 'l'],
      ['RPUSH', 'l', 'x', 'x'],
      ['LREM', 'l', '0', 'x'],
      ['EXISTS', 'l'],
      ['RPUSH', 'l', 'x', 'x'],
      ['LREM', 'l', '-2', 'x'],
      ['EXISTS', 'l'],
      ['LREM', 'nokey', '0', 'x'],
      ['LREM', 'nokey', 'x', 'x'],
      ['RPUSH', 'l', 'a'],
      ['LREM', 'l', 'x', 'a'],
      ['LREM', 'l', TOO_BIG, 'a'],
      ['LREM', 'l', '1.0', 'a'],
      WRONG,
      ['LREM', 's', '0', 'a'],
      ['LREM', 's', 'x', 'a'],
      ['LREM', 'l', '0'],
      ['LREM', 'l', '0', 'a', 'b'],
    ]);
  });

  it('LPOS with RANK, COUNT and MAXLEN', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = [['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a', 'c', 'a']];
    const ranks = [undefined, '1', '2', '4', '5', '-1', '-2', '-4', '-5', INT64_MAX, '-9223372036854775807', INT64_MIN];
    const counts = [undefined, '0', '1', '2', '10'];
    const maxlens = [undefined, '0', '1', '3', '8', '100'];
    for (const rank of ranks) {
      for (const count of counts) {
        for (const maxlen of maxlens) {
          for (const el of ['a', 'c']) {
            const cmd: Cmd = ['LPOS', 'l', el];
            if (rank !== undefined) cmd.push('RANK', rank);
            if (count !== undefined) cmd.push('COUNT', count);
            if (maxlen !== undefined) cmd.push('MAXLEN', maxlen);
            steps.push(cmd);
          }
        }
      }
    }
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['LPOS', 'l', 'zz'],
      ['LPOS', 'l', 'zz', 'COUNT', '0'],
      ['LPOS', 'l', 'a', 'MAXLEN', '3', 'COUNT', '0', 'RANK', '1'],
      ['LPOS', 'l', 'a', 'rank', '2', 'count', '2', 'maxlen', '0'],
      ['LPOS', 'l', 'a', 'RANK', '1', 'RANK', '-1'],
      ['LPOS', 'l', 'a', 'COUNT', '1', 'COUNT', '0'],
      ['LPOS', 'nokey', 'a'],
      ['LPOS', 'nokey', 'a', 'COUNT', '1'],
      ['LPOS', 'nokey', 'a', 'RANK', '-1'],
      // errors (all parsed before the key lookup)
      ['LPOS', 'l', 'a', 'RANK', '0'],
      ['LPOS', 'l', 'a', 'RANK', 'x'],
      ['LPOS', 'l', 'a', 'RANK', TOO_BIG],
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775809'],
      ['LPOS', 'l', 'a', 'COUNT', '-1'],
      ['LPOS', 'l', 'a', 'COUNT', 'x'],
      ['LPOS', 'l', 'a', 'COUNT', TOO_BIG],
      ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
      ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
      ['LPOS', 'l', 'a', 'RANK'],
      ['LPOS', 'l', 'a', 'COUNT'],
      ['LPOS', 'l', 'a', 'MAXLEN'],
      ['LPOS', 'l', 'a', 'FOO', '1'],
      ['LPOS', 'l', 'a', 'RANK', '1', 'FOO'],
      ['LPOS', 'l', 'a', 'RANK', '0', 'COUNT', '-1'],
      ['LPOS', 'l', 'a', 'COUNT', '-1', 'RANK', '0'],
      ['LPOS', 'nokey', 'a', 'RANK', '0'],
      WRONG,
      ['LPOS', 's', 'a'],
      ['LPOS', 's', 'a', 'COUNT', '1'],
      ['LPOS', 's', 'a', 'RANK', '0'],
      ['LPOS', 'l'],
    ]);
  });

  it('LMOVE and RPOPLPUSH', async () => {
    const { r, k } = await pair.clients(proto);
    const ends = ['LEFT', 'RIGHT'];
    for (const from of ends) {
      for (const to of ends) {
        await expectSame(r, k, [
          ['DEL', 'src', 'dst'],
          ['RPUSH', 'src', 'a', 'b', 'c'],
          ['RPUSH', 'dst', 'x', 'y'],
          ['LMOVE', 'src', 'dst', from, to],
          ['LRANGE', 'src', '0', '-1'],
          ['LRANGE', 'dst', '0', '-1'],
          ['LMOVE', 'src', 'new', from.toLowerCase(), to.toLowerCase()],
          ['LRANGE', 'new', '0', '-1'],
          ['LMOVE', 'src', 'src', from, to],
          ['LRANGE', 'src', '0', '-1'],
          ['LMOVE', 'src', 'new', from, to],
          ['EXISTS', 'src'],
          ['LMOVE', 'src', 'new', from, to],
          ['LRANGE', 'new', '0', '-1'],
          ['DEL', 'new'],
        ]);
      }
    }
    await expectSame(r, k, [
      // a one-element list moved onto itself survives
      ['RPUSH', 'one', 'x'],
      ['LMOVE', 'one', 'one', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'one', 'one'],
      ['LRANGE', 'one', '0', '-1'],
      ['RPUSH', 'rot', '1', '2', '3'],
      ['RPOPLPUSH', 'rot', 'rot'],
      ['RPOPLPUSH', 'rot', 'rot'],
      ['LRANGE', 'rot', '0', '-1'],
      ['RPOPLPUSH', 'rot', 'other'],
      ['LRANGE', 'other', '0', '-1'],
      ['RPOPLPUSH', 'nokey', 'other'],
      ['LMOVE', 'nokey', 'other', 'LEFT', 'LEFT'],
      WRONG,
      // missing source: null even when the destination has the wrong type
      ['LMOVE', 'nokey', 's', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 'nokey', 's'],
      ['LMOVE', 's', 'other', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 's', 'other'],
      ['LMOVE', 'rot', 's', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 'rot', 's'],
      ['LRANGE', 'rot', '0', '-1'],
      ['LMOVE', 'rot', 'other', 'UP', 'LEFT'],
      ['LMOVE', 'rot', 'other', 'LEFT', 'DOWN'],
      ['LMOVE', 's', 'other', 'UP', 'LEFT'],
      ['LMOVE', 'nokey', 'other', 'LEFT', ''],
      ['LMOVE', 'rot', 'other', 'LEFT'],
      ['LMOVE', 'rot', 'other', 'LEFT', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 'rot'],
      ['RPOPLPUSH', 'rot', 'a', 'b'],
    ]);
  });

  it('LMPOP', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['LMPOP', '1', 'nokey', 'LEFT'],
      ['LMPOP', '2', 'nokey', 'nokey2', 'RIGHT', 'COUNT', '5'],
      ['RPUSH', 'b', '1', '2', '3', '4', '5'],
      ['RPUSH', 'c', 'x'],
      ['LMPOP', '3', 'a', 'b', 'c', 'LEFT'],
      ['LMPOP', '3', 'a', 'b', 'c', 'RIGHT'],
      ['LMPOP', '3', 'a', 'b', 'c', 'left', 'COUNT', '2'],
      ['LMPOP', '3', 'a', 'b', 'c', 'right', 'count', '100'],
      ['EXISTS', 'b'],
      ['LMPOP', '3', 'a', 'b', 'c', 'LEFT', 'COUNT', INT64_MAX],
      ['EXISTS', 'c'],
      ['LMPOP', '3', 'a', 'b', 'c', 'LEFT'],
      ['RPUSH', 'b', '1'],
      ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '1'],
      ['RPUSH', 'same', '1', '2', '3'],
      ['LMPOP', '2', 'same', 'same', 'RIGHT', 'COUNT', '2'],
      // errors
      ['LMPOP', '0', 'a', 'LEFT'],
      ['LMPOP', '-1', 'a', 'LEFT'],
      ['LMPOP', 'x', 'a', 'LEFT'],
      ['LMPOP', TOO_BIG, 'a', 'LEFT'],
      ['LMPOP', INT64_MAX, 'a', 'LEFT'],
      ['LMPOP', '2', 'a', 'LEFT'],
      ['LMPOP', '5', 'a', 'LEFT'],
      ['LMPOP', '1', 'a', 'MIDDLE'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', TOO_BIG],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
      ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
      ['LMPOP', '1', 'a', 'LEFT', 'FOO', 'BAR'],
      ['LMPOP', '1'],
      ['LMPOP', '1', 'a'],
      WRONG,
      ['RPUSH', 'ok', 'v'],
      ['LMPOP', '2', 's', 'ok', 'LEFT'],
      ['LMPOP', '2', 'nokey', 's', 'LEFT'],
      ['LMPOP', '2', 'ok', 's', 'LEFT'],
      ['LMPOP', '1', 's', 'BAD'],
    ]);
  });

  it('TTLs: pushes and moves keep the TTL, a re-created list has none', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l', 'a', 'b'],
      ['EXPIRE', 'l', '1000'],
      ['RPUSH', 'l', 'c'],
      ['LPOP', 'l'],
      ['LSET', 'l', '0', 'x'],
      ['LINSERT', 'l', 'AFTER', 'x', 'y'],
      ['LTRIM', 'l', '0', '-1'],
      ['TTL', 'l'],
      ['RPUSH', 'd', 'z'],
      ['EXPIRE', 'd', '2000'],
      ['LMOVE', 'l', 'd', 'LEFT', 'RIGHT'],
      ['TTL', 'd'],
      ['TTL', 'l'],
      ['LPOP', 'l', '10'],
      ['RPUSH', 'l', 'new'],
      ['TTL', 'l'],
    ]);
  });

  it('large lists: wrap-around, middle inserts and removals', async () => {
    const { r, k } = await pair.clients(proto);
    const many = Array.from({ length: 1500 }, (_, i) => `v${i % 50}`);
    const steps: Cmd[] = [
      ['RPUSH', 'big', ...many],
      ['LPUSH', 'big', ...many.slice(0, 700)],
    ];
    for (let i = 0; i < 300; i++) steps.push(['RPOPLPUSH', 'big', 'big']);
    steps.push(
      ['LPOP', 'big', '123'],
      ['RPOP', 'big', '77'],
      ['LINSERT', 'big', 'BEFORE', 'v25', 'MID1'],
      ['LINSERT', 'big', 'AFTER', 'v49', 'MID2'],
      ['LINDEX', 'big', '1000'],
      ['LINDEX', 'big', '-1000'],
      ['LSET', 'big', '1111', 'SET'],
      ['LPOS', 'big', 'v7', 'RANK', '-3', 'COUNT', '5'],
      ['LPOS', 'big', 'v7', 'COUNT', '0', 'MAXLEN', '500'],
      ['LREM', 'big', '10', 'v3'],
      ['LREM', 'big', '-10', 'v4'],
      ['LREM', 'big', '0', 'v5'],
      ['LLEN', 'big'],
      ['LRANGE', 'big', '0', '-1'],
      ['LRANGE', 'big', '500', '600'],
      ['LTRIM', 'big', '100', '-100'],
      ['LRANGE', 'big', '0', '-1'],
    );
    await expectSame(r, k, steps);
  });

  it('random command sequences match', async () => {
    const { r, k } = await pair.clients(proto);
    const rand = rng(proto * 7919);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
    const keys = ['k1', 'k2', 'k3'];
    const vals = ['a', 'b', 'c', 'd', ''];
    const ints = () => String(Math.floor(rand() * 14) - 7);
    const gens: Array<() => Cmd> = [
      () => ['LPUSH', pick(keys), ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(vals))],
      () => ['RPUSH', pick(keys), ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(vals))],
      () => [pick(['LPUSHX', 'RPUSHX']), pick(keys), pick(vals)],
      () => [pick(['LPOP', 'RPOP']), pick(keys)],
      () => [pick(['LPOP', 'RPOP']), pick(keys), String(Math.floor(rand() * 4))],
      () => ['LRANGE', pick(keys), ints(), ints()],
      () => ['LINDEX', pick(keys), ints()],
      () => ['LSET', pick(keys), ints(), pick(vals)],
      () => ['LINSERT', pick(keys), pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)],
      () => ['LREM', pick(keys), ints(), pick(vals)],
      () => ['LTRIM', pick(keys), ints(), ints()],
      () => ['LPOS', pick(keys), pick(vals), 'RANK', pick(['1', '2', '-1', '-2']), 'COUNT', pick(['0', '1', '2']), 'MAXLEN', pick(['0', '2', '5'])],
      () => ['LMOVE', pick(keys), pick(keys), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])],
      () => ['RPOPLPUSH', pick(keys), pick(keys)],
      () => ['LMPOP', '2', pick(keys), pick(keys), pick(['LEFT', 'RIGHT']), 'COUNT', String(1 + Math.floor(rand() * 3))],
      () => ['LLEN', pick(keys)],
      () => ['EXISTS', ...keys],
    ];
    const steps: Cmd[] = [];
    for (let i = 0; i < 600; i++) steps.push(pick(gens)());
    for (const key of keys) steps.push(['LRANGE', key, '0', '-1']);
    await expectSame(r, k, steps);
  });

  it('keyspace notifications', async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(c.r, c.k, [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
      ['LPUSH', 'l', 'z'],
      ['LPUSHX', 'nokey', 'a'],
      ['RPUSHX', 'l', 'e'],
      ['LPUSHX', 'l', 'y'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['LPOP', 'l', '2'],
      ['LPOP', 'nokey'],
      ['LSET', 'l', '0', 'q'],
      ['LSET', 'l', '10', 'q'],
      ['LINSERT', 'l', 'BEFORE', 'q', 'p'],
      ['LINSERT', 'l', 'BEFORE', 'nope', 'p'],
      ['LREM', 'l', '0', 'nope'],
      ['LREM', 'l', '1', 'p'],
      ['LTRIM', 'l', '0', '-1'],
      ['LTRIM', 'nokey', '0', '-1'],
      ['RPUSH', 'm', '1', '2'],
      ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
      ['LMOVE', 'm', 'm', 'RIGHT', 'LEFT'],
      ['RPOPLPUSH', 'l', 'fresh'],
      ['RPUSH', 'one', 'x'],
      ['RPOPLPUSH', 'one', 'one'],
      ['LMPOP', '2', 'nokey', 'm', 'RIGHT', 'COUNT', '2'],
      ['LMPOP', '1', 'm', 'LEFT', 'COUNT', '10'],
      ['RPUSH', 't', 'a', 'b'],
      ['LTRIM', 't', '5', '10'],
      ['RPUSH', 'r', 'a', 'a'],
      ['LREM', 'r', '0', 'a'],
      ['RPUSH', 'p', 'a'],
      ['RPOP', 'p', '3'],
      ['PUBLISH', '__keyevent@0__:zz-end', 'end'],
    ]);
    const msgs = await expectSameMessages(sub.r, sub.k, 'zz-end');
    expect(msgs.length).toBeGreaterThan(40);
  });

  it('OBJECT ENCODING is quicklist, as redis-server reports', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['RPUSH', 'l', 'a']]);
    const enc = await r.call('OBJECT', 'ENCODING', 'l');
    const v = pair.redkit.store.db(0).get('l') as RList;
    expect(v).toBeInstanceOf(RList);
    expect(enc).toBe(`$${v.encoding().length}\r\n${v.encoding()}\r\n`);
    await r.call('RPUSH', 'l', ...Array.from({ length: 1000 }, (_, i) => `${i}`.repeat(20)));
    expect(await r.call('OBJECT', 'ENCODING', 'l')).toBe(enc);
  });
});

describe('list commands and the rest of the server', () => {
  it('COMMAND GETKEYS finds the keys of list commands', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['COMMAND', 'GETKEYS', 'LPUSH', 'l', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
      ['COMMAND', 'GETKEYS', 'RPOPLPUSH', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '1', 'a', 'RIGHT', 'COUNT', '3'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '0', 'a', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '3', 'a', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'LMPOP', 'x', 'a', 'LEFT'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'LMPOP', '2', 'a', 'b', 'LEFT'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
      ['COMMAND', 'INFO', 'LMPOP', 'LPOS', 'LPOP'],
    ]);
  });

  it('pushes signal keyReady (for blocked clients); other writes do not', async () => {
    const { k } = await pair.clients(2);
    const store = pair.redkit.store;
    const prev = store.hooks.keyReady;
    const seen: string[] = [];
    store.hooks.keyReady = (db, key) => {
      seen.push(`${db.id}:${key}`);
      prev?.(db, key);
    };
    try {
      await k.call('LPUSH', 'a', '1', '2');
      await k.call('RPUSH', 'b', '1');
      await k.call('LPUSHX', 'a', '3');
      await k.call('RPUSHX', 'nokey', '3');
      await k.call('LMOVE', 'a', 'c', 'LEFT', 'RIGHT');
      await k.call('RPOPLPUSH', 'a', 'a');
      await k.call('RPOPLPUSH', 'nokey', 'a');
      await k.call('LSET', 'a', '0', 'x');
      await k.call('LINSERT', 'a', 'BEFORE', 'x', 'y');
      await k.call('LPOP', 'a');
      await k.call('LTRIM', 'a', '0', '-1');
      await k.call('LREM', 'a', '0', 'x');
      await k.call('LMPOP', '1', 'b', 'LEFT');
      await k.call('SELECT', '3');
      await k.call('RPUSH', 'a', '1');
      expect(seen).toEqual(['0:a', '0:b', '0:a', '0:c', '0:a', '3:a']);
    } finally {
      store.hooks.keyReady = prev;
    }
  });
});
