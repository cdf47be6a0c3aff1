/**
 * Blocked clients (Redis's blocked.c): clients waiting on keys (BLPOP,
 * BZPOPMIN, BLMOVE, XREAD BLOCK...) or on nothing but a timeout (WAIT), with
 * one schedule of deadlines on the server's clock.
 *
 * API (server.blocking):
 *
 *   block(ctx, {
 *     keys,                 // keys waited on, in ctx's database (or dbIndex)
 *     dbIndex?,             // default ctx.dbIndex
 *     timeoutMs,            // relative ms on the server clock; 0 = forever
 *     serve: (key) => Reply | undefined,
 *                           // `key` became ready: answer now (the waiter is
 *                           // done) or undefined to keep waiting. Runs as the
 *                           // blocked client (ctx), like the command running
 *                           // then; it may throw a ReplyError (its answer).
 *     onTimeout: () => Reply,   // the deadline passed (or CLIENT UNBLOCK TIMEOUT)
 *     unblockErrorable?,    // CLIENT UNBLOCK ... ERROR may answer -UNBLOCKED (default true)
 *   }): Promise<Reply>
 *
 *   signalKeyReady(dbIndex, key)  // a key someone may wait on got a value
 *
 * A handler that must block returns block()'s Promise: the connection holds
 * that client's later commands until it answers, so replies stay in order.
 * Callers decide whether blocking is allowed (`canBlock(ctx)`: never inside
 * MULTI or a script, where Redis answers as if the timeout passed at once).
 *
 * Ready keys (signalKeyAsReady / handleClientsBlockedOnKeys): a signal on a
 * key nobody waits on costs one Map lookup. A signal on a waited key queues
 * it; the queue is served after the current top-level command, EXEC or
 * script (Connection.processInput checks `hasReady` after each command, and a
 * microtask covers writes made outside a command: the keyspace API, commands
 * that finish asynchronously). Waiters of a key are tried in the order they
 * blocked; what they do may make other keys ready (BLMOVE pushing to a key
 * others wait on), which are served in the same pass. While CLIENT PAUSE is
 * in effect ready keys wait (serving pops, which are writes) and are served
 * on unpause; timeouts still fire, as in Redis.
 *
 * Deadlines: an indexed min-heap of waiters by (deadline, order), with one
 * clock timer for the earliest. Advancing or setting the fixture's clock
 * fires it at once; a frozen clock never does.
 */
