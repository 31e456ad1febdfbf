import { HemsError } from '../errors.js';
import { csvHeader, type RecordFormat, renderRecord } from '../sinks/format.js';
import { openStore, type Store } from '../store/store.js';

export interface ExportOptions {
  stateDir: string;
  /** First reading time, inclusive: epoch ms, a Date, or ISO 8601 text (a bare date is UTC midnight). */
  since?: number | string | Date | null;
  /** End of the range, exclusive (same forms as `since`). */
  until?: number | string | Date | null;
  format: RecordFormat;
  out: (text: string) => void;
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

/** The database of `stateDir`, read-only (beside a running collector); one clear error without one. */
export function openReadonlyStore(stateDir: string): Store {
  try {
    return openStore({ dir: stateDir, readonly: true });
  } catch (e) {
    throw new HemsError('STORE_FAILED', `no readable store in ${stateDir} (has the collector run there?)`, {
      cause: e instanceof Error ? e.message : String(e),
    });
  }
}

/**
 * Prints the stored readings in [since, until), oldest first, in the live outputs' formats:
 * csv (header, then one row per reading), json (one object per line), yaml (one document per
 * reading). Opens the database read-only, so it can run beside a running collector.
 * Returns the number of readings written.
 */
export async function runExport(opts: ExportOptions): Promise<number> {
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
  try {
    if (opts.format === 'csv') opts.out(csvHeader());
    let n = 0;
    let chunk = '';
    for (const env of store.iterate({ since, until })) {
      chunk += renderRecord(opts.format, env);
      n++;
      if (chunk.length >= 64 * 1024) {
        opts.out(chunk);
        chunk = '';
      }
    }
    if (chunk) opts.out(chunk);
    return n;
  } finally {
    store.close();
  }
}
