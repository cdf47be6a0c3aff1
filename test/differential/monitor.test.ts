import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => pair?.stop());

/** MONITOR lines differ in time and client address: compare the rest. */
const strip = (line: string) => line.replace(/^\+\d+\.\d{6} \[(\d+) [^\]]+\]/, '+T [$1 ADDR]');

describe('MONITOR', () => {
  it('streams commands in Redis format, with escaping', async () => {
    const mon = await pair.clients(2);
    const c = await pair.clients(2);
    expect(await mon.k.call('MONITOR')).toBe(await mon.r.call('MONITOR'));
    const cmds = [
      ['set', 'a b', 'x"y\\z'],
      ['GET', 'bin\x00\x01\xff\n'],
      ['SELECT', '3'],
      ['incr', 'n'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['ping'],
    ];
    for (const cmd of cmds) {
      expect(await c.k.call(...cmd)).toBe(await c.r.call(...cmd));
    }
    for (let i = 0; i < cmds.length - 1; i++) {
      expect(strip(await mon.k.read())).toBe(strip(await mon.r.read()));
    }
    // A monitoring client cannot touch the keyspace.
    expect(await mon.k.call('GET', 'a')).toBe(await mon.r.call('GET', 'a'));
    expect(await mon.k.call('RESET')).toBe(await mon.r.call('RESET'));
    expect(await mon.k.call('GET', 'zz')).toBe(await mon.r.call('GET', 'zz'));
  });
});
