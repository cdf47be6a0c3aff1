/**
 * Lua AST -> JavaScript source. Every Lua function has two versions of the same code: a plain
 * function `function (F, A)` (plain mode: Lua -> Lua calls are direct JS calls of the callee's `p`)
 * and a generator `function*(F, A)` (resumable: `yield*` calls). F is the LuaFunction being run (its
 * `env` holds the globals), A the arguments array. Results: one value, or an array for 0 or several
 * values (EMPTY for none). A chunk compiles to one of them at a time (compilePlain / compileMain).
 *
 * Fast paths are inline (numbers, plain tables, strings); everything else goes through runtime.ts
 * helpers, which raise errors with the variable descriptions 5.1's getobjname would give.
 * `$ln` holds the current line; each function's catch turns pending errors into "chunk:line: msg".
 * `--S.b < 0` at function entries and loop back-edges yields BUDGET so a driver can pause
 * (generator), or calls PB (plain: the host's real-time check, which may abort plain mode).
 */
import type { Expr, FuncNode, Stat, TableItem, VarInfo } from './parser.js';
import { fbRound } from './value.js';

const LFIELDS_PER_FLUSH = 50;

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsStr(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c >= 32 && c < 127) out += s[i];
    else out += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
  }
  return out + '"';
}

function jsNum(v: number): string {
  if (v !== v) return '(0/0)';
  if (v === Infinity) return '(1/0)';
  if (v === -Infinity) return '(-1/0)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

function isMulti(e: Expr): boolean {
  return e.k === 'call' || e.k === 'method' || e.k === 'vararg';
}

/** What 5.1's getobjname would say about the register holding e. */
function describe(e: Expr): string | undefined {
  switch (e.k) {
    case 'local': return `local '${e.v.name}'`;
    case 'upval': return `upvalue '${e.v.name}'`;
    case 'global': return `global '${e.name}'`;
    case 'index': return e.key.k === 'str' ? `field '${e.key.v}'` : "field '?'";
    case 'paren': return e.e.k === 'call' || e.e.k === 'method' || e.e.k === 'vararg' ? undefined : describe(e.e);
    // a constant left operand that decides nothing compiles to the right operand alone
    case 'and': return constTruth(e.a) === true ? describe(e.b) : undefined;
    case 'or': return constTruth(e.a) === false ? describe(e.b) : undefined;
    default: return undefined;
  }
}

/** No calls, loops nor closures inside: the function cannot yield nor run long (compiled as a plain function). */
function isLeaf(stats: Stat[]): boolean {
  const e = (x: Expr): boolean => {
    switch (x.k) {
      case 'call': case 'method': case 'func': return false;
      case 'index': return e(x.obj) && e(x.key);
      case 'bin': case 'and': case 'or': return e(x.a) && e(x.b);
      case 'un': return e(x.a);
      case 'paren': return e(x.e);
      case 'table': return x.items.every((it) => e(it.e) && (it.pos || e(it.key)));
      default: return true;
    }
  };
  const st = (s: Stat): boolean => {
    switch (s.k) {
      case 'local': return s.exprs.every(e);
      case 'assign': return s.targets.every(e) && s.exprs.every(e);
      case 'do': return isLeaf(s.body);
      case 'if': return s.conds.every(e) && s.blocks.every(isLeaf) && (s.orelse === undefined || isLeaf(s.orelse));
      case 'return': return s.exprs.every(e);
      case 'break': return true;
      default: return false;
    }
  };
  return stats.every(st);
}

/**
 * Strings the generated code repeats (error descriptions, the chunk's name) become constants of the
 * chunk's factory (`$K0`...): shorter code for V8 to parse. Set while a Compiler compiles.
 */
let pool: Map<string, string> | undefined;

function lit(s: string): string {
  if (pool === undefined) return jsStr(s);
  let k = pool.get(s);
  if (k === undefined) {
    k = `$K${pool.size}`;
    pool.set(s, k);
  }
  return k;
}

/** ", d1, d2" for error descriptions, trailing undefined ones left out. */
function descs(a: Expr, b?: Expr): string {
  const da = describe(a);
  const db = b === undefined ? undefined : describe(b);
  if (db !== undefined) return `, ${da === undefined ? 'undefined' : lit(da)}, ${lit(db)}`;
  return da === undefined ? '' : `, ${lit(da)}`;
}

function descArg(e: Expr): string {
  const d = describe(e);
  return d === undefined ? 'undefined' : lit(d);
}

interface FnCtx {
  /** Compiling plain code (no generator: plain mode, LuaState.runPlain). */
  plain: boolean;
  /** The first zero constant of the function (5.1's constant table merges 0 and -0). */
  zero: number | undefined;
  ntemps: number;
  maxTemps: number;
  vararg: boolean;
  line: number;
}

const ARITH_JS: Record<string, string> = { '+': '+', '-': '-', '*': '*', '/': '/' };
const BIN_HELPER: Record<string, string> = {
  '+': 'ADD', '-': 'SUB', '*': 'MUL', '/': 'DIV', '%': 'MOD', '^': 'POW', '..': 'CAT',
  '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE',
};

/** 5.1's constfolding: a numeric constant expression's value (NaN: would fold to NaN, so not folded). */
function foldConst(e: Expr): number | undefined {
  switch (e.k) {
    case 'num': return e.v;
    case 'paren': return foldConst(e.e);
    case 'un': {
      if (e.op !== '-') return undefined;
      const x = foldConst(e.a);
      if (x === undefined || x !== x) return undefined;
      return -x;
    }
    case 'bin': {
      const op = e.op;
      if (!'+-*/%^'.includes(op)) return undefined;
      const x = foldConst(e.a), y = foldConst(e.b);
      if (x === undefined || y === undefined || x !== x || y !== y) return undefined;
      if ((op === '/' || op === '%') && y === 0) return NaN;
      return evalArith(op, x, y);
    }
    default: return undefined;
  }
}

/** The truth of an expression 5.1's code generator knows as a constant (it then drops and/or jumps). */
function constTruth(e: Expr): boolean | undefined {
  switch (e.k) {
    case 'nil': case 'false': return false;
    case 'true': case 'str': case 'num': return true;
    case 'paren': return constTruth(e.e);
    case 'un': {
      if (e.op === 'not') { const c = constTruth(e.a); return c === undefined ? undefined : !c; }
      const v = foldConst(e);
      return v !== undefined && v === v ? true : undefined;
    }
    case 'bin': {
      const v = foldConst(e);
      return v !== undefined && v === v ? true : undefined;
    }
    case 'and': return constTruth(e.a) === true ? constTruth(e.b) : undefined;
    case 'or': return constTruth(e.a) === false ? constTruth(e.b) : undefined;
    default: return undefined;
  }
}

function evalArith(op: string, x: number, y: number): number {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return x / y;
    case '%': return x - Math.floor(x / y) * y;
    default: return y !== y ? (x === 1 ? 1 : NaN) : (x === 1 || x === -1) && !isFinite(y) ? 1 : Math.pow(x, y);
  }
}

