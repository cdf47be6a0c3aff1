/**
 * docs/recipes.md shows the recipe test files verbatim (scripts/recipes.mjs):
 * every block equals its file and every recipe file is shown.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { render } from '../scripts/recipes.mjs';

it('docs/recipes.md matches the recipe files (npm run recipes rewrites it)', () => {
  const doc = fs.readFileSync(new URL('../docs/recipes.md', import.meta.url), 'utf8');
  const { text, problems } = render(doc) as { text: string; problems: string[] };
  expect(problems).toEqual([]);
  expect(text === doc, 'docs/recipes.md is stale: run npm run recipes').toBe(true);
  expect(doc.match(/<!-- recipe: /g)!.length).toBeGreaterThanOrEqual(10);
});
