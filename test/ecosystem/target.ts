/**
 * The server an ecosystem test runs against. One switch picks it for the whole
 * run: `REDKIT_ECOSYSTEM_TARGET=redis` starts a real redis-server (the oracle),
 * anything else (the default) starts RedKit. The same test file runs both ways,
 * so a difference between the two is a RedKit bug, not a test quirk.
 *
 * Tests that need what only RedKit has (the virtual clock, the recorder,
 * faults) use `it.runIf(isRedKit)` (skipped, and reported as skipped, against
 * redis-server); everything else must pass against both.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedKit, type RedKit, type RedKitOptions } from '../../src/index.js';
import { liveOracle, startRedisServer, type RedisProcess } from '../support/redis-server.js';

export type TargetKind = 'redkit' | 'redis';

export const TARGET: TargetKind = process.env.REDKIT_ECOSYSTEM_TARGET === 'redis' ? 'redis' : 'redkit';
export const isRedKit = TARGET === 'redkit';
/**
 * Tests that replay what a library sent to RedKit on a real redis-server (test/ecosystem/replay.ts)
 * need a live one: that traffic comes from the library's timers and is not recorded (docs/oracle.md).
 */
export const canReplayOnRedis = isRedKit && liveOracle;

export interface Target {
  kind: TargetKind;
  host: string;
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The RedKit fixture when the target is RedKit, otherwise null. */
  redkit: RedKit | null;
  /** Empty every database (FLUSHALL) between tests. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Start the selected server. `options` apply to RedKit only. */
export async function startTarget(options: RedKitOptions = {}): Promise<Target> {
  if (TARGET === 'redis') {
    const proc: RedisProcess = await startRedisServer();
    const flushRedis = () => sendFlushAll(proc.port);
    return {
      kind: 'redis',
      host: '127.0.0.1',
      port: proc.port,
      url: `redis://127.0.0.1:${proc.port}`,
      redkit: null,
      flush: flushRedis,
      stop: () => proc.stop(),
    };
  }
  const redkit = await startRedKit(options);
  const record = recorderDump(redkit);
  return {
    kind: 'redkit',
    host: redkit.host,
    port: redkit.port,
    url: `redis://${redkit.host}:${redkit.port}`,
    redkit,
    flush: async () => {
      record();
      await redkit.reset();
    },
    stop: async () => {
      record();
      await redkit.stop();
    },
  };
}

/**
 * The set-up a library test file shares: start the target before the file's tests (handed to
 * `set`), after each test run the cleanups it registered (newest first) and empty the target, stop
 * it at the end. Returns the cleanup list to push onto.
 */
export function targetHooks(set: (target: Target) => void, options: RedKitOptions = {}): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  let target: Target | undefined;
  beforeAll(async () => {
    target = await startTarget(options);
    set(target);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await target?.flush();
  });
  afterAll(async () => {
    await target?.stop();
  });
  return cleanups;
}

/** The RedKit of a target that must be RedKit (inside an `it.runIf(isRedKit)` test). */
export function redkitOf(target: Target): RedKit {
  if (target.redkit === null) throw new Error('this test needs RedKit (it is skipped against redis-server)');
  return target.redkit;
}

/**
 * With `REDKIT_ECOSYSTEM_RECORD=<file>`, what the libraries sent is appended
 * to the file before each flush and at stop: one JSON line per test, the
 * top-level commands in arrival order with their client ids (the commands an
 * EXEC ran in `children`). test/ecosystem/replay-differential.test.ts replays
 * them against redis-server and RedKit and compares the replies.
 */
function recorderDump(redkit: RedKit): () => void {
  const file = process.env.REDKIT_ECOSYSTEM_RECORD;
  if (!file) return () => {};
  type Line = { c: number; n: string; a: readonly string[]; children?: Line[] };
  const line = (e: RedKit['recorder']['all'][number]): Line => ({
    c: e.clientId,
    n: e.name,
    a: e.rawArgs,
    ...(e.name === 'EXEC' ? { children: e.children.map(line) } : {}),
  });
  return () => {
    const entries = redkit.recorder.all.map(line);
    if (entries.length > 0) appendFileSync(file, `${JSON.stringify(entries)}\n`);
  };
}

async function sendFlushAll(port: number): Promise<void> {
  const net = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('FLUSHALL\r\n'));
    s.once('data', (d) => {
      s.destroy();
      if (d.toString('latin1').startsWith('+OK')) resolve();
      else reject(new Error(`FLUSHALL answered ${d.toString('latin1')}`));
    });
    s.once('error', reject);
  });
}
