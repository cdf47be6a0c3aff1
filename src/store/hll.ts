/**
 * HyperLogLog values, byte for byte as Redis 7.0 stores them (hyperloglog.c).
 *
 * An HLL is an ordinary string value:
 *
 *   bytes 0-3   "HYLL"
 *   byte  4     encoding: 0 dense, 1 sparse
 *   bytes 5-7   unused (kept as they are)
 *   bytes 8-15  cached cardinality, little endian; bit 7 of byte 15 set = stale
 *   bytes 16-   registers
 *
 * Dense: 16384 registers of 6 bits packed from the least significant bit of
 * byte 16 on (12288 bytes; 12304 in all).
 *
 * Sparse: run-length opcodes, purely positional:
 *   ZERO  00xxxxxx            xxxxxx+1 registers (1..64) set to 0
 *   XZERO 01xxxxxx yyyyyyyy   14-bit length+1 (1..16384) registers set to 0
 *   VAL   1vvvvvxx            xx+1 registers (1..4) set to vvvvv+1 (1..32)
 * A register that needs a value above 32, or an update that would grow the
 * value past hll-sparse-max-bytes, promotes the value to dense (one way).
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
 * pick the register, the run of zeros above them (plus one, at most 51) is
 * the candidate value. The cardinality is Ertl's improved estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches",
 * arXiv:1702.01284) over the register histogram, as Redis computes it.
 *
 * Corrupted sparse values: any opcode running past register 16384, or
 * opcodes covering fewer registers, make the value invalid for counting,
 * merging and conversion (INVALIDOBJ). This is the behaviour of the oracle,
 * Debian's 7.0.15 with the CVE-2025-32023 fix, which rejects opcodes past the
 * end where plain 7.0.15 stopped at a VAL that overflowed and accepted it.
 *
 * `Hll` is a mutable working copy used by the commands: it keeps Redis's sds
 * invariant that the byte just past the value is 0 (some opcode reads look
 * one byte past the end, as Redis does), and spare room for in-place inserts.
 * Read-only helpers take the stored bytes (a Buffer view) directly.
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;

/** 0.5 / ln(2) */
const HLL_ALPHA_INF = 0.721347520444481703680;

// ---- MurmurHash64A -------------------------------------------------------------------------
//
// 64-bit arithmetic on (hi, lo) pairs of unsigned 32-bit halves. The only
// multiplier is the constant m = 0xc6a4a7935bd1e995: x * m mod 2^64 is
//   hi = mulhi(x.lo, m.lo) + x.lo * m.hi + x.hi * m.lo   (mod 2^32)
//   lo = x.lo * m.lo                                     (mod 2^32)
// where mulhi, the high half of a 32x32-bit product, is built from 16-bit
// halves (every partial product is exact in a double). The steps are written
// out inline: this is the PFADD hot path.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const ML0 = M_LO & 0xffff;
const ML1 = M_LO >>> 16;
const SEED = 0xadc83b19;

/** Result of the last hash (avoids allocating a pair per element). */
let H_HI = 0;
let H_LO = 0;

/**
 * MurmurHash64A of the binary string `s` (one byte per char) with Redis's
 * seed; the result is left in (H_HI, H_LO).
 */
