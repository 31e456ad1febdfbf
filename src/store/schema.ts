/**
 * The store's schema. `readings` is the history (one row per reading id); `outbox` holds one
 * row per (output, reading) still to be delivered, in `seq` order. `outbox_dropped` persists
 * how many rows each output lost to the outbox cap, so the loss is visible after a restart.
 * `outbox_dead_letters` keeps the outbox rows whose stored reading could not be decoded (set
 * aside so the rest of that outbox is delivered), with the text and the reason.
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS readings (
  id TEXT PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  meter TEXT,
  backfill INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_ts ON readings (ts_ms);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  output TEXT NOT NULL,
  reading_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_output_seq ON outbox (output, seq);
CREATE INDEX IF NOT EXISTS outbox_reading ON outbox (reading_id);
CREATE TABLE IF NOT EXISTS outbox_dropped (
  output TEXT PRIMARY KEY,
  count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_dead_letters (
  seq INTEGER PRIMARY KEY,
  output TEXT NOT NULL,
  reading_id TEXT NOT NULL,
  payload TEXT,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_dead_letters_output ON outbox_dead_letters (output);
`;
