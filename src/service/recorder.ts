/**
 * Turns the meter's decoded values into records: the 30-minute rule from consecutive
 * fixed-time values (EA, also pushed by INF), kept in slots.json, with the day history (E2) as
 * the fallback, and the check that keeps history days named by the right date (§C.2).
 */
import type { MeterSample, MeterSource } from '../broute/api.js';
import { unitMultiplier } from '../echonet/meter.js';
import { describeError, HemsError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HistoryConstants } from '../reading/backfill.js';
import { buildReading, fixedTimeToPoint } from '../reading/build.js';
import { toKwh } from '../reading/energy.js';
import type { Envelope } from '../reading/record.js';
import {
  advanceSlots,
  currentRecent,
  EMPTY_SLOT_STATE,
  HALF_HOUR_MS,
  localDays,
  needsYesterday,
  type RecentSlot,
  recentFromHistory,
  type SlotState,
} from '../reading/slots.js';
import type { HistoryAccess } from './backfill.js';
import { loadSlots, saveSlots } from './slot-file.js';
import type { ReadingSource } from './types.js';

export interface Recorder extends ReadingSource, HistoryAccess {
  /** Successful PANA joins so far: a change means a reconnection happened (backfill again). */
  joins(): number;
}

export interface RecorderOptions {
  source: MeterSource;
  stateDir: string;
  /** IANA zone of the meter's wall clock (EA times). */
  timezone: string;
  logger: Logger;
  /** The clock the session stamps readings with (tests move it). */
  clock?: () => number;
}

export function createRecorder(o: RecorderOptions): Recorder {
  return new SlotRecorder(o);
}

class SlotRecorder implements Recorder {
  private readonly source: MeterSource;
  private readonly log: Logger;
  private slots: SlotState = EMPTY_SLOT_STATE;
  private savedSlots: string | null = null;
  private slotsFor: string | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** The history fallback's answer, asked at most once per fixed-time slot. */
  private history: { slotAt: number; recent: RecentSlot | null } | null = null;
  /** The latest EA time (meter clock) and when we read it (our clock). */
  private meterDay: { meterMs: number; hostMs: number } | null = null;

  constructor(private readonly o: RecorderOptions) {
    this.source = o.source;
    this.log = o.logger.child('reading');
    this.source.onNotice((n) => {
      const point = fixedTimeToPoint(n.fixed, o.timezone);
      const digits = this.source.constants()?.digits;
      if (!point || digits === undefined || this.slotsFor !== n.meter) return;
      this.slots = advanceSlots(this.slots, point, digits);
      this.saveSlotsSoon(n.meter);
    });
  }

  status() {
    return this.source.status();
  }

  meter(): string | null {
    return this.source.meter();
  }

  joins(): number {
    return this.source.joins();
  }

  constants(): HistoryConstants | null {
    const c = this.source.constants();
    const unit = c ? unitMultiplier(c.unitCode) : null;
    return c && unit !== null ? { coefficient: c.coefficient, unit, digits: c.digits } : null;
  }

  async readHistoryDay(day: number, signal?: AbortSignal): Promise<{ day: number; raw: (number | null)[] }> {
    this.checkMeterDay();
    const h = await this.source.readHistoryDay(day, signal);
    return { day, raw: h.raw };
  }

  async read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<Envelope> {
    const sample = await this.source.read(signal, waitSignal);
    const now = sample.atMs;
    const fixed = fixedTimeToPoint(sample.fixed, this.o.timezone);
    if (fixed) this.meterDay = { meterMs: fixed.atMs, hostMs: now };
    await this.ensureSlotsLoaded(sample.meter);
    if (fixed) this.slots = advanceSlots(this.slots, fixed, sample.constants.digits);
    let recent = currentRecent(this.slots);
    const slotAt = this.slots.last?.atMs ?? -1;
    if (!recent) {
      if (this.history?.slotAt !== slotAt) {
        // E5=0 is the meter's today: name the days by the meter's clock (its EA time) when
        // known, so a skew across midnight does not shift every slot by a day (§C.2).
        const dayRef = fixed?.atMs ?? now;
        this.history = { slotAt, recent: await this.recentFromHistory(sample, dayRef, signal) };
      }
      recent = this.history.recent;
    }
    this.saveSlotsSoon(sample.meter);
    return this.envelope(sample, fixed, recent);
  }

