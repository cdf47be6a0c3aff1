/**
 * Server commands: INFO, CONFIG, COMMAND, DBSIZE, TIME.
 */
import { Err, ReplyError } from '../errors.js';
import { MapReply, OK, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { commandKeyIndexes, type Command } from '../server/registry.js';
import { notifyFlagsToString, parseNotifyFlags } from '../store/store.js';
import { commandDocsReply, commandInfoReply } from './meta.js';
import { defineCommands, globMatch } from './util.js';
import os from 'node:os';

// ---- INFO -------------------------------------------------------------------------------

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'cluster', 'keyspace'];

export function infoText(server: RedKitServer, ctx: Context | undefined, requested: string[]): string {
  let sections: string[];
  if (requested.length === 0) sections = DEFAULT_SECTIONS;
  else {
    const set = new Set<string>();
    for (const r of requested.map((s) => s.toLowerCase())) {
      if (r === 'all' || r === 'everything') ALL_SECTIONS.forEach((s) => set.add(s));
      else if (r === 'default') DEFAULT_SECTIONS.forEach((s) => set.add(s));
      else set.add(r);
    }
    sections = ALL_SECTIONS.filter((s) => set.has(s)).concat([...set].filter((s) => !ALL_SECTIONS.includes(s)));
  }
  const out: string[] = [];
  for (const s of sections) {
    const body = infoSection(server, ctx, s);
    if (body === undefined) continue;
    if (out.length) out.push('');
    out.push(body);
  }
  return out.join('\r\n') + (out.length ? '\r\n' : '');
}

