import { ESV } from '../echonet/esv.js';
import type { Frame, Property } from '../echonet/frame.js';
import { concat, dateTime, propertyMap, s16, s32, u8, u16, u32 } from './edt.js';
import { localParts, localToEpoch } from './local-time.js';
import type { MeterClock } from './meter-clock.js';
import { type MeterModel, NO_DATA } from './meter-model.js';

export const METER_EOJ = 0x028801;
export const NODE_PROFILE_EOJ = 0x0ef001;

/** What an ECHONET request did, for the emulator's counters. */
export interface RequestStats {
  propertiesRequested: number;
  epcs: number[];
}

/**
 * The ECHONET side of the meter: object 0x028801 and the node profile 0x0EF001, answering
 * Get / SetC / SetI by the rules of protocol.md §B.3 from the MeterModel's counters, stamped and
 * latched by the meter's own clock. `busy(epc)` says a property is momentarily unavailable
 * (answered with PDC 0 in a Get_SNA).
 */
export class MeterObject {
  /** E5: day for historical data 1 (0 = today). */
  private historyDay = 0;
  /** ED: day/time for historical data 2, 7 bytes; null = not set (the last :00/:30, 12 slots). */
  private history2: Uint8Array | null = null;
  private infTid = 0;

  constructor(
    private readonly model: MeterModel,
    private readonly clock: MeterClock,
    private readonly busy: (epc: number) => boolean = () => false,
  ) {}

  /** EPCs of 0x028801 that exist on this meter (its Get property map 0x9F). */
  meterGetEpcs(): number[] {
    const o = this.model.options;
    const all = [
      0x80, 0x81, 0x82, 0x88, 0x8a, 0x8d, 0x97, 0x98, 0x9d, 0x9e, 0x9f, 0xd3, 0xd7, 0xe0, 0xe1, 0xe2, 0xe3,
      0xe4, 0xe5, 0xe7, 0xe8, 0xea, 0xeb, 0xec, 0xed,
    ];
    return all.filter(
      (e) => (o.hasD3 || e !== 0xd3) && (o.solar || (e !== 0xe3 && e !== 0xe4 && e !== 0xeb)),
    );
  }

  /** Handles one request frame; returns the response, or null when none is due. */
  handle(req: Frame, stats: RequestStats): Frame | null {
    const target = objectOf(req.deoj);
    if (!target) return null;
    const reply = (esv: number, properties: Property[]): Frame => ({
      tid: req.tid,
      seoj: target === 'meter' ? METER_EOJ : NODE_PROFILE_EOJ,
      deoj: req.seoj,
      esv,
      properties,
    });
    if (req.esv === ESV.Get) {
      stats.propertiesRequested += req.properties.length;
      stats.epcs.push(...req.properties.map((p) => p.epc));
      return this.get(req.properties, target, reply);
    }
    if (req.esv === ESV.SetC || req.esv === ESV.SetI) {
      const results = req.properties.map((p) => ({ p, ok: target === 'meter' && this.set(p) }));
      const failed = results.some((r) => !r.ok);
      if (req.esv === ESV.SetI && !failed) return null;
      const props = results.map(({ p, ok }) => (ok ? { epc: p.epc, edt: new Uint8Array(0) } : p));
      if (req.esv === ESV.SetI) return reply(ESV.SetI_SNA, props);
      return reply(failed ? ESV.SetC_SNA : ESV.Set_Res, props);
    }
    return null;
  }

  /** The node-profile INF with the instance list, multicast after a join (§B.3). */
  instanceListInf(): Frame {
    return {
      tid: this.nextTid(),
      seoj: NODE_PROFILE_EOJ,
      deoj: NODE_PROFILE_EOJ,
      esv: ESV.INF,
      properties: [{ epc: 0xd5, edt: Uint8Array.of(1, 0x02, 0x88, 0x01) }],
    };
  }

  /** INF frames for the fixed-time energies: EA, and EB with solar. */
  fixedTimeInfs(): Frame[] {
    const epcs = this.model.options.solar ? [0xea, 0xeb] : [0xea];
    return epcs.map((epc) => ({
      tid: this.nextTid(),
      seoj: METER_EOJ,
      deoj: NODE_PROFILE_EOJ,
      esv: ESV.INF,
      properties: [{ epc, edt: this.meterEdt(epc)! }],
    }));
  }

  private nextTid(): number {
    const t = this.infTid;
    this.infTid = (this.infTid + 1) & 0xffff;
    return t;
  }

  private get(
    props: Property[],
    target: 'meter' | 'node',
    reply: (esv: number, p: Property[]) => Frame,
  ): Frame {
    const max = this.model.options.maxPropsPerGet;
    const short = this.model.options.overflow === 'short';
    const asked = short ? props.slice(0, max) : props;
    let sna = false;
    const out = asked.map((p, i) => {
      const meter = target === 'meter';
      const edt =
        i >= max || (meter && this.busy(p.epc)) ? null : meter ? this.meterEdt(p.epc) : this.nodeEdt(p.epc);
      if (!edt) sna = true;
      return { epc: p.epc, edt: edt ?? new Uint8Array(0) };
    });
    return reply(sna ? ESV.Get_SNA : ESV.Get_Res, out);
  }

