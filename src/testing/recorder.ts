/**
 * The command recorder: every command a client sends, with its reply, in the
 * order the server received them. Commands run inside MULTI/EXEC or a script
 * are nested under their parent entry.
 */
import { realClearTimeout, realDateNow, realSetTimeout } from '../clock/timers.js';
import { ReplyError } from '../errors.js';
import { NoReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { CommandCall, Middleware } from '../server/dispatch.js';
import { commandKeyIndexes } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { globMatch } from '../commands/util.js';
import { binaryToBuffer, fromBinary, replyToJs } from './values.js';

/** Commands a client library sends on its own when it connects; left out of assertions by default. */
export const DEFAULT_CHATTER = ['HELLO', 'CLIENT SETINFO', 'CLIENT SETNAME', 'INFO', 'SELECT', 'PING', 'AUTH', 'CLIENT MAINT_NOTIFICATIONS'];

export interface RecorderOptions {
  /** Record replies (default true). */
  replies?: boolean;
  /** Command names treated as connection chatter (upper case, `CLIENT SETNAME` for subcommands). */
  chatter?: string[];
  /** Keep at most this many top-level entries (oldest dropped). Default 100000. */
  limit?: number;
}

export class RecordedCommand {
  /** Position in the recording (1-based, never reused). */
  readonly seq: number;
  /** Upper-case name; `CLIENT SETNAME` for subcommands. */
  readonly name: string;
  /** Arguments after the (sub)command name, as binary strings. */
  readonly rawArgs: readonly string[];
  readonly rawKeys: readonly string[];
  readonly db: number;
  readonly clientId: number;
  readonly clientName: string;
  readonly libName: string;
  /** Clock time (virtual ms) when the command arrived. */
  readonly time: number;
  /** The parent (EXEC, EVAL...) for commands run inside a transaction or script. */
  readonly parent?: RecordedCommand;
  readonly inTransaction: boolean;
  readonly inScript: boolean;
  readonly children: RecordedCommand[] = [];
  /** True when it is connection chatter (HELLO, CLIENT SETINFO, ...). */
  readonly chatter: boolean;
  /** The reply as plain JavaScript (undefined until it answers, or when replies are not recorded). */
  reply: unknown = undefined;
  rawReply: Reply | undefined = undefined;
  /** True when the reply was an error. */
  error = false;
  /** Error message when error is true. */
  errorMessage: string | undefined = undefined;
  /** True once the command has answered. */
  done = false;
  /**
   * Clock time (virtual ms) when it answered: later than `time` for a
   * command that blocked (BLPOP served or timed out) or was held (pause, fault).
   */
  answeredAt: number | undefined = undefined;
  /** Set when a fault rule acted on this command ('error', 'delay 100ms', 'hang', 'drop', ...). */
  fault: string | undefined = undefined;
  /** For EVAL/EVALSHA/FCALL: which script ran (its children are the commands it ran). */
  script: { sha: string; source: string } | { function: string; library: string } | undefined = undefined;
  /** @internal The real reply when a fault sent the client something else. */
  replyFromFault: Reply | undefined = undefined;

  constructor(init: {
    seq: number;
    name: string;
    args: readonly string[];
    keys: readonly string[];
    db: number;
    clientId: number;
    clientName: string;
    libName: string;
    time: number;
    parent?: RecordedCommand;
    inTransaction: boolean;
    inScript: boolean;
    chatter: boolean;
  }) {
    this.seq = init.seq;
    this.name = init.name;
    this.rawArgs = init.args;
    this.rawKeys = init.keys;
    this.db = init.db;
    this.clientId = init.clientId;
    this.clientName = init.clientName;
    this.libName = init.libName;
    this.time = init.time;
    this.parent = init.parent;
    this.inTransaction = init.inTransaction;
    this.inScript = init.inScript;
    this.chatter = init.chatter;
  }

  private _args: string[] | undefined;
  /** Arguments as UTF-8 strings. */
  get args(): string[] {
    return (this._args ??= this.rawArgs.map(fromBinary));
  }
  /** Arguments as Buffers (exact bytes). */
  get buffers(): Buffer[] {
    return this.rawArgs.map(binaryToBuffer);
  }
  /** Keys named by the command (from its key spec), as UTF-8 strings. */
  get keys(): string[] {
    return this.rawKeys.map(fromBinary);
  }

  /** A plain object for JSON (big integers as strings, Buffers as base64 objects); JSON.stringify uses it. */
  toJSON(): object {
    return {
      seq: this.seq,
      name: this.name,
      args: this.args,
      db: this.db,
      clientId: this.clientId,
      clientName: this.clientName,
      libName: this.libName,
      time: this.time,
      ...(this.done ? { answeredAt: this.answeredAt } : { pending: true }),
      reply: jsonSafe(this.reply),
      error: this.error,
      ...(this.parent ? { parent: this.parent.seq } : {}),
      ...(this.fault ? { fault: this.fault } : {}),
      ...(this.script ? { script: this.script } : {}),
    };
  }
}

export interface CommandFilter {
  /** Name(s) or pattern: 'SET', ['GET', 'MGET'], /^H/. Case-insensitive for strings. */
  name?: string | string[] | RegExp;
  /** Glob matched against the command's keys. */
  key?: string;
  /** Client name, or client id. */
  client?: string | number;
  db?: number;
  /** Include connection chatter (default false). */
  chatter?: boolean;
  /** Any other condition. */
  where?: (c: RecordedCommand) => boolean;
}

export type CommandPredicate = (c: RecordedCommand) => boolean;

/** A position in the recording (recorder.mark()). */
export interface Mark {
  readonly seq: number;
}

interface Waiter {
  test: (c: RecordedCommand) => boolean;
  resolve: (c: RecordedCommand) => void;
  /** Resolve when the command arrives rather than when it answers. */
  onArrival: boolean;
}

export interface WaitForOptions {
  /** Real milliseconds to wait before rejecting (default 5000). */
  timeout?: number;
  /** Only consider commands recorded after this mark. */
  since?: Mark;
  /**
   * 'answered' (default): resolve once a matching command has answered (its
   * reply is there). 'received': as soon as it arrives (e.g. a command held
   * by a hang or delay fault).
   */
  when?: 'answered' | 'received';
}

export class Recorder {
  private entries: RecordedCommand[] = [];
  private seq = 0;
  private readonly chatter: Set<string>;
  private readonly recordReplies: boolean;
  private readonly limit: number;
  private waiters: Waiter[] = [];
  /** The attached server's clock (answer times). */
  private now: () => number = realDateNow;
  /** Open transaction/script parents per client id. */
  private readonly parents = new Map<number, RecordedCommand>();
  enabled = true;
  /** Called for every new entry, when the command arrives. */
  onRecord: ((c: RecordedCommand) => void) | undefined;
  /** Called when a recorded command has answered (the CLI's --record writes JSON lines from here). */
  onDone: ((c: RecordedCommand) => void) | undefined;
  /** The entry of the command running now (set while the middleware chain below the recorder runs). */
  current: RecordedCommand | undefined = undefined;

  constructor(opts: RecorderOptions = {}) {
    this.chatter = new Set((opts.chatter ?? DEFAULT_CHATTER).map((s) => s.toUpperCase()));
    this.recordReplies = opts.replies !== false;
    this.limit = opts.limit ?? 100_000;
  }

  /** Install on a server: a middleware that runs first, plus an observer of rejected commands. */
  attach(server: RedKitServer): () => void {
    const mw: Middleware = (ctx, call, next) => this.around(ctx, call, next);
    // answers when next() does (scripting's MiddlewareDefers)
    (mw as { defers?: () => boolean }).defers = () => false;
    server.dispatcher.middleware.unshift(mw);
    this.now = () => server.clock.now();
    const prevReject = server.dispatcher.onReject;
    server.dispatcher.onReject = (ctx, err, cmd) => {
      prevReject?.(ctx, err, cmd);
      if (!this.enabled) return;
      // Name it as an accepted command would be: `CLIENT SETNAME` + the arguments after the subcommand.
      let name: string;
      let args = ctx.sentArgs;
      if (cmd) {
        name = (cmd.parent ? `${cmd.parent.name} ${cmd.name}` : cmd.name).toUpperCase();
        if (cmd.parent) args = args.slice(1);
      } else {
        const parent = server.registry.lookup(ctx.sentName);
        if (parent?.subcommands && args.length > 0) {
          name = `${parent.name} ${args[0]}`.toUpperCase();
          args = args.slice(1);
        } else name = ctx.sentName.toUpperCase();
      }
      let keys: string[] = [];
      const spec = cmd ?? server.registry.lookup(ctx.sentName);
      if (spec && !spec.subcommands) {
        try {
          keys = commandKeyIndexes(spec, args).map((i) => args[i]).filter((k) => k !== undefined);
        } catch {
          // a custom getKeys that cannot cope with the bad arguments
        }
      }
      const e = this.begin(ctx, name, args, keys);
      this.end(e, err);
    };
    return () => {
      const i = server.dispatcher.middleware.indexOf(mw);
      if (i >= 0) server.dispatcher.middleware.splice(i, 1);
      server.dispatcher.onReject = prevReject;
    };
  }

  private around(ctx: Context, call: CommandCall, next: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    if (!this.enabled) return next();
    const e = this.begin(ctx, call.name, call.args, call.keys);
    const isParent = call.name === 'EXEC' || call.name.startsWith('EVAL') || call.name.startsWith('FCALL');
    // A script inside EXEC is a parent inside a parent: when it ends, the
    // EXEC is the parent again for the commands queued after it.
    const outer = isParent ? this.parents.get(ctx.id) : undefined;
    if (isParent) this.parents.set(ctx.id, e);
    let r: Reply | Promise<Reply>;
    const prev = this.current;
    this.current = e;
    try {
      r = next();
    } catch (err) {
      this.current = prev;
      if (isParent) this.closeParent(ctx.id, outer);
      this.end(e, err instanceof ReplyError ? err : new ReplyError(`ERR ${(err as Error).message}`));
      throw err;
    }
    this.current = prev;
    if (r !== null && typeof r === 'object' && typeof (r as Promise<Reply>).then === 'function') {
      return (r as Promise<Reply>).then(
        (v) => {
          if (isParent) this.closeParent(ctx.id, outer);
          this.end(e, v);
          return v;
        },
        (err) => {
          if (isParent) this.closeParent(ctx.id, outer);
          this.end(e, err instanceof ReplyError ? err : new ReplyError(`ERR ${(err as Error)?.message}`));
          throw err;
        },
      );
    }
    if (isParent) this.closeParent(ctx.id, outer);
    this.end(e, r as Reply);
    return r;
  }

  private closeParent(id: number, outer: RecordedCommand | undefined): void {
    if (outer !== undefined) this.parents.set(id, outer);
    else this.parents.delete(id);
  }

  private begin(ctx: Context, name: string, args: readonly string[], keys: readonly string[]): RecordedCommand {
    const parent = ctx.inMulti || ctx.inScript ? this.parents.get(ctx.id) : undefined;
    const e = new RecordedCommand({
      seq: ++this.seq,
      name,
      args: args.slice(),
      keys,
      db: ctx.dbIndex,
      clientId: ctx.id,
      clientName: ctx.name,
      libName: ctx.libName,
      time: ctx.clock.now(),
      parent,
      inTransaction: ctx.inMulti,
      inScript: ctx.inScript,
      chatter: this.chatter.has(name),
    });
    if (parent) parent.children.push(e);
    else {
      this.entries.push(e);
      if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    }
    this.onRecord?.(e);
    this.notify(e, true);
    return e;
  }

  private end(e: RecordedCommand, r: Reply): void {
    if (e.done) return;
    e.done = true;
    e.answeredAt = this.now();
    // A fault that cut the reply short (partial) recorded what the command answered.
    const kept = e.replyFromFault;
    if (kept !== undefined) r = kept;
    if (r instanceof ReplyError) {
      e.error = true;
      e.errorMessage = r.message;
    }
    if (this.recordReplies) {
      e.rawReply = r;
      e.reply = r instanceof ReplyError ? r.message : replyToJs(r);
    }
    this.onDone?.(e);
    this.notify(e, false);
  }

  /** Mark the entry a fault rule acted on. */
  markFault(e: RecordedCommand | undefined, what: string): void {
    if (e) e.fault = what;
  }

  /** Record the reply a command produced when a fault sends the client something else (partial). */
  setFaultReply(e: RecordedCommand | undefined, r: Reply): void {
    if (e) e.replyFromFault = r;
  }

  private notify(e: RecordedCommand, arrival: boolean): void {
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.onArrival === arrival && w.test(e)) w.resolve(e);
      else remaining.push(w);
    }
    this.waiters = remaining;
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Top-level entries (transactions and scripts carry their commands in `children`), chatter included. */
  get all(): readonly RecordedCommand[] {
    return this.entries;
  }

  /** Every entry, nested ones flattened in order, chatter included. */
  flat(): RecordedCommand[] {
    const out: RecordedCommand[] = [];
    const visit = (e: RecordedCommand) => {
      out.push(e);
      for (const c of e.children) visit(c);
    };
    for (const e of this.entries) visit(e);
    return out;
  }

  /** Commands for assertions: flattened, without connection chatter. */
  list(includeChatter = false): RecordedCommand[] {
    return this.flat().filter((e) => includeChatter || !e.chatter);
  }

  /** Number of commands (optionally with a name or filter). Chatter excluded unless named or asked for. */
  count(f?: string | CommandFilter | CommandPredicate): number {
    return this.filter(f).length;
  }

  /** The last command (optionally matching). */
  last(f?: string | CommandFilter | CommandPredicate): RecordedCommand | undefined {
    const l = this.filter(f);
    return l[l.length - 1];
  }

  /** The first command matching. */
  find(f: string | CommandFilter | CommandPredicate): RecordedCommand | undefined {
    return this.filter(f)[0];
  }

  /** Every command matching, in order. */
  filter(f?: string | CommandFilter | CommandPredicate, from: RecordedCommand[] = this.flat()): RecordedCommand[] {
    const test = toPredicate(f, this.chatter);
    return from.filter(test);
  }

  /** A position to compare against later: `recorder.since(mark)`. */
  mark(): Mark {
    return { seq: this.seq };
  }

  /** Commands recorded after a mark (chatter excluded unless the filter asks). */
  since(mark: Mark, f?: string | CommandFilter | CommandPredicate): RecordedCommand[] {
    return this.filter(f, this.flat().filter((e) => e.seq > mark.seq));
  }

  /** Forget every entry (waiters keep waiting for new commands). */
  clear(): void {
    this.entries = [];
    this.parents.clear();
  }

  /**
   * Resolve with the first command that matches: one already recorded (since
   * `since`, default the beginning), or the next one to answer (or to arrive,
   * with `when: 'received'`). Rejects after `timeout` real ms (default 5000)
   * with the transcript. Real time, so it works under fake timers too.
   */
  waitFor(f: string | CommandFilter | CommandPredicate, opts: WaitForOptions = {}): Promise<RecordedCommand> {
    const test = toPredicate(f, this.chatter);
    const from = opts.since?.seq ?? 0;
    const onArrival = opts.when === 'received';
    const existing = this.flat().find((e) => e.seq > from && (onArrival || e.done) && test(e));
    if (existing) return Promise.resolve(existing);
    const timeout = opts.timeout ?? 5000;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        test: (e) => e.seq > from && test(e),
        resolve: (e) => {
          realClearTimeout(t);
          resolve(e);
        },
        onArrival,
      };
      const t = realSetTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`RedKit: timed out after ${timeout} ms waiting for ${describeFilter(f)}\n${this.transcript()}`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /** A numbered, MONITOR-like transcript of the recording. */
  transcript(opts: { chatter?: boolean; limit?: number } = {}): string {
    const lines: string[] = [];
    const visit = (e: RecordedCommand, depth: number) => {
      if (!opts.chatter && e.chatter) return;
      lines.push(formatEntry(e, depth));
      for (const c of e.children) visit(c, depth + 1);
    };
    for (const e of this.entries) visit(e, 0);
    const limit = opts.limit ?? 200;
    const shown = lines.length > limit ? ['  ...', ...lines.slice(-limit)] : lines;
    return shown.length ? shown.join('\n') : '  (no commands recorded)';
  }
}

