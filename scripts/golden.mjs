#!/usr/bin/env node
/**
 * The recorded oracle (docs/testing.md, "How the oracle is recorded").
 *
 *   npm run golden                 record every oracle-backed test file into test/golden/
 *   npm run golden -- <files...>   record only these test files
 *   npm run golden:check [-- <files...>]  replay every (or these) oracle-backed test file(s) from test/golden/
 *   node scripts/golden.mjs --list print the oracle-backed test files
 *
 * A test file is oracle-backed when it imports, directly or through other test modules,
 * test/support/redis-server.ts or test/support/lua-oracle.ts. Recording needs redis-server
 * 7.0.15 and lua5.1; it runs the files in small groups with REDKIT_ORACLE=record and removes
 * the golden files of tests that no longer exist or no longer use an oracle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const goldenDir = join(root, 'test', 'golden');
const ORACLES = ['test/support/redis-server.ts', 'test/support/lua-oracle.ts'].map((p) => join(root, p));
// Opt-in suites that reach redis-server only on request (REDKIT_ECOSYSTEM_TARGET=redis).
const EXCLUDED = ['test/ecosystem/', 'test/jest/', 'test/global/', 'test/golden/'];
const GROUP = Number(process.env.GOLDEN_GROUP ?? 6);

const posix = (p) => relative(root, p).split(sep).join('/');

function walk(dir, match = /\.(ts|mts|js|mjs)$/, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, match, out);
    else if (match.test(name)) out.push(p);
  }
  return out;
}

/** Relative imports of a module, resolved to files (the .js of a .ts import is the .ts). */
function imports(file) {
  const src = readFileSync(file, 'utf8');
  const out = [];
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const base = resolve(dirname(file), spec);
    for (const c of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base + '.ts', join(base, 'index.ts')]) {
      if (existsSync(c) && statSync(c).isFile()) {
        out.push(c);
        break;
      }
    }
  }
  return out;
}

export function oracleBackedFiles() {
  const all = walk(join(root, 'test'));
  const memo = new Map();
  const reaches = (f, seen = new Set()) => {
    if (ORACLES.includes(f)) return true;
    if (memo.has(f)) return memo.get(f);
    if (seen.has(f)) return false;
    seen.add(f);
    const r = imports(f).some((g) => reaches(g, seen));
    memo.set(f, r);
    return r;
  };
  return all
    .filter((f) => /\.test\.ts$/.test(f))
    .map(posix)
    .filter((f) => !EXCLUDED.some((x) => f.startsWith(x)))
    .filter((f) => reaches(join(root, f)))
    .sort();
}

function goldenFilesOf(testFile) {
  return [join(goldenDir, `${testFile}.redis.br`), join(goldenDir, `${testFile}.lua.json.gz`)];
}

function vitest(files, env) {
  const r = spawnSync('npx', ['vitest', 'run', '--maxWorkers=2', ...files], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const args = process.argv.slice(2);
const backed = oracleBackedFiles();

if (args[0] === '--list') {
  console.log(backed.join('\n'));
  process.exit(0);
}

/** Golden files whose test file is gone or no longer uses an oracle. */
function orphans() {
  if (!existsSync(goldenDir)) return [];
  return walk(goldenDir, /./).filter((g) => {
    const m = /^(.*)\.(redis\.br|lua\.json\.gz)$/.exec(posix(g).slice('test/golden/'.length));
    return !m || !backed.includes(m[1]);
  });
}

if (args[0] === '--check') {
  const stale = orphans();
  if (stale.length) console.error(`golden: files of tests that are gone or use no oracle (npm run golden removes them):\n  ${stale.map(posix).join('\n  ')}`);
  const only = args.slice(1).map((a) => posix(resolve(a)));
  const ok = vitest(only.length ? only : backed, { REDKIT_ORACLE: 'replay' });
  process.exit(ok && !stale.length ? 0 : 1);
}

// The oracle must be the one the goldens claim: redis-server 7.0.15 and lua5.1.
const redisBin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const version = spawnSync(redisBin, ['--version'], { encoding: 'utf8' });
if (version.status !== 0 || !/v=7\.0\.15\b/.test(version.stdout)) {
  console.error(`golden: recording needs redis-server 7.0.15 ('${redisBin} --version' says ${JSON.stringify((version.stdout || String(version.error)).trim())})`);
  if (!process.env.GOLDEN_ANY_VERSION) process.exit(1);
}
const luaBin = process.env.LUA51_BIN ?? '/usr/bin/lua5.1';
if (spawnSync(luaBin, ['-v'], { encoding: 'utf8' }).status !== 0) {
  console.error(`golden: recording needs lua5.1 ('${luaBin}' cannot be run; set LUA51_BIN)`);
  process.exit(1);
}

const chosen = args.length ? args.map((a) => posix(resolve(a))) : backed;
for (const f of chosen) if (!backed.includes(f)) console.warn(`golden: ${f} does not use an oracle (nothing to record)`);
const toRecord = chosen.filter((f) => backed.includes(f));

// Goldens of tests that are gone or no longer use an oracle.
if (!args.length) {
  for (const g of orphans()) {
    console.log(`golden: removing ${posix(g)}`);
    rmSync(g);
  }
}

const started = Date.now();
const failed = [];
for (let i = 0; i < toRecord.length; i += GROUP) {
  const group = toRecord.slice(i, i + GROUP);
  for (const f of group) for (const g of goldenFilesOf(f)) rmSync(g, { force: true });
  console.log(`\n== golden: recording ${group.join(' ')}`);
  if (!vitest(group, { REDKIT_ORACLE: 'record' })) failed.push(...group);
}
const secs = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\n== golden: recorded ${toRecord.length} test files in ${secs}s into test/golden/`);
if (failed.length) {
  console.error(`golden: some tests failed while recording (their goldens hold redis-server's answers all the same; fix RedKit or the test):\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
