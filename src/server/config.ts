/**
 * CONFIG GET / SET parameters. Every Redis 7 parameter name is known (with
 * Redis's defaults) and can be set and read back; the ones RedKit honours are
 * applied through `onChange` listeners registered by the server.
 */
import defaults from '../commands/meta/config-defaults.json';

/** Aliases Redis accepts for CONFIG GET/SET. */
const ALIASES: Record<string, string> = {
  'slaveof': 'replicaof',
  'slave-serve-stale-data': 'replica-serve-stale-data',
  'slave-read-only': 'replica-read-only',
  'slave-ignore-maxmemory': 'replica-ignore-maxmemory',
  'slave-lazy-flush': 'replica-lazy-flush',
  'slave-priority': 'replica-priority',
  'slave-announce-ip': 'replica-announce-ip',
  'slave-announce-port': 'replica-announce-port',
  'min-slaves-to-write': 'min-replicas-to-write',
  'min-slaves-max-lag': 'min-replicas-max-lag',
  'hash-max-ziplist-entries': 'hash-max-listpack-entries',
  'hash-max-ziplist-value': 'hash-max-listpack-value',
  'zset-max-ziplist-entries': 'zset-max-listpack-entries',
  'zset-max-ziplist-value': 'zset-max-listpack-value',
  'list-max-ziplist-size': 'list-max-listpack-size',
};

export type ConfigListener = (value: string, name: string) => string | void;

export class Config {
  private readonly values = new Map<string, string>();
  private readonly validators = new Map<string, ConfigListener>();
  /** Parameters that cannot be changed at runtime (CONFIG SET answers an error). */
  private readonly immutable = new Set<string>(['databases', 'daemonize', 'io-threads', 'supervised', 'pidfile', 'logfile', 'syslog-enabled', 'unixsocket', 'aclfile', 'cluster-enabled', 'tls-port', 'port', 'bind']);

  /** proto-max-bulk-len in bytes (mirrors the parameter). */
  protoMaxBulkLen = 512 * 1024 * 1024;

  constructor(overrides: Record<string, string> = {}) {
    const d = (defaults as { config: Record<string, string> }).config;
    for (const k of Object.keys(d)) {
      if (ALIASES[k]) continue; // aliases read through to their target
      this.values.set(k, d[k]);
    }
    // Values that describe the machine Redis ran on, not ours.
    this.values.set('pidfile', '');
    this.values.set('dir', process.cwd());
    this.values.set('port', '6379');
    this.values.set('bind', '127.0.0.1');
    for (const [k, v] of Object.entries(overrides)) this.values.set(k, v);
  }

  canonical(name: string): string {
    const l = name.toLowerCase();
    return ALIASES[l] ?? l;
  }

  has(name: string): boolean {
    return this.values.has(this.canonical(name));
  }

  get(name: string): string | undefined {
    return this.values.get(this.canonical(name));
  }

  isImmutable(name: string): boolean {
    return this.immutable.has(this.canonical(name));
  }

  /** Every (name, value) whose name matches the glob (CONFIG GET). Aliases match too. */
  *entries(): IterableIterator<[string, string]> {
    yield* this.values;
    for (const [alias, target] of Object.entries(ALIASES)) {
      const v = this.values.get(target);
      if (v !== undefined) yield [alias, v];
    }
  }

  /**
   * Set a value. A registered listener validates and applies it; it may
   * return a normalised value or throw a ReplyError. Returns the stored value.
   */
  set(name: string, value: string): string {
    const key = this.canonical(name);
    const apply = this.validators.get(key);
    let stored = value;
    if (apply) {
      const r = apply(value, key);
      if (typeof r === 'string') stored = r;
    }
    this.values.set(key, stored);
    return stored;
  }

  /** Set without validation (server start-up, internal updates). */
  setRaw(name: string, value: string): void {
    this.values.set(this.canonical(name), value);
  }

  /** Register how a parameter is validated/applied. */
  define(name: string, apply: ConfigListener): void {
    this.validators.set(this.canonical(name), apply);
  }
}
