/**
 * Command timing and what reads it: LATENCY LATEST | HISTORY | RESET | GRAPH |
 * DOCTOR | HISTOGRAM | HELP (latency.c), INFO latencystats (per-command
 * histograms with hdr_histogram's buckets: 2 significant digits, in ns),
 * INFO commandstats usec, and the slow log (slowlog.ts).
 *
 * The dispatcher times a command only while `dispatcher.timer` is set (any of
 * slowlog-log-slower-than >= 0, latency-monitor-threshold > 0 or
 * latency-tracking yes); the timer below gets each duration in microseconds.
 */
import { ReplyError } from '../errors.js';
import { MapReply, VerbatimReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { CommandTimer } from '../server/dispatch.js';
import { F, type Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { helpReply } from './server.js';
import { slowlogOf } from './slowlog.js';
import { defineCommands } from './util.js';

// ---- hdr_histogram-style buckets ----------------------------------------------------------

/** Values below this are their own bucket (2 significant digits: 256 sub-buckets, half of them per power of two above). */
const SUB = 256;
const HALF = 128;
/** Highest value tracked (1 s in ns, LATENCY_HISTOGRAM_MAX_VALUE). */
const MAX_NS = 1_000_000_000;
const POWERS = 31 - 8; // 2^8 .. 2^30
const BUCKETS = SUB + POWERS * HALF;

function bucketOf(ns: number): number {
  if (ns < SUB) return ns < 1 ? 1 : ns;
  if (ns > MAX_NS) ns = MAX_NS;
  const m = 31 - Math.clz32(ns); // 2^m <= ns < 2^(m+1), m >= 8
  const shift = m - 7;
  return SUB + (m - 8) * HALF + ((ns >>> shift) - HALF);
}

/** Highest value that falls in bucket `b` (hdr's highest_equivalent_value). */
function highestOf(b: number): number {
  if (b < SUB) return b;
  const i = b - SUB;
  const m = 8 + Math.floor(i / HALF);
  const shift = m - 7;
  const lowest = (HALF + (i % HALF)) * 2 ** shift;
  return lowest + 2 ** shift - 1;
}

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;

  record(ns: number): void {
    this.counts[bucketOf(Math.floor(ns))]++;
    this.total++;
  }

  /** hdr_value_at_percentile, in ns. */
  valueAt(p: number): number {
    let target = Math.floor((p / 100) * this.total + 0.5);
    if (target < 1) target = 1;
    let seen = 0;
    const c = this.counts;
    for (let b = 0; b < BUCKETS; b++) {
      seen += c[b];
      if (seen >= target) return highestOf(b);
    }
    return 0;
  }

  /** LATENCY HISTOGRAM's buckets: cumulative counts at 1024 ns * 2^k, in µs, where the count grew. */
  cdf(): Reply[] {
    const out: Reply[] = [];
    const c = this.counts;
    let b = 0;
    let cumulative = 0;
    let prev = 0;
    for (let limit = 1024; ; limit *= 2) {
      // Everything up to the highest value equivalent to `limit`.
      const top = highestOf(bucketOf(Math.min(limit, MAX_NS)));
      while (b < BUCKETS && highestOf(b) <= top) cumulative += c[b++];
      if (cumulative > prev) out.push(Math.floor(top / 1000), cumulative);
      prev = cumulative;
      if (cumulative >= this.total || limit >= MAX_NS) break;
    }
    return out;
  }
}

// ---- latency monitor ---------------------------------------------------------------------

const LATENCY_TS_LEN = 160;

interface TimeSeries {
  samples: Array<{ time: number; latency: number }>;
  max: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, TimeSeries>();
  /** latency-monitor-threshold in ms (0 = off). */
  threshold = 0;

  add(event: string, ms: number, nowSec: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { samples: [], max: 0 };
      this.events.set(event, ts);
    }
    if (ms > ts.max) ts.max = ms;
    const last = ts.samples[ts.samples.length - 1];
    if (last !== undefined && last.time === nowSec) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    ts.samples.push({ time: nowSec, latency: ms });
    if (ts.samples.length > LATENCY_TS_LEN) ts.samples.shift();
  }
}

