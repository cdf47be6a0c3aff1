/**
 * Fault injection: rules that match commands and make them fail in the ways
 * real Redis deployments fail — error replies, latency, hangs, dropped or
 * reset connections, replies cut in the middle.
 */
import { parseDuration, type Duration } from '../clock/clock.js';
import { realClearTimeout, realSetTimeout } from '../clock/timers.js';
import { ReplyError } from '../errors.js';
import { NO_REPLY, type Reply } from '../resp/reply.js';
import { encodeReply } from '../resp/writer.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import type { CommandCall, Middleware } from '../server/dispatch.js';
import type { RedKitServer } from '../server/server.js';
import { globMatch } from '../commands/util.js';
import type { RecordedCommand, Recorder } from './recorder.js';
import { fromBinary, jsToReply } from './values.js';

/** What a `match` predicate sees of a command. */
export interface FaultCommand {
  name: string;
  args: string[];
  keys: string[];
  db: number;
  clientId: number;
  clientName: string;
}

export interface FaultRule {
  /** Command name(s) or pattern ('SET', ['GET', 'MGET'], /^H/). Case-insensitive for strings. */
  command?: string | string[] | RegExp;
  /** Glob matched against the command's keys. */
  key?: string;
  /** Client name (or a pattern for it). */
  client?: string | RegExp;
  /** Any other condition. */
  match?: (cmd: FaultCommand) => boolean;
  /** true: only commands a script runs (redis.call/pcall); false: only commands from clients. */
  inScript?: boolean;
  /** Let the first n matching commands through. */
  after?: number;
  /** Act on at most n commands, then retire. */
  times?: number;
  /** Act with this probability (0..1). */
  probability?: number;
  /** Seed for `probability` (reproducible runs). Default 1. */
  seed?: number;

  /** Answer with this error instead of running the command (e.g. 'READONLY You can\'t write against a read only replica.'). */
  error?: string;
  /** Answer with this value instead of running the command. */
  reply?: unknown;
  /** Wait this long before running the command (or applying the other action). */
  delay?: Duration;
  /** Which clock `delay` uses: 'real' (default) or the server's 'virtual' clock. */
  delayClock?: 'real' | 'virtual';
  /** Never answer. */
  hang?: boolean;
  /** Close the connection (FIN) instead of answering. */
  drop?: boolean;
  /** Destroy the socket (RST) instead of answering. */
  reset?: boolean;
  /** Run the command, send part of its reply (true: about half; a number: that many bytes), then close. */
  partial?: boolean | number;
}

export interface FaultHandle {
  /** How many commands this rule acted on. */
  readonly hits: number;
  /** True once `times` is used up or remove() was called. */
  readonly retired: boolean;
  remove(): void;
}

interface LiveRule {
  rule: FaultRule;
  seen: number;
  hits: number;
  retired: boolean;
  random: () => number;
  nameTest?: (name: string) => boolean;
  /** Commands held by this rule (delay, hang): release() lets each go on normally. */
  held: Set<Held>;
}

interface Held {
  release(): void;
  cancel(): void;
}

