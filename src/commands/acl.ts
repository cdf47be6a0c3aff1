/**
 * ACL: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG,
 * DRYRUN, LOAD, SAVE, HELP (Redis 7.0.15). The users, rules and checks live
 * in server/acl.ts.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { DoubleReply, MapReply, OK, SetReply, type Reply } from '../resp/reply.js';
import {
  ACL_OK,
  CATEGORIES,
  DENIED_CHANNEL,
  DENIED_CMD,
  DENIED_KEY,
  genPass,
  mergeSelectorArgs,
  type AclUser,
  type Selector,
} from '../server/acl.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { clientInfoLine } from './client.js';
import { helpReply } from './server.js';
import { defineCommands } from './util.js';
import type { Connection } from '../server/connection.js';

const ACL_HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

/** Too many arguments for a subcommand whose arity is open-ended (Redis checks them in the handler). */
const wrongArgs = (ctx: Context): ReplyError => new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${ctx.sentArgs[0]}'. Try ACL HELP.`);

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

/** Byte order, as Redis's rax lists users. */
function sortedNames(server: RedKitServer): string[] {
  return [...server.acl.users.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function selectorMap(s: Selector, root: boolean, u?: AclUser): Reply[] {
  const out: Reply[] = [];
  if (root && u) {
    out.push('flags', new SetReply(u.flags()), 'passwords', u.passwords.slice());
  }
  out.push('commands', s.describeCommands(), 'keys', s.describeKeys(), 'channels', s.describeChannels());
  return out;
}

function getUser(ctx: Context, args: string[]): Reply {
  const u = ctx.server.acl.users.get(args[0]);
  if (u === undefined) return null;
  const flat = selectorMap(u.root, true, u);
  flat.push('selectors', u.selectors.map((s) => new MapReply(selectorMap(s, false))));
  return new MapReply(flat);
}

function dryrun(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  const u = server.acl.users.get(args[0]);
  if (u === undefined) throw new ReplyError(`ERR User '${args[0]}' not found`);
  const r = server.dispatcher.resolve(args[1], args.slice(2));
  if (r instanceof ReplyError) {
    if (r.message.startsWith('ERR wrong number')) throw r;
    throw new ReplyError(`ERR Command '${args[1]}' not found`);
  }
  const [res, idx] = server.acl.checkUser(u, r.cmd, r.args);
  if (res === ACL_OK) return OK;
  if (res === DENIED_CMD) return `This user has no permissions to run the '${r.cmd.fullName}' command`;
  if (res === DENIED_KEY) return `This user has no permissions to access the '${r.args[idx]}' key`;
  if (res === DENIED_CHANNEL) return `This user has no permissions to access the '${r.args[idx]}' channel`;
  return OK;
}

function log(ctx: Context, args: string[]): Reply {
  const acl = ctx.server.acl;
  let count = 10;
  if (args.length > 1) throw wrongArgs(ctx);
  if (args.length === 1) {
    if (args[0].toLowerCase() === 'reset') {
      acl.log.length = 0;
      return OK;
    }
    const n = parseIntStrict(args[0]);
    if (n === null) throw new ReplyError(Err.notInteger);
    count = Number(n);
  }
  const now = ctx.clock.now();
  const out: Reply[] = [];
  for (let i = 0; i < acl.log.length && i < count; i++) {
    const e = acl.log[i];
    out.push(
      new MapReply([
        'count',
        e.count,
        'reason',
        e.reason,
        'context',
        e.context,
        'object',
        e.object,
        'username',
        e.username,
        'age-seconds',
        new DoubleReply((now - e.ctime) / 1000),
        'client-info',
        e.clientInfo,
      ]),
    );
  }
  return out;
}

function cat(ctx: Context, args: string[]): Reply {
  if (args.length > 1) throw wrongArgs(ctx);
  if (args.length === 0) return CATEGORIES.slice();
  const i = CATEGORIES.indexOf(args[0].toLowerCase() as (typeof CATEGORIES)[number]);
  if (i < 0) throw new ReplyError(`ERR Unknown category '${args[0]}'`);
  const bit = 1 << i;
  const out: string[] = [];
  const table = ctx.server.acl.table;
  for (const c of table.top.values()) {
    // Commands Redis 7.0 does not have (7.2+) are left out, as 7.0 lists them.
    if (c.extra === true) continue;
    if (c.cats & bit) out.push(c.fullName);
    if (c.subs) for (const s of c.subs.values()) if (s.cats & bit && s.extra !== true) out.push(s.fullName);
  }
  return out;
}

function genpass(ctx: Context, args: string[]): Reply {
  let bits = 256;
  if (args.length > 1) throw wrongArgs(ctx);
  if (args.length === 1) {
    const n = parseIntStrict(args[0]);
    if (n === null) throw new ReplyError(Err.notInteger);
    bits = Number(n);
    if (bits <= 0 || bits > 4096) throw new ReplyError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  }
  return genPass(bits);
}

/** The `ACL LIST` lines. */
export function aclListLines(server: RedKitServer): string[] {
  return sortedNames(server).map((n) => `user ${n} ${(server.acl.users.get(n) as AclUser).describe()}`);
}

/**
 * Users from an ACL file's text (`user <name> <rules...>` lines), as Redis
 * 7.0's ACLLoadFromFile: all or nothing (throws ReplyError with Redis's
 * text, users unchanged); every user is built from scratch; connections of
 * the previous users (but the default user) are closed.
 */
export function loadAclText(server: RedKitServer, text: string, file: string): void {
  const WARN = 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
  const acl = server.acl;
  const lines = text.split('\n');
  const built = new Map<string, AclUser>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line[0] === '#') continue;
    const toks = line.split(/[ \t]+/);
    if (toks[0] !== 'user' || toks.length < 2) throw new ReplyError(`ERR ${file}:${i + 1} should start with user keyword followed by the username. ${WARN}`);
    const name = toks[1];
    if (built.has(name)) throw new ReplyError(`ERR WARNING: Duplicate user '${name}' found on line ${i + 1}. ${WARN}`);
    const u = acl.createScratch(name);
    let rules: string[];
    try {
      rules = mergeSelectorArgs(toks.slice(2));
    } catch (e) {
      throw new ReplyError(`ERR ${file}:${i + 1}: ${(e as Error).message.replace(/^ERR /, '')} ${WARN}`);
    }
    for (const r of rules) {
      try {
        u.apply(r, acl.pubsubAll);
      } catch (e) {
        throw new ReplyError(`ERR ${file}:${i + 1}: Error in applying operation '${r}': ${(e as Error).message}. ${WARN}`);
      }
    }
    u.refresh();
    built.set(name, u);
  }
  for (const name of [...acl.users.keys()]) if (name !== 'default') acl.deleteUser(name);
  const def = built.get('default');
  if (def !== undefined) {
    acl.defaultUser.copyFrom(def);
    built.delete('default');
  } else {
    const d = acl.createScratch('default');
    for (const r of ['on', 'nopass', '~*', '&*', '+@all']) d.apply(r, acl.pubsubAll);
    acl.defaultUser.copyFrom(d);
  }
  for (const [name, u] of built) acl.users.set(name, u);
}

