/**
 * RedKit for jest: `useRedKit()` starts a server for the suite (beforeAll),
 * stops it (afterAll) and resets it before each test; importing this module
 * registers the matchers on jest's global `expect`.
 */
import type {} from 'expect';
import { createHandle, type RedKitHandle, type UseRedKitOptions } from './handle.js';
import { createClusterHandle, type RedKitClusterHandle, type UseRedKitClusterOptions } from './cluster-handle.js';
import { redkitMatchers, type RedKitMatchers } from './matchers.js';

type Hook = (fn: () => unknown, timeout?: number) => void;
interface JestGlobals {
  beforeAll: Hook;
  afterAll: Hook;
  beforeEach: Hook;
  expect: { extend(m: Record<string, unknown>): void };
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends RedKitMatchers<R> {}
  interface AsymmetricMatchers extends RedKitMatchers<void> {}
}

// For projects typed with @types/jest (the global `expect`).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends RedKitMatchers<R> {}
  }
}

const g = globalThis as unknown as Partial<JestGlobals>;
if (g.expect && typeof g.expect.extend === 'function') g.expect.extend(redkitMatchers as unknown as Record<string, unknown>);

function jestGlobals(): JestGlobals {
  if (!g.beforeAll || !g.afterAll || !g.beforeEach) {
    throw new Error('redkit/jest: jest globals (beforeAll, afterAll, beforeEach) are not available — use it from a jest test file');
  }
  return g as JestGlobals;
}

/** Start RedKit for this test file (or describe block). */
export function useRedKit(options: UseRedKitOptions = {}): RedKitHandle {
  const { beforeAll, afterAll, beforeEach } = jestGlobals();
  return createHandle({ beforeAll, afterAll, beforeEach }, options);
}

/** Start an in-process RedKit cluster for this test file (or describe block); reset before each test. */
export function useRedKitCluster(options: UseRedKitClusterOptions = {}): RedKitClusterHandle {
  const { beforeAll, afterAll, beforeEach } = jestGlobals();
  return createClusterHandle({ beforeAll, afterAll, beforeEach }, options);
}

export { redkitMatchers };
export type { RedKitHandle, UseRedKitOptions, RedKitMatchers, RedKitClusterHandle, UseRedKitClusterOptions };
