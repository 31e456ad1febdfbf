import type { SourceStatus } from '../service/types.js';

export type HealthBody =
  | {
      status: 'ok';
      state: SourceStatus['state'];
      lastReadingAt: string;
      ageSeconds: number;
      meter: string | null;
    }
  | {
      status: 'fail';
      reason: string;
      state: SourceStatus['state'];
      lastReadingAt: string | null;
      ageSeconds: number | null;
      meter: string | null;
    };

export interface Health {
  code: 200 | 503;
  body: HealthBody;
}

/** Healthy means: the session is up and the last reading is at most two intervals old. */
export function healthOf(status: SourceStatus, nowMs: number, intervalMs: number): Health {
  const last = status.lastReadingAt;
  const lastReadingAt = last === null ? null : new Date(last).toISOString();
  const ageSeconds = last === null ? null : Math.max(0, Math.round((nowMs - last) / 1000));
  const base = { state: status.state, lastReadingAt, ageSeconds, meter: status.meter };
  const fail = (reason: string): Health => ({ code: 503, body: { status: 'fail', reason, ...base } });
  if (status.state !== 'up') return fail(`session not up (state ${status.state})`);
  if (last === null || lastReadingAt === null || ageSeconds === null) return fail('no reading yet');
  if (nowMs - last > 2 * intervalMs) return fail(`stale: last reading ${ageSeconds} s ago`);
  return { code: 200, body: { status: 'ok', ...base, lastReadingAt, ageSeconds } };
}
