import type { Config } from '../config/schema.js';
import { describeError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import type { Delivery } from '../sinks/delivery-api.js';
import type { Sink } from '../sinks/types.js';
import type { Store } from '../store/store.js';
import { attachBackfill } from './backfill-wiring.js';
import { type Clock, systemClock } from './clock.js';
import { cronSchedule, intervalSchedule, runLoop, type Schedule } from './scheduler.js';
import type { Notifier } from './sd-notify.js';
import { buildSinks } from './sinks.js';
import type { ReadingSource } from './types.js';

/** The `--http` server (src/http/): started after the source, told about each reading. */
export interface HttpHandle {
  onReading(env: Envelope): void;
  close(): Promise<void>;
}

export interface CollectorDeps {
  logger: Logger;
  /** The B-route session (or a fake in tests). */
  createSource(config: Config, logger: Logger): ReadingSource | Promise<ReadingSource>;
  /** The local database (history + outboxes); absent in unit tests. */
  openStore?(config: Config, logger: Logger): Store;
  /** The delivery (the store-backed outbox, sinks/delivery.ts). */
  createDelivery(args: {
    config: Config;
    sinks: Sink[];
    logger: Logger;
    store: Store | null;
  }): Delivery | Promise<Delivery>;
  /** Starts the `--http` server when configured. */
  startHttp?(args: {
    config: Config;
    source: ReadingSource;
    delivery: Delivery;
    store: Store | null;
    intervalMs: number;
    logger: Logger;
    /** History backfill progress, when a backfill runs. */
    backfill?: { daysLeft(): number | null };
  }): Promise<HttpHandle>;
  clock?: Clock;
  /** Aborting stops scheduling; the reading in progress finishes, then everything is flushed and closed. */
  signal: AbortSignal;
  /** Aborting interrupts the reading in progress (second signal). */
  hardSignal?: AbortSignal;
  /** How long to try delivering what is pending at shutdown (default 5 s). */
  flushMs?: number;
  /** systemd readiness/watchdog (Type=notify unit); nothing when absent. */
  notifier?: Pick<Notifier, 'ready' | 'stopping' | 'startWatchdogTimer'>;
}

export function scheduleOf(config: Config): Schedule {
  return config.mode === 'interval'
    ? intervalSchedule(config.interval)
    : cronSchedule(config.schedule, config.timezone);
}

/** The nominal time between two readings (health: "fresh" means within two of these). */
function intervalOf(schedule: Schedule, now: number): number {
  const first = schedule.first(now);
  return Math.max(1000, schedule.next(first) - first);
}

function summary(env: Envelope): string {
  const r = env.reading;
  return `reading ${r.timestamp}: ${r.instant_power_w ?? '-'} W, ${r.cumulative_power_kwh ?? '-'} kWh`;
}

/**
 * The run loop: at each slot take one reading and hand it to the delivery. Protocol errors
 * are logged (one line) and the loop goes on; CONFIG_INVALID is rethrown (fatal, exit 2).
 * Resolves once `signal` aborted and the reading in progress, the flush and the closes are done.
 */
export async function runCollector(config: Config, deps: CollectorDeps): Promise<void> {
  const logger = deps.logger;
  const clock = deps.clock ?? systemClock;
  const schedule = scheduleOf(config);
  const sinks = await buildSinks(config, logger);
  const store = deps.openStore ? deps.openStore(config, logger) : null;
  const delivery = await deps.createDelivery({ config, sinks, logger, store });
  let source: ReadingSource | null = null;
  let http: HttpHandle | null = null;
  let fatal: unknown = null;
  const stop = new AbortController();
  const onStop = (): void => {
    deps.notifier?.stopping();
    stop.abort();
  };
  deps.signal.addEventListener('abort', onStop, { once: true });
  if (deps.signal.aborted) stop.abort();

  logger.info(`collecting: ${schedule.describe()}; outputs: ${config.output.join(', ') || 'log only'}`);
  let stopWatchdog = (): void => {};
  try {
    source = await deps.createSource(config, logger);
    const src = source;
    const backfill =
      store && config.backfillDays > 0
        ? attachBackfill({ config, source: src, store, delivery, logger, clock })
        : null;
    if (config.http && deps.startHttp) {
      http = await deps.startHttp({
        config,
        source: src,
        delivery,
        store,
        intervalMs: intervalOf(schedule, clock.now()),
        logger,
        ...(backfill ? { backfill: { daysLeft: () => backfill.daysLeft() } } : {}),
      });
    }
    deps.notifier?.ready();
    stopWatchdog = deps.notifier?.startWatchdogTimer() ?? stopWatchdog;
    const tick = async (): Promise<void> => {
      let env: Envelope;
      try {
        env = await src.read(deps.hardSignal, stop.signal);
      } catch (e) {
        if (isHemsError(e, 'CONFIG_INVALID')) {
          fatal = e;
          stop.abort();
          return;
        }
        if (isHemsError(e, 'ABORTED') && stop.signal.aborted)
          logger.info('stopped: the reading in progress was abandoned');
        else logger.error(`reading failed: ${describeError(e)}`);
        return;
      }
      try {
        await delivery.submit(env);
      } catch (e) {
        logger.error(`delivery failed: ${describeError(e)}`);
      }
      // Logged once stored, so the line means the reading survives a kill.
      logger.info(summary(env));
      http?.onReading(env);
    };
    // Schedule mode: one reading at start, so a fresh install (or `--port sim`) shows data at
    // once and a wrong setting surfaces now, not at the next cron slot; then the cron slots.
    if (config.mode === 'schedule' && !stop.signal.aborted) await tick();
    // Missed half hours are read in the idle radio time between readings: a due live reading
    // is never kept waiting by the backfill (issue 15).
    const idle = backfill ? (next: number) => backfill.idle(next, stop.signal) : undefined;
    await runLoop({ schedule, clock, signal: stop.signal, logger, tick, ...(idle ? { idle } : {}) });
  } finally {
    stopWatchdog();
    deps.signal.removeEventListener('abort', onStop);
    // Ending the PANA session (SKTERM, bounded) runs alongside the flush: together they stay
    // within the unit's stop timeout.
    const closingSource = source
      ?.close()
      .catch((e: unknown) => logger.warn(`closing the meter failed: ${describeError(e)}`));
    await http
      ?.close()
      .catch((e: unknown) => logger.warn(`closing the HTTP server failed: ${describeError(e)}`));
    try {
      await delivery.flush(deps.flushMs ?? 5000);
    } catch (e) {
      logger.warn(`flush failed: ${describeError(e)}`);
    }
    await delivery.close().catch((e: unknown) => logger.warn(`closing outputs failed: ${describeError(e)}`));
    await closingSource;
    store?.close();
  }
  if (fatal !== null) throw fatal;
  logger.info('stopped');
}
