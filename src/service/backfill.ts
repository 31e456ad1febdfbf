/**
 * History backfill, orchestration: finds the half hours the store lacks, reads them from the
 * meter's day history a few days per cycle (each day = SetC E5 + Get E2, protocol.md §B.3),
 * and submits them as `backfill: true` records, oldest first.
 */
import { HemsError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  addDays,
  buildBackfill,
  type DayPlan,
  DEFAULT_BACKFILL_DAYS,
  daySlots,
  type HistoryConstants,
  localDate,
  MAX_HISTORY_DAY,
  planBackfill,
  type RawAt,
} from '../reading/backfill.js';
import type { Envelope } from '../reading/record.js';
import type { Clock } from './clock.js';

/** What the backfiller needs from the B-route session (the lead implements it there). */
export interface HistoryAccess {
  /** The meter's address once joined, else null (then a cycle does nothing). */
  meter(): string | null;
  /** D3 (1 when unsupported), E1 as kWh per count, D7; null until read. */
  constants(): HistoryConstants | null;
  /**
   * SetC E5 = day, then Get E2; resolves with the echoed day and its 48 slots (null = no data).
   * With a deadline, no request runs past it; a read cut short ends with ABORTED
   * (context.deferred) and resumes there at the next call for the same day.
   */
  readHistoryDay(
    day: number,
    signal?: AbortSignal,
    opts?: { deadline?: number },
  ): Promise<{ day: number; raw: (number | null)[] }>;
}

/** The part of the store the backfiller reads. */
export interface BackfillStore {
  query(opts: { since?: number; until?: number }): Envelope[];
}

export interface BackfillerOptions {
  access: HistoryAccess;
  store: BackfillStore;
  /** Stores and delivers one record (the run loop's delivery). */
  submit(env: Envelope): Promise<void>;
  timezone: string;
  /** Default 7; 0 disables. */
  backfillDays?: number;
  /** Day histories read per cycle (bounded radio work; default 1). */
  maxDaysPerCycle?: number;
  logger: Logger;
  clock: Pick<Clock, 'now'>;
  /** A slot the meter has no data for is asked again after this long, while it is recent. */
  retryMs?: number;
  /** A slot older than this when the meter had no data for it is given up (for this process). */
  giveUpAfterMs?: number;
}

export interface CycleResult {
  /** Records submitted in this cycle. */
  slots: number;
  /** Nothing left to read now. */
  done: boolean;
  /** Days of history still to read (after this cycle). */
  daysLeft: number;
}

export interface CycleOptions {
  /**
   * Epoch ms by which the cycle must be over (the next live reading is due): it reads as many
   * days as fit, one request at a time, and leaves the rest for later. Without it, one cycle
   * reads `maxDaysPerCycle` days.
   */
  deadline?: number;
}

export interface Backfiller {
  runCycle(signal?: AbortSignal, opts?: CycleOptions): Promise<CycleResult>;
}

/** A history read cut short because the next live reading comes first (HistoryAccess). */
export function isDeferred(e: unknown): boolean {
  return isHemsError(e, 'ABORTED') && e.context.deferred === true;
}

const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 1_800_000;

/** The slot times (UTC ms) a stored record covers for `meter`. */
function coveredSlots(env: Envelope, meter: string): number[] {
  if (env.meter !== null && env.meter !== meter) return [];
  const t = env.reading.recent_30min_timestamp;
  const ms = t === null ? Number.NaN : Date.parse(t);
  return Number.isFinite(ms) ? [ms] : [];
}

