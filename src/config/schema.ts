/**
 * The one configuration schema: every option, environment variable and `.env` key, with
 * its default and validation. The `Config` type is derived from this table. Precedence:
 * command-line option > environment > `.env` file > default. Every problem is collected
 * and reported at once.
 */

import { FORMATS, type RecordFormat } from '../sinks/format.js';
import { OUTPUT_NAMES, OUTPUTS, type OutputName } from '../sinks/registry.js';
import { DONGLE_MODELS } from '../skstack/api.js';
import type { Tariff } from '../tariff/types.js';
import { type Field, type FieldTable, type FieldValuesOf, field } from './field.js';
import * as p from './parsers.js';
import { tariffFile } from './tariff-file.js';

export { FORMATS };
export type Format = RecordFormat;
export const MODES = ['schedule', 'interval'] as const;
export const LOG_FORMATS = ['text', 'json'] as const;

/** Used with `--port sim` when no B-route credentials are configured. */
export const DEMO_B_ROUTE_ID = '00112233445566778899AABBCCDDEEFF';
export const DEMO_B_ROUTE_PASSWORD = 'DEMOPASSWORD';

/** The settings of the collector itself; each output adds its own (sinks/outputs/*.ts). */
export const CORE_FIELDS = {
  output: field({
    option: 'output',
    flag: '--output',
    short: '-o',
    arg: '[types...]',
    help: `one or more outputs: ${OUTPUT_NAMES.join(' ')} (HEMS_OUTPUT; default: log only)`,
    env: 'HEMS_OUTPUT',
    default: [],
    parse: p.list(OUTPUT_NAMES),
  }),
  /** Format for stdout (and every -f use); file output reads -f too (its fileFormat). */
  format: field<Format>({
    option: 'format',
    flag: '--format',
    short: '-f',
    arg: '<format>',
    help: 'output format: json, yaml, csv (default json; file output: FILE_FORMAT, csv)',
    default: 'json',
    parse: p.oneOf(FORMATS),
  }),
  port: field({
    option: 'port',
    flag: '--port',
    arg: '<port>',
    help: 'serial port, tcp://HOST:PORT, or sim (SERIAL_PORT, default /dev/ttyUSB0)',
    scope: 'dongle',
    env: 'SERIAL_PORT',
    default: '/dev/ttyUSB0',
    parse: p.portSpec,
  }),
  baudrate: field({
    option: 'baudrate',
    flag: '--baudrate',
    arg: '<rate>',
    help: 'serial port baud rate (SERIAL_RATE, default 115200)',
    scope: 'dongle',
    env: 'SERIAL_RATE',
    default: 115200,
    parse: p.int(1, 4_000_000, 'a whole number of bits per second'),
  }),
  bRouteId: field<string | null>({ env: 'B_ROUTE_ID', default: null, parse: p.str, secret: true }),
  bRoutePassword: field<string | null>({
    env: 'B_ROUTE_PASSWORD',
    default: null,
    parse: p.str,
    secret: true,
  }),
  timezone: field({ env: 'LOCAL_TIMEZONE', default: 'Asia/Tokyo', parse: p.timeZone }),
  meterChannel: field<number | null>({
    option: 'meterChannel',
    flag: '--meter-channel',
    arg: '<hex>',
    help: 'smart meter channel, hex as in EPANDESC (21-3C)',
    default: null,
    parse: p.channel,
  }),
  meterPanid: field<number | null>({
    option: 'meterPanid',
    flag: '--meter-panid',
    arg: '<hex>',
    help: 'smart meter PAN ID, hex',
    default: null,
    parse: p.panId,
  }),
  meterIpv6: field<string | null>({
    option: 'meterIpv6',
    flag: '--meter-ipv6',
    arg: '<addr>',
    help: 'smart meter IPv6 address',
    default: null,
    parse: p.ipv6,
  }),
  mode: field({
    option: 'mode',
    flag: '--mode',
    arg: '<mode>',
    help: 'execution mode: schedule or interval (HEMS_MODE; default schedule)',
    env: 'HEMS_MODE',
    default: 'schedule',
    parse: p.oneOf(MODES),
  }),
  schedule: field({
    option: 'schedule',
    flag: '--schedule',
    short: '-s',
    arg: '<cron>',
    help: "data collection schedule, crontab format, in LOCAL_TIMEZONE (HEMS_SCHEDULE; default '*/5 * * * *')",
    env: 'HEMS_SCHEDULE',
    default: '*/5 * * * *',
    parse: p.cron,
  }),
  interval: field({
    option: 'interval',
    flag: '--interval',
    short: '-i',
    arg: '<seconds>',
    help: 'data collection interval in seconds (HEMS_INTERVAL; default 300)',
    env: 'HEMS_INTERVAL',
    default: 300,
    parse: p.int(1, Number.MAX_SAFE_INTEGER, 'a whole number of seconds'),
  }),
  debug: field({
    option: 'debug',
    flag: '--debug',
    help: 'enable debug mode (outputs detailed logs)',
    scope: 'common',
    default: false,
    parse: p.bool,
  }),
  dongle: field({
    option: 'dongle',
    flag: '--dongle',
    arg: '<model>',
    help: `${DONGLE_MODELS.join(', ')} (WISUN_DONGLE)`,
    scope: 'dongle',
    env: 'WISUN_DONGLE',
    default: 'auto',
    parse: p.oneOf(DONGLE_MODELS),
  }),
  stateDir: field({
    option: 'stateDir',
    flag: '--state-dir',
    arg: '<dir>',
    help: 'state directory: database, scan cache (HEMS_STATE_DIR, default ./.hems-state)',
    scope: 'common',
    env: 'HEMS_STATE_DIR',
    default: './.hems-state',
    parse: p.nonEmpty,
  }),
  logFormat: field({
    option: 'logFormat',
    flag: '--log-format',
    arg: '<format>',
    help: 'log lines as text or json (default text)',
    scope: 'common',
    env: 'HEMS_LOG_FORMAT',
    default: 'text',
    parse: p.oneOf(LOG_FORMATS),
  }),
  http: field<p.HostPort | null>({
    option: 'http',
    flag: '--http',
    arg: '<host:port>',
    help: 'serve health and metrics on HOST:PORT (HEMS_HTTP)',
    env: 'HEMS_HTTP',
    default: null,
    parse: p.hostPort,
  }),
  /** Host names the `--http` server answers to, besides IP addresses and localhost (DNS rebinding). */
  httpAllowHost: field<string[]>({
    option: 'httpAllowHost',
    flag: '--http-allow-host',
    arg: '<names>',
    help: 'host names the --http server answers to besides IP addresses and localhost, comma-separated (HEMS_HTTP_ALLOW_HOST)',
    env: 'HEMS_HTTP_ALLOW_HOST',
    default: [],
    parse: p.hostNames,
  }),
  retentionDays: field({
    option: 'retentionDays',
    flag: '--retention-days',
    arg: '<days>',
    help: 'days of history kept in the database (default 400)',
    env: 'HEMS_RETENTION_DAYS',
    default: 400,
    parse: p.int(1, 100_000, 'a whole number of days'),
  }),
  outboxMax: field({
    option: 'outboxMax',
    flag: '--outbox-max',
    arg: '<records>',
    help: 'records kept per output while it is unreachable (default 100000)',
    env: 'HEMS_OUTBOX_MAX',
    default: 100_000,
    parse: p.int(1, 100_000_000, 'a whole number of records'),
  }),
  backfillDays: field({
    option: 'backfillDays',
    flag: '--backfill-days',
    arg: '<days>',
    help: 'days of 30-minute history fetched after a gap (default 7)',
    env: 'HEMS_BACKFILL_DAYS',
    // The meter keeps E2 history for the current day and 99 days back (E5 = 0..99).
    default: 7,
    parse: p.int(0, 99, 'a whole number of days'),
  }),
  /** The electricity contract (tariff YAML file), for costs on the dashboard, metrics, MQTT and `report`. */
  tariff: field<Tariff | null>({
    option: 'tariff',
    flag: '--tariff',
    arg: '<file>',
    help: 'tariff file (YAML) for costs on the dashboard, metrics, MQTT (TARIFF_FILE)',
    env: 'TARIFF_FILE',
    default: null,
    parse: tariffFile,
  }),
};

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;
type OutputFields = UnionToIntersection<(typeof OUTPUTS)[OutputName]['fields']>;

