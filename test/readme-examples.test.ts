/**
 * Every code sample of README.md runs. Each ```ts block marked
 * `<!-- example: name -->` is extracted as it is written, with `'redkit'`
 * pointing at this checkout's sources and `listen(6379)` moved to a free
 * port, then imported and exercised with a real client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RedKitServer } from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside the project so that the samples' own imports (ioredis) resolve.
const dir = path.join(root, 'node_modules', '.cache', 'redkit-readme-examples');

/** The marked samples of README.md, by name. */
function examples(): Map<string, string> {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const out = new Map<string, string>();
  const re = /<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(readme); m; m = re.exec(readme)) out.set(m[1], m[2]);
  return out;
}

const SHIM = `
export * from ${JSON.stringify(path.join(root, 'src/index.ts'))};
import { createServer as create } from ${JSON.stringify(path.join(root, 'src/index.ts'))};
/** Servers the sample created; listen() always takes a free port. */
export const created = [];
export function createServer(options) {
  const server = create({ logger: 'error', ...options });
  const listen = server.listen.bind(server);
  server.listen = (_port, host) => listen(0, host);
  created.push(server);
  return server;
}
`;

let shim: { created: RedKitServer[] };
const samples = examples();

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'redkit-shim.ts'), SHIM);
  shim = await import(pathToFileURL(path.join(dir, 'redkit-shim.ts')).href);
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of shim.created.splice(0)) {
    await s.close();
    s.dispose();
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Write a sample as a module and run it; returns the servers it created. */
async function run(name: string): Promise<RedKitServer[]> {
  const src = samples.get(name);
  if (src === undefined) throw new Error(`README.md has no sample named ${name}`);
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, src.replace(/from 'redkit'/g, "from './redkit-shim.ts'"));
  const before = shim.created.length;
  await import(pathToFileURL(file).href);
  return shim.created.slice(before);
}

const client = (s: RedKitServer) => new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });

describe('README samples', () => {
  it('every ts block of the README is a checked sample', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme.match(/```ts\n/g)?.length).toBe(samples.size);
    expect([...samples.keys()].sort()).toEqual(['conn-state', 'fixture', 'hello', 'middleware', 'shutdown', 'storage']);
  });

  it('the fixture', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await run('fixture');
    expect(log.mock.calls).toEqual([['hello'], [0]]);
  });

  it('a custom command', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const [server] = await run('hello');
    const c = client(server);
    await c.connect();
    expect(await c.call('HELLO')).toBe('Hello from RedKit!');
    expect(await c.call('HELLO', 'world')).toBe('Hello, world!');
    expect(await c.call('HELLO', 'wörld')).toBe('Hello, wörld!');
    expect(await c.ping()).toBe('PONG');
    await expect(c.get('x')).rejects.toThrow("ERR unknown command 'get', with args beginning with: 'x'");
    c.disconnect();
  });

  it('a store of your own', async () => {
    const [server] = await run('storage');
    const c = client(server);
    await c.connect();
    expect(await c.set('k', 'v')).toBe('OK');
    expect(await c.get('k')).toBe('v');
    expect(await c.get('nosuch')).toBe(null);
    expect(await c.del('k', 'nosuch')).toBe(1);
    await expect(c.call('SET', 'k')).rejects.toThrow("ERR wrong number of arguments for 'set' command");
    await expect(c.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    c.disconnect();
  });

  it('middleware', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const [server] = await run('middleware');
    const c = client(server);
    await c.connect();
    expect(await c.get('k')).toBe(null);
    await expect(c.set('k', 'v')).rejects.toThrow("READONLY You can't write against a read only replica.");
    expect(log.mock.calls.some(([line]) => /^client \d+ GET [\d.]+ms$/.test(line as string))).toBe(true);
    expect(log.mock.calls.some(([line]) => /^client \d+ SET [\d.]+ms$/.test(line as string))).toBe(true);
    c.disconnect();
  });

  it('the connection lifecycle hook', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const [server] = await run('conn-state');
    expect(log).toHaveBeenCalledWith('active connections: 0');
    const c = client(server);
    await c.connect();
    await c.ping();
    await c.quit();
    await vi.waitFor(() => expect(log.mock.calls.some(([l]) => / closed$/.test(l as string))).toBe(true));
    expect(log.mock.calls.filter(([l]) => /^connection \d+ 127\.0\.0\.1:\d+: new$/.test(l as string))).toHaveLength(1);
  });

  it('graceful shutdown on SIGTERM', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const [server] = await run('shutdown');
    const c = client(server);
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    const closed = new Promise<void>((resolve) => c.once('end', () => resolve()));
    process.emit('SIGTERM', 'SIGTERM');
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith('Server stopped'), { timeout: 10_000 });
    await closed;
    expect(server.isListening).toBe(false);
    expect(log.mock.calls.map(([l]) => l)).toEqual(['Shutting down...', 'Server stopped']);
  });
});
