/**
 * INFO stats against redis-server 7.0.15: total_commands_processed (what
 * counts as a processed command), and keyspace_hits / keyspace_misses and the
 * `keymiss` event: which commands look keys up as reads (lookupKeyRead:
 * readonly commands, the *STORE sources, GETDEL/GETEX/GETSET/COPY, SET ...
 * GET, a BITFIELD of GETs, every key of PFMERGE) and which as writes (no
 * hit or miss). Each case starts from the same keyspace and a CONFIG
 * RESETSTAT, runs one command on both servers and compares the counters
 * (SCAN covers the whole keyspace: how many keys a partial SCAN examines is
 * Redis's hash table layout).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedKit } from '../../src/index.js';
import { decode, expectSameEvents, RawClient, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());

const SETUP: Cmd[] = [
  ['SET', 's', '10'],
  ['SET', 's2', 'abc'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['SADD', 'st', 'a', 'b'],
  ['SADD', 'st2', 'b', 'c'],
  ['HSET', 'h', 'f', '1', 'g', '2'],
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['ZADD', 'z2', '1', 'b'],
  ['PFADD', 'hll', 'a'],
  ['GEOADD', 'g', '13.36', '38.11', 'p1', '15.08', '37.50', 'p2'],
  ['SET', 'w_a', '1'],
  ['SET', 'bm', '\x0f'],
];

/** One command per case (`nx` is a missing key); grouped by type for the report. */
const CASES: Record<string, string[]> = {
  strings: [
    'GET s', 'GET nx', 'MGET s nx s2', 'SET s 1', 'SET nx 1 GET', 'SET s 2 GET', 'SET s 2 NX', 'SET s 1 NX GET', 'SET nx 1 XX GET',
    'SETNX s 1', 'GETDEL s', 'GETDEL nx', 'GETEX s EX 10', 'GETEX nx', 'GETSET s 5', 'GETSET nx 5', 'APPEND s x', 'STRLEN s',
    'STRLEN nx', 'GETRANGE s 0 1', 'SUBSTR s 0 1', 'SETRANGE s 1 x', 'INCR s', 'INCRBYFLOAT s 1.5', 'DECR nx', 'LCS s s2',
    'LCS nx s', 'MSETNX a 1 b 2', 'MSET a 1', 'PSETEX s 1000 v', 'GET l',
  ],
  keys: [
    'EXISTS s nx s', 'TYPE s', 'TYPE nx', 'TTL s', 'PTTL nx', 'EXPIRETIME s', 'PEXPIRETIME nx', 'EXPIRE s 10', 'PERSIST s',
    'DEL s nx', 'UNLINK s', 'TOUCH s nx', 'KEYS *', 'SCAN 0', 'SCAN 0 TYPE string COUNT 100', 'RANDOMKEY', 'DBSIZE', 'RENAME s s9',
    'RENAME nx s', 'RENAMENX s s2', 'COPY s s9', 'COPY nx s9', 'COPY s s2', 'COPY s s2 REPLACE', 'COPY s s2 DB 1', 'MOVE s 1',
    'DUMP s', 'DUMP nx', 'OBJECT ENCODING s', 'OBJECT ENCODING nx', 'OBJECT FREQ s', 'OBJECT IDLETIME s', 'OBJECT REFCOUNT nx',
    'SORT l ALPHA', 'SORT l BY w_* ALPHA GET w_*', 'SORT l BY nosort', 'SORT_RO l ALPHA', 'SORT l ALPHA STORE dst', 'SORT nx',
    'RESTORE nx 0 x', 'PEXPIRE s 1000',
  ],
  lists: [
    'LPUSH l x', 'LPUSHX nx x', 'RPOP nx', 'LLEN l', 'LLEN nx', 'LLEN s', 'LRANGE l 0 -1', 'LINDEX l 0', 'LSET l 0 x',
    'LINSERT l BEFORE a z', 'LREM l 0 a', 'LTRIM l 0 1', 'LPOS l b', 'LPOS nx a', 'LMOVE l l2 LEFT RIGHT', 'RPOPLPUSH nx l2',
    'LMPOP 2 nx l LEFT', 'LPOP l 2',
  ],
  sets: [
    'SADD st x', 'SREM st a', 'SCARD nx', 'SISMEMBER st a', 'SMISMEMBER st a b', 'SMEMBERS st', 'SMEMBERS h', 'SRANDMEMBER nx',
    'SPOP st', 'SMOVE st st2 a', 'SINTER st st2 nx', 'SINTERSTORE d st st2', 'SUNION st nx', 'SUNIONSTORE d st nx',
    'SDIFFSTORE d st st2', 'SINTERCARD 2 nx st', 'SSCAN st 0',
  ],
  hashes: [
    'HSET h f 2', 'HGET h f', 'HGET nx f', 'HGET s f', 'HMGET h f g', 'HGETALL h', 'HDEL h f', 'HEXISTS nx f', 'HLEN h',
    'HINCRBY h f 1', 'HSETNX h f 1', 'HSTRLEN h f', 'HRANDFIELD h', 'HSCAN h 0',
  ],
  zsets: [
    'ZADD z 3 c', 'ZINCRBY z 1 a', 'ZSCORE z a', 'ZSCORE nx a', 'ZSCORE l a', 'ZMSCORE z a b', 'ZCARD z', 'ZCOUNT z 0 10',
    'ZRANK z a', 'ZRANGE z 0 -1 WITHSCORES', 'ZRANGEBYSCORE z 0 10', 'ZRANGEBYLEX z - +', 'ZRANGESTORE d z 0 -1', 'ZREM z a',
    'ZREMRANGEBYSCORE z 0 1', 'ZPOPMIN z', 'ZMPOP 1 z MIN', 'ZRANDMEMBER nx', 'ZSCAN z 0', 'ZUNION 2 z z2',
    'ZUNIONSTORE d 2 z z2', 'ZINTERSTORE d 2 z nx', 'ZDIFF 2 z z2', 'ZINTERCARD 2 z z2',
  ],
  'bitmaps, HyperLogLog, geo': [
    'SETBIT bm 3 1', 'GETBIT bm 1', 'GETBIT nx 1', 'BITCOUNT nx', 'BITPOS bm 1', 'BITOP AND d bm s nx', 'BITFIELD bm GET u4 0',
    'BITFIELD bm INCRBY u4 0 1', 'BITFIELD bm GET u4 0 SET u4 0 1', 'BITFIELD_RO bm GET u4 0', 'BITFIELD nx GET u4 0',
    'PFADD hll b', 'PFCOUNT hll nx', 'PFMERGE d hll nx', 'PFMERGE hll nx', 'GEODIST g p1 p2', 'GEOPOS nx p1',
    'GEORADIUS g 15 37 200 km STORE d', 'GEORADIUSBYMEMBER g p1 200 km', 'GEOSEARCH g FROMMEMBER p1 BYRADIUS 200 km',
    'GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km', 'GEORADIUS_RO g 15 37 200 km',
  ],
};

