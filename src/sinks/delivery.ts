import { type Backoff, backoffDelay } from '../backoff.js';
import { describeError, HemsError, isHemsError, isOutputFailure } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { isStoreUnavailable } from '../store/live.js';
import type { OutboxRow, Store } from '../store/store.js';
import type { Delivery, OutputStats } from './delivery-api.js';
import { createPendingWrites } from './pending.js';
import { REMOTE_RETRY, type Sink } from './types.js';

export interface DeliveryOptions {
  store: Store;
  sinks: Sink[];
  logger?: Logger;
  /** Retry pace of remote outputs; default REMOTE_RETRY (1 s doubling up to 10 s, jitter). */
  backoff?: Backoff;
  /** Pace of retries after a non-retryable error (a configuration problem); default 5 min. */
  slowRetryMs?: number;
  /** Outbox rows read at a time. */
  batch?: number;
  /** Readings held in memory while the store fails (oldest dropped, loudly); default 10,000. */
  memoryMax?: number;
  /** Retry pace of the writes held while the store fails; default 1 s doubling to 60 s. */
  storeBackoff?: { baseMs: number; maxMs: number };
  /** How long close() waits for a sink that does not give up its in-flight delivery; default 5 s. */
  closeGraceMs?: number;
  /** While an output keeps failing, a reminder line this often; default 10 min. */
  remindEveryMs?: number;
}

/** An outbox row (with the store generation it was read from), or a reading held in memory. */
type Item = { seq: number; gen: number; env: Envelope } | { seq: null; env: Envelope };

/** Ids remembered per output as delivered outside their outbox row; bounded. */
const SKIP_MAX = 10_000;
/** Longest failure cause in a log line: the line stays readable, whatever a library put in it. */
const CAUSE_MAX_CHARS = 160;

/** The first line of a failure, whitespace collapsed, cut to CAUSE_MAX_CHARS. An output's own
 *  failure is its message alone: the line already says which output failed. */
function cause(e: unknown): string {
  const text = (isOutputFailure(e) ? e.message : describeError(e)).replace(/\s+/g, ' ').trim();
  return text.length > CAUSE_MAX_CHARS ? `${text.slice(0, CAUSE_MAX_CHARS - 1)}…` : text;
}

/** 20.4 s, 12.5 min, 3.2 h. */
function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

interface Drainer {
  sink: Sink;
  /** Wakes the drainer if it waits for work (or, for a local output, for the next cycle). */
  kick(): void;
  /** Cuts a retry backoff short (not the slow retry after a configuration problem): flush. */
  retryNow(): void;
  /** Resolves once the drainer has nothing left to do now or is waiting after a failure. */
  settled(): Promise<void>;
  isEmpty(): boolean;
  stats(): OutputStats;
  wake(): void;
  done: Promise<void>;
}

