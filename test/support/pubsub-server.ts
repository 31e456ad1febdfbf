import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** The client package's own .proto files (google-gax does not export its package.json). */
function protoDirs(): string[] {
  const pubsub = join(dirname(require.resolve('@google-cloud/pubsub')), '..', '..', 'build', 'protos');
  const gax = join(dirname(require.resolve('google-gax')), '..', '..', 'build', 'protos');
  return [pubsub, gax];
}

export interface PublishedMessage {
  topic: string;
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  /** When it was accepted (Date.now()). */
  at: number;
}

export interface FakePubSub {
  /** host:port, for PUBSUB_EMULATOR_HOST. */
  host: string;
  messages: PublishedMessage[];
  topics: Set<string>;
  /** The next `count` Publish calls fail with this gRPC status code. */
  failNext(code: grpc.status, count?: number): void;
  /** While on, Publish calls are never answered (the client's deadline ends them). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;
interface TopicMsg {
  name: string;
}
interface PubsubMessageIn {
  data: Buffer;
  attributes: Record<string, string>;
}

/**
 * A small google.pubsub.v1.Publisher on 127.0.0.1: CreateTopic, GetTopic, Publish. Topics must
 * exist (NOT_FOUND otherwise) unless `autoCreate`. Records every published message.
 */
export async function startFakePubSub(opts: { autoCreate?: boolean } = {}): Promise<FakePubSub> {
  const def = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: protoDirs(),
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } } };
  };
  const server = new grpc.Server();
  let nextId = 1;
  let failures: { code: grpc.status; left: number } | null = null;
  let hanging = false;
  const fake: FakePubSub = {
    host: '',
    messages: [],
    topics: new Set(),
    failNext(code, count = 1) {
      failures = { code, left: count };
    },
    hang(on) {
      hanging = on;
    },
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
  const notFound = (name: string) => ({ code: grpc.status.NOT_FOUND, details: `Topic not found: ${name}` });
  const createTopic: Unary<TopicMsg, TopicMsg> = (call, cb) => {
    if (fake.topics.has(call.request.name)) {
      cb({ code: grpc.status.ALREADY_EXISTS, details: 'Topic already exists' });
      return;
    }
    fake.topics.add(call.request.name);
    cb(null, { name: call.request.name });
  };
  const getTopic: Unary<{ topic: string }, TopicMsg> = (call, cb) => {
    if (fake.topics.has(call.request.topic)) cb(null, { name: call.request.topic });
    else cb(notFound(call.request.topic));
  };
  const publish: Unary<{ topic: string; messages: PubsubMessageIn[] }, { messageIds: string[] }> = (
    call,
    cb,
  ) => {
    const { topic, messages } = call.request;
    if (hanging) return;
    if (failures && failures.left > 0) {
      failures.left--;
      cb({ code: failures.code, details: 'injected failure' });
      return;
    }
    if (!fake.topics.has(topic)) {
      if (!opts.autoCreate) return cb(notFound(topic));
      fake.topics.add(topic);
    }
    const ids: string[] = [];
    for (const m of messages) {
      const messageId = String(nextId++);
      ids.push(messageId);
      fake.messages.push({
        topic,
        data: Buffer.from(m.data),
        attributes: { ...m.attributes },
        messageId,
        at: Date.now(),
      });
    }
    cb(null, { messageIds: ids });
  };
  server.addService(pkg.google.pubsub.v1.Publisher.service, {
    CreateTopic: createTopic,
    GetTopic: getTopic,
    Publish: publish,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  fake.host = `127.0.0.1:${port}`;
  return fake;
}
