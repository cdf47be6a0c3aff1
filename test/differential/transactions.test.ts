/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH against redis-server, byte for
 * byte, in RESP2 and RESP3: queueing, EXECABORT after rejected commands,
 * errors inside EXEC, WATCH touched by other clients, by flushes, by SWAPDB
 * and by expiry, and the transaction's marks in CLIENT INFO and MONITOR.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, expectSameEvents, RawClient, startPair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { encodePipeline } from '../support/raw-client.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CLIENT INFO reduced to the fields a transaction changes. */
const txFields: (cmd: Cmd) => Step = (cmd) => ({
  cmd,
  normalize: (b) => /flags=\S+/.exec(b)?.[0] + ' ' + /multi=\S+/.exec(b)?.[0],
});

describe.each([2, 3] as const)('transactions (RESP%i)', (proto) => {
  it('MULTI queues, EXEC runs in order and answers every reply', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['GET', 'a'],
      ['HSET', 'h', 'f', 'v'],
      ['HGETALL', 'h'],
      ['ZADD', 'z', '1.5', 'm'],
      ['ZSCORE', 'z', 'm'],
      ['SADD', 's', 'x'],
      ['SMEMBERS', 's'],
      ['GET', 'missing'],
      ['PING'],
      ['ECHO', 'hi'],
      ['EXEC'],
      ['GET', 'a'],
      ['MULTI'],
      ['EXEC'],
    ]);
  });

  it('errors: nesting, EXEC/DISCARD without MULTI, WATCH inside MULTI, arity of the transaction commands', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['EXEC'],
      ['DISCARD'],
      ['MULTI', 'x'],
      ['EXEC', 'x'],
      ['DISCARD', 'x'],
      ['WATCH'],
      ['UNWATCH', 'x'],
      ['MULTI'],
      ['MULTI'],
      ['WATCH', 'a'],
      ['SET', 'a', '1'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'b', '2'],
      ['DISCARD'],
      ['GET', 'b'],
      ['DISCARD'],
      ['UNWATCH'],
    ]);
  });

  it('a command rejected while queueing aborts the transaction (EXECABORT); the rest is not run', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MULTI'],
      ['SET', 'a', '1'],
      ['NOSUCHCOMMAND', 'x'],
      ['SET', 'b', '2'],
      ['EXEC'],
      ['MGET', 'a', 'b'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['GET'],
      ['EXEC'],
      ['EXISTS', 'a'],
      ['MULTI'],
      ['CLIENT', 'NOSUCHSUB'],
      ['EXEC', 'extra'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['EXEC', 'extra'],
      ['EXEC'],
    ]);
  });

  it('runtime errors inside EXEC are elements of the reply; the other commands run', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 's', 'str'],
      ['MULTI'],
      ['LPUSH', 's', 'x'],
      ['INCR', 's'],
      ['SET', 'n', '1'],
      ['INCRBYFLOAT', 'n', '1.5'],
      ['SET', 'k', 'v', 'EX', '-1'],
      ['EXEC'],
      ['GET', 'n'],
    ]);
  });

  it('SELECT inside MULTI switches the database for the following commands, and stays switched', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MULTI'],
      ['SET', 'k', 'db0'],
      ['SELECT', '1'],
      ['SET', 'k', 'db1'],
      ['SELECT', '99'],
      ['EXEC'],
      ['GET', 'k'],
      ['SELECT', '0'],
      ['GET', 'k'],
    ]);
  });

  it('WATCH: another client modifying the key makes EXEC answer null; UNWATCH and DISCARD forget it', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    const round = async (before: Cmd[], other: Cmd[], tx: Cmd[] = [['INCR', 'n']]) => {
      await expectSame(a.r, a.k, before);
      for (const cmd of other) await expectSame(b.r, b.k, [cmd]);
      await expectSame(a.r, a.k, [['MULTI'], ...tx, ['EXEC']]);
    };
    await expectSame(a.r, a.k, [['SET', 'w', '1']]);
    await round([['WATCH', 'w']], [['SET', 'w', '2']]);
    await round([['WATCH', 'w']], [['GET', 'w']]); // reads do not touch
    await round([['WATCH', 'w']], [['SET', 'other', '1']]);
    await round([['WATCH', 'w'], ['UNWATCH']], [['SET', 'w', '3']]);
    await round([['WATCH', 'w'], ['MULTI'], ['DISCARD']], [['SET', 'w', '4']]);
    await round([['WATCH', 'nokey']], [['SET', 'nokey', 'x']]); // created
    await round([['WATCH', 'nokey']], [['DEL', 'nokey']]); // deleted
    await round([['WATCH', 'nokey']], [['DEL', 'nokey']]); // deleting nothing does not touch
    await round([['WATCH', 's']], [['SADD', 's', 'a']]);
    await round([['WATCH', 's']], [['SADD', 's', 'a']]); // no change: not touched
    await round([['WATCH', 'w']], [['EXPIRE', 'w', '100']]);
    await round([['WATCH', 'w']], [['PERSIST', 'w']]);
    await round([['WATCH', 'w']], [['RENAME', 'w', 'w2']]);
    await round([['WATCH', 'w2', 'x', 'y']], [['SET', 'y', '1']]);
    // Several keys, watched twice, and a WATCH after the client is already dirty.
    await round([['WATCH', 'w2'], ['WATCH', 'w2']], [['APPEND', 'w2', 'z']]);
    await expectSame(a.r, a.k, [['WATCH', 'w2']]);
    await expectSame(b.r, b.k, [['APPEND', 'w2', 'z']]);
    await round([['WATCH', 'w2']], [], [['GET', 'w2']]);
    // The client's own writes before MULTI touch its watched keys too.
    await round([['WATCH', 'w2'], ['SET', 'w2', 'mine']], []);
    // A watch in another database is another key.
    await round([['SELECT', '1'], ['WATCH', 'w2'], ['SELECT', '0']], [['SET', 'w2', 'db0']]);
    await round([['SELECT', '1'], ['WATCH', 'w2']], [['SELECT', '1'], ['SET', 'w2', 'db1'], ['SELECT', '0']], [['SELECT', '0']]);
  });

  it('WATCH: FLUSHDB, FLUSHALL and SWAPDB touch watched keys that exist', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    const round = async (watch: Cmd[], other: Cmd[]) => {
      await expectSame(a.r, a.k, watch);
      for (const cmd of other) await expectSame(b.r, b.k, [cmd]);
      await expectSame(a.r, a.k, [['MULTI'], ['PING'], ['EXEC']]);
    };
    await round([['SET', 'k', '1'], ['WATCH', 'k']], [['FLUSHDB']]);
    await round([['WATCH', 'k']], [['FLUSHDB']]); // nothing to flush: not touched
    await round([['SET', 'k', '1'], ['WATCH', 'k']], [['FLUSHALL']]);
    await round([['SET', 'k', '1'], ['WATCH', 'k']], [['SELECT', '2'], ['FLUSHDB'], ['SELECT', '0']]);
    await round([['SET', 'k', '1'], ['WATCH', 'k']], [['SWAPDB', '0', '1']]);
    await round([['WATCH', 'k']], [['SWAPDB', '0', '1']]); // the key comes back
    await round([['WATCH', 'none']], [['SWAPDB', '0', '1']]);
    await round([['WATCH', 'k']], [['SWAPDB', '2', '3']]);
  });

  it('WATCH: a key that expires after WATCH fails the EXEC; one already expired does not', async () => {
    const a = await pair.clients(proto);
    // SET and WATCH in one write: each server runs them back to back, so the key is alive at the
    // WATCH however slowly the test is scheduled (a reply's round trip between them could take
    // more than the 60 ms on a loaded machine). Then 150 ms of real time: expired on both.
    const setWatch = encodePipeline([['SET', 'e', '1', 'PX', '60'], ['WATCH', 'e']]);
    a.r.write(setWatch);
    a.k.write(setWatch);
    const both = async (c: RawClient) => [await c.read(), await c.read()];
    const [rs, ks] = await Promise.all([both(a.r), both(a.k)]);
    expect(ks).toEqual(rs);
    expect(rs).toEqual(['+OK\r\n', '+OK\r\n']);
    await sleep(150);
    await expectSame(a.r, a.k, [['MULTI'], ['PING'], ['EXEC']]);
    await expectSame(a.r, a.k, [['SET', 'e', '1', 'PX', '20']]);
    await sleep(100);
    await expectSame(a.r, a.k, [['WATCH', 'e'], ['MULTI'], ['PING'], ['EXEC']]);
  });

  it('CLIENT INFO shows the transaction (flags=x, multi=N) and a dirty watch (flags=d)', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    await expectSame(a.r, a.k, [txFields(['CLIENT', 'INFO']), ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC']]);
    // Inside MULTI the CLIENT INFO is itself queued: look from inside the EXEC.
    await expectSame(a.r, a.k, [['MULTI'], ['PING'], ['CLIENT', 'INFO']]);
    const [re, ke] = await Promise.all([a.r.call('EXEC'), a.k.call('EXEC')]);
    const fields = (s: string) => `${/flags=\S+/.exec(s)?.[0]} ${/multi=\S+/.exec(s)?.[0]}`;
    expect(fields(ke)).toBe(fields(re));
    await expectSame(a.r, a.k, [['WATCH', 'w']]);
    await expectSame(b.r, b.k, [['SET', 'w', '1']]);
    await expectSame(a.r, a.k, [txFields(['CLIENT', 'INFO']), ['MULTI'], ['SET', 'x', '1'], ['EXEC'], txFields(['CLIENT', 'INFO']), ['EXISTS', 'x']]);
  });

  it('RESET and QUIT inside MULTI are not queued', async () => {
    const a = await pair.clients(proto);
    await expectSame(a.r, a.k, [['MULTI'], ['SET', 'a', '1'], ['RESET'], ['EXEC'], ['EXISTS', 'a']]);
    const [re, ke] = await Promise.all([a.r.call('MULTI'), a.k.call('MULTI')]);
    expect(ke).toBe(re);
    expect(await a.k.call('QUIT')).toBe(await a.r.call('QUIT'));
  });

  it('a rejected EXEC (arity, pub/sub context) answers EXECABORT and ends the transaction', async () => {
    const a = await pair.clients(proto);
    await expectSame(a.r, a.k, [['EXEC', 'x'], ['MULTI'], ['SET', 'a', '1'], ['EXEC', 'x'], ['EXEC'], ['EXISTS', 'a']]);
    await expectSame(a.r, a.k, [['SUBSCRIBE', 'ch'], ['MULTI'], ['EXEC'], ['DISCARD'], ['UNSUBSCRIBE', 'ch']]);
  });

  it('CLIENT PAUSE holds commands before they are queued; WRITE pauses hold an EXEC with writes', async () => {
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    for (const mode of ['WRITE', 'ALL']) {
      await expectSame(a.r, a.k, [['CLIENT', 'PAUSE', '150', mode]]);
      await expectSame(b.r, b.k, [['MULTI'], ['GET', 'a'], ['SET', 'a', mode], ['EXEC'], ['GET', 'a']]);
      await expectSame(a.r, a.k, [['CLIENT', 'PAUSE', '150', mode]]);
      await expectSame(b.r, b.k, [['MULTI'], ['GET', 'a'], ['EXEC']]);
      await expectSame(a.r, a.k, [['CLIENT', 'UNPAUSE']]);
    }
  });

  it('keyspace events of the queued commands are sent when EXEC runs them', async () => {
    await expectSameEvents(pair, proto, [['MULTI'], ['SET', 'a', '1'], ['LPUSH', 'l', 'x'], ['EXPIRE', 'a', '100'], ['DEL', 'l'], ['EXEC']]);
  });
});

