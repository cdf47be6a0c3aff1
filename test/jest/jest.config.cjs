// Runs the jest adapter under a real jest 30, against the built package (dist/).
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const mapper = {
  '^redkit$': path.join(root, 'dist/index.cjs'),
  '^redkit/jest$': path.join(root, 'dist/jest.cjs'),
};
module.exports = {
  rootDir: root,
  projects: [
    {
      displayName: 'jest-adapter',
      rootDir: root,
      testMatch: ['<rootDir>/test/jest/adapter.test.cjs'],
      testEnvironment: 'node',
      moduleNameMapper: mapper,
      transform: {},
    },
    {
      displayName: 'jest-global-setup',
      rootDir: root,
      testMatch: ['<rootDir>/test/jest/global.test.cjs'],
      testEnvironment: 'node',
      moduleNameMapper: mapper,
      transform: {},
      globalSetup: path.join(root, 'dist/jest-global-setup.cjs'),
      globalTeardown: path.join(root, 'dist/jest-global-teardown.cjs'),
    },
    {
      // docs/recipes.md: the jest recipes, as users write them
      displayName: 'jest-recipes',
      rootDir: root,
      testMatch: ['<rootDir>/test/jest/recipes/*.test.cjs'],
      testEnvironment: 'node',
      moduleNameMapper: mapper,
      transform: {},
    },
  ],
};
