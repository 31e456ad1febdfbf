import { hex2 } from './frame.js';
import { u16 } from './ints.js';
import { decodePropertyMap } from './property-map.js';

/**
 * Device-object super-class properties shared by every class we meet (protocol.md §C.2).
 * Each returns the JSON-ready value, or null for a wrong size or an undefined code.
 */

/** 0x80: 0x30 "on", 0x31 "off". */
export function decodeOperationStatus(edt: Uint8Array): 'on' | 'off' | null {
  if (edt.length !== 1) return null;
  return edt[0] === 0x30 ? 'on' : edt[0] === 0x31 ? 'off' : null;
}

/** 0x82 of a device object: bytes 00 00 <release letter> <revision>. */
export function decodeStandardVersion(edt: Uint8Array): { release: string; revision: number } | null {
  if (edt.length !== 4) return null;
  const letter = edt[2]!;
  if (letter < 0x41 || letter > 0x5a) return null;
  return { release: String.fromCharCode(letter), revision: edt[3]! };
}

/** 0x88: 0x41 fault, 0x42 no fault. */
export function decodeFaultStatus(edt: Uint8Array): boolean | null {
  if (edt.length !== 1) return null;
  return edt[0] === 0x41 ? true : edt[0] === 0x42 ? false : null;
}

/** 0x8A: the 3-byte manufacturer code as upper-case hex ("000016"). */
export function decodeManufacturer(edt: Uint8Array): string | null {
  if (edt.length !== 3) return null;
  return [...edt].map(hex2).join('');
}

/** 0x8D: 12 ASCII bytes, padded with NULs or spaces at the end. */
export function decodeProductionNumber(edt: Uint8Array): string | null {
  if (edt.length !== 12) return null;
  let end = edt.length;
  while (end > 0 && (edt[end - 1] === 0x00 || edt[end - 1] === 0x20)) end--;
  const body = edt.subarray(0, end);
  if (body.some((c) => c < 0x20 || c > 0x7e)) return null;
  return String.fromCharCode(...body);
}

/** 0x97: hh mm → "hh:mm". */
export function decodeCurrentTime(edt: Uint8Array): string | null {
  if (edt.length !== 2 || edt[0]! > 23 || edt[1]! > 59) return null;
  return `${pad2(edt[0]!)}:${pad2(edt[1]!)}`;
}

/** 0x98: YYYY(2) MM DD → "YYYY-MM-DD". */
export function decodeCurrentDate(edt: Uint8Array): string | null {
  if (edt.length !== 4) return null;
  const year = u16(edt, 0);
  const month = edt[2]!;
  const day = edt[3]!;
  if (year === 0xffff || month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** 0x9D/0x9E/0x9F as sorted EPC strings ("80", "81", …). */
export function decodePropertyMapHex(edt: Uint8Array): string[] | null {
  return decodePropertyMap(edt)?.map(hex2) ?? null;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Decodes a super-class EPC; undefined means "not a super-class EPC we decode". */
export function decodeSuperclassValue(epc: number, edt: Uint8Array): unknown {
  switch (epc) {
    case 0x80:
      return decodeOperationStatus(edt);
    case 0x82:
      return decodeStandardVersion(edt);
    case 0x88:
      return decodeFaultStatus(edt);
    case 0x8a:
      return decodeManufacturer(edt);
    case 0x8d:
      return decodeProductionNumber(edt);
    case 0x97:
      return decodeCurrentTime(edt);
    case 0x98:
      return decodeCurrentDate(edt);
    case 0x9d:
    case 0x9e:
    case 0x9f:
      return decodePropertyMapHex(edt);
    default:
      return undefined;
  }
}
