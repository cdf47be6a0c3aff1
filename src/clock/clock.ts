/**
 * The one source of time for a server. Real time plus an offset by default;
 * tests can advance it, set it, freeze it. Timers scheduled on the clock fire
 * when real time reaches them or as soon as the clock is moved past them.
 */
import { realClearTimeout, realDateNow, realDateNowAt, realSetTimeout } from './timers.js';

export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500`, `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`, `'1.5s'` → milliseconds. */
export function parseDuration(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new TypeError(`RedKit: invalid duration ${d}`);
    // The clock counts whole milliseconds (Redis's unit).
    return Math.round(d);
  }
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(d);
  if (!m) throw new TypeError(`RedKit: invalid duration '${d}' (use a number of ms or '500ms', '30s', '5m', '2h', '1d')`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

export type ClockMode = 'real' | 'frozen' | 'fake-timers';

export interface ClockTimer {
  readonly at: number;
  cancel(): void;
}

interface TimerEntry extends ClockTimer {
  at: number;
  fn: () => void;
  active: boolean;
  seq: number;
}

const MAX_REAL_DELAY = 2 ** 31 - 1;

export class Clock {
  private offset = 0;
  private frozenAt: number | null = null;
  private readonly followFakeTimers: boolean;
  private timers: TimerEntry[] = [];
  private seq = 0;
  private realTimer: ReturnType<typeof setTimeout> | null = null;
  private realTimerAt = Infinity;
  private listeners: Array<() => void> = [];
  private readonly initialMode: ClockMode;
  /**
   * Receives what scheduled work (a timer's function, a change listener)
   * throws: the other timers still run and the caller of advance()/set() or
   * the real timer does not see it. Servers install their logger here;
   * without one it goes to stderr.
   */
  onError: ((e: unknown) => void) | undefined;

  private report(e: unknown): void {
    try {
      if (this.onError !== undefined) this.onError(e);
      else process.stderr.write(`[redkit] clock: scheduled work threw: ${(e as Error)?.stack ?? String(e)}\n`);
    } catch {
      // reporting must not throw either
    }
  }

  constructor(mode: ClockMode = 'real') {
    this.initialMode = mode;
    this.followFakeTimers = mode === 'fake-timers';
    if (mode === 'frozen') this.frozenAt = this.base();
  }

  /** Wall-clock base: the real clock, or the test's (possibly faked) Date.now in fake-timers mode. */
  private base(): number {
    return this.followFakeTimers ? Date.now() : realDateNow();
  }

  /** Current time in ms since the epoch. */
  now(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    const t = this.base() + this.offset;
    // pin(): the first reading is the one held
    if (this.pinPending) {
      this.pinPending = false;
      this.frozenAt = t;
    }
    return t;
  }

  /**
   * now(), with the real clock taken from `perf` (a performance.now() reading just taken) instead
   * of a Date.now() call (realDateNowAt). Fake-timers mode reads the test's Date.now as now() does.
   */
  nowAt(perf: number): number {
    if (this.frozenAt !== null || this.followFakeTimers) return this.now();
    const t = realDateNowAt(perf) + this.offset;
    if (this.pinPending) {
      this.pinPending = false;
      this.frozenAt = t;
    }
    return t;
  }

  /** A pin() whose time is the next reading (the clock has not been read since pin()). */
  private pinPending = false;

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Move time forward (or back with a negative value); fires due timers. Returns the new now(). */
  advance(d: Duration): number {
    const ms = parseDuration(d);
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offset += ms;
    this.changed();
    return this.now();
  }

  /** Jump to a point in time. */
  set(t: Date | number | string): number {
    const raw = t instanceof Date ? t.getTime() : typeof t === 'string' ? new Date(t).getTime() : t;
    if (!Number.isFinite(raw)) throw new TypeError(`RedKit: invalid time ${String(t)}`);
    const ms = Math.round(raw);
    if (this.frozenAt !== null) this.frozenAt = ms;
    else this.offset = ms - this.base();
    this.changed();
    return ms;
  }

  /** Stop time at its current value. */
  freeze(): number {
    if (this.frozenAt === null) this.frozenAt = this.now();
    this.reschedule();
    return this.frozenAt;
  }

  /**
   * Hold now() where it stands until unpin(), without firing or moving timers: a
   * script sees one time from start to end (TIME, expiry), as in Redis. Returns
   * false (and does nothing) when the clock is already frozen.
   */
  pin(): boolean {
    if (this.frozenAt !== null) return false;
    // Held from the first reading on: a script that never reads the time (no TIME, no key with
    // a TTL in the db) costs no clock reading, and one that does sees one time from that reading
    // on (nothing it ran before depended on the time). pinNow() takes the reading at once.
    this.pinPending = true;
    return true;
  }

  /** Take the reading a pin() holds now if nothing has yet (a script that may run for long). */
  pinNow(): void {
    if (this.pinPending) this.now();
  }

  /** End a pin(): time runs on from the real clock (no jump back). */
  unpin(): void {
    this.pinPending = false;
    this.frozenAt = null;
    // A timer set while pinned found the clock frozen and scheduled nothing.
    if (this.realTimer === null && this.timers.length !== 0) this.reschedule();
  }

  /** Let time run again from where it stands. */
  resume(): number {
    if (this.frozenAt !== null) {
      this.offset = this.frozenAt - this.base();
      this.frozenAt = null;
    }
    this.changed();
    return this.now();
  }

  /** Back to real time (or to the mode the clock was created with). */
  reset(): void {
    this.offset = 0;
    this.frozenAt = this.initialMode === 'frozen' ? this.base() : null;
    this.changed();
  }

  /** Called whenever time jumps (advance, set, resume, reset). */
  onChange(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Run fn when the clock reaches `at` (virtual ms). */
  /**
   * Run fn when the clock reaches `at`. A time already reached fires at once (before at()
   * returns), unless `notNow`: then it fires from the next real timer turn, never inside the
   * caller's work.
   */
  at(at: number, fn: () => void, notNow = false): ClockTimer {
    const t: TimerEntry = {
      at,
      fn,
      active: true,
      seq: this.seq++,
      cancel: () => {
        if (!t.active) return;
        t.active = false;
        const i = this.timers.indexOf(t);
        if (i >= 0) this.timers.splice(i, 1);
        if (this.timers.length === 0) this.clearReal();
      },
    };
    // keep sorted by (at, seq)
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].at > at) i--;
    this.timers.splice(i, 0, t);
    if (at <= this.now() && !notNow) this.fireDue();
    else this.reschedule();
    return t;
  }

  /** Run fn after `d` of clock time. */
  after(d: Duration, fn: () => void): ClockTimer {
    return this.at(this.now() + parseDuration(d), fn);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Cancel every timer (server stop). */
  dispose(): void {
    for (const t of this.timers) t.active = false;
    this.timers = [];
    this.clearReal();
  }

  private changed(): void {
    for (const l of this.listeners.slice()) {
      try {
        l();
      } catch (e) {
        this.report(e);
      }
    }
    this.fireDue();
  }

  private fireDue(): void {
    const now = this.now();
    while (this.timers.length && this.timers[0].at <= now) {
      const t = this.timers.shift() as TimerEntry;
      t.active = false;
      try {
        t.fn();
      } catch (e) {
        this.report(e);
      }
    }
    this.reschedule();
  }

  private clearReal(): void {
    if (this.realTimer !== null) {
      realClearTimeout(this.realTimer);
      this.realTimer = null;
      this.realTimerAt = Infinity;
    }
  }

  private reschedule(): void {
    if (this.timers.length === 0 || (this.frozenAt !== null && !this.followFakeTimers)) {
      this.clearReal();
      return;
    }
    const next = this.timers[0].at;
    // In fake-timers mode time can move without telling us: poll.
    const delay = this.followFakeTimers ? 10 : Math.min(Math.max(next - this.now(), 0), MAX_REAL_DELAY);
    const due = realDateNow() + delay;
    if (this.realTimer !== null && this.realTimerAt <= due) return;
    this.clearReal();
    this.realTimerAt = due;
    this.realTimer = realSetTimeout(() => {
      this.realTimer = null;
      this.realTimerAt = Infinity;
      this.fireDue();
    }, delay);
    this.realTimer.unref?.();
  }
}
