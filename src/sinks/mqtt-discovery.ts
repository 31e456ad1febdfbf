/**
 * MQTT topics and Home Assistant discovery payloads for the `mqtt` output. Pure: envelopes in,
 * topic/payload strings out.
 *
 * Topics (prefix = MQTT_TOPIC_PREFIX, default `hems`; <meter> = the meter MAC, lowercase hex,
 * or `unknown` while the session has not reported one):
 *   <prefix>/status            `online` / `offline`, retained (the last will is `offline`)
 *   <prefix>/<meter>/reading   every current reading, QoS 1, retained so HA and new
 *                              subscribers see the latest value at once
 *   <prefix>/<meter>/cost      with a tariff: the billing period so far (JPY, kWh), retained
 *   <prefix>/<meter>/backfill  backfilled slots, QoS 1, not retained; HA does not listen here, so
 *                              late history never moves the "current" sensors backwards
 *   homeassistant/sensor/hems_<meter>/<object_id>/config   retained discovery configs
 * The per-meter level lets one broker carry several collectors/meters under one prefix.
 */
import { type Envelope, payloadOf } from '../reading/record.js';
import { pyFloat, renderRecord } from './format.js';

export interface Origin {
  name: string;
  sw: string;
  url: string;
}

export interface TopicOptions {
  /** MQTT_TOPIC_PREFIX, default `hems`. */
  prefix: string;
  /** Home Assistant discovery prefix, default `homeassistant`. */
  discoveryPrefix: string;
}

export interface DiscoveryOptions extends TopicOptions {
  origin: Origin;
  /** A tariff is set: offer the "cost this period" sensor (state on `…/cost`). */
  cost?: boolean;
}

/** The current billing period's figures, published retained on `<prefix>/<meter>/cost`. */
export interface PeriodCost {
  /** `YYYY-MM`, the billing period's name. */
  label: string;
  /** Local midnight starting the period (UTC ms): the sensor's last_reset. */
  startMs: number;
  kwh: number;
  yen: number | null;
}

export interface MqttMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export const DEFAULT_TOPIC_PREFIX = 'hems';
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';
export const ONLINE = 'online';
export const OFFLINE = 'offline';

/** The meter MAC as a topic level: lowercase hex digits only, `unknown` when absent. */
export function meterKey(meter: string | null): string {
  const key = (meter ?? '').toLowerCase().replace(/[^0-9a-z]/g, '');
  return key === '' ? 'unknown' : key;
}

/** HA node id and the root of every unique_id; derived from the MAC so it survives restarts. */
export function nodeIdOf(meter: string): string {
  return `hems_${meterKey(meter)}`;
}

export function statusTopic(prefix: string): string {
  return `${prefix}/status`;
}

export function haStatusTopic(discoveryPrefix: string): string {
  return `${discoveryPrefix}/status`;
}

export function readingTopic(prefix: string, meter: string | null): string {
  return `${prefix}/${meterKey(meter)}/reading`;
}

export function backfillTopic(prefix: string, meter: string | null): string {
  return `${prefix}/${meterKey(meter)}/backfill`;
}

export function costTopic(prefix: string, meter: string | null): string {
  return `${prefix}/${meterKey(meter)}/cost`;
}

/** The retained `…/cost` payload: the bill so far (JPY), its kWh, the period and its start. */
export function renderCostPayload(c: PeriodCost): string {
  return JSON.stringify({
    cost_period_yen: c.yen,
    energy_period_kwh: c.kwh,
    period: c.label,
    period_start: new Date(c.startMs).toISOString(),
  });
}

/** Where an envelope goes: backfilled slots to `…/backfill`, the rest to `…/reading` (retained). */
export function readingMessageTarget(prefix: string, env: Envelope): { topic: string; retain: boolean } {
  return env.backfill
    ? { topic: backfillTopic(prefix, env.meter), retain: false }
    : { topic: readingTopic(prefix, env.meter), retain: true };
}

/**
 * The JSON object published for a reading: the 10-key record (plus `backfill: true`), then
 * `cumulative_reverse_kwh` when the meter has reverse energy (an MQTT-only extra).
 */
export function mqttPayloadOf(env: Envelope): Record<string, unknown> {
  const out = payloadOf(env);
  if (env.extras.cumulative_reverse_kwh !== undefined) {
    out.cumulative_reverse_kwh = env.extras.cumulative_reverse_kwh;
  }
  return out;
}

/**
 * The published text: mqttPayloadOf(env) as the other JSON outputs write it (format.ts, floats
 * as `5.0` like the original), on one line without the trailing newline.
 */
export function renderMqttPayload(env: Envelope): string {
  const base = renderRecord('json', env).trimEnd();
  const reverse = env.extras.cumulative_reverse_kwh;
  if (reverse === undefined) return base;
  const value = reverse === null || !Number.isFinite(reverse) ? 'null' : pyFloat(reverse);
  return `${base.slice(0, -1)}, "cumulative_reverse_kwh": ${value}}`;
}

/** JSON with object keys sorted at every level, so equal payloads are equal strings. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

interface SensorSpec {
  objectId: string;
  name: string;
  key: string;
  unit: string;
  deviceClass: string;
  stateClass: string;
  lastResetKey?: string;
  /** State on `…/cost` instead of `…/reading`. */
  onCostTopic?: boolean;
}

