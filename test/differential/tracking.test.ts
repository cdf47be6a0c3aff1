/**
 * Client-side caching against redis-server 7.0, byte for byte: CLIENT
 * TRACKING and its errors, invalidation pushes (RESP3) and redirected
 * `__redis__:invalidate` messages (RESP2), their order relative to replies
 * (after the reply of the client's own command, after EXEC's whole reply),
 * BCAST with prefixes, OPTIN/OPTOUT with CLIENT CACHING, NOLOOP, broken
 * redirects, flushes, tracking-table-max-keys, CLIENT TRACKINGINFO /
 * GETREDIR / INFO / CLIENT LIST fields and the INFO counters.
 *
 * Each exchange sends its commands and a `PING <marker>` in one write and
 * collects every frame (replies and pushes) up to the marker's reply, so the
 * order of pushes and replies is compared without waiting on time. Client
 * ids differ between the servers: `@R` in an argument stands for the side's
 * redirect client id, and ids in replies are replaced by `@ID`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../support/raw-client.js';
import { RawClient, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

let markers = 0;

/** Send cmds (one write) plus a marker PING; every frame received before the marker's reply. */
async function talk(c: RawClient, cmds: Cmd[], id?: number): Promise<string[]> {
  const marker = `~mark${++markers}~`;
  const sub = (a: string | Buffer) => (a === '@R' && id !== undefined ? String(id) : a);
  c.write(Buffer.concat([...cmds.map((cmd) => encodeCommand(cmd.map(sub))), encodeCommand(['PING', marker])]));
  const out: string[] = [];
  for (;;) {
    const m = await c.read();
    if (m.includes(marker)) return out;
    out.push(m);
  }
}

interface Side {
  r: RawClient;
  k: RawClient;
  ids: { r: number; k: number };
}

async function client(proto: 2 | 3): Promise<Side> {
  const { r, k } = await pair.clients(proto);
  const ids = { r: Number((await r.call('CLIENT', 'ID')).slice(1, -2)), k: Number((await k.call('CLIENT', 'ID')).slice(1, -2)) };
  return { r, k, ids };
}

/** Same frames on both servers; `redir` is the side whose id `@R` stands for. Returns redis-server's frames. */
async function same(c: Side, cmds: Cmd[], redir?: Side, normalize?: (frames: string[]) => unknown): Promise<string[]> {
  const [a, b] = await Promise.all([talk(c.r, cmds, redir?.ids.r), talk(c.k, cmds, redir?.ids.k)]);
  // A bare integer is only taken for an id in the reply of CLIENT GETREDIR.
  const getredir = cmds.some((x) => String(x[1]).toLowerCase() === 'getredir');
  const scrub = (frames: string[], side: 'r' | 'k') =>
    frames.map((f) => {
      let s = f;
      for (const who of [c, redir]) {
        if (who === undefined) continue;
        const id = who.ids[side];
        if (getredir && s === `:${id}\r\n`) s = ':@ID\r\n';
        for (const before of ['$8\r\nredirect\r\n', '$21\r\ntracking-redir-broken\r\n']) s = s.split(`${before}:${id}\r\n`).join(`${before}:@ID\r\n`);
        s = s.split(`redir=${id} `).join('redir=@ID ');
      }
      return s;
    });
  const [na, nb] = [scrub(a, 'r'), scrub(b, 'k')];
  const show = cmds.map((x) => x.join(' ')).join(' | ');
  if (normalize) expect(normalize(nb), show).toEqual(normalize(na));
  else expect(nb, show).toEqual(na);
  return a;
}

/** CLIENT INFO reduced to the fields tracking changes. */
const infoFields = (frames: string[]) => frames.map((f) => (f.includes('addr=') ? `${/flags=\S+/.exec(f)?.[0]} ${/redir=\S+/.exec(f)?.[0]}` : f));

