/**
 * The money and trend panels: `/api/cost` (this billing period so far, its forecast, today,
 * yesterday, export), `/api/month` (31 days, weekday/weekend profile, the 5 dearest half hours)
 * and `/api/power6h` (the live power line). Each answer reads bounded, time-indexed ranges of the
 * store through the slot cache and is kept for a few seconds, so polling and scrapes stay cheap.
 */
import type { Envelope } from '../reading/record.js';
import { type Bill, exportValue } from '../tariff/bill.js';
import { exportedTotal, type ReversePoint } from '../tariff/exported.js';
import { type BillingPeriod, periodOfDate } from '../tariff/period.js';
import { dayTypeProfile, learnProfile, PROFILE_DAYS } from '../tariff/profile.js';
import { dayFigures, pricedBetween, summarizePeriod } from '../tariff/summary.js';
import type { Tariff } from '../tariff/types.js';
import { addDays, dayBounds, localDateOf, utcToWallTime } from '../time/zone.js';
import { createSlotCache, type SlotStore } from './slot-cache.js';

export interface CostDeps {
  store?: (SlotStore & { latest(): Envelope | null }) | undefined;
  tariff?: Tariff | null | undefined;
  timezone: string;
  now: () => number;
}

export interface DayCost {
  date: string;
  kwh: number;
  yen: number | null;
  missing: number;
}

/** The body of `GET /api/cost`. */
export interface CostView {
  timezone: string;
  tariff: { name: string; basis: string; exportYenPerKwh: number | null } | null;
  period: {
    label: string;
    start: string;
    last: string;
    halfHours: number;
    stored: number;
    missing: number;
  };
  soFar: { kwh: number; yen: number | null; bill: Bill | null };
  forecast: { kwh: number; yen: number | null; expectedHalfHours: number; profileDays: number } | null;
  today: DayCost;
  yesterday: DayCost;
  /** Exported energy this period (solar), when the meter reports it. */
  export: { kwh: number; yen: number | null; todayKwh: number } | null;
}

/** The body of `GET /api/month`. */
export interface MonthView {
  timezone: string;
  priced: boolean;
  days: DayCost[];
  profile: { weekday: (number | null)[]; weekend: (number | null)[] };
  top: { start: string; label: string; kwh: number; yen: number | null }[];
}

/** The body of `GET /api/power6h`: live readings (W), at most one point a minute. */
export interface PowerView {
  timezone: string;
  from: string;
  to: string;
  points: { t: string; w: number }[];
}

const HOUR = 3_600_000;
const MONTH_DAYS = 31;
const MEMO_MS = 15_000;
const POWER_MS = 6 * HOUR;
const MAX_POINTS = 360;

const pad2 = (n: number): string => String(n).padStart(2, '0');

function memo<T>(now: () => number, fn: () => T): () => T {
  let at = Number.NEGATIVE_INFINITY;
  let value: T;
  return () => {
    const t = now();
    if (t - at >= MEMO_MS || t < at) {
      value = fn();
      at = t;
    }
    return value;
  };
}

export interface CostViews {
  cost(): CostView | null;
  month(): MonthView | null;
  power6h(): PowerView | null;
  /** kWh and bill so far of the current billing period, for /metrics and MQTT. */
  period(): { label: string; startMs: number; kwh: number; yen: number | null } | null;
}

