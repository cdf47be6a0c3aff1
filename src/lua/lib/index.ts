/**
 * The Redis Lua libraries (lua-libs): cjson, struct, cmsgpack and bit, set in a globals table in
 * the order Redis's luaLoadLibraries loads them. Redis then makes these tables read-only with the
 * rest of the globals (the scripting layer's job).
 */
import type { LuaTable } from '../value.js';
import { openBit } from './bit.js';
import { openCjson } from './cjson.js';
import { openCmsgpack } from './cmsgpack.js';
import { openStruct } from './struct.js';

export { openBit } from './bit.js';
export { openCjson, CJSON_NULL } from './cjson.js';
export { openCmsgpack } from './cmsgpack.js';
export { openStruct } from './struct.js';
export { numberToString, formatG, formatNumberSpec, stringFormat, str2number, strtod } from './format.js';

/** Sets `cjson`, `struct`, `cmsgpack` and `bit` in `globals` (raw sets). */
export function openRedisLibs(globals: LuaTable): void {
  globals.set('cjson', openCjson());
  globals.set('struct', openStruct());
  globals.set('cmsgpack', openCmsgpack());
  globals.set('bit', openBit());
}
