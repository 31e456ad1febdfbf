import type { SourceStatus } from '../service/types.js';
import type { StoreHealth } from './deps.js';

export type HealthBody =
  | {
      status: 'ok';
      state: SourceStatus['state'];
      lastReadingAt: string;
      ageSeconds: number;
      meter: string | null;
      store?: StoreHealth;
    }
  | {
      status: 'fail';
      reason: string;
      state: SourceStatus['state'];
      lastReadingAt: string | null;
      ageSeconds: number | null;
      meter: string | null;
      store?: StoreHealth;
    };

export interface Health {
  code: 200 | 503;
  body: HealthBody;
}

/**
 * Healthy means: the store (when there is one) can be written, the session is up and the last
 * reading is at most two intervals old. A store that cannot be written comes first: readings
 * still flow, but only from memory, and someone has to act (free space, fix permissions).
 */
export function healthOf(
  status: SourceStatus,
  nowMs: number,
  intervalMs: number,
  store?: StoreHealth | null,
): Health {
  const last = status.lastReadingAt;
  const lastReadingAt = last === null ? null : new Date(last).toISOString();
  const ageSeconds = last === null ? null : Math.max(0, Math.round((nowMs - last) / 1000));
  const base = {
    state: status.state,
    lastReadingAt,
    ageSeconds,
    meter: status.meter,
    ...(store ? { store: { up: store.up, problem: store.problem } } : {}),
  };
  const fail = (reason: string): Health => ({ code: 503, body: { status: 'fail', reason, ...base } });
  if (store && !store.up) return fail(`store unavailable: ${store.problem ?? 'unknown cause'}`);
  if (status.state !== 'up') return fail(`session not up (state ${status.state})`);
  if (last === null || lastReadingAt === null || ageSeconds === null) return fail('no reading yet');
  if (nowMs - last > 2 * intervalMs) return fail(`stale: last reading ${ageSeconds} s ago`);
  return { code: 200, body: { status: 'ok', ...base, lastReadingAt, ageSeconds } };
}
