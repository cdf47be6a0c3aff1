/**
 * The dirty counter (INFO persistence rdb_changes_since_last_save) for the
 * stream commands, against redis-server 7.0: after each command of long
 * sequences (XADD, XTRIM, XDEL, XGROUP *, XREADGROUP, XACK, XCLAIM,
 * XAUTOCLAIM, XSETID, their no-op and failing forms, MULTI/EXEC) the counter
 * must move by the same amount on both servers, and the replies must match,
 * in RESP2 and RESP3. Blocked XREADGROUPs served by an XADD count too.
 * Sequences are generated from a seed (same commands to both servers).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RawClient, startPair, type Pair } from '../support/differential.js';
import { dirty, expectSameDirty } from '../support/dirty.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

type C = string[];

const FIXED: Array<C | C[]> = [
  // XADD: explicit IDs (time-free), NOMKSTREAM, trimming, errors
  ['XADD', 's', '1-1', 'f', 'v'], ['XADD', 's', '1-1', 'f', 'v'], ['XADD', 's', '0-0', 'f', 'v'], ['XADD', 's', '1-*', 'f', 'v'], ['XADD', 's', '2-*', 'f', 'v', 'g', 'w'],
  ['XADD', 'nos', 'NOMKSTREAM', '5-1', 'f', 'v'], ['XADD', 's', 'NOMKSTREAM', '5-1', 'f', 'v'], ['XADD', 's', 'MAXLEN', '2', '6-1', 'f', 'v'], ['XADD', 's', 'MAXLEN', '=', '2', '7-1', 'f', 'v'],
  ['XADD', 's', 'MINID', '7', '8-1', 'f', 'v'], ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '10', '9-1', 'f', 'v'], ['XADD', 's', 'MAXLEN', '-1', '10-1', 'f', 'v'], ['XADD', 's', '10-1', 'f'],
  ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '10-1', 'f', 'v'], ['XADD', 's', 'LIMIT', '1', '10-1', 'f', 'v'], ['SET', 'str', 'x'], ['XADD', 'str', '1-1', 'f', 'v'], ['XADD', 's', 'abc', 'f', 'v'],
  // XTRIM
  ['XADD', 's', '11-1', 'a', '1'], ['XADD', 's', '12-1', 'a', '1'], ['XADD', 's', '13-1', 'a', '1'], ['XTRIM', 's', 'MAXLEN', '100'], ['XTRIM', 's', 'MAXLEN', '2'], ['XTRIM', 's', 'MAXLEN', '2'], ['XTRIM', 's', 'MINID', '13'],
  ['XTRIM', 'nos', 'MAXLEN', '0'], ['XTRIM', 's', 'MAXLEN', '~', '0'], ['XTRIM', 's', 'FOO'], ['XTRIM', 'str', 'MAXLEN', '0'], ['XTRIM', 's', 'MAXLEN', '0'], ['XTRIM', 's', 'MAXLEN', '0'],
  // XDEL
  ['XADD', 'd', '1-1', 'a', '1'], ['XADD', 'd', '2-1', 'a', '1'], ['XADD', 'd', '3-1', 'a', '1'], ['XDEL', 'd', '1-1', '1-1', '9-9'], ['XDEL', 'd', '9-9'], ['XDEL', 'd', '2-1', '3-1'], ['XDEL', 'nos', '1-1'], ['XDEL', 'd', 'bad'], ['XDEL', 'str', '1-1'],
  // XSETID
  ['XSETID', 'd', '100-1'], ['XSETID', 'd', '100-1'], ['XSETID', 'nos', '1-1'], ['XSETID', 'd', '1-1', 'ENTRIESADDED', '5', 'MAXDELETEDID', '2-2'], ['XSETID', 'd', '200-1', 'ENTRIESADDED', '5', 'MAXDELETEDID', '100-1'], ['XSETID', 'str', '1-1'], ['XSETID', 'd', 'x'],
  // XGROUP
  ['XADD', 'g', '1-1', 'a', '1'], ['XADD', 'g', '2-1', 'a', '2'], ['XADD', 'g', '3-1', 'a', '3'], ['XADD', 'g', '4-1', 'a', '4'],
  ['XGROUP', 'CREATE', 'g', 'grp', '0'], ['XGROUP', 'CREATE', 'g', 'grp', '0'], ['XGROUP', 'CREATE', 'g', 'grp2', '$'], ['XGROUP', 'CREATE', 'nos', 'grp', '0'], ['XGROUP', 'CREATE', 'mk', 'grp', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 'mk', 'grp', '$', 'MKSTREAM'],
  ['XGROUP', 'CREATE', 'mk2', 'grp', 'bad', 'MKSTREAM'], ['XGROUP', 'CREATE', 'g', 'grp3', '0', 'ENTRIESREAD', '2'], ['XGROUP', 'CREATE', 'g', 'grp4', '0', 'ENTRIESREAD', '-5'], ['XGROUP', 'CREATE', 'str', 'grp', '0'],
  ['XGROUP', 'SETID', 'g', 'grp2', '0'], ['XGROUP', 'SETID', 'g', 'grp2', '$'], ['XGROUP', 'SETID', 'g', 'nogrp', '0'], ['XGROUP', 'SETID', 'nos', 'grp', '0'], ['XGROUP', 'SETID', 'g', 'grp2', '0', 'ENTRIESREAD', '1'],
  ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'alice'], ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'alice'], ['XGROUP', 'CREATECONSUMER', 'g', 'nogrp', 'alice'], ['XGROUP', 'CREATECONSUMER', 'nos', 'grp', 'alice'],
  ['XGROUP', 'DELCONSUMER', 'g', 'grp', 'alice'], ['XGROUP', 'DELCONSUMER', 'g', 'grp', 'alice'], ['XGROUP', 'DELCONSUMER', 'g', 'nogrp', 'alice'],
  ['XGROUP', 'DESTROY', 'g', 'grp3'], ['XGROUP', 'DESTROY', 'g', 'grp3'], ['XGROUP', 'DESTROY', 'nos', 'grp3'], ['XGROUP', 'HELP'], ['XGROUP', 'FOO'],
  // XREADGROUP: new consumers, > reads, history, NOACK, nothing to read
  ['XREADGROUP', 'GROUP', 'grp', 'bob', 'COUNT', '2', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'grp', 'bob', 'COUNT', '1', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'grp', 'bob', 'STREAMS', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'grp', 'carol', 'STREAMS', 'g', '0'], ['XREADGROUP', 'GROUP', 'grp', 'carol', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'grp', 'dave', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'grp', 'dave', 'STREAMS', 'g', '>'],
  ['XREADGROUP', 'GROUP', 'grp2', 'erin', 'NOACK', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'nogrp', 'erin', 'STREAMS', 'g', '>'], ['XREADGROUP', 'GROUP', 'grp', 'erin', 'STREAMS', 'nos', '>'],
  ['XREADGROUP', 'GROUP', 'grp', 'bob', 'STREAMS', 'g', 'mk', '0', '>'], ['XREADGROUP', 'GROUP', 'grp', 'zed', 'STREAMS', 'mk', 'g', '>', '>'], ['XREADGROUP', 'GROUP', 'grp', 'bob', 'STREAMS', 'g', 'str', '0', '0'],
  ['XREADGROUP', 'GROUP', 'grp', 'bob', 'BLOCK', '0', 'STREAMS', 'g', '0'],
  ['XREAD', 'STREAMS', 'g', '0'], ['XRANGE', 'g', '-', '+'], ['XLEN', 'g'], ['XPENDING', 'g', 'grp'],
  // XACK
  ['XACK', 'g', 'grp', '1-1', '2-1', '1-1', '9-9'], ['XACK', 'g', 'grp', '1-1'], ['XACK', 'g', 'nogrp', '3-1'], ['XACK', 'nos', 'grp', '3-1'], ['XACK', 'g', 'grp', 'bad'], ['XACK', 'str', 'grp', '1-1'],
  // XCLAIM
  ['XADD', 'c', '1-1', 'a', '1'], ['XADD', 'c', '2-1', 'a', '2'], ['XADD', 'c', '3-1', 'a', '3'], ['XADD', 'c', '4-1', 'a', '4'], ['XGROUP', 'CREATE', 'c', 'cg', '0'],
  ['XREADGROUP', 'GROUP', 'cg', 'x', 'STREAMS', 'c', '>'], ['XCLAIM', 'c', 'cg', 'y', '0', '1-1', '2-1'], ['XCLAIM', 'c', 'cg', 'y', '0', '1-1', 'JUSTID'], ['XCLAIM', 'c', 'cg', 'z', '0', '9-9'],
  ['XCLAIM', 'c', 'cg', 'z', '100000000', '3-1'], ['XDEL', 'c', '3-1'], ['XCLAIM', 'c', 'cg', 'z', '0', '3-1', '4-1'], ['XCLAIM', 'c', 'cg', 'w', '0', '9-9', 'FORCE'], ['XCLAIM', 'c', 'cg', 'w', '0', '4-1', 'FORCE', 'RETRYCOUNT', '5'],
  ['XCLAIM', 'c', 'cg', 'w', '0', '4-1', 'LASTID', '10-1'], ['XCLAIM', 'c', 'cg', 'w', '0', '9-9', 'LASTID', '20-1'], ['XCLAIM', 'c', 'cg', 'w', '0', '9-9', 'LASTID', '1-1'], ['XCLAIM', 'c', 'cg', 'w', '0', '4-1', 'BAD'],
  ['XCLAIM', 'c', 'nogrp', 'w', '0', '4-1'], ['XCLAIM', 'nos', 'cg', 'w', '0', '4-1'], ['XCLAIM', 'c', 'cg', 'w', 'x', '4-1'], ['XCLAIM', 'c', 'cg', 'v', '0', '4-1', 'IDLE', '5', 'TIME', '10'],
  ['XGROUP', 'SETID', 'c', 'cg', '0'], ['XREADGROUP', 'GROUP', 'cg', 'x', 'STREAMS', 'c', '>'], ['XDEL', 'c', '1-1', '2-1'], ['XCLAIM', 'c', 'cg', 'q', '0', '1-1', '2-1', '4-1'],
  // XAUTOCLAIM
  ['XADD', 'a', '1-1', 'a', '1'], ['XADD', 'a', '2-1', 'a', '2'], ['XADD', 'a', '3-1', 'a', '3'], ['XADD', 'a', '4-1', 'a', '4'], ['XADD', 'a', '5-1', 'a', '5'], ['XGROUP', 'CREATE', 'a', 'ag', '0'],
  ['XREADGROUP', 'GROUP', 'ag', 'x', 'STREAMS', 'a', '>'], ['XAUTOCLAIM', 'a', 'ag', 'y', '0', '0', 'COUNT', '2'], ['XAUTOCLAIM', 'a', 'ag', 'y', '0', '0', 'COUNT', '2', 'JUSTID'], ['XDEL', 'a', '2-1', '4-1'],
  ['XAUTOCLAIM', 'a', 'ag', 'z', '0', '0'], ['XAUTOCLAIM', 'a', 'ag', 'z', '0', '0'], ['XAUTOCLAIM', 'a', 'ag', 'z2', '100000000', '0'], ['XAUTOCLAIM', 'a', 'ag', 'z3', '0', '99-0'], ['XAUTOCLAIM', 'a', 'nogrp', 'z', '0', '0'],
  ['XAUTOCLAIM', 'nos', 'ag', 'z', '0', '0'], ['XAUTOCLAIM', 'a', 'ag', 'z', '0', '0', 'COUNT', '0'], ['XAUTOCLAIM', 'a', 'ag', 'z', '0', '0', 'FOO'],
  ['XGROUP', 'SETID', 'a', 'ag', '0'], ['XREADGROUP', 'GROUP', 'ag', 'x', 'STREAMS', 'a', '>'], ['XDEL', 'a', '1-1', '3-1', '5-1'], ['XAUTOCLAIM', 'a', 'ag', 'y', '0', '0', 'COUNT', '1'], ['XAUTOCLAIM', 'a', 'ag', 'y', '0', '0', 'JUSTID'],
  // read-only ones
  ['XINFO', 'STREAM', 'a'], ['XINFO', 'GROUPS', 'a'], ['XREVRANGE', 'a', '+', '-'], ['XINFO', 'STREAM', 'nos'],
  // MULTI
  [['MULTI'], ['XADD', 'm', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 'm', 'mg', '0'], ['XREADGROUP', 'GROUP', 'mg', 'c', 'STREAMS', 'm', '>'], ['XACK', 'm', 'mg', '1-1'], ['XDEL', 'm', '1-1'], ['EXEC']],
  [['MULTI'], ['XREADGROUP', 'GROUP', 'mg', 'd', 'BLOCK', '0', 'STREAMS', 'm', '>'], ['EXEC']],
  // DEL of a stream with groups
  ['DEL', 'g', 'c', 'a'],
];

/** A random sequence over a few keys, groups and consumers (xorshift from a seed). */
function randomSteps(seed: number, n: number): C[] {
  let x = seed >>> 0 || 1;
  const rnd = (k: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % k;
  };
  const pick = <T>(a: T[]) => a[rnd(a.length)];
  const keys = ['k1', 'k2'];
  const groups = ['g1', 'g2'];
  const cons = ['c1', 'c2', 'c3'];
  const id = () => `${1 + rnd(12)}-${rnd(2)}`;
  const next = new Map<string, number>();
  const newId = (k: string) => {
    const v = (next.get(k) ?? 0) + 1 + rnd(2);
    next.set(k, v);
    return `${v}-0`;
  };
  // Start with both keys holding both groups (DESTROY takes them away later).
  const out: C[] = [];
  for (const k of keys) {
    out.push(['XADD', k, newId(k), 'f', 'init']);
    for (const g of groups) out.push(['XGROUP', 'CREATE', k, g, '0']);
  }
  for (let i = out.length; i < n; i++) {
    const k = pick(keys);
    const g = pick(groups);
    const c = pick(cons);
    switch (rnd(16)) {
      case 0:
      case 1:
        out.push(['XADD', k, newId(k), 'f', String(i)]);
        break;
      case 2:
        out.push(['XADD', k, 'MAXLEN', String(rnd(6)), newId(k), 'f', String(i)]);
        break;
      case 3:
        out.push(rnd(2) ? ['XTRIM', k, 'MAXLEN', String(rnd(6))] : ['XTRIM', k, 'MINID', id()]);
        break;
      case 4:
        out.push(['XDEL', k, id(), id()]);
        break;
      case 5:
        out.push(['XGROUP', 'CREATE', k, g, rnd(2) ? '0' : '$', ...(rnd(2) ? ['MKSTREAM'] : [])]);
        break;
      case 6:
        out.push(['XGROUP', 'SETID', k, g, rnd(3) ? '0' : id()]);
        break;
      case 7:
        out.push(rnd(2) ? ['XGROUP', 'CREATECONSUMER', k, g, c] : ['XGROUP', 'DELCONSUMER', k, g, c]);
        break;
      case 8:
        out.push(rnd(3) ? ['XGROUP', 'CREATE', k, g, '0'] : ['XGROUP', 'DESTROY', k, g]);
        break;
      case 9:
      case 10:
        out.push(['XREADGROUP', 'GROUP', g, c, 'COUNT', String(1 + rnd(3)), ...(rnd(4) ? [] : ['NOACK']), 'STREAMS', k, rnd(3) ? '>' : '0']);
        break;
      case 11:
        out.push(['XACK', k, g, id(), id(), id()]);
        break;
      case 12:
        out.push(['XCLAIM', k, g, c, '0', id(), id(), ...(rnd(3) ? [] : ['JUSTID']), ...(rnd(4) ? [] : ['FORCE']), ...(rnd(4) ? [] : ['LASTID', id()])]);
        break;
      case 13:
        out.push(['XAUTOCLAIM', k, g, c, '0', rnd(2) ? '0' : id(), 'COUNT', String(1 + rnd(4)), ...(rnd(3) ? [] : ['JUSTID'])]);
        break;
      case 14:
        out.push(['XSETID', k, `${20 + rnd(5)}-0`]);
        break;
      default:
        out.push(['XREADGROUP', 'GROUP', g, c, 'STREAMS', 'k1', 'k2', '>', '>']);
    }
  }
  return out;
}

