/**
 * Installer safety (issue 16): system directories are never taken over or deleted, uninstall
 * deletes only the directories the installer created (marked), and the answers are checked by
 * the app itself (check-config) before anything is written or started.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP, install, NODE, parseEnv, runManager, useRoots } from './helpers.js';

const root = useRoots();
const MARKER = '.hems-data-collector-owned';

describe('installer safety', () => {
  it('refuses a system directory, or a parent of one, as the state or data directory', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ HEMS_STATE_DIR: '/' }, /^error: HEMS_STATE_DIR: is a system directory \(\/\): \/$/m],
      [{ HEMS_STATE_DIR: '/var' }, /^error: HEMS_STATE_DIR: is a system directory \(\/var\)/m],
      [{ HEMS_STATE_DIR: '/var/lib' }, /^error: HEMS_STATE_DIR: is a system directory \(\/var\/lib\)/m],
      [
        { HEMS_STATE_DIR: '/var/lib/hems-data-collector/..' },
        /HEMS_STATE_DIR: is a system directory \(\/var\/lib\)/,
      ],
      [{ HEMS_STATE_DIR: '/opt' }, /HEMS_STATE_DIR: is a system directory \(\/opt\)/],
      [{ HEMS_STATE_DIR: '/srv' }, /HEMS_STATE_DIR: is a system directory \(\/srv\)/],
      [{ HEMS_STATE_DIR: '/lib64' }, /HEMS_STATE_DIR: is a system directory \(\/lib64\)/],
      [
        { HEMS_STATE_DIR: '/opt/hems-data-collector' },
        /is a system directory \(\/opt\/hems-data-collector\)/,
      ],
      [{ HEMS_STATE_DIR: '/etc' }, /HEMS_STATE_DIR: .*\/etc/],
      [
        { HEMS_FILE: '/var/lib/data.csv' },
        /^error: HEMS_FILE: its directory is a system directory \(\/var\/lib\)/m,
      ],
    ];
    await Promise.all(
      cases.map(async ([env, message]) => {
        const dir = root();
        const r = await install(dir, env);
        expect(r.code, JSON.stringify(env)).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(readdirSync(dir)).toEqual([]);
      }),
    );
  });

  it('resolves symlinks, also inside the staging root, before deciding', async () => {
    const dir = root();
    mkdirSync(join(dir, 'srv'));
    // One link leaves the staging root for the real /var/lib, one stays inside it.
    symlinkSync('/var/lib', join(dir, 'srv/out'));
    symlinkSync('../var', join(dir, 'srv/in'));
    for (const [state, shown] of [
      ['/srv/out', '/var/lib'],
      ['/srv/in', '/var'],
      ['/srv/in/lib', '/var/lib'],
    ]) {
      const r = await install(dir, { HEMS_STATE_DIR: state as string });
      expect(r.code, state).toBe(2);
      expect(r.stderr).toContain(`HEMS_STATE_DIR: is a system directory (${shown}): ${state}`);
    }
    expect(readdirSync(dir)).toEqual(['srv']);
  });

  it('marks the directories it creates; uninstall --purge-data deletes only marked ones, saying so for the others', async () => {
    const dir = root();
    const existing = join(dir, 'srv/existing');
    mkdirSync(existing, { recursive: true });
    writeFileSync(join(existing, 'family-photos.txt'), 'keep me');
    const r = await install(dir, { HEMS_STATE_DIR: '/srv/existing', HEMS_FILE: '/srv/hems/data.csv' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Using the existing directory /srv/existing');
    expect(existsSync(join(existing, MARKER))).toBe(false);
    expect(readFileSync(join(dir, 'srv/hems', MARKER), 'utf8')).toContain('uninstall --purge-data');

    const u = await runManager(['uninstall', '--root', dir, '--non-interactive', '--purge-data'], {});
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('Deleted /srv/hems');
    expect(u.stdout).toContain(`Kept /srv/existing: it has no ${MARKER} marker`);
    expect(existsSync(join(dir, 'srv/hems'))).toBe(false);
    expect(readFileSync(join(existing, 'family-photos.txt'), 'utf8')).toBe('keep me');
  });

  it('the default state directory gets the marker and goes with --purge-data', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const state = join(dir, 'var/lib/hems-data-collector');
    expect(existsSync(join(state, MARKER))).toBe(true);
    expect(existsSync(join(state, 'data', MARKER))).toBe(true);
    const u = await runManager(['uninstall', '--root', dir, '--non-interactive', '--purge-data'], {});
    expect(u.stdout).toContain('Deleted /var/lib/hems-data-collector');
    expect(existsSync(state)).toBe(false);
  });

  it('a hand-edited .env naming /var/lib: update refuses it, uninstall --purge-data keeps it', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const envPath = join(dir, APP, '.env');
    writeFileSync(
      envPath,
      readFileSync(envPath, 'utf8').replace(/^HEMS_STATE_DIR=.*$/m, 'HEMS_STATE_DIR="/var/lib"'),
    );
    const varLib = join(dir, 'var/lib');
    writeFileSync(join(varLib, 'dpkg-status'), 'precious');
    const modeBefore = statSync(varLib).mode;

    const up = await runManager(['update', '--root', dir, '--non-interactive', '--skip-build'], {
      NODE_BIN: NODE,
    });
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('error: HEMS_STATE_DIR: is a system directory (/var/lib): /var/lib');
    expect(statSync(varLib).mode).toBe(modeBefore);

    const u = await runManager(['uninstall', '--root', dir, '--non-interactive', '--purge-data'], {});
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('Kept /var/lib: it is a system directory (/var/lib)');
    expect(readFileSync(join(varLib, 'dpkg-status'), 'utf8')).toBe('precious');
  });
});

describe('answers checked by the app (check-config)', () => {
  it("refuses what the service would refuse, before writing anything, showing the app's problems", async () => {
    const dir = root();
    const r = await install(dir, {
      HEMS_OUTPUT: 'file webhook',
      WEBHOOK_URL: 'https://hooks.example/services/T0/B0/K3Y',
      WEBHOOK_TOKEN: 'tøken-with-鍵',
      HEMS_SCHEDULE: '61 * * * *',
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^error: HEMS_SCHEDULE \(in \.env\): not a valid cron expression "61 \* \* \* \*"/,
      ),
      'error: WEBHOOK_TOKEN (in .env): contains a character that an HTTP header cannot carry (only Latin-1 is allowed; value not shown)',
      'error: hems-data-collector refuses these settings (see above); nothing was changed',
    ]);
    expect(r.stderr + r.stdout).not.toContain('tøken');
    expect(r.stderr + r.stdout).not.toContain('K3Y');
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses the issue's examples: a ws:// MQTT URL, a baud rate of 99,999,999, a password with a space", async () => {
    const dir = root();
    const r = await install(dir, {
      HEMS_OUTPUT: 'mqtt',
      MQTT_URL: 'ws://broker.local:9001',
      SERIAL_RATE: '99999999',
      B_ROUTE_PASSWORD: 'two words',
    });
    expect(r.code).toBe(2);
    const keys = r.stderr.split('\n').map((l) => /^error: ([A-Z_]+):/.exec(l)?.[1]);
    expect(keys).toEqual(expect.arrayContaining(['SERIAL_RATE', 'B_ROUTE_PASSWORD', 'MQTT_URL']));
    expect(r.stderr).not.toContain('two words');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('update --reconfigure keeps .env when the new answers are refused; update refuses a .env the app refuses', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const envPath = join(dir, APP, '.env');
    const before = readFileSync(envPath, 'utf8');
    const re = await runManager(
      ['update', '--root', dir, '--non-interactive', '--skip-build', '--reconfigure'],
      {
        NODE_BIN: NODE,
        HEMS_HTTP: 'not-an-address',
      },
    );
    expect(re.code).toBe(2);
    expect(re.stderr).toContain('error: HEMS_HTTP (in .env): must be HOST:PORT');
    expect(readFileSync(envPath, 'utf8')).toBe(before);

    writeFileSync(envPath, `${before}WEBHOOK_HEADERS="X-Key: a\\\\u0001"\nHEMS_OUTPUT="file mqtt"\n`);
    const up = await runManager(['update', '--root', dir, '--non-interactive', '--skip-build'], {
      NODE_BIN: NODE,
    });
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('error: --output mqtt needs a broker');
    expect(up.stderr).toContain('the app is updated but stays stopped');
    expect(parseEnv(readFileSync(envPath, 'utf8'))['HEMS_OUTPUT']).toBe('file mqtt');
  });
});
