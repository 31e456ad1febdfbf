import type { Logger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import type { SourceStatus } from '../service/types.js';
import type { Delivery, OutputStats } from '../sinks/delivery-api.js';
import type { Tariff } from '../tariff/types.js';

export type { OutputStats };

/** Whether the local database can be written, and if not why (`disk full at …`). */
export interface StoreHealth {
  up: boolean;
  problem: string | null;
}

/**
 * What the HTTP server reads. Only small structural slices of the real pieces (the meter
 * session, the delivery, the store), so fakes satisfy them in tests. Nothing here writes.
 */
export interface HttpDeps {
  source: { status(): SourceStatus };
  delivery?: Pick<Delivery, 'stats'> | undefined;
  store?:
    | {
        latest(): Envelope | null;
        query(opts: { since?: number; until?: number; limit?: number }): Envelope[];
        status?(): StoreHealth;
      }
    | undefined;
  /** History backfill progress (days still to recover), when a backfill runs. */
  backfill?: { daysLeft(): number | null } | undefined;
  /** Expected time between readings; a reading older than two intervals is stale. */
  intervalMs: number;
  /** IANA zone of the meter's wall clock: the dashboard's days are dates in this zone. */
  timezone: string;
  logger: Logger;
  now?: () => number;
  /** The electricity contract, when `--tariff` is given: costs on the dashboard and in /metrics. */
  tariff?: Tariff | null;
}
