/**
 * Half hours of the last weeks for the cost panels, metrics and MQTT, kept cheap: each local
 * day is read from the store once (an indexed time range) and kept while it is complete and
 * over. A day with gaps is read again at most every REFRESH_MS (backfill may fill it), and today
 * and yesterday at most every LIVE_MS. Days older than KEEP_DAYS are forgotten.
 */
import type { Envelope } from '../reading/record.js';
import { addDays, dayBounds, localDateOf } from '../time/zone.js';
import { slotsOf } from './halfhours.js';

export interface SlotStore {
  query(opts: { since?: number; until?: number; limit?: number }): Envelope[];
}

const HALF_HOUR_MS = 30 * 60_000;
/** Readings of the next hour can still carry a day's last half hour (late reading, backfill). */
const TAIL_MS = 60 * 60_000;
const LIVE_MS = 20_000;
const REFRESH_MS = 5 * 60_000;
const KEEP_DAYS = 70;

interface Day {
  slots: Map<number, number>;
  loadedAt: number;
  /** Complete and over: never read again. */
  sealed: boolean;
}

export interface SlotCache {
  /** Slot END ms → kWh for every half hour ending in (fromMs, toMs], from the store. */
  between(fromMs: number, toMs: number): Map<number, number>;
}

export function createSlotCache(store: SlotStore, tz: string, now: () => number): SlotCache {
  const days = new Map<string, Day>();

  const load = (date: string, t: number): Day => {
    const { startMs, endMs } = dayBounds(date, tz);
    const all = slotsOf(store.query({ since: startMs, until: endMs + TAIL_MS }));
    const slots = new Map<number, number>();
    for (const [end, kwh] of all) if (end > startMs && end <= endMs) slots.set(end, kwh);
    const complete = slots.size === Math.round((endMs - startMs) / HALF_HOUR_MS);
    return { slots, loadedAt: t, sealed: complete && endMs + TAIL_MS <= t };
  };

  const dayOf = (date: string, t: number): Day => {
    const d = days.get(date);
    if (d?.sealed) return d;
    const { endMs } = dayBounds(date, tz);
    const maxAge = endMs + TAIL_MS > t ? LIVE_MS : REFRESH_MS;
    if (d && t - d.loadedAt < maxAge) return d;
    const fresh = load(date, t);
    days.set(date, fresh);
    return fresh;
  };

  return {
    between(fromMs, toMs) {
      const t = now();
      const oldest = addDays(localDateOf(t, tz), -KEEP_DAYS);
      for (const date of days.keys()) if (date < oldest) days.delete(date);
      const out = new Map<number, number>();
      const last = localDateOf(toMs - 1, tz);
      for (let date = localDateOf(fromMs, tz); date <= last; date = addDays(date, 1)) {
        for (const [end, kwh] of dayOf(date, t).slots) if (end > fromMs && end <= toMs) out.set(end, kwh);
      }
      return out;
    },
  };
}
