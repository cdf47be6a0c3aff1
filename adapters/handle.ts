/**
 * The handle useRedKit() returns: live views of the server once the suite's
 * beforeAll has started it, and a clear error before.
 */
import { startRedKit, type RedKit, type RedKitOptions } from 'redkit';

export interface RedKitHandle {
  /** The running fixture (throws before beforeAll has run). */
  readonly redkit: RedKit;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly clock: RedKit['clock'];
  readonly recorder: RedKit['recorder'];
  readonly commands: RedKit['commands'];
  readonly faults: RedKit['faults'];
  readonly server: RedKit['server'];
  /** Whether setLoading(true) is in force. */
  readonly loading: boolean;
  db: RedKit['db'];
  snapshot: RedKit['snapshot'];
  restore: RedKit['restore'];
  reset: RedKit['reset'];
  disconnectAll: RedKit['disconnectAll'];
  pause: RedKit['pause'];
  unpause: RedKit['unpause'];
  setLoading: RedKit['setLoading'];
  restart: RedKit['restart'];
}

export interface UseRedKitOptions extends RedKitOptions {
  /** Call redkit.reset() before each test (default true). */
  resetBeforeEach?: boolean;
}

interface Hooks {
  beforeAll(fn: () => unknown, timeout?: number): void;
  afterAll(fn: () => unknown, timeout?: number): void;
  beforeEach(fn: () => unknown, timeout?: number): void;
}

export function createHandle(hooks: Hooks, options: UseRedKitOptions = {}): RedKitHandle {
  let instance: RedKit | undefined;
  const get = (): RedKit => {
    if (!instance) throw new Error('RedKit is not started yet: use the handle inside tests or hooks (useRedKit() starts it in beforeAll)');
    return instance;
  };
  hooks.beforeAll(async () => {
    instance = await startRedKit(options);
  });
  hooks.afterAll(async () => {
    const r = instance;
    instance = undefined;
    await r?.stop();
  });
  if (options.resetBeforeEach !== false) {
    hooks.beforeEach(async () => {
      await instance?.reset();
    });
  }
  const bind =
    <K extends keyof RedKit>(k: K) =>
    (...a: unknown[]) =>
      (get()[k] as unknown as (...x: unknown[]) => unknown)(...a);
  return {
    get redkit() {
      return get();
    },
    get url() {
      return get().url;
    },
    get host() {
      return get().host;
    },
    get port() {
      return get().port;
    },
    get clock() {
      return get().clock;
    },
    get recorder() {
      return get().recorder;
    },
    get commands() {
      return get().commands;
    },
    get faults() {
      return get().faults;
    },
    get server() {
      return get().server;
    },
    get loading() {
      return get().loading;
    },
    db: bind('db') as RedKit['db'],
    snapshot: bind('snapshot') as RedKit['snapshot'],
    restore: bind('restore') as RedKit['restore'],
    reset: bind('reset') as RedKit['reset'],
    disconnectAll: bind('disconnectAll') as RedKit['disconnectAll'],
    pause: bind('pause') as RedKit['pause'],
    unpause: bind('unpause') as RedKit['unpause'],
    setLoading: bind('setLoading') as RedKit['setLoading'],
    restart: bind('restart') as RedKit['restart'],
  };
}
