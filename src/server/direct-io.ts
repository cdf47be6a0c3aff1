/**
 * Plain TCP sockets read and written below Node's stream layer.
 *
 * net.Socket delivers every read through a Readable (a fresh 64 KB
 * ArrayBuffer, a Buffer, push, 'data') and sends every write through a
 * Writable (a WriteWrap, state bookkeeping, a nextTick per write). At
 * `redis-benchmark -P 16` that machinery costs as much CPU as parsing and
 * running the commands. A connection on a plain TCP (or pipe) socket instead:
 *
 * - reads into one buffer shared by all connections, with the handle's
 *   `useUserBuffer` (the mechanism behind net.Socket's public `onread`
 *   option, which accepted sockets cannot be given). The bytes are parsed
 *   and run before the handler returns, and the parser copies what is left
 *   of an unfinished command (`RequestParser.detach`), so the next read may
 *   overwrite the buffer. End of stream and errors go to Node's own handler,
 *   so 'end', 'close' and 'error' happen as before.
 * - writes with the handle's `writeBuffer`: the kernel usually takes
 *   everything at once and the call returns with nothing to clean up; when it
 *   does not, libuv queues the rest in order (a later write, through this
 *   path or the stream, queues behind it) and `oncomplete` reports it sent.
 *
 * These are Node internals (`process.binding('stream_wrap')`,
 * `socket._handle`), the same ones net.Socket is built on. They are checked
 * once; without them, for TLS sockets, with an idle timeout (Node's socket
 * timer is refreshed by the stream path), or with the server option
 * `directIo: false`, connections use the stream path.
 */
import type { Socket } from 'node:net';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  /** Ours: who to tell when an async write finishes, and how much it still held. */
  io: DirectIo | null;
  queued: number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

interface StreamHandle {
  onread: (this: StreamHandle, ab?: ArrayBuffer) => unknown;
  useUserBuffer(buf: Uint8Array): void;
  writeBuffer(req: WriteReq, buf: Uint8Array): number;
}

let binding: StreamWrapBinding | null | undefined;

