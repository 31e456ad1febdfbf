import { describe, expect, it } from 'vitest';
import {
  type Config,
  type ConfigSources,
  DEMO_B_ROUTE_ID,
  DEMO_B_ROUTE_PASSWORD,
  resolveConfig,
} from '../../src/config/schema.js';

const ID = '0123456789ABCDEF0123456789ABCDEF';
const CREDS = { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'SECRETPASS12' };

function ok(src: Partial<ConfigSources>): Config {
  const r = resolveConfig({ options: {}, env: CREDS, ...src });
  if (!r.ok) throw new Error(`unexpected problems: ${r.problems.join(' | ')}`);
  return r.config;
}

function problems(src: Partial<ConfigSources>): string[] {
  const r = resolveConfig({ options: {}, env: CREDS, ...src });
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('defaults', () => {
  it('match the original tool and our additions', () => {
    const c = ok({});
    expect(c).toMatchObject({
      output: [],
      format: 'json',
      fileFormat: 'csv',
      file: 'hems_data.dat',
      filePath: 'hems_data.dat.csv',
      port: '/dev/ttyUSB0',
      baudrate: 115200,
      bRouteId: ID,
      bRoutePassword: 'SECRETPASS12',
      timezone: 'Asia/Tokyo',
      webhookUrl: null,
      webhookSecret: null,
      webhookToken: null,
      webhookHeaders: {},
      gcpProject: null,
      gcpTopic: null,
      mqttUrl: null,
      mqttTopicPrefix: 'hems',
      meter: null,
      mode: 'schedule',
      schedule: '*/5 * * * *',
      interval: 300,
      debug: false,
      dongle: 'auto',
      stateDir: './.hems-state',
      logFormat: 'text',
      http: null,
      retentionDays: 400,
      outboxMax: 100000,
      backfillDays: 7,
      demoCredentials: false,
    });
  });
});

describe('every option', () => {
  it.each([
    [{ output: ['stdout', 'file'] }, { output: ['stdout', 'file'] }],
    [{ output: ['stdout,file', 'stdout'] }, { output: ['stdout', 'file'] }],
    [{ output: true }, { output: [] }],
    [{ format: 'yaml' }, { format: 'yaml', fileFormat: 'yaml', filePath: 'hems_data.dat.yaml' }],
    [{ format: 'CSV' }, { format: 'csv' }],
    [{ file: 'out.json' }, { filePath: 'out.json' }],
    [{ port: 'sim' }, { port: 'sim' }],
    [{ port: 'tcp://127.0.0.1:3610' }, { port: 'tcp://127.0.0.1:3610' }],
    [{ baudrate: '9600' }, { baudrate: 9600 }],
    [{ webhookUrl: 'https://example.com/hook' }, { webhookUrl: 'https://example.com/hook' }],
    [
      { gcpProject: 'p1', gcpTopic: 't1' },
      { gcpProject: 'p1', gcpTopic: 't1' },
    ],
    [
      { meterChannel: '3B', meterPanid: '8cf5', meterIpv6: 'fe80::21c:6400:36e:8cf5' },
      { meter: { channel: 0x3b, panId: 0x8cf5, ipv6: 'FE80:0000:0000:0000:021C:6400:036E:8CF5' } },
    ],
    [
      { mode: 'interval', interval: '60' },
      { mode: 'interval', interval: 60 },
    ],
    [{ schedule: '0 * * * *' }, { schedule: '0 * * * *' }],
    [{ debug: true }, { debug: true }],
    [{ dongle: 'bp35c2' }, { dongle: 'BP35C2' }],
    [{ stateDir: '/var/lib/hems' }, { stateDir: '/var/lib/hems' }],
    [{ logFormat: 'json' }, { logFormat: 'json' }],
    [{ http: '0.0.0.0:9100' }, { http: { host: '0.0.0.0', port: 9100 } }],
    [{ http: '[::1]:9100' }, { http: { host: '::1', port: 9100 } }],
    [{ http: '9100' }, { http: { host: '127.0.0.1', port: 9100 } }],
    [{ retentionDays: '30' }, { retentionDays: 30 }],
    [{ outboxMax: '500' }, { outboxMax: 500 }],
    [{ backfillDays: '0' }, { backfillDays: 0 }],
  ] as [Record<string, unknown>, Partial<Config>][])('%j', (options, want) => {
    expect(ok({ options })).toMatchObject(want);
  });
});

describe('every environment variable', () => {
  it.each([
    [{ SERIAL_PORT: '/dev/ttyACM0' }, { port: '/dev/ttyACM0' }],
    [{ SERIAL_RATE: '38400' }, { baudrate: 38400 }],
    [{ LOCAL_TIMEZONE: 'Europe/Paris' }, { timezone: 'Europe/Paris' }],
    [{ FILE_FORMAT: 'json' }, { format: 'json', fileFormat: 'json', filePath: 'hems_data.dat.json' }],
    [{ WEBHOOK_URL: 'http://h/x' }, { webhookUrl: 'http://h/x' }],
    [{ WEBHOOK_SECRET: 's3' }, { webhookSecret: 's3' }],
    [{ WEBHOOK_TOKEN: 'tok' }, { webhookToken: 'tok' }],
    [{ WEBHOOK_HEADERS: '{"X-A":"1"}' }, { webhookHeaders: { 'X-A': '1' } }],
    [{ WEBHOOK_HEADERS: 'X-A: 1; X-B: two words' }, { webhookHeaders: { 'X-A': '1', 'X-B': 'two words' } }],
    [{ GCP_PROJECT_ID: 'p' }, { gcpProject: 'p' }],
    [{ GCP_TOPIC_NAME: 't' }, { gcpTopic: 't' }],
    [{ MQTT_URL: 'mqtt://localhost:1883' }, { mqttUrl: 'mqtt://localhost:1883' }],
    [{ MQTT_TOPIC_PREFIX: 'home/power' }, { mqttTopicPrefix: 'home/power' }],
    [
      { MQTT_USERNAME: 'u', MQTT_PASSWORD: 'pw' },
      { mqttUsername: 'u', mqttPassword: 'pw' },
    ],
    [{ WISUN_DONGLE: 'RL7023-IPS' }, { dongle: 'RL7023-IPS' }],
    [{ HEMS_STATE_DIR: '/tmp/s' }, { stateDir: '/tmp/s' }],
    [{ HEMS_HTTP: '127.0.0.1:8080' }, { http: { host: '127.0.0.1', port: 8080 } }],
    [{ HEMS_LOG_FORMAT: 'json' }, { logFormat: 'json' }],
    [{ HEMS_RETENTION_DAYS: '10' }, { retentionDays: 10 }],
    [{ HEMS_OUTBOX_MAX: '10' }, { outboxMax: 10 }],
    [{ HEMS_BACKFILL_DAYS: '99' }, { backfillDays: 99 }],
    [{ WEBHOOK_URL: '' }, { webhookUrl: null }],
    [{ HEMS_OUTPUT: 'stdout file' }, { output: ['stdout', 'file'] }],
    [{ HEMS_FILE: '/var/lib/hems/data/hems_data.csv' }, { filePath: '/var/lib/hems/data/hems_data.csv' }],
    [
      { HEMS_MODE: 'interval', HEMS_INTERVAL: '120', HEMS_SCHEDULE: '' },
      { mode: 'interval', interval: 120 },
    ],
    [{ HEMS_SCHEDULE: '0 */2 * * *' }, { schedule: '0 */2 * * *' }],
    [{ SERIAL_PORT: '' }, { port: '/dev/ttyUSB0' }],
  ] as [Record<string, string>, Partial<Config>][])('%j', (env, want) => {
    expect(ok({ env: { ...CREDS, ...env } })).toMatchObject(want);
  });

  it('-f applies to stdout and file; FILE_FORMAT only sets the file format when -f is absent', () => {
    expect(ok({ env: { ...CREDS, FILE_FORMAT: 'yaml' } })).toMatchObject({
      format: 'json',
      fileFormat: 'yaml',
    });
    expect(ok({ options: { format: 'json' }, env: { ...CREDS, FILE_FORMAT: 'yaml' } })).toMatchObject({
      format: 'json',
      fileFormat: 'json',
    });
  });
});

describe('precedence: option > environment > .env > default', () => {
  it('takes each layer in turn', () => {
    const dotenv = { SERIAL_PORT: '/dev/dotenv', SERIAL_RATE: '9600', LOCAL_TIMEZONE: 'UTC', ...CREDS };
    const env = { SERIAL_PORT: '/dev/env', SERIAL_RATE: '19200' };
    const c = ok({ options: { port: '/dev/opt' }, env, dotenv });
    expect(c.port).toBe('/dev/opt');
    expect(c.baudrate).toBe(19200);
    expect(c.timezone).toBe('UTC');
    expect(c.bRouteId).toBe(ID);
    expect(c.schedule).toBe('*/5 * * * *');
  });

  it('names the layer a bad value came from', () => {
    expect(problems({ dotenv: { SERIAL_RATE: 'x' } })).toEqual([
      'SERIAL_RATE (in .env): must be a whole number of bits per second (got "x")',
    ]);
    expect(problems({ env: { ...CREDS, SERIAL_RATE: 'x' } })).toEqual([
      'SERIAL_RATE: must be a whole number of bits per second (got "x")',
    ]);
    expect(problems({ options: { baudrate: 'x' } })).toEqual([
      '--baudrate: must be a whole number of bits per second (got "x")',
    ]);
  });
});

describe('credentials', () => {
  it('uses demo credentials with --port sim when none are set', () => {
    const c = ok({ options: { port: 'sim' }, env: {} });
    expect(c).toMatchObject({
      bRouteId: DEMO_B_ROUTE_ID,
      bRoutePassword: DEMO_B_ROUTE_PASSWORD,
      demoCredentials: true,
    });
    expect(DEMO_B_ROUTE_ID).toHaveLength(32);
  });

  it('keeps configured credentials with sim and fills only what is missing', () => {
    expect(ok({ options: { port: 'sim' } })).toMatchObject({ bRouteId: ID, demoCredentials: false });
    expect(ok({ options: { port: 'sim' }, env: { B_ROUTE_ID: ID } })).toMatchObject({
      bRouteId: ID,
      bRoutePassword: DEMO_B_ROUTE_PASSWORD,
      demoCredentials: true,
    });
  });

  it('an empty variable falls through to the next layer', () => {
    expect(ok({ env: { ...CREDS, SERIAL_RATE: '' }, dotenv: { SERIAL_RATE: '9600' } }).baudrate).toBe(9600);
    expect(problems({ env: { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: '' } })).toEqual([
      'B_ROUTE_PASSWORD: missing; set your B-route password',
    ]);
  });

  it('requires them for a real port unless the command does not need them', () => {
    expect(problems({ env: {} })).toEqual([
      'B_ROUTE_ID: missing; set your 32-character B-route ID',
      'B_ROUTE_PASSWORD: missing; set your B-route password',
    ]);
    expect(resolveConfig({ options: {}, env: {} }, { requireCredentials: false }).ok).toBe(true);
  });

  it('never echoes the ID or password in a problem', () => {
    const list = problems({ env: { B_ROUTE_ID: 'SHORTSECRETID', B_ROUTE_PASSWORD: 'has space secret' } });
    expect(list).toEqual([
      'B_ROUTE_ID: must be exactly 32 characters (got 13)',
      'B_ROUTE_PASSWORD: must be 1 to 32 characters without spaces',
    ]);
    expect(list.join()).not.toContain('SECRET');
    expect(problems({ env: { B_ROUTE_ID: `${'A'.repeat(31)}-`, B_ROUTE_PASSWORD: 'p' } })).toEqual([
      'B_ROUTE_ID: must contain only letters and digits',
    ]);
  });
});

describe('validation reports every problem at once', () => {
  it('lists each problem in plain words', () => {
    const list = problems({
      options: {
        output: ['stdout', 'gcloud', 'webhook', 'mqtt', 'printer'],
        format: 'xml',
        port: 'udp://x',
        baudrate: '0',
        mode: 'cron',
        schedule: '61 * * * *',
        interval: '0',
        dongle: 'XYZ',
        logFormat: 'pretty',
        http: 'host:99999',
        retentionDays: '-1',
        outboxMax: 'many',
        backfillDays: '100',
        meterChannel: '10',
        meterPanid: 'GGGG',
      },
      env: {
        B_ROUTE_ID: 'short',
        LOCAL_TIMEZONE: 'Mars/Olympus',
        WEBHOOK_HEADERS: '{"bad header":"x"}',
        MQTT_TOPIC_PREFIX: 'a/#',
      },
    });
    expect(list).toEqual([
      '--output: unknown value "printer"; use stdout, file, webhook, gcloud, mqtt',
      '--format: must be one of json, yaml, csv (got "xml")',
      '--port: must be a serial device path, sim, or tcp://HOST:PORT (got "udp://x")',
      '--baudrate: must be between 1 and 4000000 (got 0)',
      'LOCAL_TIMEZONE: unknown time zone "Mars/Olympus" (use an IANA name such as Asia/Tokyo)',
      '--meter-channel: must be a hex channel from 21 to 3C (got "10")',
      '--meter-panid: must be a hex PAN ID from 0000 to FFFF (got "GGGG")',
      '--mode: must be one of schedule, interval (got "cron")',
      expect.stringMatching(/^--schedule: not a valid cron expression "61 \* \* \* \*"/),
      '--interval: must be at least 1 (got 0)',
      '--dongle: must be one of auto, BP35A1, RL7023-IPS, BP35C0, BP35C2, RS-WSUHA-P, RL7023-DSS (got "XYZ")',
      '--log-format: must be one of text, json (got "pretty")',
      '--http: must be HOST:PORT with a port from 1 to 65535 (got "host:99999")',
      '--retention-days: must be between 1 and 100000 (got -1)',
      '--outbox-max: must be a whole number of records (got "many")',
      '--backfill-days: must be between 0 and 99 (got 100)',
      // Each output's settings come after the collector's own, in registry order.
      'WEBHOOK_HEADERS: "bad header" is not a valid header name',
      'MQTT_TOPIC_PREFIX: must not contain + or # nor start or end with / (got "a/#")',
      'B_ROUTE_ID: must be exactly 32 characters (got 5)',
      'B_ROUTE_PASSWORD: missing; set your B-route password',
      '--output webhook needs a URL: give --webhook-url or set WEBHOOK_URL',
      '--output gcloud needs a project: give --gcp-project or set GCP_PROJECT_ID',
      '--output gcloud needs a topic: give --gcp-topic or set GCP_TOPIC_NAME',
      '--output mqtt needs a broker: set MQTT_URL (for example mqtt://localhost:1883)',
      '--meter-channel, --meter-panid and --meter-ipv6 must be given together',
    ]);
  });

  it('rejects non-http webhook URLs, bad MQTT URLs, bad IPv6 and bad tcp ports', () => {
    expect(
      problems({
        options: { webhookUrl: 'ftp://x/y', meterChannel: '21', meterPanid: '1', meterIpv6: 'fe80::1::2' },
        env: { ...CREDS, MQTT_URL: 'http://broker' },
      }),
    ).toEqual([
      '--meter-ipv6: must be an IPv6 address such as FE80:0000:0000:0000:021C:6400:03DD:6393 (got "fe80::1::2")',
      '--webhook-url: must be an http:// or https:// URL',
      'MQTT_URL: must be an mqtt:// or mqtts:// URL',
    ]);
    expect(problems({ options: { webhookUrl: 'not a url', port: 'tcp://host' } })).toEqual([
      '--port: tcp:// port must be tcp://HOST:PORT (got "tcp://host")',
      '--webhook-url: not a valid URL "not a url"',
    ]);
  });

  it('accepts six-field cron (seconds) and full IPv6 forms', () => {
    expect(ok({ options: { schedule: '*/10 * * * * *' } }).schedule).toBe('*/10 * * * * *');
    expect(
      ok({
        options: {
          meterChannel: '0x21',
          meterPanid: '0x0001',
          meterIpv6: 'FE80:0000:0000:0000:021C:6400:03DD:6393',
        },
      }).meter,
    ).toEqual({ channel: 0x21, panId: 1, ipv6: 'FE80:0000:0000:0000:021C:6400:03DD:6393' });
  });
});

describe('secrets and hostile values', () => {
  it('refuses header values that no HTTP request can carry, without echoing them', () => {
    const list = problems({
      env: {
        ...CREDS,
        WEBHOOK_TOKEN: 'tok-abc\r\nX-Evil: 1',
        WEBHOOK_HEADERS: 'X-Api-Key: kéy-ok; X-Other: 鍵-secret-value',
      },
    });
    expect(list).toEqual([
      'WEBHOOK_TOKEN: contains a line break (value not shown)',
      'WEBHOOK_HEADERS: the value of header "X-Other" contains a character that an HTTP header cannot carry (only Latin-1 is allowed; value not shown)',
    ]);
    expect(list.join()).not.toMatch(/tok-abc|secret-value|Evil/);
    expect(problems({ env: { ...CREDS, WEBHOOK_HEADERS: '{"X-Key":"a\\u0000b"}' } })).toEqual([
      'WEBHOOK_HEADERS: the value of header "X-Key" contains a control character (value not shown)',
    ]);
    // A pair without its colon may be a bare key: not quoted back either.
    expect(problems({ env: { ...CREDS, WEBHOOK_HEADERS: 'sk-live-12345' } })).toEqual([
      'WEBHOOK_HEADERS: expected "Name: value" pairs separated by ";" (value not shown)',
    ]);
    // Latin-1 (é) and a tab are fine.
    expect(ok({ env: { ...CREDS, WEBHOOK_TOKEN: 'a\tb-é' } }).webhookToken).toBe('a\tb-é');
  });

  it('never echoes the user information or the path of a URL it refuses', () => {
    const list = problems({
      env: {
        ...CREDS,
        WEBHOOK_URL: 'https://user:pa55word@exa mple.com/services/T0/B0/KEY',
        MQTT_URL: 'mqtt://bob:hunter2@broker host:1883',
      },
    });
    expect(list).toEqual([
      'WEBHOOK_URL: not a valid URL "https://****@exa mple.com/…"',
      'MQTT_URL: not a valid URL "mqtt://****@broker host:1883"',
    ]);
  });

  it('takes --http-allow-host names, comma- or space-separated, and refuses what is not a name', () => {
    expect(
      ok({ env: { ...CREDS, HEMS_HTTP_ALLOW_HOST: 'Pi.Local., hems.lan  hems.lan' } }).httpAllowHost,
    ).toEqual(['pi.local', 'hems.lan']);
    expect(problems({ options: { httpAllowHost: 'good.lan,bad_name' } })).toEqual([
      '--http-allow-host: "bad_name" is not a host name (letters, digits, hyphens and dots)',
    ]);
  });
});
