/**
 * An in-process client: runs commands against a server's keyspace without a
 * socket, bypassing middleware, faults and the recorder. The programmable
 * keyspace (redkit.db()) and snapshots use it, so they go through exactly the
 * same handlers as clients do.
 */
import { ReplyError } from '../errors.js';
import type { Reply } from '../resp/reply.js';
import type { Database } from '../store/database.js';
import type { Context } from './context.js';
import type { Command } from './registry.js';
import type { RedKitServer } from './server.js';

export class InternalClient implements Context {
  readonly id: number;
  name = 'redkit-internal';
  protocol: 2 | 3 = 3;
  user = 'default';
  authenticated = true;
  libName = 'redkit';
  libVer = '';
  readonly createdAt: number;
  lastActiveAt: number;
  readonly remoteAddress = 'internal:0';
  readonly localAddress = 'internal:0';
  db: Database;
  dbIndex: number;
  command!: Command;
  inMulti = false;
  inScript = false;
  sentName = '';
  sentArgs: string[] = [];
  attention = 0;
  /**
   * Like CLIENT NO-TOUCH (default on): reads through this client do not count
   * as accesses, so inspecting a key from a test leaves OBJECT IDLETIME/FREQ alone.
   */
  noTouch = true;

  constructor(
    readonly server: RedKitServer,
    dbIndex = 0,
  ) {
    this.id = 0;
    this.db = server.store.db(dbIndex);
    this.dbIndex = dbIndex;
    this.createdAt = this.lastActiveAt = server.clock.now();
  }

  get store() {
    return this.server.store;
  }

  get clock() {
    return this.server.clock;
  }

  /**
   * Run a command synchronously and return its reply; error replies are
   * thrown as ReplyError. Arguments are binary strings.
   */
  call(name: string, ...args: string[]): Reply {
    const r = this.server.dispatcher.resolve(name, args);
    if (r instanceof ReplyError) throw r;
    this.command = r.cmd;
    const store = this.server.store;
    if (!store.lruFresh) store.refreshLru();
    const mode = store.accessMode;
    const lastKey = store.lfuLastKey;
    const stats = store.lookupStats;
    store.setNoTouch(this.noTouch);
    store.lookupStats = false;
    store.lfuLastKey = undefined;
    let reply: Reply | Promise<Reply>;
    // Middleware does not see these commands; a hook that must see writes does (BGSAVE's copy on write).
    const beforeWrite = this.server.ext.beforeInternalCommand as ((ctx: Context, cmd: Command, args: string[]) => void) | undefined;
    if (beforeWrite !== undefined) beforeWrite(this, r.cmd, r.args);
    try {
      reply = r.cmd.handler(this, r.args);
    } finally {
      store.accessMode = mode;
      store.lfuLastKey = lastKey;
      store.lookupStats = stats;
    }
    if (reply !== null && typeof reply === 'object' && typeof (reply as Promise<Reply>).then === 'function') {
      throw new Error(`RedKit: '${name}' is asynchronous and cannot be run from the keyspace API`);
    }
    if (reply instanceof ReplyError) throw reply;
    return reply as Reply;
  }
}
