/**
 * Runs a generated op sequence on redis-server and RedKit and compares every
 * reply. Runs of simple ops are pipelined (one write per server, replies read
 * in order); ops that need the replies to continue (SPOP put-backs, SCAN
 * iterations, DUMP payloads, SORT STORE clean-ups) run on their own.
 */
import { decode, norm } from '../support/differential.js';
import { encodeCommand, replyLength, type RawClient } from '../support/raw-client.js';
import { ABSOLUTE, ALL_KEYS, showCmd, type Cmd, type Op, type RunConfig } from './gen.js';
import { liveOracle } from '../support/redis-server.js';

export class Mismatch extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Stats {
  sequences: number;
  ops: number;
  /** Commands sent to each server (ops plus probes, put-backs, scan pages...). */
  commands: number;
  /** DUMP payloads both servers produced for the same value, and how many were byte-identical. */
  dumps: number;
  dumpsIdentical: number;
  /** Random-pick replies (SPOP) that differed and were put back. */
  putBacks: number;
  /** Largest difference seen between the servers' millisecond TTL-like replies. */
  maxSkew: number;
  /** Keyevent notifications compared (redis side). */
  events: number;
  /** Block ops: waiters sent, waiters that blocked, waiters released by CLIENT UNBLOCK (the others blocked were served by the writes). */
  blocking: { waiters: number; blocked: number; unblocked: number };
  /** Per command name: [replies, error replies, WRONGTYPE replies, empty/null replies] (redis side, pipelined ops). */
  replies: Map<string, [number, number, number, number]>;
}

export const newStats = (): Stats => ({ sequences: 0, ops: 0, commands: 0, dumps: 0, dumpsIdentical: 0, putBacks: 0, maxSkew: 0, events: 0, blocking: { waiters: 0, blocked: 0, unblocked: 0 }, replies: new Map() });

const TIMEOUT = 10_000;
/**
 * How far apart (ms) the two servers' clocks may read for the same command: both get each batch at
 * once, but RedKit shares the test's event loop (and a loaded CI machine). TTL-like replies within it
 * pass; exact millisecond semantics are checked on RedKit's virtual clock (expiry.test.ts).
 */
const SKEW = 1000;
const short = (s: string) => {
  const j = JSON.stringify(s);
  return j.length > 400 ? j.slice(0, 400) + '...' : j;
};

/** Items of an array/set/map reply (map: flat). */
function items(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') {
    if ('set' in v) return (v as { set: unknown[] }).set;
    if ('map' in v) return (v as { map: unknown[] }).map;
  }
  return null;
}

const isError = (bytes: string) => bytes.startsWith('-');
const INT_RE = /^(0|-?[1-9][0-9]{0,18})$/;
const isIntString = (s: unknown) => typeof s === 'string' && INT_RE.test(s) && BigInt(s) <= 9223372036854775807n && BigInt(s) >= -9223372036854775808n;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function pipeline(c: RawClient, cmds: Cmd[]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map((x) => encodeCommand(x))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read(TIMEOUT));
  return out;
}

interface Plan {
  cmds: Cmd[];
  check(r: string[], k: string[]): string | null;
}

/**
 * A reply with idle times (ms since a delivery or a consumer's last action), with them masked:
 * extended XPENDING entries [id, consumer, idle, deliveries], XINFO CONSUMERS' `idle` fields.
 */
function maskIdle(cmd: Cmd, bytes: string): string {
  if (bytes.startsWith('-')) return bytes;
  const v = decode(bytes);
  const list = items(v) ?? [];
  for (const e of list) {
    const f = items(e);
    if (f === null) continue;
    if (cmd[0] === 'XPENDING' && f.length === 4) f[2] = 'idle';
    else for (let i = 0; i + 1 < f.length; i += 2) if (JSON.stringify(f[i]) === '"idle"' || JSON.stringify(f[i]) === '{"simple":"idle"}') f[i + 1] = 'idle';
  }
  return JSON.stringify(v);
}

/** A connection to each server for the clients of 'block' ops, with each server's client id. */
export interface Waiter {
  r: RawClient;
  k: RawClient;
  rid: string;
  kid: string;
}

/**
 * Wait until the client `id` (connection `w`) is blocked (CLIENT LIST flag b, asked on `main`) or
 * has a whole reply waiting. No time limit of its own: each probe is a round trip.
 */
