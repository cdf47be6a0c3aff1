/**
 * EVAL runs start in plain mode (LuaState.runPlain) and, when they must be able to pause, start
 * again resumable, the calls with effects of the plain run answered from its log
 * (docs/lua.md, "Plain mode and replay"). A run that leaves plain mode after N writes must leave
 * exactly what the same run leaves without leaving it: replies, keyspace, the replica's keyspace
 * (replication stream), recorder entries, command stats, redis.log lines, math.random and
 * tostring() addresses; faults are not injected twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { engineOf } from '../../src/scripting/engine.js';
import { setObjectIdCounter } from '../../src/lua/index.js';
import { RawClient } from '../support/raw-client.js';

let redkit: RedKit;
let c: RawClient;
beforeAll(async () => {
  redkit = await startRedKit({ replicas: 1 });
  c = await RawClient.connect(redkit.port);
});
afterAll(async () => {
  c?.socket.destroy();
  await redkit?.stop();
});
beforeEach(async () => {
  await redkit.reset();
  await c.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
});

/** What a script run leaves behind, to compare a run that left plain mode with one that did not. */
async function outcome(run: () => Promise<string>): Promise<Record<string, unknown>> {
  const logs: string[] = [];
  const server = redkit.server;
  const lg = server.logger;
  const saved = { info: lg.info, warn: lg.warn, debug: lg.debug };
  lg.info = (m: string) => { logs.push(`info ${m}`); };
  lg.warn = (m: string) => { if (!m.startsWith('Slow script')) logs.push(`warn ${m}`); };
  lg.debug = (m: string) => { logs.push(`debug ${m}`); };
  // the same starting point for what runs carry on from one another (not reset per script, as in Redis)
  await c.call('CONFIG', 'RESETSTAT');
  engineOf(server).rand.restore(0x1234abcd330e);
  setObjectIdCounter(1000);
  let reply: string;
  try {
    reply = await run();
  } finally {
    Object.assign(lg, saved);
  }
  await redkit.synced();
  const keyspace = async (r: RedKit) => {
    const k = await RawClient.connect(r.port);
    const out: string[] = [];
    try {
      for (const db of ['0', '1']) {
        await k.call('SELECT', db);
        const keys = [...(await k.call('KEYS', '*')).matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]!).sort();
        for (const key of keys) out.push(`${db} ${key} ${await k.call('DUMP', key)}`);
      }
    } finally {
      k.socket.destroy();
    }
    return out;
  };
  const evals = redkit.commands.filter((e) => e.name === 'EVAL' || e.name === 'EVALSHA');
  const stats = (await c.call('INFO', 'commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat_') && !/cmdstat_(info|config|eval|replconf|psync)/.test(l))
    .map((l) => l.replace(/usec=[\d.]+,usec_per_call=[\d.]+,/, ''));
  return {
    reply,
    keyspace: await keyspace(redkit),
    replica: await keyspace(redkit.replicas[0]!),
    recorder: evals.map((e) => e.children.map((ch) => `${ch.name} ${ch.args.join(' ')} -> ${JSON.stringify(ch.reply)}${ch.fault ? ` fault ${ch.fault}` : ''}`)),
    stats,
    logs,
  };
}

// Writes, refused calls (counted once), redis.log, setresp 3 replies, SELECT, math.random and table
// addresses before the point where plain mode stops (TRIGGER), more after it.
const SCRIPT = `
local out = {}
local rcall = redis.call
local function note(x) out[#out + 1] = tostring(x) end
for i = 1, 3 do note(rcall('INCR', KEYS[1])) end
note(redis.pcall('HSET', KEYS[1], 'f', 'v').err)
note(redis.pcall('NOSUCHCMD').err)
redis.log(redis.LOG_WARNING, 'before ' .. ARGV[1])
redis.setresp(3)
rcall('HSET', KEYS[2], 'a', '1', 'b', '2')
local h = rcall('HGETALL', KEYS[2])
note(type(h.map))
note(math.random(1000000))
local t1 = {}
note(tostring(t1)) note(tostring(t1) == tostring({}))
rcall('SELECT', 1)
rcall('RPUSH', 'l', 'x', 'y')
TRIGGER
note(rcall('LLEN', 'l'))
rcall('SELECT', 0)
note(rcall('INCR', KEYS[1]))
note(math.random(1000000))
redis.log(redis.LOG_WARNING, 'after')
redis.setresp(2)
note(#rcall('HGETALL', KEYS[2]))
local ok, e = pcall(rcall, 'INCRBY', KEYS[1], 'x')
note(ok) note(type(e))
return out`;

const script = (trigger: string) => SCRIPT.replace('TRIGGER', trigger);

