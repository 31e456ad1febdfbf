/**
 * The output record, exactly as the original tool documents it (original-README.md,
 * "Output Data Format"): these 10 keys, in this order. Pipelines depend on it.
 */
export interface Reading {
  timestamp: string;
  cumulative_power_kwh: number | null;
  instant_power_w: number | null;
  current_a: number | null;
  current_r_a: number | null;
  current_t_a: number | null;
  historical_timestamp: string | null;
  historical_cumulative_power_kwh: number | null;
  recent_30min_timestamp: string | null;
  recent_30min_consumption_kwh: number | null;
}

export const READING_KEYS = [
  'timestamp',
  'cumulative_power_kwh',
  'instant_power_w',
  'current_a',
  'current_r_a',
  'current_t_a',
  'historical_timestamp',
  'historical_cumulative_power_kwh',
  'recent_30min_timestamp',
  'recent_30min_consumption_kwh',
] as const satisfies readonly (keyof Reading)[];

/**
 * A reading as it travels through the store and the outputs. `id` is stable across
 * retries and restarts (receivers de-duplicate on it); `meter` is the meter's address
 * (EUI-64 hex) when known. `extras` hold values outside the 10-key record (reverse energy),
 * used by MQTT and the dashboard, never by the compatible outputs.
 */
export interface Envelope {
  id: string;
  meter: string | null;
  backfill: boolean;
  reading: Reading;
  extras: ReadingExtras;
}

export interface ReadingExtras {
  cumulative_reverse_kwh?: number | null;
  manufacturer?: string | null;
  serial?: string | null;
}

/** The JSON object written by json/yaml/webhook/Pub/Sub/MQTT outputs: the 10 keys, plus `backfill: true` for backfilled slots. */
export function payloadOf(env: Envelope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of READING_KEYS) out[k] = env.reading[k];
  if (env.backfill) out.backfill = true;
  return out;
}

/** `2023-10-27T10:00:00.123456+00:00`: the reading time as the original writes it. */
export function formatReadingTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2023-10-27T10:00:00.123Z
  return `${iso.slice(0, 23)}000+00:00`;
}

/** `2023-10-27T10:00:00+00:00`: meter times (whole seconds, UTC). */
export function formatMeterTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** Parses either timestamp form back to epoch milliseconds (also accepts `Z`). */
export function parseRecordTime(text: string): number {
  return Date.parse(text);
}
