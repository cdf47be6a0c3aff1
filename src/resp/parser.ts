/**
 * Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline
 * commands, with Redis's limits and protocol errors.
 *
 * - Works on offsets into the current read buffer; arguments come out as
 *   binary ("latin1") strings, so nothing keeps a view of a socket buffer.
 * - A bulk that does not fit in what has arrived is assembled once, into a
 *   buffer of exactly its size, not by repeated concatenation.
 * - `next()` returns one command at a time so the connection can stop between
 *   commands (a blocked client does not run the rest of its pipeline).
 */
import { Err } from '../errors.js';
import { realSetImmediate } from '../clock/timers.js';
import { binaryString } from './bytes.js';

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
export const PROTO_MAX_MULTIBULK = 2147483647; // INT_MAX, as Redis 7
export const UNAUTH_MAX_MULTIBULK = 10;
export const UNAUTH_MAX_BULK = 16384;
/** Bulks at least this large are assembled in a dedicated buffer. */
const BIG_ARG = 32 * 1024;

export class ProtocolError {
  constructor(readonly message: string) {}
}

export interface ParsedCommand {
  /** The command name as sent (binary string, original case). */
  name: string;
  /** The arguments after the name (binary strings). */
  args: string[];
}

export class RequestParser {
  /** `proto-max-bulk-len`. */
  maxBulkLen = 512 * 1024 * 1024;
  /** When true, Redis's tighter limits for unauthenticated clients apply. */
  unauthenticated = false;
  /**
   * The most the caller's socket reads deliver at once (Node: 64 KB), or 0.
   * A read that filled it was probably cut short of what the kernel held:
   * Redis's read in progress then goes on into the next chunk (see `carry`).
   */
  sourceReadSize = 0;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /**
   * Redis's reads, replayed (see startRead): commands are parsed only up to
   * `end`, the end of the read redis-server would have made, since Redis
   * judges the 64 KB line limits after each read. Usually one read covers a
   * whole chunk and `end` is the buffer's end.
   */
  private end = 0;
  /** sdsalloc(querybuf) of the Redis client being replayed. */
  private qAlloc = SDS_EMPTY_ALLOC;
  /** sdslen(querybuf) after the last read: Redis trims what it consumed only once the whole read is processed. */
  private qLen = 0;
  /** querybuf_peak: the longest the query buffer was since the last cron (clientsCronResizeQueryBuffer). */
  private qPeak = 0;
  /** Bytes the current read would still take from the next chunk (the last chunk filled the source's read). */
  private carry = 0;
  private carryEpoch = 0;
  /** Set when a line limit could not be judged because the read was carried. */
  deferredCheck = false;
  /** The big bulk being read had the query buffer to itself (Redis hands it over when complete). */
  private bigOwnsQuery = false;
  private lastChunkFull = false;
  /**
   * Growable buffer for input that arrives before the previous input was
   * consumed (a partial command, or a client pipelining while the connection
   * waits for an async reply): appended to with amortised growth, never by
   * concatenating everything again. `buf` is then a view of its first bytes.
   */
  private own: Buffer | null = null;
  private bufIsOwn = false;

  // multibulk state
  private mbRemaining = 0; // arguments still to read in the current multibulk
  private bulkLen = -1; // length of the bulk being read, -1 when reading its header
  private name: string | undefined = undefined;
  private args: string[] = [];
  // big bulk assembly
  private big: Buffer | null = null;
  private bigFilled = 0;

  /** Bytes received and not yet consumed. */
  get pending(): number {
    return this.buf.length - this.pos + (this.big ? this.bigFilled : 0);
  }

  /** True while in the middle of a command. */
  get midCommand(): boolean {
    return this.mbRemaining > 0 || this.big !== null || this.pos < this.buf.length;
  }

  // ---- Redis's query buffer as CLIENT LIST reports it (qbuf, qbuf-free, argv-mem) ----

  /**
   * sdslen(querybuf). For the client whose command is running, the whole read
   * being processed (consumed commands included: Redis trims after the read);
   * for the others, the input not consumed yet (an unfinished element).
   */
  queryLen(running: boolean): number {
    return running ? this.qLen : this.pending;
  }

  /** sdsalloc(querybuf). */
  get queryAlloc(): number {
    return this.qAlloc;
  }

  /** sdsZmallocSize(querybuf): the allocation, header and NUL included (tot-mem). */
  get queryMem(): number {
    const a = this.qAlloc;
    return jemallocSize((a < 32 ? 1 : sdsHeader(a)) + a + 1);
  }

