import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/scan.js';
import { DONGLES } from '../../src/dongles.js';
import { unitMultiplier } from '../../src/echonet/meter.js';
import { Emulator, NO_DATA } from '../../src/emulator/index.js';
import { isHemsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { toKwh } from '../../src/reading/energy.js';
import { createSkClient } from '../../src/skstack/client.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import { ID, PASSWORD, rig, START } from './emu-rig.js';

describe.each(DONGLES)('meter session against the emulator (%s)', (dongle) => {
  it('cold start scans once; the reading matches the meter model; steady state is 1 SKSENDTO', async () => {
    const r = await rig(dongle);
    const env = await r.session.read();
    expect(r.emu.counters.scans).toBe(1);
    const m = r.emu.meter;
    expect(env.meter).toBe(m.options.mac);
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(m.counterAt(START), 1, 0x01));
    const fixed = m.lastFixedTime(START);
    expect(env.reading.historical_timestamp).toBe(`${new Date(fixed).toISOString().slice(0, 19)}+00:00`);
    expect(env.reading.historical_cumulative_power_kwh).toBe(toKwh(m.counterAt(fixed), 1, 0x01));
    expect(env.reading.recent_30min_timestamp).toBe(env.reading.historical_timestamp);
    expect(env.reading.recent_30min_consumption_kwh).toBe(
      toKwh(m.counterAt(fixed) - m.counterAt(fixed - 1_800_000), 1, 0x01),
    );
    expect(env.reading.current_t_a).toBeNull();
    const sends = r.emu.counters.sendTo;
    r.now.ms += 60_000;
    await r.session.read();
    r.now.ms += 60_000;
    await r.session.read();
    expect(r.emu.counters.sendTo - sends).toBe(2);
  });

  it('warm start uses the cached scan', async () => {
    const first = await rig(dongle);
    await first.session.read();
    const r = await rig(dongle, { dir: first.dir });
    const env = await r.session.read();
    expect(r.emu.counters.scans).toBe(0);
    expect(env.reading.instant_power_w).toEqual(expect.any(Number));
  });

  it('survives a failed join, EVENT 29 (both ways), 26 and dropped responses', async () => {
    const r = await rig(dongle);
    r.emu.faults.joinFailures = 1;
    await r.session.read();
    expect(r.emu.counters.joins).toBe(2);
    r.emu.expireSession({ autoReauth: true });
    await r.session.read();
    r.emu.expireSession({ autoReauth: false });
    await r.session.read();
    r.emu.terminateSession();
    await r.session.read();
    r.emu.faults.dropResponses = 1;
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toEqual(expect.any(Number));
    const c = r.session.status().counters;
    expect(c.timeouts).toBe(1);
    expect(c.rejoins).toBe(2); // 29→24 and 26; 29→25 needs none
    expect(c.readings).toBe(5);
  });

  it('ignores stray traffic (PANA, other senders, INF, junk) around its replies', async () => {
    const r = await rig(dongle);
    r.emu.faults.strayTraffic = true;
    r.emu.faults.garbage = true;
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
    r.now.ms += 60_000;
    const again = await r.session.read();
    expect(again.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(r.now.ms), 1, 0x01));
  });

  it('pauses on the TX limit (32) until released (33)', async () => {
    const r = await rig(dongle);
    await r.session.read();
    r.emu.faults.txLimit = true;
    const p = r.session.read();
    await until(() => r.session.status().state === 'tx-limited');
    const sends = r.emu.counters.sendTo;
    r.emu.faults.txLimit = false;
    await p;
    expect(r.emu.counters.sendTo).toBeGreaterThan(sends);
    expect(r.session.status().counters.txLimitPauses).toBe(1);
  });

  it('reopens after an unplug without a restart', async () => {
    const r = await rig(dongle);
    await r.session.read();
    r.emu.unplug();
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toEqual(expect.any(Number));
    expect(r.session.status().counters.reopens).toBe(1);
  });

  it('splits batches for a meter limited to 3 EPCs per Get', async () => {
    const r = await rig(dongle, { meter: { maxPropsPerGet: 3, solar: true, phases: 3 } });
    const env = await r.session.read();
    expect(env.reading.current_t_a).toEqual(expect.any(Number));
    expect(env.extras.cumulative_reverse_kwh).toEqual(expect.any(Number));
    const sends = r.emu.counters.sendTo;
    await r.session.read();
    expect(r.emu.counters.sendTo - sends).toBe(2);
  });

  it('scales by D3 and E1 and defaults D3 to 1 when the meter lacks it', async () => {
    const r = await rig(dongle, { meter: { coefficient: 10, unitCode: 0x02, digits: 8 } });
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 10, 0x02));
    const noD3 = await rig(dongle, { meter: { hasD3: false, unitCode: 0x00 } });
    const env2 = await noD3.session.read();
    expect(env2.reading.cumulative_power_kwh).toBe(noD3.emu.meter.counterAt(START));
  });

  it('serves day histories, constants and a join count for the backfill', async () => {
    const r = await rig(dongle, { meter: { coefficient: 10, unitCode: 0x02, digits: 8 } });
    const m = r.emu.meter;
    const expected = (day: number) => m.history(day).map((v) => (v === NO_DATA ? null : v));
    const today = await r.session.readHistoryDay(0);
    expect(today).toEqual({ day: 0, raw: expected(0) });
    expect(today.raw.filter((v) => v !== null).length).toBe(29); // 00:00 … 14:00 JST
    expect(await r.session.readHistoryDay(1)).toEqual({ day: 1, raw: expected(1) });
    expect(r.session.constants()).toEqual({ coefficient: 10, unit: unitMultiplier(0x02), digits: 8 });
    expect(r.session.meter()).toBe(m.options.mac);
    expect(r.session.joins()).toBe(1);
    r.emu.terminateSession();
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(m.counterAt(START), 10, 0x02));
    expect(r.session.joins()).toBe(2);
    expect(await r.session.readHistoryDay(2)).toEqual({ day: 2, raw: expected(2) });
  });

  it('reports a wrong password as a clear error after bounded retries', async () => {
    const r = await rig(dongle, { password: 'WRONGWRONG12' });
    const err = await r.session.read().catch((e: unknown) => e);
    expect(isHemsError(err, 'PANA_JOIN_FAILED')).toBe(true);
    expect(r.emu.counters.joins).toBe(3);
  });
});

