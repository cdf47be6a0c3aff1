/**
 * Redis's own command metadata (COMMAND INFO / COMMAND DOCS of Redis 7.0.15,
 * dumped by scripts/dump-redis-meta.mjs). Built-in commands take arity, flags,
 * key positions, ACL categories and docs from here, so COMMAND replies match
 * a real redis-server byte for byte.
 */
import { ReplyError } from '../errors.js';
import { DoubleReply, MapReply, NULL_ARRAY, PushReply, SetReply, SimpleString, type Reply } from '../resp/reply.js';
import type { Command, CommandDefinition } from '../server/registry.js';
import infoJson from './meta/command-info.json';
import docsJson from './meta/command-docs.json';

/** The JSON form of a reply tree (see scripts/resp-client.mjs). */
export type Tagged =
  | string
  | number
  | boolean
  | null
  | Tagged[]
  | { '+': string }
  | { '-': string }
  | { '%': Tagged[] }
  | { '~': Tagged[] }
  | { ',': string }
  | { '*': null }
  | { '>': Tagged[] };

export function taggedToReply(t: Tagged): Reply {
  if (t === null || typeof t !== 'object') return t as Reply;
  if (Array.isArray(t)) return t.map(taggedToReply);
  if ('+' in t) return new SimpleString(t['+']);
  if ('-' in t) return new ReplyError(t['-']);
  if ('%' in t) return new MapReply(t['%'].map(taggedToReply));
  if ('~' in t) return new SetReply(t['~'].map(taggedToReply));
  if (',' in t) return new DoubleReply(Number(t[',']));
  if ('>' in t) return new PushReply(t['>'].map(taggedToReply));
  if ('*' in t) return NULL_ARRAY;
  throw new TypeError('bad tagged reply');
}

type InfoEntry = [string, number, { '~': Array<{ '+': string }> }, number, number, number, { '~': Array<{ '+': string }> }, ...Tagged[]];

const INFO = (infoJson as unknown as { commands: Record<string, InfoEntry> }).commands;
const DOCS = (docsJson as unknown as { docs: Record<string, { '%': Tagged[] }> }).docs;

function findInfo(fullName: string): InfoEntry | undefined {
  const [parent, sub] = fullName.split('|');
  const top = INFO[parent];
  if (!top || sub === undefined) return top;
  const subs = top[9] as unknown as InfoEntry[] | undefined;
  return subs?.find((e) => e[0] === fullName);
}

function findDocs(fullName: string): Tagged[] | undefined {
  const [parent, sub] = fullName.split('|');
  const top = DOCS[parent];
  if (!top || sub === undefined) return top?.['%'];
  const flat = top['%'];
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === 'subcommands') {
      const m = (flat[i + 1] as { '%': Tagged[] })['%'];
      for (let j = 0; j < m.length; j += 2) if (m[j] === fullName) return (m[j + 1] as { '%': Tagged[] })['%'];
    }
  }
  return undefined;
}

function docField(flat: Tagged[] | undefined, name: string): string | undefined {
  if (!flat) return undefined;
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return flat[i + 1] as string;
  return undefined;
}

/** True when Redis 7.0 has this command (`get`, `client|setname`). */
export function isRedisCommand(fullName: string): boolean {
  return findInfo(fullName) !== undefined;
}

/**
 * Spec fields of a Redis command from its metadata. `def` supplies the
 * handler and anything the metadata does not have (commands newer than 7.0).
 */
export function redisSpec(fullName: string, def: Omit<CommandDefinition, 'subcommands'>): CommandDefinition {
  const m = specMeta(fullName);
  if (!m) return def;
  // A literal of a fixed shape (spreading the cached object gave each result its own hidden class).
  return {
    arity: m.arity,
    flags: m.flags,
    firstKey: m.firstKey,
    lastKey: m.lastKey,
    keyStep: m.keyStep,
    aclCategories: m.aclCategories,
    group: m.group,
    summary: m.summary,
    since: m.since,
    complexity: m.complexity,
    ...def,
  };
}

type SpecMeta = Required<Pick<CommandDefinition, 'arity' | 'flags' | 'firstKey' | 'lastKey' | 'keyStep' | 'aclCategories'>> &
  Pick<CommandDefinition, 'group' | 'summary' | 'since' | 'complexity'>;

/**
 * Metadata of each command resolved once per process (every server installs
 * the same ~250 built-ins: looking them up again made start-up slow). The
 * arrays are shared between servers and must not be changed.
 */
const metaCache = new Map<string, SpecMeta | null>();

