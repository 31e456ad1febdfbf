/**
 * The bill of one billing period from its half hours, as Japanese residential bills compute it:
 *
 * - every half hour is put in a rate period by its START in local time (time of use);
 * - the kWh of each rate period fill its tiers in time order (the first 120 kWh of the billing
 *   period at the first price, …), so a tier boundary at exactly 120 kWh puts all 120 in tier 1;
 * - each charge line (basic charge, each tier of each rate period, 燃料費調整額 and 再エネ賦課金,
 *   both ¥/kWh × the period's kWh) is rounded to the sen (0.01 ¥), half away from zero;
 * - the total is rounded to the yen with the tariff's rounding (default floor, 切り捨て).
 *
 * Arithmetic is exact: kWh and prices are whole numbers of 1/10,000 (the tariff file allows at
 * most 4 decimals; meter values have fewer), so a product is a whole number of 1e-8 yen.
 */
import { slotClock } from './clock.js';
import { DAY_NAMES, type RatePeriod, type Tariff } from './types.js';

export interface HalfHour {
  /** Start of the half hour (UTC ms). */
  startMs: number;
  kwh: number;
}

export interface EnergyLine {
  /** Rate period name (`all` for a plain tiered plan). */
  period: string;
  /** 1-based tier number within the rate period. */
  tier: number;
  kwh: number;
  yenPerKwh: number;
  yen: number;
}

export interface Bill {
  /** Billing period label (`YYYY-MM`). */
  label: string;
  kwh: number;
  basicYen: number;
  energy: EnergyLine[];
  energyYen: number;
  fuelYenPerKwh: number;
  fuelYen: number;
  /** False when the tariff file has no fuel adjustment for this month (counted as 0). */
  fuelListed: boolean;
  renewableYenPerKwh: number;
  renewableYen: number;
  renewableListed: boolean;
  /** Sum of the lines, to the sen. */
  subtotalYen: number;
  /** The amount billed: the subtotal rounded to the yen. */
  totalYen: number;
}

export interface Priced {
  bill: Bill;
  /**
   * What each half hour added to the bill (its tier or time-of-use price plus the per-kWh
   * adjustments, unrounded), in the order given. The basic charge is in none of them.
   */
  perHalfHour: number[];
}

const E4 = 10_000;
const toE4 = (v: number): number => Math.round(v * E4);
/** 1e-8 yen → sen, half away from zero. */
const toSen = (units: number): number => Math.sign(units) * Math.round(Math.abs(units) / 1e6);

function inWindow(minute: number, w: { from: number; to: number }): boolean {
  return w.from < w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to;
}

/** Index of the rate period of the half hour starting at `startMs`. */
export function ratePeriodOf(tariff: Tariff, startMs: number, tz: string): number {
  const { date, minute, weekday } = slotClock(startMs, tz);
  const day = DAY_NAMES[weekday]!;
  const holiday = tariff.holidays.has(date);
  const matches = (p: RatePeriod): boolean =>
    (p.days === null || p.days.includes(day) || (holiday && p.days.includes('holiday'))) &&
    (p.times === null || p.times.some((t) => inWindow(minute, t)));
  const i = tariff.periods.findIndex(matches);
  return i < 0 ? tariff.periods.length - 1 : i;
}

/** The 燃料費調整単価 of a billing month (0, not listed, when the file has none). */
export function fuelRate(tariff: Tariff, label: string): { rate: number; listed: boolean } {
  const r = tariff.fuelAdjustment.get(label);
  return r === undefined ? { rate: 0, listed: false } : { rate: r, listed: true };
}

/** The 再エネ賦課金 of a billing month: the latest entry at or before it. */
export function renewableRate(tariff: Tariff, label: string): { rate: number; listed: boolean } {
  let hit: number | undefined;
  for (const [month, rate] of tariff.renewable.entries) if (month <= label) hit = rate;
  return hit === undefined ? { rate: 0, listed: false } : { rate: hit, listed: true };
}

/** Prices the half hours of one billing period (`label`), taken in time order. */
export function priceHalfHours(
  tariff: Tariff,
  label: string,
  halfHours: readonly HalfHour[],
  tz: string,
): Priced {
  const order = halfHours.map((_, i) => i).sort((a, b) => halfHours[a]!.startMs - halfHours[b]!.startMs);
  const fuel = fuelRate(tariff, label);
  const renewable = renewableRate(tariff, label);
  const adjustE4 = toE4(fuel.rate) + toE4(renewable.rate);
  const used = tariff.periods.map(() => 0);
  const lineE4 = tariff.periods.map((p) => p.tiers.map(() => 0));
  const perHalfHour = new Array<number>(halfHours.length).fill(0);
  let totalE4 = 0;
  for (const i of order) {
    const h = halfHours[i]!;
    let left = toE4(h.kwh);
    if (left <= 0) continue;
    totalE4 += left;
    const pi = ratePeriodOf(tariff, h.startMs, tz);
    const tiers = tariff.periods[pi]!.tiers;
    let units = left * adjustE4;
    for (let t = 0; t < tiers.length && left > 0; t++) {
      const tier = tiers[t]!;
      const room = tier.upToKwh === null ? left : Math.max(0, toE4(tier.upToKwh) - used[pi]!);
      const part = Math.min(left, room);
      if (part <= 0) continue;
      used[pi]! += part;
      lineE4[pi]![t]! += part;
      units += part * toE4(tier.yenPerKwh);
      left -= part;
    }
    perHalfHour[i] = units / 1e8;
  }
  const energy: EnergyLine[] = [];
  tariff.periods.forEach((p, pi) => {
    p.tiers.forEach((tier, t) => {
      const e4 = lineE4[pi]![t]!;
      if (e4 === 0) return;
      energy.push({
        period: p.name,
        tier: t + 1,
        kwh: e4 / E4,
        yenPerKwh: tier.yenPerKwh,
        yen: toSen(e4 * toE4(tier.yenPerKwh)) / 100,
      });
    });
  });
  const energySen = energy.reduce((s, l) => s + Math.round(l.yen * 100), 0);
  const basicSen = Math.round(tariff.basicYen * 100);
  const fuelSen = toSen(totalE4 * toE4(fuel.rate));
  const renewableSen = toSen(totalE4 * toE4(renewable.rate));
  const subtotalSen = basicSen + energySen + fuelSen + renewableSen;
  const round = { floor: Math.floor, round: Math.round, ceil: Math.ceil }[tariff.rounding];
  return {
    bill: {
      label,
      kwh: totalE4 / E4,
      basicYen: basicSen / 100,
      energy,
      energyYen: energySen / 100,
      fuelYenPerKwh: fuel.rate,
      fuelYen: fuelSen / 100,
      fuelListed: fuel.listed,
      renewableYenPerKwh: renewable.rate,
      renewableYen: renewableSen / 100,
      renewableListed: renewable.listed,
      subtotalYen: subtotalSen / 100,
      totalYen: round(subtotalSen / 100),
    },
    perHalfHour,
  };
}

/** Value of exported energy (solar), to the sen. */
export function exportValue(tariff: Tariff, kwh: number): number | null {
  if (tariff.exportYenPerKwh === null) return null;
  return toSen(toE4(kwh) * toE4(tariff.exportYenPerKwh)) / 100;
}