  /** Bytes and count of the arguments of the unfinished command parsed so far (argv_len_sum, argc). */
  partialArgv(): [number, number] {
    if (this.mbRemaining === 0 || this.name === undefined) return [0, 0];
    let n = this.name.length;
    for (const a of this.args) n += a.length;
    return [n, this.args.length + 1];
  }

  /**
   * One run of clientsCronResizeQueryBuffer (Redis 7.0, every 100 ms per
   * client): a query buffer wasting more than 4 KB loses its free space when
   * the client was idle more than 2 seconds, or is cut down to the recent
   * peak when over 32 KB and more than twice that peak; then the peak
   * restarts from the current length (or the bulk being read).
   */
  cronResize(idleSeconds: number): void {
    const len = this.qLenIdle();
    const alloc = this.qAlloc;
    if (alloc - len > 4 * 1024) {
      if (idleSeconds > 2) this.qAlloc = len;
      else if (alloc > RESIZE_THRESHOLD && alloc / 2 > this.qPeak) {
        let size = len > this.qPeak ? len : this.qPeak;
        if (this.bulkLen >= 0 && size < this.bulkLen + 2) size = this.bulkLen + 2;
        this.qAlloc = size;
      }
    }
    this.qPeak = len;
    if (this.bulkLen >= 0 && this.bulkLen + 2 > this.qPeak) this.qPeak = this.bulkLen + 2;
    // The real buffers follow: nothing big stays allocated for an idle client.
    if (this.pos >= this.buf.length && this.big === null && this.own !== null && this.own.length > 16 * 1024) this.own = null;
  }

  /** sdslen(querybuf) between reads: what is not consumed. */
  private qLenIdle(): number {
    return this.pending;
  }

  feed(chunk: Buffer): void {
    this.lastChunkFull = this.sourceReadSize > 0 && chunk.length >= this.sourceReadSize;
    if (this.carry > 0 && this.carryEpoch !== epoch) this.carry = 0; // the read it belonged to is over
    if (this.big !== null) {
      // Copy straight into the big argument buffer.
      const need = this.big.length - this.bigFilled;
      if (need > 0) {
        const n = chunk.length < need ? chunk.length : need;
        chunk.copy(this.big, this.bigFilled, 0, n);
        this.bigFilled += n;
        if (n === chunk.length) return;
        chunk = chunk.subarray(n);
      }
    }
    if (this.pos >= this.buf.length) {
      // Everything before was consumed: parse straight from the chunk.
      if (this.own !== null && this.own.length > OWN_KEEP_MAX) this.own = null;
      this.setBuffer(chunk);
    } else this.append(chunk);
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.pos = 0;
    this.end = 0;
    this.bufIsOwn = false;
  }

  /**
   * Stop referring to the buffer last given to feed(): copy what is left of
   * it (an unfinished command, or commands not yet run) into the parser's own
   * buffer. For a caller that reuses its read buffer.
   */
  detach(): void {
    if (this.bufIsOwn) return;
    if (this.pos < this.buf.length) this.append(EMPTY);
    else this.setBuffer(EMPTY);
  }

  /** Keep the unconsumed bytes and append `chunk` (amortised O(1) per byte). */
  private append(chunk: Buffer): void {
    const buf = this.buf;
    const rest = buf.length - this.pos;
    const total = rest + chunk.length;
    let own = this.own;
    if (this.bufIsOwn && own !== null && buf.length + chunk.length <= own.length) {
      chunk.copy(own, buf.length);
      this.buf = own.subarray(0, buf.length + chunk.length);
      return;
    }
    this.end -= this.pos;
    if (own === null || own.length < total * 2) {
      own = Buffer.allocUnsafe(Math.max(total * 2, 16 * 1024));
      buf.copy(own, 0, this.pos);
      this.own = own;
    } else if (this.bufIsOwn) own.copyWithin(0, this.pos, buf.length);
    else buf.copy(own, 0, this.pos);
    chunk.copy(own, rest);
    this.buf = own.subarray(0, total);
    this.pos = 0;
    this.bufIsOwn = true;
  }

  /** Drop all state (connection closing). */
  reset(): void {
    this.setBuffer(EMPTY);
    this.qAlloc = SDS_EMPTY_ALLOC;
    this.qLen = 0;
    this.qPeak = 0;
    this.carry = 0;
    this.deferredCheck = false;
    this.bigOwnsQuery = false;
    this.own = null;
    this.mbRemaining = 0;
    this.bulkLen = -1;
    this.name = undefined;
    this.args = [];
    this.big = null;
    this.bigFilled = 0;
  }

