import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayBounds,
  halfHourDay,
  localDateOf,
  parseDate,
  slotsOf,
} from '../../src/http/halfhours.js';
import { env } from './fakes.js';

const MIN = 60_000;
// 2024-05-01 00:00 JST
const JST_MIDNIGHT = Date.UTC(2024, 3, 30, 15, 0);

describe('half-hour bars', () => {
  const rows = [
    // slot 0 (00:00-00:30 JST) seen twice: the later reading wins
    env(JST_MIDNIGHT + 31 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.1 }),
    env(JST_MIDNIGHT + 40 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.15 }),
    env(JST_MIDNIGHT + 61 * MIN, { slotEndMs: JST_MIDNIGHT + 60 * MIN, slotKwh: 0.25 }),
    // slot 2 (01:00-01:30) missing: no reading carries it
    env(JST_MIDNIGHT + 121 * MIN, { slotEndMs: JST_MIDNIGHT + 120 * MIN, slotKwh: 0.5 }),
    env(JST_MIDNIGHT + 125 * MIN, { slotEndMs: null }),
  ];

  it('keys stored half hours by local slot in the meter zone, leaving a missing slot empty', () => {
    const day = halfHourDay('2024-05-01', 'Asia/Tokyo', slotsOf(rows));
    expect(day.slots).toHaveLength(48);
    expect(day.slots[0]).toEqual({
      index: 0,
      label: '00:00',
      start: '2024-04-30T15:00:00.000Z',
      end: '2024-04-30T15:30:00.000Z',
      kwh: 0.15,
    });
    expect(day.slots.map((s) => s.kwh).slice(0, 5)).toEqual([0.15, 0.25, null, 0.5, null]);
    expect(day.stored).toBe(3);
    expect(day.totalKwh).toBe(0.9);
    expect(day.slots[47]!.label).toBe('23:30');
  });

  it('puts the same half hours on another day and slot in another zone', () => {
    const utc = halfHourDay('2024-04-30', 'UTC', slotsOf(rows));
    expect(utc.slots.filter((s) => s.kwh !== null).map((s) => [s.index, s.label])).toEqual([
      [30, '15:00'],
      [31, '15:30'],
      [33, '16:30'],
    ]);
    expect(halfHourDay('2024-05-01', 'UTC', slotsOf(rows)).stored).toBe(0);
  });

  it('gives the half hour ending at local midnight to the day before, as its last slot', () => {
    const slots = slotsOf([env(JST_MIDNIGHT + MIN, { slotEndMs: JST_MIDNIGHT, slotKwh: 0.3 })]);
    expect(halfHourDay('2024-05-01', 'Asia/Tokyo', slots).stored).toBe(0);
    const before = halfHourDay('2024-04-30', 'Asia/Tokyo', slots);
    expect(before.slots[47]!.kwh).toBe(0.3);
    expect(before.totalKwh).toBe(0.3);
  });

  it('reports no total for a day without stored half hours', () => {
    const day = halfHourDay('2024-05-02', 'Asia/Tokyo', new Map());
    expect(day).toMatchObject({ stored: 0, totalKwh: null, date: '2024-05-02', timezone: 'Asia/Tokyo' });
  });

  it('has 46 or 50 slots on DST change days', () => {
    expect(halfHourDay('2024-03-31', 'Europe/Berlin', new Map()).slots).toHaveLength(46);
    const fall = halfHourDay('2024-11-03', 'America/New_York', new Map());
    expect(fall.slots).toHaveLength(50);
    expect(fall.slots.map((s) => s.label).slice(2, 6)).toEqual(['01:00', '01:30', '01:00', '01:30']);
  });

  it('computes local dates and bounds', () => {
    expect(dayBounds('2024-05-01', 'Asia/Tokyo')).toEqual({
      startMs: JST_MIDNIGHT,
      endMs: JST_MIDNIGHT + 24 * 60 * MIN,
    });
    expect(localDateOf(JST_MIDNIGHT - 1, 'Asia/Tokyo')).toBe('2024-04-30');
    expect(localDateOf(JST_MIDNIGHT, 'Asia/Tokyo')).toBe('2024-05-01');
    expect(localDateOf(JST_MIDNIGHT, 'UTC')).toBe('2024-04-30');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });

  it('rejects malformed and impossible dates', () => {
    expect(parseDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    for (const bad of ['2023-02-29', '2024-13-01', '2024-5-1', 'today', '']) {
      expect(() => parseDate(bad)).toThrow(RangeError);
    }
  });
});
