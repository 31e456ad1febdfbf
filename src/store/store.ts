import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HemsError, isHemsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export const STORE_FILE = 'hems.db';
const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

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
  /** Acknowledges every row of `output` up to and including `seq` (delivery is in order). */
  ack(output: string, seq: number): void;
  depth(output: string): number;
  /** Rows of `output` dropped by the outbox cap, ever (persisted). */
  dropped(output: string): number;
  /** Outputs that have rows waiting. */
  pendingOutputs(): string[];
  /** Stored readings by reading time, oldest first. */
  query(opts?: QueryOptions): Envelope[];
  /** Same as query, one row at a time (export of a long history). */
  iterate(opts?: QueryOptions): IterableIterator<Envelope>;
  /** The newest live (not backfilled) reading. */
  latest(): Envelope | null;
  /** Deletes history older than the retention; returns how many readings went. Runs hourly by itself. */
  prune(nowMs?: number): number;
  close(): void;
}

function storeFailed(op: string, e: unknown, path: string): HemsError {
  if (isHemsError(e)) return e;
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return new HemsError('STORE_FAILED', `store ${op} failed: ${msg}`, {
    op,
    path,
    sqlite: typeof code === 'string' ? code : undefined,
  });
}

function timeOf(env: Envelope, now: number): number {
  const ms = Date.parse(env.reading.timestamp);
  return Number.isFinite(ms) ? ms : now;
}

interface Row {
  seq: number;
  payload: string | null;
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
    db = new Database(path, { readonly, fileMustExist: readonly });
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: every commit is fsynced, so a power cut (the usual end of a Raspberry Pi) cannot
      // take back a reading we already counted as stored. At one commit per reading per minute
      // the fsync costs nothing; NORMAL would only survive process crashes.
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA_SQL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      if (opts.maxPages !== undefined) db.pragma(`max_page_count = ${Math.floor(opts.maxPages)}`);
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
    insertOutbox: readonly ? null : db.prepare('INSERT INTO outbox (output, reading_id) VALUES (?, ?)'),
    dropOldest: readonly
      ? null
      : db.prepare(
          'DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE output = ? ORDER BY seq LIMIT ?)',
        ),
    bumpDropped: readonly
      ? null
      : db.prepare(
          'INSERT INTO outbox_dropped (output, count) VALUES (?, ?) ON CONFLICT(output) DO UPDATE SET count = count + excluded.count',
        ),
    ack: readonly ? null : db.prepare('DELETE FROM outbox WHERE output = ? AND seq <= ?'),
    prune: readonly
      ? null
      : db.prepare(
          'DELETE FROM readings WHERE ts_ms < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.reading_id = readings.id)',
        ),
    peek: db.prepare(
      'SELECT o.seq AS seq, r.payload AS payload FROM outbox o LEFT JOIN readings r ON r.id = o.reading_id WHERE o.output = ? ORDER BY o.seq LIMIT ?',
    ),
    depths: db.prepare('SELECT output, COUNT(*) AS n FROM outbox GROUP BY output'),
    dropped: db.prepare('SELECT count FROM outbox_dropped WHERE output = ?'),
    range: db.prepare(
      'SELECT payload FROM readings WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, rowid LIMIT ?',
    ),
    latest: db.prepare(
      'SELECT payload FROM readings WHERE backfill = 0 ORDER BY ts_ms DESC, rowid DESC LIMIT 1',
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

  const insertTx = db.transaction((env: Envelope, outputs: readonly string[]) => {
    const t = now();
    const res = writable(st.insertReading).run(
      env.id,
      timeOf(env, t),
      env.meter,
      env.backfill ? 1 : 0,
      JSON.stringify(env),
    );
    if (res.changes === 0) return null;
    const drops = new Map<string, number>();
    for (const output of new Set(outputs)) {
      writable(st.insertOutbox).run(output, env.id);
      const excess = (depths.get(output) ?? 0) + 1 - outboxMax;
      if (excess > 0) {
        const gone = writable(st.dropOldest).run(output, excess).changes;
        writable(st.bumpDropped).run(output, gone);
        drops.set(output, gone);
      }
    }
    return drops;
  });

  let lastPrune = Number.NEGATIVE_INFINITY;
  const prune = (nowMs = now()): number =>
    guard('prune', () => {
      lastPrune = nowMs;
      return writable(st.prune).run(nowMs - retentionMs).changes;
    });

  const decode = (payload: string): Envelope => JSON.parse(payload) as Envelope;
  const bounds = (q: QueryOptions = {}): [number, number, number] => [
    q.since ?? Number.MIN_SAFE_INTEGER,
    q.until ?? Number.MAX_SAFE_INTEGER,
    q.limit ?? -1,
  ];

  const store: Store = {
    path,
    insert(env, outputs) {
      const drops = guard('insert', () => insertTx(env, outputs));
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
      const rows = guard('peek', () => st.peek.all(output, limit) as Row[]);
      const out: OutboxRow[] = [];
      for (const r of rows) {
        if (r.payload === null) {
          // An outbox row whose reading is gone cannot be delivered; clear it so the outbox drains.
          logger.warn(`outbox row ${r.seq} for ${output} has no reading; removed`);
          guard('ack', () => writable(st.ack).run(output, r.seq));
          depths.set(output, Math.max(0, (depths.get(output) ?? 0) - 1));
          continue;
        }
        out.push({ seq: r.seq, env: decode(r.payload) });
      }
      return out;
    },
    ack(output, seq) {
      const n = guard('ack', () => writable(st.ack).run(output, seq).changes);
      depths.set(output, Math.max(0, (depths.get(output) ?? 0) - n));
    },
    depth: (output) => depths.get(output) ?? 0,
    dropped(output) {
      const row = guard('dropped', () => st.dropped.get(output) as { count: number } | undefined);
      return row?.count ?? 0;
    },
    pendingOutputs: () => [...depths].filter(([, n]) => n > 0).map(([o]) => o),
    query: (q) =>
      guard('query', () =>
        (st.range.all(...bounds(q)) as { payload: string }[]).map((r) => decode(r.payload)),
      ),
    *iterate(q) {
      const it = guard(
        'query',
        () => st.range.iterate(...bounds(q)) as IterableIterator<{ payload: string }>,
      );
      for (const r of it) yield decode(r.payload);
    },
    latest() {
      const row = guard('latest', () => st.latest.get() as { payload: string } | undefined);
      return row ? decode(row.payload) : null;
    },
    prune,
    close() {
      if (db.open) db.close();
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
