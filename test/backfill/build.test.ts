import { describe, expect, it } from 'vitest';
import { buildBackfill, daySlots, historyKwh, slotId } from '../../src/reading/backfill.js';
import { payloadOf, READING_KEYS } from '../../src/reading/record.js';

const TOKYO = 'Asia/Tokyo';
const DATE = { year: 2026, month: 5, day: 20 };
const METER = '001C6400036E8CF5';
const SLOTS = daySlots(DATE, TOKYO);

function day(values: Record<number, number | null>): (number | null)[] {
  return Array.from({ length: 48 }, (_, i) => (i in values ? values[i]! : null));
}

describe('historyKwh', () => {
  it('scales raw × D3 × E1 and rounds to the unit', () => {
    expect(historyKwh(123456, { coefficient: 10, unit: 0.01 })).toBe(12345.6);
    expect(historyKwh(123457, { coefficient: 1, unit: 0.1 })).toBe(12345.7);
    expect(historyKwh(3, { coefficient: 1, unit: 0.001 })).toBe(0.003);
    expect(historyKwh(5, { coefficient: 2, unit: 10 })).toBe(100);
  });
});

describe('buildBackfill', () => {
  it('makes 10-key backfill records with coefficient 10 and unit 0.01', () => {
    const raw = day({ 27: 123_400, 28: 123_456, 29: 123_500 });
    const envs = buildBackfill({
      meter: METER,
      timezone: TOKYO,
      plan: { date: DATE, slots: SLOTS.filter((s) => s.index === 28 || s.index === 29) },
      raw,
      constants: { coefficient: 10, unit: 0.01, digits: 6 },
      previous: null,
    });
    expect(envs).toHaveLength(2);
    const [a, b] = envs as [(typeof envs)[0], (typeof envs)[0]];
    const at = Date.UTC(2026, 4, 20, 5, 0); // 14:00 JST = slot 28
    expect(a.id).toBe(slotId(METER, at));
    expect(a.id).toBe(`${METER}-slot-${at}`);
    expect(a.meter).toBe(METER);
    expect(a.backfill).toBe(true);
    expect(a.reading).toEqual({
      timestamp: '2026-05-20T05:00:00.000000+00:00',
      cumulative_power_kwh: null,
      instant_power_w: null,
      current_a: null,
      current_r_a: null,
      current_t_a: null,
      historical_timestamp: '2026-05-20T05:00:00+00:00',
      historical_cumulative_power_kwh: 12345.6,
      recent_30min_timestamp: '2026-05-20T05:00:00+00:00',
      recent_30min_consumption_kwh: 5.6,
    });
    expect(Object.keys(a.reading)).toEqual([...READING_KEYS]);
    expect(payloadOf(a).backfill).toBe(true);
    expect(b.reading.recent_30min_timestamp).toBe('2026-05-20T05:30:00+00:00');
    expect(b.reading.recent_30min_consumption_kwh).toBe(4.4);
  });

  it('wraps the consumption at 10^D7', () => {
    const envs = buildBackfill({
      meter: METER,
      timezone: TOKYO,
      plan: { date: DATE, slots: SLOTS.filter((s) => s.index === 11) },
      raw: day({ 10: 999_990, 11: 5 }),
      constants: { coefficient: 1, unit: 0.1, digits: 6 },
      previous: null,
    });
    expect(envs[0]!.reading.historical_cumulative_power_kwh).toBe(0.5);
    expect(envs[0]!.reading.recent_30min_consumption_kwh).toBe(1.5);
  });

  it('skips slots without data; a slot after one has no consumption', () => {
    const envs = buildBackfill({
      meter: METER,
      timezone: TOKYO,
      plan: { date: DATE, slots: SLOTS.filter((s) => s.index >= 2 && s.index <= 5) },
      raw: day({ 1: 100, 2: 110, 3: null, 4: 130, 5: 145 }),
      constants: { coefficient: 1, unit: 1, digits: 8 },
      previous: null,
    });
    expect(envs.map((e) => e.reading.recent_30min_timestamp)).toEqual([
      '2026-05-19T16:00:00+00:00',
      '2026-05-19T17:00:00+00:00',
      '2026-05-19T17:30:00+00:00',
    ]);
    expect(envs.map((e) => e.reading.recent_30min_consumption_kwh)).toEqual([10, null, 15]);
  });

  it("takes the previous day's slot 47 as the predecessor of slot 0", () => {
    const slot0 = SLOTS[0]!;
    const plan = { date: DATE, slots: [slot0, SLOTS[1]!] };
    const raw = day({ 0: 2_000, 1: 2_030 });
    const constants = { coefficient: 1, unit: 0.1, digits: 6 };
    const envs = buildBackfill({
      meter: METER,
      timezone: TOKYO,
      plan,
      raw,
      constants,
      previous: { atMs: slot0.atMs - 1_800_000, raw: 1_990 },
    });
    expect(envs[0]!.reading.recent_30min_timestamp).toBe('2026-05-19T15:00:00+00:00');
    expect(envs[0]!.reading.recent_30min_consumption_kwh).toBe(1);
    expect(envs[1]!.reading.recent_30min_consumption_kwh).toBe(3);
    const unknown = buildBackfill({ meter: METER, timezone: TOKYO, plan, raw, constants, previous: null });
    expect(unknown[0]!.reading.recent_30min_consumption_kwh).toBeNull();
    expect(unknown[0]!.reading.historical_cumulative_power_kwh).toBe(200);
  });

  it('gives no consumption across a DST fall-back gap (90 real minutes)', () => {
    const date = { year: 2026, month: 10, day: 25 };
    const slots = daySlots(date, 'Europe/Berlin');
    const envs = buildBackfill({
      meter: METER,
      timezone: 'Europe/Berlin',
      plan: { date, slots: slots.filter((s) => s.index === 5 || s.index === 6) },
      raw: day({ 4: 10, 5: 12, 6: 20 }),
      constants: { coefficient: 1, unit: 1, digits: 8 },
      previous: null,
    });
    expect(envs.map((e) => e.reading.recent_30min_consumption_kwh)).toEqual([2, null]);
  });
});
