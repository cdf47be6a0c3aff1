/**
 * ACL (users, rules, selectors, NOPERM, ACL LOG, DRYRUN...) against
 * redis-server 7.0.15, in RESP2 and RESP3.
 *
 * Normalised where Redis itself is not deterministic: Redis 7.0 emits the
 * single-command rules of ACL LIST / GETUSER (`+get -set +client|list`) in
 * its command hash table order, random per process, so runs of such tokens
 * are compared sorted (category rules keep their order). ACL LOG's age and
 * the per-process fields of its client-info are masked.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { protectedModeDenies } from '../../src/server/server.js';
import { decode, expectSame, RawClient, startPair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { liveOracle } from '../support/redis-server.js';

const VOLATILE = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem']);
/** A client-info line as fields, per-process values masked, 7.2's lib-name/lib-ver dropped. */
function clientLine(line: string): Array<[string, string]> {
  return line
    .split(' ')
    .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as [string, string])
    .filter(([key]) => key !== 'lib-name' && key !== 'lib-ver')
    .map(([key, v]) => [key, VOLATILE.has(key) ? '*' : v]);
}

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  for (const port of [pair.redis.port, pair.redkit.port]) {
    const c = await RawClient.connect(port);
    const users = decode(await c.call('ACL', 'USERS')) as string[];
    for (const u of users) if (u !== 'default') await c.call('ACL', 'DELUSER', u);
    await c.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', 'clearselectors');
    await c.call('ACL', 'LOG', 'RESET');
    c.close();
  }
});

/** Sort runs of single-command rule tokens inside any string of a reply. */
function sortRules(s: string): string {
  return s
    .split(/([()])/)
    .map((seg) => {
      const toks = seg.split(' ');
      const out: string[] = [];
      let run: string[] = [];
      const flush = () => {
        out.push(...run.sort());
        run = [];
      };
      for (const t of toks) {
        if (/^[+-][^@]/.test(t)) run.push(t);
        else {
          flush();
          out.push(t);
        }
      }
      flush();
      return out.join(' ');
    })
    .join('');
}

function deep(v: unknown, f: (s: string) => unknown): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deep(x, f));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = deep(x, f);
    return o;
  }
  return v;
}

/** Reply bytes → structure with command rule runs sorted; keeps the RESP type shape. */
const rules = (bytes: string): unknown => ({ head: bytes.slice(0, 1), v: deep(decode(bytes), sortRules) });

/** ACL LOG entries with age-seconds and client-info's per-process fields masked. */
const logNorm = (bytes: string): unknown => {
  const v = decode(bytes) as unknown[];
  if (!Array.isArray(v)) return v;
  return {
    head: bytes.slice(0, 1),
    entries: v.map((e) => {
      const flat = Array.isArray(e) ? [...e] : [...((e as { map: unknown[] }).map ?? [])];
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i] === 'age-seconds') flat[i + 1] = typeof flat[i + 1];
        if (flat[i] === 'client-info') flat[i + 1] = clientLine(String(flat[i + 1]));
      }
      return flat;
    }),
  };
};

const sorted = (bytes: string): unknown => ({ head: bytes.slice(0, 1), v: (decode(bytes) as string[]).slice().sort() });

const R = (...cmd: string[]): Step => ({ cmd, normalize: rules });

/** Many rule sequences: each SETUSER answer, then GETUSER and LIST compared. */
const SEQUENCES: string[][] = [
  [],
  ['on'],
  ['on', '>p1', '>p2', '<p1'],
  ['#' + 'a'.repeat(64), '!' + 'a'.repeat(64), 'nopass'],
  ['>x', 'nopass', '>y', 'resetpass'],
  ['+@all'],
  ['allcommands', '-get', '-set'],
  ['+@all', '-@dangerous'],
  ['-@all', '+@read', '+@write', '-@keyspace'],
  ['+@hash', '+@string', '-hset', '+flushall'],
  ['+get', '+set', '+client|list', '+config|get', '+select|0', '+select|1', '+debug|object'],
  ['+@all', '-client', '+client|id', '-config|set'],
  ['+config', '-config|set', '-@slow', '+@fast'],
  ['nocommands', '+@admin', '-@dangerous', '+info'],
  ['+@all', '-@write', '+@string'],
  ['~a*', '%R~b*', '%W~c*', '%RW~d*', '~a*', '%R~c*'],
  ['allkeys', '~*'],
  ['~x', 'resetkeys', '~y'],
  ['&c1', '&c2*', 'resetchannels', '&c3'],
  ['allchannels'],
  ['on', '>pw', '~k*', '&ch', '+@read', '(~w* +set)', '(&x* +publish)'],
  ['(~a +get)', 'clearselectors', '(~b', '+del)'],
  ['on', 'allkeys', 'allchannels', 'allcommands', 'reset'],
  ['skip-sanitize-payload'],
  ['sanitize-payload', 'on', 'nopass', '+@all', '~*', '&*'],
  ['+@pubsub', '+@connection', '+@transaction', '+@scripting', '-@blocking', '+@geo', '+@stream', '+@bitmap', '+@hyperloglog', '+@list', '+@set', '+@sortedset'],
  ['+@all', '-@read', '-@hash', '-@list', '-@set'],
  ['+select|ABC', '+select|abc', '+select'],
  ['+ACL|WHOAMI', '+Get', '-GET'],
];

