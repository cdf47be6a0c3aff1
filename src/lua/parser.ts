/**
 * Lexer and parser for Lua 5.1.5 (llex.c / lparser.c behaviour, including their error messages).
 * Produces an AST with names already resolved to locals / upvalues / globals.
 */
import { LuaError } from './value.js';
import { str2number } from './number.js';

// ------------------------------------------------------------------ AST

export interface VarInfo {
  name: string;
  js: string;
  /** Captured by an inner function (needs a fresh binding per loop iteration: JS let does it). */
  captured: boolean;
  /** Target of an assignment statement (not only set by its declaration). */
  reassigned: boolean;
}

export type Expr =
  | { k: 'nil' } | { k: 'true' } | { k: 'false' }
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'vararg' }
  | { k: 'func'; f: FuncNode }
  | { k: 'local'; v: VarInfo }
  | { k: 'upval'; v: VarInfo }
  | { k: 'global'; name: string }
  | { k: 'index'; obj: Expr; key: Expr; line: number }
  | { k: 'call'; fn: Expr; args: Expr[]; line: number }
  | { k: 'method'; obj: Expr; name: string; args: Expr[]; line: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; line: number }
  | { k: 'un'; op: string; a: Expr; line: number }
  | { k: 'and'; a: Expr; b: Expr }
  | { k: 'or'; a: Expr; b: Expr }
  | { k: 'table'; items: TableItem[]; line: number }
  | { k: 'paren'; e: Expr };

export type TableItem = { pos: true; e: Expr } | { pos: false; key: Expr; e: Expr };

export type Stat =
  | { k: 'local'; vars: VarInfo[]; exprs: Expr[]; line: number }
  | { k: 'localfunc'; v: VarInfo; f: FuncNode; line: number }
  | { k: 'assign'; targets: Expr[]; exprs: Expr[]; line: number }
  | { k: 'call'; e: Expr; line: number }
  | { k: 'do'; body: Stat[]; line: number }
  | { k: 'while'; cond: Expr; body: Stat[]; line: number }
  | { k: 'repeat'; body: Stat[]; cond: Expr; line: number }
  | { k: 'if'; conds: Expr[]; blocks: Stat[][]; orelse: Stat[] | undefined; line: number }
  | { k: 'numfor'; v: VarInfo; start: Expr; limit: Expr; step: Expr | undefined; body: Stat[]; line: number }
  | { k: 'genfor'; vars: VarInfo[]; exprs: Expr[]; body: Stat[]; line: number }
  | { k: 'return'; exprs: Expr[]; line: number }
  | { k: 'break'; line: number };

export interface FuncNode {
  params: VarInfo[];
  isVararg: boolean;
  /** 5.1's LUA_COMPAT_VARARG: the implicit local `arg` of vararg functions ({...; n = count} unless `...` is used). */
  argVar?: VarInfo;
  usesVararg?: boolean;
  body: Stat[];
  line: number;
  lastLine: number;
  name: string;
  /** The enclosing functions' locals this function (or a function inside it) uses. */
  upvals?: VarInfo[];
}

// ------------------------------------------------------------------ chunk names

/** luaO_chunkid: how a chunk name appears in messages. */
export function chunkId(source: string): string {
  const IDSIZE = 60;
  if (source.startsWith('=')) return source.slice(1, IDSIZE);
  if (source.startsWith('@')) {
    let s = source.slice(1);
    const buf = IDSIZE - 8;
    if (s.length > buf) s = '...' + s.slice(s.length - buf);
    return s;
  }
  let len = source.search(/[\n\r]/);
  if (len < 0) len = source.length;
  const buf = IDSIZE - 17;
  if (len > buf) len = buf;
  if (len < source.length) return '[string "' + source.slice(0, len) + '..."]';
  return '[string "' + source + '"]';
}

// ------------------------------------------------------------------ lexer

const RESERVED = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in',
  'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
]);

