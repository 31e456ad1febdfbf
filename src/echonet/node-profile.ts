import { eojHex, hex2 } from './frame.js';
import { u16, u24 } from './ints.js';

/** Class 0x0EF0 (node profile) value decoders; each returns null for a wrong size. */

/** 0x82 of the node profile: major, minor, then a 2-byte message-format bitmap [U: spec from memory]. */
export function decodeNodeVersion(edt: Uint8Array): { major: number; minor: number } | null {
  if (edt.length !== 4) return null;
  return { major: edt[0]!, minor: edt[1]! };
}

/** 0xD3: number of self-node instances (3 bytes). */
export function decodeInstanceCount(edt: Uint8Array): number | null {
  return edt.length === 3 ? u24(edt, 0) : null;
}

/** 0xD4: number of self-node classes (2 bytes). */
export function decodeClassCount(edt: Uint8Array): number | null {
  return edt.length === 2 ? u16(edt, 0) : null;
}

/** 0xD5 / 0xD6: count (0–84) + count × EOJ → ["028801"] (protocol.md §B.3). */
export function decodeInstanceList(edt: Uint8Array): string[] | null {
  if (edt.length === 0) return null;
  const n = edt[0]!;
  if (n > 84 || edt.length !== 1 + 3 * n) return null;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = 1 + 3 * i;
    out.push(eojHex((edt[at]! << 16) | (edt[at + 1]! << 8) | edt[at + 2]!));
  }
  return out;
}

/** 0xD7: class count + up to 8 class codes (2 bytes each) → ["0288"]. */
export function decodeClassList(edt: Uint8Array): string[] | null {
  if (edt.length === 0) return null;
  const listed = Math.min(edt[0]!, 8);
  if (edt.length !== 1 + 2 * listed) return null;
  const out: string[] = [];
  for (let i = 0; i < listed; i++) out.push(hex2(edt[1 + 2 * i]!) + hex2(edt[2 + 2 * i]!));
  return out;
}

/** JSON-ready value of a node-profile EPC; undefined when it is not one of this class's own. */
export function decodeNodeProfileValue(epc: number, edt: Uint8Array): unknown {
  switch (epc) {
    case 0x82:
      return decodeNodeVersion(edt);
    case 0xd3:
      return decodeInstanceCount(edt);
    case 0xd4:
      return decodeClassCount(edt);
    case 0xd5:
    case 0xd6:
      return decodeInstanceList(edt);
    case 0xd7:
      return decodeClassList(edt);
    default:
      return undefined;
  }
}