/** A compiled main chunk: its function body, and the constants (`const $K0 = ...;`) to declare around it. */
export interface CompiledBody {
  body: string;
  consts: string;
}

/**
 * Lazily compiled functions of a chunk's plain version (see docs/lua.md, "Lazy function bodies"):
 * `sites[k]` is the k-th function of the main chunk whose body is compiled on its first call.
 */
export interface LazySites {
  sites: { f: FuncNode; self: VarInfo | undefined; ups: VarInfo[] }[];
}

export class Compiler {
  private fn!: FnCtx;
  private uid = 0;
  private depth = 0;
  /** Set: compiling a chunk's plain version whose main-level functions get lazy bodies. */
  lazy: LazySites | undefined;

  constructor(private readonly chunk: string, private readonly source: string = chunk) {}

  /**
   * The maker of lazy site `k`'s plain function: `function (L, ...ups) { L.p = function (F, A) {...}; return L; }`
   * (L, the LuaFunction, is also the local function's own name when its body refers to itself).
   */
  compileSite(site: LazySites['sites'][number]): CompiledBody {
    return this.pooled(() => {
      this.depth = 1;
      const fnExpr = this.func(site.f, false, true, true);
      const l = site.self !== undefined ? site.self.js : '$L';
      return `function (${[l, ...site.ups.map((v) => v.js)].join(', ')}) { ${l}.p = ${fnExpr}; return ${l}; }`;
    });
  }

  /** The body of the main chunk's generator version (`function* (F, A)`), its nested functions generators too. */
  compileMain(f: FuncNode): CompiledBody {
    return this.pooled(() => this.func(f, true, false));
  }

  /** The body of the main chunk's plain version (`function (F, A)`), its nested functions plain too. */
  compilePlain(f: FuncNode): CompiledBody {
    return this.pooled(() => this.func(f, true, true));
  }

  private pooled(gen: () => string): CompiledBody {
    const saved = pool;
    pool = new Map();
    try {
      const body = gen();
      let consts = '';
      for (const [v, k] of pool) consts += `${consts === '' ? 'const ' : ', '}${k} = ${jsStr(v)}`;
      return { body, consts: consts === '' ? '' : consts + ';' };
    } finally {
      pool = saved;
    }
  }

