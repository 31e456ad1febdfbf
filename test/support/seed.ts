/**
 * A store with weeks of plausible history, written through the real store: one live reading a
 * minute after each half hour (carrying that half hour, as the collector stores them), backfilled
 * records for chosen ranges, nothing for gaps, and a reading every 5 minutes in the last 6
 * hours (the live power line). Consumption follows a daily shape (morning and evening peaks,
 * more at weekends) with a fixed pseudo-random wobble, so every run writes the same numbers.
 */

import type { Envelope } from '../../src/reading/record.js';
import { formatMeterTime, formatReadingTime } from '../../src/reading/record.js';
import { openStore } from '../../src/store/store.js';
import { utcToWallTime, weekdayOf } from '../../src/time/zone.js';

export const SEED_METER = '001C6400036E8CF5';
const HALF = 30 * 60_000;

export interface SeedOptions {
  tz: string;
  /** First half hour start and the end of the seeded history (UTC ms, half-hour aligned). */
  fromMs: number;
  toMs: number;
  /** Half hours starting in these [from, to) ranges are stored as backfilled records. */
  backfill?: [number, number][];
  /** Half hours starting in these [from, to) ranges are not stored at all. */
  gaps?: [number, number][];
  /** A solar home: reverse energy between 9:00 and 15:00 (extras.cumulative_reverse_kwh). */
  solar?: boolean;
}

export interface Seeded {
  /** Slot END ms → kWh of every stored half hour. */
  slots: Map<number, number>;
  readings: number;
}

const inAny = (ms: number, ranges: [number, number][] = []): boolean =>
  ranges.some(([a, b]) => ms >= a && ms < b);

/** kWh of the half hour starting at `startMs` (3 decimals). */
export function seedKwh(startMs: number, tz: string): number {
  const w = utcToWallTime(startMs, tz);
  const h = w.hour + w.minute / 60;
  const date = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  const weekend = [0, 6].includes(weekdayOf(date));
  let kw = 0.25;
  if (h >= 6.5 && h < 8.5) kw += 0.9;
  if (h >= 18 && h < 22) kw += 1.3;
  if (weekend && h >= 10 && h < 17) kw += 0.7;
  const wobble = ((Math.sin(startMs / 1_234_567) + 1) / 2) * 0.3;
  return Math.round((kw + wobble) * 0.5 * 1000) / 1000;
}

function reading(
  atMs: number,
  slotEnd: number,
  kwh: number,
  cumulative: number,
  reverse: number | null,
): Envelope {
  return {
    id: `seed-${atMs}`,
    meter: SEED_METER,
    backfill: false,
    reading: {
      timestamp: formatReadingTime(atMs),
      cumulative_power_kwh: Math.round(cumulative * 1000) / 1000,
      instant_power_w: Math.round(kwh * 2000 + ((atMs / 60_000) % 7) * 40),
      current_a: Math.round(kwh * 20) / 2,
      current_r_a: Math.round(kwh * 10) / 2,
      current_t_a: Math.round(kwh * 10) / 2,
      historical_timestamp: formatMeterTime(slotEnd),
      historical_cumulative_power_kwh: Math.round(cumulative * 1000) / 1000,
      recent_30min_timestamp: formatMeterTime(slotEnd),
      recent_30min_consumption_kwh: kwh,
    },
    extras: reverse === null ? {} : { cumulative_reverse_kwh: Math.round(reverse * 1000) / 1000 },
  };
}

/** Writes the history into the store in `dir` (created if missing). */
export function seedStore(dir: string, o: SeedOptions): Seeded {
  const store = openStore({ dir, retentionDays: 100_000, now: () => o.toMs });
  const slots = new Map<number, number>();
  let cumulative = 5000;
  let reverse = o.solar ? 800 : null;
  let readings = 0;
  const insert = (env: Envelope): void => {
    if (store.insert(env, [])) readings++;
  };
  try {
    for (let s = o.fromMs; s + HALF <= o.toMs; s += HALF) {
      const end = s + HALF;
      const kwh = seedKwh(s, o.tz);
      cumulative += kwh;
      if (reverse !== null) {
        const h = utcToWallTime(s, o.tz).hour;
        if (h >= 9 && h < 15) reverse += 0.6;
      }
      if (inAny(s, o.gaps)) continue;
      if (inAny(s, o.backfill)) {
        slots.set(end, kwh);
        const env = reading(end, end, kwh, cumulative, null);
        insert({
          ...env,
          id: `seed-bf-${end}`,
          backfill: true,
          reading: {
            ...env.reading,
            timestamp: formatReadingTime(end),
            cumulative_power_kwh: null,
            instant_power_w: null,
            current_a: null,
            current_r_a: null,
            current_t_a: null,
          },
          extras: {},
        });
        continue;
      }
      const at = end + 60_000;
      if (at > o.toMs) continue; // read after the end of the history: not stored
      insert(reading(at, end, kwh, cumulative, reverse));
      slots.set(end, kwh);
      // The last 6 hours: a reading every 5 minutes, each carrying the latest half hour.
      if (end >= o.toMs - 6 * 3_600_000) {
        for (let t = at + 5 * 60_000; t < end + HALF && t <= o.toMs; t += 5 * 60_000) {
          insert(reading(t, end, kwh, cumulative, reverse));
        }
      }
    }
  } finally {
    store.close();
  }
  return { slots, readings };
}