async function settle(main: RawClient, w: RawClient, id: string): Promise<'blocked' | 'answered'> {
  for (let i = 0; i < 5000; i++) {
    if (replyLength(Buffer.from(w.pending(), 'latin1')) >= 0) return 'answered';
    const line = await main.call('CLIENT', 'LIST', 'ID', id);
    if (/ flags=[a-zA-Z]*b/.test(line)) return 'blocked';
  }
  throw new Error(`client ${id} neither blocked nor answered`);
}

export class Runner {
  /** Connections for the clients of 'block' ops (three pairs), set by the caller. */
  waiters: Waiter[] = [];
  /** set-max-intset-entries now (the sequence may change it). */
  private intsetMax: number;
  /**
   * Set when an op's effect was left open by Redis (a lex range over different scores in a
   * skiplist): the servers' keyspace events may then differ, so they are not compared.
   */
  eventsOpen = false;

  constructor(
    private readonly r: RawClient,
    private readonly k: RawClient,
    cfg: RunConfig,
    private readonly stats: Stats,
  ) {
    this.intsetMax = Number(cfg['set-max-intset-entries']);
  }

  async run(ops: Op[]): Promise<void> {
    this.stats.sequences++;
    let i = 0;
    while (i < ops.length) {
      const batch: Array<{ index: number; op: Op; plan: Plan }> = [];
      while (i < ops.length && batch.length < 300) {
        const plan = this.plan(ops[i]);
        if (!plan) break;
        batch.push({ index: i, op: ops[i], plan });
        i++;
      }
      if (batch.length) await this.runBatch(batch);
      if (i < ops.length && !this.plan(ops[i])) {
        await this.interactive(ops[i], i);
        i++;
      }
    }
    await this.finalState(ops.length);
  }

  /**
   * After the sequence: every key of both databases, compared whole (type, encoding, TTL, content), so
   * a divergence no command happened to read still fails the sequence (reported after its last op).
   */
  private async finalState(index: number): Promise<void> {
    const keys = [...ALL_KEYS, 'd1', 'd2'];
    const fail = (m: string) => {
      throw new Mismatch(index, `final state: ${m}`);
    };
    for (const db of ['0', '1']) {
      const meta = keys.flatMap((key): Cmd[] => [
        ['TYPE', key],
        ['OBJECT', 'ENCODING', key],
        ['PTTL', key],
      ]);
      const [r, k] = await this.both([['SELECT', db], ...meta]);
      for (let i = 0; i < keys.length; i++) {
        const at = 1 + i * 3;
        if (r[at] !== k[at] || r[at + 1] !== k[at + 1]) return fail(`db ${db} key ${JSON.stringify(keys[i])}: TYPE, OBJECT ENCODING\n  redis:  ${short(r[at] + r[at + 1])}\n  redkit: ${short(k[at] + k[at + 1])}`);
        const t = this.ttlCheck(r[at + 2], k[at + 2], null);
        if (t) return fail(`db ${db} key ${JSON.stringify(keys[i])}: PTTL${t}`);
      }
      const reads: Array<{ cmd: Cmd; mode: 'exact' | 'sorted' | 'pairs' }> = [];
      for (let i = 0; i < keys.length; i++) {
        const type = (decode(r[1 + i * 3]) as { simple: string }).simple;
        const enc = decode(r[2 + i * 3]);
        const key = keys[i];
        if (type === 'string') reads.push({ cmd: ['GET', key], mode: 'exact' });
        else if (type === 'list') reads.push({ cmd: ['LRANGE', key, '0', '-1'], mode: 'exact' });
        else if (type === 'set') reads.push({ cmd: ['SMEMBERS', key], mode: enc === 'intset' ? 'exact' : 'sorted' });
        else if (type === 'hash') reads.push({ cmd: ['HGETALL', key], mode: enc === 'listpack' ? 'exact' : 'pairs' });
        else if (type === 'zset') reads.push({ cmd: ['ZRANGE', key, '0', '-1', 'WITHSCORES'], mode: 'exact' });
        else if (type === 'stream') reads.push({ cmd: ['XINFO', 'STREAM', key], mode: 'exact' }, { cmd: ['XINFO', 'GROUPS', key], mode: 'exact' }, { cmd: ['XPENDING', key, 'g1'], mode: 'exact' });
      }
      if (!reads.length) continue;
      const [a, b] = await this.both(reads.map((x) => x.cmd));
      for (let i = 0; i < reads.length; i++) {
        const { cmd, mode } = reads[i];
        const ok = mode === 'exact' ? a[i] === b[i] : same((mode === 'pairs' ? norm.pairs : norm.sorted)(a[i]), (mode === 'pairs' ? norm.pairs : norm.sorted)(b[i]));
        if (!ok) return fail(`db ${db}: ${showCmd(cmd)}${mode === 'exact' ? '' : ` (compared ${mode})`}\n  redis:  ${short(a[i])}\n  redkit: ${short(b[i])}`);
      }
    }
  }

