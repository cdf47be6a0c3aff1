/**
 * Stream commands against redis-server 7.0.15, byte for byte, in RESP2 and RESP3.
 *
 * Explicit IDs are used wherever the reply would show one: `*` IDs come from
 * each server's own clock (test/fixture/streams.test.ts tests them on the
 * virtual clock). Delivery times, seen-times and idle times are wall-clock
 * values that differ between the two servers by a few ms: `times` replaces
 * them (integers above 10^12, and the idle fields) before comparing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, expectSameEvents, startPair, type Cmd, type Pair, type RawClient, type Step } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const c = await pair.clients(2);
  await expectSame(c.r, c.k, [
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  ]);
});

/** Replace wall-clock values: epoch ms (> 10^12) and the value after an `idle` key. */
function scrubTimes(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (i > 0 && v[i - 1] === 'idle') out.push('IDLE');
      else out.push(scrubTimes(v[i]));
    }
    return out;
  }
  if (v && typeof v === 'object') {
    if ('int' in v && Number((v as { int: string }).int) > 1e12) return 'TIME';
    if ('map' in v) return { map: scrubTimes((v as { map: unknown[] }).map) };
  }
  return v;
}
const times = (bytes: string) => scrubTimes(decode(bytes));
/** XPENDING extended form: the idle field (3rd of each entry) is wall-clock. */
const pendingIdle = (bytes: string) => {
  const v = decode(bytes);
  if (!Array.isArray(v)) return v;
  return v.map((e) => (Array.isArray(e) ? [e[0], e[1], 'IDLE', e[3]] : e));
};
const T = (cmd: Cmd): Step => ({ cmd, normalize: times });

const WRONG = ['SET', 'str', 'x'];