const ERRORS: string[][] = [
  ['%~foo'],
  ['%X~a'],
  ['allkeys', '~x'],
  ['&*', '&x'],
  ['-select|0'],
  ['+config|get|x'],
  ['+debug|'],
  ['+nosuch'],
  ['+@nosuch'],
  ['-@nosuch'],
  ['#abc'],
  ['#' + 'A'.repeat(64)],
  ['<nope'],
  ['!' + 'b'.repeat(64)],
  ['(~x +bad)'],
  ['(~x'],
  ['(~x', '+get'],
  ['foo'],
  ['on', '>p', 'badrule'],
  ['+client|nosub'],
];

for (const proto of [2, 3] as const) {
  describe(`ACL (RESP${proto})`, () => {
    it('SETUSER rule sequences: GETUSER and LIST canonical forms', async () => {
      const { r, k } = await pair.clients(proto);
      let n = 0;
      for (const seq of SEQUENCES) {
        const name = `u${n++}`;
        await expectSame(r, k, [['ACL', 'SETUSER', name, ...seq], R('ACL', 'GETUSER', name)]);
        // Applying the same rules twice is not the same as once for every rule (passwords, patterns).
        await expectSame(r, k, [['ACL', 'SETUSER', name, ...seq], R('ACL', 'GETUSER', name)]);
      }
      await expectSame(r, k, [R('ACL', 'LIST'), ['ACL', 'USERS']]);
    });

    it('SETUSER errors leave the user unchanged (and do not create it)', async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [['ACL', 'SETUSER', 'e', 'on', '~k']]);
      for (const e of ERRORS) await expectSame(r, k, [['ACL', 'SETUSER', 'e', ...e], R('ACL', 'GETUSER', 'e'), ['ACL', 'SETUSER', 'fresh', ...e], ['ACL', 'GETUSER', 'fresh']]);
      await expectSame(r, k, [['ACL', 'SETUSER'], ['ACL', 'GETUSER'], ['ACL', 'GETUSER', 'nouser'], ['ACL', 'USERS']]);
    });

    it('DELUSER, USERS, WHOAMI, CAT, GENPASS, HELP, unknown subcommands', async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['ACL', 'SETUSER', 'b'],
        ['ACL', 'SETUSER', 'a'],
        ['ACL', 'SETUSER', 'c'],
        ['ACL', 'USERS'],
        ['ACL', 'DELUSER', 'default'],
        ['ACL', 'DELUSER', 'a', 'default'],
        ['ACL', 'DELUSER', 'a', 'nouser', 'c', 'c'],
        ['ACL', 'USERS'],
        ['ACL', 'DELUSER'],
        ['ACL', 'WHOAMI'],
        ['ACL', 'WHOAMI', 'x'],
        ['ACL', 'CAT'],
        ['ACL', 'CAT', 'nosuch'],
        ['ACL', 'CAT', 'a', 'b'],
        ['ACL', 'GENPASS', '0'],
        ['ACL', 'GENPASS', '-1'],
        ['ACL', 'GENPASS', '4097'],
        ['ACL', 'GENPASS', 'x'],
        ['ACL', 'GENPASS', '1', '2'],
        ['ACL', 'HELP'],
        ['ACL', 'NOSUCH'],
        ['ACL'],
        ['ACL', 'LOG', 'x'],
        ['ACL', 'LOG', '1', '2'],
        ['ACL', 'LOAD'],
        ['ACL', 'SAVE'],
      ]);
      for (const cat of ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting', 'READ']) {
        await expectSame(r, k, [{ cmd: ['ACL', 'CAT', cat], normalize: sorted }]);
      }
      for (const bits of [undefined, '1', '4', '5', '8', '100', '255', '4096']) {
        const cmd = bits === undefined ? ['ACL', 'GENPASS'] : ['ACL', 'GENPASS', bits];
        const len = (b: string) => (decode(b) as string).length;
        await expectSame(r, k, [{ cmd, normalize: (b) => [b[0], len(b), /^[0-9a-f]*$/.test(decode(b) as string)] }]);
      }
    });

    it('AUTH, HELLO AUTH, NOPERM for commands, keys and channels, WHOAMI', async () => {
      const { r, k } = await pair.clients(proto);
      const admin = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [
        ['ACL', 'SETUSER', 'app', 'on', '>secret', '~app:*', '%R~ro:*', '%W~wo:*', '&news.*', '+@read', '+@write', '+@pubsub', '-flushall', '+client|id', '+select|0', '+acl|whoami'],
        ['ACL', 'SETUSER', 'off', 'off', '>pw', '+@all'],
      ]);
      await expectSame(r, k, [
        ['AUTH', 'app', 'wrong'],
        ['AUTH', 'nouser', 'x'],
        ['AUTH', 'off', 'pw'],
        ['AUTH', 'app', 'secret'],
        ['ACL', 'WHOAMI'],
        ['SET', 'app:1', 'v'],
        ['GET', 'app:1'],
        ['SET', 'other', 'v'],
        ['GET', 'other'],
        ['GET', 'ro:1'],
        ['SET', 'ro:1', 'v'],
        ['SET', 'wo:1', 'v'],
        ['GET', 'wo:1'],
        ['EXISTS', 'wo:1'],
        ['MSET', 'app:2', 'x', 'other', 'y'],
        ['MGET', 'app:1', 'nope', 'other'],
        ['COPY', 'app:1', 'ro:2'],
        ['COPY', 'ro:1', 'wo:2'],
        ['COPY', 'wo:1', 'app:3'],
        ['FLUSHALL'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['CLIENT', 'GETNAME'],
        ['SELECT', '0'],
        ['SELECT', '1'],
        ['PUBLISH', 'news.a', 'm'],
        ['PUBLISH', 'other', 'm'],
        ['SPUBLISH', 'news.a', 'm'],
        ['ACL', 'LIST'],
        ['DEBUG', 'OBJECT', 'x'],
        ['HELLO', String(proto), 'AUTH', 'app', 'bad'],
        ['AUTH', 'default', 'anything'],
        ['ACL', 'WHOAMI'],
        ['GET', 'other'],
      ]);
      await expectSame(r, k, [
        ['AUTH', 'app', 'secret'],
        ['SUBSCRIBE', 'news.x', 'other'],
      ]);
      const r2 = await pair.clients(proto);
      await expectSame(r2.r, r2.k, [['AUTH', 'app', 'secret'], ['PSUBSCRIBE', 'news.*', 'news.x*']]);
      await expectSame(admin.r, admin.k, [{ cmd: ['ACL', 'LOG'], normalize: logNorm }, ['ACL', 'LOG', 'RESET'], ['ACL', 'LOG']]);
    });

    it('ACL LOG entries: reasons, contexts, objects, merging, count', async () => {
      const { r, k } = await pair.clients(proto);
      const admin = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'lg', 'on', 'nopass', '~k*', '&c', '+@all', '-debug']]);
      await expectSame(r, k, [
        ['AUTH', 'lg', 'x'],
        ['GET', 'a'],
        ['GET', 'a'],
        ['GET', 'b'],
        ['DEBUG', 'SLEEP', '0'],
        ['PUBLISH', 'd', 'x'],
        ['AUTH', 'lg', 'x'],
        ['AUTH', 'nouser', 'x'],
        ['MULTI'],
        ['GET', 'a'],
        ['SET', 'k', 'v'],
        ['EXEC'],
      ]);
      await expectSame(admin.r, admin.k, [
        { cmd: ['ACL', 'LOG'], normalize: logNorm },
        { cmd: ['ACL', 'LOG', '2'], normalize: logNorm },
        { cmd: ['ACL', 'LOG', '0'], normalize: logNorm },
        { cmd: ['ACL', 'LOG', '-1'], normalize: logNorm },
        { cmd: ['ACL', 'LOG', '100'], normalize: logNorm },
        ['ACL', 'LOG', 'reset'],
        ['ACL', 'LOG'],
      ]);
    });

    it('MULTI: denied at queue time (EXECABORT) and rules changed before EXEC', async () => {
      const { r, k } = await pair.clients(proto);
      const admin = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'm', 'on', '>p', '+@all', '~*', '&*']]);
      await expectSame(r, k, [['AUTH', 'm', 'p'], ['MULTI'], ['SET', 'k', 'v'], ['GET', 'k'], ['PUBLISH', 'c', 'x'], ['INCR', 'n']]);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'm', '-set', 'resetkeys', '~n', 'resetchannels']]);
      await expectSame(r, k, [['EXEC'], ['MULTI'], ['SET', 'k', 'v'], ['INCR', 'n'], ['EXEC'], ['GET', 'n']]);
      await expectSame(admin.r, admin.k, [{ cmd: ['ACL', 'LOG'], normalize: logNorm }]);
    });

    it('DRYRUN', async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['ACL', 'SETUSER', 'd1', 'on', 'nopass', '+@all', '%R~r*', '~k*', '&c*'],
        ['ACL', 'SETUSER', 'd2', 'on', 'nopass', '(+get ~a*)', '(+set ~b*)', '+select|0'],
        ['ACL', 'DRYRUN', 'd1', 'set', 'r1', 'x'],
        ['ACL', 'DRYRUN', 'd1', 'get', 'r1'],
        ['ACL', 'DRYRUN', 'd1', 'set', 'k1', 'x'],
        ['ACL', 'DRYRUN', 'd1', 'mset', 'k1', 'x', 'z', 'y'],
        ['ACL', 'DRYRUN', 'd1', 'publish', 'x', 'y'],
        ['ACL', 'DRYRUN', 'd1', 'publish', 'c1', 'y'],
        ['ACL', 'DRYRUN', 'd1', 'psubscribe', 'c*'],
        ['ACL', 'DRYRUN', 'd1', 'psubscribe', 'c1*'],
        ['ACL', 'DRYRUN', 'd1', 'subscribe', 'c1', 'x'],
        ['ACL', 'DRYRUN', 'd2', 'get', 'b'],
        ['ACL', 'DRYRUN', 'd2', 'get', 'a'],
        ['ACL', 'DRYRUN', 'd2', 'set', 'a', '1'],
        ['ACL', 'DRYRUN', 'd2', 'set', 'b', '1'],
        ['ACL', 'DRYRUN', 'd2', 'hset', 'a', '1', '2'],
        ['ACL', 'DRYRUN', 'd2', 'select', '0'],
        ['ACL', 'DRYRUN', 'd2', 'select', '1'],
        ['ACL', 'DRYRUN', 'd2', 'client', 'list'],
        ['ACL', 'DRYRUN', 'd2', 'client', 'nosub'],
        ['ACL', 'DRYRUN', 'd2', 'get'],
        ['ACL', 'DRYRUN', 'd2', 'nosuch'],
        ['ACL', 'DRYRUN', 'nouser', 'get', 'a'],
        ['ACL', 'DRYRUN', 'd2'],
        ['ACL', 'DRYRUN', 'd2', 'auth', 'x'],
        // Keys in variable positions (key specs with keywords, numkeys).
        ['ACL', 'SETUSER', 'kk', 'on', 'nopass', '~a*', '+@all'],
        ...[
          ['zunionstore', 'a', 'x', 'b'],
          ['zunionstore', 'a', '1', 'b'],
          ['zunionstore', 'a', '2', 'a1', 'b'],
          ['xread', 'count', '1', 'streams', 'a', 'b', '0'],
          ['xread', 'count', '1', 'streams', 'a', 'b', '0', '0'],
          ['sort', 'a', 'by', 'x', 'store', 'b'],
          ['georadius', 'a', '0', '0', '1', 'km', 'store', 'b'],
          ['lmpop', '2', 'a', 'b', 'left'],
          ['object', 'encoding', 'b'],
          ['memory', 'usage', 'b'],
          ['bitfield', 'a', 'get', 'u8', '0'],
          ['xreadgroup', 'group', 'g', 'c', 'streams', 'a', 'b', '0', '0'],
          ['mset', 'a1', 'x', 'b', 'y'],
          ['rename', 'a', 'b'],
          ['copy', 'b', 'a'],
        ].map((c) => ['ACL', 'DRYRUN', 'kk', ...c]),
        ['ACL', 'SETUSER', 'rw', 'on', 'nopass', '%R~r*', '%W~w*', '+@all'],
        ...[
          ['set', 'w', 'x'],
          ['set', 'w', 'x', 'get'],
          ['set', 'r', 'x'],
          ['getdel', 'r'],
          ['getdel', 'w'],
          ['bitfield', 'r', 'get', 'u8', '0'],
          ['bitfield', 'r', 'set', 'u8', '0', '1'],
          ['bitfield', 'w', 'incrby', 'u8', '0', '1'],
          ['lmove', 'r', 'w', 'left', 'right'],
          ['lmove', 'w', 'r', 'left', 'right'],
          ['sunionstore', 'w', 'r', 'r2'],
          ['sunionstore', 'r', 'w'],
          ['exists', 'w'],
          ['type', 'w'],
          ['del', 'r'],
          ['del', 'w'],
          ['expire', 'w', '10'],
          ['touch', 'r', 'w'],
          ['spublish', 'x', 'y'],
        ].map((c) => ['ACL', 'DRYRUN', 'rw', ...c]),
      ]);
    });

    it('a deleted user is disconnected after the current command', async () => {
      const { r, k } = await pair.clients(proto);
      const admin = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'gone', 'on', '>p', '+@all', '~*']]);
      await expectSame(r, k, [['AUTH', 'gone', 'p'], ['ACL', 'WHOAMI']]);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'gone', 'off'], ['CLIENT', 'KILL', 'USER', 'nosuch']]);
      // Redis 7.0.15 keeps connections of a user switched off; deleting closes them.
      await expectSame(r, k, [['PING']]);
      await expectSame(admin.r, admin.k, [['ACL', 'DELUSER', 'gone']]);
      const [a, b] = await Promise.all([r.call('PING').catch((e) => `closed:${String(e).length > 0}`), k.call('PING').catch((e) => `closed:${String(e).length > 0}`)]);
      expect(b).toBe(a);
      // Deleting yourself: the reply, then the close.
      const c = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'self', 'on', '>p', '+@all', '~*']]);
      await expectSame(c.r, c.k, [['AUTH', 'self', 'p'], ['ACL', 'DELUSER', 'self']]);
      const [x, y] = await Promise.all([c.r.call('PING').catch(() => 'closed'), c.k.call('PING').catch(() => 'closed')]);
      expect(y).toBe(x);
    });

    it('a subscriber that loses access to its channels is disconnected', async () => {
      const { r, k } = await pair.clients(proto);
      const admin = await pair.clients(proto);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'sub', 'on', '>p', '+@all', '~*', '&a*', '&b']]);
      await expectSame(r, k, [['AUTH', 'sub', 'p'], ['SUBSCRIBE', 'a1'], ['SUBSCRIBE', 'b']]);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'sub', '&c']]);
      await expectSame(r, k, [['PING']]);
      await expectSame(admin.r, admin.k, [['ACL', 'SETUSER', 'sub', 'resetchannels', '&a*']]);
      const [a, b] = await Promise.all([r.call('PING').catch(() => 'closed'), k.call('PING').catch(() => 'closed')]);
      expect(b).toBe(a);
    });

    it('acl-pubsub-default and acllog-max-len', async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'acl-pubsub-default', 'allchannels'],
        ['ACL', 'SETUSER', 'ch1', '~*'],
        R('ACL', 'GETUSER', 'ch1'),
        ['ACL', 'SETUSER', 'ch1', 'reset'],
        R('ACL', 'GETUSER', 'ch1'),
        ['ACL', 'SETUSER', 'ch2', '(~x +get)'],
        R('ACL', 'LIST'),
        ['CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels'],
        ['ACL', 'SETUSER', 'ch3'],
        R('ACL', 'LIST'),
        ['CONFIG', 'SET', 'acllog-max-len', '2'],
        ['ACL', 'DRYRUN', 'ch3', 'get', 'x'],
        ['AUTH', 'ch3', 'a'],
        ['AUTH', 'ch2', 'b'],
        ['AUTH', 'ch1', 'c'],
        { cmd: ['ACL', 'LOG'], normalize: logNorm },
        ['CONFIG', 'SET', 'acllog-max-len', '1'],
        { cmd: ['ACL', 'LOG'], normalize: logNorm },
        ['CONFIG', 'SET', 'acllog-max-len', '128'],
      ]);
    });

    it('requirepass is the default user password', async () => {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['CONFIG', 'SET', 'requirepass', 'pw'],
        R('ACL', 'GETUSER', 'default'),
        R('ACL', 'LIST'),
        ['CONFIG', 'SET', 'requirepass', ''],
        R('ACL', 'GETUSER', 'default'),
        ['ACL', 'SETUSER', 'default', '>x'],
        ['CONFIG', 'GET', 'requirepass'],
        ['ACL', 'SETUSER', 'default', 'nopass'],
      ]);
    });
  });
}

