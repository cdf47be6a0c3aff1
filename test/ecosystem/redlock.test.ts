/**
 * redlock 5 (ioredis clients) against the selected target: acquire, extend,
 * release, contention, expiry. redlock runs its Lua scripts with EVALSHA and
 * falls back to EVAL on NOSCRIPT; the votes come from the scripts' integer
 * replies (number of keys set/extended/deleted).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import Redis from 'ioredis';
import Redlock, { ExecutionError, ResourceLockedError } from 'redlock';
import { isRedKit, redkitOf, startTarget, type Target } from './target.js';

let target: Target;
const clients: Redis[] = [];

beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await target.flush();
});
afterAll(async () => {
  await target?.stop();
});

function client(): Redis {
  const c = new Redis(target.port, target.host, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

function redlock(settings: ConstructorParameters<typeof Redlock>[1] = {}): Redlock {
  return new Redlock([client()], { retryCount: 0, retryDelay: 10, retryJitter: 0, ...settings });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('acquires a lock: the key holds the lock value with the TTL', async () => {
  const rl = redlock();
  const check = client();
  const lock = await rl.acquire(['lock:order:1'], 10_000);
  expect(await check.get('lock:order:1')).toBe(lock.value);
  const pttl = await check.pttl('lock:order:1');
  expect(pttl).toBeGreaterThan(9_000);
  expect(pttl).toBeLessThanOrEqual(10_000);
  expect(lock.expiration).toBeGreaterThan(Date.now());
  await lock.release();
  expect(await check.exists('lock:order:1')).toBe(0);
});

it('locks several resources at once, all or nothing', async () => {
  const rl = redlock();
  const check = client();
  await check.set('lock:b', 'someone-else');
  // One of the resources is taken: nothing is locked.
  await expect(rl.acquire(['lock:a', 'lock:b', 'lock:c'], 5_000)).rejects.toBeInstanceOf(ExecutionError);
  expect(await check.exists('lock:a', 'lock:c')).toBe(0);
  await check.del('lock:b');
  const lock = await rl.acquire(['lock:a', 'lock:b', 'lock:c'], 5_000);
  expect(await check.mget('lock:a', 'lock:b', 'lock:c')).toEqual([lock.value, lock.value, lock.value]);
  await lock.release();
  expect(await check.exists('lock:a', 'lock:b', 'lock:c')).toBe(0);
});

it('extends a lock it holds, and only its own', async () => {
  const rl = redlock();
  const check = client();
  const lock = await rl.acquire(['lock:extend'], 2_000);
  const extended = await lock.extend(60_000);
  expect(extended.value).toBe(lock.value);
  expect(await check.pttl('lock:extend')).toBeGreaterThan(50_000);
  expect(lock.expiration).toBe(0); // the old Lock object is invalidated
  // Someone else's value in the key: the extension is refused.
  await check.set('lock:extend', 'intruder', 'PX', 60_000);
  await expect(extended.extend(60_000)).rejects.toBeInstanceOf(ExecutionError);
  // and a release does not delete someone else's lock
  await expect(extended.release()).rejects.toBeInstanceOf(ExecutionError);
  expect(await check.get('lock:extend')).toBe('intruder');
});

it('a second holder fails while the lock is held, and gets it once released', async () => {
  const a = redlock();
  const b = redlock();
  const lock = await a.acquire(['lock:job'], 10_000);
  const err = await b.acquire(['lock:job'], 10_000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ExecutionError);
  const stats = await (err as ExecutionError).attempts[0];
  expect(stats.votesAgainst.size).toBe(1);
  expect([...stats.votesAgainst.values()][0]).toBeInstanceOf(ResourceLockedError);
  await lock.release();
  const second = await b.acquire(['lock:job'], 10_000);
  expect(second.value).not.toBe(lock.value);
  await second.release();
});

it('a retrying second holder gets the lock when the first releases it', async () => {
  const a = redlock();
  const b = redlock({ retryCount: 50, retryDelay: 20 });
  const lock = await a.acquire(['lock:retry'], 10_000);
  const waiting = b.acquire(['lock:retry'], 10_000);
  await sleep(50); // a few failed attempts
  await lock.release();
  const second = await waiting;
  expect(second.attempts.length).toBeGreaterThan(1);
  await second.release();
});

it('using() runs a routine under the lock and releases it after', async () => {
  const rl = redlock();
  const check = client();
  const seen = await rl.using(['lock:using'], 5_000, async (signal) => {
    expect(signal.aborted).toBe(false);
    return check.get('lock:using');
  });
  expect(typeof seen).toBe('string');
  expect(await check.exists('lock:using')).toBe(0);
});

it('using() extends the lock automatically while the routine runs (real time)', async () => {
  const rl = redlock();
  const check = client();
  const extended: number[] = [];
  await rl.using(['lock:long'], 1000, { automaticExtensionThreshold: 700 }, async (signal) => {
    // the lock lives 1 s; redlock extends it 700 ms before it runs out
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      expect(signal.aborted).toBe(false);
      extended.push(await check.pttl('lock:long'));
    }
  });
  expect(extended.every((ms) => ms > 0)).toBe(true); // 1.5 s of work under a 1 s lock
  expect(await check.exists('lock:long')).toBe(0);
});

it.runIf(isRedKit)('the lock expires when the virtual clock passes its TTL', async () => {
  const redkit = redkitOf(target);
  redkit.clock.freeze();
  const a = redlock();
  const b = redlock();
  const lock = await a.acquire(['lock:expiry'], 30_000);
  await expect(b.acquire(['lock:expiry'], 30_000)).rejects.toBeInstanceOf(ExecutionError);
  redkit.clock.advance('29s');
  await expect(b.acquire(['lock:expiry'], 30_000)).rejects.toBeInstanceOf(ExecutionError);
  redkit.clock.advance('1s');
  // The first holder crashed (no release, no extension): b takes over.
  const taken = await b.acquire(['lock:expiry'], 30_000);
  expect(redkit.db().get('lock:expiry')).toBe(taken.value);
  // a still believes in its lock (its own Date.now()), but the server says no.
  await expect(lock.extend(30_000)).rejects.toBeInstanceOf(ExecutionError);
  expect(redkit.db().get('lock:expiry')).toBe(taken.value);
});

it.runIf(!isRedKit)('the lock expires after its (short, real) TTL', async () => {
  const a = redlock();
  const b = redlock();
  await a.acquire(['lock:expiry'], 150);
  await expect(b.acquire(['lock:expiry'], 10_000)).rejects.toBeInstanceOf(ExecutionError);
  await sleep(250);
  const taken = await b.acquire(['lock:expiry'], 10_000);
  await taken.release();
});

it.runIf(isRedKit)('sends EVALSHA, and EVAL after NOSCRIPT', async () => {
  const redkit = redkitOf(target);
  const rl = redlock();
  const lock = await rl.acquire(['lock:script'], 5_000);
  const evalsha = redkit.recorder.find('EVALSHA')!;
  expect(evalsha.args.slice(0, 2)).toEqual([rl.scripts.acquireScript.hash, '1']);
  expect(evalsha.errorMessage).toMatch(/^NOSCRIPT /); // fresh server: the script is not cached yet
  expect(redkit.recorder.find('EVAL')!.args.slice(2)).toEqual(['lock:script', lock.value, '5000']);
  await lock.release();
  // The release script was loaded by EVAL too; a second release cycle uses EVALSHA only.
  const mark = redkit.recorder.mark();
  const again = await rl.acquire(['lock:script'], 5_000);
  await again.release();
  expect(redkit.recorder.since(mark, (c) => !c.inScript).map((c) => [c.name, c.error])).toEqual([
    ['EVALSHA', false],
    ['EVALSHA', false],
  ]);
  // the scripts' own commands are nested under them
  expect(redkit.recorder.since(mark, (c) => c.inScript).map((c) => c.name)).toEqual(['EXISTS', 'SET', 'GET', 'DEL']);
});

it.runIf(isRedKit)('retries through a transient error', async () => {
  const redkit = redkitOf(target);
  const rl = redlock({ retryCount: 3, retryDelay: 5 });
  const rule = redkit.faults.add({ command: ['EVALSHA', 'EVAL'], times: 2, error: 'LOADING Redis is loading the dataset in memory' });
  const lock = await rl.acquire(['lock:flaky'], 5_000);
  expect(rule.hits).toBe(2);
  expect(lock.attempts.length).toBe(3);
  expect(redkit.db().get('lock:flaky')).toBe(lock.value);
});
