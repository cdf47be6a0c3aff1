/**
 * Shared by the long-run scripts (npm run fuzz, npm run load): their options
 * and the import of a TypeScript module of test/robustness, bundled with the
 * server sources by esbuild into a temporary ES module.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);

/** The value after `--name` on the command line, or `dflt`. */
export const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};

/** Whether `--name` is on the command line. */
export const flag = (name) => argv.includes(`--${name}`);

/** Print `usage` and exit when --help or -h is given. */
export function helpOr(usage) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
}

/** Bundle `rel` (a path from the repository root) and import it. */
export async function importBundled(rel) {
  const dir = mkdtempSync(join(tmpdir(), 'redkit-bundle-'));
  const out = join(dir, basename(rel).replace(/\.ts$/, '.mjs'));
  try {
    await build({
      entryPoints: [join(root, rel)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      packages: 'external',
      logLevel: 'error',
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Exit 2 naming the option when a numeric option is not a finite number >= 0. */
export function checkNumbers(tool, values) {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isFinite(v) || v < 0) {
      console.error(`${tool}: invalid --${k}`);
      process.exit(2);
    }
  }
}