export function createCostViews(deps: CostDeps): CostViews {
  const { timezone: tz, now } = deps;
  const tariff = deps.tariff ?? null;
  const readingDay = tariff?.meterReadingDay ?? 1;
  const store = deps.store;
  const cache = store ? createSlotCache(store, tz, now) : null;
  const periodOf = (date: string): BillingPeriod => periodOfDate(date, readingDay, tz);

  /** The first live reading with a reverse counter from `fromMs` (remembered once found). */
  const firstFound = new Map<number, ReversePoint>();
  const firstReverse = (fromMs: number): ReversePoint | null => {
    const known = firstFound.get(fromMs);
    if (known) return known;
    for (const env of store?.query({ since: fromMs, limit: 500 }) ?? []) {
      const kwh = env.extras.cumulative_reverse_kwh;
      if (!env.backfill && typeof kwh === 'number') {
        const p = { ms: Date.parse(env.reading.timestamp), kwh };
        if (firstFound.size > 8) firstFound.clear();
        firstFound.set(fromMs, p);
        return p;
      }
    }
    return null;
  };

  const cost = (): CostView | null => {
    if (!cache || !store) return null;
    const t = now();
    const today = localDateOf(t, tz);
    const yesterday = addDays(today, -1);
    const period = periodOf(today);
    const from = Math.min(periodOf(yesterday).startMs, dayBounds(addDays(today, -PROFILE_DAYS), tz).startMs);
    const slots = cache.between(from, t + HOUR);
    const profile = learnProfile(slots, today, tz);
    const s = summarizePeriod({ tariff, period, slots, nowMs: t, tz, profile });
    // Yesterday may close the previous billing period: priced there, from its start.
    const figure = (date: string) =>
      s.days.find((d) => d.date === date) ??
      dayFigures(
        [date],
        pricedBetween(tariff, readingDay, slots, dayBounds(date, tz).startMs, dayBounds(date, tz).endMs, tz),
        tariff !== null,
        t,
        tz,
      )[0]!;
    const day = (date: string): DayCost => {
      const d = figure(date);
      return { date: d.date, kwh: d.kwh, yen: d.yen, missing: d.missing };
    };
    let exported: CostView['export'] = null;
    const latest = store.latest();
    const latestRev = latest?.extras.cumulative_reverse_kwh;
    if (latest && typeof latestRev === 'number') {
      const end: ReversePoint = { ms: Date.parse(latest.reading.timestamp), kwh: latestRev };
      const first = firstReverse(period.startMs);
      const firstToday = firstReverse(dayBounds(today, tz).startMs);
      const kwh = first ? exportedTotal([first, end]) : 0;
      exported = {
        kwh,
        yen: tariff ? exportValue(tariff, kwh) : null,
        todayKwh: firstToday ? exportedTotal([firstToday, end]) : 0,
      };
    }
    return {
      timezone: tz,
      tariff: tariff
        ? { name: tariff.name, basis: tariff.basicBasis, exportYenPerKwh: tariff.exportYenPerKwh }
        : null,
      period: {
        label: period.label,
        start: period.startDate,
        last: period.lastDate,
        halfHours: s.halfHours,
        stored: s.stored,
        missing: s.missing,
      },
      soFar: { kwh: s.kwh, yen: s.bill?.totalYen ?? null, bill: s.bill },
      forecast: s.forecast
        ? {
            kwh: s.forecast.kwh,
            yen: s.forecast.bill?.totalYen ?? null,
            expectedHalfHours: s.forecast.expectedHalfHours,
            profileDays: PROFILE_DAYS,
          }
        : null,
      today: day(today),
      yesterday: day(yesterday),
      export: exported,
    };
  };

  const month = (): MonthView | null => {
    if (!cache) return null;
    const t = now();
    const today = localDateOf(t, tz);
    const first = addDays(today, -(MONTH_DAYS - 1));
    const fromMs = dayBounds(first, tz).startMs;
    const slots = cache.between(periodOf(first).startMs, t + HOUR);
    const priced = pricedBetween(tariff, readingDay, slots, fromMs, t + HOUR, tz);
    const dates = Array.from({ length: MONTH_DAYS }, (_, i) => addDays(first, i));
    const days = dayFigures(dates, priced, tariff !== null, t, tz).map(
      (d): DayCost => ({ date: d.date, kwh: d.kwh, yen: d.yen, missing: d.missing }),
    );
    const worth = (h: { kwh: number; yen: number | null }): number => h.yen ?? h.kwh;
    const top = [...priced]
      .sort((a, b) => worth(b) - worth(a) || a.startMs - b.startMs)
      .slice(0, 5)
      .map((h) => {
        const w = utcToWallTime(h.startMs, tz);
        return {
          start: new Date(h.startMs).toISOString(),
          label: `${w.year}-${pad2(w.month)}-${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}`,
          kwh: h.kwh,
          yen: h.yen === null ? null : Math.round(h.yen * 100) / 100,
        };
      });
    return {
      timezone: tz,
      priced: tariff !== null,
      days,
      profile: dayTypeProfile(priced, tz, tariff?.holidays),
      top,
    };
  };

  let power: { ms: number; w: number }[] = [];
  const power6h = (): PowerView | null => {
    if (!store) return null;
    const t = now();
    const from = t - POWER_MS;
    power = power.filter((p) => p.ms >= from && p.ms <= t);
    const since = power.length > 0 ? power[power.length - 1]!.ms + 1 : from;
    for (const env of store.query({ since, until: t + 1 })) {
      const w = env.reading.instant_power_w;
      if (!env.backfill && typeof w === 'number') power.push({ ms: Date.parse(env.reading.timestamp), w });
    }
    // More than one point a minute: one averaged point per minute.
    let points = power;
    if (power.length > MAX_POINTS) {
      const buckets = new Map<number, { sum: number; n: number }>();
      for (const p of power) {
        const k = Math.floor(p.ms / 60_000) * 60_000;
        const b = buckets.get(k) ?? { sum: 0, n: 0 };
        b.sum += p.w;
        b.n++;
        buckets.set(k, b);
      }
      points = [...buckets].map(([ms, b]) => ({ ms, w: Math.round(b.sum / b.n) }));
    }
    return {
      timezone: tz,
      from: new Date(from).toISOString(),
      to: new Date(t).toISOString(),
      points: points.map((p) => ({ t: new Date(p.ms).toISOString(), w: p.w })),
    };
  };

  const costMemo = memo(now, cost);
  return {
    cost: costMemo,
    month: memo(now, month),
    power6h,
    period() {
      const c = costMemo();
      if (!c) return null;
      return {
        label: c.period.label,
        startMs: dayBounds(c.period.start, tz).startMs,
        kwh: c.soFar.kwh,
        yen: c.soFar.yen,
      };
    },
  };
}
