/**
 * CONFIG GET / SET parameters, as Redis 7.0 defines them (config.c's
 * standardConfig table): every parameter has a type (bool, string, enum,
 * numeric with bounds and memory/percent units, or a special parser), flags
 * (immutable, protected, hidden, multi-argument...) and Redis's default.
 * Values are validated with Redis's exact error strings and read back in
 * Redis's canonical form. The parameters RedKit honours are applied through
 * `define()` listeners registered by the server and the command groups.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Err, ReplyError } from '../errors.js';
import defaults from '../commands/meta/config-defaults.json';
import { parseIntStrict } from '../resp/format.js';
import { NOTIFY, parseNotifyFlags } from '../store/store.js';

// ---- flags ------------------------------------------------------------------------------

const IMMUTABLE = 1;
const PROTECTED = 2;
const HIDDEN = 4;
const MULTI_ARG = 8;
const DENY_LOADING = 16;

/** Numeric storage types: unsigned ones are range-checked as unsigned 64-bit (numericBoundaryCheck). */
type NumType = 'int' | 'uint' | 'ulong' | 'll' | 'ull' | 'size' | 'ssize' | 'time' | 'off';
const UNSIGNED_CHECK = new Set<NumType>(['ull', 'uint', 'size']);

const MEMORY = 1;
const PERCENT = 2;
const OCTAL = 4;

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

/** A parser for a special parameter: arguments in, canonical value out (or a thrown message). */
type SpecialSet = (args: string[], cfg: Config) => string;

interface ParamSpec {
  name: string;
  alias?: string;
  flags: number;
  type: 'bool' | 'string' | 'enum' | 'numeric' | 'special';
  // string
  validate?: (v: string) => string | undefined;
  // enum
  values?: Array<[string, number]>;
  bitflags?: boolean;
  validEnum?: (v: number) => string | undefined;
  // numeric
  num?: NumType;
  min?: bigint;
  max?: bigint;
  numFlags?: number;
  // special
  set?: SpecialSet;
  /** Default when config-defaults.json (CONFIG GET * of Redis 7.0.15) does not list it: hidden parameters. */
  def?: string;
}

class ConfigError {
  constructor(readonly message: string) {}
}
const fail = (msg: string): never => {
  throw new ConfigError(msg);
};

// ---- the table (Redis 7.0.15) -----------------------------------------------------------

const SPECS: ParamSpec[] = [];
const bool = (name: string, flags = 0, alias?: string, validEnum?: (v: number) => string | undefined, def?: string) =>
  SPECS.push({ name, alias, flags, type: 'bool', validEnum, def });
const str = (name: string, flags = 0, alias?: string, validate?: (v: string) => string | undefined) => SPECS.push({ name, alias, flags, type: 'string', validate });
const enm = (name: string, flags: number, values: Array<[string, number]>, extra: Partial<ParamSpec> = {}) =>
  SPECS.push({ name, flags, type: 'enum', values, ...extra });
const num = (name: string, alias: string | undefined, flags: number, n: NumType, min: bigint, max: bigint, numFlags = 0, def?: string) =>
  SPECS.push({ name, alias, flags, type: 'numeric', num: n, min, max, numFlags, def });
const special = (name: string, flags: number, set: SpecialSet, alias?: string) => SPECS.push({ name, alias, flags, type: 'special', set });

// bool
for (const n of ['rdbchecksum', 'daemonize', 'io-threads-do-reads', 'always-show-logo', 'set-proc-title', 'syslog-enabled', 'cluster-enabled', 'disable-thp']) bool(n, IMMUTABLE);
for (const n of [
  'protected-mode', 'rdbcompression', 'rdb-del-sync-files', 'activerehashing', 'stop-writes-on-bgsave-error', 'dynamic-hz',
  'lazyfree-lazy-eviction', 'lazyfree-lazy-expire', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del', 'lazyfree-lazy-user-flush',
  'repl-disable-tcp-nodelay', 'repl-diskless-sync', 'aof-rewrite-incremental-fsync', 'no-appendfsync-on-rewrite',
  'cluster-require-full-coverage', 'rdb-save-incremental-fsync', 'aof-load-truncated', 'aof-use-rdb-preamble', 'aof-timestamp-enabled',
  'jemalloc-bg-thread', 'cluster-allow-reads-when-down', 'cluster-allow-pubsubshard-when-down', 'crash-log-enabled',
  'crash-memcheck-enabled', 'cluster-allow-replica-migration', 'replica-announced', 'latency-tracking', 'aof-disable-auto-gc',
  'replica-ignore-disk-write-errors',
]) bool(n);
bool('appendonly', DENY_LOADING);
// Like Debian's redis-server (built without Redis's patched jemalloc), RedKit cannot defragment.
bool('activedefrag', 0, undefined, (v) =>
  v ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution' : undefined,
);
bool('use-exit-on-panic', HIDDEN, undefined, undefined, 'no');
bool('cluster-replica-no-failover', 0, 'cluster-slave-no-failover');
bool('replica-lazy-flush', 0, 'slave-lazy-flush');
bool('replica-serve-stale-data', 0, 'slave-serve-stale-data');
bool('replica-read-only', 0, 'slave-read-only');
bool('replica-ignore-maxmemory', 0, 'slave-ignore-maxmemory');

