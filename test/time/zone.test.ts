import { describe, expect, it } from 'vitest';
import { isValidTimeZone, localWallTimeToUtc, utcToWallTime } from '../../src/time/zone.js';

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