function murmurString(s: string): void {
  const len = s.length;
  // h = seed ^ (len * m)
  let a0 = len & 0xffff;
  let a1 = len >>> 16;
  let p00 = a0 * ML0;
  let p01 = a0 * ML1;
  let p10 = a1 * ML0;
  let p11 = a1 * ML1;
  let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  let hh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(len, M_HI)) >>> 0;
  let hl = (Math.imul(len, M_LO) ^ SEED) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kl = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    // k *= m
    a0 = kl & 0xffff;
    a1 = kl >>> 16;
    p00 = a0 * ML0;
    p01 = a0 * ML1;
    p10 = a1 * ML0;
    p11 = a1 * ML1;
    mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    let nh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(kl, M_HI) + Math.imul(kh, M_LO)) >>> 0;
    let nl = Math.imul(kl, M_LO) >>> 0;
    // k ^= k >> 47
    nl = (nl ^ (nh >>> 15)) >>> 0;
    // k *= m
    a0 = nl & 0xffff;
    a1 = nl >>> 16;
    p00 = a0 * ML0;
    p01 = a0 * ML1;
    p10 = a1 * ML0;
    p11 = a1 * ML1;
    mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    kh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(nl, M_HI) + Math.imul(nh, M_LO)) >>> 0;
    kl = Math.imul(nl, M_LO) >>> 0;
    // h ^= k; h *= m
    hh = (hh ^ kh) >>> 0;
    hl = (hl ^ kl) >>> 0;
    a0 = hl & 0xffff;
    a1 = hl >>> 16;
    p00 = a0 * ML0;
    p01 = a0 * ML1;
    p10 = a1 * ML0;
    p11 = a1 * ML1;
    mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    nh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) >>> 0;
    hl = Math.imul(hl, M_LO) >>> 0;
    hh = nh;
  }
  const rest = len & 7;
  if (rest !== 0) {
    // The last 1..7 bytes, little endian; then h *= m.
    let tl = 0;
    let th = 0;
    for (let j = rest - 1; j >= 4; j--) th |= s.charCodeAt(i + j) << ((j - 4) * 8);
    for (let j = (rest > 4 ? 4 : rest) - 1; j >= 0; j--) tl |= s.charCodeAt(i + j) << (j * 8);
    hh = (hh ^ th) >>> 0;
    hl = (hl ^ tl) >>> 0;
    a0 = hl & 0xffff;
    a1 = hl >>> 16;
    p00 = a0 * ML0;
    p01 = a0 * ML1;
    p10 = a1 * ML0;
    p11 = a1 * ML1;
    mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const nh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) >>> 0;
    hl = Math.imul(hl, M_LO) >>> 0;
    hh = nh;
  }
  finish(hh, hl);
}

/** h ^= h >> 47; h *= m; h ^= h >> 47, into (H_HI, H_LO). */
function finish(hh: number, hl: number): void {
  hl = (hl ^ (hh >>> 15)) >>> 0;
  const a0 = hl & 0xffff;
  const a1 = hl >>> 16;
  const p00 = a0 * ML0;
  const p01 = a0 * ML1;
  const p10 = a1 * ML0;
  const p11 = a1 * ML1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  hh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) >>> 0;
  hl = Math.imul(hl, M_LO) >>> 0;
  H_HI = hh;
  H_LO = (hl ^ (hh >>> 15)) >>> 0;
}

/** x * m mod 2^64 for x = (hi, lo), into (H_HI, H_LO). Not on the PFADD path. */
function mulM(hi: number, lo: number): void {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const p00 = a0 * ML0;
  const p01 = a0 * ML1;
  const p10 = a1 * ML0;
  const p11 = a1 * ML1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  H_HI = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) >>> 0;
  H_LO = Math.imul(lo, M_LO) >>> 0;
}

/** MurmurHash64A of an 8-byte little-endian word (hi, lo), into (H_HI, H_LO) (PFSELFTEST). */
function murmurWord(kh: number, kl: number): void {
  // h = seed ^ (8 * m)
  mulM(0, 8);
  let hh = H_HI;
  let hl = (H_LO ^ SEED) >>> 0;
  // k *= m; k ^= k >> 47; k *= m
  let a0 = kl & 0xffff;
  let a1 = kl >>> 16;
  let p00 = a0 * ML0;
  let p01 = a0 * ML1;
  let p10 = a1 * ML0;
  let p11 = a1 * ML1;
  let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  let nh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(kl, M_HI) + Math.imul(kh, M_LO)) >>> 0;
  let nl = Math.imul(kl, M_LO) >>> 0;
  nl = (nl ^ (nh >>> 15)) >>> 0;
  a0 = nl & 0xffff;
  a1 = nl >>> 16;
  p00 = a0 * ML0;
  p01 = a0 * ML1;
  p10 = a1 * ML0;
  p11 = a1 * ML1;
  mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  kh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(nl, M_HI) + Math.imul(nh, M_LO)) >>> 0;
  kl = Math.imul(nl, M_LO) >>> 0;
  // h ^= k; h *= m
  hh = (hh ^ kh) >>> 0;
  hl = (hl ^ kl) >>> 0;
  a0 = hl & 0xffff;
  a1 = hl >>> 16;
  p00 = a0 * ML0;
  p01 = a0 * ML1;
  p10 = a1 * ML0;
  p11 = a1 * ML1;
  mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  nh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) >>> 0;
  hl = Math.imul(hl, M_LO) >>> 0;
  finish(nh, hl);
}

