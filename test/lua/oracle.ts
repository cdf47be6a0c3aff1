/**
 * Differential harness for the Lua engine: runs chunks in Debian's /usr/bin/lua5.1 and in our
 * engine, through the same Lua driver (each chunk loaded with loadstring(src, '@user_script') and
 * run under pcall; compile and runtime errors are printed), and returns each chunk's output.
 */
import { LuaState, LuaError } from '../../src/lua/index.js';
import { runLua51 } from '../support/lua-oracle.js';

/** A Lua string literal for any byte string. */
export function luaQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) out += '\\' + s[i];
    else if (c >= 32 && c < 127) out += s[i];
    else out += '\\' + String(c & 0xff).padStart(3, '0');
  }
  return out + '"';
}

const DRIVER = `
for i = 1, #CASES do
  print('##CASE ' .. i)
  local f, err = loadstring(CASES[i], '@user_script')
  if not f then print('COMPILE: ' .. tostring(err))
  else
    local ok, e = pcall(f)
    if not ok then print('ERROR: ' .. tostring(e)) end
  end
end
`;

export function buildProgram(cases: string[]): string {
  return `local CASES = {\n${cases.map(luaQuote).join(',\n')}\n}\n${DRIVER}`;
}

/** Table/function addresses differ between the two engines. */
export function normalize(out: string): string {
  return out.replace(/0x[0-9a-f]{4,}/g, '0xADDR');
}

function split(out: string, n: number): string[] {
  const res: string[] = new Array(n).fill('<missing>');
  const parts = out.split(/^##CASE (\d+)\n/m);
  for (let i = 1; i < parts.length; i += 2) res[Number(parts[i]) - 1] = normalize(parts[i + 1] ?? '');
  return res;
}

/** lua5.1's output per case (recorded in test/golden/ when the oracle is replayed). */
export function runReference(cases: string[]): string[] {
  const r = runLua51(buildProgram(cases), { timeoutMs: 60_000 });
  return split(r.stdout + (r.stderr ? `##STDERR\n${r.stderr}` : ''), cases.length);
}

export function runOurs(cases: string[], state?: LuaState): string[] {
  let out = '';
  const L = state ?? new LuaState({ print: (line) => { out += line + '\n'; } });
  if (state) L.print = (line) => { out += line + '\n'; };
  try {
    const f = L.load(buildProgram(cases), '=driver');
    L.call(f, []);
  } catch (e) {
    out += `##STDERR\n${e instanceof LuaError ? String(e.value) : String(e)}\n`;
  }
  return split(out, cases.length);
}

/**
 * Our output in plain mode (LuaState.runPlain: plain JS functions, no generator), each case on its
 * own: a case that leaves plain mode (coroutines...) runs again from its start resumable, its
 * output from the plain run dropped, as the Redis layer replays a script.
 */
export function runOursPlain(cases: string[]): string[] {
  const res: string[] = [];
  for (const c of cases) {
    let out = '';
    const L = new LuaState({ print: (line) => { out += line + '\n'; } });
    try {
      const f = L.load(buildProgram([c]), '=driver');
      const snap = L.snapshot();
      if (L.runPlain(f, []) === undefined) {
        out = '';
        L.restore(snap);
        L.call(f, []);
      }
    } catch (e) {
      out += `##STDERR\n${e instanceof LuaError ? String(e.value) : String(e)}\n`;
    }
    res.push(split(out, 1)[0]!);
  }
  return res;
}

export interface Mismatch { index: number; src: string; expected: string; actual: string }

/** `nanSign: false`: compare NaNs without their sign (the engine prints every NaN as -nan; see docs/lua.md). */
export function compare(cases: string[], opts: { nanSign?: boolean } = {}): Mismatch[] {
  let ref = runReference(cases);
  let ours = runOurs(cases);
  let plain = runOursPlain(cases);
  if (opts.nanSign === false) {
    const strip = (s: string) => s.replace(/-nan/g, 'nan');
    ref = ref.map(strip);
    ours = ours.map(strip);
    plain = plain.map(strip);
  }
  const bad: Mismatch[] = [];
  for (let i = 0; i < cases.length; i++) {
    if (ref[i] !== ours[i]) bad.push({ index: i, src: cases[i]!, expected: ref[i]!, actual: ours[i]! });
    else if (ref[i] !== plain[i]) bad.push({ index: i, src: `[plain mode] ${cases[i]!}`, expected: ref[i]!, actual: plain[i]! });
  }
  return bad;
}