/** keyspace_hits and keyspace_misses after `cmd` on a fresh copy of SETUP. */
async function counters(port: number, cmd: Cmd): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    await c.call('FLUSHALL');
    for (const s of SETUP) await c.call(...s);
    await c.call('CONFIG', 'RESETSTAT');
    await c.call(...cmd);
    const info = decode(await c.call('INFO', 'stats')) as string;
    return ['keyspace_hits', 'keyspace_misses'].map((k) => info.match(new RegExp(`${k}:\\d+`))?.[0]).join(' ');
  } finally {
    c.close();
  }
}

describe('keyspace_hits / keyspace_misses', () => {
  for (const [group, cases] of Object.entries(CASES)) {
    it(group, async () => {
      for (const line of cases) {
        const cmd = line.split(' ');
        const [r, k] = await Promise.all([counters(pair.redis.port, cmd), counters(pair.redkit.port, cmd)]);
        expect(k, line).toBe(r);
      }
    });
  }

  it('commands inside MULTI/EXEC count as they run, the EXEC itself does not', async () => {
    const { r, k } = await pair.clients(2);
    const run = async (c: typeof r) => {
      for (const s of [['FLUSHALL'], ['SET', 'a', '1'], ['CONFIG', 'RESETSTAT'], ['MULTI'], ['GET', 'a'], ['GET', 'nx'], ['EXISTS', 'a', 'nx'], ['EXEC']] as Cmd[]) await c.call(...s);
      return (decode(await c.call('INFO', 'stats')) as string).match(/keyspace_(hits|misses):\d+/g);
    };
    expect(await run(k)).toEqual(await run(r));
  });

  it('the in-process keyspace API does not count', async () => {
    const rk = await startRedKit();
    try {
      rk.db().set('a', '1');
      expect(rk.db().get('a')).toBe('1');
      expect(rk.db().get('nx')).toBe(null);
      expect(rk.db().exists('nx')).toBe(false);
      const info = String(rk.db().command('INFO', 'stats'));
      expect(info).toMatch(/keyspace_hits:0\r\n/);
      expect(info).toMatch(/keyspace_misses:0\r\n/);
    } finally {
      await rk.stop();
    }
  });
});