describe.each([2, 3] as const)('streams (RESP%i)', (proto) => {
  let r: RawClient;
  let k: RawClient;
  beforeEach(async () => {
    ({ r, k } = await pair.clients(proto));
  });

  it('XADD explicit IDs, ms-*, 0-0, equal or smaller IDs, options', async () => {
    await expectSame(r, k, [
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-0', 'a', '1'],
      ['XADD', 's', '0-5', 'a', '1'],
      ['XADD', 's', '1-*', 'b', '2'],
      ['XADD', 's', '1-*', 'b', '2'],
      ['XADD', 's', '5-*', 'c', '3'],
      ['XADD', 's', '4-*', 'c', '3'],
      ['XADD', 's', '5', 'd', '4'],
      ['XADD', 's', '6', 'd', '4'],
      ['XADD', 's', '0-0', 'a', '1'],
      ['XADD', 'n', '0-0', 'a', '1'],
      ['EXISTS', 'n'],
      ['XADD', 'n', '0', 'a', '1'],
      ['XADD', 'n', '0-*', 'a', '1'],
      ['XADD', 'n', '0-*', 'a', '1'],
      ['XADD', 's', '7-1', 'a'],
      ['XADD', 's', '7-1'],
      ['XADD', 's', '7-1', 'a', 'b', 'c'],
      ['XADD', 's', 'MAXLEN', '5'],
      ['XADD', 's', 'NOMKSTREAM'],
      ['XADD', 'x', 'NOMKSTREAM', '1-1', 'a', '1'],
      ['EXISTS', 'x'],
      ['XADD', 's', 'NOMKSTREAM', '8-1', 'a', '1'],
      ['XADD', 's', 'nomkstream', 'maxlen', '=', '100', '9-1', 'a', '1'],
      ['XADD', 's', 'bad', 'a', '1'],
      ['XADD', 's', '1-1-1', 'a', '1'],
      ['XADD', 's', '-', 'a', '1'],
      ['XADD', 's', '+', 'a', '1'],
      ['XADD', 's', '-1', 'a', '1'],
      ['XADD', 's', '10-a', 'a', '1'],
      ['XADD', 's', '', 'a', '1'],
      ['XADD', 's', '00012', 'a', '1'],
      ['XADD', 's', ' 13-+1', 'a', '1'],
      ['XADD', 's', '18446744073709551616-1', 'a', '1'],
      ['XADD', 's', 'x'.repeat(200), 'a', '1'],
      ['XADD', 's', '14-\u00000', 'a', '1'],
      ['XRANGE', 's', '-', '+'],
      ['XLEN', 's'],
      WRONG,
      ['XADD', 'str', '1-1', 'a', '1'],
      ['XLEN', 'str'],
      ['XLEN', 'none'],
    ]);
  });

  it('XADD at the top of the ID space, ms-* overflow, huge ms', async () => {
    await expectSame(r, k, [
      ['XADD', 's', '18446744073709551615-18446744073709551614', 'a', '1'],
      ['XADD', 's', '18446744073709551615-*', 'a', '1'],
      ['XADD', 's', '18446744073709551615-*', 'a', '1'],
      ['XADD', 's', '*', 'a', '1'],
      ['XADD', 's', '18446744073709551615-18446744073709551615', 'a', '1'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '18446744073709551615', '18446744073709551615'],
      ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '1'],
      ['XINFO', 'STREAM', 's'],
      ['XADD', 't', '9007199254740993-9007199254740995', 'a', '1'],
      ['XADD', 't', '9007199254740993-*', 'a', '2'],
      ['XADD', 't', '9007199254740994', 'a', '3'],
      ['XRANGE', 't', '9007199254740993-9007199254740996', '+'],
      ['XREVRANGE', 't', '+', '(9007199254740993-9007199254740996'],
      ['XDEL', 't', '9007199254740993-9007199254740996'],
      ['XINFO', 'STREAM', 't'],
      ['XADD', 'u', '5-18446744073709551615', 'a', '1'],
      ['XADD', 'u', '5-*', 'a', '1'],
      ['XADD', 'u', '6-*', 'a', '1'],
      ['XRANGE', 'u', '(5-18446744073709551615', '+'],
      ['XRANGE', 'u', '-', '(6-0'],
      ['XRANGE', 'u', '-', '(0-0'],
      ['XRANGE', 'u', '(0-0', '+', 'COUNT', '1'],
    ]);
  });

  it('XRANGE / XREVRANGE: bounds, exclusive bounds, COUNT, errors', async () => {
    const steps: Cmd[] = [];
    for (let i = 1; i <= 30; i++) steps.push(['XADD', 's', `${Math.ceil(i / 3)}-${i % 3}`, 'f', String(i), ...(i % 4 === 0 ? ['g', 'x'] : [])]);
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT', '5'],
      ['XRANGE', 's', '-', '+', 'count', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-3'],
      ['XRANGE', 'none', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '3', '5'],
      ['XRANGE', 's', '3-1', '5-1'],
      ['XRANGE', 's', '(3-1', '(5-1'],
      ['XRANGE', 's', '(3', '(5'],
      ['XRANGE', 's', '5', '3'],
      ['XRANGE', 's', '(-', '+'],
      ['XRANGE', 's', '-', '(+'],
      ['XRANGE', 's', '(', '+'],
      ['XRANGE', 's', '((1', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
      ['XRANGE', 's', '-', '+', 'LIMIT', '1'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2', 'COUNT', '3'],
      ['XRANGE', 's', 'x', '+'],
      ['XRANGE', 's', '-', 'x'],
      ['XREVRANGE', 's', '+', '-'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '4'],
      ['XREVRANGE', 's', '(5-1', '(3', 'COUNT', '4'],
      ['XREVRANGE', 's', '-', '+'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '0'],
      ['XRANGE', 'none', '-', '+'],
      ['XREVRANGE', 'none', '+', '-'],
      WRONG,
      ['XRANGE', 'str', '-', '+'],
      ['XRANGE', 'str', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's'],
    ]);
  });

  it('XDEL and XTRIM: tombstones, first/max-deleted IDs, MAXLEN/MINID = ~ LIMIT', async () => {
    const steps: Cmd[] = [];
    for (let i = 1; i <= 250; i++) steps.push(['XADD', 's', `${i}-1`, 'f', 'v']);
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['XDEL', 's', '1-1', '5-1', '5-1', '999-1'],
      ['XDEL', 's', 'bad'],
      ['XDEL', 'none', 'bad'],
      ['XDEL', 's', '2-1', 'bad'],
      ['XLEN', 's'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '200'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '195'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MINID', '~', '120'],
      ['XTRIM', 's', 'MINID', '=', '120'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '10', 'LIMIT', '50'],
      ['XTRIM', 's', 'MAXLEN', '~', '10', 'LIMIT', '200'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '10', 'LIMIT', '20'],
      ['XTRIM', 's', 'MAXLEN', '-1'],
      ['XTRIM', 's', 'MAXLEN', 'x'],
      ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
      ['XTRIM', 's', 'LIMIT', '10'],
      ['XTRIM', 's', 'LIMIT', '0'],
      ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1'],
      ['XTRIM', 's', 'MAXLEN'],
      ['XTRIM', 's', 'FOO', '1'],
      ['XTRIM', 's', 'MINID', 'bad'],
      ['XTRIM', 'none', 'MAXLEN', '0'],
      WRONG,
      ['XTRIM', 'str', 'MAXLEN', '0'],
      ['XDEL', 'str', '1-1'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'STREAM', 's'],
      ['XRANGE', 's', '-', '+'],
      ['EXISTS', 's'],
      ['XADD', 's', '10-1', 'a', '1'],
      ['XADD', 's', '300-1', 'a', '1'],
      ['XINFO', 'STREAM', 's'],
    ]);
    // XADD with trimming.
    await expectSame(r, k, [
      ['XADD', 't', 'MAXLEN', '2', '1-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '2', '2-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '2', '3-1', 'a', '1'],
      ['XADD', 't', 'MINID', '3', '4-1', 'a', '1'],
      ['XADD', 't', 'MINID', '~', '4', 'LIMIT', '10', '5-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '~', '1', '6-1', 'a', '1'],
      ['XADD', 't', 'LIMIT', '5', '7-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '1', 'LIMIT', '5', '7-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '-1', '7-1', 'a', '1'],
      ['XADD', 't', 'MAXLEN', '1', 'MINID', '1', '7-1', 'a', '1'],
      ['XADD', 't', 'MINID', '(1', '7-1', 'a', '1'],
      ['XRANGE', 't', '-', '+'],
      ['XINFO', 'STREAM', 't'],
    ]);
  });

  it('node layout: radix-tree keys and nodes follow stream-node-max-entries / -bytes', async () => {
    const steps: Cmd[] = [];
    for (let i = 1; i <= 330; i++) steps.push(['XADD', 's', `${1000 + Math.floor(i / 7)}-${i}`, 'field', `v${i}`, ...(i % 50 === 0 ? ['other', 'x'] : [])]);
    for (let i = 1; i <= 40; i++) steps.push(['XADD', 'big', `${i}-0`, 'f', 'x'.repeat(300 + i)]);
    await expectSame(r, k, steps);
    await expectSame(r, k, [
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 'big'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '7'],
      ['XADD', 'c', '1-1', 'a', '1'],
    ]);
    const more: Cmd[] = [];
    for (let i = 2; i <= 40; i++) more.push(['XADD', 'c', `${i * 1000}-1`, 'a', String(i)]);
    await expectSame(r, k, more);
    await expectSame(r, k, [
      ['XINFO', 'STREAM', 'c'],
      ['XDEL', 'c', '2000-1', '3000-1', '4000-1', '5000-1', '6000-1', '7000-1'],
      ['XINFO', 'STREAM', 'c'],
      ['XDEL', 'c', '1-1'],
      ['XINFO', 'STREAM', 'c'],
      ['XREVRANGE', 'c', '+', '-', 'COUNT', '9'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '0'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '0'],
      ['XADD', 'c', '50000-1', 'a', '1'],
      ['XINFO', 'STREAM', 'c'],
    ]);
  });

  it('XREAD: $, ids, COUNT, several keys, BLOCK with data, errors', async () => {
    await expectSame(r, k, [
      ['XADD', 'a', '1-1', 'f', '1'],
      ['XADD', 'a', '2-1', 'f', '2'],
      ['XADD', 'b', '3-1', 'g', '3'],
      ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'STREAMS', 'a', 'b', '$', '$'],
      ['XREAD', 'STREAMS', 'a', 'b', '1-1', '3-1'],
      ['XREAD', 'STREAMS', 'a', 'none', '1', '0'],
      ['XREAD', 'STREAMS', 'none', '0'],
      ['XREAD', 'BLOCK', '100', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', 'b', '0'],
      ['XREAD', 'STREAMS', 'a', '>'],
      ['XREAD', 'STREAMS', 'a', 'x'],
      ['XREAD', 'STREAMS', 'a', '-'],
      ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
      ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'FOO', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '1', 'a', '0'],
      ['XREAD', 'STREAMS'],
      WRONG,
      ['XREAD', 'STREAMS', 'str', '0'],
      ['XREAD', 'STREAMS', 'a', 'str', '0', '0'],
      ['XDEL', 'a', '2-1'],
      ['XREAD', 'STREAMS', 'a', '1-1'],
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '0'],
      ['EXEC'],
    ]);
  });

  it('consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, lag and entries-read', async () => {
    await expectSame(r, k, [
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', '-2'],
      ['XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', 'x'],
      ['XGROUP', 'CREATE', 's', 'g2', '$', 'FOO'],
      ['XGROUP', 'CREATE', 's', 'g2', 'bad'],
      ['XGROUP', 'CREATE', 's', 'g2', '$', 'MKSTREAM', 'ENTRIESREAD', '3', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g2', '$', 'MKSTREAM', 'ENTRIESREAD', '3', 'MKSTREAM', 'X'],
      ['XGROUP', 'FOO', 's', 'g'],
      ['XGROUP', 'CREATE', 's'],
      ['XGROUP', 'SETID', 's', 'nog', '0'],
      ['XGROUP', 'SETID', 'none', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'c'],
      ['XGROUP', 'DELCONSUMER', 'none', 'g', 'c'],
      ['XGROUP', 'DESTROY', 'none', 'g'],
      ['XGROUP', 'DESTROY', 's', 'nog'],
    ]);
    const adds: Cmd[] = [];
    for (let i = 1; i <= 12; i++) adds.push(['XADD', 's', `${i}-0`, 'f', String(i)]);
    await expectSame(r, k, adds);
    await expectSame(r, k, [
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-0'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XPENDING', 's', 'g'],
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], normalize: pendingIdle },
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10', 'bob'], normalize: pendingIdle },
      { cmd: ['XPENDING', 's', 'g', '(1-0', '(5-0', '10'], normalize: pendingIdle },
      { cmd: ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '2'], normalize: pendingIdle },
      ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
      ['XPENDING', 's', 'g', '-', '+', '0'],
      ['XPENDING', 's', 'g', '-', '+', '-1'],
      ['XPENDING', 's', 'g', '-', '+'],
      ['XPENDING', 's', 'g', 'IDLE', '10', '-', '+'],
      ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '1'],
      ['XPENDING', 's', 'g', '-', '+', 'x'],
      ['XPENDING', 's', 'g', 'x', '+', '1'],
      ['XPENDING', 's', 'g', '(-', '+', '1'],
      ['XPENDING', 's', 'nog'],
      ['XPENDING', 'none', 'g', '-', '+', '1'],
      WRONG,
      ['XPENDING', 'str', 'g'],
      ['XACK', 's', 'g', '1-0', '2-0', '2-0', '99-0'],
      ['XACK', 's', 'g', 'bad'],
      ['XACK', 's', 'nog', 'bad'],
      ['XACK', 'none', 'g', '1-0'],
      ['XACK', 'str', 'g', '1-0'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '8-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '3-0', 'ENTRIESREAD', '3'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '$'],
      ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD'],
      ['XGROUP', 'SETID', 's', 'g', '$', 'FOO', '1'],
      ['XGROUP', 'SETID', 's', 'g', 'bad'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '5-0'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XPENDING', 's', 'g'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'erin'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'erin'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
      T(['XINFO', 'CONSUMERS', 's', 'g']),
      ['XINFO', 'CONSUMERS', 's', 'nog'],
      ['XINFO', 'CONSUMERS', 'none', 'g'],
      ['XPENDING', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'HELP'],
      ['XINFO', 'HELP'],
    ]);
  });

  it('XREADGROUP errors and edge cases', async () => {
    await expectSame(r, k, [
      ['XADD', 's', '1-0', 'f', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'],
      ['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'none', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '0'],
      ['XINFO', 'GROUPS', 's'],
      WRONG,
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'],
      ['MULTI'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['EXEC'],
      ['XDEL', 's', '1-0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'],
      ['XADD', 's', '2-0', 'f', '2'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', 's', '>'],
      ['XPENDING', 's', 'g'],
    ]);
  });

  it('XCLAIM: every option', async () => {
    const adds: Cmd[] = [];
    for (let i = 1; i <= 6; i++) adds.push(['XADD', 's', `${i}-0`, 'f', String(i)]);
    await expectSame(r, k, adds);
    await expectSame(r, k, [
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'b', '3600000', '1-0'],
      ['XCLAIM', 's', 'g', 'b', '0', '1-0', '2-0'],
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], normalize: pendingIdle },
      ['XCLAIM', 's', 'g', 'b', '0', '3-0', 'JUSTID'],
      { cmd: ['XPENDING', 's', 'g', '-', '+', '10'], normalize: pendingIdle },
      ['XCLAIM', 's', 'g', 'c', '0', '4-0', 'RETRYCOUNT', '7', 'IDLE', '5000'],
      { cmd: ['XPENDING', 's', 'g', 'IDLE', '4000', '-', '+', '10'], normalize: pendingIdle },
      ['XCLAIM', 's', 'g', 'c', '0', '5-0', 'TIME', '1000', 'JUSTID'],
      { cmd: ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10', 'c'], normalize: pendingIdle },
      ['XCLAIM', 's', 'g', 'c', '0', '6-0', 'TIME', '99999999999999', 'JUSTID'],
      ['XDEL', 's', '2-0'],
      ['XCLAIM', 's', 'g', 'c', '0', '2-0', '1-0'],
      ['XPENDING', 's', 'g'],
      ['XADD', 's', '7-0', 'f', '7'],
      ['XCLAIM', 's', 'g', 'c', '0', '7-0'],
      ['XCLAIM', 's', 'g', 'c', '0', '7-0', 'FORCE'],
      ['XCLAIM', 's', 'g', 'c', '0', '99-0', 'FORCE'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'LASTID', '50-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'LASTID', '2-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'c', 'x', '1-0'],
      ['XCLAIM', 's', 'g', 'c', '-5', '1-0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'IDLE', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'TIME', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'RETRYCOUNT', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'LASTID', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'FOO'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'IDLE'],
      ['XCLAIM', 's', 'g', 'c', '0', 'FOO', '1-0'],
      ['XCLAIM', 's', 'nog', 'c', '0', '1-0'],
      ['XCLAIM', 'none', 'g', 'c', '0', '1-0'],
      WRONG,
      ['XCLAIM', 'str', 'g', 'c', '0', '1-0'],
      ['XPENDING', 's', 'g'],
      T(['XINFO', 'STREAM', 's', 'FULL']),
    ]);
  });

  it('XAUTOCLAIM: cursor, COUNT, JUSTID, deleted entries, errors', async () => {
    const adds: Cmd[] = [];
    for (let i = 1; i <= 12; i++) adds.push(['XADD', 's', `${i}-0`, 'f', String(i)]);
    await expectSame(r, k, adds);
    await expectSame(r, k, [
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>'],
      ['XAUTOCLAIM', 's', 'g', 'b', '3600000', '0'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '0', 'COUNT', '3'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '4-0', 'COUNT', '2', 'JUSTID'],
      ['XDEL', 's', '7-0', '8-0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '(6-0', 'COUNT', '3'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '100'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '12-0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '13-0'],
      { cmd: ['XPENDING', 's', 'g', '-', '+', '20'], normalize: pendingIdle },
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '576460752303423488'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'FOO'],
      ['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '(18446744073709551615-18446744073709551615'],
      ['XAUTOCLAIM', 's', 'nog', 'c', '0', '0'],
      ['XAUTOCLAIM', 'none', 'g', 'c', '0', '0'],
      WRONG,
      ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
    ]);
    // The attempts budget (COUNT * 10) stops a scan over entries that are not idle enough.
    const more: Cmd[] = [];
    for (let i = 100; i < 140; i++) more.push(['XADD', 't', `${i}-0`, 'f', 'v']);
    await expectSame(r, k, more);
    await expectSame(r, k, [
      ['XGROUP', 'CREATE', 't', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 't', '>'],
      ['XAUTOCLAIM', 't', 'g', 'b', '3600000', '0', 'COUNT', '2'],
      ['XAUTOCLAIM', 't', 'g', 'b', '3600000', '120-0', 'COUNT', '2'],
      ['XAUTOCLAIM', 't', 'g', 'b', '3600000', '0', 'COUNT', '4'],
    ]);
  });

  it('XINFO STREAM [FULL [COUNT]], GROUPS, CONSUMERS, errors', async () => {
    const adds: Cmd[] = [];
    for (let i = 1; i <= 15; i++) adds.push(['XADD', 's', `${i}-0`, 'f', String(i), ...(i % 5 === 0 ? ['x', 'y'] : [])]);
    await expectSame(r, k, adds);
    await expectSame(r, k, [
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XGROUP', 'CREATE', 's', 'g2', '0'],
      ['XGROUP', 'CREATE', 's', 'g1', '$'],
      ['XGROUP', 'CREATE', 's', 'G0', '5-0', 'ENTRIESREAD', '5'],
      ['XREADGROUP', 'GROUP', 'g2', 'zed', 'COUNT', '12', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g2', 'amy', 'STREAMS', 's', '>'],
      T(['XINFO', 'STREAM', 's', 'FULL']),
      T(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '3']),
      T(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0']),
      T(['XINFO', 'STREAM', 's', 'full', 'count', '-1']),
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
      ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
      ['XINFO', 'STREAM', 's', 'FOO'],
      ['XINFO', 'STREAM', 'none'],
      ['XINFO', 'GROUPS', 'none'],
      ['XINFO', 'GROUPS', 's'],
      T(['XINFO', 'CONSUMERS', 's', 'g2']),
      ['XINFO', 'CONSUMERS', 's', 'g1'],
      ['XINFO', 'FOO', 's'],
      ['XINFO', 'STREAM'],
      ['XINFO', 'GROUPS', 's', 'x'],
      ['XINFO', 'CONSUMERS', 's'],
      WRONG,
      ['XINFO', 'STREAM', 'str'],
      ['XINFO', 'GROUPS', 'str'],
      ['XINFO', 'CONSUMERS', 'str', 'g'],
      ['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM'],
      ['XINFO', 'STREAM', 'e'],
      ['XINFO', 'STREAM', 'e', 'FULL'],
      ['XINFO', 'GROUPS', 'e'],
      ['TYPE', 'e'],
      ['OBJECT', 'ENCODING', 'e'],
    ]);
  });

  it('XSETID: ENTRIESADDED, MAXDELETEDID, errors; lag after tombstones', async () => {
    await expectSame(r, k, [
      ['XSETID', 'none', '1-1'],
      ['XADD', 's', '1-0', 'f', '1'],
      ['XADD', 's', '2-0', 'f', '2'],
      ['XADD', 's', '3-0', 'f', '3'],
      ['XSETID', 's', '1-0'],
      ['XSETID', 's', '3-0'],
      ['XSETID', 's', '10-0'],
      ['XADD', 's', '5-0', 'f', '5'],
      ['XADD', 's', '10-*', 'f', '10'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '2'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '-1'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', 'x'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED', '100', 'MAXDELETEDID', '2-0'],
      ['XINFO', 'STREAM', 's'],
      ['XSETID', 's', '20-0', 'MAXDELETEDID', '30-0'],
      ['XSETID', 's', '20-0', 'MAXDELETEDID', 'x'],
      ['XSETID', 's', '20-0', 'FOO', '1'],
      ['XSETID', 's', '20-0', 'ENTRIESADDED'],
      ['XSETID', 's', '1-0', 'MAXDELETEDID', '0-5'],
      ['XSETID', 's', 'bad'],
      ['XSETID', 's', '-'],
      WRONG,
      ['XSETID', 'str', '1-1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '3-0'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'STREAM', 's'],
      ['XSETID', 's', '0-1'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'CREATE', 's', 'g3', '0'],
      ['XINFO', 'GROUPS', 's'],
    ]);
  });

  it('TYPE, SCAN TYPE, COPY, RENAME, MOVE, OBJECT ENCODING, DEL, EXISTS', async () => {
    await expectSame(r, k, [
      ['XADD', 's', '1-0', 'f', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['SET', 'str', 'x'],
      ['TYPE', 's'],
      ['OBJECT', 'ENCODING', 's'],
      { cmd: ['SCAN', '0', 'TYPE', 'stream'] },
      ['COPY', 's', 's2'],
      ['XADD', 's2', '2-0', 'f', '2'],
      ['XLEN', 's'],
      ['XLEN', 's2'],
      ['XPENDING', 's2', 'g'],
      ['XACK', 's2', 'g', '1-0'],
      ['XPENDING', 's', 'g'],
      ['RENAME', 's2', 's3'],
      ['XRANGE', 's3', '-', '+'],
      ['MOVE', 's3', '1'],
      ['SELECT', '1'],
      ['XRANGE', 's3', '-', '+'],
      ['COPY', 's3', 's', 'DB', '0'],
      ['COPY', 's3', 's', 'DB', '0', 'REPLACE'],
      ['SELECT', '0'],
      ['XRANGE', 's', '-', '+'],
      ['DEL', 's'],
      ['EXISTS', 's'],
    ]);
  });

  it('WATCH: which stream commands signal the key as modified', async () => {
    await expectSame(r, k, [
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'g2', '0'],
    ]);
    const probes: Cmd[] = [
      ['XGROUP', 'CREATE', 's', 'g3', '0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c9'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '1-0'],
      ['XCLAIM', 's', 'g', 'c2', '0', '1-0'],
      ['XAUTOCLAIM', 's', 'g', 'c3', '0', '0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c3'],
      ['XGROUP', 'DESTROY', 's', 'g2'],
      ['XSETID', 's', '5-0'],
      ['XDEL', 's', '9-9'],
      ['XTRIM', 's', 'MAXLEN', '5'],
      ['XADD', 's', '8-0', 'f', 'v'],
      ['XDEL', 's', '1-0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
    ];
    for (const p of probes) await expectSame(r, k, [['WATCH', 's'], p, ['MULTI'], ['EXEC']]);
  });

  it('keyspace notifications', async () => {
    await expectSameEvents(pair, proto, [
      ['XADD', 's', '1-0', 'f', '1'],
      ['XADD', 's', 'MAXLEN', '1', '2-0', 'f', '2'],
      ['XADD', 's', 'MAXLEN', '5', '3-0', 'f', '2'],
      ['XDEL', 's', '2-0'],
      ['XDEL', 's', '99-0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XADD', 's', '4-0', 'f', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'm', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'e', '0', '4-0'],
      ['XAUTOCLAIM', 's', 'g', 'f', '0', '0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XSETID', 's', '10-0'],
      ['XADD', 'n', 'NOMKSTREAM', '1-0', 'f', '1'],
      ['DEL', 's'],
    ]);
  });
});

describe('DUMP / RESTORE with redis-server', () => {
  async function build(c: RawClient, key: string): Promise<void> {
    for (let i = 1; i <= 260; i++) {
      const fields = i % 7 === 0 ? ['other', String(i), 'x', 'y'.repeat(i % 40)] : ['f', String(i * 1000), 'g', `v${i}`];
      await c.call('XADD', key, `${1000 + Math.floor(i / 3)}-${i}`, ...fields);
    }
    await c.call('XDEL', key, '1001-3', '1010-30', '1033-100');
    await c.call('XGROUP', 'CREATE', key, 'g1', '0');
    await c.call('XGROUP', 'CREATE', key, 'g2', '1020-0', 'ENTRIESREAD', '55');
    await c.call('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '20', 'STREAMS', key, '>');
    await c.call('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '5', 'STREAMS', key, '>');
    await c.call('XGROUP', 'CREATECONSUMER', key, 'g2', 'idle');
    await c.call('XCLAIM', key, 'g1', 'carol', '0', '1001-1', '1001-2', 'TIME', '1234567', 'RETRYCOUNT', '9');
    await c.call('XSETID', key, '5000-7', 'ENTRIESADDED', '300', 'MAXDELETEDID', '1033-100');
  }

  async function transfer(from: RawClient, to: RawClient, key: string, dest: string): Promise<void> {
    const dump = decode(await from.call('DUMP', key)) as string;
    expect(typeof dump).toBe('string');
    const res = await to.call('RESTORE', dest, '0', Buffer.from(dump, 'latin1'));
    expect(res).toBe('+OK\r\n');
  }

  it('RedKit dumps what redis-server restores, and the other way round', async () => {
    const { r, k } = await pair.clients(2);
    await build(r, 's');
    await build(k, 's');
    await expectSame(r, k, [T(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'])]);
    // redis -> redkit, redkit -> redis
    await transfer(r, k, 's', 'fromredis');
    await transfer(k, r, 's', 'fromredkit');
    await transfer(r, r, 's', 'fromredis');
    await transfer(k, k, 's', 'fromredkit');
    await expectSame(r, k, [
      ['XINFO', 'STREAM', 'fromredis', 'FULL', 'COUNT', '0'],
      ['XINFO', 'STREAM', 'fromredkit', 'FULL', 'COUNT', '0'],
      ['XRANGE', 'fromredkit', '-', '+'],
      ['XADD', 'fromredkit', '6000-0', 'f', 'new'],
      ['XINFO', 'STREAM', 'fromredkit'],
    ]);
    // An empty stream with a group.
    for (const c of [r, k]) await c.call('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
    await transfer(r, k, 'e', 'e1');
    await transfer(k, r, 'e', 'e2');
    await transfer(r, r, 'e', 'e1');
    await transfer(k, k, 'e', 'e2');
    await expectSame(r, k, [
      ['XINFO', 'STREAM', 'e1', 'FULL'],
      ['XINFO', 'STREAM', 'e2', 'FULL'],
    ]);
    // Byte-identical payloads for a stream built the same way (delivery times set by XCLAIM TIME).
    for (const c of [r, k]) {
      await c.call('XADD', 'd', '1-1', 'a', '1', 'b', 'hello');
      await c.call('XADD', 'd', '1-2', 'a', '-7', 'b', 'x'.repeat(100));
      await c.call('XADD', 'd', '2-0', 'c', '123456789012');
      await c.call('XDEL', 'd', '1-2');
    }
    await expectSame(r, k, [['DUMP', 'd']]);
  });
});

describe('stream replies through MULTI and scripts', () => {
  it('XREAD BLOCK in MULTI answers as a timeout; BLOCK is refused in scripts', async () => {
    const { r, k } = await pair.clients(3);
    await expectSame(r, k, [
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['EXEC'],
    ]);
  });
});