  private async both(cmds: Cmd[]): Promise<[string[], string[]]> {
    this.stats.commands += cmds.length;
    return Promise.all([pipeline(this.r, cmds), pipeline(this.k, cmds)]);
  }

  private async runBatch(batch: Array<{ index: number; op: Op; plan: Plan }>): Promise<void> {
    const cmds = batch.flatMap((b) => b.plan.cmds);
    const [rr, kk] = await this.both(cmds);
    let at = 0;
    for (const b of batch) {
      const n = b.plan.cmds.length;
      const main = rr[at + n - 1];
      const name = b.op.cmd[0];
      const t = this.stats.replies.get(name) ?? [0, 0, 0, 0];
      t[0]++;
      if (main.startsWith('-')) {
        t[1]++;
        if (process.env.FC_STATS === 'errors') console.log(`${showCmd(b.op.cmd)} -> ${main.trim()}`);
      }
      if (main.startsWith('-WRONGTYPE')) t[2]++;
      if (/^(\$-1|\*0|\*-1|_|~0|%0):?\r\n/.test(main) || main === ':0\r\n') t[3]++;
      this.stats.replies.set(name, t);
      const msg = b.plan.check(rr.slice(at, at + n), kk.slice(at, at + n));
      at += n;
      this.stats.ops++;
      if (msg !== null) throw new Mismatch(b.index, `op #${b.index} ${showCmd(b.op.cmd)}: ${msg}`);
    }
  }

  /** A pipelinable plan, or null for ops that need their replies to go on. */
  private plan(op: Op): Plan | null {
    const exactCheck = (a: string, b: string) => (a === b ? null : `\n  redis:  ${short(a)}\n  redkit: ${short(b)}`);
    switch (op.t) {
      case 'exact':
        return {
          cmds: [op.cmd],
          check: (r, k) => {
            if (op.cmd[0] === 'CONFIG' && op.cmd[2] === 'set-max-intset-entries' && r[0] === '+OK\r\n') this.intsetMax = Number(op.cmd[3]);
            return exactCheck(r[0], k[0]);
          },
        };
      case 'idle':
        return {
          cmds: [op.cmd],
          check: (r, k) => (r[0] === k[0] || maskIdle(op.cmd, r[0]) === maskIdle(op.cmd, k[0]) ? null : `(idle times masked)${exactCheck(r[0], k[0])}`),
        };
      case 'unordered':
        return {
          cmds: [op.cmd],
          check: (r, k) => (same(norm.sorted(r[0]), norm.sorted(k[0])) ? null : `(compared sorted)${exactCheck(r[0], k[0])}`),
        };
      case 'order': {
        const probes = op.probe.map((key): Cmd => ['OBJECT', 'ENCODING', key]);
        return {
          cmds: [...probes, op.cmd],
          check: (r, k) => {
            for (let i = 0; i < probes.length; i++) if (r[i] !== k[i]) return `OBJECT ENCODING ${JSON.stringify(op.probe[i])} before it${exactCheck(r[i], k[i])}`;
            const a = r[probes.length];
            const b = k[probes.length];
            if (a === b) return null;
            let unordered = r.slice(0, probes.length).some((e) => decode(e) === 'hashtable');
            if (op.mode === 'setalg' && !unordered) {
              const xs = items(decode(a));
              // The result is built in a new set: an intset (ascending) only for integers within the intset limit.
              if (xs && (xs.some((x) => !isIntString(x)) || xs.length > this.intsetMax)) unordered = true;
            }
            if (!unordered) return `(encodings order it)${exactCheck(a, b)}`;
            const f = op.mode === 'pairs' ? norm.pairs : norm.sorted;
            return same(f(a), f(b)) ? null : `(compared ${op.mode === 'pairs' ? 'as pairs' : 'sorted'})${exactCheck(a, b)}`;
          },
        };
      }
      case 'ttl': {
        if (op.unit === 'ms') return { cmds: [op.cmd], check: (r, k) => this.ttlCheck(r[0], k[0], null) };
        // Seconds come from milliseconds, rounded half up (ttlGenericCommand: (ms + 500) / 1000, for TTL and
        // EXPIRETIME alike). The ms form, sent just
        // before on each server, gives the seconds each server must answer: they may differ only when the
        // two servers' milliseconds straddle a rounding boundary.
        const msCmd = [op.cmd[0] === 'TTL' ? 'PTTL' : 'PEXPIRETIME', ...op.cmd.slice(1)];
        const toSeconds = (ms: number) => Math.floor((ms + 500) / 1000);
        return {
          cmds: [msCmd, op.cmd],
          check: (r, k) => {
            const m = this.ttlCheck(r[0], k[0], null);
            if (m) return `${msCmd[0]} before it: ${m}`;
            if (r[1] === k[1]) return null;
            const msg = `\n  redis:  ${short(r[1])} (${msCmd[0]} ${short(r[0])})\n  redkit: ${short(k[1])} (${msCmd[0]} ${short(k[0])})`;
            const want = (ms: string, secs: string) => {
              const a = decode(ms) as { int?: string } | null;
              const b = decode(secs) as { int?: string } | null;
              return a?.int !== undefined && b?.int !== undefined && Number(a.int) >= 0 && toSeconds(Number(a.int)) === Number(b.int);
            };
            if (!(Number((decode(r[0]) as { int?: string })?.int) >= 0)) return msg;
            if (!want(r[0], r[1])) return `(the checker's rounding does not match Redis)${msg}`;
            return want(k[0], k[1]) ? null : `(seconds do not follow from RedKit's own milliseconds)${msg}`;
          },
        };
      }
      case 'expireflag':
        return {
          cmds: [['PTTL', op.key], op.cmd],
          check: (r, k) => {
            const t = this.ttlCheck(r[0], k[0], null);
            if (t) return `PTTL ${JSON.stringify(op.key)} before it: ${t}`;
            if (r[1] === k[1]) return null;
            const pttl = Number(decode(r[0]) && (decode(r[0]) as { int: string }).int);
            const close = pttl >= 0 && Math.abs(pttl - op.ms) < 2000;
            if (close && /^:[01]\r\n$/.test(r[1]) && /^:[01]\r\n$/.test(k[1])) {
              // One server changed the TTL (an `expire` event), the other did not.
              this.eventsOpen = true;
              return null;
            }
            return `(PTTL before: ${pttl})${exactCheck(r[1], k[1])}`;
          },
        };
      case 'random':
        return { cmds: [op.content, op.cmd], check: (r, k) => this.randomCheck(op, r, k) };
      case 'tx': {
        const cmds = [...op.before, ['MULTI'], ...op.inner, op.cmd];
        return {
          cmds,
          check: (r, k) => {
            const looseAt = op.loose ? op.before.length - 1 : -1;
            const f = op.loose === 'pairs' ? norm.pairs : norm.sorted;
            for (let i = 0; i < cmds.length; i++) {
              const ok = i === looseAt ? same(f(r[i]), f(k[i])) : r[i] === k[i];
              if (!ok) return `reply to ${showCmd(cmds[i])} in the transaction${exactCheck(r[i], k[i])}`;
            }
            return null;
          },
        };
      }
      default:
        return null;
    }
  }

