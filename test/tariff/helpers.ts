import { parseTariff } from '../../src/tariff/parse.js';
import type { Tariff } from '../../src/tariff/types.js';
import { localWallTimeToUtc } from '../../src/time/zone.js';

export const TZ = 'Asia/Tokyo';
export const HALF = 30 * 60_000;

/** A tariff from YAML text; fails the test with the problems when invalid. */
export function tariffOf(yaml: string): Tariff {
  const r = parseTariff(yaml);
  if (!r.ok) throw new Error(`invalid tariff:\n${r.problems.join('\n')}`);
  return r.tariff;
}

/** UTC ms of a Tokyo wall time. */
export function jst(y: number, mo: number, d: number, h = 0, mi = 0): number {
  return localWallTimeToUtc(y, mo, d, h, mi, 0, TZ);
}

/** `n` consecutive half hours of `kwh` each from `startMs`, as a slot map (END → kWh). */
export function run(
  startMs: number,
  n: number,
  kwh: number,
  into = new Map<number, number>(),
): Map<number, number> {
  for (let i = 0; i < n; i++) into.set(startMs + (i + 1) * HALF, kwh);
  return into;
}

export const TIERED = `
name: B
basic_charge: { amperes: 30, by_amperes: { 20: 623.50, 30: 935.25 } }
energy:
  tiers:
    - { up_to_kwh: 120, yen_per_kwh: 29.80 }
    - { up_to_kwh: 300, yen_per_kwh: 36.40 }
    - { yen_per_kwh: 40.49 }
renewable_surcharge: 3.49
fuel_adjustment: { 2026-05: -1.20 }
`;
