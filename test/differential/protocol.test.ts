/**
 * The wire protocol, byte for byte against redis-server: raw request bytes go
 * to both servers; everything they answer, and whether they close the
 * connection, must be the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, expectSameRaw, replyLength, startPair, type Pair } from '../support/differential.js';

const mb = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
const LIMIT = 64 * 1024;

/** Send `chunks` to both servers with a pause between chunks; compare like expectSameRaw. */
async function expectSameChunked(pair: Pair, chunks: Array<string | Buffer>, waitMs = 300): Promise<string> {
  const r = await RawClient.connect(pair.redis.port);
  const k = await RawClient.connect(pair.redkit.port);
  for (const c of chunks) {
    r.write(c);
    k.write(c);
    await new Promise((res) => setTimeout(res, 2));
  }
  const [a, b] = await Promise.all([r.readUntilClose(waitMs), k.readUntilClose(waitMs)]);
  const closed = { redis: r.closed, redkit: k.closed };
  r.close();
  k.close();
  expect(b).toBe(a);
  expect(closed.redkit, 'connection closed the same way').toBe(closed.redis);
  return a;
}

describe('protocol (no password)', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  /** [what, bytes, expected redis answer (a sanity check that the case means what it says), closed] */
  const cases: Array<[string, string, string, boolean]> = [
    // multibulk errors
    ['non-numeric multibulk count', '*abc\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['empty multibulk count', '*\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['multibulk count with a leading zero', '*01\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['multibulk count "+1"', '*+1\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['multibulk count "-0"', '*-0\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['multibulk count above INT_MAX', '*2147483648\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['negative multibulk count outside int64', '*-9999999999999999999\r\nPING\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['multibulk count INT_MAX waits for arguments', '*2147483647\r\n', '', false],
    // bulk errors
    ['non-numeric bulk length', '*1\r\n$abc\r\n', '-ERR Protocol error: invalid bulk length\r\n', true],
    ['negative bulk length', '*1\r\n$-1\r\n', '-ERR Protocol error: invalid bulk length\r\n', true],
    ['empty bulk length', '*1\r\n$\r\n', '-ERR Protocol error: invalid bulk length\r\n', true],
    ['bulk length above proto-max-bulk-len', `*1\r\n$${512 * 1024 * 1024 + 1}\r\n`, '-ERR Protocol error: invalid bulk length\r\n', true],
    ['bulk length above int64', '*1\r\n$99999999999999999999\r\n', '-ERR Protocol error: invalid bulk length\r\n', true],
    ["integer instead of bulk", '*1\r\n:1\r\n', "-ERR Protocol error: expected '$', got ':'\r\n", true],
    ['inline command inside a multibulk', '*2\r\n$4\r\nECHO\r\nPING\r\n', "-ERR Protocol error: expected '$', got 'P'\r\n", true],
    ['binary byte instead of $', '*1\r\n\xff\r\n', "-ERR Protocol error: expected '$', got '\xff'\r\n", true],
    ['empty line instead of a bulk header (CR shown as a space)', '*1\r\n\r\n', "-ERR Protocol error: expected '$', got ' '\r\n", true],
    ['LF instead of a bulk header (shown as a space)', '*1\r\n\n\r\n', "-ERR Protocol error: expected '$', got ' '\r\n", true],
    ['multibulk followed by a short count', '*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\nGET\r\n', "+OK\r\n-ERR Protocol error: expected '$', got 'G'\r\n", true],
    // NUL bytes: Redis looks for line ends with strchr()
    ['NUL in a multibulk header', '*1\x00\r\n*1\r\n$4\r\nPING\r\n', '', false],
    ['NUL before a bulk header', '*1\r\n\x00$4\r\nPING\r\n', '', false],
    ['NUL in a bulk header', '*1\r\n$4\x00\r\nPING\r\n', '', false],
    ['NUL in an inline line', 'PING\x00\r\nPING\r\n', '', false],
    ['NUL inside bulk data', mb('ECHO', 'a\x00b'), '$3\r\na\x00b\r\n', false],
    // inline
    ['inline with double quotes', 'SET k "a b"\r\nGET k\r\n', '+OK\r\n$3\r\na b\r\n', false],
    ['inline with single quotes', "ECHO 'it\\'s'\r\n", "$4\r\nit's\r\n", false],
    ['inline escapes', 'ECHO "\\x41\\x4a\\n\\r\\t\\b\\a\\"\\\\\\z"\r\n', '$10\r\nAJ\n\r\t\b\x07"\\z\r\n', false],
    ['inline hex escape of a NUL', 'ECHO "a\\x00b"\r\n', '$3\r\na\x00b\r\n', false],
    ['inline invalid hex escape', 'ECHO "\\xZZ"\r\n', '$3\r\nxZZ\r\n', false],
    ['inline binary bytes', 'ECHO \xff\xc3\x28\r\n', '$3\r\n\xff\xc3\x28\r\n', false],
    ['inline empty quoted argument', 'ECHO ""\r\n', '$0\r\n\r\n', false],
    ['inline LF only', 'ECHO a\nECHO b\n', '$1\r\na\r\n$1\r\nb\r\n', false],
    ['inline with tabs and extra spaces', '  ECHO \t  x  \r\n', '$1\r\nx\r\n', false],
    ['inline CR inside a line', 'ECHO a\rb\r\n', "-ERR wrong number of arguments for 'echo' command\r\n", false],
    ['inline lower case', 'ping\r\n', '+PONG\r\n', false],
    ['unbalanced double quotes', 'SET "a b\r\nPING\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n', true],
    ['unbalanced single quotes', "SET 'a b\r\nPING\r\n", '-ERR Protocol error: unbalanced quotes in request\r\n', true],
    ['closing quote followed by a letter', 'SET "a"b c\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n', true],
    ['empty lines', '\r\n\r\n\n  \r\nPING\r\n', '+PONG\r\n', false],
    ['*0 and *-1 are skipped', '*0\r\n*-1\r\n*-5\r\nPING\r\n', '+PONG\r\n', false],
    // bulk framing
    ['bulk CRLF is not checked', '*1\r\n$4\r\nPINGxx*2\r\n$4\r\nECHO\r\n$1\r\nz??', '+PONG\r\n$1\r\nz\r\n', false],
    ['the byte after a header CR is skipped', '*1\rX$4\r\nPING\r\n', '+PONG\r\n', false],
    ['CRLF and empty bulks inside arguments', mb('ECHO', '\r\n') + mb('ECHO', ''), '$2\r\n\r\n\r\n$0\r\n\r\n', false],
    ['pipeline of multibulk and inline', mb('SET', 'p', '1') + 'INCR p\r\n' + mb('GET', 'p'), '+OK\r\n:2\r\n$1\r\n2\r\n', false],
    // errors after valid commands: replies first, then the error, then close
    ['protocol error after valid commands', 'PING\r\n' + mb('ECHO', 'x') + '*1\r\n$x\r\nPING\r\n', '+PONG\r\n$1\r\nx\r\n-ERR Protocol error: invalid bulk length\r\n', true],
    ['unbalanced quotes after valid commands', 'PING\r\nECHO "x\r\nPING\r\n', '+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n', true],
    ['QUIT in a pipeline', 'PING\r\nQUIT\r\nPING\r\n', '+PONG\r\n+OK\r\n', true],
    // unknown commands
    ['unknown command', 'FOO bar baz\r\n', "-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n", false],
    ['unknown command with no args', mb('FOO'), "-ERR unknown command 'FOO', with args beginning with: \r\n", false],
    ['unknown command keeps its case', 'fOo\r\n', "-ERR unknown command 'fOo', with args beginning with: \r\n", false],
    ['unknown command with CR/LF in args', mb('FOO', 'a\r\nb', '\n'), "-ERR unknown command 'FOO', with args beginning with: 'a  b' ' ' \r\n", false],
    ['unknown command with binary args', mb('FOO', '\xff\xfe', '\xc3\x28'), "-ERR unknown command 'FOO', with args beginning with: '\xff\xfe' '\xc3\x28' \r\n", false],
    ['unknown command with a CR/LF name', mb('F\r\nO'), "-ERR unknown command 'F  O', with args beginning with: \r\n", false],
    ['unknown subcommand', 'CLIENT FOO x\r\n', "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n", false],
    ['unknown subcommand with CR/LF', mb('CONFIG', 'a\r\nb'), "-ERR unknown subcommand 'a  b'. Try CONFIG HELP.\r\n", false],
    ['wrong arity', mb('GET') + mb('GET', 'a', 'b'), "-ERR wrong number of arguments for 'get' command\r\n-ERR wrong number of arguments for 'get' command\r\n", false],
  ];

  for (const [what, bytes, expected, closed] of cases) {
    it(`${what}`, async () => {
      const out = await expectSameRaw(pair, bytes, closed ? 2000 : 250);
      expect(out.redis, 'redis-server answered what this case expects').toBe(expected);
    });
  }

  it('unknown command: at most 128 chars of one argument, then of the list', async () => {
    const a = 'a'.repeat(100);
    const b = 'b'.repeat(200);
    await expectSameRaw(pair, `FOO ${b} x\r\n`, 250);
    await expectSameRaw(pair, `FOO ${a} ${a} ${a}\r\n`, 250);
    await expectSameRaw(pair, `FOO ${'c'.repeat(127)} d e\r\n`, 250);
    await expectSameRaw(pair, `FOO ${'c'.repeat(128)} d e\r\n`, 250);
    await expectSameRaw(pair, `FOO ${'x '.repeat(100)}\r\n`, 250);
    const out = await expectSameRaw(pair, `${b} x\r\n`, 250);
    expect(out.redis).toBe(`-ERR unknown command '${'b'.repeat(128)}', with args beginning with: 'x' \r\n`);
  });

  // Redis formats the arguments with %s, so each stops at its first NUL byte.
  it('unknown command with NUL bytes in its name and arguments', async () => {
    await expectSameRaw(pair, mb('FOO', 'a\x00bc', 'd'), 250);
    await expectSameRaw(pair, mb('F\x00OO'), 250);
  });

  // Redis drops, without a reply (not even for earlier commands), a client that talks HTTP.
  it('POST and Host: close the connection without a reply', async () => {
    await expectSameRaw(pair, 'PING\r\nPOST / HTTP/1.1\r\n', 300);
    await expectSameRaw(pair, 'PING\r\nHost: example.com\r\n', 300);
    await expectSameRaw(pair, mb('post'), 300);
    await expectSameRaw(pair, 'POSTX\r\n', 300);
  });

  describe('too big lines', () => {
    it('too big inline request', async () => {
      const out = await expectSameRaw(pair, 'A'.repeat(LIMIT + 100), 3000);
      expect(out.redis).toBe('-ERR Protocol error: too big inline request\r\n');
    });
    it('an inline request of exactly 64 KB without newline waits', async () => {
      await expectSameRaw(pair, 'A'.repeat(LIMIT), 300);
    });
    it('a long inline request that ends is served', async () => {
      const out = await expectSameRaw(pair, `ECHO ${'x'.repeat(LIMIT - 100)}\r\n`, 300);
      expect(out.redis.length).toBe(LIMIT - 100 + 10);
    });
    it('too big mbulk count string', async () => {
      const out = await expectSameRaw(pair, '*' + '1'.repeat(LIMIT + 100), 3000);
      expect(out.redis).toBe('-ERR Protocol error: too big mbulk count string\r\n');
    });
    it('too big bulk count string', async () => {
      const out = await expectSameRaw(pair, '*1\r\n$' + '1'.repeat(LIMIT + 100), 3000);
      expect(out.redis).toBe('-ERR Protocol error: too big bulk count string\r\n');
    });
    it('a NUL-hidden line end counts towards the inline limit', async () => {
      const out = await expectSameRaw(pair, 'PING\x00\r\n' + 'A'.repeat(LIMIT + 100), 3000);
      expect(out.redis).toBe('-ERR Protocol error: too big inline request\r\n');
    });
  });

  describe('big and fragmented requests', () => {
    it('big bulks (above 32 KB) in a pipeline', async () => {
      const v = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode((i * 13) & 0xff)).join('');
      const bytes = mb('SET', 'big', v) + mb('STRLEN', 'big') + mb('GET', 'big') + mb('SET', 'b2', v.slice(0, 40_000)) + mb('GET', 'b2') + 'PING\r\n';
      const out = await expectSameRaw(pair, Buffer.from(bytes, 'latin1'), 500);
      expect(out.redis.startsWith('+OK\r\n:200000\r\n$200000\r\n')).toBe(true);
    });

    it('a mixed pipeline sent in small pieces', async () => {
      const bytes =
        mb('SET', 'f', '\xff\x00\r\n') +
        'GET f\r\n' +
        '\r\n' +
        mb('SET', 'g', 'y'.repeat(40_000)) +
        'ECHO "a b"\r\n' +
        mb('STRLEN', 'g') +
        '*0\r\n' +
        mb('DEL', 'f', 'g');
      const chunks: string[] = [];
      const sizes = [1, 2, 3, 5, 8, 13, 100, 1, 4000, 1, 7];
      for (let i = 0, j = 0; i < bytes.length; i += sizes[j++ % sizes.length]) chunks.push(bytes.slice(i, i + sizes[j % sizes.length]));
      const out = await expectSameChunked(pair, chunks.map((c) => Buffer.from(c, 'latin1')));
      expect(out).toBe('+OK\r\n$4\r\n\xff\x00\r\n\r\n+OK\r\n$3\r\na b\r\n:40000\r\n:2\r\n');
    });

    it('a protocol error after thousands of pipelined commands', async () => {
      const out = await expectSameRaw(pair, 'PING\r\n'.repeat(2000) + mb('ECHO', 'end') + '*1\r\n$-5\r\n', 3000);
      expect(out.redis.endsWith('+PONG\r\n$3\r\nend\r\n-ERR Protocol error: invalid bulk length\r\n')).toBe(true);
    });

    it('a command split right after a header CR', async () => {
      await expectSameChunked(pair, ['*2\r', '\n$4\r', '\nECHO\r', '\n$2\r\nab\r', '\n']);
    });
  });

  it('HELLO switches the protocol mid-pipeline, its own reply included', async () => {
    // Everything but the HELLO replies (server version and client id differ) must be identical.
    const steps = [mb('GET', 'missing'), mb('HELLO', '3'), mb('GET', 'missing'), mb('CONFIG', 'GET', 'port*'), 'PING\r\n', mb('HELLO', '2'), mb('GET', 'missing'), mb('HELLO', '4')];
    const bytes = steps.join('');
    const split = (s: string) => {
      const buf = Buffer.from(s, 'latin1');
      const out: string[] = [];
      for (let p = 0; p < buf.length; ) {
        const n = replyLength(buf, p);
        if (n < 0) break;
        out.push(buf.latin1Slice(p, p + n));
        p += n;
      }
      return out;
    };
    const r = await RawClient.connect(pair.redis.port);
    const k = await RawClient.connect(pair.redkit.port);
    r.write(bytes);
    k.write(bytes);
    const [a, b] = (await Promise.all([r.readUntilClose(300), k.readUntilClose(300)])).map(split);
    r.close();
    k.close();
    expect(a.length).toBe(steps.length);
    expect(b.length).toBe(a.length);
    expect(a[1].startsWith('%7\r\n')).toBe(true);
    expect(b[1].startsWith('%7\r\n')).toBe(true);
    expect(a[5].startsWith('*14\r\n')).toBe(true);
    expect(b[5].startsWith('*14\r\n')).toBe(true);
    for (const i of [0, 2, 4, 6, 7]) expect(b[i], `reply ${i}`).toBe(a[i]);
    expect(a[2]).toBe('_\r\n');
    // CONFIG GET port*: a map in RESP3 (the port values differ).
    expect(b[3].startsWith('%1\r\n$4\r\nport\r\n')).toBe(true);
    expect(a[3].startsWith('%1\r\n$4\r\nport\r\n')).toBe(true);
  });

  describe('proto-max-bulk-len', () => {
    afterAll(async () => {
      for (const port of [pair.redis.port, pair.redkit.port]) {
        const c = await RawClient.connect(port);
        await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '536870912');
        c.close();
      }
    });

    it('applies to the connection that set it and to new connections', async () => {
      const cfg = mb('CONFIG', 'SET', 'proto-max-bulk-len', '1048576');
      const out = await expectSameRaw(pair, cfg + '*2\r\n$4\r\nECHO\r\n$1048577\r\n', 2000);
      expect(out.redis).toBe('+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
      const out2 = await expectSameRaw(pair, '*2\r\n$4\r\nECHO\r\n$1048577\r\n', 2000);
      expect(out2.redis).toBe('-ERR Protocol error: invalid bulk length\r\n');
      // At the limit is fine (only the header is sent: the bulk is awaited).
      await expectSameRaw(pair, '*2\r\n$4\r\nECHO\r\n$1048576\r\n', 250);
    });
  });
});

describe('protocol with requirepass', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ redisArgs: ['--requirepass', 'pw'], redkit: { requirepass: 'pw' } });
  });
  afterAll(async () => pair?.stop());

  const cases: Array<[string, string, string, boolean]> = [
    ['commands need AUTH', 'PING\r\n' + mb('GET', 'x'), '-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n', false],
    ['at most 10 arguments before AUTH', mb('AUTH', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'), '-ERR Protocol error: unauthenticated multibulk length\r\n', true],
    ['10 arguments are fine', mb('AUTH', '1', '2', '3', '4', '5', '6', '7', '8', '9'), "-ERR syntax error\r\n", false],
    ['the count alone is enough to refuse', '*11\r\n', '-ERR Protocol error: unauthenticated multibulk length\r\n', true],
    ['an invalid count is still invalid', '*2147483648\r\n', '-ERR Protocol error: invalid multibulk length\r\n', true],
    ['bulks of at most 16384 bytes before AUTH', '*2\r\n$4\r\nAUTH\r\n$16385\r\n', '-ERR Protocol error: unauthenticated bulk length\r\n', true],
    ['a bulk of 16384 bytes is fine', mb('AUTH', 'p'.repeat(16384)), '-WRONGPASS invalid username-password pair or user is disabled.\r\n', false],
    ['inline commands have no such limits', `AUTH ${'x '.repeat(20)}\r\n`, '-ERR syntax error\r\n', false],
    ['after AUTH the limits are gone', mb('AUTH', 'pw') + mb('DEL', ...Array.from({ length: 20 }, (_, i) => `k${i}`)) + mb('ECHO', 'e'.repeat(20000)).slice(0, 30), '+OK\r\n:0\r\n', false],
    ['a failed AUTH keeps them', mb('AUTH', 'nope') + '*11\r\n', '-WRONGPASS invalid username-password pair or user is disabled.\r\n-ERR Protocol error: unauthenticated multibulk length\r\n', true],
    ['AUTH with a user name lifts them', mb('AUTH', 'default', 'pw') + '*11\r\n', '+OK\r\n', false],
    ['RESET brings them back', mb('AUTH', 'pw') + mb('RESET') + '*11\r\n', '+OK\r\n+RESET\r\n-ERR Protocol error: unauthenticated multibulk length\r\n', true],
    ['unknown command before AUTH', mb('FOO', 'bar'), "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", false],
  ];
  for (const [what, bytes, expected, closed] of cases) {
    it(`${what}`, async () => {
      const out = await expectSameRaw(pair, bytes, closed ? 2000 : 250);
      expect(out.redis, 'redis-server answered what this case expects').toBe(expected);
    });
  }
});