/** mulberry32: a small seeded PRNG (also the tests' reproducible random source). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private rules: LiveRule[] = [];

  constructor(
    private readonly server: RedKitServer,
    private readonly recorder?: Recorder,
  ) {}

  /** Install as middleware (after the recorder, before user middleware). */
  attach(): () => void {
    const mw: Middleware = (ctx, call, next) => (this.rules.length === 0 ? next() : this.apply(ctx, call, next));
    // a rule (delay, hang...) may answer later (scripting's MiddlewareDefers)
    (mw as { defers?: () => boolean }).defers = () => this.rules.length !== 0;
    const list = this.server.dispatcher.middleware;
    const at = this.recorder ? 1 : 0;
    list.splice(Math.min(at, list.length), 0, mw);
    return () => {
      const i = list.indexOf(mw);
      if (i >= 0) list.splice(i, 1);
    };
  }

  add(rule: FaultRule): FaultHandle {
    const actions = ['error', 'reply', 'hang', 'drop', 'reset', 'partial', 'delay'].filter((k) => (rule as Record<string, unknown>)[k] !== undefined && (rule as Record<string, unknown>)[k] !== false);
    if (actions.length === 0) throw new TypeError('RedKit: a fault rule needs an action: error, reply, delay, hang, drop, reset or partial');
    const terminal = actions.filter((a) => a !== 'delay');
    if (terminal.length > 1) throw new TypeError(`RedKit: a fault rule takes one action besides delay (got ${terminal.join(', ')})`);
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new RangeError('RedKit: probability must be between 0 and 1');
    if (rule.after !== undefined && !(Number.isInteger(rule.after) && rule.after >= 0)) throw new RangeError('RedKit: after must be a whole number >= 0');
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) throw new RangeError('RedKit: times must be a whole number >= 1');
    if (rule.delay !== undefined) parseDuration(rule.delay);
    if (typeof rule.partial === 'number' && !(Number.isInteger(rule.partial) && rule.partial >= 0)) throw new RangeError('RedKit: partial must be true or a number of bytes >= 0');
    const live: LiveRule = { rule, seen: 0, hits: 0, retired: false, random: prng(rule.seed ?? 1), held: new Set() };
    if (rule.command !== undefined) {
      const c = rule.command;
      if (c instanceof RegExp) live.nameTest = (n) => c.test(n);
      else {
        const set = new Set((Array.isArray(c) ? c : [c]).map((s) => s.toUpperCase()));
        live.nameTest = (n) => set.has(n) || set.has(n.split(' ')[0]);
      }
    }
    this.rules.push(live);
    const self = this;
    return {
      get hits() {
        return live.hits;
      },
      get retired() {
        return live.retired;
      },
      remove() {
        live.retired = true;
        self.rules = self.rules.filter((r) => r !== live);
        self.release(live);
      },
    };
  }

  /**
   * Remove every rule. Commands held by a delay or a hang go on normally
   * (they run and answer), so connections are usable again.
   */
  clear(): void {
    const all = new Set([...this.rules, ...this.retiredHolding]);
    this.rules = [];
    for (const r of all) {
      r.retired = true;
      this.release(r);
    }
  }

  /** Remove every rule and drop held commands without answering them (server stop). */
  dispose(): void {
    const all = new Set([...this.rules, ...this.retiredHolding]);
    this.rules = [];
    for (const r of all) {
      r.retired = true;
      for (const h of r.held) h.cancel();
      r.held.clear();
    }
    this.retiredHolding.clear();
  }

  /** Rules used up by `times` that still hold commands. */
  private readonly retiredHolding = new Set<LiveRule>();

  private release(r: LiveRule): void {
    const held = [...r.held];
    r.held.clear();
    this.retiredHolding.delete(r);
    for (const h of held) h.release();
  }

  /** Hold a command: resolves with `then()` when `wake` fires, or with the real command when released. */
  private hold(r: LiveRule, conn: Connection | undefined, arm: (wake: () => void) => () => void, then: () => Reply | Promise<Reply>, next: () => Reply | Promise<Reply>): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      let disarm: () => void = () => {};
      const run = (fn: () => Reply | Promise<Reply>) => {
        if (settled) return;
        settled = true;
        r.held.delete(h);
        if (r.held.size === 0) this.retiredHolding.delete(r);
        disarm();
        try {
          Promise.resolve(fn()).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      };
      const h: Held = {
        release: () => run(next),
        cancel: () => {
          settled = true;
          disarm();
        },
      };
      r.held.add(h);
      if (r.retired) this.retiredHolding.add(r);
      // A client that goes away takes its held command with it (it never runs).
      conn?.addCloseHook(() => {
        if (settled) return;
        h.cancel();
        r.held.delete(h);
        if (r.held.size === 0) this.retiredHolding.delete(r);
      });
      const d = arm(() => run(then));
      // (a timer already due fires inside arm(): then there is nothing left to disarm)
      if (settled) d();
      else disarm = d;
    });
  }

  get size(): number {
    return this.rules.length;
  }

  /** True when a rule writes to the client or closes it by itself (partial, reset): upstream mode then runs one command at a time. */
  get writesOutOfBand(): boolean {
    return this.rules.some((r) => r.rule.reset === true || (r.rule.partial !== undefined && r.rule.partial !== false));
  }

  private matches(r: LiveRule, ctx: Context, call: CommandCall): boolean {
    const rule = r.rule;
    if (r.nameTest && !r.nameTest(call.name)) return false;
    if (rule.inScript !== undefined && rule.inScript !== ctx.inScript) return false;
    if (rule.client !== undefined) {
      const name = ctx.name;
      if (rule.client instanceof RegExp ? !rule.client.test(name) : rule.client !== name) return false;
    }
    if (rule.key !== undefined) {
      const pat = rule.key;
      if (!call.keys.some((k) => globMatch(pat, fromBinary(k)))) return false;
    }
    if (rule.match) {
      const view: FaultCommand = {
        name: call.name,
        args: call.args.map(fromBinary),
        keys: call.keys.map(fromBinary),
        db: ctx.dbIndex,
        clientId: ctx.id,
        clientName: ctx.name,
      };
      if (!rule.match(view)) return false;
    }
    r.seen++;
    if (rule.after !== undefined && r.seen <= rule.after) return false;
    if (rule.probability !== undefined && r.random() >= rule.probability) return false;
    return true;
  }

  private apply(ctx: Context, call: CommandCall, next: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    let hit: LiveRule | undefined;
    for (const r of this.rules) {
      if (r.retired) continue;
      if (this.matches(r, ctx, call)) {
        hit = r;
        break;
      }
    }
    if (!hit) return next();
    const live = hit;
    live.hits++;
    if (live.rule.times !== undefined && live.hits >= live.rule.times) {
      live.retired = true;
      this.rules = this.rules.filter((r) => r !== live);
    }
    const rule = live.rule;
    const entry = this.recorder?.current;
    const act = (): Reply | Promise<Reply> => this.act(live, ctx, next, entry);
    if (rule.delay !== undefined) {
      const ms = parseDuration(rule.delay);
      this.recorder?.markFault(entry, `delay ${ms}ms${rule.delayClock === 'virtual' ? ' (virtual)' : ''}`);
      return this.hold(
        live,
        ctx.conn,
        (wake) => {
          if (rule.delayClock === 'virtual') {
            const t = this.server.clock.after(ms, wake);
            return () => t.cancel();
          }
          const t = realSetTimeout(wake, ms);
          return () => realClearTimeout(t);
        },
        act,
        next,
      );
    }
    return act();
  }

  private act(live: LiveRule, ctx: Context, next: () => Reply | Promise<Reply>, entry: RecordedCommand | undefined): Reply | Promise<Reply> {
    const rule = live.rule;
    const conn = ctx.conn;
    const mark = (what: string) => {
      if (entry) entry.fault = entry.fault ? `${entry.fault}, ${what}` : what;
    };
    if (rule.error !== undefined) {
      mark('error');
      return new ReplyError(rule.error);
    }
    if (rule.reply !== undefined) {
      mark('reply');
      return jsToReply(rule.reply);
    }
    if (rule.hang) {
      mark('hang');
      return this.hold(live, ctx.conn, () => () => {}, next, next);
    }
    if (rule.drop) {
      mark('drop');
      // Stop reading this connection's pipeline, then FIN.
      conn?.closeAfterCurrentReply();
      return NO_REPLY;
    }
    if (rule.reset) {
      mark('reset');
      if (conn) {
        conn.closeAfterCurrentReply();
        resetSocket(conn);
      }
      return NO_REPLY;
    }
    if (rule.partial !== undefined && rule.partial !== false) {
      const finish = (r: Reply): Reply => {
        if (!conn) return r;
        const bytes = encodeReply(r, conn.protocol);
        let n = typeof rule.partial === 'number' ? rule.partial : Math.floor(bytes.length / 2);
        n = Math.max(0, Math.min(n, bytes.length - 1));
        mark(`partial ${n}/${bytes.length} bytes`);
        this.recorder?.setFaultReply(entry, r);
        conn.writeBytes(bytes.subarray(0, n));
        conn.closeAfterCurrentReply();
        return NO_REPLY;
      };
      const r = next();
      if (r !== null && typeof r === 'object' && typeof (r as Promise<Reply>).then === 'function') return (r as Promise<Reply>).then(finish);
      return finish(r as Reply);
    }
    return next();
  }
}

function resetSocket(conn: Connection): void {
  const s = conn.socket as Connection['socket'] & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}