const T_NAME = '<name>', T_STRING = '<string>', T_NUMBER = '<number>', T_EOS = '<eof>';

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function isAlpha(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; }
function isAlnum(c: number): boolean { return isAlpha(c) || isDigit(c); }
function isSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }

function token2str(t: string): string {
  if (t.length === 1) {
    const c = t.charCodeAt(0);
    if (c < 32 || c === 127) return `char(${c})`;
  }
  return t;
}

class Lexer {
  pos = 0;
  line = 1;
  lastline = 1;
  /** Current token. */
  t = '';
  tv: string | number = '';
  traw = '';
  /** Lookahead token (from lookahead()), or '' if none. */
  la = '';
  lav: string | number = '';
  laraw = '';
  laline = 1;
  /** Raw text of the most recently lexed token (C's buffer). */
  buf = '';

  constructor(readonly src: string, readonly chunk: string) {}

  error(msg: string, token: string | null): never {
    let m = `${this.chunk}:${this.line}: ${msg}`;
    if (token !== null) {
      const txt = token === T_NAME || token === T_STRING || token === T_NUMBER ? this.buf : token2str(token);
      m += ` near '${txt}'`;
    }
    throw new LuaError(m);
  }

  tok(): string { return this.t; }

  syntaxError(msg: string): never {
    this.error(msg, this.t);
  }

  next(): void {
    this.lastline = this.line;
    if (this.la !== '') {
      this.t = this.la; this.tv = this.lav; this.traw = this.laraw;
      this.la = '';
      return;
    }
    this.t = this.lex();
    this.tv = this.val;
    this.traw = this.buf;
  }

  lookahead(): string {
    this.la = this.lex();
    this.lav = this.val;
    this.laraw = this.buf;
    return this.la;
  }

  private val: string | number = '';

  private cur(): number {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }

  private incLine(): void {
    const old = this.src.charCodeAt(this.pos);
    this.pos++;
    const c = this.cur();
    if ((c === 10 || c === 13) && c !== old) this.pos++;
    this.line++;
  }

  private skipSep(): number {
    // at '[' or ']': count '=' ; returns count if the bracket repeats, else -count-1
    const s = this.src.charCodeAt(this.pos);
    let count = 0;
    this.pos++;
    while (this.cur() === 61) { this.pos++; count++; }
    return this.cur() === s ? count : -count - 1;
  }

  private readLongString(isString: boolean, sep: number, start: number): string {
    // at the second '['
    this.pos++;
    if (this.cur() === 10 || this.cur() === 13) this.incLine();
    let out = '';
    let segStart = this.pos;
    for (;;) {
      const c = this.cur();
      if (c === -1) {
        this.buf = this.src.slice(start, this.pos);
        this.error(isString ? 'unfinished long string' : 'unfinished long comment', T_EOS);
      } else if (c === 93) { // ]
        const p = this.pos;
        if (this.skipSep() === sep) {
          out += this.src.slice(segStart, p);
          this.pos++;
          this.buf = this.src.slice(start, this.pos);
          return out;
        }
        this.pos = p + 1;
      } else if (c === 91) { // [
        const p = this.pos;
        if (this.skipSep() === sep) {
          this.pos++;
          if (sep === 0) {
            this.buf = this.src.slice(start, this.pos);
            this.error('nesting of [[...]] is deprecated', '[');
          }
        } else {
          this.pos = p + 1;
        }
      } else if (c === 10 || c === 13) {
        if (isString) out += this.src.slice(segStart, this.pos) + '\n';
        this.incLine();
        segStart = this.pos;
      } else {
        this.pos++;
      }
    }
  }

