import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeError, HemsError, isHemsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { decodeRow, encodePayload, type StoredRow } from './rows.js';
import { OUTBOX_REBUILD_SQL, PAGE_SIZE, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export const STORE_FILE = 'hems.db';
const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Acknowledged rows of one output held back before they are written on their own. */
const LATE_ACKS_MAX = 32;

export interface StoreOptions {
  /** State directory; the database is `<dir>/hems.db` (created with the directory if missing). */
  dir: string;
  /** History older than this is pruned (rows still waiting in an outbox are kept). */
  retentionDays?: number;
  /** Per-output outbox cap; past it the oldest rows are dropped, counted and logged loudly. */
  outboxMax?: number;
  logger?: Logger;
  now?: () => number;
  /** Open an existing database for reading only (`export`, the dashboard of another process). */
  readonly?: boolean;
  /** Caps the database size in pages (SQLite max_page_count): small devices, and disk-full tests. */
  maxPages?: number;
  /** Runs SQLite's quick_check at open (after a corruption error); a damaged file is moved aside. */
  verify?: boolean;
}

export interface OutboxRow {
  seq: number;
  env: Envelope;
}

export interface QueryOptions {
  /** Inclusive lower bound on the reading time (epoch ms). */
  since?: number;
  /** Exclusive upper bound on the reading time (epoch ms). */
  until?: number;
  limit?: number;
}

export interface Store {
  readonly path: string;
  /**
   * Writes the reading and one outbox row per output in one transaction. Returns false (and
   * writes nothing) when a reading with this id is already stored.
   */
  insert(env: Envelope, outputs: readonly string[]): boolean;
  /** The oldest `limit` rows waiting for `output`, in order. */
  peek(output: string, limit: number): OutboxRow[];
  /**
   * Acknowledges every row of `output` up to and including `seq` (delivery is in order). The
   * rows leave peek and depth at once; the deletion is written with the next insert, or once
   * LATE_ACKS_MAX rows of the output wait, or at close: after a crash, at most those rows are
   * delivered again (at least once, as before; receivers de-duplicate on the reading id).
   */
  ack(output: string, seq: number): void;
  depth(output: string): number;
  /** Rows of `output` dropped by the outbox cap, ever (persisted). */
  dropped(output: string): number;
  /** Rows of `output` set aside because their reading could not be decoded, ever (persisted). */
  deadLetters(output: string): number;
  /** Outputs that have rows waiting. */
  pendingOutputs(): string[];
  /** Stored readings by reading time, oldest first. */
  query(opts?: QueryOptions): Envelope[];
  /** Same as query, one row at a time (export of a long history); `onBad` hears of rows that
   *  cannot be decoded, which are skipped (query and latest skip them too, with one warning). */
  iterate(opts?: QueryOptions, onBad?: (id: string, why: string) => void): IterableIterator<Envelope>;
  /** The newest live (not backfilled) reading. */
  latest(): Envelope | null;
  /** Deletes history older than the retention; returns how many readings went. Runs hourly by itself. */
  prune(nowMs?: number): number;
  /** Changes when a new database file was opened under the same path (outbox seqs start over). */
  generation?(): number;
  close(): void;
}

function storeFailed(op: string, e: unknown, path: string): HemsError {
  if (isHemsError(e)) return e;
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return new HemsError('STORE_FAILED', `store ${op} failed: ${msg}`, {
    op,
    path,
    sqlite: sqliteCode(e),
    errno: typeof code === 'string' && !code.startsWith('SQLITE_') ? code : undefined,
  });
}

function timeOf(env: Envelope, now: number): number {
  const ms = Date.parse(env.reading.timestamp);
  return Number.isFinite(ms) ? ms : now;
}

/** An outbox row with its reading (null columns: the reading is gone). */
interface Row {
  seq: number;
  readingId: string;
  meter: string | null;
  backfill: number | null;
  payload: string | null;
}

/** The SQLite result code of a better-sqlite3 error (`SQLITE_FULL`, `SQLITE_CORRUPT_VTAB`, …). */
export function sqliteCode(e: unknown): string | undefined {
  if (isHemsError(e)) return typeof e.context.sqlite === 'string' ? e.context.sqlite : undefined;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The file itself is damaged: not a database at all, or a broken page. */
export function isCorruption(e: unknown): boolean {
  const code = sqliteCode(e);
  return code === 'SQLITE_NOTADB' || (code?.startsWith('SQLITE_CORRUPT') ?? false);
}

/** The file exists with content that is not an SQLite database (an empty file is a new one). */
function hasForeignHeader(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return n > 0 && head.toString('latin1') !== 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens and prepares the database. `onCorrupt` runs while the damaged connection is still open:
 * renamed then, the file keeps its WAL, which SQLite would delete when the connection closes.
 */
function connect(path: string, opts: StoreOptions, onCorrupt?: (e: unknown) => void): Database.Database {
  const readonly = opts.readonly ?? false;
  const db = new Database(path, { readonly, fileMustExist: readonly });
  try {
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      // Only a new, empty file takes it: before WAL mode and the first table are written.
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      // FULL: every commit is fsynced, so a power cut (the usual end of a Raspberry Pi) cannot
      // take back a reading we already counted as stored: one commit and one fsync per reading
      // (acknowledgements ride along, see Store.ack). NORMAL would only survive process crashes.
      // The WAL is checkpointed at SQLite's default 1000 pages: larger or smaller measured worse
      // (README "Performance").
      db.pragma('synchronous = FULL');
      if (opts.verify) {
        const check = db.pragma('quick_check(1)', { simple: true });
        if (check !== 'ok')
          throw Object.assign(new Error(`quick_check: ${check}`), { code: 'SQLITE_CORRUPT' });
      }
      const outbox = db
        .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'")
        .get() as { sql: string } | undefined;
      if (outbox && !/WITHOUT ROWID/i.test(outbox.sql)) db.transaction(() => db.exec(OUTBOX_REBUILD_SQL))();
      db.exec(SCHEMA_SQL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      if (opts.maxPages !== undefined) db.pragma(`max_page_count = ${Math.floor(opts.maxPages)}`);
    }
    return db;
  } catch (e) {
    if (onCorrupt && isCorruption(e)) onCorrupt(e);
    db.close();
    throw e;
  }
}

/** Renames a damaged `hems.db` (and its -wal/-shm) to `hems.db.corrupt-<UTC time>`; returns the new path. */
function moveAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let aside = `${path}.corrupt-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.corrupt-${stamp}-${n}`;
  renameSync(path, aside);
  for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  return aside;
}

export function openStore(opts: StoreOptions): Store {
  const path = join(opts.dir, STORE_FILE);
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const retentionMs = (opts.retentionDays ?? 400) * DAY_MS;
  const outboxMax = Math.max(1, opts.outboxMax ?? 100_000);
  const readonly = opts.readonly ?? false;

  let db: Database.Database;
  try {
    if (!readonly) mkdirSync(opts.dir, { recursive: true });
    // Never overwrite a damaged file: keep it (with its WAL) beside the new one for recovery.
    let aside: { to: string; cause: string } | null = null;
    const setAside = (cause: string): void => {
      aside = { to: moveAside(path, now()), cause };
    };
    if (!readonly && hasForeignHeader(path)) setAside('not an SQLite database: wrong file header');
    try {
      db = connect(path, opts, readonly ? undefined : (e) => setAside(describeError(e)));
    } catch (e) {
      if (aside === null || !isCorruption(e)) throw e;
      db = connect(path, { ...opts, verify: false });
    }
    if (aside !== null) {
      const { to, cause } = aside;
      logger.warn(
        `${path} is damaged (${cause}): moved it to ${to} and started a new database; the readings in the old file are kept there for recovery`,
        { path, movedTo: to },
      );
    }
  } catch (e) {
    throw storeFailed('open', e, path);
  }

  const guard = <T>(op: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw storeFailed(op, e, path);
    }
  };

  const st = guard('prepare', () => ({
    insertReading: readonly
      ? null
      : db.prepare(
          'INSERT OR IGNORE INTO readings (id, ts_ms, meter, backfill, payload) VALUES (?, ?, ?, ?, ?)',
        ),
    insertOutbox: readonly
      ? null
      : db.prepare('INSERT INTO outbox (output, seq, reading_id) VALUES (?, ?, ?)'),
    dropOldest: readonly
      ? null
      : db.prepare(
          'DELETE FROM outbox WHERE output = ? AND seq IN (SELECT seq FROM outbox WHERE output = ? ORDER BY seq LIMIT ?)',
        ),
    bumpDropped: readonly
      ? null
      : db.prepare(
          'INSERT INTO outbox_dropped (output, count) VALUES (?, ?) ON CONFLICT(output) DO UPDATE SET count = count + excluded.count',
        ),
    ack: readonly ? null : db.prepare('DELETE FROM outbox WHERE output = ? AND seq <= ?'),
    // The outbox has no index on reading_id (one page less per reading): the subquery is read
    // once into a temporary index. Rows acknowledged but not yet deleted keep their reading
    // until the next prune.
    prune: readonly
      ? null
      : db.prepare('DELETE FROM readings WHERE ts_ms < ? AND id NOT IN (SELECT reading_id FROM outbox)'),
    deadLetter: readonly
      ? null
      : db.prepare(
          'INSERT OR REPLACE INTO outbox_dead_letters (seq, output, reading_id, payload, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?)',
        ),
    removeRow: readonly ? null : db.prepare('DELETE FROM outbox WHERE output = ? AND seq = ?'),
    peek: db.prepare(
      'SELECT o.seq AS seq, o.reading_id AS readingId, r.meter AS meter, r.backfill AS backfill, r.payload AS payload FROM outbox o LEFT JOIN readings r ON r.id = o.reading_id WHERE o.output = ? AND o.seq > ? ORDER BY o.seq LIMIT ?',
    ),
    countUpTo: db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE output = ? AND seq > ? AND seq <= ?'),
    maxSeq: db.prepare(
      'SELECT MAX((SELECT IFNULL(MAX(seq), 0) FROM outbox), (SELECT IFNULL(MAX(seq), 0) FROM outbox_dead_letters)) AS n',
    ),
    deadLetters: db.prepare('SELECT COUNT(*) AS n FROM outbox_dead_letters WHERE output = ?'),
    depths: db.prepare('SELECT output, COUNT(*) AS n FROM outbox GROUP BY output'),
    dropped: db.prepare('SELECT count FROM outbox_dropped WHERE output = ?'),
    range: db.prepare(
      'SELECT id, meter, backfill, payload FROM readings WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, rowid LIMIT ?',
    ),
    latest: db.prepare(
      'SELECT id, meter, backfill, payload FROM readings WHERE backfill = 0 ORDER BY ts_ms DESC, rowid DESC LIMIT 8',
    ),
  }));

  // Depth per output, kept in memory (this process is the only writer) so a depth check is free.
  const depths = new Map<string, number>();
  guard('open', () => {
    for (const r of st.depths.all() as { output: string; n: number }[]) depths.set(r.output, r.n);
  });

  const writable = <T>(s: T | null): T => {
    if (s === null) throw new HemsError('STORE_FAILED', 'the store is open read-only', { path });
    return s;
  };

  // Outbox seqs grow within this file, past those set aside as dead letters (their key). Seqs
  // of rows deleted before a restart may come again: nothing remembers them across one.
  let lastSeq = guard('open', () => (st.maxSeq.get() as { n: number }).n);

  /** Acknowledgements not written yet: per output, the highest seq and how many rows it covers. */
  const lateAcks = new Map<string, { seq: number; rows: number }>();
  const writeAcks = (): void => {
    for (const [output, a] of lateAcks) writable(st.ack).run(output, a.seq);
  };
  /** Writes the held-back acknowledgements in a commit of their own: without fsync (NORMAL),
   *  since a lost one only means a row delivered again. */
  const flushAcks = (): void => {
    if (lateAcks.size === 0) return;
    db.pragma('synchronous = NORMAL');
    try {
      db.transaction(writeAcks)();
    } finally {
      db.pragma('synchronous = FULL');
    }
    lateAcks.clear();
  };

  const insertTx = db.transaction((env: Envelope, outputs: readonly string[]) => {
    const t = now();
    writeAcks();
    const res = writable(st.insertReading).run(
      env.id,
      timeOf(env, t),
      env.meter,
      env.backfill ? 1 : 0,
      encodePayload(env),
    );
    if (res.changes === 0) return null;
    const drops = new Map<string, number>();
    for (const output of new Set(outputs)) {
      writable(st.insertOutbox).run(output, ++lastSeq, env.id);
      const excess = (depths.get(output) ?? 0) + 1 - outboxMax;
      if (excess > 0) {
        const gone = writable(st.dropOldest).run(output, output, excess).changes;
        writable(st.bumpDropped).run(output, gone);
        drops.set(output, gone);
      }
    }
    return drops;
  });

  let lastPrune = Number.NEGATIVE_INFINITY;
  // Acknowledged rows are deleted first, so their readings can go in the same commit.
  const pruneTx = db.transaction((before: number): number => {
    writeAcks();
    return writable(st.prune).run(before).changes;
  });
  const prune = (nowMs = now()): number =>
    guard('prune', () => {
      lastPrune = nowMs;
      const n = pruneTx(nowMs - retentionMs);
      lateAcks.clear();
      return n;
    });

  // Rows that cannot be decoded are skipped by reads, with one warning per row and process.
  const warnedBad = new Set<string>();
  const warnBad = (id: string, why: string): void => {
    if (warnedBad.has(id) || warnedBad.size >= 1000) return;
    warnedBad.add(id);
    logger.warn(`stored reading ${id} cannot be decoded (${why}); skipped`);
  };
  const decodeRows = (rows: Iterable<StoredRow>, onBad = warnBad): Envelope[] => {
    const out: Envelope[] = [];
    for (const r of rows) {
      const d = decodeRow(r);
      if (d.ok) out.push(d.env);
      else onBad(r.id, d.why);
    }
    return out;
  };
  const setAside = db.transaction((output: string, r: Row, why: string) => {
    writable(st.deadLetter).run(r.seq, output, r.readingId, r.payload, why, now());
    return writable(st.removeRow).run(output, r.seq).changes;
  });
  const bounds = (q: QueryOptions = {}): [number, number, number] => [
    q.since ?? Number.MIN_SAFE_INTEGER,
    q.until ?? Number.MAX_SAFE_INTEGER,
    q.limit ?? -1,
  ];

  const store: Store = {
    path,
    insert(env, outputs) {
      const drops = guard('insert', () => insertTx(env, outputs));
      lateAcks.clear(); // written by that commit (a failed one keeps them for the next)
      if (drops === null) return false;
      for (const output of new Set(outputs)) {
        const gone = drops.get(output) ?? 0;
        depths.set(output, (depths.get(output) ?? 0) + 1 - gone);
        if (gone > 0) {
          logger.warn(
            `outbox for ${output} is full (${outboxMax} rows): dropped the ${gone} oldest undelivered reading(s)`,
            {
              output,
              dropped: gone,
              droppedTotal: store.dropped(output),
            },
          );
        }
      }
      if (!readonly && now() - lastPrune >= PRUNE_EVERY_MS) {
        try {
          const n = prune();
          if (n > 0) logger.info(`pruned ${n} reading(s) older than the retention`, { pruned: n });
        } catch (e) {
          logger.warn(`history prune failed: ${(e as Error).message}`);
        }
      }
      return true;
    },
    peek(output, limit) {
      const acked = lateAcks.get(output)?.seq ?? 0;
      const rows = guard('peek', () => st.peek.all(output, acked, limit) as Row[]);
      const out: OutboxRow[] = [];
      for (const r of rows) {
        if (r.payload === null) {
          // An outbox row whose reading is gone cannot be delivered; clear it so the outbox drains.
          logger.warn(`outbox row ${r.seq} for ${output} has no reading; removed`);
          // This row only: the rows before it in this batch are still to be delivered.
          const n = guard('ack', () => writable(st.removeRow).run(output, r.seq).changes);
          depths.set(output, Math.max(0, (depths.get(output) ?? 0) - n));
          continue;
        }
        const d = decodeRow({
          id: r.readingId,
          meter: r.meter,
          backfill: r.backfill ?? 0,
          payload: r.payload,
        });
        if (d.ok) {
          out.push({ seq: r.seq, env: d.env });
          continue;
        }
        // Undecodable: set aside as a dead letter so the rest of this outbox still flows.
        const n = guard('set aside', () => setAside(output, r, d.why));
        depths.set(output, Math.max(0, (depths.get(output) ?? 0) - n));
        warnedBad.add(r.readingId); // said here; history reads skip it without a second line
        logger.error(
          `outbox for ${output}: stored reading ${r.readingId} cannot be decoded (${d.why}); set it aside as a dead letter and delivering the rest`,
          { output, seq: r.seq, reading: r.readingId, deadLetters: store.deadLetters(output) },
        );
      }
      return out;
    },
    ack(output, seq) {
      writable(st.ack);
      const late = lateAcks.get(output) ?? { seq: 0, rows: 0 };
      if (seq <= late.seq) return;
      const n = guard('ack', () => (st.countUpTo.get(output, late.seq, seq) as { n: number }).n);
      lateAcks.set(output, { seq, rows: late.rows + n });
      depths.set(output, Math.max(0, (depths.get(output) ?? 0) - n));
      if (late.rows + n >= LATE_ACKS_MAX) guard('ack', flushAcks);
    },
    depth: (output) => depths.get(output) ?? 0,
    dropped(output) {
      const row = guard('dropped', () => st.dropped.get(output) as { count: number } | undefined);
      return row?.count ?? 0;
    },
    deadLetters(output) {
      return guard('dead letters', () => (st.deadLetters.get(output) as { n: number }).n);
    },
    pendingOutputs: () => [...depths].filter(([, n]) => n > 0).map(([o]) => o),
    query: (q) => guard('query', () => decodeRows(st.range.all(...bounds(q)) as StoredRow[])),
    *iterate(q, onBad = warnBad) {
      const it = guard('query', () => st.range.iterate(...bounds(q)) as IterableIterator<StoredRow>);
      try {
        while (true) {
          // A damaged page can fail any step of the scan, not only its start.
          const next = guard('query', () => it.next());
          if (next.done) return;
          const [env] = decodeRows([next.value], onBad);
          if (env) yield env;
        }
      } finally {
        it.return?.();
      }
    },
    latest() {
      const rows = guard('latest', () => st.latest.all() as StoredRow[]);
      return decodeRows(rows)[0] ?? null;
    },
    prune,
    close() {
      if (!db.open) return;
      try {
        flushAcks();
      } catch (e) {
        logger.debug(
          `writing acknowledgements at close failed (those rows are delivered again): ${describeError(e)}`,
        );
      }
      db.close();
    },
  };
  if (!readonly) {
    try {
      prune();
    } catch (e) {
      logger.warn(`history prune failed: ${(e as Error).message}`);
    }
  }
  return store;
}
