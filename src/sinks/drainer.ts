import { type Backoff, backoffDelay } from '../backoff.js';
import { isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { OutputStats } from './delivery-api.js';
import { cause, OutageLog } from './outage-log.js';
import { OutboxCursor, storeRead } from './outbox-cursor.js';
import type { PendingWrites } from './pending.js';
import type { Sink } from './types.js';

export interface DrainerOptions {
  store: Store;
  pending: PendingWrites;
  /** The output's own logger. */
  log: Logger;
  /** Retry pace of a remote output. */
  backoff: Backoff;
  /** Pace of retries after a rejection (a configuration problem). */
  slowRetryMs: number;
  /** While the output keeps failing, a reminder line this often. */
  remindEveryMs: number;
  /** Outbox rows read at a time. */
  batch: number;
  /** Told after each delivery and each time the drainer stops to wait (flush checks the outboxes). */
  onProgress(): void;
}

/**
 * What a drainer is doing: delivering (or starting its sink); waiting for work, woken by a kick
 * (a new reading or a flush; a local output that failed waits here too, the next reading
 * retries it); waiting out a remote output's retry backoff, which only a flush cuts short;
 * waiting out the slow retry after a rejection; or stopped.
 */
type State = 'delivering' | 'waiting-for-work' | 'backing-off' | 'slow-retry' | 'stopped';

/**
 * Delivers one output's outbox, in order, one reading at a time, isolated from the other
 * outputs. A reading counts as delivered only once the sink's deliver resolved.
 */
export class Drainer {
  /** Resolves once the loop has ended (after stop()). */
  readonly done: Promise<void>;
  private state: State = 'delivering';
  /** Ends the current wait (set while waiting). */
  private wakeUp: (() => void) | null = null;
  private settleWaiters: (() => void)[] = [];
  private readonly cursor: OutboxCursor;
  private readonly outage: OutageLog;
  private delivered = 0;
  private failures = 0;
  private lastError: string | null = null;

  constructor(
    readonly sink: Sink,
    private readonly o: DrainerOptions,
  ) {
    this.cursor = new OutboxCursor(sink.name, o.store, o.pending, o.log, o.batch);
    this.outage = new OutageLog(sink.name, o.log, o.remindEveryMs);
    this.done = this.run();
  }

  /** New work: wakes the drainer if it waits for some. */
  kick(): void {
    if (this.state === 'waiting-for-work') this.wake();
  }

  /** Cuts a retry backoff short (not the slow retry after a rejection): flush. */
  retryNow(): void {
    if (this.state === 'backing-off') this.wake();
  }

  /** Ends the loop; an attempt in flight is left to the sink's stop(). */
  stop(): void {
    this.state = 'stopped';
    this.wake();
  }

  /** Resolves once the drainer is not delivering: nothing left to do now, or waiting after a failure. */
  settled(): Promise<void> {
    if (this.state !== 'delivering') return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  isEmpty(): boolean {
    return this.cursor.isEmpty();
  }

  stats(): OutputStats {
    const { store, pending } = this.o;
    const name = this.sink.name;
    return {
      depth: this.cursor.depth(),
      delivered: this.delivered,
      failures: this.failures,
      dropped: storeRead(() => store.dropped(name), 0) + pending.droppedFor(name),
      deadLetters: storeRead(() => store.deadLetters(name), 0),
      lastError: this.lastError,
      failing: this.outage.attempts > 0,
    };
  }

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private async run(): Promise<void> {
    let started = false;
    while (!this.stopped) {
      try {
        if (!started) {
          await this.sink.start?.();
          started = true;
        }
      } catch (e) {
        if (this.stopped) break;
        await this.failed(e);
        continue;
      }
      const item = this.cursor.next();
      if (!item) {
        this.outage.caughtUp();
        await this.wait('waiting-for-work', null);
        continue;
      }
      try {
        await this.sink.deliver(item.env);
      } catch (e) {
        if (this.stopped) break;
        await this.failed(e);
        continue;
      }
      this.delivered++;
      this.outage.delivered();
      this.cursor.delivered(item);
      this.o.onProgress();
    }
    this.outage.caughtUp();
    this.settle();
  }

  private async failed(e: unknown): Promise<void> {
    this.failures++;
    const msg = cause(e);
    const rejected = isHemsError(e, 'OUTPUT_REJECTED');
    this.outage.failed(msg, rejected, () => this.cursor.depth());
    this.lastError = msg;
    this.cursor.rewind();
    if (rejected) await this.wait('slow-retry', this.o.slowRetryMs);
    else if (this.sink.remote)
      await this.wait('backing-off', backoffDelay(this.outage.attempts, this.o.backoff));
    else await this.wait('waiting-for-work', null);
  }

  /** Waits in `state` until woken (kick, flush, stop) or, with `ms`, until it has passed. */
  private wait(state: Exclude<State, 'delivering' | 'stopped'>, ms: number | null): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(() => this.wake(), ms);
      this.state = state;
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        if (!this.stopped) this.state = 'delivering';
        resolve();
      };
      this.settle();
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private settle(): void {
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const w of waiters) w();
    this.o.onProgress();
  }
}
