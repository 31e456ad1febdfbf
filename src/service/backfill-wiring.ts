import type { Config } from '../config/schema.js';
import { describeError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Delivery } from '../sinks/delivery-api.js';
import { isStoreUnavailable } from '../store/live.js';
import { type BackfillStore, createBackfiller, type HistoryAccess } from './backfill.js';
import type { Clock } from './clock.js';
import type { ReadingSource } from './types.js';

/** A source that can read the meter's half-hour history (the B-route session). */
type HistorySource = ReadingSource & HistoryAccess & { joins(): number };

function hasHistory(source: ReadingSource): source is HistorySource {
  const s = source as Partial<HistorySource>;
  return typeof s.readHistoryDay === 'function' && typeof s.joins === 'function';
}

export interface BackfillHook {
  /**
   * Reads missed history in the idle radio time before `until` (the next live reading), one
   * request at a time, never past it; again after every rejoin, until caught up.
   */
  idle(until: number, signal?: AbortSignal): Promise<void>;
  /** Days of history still to recover; 0 when caught up, null before the first plan. */
  daysLeft(): number | null;
}

/** Time kept free before the next live reading. */
const IDLE_MARGIN_MS = 200;

export function attachBackfill(args: {
  config: Config;
  source: ReadingSource;
  store: BackfillStore;
  delivery: Pick<Delivery, 'submit'>;
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
  let left: number | null = null;
  return {
    daysLeft: () => left,
    async idle(until, signal) {
      const joins = source.joins();
      if (joins !== joinsSeen) {
        joinsSeen = joins;
        done = false;
      }
      // Only with a session up: joining or waiting out a limit is not idle radio time.
      if (done || source.status().state !== 'up') return;
      try {
        // `until` is on the schedule's clock; the session measures request time on the real one.
        const deadline = Date.now() + (until - args.clock.now()) - IDLE_MARGIN_MS;
        const r = await backfiller.runCycle(signal, { deadline });
        done = r.done;
        if (r.slots > 0) log.info(`recovered ${r.slots} half-hour slot(s) from the meter's history`);
        if (r.daysLeft !== left) {
          if (r.daysLeft > 0) log.info(`recovering history: ${r.daysLeft} day(s) left`);
          else if (left !== null) log.info('history recovered: no half hour of the window is missing');
          left = r.daysLeft;
        }
      } catch (e) {
        const msg = `history backfill step failed, will retry in the next idle time: ${describeError(e)}`;
        // The store said once itself that it is unavailable; backfill waits for it quietly. A
        // read postponed around midnight is expected once a night.
        if (isStoreUnavailable(e) || (isHemsError(e) && e.context.postponed === true)) log.debug(msg);
        else log.warn(msg);
      }
    },
  };
}
