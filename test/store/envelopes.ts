import type { Envelope } from '../../src/reading/record.js';
import { formatReadingTime } from '../../src/reading/record.js';

const BASE = Date.UTC(2024, 0, 15, 0, 0, 0);

/** A plausible envelope number `i` (one minute apart), for store and sink tests. */
export function envelope(i: number, over: Partial<Envelope> = {}): Envelope {
  const ts = BASE + i * 60_000;
  return {
    id: `r-${String(i).padStart(6, '0')}`,
    meter: 'FE80000000000000021D129012345678',
    backfill: false,
    reading: {
      timestamp: formatReadingTime(ts),
      cumulative_power_kwh: 12345.6 + i / 10,
      instant_power_w: 400 + i,
      current_a: 4.5,
      current_r_a: 3,
      current_t_a: 1.5,
      historical_timestamp: null,
      historical_cumulative_power_kwh: null,
      recent_30min_timestamp: '2024-01-15T00:00:00+00:00',
      recent_30min_consumption_kwh: 0.2,
    },
    extras: {},
    ...over,
  };
}

export const BASE_MS = BASE;
