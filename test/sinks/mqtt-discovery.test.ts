import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/reading/record.js';
import {
  backfillTopic,
  costTopic,
  discoveryMessages,
  meterKey,
  mqttPayloadOf,
  nodeIdOf,
  readingMessageTarget,
  readingTopic,
  renderCostPayload,
  renderMqttPayload,
  stableStringify,
  staleConfigClears,
  statusTopic,
} from '../../src/sinks/mqtt-discovery.js';
import { sampleEnvelope } from '../support/envelope.js';

const MAC = '001D129012345678';
const TIME = '2023-10-27T10:00:00.123000+00:00';
const EXTRAS = { manufacturer: '000016', serial: 'SN-0042' };
const ORIGIN = { name: 'hems-data-collector', sw: '1.2.3', url: 'https://example.test/hems' };
const OPTS = { prefix: 'hems', discoveryPrefix: 'homeassistant', origin: ORIGIN };

/** The README sample from a known meter with its make and serial (whole-millisecond time). */
function envelope(over: Partial<Envelope> = {}): Envelope {
  return sampleEnvelope({ timestamp: TIME }, { meter: MAC, extras: EXTRAS, ...over });
}

describe('topics', () => {
  it('derives the meter level and node id from the MAC, lowercase, stable', () => {
    expect(meterKey(MAC)).toBe('001d129012345678');
    expect(meterKey('00:1D:12:90:12:34:56:78')).toBe('001d129012345678');
    expect(meterKey(null)).toBe('unknown');
    expect(nodeIdOf(MAC)).toBe('hems_001d129012345678');
    expect(statusTopic('hems')).toBe('hems/status');
    expect(readingTopic('home/power', MAC)).toBe('home/power/001d129012345678/reading');
    expect(backfillTopic('hems', null)).toBe('hems/unknown/backfill');
  });

  it('sends current readings retained to …/reading and backfilled ones unretained to …/backfill', () => {
    expect(readingMessageTarget('hems', envelope())).toEqual({
      topic: 'hems/001d129012345678/reading',
      retain: true,
    });
    expect(readingMessageTarget('hems', envelope({ backfill: true }))).toEqual({
      topic: 'hems/001d129012345678/backfill',
      retain: false,
    });
  });
});

describe('mqttPayloadOf', () => {
  it('is the 10-key record in order, plus reverse energy only when the meter has it', () => {
    expect(Object.keys(mqttPayloadOf(envelope()))).toEqual([
      'timestamp',
      'cumulative_power_kwh',
      'instant_power_w',
      'current_a',
      'current_r_a',
      'current_t_a',
      'historical_timestamp',
      'historical_cumulative_power_kwh',
      'recent_30min_timestamp',
      'recent_30min_consumption_kwh',
    ]);
    const rev = mqttPayloadOf(envelope({ backfill: true, extras: { cumulative_reverse_kwh: 12.5 } }));
    expect(Object.keys(rev).slice(10)).toEqual(['backfill', 'cumulative_reverse_kwh']);
    expect(rev.cumulative_reverse_kwh).toBe(12.5);
    expect(mqttPayloadOf(envelope({ extras: { cumulative_reverse_kwh: null } })).cumulative_reverse_kwh).toBe(
      null,
    );
  });
});

describe('renderMqttPayload', () => {
  it('writes the record like the other JSON outputs (Python floats), one line, reverse energy last', () => {
    const base =
      '{"timestamp": "2023-10-27T10:00:00.123000+00:00", "cumulative_power_kwh": 12345.6, ' +
      '"instant_power_w": 500, "current_a": 7.5, "current_r_a": 5.0, "current_t_a": 2.5, ' +
      '"historical_timestamp": "2023-10-27T10:00:00+00:00", "historical_cumulative_power_kwh": 12345.5, ' +
      '"recent_30min_timestamp": "2023-10-27T09:30:00+00:00", "recent_30min_consumption_kwh": 0.2';
    expect(renderMqttPayload(envelope())).toBe(`${base}}`);
    expect(renderMqttPayload(envelope({ extras: { cumulative_reverse_kwh: 12 } }))).toBe(
      `${base}, "cumulative_reverse_kwh": 12.0}`,
    );
    expect(renderMqttPayload(envelope({ backfill: true, extras: { cumulative_reverse_kwh: null } }))).toBe(
      `${base}, "backfill": true, "cumulative_reverse_kwh": null}`,
    );
    expect(JSON.parse(renderMqttPayload(envelope({ extras: { cumulative_reverse_kwh: 0.5 } })))).toEqual(
      mqttPayloadOf(envelope({ extras: { cumulative_reverse_kwh: 0.5 } })),
    );
  });
});

