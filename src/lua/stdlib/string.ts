/** Lua 5.1 string library (lstrlib.c), patterns included. Strings are byte strings. */
import { LuaError, LuaFunction, LuaTable, argError, luaLError, typeError, type LuaValue } from '../value.js';
import { EMPTY, callSync, index, type RtState } from '../runtime.js';
import { stringFormat } from '../lib/format.js';
import { numberToString } from '../runtime.js';
import { checkInt, checkString, optInt, checkInteger, toNumberOrNil } from './aux.js';

const L_ESC = 37; // '%'
const SPECIALS = '^$*+?.([%-';
const MAXCAPTURES = 32;
const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;

function posrelat(pos: number, len: number): number {
  return pos < 0 ? len + pos + 1 : pos;
}

// C ctype in the "C" locale
function isalpha(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122); }
function isdigit(c: number): boolean { return c >= 48 && c <= 57; }
function islower(c: number): boolean { return c >= 97 && c <= 122; }
function isupper(c: number): boolean { return c >= 65 && c <= 90; }
function isspace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }
function iscntrl(c: number): boolean { return c < 32 || c === 127; }
function ispunct(c: number): boolean { return c > 32 && c < 127 && !isalpha(c) && !isdigit(c); }
function isxdigit(c: number): boolean { return isdigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70); }
function isalnum(c: number): boolean { return isalpha(c) || isdigit(c); }

class MatchState {
  level = 0;
  capStart: number[] = [];
  capLen: number[] = [];
  constructor(readonly src: string, readonly p: string) {}
}

function classEnd(ms: MatchState, p: number): number {
  const pat = ms.p;
  const c = pat.charCodeAt(p++);
  if (c === L_ESC) {
    if (p >= pat.length) luaLError('malformed pattern (ends with \'%\')');
    return p + 1;
  }
  if (c === 91) { // [
    if (pat.charCodeAt(p) === 94) p++;
    do {
      if (p >= pat.length) luaLError("malformed pattern (missing ']')");
      const cc = pat.charCodeAt(p++);
      if (cc === L_ESC && p < pat.length) p++;
    } while (pat.charCodeAt(p) !== 93);
    return p + 1;
  }
  return p;
}

function singleClass(c: number, cl: number): boolean {
  let res: boolean;
  switch (cl | 32) {
    case 97: res = isalpha(c); break; // a
    case 99: res = iscntrl(c); break; // c
    case 100: res = isdigit(c); break; // d
    case 108: res = islower(c); break; // l
    case 112: res = ispunct(c); break; // p
    case 115: res = isspace(c); break; // s
    case 117: res = isupper(c); break; // u
    case 119: res = isalnum(c); break; // w
    case 120: res = isxdigit(c); break; // x
    case 122: res = c === 0; break; // z
    default: return cl === c;
  }
  return isupper(cl) ? !res : res;
}

function matchBracketClass(ms: MatchState, c: number, p: number, ec: number): boolean {
  const pat = ms.p;
  let sig = true;
  if (pat.charCodeAt(p + 1) === 94) { sig = false; p++; }
  while (++p < ec) {
    const pc = pat.charCodeAt(p);
    if (pc === L_ESC) {
      p++;
      if (singleClass(c, pat.charCodeAt(p))) return sig;
    } else if (pat.charCodeAt(p + 1) === 45 && p + 2 < ec) { // range a-z
      p += 2;
      if (pc <= c && c <= pat.charCodeAt(p)) return sig;
    } else if (pc === c) return sig;
  }
  return !sig;
}

function singleMatch(ms: MatchState, c: number, p: number, ep: number): boolean {
  const pc = ms.p.charCodeAt(p);
  switch (pc) {
    case 46: return true; // .
    case L_ESC: return singleClass(c, ms.p.charCodeAt(p + 1));
    case 91: return matchBracketClass(ms, c, p, ep - 1);
    default: return pc === c;
  }
}

function matchBalance(ms: MatchState, s: number, p: number): number {
  const pat = ms.p;
  if (p + 1 >= pat.length) luaLError('unbalanced pattern');
  const src = ms.src;
  if (s >= src.length || src.charCodeAt(s) !== pat.charCodeAt(p)) return -1;
  const b = pat.charCodeAt(p), e = pat.charCodeAt(p + 1);
  let cont = 1;
  while (++s < src.length) {
    const c = src.charCodeAt(s);
    if (c === e) {
      if (--cont === 0) return s + 1;
    } else if (c === b) cont++;
  }
  return -1;
}

