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

/**
 * Slicing-by-8 tables: S[k] advances the CRC of one byte followed by k zero
 * bytes, so 8 input bytes are folded with 8 independent lookups. Table k
 * occupies [256k, 256k + 256) of S_LO / S_HI.
 */
const S_LO = new Uint32Array(256 * 8);
const S_HI = new Uint32Array(256 * 8);
S_LO.set(T_LO);
S_HI.set(T_HI);
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const lo = S_LO[(k - 1) * 256 + i];
    const hi = S_HI[(k - 1) * 256 + i];
    const idx = lo & 0xff;
    S_LO[k * 256 + i] = (((lo >>> 8) | (hi << 24)) ^ T_LO[idx]) >>> 0;
    S_HI[k * 256 + i] = ((hi >>> 8) ^ T_HI[idx]) >>> 0;
  }
}

/** Word reads below assume a little-endian host (x86, arm64). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A running CRC-64: feed bytes with update(), read the value with digest(). */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    // Byte by byte up to a 4-byte boundary, then eight bytes at a time read
    // as two little-endian words (slicing-by-8), then byte by byte.
    const base = buf.byteOffset;
    while (i < end && ((base + i) & 3) !== 0) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx];
      hi = (hi >>> 8) ^ T_HI[idx];
      i++;
    }
    if (LITTLE_ENDIAN && end - i >= 64) {
      const words = new Int32Array(buf.buffer, base + i, (end - i) >>> 3 << 1);
      const n = words.length;
      for (let w = 0; w < n; w += 2) {
        const xlo = lo ^ words[w];
        const xhi = hi ^ words[w + 1];
        lo = S_LO[7 * 256 + (xlo & 0xff)] ^ S_LO[6 * 256 + ((xlo >>> 8) & 0xff)] ^ S_LO[5 * 256 + ((xlo >>> 16) & 0xff)] ^ S_LO[4 * 256 + (xlo >>> 24)] ^
          S_LO[3 * 256 + (xhi & 0xff)] ^ S_LO[2 * 256 + ((xhi >>> 8) & 0xff)] ^ S_LO[256 + ((xhi >>> 16) & 0xff)] ^ S_LO[xhi >>> 24];
        hi = S_HI[7 * 256 + (xlo & 0xff)] ^ S_HI[6 * 256 + ((xlo >>> 8) & 0xff)] ^ S_HI[5 * 256 + ((xlo >>> 16) & 0xff)] ^ S_HI[4 * 256 + (xlo >>> 24)] ^
          S_HI[3 * 256 + (xhi & 0xff)] ^ S_HI[2 * 256 + ((xhi >>> 8) & 0xff)] ^ S_HI[256 + ((xhi >>> 16) & 0xff)] ^ S_HI[xhi >>> 24];
      }
      i += n << 2;
    }
    const fast = end - 8;
    while (i <= fast) {
      const xlo = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
      const xhi = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
      const a = 7 * 256 + (xlo & 0xff);
      const b = 6 * 256 + ((xlo >>> 8) & 0xff);
      const c = 5 * 256 + ((xlo >>> 16) & 0xff);
      const d = 4 * 256 + (xlo >>> 24);
      const e = 3 * 256 + (xhi & 0xff);
      const f = 2 * 256 + ((xhi >>> 8) & 0xff);
      const g = 256 + ((xhi >>> 16) & 0xff);
      const h = xhi >>> 24;
      lo = S_LO[a] ^ S_LO[b] ^ S_LO[c] ^ S_LO[d] ^ S_LO[e] ^ S_LO[f] ^ S_LO[g] ^ S_LO[h];
      hi = S_HI[a] ^ S_HI[b] ^ S_HI[c] ^ S_HI[d] ^ S_HI[e] ^ S_HI[f] ^ S_HI[g] ^ S_HI[h];
      i += 8;
    }
    for (; i < end; i++) {
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
