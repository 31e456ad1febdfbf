/**
 * A tiny HistoryAccess over the real SkClient talking to the emulator: join, read D3/E1/D7,
 * then SetC E5 = day + Get E2 per day (protocol.md §B.3). Only for tests; the product's
 * implementation lives on the B-route session.
 */
import { macToLinkLocal } from '../../src/broute/ipv6.js';
import { EOJ, ESV } from '../../src/echonet/esv.js';
import { decodeFrame, encodeFrame, type Frame, type Property } from '../../src/echonet/frame.js';
import {
  decodeCoefficient,
  decodeEffectiveDigits,
  decodeHistory,
  decodeUnit,
} from '../../src/echonet/meter.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { HistoryConstants } from '../../src/reading/backfill.js';
import type { HistoryAccess } from '../../src/service/backfill.js';
import { createSkClient } from '../../src/skstack/client.js';

export interface SkHistoryAccess extends HistoryAccess {
  /** SetC E5 + Get E2 pairs sent so far. */
  readonly dayReads: number[];
  close(): Promise<void>;
}

export async function connectHistoryAccess(
  emu: Emulator,
  credentials: { id: string; password: string },
): Promise<SkHistoryAccess> {
  const client = createSkClient(emu.attach(), {
    model: emu.options.dongle,
    timeouts: { command: 1_000, scanGrace: 1_000, join: 3_000, send: 1_000 },
  });
  const m = emu.meter.options;
  await client.init();
  await client.setCredentials(credentials.id, credentials.password);
  await client.setRegister('S2', m.channel.toString(16).toUpperCase());
  await client.setRegister('S3', m.panId.toString(16).toUpperCase().padStart(4, '0'));
  const ipv6 = macToLinkLocal(m.mac);
  if (!ipv6) throw new Error(`bad emulated MAC ${m.mac}`);
  // An earlier access may have left its session in the dongle (SKJOIN would answer FAIL ER10).
  await client.term();
  await client.join(ipv6);

  let tid = 0x100;
  const request = async (esv: number, properties: Property[]): Promise<Frame> => {
    tid++;
    const mine = tid;
    const reply = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no reply to TID ${mine}`));
      }, 2_000);
      const off = client.onEvent((e) => {
        if (e.kind !== 'erxudp') return;
        const f = decodeFrame(e.udp.data);
        if (f.tid !== mine || f.seoj !== EOJ.smartMeter) return;
        clearTimeout(timer);
        off();
        resolve(f);
      });
    });
    const sent = await client.sendTo(
      ipv6,
      encodeFrame({ tid: mine, seoj: EOJ.controller, deoj: EOJ.smartMeter, esv, properties }),
    );
    if (sent !== 0) throw new Error(`EVENT 21 param ${sent}`);
    return reply;
  };
  const edt = (f: Frame, epc: number): Uint8Array => {
    const p = f.properties.find((x) => x.epc === epc);
    if (!p) throw new Error(`EPC ${epc.toString(16)} missing in the reply`);
    return p.edt;
  };

  const facts = await request(ESV.Get, [
    { epc: 0xd3, edt: new Uint8Array() },
    { epc: 0xe1, edt: new Uint8Array() },
    { epc: 0xd7, edt: new Uint8Array() },
  ]);
  const constants: HistoryConstants = {
    coefficient: decodeCoefficient(edt(facts, 0xd3)) ?? 1,
    unit: decodeUnit(edt(facts, 0xe1)) ?? 0.1,
    digits: decodeEffectiveDigits(edt(facts, 0xd7)) ?? 8,
  };
  const dayReads: number[] = [];

  return {
    dayReads,
    meter: () => m.mac,
    constants: () => constants,
    async readHistoryDay(day) {
      dayReads.push(day);
      const set = await request(ESV.SetC, [{ epc: 0xe5, edt: Uint8Array.of(day) }]);
      if (set.esv !== ESV.Set_Res) throw new Error(`SetC E5 answered ESV ${set.esv.toString(16)}`);
      const res = await request(ESV.Get, [{ epc: 0xe2, edt: new Uint8Array() }]);
      const h = decodeHistory(edt(res, 0xe2));
      if (!h || h.day === null) throw new Error('E2 did not decode');
      return { day: h.day, raw: h.raw };
    },
    async close() {
      await client.close();
    },
  };
}
