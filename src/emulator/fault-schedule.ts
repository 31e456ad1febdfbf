import type { FaultSwitches, TimedFault } from './faults.js';

export interface ScheduledActions {
  resetModule(): void;
  swapMeter(): void;
}

type Job = 'reset' | 'txLimit' | 'silent' | 'swap';

const JOB_OF: Readonly<Record<Exclude<TimedFault, 'reauthEvery'>, Job>> = {
  resetEvery: 'reset',
  txLimitEvery: 'txLimit',
  txLimitFor: 'txLimit',
  silentEvery: 'silent',
  silentFor: 'silent',
  swapAfter: 'swap',
};

/**
 * The periodic faults of the emulator as a whole (they outlive hosts and dongle resets): module
 * resets, transmit-time-limit windows, silent-meter windows and the one meter swap. Periods are
 * emulated seconds × latencyScale; a changed switch re-arms its job, counting from the change.
 */
export class FaultSchedule {
  /** Each job's interval or one-shot timer. */
  private readonly timers = new Map<Job, NodeJS.Timeout>();
  /** Open windows: the timer that closes it and how. */
  private readonly open = new Map<Job, { timer: NodeJS.Timeout; close: () => void }>();
  private stopped = false;

  constructor(
    private readonly faults: FaultSwitches,
    private readonly latencyScale: number,
    private readonly act: ScheduledActions,
  ) {}

  start(): void {
    for (const job of ['reset', 'txLimit', 'silent', 'swap'] as const) this.arm(job);
  }

  changed(key: TimedFault): void {
    if (key !== 'reauthEvery') this.arm(JOB_OF[key]);
  }

  stop(): void {
    this.stopped = true;
    for (const job of [...this.timers.keys(), ...this.open.keys()]) this.clear(job);
  }

  private arm(job: Job): void {
    this.clear(job);
    const f = this.faults;
    if (job === 'reset') this.run(job, f.resetEvery, setInterval, () => this.act.resetModule());
    else if (job === 'swap') this.run(job, f.swapAfter, setTimeout, () => this.act.swapMeter());
    else if (job === 'txLimit') {
      this.window(job, f.txLimitEvery, f.txLimitFor, (on) => {
        f.txLimit = on;
      });
    } else {
      this.window(job, f.silentEvery, f.silentFor, (on) => {
        f.meterSilent = on;
      });
    }
  }

  /** Real ms of `seconds` emulated seconds; null when the job is off or time is instant. */
  private realMs(seconds: number): number | null {
    if (this.stopped || !(seconds > 0) || !(this.latencyScale > 0)) return null;
    return Math.max(1, seconds * 1000 * this.latencyScale);
  }

  /** `fn` once or periodically after `seconds` (nothing when off). */
  private run(
    job: Job,
    seconds: number,
    timer: (fn: () => void, ms: number) => NodeJS.Timeout,
    fn: () => void,
  ): void {
    const ms = this.realMs(seconds);
    if (ms !== null) this.set(job, timer(fn, ms));
  }

  /** Every `period` s: on, then off `length` s later (ending before the next period starts). */
  private window(job: Job, period: number, length: number, set: (on: boolean) => void): void {
    const ms = this.realMs(period);
    const on = this.realMs(length);
    if (ms === null || on === null) return;
    const close = (): void => {
      this.open.delete(job);
      set(false);
    };
    this.set(
      job,
      setInterval(() => {
        set(true);
        const timer = setTimeout(close, Math.min(on, ms - 1));
        timer.unref();
        this.open.set(job, { timer, close });
      }, ms),
    );
  }

  private set(job: Job, t: NodeJS.Timeout): void {
    t.unref();
    this.timers.set(job, t);
  }

  /** Stops a job; a window it holds open closes now. */
  private clear(job: Job): void {
    const t = this.timers.get(job);
    if (t) clearTimeout(t);
    this.timers.delete(job);
    const w = this.open.get(job);
    if (w) {
      clearTimeout(w.timer);
      w.close();
    }
  }
}
