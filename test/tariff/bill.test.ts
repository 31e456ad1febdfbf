/**
 * Bills checked by hand. The tiered tariff: basic 935.25 (30 A); 29.80 / 36.40 / 40.49 ¥/kWh
 * with tier ends at 120 and 300 kWh; 再エネ賦課金 3.49; 燃料費調整 −1.20 (2026-05).
 */
import { describe, expect, it } from 'vitest';
import { type HalfHour, priceHalfHours, ratePeriodOf } from '../../src/tariff/bill.js';
import { storedBetween } from '../../src/tariff/profile.js';
import { HALF, jst, run, TIERED, TZ, tariffOf } from './helpers.js';

const MAY1 = jst(2026, 5, 1);
const halves = (n: number, kwh: number): HalfHour[] =>
  storedBetween(run(MAY1, n, kwh), MAY1, MAY1 + n * HALF);

describe('tiered bill (従量電灯B style)', () => {
  const t = tariffOf(TIERED);

  it('exactly 120 kWh stays in the first tier', () => {
    const { bill } = priceHalfHours(t, '2026-05', halves(240, 0.5), TZ);
    // 120 × 29.80 = 3576.00; fuel 120 × −1.20 = −144.00; renewable 120 × 3.49 = 418.80
    expect(bill.energy).toEqual([{ period: 'all', tier: 1, kwh: 120, yenPerKwh: 29.8, yen: 3576 }]);
    expect(bill).toMatchObject({ kwh: 120, basicYen: 935.25, fuelYen: -144, renewableYen: 418.8 });
    // 935.25 + 3576 − 144 + 418.80 = 4786.05 → 4786
    expect(bill.subtotalYen).toBe(4786.05);
    expect(bill.totalYen).toBe(4786);
  });

  it('exactly 300 kWh fills the first two tiers and nothing of the third', () => {
    const { bill } = priceHalfHours(t, '2026-05', halves(600, 0.5), TZ);
    // tier 2: 180 × 36.40 = 6552.00
    expect(bill.energy.map((l) => [l.tier, l.kwh, l.yen])).toEqual([
      [1, 120, 3576],
      [2, 180, 6552],
    ]);
    // 935.25 + 3576 + 6552 − 360 + 1047 = 11750.25 → 11750
    expect(bill.totalYen).toBe(11750);
  });

  it('300.5 kWh: half a kWh in the third tier, lines to the sen, total floored', () => {
    const { bill } = priceHalfHours(t, '2026-05', halves(601, 0.5), TZ);
    // 0.5 × 40.49 = 20.245 → 20.25; fuel 300.5 × −1.20 = −360.60; renewable 300.5 × 3.49 = 1048.745 → 1048.75
    expect(bill.energy[2]).toMatchObject({ tier: 3, kwh: 0.5, yen: 20.25 });
    expect(bill.fuelYen).toBe(-360.6);
    expect(bill.renewableYen).toBe(1048.75);
    // 935.25 + 3576 + 6552 + 20.25 − 360.60 + 1048.75 = 11771.65
    expect(bill.subtotalYen).toBe(11771.65);
    expect(bill.totalYen).toBe(11771);
    const round = tariffOf(`${TIERED}\nrounding: round\n`);
    expect(priceHalfHours(round, '2026-05', halves(601, 0.5), TZ).bill.totalYen).toBe(11772);
  });

  it('prices each half hour at the tier it falls in, splitting the one that crosses 120 kWh', () => {
    // 171 × 0.7 = 119.7 kWh; the 172nd: 0.3 at 29.80 + 0.4 at 36.40 + 0.7 × (3.49 − 1.20)
    const { perHalfHour, bill } = priceHalfHours(t, '2026-05', halves(173, 0.7), TZ);
    expect(perHalfHour[0]).toBeCloseTo(0.7 * (29.8 + 2.29), 10);
    expect(perHalfHour[171]).toBeCloseTo(8.94 + 14.56 + 1.603, 10);
    expect(perHalfHour[172]).toBeCloseTo(0.7 * (36.4 + 2.29), 10);
    const sum = perHalfHour.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(bill.subtotalYen - bill.basicYen, 2);
  });

  it('counts a month without a fuel adjustment as 0 and says it is not listed', () => {
    const { bill } = priceHalfHours(t, '2026-06', halves(2, 1), TZ);
    expect(bill).toMatchObject({ fuelYen: 0, fuelListed: false, renewableListed: true });
  });

  it('nothing used: the basic charge alone', () => {
    expect(priceHalfHours(t, '2026-05', [], TZ).bill).toMatchObject({ kwh: 0, energy: [], totalYen: 935 });
  });
});

