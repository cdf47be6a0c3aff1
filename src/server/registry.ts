/**
 * The command table. Commands are data: a spec (name, arity, flags, key
 * positions, group, docs) plus a handler. The same table drives arity errors,
 * COMMAND / COMMAND INFO / COMMAND DOCS, key extraction (recorder, WATCH) and
 * the README's command table.
 */
import type { Reply } from '../resp/reply.js';
import type { Context } from './context.js';

export type Handler = (ctx: Context, args: string[]) => Reply | Promise<Reply>;

/** Redis command flags (COMMAND INFO), plus RedKit's own. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'protected'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

export const F = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  fast: 1 << 10,
  no_auth: 1 << 11,
  no_multi: 1 << 12,
  movablekeys: 1 << 13,
  allow_busy: 1 << 14,
  skip_slowlog: 1 << 15,
  may_replicate: 1 << 16,
} as const;

export function flagBits(flags: readonly string[]): number {
  // Built-in specs share frozen flag arrays between servers: compute their bits once.
  const frozen = Object.isFrozen(flags);
  if (frozen) {
    const cached = bitsCache.get(flags);
    if (cached !== undefined) return cached;
  }
  let b = 0;
  for (const f of flags) b |= (F as Record<string, number>)[f] ?? 0;
  if (frozen) bitsCache.set(flags, b);
  return b;
}

const bitsCache = new WeakMap<readonly string[], number>();

/** What a user passes to registerCommand. Everything but the handler is optional. */
export interface CommandDefinition {
  handler: Handler;
  /** Redis convention: positive = exactly N (name included), negative = at least -N. Default -1 (anything). */
  arity?: number;
  flags?: CommandFlag[];
  /** Position of the first key (name is position 0), 0 when the command has no keys. */
  firstKey?: number;
  /** Position of the last key; negative counts from the end (-1 = last argument). */
  lastKey?: number;
  /** Step between keys. */
  keyStep?: number;
  /** Custom key extraction for commands with keys in variable positions (movablekeys). */
  getKeys?: (args: string[]) => number[];
  /** Command group, e.g. 'string', 'generic', 'connection'. */
  group?: string;
  summary?: string;
  since?: string;
  complexity?: string;
  aclCategories?: string[];
  /** Subcommands (CLIENT SETNAME, CONFIG GET, ...), keyed by lower-case name. */
  subcommands?: Record<string, CommandDefinition>;
}

/** A resolved command in the table. */
export interface Command {
  /** Lower-case name; `parent|sub` for subcommands. */
  readonly fullName: string;
  /** Lower-case name of this (sub)command alone. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly flagBits: number;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly getKeys?: (args: string[]) => number[];
  readonly group: string;
  readonly summary?: string;
  readonly since?: string;
  readonly complexity?: string;
  readonly aclCategories: readonly string[];
  readonly handler: Handler;
  readonly parent?: Command;
  readonly subcommands?: Map<string, Command>;
  /** Built in (metadata from Redis's own command table) or user-registered. */
  readonly builtin: boolean;
  /**
   * Its key lookups are reads for INFO's keyspace_hits / keyspace_misses and
   * the `keymiss` event (Redis's lookupKeyRead rather than lookupKeyWrite).
   */
  readonly readLookups: boolean;
  /** Stats: calls, usec, failed (INFO commandstats). */
  stats: { calls: number; usec: number; rejected: number; failed: number };
  /** Changes the command made, for Store.dirty (store/dirty.ts); from its arguments, reply and keys signalled. */
  dirty?: (args: string[], reply: Reply, touched: number) => number;
  /**
   * It cannot take long (Redis's `fast` flag, or O(1) but for INFO, whose
   * RedKit version walks the keyspace): command timing lets it share a clock
   * reading with its neighbours (Dispatcher.run).
   */
  readonly sharedTiming: boolean;
}

/**
 * Write commands whose source keys Redis 7.0 looks up as reads (counted in
 * keyspace_hits/misses): the *STORE forms read their sources with
 * lookupKeyRead, PFMERGE reads every key, GETDEL/GETEX/GETSET/COPY read the
 * value they return or copy. (SET ... GET and a BITFIELD of GETs only count
 * too: their handlers switch that on, as it depends on the arguments.)
 * Readonly commands count unless they never look a key up (KEYS, SCAN, ...).
 */
const READ_LOOKUP_WRITES = new Set([
  'getdel',
  'getex',
  'getset',
  'copy',
  'sort',
  'bitop',
  'pfmerge',
  'sinterstore',
  'sunionstore',
  'sdiffstore',
  'zunionstore',
  'zinterstore',
  'zdiffstore',
  'zrangestore',
  'georadius',
  'georadiusbymember',
  'geosearchstore',
  'xreadgroup',
  'xack',
  'xclaim',
  'xautoclaim',
  'migrate',
]);

