/**
 * The half hour around :00 / :30 and midnight (issue 15 §1): the meter latches EA and E2 some
 * minutes late, and its clock is minutes ahead of or behind ours. Against the emulator
 * (`meterUpdateDelay`, `meterClockSkew`), every record's recent_30min_timestamp must be the
 * slot its value belongs to, never a later slot than the latest EA, and no slot may come out
 * twice with different values — in a continuous run and right after restarts.
 */
import { describe, expect, it } from 'vitest';
import type { Faults } from '../../src/emulator/index.js';
import { toKwh } from '../../src/reading/energy.js';
import type { Envelope } from '../../src/reading/record.js';
import { tempDir } from '../support/temp.js';
import { type Rig, rig } from './emu-rig.js';

const MIN = 60_000;
/** Boundaries in JST: midnight (2026-05-21 00:00), 00:30, and noon. */
const BOUNDARIES = [
  ['00:00', Date.UTC(2026, 4, 20, 15, 0)],
  ['00:30', Date.UTC(2026, 4, 20, 15, 30)],
  ['12:00', Date.UTC(2026, 4, 21, 3, 0)],
] as const;

/** What a record says of its half hour, checked against the emulated meter's counters. */
function check(records: Envelope[], faults: Partial<Faults>, counterAt: (trueMs: number) => number): void {
  const skew = (faults.meterClockSkew ?? 0) * 1000;
  const bySlot = new Map<string, number>();
  for (const env of records) {
    const r = env.reading;
    if (r.recent_30min_timestamp === null) continue;
    const slot = Date.parse(r.recent_30min_timestamp);
    expect(slot % (30 * MIN)).toBe(0);
    // The meter latched slot T (its clock) at the true instant T − skew.
    const expected = toKwh(counterAt(slot - skew) - counterAt(slot - 30 * MIN - skew), 1, 0x01);
    expect(r.recent_30min_consumption_kwh, `slot ${r.recent_30min_timestamp} at ${r.timestamp}`).toBe(
      expected,
    );
    if (r.historical_timestamp !== null) expect(slot).toBeLessThanOrEqual(Date.parse(r.historical_timestamp));
    const seen = bySlot.get(r.recent_30min_timestamp);
    if (seen !== undefined) expect(r.recent_30min_consumption_kwh).toBe(seen);
    bySlot.set(r.recent_30min_timestamp, r.recent_30min_consumption_kwh!);
  }
}

/** One reading from a fresh start (no saved state) at each offset (minutes) from `boundary`. */
async function freshStarts(
  r: Rig,
  boundary: number,
  offsets: readonly number[],
  faults: Partial<Faults>,
): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (const offset of offsets) {
    const fresh = await rig('BP35A1', { faults, emulator: r.emu, dir: tempDir('hems-edge-') });
    fresh.now.ms = boundary + offset * MIN;
    r.now.ms = fresh.now.ms; // the emulated meter's clock
    out.push(await fresh.session.read());
    await fresh.session.close();
  }
  return out;
}

describe.each([0, 2, 10])('EA and E2 latched %i minute(s) late', (lateMinutes) => {
  describe.each([5, -5])('meter clock %i minutes off', (skewMinutes) => {
    const faults: Partial<Faults> = { meterUpdateDelay: lateMinutes * 60, meterClockSkew: skewMinutes * 60 };
    for (const [name, boundary] of BOUNDARIES) {
      it(`around ${name}: a continuous run and fresh starts label every half hour right`, async () => {
        // Continuous: from 40 minutes before to 25 minutes after, a reading every 2 minutes.
        const r = await rig('BP35A1', { faults, dir: tempDir('hems-edge-') });
        const records: Envelope[] = [];
        for (let t = boundary - 40 * MIN; t <= boundary + 25 * MIN; t += 2 * MIN) {
          r.now.ms = t;
          records.push(await r.session.read());
        }
        // Fresh starts (no saved state: the day history is the only source) near the boundary.
        records.push(...(await freshStarts(r, boundary, [-8, -3, 1, 4, 8, 12], faults)));
        check(records, faults, (ms) => r.emu.meter.counterAt(ms));
        // The continuous run has its 30-minute value again once the new slot is latched.
        const last = records[(65 / 2) | 0]!;
        expect(last.reading.recent_30min_timestamp).not.toBeNull();
      });
    }
  });
});

describe('without the meter’s date (0x98 refused)', () => {
  it('around midnight the history is not used to name a half hour; nothing comes out a day off', async () => {
    const faults: Partial<Faults> = { meterUpdateDelay: 600, meterClockSkew: 300, busy: { '98': 1_000_000 } };
    const boundary = BOUNDARIES[0][1];
    const first = await rig('BP35A1', { faults, dir: tempDir('hems-edge-') });
    const records = await freshStarts(first, boundary, [-8, -3, 1, 4, 8, 12, 25, 40], faults);
    check(records, faults, (ms) => first.emu.meter.counterAt(ms));
    // Away from midnight the history names the days by our date again.
    expect(records.at(-1)!.reading.recent_30min_timestamp).not.toBeNull();
  });
});
