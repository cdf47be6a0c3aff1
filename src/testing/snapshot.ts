/**
 * Snapshots: the whole keyspace as plain JSON-serialisable data (every
 * database, type and TTL; binary data as base64), restored exactly. Seeds use
 * the same format, plus a friendlier object form for hand-written fixtures.
 */
import fs from 'node:fs';
import { parseDuration, type Duration } from '../clock/clock.js';
import { formatDouble } from '../resp/format.js';
import { MapReply, SetReply, type Reply } from '../resp/reply.js';
import { InternalClient } from '../server/internal.js';
import type { RedKitServer } from '../server/server.js';
import { isRdb } from '../store/rdb-file.js';
import { typeOf } from '../store/types.js';
import { RStream } from '../store/types/stream.js';
import { streamFromSnapshot, streamToSnapshot, type StreamSnapshotValue } from './streams.js';
import { isUtf8 } from './values.js';

/** Bytes: UTF-8 text, or `{ base64 }` for anything that is not valid UTF-8. */
export type Bytes = string | { base64: string };

interface EntryBase {
  key: Bytes;
  /** Absolute expiry time (clock ms since the epoch). */
  expireAt?: number;
  /** Relative time to live (seeds only): ms or '30s', '5m', ... */
  ttl?: Duration;
}

export type SnapshotEntry =
  | (EntryBase & { type: 'string'; value: Bytes })
  | (EntryBase & {
      type: 'hash';
      /** Field → value (all text), or [field, value] pairs (when any is binary). */
      value: Record<string, Bytes> | Array<[Bytes, Bytes]>;
      /** Per-field expiry (HEXPIRE): [field, absolute ms] pairs. */
      fieldExpireAt?: Array<[Bytes, number]>;
    })
  | (EntryBase & { type: 'list'; value: Bytes[] })
  | (EntryBase & { type: 'set'; value: Bytes[] })
  | (EntryBase & { type: 'stream'; value: StreamSnapshotValue })
  | (EntryBase & {
      type: 'zset';
      /** [member, score] pairs by rank; scores are numbers, or 'inf' / '-inf'. Seeds may also use { member: score }. */
      value: Array<[Bytes, number | string]> | Record<string, number | string>;
    });

/** Object-form seed value: a plain string, or an entry without its key. */
export type SeedValue = string | DistributiveOmit<SnapshotEntry, 'key'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface Snapshot {
  /** Format version. */
  redkit: 1;
  /** Clock time when the snapshot was taken. */
  time?: number;
  /** Database index → entries (array form) or key → value (object form, seeds). */
  databases: Record<string, SnapshotEntry[] | Record<string, SeedValue>>;
  /** Function libraries (their `#!lua name=...` code), loaded as FUNCTION LOAD REPLACE. */
  functions?: string[];
}

const enc = (s: string): Bytes => (isUtf8(s) ? Buffer.from(s, 'latin1').toString('utf8') : { base64: Buffer.from(s, 'latin1').toString('base64') });
const dec = (b: Bytes): string => (typeof b === 'string' ? Buffer.from(b, 'utf8').latin1Slice() : Buffer.from(b.base64, 'base64').latin1Slice());

function items(r: Reply): string[] {
  const arr = Array.isArray(r) ? r : r instanceof SetReply ? r.items : r instanceof MapReply ? r.flat : [];
  return (arr as Reply[]).map((x) => (typeof x === 'string' ? x : Buffer.isBuffer(x) ? x.latin1Slice() : String(x)));
}

