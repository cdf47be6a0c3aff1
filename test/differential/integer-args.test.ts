/**
 * Integer arguments across commands, read the way each Redis code path reads
 * them: string2ll (strict), getLongLongFromObject with range errors, int32
 * database indexes, atoi for key-spec numkeys (COMMAND GETKEYS), and config
 * integers. Compared byte for byte with redis-server in RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Pair } from '../support/differential.js';
import { INT64_MAX, INT64_MIN } from '../support/random.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

describe.each([2, 3] as const)('integer arguments (RESP%i)', (proto) => {
  it('ids, db indexes, counts, limits and timeouts', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'ID', 'abc'], ['CLIENT', 'KILL', 'ID', '-5'], ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'KILL', 'ID', '99999999999999999999'],
      ['SELECT', '99'], ['SELECT', 'abc'], ['SELECT', '2147483648'], ['SELECT', '-1'], ['SELECT', '1'], ['SELECT', '0'],
      ['SET', 'k', 'v'], ['MOVE', 'k', '99'], ['MOVE', 'k', 'x'], ['MOVE', 'k', '-1'], ['COPY', 'k', 'k2', 'DB', '16'], ['COPY', 'k', 'k2', 'DB', '2147483648'],
      ['SWAPDB', '0', '16'], ['SWAPDB', 'x', '0'], ['SWAPDB', '0', 'y'],
      ['SADD', 's', 'a', 'b', 'c'], ['SPOP', 's', '-1'], ['SPOP', 's', 'abc'], ['SPOP', 's', '0'], ['SPOP', 'nos', '-1'], ['SPOP', 's', '9223372036854775808'],
      ['SINTERCARD', '0', 's'], ['SINTERCARD', 'abc', 's'], ['SINTERCARD', '2', 's'], ['SINTERCARD', '1', 's', 'LIMIT', '-1'], ['SINTERCARD', '1', 's', 'LIMIT', 'x'],
      ['SINTERCARD', '1', 's', 'LIMIT', '2'], ['SINTERCARD', '-1', 's'], ['SINTERCARD', '9223372036854775808', 's'],
      ['SRANDMEMBER', 's', INT64_MIN], ['HRANDFIELD', 'h', INT64_MIN],
      ['HSET', 'h', 'f', 'v'], ['HRANDFIELD', 'h', INT64_MIN, 'WITHVALUES'], ['HRANDFIELD', 'h', INT64_MAX, 'WITHVALUES'],
      ['WAIT', '0', '-1'], ['WAIT', '0', 'x'], ['WAIT', '0', '0'],
      ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', 'x'], ['CLIENT', 'PAUSE', '0'],
      ['RPUSH', 'l', '3', '1', '2'], ['SORT', 'l', 'LIMIT', 'x', '1'], ['SORT', 'l', 'LIMIT', '0', '99999999999999999999'], ['SORT', 'l', 'LIMIT', INT64_MIN, INT64_MAX],
      ['RESTORE', 'r', '0', 'x', 'IDLETIME', 'x'], ['RESTORE', 'r', 'x', 'x'], ['RESTORE', 'r', '-1', 'x'], ['RESTORE', 'r', '0', 'x', 'FREQ', '256'],
      ['CONFIG', 'SET', 'nosuchparam', '1'],
    ]);
  });

  it('COMMAND GETKEYS reads numkeys with atoi; OBJECT ENCODING int follows string2ll; config integers', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: string[][] = [];
    for (const n of ['0', '1', '2', '-1', '01', '+1', ' 1', '1x', '3abc', '9007199254740993', '9223372036854775808', 'x', ''])
      steps.push(['COMMAND', 'GETKEYS', 'ZUNION', n, 'a', 'b'], ['COMMAND', 'GETKEYS', 'SINTERCARD', n, 'a'], ['COMMAND', 'GETKEYS', 'LMPOP', n, 'a', 'LEFT']);
    for (const v of ['0', '-0', '01', '1', '-1', '12345678901234567890', INT64_MAX, '9223372036854775808', INT64_MIN, '-9223372036854775809', '+1', ' 1', '1.0', 'x'.repeat(44), 'x'.repeat(45), '123456789012345678901'])
      steps.push(['SET', 'e', v], ['OBJECT', 'ENCODING', 'e']);
    for (const v of ['10%', '-1', '0', '01', '+5', INT64_MAX, '9223372036854775808', '-100'])
      steps.push(['CONFIG', 'SET', 'maxmemory-clients', v], ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'slowlog-log-slower-than', v], ['CONFIG', 'GET', 'slowlog-log-slower-than']);
    steps.push(['CONFIG', 'SET', 'maxmemory-clients', '0'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    await expectSame(r, k, steps);
  });
});
