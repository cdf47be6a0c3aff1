/**
 * Connection commands (PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET, CLIENT)
 * against redis-server 7.0.15, byte for byte in RESP2 and RESP3. Values that
 * differ by nature (server version, client ids, addresses, times) are
 * normalised. CLIENT SETINFO and CLIENT NO-TOUCH are Redis 7.2 commands the
 * 7.0 oracle lacks: they are tested against the 7.2 documentation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../../src/index.js';
import { decode, expectSame, expectSameRaw, RawClient, startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

/** Each server of a pair: its port and a label for assertion messages. */
const ports = (p: Pair) =>
  [
    [p.redis.port, 'redis'],
    [p.redkit.port, 'redkit'],
  ] as const;

/** HELLO's map with the server version and client id masked. */
function helloNorm(bytes: string): unknown {
  const v = decode(bytes) as unknown;
  const flat = Array.isArray(v) ? v : (v as { map?: unknown[] })?.map;
  if (!Array.isArray(flat)) return v;
  const out = [...flat];
  for (let i = 0; i < out.length; i += 2) if (out[i] === 'version' || out[i] === 'id') out[i + 1] = '*';
  return { kind: Array.isArray(v) ? 'array' : 'map', out };
}

const VOLATILE = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem']);

/** A CLIENT INFO / LIST line as fields, with per-process values masked and 7.2's lib-name/lib-ver dropped. */
export function clientLine(line: string): Array<[string, string]> {
  return line
    .split(' ')
    .map((f) => {
      const eq = f.indexOf('=');
      return [f.slice(0, eq), f.slice(eq + 1)] as [string, string];
    })
    .filter(([k]) => k !== 'lib-name' && k !== 'lib-ver')
    .map(([k, v]) => [k, VOLATILE.has(k) ? '*' : v]);
}

/** CLIENT INFO / CLIENT LIST replies normalised line by line. */
function clientListNorm(bytes: string): unknown {
  const text = infoText(bytes);
  if (typeof text !== 'string') return text;
  return { verbatim: bytes.startsWith('='), lines: text.split('\n').filter(Boolean).map(clientLine) };
}

/** The text of a bulk or verbatim (`=...txt:`) reply. */
function infoText(bytes: string): unknown {
  const v = decode(bytes);
  return typeof v === 'string' && bytes.startsWith('=') ? v.slice(4) : v;
}

/**
 * Send a script of inline commands to both servers, followed by a sentinel
 * PING, and compare everything they answer up to the sentinel's reply.
 */
