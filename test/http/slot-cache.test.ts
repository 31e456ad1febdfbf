import { describe, expect, it } from 'vitest';
import { createSlotCache } from '../../src/http/slot-cache.js';
import type { Envelope } from '../../src/reading/record.js';
import { HALF, jst, TZ } from '../tariff/helpers.js';
import { env, memoryStore } from './fakes.js';

/** A live reading a minute after each half hour of `date` (JST), except the skipped indexes. */
function day(y: number, m: number, d: number, skip: number[] = []): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < 48; i++) {
    if (skip.includes(i)) continue;
    const end = jst(y, m, d) + (i + 1) * HALF;
    out.push(env(end + 60_000, { slotEndMs: end, slotKwh: 0.25 }));
  }
  return out;
}

describe('slot cache', () => {
  it('reads a complete past day once, a day with gaps again every few minutes, today often', () => {
    const rows = [...day(2026, 5, 10), ...day(2026, 5, 11, [3, 4]), ...day(2026, 5, 12).slice(0, 20)];
    const store = memoryStore(rows);
    let now = jst(2026, 5, 12, 10, 30);
    const cache = createSlotCache(store, TZ, () => now);
    const all = () => cache.between(jst(2026, 5, 10), now);
    expect(all().size).toBe(48 + 46 + 20);
    expect(store.queries).toBe(3);
    now += 10_000;
    all();
    expect(store.queries).toBe(3); // nothing is older than its refresh time yet
    now += 20_000;
    all();
    expect(store.queries).toBe(4); // today again
    // A backfill fills the gap of the 11th: seen after the refresh time, then that day is kept.
    const end = jst(2026, 5, 11) + 4 * HALF;
    rows.push(env(end, { slotEndMs: end, slotKwh: 0.5, backfill: true }));
    rows.push(env(end + HALF, { slotEndMs: end + HALF, slotKwh: 0.5, backfill: true }));
    now += 5 * 60_000;
    const before = store.queries;
    expect(all().get(end)).toBe(0.5);
    expect(store.queries).toBe(before + 2); // the 11th and today; the 10th is sealed
    now += 6 * 60_000;
    all();
    expect(store.queries).toBe(before + 3); // today only: the 11th is complete now
  });

  it('keeps the last half hour of a day, carried by a reading after midnight', () => {
    const end = jst(2026, 5, 11);
    const store = memoryStore([env(end + 5 * 60_000, { slotEndMs: end, slotKwh: 0.3 })]);
    const cache = createSlotCache(store, TZ, () => jst(2026, 5, 11, 1));
    expect([...cache.between(jst(2026, 5, 10), jst(2026, 5, 11))]).toEqual([[end, 0.3]]);
    expect(cache.between(jst(2026, 5, 11), jst(2026, 5, 11, 1)).size).toBe(0);
  });
});
