import { describe, expect, it } from 'vitest';
import { createHalfHourIndex } from '../../src/http/halfhour-index.js';
import type { Envelope } from '../../src/reading/record.js';
import { env } from './fakes.js';

const MIN = 60_000;
const JST_MIDNIGHT = Date.UTC(2024, 3, 30, 15, 0); // 2024-05-01 00:00 JST
const DAY = '2024-05-01';

/** A store slice that honours `limit` (oldest first) and counts the pages it served. */
function pagedStore(rows: Envelope[]) {
  const time = (e: Envelope) => Date.parse(e.reading.timestamp);
  const s = {
    pages: 0,
    fail: false,
    latest: () => null,
    query(o: { since?: number; until?: number; limit?: number }) {
      if (s.fail) throw new Error('disk gone');
      s.pages++;
      const hits = rows
        .filter((e) => time(e) >= (o.since ?? -Infinity) && time(e) < (o.until ?? Infinity))
        .sort((a, b) => time(a) - time(b));
      return o.limit === undefined ? hits : hits.slice(0, o.limit);
    },
  };
  return s;
}

describe('half-hour index', () => {
  it('reads a day page by page, the later reading of a slot winning across pages and equal times', async () => {
    const rows = [
      env(JST_MIDNIGHT + 31 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.1 }),
      env(JST_MIDNIGHT + 35 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.11 }),
      // Three readings at the same instant straddle a page boundary.
      { ...env(JST_MIDNIGHT + 40 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.12 }), id: 'a' },
      { ...env(JST_MIDNIGHT + 40 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.12 }), id: 'b' },
      { ...env(JST_MIDNIGHT + 40 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.12 }), id: 'c' },
      env(JST_MIDNIGHT + 61 * MIN, { slotEndMs: JST_MIDNIGHT + 60 * MIN, slotKwh: 0.3 }),
      // The day's last half hour, carried by a reading just after midnight.
      env(JST_MIDNIGHT + 24 * 60 * MIN + 2 * MIN, { slotEndMs: JST_MIDNIGHT + 24 * 60 * MIN, slotKwh: 0.4 }),
      // Outside the day: not read.
      env(JST_MIDNIGHT - 5 * MIN, { slotEndMs: JST_MIDNIGHT - 30 * MIN, slotKwh: 9 }),
    ];
    const store = pagedStore(rows);
    const index = createHalfHourIndex({ store, timezone: 'Asia/Tokyo', pageSize: 2 });
    const slots = await index.slots(DAY);
    expect([...slots].sort((a, b) => a[0] - b[0])).toEqual([
      [JST_MIDNIGHT + 30 * MIN, 0.12],
      [JST_MIDNIGHT + 60 * MIN, 0.3],
      [JST_MIDNIGHT + 24 * 60 * MIN, 0.4],
    ]);
    expect(store.pages).toBeGreaterThanOrEqual(4);
  });

  it('builds a day once for concurrent requests, keeps it up to date with live readings, rebuilds after its ttl', async () => {
    const rows = [env(JST_MIDNIGHT + 31 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.1 })];
    const store = pagedStore(rows);
    let t = 0;
    const index = createHalfHourIndex({ store, timezone: 'Asia/Tokyo', ttlMs: 1000, clock: () => t });
    const all = await Promise.all(Array.from({ length: 20 }, () => index.slots(DAY)));
    expect(store.pages).toBe(1);
    expect(new Set(all).size).toBe(1);

    const live = env(JST_MIDNIGHT + 95 * MIN, { slotEndMs: JST_MIDNIGHT + 90 * MIN, slotKwh: 0.2 });
    rows.push(live);
    index.add(live);
    index.add(env(JST_MIDNIGHT + 3 * 24 * 60 * MIN, { slotEndMs: JST_MIDNIGHT + 3 * 24 * 60 * MIN }));
    expect(await index.slots(DAY)).toEqual(
      new Map([
        [JST_MIDNIGHT + 30 * MIN, 0.1],
        [JST_MIDNIGHT + 90 * MIN, 0.2],
      ]),
    );
    expect(store.pages).toBe(1);

    // Written behind its back (a backfilled half hour): seen once the day is rebuilt.
    rows.push(env(JST_MIDNIGHT + 65 * MIN, { slotEndMs: JST_MIDNIGHT + 60 * MIN, slotKwh: 0.05 }));
    expect((await index.slots(DAY)).has(JST_MIDNIGHT + 60 * MIN)).toBe(false);
    t = 1001;
    expect((await index.slots(DAY)).get(JST_MIDNIGHT + 60 * MIN)).toBe(0.05);
    expect(store.pages).toBe(2);
  });

  it('builds one day at a time and forgets a failed build, so the next request tries again', async () => {
    const DAY_MS = 24 * 60 * MIN;
    // Two readings a day at 10:01 and 10:31, far from the next day's window.
    const rows = [0, 1, 2, 3].flatMap((d) => [
      env(JST_MIDNIGHT + d * DAY_MS + 601 * MIN, { slotEndMs: JST_MIDNIGHT + d * DAY_MS + 600 * MIN }),
      env(JST_MIDNIGHT + d * DAY_MS + 631 * MIN, { slotEndMs: JST_MIDNIGHT + d * DAY_MS + 630 * MIN }),
    ]);
    const store = pagedStore(rows);
    const days: number[] = [];
    const query = store.query;
    store.query = (o) => {
      days.push(Math.floor(((o.since ?? 0) - JST_MIDNIGHT) / DAY_MS));
      return query(o);
    };
    const index = createHalfHourIndex({ store, timezone: 'Asia/Tokyo', maxDays: 2, pageSize: 1 });
    store.fail = true;
    await expect(index.slots(DAY)).rejects.toThrow('disk gone');
    store.fail = false;
    expect((await index.slots(DAY)).size).toBe(2);
    days.length = 0;
    await Promise.all(['2024-05-02', '2024-05-03', '2024-05-04'].map((d) => index.slots(d)));
    // Page after page of one day, then the next: never interleaved.
    expect(days.length).toBeGreaterThanOrEqual(9);
    expect(days).toEqual([...days].sort());
    expect(new Set(days)).toEqual(new Set([1, 2, 3]));
    // Only the two most recently used days are kept: the first one is built again.
    days.length = 0;
    await index.slots(DAY);
    expect(days.length).toBeGreaterThanOrEqual(3);
    expect(new Set(days)).toEqual(new Set([0]));
  });
});
