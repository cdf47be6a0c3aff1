/**
 * Blocking commands against redis-server, byte for byte, in RESP2 and RESP3:
 * BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT,
 * CLIENT UNBLOCK, CLIENT PAUSE with blocked clients, and what a blocked
 * client looks like in CLIENT LIST / INFO. A blocked command is sent to both
 * servers, the test waits until each reports the client blocked, then the
 * unblocking commands run and both blocked clients' replies are compared.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { block, nothingPending, readSame, sendBoth, waitBlocked, type Both } from '../support/blocking.js';
import { expectSame, RawClient, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());
beforeEach(async () => {
  await pair.flush();
  // No client of an earlier test stays blocked (the tests count blocked clients).
  for (const port of [pair.redis.port, pair.redkit.port]) {
    const c = await RawClient.connect(port);
    await c.call('CLIENT', 'KILL', 'TYPE', 'normal');
    c.close();
  }
});

/** Read the next reply on both and expect the same type (HELLO: versions and ids differ). */
async function readSameType(c: Both, label: string): Promise<void> {
  const [a, b] = await Promise.all([c.r.read(), c.k.read()]);
  expect(b[0], label).toBe(a[0]);
}

describe.each([2, 3] as const)('blocking commands (RESP%i)', (proto) => {
  it('answer at once when a key has data, with the non-blocking replies', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['RPUSH', 'l1', 'a', 'b', 'c'],
      ['RPUSH', 'l2', 'x'],
      ['BLPOP', 'missing', 'l1', 'l2', '0'],
      ['BRPOP', 'missing', 'l1', '0'],
      ['BRPOP', 'l2', 'l1', '1.5'],
      ['LRANGE', 'l1', '0', '-1'],
      ['EXISTS', 'l2'],
      ['RPUSH', 'src', '1', '2', '3'],
      ['BRPOPLPUSH', 'src', 'dst', '0'],
      ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'],
      ['BLMOVE', 'src', 'src', 'left', 'left', '0'],
      ['LRANGE', 'dst', '0', '-1'],
      ['RPUSH', 'm', 'a', 'b', 'c', 'd'],
      ['BLMPOP', '0', '2', 'nothing', 'm', 'LEFT'],
      ['BLMPOP', '0', '1', 'm', 'RIGHT', 'COUNT', '2'],
      ['BLMPOP', '0', '1', 'm', 'RIGHT', 'COUNT', '10'],
      ['EXISTS', 'm'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3.5', 'c', '4', 'd'],
      ['BZPOPMIN', 'nothing', 'z', '0'],
      ['BZPOPMAX', 'z', '0'],
      ['BZMPOP', '0', '2', 'nothing', 'z', 'MIN'],
      ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5'],
      ['EXISTS', 'z'],
    ]);
  });

  it('errors: timeouts, arity, WRONGTYPE, options', async () => {
    const { r, k } = await pair.clients(proto);
    const steps: Cmd[] = [['SET', 'str', 'v'], ['RPUSH', 'list', 'a'], ['ZADD', 'zs', '1', 'a']];
    for (const t of ['abc', '', ' 1', '1 ', 'nan', '-1', '-0.5', 'inf', '-inf', '+inf', '1e300', '9223372036854776', '1e5000', '1e-5000', '0x', '1.5.5']) {
      steps.push(['BLPOP', 'nokey', t], ['BRPOP', 'nokey', t], ['BZPOPMIN', 'nokey', t], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', t], ['BRPOPLPUSH', 'a', 'b', t], ['BLMPOP', t, '1', 'a', 'LEFT'], ['BZMPOP', t, '1', 'a', 'MIN']);
    }
    steps.push(
      ['BLPOP'],
      ['BLPOP', 'k'],
      ['BRPOP', 'k'],
      ['BZPOPMIN', 'k'],
      ['BZPOPMAX'],
      ['BRPOPLPUSH', 'a', 'b'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
      ['BLMPOP', '0', '1'],
      ['BZMPOP', '0', '1'],
      ['WAIT', '0'],
      ['BLPOP', 'str', '0'],
      ['BLPOP', 'nokey', 'str', 'list', '0'],
      ['BLPOP', 'list', 'str', '0'],
      ['RPUSH', 'list', 'a'],
      ['BRPOP', 'zs', '0'],
      ['BZPOPMIN', 'list', '0'],
      ['BZPOPMAX', 'nokey', 'str', '0'],
      ['BLMOVE', 'str', 'x', 'LEFT', 'RIGHT', '0'],
      ['BLMOVE', 'list', 'str', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'list', 'zs', '0'],
      ['BLMOVE', 'list', 'x', 'UP', 'RIGHT', '0'],
      ['BLMOVE', 'list', 'x', 'LEFT', 'DOWN', 'xyz'],
      ['BLMOVE', 'list', 'x', 'UP', 'DOWN', 'xyz'],
      ['BLMPOP', '0', '0', 'a', 'LEFT'],
      ['BLMPOP', '0', '-1', 'a', 'LEFT'],
      ['BLMPOP', '0', 'x', 'a', 'LEFT'],
      ['BLMPOP', '0', '2', 'a', 'LEFT'],
      ['BLMPOP', '0', '1', 'a', 'MIDDLE'],
      ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT'],
      ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '-1'],
      ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['BLMPOP', 'x', '0', 'a', 'LEFT'],
      ['BLMPOP', '0', '1', 'str', 'LEFT'],
      ['BZMPOP', '0', '0', 'a', 'MIN'],
      ['BZMPOP', '0', '1', 'a', 'LEFT'],
      ['BZMPOP', '0', '1', 'a', 'MIN', 'COUNT', '0'],
      ['BZMPOP', '0', '1', 'a', 'MIN', 'COUNT', 'x'],
      ['BZMPOP', '0', '1', 'a', 'MIN', 'FOO'],
      ['BZMPOP', '0', '1', 'str', 'MIN'],
      ['WAIT', 'x', '0'],
      ['WAIT', '1', 'x'],
      ['WAIT', '1', '-1'],
      ['WAIT', '1', '1.5'],
      ['WAIT', 'x', '-1'],
      ['WAIT', '0', '0'],
      ['WAIT', '-1', '5'],
      ['WAIT', '0', '100'],
      ['WAIT', '99999999999999999999', '0'],
    );
    await expectSame(r, k, steps);
  });

  it('never block inside MULTI: each answers as on timeout', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['MULTI'],
      ['BLPOP', 'a', '0'],
      ['BRPOP', 'a', 'b', '0'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'a', 'b', '0'],
      ['BLMPOP', '0', '1', 'a', 'LEFT'],
      ['BZPOPMIN', 'z', '0'],
      ['BZPOPMAX', 'z', '1'],
      ['BZMPOP', '0', '1', 'z', 'MIN'],
      ['WAIT', '1', '0'],
      ['WAIT', '0', '0'],
      ['RPUSH', 'a', 'x'],
      ['BLPOP', 'a', '0'],
      ['BLPOP', 'a', '0'],
      ['EXEC'],
    ]);
  });

  it('a timeout answers a null array (BLMOVE too); WAIT answers 0', async () => {
    const c = await pair.clients(proto);
    for (const cmd of [
      ['BLPOP', 'a', 'b', '0.01'],
      ['BRPOP', 'a', '0.01'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0.01'],
      ['BRPOPLPUSH', 'a', 'b', '0.01'],
      ['BLMPOP', '0.01', '1', 'a', 'LEFT'],
      ['BZPOPMIN', 'z', '0.01'],
      ['BZMPOP', '0.01', '2', 'z', 'y', 'MAX', 'COUNT', '3'],
      ['WAIT', '1', '10'],
    ]) {
      await expectSame(c.r, c.k, [cmd]);
    }
    // Later commands of the client wait for the blocked one and come back in order.
    c.r.send('BLPOP', 'a', '0.01');
    c.k.send('BLPOP', 'a', '0.01');
    sendBoth(c, 'PING');
    sendBoth(c, 'ECHO', 'after');
    await readSame(c, 'timed out');
    await readSame(c, 'PING after');
    await readSame(c, 'ECHO after');
  });

  it('a push serves the waiter; waiters of a key are served in the order they blocked', async () => {
    const ctl = await pair.clients(proto);
    const w1 = await pair.clients(proto);
    const w2 = await pair.clients(proto);
    const w3 = await pair.clients(proto);
    await block(w1, ctl, 1, 'BLPOP', 'q', '0');
    await block(w2, ctl, 2, 'BRPOP', 'other', 'q', '0');
    await block(w3, ctl, 3, 'BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '5');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'q', 'a', 'b', 'c', 'd', 'e']]);
    await readSame(w1, 'first waiter');
    await readSame(w2, 'second waiter');
    await readSame(w3, 'third waiter');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 'q', '0', '-1'], ['EXISTS', 'q']]);
    // One element, two waiters: only the first is served.
    await block(w1, ctl, 1, 'BRPOP', 'q', '0');
    await block(w2, ctl, 2, 'BLPOP', 'q', '0');
    await expectSame(ctl.r, ctl.k, [['LPUSH', 'q', 'x'], ['EXISTS', 'q']]);
    await readSame(w1, 'served');
    await nothingPending(w2);
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'q', 'y', 'z'], ['LRANGE', 'q', '0', '-1']]);
    await readSame(w2, 'served later');
    await expectSame(ctl.r, ctl.k, [['INFO', 'clients']].map((cmd) => ({ cmd, normalize: (b: string) => /blocked_clients:\d+/.exec(b)?.[0] })));
  });

  it('served at the end of the EXEC that made the key ready: a push and a pop in one MULTI leave the waiter blocked', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    await expectSame(ctl.r, ctl.k, [['MULTI'], ['RPUSH', 'k', 'a'], ['LPOP', 'k'], ['EXEC'], ['EXISTS', 'k']]);
    await nothingPending(w);
    await expectSame(ctl.r, ctl.k, [['MULTI'], ['RPUSH', 'k', 'a', 'b'], ['LPOP', 'k'], ['EXEC'], ['LRANGE', 'k', '0', '-1']]);
    await readSame(w, 'served after EXEC');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 'k', '0', '-1']]);
  });

  it('a waiter on several keys is served from the key that became ready first', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    await block(w, ctl, 1, 'BLPOP', 'k1', 'k2', 'k3', '0');
    await expectSame(ctl.r, ctl.k, [['MULTI'], ['RPUSH', 'k3', 'c'], ['RPUSH', 'k1', 'a'], ['EXEC']]);
    await readSame(w, 'served from k3');
    await expectSame(ctl.r, ctl.k, [['KEYS', '*']]);
    await block(w, ctl, 1, 'BZPOPMAX', 'z1', 'z2', '0');
    await expectSame(ctl.r, ctl.k, [['MULTI'], ['ZADD', 'z2', '1', 'x', '5', 'y'], ['ZADD', 'z1', '3', 'a'], ['EXEC']]);
    await readSame(w, 'served from z2');
    await block(w, ctl, 1, 'BZMPOP', '0', '2', 'z3', 'z4', 'MIN', 'COUNT', '10');
    await expectSame(ctl.r, ctl.k, [['ZADD', 'z4', '1', 'x', '2', 'y', '3', 'z']]);
    await readSame(w, 'BZMPOP served');
  });

  it('BLMOVE / BRPOPLPUSH chains: the push to the destination serves its waiters in the same pass', async () => {
    const ctl = await pair.clients(proto);
    const a = await pair.clients(proto);
    const b = await pair.clients(proto);
    const c = await pair.clients(proto);
    await block(a, ctl, 1, 'BLMOVE', 'src', 'mid', 'LEFT', 'RIGHT', '0');
    await block(b, ctl, 2, 'BRPOPLPUSH', 'mid', 'end', '0');
    await block(c, ctl, 3, 'BLPOP', 'end', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'src', 'v1', 'v2']]);
    await readSame(a, 'BLMOVE');
    await readSame(b, 'BRPOPLPUSH');
    await readSame(c, 'BLPOP at the end');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 'src', '0', '-1'], ['EXISTS', 'mid', 'end']]);
    // A served BLMOVE whose destination has another type answers WRONGTYPE and leaves the source.
    await block(a, ctl, 1, 'BLMOVE', 's2', 'str', 'RIGHT', 'LEFT', '0');
    await expectSame(ctl.r, ctl.k, [['SET', 'str', 'x'], ['RPUSH', 's2', 'v']]);
    await readSame(a, 'WRONGTYPE');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 's2', '0', '-1']]);
    // Source and destination the same list: rotation.
    await block(a, ctl, 1, 'BLMOVE', 'rot', 'rot', 'LEFT', 'RIGHT', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'rot', '1', '2', '3']]);
    await readSame(a, 'rotation');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 'rot', '0', '-1']]);
  });

  it('a key of another type keeps list and zset waiters blocked (Redis 7.0)', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const z = await pair.clients(proto);
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    await block(z, ctl, 2, 'BZPOPMIN', 'k', '0');
    await expectSame(ctl.r, ctl.k, [['ZADD', 'k', '1', 'm']]);
    await readSame(z, 'zset waiter served');
    await nothingPending(w);
    await expectSame(ctl.r, ctl.k, [['EXISTS', 'k'], ['SADD', 'k', 'x'], ['DEL', 'k'], ['RPUSH', 'k', 'v']]);
    await readSame(w, 'list waiter served');
  });

  it('keys made ready by RENAME, MOVE, COPY, RESTORE, SORT STORE, ZUNIONSTORE, LMOVE', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    await block(w, ctl, 1, 'BLPOP', 'dst', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'tmp', 'a', 'b'], ['RENAME', 'tmp', 'dst']]);
    await readSame(w, 'RENAME');
    await expectSame(ctl.r, ctl.k, [['DEL', 'dst']]);
    await block(w, ctl, 1, 'BRPOP', 'dst', '0');
    await expectSame(ctl.r, ctl.k, [['SELECT', '1'], ['RPUSH', 'dst', 'x', 'y'], ['MOVE', 'dst', '0'], ['SELECT', '0']]);
    await readSame(w, 'MOVE');
    await expectSame(ctl.r, ctl.k, [['DEL', 'dst']]);
    await block(w, ctl, 1, 'BLPOP', 'dst', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'orig', '1', '2'], ['COPY', 'orig', 'dst']]);
    await readSame(w, 'COPY');
    await expectSame(ctl.r, ctl.k, [['DEL', 'dst']]);
    await block(w, ctl, 1, 'BLPOP', 'dst', '0');
    const dumps = await Promise.all([ctl.r.call('DUMP', 'orig'), ctl.k.call('DUMP', 'orig')]);
    await Promise.all([ctl.r.call('RESTORE', 'dst', '0', Buffer.from(dumps[0].slice(dumps[0].indexOf('\r\n') + 2, -2), 'latin1')), ctl.k.call('RESTORE', 'dst', '0', Buffer.from(dumps[1].slice(dumps[1].indexOf('\r\n') + 2, -2), 'latin1'))]);
    await readSame(w, 'RESTORE');
    await expectSame(ctl.r, ctl.k, [['DEL', 'dst']]);
    await block(w, ctl, 1, 'BLPOP', 'dst', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'nums', '3', '1', '2'], ['SORT', 'nums', 'STORE', 'dst']]);
    await readSame(w, 'SORT STORE');
    await expectSame(ctl.r, ctl.k, [['DEL', 'dst']]);
    await block(w, ctl, 1, 'BZPOPMIN', 'zdst', '0');
    await expectSame(ctl.r, ctl.k, [['ZADD', 'za', '1', 'a'], ['ZUNIONSTORE', 'zdst', '1', 'za']]);
    await readSame(w, 'ZUNIONSTORE');
    await block(w, ctl, 1, 'BLPOP', 'dst', '0');
    await expectSame(ctl.r, ctl.k, [['LMOVE', 'orig', 'dst', 'LEFT', 'LEFT']]);
    await readSame(w, 'LMOVE');
    await block(w, ctl, 1, 'BZPOPMIN', 'geo', '0');
    await expectSame(ctl.r, ctl.k, [['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo']]);
    await readSame(w, 'GEOADD');
  });

  it('CLIENT UNBLOCK TIMEOUT / ERROR, and its errors', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const [rid, kid] = await Promise.all([w.r.call('CLIENT', 'ID'), w.k.call('CLIENT', 'ID')]);
    const idr = rid.slice(1, -2);
    const idk = kid.slice(1, -2);
    const unblock = async (...extra: string[]) => {
      const [a, b] = await Promise.all([ctl.r.call('CLIENT', 'UNBLOCK', idr, ...extra), ctl.k.call('CLIENT', 'UNBLOCK', idk, ...extra)]);
      expect(b, `CLIENT UNBLOCK ${extra.join(' ')}`).toBe(a);
    };
    await unblock();
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    await unblock();
    await readSame(w, 'unblocked as timeout');
    await block(w, ctl, 1, 'BZPOPMIN', 'k', '0');
    await unblock('error');
    await readSame(w, 'unblocked with an error');
    await block(w, ctl, 1, 'BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0');
    await unblock('TIMEOUT');
    await readSame(w, 'BLMOVE unblocked');
    await block(w, ctl, 1, 'WAIT', '1', '0');
    await unblock('TIMEOUT');
    await readSame(w, 'WAIT unblocked as timeout');
    await block(w, ctl, 1, 'WAIT', '2', '0');
    await unblock('ERROR');
    await readSame(w, 'WAIT unblocked with an error');
    // Negative fractions of a ms round to 0: for ever; deadlines past the int64 range never come.
    const forever: Cmd[] = [
      ['BLPOP', 'k', '-0.0001'],
      ['BLPOP', 'k', '-0'],
      ['BRPOP', 'k', '-0.00099'],
      ['BLPOP', 'k', '9223372036853'],
      ['BLPOP', 'k', '9223372036854775'],
      ['BZPOPMIN', 'k', '9223372036854775.807'],
      ['WAIT', '1', '9223372036854775807'],
      ['WAIT', '1', '9223370000000000000'],
    ];
    for (const cmd of forever) {
      await block(w, ctl, 1, ...cmd);
      await expectSame(ctl.r, ctl.k, [{ cmd: ['INFO', 'clients'], normalize: (b: string) => `${/blocked_clients:\d+/.exec(b)?.[0]} ${/clients_in_timeout_table:\d+/.exec(b)?.[0]}` }]);
      await unblock();
      await readSame(w, `${cmd.join(' ')} unblocked`);
    }
    // A positive fraction of a millisecond is a short timeout, not for ever.
    await expectSame(w.r, w.k, [['BLPOP', 'k', '0.0009'], ['BRPOP', 'k', '1e-400'], ['BZPOPMAX', 'k', '0x0.0001']]);
    await block(w, ctl, 1, 'BLMPOP', '0', '1', 'k', 'LEFT');
    await unblock('maybe');
    await unblock('error', 'x');
    await unblock();
    await readSame(w, 'BLMPOP unblocked');
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK'], ['CLIENT', 'UNBLOCK', '999999', 'TIMEOUT'], ['CLIENT', 'UNBLOCK', '-1'], ['CLIENT', 'UNBLOCK', '99999999999999999999']]);
    await expectSame(ctl.r, ctl.k, [['INFO', 'errorstats']].map((cmd) => ({ cmd, normalize: (b: string) => /errorstat_UNBLOCKED:\S+/.exec(b)?.[0] })));
    await expectSame(ctl.r, ctl.k, [['INFO', 'commandstats']].map((cmd) => ({ cmd, normalize: (b: string) => b.split('\r\n').filter((l) => /^cmdstat_(blpop|bzpopmin|blmove|wait|blmpop|client\|unblock)/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')).sort() })));
  });

  it('CLIENT LIST / INFO show a blocked client (flags=b, cmd=) and INFO counts it', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    await block(w, ctl, 1, 'BRPOPLPUSH', 'a', 'b', '0');
    const fields = (b: string) => b.split('\n').filter((l) => l.includes('cmd=brpoplpush')).map((l) => `${/flags=\S+/.exec(l)?.[0]} ${/cmd=\S+/.exec(l)?.[0]} ${/db=\S+/.exec(l)?.[0]}`);
    await expectSame(ctl.r, ctl.k, [{ cmd: ['CLIENT', 'LIST'], normalize: fields }]);
    const counts = (b: string) => `${/blocked_clients:\d+/.exec(b)?.[0]} ${/clients_in_timeout_table:\d+/.exec(b)?.[0]}`;
    await expectSame(ctl.r, ctl.k, [{ cmd: ['INFO', 'clients'], normalize: counts }]);
    const t = await pair.clients(proto);
    await block(t, ctl, 2, 'BZPOPMIN', 'z', '100');
    await expectSame(ctl.r, ctl.k, [{ cmd: ['INFO', 'clients'], normalize: counts }]);
    await expectSame(ctl.r, ctl.k, [['ZADD', 'z', '1', 'm']]);
    await readSame(t, 'BZPOPMIN served');
    await expectSame(ctl.r, ctl.k, [{ cmd: ['INFO', 'clients'], normalize: counts }]);
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'a', 'x']]);
    await readSame(w, 'served');
    await expectSame(w.r, w.k, [{ cmd: ['CLIENT', 'INFO'], normalize: (b) => `${/flags=\S+/.exec(b)?.[0]} ${/cmd=\S+/.exec(b)?.[0]}` }]);
    await expectSame(ctl.r, ctl.k, [{ cmd: ['INFO', 'clients'], normalize: (b) => /blocked_clients:\d+/.exec(b)?.[0] }]);
  });

  it('CLIENT KILL of a blocked client and a blocked client that disconnects leave nothing behind', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const [rid, kid] = await Promise.all([w.r.call('CLIENT', 'ID'), w.k.call('CLIENT', 'ID')]);
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    const [a, b] = await Promise.all([ctl.r.call('CLIENT', 'KILL', 'ID', rid.slice(1, -2)), ctl.k.call('CLIENT', 'KILL', 'ID', kid.slice(1, -2))]);
    expect(b).toBe(a);
    await waitBlocked(ctl, 0);
    // CLIENT KILL and a push in one pipeline: the killed waiter takes nothing.
    const w3 = await pair.clients(proto);
    const [r3, k3] = await Promise.all([w3.r.call('CLIENT', 'ID'), w3.k.call('CLIENT', 'ID')]);
    await block(w3, ctl, 1, 'BLPOP', 'k', '0');
    ctl.r.send('CLIENT', 'KILL', 'ID', r3.slice(1, -2));
    ctl.k.send('CLIENT', 'KILL', 'ID', k3.slice(1, -2));
    sendBoth(ctl, 'RPUSH', 'k', 'kept');
    await readSame(ctl, 'CLIENT KILL');
    await readSame(ctl, 'RPUSH');
    await expectSame(ctl.r, ctl.k, [['LRANGE', 'k', '0', '-1'], ['DEL', 'k']]);
    await waitBlocked(ctl, 0);
    const w2 = await pair.clients(proto);
    await block(w2, ctl, 1, 'BZPOPMIN', 'z', '0');
    w2.r.close();
    w2.k.close();
    await waitBlocked(ctl, 0);
    // The key is not consumed by anyone gone.
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'k', 'v'], ['ZADD', 'z', '1', 'm'], ['LLEN', 'k'], ['ZCARD', 'z']]);
    expect(pair.redkit.blocking.blockedCount).toBe(0);
    expect(pair.redkit.blocking.waitedKeys).toBe(0);
  });

  it('CLIENT PAUSE WRITE: paused writers count as blocked; blocked clients time out meanwhile and are served after', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const p = await pair.clients(proto);
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'PAUSE', '100000', 'WRITE']]);
    await block(p, ctl, 2, 'RPUSH', 'k', 'v').catch(async (e) => {
      await expectSame(ctl.r, ctl.k, [['CLIENT', 'UNPAUSE']]);
      throw e;
    });
    const fields = (b: string) =>
      b
        .split('\n')
        .filter((l) => /cmd=(blpop|rpush)/.test(l))
        .map((l) => `${/flags=\S+/.exec(l)?.[0]} ${/cmd=\S+/.exec(l)?.[0]}`)
        .sort();
    await expectSame(ctl.r, ctl.k, [{ cmd: ['CLIENT', 'LIST'], normalize: fields }]);
    await nothingPending(w, p);
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'UNPAUSE']]);
    await readSame(p, 'the paused RPUSH');
    await readSame(w, 'the waiter served');
    await waitBlocked(ctl, 0);
    // A waiter's timeout still fires while clients are paused (PAUSE ALL holds CLIENT UNPAUSE too: a short pause).
    await block(w, ctl, 1, 'BLPOP', 'k', '0.05');
    await expectSame(ctl.r, ctl.k, [['CLIENT', 'PAUSE', '400', 'ALL']]);
    await readSame(w, 'timed out while paused');
    sendBoth(ctl, 'CLIENT', 'UNPAUSE');
    await readSame(ctl, 'UNPAUSE once the pause is over');
  });

  it('HELLO 3, BZPOPMIN (blocked, then served), HELLO 2: each reply in its protocol', async () => {
    const ctl = await pair.clients(2);
    const w = await pair.clients(proto);
    sendBoth(w, 'HELLO', '3');
    sendBoth(w, 'BZPOPMIN', 'z', '0');
    sendBoth(w, 'HELLO', '2');
    sendBoth(w, 'ZSCORE', 'z', 'b');
    await readSameType(w, 'HELLO 3');
    await waitBlocked(ctl, 1);
    await expectSame(ctl.r, ctl.k, [['ZADD', 'z', '1.5', 'a', '2.5', 'b']]);
    await readSame(w, 'BZPOPMIN in RESP3');
    await readSameType(w, 'HELLO 2');
    await readSame(w, 'ZSCORE in RESP2');
    // The same with a failing BZPOPMIN in the middle.
    sendBoth(w, 'HELLO', '3');
    sendBoth(w, 'BZPOPMIN', 'z', 'x');
    sendBoth(w, 'BZPOPMIN', 'z', '0.01');
    sendBoth(w, 'HELLO', '2');
    sendBoth(w, 'BZPOPMIN', 'nothing', '0.01');
    for (const l of ['HELLO 3', 'error', 'BZPOPMIN in RESP3', 'HELLO 2', 'timeout in RESP2']) await (l.startsWith('HELLO') ? readSameType(w, l) : readSame(w, l));
  });

  it('MONITOR shows a blocked command when it arrives, before the push that serves it', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const mon = await pair.clients(proto);
    await expectSame(mon.r, mon.k, [['MONITOR']]);
    await block(w, ctl, 1, 'BLPOP', 'k', '0');
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'k', 'v']]);
    await readSame(w, 'served');
    await expectSame(ctl.r, ctl.k, [['ECHO', 'end']]);
    // Each line without its timestamp and client address: the commands in order.
    const strip = (m: string) => m.replace(/^\+\d+\.\d+ \[(\d+) [^\]]*\]/, '[$1]');
    const lines: Array<[string, string]> = [];
    for (;;) {
      const [a, b] = await Promise.all([mon.r.read(), mon.k.read()]);
      lines.push([strip(a), strip(b)]);
      if (a.includes('"ECHO"')) break;
    }
    expect(lines.map((l) => l[1])).toEqual(lines.map((l) => l[0]));
    expect(lines.map((l) => l[0]).filter((l) => /BLPOP|RPUSH/.test(l))).toEqual(['[0] "BLPOP" "k" "0"\r\n', '[0] "RPUSH" "k" "v"\r\n']);
  });

  it('keyspace events and WATCH see the served command', async () => {
    const ctl = await pair.clients(proto);
    const w = await pair.clients(proto);
    const sub = await pair.clients(proto);
    const watcher = await pair.clients(proto);
    await expectSame(ctl.r, ctl.k, [['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    await expectSame(sub.r, sub.k, [['PSUBSCRIBE', '__keyevent@0__:*']]);
    await block(w, ctl, 1, 'BLMOVE', 'k', 'dst', 'RIGHT', 'LEFT', '0');
    await expectSame(watcher.r, watcher.k, [['WATCH', 'k'], ['MULTI'], ['PING']]);
    await expectSame(ctl.r, ctl.k, [['RPUSH', 'k', 'v']]);
    await readSame(w, 'served');
    await expectSame(watcher.r, watcher.k, [['EXEC']]);
    await expectSame(ctl.r, ctl.k, [['PUBLISH', '__keyevent@0__:end', 'x']]);
    for (;;) {
      const m = await readSame(sub, 'event');
      if (m.includes('end')) break;
    }
  });
});
