/**
 * Start a real redis-server (the oracle) on a free loopback port for the
 * differential tests. Fails with instructions when redis-server is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface RedisProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export function redisServerPath(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `redis-server is required for the differential tests but '${bin}' could not be run.\n` +
        'Install it with: sudo apt-get update && sudo apt-get install -y redis-server redis-tools\n' +
        '(or set REDIS_SERVER_BIN to its path).',
    );
  }
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Wait until our redis-server answers on `port`. Another test file may have
 * taken the same free port between freePort() and the bind: then our server
 * exits and a different one answers, so the server that answers must be ours
 * (INFO's process_id; behind requirepass, our process must still be alive).
 */
async function waitForPort(port: number, child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const reply = await new Promise<string | null>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.once('connect', () => {
        s.write('INFO server\r\n');
      });
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.startsWith('-') || /process_id:\d+/.test(got)) {
          s.destroy();
          resolve(got);
        }
      });
      s.once('error', () => resolve(null));
      s.once('close', () => resolve(got === '' ? null : got));
    });
    if (reply !== null) {
      const pid = /process_id:(\d+)/.exec(reply)?.[1];
      if (pid !== undefined) {
        if (Number(pid) === child.pid) return;
        throw new Error(`port ${port} is served by another redis-server (pid ${pid})`);
      }
      // NOAUTH: cannot ask; a server that lost the port race exits at once.
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null) return;
      throw new Error(`redis-server exited with code ${child.exitCode}`);
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Start redis-server with no persistence. Extra config as `['--requirepass', 'x']`. */
export async function startRedisServer(extra: string[] = []): Promise<RedisProcess> {
  const bin = redisServerPath();
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    // The working directory is the repository's, as RedKit's (tests compare CONFIG GET dir). A
    // redis-server loads dir/dump.rdb at start: a test that makes the oracle write one (SAVE,
    // DEBUG RELOAD, SHUTDOWN SAVE) must give it a --dir of its own, or it seeds later servers.
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await waitForPort(port, child);
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw e;
    }
    const pid = child.pid as number;
    return {
      port,
      pid,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          process.kill(pid, 'SIGTERM');
          setTimeout(() => {
            if (child.exitCode === null) process.kill(pid, 'SIGKILL');
          }, 2000).unref();
        }),
    };
  }
}
