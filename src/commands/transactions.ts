/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, as Redis's multi.c.
 *
 * While a client is in MULTI (ATTENTION.MULTI), the MULTI gate — the last of
 * the gates, as queueing is the last step of Redis's processCommand — answers
 * QUEUED and keeps the resolved command. A command rejected before it could
 * be queued (unknown, wrong arity, a gate's error) flags the transaction and
 * EXEC answers EXECABORT. EXEC runs the queued commands through the same
 * middleware and handlers as client commands (so the recorder nests them
 * under the EXEC entry and MONITOR shows them), one after the other with
 * nothing in between — unless a custom handler answers asynchronously.
 *
 * WATCH registers one WatchedKey per (client, db, key) in the database's
 * watch table; Database.touch (signalModifiedKey) and touchAllWatched
 * (FLUSHDB, FLUSHALL, SWAPDB) mark the client's transaction dirty, and an
 * EXEC whose watched keys changed or expired answers a null array.
 */
import { aclExecCheck } from '../server/acl.js';
import { ReplyError } from '../errors.js';
import { NULL_ARRAY, OK, QUEUED, RawReply, type Reply } from '../resp/reply.js';
import { encodeReply } from '../resp/writer.js';
import { ATTENTION } from '../server/dispatch.js';
import type { Context } from '../server/context.js';
import { F, type Command } from '../server/registry.js';
import { GATE, type RedKitServer } from '../server/server.js';
import type { Database, Watcher } from '../store/database.js';
import { onConnectionReset } from './connection.js';
import { feedMonitors } from './monitor.js';
import { defineCommands } from './util.js';

/** Commands a client in MULTI runs at once instead of queueing (processCommand's list). */
const NOT_QUEUED = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

interface Queued {
  cmd: Command;
  args: string[];
  /** The name and arguments as the client sent them (MONITOR, recorder). */
  sentName: string;
  sentArgs: string[];
}

/** One watched key of one client (Redis's watchedKey). */
class WatchedKey implements Watcher {
  constructor(
    readonly tx: Transaction,
    readonly db: Database,
    readonly key: string,
    /** The key was already logically expired when WATCH was called. */
    public expired: boolean,
  ) {}

  /** touchWatchedKey: the client's EXEC will fail; no point watching anything else. */
  touched(): void {
    this.tx.dirtyCas = true;
    this.tx.unwatchAll();
  }

  /** touchAllWatchedKeysInDb: flag only (the flush is iterating the watch table). */
  flushed(): void {
    this.tx.dirtyCas = true;
  }
}

/** A client's MULTI/WATCH state (Redis's mstate plus the DIRTY flags and watched_keys). */
export class Transaction {
  /** Queued commands; null when the client is not in MULTI. */
  queue: Queued[] | null = null;
  /** OR of the queued commands' flag bits (mstate.cmd_flags). */
  flagBits = 0;
  /** OR of the complements of the queued commands' flag bits (mstate.cmd_inv_flags: a command without `stale`). */
  invFlagBits = 0;
  /** A command was rejected while queueing: EXEC answers EXECABORT (CLIENT_DIRTY_EXEC). */
  dirtyExec = false;
  /** A watched key changed: EXEC answers a null array (CLIENT_DIRTY_CAS). */
  dirtyCas = false;
  /** EXEC is running the queue. */
  executing = false;
  /** While EXEC runs: the replies of the queued commands so far (CLIENT LIST's obl counts them). */
  execReplies: Reply[] | null = null;
  /**
   * EXEC went past the MULTI gate. If the client's next command finds the
   * transaction still open, EXEC was answered without running (a fault rule
   * or a middleware replied for it): the transaction is over all the same.
   */
  execPassed = false;
  watched: WatchedKey[] = [];

  watch(db: Database, key: string, expired: boolean): void {
    for (const wk of this.watched) if (wk.db === db && wk.key === key) return;
    const wk = new WatchedKey(this, db, key, expired);
    let set = db.watched.get(key);
    if (set === undefined) {
      set = new Set();
      db.watched.set(key, set);
    }
    set.add(wk);
    this.watched.push(wk);
  }

  unwatchAll(): void {
    for (const wk of this.watched) {
      const set = wk.db.watched.get(wk.key);
      if (set === undefined) continue;
      set.delete(wk);
      if (set.size === 0) wk.db.watched.delete(wk.key);
    }
    this.watched = [];
  }

  /** isWatchedKeyExpired: a key that was live at WATCH time has expired since (deleted or not). */
  watchedKeyExpired(): boolean {
    for (const wk of this.watched) if (!wk.expired && wk.db.isExpired(wk.key)) return true;
    return false;
  }
}

const states = new WeakMap<Context, Transaction>();

/** The client's transaction state, if it ever used MULTI or WATCH. */
export function transactionOf(ctx: Context): Transaction | undefined {
  return states.get(ctx);
}

function stateFor(ctx: Context): Transaction {
  let tx = states.get(ctx);
  if (tx === undefined) {
    tx = new Transaction();
    states.set(ctx, tx);
    // A closed connection stops watching (its entries would keep it alive in the watch table).
    ctx.conn?.addCloseHook(() => tx!.unwatchAll());
  }
  return tx;
}

/** discardTransaction: leave MULTI, clear the dirty flags, unwatch everything. */
function discardTransaction(ctx: Context, tx: Transaction): void {
  tx.queue = null;
  tx.flagBits = 0;
  tx.invFlagBits = 0;
  tx.dirtyExec = false;
  tx.dirtyCas = false;
  tx.executing = false;
  tx.execReplies = null;
  tx.execPassed = false;
  tx.unwatchAll();
  ctx.inMulti = false;
  ctx.attention &= ~ATTENTION.MULTI;
}

function multi(ctx: Context): Reply {
  if (ctx.inMulti) throw new ReplyError('ERR MULTI calls can not be nested');
  const tx = stateFor(ctx);
  tx.queue = [];
  tx.flagBits = 0;
  tx.invFlagBits = 0;
  ctx.inMulti = true;
  ctx.attention |= ATTENTION.MULTI;
  return OK;
}

function discard(ctx: Context): Reply {
  const tx = states.get(ctx);
  if (!ctx.inMulti || tx === undefined) throw new ReplyError('ERR DISCARD without MULTI');
  discardTransaction(ctx, tx);
  return OK;
}

function watch(ctx: Context, args: string[]): Reply {
  if (ctx.inMulti) throw new ReplyError('ERR WATCH inside MULTI is not allowed');
  const tx = stateFor(ctx);
  // No point in watching if the client is already dirty.
  if (tx.dirtyCas) return OK;
  const db = ctx.db;
  for (const key of args) tx.watch(db, key, db.isExpired(key));
  return OK;
}

function unwatch(ctx: Context): Reply {
  const tx = states.get(ctx);
  if (tx !== undefined) {
    tx.unwatchAll();
    tx.dirtyCas = false;
  }
  return OK;
}

function exec(ctx: Context): Reply | Promise<Reply> {
  const tx = states.get(ctx);
  if (!ctx.inMulti || tx === undefined || tx.queue === null) throw new ReplyError('ERR EXEC without MULTI');
  if (tx.watchedKeyExpired()) tx.dirtyCas = true;
  if (tx.dirtyExec || tx.dirtyCas) {
    const r = tx.dirtyExec ? new ReplyError('EXECABORT Transaction discarded because of previous errors.') : NULL_ARRAY;
    discardTransaction(ctx, tx);
    return r;
  }
  tx.unwatchAll();
  tx.executing = true;
  const queue = tx.queue;
  const execCmd = ctx.command;
  const { sentName, sentArgs } = ctx;
  const dispatcher = ctx.server.dispatcher;
  const conn = ctx.conn;
  const replies: Reply[] = new Array(queue.length);
  tx.execReplies = replies;
  // Per command: its pushes (SUBSCRIBE's confirmations...) and the protocol after it ran (HELLO).
  const pushes: Array<Reply[] | undefined> = new Array(queue.length);
  const protos: Array<2 | 3> = new Array(queue.length);
  const proto0 = ctx.protocol;
  let plain = true;
  const done = (i: number, r: Reply): void => {
    replies[i] = r;
    protos[i] = ctx.protocol;
    if (ctx.protocol !== proto0) plain = false;
    if (conn !== undefined) {
      const p = conn.pushCapture as Reply[];
      conn.pushCapture = null;
      if (p.length !== 0) {
        pushes[i] = p;
        plain = false;
      }
    }
  };
  const finish = (): Reply => {
    ctx.command = execCmd;
    ctx.sentName = sentName;
    ctx.sentArgs = sentArgs;
    discardTransaction(ctx, tx);
    if (plain) return replies;
    // As Redis writes it: the array header, then each command's output as it was produced.
    const parts: Buffer[] = [Buffer.from(`*${queue.length}\r\n`)];
    for (let i = 0; i < queue.length; i++) {
      for (const p of pushes[i] ?? []) parts.push(encodeReply(p, protos[i]));
      parts.push(encodeReply(replies[i], protos[i]));
    }
    return new RawReply(Buffer.concat(parts));
  };
  const runFrom = (i: number): Reply | Promise<Reply> => {
    for (; i < queue.length; i++) {
      const q = queue[i];
      ctx.sentName = q.sentName;
      ctx.sentArgs = q.sentArgs;
      dispatcher.prelude?.(ctx, q.cmd);
      if (conn !== undefined) conn.pushCapture = [];
      const denied = ctx.aclUser === undefined || ctx.aclUser.unrestricted ? undefined : aclExecCheck(ctx, q.cmd, q.args);
      const r = denied ?? dispatcher.run(ctx, q.cmd, q.args);
      if (r instanceof Promise) {
        // A custom asynchronous handler: the rest of the queue waits for it.
        const at = i;
        return r.then((v) => {
          done(at, v);
          return runFrom(at + 1);
        });
      }
      done(i, r);
    }
    return finish();
  };
  return runFrom(0);
}

export function installTransactions(server: RedKitServer): void {
  // Queue every command of a client in MULTI, except the ones that act on the transaction.
  server.addGate(
    (ctx, cmd, args) => {
      if (!ctx.inMulti) return undefined;
      const tx = states.get(ctx);
      if (tx === undefined || tx.queue === null || tx.executing) return undefined;
      if (tx.execPassed) {
        // The EXEC before this command never ran (see execPassed): end the transaction, run this one.
        discardTransaction(ctx, tx);
        return undefined;
      }
      if (cmd.flagBits & F.no_multi) return new ReplyError('ERR Command not allowed inside a transaction');
      const top = cmd.parent ?? cmd;
      if (NOT_QUEUED.has(top.name)) {
        if (top.name === 'exec') tx.execPassed = true;
        return undefined;
      }
      // No sense queueing once the transaction is bound to fail (CLIENT LIST multi= stays put).
      if (!tx.dirtyCas && !tx.dirtyExec) {
        tx.queue.push({ cmd, args, sentName: ctx.sentName, sentArgs: ctx.sentArgs });
        // (a script's flags: EXEC of a queued EVAL/FCALL counts with them, as getCommandFlags at queueing)
        const flags = server.flagsOf(ctx, cmd);
        tx.flagBits |= flags;
        tx.invFlagBits |= ~flags;
      }
      return QUEUED;
    },
    GATE.MULTI,
    { onAttention: true },
  );
  // flagTransaction: a command rejected while queueing makes EXEC fail.
  const d = server.dispatcher;
  const prevReject = d.onReject;
  d.onReject = (ctx, err, cmd) => {
    prevReject?.(ctx, err, cmd);
    if (!ctx.inMulti) return;
    const tx = states.get(ctx);
    if (tx !== undefined && !tx.executing) tx.dirtyExec = true;
  };
  // rejectCommand: a rejected EXEC (wrong arity, NOAUTH, pub/sub context...) aborts the
  // transaction, in MULTI or not, and says why.
  d.rewriteRejection = (ctx, err, cmd) => {
    if ((cmd?.name ?? ctx.sentName.toLowerCase()) !== 'exec') return err;
    const tx = states.get(ctx);
    if (tx !== undefined) discardTransaction(ctx, tx);
    feedMonitors(ctx);
    // A cluster redirection of EXEC is answered as it is (processCommand discards the transaction first).
    if (/^(MOVED|ASK|CROSSSLOT|TRYAGAIN|CLUSTERDOWN) /.test(err.message)) return err;
    const why = err.message.startsWith('ERR ') ? err.message.slice(4) : err.message;
    return new ReplyError(`EXECABORT Transaction discarded because of: ${why}`);
  };
  // An EXEC counts with its queue's flags (processCommand's is_write_command, is_may_replicate_command...:
  // CLIENT PAUSE WRITE holds an EXEC whose queue has writes), and without `stale` when a queued
  // command lacks it (is_denystale_command: -MASTERDOWN on a stale replica).
  const prevFlags = server.commandFlags;
  server.commandFlags = (ctx, cmd, flags) => {
    if (prevFlags !== undefined) flags = prevFlags(ctx, cmd, flags);
    if (cmd.name !== 'exec' || !ctx.inMulti) return flags;
    const tx = states.get(ctx);
    if (tx === undefined) return flags;
    flags |= tx.flagBits;
    return (tx.invFlagBits & F.stale) !== 0 ? flags & ~F.stale : flags;
  };
  onConnectionReset(server, (ctx) => {
    const tx = states.get(ctx);
    if (tx !== undefined) discardTransaction(ctx, tx);
  });
  defineCommands(server, { multi, exec, discard, watch, unwatch });
}
