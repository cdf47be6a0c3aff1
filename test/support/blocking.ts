/**
 * Helpers for differential tests of blocked clients: send a blocking command
 * to both servers, wait until each reports the client blocked, then compare
 * what each blocked client receives.
 */
import { expect } from 'vitest';
import type { Cmd, RawClient } from './differential.js';

export type Both = { r: RawClient; k: RawClient };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function blockedClients(c: RawClient): Promise<number> {
  const info = await c.call('INFO', 'clients');
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1);
}

/** Wait until each server counts `n` blocked clients (asked through `ctl`). */
export async function waitBlocked(ctl: Both, n: number): Promise<void> {
  for (const c of [ctl.r, ctl.k]) {
    for (let i = 0; ; i++) {
      if ((await blockedClients(c)) === n) break;
      if (i > 1000) throw new Error(`never saw ${n} blocked clients`);
      await sleep(2);
    }
  }
}

/** Send a command on both without waiting for its reply. */
export function sendBoth(c: Both, ...cmd: Cmd): void {
  c.r.send(...cmd);
  c.k.send(...cmd);
}

/** Read the next reply on both and expect the same bytes. */
export async function readSame(c: Both, label: string): Promise<string> {
  const [a, b] = await Promise.all([c.r.read(), c.k.read()]);
  expect(b, label).toBe(a);
  return a;
}

/** Send a blocking command on `c` and wait until both servers count it blocked (blocked in total). */
export async function block(c: Both, ctl: Both, blocked: number, ...cmd: Cmd): Promise<void> {
  sendBoth(c, ...cmd);
  await waitBlocked(ctl, blocked);
}

/** Nothing more has arrived on either client. */
export async function nothingPending(...cs: Both[]): Promise<void> {
  await sleep(5);
  for (const c of cs) {
    expect(c.k.pending(), 'redkit sent nothing more').toBe('');
    expect(c.r.pending(), 'redis sent nothing more').toBe('');
  }
}
