/**
 * Billing periods (検針期間). A period starts on the meter-reading day at 00:00 local time and
 * ends just before the next one. It is named after the month of its last day, as the bill
 * names it: with the 1st, May 1–31 is `2026-05`; with the 15th, April 15 – May 14 is `2026-05`.
 * A half hour belongs to the period that contains its START.
 */
import { addDays, dayBounds, parseDate } from '../time/zone.js';

export interface BillingPeriod {
  /** `YYYY-MM`, the month of the last day. */
  label: string;
  /** First local date, inclusive. */
  startDate: string;
  /** Last local date, inclusive. */
  lastDate: string;
  /** Local midnight starting the period and the next one (UTC ms). */
  startMs: number;
  endMs: number;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const dateOf = (year: number, month: number, day: number): string => {
  const d = new Date(Date.UTC(year, month - 1, day));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
};

function fromStart(startDate: string, readingDay: number, tz: string): BillingPeriod {
  const s = parseDate(startDate);
  const next = dateOf(s.year, s.month + 1, readingDay);
  const lastDate = addDays(next, -1);
  return {
    label: lastDate.slice(0, 7),
    startDate,
    lastDate,
    startMs: dayBounds(startDate, tz).startMs,
    endMs: dayBounds(next, tz).startMs,
  };
}

/** The billing period containing the local date `date`. */
export function periodOfDate(date: string, readingDay: number, tz: string): BillingPeriod {
  const d = parseDate(date);
  const start =
    d.day >= readingDay ? dateOf(d.year, d.month, readingDay) : dateOf(d.year, d.month - 1, readingDay);
  return fromStart(start, readingDay, tz);
}

/** The billing period named `YYYY-MM` (its last day is in that month). */
export function periodByLabel(label: string, readingDay: number, tz: string): BillingPeriod {
  const { year, month } = parseDate(`${label}-01`);
  const start = readingDay === 1 ? dateOf(year, month, 1) : dateOf(year, month - 1, readingDay);
  return fromStart(start, readingDay, tz);
}

/** The period before `p`. */
export function previousPeriod(p: BillingPeriod, readingDay: number, tz: string): BillingPeriod {
  return periodOfDate(addDays(p.startDate, -1), readingDay, tz);
}
