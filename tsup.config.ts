import { defineConfig, type Options } from 'tsup';

const common: Options = {
  format: ['esm', 'cjs'],
  sourcemap: true,
  clean: false,
  target: 'node20',
  shims: true,
};

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entry: {
      vitest: 'adapters/vitest.ts',
      'vitest-global-setup': 'adapters/vitest-global-setup.ts',
      jest: 'adapters/jest.ts',
      'jest-global-setup': 'adapters/jest-global-setup.ts',
      'jest-global-teardown': 'adapters/jest-global-teardown.ts',
    },
    dts: { entry: { vitest: 'adapters/vitest.ts', jest: 'adapters/jest.ts' } },
    external: ['vitest', 'redkit'],
  },
]);