function specMeta(fullName: string): SpecMeta | null {
  let meta = metaCache.get(fullName);
  if (meta !== undefined) return meta;
  const info = findInfo(fullName);
  if (!info) meta = null;
  else {
    const docs = findDocs(fullName);
    meta = {
      arity: info[1],
      flags: Object.freeze(info[2]['~'].map((f) => f['+'])) as unknown as NonNullable<CommandDefinition['flags']>,
      firstKey: info[3],
      lastKey: info[4],
      keyStep: info[5],
      aclCategories: Object.freeze(info[6]['~'].map((f) => f['+'])) as unknown as string[],
      group: docField(docs, 'group'),
      summary: docField(docs, 'summary'),
      since: docField(docs, 'since'),
      complexity: docField(docs, 'complexity'),
    };
  }
  metaCache.set(fullName, meta);
  return meta;
}

/** COMMAND INFO entry for a command (Redis's own for built-ins). */
export function commandInfoReply(cmd: Command): Reply {
  if (cmd.builtin) {
    const info = findInfo(cmd.fullName);
    if (info) {
      const r = taggedToReply(info as unknown as Tagged) as Reply[];
      if (cmd.subcommands) r[9] = [...cmd.subcommands.values()].map(commandInfoReply);
      return r;
    }
  }
  const keySpecs: Reply[] = [];
  if (cmd.firstKey > 0) {
    keySpecs.push(
      new MapReply([
        'flags',
        new SetReply([]),
        'begin_search',
        new MapReply(['type', 'index', 'spec', new MapReply(['index', cmd.firstKey])]),
        'find_keys',
        new MapReply(['type', 'range', 'spec', new MapReply(['lastkey', cmd.lastKey < 0 ? cmd.lastKey : cmd.lastKey - cmd.firstKey, 'keystep', cmd.keyStep, 'limit', 0])]),
      ]),
    );
  }
  return [
    cmd.fullName,
    cmd.arity,
    new SetReply(cmd.flags.map((f) => new SimpleString(f))),
    cmd.firstKey,
    cmd.lastKey,
    cmd.keyStep,
    new SetReply(cmd.aclCategories.map((c) => new SimpleString(c.startsWith('@') ? c : `@${c}`))),
    new SetReply([]),
    new SetReply(keySpecs),
    cmd.subcommands ? [...cmd.subcommands.values()].map(commandInfoReply) : new SetReply([]),
  ];
}

/** COMMAND DOCS entry for a command. */
export function commandDocsReply(cmd: Command): MapReply {
  if (cmd.builtin) {
    const flat = findDocs(cmd.fullName);
    if (flat) {
      const r = flat.map(taggedToReply);
      const si = flat.indexOf('subcommands');
      if (cmd.subcommands) {
        const subs: Reply[] = [];
        for (const s of cmd.subcommands.values()) subs.push(s.fullName, commandDocsReply(s));
        if (si >= 0) r[si + 1] = new MapReply(subs);
        else r.push('subcommands', new MapReply(subs));
      }
      return new MapReply(r);
    }
  }
  const flat: Reply[] = ['summary', cmd.summary ?? '', 'since', cmd.since ?? '0.0.0', 'group', cmd.builtin ? cmd.group : 'module'];
  if (cmd.complexity) flat.push('complexity', cmd.complexity);
  if (!cmd.builtin) flat.push('module', 'redkit');
  if (cmd.subcommands) {
    const subs: Reply[] = [];
    for (const s of cmd.subcommands.values()) subs.push(s.fullName, commandDocsReply(s));
    flat.push('subcommands', new MapReply(subs));
  }
  return new MapReply(flat);
}

// ---- key specs --------------------------------------------------------------------------

export interface KeySpec {
  flags: readonly string[];
  bs: { type: 'index'; index: number } | { type: 'keyword'; keyword: string; startfrom: number } | { type: 'unknown' };
  fk: { type: 'range'; lastkey: number; keystep: number; limit: number } | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number } | { type: 'unknown' };
}

/** A tagged RESP3 map as a plain object. */
function mapOf(t: Tagged): Record<string, Tagged> {
  const flat = (t as { '%': Tagged[] })['%'] ?? [];
  const o: Record<string, Tagged> = {};
  for (let i = 0; i < flat.length; i += 2) o[flat[i] as string] = flat[i + 1];
  return o;
}

const specCache = new Map<string, KeySpec[] | undefined>();

