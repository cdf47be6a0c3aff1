/**
 * Real Redis clients for the integration tests: ioredis 5 and 6, node-redis
 * 4, 5 and 6 (installed side by side as npm aliases), each in the protocols
 * it speaks. Every client is built the same way here so tests can loop over
 * all of them.
 */
import type tls from 'node:tls';
import IORedis5 from 'ioredis5';
import IORedis6 from 'ioredis6';
import { commandOptions as commandOptions4, createClient as createClient4 } from 'redis4';
import { RESP_TYPES as RESP_TYPES5, createClient as createClient5 } from 'redis5';
import { RESP_TYPES as RESP_TYPES6, createClient as createClient6 } from 'redis6';

export type IORedisLib = 'ioredis5' | 'ioredis6';
export type NodeRedisLib = 'redis4' | 'redis5' | 'redis6';

export interface IORedisVariant {
  family: 'ioredis';
  lib: IORedisLib;
  protocol: 2 | 3;
  /** ioredis 6 only: how RESP3 maps and doubles surface ('legacy' keeps RESP2 shapes). */
  replyMapping?: 'legacy' | 'resp3';
  label: string;
}

export interface NodeRedisVariant {
  family: 'node-redis';
  lib: NodeRedisLib;
  protocol: 2 | 3;
  label: string;
}

export type Variant = IORedisVariant | NodeRedisVariant;

/** ioredis 5 speaks RESP2 only; ioredis 6 defaults to RESP3 (HELLO 3). */
export const IOREDIS_VARIANTS: IORedisVariant[] = [
  { family: 'ioredis', lib: 'ioredis5', protocol: 2, label: 'ioredis5 RESP2' },
  { family: 'ioredis', lib: 'ioredis6', protocol: 2, label: 'ioredis6 RESP2' },
  { family: 'ioredis', lib: 'ioredis6', protocol: 3, label: 'ioredis6 RESP3' },
  { family: 'ioredis', lib: 'ioredis6', protocol: 3, replyMapping: 'resp3', label: 'ioredis6 RESP3 (resp3 mapping)' },
];

/** node-redis 4 speaks RESP2 only; 5 and 6 speak both (`RESP: 3`). */
export const NODE_REDIS_VARIANTS: NodeRedisVariant[] = [
  { family: 'node-redis', lib: 'redis4', protocol: 2, label: 'node-redis4 RESP2' },
  { family: 'node-redis', lib: 'redis5', protocol: 2, label: 'node-redis5 RESP2' },
  { family: 'node-redis', lib: 'redis5', protocol: 3, label: 'node-redis5 RESP3' },
  { family: 'node-redis', lib: 'redis6', protocol: 2, label: 'node-redis6 RESP2' },
  { family: 'node-redis', lib: 'redis6', protocol: 3, label: 'node-redis6 RESP3' },
];

export const VARIANTS: Variant[] = [...IOREDIS_VARIANTS, ...NODE_REDIS_VARIANTS];

export interface ConnectOptions {
  port: number;
  host?: string;
  username?: string;
  password?: string;
  db?: number;
  name?: string;
  /** Connect with TLS using these options (ca, cert, key, servername...). */
  tls?: tls.ConnectionOptions;
  /** Sees the client's 'error' events (otherwise ignored). */
  onError?: (e: Error) => void;
}

/** The ioredis API (5 and 6 share it for everything the tests use). */
export type IORedisClient = InstanceType<typeof IORedis5>;

/**
 * node-redis clients. The three majors share method names for everything the
 * tests use; they are typed as node-redis 5 (RESP2 typings: tests compare
 * values, not static types).
 */
export type NodeRedisClient = ReturnType<typeof createClient5>;

