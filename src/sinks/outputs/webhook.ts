import { field } from '../../config/field.js';
import * as p from '../../config/parsers.js';
import { describeSink } from '../descriptor.js';

/** `-o webhook`: each record POSTed as JSON (webhook.ts), optionally signed. */
export const webhookOutput = describeSink({
  summary: 'POST each record as JSON to a URL (--webhook-url)',
  remote: true,
  fields: {
    webhookUrl: field<string | null>({
      option: 'webhookUrl',
      flag: '--webhook-url',
      arg: '<url>',
      help: 'webhook destination URL (WEBHOOK_URL)',
      env: 'WEBHOOK_URL',
      default: null,
      parse: p.httpUrl,
      ask: { prompt: 'Webhook URL' },
    }),
    webhookSecret: field<string | null>({ env: 'WEBHOOK_SECRET', default: null, parse: p.str, secret: true }),
    webhookToken: field<string | null>({
      env: 'WEBHOOK_TOKEN',
      default: null,
      parse: p.headerValue,
      secret: true,
    }),
    /** Header values are often API keys: treated as secrets. */
    webhookHeaders: field<Record<string, string>>({
      env: 'WEBHOOK_HEADERS',
      default: {},
      parse: p.headers,
      secret: true,
    }),
  },
  requires: [{ field: 'webhookUrl', what: 'a URL' }],
  async load() {
    const { createWebhookSink } = await import('../webhook.js');
    return (config) =>
      createWebhookSink({
        url: config.webhookUrl ?? '',
        token: config.webhookToken,
        secret: config.webhookSecret,
        headers: config.webhookHeaders,
      });
  },
});
