/**
 * The protocol fuzzer's CI slice (issue #10): a few seconds of seeded frames
 * against an in-process RedKit, on both socket paths. The long run is
 * `npm run fuzz -- --frames 1000000 --seed S` (scripts/fuzz.mjs). A failure
 * message names the seed and the round; rerun that seed to reproduce.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, generateFrame, prng } from './fuzz-core.js';

describe('protocol fuzzer', () => {
  it('the same seed generates the same frames', () => {
    const a = prng(7);
    const b = prng(7);
    for (let i = 0; i < 200; i++) {
      const x = generateFrame(a);
      const y = generateFrame(b);
      expect(y.kind).toBe(x.kind);
      expect(y.bytes.equals(x.bytes)).toBe(true);
      expect(y.cuts).toEqual(x.cuts);
    }
  });

  it('the generators cover every kind of hostile input', () => {
    const r = prng(1);
    const kinds = new Set<string>();
    let cutAtEveryByte = false;
    let later = false;
    for (let i = 0; i < 2000; i++) {
      const f = generateFrame(r);
      kinds.add(f.kind);
      if (f.cuts.length > 1 && f.cuts.every((c) => c === 1)) cutAtEveryByte = true;
      if (f.pause) later = true;
      expect(f.cuts.reduce((s, c) => s + c, 0)).toBe(f.bytes.length);
    }
    expect([...kinds].sort()).toEqual(['bigbulk', 'hostile', 'long', 'mutated', 'nested', 'random', 'valid']);
    expect(cutAtEveryByte && later).toBe(true);
  });

  for (const [seed, directIo] of [
    [20261207, true],
    [4242, false],
  ] as const) {
    it(`seed ${seed} (${directIo ? 'direct I/O' : 'streams'}): the server stays up, the witness is always right, memory stays bounded`, async () => {
      const stats = await fuzz({ frames: 2000, seed, directIo, connections: 8, maxMs: 3000 });
      expect(stats.witnessChecks).toBe(stats.rounds);
      expect(stats.rounds).toBeGreaterThan(5);
      expect(Object.keys(stats.byKind).length).toBeGreaterThanOrEqual(6);
    }, 60_000);
  }
});
