/** A small levelled logger. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };

export interface LoggerSink {
  (level: Exclude<LogLevel, 'off'>, message: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stderr with a timestamp. */
  sink?: LoggerSink;
}

export class Logger {
  level: LogLevel;
  private threshold: number;
  private readonly sink: LoggerSink;

  constructor(opts: LoggerOptions | LogLevel = {}) {
    const o: LoggerOptions = typeof opts === 'string' ? { level: opts } : opts;
    this.level = o.level ?? 'warn';
    this.threshold = ORDER[this.level];
    this.sink =
      o.sink ??
      ((level, message) => {
        process.stderr.write(`${new Date().toISOString()} [redkit] ${level}: ${message}\n`);
      });
  }

  setLevel(level: LogLevel): void {
    this.level = level;
    this.threshold = ORDER[level];
  }

  enabled(level: Exclude<LogLevel, 'off'>): boolean {
    return ORDER[level] >= this.threshold;
  }

  debug(msg: string): void {
    if (this.threshold <= 10) this.emit('debug', msg);
  }
  info(msg: string): void {
    if (this.threshold <= 20) this.emit('info', msg);
  }
  warn(msg: string): void {
    if (this.threshold <= 30) this.emit('warn', msg);
  }
  error(msg: string): void {
    if (this.threshold <= 40) this.emit('error', msg);
  }

  /** Logging never throws: a sink that does is dropped for that line (the server is logging an error, often). */
  private emit(level: Exclude<LogLevel, 'off'>, msg: string): void {
    try {
      this.sink(level, msg);
    } catch {
      // nowhere left to report it
    }
  }
}
