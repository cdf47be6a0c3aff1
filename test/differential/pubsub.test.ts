import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

describe.each([2, 3] as const)('pub/sub (RESP%i)', (proto) => {
  it('subscribe, publish, unsubscribe replies and messages', async () => {
    const sub = await pair.clients(proto);
    const pub = await pair.clients(proto);
    await expectSame(sub.r, sub.k, [['SUBSCRIBE', 'a', 'b']]);
    // second reply of SUBSCRIBE a b
    expect(await sub.k.read()).toBe(await sub.r.read());
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', 'n*', 'x?']]);
    expect(await sub.k.read()).toBe(await sub.r.read());
    await expectSame(pub.r, pub.k, [
      ['PUBLISH', 'a', 'hello'],
      ['PUBLISH', 'nope', 'x'],
      ['PUBLISH', 'news', 'item'],
      ['PUBSUB', 'NUMSUB', 'a', 'b', 'c'],
      ['PUBSUB', 'NUMPAT'],
      { cmd: ['PUBSUB', 'CHANNELS'], normalize: (b) => b.split('\r\n').sort() },
      ['PUBSUB', 'CHANNELS', 'a'],
    ]);
    expect(await sub.k.read()).toBe(await sub.r.read()); // message a hello
    expect(await sub.k.read()).toBe(await sub.r.read()); // pmessage n* news item
    await expectSame(sub.r, sub.k, [['PING'], ['PING', 'x'], ['GET', 'k'], ['UNSUBSCRIBE', 'a']]);
    await expectSame(sub.r, sub.k, [['PUNSUBSCRIBE']]);
    expect(await sub.k.read()).toBe(await sub.r.read());
    await expectSame(sub.r, sub.k, [['UNSUBSCRIBE']]);
    await expectSame(sub.r, sub.k, [['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['PING'], ['SUBSCRIBE']]);
  });

  it('shard channels and RESET leaves pub/sub mode', async () => {
    const sub = await pair.clients(proto);
    const pub = await pair.clients(proto);
    await expectSame(sub.r, sub.k, [['SSUBSCRIBE', 's1'], ['SUBSCRIBE', 'c1']]);
    await expectSame(pub.r, pub.k, [['SPUBLISH', 's1', 'm'], ['PUBSUB', 'SHARDNUMSUB', 's1', 's2'], ['PUBSUB', 'SHARDCHANNELS']]);
    expect(await sub.k.read()).toBe(await sub.r.read());
    await expectSame(sub.r, sub.k, [['SUNSUBSCRIBE'], ['RESET'], ['GET', 'x'], ['PUBSUB', 'HELP'], ['PUBSUB', 'FOO']]);
  });

  it('keyspace notifications', async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['CONFIG', 'GET', 'notify-keyspace-events']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__key*__:*']]);
    await expectSame(c.r, c.k, [['SET', 'k', 'v'], ['INCR', 'n'], ['DEL', 'k'], ['EXPIRE', 'n', '100'], ['PERSIST', 'n']]);
    for (let i = 0; i < 10; i++) expect(await sub.k.read()).toBe(await sub.r.read());
  });

  it("'n' (new key) events survive next to 'A', which CONFIG GET does not print", async () => {
    const sub = await pair.clients(proto);
    const c = await pair.clients(proto);
    await expectSame(c.r, c.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'], ['CONFIG', 'GET', 'notify-keyspace-events']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__keyevent@0__:*']]);
    await expectSame(c.r, c.k, [['SET', 'fresh', 'v'], ['SET', 'fresh', 'w'], ['PUBLISH', 'done', 'x']]);
    // new, set, set
    for (let i = 0; i < 3; i++) expect(await sub.k.read()).toBe(await sub.r.read());
  });
});
