/**
 * What a store failure means for the operator: a short summary (for /healthz and the
 * dashboard) and what to do (for the one log line). Pure: the error and the path in, text out.
 */
import { dirname } from 'node:path';
import { describeError, isHemsError } from '../errors.js';
import { isCorruption, sqliteCode } from './store.js';

export type StoreProblemKind = 'full' | 'unwritable' | 'corrupt' | 'io' | 'other';

export interface StoreProblem {
  kind: StoreProblemKind;
  /** `disk full at /var/lib/hems/hems.db (database or disk is full)` */
  summary: string;
  /** What to do about it, one sentence. */
  hint: string;
}

const FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR']);

function errnoOf(e: unknown): string | undefined {
  if (isHemsError(e)) return typeof e.context.errno === 'string' ? e.context.errno : undefined;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && !code.startsWith('SQLITE_') ? code : undefined;
}

/** The cause of a store error without our "store open failed:" prefix or error code suffix. */
export function causeOf(e: unknown): string {
  const text = isHemsError(e) ? e.message : describeError(e);
  return text.replace(/^store [a-z ]+ failed: /, '');
}

export function storeProblem(e: unknown, path: string): StoreProblem {
  const sqlite = sqliteCode(e) ?? '';
  const errno = errnoOf(e) ?? '';
  const cause = causeOf(e);
  const dir = dirname(path);
  if (FULL.has(sqlite) || FULL.has(errno)) {
    return {
      kind: 'full',
      summary: `disk full at ${path} (${cause})`,
      hint: `free some space on the disk that holds ${dir}`,
    };
  }
  if (
    UNWRITABLE.has(errno) ||
    sqlite.startsWith('SQLITE_READONLY') ||
    sqlite.startsWith('SQLITE_CANTOPEN') ||
    sqlite === 'SQLITE_PERM' ||
    sqlite === 'SQLITE_AUTH'
  ) {
    return {
      kind: 'unwritable',
      summary: `cannot write ${path} (${cause})`,
      hint: `make ${dir} a directory the collector's user can write (chown/chmod, or a read-write mount), or choose another --state-dir`,
    };
  }
  if (isCorruption(e)) {
    return {
      kind: 'corrupt',
      summary: `${path} is damaged (${cause})`,
      hint: `move ${path} aside (the collector does so itself when it can rename it)`,
    };
  }
  if (sqlite.startsWith('SQLITE_IOERR')) {
    return {
      kind: 'io',
      summary: `I/O error at ${path} (${cause})`,
      hint: 'check the disk or SD card (dmesg, fsck); it may be failing',
    };
  }
  return { kind: 'other', summary: `${path}: ${cause}`, hint: `check ${dir} and the disk that holds it` };
}
