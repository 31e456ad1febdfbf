import { fromHex } from '../echonet/hex.js';
import { HemsError } from '../errors.js';

/**
 * One received UDP datagram (protocol.md §A.7). Single-hop dongles print 9 fields,
 * dual-stack ones 10 (SA2=0) or 11 (SA2=1, with RSSI); `rssi` and `side` are null when absent.
 */
export interface Erxudp {
  sender: string;
  dest: string;
  rport: number;
  lport: number;
  senderLla: string;
  rssi: number | null;
  secured: boolean;
  side: number | null;
  data: Uint8Array;
}

/** The header fields before DATALEN, by field count after `ERXUDP` (DATALEN and DATA included). */
export type ErxudpHeader = Omit<Erxudp, 'data'> & { dataLen: number };

/**
 * Parses the header tokens of an ERXUDP line (without the leading `ERXUDP`, ending with
 * DATALEN): 7 tokens single-hop, 8 dual-stack (SA2=0), 9 dual-stack with RSSI (SA2=1).
 */
export function parseErxudpHeader(tokens: readonly string[]): ErxudpHeader {
  const n = tokens.length;
  if (n < 7 || n > 9) {
    throw new HemsError('DONGLE_BAD_LINE', `ERXUDP has ${n + 2} fields, expected 9, 10 or 11`);
  }
  const [sender, dest, rport, lport, lla] = tokens as [string, string, string, string, string];
  const rest = tokens.slice(5);
  const dataLenTok = rest[rest.length - 1]!;
  let rssi: number | null = null;
  let secured: string;
  let side: number | null = null;
  if (n === 7) secured = rest[0]!;
  else if (n === 8) {
    secured = rest[0]!;
    side = hexNum(rest[1]!, 'SIDE');
  } else {
    if (!isRssiToken(rest[0]!))
      throw new HemsError('DONGLE_BAD_LINE', `ERXUDP RSSI "${rest[0]}" is not a number`);
    rssi = parseRssi(rest[0]!);
    secured = rest[1]!;
    side = hexNum(rest[2]!, 'SIDE');
  }
  if (!isIpv6(sender) || !isIpv6(dest)) {
    throw new HemsError('DONGLE_BAD_LINE', 'ERXUDP sender or destination is not a full IPv6 address');
  }
  if (!/^[0-9A-Fa-f]{16}$/.test(lla))
    throw new HemsError('DONGLE_BAD_LINE', 'ERXUDP sender MAC is not 16 hex digits');
  return {
    sender: sender.toUpperCase(),
    dest: dest.toUpperCase(),
    rport: hexNum(rport, 'RPORT'),
    lport: hexNum(lport, 'LPORT'),
    senderLla: lla.toUpperCase(),
    rssi,
    secured: hexNum(secured, 'SECURED') === 1,
    side,
    dataLen: hexNum(dataLenTok, 'DATALEN'),
  };
}

/** Parses a whole ERXUDP line as printed in hex mode (the form users paste). */
export function parseErxudpHexLine(line: string): Erxudp {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0] !== 'ERXUDP') throw new HemsError('DONGLE_BAD_LINE', 'line does not start with ERXUDP');
  const header = parseErxudpHeader(tokens.slice(1, -1));
  const data = fromHex(tokens[tokens.length - 1]!);
  if (data.length !== header.dataLen) {
    throw new HemsError(
      'DONGLE_BAD_LINE',
      `ERXUDP DATALEN says ${header.dataLen} bytes but the data holds ${data.length}`,
    );
  }
  const { dataLen: _dataLen, ...rest } = header;
  return { ...rest, data };
}

/** The RSSI token (SA2=1) has no verified width or sign (§A.7, §G.2): 1–4 hex digits, optional '-'. */
export function isRssiToken(t: string): boolean {
  return /^-?[0-9A-Fa-f]{1,4}$/.test(t);
}

/** 1–2 digits as printed by the emulator and momonga's reading; '-' or a 3–4 digit two's-complement value is signed. */
export function parseRssi(t: string): number {
  if (t.startsWith('-')) return -Number.parseInt(t.slice(1), 16);
  const v = Number.parseInt(t, 16);
  return t.length > 2 && v >= 0x8000 ? v - 0x10000 : v;
}

function hexNum(tok: string, name: string): number {
  if (!/^[0-9A-Fa-f]{1,8}$/.test(tok))
    throw new HemsError('DONGLE_BAD_LINE', `ERXUDP ${name} "${tok}" is not hex`);
  return Number.parseInt(tok, 16);
}

function isIpv6(s: string): boolean {
  return /^[0-9A-Fa-f]{4}(:[0-9A-Fa-f]{4}){7}$/.test(s);
}