function infoSection(server: RedKitServer, _ctx: Context | undefined, section: string): string | undefined {
  const now = server.clock.now();
  const uptime = Math.max(0, Math.floor((now - server.stats.startedAt) / 1000));
  const lines: string[] = [];
  const mem = process.memoryUsage();
  switch (section) {
    case 'server':
      lines.push(
        '# Server',
        `redis_version:${server.redisVersion}`,
        'redis_git_sha1:00000000',
        'redis_git_dirty:0',
        'redis_build_id:0',
        'redis_mode:standalone',
        `os:${os.type()} ${os.release()} ${os.arch()}`,
        `arch_bits:${process.arch.includes('64') ? 64 : 32}`,
        'monotonic_clock:POSIX clock_gettime',
        'multiplexing_api:epoll',
        'atomicvar_api:c11-builtin',
        `gcc_version:0.0.0`,
        `process_id:${process.pid}`,
        'process_supervised:no',
        `run_id:${runId(server)}`,
        `tcp_port:${server.port}`,
        `server_time_usec:${now * 1000}`,
        `uptime_in_seconds:${uptime}`,
        `uptime_in_days:${Math.floor(uptime / 86400)}`,
        `hz:10`,
        `configured_hz:10`,
        `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
        `executable:${process.execPath}`,
        `config_file:`,
        `io_threads_active:0`,
        `redkit_version:${REDKIT_VERSION}`,
      );
      break;
    case 'clients': {
      let blocked = 0;
      let pubsub = 0;
      for (const c of server.connections.values()) {
        if (c.isBusy) blocked++;
        if (c.isSubscriber()) pubsub++;
      }
      lines.push(
        '# Clients',
        `connected_clients:${server.connections.size}`,
        'cluster_connections:0',
        `maxclients:${server.config.get('maxclients')}`,
        'client_recent_max_input_buffer:0',
        'client_recent_max_output_buffer:0',
        `blocked_clients:${blocked}`,
        'tracking_clients:0',
        `pubsub_clients:${pubsub}`,
        'clients_in_timeout_table:0',
      );
      break;
    }
    case 'memory':
      lines.push(
        '# Memory',
        `used_memory:${mem.heapUsed}`,
        `used_memory_human:${human(mem.heapUsed)}`,
        `used_memory_rss:${mem.rss}`,
        `used_memory_rss_human:${human(mem.rss)}`,
        `used_memory_peak:${mem.heapTotal}`,
        `used_memory_peak_human:${human(mem.heapTotal)}`,
        `total_system_memory:${os.totalmem()}`,
        `total_system_memory_human:${human(os.totalmem())}`,
        `maxmemory:${server.config.get('maxmemory') ?? 0}`,
        `maxmemory_human:${human(Number(server.config.get('maxmemory') ?? 0))}`,
        `maxmemory_policy:${server.config.get('maxmemory-policy') ?? 'noeviction'}`,
        'mem_fragmentation_ratio:1.00',
        'mem_allocator:v8',
        'lazyfree_pending_objects:0',
      );
      break;
    case 'persistence':
      lines.push(
        '# Persistence',
        `loading:${server.loading ? 1 : 0}`,
        'async_loading:0',
        'current_cow_peak:0',
        'current_cow_size:0',
        'current_fork_perc:0.00',
        'current_save_keys_processed:0',
        'current_save_keys_total:0',
        'rdb_changes_since_last_save:0',
        'rdb_bgsave_in_progress:0',
        `rdb_last_save_time:${Math.floor(server.stats.startedAt / 1000)}`,
        'rdb_last_bgsave_status:ok',
        'aof_enabled:0',
        'aof_rewrite_in_progress:0',
        'aof_last_bgrewrite_status:ok',
        'aof_last_write_status:ok',
      );
      break;
    case 'stats': {
      const d = server.dispatcher.stats;
      lines.push(
        '# Stats',
        `total_connections_received:${server.stats.connectionsReceived}`,
        `total_commands_processed:${d.commands}`,
        'instantaneous_ops_per_sec:0',
        `total_net_input_bytes:0`,
        `total_net_output_bytes:0`,
        `rejected_connections:${server.stats.rejectedConnections}`,
        `expired_keys:${server.store.stats.expiredKeys}`,
        'evicted_keys:0',
        `keyspace_hits:${server.store.stats.keyspaceHits}`,
        `keyspace_misses:${server.store.stats.keyspaceMisses}`,
        `pubsub_channels:0`,
        `pubsub_patterns:0`,
        `total_error_replies:${d.errorReplies}`,
        `total_reads_processed:0`,
        `total_writes_processed:0`,
      );
      break;
    }
    case 'replication':
      lines.push('# Replication', 'role:master', 'connected_slaves:0', 'master_failover_state:no-failover', `master_replid:${runId(server)}`, 'master_replid2:0000000000000000000000000000000000000000', 'master_repl_offset:0', 'second_repl_offset:-1', 'repl_backlog_active:0', 'repl_backlog_size:1048576', 'repl_backlog_first_byte_offset:0', 'repl_backlog_histlen:0');
      break;
    case 'cpu': {
      const u = process.cpuUsage();
      lines.push('# CPU', `used_cpu_sys:${(u.system / 1e6).toFixed(6)}`, `used_cpu_user:${(u.user / 1e6).toFixed(6)}`, 'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000');
      break;
    }
    case 'modules':
      lines.push('# Modules');
      break;
    case 'commandstats': {
      lines.push('# Commandstats');
      const visit = (c: Command) => {
        if (c.stats.calls || c.stats.rejected || c.stats.failed) {
          lines.push(`cmdstat_${c.fullName}:calls=${c.stats.calls},usec=${c.stats.usec},usec_per_call=${c.stats.calls ? (c.stats.usec / c.stats.calls).toFixed(2) : '0.00'},rejected_calls=${c.stats.rejected},failed_calls=${c.stats.failed}`);
        }
        if (c.subcommands) for (const s of c.subcommands.values()) visit(s);
      };
      for (const c of server.registry.all()) visit(c);
      break;
    }
    case 'errorstats': {
      lines.push('# Errorstats');
      for (const [code, n] of server.dispatcher.stats.errorsByCode) lines.push(`errorstat_${code}:count=${n}`);
      break;
    }
    case 'cluster':
      lines.push('# Cluster', 'cluster_enabled:0');
      break;
    case 'keyspace': {
      lines.push('# Keyspace');
      for (const db of server.store.dbs) {
        const n = db.size;
        if (n === 0) continue;
        lines.push(`db${db.id}:keys=${n},expires=${db.expires.size},avg_ttl=0`);
      }
      break;
    }
    default:
      return undefined;
  }
  return lines.join('\r\n');
}

export const REDKIT_VERSION = '0.1.0';

function runId(server: RedKitServer): string {
  let id = server.ext.runId as string | undefined;
  if (!id) {
    id = '';
    for (let i = 0; i < 40; i++) id += '0123456789abcdef'[Math.floor(Math.random() * 16)];
    server.ext.runId = id;
  }
  return id;
}

function human(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)}${units[u]}`;
}

// ---- CONFIG -----------------------------------------------------------------------------

function configGet(ctx: Context, args: string[]): Reply {
  const cfg = ctx.server.config;
  const seen = new Map<string, string>();
  for (const pattern of args) {
    const p = pattern.toLowerCase();
    if (!/[*?[\\]/.test(p)) {
      const v = cfg.get(p);
      if (v !== undefined) seen.set(p, v);
      continue;
    }
    for (const [k, v] of cfg.entries()) if (globMatch(p, k, true)) seen.set(k, v);
  }
  const flat: Reply[] = [];
  for (const [k, v] of seen) flat.push(k, v);
  return new MapReply(flat);
}

function configSet(ctx: Context, args: string[]): Reply {
  if (args.length % 2 !== 0) throw new ReplyError(Err.arity('config|set'));
  const cfg = ctx.server.config;
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = cfg.canonical(args[i]);
    if (!cfg.has(name)) throw new ReplyError(Err.configUnknownParam(args[i]));
    if (seen.has(name)) throw new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${args[i]}') - duplicate parameter`);
    if (cfg.isImmutable(name)) throw new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${args[i]}') - can't set immutable config`);
    seen.add(name);
  }
  for (let i = 0; i < args.length; i += 2) {
    try {
      cfg.set(args[i], args[i + 1]);
    } catch (e) {
      if (e instanceof ReplyError) throw new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${args[i]}') - ${e.message}`);
      throw e;
    }
  }
  return OK;
}