const quote = (s: string) => JSON.stringify(s);

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return { base64: v.toString('base64') };
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonSafe(x);
    return o;
  }
  return v;
}

export function formatEntry(e: RecordedCommand, depth = 0): string {
  const who = `db${e.db} client#${e.clientId}${e.clientName ? ` ${e.clientName}` : ''}`;
  const args = e.args.map(quote).join(' ');
  let reply = '';
  if (e.done) reply = e.error ? ` -> (error) ${e.errorMessage}` : e.fault && e.rawReply instanceof NoReply ? ' -> (no reply)' : e.reply !== undefined ? ` -> ${formatReply(e.reply)}` : '';
  else reply = ' -> (no reply yet)';
  const fault = e.fault ? ` [fault: ${e.fault}]` : '';
  return `${String(e.seq).padStart(4)}. ${'  '.repeat(depth)}[${who}] ${e.name}${args ? ' ' + args : ''}${reply}${fault}`;
}

function formatReply(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  if (s === undefined) return String(v);
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

function describeFilter(f: unknown): string {
  if (typeof f === 'string') return f;
  if (typeof f === 'function') return 'a command matching the predicate';
  return JSON.stringify(f);
}

function nameTest(n: string | string[] | RegExp): (name: string) => boolean {
  if (n instanceof RegExp) return (x) => n.test(x);
  const set = new Set((Array.isArray(n) ? n : [n]).map((s) => s.toUpperCase()));
  return (x) => set.has(x);
}

export function toPredicate(f: string | CommandFilter | CommandPredicate | undefined, chatter: Set<string>): CommandPredicate {
  if (f === undefined) return (e) => !e.chatter;
  if (typeof f === 'function') return (e) => !e.chatter && f(e);
  if (typeof f === 'string') {
    const t = nameTest(f);
    // Naming a chatter command explicitly includes it.
    return (e) => t(e.name);
  }
  const nt = f.name !== undefined ? nameTest(f.name) : undefined;
  const namesChatter = typeof f.name === 'string' && chatter.has(f.name.toUpperCase());
  return (e) => {
    if (e.chatter && !f.chatter && !namesChatter) return false;
    if (nt && !nt(e.name)) return false;
    if (f.db !== undefined && e.db !== f.db) return false;
    if (f.client !== undefined && (typeof f.client === 'number' ? e.clientId !== f.client : e.clientName !== f.client)) return false;
    if (f.key !== undefined && !e.keys.some((k) => globMatch(f.key as string, k))) return false;
    if (f.where && !f.where(e)) return false;
    return true;
  };
}
