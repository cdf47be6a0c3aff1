import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own name resolves to the sources in this repository.
    alias: [
      { find: /^redkit\/vitest\/global-setup$/, replacement: here('./adapters/vitest-global-setup.ts') },
      { find: /^redkit\/vitest$/, replacement: here('./adapters/vitest.ts') },
      { find: /^redkit\/jest$/, replacement: here('./adapters/jest.ts') },
      { find: /^redkit$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'redkit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/jest/**', 'test/global/**', 'node_modules/**'],
        },
      },
      {
        // One RedKit for the whole project via the ready-made globalSetup.
        extends: true,
        test: {
          name: 'global-setup',
          include: ['test/global/**/*.test.ts'],
          globalSetup: ['redkit/vitest/global-setup'],
        },
      },
    ],
  },
});