/** MurmurHash64A(s, seed 0xadc83b19) as an unsigned 64-bit bigint (tests, debugging). */
export function murmurHash64A(s: string): bigint {
  murmurString(s);
  return (BigInt(H_HI) << 32n) | BigInt(H_LO);
}

/** Register index of the last patLen* call. */
let PAT_INDEX = 0;

/** hllPatLen on the hash in (H_HI, H_LO): sets PAT_INDEX, returns the 000..1 run length (1..51). */
function patLenOfHash(): number {
  PAT_INDEX = H_LO & HLL_P_MASK;
  // hash >> 14, with bit 50 set so that the run ends.
  const w = H_LO >>> HLL_P;
  if (w !== 0) return 32 - Math.clz32(w & -w);
  if (H_HI !== 0) return 32 - HLL_P + 32 - Math.clz32(H_HI & -H_HI);
  return HLL_Q + 1;
}

/** The register an element maps to and its run length (for tests and PFDEBUG-style checks). */
export function patLen(ele: string): { index: number; count: number } {
  murmurString(ele);
  const count = patLenOfHash();
  return { index: PAT_INDEX, count };
}

// ---- dense registers ----------------------------------------------------------------------

/** Register `regnum` of the dense registers starting at byte `off` of `b`. */
export function denseGet(b: Uint8Array, off: number, regnum: number): number {
  const bit = regnum * HLL_BITS;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < b.length ? b[byte + 1] : 0;
  return ((b[byte] >>> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

/** Set register `regnum` (HLL_DENSE_SET_REGISTER). */
function denseSetRaw(b: Uint8Array, off: number, regnum: number, val: number): void {
  const bit = regnum * HLL_BITS;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1] & ~(HLL_REGISTER_MAX >>> fb8)) | (val >>> fb8);
}

/** hllDenseSet: raise the register to `count` if lower; 1 when changed. */
function denseSet(b: Uint8Array, regnum: number, count: number): number {
  if (count > denseGet(b, HLL_HDR_SIZE, regnum)) {
    denseSetRaw(b, HLL_HDR_SIZE, regnum, count);
    return 1;
  }
  return 0;
}

/** Histogram of the dense registers at byte 16 of `b` into `h` (64 slots). */
function denseHisto(b: Uint8Array, h: Int32Array): void {
  let p = HLL_HDR_SIZE;
  const end = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS) / 8;
  for (; p < end; p += 3) {
    const b0 = b[p];
    const b1 = b[p + 1];
    const b2 = b[p + 2];
    h[b0 & 63]++;
    h[((b0 >>> 6) | (b1 << 2)) & 63]++;
    h[((b1 >>> 4) | (b2 << 4)) & 63]++;
    h[b2 >>> 2]++;
  }
}

// ---- sparse opcodes -----------------------------------------------------------------------

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >>> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 3) + 1;
const valOp = (val: number, len: number) => (((val - 1) << 2) | (len - 1) | 0x80) & 0xff;
const zeroOp = (len: number) => len - 1;

/** Byte i of a read-only value of `end` bytes; past the end reads the sds terminator (0). */
const at = (b: Uint8Array, i: number, end: number) => (i < end ? b[i] : 0);

