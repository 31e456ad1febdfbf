import { describe, expect, it } from 'vitest';
import {
  fixedOffsetMinutes,
  isValidTimeZone,
  localWallTimeToUtc,
  utcToWallTime,
} from '../../src/time/zone.js';

describe('localWallTimeToUtc', () => {
  it('converts Tokyo wall time (UTC+9, no DST)', () => {
    expect(localWallTimeToUtc(2026, 5, 20, 14, 0, 0, 'Asia/Tokyo')).toBe(Date.UTC(2026, 4, 20, 5, 0, 0));
    expect(localWallTimeToUtc(2026, 1, 1, 0, 0, 0, 'Asia/Tokyo')).toBe(Date.UTC(2025, 11, 31, 15, 0, 0));
  });
  it('converts UTC as identity', () => {
    expect(localWallTimeToUtc(2023, 10, 27, 10, 0, 30, 'UTC')).toBe(Date.UTC(2023, 9, 27, 10, 0, 30));
  });
  it('handles DST in New York (summer -4, winter -5, skipped and repeated hours)', () => {
    expect(localWallTimeToUtc(2026, 7, 1, 12, 0, 0, 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 16));
    expect(localWallTimeToUtc(2026, 1, 1, 12, 0, 0, 'America/New_York')).toBe(Date.UTC(2026, 0, 1, 17));
    // 2026-03-08 02:30 does not exist: moved forward to 03:30 EDT = 07:30Z
    expect(localWallTimeToUtc(2026, 3, 8, 2, 30, 0, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    // 2026-11-01 01:30 happens twice: the earlier (EDT) one = 05:30Z
    expect(localWallTimeToUtc(2026, 11, 1, 1, 30, 0, 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
  });
  it('round-trips through utcToWallTime', () => {
    for (const tz of ['Asia/Tokyo', 'Europe/Berlin', 'Australia/Adelaide']) {
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7 * 3_600_000 + 13 * 60_000) {
        const w = utcToWallTime(ms, tz);
        const back = localWallTimeToUtc(w.year, w.month, w.day, w.hour, w.minute, w.second, tz);
        // a repeated hour may map back to its earlier occurrence
        expect(ms - back === 0 || ms - back === 3_600_000 || ms - back === 1_800_000).toBe(true);
        if (tz === 'Asia/Tokyo') expect(back).toBe(ms - (ms % 1000));
      }
    }
  });
  it('validates zone names', () => {
    expect(isValidTimeZone('Asia/Tokyo')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('fixed-offset zones (no Intl)', () => {
  /** An independent reading of Intl: the Swedish locale writes `YYYY-MM-DD HH:MM:SS`. */
  const viaIntl = (ms: number, tz: string) => {
    const text = new Date(ms).toLocaleString('sv-SE', { timeZone: tz, hourCycle: 'h23' });
    const [year, month, day, hour, minute, second] = (text.match(/\d+/g) ?? []).map(Number);
    return { year, month, day, hour, minute, second };
  };

  it('give the wall time Intl gives, from 1952 to 2100, in every fixed zone', () => {
    for (const tz of ['Asia/Tokyo', 'Japan', 'Etc/GMT-9', 'UTC', 'Etc/UTC', 'Etc/GMT', 'GMT']) {
      expect(fixedOffsetMinutes(tz)).not.toBeNull();
      let x = 12345;
      for (let i = 0; i < 400; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        const ms =
          Date.UTC(1952, 0, 1) + Math.floor((x / 2 ** 31) * (Date.UTC(2100, 0, 1) - Date.UTC(1952, 0, 1)));
        expect(utcToWallTime(ms, tz), `${tz} ${new Date(ms).toISOString()}`).toEqual(viaIntl(ms, tz));
      }
    }
  });

  it('are used only where one offset holds: other zones and Tokyo before 1952 (its DST) go through Intl', () => {
    expect(fixedOffsetMinutes('Europe/Berlin')).toBeNull();
    expect(fixedOffsetMinutes('toString')).toBeNull();
    expect(fixedOffsetMinutes('Asia/Tokyo', Date.UTC(1950, 6, 1))).toBeNull();
    // 1950-07-01 12:00 JDT (UTC+10) = 02:00Z
    expect(utcToWallTime(Date.UTC(1950, 6, 1, 2), 'Asia/Tokyo').hour).toBe(
      viaIntl(Date.UTC(1950, 6, 1, 2), 'Asia/Tokyo').hour,
    );
  });
});