/** A seeded random rule-sequence generator: GETUSER, LIST and DRYRUN compared with redis-server. */
describe('ACL property: random rule sequences', () => {
  const CATS = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting', 'all'];
  const CMDS = ['get', 'set', 'hset', 'del', 'client', 'client|list', 'config|get', 'config', 'publish', 'subscribe', 'flushall', 'debug', 'select', 'info', 'acl|log', 'xadd', 'zadd', 'sort', 'eval', 'keys', 'mset'];
  const KEYS = ['~a*', '%R~b*', '%W~c*', '%RW~d', '~*', 'allkeys', 'resetkeys'];
  const CHANS = ['&x*', '&y', 'allchannels', 'resetchannels', '&*'];
  const OTHER = ['on', 'off', '>p', '<p', 'nopass', 'resetpass', 'allcommands', 'nocommands', 'clearselectors', 'reset', '+select|0', '+debug|object'];
  let seed = Number(process.env.ACL_SEED ?? 12345);
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(a: T[]): T => a[rnd(a.length)];
  const rule = (): string => {
    const k = rnd(10);
    if (k < 3) return (rnd(2) ? '+@' : '-@') + pick(CATS);
    if (k < 6) return (rnd(2) ? '+' : '-') + pick(CMDS);
    if (k < 7) return pick(KEYS);
    if (k < 8) return pick(CHANS);
    if (k < 9) return pick(OTHER);
    return `(${pick(KEYS)} ${(rnd(2) ? '+' : '-') + pick(CMDS)} ${(rnd(2) ? '+@' : '-@') + pick(CATS)})`;
  };
  const PROBES: Cmd[] = [
    ['get', 'a1'],
    ['set', 'b1', 'v'],
    ['set', 'c1', 'v'],
    ['get', 'c1'],
    ['mset', 'a1', 'x', 'd', 'y'],
    ['client', 'list'],
    ['config', 'get', 'x'],
    ['publish', 'x1', 'm'],
    ['subscribe', 'y', 'z'],
    ['select', '0'],
    ['debug', 'object', 'a'],
    ['hset', 'd', 'f', 'v'],
    ['flushall'],
    ['lmove', 'b1', 'c1', 'left', 'right'],
    ['sunionstore', 'c1', 'b1', 'a1'],
    ['xread', 'streams', 'a1', 'b1', '0', '0'],
    ['zunionstore', 'a1', '2', 'b1', 'c1'],
    ['copy', 'b1', 'd'],
    ['getdel', 'b1'],
    ['set', 'c1', 'v', 'get'],
    ['psubscribe', 'x*'],
    ['ssubscribe', 'y'],
    ['sort', 'a1', 'store', 'c1'],
    ['exists', 'c1'],
  ];
  it('300 random users', async () => {
    const { r, k } = await pair.clients(2);
    for (let i = 0; i < 300; i++) {
      const n = 1 + rnd(8);
      const rs: string[] = [];
      for (let j = 0; j < n; j++) rs.push(rule());
      const name = `p${i % 20}`;
      await expectSame(r, k, [['ACL', 'SETUSER', name, ...rs], R('ACL', 'GETUSER', name)]);
      for (const p of PROBES) await expectSame(r, k, [['ACL', 'DRYRUN', name, ...p]]);
    }
    await expectSame(r, k, [R('ACL', 'LIST')]);
  }, 120_000);
});