describe('transactions on the wire', () => {
  it('a pipelined transaction answers OK, QUEUED..., then the EXEC array', async () => {
    const r = await RawClient.connect(pair.redis.port);
    const k = await RawClient.connect(pair.redkit.port);
    try {
      const script = 'MULTI\r\nSET a 1\r\nINCR a\r\nBADCMD\r\nEXEC\r\nMULTI\r\nINCR a\r\nEXEC\r\nPING\r\n';
      r.write(script);
      k.write(script);
      const read = async (c: RawClient) => {
        const out: string[] = [];
        for (let i = 0; i < 9; i++) out.push(await c.read());
        return out;
      };
      const [ra, ka] = await Promise.all([read(r), read(k)]);
      expect(ka).toEqual(ra);
    } finally {
      r.close();
      k.close();
    }
  });

  it.each([2, 3] as const)('commands that write their own replies inside EXEC (SUBSCRIBE, HELLO, MONITOR), RESP%i', async (proto) => {
    // HELLO's map differs in version and client id only.
    const norm = (b: string) => b.replace(/(version\r\n)\$\d+\r\n[\d.]+\r\n/g, '$1V').replace(/(\bid\r\n):\d+\r\n/g, '$1ID');
    const same = async (script: string) => {
      const { r, k } = await pair.clients(proto);
      r.write(script);
      k.write(script);
      const [a, b] = await Promise.all([r.readUntilClose(300), k.readUntilClose(300)]);
      expect(norm(b), JSON.stringify(script)).toBe(norm(a));
    };
    await same('MULTI\r\nMONITOR\r\nEXEC\r\nMULTI\r\nSET a 1\r\nSUBSCRIBE x y\r\nGET a\r\nEXEC\r\nPING\r\n');
    await same(`MULTI\r\nPING\r\nHELLO ${5 - proto}\r\nHGETALL nokey\r\nZSCORE nokey m\r\nEXEC\r\nHGETALL nokey\r\n`);
  });

  it('MONITOR shows MULTI, the queued commands as EXEC runs them, then EXEC', async () => {
    const mon = await pair.clients(2);
    const c = await pair.clients(2);
    const strip = (line: string) => line.replace(/^\+\d+\.\d{6} \[(\d+) [^\]]+\]/, '+T [$1 ADDR]');
    expect(await mon.k.call('MONITOR')).toBe(await mon.r.call('MONITOR'));
    await expectSame(c.r, c.k, [['MULTI'], ['SET', 'a', '1'], ['BAD'], ['DISCARD'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['EXEC'], ['GET', 'a']]);
    // A rejected EXEC is shown too, closing the MULTI shown before it.
    await expectSame(c.r, c.k, [['MULTI'], ['SET', 'b', '1'], ['EXEC', 'x'], ['PING']]);
    for (let i = 0; i < 10; i++) expect(strip(await mon.k.read())).toBe(strip(await mon.r.read()));
  });
});