  /** The name of the command the last nextArgs() returned. */
  cmdName = '';

  /**
   * The next complete command, or null when more bytes are needed.
   * Throws ProtocolError on malformed input (the caller replies and closes).
   */
  next(): ParsedCommand | null {
    const args = this.nextArgs();
    return args === null ? null : { name: this.cmdName, args };
  }

  /**
   * next() without its `{ name, args }` object (the connection's loop, once per
   * command): the arguments after the name, the name in `cmdName`.
   */
  nextArgs(): string[] | null {
    // A new read starts, or the read carried over from the last chunk goes on into this one
    // (after a big bulk that feed() completed: once it is taken, in the loop below).
    if ((this.pos === this.end || this.carry > 0) && this.end < this.buf.length && (this.big === null || this.bigFilled < this.big.length)) this.startRead();
    for (;;) {
      // Fast path: a whole, ordinary multibulk command already in the buffer.
      if (this.mbRemaining === 0 && this.big === null && !this.unauthenticated && this.pos < this.end && this.buf[this.pos] === 0x2a) {
        const args = this.fastCommand();
        if (args !== undefined) return args;
      }
      const cmd = this.slowNext();
      if (cmd !== null) {
        this.cmdName = cmd.name;
        return cmd.args;
      }
      if (this.end >= this.buf.length) return null;
      this.startRead();
    }
  }

  /**
   * The read redis-server 7.0 makes next (readQueryFromClient): 16 KB while
   * its query buffer is small, then whatever room sdsMakeRoomFor's greedy
   * growth left (jemalloc size classes), or exactly the rest of a bulk of
   * 32 KB or more. `end` moves to where that read stops.
   */
  private startRead(qlenAt = -1): void {
    const avail = this.buf.length - this.end;
    if (this.carry > 0) {
      const take = avail < this.carry ? avail : this.carry;
      this.carry -= take;
      this.end += take;
      this.qLen += take;
      if (this.qLen > this.qPeak) this.qPeak = this.qLen;
      return;
    }
    // What Redis's query buffer still holds: the unconsumed bytes (a big bulk: what has arrived of it).
    const qlen = qlenAt >= 0 ? qlenAt : this.big !== null ? this.bigFilled : this.end - this.pos;
    let readlen = IOBUF_LEN;
    if (this.big !== null || (this.mbRemaining > 0 && this.bulkLen >= BIG_ARG)) {
      const remaining = (this.big !== null ? this.big.length : this.bulkLen + 2) - qlen;
      if (remaining > 0) readlen = remaining;
      this.qAlloc = sdsMakeRoom(qlen, this.qAlloc, readlen, false);
    } else if (this.qAlloc < IOBUF_LEN) {
      this.qAlloc = sdsMakeRoom(qlen, this.qAlloc, readlen, false);
    } else {
      this.qAlloc = sdsMakeRoom(qlen, this.qAlloc, readlen, true);
      readlen = this.qAlloc - qlen;
    }
    const take = avail < readlen ? avail : readlen;
    this.end += take;
    this.qLen = qlen + take;
    if (this.qLen > this.qPeak) this.qPeak = this.qLen;
    if (take < readlen && this.lastChunkFull) {
      this.carry = readlen - take;
      this.carryEpoch = nextEpoch();
    }
  }

  /** A line of `n` bytes has no end yet: too big when Redis would have said so after this read. */
  private lineTooBig(n: number): boolean {
    if (n <= PROTO_INLINE_MAX_SIZE) return false;
    if (this.carry > 0) {
      // The read may go on in the next chunk: judge when it ends (endCarriedRead).
      this.deferredCheck = true;
      return false;
    }
    return true;
  }

  /**
   * Everything received counts as read, to be parsed in one go (input that
   * arrived while the connection waited for an asynchronous reply).
   */
  readAll(): void {
    const n = this.buf.length - this.end;
    if (n <= 0 || this.big !== null) return;
    this.qAlloc = sdsMakeRoom(this.end - this.pos, this.qAlloc < IOBUF_LEN ? IOBUF_LEN : this.qAlloc, n, true);
    this.qLen = this.buf.length - this.pos;
    if (this.qLen > this.qPeak) this.qPeak = this.qLen;
    this.end = this.buf.length;
    this.carry = 0;
    this.deferredCheck = false;
  }