async function expectSameScript(script: string): Promise<void> {
  const sentinel = '$8\r\nsentinel\r\n';
  const outputs = await Promise.all(
    [pair.redis.port, pair.redkit.port].map(async (port) => {
      const c = await RawClient.connect(port);
      c.write(`${script}PING sentinel\r\n`);
      const deadline = Date.now() + 10_000;
      while (!c.pending().endsWith(sentinel) && !c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const out = c.pending();
      c.close();
      return out;
    }),
  );
  expect(outputs[1], `script: ${JSON.stringify(script)}`).toBe(outputs[0]);
  expect(outputs[0].endsWith(sentinel), `redis answered the sentinel: ${JSON.stringify(outputs[0])}`).toBe(true);
}

const intType = (bytes: string) => (bytes.startsWith(':') ? 'integer' : bytes);

describe.each([2, 3] as const)('connection commands (RESP%i)', (proto) => {
  it('PING and ECHO', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['PING'],
      ['ping', 'hello'],
      ['PING', ''],
      ['PING', 'a', 'b'],
      ['ECHO', 'x'],
      ['ECHO', Buffer.from([0, 255, 13, 10])],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
    ]);
  });

  it('PING inside pub/sub mode', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['SUBSCRIBE', 'ch'], ['PING'], ['PING', 'msg'], ['UNSUBSCRIBE', 'ch'], ['PING']]);
  });

  it('SELECT', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SELECT', '1'],
      ['SET', 'k', 'one'],
      ['SELECT', '0'],
      ['GET', 'k'],
      ['SELECT', '1'],
      ['GET', 'k'],
      ['SELECT', '15'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'abc'],
      ['SELECT', '1.5'],
      ['SELECT', ''],
      ['SELECT', '01'],
      ['SELECT', '2147483648'],
      ['SELECT', '-2147483649'],
      ['SELECT', '99999999999999999999'],
      ['SELECT'],
      ['SELECT', '1', '2'],
      ['DBSIZE'],
    ]);
  });

  it('HELLO', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      { cmd: ['HELLO'], normalize: helloNorm },
      { cmd: [`HELLO`, String(proto)], normalize: helloNorm },
      ['HELLO', '1'],
      ['HELLO', '4'],
      ['HELLO', '-1'],
      ['HELLO', 'abc'],
      ['HELLO', '3.0'],
      ['HELLO', '99999999999999999999'],
      ['HELLO', 'AUTH', 'default', 'x'],
      [`HELLO`, String(proto), 'AUTH'],
      [`HELLO`, String(proto), 'AUTH', 'default'],
      [`HELLO`, String(proto), 'SETNAME'],
      [`HELLO`, String(proto), 'FOO'],
      [`HELLO`, String(proto), 'SETNAME', 'a b'],
      [`HELLO`, String(proto), 'AUTH', 'nouser', 'pw'],
      [`HELLO`, String(proto), 'SETNAME', 'a b', 'AUTH', 'default', 'anything'],
      [`HELLO`, String(proto), 'AUTH', 'nouser', 'pw', 'SETNAME', 'a b'],
      { cmd: [`HELLO`, String(proto), 'setname', 'conn1'], normalize: helloNorm },
      ['CLIENT', 'GETNAME'],
      { cmd: [`HELLO`, String(proto), 'SETNAME', ''], normalize: helloNorm },
      ['CLIENT', 'GETNAME'],
      { cmd: [`HELLO`, String(proto), 'AUTH', 'default', 'whatever', 'SETNAME', 'n2'], normalize: helloNorm },
      ['CLIENT', 'GETNAME'],
    ]);
  });

  it('HELLO switches the protocol of the replies that follow', async () => {
    const { r, k } = await pair.clients(proto);
    const other = proto === 2 ? '3' : '2';
    await expectSame(r, k, [
      ['HSET', 'h', 'f', 'v'],
      { cmd: ['HELLO', other], normalize: helloNorm },
      ['HGETALL', 'h'],
      ['GET', 'nosuch'],
      { cmd: ['HELLO', String(proto)], normalize: helloNorm },
      ['HGETALL', 'h'],
      ['GET', 'nosuch'],
    ]);
  });

  it('AUTH without a configured password', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['AUTH', 'x'],
      ['AUTH', 'default', 'x'],
      ['AUTH', 'nouser', 'x'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH'],
      ['PING'],
    ]);
  });

  it('CLIENT SETNAME / GETNAME / ID', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'worker-1'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'SETNAME', 'a\nb'],
      ['CLIENT', 'SETNAME', Buffer.from([0xc3, 0xa9])],
      ['CLIENT', 'SETNAME', '~!@#$%^&*()'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'a', 'b'],
      ['CLIENT', 'GETNAME', 'x'],
      { cmd: ['CLIENT', 'ID'], normalize: intType },
      ['CLIENT', 'ID', 'x'],
    ]);
  });

  it('CLIENT ID is the id in CLIENT INFO and HELLO', async () => {
    const { k } = await pair.clients(proto);
    const id = (await k.call('CLIENT', 'ID')).slice(1, -2);
    const info = infoText(await k.call('CLIENT', 'INFO')) as string;
    expect(info).toMatch(new RegExp(`^id=${id} `));
    expect(JSON.stringify(decode(await k.call('HELLO')))).toContain(`"id",{"int":"${id}"}`);
  });

  it('CLIENT INFO and CLIENT LIST fields', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      ['CLIENT', 'SETNAME', 'me'],
      ['SELECT', '3'],
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      ['CLIENT', 'NO-EVICT', 'on'],
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      ['CLIENT', 'NO-EVICT', 'off'],
      { cmd: ['CLIENT', 'LIST', 'ID', '0', '-5'], normalize: clientListNorm },
      ['CLIENT', 'LIST', 'ID', 'abc'],
      ['CLIENT', 'LIST', 'ID', '1', 'x'],
      ['CLIENT', 'LIST', 'ID'],
      ['CLIENT', 'LIST', 'TYPE', 'foo'],
      ['CLIENT', 'LIST', 'TYPE'],
      ['CLIENT', 'LIST', 'TYPE', 'master'],
      ['CLIENT', 'LIST', 'TYPE', 'replica'],
      ['CLIENT', 'LIST', 'TYPE', 'slave'],
      ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'LIST', 'foo'],
      ['CLIENT', 'LIST', 'foo', 'bar'],
      ['CLIENT', 'INFO', 'x'],
    ]);
    // Our own line, found by id, in a list that has others too.
    for (const [c, label] of [
      [r, 'redis'],
      [k, 'redkit'],
    ] as const) {
      const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
      const list = infoText(await c.call('CLIENT', 'LIST', 'ID', id, id)) as string;
      const lines = list.split('\n').filter(Boolean);
      expect(lines.length, label).toBe(2);
      expect(clientLine(lines[0]), label).toEqual(clientLine(lines[1]));
      expect(Object.fromEntries(clientLine(lines[0])), label).toMatchObject({ name: 'me', db: '3', cmd: 'client|list', flags: 'N', resp: String(proto), user: 'default', multi: '-1' });
      const normal = infoText(await c.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
      expect(normal.split('\n').some((l) => l.startsWith(`id=${id} `)), label).toBe(true);
    }
  });

  it('CLIENT LIST shows subscriptions and pub/sub clients', async () => {
    const { r, k } = await pair.clients(proto);
    const r2 = await RawClient.connect(pair.redis.port);
    const k2 = await RawClient.connect(pair.redkit.port);
    try {
      await expectSame(r2, k2, [['SUBSCRIBE', 'a', 'b'], ['PSUBSCRIBE', 'p*']]);
      await expectSame(r, k, [{ cmd: ['CLIENT', 'LIST', 'TYPE', 'pubsub'], normalize: clientListNorm }]);
    } finally {
      r2.close();
      k2.close();
    }
  });

  it('CLIENT KILL', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', 'abc'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'KILL', 'ID', '-1'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'KILL', 'TYPE', 'foo', 'ID'],
      ['CLIENT', 'KILL', 'ID', '5', 'SKIPME'],
      ['CLIENT', 'KILL', 'a', 'b', 'c'],
      ['CLIENT', 'KILL', 'USER', 'nouser'],
      ['CLIENT', 'KILL', 'TYPE', 'x'],
      ['CLIENT', 'KILL', 'TYPE', 'master'],
      ['CLIENT', 'KILL', 'SKIPME', 'x'],
      ['CLIENT', 'KILL', 'SKIPME', 'no', 'ID', '999999'],
      ['CLIENT', 'KILL', 'FOO', 'bar'],
      ['CLIENT', 'KILL', 'ADDR', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'LADDR', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'MAXAGE', '10'],
      ['CLIENT', 'KILL'],
      ['PING'],
    ]);
  });

  it('CLIENT KILL closes the matching clients', async () => {
    for (const [port, label] of ports(pair)) {
      const killer = await RawClient.connect(port);
      const victim = await RawClient.connect(port);
      const victim2 = await RawClient.connect(port);
      try {
        const id = (await victim.call('CLIENT', 'ID')).slice(1, -2);
        await victim2.call('CLIENT', 'SETNAME', 'victim2');
        expect(await killer.call('CLIENT', 'KILL', 'ID', id), label).toBe(':1\r\n');
        await victim.readUntilClose(2000);
        expect(victim.closed, label).toBe(true);
        expect(await killer.call('CLIENT', 'KILL', 'ID', id), label).toBe(':0\r\n');
        // Old form by address, then the new form by address and type.
        const info = infoText(await victim2.call('CLIENT', 'INFO')) as string;
        const addr = /addr=(\S+)/.exec(info)?.[1] as string;
        expect(await killer.call('CLIENT', 'KILL', addr), label).toBe('+OK\r\n');
        await victim2.readUntilClose(2000);
        expect(victim2.closed, label).toBe(true);
        expect(await killer.call('CLIENT', 'KILL', addr), label).toBe('-ERR No such client\r\n');
        // SKIPME yes (the default) spares the caller; killing yourself answers first.
        const selfId = (await killer.call('CLIENT', 'ID')).slice(1, -2);
        expect(await killer.call('CLIENT', 'KILL', 'ID', selfId), label).toBe(':0\r\n');
        expect(await killer.call('CLIENT', 'KILL', 'ID', selfId, 'SKIPME', 'no'), label).toBe(':1\r\n');
        await killer.readUntilClose(2000);
        expect(killer.closed, label).toBe(true);
      } finally {
        killer.close();
        victim.close();
        victim2.close();
      }
    }
  });

  it('CLIENT NO-EVICT and errors of other subcommands', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'OFF'],
      ['CLIENT', 'NO-EVICT', 'yes'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT'],
      ['CLIENT', 'REPLY'],
      ['CLIENT', 'REPLY', 'maybe'],
      ['CLIENT', 'REPLY', 'on', 'x'],
      ['CLIENT'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT', 'HELP'],
      ['CLIENT', 'help', 'x'],
      // node-redis 6 sends this on connect: Redis 7.2 answers it as any unknown subcommand.
      ['CLIENT', 'MAINT_NOTIFICATIONS', 'on', 'moving-endpoint-type', 'internal-ip'],
    ]);
  });

  it('CLIENT REPLY ON / OFF / SKIP', async () => {
    for (const script of [
      'CLIENT REPLY OFF\r\nPING\r\nGET x\r\nCLIENT REPLY ON\r\nPING a\r\n',
      'CLIENT REPLY SKIP\r\nPING\r\nPING b\r\n',
      'CLIENT REPLY SKIP\r\nNOSUCHCMD\r\nPING c\r\n',
      'CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\n',
      'CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\nCLIENT REPLY ON\r\nPING 3\r\n',
      'CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING d\r\n',
      'CLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nPING e\r\nCLIENT REPLY ON\r\nPING f\r\n',
      'CLIENT REPLY OFF\r\nSET a 1\r\nCLIENT REPLY ON\r\nGET a\r\n',
      'CLIENT REPLY OFF\r\nRESET\r\nPING g\r\n',
      'CLIENT REPLY ON\r\nCLIENT REPLY ON\r\n',
    ]) {
      await expectSameScript(script);
    }
  });
});

