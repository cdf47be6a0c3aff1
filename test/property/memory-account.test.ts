/**
 * Property: INFO memory's incremental account (store/memory-account.ts)
 * always equals a full walk of the keyspace by the memory model
 * (store/memory.ts snapshot()), whatever commands ran in between: writes of
 * every type, in-place changes, deletions, expiry on the clock, RENAME, MOVE,
 * COPY, SWAPDB, FLUSHDB, RESTORE, DEBUG RELOAD and a change of
 * list-max-listpack-size. MEMORY STATS reads the same account, and
 * maxmemory's own accounting (server/eviction.ts, on here: maxmemory is set
 * far above what the test uses) must agree too.
 *
 * Seeds are fixed (reproducible); MEM_SEEDS / MEM_STEPS explore more.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedKit, type RedKit } from '../../src/index.js';
import { evictionOf } from '../../src/server/eviction.js';
import { snapshot } from '../../src/store/memory.js';
import { keyContribution } from '../../src/store/memory-account.js';
import { io, type IO } from '../fixture/helpers.js';
import { rng } from '../support/random.js';

const SEEDS = Number(process.env.MEM_SEEDS ?? 6);
const STEPS = Number(process.env.MEM_STEPS ?? 400);

let redkit: RedKit;
let c: IO;
beforeAll(async () => {
  redkit = await startRedKit({ clock: 'frozen', config: { 'enable-debug-command': 'yes', maxmemory: '4gb' } });
});
afterAll(async () => {
  await redkit?.stop();
});
// A client per test (helpers.io() disconnects it after the test).
beforeEach(async () => {
  c = await io(redkit.url);
});

const field = (n: number) => (n === 0 ? '' : `${n}`);
const fill = () => Number(redkit.server.config.get('list-max-listpack-size') ?? '-2');

/** used_memory by a full walk of the model, as INFO memory computed it before the account. */
function fullWalk(): { used: number; dataset: number } {
  const s = snapshot(redkit.server.store, redkit.server.connections.size, fill());
  return { used: s.used, dataset: s.dataset };
}

async function infoUsed(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec((await c.info('memory')) as string)?.[1]);
}

async function statsDataset(): Promise<number> {
  const flat = (await c.call('MEMORY', 'STATS')) as unknown[];
  return Number(flat[flat.indexOf('dataset.bytes') + 1]);
}