const INFO_FIELDS = /^(tracking_\w+|rdb_changes_since_last_save):.*$/gm;
const infoCounters = (frames: string[]) => frames.map((f) => f.match(INFO_FIELDS)?.filter((l) => !l.startsWith('rdb_')).join(',') ?? f);

describe('CLIENT TRACKING errors', () => {
  it.each([2, 3] as const)('argument errors (RESP%i)', async (proto) => {
    const c = await client(proto);
    await same(c, [
      ['CLIENT', 'TRACKING'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'on', 'foo'],
      ['CLIENT', 'TRACKING', 'on', 'redirect'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', 'abc'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '99999'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '0'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '-1'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '99999999999999999999'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '@R', 'redirect', '@R'],
      ['CLIENT', 'TRACKING', 'on', 'redirect', '@R', 'redirect', 'abc'],
      ['CLIENT', 'TRACKING', 'on', 'prefix', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'prefix'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'optin'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'optin', 'optout'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'a', 'prefix', 'ab'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'ab', 'prefix', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', '', 'prefix', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'a', 'prefix', 'a'],
      ['CLIENT', 'TRACKING', 'off', 'redirect', '99999'],
      ['CLIENT', 'TRACKING', 'off', 'prefix', 'a'],
      ['CLIENT', 'TRACKING', 'off', 'optin', 'optout'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING'],
      ['CLIENT', 'CACHING', 'yes', 'no'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'GETREDIR', 'x'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKINGINFO', 'x'],
      ['COMMAND', 'INFO', 'client|tracking', 'client|caching', 'client|getredir', 'client|trackinginfo'],
      ['COMMAND', 'DOCS', 'client|tracking'],
      ['COMMAND', 'DOCS', 'client|caching'],
      ['COMMAND', 'DOCS', 'client|getredir'],
      ['COMMAND', 'DOCS', 'client|trackinginfo'],
      ['CONFIG', 'GET', 'tracking-table-max-keys'],
      ['CONFIG', 'SET', 'tracking-table-max-keys', '-1'],
      ['CONFIG', 'SET', 'tracking-table-max-keys', 'x'],
    ], c);
  });

  it.each([2, 3] as const)('mode switches, CACHING errors, prefix overlaps (RESP%i)', async (proto) => {
    const c = await client(proto);
    await same(c, [
      ['CLIENT', 'TRACKING', 'on', 'optin'],
      ['CLIENT', 'TRACKING', 'on', 'bcast'],
      ['CLIENT', 'TRACKING', 'on', 'optout'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING', 'YES'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'optin', 'noloop'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'optout', 'redirect', '@R'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'b', 'prefix', 'a', 'noloop'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'c'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'bb'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'x', 'prefix', 'a'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'TRACKING', 'on'],
      // Redis 7.0 reports an overlap past the first prefix and enables tracking anyway: two replies.
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'x', 'prefix', 'p', 'prefix', 'pq'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'GETREDIR'],
    ], c, (f) => infoFields(f));
  });
});

describe.each([2, 3] as const)('invalidations (RESP%i)', (proto) => {
  /** A RESP2 tracking client gets its messages through a pub/sub redirect client. */
  async function tracker(opts: string[] = []): Promise<{ t: Side; inbox: Side }> {
    const t = await client(proto);
    if (proto === 3) {
      await same(t, [['CLIENT', 'TRACKING', 'on', ...opts]]);
      return { t, inbox: t };
    }
    const inbox = await client(2);
    await same(inbox, [['SUBSCRIBE', '__redis__:invalidate']]);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'redirect', '@R', ...opts]], inbox);
    return { t, inbox };
  }

  it('own reads, others\' writes, key tracked across dbs and by failed reads', async () => {
    const { t, inbox } = await tracker();
    const w = await client(proto);
    await same(t, [['SET', 'k', 'v'], ['GET', 'k'], ['MGET', 'a', 'b'], ['RPUSH', 'l', 'x'], ['GET', 'l'], ['EXISTS', 'e1', 'e2'], ['HGET', 'h', 'f']]);
    await same(w, [['SET', 'k', 'v2'], ['SET', 'k', 'v3'], ['MSET', 'a', '1', 'b', '2'], ['DEL', 'l', 'e1'], ['HSET', 'h', 'f', 'v'], ['SELECT', '3'], ['SET', 'e2', 'x']]);
    await same(inbox, [], t);
    // Writes of the tracking client itself: the invalidation follows the reply.
    await same(t, [['GET', 'k'], ['SET', 'k', 'mine'], ['GET', 'k'], ['INCR', 'k'], ['GET', 'n'], ['INCR', 'n'], ['INCR', 'n']]);
    await same(inbox, [], t);
    await same(t, [['INFO', 'stats'], ['INFO', 'clients']], undefined, infoCounters);
  });

  it('keys of readonly commands with movable keys are tracked; SWAPDB invalidates nothing', async () => {
    const { t, inbox } = await tracker();
    const w = await client(proto);
    await same(t, [
      ['SET', 'x', '1'],
      ['GET', 'x'],
      ['ZUNION', '2', 'z1', 'z2'],
      ['SINTERCARD', '2', 's1', 's2'],
      ['LCS', 'x', 'y'],
      ['SORT_RO', 'l'],
      ['GEORADIUS_RO', 'g', '0', '0', '1', 'km'],
      ['OBJECT', 'ENCODING', 'x'],
      ['TTL', 'w'],
      ['BITFIELD_RO', 'bf', 'GET', 'u8', '0'],
      ['SELECT', '1'],
      ['GET', 'y'],
    ]);
    await same(w, [['SWAPDB', '0', '1']]);
    await same(inbox, [], t);
    await same(w, [['SET', 'z1', 'a'], ['SET', 'z2', 'a'], ['SET', 's2', 'a'], ['SET', 'l', 'a'], ['SET', 'g', 'a'], ['SET', 'bf', 'a'], ['SET', 'w', 'a'], ['SET', 'y', 'a']]);
    await same(inbox, [], t);
  });

  it('write commands of every type invalidate', async () => {
    const { t, inbox } = await tracker();
    const w = await client(proto);
    const keys = ['s', 'h', 'l', 'z', 'set', 'bits', 'hll', 'src', 'dst', 'geo'];
    await same(w, [['SET', 's', 'x'], ['HSET', 'h', 'f', 'v'], ['RPUSH', 'l', 'a', 'b'], ['ZADD', 'z', '1', 'm'], ['SADD', 'set', 'a'], ['SET', 'src', 'v']]);
    const read: Cmd[] = [['GET', 's'], ['HGETALL', 'h'], ['LRANGE', 'l', '0', '-1'], ['ZRANGE', 'z', '0', '-1'], ['SCARD', 'set'], ['GET', 'bits'], ['PFCOUNT', 'hll'], ['GET', 'src'], ['GET', 'dst'], ['ZCARD', 'geo']];
    const writes: Cmd[][] = [
      [['APPEND', 's', 'y'], ['HINCRBY', 'h', 'n', '1'], ['LPOP', 'l'], ['ZINCRBY', 'z', '2', 'm'], ['SREM', 'set', 'a'], ['SETBIT', 'bits', '3', '1'], ['PFADD', 'hll', 'a'], ['RENAME', 'src', 'dst'], ['GEOADD', 'geo', '1', '1', 'p']],
      [['SETRANGE', 's', '0', 'z'], ['HDEL', 'h', 'f'], ['LSET', 'l', '0', 'q'], ['ZREM', 'z', 'm'], ['SADD', 'set', 'b'], ['BITOP', 'NOT', 'bits', 'bits'], ['COPY', 'dst', 'src'], ['EXPIRE', 'geo', '100']],
      [['GETDEL', 's'], ['HSETNX', 'h', 'g', '1'], ['LTRIM', 'l', '0', '0'], ['SPOP', 'set'], ['PERSIST', 'geo'], ['MOVE', 'src', '2'], ['SETBIT', 'bits', '3', '0']],
      [['LINSERT', 'l', 'BEFORE', 'q', 'p'], ['INCRBYFLOAT', 'bits', '1'], ['SETEX', 's', '100', 'v'], ['HINCRBYFLOAT', 'h', 'n', '1.5'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['SADD', 'set', 'x', 'y'], ['PFMERGE', 'hll', 'hll'], ['SET', 'src', 'v']],
      [['LREM', 'l', '0', 'p'], ['GETEX', 's', 'EX', '50'], ['HDEL', 'h', 'n', 'g'], ['ZPOPMIN', 'z'], ['SREM', 'set', 'y'], ['SPOP', 'set', '5'], ['BITFIELD', 'bits', 'SET', 'u8', '0', '1'], ['SINTERSTORE', 'dst', 'set', 'set'], ['UNLINK', 'src']],
      [['RPUSH', 'l', '1', '2'], ['RPOPLPUSH', 'l', 'l'], ['LMOVE', 'l', 'src', 'LEFT', 'LEFT'], ['ZMPOP', '1', 'z', 'MAX'], ['SADD', 'set', 'x'], ['SMOVE', 'set', 'dst', 'x'], ['SORT', 'l', 'STORE', 'geo']],
      [['LMPOP', '1', 'l', 'LEFT', 'COUNT', '9'], ['ZADD', 'z', '1', 'a'], ['ZUNIONSTORE', 'geo', '1', 'z'], ['ZRANGESTORE', 'hll', 'z', '0', '-1'], ['GEOADD', 's', '1', '1', 'x'], ['DEL', 'bits'], ['RPUSH', 'h', 'x']],
      // No-ops do not signal anything.
      [['HSETNX', 'h', 'g', '1'], ['SREM', 'set', 'zz'], ['PERSIST', 'geo'], ['ZREM', 'z', 'zz'], ['SETBIT', 'bits', '3', '0'], ['EXPIRE', 'nokey', '10']],
    ];
    for (const batch of writes) {
      await same(t, read);
      await same(w, batch);
      await same(inbox, [], t);
    }
    expect(keys.length).toBeGreaterThan(0);
  });

  it('inside MULTI: invalidations of the client\'s own keys follow EXEC\'s reply', async () => {
    const { t, inbox } = await tracker();
    const w = await client(proto);
    await same(t, [['GET', 'k'], ['GET', 'j'], ['MULTI'], ['SET', 'k', '1'], ['GET', 'k'], ['SET', 'j', '2'], ['DEL', 'k'], ['EXEC'], ['GET', 'k']]);
    await same(inbox, [], t);
    // Another client's transaction: the tracking client hears of each key as it changes.
    await same(t, [['GET', 'k'], ['GET', 'j']]);
    await same(w, [['MULTI'], ['SET', 'k', 'x'], ['SET', 'j', 'y'], ['EXEC']]);
    await same(inbox, [], t);
  });

  it('CLIENT TRACKING OFF inside the transaction: what EXEC changed is still sent after its reply', async () => {
    const { t, inbox } = await tracker();
    await same(t, [['GET', 'k'], ['GET', 'j'], ['MULTI'], ['SET', 'k', '1'], ['FLUSHDB'], ['CLIENT', 'TRACKING', 'off'], ['SET', 'j', '1'], ['EXEC'], ['SET', 'k', '2'], ['CLIENT', 'TRACKINGINFO']], inbox);
    await same(inbox, [], t);
  });

  it('FLUSHDB / FLUSHALL send a null invalidation to every tracking client', async () => {
    const { t, inbox } = await tracker();
    const other = await tracker();
    await same(t, [['GET', 'k'], ['FLUSHALL'], ['GET', 'k'], ['FLUSHDB'], ['FLUSHDB', 'ASYNC'], ['SELECT', '2'], ['FLUSHDB', 'SYNC']]);
    await same(inbox, [], t);
    await same(other.inbox, [], other.t);
    await same(t, [['INFO', 'stats']], undefined, infoCounters);
  });

  it('NOLOOP: no invalidation for the client\'s own writes', async () => {
    const { t, inbox } = await tracker(['noloop']);
    const w = await client(proto);
    await same(t, [['GET', 'a'], ['GET', 'b'], ['SET', 'a', '1'], ['GET', 'a']]);
    await same(w, [['SET', 'a', '2'], ['SET', 'b', '2']]);
    await same(inbox, [], t);
  });

  it('OPTIN / OPTOUT with CLIENT CACHING', async () => {
    const { t, inbox } = await tracker(['optin']);
    const w = await client(proto);
    await same(t, [['GET', 'a'], ['CLIENT', 'CACHING', 'yes'], ['GET', 'b'], ['GET', 'c'], ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'GETNAME'], ['GET', 'd'], ['CLIENT', 'CACHING', 'yes'], ['PING'], ['GET', 'e']]);
    // In MULTI the CACHING flag lasts until EXEC.
    await same(t, [['CLIENT', 'CACHING', 'yes'], ['MULTI'], ['GET', 'm1'], ['GET', 'm2'], ['EXEC'], ['GET', 'm3']]);
    await same(w, [['MSET', 'a', '1', 'b', '1', 'c', '1', 'd', '1', 'e', '1', 'm1', '1', 'm2', '1', 'm3', '1']]);
    await same(inbox, [], t);
    const o = await tracker(['optout']);
    await same(o.t, [['GET', 'a'], ['CLIENT', 'CACHING', 'no'], ['GET', 'b'], ['GET', 'c']]);
    await same(w, [['MSET', 'a', '2', 'b', '2', 'c', '2']]);
    await same(o.inbox, [], o.t);
  });

  it('BCAST with prefixes, NOLOOP in BCAST, keys of every prefix sorted', async () => {
    const { t, inbox } = await tracker(['bcast', 'prefix', 'user:', 'prefix', 'cache:']);
    const all = await tracker(['bcast']);
    const nl = await tracker(['bcast', 'noloop', 'prefix', 'user:']);
    const w = await client(proto);
    await same(w, [['SET', 'user:2', 'x'], ['SET', 'other', 'x'], ['SET', 'cache:z', '1'], ['SET', 'user:1', 'y'], ['SET', 'user:2', 'z'], ['DEL', 'cache:z']]);
    await same(inbox, [], t);
    await same(all.inbox, [], all.t);
    await same(nl.inbox, [], nl.t);
    await same(nl.t, [['SET', 'user:9', 'mine'], ['GET', 'user:9']]);
    await same(w, [['SET', 'user:8', 'theirs'], ['MSET', 'user:7', '1', 'user:9', '2']]);
    await same(nl.inbox, [], nl.t);
    await same(t, [['SET', 'cache:own', '1'], ['CLIENT', 'TRACKINGINFO']], inbox);
    await same(inbox, [], t);
    await same(t, [['INFO', 'stats'], ['INFO', 'clients']], undefined, infoCounters);
  });
});

describe('more clients and protocols', () => {
  it('two clients tracking one key both hear of it; the writer among them after its reply', async () => {
    const a = await client(3);
    const b = await client(3);
    await same(a, [['CLIENT', 'TRACKING', 'on'], ['GET', 'k'], ['GET', 'only-a']]);
    await same(b, [['CLIENT', 'TRACKING', 'on'], ['GET', 'k']]);
    await same(a, [['MSET', 'k', '1', 'only-a', '2'], ['INFO', 'stats']], undefined, infoCounters);
    await same(b, []);
  });

  it('a RESP2 tracking client without redirect hears nothing until HELLO 3', async () => {
    const t = await client(2);
    const w = await client(2);
    await same(t, [['CLIENT', 'TRACKING', 'on'], ['GET', 'k'], ['GET', 'j']]);
    await same(w, [['SET', 'k', '1']]);
    await same(t, [['HELLO', '3']], undefined, (f) => f.map((x) => x.replace(/:\d+\r\n\$4\r\nmode/, ':N\r\n$4\r\nmode').replace(/\$\d+\r\n[0-9.]+\r\n\$5\r\nproto/, 'V$5\r\nproto')));
    await same(w, [['SET', 'j', '1']]);
    await same(t, [['CLIENT', 'TRACKINGINFO']]);
  });

  it('OPTOUT: CLIENT CACHING NO inside MULTI lasts until EXEC', async () => {
    const t = await client(3);
    const w = await client(2);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'optout'], ['CLIENT', 'CACHING', 'no'], ['MULTI'], ['GET', 'a'], ['GET', 'b'], ['EXEC'], ['GET', 'c']]);
    await same(w, [['MSET', 'a', '1', 'b', '1', 'c', '1']]);
    await same(t, [['CLIENT', 'CACHING', 'no'], ['GET', 'nope'], ['GET', 'a'], ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'TRACKINGINFO'], ['GET', 'b'], ['CLIENT', 'TRACKINGINFO']]);
    await same(w, [['MSET', 'a', '2', 'b', '2', 'c', '2']]);
    await same(t, []);
  });
});

