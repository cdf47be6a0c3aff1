#!/usr/bin/env node
// docs/recipes.md shows the recipe tests verbatim. Each code block in it that
// follows a `<!-- recipe: <path> -->` line is the whole content of that file
// (test/recipes/*.test.ts for vitest, test/jest/recipes/*.test.cjs for jest),
// and CI runs those files, so every recipe in the docs is a passing test.
//
//   node scripts/recipes.mjs --write    rewrite the code blocks from the files   (npm run recipes)
//   node scripts/recipes.mjs --check    exit 1 when a block differs from its file, a marked
//                                       file is missing, or a recipe file is not in the doc
//                                       (npm run recipes:check)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOC = 'docs/recipes.md';
const DIRS = [
  ['test/recipes', '.test.ts'],
  ['test/jest/recipes', '.test.cjs'],
];
const MARKER = /^<!-- recipe: (\S+) -->$/;

/** The doc with every marked block replaced by its file; problems found on the way. */
export function render(doc) {
  const lines = doc.split('\n');
  const out = [];
  const problems = [];
  const seen = new Set();
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const m = MARKER.exec(lines[i]);
    if (!m) continue;
    const file = m[1];
    seen.add(file);
    const open = lines[i + 1] ?? '';
    if (!/^```\w*$/.test(open)) {
      problems.push(`${DOC}:${i + 1}: the recipe marker for ${file} is not followed by a code block`);
      continue;
    }
    let close = i + 2;
    while (close < lines.length && lines[close] !== '```') close++;
    if (close >= lines.length) {
      problems.push(`${DOC}:${i + 2}: unterminated code block for ${file}`);
      continue;
    }
    const full = path.join(root, file);
    if (!fs.existsSync(full)) {
      problems.push(`${DOC}:${i + 1}: ${file} does not exist`);
      continue;
    }
    const code = fs.readFileSync(full, 'utf8').replace(/\n+$/, '');
    out.push(open, ...code.split('\n'), '```');
    i = close;
  }
  for (const [dir, ext] of DIRS) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs).sort()) {
      const rel = `${dir}/${f}`;
      if (f.endsWith(ext) && !seen.has(rel)) problems.push(`${rel} is not shown in ${DOC} (add a <!-- recipe: ${rel} --> block)`);
    }
  }
  return { text: out.join('\n'), problems };
}

function main() {
  const mode = process.argv[2];
  if (mode !== '--write' && mode !== '--check') {
    console.error('usage: node scripts/recipes.mjs --write | --check');
    process.exit(2);
  }
  const docPath = path.join(root, DOC);
  const doc = fs.readFileSync(docPath, 'utf8');
  const { text, problems } = render(doc);
  for (const p of problems) console.error(p);
  if (mode === '--write') {
    if (text !== doc) {
      fs.writeFileSync(docPath, text);
      console.log(`${DOC} updated`);
    } else console.log(`${DOC} is up to date`);
    process.exit(problems.length ? 1 : 0);
  }
  if (text !== doc) {
    console.error(`${DOC} is stale: a recipe block differs from its file; run npm run recipes`);
    process.exit(1);
  }
  if (problems.length) process.exit(1);
  console.log(`${DOC}: every recipe block matches its file`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
