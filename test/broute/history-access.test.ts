import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/echonet/frame.js';
import { isHemsError } from '../../src/errors.js';
import type { HistoryAccess } from '../../src/service/backfill.js';
import { FakeMeter, METER_MAC } from './fake-client.js';
import { rig } from './rig.js';

/** The E5 values of the SetC requests, in order. */
const e5Sets = (m: FakeMeter): number[] =>
  m.requests.filter((f) => f.esv === 0x61).map((f) => f.properties[0]!.edt[0]!);

describe('meter session as HistoryAccess (fake client)', () => {
  it('is a HistoryAccess: meter and constants are null until the first connection', async () => {
    const r = await rig();
    const access: HistoryAccess = r.session;
    expect(access.meter()).toBeNull();
    expect(access.constants()).toBeNull();
    expect(r.session.joins()).toBe(0);
    await r.session.read();
    expect(access.meter()).toBe(METER_MAC);
    expect(access.constants()).toEqual({ coefficient: 1, unit: 0.1, digits: 6 });
    await r.session.close();
  });

  it('reads a day from a cold start: connects, joins, reads the constants, then SetC E5 + Get E2', async () => {
    const r = await rig();
    const h = await r.session.readHistoryDay(1);
    expect(h).toEqual({ day: 1, raw: r.meter.historyYesterday });
    expect(r.session.joins()).toBe(1);
    expect(r.session.constants()).not.toBeNull();
    expect(e5Sets(r.meter)).toEqual([1]);
    const tail = r.meter.requests.slice(-2);
    expect(tail.map((f) => [f.esv, f.properties.map((p) => p.epc)])).toEqual([
      [0x61, [0xe5]],
      [0x62, [0xe2]],
    ]);
    const today = await r.session.readHistoryDay(0);
    expect(today.raw).toEqual(r.meter.history);
    await r.session.close();
  });

  it('never interleaves a history read with a reading', async () => {
    const r = await rig();
    await r.session.read();
    let readDone = false;
    const readDoneAtSet: boolean[] = [];
    const answer = r.meter.answer.bind(r.meter);
    r.meter.answer = (req: Frame) => {
      if (req.esv === 0x61) readDoneAtSet.push(readDone);
      return answer(req);
    };
    const reading = r.session.read().then((env) => {
      readDone = true;
      return env;
    });
    const day = r.session.readHistoryDay(2);
    const [env, h] = await Promise.all([reading, day]);
    expect(env.reading.instant_power_w).toBe(632);
    expect(h.day).toBe(2);
    expect(readDoneAtSet).toEqual([true]);
    await r.session.close();
  });

  it('rejects an E2 that echoes another day with METER_BAD_RESPONSE', async () => {
    const meter = new FakeMeter();
    const r = await rig({ meter });
    await r.session.read();
    meter.e2Day = 5;
    const err = await r.session.readHistoryDay(3).catch((e: unknown) => e);
    expect(isHemsError(err, 'METER_BAD_RESPONSE')).toBe(true);
    meter.e2Day = null;
    expect((await r.session.readHistoryDay(3)).day).toBe(3);
    await r.session.close();
  });

  it('a wrong E2 echo during a reading only drops the 30-minute value', async () => {
    const meter = new FakeMeter();
    meter.e2Day = 7;
    const r = await rig({ meter });
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(12345.6);
    expect(env.reading.recent_30min_consumption_kwh).toBeNull();
    expect(e5Sets(meter)).toEqual([0]);
    await r.session.close();
  });

  it('refuses days outside 0–99 without touching the radio', async () => {
    const r = await rig();
    for (const day of [-1, 100, 1.5]) {
      const err = await r.session.readHistoryDay(day).catch((e: unknown) => e);
      expect(isHemsError(err, 'INPUT_INVALID')).toBe(true);
    }
    expect(r.clients).toHaveLength(0);
    await r.session.close();
  });

  it('counts joins, rejoins included', async () => {
    const r = await rig();
    await r.session.read();
    expect(r.session.joins()).toBe(1);
    r.clients[r.clients.length - 1]!.event(0x26);
    await r.session.readHistoryDay(0);
    expect(r.session.joins()).toBe(2);
    await r.session.read();
    expect(r.session.joins()).toBe(2);
    await r.session.close();
  });

  it('with a deadline, a late answer is not waited for past it; the day resumes at its Get', async () => {
    const r = await rig();
    await r.session.read();
    r.meter.dropResponses = 1; // the SetC E5 goes unanswered
    const deadline = Date.now() + 60;
    const err = await r.session.readHistoryDay(1, undefined, { deadline }).catch((e: unknown) => e);
    expect(isHemsError(err, 'ABORTED')).toBe(true);
    expect((err as { context: Record<string, unknown> }).context.deferred).toBe(true);
    expect(Date.now()).toBeLessThan(deadline + 150);
    expect(r.session.status().counters.timeouts).toBe(0); // cut short, not a miss
    // No time at all: nothing is sent.
    const sent = r.meter.sent.length;
    await expect(r.session.readHistoryDay(1, undefined, { deadline: Date.now() })).rejects.toMatchObject({
      context: { deferred: true },
    });
    expect(r.meter.sent.length).toBe(sent);
    // Then, with time, the day is read (E5 set again: its first SetC got no answer).
    expect(await r.session.readHistoryDay(1, undefined, { deadline: Date.now() + 5_000 })).toMatchObject({
      day: 1,
    });
    // A day cut short after its SetC resumes at its Get.
    r.meter.dropResponses = 0;
    const sets = e5Sets(r.meter).length;
    expect(await r.session.readHistoryDay(1)).toMatchObject({ day: 1 });
    expect(e5Sets(r.meter).length).toBe(sets);
    await r.session.close();
  });
});
