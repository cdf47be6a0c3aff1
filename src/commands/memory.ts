/**
 * MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP, answered from
 * the memory model in store/memory.ts (the same figures INFO memory reports).
 */
import { Err, ReplyError } from '../errors.js';
import { DoubleReply, MapReply, OK, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { keyUsage, UnsupportedValueError, type MemorySnapshot } from '../store/memory.js';
import { accountedSnapshot } from '../store/memory-account.js';
import { helpReply } from './server.js';
import { installEviction } from '../server/eviction.js';
import { defineCommands, int64Arg } from './util.js';

const peaks = new WeakMap<RedKitServer, number>();

/** list-max-listpack-size as the model needs it. */
function listFill(server: RedKitServer): number {
  const v = Number(server.config.get('list-max-listpack-size') ?? '-2');
  return Number.isFinite(v) ? v : -2;
}

/** The model's view of the whole server, with the peak it has seen so far. */
export function memorySnapshot(server: RedKitServer): MemorySnapshot & { peak: number } {
  const s = accountedSnapshot(server.store, server.connections.size, listFill(server));
  const peak = Math.max(peaks.get(server) ?? 0, s.used);
  peaks.set(server, peak);
  return { ...s, peak };
}

/** MEMORY USAGE of one key, or null when it does not exist. */
export function memoryUsage(ctx: Context, key: string, samples?: number): number | null {
  const v = ctx.db.peek(key);
  if (v === undefined) return null;
  return keyUsage(key, v, samples, listFill(ctx.server));
}

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_OK = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_ISSUES = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
const DOCTOR_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_END = "I'm here to keep you safe, Sam. I want to help you.\n";

/** MEMORY DOCTOR from the model: only the conditions the model can see (size, peak). */
function doctor(server: RedKitServer): string {
  const m = memorySnapshot(server);
  if (m.used < 5 * 1024 * 1024) return DOCTOR_EMPTY;
  if (m.peak / m.used > 1.5) return DOCTOR_ISSUES + DOCTOR_PEAK + DOCTOR_END;
  return DOCTOR_OK;
}

function stats(server: RedKitServer): Reply {
  const m = memorySnapshot(server);
  const net = m.used > m.startup ? m.used - m.startup : 1;
  const flat: Reply[] = [
    'peak.allocated', m.peak,
    'total.allocated', m.used,
    'startup.allocated', m.startup,
    'replication.backlog', 0,
    'clients.slaves', 0,
    'clients.normal', m.clients,
    'cluster.links', 0,
    'aof.buffer', 0,
    'lua.caches', 0,
    'functions.caches', 0,
  ];
  for (const d of m.dbs) {
    flat.push(`db.${d.id}`, new MapReply(['overhead.hashtable.main', d.main, 'overhead.hashtable.expires', d.expires, 'overhead.hashtable.slot-to-keys', 0]));
  }
  // The model has no allocator or RSS: active and resident equal allocated, ratios are 1.
  flat.push(
    'overhead.total', m.overhead,
    'keys.count', m.keys,
    'keys.bytes-per-key', m.keys ? Math.floor(net / m.keys) : 0,
    'dataset.bytes', m.dataset,
    'dataset.percentage', new DoubleReply(Math.fround((m.dataset * 100) / net)),
    'peak.percentage', new DoubleReply(Math.fround((m.used * 100) / m.peak)),
    'allocator.allocated', m.used,
    'allocator.active', m.used,
    'allocator.resident', m.used,
    'allocator-fragmentation.ratio', new DoubleReply(1),
    'allocator-fragmentation.bytes', 0,
    'allocator-rss.ratio', new DoubleReply(1),
    'allocator-rss.bytes', 0,
    'rss-overhead.ratio', new DoubleReply(1),
    'rss-overhead.bytes', 0,
    'fragmentation', new DoubleReply(1),
    'fragmentation.bytes', 0,
  );
  return new MapReply(flat);
}

const HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

export function installMemory(server: RedKitServer): void {
  installEviction(server);
  defineCommands(server, {
    memory: {
      handler: () => null,
      subcommands: {
        usage: (ctx, args) => {
          let samples = 5;
          for (let j = 1; j < args.length; j++) {
            if (args[j].toLowerCase() === 'samples' && j + 1 < args.length) {
              const n = int64Arg(args[j + 1]);
              if (n < 0) throw new ReplyError(Err.syntax);
              samples = n === 0 || typeof n === 'bigint' ? 0 : n;
              j++;
            } else throw new ReplyError(Err.syntax);
          }
          try {
            return memoryUsage(ctx, args[0], samples);
          } catch (e) {
            if (e instanceof UnsupportedValueError) throw new ReplyError(`ERR ${e.message}`);
            throw e;
          }
        },
        stats: (ctx) => stats(ctx.server),
        doctor: (ctx) => new VerbatimReply(doctor(ctx.server)),
        'malloc-stats': () => 'Stats not supported for the current allocator',
        purge: () => OK,
        help: () => helpReply('MEMORY', HELP),
      },
    },
  });
}
