/**
 * LZF compression as Redis 7.0 ships it (lzf_c.c / lzf_d.c, liblzf 3.6 built
 * with HLOG 16, VERY_FAST 1, ULTRA_FAST 0), so that DUMP payloads and RDB
 * strings compress to the very bytes redis-server produces. (The older 3.5
 * compressor refused matches in the last 4 bytes; 3.6 takes them.)
 *
 * Format (decompression does not depend on the compressor's choices):
 *   000LLLLL <L+1 literal bytes>
 *   LLLooooo oooooooo            back reference, length L+2 (L in 1..6)
 *   111ooooo LLLLLLLL oooooooo   back reference, length L+9
 * with offset o+1 bytes back from the current output position.
 *
 * One difference: liblzf leaves its hash table uninitialised (INIT_HTAB 0)
 * and keeps input offsets in it, so a slot left on the C stack by an earlier
 * call can point into the current input and offer a match a fresh table
 * would not have found. This implementation always starts from an empty
 * table: Redis's output whenever those stale slots happen to be harmless,
 * which covers every payload in the differential tests.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Hash slots: input position + 1 (0 = empty). Reused between calls and
 * cleared with a generation stamp instead of a 256KB fill each time.
 */
const htab = new Int32Array(HSIZE);
const hgen = new Uint32Array(HSIZE);
let generation = 0;

/** liblzf's IDX(h) for VERY_FAST: only the last three bytes of h matter. */
const idx = (h: number): number => (((h >>> 8) - h * 5) & (HSIZE - 1)) >>> 0;

/**
 * Compress `input` into at most `outLen` bytes. Returns the compressed bytes,
 * or null when the output would not fit in `outLen` (lzf_compress returning 0).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Buffer | null {
  const inLen = input.length;
  if (inLen === 0 || outLen <= 0) return null;
  if (++generation === 0xffffffff) {
    hgen.fill(0);
    generation = 1;
  }
  const gen = generation;
  // One spare byte: liblzf writes a run header before checking for room.
  const out = Buffer.allocUnsafe(outLen + 1);
  const ip0 = input;
  const inEnd = inLen;
  const outEnd = outLen;
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run

  let hval = (ip0[0] << 8) | (inLen > 1 ? ip0[1] : 0);
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
    const slot = idx(hval);
    const ref = hgen[slot] === gen ? htab[slot] - 1 : -1;
    htab[slot] = ip + 1;
    hgen[slot] = gen;

    let off: number;
    if (
      ref >= 0 &&
      ref < ip &&
      (off = ip - ref - 1) < MAX_OFF &&
      ref > 0 && // `ref > in_data`: the first byte is never a reference
      ip0[ref] === ip0[ip] &&
      ip0[ref + 1] === ip0[ip + 1] &&
      ip0[ref + 2] === ip0[ip + 2]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero

      if (op + 3 + 1 >= outEnd) return null;

      // liblzf compares 16 bytes unrolled before the bounded loop: the
      // length it settles on (even past maxlen by up to 2) is reproduced.
      let done = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (ip0[ref + len] !== ip0[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do len++;
        while (len < maxlen && ip0[ref + len] === ip0[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = ((off >>> 8) + (len << 5)) & 0xff;
      } else {
        out[op++] = ((off >>> 8) + (7 << 5)) & 0xff;
        out[op++] = (len - 7) & 0xff;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: hash the last two positions of the match.
      ip -= 2;
      hval = (ip0[ip] << 8) | ip0[ip + 1];
      hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
      let s = idx(hval);
      htab[s] = ip + 1;
      hgen[s] = gen;
      ip++;
      hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
      s = idx(hval);
      htab[s] = ip + 1;
      hgen[s] = gen;
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return null;
      lit++;
      out[op++] = ip0[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outEnd) return null; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = ip0[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--; // undo run if length is zero

  return out.subarray(0, op);
}

/**
 * Decompress exactly `outLen` bytes (lzf_decompress with CHECK_INPUT).
 * Returns null when the data is corrupt or does not produce `outLen` bytes.
 */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  const inEnd = input.length;
  let ip = 0;
  let op = 0;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      // literal run
      ctrl++;
      if (op + ctrl > outLen) return null; // E2BIG
      if (ip + ctrl > inEnd) return null; // EINVAL
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      // back reference
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++];
      if (op + len + 2 > outLen) return null;
      if (ref < 0) return null;
      // Byte by byte: the source may overlap the bytes being written.
      for (let k = 0; k < len + 2; k++) out[op++] = out[ref++];
    }
  }
  return op === outLen ? out : null;
}

/**
 * lzfDecompress into `out` at `outStart` (room for outLen bytes assumed):
 * input[inStart, inEnd) must decompress to exactly outLen bytes. Returns
 * false when it does not (corrupt), as lzfDecompress returns null.
 */
export function lzfDecompressInto(input: Uint8Array, inStart: number, inEnd: number, out: Uint8Array, outStart: number, outLen: number): boolean {
  let ip = inStart;
  let op = outStart;
  const outEnd = outStart + outLen;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > inEnd) return false;
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return false;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) return false;
      }
      ref -= input[ip++];
      if (op + len + 2 > outEnd || ref < outStart) return false;
      for (let k = 0; k < len + 2; k++) out[op++] = out[ref++];
    }
  }
  return op === outEnd;
}
