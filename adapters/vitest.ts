/**
 * RedKit for vitest: `useRedKit()` starts a server for the suite (beforeAll),
 * stops it (afterAll) and resets it before each test; importing this module
 * registers the matchers. `redkitGlobalSetup()` runs one server for the whole
 * run and hands its URL to tests (inject('redkitUrl') and REDIS_URL).
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startRedKit, type RedKitOptions } from 'redkit';
import { createHandle, type RedKitHandle, type UseRedKitOptions } from './handle.js';
import { createClusterHandle, type RedKitClusterHandle, type UseRedKitClusterOptions } from './cluster-handle.js';
import { redkitMatchers, type RedKitMatchers } from './matchers.js';

expect.extend(redkitMatchers as unknown as Parameters<typeof expect.extend>[0]);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Assertion<T = any> extends RedKitMatchers<T> {}
  interface AsymmetricMatchersContaining extends RedKitMatchers {}
  export interface ProvidedContext {
    redkitUrl: string;
  }
}

/** Start RedKit for this test file (or describe block). */
export function useRedKit(options: UseRedKitOptions = {}): RedKitHandle {
  return createHandle({ beforeAll, afterAll, beforeEach }, options);
}

/**
 * For vitest's `globalSetup`: `export default redkitGlobalSetup({ ... })`.
 * Tests read the URL with `inject('redkitUrl')` or `process.env.REDIS_URL`.
 */
export function redkitGlobalSetup(options: RedKitOptions = {}) {
  return async function setup(project: { provide?: (key: 'redkitUrl', value: string) => void }) {
    const redkit = await startRedKit(options);
    process.env.REDIS_URL = redkit.url;
    project?.provide?.('redkitUrl', redkit.url);
    return async () => {
      await redkit.stop();
    };
  };
}

/** Start an in-process RedKit cluster for this test file (or describe block); reset before each test. */
export function useRedKitCluster(options: UseRedKitClusterOptions = {}): RedKitClusterHandle {
  return createClusterHandle({ beforeAll, afterAll, beforeEach }, options);
}

export { redkitMatchers };
export type { RedKitHandle, UseRedKitOptions, RedKitMatchers, RedKitClusterHandle, UseRedKitClusterOptions };
