import { lastHalfHour, localMidnight } from './local-time.js';
import { type MeterModel, NO_DATA } from './meter-model.js';

/** The meter's clock error and how late it latches the half-hour values (issue 15). */
export interface ClockQuirks {
  /** Meter wall clock minus the host's, ms (may be negative). */
  skewMs: number;
  /** How long after each :00/:30 of its own clock the meter shows the new slot, ms. */
  updateDelayMs: number;
}

/**
 * The meter's own view of time. Energy flows in true (host) time — the MeterModel — while the
 * meter stamps and latches by its own, skewed clock: EA/EB and the E2/E4 slots hold the counter
 * at the true instant its clock read :00/:30, and become visible `updateDelayMs` later. Day
 * numbering (E5) and 0x97/0x98 follow the meter's clock at once.
 */
export class MeterClock {
  constructor(
    private readonly model: MeterModel,
    private readonly quirks: () => ClockQuirks,
  ) {}

  /** The meter's wall clock as epoch ms. */
  now(): number {
    return this.model.now() + this.quirks().skewMs;
  }

  get timeZone(): string {
    return this.model.timeZone;
  }

  /** The latest :00/:30 (meter clock) whose values the meter already shows (EA/EB, last E2 slot). */
  latched(meterNow = this.now()): number {
    return lastHalfHour(meterNow - this.quirks().updateDelayMs, this.model.timeZone);
  }

  /**
   * The latest latched :00/:30 whose EA/EB notification is due: it goes out 60–240 s (varying
   * per slot) after the new values show (§B.3 "within ~5 minutes").
   */
  dueNotification(meterNow = this.now()): number {
    const b = this.latched(meterNow);
    const shownFor = meterNow - this.quirks().updateDelayMs - b;
    const wait = 60_000 + (((b / 1_800_000) * 2654435761) % 180) * 1000;
    return shownFor >= wait ? b : b - 1_800_000;
  }

  /** The counter when the meter's clock read `meterMs` (NO_DATA before the meter was installed). */
  counterAt(meterMs: number, reverse = false): number {
    const at = meterMs - this.quirks().skewMs;
    const installed = this.model.options.installedAt;
    return installed !== null && at < installed ? NO_DATA : this.model.counterAt(at, reverse);
  }

  /** E2/E4 of `day` days before the meter's today: 48 slots, NO_DATA for slots not latched yet. */
  history(day: number, reverse: boolean, meterNow = this.now()): number[] {
    const midnight = localMidnight(meterNow, this.model.timeZone, day);
    const last = this.latched(meterNow);
    const out: number[] = [];
    for (let i = 0; i < 48; i++) {
      const at = midnight + i * 1_800_000;
      out.push(at > last ? NO_DATA : this.counterAt(at, reverse));
    }
    return out;
  }
}
