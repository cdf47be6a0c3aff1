/**
 * Hand-built RDB bytes for tests: old encodings (ziplist, zipmap, intset,
 * quicklist v1) and whole files of any RDB version, built from the formats
 * described in Redis's rdb.c / ziplist.c / zipmap.c / intset.c.
 */
import { Crc64 } from '../../src/store/crc64.js';

export const bin = (s: string): Buffer => Buffer.from(s, 'latin1');

/** rdbSaveLen. */
export function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** An RDB string (length + bytes, never encoded). */
export function rdbStr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? bin(s) : s;
  return Buffer.concat([rdbLen(b.length), b]);
}

/** An RDB int-encoded string (RDB_ENC_INT8/16/32). */
export function rdbInt(v: number): Buffer {
  if (v >= -128 && v <= 127) return Buffer.from([0xc0, v & 0xff]);
  if (v >= -32768 && v <= 32767) {
    const b = Buffer.alloc(3);
    b[0] = 0xc1;
    b.writeInt16LE(v, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0xc2;
  b.writeInt32LE(v, 1);
  return b;
}

/** A ziplist of strings and integers (integers in their narrowest ziplist encoding). */
export function ziplist(entries: Array<string | number>): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const e of entries) {
    let enc: Buffer;
    if (typeof e === 'string') {
      const b = bin(e);
      if (b.length < 64) enc = Buffer.concat([Buffer.from([b.length]), b]);
      else if (b.length < 16384) enc = Buffer.concat([Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);
      else {
        const h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(b.length, 1);
        enc = Buffer.concat([h, b]);
      }
    } else if (e >= 0 && e <= 12) {
      enc = Buffer.from([0xf1 + e]);
    } else if (e >= -128 && e <= 127) {
      enc = Buffer.from([0xfe, e & 0xff]);
    } else if (e >= -32768 && e <= 32767) {
      enc = Buffer.alloc(3);
      enc[0] = 0xc0;
      enc.writeInt16LE(e, 1);
    } else if (e >= -(1 << 23) && e < 1 << 23) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf0;
      const u = e < 0 ? (1 << 24) + e : e;
      enc[1] = u & 255;
      enc[2] = (u >> 8) & 255;
      enc[3] = (u >> 16) & 255;
    } else if (e >= -2147483648 && e <= 2147483647) {
      enc = Buffer.alloc(5);
      enc[0] = 0xd0;
      enc.writeInt32LE(e, 1);
    } else {
      enc = Buffer.alloc(9);
      enc[0] = 0xe0;
      enc.writeBigInt64LE(BigInt(e), 1);
    }
    const pl = prev < 254 ? Buffer.from([prev]) : Buffer.from([254, prev & 255, (prev >> 8) & 255, (prev >> 16) & 255, prev >>> 24]);
    const entry = Buffer.concat([pl, enc]);
    parts.push(entry);
    tail = off;
    off += entry.length;
    prev = entry.length;
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

/** A zipmap (Redis 2.x small hash): field/value pairs, with `free` spare bytes after each value. */
export function zipmap(pairs: Array<[string, string]>, free = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length < 254 ? pairs.length : 254])];
  const zlen = (n: number) => (n < 254 ? Buffer.from([n]) : Buffer.from([254, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]));
  for (const [f, v] of pairs) {
    parts.push(zlen(f.length), bin(f), zlen(v.length), Buffer.from([free]), bin(v), Buffer.alloc(free));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** An intset blob of the given width. */
export function intset(width: 2 | 4 | 8, values: Array<number | bigint>): Buffer {
  const b = Buffer.alloc(8 + width * values.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    if (width === 2) b.writeInt16LE(Number(v), 8 + i * 2);
    else if (width === 4) b.writeInt32LE(Number(v), 8 + i * 4);
    else b.writeBigInt64LE(BigInt(v), 8 + i * 8);
  });
  return b;
}

/** RDB_TYPE_ZSET (text scores): len-prefixed, 253 nan, 254 +inf, 255 -inf. */
export function textScore(v: number | string): Buffer {
  if (v === Infinity) return Buffer.from([254]);
  if (v === -Infinity) return Buffer.from([255]);
  const s = String(v);
  return Buffer.concat([Buffer.from([s.length]), bin(s)]);
}

export const OP = { FUNCTION2: 245, MODULE_AUX: 247, IDLE: 248, FREQ: 249, AUX: 250, RESIZEDB: 251, EXPIRETIME_MS: 252, EXPIRETIME: 253, SELECTDB: 254, EOF: 255 } as const;

export function expireMs(ms: number | bigint): Buffer {
  const b = Buffer.alloc(9);
  b[0] = OP.EXPIRETIME_MS;
  b.writeBigInt64LE(BigInt(ms), 1);
  return b;
}

export function expireSec(sec: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = OP.EXPIRETIME;
  b.writeInt32LE(sec, 1);
  return b;
}

/** `<type><key><value bytes>`. */
export function kv(type: number, key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), rdbStr(key), value]);
}

/** A whole file: magic, body, EOF, and (version >= 5) the CRC64 trailer. */
export function rdbFile(version: number, body: Buffer[]): Buffer {
  const head = bin('REDIS' + String(version).padStart(4, '0'));
  const b = Buffer.concat([head, ...body, Buffer.from([OP.EOF])]);
  if (version < 5) return b;
  const crc = Buffer.alloc(8);
  new Crc64().update(b).writeLE(crc, 0);
  return Buffer.concat([b, crc]);
}
