import type { Frame } from '../echonet/frame.js';
import type { FaultSwitches } from './faults.js';
import { InputFramer, type InputUnit } from './input-framer.js';
import type { MeterSite } from './meter-site.js';
import { MeterTraffic } from './meter-traffic.js';
import { Formatter, hex, MULTICAST, type Out, serialise } from './output.js';
import { PanaLink, type StaleKind } from './pana-link.js';
import { type DongleProfile, linkLocalOf } from './profiles.js';
import { type Cancel, type EmulatorCounters, fail, meterHears, type Radio } from './radio.js';
import { checkRegisterValue, defaultRegisters, registerName } from './registers.js';
import { Scanner } from './scan.js';
import { garbageBytes, panaPayload } from './traffic.js';

export type { EmulatorCounters } from './radio.js';

export interface DongleDeps {
  profile: DongleProfile;
  latencyScale: number;
  routeBId?: string;
  password?: string;
  site: MeterSite;
  faults: FaultSwitches;
  counters: EmulatorCounters;
  /** Bytes to the host. */
  output: (bytes: Uint8Array) => void;
  /** Every ECHONET answer the meter delivers to the host. */
  onReply?: (frame: Frame) => void;
}

const PRODUCT = new Set(['ROPT', 'WOPT', 'RUART', 'WUART']);
const IPV6 = /^[0-9A-Fa-f]{4}(:[0-9A-Fa-f]{4}){7}$/;
/** Credentials a previous process left when the emulator enforces none. */
const STALE_ID = '00000000000000000000000000000000';
const STALE_PASSWORD = '000000000000';

/** The SKSTACK IP side: one dialect profile, registers, commands, SKSENDTO ⇄ meter. */
export class Dongle implements Radio {
  readonly ownIp: string;
  readonly fmt: Formatter;
  readonly profile: DongleProfile;
  readonly faults: FaultSwitches;
  readonly site: MeterSite;
  readonly counters: EmulatorCounters;
  readonly latencyScale: number;
  private framer = new InputFramer();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly link: PanaLink;
  private readonly scanner: Scanner;
  private readonly traffic: MeterTraffic;
  private regs: Map<string, string>;
  private hexMode: boolean;
  private pwd: string | null = null;
  private rbid: string | null = null;
  /** Neighbour cache: the first send to a peer gets EVENT 21 … 02 first (§A.5). */
  private peers = new Set<string>();
  private blocks = 0;
  private stopped = false;
  /** The session was lost to a module reset (Faults.resetSendReply applies). */
  private lostByReset = false;

  constructor(private readonly d: DongleDeps) {
    this.profile = d.profile;
    this.faults = d.faults;
    this.site = d.site;
    this.counters = d.counters;
    this.latencyScale = d.latencyScale;
    this.regs = defaultRegisters(d.profile.dualStack);
    this.hexMode = d.profile.hexByDefault;
    this.ownIp = linkLocalOf(d.profile.mac);
    this.fmt = new Formatter(
      d.profile,
      (n) => this.reg(n),
      () => this.hexMode,
    );
    this.link = new PanaLink(this, { sessionUp: (fresh) => this.onSessionUp(fresh) });
    this.scanner = new Scanner(this, () => this.paired());
    this.traffic = new MeterTraffic(this, this.link, d.onReply);
    this.startTick();
  }

  get sessionUp(): boolean {
    return this.link.up;
  }

