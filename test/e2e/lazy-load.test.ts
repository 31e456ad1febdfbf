/**
 * Libraries of features not asked for are not loaded (issue 17: memory). Node's CommonJS loader
 * names every package file it loads under NODE_DEBUG=module, on stderr; the collector, reading
 * from the built-in emulator, is checked without and with `--http`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { tempDir } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { CREDS, collect, lineCount } from './harness.js';

/** Loaded only when their feature is configured: the metrics library (--http), MQTT, Pub/Sub,
 *  the YAML parser (a tariff file). */
const LAZY = ['prom-client', 'mqtt', '@google-cloud/pubsub', 'yaml'];

async function loadedPackages(args: string[]): Promise<Set<string>> {
  const run = collect(join(tempDir(), 'state'), ['-o', 'stdout', ...args], {
    ...CREDS,
    NODE_DEBUG: 'module',
  });
  await run.until(() => lineCount(run) >= 1, 'a reading');
  await run.stop();
  return new Set(
    [...run.stderr().matchAll(/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map((m) => m[1] as string),
  );
}

test('-o stdout loads neither the metrics library nor MQTT nor Pub/Sub nor YAML; --http loads the metrics library', async () => {
  const plain = await loadedPackages([]);
  expect(plain).toContain('better-sqlite3');
  for (const name of LAZY) expect(plain).not.toContain(name);
  const withHttp = await loadedPackages(['--http', `127.0.0.1:${await freePort()}`]);
  expect(withHttp).toContain('prom-client');
});

/** Reports on stderr which locale-aware (ICU) functions the process calls. */
const INTL_PROBE = `--import=${pathToFileURL(join(import.meta.dirname, '..', 'fixtures', 'intl-probe.mjs')).href}`;

async function intlUse(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const run = collect(join(tempDir(), 'state'), ['-o', 'stdout', ...args], {
    ...CREDS,
    ...env,
    NODE_OPTIONS: INTL_PROBE,
  });
  await run.until(() => lineCount(run) >= 2, 'two readings');
  await run.stop();
  return [...run.stderr().matchAll(/^intl-probe: (\S+)$/gm)].map((m) => m[1] as string);
}

test('in Japan’s time zone (the default) the collector never wakes ICU, on an interval or a cron schedule', async () => {
  expect(await intlUse([])).toEqual([]);
  expect(await intlUse(['--mode', 'schedule', '--schedule', '* * * * * *'])).toEqual([]);
  // The probe sees what it should: another zone goes through Intl.
  expect(await intlUse([], { LOCAL_TIMEZONE: 'Europe/Berlin' })).toContain('Intl.DateTimeFormat');
});