interface Timing {
  monitor: LatencyMonitor;
  histograms: Map<Command, Histogram>;
  /** The last command recorded and its histogram (runs of one command skip the map). */
  lastCmd: Command | null;
  lastHist: Histogram | null;
  /** The one before (alternating commands: a script and the command it calls). */
  prevCmd: Command | null;
  prevHist: Histogram | null;
  tracking: boolean;
  percentiles: number[];
  percentileLabels: string[];
}

const timings = new WeakMap<RedKitServer, Timing>();

function timingOf(server: RedKitServer): Timing {
  let t = timings.get(server);
  if (t === undefined) {
    t = { monitor: new LatencyMonitor(), histograms: new Map(), lastCmd: null, lastHist: null, prevCmd: null, prevHist: null, tracking: true, percentiles: [50, 99, 99.9], percentileLabels: ['50', '99', '99.9'] };
    timings.set(server, t);
  }
  return t;
}

/** CONFIG RESETSTAT: forget every command's histogram. */
export function resetLatencyHistograms(server: RedKitServer): void {
  const t = timingOf(server);
  t.histograms.clear();
  t.lastCmd = null;
  t.lastHist = null;
  t.prevCmd = null;
  t.prevHist = null;
}

/** The histogram of cmd (created on first use), through the two last ones used. */
function histogramOf(t: Timing, cmd: Command): Histogram {
  if (cmd === t.lastCmd && t.lastHist !== null) return t.lastHist;
  let h: Histogram | undefined;
  if (cmd === t.prevCmd && t.prevHist !== null) h = t.prevHist;
  else {
    h = t.histograms.get(cmd);
    if (h === undefined) {
      h = new Histogram();
      t.histograms.set(cmd, h);
    }
  }
  t.prevCmd = t.lastCmd;
  t.prevHist = t.lastHist;
  t.lastCmd = cmd;
  t.lastHist = h;
  return h;
}

/** The INFO latencystats lines (commands that have a histogram). */
export function latencyStatsLines(server: RedKitServer): string[] {
  const t = timingOf(server);
  const lines: string[] = [];
  const each = (c: Command) => {
    const h = t.histograms.get(c);
    if (h !== undefined && h.total > 0) {
      const parts = t.percentiles.map((p, i) => `p${t.percentileLabels[i]}=${(h.valueAt(p) / 1000).toFixed(3)}`);
      lines.push(`latency_percentiles_usec_${c.fullName}:${parts.join(',')}`);
    }
    if (c.subcommands) for (const s of c.subcommands.values()) each(s);
  };
  for (const c of server.registry.all()) each(c);
  return lines;
}

// ---- LATENCY command -----------------------------------------------------------------------

const HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const DOCTOR_DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const DOCTOR_NONE = 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';

