/**
 * Hash field expiration (Redis 7.4: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT,
 * HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST) and HSCAN NOVALUES.
 *
 * The redis-server oracle of the differential tests is 7.0.15, which has none
 * of these, so they are tested here against RedKit alone, following the Redis
 * 7.4 documentation and t_hash.c: reply codes, error strings, field order of
 * listpackex hashes, keyspace events. Time is a frozen virtual clock moved
 * with server.clock.advance(): no sleeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type RedKitServer } from '../../src/index.js';
import { RHash } from '../../src/store/types/hash.js';
import { decode } from '../support/differential.js';
import { RawClient } from '../support/raw-client.js';

const T0 = 1_700_000_000_000; // a round virtual "now"
const HFE_MAX = 2 ** 46 - 1; // largest absolute field deadline (ms)

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
  const c = await client();
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
});

async function client(proto: 2 | 3 = 2): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  if (proto === 3) await c.call('HELLO', '3');
  return c;
}

/** Send a command, decode the reply. */
async function cmd(c: RawClient, ...args: string[]): Promise<unknown> {
  return decode(await c.call(...args));
}

const int = (n: number) => ({ int: String(n) });
const ints = (...ns: number[]) => ns.map(int);
const err = (message: string) => ({ error: message });

function hashAt(key: string, db = 0): RHash {
  const v = server.store.db(db).data.get(key);
  expect(v).toBeInstanceOf(RHash);
  return v as RHash;
}