  /**
   * Blocking across connections: the waiters block (or answer) in order, the main client's writes
   * run, the clients still blocked are released with CLIENT UNBLOCK, and each waiter's reply is
   * compared. Whether each waiter blocked, and is still blocked after the writes, is compared too.
   */
  private async block(op: Extract<Op, { t: 'block' }>, fail: (m: string) => never | void, diff: (a: string, b: string) => string): Promise<void> {
    const ws = this.waiters;
    if (ws.length < op.waiters.length) throw new Error(`a block op needs ${op.waiters.length} waiter connections, the runner has ${ws.length}`);
    const name = (i: number) => `client ${'ABC'[i]} (${showCmd(op.waiters[i])})`;
    if (op.setup.length !== 0) {
      const [r, k] = await this.both(op.setup);
      for (let j = 0; j < r.length; j++) if (r[j] !== k[j]) return fail(`reply to ${showCmd(op.setup[j])}${diff(r[j], k[j])}`);
    }
    for (let i = 0; i < op.waiters.length; i++) {
      const w = ws[i];
      w.r.send(...op.waiters[i]);
      w.k.send(...op.waiters[i]);
      this.stats.commands++;
      const [a, b] = await Promise.all([settle(this.r, w.r, w.rid), settle(this.k, w.k, w.kid)]);
      if (a !== b) return fail(`${name(i)}: ${a} on redis-server, ${b} on RedKit`);
      this.stats.blocking.waiters++;
      if (a === 'blocked') this.stats.blocking.blocked++;
    }
    if (op.writes.length !== 0) {
      const [r, k] = await this.both(op.writes);
      for (let j = 0; j < r.length; j++) if (r[j] !== k[j]) return fail(`reply to write ${j + 1} ${showCmd(op.writes[j])} while clients were blocked${diff(r[j], k[j])}`);
    }
    for (let i = 0; i < op.waiters.length; i++) {
      const w = ws[i];
      const [a, b] = await Promise.all([settle(this.r, w.r, w.rid), settle(this.k, w.k, w.kid)]);
      if (a !== b) return fail(`${name(i)} after the writes: ${a === 'blocked' ? 'still blocked' : 'served'} on redis-server, ${b === 'blocked' ? 'still blocked' : 'served'} on RedKit`);
      if (a === 'blocked') {
        this.stats.blocking.unblocked++;
        const [x, y] = await Promise.all([this.r.call('CLIENT', 'UNBLOCK', w.rid), this.k.call('CLIENT', 'UNBLOCK', w.kid)]);
        this.stats.commands++;
        if (x !== y) return fail(`CLIENT UNBLOCK of ${name(i)}${diff(x, y)}`);
      }
      const [ra, kb] = await Promise.all([w.r.read(TIMEOUT), w.k.read(TIMEOUT)]);
      if (ra !== kb) return fail(`${name(i)}'s reply (${a === 'blocked' ? 'after CLIENT UNBLOCK' : 'served by the writes'})${diff(ra, kb)}`);
    }
  }

