/**
 * What a command handler sees. A Connection implements it (no allocation per
 * command); scripts and transactions run handlers with the same interface.
 */
import type { Clock } from '../clock/clock.js';
import type { Database } from '../store/database.js';
import type { Store } from '../store/store.js';
import type { Command } from './registry.js';
import type { RedKitServer } from './server.js';

export interface ClientInfo {
  readonly id: number;
  /** CLIENT SETNAME name, or '' */
  name: string;
  /** RESP protocol version of the connection. */
  protocol: 2 | 3;
  /** Authenticated user name ('default' when no password is set). */
  user: string;
  authenticated: boolean;
  /**
   * The ACL user whose permissions apply (undefined: none checked, as for
   * internal callers). The dispatcher skips the check when `unrestricted`.
   */
  aclUser?: import('./acl.js').AclUser;
  libName: string;
  libVer: string;
  /** Creation time (clock ms). */
  readonly createdAt: number;
  /** Last command time (clock ms). */
  lastActiveAt: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
}

export interface Context extends ClientInfo {
  readonly server: RedKitServer;
  readonly store: Store;
  readonly clock: Clock;
  /** The selected database. */
  db: Database;
  dbIndex: number;
  /** The command being executed. */
  command: Command;
  /** The command name and arguments exactly as the client sent them (MONITOR, recorder). */
  sentName: string;
  sentArgs: string[];
  /**
   * Attention bits (ATTENTION in dispatch.ts): set while the client is in a
   * state some gate must see (subscribed, monitoring, ...). Gates only run for
   * clients or servers with a bit set, so ordinary commands skip them.
   */
  attention: number;
  /** True while running inside MULTI/EXEC. */
  inMulti: boolean;
  /** True while running inside a Lua script. */
  inScript: boolean;
  /** The connection this context belongs to (undefined for internal callers). */
  readonly conn?: import('./connection.js').Connection;
}
