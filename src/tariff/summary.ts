/**
 * Figures of billing periods and days from stored half hours (slot END ms → kWh, as the store's
 * readings carry them): the bill so far, per-day kWh and yen, missing half hours, the forecast
 * for the period's end. Missing data is counted and reported, never filled in: a half hour
 * that ended and is not stored is `missing`, except during the hour after it ended, when the
 * meter may simply not have been read yet (`pending`).
 */
import { addDays, dayBounds, localDateOf } from '../time/zone.js';
import { type Bill, type HalfHour, priceHalfHours } from './bill.js';
import { slotClock } from './clock.js';
import { type BillingPeriod, periodOfDate } from './period.js';
import { HALF_HOUR_MS, type Profile, storedBetween } from './profile.js';
import type { Tariff } from './types.js';

/** A half hour that ended this recently and is not stored yet is waiting, not missing. */
export const PENDING_MS = 60 * 60_000;

export type Slots = ReadonlyMap<number, number>;

export interface PricedHalfHour extends HalfHour {
  /** What it added to the bill (null without a tariff). */
  yen: number | null;
}

export interface DayFigure {
  date: string;
  kwh: number;
  /** Energy charge and per-kWh adjustments of the day (no basic charge); null without a tariff. */
  yen: number | null;
  stored: number;
  missing: number;
}

export interface Forecast {
  /** Expected kWh and bill of the whole period: what is stored plus the expected rest. */
  kwh: number;
  bill: Bill | null;
  /** Half hours of the period that the profile filled in. */
  expectedHalfHours: number;
  /** Half hours the profile learnt from (PROFILE_DAYS before today). */
  learntFrom: number;
}

export interface PeriodSummary {
  period: BillingPeriod;
  halfHours: number;
  stored: number;
  missing: number;
  kwh: number;
  bill: Bill | null;
  days: DayFigure[];
  forecast: Forecast | null;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const r2 = (v: number): number => Math.round(v * 100) / 100;

/** The stored half hours of a billing period, priced as the bill prices them. */
export function pricePeriod(
  tariff: Tariff | null,
  period: BillingPeriod,
  slots: Slots,
  tz: string,
): { halfHours: PricedHalfHour[]; bill: Bill | null } {
  const stored = storedBetween(slots, period.startMs, period.endMs);
  if (!tariff) return { halfHours: stored.map((h) => ({ ...h, yen: null })), bill: null };
  const priced = priceHalfHours(tariff, period.label, stored, tz);
  return {
    halfHours: stored.map((h, i) => ({ ...h, yen: priced.perHalfHour[i]! })),
    bill: priced.bill,
  };
}

/**
 * Priced half hours starting in [fromMs, toMs). Each billing period touched is priced from its
 * own start, so `slots` must hold those periods from their first day.
 */
export function pricedBetween(
  tariff: Tariff | null,
  readingDay: number,
  slots: Slots,
  fromMs: number,
  toMs: number,
  tz: string,
): PricedHalfHour[] {
  const out: PricedHalfHour[] = [];
  let p = periodOfDate(localDateOf(fromMs, tz), readingDay, tz);
  while (p.startMs < toMs) {
    for (const h of pricePeriod(tariff, p, slots, tz).halfHours) {
      if (h.startMs >= fromMs && h.startMs < toMs) out.push(h);
    }
    p = periodOfDate(addDays(p.lastDate, 1), readingDay, tz);
  }
  return out;
}

/** Per-day figures of `dates` from priced half hours (missing counted up to `nowMs`). */
export function dayFigures(
  dates: readonly string[],
  priced: readonly PricedHalfHour[],
  priceKnown: boolean,
  nowMs: number,
  tz: string,
): DayFigure[] {
  const byDate = new Map<string, PricedHalfHour[]>();
  for (const h of priced) {
    const d = slotClock(h.startMs, tz).date;
    const list = byDate.get(d) ?? [];
    if (list.length === 0) byDate.set(d, list);
    list.push(h);
  }
  return dates.map((date) => {
    const list = byDate.get(date) ?? [];
    const { startMs, endMs } = dayBounds(date, tz);
    let due = 0;
    for (let s = startMs; s < endMs; s += HALF_HOUR_MS) if (s + HALF_HOUR_MS + PENDING_MS <= nowMs) due++;
    const stored = list.length;
    const storedDue = list.filter((h) => h.startMs + HALF_HOUR_MS + PENDING_MS <= nowMs).length;
    return {
      date,
      kwh: r4(list.reduce((s, h) => s + h.kwh, 0)),
      yen: priceKnown ? r2(list.reduce((s, h) => s + (h.yen ?? 0), 0)) : null,
      stored,
      missing: Math.max(0, due - storedDue),
    };
  });
}

/**
 * The billing period as of `nowMs`: stored kWh, the bill so far, each day, missing half hours,
 * and (with a profile) the forecast for its end, which adds the profile's expectation for every
 * half hour not stored that is still to come or pending.
 */
export function summarizePeriod(i: {
  tariff: Tariff | null;
  period: BillingPeriod;
  slots: Slots;
  nowMs: number;
  tz: string;
  profile?: Profile | null;
}): PeriodSummary {
  const { tariff, period, slots, nowMs, tz } = i;
  const priced = pricePeriod(tariff, period, slots, tz);
  const dates: string[] = [];
  for (let d = period.startDate; d <= period.lastDate; d = addDays(d, 1)) dates.push(d);
  const days = dayFigures(dates, priced.halfHours, tariff !== null, nowMs, tz);
  const expected: HalfHour[] = [];
  let halfHours = 0;
  let unknown = false;
  for (let s = period.startMs; s < period.endMs; s += HALF_HOUR_MS) {
    halfHours++;
    if (slots.has(s + HALF_HOUR_MS) || s + HALF_HOUR_MS + PENDING_MS <= nowMs) continue;
    const kwh = i.profile?.expect(s) ?? null;
    if (kwh === null) unknown = true;
    else expected.push({ startMs: s, kwh });
  }
  let forecast: Forecast | null = null;
  if (i.profile && i.profile.samples > 0 && !unknown) {
    const all = [...priced.halfHours, ...expected];
    forecast = {
      kwh: r4(all.reduce((s, h) => s + h.kwh, 0)),
      bill: tariff ? priceHalfHours(tariff, period.label, all, tz).bill : null,
      expectedHalfHours: expected.length,
      learntFrom: i.profile.samples,
    };
  }
  return {
    period,
    halfHours,
    stored: priced.halfHours.length,
    missing: days.reduce((s, d) => s + d.missing, 0),
    kwh: r4(priced.halfHours.reduce((s, h) => s + h.kwh, 0)),
    bill: priced.bill,
    days,
    forecast,
  };
}
