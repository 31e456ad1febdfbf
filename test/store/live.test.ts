import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { isStoreUnavailable, type LiveStore, openLiveStore } from '../../src/store/live.js';
import { openStore } from '../../src/store/store.js';
import { envelope } from '../support/envelope.js';
import { captureLogger } from '../support/logger.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

const opened: LiveStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
function live(opts: Parameters<typeof openLiveStore>[0]): LiveStore {
  const s = openLiveStore(opts);
  opened.push(s);
  return s;
}
const ids = (s: LiveStore) => s.query().map((e) => e.id);
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe('live store', () => {
  test('a state dir that cannot be created: one line with path, cause and fix; works once it can', () => {
    // The parent of the state dir is a regular file: mkdir fails with ENOTDIR for root too (a
    // chmod 555 directory would not stop root), and it is undone by replacing the file with a dir.
    const base = tempDir();
    const blocker = join(base, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const dir = join(blocker, 'state');
    const logger = captureLogger();
    const s = live({ dir, logger });
    expect(s.status()).toEqual({
      up: false,
      path: join(dir, 'hems.db'),
      problem: expect.stringMatching(/^cannot write .*blocker\/state\/hems\.db \(ENOTDIR/),
    });
    expect(() => s.insert(envelope(0), ['webhook'])).toThrow(
      expect.objectContaining({ code: 'STORE_FAILED' }),
    );
    expect(isStoreUnavailable(thrown(() => s.query()))).toBe(true);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(
      /^store unavailable: cannot write \S+\/hems\.db \(ENOTDIR.*\): make \S+\/blocker\/state a directory the collector's user can write .*--state-dir/,
    );

    rmSync(blocker);
    mkdirSync(blocker);
    expect(s.insert(envelope(1), ['webhook'])).toBe(true);
    expect(s.status()).toMatchObject({ up: true, problem: null });
    expect(ids(s)).toEqual([envelope(1).id]);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(logger.lines.some((l) => l.level === 'info' && l.msg.startsWith('store works again'))).toBe(true);
  });

  test('a full disk: down with "disk full at …" until space is freed, then up again', () => {
    const dir = tempDir();
    const seed = openStore({ dir });
    seed.close();
    const raw = new Database(join(dir, 'hems.db'));
    raw.exec('CREATE TABLE filler (b BLOB)');
    raw.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(200_000));
    const pages = raw.pragma('page_count', { simple: true }) as number;
    const logger = captureLogger();
    // SQLite's own SQLITE_FULL: the connection may not grow the file past this many pages.
    const s = live({ dir, logger, maxPages: pages + 2 });
    let i = 0;
    expect(() => {
      for (; i < 1000; i++) s.insert(envelope(i), ['webhook']);
    }).toThrow(expect.objectContaining({ code: 'STORE_FAILED' }));
    expect(s.status().up).toBe(false);
    expect(s.status().problem).toMatch(/^disk full at \S+hems\.db/);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(logger.lines[0]!.msg).toMatch(/free some space on the disk that holds/);
    // Someone frees space (here: inside the file, which SQLite reuses).
    raw.exec('DROP TABLE filler');
    raw.close();
    expect(s.insert(envelope(i), ['webhook'])).toBe(true);
    expect(s.status().up).toBe(true);
    expect(ids(s)).toHaveLength(i + 1);
  });

  test('the database deleted while running is noticed before the next write, once, and recreated', () => {
    const dir = tempDir();
    const logger = captureLogger();
    const s = live({ dir, logger });
    s.insert(envelope(0), []);
    s.insert(envelope(1), ['webhook']);
    s.insert(envelope(2), ['webhook', 'mqtt']);
    s.ack('webhook', s.peek('webhook', 1)[0]!.seq);
    const before = s.generation?.();
    const path = join(dir, 'hems.db');
    unlinkSync(path);
    s.insert(envelope(3), ['webhook']);
    const warns = logger.lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toMatch(
      /hems\.db was deleted while running: starting a new database there \(1 undelivered/,
    );
    expect(logger.lines.filter((l) => l.level !== 'debug' && /hems\.db/.test(l.msg))).toHaveLength(1);
    expect(s.generation?.()).not.toBe(before);
    // What waited for an output is carried over, in order; history before the deletion is not.
    expect(s.peek('webhook', 10).map((r) => r.env.id)).toEqual([envelope(2).id, envelope(3).id]);
    expect(s.peek('mqtt', 10).map((r) => r.env.id)).toEqual([envelope(2).id]);
    expect(ids(s)).toEqual([envelope(2).id, envelope(3).id]);
    s.insert(envelope(4), []);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    // A fresh reader of the path sees what was written after the deletion.
    const reader = openStore({ dir, readonly: true });
    expect(reader.query().map((e) => e.id)).toEqual([2, 3, 4].map((n) => envelope(n).id));
    reader.close();
  });

  test('the periodic check notices a deleted file without any write', async () => {
    const dir = tempDir();
    const logger = captureLogger();
    const s = live({ dir, logger, checkEveryMs: 20 });
    s.insert(envelope(0), ['webhook']);
    unlinkSync(join(dir, 'hems.db'));
    await until(() => logger.lines.some((l) => l.level === 'warn'), 'the deletion warning');
    expect(readdirSync(dir)).toContain('hems.db');
    expect(s.depth('webhook')).toBe(1);
    expect(s.status().up).toBe(true);
  });

  test('a file damaged under a running store is moved aside at the next write and a new one started', () => {
    const dir = tempDir();
    const seed = openStore({ dir });
    for (let i = 0; i < 20; i++) seed.insert(envelope(i), ['webhook']);
    seed.close();
    const logger = captureLogger();
    const s = live({ dir, logger });
    const path = join(dir, 'hems.db');
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(statSync(path).size, 0x5a), 0, undefined, 0);
    closeSync(fd);
    expect(() => s.peek('webhook', 5)).toThrow(expect.objectContaining({ code: 'STORE_FAILED' }));
    expect(s.status()).toMatchObject({ up: false, problem: expect.stringMatching(/hems\.db is damaged/) });
    expect(s.insert(envelope(50), ['webhook'])).toBe(true);
    expect(s.status().up).toBe(true);
    expect(readdirSync(dir).filter((f) => /^hems\.db\.corrupt-\d{8}T\d{6}Z$/.test(f))).toHaveLength(1);
    expect(s.peek('webhook', 5).map((r) => r.env.id)).toEqual([envelope(50).id]);
    expect(
      logger.lines.some((l) => l.level === 'warn' && /moved it to \S+hems\.db\.corrupt-/.test(l.msg)),
    ).toBe(true);
  });
});
