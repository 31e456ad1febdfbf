import type { SourceStatus } from '../broute/api.js';
import type { Envelope } from '../reading/record.js';

export {
  LINK_STATES,
  type LinkStateName,
  type SourceCounters,
  type SourceStatus,
  zeroCounters,
} from '../broute/api.js';

/** Where records come from: the B-route session (broute/) turned into records (recorder.ts). */
export interface ReadingSource {
  /**
   * Connects (or reconnects) as needed and takes one reading. Protocol trouble is handled
   * inside (rejoin, rescan, reopen); what still escapes is a HemsError the run loop logs
   * before going on with the next cycle. CONFIG_INVALID errors are fatal (exit 2).
   * Aborting either signal (a stop request) ends the reading in progress at once.
   */
  read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<Envelope>;
  /** Current state for logs, metrics and /healthz. */
  status(): SourceStatus;
  /** Ends the PANA session (SKTERM) and closes the port. */
  close(): Promise<void>;
}
