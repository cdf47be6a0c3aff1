/** A small os library: time() and clock() (pluggable sources). */
import { LuaFunction, LuaTable, type LuaValue } from '../value.js';

export function openOs(G: LuaTable, time?: () => number, clock?: () => number): void {
  const O = new LuaTable();
  G.rawset('os', O);
  const def = (name: string, f: (a: LuaValue[]) => LuaValue[]) => O.rawset(name, new LuaFunction(name, f, undefined, undefined));
  const t0 = process.hrtime.bigint();
  def('time', () => [Math.floor(time ? time() : Date.now() / 1000)]);
  def('clock', () => [clock ? clock() : Number(process.hrtime.bigint() - t0) / 1e9]);
}
