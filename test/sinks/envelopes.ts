import type { Envelope, Reading } from '../../src/reading/record.js';

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

export function envelope(over: Partial<Reading> = {}, backfill = false): Envelope {
  return { id: 'r1', meter: null, backfill, reading: { ...README_READING, ...over }, extras: {} };
}
