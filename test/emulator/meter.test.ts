import { afterEach, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, type Frame, getRequest } from '../../src/echonet/frame.js';
import {
  Emulator,
  type EmulatorOptions,
  type Faults,
  type MeterOptions,
  NO_DATA,
} from '../../src/emulator/index.js';
import { erxudps, joined } from './host.js';

const emus: Emulator[] = [];
afterEach(async () => {
  for (const e of emus.splice(0)) await e.close();
});

/** 2026-05-20 hh:mm:ss in Japan. */
const jst = (d: number, h: number, m: number, s = 0) => Date.UTC(2026, 4, d, h - 9, m, s);

async function setup(
  meter: Partial<MeterOptions> = {},
  start = jst(20, 11, 50),
  extra: Partial<EmulatorOptions> = {},
) {
  const clock = { now: start };
  const emu = new Emulator({ latencyScale: 0, clock: () => clock.now, meter, ...extra });
  emus.push(emu);
  const h = await joined(emu);
  let tid = 100;
  const request = async (frame: Omit<Frame, 'tid'>): Promise<Frame> => {
    const t = ++tid;
    h.mark();
    const payload = encodeFrame({ ...frame, tid: t });
    const len = payload.length.toString(16).toUpperCase().padStart(4, '0');
    await h.send(Buffer.concat([Buffer.from(`SKSENDTO 1 ${emu.addresses.meter} 0E1A 1 ${len} `), payload]));
    await h.waitFor((x) => erxudps(Buffer.from(x, 'latin1')).some((e) => e.fields[1] !== FF02));
    const reply = decodeFrame(erxudps(h.bytes).find((e) => e.fields[1] !== FF02)!.data);
    expect(reply.tid).toBe(t);
    return reply;
  };
  const get = (epcs: number[], deoj = 0x028801) => request(getRequest(0, 0x05ff01, deoj, epcs));
  const edt = async (epc: number) => Buffer.from((await get([epc])).properties[0]!.edt);
  const setC = (epc: number, data: number[]) =>
    request({ seoj: 0x05ff01, deoj: 0x028801, esv: 0x61, properties: [{ epc, edt: Uint8Array.from(data) }] });
  return { emu, h, clock, get, edt, setC };
}
const FF02 = 'FF02:0000:0000:0000:0000:0000:0000:0001';
const u32 = (b: Buffer, at = 0) => b.readUInt32BE(at);

