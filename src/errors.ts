/**
 * Every error string RedKit sends, worded as Redis 7 words it.
 *
 * Handlers either return `new ReplyError(msg)` or throw it; the dispatcher
 * turns a thrown ReplyError into an error reply. ReplyError deliberately does
 * not extend Error: building a stack trace for every WRONGTYPE would cost more
 * than the command.
 */
export class ReplyError {
  readonly message: string;
  /** Already counted in the error stats (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE): a script's error from a command it ran. */
  noStats?: boolean;
  constructor(message: string) {
    // An error reply is one line on the wire: Redis replaces CR/LF with spaces.
    this.message = message.indexOf('\r') >= 0 || message.indexOf('\n') >= 0 ? message.replace(/[\r\n]/g, ' ') : message;
  }
  toString(): string {
    return this.message;
  }
}

export const isReplyError = (v: unknown): v is ReplyError => v instanceof ReplyError;

/** A C string: Redis formats arguments with %s, which stops at the first NUL byte. */
const cstr = (s: string) => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};
/** Redis truncates user strings with `%.128s` inside error messages. */
const s128 = (s: string) => {
  const c = cstr(s);
  return c.length > 128 ? c.slice(0, 128) : c;
};

export const Err = {
  // generic
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  /** getIntFromObjectOrReply: an integer outside int32. */
  notInt32: 'ERR value is out of range, value must between -2147483648 and 2147483647',
  notFloat: 'ERR value is not a valid float',
  /** getRangeLongFromObjectOrReply / getPositiveLongFromObjectOrReply: the generic out-of-range errors. */
  valueOutOfRange: 'ERR value is out of range',
  mustBePositive: 'ERR value is out of range, must be positive',
  /** HRANDFIELD / SRANDMEMBER / ZRANDMEMBER count: -LONG_MAX..LONG_MAX. */
  randCountRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  numkeys: 'ERR numkeys should be greater than 0',
  limitNegative: "ERR LIMIT can't be negative",
  /** getTimeoutFromObjectOrReply (WAIT, CLIENT PAUSE). */
  timeoutNotInt: 'ERR timeout is not an integer or out of range',
  timeoutNegative: 'ERR timeout is negative',
  overflow: 'ERR increment or decrement would overflow',
  incrFloatNaN: 'ERR increment would produce NaN or Infinity',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNoPassword:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  helloNoAuth:
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  noProto: 'NOPROTO unsupported protocol version',
  protoNotInt: 'ERR Protocol version is not an integer or out of range',
  maxClients: 'ERR max number of clients reached',
  loading: 'LOADING Redis is loading the dataset in memory',
  notAllowedInMulti: 'ERR Command not allowed inside a transaction',
  internal: (msg: string) => `ERR internal error: ${msg}`,

  unknownCommand(name: string, args: readonly string[]): string {
    // networking.c: at most ~128 chars of arguments, each quoted with %.128s
    let list = '';
    for (let i = 0; i < args.length && list.length < 128; i++) {
      list += `'${cstr(args[i]).slice(0, 128 - list.length)}' `;
    }
    return `ERR unknown command '${s128(name)}', with args beginning with: ${list}`;
  },
  unknownSubcommand: (sub: string, cmd: string) => `ERR unknown subcommand '${s128(sub)}'. Try ${cmd.toUpperCase()} HELP.`,
  arity: (fullName: string) => `ERR wrong number of arguments for '${fullName}' command`,
  pubsubContext: (name: string) =>
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,

  // protocol (sent, then the connection is closed)
  protoInvalidMultibulk: 'ERR Protocol error: invalid multibulk length',
  protoInvalidBulk: 'ERR Protocol error: invalid bulk length',
  protoUnauthMultibulk: 'ERR Protocol error: unauthenticated multibulk length',
  protoUnauthBulk: 'ERR Protocol error: unauthenticated bulk length',
  protoExpectedDollar: (c: string) => `ERR Protocol error: expected '$', got '${c}'`,
  protoUnbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  protoTooBigInline: 'ERR Protocol error: too big inline request',
  protoTooBigMbulk: 'ERR Protocol error: too big mbulk count string',
  protoTooBigBulkCount: 'ERR Protocol error: too big bulk count string',

  // config
  configUnknownParam: (p: string) => `ERR Unknown option or number of arguments for CONFIG SET - '${p}'`,
} as const;

export const replyError = (msg: string) => new ReplyError(msg);
