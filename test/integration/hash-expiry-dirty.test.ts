/**
 * The dirty counter (INFO persistence rdb_changes_since_last_save) for hash
 * field expiration (Redis 7.4 commands: no 7.0 oracle, so tested against
 * RedKit alone, following 7.4's t_hash.c): HEXPIRE / HPEXPIRE / HEXPIREAT /
 * HPEXPIREAT count one change per field whose TTL was set or that was deleted
 * by a deadline in the past (nothing when no condition passed, no field
 * exists, or on errors); HPERSIST counts one change when any field lost its
 * TTL; HTTL and friends count nothing. Frozen virtual clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';

const T0 = 1_700_000_000_000;
let server: RedKitServer;
const clients: RawClient[] = [];

beforeAll(async () => {
  server = createServer({ logger: 'error', clock: 'frozen' });
  await server.listen(0);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  server?.dispose();
});
beforeEach(async () => {
  server.clock.set(T0);
  const c = await RawClient.connect(server.port);
  await c.call('FLUSHALL');
  c.close();
});

async function dirty(c: RawClient): Promise<number> {
  const m = /rdb_changes_since_last_save:(\d+)/.exec(await c.call('INFO', 'persistence'));
  if (!m) throw new Error('no rdb_changes_since_last_save');
  return Number(m[1]);
}

/** [command, expected change of the counter] */
const STEPS: Array<[string[], number]> = [
  [['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'], 4],
  [['HEXPIRE', 'h', '100', 'FIELDS', '2', 'a', 'b'], 2],
  [['HEXPIRE', 'h', '100', 'FIELDS', '3', 'a', 'nofield', 'c'], 2],
  [['HEXPIRE', 'h', '100', 'NX', 'FIELDS', '2', 'a', 'd'], 1],
  [['HEXPIRE', 'h', '100', 'NX', 'FIELDS', '1', 'a'], 0],
  [['HEXPIRE', 'h', '50', 'GT', 'FIELDS', '1', 'a'], 0],
  [['HEXPIRE', 'h', '500', 'GT', 'FIELDS', '2', 'a', 'b'], 2],
  [['HEXPIRE', 'h', '500', 'LT', 'FIELDS', '1', 'a'], 0],
  [['HPEXPIRE', 'h', '1000', 'LT', 'FIELDS', '2', 'a', 'b'], 2],
  [['HPEXPIRE', 'h', '1000', 'XX', 'FIELDS', '2', 'a', 'nofield'], 1],
  [['HEXPIREAT', 'h', String(T0 / 1000 + 1000), 'FIELDS', '1', 'c'], 1],
  [['HPEXPIREAT', 'h', String(T0 + 5000), 'FIELDS', '1', 'd'], 1],
  [['HEXPIRE', 'nokey', '100', 'FIELDS', '1', 'a'], 0],
  [['HEXPIRE', 'h', 'abc', 'FIELDS', '1', 'a'], 0],
  [['HEXPIRE', 'h', '100', 'FIELDS', '0'], 0],
  [['HEXPIRE', 'h', '-1', 'FIELDS', '1', 'a'], 0],
  [['HTTL', 'h', 'FIELDS', '2', 'a', 'b'], 0],
  [['HPTTL', 'h', 'FIELDS', '1', 'a'], 0],
  [['HEXPIRETIME', 'h', 'FIELDS', '1', 'a'], 0],
  [['HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'], 0],
  // HPERSIST: one change for the command, however many fields
  [['HPERSIST', 'h', 'FIELDS', '2', 'a', 'b'], 1],
  [['HPERSIST', 'h', 'FIELDS', '2', 'a', 'b'], 0],
  [['HPERSIST', 'h', 'FIELDS', '1', 'nofield'], 0],
  [['HPERSIST', 'nokey', 'FIELDS', '1', 'a'], 0],
  [['HPERSIST', 'h', 'FIELDS', '1', 'c'], 1],
  // a deadline in the past deletes the fields: one change each
  [['HEXPIREAT', 'h', '1', 'FIELDS', '2', 'a', 'b'], 2],
  [['HPEXPIREAT', 'h', '1', 'FIELDS', '3', 'c', 'd', 'nofield'], 2],
  [['EXISTS', 'h'], 0],
  [['HSET', 'h2', 'x', '1'], 1],
  [['SET', 's', 'v'], 1],
  [['HEXPIRE', 's', '100', 'FIELDS', '1', 'a'], 0],
];

describe('hash field expiration and rdb_changes_since_last_save (Redis 7.4 counts)', () => {
  it.each([2, 3] as const)('counts per field updated or deleted (RESP%i)', async (proto) => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    if (proto === 3) await c.call('HELLO', '3');
    let before = await dirty(c);
    for (const [cmd, n] of STEPS) {
      const reply = await c.call(...cmd);
      const after = await dirty(c);
      expect(`${cmd.join(' ')} -> ${after - before}`, reply).toBe(`${cmd.join(' ')} -> ${n}`);
      before = after;
    }
  });

  it('inside MULTI each command counts; EXEC adds nothing', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    await c.call('HSET', 'm', 'a', '1', 'b', '2');
    const before = await dirty(c);
    for (const cmd of [['MULTI'], ['HEXPIRE', 'm', '10', 'FIELDS', '2', 'a', 'b'], ['HPERSIST', 'm', 'FIELDS', '1', 'a'], ['EXEC']]) await c.call(...cmd);
    expect((await dirty(c)) - before).toBe(3);
  });
});
