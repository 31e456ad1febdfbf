import { type Envelope, formatReadingTime, type Reading } from '../../src/reading/record.js';

/** The sample reading of the README (the original tool's documented output). */
export const README_READING: Reading = {
  timestamp: '2023-10-27T10:00:00.123456+00:00',
  cumulative_power_kwh: 12345.6,
  instant_power_w: 500,
  current_a: 7.5,
  current_r_a: 5.0,
  current_t_a: 2.5,
  historical_timestamp: '2023-10-27T10:00:00+00:00',
  historical_cumulative_power_kwh: 12345.5,
  recent_30min_timestamp: '2023-10-27T09:30:00+00:00',
  recent_30min_consumption_kwh: 0.2,
};

/** The README's sample reading as an envelope (id `r1`, meter unknown): `reading` replaces
 *  fields of the reading, `over` fields of the envelope. */
export function sampleEnvelope(reading: Partial<Reading> = {}, over: Partial<Envelope> = {}): Envelope {
  return {
    id: 'r1',
    meter: null,
    backfill: false,
    reading: { ...README_READING, ...reading },
    extras: {},
    ...over,
  };
}

/** The reading time of envelope(0); envelope(i) is i minutes later. */
export const BASE_MS = Date.UTC(2024, 0, 15, 0, 0, 0);

/** A plausible envelope number `i` (one minute apart, each with its own id), for store, outbox
 *  and sink tests. */
export function envelope(i: number, over: Partial<Envelope> = {}): Envelope {
  const ts = BASE_MS + i * 60_000;
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
