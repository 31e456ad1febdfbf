/**
 * Half-hour bars for the dashboard. Each stored reading carries the latest completed half
 * hour (recent_30min_timestamp = the slot's END, UTC; recent_30min_consumption_kwh), so the
 * bars of a day are the distinct slots found in the readings of that day, keyed by slot.
 */

import type { Envelope } from '../reading/record.js';
import { localWallTimeToUtc, utcToWallTime } from '../time/zone.js';

const HALF_HOUR_MS = 30 * 60 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

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

/** The local calendar date (`YYYY-MM-DD`) of `ms` in `tz`. */
export function localDateOf(ms: number, tz: string): string {
  const w = utcToWallTime(ms, tz);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** Parses `YYYY-MM-DD`; throws RangeError for anything else (including 2024-02-30). */
export function parseDate(date: string): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw new RangeError(`not a date: ${date}`);
  }
  return { year, month, day };
}

/** Local midnight of `date` and of the next day, as UTC ms. */
export function dayBounds(date: string, tz: string): { startMs: number; endMs: number } {
  const a = parseDate(date);
  const b = parseDate(addDays(date, 1));
  return {
    startMs: localWallTimeToUtc(a.year, a.month, a.day, 0, 0, 0, tz),
    endMs: localWallTimeToUtc(b.year, b.month, b.day, 0, 0, 0, tz),
  };
}

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
