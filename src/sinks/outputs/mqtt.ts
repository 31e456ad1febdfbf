import { field } from '../../config/field.js';
import * as p from '../../config/parsers.js';
import { describeSink } from '../descriptor.js';

/** `-o mqtt`: readings to an MQTT broker with Home Assistant discovery (mqtt.ts). */
export const mqttOutput = describeSink({
  summary: 'publish readings to an MQTT broker, with Home Assistant discovery (MQTT_URL)',
  remote: true,
  fields: {
    mqttUrl: field<string | null>({
      env: 'MQTT_URL',
      default: null,
      parse: p.mqttUrl,
      ask: { prompt: 'MQTT broker URL' },
    }),
    mqttUsername: field<string | null>({ env: 'MQTT_USERNAME', default: null, parse: p.str }),
    mqttPassword: field<string | null>({ env: 'MQTT_PASSWORD', default: null, parse: p.str, secret: true }),
    mqttTopicPrefix: field({ env: 'MQTT_TOPIC_PREFIX', default: 'hems', parse: p.topicPrefix }),
  },
  requires: [{ field: 'mqttUrl', what: 'a broker', example: 'mqtt://localhost:1883' }],
  async load() {
    const { createMqttSink } = await import('../mqtt.js');
    return (config, ctx) =>
      createMqttSink(
        {
          url: config.mqttUrl ?? '',
          topicPrefix: config.mqttTopicPrefix,
          ...(config.mqttUsername ? { username: config.mqttUsername } : {}),
          ...(config.mqttPassword ? { password: config.mqttPassword } : {}),
          ...(ctx.cost ? { cost: ctx.cost } : {}),
        },
        ctx.logger,
      );
  },
});
