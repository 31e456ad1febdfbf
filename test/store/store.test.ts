import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/store.js';
import { BASE_MS, envelope } from '../support/envelope.js';
import { captureLogger } from '../support/logger.js';

const dirs: string[] = [];
const stores: Store[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hems-store-'));
  dirs.push(d);
  return d;
}
function open(opts: Partial<Parameters<typeof openStore>[0]> = {}): Store {
  const s = openStore({ dir: opts.dir ?? tmp(), ...opts });
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('store', () => {
  test('creates <dir>/hems.db in WAL mode with synchronous FULL', () => {
    const dir = join(tmp(), 'nested', 'state');
    const s = open({ dir });
    expect(s.path).toBe(join(dir, 'hems.db'));
    s.close();
    const db = new Database(join(dir, 'hems.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  test('insert writes the reading and one outbox row per output', () => {
    const s = open();
    expect(s.insert(envelope(1), ['webhook', 'gcloud'])).toBe(true);
    expect(s.depth('webhook')).toBe(1);
    expect(s.depth('gcloud')).toBe(1);
    expect(s.depth('mqtt')).toBe(0);
    const [row] = s.peek('webhook', 10);
    expect(row?.env).toEqual(envelope(1));
    expect(s.query()).toEqual([envelope(1)]);
  });

  test('insert is idempotent on the reading id', () => {
    const s = open();
    expect(s.insert(envelope(1), ['webhook'])).toBe(true);
    expect(s.insert(envelope(1), ['webhook'])).toBe(false);
    expect(s.depth('webhook')).toBe(1);
    expect(s.query()).toHaveLength(1);
  });

  test('insert is one transaction: a failure leaves neither the reading nor outbox rows', () => {
    const dir = tmp();
    const s = open({ dir });
    s.insert(envelope(1), ['webhook']);
    // Break the outbox insert for a given output with a trigger, so the second statement fails.
    const db = new Database(join(dir, 'hems.db'));
    db.exec(
      "CREATE TRIGGER no_bad BEFORE INSERT ON outbox WHEN NEW.output = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    db.close();
    let err: unknown;
    try {
      s.insert(envelope(2), ['webhook', 'bad']);
    } catch (e) {
      err = e;
    }
    expect(isHemsError(err, 'STORE_FAILED')).toBe(true);
    expect(s.query().map((e) => e.id)).toEqual([envelope(1).id]);
    expect(s.depth('webhook')).toBe(1);
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([envelope(1).id]);
  });

  test('peek returns rows in order; ack is cumulative and per output', () => {
    const s = open();
    for (let i = 0; i < 5; i++) s.insert(envelope(i), ['webhook', 'gcloud']);
    const rows = s.peek('webhook', 3);
    expect(rows.map((r) => r.env.id)).toEqual([0, 1, 2].map((i) => envelope(i).id));
    expect(rows[0]!.seq).toBeLessThan(rows[1]!.seq);
    s.ack('webhook', rows[1]!.seq);
    expect(s.depth('webhook')).toBe(3);
    expect(s.depth('gcloud')).toBe(5);
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([2, 3, 4].map((i) => envelope(i).id));
    expect(s.pendingOutputs().sort()).toEqual(['gcloud', 'webhook']);
  });

  test('a full outbox drops its oldest rows, logs loudly and keeps a persisted counter', () => {
    const dir = tmp();
    const logger = captureLogger();
    const s = openStore({ dir, outboxMax: 3, logger });
    for (let i = 0; i < 5; i++) s.insert(envelope(i), ['webhook', 'gcloud']);
    s.ack('gcloud', s.peek('gcloud', 10)[2]!.seq);
    expect(s.depth('gcloud')).toBe(0);
    expect(s.depth('webhook')).toBe(3);
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([2, 3, 4].map((i) => envelope(i).id));
    expect(s.dropped('webhook')).toBe(2);
    const warns = logger.lines.filter((l) => l.level === 'warn' && l.msg.includes('webhook'));
    expect(warns).toHaveLength(2);
    expect(warns[0]!.msg).toContain('dropped');
    // History keeps every reading even when an outbox dropped it.
    expect(s.query()).toHaveLength(5);
    s.close();
    const again = open({ dir, outboxMax: 3 });
    expect(again.dropped('webhook')).toBe(2);
    expect(again.depth('webhook')).toBe(3);
  });

  test('reopening after close keeps the outbox, in order', () => {
    const dir = tmp();
    const s = openStore({ dir });
    for (let i = 0; i < 4; i++) s.insert(envelope(i), ['webhook']);
    s.ack('webhook', s.peek('webhook', 1)[0]!.seq);
    s.close();
    const again = open({ dir });
    expect(again.depth('webhook')).toBe(3);
    expect(again.peek('webhook', 10).map((r) => r.env.id)).toEqual([1, 2, 3].map((i) => envelope(i).id));
    // seq keeps growing after a reopen, past the rows left, so order survives restarts.
    again.insert(envelope(9), ['webhook']);
    const rows = again.peek('webhook', 10);
    expect(rows.at(-1)!.env.id).toBe(envelope(9).id);
    expect(rows.at(-1)!.seq).toBeGreaterThan(rows.at(-2)!.seq);
  });

  test('query filters by reading time [since, until) and latest skips backfill', () => {
    const s = open();
    for (let i = 0; i < 10; i++) s.insert(envelope(i), []);
    s.insert(envelope(100, { id: 'bf', backfill: true }), []);
    const got = s.query({ since: BASE_MS + 2 * 60_000, until: BASE_MS + 5 * 60_000 }).map((e) => e.id);
    expect(got).toEqual([2, 3, 4].map((i) => envelope(i).id));
    expect([...s.iterate({ since: BASE_MS + 8 * 60_000 })].map((e) => e.id)).toEqual([
      envelope(8).id,
      envelope(9).id,
      'bf',
    ]);
    expect(s.latest()?.id).toBe(envelope(9).id);
    expect(s.query({ limit: 2 })).toHaveLength(2);
  });

  test('prune deletes history past the retention but keeps readings still in an outbox', () => {
    const s = open({ retentionDays: 1 });
    for (let i = 0; i < 3; i++) s.insert(envelope(i), []);
    s.insert(envelope(3), ['webhook']);
    s.insert(envelope(2000), []); // ~1.4 days later
    const now = BASE_MS + 2000 * 60_000;
    expect(s.prune(now)).toBe(3);
    expect(s.query().map((e) => e.id)).toEqual([envelope(3).id, envelope(2000).id]);
    s.ack('webhook', s.peek('webhook', 1)[0]!.seq);
    expect(s.prune(now)).toBe(1);
  });

  test('prune runs by itself on insert, at most hourly', () => {
    let clock = BASE_MS + 2 * 86_400_000;
    const s = open({ retentionDays: 1, now: () => clock });
    s.insert(envelope(0), []); // pruned at open less than an hour ago: stays for now
    s.insert(envelope(1), []);
    expect(s.query()).toHaveLength(2);
    clock += 3_600_000;
    s.insert(envelope(2), []);
    expect(s.query()).toHaveLength(0);
  });

  test('a full disk is STORE_FAILED', () => {
    const s = open({ maxPages: 30 });
    let err: unknown;
    try {
      for (let i = 0; i < 10_000; i++) s.insert(envelope(i), ['webhook']);
    } catch (e) {
      err = e;
    }
    expect(isHemsError(err, 'STORE_FAILED')).toBe(true);
    expect((err as { context: { sqlite?: string } }).context.sqlite).toBe('SQLITE_FULL');
  });

  test('a damaged file is moved aside as hems.db.corrupt-<time> (never overwritten) and a new one started', () => {
    const dir = tmp();
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251));
    writeFileSync(join(dir, 'hems.db'), garbage);
    writeFileSync(join(dir, 'hems.db-wal'), 'stale wal');
    const logger = captureLogger();
    const s = open({ dir, logger, now: () => Date.UTC(2026, 4, 20, 3, 4, 5) });
    expect(s.insert(envelope(1), ['webhook'])).toBe(true);
    expect(readFileSync(join(dir, 'hems.db.corrupt-20260520T030405Z'))).toEqual(garbage);
    expect(readFileSync(join(dir, 'hems.db.corrupt-20260520T030405Z-wal'), 'utf8')).toBe('stale wal');
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toEqual({
      level: 'warn',
      msg: expect.stringMatching(
        /^\S+\/hems\.db is damaged \(not an SQLite database: wrong file header\): moved it to \S+\/hems\.db\.corrupt-20260520T030405Z and started a new database/,
      ),
    });
    // A second damaged file at the same second does not replace the first one set aside.
    s.close();
    writeFileSync(join(dir, 'hems.db'), garbage);
    writeFileSync(join(dir, 'hems.db-wal'), '');
    open({ dir, now: () => Date.UTC(2026, 4, 20, 3, 4, 5) });
    expect(
      readdirSync(dir)
        .filter((f) => f.includes('.corrupt-'))
        .sort(),
    ).toEqual([
      'hems.db.corrupt-20260520T030405Z',
      'hems.db.corrupt-20260520T030405Z-2',
      'hems.db.corrupt-20260520T030405Z-2-wal',
      'hems.db.corrupt-20260520T030405Z-wal',
    ]);
  });

  test('a file with a good header but damaged pages is moved aside too, with its WAL', () => {
    const dir = tmp();
    const w = openStore({ dir });
    for (let i = 0; i < 30; i++) w.insert(envelope(i), ['webhook']);
    w.close();
    const path = join(dir, 'hems.db');
    const bytes = readFileSync(path);
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 31) % 256;
    writeFileSync(path, bytes);
    writeFileSync(`${path}-wal`, 'wal of the damaged file');
    const logger = captureLogger();
    const s = open({ dir, logger });
    expect(s.query()).toEqual([]);
    const aside = readdirSync(dir).find((f) => /^hems\.db\.corrupt-\d{8}T\d{6}Z$/.test(f));
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside!))).toEqual(bytes);
    expect(readFileSync(join(dir, `${aside}-wal`), 'utf8')).toBe('wal of the damaged file');
    expect(logger.lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/hems\.db is damaged \(database disk image is malformed\): moved it to/),
    ]);
  });

  test('an outbox row whose reading cannot be decoded is set aside as a dead letter, once; the rest flows', () => {
    const dir = tmp();
    const logger = captureLogger();
    const s = open({ dir, logger });
    for (let i = 0; i < 4; i++) s.insert(envelope(i), ['webhook', 'mqtt']);
    const raw = new Database(join(dir, 'hems.db'));
    raw
      .prepare('UPDATE readings SET payload = ? WHERE id = ?')
      .run('{"id": "r-000001", trunc', envelope(1).id);
    raw
      .prepare('UPDATE readings SET payload = ? WHERE id = ?')
      .run(JSON.stringify({ ...envelope(2), reading: { timestamp: 'soon' } }), envelope(2).id);
    raw.close();
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([envelope(0).id, envelope(3).id]);
    expect(s.depth('webhook')).toBe(2);
    expect(s.deadLetters('webhook')).toBe(2);
    expect(s.deadLetters('mqtt')).toBe(0);
    expect(s.peek('webhook', 10)).toHaveLength(2);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^outbox for webhook: stored reading r-000001 cannot be decoded \(not JSON/),
      expect.stringMatching(/^outbox for webhook: stored reading r-000002 cannot be decoded \(\w+ is not a/),
    ]);
    s.close();
    const again = open({ dir });
    expect(again.deadLetters('webhook')).toBe(2);
    const row = new Database(join(dir, 'hems.db'), { readonly: true })
      .prepare('SELECT output, reading_id AS id, payload FROM outbox_dead_letters ORDER BY seq LIMIT 1')
      .get();
    expect(row).toEqual({ output: 'webhook', id: envelope(1).id, payload: '{"id": "r-000001", trunc' });
  });

  test('query and latest skip undecodable rows with one warning each; iterate reports them', () => {
    const dir = tmp();
    const logger = captureLogger();
    const s = open({ dir, logger });
    for (let i = 0; i < 3; i++) s.insert(envelope(i), []);
    const raw = new Database(join(dir, 'hems.db'));
    raw.prepare('UPDATE readings SET payload = ? WHERE id = ?').run('null', envelope(2).id);
    raw.close();
    expect(s.query().map((e) => e.id)).toEqual([envelope(0).id, envelope(1).id]);
    expect(s.query()).toHaveLength(2);
    expect(s.latest()?.id).toBe(envelope(1).id);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const bad: string[] = [];
    expect([...s.iterate({}, (id, why) => bad.push(`${id}: ${why}`))].map((e) => e.id)).toEqual([
      envelope(0).id,
      envelope(1).id,
    ]);
    expect(bad).toEqual([`${envelope(2).id}: not a JSON object`]);
  });

  test('a read-only store refuses writes with STORE_FAILED and still reads', () => {
    const dir = tmp();
    const w = openStore({ dir });
    w.insert(envelope(1), ['webhook']);
    w.close();
    const r = open({ dir, readonly: true });
    expect(r.query()).toHaveLength(1);
    expect(r.depth('webhook')).toBe(1);
    expect(() => r.insert(envelope(2), ['webhook'])).toThrow(
      expect.objectContaining({ code: 'STORE_FAILED' }),
    );
  });

  test('a directory that cannot be created is STORE_FAILED', () => {
    // A path below a regular file (root ignores permissions, so a chmod test would not fail).
    expect(() => openStore({ dir: '/dev/null/hems' })).toThrow(
      expect.objectContaining({ code: 'STORE_FAILED' }),
    );
    expect(() => openStore({ dir: tmp(), readonly: true })).toThrow(
      expect.objectContaining({ code: 'STORE_FAILED' }),
    );
  });
});