/**
 * Redis 7.0's commands with the internal MAY_REPLICATE flag that are not writes (COMMAND INFO does
 * not list it): CLIENT PAUSE WRITE holds them, a replica's own connection may not send them.
 */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'publish', 'spublish', 'pfcount']);

export function makeCommand(name: string, def: CommandDefinition, builtin: boolean, parent?: Command): Command {
  const lname = name.toLowerCase();
  const flags = def.flags ?? [];
  const fullName = parent ? `${parent.name}|${lname}` : lname;
  const bits = flagBits(flags) | (builtin && MAY_REPLICATE.has(fullName) ? F.may_replicate : 0);
  const cmd: Command = {
    fullName,
    name: lname,
    arity: def.arity ?? -1,
    flags,
    flagBits: bits,
    firstKey: def.firstKey ?? 0,
    lastKey: def.lastKey ?? def.firstKey ?? 0,
    keyStep: def.keyStep ?? (def.firstKey ? 1 : 0),
    getKeys: def.getKeys,
    group: def.group ?? (builtin ? 'generic' : 'custom'),
    summary: def.summary,
    since: def.since,
    complexity: def.complexity,
    aclCategories: def.aclCategories ?? [],
    handler: def.handler,
    parent,
    builtin,
    readLookups: (bits & F.readonly) !== 0 || READ_LOOKUP_WRITES.has(fullName),
    stats: { calls: 0, usec: 0, rejected: 0, failed: 0 },
    // Every command has the same fields from the start (one object shape for
    // the dispatcher's property reads): `dirty` and `subcommands` are set later.
    dirty: undefined,
    subcommands: undefined,
    sharedTiming: (bits & F.fast) !== 0 || (def.complexity === 'O(1)' && fullName !== 'info'),
  };
  if (def.subcommands) {
    const subs = new Map<string, Command>();
    for (const [sn, sd] of Object.entries(def.subcommands)) subs.set(sn.toLowerCase(), makeCommand(sn, sd, builtin, cmd));
    (cmd as { subcommands?: Map<string, Command> }).subcommands = subs;
  }
  return cmd;
}

/**
 * Positions (indexes into args, i.e. without the name) of the keys of a
 * command invocation, from its key spec.
 */
export function commandKeyIndexes(cmd: Command, args: string[]): number[] {
  if (cmd.getKeys) return cmd.getKeys(args);
  if (cmd.firstKey <= 0) return [];
  const argc = args.length + 1;
  let last = cmd.lastKey;
  if (last < 0) last = argc + last;
  const out: number[] = [];
  const step = cmd.keyStep > 0 ? cmd.keyStep : 1;
  for (let i = cmd.firstKey; i <= last && i < argc; i += step) out.push(i - 1);
  return out;
}

export class Registry {
  /** Lookup by lower-case and upper-case name (fast path for both client styles). */
  private readonly table = new Map<string, Command>();
  private readonly byName = new Map<string, Command>();

  get size(): number {
    return this.byName.size;
  }

  /** How many commands are not built in (registerCommand): their handlers may answer later (scripts check). */
  custom = 0;

  /** Changes when a command is added or removed (caches of lookup() results check it). */
  version = 0;

  add(name: string, def: CommandDefinition | Handler, builtin = false): Command {
    const d: CommandDefinition = typeof def === 'function' ? { handler: def } : def;
    const cmd = makeCommand(name, d, builtin);
    const l = cmd.name;
    const prev = this.byName.get(l);
    if (prev !== undefined && !prev.builtin) this.custom--;
    if (!builtin) this.custom++;
    this.version++;
    this.byName.set(l, cmd);
    this.table.set(l, cmd);
    this.table.set(l.toUpperCase(), cmd);
    return cmd;
  }

  remove(name: string): boolean {
    const l = name.toLowerCase();
    const prev = this.byName.get(l);
    if (prev !== undefined && !prev.builtin) this.custom--;
    this.version++;
    const had = this.byName.delete(l);
    this.table.delete(l);
    this.table.delete(l.toUpperCase());
    return had;
  }

  /** Find a command by the name as sent on the wire (any case). */
  lookup(name: string): Command | undefined {
    const c = this.table.get(name);
    if (c !== undefined) return c;
    return name.length <= 64 ? this.byName.get(name.toLowerCase()) : undefined;
  }

  get(name: string): Command | undefined {
    return this.byName.get(name.toLowerCase());
  }

  all(): IterableIterator<Command> {
    return this.byName.values();
  }
}
