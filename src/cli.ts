/**
 * `redkit`: run a RedKit server from the command line.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { persistenceOf } from './commands/persistence.js';
import { createServer, RedKit, startRedKitCluster, type RedKitServer } from './index.js';
import type { LogLevel } from './server/logger.js';

const HELP = `Usage: redkit [options]

Starts a Redis-compatible server (RedKit).

Options:
  --port <n>            TCP port (default 6379; 0 = any free port)
  --host <addr>         interface to bind (default 127.0.0.1)
  --requirepass <pw>    password for the default user
  --user '<name> <rules>' an ACL user, as a redis.conf user line (repeatable)
  --aclfile <file>      ACL file: users loaded at start, ACL LOAD / ACL SAVE
  --tls-cert <file>     serve TLS with this certificate (PEM)
  --tls-key <file>      private key for --tls-cert (PEM)
  --tls-ca <file>       CA for client certificates (mutual TLS)
  --databases <n>       number of databases (default 16)
  --log-level <level>   debug | info | warn | error | off (default info)
  --seed <file>         load a dump.rdb (RDB v1-10) or a RedKit JSON snapshot/seed at start
  --record <file.jsonl> append every command (with its reply) as a JSON line
  --clock <mode>        real (default) | frozen: time stands still (TTLs never run out)
  --stream-io           use Node's socket streams instead of direct socket I/O
  --upstream <url>      proxy every command to the Redis at redis://host:port (one upstream
                        connection per client; with --record, a transcript of real traffic)
  --cluster <n>         start a Redis Cluster of n masters in one process (ports from --port, or free ones)
  --replicas <n>        replicas per master with --cluster (default 0)
  --unformed            with --cluster: the nodes start alone, without slots, for
                        redis-cli --cluster create
  -h, --help            show this help
  -v, --version         show the version
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      requirepass: { type: 'string' },
      user: { type: 'string', multiple: true },
      aclfile: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      databases: { type: 'string' },
      'log-level': { type: 'string' },
      seed: { type: 'string' },
      record: { type: 'string' },
      clock: { type: 'string' },
      'stream-io': { type: 'boolean' },
      cluster: { type: 'string' },
      upstream: { type: 'string' },
      replicas: { type: 'string' },
      unformed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.version) {
    process.stdout.write('redkit 0.1.0\n');
    return;
  }
  const port = values.port !== undefined ? Number(values.port) : 6379;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const databases = values.databases !== undefined ? Number(values.databases) : 16;
  if (!Number.isInteger(databases) || databases < 1) throw new Error(`invalid --databases ${values.databases}`);
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'off'].includes(level)) throw new Error(`invalid --log-level ${level}`);
  let tls;
  if (values['tls-cert'] || values['tls-key']) {
    if (!values['tls-cert'] || !values['tls-key']) throw new Error('--tls-cert and --tls-key go together');
    tls = {
      cert: fs.readFileSync(values['tls-cert']),
      key: fs.readFileSync(values['tls-key']),
      ...(values['tls-ca'] ? { ca: fs.readFileSync(values['tls-ca']), requestCert: true, rejectUnauthorized: true } : {}),
    };
  }
  const clock = values.clock ?? 'real';
  if (clock !== 'real' && clock !== 'frozen') throw new Error(`invalid --clock ${clock} (real | frozen)`);
  const host = values.host ?? '127.0.0.1';
  const directIo = !values['stream-io'];
  if (values.cluster !== undefined) {
    await runCluster(values.cluster, values.replicas ?? '0', values.port !== undefined ? port : undefined, host, level, clock, values.unformed === true);
    return;
  }
  if (values.replicas !== undefined) throw new Error('--replicas goes with --cluster');
  if (values.unformed !== undefined) throw new Error('--unformed goes with --cluster');
  // --user "alice on >pw ~* +@all": name, then its rules.
  const users: Record<string, string> = {};
  for (const u of values.user ?? []) {
    const t = u.trim().split(/\s+/);
    if (t[0] === '') throw new Error('invalid --user (expected "<name> <rules...>")');
    // No rules: a user that exists and is off, as `user alice` in redis.conf.
    users[t[0]] = t.length > 1 ? t.slice(1).join(' ') : 'off';
  }
  const acl = { users, aclfile: values.aclfile };
  if (values.upstream !== undefined) {
    if (values.cluster !== undefined) throw new Error('--upstream and --cluster do not go together');
    if (values.requirepass !== undefined || values.user !== undefined || values.aclfile !== undefined) throw new Error('--upstream: authentication is the upstream\'s (AUTH and HELLO AUTH are forwarded)');
    if (values.seed !== undefined) throw new Error('--upstream: the data is the upstream\'s (no --seed)');
    if (clock !== 'real') throw new Error('--upstream: the clock is the upstream\'s (no --clock)');
  }
  let server: RedKitServer;
  let recordFile: fs.WriteStream | undefined;
  if (values.seed || values.record || clock !== 'real' || values.upstream !== undefined) {
    // Fixture features: seed, recording, virtual clock, upstream mode.
    const redkit = new RedKit({
      port,
      host,
      password: values.requirepass,
      ...acl,
      databases,
      tls,
      logger: { level },
      clock,
      // The file is the record: keep only a few entries in memory.
      record: values.record !== undefined ? { limit: 1000 } : false,
      seed: values.seed,
      directIo,
      upstream: values.upstream,
    });
    if (values.record) {
      const out = fs.createWriteStream(values.record, { flags: 'a' });
      await new Promise<void>((resolve, reject) => {
        out.once('open', () => resolve());
        out.once('error', reject);
      });
      out.on('error', (e) => server.logger.error(`--record ${values.record}: ${e.message}`));
      recordFile = out;
      // One JSON line per command, once it has answered.
      redkit.recorder.onDone = (entry) => {
        out.write(JSON.stringify(entry) + '\n');
      };
    }
    await redkit.start();
    server = redkit.server;
  } else {
    server = createServer({ port, host, requirepass: values.requirepass, ...acl, databases, tls, logger: { level }, directIo });
    await server.listen();
  }
  process.stdout.write(`RedKit ready on ${server.url}${values.upstream !== undefined ? ` in front of ${values.upstream}` : ''} (pid ${process.pid})\n`);
  let stopping = false;
  // SHUTDOWN (the command) ends the process, as it ends redis-server.
  server.ext.onShutdown = () => {
    server.dispose();
    if (recordFile) recordFile.end(() => process.exit(0));
    else process.exit(0);
  };
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    server.logger.info(`${signal} received, shutting down`);
    // As redis-server on SIGINT/SIGTERM: save first when `save` points are configured.
    const persistence = persistenceOf(server);
    if (persistence.hasSavePoints) {
      try {
        persistence.saveSync();
      } catch (e) {
        server.logger.error(`Error trying to save the DB: ${(e as Error).message}`);
      }
    }
    await server.shutdown({ timeout: 5000 });
    server.dispose();
    // Let the --record file reach the disk before exiting.
    if (recordFile) await new Promise<void>((resolve) => recordFile!.end(() => resolve()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** `--cluster n [--replicas m]`: an in-process cluster until SIGINT/SIGTERM. */
