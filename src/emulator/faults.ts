/** What the dongle holds when a new host attaches, as left by a previous process. */
export type StaleSession = 'none' | 'up' | 'joining' | 'reauth';
/** How a dongle answers a SKSCAN / SKSENDTO in the other edition's form (protocol.md §A.1). */
export type WrongFormReply = 'ER04' | 'ER05' | 'ER06' | 'silence';
/** How a SKSENDTO is answered after a module reset dropped the session. */
export type ResetSendReply = 'ER10' | 'event21';

/**
 * Fault switches, mutable while the emulator runs (`emu.faults.dropResponses = 2`). Periods and
 * durations are EMULATED seconds: they are multiplied by latencyScale like every latency, and
 * latencyScale 0 stops them (they would fire continuously).
 */
export interface Faults {
  /** The next N SKJOINs end in EVENT 24 (after the realistic ≈ 40 s × latencyScale). */
  joinFailures: number;
  /** The next N ECHONET requests get no ERXUDP reply (the send itself succeeds). */
  dropResponses: number;
  /** A lossy radio: every Nth answer of the meter is lost (0 = none). */
  dropEvery: number;
  /** The next N scans find nothing (EVENT 22 without EVENT 20). */
  scanMisses: number;
  /** Interleave PANA ERXUDP on 02CC, INF frames, other senders' datagrams and blank lines. */
  strayTraffic: boolean;
  /** Setting it emits EVENT 32 and cancels transmissions until cleared (EVENT 33), §A.5, §D.3. */
  txLimit: boolean;
  /** Every N s a transmit-time limit starts (EVENT 32) and lasts txLimitFor s (then EVENT 33); 0 = never. */
  txLimitEvery: number;
  txLimitFor: number;
  /** The next N SKSENDTO get EVENT 21 param 01 and no reply. */
  sendFailures: number;
  /** Junk lines (bytes without CR/LF, then CRLF) between output blocks. */
  garbage: boolean;
  /** Every N s the module resets with the port open (brown-out); 0 = never. */
  resetEvery: number;
  /** After a module reset, SKSENDTO answers `FAIL ER10` or `EVENT 21 <ip> 01` + `OK`. */
  resetSendReply: ResetSendReply;
  /** The state the dongle is in when the emulator starts (see Emulator.leaveStaleSession). */
  staleSession: StaleSession;
  /** The dongle re-authenticates (PANA) every N s of session; 0 = never. Default 80 % of 24 h (§D.2). */
  reauthEvery: number;
  /** How a SKSCAN / SKSENDTO in the other edition's form is answered. */
  wrongFormReply: WrongFormReply;
  /** Fields after the word EINFO: 5 (A1 manual), 6 or 7 (dual-stack shapes); undefined = the profile's own. */
  einfoFields: 5 | 6 | 7 | undefined;
  /** The meter does not answer at all: sends end in EVENT 21 01, joins in EVENT 24, scans find nothing. */
  meterSilent: boolean;
  /** Every N s the meter goes silent for silentFor s; 0 = never. */
  silentEvery: number;
  silentFor: number;
  /** After N s the meter is replaced by another one (once); 0 = never. */
  swapAfter: number;
  /** Coefficient D3 of the replacement meter. */
  swapCoefficient: number;
  /** The meter's wall clock minus the host's, in (meter-clock, unscaled) seconds; may be negative. */
  meterClockSkew: number;
  /** Seconds (meter clock, unscaled) after each :00/:30 before EA/EB and E2/E4 show the new slot. */
  meterUpdateDelay: number;
  /** Per EPC (`EA`): the next N Gets that include it answer Get_SNA with PDC 0 for it. */
  busy: Record<string, number>;
}

