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
import { startRedKit, type RedKit, type RedKitOptions } from '../../src/index.js';
import { startRedisServer, type RedisProcess } from '../support/redis-server.js';

export type TargetKind = 'redkit' | 'redis';

export const TARGET: TargetKind = process.env.REDKIT_ECOSYSTEM_TARGET === 'redis' ? 'redis' : 'redkit';
export const isRedKit = TARGET === 'redkit';

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
  return {
    kind: 'redkit',
    host: redkit.host,
    port: redkit.port,
    url: `redis://${redkit.host}:${redkit.port}`,
    redkit,
    flush: async () => {
      await redkit.reset();
    },
    stop: () => redkit.stop(),
  };
}

/** The RedKit of a target that must be RedKit (inside an `it.runIf(isRedKit)` test). */
export function redkitOf(target: Target): RedKit {
  if (target.redkit === null) throw new Error('this test needs RedKit (it is skipped against redis-server)');
  return target.redkit;
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
