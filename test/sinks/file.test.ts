import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveFilePath } from '../../src/config/schema.js';
import { type AppendFile, createFileSink, openAppend } from '../../src/sinks/file.js';
import { csvHeader, renderRecord } from '../../src/sinks/format.js';
import { sampleEnvelope } from '../support/envelope.js';
import { outputFailure } from '../support/output-failure.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hems-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('extension rule (as the original: append the format extension unless one is there)', () => {
  it.each([
    ['hems_data.dat', 'csv', 'hems_data.dat.csv'],
    ['hems_data.dat', 'json', 'hems_data.dat.json'],
    ['hems_data.dat', 'yaml', 'hems_data.dat.yaml'],
    ['data.csv', 'csv', 'data.csv'],
    ['data.csv', 'json', 'data.csv'],
    ['out/data.json', 'yaml', 'out/data.json'],
    ['data.yml', 'yaml', 'data.yml.yaml'],
    ['data', 'json', 'data.json'],
  ] as const)('%s with %s → %s', (file, format, want) => {
    expect(resolveFilePath(file, format)).toBe(want);
  });
});

describe('file sink', () => {
  it('writes the CSV header only when the file is new, also across a restart', async () => {
    const path = join(dir, 'data.csv');
    await createFileSink({ path, format: 'csv' }).deliver(sampleEnvelope());
    await createFileSink({ path, format: 'csv' }).deliver(sampleEnvelope({ instant_power_w: 7 }));
    expect(readFileSync(path, 'utf8')).toBe(
      csvHeader() +
        renderRecord('csv', sampleEnvelope()) +
        renderRecord('csv', sampleEnvelope({ instant_power_w: 7 })),
    );
  });

  it('writes the header into an existing empty file and appends to existing data', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await createFileSink({ path: empty, format: 'csv' }).deliver(sampleEnvelope());
    expect(readFileSync(empty, 'utf8')).toBe(csvHeader() + renderRecord('csv', sampleEnvelope()));
    const json = join(dir, 'data.json');
    writeFileSync(json, 'previous\n');
    await createFileSink({ path: json, format: 'json' }).deliver(sampleEnvelope());
    expect(readFileSync(json, 'utf8')).toBe(`previous\n${renderRecord('json', sampleEnvelope())}`);
  });

  it('appends yaml documents', async () => {
    const path = join(dir, 'd.yaml');
    const sink = createFileSink({ path, format: 'yaml' });
    await sink.deliver(sampleEnvelope());
    await sink.deliver(sampleEnvelope());
    expect(readFileSync(path, 'utf8')).toBe(renderRecord('yaml', sampleEnvelope()).repeat(2));
  });

  it('reports a full disk (/dev/full) as a retryable "disk full" output failure', async () => {
    if (!existsSync('/dev/full')) throw new Error('/dev/full is missing on this machine');
    const err = await outputFailure(
      createFileSink({ path: '/dev/full', format: 'json' }).deliver(sampleEnvelope()),
    );
    expect(err.message).toBe('disk full writing /dev/full');
    expect(err.code).toBe('OUTPUT_RETRYABLE');
  });

  it('cuts a short write back to the previous size so no half record stays', async () => {
    const path = join(dir, 'short.csv');
    await createFileSink({ path, format: 'csv' }).deliver(sampleEnvelope());
    const before = readFileSync(path, 'utf8');
    // A real file whose write stops half way, as on a nearly full disk.
    const shortWrites = async (p: string): Promise<AppendFile> => {
      const f = await openAppend(p);
      return { ...f, write: (data) => f.write(data.subarray(0, Math.floor(data.length / 2))) };
    };
    const err = await outputFailure(
      createFileSink({ path, format: 'csv', openFile: shortWrites }).deliver(
        sampleEnvelope({ instant_power_w: 9 }),
      ),
    );
    expect(err.message).toBe(`disk full writing ${path}`);
    expect(readFileSync(path, 'utf8')).toBe(before);
    // The next cycle succeeds and the record is whole.
    await createFileSink({ path, format: 'csv' }).deliver(sampleEnvelope({ instant_power_w: 9 }));
    expect(readFileSync(path, 'utf8')).toBe(
      before + renderRecord('csv', sampleEnvelope({ instant_power_w: 9 })),
    );
  });

  it('cuts back after a failing write (ENOSPC) too', async () => {
    const path = join(dir, 'enospc.json');
    writeFileSync(path, 'kept\n');
    const failing = async (p: string): Promise<AppendFile> => {
      const f = await openAppend(p);
      return {
        ...f,
        write: async (data) => {
          await f.write(data.subarray(0, 3));
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      };
    };
    const err = await outputFailure(
      createFileSink({ path, format: 'json', openFile: failing }).deliver(sampleEnvelope()),
    );
    expect(err.message).toBe(`disk full writing ${path}`);
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
  });

  it('reports an unwritable path clearly', async () => {
    // Root ignores mode bits, so the permission error comes from the opener.
    const denied = async (): Promise<AppendFile> => {
      throw Object.assign(new Error("EACCES: permission denied, open '/var/x.csv'"), { code: 'EACCES' });
    };
    const err = await outputFailure(
      createFileSink({ path: '/var/x.csv', format: 'csv', openFile: denied }).deliver(sampleEnvelope()),
    );
    expect(err.message).toBe('permission denied writing /var/x.csv');
    expect(err.code).toBe('OUTPUT_RETRYABLE');
    const missing = join(dir, 'nope', 'x.csv');
    const err2 = await outputFailure(
      createFileSink({ path: missing, format: 'csv' }).deliver(sampleEnvelope()),
    );
    expect(err2.message).toBe(`cannot write ${missing}: its directory does not exist`);
    const err3 = await outputFailure(createFileSink({ path: dir, format: 'csv' }).deliver(sampleEnvelope()));
    expect(err3.message).toBe(`cannot write ${dir}: it is a directory`);
  });
});