function maxExpand(ms: MatchState, s: number, p: number, ep: number): number {
  let i = 0;
  const src = ms.src;
  while (s + i < src.length && singleMatch(ms, src.charCodeAt(s + i), p, ep)) i++;
  while (i >= 0) {
    const res = doMatch(ms, s + i, ep + 1);
    if (res !== -1) return res;
    i--;
  }
  return -1;
}

function minExpand(ms: MatchState, s: number, p: number, ep: number): number {
  const src = ms.src;
  for (;;) {
    const res = doMatch(ms, s, ep + 1);
    if (res !== -1) return res;
    if (s < src.length && singleMatch(ms, src.charCodeAt(s), p, ep)) s++;
    else return -1;
  }
}

function startCapture(ms: MatchState, s: number, p: number, what: number): number {
  const level = ms.level;
  if (level >= MAXCAPTURES) luaLError('too many captures');
  ms.capStart[level] = s;
  ms.capLen[level] = what;
  ms.level = level + 1;
  const res = doMatch(ms, s, p);
  if (res === -1) ms.level--;
  return res;
}

function endCapture(ms: MatchState, s: number, p: number): number {
  const l = captureToClose(ms);
  ms.capLen[l] = s - ms.capStart[l]!;
  const res = doMatch(ms, s, p);
  if (res === -1) ms.capLen[l] = CAP_UNFINISHED;
  return res;
}

function captureToClose(ms: MatchState): number {
  let level = ms.level;
  for (level--; level >= 0; level--) if (ms.capLen[level] === CAP_UNFINISHED) return level;
  return luaLError('invalid pattern capture');
}

function checkCapture(ms: MatchState, l: number): number {
  l -= 49; // '1'
  if (l < 0 || l >= ms.level || ms.capLen[l] === CAP_UNFINISHED) return luaLError('invalid capture index');
  return l;
}

function matchCapture(ms: MatchState, s: number, l: number): number {
  l = checkCapture(ms, l);
  const len = ms.capLen[l]!;
  const cap = ms.src.substr(ms.capStart[l]!, len);
  if (ms.src.length - s >= len && ms.src.substr(s, len) === cap) return s + len;
  return -1;
}

let matchDepth = 0;

/** do_match: index in src after the match, or -1. */
function doMatch(ms: MatchState, s: number, p: number): number {
  if (++matchDepth > 3000) { matchDepth = 0; luaLError('pattern too complex'); }
  try {
    const pat = ms.p;
    const src = ms.src;
    for (;;) {
      if (p >= pat.length) return s;
      const pc = pat.charCodeAt(p);
      switch (pc) {
        case 40: // (
          if (pat.charCodeAt(p + 1) === 41) return startCapture(ms, s, p + 2, CAP_POSITION);
          return startCapture(ms, s, p + 1, CAP_UNFINISHED);
        case 41: // )
          return endCapture(ms, s, p + 1);
        case L_ESC: {
          const nc = pat.charCodeAt(p + 1);
          if (nc === 98) { // %b
            s = matchBalance(ms, s, p + 2);
            if (s === -1) return -1;
            p += 4;
            continue;
          }
          if (nc === 102) { // %f
            p += 2;
            if (pat.charCodeAt(p) !== 91) luaLError("missing '[' after '%f' in pattern");
            const ep = classEnd(ms, p);
            const prev = s === 0 ? 0 : src.charCodeAt(s - 1);
            const cur = s < src.length ? src.charCodeAt(s) : 0;
            if (!matchBracketClass(ms, prev, p, ep - 1) && matchBracketClass(ms, cur, p, ep - 1)) { p = ep; continue; }
            return -1;
          }
          if (isdigit(nc)) {
            s = matchCapture(ms, s, nc);
            if (s === -1) return -1;
            p += 2;
            continue;
          }
          break; // default
        }
        case 36: // $
          if (p + 1 === pat.length) return s === src.length ? s : -1;
          break;
        default: break;
      }
      // default: single char class with optional suffix
      const ep = classEnd(ms, p);
      const m = s < src.length && singleMatch(ms, src.charCodeAt(s), p, ep);
      const epc = ep < pat.length ? pat.charCodeAt(ep) : -1;
      switch (epc) {
        case 63: { // ?
          if (m) {
            const res = doMatch(ms, s + 1, ep + 1);
            if (res !== -1) return res;
          }
          p = ep + 1;
          continue;
        }
        case 42: return maxExpand(ms, s, p, ep); // *
        case 43: return m ? maxExpand(ms, s + 1, p, ep) : -1; // +
        case 45: return minExpand(ms, s, p, ep); // -
        default:
          if (!m) return -1;
          s++;
          p = ep;
          continue;
      }
    }
  } finally {
    matchDepth--;
  }
}

