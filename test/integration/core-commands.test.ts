/**
 * The core commands through each client's own typed API (ioredis 5/6,
 * node-redis 4/5/6, RESP2 and RESP3), run against redis-server and RedKit:
 * what the client hands back must be the same. Client libraries parse
 * replies into shapes (objects for CONFIG GET / CLIENT INFO / COMMAND, Dates,
 * numbers...), so this proves RedKit's replies survive every client's parser
 * the way Redis's do. Values that legitimately differ between two servers
 * (ids, addresses, version, clock) are normalised or checked for shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { startRedisServer, type RedisProcess } from '../support/redis-server.js';
import {
  IOREDIS_VARIANTS,
  NODE_REDIS_VARIANTS,
  close,
  connectIORedis,
  connectNodeRedis,
  type AnyClient,
  type IORedisClient,
  type IORedisVariant,
  type NodeRedisClient,
  type NodeRedisVariant,
} from '../support/clients.js';
import { liveOracle } from '../support/redis-server.js';

let redis: RedisProcess;
let redkit: RedKitServer;
beforeAll(async () => {
  redis = await startRedisServer(['--requirepass', 'pw']);
  redkit = createServer({ requirepass: 'pw', logger: 'error' });
  await redkit.listen(0);
});
afterAll(async () => {
  await redkit?.close();
  redkit?.dispose();
  await redis?.stop();
});

type Rec = Record<string, unknown>;

/** The outcome of a call: its value, or the error message. */
const settle = (p: Promise<unknown>) =>
  p.then(
    (ok) => ({ ok }),
    (e: Error) => ({ error: e.message }),
  );

/** TTLs read right after setting them may have ticked by one unit. */
const near = (n: number, target: number, slack = 1) => (n <= target && n >= target - slack ? `~${target}` : n);

const CLIENT_FIELDS = ['name', 'db', 'flags', 'multi', 'sub', 'psub', 'cmd', 'user', 'resp'];

/** The comparable fields of a CLIENT INFO / CLIENT LIST line. */
function clientLine(line: string): Record<string, string> {
  const all = Object.fromEntries([...line.trim().matchAll(/([^\s=]+)=(\S*)/g)].map((m) => [m[1], m[2]]));
  return Object.fromEntries(CLIENT_FIELDS.map((f) => [f, all[f]]));
}

