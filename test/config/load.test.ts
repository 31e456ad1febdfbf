import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems, loadConfig } from '../../src/config/load.js';
import { isHemsError } from '../../src/errors.js';
import { redact } from '../../src/log.js';
import { tempDir } from '../support/temp.js';

const ID = 'AB23456789ABCDEF0123456789ABCDEF';

const tmp = (): string => tempDir('hems-load-');

describe('loadConfig', () => {
  it('reads .env from the working directory, below the environment', () => {
    const cwd = tmp();
    writeFileSync(
      join(cwd, '.env'),
      `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD=DOTENVPASS01\nSERIAL_PORT=/dev/dotenv\n`,
    );
    const c = loadConfig({}, { cwd, env: { SERIAL_PORT: '/dev/env' } });
    expect(c).toMatchObject({ bRouteId: ID, bRoutePassword: 'DOTENVPASS01', port: '/dev/env' });
  });

  it('reads the file named by --env-file instead of ./.env', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, '.env'), 'SERIAL_PORT=/dev/ignored\n');
    writeFileSync(join(cwd, 'other.env'), `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD=pw\nSERIAL_PORT=/dev/other\n`);
    expect(loadConfig({ envFile: 'other.env' }, { cwd, env: {} }).port).toBe('/dev/other');
  });

  it('reads the file named by --dotenv the same way, and names --dotenv when it is missing', () => {
    const cwd = tmp();
    writeFileSync(
      join(cwd, 'other.env'),
      `B_ROUTE_ID=${ID}\nB_ROUTE_PASSWORD=PASSWORD1234\nSERIAL_PORT=/dev/d\n`,
    );
    expect(loadConfig({ dotenv: 'other.env' }, { cwd, env: {} }).port).toBe('/dev/d');
    let err: unknown;
    try {
      loadConfig({ dotenv: 'nope.env' }, { cwd, env: { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'PASSWORD1234' } });
    } catch (e) {
      err = e;
    }
    if (!isHemsError(err)) throw new Error('expected a HemsError');
    expect(configProblems(err)).toEqual(['--dotenv: nope.env does not exist']);
  });

  it('registers header values as secrets too', () => {
    loadConfig(
      {},
      {
        cwd: tmp(),
        env: { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'PASSWORD1234', WEBHOOK_HEADERS: 'X-Api-Key: k3y-v4lue' },
      },
    );
    expect(redact('sent k3y-v4lue')).toBe('sent ****');
  });

  it('throws one CONFIG_INVALID error listing every problem, including a missing --env-file', () => {
    const cwd = tmp();
    let err: unknown;
    try {
      loadConfig({ envFile: 'missing.env', interval: '0' }, { cwd, env: {} });
    } catch (e) {
      err = e;
    }
    expect(isHemsError(err, 'CONFIG_INVALID')).toBe(true);
    if (!isHemsError(err)) throw new Error('unreachable');
    expect(configProblems(err)).toEqual([
      '--env-file: missing.env does not exist',
      '--interval: must be at least 1 (got 0)',
      'B_ROUTE_ID: missing; set your 32-character B-route ID',
      'B_ROUTE_PASSWORD: missing; set your B-route password',
    ]);
  });

  it('registers the B-route ID, password and other secrets for redaction', () => {
    const env = {
      B_ROUTE_ID: '5EC2E7ID0000000000000000LOADTEST',
      B_ROUTE_PASSWORD: 'LoadTestPw99',
      WEBHOOK_TOKEN: 'tok-load-test',
    };
    loadConfig({}, { cwd: tmp(), env });
    const line = redact(
      `id ${env.B_ROUTE_ID} pair ${env.B_ROUTE_ID.slice(-8)} password ${env.B_ROUTE_PASSWORD} t ${env.WEBHOOK_TOKEN}`,
    );
    expect(line).toBe('id **** pair **** password **** t ****');
  });
});
