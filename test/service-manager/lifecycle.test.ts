import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP,
  install,
  mode,
  NODE,
  parseEnv,
  REPO,
  removeRoot,
  run,
  runManager,
  UNIT,
  unitLines,
  useRoots,
  VALID_ID,
} from './helpers.js';

const root = useRoots();

describe('update, uninstall, status', () => {
  it('update keeps .env byte for byte and regenerates the unit', async () => {
    const dir = root();
    expect((await install(dir, { HEMS_OUTPUT: 'webhook', WEBHOOK_URL: 'https://a.example/' })).code).toBe(0);
    const envPath = join(dir, APP, '.env');
    const before = readFileSync(envPath, 'utf8');
    const unitBefore = readFileSync(join(dir, UNIT), 'utf8');
    removeRoot(join(dir, UNIT));
    removeRoot(join(dir, APP, 'src'));
    const r = await runManager(['update', '--root', dir, '--non-interactive', '--skip-build'], {
      NODE_BIN: NODE,
      WEBHOOK_URL: 'https://ignored.example/',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stays stopped');
    expect(readFileSync(envPath, 'utf8')).toBe(before);
    expect(mode(envPath)).toBe(0o600);
    expect(readFileSync(join(dir, UNIT), 'utf8')).toBe(unitBefore);
    expect(existsSync(join(dir, APP, 'src/errors.ts'))).toBe(true);
  });

  it('update --reconfigure takes new answers, keeps the rest, and backs up the old .env', async () => {
    const dir = root();
    expect((await install(dir, { B_ROUTE_PASSWORD: 'old$ecret' })).code).toBe(0);
    const r = await runManager(
      ['update', '--root', dir, '--non-interactive', '--skip-build', '--reconfigure'],
      {
        NODE_BIN: NODE,
        HEMS_OUTPUT: 'mqtt',
        MQTT_URL: 'mqtt://10.0.0.2',
        SERIAL_PORT: 'tcp://10.0.0.3:3610',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = parseEnv(readFileSync(join(dir, APP, '.env'), 'utf8'));
    expect(env).toMatchObject({
      B_ROUTE_ID: VALID_ID,
      B_ROUTE_PASSWORD: 'old$ecret',
      HEMS_OUTPUT: 'mqtt',
      MQTT_URL: 'mqtt://10.0.0.2',
      SERIAL_PORT: 'tcp://10.0.0.3:3610',
    });
    expect(env['HEMS_FILE']).toBeUndefined();
    expect(mode(join(dir, APP, '.env.bak'))).toBe(0o600);
    expect(parseEnv(readFileSync(join(dir, APP, '.env.bak'), 'utf8'))['HEMS_OUTPUT']).toBe('file');
    expect(unitLines(dir).some((l) => l.startsWith('DeviceAllow='))).toBe(false);
  });

  it('update refuses when nothing is installed', async () => {
    const dir = root();
    const r = await runManager(['update', '--root', dir, '--non-interactive', '--skip-build'], {
      NODE_BIN: NODE,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing to update');
  });

  it('uninstall removes the app and unit but keeps data and user unless told', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const r = await runManager(['uninstall', '--root', dir, '--non-interactive'], {});
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, UNIT))).toBe(false);
    expect(existsSync(join(dir, APP))).toBe(false);
    expect(existsSync(join(dir, 'var/lib/hems-data-collector/data'))).toBe(true);
    expect(r.stdout).toContain('Kept the data');
    expect(r.stdout).toContain('Kept the user');
  });

  it('uninstall --purge-data --remove-user deletes data (also outside the state dir) and the user', async () => {
    const dir = root();
    expect((await install(dir, { HEMS_FILE: '/srv/hems/data.csv' })).code).toBe(0);
    const r = await runManager(
      ['uninstall', '--root', dir, '--non-interactive', '--purge-data', '--remove-user'],
      {},
    );
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'var/lib/hems-data-collector'))).toBe(false);
    expect(existsSync(join(dir, 'srv/hems'))).toBe(false);
    expect(r.stdout).toContain('skipped (staging root): userdel hems-data-collector');
  });

  it('uninstall asks before deleting data and the user', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const r = await runManager(['uninstall', '--root', dir], {}, 'y\nn\n');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'var/lib/hems-data-collector'))).toBe(false);
    expect(r.stdout).toContain('Kept the user');
  });

  it('status reports the newest stored reading, tolerating a missing database or table', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const status = () => runManager(['status', '--root', dir], {});
    expect((await status()).stdout).toContain('Last reading: none yet (no database');
    expect((await status()).stdout).toContain('outputs: file');

    symlinkSync(join(REPO, 'node_modules'), join(dir, APP, 'node_modules'));
    const db = join(dir, 'var/lib/hems-data-collector/hems.db');
    const sqlite = (sql: string) =>
      run(NODE, [
        '-e',
        `const D=require('better-sqlite3'); new D(process.argv[1]).exec(process.argv[2]);`,
        db,
        sql,
      ]);
    expect((await sqlite('CREATE TABLE other (x)')).code).toBe(0);
    expect((await status()).stdout).toMatch(/Last reading: unknown \(no such table: readings\)/);

    expect(
      (
        await sqlite(
          'CREATE TABLE readings (ts_ms INTEGER); INSERT INTO readings VALUES (1700000000000), (1700000300000);',
        )
      ).code,
    ).toBe(0);
    const r = await status();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Last reading: ${new Date(1700000300000).toISOString()}`);
    expect(r.stdout).toContain('skipped (staging root): systemctl status');
  });
});
