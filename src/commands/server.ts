/**
 * Server commands: INFO, CONFIG, COMMAND, DBSIZE, TIME.
 */
import os from 'node:os';
import { Err, ReplyError } from '../errors.js';
import { MapReply, OK, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Connection } from '../server/connection.js';
import type { Context } from '../server/context.js';
import { commandKeyIndexes, type Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { parseNotifyFlags } from '../store/store.js';
import { persistenceOf } from './persistence.js';
import { commandDocsReply, commandInfoReply, keysFromSpecs, nativeKeys, redisKeySpecs } from './meta.js';
import { latencyStatsLines, resetLatencyHistograms } from './latency.js';
import { memorySnapshot } from './memory.js';
import { defineCommands, globMatch } from './util.js';
import { trackingInfo } from '../server/tracking.js';
import { scriptingMemory } from '../scripting/engine.js';
import { evictionOf } from '../server/eviction.js';
import { migrateCachedSockets } from './migrate.js';

function trackingStats(server: RedKitServer): string[] {
  const t = trackingInfo(server);
  return [`tracking_total_keys:${t.keys}`, `tracking_total_items:${t.items}`, `tracking_total_prefixes:${t.prefixes}`];
}

export const REDKIT_VERSION = '0.1.0';

/** A HELP reply the way Redis's addReplyHelp builds it. */
export function helpReply(command: string, lines: string[]): Reply {
  return [`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'].map((s) => new SimpleString(s));
}

// ---- INFO -------------------------------------------------------------------------------

/** INFO memory's Lua/functions fields (src/scripting). */
function scriptingMemoryLines(server: RedKitServer): string[] {
  const m = scriptingMemory(server);
  return [
    `used_memory_lua:${m.vmEval}`,
    `used_memory_vm_eval:${m.vmEval}`,
    `used_memory_lua_human:${bytesToHuman(m.vmEval)}`,
    `used_memory_scripts_eval:${m.scriptsEval}`,
    `number_of_cached_scripts:${m.cachedScripts}`,
    `number_of_functions:${m.functions}`,
    `number_of_libraries:${m.libraries}`,
    `used_memory_vm_functions:${m.vmFunctions}`,
    `used_memory_vm_total:${m.vmEval + m.vmFunctions}`,
    `used_memory_vm_total_human:${bytesToHuman(m.vmEval + m.vmFunctions)}`,
    `used_memory_functions:${m.functionsMem}`,
    `used_memory_scripts:${m.scriptsEval + m.functionsMem}`,
    `used_memory_scripts_human:${bytesToHuman(m.scriptsEval + m.functionsMem)}`,
  ];
}

/** Sections in the order Redis prints them; `default` ones are printed by a bare INFO. */
const SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
const NOT_DEFAULT = new Set(['commandstats', 'latencystats']);

/** The INFO text for the requested section names (Redis 7 semantics: several names, all, default, everything). */
export function infoText(server: RedKitServer, ctx: Context | undefined, requested: string[]): string {
  const want = new Set<string>();
  if (requested.length === 0) requested = ['default'];
  for (const r of requested.map((s) => s.toLowerCase())) {
    if (r === 'all' || r === 'everything') SECTIONS.forEach((s) => want.add(s));
    else if (r === 'default') SECTIONS.forEach((s) => NOT_DEFAULT.has(s) || want.add(s));
    else want.add(r);
  }
  const out: string[] = [];
  for (const s of SECTIONS) {
    if (!want.has(s)) continue;
    out.push(infoSection(server, ctx, s).map((l) => l + '\r\n').join(''));
  }
  return out.join('\r\n');
}

const fixed2 = (n: number) => n.toFixed(2);

function infoSection(server: RedKitServer, ctx: Context | undefined, section: string): string[] {
  const now = server.clock.now();
  const uptime = Math.max(0, Math.floor((now - server.stats.startedAt) / 1000));
  const cfg = server.config;
  switch (section) {
    case 'server':
      return [
        '# Server',
        `redis_version:${server.redisVersion}`,
        'redis_git_sha1:00000000',
        'redis_git_dirty:0',
        'redis_build_id:0',
        'redis_mode:standalone',
        `os:${os.type()} ${os.release()} ${os.arch() === 'x64' ? 'x86_64' : os.arch()}`,
        `arch_bits:${/64/.test(process.arch) ? 64 : 32}`,
        'monotonic_clock:POSIX clock_gettime',
        'multiplexing_api:epoll',
        'atomicvar_api:c11-builtin',
        'gcc_version:0.0.0',
        `process_id:${process.pid}`,
        'process_supervised:no',
        `run_id:${runId(server)}`,
        `tcp_port:${server.port}`,
        `server_time_usec:${Math.floor(now * 1000)}`,
        `uptime_in_seconds:${uptime}`,
        `uptime_in_days:${Math.floor(uptime / 86400)}`,
        `hz:${cfg.get('hz')}`,
        `configured_hz:${cfg.get('hz')}`,
        `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
        `executable:${process.execPath}`,
        'config_file:',
        'io_threads_active:0',
      ];
    case 'clients': {
      let blocked = 0;
      for (const c of server.connections.values()) if (c.isBusy) blocked++;
      return [
        '# Clients',
        `connected_clients:${server.connections.size}`,
        'cluster_connections:0',
        `maxclients:${cfg.get('maxclients')}`,
        'client_recent_max_input_buffer:0',
        'client_recent_max_output_buffer:0',
        `blocked_clients:${blocked}`,
        `tracking_clients:${trackingInfo(server).clients}`,
        `clients_in_timeout_table:${server.blocking.inTimeoutTable}`,
      ];
    }
    case 'memory': {
      // used_memory and friends come from the memory model (store/memory.ts); RSS is the process's.
      const mem = process.memoryUsage();
      const m = memorySnapshot(server);
      const used = m.used;
      const peak = m.peak;
      const maxmemory = BigInt(cfg.get('maxmemory') ?? '0');
      const net = used > m.startup ? used - m.startup : 1;
      return [
        '# Memory',
        `used_memory:${used}`,
        `used_memory_human:${bytesToHuman(used)}`,
        `used_memory_rss:${mem.rss}`,
        `used_memory_rss_human:${bytesToHuman(mem.rss)}`,
        `used_memory_peak:${peak}`,
        `used_memory_peak_human:${bytesToHuman(peak)}`,
        `used_memory_peak_perc:${fixed2((used * 100) / peak)}%`,
        `used_memory_overhead:${m.overhead}`,
        `used_memory_startup:${m.startup}`,
        `used_memory_dataset:${m.dataset}`,
        `used_memory_dataset_perc:${fixed2((m.dataset * 100) / net)}%`,
        `allocator_allocated:${used}`,
        `allocator_active:${used}`,
        `allocator_resident:${used}`,
        `total_system_memory:${os.totalmem()}`,
        `total_system_memory_human:${bytesToHuman(os.totalmem())}`,
        ...scriptingMemoryLines(server),
        `maxmemory:${maxmemory}`,
        `maxmemory_human:${bytesToHuman(Number(maxmemory))}`,
        `maxmemory_policy:${cfg.get('maxmemory-policy')}`,
        'allocator_frag_ratio:1.00',
        'allocator_frag_bytes:0',
        'allocator_rss_ratio:1.00',
        'allocator_rss_bytes:0',
        'rss_overhead_ratio:1.00',
        'rss_overhead_bytes:0',
        `mem_fragmentation_ratio:${fixed2(mem.rss / Math.max(1, used))}`,
        `mem_fragmentation_bytes:${Math.max(0, mem.rss - used)}`,
        'mem_not_counted_for_evict:0',
        'mem_replication_backlog:0',
        'mem_total_replication_buffers:0',
        'mem_clients_slaves:0',
        `mem_clients_normal:${m.clients}`,
        'mem_cluster_links:0',
        'mem_aof_buffer:0',
        'mem_allocator:libc',
        'active_defrag_running:0',
        'lazyfree_pending_objects:0',
        'lazyfreed_objects:0',
      ];
    }
    case 'persistence':
      return persistenceOf(server).info();
    case 'stats': {
      const d = server.dispatcher.stats;
      const ps = server.ext.pubsub as { channels: Map<string, unknown>; patterns: Map<string, unknown>; shardChannels: Map<string, unknown> } | undefined;
      return [
        '# Stats',
        `total_connections_received:${server.stats.connectionsReceived}`,
        `total_commands_processed:${d.commands}`,
        'instantaneous_ops_per_sec:0',
        `total_net_input_bytes:${server.stats.netInputBytes}`,
        `total_net_output_bytes:${server.stats.netOutputBytes}`,
        'total_net_repl_input_bytes:0',
        'total_net_repl_output_bytes:0',
        'instantaneous_input_kbps:0.00',
        'instantaneous_output_kbps:0.00',
        'instantaneous_input_repl_kbps:0.00',
        'instantaneous_output_repl_kbps:0.00',
        `rejected_connections:${server.stats.rejectedConnections}`,
        `sync_full:${(server.ext.replSyncStats as { full: number } | undefined)?.full ?? 0}`,
        `sync_partial_ok:${(server.ext.replSyncStats as { partialOk: number } | undefined)?.partialOk ?? 0}`,
        `sync_partial_err:${(server.ext.replSyncStats as { partialErr: number } | undefined)?.partialErr ?? 0}`,
        `expired_keys:${server.store.stats.expiredKeys}`,
        'expired_stale_perc:0.00',
        'expired_time_cap_reached_count:0',
        'expire_cycle_cpu_milliseconds:0',
        `evicted_keys:${evictionOf(server).evictedKeys}`,
        'evicted_clients:0',
        `total_eviction_exceeded_time:${evictionOf(server).exceededTimes()[0]}`,
        `current_eviction_exceeded_time:${evictionOf(server).exceededTimes()[1]}`,
        `keyspace_hits:${server.store.stats.keyspaceHits}`,
        `keyspace_misses:${server.store.stats.keyspaceMisses}`,
        `pubsub_channels:${ps?.channels.size ?? 0}`,
        `pubsub_patterns:${ps?.patterns.size ?? 0}`,
        `pubsubshard_channels:${ps?.shardChannels.size ?? 0}`,
        'latest_fork_usec:0',
        'total_forks:0',
        `migrate_cached_sockets:${migrateCachedSockets(server)}`,
        'slave_expires_tracked_keys:0',
        'active_defrag_hits:0',
        'active_defrag_misses:0',
        'active_defrag_key_hits:0',
        'active_defrag_key_misses:0',
        'total_active_defrag_time:0',
        'current_active_defrag_time:0',
        ...trackingStats(server),
        'unexpected_error_replies:0',
        `total_error_replies:${d.errorReplies}`,
        'dump_payload_sanitizations:0',
        `total_reads_processed:${d.received}`,
        `total_writes_processed:${d.received}`,
        'io_threaded_reads_processed:0',
        'io_threaded_writes_processed:0',
        'reply_buffer_shrinks:0',
        'reply_buffer_expands:0',
      ];
    }
    case 'replication': {
      const repl = server.ext.replicationInfo as (() => string[]) | undefined;
      if (repl !== undefined) return repl();
      return [
        '# Replication',
        'role:master',
        'connected_slaves:0',
        'master_failover_state:no-failover',
        `master_replid:${runId(server)}`,
        'master_replid2:0000000000000000000000000000000000000000',
        'master_repl_offset:0',
        'second_repl_offset:-1',
        'repl_backlog_active:0',
        `repl_backlog_size:${cfg.get('repl-backlog-size')}`,
        'repl_backlog_first_byte_offset:0',
        'repl_backlog_histlen:0',
      ];
    }
    case 'cpu': {
      const u = process.cpuUsage();
      const sys = (u.system / 1e6).toFixed(6);
      const user = (u.user / 1e6).toFixed(6);
      return ['# CPU', `used_cpu_sys:${sys}`, `used_cpu_user:${user}`, 'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000', `used_cpu_sys_main_thread:${sys}`, `used_cpu_user_main_thread:${user}`];
    }
    case 'modules':
      return ['# Modules'];
    case 'commandstats': {
      const lines = ['# Commandstats'];
      forEachCommand(server, (c) => {
        const s = c.stats;
        // Redis counts a call once it finished: the INFO running now is not in its own output.
        const calls = c === ctx?.command ? s.calls - 1 : s.calls;
        if (calls === 0 && s.failed === 0 && s.rejected === 0) return;
        lines.push(`cmdstat_${c.fullName}:calls=${calls},usec=${Math.floor(s.usec)},usec_per_call=${fixed2(calls ? s.usec / calls : 0)},rejected_calls=${s.rejected},failed_calls=${s.failed}`);
      });
      return lines;
    }
    case 'errorstats': {
      const lines = ['# Errorstats'];
      // Redis keeps them in a rax: byte order of the codes.
      const codes = [...server.dispatcher.stats.errorsByCode].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [code, n] of codes) lines.push(`errorstat_${code}:count=${n}`);
      return lines;
    }
    case 'latencystats':
      return ['# Latencystats', ...latencyStatsLines(server)];
    case 'cluster':
      return ['# Cluster', `cluster_enabled:${server.ext.cluster !== undefined ? 1 : 0}`];
    case 'keyspace': {
      const lines = ['# Keyspace'];
      for (const db of server.store.dbs) {
        const n = db.size;
        if (n === 0) continue;
        let ttlSum = 0;
        let ttlN = 0;
        for (const at of db.expires.values()) {
          if (at > now) {
            ttlSum += at - now;
            ttlN++;
          }
        }
        lines.push(`db${db.id}:keys=${n},expires=${db.expires.size},avg_ttl=${ttlN ? Math.floor(ttlSum / ttlN) : 0}`);
      }
      return lines;
    }
  }
  return [];
}

