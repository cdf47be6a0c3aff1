/**
 * What redis.call returns to a script for array replies (HMGET, LRANGE,
 * XRANGE, SMISMEMBER, GEOPOS, ZRANGE WITHSCORES...) and status replies
 * (SET's OK, PING), in the script's RESP2
 * and after redis.setresp(3), for clients in RESP2 and RESP3: element types,
 * nils in the middle, nested arrays, the length operator and the order
 * pairs() walks the table in (which shows the table's array/hash layout).
 * Queue libraries (BullMQ) read HMGET / ZRANGEBYSCORE / LRANGE results in
 * their scripts on every job.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair({ redkit: { redisVersion: '7.0.15' } });
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
});

const SETUP: Cmd[] = [
  ['HSET', 'h', 'f', 'v', 'g', 'w', 'n', '12'],
  ['RPUSH', 'l', 'a', 'b', '', 'c'],
  ['SADD', 'set', 'a', 'b'],
  ['SADD', 'set1', 'only'],
  ['ZADD', 'z', '1', 'a', '2.5', 'b', '-3', 'c'],
  ['XADD', 's', '1-1', 'f', 'v'],
  ['XADD', 's', '2-1', 'a', 'b', 'c', 'd'],
  ['GEOADD', 'geo', '13.361389', '38.115556', 'palermo'],
  ['SET', 'str', 'x'],
];

/** Serialise a table as the script sees it: length, then pairs() in order. */
const DUMP = `
local function dump(t, depth)
  if type(t) ~= 'table' then return type(t) .. ':' .. tostring(t) end
  if depth > 3 then return '...' end
  local out = {'#' .. #t}
  for k, v in pairs(t) do out[#out + 1] = tostring(k) .. '=' .. dump(v, depth + 1) end
  return '{' .. table.concat(out, ' ') .. '}'
end
`;

const CALLS: string[] = [
  "'HMGET', 'h', 'f', 'missing', 'g'",
  "'HMGET', 'h', 'missing'",
  "'HMGET', 'h', 'missing', 'missing2', 'f'",
  "'HMGET', 'nohash', 'a', 'b'",
  "'MGET', 'str', 'h', 'nokey', 'str'",
  "'LRANGE', 'l', 0, -1",
  "'LRANGE', 'nolist', 0, -1",
  "'HGETALL', 'h'",
  "'HKEYS', 'h'",
  "'SMISMEMBER', 'set', 'a', 'zz', 'b'",
  "'XRANGE', 's', '-', '+'",
  "'XRANGE', 's', '-', '+', 'COUNT', 1",
  "'XREVRANGE', 's', '+', '-'",
  "'ZRANGE', 'z', 0, -1",
  "'ZRANGE', 'z', 0, -1, 'WITHSCORES'",
  "'ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', 0, 2",
  "'ZRANGEBYSCORE', 'nozset', 0, 100, 'LIMIT', 0, 1000",
  "'ZPOPMIN', 'z'",
  "'GEOPOS', 'geo', 'palermo', 'nowhere'",
  "'TIME'",
  // status replies (encoded once by the server) and empty arrays
  "'SET', 'k2', 'v'",
  "'HMSET', 'h2', 'a', 'b'",
  "'LTRIM', 'l', 0, -1",
  "'PING'",
  "'KEYS', 'nomatch*'",
  // doubles (RESP2 bulk strings), sets, maps, simple strings, null arrays, nested mixes
  "'ZSCORE', 'z', 'b'",
  "'ZMSCORE', 'z', 'a', 'missing', 'b'",
  "'ZINCRBY', 'z', '0.5', 'c'",
  "'ZADD', 'z', 'INCR', '1', 'a'",
  "'SMEMBERS', 'set1'", // (one member: Redis 7.0's order of a small set of strings is its dict's)
  "'TYPE', 'h'",
  "'OBJECT', 'ENCODING', 'l'",
  "'XADD', 's', '5-1', 'x', 'y'",
  "'BLPOP', 'nolist', 1",
  "'XREAD', 'STREAMS', 'nostream', '0'",
  "'XINFO', 'STREAM', 's'",
  "'CONFIG', 'GET', 'maxmemory-polic*'",
  "'SCAN', 0, 'MATCH', 'nomatch*', 'COUNT', 1000",
  "'INCRBYFLOAT', 'fl', '1.5'",
  "'EXISTS', 'str', 'nokey'",
];

function scripts(): string[] {
  const out: string[] = [];
  for (const call of CALLS) {
    if (call === "'TIME'") {
      out.push(`${DUMP} local r = redis.call(${call}) return {#r, type(r[1]), type(r[2])}`);
      continue;
    }
    out.push(`${DUMP} return dump(redis.call(${call}), 0)`);
    out.push(`${DUMP} redis.setresp(3) return dump(redis.call(${call}), 0)`);
    out.push(`return redis.call(${call})`);
    out.push(`redis.setresp(3) return redis.call(${call})`);
  }
  return out;
}

// The table's layout (array part size) shows when a script writes past the
// end: t[#t + 2] lands in the array part or in the hash part, which changes
// what # answers and the order pairs() walks in.
const LAYOUT = `
local n = tonumber(ARGV[1])
local r = redis.call('LRANGE', 'big', 0, n - 1)
local out = {#r}
r[#r + 2] = 'x'
out[#out + 1] = #r
r[#r + 1] = 'y'
out[#out + 1] = #r
local order = {}
for k in pairs(r) do order[#order + 1] = tostring(k) end
out[#out + 1] = table.concat(order, ',')
local h = redis.call('HMGET', 'h', 'f', 'g', 'n', 'f', 'g', 'n', 'f', 'g', 'n')
h[n] = nil
out[#out + 1] = #h
return out`;

describe('redis.call array replies as Lua tables', () => {
  it('the layout of the table: arrays of 0 to 33 elements', async () => {
    const c = await pair.clients(2);
    await expectSame(c.r, c.k, [...SETUP, ['RPUSH', 'big', ...Array.from({ length: 40 }, (_, i) => `e${i}`)]]);
    for (let n = 0; n <= 33; n++) await expectSame(c.r, c.k, [['EVAL', LAYOUT, '0', String(n)]]);
  });

  for (const proto of [2, 3] as const) {
    it(`RESP${proto} client`, async () => {
      const c = await pair.clients(proto);
      await expectSame(c.r, c.k, SETUP);
      for (const src of scripts()) {
        await expectSame(c.r, c.k, [['EVAL', src, '0']]);
      }
    });
  }
});
