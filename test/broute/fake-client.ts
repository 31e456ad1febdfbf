/** A small scripted SkClient + meter for session unit tests (no emulator, no timers). */

import type { MeterSource } from '../../src/broute/api.js';
import { macToLinkLocal } from '../../src/broute/ipv6.js';
import type { MeterSessionOptions } from '../../src/broute/options.js';
import { createMeterSession } from '../../src/broute/session.js';
import { decodeFrame, encodeFrame, type Frame } from '../../src/echonet/frame.js';
import { HemsError } from '../../src/errors.js';
import { createRecorder, type Recorder } from '../../src/service/recorder.js';
import type { DongleInfo, Edition, PanDesc, SkClient, SkEvent, TermResult } from '../../src/skstack/api.js';
import type { ByteStream } from '../../src/transport/types.js';

export const METER_MAC = '001C640003DD6393';
export const METER_IP = macToLinkLocal(METER_MAC)!;
export const PAN: PanDesc = {
  channel: 0x21,
  channelPage: 9,
  panId: 0x6393,
  addr: METER_MAC,
  lqi: 0x80,
  side: null,
  pairId: null,
};

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Meter state shared by every client (it survives reopen). */
export class FakeMeter {
  energy = 123456;
  ea = { y: 2026, mo: 5, d: 20, h: 14, mi: 0, raw: 123450 };
  history: (number | null)[] = Array.from({ length: 48 }, (_, i) => (i <= 28 ? 123000 + i * 15 : null));
  historyYesterday: (number | null)[] = Array.from({ length: 48 }, (_, i) => 122000 + i * 10);
  maxPerGet = 6;
  dropResponses = 0;
  sendFailures = 0;
  e5 = 0;
  /** When set, E2 echoes this day instead of E5 (a misbehaving meter). */
  e2Day: number | null = null;
  password = 'CORRECTPASS1';
  scanResults: PanDesc[][] = [[PAN]];
  /** The meter's EUI-64 (swap() replaces the meter). */
  mac = METER_MAC;
  /** Rebooting or gone: no ACK for sends (EVENT 21 01), joins fail, scans find nothing. */
  silent = false;
  /** The meter's own date for 0x98 ("YYYY-MM-DD"), listed in its Get map when set. */
  date: string | null = null;

  get ip(): string {
    return macToLinkLocal(this.mac)!;
  }

  /** The PAN a scan finds now. */
  pan(): PanDesc {
    return { ...PAN, addr: this.mac, panId: Number.parseInt(this.mac.slice(-4), 16) };
  }

  /** Another meter takes this one's place (a meter replaced by the utility). */
  swap(mac: string): void {
    this.mac = mac;
  }
  requests: Frame[] = [];
  sent: Frame[] = [];

  edt(epc: number): number[] | null {
    switch (epc) {
      case 0xd3:
        return u32(1);
      case 0xe1:
        return [0x01];
      case 0xd7:
        return [0x06];
      case 0x9f: {
        const epcs = [
          0x80,
          0x81,
          0x82,
          ...(this.date ? [0x97, 0x98] : []),
          0x9f,
          0xd3,
          0xd7,
          0xe0,
          0xe1,
          0xe2,
          0xe5,
        ];
        return [epcs.length + 3, ...epcs, 0xe7, 0xe8, 0xea];
      }
      case 0x98: {
        if (!this.date) return null;
        const [y, m, d] = this.date.split('-').map(Number) as [number, number, number];
        return [y >> 8, y & 0xff, m, d];
      }
      case 0xe0:
        return u32(this.energy);
      case 0xe7:
        return u32(632);
      case 0xe8:
        return [0x00, 0x4b, 0x7f, 0xfe];
      case 0xea: {
        const e = this.ea;
        return [e.y >> 8, e.y & 0xff, e.mo, e.d, e.h, e.mi, 0, ...u32(e.raw)];
      }
      case 0xe2: {
        const slots = this.e5 === 0 ? this.history : this.historyYesterday;
        return [0, this.e2Day ?? this.e5, ...slots.flatMap((s) => u32(s ?? 0xfffffffe))];
      }
      default:
        return null;
    }
  }

  answer(req: Frame): Frame | null {
    if (req.esv === 0x61) {
      const p = req.properties[0]!;
      if (p.epc === 0xe5) this.e5 = p.edt[0]!;
      return {
        tid: req.tid,
        seoj: 0x028801,
        deoj: req.seoj,
        esv: 0x71,
        properties: [{ epc: p.epc, edt: new Uint8Array(0) }],
      };
    }
    if (req.esv !== 0x62) return null;
    const asked = req.properties.slice(0, this.maxPerGet);
    let sna = false;
    const properties = asked.map((p) => {
      const edt = this.edt(p.epc);
      if (!edt) sna = true;
      return { epc: p.epc, edt: Uint8Array.from(edt ?? []) };
    });
    return { tid: req.tid, seoj: 0x028801, deoj: req.seoj, esv: sna ? 0x52 : 0x72, properties };
  }
}