  /** The read carried over from a full chunk got nothing more: it ended where the data did. */
  endCarriedRead(): void {
    this.carry = 0;
    this.deferredCheck = false;
  }

  /**
   * Parse one complete multibulk command of small arguments in one go (its
   * arguments; the name in cmdName), or return undefined (incomplete, large, unusual or malformed: the general
   * parser below handles it, from the same position).
   */
  private fastCommand(): string[] | undefined {
    const buf = this.buf;
    // The whole buffer: a command that goes past the replayed read is taken at once,
    // and the reads it spans are replayed after (replayReads), which costs nothing here.
    const len = buf.length;
    let p = this.pos + 1;
    let c = buf[p];
    if (c < 49 || c > 57) return undefined; // first digit 1-9
    let n = c - 48;
    p++;
    while (p < len && (c = buf[p]) >= 48 && c <= 57) {
      n = n * 10 + c - 48;
      p++;
    }
    if (n > FAST_MAX_ARGS || p + 1 >= len || buf[p] !== 13) return undefined;
    p += 2;
    let name: string | undefined;
    const args: string[] = new Array(n - 1);
    for (let i = 0; i < n; i++) {
      if (p >= len || buf[p] !== 0x24) return undefined;
      const s = ++p;
      let l = 0;
      while (p < len && (c = buf[p]) >= 48 && c <= 57) {
        l = l * 10 + c - 48;
        p++;
      }
      if (p === s || p + 1 >= len || buf[p] !== 13 || (buf[s] === 48 && p - s > 1) || l >= BIG_ARG || l > this.maxBulkLen) return undefined;
      p += 2;
      if (p + l + 2 > len) return undefined;
      if (name === undefined) name = l <= NAME_INTERN_MAX ? intern(buf, p, l) : binaryString(buf, p, l);
      else args[i - 1] = l <= ARG_INTERN_MAX ? intern(buf, p, l) : l === SHA1_HEX ? sha1Hex(buf, p) : binaryString(buf, p, l);
      p += l + 2; // CRLF after the data is skipped, not checked (as Redis)
    }
    if (p > this.end) this.replayReads(this.pos, p);
    this.pos = p;
    if (p >= buf.length) this.setBuffer(EMPTY);
    this.cmdName = name as string;
    return args;
  }

  /**
   * The reads Redis made while the command at [start, stop) arrived (parsed
   * whole by fastCommand, past `end`): at each read's end Redis held the
   * bytes from the first element (count line, bulk header, bulk data) not
   * yet complete. No line of it can be too big; only the query buffer's
   * growth, and so where later reads stop, depends on them.
   */
  private replayReads(start: number, stop: number): void {
    const buf = this.buf;
    let e0 = start; // the element Redis is reading: [e0, e1)
    let i = start + 1;
    while (buf[i] !== 13) i++;
    let e1 = i + 2; // after the count line
    let dataNext = false;
    let dataLen = 0;
    while (this.end < stop) {
      while (e1 <= this.end) {
        e0 = e1;
        if (dataNext) {
          e1 = e0 + dataLen + 2;
          dataNext = false;
        } else {
          i = e0 + 1;
          dataLen = 0;
          while (buf[i] !== 13) dataLen = dataLen * 10 + buf[i++] - 48;
          e1 = i + 2;
          dataNext = true;
        }
      }
      const before = this.end;
      this.startRead(this.end - e0);
      if (this.end === before) return; // no more input (cannot happen: the command is all here)
    }
  }