describe('keymiss events (notify-keyspace-events Em)', () => {
  it.each([2, 3] as const)('read misses notify, write lookups and OBJECT do not (RESP%i)', async (proto) => {
    await pair.flush();
    const events = await expectSameEvents(
      pair,
      proto,
      [
        ['SET', 's', '1'],
        ['RPUSH', 'l', 'a', 'b'],
        ['GET', 'nx1'],
        ['MGET', 's', 'nx2'],
        ['EXISTS', 'nx3'],
        ['TYPE', 'nx4'],
        ['TTL', 'nx5'],
        ['OBJECT', 'ENCODING', 'nx6'],
        ['INCR', 'nx7'],
        ['SET', 'nx8', 'v', 'GET'],
        ['SORT', 'l', 'BY', 'w_*', 'GET', 'v_*'],
        ['PFMERGE', 'nx9', 'nx10'],
        ['COPY', 'nx11', 's'],
        ['ZUNIONSTORE', 'd', '1', 'nx12'],
        ['HGET', 'nx13', 'f'],
      ],
      'Em',
    );
    expect(events.join(' ')).toContain('nx1');
  });
});

/** total_commands_processed and total_error_replies after `seq` on a new connection (from a CONFIG RESETSTAT). */
async function commandCounters(port: number, seq: Cmd[]): Promise<string> {
  const admin = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  try {
    await admin.call('CONFIG', 'RESETSTAT');
    for (const s of seq) await c.call(...s);
    const info = decode(await admin.call('INFO', 'stats')) as string;
    return ['total_commands_processed', 'total_error_replies'].map((k) => info.match(new RegExp(`${k}:\\d+`))?.[0]).join(' ');
  } finally {
    c.close();
    admin.close();
  }
}

describe('total_commands_processed', () => {
  // Redis counts a command when call() returns: rejected commands (unknown, arity,
  // pub/sub context, MULTI queueing) are not counted, queued ones count when EXEC
  // runs them, and the INFO being answered is not counted yet.
  const SEQS: Cmd[][] = [
    [['foo']],
    [['get']],
    [['GET', 'a'], ['SET', 'a', '1']],
    [['MULTI'], ['GET', 'a'], ['EXEC']],
    [['MULTI'], ['GET', 'a'], ['DISCARD']],
    [['MULTI'], ['GET'], ['EXEC']],
    [['MULTI'], ['foo'], ['GET', 'a'], ['EXEC']],
    [['MULTI'], ['MULTI'], ['EXEC']],
    [['MULTI'], ['SET', 'a', 'x'], ['LPUSH', 'a', 'y'], ['EXEC']],
    [['MULTI'], ['INFO', 'stats'], ['EXEC']],
    [['WATCH', 'a'], ['SET', 'a', 'x'], ['MULTI'], ['GET', 'a'], ['EXEC']],
    [['EXEC']],
    [['AUTH', 'x']],
    [['SUBSCRIBE', 'c'], ['GET', 'a']],
    [['CLIENT', 'NOSUCH']],
    [['SELECT', '99']],
    [['HELLO', '4']],
    [['INCR', 'a'], ['HGET', 'a', 'b']],
  ];
  it('counts what Redis counts', async () => {
    for (const seq of SEQS) {
      await pair.flush();
      const [r, k] = [await commandCounters(pair.redis.port, seq), await commandCounters(pair.redkit.port, seq)];
      expect(k, JSON.stringify(seq)).toBe(r);
    }
  });
});