// string
const isBaseName = (v: string) => !v.includes('/');
for (const n of ['aclfile', 'unixsocket', 'pidfile', 'cluster-config-file', 'syslog-ident', 'server_cpulist', 'bio_cpulist', 'aof_rewrite_cpulist', 'bgsave_cpulist', 'logfile']) str(n, IMMUTABLE);
str('appendfilename', IMMUTABLE, undefined, (v) => (v === '' ? "appendfilename can't be empty" : !isBaseName(v) ? "appendfilename can't be a path, just a filename" : undefined));
str('appenddirname', IMMUTABLE, undefined, (v) => (v === '' ? "appenddirname can't be empty" : !isBaseName(v) ? "appenddirname can't be a path, just a dirname" : undefined));
str('dbfilename', PROTECTED, undefined, (v) => (!isBaseName(v) ? "dbfilename can't be a path, just a filename" : undefined));
str('replica-announce-ip', 0, 'slave-announce-ip');
for (const n of ['masteruser', 'cluster-announce-ip', 'ignore-warnings', 'bind-source-addr', 'masterauth', 'requirepass']) str(n);
str('cluster-announce-hostname', 0, undefined, (v) => {
  if (cstr(v).length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9.-]*$/.test(cstr(v)) ? undefined : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
});
str('proc-title-template', 0, undefined, (v) => (validProcTitleTemplate(v) ? undefined : 'template format is invalid or contains unknown variables'));
for (const n of ['tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass', 'tls-dh-params-file', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites']) str(n);

// enum
const E = (...names: string[]): Array<[string, number]> => names.map((n, i) => [n, i]);
enm('supervised', IMMUTABLE, E('upstart', 'systemd', 'auto', 'no'));
enm('syslog-facility', IMMUTABLE, E('user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'));
enm('repl-diskless-load', DENY_LOADING, E('disabled', 'on-empty-db', 'swapdb'));
enm('loglevel', 0, E('debug', 'verbose', 'notice', 'warning'));
enm('maxmemory-policy', 0, E('volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'));
enm('appendfsync', 0, E('everysec', 'always', 'no'));
enm('oom-score-adj', 0, [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]]);
enm('acl-pubsub-default', 0, [['allchannels', 1], ['resetchannels', 0]]);
enm('sanitize-dump-payload', 0, E('no', 'yes', 'clients'));
for (const n of ['enable-protected-configs', 'enable-debug-command', 'enable-module-command']) enm(n, IMMUTABLE, E('no', 'yes', 'local'));
enm('cluster-preferred-endpoint-type', 0, E('ip', 'hostname', 'unknown-endpoint'));
enm('propagation-error-behavior', 0, E('ignore', 'panic', 'panic-on-replicas'));
const SHUTDOWN: Array<[string, number]> = [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]];
const validShutdown = (v: number) => ((v & 1) && (v & 2) ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : undefined);
enm('shutdown-on-sigint', MULTI_ARG, SHUTDOWN, { bitflags: true, validEnum: validShutdown });
enm('shutdown-on-sigterm', MULTI_ARG, SHUTDOWN, { bitflags: true, validEnum: validShutdown });
enm('tls-auth-clients', 0, [['no', 0], ['yes', 1], ['optional', 2]]);

