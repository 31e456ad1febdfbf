import type { Erxudp } from './erxudp.js';

/** The two SKSTACK IP command-set editions (protocol.md §A.1). */
export type Edition = 'single-hop' | 'dual-stack';
/** How the dongle prints ERXUDP data (protocol.md §A.4 WOPT/ROPT). */
export type PayloadFormat = 'hex' | 'binary';

import type { DongleModel } from '../dongles.js';

export { DONGLE_MODELS, type DongleModel } from '../dongles.js';

/** What init() found out about the dongle. */
export interface DongleInfo {
  model: DongleModel;
  edition: Edition;
  /** A scan or a send succeeded in this edition's form: no more form fallback (§A.1). */
  editionConfirmed: boolean;
  payload: PayloadFormat;
  version: string | null;
  /** The dongle's own link-local IPv6 address, when SKINFO answered. */
  ipv6: string | null;
}

/** One EPANDESC block (protocol.md §A.6). `addr` is the meter's EUI-64 (16 hex digits). */
export interface PanDesc {
  channel: number;
  channelPage: number;
  panId: number;
  addr: string;
  lqi: number;
  side: number | null;
  pairId: string | null;
}

/** Everything no command waiter claimed goes to one event stream. */
export type SkEvent =
  | { kind: 'event'; num: number; sender: string; side: number | null; param: number | null }
  | { kind: 'erxudp'; udp: Erxudp }
  | { kind: 'line'; text: string }
  | { kind: 'garbage'; bytes: Uint8Array }
  /**
   * A command line echoed back although init() turned echo off: the module lost its registers,
   * i.e. it reset while the port stayed open (brown-out, §A.2 SFE).
   */
  | { kind: 'echo'; text: string }
  | { kind: 'closed'; error?: Error };

/** Lets a caller abandon a long command (SKSCAN, SKJOIN, SKSENDTO) when stopping. */
export interface CommandOptions {
  signal?: AbortSignal | undefined;
}

/** What SKTERM found: a session it ended (EVENT 27/28), or none (FAIL ER10, §A.4 SKTERM). */
export type TermResult = 'ended' | 'no-session';

/** Named, bounded timeouts in milliseconds (tests shrink them; never blind sleeps). */
export interface SkTimeouts {
  /** Plain command → OK / FAIL. */
  command: number;
  /** SKSCAN: added to the scan's computed duration before giving up on EVENT 22. */
  scanGrace: number;
  /** Multiplies the scan's computed duration (radio time): 1, or a compressed-time run's scale. */
  scanScale?: number;
  /** SKJOIN → EVENT 25 / 24. Real meters take ≈ 40 s to say 24 (protocol.md §D.2). */
  join: number;
  /** SKSENDTO → OK and EVENT 21. */
  send: number;
}

export const DEFAULT_SK_TIMEOUTS: SkTimeouts = {
  command: 5_000,
  scanGrace: 10_000,
  join: 60_000,
  send: 10_000,
};

/**
 * The SKSTACK IP command client: one command in flight, waiter registered before writing.
 * Methods reject with HemsError (DONGLE_FAIL with context.er, DONGLE_TIMEOUT, DONGLE_CLOSED, …).
 */
export interface SkClient {
  /** Dialect in use (after init, or as forced by the config). */
  readonly info: DongleInfo;
  /** Flush, disable echo, detect edition and payload format (ROPT; WOPT at most once). */
  init(): Promise<DongleInfo>;
  /** SKSETPWD + SKSETRBID. Never logged in clear. */
  setCredentials(id: string, password: string): Promise<void>;
  /** SKSCAN 2 FFFFFFFF <duration> [0]; resolves at EVENT 22 with every EPANDESC seen. */
  scan(duration: number, opts?: CommandOptions): Promise<PanDesc[]>;
  /** SKSREG <reg> <value> (value already in hex text). */
  setRegister(reg: string, value: string): Promise<void>;
  /** SKSREG <reg> → the value of its ESREG line. */
  readRegister(reg: string): Promise<string>;
  /**
   * Uses `edition`'s command forms from now on (e.g. the one remembered with the scan cache);
   * `confirmed` ends the fallback to the other form.
   */
  useEdition(edition: Edition, confirmed: boolean): void;
  /**
   * Asks the dongle, without transmitting, which edition it speaks: a read of a register only
   * dual-stack modules have (SA2, §A.4). A hint, null when the answer says nothing.
   */
  probeEdition(): Promise<Edition | null>;
  /** SKLL64 <addr> → IPv6 (no OK). */
  ll64(addr: string): Promise<string>;
  /** SKJOIN; resolves on EVENT 25, rejects PANA_JOIN_FAILED on EVENT 24 (both from `ipv6`). */
  join(ipv6: string, opts?: CommandOptions): Promise<void>;
  /**
   * SKSENDTO 1 <ip> 0E1A 1 [0] <len> <bytes> (no CRLF). Resolves with the EVENT 21 param
   * (0 = sent, 1 = failed) of this send once both OK and its EVENT 21 were seen.
   */
  sendTo(ipv6: string, payload: Uint8Array, opts?: CommandOptions): Promise<number>;
  /** SKTERM; resolves after OK and EVENT 27/28, or FAIL ER10 when there was no session. */
  term(opts?: CommandOptions): Promise<TermResult>;
  /** Subscribe to unclaimed traffic; returns the unsubscribe function. */
  onEvent(listener: (e: SkEvent) => void): () => void;
  close(): Promise<void>;
}
