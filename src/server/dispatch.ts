/**
 * The path of one command after parsing: look it up, check arity and auth,
 * pass the gates installed by command groups (MULTI queueing, pub/sub
 * context, loading, pause), then run the middleware chain and the handler.
 * Synchronous handlers stay synchronous: no Promise unless someone returns one.
 */
import { performance } from 'node:perf_hooks';
import { Err, ReplyError } from '../errors.js';
import { isPending, type Reply } from '../resp/reply.js';
import type { Context } from './context.js';
import { commandKeyIndexes, F, type Command, type Registry } from './registry.js';
import type { Logger } from './logger.js';
import { aclCheckCommand } from './acl.js';

/** What middleware sees of a command. `args` and `command` may be replaced before calling next(). */
export interface CommandCall {
  /** Upper-case command name (`CLIENT SETNAME` for subcommands). */
  readonly name: string;
  /** Arguments after the (sub)command name, binary strings. */
  args: string[];
  /** The resolved command. */
  command: Command;
  /** Keys named by the arguments (from the command's key spec). */
  readonly keys: string[];
}

export type Next = () => Reply | Promise<Reply>;
export type Middleware = (ctx: Context, cmd: CommandCall, next: Next) => Reply | Promise<Reply>;

/**
 * A check that runs before the command (after arity/auth): returns a reply to
 * answer instead of running it (an error, QUEUED, ...), or undefined to go on.
 */
export type Gate = (ctx: Context, cmd: Command, args: string[]) => Reply | undefined;

/**
 * Sees every command that ran, with its reply (recorder, MONITOR, stats).
 * `late`: the command answered asynchronously (it blocked, or was held);
 * Dispatcher.pendingObservers saw it when it started waiting.
 */
export type Observer = (ctx: Context, cmd: Command, args: string[], reply: Reply, late?: boolean) => void;

/**
 * Gets the duration of every command that ran (SLOWLOG, LATENCY, INFO
 * latencystats / commandstats usec), in microseconds.
 */
export interface CommandTimer {
  /**
   * `sentName` / `sentArgs`: the client's command as it sent it (ctx.sentName / ctx.sentArgs when it ran);
   * `clientName`: the client's name when it finished (ctx.name by default).
   */
  record(ctx: Context, cmd: Command, args: readonly string[], us: number, sentName: string, sentArgs: readonly string[], clientName?: string): void;
  /**
   * The first `n` commands of `cmds` took `us` each (commands sharing a clock
   * reading). Returns false, recording nothing, when `us` is long enough for
   * the slow log or the latency monitor: then each goes through record().
   */
  recordShared(n: number, us: number, cmds: Command[]): boolean;
}


export interface DispatchStats {
  /** Commands that ran, counted when they finish (Redis's stat_numcommands, after call()). */
  commands: number;
  /** Commands received, run or not. */
  received: number;
  errorReplies: number;
  errorsByCode: Map<string, number>;
  rejectedCalls: number;
  failedCalls: number;
}

class Call implements CommandCall {
  private _keys: string[] | undefined;
  constructor(
    readonly name: string,
    public args: string[],
    public command: Command,
  ) {}
  get keys(): string[] {
    if (this._keys === undefined) this._keys = commandKeyIndexes(this.command, this.args).map((i) => this.args[i]);
    return this._keys;
  }
}


/**
 * Why a command must pass the gates. A client's bits are in ctx.attention,
 * the server's in Dispatcher.attention; with neither set, gates are skipped.
 */
export const ATTENTION = {
  /** The client has pub/sub subscriptions (RESP2 restricts its commands). */
  PUBSUB: 1,
  /** The client is a MONITOR. */
  MONITOR: 2,
  /** The client is in MULTI. */
  MULTI: 4,
  /** The server is loading (setLoading). */
  LOADING: 8,
  /** Clients are paused (CLIENT PAUSE). */
  PAUSED: 16,
  /** The server is a read-only replica (src/replication/: writes answer -READONLY). */
  REPLICA: 32,
  /** A MIGRATE is waiting for its target: other clients' commands wait (src/commands/migrate.ts). */
  MIGRATE: 64,
  /** A replica whose link with its master is down, with replica-serve-stale-data no (src/replication/: -MASTERDOWN). */
  STALE: 128,
} as const;

