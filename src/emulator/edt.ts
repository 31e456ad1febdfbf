import type { LocalParts } from './local-time.js';

/** Byte encoders for class 0x0288 EDTs (protocol.md §C.2). */
export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0);
  return out;
}

export function s16(n: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setInt16(0, n);
  return out;
}

export function s32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** YYYY(2) MM DD hh mm [ss]. */
export function dateTime(p: LocalParts, seconds: boolean): Uint8Array {
  const head = concat(u16(p.year), Uint8Array.of(p.month, p.day, p.hour, p.minute));
  return seconds ? concat(head, u8(p.second)) : head;
}

/** Property map EDT (protocol.md §C.4): a list below 16 entries, else the 16-byte bitmap. */
export function propertyMap(epcs: readonly number[]): Uint8Array {
  const sorted = [...new Set(epcs)].sort((a, b) => a - b);
  if (sorted.length < 16) return Uint8Array.of(sorted.length, ...sorted);
  const out = new Uint8Array(17);
  out[0] = sorted.length;
  for (const epc of sorted) {
    const i = epc & 0x0f;
    const bit = (epc - 0x80) >> 4;
    out[1 + i] = out[1 + i]! | (1 << bit);
  }
  return out;
}
