/**
 * `export` through the built CLI against damaged stores and a reader that goes away (issue 16).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { renderRecord } from '../../src/sinks/format.js';
import { openStore } from '../../src/store/store.js';
import { cleanEnv, MAIN, runCliOnce, tempDir } from '../support/cli.js';
import { envelope } from '../support/envelope.js';

/** A state dir whose store holds readings 0..n-1 (one transaction, so thousands are quick). */
function seeded(n: number): string {
  const dir = join(tempDir(), 'state');
  openStore({ dir }).close();
  const db = new Database(join(dir, 'hems.db'));
  const put = db.prepare('INSERT INTO readings (id, ts_ms, meter, backfill, payload) VALUES (?, ?, ?, 0, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const e = envelope(i);
      put.run(e.id, Date.parse(e.reading.timestamp), e.meter, JSON.stringify(e));
    }
  })();
  db.close();
  return dir;
}

const json = (i: number): string => renderRecord('json', envelope(i));

describe.concurrent('export through the built CLI', () => {
  it('skips a reading it cannot decode with a warning, exports the rest, and fails with the count', async ({
    expect,
  }) => {
    const dir = seeded(5);
    const db = new Database(join(dir, 'hems.db'));
    db.prepare('UPDATE readings SET payload = ? WHERE id = ?').run(
      '{"id": "r-000002", "read',
      envelope(2).id,
    );
    db.close();
    const r = await runCliOnce(['export', '--state-dir', dir]);
    expect(r.stdout).toBe([0, 1, 3, 4].map(json).join(''));
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^warning: skipped stored reading r-000002: it cannot be decoded \(not JSON/),
      'error: 1 stored reading(s) could not be decoded and were skipped; 4 exported',
    ]);
    expect(r.code).toBe(1);
  });

  it('`export | head -1` ends quietly with 0 when the reader goes away', async ({ expect }) => {
    const dir = seeded(3000); // about 1 MB of JSON: far more than a pipe holds
    const script = `"${process.execPath}" "${MAIN}" export --state-dir "${dir}" | head -1; echo "export exited \${PIPESTATUS[0]}"`;
    const r = await promisify(execFile)('bash', ['-c', script], { env: cleanEnv() });
    expect(r.stdout).toBe(`${json(0)}export exited 0\n`);
    expect(r.stderr).toBe('');
  });

  it('a damaged database: one line naming the file, exit 1, the file left as it is', async ({ expect }) => {
    const dir = join(tempDir(), 'state');
    await mkdir(dir);
    const garbage = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 131 + 7) % 256));
    writeFileSync(join(dir, 'hems.db'), garbage);
    const r = await runCliOnce(['export', '--state-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${join(dir, 'hems.db')} is damaged and cannot be read (file is not a database); the collector moves it aside and starts a new one at its next start [STORE_FAILED]\n`,
    );
    expect(readFileSync(join(dir, 'hems.db'))).toEqual(garbage);
    const missing = await runCliOnce(['export', '--state-dir', join(dir, 'nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no store in \S+nothing \(has the collector run there\?\)/);
  });
});