  // ---- temps

  private temp(): string {
    const n = this.fn.ntemps++;
    if (this.fn.ntemps > this.fn.maxTemps) this.fn.maxTemps = this.fn.ntemps;
    return `$${n}`;
  }

  private mark(): number { return this.fn.ntemps; }
  private release(m: number): void { this.fn.ntemps = m; }

  // ---- functions

  private func(f: FuncNode, isMain: boolean, plain = false, bare = false, self?: VarInfo): string {
    // a main-level function of a lazily compiled chunk: a stub that compiles the body on its first call
    if (this.lazy !== undefined && this.depth === 1 && plain && !bare) {
      const ups: VarInfo[] = [];
      let ok = true;
      for (const v of f.upvals ?? []) {
        if (v === self) continue;
        // a captured value is copied into the lazily made closure: only for locals never assigned again
        if (v.reassigned) { ok = false; break; }
        ups.push(v);
      }
      if (ok) {
        const k = this.lazy.sites.length;
        this.lazy.sites.push({ f, self, ups });
        const u = ups.map((v) => ', ' + v.js).join('');
        const name = jsStr(f.name);
        // the site's maker once compiled, else its stub maker (ZS, src/lua/index.ts): one short
        // call per site keeps the main chunk small for V8's optimizer
        return `ZM(${k}, ${name}, F.env${u})`;
      }
    }
    this.depth++;
    try {
      return this.func1(f, isMain, plain, bare);
    } finally {
      this.depth--;
    }
  }

  private func1(f: FuncNode, isMain: boolean, plain: boolean, bare: boolean): string {
    const saved = this.fn;
    this.fn = { plain, zero: undefined, ntemps: 0, maxTemps: 0, vararg: f.isVararg, line: f.line };
    const np = f.params.length;
    const leaf = !isMain && isLeaf(f.body);
    const body = this.block(f.body);
    let head = `let $ln = ${f.line};`;
    for (let i = 0; i < np; i++) head += `let ${f.params[i]!.js} = A[${i}];`;
    if (f.isVararg) head += `let va = A.length > ${np} ? A.slice(${np}) : EMPTY;`;
    if (f.argVar) head += f.usesVararg ? `let ${f.argVar.js};` : `let ${f.argVar.js} = argTable(va);`;
    if (this.fn.maxTemps > 0) {
      const ts: string[] = [];
      for (let i = 0; i < this.fn.maxTemps; i++) ts.push(`$${i}`);
      head += `let ${ts.join(', ')};`;
    }
    this.fn = saved;
    const chunkLit = lit(this.chunk);
    const sourceLit = lit(this.source);
    const inner = `${head}
${this.check(plain)}
try { if (++S.depth > MAXD) overflow();
${body}
return EMPTY;
} catch ($e) { throw fix($e, $ln, ${chunkLit}, ${sourceLit}); } finally { S.depth--; }`;
    // the main chunk is the body of a GeneratorFunction (one V8 parse instead of two)
    if (isMain) return inner;
    if (leaf) {
      const fe = `function (F, A) {${head}
S.b--;
try {
${body}
return EMPTY;
} catch ($e) { throw fix($e, $ln, ${chunkLit}, ${sourceLit}); }
}`;
      return bare ? fe : `mkLeaf(${jsStr(f.name)}, F.env, ${fe})`;
    }
    if (bare) return `function (F, A) {${inner}\n}`;
    if (plain) return `mkP(${jsStr(f.name)}, F.env, function (F, A) {${inner}\n})`;
    return `mkFn(${jsStr(f.name)}, F.env, function* (F, A) {${inner}\n})`;
  }

  /** The budget check at function entries and loop back-edges. */
  private check(plain: boolean = this.fn.plain): string {
    return plain ? 'if (--S.b < 0) PB();' : 'if (--S.b < 0) yield BUDGET;';
  }

  // ---- statements

  private block(stats: Stat[]): string {
    let out = '';
    for (const s of stats) out += this.stat(s) + '\n';
    return out;
  }

  private setLine(line: number): string {
    this.fn.line = line;
    return `$ln = ${line};`;
  }

