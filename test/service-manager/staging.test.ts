import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP,
  install,
  mode,
  NODE,
  parseEnv,
  prepareForVerify,
  setting,
  UNIT,
  unitLines,
  useRoots,
  VALID_ID,
  verifyUnit,
} from './helpers.js';

const root = useRoots();

describe('service-manager.sh install --root (staging)', () => {
  it('stages the app, a mode-600 .env, the state and data directories and the unit', async () => {
    const dir = root();
    const r = await install(dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const skipped of ['useradd', 'usermod', 'chown', 'systemctl daemon-reload', 'systemctl enable']) {
      expect(r.stdout).toContain(`skipped (staging root): ${skipped}`);
    }
    expect(r.stdout).toContain('skipped (--skip-build)');

    const app = join(dir, APP);
    expect(existsSync(join(app, 'src/errors.ts'))).toBe(true);
    expect(existsSync(join(app, 'package.json'))).toBe(true);
    expect(existsSync(join(app, 'package-lock.json'))).toBe(true);
    expect(existsSync(join(app, 'tsconfig.build.json'))).toBe(true);
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
    expect(existsSync(join(app, 'test'))).toBe(false);
    expect(mode(join(app, '.env'))).toBe(0o600);
    expect(mode(join(app, 'src/errors.ts'))).toBe(0o644);
    expect(mode(join(dir, 'var/lib/hems-data-collector'))).toBe(0o750);
    expect(mode(join(dir, 'var/lib/hems-data-collector/data'))).toBe(0o750);
    expect(mode(join(dir, UNIT))).toBe(0o644);

    const env = parseEnv(readFileSync(join(app, '.env'), 'utf8'));
    expect(env).toEqual({
      SERIAL_PORT: '/dev/ttyUSB0',
      SERIAL_RATE: '115200',
      B_ROUTE_ID: VALID_ID,
      B_ROUTE_PASSWORD: 'PASSWORD1234',
      LOCAL_TIMEZONE: 'Asia/Tokyo',
      HEMS_OUTPUT: 'file',
      FILE_FORMAT: 'csv',
      HEMS_FILE: '/var/lib/hems-data-collector/data/hems_data.csv',
      HEMS_MODE: 'schedule',
      HEMS_SCHEDULE: '*/5 * * * *',
      HEMS_STATE_DIR: '/var/lib/hems-data-collector',
    });
    // Secrets stay out of the output and the world-readable unit.
    expect(r.stdout).not.toContain('PASSWORD1234');
    expect(r.stdout).not.toContain(VALID_ID);
    expect(readFileSync(join(dir, UNIT), 'utf8')).not.toContain('PASSWORD1234');
  });

  it('writes a hardened notify unit tied to the serial device', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const lines = unitLines(dir);
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'Restart=on-failure',
      'User=hems-data-collector',
      'Group=hems-data-collector',
      'SupplementaryGroups=dialout',
      `WorkingDirectory=${APP}`,
      `EnvironmentFile=${APP}/.env`,
      `ExecStart="${NODE}" "${APP}/dist/cli/main.js"`,
      'After=dev-ttyUSB0.device',
      'Wants=dev-ttyUSB0.device',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths="/var/lib/hems-data-collector"',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'DevicePolicy=closed',
      'DeviceAllow="/dev/ttyUSB0" rw',
      'DeviceAllow=char-ttyUSB rw',
      'ProtectKernelTunables=yes',
      'ProtectKernelModules=yes',
      'ProtectControlGroups=yes',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'CapabilityBoundingSet=',
      'WantedBy=multi-user.target',
    ]) {
      expect(lines).toContain(line);
    }
    expect(setting(dir, 'WatchdogSec')).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('BindsTo='))).toBe(false);
    expect(lines.filter((l) => /@[A-Z_]+@/.test(l))).toEqual([]);
  });

  it('passes systemd-analyze verify with the staging root', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    prepareForVerify(dir, NODE, APP);
    const v = await verifyUnit(dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('makes systemd-analyze verify fail when the unit is broken (the check can fail)', async () => {
    const dir = root();
    expect((await install(dir, { NODE_BIN: NODE })).code).toBe(0);
    // No node inside the root: verify must notice that ExecStart cannot run.
    const v = await verifyUnit(dir);
    expect(v.code).not.toBe(0);
  });

  it('leaves out the device settings for a tcp:// port', async () => {
    const dir = root();
    expect((await install(dir, { SERIAL_PORT: 'tcp://127.0.0.1:3610' })).code).toBe(0);
    const lines = unitLines(dir);
    expect(lines.some((l) => l.startsWith('DeviceAllow='))).toBe(false);
    expect(lines.some((l) => l.includes('.device'))).toBe(false);
    expect(lines).toContain('DevicePolicy=closed');
  });
});
