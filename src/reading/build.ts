/**
 * Builds the 10-key Reading (record.ts) from decoded meter values, cached constants and the
 * slot state. Pure: the clock and the time zone are passed in.
 */
import {
  type Currents,
  decodeCumulative,
  decodeCurrents,
  decodeFixedTime,
  decodeInstantPower,
  type FixedTimeEnergy,
} from '../echonet/meter.js';
import { localWallTimeToUtc } from '../time/zone.js';
import { toKwh } from './energy.js';
import { formatMeterTime, formatReadingTime, type Reading } from './record.js';
import type { RecentSlot, SlotPoint } from './slots.js';

/** Read once per session: D3 (1 when unsupported), E1, D7. */
export interface MeterConstants {
  coefficient: number;
  unitCode: number;
  digits: number;
}

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

/** The values one batched Get (E7 E8 E0 EA [E3 EB]) carries, decoded. */
export interface MeterValues {
  instantPowerW: number | null;
  currents: Currents | null;
  cumulativeRaw: number | null;
  reverseRaw: number | null;
  fixed: SlotPoint | null;
  fixedReverse: SlotPoint | null;
}

/** Applies an echonet/meter.ts decoder to an EDT that may be missing. */
export function decodeIf<T>(decode: (edt: Uint8Array) => T | null, edt: Uint8Array | undefined): T | null {
  return edt === undefined ? null : decode(edt);
}

export function decodeMeterValues(props: ReadonlyMap<number, Uint8Array>, tz: string): MeterValues {
  const fixedAt = (epc: number) => fixedTimeToPoint(decodeIf(decodeFixedTime, props.get(epc)), tz);
  return {
    instantPowerW: decodeIf(decodeInstantPower, props.get(0xe7)),
    currents: decodeIf(decodeCurrents, props.get(0xe8)),
    cumulativeRaw: decodeIf(decodeCumulative, props.get(0xe0)),
    reverseRaw: decodeIf(decodeCumulative, props.get(0xe3)),
    fixed: fixedAt(0xea),
    fixedReverse: fixedAt(0xeb),
  };
}