  private set(p: Property): boolean {
    if (p.epc === 0xe5 && p.edt.length === 1 && p.edt[0]! <= 99) {
      this.historyDay = p.edt[0]!;
      return true;
    }
    if (p.epc === 0xed && p.edt.length === 7) {
      const d = new DataView(p.edt.buffer, p.edt.byteOffset, 7);
      const [month, day, hour, minute, n] = [
        d.getUint8(2),
        d.getUint8(3),
        d.getUint8(4),
        d.getUint8(5),
        d.getUint8(6),
      ];
      const valid =
        month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && (minute === 0 || minute === 30);
      if (!valid || n < 1 || n > 12) return false;
      this.history2 = p.edt.slice();
      return true;
    }
    return false;
  }

  /** EDT of a meter property now, or null when the meter does not have it. */
  meterEdt(epc: number): Uint8Array | null {
    if (!this.meterGetEpcs().includes(epc)) return null;
    const m = this.model;
    const c = this.clock;
    const o = m.options;
    const now = m.now();
    const local = localParts(c.now(), m.timeZone);
    switch (epc) {
      case 0x80:
        return u8(0x30);
      case 0x81:
        return u8(0x00);
      case 0x82:
        return Uint8Array.of(0x00, 0x00, 0x46, 0x00);
      case 0x88:
        return u8(0x42);
      case 0x8a:
        return Uint8Array.from(Buffer.from(o.manufacturer.padStart(6, '0').slice(0, 6), 'hex'));
      case 0x8d: {
        const out = new Uint8Array(12);
        out.set(Buffer.from(o.serial.slice(0, 12), 'ascii'));
        return out;
      }
      case 0x97:
        return Uint8Array.of(local.hour, local.minute);
      case 0x98:
        return concat(u16(local.year), Uint8Array.of(local.month, local.day));
      case 0x9d:
        return propertyMap([0x80, 0x81, 0x88]);
      case 0x9e:
        return propertyMap([0xe5, 0xed]);
      case 0x9f:
        return propertyMap(this.meterGetEpcs());
      case 0xd3:
        return u32(o.coefficient);
      case 0xd7:
        return u8(o.digits);
      case 0xe0:
        return u32(m.counterAt(now));
      case 0xe3:
        return u32(m.counterAt(now, true));
      case 0xe1:
        return u8(o.unitCode);
      case 0xe2:
      case 0xe4:
        return concat(u16(this.historyDay), ...c.history(this.historyDay, epc === 0xe4).map(u32));
      case 0xe5:
        return u8(this.historyDay);
      case 0xe7:
        return s32(m.powerAt(now));
      case 0xe8: {
        const amps = m.currentsAt(now);
        return concat(s16(amps.r), amps.t === null ? u16(0x7ffe) : s16(amps.t));
      }
      case 0xea:
      case 0xeb: {
        const at = c.latched();
        return concat(dateTime(localParts(at, m.timeZone), true), u32(c.counterAt(at, epc === 0xeb)));
      }
      case 0xec:
        return this.history2Edt();
      case 0xed:
        return this.history2 ?? this.defaultHistory2();
      default:
        return null;
    }
  }

  private defaultHistory2(): Uint8Array {
    return concat(dateTime(localParts(this.clock.latched(), this.model.timeZone), false), u8(12));
  }

  /** EC: n pairs (normal, reverse) going backwards 30 min at a time from the ED time (meter clock). */
  private history2Edt(): Uint8Array {
    const ed = this.history2 ?? this.defaultHistory2();
    const last = this.clock.latched();
    const d = new DataView(ed.buffer, ed.byteOffset, 7);
    const start = localToEpoch(
      this.model.timeZone,
      d.getUint16(0),
      d.getUint8(2),
      d.getUint8(3),
      d.getUint8(4),
      d.getUint8(5),
    );
    const parts: Uint8Array[] = [ed];
    for (let k = 0; k < d.getUint8(6); k++) {
      const at = start - k * 1_800_000;
      const future = at > last;
      parts.push(u32(future ? NO_DATA : this.clock.counterAt(at)));
      parts.push(u32(future || !this.model.options.solar ? NO_DATA : this.clock.counterAt(at, true)));
    }
    return concat(...parts);
  }

  private nodeEdt(epc: number): Uint8Array | null {
    const mac = Buffer.from(this.model.options.mac, 'hex');
    switch (epc) {
      case 0x80:
        return u8(0x30);
      case 0x82:
        return Uint8Array.of(0x01, 0x0d, 0x01, 0x00);
      case 0x83:
        return concat(
          u8(0xfe),
          Uint8Array.from(Buffer.from(this.model.options.manufacturer.padStart(6, '0'), 'hex')),
          pad(mac, 13),
        );
      case 0x8a:
        return Uint8Array.from(Buffer.from(this.model.options.manufacturer.padStart(6, '0'), 'hex'));
      case 0x9d:
        return propertyMap([0x80, 0xd5]);
      case 0x9e:
        return propertyMap([]);
      case 0x9f:
        return propertyMap([0x80, 0x82, 0x83, 0x8a, 0x9d, 0x9e, 0x9f, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7]);
      case 0xd3:
        return Uint8Array.of(0, 0, 1);
      case 0xd4:
        return u16(2);
      case 0xd5:
      case 0xd6:
        return Uint8Array.of(1, 0x02, 0x88, 0x01);
      case 0xd7:
        return Uint8Array.of(1, 0x02, 0x88);
      default:
        return null;
    }
  }
}

function objectOf(eoj: number): 'meter' | 'node' | null {
  if (eoj === METER_EOJ || eoj === 0x028800) return 'meter';
  if (eoj === NODE_PROFILE_EOJ || eoj === 0x0ef000) return 'node';
  return null;
}

function pad(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(bytes.subarray(0, len));
  return out;
}