  /** TTL-like integers: exact when negative or one of our absolute deadlines, else within `tolerance` (default SKEW ms). */
  private ttlCheck(a: string, b: string, tolerance: number | null): string | null {
    if (a === b) return null;
    const x = decode(a) as { int?: string } | null;
    const y = decode(b) as { int?: string } | null;
    const msg = `\n  redis:  ${short(a)}\n  redkit: ${short(b)}`;
    if (!x?.int || !y?.int) return msg;
    const m = Number(x.int);
    const n = Number(y.int);
    if (m < 0 || n < 0 || ABSOLUTE.has(x.int)) return msg;
    if (tolerance === null && Math.abs(m - n) > this.stats.maxSkew) this.stats.maxSkew = Math.abs(m - n);
    return Math.abs(m - n) <= (tolerance ?? SKEW) ? null : `(beyond a tolerance of ${tolerance ?? SKEW})${msg}`;
  }

  /** Content of a collection (or keyspace) as member -> value (JSON), from HGETALL / ZRANGE WITHSCORES / SMEMBERS / KEYS. */
  private content(op: Op & { t: 'random' }, bytes: string): Map<string, string> | string {
    const v = decode(bytes);
    const xs = items(v);
    if (!xs) return isError(bytes) || v === null ? bytes : `unexpected content reply ${short(bytes)}`;
    const m = new Map<string, string>();
    if (op.content[0] === 'HGETALL' || (op.content[0] === 'ZRANGE' && xs.length && !Array.isArray(xs[0]))) {
      for (let i = 0; i < xs.length; i += 2) m.set(xs[i] as string, JSON.stringify(xs[i + 1]));
    } else if (op.content[0] === 'ZRANGE') {
      for (const p of xs as unknown[][]) m.set(p[0] as string, JSON.stringify(p[1]));
    } else for (const x of xs) m.set(x as string, '');
    return m;
  }

  /** SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / RANDOMKEY: same shape, picks from the content, distinct when count > 0. */
  private randomCheck(op: Op & { t: 'random' }, r: string[], k: string[]): string | null {
    const mode = op.content[0] === 'ZRANGE' ? null : op.content[0] === 'HGETALL' ? norm.pairs : norm.sorted;
    const cr = mode ? mode(r[0]) : r[0];
    const ck = mode ? mode(k[0]) : k[0];
    if (!same(cr, ck)) return `content (${showCmd(op.content)}) before it differs\n  redis:  ${short(r[0])}\n  redkit: ${short(k[0])}`;
    const a = r[1];
    const b = k[1];
    const msg = `\n  redis:  ${short(a)}\n  redkit: ${short(b)}`;
    if (a === b) return null;
    if (isError(a) || isError(b) || decode(a) === null || decode(b) === null) return msg;
    const shape = (bytes: string) => {
      const xs = items(decode(bytes));
      return { type: bytes[0], len: xs ? xs.length : -1, inner: xs && xs.length && bytes.includes('\r\n*') ? 'nested' : 'flat' };
    };
    if (!same(shape(a), shape(b))) return `(shape ${JSON.stringify(shape(a))} vs ${JSON.stringify(shape(b))})${msg}`;
    for (const [who, bytes, content] of [
      ['redis', a, r[0]],
      ['redkit', b, k[0]],
    ] as const) {
      const bad = this.validatePicks(op, bytes, content);
      if (bad) return `${who}'s pick: ${bad}${msg}`;
    }
    return null;
  }

