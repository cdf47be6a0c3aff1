/**
 * LOLWUT [VERSION v] [...]: Redis 7.0's computer art. Version 5 draws Georg
 * Nees's "Schotter" in braille characters, version 6 a city skyline in
 * terminal colours; any other version prints the Redis version. Both
 * drawings use random numbers in Redis (rand()), so only their frame is
 * reproducible: the canvas size from the arguments, the rows without random
 * squares (the first two of Schotter) and the closing lines. Arithmetic
 * follows Redis's C types (floats where it uses float) so that the
 * deterministic parts are the same bytes.
 */
import { VerbatimReply, type Reply } from '../resp/reply.js';
import type { Context } from '../server/context.js';
import type { RedKitServer } from '../server/server.js';
import { defineCommands, int64Arg, intArg } from './util.js';

const f = Math.fround;
const RAND_MAX = 2147483647;

/** A C rand(): an integer in [0, RAND_MAX]. */
function rand(): number {
  return Math.floor(Math.random() * (RAND_MAX + 1));
}

/** C's integer division and remainder (truncating toward zero). */
const idiv = (a: number, b: number): number => Math.trunc(a / b);

/** C's round(): halves away from zero. */
function cround(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(bg);
  }

  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }

  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }

  /** Bresenham from (x1,y1) to (x2,y2). */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square centred on (x,y), `size` wide, turned by `angle` (floats as in Redis). */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    const px: number[] = [];
    const py: number[] = [];
    size = f(size / 1.4142135623);
    size = f(cround(size));
    let k = f(Math.PI / 4 + angle);
    for (let j = 0; j < 4; j++) {
      px.push(cround(Math.sin(k) * size + x) | 0);
      py.push(cround(Math.cos(k) * size + y) | 0);
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

// ---- version 5: Schotter -------------------------------------------------------------

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f((width - padding * 2) / perRow);
  const height = Math.trunc(f(f(side * perCol) + padding * 2));
  const canvas = new Canvas(width, height, 0);
  const half = f(side / 2);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f(f(f(x * side) + half) + padding));
      let sy = Math.trunc(f(f(f(y * side) + half) + padding));
      let angle = 0;
      if (y > 1) {
        let r1 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r2 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r3 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)));
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** Braille: each character is 2x4 pixels, as UTF-8 bytes (a binary string). */
function renderBraille(c: Canvas): string {
  let out = '';
  for (let y = 0; y < c.height; y += 4) {
    for (let x = 0; x < c.width; x += 2) {
      let b = 0;
      if (c.get(x, y)) b |= 1;
      if (c.get(x, y + 1)) b |= 2;
      if (c.get(x, y + 2)) b |= 4;
      if (c.get(x + 1, y)) b |= 8;
      if (c.get(x + 1, y + 1)) b |= 16;
      if (c.get(x + 1, y + 2)) b |= 32;
      if (c.get(x, y + 3)) b |= 64;
      if (c.get(x + 1, y + 3)) b |= 128;
      const code = 0x2800 + b;
      out += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    if (y !== c.height - 1) out += '\n';
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function lolwut5(version: string, args: string[]): Reply {
  let cols = 66;
  let perRow = 8;
  let perCol = 12;
  if (args.length > 0) cols = intArg(args[0]);
  if (args.length > 1) perRow = intArg(args[1]);
  if (args.length > 2) perCol = intArg(args[2]);
  cols = clamp(cols, 1, 1000);
  perRow = clamp(perRow, 1, 200);
  perCol = clamp(perCol, 1, 200);
  const text = renderBraille(schotter(cols, perRow, perCol));
  return new VerbatimReply(`${text}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${version}\n`);
}

// ---- version 6: a skyline ---------------------------------------------------------------

/** Each colour's cell: foreground and background set, a space, reset. */
const CELLS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'].map((ce) => Buffer.from(`\x1b[${ce} \x1b[0m`, 'latin1'));

/** The canvas as terminal colour cells (up to 1000x1000 cells: written into one buffer). */
function renderColors(c: Canvas): string {
  let size = c.height - 1;
  for (const p of c.pixels) size += (CELLS[p] ?? CELLS[0]).length;
  const out = Buffer.allocUnsafe(Math.max(size, 0));
  let at = 0;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const cell = CELLS[c.pixels[x + y * c.width]] ?? CELLS[0];
      cell.copy(out, at);
      at += cell.length;
    }
    if (y !== c.height - 1) out[at++] = 10;
  }
  return out.latin1Slice(0, at);
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(c: Canvas, s: Skyscraper): void {
  const starty = c.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      // The roof is four pixels narrower.
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (s.windows && x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        // Windows two pixels wide, one tall.
        if (idiv(relx, 2) % 2 && rely % 2) {
          do color = 1 + (rand() % 2);
          while (color === s.color);
          if (relx % 2) color = c.get(x - 1, y);
        }
      }
      c.set(x, y, color);
    }
  }
}

function skyline(c: Canvas): void {
  const h = c.height;
  // The background first, without windows, lighter ones behind.
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < c.width; ) {
      offset += rand() % 8;
      const width = 10 + (rand() % 9);
      const height = color === 2 ? idiv(h, 2) + idiv(rand() % h, 2) : idiv(h, 2) + idiv(rand() % h, 3);
      skyscraper(c, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? idiv(width, 2) : width + 1;
    }
  }
  // Then the foreground, with windows.
  for (let offset = -10; offset < c.width; ) {
    offset += rand() % 8;
    let width = 5 + (rand() % 14);
    if (width % 4) width += width % 3;
    const height = idiv(h, 3) + idiv(rand() % h, 2);
    skyscraper(c, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
}

function lolwut6(version: string, args: string[]): Reply {
  let cols = 80;
  let rows = 20;
  if (args.length > 0) cols = intArg(args[0]);
  if (args.length > 1) rows = intArg(args[1]);
  cols = clamp(cols, 1, 1000);
  rows = clamp(rows, 1, 1000);
  const canvas = new Canvas(cols, rows, 3);
  skyline(canvas);
  return new VerbatimReply(
    `${renderColors(canvas)}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${version}\n`,
  );
}

/** The version printed (and chosen by default) is the one the server reports (server.redisVersion). */
function lolwut(ctx: Context, args: string[]): Reply {
  const version = ctx.server.redisVersion;
  let v = version;
  let rest = args;
  if (args.length >= 2 && args[0].toLowerCase() === 'version') {
    const n = BigInt(int64Arg(args[1]));
    // Redis prints the version with %u of an unsigned int: modulo 2^32.
    v = `${BigInt.asUintN(32, n)}.0.0`;
    rest = args.slice(2);
  }
  if ((v[0] === '5' && v[1] === '.' && v[2] !== '9') || (v[0] === '4' && v[1] === '.' && v[2] === '9')) return lolwut5(version, rest);
  if ((v[0] === '6' && v[1] === '.' && v[2] !== '9') || (v[0] === '5' && v[1] === '.' && v[2] === '9')) return lolwut6(version, rest);
  return new VerbatimReply(`Redis ver. ${version}\n`);
}

export function installLolwut(server: RedKitServer): void {
  defineCommands(server, { lolwut });
}
