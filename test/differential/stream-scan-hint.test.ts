/**
 * A node remembers where its last forward scan stopped (StreamNode.hintP in
 * src/store/types/stream.ts) and the next scan from an ID at or after it
 * starts there. These sequences read forward one entry at a time (XREADGROUP
 * `>` COUNT 1, XRANGE paging), then delete, trim, append and read again from
 * before, after and at the remembered entry, compared byte for byte with
 * redis-server 7.0.15 in RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const c = await pair.clients(2);
  await expectSame(c.r, c.k, [
    ['CONFIG', 'SET', 'stream-node-max-entries', '10'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  ]);
});
afterAll(async () => {
  const c = await pair.clients(2);
  await expectSame(c.r, c.k, [['CONFIG', 'SET', 'stream-node-max-entries', '100']]);
});

/** n entries 1-0 .. n-0; every third entry with other fields than its node's first. */
function fill(n: number): Cmd[] {
  const out: Cmd[] = [];
  for (let i = 1; i <= n; i++) out.push(i % 3 === 0 ? ['XADD', 's', `${i}-0`, 'other', `o${i}`, 'x', `${i}`] : ['XADD', 's', `${i}-0`, 'f', `v${i}`]);
  return out;
}

describe.each([2, 3] as const)('forward scans resume inside a node (RESP%i)', (proto) => {
  it('XREADGROUP > COUNT 1 entry by entry, with deletions, trims and appends between reads', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = [...fill(35), ['XGROUP', 'CREATE', 's', 'g', '0']];
    for (let i = 0; i < 14; i++) steps.push(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>']);
    steps.push(
      // The entry read last, the next one, and one already read.
      ['XDEL', 's', '14-0', '15-0', '3-0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', 's', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '3'],
      ['XRANGE', 's', '12', '+', 'COUNT', '2'],
      ['XRANGE', 's', '(13-0', '+', 'COUNT', '2'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '4'],
      ['XTRIM', 's', 'MINID', '17'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2'],
      ['XADD', 's', '36-0', 'f', 'v36'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
    );
    for (let i = 0; i < 25; i++) steps.push(['XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', '1', 'STREAMS', 's', '>']);
    steps.push(['XRANGE', 's', '-', '+'], ['XPENDING', 's', 'g'], ['XINFO', 'GROUPS', 's']);
    await expectSame(r, k, steps);
  });

  it('XRANGE paging forward, then reads starting before, at and after the remembered entry', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = fill(30);
    let start = '-';
    for (let i = 0; i < 12; i++) {
      steps.push(['XRANGE', 's', start, '+', 'COUNT', '2']);
      start = `(${2 * i + 2}-0`;
    }
    steps.push(
      ['XRANGE', 's', '5', '9'],
      ['XRANGE', 's', '21', '21'],
      ['XRANGE', 's', '(21-0', '23'],
      ['XRANGE', 's', '1', '+', 'COUNT', '1'],
      ['XDEL', 's', '24-0', '25-0'],
      ['XRANGE', 's', '23', '+', 'COUNT', '3'],
      ['XRANGE', 's', '(23-0', '+', 'COUNT', '1'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 's', '22-0'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 's', '0-0'],
      ['XREVRANGE', 's', '26', '-', 'COUNT', '3'],
    );
    await expectSame(r, k, steps);
  });
});