  private stat(s: Stat): string {
    const m = this.mark();
    try {
      switch (s.k) {
        case 'local': return this.setLine(s.line) + this.localStat(s.vars.map((v) => v.js), s.exprs);
        case 'localfunc': return this.setLine(s.line) + `let ${s.v.js}; ${s.v.js} = ${this.func(s.f, false, this.fn.plain, false, s.v)};`;
        case 'assign': return this.setLine(s.line) + this.assign(s.targets, s.exprs);
        case 'call': return this.setLine(s.line) + this.callRaw(s.e) + ';';
        case 'do': return `{${this.block(s.body)}}`;
        case 'while': {
          const ln = this.setLine(s.line);
          const c = this.cond(s.cond);
          return `for (;;) { ${ln} ${this.check()} if (!(${c})) break;\n${this.block(s.body)}}`;
        }
        case 'repeat': {
          const body = this.block(s.body);
          const ln = this.setLine(s.line);
          const c = this.cond(s.cond);
          return `for (;;) { ${this.check()}\n${body} ${ln} if (${c}) break; }`;
        }
        case 'if': {
          let out = this.setLine(s.line);
          for (let i = 0; i < s.conds.length; i++) {
            const c = this.cond(s.conds[i]!);
            out += `${i > 0 ? ' else ' : ''}if (${c}) {\n${this.block(s.blocks[i]!)}}`;
          }
          if (s.orelse) out += ` else {\n${this.block(s.orelse)}}`;
          return out;
        }
        case 'numfor': return this.numFor(s);
        case 'genfor': return this.genFor(s);
        case 'return': return this.setLine(s.line) + this.returnStat(s.exprs);
        case 'break': return 'break;';
      }
    } finally {
      this.release(m);
    }
  }

  private localStat(names: string[], exprs: Expr[]): string {
    if (exprs.length === 0) return `let ${names.join(', ')};`;
    if (names.length === exprs.length && !isMulti(exprs[exprs.length - 1]!)) {
      if (names.length === 1) return `let ${names[0]} = ${this.exp(exprs[0]!)};`;
      const temps: string[] = [];
      const ts = exprs.map((e) => { const t = this.temp(); temps.push(t); return `${t} = ${this.exp(e)}`; });
      return `${ts.join(', ')}; let ${names.map((n, i) => `${n} = ${temps[i]}`).join(', ')};`;
    }
    const vals = this.adjust(exprs, names.length);
    return `${vals.pre} let ${names.map((n, i) => `${n} = ${vals.get(i)}`).join(', ')};`;
  }

  /** Evaluate exprs into temps adjusted to n values; returns setup code and accessors. */
  private adjust(exprs: Expr[], n: number): { pre: string; get: (i: number) => string } {
    const parts: string[] = [];
    const slots: string[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const e = exprs[i]!;
      const last = i === exprs.length - 1;
      // a last call that fills one slot only takes its first result (F1: no array for a Lua function's single value)
      if (last && isMulti(e) && n - i > 1) {
        const t = this.temp();
        parts.push(`${t} = ${this.multi(e)}`);
        for (let j = 0; i + j < n; j++) slots.push(`${t}[${j}]`);
      } else if (i < n) {
        const t = this.temp();
        parts.push(`${t} = ${this.exp(e)}`);
        slots.push(t);
      } else {
        parts.push(this.isPure(e) ? '' : isMulti(e) ? this.callRawOrVa(e) : this.exp(e));
      }
    }
    const pre = parts.filter((p) => p !== '').join(', ');
    return { pre: pre === '' ? '' : pre + ';', get: (i) => (i < slots.length ? slots[i]! : 'undefined') };
  }

  private isPure(e: Expr): boolean {
    return e.k === 'nil' || e.k === 'true' || e.k === 'false' || e.k === 'num' || e.k === 'str' || e.k === 'local' || e.k === 'upval' || e.k === 'vararg' || e.k === 'func';
  }

  private assign(targets: Expr[], exprs: Expr[]): string {
    if (targets.length === 1 && exprs.length === 1) {
      const t = targets[0]!;
      const e = exprs[0]!;
      switch (t.k) {
        case 'local': case 'upval': return `${t.v.js} = ${this.exp(e)};`;
        case 'global': return `setGlobal(F.env, ${jsStr(t.name)}, ${this.exp(e)});`;
        case 'index': {
          const o = this.exp(t.obj);
          const k = this.exp(t.key);
          return `setIndex(${o}, ${k}, ${this.exp(e)}, ${descArg(t.obj)});`;
        }
        default: throw new Error('bad assignment target');
      }
    }
    // general case: evaluate table/key subexpressions, then values, then store right to left
    let pre = '';
    const stores: string[] = [];
    const tk: { o: string; k: string }[] = [];
    for (const t of targets) {
      if (t.k === 'index') {
        const o = this.temp();
        const k = this.temp();
        pre += `${o} = ${this.exp(t.obj)}; ${k} = ${this.exp(t.key)};`;
        tk.push({ o, k });
      } else {
        tk.push({ o: '', k: '' });
      }
    }
    const vals = this.adjust(exprs, targets.length);
    pre += vals.pre;
    for (let i = targets.length - 1; i >= 0; i--) {
      const t = targets[i]!;
      const v = vals.get(i);
      switch (t.k) {
        case 'local': case 'upval': stores.push(`${t.v.js} = ${v};`); break;
        case 'global': stores.push(`setGlobal(F.env, ${jsStr(t.name)}, ${v});`); break;
        case 'index': stores.push(`setIndex(${tk[i]!.o}, ${tk[i]!.k}, ${v}, ${descArg(t.obj)});`); break;
        default: throw new Error('bad assignment target');
      }
    }
    return pre + stores.join(' ');
  }