/** Connect from 127.0.0.2 (loopback network, but not Redis's "local" address) and read until close. */
function fromOtherAddress(port: number, send: string): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    s.setEncoding('latin1');
    s.on('connect', () => s.write(send));
    s.on('data', (d: string) => (out += d));
    s.on('error', () => resolve(out + '<error>'));
    s.on('close', () => resolve(out + '<closed>'));
    setTimeout(() => {
      s.destroy();
      resolve(out + '<open>');
    }, 500);
  });
}

describe('protected mode', () => {
  it('DENIED for a client that is not 127.0.0.1 / ::1 while the default user has no password', async () => {
    const both = async (send: string) => Promise.all([fromOtherAddress(pair.redis.port, send), fromOtherAddress(pair.redkit.port, send)]);
    const [a, b] = await both('PING\r\n');
    expect(a.startsWith('-DENIED Redis is running in protected mode')).toBe(true);
    expect(b).toBe(a);
    const { r, k } = await pair.clients(2);
    // With a password for the default user: accepted (and asked to authenticate).
    await expectSame(r, k, [['CONFIG', 'SET', 'requirepass', 'pw']]);
    const [c, d] = await both('PING\r\n');
    expect(c).toBe('-NOAUTH Authentication required.\r\n<open>');
    expect(d).toBe(c);
    await expectSame(r, k, [['AUTH', 'pw'], ['CONFIG', 'SET', 'requirepass', ''], ['CONFIG', 'SET', 'protected-mode', 'no']]);
    const [e, f] = await both('PING\r\n');
    expect(e).toBe('+PONG\r\n<open>');
    expect(f).toBe(e);
    await expectSame(r, k, [['CONFIG', 'SET', 'protected-mode', 'yes'], ['CONFIG', 'GET', 'protected-mode']]);
    const [g, h] = await both('');
    expect(h).toBe(g);
  });

  it('the decision: loopback is exactly 127.0.0.1 or ::1; unix sockets are local', () => {
    expect(protectedModeDenies(true, true, '127.0.0.1')).toBe(false);
    expect(protectedModeDenies(true, true, '::1')).toBe(false);
    expect(protectedModeDenies(true, true, '::ffff:127.0.0.1')).toBe(false);
    expect(protectedModeDenies(true, true, undefined)).toBe(false);
    expect(protectedModeDenies(true, true, '127.0.0.2')).toBe(true);
    expect(protectedModeDenies(true, true, '10.1.2.3')).toBe(true);
    expect(protectedModeDenies(true, true, 'fe80::1')).toBe(true);
    expect(protectedModeDenies(false, true, '10.1.2.3')).toBe(false);
    expect(protectedModeDenies(true, false, '10.1.2.3')).toBe(false);
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('ACL LOAD / ACL SAVE (aclfile)', () => {
  it('loads, saves and refuses bad files as redis-server does', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-aclfile-'));
    const fr = path.join(dir, 'redis.acl');
    const fk = path.join(dir, 'redkit.acl');
    const both = (text: string) => {
      fs.writeFileSync(fr, text);
      fs.writeFileSync(fk, text);
    };
    both('user default on nopass ~* &* +@all\nuser app on >pw ~app:* +@read\n');
    const p = await startPair({ redisArgs: ['--aclfile', fr], redkit: { aclfile: fk } });
    try {
      const { r, k } = await p.clients(2);
      const noPath = (b: string) => ({ v: deep(decode(b), (s) => sortRules(s.split(fr).join('FILE').split(fk).join('FILE'))) });
      const step = (...cmd: string[]): Step => ({ cmd, normalize: noPath });
      await expectSame(r, k, [step('ACL', 'LIST'), ['AUTH', 'app', 'pw'], ['AUTH', 'default', 'x']]);
      const cases = [
        'user default on nopass ~* &* +@all\nuser bad on +nosuch\n',
        'user default on nopass ~* &* +@all\nfoo bar\n',
        'user default on nopass ~* &* +@all\nuser a on\nuser a off\n',
        // (An unmatched '(' in the file crashes redis-server 7.0.15's ACL LOAD; RedKit answers an error.)
        'user a on\n',
        'user a on >p1 (~x +get) (%R~y &c +@read)\nuser default off >dp ~* +@all\n',
      ];
      for (const text of cases) {
        both(text);
        await expectSame(r, k, [step('ACL', 'LOAD'), step('ACL', 'LIST')]);
      }
      await expectSame(r, k, [['AUTH', 'default', 'dp'], ['ACL', 'SETUSER', 'b', 'on', '>x', '(~x +get)'], ['ACL', 'SAVE']]);
      const saved = (f: string) => sortRules(fs.readFileSync(f, 'latin1'));
      expect(saved(fk)).toBe(saved(fr));
    } finally {
      await p.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
