import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Emulator, NO_DATA } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { dayIndex, daySlots, localDate, planBackfill } from '../../src/reading/backfill.js';
import { counterDelta, toKwh } from '../../src/reading/energy.js';
import type { Envelope } from '../../src/reading/record.js';
import { type Backfiller, createBackfiller } from '../../src/service/backfill.js';
import { createSkClient } from '../../src/skstack/client.js';
import { openStore, type Store } from '../../src/store/store.js';
import { recordingSession } from '../broute/fake-client.js';
import { connectHistoryAccess, type SkHistoryAccess } from './sk-history-access.js';

const ID = '00112233445566778899AABBCCDDEEFF';
const PASSWORD = 'ABCDEFGHIJKL';
const TZ = 'Asia/Tokyo';
const HH = 1_800_000;
// 2026-05-19 21:10:07 JST: the collector's first start
const START = Date.UTC(2026, 4, 19, 12, 10, 7);
// E1 = 0x02 (0.01 kWh) with D3 = 10: 0.1 kWh per count
const METER = { coefficient: 10, unitCode: 0x02, digits: 6 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function liveReading(emu: Emulator, dir: string, now: () => number): Promise<Envelope> {
  const session = recordingSession({
    openStream: async () => emu.attach(),
    createClient: (stream, o) => createSkClient(stream, o),
    model: emu.options.dongle,
    routeBId: ID,
    password: PASSWORD,
    stateDir: dir,
    timezone: TZ,
    timeouts: { response: 500, sendFailDelay: 5, gate: 3_000, term: 300 },
    skTimeouts: { command: 1_000, scanGrace: 1_000, join: 3_000, send: 1_000 },
    logger: silentLogger,
    clock: now,
  });
  try {
    return await session.read();
  } finally {
    await session.close();
  }
}

/** Runs cycles until done, with a bound so a bug cannot spin forever. */
async function drain(b: Backfiller): Promise<{ cycles: number; slots: number }> {
  let slots = 0;
  for (let cycles = 1; cycles <= 30; cycles++) {
    const r = await b.runCycle();
    slots += r.slots;
    if (r.done) return { cycles, slots };
  }
  throw new Error('backfill did not finish in 30 cycles');
}

interface Rig {
  emu: Emulator;
  store: Store;
  dir: string;
  now: { ms: number };
}

async function rig(): Promise<Rig> {
  const now = { ms: START };
  const dir = await mkdtemp(join(tmpdir(), 'hems-backfill-'));
  const emu = new Emulator({
    dongle: 'BP35A1',
    latencyScale: 0,
    clock: () => now.ms,
    timezone: TZ,
    routeBId: ID,
    password: PASSWORD,
    meter: METER,
    faults: {},
  });
  const store = openStore({ dir, now: () => now.ms });
  cleanups.push(async () => {
    store.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { emu, store, dir, now };
}

async function backfillerFor(
  r: Rig,
  maxDaysPerCycle = 1,
): Promise<{ b: Backfiller; access: SkHistoryAccess }> {
  const access = await connectHistoryAccess(r.emu, { id: ID, password: PASSWORD });
  cleanups.push(() => access.close());
  const b = createBackfiller({
    access,
    store: r.store,
    submit: async (env) => {
      r.store.insert(env, []);
    },
    timezone: TZ,
    backfillDays: 7,
    maxDaysPerCycle,
    logger: silentLogger,
    clock: { now: () => r.now.ms },
  });
  return { b, access };
}

/** What the emulated meter recorded for a slot: E2 of its day, seen at `now`. */
function recorded(emu: Emulator, atMs: number, now: number): number {
  const day = dayIndex(localDate(now, TZ), localDate(atMs, TZ));
  const slot = daySlots(localDate(atMs, TZ), TZ).find((s) => s.atMs === atMs)!;
  const raw = emu.meter.history(day, false, now)[slot.index]!;
  expect(raw).not.toBe(NO_DATA);
  return raw;
}

describe('backfill against the emulated meter', () => {
  it('fills the first-start window, then the hours the collector was stopped, exactly once', async () => {
    const r = await rig();

    // First start: a live reading, then the whole 7-day window from the meter's history.
    r.store.insert(await liveReading(r.emu, r.dir, () => r.now.ms), []);
    let { b, access } = await backfillerFor(r);
    const first = await drain(b);
    expect(first.slots).toBe(7 * 48 - 1); // the live reading already covers 21:00 JST
    expect(new Set(access.dayReads)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    await access.close();

    // The collector is stopped for 9 h 20 min (past midnight JST), then starts again: its
    // first live reading comes before the backfill can run (the meter is known only then).
    r.now.ms = START + 9 * 3_600_000 + 20 * 60_000; // 06:30:07 JST on the 20th
    r.store.insert(await liveReading(r.emu, r.dir, () => r.now.ms), []);
    ({ b, access } = await backfillerFor(r));
    const second = await drain(b);
    // 21:30 on the 19th … 06:00 on the 20th = 18 half hours; the new live reading covers 06:30
    expect(second.slots).toBe(18);
    expect(access.dayReads).toEqual([1, 0]);

    // Every half hour of the window is in the store exactly once, with the meter's values.
    const now = r.now.ms;
    const stored = r.store.query({});
    const bySlot = new Map<number, Envelope[]>();
    for (const env of stored) {
      const ms = Date.parse(env.reading.recent_30min_timestamp!);
      bySlot.set(ms, [...(bySlot.get(ms) ?? []), env]);
    }
    const window = planBackfill({ now, timezone: TZ, backfillDays: 7, have: new Set() }).flatMap((p) =>
      p.slots.map((s) => s.atMs),
    );
    const oldest = window[0]!;
    for (const ms of window) expect(bySlot.get(ms)?.length, new Date(ms).toISOString()).toBe(1);
    const backfilled = stored.filter((e) => e.backfill);
    expect(new Set(backfilled.map((e) => e.id)).size).toBe(backfilled.length);
    for (const env of backfilled) {
      const at = Date.parse(env.reading.timestamp);
      if (at < oldest) continue; // slid out of today's window, checked by the first pass's values
      const raw = recorded(r.emu, at, now);
      const prev = r.emu.meter.counterAt(at - HH);
      expect(env.reading.historical_cumulative_power_kwh).toBe(toKwh(raw, 10, 0x02));
      expect(env.reading.recent_30min_consumption_kwh).toBe(toKwh(counterDelta(prev, raw, 6), 10, 0x02));
      expect(env.reading.instant_power_w).toBeNull();
      expect(env.reading.cumulative_power_kwh).toBeNull();
    }
    // The gap's records, precisely: 21:30 JST on the 19th … 06:00 JST on the 20th.
    const gap = backfilled
      .map((e) => Date.parse(e.reading.timestamp))
      .filter((ms) => ms > START)
      .sort((x, y) => x - y);
    expect(gap).toEqual(Array.from({ length: 18 }, (_, i) => Date.UTC(2026, 4, 19, 12, 30) + i * HH));

    // A second run adds nothing and asks the meter nothing.
    const count = stored.length;
    ({ b, access } = await backfillerFor(r));
    expect(await b.runCycle()).toMatchObject({ slots: 0, done: true, daysLeft: 0 });
    expect(access.dayReads).toEqual([]);
    expect(r.store.query({})).toHaveLength(count);
  });
});
