/**
 * Real timer functions, captured when RedKit loads. Test frameworks' fake
 * timers (vi.useFakeTimers, jest.useFakeTimers) replace the globals later; the
 * server keeps using these so a test that fakes time does not freeze it.
 */
export const realDateNow: () => number = Date.now;
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout;
export const realClearTimeout: typeof clearTimeout = globalThis.clearTimeout;
export const realSetInterval: typeof setInterval = globalThis.setInterval;
export const realClearInterval: typeof clearInterval = globalThis.clearInterval;
export const realSetImmediate: typeof setImmediate = globalThis.setImmediate;
export const realClearImmediate: typeof clearImmediate = globalThis.clearImmediate;
export const realNextTick: typeof process.nextTick = process.nextTick.bind(process);
const perf = globalThis.performance;
const realPerfNow: () => number = perf.now.bind(perf);
export const realHrtime: () => number = () => realPerfNow();

/**
 * The real wall clock (realDateNow()) at `perf`, a performance.now() reading just taken: a
 * connection's read reads the clock once, for command timing and for its last-interaction
 * time. The offset between the two clocks is read again every 250 ms (so a system clock change
 * shows within that); between those readings this is performance.now() plus that offset,
 * floored to whole ms, as Date.now() is. The two clocks drift apart (NTP slews the wall clock
 * by up to 0.5 ms a second), so the offset keeps half a ms of margin: the result is never ahead
 * of Date.now(), and at most 2 ms behind it.
 */
export function realDateNowAt(perf: number): number {
  if (perf - calibratedAt >= 250 || perf < calibratedAt) {
    calibratedAt = perf;
    wallOffset = realDateNow() - perf - 0.5;
  }
  return Math.floor(perf + wallOffset);
}
let calibratedAt = -Infinity;
let wallOffset = 0;
