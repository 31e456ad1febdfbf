/**
 * A state directory holding a big history, written in one transaction (store.insert commits
 * and fsyncs each reading: 170k of them would take minutes). The store creates its schema;
 * the rows are what store.insert writes (reading time in ts_ms, the envelope as JSON).
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatMeterTime, formatReadingTime } from '../../src/reading/record.js';
import { openStore, STORE_FILE } from '../../src/store/store.js';

const HALF_HOUR_MS = 1_800_000;

/** `count` readings `stepMs` apart from `fromMs`, each carrying the half hour that ended before it. */
export function seedReadings(dir: string, fromMs: number, count: number, stepMs = 1000): void {
  openStore({ dir }).close();
  const db = new Database(join(dir, STORE_FILE));
  const insert = db.prepare(
    'INSERT INTO readings (id, ts_ms, meter, backfill, payload) VALUES (?, ?, ?, 0, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = fromMs + i * stepMs;
      const slotEnd = Math.floor(at / HALF_HOUR_MS) * HALF_HOUR_MS;
      const env = {
        id: `seed-${i}`,
        meter: 'FE80000000000000021D129012345678',
        backfill: false,
        reading: {
          timestamp: formatReadingTime(at),
          cumulative_power_kwh: 12345.6 + i / 1000,
          instant_power_w: 400 + (i % 300),
          current_a: 4.5,
          current_r_a: 3,
          current_t_a: 1.5,
          historical_timestamp: formatMeterTime(slotEnd),
          historical_cumulative_power_kwh: 12345.5,
          recent_30min_timestamp: formatMeterTime(slotEnd),
          recent_30min_consumption_kwh: ((slotEnd / HALF_HOUR_MS) % 7) / 10,
        },
        extras: {},
      };
      insert.run(env.id, at, env.meter, JSON.stringify(env));
    }
  })();
  db.close();
}
