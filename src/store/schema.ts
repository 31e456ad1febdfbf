/**
 * The store's schema. `readings` is the history (one row per reading id); `outbox` holds one
 * row per (output, reading) still to be delivered, in `seq` order per output. `outbox_dropped`
 * persists how many rows each output lost to the outbox cap, so the loss is visible after a
 * restart. `outbox_dead_letters` keeps the outbox rows whose stored reading could not be decoded
 * (set aside so the rest of that outbox is delivered), with the text and the reason.
 *
 * Laid out for few pages per reading (README "Performance"): every page a commit changes is
 * written to the WAL whole. The outbox is one b-tree keyed by (output, seq), `seq` given by the
 * store (store.ts): no AUTOINCREMENT counter page, no index on `reading_id`. A reading with its
 * outbox rows changes four pages (the readings table, its two indexes, the outbox), now and then
 * a parent page or the header too.
 */
export const SCHEMA_VERSION = 3;

/**
 * Page size of a new database. At one reading a few minutes apart, each changed page is written
 * anew, so the WAL grows by pages, not by rows: 1 KiB pages make a reading cost about a quarter
 * of the bytes of SQLite's default 4 KiB, while two readings still fit in a page (rows.ts keeps
 * the payload short). An existing database keeps its page size (it is fixed at creation).
 */
export const PAGE_SIZE = 1024;

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
  output TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reading_id TEXT NOT NULL,
  PRIMARY KEY (output, seq)
) WITHOUT ROWID;
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

/**
 * Rebuilds an outbox of schema 2 and before (a rowid table with an AUTOINCREMENT seq and two
 * indexes) as schema 3's, keeping every row and its seq. Its indexes go with the old table.
 */
export const OUTBOX_REBUILD_SQL = `
CREATE TABLE outbox_v3 (
  output TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reading_id TEXT NOT NULL,
  PRIMARY KEY (output, seq)
) WITHOUT ROWID;
INSERT INTO outbox_v3 (output, seq, reading_id) SELECT output, seq, reading_id FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
`;
