/**
 * `config-fields`: the settings the app knows, for the installer (service-manager.sh asks the
 * app rather than keeping its own lists): every output with its one-line summary, every setting
 * with its `.env` key, option, owner output, whether it is secret, and the installer's question.
 * `--check KEY` validates one value (read from stdin, so a secret never appears in `ps`) with the
 * very parser the collector uses.
 */
import type { Field } from '../config/field.js';
import { Bad } from '../config/parsers.js';
import { FIELD_OUTPUT, FIELDS } from '../config/schema.js';
import { HemsError } from '../errors.js';
import { OUTPUT_NAMES, OUTPUTS, type OutputName } from '../sinks/registry.js';

export interface FieldInfo {
  key: string;
  env: string | null;
  option: string | null;
  /** The output it belongs to; null for the collector's own settings. */
  output: OutputName | null;
  secret: boolean;
  help: string | null;
  /** The default as `.env` would spell it (empty when there is none). */
  default: string;
  /** The installer asks for it when its output is chosen. */
  ask: { prompt: string; default: string } | null;
  /** The output cannot run without it. */
  required: boolean;
}

export interface OutputInfo {
  name: OutputName;
  remote: boolean;
  summary: string;
}

export interface ConfigFields {
  outputs: OutputInfo[];
  fields: FieldInfo[];
}

const envSpelling = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : Array.isArray(v)
      ? v.join(' ')
      : typeof v === 'object'
        ? ''
        : String(v);

export function configFields(): ConfigFields {
  const outputs = OUTPUT_NAMES.map((name) => ({
    name,
    remote: OUTPUTS[name].remote,
    summary: OUTPUTS[name].summary,
  }));
  const required = new Set<string>();
  for (const name of OUTPUT_NAMES) for (const r of OUTPUTS[name].requires ?? []) required.add(r.field);
  const fields = Object.entries(FIELDS as Record<string, Field<unknown>>).map(([key, f]) => ({
    key,
    env: f.env ?? null,
    option: f.flag ?? null,
    output: FIELD_OUTPUT[key] ?? null,
    secret: f.secret === true,
    help: f.help ?? null,
    default: envSpelling(f.default),
    ask: f.ask ? { prompt: f.ask.prompt, default: f.ask.default ?? '' } : null,
    required: required.has(key),
  }));
  return { outputs, fields };
}

/**
 * The same, one record per line, tab-separated, `-` for an empty column (a shell's `read`
 * merges empty tab-separated columns):
 *   output NAME remote|local SUMMARY
 *   field ENV OUTPUT|- secret|plain required|optional PROMPT|- DEFAULT|-
 */
export function formatShell(c: ConfigFields): string {
  const col = (s: string | null): string => (s === null || s === '' ? '-' : s.replace(/[\t\n]/g, ' '));
  const lines = c.outputs.map((o) => ['output', o.name, o.remote ? 'remote' : 'local', col(o.summary)]);
  for (const f of c.fields) {
    if (f.env === null) continue;
    lines.push([
      'field',
      f.env,
      col(f.output),
      f.secret ? 'secret' : 'plain',
      f.required ? 'required' : 'optional',
      col(f.ask?.prompt ?? null),
      col(f.ask?.default ?? null),
    ]);
  }
  return lines.map((l) => `${l.join('\t')}\n`).join('');
}

/** Why `value` is not acceptable for the setting named by its `.env` key, or null. */
export function checkValue(env: string, value: string): string | null {
  const f = Object.values(FIELDS as Record<string, Field<unknown>>).find((x) => x.env === env);
  if (!f) throw new HemsError('INPUT_INVALID', `unknown setting ${env} (see config-fields)`);
  try {
    f.parse(value);
    return null;
  } catch (e) {
    if (e instanceof Bad) return [e.message, ...e.more].join('; ');
    throw e;
  }
}
