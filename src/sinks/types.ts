import type { Envelope } from '../reading/record.js';

/** Output names, as given to `-o/--output`. */
export const OUTPUT_NAMES = ['stdout', 'file', 'webhook', 'gcloud', 'mqtt'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/**
 * One destination. Every output has its own outbox in the store; `deliver` is called with
 * envelopes in order and must resolve only once the destination has the record (so the
 * outbox row can be deleted). It throws SinkError on failure.
 */
export interface Sink {
  readonly name: OutputName;
  /** Remote outputs (webhook, gcloud, mqtt) retry with backoff; local ones retry next cycle. */
  readonly remote: boolean;
  start?(): Promise<void>;
  deliver(env: Envelope): Promise<void>;
  stop(): Promise<void>;
}

export class SinkError extends Error {
  override readonly name = 'SinkError';
  constructor(
    message: string,
    /** false for problems a retry cannot fix (4xx other than 408/429, bad credentials…): reported loudly. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
