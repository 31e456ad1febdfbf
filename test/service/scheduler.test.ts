import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import { cronSchedule, intervalSchedule, runLoop, type Schedule } from '../../src/service/scheduler.js';
import { VirtualClock } from './virtual-clock.js';

const T0 = Date.parse('2024-01-01T00:02:10Z');

/** Runs the loop until `count` ticks started; each tick takes `durations[i]` ms of virtual time. */
async function run(schedule: Schedule, count: number, durations: (i: number) => number, start = T0) {
  const clock = new VirtualClock(start);
  const stop = new AbortController();
  const starts: number[] = [];
  const slots: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const logs: string[] = [];
  await runLoop({
    schedule,
    clock,
    signal: stop.signal,
    logger: createLogger({ level: 'warn', write: (l) => logs.push(l), now: () => clock.now() }),
    tick: async (slot) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      starts.push(clock.now());
      slots.push(slot);
      await Promise.resolve();
      clock.advance(durations(starts.length - 1));
      running--;
      if (starts.length >= count) stop.abort();
    },
  });
  return { starts, slots, maxRunning, logs, clock };
}

describe('idle time between readings', () => {
  it('is offered after each reading with the next slot, and a long idle never costs a slot', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const idles: { at: number; next: number }[] = [];
    const ticks: number[] = [];
    await runLoop({
      schedule: intervalSchedule(60),
      clock,
      signal: stop.signal,
      logger: silentLogger,
      tick: async () => {
        ticks.push(clock.now());
        clock.advance(2_000);
        if (ticks.length >= 3) stop.abort();
      },
      idle: async (next) => {
        idles.push({ at: clock.now(), next });
        clock.advance(next - clock.now() - 100); // uses the idle time up to just before the slot
      },
    });
    expect(ticks.map((t) => (t - T0) / 1000)).toEqual([0, 60, 120]);
    expect(idles.map((i) => [(i.at - T0) / 1000, (i.next - T0) / 1000])).toEqual([
      [2, 60],
      [62, 120],
    ]);
  });
});

describe('interval mode', () => {
  it('reads at once, then every interval measured from the start of each reading (no drift)', async () => {
    const { starts } = await run(intervalSchedule(300), 5, () => 7_345);
    expect(starts.map((t) => (t - T0) / 1000)).toEqual([0, 300, 600, 900, 1200]);
  });

  it('skips the slots a long reading overran, never runs two at once, and logs it', async () => {
    const durations = [700_000, 1_000, 1_000];
    const { starts, maxRunning, logs } = await run(intervalSchedule(300), 3, (i) => durations[i] ?? 0);
    expect(starts.map((t) => (t - T0) / 1000)).toEqual([0, 900, 1200]);
    expect(maxRunning).toBe(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('skipped 2 slots');
  });
});

describe('schedule mode', () => {
  it('runs on the cron slots, starting at the next one', async () => {
    const { starts } = await run(cronSchedule('*/5 * * * *', 'Asia/Tokyo'), 3, () => 12_000);
    expect(starts.map((t) => new Date(t).toISOString())).toEqual([
      '2024-01-01T00:05:00.000Z',
      '2024-01-01T00:10:00.000Z',
      '2024-01-01T00:15:00.000Z',
    ]);
  });

  it('evaluates the expression in LOCAL_TIMEZONE', async () => {
    const tokyo = await run(cronSchedule('0 9 * * *', 'Asia/Tokyo'), 2, () => 1000);
    expect(tokyo.starts.map((t) => new Date(t).toISOString())).toEqual([
      '2024-01-02T00:00:00.000Z',
      '2024-01-03T00:00:00.000Z',
    ]);
    const paris = await run(cronSchedule('0 9 * * *', 'Europe/Paris'), 1, () => 1000);
    expect(new Date(paris.starts[0] as number).toISOString()).toBe('2024-01-01T08:00:00.000Z');
  });

  it('gives a fixed-offset zone (Asia/Tokyo, done without Intl) the slots croner finds through Intl', () => {
    for (const expr of ['0 9 * * *', '*/30 * * * *', '0 0 1 * *', '15 3 * * 1', '0 0 29 2 *']) {
      const ours = cronSchedule(expr, 'Asia/Tokyo');
      const intl = new Cron(expr, { timezone: 'Asia/Tokyo', paused: true });
      let a = ours.first(Date.UTC(2027, 11, 31, 14, 59, 59));
      let b = intl.nextRun(new Date(Date.UTC(2027, 11, 31, 14, 59, 59)))!.getTime();
      for (let i = 0; i < 30; i++) {
        expect(a, expr).toBe(b);
        a = ours.next(a);
        b = intl.nextRun(new Date(b))!.getTime();
      }
    }
  });

  it('skips overrun cron slots too', async () => {
    const { starts, maxRunning, logs } = await run(cronSchedule('* * * * *', 'UTC'), 2, (i) =>
      i === 0 ? 150_000 : 0,
    );
    expect(starts.map((t) => new Date(t).toISOString())).toEqual([
      '2024-01-01T00:03:00.000Z',
      '2024-01-01T00:06:00.000Z',
    ]);
    expect(maxRunning).toBe(1);
    expect(logs[0]).toContain('skipped 2 slots');
  });

  it('waits in steps no longer than setTimeout allows', async () => {
    const { starts, clock } = await run(cronSchedule('0 0 1 1 *', 'UTC'), 1, () => 0);
    expect(new Date(starts[0] as number).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(clock.sleeps.length).toBeGreaterThan(1);
  });
});

describe('stopping', () => {
  it('does not start a reading once the signal aborted while waiting', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    let ticks = 0;
    clock.sleep = async () => {
      stop.abort();
    };
    await runLoop({
      schedule: cronSchedule('*/5 * * * *', 'UTC'),
      clock,
      signal: stop.signal,
      logger: silentLogger,
      tick: async () => {
        ticks++;
      },
    });
    expect(ticks).toBe(0);
  });
});