import type { ClockTimer } from '../clock/clock.js';
import { ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import type { Connection } from './connection.js';
import type { Context } from './context.js';
import type { RedKitServer } from './server.js';

export interface BlockRequest {
  keys: readonly string[];
  dbIndex?: number;
  /**
   * Relative timeout in ms on the server clock; 0 = forever; Infinity = a
   * deadline that never comes (but counts in INFO's timeout table).
   */
  timeoutMs: number;
  serve: (key: string) => Reply | undefined;
  onTimeout: () => Reply;
  unblockErrorable?: boolean;
}

/** -UNBLOCKED as CLIENT UNBLOCK ... ERROR sends it. */
export const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

class Waiter {
  /** Position in the deadline heap, -1 when not in it. */
  heapIndex = -1;
  done = false;
  /** A timeout past the clock's range: never fires, but Redis keeps it in its timeout table. */
  endless = false;
  constructor(
    readonly seq: number,
    readonly ctx: Context,
    readonly dbIndex: number,
    readonly keys: readonly string[],
    readonly deadline: number,
    readonly req: BlockRequest,
    readonly resolve: (r: Reply) => void,
  ) {}
}

export class Blocking {
  /** Some key with waiters was signalled and is not yet served. */
  hasReady = false;
  /** Per database: key -> waiters in the order they blocked. */
  private readonly waiting: Array<Map<string, Waiter[]>> = [];
  /** Waiters by client id (CLIENT UNBLOCK, disconnects). */
  private readonly byClient = new Map<number, Waiter>();
  /** Keys signalled ready, in signal order (db index, key). */
  private readyDb: number[] = [];
  private readyKey: string[] = [];
  private readonly readySeen = new Set<string>();
  private microtaskQueued = false;
  private serving = false;
  private seq = 0;
  private readonly heap: Waiter[] = [];
  private timer: ClockTimer | null = null;
  private timerAt = Infinity;
  /** Connections that already have the close hook. */
  private readonly hooked = new WeakSet<Connection>();

  constructor(private readonly server: RedKitServer) {}

  /** Clients blocked on keys or on a timeout (WAIT). */
  get blockedCount(): number {
    return this.byClient.size;
  }

  /** Blocked clients with a deadline (INFO clients_in_timeout_table). */
  get inTimeoutTable(): number {
    return this.heap.length + this.endless;
  }
  private endless = 0;

  /** Keys (over all databases) that have waiters. */
  get waitedKeys(): number {
    let n = 0;
    for (const m of this.waiting) if (m !== undefined) n += m.size;
    return n;
  }

  /** True when `id` is a client blocked here. */
  isBlocked(id: number): boolean {
    return this.byClient.has(id);
  }

  /** FLUSHDB / FLUSHALL / SWAPDB: signal every key waited on in that database (a blocked XREADGROUP may have lost its stream). */
  signalWaitedKeys(dbIndex: number): void {
    const m = this.waiting[dbIndex];
    if (m === undefined || m.size === 0) return;
    for (const key of [...m.keys()]) this.signalKeyReady(dbIndex, key);
  }

  /** Whether a command of ctx may block (not in MULTI, a script, or without a connection). */
  canBlock(ctx: Context): boolean {
    return !ctx.inMulti && !ctx.inScript && ctx.conn !== undefined;
  }

  block(ctx: Context, req: BlockRequest): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      const dbIndex = req.dbIndex ?? ctx.dbIndex;
      const t = req.timeoutMs;
      const now = ctx.clock.now();
      const deadline = t > 0 && Number.isFinite(t) ? now + t : Infinity;
      const w = new Waiter(this.seq++, ctx, dbIndex, req.keys, Number.isSafeInteger(deadline) ? deadline : Infinity, req, resolve);
      let m = this.waiting[dbIndex];
      if (m === undefined) m = this.waiting[dbIndex] = new Map();
      for (const k of req.keys) {
        const list = m.get(k);
        if (list === undefined) m.set(k, [w]);
        else if (list[list.length - 1] !== w) list.push(w); // a key named twice waits once
      }
      this.byClient.set(ctx.id, w);
      this.server.store.keyWaiters = this.byClient.size;
      const conn = ctx.conn;
      if (conn !== undefined && !this.hooked.has(conn)) {
        this.hooked.add(conn);
        conn.addCloseHook((c) => this.disconnected(c));
      }
      if (w.deadline !== Infinity) {
        this.heapPush(w);
        this.rearm();
      } else if (t !== 0) {
        w.endless = true;
        this.endless++;
      }
    });
  }

  /** signalKeyAsReady: `key` in `dbIndex` may now serve its waiters. */
  signalKeyReady(dbIndex: number, key: string): void {
    const m = this.waiting[dbIndex];
    if (m === undefined || m.size === 0 || !m.has(key)) return;
    const id = `${dbIndex}\0${key}`;
    if (this.readySeen.has(id)) return;
    this.readySeen.add(id);
    this.readyDb.push(dbIndex);
    this.readyKey.push(key);
    this.hasReady = true;
    if (!this.microtaskQueued && !this.serving) {
      this.microtaskQueued = true;
      queueMicrotask(() => {
        this.microtaskQueued = false;
        if (this.hasReady) this.handleReady();
      });
    }
  }

  /** handleClientsBlockedOnKeys: serve the waiters of every ready key, until no key is ready. */
  handleReady(): void {
    if (this.serving || !this.hasReady) return;
    // Serving pops (writes): held while clients are paused, done on unpause.
    if (this.server.isPaused()) return;
    this.serving = true;
    const store = this.server.store;
    const lookupStats = store.lookupStats;
    store.lookupStats = false;
    try {
      while (this.readyDb.length !== 0) {
        const dbs = this.readyDb;
        const keys = this.readyKey;
        this.readyDb = [];
        this.readyKey = [];
        this.readySeen.clear();
        for (let i = 0; i < dbs.length; i++) this.serveKey(dbs[i], keys[i]);
      }
    } finally {
      this.hasReady = this.readyDb.length !== 0;
      this.serving = false;
      store.lookupStats = lookupStats;
    }
  }

  private serveKey(dbIndex: number, key: string): void {
    const m = this.waiting[dbIndex];
    const list = m?.get(key);
    if (list === undefined) return;
    // The waiters at this moment, in the order they blocked (served ones leave the list).
    const snapshot = list.slice();
    for (const w of snapshot) {
      if (w.done) continue;
      const ctx = w.ctx;
      const conn = ctx.conn;
      if (conn !== undefined && (conn.isClosed || conn.socket.destroyed)) {
        // Killed (CLIENT KILL) and not yet closed: gone for Redis, it must not take the data.
        this.remove(w);
        continue;
      }
      let reply: Reply | undefined;
      const prevCommand = ctx.command;
      try {
        reply = w.req.serve(key);
      } catch (e) {
        reply = e instanceof ReplyError ? e : this.server.errorToReply(e);
      }
      if (reply === undefined) {
        ctx.command = prevCommand;
        continue;
      }
      this.finish(w, reply);
    }
  }

  /** Answer a waiter and forget it. */
  private finish(w: Waiter, reply: Reply): void {
    if (w.done) return;
    this.remove(w);
    w.resolve(reply);
  }

  private remove(w: Waiter): void {
    w.done = true;
    const m = this.waiting[w.dbIndex];
    if (m !== undefined) {
      for (const k of w.keys) {
        const list = m.get(k);
        if (list === undefined) continue;
        const i = list.indexOf(w);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) m.delete(k);
      }
    }
    if (this.byClient.get(w.ctx.id) === w) this.byClient.delete(w.ctx.id);
    this.server.store.keyWaiters = this.byClient.size;
    if (w.endless) {
      w.endless = false;
      this.endless--;
    }
    if (w.heapIndex >= 0) {
      this.heapRemove(w);
      this.rearm();
    }
  }

  /** Answer every blocked client with `reply` (Redis's disconnectAllBlockedClients); returns their contexts. */
  answerAll(reply: Reply): Context[] {
    const out: Context[] = [];
    for (const w of [...this.byClient.values()]) {
      out.push(w.ctx);
      this.finish(w, reply);
    }
    return out;
  }

  /** Answer a blocked client now with `reply` (WAIT once enough replicas acknowledged). */
  answer(id: number, reply: Reply): boolean {
    const w = this.byClient.get(id);
    if (w === undefined) return false;
    this.finish(w, reply);
    return true;
  }

  /**
   * CLIENT UNBLOCK: answer a blocked client as on timeout, or with
   * -UNBLOCKED. False when the client is not blocked here.
   */
  unblock(id: number, error: boolean): boolean {
    const w = this.byClient.get(id);
    if (w === undefined) return false;
    let reply: Reply;
    if (error && w.req.unblockErrorable !== false) reply = new ReplyError(UNBLOCKED_ERROR);
    else {
      reply = this.timeoutReply(w);
      // Redis 7.0 counts a command ended by CLIENT UNBLOCK as failed either way
      // (an error reply is counted when it is answered).
      if (!(reply instanceof ReplyError)) {
        w.ctx.command.stats.failed++;
        this.server.dispatcher.stats.failedCalls++;
      }
    }
    this.finish(w, reply);
    return true;
  }

  private timeoutReply(w: Waiter): Reply {
    try {
      return w.req.onTimeout();
    } catch (e) {
      return e instanceof ReplyError ? e : this.server.errorToReply(e);
    }
  }

  /**
   * A blocked client went away: nothing is left behind, and its command is
   * never answered (the recorder keeps it pending, as Redis never replied).
   */
  private disconnected(c: Connection): void {
    const w = this.byClient.get(c.id);
    if (w === undefined) return;
    this.remove(w);
  }

  /** Answer every waiter whose deadline has passed, then arm the timer for the next. */
  private fireDue(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.server.clock.now();
    while (this.heap.length !== 0 && this.heap[0].deadline <= now) {
      const w = this.heap[0];
      this.finish(w, this.timeoutReply(w));
    }
    this.rearm();
  }

  private rearm(): void {
    const next = this.heap.length === 0 ? Infinity : this.heap[0].deadline;
    if (next === this.timerAt) return;
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
    this.timerAt = next;
    if (next !== Infinity) this.timer = this.server.clock.at(next, () => this.fireDue());
  }

  /** Server stop: forget every waiter without answering and stop the timer. */
  dispose(): void {
    if (this.timer !== null) this.timer.cancel();
    this.timer = null;
    this.timerAt = Infinity;
    for (const w of [...this.byClient.values()]) this.remove(w);
    this.heap.length = 0;
  }

  // ---- indexed binary heap by (deadline, seq) -----------------------------------------

  private less(a: Waiter, b: Waiter): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private heapPush(w: Waiter): void {
    w.heapIndex = this.heap.length;
    this.heap.push(w);
    this.siftUp(w.heapIndex);
  }

  private heapRemove(w: Waiter): void {
    const h = this.heap;
    const i = w.heapIndex;
    w.heapIndex = -1;
    const last = h.pop() as Waiter;
    if (i === h.length) return;
    h[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < h.length && this.less(h[l], h[s])) s = l;
      if (r < h.length && this.less(h[r], h[s])) s = r;
      if (s === i) return;
      this.swap(i, s);
      i = s;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i];
    h[i] = h[j];
    h[j] = a;
    a.heapIndex = j;
    h[i].heapIndex = i;
  }
}