  private returnStat(exprs: Expr[]): string {
    if (exprs.length === 0) return 'return EMPTY;';
    if (exprs.length === 1) {
      const e = exprs[0]!;
      if (e.k === 'call' || e.k === 'method') return `return ${this.callRaw(e)};`;
      if (e.k === 'vararg') return 'return va;';
      return `return ${this.exp(e)};`;
    }
    return `return ${this.list(exprs)};`;
  }

  private numFor(s: Extract<Stat, { k: 'numfor' }>): string {
    const id = ++this.uid;
    const v = `$v${id}`, l = `$l${id}`, st = `$s${id}`;
    const ln = this.setLine(s.line);
    const start = this.exp(s.start);
    const limit = this.exp(s.limit);
    const step = s.step ? this.exp(s.step) : '1';
    let head = `${ln} let ${v} = ${start}, ${l} = ${limit}, ${st} = ${step};`;
    head += `if (typeof ${v} !== 'number') ${v} = forNum(${v}, 'initial value');`;
    head += `if (typeof ${l} !== 'number') ${l} = forNum(${l}, 'limit');`;
    if (s.step) head += `if (typeof ${st} !== 'number') ${st} = forNum(${st}, 'step');`;
    head += `${v} -= ${st};`;
    let test: string;
    if (!s.step || (s.step.k === 'num' && s.step.v > 0)) test = `${v} <= ${l}`;
    else if (s.step.k === 'num' && s.step.v <= 0) test = `${l} <= ${v}`;
    else test = `(${st} > 0 ? ${v} <= ${l} : ${l} <= ${v})`;
    const body = this.block(s.body);
    return `{${head}\nfor (;;) { ${this.check()} ${v} += ${st}; if (!(${test})) break; let ${s.v.js} = ${v};\n${body}}}`;
  }

  private genFor(s: Extract<Stat, { k: 'genfor' }>): string {
    const id = ++this.uid;
    const f = `$f${id}`, st = `$t${id}`, c = `$c${id}`, r = `$r${id}`;
    const ln = this.setLine(s.line);
    const vals = this.adjust(s.exprs, 3);
    let head = `${ln} ${vals.pre} let ${f} = ${vals.get(0)}, ${st} = ${vals.get(1)}, ${c} = ${vals.get(2)}, ${r};`;
    const vars = s.vars.map((v) => v.js);
    const k0 = vars[0]!;
    let assignGeneric = `${k0} = first(${r})`;
    if (vars.length > 1) {
      assignGeneric = `if (Array.isArray(${r})) { ${vars.map((n, i) => `${n} = ${r}[${i}]`).join('; ')}; } else { ${k0} = ${r}; }`;
    }
    const v1 = vars.length > 1 ? `${vars[1]} = LuaTable.nextValue;` : '';
    const callCode = this.callCode(f, `[${st}, ${c}]`, 'undefined', false);
    const body = this.block(s.body);
    head += `
for (;;) { ${this.check()} let ${vars.join(', ')};
if (${f} === NEXT && ${st} instanceof LuaTable) { ${k0} = ${st}.nextKey(${c}); if (${k0} === undefined) break; ${v1} }
else if (${f} === INEXT && ${st} instanceof LuaTable && typeof ${c} === 'number') { ${r} = ${st}.get(${c} + 1); if (${r} === undefined) break; ${k0} = ${c} + 1; ${vars.length > 1 ? `${vars[1]} = ${r};` : ''} }
else { $ln = ${s.line}; ${r} = ${callCode}; ${assignGeneric}; if (${k0} === undefined) break; }
${c} = ${k0};
${body}}`;
    return `{${head}}`;
  }

  // ---- expressions

