/** Wall-clock helpers for the meter's time zone (the meter counts in local time). */
import { localWallTimeToUtc, utcToWallTime, type WallTime } from '../time/zone.js';

export type LocalParts = WallTime;

export function localParts(ms: number, timeZone: string): LocalParts {
  return utcToWallTime(ms, timeZone);
}

/** Local time minus UTC, in whole minutes, at instant `ms`. */
export function offsetMinutes(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Epoch ms of a local wall-clock time (the earlier instant on DST overlaps). */
export function localToEpoch(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): number {
  return localWallTimeToUtc(year, month, day, hour, minute, 0, timeZone);
}

/** Start of the latest local :00 or :30 at or before `ms`. */
export function lastHalfHour(ms: number, timeZone: string): number {
  const off = offsetMinutes(ms, timeZone) * 60_000;
  const local = ms + off;
  return Math.floor(local / 1_800_000) * 1_800_000 - off;
}

/** Local midnight `daysAgo` days before the local date of `ms`. */
export function localMidnight(ms: number, timeZone: string, daysAgo = 0): number {
  const p = localParts(ms, timeZone);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day - daysAgo));
  return localToEpoch(timeZone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}
