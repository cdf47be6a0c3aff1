/**
 * The handle useRedKitCluster() returns: the RedKitCluster started by the
 * suite's beforeAll (every property and method forwards to it), and a clear
 * error when used before.
 */
import { startRedKitCluster, type RedKitCluster, type RedKitClusterOptions } from 'redkit';

export interface UseRedKitClusterOptions extends RedKitClusterOptions {
  /** Call cluster.reset() before each test (default true). */
  resetBeforeEach?: boolean;
}

/** The running cluster, plus `cluster` for the instance itself. */
export type RedKitClusterHandle = RedKitCluster & { readonly cluster: RedKitCluster };

interface Hooks {
  beforeAll(fn: () => unknown, timeout?: number): void;
  afterAll(fn: () => unknown, timeout?: number): void;
  beforeEach(fn: () => unknown, timeout?: number): void;
}

export function createClusterHandle(hooks: Hooks, options: UseRedKitClusterOptions = {}): RedKitClusterHandle {
  let instance: RedKitCluster | undefined;
  const get = (): RedKitCluster => {
    if (!instance) throw new Error('RedKit cluster is not started yet: use the handle inside tests or hooks (useRedKitCluster() starts it in beforeAll)');
    return instance;
  };
  const { resetBeforeEach, ...opts } = options;
  hooks.beforeAll(async () => {
    instance = await startRedKitCluster(opts);
  });
  hooks.afterAll(async () => {
    const c = instance;
    instance = undefined;
    await c?.stop();
  });
  if (resetBeforeEach !== false) {
    hooks.beforeEach(async () => {
      await instance?.reset();
    });
  }
  return new Proxy({} as RedKitClusterHandle, {
    get(_t, prop) {
      const c = get();
      if (prop === 'cluster') return c;
      const v = (c as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
    },
  });
}
