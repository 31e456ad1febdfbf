/**
 * Child process for the kill -9 test: opens the store in argv[2], submits argv[4] readings for
 * a webhook at argv[3] (which never answers), prints "ready" and waits to be killed.
 */
import { createDelivery } from '../../src/sinks/delivery.js';
import { createWebhookSink } from '../../src/sinks/webhook.js';
import { openStore } from '../../src/store/store.js';
import { envelope } from './envelope.js';

const [dir, url, count] = process.argv.slice(2);
if (!dir || !url || !count) throw new Error('usage: store-writer DIR URL COUNT');
const store = openStore({ dir });
const delivery = createDelivery({ store, sinks: [createWebhookSink({ url, timeoutMs: 600_000 })] });
for (let i = 0; i < Number(count); i++) await delivery.submit(envelope(i));
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
