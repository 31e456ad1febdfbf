import { describe, expect, it } from 'vitest';
import { HemsError } from '../../src/errors.js';
import { storeProblem } from '../../src/store/diagnose.js';

const PATH = '/var/lib/hems-data-collector/hems.db';
/** An error as better-sqlite3 (code SQLITE_*) or node:fs (errno code) throws it. */
const err = (code: string, message: string) => Object.assign(new Error(message), { code });
/** The same wrapped by the store (STORE_FAILED with the codes in its context). */
const wrapped = (sqlite: string | undefined, errno: string | undefined, message: string) =>
  new HemsError('STORE_FAILED', `store open failed: ${message}`, { path: PATH, sqlite, errno });

describe('storeProblem', () => {
  it('a full disk, from SQLite or from the file system', () => {
    for (const e of [
      err('SQLITE_FULL', 'database or disk is full'),
      wrapped('SQLITE_FULL', undefined, 'database or disk is full'),
      err('ENOSPC', 'ENOSPC: no space left on device'),
    ]) {
      const p = storeProblem(e, PATH);
      expect(p.kind).toBe('full');
      expect(p.summary).toMatch(
        /^disk full at \/var\/lib\/hems-data-collector\/hems\.db \((database|ENOSPC)/,
      );
      expect(p.hint).toBe('free some space on the disk that holds /var/lib/hems-data-collector');
    }
  });

  it('a state dir that cannot be written: permissions, a read-only mount, a file in the path', () => {
    for (const e of [
      err('EACCES', "EACCES: permission denied, mkdir '/var/lib/hems-data-collector'"),
      wrapped(undefined, 'EROFS', 'EROFS: read-only file system'),
      wrapped(undefined, 'ENOTDIR', 'ENOTDIR: not a directory'),
      err('SQLITE_READONLY', 'attempt to write a readonly database'),
      err('SQLITE_CANTOPEN', 'unable to open database file'),
    ]) {
      const p = storeProblem(e, PATH);
      expect(p.kind).toBe('unwritable');
      expect(p.summary).toMatch(/^cannot write \/var\/lib\/hems-data-collector\/hems\.db \(/);
      expect(p.summary).not.toContain('store open failed');
      expect(p.hint).toMatch(
        /^make \/var\/lib\/hems-data-collector a directory the collector's user can write/,
      );
    }
  });

  it('a damaged file, an I/O error, anything else', () => {
    expect(storeProblem(err('SQLITE_NOTADB', 'file is not a database'), PATH).kind).toBe('corrupt');
    expect(storeProblem(err('SQLITE_CORRUPT', 'database disk image is malformed'), PATH).summary).toBe(
      `${PATH} is damaged (database disk image is malformed)`,
    );
    expect(storeProblem(err('SQLITE_IOERR_READ', 'disk I/O error'), PATH)).toMatchObject({
      kind: 'io',
      summary: `I/O error at ${PATH} (disk I/O error)`,
    });
    expect(storeProblem(new Error('something else'), PATH)).toMatchObject({
      kind: 'other',
      summary: `${PATH}: something else`,
    });
  });
});
