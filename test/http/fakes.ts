import type { HttpDeps, OutputStats } from '../../src/http/deps.js';
import { type Envelope, formatMeterTime, formatReadingTime } from '../../src/reading/record.js';
import { type SourceStatus, zeroCounters } from '../../src/service/types.js';

export const METER = 'FE80000000000000021D129012345678';

export function status(over: Partial<SourceStatus> = {}): SourceStatus {
  return {
    state: 'up',
    meter: METER,
    lastReadingAt: null,
    counters: zeroCounters(),
    ...over,
  };
}

/** A reading taken at `atMs` whose latest half hour ends at `slotEndMs` (null: none). */
export function env(
  atMs: number,
  o: {
    power?: number;
    slotEndMs?: number | null;
    slotKwh?: number;
    reverse?: number;
    backfill?: boolean;
  } = {},
): Envelope {
  const slotEnd = o.slotEndMs === undefined ? null : o.slotEndMs;
  return {
    id: `r-${atMs}`,
    meter: METER,
    backfill: o.backfill ?? false,
    reading: {
      timestamp: formatReadingTime(atMs),
      cumulative_power_kwh: 12345.6,
      instant_power_w: o.power ?? 420,
      current_a: 4.5,
      current_r_a: 3,
      current_t_a: 1.5,
      historical_timestamp: null,
      historical_cumulative_power_kwh: null,
      recent_30min_timestamp: slotEnd === null ? null : formatMeterTime(slotEnd),
      recent_30min_consumption_kwh: slotEnd === null ? null : (o.slotKwh ?? 0.2),
    },
    extras: o.reverse === undefined ? {} : { cumulative_reverse_kwh: o.reverse },
  };
}

/** An in-memory store slice: query by reading time (since inclusive, until exclusive). */
export function memoryStore(rows: Envelope[]): NonNullable<HttpDeps['store']> & { queries: number } {
  const time = (e: Envelope) => Date.parse(e.reading.timestamp);
  const s = {
    queries: 0,
    latest: () =>
      [...rows]
        .filter((e) => !e.backfill)
        .sort((a, b) => time(a) - time(b))
        .at(-1) ?? null,
    query: (o: { since?: number; until?: number }) => {
      s.queries++;
      return rows
        .filter(
          (e) =>
            (o.since === undefined || time(e) >= o.since) && (o.until === undefined || time(e) < o.until),
        )
        .sort((a, b) => time(a) - time(b));
    },
  };
  return s;
}

export function delivery(stats: Record<string, OutputStats>): NonNullable<HttpDeps['delivery']> {
  return { stats: () => stats };
}

export { type Captured, captureLogger } from '../support/logger.js';