  private readString(del: number): string {
    const start = this.pos;
    this.pos++;
    // fast path: no escape, no newline before the closing quote
    {
      const src = this.src;
      let i = this.pos;
      for (;;) {
        const c = i < src.length ? src.charCodeAt(i) : -1;
        if (c === del) {
          const out = src.slice(this.pos, i);
          this.pos = i + 1;
          this.buf = src.slice(start, i + 1);
          return out;
        }
        if (c === 92 || c === 10 || c === 13 || c === -1) break;
        i++;
      }
    }
    let out = '';
    for (;;) {
      const c = this.cur();
      if (c === del) break;
      if (c === -1) {
        this.buf = String.fromCharCode(del) + out;
        this.error('unfinished string', T_EOS);
      }
      if (c === 10 || c === 13) {
        this.buf = String.fromCharCode(del) + out;
        this.error('unfinished string', T_STRING);
      }
      if (c === 92) { // backslash
        this.pos++;
        const e = this.cur();
        switch (e) {
          case 97: out += '\x07'; this.pos++; break;
          case 98: out += '\b'; this.pos++; break;
          case 102: out += '\f'; this.pos++; break;
          case 110: out += '\n'; this.pos++; break;
          case 114: out += '\r'; this.pos++; break;
          case 116: out += '\t'; this.pos++; break;
          case 118: out += '\v'; this.pos++; break;
          case 10: case 13: out += '\n'; this.incLine(); break;
          case -1: break; // will raise unfinished string
          default: {
            if (!isDigit(e)) { out += String.fromCharCode(e); this.pos++; }
            else {
              let i = 0, v = 0;
              do { v = 10 * v + (this.cur() - 48); this.pos++; } while (++i < 3 && isDigit(this.cur()));
              if (v > 255) {
                this.buf = String.fromCharCode(del) + out;
                this.error('escape sequence too large', T_STRING);
              }
              out += String.fromCharCode(v);
            }
          }
        }
        continue;
      }
      out += String.fromCharCode(c);
      this.pos++;
    }
    this.pos++;
    this.buf = this.src.slice(start, start + 1) + out + String.fromCharCode(del);
    void start;
    return out;
  }

  private readNumeral(): number {
    const start = this.pos;
    do { this.pos++; } while (isDigit(this.cur()) || this.cur() === 46);
    let c = this.cur();
    if (c === 69 || c === 101) {
      this.pos++;
      c = this.cur();
      if (c === 43 || c === 45) this.pos++;
    }
    while (isAlnum(this.cur())) this.pos++;
    const text = this.src.slice(start, this.pos);
    this.buf = text;
    const n = str2number(text);
    if (n === undefined) this.error('malformed number', T_NUMBER);
    return n;
  }

  private lex(): string {
    const src = this.src;
    const n = src.length;
    for (;;) {
      // blanks (most of a script's characters after names) skip the switch
      let p = this.pos;
      let c = p < n ? src.charCodeAt(p) : -1;
      while (c === 32 || c === 9) c = ++p < n ? src.charCodeAt(p) : -1;
      this.pos = p;
      switch (c) {
        case 10: case 13: this.incLine(); continue;
        case 45: { // -
          this.pos++;
          if (this.cur() !== 45) { this.buf = '-'; return '-'; }
          this.pos++;
          if (this.cur() === 91) {
            const p = this.pos;
            const sep = this.skipSep();
            if (sep >= 0) { this.readLongString(false, sep, p); continue; }
          }
          let q = this.pos;
          while (q < n) {
            const d = src.charCodeAt(q);
            if (d === 10 || d === 13) break;
            q++;
          }
          this.pos = q;
          continue;
        }
        case 91: { // [
          const p = this.pos;
          const sep = this.skipSep();
          if (sep >= 0) {
            this.val = this.readLongString(true, sep, p);
            return T_STRING;
          }
          if (sep === -1) { this.pos = p + 1; this.buf = '['; return '['; }
          this.buf = src.slice(p, this.pos);
          this.error('invalid long string delimiter', T_STRING);
        }
        // falls through (unreachable)
        case 61: this.pos++; if (this.cur() !== 61) return '='; this.pos++; return '==';
        case 60: this.pos++; if (this.cur() !== 61) return '<'; this.pos++; return '<=';
        case 62: this.pos++; if (this.cur() !== 61) return '>'; this.pos++; return '>=';
        case 126: this.pos++; if (this.cur() !== 61) return '~'; this.pos++; return '~=';
        case 34: case 39: this.val = this.readString(c); return T_STRING;
        case 46: { // .
          this.pos++;
          if (this.cur() === 46) {
            this.pos++;
            if (this.cur() === 46) { this.pos++; return '...'; }
            return '..';
          }
          if (!isDigit(this.cur())) return '.';
          this.pos--;
          this.val = this.readNumeral();
          return T_NUMBER;
        }
        case -1: return T_EOS;
        default: {
          if (isSpace(c)) { this.pos++; continue; }
          if (isDigit(c)) { this.val = this.readNumeral(); return T_NUMBER; }
          if (isAlpha(c)) {
            const start = p;
            let q = p + 1;
            while (q < n && isAlnum(src.charCodeAt(q))) q++;
            this.pos = q;
            const w = src.slice(start, q);
            this.buf = w;
            if (RESERVED.has(w)) return w;
            this.val = w;
            return T_NAME;
          }
          this.pos++;
          const ch = String.fromCharCode(c);
          this.buf = ch;
          return ch;
        }
      }
    }
  }
}