describe('a run that leaves plain mode leaves what a run in plain mode leaves', () => {
  it('plain mode is left after N writes when its slice of real time is over', async () => {
    const s = script('local n = 0 for i = 1, 3e4 do n = n + i % 7 end note(n)');
    const eng = engineOf(redkit.server);
    const before = eng.replays;
    let a: Record<string, unknown>, b: Record<string, unknown>;
    try {
      eng.plainSliceMs = Infinity;
      a = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
      expect(eng.replays).toBe(before);
      await redkit.reset();
      eng.plainSliceMs = 0;
      b = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
    } finally {
      eng.plainSliceMs = 50;
    }
    expect(eng.replays).toBe(before + 1);
    expect(eng.lastAbort).toBe('slice');
    expect(b).toEqual(a);
    expect(a.reply).toMatch(/^\*16\r\n\$1\r\n1\r\n\$1\r\n2\r\n\$1\r\n3\r\n\$/);
  });

  it('a low busy-reply-threshold shortens plain mode', async () => {
    const s = script('local n = 0 for i = 1, 3e6 do n = n + i % 7 end note(n)');
    const eng = engineOf(redkit.server);
    const before = eng.replays;
    await c.call('CONFIG', 'SET', 'busy-reply-threshold', '1');
    const b = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
    expect(eng.replays).toBe(before + 1);
    await redkit.reset();
    await c.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    eng.plainSliceMs = Infinity;
    try {
      expect(await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'))).toEqual(b);
    } finally {
      eng.plainSliceMs = 50;
    }
    expect(eng.replays).toBe(before + 1);
  });

  it('plain mode is left when a command can answer later (a middleware that starts deferring)', async () => {
    const s = script("note(rcall('PING'))");
    const a = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
    await redkit.reset();
    // defers() turns true once 8 commands have gone through: the 9th call of the script needs a pause
    let seen = 0;
    const mw = (_ctx: unknown, _call: unknown, next: () => unknown) => {
      seen++;
      return seen === 12 ? new Promise((res) => setTimeout(res, 2)).then(() => next()) : next();
    };
    (mw as { defers?: () => boolean }).defers = () => seen >= 8;
    const remove = redkit.server.use(mw as never);
    const eng = engineOf(redkit.server);
    const before = eng.replays;
    let b: Record<string, unknown>;
    try {
      b = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
    } finally {
      remove();
    }
    expect(eng.replays).toBe(before + 1);
    expect(eng.lastAbort).toBe('needs a generator: call');
    expect(b).toEqual(a);
  });

  it('plain mode is left on deep recursion (the JS stack), the resumable run keeps 5.1 answers', async () => {
    const deep = "local function r(n) if n == 0 then return 0 end local ok, v = pcall(r, n - 1) if not ok then return v end return v + 1 end note(r(2100))";
    const s = script(deep);
    const eng = engineOf(redkit.server);
    const before = eng.replays;
    const b = await outcome(() => c.call('EVAL', s, '2', 'k', 'h', 'arg'));
    // whether the JS stack runs out in plain mode depends on V8's frames: compare with the resumable run
    await redkit.reset();
    // the reference starts with a coroutine: resumable from the start
    const ref = await outcome(() => c.call('EVAL', s.replace('local out = {}', 'local out = {} local co = coroutine.wrap(function() end) co()'), '2', 'k', 'h', 'arg'));
    const sha = (r: Record<string, unknown>) => ({ ...r, reply: String(r.reply).replace(/[0-9a-f]{40}/, 'SHA') });
    expect(sha(b)).toEqual(sha(ref));
    expect(eng.replays).toBeGreaterThanOrEqual(before + 1);
  });

  it('a fault rule inside the script is injected once', async () => {
    redkit.faults.add({ command: 'INCR', inScript: true, after: 3, times: 1, error: 'ERR injected' });
    const s = "local out = {}\nfor i = 1, 5 do local r = redis.pcall('INCR', KEYS[1]) out[i] = type(r) == 'table' and r.err or r end\nreturn out";
    expect(await c.call('EVAL', s, '1', 'k')).toBe('*5\r\n:1\r\n:2\r\n:3\r\n$12\r\nERR injected\r\n:4\r\n');
    expect(await c.call('GET', 'k')).toBe('$1\r\n4\r\n');
  });

  it('a run killed by SCRIPT KILL while replaying answers as before', async () => {
    await c.call('CONFIG', 'SET', 'busy-reply-threshold', '20');
    const other = await RawClient.connect(redkit.port);
    try {
      const p = c.call('EVAL', 'local x = redis.call("GET", "nokey")\nwhile true do end', '0');
      let r = '';
      for (let i = 0; i < 200 && !r.startsWith('+OK'); i++) r = await other.call('SCRIPT', 'KILL');
      expect(r).toBe('+OK\r\n');
      expect(await p).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:2\.\r\n$/);
      expect(await other.call('PING')).toBe('+PONG\r\n');
    } finally {
      other.socket.destroy();
    }
  });
});
