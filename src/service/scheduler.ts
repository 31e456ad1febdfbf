import { Cron } from 'croner';
import type { Logger } from '../log.js';
import { fixedOffsetMinutes } from '../time/zone.js';
import type { Clock } from './clock.js';

/** When readings happen: `first(now)` is the first slot, `next(slot)` the one after `slot`. */
export interface Schedule {
  describe(): string;
  first(now: number): number;
  next(slot: number): number;
}

/** Cron slots evaluated in `timeZone` (e.g. `0 9 * * *` is 09:00 Asia/Tokyo). */
export function cronSchedule(expr: string, timeZone: string): Schedule {
  // A fixed-offset zone as an offset: croner then does plain arithmetic instead of using Intl.
  const fixed = fixedOffsetMinutes(timeZone);
  const cron = new Cron(
    expr,
    fixed === null ? { timezone: timeZone, paused: true } : { utcOffset: fixed, paused: true },
  );
  const after = (t: number): number => {
    const d = cron.nextRun(new Date(t));
    if (d === null) throw new Error(`the schedule "${expr}" has no future run`);
    return d.getTime();
  };
  return {
    describe: () => `schedule "${expr}" (${timeZone})`,
    first: (now) => after(now),
    next: (slot) => after(slot),
  };
}

/** Fixed slots `start + k·seconds`, measured from the start of each reading, so no drift. The first reading is at once. */
export function intervalSchedule(seconds: number): Schedule {
  const step = seconds * 1000;
  return {
    describe: () => `every ${seconds} s`,
    first: (now) => now,
    next: (slot) => slot + step,
  };
}

export interface LoopOptions {
  schedule: Schedule;
  clock: Clock;
  /** Aborting stops scheduling; the tick in progress is awaited, never interrupted. */
  signal: AbortSignal;
  tick: (slot: number) => Promise<void>;
  /**
   * Runs between a tick and the next slot, given that slot's time; it must be over by then
   * (history backfill uses the idle radio time this way).
   */
  idle?: (next: number) => Promise<void>;
  logger: Logger;
}

// setTimeout's largest delay; longer waits are taken in steps.
const MAX_SLEEP = 2 ** 31 - 1;

/**
 * Runs `tick` at each slot, one at a time. A tick that overruns later slots makes the loop
 * skip them (logged) rather than run two readings at once or catch up in a burst.
 */
export async function runLoop(o: LoopOptions): Promise<void> {
  const { schedule, clock, signal, logger } = o;
  let slot = schedule.first(clock.now());
  while (!signal.aborted) {
    for (let wait = slot - clock.now(); wait > 0 && !signal.aborted; wait = slot - clock.now()) {
      await clock.sleep(Math.min(wait, MAX_SLEEP), signal);
    }
    if (signal.aborted) break;
    await o.tick(slot);
    let next = schedule.next(slot);
    const now = clock.now();
    let skipped = 0;
    while (next < now) {
      skipped++;
      next = schedule.next(next);
    }
    if (skipped > 0) {
      logger.warn(`reading overran its slot; skipped ${skipped} slot${skipped === 1 ? '' : 's'}`, {
        next: new Date(next).toISOString(),
      });
    } else {
      logger.debug(() => `next reading at ${new Date(next).toISOString()}`);
    }
    slot = next;
    if (o.idle && !signal.aborted && next > clock.now()) await o.idle(next);
  }
}
