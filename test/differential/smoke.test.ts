import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

describe.each([2, 3] as const)('smoke (RESP%i)', (proto) => {
  it('basic strings and keys', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['PING'],
      ['PING', 'hello'],
      ['ECHO', 'x'],
      ['SET', 'a', '1'],
      ['GET', 'a'],
      ['INCR', 'a'],
      ['INCRBY', 'a', '10'],
      ['GET', 'nosuch'],
      ['DEL', 'a', 'b'],
      ['EXISTS', 'a'],
      ['FOO', 'bar'],
      ['GET'],
    ]);
  });
});
