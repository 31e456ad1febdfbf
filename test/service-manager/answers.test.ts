import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP, install, NODE, parseEnv, runManager, setting, useRoots, VALID_ID } from './helpers.js';

const root = useRoots();

describe('answers', () => {
  it('reports every missing answer, one line each, exit 2, and writes nothing', async () => {
    const dir = root();
    const r = await runManager(['install', '--root', dir, '--non-interactive', '--skip-build'], {
      NODE_BIN: NODE,
      HEMS_OUTPUT: 'webhook gcloud mqtt',
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const key of ['B_ROUTE_ID', 'B_ROUTE_PASSWORD', 'WEBHOOK_URL', 'GCP_PROJECT_ID', 'MQTT_URL']) {
      expect(lines.some((l) => l.startsWith(`error: ${key}: `))).toBe(true);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects invalid values with a reason per key', async () => {
    const dir = root();
    const r = await install(dir, {
      SERIAL_PORT: 'COM3',
      SERIAL_RATE: 'fast',
      B_ROUTE_ID: 'X'.repeat(31),
      HEMS_OUTPUT: 'file printer',
      LOCAL_TIMEZONE: 'Mars/Olympus_Mons',
      HEMS_SCHEDULE: 'every day',
      HEMS_STATE_DIR: '/home/pi/hems',
    });
    expect(r.code).toBe(2);
    const keys = r.stderr
      .trim()
      .split('\n')
      .map((l) => /^error: ([A-Z_]+):/.exec(l)?.[1]);
    expect(keys).toEqual([
      'SERIAL_PORT',
      'SERIAL_RATE',
      'B_ROUTE_ID',
      'HEMS_OUTPUT',
      'HEMS_FILE', // the default file is under the state directory, in /home too
      'LOCAL_TIMEZONE',
      'HEMS_SCHEDULE_ANSWER',
      'HEMS_STATE_DIR',
    ]);
    expect(r.stderr).toContain('Mars/Olympus_Mons');
    expect(r.stderr).toContain('ProtectHome');
  });

  it('accepts the answers as flags, and a number of seconds as interval mode', async () => {
    const dir = root();
    const r = await install(dir, {}, [
      '--serial-port',
      '/dev/ttyACM0',
      '--serial-rate',
      '9600',
      '--output',
      'gcloud mqtt',
      '--gcp-project',
      'my-project-1',
      '--mqtt-url',
      'mqtts://broker.local:8883',
      '--timezone',
      'UTC',
      '--schedule',
      '60',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = parseEnv(readFileSync(join(dir, APP, '.env'), 'utf8'));
    expect(env).toMatchObject({
      SERIAL_PORT: '/dev/ttyACM0',
      SERIAL_RATE: '9600',
      HEMS_OUTPUT: 'gcloud mqtt',
      GCP_PROJECT_ID: 'my-project-1',
      GCP_TOPIC_NAME: 'hems-data',
      MQTT_URL: 'mqtts://broker.local:8883',
      LOCAL_TIMEZONE: 'UTC',
      HEMS_MODE: 'interval',
      HEMS_INTERVAL: '60',
    });
    expect(env['HEMS_FILE']).toBeUndefined();
    expect(env['HEMS_SCHEDULE']).toBeUndefined();
    // No file output: only the state directory is writable and no data directory is made.
    expect(setting(dir, 'ReadWritePaths')).toEqual(['"/var/lib/hems-data-collector"']);
    expect(existsSync(join(dir, 'var/lib/hems-data-collector/data'))).toBe(false);
  });

  it('takes any setting the app lists as --set KEY=VALUE, but never the password', async () => {
    const dir = root();
    const r = await install(dir, { HEMS_OUTPUT: 'mqtt' }, [
      '--set',
      'MQTT_URL=mqtt://127.0.0.1:1883',
      '--set',
      'MQTT_TOPIC_PREFIX=home/power',
      '--set',
      'HEMS_RETENTION_DAYS=30',
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const env = parseEnv(readFileSync(join(dir, APP, '.env'), 'utf8'));
    expect(env).toMatchObject({
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      MQTT_TOPIC_PREFIX: 'home/power',
      HEMS_RETENTION_DAYS: '30',
    });
    const password = await install(root(), {}, ['--set', 'B_ROUTE_PASSWORD=hunter22']);
    expect(password.code).toBe(2);
    expect(password.stderr).toContain('never taken from a flag');
    expect(password.stderr).not.toContain('hunter22');
    const bad = await install(root(), {}, ['--set', 'path=/tmp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set needs KEY=VALUE');
    const unknown = await install(root(), {}, ['--set', 'PATH=/tmp']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--set: unknown setting PATH');
  });

  it('asks interactively, re-asking after each invalid answer', async () => {
    const dir = root();
    const answers = [
      '', // serial port: default
      'abc', // baud: invalid
      '9600',
      'short', // ID: invalid
      VALID_ID,
      '', // password: required
      'secret-pass',
      'file webhook',
      'xml', // format: invalid
      'json',
      '', // file: default
      'ftp://nope', // webhook: invalid
      'https://hooks.example/x',
      'Not/AZone',
      '', // time zone: default
      '*/10 * * * *',
    ];
    const r = await runManager(
      ['install', '--root', dir, '--skip-build'],
      { NODE_BIN: NODE },
      `${answers.join('\n')}\n`,
    );
    expect(r.code).toBe(0);
    const env = parseEnv(readFileSync(join(dir, APP, '.env'), 'utf8'));
    expect(env).toMatchObject({
      SERIAL_PORT: '/dev/ttyUSB0',
      SERIAL_RATE: '9600',
      B_ROUTE_ID: VALID_ID,
      B_ROUTE_PASSWORD: 'secret-pass',
      HEMS_OUTPUT: 'file webhook',
      FILE_FORMAT: 'json',
      HEMS_FILE: '/var/lib/hems-data-collector/data/hems_data.json',
      WEBHOOK_URL: 'https://hooks.example/x',
      LOCAL_TIMEZONE: 'Asia/Tokyo',
      HEMS_SCHEDULE: '*/10 * * * *',
    });
    const complaints = r.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(complaints).toHaveLength(6);
    expect(r.stderr + r.stdout).not.toContain('secret-pass');
  });

  it('stops with exit 2 when interactive input ends early', async () => {
    const dir = root();
    const r = await runManager(
      ['install', '--root', dir, '--skip-build'],
      { NODE_BIN: NODE },
      '/dev/ttyUSB0\n',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no answer for SERIAL_RATE');
  });
});