function getCapture(ms: MatchState, i: number, s: number, e: number): LuaValue {
  if (i >= ms.level) {
    if (i === 0) return ms.src.slice(s, e);
    return luaLError('invalid capture index');
  }
  const l = ms.capLen[i]!;
  if (l === CAP_UNFINISHED) luaLError('unfinished capture');
  if (l === CAP_POSITION) return ms.capStart[i]! + 1;
  return ms.src.substr(ms.capStart[i]!, l);
}

function pushCaptures(ms: MatchState, s: number, e: number, wholeIfNone: boolean): LuaValue[] {
  const n = ms.level === 0 && wholeIfNone ? 1 : ms.level;
  const out = new Array<LuaValue>(n);
  for (let i = 0; i < n; i++) out[i] = getCapture(ms, i, s, e);
  return out;
}

function noSpecials(p: string): boolean {
  for (let i = 0; i < p.length; i++) if (SPECIALS.includes(p[i]!)) return false;
  return true;
}

function strFindAux(a: LuaValue[], find: boolean): LuaValue[] {
  const fname = find ? 'find' : 'match';
  const s = checkString(a, 0, fname);
  const p = checkString(a, 1, fname);
  let init = posrelat(optInt(a, 2, fname, 1), s.length) - 1;
  if (init < 0) init = 0;
  else if (init > s.length) init = s.length;
  if (find && (a[3] !== undefined && a[3] !== false || noSpecials(p))) {
    const idx = s.indexOf(p, init);
    if (idx >= 0) return [idx + 1, idx + p.length];
  } else {
    const ms = new MatchState(s, p);
    let pi = 0;
    const anchor = p.charCodeAt(0) === 94;
    if (anchor) pi = 1;
    let s1 = init;
    do {
      ms.level = 0;
      matchDepth = 0;
      const e = doMatch(ms, s1, pi);
      if (e !== -1) {
        if (find) return [s1 + 1, e, ...pushCaptures(ms, -1, -1, false)];
        return pushCaptures(ms, s1, e, true);
      }
    } while (s1++ < s.length && !anchor);
  }
  return [undefined];
}

function gmatch(a: LuaValue[]): LuaValue[] {
  const s = checkString(a, 0, 'gmatch');
  const p = checkString(a, 1, 'gmatch');
  let srcPos = 0;
  return [new LuaFunction('gmatch_aux', () => {
    const ms = new MatchState(s, p);
    for (let src = srcPos; src <= s.length; src++) {
      ms.level = 0;
      matchDepth = 0;
      const e = doMatch(ms, src, 0);
      if (e !== -1) {
        let newstart = e;
        if (e === src) newstart++;
        srcPos = newstart;
        return pushCaptures(ms, src, e, true);
      }
    }
    srcPos = s.length + 1;
    return EMPTY;
  }, undefined, undefined)];
}

function addValue(ms: MatchState, s: number, e: number, repl: LuaValue, out: string[]): void {
  const src = ms.src;
  if (typeof repl === 'string' || typeof repl === 'number') {
    const r = typeof repl === 'number' ? numberToString(repl) : repl;
    let i = 0;
    let seg = 0;
    while (i < r.length) {
      if (r.charCodeAt(i) === L_ESC) {
        out.push(r.slice(seg, i));
        i++;
        const c = r.charCodeAt(i);
        if (!isdigit(c)) {
          out.push(i < r.length ? r[i]! : '');
        } else if (c === 48) {
          out.push(src.slice(s, e));
        } else {
          const v = getCapture(ms, c - 49, s, e);
          out.push(typeof v === 'number' ? numberToString(v) : (v as string));
        }
        i++;
        seg = i;
      } else i++;
    }
    out.push(r.slice(seg));
    return;
  }
  let v: LuaValue;
  if (repl instanceof LuaTable) {
    const k = getCapture(ms, 0, s, e);
    v = indexForGsub(repl, k);
  } else {
    v = callSync(repl, pushCaptures(ms, s, e, true))[0];
  }
  if (v === undefined || v === false) {
    out.push(src.slice(s, e));
  } else if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(numberToString(v));
  else luaLError(`invalid replacement value (a ${v instanceof LuaTable ? 'table' : v instanceof LuaFunction ? 'function' : typeof v === 'boolean' ? 'boolean' : 'userdata'})`);
}