export class Dispatcher {
  /** Server-level attention bits (ATTENTION.LOADING, PAUSED, ...). */
  attention = 0;
  /** Gates that must see every command (see addGate). */
  private alwaysGates = 0;
  /**
   * Runs after every command that ran (client-side caching remembers the keys
   * a tracking client read); a blocking command runs it when it blocks, not
   * when served. Set only while someone needs it.
   */
  postCommand: ((ctx: Context, cmd: Command, args: string[]) => void) | undefined;
  /**
   * Replication (src/replication/): sees every command that ran, with its
   * reply, to feed replicas. Set only while the server has a replication
   * stream; undefined costs one test per command.
   */
  propagate: ((ctx: Context, cmd: Command, args: string[], reply: Reply) => void) | undefined;
  /** Runs before every command (after lookup, arity and auth); cheap bookkeeping only. */
  prelude: ((ctx: Context, cmd: Command) => void) | undefined;
  /** Commands answered before every other check, as Redis answers QUIT. */
  readonly immediate = new Set<Command>();
  readonly middleware: Middleware[] = [];
  /** Gates in the order Redis applies its checks (see RedKitServer.addGate). */
  readonly gates: Gate[] = [];
  private readonly gateOrder: number[] = [];
  readonly observers: Observer[] = [];
  /** See a command when it starts waiting for its answer (MONITOR shows a blocked BLPOP when it arrives, as Redis). */
  readonly pendingObservers: Array<(ctx: Context, cmd: Command, args: string[]) => void> = [];
  readonly stats: DispatchStats = { commands: 0, received: 0, errorReplies: 0, errorsByCode: new Map(), rejectedCalls: 0, failedCalls: 0 };

  /** Times commands while set (installed by the latency group); null costs nothing per command. */
  timer: CommandTimer | null = null;
  /**
   * Command timing reads the clock as little as it can. `stamp` is the last
   * clock reading of the current batch (valid while `stampValid`): a command
   * starts where the previous one ended. Commands that cannot take long
   * (Command.sharedTiming: GET, SET, HGET, INCR...) do not read the clock: they queue
   * here until the next reading (a non-fast command, the end of the batch),
   * and share the time since `stamp` equally. Other commands are timed one by
   * one (one reading each), so a slow KEYS or SORT in a pipeline is measured
   * exactly. A command that waits (a delay fault...) is always timed alone.
   *
   * A queued command costs a few array stores: its command, client, name and
   * arguments (kept for the slow log, which needs them only when the shared
   * time is over its threshold); the arguments as sent only when they are not
   * the arguments run (subcommands, EXEC, scripts). Recording is one pass per
   * batch over the run of commands.
   */
  private stamp = 0;
  private stampValid = false;
  private pendingCount = 0;
  private readonly pendingCtx: Context[] = [];
  private readonly pendingCmd: Command[] = [];
  private readonly pendingArgs: string[][] = [];
  private readonly pendingSentName: string[] = [];
  /** The client's name when the command finished (a CLIENT SETNAME later in the batch does not rename earlier entries). */
  private readonly pendingName: string[] = [];
  /** Arguments as sent, set (and `pendingSentSet`) only where they are not pendingArgs[i]. */
  private readonly pendingSentArgs: Array<string[] | undefined> = [];
  private pendingSentSet = false;
  /**
   * Connections bracket a read's commands with beginBatch()/endBatch(); a
   * command run outside a batch (a timer serving a blocked client, the
   * fixture's in-process client...) schedules a microtask to end its batch.
   */
  private batchDepth = 0;
  /**
   * Changes at every batch boundary (beginBatch, endBatch, newBatch) of any
   * server in the process, so only the commands a connection runs from one
   * read see the same value: XADD's `*` IDs share one clock reading among them.
   */
  static batchSeq = 0;
  private endScheduled = false;
  private readonly endOfBatch = (): void => {
    this.endScheduled = false;
    if (this.batchDepth === 0) this.newBatch();
  };

