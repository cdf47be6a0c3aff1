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