const POWER: SensorSpec = {
  objectId: 'instant_power',
  name: 'Instantaneous power',
  key: 'instant_power_w',
  unit: 'W',
  deviceClass: 'power',
  stateClass: 'measurement',
};
const CURRENT_R: SensorSpec = {
  objectId: 'current_r',
  name: 'Current R phase',
  key: 'current_r_a',
  unit: 'A',
  deviceClass: 'current',
  stateClass: 'measurement',
};
const CURRENT_T: SensorSpec = {
  ...CURRENT_R,
  objectId: 'current_t',
  name: 'Current T phase',
  key: 'current_t_a',
};
const ENERGY: SensorSpec = {
  objectId: 'energy',
  name: 'Energy consumed',
  key: 'cumulative_power_kwh',
  unit: 'kWh',
  deviceClass: 'energy',
  stateClass: 'total_increasing',
};
const ENERGY_REVERSE: SensorSpec = {
  ...ENERGY,
  objectId: 'energy_reverse',
  name: 'Energy returned',
  key: 'cumulative_reverse_kwh',
};
/**
 * HA rejects state_class `measurement` for device_class `energy` (only `total` and
 * `total_increasing` are valid). The slot value falls back every 30 minutes, so
 * `total_increasing` would read each drop as a meter reset; `total` with last_reset = the slot
 * time starts a new cycle per slot and sums each slot once. Use `energy` in the Energy
 * dashboard, not this one, or the consumption counts twice.
 */
const LAST_30MIN: SensorSpec = {
  objectId: 'last_30min_energy',
  name: 'Last 30 min consumption',
  key: 'recent_30min_consumption_kwh',
  unit: 'kWh',
  deviceClass: 'energy',
  stateClass: 'total',
  lastResetKey: 'recent_30min_timestamp',
};

/**
 * The bill of the current billing period so far. HA allows only state_class `total` for
 * `monetary`; the value starts again each period, so last_reset is the period's start.
 */
const COST_PERIOD: SensorSpec = {
  objectId: 'cost_period',
  name: 'Cost this period',
  key: 'cost_period_yen',
  unit: 'JPY',
  deviceClass: 'monetary',
  stateClass: 'total',
  lastResetKey: 'period_start',
  onCostTopic: true,
};

function sensorsFor(env: Envelope, cost: boolean): SensorSpec[] {
  const list = [POWER, CURRENT_R, CURRENT_T, ENERGY];
  if (env.extras.cumulative_reverse_kwh !== undefined) list.push(ENERGY_REVERSE);
  list.push(LAST_30MIN);
  if (cost) list.push(COST_PERIOD);
  return list;
}

function deviceOf(meter: string, env: Envelope): Record<string, unknown> {
  const device: Record<string, unknown> = {
    identifiers: [nodeIdOf(meter)],
    model: 'Low-voltage smart electric energy meter (ECHONET Lite 0x0288)',
    name: 'Smart meter',
    serial_number: env.extras.serial || meter,
  };
  if (env.extras.manufacturer) device.manufacturer = env.extras.manufacturer;
  return device;
}

/**
 * Retained discovery configs for the meter of `env`: power, currents R/T, energy, reverse
 * energy (when the meter has it), the last 30-minute consumption and, with a tariff, the cost
 * of the billing period. None when the meter
 * address is unknown (unique_ids must come from the MAC).
 */
export function discoveryMessages(env: Envelope, opts: DiscoveryOptions): MqttMessage[] {
  if (env.meter === null || meterKey(env.meter) === 'unknown') return [];
  const node = nodeIdOf(env.meter);
  const device = deviceOf(env.meter, env);
  const origin = { name: opts.origin.name, sw: opts.origin.sw, url: opts.origin.url };
  return sensorsFor(env, opts.cost ?? false).map((s) => {
    const config: Record<string, unknown> = {
      availability_topic: statusTopic(opts.prefix),
      device,
      device_class: s.deviceClass,
      name: s.name,
      origin,
      payload_available: ONLINE,
      payload_not_available: OFFLINE,
      state_class: s.stateClass,
      state_topic: (s.onCostTopic ? costTopic : readingTopic)(opts.prefix, env.meter),
      unique_id: `${node}_${s.objectId}`,
      unit_of_measurement: s.unit,
      value_template: `{{ value_json.${s.key} }}`,
    };
    if (s.lastResetKey) config.last_reset_value_template = `{{ value_json.${s.lastResetKey} }}`;
    return {
      topic: `${opts.discoveryPrefix}/sensor/${node}/${s.objectId}/config`,
      payload: stableStringify(config),
      retain: true,
    };
  });
}

/** Empty retained payloads that delete configs published before but absent now (HA convention). */
export function staleConfigClears(
  previous: readonly MqttMessage[],
  next: readonly MqttMessage[],
): MqttMessage[] {
  const keep = new Set(next.map((m) => m.topic));
  return previous
    .filter((m) => !keep.has(m.topic))
    .map((m) => ({ topic: m.topic, payload: '', retain: true }));
}