async function runCluster(mastersArg: string, replicasArg: string, basePort: number | undefined, host: string, level: LogLevel, clock: 'real' | 'frozen', unformed: boolean): Promise<void> {
  const masters = Number(mastersArg);
  const replicasPerMaster = Number(replicasArg);
  if (!Number.isInteger(masters) || masters < 1 || masters > 1000) throw new Error(`invalid --cluster ${mastersArg}`);
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0 || replicasPerMaster > 100) throw new Error(`invalid --replicas ${replicasArg}`);
  const cluster = await startRedKitCluster({ masters, replicasPerMaster, basePort, host, logger: { level }, clock, record: false, formed: !unformed });
  for (const n of cluster.nodes) {
    if (unformed) process.stdout.write(`node    ${n.id} ${n.host}:${n.port} alone\n`);
    else process.stdout.write(`${n.role === 'master' ? 'master ' : 'replica'} ${n.id} ${n.host}:${n.port}${n.role === 'master' ? ` slots ${rangeText(n.slots)}` : ` of ${n.master?.id}`}\n`);
  }
  process.stdout.write(`RedKit cluster ready on ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(' ')} (pid ${process.pid})\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) process.exit(1);
    stopping = true;
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function rangeText(slots: number[]): string {
  return slots.length === 0 ? '-' : `${slots[0]}-${slots[slots.length - 1]}`;
}

main().catch((e: Error) => {
  process.stderr.write(`redkit: ${e.message}\n`);
  process.exit(1);
});
