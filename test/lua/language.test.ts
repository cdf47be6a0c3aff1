/**
 * Lua language differential tests: every chunk runs in Debian's lua5.1 and in our engine; printed
 * output and error messages must be identical (addresses normalised).
 */
import { describe, expect, it } from 'vitest';
import { compare } from './oracle.js';
import { CASES } from './language-cases.js';

describe('lua language vs lua5.1', () => {
  for (const [topic, cases] of Object.entries(CASES)) {
    it(topic, () => {
      const bad = compare(cases);
      const report = bad.map((m) => `--- case ${m.index}: ${m.src}\n expected: ${JSON.stringify(m.expected)}\n actual:   ${JSON.stringify(m.actual)}`).join('\n');
      expect(report).toBe('');
    });
  }
});
