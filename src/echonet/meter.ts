import { s16, s32, u16, u32 } from './ints.js';
import { formatMeterWallTime, type MeterTime, readMeterTime } from './meter-time.js';

/**
 * Class 0x0288 (low-voltage smart electric energy meter) value decoders, protocol.md §C.2.
 * Every decoder returns null for a wrong EDT size; "no data" codes become null values.
 */

const NO_DATA_U32 = 0xfffffffe;
const MAX_CUMULATIVE = 99_999_999;

/** A u32 cumulative counter (E0/E3, EA/EB, E2/E4 slots, EC items): null for 0xFFFFFFFE or out of range. */
export function cumulativeRaw(b: Uint8Array, at: number): number | null {
  const v = u32(b, at);
  return v === NO_DATA_U32 || v > MAX_CUMULATIVE ? null : v;
}

/** 0xE0 / 0xE3: raw cumulative energy (multiply by D3 and E1 for kWh). */
export function decodeCumulative(edt: Uint8Array): number | null {
  return edt.length === 4 ? cumulativeRaw(edt, 0) : null;
}

/** What scales a meter's counters, read once per meter (§C.1): D3 (1 when unsupported), E1 code, D7. */
export interface MeterConstants {
  coefficient: number;
  unitCode: number;
  digits: number;
}

/** 0xD3: coefficient, 0–999,999. */
export function decodeCoefficient(edt: Uint8Array): number | null {
  if (edt.length !== 4) return null;
  const v = u32(edt, 0);
  return v <= 999_999 ? v : null;
}

/** 0xD7: effective digits of the cumulative counters, 1–8. */
export function decodeEffectiveDigits(edt: Uint8Array): number | null {
  if (edt.length !== 1) return null;
  const v = edt[0]!;
  return v >= 1 && v <= 8 ? v : null;
}

const UNITS: ReadonlyMap<number, number> = new Map([
  [0x00, 1],
  [0x01, 0.1],
  [0x02, 0.01],
  [0x03, 0.001],
  [0x04, 0.0001],
  [0x0a, 10],
  [0x0b, 100],
  [0x0c, 1000],
  [0x0d, 10000],
]);

/** 0xE1 code → kWh per count (0x01 → 0.1, 0x0A → 10); null for an undefined code. */
export function unitMultiplier(code: number): number | null {
  return UNITS.get(code) ?? null;
}

/** 0xE1 EDT → kWh per count. */
export function decodeUnit(edt: Uint8Array): number | null {
  return edt.length === 1 ? unitMultiplier(edt[0]!) : null;
}

/** 0xE5: day for historical data 1 (0 = today, 1 = yesterday, … 99); 0xFF (not set) → null. */
export function decodeHistoryDay(edt: Uint8Array): number | null {
  if (edt.length !== 1) return null;
  const v = edt[0]!;
  return v <= 99 ? v : null;
}

/** 0xE7: instantaneous power in W, signed; 0x7FFFFFFE (not measured) and out-of-range codes → null. */
export function decodeInstantPower(edt: Uint8Array): number | null {
  if (edt.length !== 4) return null;
  const v = s32(edt, 0);
  return v >= -0x7fffffff && v <= 0x7ffffffd ? v : null;
}

export interface Currents {
  r_a: number | null;
  t_a: number | null;
}

/** 0xE8: R and T phase currents in A (signed 0.1 A each); 0x7FFE per phase (single-phase T) → null. */
export function decodeCurrents(edt: Uint8Array): Currents | null {
  if (edt.length !== 4) return null;
  return { r_a: deciAmps(s16(edt, 0)), t_a: deciAmps(s16(edt, 2)) };
}

function deciAmps(v: number): number | null {
  // Valid range 0x8001…0x7FFD; 0x7FFE is "not measured", 0x7FFF/0x8000 overflow codes.
  return v >= -0x7fff && v <= 0x7ffd ? v / 10 : null;
}

export interface FixedTimeEnergy {
  time: MeterTime | null;
  raw: number | null;
}

/** 0xEA / 0xEB: YYYY MM DD hh mm ss + u32 (protocol.md §C.3 worked example). */
export function decodeFixedTime(edt: Uint8Array): FixedTimeEnergy | null {
  if (edt.length !== 11) return null;
  return { time: readMeterTime(edt, 0, true), raw: cumulativeRaw(edt, 7) };
}

export interface DayHistory {
  /** Days before today the series belongs to (0–99); null when the meter reports "not set". */
  day: number | null;
  /** 48 half-hour slots, 00:00 … 23:30; null for slots without data. */
  raw: (number | null)[];
}

/** 0xE2 / 0xE4: day u16 + 48 × u32. */
export function decodeHistory(edt: Uint8Array): DayHistory | null {
  if (edt.length !== 2 + 48 * 4) return null;
  const day = u16(edt, 0);
  const raw: (number | null)[] = [];
  for (let i = 0; i < 48; i++) raw.push(cumulativeRaw(edt, 2 + i * 4));
  return { day: day <= 99 ? day : null, raw };
}

