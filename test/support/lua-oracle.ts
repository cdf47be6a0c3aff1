/**
 * Debian's lua5.1 as an oracle, or its recorded answers (REDKIT_ORACLE, test/support/oracle.ts).
 * `runLua51(program)` runs a Lua 5.1 program (a latin1 string) in the real interpreter (`live`,
 * `record`: the result is also stored in test/golden/<test file>.lua.json.gz, keyed by the
 * program's SHA-1) or returns the stored result (`replay`; a program never recorded fails loudly).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentTestFile, goldenPath, luaOracleMode, LUA51_BIN, readGolden, RERECORD, writeGolden } from './oracle.js';

export { replayingLua, luaOracleMode } from './oracle.js';

export interface LuaRun {
  /** latin1 */
  stdout: string;
  stderr: string;
  /** Exit code (null when killed, e.g. by the timeout). */
  status: number | null;
}

interface LuaGolden {
  format: 1;
  file: string;
  runs: Record<string, LuaRun>;
}

const goldens = new Map<string, LuaGolden>();

function runReal(program: string, timeoutMs: number): LuaRun {
  const dir = mkdtempSync(join(tmpdir(), 'lua-oracle-'));
  try {
    const file = join(dir, 'prog.lua');
    writeFileSync(file, Buffer.from(program, 'latin1'));
    const r = spawnSync(LUA51_BIN, [file], { encoding: 'latin1', timeout: timeoutMs, maxBuffer: 64 << 20 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`REDKIT_ORACLE=${luaOracleMode()} runs lua5.1 but '${LUA51_BIN}' is missing (install lua5.1, set LUA51_BIN, or replay: REDKIT_ORACLE=replay)`);
    }
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run `program` in lua5.1 (or replay its recorded result). */
export function runLua51(program: string, opts: { timeoutMs?: number } = {}): LuaRun {
  const mode = luaOracleMode();
  if (mode === 'live') return runReal(program, opts.timeoutMs ?? 60_000);
  const file = currentTestFile();
  const where = goldenPath(file, 'lua');
  const key = createHash('sha1').update(Buffer.from(program, 'latin1')).digest('hex');
  if (mode === 'record') {
    let g = goldens.get(file);
    if (!g) goldens.set(file, (g = { format: 1, file, runs: {} }));
    const run = runReal(program, opts.timeoutMs ?? 60_000);
    g.runs[key] = run;
    writeGolden(where, g);
    return run;
  }
  let g = goldens.get(file);
  if (!g) {
    g = readGolden<LuaGolden>(where);
    if (!g) throw new Error(`${file}: no recorded lua5.1 results (${where} is missing); ${RERECORD}`);
    goldens.set(file, g);
  }
  const run = g.runs[key];
  if (!run) {
    const head = program.length > 200 ? program.slice(0, 200) + '...' : program;
    throw new Error(`${file}: lua5.1 was never run on this program (sha1 ${key}) when ${where} was recorded; ${RERECORD}\n${head}`);
  }
  return run;
}
