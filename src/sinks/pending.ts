/**
 * Readings the store could not take yet (disk full, a read-only or missing state dir, a damaged
 * file being replaced), held in memory in submit order in front of the store. While held, the
 * outputs deliver them from here; the buffer keeps trying to write them (with backoff, and at
 * every new write) and, once the store takes them, each goes into the history with an outbox
 * row for only the outputs that have not delivered it yet. Bounded: past `max` the oldest is
 * dropped, loudly.
 */
import { type Backoff, backoffDelay } from '../backoff.js';
import { describeError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { isStoreUnavailable } from '../store/live.js';
import type { Store } from '../store/store.js';

export interface Held {
  readonly env: Envelope;
  /** Outputs that still wait for it: they get an outbox row when it is written. */
  readonly outputs: Set<string>;
}

export interface PendingWritesOptions {
  store: Pick<Store, 'insert'>;
  logger?: Logger;
  /** Readings held at most; default 10,000 (a week at one a minute). */
  max?: number;
  /** Retry pace while the store fails; default 1 s doubling to 60 s. */
  backoff?: Backoff;
  /** Told after held readings went into the store (their outbox rows now exist). */
  onStored?: () => void;
}

export interface PendingWrites {
  /** Writes the reading (one outbox row per output) after those held, or holds it. */
  write(env: Envelope, outputs: readonly string[]): void;
  /** The readings held, oldest first. */
  held(): readonly Held[];
  /** `output` delivered a held reading. False when it was no longer held (it went into the
   *  store meanwhile, so that output has an outbox row for it). */
  delivered(env: Envelope, output: string): boolean;
  /** Writes what is held now; true when nothing is held any more. */
  retry(): boolean;
  /** Readings `output` lost because they were dropped from a full buffer. */
  droppedFor(output: string): number;
  state(): { held: number; dropped: number };
  close(): void;
}

export function createPendingWrites(o: PendingWritesOptions): PendingWrites {
  const log = o.logger ?? silentLogger;
  const max = Math.max(1, o.max ?? 10_000);
  const backoff = o.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const queue: Held[] = [];
  const droppedBy = new Map<string, number>();
  let dropped = 0;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = (): void => {
    if (closed || timer || queue.length === 0) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        flush();
      },
      backoffDelay(attempt, backoff),
    );
    timer.unref();
  };

  /** Writes held readings in order; stops at the first the store refuses. */
  const flush = (): boolean => {
    let stored = 0;
    while (queue.length > 0) {
      const h = queue[0] as Held;
      try {
        o.store.insert(h.env, [...h.outputs]);
      } catch (e) {
        attempt++;
        // An unavailable store said so itself, once, with the cause and what to do.
        if (attempt === 1 && !isStoreUnavailable(e)) {
          log.error(
            `could not store reading ${h.env.id}: ${describeError(e)}; holding it in memory and retrying (${queue.length} held)`,
          );
        } else {
          log.debug(`store still failing (attempt ${attempt}, ${queue.length} held): ${describeError(e)}`);
        }
        if (stored > 0) o.onStored?.();
        schedule();
        return false;
      }
      queue.shift();
      stored++;
    }
    if (attempt > 0) {
      log.info(`store takes readings again: the ${stored} reading(s) held in memory are now stored`);
      attempt = 0;
    }
    if (stored > 0) o.onStored?.();
    return true;
  };

  return {
    write(env, outputs) {
      if (queue.some((h) => h.env.id === env.id)) return; // a repeat of a reading already held
      queue.push({ env, outputs: new Set(outputs) });
      while (queue.length > max) {
        const gone = queue.shift() as Held;
        dropped++;
        for (const out of gone.outputs) droppedBy.set(out, (droppedBy.get(out) ?? 0) + 1);
        log.warn(
          `store unavailable and ${max} readings held in memory: dropped the oldest (${gone.env.reading.timestamp}), it will not be in the history${gone.outputs.size > 0 ? ` nor reach ${[...gone.outputs].join(', ')}` : ''}`,
          { dropped },
        );
      }
      flush();
    },
    held: () => queue,
    delivered(env, output) {
      const h = queue.find((x) => x.env === env);
      return h ? h.outputs.delete(output) : false;
    },
    retry: () => flush(),
    droppedFor: (output) => droppedBy.get(output) ?? 0,
    state: () => ({ held: queue.length, dropped }),
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
