/**
 * jest `globalSetup`: one RedKit for the whole run, its URL in REDIS_URL
 * (jest starts test workers after global setup, so they inherit it).
 * Pair with `globalTeardown: 'redkit/jest/global-teardown'`.
 */
import { startRedKit, type RedKit } from 'redkit';

const KEY = Symbol.for('redkit.jest.globalServer');

export default async function globalSetup(): Promise<void> {
  const redkit = await startRedKit({ port: process.env.REDKIT_PORT ? Number(process.env.REDKIT_PORT) : 0 });
  process.env.REDIS_URL = redkit.url;
  (globalThis as unknown as Record<symbol, RedKit>)[KEY] = redkit;
}
