import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/echonet/hex.js';
import { decodeIf, decodeInstantPower, decodeReadingValues } from '../../src/echonet/meter.js';
import { buildReading, fixedTimeToPoint } from '../../src/reading/build.js';
import { READING_KEYS } from '../../src/reading/record.js';

const NOW = Date.UTC(2026, 4, 20, 5, 12, 3, 456);

/** A batch decoded as the meter reader does, with EA placed on the time line of `tz`. */
function decodeMeterValues(p: Map<number, Uint8Array>, tz: string) {
  const v = decodeReadingValues(p);
  return { ...v, fixed: fixedTimeToPoint(v.fixed, tz) };
}

function props(entries: Record<number, string>): Map<number, Uint8Array> {
  return new Map(Object.entries(entries).map(([k, v]) => [Number(k), fromHex(v)]));
}

describe('buildReading', () => {
  it('builds the 10 keys for a single-phase meter (coefficient 1, unit 0.1)', () => {
    const v = decodeMeterValues(
      props({ 231: '00000278', 232: '004B7FFE', 224: '0001E240', 234: '07EA05140E00000001E23A' }),
      'Asia/Tokyo',
    );
    const r = buildReading({
      now: NOW,
      constants: { coefficient: 1, unitCode: 0x01, digits: 6 },
      instantPowerW: v.instantPowerW,
      currents: v.currents,
      cumulativeRaw: v.cumulativeRaw,
      fixed: v.fixed,
      recent: v.fixed ? { atMs: v.fixed.atMs, deltaRaw: 2 } : null,
    });
    expect(Object.keys(r)).toEqual([...READING_KEYS]);
    expect(r).toEqual({
      timestamp: '2026-05-20T05:12:03.456000+00:00',
      cumulative_power_kwh: 12345.6,
      instant_power_w: 632,
      current_a: 7.5,
      current_r_a: 7.5,
      current_t_a: null,
      historical_timestamp: '2026-05-20T05:00:00+00:00',
      historical_cumulative_power_kwh: 12345.0,
      recent_30min_timestamp: '2026-05-20T05:00:00+00:00',
      recent_30min_consumption_kwh: 0.2,
    });
  });
  it('sums R and T for three-phase and applies coefficient 10 with unit 1 kWh', () => {
    const r = buildReading({
      now: NOW,
      constants: { coefficient: 10, unitCode: 0x00, digits: 6 },
      instantPowerW: -1962,
      currents: { r_a: 5.1, t_a: 2.2 },
      cumulativeRaw: 4321,
      fixed: { atMs: Date.UTC(2026, 4, 20, 5), raw: 4320 },
      recent: null,
    });
    expect(r.current_a).toBe(7.3);
    expect(r.cumulative_power_kwh).toBe(43210);
    expect(r.historical_cumulative_power_kwh).toBe(43200);
    expect(r.instant_power_w).toBe(-1962);
    expect(r.recent_30min_timestamp).toBeNull();
    expect(r.recent_30min_consumption_kwh).toBeNull();
  });
  it('uses null for missing values', () => {
    const v = decodeMeterValues(new Map(), 'Asia/Tokyo');
    const r = buildReading({
      now: NOW,
      constants: { coefficient: 1, unitCode: 1, digits: 6 },
      ...v,
      recent: null,
    });
    expect(r.cumulative_power_kwh).toBeNull();
    expect(r.current_a).toBeNull();
    expect(r.historical_timestamp).toBeNull();
  });
  it('converts EA wall time in the configured zone', () => {
    const ea = { 234: '07EA05140E00000001E23A' };
    expect(decodeMeterValues(props(ea), 'UTC').fixed?.atMs).toBe(Date.UTC(2026, 4, 20, 14));
    expect(decodeMeterValues(props(ea), 'Asia/Tokyo').fixed?.atMs).toBe(Date.UTC(2026, 4, 20, 5));
  });
  it('drops EA values without a valid time or counter', () => {
    expect(decodeMeterValues(props({ 234: '07EA0D140E00000001E23A' }), 'UTC').fixed).toBeNull();
    expect(decodeMeterValues(props({ 234: '07EA05140E0000FFFFFFFE' }), 'UTC').fixed).toBeNull();
    expect(fixedTimeToPoint({ time: null, raw: 5 }, 'UTC')).toBeNull();
    expect(fixedTimeToPoint(null, 'UTC')).toBeNull();
  });
  it('decodeIf passes a missing EDT as null and applies the decoder otherwise', () => {
    expect(decodeIf(decodeInstantPower, undefined)).toBeNull();
    expect(decodeIf(decodeInstantPower, fromHex('FFFFF856'))).toBe(-1962);
    expect(decodeIf(decodeInstantPower, fromHex('7FFFFFFE'))).toBeNull();
  });
  it('decodes the E8 pair and E3 reverse energy from one batch', () => {
    const v = decodeMeterValues(props({ 232: '00327FFE', 227: '00000016' }), 'UTC');
    expect(v.currents).toEqual({ r_a: 5, t_a: null });
    expect(v.reverseRaw).toBe(22);
  });
});
