/**
 * A Japanese residential electricity contract, as read from the tariff file (parse.ts). All
 * money is in yen, energy in kWh; times are the meter's local wall clock.
 */

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number] | 'holiday';

export const ROUNDINGS = ['floor', 'round', 'ceil'] as const;
export type Rounding = (typeof ROUNDINGS)[number];

/** One energy-charge tier: up to `upToKwh` of the billing period (null: no limit, the last tier). */
export interface Tier {
  upToKwh: number | null;
  yenPerKwh: number;
}

/** A time window in minutes after local midnight; `from > to` crosses midnight. */
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * A rate period of the energy charge. A half hour belongs to the first period whose days and
 * times both match its start; a period without days and times matches everything (the last
 * one always does). A plain tiered plan is one such period.
 */
export interface RatePeriod {
  name: string;
  days: DayName[] | null;
  times: TimeWindow[] | null;
  /** Tiers count the kWh of this period within the billing period; a flat rate is one tier. */
  tiers: Tier[];
}

/** A value that changes by billing month: each entry applies from its month until the next. */
export interface MonthTable {
  /** `YYYY-MM` → value, sorted by month. */
  entries: [string, number][];
}

export interface Tariff {
  name: string;
  /** The fixed monthly basic charge (基本料金) and what it was chosen by (e.g. `30 A`). */
  basicYen: number;
  basicBasis: string;
  periods: RatePeriod[];
  /** 再エネ賦課金 (¥/kWh): one value, or by billing month. */
  renewable: MonthTable;
  /** 燃料費調整単価 (¥/kWh) of each billing month exactly; a month not listed counts as 0 (and says so). */
  fuelAdjustment: Map<string, number>;
  /** 検針日: billing periods start on this day of the month at 00:00 local (1–28). */
  meterReadingDay: number;
  /** Paid per exported kWh (solar), when set. */
  exportYenPerKwh: number | null;
  /** Local dates (`YYYY-MM-DD`) that count as `holiday` in a period's days. */
  holidays: Set<string>;
  /** How the bill's total is rounded to the yen (default floor, 切り捨て). */
  rounding: Rounding;
}