describe('redirects', () => {
  it('RESP2 redirect to a client not in pub/sub mode gets nothing; to a RESP3 client, pushes', async () => {
    const t = await client(2);
    const plain = await client(2);
    const r3 = await client(3);
    const w = await client(2);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'redirect', '@R'], ['GET', 'k']], plain);
    await same(w, [['SET', 'k', '1']]);
    await same(plain, [['GET', 'x']]);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'redirect', '@R'], ['GET', 'k'], ['CLIENT', 'GETREDIR']], r3);
    await same(w, [['SET', 'k', '2'], ['FLUSHDB']]);
    await same(r3, [['GET', 'x']]);
  });

  it('a RESP3 tracking client redirecting to a pub/sub RESP2 client: the null keeps the tracking client\'s protocol', async () => {
    const t = await client(3);
    const inbox = await client(2);
    await same(inbox, [['SUBSCRIBE', 'other']]);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'redirect', '@R'], ['GET', 'k'], ['SET', 'k', '1'], ['FLUSHALL']], inbox);
    await same(inbox, [], t);
  });

  it.each([2, 3] as const)('the redirect client leaves: broken redirect (RESP%i)', async (proto) => {
    const t = await client(proto);
    const gone = await client(2);
    const w = await client(2);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'redirect', '@R'], ['GET', 'k'], ['GET', 'j']], gone);
    gone.r.close();
    gone.k.close();
    // Wait until both servers have seen the disconnect.
    for (const [c, id] of [[w.r, gone.ids.r], [w.k, gone.ids.k]] as const) {
      while ((await c.call('CLIENT', 'LIST', 'ID', String(id))).length > 10) await new Promise((r) => setTimeout(r, 5));
    }
    await same(w, [['SET', 'k', '1']]);
    await same(t, [['CLIENT', 'INFO'], ['CLIENT', 'TRACKINGINFO'], ['SET', 'j', '2'], ['FLUSHALL'], ['CLIENT', 'GETREDIR']], gone, infoFields);
    await same(t, [['CLIENT', 'TRACKING', 'on'], ['CLIENT', 'INFO'], ['CLIENT', 'TRACKINGINFO']], gone, infoFields);
  });
});