function indexForGsub(t: LuaTable, k: LuaValue): LuaValue {
  return index(t, k);
}

function gsub(a: LuaValue[]): LuaValue[] {
  const src = checkString(a, 0, 'gsub');
  const p = checkString(a, 1, 'gsub');
  const repl = a[2];
  const maxN = a[3] === undefined ? src.length + 1 : checkInt(a, 3, 'gsub');
  const tr = typeof repl;
  if (!(tr === 'number' || tr === 'string' || repl instanceof LuaTable || repl instanceof LuaFunction)) {
    argError(3, 'gsub', 'string/function/table expected');
  }
  const anchor = p.charCodeAt(0) === 94;
  const pi = anchor ? 1 : 0;
  const ms = new MatchState(src, p);
  const out: string[] = [];
  let s = 0;
  let n = 0;
  while (n < maxN) {
    ms.level = 0;
    matchDepth = 0;
    const e = doMatch(ms, s, pi);
    if (e !== -1) {
      n++;
      addValue(ms, s, e, repl, out);
    }
    if (e !== -1 && e > s) s = e;
    else if (s < src.length) out.push(src[s++]!);
    else break;
    if (anchor) break;
  }
  out.push(src.slice(s));
  return [out.join(''), n];
}

export function openString(G: LuaTable, rt: RtState): void {
  const S = new LuaTable();
  G.rawset('string', S);
  const def = (name: string, f: (a: LuaValue[]) => LuaValue[]) => S.rawset(name, new LuaFunction(name, f, undefined, undefined));

  def('len', (a) => [checkString(a, 0, 'len').length]);
  def('sub', (a) => {
    const s = checkString(a, 0, 'sub');
    const l = s.length;
    let start = posrelat(checkInteger(a, 1, 'sub'), l);
    let end = posrelat(a[2] === undefined ? -1 : checkInteger(a, 2, 'sub'), l);
    if (start < 1) start = 1;
    if (end > l) end = l;
    return [start <= end ? s.slice(start - 1, end) : ''];
  });
  def('reverse', (a) => [checkString(a, 0, 'reverse').split('').reverse().join('')]);
  def('lower', (a) => [checkString(a, 0, 'lower').replace(/[A-Z]+/g, (m) => m.toLowerCase())]);
  def('upper', (a) => [checkString(a, 0, 'upper').replace(/[a-z]+/g, (m) => m.toUpperCase())]);
  def('rep', (a) => {
    const s = checkString(a, 0, 'rep');
    const n = checkInteger(a, 1, 'rep');
    if (n <= 0) return [''];
    if (s.length * n > 0x1fffffe8) throw new LuaError('not enough memory');
    return [s.repeat(n)];
  });
  def('byte', (a) => {
    const s = checkString(a, 0, 'byte');
    const l = s.length;
    const posi = posrelat(a[1] === undefined ? 1 : checkInteger(a, 1, 'byte'), l);
    const pose = posrelat(a[2] === undefined ? posi : checkInteger(a, 2, 'byte'), l);
    let i = posi <= 0 ? 1 : posi;
    const e = pose > l ? l : pose;
    if (i > e) return EMPTY;
    const n = e - i + 1;
    if (a.length + n > 8000) luaLError('stack overflow (string slice too long)');
    const out: LuaValue[] = [];
    for (; i <= e; i++) out.push(s.charCodeAt(i - 1));
    return out;
  });
  def('char', (a) => {
    let out = '';
    for (let i = 0; i < a.length; i++) {
      const c = checkInt(a, i, 'char');
      if ((c & 0xff) !== c) argError(i + 1, 'char', 'invalid value');
      out += String.fromCharCode(c);
    }
    return [out];
  });
  def('format', (a) => {
    const fmt = checkString(a, 0, 'format');
    return [stringFormat(fmt, a.slice(1), (v, argIndex) => {
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return numberToString(v);
      return typeError(argIndex, 'format', 'string', v, true);
    })];
  });
  def('dump', (a) => {
    if (!(a[0] instanceof LuaFunction)) return typeError(1, 'dump', 'function', a[0], a.length > 0);
    return luaLError('unable to dump given function');
  });
  def('find', (a) => strFindAux(a, true));
  def('match', (a) => strFindAux(a, false));
  def('gmatch', gmatch);
  def('gfind', gmatch);
  def('gsub', gsub);

  const meta = new LuaTable();
  meta.rawset('__index', S);
  rt.stringMeta = meta;
  void toNumberOrNil;
  void LuaError;
}
