import { Cron } from 'croner';
import { urlForDisplay } from '../log.js';
import { isValidTimeZone } from '../time/zone.js';

/** Thrown by a value parser; the schema prefixes the option or variable name. */
export class Bad extends Error {
  /** What could still be used (e.g. the valid values of a list), so later checks see it. */
  constructor(
    message: string,
    readonly partial?: unknown,
    /** Further problems of the same value (a tariff file), one line each after `message`. */
    readonly more: readonly string[] = [],
  ) {
    super(message);
  }
}

const show = (raw: unknown): string => JSON.stringify(raw);

export function str(raw: unknown): string {
  if (Array.isArray(raw)) return str(raw[raw.length - 1]);
  if (typeof raw !== 'string') throw new Bad('needs a value');
  return raw;
}

export function nonEmpty(raw: unknown): string {
  const s = str(raw).trim();
  if (s === '') throw new Bad('must not be empty');
  return s;
}

export function oneOf<const T extends readonly string[]>(values: T) {
  return (raw: unknown): T[number] => {
    const s = str(raw).trim();
    const hit = values.find((v) => v.toLowerCase() === s.toLowerCase());
    if (hit === undefined) throw new Bad(`must be one of ${values.join(', ')} (got ${show(s)})`);
    return hit;
  };
}

export function int(min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number') {
  return (raw: unknown): number => {
    const s = str(raw).trim();
    if (!/^[+-]?\d+$/.test(s)) throw new Bad(`must be ${what} (got ${show(s)})`);
    const n = Number(s);
    if (n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      throw new Bad(`must be ${range} (got ${s})`);
    }
    return n;
  };
}

export function bool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = str(raw).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  throw new Bad(`must be true or false (got ${show(s)})`);
}

/** `-o stdout file`, `-o stdout,file`, or (from the environment) `stdout file`. */
export function list<const T extends readonly string[]>(values: T) {
  const one = oneOf(values);
  return (raw: unknown): T[number][] => {
    if (raw === true) return [];
    const parts = (Array.isArray(raw) ? raw : [str(raw)])
      .flatMap((p) => String(p).split(/[\s,]+/))
      .filter((p) => p !== '');
    const out: T[number][] = [];
    const bad: string[] = [];
    for (const p of parts) {
      try {
        const v = one(p);
        if (!out.includes(v)) out.push(v);
      } catch {
        bad.push(p);
      }
    }
    if (bad.length > 0)
      throw new Bad(`unknown value ${bad.map(show).join(', ')}; use ${values.join(', ')}`, out);
    return out;
  };
}

export function cron(raw: unknown): string {
  const s = nonEmpty(raw);
  try {
    new Cron(s, { paused: true }).stop();
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^CronPattern:\s*/, '') : String(e);
    throw new Bad(`not a valid cron expression ${show(s)} (${why})`);
  }
  return s;
}

export function timeZone(raw: unknown): string {
  const s = nonEmpty(raw);
  if (!isValidTimeZone(s))
    throw new Bad(`unknown time zone ${show(s)} (use an IANA name such as Asia/Tokyo)`);
  return s;
}

/** A URL whose scheme is one of `schemes` (e.g. `http:`), parsed with the WHATWG parser. */
function urlOf(schemes: readonly string[]): (raw: unknown) => string {
  const names = schemes.map((x) => `${x}//`).join(' or ');
  return (raw) => {
    const s = nonEmpty(raw);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new Bad(`not a valid URL ${show(urlForDisplay(s))}`);
    }
    if (!schemes.includes(u.protocol)) throw new Bad(`must be an ${names} URL`);
    return s;
  };
}

export const httpUrl = urlOf(['http:', 'https:']);
export const mqttUrl = urlOf(['mqtt:', 'mqtts:']);