/** One random command over a small keyspace (three databases, keys k0..k9 of every type). */
let last = '';
async function step(rand: () => number): Promise<void> {
  const r = (n: number) => Math.floor(rand() * n);
  const k = `k${r(10)}`;
  const big = (n: number) => 'x'.repeat(n);
  const v = () => (rand() < 0.3 ? String(r(100000) - 50000) : rand() < 0.2 ? big(30 + r(300)) : `v${r(1000)}`);
  const ignore = () => undefined;
  const op = r(48);
  last = `op ${op} on ${k}`;
  switch (op) {
    case 0: await c.set(k, v()).catch(ignore); break;
    case 1: await c.append(k, v()).catch(ignore); break;
    case 2: await c.setrange(k, r(50), v()).catch(ignore); break;
    case 3: await c.incrby(k, r(1000)).catch(ignore); break;
    case 4: await c.del(k); break;
    case 5: await c.pexpire(k, 1 + r(3000)); break;
    case 6: redkit.clock.advance(r(2000)); break;
    case 7: await c.hset(k, `f${r(20)}`, v()).catch(ignore); break;
    case 8: await c.hdel(k, `f${r(20)}`).catch(ignore); break;
    case 9: await c.hincrby(k, `n${r(5)}`, 1).catch(ignore); break;
    case 10: await c.rpush(k, ...Array.from({ length: 1 + r(40) }, v)).catch(ignore); break;
    case 11: await c.lpush(k, v()).catch(ignore); break;
    case 12: await c.rpop(k, 1 + r(5)).catch(ignore); break;
    case 13: await c.lset(k, r(5), v()).catch(ignore); break;
    case 14: await c.ltrim(k, r(5), -1 - r(5)).catch(ignore); break;
    case 15: await c.sadd(k, ...Array.from({ length: 1 + r(10) }, () => (rand() < 0.6 ? String(r(1000)) : `m${r(50)}`))).catch(ignore); break;
    case 16: await c.srem(k, String(r(1000)), `m${r(50)}`).catch(ignore); break;
    case 17: await c.spop(k).catch(ignore); break;
    case 18: await c.zadd(k, rand() * 100, `z${r(200)}`, r(10), rand() < 0.1 ? big(80) : `y${r(20)}`).catch(ignore); break;
    case 19: await c.zrem(k, `z${r(200)}`).catch(ignore); break;
    case 20: await c.zincrby(k, 1.5, `y${r(20)}`).catch(ignore); break;
    case 21: await c.zremrangebyrank(k, 0, r(3)).catch(ignore); break;
    case 22: await c.xadd(k, '*', `f${field(r(3))}`, v()).catch(ignore); break;
    case 23: await c.xtrim(k, 'MAXLEN', r(10)).catch(ignore); break;
    case 24: await c.call('XGROUP', 'CREATE', k, `g${r(3)}`, '0').catch(ignore); break;
    case 25: await c.call('XREADGROUP', 'GROUP', `g${r(3)}`, `c${r(3)}`, 'COUNT', String(1 + r(3)), 'STREAMS', k, '>').catch(ignore); break;
    case 26: await c.rename(k, `k${r(10)}`).catch(ignore); break;
    case 27: await c.move(k, r(3)).catch(ignore); break;
    case 28: await c.copy(k, `k${r(10)}`, 'REPLACE').catch(ignore); break;
    case 29: await c.select(r(3)); break;
    case 30: if (rand() < 0.2) await c.swapdb(r(3), r(3)); break;
    case 31: if (rand() < 0.05) await c.flushdb(); break;
    case 32: {
      const d = (await c.dumpBuffer(k).catch(ignore)) as Buffer | null | undefined;
      if (d) await c.restore(`k${r(10)}`, 0, d, 'REPLACE').catch(ignore);
      break;
    }
    case 33: if (rand() < 0.05) await c.call('DEBUG', 'RELOAD'); break;
    case 34: if (rand() < 0.1) await c.config('SET', 'list-max-listpack-size', String([-2, -1, 4, 16][r(4)])); break;
    case 35: await c.getdel(k).catch(ignore); break;
    case 36: await c.call('HEXPIRE', k, String(1 + r(3)), 'FIELDS', '1', `f${r(20)}`).catch(ignore); break;
    case 37: await c.hget(k, `f${r(20)}`).catch(ignore); break;
    case 38: await c.sinterstore(k, `k${r(10)}`, `k${r(10)}`).catch(ignore); break;
    case 39: await c.zunionstore(k, 2, `k${r(10)}`, `k${r(10)}`).catch(ignore); break;
    case 40: await c.lmove(k, `k${r(10)}`, 'LEFT', 'RIGHT').catch(ignore); break;
    case 41: await c.smove(k, `k${r(10)}`, String(r(1000))).catch(ignore); break;
    case 42: await c.call('BITFIELD', k, 'SET', 'u8', String(r(200)), String(r(256))).catch(ignore); break;
    case 43: await c.setbit(k, r(400), 1).catch(ignore); break;
    case 44: await c.pfadd(k, `e${r(100)}`, `e${r(100)}`).catch(ignore); break;
    case 45: await c.linsert(k, 'BEFORE', 'a', v()).catch(ignore); break;
    case 46: await c.call('SORT', `k${r(10)}`, 'ALPHA', 'STORE', k).catch(ignore); break;
    case 47: await c.call('XACK', k, `g${r(3)}`, '0-1', `${r(5)}-0`).catch(ignore); break;
  }
}

