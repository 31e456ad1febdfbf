/**
 * History backfill, pure part: which half-hour slots are missing, and how one day of the
 * meter's history (E2 after SetC E5 = day, protocol.md §B.3, §C.2) becomes records.
 * The clock, the zone and what the store already holds are passed in.
 */

import { localWallTimeToUtc, utcToWallTime } from '../time/zone.js';
import { counterDelta } from './energy.js';
import { type Envelope, formatMeterTime, formatReadingTime } from './record.js';
import type { CalendarDay } from './slots.js';

export const DEFAULT_BACKFILL_DAYS = 7;
/** E5 holds 0–99 (0 = today), protocol.md §C.2. */
export const MAX_HISTORY_DAY = 99;
export const SLOTS_PER_DAY = 48;
const HALF_HOUR_MS = 30 * 60 * 1000;
const DAY_MS = 86_400_000;

/** One E2 slot: index i is the counter at i × 30 min local time of its day. */
export interface SlotRef {
  index: number;
  /** UTC epoch ms. */
  atMs: number;
}

/** The missing slots of one meter-local day, and the E5 value that selects that day. */
export interface DayPlan {
  day: number;
  date: CalendarDay;
  /** Missing slots, oldest first. */
  slots: SlotRef[];
}

export interface PlanInput {
  now: number;
  timezone: string;
  /** Days to look back; 0 (or less) disables backfill. Capped at 99 (E5). */
  backfillDays: number;
  /**
   * Slots (UTC ms) that need nothing: already stored (live recent_30min_timestamp or
   * backfilled) or given up. An empty set on a first start plans the whole window.
   */
  have: ReadonlySet<number>;
}

/** `d` moved by `n` calendar days. */
export function addDays(d: CalendarDay, n: number): CalendarDay {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const daySlotCache = new Map<string, readonly SlotRef[]>();

/**
 * The slots of a local day that exist on the wall clock. In a zone with DST, the wall times
 * skipped in spring have no slot, and a repeated wall time names its first instant.
 * Memoized: the Intl conversions are slow and plans are made every cycle.
 */
export function daySlots(date: CalendarDay, timezone: string): readonly SlotRef[] {
  const key = `${timezone}|${date.year}-${date.month}-${date.day}`;
  const hit = daySlotCache.get(key);
  if (hit) return hit;
  const out: SlotRef[] = [];
  for (let index = 0; index < SLOTS_PER_DAY; index++) {
    const hour = Math.floor(index / 2);
    const minute = (index % 2) * 30;
    const atMs = localWallTimeToUtc(date.year, date.month, date.day, hour, minute, 0, timezone);
    const w = utcToWallTime(atMs, timezone);
    if (w.day !== date.day || w.hour !== hour || w.minute !== minute) continue;
    out.push({ index, atMs });
  }
  if (daySlotCache.size >= 1024) daySlotCache.clear();
  daySlotCache.set(key, out);
  return out;
}

/** The meter-local calendar day of `ms`. */
export function localDate(ms: number, timezone: string): CalendarDay {
  const w = utcToWallTime(ms, timezone);
  return { year: w.year, month: w.month, day: w.day };
}

/** The E5 day index of `date` seen from `today` (0 = today, 1 = yesterday …). */
export function dayIndex(today: CalendarDay, date: CalendarDay): number {
  const a = Date.UTC(today.year, today.month - 1, today.day);
  const b = Date.UTC(date.year, date.month - 1, date.day);
  return Math.round((a - b) / DAY_MS);
}

/**
 * The missing slots within the window, grouped by meter-local day, oldest day first. The
 * window holds the slots later than `now − backfillDays × 24 h` up to the latest one at or
 * before `now`, and never a day beyond E5's 99.
 */
export function planBackfill(input: PlanInput): DayPlan[] {
  const days = Math.min(Math.floor(input.backfillDays), MAX_HISTORY_DAY);
  if (!(days > 0)) return [];
  const { now, timezone } = input;
  const from = now - days * DAY_MS;
  const today = localDate(now, timezone);
  const out: DayPlan[] = [];
  for (let day = Math.min(days + 1, MAX_HISTORY_DAY); day >= 0; day--) {
    const date = addDays(today, -day);
    const slots = daySlots(date, timezone).filter(
      (s) => s.atMs > from && s.atMs <= now && !input.have.has(s.atMs),
    );
    if (slots.length > 0) out.push({ day, date, slots });
  }
  return out;
}

/** D3, E1 as kWh per count (0.01, 10 …), D7. */
export interface HistoryConstants {
  coefficient: number;
  unit: number;
  digits: number;
}

/** raw × D3 × E1 in kWh, rounded to E1's decimals (as live readings are). */
export function historyKwh(raw: number, c: Pick<HistoryConstants, 'coefficient' | 'unit'>): number {
  const scaled = raw * c.coefficient;
  if (c.unit >= 1) return scaled * c.unit;
  const decimals = Math.round(-Math.log10(c.unit));
  return Math.round(scaled) / 10 ** decimals;
}

/** A counter value at a slot time. */
export interface RawAt {
  atMs: number;
  raw: number;
}

export interface BuildInput {
  meter: string;
  timezone: string;
  plan: Pick<DayPlan, 'date' | 'slots'>;
  /** The day's 48 E2 slots; null = no data. */
  raw: readonly (number | null)[];
  constants: HistoryConstants;
  /** The slot before the day's first one (the previous day's slot 47), when known. */
  previous: RawAt | null;
}

/** The stable id of a backfilled slot: the store and receivers de-duplicate on it. */
export function slotId(meter: string, atMs: number): string {
  return `${meter}-slot-${atMs}`;
}

/**
 * Records for the planned slots of one day, oldest first. A slot without data is skipped;
 * a slot whose predecessor (exactly 30 min earlier) is unknown gets a null consumption.
 */
export function buildBackfill(input: BuildInput): Envelope[] {
  const { constants, timezone } = input;
  const known = new Map<number, number | null>();
  if (input.previous) known.set(input.previous.atMs, input.previous.raw);
  for (const s of daySlots(input.plan.date, timezone)) known.set(s.atMs, input.raw[s.index] ?? null);
  const out: Envelope[] = [];
  for (const slot of input.plan.slots) {
    const raw = input.raw[slot.index] ?? null;
    if (raw === null) continue;
    const prev = known.get(slot.atMs - HALF_HOUR_MS) ?? null;
    const meterTime = formatMeterTime(slot.atMs);
    out.push({
      id: slotId(input.meter, slot.atMs),
      meter: input.meter,
      backfill: true,
      reading: {
        timestamp: formatReadingTime(slot.atMs),
        cumulative_power_kwh: null,
        instant_power_w: null,
        current_a: null,
        current_r_a: null,
        current_t_a: null,
        historical_timestamp: meterTime,
        historical_cumulative_power_kwh: historyKwh(raw, constants),
        recent_30min_timestamp: meterTime,
        recent_30min_consumption_kwh:
          prev === null ? null : historyKwh(counterDelta(prev, raw, constants.digits), constants),
      },
      extras: {},
    });
  }
  return out;
}
