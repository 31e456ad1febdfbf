import type { Dongle } from '../dongles.js';
import type { DongleModel, Edition, PayloadFormat } from './api.js';

/** Whether a model answers ROPT (protocol.md §A.4 WOPT/ROPT, §A.8). */
export type RoptSupport = 'yes' | 'no' | 'unknown';

/** What the command and event forms of an edition look like (protocol.md §A.1, §A.5, §A.7). */
export interface EditionForms {
  /** SKSCAN and SKSENDTO take a SIDE argument. */
  sideArgument: boolean;
  /** EVENT lines carry SIDE after the sender address. */
  eventSide: boolean;
}

export const EDITIONS: Readonly<Record<Edition, EditionForms>> = {
  'single-hop': { sideArgument: false, eventSide: false },
  // ERXUDP: 10 fields, 11 with RSSI (SA2 = 1); the framer reads 9, 10 and 11 alike.
  'dual-stack': { sideArgument: true, eventSide: true },
};

/** One dongle family's dialect of SKSTACK IP (protocol.md §A.1, §A.8). */
export interface Dialect {
  edition: Edition;
  /** ERXUDP data format out of the box. */
  defaultPayload: PayloadFormat;
  ropt: RoptSupport;
}

export const DIALECTS: Readonly<Record<Dongle, Dialect>> = {
  BP35A1: { edition: 'single-hop', defaultPayload: 'binary', ropt: 'yes' },
  // IPS prints hex; whether it answers ROPT is unknown (§A.4), so ROPT is tried and FAIL ER04 tolerated.
  'RL7023-IPS': { edition: 'single-hop', defaultPayload: 'hex', ropt: 'unknown' },
  BP35C0: { edition: 'dual-stack', defaultPayload: 'binary', ropt: 'yes' },
  BP35C2: { edition: 'dual-stack', defaultPayload: 'binary', ropt: 'yes' },
  'RS-WSUHA-P': { edition: 'dual-stack', defaultPayload: 'binary', ropt: 'yes' },
  // DSS answers ROPT with FAIL ER04 and prints hex only (10-field ERXUDP).
  'RL7023-DSS': { edition: 'dual-stack', defaultPayload: 'hex', ropt: 'no' },
};

/** Dialect used for `auto` until detection settles the edition. */
export function dialectFor(model: DongleModel, edition: Edition = 'single-hop'): Dialect {
  if (model !== 'auto') return DIALECTS[model];
  return { edition, defaultPayload: 'binary', ropt: 'unknown' };
}

export function otherEdition(e: Edition): Edition {
  return e === 'single-hop' ? 'dual-stack' : 'single-hop';
}

/** `SKSCAN 2 FFFFFFFF <duration> [0]` — mode 2 (with pairing-ID IE), all channels, side B. */
export function scanCommand(edition: Edition, duration: number): string {
  const d = duration.toString(16).toUpperCase();
  return EDITIONS[edition].sideArgument ? `SKSCAN 2 FFFFFFFF ${d} 0` : `SKSCAN 2 FFFFFFFF ${d}`;
}

/**
 * The SKSENDTO text header, ending with the space after the 4-digit upper-case DATALEN; the raw
 * payload follows it in the same write, with no CRLF (§A.4 SKSENDTO). Handle 1, port 0E1A, SEC 1.
 */
export function sendToHeader(edition: Edition, ipv6: string, length: number): string {
  const len = length.toString(16).toUpperCase().padStart(4, '0');
  const side = EDITIONS[edition].sideArgument ? '0 ' : '';
  return `SKSENDTO 1 ${ipv6} 0E1A 1 ${side}${len} `;
}

/** Estimated SKSCAN time in ms over all 28 channels: 0.01 s × (2^d + 1) each (§A.4 SKSCAN). */
export function scanDurationMs(duration: number): number {
  return Math.ceil(28 * 10 * (2 ** duration + 1));
}

/** What an `EINFO` line says, read by shape rather than position (§A.4 SKINFO, §G.3). */
export interface EinfoFacts {
  /** The dongle's own link-local address (the first full IPv6 field). */
  ipv6: string | null;
  /** Edition hint: A1 firmware prints exactly five fields ending in ADDR16 `FFFE`; dual-stack
   * firmware prints a SIDE (`0`/`1`) there or extra fields (momonga's heuristic, unverified). */
  edition: Edition | null;
}

const IPV6_FIELD = /^[0-9A-Fa-f]{4}(:[0-9A-Fa-f]{4}){7}$/;

export function parseEinfo(line: string): EinfoFacts | null {
  const tok = line.trim().split(/\s+/);
  if (tok[0] !== 'EINFO') return null;
  const fields = tok.slice(1);
  const ip = fields.find((f) => IPV6_FIELD.test(f));
  let edition: Edition | null = null;
  if (fields.length > 5) edition = 'dual-stack';
  else if (fields.length === 5) {
    const last = fields[4]!.toUpperCase();
    if (last === 'FFFE') edition = 'single-hop';
    else if (last === '0' || last === '1') edition = 'dual-stack';
  }
  return { ipv6: ip ? ip.toUpperCase() : null, edition };
}
