/**
 * A reading the collector has printed is stored for good (issue 17): the collector is killed
 * (SIGKILL, nothing runs after it) the moment its first reading reaches stdout, and the
 * reading is then in the database, for `export` and for the next run, whose stdout gets it
 * again (its acknowledgement died with the process: delivered at least once, never lost).
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../support/cli.js';
import { CREDS, collect, exported, jsonLines } from './harness.js';

test('kill -9 right after a reading is printed: the reading is in the store after restart', async () => {
  const state = join(tempDir(), 'state');
  const run = collect(state, ['-o', 'stdout'], CREDS);
  run.child.stdout?.on('data', () => {
    if (run.stdout().includes('\n')) run.child.kill('SIGKILL');
  });
  await run.exit;
  expect(run.child.signalCode).toBe('SIGKILL');
  const [printed] = jsonLines(run.stdout());
  expect(printed?.timestamp).toEqual(expect.any(String));

  const stored = (await exported(state)).map((l) => JSON.parse(l) as unknown);
  expect(stored).toEqual([printed]);

  const again = collect(state, ['-o', 'stdout'], CREDS);
  await again.until(() => jsonLines(again.stdout()).length >= 2, 'two readings after the restart');
  await again.stop();
  expect(jsonLines(again.stdout())[0]).toEqual(printed);
});
