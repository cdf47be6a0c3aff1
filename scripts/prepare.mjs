#!/usr/bin/env node
// `prepare` (run by `npm ci` / `npm install`): build dist/ unless it is already
// newer than every source file. `npx redkit` run from this checkout installs
// the checkout itself into npx's cache, which runs `prepare` once more: with
// this check it does not rebuild (nor wipe) the dist/ that `npm ci` just made.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/cli.js'];
const inputs = ['src', 'adapters', 'package.json', 'tsup.config.ts', 'tsconfig.json'];

function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

const built = Math.min(...outputs.map((f) => newest(path.join(root, f)) || 0));
const source = Math.max(...inputs.map((f) => newest(path.join(root, f))));
if (built > 0 && built >= source) {
  console.log('redkit: dist/ is up to date');
} else {
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 1);
}
