/**
 * ACL users, rules, selectors and the permission check (Redis 7.0 acl.c
 * semantics, written anew).
 *
 * - The command universe is Redis 7.0.15's command table (commands/meta) plus
 *   any command registered on this server that Redis does not have. Each
 *   (sub)command has an id: a selector's allowed commands are a byte per id.
 * - `ACL LIST` / `ACL GETUSER` describe command rules as Redis 7.0 does: start
 *   from +@all or -@all, greedily apply the category that best matches the
 *   bitmap, then single commands (+cmd / -cmd / +cmd|firstarg). Redis emits
 *   single commands in its hash table order (random per process); ours is the
 *   table order.
 * - The hot path: a connection's `aclUser` is the default user with every
 *   permission (`unrestricted`), and the dispatcher tests that one boolean.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ReplyError } from '../errors.js';
import infoJson from '../commands/meta/command-info.json';
import type { Context } from './context.js';
import { commandKeyIndexes, F, type Command } from './registry.js';

/** Redis 7.0's categories, in its order (ACL CAT, rule description). */
export const CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

export const ACL_OK = 0;
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

const READ = 1;
const WRITE = 2;
const ALL = 3;

interface KeySpecInfo {
  /** How to find the keys (Redis's key spec), or undefined when this spec cannot be evaluated here. */
  bs?: { index: number } | { keyword: string; startfrom: number };
  fk?: { lastkey: number; keystep: number; limit: number } | { keynumidx: number; firstkey: number; keystep: number };
  incomplete: boolean;
  flags: number; // READ / WRITE needed
  notKey: boolean; // a shard channel (SPUBLISH...): not checked as a key
  index: number; // begin_search index (1-based position), 0 if not an index search
  lastkey: number;
  keystep: number;
}

export interface AclCmd {
  id: number;
  fullName: string;
  cats: number;
  parent?: AclCmd;
  subs?: Map<string, AclCmd>;
  noAuth: boolean;
  specs: KeySpecInfo[];
  /** Union of every spec's needs (for keys no simple spec covers). */
  anyFlags: number;
  /** Not a Redis 7.0 command: left out of the category counts ACL LIST's description uses. */
  extra?: boolean;
}

type Tag = unknown;
const INFO = (infoJson as unknown as { commands: Record<string, Tag[]> }).commands;

function setOf(t: Tag): string[] {
  const arr = (t as { '~'?: Array<{ '+': string }> })?.['~'] ?? [];
  return arr.map((x) => (typeof x === 'object' && x !== null && '+' in x ? x['+'] : String(x)));
}
function mapOf(t: Tag): Record<string, Tag> {
  const flat = (t as { '%'?: Tag[] })?.['%'] ?? [];
  const o: Record<string, Tag> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
}

function specsOf(entry: Tag[]): { specs: KeySpecInfo[]; any: number } {
  const specs: KeySpecInfo[] = [];
  let any = 0;
  const list = ((entry[8] as { '~'?: Tag[] })?.['~'] ?? (Array.isArray(entry[8]) ? (entry[8] as Tag[]) : [])) as Tag[];
  for (const s of list) {
    const m = mapOf(s);
    const fl = setOf(m.flags);
    let f = 0;
    if (fl.includes('access')) f |= READ;
    if (fl.includes('insert') || fl.includes('delete') || fl.includes('update')) f |= WRITE;
    const notKey = fl.includes('not_key');
    if (!notKey) any |= f;
    const bs = mapOf(m.begin_search);
    const fk = mapOf(m.find_keys);
    let index = 0;
    let lastkey = 0;
    let keystep = 1;
    if (bs.type === 'index' && fk.type === 'range') {
      index = Number(mapOf(bs.spec).index);
      const r = mapOf(fk.spec);
      lastkey = Number(r.lastkey);
      keystep = Number(r.keystep) || 1;
    }
    const bss = mapOf(bs.spec);
    const fks = mapOf(fk.spec);
    const bsInfo = bs.type === 'index' ? { index: Number(bss.index) } : bs.type === 'keyword' ? { keyword: String(bss.keyword).toLowerCase(), startfrom: Number(bss.startfrom) } : undefined;
    const fkInfo =
      fk.type === 'range'
        ? { lastkey: Number(fks.lastkey), keystep: Number(fks.keystep) || 1, limit: Number(fks.limit) }
        : fk.type === 'keynum'
          ? { keynumidx: Number(fks.keynumidx), firstkey: Number(fks.firstkey), keystep: Number(fks.keystep) || 1 }
          : undefined;
    const incomplete = fl.includes('incomplete') || fl.includes('variable_flags') || bsInfo === undefined || fkInfo === undefined;
    specs.push({ bs: bsInfo, fk: fkInfo, incomplete, flags: f, notKey, index, lastkey, keystep });
  }
  return { specs, any };
}

