/**
 * Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET.
 * (CLIENT lives in client.ts.)
 */
import { Err, ReplyError } from '../errors.js';
import { parseIntStrict } from '../resp/format.js';
import { MapReply, OK, PONG, SimpleString, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { Command } from '../server/registry.js';
import type { RedKitServer } from '../server/server.js';
import { dbIndexArg, defineCommands } from './util.js';
import { DENIED_AUTH } from '../server/acl.js';

/** Hooks run by RESET (and by HELLO/AUTH where relevant) so command groups can clear their state. */
export function onConnectionReset(server: RedKitServer, fn: (ctx: Context) => void): void {
  const hooks = (server.ext.resetHooks ??= []) as Array<(ctx: Context) => void>;
  hooks.push(fn);
}

/** Client names: no spaces, newlines or special characters (ASCII 33..126 only). */
export function validateClientName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) throw new ReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
  }
}

export function setAuthenticated(ctx: Context, user: string): void {
  ctx.user = user;
  ctx.authenticated = true;
  ctx.aclUser = ctx.server.acl.users.get(user);
  if (ctx.conn) ctx.conn.parser.unauthenticated = false;
}

function ping(ctx: Context, args: string[]): Reply {
  if (args.length > 1) throw new ReplyError(Err.arity('ping'));
  // In RESP2 pub/sub mode PING answers ["pong", message].
  if (ctx.protocol === 2 && ctx.conn?.isSubscriber()) return ['pong', args.length ? args[0] : ''];
  return args.length === 0 ? PONG : args[0];
}

function hello(ctx: Context, args: string[]): Reply {
  const server = ctx.server;
  let ver = 0;
  let i = 0;
  if (args.length >= 1) {
    const v = parseIntStrict(args[0]);
    if (v === null) throw new ReplyError(Err.protoNotInt);
    if (v < 2 || v > 3) throw new ReplyError(Err.noProto);
    ver = Number(v);
    i = 1;
  }
  let user: string | undefined;
  let pass: string | undefined;
  let clientName: string | undefined;
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const opt = args[i].toUpperCase();
    if (opt === 'AUTH' && more >= 2) {
      user = args[i + 1];
      pass = args[i + 2];
      i += 2;
    } else if (opt === 'SETNAME' && more >= 1) {
      clientName = args[i + 1];
      i++;
    } else throw new ReplyError(`ERR Syntax error in HELLO option '${args[i]}'`);
  }
  if (user !== undefined && pass !== undefined) {
    if (!server.checkPassword(user, pass)) throw authFailed(ctx, user);
    setAuthenticated(ctx, user);
  }
  if (!ctx.authenticated) throw new ReplyError(Err.helloNoAuth);
  if (clientName !== undefined) {
    validateClientName(clientName);
    ctx.name = clientName;
  }
  if (ver) ctx.protocol = ver as 2 | 3;
  // Sentinel mode (src/sentinel/) says so and has no role; a replica (src/replication/) says replica.
  const mode = (server.ext.helloMode as string | undefined) ?? 'standalone';
  const fields: Reply[] = ['server', 'redis', 'version', server.redisVersion, 'proto', ctx.protocol, 'id', ctx.id, 'mode', mode];
  if (mode !== 'sentinel') fields.push('role', (server.ext.helloRole as (() => string) | undefined)?.() ?? 'master');
  fields.push('modules', []);
  return new MapReply(fields);
}

/** A failed AUTH / HELLO AUTH: logged in ACL LOG (reason auth, object the command), WRONGPASS. */
function authFailed(ctx: Context, user: string): ReplyError {
  ctx.server.acl.addLog(ctx, DENIED_AUTH, ctx.inMulti ? 'multi' : 'toplevel', ctx.sentName, user);
  return new ReplyError(Err.wrongPass);
}

function auth(ctx: Context, args: string[]): Reply {
  if (args.length > 2) throw new ReplyError(Err.syntax);
  const server = ctx.server;
  let user = 'default';
  let pass: string;
  if (args.length === 1) {
    if (!server.requiresAuth()) throw new ReplyError(Err.authNoPassword);
    pass = args[0];
  } else {
    user = args[0];
    pass = args[1];
  }
  if (!server.checkPassword(user, pass)) throw authFailed(ctx, user);
  setAuthenticated(ctx, user);
  return OK;
}

function select(ctx: Context, args: string[]): Reply {
  const v = dbIndexArg(ctx, args[0]);
  ctx.db = ctx.store.dbs[v];
  ctx.dbIndex = v;
  return OK;
}

const RESET = new SimpleString('RESET');

function reset(ctx: Context): Reply {
  const server = ctx.server;
  for (const h of (server.ext.resetHooks ?? []) as Array<(c: Context) => void>) h(ctx);
  ctx.protocol = 2;
  ctx.db = ctx.store.dbs[0];
  ctx.dbIndex = 0;
  ctx.name = '';
  if (ctx.conn) {
    ctx.conn.replyMode = 'on';
    // Redis 7.0 keeps CLIENT NO-EVICT across RESET (checked against redis-server 7.0.15);
    // RESET turns NO-TOUCH off (Redis 7.2 documentation).
    ctx.conn.noTouch = false;
  }
  // De-authenticate unless the default user needs no password.
  ctx.user = 'default';
  ctx.aclUser = server.acl.defaultUser;
  ctx.authenticated = !server.requiresAuth();
  if (ctx.conn) ctx.conn.parser.unauthenticated = !ctx.authenticated;
  return RESET;
}

/** QUIT: +OK (unless CLIENT REPLY OFF/SKIP suppresses it), then close. */
function quit(ctx: Context): Reply {
  ctx.conn?.closeAfterCurrentReply();
  return OK;
}

export function installConnection(server: RedKitServer): void {
  defineCommands(server, {
    ping,
    echo: (_ctx, args) => args[0],
    quit,
    hello,
    auth,
    select,
    reset,
  });
  // Redis 7.0 answers QUIT before any other check (processCommand): inside
  // MULTI it closes instead of being queued, and it is never paused.
  server.dispatcher.immediate.add(server.registry.get('quit') as Command);
}

/** Only what a bare framework server has (createServer({ builtins: false })). */
export function installCore(server: RedKitServer): void {
  defineCommands(server, {
    ping,
    echo: (_ctx, args) => args[0],
    quit,
  });
}