describe.each([2, 3] as const)('hash field expiration (RESP%i)', (proto) => {
  it('argument errors, in Redis order', async () => {
    const c = await client(proto);
    await cmd(c, 'SET', 's', 'x');
    await cmd(c, 'HSET', 'h', 'f', 'v');
    const cases: Array<[string[], unknown]> = [
      [['HEXPIRE', 's', '10', 'FIELDS', '1', 'f'], err('WRONGTYPE Operation against a key holding the wrong kind of value')],
      [['HEXPIRE', 's', 'x', 'FIELDS', '1', 'f'], err('WRONGTYPE Operation against a key holding the wrong kind of value')],
      [['HTTL', 's', 'FIELDS', '1', 'f'], err('WRONGTYPE Operation against a key holding the wrong kind of value')],
      [['HPERSIST', 's', 'FIELDS', '1', 'f'], err('WRONGTYPE Operation against a key holding the wrong kind of value')],
      [['HEXPIRE', 'h', 'x', 'FIELDS', '1', 'f'], err('ERR value is not an integer or out of range')],
      [['HEXPIRE', 'h', '1.5', 'FIELDS', '1', 'f'], err('ERR value is not an integer or out of range')],
      [['HEXPIRE', 'h', '-1', 'FIELDS', '1', 'f'], err('ERR invalid expire time, must be >= 0')],
      [['HPEXPIREAT', 'h', '-1', 'FIELDS', '1', 'f'], err('ERR invalid expire time, must be >= 0')],
      [['HEXPIRE', 'nokey', '-1', 'FIELDS', '1', 'f'], err('ERR invalid expire time, must be >= 0')],
      [['HEXPIRE', 'h', String(Math.floor(HFE_MAX / 1000) + 1), 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hexpire' command")],
      // Relative: the deadline (now + time) must stay within the limit.
      [['HEXPIRE', 'h', String(Math.floor(HFE_MAX / 1000)), 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hexpire' command")],
      [['HPEXPIRE', 'h', String(HFE_MAX - T0 + 1), 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hpexpire' command")],
      [['HEXPIREAT', 'h', String(Math.floor(HFE_MAX / 1000) + 1), 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hexpireat' command")],
      [['HPEXPIREAT', 'h', String(HFE_MAX + 1), 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hpexpireat' command")],
      [['HPEXPIREAT', 'h', '9223372036854775807', 'FIELDS', '1', 'f'], err("ERR invalid expire time in 'hpexpireat' command")],
      [['HPEXPIREAT', 'h', '9223372036854775808', 'FIELDS', '1', 'f'], err('ERR value is not an integer or out of range')],
      [['HEXPIRE', 'h', '10', 'BADCOND', 'FIELDS', '1', 'f'], err('ERR Mandatory argument FIELDS is missing or not at the right position')],
      [['HEXPIRE', 'h', '10', 'NX', 'XX', 'FIELDS', '1', 'f'], err('ERR Mandatory argument FIELDS is missing or not at the right position')],
      [['HEXPIRE', 'h', '10', 'FIELD', '1', 'f'], err('ERR Mandatory argument FIELDS is missing or not at the right position')],
      [['HEXPIRE', 'h', '10', 'FIELDS', '0', 'f'], err('ERR Parameter `numFields` should be greater than 0')],
      [['HEXPIRE', 'h', '10', 'FIELDS', '-1', 'f'], err('ERR Parameter `numFields` should be greater than 0')],
      [['HEXPIRE', 'h', '10', 'NX', 'FIELDS', 'x', 'f'], err('ERR Parameter `numFields` should be greater than 0')],
      [['HEXPIRE', 'h', '10', 'FIELDS', '2', 'f'], err('ERR The `numfields` parameter must match the number of arguments')],
      [['HEXPIRE', 'h', '10', 'FIELDS', '1', 'f', 'g'], err('ERR The `numfields` parameter must match the number of arguments')],
      [['HEXPIRE', 'h', '10', 'NX', 'FIELDS', '1'], err('ERR The `numfields` parameter must match the number of arguments')],
      [['HEXPIRE', 'h', '10', 'NX', 'FIELDS'], err("ERR wrong number of arguments for 'hexpire' command")],
      [['HEXPIRE', 'h', '10', 'FIELDS', '1'], err("ERR wrong number of arguments for 'hexpire' command")],
      [['HPEXPIREAT', 'h', '10', 'FIELDS'], err("ERR wrong number of arguments for 'hpexpireat' command")],
      [['HTTL', 'h', 'FIELDS', '1'], err("ERR wrong number of arguments for 'httl' command")],
      [['HPERSIST', 'h', 'FIELDS'], err("ERR wrong number of arguments for 'hpersist' command")],
      [['HTTL', 'h', 'NOTFIELDS', '1', 'f'], err('ERR Mandatory argument FIELDS is missing or not at the right position')],
      [['HTTL', 'h', 'FIELDS', '0', 'f'], err('ERR Number of fields must be a positive integer')],
      [['HPTTL', 'h', 'FIELDS', 'x', 'f'], err('ERR Number of fields must be a positive integer')],
      [['HEXPIRETIME', 'h', 'FIELDS', '2', 'f'], err('ERR The `numfields` parameter must match the number of arguments')],
      [['HPERSIST', 'h', 'FIELDS', '-1', 'f'], err('ERR Number of fields must be a positive integer')],
      [['HPERSIST', 'h', 'fields', '1', 'f', 'g'], err('ERR The `numfields` parameter must match the number of arguments')],
      // Keywords are case-insensitive.
      [['hexpire', 'h', '10', 'nx', 'fields', '1', 'f'], ints(1)],
      [['HPEXPIRETIME', 'h', 'fields', '1', 'f'], ints(T0 + 10_000)],
    ];
    for (const [args, want] of cases) expect(await cmd(c, ...args), args.join(' ')).toEqual(want);
    // Nothing failed half-way: the field still has exactly the TTL set above.
    expect(await cmd(c, 'HPTTL', 'h', 'FIELDS', '1', 'f')).toEqual(ints(10_000));
  });

  it('a missing key answers -2 for every field and is not created', async () => {
    const c = await client(proto);
    for (const name of ['HEXPIRE', 'HPEXPIRE', 'HEXPIREAT', 'HPEXPIREAT']) {
      expect(await cmd(c, name, 'nokey', '100', 'FIELDS', '2', 'a', 'b')).toEqual(ints(-2, -2));
      expect(await cmd(c, name, 'nokey', '100', 'NX', 'FIELDS', '1', 'a')).toEqual(ints(-2));
    }
    for (const name of ['HTTL', 'HPTTL', 'HEXPIRETIME', 'HPEXPIRETIME', 'HPERSIST']) {
      expect(await cmd(c, name, 'nokey', 'FIELDS', '3', 'a', 'b', 'c')).toEqual(ints(-2, -2, -2));
    }
    expect(await cmd(c, 'EXISTS', 'nokey')).toEqual(int(0));
  });

  it('reply codes: set (1), no such field (-2), condition not met (0), deleted (2)', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    expect(await cmd(c, 'HEXPIRE', 'h', '100', 'FIELDS', '3', 'a', 'nope', 'b')).toEqual(ints(1, -2, 1));
    // NX: only fields without a TTL.
    expect(await cmd(c, 'HEXPIRE', 'h', '200', 'NX', 'FIELDS', '2', 'a', 'c')).toEqual(ints(0, 1));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '3', 'a', 'c', 'd')).toEqual(ints(100, 200, -1));
    // XX: only fields with a TTL.
    expect(await cmd(c, 'HEXPIRE', 'h', '300', 'XX', 'FIELDS', '2', 'a', 'd')).toEqual(ints(1, 0));
    // GT: a field without TTL counts as infinite, so GT never sets it; equal is not greater.
    expect(await cmd(c, 'HEXPIRE', 'h', '300', 'GT', 'FIELDS', '3', 'a', 'b', 'd')).toEqual(ints(0, 1, 0));
    expect(await cmd(c, 'HEXPIRE', 'h', '301', 'GT', 'FIELDS', '1', 'a')).toEqual(ints(1));
    // LT: always sets a field without TTL; equal is not less.
    expect(await cmd(c, 'HEXPIRE', 'h', '301', 'LT', 'FIELDS', '3', 'a', 'b', 'd')).toEqual(ints(0, 0, 1));
    expect(await cmd(c, 'HEXPIRE', 'h', '50', 'LT', 'FIELDS', '1', 'a')).toEqual(ints(1));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'd')).toEqual(ints(50, 300, 200, 301));
    // The same deadline again, no condition: set (1).
    expect(await cmd(c, 'HEXPIRE', 'h', '50', 'FIELDS', '1', 'a')).toEqual(ints(1));
    // Conditions are checked before a past time deletes.
    expect(await cmd(c, 'HEXPIRE', 'h', '0', 'NX', 'FIELDS', '1', 'a')).toEqual(ints(0));
    expect(await cmd(c, 'HEXPIRE', 'h', '0', 'GT', 'FIELDS', '1', 'a')).toEqual(ints(0));
    expect(await cmd(c, 'HEXPIRE', 'h', '0', 'FIELDS', '3', 'a', 'a', 'nope')).toEqual(ints(2, -2, -2));
    expect(await cmd(c, 'HPEXPIREAT', 'h', String(T0), 'FIELDS', '1', 'b')).toEqual(ints(2));
    expect(await cmd(c, 'HEXPIREAT', 'h', '1', 'LT', 'FIELDS', '1', 'c')).toEqual(ints(2));
    expect(await cmd(c, 'HGETALL', 'h')).toEqual(proto === 3 ? { map: ['d', '4'] } : ['d', '4']);
    // Deleting the last field deletes the key.
    expect(await cmd(c, 'HPEXPIRE', 'h', '0', 'FIELDS', '1', 'd')).toEqual(ints(2));
    expect(await cmd(c, 'EXISTS', 'h')).toEqual(int(0));
    // A deadline of now + 1ms is in the future.
    await cmd(c, 'HSET', 'h', 'x', '1');
    expect(await cmd(c, 'HPEXPIREAT', 'h', String(T0 + 1), 'FIELDS', '1', 'x')).toEqual(ints(1));
  });

  it('HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME as time passes', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(await cmd(c, 'HPEXPIRE', 'h', '1500', 'FIELDS', '1', 'a')).toEqual(ints(1));
    expect(await cmd(c, 'HEXPIREAT', 'h', String(T0 / 1000 + 100), 'FIELDS', '1', 'b')).toEqual(ints(1));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'nope')).toEqual(ints(2, 100, -1, -2));
    expect(await cmd(c, 'HPTTL', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'nope')).toEqual(ints(1500, 100_000, -1, -2));
    expect(await cmd(c, 'HEXPIRETIME', 'h', 'FIELDS', '3', 'a', 'b', 'c')).toEqual(ints(T0 / 1000 + 2, T0 / 1000 + 100, -1));
    expect(await cmd(c, 'HPEXPIRETIME', 'h', 'FIELDS', '3', 'a', 'b', 'c')).toEqual(ints(T0 + 1500, T0 + 100_000, -1));
    server.clock.advance(600);
    // Seconds round up.
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '1', 'a')).toEqual(ints(1));
    expect(await cmd(c, 'HPTTL', 'h', 'FIELDS', '1', 'a')).toEqual(ints(900));
    server.clock.advance(900);
    // At its deadline the field is still there (expired one millisecond later), as keys.
    expect(await cmd(c, 'HPTTL', 'h', 'FIELDS', '1', 'a')).toEqual(ints(0));
    expect(await cmd(c, 'HGET', 'h', 'a')).toBe('1');
    server.clock.advance(1);
    expect(await cmd(c, 'HPTTL', 'h', 'FIELDS', '1', 'a')).toEqual(ints(-2));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '2', 'a', 'b')).toEqual(ints(-2, 99));
    expect(await cmd(c, 'HGET', 'h', 'a')).toBe(null);
  });

  it('expired fields are never visible, and the clock removes them without any command', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await cmd(c, 'HPEXPIRE', 'h', '100', 'FIELDS', '2', 'a', 'b');
    await cmd(c, 'HSET', 'only', 'x', '1');
    await cmd(c, 'HPEXPIRE', 'only', '50', 'FIELDS', '1', 'x');
    server.clock.advance(51);
    // Active expiry deleted the key whose only field expired: not a hash command in sight.
    expect(server.store.db(0).data.has('only')).toBe(false);
    expect(await cmd(c, 'EXISTS', 'only')).toEqual(int(0));
    expect(hashAt('h').size).toBe(3);
    server.clock.advance(50);
    expect(hashAt('h').size).toBe(1);
    expect(await cmd(c, 'HLEN', 'h')).toEqual(int(1));
    expect(await cmd(c, 'HGET', 'h', 'a')).toBe(null);
    expect(await cmd(c, 'HMGET', 'h', 'a', 'b', 'c')).toEqual([null, null, '3']);
    expect(await cmd(c, 'HEXISTS', 'h', 'b')).toEqual(int(0));
    expect(await cmd(c, 'HKEYS', 'h')).toEqual(['c']);
    expect(await cmd(c, 'HSCAN', 'h', '0')).toEqual(['0', ['c', '3']]);
    expect(await cmd(c, 'HRANDFIELD', 'h', '-5')).toEqual(['c', 'c', 'c', 'c', 'c']);
    server.clock.advance('1h');
    expect(await cmd(c, 'HGETALL', 'h')).toEqual(proto === 3 ? { map: ['c', '3'] } : ['c', '3']);
  });

  it('reads drop due fields even before the clock timer runs', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'HPEXPIRE', 'h', '100', 'FIELDS', '1', 'a');
    // Move the value's deadline into the past behind the timers' back.
    const h = hashAt('h');
    h.setFieldTtl('a', T0 - 5);
    expect(await cmd(c, 'HGETALL', 'h')).toEqual(proto === 3 ? { map: ['b', '2'] } : ['b', '2']);
    h.setFieldTtl('b', T0 - 5);
    expect(await cmd(c, 'HLEN', 'h')).toEqual(int(0));
    expect(await cmd(c, 'EXISTS', 'h')).toEqual(int(0));
  });

  it('writes and field TTLs: HSET clears, HINCRBY keeps, HDEL removes', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'n', '10');
    await cmd(c, 'HEXPIRE', 'h', '100', 'FIELDS', '4', 'a', 'b', 'c', 'n');
    await cmd(c, 'HSET', 'h', 'a', 'new');
    await cmd(c, 'HMSET', 'h', 'b', 'new');
    expect(await cmd(c, 'HSETNX', 'h', 'c', 'ignored')).toEqual(int(0));
    expect(await cmd(c, 'HINCRBY', 'h', 'n', '5')).toEqual(int(15));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'n')).toEqual(ints(-1, -1, 100, 100));
    await cmd(c, 'HDEL', 'h', 'c');
    await cmd(c, 'HSET', 'h', 'c', 'back');
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '1', 'c')).toEqual(ints(-1));
    server.clock.advance('101s');
    expect(await cmd(c, 'HGETALL', 'h')).toEqual(proto === 3 ? { map: ['a', 'new', 'b', 'new', 'c', 'back'] } : ['a', 'new', 'b', 'new', 'c', 'back']);
    // An increment of an expired field starts from zero, without TTL.
    await cmd(c, 'HSET', 'h', 'n', '7');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'n');
    server.clock.advance(11);
    expect(await cmd(c, 'HINCRBY', 'h', 'n', '1')).toEqual(int(1));
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '1', 'n')).toEqual(ints(-1));
    // HSETNX over an expired field sets it.
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    h_set(hashAt('h'), 'a', T0 - 1);
    expect(await cmd(c, 'HSETNX', 'h', 'a', 'fresh')).toEqual(int(1));
  });

  it('HPERSIST', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'HEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    expect(await cmd(c, 'HPERSIST', 'h', 'FIELDS', '3', 'a', 'b', 'nope')).toEqual(ints(1, -1, -2));
    expect(await cmd(c, 'HPERSIST', 'h', 'FIELDS', '1', 'a')).toEqual(ints(-1));
    server.clock.advance('1d');
    expect(await cmd(c, 'HLEN', 'h')).toEqual(int(2));
    // On a plain listpack hash nothing changes.
    await cmd(c, 'HSET', 'plain', 'a', '1');
    expect(await cmd(c, 'HPERSIST', 'plain', 'FIELDS', '1', 'a')).toEqual(ints(-1));
    expect(hashAt('plain').encoding()).toBe('listpack');
  });

  it('encodings: listpackex once a field-expiration command touched a listpack, then hashtable', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1');
    await cmd(c, 'HTTL', 'h', 'FIELDS', '1', 'a');
    expect(hashAt('h').encoding()).toBe('listpack');
    // Even when no field changes.
    expect(await cmd(c, 'HEXPIRE', 'h', '10', 'FIELDS', '1', 'nope')).toEqual(ints(-2));
    expect(hashAt('h').encoding()).toBe('listpackex');
    expect(await cmd(c, 'HPERSIST', 'h', 'FIELDS', '1', 'a')).toEqual(ints(-1));
    expect(hashAt('h').encoding()).toBe('listpackex');
    await cmd(c, 'HEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await cmd(c, 'HSET', 'h', 'long', 'v'.repeat(65));
    expect(hashAt('h').encoding()).toBe('hashtable');
    expect(await cmd(c, 'HTTL', 'h', 'FIELDS', '2', 'a', 'long')).toEqual(ints(10, -1));
    // A big hash with TTLs: conversion keeps them.
    const args: string[] = [];
    for (let i = 0; i < 200; i++) args.push(`f${i}`, `${i}`);
    await cmd(c, 'HSET', 'big', ...args.slice(0, 100));
    await cmd(c, 'HPEXPIRE', 'big', '500', 'FIELDS', '2', 'f0', 'f1');
    await cmd(c, 'HSET', 'big', ...args.slice(100));
    expect(hashAt('big').encoding()).toBe('hashtable');
    expect(await cmd(c, 'HPTTL', 'big', 'FIELDS', '3', 'f0', 'f1', 'f2')).toEqual(ints(500, 500, -1));
    server.clock.advance(501);
    expect(await cmd(c, 'HLEN', 'big')).toEqual(int(198));
    expect(await cmd(c, 'HEXISTS', 'big', 'f0')).toEqual(int(0));
  });

  it('listpackex field order: by deadline, then the fields without TTL', async () => {
    const c = await client(proto);
    const pairs = (r: unknown) => (proto === 3 ? (r as { map: string[] }).map : (r as string[]));
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
    await cmd(c, 'HEXPIRE', 'h', '300', 'FIELDS', '1', 'c');
    await cmd(c, 'HEXPIRE', 'h', '100', 'FIELDS', '1', 'e');
    expect(pairs(await cmd(c, 'HGETALL', 'h'))).toEqual(['e', '5', 'c', '3', 'a', '1', 'b', '2', 'd', '4']);
    // Equal deadlines: the one set last goes first.
    await cmd(c, 'HEXPIRE', 'h', '300', 'FIELDS', '2', 'a', 'b');
    expect(await cmd(c, 'HKEYS', 'h')).toEqual(['e', 'b', 'a', 'c', 'd']);
    expect(await cmd(c, 'HVALS', 'h')).toEqual(['5', '2', '1', '3', '4']);
    // A persisted field goes to the end; so does one overwritten by HSET.
    await cmd(c, 'HPERSIST', 'h', 'FIELDS', '1', 'e');
    await cmd(c, 'HSET', 'h', 'b', 'x');
    expect(await cmd(c, 'HKEYS', 'h')).toEqual(['a', 'c', 'd', 'e', 'b']);
    // HINCRBY keeps the TTL and the place; a new field goes last.
    await cmd(c, 'HINCRBY', 'h', 'a', '1');
    await cmd(c, 'HSET', 'h', 'z', '0');
    expect(await cmd(c, 'HSCAN', 'h', '0')).toEqual(['0', ['a', '2', 'c', '3', 'd', '4', 'e', '5', 'b', 'x', 'z', '0']]);
    expect(await cmd(c, 'HSCAN', 'h', '0', 'NOVALUES')).toEqual(['0', ['a', 'c', 'd', 'e', 'b', 'z']]);
    expect(await cmd(c, 'HRANDFIELD', 'h', '10')).toEqual(['a', 'c', 'd', 'e', 'b', 'z']);
    // Expiry removes the front.
    server.clock.advance('301s');
    expect(await cmd(c, 'HKEYS', 'h')).toEqual(['d', 'e', 'b', 'z']);
  });

  it('HSCAN NOVALUES (Redis 7.4) on small and big hashes', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'ab', '3');
    expect(await cmd(c, 'HSCAN', 'h', '0', 'NOVALUES')).toEqual(['0', ['a', 'b', 'ab']]);
    expect(await cmd(c, 'HSCAN', 'h', '0', 'MATCH', 'a*', 'NOVALUES', 'COUNT', '1')).toEqual(['0', ['a', 'ab']]);
    expect(await cmd(c, 'HSCAN', 'h', '0', 'novalues')).toEqual(['0', ['a', 'b', 'ab']]);
    expect(await cmd(c, 'HSCAN', 'nokey', '0', 'NOVALUES')).toEqual(['0', []]);
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(`f${i}`, `${i}`);
    await cmd(c, 'HSET', 'big', ...args);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, items] = (await cmd(c, 'HSCAN', 'big', cursor, 'NOVALUES', 'COUNT', '25')) as [string, string[]];
      seen.push(...items);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.sort()).toEqual(Array.from({ length: 300 }, (_, i) => `f${i}`).sort());
  });

  it('keyspace events: hexpire, hpersist, hdel and del for past times, hexpired and del when fields expire', async () => {
    const c = await client(proto);
    const sub = await client(proto);
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.call('PSUBSCRIBE', '__keyevent@*__:*');
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await cmd(c, 'HEXPIRE', 'h', '10', 'FIELDS', '2', 'a', 'nope'); // hexpire
    await cmd(c, 'HEXPIRE', 'h', '10', 'NX', 'FIELDS', '1', 'a'); // nothing changed: no event
    await cmd(c, 'HPERSIST', 'h', 'FIELDS', '1', 'a'); // hpersist
    await cmd(c, 'HPERSIST', 'h', 'FIELDS', '1', 'a'); // no event
    await cmd(c, 'HEXPIRE', 'h', '0', 'FIELDS', '1', 'a'); // hdel
    await cmd(c, 'HPEXPIRE', 'h', '100', 'FIELDS', '1', 'b'); // hexpire
    server.clock.advance(101); // hexpired (active)
    await cmd(c, 'HEXPIRE', 'h', '0', 'FIELDS', '1', 'c'); // hdel + del
    await cmd(c, 'HSET', 'g', 'x', '1');
    await cmd(c, 'HPEXPIRE', 'g', '5', 'FIELDS', '1', 'x'); // hexpire
    server.clock.advance(6); // hexpired + del
    await cmd(c, 'PUBLISH', '__keyevent@0__:zz-end', 'end');
    const events: string[] = [];
    for (;;) {
      const m = decode(await sub.read()) as { push?: string[] } | string[];
      const items = Array.isArray(m) ? m : (m.push as string[]);
      if (items[0] !== 'pmessage') continue;
      if (items[2].endsWith('zz-end')) break;
      events.push(`${items[2].replace(/^__keyevent@\d+__:/, '')} ${items[3]}`);
    }
    expect(events).toEqual(['hset h', 'hexpire h', 'hpersist h', 'hdel h', 'hexpire h', 'hexpired h', 'hdel h', 'del h', 'hset g', 'hexpire g', 'hexpired g', 'del g']);
  });

  it('active expiry in other databases', async () => {
    const c = await client(proto);
    await cmd(c, 'SELECT', '3');
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await cmd(c, 'HSET', 'k', 'a', '1');
    await cmd(c, 'HPEXPIRE', 'k', '20', 'FIELDS', '1', 'a');
    server.clock.advance(11);
    expect(hashAt('h', 3).has('a')).toBe(false);
    expect(server.store.db(3).data.has('k')).toBe(true);
    server.clock.advance(10);
    expect(server.store.db(3).data.has('k')).toBe(false);
    expect(await cmd(c, 'DBSIZE')).toEqual(int(1));
  });

  it('a hash whose key is deleted and recreated does not inherit the old deadlines', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await cmd(c, 'DEL', 'h');
    await cmd(c, 'HSET', 'h', 'a', 'new');
    server.clock.advance(100);
    expect(await cmd(c, 'HGET', 'h', 'a')).toBe('new');
    await cmd(c, 'FLUSHALL');
    await cmd(c, 'HSET', 'h', 'a', 'again');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    server.clock.advance(11);
    expect(await cmd(c, 'EXISTS', 'h')).toEqual(int(0));
  });

  it('SWAPDB carries pending field expiry along; COPY copies field TTLs', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await cmd(c, 'SWAPDB', '0', '5');
    server.clock.advance(11);
    expect(hashAt('h', 5).has('a')).toBe(false);
    expect(hashAt('h', 5).size).toBe(1);
    await cmd(c, 'SELECT', '5');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'b');
    await cmd(c, 'COPY', 'h', 'h2');
    expect(await cmd(c, 'HPTTL', 'h2', 'FIELDS', '1', 'b')).toEqual(ints(10));
    expect(hashAt('h2', 5).encoding()).toBe('listpackex');
    server.clock.advance(11);
    expect(await cmd(c, 'EXISTS', 'h', 'h2')).toEqual(int(0));
  });

  it('a renamed hash keeps its field TTLs', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await cmd(c, 'RENAME', 'h', 'r');
    expect(await cmd(c, 'HPTTL', 'r', 'FIELDS', '2', 'a', 'b')).toEqual(ints(10, -1));
    server.clock.advance(11);
    expect(hashAt('r').has('a')).toBe(false);
    expect(await cmd(c, 'HGETALL', 'r')).toEqual(proto === 3 ? { map: ['b', '2'] } : ['b', '2']);
  });

  it('a key-level TTL and field TTLs live side by side', async () => {
    const c = await client(proto);
    await cmd(c, 'HSET', 'h', 'a', '1', 'b', '2');
    await cmd(c, 'PEXPIRE', 'h', '100');
    await cmd(c, 'HPEXPIRE', 'h', '50', 'FIELDS', '1', 'a');
    server.clock.advance(51);
    expect(await cmd(c, 'HKEYS', 'h')).toEqual(['b']);
    expect(await cmd(c, 'PTTL', 'h')).toEqual(int(49));
    server.clock.advance(50);
    expect(await cmd(c, 'EXISTS', 'h')).toEqual(int(0));
  });
});

