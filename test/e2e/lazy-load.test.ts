/**
 * Libraries of features not asked for are not loaded (issue 17: memory). Node's CommonJS loader
 * names every package file it loads under NODE_DEBUG=module, on stderr; the collector, reading
 * from the built-in emulator, is checked without and with `--http`.
 */
import { join } from 'node:path';
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