export function topicPrefix(raw: unknown): string {
  const s = nonEmpty(raw);
  if (/[#+]/.test(s) || s.startsWith('/') || s.endsWith('/')) {
    throw new Bad(`must not contain + or # nor start or end with / (got ${show(s)})`);
  }
  return s;
}

export interface HostPort {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT`/`PORT` (host 127.0.0.1). */
export function hostPort(raw: unknown): HostPort {
  const s = nonEmpty(raw);
  const m = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):)?(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new Bad(`must be HOST:PORT with a port from 1 to 65535 (got ${show(s)})`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** `--http-allow-host`: host names, comma- or space-separated, lower-cased, without a trailing dot. */
export function hostNames(raw: unknown): string[] {
  const out: string[] = [];
  for (const part of str(raw).split(/[\s,]+/)) {
    if (part === '') continue;
    const name = part.toLowerCase().replace(/\.$/, '');
    const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
    if (name.length > 253 || !name.split('.').every((l) => label.test(l))) {
      throw new Bad(`${show(part)} is not a host name (letters, digits, hyphens and dots)`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `/dev/ttyUSB0`, `COM3`, `sim`, or `tcp://host:port`. */
export function portSpec(raw: unknown): string {
  const s = nonEmpty(raw);
  if (s.toLowerCase().startsWith('tcp://')) {
    try {
      hostPort(s.slice(6));
    } catch {
      throw new Bad(`tcp:// port must be tcp://HOST:PORT (got ${show(s)})`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new Bad(`must be a serial device path, sim, or tcp://HOST:PORT (got ${show(s)})`);
  }
  return s;
}

/** Logical channel in hex as EPANDESC prints it (`21`..`3C`, protocol.md §A.6). */
export function channel(raw: unknown): number {
  const s = nonEmpty(raw).replace(/^0x/i, '');
  const n = /^[0-9A-Fa-f]{1,2}$/.test(s) ? Number.parseInt(s, 16) : Number.NaN;
  if (!(n >= 0x21 && n <= 0x3c)) throw new Bad(`must be a hex channel from 21 to 3C (got ${show(raw)})`);
  return n;
}

export function panId(raw: unknown): number {
  const s = nonEmpty(raw).replace(/^0x/i, '');
  if (!/^[0-9A-Fa-f]{1,4}$/.test(s))
    throw new Bad(`must be a hex PAN ID from 0000 to FFFF (got ${show(raw)})`);
  return Number.parseInt(s, 16);
}

/** A full IPv6 address, returned in the 8×4-hex-digit upper-case form SKSTACK expects. */
export function ipv6(raw: unknown): string {
  const s = nonEmpty(raw);
  const bad = new Bad(
    `must be an IPv6 address such as FE80:0000:0000:0000:021C:6400:03DD:6393 (got ${show(s)})`,
  );
  const halves = s.split('::');
  if (halves.length > 2) throw bad;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) throw bad;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) throw bad;
  return groups.map((g) => g.padStart(4, '0').toUpperCase()).join(':');
}

/**
 * Why `value` cannot be sent as an HTTP header value, or null when it can. fetch refuses line
 * breaks and other control characters and anything beyond Latin-1 (a header is bytes), and it
 * would do so at every delivery; the reason never quotes the value (it is usually a secret).
 */
export function headerValueProblem(value: string): string | null {
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x0a || c === 0x0d) return 'contains a line break (value not shown)';
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'contains a control character (value not shown)';
    if (c > 0xff) {
      return 'contains a character that an HTTP header cannot carry (only Latin-1 is allowed; value not shown)';
    }
  }
  return null;
}

/** WEBHOOK_TOKEN: sent in the Authorization header, so it must fit in one. */
export function headerValue(raw: unknown): string {
  const s = str(raw);
  const problem = headerValueProblem(s);
  if (problem !== null) throw new Bad(problem);
  return s;
}

/** WEBHOOK_HEADERS: a JSON object, or `Name: value` pairs separated by `;` or new lines. */
export function headers(raw: unknown): Record<string, string> {
  const s = str(raw).trim();
  if (s === '') return {};
  const out: Record<string, string> = {};
  if (s.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch {
      throw new Bad('is not valid JSON');
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Bad('must be a JSON object');
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string') throw new Bad(`header ${show(k)} must be a string`);
      out[k] = v;
    }
  } else {
    for (const part of s.split(/[;\n]/)) {
      if (part.trim() === '') continue;
      const colon = part.indexOf(':');
      // The part is not quoted back: it may be a key that only lacks its colon.
      if (colon <= 0) throw new Bad('expected "Name: value" pairs separated by ";" (value not shown)');
      out[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
    }
  }
  for (const [k, v] of Object.entries(out)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new Bad(`${show(k)} is not a valid header name`);
    const problem = headerValueProblem(v);
    if (problem !== null) throw new Bad(`the value of header ${show(k)} ${problem}`);
  }
  return out;
}
