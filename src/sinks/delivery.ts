import type { Backoff } from '../backoff.js';
import { describeError, HemsError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Delivery, OutputStats } from './delivery-api.js';
import { Drainer } from './drainer.js';
import { storeRead } from './outbox-cursor.js';
import { createPendingWrites } from './pending.js';
import { REMOTE_RETRY, type Sink } from './types.js';

export interface DeliveryOptions {
  store: Store;
  sinks: Sink[];
  logger?: Logger;
  /** Retry pace of remote outputs; default REMOTE_RETRY (1 s doubling up to 10 s, jitter). */
  backoff?: Backoff;
  /** Pace of retries after a rejection (OUTPUT_REJECTED, a configuration problem); default 5 min. */
  slowRetryMs?: number;
  /** Outbox rows read at a time. */
  batch?: number;
  /** Readings held in memory while the store fails (oldest dropped, loudly); default 10,000. */
  memoryMax?: number;
  /** Retry pace of the writes held while the store fails; default 1 s doubling to 60 s. */
  storeBackoff?: Backoff;
  /** How long close() waits for a sink that does not give up its in-flight delivery; default 5 s. */
  closeGraceMs?: number;
  /** While an output keeps failing, a reminder line this often; default 10 min. */
  remindEveryMs?: number;
}

/**
 * Delivery from the store's outbox: one drainer per output (drainer.ts), each in order, each
 * isolated (a failing output never holds up another). A row is acknowledged only after the
 * sink's deliver resolved, so a crash repeats at most the in-flight reading. While the store
 * fails, readings wait in memory (pending.ts) and the outputs deliver them from there; once
 * stored, they get outbox rows only for the outputs that have not had them.
 */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const { store } = opts;
  const logger = opts.logger ?? silentLogger;
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

  // Readings the store could not take yet; once it does, the outputs read their outbox rows.
  const pending = createPendingWrites({
    store,
    logger,
    ...(opts.memoryMax !== undefined ? { max: opts.memoryMax } : {}),
    ...(opts.storeBackoff ? { backoff: opts.storeBackoff } : {}),
    onStored: () => kickAll(),
  });

  for (const s of opts.sinks) {
    const n = storeRead(() => store.depth(s.name), 0);
    if (n > 0)
      logger.info(`output ${s.name}: ${n} undelivered reading(s) from a previous run, delivering first`);
  }
  for (const output of storeRead(() => store.pendingOutputs(), [])) {
    if (!names.includes(output as Sink['name'])) {
      logger.warn(
        `${store.depth(output)} reading(s) wait for output ${output}, which is not configured; kept`,
      );
    }
  }
  const drainers = opts.sinks.map(
    (sink) =>
      new Drainer(sink, {
        store,
        pending,
        log: logger.child(sink.name),
        backoff: opts.backoff ?? REMOTE_RETRY,
        slowRetryMs: opts.slowRetryMs ?? 300_000,
        remindEveryMs: opts.remindEveryMs ?? 600_000,
        batch: opts.batch ?? 32,
        onProgress: checkFlush,
      }),
  );
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
      for (const d of drainers) d.stop();
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