function catBits(cats: readonly string[]): number {
  let b = 0;
  for (const c of cats) {
    const i = CATEGORIES.indexOf(c.replace(/^@/, '') as (typeof CATEGORIES)[number]);
    if (i >= 0) b |= 1 << i;
  }
  return b;
}

/** The command table ACL rules refer to (built once per server). */
export class AclCommands {
  readonly all: AclCmd[] = [];
  readonly top = new Map<string, AclCmd>();
  readonly byName = new Map<string, AclCmd>();

  constructor(registryCommands: Iterable<Command>) {
    for (const [name, e] of Object.entries(INFO)) {
      const c = this.make(name, e, undefined);
      this.top.set(name, c);
      const subs = e[9] as Tag[][] | undefined;
      if (Array.isArray(subs) && subs.length) {
        c.subs = new Map();
        for (const se of subs) {
          const full = String(se[0]);
          const sc = this.make(full, se, c);
          c.subs.set(full.slice(full.indexOf('|') + 1), sc);
        }
      }
    }
    for (const cmd of registryCommands) this.addRegistered(cmd);
  }

  private make(fullName: string, e: Tag[], parent: AclCmd | undefined): AclCmd {
    const flags = setOf(e[2]);
    const { specs, any } = specsOf(e);
    const c: AclCmd = { id: this.all.length, fullName, cats: catBits(setOf(e[6])), parent, noAuth: flags.includes('no_auth'), specs, anyFlags: any };
    this.all.push(c);
    this.byName.set(fullName, c);
    return c;
  }

  /** A command of this server Redis 7.0 does not have (7.2+ commands, custom ones). */
  addRegistered(cmd: Command, parent?: AclCmd): AclCmd {
    let c = this.byName.get(cmd.fullName);
    if (c === undefined) {
      c = { id: this.all.length, fullName: cmd.fullName, cats: catBits(cmd.aclCategories), parent, noAuth: (cmd.flagBits & F.no_auth) !== 0, specs: [], anyFlags: ALL, extra: true };
      this.all.push(c);
      this.byName.set(cmd.fullName, c);
      if (parent === undefined) this.top.set(cmd.fullName, c);
      else (parent.subs ??= new Map()).set(cmd.name, c);
    }
    if (cmd.subcommands) for (const s of cmd.subcommands.values()) this.addRegistered(s, c);
    return c;
  }

  /** `get`, `config|get` (case-insensitive); undefined when unknown. */
  lookup(name: string): AclCmd | undefined {
    const l = name.toLowerCase();
    const bar = l.indexOf('|');
    if (bar < 0) return this.top.get(l);
    const top = this.top.get(l.slice(0, bar));
    const rest = l.slice(bar + 1);
    if (top?.subs === undefined || rest.includes('|')) return undefined;
    return top.subs.get(rest);
  }
}

export interface KeyPattern {
  pattern: string;
  flags: number;
}

/** Why a rule was refused (the text after "modifier '...': "). */
export const RuleErr = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  allKeys:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  allChannels:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noPass: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  firstArgSub: 'Allowing first-arg of a subcommand is not supported',
  duplicate: 'Duplicate user found. A user can only be defined once in config files',
} as const;

export class RuleError extends Error {}

export class Selector {
  allowed: Uint8Array;
  /** The reserved "future commands" bit: set by +@all only. */
  future = false;
  firstArgs = new Map<number, string[]>();
  allKeys = false;
  allChannels = false;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(readonly table: AclCommands, pubsubAll: boolean) {
    this.allowed = new Uint8Array(table.all.length);
    if (pubsubAll) this.allChannels = true;
  }

  clone(): Selector {
    const s = new Selector(this.table, false);
    s.allowed = this.allowed.slice();
    s.future = this.future;
    for (const [k, v] of this.firstArgs) s.firstArgs.set(k, v.slice());
    s.allKeys = this.allKeys;
    s.allChannels = this.allChannels;
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = this.channels.slice();
    return s;
  }

  private grow(): void {
    const n = this.table.all.length;
    if (this.allowed.length < n) {
      const a = new Uint8Array(n);
      a.set(this.allowed);
      // Commands added after the rules were set: allowed to a selector that can run future commands.
      if (this.future) a.fill(1, this.allowed.length);
      this.allowed = a;
    }
  }