export class FakeClient implements SkClient {
  readonly info: DongleInfo = {
    model: 'BP35A1',
    edition: 'single-hop',
    editionConfirmed: false,
    payload: 'hex',
    version: '1.2.10',
    ipv6: null,
  };
  private listeners = new Set<(e: SkEvent) => void>();
  joins = 0;
  scans = 0;
  terms = 0;
  closed = false;
  password = '';
  registers: Record<string, string> = {};
  /** Extra hook run before a join resolves (e.g. scripted failures). */
  joinResults: boolean[] = [];
  /** The dongle still holds a PANA session (e.g. from a killed process): SKJOIN → FAIL ER10 until SKTERM. */
  holdsSession = false;
  /** A session of ours is up (SKTERM then ends it). */
  joined = false;
  /** SKSREG SFB: the transmission-time limit is active. */
  sfb = '0';
  inits = 0;
  credentials = false;
  /** Run inside init() / join(), e.g. to emit events that arrive during them. */
  hooks: { init?: () => void; join?: () => void } = {};
  /** After resetModule(): how a send without a session ends, and whether commands are echoed. */
  private resetReply: 'ER10' | 'event21' | null = null;
  private echoOn = false;

  constructor(readonly meter: FakeMeter) {}

  async init(): Promise<DongleInfo> {
    this.inits++;
    this.echoOn = false;
    this.hooks.init?.();
    return this.info;
  }
  async setCredentials(_id: string, password: string): Promise<void> {
    this.password = password;
    this.credentials = true;
  }
  /** The radio module resets with the port open (brown-out): settings and session gone. */
  resetModule(reply: 'ER10' | 'event21', echo: boolean): void {
    this.credentials = false;
    this.joined = false;
    this.holdsSession = false;
    this.resetReply = reply;
    this.echoOn = echo;
  }
  async scan(_d: number): Promise<PanDesc[]> {
    this.scans++;
    if (this.meter.silent) return [];
    return this.meter.scanResults.shift() ?? [this.meter.pan()];
  }
  async setRegister(reg: string, value: string): Promise<void> {
    this.registers[reg] = value;
  }
  async readRegister(reg: string): Promise<string> {
    if (reg === 'SFB') return this.sfb;
    throw new HemsError('DONGLE_FAIL', 'FAIL ER06', { er: 'ER06' });
  }
  useEdition(edition: Edition, confirmed: boolean): void {
    this.info.edition = edition;
    this.info.editionConfirmed = confirmed;
  }
  async probeEdition(): Promise<Edition | null> {
    return null;
  }
  async ll64(addr: string): Promise<string> {
    return macToLinkLocal(addr)!;
  }
  async join(ipv6: string): Promise<void> {
    this.joins++;
    this.hooks.join?.();
    if (this.holdsSession || !this.credentials)
      throw new HemsError('DONGLE_FAIL', 'FAIL ER10', { er: 'ER10' });
    const scripted = this.joinResults.shift();
    const away = this.meter.silent || ipv6 !== this.meter.ip;
    if (scripted === false || away || this.password !== this.meter.password) {
      throw new HemsError('PANA_JOIN_FAILED', 'EVENT 24');
    }
    this.joined = true;
    // the meter's instance-list INF after joining (ignored: node profile)
    this.emitFrame({
      tid: 0,
      seoj: 0x0ef001,
      deoj: 0x0ef001,
      esv: 0x73,
      properties: [{ epc: 0xd5, edt: Uint8Array.of(1, 2, 0x88, 1) }],
    });
  }
  async sendTo(ipv6: string, payload: Uint8Array): Promise<number> {
    if (this.closed) throw new HemsError('DONGLE_CLOSED', 'closed');
    if (this.echoOn) this.emit({ kind: 'echo', text: `SKSENDTO 1 ${ipv6} 0E1A 1 000E ` });
    if (!this.joined && this.resetReply === 'ER10')
      throw new HemsError('DONGLE_FAIL', 'FAIL ER10', { er: 'ER10' });
    const req = decodeFrame(payload);
    this.meter.sent.push(req);
    if ((!this.joined && this.resetReply === 'event21') || this.meter.silent || ipv6 !== this.meter.ip)
      return 1;
    if (this.meter.sendFailures > 0) {
      this.meter.sendFailures--;
      return 1;
    }
    this.meter.requests.push(req);
    const res = this.meter.answer(req);
    if (res) {
      if (this.meter.dropResponses > 0) this.meter.dropResponses--;
      else setImmediate(() => this.emitFrame(res));
    }
    return 0;
  }
  async term(): Promise<TermResult> {
    this.terms++;
    const had = this.holdsSession || this.joined;
    this.holdsSession = false;
    this.joined = false;
    return had ? 'ended' : 'no-session';
  }
  onEvent(listener: (e: SkEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
  }

  emit(e: SkEvent): void {
    for (const l of this.listeners) l(e);
  }
  event(num: number): void {
    this.emit({ kind: 'event', num, sender: this.meter.ip, side: null, param: null });
  }
  emitFrame(f: Frame, sender = this.meter.ip, port = 0x0e1a): void {
    this.emit({
      kind: 'erxudp',
      udp: {
        sender,
        dest: 'FE80:0000:0000:0000:021D:1290:1234:5678',
        rport: port,
        lport: port,
        senderLla: this.meter.mac,
        rssi: null,
        secured: true,
        side: null,
        data: encodeFrame(f),
      },
    });
  }
}

export function nullStream(): ByteStream {
  return {
    write: async () => undefined,
    onData: () => undefined,
    onClose: () => undefined,
    close: async () => undefined,
    description: 'fake',
  };
}

/** The B-route session with the record building on top, as the CLI wires them. */
export function recordingSession(opts: MeterSessionOptions): Recorder & Pick<MeterSource, 'scan'> {
  const source = createMeterSession(opts);
  const recorder = createRecorder({
    source,
    stateDir: opts.stateDir,
    timezone: opts.timezone,
    logger: opts.logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return Object.assign(recorder, { scan: (signal?: AbortSignal) => source.scan(signal) });
}
