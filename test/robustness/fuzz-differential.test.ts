/**
 * Differential fuzzing: seeded frames whose answer does not depend on timing
 * (small, written at once, deterministic commands, with their mutations,
 * hostile lengths, random and nested bytes) go to redis-server 7.0 and to
 * RedKit on fresh connections, in RESP2 and RESP3; everything they answer and
 * whether they close the connection must be the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startPair, type Pair } from '../support/differential.js';
import { generateDeterministicFrame, prng } from './fuzz-core.js';
import { liveOracle } from '../support/redis-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a connection answers until it closes, or until both sides have been quiet and equal for a while. */
async function drain(r: RawClient, k: RawClient): Promise<[string, string]> {
  const got = { r: '', k: '' };
  const read = (c: RawClient) => (c as unknown as { buf: Buffer }).buf.latin1Slice();
  const deadline = Date.now() + 1500;
  let stableSince = Date.now();
  let last = '';
  for (;;) {
    got.r = read(r);
    got.k = read(k);
    const now = `${got.r.length}:${got.k.length}:${r.closed}:${k.closed}`;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
    const same = got.r === got.k && r.closed === k.closed;
    if (r.closed && k.closed) break;
    if (same && Date.now() - stableSince > 40) break;
    if (Date.now() > deadline) break;
    await sleep(5);
  }
  return [got.r, got.k];
}

describe('differential fuzzing against redis-server', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  for (const [seed, proto] of [
    [101, 2],
    [202, 3],
  ] as const) {
    it(`seed ${seed}, RESP${proto}: the same bytes, the same closes`, async () => {
      const r = prng(seed);
      const started = Date.now();
      let n = 0;
      // Live: at least 100 frames, more (up to 400) as 5 s allow: a time limit alone gives fewer
      // the more loaded the machine is (each frame waits for 40 ms of quiet; at 100 ms a frame,
      // 50 in 5 s). Recorded and replayed: a fixed number (the same frames).
      while (liveOracle ? n < 100 || (n < 400 && Date.now() - started < 5000) : n < 150) {
        const f = generateDeterministicFrame(r);
        const { r: rc, k: kc } = await pair.clients(proto);
        rc.write(f.bytes);
        kc.write(f.bytes);
        const [a, b] = await drain(rc, kc);
        const show = JSON.stringify(f.bytes.latin1Slice().slice(0, 300));
        expect(b, `seed ${seed} frame ${n} (${f.kind}): ${show}`).toBe(a);
        expect(kc.closed, `seed ${seed} frame ${n} (${f.kind}) closed alike: ${show}`).toBe(rc.closed);
        rc.close();
        kc.close();
        n++;
        if (n % 50 === 0) await pair.flush();
      }
    }, 60_000);
  }
});