  has(c: AclCmd): boolean {
    if (c.id >= this.allowed.length) this.grow();
    return this.allowed[c.id] === 1;
  }

  setPerm(c: AclCmd, allow: boolean): void {
    this.grow();
    this.allowed[c.id] = allow ? 1 : 0;
    this.firstArgs.delete(c.id);
    if (c.subs) for (const s of c.subs.values()) this.allowed[s.id] = allow ? 1 : 0;
  }

  setCategory(bit: number, allow: boolean): void {
    for (const c of this.table.top.values()) {
      if (c.cats & bit) this.setPerm(c, allow);
      if (c.subs) for (const s of c.subs.values()) if (s.cats & bit) this.setPerm(s, allow);
    }
  }

  countCategory(bit: number): [number, number] {
    let on = 0;
    let off = 0;
    for (const c of this.table.all) {
      if (c.cats & bit && c.extra !== true) {
        if (this.has(c)) on++;
        else off++;
      }
    }
    return [on, off];
  }

  /** Apply one selector rule; throws RuleError. */
  apply(op: string): void {
    const l = op.toLowerCase();
    if (l === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.patterns = [{ pattern: '*', flags: ALL }];
    } else if (l === 'resetkeys') {
      this.allKeys = false;
      this.patterns = [];
    } else if (l === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (l === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (l === 'allcommands' || l === '+@all') {
      this.grow();
      this.allowed.fill(1);
      this.future = true;
      this.firstArgs.clear();
    } else if (l === 'nocommands' || l === '-@all') {
      this.grow();
      this.allowed.fill(0);
      this.future = false;
      this.firstArgs.clear();
    } else if (op[0] === '~' || op[0] === '%') {
      let flags = 0;
      let off = 1;
      if (op[0] === '%') {
        for (; off < op.length; off++) {
          const ch = op[off].toUpperCase();
          if (ch === 'R' && !(flags & READ)) flags |= READ;
          else if (ch === 'W' && !(flags & WRITE)) flags |= WRITE;
          else if (op[off] === '~') {
            off++;
            break;
          } else throw new RuleError(RuleErr.syntax);
        }
      } else flags = ALL;
      const pat = op.slice(off);
      if (pat === '*' && flags === ALL) {
        this.allKeys = true;
        this.patterns = [];
      } else if (this.allKeys) throw new RuleError(RuleErr.allKeys);
      if (/[ \t\r\n]/.test(pat) || flags === 0) throw new RuleError(RuleErr.syntax);
      const ex = this.patterns.find((p) => p.pattern === pat);
      if (ex) ex.flags |= flags;
      else this.patterns.push({ pattern: pat, flags });
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleError(RuleErr.allChannels);
      const pat = op.slice(1);
      if (/[ \t\r\n]/.test(pat)) throw new RuleError(RuleErr.syntax);
      if (!this.channels.includes(pat)) this.channels.push(pat);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const i = CATEGORIES.indexOf(l.slice(2) as (typeof CATEGORIES)[number]);
      if (i < 0) throw new RuleError(RuleErr.unknown);
      this.setCategory(1 << i, op[0] === '+');
    } else if (op[0] === '+') {
      const name = op.slice(1);
      const bar = name.lastIndexOf('|');
      if (bar < 0) {
        const c = this.table.lookup(name);
        if (c === undefined) throw new RuleError(RuleErr.unknown);
        this.setPerm(c, true);
      } else {
        const c = this.table.lookup(name.slice(0, bar));
        if (c === undefined) throw new RuleError(RuleErr.unknown);
        if (c.parent) throw new RuleError(RuleErr.firstArgSub);
        const sub = name.slice(bar + 1);
        if (sub === '') throw new RuleError(RuleErr.syntax);
        if (c.subs) {
          const s = this.table.lookup(name);
          if (s === undefined) throw new RuleError(RuleErr.unknown);
          this.setPerm(s, true);
        } else {
          this.grow();
          const lsub = sub.toLowerCase();
          const list = this.firstArgs.get(c.id) ?? [];
          if (!list.some((a) => a.toLowerCase() === lsub)) list.push(lsub);
          this.firstArgs.set(c.id, list);
        }
      }
    } else if (op[0] === '-') {
      const c = this.table.lookup(op.slice(1));
      if (c === undefined) throw new RuleError(RuleErr.unknown);
      this.setPerm(c, false);
    } else throw new RuleError(RuleErr.syntax);
  }

  /** Command rules as Redis 7.0 describes them (greedy categories, then single commands). */
  describeCommands(): string {
    this.grow();
    const t = this.table;
    const fake = new Selector(t, false);
    const temp = new Selector(t, false);
    temp.allowed = this.allowed.slice();
    const additive = !this.future;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    fake.apply(additive ? '-@all' : '+@all');
    const applied = new Array<boolean>(CATEGORIES.length).fill(false);
    for (;;) {
      let best = -1;
      let mindiff = Number.MAX_SAFE_INTEGER;
      let maxsame = 0;
      for (let j = 0; j < CATEGORIES.length; j++) {
        if (applied[j]) continue;
        const [on, off] = temp.countCategory(1 << j);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best < 0) break;
      const op = (additive ? '+@' : '-@') + CATEGORIES[best];
      fake.apply(op);
      temp.apply((additive ? '-@' : '+@') + CATEGORIES[best]);
      rules.push(op);
      applied[best] = true;
    }
    const single = (c: AclCmd): void => {
      if (c.extra === true) return; // Redis 7.0 does not know it: not described
      const u = this.has(c);
      if (u !== fake.has(c)) {
        rules.push((u ? '+' : '-') + c.fullName);
        fake.setPerm(c, u);
      }
      if (c.subs) for (const s of c.subs.values()) single(s);
      const fa = this.firstArgs.get(c.id);
      if (!u && fa) for (const a of fa) rules.push(`+${c.fullName}|${a}`);
    };
    for (const c of t.top.values()) single(c);
    return rules.join(' ');
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.patterns.map((p) => (p.flags === READ ? '%R~' : p.flags === WRITE ? '%W~' : '~') + p.pattern).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  describe(): string {
    const parts: string[] = [];
    const k = this.describeKeys();
    if (k) parts.push(k);
    parts.push(this.allChannels ? '&*' : ['resetchannels', ...this.channels.map((c) => '&' + c)].join(' '));
    parts.push(this.describeCommands());
    return parts.join(' ');
  }

  get unrestricted(): boolean {
    if (!this.allKeys || !this.allChannels) return false;
    this.grow();
    for (let i = 0; i < this.allowed.length; i++) if (this.allowed[i] === 0) return false;
    return true;
  }

  /** Check one command: [result, argument index (into args, command name excluded)]. */
  check(c: AclCmd, cmd: Command, args: string[]): [number, number] {
    if (!c.noAuth && !this.has(c)) {
      const fa = this.firstArgs.get(c.id);
      // argv[1] of Redis: for a subcommand it is the subcommand name (never a first-arg).
      if (fa === undefined || c.parent !== undefined || args.length < 1) return [DENIED_CMD, 0];
      const a = args[0].toLowerCase();
      if (!fa.includes(a)) return [DENIED_CMD, 0];
    }
    if (!this.allKeys && (c.specs.length > 0 || cmd.firstKey > 0 || cmd.getKeys !== undefined)) {
      const bySpec =
        c.fullName === 'sort' || c.fullName === 'sort_ro'
          ? sortKeys(args)
          : c.specs.length > 0 && !c.specs.some((x) => x.incomplete)
            ? keysBySpecs(c, args)
            : undefined;
      if (bySpec !== undefined) {
        for (let j = 0; j < bySpec.length; j += 2) {
          const i = bySpec[j];
          if (!this.keyAllowed(args[i], bySpec[j + 1])) return [DENIED_KEY, i];
        }
        return this.checkChannels(c, args);
      }
      let idx: number[];
      try {
        idx = commandKeyIndexes(cmd, args);
      } catch {
        // Malformed key arguments (a bad numkeys...): no keys, the command answers the error, as in Redis.
        idx = [];
      }
      const off = c.parent ? 2 : 1; // position of args[0] in Redis's argv
      for (const i of idx) {
        const pos = i + off;
        let need = -1;
        let notKey = false;
        for (const s of c.specs) {
          if (s.index === 0) continue;
          const last = s.lastkey >= 0 ? s.index + s.lastkey : args.length + off + s.lastkey;
          if (pos >= s.index && pos <= last && (pos - s.index) % s.keystep === 0) {
            need = s.flags;
            notKey = s.notKey;
            break;
          }
        }
        if (notKey) continue;
        if (need < 0) need = c.anyFlags;
        if (c.fullName === 'set') need = args.some((a, j) => j >= 2 && a.toLowerCase() === 'get') ? READ | WRITE : WRITE;
        else if (c.fullName === 'bitfield') need = bitfieldWrites(args) ? READ | WRITE : READ;
        if (!this.keyAllowed(args[i], need)) return [DENIED_KEY, i];
      }
    }
    return this.checkChannels(c, args);
  }

  private checkChannels(c: AclCmd, args: string[]): [number, number] {
    if (!this.allChannels) {
      const ch = channelArgs(c.fullName, args);
      if (ch !== undefined) {
        for (const i of ch.idx) {
          if (!this.channelAllowed(args[i], ch.pattern)) return [DENIED_CHANNEL, i];
        }
      }
    }
    return [ACL_OK, 0];
  }

  keyAllowed(key: string, need: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.flags & need) !== need) continue;
      if (globMatch(p.pattern, key)) return true;
    }
    return false;
  }