function forEachCommand(server: RedKitServer, fn: (c: Command) => void): void {
  const visit = (c: Command) => {
    fn(c);
    if (c.subcommands) for (const s of c.subcommands.values()) visit(s);
  };
  for (const c of server.registry.all()) visit(c);
}

function runId(server: RedKitServer): string {
  let id = server.ext.runId as string | undefined;
  if (!id) {
    id = '';
    for (let i = 0; i < 40; i++) id += '0123456789abcdef'[Math.floor(Math.random() * 16)];
    server.ext.runId = id;
  }
  return id;
}

/** bytesToHuman from Redis's server.c. */
export function bytesToHuman(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  if (n < 1024) return `${n}B`;
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

// ---- CONFIG -----------------------------------------------------------------------------

function configGet(ctx: Context, args: string[]): Reply {
  const flat: Reply[] = [];
  for (const [k, v] of ctx.server.config.getMatches(args, (p, n) => globMatch(p, n, true))) flat.push(k, v);
  return new MapReply(flat);
}

function configSet(ctx: Context, args: string[]): Reply {
  if (args.length % 2 !== 0) throw new ReplyError(Err.syntax);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i += 2) pairs.push([args[i], args[i + 1]]);
  const server = ctx.server;
  const prot = server.config.get('enable-protected-configs');
  const local = /^(127\.|::1|\[::1\]|localhost)/.test(ctx.remoteAddress);
  server.config.setMany(pairs, { loading: server.loading, allowProtected: prot === 'yes' || (prot === 'local' && local) });
  return OK;
}

