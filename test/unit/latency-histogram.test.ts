// The per-command latency histogram behind INFO latencystats and LATENCY HISTOGRAM:
// hdr_histogram's buckets (2 significant digits over ns) and its percentile rule.
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../src/commands/latency.js';
import { mallocSize, sdsAlloc } from '../../src/store/memory.js';

describe('Histogram', () => {
  it('reports the highest value equivalent to the recorded one, as hdr_value_at_percentile', () => {
    const h = new Histogram();
    h.record(1000); // 1 µs: Redis prints p50=1.003
    expect(h.valueAt(50)).toBe(1003);
    const small = new Histogram();
    small.record(200); // below 256 ns every value is its own bucket
    expect(small.valueAt(99.9)).toBe(200);
    const big = new Histogram();
    big.record(5_000_000); // 5 ms: 2 significant digits
    const v = big.valueAt(50);
    expect(v).toBeGreaterThanOrEqual(5_000_000);
    expect(v - 5_000_000).toBeLessThan(5_000_000 / 100);
  });

  it('percentiles follow the distribution (count rounded to nearest, at least 1)', () => {
    const h = new Histogram();
    for (let i = 0; i < 98; i++) h.record(100);
    h.record(10_000);
    h.record(1_000_000);
    expect(h.total).toBe(100);
    expect(h.valueAt(50)).toBe(100);
    expect(h.valueAt(99)).toBeGreaterThanOrEqual(10_000);
    expect(h.valueAt(99)).toBeLessThan(11_000);
    expect(h.valueAt(100)).toBeGreaterThanOrEqual(1_000_000);
    expect(h.valueAt(0)).toBe(100);
  });

  it('values past 1 s land in the last bucket; 0 counts as 1 ns', () => {
    const h = new Histogram();
    h.record(5e9);
    h.record(0);
    expect(h.total).toBe(2);
    expect(h.valueAt(100)).toBeGreaterThanOrEqual(1e9);
    expect(h.valueAt(1)).toBe(1);
  });

  it('CDF buckets are powers of two from 1024 ns, cumulative, ending at the total', () => {
    const h = new Histogram();
    for (const ns of [500, 1500, 1500, 3000, 70_000]) h.record(ns);
    const flat = h.cdf() as number[];
    const keys = flat.filter((_, i) => i % 2 === 0);
    const counts = flat.filter((_, i) => i % 2 === 1);
    expect(keys).toEqual([1, 2, 4, 132]);
    expect(counts).toEqual([1, 3, 4, 5]);
  });
});

describe('memory model primitives', () => {
  it('jemalloc size classes', () => {
    expect([1, 8, 9, 16, 17, 23, 33, 48, 49, 128, 129, 160, 161, 257, 1006, 1025, 5000].map(mallocSize)).toEqual([
      8, 8, 16, 16, 32, 32, 48, 48, 64, 128, 160, 160, 192, 320, 1024, 1280, 5120,
    ]);
  });
  it('sds allocations by header type', () => {
    expect([0, 1, 31, 32, 255, 256, 65535, 65536].map(sdsAlloc)).toEqual([
      mallocSize(4), mallocSize(3), mallocSize(33), mallocSize(36), mallocSize(259), mallocSize(262), mallocSize(65541), mallocSize(65546),
    ]);
  });
});
