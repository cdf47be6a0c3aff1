/**
 * Streams in the introspection commands, against redis-server: MEMORY USAGE
 * (objectComputeSize: the rax, sampled listpacks with Redis's preallocation,
 * consumer groups, PELs and consumers) and DEBUG DIGEST / DIGEST-VALUE.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSame, startPair, type Cmd, type Pair } from '../support/differential.js';

let pair: Pair;
beforeAll(async () => {
  pair = await startPair({ redisArgs: ['--enable-debug-command', 'yes'], redkit: { config: { 'enable-debug-command': 'yes' } } });
});
afterAll(async () => pair?.stop());
beforeEach(async () => pair.flush());

function xadds(key: string, n: number, from = 1, fields = 1, size = 3): Cmd[] {
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const cmd: Cmd = ['XADD', key, `${from + i}-1`];
    for (let f = 0; f < fields; f++) cmd.push(`f${f}`, 'v'.repeat(size) + i);
    out.push(cmd);
  }
  return out;
}

describe.each([2, 3] as const)('streams in MEMORY USAGE and DEBUG DIGEST (RESP%i)', (proto) => {
  it.each([
    ['one entry', xadds('s', 1)],
    ['one open node', xadds('s', 50)],
    ['nodes closed on their entry count', xadds('s', 350)],
    ['nodes closed on their size', xadds('s', 60, 1, 4, 60)],
    ['a big entry', xadds('s', 3, 1, 1, 5000)],
    ['deleted entries', [...xadds('s', 120), ['XDEL', 's', '3-1', '4-1', '101-1'], ['XTRIM', 's', 'MAXLEN', '90']]],
    [
      'groups, PELs and consumers',
      [
        ...xadds('s', 30),
        ['XGROUP', 'CREATE', 's', 'g1', '0'],
        ['XGROUP', 'CREATE', 's', 'g2', '$'],
        ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '10', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '7', 'STREAMS', 's', '>'],
        ['XACK', 's', 'g1', '2-1', '5-1'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g2', 'carol'],
      ],
    ],
    ['an empty stream with a group', [['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM']]],
  ])('%s', async (_name, setup) => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, setup as Cmd[]);
    const keys = (setup as Cmd[]).some((c) => c[2] === 'e') ? ['e'] : ['s'];
    const steps: Cmd[] = [];
    for (const key of keys) steps.push(['MEMORY', 'USAGE', key], ['MEMORY', 'USAGE', key, 'SAMPLES', '0'], ['MEMORY', 'USAGE', key, 'SAMPLES', '1'], ['DEBUG', 'DIGEST-VALUE', key]);
    steps.push(['DEBUG', 'DIGEST']);
    await expectSame(r, k, steps);
    // The replies compared above are real figures, not two identical refusals.
    const usage = await k.call('MEMORY', 'USAGE', keys[0]);
    expect(usage).toMatch(/^:\d+\r\n$/);
    expect(await k.call('DEBUG', 'DIGEST-VALUE', keys[0])).toMatch(/^(\*1\r\n)?[$+][^-]/);
  });
});
