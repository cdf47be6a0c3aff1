/** jest `globalTeardown`: stops the server started by redkit/jest/global-setup. */
import type { RedKit } from 'redkit';

const KEY = Symbol.for('redkit.jest.globalServer');

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as unknown as Record<symbol, RedKit | undefined>;
  await g[KEY]?.stop();
  g[KEY] = undefined;
}
