/** Time-zone arithmetic with Intl only (no tz database of ours): pure, imports nothing. */
/** Wall-clock fields of an instant in a named IANA time zone (Intl only, no tz library). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Zones with one UTC offset (minutes) since FIXED_SINCE: Japan has had no daylight saving time
 * since 1951. Their arithmetic needs no Intl, and a collector that never touches Intl keeps ICU's
 * zone and locale data out of memory (about 8 MiB of a Raspberry Pi's RAM; README "Performance").
 */
const FIXED_OFFSET_MIN: Readonly<Record<string, number>> = {
  'Asia/Tokyo': 540,
  Japan: 540,
  'Etc/GMT-9': 540,
  UTC: 0,
  'Etc/UTC': 0,
  'Etc/GMT': 0,
  GMT: 0,
};
const FIXED_SINCE = Date.UTC(1952, 0, 1);

/** The offset of `tz` in minutes when it is one of the fixed zones and `ms` is after FIXED_SINCE. */
export function fixedOffsetMinutes(tz: string, ms: number = FIXED_SINCE): number | null {
  const offset = Object.hasOwn(FIXED_OFFSET_MIN, tz) ? FIXED_OFFSET_MIN[tz]! : null;
  return offset !== null && ms >= FIXED_SINCE ? offset : null;
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall time at `ms` in `tz`. Throws RangeError for an unknown zone. */
export function utcToWallTime(ms: number, tz: string): WallTime {
  const fixed = fixedOffsetMinutes(tz, ms);
  if (fixed !== null) {
    const d = new Date(Math.floor(ms / 1000) * 1000 + fixed * 60_000);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const out: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type in out) out[p.type as keyof WallTime] = Number(p.value);
  }
  return out;
}

/** Offset of `tz` from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
function offsetAt(ms: number, tz: string): number {
  const w = utcToWallTime(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The UTC instant of a local wall time in `tz`. For a wall time skipped by a DST jump the
 * result is shifted forward by the gap; for a repeated one the earlier instant is chosen.
 */
export function localWallTimeToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  tz: string,
): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = naive - offsetAt(naive, tz);
  const second_ = naive - offsetAt(first, tz);
  if (first === second_) {
    // Repeated hour: an earlier instant with a larger offset may map to the same wall time.
    const earlier = naive - offsetAt(first - 3_600_000, tz);
    if (earlier < first && offsetAt(earlier, tz) === naive - earlier) return earlier;
    return first;
  }
  return offsetAt(second_, tz) === naive - second_ ? second_ : Math.max(first, second_);
}

/** True when `tz` is a zone Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  if (fixedOffsetMinutes(tz) !== null) return true;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

// Calendar dates (`YYYY-MM-DD`) of the meter's wall clock.

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The local calendar date (`YYYY-MM-DD`) of `ms` in `tz`. */
export function localDateOf(ms: number, tz: string): string {
  const w = utcToWallTime(ms, tz);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** Parses `YYYY-MM-DD`; throws RangeError for anything else (including 2024-02-30). */
export function parseDate(date: string): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw new RangeError(`not a date: ${date}`);
  }
  return { year, month, day };
}

const bounds = new Map<string, { startMs: number; endMs: number }>();

/** Local midnight of `date` and of the next day, as UTC ms (remembered: dashboards ask often). */
export function dayBounds(date: string, tz: string): { startMs: number; endMs: number } {
  const key = `${tz} ${date}`;
  const hit = bounds.get(key);
  if (hit) return { ...hit };
  const a = parseDate(date);
  const b = parseDate(addDays(date, 1));
  const out = {
    startMs: localWallTimeToUtc(a.year, a.month, a.day, 0, 0, 0, tz),
    endMs: localWallTimeToUtc(b.year, b.month, b.day, 0, 0, 0, tz),
  };
  if (bounds.size >= 5000) bounds.clear();
  bounds.set(key, out);
  return { ...out };
}

/** Day of the week of a calendar date: 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}
