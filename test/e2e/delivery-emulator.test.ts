import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOnce, startCli, tempDir } from '../support/cli.js';
import { freePort } from '../support/http-server.js';

/** Resolves once `cond()` holds; rejects after `ms`. */
async function poll(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

// The suite's only optional test. delivery.test.ts and test/sinks/gcloud.test.ts cover `-o gcloud`
// everywhere with a local gRPC Publisher speaking the same protocol; this runs the built CLI
// against Google's own emulator on machines that have it installed (it needs Java).
const installed = existsSync(EMULATOR);
describe.runIf(installed)(
  '[only where the Google Pub/Sub emulator is installed] built CLI -o gcloud against it',
  () => {
    let emu: ChildProcess | undefined;
    let host = '';
    const dataDir = tempDir('hems-emu-');

    beforeAll(async () => {
      const port = await freePort();
      host = `127.0.0.1:${port}`;
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
      process.env.PUBSUB_EMULATOR_HOST = host;
    }, 60_000);

    afterAll(() => {
      delete process.env.PUBSUB_EMULATOR_HOST;
      if (emu?.pid) process.kill(-emu.pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('every reading is pulled back with the JSON record as data and id and meter as attributes', async () => {
      const { PubSub } = await import('@google-cloud/pubsub');
      const admin = new PubSub({ projectId: 'hems-e2e' });
      const [topic] = await admin.createTopic('readings');
      const [sub] = await topic.createSubscription('check');
      const got: Message[] = [];
      sub.on('message', (m: Message) => {
        got.push(m);
        m.ack();
      });
      const state = tempDir();
      const run = startCli(
        [
          '--port',
          'sim',
          '--mode',
          'interval',
          '-i',
          '1',
          '--backfill-days',
          '0',
          '--state-dir',
          state,
          '-o',
          'gcloud',
          '--gcp-project',
          'hems-e2e',
          '--gcp-topic',
          'readings',
        ],
        { env: { PUBSUB_EMULATOR_HOST: host } },
      );
      try {
        await run.until(() => got.length >= 3, 'three messages pulled back');
        expect(await run.stop()).toBe(0);
        const meter = /"meter":"([0-9A-F]{16})"/.exec(run.stderr())?.[1];
        expect(meter).toBeDefined();
        const exported = await runCliOnce(['export', '--state-dir', state]);
        const stored = exported.stdout.split('\n').filter((l) => l !== '');
        // Pull order is not guaranteed (no ordering key); compare as sets, by reading id.
        await poll(() => new Set(got.map((m) => m.attributes.reading_id)).size >= stored.length, 15_000);
        expect([...new Set(got.map((m) => m.data.toString('utf8')))].sort()).toEqual([...stored].sort());
        const byId = new Map(got.map((m) => [m.attributes.reading_id, m]));
        expect(byId.size).toBe(stored.length);
        for (const m of byId.values()) expect(m.attributes.meter).toBe(meter);
      } finally {
        await run.stop();
        await sub.close();
        await admin.close();
      }
    });
  },
);
