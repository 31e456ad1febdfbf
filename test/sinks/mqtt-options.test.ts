import { describe, expect, it } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { mqttOptionsFromEnv, safeUrl } from '../../src/sinks/mqtt.js';

describe('mqttOptionsFromEnv', () => {
  it('reads URL, credentials and prefix (default hems)', () => {
    expect(mqttOptionsFromEnv({ MQTT_URL: 'mqtts://broker.local:8883' })).toEqual({
      url: 'mqtts://broker.local:8883',
      topicPrefix: 'hems',
    });
    expect(
      mqttOptionsFromEnv({
        MQTT_URL: 'mqtt://10.0.0.2',
        MQTT_USERNAME: 'u',
        MQTT_PASSWORD: 'p',
        MQTT_TOPIC_PREFIX: 'home/power',
      }),
    ).toEqual({ url: 'mqtt://10.0.0.2', topicPrefix: 'home/power', username: 'u', password: 'p' });
  });

  it('reports every problem at once as CONFIG_INVALID', () => {
    let caught: unknown;
    try {
      mqttOptionsFromEnv({ MQTT_URL: 'http://x', MQTT_TOPIC_PREFIX: 'a/#' });
    } catch (e) {
      caught = e;
    }
    expect(isHemsError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as { context: { errors: string[] } }).context.errors).toEqual([
      'MQTT_URL must start with mqtt:// or mqtts:// (got http://)',
      'MQTT_TOPIC_PREFIX must not contain + or # nor start or end with /',
    ]);
    expect(() => mqttOptionsFromEnv({})).toThrow(/MQTT_URL is required/);
  });
});

describe('safeUrl', () => {
  it('drops user and password from the URL', () => {
    expect(safeUrl('mqtt://user:secret@broker:1883')).toBe('mqtt://broker:1883');
    expect(safeUrl('not a url')).toBe('<invalid url>');
  });
});