export interface HistoryItem {
  normal: number | null;
  reverse: number | null;
}

export interface History2 {
  /** Time of item 0; item k is k steps (30 min for EC, 1 min for EE) earlier. */
  time: MeterTime | null;
  count: number;
  items: HistoryItem[];
}

/** 0xEC (max 12 items) / 0xEE (max 10 items): YYYY MM DD hh mm + n + n × {normal, reverse}. */
export function decodeHistory2(edt: Uint8Array, maxItems = 12): History2 | null {
  if (edt.length < 7) return null;
  const count = edt[6]!;
  if (count < 1 || count > maxItems || edt.length !== 7 + 8 * count) return null;
  const items: HistoryItem[] = [];
  for (let k = 0; k < count; k++) {
    const at = 7 + 8 * k;
    items.push({ normal: cumulativeRaw(edt, at), reverse: cumulativeRaw(edt, at + 4) });
  }
  return { time: readMeterTime(edt, 0, false), count, items };
}

export interface History2Setting {
  time: MeterTime | null;
  count: number;
}

/** 0xED / 0xEF: YYYY MM DD hh mm + n; all-FF (not set) gives time null. */
export function decodeHistory2Time(edt: Uint8Array): History2Setting | null {
  if (edt.length !== 7) return null;
  return { time: readMeterTime(edt, 0, false), count: edt[6]! };
}

export interface MinuteEnergy {
  time: MeterTime | null;
  normal: number | null;
  reverse: number | null;
}

/** 0xD0 (Release R): YYYY MM DD hh mm ss + normal u32 + reverse u32. */
export function decodeMinuteEnergy(edt: Uint8Array): MinuteEnergy | null {
  if (edt.length !== 15) return null;
  return {
    time: readMeterTime(edt, 0, true),
    normal: cumulativeRaw(edt, 7),
    reverse: cumulativeRaw(edt, 11),
  };
}

function wall(t: MeterTime | null): string | null {
  return t === null ? null : formatMeterWallTime(t);
}

/** JSON-ready value of a class 0x0288 EPC; undefined when the EPC is not one of this class's own. */
export function decodeMeterValue(epc: number, edt: Uint8Array): unknown {
  switch (epc) {
    case 0xd0: {
      const v = decodeMinuteEnergy(edt);
      return v && { ...v, time: wall(v.time) };
    }
    case 0xd3:
      return decodeCoefficient(edt);
    case 0xd7:
      return decodeEffectiveDigits(edt);
    case 0xe0:
    case 0xe3:
      return decodeCumulative(edt);
    case 0xe1:
      return decodeUnit(edt);
    case 0xe2:
    case 0xe4:
      return decodeHistory(edt);
    case 0xe5:
      return decodeHistoryDay(edt);
    case 0xe7:
      return decodeInstantPower(edt);
    case 0xe8:
      return decodeCurrents(edt);
    case 0xea:
    case 0xeb: {
      const v = decodeFixedTime(edt);
      return v && { time: wall(v.time), raw: v.raw };
    }
    case 0xec:
    case 0xee: {
      const v = decodeHistory2(edt, epc === 0xec ? 12 : 10);
      return v && { time: wall(v.time), count: v.count, items: v.items };
    }
    case 0xed:
    case 0xef: {
      const v = decodeHistory2Time(edt);
      return v && { time: wall(v.time), count: v.count };
    }
    default:
      return undefined;
  }
}

/** Applies a decoder to an EDT that may be missing (a property the reply did not carry). */
export function decodeIf<T>(decode: (edt: Uint8Array) => T | null, edt: Uint8Array | undefined): T | null {
  return edt === undefined ? null : decode(edt);
}

/** The per-reading properties of one batched Get (E7 E8 E0 EA, E3 EB), decoded; null where absent. */
export interface ReadingValues {
  instantPowerW: number | null;
  currents: Currents | null;
  cumulativeRaw: number | null;
  reverseRaw: number | null;
  fixed: FixedTimeEnergy | null;
  fixedReverse: FixedTimeEnergy | null;
}

export function decodeReadingValues(props: ReadonlyMap<number, Uint8Array>): ReadingValues {
  return {
    instantPowerW: decodeIf(decodeInstantPower, props.get(0xe7)),
    currents: decodeIf(decodeCurrents, props.get(0xe8)),
    cumulativeRaw: decodeIf(decodeCumulative, props.get(0xe0)),
    reverseRaw: decodeIf(decodeCumulative, props.get(0xe3)),
    fixed: decodeIf(decodeFixedTime, props.get(0xea)),
    fixedReverse: decodeIf(decodeFixedTime, props.get(0xeb)),
  };
}