describe('time of use', () => {
  const t = tariffOf(`
basic_charge: { yen: 1000 }
energy:
  periods:
    - { name: night, times: "23:00-07:00", yen_per_kwh: 20 }
    - { name: weekend, days: [sat, sun, holiday], yen_per_kwh: 25 }
    - { name: day, yen_per_kwh: 30 }
holidays: [2026-05-06]
`);

  it('a night crossing midnight: 23:00 to 07:00 by the start of each half hour', () => {
    // Friday 15 May 2026 and Saturday 16 May, Tokyo time; 1 kWh each.
    const starts = [
      jst(2026, 5, 15, 7, 0), // day
      jst(2026, 5, 15, 22, 30), // day (ends 23:00)
      jst(2026, 5, 15, 23, 0), // night
      jst(2026, 5, 15, 23, 30), // night
      jst(2026, 5, 16, 0, 0), // night (Saturday, but night comes first)
      jst(2026, 5, 16, 6, 30), // night
      jst(2026, 5, 16, 7, 0), // weekend
    ];
    const names = starts.map((s) => t.periods[ratePeriodOf(t, s, TZ)]!.name);
    expect(names).toEqual(['day', 'day', 'night', 'night', 'night', 'night', 'weekend']);
    const { bill } = priceHalfHours(
      t,
      '2026-05',
      starts.map((s) => ({ startMs: s, kwh: 1 })),
      TZ,
    );
    // night 4 × 20 + weekend 1 × 25 + day 2 × 30 = 165; + 1000; no fuel / renewable listed
    expect(bill.energy.map((l) => [l.period, l.kwh, l.yen])).toEqual([
      ['night', 4, 80],
      ['weekend', 1, 25],
      ['day', 2, 60],
    ]);
    expect(bill.totalYen).toBe(1165);
    expect(bill).toMatchObject({ fuelListed: false, renewableListed: false });
  });

  it('a listed holiday takes the holiday rate on a weekday', () => {
    expect(t.periods[ratePeriodOf(t, jst(2026, 5, 6, 12), TZ)]!.name).toBe('weekend');
    expect(t.periods[ratePeriodOf(t, jst(2026, 5, 7, 12), TZ)]!.name).toBe('day');
  });

  it('tiers inside a period count only that period’s kWh', () => {
    const tt = tariffOf(`
basic_charge: { yen: 0 }
energy:
  periods:
    - { name: night, times: ["22:00-24:00", "00:00-06:00"], yen_per_kwh: 10 }
    - name: day
      tiers: [{ up_to_kwh: 2, yen_per_kwh: 20 }, { yen_per_kwh: 50 }]
`);
    const hh = [
      { startMs: jst(2026, 5, 1, 22), kwh: 5 }, // night
      { startMs: jst(2026, 5, 2, 1), kwh: 5 }, // night
      { startMs: jst(2026, 5, 2, 12), kwh: 3 }, // day: 2 at 20, 1 at 50
    ];
    const { bill } = priceHalfHours(tt, '2026-05', hh, TZ);
    expect(bill.energy.map((l) => [l.period, l.tier, l.kwh, l.yen])).toEqual([
      ['night', 1, 10, 100],
      ['day', 1, 2, 40],
      ['day', 2, 1, 50],
    ]);
    expect(bill.totalYen).toBe(190);
  });
});