describe('stableStringify', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('discoveryMessages', () => {
  it('builds the exact retained power config', () => {
    const msgs = discoveryMessages(envelope(), OPTS);
    const power = msgs.find((m) => m.topic.endsWith('/instant_power/config'));
    expect(power).toEqual({
      topic: 'homeassistant/sensor/hems_001d129012345678/instant_power/config',
      retain: true,
      payload:
        '{"availability_topic":"hems/status",' +
        '"device":{"identifiers":["hems_001d129012345678"],"manufacturer":"000016",' +
        '"model":"Low-voltage smart electric energy meter (ECHONET Lite 0x0288)","name":"Smart meter",' +
        '"serial_number":"SN-0042"},' +
        '"device_class":"power","name":"Instantaneous power",' +
        '"origin":{"name":"hems-data-collector","sw":"1.2.3","url":"https://example.test/hems"},' +
        '"payload_available":"online","payload_not_available":"offline",' +
        '"state_class":"measurement","state_topic":"hems/001d129012345678/reading",' +
        '"unique_id":"hems_001d129012345678_instant_power","unit_of_measurement":"W",' +
        '"value_template":"{{ value_json.instant_power_w }}"}',
    });
  });

  it('declares currents, energy for the Energy dashboard, and the 30-minute slot as total with last_reset', () => {
    const byId = new Map(
      discoveryMessages(envelope(), OPTS).map((m) => [
        m.topic.split('/')[3],
        JSON.parse(m.payload) as Record<string, unknown>,
      ]),
    );
    expect([...byId.keys()]).toEqual([
      'instant_power',
      'current_r',
      'current_t',
      'energy',
      'last_30min_energy',
    ]);
    expect(byId.get('current_t')).toMatchObject({
      device_class: 'current',
      state_class: 'measurement',
      unit_of_measurement: 'A',
      value_template: '{{ value_json.current_t_a }}',
      unique_id: 'hems_001d129012345678_current_t',
    });
    expect(byId.get('energy')).toMatchObject({
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      value_template: '{{ value_json.cumulative_power_kwh }}',
    });
    expect(byId.get('last_30min_energy')).toMatchObject({
      device_class: 'energy',
      state_class: 'total',
      unit_of_measurement: 'kWh',
      value_template: '{{ value_json.recent_30min_consumption_kwh }}',
      last_reset_value_template: '{{ value_json.recent_30min_timestamp }}',
    });
  });

  it('adds reverse energy only when the meter reports it', () => {
    const msgs = discoveryMessages(envelope({ extras: { cumulative_reverse_kwh: null } }), OPTS);
    const rev = msgs.find(
      (m) => m.topic === 'homeassistant/sensor/hems_001d129012345678/energy_reverse/config',
    );
    expect(JSON.parse(rev?.payload ?? '{}')).toMatchObject({
      device_class: 'energy',
      state_class: 'total_increasing',
      value_template: '{{ value_json.cumulative_reverse_kwh }}',
      unique_id: 'hems_001d129012345678_energy_reverse',
    });
  });

  it('falls back to the MAC for the serial number and omits an unknown manufacturer', () => {
    const [first] = discoveryMessages(envelope({ extras: { manufacturer: null, serial: null } }), OPTS);
    const device = (JSON.parse(first?.payload ?? '{}') as { device: Record<string, unknown> }).device;
    expect(device).toEqual({
      identifiers: ['hems_001d129012345678'],
      model: 'Low-voltage smart electric energy meter (ECHONET Lite 0x0288)',
      name: 'Smart meter',
      serial_number: MAC,
    });
  });

  it('is identical across calls (stable unique ids and payloads) and empty without a meter', () => {
    expect(discoveryMessages(envelope(), OPTS)).toEqual(discoveryMessages(envelope({ id: 'other' }), OPTS));
    expect(discoveryMessages(envelope({ meter: null }), OPTS)).toEqual([]);
  });

  it('clears configs that disappeared with an empty retained payload', () => {
    const withRev = discoveryMessages(envelope({ extras: { cumulative_reverse_kwh: 1 } }), OPTS);
    const without = discoveryMessages(envelope(), OPTS);
    expect(staleConfigClears(withRev, without)).toEqual([
      {
        topic: 'homeassistant/sensor/hems_001d129012345678/energy_reverse/config',
        payload: '',
        retain: true,
      },
    ]);
    expect(staleConfigClears(without, withRev)).toEqual([]);
  });
});

describe('the cost sensor (with a tariff)', () => {
  it('is offered only with cost: monetary, JPY, state on …/cost, last_reset = period start', () => {
    expect(discoveryMessages(envelope(), OPTS).some((m) => m.topic.includes('cost_period'))).toBe(false);
    const msgs = discoveryMessages(envelope(), { ...OPTS, cost: true });
    const cost = msgs.find(
      (m) => m.topic === 'homeassistant/sensor/hems_001d129012345678/cost_period/config',
    );
    expect(JSON.parse(cost!.payload)).toMatchObject({
      device_class: 'monetary',
      unit_of_measurement: 'JPY',
      state_class: 'total',
      state_topic: 'hems/001d129012345678/cost',
      unique_id: 'hems_001d129012345678_cost_period',
      value_template: '{{ value_json.cost_period_yen }}',
      last_reset_value_template: '{{ value_json.period_start }}',
    });
    expect(costTopic('hems', MAC)).toBe('hems/001d129012345678/cost');
    expect(
      renderCostPayload({ label: '2026-05', startMs: Date.UTC(2026, 3, 30, 15), kwh: 123.4, yen: 4567 }),
    ).toBe(
      '{"cost_period_yen":4567,"energy_period_kwh":123.4,"period":"2026-05","period_start":"2026-04-30T15:00:00.000Z"}',
    );
  });
});