  async close(): Promise<void> {
    await this.source.close();
    await this.saving;
  }

  private envelope(
    sample: MeterSample,
    fixed: ReturnType<typeof fixedTimeToPoint>,
    recent: RecentSlot | null,
  ): Envelope {
    const { coefficient, unitCode } = sample.constants;
    return {
      id: `${sample.meter}-${sample.atMs}`,
      meter: sample.meter,
      backfill: false,
      reading: buildReading({
        now: sample.atMs,
        constants: sample.constants,
        instantPowerW: sample.instantPowerW,
        currents: sample.currents,
        cumulativeRaw: sample.cumulativeRaw,
        fixed,
        recent,
      }),
      extras:
        sample.reverseRaw === null
          ? {}
          : { cumulative_reverse_kwh: toKwh(sample.reverseRaw, coefficient, unitCode) },
    };
  }

  /**
   * Callers name E5 days by our clock; E5 counts from the meter's today (§C.2). While the
   * meter's latest EA day differs from our local day (clock skew across midnight, a host clock
   * that is off), a history day would be stored under the wrong date: refuse until they agree.
   */
  private checkMeterDay(): void {
    const ref = this.meterDay;
    const now = (this.o.clock ?? Date.now)();
    if (!ref || Math.abs(now - ref.hostMs) > HALF_HOUR_MS) return;
    const ours = localDays(now, this.o.timezone).today;
    const theirs = localDays(ref.meterMs, this.o.timezone).today;
    if (ours.year !== theirs.year || ours.month !== theirs.month || ours.day !== theirs.day) {
      throw new HemsError(
        'METER_BAD_RESPONSE',
        `the meter's day (${theirs.year}-${theirs.month}-${theirs.day}) differs from ours; history read postponed`,
      );
    }
  }

  /** Today's (and, right after midnight, yesterday's) history → the latest half hour (§C.2). */
  private async recentFromHistory(sample: MeterSample, dayRef: number, signal?: AbortSignal) {
    try {
      const today = await this.source.readHistoryDay(0, signal);
      const yesterday = needsYesterday(today) ? await this.source.readHistoryDay(1, signal) : null;
      const found = recentFromHistory(
        today,
        yesterday,
        localDays(dayRef, this.o.timezone),
        this.o.timezone,
        sample.constants.digits,
      );
      if (!found) return null;
      const last = this.slots.last;
      if (!last || found.last.atMs > last.atMs) this.slots = { last: found.last, recent: found.recent };
      else if (found.last.atMs === last.atMs) this.slots = { last, recent: found.recent };
      return found.recent;
    } catch (e) {
      // The reading itself is good: it goes out without the 30-minute value this time.
      if (!isHemsError(e) || e.code === 'ABORTED') throw e;
      this.log.warn(`30-minute history unavailable: ${describeError(e)}`);
      return null;
    }
  }

  private async ensureSlotsLoaded(meter: string): Promise<void> {
    if (this.slotsFor === meter) return;
    this.slotsFor = meter;
    this.history = null;
    this.slots = (await loadSlots(this.o.stateDir, meter)) ?? EMPTY_SLOT_STATE;
    this.savedSlots = `${meter} ${JSON.stringify(this.slots)}`;
  }

  /** Writes slots.json only when it changed (twice an hour, not every reading: SD-card wear). */
  private saveSlotsSoon(meter: string): void {
    const state = this.slots;
    const key = `${meter} ${JSON.stringify(state)}`;
    if (key === this.savedSlots) return;
    this.savedSlots = key;
    this.saving = this.saving
      .then(() => saveSlots(this.o.stateDir, meter, state))
      .catch((e: unknown) => this.log.warn(`cannot save the 30-minute state: ${describeError(e)}`));
  }
}
