import type { Dongle as DongleName } from '../dongles.js';
import { HemsError } from '../errors.js';
import type { ByteStream } from '../transport/types.js';
import { Dongle, type EmulatorCounters } from './dongle.js';
import { FaultSchedule } from './fault-schedule.js';
import { FaultSwitches, type Faults } from './faults.js';
import type { MeterModel, MeterOptions } from './meter-model.js';
import { MeterSite } from './meter-site.js';
import type { StaleKind } from './pana-link.js';
import { DONGLE_PROFILES } from './profiles.js';
import { type ReplyRecord, replyRecord } from './record.js';
import { listenTcp } from './server.js';

export type { EmulatorCounters } from './dongle.js';
export {
  DEFAULT_FAULTS,
  type Faults,
  HAPPY_PATH,
  type ResetSendReply,
  type StaleSession,
  type WrongFormReply,
} from './faults.js';
export { fieldFaults } from './field.js';
export { MeterModel, type MeterOptions, NO_DATA } from './meter-model.js';
export type { StaleKind } from './pana-link.js';
export { DONGLE_PROFILES, linkLocalOf } from './profiles.js';
export type { ReplyRecord } from './record.js';

export interface EmulatorOptions {
  dongle: DongleName;
  /** 1 = realistic seconds (scan ≈ 0.65 s/channel at duration 6, join ≈ 3 s, failed join ≈ 40 s, Get ≈ 1.5 s); 0 = instant. */
  latencyScale: number;
  /** Epoch ms of the host's (true) time; the meter's own clock is this + faults.meterClockSkew (tests move it). */
  clock: () => number;
  /** Meter wall-clock zone. */
  timezone: string;
  /** When set, other credentials make SKJOIN end in EVENT 24. */
  routeBId?: string;
  password?: string;
  meter: Partial<MeterOptions>;
  faults: Partial<Faults>;
}

/**
 * A Wi-SUN dongle + smart meter: speaks SKSTACK IP bytes of the chosen dialect to one host
 * at a time, in-process (attach) or over TCP (listen). Attaching a new host keeps the dongle's
 * state (as a new process opening the same port does); only unplug() power-cycles it.
 */
export class Emulator {
  readonly counters: EmulatorCounters = {
    commands: {},
    sendTo: 0,
    propertiesRequested: 0,
    epcsRequested: {},
    joins: 0,
    scans: 0,
    wopt: 0,
  };
  readonly faults: Faults;
  readonly options: Readonly<Omit<EmulatorOptions, 'faults'>>;
  private readonly switches: FaultSwitches;
  private readonly site: MeterSite;
  private readonly schedule: FaultSchedule;
  private readonly replyListeners = new Set<(r: ReplyRecord) => void>();
  private dongle: Dongle;
  private host: HostEnd | null = null;

  constructor(opts: Partial<EmulatorOptions> = {}) {
    this.options = {
      dongle: opts.dongle ?? 'BP35A1',
      latencyScale: opts.latencyScale ?? 1,
      clock: opts.clock ?? Date.now,
      timezone: opts.timezone ?? 'Asia/Tokyo',
      meter: opts.meter ?? {},
      ...(opts.routeBId === undefined ? {} : { routeBId: opts.routeBId }),
      ...(opts.password === undefined ? {} : { password: opts.password }),
    };
    this.switches = new FaultSwitches(opts.faults);
    this.faults = this.switches;
    const f = this.switches;
    this.site = new MeterSite(
      this.options.meter,
      this.options.timezone,
      this.options.clock,
      () => ({ skewMs: f.meterClockSkew * 1000, updateDelayMs: f.meterUpdateDelay * 1000 }),
      (epc) => f.takeBusy(epc),
    );
    this.dongle = this.makeDongle();
    this.schedule = new FaultSchedule(f, this.options.latencyScale, {
      resetModule: () => this.resetModule(),
      swapMeter: () => this.swapMeter(),
    });
    f.onTxLimit = (on) => this.dongle.txLimitChanged(on);
    f.onTimedChange = (key) => {
      if (key === 'reauthEvery') this.dongle.reauthPeriodChanged();
      else this.schedule.changed(key);
    };
    if (f.staleSession !== 'none') this.dongle.leaveStaleSession(f.staleSession);
    this.schedule.start();
  }

  /** The meter there now (swapMeter replaces it). */
  get meter(): MeterModel {
    return this.site.model;
  }

  /** The dongle's own link-local address and the meter's. */
  get addresses(): { dongle: string; meter: string } {
    return { dongle: this.dongle.ownIp, meter: this.site.ip };
  }

