/**
 * Turns the meter's decoded values into records: the 30-minute rule from consecutive
 * fixed-time values (EA, also pushed by INF), kept in slots.json, with the day history (E2) as
 * the fallback, and the check that keeps history days named by the right date (§C.2).
 */
import type { HistoryOptions, MeterSample, MeterSource } from '../broute/api.js';
import { unitMultiplier } from '../echonet/meter.js';
import { describeError, HemsError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import { addDays, type HistoryConstants } from '../reading/backfill.js';
import { buildReading, fixedTimeToPoint } from '../reading/build.js';
import { toKwh } from '../reading/energy.js';
import { meterToday, nearMidnight, sameDay } from '../reading/history-days.js';
import type { Envelope } from '../reading/record.js';
import {
  advanceSlots,
  type CalendarDay,
  currentRecent,
  EMPTY_SLOT_STATE,
  HALF_HOUR_MS,
  localDays,
  needsYesterday,
  type RecentSlot,
  recentFromHistory,
  type SlotPoint,
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

  /**
   * A day for the backfill, which names days by our date: refused near midnight, and when the
   * meter's date (0x98, or else its latest EA) is not ours, so nothing is stored a day off.
   */
  async readHistoryDay(
    day: number,
    signal?: AbortSignal,
    opts?: HistoryOptions,
  ): Promise<{ day: number; raw: (number | null)[] }> {
    const tz = this.o.timezone;
    const ours = () => localDays(this.now(), tz).today;
    if (nearMidnight(this.now(), tz)) throw postponed('our clock is near midnight');
    const h = await this.source.readHistoryDay(day, signal, opts);
    const theirs = meterToday({
      meterDates: [h.meterDate],
      nowMs: this.now(),
      lastFixedMs: this.recentFixedMs(),
      timezone: tz,
    });
    if (!theirs || !sameDay(theirs, ours())) {
      throw postponed(`the meter's day (${h.meterDate ?? 'unknown'}) is not ours (${dateText(ours())})`);
    }
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
        this.history = { slotAt, recent: await this.recentFromHistory(sample, fixed, signal) };
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

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  /** The latest EA on the time line, if read in the last half hour. */
  private recentFixedMs(): number | null {
    const ref = this.meterDay;
    return ref && Math.abs(this.now() - ref.hostMs) <= HALF_HOUR_MS ? ref.meterMs : null;
  }

  /**
   * Today's (and, right after midnight, yesterday's) history → the latest half hour (§C.2),
   * its days named by the meter's own date (history-days.ts). A slot later than the latest EA
   * would mean the days were named wrong: dropped, like a lookup that cannot name them.
   */
  private async recentFromHistory(sample: MeterSample, fixed: SlotPoint | null, signal?: AbortSignal) {
    const tz = this.o.timezone;
    try {
      const today = await this.source.readHistoryDay(0, signal);
      const yesterday = needsYesterday(today) ? await this.source.readHistoryDay(1, signal) : null;
      const meterDay = meterToday({
        meterDates: [today.meterDate, yesterday?.meterDate ?? null],
        nowMs: sample.atMs,
        lastFixedMs: fixed?.atMs ?? null,
        timezone: tz,
      });
      if (!meterDay) {
        this.log.debug(
          "the meter's date is not certain around midnight; the 30-minute value waits for the next EA",
        );
        return null;
      }
      const days = { today: meterDay, yesterday: addDays(meterDay, -1) };
      const found = recentFromHistory(today, yesterday, days, tz, sample.constants.digits);
      if (!found || (fixed && found.last.atMs > fixed.atMs)) return null;
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

const dateText = (d: CalendarDay): string =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

function postponed(why: string): HemsError {
  return new HemsError('METER_BAD_RESPONSE', `history read postponed: ${why}`, { postponed: true });
}
