/**
 * The session over the real SKSTACK client against the emulator's field behaviours (issues 14,
 * 15 §2, 20): each failure a real dongle or meter produces ends in readings whose values are
 * the emulated meter's, within a bounded number of rounds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReplyRecord } from '../../src/emulator/index.js';
import { isHemsError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { toKwh } from '../../src/reading/energy.js';
import { until } from '../support/wait.js';
import { rig, START } from './emu-rig.js';

/** Log lines, for the "said once" checks. */
function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', write: (l) => lines.push(l) }) };
}

describe('a module reset with the port open (emulator)', () => {
  for (const reply of ['ER10', 'event21'] as const) {
    it(`sends then answer ${reply}: re-initialised on the same port, rejoined, the reading is the meter's`, async () => {
      const r = await rig('BP35A1', { faults: { resetSendReply: reply } });
      await r.session.read();
      r.emu.resetModule();
      const env = await r.session.read();
      expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
      expect(r.session.status().counters).toMatchObject({ moduleResets: 1, reopens: 0 });
      expect(r.emu.counters.commands.SKSETPWD).toBe(2);
    });
  }
});

describe('a module reset during a scan (emulator)', () => {
  it('the cancelled scan never ends: its wait runs out, the dongle is initialised again, the meter found and read', async () => {
    const scale = 0.02;
    const r = await rig('BP35A1', {
      latencyScale: scale,
      session: {
        skTimeouts: { command: 1_000, scanGrace: 1_000, join: 3_000, send: 1_000, scanScale: scale },
      },
    });
    const reading = r.session.read();
    await until(() => (r.emu.counters.commands.SKSCAN ?? 0) >= 1, 'the first scan', { everyMs: 1 });
    r.emu.resetModule();
    const env = await reading;
    expect(env.meter).toBe(r.emu.meter.options.mac);
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
    expect(r.emu.counters.commands.SKSCAN).toBeGreaterThanOrEqual(2);
    expect(r.emu.counters.commands.SKSETPWD).toBe(2);
  });
});

describe('a join or session left over from the previous process (emulator)', () => {
  for (const kind of ['up', 'joining', 'reauth'] as const) {
    it(`a restart finding a stale ${kind} session reads without a crash or a second session`, async () => {
      const first = await rig('BP35C2');
      await first.session.read();
      await first.session.close();
      // The dongle is left by the "killed" process (close() ended our session; the emulator
      // puts the kind of leftover a kill -9 would have left).
      first.emu.leaveStaleSession(kind);
      const r = await rig('BP35C2', { dir: first.dir, emulator: first.emu });
      const env = await r.session.read();
      expect(env.meter).toBe(r.emu.meter.options.mac);
      expect(r.session.status().state).toBe('up');
    });
  }
});

describe('periodic PANA re-authentication inside our Gets (emulator)', () => {
  it('EVENT 21 lines of the dongle’s own PANA sends are not taken for our send: no rejoin, no lost reading', async () => {
    const r = await rig('BP35A1', { latencyScale: 0.002, faults: { reauthEvery: 60 } });
    const replies: ReplyRecord[] = [];
    r.emu.onReply((x) => replies.push(x));
    for (let i = 0; i < 12; i++) {
      await r.session.read();
      await new Promise((res) => setTimeout(res, 60));
    }
    expect(r.session.status().counters).toMatchObject({ readings: 12, rejoins: 0 });
    expect(r.emu.counters.commands.SKJOIN).toBe(1);
    expect(replies.length).toBeGreaterThanOrEqual(12);
  });
});

describe('the transmission-time limit (emulator)', () => {
  it('a restart during a limit reads SFB and sends nothing (no SKJOIN, no SKSENDTO) until it ends', async () => {
    const first = await rig('BP35A1');
    await first.session.read();
    await first.session.close();
    first.emu.faults.txLimit = true;
    const joins = first.emu.counters.commands.SKJOIN ?? 0;
    const sends = first.emu.counters.sendTo;
    const r = await rig('BP35A1', { dir: first.dir, emulator: first.emu });
    const reading = r.session.read();
    await new Promise((res) => setTimeout(res, 100));
    expect(r.session.status().state).toBe('tx-limited');
    expect(r.emu.counters.commands.SKJOIN ?? 0).toBe(joins);
    expect(r.emu.counters.sendTo).toBe(sends);
    r.emu.faults.txLimit = false;
    const env = await reading;
    expect(env.reading.instant_power_w).toEqual(expect.any(Number));
  });
});