  constructor(
    readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /**
   * A batch of commands ends or a new one starts: settle the queued fast
   * commands; the next timed command reads the clock.
   */
  newBatch(): void {
    Dispatcher.batchSeq++;
    if (this.pendingCount !== 0) this.settlePending();
    this.stampValid = false;
  }

  /** A connection starts running the commands of one read (ended by endBatch(), in a finally). */
  beginBatch(): void {
    Dispatcher.batchSeq++;
    if (this.pendingCount !== 0) this.settlePending();
    if (this.readStamped) {
      // The read's own clock reading starts its first command (no second reading).
      this.readStamped = false;
      this.stamp = this.readStamp;
      this.stampValid = true;
    } else this.stampValid = false;
    this.batchDepth++;
  }

  /** A read's clock reading (performance.now()), taken before its commands run: the next beginBatch() starts from it. */
  readAt(perf: number): void {
    this.readStamp = perf;
    this.readStamped = true;
  }

  /** The read's reading no longer stands for the start of its commands (a write came between). */
  readDone(): void {
    this.readStamped = false;
  }

  private readStamp = 0;
  private readStamped = false;

  /** The commands of one read ran: settle the queued ones before the reply is written (the write is not their time). */
  endBatch(): void {
    Dispatcher.batchSeq++;
    if (this.pendingCount !== 0) this.settlePending();
    this.stampValid = false;
    if (this.batchDepth > 0) this.batchDepth--;
  }

  /** Read the clock, give the queued fast commands their share of the time since `stamp`. */
  private settlePending(): number {
    const now = performance.now();
    const n = this.pendingCount;
    this.pendingCount = 0;
    const timer = this.timer;
    const us = this.stampValid ? ((now - this.stamp) * 1000) / n : 0;
    const argss = this.pendingArgs;
    const sentArgss = this.pendingSentArgs;
    if (timer !== null) {
      try {
        if (!timer.recordShared(n, us, this.pendingCmd)) {
          // Slow enough for the slow log or the latency monitor (rare): each one the full way.
          const ctxs = this.pendingCtx;
          const cmds = this.pendingCmd;
          const names = this.pendingSentName;
          const clientNames = this.pendingName;
          for (let i = 0; i < n; i++) {
            const sent = this.pendingSentSet ? sentArgss[i] : undefined;
            timer.record(ctxs[i], cmds[i], argss[i], us, names[i], sent ?? argss[i], clientNames[i]);
          }
        }
      } catch (e) {
        this.logger.error(`command timer: ${(e as Error)?.stack ?? e}`);
      }
    }
    this.dropPending(n);
    this.stamp = now;
    this.stampValid = true;
    return now;
  }

  /** Arguments can be large: do not keep them past the batch. */
  private dropPending(n: number): void {
    const argss = this.pendingArgs;
    for (let i = 0; i < n; i++) (argss as unknown[])[i] = undefined;
    if (this.pendingSentSet) {
      this.pendingSentSet = false;
      const sentArgss = this.pendingSentArgs;
      for (let i = 0; i < n; i++) sentArgss[i] = undefined;
    }
  }

  /**
   * A command timed alone ended at `now` and fast commands were queued while it ran (all of them:
   * its start settled the queue): commands of a script or of EXEC. They share its time since the
   * last reading, with this reading (the next command then starts from it without reading the
   * clock again). When that share is slow enough for the slow log or the latency monitor they
   * stay queued, for the time after this command as before (a script's Lua time is not theirs).
   */
  private settleNested(now: number): void {
    const timer = this.timer;
    if (timer === null || !this.stampValid) return;
    const n = this.pendingCount;
    let done: boolean;
    try {
      done = timer.recordShared(n, ((now - this.stamp) * 1000) / n, this.pendingCmd);
    } catch (e) {
      this.logger.error(`command timer: ${(e as Error)?.stack ?? e}`);
      done = true;
    }
    if (!done) return;
    this.pendingCount = 0;
    this.dropPending(n);
  }

  /** The first clock reading of a batch (with a microtask to end it when no connection will). */
  private openStamp(): number {
    this.stampValid = true;
    if (this.batchDepth === 0 && !this.endScheduled) {
      this.endScheduled = true;
      queueMicrotask(this.endOfBatch);
    }
    return (this.stamp = performance.now());
  }

  /**
   * performance.now() at the start of the command running now, without a second clock reading
   * when the timer took one for it (a command timed alone); else a new reading. (Scripts: their
   * start for busy-reply-threshold.)
   */
  commandStart(): number {
    return this.timer !== null && this.stampValid ? this.stamp : performance.now();
  }

  /** Start times of the commands timed alone that are running (a script's, then the commands it calls). */
  private readonly aloneStarts = new Float64Array(64);
  private aloneDepth = 0;

  /** A command timed alone starts: its start goes in aloneStarts; returns its index there. */
  private startAlone(): number {
    let d = this.aloneDepth;
    // (finish() puts the depth back to its index; deeper than the array only if that was skipped)
    if (d >= 64) d = 63;
    this.aloneStarts[d] = this.startStamp();
    this.aloneDepth = d + 1;
    return d;
  }

  /** Start time of a timed command that is measured alone. */
  private startStamp(): number {
    if (this.pendingCount !== 0) return this.settlePending();
    if (this.stampValid) return this.stamp;
    return this.openStamp();
  }

  /** Queue a fast command: it shares the time until the next clock reading. Returns its t0 for finish(): -2 - its index. */
  private queueFast(ctx: Context, cmd: Command, args: string[]): number {
    if (!this.stampValid) this.openStamp();
    const i = this.pendingCount++;
    this.pendingCmd[i] = cmd;
    this.pendingCtx[i] = ctx;
    this.pendingArgs[i] = args;
    this.pendingSentName[i] = ctx.sentName;
    if (ctx.sentArgs !== args) this.sentArgsDiffer(i, ctx.sentArgs);
    return -2 - i;
  }

  /** A queued command sent other arguments than it runs with (a subcommand, EXEC, a script). Kept out of queueFast. */
  private sentArgsDiffer(i: number, sentArgs: string[]): void {
    // Entries of pendingSentArgs are undefined but where set here (settlePending clears them).
    this.pendingSentSet = true;
    this.pendingSentArgs[i] = sentArgs;
  }

  /**
   * Someone sees reply values (middleware, observers such as MONITOR or the
   * recorder): a handler must then return values, not preencoded bytes.
   */
  get repliesObserved(): boolean {
    return this.middleware.length !== 0 || this.observers.length !== 0;
  }

  /** Insert a gate keeping them sorted by `order` (stable). */
  /**
   * Insert a gate. `onAttention`: the gate only needs to see commands of
   * clients or servers with an attention bit set (the built-in gates); other
   * gates see every command, so while one exists all gates run.
   */
  addGate(g: Gate, order: number, onAttention = false): void {
    if (!onAttention) this.alwaysGates++;
    let i = this.gates.length;
    while (i > 0 && this.gateOrder[i - 1] > order) i--;
    this.gates.splice(i, 0, g);
    this.gateOrder.splice(i, 0, order);
  }

  /** Resolve a command (and subcommand) from the wire; returns an error reply when unknown or arity is wrong. */
  resolve(name: string, args: string[]): { cmd: Command; args: string[] } | ReplyError {
    let cmd = this.registry.lookup(name);
    if (cmd === undefined) return new ReplyError(Err.unknownCommand(name, args));
    let argc = args.length + 1;
    if (cmd.subcommands !== undefined && args.length > 0) {
      const sub = cmd.subcommands.get(args[0].toLowerCase());
      if (sub === undefined) return new ReplyError(Err.unknownSubcommand(args[0], cmd.name));
      cmd = sub;
      args = args.slice(1);
      argc = args.length + 2;
    }
    const arity = cmd.arity;
    if ((arity > 0 && argc !== arity) || argc < -arity) return new ReplyError(Err.arity(cmd.fullName));
    return { cmd, args };
  }

  /** Run a command from a client: lookup, checks, gates, middleware, handler. */
  execute(ctx: Context, name: string, args: string[]): Reply | Promise<Reply> {
    this.stats.received++;
    ctx.sentName = name;
    ctx.sentArgs = args;
    let cmd = this.registry.lookup(name);
    // Plain commands resolve here without allocating; subcommands and errors take resolve().
    if (cmd === undefined || cmd.subcommands !== undefined || (cmd.arity > 0 ? args.length + 1 !== cmd.arity : args.length + 1 < -cmd.arity)) {
      const r = this.resolve(name, args);
      if (r instanceof ReplyError) {
        this.stats.rejectedCalls++;
        if (cmd === undefined && (name.length === 4 || name.length === 5)) this.securityCheck(ctx, name);
        // A known (sub)command with the wrong arity counts in its rejected_calls, as in Redis.
        const known = cmd === undefined ? undefined : cmd.subcommands === undefined || args.length === 0 ? cmd : cmd.subcommands.get(args[0].toLowerCase());
        if (known !== undefined) known.stats.rejected++;
        return this.rejected(ctx, r, known, args);
      }
      cmd = r.cmd;
      args = r.args;
    }
    // The client's last command (CLIENT LIST cmd=): Redis records it before its checks.
    ctx.command = cmd;
    if (this.immediate.size !== 0 && this.immediate.has(cmd)) return this.run(ctx, cmd, args);
    if (!ctx.authenticated && (cmd.flagBits & F.no_auth) === 0) {
      cmd.stats.rejected++;
      this.stats.rejectedCalls++;
      return this.rejected(ctx, new ReplyError(Err.noAuth), cmd, args);
    }
    const u = ctx.aclUser;
    if (u !== undefined && !u.unrestricted) {
      const denied = aclCheckCommand(ctx, cmd, args);
      if (denied !== undefined) {
        cmd.stats.rejected++;
        this.stats.rejectedCalls++;
        return this.rejected(ctx, denied, cmd, args);
      }
    }
    if (this.prelude !== undefined) this.prelude(ctx, cmd);
    if ((ctx.attention | this.attention) === 0 && this.alwaysGates === 0) return this.run(ctx, cmd, args);
    return this.gatesFrom(ctx, cmd, args, 0);
  }

  /** Run the gates from index `i` on, then the command. */
  private gatesFrom(ctx: Context, cmd: Command, args: string[], i: number): Reply | Promise<Reply> {
    const gates = this.gates;
    for (; i < gates.length; i++) {
      const g = gates[i](ctx, cmd, args);
      if (g !== undefined) {
        if (g instanceof ReplyError) {
          cmd.stats.rejected++;
          this.stats.rejectedCalls++;
          return this.rejected(ctx, g, cmd, args);
        }
        return g;
      }
    }
    return this.run(ctx, cmd, args);
  }

  /** Go on with a command a gate of `order` held (CLIENT PAUSE): the later gates, then the command. */
  runAfterGate(ctx: Context, cmd: Command, args: string[], order: number): Reply | Promise<Reply> {
    let i = 0;
    while (i < this.gateOrder.length && this.gateOrder[i] <= order) i++;
    return this.gatesFrom(ctx, cmd, args, i);
  }

  /**
   * Redis closes, without a reply, a connection that sends `POST` or `Host:`
   * as a command: someone is talking HTTP to it (cross-protocol scripting).
   */
  private securityCheck(ctx: Context, name: string): void {
    const l = name.toLowerCase();
    if (l !== 'post' && l !== 'host:') return;
    this.logger.warn(`Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. Connection from ${ctx.remoteAddress} aborted.`);
    ctx.conn?.abort();
  }

  /** Hook for gates to see rejected commands (MULTI flags the transaction). */
  onReject: ((ctx: Context, err: ReplyError, cmd: Command | undefined) => void) | undefined;
  /**
   * Rewrites a rejection before anyone sees it (a rejected EXEC answers
   * EXECABORT and ends the transaction, as Redis's rejectCommand does).
   */
  rewriteRejection: ((ctx: Context, err: ReplyError, cmd: Command | undefined) => ReplyError) | undefined;

  private rejected(ctx: Context, err: ReplyError, cmd: Command | undefined, _args: string[]): Reply {
    if (this.rewriteRejection !== undefined) err = this.rewriteRejection(ctx, err, cmd);
    this.countError(err);
    this.onReject?.(ctx, err, cmd);
    return err;
  }

  /**
   * Run a resolved command through middleware and its handler, with stats and
   * observers. Used for client commands and for commands inside EXEC.
   */
  run(ctx: Context, cmd: Command, args: string[]): Reply | Promise<Reply> {
    ctx.command = cmd;
    cmd.stats.calls++;
    const touches = ctx.store.touches;
    // -1: not timed; <= -2: a fast command queued for a shared reading (-2 - its index); else the
    // index of its start in aloneStarts (small integers: no number boxed per call).
    const t0 = this.timer === null ? -1 : cmd.sharedTiming ? this.queueFast(ctx, cmd, args) : this.startAlone();
    let reply: Reply | Promise<Reply>;
    try {
      reply = this.middleware.length === 0 ? cmd.handler(ctx, args) : this.chain(ctx, cmd, args);
    } catch (e) {
      reply = this.errorToReply(e, cmd, ctx);
    }
    if (isPending(reply)) return this.later(ctx, cmd, args, reply, t0, touches);
    return this.finish(ctx, cmd, args, reply, true, touches, t0);
  }

  /** A command that answers later (a Promise): finish it then (kept out of run(), whose closures would cost every call). */
  private later(ctx: Context, cmd: Command, args: string[], reply: Promise<Reply> | PromiseLike<Reply>, t0: number, touches: number): Promise<Reply> {
    // A command that answers later (a blocked BLPOP...) counts as processed now, as in Redis.
    this.stats.commands++;
    const po = this.pendingObservers;
    for (let i = 0; i < po.length; i++) po[i](ctx, cmd, args);
    // A command that blocks (XREAD BLOCK) is a read of its keys now, as Redis's call() sees it, not when served.
    if (this.postCommand !== undefined && (cmd.flagBits & F.blocking) !== 0) this.postCommand(ctx, cmd, args);
    if (t0 === -1) {
      return Promise.resolve(reply).then(
        (v) => this.finish(ctx, cmd, args, v, false, touches, -1),
        (e) => this.finish(ctx, cmd, args, this.errorToReply(e, cmd, ctx), false, touches, -1),
      );
    }
    // A command that waits is timed alone (a queued fast one leaves the queue, where it is last).
    let start = 0;
    if (t0 >= 0) {
      start = this.aloneStarts[t0];
      this.aloneDepth = t0;
    } else {
      if (-2 - t0 === this.pendingCount - 1 && this.pendingCmd[this.pendingCount - 1] === cmd) {
        this.pendingCount--;
        this.pendingCtx[this.pendingCount] = undefined as unknown as Context;
        this.pendingArgs[this.pendingCount] = undefined as unknown as string[];
        this.pendingSentArgs[this.pendingCount] = undefined;
      }
      start = this.stamp;
    }
    // Blocking commands count their synchronous part only (Redis does not count the
    // time blocked); anything else (a delay fault...) counts the wait, on the real
    // clock or the server clock, whichever moved more.
    const syncEnd = performance.now();
    const v0 = ctx.clock.now();
    const blocking = (cmd.flagBits & F.blocking) !== 0;
    const done = (v: Reply): Reply => {
      const us = blocking ? (syncEnd - start) * 1000 : Math.max(performance.now() - start, ctx.clock.now() - v0) * 1000;
      return this.finish(ctx, cmd, args, v, false, touches, -1, us);
    };
    // The batch goes on without this command: what comes next starts now.
    this.stamp = syncEnd;
    return Promise.resolve(reply).then(done, (e) => done(this.errorToReply(e, cmd, ctx)));
  }

  /** `t0`: index of the start of a command timed alone in aloneStarts (-1: not timed now, or `us` is its duration; <= -2: queued fast, -2 - its index). */
  private finish(ctx: Context, cmd: Command, args: string[], reply: Reply, count: boolean, touches: number, t0: number, us = -1): Reply {
    if (t0 >= 0) {
      const t1 = performance.now();
      if (this.pendingCount !== 0) this.settleNested(t1);
      this.stamp = t1;
      us = (t1 - this.aloneStarts[t0]) * 1000;
      this.aloneDepth = t0;
    } else if (t0 <= -2) {
      // The slow log shows the client's name after the command (CLIENT SETNAME's own entry has the new one).
      const i = -2 - t0;
      if (i < this.pendingCount) this.pendingName[i] = ctx.name;
    }
    if (us >= 0 && this.timer !== null) this.timer.record(ctx, cmd, args, us, ctx.sentName, ctx.sentArgs);
    if (count) this.stats.commands++;
    if (cmd.dirty !== undefined) ctx.store.dirty += cmd.dirty(args, reply, ctx.store.touches - touches);
    const late = !count;
    if (reply instanceof ReplyError) {
      cmd.stats.failed++;
      this.stats.failedCalls++;
      // An error already counted where it happened (a command inside a script).
      if (reply.noStats !== true) this.countError(reply);
    }
    if (this.postCommand !== undefined && !(late && (cmd.flagBits & F.blocking) !== 0)) this.postCommand(ctx, cmd, args);
    if (this.propagate !== undefined) this.propagate(ctx, cmd, args, reply);
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i](ctx, cmd, args, reply, late);
    return reply;
  }