/** ACL LOAD, and the aclfile at start: throws ReplyError (users unchanged) when the file cannot be used. */
function loadAclFile(server: RedKitServer): void {
  const file = server.config.get('aclfile') ?? '';
  if (file === '') throw new ReplyError(NO_ACLFILE);
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new ReplyError(`ERR Error loading ACLs, opening file '${file}': ${(e as Error).message}`);
  }
  loadAclText(server, text, file);
}

export function installAcl(server: RedKitServer): void {
  server.ext.loadAclFile = () => loadAclFile(server);
  // New users (and `reset`) start with these channel permissions.
  server.config.define('acl-pubsub-default', (v) => {
    server.acl.pubsubAll = v === 'allchannels';
  });
  server.config.define('acllog-max-len', (v) => {
    // As in Redis, a smaller limit trims the log when the next entry is added.
    server.acl.logMaxLen = Number(v);
  });
  server.ext.clientInfoLine = (c: Context) => (c.conn ? clientInfoLine(c.conn as Connection, server.clock.now()) : `id=${c.id}`);
  server.ext.pubsubLostAccess = (c: Connection, u: AclUser): boolean => {
    const subs = c.ext.subscriptions as { channels?: Map<string, unknown> | Set<string>; patternSet?: Map<string, unknown> | Set<string> } | undefined;
    if (subs === undefined) return false;
    const names = (m: unknown): string[] => (m instanceof Map || m instanceof Set ? [...(m as Map<string, unknown>).keys()] : []);
    const all = [u.root, ...u.selectors];
    for (const ch of names(subs.channels)) if (!all.some((s) => s.channelAllowed(ch, false))) return true;
    for (const p of names(subs.patternSet)) if (!all.some((s) => s.channelAllowed(p, true))) return true;
    return false;
  };
  defineCommands(server, {
    acl: {
      handler: () => null,
      subcommands: {
        setuser: (ctx, args) => {
          ctx.server.acl.setUser(args[0], args.slice(1), ctx);
          return OK;
        },
        getuser: getUser,
        deluser: (ctx, args) => {
          let n = 0;
          for (const name of args) {
            if (name === 'default') throw new ReplyError("ERR The 'default' user cannot be removed");
          }
          for (const name of args) if (ctx.server.acl.deleteUser(name, ctx)) n++;
          return n;
        },
        list: (ctx) => aclListLines(ctx.server),
        users: (ctx) => sortedNames(ctx.server),
        whoami: (ctx) => (ctx.aclUser === undefined ? null : ctx.user),
        cat,
        genpass,
        log,
        dryrun,
        load: (ctx) => {
          loadAclFile(ctx.server);
          return OK;
        },
        save: (ctx) => {
          const file = ctx.server.config.get('aclfile') ?? '';
          if (file === '') throw new ReplyError(NO_ACLFILE);
          try {
            writeFileSync(file + '.tmp', aclListLines(ctx.server).join('\n') + '\n', 'latin1');
            renameSync(file + '.tmp', file);
          } catch {
            throw new ReplyError('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
          }
          return OK;
        },
        help: () => helpReply('ACL', ACL_HELP),
      },
    },
  });
}