// numeric: int
num('databases', undefined, IMMUTABLE, 'int', 1n, INT_MAX);
num('port', undefined, 0, 'int', 0n, 65535n);
num('io-threads', undefined, IMMUTABLE, 'int', 1n, 128n);
num('auto-aof-rewrite-percentage', undefined, 0, 'int', 0n, INT_MAX);
num('cluster-replica-validity-factor', 'cluster-slave-validity-factor', 0, 'int', 0n, INT_MAX);
num('list-max-listpack-size', 'list-max-ziplist-size', 0, 'int', INT_MIN, INT_MAX);
num('tcp-keepalive', undefined, 0, 'int', 0n, INT_MAX);
num('cluster-migration-barrier', undefined, 0, 'int', 0n, INT_MAX);
num('active-defrag-cycle-min', undefined, 0, 'int', 1n, 99n);
num('active-defrag-cycle-max', undefined, 0, 'int', 1n, 99n);
num('active-defrag-threshold-lower', undefined, 0, 'int', 0n, 1000n);
num('active-defrag-threshold-upper', undefined, 0, 'int', 0n, 1000n);
num('lfu-log-factor', undefined, 0, 'int', 0n, INT_MAX);
num('lfu-decay-time', undefined, 0, 'int', 0n, INT_MAX);
num('replica-priority', 'slave-priority', 0, 'int', 0n, INT_MAX);
num('repl-diskless-sync-delay', undefined, 0, 'int', 0n, INT_MAX);
num('maxmemory-samples', undefined, 0, 'int', 1n, INT_MAX);
num('maxmemory-eviction-tenacity', undefined, 0, 'int', 0n, 100n);
num('timeout', undefined, 0, 'int', 0n, INT_MAX);
num('replica-announce-port', 'slave-announce-port', 0, 'int', 0n, 65535n);
num('tcp-backlog', undefined, IMMUTABLE, 'int', 0n, INT_MAX);
num('cluster-port', undefined, IMMUTABLE, 'int', 0n, 65535n);
num('cluster-announce-bus-port', undefined, 0, 'int', 0n, 65535n);
num('cluster-announce-port', undefined, 0, 'int', 0n, 65535n);
num('cluster-announce-tls-port', undefined, 0, 'int', 0n, 65535n);
num('repl-timeout', undefined, 0, 'int', 1n, INT_MAX);
num('repl-ping-replica-period', 'repl-ping-slave-period', 0, 'int', 1n, INT_MAX);
num('list-compress-depth', undefined, 0, 'int', 0n, INT_MAX);
num('rdb-key-save-delay', undefined, HIDDEN, 'int', INT_MIN, INT_MAX, 0, '0');
num('key-load-delay', undefined, HIDDEN, 'int', INT_MIN, INT_MAX, 0, '0');
num('active-expire-effort', undefined, 0, 'int', 1n, 10n);
num('hz', undefined, 0, 'int', 0n, INT_MAX);
num('min-replicas-to-write', 'min-slaves-to-write', 0, 'int', 0n, INT_MAX);
num('min-replicas-max-lag', 'min-slaves-max-lag', 0, 'int', 0n, INT_MAX);
num('watchdog-period', undefined, HIDDEN, 'int', 0n, INT_MAX, 0, '0');
num('shutdown-timeout', undefined, 0, 'int', 0n, INT_MAX);
num('repl-diskless-sync-max-replicas', undefined, 0, 'int', 0n, INT_MAX);
num('tls-port', undefined, 0, 'int', 0n, 65535n);
num('tls-session-cache-size', undefined, 0, 'int', 0n, INT_MAX);
num('tls-session-cache-timeout', undefined, 0, 'int', 0n, INT_MAX);
// unsigned int
num('maxclients', undefined, 0, 'uint', 1n, UINT_MAX);
num('unixsocketperm', undefined, IMMUTABLE, 'uint', 0n, 0o777n, OCTAL);
num('socket-mark-id', undefined, IMMUTABLE, 'uint', 0n, UINT_MAX);
// unsigned long (range-checked as signed)
num('active-defrag-max-scan-fields', undefined, 0, 'ulong', 1n, LONG_MAX);
num('slowlog-max-len', undefined, 0, 'ulong', 0n, LONG_MAX);
num('acllog-max-len', undefined, 0, 'ulong', 0n, LONG_MAX);
// long long
num('busy-reply-threshold', 'lua-time-limit', 0, 'll', 0n, LONG_MAX);
num('cluster-node-timeout', undefined, 0, 'll', 0n, LLONG_MAX);
num('slowlog-log-slower-than', undefined, 0, 'll', -1n, LLONG_MAX);
num('latency-monitor-threshold', undefined, 0, 'll', 0n, LLONG_MAX);
num('proto-max-bulk-len', undefined, 0, 'll', 1024n * 1024n, LONG_MAX, MEMORY);
num('stream-node-max-entries', undefined, 0, 'll', 0n, LLONG_MAX);
num('repl-backlog-size', undefined, 0, 'll', 1n, LLONG_MAX, MEMORY);
// unsigned long long
num('maxmemory', undefined, 0, 'ull', 0n, ULLONG_MAX, MEMORY);
num('cluster-link-sendbuf-limit', undefined, 0, 'ull', 0n, ULLONG_MAX, MEMORY);
// size_t / ssize_t
num('hash-max-listpack-entries', 'hash-max-ziplist-entries', 0, 'size', 0n, LONG_MAX);
num('set-max-intset-entries', undefined, 0, 'size', 0n, LONG_MAX);
num('zset-max-listpack-entries', 'zset-max-ziplist-entries', 0, 'size', 0n, LONG_MAX);
num('active-defrag-ignore-bytes', undefined, 0, 'size', 1n, LLONG_MAX, MEMORY);
num('hash-max-listpack-value', 'hash-max-ziplist-value', 0, 'size', 0n, LONG_MAX, MEMORY);
num('stream-node-max-bytes', undefined, 0, 'size', 0n, LONG_MAX, MEMORY);
num('zset-max-listpack-value', 'zset-max-ziplist-value', 0, 'size', 0n, LONG_MAX, MEMORY);
num('hll-sparse-max-bytes', undefined, 0, 'size', 0n, LONG_MAX, MEMORY);
num('tracking-table-max-keys', undefined, 0, 'size', 0n, LONG_MAX);
num('client-query-buffer-limit', undefined, 0, 'size', 1024n * 1024n, LONG_MAX, MEMORY);
num('maxmemory-clients', undefined, 0, 'ssize', -100n, LONG_MAX, MEMORY | PERCENT);
// time_t / off_t
num('repl-backlog-ttl', undefined, 0, 'time', 0n, LONG_MAX);
num('auto-aof-rewrite-min-size', undefined, 0, 'off', 0n, LLONG_MAX, MEMORY);
num('loading-process-events-interval-bytes', undefined, HIDDEN, 'off', 1024n, INT_MAX, 0, '2097152');
// tls bools
for (const n of ['tls-cluster', 'tls-replication', 'tls-prefer-server-ciphers', 'tls-session-caching']) bool(n);