/** LATENCY DOCTOR: Redis's report (createLatencyReport) for the events RedKit records (command, fast-command). */
function doctor(server: RedKitServer): string {
  const t = timingOf(server);
  const m = t.monitor;
  if (m.events.size === 0 && m.threshold === 0) return DOCTOR_DISABLED;
  if (m.events.size === 0) return DOCTOR_NONE;
  const slowerThan = slowlogOf(server).slowerThan;
  const nowSec = Math.floor(server.clock.now() / 1000);
  let report = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let n = 0;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let scheduler = false;
  let largeObjects = false;
  for (const [event, ts] of m.events) {
    n++;
    const samples = ts.samples.length;
    let sum = 0;
    let first = Infinity;
    for (const x of ts.samples) {
      sum += x.latency;
      if (x.time < first) first = x.time;
    }
    const avg = samples ? Math.floor(sum / samples) : 0;
    let period = samples ? nowSec - first : 0;
    if (samples && period === 0) period = 1;
    let dev = 0;
    for (const x of ts.samples) dev += Math.abs(avg - x.latency);
    const mad = samples ? Math.floor(dev / samples) : 0;
    report += `${n}. ${event}: ${samples} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / samples).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
    if (event === 'command') {
      if (slowerThan < 0) slowlogEnabled = true;
      else if (Math.trunc(slowerThan / 1000) > m.threshold) slowlogTuning = true;
      slowlogInspect = true;
      largeObjects = true;
    }
    if (event === 'fast-command') scheduler = true;
    report += '\n';
  }
  if (!(slowlogEnabled || slowlogTuning || slowlogInspect || scheduler || largeObjects)) {
    return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  }
  report += '\nI have a few advices for you:\n\n';
  if (slowlogEnabled)
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${m.threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (slowlogTuning)
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${m.threshold * 1000}'.\n`;
  if (slowlogInspect)
    report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (scheduler)
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other softawre in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  if (largeObjects)
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  return report;
}

/**
 * Redis's ASCII sparkline (sparkline.c, with SPARKLINE_FILL): `rows` rows of
 * `_o#` / `|` over at most `columns` samples per block, a blank line, then the
 * labels written vertically.
 */
export function sparkline(values: number[], labels: string[], columns = 80, rows = 4): string {
  const FILL = '_o#';
  const levels = FILL.length;
  let min = 0;
  let max = 0;
  values.forEach((v, i) => {
    if (i === 0) min = max = v;
    else if (v < min) min = v;
    else if (v > max) max = v;
  });
  const anyLabel = labels.some((l) => l !== '');
  let out = '';
  for (let offset = 0; offset < values.length; offset += columns) {
    const len = Math.min(columns, values.length - offset);
    if (offset !== 0) out += '\n';
    const relmax = max - min === 0 ? 1 : max - min;
    const steps = levels * rows;
    for (let row = 0; ; row++) {
      const chars: string[] = new Array<string>(len).fill(' ');
      let more = false;
      for (let j = 0; j < len; j++) {
        const v = values[offset + j];
        let step = Math.trunc(Math.trunc((v - min) * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          more = true;
          const idx = step - (rows - row - 1) * levels;
          if (idx >= 0 && idx < levels) chars[j] = FILL[idx];
          else if (idx >= levels) chars[j] = '|';
        } else {
          // One blank line between the graph and the labels.
          if (anyLabel && row - rows < 1) {
            more = true;
            break;
          }
          const label = labels[offset + j];
          const at = row - rows - 1;
          if (label.length > at) {
            more = true;
            chars[j] = label[at];
          }
        }
      }
      if (!more) break;
      out += chars.join('') + '\n';
    }
  }
  return out;
}

/** LATENCY GRAPH: Redis's header, then the sparkline of the samples labelled with their age. */
function graph(server: RedKitServer, event: string, ts: TimeSeries): string {
  let min = 0;
  let max = 0;
  ts.samples.forEach((s, i) => {
    if (i === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
  });
  const nowSec = Math.floor(server.clock.now() / 1000);
  const labels = ts.samples.map((s) => {
    const e = nowSec - s.time;
    return e < 60 ? `${e}s` : e < 3600 ? `${Math.floor(e / 60)}m` : e < 86400 ? `${Math.floor(e / 3600)}h` : `${Math.floor(e / 86400)}d`;
  });
  const head = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(80)}\n`;
  return head + sparkline(
    ts.samples.map((s) => s.latency),
    labels,
  );
}

function histogramReply(server: RedKitServer, names: string[]): Reply {
  const t = timingOf(server);
  const flat: Reply[] = [];
  const add = (c: Command) => {
    const h = t.histograms.get(c);
    if (h !== undefined && h.total > 0) flat.push(c.fullName, new MapReply(['calls', h.total, 'histogram_usec', new MapReply(h.cdf())]));
  };
  const addTree = (c: Command) => {
    add(c);
    if (c.subcommands) for (const s of c.subcommands.values()) add(s);
  };
  if (names.length === 0) {
    const walk = (c: Command) => {
      add(c);
      if (c.subcommands) for (const s of c.subcommands.values()) walk(s);
    };
    for (const c of server.registry.all()) walk(c);
  } else {
    for (const n of names) {
      const l = n.toLowerCase();
      const bar = l.indexOf('|');
      let c = server.registry.lookup(bar < 0 ? l : l.slice(0, bar));
      if (c !== undefined && bar >= 0) c = c.subcommands?.get(l.slice(bar + 1));
      if (c !== undefined) addTree(c);
    }
  }
  return new MapReply(flat);
}

export function installLatency(server: RedKitServer): void {
  const t = timingOf(server);
  const log = slowlogOf(server);
  const cfg = server.config;
  const d = server.dispatcher;
  let lastUs = -1;
  let lastBucket = 0;
  const timer: CommandTimer = {
    record(ctx: Context, cmd: Command, args: readonly string[], us: number, sentName: string, sentArgs: readonly string[], clientName?: string): void {
      cmd.stats.usec += us;
      if (t.tracking) {
        // Fast commands of one run come with the same command and duration: remember the last ones.
        const h = histogramOf(t, cmd);
        if (us !== lastUs) {
          lastUs = us;
          lastBucket = bucketOf(Math.floor(us * 1000));
        }
        h.counts[lastBucket]++;
        h.total++;
      }
      if (log.slowerThan >= 0 && us >= log.slowerThan && (cmd.flagBits & F.skip_slowlog) === 0) {
        // The command as the client sent it (inside EXEC: the queued command's own name and arguments).
        if (sentArgs === args || (cmd.parent !== undefined && sentArgs.length === args.length + 1 && sentName.toLowerCase() === cmd.parent.name))
          log.maybePush(ctx, sentName, sentArgs, us, clientName);
        else if (cmd.parent !== undefined) log.maybePush(ctx, cmd.parent.name, [cmd.name, ...args], us, clientName);
        else log.maybePush(ctx, cmd.name, args, us, clientName);
      }
      const m = t.monitor;
      if (m.threshold > 0) {
        const ms = Math.floor(us / 1000);
        if (ms >= m.threshold) m.add((cmd.flagBits & F.fast) !== 0 ? 'fast-command' : 'command', ms, Math.floor(ctx.clock.now() / 1000));
      }
    },
    recordShared(n: number, us: number, cmds: Command[]): boolean {
      if ((log.slowerThan >= 0 && us >= log.slowerThan) || (t.monitor.threshold > 0 && us / 1000 >= t.monitor.threshold)) return false;
      const tracking = t.tracking;
      const b = tracking ? bucketOf(Math.floor(us * 1000)) : 0;
      // Runs of one command (a pipeline of GETs) are recorded at once.
      let i = 0;
      while (i < n) {
        const cmd = cmds[i];
        let j = i + 1;
        while (j < n && cmds[j] === cmd) j++;
        const k = j - i;
        i = j;
        cmd.stats.usec += k === 1 ? us : us * k;
        if (tracking) {
          const h = histogramOf(t, cmd);
          h.counts[b] += k;
          h.total += k;
        }
      }
      return true;
    },
  };
  const apply = () => {
    t.monitor.threshold = Number(cfg.get('latency-monitor-threshold') ?? '0');
    t.tracking = (cfg.get('latency-tracking') ?? 'yes') === 'yes';
    const p = (cfg.get('latency-tracking-info-percentiles') ?? '50 99 99.9').split(' ').filter((s) => s !== '');
    t.percentileLabels = p;
    t.percentiles = p.map(Number);
    const wanted = t.tracking || t.monitor.threshold > 0 || log.slowerThan >= 0;
    d.timer = wanted ? timer : null;
  };
  for (const name of ['latency-monitor-threshold', 'latency-tracking', 'latency-tracking-info-percentiles', 'slowlog-log-slower-than']) cfg.define(name, apply);
  apply();

  const series = (ctx: Context, event: string) => timingOf(ctx.server).monitor.events.get(event);
  defineCommands(server, {
    latency: {
      handler: () => null,
      subcommands: {
        latest: (ctx) => [...timingOf(ctx.server).monitor.events].map(([ev, ts]) => {
          const last = ts.samples[ts.samples.length - 1];
          return [ev, last?.time ?? 0, last?.latency ?? 0, ts.max];
        }),
        history: (ctx, args) => (series(ctx, args[0])?.samples ?? []).map((s) => [s.time, s.latency]),
        reset: (ctx, args) => {
          const ev = timingOf(ctx.server).monitor.events;
          if (args.length === 0) {
            const n = ev.size;
            ev.clear();
            return n;
          }
          let n = 0;
          for (const a of args) if (ev.delete(a)) n++;
          return n;
        },
        graph: (ctx, args) => {
          const ts = series(ctx, args[0]);
          if (ts === undefined) throw new ReplyError(`ERR No samples available for event '${args[0]}'`);
          return new VerbatimReply(graph(ctx.server, args[0], ts));
        },
        doctor: (ctx) => new VerbatimReply(doctor(ctx.server)),
        histogram: (ctx, args) => histogramReply(ctx.server, args),
        help: () => helpReply('LATENCY', HELP),
      },
    },
  });
}
