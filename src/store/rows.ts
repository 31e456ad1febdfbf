/**
 * A reading as stored, and read back. The `payload` column holds the record and its extras as
 * JSON; the id, meter and backfill flag are columns of their own (rows written before schema 3
 * hold the whole envelope in `payload`; both are read). A row may have been damaged on disk or
 * written by hand; such a row must not stop an outbox or an export, so it is checked here and
 * reported, never thrown.
 */
import { type Envelope, READING_KEYS } from '../reading/record.js';

/** The columns of a `readings` row that make up its envelope. */
export interface StoredRow {
  id: string;
  meter: string | null;
  backfill: number;
  payload: string;
}

export type Decoded = { ok: true; env: Envelope } | { ok: false; why: string };

/** Keys of the record that hold a time (text); every other key holds a number. */
const TEXT_KEYS = new Set<string>(['timestamp', 'historical_timestamp', 'recent_30min_timestamp']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `payload` text of an envelope: the id, meter and backfill flag are left to their columns,
 * empty extras left out. About 90 bytes less than the whole envelope, so two readings fit in a
 * 1 KiB page (schema.ts, PAGE_SIZE) even with reverse energy among the extras.
 */
export function encodePayload(env: Envelope): string {
  const extras = Object.keys(env.extras).length > 0 ? { extras: env.extras } : {};
  return JSON.stringify({ reading: env.reading, ...extras });
}

/** A stored row as an envelope, checked to have the shape every output relies on. */
export function decodeRow(row: StoredRow): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.payload);
  } catch (e) {
    return { ok: false, why: `not JSON (${(e as Error).message})` };
  }
  if (!isObject(parsed)) return { ok: false, why: 'not a JSON object' };
  // A whole envelope (schema 2 and before) carries its id; else the columns complete it.
  const v: Record<string, unknown> =
    'id' in parsed ? parsed : { id: row.id, meter: row.meter, backfill: row.backfill !== 0, ...parsed };
  if (typeof v.id !== 'string' || v.id === '') return { ok: false, why: 'no reading id' };
  if (v.meter !== null && typeof v.meter !== 'string') return { ok: false, why: 'meter is not text' };
  if (typeof v.backfill !== 'boolean') return { ok: false, why: 'backfill is not true or false' };
  const r = v.reading;
  if (!isObject(r)) return { ok: false, why: 'no reading record' };
  for (const k of READING_KEYS) {
    const x = r[k];
    const want = TEXT_KEYS.has(k) ? 'string' : 'number';
    if (x === null && k !== 'timestamp') continue;
    if (typeof x !== want)
      return { ok: false, why: `${k} is not a ${want === 'string' ? 'time' : 'number'}` };
  }
  if (!Number.isFinite(Date.parse(r.timestamp as string)))
    return { ok: false, why: 'timestamp is not a time' };
  if (v.extras !== undefined && !isObject(v.extras)) return { ok: false, why: 'extras is not an object' };
  return { ok: true, env: { ...(v as unknown as Envelope), extras: (v.extras ?? {}) as Envelope['extras'] } };
}
