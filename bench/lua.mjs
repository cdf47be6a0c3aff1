#!/usr/bin/env node
// Micro-benchmarks of the Lua engine (src/lua) against Debian's lua5.1:
//   node bench/lua.mjs
// - sum 1..1e7 in a Lua loop (ours: call() and a resumable Execution stepped by 100k ops; lua5.1 binary)
// - compile time of a ~26 KB script and of BullMQ's largest scripts (parse + plain codegen + new Function; the
//   generator version is compiled on first use, the main chunk's functions' bodies on their first call)
// - cost of a Lua -> native call
// - cost of a Lua -> Lua call
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'lua-bench-'));
const out = join(dir, 'lua.mjs');
execFileSync(join(root, 'node_modules/.bin/esbuild'), [join(root, 'src/lua/index.ts'), '--bundle', '--platform=node', '--format=esm', `--outfile=${out}`, '--log-level=error']);
const { LuaState, nativeFunction } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

const now = () => Number(process.hrtime.bigint()) / 1e6;
function best(n, f) {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    f();
    b = Math.min(b, now() - t0);
  }
  return b;
}

const L = new LuaState({ print: () => {} });
const rows = [];

// 2. compile time of a ~26 KB script
const parts = [];
let i = 0;
while (parts.join('\n').length < 26 * 1024) {
  parts.push(`local function step${i}(key, args, opts)
  local jobKey = key .. ":" .. tostring(args[1] or "${i}")
  local t = {}
  for j = 1, #args do
    if type(args[j]) == "string" and string.find(args[j], "^%d+$") then
      t[#t + 1] = tonumber(args[j]) * ${i + 1}
    elseif args[j] ~= nil then
      t[#t + 1] = args[j]
    end
  end
  local attempts = opts.attempts or 0
  if attempts > ${i % 7 + 1} then
    return { err = "too many attempts for " .. jobKey }
  end
  local result = redis_call("HSET", jobKey, "state", "active", "ts", opts.ts)
  while attempts < 3 do attempts = attempts + 1 end
  return { ok = table.concat(t, ","), n = result }
end`);
  i++;
}
parts.push('return step0("k", {"1", "2"}, {ts = 1})');
const big = parts.join('\n');
L.load(big, '@warm');
let nth = 0;
// A new source each time, whose JS differs too (load() caches by source, and V8 caches new Function by its text).
const tCompile = best(20, () => L.load(`local _n = ${nth++}\n${big}`, '@big'));
// The same source in a new state (a new server in the same process): V8's cache of the generated JS.
const tCompileAgain = best(10, () => new LuaState({ print: () => {} }).load(big, '@warm'));
rows.push([`compile ${(big.length / 1024).toFixed(1)} KB script`, `${tCompile.toFixed(2)} ms`]);
rows.push([`compile it again in a new state`, `${tCompileAgain.toFixed(2)} ms`]);
// BullMQ's largest scripts (the realistic input), each made new like the script above
const bullScripts = join(root, 'node_modules/bullmq/dist/cjs/scripts');
for (const name of ['moveToFinished-14', 'addStandardJob-9', 'addDelayedJob-6']) {
  let src;
  try { src = Object.values(createRequire(import.meta.url)(join(bullScripts, `${name}.js`)))[0].content; } catch { continue; }
  const t = best(20, () => L.load(`local _n = ${nth++}\n${src}`, '@user_script'));
  rows.push([`compile BullMQ ${name} (${(src.length / 1024).toFixed(1)} KB)`, `${t.toFixed(2)} ms`]);
}

