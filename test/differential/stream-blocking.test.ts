/**
 * XREAD / XREADGROUP with BLOCK against redis-server, byte for byte, in RESP2
 * and RESP3: readers wait on the blocking layer and are served by XADD (every
 * reader of a stream, unlike list pops), by the EXEC that made the stream
 * ready, with COUNT, `$` fixed at the time of the call, and groups that
 * disappear while a reader waits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { block, nothingPending, readSame, type Both } from '../support/blocking.js';
import { expectSame, RawClient, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  for (const port of [pair.redis.port, pair.redkit.port]) {
    const c = await RawClient.connect(port);
    await c.call('CLIENT', 'KILL', 'TYPE', 'normal');
    c.close();
  }
});

describe.each([2, 3] as const)('XREAD / XREADGROUP BLOCK (RESP%i)', (proto) => {
  it('XADD serves every reader of the stream, $ is fixed when the reader blocks', async () => {
    const ctl: Both = await pair.clients(proto);
    const w1: Both = await pair.clients(proto);
    const w2: Both = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '1-1', 'a', '1']]);
    await block(w1, ctl, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await block(w2, ctl, 2, 'XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'other', 's', '0-0', '1-1');
    await expectSame(ctl.r, ctl.k, [['MULTI'], ['XADD', 's', '2-1', 'b', '2'], ['XADD', 's', '2-2', 'c', '3'], ['EXEC']]);
    await readSame(w1, 'first reader');
    await readSame(w2, 'second reader (COUNT 1)');
    await expectSame(ctl.r, ctl.k, [['INFO', 'clients']].map((cmd) => ({ cmd, normalize: (b: string) => /blocked_clients:\d+/.exec(b)?.[0] })));
  });

  it('a reader waits through writes that add nothing after its ID, and through other keys', async () => {
    const ctl: Both = await pair.clients(proto);
    const w: Both = await pair.clients(proto);
    await block(w, ctl, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '5-0');
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '3-0', 'a', '1'], ['XADD', 't', '9-0', 'x', 'y'], ['RPUSH', 'l', 'v']]);
    await nothingPending(w);
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '6-0', 'b', '2']]);
    await readSame(w, 'served past its ID');
  });

  it('a deleted stream then a new one: the reader is served from the new stream', async () => {
    const ctl: Both = await pair.clients(proto);
    const w: Both = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '1-0', 'a', '1']]);
    await block(w, ctl, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await expectSame(ctl.r, ctl.k, [['DEL', 's'], ['XADD', 's', '1-0', 'b', '2']]);
    await nothingPending(w);
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '2-0', 'c', '3']]);
    await readSame(w, 'served');
  });

  it('XREADGROUP >: blocked consumers are served new entries, with the PEL updated', async () => {
    const ctl: Both = await pair.clients(proto);
    const w1: Both = await pair.clients(proto);
    const w2: Both = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(w1, ctl, 1, 'XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await block(w2, ctl, 2, 'XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '1-0', 'a', '1']]);
    await readSame(w1, 'first consumer');
    await nothingPending(w2);
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '2-0', 'b', '2']]);
    await readSame(w2, 'second consumer');
    await expectSame(ctl.r, ctl.k, [
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
    ].map((cmd) => ({ cmd, normalize: (b: string) => b.replace(/:\d+\r\n:1\r\n/g, ':IDLE\r\n:1\r\n') })));
    await block(w1, ctl, 1, 'XREADGROUP', 'GROUP', 'g', 'c1', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>');
    await expectSame(ctl.r, ctl.k, [['XADD', 's', '3-0', 'c', '3']]);
    await readSame(w1, 'NOACK consumer');
    await expectSame(ctl.r, ctl.k, [['XPENDING', 's', 'g']]);
  });

  it('XGROUP DESTROY and DEL while a consumer waits', async () => {
    const ctl: Both = await pair.clients(proto);
    const w: Both = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(w, ctl, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await expectSame(ctl.r, ctl.k, [['XGROUP', 'DESTROY', 's', 'g']]);
    await readSame(w, 'group destroyed');
    await expectSame(ctl.r, ctl.k, [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    await block(w, ctl, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await expectSame(ctl.r, ctl.k, [['DEL', 's'], ['XADD', 's', '1-0', 'a', '1']]);
    await readSame(w, 'after DEL and a new stream without the group');
  });

  it.each([['SET', 's', 'x'], ['FLUSHALL'], ['FLUSHDB'], ['SWAPDB', '0', '1'], ['RENAME', 's', 't'], ['MOVE', 's', '1'], ['PEXPIRE', 's', '0'], ['UNLINK', 's']])(
    'a blocked XREADGROUP is unblocked when its stream goes: %s',
    async (...op) => {
      const ctl: Both = await pair.clients(proto);
      const w: Both = await pair.clients(proto);
      const x: Both = await pair.clients(proto);
      await expectSame(ctl.r, ctl.k, [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
      await block(w, ctl, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      // A plain XREAD on the same key keeps waiting.
      await block(x, ctl, 2, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await expectSame(ctl.r, ctl.k, [op]);
      await readSame(w, 'unblocked');
      await nothingPending(x);
      await expectSame(ctl.r, ctl.k, [['SELECT', '0'], ['DEL', 's'], ['XADD', 's', '5-0', 'f', 'v']]);
      await readSame(x, 'XREAD served by the new stream');
    },
  );

  it('a BLOCK timeout answers a null array; CLIENT UNBLOCK TIMEOUT and ERROR reach stream readers', async () => {
    const ctl: Both = await pair.clients(proto);
    const w: Both = await pair.clients(proto);
    w.r.send('XREAD', 'BLOCK', '30', 'STREAMS', 's', '$');
    w.k.send('XREAD', 'BLOCK', '30', 'STREAMS', 's', '$');
    await readSame(w, 'timed out');
    const idR = await w.r.call('CLIENT', 'ID');
    const idK = await w.k.call('CLIENT', 'ID');
    const id = (raw: string) => raw.slice(1, -2);
    for (const how of ['TIMEOUT', 'ERROR']) {
      await block(w, ctl, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      const [a, b] = await Promise.all([ctl.r.call('CLIENT', 'UNBLOCK', id(idR), how), ctl.k.call('CLIENT', 'UNBLOCK', id(idK), how)]);
      expect(b).toBe(a);
      await readSame(w, `unblocked ${how}`);
    }
  });
});
