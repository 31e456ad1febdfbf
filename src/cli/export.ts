import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HemsError, isHemsError } from '../errors.js';
import { csvHeader, type RecordFormat, renderRecord } from '../sinks/format.js';
import { causeOf } from '../store/diagnose.js';
import { isCorruption, openStore, STORE_FILE, type Store } from '../store/store.js';

export interface ExportOptions {
  stateDir: string;
  /** First reading time, inclusive: epoch ms, a Date, or ISO 8601 text (a bare date is UTC midnight). */
  since?: number | string | Date | null;
  /** End of the range, exclusive (same forms as `since`). */
  until?: number | string | Date | null;
  format: RecordFormat;
  out: (text: string) => void;
  /** Told of each stored reading that cannot be decoded (it is skipped). */
  warn?: (text: string) => void;
  /** True once nobody reads `out` any more (a closed pipe): the export stops there. */
  closed?: () => boolean;
}

export interface ExportResult {
  written: number;
  /** Stored readings that could not be decoded, skipped. */
  skipped: number;
}

function toMs(v: number | string | Date | null | undefined, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v.trim());
  if (!Number.isFinite(ms)) {
    throw new HemsError(
      'INPUT_INVALID',
      `--${name} must be an ISO 8601 date or time, got ${JSON.stringify(String(v))}`,
    );
  }
  return ms;
}

/** One clear line for a store that cannot be read: missing, damaged, or otherwise. */
function unreadable(stateDir: string, e: unknown): HemsError {
  const path = join(stateDir, STORE_FILE);
  const cause = causeOf(e);
  if (!existsSync(path)) {
    return new HemsError('STORE_FAILED', `no store in ${stateDir} (has the collector run there?)`, { path });
  }
  if (isCorruption(e)) {
    return new HemsError(
      'STORE_FAILED',
      `${path} is damaged and cannot be read (${cause}); the collector moves it aside and starts a new one at its next start`,
      { path },
    );
  }
  return new HemsError('STORE_FAILED', `cannot read ${path}: ${cause}`, { path });
}

/** The database of `stateDir`, read-only (beside a running collector); one clear error without one. */
export function openReadonlyStore(stateDir: string): Store {
  try {
    return openStore({ dir: stateDir, readonly: true });
  } catch (e) {
    throw unreadable(stateDir, e);
  }
}

/**
 * Prints the stored readings in [since, until), oldest first, in the live outputs' formats:
 * csv (header, then one row per reading), json (one object per line), yaml (one document per
 * reading). Opens the database read-only, so it can run beside a running collector. A row that
 * cannot be decoded is skipped and reported through `warn`; a closed output ends the export.
 */
export async function runExport(opts: ExportOptions): Promise<ExportResult> {
  const since = toMs(opts.since, 'since');
  const until = toMs(opts.until, 'until');
  if (since !== undefined && until !== undefined && until <= since) {
    throw new HemsError('INPUT_INVALID', '--until must be later than --since');
  }
  if (!['csv', 'json', 'yaml'].includes(opts.format)) {
    throw new HemsError(
      'INPUT_INVALID',
      `--format must be csv, json or yaml, got ${JSON.stringify(opts.format)}`,
    );
  }
  const store = openReadonlyStore(opts.stateDir);
  const result: ExportResult = { written: 0, skipped: 0 };
  const onBad = (id: string, why: string): void => {
    result.skipped++;
    opts.warn?.(`skipped stored reading ${id}: it cannot be decoded (${why})`);
  };
  try {
    if (opts.format === 'csv') opts.out(csvHeader());
    let chunk = '';
    for (const env of store.iterate({ since, until }, onBad)) {
      chunk += renderRecord(opts.format, env);
      result.written++;
      if (chunk.length >= 64 * 1024) {
        opts.out(chunk);
        chunk = '';
        // Let a write error (EPIPE) surface before producing more.
        await new Promise((resolve) => setImmediate(resolve));
        if (opts.closed?.()) return result;
      }
    }
    if (chunk) opts.out(chunk);
    return result;
  } catch (e) {
    throw isHemsError(e, 'STORE_FAILED') ? unreadable(opts.stateDir, e) : e;
  } finally {
    store.close();
  }
}
