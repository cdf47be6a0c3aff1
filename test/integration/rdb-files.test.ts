/**
 * Whole RDB files between RedKit and redis-server 7.0.15, both ways.
 *
 * - RedKit → file → redis-server: a generated keyspace of every type and
 *   encoding (strings int/embstr/raw, small and multi-node lists, listpack and
 *   hashtable hashes, intset and hashtable sets, listpack and skiplist sorted
 *   sets, TTLs, several databases) is built by commands in RedKit and in a
 *   reference redis-server; RedKit's file is loaded by another redis-server,
 *   whose DEBUG DIGEST and every key (type, encoding, value, PEXPIRETIME)
 *   must equal the reference's.
 * - redis-server → file → RedKit: the reference SAVEs, RedKit loads the file
 *   and must hold the same keys, values, encodings and deadlines.
 * - Files of older RDB versions (zipmap, ziplist, intset, quicklist v1,
 *   text-score zsets, EXPIRETIME in seconds) built by hand are loaded by both
 *   redis-server and RedKit and compared.
 * - BGSAVE with writes racing it writes the keyspace as it was when BGSAVE
 *   answered; corrupt, truncated and module files are refused with the key or
 *   offset named, and the keyspace is left untouched; functions round-trip.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdbLoadError, startRedKit, type RedKit } from '../../src/index.js';
import { decode, type Cmd } from '../support/differential.js';
import { RawClient, encodeCommand } from '../support/raw-client.js';
import { freePort, startRedisServer, type RedisProcess } from '../support/redis-server.js';
import { build } from 'esbuild';
import { OP, bin, expireMs, expireSec, intset, kv, rdbFile, rdbInt, rdbLen, rdbStr, textScore, ziplist, zipmap } from '../support/rdb-build.js';
import { liveOracle } from '../support/redis-server.js';

let tmp: string;
const procs: RedisProcess[] = [];
const clients: RawClient[] = [];
const kits: RedKit[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-rdb-'));
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const k of kits) await k.stop();
  for (const p of procs) await p.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function redis(args: string[] = []): Promise<{ proc: RedisProcess; c: RawClient }> {
  const proc = await startRedisServer(args);
  procs.push(proc);
  const c = await RawClient.connect(proc.port);
  clients.push(c);
  // A server that loaded a file answers -LOADING until it is done.
  for (let i = 0; i < 500; i++) {
    const pong = await c.call('PING');
    if (pong === '+PONG\r\n') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { proc, c };
}

/** A redis-server started on an RDB file. */
async function redisOn(file: string): Promise<RawClient> {
  return (await redis(['--dir', path.dirname(file), '--dbfilename', path.basename(file)])).c;
}

async function kit(): Promise<{ k: RedKit; c: RawClient }> {
  const k = await startRedKit({ record: false, config: { dir: tmp, 'enable-protected-configs': 'yes' } });
  kits.push(k);
  const c = await RawClient.connect(k.port);
  clients.push(c);
  return { k, c };
}

/** Send commands pipelined and check none failed. */
async function run(c: RawClient, cmds: Cmd[]): Promise<void> {
  for (let i = 0; i < cmds.length; i += 500) {
    const batch = cmds.slice(i, i + 500);
    for (const cmd of batch) c.send(...cmd);
    for (const cmd of batch) {
      const r = await c.read();
      if (r.startsWith('-')) throw new Error(`${cmd.join(' ').slice(0, 80)}: ${r}`);
    }
  }
}