function configResetStat(ctx: Context): Reply {
  const server = ctx.server;
  const d = server.dispatcher.stats;
  d.commands = 0;
  d.received = 0;
  d.errorReplies = 0;
  d.errorsByCode.clear();
  d.rejectedCalls = 0;
  d.failedCalls = 0;
  forEachCommand(server, (c) => {
    c.stats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
  });
  server.store.stats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  evictionOf(server).evictedKeys = 0;
  resetLatencyHistograms(server);
  server.stats.connectionsReceived = 0;
  server.stats.rejectedConnections = 0;
  server.stats.netInputBytes = 0;
  server.stats.netOutputBytes = 0;
  // Redis counts a command after it ran: CONFIG RESETSTAT itself is the first one counted
  // (total_commands_processed when it finishes; its call count was taken before it ran).
  ctx.command.stats.calls = 1;
  return OK;
}

/** How RedKit applies the CONFIG parameters it honours. */
export function installConfigBehaviour(server: RedKitServer): void {
  const cfg = server.config;
  cfg.define('notify-keyspace-events', (v, _name, input) => {
    // The stored form drops 'n' next to 'A' (as Redis prints it); the flag itself stays on.
    server.store.notifyFlags = parseNotifyFlags(input ?? v) ?? 0;
  });
  cfg.define('requirepass', (v) => {
    server.setPassword('default', v);
  });
  cfg.define('proto-max-bulk-len', (v) => {
    const n = Number(v);
    cfg.protoMaxBulkLen = n;
    for (const c of server.connections.values()) c.parser.maxBulkLen = n;
  });
  cfg.define('hz', (v) => {
    // Redis accepts any value and caps it to 1..500.
    const n = Number(v);
    return String(n < 1 ? 1 : n > 500 ? 500 : n);
  });
  cfg.define('repl-backlog-size', (v) => {
    // resizeReplicationBacklog: at least 16kb.
    if (BigInt(v) < 16384n) return '16384';
  });
  cfg.define('timeout', (v) => {
    const ms = Number(v) * 1000;
    server.options.idleTimeout = ms;
    for (const c of server.connections.values()) applyIdleTimeout(c, ms);
  });
  cfg.define('port', (v) => {
    if (server.isListening && Number(v) !== server.port) throw new ReplyError('Unable to listen on this port. Check server logs.');
  });
  cfg.define('bind', (v) => {
    if (server.isListening && v.split(' ').filter(Boolean).join(' ') !== server.host) throw new ReplyError('Failed to bind to specified addresses.');
  });
  const tlsCheck = () => {
    // Like Redis, TLS settings are (re)loaded when TLS is in use; RedKit takes TLS from its options, not from CONFIG.
    if (cfg.get('tls-port') !== '0' || cfg.get('tls-replication') === 'yes' || cfg.get('tls-cluster') === 'yes') {
      throw new ReplyError('Unable to update TLS configuration. Check server logs.');
    }
  };
  for (const n of ['tls-port', 'tls-replication', 'tls-cluster', 'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass', 'tls-dh-params-file', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-session-caching', 'tls-prefer-server-ciphers', 'tls-session-cache-size', 'tls-session-cache-timeout']) {
    cfg.define(n, tlsCheck);
  }
  // createServer({ config }) values are validated and applied like CONFIG SET (immutable ones are kept as given).
  const initial = Object.entries(server.options.config ?? {}).filter(([k]) => !cfg.isImmutable(k));
  if (initial.length) {
    try {
      cfg.setMany(initial, { allowProtected: true, applyUnchanged: true });
    } catch (e) {
      throw new Error(`RedKit: bad config option: ${(e as ReplyError).message}`);
    }
  }
}

const idleHandled = new WeakSet<Connection>();

/** Redis's `timeout`: close clients idle longer than this (pub/sub and blocked clients are exempt). */
function applyIdleTimeout(c: Connection, ms: number): void {
  c.socket.setTimeout(ms);
  if (ms > 0 && !idleHandled.has(c)) {
    idleHandled.add(c);
    c.socket.on('timeout', () => {
      const t = c.server.options.idleTimeout ?? 0;
      if (t > 0 && !c.isBusy && !c.isSubscriber()) c.destroy();
    });
  }
}

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

// ---- COMMAND ----------------------------------------------------------------------------

function findCommand(server: RedKitServer, name: string): Command | undefined {
  const l = name.toLowerCase();
  const bar = l.indexOf('|');
  if (bar < 0) return server.registry.get(l);
  const c = server.registry.get(l.slice(0, bar));
  return c?.subcommands?.get(l.slice(bar + 1));
}

function commandInfo(ctx: Context, args: string[]): Reply {
  if (args.length === 0) return [...ctx.server.registry.all()].map(commandInfoReply);
  return args.map((n) => {
    const c = findCommand(ctx.server, n);
    return c ? commandInfoReply(c) : null;
  });
}

function commandDocs(ctx: Context, args: string[]): Reply {
  const flat: Reply[] = [];
  const list = args.length === 0 ? [...ctx.server.registry.all()] : args.map((n) => findCommand(ctx.server, n)).filter((c): c is Command => c !== undefined);
  for (const c of list) flat.push(c.fullName, commandDocsReply(c));
  return new MapReply(flat);
}

function commandList(ctx: Context, args: string[]): Reply {
  let filter: ((c: Command) => boolean) | undefined;
  if (args.length !== 0) {
    if (args.length !== 3 || args[0].toLowerCase() !== 'filterby') throw new ReplyError(Err.syntax);
    const kind = args[1].toLowerCase();
    const val = args[2];
    if (kind === 'module') filter = () => false;
    else if (kind === 'aclcat') {
      const cat = `@${val.toLowerCase()}`;
      filter = (c) => c.aclCategories.some((a) => (a.startsWith('@') ? a : `@${a}`).toLowerCase() === cat);
    } else if (kind === 'pattern') filter = (c) => globMatch(val, c.fullName, true);
    else throw new ReplyError(Err.syntax);
  }
  const out: string[] = [];
  forEachCommand(ctx.server, (c) => {
    if (!filter || filter(c)) out.push(c.fullName);
  });
  return out;
}

function commandGetKeys(ctx: Context, args: string[], withFlags: boolean): Reply {
  // Positions count from the command name (argv[0]); a subcommand's name is argv[1].
  let cmd = ctx.server.registry.get(args[0]);
  if (cmd?.subcommands && args.length > 1) cmd = cmd.subcommands.get(args[1].toLowerCase());
  if (!cmd) throw new ReplyError('ERR Invalid command specified');
  const specs = cmd.builtin ? redisKeySpecs(cmd.fullName) : undefined;
  const hasKeys = specs ? specs.some((s) => !s.flags.includes('not_key')) : cmd.getKeys !== undefined || cmd.firstKey > 0;
  if (!hasKeys) throw new ReplyError('ERR The command has no key arguments');
  const argc = args.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) throw new ReplyError('ERR Invalid number of arguments specified for command');
  let keys: Array<{ pos: number; flags: readonly string[] }> | null = null;
  if (specs && !specs.some((s) => s.flags.includes('variable_flags'))) keys = keysFromSpecs(specs, args, cmd.arity);
  if (keys === null && specs && !specs.some((s) => s.bs.type === 'unknown' || s.fk.type === 'unknown' || s.flags.includes('incomplete') || s.flags.includes('variable_flags'))) {
    // A complete spec that does not fit the arguments (bad numkeys...): Redis's getkeys functions find no keys either.
    keys = [];
  }
  if (keys === null) {
    // Specs that cannot be followed (unknown positions, variable flags): the command's own key extraction.
    keys = nativeKeys(cmd.fullName, args) ?? null;
  }
  if (keys === null) {
    const offset = cmd.parent ? 2 : 1;
    const flags = specs?.[0]?.flags ?? [];
    keys = commandKeyIndexes(cmd, args.slice(offset)).map((i) => ({ pos: i + offset, flags }));
  }
  if (keys.length === 0) {
    if (cmd.flags.includes('no_mandatory_keys')) return [];
    throw new ReplyError('ERR Invalid arguments specified for command');
  }
  return keys.map((k) => (withFlags ? [args[k.pos], k.flags.map((f) => new SimpleString(f))] : args[k.pos]));
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

// ---- install ----------------------------------------------------------------------------

export function installServer(server: RedKitServer): void {
  installConfigBehaviour(server);
  defineCommands(server, {
    info: (ctx, args) => new VerbatimReply(infoText(ctx.server, ctx, args)),
    dbsize: (ctx) => ctx.db.size,
    time: (ctx) => {
      const now = ctx.clock.now();
      const sec = Math.floor(now / 1000);
      const usec = Math.floor((now - sec * 1000) * 1000);
      return [String(sec), String(usec)];
    },
    config: {
      handler: () => null,
      subcommands: {
        get: configGet,
        set: configSet,
        resetstat: configResetStat,
        rewrite: () => {
          throw new ReplyError('ERR The server is running without a config file');
        },
        help: () => helpReply('CONFIG', CONFIG_HELP),
      },
    },
    command: {
      handler: (ctx) => [...ctx.server.registry.all()].map(commandInfoReply),
      subcommands: {
        count: (ctx) => ctx.server.registry.size,
        info: commandInfo,
        docs: commandDocs,
        list: commandList,
        getkeys: (ctx, args) => commandGetKeys(ctx, args, false),
        getkeysandflags: (ctx, args) => commandGetKeys(ctx, args, true),
        help: () => helpReply('COMMAND', COMMAND_HELP),
      },
    },
  });
}