// 1. sum loop
const SUM = 'local s = 0 for i = 1, 1e7 do s = s + i end return s';
const sumFn = L.load(SUM, '@bench');
const tCall = best(5, () => L.call(sumFn, []));
const tExec = best(5, () => { const ex = L.start(sumFn, []); while (!ex.run(100000).done); });
const tPlainSum = best(5, () => L.runPlain(sumFn, []));
let tLua = NaN;
try {
  tLua = best(3, () => execFileSync('/usr/bin/lua5.1', ['-e', SUM]));
  const tStart = best(3, () => execFileSync('/usr/bin/lua5.1', ['-e', 'return 1']));
  tLua -= tStart;
} catch { /* lua5.1 missing */ }
rows.push(['sum 1..1e7, call()', `${tCall.toFixed(1)} ms`]);
rows.push(['sum 1..1e7, Execution.run(100000) steps', `${tExec.toFixed(1)} ms`]);
rows.push(['sum 1..1e7, runPlain() (plain mode)', `${tPlainSum.toFixed(1)} ms`]);
rows.push(['sum 1..1e7, lua5.1 (minus process start)', `${tLua.toFixed(1)} ms`]);
rows.push(['ratio ours/lua5.1 (call)', (tCall / tLua).toFixed(2)]);
rows.push(['ratio ours/lua5.1 (runPlain)', (tPlainSum / tLua).toFixed(2)]);

// 3. native call cost
L.globals.set('nop', nativeFunction('nop', () => []));
const nat = L.load('local f = nop for i = 1, 1e7 do f(i) end', '@nat');
const empty = L.load('local f = nop for i = 1, 1e7 do end', '@empty');
const tNat = best(5, () => L.call(nat, []));
const tEmpty = best(5, () => L.call(empty, []));
rows.push(['Lua -> native call', `${((tNat - tEmpty) / 1e7 * 1e6).toFixed(1)} ns`]);

// 4. Lua -> Lua call cost
const lua = L.load('local function f(x) return x end for i = 1, 1e6 do f(i) end', '@luacall');
const emptyL = L.load('local function f(x) return x end for i = 1, 1e6 do end', '@luaempty');
const tLuaCall = best(5, () => L.call(lua, []));
const tLuaEmpty = best(5, () => L.call(emptyL, []));
rows.push(['Lua -> Lua call (leaf function: plain JS call)', `${((tLuaCall - tLuaEmpty) / 1e6 * 1e6).toFixed(1)} ns`]);

// 5. Lua -> Lua call of a non-leaf function (generator, resumable)
const gen = L.load('local function f(x) if x < 0 then nop() end return x end for i = 1, 1e6 do f(i) end', '@gencall');
const tGen = best(5, () => L.call(gen, []));
rows.push(['Lua -> Lua call (non-leaf: generator + yield*)', `${((tGen - tLuaEmpty) / 1e6 * 1e6).toFixed(1)} ns`]);
const tGenPlain = best(5, () => L.runPlain(gen, []));
const tEmptyPlain = best(5, () => L.runPlain(emptyL, []));
rows.push(['Lua -> Lua call (non-leaf, plain mode: JS call)', `${((tGenPlain - tEmptyPlain) / 1e6 * 1e6).toFixed(1)} ns`]);

// 6. a whole small script run, as EVALSHA would: start() + run()
L.globals.set('KEYS', (() => { const t = new L.globals.constructor(); t.set(1, 'k'); return t; })());
const redisT = new L.globals.constructor();
redisT.set('call', nativeFunction('call', () => [1]));
L.globals.set('redis', redisT);
const evalsha = L.load("return redis.call('INCR', KEYS[1])", '@user_script');
const tRun = best(5, () => { for (let i = 0; i < 1e5; i++) L.start(evalsha, []).run(1e6); });
rows.push(["start()+run() of return redis.call('INCR', KEYS[1])", `${(tRun / 1e5 * 1e6).toFixed(0)} ns`]);
// 7. the same through runPlain (plain mode, no generator); read-only globals as Redis's sandbox has
const freeze = (t, seen = new Set()) => {
  if (seen.has(t)) return;
  seen.add(t);
  t.readonly = true;
  for (let k = t.next(undefined); k !== undefined; k = t.next(k[0])) if (k[1] instanceof L.globals.constructor) freeze(k[1], seen);
};
freeze(L.globals);
if (L.runPlain(evalsha, []) === undefined) throw new Error('runPlain did not run the script');
const tPlain = best(5, () => { for (let i = 0; i < 1e5; i++) L.runPlain(evalsha, []); });
rows.push(["runPlain() of the same (plain mode)", `${(tPlain / 1e5 * 1e6).toFixed(0)} ns`]);

const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