  private validatePicks(op: Op & { t: 'random' }, bytes: string, contentBytes: string): string | null {
    const content = this.content(op, contentBytes);
    if (typeof content === 'string') return `content ${content}`;
    const v = decode(bytes);
    if (typeof v === 'string') return content.has(v) ? null : `${JSON.stringify(v)} is not in the content`;
    const xs = items(v);
    if (!xs) return `unexpected reply`;
    let picks: Array<[string, string | null]>;
    if (op.pairs) {
      if (xs.length && Array.isArray(xs[0])) picks = (xs as unknown[][]).map((p) => [p[0] as string, JSON.stringify(p[1])]);
      else {
        picks = [];
        for (let i = 0; i < xs.length; i += 2) picks.push([xs[i] as string, JSON.stringify(xs[i + 1])]);
      }
    } else picks = (xs as string[]).map((x) => [x, null]);
    for (const [m, val] of picks) {
      if (!content.has(m)) return `${JSON.stringify(m)} is not in the content`;
      if (val !== null && content.get(m) !== val) return `${JSON.stringify(m)} paired with ${val}, content has ${content.get(m)}`;
    }
    const n = op.count;
    if (n !== null) {
      const want = n >= 0 ? Math.min(n, content.size) : -n;
      if (picks.length !== want) return `${picks.length} picks for count ${n} of ${content.size}`;
      if (n > 0 && new Set(picks.map((p) => p[0])).size !== picks.length) return `repeated picks for a positive count`;
    }
    return null;
  }

