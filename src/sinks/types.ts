import type { Backoff } from '../backoff.js';
import type { Envelope } from '../reading/record.js';
import type { OutputName } from './registry.js';

export type { OutputName };

/**
 * The retry policy of every remote output (webhook, gcloud, mqtt), owned by the outbox rather
 * than by a client library: each attempt is bounded by ATTEMPT_TIMEOUT_MS, failed attempts are
 * retried after 1 s, 2 s, 4 s, 8 s, then every 10 s (±20 % jitter, never above the cap), so a
 * destination that comes back gets its first reading within about 10 s. README documents it.
 */
export const REMOTE_RETRY: Readonly<Backoff> = { baseMs: 1_000, maxMs: 10_000 };
/** The bound on one delivery attempt to a remote output (connecting included). */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * One destination. Every output has its own outbox in the store; `deliver` is called with
 * envelopes in order and must resolve only once the destination has the record (so the
 * outbox row can be deleted). It throws HemsError OUTPUT_RETRYABLE or OUTPUT_REJECTED on failure.
 */
export interface Sink {
  /** Its `-o` name (a key of sinks/registry.ts OUTPUTS). */
  readonly name: string;
  /** Remote outputs (webhook, gcloud, mqtt) retry with backoff; local ones retry next cycle. */
  readonly remote: boolean;
  start?(): Promise<void>;
  deliver(env: Envelope): Promise<void>;
  stop(): Promise<void>;
}
