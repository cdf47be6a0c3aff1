/**
 * Streams in snapshots and seeds: the entries, the stream's IDs and counters,
 * and every consumer group with its consumers and pending entries, as plain
 * JSON data — restored exactly (the node layout is rebuilt by appending, so
 * XINFO's radix-tree counts are those of a stream built without deletions).
 */
import { RStream, Consumer, INVALID_ENTRIES_READ, Nack, type StreamID, type U64, u64, MIN_ID } from '../store/types/stream.js';

/** Bytes as snapshot.ts writes them: UTF-8 text or { base64 }. */
type Bytes = string | { base64: string };

export interface StreamSnapshotValue {
  /** Entries in ID order: [id, [[field, value], ...]]; seeds may give fields as an object. */
  entries: Array<[string, Array<[Bytes, Bytes]> | Record<string, Bytes>]>;
  /** last-generated-id (default: the last entry's ID, or 0-0). */
  lastId?: string;
  /** entries-added (default: the number of entries). */
  entriesAdded?: number;
  /** max-deleted-entry-id (default 0-0). */
  maxDeletedId?: string;
  groups?: StreamGroupSnapshot[];
}

export interface StreamGroupSnapshot {
  name: Bytes;
  lastId: string;
  /** entries-read, or null when unknown. */
  entriesRead: number | null;
  consumers: Array<{ name: Bytes; seenTime: number }>;
  /** Pending entries: [id, consumer name, delivery time (clock ms), delivery count]. */
  pending: Array<[string, Bytes, number, number]>;
}

const idStr = (id: StreamID): string => `${id.ms}-${id.seq}`;

function parseSnapshotId(s: string, what: string): StreamID {
  const m = /^(\d+)-(\d+)$/.exec(String(s));
  if (!m) throw new TypeError(`RedKit: snapshot stream ${what} '${String(s)}' is not an ID (ms-seq)`);
  const ms = BigInt(m[1]);
  const seq = BigInt(m[2]);
  if (ms > 18446744073709551615n || seq > 18446744073709551615n) throw new TypeError(`RedKit: snapshot stream ${what} '${s}' is out of range`);
  return { ms: u64(ms), seq: u64(seq) };
}

const cmp = (a: StreamID, b: StreamID): number => (a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0);

/** The snapshot form of a stream. */
export function streamToSnapshot(s: RStream, enc: (s: string) => Bytes): StreamSnapshotValue {
  const entries: StreamSnapshotValue['entries'] = [];
  for (const e of s.range(MIN_ID, { ms: 18446744073709551615n, seq: 18446744073709551615n }, 0)) {
    const pairs: Array<[Bytes, Bytes]> = [];
    for (let i = 0; i < e.fv.length; i += 2) pairs.push([enc(e.fv[i]), enc(e.fv[i + 1])]);
    entries.push([`${e.ms}-${e.seq}`, pairs]);
  }
  const out: StreamSnapshotValue = { entries, lastId: idStr(s.lastId), entriesAdded: s.entriesAdded, maxDeletedId: idStr(s.maxDeletedId) };
  const groups = s.sortedGroups();
  if (groups.length) {
    out.groups = groups.map((g) => {
      const pending: StreamGroupSnapshot['pending'] = [];
      g.pel.forEach((ms, seq, n) => {
        pending.push([`${ms}-${seq}`, enc(n.consumer?.name ?? ''), n.deliveryTime, Number(n.deliveryCount)]);
      });
      return {
        name: enc(g.name),
        lastId: idStr(g.lastId),
        entriesRead: g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead,
        consumers: g.sortedConsumers().map((c) => ({ name: enc(c.name), seenTime: c.seenTime })),
        pending,
      };
    });
  }
  return out;
}

/** Build a stream from its snapshot form (throws TypeError on inconsistent data). */
export function streamFromSnapshot(v: StreamSnapshotValue, dec: (b: Bytes) => string, now: number): RStream {
  if (!v || typeof v !== 'object' || !Array.isArray(v.entries)) throw new TypeError('RedKit: a snapshot stream needs { entries: [[id, fields], ...] }');
  const s = new RStream();
  for (const item of v.entries) {
    if (!Array.isArray(item) || item.length !== 2) throw new TypeError('RedKit: a snapshot stream entry is [id, fields]');
    const id = parseSnapshotId(item[0], 'entry ID');
    if (cmp(id, s.lastId) <= 0) throw new TypeError(`RedKit: snapshot stream entry IDs must increase (${item[0]} after ${idStr(s.lastId)}) and be above 0-0`);
    const fv: string[] = [];
    const f = item[1];
    if (Array.isArray(f)) for (const [a, b] of f) fv.push(dec(a), dec(b));
    else for (const [a, b] of Object.entries(f)) fv.push(dec(a), dec(b));
    if (fv.length === 0) throw new TypeError(`RedKit: snapshot stream entry ${item[0]} has no fields`);
    s.append(id.ms as U64, id.seq as U64, fv);
  }
  if (v.lastId !== undefined) {
    const last = parseSnapshotId(v.lastId, 'lastId');
    if (cmp(last, s.lastId) < 0) throw new TypeError(`RedKit: snapshot stream lastId ${v.lastId} is below its last entry`);
    s.lastId = last;
  }
  if (v.entriesAdded !== undefined) {
    if (!Number.isSafeInteger(v.entriesAdded) || v.entriesAdded < s.length) throw new TypeError('RedKit: snapshot stream entriesAdded must be an integer >= the number of entries');
    s.entriesAdded = v.entriesAdded;
  }
  if (v.maxDeletedId !== undefined) s.maxDeletedId = parseSnapshotId(v.maxDeletedId, 'maxDeletedId');
  for (const g of v.groups ?? []) {
    const group = s.createGroup(dec(g.name), parseSnapshotId(g.lastId, 'group lastId'), g.entriesRead ?? INVALID_ENTRIES_READ);
    if (group === null) throw new TypeError(`RedKit: snapshot stream group '${dec(g.name)}' appears twice`);
    for (const c of g.consumers ?? []) {
      const name = dec(c.name);
      group.consumers.set(name, new Consumer(name, typeof c.seenTime === 'number' ? c.seenTime : now));
    }
    for (const [ids, cname, time, count] of g.pending ?? []) {
      const id = parseSnapshotId(ids, 'pending ID');
      const name = dec(cname);
      let c = group.consumers.get(name);
      if (c === undefined) {
        c = new Consumer(name, now);
        group.consumers.set(name, c);
      }
      const n = new Nack(c, time, count);
      group.pel.set(id.ms, id.seq, n);
      c.pel.set(id.ms, id.seq, n);
    }
  }
  return s;
}
