/**
 * XADD's reply on the fast path (src/commands/streams.ts, XADD_REPLY): a
 * connection's XADD answers one reused object that the writer prints as
 * digits. These cases hold replies past the next XADD (EXEC's array, a
 * script's table, writers paused by CLIENT PAUSE and resumed together), or
 * run many XADDs in one read; each must still answer its own ID, byte for
 * byte as redis-server 7.0.15, in RESP2 and RESP3. Explicit IDs only: `*`
 * comes from each server's clock.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { nothingPending, readSame, sendBoth, waitBlocked } from '../support/blocking.js';
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
    await c.call('CLIENT', 'UNPAUSE');
    await c.call('CLIENT', 'KILL', 'TYPE', 'normal');
    c.close();
  }
});

describe.each([2, 3] as const)('XADD replies held or pipelined (RESP%i)', (proto) => {
  it('a pipeline of XADDs in one write: each its own ID (ms and seq changing; seq around 2^31 and up to 2^53)', async () => {
    const c = await pair.clients(proto);
    const ids = ['1-1', '1-2', '1-10', '2-0', '99-9', '1700000000000-0', '1700000000000-1', '1700000000001-7', '1700000000002-2147483647', '1700000000002-2147483648', '1700000000002-9007199254740990', '9007199254740991-3'];
    for (const id of ids) sendBoth(c, 'XADD', 's', id, 'f', 'v');
    sendBoth(c, 'XADD', 's', '9007199254740991-*', 'f', 'v');
    sendBoth(c, 'XADD', 's', '9007199254740992-0', 'f', 'v');
    sendBoth(c, 'XADD', 's', '18446744073709551615-18446744073709551615', 'f', 'v');
    sendBoth(c, 'XADD', 's', '*', 'f', 'v');
    for (let i = 0; i < ids.length + 4; i++) await readSame(c, `reply ${i}`);
    await expectSame(c.r, c.k, [['XLEN', 's'], ['XRANGE', 's', '-', '+', 'COUNT', '3'], ['XREVRANGE', 's', '+', '-', 'COUNT', '3']]);
  });

  it('MULTI/EXEC with several XADDs answers every ID', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MULTI'],
      ['XADD', 's', '5-1', 'a', '1'],
      ['XADD', 's', '5-*', 'a', '2'],
      ['XADD', 't', '1700000000000-0', 'b', '1'],
      ['XADD', 's', '6-0', 'NOMKSTREAM', 'a', '3'],
      ['XADD', 's', 'MAXLEN', '2', '7-0', 'a', '4'],
      ['XADD', 'nosuch', 'NOMKSTREAM', '1-1', 'a', '5'],
      ['EXEC'],
      ['XRANGE', 's', '-', '+'],
    ]);
  });

  it('a script calling XADD several times returns each ID', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['EVAL', "return {redis.call('XADD', KEYS[1], '3-1', 'f', 'v'), redis.call('XADD', KEYS[1], '3-2', 'f', 'v'), redis.call('XADD', KEYS[1], '4-*', 'f', 'v')}", '1', 's'],
      ['XLEN', 's'],
    ]);
  });

  it('XADDs of several clients paused by CLIENT PAUSE WRITE and resumed together: each client its own ID', async () => {
    const ctl = await pair.clients(proto);
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'PAUSE', '100000', 'WRITE']]);
    sendBoth(a, 'XADD', 's', '10-1', 'f', 'v');
    await waitBlocked(ctl, 1);
    sendBoth(b, 'XADD', 's', '10-2', 'f', 'v');
    await waitBlocked(ctl, 2);
    sendBoth(c, 'XADD', 's', '1700000000000-5', 'f', 'v');
    sendBoth(c, 'XADD', 's', '1700000000000-6', 'f', 'v');
    await waitBlocked(ctl, 3);
    await nothingPending(a, b, c);
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'UNPAUSE']]);
    await readSame(a, 'the first paused XADD');
    await readSame(b, 'the second paused XADD');
    await readSame(c, 'the third paused XADD');
    await readSame(c, 'the XADD pipelined after it');
    await expectSame(ctl.r, ctl.k, [['XRANGE', 's', '-', '+']]);
  });
});