/** Runs the steps on both servers; returns how many of them changed redis-server's counter. */
async function run(r: RawClient, k: RawClient, steps: Array<C | C[]>): Promise<number> {
  // Replies with times in them (XINFO) are not compared.
  return (await expectSameDirty(r, k, steps, (what) => what.startsWith('XINFO'))).changed;
}

describe.each([2, 3] as const)('stream commands and rdb_changes_since_last_save (RESP%i)', (proto) => {
  it('moves as in Redis after every stream command', async () => {
    const { r, k } = await pair.clients(proto);
    await run(r, k, FIXED);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random sequence %i', async (seed) => {
    const { r, k } = await pair.clients(proto);
    const changed = await run(r, k, randomSteps(seed * 7919 + proto, 200));
    // The sequences must exercise changes, not only errors and no-ops.
    expect(changed).toBeGreaterThan(50);
  });

  it.each([
    ['XGROUP', 'DESTROY', 'bs', 'bg'],
    ['DEL', 'bs'],
    ['SET', 'bs', 'x'],
    ['XGROUP', 'SETID', 'bs', 'bg', '0'],
    ['XADD', 'bs', 'MAXLEN', '0', '5-1', 'f', 'v'],
  ])('a blocked XREADGROUP released by %s %s %s', async (...wake) => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    for (const cmd of [['XADD', 'bs', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'bs', 'bg', '$']]) {
      await Promise.all([a.r.call(...cmd), a.k.call(...cmd)]);
    }
    const [dr, dk] = [await dirty(a.r), await dirty(a.k)];
    const blocked = [b.r, b.k].map((c) => c.call('XREADGROUP', 'GROUP', 'bg', 'bc', 'BLOCK', '0', 'STREAMS', 'bs', '>'));
    for (const c of [a.r, a.k]) {
      for (;;) {
        const info = await c.call('INFO', 'clients');
        if (/blocked_clients:1/.test(info)) break;
      }
    }
    const [wr, wk] = await Promise.all([a.r.call(...wake), a.k.call(...wake)]);
    expect(wk).toBe(wr);
    // Still blocked after the wake-up (XGROUP SETID to an ID with nothing after it in RedKit and Redis): unblock it.
    const still = await Promise.all([a.r.call('INFO', 'clients'), a.k.call('INFO', 'clients')]);
    if (/blocked_clients:1/.test(still[0])) {
      await Promise.all([a.r.call('XADD', 'bs', '9-1', 'f', 'v'), a.k.call('XADD', 'bs', '9-1', 'f', 'v')]);
    }
    const [br, bk] = await Promise.all(blocked);
    expect(bk).toBe(br);
    expect((await dirty(a.k)) - dk).toBe((await dirty(a.r)) - dr);
  });

  it('a blocked XREADGROUP served by XADD', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    for (const cmd of [['XADD', 'bs', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'bs', 'bg', '$']]) {
      await Promise.all([a.r.call(...cmd), a.k.call(...cmd)]);
    }
    for (const [cons, add] of [['newc', '2-1'], ['newc', '3-1']]) {
      const [dr, dk] = [await dirty(a.r), await dirty(a.k)];
      const blocked = [b.r, b.k].map((c) => c.call('XREADGROUP', 'GROUP', 'bg', cons, 'BLOCK', '0', 'STREAMS', 'bs', '>'));
      // Wait until both servers have the reader blocked.
      for (const c of [a.r, a.k]) {
        for (;;) {
          const info = await c.call('INFO', 'clients');
          if (/blocked_clients:1/.test(info)) break;
        }
      }
      await Promise.all([a.r.call('XADD', 'bs', add, 'f', 'v'), a.k.call('XADD', 'bs', add, 'f', 'v')]);
      const [br, bk] = await Promise.all(blocked);
      expect(bk).toBe(br);
      expect((await dirty(a.k)) - dk).toBe((await dirty(a.r)) - dr);
    }
  });
});
