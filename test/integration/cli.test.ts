/**
 * The `redkit` command: started as a child process on a free port, it
 * answers clients, honours its options, and stops cleanly on SIGTERM.
 *
 * The CLI is bundled from src/cli.ts with esbuild (as tsup does for
 * dist/cli.js) so the test runs the current source, not a stale build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { freePort, startRedisServer } from '../support/redis-server.js';

const root = path.resolve(__dirname, '../..');
const outDir = path.join(root, 'node_modules/.cache/redkit-cli-test');
const cli = path.join(outDir, `cli-${process.pid}.mjs`);
const tlsDir = path.join(root, 'fixtures/tls');

beforeAll(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src/cli.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies bundled into ESM need require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 60_000);

afterAll(() => {
  fs.rmSync(cli, { force: true });
});

interface Running {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: Running[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }
});

/** Run the CLI with args; resolves once it prints that it is ready (or exits). */
async function runCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const portArg = args.indexOf('--port');
  const r: Running = { child, port: portArg >= 0 ? Number(args[portArg + 1]) : 6379, stdout: () => out, stderr: () => err, exited };
  running.push(r);
  await new Promise<void>((resolve) => {
    const check = () => {
      if (out.includes('ready on') || child.exitCode !== null) return resolve();
      setTimeout(check, 10);
    };
    child.on('exit', () => resolve());
    check();
  });
  return r;
}

/** Run the CLI to completion (for --help, errors). */
async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runCli(args);
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

describe('redkit CLI', () => {
  it('--upstream proxies to a real Redis; --record writes the proxied traffic', async () => {
    const redis = await startRedisServer();
    try {
      const port = await freePort();
      const file = path.join(outDir, `upstream-${process.pid}.jsonl`);
      fs.rmSync(file, { force: true });
      const r = await runCli(['--port', String(port), '--log-level', 'warn', '--upstream', `redis://127.0.0.1:${redis.port}`, '--record', file]);
      expect(r.stdout()).toContain(`RedKit ready on redis://127.0.0.1:${port} in front of redis://127.0.0.1:${redis.port}`);
      const c = await RawClient.connect(port);
      expect(await c.call('SET', 'k', 'v')).toBe('+OK\r\n');
      const d = await RawClient.connect(redis.port);
      expect(await d.call('GET', 'k')).toBe('$1\r\nv\r\n');
      d.close();
      c.close();
      r.child.kill('SIGTERM');
      await r.exited;
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.find((l) => l.name === 'SET')).toMatchObject({ args: ['k', 'v'], reply: 'OK' });
      fs.rmSync(file, { force: true });
      const bad = await runToExit(['--port', String(port), '--upstream', `redis://127.0.0.1:${redis.port}`, '--seed', 'x.rdb']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("--upstream: the data is the upstream's");
    } finally {
      await redis.stop();
    }
  });

  it('starts on the given port and answers PING', async () => {
    const port = await freePort();
    const r = await runCli(['--port', String(port), '--log-level', 'warn']);
    expect(r.stdout()).toContain(`RedKit ready on redis://127.0.0.1:${port}`);
    const c = await RawClient.connect(port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    expect(await c.call('SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await c.call('GET', 'k')).toBe('$1\r\nv\r\n');
    c.close();
  });

  it('--stream-io serves through Node socket streams', async () => {
    const port = await freePort();
    const r = await runCli(['--port', String(port), '--log-level', 'warn', '--stream-io']);
    expect(r.stdout()).toContain(`RedKit ready on redis://127.0.0.1:${port}`);
    const c = await RawClient.connect(port);
    const cmds: string[] = [];
    for (let i = 0; i < 200; i++) cmds.push(`*3\r\n$3\r\nSET\r\n$2\r\nk${i % 10}\r\n$${String(i).length + 1}\r\nv${i}\r\n`);
    c.write(cmds.join(''));
    for (let i = 0; i < 200; i++) expect(await c.read()).toBe('+OK\r\n');
    expect(await c.call('GET', 'k9')).toBe('$4\r\nv199\r\n');
    c.close();
  });

  it('stops cleanly on SIGTERM, closing its clients', async () => {
    const port = await freePort();
    const r = await runCli(['--port', String(port), '--log-level', 'off']);
    const c = await RawClient.connect(port);
    expect(await c.call('PING')).toBe('+PONG\r\n');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    await c.readUntilClose(5000);
    expect(c.closed).toBe(true);
  });

  it('--requirepass and --databases', async () => {
    const port = await freePort();
    await runCli(['--port', String(port), '--requirepass', 's3cret', '--databases', '2', '--log-level', 'off']);
    const c = await RawClient.connect(port);
    expect(await c.call('PING')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.call('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
    expect(await c.call('SELECT', '1')).toBe('+OK\r\n');
    expect(await c.call('SELECT', '2')).toBe('-ERR DB index is out of range\r\n');
    c.close();
  });

  it('--tls-cert/--tls-key serve TLS; --tls-ca requires client certificates', async () => {
    const port = await freePort();
    const files = ['--tls-cert', path.join(tlsDir, 'server.crt'), '--tls-key', path.join(tlsDir, 'server.key')];
    const ca = fs.readFileSync(path.join(tlsDir, 'ca.crt'));
    const ping = (p: number, opts: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        let got = '';
        const s = tls.connect({ host: '127.0.0.1', port: p, servername: 'localhost', ca, ...opts }, () => s.write('PING\r\n'));
        s.on('data', (d) => {
          got += d;
          s.end();
        });
        s.on('error', () => {});
        s.on('close', () => resolve(got));
      });
    const r = await runCli(['--port', String(port), ...files, '--log-level', 'off']);
    expect(r.stdout()).toContain(`rediss://127.0.0.1:${port}`);
    expect(await ping(port, {})).toBe('+PONG\r\n');

    const port2 = await freePort();
    await runCli(['--port', String(port2), ...files, '--tls-ca', path.join(tlsDir, 'ca.crt'), '--log-level', 'off']);
    expect(await ping(port2, {})).toBe('');
    const client = { cert: fs.readFileSync(path.join(tlsDir, 'client.crt')), key: fs.readFileSync(path.join(tlsDir, 'client.key')) };
    expect(await ping(port2, client)).toBe('+PONG\r\n');
  });

  it('--help and --version print and exit 0', async () => {
    const help = await runToExit(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: redkit [options]');
    expect(help.stdout).toContain('--port <n>');
    const version = await runToExit(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^redkit \d+\.\d+\.\d+/);
  });

  it('rejects bad options with exit code 1', async () => {
    for (const args of [['--port', 'abc'], ['--port', '70000'], ['--databases', '0'], ['--no-such-option'], ['--tls-cert', 'x.pem']]) {
      const r = await runToExit(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^redkit: /);
    }
  });

  it('exits with code 1 when the port is taken', async () => {
    const port = await freePort();
    await runCli(['--port', String(port), '--log-level', 'off']);
    const second = await runToExit(['--port', String(port), '--log-level', 'off']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/EADDRINUSE/);
  });
});
