import { describe, expect, it } from 'vitest';
import { runCliOnce, tempDir } from '../support/cli.js';
import { pubsubDestination } from '../support/destinations.js';
import { pubsubEmulatorInstalled } from '../support/pubsub-emulator.js';
import { until } from '../support/wait.js';
import { collect } from './harness.js';

// The built CLI publishing to Google's own Pub/Sub emulator, messages pulled back through a
// subscription. Where the emulator is not installed (it needs the Cloud SDK and Java), the same
// test runs against the gRPC test server, and its name says so.
const backend = pubsubEmulatorInstalled()
  ? "Google's Pub/Sub emulator"
  : 'the gRPC test server (no emulator here)';

describe(`built CLI -o gcloud against ${backend}`, () => {
  it('every reading arrives with the JSON record as data and id and meter as attributes', async () => {
    const dest = await pubsubDestination();
    const state = tempDir();
    const { args, env } = dest.cli(dest.target);
    const run = collect(state, args, env);
    try {
      await run.until(() => dest.arrivals().length >= 3, 'three messages arrived');
      expect(await run.stop()).toBe(0);
      const meter = /"meter":"([0-9A-F]{16})"/.exec(run.stderr())?.[1];
      expect(meter).toBeDefined();
      const exported = await runCliOnce(['export', '--state-dir', state]);
      const stored = exported.stdout.split('\n').filter((l) => l !== '');
      // Pull order is not guaranteed (no ordering key); compare as sets, by reading id.
      const byId = () => new Map(dest.arrivals().map((m) => [m.attributes?.reading_id, m]));
      await until(() => byId().size >= stored.length, 'every stored reading pulled back', { ms: 15_000 });
      expect([...new Set(dest.arrivals().map((m) => m.body))].sort()).toEqual([...stored].sort());
      expect(byId().size).toBe(stored.length);
      for (const m of byId().values()) expect(m.attributes?.meter).toBe(meter);
    } finally {
      await run.stop();
      await dest.close();
    }
  }, 90_000);
});
