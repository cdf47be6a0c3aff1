/**
 * A raw RESP client for tests: sends commands, returns each reply's exact
 * bytes (so differential tests can compare RedKit with redis-server byte for byte).
 */
import net from 'node:net';

/** Length in bytes of the complete reply starting at `pos`, or -1 if incomplete. */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const t = buf[pos];
  const line = buf.latin1Slice(pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case 0x2b: // +
    case 0x2d: // -
    case 0x3a: // :
    case 0x5f: // _
    case 0x2c: // ,
    case 0x23: // #
    case 0x28: // (
      return p - pos;
    case 0x24: // $
    case 0x3d: // =
    case 0x21: {
      // !
      const n = Number(line);
      if (n < 0) return p - pos;
      if (buf.length < p + n + 2) return -1;
      return p + n + 2 - pos;
    }
    case 0x2a: // *
    case 0x7e: // ~
    case 0x3e: // >
    case 0x25: {
      // %
      let n = Number(line);
      if (n < 0) return p - pos;
      if (t === 0x25) n *= 2;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      return p - pos;
    }
    case 0x7c: {
      // | attribute: map followed by the actual reply
      const n = Number(line) * 2;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l < 0) return -1;
        p += l;
      }
      const l = replyLength(buf, p);
      return l < 0 ? -1 : p + l - pos;
    }
    default:
      throw new Error(`bad RESP type byte 0x${t.toString(16)} at ${pos}: ${JSON.stringify(buf.latin1Slice(pos, pos + 40))}`);
  }
}

export function encodeCommand(args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Several commands in one buffer, as a pipelining client writes them. */
export function encodePipeline(cmds: Array<Array<string | Buffer>>): Buffer {
  return Buffer.concat(cmds.map((c) => encodeCommand(c)));
}

/**
 * A fake Redis for a server's outgoing connections (MIGRATE's target): `serve` answers +OK to each
 * complete command a socket sends, `received()` is every byte received so far.
 */
export function okPerCommand(): { serve(s: net.Socket): void; received(): Buffer } {
  let got = Buffer.alloc(0);
  let answered = 0;
  return {
    serve(s) {
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        let pos = 0;
        let n = 0;
        for (;;) {
          const len = replyLength(got.subarray(pos));
          if (len < 0) break;
          pos += len;
          n++;
        }
        for (; answered < n; answered++) s.write('+OK\r\n');
      });
    },
    received: () => got,
  };
}

/** Connections a test opens and closes together (closeAll in a beforeEach/afterAll). */
export class RawClientPool {
  private readonly open: RawClient[] = [];

  async connect(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    this.open.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.close();
  }
}

/** FLUSHALL on the server at `port`, on a connection of its own. */
export async function flushAll(port: number): Promise<void> {
  const d = await RawClient.connect(port);
  await d.call('FLUSHALL');
  d.close();
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Send bytes as they are. */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send one command (multibulk). */
  send(...args: Array<string | Buffer>): void {
    this.socket.write(encodeCommand(args));
  }

  /** The next complete reply's bytes (latin1 string). Rejects on timeout or close. */
  async read(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = replyLength(this.buf);
      if (n >= 0) {
        const out = this.buf.latin1Slice(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; pending bytes: ${JSON.stringify(this.buf.latin1Slice())}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a reply; pending bytes: ${JSON.stringify(this.buf.latin1Slice())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Send a command and read its reply bytes. */
  async call(...args: Array<string | Buffer>): Promise<string> {
    this.send(...args);
    return this.read();
  }

  /** Everything received until the peer closes (or timeout). */
  async readUntilClose(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.buf.latin1Slice();
    this.buf = Buffer.alloc(0);
    return out;
  }

  /** Bytes received so far and not read. */
  pending(): string {
    return this.buf.latin1Slice();
  }

  close(): void {
    this.socket.destroy();
  }
}
