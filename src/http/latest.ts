import type { Envelope, Reading } from '../reading/record.js';
import type { SourceCounters, SourceStatus } from '../service/types.js';
import type { OutputStats, StoreHealth } from './deps.js';
import { addDays, localDateOf } from './halfhours.js';
import { healthOf } from './health.js';

export interface Problem {
  kind: 'session' | 'no-reading' | 'stale' | 'output' | 'store';
  output?: string;
  message: string;
}

/** One output in `GET /api/latest`: its delivery figures, and whether it is failing now. */
export interface OutputView extends OutputStats {
  name: string;
  failing: boolean;
}

/** The body of `GET /api/latest`. */
export interface LatestView {
  now: string;
  timezone: string;
  /** The meter's local dates (the dashboard asks for these days' half hours). */
  today: string;
  yesterday: string;
  intervalSeconds: number;
  reading: (Reading & { id: string; meter: string | null; cumulative_reverse_kwh: number | null }) | null;
  session: {
    state: SourceStatus['state'];
    meter: string | null;
    lastReadingAt: string | null;
    counters: SourceCounters;
  };
  outputs: OutputView[];
  /** The local database; null when the collector runs without one. */
  store: StoreHealth | null;
  /** History backfill: days still to recover (0 when caught up); null without a backfill. */
  history: { daysLeft: number | null };
  ok: boolean;
  problems: Problem[];
}

export interface LatestInput {
  env: Envelope | null;
  status: SourceStatus;
  outputs: Record<string, OutputStats>;
  nowMs: number;
  intervalMs: number;
  timezone: string;
  store?: StoreHealth | null;
  backfillDaysLeft?: number | null;
}

/** An output counts as failing while its latest attempt failed and readings wait for it. */
export function isFailing(s: OutputStats): boolean {
  return s.failing && s.depth > 0;
}

export function latestView(i: LatestInput): LatestView {
  const health = healthOf(i.status, i.nowMs, i.intervalMs);
  const problems: Problem[] = [];
  if (i.store && !i.store.up) {
    problems.push({ kind: 'store', message: i.store.problem ?? 'unknown cause' });
  }
  if (health.body.status === 'fail') {
    const kind: Problem['kind'] =
      i.status.state !== 'up' ? 'session' : i.status.lastReadingAt === null ? 'no-reading' : 'stale';
    problems.push({ kind, message: health.body.reason });
  }
  const outputs: OutputView[] = Object.entries(i.outputs).map(([name, s]) => ({
    name,
    depth: s.depth,
    delivered: s.delivered,
    failures: s.failures,
    dropped: s.dropped,
    deadLetters: s.deadLetters,
    lastError: s.lastError,
    failing: isFailing(s),
  }));
  for (const o of outputs) {
    if (o.failing)
      problems.push({ kind: 'output', output: o.name, message: o.lastError ?? 'delivery failing' });
  }
  const today = localDateOf(i.nowMs, i.timezone);
  return {
    now: new Date(i.nowMs).toISOString(),
    timezone: i.timezone,
    today,
    yesterday: addDays(today, -1),
    intervalSeconds: Math.round(i.intervalMs / 1000),
    reading: i.env
      ? {
          id: i.env.id,
          meter: i.env.meter,
          ...i.env.reading,
          cumulative_reverse_kwh: i.env.extras.cumulative_reverse_kwh ?? null,
        }
      : null,
    session: {
      state: i.status.state,
      meter: i.status.meter,
      lastReadingAt: i.status.lastReadingAt === null ? null : new Date(i.status.lastReadingAt).toISOString(),
      counters: { ...i.status.counters },
    },
    outputs,
    store: i.store ? { up: i.store.up, problem: i.store.problem } : null,
    history: { daysLeft: i.backfillDaysLeft ?? null },
    ok: problems.length === 0,
    problems,
  };
}
