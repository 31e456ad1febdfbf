/**
 * The local wall clock of half-hour starts, remembered: pricing, days, profiles and forecasts
 * look at the same few thousand half hours again at every dashboard poll and scrape, and Intl
 * (time/zone.ts) is slow enough to matter on a Raspberry Pi when asked thousands of times.
 */
import { utcToWallTime, weekdayOf } from '../time/zone.js';

export interface SlotClock {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  /** Minutes after local midnight. */
  minute: number;
  /** Half-hour index of the day, 0 (00:00) … 47 (23:30). */
  index: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const MAX_ENTRIES = 50_000;
const zones = new Map<string, Map<number, SlotClock>>();
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local date, time and weekday of the instant `ms` (a half-hour start) in `tz`. */
export function slotClock(ms: number, tz: string): SlotClock {
  let memo = zones.get(tz);
  if (!memo) {
    memo = new Map();
    zones.set(tz, memo);
  }
  const hit = memo.get(ms);
  if (hit) return hit;
  if (memo.size >= MAX_ENTRIES) memo.clear();
  const w = utcToWallTime(ms, tz);
  const date = `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
  const minute = w.hour * 60 + w.minute;
  const out = { date, minute, index: Math.floor(minute / 30), weekday: weekdayOf(date) };
  memo.set(ms, out);
  return out;
}
