import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTariff } from '../../src/tariff/parse.js';
import { TIERED } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('tariff file', () => {
  it('reads both shipped examples', () => {
    for (const f of ['tariff-tiered.yaml', 'tariff-time-of-use.yaml']) {
      const r = parseTariff(readFileSync(join(ROOT, 'examples', f), 'utf8'));
      expect(r.ok ? [] : r.problems, f).toEqual([]);
    }
    const tou = parseTariff(readFileSync(join(ROOT, 'examples', 'tariff-time-of-use.yaml'), 'utf8'));
    if (!tou.ok) throw new Error('unreachable');
    expect(tou.tariff.periods.map((p) => p.name)).toEqual(['night', 'weekend', 'day']);
    expect(tou.tariff.periods[0]!.times).toEqual([{ from: 23 * 60, to: 7 * 60 }]);
    expect(tou.tariff.exportYenPerKwh).toBe(8.5);
  });

  it('picks the basic charge by amperage and defaults the rest', () => {
    const r = parseTariff(TIERED);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.tariff).toMatchObject({
      basicYen: 935.25,
      basicBasis: '30 A',
      meterReadingDay: 1,
      rounding: 'floor',
      exportYenPerKwh: null,
    });
    expect(r.tariff.fuelAdjustment.get('2026-05')).toBe(-1.2);
  });

  it('reports every problem at once, one line each, naming the key', () => {
    const r = parseTariff(`
meter_reading_day: 31
basic_charge: { amperes: 25, by_amperes: { 30: 935.25 } }
energy:
  tiers:
    - { up_to_kwh: 120, yen_per_kwh: 29.801234 }
    - { up_to_kwh: 100, yen_per_kwh: 36.40 }
    - { yen_per_kwh: "forty" }
fuel_adjustment: { 2026-13: 1 }
rounding: up
colour: blue
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'colour: unknown key (expected one of name, meter_reading_day, basic_charge, energy, renewable_surcharge, fuel_adjustment, export_yen_per_kwh, holidays, rounding)',
      'meter_reading_day: must be between 1 and 28 (got 31)',
      'basic_charge.amperes: 25 A is not in by_amperes (30 A)',
      'energy.tiers[0].yen_per_kwh: at most 4 decimals (got 29.801234)',
      "energy.tiers[1].up_to_kwh: must be more than the previous tier's 120 (got 100)",
      'energy.tiers[2].yen_per_kwh: must be a price in yen per kWh (got "forty")',
      'fuel_adjustment.2026-13: keys must be billing months YYYY-MM',
      'rounding: must be one of floor, round, ceil (got "up")',
    ]);
  });

  it('checks time-of-use periods: times, days, the catch-all last period', () => {
    const r = parseTariff(`
basic_charge: { yen: 100 }
energy:
  periods:
    - { name: night, times: "23:15-07:00", yen_per_kwh: 20 }
    - { name: odd, days: [caturday], yen_per_kwh: 20 }
    - { name: both, yen_per_kwh: 1, tiers: [{ yen_per_kwh: 2 }] }
    - { name: last, times: "07:00-23:00", yen_per_kwh: 30 }
`);
    expect(r.ok ? [] : r.problems).toEqual([
      'energy.periods[0].times: times must be on the hour or half hour: the meter measures half hours (got "23:15-07:00")',
      'energy.periods[1].days: unknown day "caturday" (use sun, mon, tue, wed, thu, fri, sat, holiday)',
      'energy.periods[2]: give either yen_per_kwh (a flat rate) or tiers',
      'energy.periods[3]: the last period must have neither days nor times: it covers every other half hour',
    ]);
  });

  it('says what is missing, and rejects what is not YAML', () => {
    expect(parseTariff('name: x\n')).toEqual({
      ok: false,
      problems: [
        'basic_charge: missing: give basic_charge.yen, or basic_charge.amperes with by_amperes',
        'energy: missing: give energy.tiers (a tiered plan) or energy.periods (time of use)',
      ],
    });
    const bad = parseTariff('energy: [unclosed\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]).toMatch(/^not valid YAML: /);
    expect(parseTariff('- a list\n')).toEqual({
      ok: false,
      problems: ['must be a YAML map (see the examples)'],
    });
  });
});
