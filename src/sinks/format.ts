/**
 * The record as text, byte-compatible with the original Python tool: JSON as `json.dumps`
 * writes it, YAML as PyYAML quotes it, CSV with the 10 keys. Numbers in float fields are
 * written the way Python's `repr(float)` does (`5.0`, `1e-05`, `1e+16`) so parsers that
 * read the original's output see the same types. Pure.
 */
import { type Envelope, payloadOf, READING_KEYS } from '../reading/record.js';

/** The record formats of `-f` (stdout, file, export). */
export const FORMATS = ['json', 'yaml', 'csv'] as const;
export type RecordFormat = (typeof FORMATS)[number];

/** Keys holding an integer in the original; every other numeric key is a Python float. */
const INTEGER_KEYS = new Set<string>(['instant_power_w']);

/** Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, exponent outside [1e-4, 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length > exp + 1) {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  }
  return neg ? `-${body}` : body;
}

function pyInt(x: number): string {
  return Number.isInteger(x) ? String(x) : pyFloat(x);
}

function numberText(key: string, x: number): string {
  return INTEGER_KEYS.has(key) ? pyInt(x) : pyFloat(x);
}

function jsonValue(key: string, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? numberText(key, v) : 'null';
  return JSON.stringify(v);
}

function yamlValue(key: string, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    if (INTEGER_KEYS.has(key) && Number.isInteger(v)) return String(v);
    // PyYAML writes `1.0e+16` where repr gives `1e+16` so the value stays a float.
    const r = pyFloat(v);
    return r.includes('.') || !r.includes('e') ? r : r.replace('e', '.0e');
  }
  // Timestamps are quoted by PyYAML (they match its timestamp resolver); quoting every
  // string the same way keeps the output a valid, unambiguous YAML string.
  return `'${String(v).replaceAll("'", "''")}'`;
}

function csvCell(key: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? numberText(key, v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** `timestamp,cumulative_power_kwh,…\n`: the CSV header, exactly the 10 keys. */
export function csvHeader(): string {
  return `${READING_KEYS.join(',')}\n`;
}

/**
 * One record as complete text, ending with a newline: json = one line (json.dumps
 * spacing); yaml = one `---` document; csv = one row (no header, see csvHeader()).
 * json/yaml include `backfill: true` for backfilled slots; csv keeps to the 10 columns.
 */
export function renderRecord(format: RecordFormat, env: Envelope): string {
  const payload = payloadOf(env);
  switch (format) {
    case 'json':
      return `{${Object.entries(payload)
        .map(([k, v]) => `${JSON.stringify(k)}: ${jsonValue(k, v)}`)
        .join(', ')}}\n`;
    case 'yaml':
      return `---\n${Object.entries(payload)
        .map(([k, v]) => `${k}: ${yamlValue(k, v)}\n`)
        .join('')}`;
    case 'csv':
      return `${READING_KEYS.map((k) => csvCell(k, env.reading[k])).join(',')}\n`;
  }
}
