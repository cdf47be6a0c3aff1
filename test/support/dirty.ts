/**
 * The dirty counter (INFO persistence rdb_changes_since_last_save) compared
 * step by step between redis-server and RedKit.
 */
import { expect } from 'vitest';
import type { RawClient } from './raw-client.js';

/** A command, or several sent one after the other and counted together (MULTI ... EXEC). */
export type DirtyStep = string[] | string[][];

export async function dirty(c: RawClient): Promise<number> {
  const info = await c.call('INFO', 'persistence');
  const m = /rdb_changes_since_last_save:(\d+)/.exec(info);
  if (!m) throw new Error(`no rdb_changes_since_last_save in ${info}`);
  return Number(m[1]);
}

/**
 * Run each step on both servers: the counter must move by the same amount and
 * the last reply must be the same (unless `hideReply(step text)`, for replies
 * Redis leaves random or timed). Returns how many steps ran and how many
 * changed redis-server's counter.
 */
export async function expectSameDirty(r: RawClient, k: RawClient, steps: readonly DirtyStep[], hideReply: (what: string) => boolean = () => false): Promise<{ steps: number; changed: number }> {
  let [dr, dk] = [await dirty(r), await dirty(k)];
  let ran = 0;
  let changed = 0;
  for (const step of steps) {
    const cmds = (Array.isArray(step[0]) ? step : [step]) as string[][];
    let ra = '';
    let ka = '';
    for (const cmd of cmds) [ra, ka] = await Promise.all([r.call(...cmd), k.call(...cmd)]);
    const [nr, nk] = [await dirty(r), await dirty(k)];
    const what = cmds.map((c) => c.join(' ')).join(' | ');
    const show = (a: string) => (hideReply(what) ? '' : JSON.stringify(a));
    expect(`${what} -> ${nk - dk} ${show(ka)}`).toBe(`${what} -> ${nr - dr} ${show(ra)}`);
    ran++;
    if (nr !== dr) changed++;
    [dr, dk] = [nr, nk];
  }
  return { steps: ran, changed };
}
