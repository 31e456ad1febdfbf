/**
 * The one configuration schema: every option, environment variable and `.env` key, with
 * its default and validation. The `Config` type is derived from this table. Precedence:
 * command-line option > environment > `.env` file > default. Every problem is collected
 * and reported at once.
 */

import { OUTPUT_NAMES } from '../sinks/types.js';
import { DONGLE_MODELS } from '../skstack/api.js';
import type { Tariff } from '../tariff/types.js';
import * as p from './parsers.js';
import { tariffFile } from './tariff-file.js';

export const FORMATS = ['json', 'yaml', 'csv'] as const;
export type Format = (typeof FORMATS)[number];
export const MODES = ['schedule', 'interval'] as const;
export const LOG_FORMATS = ['text', 'json'] as const;

/** Used with `--port sim` when no B-route credentials are configured. */
export const DEMO_B_ROUTE_ID = '00112233445566778899AABBCCDDEEFF';
export const DEMO_B_ROUTE_PASSWORD = 'DEMOPASSWORD';

interface Field<T> {
  /** commander's key for the option (camelCase), if the value can come from the command line. */
  option?: string;
  /** The option as the user types it, for messages. */
  flag?: string;
  env?: string;
  default: NoInfer<T>;
  parse: (raw: unknown) => T;
  /** Never echo the value in messages. */
  secret?: boolean;
}

const field = <T>(f: Field<T>): Field<T> => f;