// ---- validation and read-only operations ------------------------------------------------------

/** isHLLObjectOrReply's checks on the bytes of a string value. */
export function isValidHll(b: Uint8Array): boolean {
  const len = b.length;
  if (len < HLL_HDR_SIZE) return false;
  if (b[0] !== 72 || b[1] !== 89 || b[2] !== 76 || b[3] !== 76) return false; // "HYLL"
  const enc = b[4];
  if (enc > HLL_MAX_ENCODING) return false;
  if (enc === HLL_DENSE && len !== HLL_DENSE_SIZE) return false;
  return true;
}

/** The encoding byte of a valid HLL. */
export const hllEncoding = (b: Uint8Array): number => b[4];

/**
 * hllMerge: max[i] = MAX(max[i], register i of the HLL `b` (validated)).
 * False when a sparse value is corrupted.
 */
export function mergeInto(max: Uint8Array, b: Uint8Array): boolean {
  if (b[4] === HLL_DENSE) {
    let i = 0;
    const end = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS) / 8;
    for (let p = HLL_HDR_SIZE; p < end; p += 3) {
      const b0 = b[p];
      const b1 = b[p + 1];
      const b2 = b[p + 2];
      let v = b0 & 63;
      if (v > max[i]) max[i] = v;
      v = ((b0 >>> 6) | (b1 << 2)) & 63;
      if (v > max[i + 1]) max[i + 1] = v;
      v = ((b1 >>> 4) | (b2 << 4)) & 63;
      if (v > max[i + 2]) max[i + 2] = v;
      v = b2 >>> 2;
      if (v > max[i + 3]) max[i + 3] = v;
      i += 4;
    }
    return true;
  }
  const end = b.length;
  let p = HLL_HDR_SIZE;
  let i = 0;
  while (p < end) {
    const op = b[p];
    let runlen: number;
    if (isZero(op)) {
      runlen = zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      runlen = xzeroLen(op, at(b, p + 1, end));
      p += 2;
    } else {
      runlen = valLen(op);
      if (runlen + i > HLL_REGISTERS) return false;
      const regval = valValue(op);
      for (let n = 0; n < runlen; n++, i++) if (regval > max[i]) max[i] = regval;
      p++;
      continue;
    }
    if (runlen + i > HLL_REGISTERS) return false;
    i += runlen;
  }
  return i === HLL_REGISTERS;
}

/** Cardinality of raw registers (one byte each): PFCOUNT of several keys. */
export function countRaw(max: Uint8Array): number {
  const h = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) h[max[i]]++;
  return estimate(h);
}

