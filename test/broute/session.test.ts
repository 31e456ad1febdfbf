import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';
import {
  FakeClient,
  FakeMeter,
  METER_IP,
  METER_MAC,
  nullStream,
  PAN,
  recordingSession,
} from './fake-client.js';
import { FAST, ID, last, NOW, rig } from './rig.js';

describe('meter session (fake client)', () => {
  it('first start scans, saves the PAN, joins and builds a full reading', async () => {
    const r = await rig();
    const env = await r.session.read();
    expect(last(r).scans).toBe(1);
    expect(last(r).registers).toEqual({ S2: '21', S3: '6393' });
    expect(JSON.parse(await readFile(join(r.dir, 'scan.json'), 'utf8'))).toEqual({
      channel: 0x21,
      panId: 0x6393,
      addr: METER_MAC,
      ipv6: 'FE80:0000:0000:0000:021C:6400:03DD:6393',
    });
    expect(env.meter).toBe(METER_MAC);
    expect(env.id).toBe(`${METER_MAC}-${NOW}`);
    expect(env.reading).toEqual({
      timestamp: '2026-05-20T05:10:00.000000+00:00',
      cumulative_power_kwh: 12345.6,
      instant_power_w: 632,
      current_a: 7.5,
      current_r_a: 7.5,
      current_t_a: null,
      historical_timestamp: '2026-05-20T05:00:00+00:00',
      historical_cumulative_power_kwh: 12345,
      recent_30min_timestamp: '2026-05-20T05:00:00+00:00',
      recent_30min_consumption_kwh: 1.5,
    });
    expect(r.session.status()).toMatchObject({ state: 'up', meter: METER_MAC, lastReadingAt: NOW });
    await r.session.close();
    expect(last(r).terms).toBe(1);
    expect(r.session.status().state).toBe('closed');
  });

  it('warm start uses the cached scan; steady state is one send per reading', async () => {
    const first = await rig();
    await first.session.read();
    await first.session.close();
    const r = await rig({ dir: first.dir, meter: first.meter });
    await r.session.read();
    expect(last(r).scans).toBe(0);
    expect(r.session.status().counters.scans).toBe(0);
    const before = r.meter.sent.length;
    await r.session.read();
    await r.session.read();
    expect(r.meter.sent.length - before).toBe(2);
    const gets = r.meter.requests.slice(-1)[0]!;
    expect(gets.properties.map((p) => p.epc)).toEqual([0xe7, 0xe8, 0xe0, 0xea]);
    await r.session.close();
  });

  it('derives the 30-minute value from consecutive EA values and persists it', async () => {
    const r = await rig();
    await r.session.read();
    r.meter.ea = { ...r.meter.ea, mi: 30, raw: 123462 };
    r.now.ms = NOW + 30 * 60_000;
    const before = r.meter.sent.length;
    const env = await r.session.read();
    expect(r.meter.sent.length - before).toBe(1);
    expect(env.reading.recent_30min_timestamp).toBe('2026-05-20T05:30:00+00:00');
    expect(env.reading.recent_30min_consumption_kwh).toBe(1.2);
    await r.session.close();
    const saved = JSON.parse(await readFile(join(r.dir, 'slots.json'), 'utf8'));
    expect(saved).toMatchObject({ meter: METER_MAC, last: { raw: 123462 }, recent: { deltaRaw: 12 } });
  });

  it('pairs the EA saved before a restart with the next one (no history fetch)', async () => {
    const first = await rig();
    await first.session.read();
    await first.session.close();
    first.meter.ea = { ...first.meter.ea, mi: 30, raw: 123455 };
    const setsBefore = first.meter.requests.filter((f) => f.esv === 0x61).length;
    const r = await rig({ dir: first.dir, meter: first.meter });
    r.now.ms = NOW + 30 * 60_000;
    const env = await r.session.read();
    expect(env.reading.recent_30min_timestamp).toBe('2026-05-20T05:30:00+00:00');
    expect(env.reading.recent_30min_consumption_kwh).toBe(0.5);
    expect(r.meter.requests.filter((f) => f.esv === 0x61).length).toBe(setsBefore);
    await r.session.close();
  });

  it('uses yesterday too right after midnight, naming the days by the meter’s date (0x98)', async () => {
    const meter = new FakeMeter();
    meter.date = '2026-05-21';
    meter.history = Array.from({ length: 48 }, (_, i) => (i === 0 ? 122500 : null));
    meter.ea = { y: 2026, mo: 5, d: 21, h: 0, mi: 0, raw: 122500 };
    const r = await rig({ meter });
    r.now.ms = Date.UTC(2026, 4, 20, 15, 3);
    const env = await r.session.read();
    expect(env.reading.recent_30min_timestamp).toBe('2026-05-20T15:00:00+00:00');
    expect(env.reading.recent_30min_consumption_kwh).toBe((122500 - (122000 + 47 * 10)) / 10);
    expect(meter.requests.filter((f) => f.esv === 0x61).map((f) => f.properties[0]!.edt[0])).toEqual([0, 1]);
    await r.session.close();
  });

  it('splits batches when the meter answers short, and remembers the limit', async () => {
    const meter = new FakeMeter();
    meter.maxPerGet = 3;
    const r = await rig({ meter });
    const env = await r.session.read();
    expect(env.reading.cumulative_power_kwh).toBe(12345.6);
    expect(env.reading.historical_cumulative_power_kwh).toBe(12345);
    const before = meter.sent.length;
    await r.session.read();
    expect(meter.sent.length - before).toBe(2);
    expect(meter.requests.slice(-2).map((f) => f.properties.length)).toEqual([3, 1]);
    await r.session.close();
  });

  it('resends with a fresh TID when a response is dropped', async () => {
    const r = await rig();
    await r.session.read();
    r.meter.dropResponses = 1;
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    const [a, b] = r.meter.requests.slice(-2);
    expect(a!.properties).toEqual(b!.properties);
    expect(a!.tid).not.toBe(b!.tid);
    expect(r.session.status().counters.timeouts).toBe(1);
    await r.session.close();
  });

  it('resends after EVENT 21 param 01', async () => {
    const r = await rig();
    await r.session.read();
    r.meter.sendFailures = 1;
    const before = r.meter.sent.length;
    await r.session.read();
    expect(r.meter.sent.length - before).toBe(2);
    await r.session.close();
  });

  it('ends the session and joins again after repeated misses (the port stays open)', async () => {
    const r = await rig({ timeouts: { reopenAfterMisses: 2, response: 50 } });
    await r.session.read();
    r.meter.dropResponses = 2;
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    expect(r.clients.length).toBe(1);
    expect(last(r).terms).toBe(1);
    expect(last(r).joins).toBe(2);
    expect(r.session.status().counters).toMatchObject({ reopens: 0, rejoins: 1, timeouts: 2 });
    await r.session.close();
  });

  it('blocks sends during re-auth (EVENT 29 → 25) and rejoins on 29 → 24', async () => {
    const r = await rig();
    await r.session.read();
    last(r).event(0x29);
    expect(r.session.status().state).toBe('reauthenticating');
    const before = r.meter.sent.length;
    const p = r.session.read();
    await new Promise((res) => setTimeout(res, 20));
    expect(r.meter.sent.length).toBe(before);
    last(r).event(0x25);
    await p;
    expect(r.meter.sent.length).toBe(before + 1);
    expect(r.session.status().counters.rejoins).toBe(0);

    last(r).event(0x29);
    last(r).event(0x24);
    await r.session.read();
    expect(last(r).joins).toBe(2);
    expect(r.session.status().counters.rejoins).toBe(1);
    await r.session.close();
  });

  it('rejoins after EVENT 26 and pauses on 32 until 33', async () => {
    const r = await rig();
    await r.session.read();
    last(r).event(0x26);
    await r.session.read();
    expect(last(r).joins).toBe(2);
    last(r).event(0x32);
    const before = r.meter.sent.length;
    const p = r.session.read();
    await until(() => r.session.status().state === 'tx-limited', 'the tx-limited state', { everyMs: 0 });
    expect(r.meter.sent.length).toBe(before);
    last(r).event(0x33);
    await p;
    expect(r.session.status().counters).toMatchObject({ txLimitPauses: 1, rejoins: 1 });
    await r.session.close();
  });

  it('retries a failed cached join, then rescans', async () => {
    const first = await rig();
    await first.session.read();
    await first.session.close();
    const r = await rig({ dir: first.dir, meter: first.meter });
    const p = r.session.read();
    await until(() => r.clients.length === 1, 'the first client', { everyMs: 0 });
    last(r).joinResults = [false, false];
    await p;
    expect(last(r).joins).toBe(3);
    expect(last(r).scans).toBe(1);
    await r.session.close();
  });

  it('ends a session the dongle still holds (SKJOIN FAIL ER10) with SKTERM, then joins', async () => {
    const r = await rig();
    const p = r.session.read();
    await until(() => r.clients.length === 1, 'the first client', { everyMs: 0 });
    last(r).holdsSession = true;
    const env = await p;
    expect(env.reading.instant_power_w).toBe(632);
    expect(last(r).terms).toBe(1);
    expect(last(r).joins).toBe(2);
    await r.session.close();
  });

  it('gives a clear error for a wrong password after bounded retries', async () => {
    const r = await rig({ password: 'WRONGPASS123' });
    const err = await r.session.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isHemsError(err, 'PANA_JOIN_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/password/);
    expect((err as Error).message).not.toContain('WRONGPASS123');
    expect(last(r).joins).toBe(3);
    await r.session.close();
  });

  it('reopens the stream after an unplug, retrying the open with backoff', async () => {
    const r = await rig();
    await r.session.read();
    last(r).emit({ kind: 'closed', error: new Error('unplugged') });
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    expect(r.clients.length).toBe(2);
    expect(last(r).scans).toBe(0);
    expect(r.session.status().counters.reopens).toBe(1);
    await r.session.close();
  });

  it('keeps trying to open a missing port, then fails cleanly', async () => {
    const r = await rig({ failOpens: 2 });
    await r.session.read();
    expect(r.opens).toBe(1);
    const bad = await rig({ failOpens: 100 });
    const err = await bad.session.read().catch((e: unknown) => e);
    expect(isHemsError(err, 'TRANSPORT_OPEN_FAILED')).toBe(true);
    await r.session.close();
    await bad.session.close();
  });

  it('answers INFC with INFC_Res and takes EA from notifications', async () => {
    const r = await rig();
    await r.session.read();
    const ea = [0x07, 0xea, 5, 20, 14, 30, 0, 0, 1, 0xe2, 0x42]; // 14:30, 123458
    last(r).emitFrame({
      tid: 0x0042,
      seoj: 0x028801,
      deoj: 0x05ff01,
      esv: 0x74,
      properties: [{ epc: 0xea, edt: Uint8Array.from(ea) }],
    });
    await until(() => r.meter.sent.some((f) => f.esv === 0x7a), 'the 0x7A answer', { everyMs: 0 });
    const res = r.meter.sent.find((f) => f.esv === 0x7a)!;
    expect(res.tid).toBe(0x0042);
    expect(res.properties).toEqual([{ epc: 0xea, edt: new Uint8Array(0) }]);
    // the next reading's EA (14:30) is already paired with the notified one
    r.meter.ea = { ...r.meter.ea, mi: 30, raw: 123458 };
    const env = await r.session.read();
    expect(env.reading.recent_30min_consumption_kwh).toBe(0.8);
    await r.session.close();
  });

  it('ignores traffic not from the meter or not ECHONET', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    const stray = { tid: 1, seoj: 0x028801, deoj: 0x05ff01, esv: 0x74, properties: [] };
    c.emitFrame(stray, 'FE80:0000:0000:0000:1111:2222:3333:4444');
    c.emitFrame(stray, METER_IP, 0x02cc);
    await new Promise((res) => setImmediate(res));
    expect(r.meter.sent.some((f) => f.esv === 0x7a)).toBe(false);
    await r.session.close();
  });

  it('skips scan and cache when the meter is given', async () => {
    const dir = tempDir('hems-broute-');
    await writeFile(join(dir, 'scan.json'), 'not json');
    const meter = new FakeMeter();
    const clients: FakeClient[] = [];
    const s = recordingSession({
      openStream: async () => nullStream(),
      createClient: () => {
        const c = new FakeClient(meter);
        clients.push(c);
        return c;
      },
      model: 'BP35A1',
      routeBId: ID,
      password: meter.password,
      meter: { channel: 0x21, panId: PAN.panId, ipv6: METER_IP },
      stateDir: dir,
      timezone: 'Asia/Tokyo',
      timeouts: FAST,
      logger: silentLogger,
    });
    const env = await s.read();
    expect(env.meter).toBe(METER_MAC);
    expect(clients[0]!.scans).toBe(0);
    await s.close();
  });
});
