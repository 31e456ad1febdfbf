/**
 * Logging: everything goes to stderr (stdout is for data), readable text by default or
 * JSON lines. Every line passes through the redactor, so the B-route password and ID (and
 * the pairing ID, which is the ID's last 8 characters, protocol.md §A.4 SKSETRBID) never
 * leave the process, `--debug` serial traces included.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string | (() => string), fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(ns: string): Logger;
}

export interface LogOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  write?: (line: string) => void;
  now?: () => number;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secrets = new Set<string>();

/** Registers a secret; it and (for IDs) its pairing-ID suffix are masked in every log line. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  secrets.add(value);
  if (value.length >= 16) secrets.add(value.slice(-8));
}

export function redact(text: string): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('****');
  }
  return out;
}

export function createLogger(opts: LogOptions = {}, ns = 'hems'): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    let line: string;
    if (opts.format === 'json') {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level, ns, msg, ...fields });
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      line = `${new Date(now()).toISOString()} ${level.toUpperCase().padEnd(5)} [${ns}] ${msg}${extra}`;
    }
    write(redact(line));
  };
  return {
    debug: (msg, fields) => {
      if (ORDER.debug < min) return;
      emit('debug', typeof msg === 'function' ? msg() : msg, fields);
    },
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (child) => createLogger(opts, `${ns}:${child}`),
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
