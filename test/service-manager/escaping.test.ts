import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP,
  install,
  mode,
  NODE,
  parseEnv,
  prepareForVerify,
  run,
  setting,
  unitWords,
  useRoots,
  verifyUnit,
} from './helpers.js';

const root = useRoots();

describe('escaping of awkward values', () => {
  const nasty = {
    // At most 32 characters without spaces (the app's rule), and every shell metacharacter.
    password: `"'$HOME\`id\`$(touch\${IFS}M)&;|\\n`,
    webhook: 'https://example.com/hook?a=1&b=$PATH#x',
    stateDir: `/srv/hems state 100% $HOME "q" it's \\x`,
    dataFile: '/srv/my data/out put.json',
    installDir: '/opt/hems dir %n $USER',
    port: '/dev/serial/by-id/usb-ROHM 50%-if00',
  };

  function installNasty(dir: string, nodeBin: string) {
    return install(dir, {
      NODE_BIN: nodeBin,
      B_ROUTE_PASSWORD: nasty.password,
      WEBHOOK_URL: nasty.webhook,
      HEMS_OUTPUT: 'file,webhook',
      HEMS_FILE: nasty.dataFile,
      FILE_FORMAT: 'json',
      HEMS_STATE_DIR: nasty.stateDir,
      HEMS_INSTALL_DIR: nasty.installDir,
      SERIAL_PORT: nasty.port,
      WEBHOOK_TOKEN: 'tok "en" $x',
    });
  }

  it('round-trips through the .env exactly, for the reference parser and for bash', async () => {
    const dir = root();
    const r = await installNasty(dir, NODE);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const envPath = join(dir, nasty.installDir, '.env');
    const text = readFileSync(envPath, 'utf8');
    const env = parseEnv(text);
    expect(env['B_ROUTE_PASSWORD']).toBe(nasty.password);
    expect(env['WEBHOOK_URL']).toBe(nasty.webhook);
    expect(env['HEMS_STATE_DIR']).toBe(nasty.stateDir);
    expect(env['HEMS_FILE']).toBe(nasty.dataFile);
    expect(env['SERIAL_PORT']).toBe(nasty.port);
    expect(env['WEBHOOK_TOKEN']).toBe('tok "en" $x');
    expect(env['HEMS_OUTPUT']).toBe('file webhook');

    expect((await run('bash', ['-n', envPath])).code).toBe(0);
    // Sourced by a shell in a scratch directory: same values, and nothing was executed.
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    const shell = await run(
      'bash',
      [
        '-c',
        'set -a; . "$1"; printf "%s\\0" "$B_ROUTE_PASSWORD" "$HEMS_STATE_DIR" "$WEBHOOK_URL"',
        'x',
        envPath,
      ],
      { cwd: scratch, env: { PATH: process.env['PATH'] ?? '' } },
    );
    expect(shell.code).toBe(0);
    expect(shell.stdout.split('\0').slice(0, 3)).toEqual([nasty.password, nasty.stateDir, nasty.webhook]);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('escapes paths in the unit so that systemd reads them back exactly and verify passes', async () => {
    const dir = root();
    // A Node.js path with a space and a percent sign, present both on the host and in the root.
    const nodeDir = join(dir, 'host', 'my node 5%');
    mkdirSync(nodeDir, { recursive: true });
    const nodeBin = join(nodeDir, 'node');
    symlinkSync(NODE, nodeBin);
    const r = await installNasty(dir, nodeBin);
    expect(r.code).toBe(0);

    expect(setting(dir, 'WorkingDirectory')).toEqual([nasty.installDir.replaceAll('%', '%%')]);
    expect(setting(dir, 'EnvironmentFile')).toEqual([`${nasty.installDir.replaceAll('%', '%%')}/.env`]);
    const exec = setting(dir, 'ExecStart')[0] ?? '';
    // In ExecStart= arguments $ is written $$ (no variable expansion).
    expect(unitWords(exec).map((w) => w.replaceAll('$$', '$'))).toEqual([
      nodeBin,
      `${nasty.installDir}/dist/cli/main.js`,
    ]);
    expect(unitWords(setting(dir, 'ReadWritePaths')[0] ?? '')).toEqual([nasty.stateDir, '/srv/my data']);
    expect(unitWords(setting(dir, 'DeviceAllow')[0] ?? '')).toEqual([nasty.port, 'rw']);
    const deviceUnit = (await run('systemd-escape', ['--path', '--suffix=device', nasty.port])).stdout.trim();
    expect(setting(dir, 'Wants')).toContain(deviceUnit);

    expect(mode(join(dir, nasty.stateDir))).toBe(0o750);
    expect(mode(join(dir, '/srv/my data'))).toBe(0o750);

    prepareForVerify(dir, nodeBin, nasty.installDir);
    const v = await verifyUnit(dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('refuses line breaks instead of writing them', async () => {
    const dir = root();
    const r = await install(dir, { B_ROUTE_PASSWORD: 'abc\nEVIL=1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('B_ROUTE_PASSWORD: contains a line break');
    expect(existsSync(join(dir, APP, '.env'))).toBe(false);
  });
});
