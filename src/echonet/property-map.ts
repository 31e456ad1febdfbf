/**
 * Property maps 0x9D/0x9E/0x9F (protocol.md §C.4): EDT[0] = N; N < 16 lists the EPCs,
 * N >= 16 is a 16-byte bitmap where byte i bit b marks EPC 0x80 + (b << 4) + i.
 * Returns the EPCs sorted ascending, or null when the EDT has the wrong size.
 */
export function decodePropertyMap(edt: Uint8Array): number[] | null {
  if (edt.length === 0) return null;
  const n = edt[0]!;
  if (n < 16) {
    if (edt.length !== 1 + n) return null;
    return [...new Set(edt.subarray(1))].sort((a, b) => a - b);
  }
  if (edt.length !== 17) return null;
  const epcs: number[] = [];
  for (let bit = 0; bit < 8; bit++) {
    for (let i = 0; i < 16; i++) {
      if ((edt[1 + i]! >> bit) & 1) epcs.push(0x80 + (bit << 4) + i);
    }
  }
  return epcs;
}

/** The inverse: list form below 16 EPCs, bitmap form from 16 on. EPCs below 0x80 cannot be expressed and are dropped. */
export function encodePropertyMap(epcs: readonly number[]): Uint8Array {
  const set = [...new Set(epcs.filter((e) => Number.isInteger(e) && e >= 0x80 && e <= 0xff))].sort(
    (a, b) => a - b,
  );
  if (set.length < 16) return Uint8Array.from([set.length, ...set]);
  const out = new Uint8Array(17);
  out[0] = set.length;
  for (const epc of set) {
    const i = epc & 0x0f;
    const bit = (epc >> 4) - 8;
    out[1 + i] = out[1 + i]! | (1 << bit);
  }
  return out;
}