describe('INFO commandstats and errorstats', () => {
  it('calls, rejected_calls and failed_calls per (sub)command, errors per code', async () => {
    const seq: Cmd[] = [
      ['foo'], ['get'], ['GET', 'a'], ['SET', 'a', '1'], ['LPUSH', 'a', 'x'], ['MULTI'], ['GET'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['INCR', 'a'], ['EXEC'], ['SUBSCRIBE', 'c'], ['GET', 'a'], ['PING'], ['UNSUBSCRIBE'], ['CLIENT', 'NOSUCH'],
      ['CONFIG', 'GET'], ['CONFIG'], ['HELLO', '4'], ['AUTH', 'x'], ['SELECT', '99'], ['WATCH', 'a'], ['MULTI'], ['WATCH', 'b'],
      ['DISCARD'], ['OBJECT', 'FOO'], ['EXPIRE', 'a', 'x'], ['MULTI'], ['EXEC', 'x'], ['EXEC'],
    ];
    const stats = async (port: number) => {
      const admin = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      try {
        await admin.call('CONFIG', 'RESETSTAT');
        for (const s of seq) await c.call(...s);
        const info = decode(await admin.call('INFO', 'commandstats', 'errorstats')) as string;
        // Times differ; everything else is compared.
        return info
          .split('\r\n')
          .filter((l) => l.includes(':'))
          .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
          .sort();
      } finally {
        c.close();
        admin.close();
      }
    };
    await pair.flush();
    const r = await stats(pair.redis.port);
    const k = await stats(pair.redkit.port);
    expect(r).toContain('cmdstat_get:calls=1,rejected_calls=3,failed_calls=0');
    expect(k).toEqual(r);
  });
});

describe('total_net_input_bytes / total_net_output_bytes', () => {
  // Redis counts the bytes it reads from clients and the bytes it writes to
  // them; the INFO being answered is counted as input, its reply not yet.
  async function netCounters(port: number, run: (c: RawClient) => Promise<void>): Promise<string> {
    const admin = await RawClient.connect(port);
    const c = await RawClient.connect(port);
    try {
      await admin.call('CONFIG', 'RESETSTAT');
      await run(c);
      const info = decode(await admin.call('INFO', 'stats')) as string;
      return ['total_net_input_bytes', 'total_net_output_bytes'].map((k) => info.match(new RegExp(`${k}:\\d+`))?.[0]).join(' ');
    } finally {
      c.close();
      admin.close();
    }
  }

  const RUNS: Record<string, (c: RawClient) => Promise<void>> = {
    'one command at a time': async (c) => {
      await c.call('SET', 'k', 'v'.repeat(300));
      await c.call('GET', 'k');
      await c.call('GET', 'nokey');
      await c.call('NOSUCHCOMMAND', 'a');
      await c.call('INCR', 'k');
    },
    'a pipeline in one write, with a large reply': async (c) => {
      await c.call('SET', 'big', 'x'.repeat(200_000));
      c.write('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n*1\r\n$4\r\nPING\r\nPING inline\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n');
      for (let i = 0; i < 4; i++) await c.read();
    },
  };
  for (const [name, run] of Object.entries(RUNS)) {
    it(name, async () => {
      await pair.flush();
      const redis = await netCounters(pair.redis.port, run);
      const redkit = await netCounters(pair.redkit.port, run);
      expect(redis).toMatch(/total_net_input_bytes:[1-9]\d* total_net_output_bytes:[1-9]/);
      expect(redkit).toBe(redis);
    });
  }
});
