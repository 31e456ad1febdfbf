import type { PubSub, Topic } from '@google-cloud/pubsub';
import { HemsError } from '../errors.js';
import type { Envelope } from '../reading/record.js';
import { clip } from './outage-log.js';
import { ATTEMPT_TIMEOUT_MS, type Sink } from './types.js';
import { webhookBody } from './webhook.js';

export interface PubSubOptions {
  projectId: string;
  /** Topic name (`hems`) or full path (`projects/p/topics/hems`). */
  topic: string;
  /** Bound on one publish attempt, connecting included; default ATTEMPT_TIMEOUT_MS. */
  publishTimeoutMs?: number;
}

/** gRPC status names by code (the client's errors carry only the number). */
const STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
const DEADLINE_EXCEEDED = 4;
/** Codes a retry cannot fix (bad argument, no topic, no permission, no credentials), with a hint. */
const PERMANENT = new Map<number, string>([
  [3, ''],
  [5, ' (does the topic exist?)'],
  [7, ''],
  [16, ''],
]);
/** What the one-line cause keeps of a gRPC error's details: one part of the line (status name,
 *  cause, topic), so shorter than a whole cause. */
const CAUSE_MAX_CHARS = 100;

/**
 * The client itself retries nothing: each publish is one gRPC call bounded by the attempt
 * deadline, and the outbox owns the retry pace (types.ts REMOTE_RETRY). Left to itself the
 * library retries UNAVAILABLE with up to a minute between tries, checks its deadline only
 * between them, and reports every earlier error in one message several kB long.
 */
const gaxOptions = (timeout: number) => ({ retry: null, timeout });
/**
 * A channel of its own (not gRPC's process-wide subchannel pool): a client dropped after a
 * failure takes its reconnect backoff (up to 120 s in gRPC) with it, so the next attempt
 * connects at once.
 */
const CHANNEL_OPTIONS = { 'grpc.use_local_subchannel_pool': 1 };

/** The message attributes: reading id always, meter when known, backfill only when true. */
export function pubsubAttributes(env: Envelope): Record<string, string> {
  const a: Record<string, string> = { reading_id: env.id };
  if (env.meter) a.meter = env.meter;
  if (env.backfill) a.backfill = 'true';
  return a;
}

/** The short reason in a gRPC error's details, without the library's history of earlier errors. */
function shortCause(e: unknown): string {
  const details = (e as { details?: unknown }).details;
  let text =
    typeof details === 'string' && details !== '' ? details : e instanceof Error ? e.message : String(e);
  text = text
    .split(/\n| : Previous errors| Resolution note:/)[0]!
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\bError: /g, '')
    .replace(/ \(\d{4}-\d\d-\d\dT[^)]*\)/g, '') // grpc-js stamps some causes with the time
    .replace(/[.\s]+$/, '');
  return clip(text, CAUSE_MAX_CHARS);
}

/** One line: the status name, a short cause and the topic (never the library's error history). */
function pubsubError(e: unknown, topic: string, timeoutMs: number): HemsError {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (/could not load the default credentials/i.test(msg)) {
    return new HemsError(
      'OUTPUT_REJECTED',
      'Pub/Sub: no Google credentials found (set GOOGLE_APPLICATION_CREDENTIALS or use ADC)',
    );
  }
  const name = typeof code === 'number' ? (STATUS[code] ?? `gRPC status ${code}`) : 'error';
  const cause = code === DEADLINE_EXCEEDED ? `no answer within ${timeoutMs} ms` : shortCause(e);
  const line = `Pub/Sub ${name}: ${cause}; topic ${topic}`;
  if (typeof code === 'number' && PERMANENT.has(code)) {
    return new HemsError(
      'OUTPUT_REJECTED',
      `${line}${PERMANENT.get(code)} (configuration problem: check GCP_PROJECT_ID, GCP_TOPIC_NAME and the credentials)`,
    );
  }
  return new HemsError('OUTPUT_RETRYABLE', line);
}

/** Rejects with a DEADLINE_EXCEEDED-coded error if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('deadline'), { code: DEADLINE_EXCEEDED })), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Publishes each record to a Pub/Sub topic; deliver resolves once the server acknowledged
 * it (returned a message id). `@google-cloud/pubsub` is loaded only when this output is used.
 * Credentials and endpoint follow the client library: ADC, GOOGLE_APPLICATION_CREDENTIALS,
 * PUBSUB_EMULATOR_HOST. After a failure that a retry may fix, the client is dropped and the
 * next attempt starts a new one (a new connection, not one waiting out gRPC's backoff).
 */
export function createPubSubSink(opts: PubSubOptions): Sink {
  if (!opts.projectId || !opts.topic) {
    throw new HemsError('CONFIG_INVALID', 'Pub/Sub output needs a project id and a topic name');
  }
  const timeout = opts.publishTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const topicPath = opts.topic.startsWith('projects/')
    ? opts.topic
    : `projects/${opts.projectId}/topics/${opts.topic}`;
  let client: PubSub | null = null;
  let topic: Topic | null = null;

  const open = async (): Promise<Topic> => {
    if (topic) return topic;
    let mod: typeof import('@google-cloud/pubsub');
    try {
      mod = await import('@google-cloud/pubsub');
    } catch (e) {
      throw new HemsError(
        'OUTPUT_REJECTED',
        `Pub/Sub client library is not installed: ${(e as Error).message}`,
      );
    }
    client = new mod.PubSub({ projectId: opts.projectId, ...CHANNEL_OPTIONS });
    topic = client.topic(opts.topic, {
      // One reading at a time, sent at once: deliver() waits for its own acknowledgement.
      batching: { maxMessages: 1, maxMilliseconds: 0 },
      gaxOpts: gaxOptions(timeout),
    });
    return topic;
  };

  const drop = async (): Promise<void> => {
    const c = client;
    client = null;
    topic = null;
    await c?.close().catch(() => {});
  };

  return {
    name: 'gcloud',
    remote: true,
    async start() {
      await open();
    },
    async deliver(env) {
      const t = await open();
      const publishing = t.publishMessage({
        data: Buffer.from(webhookBody(env), 'utf8'),
        attributes: pubsubAttributes(env),
      });
      try {
        const id = await within(publishing, timeout);
        if (!id) throw new Error('the server returned no message id');
      } catch (e) {
        publishing.catch(() => {}); // abandoned after the deadline: its own end is of no interest
        const err = pubsubError(e, topicPath, timeout);
        if (err.code === 'OUTPUT_RETRYABLE') await drop();
        throw err;
      }
    },
    async stop() {
      await drop();
    },
  };
}