/** How RedKit applies the CONFIG parameters it honours. */
export function installConfigBehaviour(server: RedKitServer): void {
  const cfg = server.config;
  cfg.define('notify-keyspace-events', (v) => {
    const f = parseNotifyFlags(v);
    if (f === null) throw new ReplyError('Invalid event class character. Use \'Ag$lshzxeKEtmd\'.');
    server.store.notifyFlags = f;
    return notifyFlagsToString(f);
  });
  cfg.define('requirepass', (v) => {
    server.setPassword('default', v);
  });
  cfg.define('maxclients', (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1) throw new ReplyError('argument couldn\'t be parsed into an integer');
  });
  cfg.define('proto-max-bulk-len', (v) => {
    const n = parseMemory(v);
    if (n === null) throw new ReplyError('argument must be a memory value');
    cfg.protoMaxBulkLen = n;
    for (const c of server.connections.values()) c.parser.maxBulkLen = n;
    return String(n);
  });
  cfg.define('maxmemory', (v) => {
    const n = parseMemory(v);
    if (n === null) throw new ReplyError('argument must be a memory value');
    return String(n);
  });
}

/** Redis memory values: 100, 1k, 1kb, 1m, 1mb, 1g, 1gb (k = 1000, kb = 1024). */
export function parseMemory(v: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb)?$/i.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = { '': 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * mult[(m[2] ?? '').toLowerCase()];
}

// ---- COMMAND ----------------------------------------------------------------------------

function allCommands(server: RedKitServer): Command[] {
  return [...server.registry.all()];
}

function commandInfo(ctx: Context, args: string[]): Reply {
  if (args.length === 0) return allCommands(ctx.server).map(commandInfoReply);
  return args.map((n) => {
    const c = findCommand(ctx.server, n);
    return c ? commandInfoReply(c) : null;
  });
}

function findCommand(server: RedKitServer, name: string): Command | undefined {
  const [p, s] = name.toLowerCase().split('|');
  const c = server.registry.get(p);
  if (!c || s === undefined) return c;
  return c.subcommands?.get(s);
}

function commandDocs(ctx: Context, args: string[]): Reply {
  const flat: Reply[] = [];
  const list = args.length === 0 ? allCommands(ctx.server) : args.map((n) => findCommand(ctx.server, n)).filter((c): c is Command => !!c);
  for (const c of list) flat.push(c.fullName, commandDocsReply(c));
  return new MapReply(flat);
}

function commandList(ctx: Context, args: string[]): Reply {
  const out: string[] = [];
  let filter: ((c: Command) => boolean) | undefined;
  if (args.length) {
    if (args.length !== 3 || args[0].toUpperCase() !== 'FILTERBY') throw new ReplyError(Err.syntax);
    const kind = args[1].toUpperCase();
    const val = args[2];
    if (kind === 'MODULE') filter = () => false;
    else if (kind === 'ACLCAT') filter = (c) => c.aclCategories.some((a) => a.replace(/^@/, '').toLowerCase() === val.toLowerCase());
    else if (kind === 'PATTERN') filter = (c) => globMatch(val, c.fullName, true);
    else throw new ReplyError(Err.syntax);
  }
  const visit = (c: Command) => {
    if (!filter || filter(c)) out.push(c.fullName);
    if (c.subcommands) for (const s of c.subcommands.values()) visit(s);
  };
  for (const c of ctx.server.registry.all()) visit(c);
  return out;
}

function commandGetKeys(ctx: Context, args: string[], withFlags: boolean): Reply {
  const r = ctx.server.dispatcher.resolve(args[0], args.slice(1));
  if (r instanceof ReplyError) {
    if (r.message.startsWith('ERR wrong number')) throw new ReplyError('ERR Invalid number of arguments specified for command');
    throw new ReplyError('ERR Invalid command specified');
  }
  const idx = commandKeyIndexes(r.cmd, r.args);
  if (idx.length === 0) throw new ReplyError('ERR The command has no key arguments');
  return idx.map((i) => (withFlags ? [r.args[i], []] : r.args[i]));
}

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
        resetstat: (ctx) => {
          const d = ctx.server.dispatcher.stats;
          d.commands = 0;
          d.errorReplies = 0;
          d.errorsByCode.clear();
          d.rejectedCalls = 0;
          d.failedCalls = 0;
          for (const c of ctx.server.registry.all()) {
            c.stats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
            if (c.subcommands) for (const s of c.subcommands.values()) s.stats = { calls: 0, usec: 0, rejected: 0, failed: 0 };
          }
          ctx.server.store.stats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
          return OK;
        },
        rewrite: () => {
          throw new ReplyError('ERR The server is running without a config file');
        },
      },
    },
    command: {
      handler: (ctx) => allCommands(ctx.server).map(commandInfoReply),
      subcommands: {
        count: (ctx) => ctx.server.registry.size,
        info: commandInfo,
        docs: commandDocs,
        list: commandList,
        getkeys: (ctx, args) => commandGetKeys(ctx, args, false),
        getkeysandflags: (ctx, args) => commandGetKeys(ctx, args, true),
      },
    },
  });
}