function mergeFields(): {
  fields: typeof CORE_FIELDS & OutputFields;
  owner: Record<string, OutputName | null>;
} {
  const all: FieldTable = { ...CORE_FIELDS };
  const owner: Record<string, OutputName | null> = {};
  for (const key of Object.keys(all)) owner[key] = null;
  for (const name of OUTPUT_NAMES) {
    for (const [key, f] of Object.entries(OUTPUTS[name].fields as FieldTable)) {
      if (key in all) throw new Error(`output ${name} declares setting ${key}, which exists already`);
      all[key] = f;
      owner[key] = name;
    }
  }
  return { fields: all as typeof CORE_FIELDS & OutputFields, owner };
}

const merged = mergeFields();
/** Every setting: the core ones, then each output's, in registry order. */
export const FIELDS = merged.fields;
/** Which output a setting belongs to (null: the collector's own). */
export const FIELD_OUTPUT: Readonly<Record<string, OutputName | null>> = merged.owner;

type Fields = typeof FIELDS;
export type FieldValues = FieldValuesOf<Fields>;

export interface MeterHint {
  channel: number;
  panId: number;
  ipv6: string;
}

/** The validated configuration (one source of truth: the table above plus derived values). */
export type Config = Omit<FieldValues, 'bRouteId' | 'bRoutePassword'> & {
  bRouteId: string;
  bRoutePassword: string;
  /** The file output path after the original's extension rule. */
  filePath: string;
  /** Known meter (skip the scan) when --meter-channel/--meter-panid/--meter-ipv6 are given. */
  meter: MeterHint | null;
  /** True when a credential is a built-in demo value (`--port sim`). */
  demoCredentials: boolean;
};

