/**
 * The oracle's mode and its golden files (docs/testing.md, "How the oracle is recorded").
 *
 * The differential, property and Lua tests compare RedKit with redis-server 7.0.15 and with
 * Debian's lua5.1. `REDKIT_ORACLE` chooses how those oracles are reached:
 *
 * - `live`: the real programs (the default when they can be run);
 * - `record`: the real programs, and every exchange is written to test/golden/ (`npm run golden`);
 * - `replay`: no program runs; the recorded answers are replayed from test/golden/ (the default
 *   when the program is missing, so `npm test` passes on a machine without redis-server or lua5.1).
 *
 * redis-server is found as `REDIS_SERVER_BIN` (default `redis-server` on PATH), lua5.1 as
 * `LUA51_BIN` (default `/usr/bin/lua5.1`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'vitest';

export type OracleMode = 'live' | 'record' | 'replay';

/** The repository's root directory. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GOLDEN_DIR = process.env.REDKIT_GOLDEN_DIR ?? join(ROOT, 'test', 'golden');

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';
export const LUA51_BIN = process.env.LUA51_BIN ?? '/usr/bin/lua5.1';

function runs(bin: string, args: string[]): boolean {
  const r = spawnSync(bin, args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
  return !r.error && r.status === 0;
}

function modeFor(available: () => boolean, name: string): OracleMode {
  const env = process.env.REDKIT_ORACLE;
  if (env === 'live' || env === 'record' || env === 'replay') return env;
  if (env !== undefined && env !== '') throw new Error(`REDKIT_ORACLE must be live, record or replay (not ${JSON.stringify(env)})`);
  void name;
  return available() ? 'live' : 'replay';
}

let redisMode: OracleMode | undefined;
let luaMode: OracleMode | undefined;

/** How redis-server is reached in this run. */
export function redisOracleMode(): OracleMode {
  return (redisMode ??= modeFor(() => runs(REDIS_SERVER_BIN, ['--version']), 'redis-server'));
}

/** How lua5.1 is reached in this run. */
export function luaOracleMode(): OracleMode {
  return (luaMode ??= modeFor(() => runs(LUA51_BIN, ['-e', '']), 'lua5.1'));
}

/**
 * True when redis-server's answers come from test/golden/ instead of a running server: tests
 * that cannot be replayed (see docs/testing.md) are marked `it.skipIf(replaying)` with the reason.
 */
export const replaying = redisOracleMode() === 'replay';
/** True when lua5.1's output comes from test/golden/. */
export const replayingLua = luaOracleMode() === 'replay';

/** The running test file, relative to the repository (posix separators). */
export function currentTestFile(): string {
  let abs: string | undefined;
  try {
    abs = expect.getState().testPath;
  } catch {
    abs = undefined;
  }
  abs ??= (globalThis as { __vitest_worker__?: { filepath?: string } }).__vitest_worker__?.filepath;
  if (!abs) throw new Error('the oracle is recorded per test file: call it from a vitest test file');
  return relative(ROOT, abs).split(sep).join('/');
}

/** test/golden/<test file>.redis.br (header + bytes, brotli) or .lua.json.gz */
export function goldenPath(testFile: string, kind: 'redis' | 'lua'): string {
  return join(GOLDEN_DIR, kind === 'redis' ? `${testFile}.redis.br` : `${testFile}.lua.json.gz`);
}

/**
 * A header (JSON, one line) followed by raw bytes, compressed with brotli and a 16 MB window:
 * replies repeat (the same values read again and again) far beyond gzip's 32 KB window.
 */
export function writeGoldenBinary(file: string, header: unknown, blob: Buffer[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const all = Buffer.concat([Buffer.from(JSON.stringify(header) + '\n', 'utf8'), ...blob]);
  const params = { [zlibConstants.BROTLI_PARAM_QUALITY]: 7, [zlibConstants.BROTLI_PARAM_LGWIN]: 24, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: all.length };
  writeFileSync(file, brotliCompressSync(all, { params }));
}

export function readGoldenBinary<T>(file: string): { header: T; blob: Buffer } | undefined {
  if (!existsSync(file)) return undefined;
  const all = brotliDecompressSync(readFileSync(file));
  const nl = all.indexOf(10);
  return { header: JSON.parse(all.subarray(0, nl).toString('utf8')) as T, blob: all.subarray(nl + 1) };
}

export function readGolden<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as T;
}

export function writeGolden(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  // Stable bytes for the same content (mtime 0 in the gzip header), so re-recording an
  // unchanged test leaves git clean.
  writeFileSync(file, gzipSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9 }));
}

export const RERECORD = 're-record with `npm run golden` (needs redis-server 7.0.15 and lua5.1)';