// ------------------------------------------------------------------ parser

interface BlockScope {
  vars: VarInfo[];
  isLoop: boolean;
}

interface FuncState {
  parent: FuncState | undefined;
  blocks: BlockScope[];
  isVararg: boolean;
  nactvar: number;
  line: number;
  upvals: Set<VarInfo>;
  usesVararg: boolean;
}

const BINPRI: Record<string, [number, number]> = {
  '+': [6, 6], '-': [6, 6], '*': [7, 7], '/': [7, 7], '%': [7, 7],
  '^': [10, 9], '..': [5, 4],
  '==': [3, 3], '~=': [3, 3], '<': [3, 3], '<=': [3, 3], '>': [3, 3], '>=': [3, 3],
  'and': [2, 2], 'or': [1, 1],
};
const UNARY_PRIORITY = 8;
const MAXVARS = 200;
const MAXUPVALUES = 60;
const MAXCCALLS = 200;

export class Parser {
  /**
   * Locals of the chunk so far: each gets the JS name `_<n>`, unique in the chunk. The same script
   * compiles to the same JS in any state (V8 reuses its compilation of `new Function` text), and
   * names do not grow with every chunk compiled in the process.
   */
  private varCounter = 0;
  private ls: Lexer;
  private fs!: FuncState;
  private nCcalls = 0;
  /**
   * The active locals by name, innermost last, with their function: resolve() finds a name without
   * scanning every enclosing block (a script's main chunk has dozens of locals).
   */
  private active = new Map<string, { v: VarInfo; fs: FuncState }[]>();

  constructor(src: string, readonly chunk: string) {
    this.ls = new Lexer(src, chunk);
  }

  parseChunk(): FuncNode {
    const ls = this.ls;
    this.openFunc(true, 0);
    ls.next();
    const body = this.chunkBody();
    if (ls.tok() !== T_EOS) this.errorExpected(T_EOS);
    this.closeFunc();
    return { params: [], isVararg: true, body, line: 0, lastLine: ls.line, name: 'main chunk' };
  }

  // ---- helpers

  private errorExpected(t: string): never {
    this.ls.syntaxError(`'${token2str(t)}' expected`);
  }

  private check(t: string): void {
    if (this.ls.tok() !== t) this.errorExpected(t);
  }

  private checkNext(t: string): void {
    this.check(t);
    this.ls.next();
  }

  private testNext(t: string): boolean {
    if (this.ls.tok() === t) { this.ls.next(); return true; }
    return false;
  }

  private checkMatch(what: string, who: string, where: number): void {
    if (!this.testNext(what)) {
      if (where === this.ls.line) this.errorExpected(what);
      this.ls.syntaxError(`'${token2str(what)}' expected (to close '${token2str(who)}' at line ${where})`);
    }
  }

