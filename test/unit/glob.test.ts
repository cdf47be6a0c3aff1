/**
 * globMatch: Redis's stringmatchlen (util.c) on binary strings. Expected
 * values were checked against redis-server 7.0.15 (KEYS / CONFIG GET); the
 * differential KEYS tests in test/differential/keys.test.ts cover the same
 * ground over the wire.
 */
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/commands/util.js';

const bin = (...b: number[]) => Buffer.from(b).latin1Slice();

describe('globMatch', () => {
  it.each([
    // pattern, string, match
    // stringmatchlen never matches an empty string (KEYS and SCAN special-case a lone '*')
    ['*', '', false],
    ['*', 'anything', true],
    ['**', '', false],
    ['?', '', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['??', 'ab', true],
    ['', '', true],
    ['', 'x', false],
    ['x', '', false],
    ['', 'a', false],
    ['a', 'a', true],
    ['a', 'A', false],
    ['a*', 'abc', true],
    ['*c', 'abc', true],
    ['*b*', 'abc', true],
    ['*b*', 'ac', false],
    ['a*c', 'ac', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a**c', 'abc', true],
    ['*a*a*a*', 'aaa', true],
    ['*a*a*a*', 'aa', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true], // reversed ranges are swapped
    ['h[a-b]llo', 'hcllo', false],
    ['[a-c][a-c]', 'cb', true],
    // escapes
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['\\?', '?', true],
    ['\\?', 'a', false],
    ['\\', '\\', true], // a trailing backslash matches itself
    ['a\\', 'a\\', true],
    ['\\\\', '\\', true],
    ['\\a', 'a', true],
    ['[\\]]', ']', true],
    ['[\\-]', '-', true],
    ['[\\^a]', '^', true],
    ['[a\\', 'a', true],
    // brackets at the edges
    ['[', '[', false], // an unterminated class never matches a character...
    ['[', '', false],
    ['[]', ']', false],
    ['[]]', ']', false],
    ['[]a]', 'a', false],
    ['[a', 'a', true], // ...but it matches the chars it lists when the pattern ends
    ['[ab', 'b', true],
    ['[a-', 'a', true],
    ['[a-', '-', true],
    ['[a-]', 'a', true],
    ['[a-]', ']', true], // "a-]" is a range a..] (] is below a: swapped)
    ['[a-]', '-', false],
    ['[-]', '-', true],
    ['[^]', 'a', true],
    ['[^]]', 'a', false], // "[^]" (any char) then a literal ]
    ['[^]]', 'a]', true],
    ['[]-^]', ']', false],
    ['[!a]', '!', true], // ! is not a negation in Redis
    ['x[^]y', 'xzy', true],
    ['*[', 'a[', false],
    ['a[bc]*', 'ac', true],
  ] as Array<[string, string, boolean]>)('%j vs %j -> %s', (p, s, m) => {
    expect(globMatch(p, s)).toBe(m);
  });

  it('ranges compare signed C chars: bytes 0x80-0xff sort below 0x00', () => {
    // [a-\xff] is the range -1..97: 0xff and the ASCII bytes up to 'a', not 'b' nor 0x80-0xfe.
    const p = `[a-${bin(0xff)}]`;
    expect(globMatch(p, bin(0xff))).toBe(true);
    expect(globMatch(p, 'a')).toBe(true);
    expect(globMatch(p, 'A')).toBe(true);
    expect(globMatch(p, bin(0))).toBe(true);
    expect(globMatch(p, 'b')).toBe(false);
    expect(globMatch(p, bin(0x80))).toBe(false);
    expect(globMatch(p, bin(0xfe))).toBe(false);
    // [\x80-\xff] and its reverse: all high bytes, nothing else.
    for (const q of [`[${bin(0x80)}-${bin(0xff)}]`, `[${bin(0xff)}-${bin(0x80)}]`]) {
      expect(globMatch(q, bin(0x80))).toBe(true);
      expect(globMatch(q, bin(0xc3))).toBe(true);
      expect(globMatch(q, bin(0xff))).toBe(true);
      expect(globMatch(q, bin(0x7f))).toBe(false);
      expect(globMatch(q, bin(0x00))).toBe(false);
    }
    // [\x80-\x01]: -128..1, high bytes plus NUL and 0x01.
    const w = `[${bin(0x80)}-${bin(0x01)}]`;
    expect(globMatch(w, bin(0x00))).toBe(true);
    expect(globMatch(w, bin(0x01))).toBe(true);
    expect(globMatch(w, bin(0x02))).toBe(false);
    expect(globMatch(w, bin(0xfe))).toBe(true);
    // Negated.
    expect(globMatch(`[^a-${bin(0xff)}]`, 'b')).toBe(true);
    expect(globMatch(`[^a-${bin(0xff)}]`, bin(0xff))).toBe(false);
  });

  it('binary strings: NUL bytes and high bytes are ordinary characters', () => {
    expect(globMatch(bin(0x61, 0x00, 0x62), bin(0x61, 0x00, 0x62))).toBe(true);
    expect(globMatch(bin(0x61, 0x00, 0x62), 'ab')).toBe(false);
    expect(globMatch('a?b', bin(0x61, 0x00, 0x62))).toBe(true);
    expect(globMatch('a*', bin(0x61, 0x00, 0x00))).toBe(true);
    expect(globMatch(bin(0x00), bin(0x00))).toBe(true);
    expect(globMatch(bin(0x5c, 0x00), bin(0x00))).toBe(true);
    expect(globMatch(`[${bin(0)}]`, bin(0))).toBe(true);
    expect(globMatch(`${bin(0xff)}*`, bin(0xff, 0xff))).toBe(true);
    expect(globMatch(`*${bin(0xff)}`, bin(0x80))).toBe(false);
    // UTF-8 é is two bytes: one '?' is not enough.
    const e = Buffer.from('é', 'utf8').latin1Slice();
    expect(globMatch('caf?', `caf${e}`)).toBe(false);
    expect(globMatch('caf??', `caf${e}`)).toBe(true);
    expect(globMatch(`caf[${bin(0xe9)}]`, `caf${bin(0xe9)}`)).toBe(true);
  });

  it('nocase folds ASCII letters only, also in ranges', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('h[A-C]llo', 'hbllo', true)).toBe(true);
    expect(globMatch('h[a-c]llo', 'hBllo', true)).toBe(true);
    expect(globMatch('h[^A-C]llo', 'hbllo', true)).toBe(false);
    expect(globMatch('[x]', 'X', true)).toBe(true);
    expect(globMatch(bin(0xc9), bin(0xe9), true)).toBe(false); // no Latin-1 folding
    expect(globMatch('maxmemory-*', 'MAXMEMORY-POLICY', true)).toBe(true);
    expect(globMatch('HELLO', 'hello')).toBe(false);
  });

  it('gives up early on patterns with many stars (no exponential blow-up)', () => {
    const p = '*a'.repeat(30) + 'b';
    const s = 'a'.repeat(60);
    expect(globMatch(p, s)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });
});
