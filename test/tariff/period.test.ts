import { describe, expect, it } from 'vitest';
import { periodByLabel, periodOfDate, previousPeriod } from '../../src/tariff/period.js';
import { pricedBetween } from '../../src/tariff/summary.js';
import { HALF, jst, run, TZ, tariffOf } from './helpers.js';

describe('billing periods', () => {
  it('meter-reading day 1: calendar months', () => {
    const p = periodOfDate('2026-05-31', 1, TZ);
    expect(p).toMatchObject({ label: '2026-05', startDate: '2026-05-01', lastDate: '2026-05-31' });
    expect(p.startMs).toBe(jst(2026, 5, 1));
    expect(p.endMs).toBe(jst(2026, 6, 1));
    expect(periodByLabel('2026-05', 1, TZ)).toEqual(p);
    expect(previousPeriod(p, 1, TZ).label).toBe('2026-04');
  });

  it('meter-reading day 15: 15 April – 14 May is 2026-05, named by its last day', () => {
    expect(periodOfDate('2026-05-14', 15, TZ)).toMatchObject({
      label: '2026-05',
      startDate: '2026-04-15',
      lastDate: '2026-05-14',
    });
    expect(periodOfDate('2026-05-15', 15, TZ)).toMatchObject({ label: '2026-06', startDate: '2026-05-15' });
    expect(periodByLabel('2026-01', 15, TZ)).toMatchObject({
      startDate: '2025-12-15',
      lastDate: '2026-01-14',
    });
    expect(previousPeriod(periodOfDate('2026-01-20', 15, TZ), 15, TZ).label).toBe('2026-01');
  });

  it('a half hour belongs to the period of its start: 23:30 on the 14th vs 00:00 on the 15th', () => {
    const t = tariffOf(`
meter_reading_day: 15
basic_charge: { yen: 0 }
energy: { yen_per_kwh: 30 }
fuel_adjustment: { 2026-05: -1.00, 2026-06: 2.00 }
`);
    const slots = run(jst(2026, 5, 14, 23, 30), 2, 1);
    const priced = pricedBetween(t, 15, slots, jst(2026, 5, 14, 23, 30), jst(2026, 5, 15, 0, 30), TZ);
    expect(priced.map((h) => [h.startMs, h.yen])).toEqual([
      [jst(2026, 5, 14, 23, 30), 29], // 2026-05: 30 − 1
      [jst(2026, 5, 14, 23, 30) + HALF, 32], // 2026-06: 30 + 2
    ]);
  });
});
