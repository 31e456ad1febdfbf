import { type ClockQuirks, MeterClock } from './meter-clock.js';
import { MeterModel, type MeterOptions } from './meter-model.js';
import { MeterObject } from './meter-object.js';
import { hex } from './output.js';
import { linkLocalOf } from './profiles.js';

/**
 * The meter behind the radio. It can be swapped for another one (issue: a meter replaced by the
 * utility): a new MAC, PAN ID and channel, its own counters; the old address no longer answers.
 */
export class MeterSite {
  model: MeterModel;
  object: MeterObject;
  clock: MeterClock;
  private swaps = 0;

  constructor(
    options: Partial<MeterOptions>,
    private readonly timeZone: string,
    private readonly now: () => number,
    private readonly quirks: () => ClockQuirks,
    private readonly busy: (epc: number) => boolean,
  ) {
    [this.model, this.clock, this.object] = this.build(options);
  }

  /** The meter's link-local address. */
  get ip(): string {
    return linkLocalOf(this.model.options.mac);
  }

  /**
   * Replaces the meter; `over` may set anything, the rest is a plausible new identity whose
   * counter reads a few kWh now (unless `over.startEnergyKwh` says otherwise).
   */
  swap(over: Partial<MeterOptions>): void {
    this.swaps++;
    const options = {
      ...this.model.options,
      ...replacementOf(this.model.options, this.swaps),
      installedAt: this.now(),
      ...over,
    };
    if (over.startEnergyKwh === undefined) {
      // startEnergyKwh counts from the model's origin: subtract what the curve used until now.
      const used = new MeterModel({ ...options, startEnergyKwh: 0 }, this.timeZone, this.now).energyAt(
        this.now(),
      );
      options.startEnergyKwh -= used;
    }
    [this.model, this.clock, this.object] = this.build(options);
  }

  private build(options: Partial<MeterOptions>): [MeterModel, MeterClock, MeterObject] {
    const model = new MeterModel(options, this.timeZone, this.now);
    const clock = new MeterClock(model, this.quirks);
    return [model, clock, new MeterObject(model, clock, this.busy)];
  }
}

/** Another meter: new MAC (PAN ID = its last 4 digits, as often seen, §A.6), another channel, fresh counters. */
export function replacementOf(old: MeterOptions, n: number): Partial<MeterOptions> {
  const tail = (Number.parseInt(old.mac.slice(-4), 16) + 0x1111 * n) & 0xffff;
  const mac = old.mac.slice(0, 12) + hex(tail, 4);
  return {
    mac,
    panId: tail,
    channel: 0x21 + ((old.channel - 0x21 + 5) % 28),
    coefficient: 10,
    startEnergyKwh: 3.5 * n,
    seed: old.seed + 7919 * n,
    serial: `EMU${String(n + 1).padStart(7, '0')}`,
  };
}