describe('CLIENT PAUSE / UNPAUSE', () => {
  it('errors', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [
      ['CLIENT', 'PAUSE'],
      ['CLIENT', 'PAUSE', 'abc'],
      ['CLIENT', 'PAUSE', '1.5'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '10', 'foo'],
      ['CLIENT', 'PAUSE', 'abc', 'foo'],
      ['CLIENT', 'PAUSE', '10', 'write', 'extra'],
      ['CLIENT', 'pause', '10', 'write', 'extra'],
      ['CLIENT', 'PAUSE', '0'],
      ['CLIENT', 'PAUSE', '0', 'WRITE'],
      ['CLIENT', 'UNPAUSE', 'x'],
      ['CLIENT', 'UNPAUSE'],
    ]);
  });

  it('WRITE holds writes until CLIENT UNPAUSE; reads go on', async () => {
    for (const [port, label] of ports(pair)) {
      const admin = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      try {
        expect(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), label).toBe('+OK\r\n');
        expect(await c.call('GET', 'paused'), label).toBe('$-1\r\n');
        c.send('SET', 'paused', 'v');
        c.send('GET', 'paused');
        // Nothing can answer the SET (nor the GET behind it) before the pause ends.
        await new Promise((res) => setTimeout(res, 100));
        expect(c.pending(), label).toBe('');
        expect(await admin.call('CLIENT', 'UNPAUSE'), label).toBe('+OK\r\n');
        expect(await c.read(), label).toBe('+OK\r\n');
        expect(await c.read(), label).toBe('$1\r\nv\r\n');
      } finally {
        admin.close();
        c.close();
      }
    }
  });
});

