/**
 * MODULE (a server with no modules: HELP, LIST, LOAD/LOADEX failures,
 * UNLOAD, enable-module-command) and LOLWUT (every version's frame; byte
 * for byte where Redis draws without random numbers) against redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, expectSame, startPair, type Cmd, type Pair, type Step } from '../support/differential.js';
import { Logger } from '../../src/server/logger.js';

describe('MODULE with enable-module-command no (the default)', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  it('HELP, LIST, arity, unknown subcommands, and LOAD/LOADEX/UNLOAD not allowed', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['MODULE'],
        ['MODULE', 'HELP'],
        ['module', 'help'],
        ['MODULE', 'HELP', 'x'],
        ['MODULE', 'LIST'],
        ['MODULE', 'LIST', 'x'],
        ['MODULE', 'LOAD'],
        ['MODULE', 'LOAD', '/nonexistent/mod.so'],
        ['MODULE', 'LOAD', '/etc/passwd', 'a', 'b'],
        ['MODULE', 'LOADEX'],
        ['MODULE', 'LOADEX', '/x', 'CONFIG', 'a'],
        ['MODULE', 'UNLOAD'],
        ['MODULE', 'UNLOAD', 'x'],
        ['MODULE', 'UNLOAD', 'x', 'y'],
        ['MODULE', 'foo'],
        ['MODULE', 'foo', 'bar'],
        // (MODULE's own entry lists its subcommands in the order of redis-server's dict, seeded at random.)
        ['COMMAND', 'INFO', 'module|load', 'module|loadex', 'module|list', 'module|help', 'module|unload', 'lolwut'],
        ['COMMAND', 'DOCS', 'lolwut', 'module|load', 'module|loadex', 'module|list', 'module|help', 'module|unload'],
        ['MULTI'],
        ['MODULE', 'LIST'],
        ['MODULE', 'UNLOAD', 'x'],
        ['EXEC'],
        ['SUBSCRIBE', 'ch'],
        ['MODULE', 'LOAD', '/x'],
        ['MODULE', 'LIST'],
        ['MODULE', 'HELP'],
        ['UNSUBSCRIBE', 'ch'],
      ]);
    }
  });
});

describe('MODULE with enable-module-command yes', () => {
  let pair: Pair;
  const lines: string[] = [];
  beforeAll(async () => {
    const logger = new Logger({ level: 'info', sink: (_level, msg) => lines.push(msg) });
    pair = await startPair({ redisArgs: ['--enable-module-command', 'yes'], redkit: { config: { 'enable-module-command': 'yes' }, logger } });
  });
  afterAll(async () => pair?.stop());

  it('LOAD and LOADEX of anything fail as for a library that cannot be loaded; UNLOAD finds nothing', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['MODULE', 'LOAD', '/nonexistent/mod.so'],
        ['MODULE', 'LOAD', '/etc/passwd', 'a', 'b'],
        ['MODULE', 'LOAD', '/tmp'],
        ['MODULE', 'LOAD', 'relative.so'],
        ['MODULE', 'LOADEX', '/nonexistent/mod.so'],
        ['MODULE', 'LOADEX', '/x', 'CONFIG', 'a', 'b', 'ARGS', 'c'],
        ['MODULE', 'LOADEX', '/x', 'CONFIG', 'a'],
        ['MODULE', 'LOADEX', '/x', 'CONFIG', 'a', 'b', 'c'],
        ['MODULE', 'LOADEX', '/x', 'FOO'],
        ['MODULE', 'LOADEX', '/x', 'args'],
        ['MODULE', 'LOADEX', '/x', 'ARGS', 'a', 'CONFIG', 'b'],
        ['MODULE', 'UNLOAD', 'x'],
        ['MODULE', 'UNLOAD', 'lua'],
        ['MODULE', 'LIST'],
        ['CONFIG', 'GET', 'enable-module-command'],
      ]);
    }
  });

  it('writes the log lines redis-server writes', async () => {
    lines.length = 0;
    const { k } = await pair.clients(2);
    await k.call('MODULE', 'LOAD', '/nonexistent/mod.so');
    await k.call('MODULE', 'LOAD', '/etc/passwd');
    await k.call('MODULE', 'LOAD', '/tmp');
    await k.call('MODULE', 'LOADEX', '/x', 'CONFIG', 'a');
    await k.call('MODULE', 'LOADEX', '/x', 'FOO');
    expect(lines).toEqual([
      'Module /nonexistent/mod.so failed to load: /nonexistent/mod.so: cannot open shared object file: No such file or directory',
      'Module /etc/passwd failed to load: It does not have execute permissions.',
      'Module /tmp failed to load: /tmp: cannot read file data: Is a directory',
      'CONFIG specified without name value pair',
      'Syntax Error from arguments to loadex around FOO.',
    ]);
  });
});

/** A LOLWUT 5 drawing with every braille character replaced: its shape (lines and their lengths) and closing line. */
function shape(bytes: string): unknown {
  const v = decode(bytes);
  if (typeof v !== 'string') return v;
  const text = Buffer.from(v, 'latin1').toString('utf8');
  return text.replace(/[\u2800-\u28ff]/g, '#').replace(/\x1b\[[0-9;]+m \x1b\[0m/g, '#');
}

describe('LOLWUT', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => pair?.stop());

  it('the version line (7 and unknown versions), argument errors', async () => {
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [
        ['LOLWUT'],
        ['lolwut', 'version', '7'],
        ['LOLWUT', 'VERSION', '1'],
        ['LOLWUT', 'VERSION', '4'],
        ['LOLWUT', 'VERSION', '8'],
        ['LOLWUT', 'VERSION', '59'],
        ['LOLWUT', 'VERSION', '-1'],
        ['LOLWUT', 'VERSION', '-4294967289'],
        ['LOLWUT', 'VERSION', '9223372036854775807'],
        ['LOLWUT', 'VERSION', '9223372036854775808'],
        ['LOLWUT', 'VERSION', 'x'],
        ['LOLWUT', 'VERSION', '7', 'a', 'b'],
        ['LOLWUT', 'VERSION'],
        ['LOLWUT', 'x'],
        ['LOLWUT', '1', '2', '3'],
        ['LOLWUT', 'VERSION', '5', 'x'],
        ['LOLWUT', 'VERSION', '5', '10', 'x'],
        ['LOLWUT', 'VERSION', '5', '10', '3', 'x'],
        ['LOLWUT', 'VERSION', '6', '1.5'],
        ['LOLWUT', 'VERSION', '6', '10', ''],
        ['LOLWUT', 'VERSION', '4294967302', '10', 'x'],
      ]);
    }
  });

  it('version 5 (Schotter): byte for byte without random rows, the same shape with them', async () => {
    const exact: Cmd[] = [
      ['LOLWUT', 'VERSION', '5', '66', '8', '2'],
      ['LOLWUT', 'VERSION', '5', '1', '1', '1'],
      ['LOLWUT', 'VERSION', '5', '2', '1', '1'],
      ['LOLWUT', 'VERSION', '5', '3', '1', '2'],
      ['LOLWUT', 'VERSION', '5', '10', '3', '1'],
      ['LOLWUT', 'VERSION', '5', '40', '7', '2'],
      ['LOLWUT', 'VERSION', '5', '100', '20', '2'],
      ['LOLWUT', 'VERSION', '5', '0', '0', '0'],
      ['LOLWUT', 'VERSION', '5', '-3', '-3', '-3'],
      ['LOLWUT', 'VERSION', '5', '5000', '300', '2'],
      ['LOLWUT', 'VERSION', '5', '999', '199', '1'],
      ['LOLWUT', 'VERSION', '4294967301', '17', '3', '2'],
      ['LOLWUT', 'VERSION', '5', '33', '33', '1'],
    ];
    const shaped: Step[] = [
      ['LOLWUT', 'VERSION', '5'],
      ['LOLWUT', 'VERSION', '5', '20'],
      ['LOLWUT', 'VERSION', '5', '20', '4'],
      ['LOLWUT', 'VERSION', '5', '20', '4', '7'],
      ['LOLWUT', 'VERSION', '5', '3', '9', '200'],
    ].map((cmd) => ({ cmd, normalize: shape }));
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [...exact, ...shaped]);
    }
  });

  it('version 6 (a skyline): byte for byte on one row, the same frame otherwise', async () => {
    const exact: Cmd[] = [
      ['LOLWUT', 'VERSION', '6', '10', '1'],
      ['LOLWUT', 'VERSION', '6', '1', '1'],
      ['LOLWUT', 'VERSION', '6', '0', '-5'],
      ['LOLWUT', 'VERSION', '6', '2000', '0'],
      ['LOLWUT', 'VERSION', '59', '7', '1'],
    ];
    const shaped: Step[] = [
      ['LOLWUT', 'VERSION', '6'],
      ['LOLWUT', 'VERSION', '6', '30'],
      ['LOLWUT', 'VERSION', '6', '30', '2'],
      ['LOLWUT', 'VERSION', '6', '5', '40'],
    ].map((cmd) => ({ cmd, normalize: shape }));
    for (const proto of [2, 3] as const) {
      const { r, k } = await pair.clients(proto);
      await expectSame(r, k, [...exact, ...shaped]);
    }
  });
});
