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
  const info = findInfo(fullName);
  if (!info) return def;
  const docs = findDocs(fullName);
  return {
    arity: info[1],
    flags: info[2]['~'].map((f) => f['+']) as CommandDefinition['flags'],
    firstKey: info[3],
    lastKey: info[4],
    keyStep: info[5],
    aclCategories: info[6]['~'].map((f) => f['+']),
    group: docField(docs, 'group'),
    summary: docField(docs, 'summary'),
    since: docField(docs, 'since'),
    complexity: docField(docs, 'complexity'),
    ...def,
  };
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