/**
 * Delivery from the store's outbox: one drainer per output, each in order, each isolated
 * (a failing output never holds up another). A row is acknowledged only after the sink's
 * deliver resolved, so a crash repeats at most the in-flight reading. While the store fails,
 * readings wait in memory (pending.ts) and the outputs deliver them from there; once stored,
 * they get outbox rows only for the outputs that have not had them.
 */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const { store } = opts;
  const logger = opts.logger ?? silentLogger;
  const backoff = opts.backoff ?? REMOTE_RETRY;
  const slowRetryMs = opts.slowRetryMs ?? 300_000;
  const remindEveryMs = opts.remindEveryMs ?? 600_000;
  const batch = opts.batch ?? 32;
  const names = opts.sinks.map((s) => s.name);
  if (new Set(names).size !== names.length) {
    throw new HemsError('CONFIG_INVALID', `an output is given twice: ${names.join(', ')}`);
  }
  let closed = false;
  const flushWaiters = new Set<() => void>();
  const checkFlush = (): void => {
    if (flushWaiters.size === 0) return;
    if (closed || drainers.every((d) => d.isEmpty())) for (const w of [...flushWaiters]) w();
  };

  const safe = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };

  const generation = (): number => safe(() => store.generation?.() ?? 0, 0);
  // Readings the store could not take yet; once it does, the outputs read their outbox rows.
  const pending = createPendingWrites({
    store,
    logger,
    ...(opts.memoryMax !== undefined ? { max: opts.memoryMax } : {}),
    ...(opts.storeBackoff ? { backoff: opts.storeBackoff } : {}),
    onStored: () => kickAll(),
  });

  const makeDrainer = (sink: Sink): Drainer => {
    const log = logger.child(sink.name);
    let buffer: OutboxRow[] = [];
    let gen = generation();
    let ackedSeq = 0;
    let unackedSeq: number | null = null;
    /** Readings this output delivered from memory (or from a file since replaced) whose outbox
     *  row may still turn up: acknowledged without sending them again. */
    const skip = new Set<string>();
    let delivered = 0;
    let failures = 0;
    let attempt = 0;
    let lastError: string | null = null;
    const loudOnce = new Set<string>();
    /** The outage in progress: since its first failed attempt; when it was last reminded of. */
    let down: { since: number; remindedAt: number } | null = null;
    /** Delivering again after an outage: announced in one line once the backlog is through. */
    let back: { downMs: number; attempts: number; caughtUp: number } | null = null;
    let wakeup: (() => void) | null = null;
    let wakeOnKick = false;
    let inBackoff = false;
    let waiting = false;
    let settleWaiters: (() => void)[] = [];

    const settle = (): void => {
      const ws = settleWaiters;
      settleWaiters = [];
      for (const w of ws) w();
      checkFlush();
    };

    const pause = (ms: number | null, kickable: boolean, backoff = false): Promise<void> =>
      new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        waiting = true;
        wakeOnKick = kickable;
        inBackoff = backoff;
        wakeup = () => {
          if (timer) clearTimeout(timer);
          wakeup = null;
          waiting = false;
          inBackoff = false;
          resolve();
        };
        if (ms !== null) timer = setTimeout(() => wakeup?.(), ms);
        settle();
      });

    const storeTrouble = (op: string, e: unknown): void => {
      const msg = `store ${op} for ${sink.name} failed: ${describeError(e)}`;
      // An unavailable store was already reported, once, by the store itself.
      if (isStoreUnavailable(e)) log.debug(msg);
      else if (!loudOnce.has(msg)) {
        loudOnce.add(msg);
        log.error(msg);
      }
    };

    const remember = (id: string): void => {
      skip.add(id);
      if (skip.size > SKIP_MAX) skip.delete(skip.values().next().value as string);
    };

    const ackRow = (seq: number): void => {
      try {
        store.ack(sink.name, seq);
        unackedSeq = null;
      } catch (e) {
        unackedSeq = seq;
        storeTrouble('ack', e);
      }
    };

    /** A new database file under the same path: its seqs start over. */
    const followGeneration = (): void => {
      const g = generation();
      if (g === gen) return;
      gen = g;
      buffer = [];
      ackedSeq = 0;
      unackedSeq = null;
    };

    const next = (): Item | null => {
      followGeneration();
      if (unackedSeq !== null) ackRow(unackedSeq);
      while (true) {
        if (buffer.length === 0) {
          try {
            buffer = store.peek(sink.name, batch).filter((r) => r.seq > ackedSeq);
          } catch (e) {
            storeTrouble('read', e);
            buffer = [];
          }
        }
        const row = buffer.shift();
        if (!row) break;
        if (skip.delete(row.env.id)) {
          ackedSeq = row.seq;
          ackRow(row.seq);
          continue;
        }
        return { seq: row.seq, gen, env: row.env };
      }
      const held = pending.held().find((h) => h.outputs.has(sink.name));
      return held ? { seq: null, env: held.env } : null;
    };

    const heldHere = (): number => {
      let n = 0;
      for (const h of pending.held()) if (h.outputs.has(sink.name)) n++;
      return n;
    };

    const announceBack = (): void => {
      if (!back) return;
      log.info(
        `output ${sink.name}: delivering again after ${duration(back.downMs)} down and ${back.attempts} failed attempt(s); ${back.caughtUp} reading(s) caught up`,
      );
      back = null;
    };

    /** First failure of an outage: one line at once. Repeats are counted (debug lines), with a
     *  reminder every `remindEveryMs`; the recovery line gives the total. */
    const onFailure = async (e: unknown): Promise<void> => {
      failures++;
      attempt++;
      const msg = cause(e);
      const permanent = isHemsError(e, 'OUTPUT_REJECTED');
      announceBack();
      const now = Date.now();
      if (!down) down = { since: now, remindedAt: now };
      if (permanent) {
        if (!loudOnce.has(msg)) {
          loudOnce.add(msg);
          log.error(`output ${sink.name} rejected a reading, will retry slowly: ${msg}`);
        }
      } else if (attempt === 1) {
        log.warn(`output ${sink.name} failed, will retry: ${msg}`, { depth: stats().depth });
      } else if (now - down.remindedAt >= remindEveryMs) {
        down.remindedAt = now;
        log.warn(
          `output ${sink.name} still failing after ${attempt} attempt(s), ${duration(now - down.since)} down: ${msg}`,
          { depth: stats().depth },
        );
      } else {
        log.debug(`output ${sink.name} still failing (attempt ${attempt}): ${msg}`);
      }
      lastError = msg;
      buffer = [];
      if (permanent) await pause(slowRetryMs, false);
      else if (sink.remote) await pause(backoffDelay(attempt, backoff), false, true);
      else await pause(null, true);
    };

    const loop = async (): Promise<void> => {
      let started = false;
      while (!closed) {
        if (!started) {
          try {
            await sink.start?.();
            started = true;
          } catch (e) {
            await onFailure(e);
            continue;
          }
        }
        const item = next();
        if (!item) {
          announceBack();
          await pause(null, true);
          continue;
        }
        try {
          await sink.deliver(item.env);
        } catch (e) {
          if (closed) break;
          await onFailure(e);
          continue;
        }
        delivered++;
        if (down) {
          back = { downMs: Date.now() - down.since, attempts: attempt, caughtUp: 0 };
          down = null;
        }
        if (back) back.caughtUp++;
        attempt = 0;
        if (item.seq === null) {
          // Written meanwhile (with a row for this output): that row must not send it again.
          if (!pending.delivered(item.env, sink.name)) remember(item.env.id);
        } else if (item.gen !== generation()) {
          remember(item.env.id); // its row was carried into the new file
        } else {
          ackedSeq = item.seq;
          ackRow(item.seq);
        }
        checkFlush();
      }
      announceBack();
      settle();
    };

    const stats = (): OutputStats => ({
      depth: safe(() => store.depth(sink.name), 0) + heldHere(),
      delivered,
      failures,
      dropped: safe(() => store.dropped(sink.name), 0) + pending.droppedFor(sink.name),
      deadLetters: safe(() => store.deadLetters(sink.name), 0),
      lastError,
    });

    const drainer: Drainer = {
      sink,
      kick() {
        if (waiting && wakeOnKick) wakeup?.();
      },
      retryNow() {
        if (waiting && inBackoff) wakeup?.();
      },
      wake() {
        wakeup?.();
      },
      settled() {
        if (closed || (waiting && !wakeOnKick)) return Promise.resolve();
        return new Promise((resolve) => settleWaiters.push(resolve));
      },
      isEmpty: () => heldHere() === 0 && safe(() => store.depth(sink.name), 0) === 0,
      stats,
      done: Promise.resolve(),
    };
    drainer.done = loop();
    return drainer;
  };

  for (const s of opts.sinks) {
    const n = safe(() => store.depth(s.name), 0);
    if (n > 0)
      logger.info(`output ${s.name}: ${n} undelivered reading(s) from a previous run, delivering first`);
  }
  for (const output of safe(() => store.pendingOutputs(), [])) {
    if (!names.includes(output as Sink['name'])) {
      logger.warn(
        `${store.depth(output)} reading(s) wait for output ${output}, which is not configured; kept`,
      );
    }
  }
  const drainers = opts.sinks.map(makeDrainer);
  const kickAll = (): void => {
    for (const d of drainers) d.kick();
  };
  return {
    async submit(env) {
      if (closed) throw new HemsError('ABORTED', 'delivery is closed');
      pending.write(env, names);
      kickAll();
      await Promise.all(drainers.filter((d) => !d.sink.remote).map((d) => d.settled()));
    },
    flush(timeoutMs) {
      pending.retry();
      // A remote output may have come back during a long backoff: try it now, not after the flush.
      for (const d of drainers) {
        d.kick();
        d.retryNow();
      }
      return new Promise<boolean>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          clearTimeout(timer);
          flushWaiters.delete(done);
          resolve(drainers.every((d) => d.isEmpty()));
        };
        flushWaiters.add(done);
        timer = setTimeout(done, timeoutMs);
        checkFlush();
      });
    },
    async close() {
      if (closed) return;
      if (!pending.retry()) {
        const n = pending.state().held;
        logger.error(
          `closing with ${n} reading(s) held in memory that the store could not take: they are not in the history, and outputs that had not delivered them lose them`,
        );
      }
      pending.close();
      closed = true;
      for (const d of drainers) d.wake();
      await Promise.all(
        drainers.map(async (d) => {
          try {
            await d.sink.stop();
          } catch (e) {
            logger.warn(`stopping output ${d.sink.name} failed: ${describeError(e)}`);
          }
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.closeGraceMs ?? 5000);
      });
      await Promise.race([Promise.all(drainers.map((d) => d.done)), grace]);
      clearTimeout(timer);
      checkFlush();
    },
    stats() {
      const out: Record<string, OutputStats> = {};
      for (const d of drainers) out[d.sink.name] = d.stats();
      return out;
    },
  };
}