  channelAllowed(ch: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (const p of this.channels) {
      if (isPattern ? p === ch : globMatch(p, ch)) return true;
    }
    return false;
  }
}

/**
 * Keys of a command from its Redis key specs (Redis's getKeysUsingKeySpecs):
 * flat [argument index, needs] pairs; not_key specs are skipped.
 */
function keysBySpecs(c: AclCmd, args: string[]): number[] {
  const off = c.parent ? 2 : 1; // argv position of args[0]
  const argc = args.length + off;
  const argv = (i: number): string => args[i - off];
  const out: number[] = [];
  for (const s of c.specs) {
    if (s.notKey || s.bs === undefined || s.fk === undefined) continue;
    let first: number;
    if ('index' in s.bs) first = s.bs.index;
    else {
      const { keyword, startfrom } = s.bs;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 0;
      const step = startfrom > 0 ? 1 : -1;
      first = -1;
      for (let i = start; i !== end + step; i += step) {
        if (i >= argc || i < 1) break;
        if (argv(i).toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) continue;
    }
    let last: number;
    let step: number;
    if ('lastkey' in s.fk) {
      const { lastkey, keystep, limit } = s.fk;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit <= 1) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
      step = keystep;
    } else {
      const { keynumidx, firstkey, keystep } = s.fk;
      const ki = first + keynumidx;
      if (ki >= argc) continue;
      const n = /^(0|-?[1-9][0-9]*)$/.test(argv(ki)) ? Number(argv(ki)) : NaN;
      if (!(n >= 0)) continue;
      first += firstkey;
      last = first + n * keystep - 1;
      step = keystep;
    }
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) break;
      out.push(i - off, s.flags);
    }
  }
  return out;
}