  private slowNext(): ParsedCommand | null {
    for (;;) {
      if (this.big !== null) {
        const big = this.big;
        if (this.pos < this.end) {
          // Bytes of the big bulk that arrived behind other input.
          const need = big.length - this.bigFilled;
          const n = this.end - this.pos < need ? this.end - this.pos : need;
          this.buf.copy(big, this.bigFilled, this.pos, this.pos + n);
          this.bigFilled += n;
          this.pos += n;
        }
        if (this.bigFilled < big.length) return null;
        this.big = null;
        this.bigFilled = 0;
        this.bigDone(big.length - 2);
        // The trailing CRLF is not checked, as in Redis.
        this.pushArg(big.latin1Slice(0, big.length - 2));
        this.bulkLen = -1;
        if (this.mbRemaining === 0) return this.finish();
        continue;
      }
      const buf = this.buf;
      const len = this.end;
      if (this.mbRemaining === 0) {
        // Start of a new command.
        if (this.pos >= len) return null;
        if (buf[this.pos] !== 0x2a /* * */) {
          const cmd = this.parseInline();
          if (cmd === undefined) return null;
          if (cmd === null) continue; // empty line
          return cmd;
        }
        let cr = buf.indexOf(13, this.pos);
        if (cr >= len) cr = -1;
        if (cr < 0) {
          if (this.lineTooBig(len - this.pos)) throw new ProtocolError(Err.protoTooBigMbulk);
          return null;
        }
        if (cr + 1 >= len) return null; // the byte after CR has not arrived
        const n = parseLen(buf, this.pos + 1, cr);
        if (n === null || n > PROTO_MAX_MULTIBULK) {
          // Redis finds the CR with strchr(): a NUL before it means "no line yet".
          if (hasNul(buf, this.pos, cr)) {
            if (this.lineTooBig(len - this.pos)) throw new ProtocolError(Err.protoTooBigMbulk);
            return null;
          }
          throw new ProtocolError(Err.protoInvalidMultibulk);
        }
        if (this.unauthenticated && n > UNAUTH_MAX_MULTIBULK) throw new ProtocolError(Err.protoUnauthMultibulk);
        this.pos = cr + 2;
        if (n <= 0) continue; // "*0" and "*-1" are skipped without a reply
        this.mbRemaining = n;
        this.bulkLen = -1;
        this.name = undefined;
        this.args = [];
      }
      // Read bulks.
      while (this.mbRemaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= len) return null;
          let cr = buf.indexOf(13, this.pos);
          if (cr >= len) cr = -1;
          if (cr < 0) {
            if (this.lineTooBig(len - this.pos)) throw new ProtocolError(Err.protoTooBigBulkCount);
            return null;
          }
          if (cr + 1 >= len) return null; // the byte after CR has not arrived
          const n = buf[this.pos] === 0x24 /* $ */ ? parseLen(buf, this.pos + 1, cr) : null;
          if (n === null || n < 0 || n > this.maxBulkLen) {
            // Redis finds the CR with strchr(): a NUL before it means "no line yet".
            if (hasNul(buf, this.pos, cr)) {
              if (this.lineTooBig(len - this.pos)) throw new ProtocolError(Err.protoTooBigBulkCount);
              return null;
            }
            const c = buf[this.pos];
            // Redis prints the byte with %c, then maps CR and LF to spaces.
            if (c !== 0x24) throw new ProtocolError(Err.protoExpectedDollar(c === 13 || c === 10 ? ' ' : String.fromCharCode(c)));
            throw new ProtocolError(Err.protoInvalidBulk);
          }
          if (this.unauthenticated && n > UNAUTH_MAX_BULK) throw new ProtocolError(Err.protoUnauthBulk);
          this.pos = cr + 2;
          this.bulkLen = n;
          if (n >= BIG_ARG) {
            const have = len - this.pos;
            if (have <= n + 2) {
              // Redis moves the bulk to the start of its query buffer, sized for it.
              this.qAlloc = sdsMakeRoom(have, this.qAlloc, n + 2 - have, false);
              this.bigOwnsQuery = true;
            }
            if (have < n + 2) {
              // Assemble once in a buffer of exactly the right size.
              const big = Buffer.allocUnsafe(n + 2);
              buf.copy(big, 0, this.pos, len);
              this.big = big;
              this.bigFilled = have;
              this.pos = len;
              return null;
            }
          }
        }
        const n = this.bulkLen;
        if (len - this.pos < n + 2) return null;
        if (n >= BIG_ARG) this.bigDone(n);
        this.pushArg(buf.latin1Slice(this.pos, this.pos + n));
        this.pos += n + 2; // CRLF after the data is skipped, not checked (as Redis)
        this.bulkLen = -1;
      }
      return this.finish();
    }
  }

  /**
   * A bulk of 32 KB or more is complete. When it had Redis's query buffer to
   * itself, Redis keeps that buffer as the argument and starts a new one of
   * the same size.
   */
  private bigDone(n: number): void {
    // The whole bulk was in the query buffer at its last read.
    if (n + 2 > this.qPeak) this.qPeak = n + 2;
    if (!this.bigOwnsQuery) return;
    this.bigOwnsQuery = false;
    this.qAlloc = sdsNewAlloc(n + 2);
    this.qLen = 0;
  }

  private pushArg(s: string): void {
    if (this.name === undefined) this.name = s;
    else this.args.push(s);
    this.mbRemaining--;
  }

  private finish(): ParsedCommand {
    const cmd: ParsedCommand = { name: this.name as string, args: this.args };
    this.name = undefined;
    this.args = [];
    if (this.pos >= this.buf.length && this.buf.length > 0) this.setBuffer(EMPTY);
    return cmd;
  }

  /** undefined: need more bytes; null: empty line consumed. */
  private parseInline(): ParsedCommand | null | undefined {
    const buf = this.buf;
    let nl = buf.indexOf(10, this.pos);
    if (nl >= this.end) nl = -1;
    // Redis finds the LF with strchr(): a NUL before it means "no line yet".
    if (nl < 0 || hasNul(buf, this.pos, nl)) {
      if (this.lineTooBig(this.end - this.pos)) throw new ProtocolError(Err.protoTooBigInline);
      return undefined;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const argv = splitArgs(buf, this.pos, end);
    this.pos = nl + 1;
    if (argv === null) throw new ProtocolError(Err.protoUnbalancedQuotes);
    if (argv.length === 0) return null;
    const name = argv.shift() as string;
    if (this.pos >= buf.length) this.setBuffer(EMPTY);
    return { name, args: argv };
  }
}

