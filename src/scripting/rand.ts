/**
 * The 48-bit linear congruential generator behind Redis's math.random
 * (redisLrand48 / redisSrand48 in Redis's rand.c, itself the classic rand48):
 * x(n+1) = (a * x(n) + c) mod 2^48, a = 0x5DEECE66D, c = 0xB; lrand48 returns
 * the top 31 bits. Redis never reseeds it per script in 7.0: the sequence runs
 * on from script to script (math.randomseed changes it for everyone).
 */
import type { RandomSource } from '../lua/index.js';

export const LRAND48_MAX = 2147483647;

export class Rand48 implements RandomSource {
  readonly max = LRAND48_MAX;
  // three 16-bit words, low first
  private x0 = 0x330e;
  private x1 = 0xabcd;
  private x2 = 0x1234;

  seed(n: number): void {
    this.x0 = 0x330e;
    this.x1 = n & 0xffff;
    this.x2 = (n >>> 16) & 0xffff;
  }

  /** The 48-bit state as one number (exact in a double). */
  save(): number {
    return this.x0 + this.x1 * 0x10000 + this.x2 * 0x100000000;
  }

  restore(s: unknown): void {
    const v = s as number;
    this.x0 = v % 0x10000;
    this.x1 = Math.floor(v / 0x10000) % 0x10000;
    this.x2 = Math.floor(v / 0x100000000);
  }

  next(): number {
    // a = 0x0005_DEEC_E66D as words (a0, a1, a2)
    const a0 = 0xe66d;
    const a1 = 0xdeec;
    const a2 = 0x0005;
    const { x0, x1, x2 } = this;
    let acc = a0 * x0 + 0xb;
    const y0 = acc & 0xffff;
    acc = Math.floor(acc / 0x10000) + a0 * x1 + a1 * x0;
    const y1 = acc & 0xffff;
    acc = Math.floor(acc / 0x10000) + a0 * x2 + a1 * x1 + a2 * x0;
    const y2 = acc & 0xffff;
    this.x0 = y0;
    this.x1 = y1;
    this.x2 = y2;
    return y2 * 0x8000 + (y1 >>> 1);
  }
}
