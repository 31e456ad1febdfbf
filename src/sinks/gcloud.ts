import type { PubSub, Topic } from '@google-cloud/pubsub';
import { HemsError } from '../errors.js';
import type { Envelope } from '../reading/record.js';
import { type Sink, SinkError } from './types.js';
import { webhookBody } from './webhook.js';

export interface PubSubOptions {
  projectId: string;
  /** Topic name (`hems`) or full path (`projects/p/topics/hems`). */
  topic: string;
  /** Bound on one publish call, the client's own retries included; default 30 s. */
  publishTimeoutMs?: number;
}

/** gRPC status codes a retry cannot fix: bad argument, no topic, no permission, no credentials. */
const PERMANENT = new Map<number, string>([
  [3, 'INVALID_ARGUMENT'],
  [5, 'NOT_FOUND (does the topic exist?)'],
  [7, 'PERMISSION_DENIED'],
  [16, 'UNAUTHENTICATED'],
]);

/** The message attributes: reading id always, meter when known, backfill only when true. */
export function pubsubAttributes(env: Envelope): Record<string, string> {
  const a: Record<string, string> = { reading_id: env.id };
  if (env.meter) a.meter = env.meter;
  if (env.backfill) a.backfill = 'true';
  return a;
}

function toSinkError(e: unknown, topic: string): SinkError {
  const code = (e as { code?: unknown }).code;
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  if (typeof code === 'number' && PERMANENT.has(code)) {
    return new SinkError(
      `Pub/Sub topic ${topic}: ${PERMANENT.get(code)}: ${msg} (configuration problem: check GCP_PROJECT_ID, GCP_TOPIC_NAME and the credentials)`,
      false,
    );
  }
  if (/default credentials|could not load the default credentials/i.test(msg)) {
    return new SinkError(
      `Pub/Sub: no Google credentials found (set GOOGLE_APPLICATION_CREDENTIALS or use ADC): ${msg}`,
      false,
    );
  }
  return new SinkError(`Pub/Sub topic ${topic}: ${msg}`, true);
}

/**
 * Publishes each record to a Pub/Sub topic; deliver resolves once the server acknowledged
 * it (returned a message id). `@google-cloud/pubsub` is loaded only when this output is used.
 * Credentials and endpoint follow the client library: ADC, GOOGLE_APPLICATION_CREDENTIALS,
 * PUBSUB_EMULATOR_HOST.
 */
export function createPubSubSink(opts: PubSubOptions): Sink {
  if (!opts.projectId || !opts.topic) {
    throw new HemsError('CONFIG_INVALID', 'Pub/Sub output needs a project id and a topic name');
  }
  const timeout = opts.publishTimeoutMs ?? 30_000;
  let client: PubSub | null = null;
  let topic: Topic | null = null;

  const open = async (): Promise<Topic> => {
    if (topic) return topic;
    let mod: typeof import('@google-cloud/pubsub');
    try {
      mod = await import('@google-cloud/pubsub');
    } catch (e) {
      throw new SinkError(`Pub/Sub client library is not installed: ${(e as Error).message}`, false);
    }
    client = new mod.PubSub({ projectId: opts.projectId });
    topic = client.topic(opts.topic, {
      // One reading at a time, sent at once: deliver() waits for its own acknowledgement.
      batching: { maxMessages: 1, maxMilliseconds: 0 },
      // The outbox retries; a call timeout also caps the library's own retries (google-gax sets
      // the total retry time to it), instead of its 10-minute default.
      gaxOpts: { timeout },
    });
    return topic;
  };

  return {
    name: 'gcloud',
    remote: true,
    async start() {
      await open();
    },
    async deliver(env) {
      const t = await open();
      try {
        const id = await t.publishMessage({
          data: Buffer.from(webhookBody(env), 'utf8'),
          attributes: pubsubAttributes(env),
        });
        if (!id) throw new Error('the server returned no message id');
      } catch (e) {
        throw toSinkError(e, opts.topic);
      }
    },
    async stop() {
      const c = client;
      client = null;
      topic = null;
      await c?.close();
    },
  };
}