describe('CLIENT LIST', () => {
  it('flags of a subscribed, watching tracking client in MULTI with a broken BCAST redirect', async () => {
    const a = await client(3);
    const gone = await client(2);
    const b = await client(2);
    await same(a, [['CLIENT', 'TRACKING', 'on', 'bcast', 'redirect', '@R'], ['WATCH', 'k'], ['SUBSCRIBE', 'x']], gone);
    // (A marker PING would be queued after MULTI.)
    expect(await a.k.call('MULTI')).toBe(await a.r.call('MULTI'));
    gone.r.close();
    gone.k.close();
    for (const [c, id] of [[b.r, gone.ids.r], [b.k, gone.ids.k]] as const) {
      while ((await c.call('CLIENT', 'LIST', 'ID', String(id))).length > 10) await new Promise((r) => setTimeout(r, 5));
    }
    await same(b, [['SET', 'k', '1']]);
    // The broadcast happens after SET's turn: ask in the next one.
    await same(b, [['CLIENT', 'LIST', 'ID', '@R']], a, (f) => infoFields(f).map((x) => x.replace(/redir=[1-9]\d*/, 'redir=(an id)')));
    // The broken redirect is reported to the client, then EXEC fails (k was touched).
    a.r.send('EXEC');
    a.k.send('EXEC');
    for (let i = 0; i < 2; i++) {
      const [x, y] = await Promise.all([a.r.read(), a.k.read()]);
      expect(y.replace(`:${gone.ids.k}\r\n`, ':@ID\r\n')).toBe(x.replace(`:${gone.ids.r}\r\n`, ':@ID\r\n'));
    }
  });
});

