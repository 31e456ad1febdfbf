import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { createDelivery } from '../../src/sinks/delivery.js';
import { createPubSubSink, pubsubAttributes } from '../../src/sinks/gcloud.js';
import type { Sink } from '../../src/sinks/types.js';
import { webhookBody } from '../../src/sinks/webhook.js';
import { openStore } from '../../src/store/store.js';
import { envelope } from '../support/envelope.js';
import { freePort } from '../support/net.js';
import { outputFailure as failure } from '../support/output-failure.js';
import { type FakePubSub, startFakePubSub } from '../support/pubsub-server.js';
import { startForwarder } from '../support/tcp-forwarder.js';
import { tempDir } from '../support/temp.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  delete process.env.PUBSUB_EMULATOR_HOST;
});

async function fake(opts?: { autoCreate?: boolean }): Promise<FakePubSub> {
  const f = await startFakePubSub(opts);
  cleanups.push(() => f.close());
  process.env.PUBSUB_EMULATOR_HOST = f.host;
  return f;
}
function sink(topic = 'hems', publishTimeoutMs?: number): Sink {
  const s = createPubSubSink({ projectId: 'test-project', topic, publishTimeoutMs });
  cleanups.push(() => s.stop());
  return s;
}

describe('Pub/Sub sink (local gRPC Publisher)', () => {
  test('publishes the JSON record with reading_id, meter and backfill attributes', async () => {
    const f = await fake();
    f.topics.add('projects/test-project/topics/hems');
    const s = sink();
    await s.start?.();
    const live = envelope(1);
    const back = envelope(2, { backfill: true, meter: null });
    await s.deliver(live);
    await s.deliver(back);
    expect(f.messages).toHaveLength(2);
    const [m1, m2] = f.messages;
    expect(m1!.topic).toBe('projects/test-project/topics/hems');
    expect(m1!.data.toString('utf8')).toBe(webhookBody(live));
    expect(JSON.parse(m1!.data.toString('utf8'))).toMatchObject({ instant_power_w: 401 });
    expect(m1!.attributes).toEqual({ reading_id: live.id, meter: live.meter });
    expect(m2!.attributes).toEqual({ reading_id: back.id, backfill: 'true' });
    expect(JSON.parse(m2!.data.toString('utf8')).backfill).toBe(true);
  });

  test('attributes leave out an unknown meter and a live reading’s backfill', () => {
    expect(pubsubAttributes(envelope(1, { meter: null }))).toEqual({ reading_id: envelope(1).id });
  });

  test('a missing topic is a non-retryable configuration problem', async () => {
    await fake();
    const e = await failure(sink('nope').deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_REJECTED');
    expect(e.message).toContain('NOT_FOUND');
  });

  test('PERMISSION_DENIED and INVALID_ARGUMENT are non-retryable; the next publish goes through', async () => {
    const f = await fake({ autoCreate: true });
    const s = sink('hems', 2000);
    f.failNext(status.PERMISSION_DENIED);
    expect((await failure(s.deliver(envelope(1)))).code).toBe('OUTPUT_REJECTED');
    f.failNext(status.INVALID_ARGUMENT);
    expect((await failure(s.deliver(envelope(1)))).code).toBe('OUTPUT_REJECTED');
    await s.deliver(envelope(1));
    expect(f.messages).toHaveLength(1);
  });

  test('an unreachable endpoint fails retryably, in one line: status, short cause, topic', async () => {
    process.env.PUBSUB_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    const e = await failure(sink('hems', 500).deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_RETRYABLE');
    expect(e.message).toMatch(
      /^Pub\/Sub UNAVAILABLE: .*ECONNREFUSED.*; topic projects\/test-project\/topics\/hems$/,
    );
    expect(e.message.length).toBeLessThan(200);
  });

  test('the client library does not retry by itself: one failed call is one failed delivery', async () => {
    // UNAVAILABLE is a code the library would retry on its own (with up to a minute between
    // tries) if left to it; the outbox owns the retries instead.
    const f = await fake({ autoCreate: true });
    const s = sink('hems', 5000);
    f.failNext(status.UNAVAILABLE, 1);
    const e = await failure(s.deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_RETRYABLE');
    expect(e.message).toBe('Pub/Sub UNAVAILABLE: injected failure; topic projects/test-project/topics/hems');
    expect(f.messages).toHaveLength(0);
    await s.deliver(envelope(1));
    expect(f.messages.map((m) => m.attributes.reading_id)).toEqual([envelope(1).id]);
  });

  test('after a failed connection the next attempt connects at once (no gRPC reconnect backoff)', async () => {
    const f = await fake({ autoCreate: true });
    const path = await startForwarder(f.host);
    cleanups.push(() => path.close());
    process.env.PUBSUB_EMULATOR_HOST = path.host;
    const s = sink('hems', 5000);
    for (let i = 0; i < 3; i++) expect((await failure(s.deliver(envelope(1)))).code).toBe('OUTPUT_RETRYABLE');
    // gRPC would now wait out its own reconnect backoff and fail this call at once.
    path.open();
    await s.deliver(envelope(1));
    expect(f.messages).toHaveLength(1);
  });

  test('an attempt ends at its deadline when the server never answers', async () => {
    const f = await fake({ autoCreate: true });
    f.hang(true);
    const e = await failure(sink('hems', 300).deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_RETRYABLE');
    expect(e.message).toBe(
      'Pub/Sub DEADLINE_EXCEEDED: no answer within 300 ms; topic projects/test-project/topics/hems',
    );
  });

  test('through the delivery and outbox: every reading once, in order, after transient failures', async () => {
    const f = await fake({ autoCreate: true });
    const store = openStore({ dir: tempDir('hems-pubsub-') });
    cleanups.push(() => store.close());
    // Codes the client does not retry itself, so the outbox's own retry is what is tested.
    f.failNext(status.FAILED_PRECONDITION, 2);
    const d = createDelivery({ store, sinks: [sink('hems', 5000)], backoff: { baseMs: 20, maxMs: 100 } });
    cleanups.push(() => d.close());
    for (let i = 0; i < 5; i++) await d.submit(envelope(i));
    expect(await d.flush(20_000)).toBe(true);
    expect(f.messages.map((m) => m.attributes.reading_id)).toEqual(
      Array.from({ length: 5 }, (_, i) => envelope(i).id),
    );
    expect(d.stats().gcloud).toMatchObject({ delivered: 5, failures: 2, depth: 0 });
  });

  test('missing project or topic is CONFIG_INVALID', () => {
    let err: unknown;
    try {
      createPubSubSink({ projectId: '', topic: 'x' });
    } catch (e) {
      err = e;
    }
    expect(isHemsError(err, 'CONFIG_INVALID')).toBe(true);
  });
});