export function createBackfiller(o: BackfillerOptions): Backfiller {
  const days = Math.min(o.backfillDays ?? DEFAULT_BACKFILL_DAYS, MAX_HISTORY_DAY);
  const perCycle = Math.max(1, Math.floor(o.maxDaysPerCycle ?? 1));
  const retryMs = o.retryMs ?? 10 * 60_000;
  const giveUpAfterMs = o.giveUpAfterMs ?? 2 * 3_600_000;
  const log = o.logger.child('backfill');
  /** Counters seen in fetched days, by slot time: predecessors of a next day's slot 0. */
  const rawBySlot = new Map<number, number>();
  /** Slots without data: given up (Infinity) or asked again after the stored time. */
  const skipUntil = new Map<number, number>();
  /** Slots submitted in this run: not read again even when the store could not keep them yet. */
  const submittedSlots = new Set<number>();
  let meterSeen: string | null = null;

  const have = (meter: string, now: number): Set<number> => {
    const since = now - (days + 1) * DAY_MS;
    const out = new Set<number>();
    for (const env of o.store.query({ since })) for (const ms of coveredSlots(env, meter)) out.add(ms);
    for (const [ms, until] of skipUntil) if (now < until) out.add(ms);
    for (const ms of submittedSlots) {
      if (ms < since) submittedSlots.delete(ms);
      else out.add(ms);
    }
    return out;
  };

  const plan = (meter: string, now: number): DayPlan[] =>
    planBackfill({ now, timezone: o.timezone, backfillDays: days, have: have(meter, now) });

  /** Days to read this cycle, oldest first; an extra older day when only it knows slot 0's predecessor. */
  const fetchList = (plans: DayPlan[], limit: number): { day: number; plan: DayPlan | null }[] => {
    const out: { day: number; plan: DayPlan | null }[] = [];
    const first = plans[0];
    if (first) {
      const firstOfDay = daySlots(first.date, o.timezone)[0];
      const wantsFirst = first.slots[0]?.index === firstOfDay?.index;
      const before = (firstOfDay?.atMs ?? 0) - HALF_HOUR_MS;
      if (wantsFirst && !rawBySlot.has(before) && first.day + 1 <= MAX_HISTORY_DAY) {
        out.push({ day: first.day + 1, plan: null });
      }
    }
    for (const p of plans) out.push({ day: p.day, plan: p });
    return out.slice(0, limit);
  };

  const read = async (day: number, signal?: AbortSignal, deadline?: number): Promise<(number | null)[]> => {
    const res = await o.access.readHistoryDay(day, signal, deadline === undefined ? {} : { deadline });
    if (res.day !== day || res.raw.length !== 48) {
      throw new HemsError('METER_BAD_RESPONSE', `the meter answered history day ${res.day} for day ${day}`, {
        asked: day,
        got: res.day,
      });
    }
    return res.raw;
  };

  const remember = (date: DayPlan['date'], raw: readonly (number | null)[], now: number): void => {
    for (const s of daySlots(date, o.timezone)) {
      const v = raw[s.index];
      if (v !== null && v !== undefined) rawBySlot.set(s.atMs, v);
    }
    const oldest = now - (days + 2) * DAY_MS;
    for (const ms of rawBySlot.keys()) if (ms < oldest) rawBySlot.delete(ms);
  };

  return {
    async runCycle(signal, opts = {}) {
      if (days <= 0) return { slots: 0, done: true, daysLeft: 0 };
      const meter = o.access.meter();
      const constants = o.access.constants();
      if (meter === null || constants === null) return { slots: 0, done: false, daysLeft: days };
      if (meter !== meterSeen) {
        meterSeen = meter;
        rawBySlot.clear();
        skipUntil.clear();
        submittedSlots.clear();
      }
      const now = o.clock.now();
      const today = localDate(now, o.timezone);
      const plans = plan(meter, now);
      if (plans.length === 0) return { slots: 0, done: true, daysLeft: 0 };
      let submitted = 0;
      const left = (): CycleResult => {
        const rest = plan(meter, o.clock.now()).length;
        return { slots: submitted, done: rest === 0, daysLeft: rest };
      };
      const limit = opts.deadline === undefined ? perCycle : Number.POSITIVE_INFINITY;
      for (const item of fetchList(plans, limit)) {
        if (signal?.aborted) break;
        let raw: (number | null)[];
        try {
          raw = await read(item.day, signal, opts.deadline);
        } catch (e) {
          // The next live reading comes first; this day resumes in the next idle time.
          if (isDeferred(e)) return left();
          throw e;
        }
        // Past local midnight, day indices name other dates: drop the answer, re-plan next cycle.
        if (!sameDate(localDate(o.clock.now(), o.timezone), today)) {
          log.debug('local midnight passed during a history read; planning again next cycle');
          return left();
        }
        remember(item.plan ? item.plan.date : addDays(plans[0]!.date, -1), raw, now);
        if (!item.plan) continue;
        const firstOfDay = daySlots(item.plan.date, o.timezone)[0];
        const prevMs = (firstOfDay?.atMs ?? 0) - HALF_HOUR_MS;
        const prevRaw = rawBySlot.get(prevMs);
        const previous: RawAt | null = prevRaw === undefined ? null : { atMs: prevMs, raw: prevRaw };
        const envs = buildBackfill({
          meter,
          timezone: o.timezone,
          plan: item.plan,
          raw,
          constants,
          previous,
        });
        const built = new Set(envs.map((e) => Date.parse(e.reading.timestamp)));
        for (const s of item.plan.slots) {
          if (built.has(s.atMs)) continue;
          skipUntil.set(s.atMs, now - s.atMs > giveUpAfterMs ? Number.POSITIVE_INFINITY : now + retryMs);
        }
        for (const env of envs) {
          await o.submit(env);
          for (const ms of coveredSlots(env, meter)) submittedSlots.add(ms);
          submitted++;
        }
        log.info(`backfilled ${envs.length} half-hour slot(s) of day ${item.day}`, {
          day: item.day,
          slots: envs.length,
          missing: item.plan.slots.length - envs.length,
        });
      }
      return left();
    },
  };
}

function sameDate(a: DayPlan['date'], b: DayPlan['date']): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}