describe('runScan', () => {
  it('lists the meters found, saves the best and retries with longer durations', async () => {
    const dir = tempDir('hems-scan-');
    const emu = new Emulator({
      dongle: 'BP35C2',
      latencyScale: 0,
      routeBId: ID,
      password: PASSWORD,
      faults: { scanMisses: 1 },
    });
    try {
      const found = await runScan({
        openStream: async () => emu.attach(),
        createClient: (stream, o) => createSkClient(stream, o),
        model: 'BP35C2',
        routeBId: ID,
        stateDir: dir,
        timezone: 'Asia/Tokyo',
        durations: [4, 5],
        skTimeouts: { command: 1_000, scanGrace: 1_000 },
        logger: silentLogger,
      });
      expect(found.map((p) => p.addr)).toEqual([emu.meter.options.mac]);
      expect(emu.counters.scans).toBe(2);
      const saved = JSON.parse(await readFile(join(dir, 'scan.json'), 'utf8'));
      expect(saved).toMatchObject({
        addr: emu.meter.options.mac,
        channel: emu.meter.options.channel,
        panId: emu.meter.options.panId,
      });
    } finally {
      await emu.close();
    }
  });

  it('fails with SCAN_NOTHING_FOUND when no duration finds a meter', async () => {
    const dir = tempDir('hems-scan-');
    const emu = new Emulator({ dongle: 'BP35A1', latencyScale: 0, routeBId: ID, faults: { scanMisses: 5 } });
    try {
      const err = await runScan({
        openStream: async () => emu.attach(),
        createClient: (stream, o) => createSkClient(stream, o),
        model: 'BP35A1',
        routeBId: ID,
        stateDir: dir,
        timezone: 'Asia/Tokyo',
        durations: [4, 5],
        logger: silentLogger,
      }).catch((e: unknown) => e);
      expect(isHemsError(err, 'SCAN_NOTHING_FOUND')).toBe(true);
    } finally {
      await emu.close();
    }
  });
});

describe('scan backoff (duty-cycle budget)', () => {
  it('after a scan that found nothing, the next reads wait a growing pause instead of scanning again', async () => {
    const r = await rig('BP35A1', {
      session: { scanDurations: [4, 5], timeouts: { scanBackoffBase: 60_000, scanBackoffMax: 600_000 } },
    });
    r.emu.faults.scanMisses = 4; // both durations of the first two scan rounds find nothing
    const first = await r.session.read().catch((e: unknown) => e);
    expect(isHemsError(first, 'SCAN_NOTHING_FOUND')).toBe(true);
    expect(r.emu.counters.scans).toBe(2);

    // Within the pause: no radio scan at all.
    r.now.ms += 30_000;
    const second = await r.session.read().catch((e: unknown) => e);
    expect(isHemsError(second, 'SCAN_NOTHING_FOUND')).toBe(true);
    expect((second as Error).message).toMatch(/scanning again in 30 s/);
    expect(r.emu.counters.scans).toBe(2);

    // After it: scans again (still nothing), and the pause doubles.
    r.now.ms += 31_000;
    await r.session.read().catch(() => undefined);
    expect(r.emu.counters.scans).toBe(4);
    r.now.ms += 61_000;
    const paused = await r.session.read().catch((e: unknown) => e);
    expect((paused as Error).message).toMatch(/scanning again in 59 s/);
    expect(r.emu.counters.scans).toBe(4);

    // The meter answers again: the next scan after the pause finds it and readings flow.
    r.now.ms += 60_000;
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(r.emu.meter.powerAt(r.now.ms));
    expect(r.emu.counters.scans).toBe(5);
  });
});

describe('state writes', () => {
  it('writes slots.json when the fixed-time state changes, not at every reading', async () => {
    const { existsSync, rmSync } = await import('node:fs');
    const r = await rig('BP35A1');
    const file = join(r.dir, 'slots.json');
    await r.session.read();
    await r.session.close().then(
      () => undefined,
      () => undefined,
    );
    expect(existsSync(file)).toBe(true);

    const again = await rig('BP35A1', { dir: r.dir });
    await again.session.read(); // loads the saved state: nothing new to write
    rmSync(file);
    again.now.ms += 60_000; // same half hour
    await again.session.read();
    await again.session.close();
    expect(existsSync(file)).toBe(false);

    const later = await rig('BP35A1', { dir: r.dir });
    later.now.ms += 40 * 60_000; // a new fixed-time value (EA) after the next :30
    await later.session.read();
    await later.session.close();
    expect(existsSync(file)).toBe(true);
  });
});
