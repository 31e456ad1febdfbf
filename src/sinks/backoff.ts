/**
 * Capped exponential backoff with jitter: attempt 1 waits about `baseMs`, each further
 * attempt doubles, never past `maxMs`. The jitter (±20 %) keeps several collectors that lost
 * the same server from retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  o: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.min(o.maxMs, Math.round(exp * (0.8 + 0.4 * random())));
}