  input(chunk: Uint8Array): void {
    if (this.stopped) return;
    for (const unit of this.framer.push(chunk)) this.handle(unit);
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  expireSession(autoReauth: boolean): void {
    this.link.expire(autoReauth);
  }

  terminateSession(): void {
    this.link.terminate();
  }

  txLimitChanged(on: boolean): void {
    this.emit([this.fmt.event(on ? '32' : '33', this.ownIp)]);
  }

  reauthPeriodChanged(): void {
    this.link.reauth.rearm();
  }

  hostAttached(): void {
    this.link.hostAttached();
  }

  /**
   * Brown-out with the USB bridge still up: registers back to defaults (echo on), credentials
   * gone, session dropped without an event, scan cancelled, half-received input and the
   * transmit-time limit forgotten. Nothing is printed.
   */
  resetModule(): void {
    this.reset();
    this.framer = new InputFramer();
    this.faults.forgetTxLimit();
    this.lostByReset = true;
  }

  /** What a previous collector process left: credentials, S2/S3 at the meter, echo off, a session. */
  leaveStaleSession(kind: StaleKind): void {
    const o = this.site.model.options;
    this.pwd = this.d.password ?? STALE_PASSWORD;
    this.rbid = this.d.routeBId ?? STALE_ID;
    this.regs.set('S0A', this.rbid.slice(-8));
    this.regs.set('S02', hex(o.channel, 2));
    this.regs.set('S03', hex(o.panId, 4));
    this.regs.set('SFE', '0');
    this.link.leaveStale(kind);
  }

  // ---- Radio (shared with scan, PANA link and re-authentication) ----------------------------

  reg(name: string): string {
    if (name === 'SFB') return this.faults.txLimit ? '1' : '0';
    return this.regs.get(name) ?? '';
  }

  after(ms: number, fn: () => void): Cancel {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms * this.latencyScale);
    t.unref();
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Writes one output block; with the garbage fault, a junk line goes first. */
  emit(parts: Out[]): void {
    if (this.stopped) return;
    if (this.faults.garbage) {
      this.blocks++;
      this.d.output(Buffer.concat([garbageBytes(this.blocks), Buffer.from('\r\n')]));
    }
    this.d.output(serialise(parts));
  }

  pana(step: number, lifetime: boolean): Uint8Array {
    return this.fmt.erxudp({
      sender: this.site.ip,
      dest: this.ownIp,
      rport: 0x02cc,
      lport: 0x02cc,
      senderMac: this.site.model.options.mac,
      secured: false,
      data: panaPayload(step, lifetime),
    });
  }

  // ---- commands -----------------------------------------------------------------------------

  private handle(unit: InputUnit): void {
    if (unit.kind === 'sendto') {
      this.count('SKSENDTO');
      const reply = this.sendTo(unit.args, unit.payload);
      if (reply === null) {
        if (this.echo()) this.emit([unit.header]);
        return;
      }
      this.emit([this.echo() ? unit.header : '']);
      this.emit(reply);
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
    const reply = this.command(name, tokens.slice(1));
    if (reply) this.emit(reply);
  }

  /** Runs one command line; returns the immediate reply block (null when it wrote its own or none). */
  private command(name: string, args: string[]): Out[] | null {
    switch (name) {
      case 'SKVER':
        return [`EVER ${this.profile.version}`, 'OK'];
      case 'SKAPPVER':
        return [`EAPPVER ${this.profile.appVersion}`, 'OK'];
      case 'SKINFO':
        return [this.einfo(), 'OK'];
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
      case 'SKSCAN': {
        const dual = this.profile.dualStack;
        if (args.length !== (dual ? 4 : 3)) return this.wrongForm(args.length === (dual ? 3 : 4));
        return this.scanner.scan(args);
      }
      case 'SKLL64':
        if (args.length !== 1) return fail('05');
        if (!/^[0-9A-Fa-f]{16}$/.test(args[0]!)) return fail('06');
        return [linkLocalOf(args[0]!)];
      case 'SKJOIN': {
        if (args.length !== 1) return fail('05');
        const target = args[0]!.toUpperCase();
        if (!IPV6.test(target)) return fail('06');
        if (this.pwd === null || this.rbid === null) return fail('10');
        return this.link.join(target, this.credentialsAccepted());
      }
      case 'SKREJOIN':
        return this.link.rejoin();
      case 'SKTERM':
        return this.link.term();
      case 'SKSENDTO':
        // A header that ended in CR/LF before its DATALEN: too few arguments.
        return fail('05');
      case 'ROPT':
        if (this.profile.ropt === 'unsupported') return fail('04');
        this.raw(Buffer.from(`OK ${this.hexMode ? '01' : '00'}\r`, 'latin1'));
        return null;
      case 'WOPT': {
        if (this.profile.ropt === 'unsupported') return fail('04');
        const ok = args.length === 1 && /^[0-9A-Fa-f]{2}$/.test(args[0]!);
        if (ok) {
          this.hexMode = (Number.parseInt(args[0]!, 16) & 1) === 1;
          this.counters.wopt++;
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

  /**
   * `EINFO <IPADDR> <ADDR64> <CHANNEL> <PANID> …` (§A.4 SKINFO): by default FFFE (ADDR16) on
   * single-hop and the side 0 on dual-stack; 5/6/7 fields on request (the dual-stack shapes
   * are plausible guesses, §A.1 "heuristic detection").
   */
  private einfo(): string {
    const head = `EINFO ${this.ownIp} ${this.profile.mac} ${this.reg('S02')} ${this.reg('S03')}`;
    const n = this.faults.einfoFields;
    const tail =
      n === undefined ? (this.profile.dualStack ? '0' : 'FFFE') : ['FFFE', '0 FFFE', '0 FFFE FFFF'][n - 5]!;
    return `${head} ${tail}`;
  }

  /** A SKSCAN/SKSENDTO with a wrong argument count: the other edition's form per Faults.wrongFormReply. */
  private wrongForm(otherEdition: boolean): Out[] | null {
    const reply = this.faults.wrongFormReply;
    if (!otherEdition) return fail('05');
    return reply === 'silence' ? null : fail(reply.slice(2));
  }

  private sreg(args: string[]): Out[] {
    if (args.length < 1 || args.length > 2) return fail('05');
    const name = registerName(args[0]!, this.profile.dualStack);
    if (!name) return fail('06');
    if (args.length === 1) return [`ESREG ${this.reg(name)}`, 'OK'];
    const value = checkRegisterValue(name, args[1]!);
    if (value === null) return fail('06');
    this.regs.set(name, value);
    return ['OK'];
  }

  /** Validates and "transmits" one SKSENDTO; returns the reply block (EVENT 21 …, OK or FAIL), null = silence. */
  private sendTo(args: string[], payload: Uint8Array): Out[] | null {
    const dual = this.profile.dualStack;
    if (args.length !== (dual ? 6 : 5)) return this.wrongForm(args.length === (dual ? 5 : 6));
    const [handle, ipText, port, sec] = args as [string, string, string, string];
    const ip = ipText.toUpperCase();
    const badSide = dual && args[4] !== '0' && args[4] !== '1';
    const badPort = !/^[0-9A-Fa-f]{4}$/.test(port);
    if (!/^[1-6]$/.test(handle) || !IPV6.test(ip) || badPort || !/^[012]$/.test(sec) || badSide) {
      return fail('06');
    }
    const ev = (param: string) => this.fmt.event('21', ip, param);
    if (handle !== '1') return fail('10');
    if (!this.link.up) {
      return this.lostByReset && this.faults.resetSendReply === 'event21' ? [ev('01'), 'OK'] : fail('10');
    }
    this.counters.sendTo++;
    if (this.faults.txLimit || this.faults.take('sendFailures')) return [ev('01'), 'OK'];
    const first = !this.peers.has(ip) && ip !== MULTICAST;
    this.peers.add(ip);
    const solicit = first ? [ev('02')] : [];
    // No MAC ACK from an address that is not the session's meter, or from a silent meter.
    if (ip !== MULTICAST && (ip !== this.link.peer || !meterHears(this, ip))) {
      return [...solicit, ev('01'), 'OK'];
    }
    if (ip === this.site.ip && Number.parseInt(port, 16) === 0x0e1a) this.traffic.request(payload);
    const reauth = this.link.reauth.inject(ip);
    return [...reauth.before, ...solicit, ev('00'), 'OK', ...reauth.after];
  }

  private onSessionUp(fresh: boolean): void {
    this.lostByReset = false;
    this.peers.clear();
    if (!fresh) this.peers.add(this.site.ip);
    this.traffic.sessionUp(fresh);
  }

  private credentialsAccepted(): boolean {
    return (
      (this.d.routeBId === undefined || this.d.routeBId === this.rbid) &&
      (this.d.password === undefined || this.d.password === this.pwd)
    );
  }

  private paired(): boolean {
    return (
      this.rbid !== null && (this.d.routeBId === undefined || this.reg('S0A') === this.d.routeBId.slice(-8))
    );
  }

  /** SKRESET: registers to defaults, credentials and session gone (silently). */
  private reset(): void {
    this.clearTimers();
    this.startTick();
    this.regs = defaultRegisters(this.profile.dualStack);
    this.pwd = null;
    this.rbid = null;
    this.scanner.reset();
    this.link.drop();
    this.peers.clear();
  }

  private startTick(): void {
    const tick = setInterval(() => this.traffic.tick(), 200);
    tick.unref();
    this.timers.add(tick);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private echo(): boolean {
    return this.regs.get('SFE') === '1';
  }

  private count(name: string): void {
    this.counters.commands[name] = (this.counters.commands[name] ?? 0) + 1;
  }

  private raw(bytes: Uint8Array): void {
    if (!this.stopped) this.d.output(bytes);
  }
}