describe('counter consistency', () => {
  it('EA is E0 at the last :00/:30 and E0 advances by the integral of E7 (0.1 kWh steps)', async () => {
    const { emu, clock, edt } = await setup();
    clock.now = jst(20, 12, 0);
    const e0AtNoon = u32(await edt(0xe0));
    clock.now = jst(20, 13, 10, 30);
    const ea = await edt(0xea);
    expect([...ea.subarray(0, 7)]).toEqual([0x07, 0xea, 5, 20, 13, 0, 0]);
    const e0 = u32(await edt(0xe0));
    // integrate the meter's own E7 minute by minute from 12:00 to 13:10:30
    let wh = 0;
    for (let t = jst(20, 12, 0); t < clock.now; t += 30_000) wh += (emu.meter.powerAt(t) * 30) / 3600;
    expect(Math.abs((e0 - e0AtNoon) * 100 - wh)).toBeLessThanOrEqual(100);
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 13, 0)));
    expect(e0).toBeGreaterThan(u32(ea, 7));
    expect(emu.meter.energyAt(clock.now)).toBeCloseTo(e0 / 10, 0);
  });

  it('E2 for yesterday and today agree with E0 read at each half hour, across midnight', async () => {
    const { emu, clock, edt, setC } = await setup({}, jst(20, 23, 20));
    clock.now = jst(20, 23, 30);
    const e0At2330 = u32(await edt(0xe0));
    clock.now = jst(21, 0, 0);
    const e0AtMidnight = u32(await edt(0xe0));
    clock.now = jst(21, 0, 40);
    expect((await setC(0xe5, [1])).esv).toBe(0x71);
    const yesterday = await edt(0xe2);
    expect(yesterday.length).toBe(194);
    expect(yesterday.readUInt16BE(0)).toBe(1);
    expect(u32(yesterday, 2 + 47 * 4)).toBe(e0At2330);
    expect(u32(yesterday, 2)).toBe(emu.meter.counterAt(jst(20, 0, 0)));
    expect((await setC(0xe5, [0])).esv).toBe(0x71);
    const today = await edt(0xe2);
    expect(today.readUInt16BE(0)).toBe(0);
    expect(u32(today, 2)).toBe(e0AtMidnight);
    expect(u32(today, 6)).toBe(emu.meter.counterAt(jst(21, 0, 30)));
    expect(u32(today, 10)).toBe(NO_DATA);
    expect(u32(today, 2 + 47 * 4)).toBe(NO_DATA);
    const ea = await edt(0xea);
    expect([...ea.subarray(0, 7)]).toEqual([0x07, 0xea, 5, 21, 0, 30, 0]);
    expect(u32(ea, 7)).toBe(u32(today, 6));
  });

  it('scales by D3 × E1 (coefficient 10) and wraps at 10^D7', async () => {
    const { emu, edt } = await setup({ coefficient: 10, digits: 4, startEnergyKwh: 123456 });
    expect(u32(await edt(0xd3))).toBe(10);
    expect((await edt(0xd7))[0]).toBe(4);
    const raw = u32(await edt(0xe0));
    const kwh = emu.meter.energyAt(emu.meter.now());
    expect(raw).toBe(Math.floor(kwh) % 10_000);
    expect(raw).toBeLessThan(10_000);
  });

  it('uses other units by E1 (0.01 kWh)', async () => {
    const { emu, edt } = await setup({ unitCode: 0x02 });
    expect((await edt(0xe1))[0]).toBe(2);
    expect(u32(await edt(0xe0))).toBe(
      Math.floor(emu.meter.energyAt(emu.meter.now()) * 100 + 1e-9) % 1_000_000,
    );
  });
});

