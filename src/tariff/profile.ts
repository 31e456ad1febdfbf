/**
 * Usage profiles from stored half hours: the weekday × half-hour average that the forecast uses,
 * and the weekday / weekend averages the dashboard draws. Half hours are indexed by their local
 * start (00:00 = 0 … 23:30 = 47).
 */
import { addDays, dayBounds } from '../time/zone.js';
import { slotClock } from './clock.js';

export const HALF_HOUR_MS = 30 * 60_000;
/** The forecast learns from this many days before today (4 weeks: each weekday 4 times). */
export const PROFILE_DAYS = 28;

/** Local slot index (0–47) and date of the half hour starting at `startMs`. */

/** Stored half hours (slot END ms → kWh) whose start lies in [startMs, endMs), oldest first. */
export function storedBetween(
  slots: ReadonlyMap<number, number>,
  startMs: number,
  endMs: number,
): { startMs: number; kwh: number }[] {
  const out: { startMs: number; kwh: number }[] = [];
  for (let s = startMs; s < endMs; s += HALF_HOUR_MS) {
    const kwh = slots.get(s + HALF_HOUR_MS);
    if (kwh !== undefined) out.push({ startMs: s, kwh });
  }
  return out;
}

interface Acc {
  sum: number;
  n: number;
}
const acc = (): Acc => ({ sum: 0, n: 0 });
const mean = (a: Acc): number | null => (a.n === 0 ? null : a.sum / a.n);

/** Averages per (weekday, slot), per slot and overall, learnt from some days of half hours. */
export interface Profile {
  /** How many half hours it learnt from. */
  samples: number;
  /** Expected kWh of the half hour starting at `startMs`; null when nothing was learnt. */
  expect(startMs: number): number | null;
}

/**
 * The profile of the PROFILE_DAYS local days before `today`: a half hour is expected to use the
 * average of the same weekday and half hour; where that was never stored, the average of that
 * half hour on any day; then the average of all.
 */
export function learnProfile(slots: ReadonlyMap<number, number>, today: string, tz: string): Profile {
  const byDay = Array.from({ length: 7 }, () => Array.from({ length: 48 }, acc));
  const bySlot = Array.from({ length: 48 }, acc);
  const all = acc();
  const from = dayBounds(addDays(today, -PROFILE_DAYS), tz).startMs;
  const until = dayBounds(today, tz).startMs;
  for (const h of storedBetween(slots, from, until)) {
    const { weekday, index } = slotClock(h.startMs, tz);
    for (const a of [byDay[weekday]![index]!, bySlot[index]!, all]) {
      a.sum += h.kwh;
      a.n++;
    }
  }
  return {
    samples: all.n,
    expect(startMs) {
      const { weekday, index } = slotClock(startMs, tz);
      return mean(byDay[weekday]![index]!) ?? mean(bySlot[index]!) ?? mean(all);
    },
  };
}

export interface DayTypeProfile {
  /** Average kWh per half hour (48 values, null where nothing was stored). */
  weekday: (number | null)[];
  weekend: (number | null)[];
}

/** Weekday vs weekend (Saturday, Sunday and the given holidays) average per half hour. */
export function dayTypeProfile(
  halfHours: readonly { startMs: number; kwh: number }[],
  tz: string,
  holidays: ReadonlySet<string> = new Set(),
): DayTypeProfile {
  const wd = Array.from({ length: 48 }, acc);
  const we = Array.from({ length: 48 }, acc);
  for (const h of halfHours) {
    const { date, index, weekday: d } = slotClock(h.startMs, tz);
    const a = (d === 0 || d === 6 || holidays.has(date) ? we : wd)[index]!;
    a.sum += h.kwh;
    a.n++;
  }
  const round = (a: Acc): number | null => {
    const m = mean(a);
    return m === null ? null : Math.round(m * 1e4) / 1e4;
  };
  return { weekday: wd.map(round), weekend: we.map(round) };
}
