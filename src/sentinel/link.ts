/**
 * The sentinel's command link to one monitored server: a plain TCP
 * connection speaking RESP2, commands answered in order through callbacks
 * (what hiredis's async context is to redis-sentinel). Nothing here throws
 * out of a socket callback: a socket error closes the link, the callbacks
 * still waiting get `null`, and the owner learns it through `onClose`.
 */
import net from 'node:net';
import { encodeCommand } from '../replication/stream.js';

/** A reply: `error` for `-ERR ...`; `value` is the text of a simple/bulk string or integer (null for a null bulk/array). */
export interface LinkReply {
  error: boolean;
  value: string | null;
}

type Waiter = (reply: LinkReply | null) => void;

export class InstanceLink {
  private socket: net.Socket | null = null;
  private open = false;
  private input = '';
  private waiting: Waiter[] = [];
  private closedByOwner = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly onOpen: () => void,
    private readonly onClose: () => void,
  ) {}

  /** No socket at all: the last one closed (or none was tried yet). */
  get down(): boolean {
    return this.socket === null;
  }

  /** Connected and usable. */
  get connected(): boolean {
    return this.open;
  }

  /** Commands sent and not answered yet (SENTINEL MASTER's link-pending-commands). */
  get pending(): number {
    return this.waiting.length;
  }

  connect(): void {
    if (this.socket !== null || this.closedByOwner) return;
    const s = net.connect({ host: this.host, port: this.port });
    this.socket = s;
    s.setNoDelay(true);
    // The sentinel's own timers and server decide the process's life, not these sockets.
    s.unref();
    s.on('connect', () => {
      if (this.socket !== s) return;
      this.open = true;
      this.guard(this.onOpen);
    });
    s.on('data', (chunk: Buffer) => {
      if (this.socket !== s) return;
      this.input += chunk.toString('latin1');
      this.drain();
    });
    s.on('error', () => {
      // 'close' follows
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.reset();
      this.guard(this.onClose);
    });
  }

  /** Send a command; false when the link is not connected (nothing sent). */
  send(argv: readonly string[], cb: Waiter): boolean {
    if (!this.open || this.socket === null) return false;
    this.waiting.push(cb);
    this.socket.write(encodeCommand(argv));
    return true;
  }

  /** Close the connection (it may be connected again with connect()). */
  kill(): void {
    const s = this.socket;
    if (s === null) return;
    this.reset();
    s.destroy();
    this.guard(this.onClose);
  }

  /** Close for good (sentinel stop). */
  dispose(): void {
    this.closedByOwner = true;
    const s = this.socket;
    this.reset();
    s?.destroy();
  }

  private reset(): void {
    this.socket = null;
    this.open = false;
    this.input = '';
    const w = this.waiting;
    this.waiting = [];
    for (const cb of w) this.call(cb, null);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      // the owner's handlers do not throw; if one did, the link stays consistent
    }
  }

  private call(cb: Waiter, r: LinkReply | null): void {
    try {
      cb(r);
    } catch {
      // idem
    }
  }

  private drain(): void {
    let pos = 0;
    for (;;) {
      const r = parseReply(this.input, pos);
      if (r === null) break;
      if (r === 'bad') {
        this.kill();
        return;
      }
      pos = r.end;
      const cb = this.waiting.shift();
      if (cb !== undefined) this.call(cb, r.reply);
    }
    if (pos !== 0) this.input = this.input.slice(pos);
  }
}

/** One RESP2 reply at `p` of `s` (latin1): the reply and where it ends; null when incomplete; 'bad' for anything else. */
function parseReply(s: string, p: number): { reply: LinkReply; end: number } | null | 'bad' {
  if (p >= s.length) return null;
  const eol = s.indexOf('\r\n', p);
  if (eol < 0) return null;
  const head = s.slice(p + 1, eol);
  switch (s.charCodeAt(p)) {
    case 43: // +
    case 58: // :
      return { reply: { error: false, value: head }, end: eol + 2 };
    case 45: // -
      return { reply: { error: true, value: head }, end: eol + 2 };
    case 36: {
      // $
      const n = Number(head);
      if (!Number.isInteger(n)) return 'bad';
      if (n < 0) return { reply: { error: false, value: null }, end: eol + 2 };
      if (s.length < eol + 2 + n + 2) return null;
      return { reply: { error: false, value: s.slice(eol + 2, eol + 2 + n) }, end: eol + 2 + n + 2 };
    }
    case 42: {
      // * (not sent for PING/INFO/PUBLISH/...; skipped whole)
      const n = Number(head);
      if (!Number.isInteger(n)) return 'bad';
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const e = parseReply(s, end);
        if (e === null || e === 'bad') return e;
        end = e.end;
      }
      return { reply: { error: false, value: null }, end };
    }
    default:
      return 'bad';
  }
}