  private chain(ctx: Context, cmd: Command, args: string[]): Reply | Promise<Reply> {
    const mws = this.middleware;
    const call = new Call(cmd.parent ? `${cmd.parent.name.toUpperCase()} ${cmd.name.toUpperCase()}` : cmd.name.toUpperCase(), args, cmd);
    let i = 0;
    const next: Next = () => {
      if (i < mws.length) {
        const mw = mws[i++];
        return mw(ctx, call, next);
      }
      ctx.command = call.command;
      return call.command.handler(ctx, call.args);
    };
    return next();
  }

  /** Count an error reply in INFO errorstats / total_error_replies. */
  countError(err: ReplyError): void {
    this.stats.errorReplies++;
    const sp = err.message.indexOf(' ');
    const code = sp > 0 ? err.message.slice(0, sp) : err.message;
    this.stats.errorsByCode.set(code, (this.stats.errorsByCode.get(code) ?? 0) + 1);
  }

  /**
   * The error reply for something a command threw (a bug in a handler, a
   * middleware, a gate...), logged with the command and the client. A
   * ReplyError is the command's answer and is not logged.
   */
  errorToReply(e: unknown, cmd?: Command, ctx?: Context): ReplyError {
    if (e instanceof ReplyError) return e;
    const msg = errorMessage(e);
    const name = cmd?.fullName ?? ctx?.sentName ?? '?';
    const who = ctx === undefined ? '' : ` (${describeClient(ctx)})`;
    if (cmd?.builtin) this.logger.error(`internal error in '${name}'${who}: ${errorStack(e)}`);
    else this.logger.warn(`command '${name}'${who} threw: ${errorStack(e)}`);
    return new ReplyError(`ERR ${msg}`);
  }
}


/** The message of anything thrown, never throwing itself (a thrown value may be any object). */
export function errorMessage(e: unknown): string {
  try {
    if (e instanceof Error) return String(e.message);
    if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    return String(e);
  } catch {
    return 'unknown error';
  }
}

/** The stack of an Error (its message otherwise), for logs. */
export function errorStack(e: unknown): string {
  try {
    if (e instanceof Error && typeof e.stack === 'string') return e.stack;
  } catch {
    // fall through
  }
  return errorMessage(e);
}

/** "id=3 addr=127.0.0.1:5000 name=x", to say whose command it was. */
export function describeClient(ctx: Context): string {
  try {
    return `id=${ctx.id} addr=${ctx.remoteAddress}${ctx.name ? ` name=${ctx.name}` : ''}`;
  } catch {
    return 'unknown client';
  }
}