// special
special('dir', PROTECTED | DENY_LOADING, (args) => {
  if (args.length !== 1) fail('wrong number of arguments');
  // RedKit runs inside the user's process: the directory is checked and remembered, never chdir'ed into.
  let st: fs.Stats;
  try {
    st = fs.statSync(args[0]);
  } catch {
    return fail('No such file or directory');
  }
  if (!st.isDirectory()) fail('Not a directory');
  // What getcwd() would answer after chdir().
  return fs.realpathSync(path.resolve(args[0]));
});
special('save', MULTI_ARG, (args) => {
  if (args.length === 1 && args[0] === '') args = [];
  if (args.length & 1) fail('Invalid save parameters');
  const vals = args.map((a, j) => {
    const v = strtoll(a);
    if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) fail('Invalid save parameters');
    return v as bigint;
  });
  const out: string[] = [];
  for (let j = 0; j < vals.length; j += 2) out.push(`${vals[j]} ${BigInt.asIntN(32, vals[j + 1])}`);
  return out.join(' ');
});
special('client-output-buffer-limit', MULTI_ARG, (args, cfg) => {
  if (args.length % 4) fail('Wrong number of arguments in buffer limit configuration.');
  const cur = parseObuf(cfg.get('client-output-buffer-limit') ?? '');
  const next = { ...cur };
  for (let j = 0; j < args.length; j += 4) {
    const c = args[j].toLowerCase();
    const cls = c === 'normal' ? 'normal' : c === 'slave' || c === 'replica' ? 'slave' : c === 'pubsub' ? 'pubsub' : null;
    if (cls === null) fail('Invalid client class specified in buffer limit configuration.');
    const hard = memtoull(args[j + 1]);
    const soft = memtoull(args[j + 2]);
    const secs = strtoll(args[j + 3]);
    if (hard === null || soft === null || secs === null || secs < 0n) fail('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    next[cls as string] = `${hard} ${soft} ${secs}`;
  }
  return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${next[c]}`).join(' ');
});
special('oom-score-adj-values', MULTI_ARG, (args) => {
  if (args.length !== 3) fail('wrong number of arguments');
  return args
    .map((a) => {
      const v = strtoll(a);
      if (v === null || v < -2000n || v > 2000n) fail('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      return String(v);
    })
    .join(' ');
});
special('notify-keyspace-events', 0, (args) => {
  if (args.length !== 1) fail('wrong number of arguments');
  const f = parseNotifyFlags(args[0]);
  if (f === null) fail("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return notifyClassesToString(f as number);
});
special('bind', MULTI_ARG, (args) => {
  if (args.length > 16) fail('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
});
special('replicaof', IMMUTABLE | MULTI_ARG, () => fail('wrong number of arguments'), 'slaveof');
special('latency-tracking-info-percentiles', MULTI_ARG, (args) => {
  if (args.length === 1 && args[0] === '') return '';
  return args
    .map((a) => {
      const v = strtodStrict(a);
      if (v === null) fail('Invalid latency-tracking-info-percentiles parameters');
      if ((v as number) > 100 || (v as number) < 0) fail('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      return trimDouble((v as number).toFixed(6));
    })
    .join(' ');
});

// ---- parsing helpers (Redis's util.c semantics) -----------------------------------------

const cstr = (s: string) => {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
};

/** string2ll: strict decimal int64, as a bigint. */
function string2ll(s: string): bigint | null {
  const v = parseIntStrict(s);
  return v === null ? null : BigInt(v);
}

/** strtoll(s, &end, 10) with `*end == '\0'` required (leading spaces and sign allowed, saturating). */
function strtoll(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(cstr(s));
  if (!m) return null;
  let v = BigInt(m[1]);
  if (v > LLONG_MAX) v = LLONG_MAX;
  if (v < -LLONG_MAX - 1n) v = -LLONG_MAX - 1n;
  return v;
}

/** memtoull: digits with an optional b/k/kb/m/mb/g/gb unit; null on error. */
function memtoull(s: string): bigint | null {
  s = cstr(s);
  if (s.startsWith('-')) return null;
  const m = /^(\d*)(.*)$/.exec(s) as RegExpExecArray;
  const unit = m[2].toLowerCase();
  const mul: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  if (!(unit in mul)) return null;
  if (m[1].length >= 128) return null;
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v > ULLONG_MAX) v = ULLONG_MAX; // strtoull saturates
  if (v > ULLONG_MAX / mul[unit]) return null;
  return v * mul[unit];
}

/** string2d: a double with nothing around it (no spaces, not NaN). */
function strtodStrict(s: string): number | null {
  if (s === '' || /^\s|\s$/.test(s)) return null;
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?)$/i.test(s)) return null;
  const v = Number(s.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return Number.isNaN(v) ? null : v;
}

const trimDouble = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

function parseObuf(v: string): Record<string, string> {
  const p = v.split(' ');
  const out: Record<string, string> = {};
  for (let i = 0; i + 3 < p.length; i += 4) out[p[i]] = `${p[i + 1]} ${p[i + 2]} ${p[i + 3]}`;
  return out;
}

const PROC_TITLE_VARS = new Set(['{title}', '{listen-addr}', '{server-mode}', '{port}', '{tls-port}', '{unixsocket}', '{config-file}']);
function validProcTitleTemplate(t: string): boolean {
  // Every {...} must be a known variable and braces must balance; the rendered title must not be empty.
  let rendered = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '{') {
      const j = t.indexOf('}', i);
      if (j < 0) return false;
      const v = t.slice(i, j + 1);
      if (!PROC_TITLE_VARS.has(v)) return false;
      rendered += v === '{title}' ? 'x' : '';
      i = j;
    } else if (c === '}') return false;
    else rendered += c;
  }
  return rendered.trim() !== '';
}

// ---- notify-keyspace-events (notify.c) --------------------------------------------------

const NOTIFY_ALL = NOTIFY.GENERIC | NOTIFY.STRING | NOTIFY.LIST | NOTIFY.SET | NOTIFY.HASH | NOTIFY.ZSET | NOTIFY.EXPIRED | NOTIFY.EVICTED | NOTIFY.STREAM | NOTIFY.MODULE;
const CLASS_CHARS: Array<[string, number]> = [
  ['g', NOTIFY.GENERIC], ['$', NOTIFY.STRING], ['l', NOTIFY.LIST], ['s', NOTIFY.SET], ['h', NOTIFY.HASH], ['z', NOTIFY.ZSET],
  ['x', NOTIFY.EXPIRED], ['e', NOTIFY.EVICTED], ['t', NOTIFY.STREAM], ['d', NOTIFY.MODULE], ['n', NOTIFY.NEW],
];

/** keyspaceEventsFlagsToString: note that 'n' is only printed when 'A' is not. */
function notifyClassesToString(f: number): string {
  let s = '';
  if ((f & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else for (const [c, bit] of CLASS_CHARS) if (f & bit) s += c;
  if (f & NOTIFY.KEYSPACE) s += 'K';
  if (f & NOTIFY.KEYEVENT) s += 'E';
  if (f & NOTIFY.KEY_MISS) s += 'm';
  return s;
}

// ---- typed set/get ----------------------------------------------------------------------

function setBool(spec: ParamSpec, v: string): string {
  const l = v.toLowerCase();
  if (l !== 'yes' && l !== 'no') fail("argument must be 'yes' or 'no'");
  const bad = spec.validEnum?.(l === 'yes' ? 1 : 0);
  if (bad) fail(bad);
  return l;
}

function setEnum(spec: ParamSpec, args: string[]): string {
  const values = spec.values as Array<[string, number]>;
  let v = 0;
  const one = (a: string) => {
    const hit = values.filter(([n]) => n.toLowerCase() === a.toLowerCase());
    for (const [, x] of hit) v |= x;
    return hit.length > 0;
  };
  const ok = args.length > 0 && (spec.bitflags || args.length === 1) && args.every(one);
  if (!ok) fail(`argument(s) must be one of the following: ${values.map((e) => e[0]).join(', ')}`.slice(0, 255));
  const bad = spec.validEnum?.(v);
  if (bad) fail(bad);
  return enumName(spec, v);
}

function enumName(spec: ParamSpec, v: number): string {
  const values = spec.values as Array<[string, number]>;
  const names: string[] = [];
  let unmatched = v;
  for (const [n, x] of values) {
    if (x === v) return n;
    if (spec.bitflags && x !== 0 && (unmatched & x) === x) {
      names.push(n);
      unmatched &= ~x;
    }
  }
  return names.length && !unmatched ? names.join(' ') : 'unknown';
}

function setNumeric(spec: ParamSpec, value: string): string {
  const f = spec.numFlags ?? 0;
  let ll: bigint | null = null;
  if (f & MEMORY) {
    const m = memtoull(value);
    if (m !== null) ll = BigInt.asIntN(64, m);
  }
  if (ll === null && f & PERCENT && value.length > 1 && value.endsWith('%')) {
    const p = string2ll(value.slice(0, -1));
    if (p !== null && p >= 0n) ll = -p;
  }
  if (ll === null && f & OCTAL) {
    const m = /^[ \t\n\v\f\r]*([+-]?[0-7]+)$/.exec(value);
    if (m) ll = BigInt.asIntN(64, BigInt((m[1].startsWith('-') ? '-0o' : '0o') + m[1].replace(/^[+-]/, '')));
  }
  if (ll === null && f === 0) ll = string2ll(value);
  if (ll === null) {
    if (f & MEMORY && f & PERCENT) fail('argument must be a memory or percent value');
    if (f & MEMORY) fail('argument must be a memory value');
    if (f & OCTAL) fail("argument couldn't be parsed as an octal number");
    fail("argument couldn't be parsed into an integer");
  }
  const v = ll as bigint;
  const min = spec.min as bigint;
  const max = spec.max as bigint;
  if (UNSIGNED_CHECK.has(spec.num as NumType)) {
    const u = BigInt.asUintN(64, v);
    if (u > max || u < min) {
      fail(f & OCTAL ? `argument must be between ${min.toString(8)} and ${max.toString(8)} inclusive` : `argument must be between ${min} and ${max} inclusive`);
    }
  } else if (f & PERCENT && v < 0n) {
    if (v < min) fail(`percentage argument must be less or equal to ${-min}`);
  } else if (v > max || v < min) fail(`argument must be between ${min} and ${max} inclusive`);
  // numericConfigGet
  if (f & PERCENT && v < 0n) return `${-v}%`;
  if (f & MEMORY) return BigInt.asUintN(64, v).toString();
  if (f & OCTAL) return BigInt.asUintN(64, v).toString(8);
  return v.toString();
}

// ---- the registry of parameters ---------------------------------------------------------

/** name or alias (lower case) → [spec, the name this entry answers to]. */
const LOOKUP = new Map<string, { spec: ParamSpec; name: string }>();
for (const s of SPECS) {
  LOOKUP.set(s.name, { spec: s, name: s.name });
  if (s.alias) LOOKUP.set(s.alias, { spec: s, name: s.alias });
}

/** An apply function: runs after a successful CONFIG SET; may return a normalised value or throw a ReplyError (message without ERR). */
/**
 * Applies a parameter: `value` is the stored (canonical) value, `input` what
 * was given to CONFIG SET, for the rare parameter whose display form loses
 * information (notify-keyspace-events prints no 'n' next to 'A').
 */
export type ConfigListener = (value: string, name: string, input?: string) => string | void;

function errorMessage(e: unknown): string {
  if (e instanceof ConfigError || e instanceof ReplyError) return e.message;
  throw e;
}

/** A Map that counts its writes, so readers can cache what they derive from it. */
class CountingMap extends Map<string, string> {
  writes = 0;
  override set(k: string, v: string): this {
    this.writes++;
    return super.set(k, v);
  }
}

export class Config {
  private readonly values = new CountingMap();
  private readonly listeners = new Map<string, ConfigListener[]>();

  /** proto-max-bulk-len in bytes (mirrors the parameter). */
  protoMaxBulkLen = 512 * 1024 * 1024;

  /**
   * Changes whenever a parameter may have changed: commands that derive
   * something from CONFIG on every call (encoding limits) cache it against this.
   */
  get version(): number {
    return this.values.writes;
  }

  constructor(overrides: Record<string, string> = {}) {
    const d = (defaults as { config: Record<string, string> }).config;
    for (const s of SPECS) {
      const v = d[s.name] ?? s.def;
      this.values.set(s.name, v ?? '');
    }
    // Values that describe the machine the dump was taken on, not ours.
    this.values.set('pidfile', '');
    this.values.set('daemonize', 'no');
    this.values.set('dir', process.cwd());
    this.values.set('port', '6379');
    this.values.set('bind', '127.0.0.1');
    for (const [k, v] of Object.entries(overrides)) this.setRaw(k, v);
  }

  /** The primary (non-alias) name of a parameter, lower case; unknown names are returned lower-cased. */
  canonical(name: string): string {
    const l = name.toLowerCase();
    return LOOKUP.get(l)?.spec.name ?? l;
  }

  has(name: string): boolean {
    return LOOKUP.has(name.toLowerCase());
  }

  /** Current value (canonical form), or undefined for an unknown parameter. */
  get(name: string): string | undefined {
    // Commands read parameters by their canonical names on hot paths: try that first.
    const v = this.values.get(name);
    return v !== undefined ? v : this.values.get(this.canonical(name));
  }

  /** Current value as a number (numeric parameters). */
  getNumber(name: string): number {
    return Number(this.get(name) ?? 0);
  }

  isImmutable(name: string): boolean {
    return ((LOOKUP.get(name.toLowerCase())?.spec.flags ?? 0) & IMMUTABLE) !== 0;
  }

  /**
   * CONFIG GET: exact names answer under the name as given (hidden ones
   * too); patterns match primary names and aliases case-insensitively.
   */
  getMatches(patterns: string[], match: (pattern: string, name: string) => boolean): Array<[string, string]> {
    const out = new Map<string, [string, string]>();
    for (const p of patterns) {
      if (!/[[*?]/.test(p)) {
        const e = LOOKUP.get(p.toLowerCase());
        if (e && !out.has(p.toLowerCase())) out.set(p.toLowerCase(), [p, this.values.get(e.spec.name) as string]);
        continue;
      }
      for (const [name, e] of LOOKUP) {
        if (e.spec.flags & HIDDEN || out.has(name)) continue;
        if (match(p, name)) out.set(name, [name, this.values.get(e.spec.name) as string]);
      }
    }
    return [...out.values()];
  }

  private parseSpec(spec: ParamSpec, value: string): string {
    // sdssplitlen: an empty value is zero arguments; every single space separates one.
    const args = spec.flags & MULTI_ARG ? (value === '' ? [] : value.split(' ')) : [value];
    switch (spec.type) {
      case 'bool':
        return setBool(spec, value);
      case 'string': {
        const bad = spec.validate?.(value);
        if (bad) fail(bad);
        // char* parameters end at the first NUL; the sds ones (passwords) keep every byte.
        return spec.name === 'requirepass' || spec.name === 'masterauth' ? value : cstr(value);
      }
      case 'enum':
        return setEnum(spec, args);
      case 'numeric':
        return setNumeric(spec, value);
      default:
        return (spec.set as SpecialSet)(args, this);
    }
  }

  /**
   * Set one parameter as CONFIG SET would (validate, store, apply). Throws a
   * ReplyError with Redis's error string; the previous value is kept then.
   */
  set(name: string, value: string): string {
    this.setMany([[name, value]]);
    return this.get(name) as string;
  }

  /**
   * CONFIG SET semantics for several pairs, all or nothing. Throws a
   * ReplyError with Redis's complete error string.
   */
  setMany(pairs: Array<[string, string]>, opts: { loading?: boolean; allowProtected?: boolean; applyUnchanged?: boolean } = {}): void {
    const found: Array<{ spec: ParamSpec; name: string; value: string }> = [];
    let unknown: string | undefined;
    let err: { arg: string; msg?: string } | undefined;
    let loadingErr = false;
    for (const [arg, value] of pairs) {
      const e = LOOKUP.get(arg.toLowerCase());
      if (!e) {
        if (!unknown && !err && !loadingErr) unknown = arg;
        continue;
      }
      if (unknown || err || loadingErr) continue;
      const protectedDenied = e.spec.flags & PROTECTED && !opts.allowProtected && this.values.get('enable-protected-configs') === 'no';
      if (e.spec.flags & IMMUTABLE || protectedDenied) {
        err = { arg, msg: e.spec.flags & IMMUTABLE ? "can't set immutable config" : "can't set protected config" };
        continue;
      }
      if (opts.loading && e.spec.flags & DENY_LOADING) {
        loadingErr = true;
        continue;
      }
      // Redis compares table entries: an alias and its primary are different entries.
      if (found.some((f) => f.spec === e.spec && f.name === e.name)) {
        err = { arg, msg: 'duplicate parameter' };
        continue;
      }
      found.push({ spec: e.spec, name: e.name, value });
    }
    if (loadingErr) throw new ReplyError(Err.loading);
    if (unknown !== undefined) throw new ReplyError(Err.configUnknownParam(unknown));
    if (err) throw configSetError(err.arg, err.msg);

    const backup = new Map<string, string>();
    for (const f of found) if (!backup.has(f.spec.name)) backup.set(f.spec.name, this.values.get(f.spec.name) as string);
    const restore = () => {
      for (const [k, v] of backup) this.values.set(k, v);
    };
    // Set every value (Redis's interface.set), then apply.
    const changed: string[] = [];
    for (const f of found) {
      let v: string;
      try {
        v = this.parseSpec(f.spec, f.value);
      } catch (e) {
        restore();
        throw configSetError(f.name, errorMessage(e));
      }
      if (this.values.get(f.spec.name) !== v || f.spec.type === 'special' || opts.applyUnchanged) {
        if (!changed.includes(f.spec.name)) changed.push(f.spec.name);
      }
      this.values.set(f.spec.name, v);
    }
    for (const name of changed) {
      const ls = this.listeners.get(name);
      if (!ls) continue;
      const input = found.filter((f) => f.spec.name === name).pop()?.value;
      try {
        for (const l of ls) {
          const r = l(this.values.get(name) as string, name, input);
          if (typeof r === 'string') this.values.set(name, r);
        }
      } catch (e) {
        restore();
        for (const n of changed) for (const l of this.listeners.get(n) ?? []) safeApply(l, this.values.get(n) as string, n);
        throw configSetError(found.find((f) => f.spec.name === name)?.name ?? name, errorMessage(e));
      }
    }
  }

  /** Set without validation or listeners (server start-up, internal updates). */
  setRaw(name: string, value: string): void {
    this.values.set(this.canonical(name), value);
  }

  /** Register how a parameter is applied when CONFIG SET changes it. */
  define(name: string, apply: ConfigListener): void {
    const k = this.canonical(name);
    const ls = this.listeners.get(k) ?? [];
    ls.push(apply);
    this.listeners.set(k, ls);
  }
}

function safeApply(l: ConfigListener, v: string, n: string): void {
  try {
    l(v, n);
  } catch {
    // restoring the previous value: nothing more to do
  }
}

function configSetError(arg: string, msg?: string): ReplyError {
  return new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${arg}')${msg ? ` - ${msg}` : ''}`);
}
