/**
 * The 30-minute consumption rule. The original tool reports the latest valid half-hour slot
 * (its end time, UTC) and the counter difference between that slot and the one before.
 * We derive it from consecutive fixed-time values (EA, protocol.md §C.2), which the meter
 * returns on every Get and pushes by INF after each :00/:30; only when no consecutive pair
 * is known (first start, a gap) is the day history (E2 after SetC E5) needed.
 */

import type { DayHistory } from '../echonet/meter.js';
import { localWallTimeToUtc, utcToWallTime } from '../time/zone.js';
import { counterDelta } from './energy.js';

export const HALF_HOUR_MS = 30 * 60 * 1000;

/** A counter value at a slot boundary (UTC ms). */
export interface SlotPoint {
  atMs: number;
  raw: number;
}

/** The consumption of the half hour ending at `atMs`, in raw counter units. */
export interface RecentSlot {
  atMs: number;
  deltaRaw: number;
}

/** What survives restarts (persisted by the session in the state dir). */
export interface SlotState {
  last: SlotPoint | null;
  recent: RecentSlot | null;
}

export const EMPTY_SLOT_STATE: SlotState = { last: null, recent: null };

/** Folds one fixed-time value into the state. Older values than the last one are ignored. */
export function advanceSlots(state: SlotState, point: SlotPoint, digits: number): SlotState {
  const last = state.last;
  if (!last) return { last: point, recent: null };
  if (point.atMs < last.atMs) return state;
  if (point.atMs === last.atMs) return { last: point, recent: state.recent };
  if (point.atMs - last.atMs === HALF_HOUR_MS) {
    return { last: point, recent: { atMs: point.atMs, deltaRaw: counterDelta(last.raw, point.raw, digits) } };
  }
  return { last: point, recent: null };
}

/** The recent slot when it belongs to the latest known fixed-time value, else null. */
export function currentRecent(state: SlotState): RecentSlot | null {
  if (!state.last || !state.recent) return null;
  return state.recent.atMs === state.last.atMs ? state.recent : null;
}

/** Whether the history fallback also needs yesterday (fewer than 2 valid slots today). */
export function needsYesterday(today: Pick<DayHistory, 'raw'>): boolean {
  return today.raw.filter((s) => s !== null).length < 2;
}

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** The calendar day of `ms` in `tz`, and the day before it. */
export function localDays(ms: number, tz: string): { today: CalendarDay; yesterday: CalendarDay } {
  const w = utcToWallTime(ms, tz);
  const y = new Date(Date.UTC(w.year, w.month - 1, w.day - 1));
  return {
    today: { year: w.year, month: w.month, day: w.day },
    yesterday: { year: y.getUTCFullYear(), month: y.getUTCMonth() + 1, day: y.getUTCDate() },
  };
}

function slotTime(day: CalendarDay, index: number, tz: string): number {
  return localWallTimeToUtc(day.year, day.month, day.day, Math.floor(index / 2), (index % 2) * 30, 0, tz);
}

/**
 * The latest valid half hour from day histories (E2 slot i = counter at i × 30 min local
 * time, protocol.md §C.2). Slot 0 of today pairs with slot 47 of yesterday. Returns the
 * recent slot and the point it ends at (to seed the state), or null.
 */
export function recentFromHistory(
  today: Pick<DayHistory, 'raw'>,
  yesterday: Pick<DayHistory, 'raw'> | null,
  days: { today: CalendarDay; yesterday: CalendarDay },
  tz: string,
  digits: number,
): { recent: RecentSlot; last: SlotPoint } | null {
  // One timeline: yesterday's 48 slots, then today's.
  const line: { day: CalendarDay; index: number; raw: number | null }[] = [];
  for (let i = 0; i < 48; i++) line.push({ day: days.yesterday, index: i, raw: yesterday?.raw[i] ?? null });
  for (let i = 0; i < 48; i++) line.push({ day: days.today, index: i, raw: today.raw[i] ?? null });
  let k = line.length - 1;
  while (k >= 0 && line[k]!.raw === null) k--;
  if (k < 1) return null;
  const cur = line[k]!;
  const prev = line[k - 1]!;
  if (cur.raw === null || prev.raw === null) return null;
  const atMs = slotTime(cur.day, cur.index, tz);
  return {
    recent: { atMs, deltaRaw: counterDelta(prev.raw, cur.raw, digits) },
    last: { atMs, raw: cur.raw },
  };
}