  private checkName(): string {
    this.check(T_NAME);
    const n = this.ls.tv as string;
    this.ls.next();
    return n;
  }

  private enterLevel(): void {
    if (++this.nCcalls > MAXCCALLS) this.ls.error('chunk has too many syntax levels', null);
  }
  private leaveLevel(): void { this.nCcalls--; }

  private errorLimit(limit: number, what: string): never {
    const fs = this.fs;
    const msg = fs.line === 0
      ? `main function has more than ${limit} ${what}`
      : `function at line ${fs.line} has more than ${limit} ${what}`;
    this.ls.error(msg, null);
  }

  private openFunc(isVararg: boolean, line: number): void {
    this.fs = { parent: this.fs, blocks: [{ vars: [], isLoop: false }], isVararg, nactvar: 0, line, upvals: new Set(), usesVararg: false };
  }

  private newVar(name: string): VarInfo {
    return { name, js: `_${++this.varCounter}`, captured: false, reassigned: false };
  }

  private addLocal(v: VarInfo): void {
    const fs = this.fs;
    if (fs.nactvar + 1 > MAXVARS) this.errorLimit(MAXVARS, 'local variables');
    fs.blocks[fs.blocks.length - 1]!.vars.push(v);
    fs.nactvar++;
    const st = this.active.get(v.name);
    if (st === undefined) this.active.set(v.name, [{ v, fs }]);
    else st.push({ v, fs });
  }

  /** The locals of a block go out of scope. */
  private deactivate(vars: VarInfo[]): void {
    for (let i = vars.length - 1; i >= 0; i--) this.active.get(vars[i]!.name)!.pop();
  }

  private closeFunc(): void {
    const fs = this.fs;
    for (let i = fs.blocks.length - 1; i >= 0; i--) this.deactivate(fs.blocks[i]!.vars);
    this.fs = fs.parent!;
  }

  private enterBlock(isLoop: boolean): void {
    this.fs.blocks.push({ vars: [], isLoop });
  }

  private leaveBlock(): void {
    const b = this.fs.blocks.pop()!;
    this.fs.nactvar -= b.vars.length;
    this.deactivate(b.vars);
  }

  private resolve(name: string): Expr {
    const st = this.active.get(name);
    const top = st === undefined || st.length === 0 ? undefined : st[st.length - 1]!;
    if (top === undefined) return { k: 'global', name };
    const v = top.v;
    if (top.fs === this.fs) return { k: 'local', v };
    v.captured = true;
    // register as upvalue in every function between
    for (let f: FuncState = this.fs; f !== top.fs; f = f.parent!) {
      if (!f.upvals.has(v)) {
        if (f.upvals.size >= MAXUPVALUES) {
          const save = this.fs;
          this.fs = f;
          try { this.errorLimit(MAXUPVALUES, 'upvalues'); } finally { this.fs = save; }
        }
        f.upvals.add(v);
      }
    }
    return { k: 'upval', v };
  }

  // ---- statements

  private blockFollow(): boolean {
    switch (this.ls.tok()) {
      case 'else': case 'elseif': case 'end': case 'until': case T_EOS: return true;
      default: return false;
    }
  }

  private chunkBody(): Stat[] {
    const out: Stat[] = [];
    let isLast = false;
    this.enterLevel();
    while (!isLast && !this.blockFollow()) {
      const [s, last] = this.statement();
      out.push(s);
      isLast = last;
      this.testNext(';');
    }
    this.leaveLevel();
    return out;
  }

  private block(isLoop = false): Stat[] {
    this.enterBlock(isLoop);
    const b = this.chunkBody();
    this.leaveBlock();
    return b;
  }