  /** A value list as an array expression (last expression expanded). */
  private list(exprs: Expr[]): string {
    if (exprs.length === 0) return '[]';
    const last = exprs[exprs.length - 1]!;
    if (isMulti(last)) {
      if (exprs.length === 1) return last.k === 'vararg' ? 'va' : `mv(${this.callRaw(last)})`;
      const init = exprs.slice(0, -1).map((e) => this.exp(e));
      return `[${init.join(', ')}, ...${last.k === 'vararg' ? 'va' : `mv(${this.callRaw(last)})`}]`;
    }
    return `[${exprs.map((e) => this.exp(e)).join(', ')}]`;
  }

  private multi(e: Expr): string {
    if (e.k === 'vararg') return 'va';
    return `mv(${this.callRaw(e)})`;
  }

  private callRawOrVa(e: Expr): string {
    return e.k === 'vararg' ? 'undefined' : this.callRaw(e);
  }

  private isSimple(e: Expr): boolean {
    return e.k === 'nil' || e.k === 'true' || e.k === 'false' || e.k === 'num' || e.k === 'str' || e.k === 'local' || e.k === 'upval';
  }

  /** Evaluate e once: returns [setup expression or '', name to use]. */
  private once(e: Expr): [string, string] {
    const x = this.exp(e);
    if (this.isSimple(e)) return ['', x];
    const t = this.temp();
    return [`${t} = ${x}, `, t];
  }

  exp(e: Expr): string {
    switch (e.k) {
      case 'nil': return 'undefined';
      case 'true': return 'true';
      case 'false': return 'false';
      case 'num': return this.numK(e.v);
      case 'str': return jsStr(e.v);
      case 'vararg': return 'va[0]';
      case 'func': return this.func(e.f, false, this.fn.plain);
      case 'local': case 'upval': return e.v.js;
      case 'global': return `GG(F.env, ${jsStr(e.name)})`;
      case 'paren': return this.exp(e.e);
      case 'index': {
        const o = this.exp(e.obj);
        const ds = descs(e.obj);
        if (e.key.k === 'str') {
          const lf = this.lineFix(e.line);
          return lf === '' ? `IS(${o}, ${jsStr(e.key.v)}${ds})` : `IS(${o}, (${lf}${jsStr(e.key.v)})${ds})`;
        }
        return `IX(${o}, ${this.exp(e.key)}${ds})`;
      }
      case 'call': case 'method': return `F1(${this.callRaw(e)})`;
      case 'and': {
        const t = this.temp();
        return `((${t} = ${this.exp(e.a)}) === undefined || ${t} === false ? ${t} : ${this.exp(e.b)})`;
      }
      case 'or': {
        const t = this.temp();
        return `((${t} = ${this.exp(e.a)}) !== undefined && ${t} !== false ? ${t} : ${this.exp(e.b)})`;
      }
      case 'un': {
        if (e.op === 'not') return `!(${this.cond(e.a)})`;
        if (e.op === '-') {
          const r = this.fold(e);
          if (r !== undefined && r === r) return this.numK(r);
        }
        const [pre, x] = this.once(e.a);
        const d = descArg(e.a);
        if (e.op === '-') return `(${pre}typeof ${x} === 'number' ? -${x} : unm(${x}, ${d}))`;
        if (pre === '' && !(e.a.k === 'local' || e.a.k === 'upval')) return `len(${x}, ${d})`;
        return `(${pre}typeof ${x} === 'string' ? ${x}.length : len(${x}, ${d}))`;
      }
      case 'bin': return this.bin(e);
      case 'table': return this.table(e.items);
    }
  }

  private lineFix(line: number): string {
    if (line === this.fn.line) return '';
    return `$ln = ${line}, `;
  }

