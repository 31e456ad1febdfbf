/**
 * Exported energy (solar, sold) from the meter's cumulative reverse counter (E3), which live
 * readings carry. The meter keeps no per-half-hour export in what we store, so exported energy
 * is the growth of that counter between readings: each step is counted on the local date of the
 * later reading. A step backwards (meter replaced, counter wrapped) counts as nothing.
 */
import { localDateOf } from '../time/zone.js';

export interface ReversePoint {
  ms: number;
  kwh: number;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** kWh exported per local date, from reverse-counter readings in time order. */
export function exportedByDate(points: readonly ReversePoint[], tz: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 1; i < points.length; i++) {
    const step = points[i]!.kwh - points[i - 1]!.kwh;
    if (!(step > 0)) continue;
    const d = localDateOf(points[i]!.ms, tz);
    out.set(d, r4((out.get(d) ?? 0) + step));
  }
  return out;
}

/** kWh exported between the first and the last of the points (0 for fewer than two). */
export function exportedTotal(points: readonly ReversePoint[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) {
    const step = points[i]!.kwh - points[i - 1]!.kwh;
    if (step > 0) sum += step;
  }
  return r4(sum);
}
