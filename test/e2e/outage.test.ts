/**
 * Issue 21 through the built CLI: each remote output reaches its real destination through a TCP
 * forwarder that resets every connection for the first 20 s of the run, then forwards. One
 * table, one figure for all three: every reading arrives, the first within 15 s of the path
 * opening, and the log says so in short lines — one when the output fails, one when it is back.
 */
import { describe, it } from 'vitest';
import { ATTEMPT_TIMEOUT_MS } from '../../src/sinks/types.js';
import { tempDir } from '../support/cli.js';
import {
  type Destination,
  mqttDestination,
  pubsubDestination,
  webhookDestination,
} from '../support/destinations.js';
import { pubsubEmulatorInstalled } from '../support/pubsub-emulator.js';
import { startForwarder } from '../support/tcp-forwarder.js';
import { until } from '../support/wait.js';
import { collect, exported, loggedTimes, stderrLines } from './harness.js';

const OUTAGE_MS = 20_000;
/** What the issue asks for; the design (retries capped at 10 s, each on a fresh connection)
 *  gives about 10 s at worst. */
const FIRST_DELIVERY_MS = 15_000;
const LINE_MAX = 300;
const WEBHOOK_TOKEN = 'outage-token-5d1e9a';
const MQTT_PASSWORD = 'outage-pw-7b3c';

const timeOf = (json: string): string => (JSON.parse(json) as { timestamp: string }).timestamp;
/** The time stamp that starts a log line. */
const lineTime = (line: string): number => Date.parse(line.slice(0, line.indexOf(' ')));

const table: { name: string; label: string; make: () => Promise<Destination> }[] = [
  { name: 'webhook', label: 'webhook (node:http receiver)', make: webhookDestination },
  {
    name: 'gcloud',
    label: `gcloud (${pubsubEmulatorInstalled() ? "Google's Pub/Sub emulator" : 'gRPC test server, no emulator here'})`,
    make: pubsubDestination,
  },
  { name: 'mqtt', label: 'mqtt (Mosquitto)', make: mqttDestination },
];

describe.concurrent('an output whose path resets every connection for the first 20 s, then forwards', () => {
  it.for(table)(
    '$label: every reading arrives, the first within 15 s of the path opening; one short line down, one back',
    async ({ name, make }, { expect }) => {
      const dest = await make();
      const fwd = await startForwarder(dest.target);
      const dir = tempDir();
      const { args, env } = dest.cli(fwd.host);
      if (name === 'webhook') env.WEBHOOK_TOKEN = WEBHOOK_TOKEN;
      if (name === 'mqtt') env.MQTT_URL = `mqtt://collector:${MQTT_PASSWORD}@${fwd.host}`;
      const started = Date.now();
      const run = collect(dir, args, env);
      const failed = new RegExp(`WARN .*output ${name} failed, will retry: `);
      const back = new RegExp(
        `INFO .*output ${name}: delivering again after (\\d+\\.\\d) s down and (\\d+) failed attempt\\(s\\); (\\d+) reading\\(s\\) caught up`,
      );
      try {
        await run.until(() => failed.test(run.stderr()), `the ${name} failure line`, OUTAGE_MS);
        const firstReadingAt = lineTime(stderrLines(run, /\[hems\] reading /)[0] as string);
        const failedAt = lineTime(stderrLines(run, failed)[0] as string);
        expect(failedAt - firstReadingAt, 'the first failure is logged within one attempt').toBeLessThan(
          ATTEMPT_TIMEOUT_MS,
        );

        // The outage is the scenario's input: the path stays shut for 20 s from the start.
        await new Promise((r) => setTimeout(r, Math.max(0, started + OUTAGE_MS - Date.now())));
        const takenWhileDown = loggedTimes(run).length;
        fwd.open();
        const openedAt = Date.now();
        expect(fwd.refused, 'the forwarder refused the collector').toBeGreaterThan(0);
        await run.until(() => dest.arrivals().length > 0, `the first ${name} delivery`, 60_000);
        const firstMs = (dest.arrivals()[0]?.at ?? 0) - openedAt;
        expect(firstMs, `${dest.backend}: first reading ${firstMs} ms after the path opened`).toBeLessThan(
          FIRST_DELIVERY_MS,
        );

        await run.until(() => back.test(run.stderr()), 'the recovery line', 30_000);
        expect(await run.stop()).toBe(0);
        const stored = await exported(dir);
        expect(stored.length).toBeGreaterThanOrEqual(takenWhileDown);
        // Pub/Sub messages come back through a subscription, a moment later.
        await until(
          () => new Set(dest.arrivals().map((a) => timeOf(a.body))).size >= stored.length,
          `all ${stored.length} readings at the ${dest.backend}`,
          { ms: 15_000 },
        );
        const got = [...new Set(dest.arrivals().map((a) => timeOf(a.body)))].sort();
        expect(got).toEqual(stored.map(timeOf).sort());

        const lines = run.stderr().split('\n');
        const long = lines.filter((l) => l.length >= LINE_MAX);
        expect(long, 'log lines of 300 characters or more').toEqual([]);
        // The whole outage in two lines: the failure (the output's only warning) and the recovery.
        const loud = new RegExp(`(WARN|ERROR) +\\[hems:(delivery:)?${name}[:\\]]`);
        expect(stderrLines(run, loud)).toEqual(stderrLines(run, failed));
        expect(stderrLines(run, failed)).toHaveLength(1);
        const recovered = stderrLines(run, back);
        expect(recovered).toHaveLength(1);
        const [, downSeconds, attempts, caughtUp] = back.exec(recovered[0] as string) ?? [];
        expect(Number(attempts)).toBeGreaterThanOrEqual(2);
        expect(Number(downSeconds)).toBeGreaterThanOrEqual((openedAt - failedAt) / 1000 - 1);
        expect(Number(caughtUp)).toBeGreaterThanOrEqual(takenWhileDown);
        expect(run.stderr()).not.toContain('Previous errors');
        expect(run.stderr()).not.toContain(WEBHOOK_TOKEN);
        expect(run.stderr()).not.toContain(MQTT_PASSWORD);
      } finally {
        await run.stop();
        await fwd.close();
        await dest.close();
      }
    },
  );
});