  private bin(e: Extract<Expr, { k: 'bin' }>): string {
    const op = e.op;
    if (op === '==' || op === '~=') {
      const neg = op === '~=';
      const ca = e.a.k === 'nil' || e.a.k === 'true' || e.a.k === 'false' || e.a.k === 'num' || e.a.k === 'str';
      const cb = e.b.k === 'nil' || e.b.k === 'true' || e.b.k === 'false' || e.b.k === 'num' || e.b.k === 'str';
      const a = this.exp(e.a), b = this.exp(e.b);
      if (ca || cb) return `(${a} ${neg ? '!==' : '==='} ${b})`;
      return `${neg ? '!' : ''}eq(${a}, ${b})`;
    }
    if ('+-*/%^'.includes(op)) {
      const r = this.fold(e);
      if (r !== undefined) {
        if (r === r) return this.numK(r);
        // 5.1 does not fold to NaN nor divide by 0: the operands become constants, the machine computes
        const x = this.fold(e.a)!, y = this.fold(e.b)!;
        this.exp(e.a);
        this.exp(e.b);
        const v = evalArith(op, x, y);
        return v !== v ? 'NNAN' : jsNum(v);
      }
    }
    const lf = this.lineFix(e.line);
    if (lf === '') {
      // small helpers (inlined by V8) keep the generated code short
      const A = this.exp(e.a), B = this.exp(e.b);
      const H = BIN_HELPER[op]!;
      if (op === '<' || op === '<=' || op === '>' || op === '>=') return `${H}(${A}, ${B})`;
      return `${H}(${A}, ${B}${descs(e.a, e.b)})`;
    }
    const [pa, a] = this.once(e.a);
    const [pb, b] = this.once(e.b);
    const numA = e.a.k === 'num', numB = e.b.k === 'num';
    const guard = numA && numB ? 'true' : numA ? `typeof ${b} === 'number'` : numB ? `typeof ${a} === 'number'` : `typeof ${a} === 'number' && typeof ${b} === 'number'`;
    switch (op) {
      case '+': case '-': case '*': case '/':
        return `(${pa}${pb}${lf}${guard} ? ${a} ${ARITH_JS[op]} ${b} : arith(${jsStr(op)}, ${a}, ${b}${descs(e.a, e.b)}))`;
      case '%':
        return `(${pa}${pb}${lf}${guard} ? mod(${a}, ${b}) : arith("%", ${a}, ${b}${descs(e.a, e.b)}))`;
      case '^':
        return `(${pa}${pb}${lf}${guard} ? pow(${a}, ${b}) : arith("^", ${a}, ${b}${descs(e.a, e.b)}))`;
      case '..':
        return `(${pa}${pb}${lf}typeof ${a} === 'string' && typeof ${b} === 'string' ? ${a} + ${b} : concat(${a}, ${b}${descs(e.a, e.b)}))`;
      case '<':
        return `(${pa}${pb}${lf}${guard} ? ${a} < ${b} : lt(${a}, ${b}))`;
      case '<=':
        return `(${pa}${pb}${lf}${guard} ? ${a} <= ${b} : le(${a}, ${b}))`;
      case '>':
        return `(${pa}${pb}${lf}${guard} ? ${a} > ${b} : lt(${b}, ${a}))`;
      case '>=':
        return `(${pa}${pb}${lf}${guard} ? ${a} >= ${b} : le(${b}, ${a}))`;
      default:
        throw new Error('unknown operator ' + op);
    }
  }

  private numK(v: number): string {
    if (v === 0) {
      if (this.fn.zero === undefined) this.fn.zero = v;
      v = this.fn.zero;
    }
    return jsNum(v);
  }

  /** 5.1's constfolding: a numeric constant expression's value (NaN: would fold to NaN, so not folded). */
  private fold(e: Expr): number | undefined {
    return foldConst(e);
  }

