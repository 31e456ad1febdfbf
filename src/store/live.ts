/**
 * The store as the collector uses it for years: never fatal. It opens the database when it can
 * (a damaged file is moved aside by openStore), says once in one line what is wrong, where and
 * what to do when it cannot, opens it again when a write is attempted later, and notices a
 * database file deleted or replaced under it (checked before each write and hourly).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, HemsError, isHemsError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { type StoreProblem, storeProblem } from './diagnose.js';
import { openStore, STORE_FILE, type Store, type StoreOptions } from './store.js';

export interface StoreStatus {
  /** The database is open and the last write worked. */
  up: boolean;
  path: string;
  /** Why not, in a few words (`disk full at …`); null while up. */
  problem: string | null;
}

export interface LiveStore extends Store {
  status(): StoreStatus;
  /** Checks that the file on disk is still the one open; a deleted or replaced one is reopened. */
  checkFile(): void;
}

export interface LiveStoreOptions extends Omit<StoreOptions, 'readonly' | 'verify'> {
  /** How often the file is checked while nothing is written (default hourly). */
  checkEveryMs?: number;
}

/** The error every use of the store gets while it is unavailable (`context.unavailable`). */
function unavailable(problem: StoreProblem | null, path: string): HemsError {
  return new HemsError('STORE_FAILED', `store unavailable: ${problem?.summary ?? path}`, {
    path,
    unavailable: true,
  });
}

export function isStoreUnavailable(e: unknown): boolean {
  return isHemsError(e, 'STORE_FAILED') && e.context.unavailable === true;
}

/** Kinds of failure after which the open connection is not trusted any more. */
const DROP_CONNECTION = new Set<StoreProblem['kind']>(['corrupt', 'io']);

export function openLiveStore(opts: LiveStoreOptions): LiveStore {
  const path = join(opts.dir, STORE_FILE);
  const log = opts.logger ?? silentLogger;
  let current: Store | null = null;
  /** device:inode of the open file. */
  let openedAs: string | null = null;
  let problem: StoreProblem | null = null;
  let logged: string | null = null;
  let verifyNext = false;
  let generation = 0;
  let closed = false;
  /** Undelivered outbox rows of a deleted file, for the next file that opens. */
  let carry: { env: Envelope; outputs: string[] }[] = [];

  const fileId = (): string | null => {
    try {
      const s = statSync(path);
      return `${s.dev}:${s.ino}`;
    } catch {
      return null;
    }
  };

  const fail = (e: unknown): StoreProblem => {
    const p = storeProblem(e, path);
    problem = p;
    if (logged !== p.summary) {
      logged = p.summary;
      log.error(
        `store unavailable: ${p.summary}: ${p.hint}; readings are still delivered and held in memory until it can be written`,
        { path, kind: p.kind },
      );
    }
    return p;
  };

  const works = (): void => {
    if (problem) log.info(`store works again: ${path}`);
    problem = null;
    logged = null;
  };

  /** Opens the file; `announce`: say so when readings of a vanished file are placed now. */
  const open = (announce = true): Store | null => {
    try {
      current = openStore({ ...opts, verify: verifyNext });
    } catch (e) {
      fail(e);
      return null;
    }
    verifyNext = false;
    openedAs = fileId();
    generation++;
    if (carry.length > 0) {
      const s = current;
      const n = carry.length;
      carry = carry.filter((c) => {
        try {
          s.insert(c.env, c.outputs);
          return false;
        } catch {
          return true;
        }
      });
      if (announce) log.info(`${n - carry.length} undelivered reading(s) carried over into the new ${path}`);
    }
    return current;
  };

  /** Undelivered rows of `s` in outbox order, one entry per reading with the outputs it waits for. */
  const undelivered = (s: Store): { env: Envelope; outputs: string[] }[] => {
    const byId = new Map<string, { seq: number; env: Envelope; outputs: string[] }>();
    for (const output of s.pendingOutputs()) {
      for (const row of s.peek(output, s.depth(output))) {
        const e = byId.get(row.env.id);
        if (e) e.outputs.push(output);
        else byId.set(row.env.id, { seq: row.seq, env: row.env, outputs: [output] });
      }
    }
    return [...byId.values()].sort((a, b) => a.seq - b.seq).map(({ env, outputs }) => ({ env, outputs }));
  };

  const checkFile = (): void => {
    if (closed) return;
    if (!current) {
      // Nothing open (start-up failure, nothing written since): a slow retry of its own.
      open();
      return;
    }
    const now = fileId();
    if (now === openedAs) return;
    const old = current;
    // The old file is still readable through the open connection: keep what waits for an
    // output (a promise to deliver), not the history (deleting the file may have been meant).
    try {
      carry = [...carry, ...undelivered(old)];
    } catch (e) {
      log.debug(`reading the outboxes of the vanished file failed: ${describeError(e)}`);
    }
    old.close();
    current = null;
    const carried = carry.length;
    log.warn(
      now === null
        ? `${path} was deleted while running: starting a new database there (${carried} undelivered reading(s) carried over; the history before is not in it)`
        : `${path} was replaced while running: using the new file (${carried} undelivered reading(s) carried over)`,
      { path },
    );
    open(false);
  };

  const timer = setInterval(() => checkFile(), opts.checkEveryMs ?? 3_600_000);
  timer.unref();

  /** Runs `fn` on the open store; failures that mean a damaged file drop the connection. */
  const use = <T>(fn: (s: Store) => T): T => {
    const s = current;
    if (!s) throw unavailable(problem, path);
    try {
      return fn(s);
    } catch (e) {
      const kind = storeProblem(e, path).kind;
      if (DROP_CONNECTION.has(kind)) {
        fail(e);
        verifyNext = kind === 'corrupt';
        s.close();
        if (current === s) current = null;
      }
      throw e;
    }
  };

  open();

  return {
    path,
    insert(env, outputs) {
      checkFile();
      if (!current) throw unavailable(problem, path);
      try {
        const stored = use((x) => x.insert(env, outputs));
        works();
        return stored;
      } catch (e) {
        fail(e);
        throw unavailable(problem, path);
      }
    },
    peek: (output, limit) => use((s) => s.peek(output, limit)),
    ack: (output, seq) => use((s) => s.ack(output, seq)),
    depth: (output) => use((s) => s.depth(output)),
    dropped: (output) => use((s) => s.dropped(output)),
    deadLetters: (output) => use((s) => s.deadLetters(output)),
    pendingOutputs: () => use((s) => s.pendingOutputs()),
    query: (q) => use((s) => s.query(q)),
    *iterate(q, onBad) {
      yield* use((s) => s.iterate(q, onBad));
    },
    latest: () => use((s) => s.latest()),
    prune: (nowMs) => use((s) => s.prune(nowMs)),
    generation: () => generation,
    status: () => ({ up: current !== null && problem === null, path, problem: problem?.summary ?? null }),
    checkFile,
    close() {
      closed = true;
      clearInterval(timer);
      current?.close();
      current = null;
    },
  };
}
