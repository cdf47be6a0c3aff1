/**
 * Bytes of the replication stream: a command as a RESP multibulk (what a
 * master sends and a replica counts in its offset), and an incremental
 * reader of the master's replies and stream on the replica side.
 */

/** `*N\r\n$len\r\narg\r\n...` for binary (latin1) arguments. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let n = 1 + String(argv.length).length + 2;
  for (const a of argv) n += 1 + String(a.length).length + 2 + a.length + 2;
  const b = Buffer.allocUnsafe(n);
  let o = b.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const a of argv) {
    o += b.write(`$${a.length}\r\n`, o, 'latin1');
    o += b.write(a, o, 'latin1');
    b[o++] = 13;
    b[o++] = 10;
  }
  return b;
}

/** A random 40-hex-digit replication id (Redis's changeReplicationId). */
export function randomReplId(): string {
  let s = '';
  for (let i = 0; i < 40; i++) s += '0123456789abcdef'[Math.floor(Math.random() * 16)];
  return s;
}

/** Input of a replica's link to its master, consumed piece by piece. */
export class LinkReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Skip the newlines a master sends as keepalive while it prepares the payload. */
  skipNewlines(): void {
    while (this.pos < this.buf.length && this.buf[this.pos] === 10) this.pos++;
  }

  /** One `\r\n`-terminated line (without it), or null when incomplete. */
  line(): string | null {
    const i = this.buf.indexOf(10, this.pos);
    if (i < 0) return null;
    const end = i > this.pos && this.buf[i - 1] === 13 ? i - 1 : i;
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = i + 1;
    return s;
  }

  /** `n` bytes, or null when incomplete. */
  bytes(n: number): Buffer | null {
    if (this.available < n) return null;
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }

  /**
   * One multibulk command of the stream: its arguments and its size in
   * bytes; null when incomplete; an Error when the stream is not RESP.
   */
  command(): { argv: string[]; size: number } | null | Error {
    const b = this.buf;
    let p = this.pos;
    const end = b.length;
    if (p >= end) return null;
    if (b[p] !== 42 /* * */) {
      // An inline command (a bare newline is the keepalive of older masters).
      const i = b.indexOf(10, p);
      if (i < 0) return null;
      const text = b.toString('latin1', p, i).replace(/\r$/, '');
      const size = i + 1 - p;
      this.pos = i + 1;
      const argv = text.split(' ').filter((t) => t !== '');
      return { argv, size };
    }
    const readInt = (): number | null => {
      const i = b.indexOf(10, p);
      if (i < 0) return null;
      const n = Number(b.toString('latin1', p + 1, b[i - 1] === 13 ? i - 1 : i));
      p = i + 1;
      return n;
    };
    const count = readInt();
    if (count === null) return null;
    if (!Number.isInteger(count) || count < 0) return new Error('bad multibulk count');
    const argv: string[] = [];
    for (let k = 0; k < count; k++) {
      if (p >= end) return null;
      if (b[p] !== 36 /* $ */) return new Error(`expected '$', got '${String.fromCharCode(b[p])}'`);
      const len = readInt();
      if (len === null) return null;
      if (!Number.isInteger(len) || len < 0) return new Error('bad bulk length');
      if (p + len + 2 > end) return null;
      argv.push(b.toString('latin1', p, p + len));
      p += len + 2;
    }
    const size = p - this.pos;
    this.pos = p;
    return { argv, size };
  }
}