describe('QUIT and RESET', () => {
  it('QUIT answers +OK and closes, with any arguments', async () => {
    await expectSameRaw(pair, 'QUIT\r\nPING\r\n');
    await expectSameRaw(pair, 'QUIT a b\r\nPING\r\n');
    await expectSameRaw(pair, '*1\r\n$4\r\nquit\r\n');
    await expectSameRaw(pair, 'PING\r\nQUIT\r\nPING\r\n');
  });

  it('QUIT obeys CLIENT REPLY OFF', async () => {
    const r = await RawClient.connect(pair.redis.port);
    const k = await RawClient.connect(pair.redkit.port);
    for (const c of [r, k]) c.write('CLIENT REPLY OFF\r\nQUIT\r\n');
    const [a, b] = await Promise.all([r.readUntilClose(300), k.readUntilClose(300)]);
    expect(b).toBe(a);
    expect(a).toBe('');
    r.close();
    k.close();
  });

  it('RESET restores the connection defaults', async () => {
    const { r, k } = await pair.clients(3);
    await expectSame(r, k, [
      ['SELECT', '2'],
      ['SET', 'k', 'db2'],
      ['CLIENT', 'SETNAME', 'named'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['RESET'],
      ['RESET', 'x'],
      ['GET', 'k'],
      ['CLIENT', 'GETNAME'],
      ['HGETALL', 'nosuch'],
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      ['SUBSCRIBE', 'ch'],
      ['RESET'],
      ['PING'],
    ]);
  });

  it('RESET discards a transaction', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [['MULTI'], ['SET', 'a', '1'], ['RESET'], ['EXEC'], ['GET', 'a'], ['MULTI'], ['QUIT']]);
  });

  it('RESET leaves pub/sub mode', async () => {
    await expectSameScript('SUBSCRIBE ch\r\nPSUBSCRIBE p*\r\nRESET\r\nPING\r\nPUBLISH ch x\r\n');
  });
});

