/** What the store writes, and when: page size, schema (and schema 2 kept working), payload, acks. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { envelope } from '../support/envelope.js';
import { tempDir } from '../support/temp.js';

const stores: Store[] = [];
const tmp = (): string => tempDir('hems-writes-');
function open(opts: Parameters<typeof openStore>[0]): Store {
  const s = openStore(opts);
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const raw = (dir: string) => new Database(join(dir, 'hems.db'), { readonly: true });
const outboxSql = (db: Database.Database): string =>
  (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'outbox'").get() as { sql: string }).sql;

/** A database as schema 2 (the store before 1 KiB pages) left it: whole envelopes as payload. */
function schema2(dir: string): void {
  const db = new Database(join(dir, 'hems.db'));
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE readings (id TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL, meter TEXT,
      backfill INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL);
    CREATE INDEX readings_ts ON readings (ts_ms);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, output TEXT NOT NULL, reading_id TEXT NOT NULL);
    CREATE INDEX outbox_output_seq ON outbox (output, seq);
    CREATE INDEX outbox_reading ON outbox (reading_id);
    CREATE TABLE outbox_dropped (output TEXT PRIMARY KEY, count INTEGER NOT NULL);
    CREATE TABLE outbox_dead_letters (seq INTEGER PRIMARY KEY, output TEXT NOT NULL, reading_id TEXT NOT NULL,
      payload TEXT, reason TEXT NOT NULL, at_ms INTEGER NOT NULL);
    CREATE INDEX outbox_dead_letters_output ON outbox_dead_letters (output);
  `);
  const reading = db.prepare(
    'INSERT INTO readings (id, ts_ms, meter, backfill, payload) VALUES (?, ?, ?, 0, ?)',
  );
  const row = db.prepare('INSERT INTO outbox (output, reading_id) VALUES (?, ?)');
  for (let i = 0; i < 4; i++) {
    const env = envelope(i);
    reading.run(env.id, Date.parse(env.reading.timestamp), env.meter, JSON.stringify(env));
    row.run('webhook', env.id);
    row.run('mqtt', env.id);
  }
  // The webhook delivered the first reading (seq 1); seqs 2 to 8 wait.
  db.prepare("DELETE FROM outbox WHERE seq = 1 AND output = 'webhook'").run();
  db.prepare("INSERT INTO outbox_dead_letters VALUES (40, 'mqtt', 'r-gone', '{', 'not JSON', 0)").run();
  db.pragma('user_version = 2');
  db.close();
}

describe('store pages and schema', () => {
  test('a new database has 1 KiB pages, WAL, schema 3 and an outbox keyed by (output, seq)', () => {
    const dir = tmp();
    open({ dir }).close();
    const db = raw(dir);
    expect(db.pragma('page_size', { simple: true })).toBe(1024);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(outboxSql(db)).toMatch(/PRIMARY KEY \(output, seq\)\s*\)\s*WITHOUT ROWID/);
    const indexes = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'outbox'")
      .all();
    expect(indexes).toEqual([]);
    db.close();
  });

  test('a schema-2 database with 4 KiB pages keeps its pages and its outbox rows, in order, and works on', () => {
    const dir = tmp();
    schema2(dir);
    const before = raw(dir);
    const rows = before.prepare('SELECT output, seq, reading_id FROM outbox ORDER BY output, seq').all();
    before.close();
    expect(rows).toHaveLength(7);

    const s = open({ dir });
    const db = raw(dir);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(outboxSql(db)).toMatch(/WITHOUT ROWID/);
    expect(db.prepare('SELECT output, seq, reading_id FROM outbox ORDER BY output, seq').all()).toEqual(rows);
    db.close();

    expect(s.depth('webhook')).toBe(3);
    expect(s.depth('mqtt')).toBe(4);
    const webhook = s.peek('webhook', 10);
    expect(webhook.map((r) => r.env)).toEqual([1, 2, 3].map((i) => envelope(i)));
    // New rows come after every seq in use, dead letters included (their key).
    s.insert(envelope(9), ['webhook']);
    const last = s.peek('webhook', 10).at(-1)!;
    expect(last.env).toEqual(envelope(9));
    expect(last.seq).toBeGreaterThan(40);
    s.ack('webhook', last.seq);
    expect(s.depth('webhook')).toBe(0);
    expect(s.query()).toEqual([0, 1, 2, 3, 9].map((i) => envelope(i)));
    expect(s.deadLetters('mqtt')).toBe(1);
  });

  test('a read-only store (export) reads a schema-2 database as it is', () => {
    const dir = tmp();
    schema2(dir);
    const s = open({ dir, readonly: true });
    expect(s.query()).toEqual([0, 1, 2, 3].map((i) => envelope(i)));
    expect(s.peek('mqtt', 10).map((r) => r.env.id)).toEqual([0, 1, 2, 3].map((i) => envelope(i).id));
    const db = raw(dir);
    expect(outboxSql(db)).toMatch(/AUTOINCREMENT/);
    db.close();
  });

  test('the stored payload leaves the id, meter and backfill flag to their columns', () => {
    const dir = tmp();
    const s = open({ dir });
    const plain = envelope(1);
    const extra = envelope(2, { backfill: true, meter: null, extras: { cumulative_reverse_kwh: 12.5 } });
    s.insert(plain, []);
    s.insert(extra, []);
    const db = raw(dir);
    const payloads = db.prepare('SELECT payload FROM readings ORDER BY ts_ms').all() as { payload: string }[];
    db.close();
    expect(payloads.map((p) => JSON.parse(p.payload))).toEqual([
      { reading: plain.reading },
      { reading: extra.reading, extras: extra.extras },
    ]);
    expect(s.query()).toEqual([plain, extra]);
    expect(s.latest()).toEqual(plain);
  });
});

/** The outbox rows of `output` in the file, as another process (a crash and restart) sees them. */
function rowsOnDisk(dir: string, output: string): number[] {
  const db = raw(dir);
  try {
    const rows = db.prepare('SELECT seq FROM outbox WHERE output = ? ORDER BY seq').all(output) as {
      seq: number;
    }[];
    return rows.map((r) => r.seq);
  } finally {
    db.close();
  }
}

describe('acknowledgements', () => {
  test('an ack leaves peek and depth at once and is written with the next insert, in its commit', () => {
    const dir = tmp();
    const s = open({ dir });
    s.insert(envelope(1), ['stdout']);
    const [first] = s.peek('stdout', 10);
    s.ack('stdout', first!.seq);
    expect(s.depth('stdout')).toBe(0);
    expect(s.peek('stdout', 10)).toEqual([]);
    expect(s.pendingOutputs()).toEqual([]);
    // Not on disk yet: a crash now delivers reading 1 again (at least once).
    expect(rowsOnDisk(dir, 'stdout')).toEqual([first!.seq]);
    s.insert(envelope(2), ['stdout']);
    const [second] = s.peek('stdout', 10);
    expect(second!.env).toEqual(envelope(2));
    expect(rowsOnDisk(dir, 'stdout')).toEqual([second!.seq]);
  });

  test('an ack lost in a crash means that reading is delivered again, nothing else', () => {
    const dir = tmp();
    const s = open({ dir });
    for (let i = 0; i < 3; i++) s.insert(envelope(i), ['stdout']);
    s.ack('stdout', s.peek('stdout', 1)[0]!.seq);
    s.insert(envelope(3), ['stdout']);
    s.ack('stdout', s.peek('stdout', 1)[0]!.seq);
    // A second process opens the file while the first never closes it (killed).
    const after = open({ dir });
    expect(after.peek('stdout', 10).map((r) => r.env.id)).toEqual([1, 2, 3].map((i) => envelope(i).id));
  });

  test('held acks are written at close, by prune, and on their own once 32 rows of an output wait', () => {
    const dir = tmp();
    const s = openStore({ dir });
    for (let i = 0; i < 40; i++) s.insert(envelope(i), ['webhook', 'mqtt']);
    const webhook = s.peek('webhook', 40);
    s.ack('webhook', webhook[30]!.seq);
    expect(rowsOnDisk(dir, 'webhook')).toHaveLength(40);
    s.ack('webhook', webhook[31]!.seq);
    expect(rowsOnDisk(dir, 'webhook')).toEqual(webhook.slice(32).map((r) => r.seq));
    s.ack('mqtt', s.peek('mqtt', 1)[0]!.seq);
    s.prune();
    expect(rowsOnDisk(dir, 'mqtt')).toHaveLength(39);
    s.ack('webhook', webhook[32]!.seq);
    s.close();
    expect(rowsOnDisk(dir, 'webhook')).toEqual(webhook.slice(33).map((r) => r.seq));
    const again = open({ dir });
    expect(again.depth('webhook')).toBe(7);
    expect(again.depth('mqtt')).toBe(39);
  });

  test('an outbox row whose reading is gone is removed alone; the rows before it are still delivered', () => {
    const dir = tmp();
    const s = open({ dir });
    for (let i = 0; i < 3; i++) s.insert(envelope(i), ['webhook']);
    const db = new Database(join(dir, 'hems.db'));
    db.prepare('DELETE FROM readings WHERE id = ?').run(envelope(1).id);
    db.close();
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([envelope(0).id, envelope(2).id]);
    expect(s.depth('webhook')).toBe(2);
    expect(rowsOnDisk(dir, 'webhook')).toHaveLength(2);
  });
});