/** INFO section names, and the keyspace section with its sampled avg_ttl masked. */
function infoShape(info: string): { sections: string[]; keyspace: string } {
  const sections = [...info.matchAll(/^# (\w+)/gm)].map((m) => m[1]);
  const ks = info.slice(info.indexOf('# Keyspace')).replace(/avg_ttl=\d+/g, 'avg_ttl=*');
  return { sections, keyspace: ks };
}

/** Sections every INFO must have (Redis 7.0 has more; RedKit need not fake them all). */
const REQUIRED_SECTIONS = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Keyspace'];

function pairsSorted(flat: unknown): unknown {
  if (Array.isArray(flat)) {
    const out: string[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(`${flat[i]}=${flat[i + 1]}`);
    return out.sort();
  }
  if (flat && typeof flat === 'object') return Object.entries(flat).map(([k, v]) => `${k}=${v}`).sort();
  return flat;
}

/** HELLO without the fields that differ between two servers (version, id). */
function helloShape(h: unknown): unknown {
  const entries: Array<[string, unknown]> = Array.isArray(h)
    ? Array.from({ length: h.length / 2 }, (_, i) => [String(h[2 * i]), h[2 * i + 1]])
    : h instanceof Map
      ? [...h.entries()].map(([k, v]) => [String(k), v])
      : Object.entries(h as object);
  return entries.map(([k, v]) => [k, k === 'version' ? typeof v : k === 'id' ? typeof v : v]);
}

// ---- ioredis ------------------------------------------------------------------

async function ioredisScript(c: IORedisClient): Promise<Rec> {
  const r: Rec = {};
  r.flushall = await c.flushall();
  r.ping = await c.ping();
  r.pingMsg = await c.ping('hello');
  r.pingTooMany = await settle(c.call('PING', 'a', 'b'));
  r.echo = await c.echo('héllo wörld');
  r.echoEmpty = await c.echo('');
  // SET and its options
  r.set = await c.set('k', 'v');
  r.setNX = await c.set('k', 'x', 'NX');
  r.setXXmissing = await c.set('nokey', 'x', 'XX');
  r.setXX = await c.set('k', 'v2', 'XX');
  r.setGet = await c.set('k', 'v3', 'GET');
  r.setGetMissing = await c.set('fresh', '1', 'GET');
  r.setEX = await c.set('ex', '1', 'EX', 100);
  r.ttlEX = near(await c.ttl('ex'), 100);
  r.setPX = await c.set('px', '1', 'PX', 100000);
  r.pttlPX = near(Math.ceil((await c.pttl('px')) / 1000), 100);
  r.setKeepTTL = await c.set('ex', '2', 'KEEPTTL');
  r.ttlKept = near(await c.ttl('ex'), 100);
  r.setClearsTTL = await c.set('ex', '3');
  r.ttlCleared = await c.ttl('ex');
  const at = Math.floor(Date.now() / 1000) + 1000;
  r.setEXAT = await c.set('exat', '1', 'EXAT', at);
  r.ttlEXAT = near(await c.ttl('exat'), 1000, 2);
  r.setPXAT = await c.set('pxat', '1', 'PXAT', at * 1000);
  r.ttlPXAT = near(await c.ttl('pxat'), 1000, 2);
  r.setNXEX = await c.call('SET', 'nxex', '1', 'NX', 'EX', '50');
  r.setGetWrongType = await settle((c.hset('h', 'f', 'v'), c.call('SET', 'h', 'x', 'GET')));
  r.setBadExpire = await settle(c.call('SET', 'k', 'v', 'EX', '0'));
  r.setBadExpireNeg = await settle(c.call('SET', 'k', 'v', 'PX', '-5'));
  r.setBadExpireNaN = await settle(c.call('SET', 'k', 'v', 'EX', 'abc'));
  r.setSyntaxNXXX = await settle(c.call('SET', 'k', 'v', 'NX', 'XX'));
  r.setSyntaxEXPX = await settle(c.call('SET', 'k', 'v', 'EX', '10', 'PX', '100'));
  r.setSyntaxKeepEX = await settle(c.call('SET', 'k', 'v', 'KEEPTTL', 'EX', '10'));
  r.setArity = await settle(c.call('SET', 'k'));
  // GET, MSET, MGET, SETNX
  r.get = await c.get('k');
  r.getMissing = await c.get('missing');
  r.mset = await c.mset('a', '1', 'b', '2');
  r.msetObj = await c.mset({ c: '3', d: '4' });
  r.msetOdd = await settle(c.call('MSET', 'a', '1', 'b'));
  r.mget = await c.mget('a', 'b', 'missing', 'c', 'h');
  r.setnx = [await c.setnx('a', 'x'), await c.setnx('n', 'x'), await c.get('a')];
  // DEL, EXISTS, TYPE, KEYS
  r.del = await c.del('a', 'b', 'missing');
  r.exists = await c.exists('c', 'c', 'missing');
  r.type = [await c.type('c'), await c.type('h'), await c.type('missing')];
  await c.set('a*b', '1');
  await c.set('a\\b', '1');
  r.keys = (await c.keys('*')).sort();
  r.keysPattern = (await c.keys('[cd]*')).sort();
  r.keysEscaped = (await c.keys('a\\*b')).sort();
  r.keysQuestion = (await c.keys('?')).sort();
  r.keysNone = await c.keys('zzz*');
  // counters
  r.incr = await c.incr('cnt');
  r.incrby = await c.incrby('cnt', 10);
  r.decr = await c.decr('cnt');
  r.decrby = await c.decrby('cnt', 3);
  r.incrbyNeg = await c.incrby('cnt', -100);
  r.decrbyNeg = await c.decrby('cnt', -1);
  r.getCnt = await c.get('cnt');
  r.incrNotInt = await settle(c.incr('k'));
  await c.set('max', '9223372036854775807');
  r.incrOverflow = await settle(c.incr('max'));
  await c.set('min', '-9223372036854775808');
  r.decrOverflow = await settle(c.decr('min'));
  r.decrbyMin = await settle(c.call('DECRBY', 'cnt', '-9223372036854775808'));
  r.incrbyFloatArg = await settle(c.call('INCRBY', 'cnt', '1.5'));
  await c.set('sp', ' 1');
  r.incrSpace = await settle(c.incr('sp'));
  r.incrWrongType = await settle(c.incr('h'));
  // expiry
  r.expire = [await c.expire('c', 100), await c.expire('missing', 100)];
  r.ttl = near(await c.ttl('c'), 100);
  r.pexpire = await c.pexpire('c', 50000);
  r.pttl = near(Math.ceil((await c.pttl('c')) / 1000), 50);
  r.persist = [await c.persist('c'), await c.persist('c'), await c.persist('missing')];
  r.ttlNone = [await c.ttl('c'), await c.ttl('missing'), await c.pttl('c'), await c.pttl('missing')];
  r.expireOptions = [
    await c.call('EXPIRE', 'c', '100', 'NX'),
    await c.call('EXPIRE', 'c', '200', 'NX'),
    await c.call('EXPIRE', 'c', '50', 'GT'),
    await c.call('EXPIRE', 'c', '300', 'GT'),
    await c.call('EXPIRE', 'c', '10', 'LT'),
    await c.call('EXPIRE', 'c', '20', 'XX'),
    await c.call('EXPIRE', 'missing', '20', 'XX'),
  ];
  r.ttlAfterOptions = near(await c.ttl('c'), 20);
  r.expireBad = await settle(c.call('EXPIRE', 'c', 'abc'));
  r.expireNXXX = await settle(c.call('EXPIRE', 'c', '10', 'NX', 'XX'));
  r.expireUnknownOpt = await settle(c.call('EXPIRE', 'c', '10', 'FOO'));
  r.expireOverflow = await settle(c.call('EXPIRE', 'c', '9223372036854775807'));
  r.expireNegative = [await c.expire('d', -1), await c.exists('d')];
  r.pexpireZero = [await c.pexpire('n', 0), await c.exists('n')];
  // DBSIZE, SELECT
  r.dbsize = await c.dbsize();
  r.select = await c.select(5);
  r.dbsize5 = await c.dbsize();
  await c.set('in5', 'x');
  await c.select(3);
  r.in5Hidden = await c.exists('in5');
  r.selectRange = await settle(c.select(16));
  r.selectNeg = await settle(c.call('SELECT', '-1'));
  r.selectNaN = await settle(c.call('SELECT', 'x'));
  // CLIENT
  r.setname = await c.client('SETNAME', 'renamed');
  r.getname = await c.client('GETNAME');
  r.setnameSpace = await settle(c.client('SETNAME', 'has space'));
  r.setnameEmpty = await c.client('SETNAME', '');
  r.getnameEmpty = await c.client('GETNAME');
  await c.client('SETNAME', 'again');
  const id = await c.client('ID');
  r.clientId = typeof id;
  r.clientInfo = clientLine(String(await c.client('INFO')));
  const list = String(await c.client('LIST'))
    .split('\n')
    .filter((l) => l.startsWith(`id=${id} `));
  r.clientListOwn = list.map(clientLine);
  r.clientListById = clientLine(String(await c.call('CLIENT', 'LIST', 'ID', String(id))));
  r.clientUnknown = await settle(c.call('CLIENT', 'NOPE'));
  // INFO
  const info = infoShape(await c.info());
  r.infoHasRequired = REQUIRED_SECTIONS.every((s) => info.sections.includes(s));
  r.infoKeyspace = infoShape(await c.info('keyspace'));
  r.infoKeyspaceDefault = info.keyspace;
  // CONFIG
  r.configGet = await c.config('GET', 'maxmemory-policy');
  r.configSet = await c.config('SET', 'maxmemory-policy', 'allkeys-lru');
  r.configGetAfter = await c.config('GET', 'maxmemory-policy');
  r.configSetBack = await c.config('SET', 'maxmemory-policy', 'noeviction');
  r.configGetGlob = pairsSorted(await c.config('GET', 'maxmemory-*'));
  r.configGetNone = await c.config('GET', 'no-such-param');
  r.configSetUnknown = await settle(c.config('SET', 'no-such-param', 'x'));
  r.configSetBadValue = await settle(c.config('SET', 'maxmemory-policy', 'bogus'));
  // COMMAND
  const all = (await c.call('COMMAND')) as unknown[][];
  r.commandHasMany = all.length > 100;
  r.commandGetEntry = all.find((e) => e[0] === 'get');
  r.commandInfo = await c.command('INFO', 'get', 'set', 'nosuch');
  r.commandCount = typeof (await c.command('COUNT'));
  // TIME
  const [secs, micros] = (await c.time()) as [string | number, string | number];
  r.timeShape = [typeof secs, Math.abs(Number(secs) - Date.now() / 1000) < 60, Number(micros) >= 0 && Number(micros) < 1e6];
  // HELLO (same protocol), AUTH
  r.hello = helloShape(await c.call('HELLO'));
  r.helloBadProto = await settle(c.call('HELLO', '4'));
  r.auth = await c.auth('pw');
  r.authUser = await c.auth('default', 'pw');
  r.authBad = await settle(c.auth('nope'));
  r.stillAuthenticated = await c.ping();
  r.authTooMany = await settle(c.call('AUTH', 'a', 'b', 'c'));
  // FLUSHDB / FLUSHALL
  r.flushdbBad = await settle(c.call('FLUSHDB', 'BOGUS'));
  r.flushdb = await c.flushdb();
  r.dbsizeAfterFlush = await c.dbsize();
  await c.select(5);
  r.db5Survives = await c.dbsize();
  r.flushallAsync = await c.call('FLUSHALL', 'ASYNC');
  r.db5Flushed = await c.dbsize();
  await c.select(3);
  r.flushdbSync = await c.call('FLUSHDB', 'SYNC');
  return r;
}

// ---- node-redis ---------------------------------------------------------------

async function nodeRedisScript(c: NodeRedisClient, v: NodeRedisVariant): Promise<Rec> {
  const r: Rec = {};
  const send = (...args: string[]) => c.sendCommand(args);
  r.flushall = await c.flushAll();
  r.ping = await c.ping();
  r.pingMsg = await c.ping('hello');
  r.echo = await c.echo('héllo wörld');
  r.echoEmpty = await c.echo('');
  r.set = await c.set('k', 'v');
  r.setNX = await c.set('k', 'x', { NX: true });
  r.setXXmissing = await c.set('nokey', 'x', { XX: true });
  r.setXX = await c.set('k', 'v2', { XX: true });
  r.setGet = await c.set('k', 'v3', { GET: true });
  r.setEX = await c.set('ex', '1', { EX: 100 });
  r.ttlEX = near(await c.ttl('ex'), 100);
  r.setPX = await c.set('px', '1', { PX: 100000 });
  r.pttlPX = near(Math.ceil((await c.pTTL('px')) / 1000), 100);
  r.setKeepTTL = await c.set('ex', '2', { KEEPTTL: true });
  r.ttlKept = near(await c.ttl('ex'), 100);
  const at = Math.floor(Date.now() / 1000) + 1000;
  r.setEXAT = await c.set('exat', '1', { EXAT: at });
  r.ttlEXAT = near(await c.ttl('exat'), 1000, 2);
  r.setPXAT = await c.set('pxat', '1', { PXAT: at * 1000 });
  r.ttlPXAT = near(await c.ttl('pxat'), 1000, 2);
  r.setBadExpire = await settle(c.set('k', 'v', { EX: 0 }));
  r.setSyntax = await settle(send('SET', 'k', 'v', 'NX', 'XX'));
  r.get = await c.get('k');
  r.getMissing = await c.get('missing');
  r.mset = await c.mSet({ a: '1', b: '2' });
  r.msetPairs = await c.mSet([
    ['c', '3'],
    ['d', '4'],
  ]);
  r.mget = await c.mGet(['a', 'b', 'missing', 'c']);
  r.setnx = [await c.setNX('a', 'x'), await c.setNX('n', 'x'), await c.get('a')];
  r.del = await c.del(['a', 'b', 'missing']);
  r.exists = await c.exists(['c', 'c', 'missing']);
  await c.hSet('h', 'f', 'v');
  r.type = [await c.type('c'), await c.type('h'), await c.type('missing')];
  r.keys = (await c.keys('*')).sort();
  r.keysPattern = (await c.keys('[cd]*')).sort();
  r.incr = await c.incr('cnt');
  r.incrBy = await c.incrBy('cnt', 10);
  r.decr = await c.decr('cnt');
  r.decrBy = await c.decrBy('cnt', 3);
  r.incrNotInt = await settle(c.incr('k'));
  await c.set('max', '9223372036854775807');
  r.incrOverflow = await settle(c.incr('max'));
  r.incrWrongType = await settle(c.incr('h'));
  r.expire = [await c.expire('c', 100), await c.expire('missing', 100)];
  r.ttl = near(await c.ttl('c'), 100);
  r.pExpire = await c.pExpire('c', 50000);
  r.pTTL = near(Math.ceil((await c.pTTL('c')) / 1000), 50);
  r.persist = [await c.persist('c'), await c.persist('c'), await c.persist('missing')];
  r.ttlNone = [await c.ttl('c'), await c.ttl('missing'), await c.pTTL('missing')];
  r.expireNX = [await c.expire('c', 100, 'NX'), await c.expire('c', 200, 'NX'), await c.expire('c', 50, 'GT')];
  r.dbSize = await c.dbSize();
  r.select = await c.select(5);
  r.dbSize5 = await c.dbSize();
  await c.select(3);
  r.selectRange = await settle(c.select(16));
  r.clientSetName = await c.clientSetName('renamed');
  r.clientGetName = await c.clientGetName();
  const id = await c.clientId();
  r.clientId = typeof id;
  const info = (await c.clientInfo()) as unknown as Record<string, unknown>;
  r.clientInfo = [info.name, info.db, info.flags, info.multi, info.sub, info.psub, info.cmd, info.user, typeof info.id, info.id === id];
  const list = (await c.clientList()) as unknown as Array<Record<string, unknown>>;
  const own = list.find((e) => e.id === id);
  r.clientListOwn = own ? [own.name, own.db, own.flags, own.cmd, own.user] : own;
  const infoText = await c.info();
  r.infoHasRequired = REQUIRED_SECTIONS.every((s) => infoShape(infoText).sections.includes(s));
  r.infoKeyspace = infoShape(await c.info('keyspace'));
  r.configGet = await c.configGet('maxmemory-policy');
  r.configSet = await c.configSet('maxmemory-policy', 'allkeys-lru');
  r.configGetAfter = await c.configGet('maxmemory-policy');
  await c.configSet('maxmemory-policy', 'noeviction');
  r.configGetGlob = pairsSorted(await c.configGet('maxmemory-*'));
  r.configSetBad = await settle(c.configSet('maxmemory-policy', 'bogus'));
  const all = (await c.command()) as unknown as Array<Record<string, unknown> | null>;
  r.commandHasMany = all.length > 100;
  // node-redis parses each COMMAND entry into an object (flags as Sets).
  const norm = (e: unknown) => JSON.parse(JSON.stringify(e, (_k, x) => (x instanceof Set ? [...x].sort() : x)));
  r.commandGet = norm(all.find((e) => e?.name === 'get'));
  r.commandInfo = norm(await c.commandInfo(['get', 'set', 'nosuch']));
  r.commandCount = typeof (await c.commandCount());
  const t = (await c.time()) as unknown;
  // node-redis 4: a Date with .microseconds; 5+: [unix seconds, microseconds]
  const secs = t instanceof Date ? t.getTime() / 1000 : Number((t as string[])[0]);
  r.timeShape = [t instanceof Date ? 'date' : typeof t, Math.abs(secs - Date.now() / 1000) < 60];
  r.hello = helloShape(await c.hello());
  r.auth = await c.auth({ password: 'pw' });
  r.authUser = await c.auth({ username: 'default', password: 'pw' });
  r.authBad = await settle(c.auth({ password: 'nope' }));
  r.stillAuthenticated = await c.ping();
  r.flushDb = await c.flushDb();
  r.dbSizeAfter = await c.dbSize();
  r.flushAllAsync = await c.flushAll('ASYNC');
  r.protocol = v.protocol;
  return r;
}

// ---- the comparison ----------------------------------------------------------------

async function onBoth<C extends AnyClient['client']>(connectFn: (port: number) => Promise<C>, script: (c: C) => Promise<Rec>, wrap: (c: C) => AnyClient) {
  const out: Rec[] = [];
  for (const port of [redis.port, redkit.port]) {
    const c = await connectFn(port);
    try {
      out.push(await script(c));
    } finally {
      await close(wrap(c));
    }
  }
  return { redis: out[0], redkit: out[1] };
}

/** Every step whose result differs, as { step: { redis, redkit } } (so one run shows them all). */
function expectSameRecords(a: Rec, b: Rec): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  const diffs: Rec = {};
  for (const k of Object.keys(a)) {
    try {
      expect(b[k]).toEqual(a[k]);
    } catch {
      diffs[k] = { redis: a[k], redkit: b[k] };
    }
  }
  expect(diffs).toEqual({});
}

// Live only: absolute times (Date.now() in the arguments, or an absolute time in the replies): a replay runs at another time than the recording.
describe.skipIf(!liveOracle).each(IOREDIS_VARIANTS)('$label: core commands, typed API, same as redis-server', (v: IORedisVariant) => {
  it('every command gives the client the same values', async () => {
    const { redis: a, redkit: b } = await onBoth(
      (port) => connectIORedis(v, { port, password: 'pw', db: 3, name: 'core' }),
      ioredisScript,
      (client) => ({ variant: v, client }),
    );
    expectSameRecords(a, b);
    // Sanity: the script did what it says (so equal does not mean equally broken).
    expect(b.get).toBe('v3');
    expect(b.mget).toEqual(['1', '2', null, '3', null]);
    expect(b.getCnt).toBe('-92');
    expect(b.incrOverflow).toEqual({ error: 'ERR increment or decrement would overflow' });
    expect(b.getname).toBe('renamed');
    expect((b.clientInfo as Record<string, string>).db).toBe('3');
    expect(b.infoHasRequired).toBe(true);
    expect(b.commandHasMany).toBe(true);
  });
});

// Live only: absolute times (Date.now() in the arguments, or an absolute time in the replies): a replay runs at another time than the recording.
describe.skipIf(!liveOracle).each(NODE_REDIS_VARIANTS)('$label: core commands, typed API, same as redis-server', (v: NodeRedisVariant) => {
  it('every command gives the client the same values', async () => {
    const { redis: a, redkit: b } = await onBoth(
      (port) => connectNodeRedis(v, { port, password: 'pw', db: 3, name: 'core' }),
      (c) => nodeRedisScript(c, v),
      (client) => ({ variant: v, client }),
    );
    expectSameRecords(a, b);
    expect(b.get).toBe('v3');
    expect(b.mget).toEqual(['1', '2', null, '3']);
    expect(b.clientGetName).toBe('renamed');
    expect(b.commandHasMany).toBe(true);
    expect(b.configGetAfter).toEqual({ 'maxmemory-policy': 'allkeys-lru' });
  });
});
