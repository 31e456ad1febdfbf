import type { Config } from '../config/schema.js';
import { createCostViews } from '../http/cost.js';
import type { Logger } from '../log.js';
import type { PeriodCost } from '../sinks/mqtt-discovery.js';
import { openStore, type Store } from '../store/store.js';

/**
 * The billing period so far for the MQTT "cost this period" sensor: a read-only connection of
 * its own to the state database (opened at first use, when the first reading is stored), so the
 * output needs nothing from the run loop.
 */
export function periodCostFor(config: Config, logger: Logger): (() => PeriodCost | null) | undefined {
  if (!config.tariff) return undefined;
  let views: ReturnType<typeof createCostViews> | null = null;
  return () => {
    if (!views) {
      let store: Store;
      try {
        store = openStore({ dir: config.stateDir, readonly: true });
      } catch (e) {
        logger.debug(() => `period cost: no database yet (${(e as Error).message})`);
        return null;
      }
      views = createCostViews({ store, tariff: config.tariff, timezone: config.timezone, now: Date.now });
    }
    return views.period();
  };
}