  private async interactive(op: Op, index: number): Promise<void> {
    this.stats.ops++;
    const fail = (m: string) => {
      throw new Mismatch(index, `op #${index} ${showCmd(op.cmd)}: ${m}`);
    };
    const diff = (a: string, b: string) => `\n  redis:  ${short(a)}\n  redkit: ${short(b)}`;
    switch (op.t) {
      case 'spop': {
        const [r, k] = await this.both([['SMEMBERS', op.key], ['OBJECT', 'ENCODING', op.key], op.cmd]);
        if (!same(norm.sorted(r[0]), norm.sorted(k[0]))) return fail(`SMEMBERS before it${diff(r[0], k[0])}`);
        if (r[1] !== k[1]) return fail(`OBJECT ENCODING before it${diff(r[1], k[1])}`);
        const a = r[2];
        const b = k[2];
        if (a === b) return;
        if (isError(a) || isError(b) || decode(a) === null || decode(b) === null || a[0] !== b[0]) return fail(diff(a, b));
        const pa = typeof decode(a) === 'string' ? [decode(a) as string] : (items(decode(a)) as string[]);
        const pb = typeof decode(b) === 'string' ? [decode(b) as string] : (items(decode(b)) as string[]);
        const size = (items(decode(r[0])) as unknown[]).length;
        const whole = op.count === null ? size <= 1 : op.count >= size;
        if (pa.length !== pb.length) return fail(`(different counts)${diff(a, b)}`);
        for (const [who, picks, content] of [
          ['redis', pa, r[0]],
          ['redkit', pb, k[0]],
        ] as const) {
          const members = new Set(items(decode(content)) as string[]);
          if (picks.some((p) => !members.has(p)) || new Set(picks).size !== picks.length) return fail(`${who} popped something that was not a member, or twice${diff(a, b)}`);
        }
        if (whole) {
          if (!same([...pa].sort(), [...pb].sort())) return fail(`(whole set popped)${diff(a, b)}`);
          const ordered = decode(r[1]) === 'intset' && pa.every(isIntString);
          if (ordered) return fail(`(whole intset popped: ascending order expected)${diff(a, b)}`);
          return;
        }
        // Random pops: put each server's picks back so both hold the same set again.
        this.stats.putBacks++;
        if (pa.length) {
          const [x, y] = await Promise.all([pipeline(this.r, [['SADD', op.key, ...pa]]), pipeline(this.k, [['SADD', op.key, ...pb]])]);
          this.stats.commands++;
          if (isError(x[0]) || isError(y[0])) return fail(`putting the popped members back failed${diff(x[0], y[0])}`);
        }
        return;
      }
      case 'scan':
        return this.scan(op, fail);
      case 'block':
        return this.block(op, fail, diff);
      case 'sort': {
        const [p, q] = await this.both([['TYPE', op.key], ['OBJECT', 'ENCODING', op.key], ['SMEMBERS', op.key], ['ZRANGE', op.key, '0', '-1']]);
        if (p[0] !== q[0] || p[1] !== q[1]) return fail(`TYPE / OBJECT ENCODING before it${diff(p[0] + p[1], q[0] + q[1])}`);
        const type = (decode(p[0]) as { simple: string }).simple;
        const elements = (items(decode(type === 'set' ? p[2] : p[3])) ?? []) as string[];
        const [r, k] = await this.both([op.cmd]);
        const a = r[0];
        const b = k[0];
        // Where Redis leaves the order open: sets in hashtable encoding and sorted sets (sorted through their dict)
        // feed the sort in an unspecified order, which shows when elements tie (BY lookups; ALPHA without STORE
        // compares with strcoll, so elements equal up to a NUL tie) or when a set is not sorted at all (BY nosort).
        const by = op.cmd.indexOf('BY') > 0 ? op.cmd[op.cmd.indexOf('BY') + 1] : null;
        const nosort = by !== null && !by.includes('*');
        const alpha = op.cmd.includes('ALPHA');
        const store = op.store !== null;
        const orderFree = (type === 'set' && decode(p[1]) === 'hashtable') || type === 'zset';
        const cstrings = elements.map((e) => (e.includes('\0') ? e.slice(0, e.indexOf('\0')) : e));
        const ties = (by !== null && !nosort) || (alpha && !store && by === null && new Set(cstrings).size !== cstrings.length);
        const lenient = orderFree && (nosort ? type === 'set' && !store : ties);
        if (store) {
          if (a !== b) return fail(diff(a, b));
          // The stored order may differ: drop the result on both.
          if (lenient) await this.both([['DEL', op.store as string]]);
          return;
        }
        if (a === b) return;
        if (!lenient || isError(a) || isError(b)) return fail(diff(a, b));
        if (op.limit) {
          if (a[0] !== b[0] || items(decode(a))?.length !== items(decode(b))?.length) return fail(`(compared by length: LIMIT over an unspecified order)${diff(a, b)}`);
          return;
        }
        if (!same(norm.sorted(a), norm.sorted(b))) return fail(`(compared sorted: unspecified order)${diff(a, b)}`);
        return;
      }
      case 'lex': {
        const [p, q] = await this.both([['OBJECT', 'ENCODING', op.key], ['ZRANGE', op.key, '0', '-1', 'WITHSCORES']]);
        if (p[0] !== q[0] || p[1] !== q[1]) return fail(`OBJECT ENCODING / ZRANGE WITHSCORES before it${diff(p[0] + p[1], q[0] + q[1])}`);
        const [[a], [b]] = await this.both([op.cmd]);
        const xs = items(decode(p[1])) ?? [];
        const scores = new Set(xs.length && Array.isArray(xs[0]) ? (xs as unknown[][]).map((x) => JSON.stringify(x[1])) : xs.filter((_, i) => i % 2 === 1));
        const unspecified = decode(p[0]) === 'skiplist' && scores.size > 1;
        if (!unspecified) {
          if (a !== b) return fail(diff(a, b));
          return;
        }
        if (isError(a) !== isError(b) || a[0] !== b[0]) return fail(`(lex range over different scores: compared by type)${diff(a, b)}`);
        if (op.modifies !== null) {
          this.eventsOpen = true;
          await this.both([['DEL', op.modifies]]);
        }
        return;
      }
      case 'dump':
        return this.dumpRestore(op, fail);
      default:
        return fail(`not an interactive op`);
    }
  }

  /** Full iteration of a SCAN-family command on one server: the pages, or the error reply. */
  private async scanAll(c: RawClient, cmd: Cmd): Promise<{ pages: string[]; error?: string }> {
    const at = cmd[0] === 'SCAN' ? 1 : 2;
    const pages: string[] = [];
    let cursor = cmd[at];
    for (;;) {
      const q = [...cmd];
      q[at] = cursor;
      const [bytes] = await pipeline(c, [q]);
      this.stats.commands++;
      if (isError(bytes)) return { pages, error: bytes };
      pages.push(bytes);
      const v = decode(bytes) as [string, unknown];
      cursor = v[0];
      if (cursor === '0') return { pages };
      if (pages.length > 1000) return { pages, error: `did not finish after 1000 pages` };
    }
  }

