/**
 * `check-config` and `--dotenv` / `--env-file` through the built CLI (issue 16): the settings
 * are loaded exactly as the collector loads them, problems are one line each with exit 2, and a
 * missing settings file named with --dotenv is our one line (Node 20 takes --env-file as its own).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliOnce, tempDir } from '../support/cli.js';

const ID = '0123456789ABCDEF0123456789ABCDEF';
const CREDS = { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'PASSWORD1234' };

describe('check-config', () => {
  it('says "configuration OK" (exit 0) for settings the collector accepts, starting nothing', async () => {
    const cwd = tempDir('hems-check-');
    writeFileSync(join(cwd, '.env'), `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD="PASSWORD1234"\nSERIAL_RATE=9600\n`);
    const r = await runCliOnce(['check-config', '-o', 'stdout', '--state-dir', 'st'], { cwd });
    expect(r).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('loads options > environment > .env like the collector, naming the layer of each problem', async () => {
    const cwd = tempDir('hems-check-');
    writeFileSync(
      join(cwd, 'answers.env'),
      `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD=PASSWORD1234\nSERIAL_RATE=99999999\nMQTT_URL=ws://broker:9001\nHEMS_OUTPUT=mqtt\nLOCAL_TIMEZONE=Bad/Zone\n`,
    );
    // The environment overrides the .env time zone; the option overrides the environment's schedule.
    const r = await runCliOnce(['check-config', '--dotenv', 'answers.env', '-s', '61 * * * *'], {
      cwd,
      env: {
        LOCAL_TIMEZONE: 'UTC',
        HEMS_SCHEDULE: '*/5 * * * *',
        HEMS_INTERVAL: 'zero',
        HEMS_MODE: 'interval',
      },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'error: SERIAL_RATE (in .env): must be between 1 and 4000000 (got 99999999)',
      expect.stringMatching(/^error: --schedule: not a valid cron expression "61 \* \* \* \*"/),
      'error: HEMS_INTERVAL: must be a whole number of seconds (got "zero")',
      'error: MQTT_URL (in .env): must be an mqtt:// or mqtts:// URL',
    ]);
  });

  it('never prints a secret it refuses', async () => {
    const r = await runCliOnce(['check-config', '-o', 'webhook'], {
      env: {
        ...CREDS,
        B_ROUTE_PASSWORD: 'has a space1',
        WEBHOOK_URL: 'https://bob:s3cretpass@hooks exa mple/services/T0/B0/K3YPATH',
        WEBHOOK_TOKEN: 'tok3n\nX-Injected: yes',
        WEBHOOK_HEADERS: 'X-Api-Key: 鍵k3yvalue',
      },
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual([
      'error: WEBHOOK_URL: not a valid URL "https://****@hooks exa mple/…"',
      'error: WEBHOOK_TOKEN: contains a line break (value not shown)',
      'error: WEBHOOK_HEADERS: the value of header "X-Api-Key" contains a character that an HTTP header cannot carry (only Latin-1 is allowed; value not shown)',
      'error: B_ROUTE_PASSWORD: must be 1 to 32 characters without spaces',
    ]);
    for (const secret of ['s3cretpass', 'K3YPATH', 'tok3n', 'Injected', 'k3yvalue', 'has a space1']) {
      expect(r.stderr).not.toContain(secret);
    }
  });
});

describe('--dotenv and --env-file', () => {
  it('a missing or unreadable settings file is one line and exit 2', async () => {
    const cwd = tempDir('hems-check-');
    mkdirSync(join(cwd, 'a-directory.env'));
    const missing = await runCliOnce(['--dotenv', 'missing.env', '--port', 'sim'], { cwd });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'error: --dotenv: missing.env does not exist\n' });
    const dir = await runCliOnce(['check-config', '--dotenv', 'a-directory.env'], { cwd, env: CREDS });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/^error: --dotenv: cannot read .*a-directory\.env \(EISDIR[^\n]*\)\n$/);
  });

  it('--env-file, the older name, reads the file the same way', async () => {
    const cwd = tempDir('hems-check-');
    writeFileSync(join(cwd, 'ok.env'), `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD=PASSWORD1234\n`);
    const ok = await runCliOnce(['check-config', '--env-file', 'ok.env'], { cwd });
    expect(ok).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });
});