describe('hash field expiration metadata', () => {
  it('COMMAND INFO and COMMAND DOCS describe the Redis 7.4 commands', async () => {
    const c = await client(2);
    const info = (await cmd(c, 'COMMAND', 'INFO', 'hexpire', 'httl', 'hpersist')) as unknown[][];
    expect(info[0].slice(0, 7)).toEqual(['hexpire', int(-6), [{ simple: 'write' }, { simple: 'denyoom' }, { simple: 'fast' }], int(1), int(1), int(1), [{ simple: '@write' }, { simple: '@hash' }, { simple: '@fast' }]]);
    expect(info[1].slice(0, 7)).toEqual(['httl', int(-5), [{ simple: 'readonly' }, { simple: 'fast' }], int(1), int(1), int(1), [{ simple: '@read' }, { simple: '@hash' }, { simple: '@fast' }]]);
    expect(info[2].slice(0, 7)).toEqual(['hpersist', int(-5), [{ simple: 'write' }, { simple: 'fast' }], int(1), int(1), int(1), [{ simple: '@write' }, { simple: '@hash' }, { simple: '@fast' }]]);
    const docs = (await cmd(c, 'COMMAND', 'DOCS', 'hpexpireat')) as unknown[];
    expect(docs[0]).toBe('hpexpireat');
    const d = docs[1] as string[];
    const field = (n: string) => d[d.indexOf(n) + 1];
    expect(field('summary')).toBe('Set expiry for hash field using an absolute Unix timestamp (milliseconds)');
    expect(field('since')).toBe('7.4.0');
    expect(field('group')).toBe('hash');
    expect(field('complexity')).toBe('O(N) where N is the number of specified fields');
    for (const name of ['hexpire', 'hpexpire', 'hexpireat', 'hpexpireat', 'httl', 'hpttl', 'hexpiretime', 'hpexpiretime', 'hpersist']) {
      const cmdObj = server.registry.get(name);
      expect(cmdObj?.group, name).toBe('hash');
      expect(cmdObj?.since, name).toBe('7.4.0');
      expect(cmdObj?.summary, name).toBeTruthy();
    }
  });
});

/** Set a field deadline directly (tests of lazy expiry ahead of the clock timers). */
function h_set(h: RHash, field: string, at: number): void {
  h.setFieldTtl(field, at);
}