  private async scan(op: Op & { t: 'scan' }, fail: (m: string) => never): Promise<void> {
    let enc: string | null = null;
    if (op.cmd[0] !== 'SCAN') {
      const [[er], [ek]] = await this.both([['OBJECT', 'ENCODING', op.cmd[1]]]);
      if (er !== ek) return fail(`OBJECT ENCODING before it\n  redis:  ${short(er)}\n  redkit: ${short(ek)}`);
      enc = decode(er) as string | null;
    }
    const [a, b] = await Promise.all([this.scanAll(this.r, op.cmd), this.scanAll(this.k, op.cmd)]);
    if (a.error || b.error) {
      if (a.error === b.error && same(a.pages, b.pages)) return;
      return fail(`\n  redis:  ${short(a.error ?? a.pages.join(''))}\n  redkit: ${short(b.error ?? b.pages.join(''))}`);
    }
    // Small encodings (intset, listpack) answer everything in one page, in their order.
    if (enc === 'intset' || enc === 'listpack' || enc === null && op.cmd[0] !== 'SCAN') {
      if (!same(a.pages, b.pages)) return fail(`(one ordered page expected)\n  redis:  ${short(a.pages.join(' | '))}\n  redkit: ${short(b.pages.join(' | '))}`);
      return;
    }
    const collect = (pages: string[]) => {
      const out = new Set<string>();
      for (const p of pages) {
        const xs = (decode(p) as [string, string[]])[1];
        if (op.cmd[0] === 'HSCAN' || op.cmd[0] === 'ZSCAN') for (let i = 0; i < xs.length; i += 2) out.add(JSON.stringify([xs[i], xs[i + 1]]));
        else for (const x of xs) out.add(JSON.stringify(x));
      }
      return [...out].sort();
    };
    const x = collect(a.pages);
    const y = collect(b.pages);
    if (!same(x, y)) return fail(`(full iteration, compared as sets)\n  redis:  ${short(x.join(','))}\n  redkit: ${short(y.join(','))}`);
  }

  private async dumpRestore(op: Op & { t: 'dump' }, fail: (m: string) => never): Promise<void> {
    const [[te, pr], [tk, pk]] = await this.both([['TYPE', op.src], op.cmd]);
    const diff = (a: string, b: string) => `\n  redis:  ${short(a)}\n  redkit: ${short(b)}`;
    if (te !== tk) return fail(`TYPE before it${diff(te, tk)}`);
    const dr = decode(pr);
    const dk = decode(pk);
    if ((dr === null) !== (dk === null) || isError(pr) || isError(pk)) return fail(`DUMP${diff(pr, pk)}`);
    if (dr === null) return;
    const payloadR = dr as string;
    const payloadK = dk as string;
    // The trailer: RDB version (2 bytes LE) then CRC64. Redis 7.0 refuses versions newer than its own (10).
    if (payloadR.slice(-10, -8) !== payloadK.slice(-10, -8)) return fail(`DUMP RDB version: redis ${payloadR.charCodeAt(payloadR.length - 10)}, redkit ${payloadK.charCodeAt(payloadK.length - 10)}`);
    this.stats.dumps++;
    if (payloadR === payloadK) this.stats.dumpsIdentical++;
    else if (process.env.FC_STATS === 'dumps') console.log(`DUMP differs: ${te.trim()} type byte ${payloadR.charCodeAt(0)}/${payloadK.charCodeAt(0)}\n  redis:  ${JSON.stringify(payloadR)}\n  redkit: ${JSON.stringify(payloadK)}`);
    const damage = (p: string) => (op.corrupt === 'flip' ? p.slice(0, 1) + String.fromCharCode(p.charCodeAt(1) ^ 0x5a) + p.slice(2) : op.corrupt === 'truncate' ? p.slice(0, -1) : p);
    // A hash DUMPed from a hashtable lists its fields in dict order, and small ones load as a listpack in that
    // order: each server restoring its own payload would disagree on HGETALL order, so both take Redis's.
    // RedKit's payloads differ between runs (hash order): a recorded or replayed oracle can only take Redis's.
    const from = (op.from === 'own' && te === '+hash\r\n' && payloadR[0] === '\x04') || (op.from === 'redkit' && !liveOracle) ? 'redis' : op.from;
    const forR = damage(from === 'redkit' ? payloadK : payloadR);
    const forK = damage(from === 'redis' ? payloadR : payloadK);
    const at = op.restore.indexOf('<payload>');
    const withPayload = (p: string) => op.restore.map((x, i) => (i === at ? p : x));
    const [[rr], [rk]] = await Promise.all([pipeline(this.r, [withPayload(forR)]), pipeline(this.k, [withPayload(forK)])]);
    this.stats.commands++;
    if (rr !== rk) return fail(`${showCmd(op.restore)} with ${op.from === 'own' ? "each server's own" : `${op.from}'s`} payload${op.corrupt ? ` (${op.corrupt})` : ''}${diff(rr, rk)}`);
  }
}
