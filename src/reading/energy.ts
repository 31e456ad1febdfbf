/**
 * Energy scaling (protocol.md §C.1): kWh = raw × coefficient (D3) × unit (E1), rounded to the
 * unit's decimals so that 0.1-kWh units print as 12345.6, never 12345.600000001.
 */

/** E1 unit code → power of ten (0x01 = 0.1 kWh → -1). Null for an unknown code. */
export function unitExponent(code: number): number | null {
  if (code >= 0x00 && code <= 0x04) return -code;
  if (code >= 0x0a && code <= 0x0d) return code - 0x09;
  return null;
}

/** The multiplier of E1 (e.g. 0.1), or null for an unknown code. */
export function unitMultiplier(code: number): number | null {
  const e = unitExponent(code);
  return e === null ? null : e < 0 ? 1 / 10 ** -e : 10 ** e;
}

/** raw × coefficient × unit in kWh, exact to the unit's decimals. Unknown unit → null. */
export function toKwh(raw: number, coefficient: number, unitCode: number): number | null {
  const e = unitExponent(unitCode);
  if (e === null) return null;
  const scaled = raw * coefficient;
  return e < 0 ? Math.round(scaled) / 10 ** -e : scaled * 10 ** e;
}

/**
 * cur − prev for a counter that wraps at 10^digits (D7, 1–8). A negative raw difference is
 * taken as one wrap.
 */
export function counterDelta(prev: number, cur: number, digits: number): number {
  const d = cur - prev;
  if (d >= 0) return d;
  const modulus = 10 ** Math.min(Math.max(digits, 1), 8);
  return d + modulus;
}
