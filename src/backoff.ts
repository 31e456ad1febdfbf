/**
 * The one backoff rule of the collector: attempt 1 waits about `baseMs`, each further attempt
 * doubles, never past `maxMs`. `jitter` (default ±20 %) spreads the waits so several collectors
 * that lost the same server do not retry in lockstep; the B-route link uses none (one dongle,
 * one meter, and its waits follow the meter's rules).
 */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay the jitter may move it either way; default 0.2, 0 for none. */
  jitter?: number;
}

export function backoffDelay(attempt: number, o: Backoff, random: () => number = Math.random): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const j = o.jitter ?? 0.2;
  return Math.min(o.maxMs, Math.round(exp * (1 - j + 2 * j * random())));
}