const EMPTY = Buffer.alloc(0);

// ---- Redis's query buffer, replayed -------------------------------------------------
//
// redis-server checks the 64 KB line limits after each read(2), so whether a
// long line that does end is refused depends on where its reads stopped. Its
// reads (readQueryFromClient, Redis 7.0): 16 KB (PROTO_IOBUF_LEN) while the
// query buffer's allocation is below that; then the query buffer grows with
// sdsMakeRoomFor (double the needed length, rounded up by jemalloc) and the read
// takes all the room there is; a bulk of 32 KB or more is read exactly to its
// end. A one-shot "ECHO <80 KB>" is refused, as by redis-server: its first
// two reads stop at 16384 and 81910 bytes. Not replayed: the query buffer
// shrinking in serverCron (clientsCronResizeQueryBuffer), which depends on time.

const IOBUF_LEN = 16 * 1024;
/** PROTO_RESIZE_THRESHOLD: query buffers above this are cut down to their peak. */
const RESIZE_THRESHOLD = 32 * 1024;
const SDS_MAX_PREALLOC = 1024 * 1024;
/** sdsalloc(sdsempty()): a type-8 header (3 bytes) + NUL in jemalloc's 8-byte class. */
const SDS_EMPTY_ALLOC = 4;

/** jemalloc 5's size class of an allocation of n bytes (4 classes per doubling above 128). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  let pow = 256;
  while (pow < n) pow *= 2;
  const step = pow / 8;
  return Math.ceil(n / step) * step;
}

/** sds header bytes and maximum length for a string of `len` bytes (sdsReqType; type 5 becomes 8). */
function sdsHeader(len: number): number {
  return len < 256 ? 3 : len < 65536 ? 5 : len < 4294967296 ? 9 : 17;
}
function sdsTypeMax(hdr: number): number {
  return hdr === 3 ? 255 : hdr === 5 ? 65535 : hdr === 9 ? 4294967295 : Number.MAX_SAFE_INTEGER;
}

/** sdsalloc() after sdsMakeRoomFor (greedy) / sdsMakeRoomForNonGreedy(s, addlen) on a string of `len` bytes. */
function sdsMakeRoom(len: number, alloc: number, addlen: number, greedy: boolean): number {
  if (alloc - len >= addlen) return alloc;
  let newlen = len + addlen;
  if (greedy) newlen = newlen < SDS_MAX_PREALLOC ? newlen * 2 : newlen + SDS_MAX_PREALLOC;
  const hdr = sdsHeader(newlen);
  const usable = jemallocSize(hdr + newlen + 1) - hdr - 1;
  const max = sdsTypeMax(hdr);
  return usable > max ? max : usable;
}

/** sdsalloc() of sdsnewlen(NULL, n). */
function sdsNewAlloc(n: number): number {
  const hdr = sdsHeader(n);
  const usable = jemallocSize(hdr + n + 1) - hdr - 1;
  const max = sdsTypeMax(hdr);
  return usable > max ? max : usable;
}

/**
 * Reads that follow one another in the same turn of the event loop are the
 * same kernel buffer read in pieces. The epoch changes once per turn (only
 * counted while someone asks).
 */
