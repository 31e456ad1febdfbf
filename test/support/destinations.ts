/**
 * The three remote outputs' real destinations, behind one shape, for tests and benchmarks that
 * put something between the collector and them (tcp-forwarder.ts): a node:http receiver, Google's
 * Pub/Sub emulator (the gRPC test server where it is not installed) and Mosquitto.
 */
import type { Message } from '@google-cloud/pubsub';
import type { Logger } from '../../src/log.js';
import { createPubSubSink } from '../../src/sinks/gcloud.js';
import { createMqttSink } from '../../src/sinks/mqtt.js';
import type { Sink } from '../../src/sinks/types.js';
import { createWebhookSink } from '../../src/sinks/webhook.js';
import { startHookServer } from './http-server.js';
import { Observer, startBroker } from './mosquitto.js';
import { pubsubEmulatorInstalled, startPubSubEmulator } from './pubsub-emulator.js';
import { startFakePubSub } from './pubsub-server.js';

/** One record as the destination got it: its JSON text, when it arrived (Date.now()) and, for
 *  Pub/Sub, the message attributes. */
export interface Arrival {
  body: string;
  at: number;
  attributes?: Record<string, string>;
}

export interface Destination {
  output: 'webhook' | 'gcloud' | 'mqtt';
  /** What plays the destination, for test names and failure messages. */
  backend: string;
  /** host:port of the real endpoint. */
  target: string;
  /** The collector's options and environment to reach it through `via` (host:port). */
  cli(via: string): { args: string[]; env: Record<string, string> };
  /** The output itself, reaching it through `via`, for in-process use (benchmarks). Pub/Sub reads
   *  PUBSUB_EMULATOR_HOST from the environment: set it to `via` first. */
  sink(via: string, logger: Logger): Sink;
  /** Records received so far, in arrival order (repeats included). */
  arrivals(): Arrival[];
  close(): Promise<void>;
}

export async function webhookDestination(): Promise<Destination> {
  const arrivals: Arrival[] = [];
  const hook = await startHookServer(0, (r) => {
    arrivals.push({ body: r.body, at: Date.now() });
    return { status: 200 };
  });
  return {
    output: 'webhook',
    backend: 'node:http receiver',
    target: `127.0.0.1:${hook.port}`,
    cli: (via) => ({ args: ['-o', 'webhook', '--webhook-url', `http://${via}/hook`], env: {} }),
    sink: (via) => createWebhookSink({ url: `http://${via}/hook` }),
    arrivals: () => arrivals,
    close: () => hook.close(),
  };
}

const PROJECT = 'hems-outage';
const TOPIC = 'readings';

/** Google's emulator where installed (messages pulled back through a subscription), else the
 *  gRPC test server (messages as it recorded them). */
export async function pubsubDestination(): Promise<Destination> {
  const common = {
    output: 'gcloud' as const,
    cli: (via: string) => ({
      args: ['-o', 'gcloud', '--gcp-project', PROJECT, '--gcp-topic', TOPIC],
      env: { PUBSUB_EMULATOR_HOST: via },
    }),
    sink: () => createPubSubSink({ projectId: PROJECT, topic: TOPIC }),
  };
  if (!pubsubEmulatorInstalled()) {
    const fake = await startFakePubSub();
    fake.topics.add(`projects/${PROJECT}/topics/${TOPIC}`);
    return {
      ...common,
      backend: 'gRPC test server (Google Pub/Sub emulator not installed)',
      target: fake.host,
      arrivals: () =>
        fake.messages.map((m) => ({ body: m.data.toString('utf8'), at: m.at, attributes: m.attributes })),
      close: () => fake.close(),
    };
  }
  const emu = await startPubSubEmulator();
  try {
    const { PubSub } = await import('@google-cloud/pubsub');
    const admin = new PubSub({ projectId: PROJECT, apiEndpoint: emu.host });
    const [topic] = await admin.createTopic(TOPIC);
    const [sub] = await topic.createSubscription('check');
    const arrivals: Arrival[] = [];
    sub.on('message', (m: Message) => {
      // publishTime: when the emulator accepted the publish, not when it was pulled back.
      arrivals.push({ body: m.data.toString('utf8'), at: m.publishTime.getTime(), attributes: m.attributes });
      m.ack();
    });
    return {
      ...common,
      backend: "Google's Pub/Sub emulator",
      target: emu.host,
      arrivals: () => [...arrivals].sort((a, b) => a.at - b.at),
      close: async () => {
        await sub.close();
        await admin.close();
        await emu.stop();
      },
    };
  } catch (e) {
    await emu.stop();
    throw e;
  }
}

export async function mqttDestination(): Promise<Destination> {
  const broker = await startBroker();
  const obs = await Observer.open(broker.url, ['hems/+/reading']);
  const arrivals: Arrival[] = [];
  obs.client.on('message', (_topic, payload) => arrivals.push({ body: payload.toString(), at: Date.now() }));
  return {
    output: 'mqtt',
    backend: 'Mosquitto',
    target: `127.0.0.1:${broker.port}`,
    cli: (via) => ({ args: ['-o', 'mqtt'], env: { MQTT_URL: `mqtt://${via}` } }),
    sink: (via, logger) => createMqttSink({ url: `mqtt://${via}`, discovery: false }, logger),
    arrivals: () => arrivals,
    close: async () => {
      await obs.close();
      await broker.dispose();
    },
  };
}
