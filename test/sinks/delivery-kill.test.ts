import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { createDelivery } from '../../src/sinks/delivery.js';
import { createWebhookSink } from '../../src/sinks/webhook.js';
import { openStore } from '../../src/store/store.js';
import { envelope } from '../support/envelope.js';
import { startHookServer } from '../support/http-server.js';
import { tempDir } from '../support/temp.js';

const writer = fileURLToPath(new URL('../support/store-writer.ts', import.meta.url));

test('kill -9 while a webhook request is in flight loses nothing', async () => {
  const dir = tempDir('hems-kill-');
  const srv = await startHookServer(0, () => 'hang');
  const n = 20;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, srv.url, String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${out}`)));
    });
    await srv.waitFor((s) => s.received.length >= 1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    srv.respond(() => ({ status: 200 }));
    const store = openStore({ dir });
    expect(store.depth('webhook')).toBe(n);
    const d = createDelivery({ store, sinks: [createWebhookSink({ url: srv.url })] });
    expect(await d.flush(15_000)).toBe(true);
    await d.close();
    store.close();
    const want = Array.from({ length: n }, (_, i) => envelope(i).id);
    expect(srv.accepted.map((r) => r.id)).toEqual(want);
    // The only repeat is the request that was in flight when the process died.
    expect(srv.received.filter((r) => r.id === want[0])).toHaveLength(2);
  } finally {
    await srv.close();
  }
});