/** SORT's keys as Redis's sortGetKeys finds them: the key (read), the STORE destination (write). */
function sortKeys(args: string[]): number[] {
  const out = [0, READ];
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 1; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a in skip) i += skip[a];
    else if (a === 'store' && i + 1 < args.length) {
      // The last STORE wins, as in Redis.
      for (let j = 2; j < out.length; j += 2) out.splice(j, 2);
      out.push(i + 1, WRITE);
      i++;
    }
  }
  return out;
}

/** BITFIELD with a SET or INCRBY writes (Redis's bitfieldGetKeys flags). */
function bitfieldWrites(args: string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'set' || a === 'incrby') return true;
  }
  return false;
}

/** Channel arguments the ACL checks (publish / subscribe forms), as indexes into args. */
function channelArgs(fullName: string, args: string[]): { idx: number[]; pattern: boolean } | undefined {
  switch (fullName) {
    case 'publish':
    case 'spublish':
      return { idx: [0], pattern: false };
    case 'subscribe':
    case 'ssubscribe':
      return { idx: args.map((_, i) => i), pattern: false };
    case 'psubscribe':
      return { idx: args.map((_, i) => i), pattern: true };
    default:
      return undefined;
  }
}

/** Redis's stringmatchlen (case-sensitive) for ACL patterns. */
function globMatch(p: string, s: string): boolean {
  return matchAt(p, 0, s, 0, 0);
}
function matchAt(p: string, pi: number, s: string, si: number, depth: number): boolean {
  if (depth > 1000) return false;
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k, depth + 1)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      si++;
      pi++;
      continue;
    }
    if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let match = false;
      for (;;) {
        if (pi >= p.length) {
          pi--;
          break;
        }
        if (p[pi] === '\\' && pi + 2 < p.length + 1 && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) match = true;
        } else if (p[pi] === ']') break;
        else if (pi + 2 < p.length && p[pi + 1] === '-') {
          let a = p.charCodeAt(pi);
          let b = p.charCodeAt(pi + 2);
          if (a > b) [a, b] = [b, a];
          const x = s.charCodeAt(si);
          pi += 2;
          if (x >= a && x <= b) match = true;
        } else if (p[pi] === s[si]) match = true;
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      pi++;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

export function sha256hex(s: string): string {
  return createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex');
}