export interface ConfigSources {
  /** commander's parsed options (only the ones the user gave; no commander defaults). */
  options: Record<string, unknown>;
  env: Record<string, string | undefined>;
  dotenv?: Record<string, string>;
}

export interface ResolveOptions {
  /** `run` needs B-route credentials; `scan` and friends do not. Default true. */
  requireCredentials?: boolean;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const EXT: Record<Format, string> = { json: '.json', yaml: '.yaml', csv: '.csv' };

/** The original appends the format's extension unless the path already ends in .json/.yaml/.csv. */
export function resolveFilePath(file: string, format: Format): string {
  return Object.values(EXT).some((e) => file.endsWith(e)) ? file : file + EXT[format];
}

/** An empty variable (`HEMS_SCHEDULE=`, as the installer and docker write them) counts as not set. */
const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

export function resolveConfig(src: ConfigSources, opts: ResolveOptions = {}): ConfigResult {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const from: Record<string, 'option' | 'env' | 'dotenv' | 'default'> = {};

  for (const [key, f] of Object.entries(FIELDS) as [keyof Fields, Field<unknown>][]) {
    let raw: unknown;
    let label = '';
    let source: 'option' | 'env' | 'dotenv' | 'default' = 'default';
    const opt = f.option === undefined ? undefined : src.options[f.option];
    if (opt !== undefined) {
      raw = opt;
      label = f.flag ?? f.option ?? key;
      source = 'option';
    } else if (f.env !== undefined && isSet(src.env[f.env])) {
      raw = src.env[f.env];
      label = f.env;
      source = 'env';
    } else if (f.env !== undefined && isSet(src.dotenv?.[f.env])) {
      raw = src.dotenv?.[f.env];
      label = `${f.env} (in .env)`;
      source = 'dotenv';
    }
    from[key] = source;
    if (source === 'default') {
      values[key] = f.default;
      continue;
    }
    try {
      values[key] = f.parse(raw);
    } catch (e) {
      if (!(e instanceof p.Bad)) throw e;
      for (const m of [e.message, ...e.more]) {
        const line = `${label}: ${m}`;
        if (!problems.includes(line)) problems.push(line); // -f feeds two fields
      }
      values[key] = e.partial ?? f.default;
    }
  }

  const v = values as FieldValues;
  const sim = v.port.toLowerCase() === 'sim';
  let bRouteId = v.bRouteId;
  let bRoutePassword = v.bRoutePassword;
  let demoCredentials = false;
  if (sim && bRouteId === null) {
    bRouteId = DEMO_B_ROUTE_ID;
    demoCredentials = true;
  }
  if (sim && bRoutePassword === null) {
    bRoutePassword = DEMO_B_ROUTE_PASSWORD;
    demoCredentials = true;
  }
  const needCreds = opts.requireCredentials ?? true;
  if (bRouteId === null) {
    if (needCreds) problems.push('B_ROUTE_ID: missing; set your 32-character B-route ID');
  } else if (bRouteId.trim().length !== 32) {
    problems.push(`B_ROUTE_ID: must be exactly 32 characters (got ${bRouteId.trim().length})`);
  } else if (!/^[0-9A-Za-z]{32}$/.test(bRouteId.trim())) {
    problems.push('B_ROUTE_ID: must contain only letters and digits');
  }
  if (bRoutePassword === null || bRoutePassword === '') {
    if (needCreds) problems.push('B_ROUTE_PASSWORD: missing; set your B-route password');
  } else if (bRoutePassword.length > 32 || /\s/.test(bRoutePassword)) {
    problems.push('B_ROUTE_PASSWORD: must be 1 to 32 characters without spaces');
  }

  for (const name of OUTPUT_NAMES.filter((n) => v.output.includes(n))) {
    for (const r of OUTPUTS[name].requires ?? []) {
      const f = (FIELDS as FieldTable)[r.field] as Field<unknown>;
      if ((v as Record<string, unknown>)[r.field] !== null || from[r.field] !== 'default') continue;
      const how = `${f.flag ? `give ${f.flag} or ` : ''}set ${f.env}`;
      problems.push(
        `--output ${name} needs ${r.what}: ${how}${r.example ? ` (for example ${r.example})` : ''}`,
      );
    }
  }
  const meterGiven = (['meterChannel', 'meterPanid', 'meterIpv6'] as const).filter(
    (k) => from[k] !== 'default',
  );
  if (meterGiven.length > 0 && meterGiven.length < 3) {
    problems.push('--meter-channel, --meter-panid and --meter-ipv6 must be given together');
  }

  if (problems.length > 0) return { ok: false, problems };
  const meter =
    v.meterChannel !== null && v.meterPanid !== null && v.meterIpv6 !== null
      ? { channel: v.meterChannel, panId: v.meterPanid, ipv6: v.meterIpv6 }
      : null;
  return {
    ok: true,
    config: {
      ...v,
      bRouteId: (bRouteId ?? '').trim(),
      bRoutePassword: bRoutePassword ?? '',
      filePath: resolveFilePath(v.file, v.fileFormat),
      meter,
      demoCredentials,
    },
  };
}