let epoch = 1;
let epochTicking = false;
function nextEpoch(): number {
  if (!epochTicking) {
    epochTicking = true;
    realSetImmediate(() => {
      epoch++;
      epochTicking = false;
    });
  }
  return epoch;
}

/** Commands with more arguments than this take the incremental path. */
const FAST_MAX_ARGS = 256;

/**
 * Command names and short arguments repeat (keys, small values, counters):
 * a direct-mapped cache hands back the string of a recently seen one with
 * the same bytes. A command name then arrives with its hash computed for the
 * registry lookup; a value stored many times (LPUSH of the same payload, SET
 * of a flag) is one string, not one young string per command that the GC
 * must copy and promote.
 *
 * A string enters the cache only when its slot saw the same hash last time
 * (a doorkeeper): arguments that never repeat (random fields, fresh ids)
 * are not kept alive by the cache, which would otherwise get every one of
 * them promoted to the old generation.
 */
const NAME_INTERN_MAX = 32; // at most 32: CACHE_BYTES keeps 32 bytes per slot
const ARG_INTERN_MAX = 32; // keys and fields like "user:1234:profile" repeat too
/**
 * A SHA1 in hex (EVALSHA's first argument, SCRIPT EXISTS): the same few repeat for every call, and
 * a cached one comes with its hash computed, so the script cache's Map lookup hashes nothing (a
 * fresh 40-byte string costs a latin1Slice call and a hash of 40 chars per EVALSHA). Their own
 * small cache (sha1Hex): 16 slots picked by two of the bytes, no hash of the 40.
 */
const SHA1_HEX = 40;
const SHA_SLOTS = 16;
const SHA_CACHE: string[] = new Array<string>(SHA_SLOTS).fill('\0'.repeat(SHA1_HEX));
/** The cached SHAs' bytes as ten little-endian 32-bit words per slot (compared a word at a time). */
const SHA_WORDS = new Int32Array(SHA_SLOTS * 10);
/** A DataView of the ArrayBuffer last read from (input buffers change rarely: a new one is made then). */
let shaView: DataView = new DataView(new ArrayBuffer(0));
let shaViewOf: ArrayBufferLike | null = null;
/** The Buffer last read from and its offset in shaView (`buf.buffer` is a C++ call: read on a new Buffer only). */
let shaBufOf: Buffer | null = null;
let shaBufAt = 0;

/** Input buffers larger than this are not kept by sha1Hex's view between calls. */
const SHA_VIEW_KEEP_MAX = 1024 * 1024;

/**
 * buf[start, start + 40) as a string: the cached one when its slot holds the same bytes. Read as
 * ten 32-bit words through a DataView (a byte loop over 40 bytes of both arrays cost ~1,500
 * instructions per EVALSHA; ten word loads ~10x fewer).
 */
function sha1Hex(buf: Buffer, start: number): string {
  if (buf !== shaBufOf) {
    const ab = buf.buffer;
    if (ab.byteLength > SHA_VIEW_KEEP_MAX) {
      // (a big buffer is not held until the next EVALSHA)
      shaBufOf = null;
      shaViewOf = null;
      return shaLookup(new DataView(ab), buf.byteOffset + start, buf, start);
    }
    if (ab !== shaViewOf) {
      shaView = new DataView(ab);
      shaViewOf = ab;
    }
    shaBufOf = buf;
    shaBufAt = buf.byteOffset;
  }
  return shaLookup(shaView, shaBufAt + start, buf, start);
}

function shaLookup(dv: DataView, at: number, buf: Buffer, start: number): string {
  const w0 = dv.getInt32(at, true);
  const w9 = dv.getInt32(at + 36, true);
  const slot = (w0 ^ (w0 >>> 13) ^ w9 ^ (w9 >>> 7)) & (SHA_SLOTS - 1);
  const base = slot * 10;
  if (
    SHA_WORDS[base] === w0 &&
    SHA_WORDS[base + 9] === w9 &&
    SHA_WORDS[base + 1] === dv.getInt32(at + 4, true) &&
    SHA_WORDS[base + 2] === dv.getInt32(at + 8, true) &&
    SHA_WORDS[base + 3] === dv.getInt32(at + 12, true) &&
    SHA_WORDS[base + 4] === dv.getInt32(at + 16, true) &&
    SHA_WORDS[base + 5] === dv.getInt32(at + 20, true) &&
    SHA_WORDS[base + 6] === dv.getInt32(at + 24, true) &&
    SHA_WORDS[base + 7] === dv.getInt32(at + 28, true) &&
    SHA_WORDS[base + 8] === dv.getInt32(at + 32, true)
  ) {
    return SHA_CACHE[slot];
  }
  const str = binaryString(buf, start, SHA1_HEX);
  SHA_CACHE[slot] = str;
  for (let k = 0; k < 10; k++) SHA_WORDS[base + k] = dv.getInt32(at + 4 * k, true);
  return str;
}
const CACHE_BITS = 12;
const CACHE: string[] = new Array<string>(1 << CACHE_BITS).fill('');
const SEEN = new Int32Array(1 << CACHE_BITS);

