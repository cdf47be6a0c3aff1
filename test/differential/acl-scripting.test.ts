/**
 * ACL inside scripts against redis-server: redis.call / redis.pcall check the
 * script user's permissions for commands, keys and channels (scriptVerifyACL's
 * texts), and ACL LOG records the denial with context `lua`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  const { r, k } = await pair.clients(2);
  await expectSame(r, k, [['ACL', 'DELUSER', 'scripter'], ['ACL', 'LOG', 'RESET']]);
});

/** reason, context, object and username of each ACL LOG entry (age and client info differ by process). */
const logFields = (b: string): unknown => {
  const entries = decode(b) as unknown[];
  return entries.map((e) => {
    // An entry is a RESP2 flat array or a RESP3 map ({ map: [name, value, ...] }).
    const flat = Array.isArray(e) ? e : (e as { map: unknown[] }).map;
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) if (['reason', 'context', 'object', 'username'].includes(String(flat[i]))) out[String(flat[i])] = flat[i + 1];
    return out;
  });
};

describe.each([2, 3] as const)('ACL in scripts (RESP%i)', (proto) => {
  it('commands, keys and channels a script user may not use', async () => {
    const admin = await pair.clients(proto);
    await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'scripter', 'on', '>pw', '+@all', '-set', '~app:*', '&news', 'resetchannels', '&news']]);
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = [
      ['AUTH', 'scripter', 'pw'],
      ['EVAL', "return redis.call('get', 'app:1')", '0'],
      ['EVAL', "return redis.call('set', 'app:1', 'x')", '0'],
      ['EVAL', "return redis.pcall('set', 'app:1', 'x')", '0'],
      ['EVAL', "return redis.call('get', 'other')", '0'],
      ['EVAL', "local ok = redis.pcall('get', 'other'); return ok", '0'],
      ['EVAL', "return redis.call('publish', 'news', 'hi')", '0'],
      ['EVAL', "return redis.call('publish', 'sports', 'hi')", '0'],
      ['EVAL', "return redis.call('incr', 'app:n')", '0'],
    ];
    await expectSame(r, k, steps);
    await expectSame(admin.r, admin.k, [{ cmd: ['ACL', 'LOG'], normalize: logFields }]);
    const entries = logFields(await admin.k.call('ACL', 'LOG')) as Array<Record<string, unknown>>;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.context === 'lua')).toBe(true);
  });
});
