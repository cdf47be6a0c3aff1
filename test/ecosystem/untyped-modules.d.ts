/**
 * Types for the libraries the ecosystem tests and recipes use that ship none
 * we can reach: express 5 and express-session have no bundled types (and no
 * @types packages are installed), redlock 5's types are not reachable
 * through its package.json "exports". Only what the tests call.
 */
declare module 'express' {
  import type { IncomingMessage, ServerResponse, Server } from 'node:http';
  export interface Request extends IncomingMessage {
    params: Record<string, string>;
    ip?: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    session: any;
  }
  export interface Response extends ServerResponse {
    status(code: number): Response;
    json(body: unknown): Response;
    send(body?: unknown): Response;
  }
  export type NextFunction = (err?: unknown) => void;
  export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
  export interface Application {
    (req: IncomingMessage, res: ServerResponse): void;
    use(...handlers: Array<string | Handler>): Application;
    get(path: string, ...handlers: Handler[]): Application;
    post(path: string, ...handlers: Handler[]): Application;
    set(name: string, value: unknown): Application;
    listen(port: number, host: string, cb?: () => void): Server;
  }
  function express(): Application;
  export default express;
}

declare module 'express-session' {
  import type { Handler } from 'express';
  import { EventEmitter } from 'node:events';
  export interface SessionData {
    cookie?: Record<string, unknown>;
  }
  export class Store extends EventEmitter {}
  export interface SessionOptions {
    store?: Store;
    secret: string | string[];
    resave?: boolean;
    saveUninitialized?: boolean;
    rolling?: boolean;
    name?: string;
    cookie?: { maxAge?: number; secure?: boolean; httpOnly?: boolean; path?: string };
  }
  function session(options: SessionOptions): Handler;
  export default session;
}

declare module 'redlock' {
  import { EventEmitter } from 'node:events';
  import type { Redis, Cluster } from 'ioredis';
  type Client = Redis | Cluster;
  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }
  export interface ExecutionStats {
    readonly membershipSize: number;
    readonly quorumSize: number;
    readonly votesFor: Set<Client>;
    readonly votesAgainst: Map<Client, Error>;
  }
  export interface ExecutionResult {
    attempts: ReadonlyArray<Promise<ExecutionStats>>;
  }
  export class ResourceLockedError extends Error {}
  export class ExecutionError extends Error {
    readonly attempts: ReadonlyArray<Promise<ExecutionStats>>;
  }
  export class Lock {
    readonly redlock: Redlock;
    readonly resources: string[];
    readonly value: string;
    readonly attempts: ReadonlyArray<Promise<ExecutionStats>>;
    expiration: number;
    release(): Promise<ExecutionResult>;
    extend(duration: number): Promise<Lock>;
  }
  export type RedlockAbortSignal = AbortSignal & { error?: Error };
  export default class Redlock extends EventEmitter {
    readonly clients: Set<Client>;
    readonly settings: Settings;
    readonly scripts: {
      readonly acquireScript: { value: string; hash: string };
      readonly extendScript: { value: string; hash: string };
      readonly releaseScript: { value: string; hash: string };
    };
    constructor(clients: Iterable<Client>, settings?: Partial<Settings>);
    quit(): Promise<void>;
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    release(lock: Lock, settings?: Partial<Settings>): Promise<ExecutionResult>;
    extend(existing: Lock, duration: number, settings?: Partial<Settings>): Promise<Lock>;
    using<T>(
      resources: string[],
      duration: number,
      routine: (signal: RedlockAbortSignal) => Promise<T>,
    ): Promise<T>;
    using<T>(
      resources: string[],
      duration: number,
      settings: Partial<Settings>,
      routine: (signal: RedlockAbortSignal) => Promise<T>,
    ): Promise<T>;
  }
}
