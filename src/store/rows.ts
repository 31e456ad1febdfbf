/**
 * Reading a stored record back. A row may have been damaged on disk or written by hand; such a
 * row must not stop an outbox or an export, so it is checked here and reported, never thrown.
 */
import { type Envelope, READING_KEYS } from '../reading/record.js';

export type Decoded = { ok: true; env: Envelope } | { ok: false; why: string };

/** Keys of the record that hold a time (text); every other key holds a number. */
const TEXT_KEYS = new Set<string>(['timestamp', 'historical_timestamp', 'recent_30min_timestamp']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The stored JSON text of an envelope, checked to have the shape every output relies on. */
export function decodeEnvelope(payload: string): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch (e) {
    return { ok: false, why: `not JSON (${(e as Error).message})` };
  }
  if (!isObject(v)) return { ok: false, why: 'not a JSON object' };
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