export class AclUser {
  enabled = false;
  nopass = false;
  /** 0 none, 1 skip-sanitize-payload, 2 sanitize-payload. */
  sanitize = 0;
  passwords: string[] = [];
  root: Selector;
  selectors: Selector[] = [];
  /** Every permission, one selector: the dispatcher skips the check. */
  unrestricted = false;

  constructor(
    readonly name: string,
    readonly table: AclCommands,
    pubsubAll: boolean,
  ) {
    this.root = new Selector(table, pubsubAll);
  }

  clone(): AclUser {
    const u = new AclUser(this.name, this.table, false);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.sanitize = this.sanitize;
    u.passwords = this.passwords.slice();
    u.root = this.root.clone();
    u.selectors = this.selectors.map((s) => s.clone());
    u.unrestricted = this.unrestricted;
    return u;
  }

  copyFrom(o: AclUser): void {
    this.enabled = o.enabled;
    this.nopass = o.nopass;
    this.sanitize = o.sanitize;
    this.passwords = o.passwords;
    this.root = o.root;
    this.selectors = o.selectors;
    this.refresh();
  }

  refresh(): void {
    this.unrestricted = this.selectors.length === 0 && this.root.unrestricted;
  }

  /** Apply one user rule (throws RuleError). */
  apply(op: string, pubsubAll: boolean): void {
    const l = op.toLowerCase();
    if (l === 'on') this.enabled = true;
    else if (l === 'off') this.enabled = false;
    else if (l === 'skip-sanitize-payload') this.sanitize = 1;
    else if (l === 'sanitize-payload') this.sanitize = 2;
    else if (l === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (l === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = sha256hex(op.slice(1));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new RuleError(RuleErr.badHash);
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = sha256hex(op.slice(1));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new RuleError(RuleErr.badHash);
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) throw new RuleError(RuleErr.noPass);
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(this.table, pubsubAll);
      for (const tok of splitArgs(op.slice(1, -1))) s.apply(tok);
      this.selectors.push(s);
    } else if (l === 'clearselectors') this.selectors = [];
    else if (l === 'reset') {
      this.apply('resetpass', pubsubAll);
      this.root.apply('resetkeys');
      this.root.apply('resetchannels');
      if (pubsubAll) this.root.apply('allchannels');
      this.enabled = false;
      this.sanitize = 2;
      this.selectors = [];
      this.root.apply('-@all');
    } else this.root.apply(op);
  }

  flags(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    if (this.sanitize === 1) f.push('skip-sanitize-payload');
    if (this.sanitize === 2) f.push('sanitize-payload');
    return f;
  }

  /** The `ACL LIST` line without the leading `user name `. */
  describe(): string {
    const parts = this.flags();
    for (const p of this.passwords) parts.push('#' + p);
    parts.push(this.root.describe());
    for (const s of this.selectors) parts.push(`(${s.describe()})`);
    return parts.join(' ');
  }

  /** Check a command against every selector: [result, argument index]. */
  check(c: AclCmd, cmd: Command, args: string[]): [number, number] {
    let [r, idx] = this.root.check(c, cmd, args);
    if (r === ACL_OK) return [r, idx];
    for (const s of this.selectors) {
      const [r2, i2] = s.check(c, cmd, args);
      if (r2 === ACL_OK) return [r2, i2];
      if (r2 > r || (r2 === r && i2 > idx)) {
        r = r2;
        idx = i2;
      }
    }
    return [r, idx];
  }

  checkPassword(pass: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    return this.passwords.includes(sha256hex(pass));
  }
}

/** Split a selector's inner text on spaces (no quoting inside selectors in practice). */
function splitArgs(s: string): string[] {
  return s.split(/[ \t\r\n]+/).filter((x) => x !== '');
}

/**
 * Merge `(...)` selector tokens spread over several arguments (SETUSER and
 * config lines). Throws ReplyError for an unmatched parenthesis.
 */
export function mergeSelectorArgs(ops: string[]): string[] {
  const out: string[] = [];
  let open: string[] | undefined;
  for (const op of ops) {
    if (open === undefined) {
      if (op[0] === '(' && op[op.length - 1] !== ')') open = [op];
      else out.push(op);
    } else {
      open.push(op);
      if (op[op.length - 1] === ')') {
        out.push(open.join(' '));
        open = undefined;
      }
    }
  }
  if (open !== undefined) throw new ReplyError(`ERR Unmatched parenthesis in acl selector starting at '${open[0]}'.`);
  return out;
}