/** The bytes of each cached string, 32 per slot: comparing bytes with bytes beats charCodeAt. */
const CACHE_BYTES = new Uint8Array((1 << CACHE_BITS) * 32);

function intern(buf: Buffer, start: number, len: number): string {
  // FNV-1a over 4-byte words (a quarter of the dependent multiplies), then a final mix.
  let h = len;
  let i = 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(h ^ (buf[start + i] | (buf[start + i + 1] << 8) | (buf[start + i + 2] << 16) | (buf[start + i + 3] << 24)), 0x01000193);
  for (; i < len; i++) h = Math.imul(h ^ buf[start + i], 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  const slot = h >>> (32 - CACHE_BITS);
  const cached = CACHE[slot];
  const base = slot << 5;
  if (cached.length === len) {
    let k = 0;
    while (k < len && CACHE_BYTES[base + k] === buf[start + k]) k++;
    if (k === len) return cached;
  }
  const str = binaryString(buf, start, len);
  if (SEEN[slot] === h) {
    CACHE[slot] = str;
    for (let k = 0; k < len; k++) CACHE_BYTES[base + k] = buf[start + k];
  } else SEEN[slot] = h;
  return str;
}

/** A growable input buffer larger than this is dropped once it is no longer needed. */
const OWN_KEEP_MAX = 1024 * 1024;

function hasNul(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

/** string2ll on buf[start, end): strict decimal, optional '-', no leading zeros. */
function parseLen(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30) return end - i === 1 && !neg ? 0 : null;
  const digits = i;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    // Outside int64 is not a number at all (string2ll); inside, callers only compare with limits.
    const nd = end - digits;
    if (nd > 19 || (nd === 19 && buf.latin1Slice(digits, end) > (neg ? '9223372036854775808' : '9223372036854775807'))) return null;
    return neg ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  }
  return neg ? -n : n;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexVal = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/**
 * sdssplitargs: split an inline request like Redis does (quotes, escapes).
 * Returns null on unbalanced quotes. A NUL byte ends the line, as in C.
 * Tokens are built from slices of the buffer (runs of plain bytes) and the
 * escaped bytes between them: no token size can overflow anything.
 */
export function splitArgs(buf: Buffer, start: number, end: number): string[] | null {
  const out: string[] = [];
  let p = start;
  const at = (i: number) => (i < end ? buf[i] : 0);
  for (;;) {
    while (p < end && buf[p] !== 0 && isSpace(buf[p])) p++;
    if (at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    let run = p; // start of the current run of plain bytes
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 /* \ */ && at(p + 1) === 120 /* x */ && isHex(at(p + 2)) && isHex(at(p + 3))) {
          cur += binaryString(buf, run, p - run) + String.fromCharCode(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
          run = p + 1;
        } else if (c === 92 && at(p + 1) !== 0) {
          cur += binaryString(buf, run, p - run);
          p++;
          const e = at(p);
          cur += String.fromCharCode(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
          run = p + 1;
        } else if (c === 34 /* " */) {
          const nx = at(p + 1);
          if (nx !== 0 && !isSpace(nx)) return null;
          cur += binaryString(buf, run, p - run);
          done = true;
        } else if (c === 0) {
          return null;
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39 /* ' */) {
          cur += binaryString(buf, run, p - run) + "'";
          p++;
          run = p + 1;
        } else if (c === 39) {
          const nx = at(p + 1);
          if (nx !== 0 && !isSpace(nx)) return null;
          cur += binaryString(buf, run, p - run);
          done = true;
        } else if (c === 0) {
          return null;
        }
      } else {
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
          cur += binaryString(buf, run, p - run);
          done = true;
        } else if (c === 34 || c === 39) {
          cur += binaryString(buf, run, p - run);
          if (c === 34) inq = true;
          else insq = true;
          run = p + 1;
        }
      }
      if (at(p) !== 0) p++;
    }
    out.push(cur);
  }
}
