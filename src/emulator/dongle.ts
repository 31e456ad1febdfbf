import { decodeFrame, encodeFrame, type Frame } from '../echonet/frame.js';
import type { FaultSwitches } from './faults.js';
import { InputFramer, type InputUnit } from './input-framer.js';
import type { MeterModel } from './meter-model.js';
import type { MeterObject, RequestStats } from './meter-object.js';
import { type Datagram, Formatter, hex, MULTICAST, type Out, serialise } from './output.js';
import { type DongleProfile, linkLocalOf } from './profiles.js';
import { checkRegisterValue, defaultRegisters, registerName } from './registers.js';
import { garbageBytes, panaPayload, strayDatagrams } from './traffic.js';

export interface EmulatorCounters {
  commands: Record<string, number>;
  sendTo: number;
  propertiesRequested: number;
  epcsRequested: Record<string, number>;
  joins: number;
  scans: number;
  wopt: number;
}

export interface DongleDeps {
  profile: DongleProfile;
  latencyScale: number;
  routeBId?: string;
  password?: string;
  model: MeterModel;
  meter: MeterObject;
  faults: FaultSwitches;
  counters: EmulatorCounters;
  /** Bytes to the host. */
  output: (bytes: Uint8Array) => void;
}

/** Realistic latencies in ms (multiplied by latencyScale), protocol.md §D.2. */
const LATENCY = { join: 3_000, joinFail: 40_000, get: 1_500, term: 500, reauth: 4_000, inf: 1_000 };
const PRODUCT = new Set(['ROPT', 'WOPT', 'RUART', 'WUART']);
const IPV6 = /^[0-9A-Fa-f]{4}(:[0-9A-Fa-f]{4}){7}$/;
type Session = 'down' | 'joining' | 'up' | 'reauth';

/** The SKSTACK IP side: one dialect profile, registers, scan/join/session, SKSENDTO ⇄ meter. */
export class Dongle {
  readonly ownIp: string;
  readonly meterIp: string;
  private readonly fmt: Formatter;
  private readonly framer = new InputFramer();
  private readonly timers = new Set<NodeJS.Timeout>();
  private regs: Map<string, string>;
  private hexMode: boolean;
  private pwd: string | null = null;
  private rbid: string | null = null;
  private scanning = false;
  private session: Session = 'down';
  private peers = new Set<string>();
  private announced = 0;
  private blocks = 0;
  private stopped = false;

  constructor(private readonly d: DongleDeps) {
    this.regs = defaultRegisters(d.profile.dualStack);
    if (d.faults.txLimit) this.regs.set('SFB', '1');
    this.hexMode = d.profile.hexByDefault;
    this.ownIp = linkLocalOf(d.profile.mac);
    this.meterIp = linkLocalOf(d.model.options.mac);
    this.fmt = new Formatter(
      d.profile,
      (n) => this.regs.get(n) ?? '',
      () => this.hexMode,
    );
    const tick = setInterval(() => this.checkNotifications(), 200);
    tick.unref();
    this.timers.add(tick);
  }

  get sessionUp(): boolean {
    return this.session === 'up';
  }