describe('authentication (requirepass)', () => {
  let auth: Pair;
  beforeAll(async () => {
    auth = await startPair({
      redisArgs: ['--requirepass', 's3cret', '--user', 'alice', 'on', '>wonderland', '~*', '&*', '+@all'],
      redkit: { requirepass: 's3cret', users: { alice: 'wonderland' } },
    });
  });
  afterAll(async () => auth?.stop());

  it('commands need AUTH; AUTH and HELLO AUTH errors', async () => {
    const { r, k } = await auth.clients(2);
    await expectSame(r, k, [
      ['PING'],
      ['GET', 'x'],
      ['CLIENT', 'ID'],
      ['SELECT', '1'],
      ['NOSUCH'],
      ['HELLO'],
      ['HELLO', '3'],
      ['HELLO', '3', 'SETNAME', 'x'],
      ['HELLO', '3', 'AUTH', 'default', 'wrong'],
      ['HELLO', '3', 'AUTH', 'nouser', 's3cret'],
      ['AUTH', 'wrong'],
      ['AUTH', 'default', 'wrong'],
      ['AUTH', 'nouser', 's3cret'],
      ['AUTH', 'a', 'b', 'c'],
      ['PING'],
      ['AUTH', 's3cret'],
      ['PING'],
      ['AUTH', 'wrong'],
      ['PING'],
      ['AUTH', 'default', 's3cret'],
      ['RESET'],
      ['PING'],
      { cmd: ['HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'authed'], normalize: helloNorm },
      ['CLIENT', 'GETNAME'],
      ['HGETALL', 'nosuch'],
    ]);
  });

  it('other users: AUTH user pass, HELLO AUTH, CLIENT INFO user=, CLIENT KILL USER', async () => {
    const { r, k } = await auth.clients(2);
    await expectSame(r, k, [
      ['AUTH', 'alice', 'wrong'],
      ['AUTH', 'ALICE', 'wonderland'],
      ['AUTH', 'alice', 'wonderland'],
      ['PING'],
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      { cmd: ['HELLO', '3', 'AUTH', 'alice', 'wonderland'], normalize: helloNorm },
      ['AUTH', 'default', 's3cret'],
      { cmd: ['CLIENT', 'INFO'], normalize: clientListNorm },
      ['CLIENT', 'KILL', 'USER', 'bob'],
      ['CLIENT', 'KILL', 'USER', 'alice'],
    ]);
    for (const [port, label] of ports(auth)) {
      const victim = await RawClient.connect(port);
      const admin = await RawClient.connect(port);
      expect(await victim.call('AUTH', 'alice', 'wonderland'), label).toBe('+OK\r\n');
      expect(await admin.call('AUTH', 's3cret'), label).toBe('+OK\r\n');
      expect(await admin.call('CLIENT', 'KILL', 'USER', 'alice'), label).toBe(':1\r\n');
      await victim.readUntilClose(2000);
      expect(victim.closed, label).toBe(true);
      admin.close();
    }
  });

  it('QUIT works before AUTH; oversized requests are refused before AUTH', async () => {
    await expectSameRaw(auth, 'QUIT\r\n');
    await expectSameRaw(auth, '*20\r\n', 300);
  });

  it('CONFIG SET requirepass takes effect for new connections', async () => {
    const { r, k } = await auth.clients(2);
    await expectSame(r, k, [['AUTH', 's3cret'], ['CONFIG', 'SET', 'requirepass', 'other'], ['CONFIG', 'GET', 'requirepass'], ['PING']]);
    const r2 = await RawClient.connect(auth.redis.port);
    const k2 = await RawClient.connect(auth.redkit.port);
    await expectSame(r2, k2, [['PING'], ['AUTH', 's3cret'], ['AUTH', 'other'], ['PING'], ['CONFIG', 'SET', 'requirepass', ''], ['AUTH', 'x']]);
    const r3 = await RawClient.connect(auth.redis.port);
    const k3 = await RawClient.connect(auth.redkit.port);
    await expectSame(r3, k3, [['PING'], ['CONFIG', 'SET', 'requirepass', 's3cret']]);
    for (const c of [r2, k2, r3, k3]) c.close();
  });
});

describe('Redis 7.2 subcommands (checked against the 7.2 documentation; redis-server 7.0 lacks them)', () => {
  it('CLIENT SETINFO lib-name / lib-ver show in CLIENT INFO and CLIENT LIST', async () => {
    const { k } = await pair.clients(2);
    expect(await k.call('CLIENT', 'SETINFO', 'lib-name', 'redis-py')).toBe('+OK\r\n');
    expect(await k.call('CLIENT', 'SETINFO', 'LIB-VER', '5.0.1')).toBe('+OK\r\n');
    const info = infoText(await k.call('CLIENT', 'INFO')) as string;
    expect(info).toMatch(/ resp=2 lib-name=redis-py lib-ver=5\.0\.1\n$/);
    expect(await k.call('CLIENT', 'SETINFO', 'lib-name', 'a b')).toBe('-ERR lib-name cannot contain spaces, newlines or special characters.\r\n');
    expect(await k.call('CLIENT', 'SETINFO', 'LIB-NAME', 'a\nb')).toBe('-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n');
    expect(await k.call('CLIENT', 'SETINFO', 'lib-foo', 'x')).toBe("-ERR Unrecognized option 'lib-foo'\r\n");
    expect(await k.call('CLIENT', 'SETINFO', 'lib-name')).toBe("-ERR wrong number of arguments for 'client|setinfo' command\r\n");
    expect(await k.call('CLIENT', 'SETINFO', 'lib-name', 'x', 'y')).toBe("-ERR wrong number of arguments for 'client|setinfo' command\r\n");
    expect(await k.call('CLIENT', 'SETINFO', 'lib-name', '')).toBe('+OK\r\n');
    expect(infoText(await k.call('CLIENT', 'INFO')) as string).toMatch(/ lib-name= lib-ver=5\.0\.1\n$/);
  });

  it('CLIENT NO-TOUCH sets the T flag; RESET turns it off', async () => {
    const { k } = await pair.clients(2);
    expect(await k.call('CLIENT', 'NO-TOUCH', 'on')).toBe('+OK\r\n');
    expect(infoText(await k.call('CLIENT', 'INFO')) as string).toContain(' flags=T ');
    expect(await k.call('CLIENT', 'NO-TOUCH', 'yes')).toBe('-ERR syntax error\r\n');
    expect(await k.call('CLIENT', 'NO-TOUCH')).toBe("-ERR wrong number of arguments for 'client|no-touch' command\r\n");
    expect(await k.call('CLIENT', 'NO-EVICT', 'on')).toBe('+OK\r\n');
    expect(infoText(await k.call('CLIENT', 'INFO')) as string).toContain(' flags=eT ');
    expect(await k.call('RESET')).toBe('+RESET\r\n');
    expect(infoText(await k.call('CLIENT', 'INFO')) as string).toContain(' flags=e ');
    expect(await k.call('CLIENT', 'NO-TOUCH', 'OFF')).toBe('+OK\r\n');
  });

  it('COMMAND INFO / DOCS describe them as Redis 7.2 does', async () => {
    const { k } = await pair.clients(2);
    expect(decode(await k.call('COMMAND', 'INFO', 'client|setinfo', 'client|no-touch'))).toEqual([
      ['client|setinfo', { int: '4' }, [{ simple: 'noscript' }, { simple: 'loading' }, { simple: 'stale' }], { int: '0' }, { int: '0' }, { int: '0' }, [{ simple: '@slow' }, { simple: '@connection' }], [], [], []],
      ['client|no-touch', { int: '3' }, [{ simple: 'noscript' }, { simple: 'loading' }, { simple: 'stale' }], { int: '0' }, { int: '0' }, { int: '0' }, [{ simple: '@slow' }, { simple: '@connection' }], [], [], []],
    ]);
    const docs = decode(await k.call('COMMAND', 'DOCS', 'client|setinfo')) as unknown[];
    expect(docs[0]).toBe('client|setinfo');
    expect(docs[1]).toEqual(['summary', 'Sets information specific to the client or connection.', 'since', '7.2.0', 'group', 'connection', 'complexity', 'O(1)']);
  });
});

describe('clients libraries', () => {
  it('node-redis 6 connects (CLIENT SETINFO, MAINT_NOTIFICATIONS probe) and runs commands', async () => {
    const { createClient } = await import('redis6');
    const client = createClient({ url: pair.redkit.url });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
      await client.set('lib', 'v');
      expect(await client.get('lib')).toBe('v');
    } finally {
      await client.quit();
    }
  });

  it('a server without built-ins still answers PING, ECHO and QUIT', async () => {
    const s = createServer({ builtins: false, logger: 'error' });
    await s.listen(0);
    const c = await RawClient.connect(s.port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(await c.call('ECHO', 'x')).toBe('$1\r\nx\r\n');
    expect(await c.call('GET', 'x')).toBe("-ERR unknown command 'GET', with args beginning with: 'x' \r\n");
    expect(await c.call('QUIT')).toBe('+OK\r\n');
    c.close();
    await s.close();
    s.dispose();
  });
});