describe('tracking table', () => {
  it('tracking-table-max-keys evicts keys with an invalidation', async () => {
    const t = await client(3);
    const cfg = await client(2);
    try {
      await same(cfg, [['CONFIG', 'SET', 'tracking-table-max-keys', '2'], ['CONFIG', 'GET', 'tracking-table-max-keys']]);
      await same(t, [['CLIENT', 'TRACKING', 'on'], ['GET', 'a'], ['GET', 'b']]);
      // Which key goes is Redis's random pick: compare the shape.
      const shape = (frames: string[]) => frames.map((f) => f.replace(/\$1\r\n[abcx]\r\n/, '$1\r\n?\r\n'));
      await same(t, [['GET', 'c'], ['INFO', 'stats']], undefined, (f) => shape(infoCounters(f)));
      await same(t, [['GET', 'x']], undefined, shape);
      // Inside EXEC nothing is trimmed: the next command trims down to the limit.
      await same(cfg, [['CONFIG', 'SET', 'tracking-table-max-keys', '1'], ['FLUSHALL']]);
      await same(t, [['MULTI'], ['GET', 'a'], ['GET', 'b'], ['GET', 'c'], ['EXEC'], ['INFO', 'stats']], undefined, (f) => shape(infoCounters(f)).map((x) => x.replace(/\$1\r\n[abcx]\r\n/, '$1\r\n?\r\n')));
      await same(cfg, [['CONFIG', 'SET', 'tracking-table-max-keys', '0'], ['INFO', 'stats']], undefined, infoCounters);
    } finally {
      await same(cfg, [['CONFIG', 'SET', 'tracking-table-max-keys', '1000000']]);
    }
  });

  it('RESET turns tracking off; a client that leaves stops counting', async () => {
    const t = await client(3);
    const u = await client(2);
    await same(t, [['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'q'], ['INFO', 'clients']], undefined, infoCounters);
    await same(u, [['CLIENT', 'TRACKING', 'on'], ['GET', 'k'], ['INFO', 'clients'], ['INFO', 'stats']], undefined, infoCounters);
    await same(t, [['RESET'], ['CLIENT', 'TRACKINGINFO'], ['INFO', 'clients'], ['INFO', 'stats']], undefined, infoCounters);
    u.r.close();
    u.k.close();
    for (const [c, id] of [[t.r, u.ids.r], [t.k, u.ids.k]] as const) {
      while ((await c.call('CLIENT', 'LIST', 'ID', String(id))).length > 10) await new Promise((r) => setTimeout(r, 5));
    }
    await same(t, [['INFO', 'clients'], ['INFO', 'stats'], ['SET', 'k', '1'], ['INFO', 'stats']], undefined, infoCounters);
  });
});
