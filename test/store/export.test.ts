import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runExport } from '../../src/cli/export.js';
import { isHemsError } from '../../src/errors.js';
import { csvHeader, renderRecord } from '../../src/sinks/format.js';
import { openStore } from '../../src/store/store.js';
import { BASE_MS, envelope } from '../support/envelope.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function seeded(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hems-export-'));
  dirs.push(dir);
  const s = openStore({ dir });
  // Inserted out of time order: export sorts by reading time.
  for (let i = n - 1; i >= 0; i--) s.insert(envelope(i), ['webhook']);
  s.close();
  return dir;
}
async function exported(opts: Omit<Parameters<typeof runExport>[0], 'out'>): Promise<[string, number]> {
  let text = '';
  const r = await runExport({ ...opts, out: (t) => (text += t) });
  expect(r.skipped).toBe(0);
  return [text, r.written];
}

describe('export', () => {
  test('csv: the header, then one row per reading in time order, as the live csv output writes them', async () => {
    const dir = seeded(3);
    const [text, n] = await exported({ stateDir: dir, format: 'csv' });
    expect(n).toBe(3);
    expect(text).toBe(csvHeader() + [0, 1, 2].map((i) => renderRecord('csv', envelope(i))).join(''));
  });

  test('json: one record per line; since is inclusive and until exclusive', async () => {
    const dir = seeded(6);
    const [text, n] = await exported({
      stateDir: dir,
      format: 'json',
      since: new Date(BASE_MS + 60_000).toISOString(),
      until: BASE_MS + 4 * 60_000,
    });
    expect(n).toBe(3);
    const lines = text.trimEnd().split('\n');
    expect(lines).toEqual([1, 2, 3].map((i) => renderRecord('json', envelope(i)).trimEnd()));
    expect(JSON.parse(lines[0]!).timestamp).toBe(envelope(1).reading.timestamp);
  });

  test('yaml: one document per reading, readable back', async () => {
    const dir = seeded(2);
    const [text] = await exported({ stateDir: dir, format: 'yaml', since: '2024-01-15' });
    expect(text).toBe(renderRecord('yaml', envelope(0)) + renderRecord('yaml', envelope(1)));
    expect(
      text
        .split('---\n')
        .filter(Boolean)
        .map((d) => parseYaml(d).instant_power_w),
    ).toEqual([400, 401]);
  });

  test('runs beside a writer (read-only) and sees its committed readings', async () => {
    const dir = seeded(1);
    const writer = openStore({ dir });
    try {
      writer.insert(envelope(5), []);
      const [, n] = await exported({ stateDir: dir, format: 'json' });
      expect(n).toBe(2);
    } finally {
      writer.close();
    }
  });

  test('bad input is INPUT_INVALID; a missing store is STORE_FAILED', async () => {
    const dir = seeded(1);
    await expect(exported({ stateDir: dir, format: 'json', since: 'yesterday-ish' })).rejects.toSatisfy((e) =>
      isHemsError(e, 'INPUT_INVALID'),
    );
    await expect(
      exported({ stateDir: dir, format: 'json', since: '2024-02-01', until: '2024-01-01' }),
    ).rejects.toSatisfy((e) => isHemsError(e, 'INPUT_INVALID'));
    await expect(exported({ stateDir: join(dir, 'nothing-here'), format: 'csv' })).rejects.toSatisfy((e) =>
      isHemsError(e, 'STORE_FAILED'),
    );
  });
});
