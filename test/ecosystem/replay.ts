/**
 * Replay what a library sent to RedKit on a fresh redis-server and compare
 * the replies (RedKit-only tests: it needs the recorder).
 *
 * The recorder's top-level entries are in the order RedKit ran them (one
 * thread: a command runs when it arrives), so replaying them one by one on a
 * single connection to redis-server reproduces the same keyspace, step by
 * step, as long as no blocking command waited: a BRPOPLPUSH / BLMOVE /
 * BZPOPMIN that was answered with data ran when it arrived, and is replayed as
 * its non-blocking form (its reply is not compared: the shapes differ for
 * BZPOPMIN); one that timed out changed nothing and is skipped, as are
 * XREAD/XREADGROUP with BLOCK, connection chatter and TIME/INFO/CLIENT.
 * Workloads should keep blocking commands from waiting (add the jobs first).
 *
 * Masked before comparing: stream IDs (`*` takes the server's time), PUBLISH
 * replies (the library's subscribers are on RedKit only), and the
 * order of SMEMBERS-like replies (Redis 7.0 keeps small string sets in a hash
 * table ordered by its random hash seed). Long hash fields (job options,
 * stack traces) move a hash to a hash table too, whose HGETALL order is just
 * as random: `listpackHashes(redkit)` before the workload keeps them
 * listpacks (insertion order) on RedKit, and the oracle starts the same way.
 */
import type { RedKit, RecordedCommand } from '../../src/index.js';
import { encodeReply } from '../../src/resp/writer.js';
import { decode } from '../support/differential.js';
import { RawClient } from '../support/raw-client.js';
import { startRedisServer } from '../support/redis-server.js';

const SKIP = /^(INFO|CLIENT|HELLO|TIME|QUIT|SCRIPT KILL|MONITOR|SUBSCRIBE|PSUBSCRIBE|UNSUBSCRIBE|PUNSUBSCRIBE)/;
const PUBLISH = /^S?PUBLISH$/;
/** SSCAN over a hash-table set walks in hash order too (cursor compared, elements sorted). */
const SCANS = /^SSCAN$/;
const UNORDERED = /^(SMEMBERS|SUNION|SINTER|SDIFF|SRANDMEMBER|SPOP)$/;

function nonBlocking(e: RecordedCommand): string[] | null | undefined {
  const a = e.args;
  switch (e.name) {
    case 'BRPOPLPUSH':
      return ['RPOPLPUSH', a[0], a[1]];
    case 'BLMOVE':
      return ['LMOVE', a[0], a[1], a[2], a[3]];
    case 'BRPOP':
    case 'BLPOP':
    case 'BZPOPMIN':
    case 'BZPOPMAX': {
      // served from the key in its reply
      const key = (e.reply as unknown[])[0] as string;
      return [e.name.slice(1), key];
    }
    case 'XREAD':
    case 'XREADGROUP':
      return a.some((x) => x.toUpperCase() === 'BLOCK') ? null : undefined;
    default:
      return undefined; // not blocking
  }
}

function mask(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\b\d{13}-\d+\b/g, '<stream-id>');
  if (Array.isArray(v)) return v.map(mask);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
  return v;
}

export interface ReplayResult {
  /** Commands compared. */
  compared: number;
  /** One line per differing reply: the command, then both replies. */
  diffs: string[];
}

const LISTPACK_VALUE = '100000';

/** Keep hashes listpack-encoded whatever their field sizes; returns the undo. */
export function listpackHashes(redkit: RedKit): () => void {
  const got = redkit.db().command('CONFIG', 'GET', 'hash-max-listpack-value') as string[] | Record<string, string>;
  const before = Array.isArray(got) ? got[1] : got['hash-max-listpack-value'];
  redkit.db().command('CONFIG', 'SET', 'hash-max-listpack-value', LISTPACK_VALUE);
  return () => void redkit.db().command('CONFIG', 'SET', 'hash-max-listpack-value', before);
}

/** Replay the entries recorded after `since` (a recorder mark's seq) on a fresh redis-server. */
export async function replayOnRedis(redkit: RedKit, opts: { since?: number } = {}): Promise<ReplayResult> {
  const entries = redkit.recorder.all.filter((e) => !e.chatter && e.done && e.seq > (opts.since ?? 0));
  const oracle = await startRedisServer(['--hash-max-listpack-value', LISTPACK_VALUE]);
  const raw = await RawClient.connect(oracle.port);
  const diffs: string[] = [];
  let compared = 0;
  try {
    let db = 0;
    for (const e of entries) {
      if (SKIP.test(e.name)) continue;
      if (e.db !== db) {
        await raw.call('SELECT', String(e.db));
        db = e.db;
      }
      const nb = nonBlocking(e);
      if (nb === null) continue;
      if (nb !== undefined) {
        if (e.rawReply === null || e.error || (Array.isArray(e.rawReply) && e.rawReply.length === 0)) continue; // timed out: no effect
        await raw.call(...nb);
        continue;
      }
      // the commands EXEC ran are its children: queue them first
      if (e.name === 'EXEC') for (const q of e.children) await raw.call(...q.name.split(' '), ...q.buffers);
      const theirs = await raw.call(...e.name.split(' '), ...e.buffers);
      const ours = encodeReply(e.rawReply!, 2).toString('latin1');
      if (PUBLISH.test(e.name)) continue; // receivers: the library's subscribers are RedKit's only
      // MAXLEN ~ / MINID ~ trims whole stream nodes, whose byte size depends on
      // the ID deltas `*` gave: timing, not fidelity (same IDs trim the same)
      if (e.name === 'XTRIM' && e.args[2] === '~') continue;
      const unordered = UNORDERED.test(e.name);
      const view = (bytes: string) => {
        let v = mask(decode(bytes));
        if (unordered && Array.isArray(v)) v = [...v].sort();
        if (SCANS.test(e.name) && Array.isArray(v) && Array.isArray(v[1])) v = [v[0], [...v[1]].sort()];
        if (e.name === 'EXEC' && Array.isArray(v)) v = v.map((x, i) => (PUBLISH.test(e.children[i]?.name ?? '') ? '<receivers>' : x));
        return JSON.stringify(v);
      };
      const a = view(theirs);
      const b = view(ours);
      compared++;
      if (a !== b) diffs.push(`${e.name} ${e.args.join(' ').slice(0, 200)}\n  redis:  ${a.slice(0, 400)}\n  redkit: ${b.slice(0, 400)}`);
    }
  } finally {
    raw.socket.destroy();
    await oracle.stop();
  }
  return { compared, diffs };
}
