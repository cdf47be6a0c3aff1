// Dumps COMMAND INFO / COMMAND DOCS / CONFIG GET * from a local redis-server
// (Debian's 7.0.15, the project's oracle) into src/commands/meta/*.json.
// Usage: node scripts/dump-redis-meta.mjs <port>
import fs from 'node:fs';
import { session } from './resp-client.mjs';

const port = Number(process.argv[2] ?? 6399);
const out = new URL('../src/commands/meta/', import.meta.url);
fs.mkdirSync(out, { recursive: true });
await session(port, async (cmd) => {
  await cmd('HELLO', '3');
  const info = await cmd('COMMAND', 'INFO');
  const docs = await cmd('COMMAND', 'DOCS');
  const byName = {};
  for (const entry of info) byName[entry[0]] = entry;
  const docsByName = {};
  const d = docs['%'];
  for (let i = 0; i < d.length; i += 2) docsByName[d[i]] = d[i + 1];
  const config = await cmd('CONFIG', 'GET', '*');
  const cfg = {};
  const c = config['%'];
  for (let i = 0; i < c.length; i += 2) cfg[c[i]] = c[i + 1];
  const version = (await cmd('INFO', 'server')).toString().match(/redis_version:(\S+)/)?.[1];
  fs.writeFileSync(new URL('command-info.json', out), JSON.stringify({ version, commands: byName }));
  fs.writeFileSync(new URL('command-docs.json', out), JSON.stringify({ version, docs: docsByName }));
  fs.writeFileSync(new URL('config-defaults.json', out), JSON.stringify({ version, config: cfg }, null, 1));
  console.log(`commands: ${Object.keys(byName).length}, docs: ${Object.keys(docsByName).length}, config: ${Object.keys(cfg).length}`);
});
