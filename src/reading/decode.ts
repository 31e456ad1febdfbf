/**
 * The few class-0x0288 EDT decoders the reading needs (protocol.md §C.2, §C.4). Each returns
 * null for "not measured", out-of-range or wrongly sized data.
 */

export function u8(edt: Uint8Array | undefined): number | null {
  return edt && edt.length === 1 ? edt[0]! : null;
}

function u32At(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/** D3 coefficient (u32 0–999,999). */
export function decodeCoefficient(edt: Uint8Array | undefined): number | null {
  if (edt?.length !== 4) return null;
  const v = u32At(edt, 0);
  return v <= 999_999 ? v : null;
}

/** E0/E3 cumulative counter (u32 0–99,999,999; 0xFFFFFFFE = no data). */
export function decodeCumulative(edt: Uint8Array | undefined): number | null {
  if (edt?.length !== 4) return null;
  const v = u32At(edt, 0);
  return v <= 99_999_999 ? v : null;
}

/** E7 instantaneous power in W (s32, 0x7FFFFFFE = not measured). */
export function decodeInstantPower(edt: Uint8Array | undefined): number | null {
  if (edt?.length !== 4) return null;
  const v = u32At(edt, 0) | 0;
  return v >= -2_147_483_647 && v <= 2_147_483_645 ? v : null;
}

/** E8 R/T phase currents in A (s16 × 0.1; 0x7FFE = not measured, e.g. T of single-phase). */
export function decodeCurrents(edt: Uint8Array | undefined): { r: number | null; t: number | null } | null {
  if (edt?.length !== 4) return null;
  const one = (at: number): number | null => {
    const raw = (((edt[at]! << 8) | edt[at + 1]!) << 16) >> 16;
    return raw >= -32767 && raw <= 32765 ? raw / 10 : null;
  };
  return { r: one(0), t: one(2) };
}

/** EA/EB: local wall time of the fixed-time value and the raw counter (null when 0xFFFFFFFE). */
export interface FixedTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  raw: number | null;
}

export function decodeFixedTime(edt: Uint8Array | undefined): FixedTime | null {
  if (edt?.length !== 11) return null;
  const year = (edt[0]! << 8) | edt[1]!;
  const [month, day, hour, minute, second] = [edt[2]!, edt[3]!, edt[4]!, edt[5]!, edt[6]!];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const v = u32At(edt, 7);
  return { year, month, day, hour, minute, second, raw: v <= 99_999_999 ? v : null };
}

/** E2/E4: the selected day (0 = today) and 48 half-hour slots (null = not yet / no data). */
export interface HistoryDay {
  day: number;
  slots: (number | null)[];
}

export function decodeHistory(edt: Uint8Array | undefined): HistoryDay | null {
  if (edt?.length !== 194) return null;
  const slots: (number | null)[] = [];
  for (let i = 0; i < 48; i++) {
    const v = u32At(edt, 2 + i * 4);
    slots.push(v <= 99_999_999 ? v : null);
  }
  return { day: (edt[0]! << 8) | edt[1]!, slots };
}

/** 0x9D/0x9E/0x9F property map: a list below 16 entries, a 16-byte bitmap from 16 on. */
export function decodePropertyMap(edt: Uint8Array | undefined): Set<number> | null {
  if (!edt || edt.length < 1) return null;
  const n = edt[0]!;
  const out = new Set<number>();
  if (n < 16) {
    if (edt.length !== n + 1) return null;
    for (let i = 1; i <= n; i++) out.add(edt[i]!);
    return out;
  }
  if (edt.length !== 17) return null;
  for (let i = 0; i < 16; i++) {
    for (let b = 0; b < 8; b++) if (edt[1 + i]! & (1 << b)) out.add(0x80 + (b << 4) + i);
  }
  return out;
}
