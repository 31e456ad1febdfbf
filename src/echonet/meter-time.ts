import { u16 } from './ints.js';

/** A wall-clock time as the meter states it (local time of the meter, no offset). */
export interface MeterTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Reads YYYY(2) MM DD hh mm [ss] at `at`. Returns null for the "not set" forms (year 0xFFFF,
 * all bytes FF) and for any field out of its calendar range.
 */
export function readMeterTime(b: Uint8Array, at: number, withSeconds: boolean): MeterTime | null {
  const year = u16(b, at);
  const t: MeterTime = {
    year,
    month: b[at + 2]!,
    day: b[at + 3]!,
    hour: b[at + 4]!,
    minute: b[at + 5]!,
    second: withSeconds ? b[at + 6]! : 0,
  };
  if (year === 0xffff) return null;
  return isValidTime(t) ? t : null;
}

export function isValidTime(t: MeterTime): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysInMonth(t.year, t.month) &&
    t.hour <= 23 &&
    t.minute <= 59 &&
    t.second <= 59
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `2026-05-20T14:00:00`: the meter's wall time, deliberately without an offset. */
export function formatMeterWallTime(t: MeterTime): string {
  return `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}`;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}