describe('ECHONET rules', () => {
  it('lists the real meter’s 25 EPCs in 9F (bitmap form) for a solar meter with D3', async () => {
    const { edt } = await setup({ solar: true });
    expect((await edt(0x9f)).toString('hex')).toBe('1941414160404000624300414040430202');
  });

  it('answers Get_SNA with PDC 0 for D3 when the meter has none, keeping readable properties', async () => {
    const { get, edt } = await setup({ hasD3: false });
    const r = await get([0xe1, 0xd3]);
    expect(r.esv).toBe(0x52);
    expect(r.properties.map((p) => [p.epc, p.edt.length])).toEqual([
      [0xe1, 1],
      [0xd3, 0],
    ]);
    const map = await edt(0x9f);
    expect(map[0]).toBe(21);
  });

  it('answers only maxPropsPerGet EPCs: the rest with PDC 0 (sna) or left out (short)', async () => {
    const sna = await setup({ maxPropsPerGet: 3 });
    const r = await sna.get([0xe7, 0xe8, 0xe0, 0xe1, 0xd7]);
    expect(r.esv).toBe(0x52);
    expect(r.properties.map((p) => p.edt.length)).toEqual([4, 4, 4, 0, 0]);
    const short = await setup({ maxPropsPerGet: 3, overflow: 'short' });
    const s = await short.get([0xe7, 0xe8, 0xe0, 0xe1, 0xd7]);
    expect(s.esv).toBe(0x72);
    expect(s.properties.map((p) => p.epc)).toEqual([0xe7, 0xe8, 0xe0]);
  });

  it('SetC: accepted → Set_Res PDC 0; out of range or read-only → SetC_SNA echoing the data', async () => {
    const { setC, edt } = await setup();
    const bad = await setC(0xe5, [100]);
    expect(bad.esv).toBe(0x51);
    expect([...bad.properties[0]!.edt]).toEqual([100]);
    expect((await setC(0xe0, [0, 0, 0, 1])).esv).toBe(0x51);
    const ok = await setC(0xe5, [2]);
    expect(ok.esv).toBe(0x71);
    expect(ok.properties[0]!.edt.length).toBe(0);
    expect((await edt(0xe2)).readUInt16BE(0)).toBe(2);
  });

  it('EC/ED: historical data 2 goes back 30 min per item from the ED time', async () => {
    const { emu, setC, edt } = await setup({ solar: true }, jst(20, 15, 0));
    expect((await setC(0xed, [0x07, 0xea, 5, 20, 14, 30, 3])).esv).toBe(0x71);
    const ec = await edt(0xec);
    expect(ec.length).toBe(7 + 3 * 8);
    expect(u32(ec, 7)).toBe(emu.meter.counterAt(jst(20, 14, 30)));
    expect(u32(ec, 11)).toBe(emu.meter.counterAt(jst(20, 14, 30), true));
    expect(u32(ec, 15)).toBe(emu.meter.counterAt(jst(20, 14, 0)));
    expect((await setC(0xed, [0x07, 0xea, 5, 20, 14, 15, 3])).esv).toBe(0x51);
  });

  it('solar: negative E7 at midday, E3 rising, E8 currents follow P/100 V; T = 0x7FFE on single-phase', async () => {
    const { emu, clock, edt } = await setup({ solar: true }, jst(20, 12, 0));
    const p = (await edt(0xe7)).readInt32BE(0);
    expect(p).toBeLessThan(0);
    expect(p).toBe(emu.meter.powerAt(clock.now));
    const e8 = await edt(0xe8);
    expect(e8.readInt16BE(0)).toBe(Math.round(p / 10));
    expect(e8.readUInt16BE(2)).toBe(0x7ffe);
    const e3 = u32(await edt(0xe3));
    clock.now += 3_600_000;
    expect(u32(await edt(0xe3))).toBeGreaterThan(e3);
    expect((await edt(0xeb)).length).toBe(11);
  });

  it('three-phase meters split the current on R and T; no solar → no E3', async () => {
    const { get, edt } = await setup({ phases: 3 });
    const e8 = await edt(0xe8);
    expect(e8.readInt16BE(2)).toBe(e8.readInt16BE(0));
    expect((await get([0xe3])).esv).toBe(0x52);
  });

  it('current time/date 97/98 follow the meter clock in its zone; the node profile lists 028801', async () => {
    const { edt, get } = await setup({}, jst(20, 23, 59));
    expect([...(await edt(0x97))]).toEqual([23, 59]);
    expect([...(await edt(0x98))]).toEqual([0x07, 0xea, 5, 20]);
    const np = await get([0xd5, 0xd6], 0x0ef001);
    expect(np.seoj).toBe(0x0ef001);
    expect(np.properties.map((x) => Buffer.from(x.edt).toString('hex'))).toEqual(['01028801', '01028801']);
  });
});

describe('notifications', () => {
  it('multicasts EA (and EB with solar) INF a few minutes after each :30 while the session is up', async () => {
    const { emu, clock, h } = await setup({ solar: true }, jst(20, 12, 5));
    h.mark();
    clock.now = jst(20, 12, 35);
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 2, 3000);
    const frames = erxudps(h.bytes).map((e) => {
      expect(e.fields[1]).toBe(FF02);
      return decodeFrame(e.data);
    });
    expect(frames.map((f) => [f.esv, f.seoj, f.properties[0]!.epc])).toEqual([
      [0x73, 0x028801, 0xea],
      [0x73, 0x028801, 0xeb],
    ]);
    const ea = Buffer.from(frames[0]!.properties[0]!.edt);
    expect([...ea.subarray(0, 7)]).toEqual([0x07, 0xea, 5, 20, 12, 30, 0]);
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 12, 30)));
  });
});

