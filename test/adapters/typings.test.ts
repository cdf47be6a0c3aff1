// The matcher and handle typings, as users get them from the built declarations (dist/*.d.ts):
// test/adapters/types/*.ts must compile, including their @ts-expect-error lines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('vitest and jest 30 matcher typings compile against dist/*.d.ts', () => {
  for (const f of ['index.d.ts', 'vitest.d.ts', 'jest.d.ts']) {
    if (!fs.existsSync(path.join(root, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'test/adapters/types/tsconfig.json')], {
    encoding: 'utf8',
    cwd: root,
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 60_000);
