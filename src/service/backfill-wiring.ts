import type { Config } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { isStoreUnavailable } from '../store/live.js';
import { type BackfillStore, createBackfiller, type HistoryAccess } from './backfill.js';
import type { Clock } from './clock.js';
import type { Delivery } from './delivery.js';
import type { ReadingSource } from './types.js';

/** A source that can read the meter's half-hour history (the B-route session). */
type HistorySource = ReadingSource & HistoryAccess & { joins(): number };

function hasHistory(source: ReadingSource): source is HistorySource {
  const s = source as Partial<HistorySource>;
  return typeof s.readHistoryDay === 'function' && typeof s.joins === 'function';
}

export interface BackfillHook {
  /** One bounded backfill step after a live reading, until caught up; again after every rejoin. */
  afterReading(signal?: AbortSignal): Promise<void>;
}

export function attachBackfill(args: {
  config: Config;
  source: ReadingSource;
  store: BackfillStore;
  delivery: Delivery;
  logger: Logger;
  clock: Pick<Clock, 'now'>;
}): BackfillHook | null {
  const { config, source, logger } = args;
  if (!hasHistory(source)) return null;
  const log = logger.child('backfill');
  const backfiller = createBackfiller({
    access: source,
    store: args.store,
    submit: (env) => args.delivery.submit(env),
    timezone: config.timezone,
    backfillDays: config.backfillDays,
    logger,
    clock: args.clock,
  });
  let done = false;
  let joinsSeen = -1;
  return {
    async afterReading(signal) {
      const joins = source.joins();
      if (joins !== joinsSeen) {
        joinsSeen = joins;
        done = false;
      }
      if (done) return;
      try {
        const r = await backfiller.runCycle(signal);
        done = r.done;
        if (r.slots > 0) log.info(`recovered ${r.slots} half-hour slot(s) from the meter's history`);
      } catch (e) {
        const msg = `history backfill step failed, will retry after the next reading: ${describeError(e)}`;
        // The store said once itself that it is unavailable; backfill waits for it quietly.
        if (isStoreUnavailable(e)) log.debug(msg);
        else log.warn(msg);
      }
    },
  };
}
