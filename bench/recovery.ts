/**
 * How promptly the remote outputs resume after an outage (not a test; part of `npm run bench`):
 *   node --import tsx bench/recovery.ts [--outage 20]
 * Each output (webhook, Pub/Sub, MQTT) gets a reading a second from the outbox delivery, through a
 * TCP forwarder that resets every connection for --outage seconds, then forwards to the real
 * destination (a node:http receiver, Google's Pub/Sub emulator or else the gRPC test server,
 * Mosquitto). Prints, per output: how soon the first failure was logged, how long after the path
 * opened the first reading arrived (the README's figure: within about 10 s, also after outages
 * of several minutes), whether every reading arrived, and the lines logged and the longest one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.js';
import { createDelivery } from '../src/sinks/delivery.js';
import { openStore } from '../src/store/store.js';
import {
  type Destination,
  mqttDestination,
  pubsubDestination,
  webhookDestination,
} from '../test/support/destinations.js';
import { envelope } from '../test/support/envelope.js';
import { startForwarder } from '../test/support/tcp-forwarder.js';

const { values } = parseArgs({ options: { outage: { type: 'string', default: '20' } } });
const outageMs = Number(values.outage) * 1000;
if (!(outageMs > 0)) {
  console.error('usage: bench/recovery.ts [--outage SECONDS>0]');
  process.exit(2);
}
process.env.METADATA_SERVER_DETECTION ??= 'none';

async function outage(dest: Destination): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hems-bench-recovery-'));
  const fwd = await startForwarder(dest.target);
  if (dest.output === 'gcloud') process.env.PUBSUB_EMULATOR_HOST = fwd.host;
  const lines: { at: number; text: string }[] = [];
  const logger = createLogger({ level: 'info', write: (text) => lines.push({ at: Date.now(), text }) });
  const store = openStore({ dir });
  const delivery = createDelivery({ store, sinks: [dest.sink(fwd.host, logger)], logger });
  const started = Date.now();
  let n = 0;
  const tick = setInterval(() => void delivery.submit(envelope(n++)), 1000);
  try {
    await delivery.submit(envelope(n++));
    await new Promise((r) => setTimeout(r, outageMs));
    fwd.open();
    const openedAt = Date.now();
    while (dest.arrivals().length === 0) await new Promise((r) => setTimeout(r, 20));
    const firstMs = (dest.arrivals()[0]?.at ?? 0) - openedAt;
    clearInterval(tick);
    await delivery.flush(30_000);
    const deadline = Date.now() + 15_000;
    const got = () => new Set(dest.arrivals().map((a) => a.body)).size;
    while (got() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const failedAt = lines.find((l) => l.text.includes('failed, will retry'))?.at ?? Number.NaN;
    const longest = Math.max(...lines.map((l) => l.text.length));
    return [
      `${dest.output.padEnd(8)} first failure logged ${((failedAt - started) / 1000).toFixed(1)} s into the outage`,
      `first reading ${(firstMs / 1000).toFixed(1)} s after the path opened`,
      `${got()}/${n} readings arrived`,
      `${lines.length} lines logged, longest ${longest} chars (${dest.backend})`,
    ].join('; ');
  } finally {
    clearInterval(tick);
    await delivery.close();
    store.close();
    await fwd.close();
    await dest.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`remote outputs after a ${outageMs / 1000} s outage (every connection reset):`);
const results = await Promise.all(
  [webhookDestination, pubsubDestination, mqttDestination].map(async (make) => outage(await make())),
);
for (const r of results) console.log(`  ${r}`);