describe('INFO memory from the incremental account', () => {
  it('equals a full walk of the model after every command of random sequences', async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      await c.flushall();
      await c.select(0);
      const rand = rng(seed);
      for (let i = 0; i < STEPS; i++) {
        await step(rand);
        // INFO between commands (the account catches up from its dirty keys) or only now and then.
        if (i % (seed % 2 === 0 || process.env.MEM_EVERY ? 1 : 17) !== 0) continue;
        const used = await infoUsed();
        const want = fullWalk();
        if (used !== want.used && process.env.MEM_DEBUG) {
          const acc = redkit.server.store.memWatch as any;
          for (const db of redkit.server.store.dbs) {
            let tot = 0;
            for (const [kk, vv] of db.data) tot += keyContribution(kk, vv, fill());
            const a = acc.dbs[db.id];
            if (tot !== a.data) {
              console.log('db', db.id, 'full', tot, 'account', a.data, 'dirty', [...a.dirty]);
              for (const [kk, vv] of db.data) if (typeof vv !== 'string') console.log(kk, (vv as any).type, (vv as any).encoding(), keyContribution(kk, vv, fill()), a.sizes.get(kk));
            }
          }
        }
        if (used !== want.used) throw new Error(`seed ${seed}, step ${i} (${last}): INFO used_memory ${used}, full walk ${want.used}`);
        expect(await statsDataset()).toBe(want.dataset);
        if (process.env.MEM_DEBUG && evictionOf(redkit.server).usedMemory() !== want.used) {
          const ev = evictionOf(redkit.server) as any;
          for (const db of redkit.server.store.dbs) {
            const a = ev.accounts[db.id];
            for (const [kk, vv] of db.data) {
              const full = keyContribution(kk, vv, fill());
              if (a.sizes.get(kk) !== full) console.log('db', db.id, kk, (vv as any).type ?? 'string', (vv as any).encoding?.(), 'full', full, 'evict', a.sizes.get(kk));
            }
            for (const kk of a.sizes.keys()) if (!db.data.has(kk)) console.log('db', db.id, 'stale', kk);
          }
        }
        // maxmemory's own accounting (on: maxmemory is set, far above) sees the same figure.
        expect(evictionOf(redkit.server).usedMemory(), `seed ${seed} step ${i} (${last})`).toBe(want.used);
      }
      expect(await infoUsed()).toBe(fullWalk().used);
    }
  }, 60_000 + SEEDS * STEPS * 20);

  it('many changes between two calls (past the dirty-key limit) fall back to a walk, then tracking resumes', async () => {
    await c.flushall();
    await infoUsed();
    const p = c.pipeline();
    for (let i = 0; i < 6000; i++) p.set(`s${i}`, `value-${i}`);
    for (let i = 0; i < 300; i++) p.rpush(`l${i % 50}`, `e${i}`);
    await p.exec();
    expect(await infoUsed()).toBe(fullWalk().used);
    const q = c.pipeline();
    for (let i = 0; i < 5000; i++) q.append(`s${i}`, 'x'.repeat(i % 40));
    for (let i = 0; i < 50; i++) q.del(`s${i * 3}`);
    await q.exec();
    expect(await infoUsed()).toBe(fullWalk().used);
    await c.set('s1', 'y'.repeat(100));
    await c.lpush('l1', 'z');
    expect(await infoUsed()).toBe(fullWalk().used);
  });

  it('a load replaces the counts; FLUSHALL empties them', async () => {
    await c.flushall();
    for (let i = 0; i < 50; i++) await c.hset(`h${i}`, 'a', 'b', 'c', String(i));
    await infoUsed();
    const file = redkit.saveRdb();
    await c.flushall();
    expect(await infoUsed()).toBe(fullWalk().used);
    redkit.loadRdb(file);
    expect(await infoUsed()).toBe(fullWalk().used);
    expect(fullWalk().dataset).toBeGreaterThan(0);
  });
});