describe('the command form (emulator)', () => {
  it('a dual-stack dongle that stays silent to the single-hop form, configured as BP35A1: the other form, remembered', async () => {
    const r = await rig('BP35C2', {
      faults: { wrongFormReply: 'silence' },
      session: { model: 'BP35A1' },
    });
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toEqual(expect.any(Number));
    expect(JSON.parse(await readFile(join(r.dir, 'scan.json'), 'utf8'))).toMatchObject({
      edition: 'dual-stack',
    });
  });

  for (const fields of [5, 6, 7] as const) {
    it(`auto-detects a dual-stack dongle printing a ${fields}-field EINFO`, async () => {
      const r = await rig('RL7023-DSS', { faults: { einfoFields: fields }, session: { model: 'auto' } });
      const env = await r.session.read();
      expect(env.reading.instant_power_w).toEqual(expect.any(Number));
    });
  }
});

describe('a meter that goes silent, or is replaced (emulator)', () => {
  it('silent: bounded failures end the session; once it answers again, readings resume', async () => {
    const r = await rig('BP35A1');
    await r.session.read();
    r.emu.faults.meterSilent = true;
    const err = await r.session.read().catch((e: unknown) => e);
    expect(isHemsError(err)).toBe(true);
    expect(r.emu.counters.commands.SKTERM ?? 0).toBeGreaterThanOrEqual(1);
    r.emu.faults.meterSilent = false;
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
  });

  it('replaced by one with D3 = 10: found by a rescan, its constants read, values scaled by 10', async () => {
    const r = await rig('BP35A1');
    const old = (await r.session.read()).meter;
    r.emu.swapMeter({ coefficient: 10 });
    const env = await r.session.read();
    expect(env.meter).not.toBe(old);
    expect(env.meter).toBe(r.emu.meter.options.mac);
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 10, 0x01));
  });
});

describe('a property the meter is briefly too busy to answer (issue 15 §2, emulator)', () => {
  it('EA refused twice: asked again at the next reading, the historical values come back', async () => {
    const r = await rig('BP35A1');
    await r.session.read();
    r.emu.faults.busy = { EA: 2 };
    const a = await r.session.read();
    const b = await r.session.read();
    expect(a.reading.historical_timestamp).toBeNull();
    expect(b.reading.historical_timestamp).not.toBeNull();
    expect(b.reading.historical_cumulative_power_kwh).toEqual(expect.any(Number));
  });

  it('a busy EA answered when asked again does not lower the per-Get limit', async () => {
    const r = await rig('BP35A1');
    await r.session.read();
    r.emu.faults.busy = { EA: 1 };
    const a = await r.session.read();
    expect(a.reading.historical_timestamp).not.toBeNull();
    const sends = r.emu.counters.sendTo;
    await r.session.read();
    expect(r.emu.counters.sendTo - sends).toBe(1);
  });
});

describe('the first reading after a restart (issue 20, emulator)', () => {
  it('with the constants cached, the first reading takes one SKSENDTO', async () => {
    const first = await rig('BP35A1');
    await first.session.read();
    await first.session.close();
    const r = await rig('BP35A1', { dir: first.dir, emulator: first.emu });
    const sends = r.emu.counters.sendTo;
    const env = await r.session.read();
    expect(r.emu.counters.sendTo - sends).toBe(1);
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
  });

  it('a cached coefficient that is no longer right: the first reading uses the meter’s D3 = 10', async () => {
    const first = await rig('BP35A1', { meter: { coefficient: 10 } });
    await first.session.read();
    await first.session.close();
    const cache = JSON.parse(await readFile(join(first.dir, 'meter.json'), 'utf8'));
    await writeFile(
      join(first.dir, 'meter.json'),
      JSON.stringify({ ...cache, constants: { ...cache.constants, coefficient: 1 } }),
    );
    const { lines, logger } = capture();
    const r = await rig('BP35A1', { dir: first.dir, emulator: first.emu, logger });
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 10, 0x01));
    expect(env.reading.historical_cumulative_power_kwh).toBe(
      toKwh(r.emu.meter.counterAt(r.emu.meter.lastFixedTime(START)), 10, 0x01),
    );
    expect(lines.filter((l) => /differ from the cached ones/.test(l))).toHaveLength(1);
  });

  for (const [what, text] of [
    ['corrupt', '{"addr": 12'],
    [
      'foreign',
      JSON.stringify({
        addr: '001C640000000000',
        constants: { coefficient: 10, unitCode: 0, digits: 6 },
        getMap: null,
        perGet: 6,
      }),
    ],
  ] as const) {
    it(`a ${what} meter.json is ignored with one log line`, async () => {
      const first = await rig('BP35A1');
      await first.session.read();
      await first.session.close();
      await writeFile(join(first.dir, 'meter.json'), text);
      const { lines, logger } = capture();
      const r = await rig('BP35A1', { dir: first.dir, emulator: first.emu, logger });
      const env = await r.session.read();
      await r.session.read();
      expect(env.reading.cumulative_power_kwh).toBe(toKwh(r.emu.meter.counterAt(START), 1, 0x01));
      expect(
        lines.filter((l) => /meter constants \(meter\.json\) are unreadable|for another meter/.test(l)),
      ).toHaveLength(1);
    });
  }
});
