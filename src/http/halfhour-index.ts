/**
 * The half hours of a day, kept as an aggregate instead of recomputed per request. A day is
 * built once from the store, page by page with a turn of the event loop between pages (a day
 * of one-second readings is ~100k rows: read at once it would hold /healthz for seconds), one
 * day at a time, and concurrent requests for a day share its build. Live readings update the
 * days already built; a day is rebuilt after `ttlMs`, so rows written behind our back
 * (backfilled half hours) show up too.
 */

import type { Envelope } from '../reading/record.js';
import type { HttpDeps } from './deps.js';
import { dayBounds, slotsOf } from './halfhours.js';

/** Readings this long after local midnight can still carry the day's last half hour. */
const TRAILING_MS = 3 * 3_600_000;

export interface HalfHourIndex {
  /** Slot end (UTC ms) → kWh covering the half hours of `date` (YYYY-MM-DD, already valid). */
  slots(date: string): Promise<ReadonlyMap<number, number>>;
  /** A new reading (already stored): folded into the days built so far. */
  add(env: Envelope): void;
}

export interface HalfHourIndexOptions {
  store: NonNullable<HttpDeps['store']>;
  timezone: string;
  /** Rows read per page (default 100). */
  pageSize?: number;
  /** Work done between two turns of the event loop, at most about this long (default 4 ms). */
  sliceMs?: number;
  /** Days kept (default 8, least recently used first out). */
  maxDays?: number;
  /** A day older than this is rebuilt on its next request (default 5 minutes). */
  ttlMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  clock?: () => number;
}

interface Day {
  lo: number;
  hi: number;
  slots: Map<number, number>;
  builtAt: number;
  ready: Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createHalfHourIndex(o: HalfHourIndexOptions): HalfHourIndex {
  const page = o.pageSize ?? 100;
  const sliceMs = o.sliceMs ?? 4;
  const maxDays = o.maxDays ?? 8;
  const ttlMs = o.ttlMs ?? 300_000;
  const clock = o.clock ?? (() => performance.now());
  const days = new Map<string, Day>();
  let queue: Promise<void> = Promise.resolve();

  const fill = async (d: Day): Promise<void> => {
    let since = d.lo;
    let turn = performance.now();
    for (;;) {
      const rows = o.store.query({ since, until: d.hi, limit: page });
      slotsOf(rows, d.slots);
      if (rows.length < page) return;
      // Rows of the last reading time are read again on the next page: folding is idempotent.
      const last = Date.parse(rows[rows.length - 1]?.reading.timestamp ?? '');
      since = Number.isFinite(last) && last > since ? last : since + 1;
      if (performance.now() - turn >= sliceMs) {
        await nextTurn();
        turn = performance.now();
      }
    }
  };

  const build = (date: string): Day => {
    const { startMs, endMs } = dayBounds(date, o.timezone);
    const d: Day = {
      lo: startMs,
      hi: endMs + TRAILING_MS,
      slots: new Map(),
      builtAt: clock(),
      ready: Promise.resolve(),
    };
    // One build at a time: twenty requests for twenty days take turns instead of piling up.
    d.ready = queue.then(() => fill(d));
    queue = d.ready.catch(() => {});
    d.ready.catch(() => {
      if (days.get(date) === d) days.delete(date);
    });
    return d;
  };

  return {
    async slots(date) {
      let d = days.get(date);
      if (d && clock() - d.builtAt > ttlMs) d = undefined;
      if (!d) d = build(date);
      days.delete(date);
      days.set(date, d);
      for (const old of days.keys()) {
        if (days.size <= maxDays) break;
        days.delete(old);
      }
      await d.ready;
      return d.slots;
    },
    add(env) {
      const at = Date.parse(env.reading.timestamp);
      for (const d of days.values()) if (at >= d.lo && at < d.hi) slotsOf([env], d.slots);
    },
  };
}
