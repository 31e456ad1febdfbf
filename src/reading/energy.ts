/**
 * Energy scaling (protocol.md §C.1): kWh = raw × coefficient (D3) × unit (E1), rounded to the
 * unit's decimals so that 0.1-kWh units print as 12345.6, never 12345.600000001.
 */
import { unitMultiplier } from '../echonet/meter.js';

/** raw × coefficient × unit in kWh, exact to the unit's decimals. Unknown unit → null. */
export function toKwh(raw: number, coefficient: number, unitCode: number): number | null {
  const unit = unitMultiplier(unitCode);
  if (unit === null) return null;
  const scaled = raw * coefficient;
  // Divide by the power of ten rather than multiply by 0.1 etc.: the quotient is the double
  // nearest to the decimal value.
  return unit < 1 ? Math.round(scaled) / Math.round(1 / unit) : scaled * unit;
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
