import { describe, expect, it } from 'vitest';
import { periodByLabel } from '../../src/tariff/period.js';
import { dayTypeProfile, learnProfile, storedBetween } from '../../src/tariff/profile.js';
import { summarizePeriod } from '../../src/tariff/summary.js';
import { addDays, dayBounds, weekdayOf } from '../../src/time/zone.js';
import { HALF, jst, run, TIERED, TZ, tariffOf } from './helpers.js';

/** 0.5 kWh every half hour, 1.0 on Saturdays, for each date in [from, to]. */
function usage(from: string, to: string, into = new Map<number, number>()): Map<number, number> {
  for (let d = from; d <= to; d = addDays(d, 1)) {
    run(dayBounds(d, TZ).startMs, 48, weekdayOf(d) === 6 ? 1 : 0.5, into);
  }
  return into;
}

describe('period summary', () => {
  const t = tariffOf(TIERED);
  const may = periodByLabel('2026-05', 1, TZ);

  it('a month with a gap: cost from the kWh present, the missing half hours counted, none invented', () => {
    const slots = usage('2026-05-01', '2026-05-31');
    for (let s = jst(2026, 5, 10); s < jst(2026, 5, 11, 3); s += HALF) slots.delete(s + HALF); // 54 gone
    const s = summarizePeriod({ tariff: t, period: may, slots, nowMs: jst(2026, 6, 2), tz: TZ });
    expect(s).toMatchObject({ halfHours: 1488, stored: 1488 - 54, missing: 54 });
    const day10 = s.days.find((d) => d.date === '2026-05-10')!;
    const day11 = s.days.find((d) => d.date === '2026-05-11')!;
    expect(day10).toMatchObject({ kwh: 0, yen: 0, stored: 0, missing: 48 });
    expect(day11).toMatchObject({ kwh: 21, stored: 42, missing: 6 });
    // May 2026: Saturdays 2, 9, 16, 23, 30 (5 × 48 kWh); 26 other days × 24 kWh; minus the gap
    // (May 10 is a Sunday: 24 kWh; 3 hours of May 11: 3 kWh).
    expect(s.kwh).toBe(5 * 48 + 26 * 24 - 24 - 3);
    expect(s.bill?.kwh).toBe(s.kwh);
    const days = s.days.reduce((a, d) => a + (d.yen ?? 0), 0);
    expect(days).toBeCloseTo(s.bill!.subtotalYen - s.bill!.basicYen, 1);
  });

  it('forecasts the rest of the period from the weekday × half-hour profile of 4 weeks', () => {
    const slots = usage('2026-04-22', '2026-05-19');
    const now = jst(2026, 5, 20);
    const profile = learnProfile(slots, '2026-05-20', TZ);
    expect(profile.samples).toBe(28 * 48);
    const s = summarizePeriod({ tariff: t, period: may, slots, nowMs: now, tz: TZ, profile });
    // Stored May 1–19: Saturdays 2, 9, 16 → 3 × 48 + 16 × 24 = 528 kWh.
    expect(s.kwh).toBe(528);
    expect(s.missing).toBe(0);
    // To come May 20–31: Saturdays 23 and 30 → 2 × 48 + 10 × 24 = 336 kWh.
    expect(s.forecast).toMatchObject({ kwh: 864, expectedHalfHours: 12 * 48 });
    // 864 kWh: 3576 + 6552 + 564 × 40.49 (= 22836.36) − 1036.80 + 3015.36 + 935.25 = 35878.17
    expect(s.forecast?.bill?.totalYen).toBe(35878);
  });

  it('no forecast without history, and no yen without a tariff', () => {
    const slots = usage('2026-05-01', '2026-05-03');
    const s = summarizePeriod({
      tariff: null,
      period: may,
      slots,
      nowMs: jst(2026, 5, 4),
      tz: TZ,
      profile: learnProfile(new Map(), '2026-05-04', TZ),
    });
    expect(s).toMatchObject({ kwh: 96, bill: null, forecast: null });
    expect(s.days[0]).toMatchObject({ date: '2026-05-01', kwh: 24, yen: null });
  });

  it('weekday and weekend averages per half hour', () => {
    const slots = usage('2026-05-01', '2026-05-07');
    const p = dayTypeProfile(storedBetween(slots, jst(2026, 5, 1), jst(2026, 5, 8)), TZ);
    expect(p.weekday).toHaveLength(48);
    expect(new Set(p.weekday)).toEqual(new Set([0.5]));
    // Saturday 1.0, Sunday 0.5
    expect(new Set(p.weekend)).toEqual(new Set([0.75]));
  });
});
