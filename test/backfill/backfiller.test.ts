import { describe, expect, it } from 'vitest';
import { MeterModel, NO_DATA } from '../../src/emulator/index.js';
import { HemsError, isHemsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { planBackfill } from '../../src/reading/backfill.js';
import { counterDelta } from '../../src/reading/energy.js';
import type { Envelope } from '../../src/reading/record.js';
import { type BackfillerOptions, createBackfiller, type HistoryAccess } from '../../src/service/backfill.js';

const TZ = 'Asia/Tokyo';
const METER = '001C6400036E8CF5';
const HH = 1_800_000;
// 2026-05-20 14:10:07 JST
const NOW = Date.UTC(2026, 4, 20, 5, 10, 7);

/**
 * The emulator's meter model answering E5/E2 directly (no radio): the history is the
 * model's, `blank` slots (UTC ms) answer "no data" to simulate a meter that lost them.
 */
class ModelAccess implements HistoryAccess {
  readonly reads: number[] = [];
  readonly blank = new Set<number>();
  connected = true;
  echoOffset = 0;
  constructor(
    readonly model: MeterModel,
    readonly clock: { ms: number },
  ) {}
  meter(): string | null {
    return this.connected ? METER : null;
  }
  constants() {
    return this.connected ? { coefficient: 1, unit: 0.1, digits: 6 } : null;
  }
  /** Requests that fit before a deadline (each request "takes" 1); resets when a day is read. */
  budget = Number.POSITIVE_INFINITY;
  async readHistoryDay(day: number, _signal?: AbortSignal, opts: { deadline?: number } = {}) {
    if (opts.deadline !== undefined && this.budget-- <= 0) {
      throw new HemsError('ABORTED', 'no idle radio time left', { deferred: true });
    }
    this.reads.push(day);
    const midnight = planBackfill({ now: this.clock.ms, timezone: TZ, backfillDays: 99, have: new Set() })
      .find((p) => p.day === day)!
      .slots.find((s) => s.index === 0)!.atMs;
    const raw = this.model
      .history(day, false, this.clock.ms)
      .map((v, i) => (v === NO_DATA || this.blank.has(midnight + i * HH) ? null : v));
    return { day: day + this.echoOffset, raw };
  }
}

function setup(over: Partial<BackfillerOptions> = {}, have: Envelope[] = []) {
  const clock = { ms: NOW };
  const model = new MeterModel({}, TZ, () => clock.ms);
  const access = new ModelAccess(model, clock);
  const stored: Envelope[] = [...have];
  const b = createBackfiller({
    access,
    store: {
      query: ({ since = -Infinity, until = Infinity }) =>
        stored.filter((e) => {
          const t = Date.parse(e.reading.timestamp);
          return t >= since && t < until;
        }),
    },
    submit: async (env) => {
      stored.push(env);
    },
    timezone: TZ,
    logger: silentLogger,
    clock: { now: () => clock.ms },
    ...over,
  });
  return { b, access, stored, clock, model };
}

/** A live record covering the slot `atMs` (its recent_30min_timestamp). */
function live(atMs: number): Envelope {
  const t = `${new Date(atMs).toISOString().slice(0, 19)}+00:00`;
  return {
    id: `live-${atMs}`,
    meter: METER,
    backfill: false,
    reading: {
      timestamp: `${new Date(atMs + 60_000).toISOString().slice(0, 23)}000+00:00`,
      cumulative_power_kwh: 1,
      instant_power_w: 1,
      current_a: 1,
      current_r_a: 1,
      current_t_a: null,
      historical_timestamp: t,
      historical_cumulative_power_kwh: 1,
      recent_30min_timestamp: t,
      recent_30min_consumption_kwh: 1,
    },
    extras: {},
  };
}

describe('createBackfiller', () => {
  it('bounds the days read per cycle and submits in time order', async () => {
    const { b, access, stored } = setup({ maxDaysPerCycle: 3 });
    expect(await b.runCycle()).toMatchObject({ slots: expect.any(Number), done: false });
    expect(access.reads).toEqual([7, 6, 5]);
    expect((await b.runCycle()).done).toBe(false);
    expect(await b.runCycle()).toMatchObject({ slots: 48 + 29, done: true, daysLeft: 0 });
    expect(access.reads).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    const times = stored.map((e) => Date.parse(e.reading.timestamp));
    expect(times).toHaveLength(7 * 48);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(
      stored.every((e) => e.backfill && e.id === `${METER}-slot-${Date.parse(e.reading.timestamp)}`),
    ).toBe(true);
  });

  it('reads the day before when a gap starts at slot 0 (its slot 47 is the predecessor)', async () => {
    const midnight = Date.UTC(2026, 4, 19, 15, 0); // 00:00 JST on the 20th
    const window = planBackfill({ now: NOW, timezone: TZ, backfillDays: 7, have: new Set() }).flatMap((p) =>
      p.slots.map((s) => s.atMs),
    );
    const { b, access, stored, model } = setup({}, window.filter((ms) => ms < midnight).map(live));
    const first = await b.runCycle();
    expect(first).toMatchObject({ slots: 0, done: false });
    expect(access.reads).toEqual([1]);
    expect(await b.runCycle()).toMatchObject({ slots: 29, done: true, daysLeft: 0 });
    expect(access.reads).toEqual([1, 0]);
    const slot0 = stored.find((e) => e.backfill && Date.parse(e.reading.timestamp) === midnight)!;
    const delta = counterDelta(model.counterAt(midnight - HH), model.counterAt(midnight), 6);
    expect(slot0.reading.recent_30min_consumption_kwh).toBe(delta / 10);
  });

  it('gives up old slots without data and asks again for recent ones later', async () => {
    const oldSlot = Date.UTC(2026, 4, 18, 1, 0); // 10:00 JST two days ago
    const newest = Date.UTC(2026, 4, 20, 5, 0); // 14:00 JST, 10 minutes ago
    const { b, access, stored, clock } = setup({ maxDaysPerCycle: 8, retryMs: 600_000 });
    access.blank.add(oldSlot).add(newest);
    expect(await b.runCycle()).toMatchObject({ slots: 7 * 48 - 2, done: true, daysLeft: 0 });
    expect(await b.runCycle()).toMatchObject({ slots: 0, done: true, daysLeft: 0 });
    expect(access.reads).toHaveLength(8);
    access.blank.clear();
    clock.ms += 600_000; // 14:20:07, still in the same half hour
    expect(await b.runCycle()).toMatchObject({ slots: 1, done: true, daysLeft: 0 });
    expect(access.reads.slice(8)).toEqual([0]);
    expect(Date.parse(stored.at(-1)!.reading.timestamp)).toBe(newest);
    expect(stored.some((e) => Date.parse(e.reading.timestamp) === oldSlot)).toBe(false);
  });

  it('does not read again what it submitted in this run when the store could not keep it (disk full)', async () => {
    const submitted: Envelope[] = [];
    // A store that keeps nothing, as a full disk does: every slot still looks missing to a query.
    const { b, access } = setup({
      maxDaysPerCycle: 8,
      store: { query: () => [] },
      submit: async (env) => {
        submitted.push(env);
      },
    });
    expect(await b.runCycle()).toMatchObject({ slots: 7 * 48, done: true, daysLeft: 0 });
    expect(await b.runCycle()).toMatchObject({ slots: 0, done: true, daysLeft: 0 });
    expect(access.reads).toHaveLength(8);
    expect(new Set(submitted.map((e) => e.id)).size).toBe(submitted.length);
  });

  it('does nothing when disabled or before the meter is known', async () => {
    const off = setup({ backfillDays: 0 });
    expect(await off.b.runCycle()).toMatchObject({ slots: 0, done: true, daysLeft: 0 });
    expect(off.access.reads).toEqual([]);
    const early = setup();
    early.access.connected = false;
    expect(await early.b.runCycle()).toMatchObject({ slots: 0, done: false });
    expect(early.access.reads).toEqual([]);
  });

  it('rejects a history for another day than the one asked (E5 not applied)', async () => {
    const { b, access, stored } = setup();
    access.echoOffset = 1;
    const err = await b.runCycle().catch((e: unknown) => e);
    expect(isHemsError(err, 'METER_BAD_RESPONSE')).toBe(true);
    expect(stored).toEqual([]);
  });

  it('stops between days when aborted', async () => {
    const { b, access } = setup({ maxDaysPerCycle: 8 });
    const ac = new AbortController();
    const orig = access.readHistoryDay.bind(access);
    access.readHistoryDay = async (day: number) => {
      ac.abort();
      return orig(day);
    };
    const r = await b.runCycle(ac.signal);
    expect(access.reads).toEqual([7]);
    expect(r.done).toBe(false);
  });

  it('drops an answer read across local midnight and plans again with the new day indices', async () => {
    const { b, access, stored, clock } = setup({ maxDaysPerCycle: 8 });
    clock.ms = Date.UTC(2026, 4, 20, 14, 59, 59); // 23:59:59 JST
    const orig = access.readHistoryDay.bind(access);
    access.readHistoryDay = async (day: number) => {
      const res = await orig(day);
      clock.ms += 2_000; // the answer arrives after midnight
      return res;
    };
    expect(await b.runCycle()).toMatchObject({ slots: 0, done: false });
    expect(stored).toEqual([]);
    access.readHistoryDay = orig;
    expect(await b.runCycle()).toMatchObject({ slots: 7 * 48, done: true, daysLeft: 0 });
    expect(access.reads).toEqual([7, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('with a deadline reads as many days as fit, leaves the rest for the next idle time, and says how many', async () => {
    const { b, access } = setup();
    access.budget = 3;
    const first = await b.runCycle(undefined, { deadline: Date.now() + 60_000 });
    expect(first).toMatchObject({ done: false });
    expect(access.reads).toHaveLength(3);
    expect(first.daysLeft).toBeGreaterThan(0);
    access.budget = Number.POSITIVE_INFINITY;
    const second = await b.runCycle(undefined, { deadline: Date.now() + 60_000 });
    expect(second).toMatchObject({ done: true, daysLeft: 0 });
    expect(new Set(access.reads).size).toBe(access.reads.length);
  });
});
