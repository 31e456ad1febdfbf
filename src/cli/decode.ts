import { esvName } from '../echonet/esv.js';
import { decodeFrame, eojHex, hex2 } from '../echonet/frame.js';
import { toHex } from '../echonet/hex.js';
import { epcName } from '../echonet/names.js';
import { decodeValue } from '../echonet/values.js';
import { HemsError } from '../errors.js';
import { parseErxudpHexLine } from '../skstack/erxudp.js';

export interface DecodedProperty {
  epc: string;
  pdc: number;
  edt: string;
  name: string | null;
  value: unknown;
}

export interface DecodeResult {
  /** The ERXUDP sender address, or null for a bare frame. */
  sender: string | null;
  tid: number;
  seoj: string;
  deoj: string;
  esv: string;
  esvName: string | null;
  properties: DecodedProperty[];
}

/**
 * Decodes what a user pastes: a whole hex-mode `ERXUDP …` line (9, 10 or 11 fields) or a bare
 * hex ECHONET Lite frame (spaces allowed). Throws HemsError INPUT_INVALID, DONGLE_BAD_LINE,
 * FRAME_BAD_HEX or FRAME_* with a one-line message.
 */
export function decodeInput(input: string): DecodeResult {
  const text = input.trim();
  if (text === '')
    throw new HemsError('INPUT_INVALID', 'nothing to decode: give an ERXUDP line or a hex frame');
  let sender: string | null = null;
  let bytes: Uint8Array;
  const [first = '', ...rest] = text.split(/\s+/);
  if (first.toUpperCase() === 'ERXUDP') {
    const rx = parseErxudpHexLine(['ERXUDP', ...rest].join(' '));
    sender = rx.sender;
    bytes = rx.data;
  } else {
    bytes = parseBareHex(text);
  }
  const frame = decodeFrame(bytes);
  // Requests (0x6X) carry properties of the destination object; responses and notifications of the source.
  const owner = (frame.esv & 0xf0) === 0x60 ? frame.deoj : frame.seoj;
  return {
    sender,
    tid: frame.tid,
    seoj: eojHex(frame.seoj),
    deoj: eojHex(frame.deoj),
    esv: hex2(frame.esv),
    esvName: esvName(frame.esv),
    properties: frame.properties.map((p) => ({
      epc: hex2(p.epc),
      pdc: p.edt.length,
      edt: toHex(p.edt),
      name: epcName(owner, p.epc),
      value: decodeValue(owner, p.epc, p.edt),
    })),
  };
}

/** One JSON line (no trailing newline). */
export function formatDecode(result: DecodeResult): string {
  return JSON.stringify(result);
}

function parseBareHex(text: string): Uint8Array {
  const hex = text.replace(/\s+/g, '');
  const bad = /[^0-9A-Fa-f]/.exec(hex);
  if (bad) {
    throw new HemsError(
      'INPUT_INVALID',
      `not an ERXUDP line or a hex frame: unexpected character "${bad[0]}" at position ${bad.index + 1}`,
    );
  }
  if (hex.length % 2 !== 0) {
    throw new HemsError('INPUT_INVALID', `hex frame has an odd number of digits (${hex.length})`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
