/** Big-endian integer readers; callers check the length first. */
export function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function s16(b: Uint8Array, at: number): number {
  const v = u16(b, at);
  return v >= 0x8000 ? v - 0x10000 : v;
}

export function u24(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}

export function u32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + u24(b, at + 1);
}

export function s32(b: Uint8Array, at: number): number {
  const v = u32(b, at);
  return v >= 0x80000000 ? v - 0x100000000 : v;
}