  /** A JS boolean expression: is e truthy. */
  cond(e: Expr): string {
    switch (e.k) {
      case 'true': return 'true';
      case 'false': case 'nil': return 'false';
      case 'num': case 'str': case 'func': case 'table': return `(${this.exp(e)}, true)`;
      case 'un':
        if (e.op === 'not') return `!(${this.cond(e.a)})`;
        break;
      case 'and': return `(${this.cond(e.a)} && ${this.cond(e.b)})`;
      case 'or': return `(${this.cond(e.a)} || ${this.cond(e.b)})`;
      case 'bin':
        if (e.op === '==' || e.op === '~=' || e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=') return this.exp(e);
        break;
      case 'local': case 'upval': return `(${e.v.js} !== undefined && ${e.v.js} !== false)`;
      default: break;
    }
    const t = this.temp();
    return `((${t} = ${this.exp(e)}) !== undefined && ${t} !== false)`;
  }

  /** The raw result (value or array) of a call expression. */
  callRaw(e: Expr): string {
    if (e.k === 'call') {
      const c = this.temp();
      const fe = this.exp(e.fn);
      const lf = this.lineFix(e.line);
      const args = this.list(e.args);
      const fn = e.fn;
      const name = fn.k === 'global' ? fn.name : fn.k === 'local' || fn.k === 'upval' ? fn.v.name : '';
      const mark = name === 'getfenv' || name === 'setfenv' ? 'fenv' : name === 'pcall' || name === 'xpcall' ? 'pcall' : '';
      return `(${c} = ${fe}, ${lf}${this.callCode(c, args, descArg(e.fn), false, mark)})`;
    }
    if (e.k === 'method') {
      const o = this.temp();
      const c = this.temp();
      const oe = this.exp(e.obj);
      const lf = this.lineFix(e.line);
      const args = this.list(e.args);
      const argsWithSelf = args === '[]' ? `[${o}]` : args.startsWith('[') ? `[${o}, ${args.slice(1)}` : `[${o}, ...${args}]`;
      return `(${o} = ${oe}, ${c} = IS(${o}, ${jsStr(e.name)}, ${descArg(e.obj)}), ${lf}${this.callCode(c, argsWithSelf, lit(`method '${e.name}'`), true)})`;
    }
    throw new Error('not a call');
  }

  /** Call the function in variable `c` with the array expression `args`. */
  private callCode(c: string, args: string, d: string, method: boolean, mark = ''): string {
    if (this.fn.plain && mark === '') return `(${c}?.p ?? ${method ? 'CPM' : 'CP'})(${c}, ${args}, ${d})`;
    const a = this.temp();
    let nat = method ? `nfm(${c}, ${a})` : `${c}.nf(${a})`;
    let gen = `yield* ${c}.g(${c}, ${a})`;
    // getfenv/setfenv(1) need the calling function: only calls through those names record it
    if (mark === 'fenv') nat = `(S.cf = F, ${nat})`;
    // pcall/xpcall record their caller's position (error(msg, level) pointing at that caller)
    if (mark === 'pcall') {
      const at = `S.cl = $ln, S.cs = ${lit(this.chunk)}`;
      nat = `(${at}, ${nat})`;
      gen = `${at}, ${gen}`;
    }
    // plain code: a Lua function's plain version directly, anything else through CP (a native whose
    // resumable version is needed now aborts plain mode)
    // (`c?.p`: nil has no properties, and no Lua value but a LuaFunction has a `p`; the callee is
    // looked up before the arguments are evaluated, which cannot change it)
    if (this.fn.plain) {
      const callee = `(${c}?.p ?? ${method ? 'CPM' : 'CP'})`;
      const pre = mark === 'fenv' ? 'S.cf = F' : `S.cl = $ln, S.cs = ${lit(this.chunk)}`;
      return `${callee}(${c}, (${a} = ${args}, ${pre}, ${a}), ${d})`;
    }
    // a native with both versions whose resumable one is not needed now (redis.call while no reply can
    // come later: LuaFunction.needsG) runs its plain one, without a generator per call
    return `(${a} = ${args}, ${c} instanceof LF ? (${c}.g !== undefined && (${c}.needsG === undefined || ${c}.needsG()) ? (${gen}) : ${nat}) : (yield* CM(${c}, ${a}, ${d})))`;
  }

  private table(items: TableItem[]): string {
    if (items.length === 0) return 'new LuaTable()';
    let na = 0, nh = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.pos) { if (!(i === items.length - 1 && isMulti(it.e))) na++; } else nh++;
    }
    const t = this.temp();
    const parts: string[] = [`${t} = new LuaTable(${fbRound(na)}, ${fbRound(nh)})`];
    // positional values pending a flush; a named item between them forces the push form
    let pending: string[] = [];
    let base = 0;
    let pushTemp: string | undefined;
    const flush = (tail?: string) => {
      if (pushTemp !== undefined) {
        if (tail) parts.push(`${pushTemp}.push(...${tail})`);
        parts.push(`setList(${t}, ${base}, ${pushTemp})`);
        pushTemp = undefined;
      } else if (pending.length > 0 || tail) {
        const arr = tail ? (pending.length ? `[${pending.join(', ')}, ...${tail}]` : tail) : `[${pending.join(', ')}]`;
        parts.push(`setList(${t}, ${base}, ${arr})`);
      }
      pending = [];
    };
    let count = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.pos) {
        const last = i === items.length - 1;
        if (last && isMulti(it.e)) {
          flush(this.multi(it.e));
          continue;
        }
        const v = this.exp(it.e);
        if (pushTemp !== undefined) parts.push(`${pushTemp}.push(${v})`);
        else pending.push(v);
        count++;
        if (count % LFIELDS_PER_FLUSH === 0) {
          flush();
          base = count;
        }
      } else {
        if (pending.length > 0 && !(this.isSimple(it.key) && this.isSimple(it.e))) {
          pushTemp = this.temp();
          parts.push(`${pushTemp} = [${pending.join(', ')}]`);
          pending = [];
        }
        parts.push(`${t}.set(${this.exp(it.key)}, ${this.exp(it.e)})`);
      }
    }
    flush();
    parts.push(t);
    return `(${parts.join(', ')})`;
  }
}
