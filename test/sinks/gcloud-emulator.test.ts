import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDelivery } from '../../src/sinks/delivery.js';
import { createPubSubSink } from '../../src/sinks/gcloud.js';
import { webhookBody } from '../../src/sinks/webhook.js';
import { openStore } from '../../src/store/store.js';
import { envelope } from '../store/envelopes.js';
import { freePort } from '../support/http-server.js';

const EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';
const installed = existsSync(EMULATOR);

// The feature is covered everywhere by gcloud.test.ts (a local gRPC Publisher); this runs the
// same path against Google's own emulator where the image has it.
describe.runIf(installed)('Pub/Sub sink against the real Google emulator (installed here)', () => {
  let emu: ChildProcess | undefined;
  let dataDir = '';

  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'hems-emu-'));
    emu = spawn(EMULATOR, ['--host=127.0.0.1', `--port=${port}`, `--dir=${dataDir}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 45_000);
      const onData = (b: Buffer): void => {
        out += b.toString();
        if (/Server started/i.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      emu?.stdout?.on('data', onData);
      emu?.stderr?.on('data', onData);
      emu?.on('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
    });
    process.env.PUBSUB_EMULATOR_HOST = `127.0.0.1:${port}`;
  }, 60_000);

  afterAll(() => {
    delete process.env.PUBSUB_EMULATOR_HOST;
    if (emu?.pid) process.kill(-emu.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('readings published through the outbox are pulled back with data and attributes', async () => {
    const { PubSub } = await import('@google-cloud/pubsub');
    const admin = new PubSub({ projectId: 'hems-test' });
    const [topic] = await admin.createTopic('readings');
    const [sub] = await topic.createSubscription('check');
    const got: Message[] = [];
    const want = [envelope(1), envelope(2, { backfill: true }), envelope(3, { meter: null })];
    const pulled = new Promise<void>((resolve) => {
      sub.on('message', (m: Message) => {
        got.push(m);
        m.ack();
        if (got.length === want.length) resolve();
      });
    });

    const dir = mkdtempSync(join(tmpdir(), 'hems-emu-store-'));
    const store = openStore({ dir });
    const d = createDelivery({
      store,
      sinks: [createPubSubSink({ projectId: 'hems-test', topic: 'readings' })],
    });
    try {
      for (const env of want) await d.submit(env);
      expect(await d.flush(30_000)).toBe(true);
      await pulled;
    } finally {
      await d.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
      await sub.close();
      await admin.close();
    }
    const byId = new Map(got.map((m) => [m.attributes.reading_id, m]));
    expect(byId.size).toBe(3);
    const [a, b, c] = want.map((e) => byId.get(e.id)!);
    expect(a!.data.toString('utf8')).toBe(webhookBody(want[0]!));
    expect(a!.attributes).toEqual({ reading_id: want[0]!.id, meter: want[0]!.meter });
    expect(b!.attributes).toEqual({ reading_id: want[1]!.id, meter: want[1]!.meter, backfill: 'true' });
    expect(JSON.parse(b!.data.toString('utf8')).backfill).toBe(true);
    expect(c!.attributes).toEqual({ reading_id: want[2]!.id });
  });
});
