import { describe, expect, it } from 'vitest';
import type { DayHistory } from '../../src/echonet/meter.js';
import {
  advanceSlots,
  currentRecent,
  EMPTY_SLOT_STATE,
  HALF_HOUR_MS,
  localDays,
  needsYesterday,
  recentFromHistory,
} from '../../src/reading/slots.js';

const T0 = Date.UTC(2026, 4, 20, 5, 0); // 14:00 JST

function day(values: (number | null)[], dayNo = 0): DayHistory {
  const raw = Array.from({ length: 48 }, (_, i) => values[i] ?? null);
  return { day: dayNo, raw };
}

describe('30-minute rule from consecutive EA values', () => {
  it('needs two consecutive slots', () => {
    let s = advanceSlots(EMPTY_SLOT_STATE, { atMs: T0, raw: 1000 }, 6);
    expect(currentRecent(s)).toBeNull();
    s = advanceSlots(s, { atMs: T0, raw: 1000 }, 6);
    expect(currentRecent(s)).toBeNull();
    s = advanceSlots(s, { atMs: T0 + HALF_HOUR_MS, raw: 1004 }, 6);
    expect(currentRecent(s)).toEqual({ atMs: T0 + HALF_HOUR_MS, deltaRaw: 4 });
    // same slot seen again keeps the answer
    s = advanceSlots(s, { atMs: T0 + HALF_HOUR_MS, raw: 1004 }, 6);
    expect(currentRecent(s)).toEqual({ atMs: T0 + HALF_HOUR_MS, deltaRaw: 4 });
  });
  it('drops the answer after a gap and ignores stale values', () => {
    let s = advanceSlots(EMPTY_SLOT_STATE, { atMs: T0, raw: 1000 }, 6);
    s = advanceSlots(s, { atMs: T0 + 2 * HALF_HOUR_MS, raw: 1010 }, 6);
    expect(currentRecent(s)).toBeNull();
    expect(advanceSlots(s, { atMs: T0, raw: 1 }, 6)).toBe(s);
  });
  it('wraps at 10^D7 across midnight', () => {
    const midnight = Date.UTC(2026, 4, 20, 15, 0); // 00:00 JST
    let s = advanceSlots(EMPTY_SLOT_STATE, { atMs: midnight - HALF_HOUR_MS, raw: 999_998 }, 6);
    s = advanceSlots(s, { atMs: midnight, raw: 3 }, 6);
    expect(currentRecent(s)).toEqual({ atMs: midnight, deltaRaw: 5 });
  });
});

describe('30-minute rule from day history (E2)', () => {
  const tz = 'Asia/Tokyo';
  it('takes the latest valid slot of today', () => {
    const now = Date.UTC(2026, 4, 20, 5, 10); // 14:10 JST; slots 0..28 valid
    const values = Array.from({ length: 29 }, (_, i) => 5000 + i * 3);
    const today = day(values);
    expect(needsYesterday(today)).toBe(false);
    const r = recentFromHistory(today, null, localDays(now, tz), tz, 6);
    expect(r).toEqual({
      recent: { atMs: Date.UTC(2026, 4, 20, 5, 0), deltaRaw: 3 },
      last: { atMs: Date.UTC(2026, 4, 20, 5, 0), raw: 5000 + 28 * 3 },
    });
  });
  it('after midnight pairs today slot 0 with yesterday slot 47', () => {
    const now = Date.UTC(2026, 4, 20, 15, 5); // 2026-05-21 00:05 JST
    const today = day([900]);
    expect(needsYesterday(today)).toBe(true);
    const yesterday = day(
      Array.from({ length: 48 }, (_, i) => 800 + i * 2),
      1,
    );
    const days = localDays(now, tz);
    expect(days.today).toEqual({ year: 2026, month: 5, day: 21 });
    expect(days.yesterday).toEqual({ year: 2026, month: 5, day: 20 });
    const r = recentFromHistory(today, yesterday, days, tz, 6);
    expect(r?.recent).toEqual({ atMs: Date.UTC(2026, 4, 20, 15, 0), deltaRaw: 900 - (800 + 47 * 2) });
  });
  it('uses yesterday alone when today is still empty, and null without data', () => {
    const now = Date.UTC(2026, 4, 20, 15, 1);
    const yesterday = day(Array.from({ length: 48 }, (_, i) => 10 + i));
    const r = recentFromHistory(day([]), yesterday, localDays(now, tz), tz, 6);
    expect(r?.recent).toEqual({ atMs: Date.UTC(2026, 4, 20, 14, 30), deltaRaw: 1 });
    expect(recentFromHistory(day([]), null, localDays(now, tz), tz, 6)).toBeNull();
    expect(recentFromHistory(day([5]), null, localDays(now, tz), tz, 6)).toBeNull();
  });
});
