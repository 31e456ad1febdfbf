import { HemsError } from '../errors.js';

/** One property of a frame: EPC, and its EDT (empty for a Get request or an unreadable property). */
export interface Property {
  epc: number;
  edt: Uint8Array;
}

/** An ECHONET Lite frame in EDATA format 1 (protocol.md §B.1). EOJs are 24-bit numbers. */
export interface Frame {
  tid: number;
  seoj: number;
  deoj: number;
  esv: number;
  properties: Property[];
}

const HEADER = 12;

/** Encodes a frame; a field that does not fit its byte width is a FRAME_INVALID HemsError. */
export function encodeFrame(frame: Frame): Uint8Array {
  checkField('TID', frame.tid, 0xffff);
  checkField('SEOJ', frame.seoj, 0xffffff);
  checkField('DEOJ', frame.deoj, 0xffffff);
  checkField('ESV', frame.esv, 0xff);
  if (frame.properties.length > 0xff)
    throw new HemsError('FRAME_INVALID', `${frame.properties.length} properties, OPC holds at most 255`);
  for (const p of frame.properties) checkField('EPC', p.epc, 0xff);
  const size = HEADER + frame.properties.reduce((n, p) => n + 2 + p.edt.length, 0);
  const out = new Uint8Array(size);
  out[0] = 0x10;
  out[1] = 0x81;
  out[2] = (frame.tid >> 8) & 0xff;
  out[3] = frame.tid & 0xff;
  writeEoj(out, 4, frame.seoj);
  writeEoj(out, 7, frame.deoj);
  out[10] = frame.esv;
  out[11] = frame.properties.length;
  let at = HEADER;
  for (const p of frame.properties) {
    if (p.edt.length > 0xff)
      throw new HemsError('FRAME_INVALID', `EDT of EPC ${p.epc} longer than 255 bytes`);
    out[at++] = p.epc;
    out[at++] = p.edt.length;
    out.set(p.edt, at);
    at += p.edt.length;
  }
  return out;
}

/**
 * Decodes one whole frame. Every malformed input becomes a HemsError with a FRAME_* code;
 * nothing else is ever thrown.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < HEADER) {
    throw new HemsError('FRAME_TRUNCATED_HEADER', `frame is ${bytes.length} bytes, header needs ${HEADER}`, {
      length: bytes.length,
    });
  }
  if (bytes[0] !== 0x10 || bytes[1] !== 0x81) {
    throw new HemsError('FRAME_BAD_EHD', `EHD is ${hex2(bytes[0]!)}${hex2(bytes[1]!)}, expected 1081`);
  }
  const opc = bytes[11]!;
  const properties: Property[] = [];
  let at = HEADER;
  for (let i = 0; i < opc; i++) {
    if (at >= bytes.length) {
      throw new HemsError('FRAME_OPC_MISMATCH', `OPC says ${opc} properties, frame holds ${i}`, {
        opc,
        found: i,
      });
    }
    if (at + 2 > bytes.length) {
      throw new HemsError('FRAME_PDC_OVERRUN', `property ${i + 1} is cut after its EPC`, { offset: at });
    }
    const epc = bytes[at]!;
    const pdc = bytes[at + 1]!;
    if (at + 2 + pdc > bytes.length) {
      throw new HemsError(
        'FRAME_PDC_OVERRUN',
        `EPC ${hex2(epc)} PDC ${pdc} runs past the end of the frame (${bytes.length - at - 2} bytes left)`,
        { epc, pdc },
      );
    }
    properties.push({ epc, edt: bytes.slice(at + 2, at + 2 + pdc) });
    at += 2 + pdc;
  }
  if (at !== bytes.length) {
    throw new HemsError('FRAME_TRAILING_BYTES', `${bytes.length - at} bytes after the last property`, {
      extra: bytes.length - at,
    });
  }
  return {
    tid: (bytes[2]! << 8) | bytes[3]!,
    seoj: readEoj(bytes, 4),
    deoj: readEoj(bytes, 7),
    esv: bytes[10]!,
    properties,
  };
}

/** A Get request (PDC 0 for every EPC). */
export function getRequest(tid: number, seoj: number, deoj: number, epcs: readonly number[]): Frame {
  return { tid, seoj, deoj, esv: 0x62, properties: epcs.map((epc) => ({ epc, edt: new Uint8Array(0) })) };
}

export function eojHex(eoj: number): string {
  return eoj.toString(16).toUpperCase().padStart(6, '0');
}

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new HemsError(
      'FRAME_INVALID',
      `${name} ${value} does not fit in ${max.toString(16).length / 2} byte(s)`,
    );
}

function writeEoj(out: Uint8Array, at: number, eoj: number): void {
  out[at] = (eoj >> 16) & 0xff;
  out[at + 1] = (eoj >> 8) & 0xff;
  out[at + 2] = eoj & 0xff;
}

function readEoj(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}
