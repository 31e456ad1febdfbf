/**
 * Half-hour bars for the dashboard. Each stored reading carries the latest completed half
 * hour (recent_30min_timestamp = the slot's END, UTC; recent_30min_consumption_kwh), so the
 * bars of a day are the distinct slots found in the readings of that day, keyed by slot.
 */

import type { Envelope } from '../reading/record.js';
import { dayBounds, parseDate, utcToWallTime } from '../time/zone.js';

// Calendar-date helpers live with the time zones; re-exported for the http room's callers.
export { addDays, dayBounds, localDateOf, parseDate } from '../time/zone.js';

/** The years `/api/halfhours?date=` accepts: a smart meter's history, with room to spare. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2999;

/** Whether `date` is a real `YYYY-MM-DD` calendar date from FIRST_YEAR to LAST_YEAR. */
export function isServedDate(date: string): boolean {
  try {
    const { year } = parseDate(date);
    return year >= FIRST_YEAR && year <= LAST_YEAR;
  } catch {
    return false;
  }
}

const HALF_HOUR_MS = 30 * 60 * 1000;

export interface HalfHourSlot {
  /** 0 = the half hour starting at local midnight. */
  index: number;
  /** Local wall time of the slot start, `HH:MM`. */
  label: string;
  start: string;
  end: string;
  /** null when no stored reading covers this half hour. */
  kwh: number | null;
}

export interface HalfHourDay {
  date: string;
  timezone: string;
  /** 48 slots (46 or 50 on a DST change day). */
  slots: HalfHourSlot[];
  /** How many slots have a value. */
  stored: number;
  /** Sum of the stored slots (null when none). */
  totalKwh: number | null;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Slot end (UTC ms) → kWh, from readings oldest first (a later reading of a slot wins). */
export function slotsOf(envs: Iterable<Envelope>, into = new Map<number, number>()): Map<number, number> {
  for (const env of envs) {
    const ts = env.reading.recent_30min_timestamp;
    const kwh = env.reading.recent_30min_consumption_kwh;
    if (ts === null || kwh === null || !Number.isFinite(kwh)) continue;
    const end = Date.parse(ts);
    if (Number.isFinite(end)) into.set(end, kwh);
  }
  return into;
}

/** The bars of one local day from a slot map. */
export function halfHourDay(date: string, tz: string, slots: ReadonlyMap<number, number>): HalfHourDay {
  const { startMs, endMs } = dayBounds(date, tz);
  const out: HalfHourSlot[] = [];
  let stored = 0;
  let total = 0;
  for (let start = startMs, index = 0; start < endMs; start += HALF_HOUR_MS, index++) {
    const end = start + HALF_HOUR_MS;
    const kwh = slots.get(end) ?? null;
    if (kwh !== null) {
      stored++;
      total += kwh;
    }
    const w = utcToWallTime(start, tz);
    out.push({
      index,
      label: `${pad2(w.hour)}:${pad2(w.minute)}`,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      kwh,
    });
  }
  // Rounded to the meter's finest unit (0.0001 kWh is below any coefficient in use).
  return {
    date,
    timezone: tz,
    slots: out,
    stored,
    totalKwh: stored === 0 ? null : Math.round(total * 1e4) / 1e4,
  };
}
