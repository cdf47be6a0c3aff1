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
    entry: { index: 'src/index.ts' },
    dts: { entry: { index: 'src/index.ts' } },
  },
  {
    // The `redkit` command runs Node with V8's --optimize-for-size (smaller
    // young generation, slower heap growth): for a server holding a large
    // keyspace it cuts resident memory by about a third at no measurable cost
    // in throughput (bench/: memory and core suites).
    ...common,
    format: ['esm'],
    entry: { cli: 'src/cli.ts' },
    banner: { js: '#!/usr/bin/env -S node --optimize-for-size' },
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
    // Types for every entry point, global-setup/teardown included (publint, attw --pack).
    dts: {
      entry: {
        vitest: 'adapters/vitest.ts',
        'vitest-global-setup': 'adapters/vitest-global-setup.ts',
        jest: 'adapters/jest.ts',
        'jest-global-setup': 'adapters/jest-global-setup.ts',
        'jest-global-teardown': 'adapters/jest-global-teardown.ts',
      },
    },
    external: ['vitest', 'redkit'],
  },
]);
