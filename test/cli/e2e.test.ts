import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { READING_KEYS } from '../../src/reading/record.js';
import { csvHeader } from '../../src/sinks/format.js';
import { startCli as start } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function tmpDir(): string {
  return tempDir('hems-e2e-out-');
}

describe('built CLI: usage', () => {
  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = start([flag]);
      expect(await r.exit).toBe(0);
      expect(r.stdout()).toBe(`${VERSION}\n`);
    }
  });

  it('--help lists the original options', async () => {
    const r = start(['-h']);
    expect(await r.exit).toBe(0);
    for (const o of [
      '-o, --output',
      '-f, --format',
      '--file',
      '--port',
      '--baudrate',
      '--webhook-url',
      '--gcp-project',
      '--gcp-topic',
      '--meter-channel',
      '--meter-panid',
      '--meter-ipv6',
      '--mode',
      '-s, --schedule',
      '-i, --interval',
      '--debug',
      '-v, --version',
      '-h, --help',
    ]) {
      expect(r.stdout()).toContain(o);
    }
  });

  it('an unknown option is one line on stderr and exit 2', async () => {
    const r = start(['--output', 'stdout', '--frobnicate']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toBe("error: unknown option '--frobnicate' (see --help)\n");
    expect(r.stdout()).toBe('');
  });

  it('invalid configuration: exit 2, one line per problem, no stack trace, nothing started', async () => {
    const r = start(['-o', 'gcloud', '-i', '0', '--mode', 'interval', '-s', '* *'], {
      env: { B_ROUTE_ID: 'tooshort', LOCAL_TIMEZONE: 'Nowhere/City', WEBHOOK_URL: 'file:///etc/passwd' },
    });
    expect(await r.exit).toBe(2);
    expect(r.stderr().split('\n').filter(Boolean)).toEqual([
      'error: LOCAL_TIMEZONE: unknown time zone "Nowhere/City" (use an IANA name such as Asia/Tokyo)',
      expect.stringMatching(/^error: --schedule: not a valid cron expression "\* \*"/),
      'error: --interval: must be at least 1 (got 0)',
      // An output's own settings come after the collector's.
      'error: WEBHOOK_URL: must be an http:// or https:// URL',
      'error: B_ROUTE_ID: must be exactly 32 characters (got 8)',
      'error: B_ROUTE_PASSWORD: missing; set your B-route password',
      'error: --output gcloud needs a project: give --gcp-project or set GCP_PROJECT_ID',
      'error: --output gcloud needs a topic: give --gcp-topic or set GCP_TOPIC_NAME',
    ]);
    expect(r.stderr()).not.toContain('    at ');
    expect(r.stdout()).toBe('');
  });
});

// Backfill records (tested in test/backfill) are kept out of these live-record format checks.
const SIM = ['--port', 'sim', '--mode', 'interval', '-i', '1', '--backfill-days', '0'];

describe('built CLI: scan', () => {
  it('scan --port sim prints the meter with the options that skip the scan', async () => {
    const r = start(['scan', '--port', 'sim', '--state-dir', tmpDir()]);
    expect(await r.exit).toBe(0);
    expect(r.stdout()).toMatch(
      /^Channel:[0-9A-F]{2} Pan ID:[0-9A-F]{4} Addr:[0-9A-F]{16} LQI:[0-9A-F]{2} {2}--meter-channel [0-9A-F]{2} --meter-panid [0-9A-F]{4} --meter-ipv6 FE80(:[0-9A-F]{4}){7}\n$/,
    );
  });
});

describe.concurrent('built CLI: --port sim', () => {
  it('-o stdout json: JSON lines with the 10 keys; SIGTERM → exit 0', async () => {
    const r = start([...SIM, '-o', 'stdout', '--state-dir', tmpDir()]);
    await r.until(() => r.stdout().split('\n').length > 2, 'two readings');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    const lines = r.stdout().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const obj = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(obj)).toEqual([...READING_KEYS]);
      expect(typeof obj.instant_power_w).toBe('number');
      expect(line).toMatch(/"cumulative_power_kwh": \d+\.\d+/);
    }
    expect(r.stderr()).toContain('SIGTERM received');
  });

  it('-o stdout -f yaml: valid YAML documents', async () => {
    const r = start([...SIM, '-o', 'stdout', '-f', 'yaml', '--state-dir', tmpDir()]);
    await r.until(() => (r.stdout().match(/^---$/gm) ?? []).length >= 2, 'two documents');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    const docs = parseAllDocuments(r.stdout()).map((d) => (d as { toJS(): Record<string, unknown> }).toJS());
    expect(docs.length).toBeGreaterThanOrEqual(2);
    for (const d of docs) expect(Object.keys(d)).toEqual([...READING_KEYS]);
  });

  it('-o stdout -f csv: the header once, then rows', async () => {
    const r = start([...SIM, '-o', 'stdout', '-f', 'csv', '--state-dir', tmpDir()]);
    await r.until(() => r.stdout().split('\n').length > 3, 'two rows');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    const lines = r.stdout().trim().split('\n');
    expect(`${lines[0]}\n`).toBe(csvHeader());
    expect(lines.filter((l) => l.startsWith('timestamp,'))).toHaveLength(1);
    for (const row of lines.slice(1)) expect(row.split(',')).toHaveLength(10);
  });

  it('-o file in each format, with the extension rule; the CSV header survives a restart', async () => {
    const dir = tmpDir();
    const formats = [
      ['json', '.json'],
      ['yaml', '.yaml'],
      ['csv', '.csv'],
    ] as const;
    await Promise.all(
      formats.map(async ([format]) => {
        const base = join(dir, `data-${format}.dat`);
        const r = start([
          ...SIM,
          '-o',
          'file',
          '-f',
          format,
          '--file',
          base,
          '--state-dir',
          join(dir, format),
        ]);
        await r.until(() => r.stderr().includes('reading 20'), 'a reading');
        r.child.kill('SIGTERM');
        expect(await r.exit).toBe(0);
      }),
    );
    for (const [format, ext] of formats) {
      const text = readFileSync(join(dir, `data-${format}.dat${ext}`), 'utf8');
      if (format === 'json') {
        expect(Object.keys(JSON.parse(text.split('\n')[0] as string))).toEqual([...READING_KEYS]);
      } else if (format === 'yaml') {
        expect(parseAllDocuments(text).length).toBeGreaterThanOrEqual(1);
      } else {
        expect(text.startsWith(csvHeader())).toBe(true);
      }
    }
    // FILE_FORMAT picks the file format when -f is absent; a second run appends without a new header.
    const again = start(
      [...SIM, '-o', 'file', '--file', join(dir, 'data-csv.dat'), '--state-dir', join(dir, 'csv')],
      { env: { FILE_FORMAT: 'csv' } },
    );
    await again.until(() => again.stderr().includes('reading 20'), 'a reading');
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
    const csv = readFileSync(join(dir, 'data-csv.dat.csv'), 'utf8');
    expect(csv.split('\n').filter((l) => l.startsWith('timestamp,'))).toHaveLength(1);
    expect(csv.trim().split('\n').length).toBeGreaterThanOrEqual(3);
    // export reads the same readings back from the database in --state-dir.
    const exp = start(['export', '-f', 'csv', '--state-dir', join(dir, 'csv')]);
    expect(await exp.exit).toBe(0);
    expect(exp.stdout()).toBe(csv);
  });
});
