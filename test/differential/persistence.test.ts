/**
 * Persistence commands against redis-server 7.0.15: SAVE, BGSAVE [SCHEDULE],
 * LASTSAVE, BGREWRITEAOF (appendonly no), SHUTDOWN [NOSAVE|SAVE] [NOW]
 * [FORCE] [ABORT], their errors and their use in MULTI, and the INFO
 * persistence section (same fields in the same order; the counters that do
 * not depend on timing compared by value). Each server saves into its own
 * temporary directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../support/raw-client.js';
import { expectSame, startPair, type Cmd, type Pair, type RawClient } from '../support/differential.js';
import { liveOracle } from '../support/redis-server.js';

let pair: Pair;
let tmp: string;
let rdir: string;
let kdir: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redkit-persist-'));
  rdir = fs.mkdtempSync(path.join(tmp, 'redis-'));
  kdir = fs.mkdtempSync(path.join(tmp, 'redkit-'));
  pair = await startPair({ redisArgs: ['--enable-protected-configs', 'yes', '--dir', rdir], redkit: { config: { 'enable-protected-configs': 'yes', dir: kdir } } });
});
afterAll(async () => {
  await pair?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await pair.flush();
  const { r, k } = await pair.clients(2);
  await waitIdle(r);
  await waitIdle(k);
  await r.call('CONFIG', 'SET', 'dir', rdir);
  await k.call('CONFIG', 'SET', 'dir', kdir);
  for (const c of [r, k]) {
    await c.call('CONFIG', 'SET', 'dbfilename', 'dump.rdb');
    await c.call('CONFIG', 'SET', 'save', '');
    c.close();
  }
});

/** INFO persistence as field → value. */
async function persistence(c: RawClient): Promise<Map<string, string>> {
  const raw = await c.call('INFO', 'persistence');
  const body = raw.slice(raw.indexOf('\r\n') + 2);
  const m = new Map<string, string>();
  for (const line of body.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Wait until no background save or AOF rewrite runs. */
async function waitIdle(c: RawClient): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const p = await persistence(c);
    if (p.get('rdb_bgsave_in_progress') === '0' && p.get('aof_rewrite_in_progress') === '0' && p.get('aof_rewrite_scheduled') === '0') return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('a background save did not end');
}

/** Send a batch in one write and read every reply. */
async function batch(c: RawClient, cmds: Cmd[]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map((cmd) => encodeCommand(cmd))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read());
  return out;
}

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle).each([2, 3] as const)('persistence commands (RESP%i)', (proto) => {
  it('SAVE, LASTSAVE, BGSAVE argument errors and replies', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SET', 'a', '1'],
      ['SAVE'],
      ['SAVE', 'x'],
      ['LASTSAVE', 'x'],
      ['BGSAVE', 'foo'],
      ['BGSAVE', 'SCHEDULE', 'x'],
      ['BGSAVE', 'schedule', 'schedule'],
      ['BGREWRITEAOF', 'x'],
    ]);
    // LASTSAVE is a unix time; after SAVE it is the time of that save.
    for (const c of [r, k]) {
      const t = await c.call('LASTSAVE');
      expect(t).toMatch(/^:\d+\r\n$/);
      expect(Math.abs(Number(t.slice(1, -2)) - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(fs.existsSync(path.join(rdir, 'dump.rdb'))).toBe(true);
    expect(fs.existsSync(path.join(kdir, 'dump.rdb'))).toBe(true);
  });

  it('BGSAVE: started, then already in progress (BGSAVE and SAVE), SCHEDULE alike', async () => {
    const { r, k } = await pair.clients(proto);
    for (const cmds of [[['BGSAVE'], ['BGSAVE'], ['SAVE'], ['BGSAVE', 'SCHEDULE']], [['BGSAVE', 'SCHEDULE'], ['BGSAVE']]] as Cmd[][]) {
      const [a, b] = await Promise.all([batch(r, cmds), batch(k, cmds)]);
      expect(b).toEqual(a);
      await waitIdle(r);
      await waitIdle(k);
    }
    const [pr, pk] = [await persistence(r), await persistence(k)];
    expect(pk.get('rdb_last_bgsave_status')).toBe(pr.get('rdb_last_bgsave_status'));
    expect(pk.get('rdb_last_bgsave_status')).toBe('ok');
  });

  it('in MULTI: BGSAVE and BGREWRITEAOF are scheduled; SAVE and SHUTDOWN are refused', async () => {
    const { r, k } = await pair.clients(proto);
    // LASTSAVE is a unix time in seconds: the two servers may straddle a second.
    await expectSame(r, k, [['MULTI'], ['BGSAVE'], ['LASTSAVE'], { cmd: ['EXEC'], normalize: (b: string) => b.replace(/:\d+\r\n/, ':<unix time>\r\n') }]);
    await waitIdle(r);
    await waitIdle(k);
    await expectSame(r, k, [['MULTI'], ['BGREWRITEAOF'], ['EXEC']]);
    await waitIdle(r);
    await waitIdle(k);
    await expectSame(r, k, [['MULTI'], ['SAVE'], ['SHUTDOWN'], ['EXEC'], ['MULTI'], ['SHUTDOWN', 'NOSAVE'], ['DISCARD']]);
  });

  it('BGREWRITEAOF with appendonly no: started, or scheduled behind a BGSAVE', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [['BGREWRITEAOF']]);
    await waitIdle(r);
    await waitIdle(k);
    const cmds: Cmd[] = [['BGSAVE'], ['BGREWRITEAOF']];
    const [a, b] = await Promise.all([batch(r, cmds), batch(k, cmds)]);
    expect(b).toEqual(a);
    await waitIdle(r);
    await waitIdle(k);
  });

  it('SHUTDOWN errors: syntax, ABORT with nothing to abort', async () => {
    const { r, k } = await pair.clients(proto);
    await expectSame(r, k, [
      ['SHUTDOWN', 'ABORT'],
      ['SHUTDOWN', 'abort'],
      ['SHUTDOWN', 'SAVE', 'NOSAVE'],
      ['SHUTDOWN', 'NOSAVE', 'SAVE'],
      ['SHUTDOWN', 'FOO'],
      ['SHUTDOWN', 'ABORT', 'NOW'],
      ['SHUTDOWN', 'ABORT', 'FORCE'],
      ['SHUTDOWN', 'ABORT', 'SAVE'],
      ['SHUTDOWN', 'NOW', 'ABORT'],
      ['SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE', 'bad'],
    ]);
  });

  it('SAVE to a directory that is gone: bare -ERR; SHUTDOWN SAVE then refuses to exit, FORCE is not needed to stay up', async () => {
    const { r, k } = await pair.clients(proto);
    const gone = [fs.mkdtempSync(path.join(tmp, 'gone-')), fs.mkdtempSync(path.join(tmp, 'gone-'))];
    await r.call('CONFIG', 'SET', 'dir', gone[0]);
    await k.call('CONFIG', 'SET', 'dir', gone[1]);
    for (const d of gone) fs.rmSync(d, { recursive: true });
    await expectSame(r, k, [['SET', 'x', 'y'], ['SAVE'], ['SHUTDOWN', 'SAVE'], ['PING']]);
    const [pr, pk] = [await persistence(r), await persistence(k)];
    expect(pk.get('rdb_last_bgsave_status')).toBe(pr.get('rdb_last_bgsave_status'));
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('stop-writes-on-bgsave-error', () => {
  it('after a failed BGSAVE with save points, writes and PING answer -MISCONF until a save succeeds', async () => {
    const { r, k } = await pair.clients(2);
    const gone = [fs.mkdtempSync(path.join(tmp, 'mis-')), fs.mkdtempSync(path.join(tmp, 'mis-'))];
    await r.call('CONFIG', 'SET', 'dir', gone[0]);
    await k.call('CONFIG', 'SET', 'dir', gone[1]);
    for (const d of gone) fs.rmSync(d, { recursive: true });
    await expectSame(r, k, [['CONFIG', 'SET', 'save', '3600 1'], ['SET', 'x', '1'], ['BGSAVE']]);
    for (const c of [r, k]) {
      for (let i = 0; i < 500; i++) {
        const p = await persistence(c);
        if (p.get('rdb_bgsave_in_progress') === '0' && p.get('rdb_last_bgsave_status') === 'err') break;
        await new Promise((res) => setTimeout(res, 10));
      }
    }
    await expectSame(r, k, [
      ['SET', 'x', '2'],
      ['PING'],
      ['GET', 'x'],
      ['INCR', 'x'],
      ['MULTI'],
      ['SET', 'y', '1'],
      ['GET', 'x'],
      ['EXEC'],
      ['MULTI'],
      ['GET', 'x'],
      ['EXEC'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'],
      ['SET', 'x', '3'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'],
      ['PING'],
      ['CONFIG', 'SET', 'save', ''],
      ['PING'],
      ['CONFIG', 'SET', 'save', '3600 1'],
      ['PING'],
    ]);
    await r.call('CONFIG', 'SET', 'dir', rdir);
    await k.call('CONFIG', 'SET', 'dir', kdir);
    await expectSame(r, k, [['SAVE'], ['SET', 'x', '4'], ['PING'], ['CONFIG', 'SET', 'save', '']]);
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('INFO persistence', () => {
  it('has the same fields in the same order; counters agree after the same commands', async () => {
    const { r, k } = await pair.clients(2);
    const [pr, pk] = [await persistence(r), await persistence(k)];
    expect([...pk.keys()]).toEqual([...pr.keys()]);
    await expectSame(r, k, [['SAVE']]);
    const [a, b] = [await persistence(r), await persistence(k)];
    for (const f of ['loading', 'async_loading', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'rdb_current_bgsave_time_sec', 'aof_enabled', 'aof_rewrite_in_progress', 'aof_last_bgrewrite_status', 'current_save_keys_total']) {
      expect(b.get(f), f).toBe(a.get(f));
    }
    expect(Number(b.get('rdb_last_save_time'))).toBe(Number((await k.call('LASTSAVE')).slice(1, -2)));
    // The counters move by the same amounts.
    const before = [Number(a.get('rdb_saves')), Number(b.get('rdb_saves'))];
    await expectSame(r, k, [['SAVE'], ['SAVE']]);
    const after = [Number((await persistence(r)).get('rdb_saves')), Number((await persistence(k)).get('rdb_saves'))];
    expect(after[1] - before[1]).toBe(after[0] - before[0]);
    expect(after[1] - before[1]).toBe(2);
  });

  it('rdb_changes_since_last_save drops to 0 after SAVE', async () => {
    const { r, k } = await pair.clients(2);
    await expectSame(r, k, [['SET', 'a', '1'], ['SAVE']]);
    expect((await persistence(k)).get('rdb_changes_since_last_save')).toBe('0');
    expect((await persistence(r)).get('rdb_changes_since_last_save')).toBe('0');
  });
});

// Live only: redis-server's files on disk and temporary paths in the commands: not recorded, and the paths differ on each run.
describe.skipIf(!liveOracle)('SHUTDOWN', () => {
  it('no reply, the connection closes, the server stops listening; SAVE (or save points) writes the file first, FORCE exits even when it cannot', async () => {
    for (const mode of ['NOSAVE', 'SAVE', 'SAVE NOW FORCE (dir gone)', 'NOW (save points)']) {
      const dirs = [fs.mkdtempSync(path.join(tmp, 'sd-')), fs.mkdtempSync(path.join(tmp, 'sd-'))];
      const own = await startPair({ redisArgs: ['--enable-protected-configs', 'yes', '--dir', dirs[0]], redkit: { config: { 'enable-protected-configs': 'yes', dir: dirs[1] } } });
      try {
        const { r, k } = await own.clients(2);
        await expectSame(r, k, [['SET', 'k', 'v']]);
        if (mode.includes('gone')) for (const d of dirs) fs.rmSync(d, { recursive: true });
        if (mode.includes('points')) await expectSame(r, k, [['CONFIG', 'SET', 'save', '3600 1']]);
        const args = mode.replace(/ \(.*\)$/, '').split(' ');
        r.send('SHUTDOWN', ...args);
        k.send('SHUTDOWN', ...args);
        const [a, b] = await Promise.all([r.readUntilClose(3000), k.readUntilClose(3000)]);
        expect(b).toBe(a);
        expect(b).toBe('');
        for (const d of dirs) expect(fs.existsSync(path.join(d, 'dump.rdb')), `${mode} ${d}`).toBe(mode === 'SAVE' || mode.includes('points'));
        expect(own.redkit.isListening).toBe(false);
      } finally {
        await own.stop();
      }
    }
  });
});