/** Take a snapshot of every database. */
export function takeSnapshot(server: RedKitServer): Snapshot {
  const databases: Record<string, SnapshotEntry[]> = {};
  for (const db of server.store.dbs) {
    const client = new InternalClient(server, db.id);
    const entries: SnapshotEntry[] = [];
    for (const key of [...db.keys()]) {
      // peek: taking a snapshot is not an access (OBJECT IDLETIME stays as it was)
      const v = db.peek(key);
      if (v === undefined) continue;
      const type = typeOf(v);
      const expireAt = db.getExpire(key);
      const base = { key: enc(key), ...(expireAt !== undefined ? { expireAt } : {}) };
      switch (type) {
        case 'string':
          entries.push({ ...base, type, value: enc(items([client.call('GET', key)])[0]) });
          break;
        case 'hash': {
          const flat = items(client.call('HGETALL', key));
          const allText = flat.every(isUtf8);
          let value: Record<string, Bytes> | Array<[Bytes, Bytes]>;
          if (allText) {
            const o: Record<string, Bytes> = {};
            for (let i = 0; i < flat.length; i += 2) o[enc(flat[i]) as string] = enc(flat[i + 1]);
            value = o;
          } else {
            value = [];
            for (let i = 0; i < flat.length; i += 2) value.push([enc(flat[i]), enc(flat[i + 1])]);
          }
          const fe = hashFieldExpiry(server, client, key, flat);
          entries.push({ ...base, type, value, ...(fe ? { fieldExpireAt: fe } : {}) });
          break;
        }
        case 'list':
          entries.push({ ...base, type, value: items(client.call('LRANGE', key, '0', '-1')).map(enc) });
          break;
        case 'set':
          entries.push({ ...base, type, value: items(client.call('SMEMBERS', key)).sort().map(enc) });
          break;
        case 'zset': {
          const r = client.call('ZRANGE', key, '0', '-1', 'WITHSCORES') as unknown as unknown[];
          const pairs: Array<[Bytes, number | string]> = [];
          const push = (m: unknown, s: unknown) => {
            const score = typeof s === 'object' && s !== null && 'value' in s ? (s as { value: number }).value : Number(s);
            pairs.push([enc(String(m)), Number.isFinite(score) ? score : formatDouble(score)]);
          };
          if (r.length && Array.isArray(r[0])) for (const p of r as unknown[][]) push(p[0], p[1]);
          else for (let i = 0; i < r.length; i += 2) push(r[i], r[i + 1]);
          entries.push({ ...base, type, value: pairs });
          break;
        }
        case 'stream':
          entries.push({ ...base, type, value: streamToSnapshot(v as RStream, enc) });
          break;
        default:
          throw new Error(`RedKit: snapshots do not support ${type} values yet (key ${JSON.stringify(enc(key))})`);
      }
    }
    if (entries.length) databases[String(db.id)] = entries;
  }
  return { redkit: 1, time: server.clock.now(), databases };
}

function hashFieldExpiry(server: RedKitServer, client: InternalClient, key: string, flat: string[]): Array<[Bytes, number]> | undefined {
  if (!server.registry.get('hpexpiretime') || flat.length === 0) return undefined;
  const fields: string[] = [];
  for (let i = 0; i < flat.length; i += 2) fields.push(flat[i]);
  const r = client.call('HPEXPIRETIME', key, 'FIELDS', String(fields.length), ...fields) as unknown as number[];
  let out: Array<[Bytes, number]> | undefined;
  r.forEach((t, i) => {
    if (typeof t === 'number' && t > 0) (out ??= []).push([enc(fields[i]), t]);
  });
  return out;
}

/**
 * Read a seed file: a dump.rdb (recognised by its "REDIS00nn" magic) comes
 * back as its bytes, anything else is parsed as a JSON snapshot/seed.
 */
export function readSeedFile(path: string): Snapshot | Buffer {
  const bytes = fs.readFileSync(path);
  if (isRdb(bytes)) return bytes;
  let data: Snapshot;
  try {
    data = JSON.parse(bytes.toString('utf8')) as Snapshot;
  } catch (e) {
    throw new TypeError(`RedKit: ${path} is neither an RDB file nor a JSON snapshot (${(e as Error).message})`);
  }
  validate(data, path);
  return data;
}

/** Load a snapshot or seed file (JSON). */
export function readSnapshotFile(path: string): Snapshot {
  const data = JSON.parse(fs.readFileSync(path, 'utf8')) as Snapshot;
  validate(data, path);
  return data;
}

function validate(s: Snapshot, where = 'snapshot'): void {
  if (!s || typeof s !== 'object' || typeof s.databases !== 'object' || s.databases === null || Array.isArray(s.databases)) {
    throw new TypeError(`RedKit: ${where} is not a RedKit snapshot (expected { "redkit": 1, "databases": { ... } })`);
  }
  if (s.redkit !== undefined && s.redkit !== 1) throw new TypeError(`RedKit: ${where} has format version ${JSON.stringify(s.redkit)}; this RedKit reads version 1`);
}