  input(chunk: Uint8Array): void {
    if (this.stopped) return;
    for (const unit of this.framer.push(chunk)) this.handle(unit);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** EVENT 29, then EVENT 25 (re-authenticated) or EVENT 24 (session lost) after ≈ 4 s. */
  expireSession(autoReauth: boolean): void {
    if (this.session !== 'up') return;
    this.session = 'reauth';
    this.emit([this.fmt.event('29', this.meterIp)]);
    this.after(LATENCY.reauth, () => {
      if (this.session !== 'reauth') return;
      if (autoReauth) {
        this.session = 'up';
        this.emit([this.pana(7, true), this.fmt.event('25', this.meterIp)]);
      } else {
        this.session = 'down';
        this.emit([this.fmt.event('24', this.meterIp)]);
      }
    });
  }

  /** The meter ends the session: EVENT 26. */
  terminateSession(): void {
    if (this.session === 'down') return;
    this.session = 'down';
    this.emit([this.fmt.event('26', this.meterIp)]);
  }

  txLimitChanged(on: boolean): void {
    this.regs.set('SFB', on ? '1' : '0');
    this.emit([this.fmt.event(on ? '32' : '33', this.ownIp)]);
  }

  private handle(unit: InputUnit): void {
    if (unit.kind === 'sendto') {
      this.count('SKSENDTO');
      this.emit([this.echo() ? unit.header : '']);
      this.emit(this.sendTo(unit.args, unit.payload));
      return;
    }
    const tokens = unit.text.split(' ').filter((t) => t.length > 0);
    const name = tokens[0];
    if (name === undefined) {
      this.emit(['']);
      return;
    }
    this.count(name);
    const product = PRODUCT.has(name);
    if (this.echo()) this.raw(Buffer.from(unit.text + (product ? '\r' : '\r\n'), 'latin1'));
    const args = tokens.slice(1);
    const reply = this.command(name, args);
    if (reply) this.emit(reply);
  }

  /** Runs one command line; returns the immediate reply block (null when it wrote its own). */
  private command(name: string, args: string[]): Out[] | null {
    const dual = this.d.profile.dualStack;
    switch (name) {
      case 'SKVER':
        return [`EVER ${this.d.profile.version}`, 'OK'];
      case 'SKAPPVER':
        return [`EAPPVER ${this.d.profile.appVersion}`, 'OK'];
      case 'SKINFO': {
        const tail = dual ? '0' : 'FFFE';
        return [
          `EINFO ${this.ownIp} ${this.d.profile.mac} ${this.reg('S02')} ${this.reg('S03')} ${tail}`,
          'OK',
        ];
      }
      case 'SKRESET':
        this.reset();
        return ['OK'];
      case 'SKSREG':
        return this.sreg(args);
      case 'SKSETPWD': {
        if (args.length !== 2) return fail('05');
        const len = /^[0-9A-Fa-f]{1,2}$/.test(args[0]!) ? Number.parseInt(args[0]!, 16) : 0;
        if (len < 1 || len > 32) return fail('06');
        this.pwd = args[1]!.slice(0, len);
        return ['OK'];
      }
      case 'SKSETRBID':
        if (args.length !== 1) return fail('05');
        if (args[0]!.length !== 32) return fail('06');
        this.rbid = args[0]!;
        this.regs.set('S0A', this.rbid.slice(-8));
        return ['OK'];
      case 'SKSCAN':
        return this.scan(args);
      case 'SKLL64':
        if (args.length !== 1) return fail('05');
        if (!/^[0-9A-Fa-f]{16}$/.test(args[0]!)) return fail('06');
        return [linkLocalOf(args[0]!)];
      case 'SKJOIN':
        return this.join(args);
      case 'SKREJOIN':
        if (this.session !== 'up') return fail('10');
        this.after(LATENCY.join, () => this.emit([this.pana(5, true), this.fmt.event('25', this.meterIp)]));
        return ['OK'];
      case 'SKTERM':
        if (this.session !== 'up' && this.session !== 'reauth') return fail('10');
        this.after(LATENCY.term, () => {
          this.session = 'down';
          this.emit([this.fmt.event('27', this.meterIp)]);
        });
        return ['OK'];
      case 'SKSENDTO':
        // A header that ended in CR/LF before its DATALEN: too few arguments.
        return fail('05');
      case 'ROPT':
        if (this.d.profile.ropt === 'unsupported') return fail('04');
        this.raw(Buffer.from(`OK ${this.hexMode ? '01' : '00'}\r`, 'latin1'));
        return null;
      case 'WOPT': {
        if (this.d.profile.ropt === 'unsupported') return fail('04');
        const ok = args.length === 1 && /^[0-9A-Fa-f]{2}$/.test(args[0]!);
        if (ok) {
          this.hexMode = (Number.parseInt(args[0]!, 16) & 1) === 1;
          this.d.counters.wopt++;
        }
        this.raw(Buffer.from(ok ? 'OK\r' : 'FAIL ER06\r', 'latin1'));
        return null;
      }
      case 'RUART':
        this.raw(Buffer.from('OK 00\r', 'latin1'));
        return null;
      default:
        return fail('04');
    }
  }

  private sreg(args: string[]): Out[] {
    if (args.length < 1 || args.length > 2) return fail('05');
    const name = registerName(args[0]!, this.d.profile.dualStack);
    if (!name) return fail('06');
    if (args.length === 1) return [`ESREG ${this.reg(name)}`, 'OK'];
    const value = checkRegisterValue(name, args[1]!);
    if (value === null) return fail('06');
    this.regs.set(name, value);
    return ['OK'];
  }

  private scan(args: string[]): Out[] {
    const dual = this.d.profile.dualStack;
    if (args.length !== (dual ? 4 : 3)) return fail('05');
    const [mode, maskText, durText, side] = args as [string, string, string, string | undefined];
    if (!['0', '2', '3'].includes(mode) || !/^[0-9A-Fa-f]{1,8}$/.test(maskText)) return fail('06');
    if (!/^[0-9A-Fa-f]$/.test(durText) || Number.parseInt(durText, 16) > 14) return fail('06');
    if (dual && side !== '0' && side !== '1') return fail('06');
    if (this.scanning) return fail('10');
    this.scanning = true;
    this.d.counters.scans++;
    const mask = Number.parseInt(maskText, 16);
    const duration = Number.parseInt(durText, 16);
    const perChannel = 10 * (2 ** duration + 1);
    const channels: number[] = [];
    for (let bit = 0; bit < 28; bit++) if (mask & (2 ** bit)) channels.push(0x21 + bit);
    const o = this.d.model.options;
    const missed = this.d.faults.take('scanMisses');
    const pairOk =
      this.rbid !== null && (this.d.routeBId === undefined || this.reg('S0A') === this.d.routeBId.slice(-8));
    const heard = mode !== '0' && side !== '1' && duration >= 4 && (mode === '3' || pairOk) && !missed;
    const pos = channels.indexOf(o.channel);
    if (heard && pos >= 0) {
      this.after((pos + 1) * perChannel, () =>
        this.emit([
          this.fmt.event('20', this.ownIp),
          ...this.fmt.panDesc(o.channel, o.panId, o.mac, mode === '2' ? this.reg('S0A') : null),
        ]),
      );
    }
    this.after(channels.length * perChannel, () => {
      this.scanning = false;
      if (mode === '0') {
        const ed = channels.map((c) => `${hex(c, 2)} ${c === o.channel ? '6E' : '1A'}`).join(' ');
        this.emit([this.fmt.event('1F', this.ownIp), 'EEDSCAN', ed]);
      } else this.emit([this.fmt.event('22', this.ownIp)]);
    });
    return ['OK'];
  }

  private join(args: string[]): Out[] {
    if (args.length !== 1) return fail('05');
    const target = args[0]!.toUpperCase();
    if (!IPV6.test(target)) return fail('06');
    if (this.pwd === null || this.rbid === null) return fail('10');
    this.d.counters.joins++;
    this.session = 'joining';
    const o = this.d.model.options;
    const reachable =
      target === this.meterIp && this.reg('S02') === hex(o.channel, 2) && this.reg('S03') === hex(o.panId, 4);
    const credsOk =
      (this.d.routeBId === undefined || this.d.routeBId === this.rbid) &&
      (this.d.password === undefined || this.d.password === this.pwd);
    const forcedFailure = this.d.faults.take('joinFailures');
    if (reachable) {
      this.after(LATENCY.join / 6, () =>
        this.emit([this.fmt.event('21', target, '02'), this.fmt.event('02', target), this.pana(1, false)]),
      );
    }
    if (!reachable || !credsOk || forcedFailure) {
      this.after(LATENCY.joinFail, () => {
        if (this.session !== 'joining') return;
        this.session = 'down';
        this.emit([this.fmt.event('24', target)]);
      });
      return ['OK'];
    }
    this.after(LATENCY.join / 2, () => this.emit([this.fmt.event('21', target, '00'), this.pana(2, false)]));
    this.after(LATENCY.join, () => {
      if (this.session !== 'joining') return;
      this.session = 'up';
      this.peers.clear();
      this.announced = this.dueBoundary();
      this.emit([this.fmt.event('21', target, '00'), this.pana(3, true), this.fmt.event('25', target)]);
      this.after(LATENCY.inf, () => {
        if (this.session === 'up')
          this.emit([this.fmt.erxudp(this.meterDatagram(MULTICAST, this.d.meter.instanceListInf()))]);
      });
    });
    return ['OK'];
  }

  /** Validates and "transmits" one SKSENDTO; returns the reply block (EVENT 21 …, OK or FAIL). */
  private sendTo(args: string[], payload: Uint8Array): Out[] {
    const dual = this.d.profile.dualStack;
    if (args.length !== (dual ? 6 : 5)) return fail('05');
    const [handle, ipText, port, sec] = args as [string, string, string, string];
    const ip = ipText.toUpperCase();
    const badSide = dual && args[4] !== '0' && args[4] !== '1';
    const badPort = !/^[0-9A-Fa-f]{4}$/.test(port);
    if (!/^[1-6]$/.test(handle) || !IPV6.test(ip) || badPort || !/^[012]$/.test(sec) || badSide) {
      return fail('06');
    }
    if (handle !== '1' || this.session !== 'up') return fail('10');
    this.d.counters.sendTo++;
    if (this.d.faults.txLimit || this.d.faults.take('sendFailures')) {
      return [this.fmt.event('21', ip, '01'), 'OK'];
    }
    const first = !this.peers.has(ip) && ip !== MULTICAST;
    this.peers.add(ip);
    if (ip === this.meterIp && Number.parseInt(port, 16) === 0x0e1a) this.toMeter(payload);
    return [...(first ? [this.fmt.event('21', ip, '02')] : []), this.fmt.event('21', ip, '00'), 'OK'];
  }

  /** The meter handles a datagram; its answer comes back as ERXUDP after the radio latency. */
  private toMeter(payload: Uint8Array): void {
    let request: Frame;
    try {
      request = decodeFrame(payload);
    } catch {
      return;
    }
    const stats: RequestStats = { propertiesRequested: 0, epcs: [] };
    const response = this.d.meter.handle(request, stats);
    this.d.counters.propertiesRequested += stats.propertiesRequested;
    for (const epc of stats.epcs) {
      const key = hex(epc, 2);
      this.d.counters.epcsRequested[key] = (this.d.counters.epcsRequested[key] ?? 0) + 1;
    }
    if (!response || this.d.faults.take('dropResponses')) return;
    this.after(LATENCY.get, () => {
      if (this.session !== 'up') return;
      if (this.d.faults.strayTraffic) this.stray();
      this.emit([this.fmt.erxudp(this.meterDatagram(this.ownIp, response))]);
    });
  }

  /** EA (and EB) INF within a few minutes after each :00/:30, while a session is up (§B.3). */
  private checkNotifications(): void {
    if (this.session !== 'up') return;
    const due = this.dueBoundary();
    if (due <= this.announced) return;
    this.announced = due;
    if (this.d.faults.strayTraffic) this.stray();
    this.emit(this.d.meter.fixedTimeInfs().map((f) => this.fmt.erxudp(this.meterDatagram(MULTICAST, f))));
  }

  /** The latest :00/:30 whose announcement time (60–240 s after it) has passed. */
  private dueBoundary(): number {
    const now = this.d.model.now();
    const b = this.d.model.lastFixedTime(now);
    const delay = 60_000 + (((b / 1_800_000) * 2654435761) % 180) * 1000;
    return now >= b + delay ? b : b - 1_800_000;
  }

  private stray(): void {
    const o = this.d.model.options;
    const n = ++this.blocks;
    const grams = strayDatagrams(this.meterIp, o.mac, this.ownIp, n);
    this.emit(['', ...grams.map((g) => this.fmt.erxudp(g)), '']);
  }

  private meterDatagram(dest: string, frame: Frame): Datagram {
    const o = this.d.model.options;
    return {
      sender: this.meterIp,
      dest,
      rport: 0x0e1a,
      lport: 0x0e1a,
      senderMac: o.mac,
      secured: true,
      data: encodeFrame(frame),
    };
  }

  private pana(step: number, lifetime: boolean): Uint8Array {
    return this.fmt.erxudp({
      sender: this.meterIp,
      dest: this.ownIp,
      rport: 0x02cc,
      lport: 0x02cc,
      senderMac: this.d.model.options.mac,
      secured: false,
      data: panaPayload(step, lifetime),
    });
  }

  private reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const tick = setInterval(() => this.checkNotifications(), 200);
    tick.unref();
    this.timers.add(tick);
    this.regs = defaultRegisters(this.d.profile.dualStack);
    this.pwd = null;
    this.rbid = null;
    this.scanning = false;
    this.session = 'down';
    this.peers.clear();
  }

  private echo(): boolean {
    return this.regs.get('SFE') === '1';
  }

  private reg(name: string): string {
    return this.regs.get(name) ?? '';
  }

  private count(name: string): void {
    this.d.counters.commands[name] = (this.d.counters.commands[name] ?? 0) + 1;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms * this.d.latencyScale);
    t.unref();
    this.timers.add(t);
  }

  /** Writes one output block; with the garbage fault, a junk line goes first. */
  private emit(parts: Out[]): void {
    if (this.stopped) return;
    if (this.d.faults.garbage) {
      this.blocks++;
      this.d.output(Buffer.concat([garbageBytes(this.blocks), Buffer.from('\r\n')]));
    }
    this.d.output(serialise(parts));
  }

  private raw(bytes: Uint8Array): void {
    if (!this.stopped) this.d.output(bytes);
  }
}

function fail(code: string): Out[] {
  return [`FAIL ER${code}`];
}
