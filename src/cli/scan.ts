/**
 * `scan`: opens the dongle, runs SKSCAN with escalating durations until a meter answers,
 * saves the best one (by LQI) to the state dir's scan cache and returns everything found,
 * best first, for the caller to print.
 */
import type { MeterSessionOptions } from '../broute/options.js';
import { createMeterSession } from '../broute/session.js';
import type { PanDesc } from '../skstack/api.js';

export interface ScanOptions extends Omit<MeterSessionOptions, 'meter' | 'password' | 'scanDurations'> {
  /** A scan (SKSCAN mode 2) needs only the Route-B ID; the password is sent when given. */
  password?: string;
  /** SKSCAN durations tried in order (default 5, 6, 7, 8). */
  durations?: readonly number[];
}

/** Rejects with HemsError SCAN_NOTHING_FOUND when no duration finds a meter. */
export async function runScan(opts: ScanOptions, signal?: AbortSignal): Promise<PanDesc[]> {
  const { durations, password, ...rest } = opts;
  const session = createMeterSession({
    ...rest,
    // SKSETPWD needs 1–32 characters; a scan does not use the password.
    password: password && password.length > 0 ? password : '000000000000',
    ...(durations ? { scanDurations: durations } : {}),
  });
  try {
    const found = await session.scan(signal);
    return [...found].sort((a, b) => b.lqi - a.lqi);
  } finally {
    await session.close();
  }
}