const TYPES = new Set(['string', 'hash', 'list', 'set', 'zset', 'stream']);

function checkEntry(e: SnapshotEntry, where: string): void {
  if (!e || typeof e !== 'object') throw new TypeError(`RedKit: ${where}: an entry must be an object`);
  if (!TYPES.has(e.type)) throw new TypeError(`RedKit: ${where}: unknown type ${JSON.stringify((e as { type?: unknown }).type)} (string, hash, list, set, zset, stream)`);
  const v = e.value as unknown;
  const ok =
    e.type === 'string'
      ? typeof v === 'string' || isB64(v)
      : e.type === 'list' || e.type === 'set'
        ? Array.isArray(v)
        : v !== null && typeof v === 'object';
  if (!ok) throw new TypeError(`RedKit: ${where}: bad value for a ${e.type}`);
}

const isB64 = (v: unknown): boolean => v !== null && typeof v === 'object' && typeof (v as { base64?: unknown }).base64 === 'string';

/** Replace the whole keyspace with a snapshot (or add a seed on top with `flush: false`). */
export function restoreSnapshot(server: RedKitServer, snap: Snapshot, opts: { flush?: boolean } = {}): void {
  validate(snap);
  if (opts.flush !== false) server.store.flushAll();
  const now = server.clock.now();
  for (const [dbName, content] of Object.entries(snap.databases)) {
    const index = Number(dbName);
    if (!Number.isInteger(index) || index < 0 || index >= server.store.dbs.length) throw new RangeError(`RedKit: snapshot database '${dbName}' does not exist (databases: ${server.store.dbs.length})`);
    const client = new InternalClient(server, index);
    if (content === null || typeof content !== 'object') throw new TypeError(`RedKit: snapshot database '${dbName}' must be an array of entries or an object of keys`);
    const entries: SnapshotEntry[] = Array.isArray(content)
      ? content
      : Object.entries(content).map(([key, v]) => (typeof v === 'string' ? { key, type: 'string' as const, value: v } : ({ key, ...v } as SnapshotEntry)));
    for (const e of entries) {
      const name = typeof e?.key === 'string' ? e.key : isB64(e?.key) ? `base64:${(e.key as { base64: string }).base64}` : '?';
      checkEntry(e, `db ${dbName} key ${JSON.stringify(name)}`);
      writeEntry(client, e, now);
    }
  }
}

function writeEntry(client: InternalClient, e: SnapshotEntry, now: number): void {
  const key = dec(e.key);
  client.call('DEL', key);
  switch (e.type) {
    case 'string':
      client.call('SET', key, dec(e.value));
      break;
    case 'hash': {
      const args: string[] = [];
      if (Array.isArray(e.value)) for (const [f, v] of e.value) args.push(dec(f), dec(v));
      else for (const [f, v] of Object.entries(e.value)) args.push(dec(f), dec(v));
      if (args.length) client.call('HSET', key, ...args);
      if (e.fieldExpireAt) {
        for (const [f, at] of e.fieldExpireAt) client.call('HPEXPIREAT', key, String(Math.round(at)), 'FIELDS', '1', dec(f));
      }
      break;
    }
    case 'list':
      if (e.value.length) client.call('RPUSH', key, ...e.value.map(dec));
      break;
    case 'set':
      if (e.value.length) client.call('SADD', key, ...e.value.map(dec));
      break;
    case 'zset': {
      const args: string[] = [];
      const pairs: Array<[Bytes, number | string]> = Array.isArray(e.value) ? e.value : Object.entries(e.value);
      for (const [m, s] of pairs) args.push(typeof s === 'number' ? formatDouble(s) : String(s), dec(m));
      if (args.length) client.call('ZADD', key, ...args);
      break;
    }
    case 'stream':
      client.db.set(key, streamFromSnapshot(e.value, dec, now));
      break;
    default:
      throw new TypeError(`RedKit: unknown snapshot entry type '${(e as { type: string }).type}'`);
  }
  const at = e.expireAt ?? (e.ttl !== undefined ? now + parseDuration(e.ttl) : undefined);
  if (at !== undefined) client.call('PEXPIREAT', key, String(Math.round(at)));
}