  private statement(): [Stat, boolean] {
    const ls = this.ls;
    const line = ls.line;
    switch (ls.tok()) {
      case 'if': return [this.ifStat(line), false];
      case 'while': {
        ls.next();
        const cond = this.expr();
        this.checkNext('do');
        const body = this.block(true);
        this.checkMatch('end', 'while', line);
        return [{ k: 'while', cond, body, line }, false];
      }
      case 'do': {
        ls.next();
        const body = this.block();
        this.checkMatch('end', 'do', line);
        return [{ k: 'do', body, line }, false];
      }
      case 'for': return [this.forStat(line), false];
      case 'repeat': {
        ls.next();
        this.enterBlock(true);
        const body = this.chunkBody();
        this.checkMatch('until', 'repeat', line);
        const cond = this.expr();
        this.leaveBlock();
        return [{ k: 'repeat', body, cond, line }, false];
      }
      case 'function': {
        ls.next();
        // funcname: NAME {'.' NAME} [':' NAME]
        const n1 = this.checkName();
        let target: Expr = this.resolve(n1);
        let fname = n1;
        let isMethod = false;
        while (ls.tok() === '.') {
          ls.next();
          const k = this.checkName();
          target = { k: 'index', obj: target, key: { k: 'str', v: k }, line };
          fname = k;
        }
        if (ls.tok() === ':') {
          ls.next();
          const k = this.checkName();
          target = { k: 'index', obj: target, key: { k: 'str', v: k }, line };
          fname = k;
          isMethod = true;
        }
        const f = this.body(isMethod, line, fname);
        return [{ k: 'assign', targets: [target], exprs: [{ k: 'func', f }], line }, false];
      }
      case 'local': {
        ls.next();
        if (this.testNext('function')) {
          const name = this.checkName();
          const v = this.newVar(name);
          this.addLocal(v);
          const f = this.body(false, line, name);
          return [{ k: 'localfunc', v, f, line }, false];
        }
        const vars: VarInfo[] = [];
        do { vars.push(this.newVar(this.checkName())); } while (this.testNext(','));
        let exprs: Expr[] = [];
        if (this.testNext('=')) exprs = this.exprList();
        for (const v of vars) this.addLocal(v);
        return [{ k: 'local', vars, exprs, line }, false];
      }
      case 'return': {
        ls.next();
        let exprs: Expr[] = [];
        if (!this.blockFollow() && ls.tok() !== ';') exprs = this.exprList();
        return [{ k: 'return', exprs, line }, true];
      }
      case 'break': {
        ls.next();
        const blocks = this.fs.blocks;
        let ok = false;
        for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]!.isLoop) { ok = true; break; }
        if (!ok) ls.syntaxError('no loop to break');
        return [{ k: 'break', line }, true];
      }
      default: return [this.exprStat(line), false];
    }
  }

  private ifStat(line: number): Stat {
    const ls = this.ls;
    const conds: Expr[] = [];
    const blocks: Stat[][] = [];
    ls.next();
    conds.push(this.expr());
    this.checkNext('then');
    blocks.push(this.block());
    while (ls.tok() === 'elseif') {
      ls.next();
      conds.push(this.expr());
      this.checkNext('then');
      blocks.push(this.block());
    }
    let orelse: Stat[] | undefined;
    if (ls.tok() === 'else') {
      ls.next();
      orelse = this.block();
    }
    this.checkMatch('end', 'if', line);
    return { k: 'if', conds, blocks, orelse, line };
  }

  private forStat(line: number): Stat {
    const ls = this.ls;
    ls.next();
    this.enterBlock(true);
    const n1 = this.checkName();
    let st: Stat | undefined;
    if (ls.tok() === '=') {
      ls.next();
      const start = this.expr();
      this.checkNext(',');
      const limit = this.expr();
      let step: Expr | undefined;
      if (this.testNext(',')) step = this.expr();
      this.checkNext('do');
      const v = this.newVar(n1);
      this.enterBlock(false);
      this.addLocal(v);
      const body = this.chunkBody();
      this.leaveBlock();
      st = { k: 'numfor', v, start, limit, step, body, line };
    } else if (ls.tok() === ',' || ls.tok() === 'in') {
      const names = [n1];
      while (this.testNext(',')) names.push(this.checkName());
      this.checkNext('in');
      const exprs = this.exprList();
      this.checkNext('do');
      const vars = names.map((n) => this.newVar(n));
      this.enterBlock(false);
      for (const v of vars) this.addLocal(v);
      const body = this.chunkBody();
      this.leaveBlock();
      st = { k: 'genfor', vars, exprs, body, line };
    } else {
      ls.syntaxError("'=' or 'in' expected");
    }
    this.checkMatch('end', 'for', line);
    this.leaveBlock();
    return st!;
  }

  private exprStat(line: number): Stat {
    const e = this.primaryExp();
    if (e.k === 'call' || e.k === 'method') return { k: 'call', e, line };
    this.checkAssignable(e);
    const targets: Expr[] = [e];
    while (this.testNext(',')) {
      const t = this.primaryExp();
      this.checkAssignable(t);
      targets.push(t);
    }
    this.checkNext('=');
    const exprs = this.exprList();
    return { k: 'assign', targets, exprs, line };
  }

  private checkAssignable(e: Expr): void {
    if (e.k !== 'local' && e.k !== 'upval' && e.k !== 'global' && e.k !== 'index') this.ls.syntaxError('syntax error');
    if (e.k === 'local' || e.k === 'upval') e.v.reassigned = true;
  }

  // ---- functions

  private body(isMethod: boolean, line: number, name: string): FuncNode {
    const ls = this.ls;
    this.openFunc(false, line);
    const params: VarInfo[] = [];
    if (isMethod) {
      const self = this.newVar('self');
      params.push(self);
    }
    this.checkNext('(');
    let isVararg = false;
    if (ls.tok() !== ')') {
      do {
        if (ls.tok() === T_NAME) {
          params.push(this.newVar(this.checkName()));
        } else if (ls.tok() === '...') {
          ls.next();
          isVararg = true;
        } else {
          ls.syntaxError("<name> or '...' expected");
        }
      } while (!isVararg && this.testNext(','));
    }
    this.fs.isVararg = isVararg;
    let argVar: VarInfo | undefined;
    if (isVararg) { argVar = this.newVar('arg'); params.push(argVar); }
    for (const p of params) this.addLocal(p);
    if (argVar) params.pop();
    this.checkNext(')');
    const body = this.chunkBody();
    const lastLine = ls.line;
    this.checkMatch('end', 'function', line);
    const usesVararg = this.fs.usesVararg;
    const upvals = [...this.fs.upvals];
    this.closeFunc();
    return { params, isVararg, argVar, usesVararg, body, line, lastLine, name, upvals };
  }

  // ---- expressions

  private exprList(): Expr[] {
    const out = [this.expr()];
    while (this.testNext(',')) out.push(this.expr());
    return out;
  }

  expr(): Expr {
    return this.subExpr(0);
  }

  private subExpr(limit: number): Expr {
    const ls = this.ls;
    this.enterLevel();
    let e: Expr;
    const t = ls.tok();
    if (t === 'not' || t === '-' || t === '#') {
      const line = ls.line;
      ls.next();
      const a = this.subExpr(UNARY_PRIORITY);
      if (t === '-' && a.k === 'num') e = { k: 'num', v: -a.v };
      else e = { k: 'un', op: t, a, line };
    } else {
      e = this.simpleExp();
    }
    for (;;) {
      const op = ls.tok();
      const pri = BINPRI[op];
      if (pri === undefined || pri[0] <= limit) break;
      const line = ls.line;
      ls.next();
      const b = this.subExpr(pri[1]);
      if (op === 'and') e = { k: 'and', a: e, b };
      else if (op === 'or') e = { k: 'or', a: e, b };
      else e = { k: 'bin', op, a: e, b, line: ls.lastline };
      void line;
    }
    this.leaveLevel();
    return e;
  }

  private simpleExp(): Expr {
    const ls = this.ls;
    switch (ls.tok()) {
      case T_NUMBER: { const v = ls.tv as number; ls.next(); return { k: 'num', v }; }
      case T_STRING: { const v = ls.tv as string; ls.next(); return { k: 'str', v }; }
      case 'nil': ls.next(); return { k: 'nil' };
      case 'true': ls.next(); return { k: 'true' };
      case 'false': ls.next(); return { k: 'false' };
      case '...': {
        if (!this.fs.isVararg) ls.syntaxError("cannot use '...' outside a vararg function");
        this.fs.usesVararg = true;
        ls.next();
        return { k: 'vararg' };
      }
      case '{': return this.constructorExp();
      case 'function': {
        const line = ls.line;
        ls.next();
        return { k: 'func', f: this.body(false, line, 'anonymous') };
      }
      default: return this.primaryExp();
    }
  }

  private prefixExp(): Expr {
    const ls = this.ls;
    switch (ls.tok()) {
      case '(': {
        const line = ls.line;
        ls.next();
        const e = this.expr();
        this.checkMatch(')', '(', line);
        if (e.k === 'call' || e.k === 'method' || e.k === 'vararg') return { k: 'paren', e };
        return e.k === 'local' || e.k === 'upval' || e.k === 'global' || e.k === 'index' ? { k: 'paren', e } : e;
      }
      case T_NAME: {
        const n = ls.tv as string;
        ls.next();
        return this.resolve(n);
      }
      default:
        return ls.syntaxError('unexpected symbol');
    }
  }

  private primaryExp(): Expr {
    const ls = this.ls;
    let e = this.prefixExp();
    for (;;) {
      switch (ls.tok()) {
        case '.': {
          const line = ls.line;
          ls.next();
          const k = this.checkName();
          e = { k: 'index', obj: e, key: { k: 'str', v: k }, line };
          break;
        }
        case '[': {
          const line = ls.line;
          ls.next();
          const key = this.expr();
          this.checkNext(']');
          e = { k: 'index', obj: e, key, line };
          break;
        }
        case ':': {
          ls.next();
          const name = this.checkName();
          const [args, line] = this.funcArgs();
          e = { k: 'method', obj: e, name, args, line };
          break;
        }
        case '(': case T_STRING: case '{': {
          const [args, line] = this.funcArgs();
          e = { k: 'call', fn: e, args, line };
          break;
        }
        default:
          return e;
      }
    }
  }

  private funcArgs(): [Expr[], number] {
    const ls = this.ls;
    const line = ls.line;
    switch (ls.tok()) {
      case '(': {
        if (line !== ls.lastline) ls.syntaxError('ambiguous syntax (function call x new statement)');
        ls.next();
        let args: Expr[] = [];
        if (ls.tok() !== ')') args = this.exprList();
        this.checkMatch(')', '(', line);
        return [args, line];
      }
      case '{': return [[this.constructorExp()], line];
      case T_STRING: {
        const v = ls.tv as string;
        ls.next();
        return [[{ k: 'str', v }], line];
      }
      default:
        return ls.syntaxError('function arguments expected');
    }
  }

  private constructorExp(): Expr {
    const ls = this.ls;
    const line = ls.line;
    this.checkNext('{');
    const items: TableItem[] = [];
    do {
      if (ls.tok() === '}') break;
      if (ls.tok() === T_NAME) {
        if (ls.lookahead() !== '=') {
          items.push({ pos: true, e: this.expr() });
        } else {
          const k = this.checkName();
          this.checkNext('=');
          items.push({ pos: false, key: { k: 'str', v: k }, e: this.expr() });
        }
      } else if (ls.tok() === '[') {
        ls.next();
        const key = this.expr();
        this.checkNext(']');
        this.checkNext('=');
        items.push({ pos: false, key, e: this.expr() });
      } else {
        items.push({ pos: true, e: this.expr() });
      }
    } while (this.testNext(',') || this.testNext(';'));
    this.checkMatch('}', '{', line);
    return { k: 'table', items, line };
  }
}

export function parse(src: string, chunkName: string): FuncNode {
  return new Parser(src, chunkId(chunkName)).parseChunk();
}
