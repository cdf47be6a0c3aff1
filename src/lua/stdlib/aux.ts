/** lauxlib-like argument checks for native functions. */
import { LuaTable, argError, typeError, typeName, type LuaValue } from '../value.js';
import { numberToString } from '../runtime.js';
import { str2number } from '../number.js';

export function checkAny(a: LuaValue[], i: number, fname: string): void {
  if (a.length <= i) argError(i + 1, fname, 'value expected');
}

export function checkTable(a: LuaValue[], i: number, fname: string): LuaTable {
  const v = a[i];
  if (v instanceof LuaTable) return v;
  return typeError(i + 1, fname, 'table', v, a.length > i);
}

export function toNumberOrNil(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return str2number(v);
  return undefined;
}

export function checkNumber(a: LuaValue[], i: number, fname: string): number {
  const v = a[i];
  if (typeof v === 'number') return v;
  const n = toNumberOrNil(v);
  if (n === undefined) return typeError(i + 1, fname, 'number', v, a.length > i);
  return n;
}

export function optNumber(a: LuaValue[], i: number, fname: string, def: number): number {
  const v = a[i];
  if (v === undefined) return def;
  return checkNumber(a, i, fname);
}

/** lua_Number -> lua_Integer (ptrdiff_t) as a C cast on x86-64. */
export function toInteger(n: number): number {
  if (n !== n || n >= 9223372036854775807 || n < -9223372036854775808) return -9223372036854775808;
  return Math.trunc(n) || 0;
}

/** luaL_checkint: C int (truncated to 32 bits like a cast from lua_Integer). */
export function checkInt(a: LuaValue[], i: number, fname: string): number {
  const n = toInteger(checkNumber(a, i, fname));
  return (n | 0) === n ? n : Number(BigInt.asIntN(32, BigInt(n)));
}

export function optInt(a: LuaValue[], i: number, fname: string, def: number): number {
  if (a[i] === undefined) return def;
  return checkInt(a, i, fname);
}

export function checkInteger(a: LuaValue[], i: number, fname: string): number {
  return toInteger(checkNumber(a, i, fname));
}

export function checkString(a: LuaValue[], i: number, fname: string): string {
  const v = a[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  return typeError(i + 1, fname, 'string', v, a.length > i);
}

export function optString(a: LuaValue[], i: number, fname: string, def: string): string {
  if (a[i] === undefined) return def;
  return checkString(a, i, fname);
}

export function truthy(v: LuaValue): boolean {
  return v !== undefined && v !== false;
}

export { typeName };