/** The key specs Redis 7.0 declares for a command (`get`, `object|encoding`), or undefined if Redis does not have it. */
export function redisKeySpecs(fullName: string): KeySpec[] | undefined {
  if (specCache.has(fullName)) return specCache.get(fullName);
  const info = findInfo(fullName);
  let out: KeySpec[] | undefined;
  if (info) {
    const raw = info[8] as unknown as Tagged[] | { '~': Tagged[] } | undefined;
    out = (Array.isArray(raw) ? raw : (raw?.['~'] ?? [])).map((t) => {
      const m = mapOf(t);
      const flags = ((m.flags as { '~': Array<{ '+': string }> })['~'] ?? []).map((f) => f['+']);
      const bsm = mapOf(m.begin_search);
      const bss = mapOf(bsm.spec);
      const fkm = mapOf(m.find_keys);
      const fks = mapOf(fkm.spec);
      const bs: KeySpec['bs'] =
        bsm.type === 'index' ? { type: 'index', index: bss.index as number } : bsm.type === 'keyword' ? { type: 'keyword', keyword: bss.keyword as string, startfrom: bss.startfrom as number } : { type: 'unknown' };
      const fk: KeySpec['fk'] =
        fkm.type === 'range'
          ? { type: 'range', lastkey: fks.lastkey as number, keystep: fks.keystep as number, limit: fks.limit as number }
          : fkm.type === 'keynum'
            ? { type: 'keynum', keynumidx: fks.keynumidx as number, firstkey: fks.firstkey as number, keystep: fks.keystep as number }
            : { type: 'unknown' };
      return { flags, bs, fk };
    });
  }
  specCache.set(fullName, out);
  return out;
}

/**
 * C's atoi as glibc has it, which is what getKeysUsingKeySpecs reads numkeys
 * with: `(int) strtol(s, NULL, 10)` — leading blanks and a sign allowed,
 * trailing junk ignored, saturating at the 64-bit range, then the low 32 bits.
 * So '01', '+1', ' 1' and '1x' are 1, and 9007199254740993 is 1 too.
 */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[1]);
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  else if (v < -9223372036854775808n) v = -9223372036854775808n;
  return Number(BigInt.asIntN(32, v));
}

/**
 * Key positions (into argv, argv[0] = command name) and flags from key
 * specs, as Redis's getKeysUsingKeySpecs. Returns null when a spec cannot be
 * followed (unknown search, bad numkeys, out of bounds): Redis then falls
 * back to the command's own key extraction.
 */
export function keysFromSpecs(specs: KeySpec[], argv: string[], arity: number): Array<{ pos: number; flags: readonly string[] }> | null {
  const argc = argv.length;
  const keys: Array<{ pos: number; flags: readonly string[] }> = [];
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    if (spec.bs.type === 'index') first = spec.bs.index;
    else if (spec.bs.type === 'keyword') {
      const { keyword, startfrom } = spec.bs;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else return null;
    let last: number;
    let step: number;
    if (spec.fk.type === 'range') {
      const { lastkey, keystep, limit } = spec.fk;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
      step = keystep;
    } else if (spec.fk.type === 'keynum') {
      const idx = first + spec.fk.keynumidx;
      if (idx >= argc) return null;
      const n = atoi(argv[idx]);
      if (n < 0) return null;
      first += spec.fk.firstkey;
      last = first + n - 1;
      step = spec.fk.keystep;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) {
        if (arity < 0) continue;
        return null;
      }
      keys.push({ pos: i, flags: spec.flags });
    }
  }
  return keys;
}

/**
 * Keys (positions and flags) as the command's own getkeys function finds
 * them, for the commands whose specs Redis does not follow (variable flags,
 * unknown positions): setGetKeys, bitfieldGetKeys, sortGetKeys, sortROGetKeys.
 */
export function nativeKeys(fullName: string, argv: string[]): Array<{ pos: number; flags: readonly string[] }> | undefined {
  switch (fullName) {
    case 'set':
      return [{ pos: 1, flags: argv.slice(3).some((a) => a.toLowerCase() === 'get') ? ['RW', 'access', 'update'] : ['OW', 'update'] }];
    case 'bitfield': {
      let readonly = true;
      for (let i = 2; i < argv.length; i++) {
        const rem = argv.length - i - 1;
        const a = argv[i].toLowerCase();
        if (a === 'get' && rem >= 2) i += 2;
        else if (a === 'overflow' && rem >= 1) i += 1;
        else {
          readonly = false;
          break;
        }
      }
      return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
    }
    case 'sort': {
      const keys: Array<{ pos: number; flags: readonly string[] }> = [{ pos: 1, flags: ['RO', 'access'] }];
      let store = 0;
      const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i].toLowerCase();
        if (a in skip) i += skip[a];
        else if (a === 'store' && i + 1 < argv.length) store = i + 1; // the last STORE wins, as SORT does
      }
      if (store) keys.push({ pos: store, flags: ['OW', 'update'] });
      return keys;
    }
    case 'sort_ro':
      return [{ pos: 1, flags: ['RO', 'access'] }];
  }
  return undefined;
}
