/**
 * RedKit: a Redis-compatible server framework and test fixture for Node.js.
 */
import './commands/index.js';

export { createServer, RedKitServer, DEFAULT_REDIS_VERSION } from './server/server.js';
export { REDIS_VERSION } from './server/version.js';
export type { ServerOptions, TlsOptions } from './server/server.js';
export { Connection } from './server/connection.js';
export type { ConnState } from './server/connection.js';
export type { Context, ClientInfo } from './server/context.js';
export type { Middleware, CommandCall, Next } from './server/dispatch.js';
export type { Handler, CommandDefinition, CommandFlag, Command } from './server/registry.js';
export { Logger } from './server/logger.js';
export type { LogLevel, LoggerOptions } from './server/logger.js';
export { Clock, parseDuration } from './clock/clock.js';
export type { Duration, ClockMode } from './clock/clock.js';
export { reply, OK, PONG, QUEUED, NULL_ARRAY } from './resp/reply.js';
export {
  SimpleString,
  MapReply,
  SetReply,
  PushReply,
  DoubleReply,
  BigNumberReply,
  VerbatimReply,
  RawReply,
  EncodedArray,
} from './resp/reply.js';
export type { Reply } from './resp/reply.js';
export { ReplyError, Err } from './errors.js';
export { RequestParser, ProtocolError } from './resp/parser.js';
export type { ParsedCommand } from './resp/parser.js';
export { RespWriter, encodeReply } from './resp/writer.js';
export { formatDouble } from './resp/format.js';
export { Store } from './store/store.js';
export { Database } from './store/database.js';

/** Binary ("latin1") strings, the server's representation of bytes, to and from UTF-8 text. */
export { toBinary, fromBinary, replyToJs } from './testing/values.js';

// ---- test fixture ----
export { startRedKit, RedKit } from './testing/redkit.js';
export { RdbLoadError, readRdb, writeRdb, isRdb } from './store/rdb-file.js';
export type { LoadedRdb, RdbSaveOptions, RdbLoadOptions } from './store/rdb-file.js';
export type { RedKitOptions } from './testing/redkit.js';
export { Recorder, RecordedCommand, DEFAULT_CHATTER, formatEntry } from './testing/recorder.js';
export type { CommandFilter, CommandPredicate, Mark, RecorderOptions } from './testing/recorder.js';
export { Faults } from './testing/faults.js';
export type { FaultRule, FaultHandle, FaultCommand } from './testing/faults.js';
export { DbHandle, KeyspaceError } from './testing/keyspace.js';
export type { Snapshot, SnapshotEntry, SeedValue, Bytes } from './testing/snapshot.js';
export { InternalClient } from './server/internal.js';

// ---- replication and sentinel ----
export { replicationOf, Replication, READONLY_ERR } from './replication/index.js';
export { startRedKitSentinel, RedKitSentinel } from './sentinel/index.js';
export type { RedKitSentinelOptions } from './sentinel/index.js';

// ---- cluster ----
export { startRedKitCluster, RedKitCluster } from './cluster/fixture.js';
export type { RedKitClusterOptions, RedKitClusterNode } from './cluster/fixture.js';
export { keyHashSlot } from './cluster/slot.js';