/** The cached cardinality when valid (bit 63 clear), else null. */
export function cachedCard(b: Uint8Array): number | bigint | null {
  if (b[15] & 0x80) return null;
  const lo = (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0;
  const hi = (b[12] | (b[13] << 8) | (b[14] << 16) | (b[15] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * hllCount on a stored value: the estimate, or -1 when a sparse value does
 * not cover exactly 16384 registers.
 */
export function countHll(b: Uint8Array): number {
  const h = new Int32Array(64);
  if (b[4] === HLL_DENSE) denseHisto(b, h);
  else if (!sparseHisto(b, b.length, h)) return -1;
  return estimate(h);
}

function sparseHisto(b: Uint8Array, end: number, h: Int32Array): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    if (isZero(op)) {
      const n = zeroLen(op);
      idx += n;
      h[0] += n;
      p++;
    } else if (isXzero(op)) {
      const n = xzeroLen(op, at(b, p + 1, end));
      idx += n;
      h[0] += n;
      p += 2;
    } else {
      const n = valLen(op);
      idx += n;
      h[valValue(op)] += n;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** sigma(x) of Ertl's estimator. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** tau(x) of Ertl's estimator. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The cardinality estimate from a register histogram (64 slots). */
function estimate(h: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  // llroundl: halves away from zero (the value is never negative).
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** PFDEBUG DECODE: the sparse opcodes as text ("Z:16384", "z:3", "v:2,1"). */
export function decodeSparse(b: Uint8Array): string {
  const end = b.length;
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLen(op, at(b, p + 1, end))}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---- in-place changes to a stored value ----------------------------------------------------

/** Byte access to a stored string value that can be changed in place (RString's API). */
export interface ByteStore {
  readonly length: number;
  byteAt(i: number): number;
  setByte(i: number, v: number): void;
}

/**
 * PFADD on a dense HLL, in place: raise the registers of elements[from..];
 * returns how many registers changed. Only the one or two bytes of a changed
 * register are written (no copy of the 12k value).
 */
export function denseAddInPlace(s: ByteStore, elements: readonly string[], from: number): number {
  let updated = 0;
  for (let i = from; i < elements.length; i++) {
    murmurString(elements[i]);
    const count = patLenOfHash();
    const bit = PAT_INDEX * HLL_BITS;
    const byte = HLL_HDR_SIZE + (bit >>> 3);
    const fb = bit & 7;
    const b0 = s.byteAt(byte);
    // A register starting at bit 0 or 2 of its byte lies within it.
    const b1 = fb > 2 ? s.byteAt(byte + 1) : 0;
    const old = ((b0 >>> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
    if (count > old) {
      s.setByte(byte, ((b0 & ~(HLL_REGISTER_MAX << fb)) | (count << fb)) & 0xff);
      if (fb > 2) s.setByte(byte + 1, (b1 & ~(HLL_REGISTER_MAX >>> (8 - fb))) | (count >>> (8 - fb)));
      updated++;
    }
  }
  return updated;
}

/** Set bit 63 of the cached cardinality (stale), in place. */
export function invalidateInPlace(s: ByteStore): void {
  const b = s.byteAt(15);
  if ((b & 0x80) === 0) s.setByte(15, b | 0x80);
}

/** Store a computed cardinality as the (valid) cached one, in place. */
export function setCachedCardInPlace(s: ByteStore, card: number): void {
  let lo = card % 4294967296;
  let hi = Math.floor(card / 4294967296);
  for (let i = 8; i < 12; i++) {
    s.setByte(i, lo & 0xff);
    lo = Math.floor(lo / 256);
  }
  for (let i = 12; i < 16; i++) {
    s.setByte(i, hi & 0xff);
    hi = Math.floor(hi / 256);
  }
}

// ---- the mutable working copy --------------------------------------------------------------

export class Hll {
  /** Storage: bytes [0, len) are the value, buf[len] is 0, and more room may follow. */
  buf: Buffer;
  len: number;
  /** Any byte changed since creation / load. */
  dirty = false;

  private constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  /** A new empty HLL (createHLLObject): sparse, one XZERO:16384, cached cardinality 0. */
  static create(): Hll {
    const n = Math.ceil(HLL_REGISTERS / SPARSE_XZERO_MAX_LEN);
    const len = HLL_HDR_SIZE + n * 2;
    const b = Buffer.alloc(len + 4);
    b.latin1Write('HYLL', 0, 4);
    b[4] = HLL_SPARSE;
    let p = HLL_HDR_SIZE;
    let aux = HLL_REGISTERS;
    while (aux > 0) {
      const x = Math.min(aux, SPARSE_XZERO_MAX_LEN) - 1;
      b[p] = (x >>> 8) | 0x40;
      b[p + 1] = x & 0xff;
      p += 2;
      aux -= x + 1;
    }
    const h = new Hll(b, len);
    h.dirty = true;
    return h;
  }

  /** A working copy of the stored bytes `src` (validated by the caller). */
  static from(src: Uint8Array): Hll {
    const len = src.length;
    const b = Buffer.alloc(len + 4);
    b.set(src, 0);
    return new Hll(b, len);
  }

  get encoding(): number {
    return this.buf[4];
  }

  /** The value's bytes (a view: take ownership, do not use this Hll afterwards). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  invalidateCache(): void {
    if ((this.buf[15] & 0x80) === 0) {
      this.buf[15] |= 0x80;
      this.dirty = true;
    }
  }

  /** Store a freshly computed cardinality (cache valid). */
  setCachedCard(card: number): void {
    setCachedCardInPlace(this, card);
  }

  /** ByteStore view of the working copy. */
  byteAt(i: number): number {
    return this.buf[i];
  }

  setByte(i: number, v: number): void {
    this.buf[i] = v;
    this.dirty = true;
  }

  get length(): number {
    return this.len;
  }

  /** hllAdd: 1 when a register changed, 0 when not, -1 for a corrupted sparse value. */
  add(ele: string, sparseMax: number): number {
    murmurString(ele);
    const count = patLenOfHash();
    return this.set(PAT_INDEX, count, sparseMax);
  }

  /** Raise register `index` to `count` in either encoding. */
  set(index: number, count: number, sparseMax: number): number {
    const enc = this.buf[4];
    if (enc === HLL_DENSE) {
      const r = denseSet(this.buf, index, count);
      if (r) this.dirty = true;
      return r;
    }
    if (enc === HLL_SPARSE) return this.sparseSet(index, count, sparseMax);
    return -1;
  }

  /** hllSparseToDense: false (and no change) when the sparse value is corrupted. */
  toDense(): boolean {
    const src = this.buf;
    if (src[4] === HLL_DENSE) return true;
    const d = Buffer.alloc(HLL_DENSE_SIZE + 1);
    src.copy(d, 0, 0, HLL_HDR_SIZE); // magic, unused bytes, cached cardinality
    d[4] = HLL_DENSE;
    const end = this.len;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < end) {
      const op = src[p];
      let runlen: number;
      if (isZero(op)) {
        runlen = zeroLen(op);
        p++;
      } else if (isXzero(op)) {
        runlen = xzeroLen(op, src[p + 1]);
        p += 2;
      } else {
        runlen = valLen(op);
        if (runlen + idx > HLL_REGISTERS) return false;
        const regval = valValue(op);
        for (let n = 0; n < runlen; n++, idx++) denseSetRaw(d, HLL_HDR_SIZE, idx, regval);
        p++;
        continue;
      }
      if (runlen + idx > HLL_REGISTERS) return false;
      idx += runlen;
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = d;
    this.len = HLL_DENSE_SIZE;
    this.dirty = true;
    return true;
  }

  /** Cardinality (hllCount), -1 for a corrupted sparse value. */
  count(): number {
    const h = new Int32Array(64);
    if (this.buf[4] === HLL_DENSE) denseHisto(this.buf, h);
    else if (!sparseHisto(this.buf, this.len, h)) return -1;
    return estimate(h);
  }

  /** Room for `n` more bytes (plus the terminator) without reallocating. */
  private room(n: number): void {
    const need = this.len + n + 1;
    if (this.buf.length >= need) return;
    const nb = Buffer.alloc(Math.max(need, this.len * 2));
    this.buf.copy(nb, 0, 0, this.len + 1);
    this.buf = nb;
  }

  /** Change the length by `delta` (sdsIncrLen), keeping the terminator. */
  private incrLen(delta: number): void {
    this.len += delta;
    this.buf[this.len] = 0;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    // A promotion always raises the register (its sparse value was lower).
    return denseSet(this.buf, index, count);
  }

  /**
   * hllSparseSet: raise register `index` to `count`, splitting the opcode
   * that covers it and merging equal neighbours; promotes to dense when the
   * value does not fit a VAL or the value would exceed `sparseMax` bytes.
   */
  private sparseSet(index: number, count: number, sparseMax: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.room(3);
    const b = this.buf;
    let end = this.len;

    // Step 1: find the opcode covering `index`.
    let p = HLL_HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p];
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]) + 1;
        oplen = 2;
      }
      if (index < first + span) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;

    const op = b[p];
    let next = isXzero(op) ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const opZero = isZero(op);
    const opXzero = isXzero(op);
    const runlen = opZero ? zeroLen(op) : opXzero ? xzeroLen(op, b[p + 1]) : valLen(op);

    // Step 2: the trivial cases.
    let inPlace = false;
    if (!opZero && !opXzero) {
      if (valValue(op) >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        inPlace = true;
      }
    }
    if (!inPlace && opZero && runlen === 1) {
      b[p] = valOp(count, 1);
      inPlace = true;
    }

    if (!inPlace) {
      // General case: split the opcode into up to three.
      const seq: number[] = [];
      const last = first + span - 1;
      if (opZero || opXzero) {
        if (index !== first) pushZeros(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(seq, last - index);
      } else {
        const curval = valValue(op);
        if (index !== first) seq.push(valOp(curval, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(curval, last - index));
      }
      // Step 3: replace the old opcode with the sequence.
      const seqlen = seq.length;
      const oldlen = opXzero ? 2 : 1;
      const delta = seqlen - oldlen;
      if (delta > 0 && this.len + delta > sparseMax) return this.promote(index, count);
      if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
      this.incrLen(delta);
      for (let i = 0; i < seqlen; i++) b[p + i] = seq[i];
      end += delta;
    }

    // Step 4: merge adjacent VALs with the same value, scanning up to 5 opcodes from prev.
    p = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scanlen = 5;
    while (p < end && scanlen-- > 0) {
      const o = b[p];
      if (isXzero(o)) {
        p += 2;
        continue;
      } else if (isZero(o)) {
        p++;
        continue;
      }
      if (p + 1 < end && b[p + 1] & 0x80) {
        const v1 = valValue(o);
        const v2 = valValue(b[p + 1]);
        if (v1 === v2) {
          const len = valLen(o) + valLen(b[p + 1]);
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end + 1);
            this.incrLen(-1);
            end--;
            continue;
          }
        }
      }
      p++;
    }

    this.dirty = true;
    b[15] |= 0x80; // invalidate the cached cardinality
    return 1;
  }
}

function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq.push((l >>> 8) | 0x40, l & 0xff);
  } else seq.push(zeroOp(len));
}

// ---- PFSELFTEST ----------------------------------------------------------------------------

/**
 * PFSELFTEST: register access on random values, then 10M elements added to
 * a dense and a sparse HLL, comparing their estimates and the error at each
 * power of ten. Returns null on success or the TESTFAILED message.
 */
export function selfTest(sparseMax: number, random: () => number = Math.random): string | null {
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  // Test 1: every register keeps its value and leaves its neighbours alone.
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(random() * 64) & HLL_REGISTER_MAX;
      bytecounters[i] = r;
      denseSetRaw(dense, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, HLL_HDR_SIZE, i);
      if (val !== bytecounters[i]) return `TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`;
    }
  }
  // Test 2: approximation error, dense and sparse agreeing.
  dense.fill(0, HLL_HDR_SIZE);
  const o = Hll.create();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = Math.floor(random() * 4294967296) >>> 0;
  const seedHi = Math.floor(random() * 4294967296) >>> 0;
  for (let j = 1; j <= 10000000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    // Redis hashes the element for each HLL; hashing once gives the same (index, count).
    murmurWord(seedHi, lo);
    const count = patLenOfHash();
    denseSet(dense, PAT_INDEX, count);
    o.set(PAT_INDEX, count, sparseMax);
    if (j === checkpoint) {
      if (j < sparseMax / 2 && o.encoding !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
      const cd = countHll(dense);
      if (cd !== o.count()) return 'TESTFAILED dense/sparse disagree';
      const abserr = Math.abs(checkpoint - cd);
      let maxerr = Math.ceil(relerr * 6 * checkpoint);
      if (j === 10) maxerr = 1;
      if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
      checkpoint *= 10;
    }
  }
  return null;
}