/** Every key of the given databases: type, encoding, deadline and content (unordered types sorted). */
async function describeKeyspace(c: RawClient, dbs: number[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const d of dbs) {
    await c.call('SELECT', String(d));
    const keys = (decode(await c.call('KEYS', '*')) as string[]).sort();
    for (const key of keys) {
      const type = (decode(await c.call('TYPE', key)) as { simple: string }).simple;
      const enc = decode(await c.call('OBJECT', 'ENCODING', key));
      const exp = decode(await c.call('PEXPIRETIME', key));
      let val: unknown;
      if (type === 'string') val = decode(await c.call('GET', key));
      else if (type === 'list') val = decode(await c.call('LRANGE', key, '0', '-1'));
      else if (type === 'set') val = (decode(await c.call('SMEMBERS', key)) as string[]).sort();
      else if (type === 'zset') val = decode(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
      else if (type === 'hash') {
        const flat = decode(await c.call('HGETALL', key)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
        val = pairs.sort();
      }
      out[`${d}:${key}`] = { type, enc, exp, val };
    }
  }
  await c.call('SELECT', '0');
  return out;
}

/** xorshift32 */
function rng(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const FAR = 4102444800000; // 2100-01-01

/** Commands building a keyspace of every type and encoding across databases 0, 3 and 9. */
function generate(seed: number, scale = 1): Cmd[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const str = (n: number, alphabet = 26, base = 97) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(base + int(alphabet));
    return s;
  };
  const cmds: Cmd[] = [];
  for (const db of [0, 3, 9]) {
    cmds.push(['SELECT', String(db)]);
    const n = (db === 0 ? 40 : 10) * scale;
    for (let i = 0; i < n; i++) {
      // Some keys are integers (RDB int-encodes those), some binary.
      const key = i % 5 === 0 ? String(db * 100000 + i - 20) : i % 9 === 0 ? `bin\x00\xff${str(4, 256, 0)}` : `k${db}:${i}:${str(3)}`;
      switch (i % 12) {
        case 0: // strings: int / embstr / raw / binary / compressible
          cmds.push(['SET', key, String(int(1e9) - 5e8)]);
          break;
        case 1:
          cmds.push(['SET', key, [str(10), '9223372036854775807', '-9223372036854775808', '18446744073709551616', '007', '', 'a'.repeat(300), str(2000, 256, 0)][int(8)]]);
          break;
        case 2:
          cmds.push(['SET', key, str(45 + int(200))]);
          break;
        case 3: {
          // small list (one listpack node), integers and strings
          const items = Array.from({ length: 1 + int(20) }, () => (r() < 0.5 ? String(int(100000) - 50000) : str(int(30))));
          cmds.push(['RPUSH', key, ...items]);
          break;
        }
        case 4: {
          // big list: several quicklist nodes
          const items = Array.from({ length: 300 + int(900) }, () => str(5 + int(60)));
          cmds.push(['RPUSH', key, ...items]);
          break;
        }
        case 5: {
          const fields = Array.from({ length: 1 + int(30) }, (_, j) => [`f${j}`, r() < 0.3 ? String(int(1e6)) : str(int(40))]).flat();
          cmds.push(['HSET', key, ...fields]);
          break;
        }
        case 6: {
          // hashtable hash: many fields or a long value
          const fields = Array.from({ length: r() < 0.5 ? 200 + int(300) : 5 }, (_, j) => [`field:${j}`, str(j === 0 ? 100 : 8)]).flat();
          cmds.push(['HSET', key, ...fields]);
          break;
        }
        case 7: {
          // intset of 16/32/64-bit members
          const width = [100, 100000, 1e15][int(3)];
          cmds.push(['SADD', key, ...Array.from({ length: 1 + int(50) }, () => String(int(width) - Math.floor(width / 2)))]);
          break;
        }
        case 8:
          cmds.push(['SADD', key, ...Array.from({ length: 1 + int(600) }, () => (r() < 0.2 ? String(int(1000)) : str(1 + int(12))))]);
          break;
        case 9: {
          const members = Array.from({ length: 1 + int(40) }, (_, j) => [[String(int(1000)), (r() * 100 - 50).toFixed(int(4)), 'inf', '-inf', '1e300'][int(5)], `m${j}`]).flat();
          cmds.push(['ZADD', key, ...members]);
          break;
        }
        case 10: {
          const members = Array.from({ length: 130 + int(300) }, (_, j) => [String(r() * 1e6 - 5e5), `member-${j}-${str(4)}`]).flat();
          cmds.push(['ZADD', key, ...members]);
          break;
        }
        case 11:
          cmds.push(['SET', key, str(8)]);
          cmds.push(['PEXPIREAT', key, String(FAR + int(1e9))]);
          break;
      }
      if (i % 7 === 1 && i % 12 !== 11) cmds.push(['PEXPIREAT', key, String(FAR + int(1e6))]);
    }
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

const DBS = [0, 3, 9];

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('RedKit writes, redis-server loads', () => {
  it('a generated keyspace of every type: same DEBUG DIGEST and the same keys as redis built by commands', async () => {
    const cmds = generate(7, 2);
    const ref = await redis();
    await run(ref.c, cmds);
    const { k, c } = await kit();
    await run(c, cmds);
    const file = path.join(tmp, 'from-redkit.rdb');
    const bytes = k.saveRdb(file);
    expect(bytes.latin1Slice(0, 9)).toBe('REDIS0010');
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    const loaded = await redisOn(file);
    const digest = await loaded.call('DEBUG', 'DIGEST');
    expect(digest).toBe(await ref.c.call('DEBUG', 'DIGEST'));
    expect(digest).not.toBe('+0000000000000000000000000000000000000000\r\n');
    expect(await describeKeyspace(loaded, DBS)).toEqual(await describeKeyspace(ref.c, DBS));
  });

  it('byte for byte what redis-server SAVEs (one key per database; AUX values aside)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'bytes-'));
    const ref = await redis(['--dir', dir]);
    const { k, c } = await kit();
    const values: Cmd[] = [
      ['SET', 'k', '12345'],
      ['SET', 'k', 'x'.repeat(100)],
      ['SET', 'k', 'short'],
      ['RPUSH', 'k', 'a', '1', '-2', 'hello', '99999999999'],
      ['RPUSH', 'k', ...Array.from({ length: 2000 }, (_, i) => `element-${i}`)],
      ['HSET', 'k', 'f1', 'v1', 'f2', '2'],
      ['SADD', 'k', '1', '5', '-3', '70000'],
      ['SADD', 'k', '1', '5', '9999999999'],
      ['ZADD', 'k', '1', 'a', '2.5', 'b', 'inf', 'c', '-3', 'd'],
      ['ZADD', 'k', ...Array.from({ length: 200 }, (_, i) => [String(i * 1.5), `m${i}`]).flat()],
      ['SET', 'k', Array.from({ length: 300000 }, (_, i) => String.fromCharCode((i * 7919) % 251)).join('')],
      ['RPUSH', 'k', ...Array.from({ length: 30000 }, (_, i) => (i % 3 ? `v${i}` : String(i * 1000)))],
      ['SET', 'k', 'with ttl'],
    ];
    const cmds: Cmd[] = [];
    values.forEach((v, db) => {
      cmds.push(['SELECT', String(db)], v);
      if (db === values.length - 1) cmds.push(['PEXPIREAT', 'k', String(FAR)]);
    });
    await run(ref.c, cmds);
    await run(c, cmds);
    await ref.c.call('SAVE');
    const theirs = fs.readFileSync(path.join(dir, 'dump.rdb'));
    const ours = k.saveRdb();
    const body = (b: Buffer) => b.subarray(b.indexOf('aof-base') + 'aof-base'.length + 2, b.length - 8);
    expect(body(ours).toString('hex')).toBe(body(theirs).toString('hex'));
    expect(ours.subarray(0, 9).equals(theirs.subarray(0, 9))).toBe(true);
  });

  it('LFU / LRU policies: FREQ and IDLE opcodes as redis-server writes them, and loaded back', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'lfu-'));
    const ref = await redis(['--dir', dir, '--maxmemory-policy', 'allkeys-lfu']);
    const { k, c } = await kit();
    const cmds: Cmd[] = [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['SET', 'a', '1'], ['SELECT', '1'], ['RPUSH', 'b', 'x']];
    await run(ref.c, cmds.slice(1));
    await run(c, cmds);
    await ref.c.call('SAVE');
    const theirs = fs.readFileSync(path.join(dir, 'dump.rdb'));
    const ours = k.saveRdb();
    const body = (b: Buffer) => b.subarray(b.indexOf('aof-base') + 'aof-base'.length + 2, b.length - 8);
    expect(body(ours).toString('hex')).toBe(body(theirs).toString('hex'));
    expect(body(ours).includes(Buffer.from([0xf9, 5]))).toBe(true);
    // LRU: idle seconds travel (RedKit's virtual clock → file → redis-server).
    const { k: k2, c: c2 } = await kit();
    await run(c2, [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['SET', 'old', 'v']]);
    k2.clock.advance(500_000);
    await run(c2, [['SET', 'new', 'v']]);
    const file = path.join(tmp, 'lru.rdb');
    k2.saveRdb(file);
    const loaded = (await redis(['--dir', tmp, '--dbfilename', 'lru.rdb', '--maxmemory-policy', 'allkeys-lru'])).c;
    for (let i = 0; i < 500 && (await loaded.call('PING')) !== '+PONG\r\n'; i++) await new Promise((r) => setTimeout(r, 10));
    const idle = Number((await loaded.call('OBJECT', 'IDLETIME', 'old')).slice(1, -2));
    expect(idle).toBeGreaterThanOrEqual(500);
    expect(idle).toBeLessThan(510);
    expect(Number((await loaded.call('OBJECT', 'IDLETIME', 'new')).slice(1, -2))).toBeLessThan(10);
    // and back into RedKit
    const { k: k3, c: c3 } = await kit();
    await run(c3, [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']]);
    k3.loadRdb(file);
    expect(Number((await c3.call('OBJECT', 'IDLETIME', 'old')).slice(1, -2))).toBeGreaterThanOrEqual(500);
  });

  it('SAVE writes dir/dbfilename; LASTSAVE moves and redis-server loads the file', async () => {
    const { k, c } = await kit();
    const dir = fs.mkdtempSync(path.join(tmp, 'save-'));
    await run(c, [
      ['CONFIG', 'SET', 'dir', dir],
      ['CONFIG', 'SET', 'dbfilename', 'mine.rdb'],
      ['SET', 'a', '1'],
      ['RPUSH', 'l', 'x', 'y', 'z'],
      ['HSET', 'h', 'f', 'v'],
    ]);
    k.clock.advance(5000);
    expect(await c.call('SAVE')).toBe('+OK\r\n');
    expect(await c.call('LASTSAVE')).toBe(`:${Math.floor(k.clock.now() / 1000)}\r\n`);
    // No temp file left behind.
    expect(fs.readdirSync(dir)).toEqual(['mine.rdb']);
    const loaded = await redisOn(path.join(dir, 'mine.rdb'));
    expect(await describeKeyspace(loaded, [0])).toEqual(await describeKeyspace(c, [0]));
  });

  it('save points: a BGSAVE once enough changes are older than the seconds (on the fixture clock)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'points-'));
    const k = await startRedKit({ record: false, clock: 'frozen', config: { dir, save: '100 2', 'enable-protected-configs': 'yes' } });
    kits.push(k);
    const c = await RawClient.connect(k.port);
    clients.push(c);
    await run(c, [['SET', 'a', '1'], ['SET', 'b', '2']]);
    // The dirty counter is bumped by the write commands (store.dirty); set here so this test does not depend on them.
    const store = k.server.store as unknown as { dirty: number };
    store.dirty = 1;
    k.clock.advance(200_000);
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(false); // too few changes
    store.dirty = 2;
    k.clock.advance(50_000);
    expect(await c.call('INFO', 'persistence')).toMatch(/rdb_bgsave_in_progress:1|rdb_saves:1/);
    for (let i = 0; i < 500 && !(await c.call('INFO', 'persistence')).includes('rdb_bgsave_in_progress:0'); i++) await new Promise((r) => setTimeout(r, 10));
    const info = await c.call('INFO', 'persistence');
    expect(info).toContain('rdb_saves:1\r\n');
    expect(info).toContain('rdb_changes_since_last_save:0\r\n');
    expect(info).toContain(`rdb_last_save_time:${Math.floor(k.clock.now() / 1000)}\r\n`);
    const { k: k2 } = await kit();
    k2.loadRdb(path.join(dir, 'dump.rdb'));
    expect(k2.db(0).keys().sort()).toEqual(['a', 'b']);
    // CONFIG SET save "" turns them off.
    await run(c, [['CONFIG', 'SET', 'save', '']]);
    store.dirty = 10;
    k.clock.advance(500_000);
    expect((await c.call('INFO', 'persistence'))).toContain('rdb_saves:1\r\n');
  });

  it('hash fields past their TTL (HPEXPIRE, RedKit 7.4 feature) are not saved', async () => {
    const { k, c } = await kit();
    await run(c, [['HSET', 'h', 'a', '1', 'b', '2'], ['HPEXPIRE', 'h', '1000', 'FIELDS', '1', 'a'], ['HSET', 'gone', 'x', '1'], ['HPEXPIRE', 'gone', '1000', 'FIELDS', '1', 'x']]);
    k.clock.advance(2000);
    const { k: k2, c: c2 } = await kit();
    k2.loadRdb(k.saveRdb());
    expect(await c2.call('HGETALL', 'h')).toBe('*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(await c2.call('EXISTS', 'gone')).toBe(':0\r\n');
  });

  it('rdbcompression no and rdbchecksum no are honoured (redis-server loads both)', async () => {
    const { k, c } = await kit();
    await run(c, [['SET', 'long', 'a'.repeat(500)], ['RPUSH', 'l', ...Array.from({ length: 50 }, () => 'b'.repeat(30))]]);
    const compressed = k.saveRdb();
    await run(c, [['CONFIG', 'SET', 'rdbcompression', 'no']]);
    k.server.config.setRaw('rdbchecksum', 'no');
    const file = path.join(tmp, 'plain.rdb');
    const plain = k.saveRdb(file);
    expect(plain.length).toBeGreaterThan(compressed.length);
    expect(plain.subarray(plain.length - 8).equals(Buffer.alloc(8))).toBe(true);
    const loaded = await redisOn(file);
    expect(await describeKeyspace(loaded, [0])).toEqual(await describeKeyspace(c, [0]));
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('redis-server writes, RedKit loads', () => {
  it('the same generated keyspace: every key, value, encoding and deadline equal', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'redis-'));
    const ref = await redis(['--dir', dir, '--dbfilename', 'r.rdb']);
    await run(ref.c, generate(21, 2));
    expect(await ref.c.call('SAVE')).toBe('+OK\r\n');
    const { k, c } = await kit();
    const res = k.loadRdb(path.join(dir, 'r.rdb'));
    expect(res.aux.get('redis-ver')).toBe('7.0.15');
    expect(res.keysLoaded).toBeGreaterThan(100);
    expect(await describeKeyspace(c, DBS)).toEqual(await describeKeyspace(ref.c, DBS));
    // And back: RedKit's file of what it loaded gives redis-server the same digest.
    const file = path.join(tmp, 'back.rdb');
    k.saveRdb(file);
    const again = await redisOn(file);
    expect(await again.call('DEBUG', 'DIGEST')).toBe(await ref.c.call('DEBUG', 'DIGEST'));
  });

  it('startRedKit({ seed: dump.rdb }) starts with the file loaded; keys past their deadline are skipped', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'seed-'));
    const ref = await redis(['--dir', dir]);
    await run(ref.c, [['SET', 'a', 'b'], ['SADD', 's', '1', '2', '3'], ['SET', 'soon', 'x'], ['PEXPIREAT', 'soon', String(Date.now() + 60000)], ['SET', 'later', 'y'], ['PEXPIREAT', 'later', String(FAR)]]);
    await ref.c.call('SAVE');
    const k = await startRedKit({ seed: path.join(dir, 'dump.rdb'), clock: 'frozen', record: false });
    kits.push(k);
    expect(k.db(0).keys().sort()).toEqual(['a', 'later', 's', 'soon']);
    expect(await k.db(0).get('a')).toBe('b');
    // A redkit whose clock is past 'soon' does not load it.
    const k2 = await startRedKit({ record: false, clock: 'frozen' });
    kits.push(k2);
    k2.clock.advance(120000);
    const res = k2.loadRdb(path.join(dir, 'dump.rdb'));
    expect(res.keysExpired).toBe(1);
    expect(k2.db(0).keys().sort()).toEqual(['a', 'later', 's']);
    const c = await RawClient.connect(k2.port);
    clients.push(c);
    expect(await c.call('PEXPIRETIME', 'later')).toBe(`:${FAR}\r\n`);
    expect(await c.call('INFO', 'persistence')).toContain('rdb_last_load_keys_expired:1\r\nrdb_last_load_keys_loaded:3\r\n');
  });

  it('a stream: loaded with its groups once RedKit has streams, else refused naming the key (nothing kept)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'stream-'));
    const ref = await redis(['--dir', dir]);
    await run(ref.c, [['SET', 'plain', 'v'], ['XADD', 'mystream', '1-1', 'f', 'v'], ['XADD', 'mystream', '2-1', 'g', 'w'], ['XGROUP', 'CREATE', 'mystream', 'grp', '0'], ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', 'mystream', '>']]);
    await ref.c.call('SAVE');
    const { k, c } = await kit();
    await k.db(0).set('before', 'x');
    let loaded = true;
    try {
      k.loadRdb(path.join(dir, 'dump.rdb'));
    } catch (e) {
      loaded = false;
      expect(e).toBeInstanceOf(RdbLoadError);
      expect((e as RdbLoadError).key).toBe('mystream');
      expect((e as Error).message).toMatch(/stream.*"mystream"/);
      expect(k.db(0).keys()).toEqual(['before']);
    }
    if (loaded) {
      for (const cmd of [['XLEN', 'mystream'], ['XRANGE', 'mystream', '-', '+'], ['XINFO', 'GROUPS', 'mystream'], ['XPENDING', 'mystream', 'grp']] as Cmd[]) {
        expect(await c.call(...cmd), cmd.join(' ')).toBe(await ref.c.call(...cmd));
      }
      const file = path.join(dir, 'back.rdb');
      k.saveRdb(file);
      const back = await redisOn(file);
      expect(await back.call('DEBUG', 'DIGEST')).toBe(await ref.c.call('DEBUG', 'DIGEST'));
    }
  });

  it('functions (RDB_OPCODE_FUNCTION2) survive RedKit: redis → RedKit → redis', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fn-'));
    const ref = await redis(['--dir', dir]);
    const code = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 42 end)";
    expect(await ref.c.call('FUNCTION', 'LOAD', code)).toBe('$5\r\nmylib\r\n');
    await ref.c.call('SET', 'k', 'v');
    await ref.c.call('SAVE');
    const { k } = await kit();
    const res = k.loadRdb(path.join(dir, 'dump.rdb'));
    expect(res.functions).toEqual([code]);
    const file = path.join(tmp, 'fn-back.rdb');
    k.saveRdb(file);
    const back = await redisOn(file);
    expect(await back.call('FCALL', 'myfunc', '0')).toBe(':42\r\n');
    expect(await back.call('GET', 'k')).toBe('$1\r\nv\r\n');
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('older RDB versions', () => {
  const far = 2114380800; // 2037-01-01: EXPIRETIME holds int32 seconds
  /** Keys in old encodings, as Redis 2.x-6.x wrote them. */
  const oldBody = (version: number): Buffer[] => {
    const parts: Buffer[] = [];
    if (version >= 7) parts.push(Buffer.concat([Buffer.from([OP.AUX]), rdbStr('redis-ver'), rdbStr('5.0.7')]));
    parts.push(Buffer.from([OP.SELECTDB, 0]));
    parts.push(kv(0, 'str', rdbStr('hello')));
    parts.push(kv(0, 'int', rdbInt(-12345)));
    parts.push(expireSec(far), kv(0, 'ttl-sec', rdbStr('old expire')));
    parts.push(kv(1, 'plainlist', Buffer.concat([rdbLen(3), rdbStr('a'), rdbInt(7), rdbStr('c')])));
    parts.push(kv(2, 'plainset', Buffer.concat([rdbLen(2), rdbStr('x'), rdbStr('y')])));
    parts.push(kv(3, 'textzset', Buffer.concat([rdbLen(4), rdbStr('a'), textScore('1.5'), rdbStr('b'), textScore(Infinity), rdbStr('c'), textScore(-Infinity), rdbStr('d'), textScore('-3')])));
    parts.push(kv(4, 'plainhash', Buffer.concat([rdbLen(2), rdbStr('f1'), rdbStr('v1'), rdbStr('f2'), rdbInt(300)])));
    parts.push(kv(9, 'zipmap', rdbStr(zipmap([['name', 'ada'], ['lang', 'c'], ['n', '42']], 2))));
    parts.push(kv(10, 'ziplist-list', rdbStr(ziplist(['x', 5, -100, 20000, 5000000, 3000000000, 'y'.repeat(70)]))));
    parts.push(kv(11, 'intset16', rdbStr(intset(2, [-5, 1, 300]))));
    parts.push(kv(11, 'intset64', rdbStr(intset(8, [1n, 2n, 9007199254740993n]))));
    parts.push(kv(12, 'ziplist-zset', rdbStr(ziplist(['m1', 1, 'm2', '2.5', 'm3', 1000000]))));
    parts.push(kv(13, 'ziplist-hash', rdbStr(ziplist(['f', 'v', 'g', 12, 'h', 'x'.repeat(20)]))));
    if (version >= 7) {
      // quicklist v1: nodes are ziplists
      parts.push(expireMs(FAR + 123), kv(14, 'quicklist', Buffer.concat([rdbLen(2), rdbStr(ziplist(['a', 'b', 1])), rdbStr(ziplist([2, 'c']))])));
    }
    parts.push(Buffer.from([OP.SELECTDB, 2]), kv(0, 'in-db2', rdbStr('two')));
    return parts;
  };

  for (const version of [1, 3, 6, 7, 9]) {
    it(`RDB version ${version}: RedKit loads what redis-server loads`, async () => {
      const file = path.join(tmp, `old-v${version}.rdb`);
      fs.writeFileSync(file, rdbFile(version, oldBody(version)));
      const ref = await redisOn(file);
      const { k, c } = await kit();
      k.loadRdb(file);
      const want = await describeKeyspace(ref, [0, 2]);
      expect(Object.keys(want).length).toBeGreaterThan(10);
      expect(await describeKeyspace(c, [0, 2])).toEqual(want);
    });
  }
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('empty values', () => {
  const emptyLp = Buffer.from([7, 0, 0, 0, 0, 0, 0xff]);
  it('keys whose value has no elements are skipped, as redis-server skips them', async () => {
    const body = [
      Buffer.from([OP.SELECTDB, 0]),
      kv(1, 'list0', rdbLen(0)),
      kv(2, 'set0', rdbLen(0)),
      kv(3, 'zset0', rdbLen(0)),
      kv(4, 'hash0', rdbLen(0)),
      kv(10, 'zl-list', rdbStr(ziplist([]))),
      kv(12, 'zl-zset', rdbStr(ziplist([]))),
      kv(13, 'zl-hash', rdbStr(ziplist([]))),
      kv(14, 'ql1', rdbLen(0)),
      kv(16, 'lp-hash', rdbStr(emptyLp)),
      kv(17, 'lp-zset', rdbStr(emptyLp)),
      kv(18, 'ql2', rdbLen(0)),
      expireMs(FAR), kv(18, 'ql2-empty-node', Buffer.concat([rdbLen(1), rdbLen(2), rdbStr(emptyLp)])),
      kv(0, 'other', rdbStr('v')),
    ];
    const file = path.join(tmp, 'empty.rdb');
    fs.writeFileSync(file, rdbFile(9, body));
    const ref = await redisOn(file);
    const { k, c } = await kit();
    const res = k.loadRdb(file);
    expect(res.emptyKeysSkipped).toBe(12);
    expect(res.keysLoaded).toBe(1);
    expect(await describeKeyspace(c, [0])).toEqual(await describeKeyspace(ref, [0]));
  });

  it('an empty intset or zipmap is corrupt (redis-server refuses the file too)', async () => {
    const { k } = await kit();
    expect(() => k.loadRdb(rdbFile(9, [Buffer.from([OP.SELECTDB, 0]), kv(11, 'is', rdbStr(intset(2, [])))]))).toThrow(/key "is"/);
    expect(() => k.loadRdb(rdbFile(9, [Buffer.from([OP.SELECTDB, 0]), kv(9, 'zm', rdbStr(Buffer.from([0, 0xff])))]))).toThrow(/key "zm"/);
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('BGSAVE', () => {
  it('writes the keyspace as it was when it answered, whatever runs meanwhile', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'bg-'));
    const { k, c } = await kit();
    await run(c, [['CONFIG', 'SET', 'dir', dir]]);
    // Large enough to take several event-loop turns.
    const cmds: Cmd[] = [];
    for (let i = 0; i < 1500; i++) {
      cmds.push(['RPUSH', `list:${i}`, ...Array.from({ length: 20 }, (_, j) => `item-${i}-${j}`)]);
      cmds.push(['HSET', `hash:${i}`, 'a', String(i), 'b', 'x'.repeat(i % 50)]);
      cmds.push(['SET', `str:${i}`, `value-${i}`]);
      if (i % 10 === 0) {
        cmds.push(['SADD', `set:${i}`, ...Array.from({ length: i % 20 === 0 ? 5 : 600 }, (_, j) => String(j * 3))]);
        cmds.push(['ZADD', `zset:${i}`, ...Array.from({ length: i % 20 === 0 ? 5 : 200 }, (_, j) => [String(j / 4), `m${j}`]).flat()]);
      }
    }
    await run(c, cmds);
    const before = k.saveRdb();
    const expected = await describeKeyspace(c, [0, 1]);
    // BGSAVE and, in the same batch (one write), writes to keys it has not reached yet.
    const batch: Cmd[] = [
      ['BGSAVE'],
      ['RPUSH', 'list:1499', 'late'],
      ['HSET', 'hash:1498', 'c', 'late'],
      ['LPOP', 'list:1497'],
      ['DEL', 'str:1499'],
      ['SET', 'new', 'late'],
      ['RENAME', 'list:1496', 'renamed'],
      ['RPUSH', 'renamed', 'late'],
      ['MULTI'],
      ['HSET', 'hash:1495', 'in-multi', 'late'],
      ['EXEC'],
      ['SADD', 'set:1490', 'late'],
      ['SREM', 'set:1480', '0', '3'],
      ['SPOP', 'set:1470'],
      ['ZADD', 'zset:1490', '99', 'late'],
      ['ZINCRBY', 'zset:1480', '5', 'm1'],
      ['ZREM', 'zset:1470', 'm0'],
      ['LSET', 'list:1494', '0', 'late'],
      ['LREM', 'list:1493', '0', 'item-1493-3'],
      ['HDEL', 'hash:1492', 'a'],
      ['HINCRBY', 'hash:1491', 'a', '7'],
      ['APPEND', 'str:1490', 'late'],
      ['COPY', 'list:1489', 'copied'],
      ['RPUSH', 'copied', 'late'],
      ['MOVE', 'list:1488', '1'],
      ['SELECT', '1'],
      ['RPUSH', 'list:1488', 'late'],
      ['SELECT', '0'],
      ['SORT', 'set:1460', 'STORE', 'list:1487'],
      ['FLUSHDB'],
      ['SET', 'after-flush', 'x'],
      ['INFO', 'persistence'],
      ['BGSAVE'],
      ['SAVE'],
    ];
    c.write(Buffer.concat(batch.map((cmd) => encodeCommand(cmd))));
    expect(await c.read()).toBe('+Background saving started\r\n');
    for (let i = 0; i < batch.length - 4; i++) {
      const rep = await c.read();
      expect(rep.startsWith('-'), `${batch[i + 1].join(' ')}: ${rep}`).toBe(false);
    }
    const info = await c.read();
    expect(info).toContain('rdb_bgsave_in_progress:1');
    expect(await c.read()).toBe('-ERR Background save already in progress\r\n');
    expect(await c.read()).toBe('-ERR Background save already in progress\r\n');
    for (let i = 0; i < 500; i++) {
      if ((await c.call('INFO', 'persistence')).includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const file = path.join(dir, 'dump.rdb');
    const written = fs.readFileSync(file);
    // Same contents as a synchronous save before the writes (ctime/used-mem aside).
    const loaded = await redisOn(file);
    expect(await describeKeyspace(loaded, [0, 1])).toEqual(expected);
    expect(written.length).toBeGreaterThan(before.length / 2);
    const info2 = await c.call('INFO', 'persistence');
    expect(info2).toContain('rdb_last_bgsave_status:ok');
    expect(info2).toContain('rdb_saves:1');
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
  });
});

describe('BGSAVE and the in-process keyspace API', () => {
  it('writes through redkit.db() right after BGSAVE do not reach the file', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'bgapi-'));
    const { k, c } = await kit();
    await run(c, [['CONFIG', 'SET', 'dir', dir], ['RPUSH', 'l', 'a', 'b'], ['HSET', 'h', 'f', 'v'], ['SADD', 's', '1', '2'], ['ZADD', 'z', '1', 'm']]);
    const before = await describeKeyspace(c, [0]);
    const db = k.db(0);
    // BGSAVE takes its snapshot now and writes on later turns; these writes run before any of it.
    expect(db.command('BGSAVE')).toBe('Background saving started');
    db.rpush('l', 'late');
    db.hset('h', 'g', 'late');
    db.command('SADD', 's', '3');
    db.command('ZADD', 'z', '2', 'n');
    for (let i = 0; i < 500 && !(await c.call('INFO', 'persistence')).includes('rdb_bgsave_in_progress:0'); i++) await new Promise((r) => setTimeout(r, 10));
    const { k: k2, c: c2 } = await kit();
    k2.loadRdb(path.join(dir, 'dump.rdb'));
    expect(await describeKeyspace(c2, [0])).toEqual(before);
  });
});

describe('refused files', () => {
  const good = () =>
    rdbFile(10, [Buffer.from([OP.SELECTDB, 0]), kv(0, 'keep', rdbStr('me')), kv(18, 'mylist', Buffer.concat([rdbLen(1), rdbLen(2), rdbStr(Buffer.from([10, 0, 0, 0, 1, 0, 0x81, 0x61, 2, 0xff]))]))]);

  it('the good file loads (the fixture for the broken ones)', async () => {
    const { k } = await kit();
    k.loadRdb(good());
    expect(await k.db(0).get('keep')).toBe('me');
  });

  it('a corrupt value names the key and offset; the keyspace is left as it was', async () => {
    const { k } = await kit();
    await k.db(0).set('existing', 'stays');
    const b = good();
    // break the listpack's end byte, then fix the checksum so the value itself is what fails
    const at = b.indexOf(Buffer.from([0x61, 2, 0xff])) + 2;
    b[at] = 0xfe;
    const body = b.subarray(0, b.length - 8);
    const { Crc64 } = await import('../../src/store/crc64.js');
    new Crc64().update(body).writeLE(b, b.length - 8);
    let err: unknown;
    try {
      k.loadRdb(b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RdbLoadError);
    expect((err as RdbLoadError).key).toBe('mylist');
    expect((err as Error).message).toMatch(/"mylist".*offset \d+/);
    expect(k.db(0).keys()).toEqual(['existing']);
  });

  it('a wrong checksum, a truncated file, a module value, an unknown version are refused', async () => {
    const { k } = await kit();
    await k.db(0).set('existing', 'stays');
    const bad = good();
    bad[bad.length - 1] ^= 1;
    expect(() => k.loadRdb(bad)).toThrow(/Wrong RDB checksum/);
    expect(() => k.loadRdb(good().subarray(0, 30))).toThrow(/truncated .* for key "mylist" \(DB 0\) at offset 28/);
    expect(() => k.loadRdb(good().subarray(0, 13))).toThrow(/Short read.*offset 11\b/);
    const mod = rdbFile(10, [Buffer.from([OP.SELECTDB, 0]), kv(7, 'modkey', Buffer.from([0x81, 1, 2, 3, 4, 5, 6, 7, 8]))]);
    expect(() => k.loadRdb(mod)).toThrow(/module value for key "modkey"/);
    const modAux = rdbFile(10, [Buffer.from([OP.MODULE_AUX, 1, 2, 3])]);
    expect(() => k.loadRdb(modAux)).toThrow(/module AUX/);
    const v11 = Buffer.from(good());
    v11.write('0011', 5, 'latin1');
    expect(() => k.loadRdb(v11)).toThrow(/Can't handle RDB format version 0011/);
    expect(() => k.loadRdb(bin('not an rdb file at all'))).toThrow(/Wrong signature/);
    const dup = rdbFile(10, [Buffer.from([OP.SELECTDB, 0]), kv(0, 'a', rdbStr('1')), kv(0, 'a', rdbStr('2'))]);
    expect(() => k.loadRdb(dup)).toThrow(/duplicated key "a"/);
    const db99 = rdbFile(10, [Buffer.from([OP.SELECTDB, 0x40 | 0, 99]), kv(0, 'a', rdbStr('1'))]);
    expect(() => k.loadRdb(db99)).toThrow(/more than 16 databases/);
    expect(k.db(0).keys()).toEqual(['existing']);
    expect(await k.db(0).get('existing')).toBe('stays');
  });
});

describe('the redkit bin', () => {
  it('--seed dump.rdb loads the file; SHUTDOWN SAVE writes dir/dbfilename and exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'cli-'));
    const cli = path.join(dir, 'cli.mjs');
    await build({
      entryPoints: [path.join(__dirname, '../../src/cli.ts')],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const seed = path.join(dir, 'seed.rdb');
    fs.writeFileSync(seed, rdbFile(9, [Buffer.from([OP.SELECTDB, 0]), kv(0, 'greeting', rdbStr('hello')), kv(11, 'nums', rdbStr(intset(2, [1, 2, 3])))]));
    const port = await freePort();
    const child = spawn(process.execPath, [cli, '--port', String(port), '--log-level', 'error', '--seed', seed], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', () => reject(new Error('redkit exited')));
      });
      const c = await RawClient.connect(port);
      expect(await c.call('GET', 'greeting')).toBe('$5\r\nhello\r\n');
      expect(await c.call('SCARD', 'nums')).toBe(':3\r\n');
      expect(await c.call('OBJECT', 'ENCODING', 'nums')).toBe('$6\r\nintset\r\n');
      c.send('SHUTDOWN', 'SAVE');
      expect(await c.readUntilClose(5000)).toBe('');
      c.close();
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The file it wrote at SHUTDOWN holds what it loaded.
    const { k } = await kit();
    k.loadRdb(path.join(dir, 'dump.rdb'));
    expect(await k.db(0).get('greeting')).toBe('hello');
  }, 60_000);
});