describe('the meter clock: skew, late half-hour values, busy properties', () => {
  const skewed = (faults: Partial<Faults>) => ({ faults });
  const stamp = (b: Buffer) => [...b.subarray(0, 7)];

  it('a meter clock 95 s behind: 97/98, EA and the E2 slots follow it', async () => {
    const { emu, edt } = await setup({}, jst(20, 12, 0, 30), skewed({ meterClockSkew: -95 }));
    expect([...(await edt(0x97))]).toEqual([11, 58]);
    const ea = await edt(0xea);
    expect(stamp(ea)).toEqual([0x07, 0xea, 5, 20, 11, 30, 0]);
    // The meter latched 11:30 of its clock at 11:31:35 of ours.
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 11, 31, 35)));
    const e2 = await edt(0xe2);
    expect(u32(e2, 2 + 23 * 4)).toBe(u32(ea, 7));
    expect(u32(e2, 2 + 24 * 4)).toBe(NO_DATA);
  });

  it('a meter clock 2 min ahead is already on the next day: 98, E5 = 0 and EA say so', async () => {
    const { emu, edt } = await setup({}, jst(20, 23, 59), skewed({ meterClockSkew: 120 }));
    expect([...(await edt(0x98))]).toEqual([0x07, 0xea, 5, 21]);
    expect([...(await edt(0x97))]).toEqual([0, 1]);
    const e2 = await edt(0xe2);
    expect(e2.readUInt16BE(0)).toBe(0);
    expect(u32(e2, 2)).toBe(emu.meter.counterAt(jst(20, 23, 58)));
    expect(u32(e2, 6)).toBe(NO_DATA);
    expect(stamp(await edt(0xea))).toEqual([0x07, 0xea, 5, 21, 0, 0, 0]);
  });

  it('meterUpdateDelay: EA and E2 keep the previous slot until the delay has passed', async () => {
    const { emu, clock, edt } = await setup({}, jst(20, 12, 31), skewed({ meterUpdateDelay: 120 }));
    expect(stamp(await edt(0xea))).toEqual([0x07, 0xea, 5, 20, 12, 0, 0]);
    expect(u32(await edt(0xe2), 2 + 25 * 4)).toBe(NO_DATA);
    clock.now = jst(20, 12, 32);
    const ea = await edt(0xea);
    expect(stamp(ea)).toEqual([0x07, 0xea, 5, 20, 12, 30, 0]);
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 12, 30)));
    expect(u32(await edt(0xe2), 2 + 25 * 4)).toBe(u32(ea, 7));
  });

  it('after midnight E5 = 0 is the new day (no slot yet) while EA still carries 23:30', async () => {
    const { emu, edt } = await setup({}, jst(21, 0, 1), skewed({ meterUpdateDelay: 120 }));
    const e2 = await edt(0xe2);
    expect(e2.readUInt16BE(0)).toBe(0);
    expect(u32(e2, 2)).toBe(NO_DATA);
    const ea = await edt(0xea);
    expect(stamp(ea)).toEqual([0x07, 0xea, 5, 20, 23, 30, 0]);
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 23, 30)));
  });

  it('the EA notification follows the skewed, delayed clock', async () => {
    const { emu, clock, h } = await setup(
      {},
      jst(20, 12, 5),
      skewed({ meterClockSkew: -95, meterUpdateDelay: 120 }),
    );
    h.mark();
    clock.now = jst(20, 12, 40);
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 1, 3000);
    const ea = Buffer.from(decodeFrame(erxudps(h.bytes)[0]!.data).properties[0]!.edt);
    expect(stamp(ea)).toEqual([0x07, 0xea, 5, 20, 12, 30, 0]);
    expect(u32(ea, 7)).toBe(emu.meter.counterAt(jst(20, 12, 31, 35)));
  });

  it('busy EA:2: the next two Gets with EA answer it with PDC 0 in a Get_SNA; others are untouched', async () => {
    const { emu, get } = await setup({}, jst(20, 12, 10), skewed({ busy: { EA: 2 } }));
    const shape = (f: Frame) => [f.esv, ...f.properties.map((p) => p.edt.length)];
    expect(shape(await get([0xe7, 0xea]))).toEqual([0x52, 4, 0]);
    expect(shape(await get([0xe7]))).toEqual([0x72, 4]);
    expect(shape(await get([0xea, 0xe0]))).toEqual([0x52, 0, 4]);
    expect(shape(await get([0xe7, 0xea]))).toEqual([0x72, 4, 11]);
    expect(emu.faults.busy).toEqual({ EA: 0 });
  });
});
