/**
 * Which calendar day E5 = 0 is. E5 counts days from the METER's today (protocol.md §C.2), and
 * around midnight the meter's clock and ours may disagree (a skewed meter clock; a fixed-time
 * value latched minutes late), so naming history days by our date or by EA's date labels a half
 * hour one day off. The meter's own date (0x98), read in the same Get as E2, names them; without
 * it our date is used only where the meter's cannot differ. Pure: the clock is passed in.
 */
import { utcToWallTime } from '../time/zone.js';
import { localDate } from './backfill.js';
import type { CalendarDay } from './slots.js';

/**
 * Within this of local midnight (either side) our date and the meter's may differ: the meter
 * clock may be minutes off, and EA/E2 may roll over minutes late (issue 15).
 */
export const MIDNIGHT_MARGIN_MS = 20 * 60_000;

export const sameDay = (a: CalendarDay, b: CalendarDay): boolean =>
  a.year === b.year && a.month === b.month && a.day === b.day;

/** "YYYY-MM-DD" (0x98, echonet/superclass.ts) → a calendar day. */
export function parseMeterDate(s: string): CalendarDay | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
}

/** Our clock is close enough to local midnight that the meter's date may already (or still) differ. */
export function nearMidnight(nowMs: number, timezone: string): boolean {
  const w = utcToWallTime(nowMs, timezone);
  const sinceMidnight = ((w.hour * 60 + w.minute) * 60 + w.second) * 1000;
  return sinceMidnight < MIDNIGHT_MARGIN_MS || sinceMidnight > 86_400_000 - MIDNIGHT_MARGIN_MS;
}

export interface MeterTodayInput {
  /** The meter's date (0x98) as read with each E2 of this lookup; null where it was not offered. */
  meterDates: readonly (string | null)[];
  nowMs: number;
  /** The latest fixed-time value (EA) on the time line, when known. */
  lastFixedMs: number | null;
  timezone: string;
}

/**
 * The day E5 = 0 names, or null when it cannot be known for sure (the caller postpones): two
 * reads that saw different meter dates (midnight passed between them), or — without 0x98 —
 * our clock near midnight or the latest EA on another date than ours.
 */
export function meterToday(i: MeterTodayInput): CalendarDay | null {
  const seen = [...new Set(i.meterDates.filter((d): d is string => d !== null))];
  if (seen.length > 1) return null;
  if (seen.length === 1) return parseMeterDate(seen[0]!);
  if (nearMidnight(i.nowMs, i.timezone)) return null;
  const ours = localDate(i.nowMs, i.timezone);
  if (i.lastFixedMs !== null && !sameDay(localDate(i.lastFixedMs, i.timezone), ours)) return null;
  return ours;
}