export function genPass(bits: number): string {
  const chars = Math.ceil(bits / 4);
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

export interface AclLogEntry {
  count: number;
  reason: string;
  context: string;
  object: string;
  username: string;
  ctime: number;
  clientInfo: string;
}

export const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';
export const NOPERM_CHANNEL = 'NOPERM this user has no permissions to access one of the channels used as arguments';
export const nopermCommand = (fullName: string): string => `NOPERM this user has no permissions to run the '${fullName}' command`;

/** The ACL state of a server: users, the log, the checks. */
export class Acl {
  readonly users = new Map<string, AclUser>();
  readonly log: AclLogEntry[] = [];
  /** acl-pubsub-default: true for allchannels. */
  pubsubAll = false;
  private tableCache: AclCommands | undefined;
  /** Stats for INFO (acl_access_denied_*). */
  readonly denied = { auth: 0, cmd: 0, key: 0, channel: 0 };
  /** Called after a user changed or was deleted (close its connections...). */
  onUserChanged: ((u: AclUser, deleted: boolean, by: Context | undefined) => void) | undefined;
  logMaxLen = 128;

  constructor(
    private readonly registryCommands: () => Iterable<Command>,
    private readonly now: () => number,
    private readonly clientInfo: (ctx: Context) => string,
  ) {
    const d = this.createUser('default');
    d.apply('+@all', true);
    d.apply('~*', true);
    d.apply('&*', true);
    d.apply('on', true);
    d.apply('nopass', true);
    d.refresh();
  }

  get table(): AclCommands {
    return (this.tableCache ??= new AclCommands(this.registryCommands()));
  }

  /** Take in commands registered since the table was built (7.2+ and custom commands). */
  sync(): void {
    const t = this.table;
    for (const c of this.registryCommands()) if (!t.byName.has(c.fullName) || c.subcommands) t.addRegistered(c);
  }

  get defaultUser(): AclUser {
    return this.users.get('default') as AclUser;
  }

  /** A user not in the table (to validate rules on). */
  createScratch(name: string): AclUser {
    return new AclUser(name, this.table, this.pubsubAll);
  }

  createUser(name: string): AclUser {
    const u = new AclUser(name, this.table, this.pubsubAll);
    this.users.set(name, u);
    return u;
  }

  /**
   * SETUSER: apply rules atomically (a refused rule changes nothing). Throws
   * ReplyError with Redis's text.
   */
  setUser(name: string, ops: string[], by?: Context): AclUser {
    const merged = mergeSelectorArgs(ops);
    this.sync();
    const existing = this.users.get(name);
    const u = existing ? existing.clone() : new AclUser(name, this.table, this.pubsubAll);
    for (const op of merged) {
      try {
        u.apply(op, this.pubsubAll);
      } catch (e) {
        if (e instanceof RuleError) throw new ReplyError(`ERR Error in ACL SETUSER modifier '${op}': ${e.message}`);
        throw e;
      }
    }
    u.refresh();
    if (existing) {
      existing.copyFrom(u);
      this.onUserChanged?.(existing, false, by);
      return existing;
    }
    this.users.set(name, u);
    return u;
  }

  deleteUser(name: string, by?: Context): boolean {
    const u = this.users.get(name);
    if (u === undefined) return false;
    this.users.delete(name);
    this.onUserChanged?.(u, true, by);
    return true;
  }

  /** Look a command up in the ACL table (registering server commands Redis lacks). */
  aclCmd(cmd: Command): AclCmd {
    const t = this.table;
    return t.byName.get(cmd.fullName) ?? t.addRegistered(cmd.parent ?? cmd) ?? (t.byName.get(cmd.fullName) as AclCmd);
  }

  /** Check a command for a user; [result, argument index]. */
  checkUser(u: AclUser, cmd: Command, args: string[]): [number, number] {
    if (u.unrestricted) return [ACL_OK, 0];
    const c = this.table.byName.get(cmd.fullName) ?? this.aclCmd(cmd);
    return u.check(c, cmd, args);
  }

  errorFor(result: number, cmd: Command): ReplyError {
    if (result === DENIED_CMD) return new ReplyError(nopermCommand(cmd.fullName));
    if (result === DENIED_KEY) return new ReplyError(NOPERM_KEY);
    return new ReplyError(NOPERM_CHANNEL);
  }

  /** Add (or merge into) an ACL LOG entry. */
  addLog(ctx: Context | undefined, reason: number, context: string, object: string, username: string): void {
    const reasonName = reason === DENIED_CMD ? 'command' : reason === DENIED_KEY ? 'key' : reason === DENIED_CHANNEL ? 'channel' : 'auth';
    if (reason === DENIED_CMD) this.denied.cmd++;
    else if (reason === DENIED_KEY) this.denied.key++;
    else if (reason === DENIED_CHANNEL) this.denied.channel++;
    else this.denied.auth++;
    const now = this.now();
    const info = ctx === undefined ? '' : this.clientInfo(ctx);
    const scan = Math.min(10, this.log.length);
    for (let i = 0; i < scan; i++) {
      const e = this.log[i];
      if (e.reason === reasonName && e.context === context && e.object === object && e.username === username && now - e.ctime <= 60000) {
        this.log.splice(i, 1);
        this.log.unshift(e);
        e.count++;
        e.ctime = now;
        e.clientInfo = info;
        return;
      }
    }
    this.log.unshift({ count: 1, reason: reasonName, context, object, username, ctime: now, clientInfo: info });
    while (this.log.length > this.logMaxLen) this.log.pop();
  }
}

/**
 * The ACL check for callers running commands through `Dispatcher.run`
 * (scripts, EXEC): the NOPERM error the command would get, or undefined.
 * Logs a denial in ACL LOG with context `lua` (ctx.inScript), `multi`
 * (ctx.inMulti) or `toplevel`.
 */
export function aclCheckCommand(ctx: Context, cmd: Command, args: string[]): ReplyError | undefined {
  const u = ctx.aclUser;
  if (u === undefined || u.unrestricted) return undefined;
  const acl = ctx.server.acl;
  const [r, idx] = acl.checkUser(u, cmd, args);
  if (r === ACL_OK) return undefined;
  // Redis refuses DEBUG (enable-debug-command) before its ACL check: the handler answers.
  if (cmd.fullName === 'debug' && !debugAllowed(ctx)) return undefined;
  const context = ctx.inScript ? 'lua' : ctx.inMulti ? 'multi' : 'toplevel';
  acl.addLog(ctx, r, context, r === DENIED_CMD ? cmd.fullName : args[idx], u.name);
  return acl.errorFor(r, cmd);
}

/** scriptVerifyACL's texts: what redis.call raises when the script's user may not run a command. */
const SCRIPT_REASONS: Record<number, string> = {
  [DENIED_CMD]: "ERR The user executing the script can't run this command or subcommand",
  [DENIED_KEY]: "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
  [DENIED_CHANNEL]: "ERR The user executing the script can't publish to the channel mentioned in the command",
};

/**
 * A command run by a script (redis.call / redis.pcall): the same permission
 * check as for the client, logged with context `lua`, answered with the text
 * Redis 7.0's scriptVerifyACL gives; undefined when allowed.
 */
export function aclScriptCheck(ctx: Context, cmd: Command, args: string[]): string | undefined {
  const u = ctx.aclUser;
  if (u === undefined || u.unrestricted) return undefined;
  const acl = ctx.server.acl;
  const [r, idx] = acl.checkUser(u, cmd, args);
  if (r === ACL_OK) return undefined;
  acl.addLog(ctx, r, 'lua', r === DENIED_CMD ? cmd.fullName : args[idx], u.name);
  return SCRIPT_REASONS[r] ?? 'ERR The user executing the script is lacking the permissions for the command';
}

const EXEC_REASONS: Record<number, string> = {
  [DENIED_CMD]: 'no permission to execute the command or subcommand',
  [DENIED_KEY]: 'no permission to touch the specified keys',
  [DENIED_CHANNEL]: 'no permission to access one of the channels used as arguments',
};

/**
 * EXEC checks each queued command again (rules may have changed since it was
 * queued): the error that command answers, logged with context `multi`.
 */
export function aclExecCheck(ctx: Context, cmd: Command, args: string[]): ReplyError | undefined {
  const u = ctx.aclUser;
  if (u === undefined || u.unrestricted) return undefined;
  const acl = ctx.server.acl;
  const [r, idx] = acl.checkUser(u, cmd, args);
  if (r === ACL_OK) return undefined;
  acl.addLog(ctx, r, 'multi', r === DENIED_CMD ? cmd.fullName : args[idx], u.name);
  return new ReplyError(
    `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${EXEC_REASONS[r] ?? 'no permission'}`,
  );
}

function debugAllowed(ctx: Context): boolean {
  const mode = ctx.server.config.get('enable-debug-command') ?? 'no';
  if (mode === 'yes') return true;
  if (mode !== 'local') return false;
  const a = ctx.remoteAddress;
  return ctx.conn === undefined || a.startsWith('127.') || a.startsWith('::1') || a.startsWith('[::1]') || a.startsWith(':');
}