  get sessionUp(): boolean {
    return this.dongle.sessionUp;
  }

  /** The in-process host end. A new attach unplugs the previous host (one USB port, one host). */
  attach(): ByteStream {
    this.host?.end();
    const host = new HostEnd(
      this.options.dongle,
      (bytes) => {
        if (this.host === host) this.dongle.input(bytes);
      },
      () => {
        if (this.host === host) this.host = null;
      },
    );
    this.host = host;
    this.dongle.hostAttached();
    return host;
  }

  /** Serves the dongle over TCP (port 0 = any free port); each connection is a fresh attach. */
  listen(host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
    return listenTcp(this, host, port);
  }

  /** EVENT 29, then EVENT 25 (autoReauth, default) or EVENT 24. */
  expireSession(opts: { autoReauth: boolean } = { autoReauth: true }): void {
    this.dongle.expireSession(opts.autoReauth);
  }

  /** Peer termination: EVENT 26, session down. */
  terminateSession(): void {
    this.dongle.terminateSession();
  }

  /** The module resets with the port open (brown-out): see Faults.resetEvery. */
  resetModule(): void {
    this.dongle.resetModule();
  }

  /**
   * Leaves the dongle as a previous process would (Faults.staleSession); call it before the next
   * host attaches: what happens "soon after attach" (EVENT 25 of a join, EVENT 29) waits for it.
   */
  leaveStaleSession(kind: StaleKind): void {
    this.dongle.leaveStaleSession(kind);
  }

  /**
   * Replaces the meter by another one (new MAC, PAN ID and channel, own counters, coefficient 10
   * unless `over` says otherwise). The old address stops answering; a scan finds only the new one.
   */
  swapMeter(over: Partial<MeterOptions> = {}): void {
    this.site.swap({ coefficient: this.switches.swapCoefficient, ...over });
  }

  /** Calls `listener` for every Get_Res / Get_SNA the meter delivers; returns the unsubscribe. */
  onReply(listener: (r: ReplyRecord) => void): () => void {
    this.replyListeners.add(listener);
    return () => this.replyListeners.delete(listener);
  }

  /** Closes the host side as if the USB dongle vanished; the next attach gets a freshly powered dongle. */
  unplug(): void {
    this.dongle.stop();
    this.host?.end(new HemsError('DONGLE_CLOSED', 'emulated dongle unplugged'));
    this.host = null;
    this.switches.forgetTxLimit();
    this.dongle = this.makeDongle();
  }

  /** Stops timers and closes the host (end of a test or of `simulate`). */
  async close(): Promise<void> {
    this.dongle.stop();
    this.schedule.stop();
    this.host?.end();
    this.host = null;
  }

  private makeDongle(): Dongle {
    return new Dongle({
      profile: DONGLE_PROFILES[this.options.dongle],
      latencyScale: this.options.latencyScale,
      ...(this.options.routeBId === undefined ? {} : { routeBId: this.options.routeBId }),
      ...(this.options.password === undefined ? {} : { password: this.options.password }),
      site: this.site,
      faults: this.switches,
      counters: this.counters,
      output: (bytes) => this.host?.deliver(bytes),
      onReply: (frame) => {
        if (this.replyListeners.size === 0) return;
        const rec = replyRecord(frame, this.options.clock(), this.site.model.options.mac);
        if (rec) for (const l of this.replyListeners) l(rec);
      },
    });
  }
}

/** The host's ByteStream: writes go to the dongle, dongle output arrives asynchronously. */
class HostEnd implements ByteStream {
  readonly description: string;
  private listener: ((chunk: Uint8Array) => void) | null = null;
  private closeListeners: ((error?: Error) => void)[] = [];
  private pending: Uint8Array[] = [];
  private closed = false;

  constructor(
    model: string,
    private readonly toDongle: (bytes: Uint8Array) => void,
    private readonly detached: () => void,
  ) {
    this.description = `sim:${model}`;
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new HemsError('DONGLE_CLOSED', 'emulator stream is closed');
    this.toDongle(Uint8Array.from(data));
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
    this.flush();
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.end();
  }

  /** Dongle output: handed to the host on a later turn, like bytes from a port. */
  deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    this.pending.push(bytes);
    if (this.pending.length === 1) setImmediate(() => this.flush());
  }

  end(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.detached();
    for (const l of this.closeListeners) l(error);
  }

  private flush(): void {
    if (!this.listener || this.closed || this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.listener(chunk);
  }
}