export const FIELDS = {
  output: field({
    option: 'output',
    flag: '--output',
    env: 'HEMS_OUTPUT',
    default: [],
    parse: p.list(OUTPUT_NAMES),
  }),
  /** Format for stdout (and every -f use). */
  format: field<Format>({ option: 'format', flag: '--format', default: 'json', parse: p.oneOf(FORMATS) }),
  /** Format for file output: -f when given, else FILE_FORMAT, else csv. */
  fileFormat: field<Format>({
    option: 'format',
    flag: '--format',
    env: 'FILE_FORMAT',
    default: 'csv',
    parse: p.oneOf(FORMATS),
  }),
  file: field({
    option: 'file',
    flag: '--file',
    env: 'HEMS_FILE',
    default: 'hems_data.dat',
    parse: p.nonEmpty,
  }),
  port: field({
    option: 'port',
    flag: '--port',
    env: 'SERIAL_PORT',
    default: '/dev/ttyUSB0',
    parse: p.portSpec,
  }),
  baudrate: field({
    option: 'baudrate',
    flag: '--baudrate',
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
  webhookUrl: field<string | null>({
    option: 'webhookUrl',
    flag: '--webhook-url',
    env: 'WEBHOOK_URL',
    default: null,
    parse: p.httpUrl,
  }),
  webhookSecret: field<string | null>({ env: 'WEBHOOK_SECRET', default: null, parse: p.str, secret: true }),
  webhookToken: field<string | null>({
    env: 'WEBHOOK_TOKEN',
    default: null,
    parse: p.headerValue,
    secret: true,
  }),
  /** Header values are often API keys: treated as secrets. */
  webhookHeaders: field<Record<string, string>>({
    env: 'WEBHOOK_HEADERS',
    default: {},
    parse: p.headers,
    secret: true,
  }),
  gcpProject: field<string | null>({
    option: 'gcpProject',
    flag: '--gcp-project',
    env: 'GCP_PROJECT_ID',
    default: null,
    parse: p.nonEmpty,
  }),
  gcpTopic: field<string | null>({
    option: 'gcpTopic',
    flag: '--gcp-topic',
    env: 'GCP_TOPIC_NAME',
    default: null,
    parse: p.nonEmpty,
  }),
  mqttUrl: field<string | null>({ env: 'MQTT_URL', default: null, parse: p.mqttUrl }),
  mqttUsername: field<string | null>({ env: 'MQTT_USERNAME', default: null, parse: p.str }),
  mqttPassword: field<string | null>({ env: 'MQTT_PASSWORD', default: null, parse: p.str, secret: true }),
  mqttTopicPrefix: field({ env: 'MQTT_TOPIC_PREFIX', default: 'hems', parse: p.topicPrefix }),
  meterChannel: field<number | null>({
    option: 'meterChannel',
    flag: '--meter-channel',
    default: null,
    parse: p.channel,
  }),
  meterPanid: field<number | null>({
    option: 'meterPanid',
    flag: '--meter-panid',
    default: null,
    parse: p.panId,
  }),
  meterIpv6: field<string | null>({
    option: 'meterIpv6',
    flag: '--meter-ipv6',
    default: null,
    parse: p.ipv6,
  }),
  mode: field({
    option: 'mode',
    flag: '--mode',
    env: 'HEMS_MODE',
    default: 'schedule',
    parse: p.oneOf(MODES),
  }),
  schedule: field({
    option: 'schedule',
    flag: '--schedule',
    env: 'HEMS_SCHEDULE',
    default: '*/5 * * * *',
    parse: p.cron,
  }),
  interval: field({
    option: 'interval',
    flag: '--interval',
    env: 'HEMS_INTERVAL',
    default: 300,
    parse: p.int(1, Number.MAX_SAFE_INTEGER, 'a whole number of seconds'),
  }),
  debug: field({ option: 'debug', flag: '--debug', default: false, parse: p.bool }),
  dongle: field({
    option: 'dongle',
    flag: '--dongle',
    env: 'WISUN_DONGLE',
    default: 'auto',
    parse: p.oneOf(DONGLE_MODELS),
  }),
  stateDir: field({
    option: 'stateDir',
    flag: '--state-dir',
    env: 'HEMS_STATE_DIR',
    default: './.hems-state',
    parse: p.nonEmpty,
  }),
  logFormat: field({
    option: 'logFormat',
    flag: '--log-format',
    env: 'HEMS_LOG_FORMAT',
    default: 'text',
    parse: p.oneOf(LOG_FORMATS),
  }),
  http: field<p.HostPort | null>({
    option: 'http',
    flag: '--http',
    env: 'HEMS_HTTP',
    default: null,
    parse: p.hostPort,
  }),
  /** Host names the `--http` server answers to, besides IP addresses and localhost (DNS rebinding). */
  httpAllowHost: field<string[]>({
    option: 'httpAllowHost',
    flag: '--http-allow-host',
    env: 'HEMS_HTTP_ALLOW_HOST',
    default: [],
    parse: p.hostNames,
  }),
  retentionDays: field({
    option: 'retentionDays',
    flag: '--retention-days',
    env: 'HEMS_RETENTION_DAYS',
    default: 400,
    parse: p.int(1, 100_000, 'a whole number of days'),
  }),
  outboxMax: field({
    option: 'outboxMax',
    flag: '--outbox-max',
    env: 'HEMS_OUTBOX_MAX',
    default: 100_000,
    parse: p.int(1, 100_000_000, 'a whole number of records'),
  }),
  backfillDays: field({
    option: 'backfillDays',
    flag: '--backfill-days',
    env: 'HEMS_BACKFILL_DAYS',
    // The meter keeps E2 history for the current day and 99 days back (E5 = 0..99).
    default: 7,
    parse: p.int(0, 99, 'a whole number of days'),
  }),
  /** The electricity contract (tariff YAML file), for costs on the dashboard, metrics, MQTT and `report`. */
  tariff: field<Tariff | null>({
    option: 'tariff',
    flag: '--tariff',
    env: 'TARIFF_FILE',
    default: null,
    parse: tariffFile,
  }),
};

type Fields = typeof FIELDS;
export type FieldValues = { [K in keyof Fields]: Fields[K] extends Field<infer T> ? T : never };

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

  if (v.output.includes('webhook') && v.webhookUrl === null && from.webhookUrl === 'default') {
    problems.push('--output webhook needs a URL: give --webhook-url or set WEBHOOK_URL');
  }
  if (v.output.includes('gcloud')) {
    if (v.gcpProject === null && from.gcpProject === 'default') {
      problems.push('--output gcloud needs a project: give --gcp-project or set GCP_PROJECT_ID');
    }
    if (v.gcpTopic === null && from.gcpTopic === 'default') {
      problems.push('--output gcloud needs a topic: give --gcp-topic or set GCP_TOPIC_NAME');
    }
  }
  if (v.output.includes('mqtt') && v.mqttUrl === null && from.mqttUrl === 'default') {
    problems.push('--output mqtt needs a broker: set MQTT_URL (for example mqtt://localhost:1883)');
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