function loadBinding(): StreamWrapBinding | null {
  try {
    // process.binding is deprecated in documentation only; with
    // --pending-deprecation it warns, so do without it then.
    const pending =
      process.execArgv.includes('--pending-deprecation') ||
      /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '') ||
      process.env.NODE_PENDING_DEPRECATION === '1';
    const fn = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (pending || typeof fn !== 'function') return null;
    const b = fn.call(process, 'stream_wrap') as Partial<StreamWrapBinding>;
    if (
      typeof b.WriteWrap !== 'function' ||
      !(b.streamBaseState instanceof Int32Array) ||
      typeof b.kReadBytesOrError !== 'number' ||
      typeof b.kLastWriteWasAsync !== 'number'
    ) {
      return null;
    }
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

/** The read buffer shared by all direct connections (each read is consumed before the next). */
const READ_SIZE = 64 * 1024;
let readBuffer: Buffer | null = null;
/** Views of readBuffer by length, up to VIEW_CACHE_MAX bytes (short reads repeat their lengths). */
const VIEW_CACHE_MAX = 2048;
const readViews: Array<Buffer | undefined> = new Array(VIEW_CACHE_MAX + 1);
/** A WriteWrap no write has kept (synchronous writes leave it untouched), for the next write. */
let spareReq: WriteReq | null = null;

function onWriteDone(this: WriteReq, status: number): void {
  const io = this.io;
  this.io = null;
  this.buffer = null;
  if (io !== null) io.writeDone(this.queued, status);
}

export class DirectIo {
  /** Bytes accepted by writes that are still queued in libuv. */
  queued = 0;
  /**
   * The socket's writable side is ending: set by Connection.end() and on the readable side's
   * 'end' (net.Socket ends a socket that is not half-open then). A field of ours, because
   * Node's `writableEnded` getter (a bit of the stream state, behind two prototypes) was a
   * slow lookup on every write.
   */
  ending = false;
  private readonly socket: Socket;
  private readonly handle: StreamHandle;
  private readonly state: Int32Array;
  private readonly b: StreamWrapBinding;
  private readonly onDrained: () => void;
  /** The binding's kLastWriteWasAsync, read once (the binding object is a slow one to look up in). */
  private readonly kAsync: number;

  /**
   * Direct I/O for `socket`, or null when it must use the stream path.
   * `onBytes` receives each read (valid only until it returns);
   * `onDrained` runs when the last queued write has gone out.
   */
  static attach(socket: Socket, onBytes: (b: Buffer) => void, onDrained: () => void): DirectIo | null {
    if (binding === undefined) binding = loadBinding();
    if (binding === null) return null;
    const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
    if (
      h == null ||
      (socket as { encrypted?: boolean }).encrypted === true ||
      typeof h.useUserBuffer !== 'function' ||
      typeof h.writeBuffer !== 'function' ||
      typeof h.onread !== 'function'
    ) {
      return null;
    }
    const io = new DirectIo(socket, h as StreamHandle, binding, onBytes, onDrained);
    socket.once('end', () => {
      io.ending = true;
    });
    return io;
  }

  private constructor(socket: Socket, h: StreamHandle, b: StreamWrapBinding, onBytes: (b: Buffer) => void, onDrained: () => void) {
    this.socket = socket;
    this.handle = h;
    this.b = b;
    this.state = b.streamBaseState;
    this.kAsync = b.kLastWriteWasAsync;
    this.onDrained = onDrained;
    if (readBuffer === null) readBuffer = Buffer.allocUnsafe(READ_SIZE);
    const buf = readBuffer;
    const state = this.state;
    const kRead = b.kReadBytesOrError;
    const streamRead = h.onread;
    h.useUserBuffer(buf);
    h.onread = function (this: StreamHandle, ab?: ArrayBuffer) {
      const n = state[kRead];
      if (n > 0) {
        // Destroyed: net.Socket's _destroy closes the handle and drops it (`_handle = null`) at
        // once, so a handle that is no longer the socket's is a destroyed socket (cheaper than
        // the `destroyed` getter, which reads both stream states, on every read).
        if ((socket as unknown as { _handle: unknown })._handle !== h) return undefined;
        let view = n <= VIEW_CACHE_MAX ? readViews[n] : undefined;
        if (view === undefined) {
          view = buf.subarray(0, n);
          if (n <= VIEW_CACHE_MAX) readViews[n] = view;
        }
        onBytes(view);
        return undefined;
      }
      // 0 (nothing yet), end of stream or an error: Node's handler.
      return streamRead.call(this, ab);
    };
  }

  /**
   * Write `buf`. True when the kernel took all of it (the caller may reuse
   * the memory at once); false when the rest is queued and `buf` must not
   * change until it is sent (the write keeps a reference). A socket that is
   * closing or ending is written through the stream, which reports the error.
   */
  write(buf: Buffer): boolean {
    const s = this.socket;
    const h = this.handle;
    if ((s as unknown as { _handle: unknown })._handle !== h || this.ending) {
      s.write(buf);
      return false;
    }
    let req = spareReq;
    if (req === null) {
      req = new this.b.WriteWrap();
      req.oncomplete = onWriteDone;
      req.async = false;
      req.bytes = 0;
      req.buffer = null;
      req.io = null;
      req.queued = 0;
    }
    spareReq = null;
    req.handle = h;
    const err = h.writeBuffer(req, buf);
    if (err !== 0) {
      // Not reused: a failed write may have been handed to the native side.
      s.destroy();
      return false;
    }
    if (this.state[this.kAsync] === 0) {
      spareReq = req;
      return true;
    }
    // Counted whole until done, as net.Socket's writableLength counts a chunk
    // (what the kernel took at once is not reported separately).
    const queued = buf.length;
    req.async = true;
    req.buffer = buf;
    req.io = this;
    req.queued = queued;
    this.queued += queued;
    return false;
  }

  /** An async write finished (status < 0: failed, e.g. the socket was closed). */
  writeDone(queued: number, status: number): void {
    this.queued -= queued;
    if (status < 0) {
      if (!this.socket.destroyed) this.socket.destroy();
      return;
    }
    if (this.queued === 0) this.onDrained();
  }
}
