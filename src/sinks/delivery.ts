import { describeError, HemsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import type { Store } from '../store/store.js';
import { backoffDelay } from './backoff.js';
import { type Sink, SinkError } from './types.js';

export interface DeliveryOptions {
  store: Store;
  sinks: Sink[];
  logger?: Logger;
  /** Capped exponential backoff for remote outputs; default 1 s doubling up to 60 s. */
  backoff?: { baseMs: number; maxMs: number };
  /** Pace of retries after a non-retryable error (a configuration problem); default 5 min. */
  slowRetryMs?: number;
  /** Outbox rows read at a time. */
  batch?: number;
  /** Readings kept in memory per output while the store fails (oldest dropped, loudly). */
  memoryMax?: number;
  /** How long close() waits for a sink that does not give up its in-flight delivery; default 5 s. */
  closeGraceMs?: number;
}

export interface OutputStats {
  /** Undelivered readings: outbox rows plus any held in memory while the store fails. */
  depth: number;
  delivered: number;
  failures: number;
  /** Readings dropped by the outbox cap (persisted) or the in-memory bound. */
  dropped: number;
  lastError: string | null;
}

export interface Delivery {
  /** Stores the reading (one outbox row per output), then lets every output drain. Waits for
   *  the local outputs' attempt; remote ones drain in the background. Never throws for a sink. */
  submit(env: Envelope): Promise<void>;
  /** Waits until every outbox is empty (true) or `timeoutMs` passed (false). Remote outputs
   *  waiting out a retry backoff are retried at once (the slow retry of a rejection is kept). */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops the drainers and the sinks (an in-flight request is abandoned and redone next run). */
  close(): Promise<void>;
  stats(): Record<string, OutputStats>;
}

type Item = { seq: number; env: Envelope } | { seq: null; env: Envelope };

interface Drainer {
  sink: Sink;
  /** Wakes the drainer if it waits for work (or, for a local output, for the next cycle). */
  kick(): void;
  /** Cuts a retry backoff short (not the slow retry after a configuration problem): flush. */
  retryNow(): void;
  /** Resolves once the drainer has nothing left to do now or is waiting after a failure. */
  settled(): Promise<void>;
  isEmpty(): boolean;
  hold(env: Envelope): void;
  holds(env: Envelope): boolean;
  /** Forgets a held reading (it went into the store after all). */
  release(env: Envelope): void;
  stats(): OutputStats;
  wake(): void;
  done: Promise<void>;
}

/**
 * Delivery from the store's outbox: one drainer per output, each in order, each isolated
 * (a failing output never holds up another). A row is acknowledged only after the sink's
 * deliver resolved, so a crash repeats at most the in-flight reading.
 */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const { store } = opts;
  const logger = opts.logger ?? silentLogger;
  const backoff = opts.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const slowRetryMs = opts.slowRetryMs ?? 300_000;
  const batch = opts.batch ?? 32;
  const memoryMax = opts.memoryMax ?? 10_000;
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

  const makeDrainer = (sink: Sink): Drainer => {
    const log = logger.child(sink.name);
    const memory: Envelope[] = [];
    let buffer: Item[] = [];
    let ackedSeq = 0;
    let unackedSeq: number | null = null;
    let delivered = 0;
    let failures = 0;
    let memDropped = 0;
    let attempt = 0;
    let lastError: string | null = null;
    const loudOnce = new Set<string>();
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
      if (!loudOnce.has(msg)) {
        loudOnce.add(msg);
        log.error(msg);
      }
    };

    const next = (): Item | null => {
      if (unackedSeq !== null) {
        try {
          store.ack(sink.name, unackedSeq);
          unackedSeq = null;
        } catch (e) {
          storeTrouble('ack', e);
        }
      }
      if (buffer.length === 0) {
        try {
          buffer = store.peek(sink.name, batch).filter((r) => r.seq > ackedSeq);
        } catch (e) {
          storeTrouble('read', e);
          buffer = [];
        }
      }
      const row = buffer.shift();
      if (row) return row;
      const env = memory[0];
      return env ? { seq: null, env } : null;
    };

    const onFailure = async (e: unknown): Promise<void> => {
      failures++;
      attempt++;
      const msg = describeError(e);
      const permanent = e instanceof SinkError && !e.retryable;
      if (permanent) {
        if (!loudOnce.has(msg)) {
          loudOnce.add(msg);
          log.error(`output ${sink.name} rejected a reading, will retry slowly: ${msg}`);
        }
      } else if (msg !== lastError) {
        log.warn(`output ${sink.name} failed, will retry: ${msg}`, { depth: stats().depth });
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
        if (attempt > 0) log.info(`output ${sink.name} delivers again after ${attempt} failed attempt(s)`);
        attempt = 0;
        if (item.seq === null) {
          const i = memory.indexOf(item.env);
          if (i >= 0) memory.splice(i, 1);
        } else {
          ackedSeq = item.seq;
          try {
            store.ack(sink.name, item.seq);
          } catch (e) {
            unackedSeq = item.seq;
            storeTrouble('ack', e);
          }
        }
        checkFlush();
      }
      settle();
    };

    const stats = (): OutputStats => ({
      depth: safe(() => store.depth(sink.name), 0) + memory.length,
      delivered,
      failures,
      dropped: safe(() => store.dropped(sink.name), 0) + memDropped,
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
      isEmpty: () => memory.length === 0 && safe(() => store.depth(sink.name), 0) === 0,
      hold(env) {
        memory.push(env);
        if (memory.length > memoryMax) {
          memory.shift();
          memDropped++;
          log.warn(
            `store unavailable and ${memoryMax} readings held in memory for ${sink.name}: dropped the oldest`,
          );
        }
      },
      holds: (env) => memory.includes(env),
      release(env) {
        const i = memory.indexOf(env);
        if (i >= 0) memory.splice(i, 1);
      },
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
  /** Readings that only live in memory (the store failed), in submit order. */
  let unstored: Envelope[] = [];

  /** Moves readings held in memory into the store once it works again; false while it still fails. */
  const rescue = (): boolean => {
    while (unstored.length > 0) {
      const env = unstored[0] as Envelope;
      const holders = drainers.filter((d) => d.holds(env));
      if (holders.length > 0) {
        try {
          store.insert(
            env,
            holders.map((d) => d.sink.name),
          );
        } catch {
          return false;
        }
        for (const d of holders) d.release(env);
        logger.info(`reading ${env.id} held in memory is now stored`);
      }
      unstored.shift();
    }
    return true;
  };

  return {
    async submit(env) {
      if (closed) throw new HemsError('ABORTED', 'delivery is closed');
      // Held readings go into the store before this one, so the outbox order stays the submit order.
      unstored = unstored.filter((e) => drainers.some((d) => d.holds(e)));
      try {
        if (!rescue()) throw new HemsError('STORE_FAILED', 'the store still fails');
        store.insert(env, names);
      } catch (e) {
        logger.error(`could not store reading ${env.id}, delivering from memory: ${describeError(e)}`);
        for (const d of drainers) d.hold(env);
        unstored.push(env);
      }
      for (const d of drainers) d.kick();
      await Promise.all(drainers.filter((d) => !d.sink.remote).map((d) => d.settled()));
    },
    flush(timeoutMs) {
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
      if (!rescue()) {
        const n = unstored.filter((e) => drainers.some((d) => d.holds(e))).length;
        logger.error(`closing with ${n} undelivered reading(s) that the store could not take: they are lost`);
      }
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