/** Connect an ioredis client; resolves when it is ready (handshake done). */
export async function connectIORedis(v: IORedisVariant, o: ConnectOptions): Promise<IORedisClient> {
  const options = {
    host: o.host ?? '127.0.0.1',
    port: o.port,
    username: o.username,
    password: o.password,
    db: o.db ?? 0,
    connectionName: o.name,
    tls: o.tls,
    lazyConnect: true,
    // Fail fast in tests: no reconnection, no retries.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  };
  const client =
    v.lib === 'ioredis5'
      ? new IORedis5(options)
      : (new IORedis6({ ...options, protocol: v.protocol, ...(v.replyMapping ? { replyMapping: v.replyMapping } : {}) }) as unknown as IORedisClient);
  client.on('error', o.onError ?? (() => {}));
  await client.connect();
  return client;
}

/** Connect a node-redis client; resolves when it is ready. */
export async function connectNodeRedis(v: NodeRedisVariant, o: ConnectOptions): Promise<NodeRedisClient> {
  const socket = {
    host: o.host ?? '127.0.0.1',
    port: o.port,
    reconnectStrategy: false as const,
    ...(o.tls ? { tls: true as const, ...o.tls } : {}),
  };
  const base = { socket, username: o.username, password: o.password, database: o.db, name: o.name };
  let client: NodeRedisClient;
  if (v.lib === 'redis4') client = createClient4(base) as unknown as NodeRedisClient;
  else if (v.lib === 'redis5') client = createClient5({ ...base, RESP: v.protocol }) as unknown as NodeRedisClient;
  else client = createClient6({ ...base, RESP: v.protocol }) as unknown as NodeRedisClient;
  client.on('error', o.onError ?? (() => {}));
  await client.connect();
  return client;
}

export type AnyClient = { variant: IORedisVariant; client: IORedisClient } | { variant: NodeRedisVariant; client: NodeRedisClient };

export async function connect(v: Variant, o: ConnectOptions): Promise<AnyClient> {
  if (v.family === 'ioredis') return { variant: v, client: await connectIORedis(v, o) };
  return { variant: v, client: await connectNodeRedis(v, o) };
}

/** Send one command as is; replies decoded by the client (strings). */
export function call(c: AnyClient, args: Array<string | Buffer>): Promise<unknown> {
  if (c.variant.family === 'ioredis') {
    const [name, ...rest] = args;
    return (c.client as IORedisClient).call(name.toString(), ...rest);
  }
  return (c.client as NodeRedisClient).sendCommand(args);
}

/** Send one command; bulk strings come back as Buffers. */
export function callBuffer(c: AnyClient, args: Array<string | Buffer>): Promise<unknown> {
  if (c.variant.family === 'ioredis') {
    const [name, ...rest] = args;
    return (c.client as IORedisClient).callBuffer(name.toString(), ...rest);
  }
  const client = c.client as NodeRedisClient;
  switch (c.variant.lib) {
    case 'redis4':
      return (client as unknown as ReturnType<typeof createClient4>).sendCommand(args, commandOptions4({ returnBuffers: true }));
    case 'redis5':
      return client.sendCommand(args, { typeMapping: { [RESP_TYPES5.BLOB_STRING]: Buffer } });
    default:
      return (client as unknown as ReturnType<typeof createClient6>).sendCommand(args, { typeMapping: { [RESP_TYPES6.BLOB_STRING]: Buffer } });
  }
}

/**
 * Send many commands in one pipeline (ioredis `pipeline()`, node-redis
 * `multi().execAsPipeline()`), returning the replies in order. node-redis
 * rejects the whole pipeline on the first error reply; see pipelineSettled.
 */
export async function pipeline(c: AnyClient, cmds: string[][]): Promise<unknown[]> {
  if (c.variant.family === 'ioredis') return ioredisPipeline(c.client as IORedisClient, cmds);
  const m = (c.client as NodeRedisClient).multi();
  for (const cmd of cmds) m.addCommand(cmd);
  return m.execAsPipeline();
}

/**
 * A pipeline whose error replies come back in place (as Error objects). For
 * node-redis: commands issued in the same tick, which it writes together
 * (auto-pipelining), each settled on its own.
 */
export async function pipelineSettled(c: AnyClient, cmds: string[][]): Promise<unknown[]> {
  if (c.variant.family === 'ioredis') return ioredisPipeline(c.client as IORedisClient, cmds);
  const client = c.client as NodeRedisClient;
  const settled = await Promise.allSettled(cmds.map((cmd) => client.sendCommand(cmd)));
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason));
}

async function ioredisPipeline(client: IORedisClient, cmds: string[][]): Promise<unknown[]> {
  const p = client.pipeline();
  for (const [name, ...args] of cmds) p.call(name, ...args);
  const res = await p.exec();
  return (res ?? []).map(([err, v]) => err ?? v);
}

/** Close gracefully (QUIT / close), falling back to a hard disconnect. */
export async function close(c: AnyClient): Promise<void> {
  try {
    if (c.variant.family === 'ioredis') await (c.client as IORedisClient).quit();
    else {
      const client = c.client as NodeRedisClient & { quit?: () => Promise<unknown> };
      if (client.isOpen) await (c.variant.lib === 'redis4' ? client.quit!() : client.close());
    }
  } catch {
    disconnect(c);
  }
}

/** Drop the connection without QUIT. */
export function disconnect(c: AnyClient): void {
  if (c.variant.family === 'ioredis') (c.client as IORedisClient).disconnect();
  else {
    // node-redis 5+: destroy(); node-redis 4: disconnect().
    const client = c.client as NodeRedisClient & { disconnect?: () => Promise<void> };
    if (client.isOpen) void (typeof client.destroy === 'function' ? client.destroy() : client.disconnect!());
  }
}
