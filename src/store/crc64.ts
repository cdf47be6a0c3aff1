/**
 * CRC-64 as Redis computes it (crc64.c): the Jones polynomial
 * 0xad93d23594c935a9, reflected input and output, initial value 0, no final
 * xor. crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
 *
 * DUMP payloads end with this checksum (little-endian) over everything before
 * it. The table-driven loop works on two 32-bit halves so the hot path never
 * touches BigInt.
 */

/** The Jones polynomial, bit-reversed (the reflected algorithm shifts right). */
const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;

const T_LO = new Uint32Array(256);
const T_HI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = BigInt(i);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY_REFLECTED : c >> 1n;
  T_LO[i] = Number(c & 0xffffffffn);
  T_HI[i] = Number(c >> 32n);
}

/** A running CRC-64: feed bytes with update(), read the value with digest(). */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx];
      hi = (hi >>> 8) ^ T_HI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The checksum as an unsigned 64-bit bigint. */
  digest(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }

  /** Write the checksum little-endian (as it trails a DUMP payload) at `off`. */
  writeLE(out: Uint8Array, off: number): void {
    const lo = this.lo >>> 0;
    const hi = this.hi >>> 0;
    out[off] = lo & 0xff;
    out[off + 1] = (lo >>> 8) & 0xff;
    out[off + 2] = (lo >>> 16) & 0xff;
    out[off + 3] = lo >>> 24;
    out[off + 4] = hi & 0xff;
    out[off + 5] = (hi >>> 8) & 0xff;
    out[off + 6] = (hi >>> 16) & 0xff;
    out[off + 7] = hi >>> 24;
  }

  /** True when the 8 bytes at `off` hold this checksum little-endian. */
  matchesLE(buf: Uint8Array, off: number): boolean {
    const lo = (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
    const hi = (buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)) >>> 0;
    return lo === this.lo >>> 0 && hi === this.hi >>> 0;
  }
}

/** crc64(crc, bytes) like Redis's crc64(): continue `crc` over buf[start, end). */
export function crc64(buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Crc64().update(buf, start, end).digest();
}
