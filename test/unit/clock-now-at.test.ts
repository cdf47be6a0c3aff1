import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/clock/clock.js';

// Clock.nowAt(perf): a connection's read takes one performance.now() reading and derives the
// server clock from it. It must follow now() in every mode.
describe('Clock.nowAt', () => {
  it('real mode: the wall clock in whole ms, never ahead of Date.now(), at most 2 ms behind', () => {
    const c = new Clock('real');
    for (let i = 0; i < 2000; i++) {
      const before = Date.now();
      const t = c.nowAt(performance.now());
      const after = Date.now();
      expect(Number.isInteger(t)).toBe(true);
      expect(t).toBeLessThanOrEqual(after);
      expect(t).toBeGreaterThanOrEqual(before - 2);
    }
  });

  it('real mode: advance() moves it as it moves now()', () => {
    const c = new Clock('real');
    c.advance(3_600_000);
    const t = c.nowAt(performance.now());
    expect(Math.abs(t - c.now())).toBeLessThanOrEqual(2);
    expect(t - Date.now()).toBeGreaterThanOrEqual(3_600_000 - 2);
  });

  it('frozen and pinned clocks answer their held time', () => {
    const f = new Clock('frozen');
    const held = f.now();
    f.advance(5000);
    expect(f.nowAt(performance.now() + 123456)).toBe(held + 5000);
    const p = new Clock('real');
    p.pin();
    const first = p.nowAt(performance.now());
    expect(p.now()).toBe(first);
    expect(p.nowAt(performance.now() + 10_000)).toBe(first);
  });
});
