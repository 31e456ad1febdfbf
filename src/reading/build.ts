/**
 * Builds the 10-key Reading (record.ts) from decoded meter values, cached constants and the
 * slot state. Pure: the clock and the time zone are passed in.
 */
import type { Currents, FixedTimeEnergy, MeterConstants } from '../echonet/meter.js';
import { localWallTimeToUtc } from '../time/zone.js';
import { toKwh } from './energy.js';
import { formatMeterTime, formatReadingTime, type Reading } from './record.js';
import type { RecentSlot, SlotPoint } from './slots.js';

export type { MeterConstants } from '../echonet/meter.js';

export interface ReadingInput {
  now: number;
  constants: MeterConstants;
  instantPowerW: number | null;
  currents: Currents | null;
  cumulativeRaw: number | null;
  fixed: SlotPoint | null;
  recent: RecentSlot | null;
}

/** EA/EB wall time (meter local time in `tz`) → a UTC slot point; null when no value. */
export function fixedTimeToPoint(ft: FixedTimeEnergy | null, tz: string): SlotPoint | null {
  if (!ft || ft.time === null || ft.raw === null) return null;
  const { year, month, day, hour, minute, second } = ft.time;
  return { atMs: localWallTimeToUtc(year, month, day, hour, minute, second, tz), raw: ft.raw };
}

export function buildReading(input: ReadingInput): Reading {
  const { coefficient, unitCode } = input.constants;
  const kwh = (raw: number | null): number | null =>
    raw === null ? null : toKwh(raw, coefficient, unitCode);
  const r = input.currents?.r_a ?? null;
  const t = input.currents?.t_a ?? null;
  const currentA = r === null ? null : t === null ? r : Math.round((r + t) * 10) / 10;
  return {
    timestamp: formatReadingTime(input.now),
    cumulative_power_kwh: kwh(input.cumulativeRaw),
    instant_power_w: input.instantPowerW,
    current_a: currentA,
    current_r_a: r,
    current_t_a: t,
    historical_timestamp: input.fixed ? formatMeterTime(input.fixed.atMs) : null,
    historical_cumulative_power_kwh: input.fixed ? kwh(input.fixed.raw) : null,
    recent_30min_timestamp: input.recent ? formatMeterTime(input.recent.atMs) : null,
    recent_30min_consumption_kwh: input.recent ? kwh(input.recent.deltaRaw) : null,
  };
}