/** Realistic defaults: no injected trouble, but the dongle's own periodic re-authentication is on. */
export const DEFAULT_FAULTS: Readonly<Faults> = {
  joinFailures: 0,
  dropResponses: 0,
  dropEvery: 0,
  scanMisses: 0,
  strayTraffic: false,
  txLimit: false,
  txLimitEvery: 0,
  txLimitFor: 40,
  sendFailures: 0,
  garbage: false,
  resetEvery: 0,
  resetSendReply: 'ER10',
  staleSession: 'none',
  reauthEvery: 69_120,
  wrongFormReply: 'ER05',
  einfoFields: undefined,
  meterSilent: false,
  silentEvery: 0,
  silentFor: 90,
  swapAfter: 0,
  swapCoefficient: 10,
  meterClockSkew: 0,
  meterUpdateDelay: 0,
  busy: {},
};

/** For tests and benchmarks that need the pure happy path: no periodic re-authentication either. */
export const HAPPY_PATH: Readonly<Partial<Faults>> = { reauthEvery: 0 };

/** Switches whose change re-arms a timer (the schedule or the session's re-authentication). */
export const TIMED_FAULTS = [
  'resetEvery',
  'reauthEvery',
  'txLimitEvery',
  'txLimitFor',
  'silentEvery',
  'silentFor',
  'swapAfter',
] as const;
export type TimedFault = (typeof TIMED_FAULTS)[number];

type Counted = 'joinFailures' | 'dropResponses' | 'scanMisses' | 'sendFailures';

/** The live switches; txLimit and the timed ones call back on change so timers and events follow. */
export class FaultSwitches implements Faults {
  joinFailures = 0;
  dropResponses = 0;
  dropEvery = 0;
  scanMisses = 0;
  strayTraffic = false;
  sendFailures = 0;
  garbage = false;
  resetSendReply: ResetSendReply = 'ER10';
  staleSession: StaleSession = 'none';
  wrongFormReply: WrongFormReply = 'ER05';
  einfoFields: 5 | 6 | 7 | undefined = undefined;
  meterSilent = false;
  swapCoefficient = 10;
  meterClockSkew = 0;
  meterUpdateDelay = 0;
  busy: Record<string, number> = {};
  // Accessors defined below, backed by `timed`.
  declare resetEvery: number;
  declare reauthEvery: number;
  declare txLimitEvery: number;
  declare txLimitFor: number;
  declare silentEvery: number;
  declare silentFor: number;
  declare swapAfter: number;
  private readonly timed: Record<TimedFault, number>;
  private limit = false;
  onTxLimit: (on: boolean) => void = () => {};
  onTimedChange: (key: TimedFault) => void = () => {};

  constructor(initial: Partial<Faults> = {}) {
    const { txLimit, busy, ...rest } = { ...DEFAULT_FAULTS, ...initial };
    this.timed = Object.fromEntries(TIMED_FAULTS.map((k) => [k, rest[k]])) as Record<TimedFault, number>;
    const plain: Partial<Faults> = { ...rest };
    for (const k of TIMED_FAULTS) delete plain[k];
    Object.assign(this, plain);
    this.busy = { ...busy };
    this.limit = txLimit;
  }

  get txLimit(): boolean {
    return this.limit;
  }

  set txLimit(on: boolean) {
    if (on === this.limit) return;
    this.limit = on;
    this.onTxLimit(on);
  }

  /** Ends a transmit-time limit without EVENT 33 (the module lost its state: reset, unplug). */
  forgetTxLimit(): void {
    this.limit = false;
  }

  /** Consumes one unit of a counted fault; true when it applied. */
  take(name: Counted): boolean {
    if (this[name] <= 0) return false;
    this[name]--;
    return true;
  }

  /** Consumes one busy Get for `epc`; true when the meter is busy for it. */
  takeBusy(epc: number): boolean {
    const key = epc.toString(16).toUpperCase().padStart(2, '0');
    const left = this.busy[key] ?? 0;
    if (left <= 0) return false;
    this.busy[key] = left - 1;
    return true;
  }
}

for (const key of TIMED_FAULTS) {
  Object.defineProperty(FaultSwitches.prototype, key, {
    get(this: { timed: Record<TimedFault, number> }) {
      return this.timed[key];
    },
    set(this: { timed: Record<TimedFault, number>; onTimedChange: (k: TimedFault) => void }, v: number) {
      if (v === this.timed[key]) return;
      this.timed[key] = v;
      this.onTimedChange(key);
    },
  });
}
