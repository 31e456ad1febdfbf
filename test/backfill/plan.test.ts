import { describe, expect, it } from 'vitest';
import { type DayPlan, dayIndex, daySlots, localDate, planBackfill } from '../../src/reading/backfill.js';
import { utcToWallTime } from '../../src/time/zone.js';

const TOKYO = 'Asia/Tokyo';
const HH = 1_800_000;
// 2026-05-20 14:10:07 JST
const NOW = Date.UTC(2026, 4, 20, 5, 10, 7);

const flat = (plans: DayPlan[]): number[] => plans.flatMap((p) => p.slots.map((s) => s.atMs));

describe('planBackfill', () => {
  it('plans the whole window on a first start, by meter-local day with E5 indices', () => {
    const plans = planBackfill({ now: NOW, timezone: TOKYO, backfillDays: 7, have: new Set() });
    expect(plans.map((p) => p.day)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    const all = flat(plans);
    expect(all).toHaveLength(7 * 48);
    // contiguous half hours ending at 14:00 JST today, starting after now − 7 days
    expect(all.at(-1)).toBe(Date.UTC(2026, 4, 20, 5, 0));
    expect(all[0]).toBe(Date.UTC(2026, 4, 13, 5, 30));
    for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!).toBe(HH);
    for (const p of plans) {
      expect(dayIndex(localDate(NOW, TOKYO), p.date)).toBe(p.day);
      for (const s of p.slots) {
        const w = utcToWallTime(s.atMs, TOKYO);
        expect(w.day).toBe(p.date.day);
        expect(w.hour * 2 + w.minute / 30).toBe(s.index);
      }
    }
    expect(plans[0]!.slots[0]!.index).toBe(29); // 14:30 JST, seven days ago
    expect(plans.at(-1)!.slots.map((s) => s.index)).toEqual([...Array(29).keys()]);
  });

  it('finds a gap across midnight and nothing else', () => {
    const now = Date.UTC(2026, 4, 19, 20, 40); // 05:40 JST on the 20th
    const window = flat(planBackfill({ now, timezone: TOKYO, backfillDays: 7, have: new Set() }));
    const gapFrom = Date.UTC(2026, 4, 19, 12, 30); // 21:30 JST on the 19th
    const gapTo = Date.UTC(2026, 4, 19, 18, 0); // 03:00 JST on the 20th
    const have = new Set(window.filter((ms) => ms < gapFrom || ms > gapTo));
    const plans = planBackfill({ now, timezone: TOKYO, backfillDays: 7, have });
    expect(plans.map((p) => p.day)).toEqual([1, 0]);
    expect(plans[0]!.slots.map((s) => s.index)).toEqual([43, 44, 45, 46, 47]);
    expect(plans[1]!.slots.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(plans[1]!.slots[0]!.atMs).toBe(Date.UTC(2026, 4, 19, 15, 0));
  });

  it('0 (or less) disables backfill', () => {
    expect(planBackfill({ now: NOW, timezone: TOKYO, backfillDays: 0, have: new Set() })).toEqual([]);
    expect(planBackfill({ now: NOW, timezone: TOKYO, backfillDays: -3, have: new Set() })).toEqual([]);
  });

  it('never asks for a day beyond E5 99', () => {
    const plans = planBackfill({ now: NOW, timezone: TOKYO, backfillDays: 400, have: new Set() });
    expect(plans[0]!.day).toBe(99);
    expect(Math.max(...plans.map((p) => p.day))).toBe(99);
    expect(flat(plans)).toHaveLength(99 * 48);
    const hundred = planBackfill({ now: NOW, timezone: TOKYO, backfillDays: 100, have: new Set() });
    expect(hundred).toEqual(plans);
  });

  it('follows local days in a DST zone (Europe/Berlin)', () => {
    const tz = 'Europe/Berlin';
    const spring = daySlots({ year: 2026, month: 3, day: 29 }, tz);
    expect(spring).toHaveLength(46);
    expect(spring.map((s) => s.index)).not.toContain(4); // 02:00 does not exist
    expect(spring.map((s) => s.index)).not.toContain(5);
    expect(spring.find((s) => s.index === 6)!.atMs).toBe(Date.UTC(2026, 2, 29, 1, 0));
    const autumn = daySlots({ year: 2026, month: 10, day: 25 }, tz);
    expect(autumn).toHaveLength(48);
    // 02:30 is the first (summer-time) one; 03:00 is 90 real minutes later
    expect(autumn.find((s) => s.index === 5)!.atMs).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(autumn.find((s) => s.index === 6)!.atMs).toBe(Date.UTC(2026, 9, 25, 2, 0));

    const now = Date.UTC(2026, 2, 30, 10, 0); // 12:00 CEST, the day after the switch
    const plans = planBackfill({ now, timezone: tz, backfillDays: 2, have: new Set() });
    const all = flat(plans);
    expect(new Set(all).size).toBe(all.length);
    for (const ms of all) expect(ms % HH).toBe(0);
    const switchDay = plans.find((p) => p.date.day === 29)!;
    expect(switchDay.day).toBe(1);
    expect(switchDay.slots).toHaveLength(46);
    for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!).toBe(HH);
  });
});
