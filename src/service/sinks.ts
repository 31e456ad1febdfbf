import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { AnySinkDescriptor, SinkContext } from '../sinks/descriptor.js';
import { OUTPUTS } from '../sinks/registry.js';
import type { Sink } from '../sinks/types.js';

/**
 * One sink per `-o` value, in the order given, each built by its registry entry: an output's
 * code (and its libraries: mqtt, the Pub/Sub client) loads only when it is chosen.
 */
export async function buildSinks(config: Config, logger: Logger): Promise<Sink[]> {
  const sinks: Sink[] = [];
  let cost: SinkContext['cost'] = null;
  if (config.tariff && config.output.length > 0) {
    const { periodCostFor } = await import('./period-cost.js');
    cost = periodCostFor(config, logger) ?? null;
  }
  for (const name of config.output) {
    const make = await (OUTPUTS[name] as AnySinkDescriptor).load();
    sinks.push(await make(config, { logger: logger.child(name), cost }));
  }
  return sinks;
}
