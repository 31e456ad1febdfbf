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
const MASK = '****';
/** Secrets of 4 characters or more: masked wherever they appear. */
const secrets = new Set<string>();
/** Shorter ones: masked only as whole tokens, so `ab` does not eat the inside of ordinary words. */
const shortSecrets = new Set<string>();
let shortPattern: RegExp | null = null;

/**
 * Masked whatever was registered: the argument of SKSETPWD (`SKSETPWD <len> <password>`) and
 * SKSETRBID (protocol.md §A.4), the user information of a URL and the credentials of an
 * Authorization header.
 */
const STRUCTURAL: readonly [RegExp, string][] = [
  [/\b(SKSETPWD[ \t]+[0-9A-Fa-f]+[ \t]+)\S+/g, `$1${MASK}`],
  [/\b(SKSETRBID[ \t]+)\S+/g, `$1${MASK}`],
  [/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#]*@/g, `$1${MASK}@`],
  [/\b(authorization["']?\s*[:=]\s*["']?(?:bearer|basic)[ \t]+)[^\s"']+/gi, `$1${MASK}`],
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Registers a secret: it (and, for IDs, the pairing-ID suffix) is masked in every log line,
 * whatever its length.
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  if (value.length >= 4) {
    secrets.add(value);
    if (value.length >= 16) secrets.add(value.slice(-8));
    return;
  }
  if (shortSecrets.has(value)) return;
  shortSecrets.add(value);
  const alternatives = [...shortSecrets].sort((a, b) => b.length - a.length).map(escapeRe);
  shortPattern = new RegExp(`(?<![A-Za-z0-9])(?:${alternatives.join('|')})(?![A-Za-z0-9])`, 'g');
}

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of STRUCTURAL) out = out.replace(re, to);
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  if (shortPattern) out = out.replace(shortPattern, MASK);
  return out;
}

/** `redact` applied to every string inside a log line's fields (before they are serialised). */
function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}

/**
 * A URL as it may appear in a message: scheme and host (with port) only. User information
 * and the path may hold a password or a key (Slack- and Discord-style webhooks carry it in
 * the path), so they are never shown; an unparsable URL is cut the same way by hand.
 */
export function urlForDisplay(url: string): string {
  try {
    const u = new URL(url);
    if (u.host !== '') return `${u.protocol}//${u.host}`;
  } catch {
    // not parsable: cut it by hand below
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)/.exec(url.trim());
  const authority = (m?.[2] ?? '').replace(/^.*@/, '****@');
  return `${m?.[1] ?? ''}${authority}${url.trim().length > (m?.[0].length ?? 0) ? '/…' : ''}`;
}

export function createLogger(opts: LogOptions = {}, ns = 'hems'): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? Date.now;
  // Redacted before serialising: a secret with a quote or a backslash is escaped in JSON, and
  // a masked number must not turn a JSON line invalid.
  const emit = (level: LogLevel, rawMsg: string, rawFields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const msg = redact(rawMsg);
    const fields = rawFields && (redactDeep(rawFields) as Record<string, unknown>);
    let line: string;
    if (opts.format === 'json') {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level, ns, msg, ...fields });
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      line = `${new Date(now()).toISOString()} ${level.toUpperCase().padEnd(5)} [${ns}] ${msg}${extra}`;
    }
    write(line);
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
