/**
 * Costs through the built CLI (issue 19): `--port sim -o mqtt --http … --tariff FILE` against a
 * real Mosquitto. The "cost this period" sensor is announced to Home Assistant, its state is
 * published retained on …/cost, and /metrics and /api/cost agree with it. A bad tariff file
 * stops the collector before anything starts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCliOnce, startCli, tempDir } from '../support/cli.js';
import { type Broker, Observer, startBroker } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';
import { TIERED } from '../tariff/helpers.js';
import { CREDS, liveArgs } from './harness.js';

describe('--tariff with MQTT and --http', () => {
  let broker: Broker;
  let obs: Observer;
  let run: CliRun;
  let base: string;

  beforeAll(async () => {
    broker = await startBroker();
    obs = await Observer.open(broker.url, ['hems/+/cost', 'homeassistant/sensor/+/cost_period/config']);
    const dir = tempDir('hems-cost-cli-');
    writeFileSync(join(dir, 'tariff.yaml'), TIERED);
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    run = startCli(liveArgs('sim', join(dir, 'state'), '-o', 'mqtt', '--http', `127.0.0.1:${httpPort}`), {
      env: { ...CREDS, MQTT_URL: broker.url, TARIFF_FILE: 'tariff.yaml' },
      cwd: dir,
    });
  });

  afterAll(async () => {
    expect(await run?.stop()).toBe(0);
    await obs?.close();
    await broker?.dispose();
  });

  it('announces a monetary JPY sensor and publishes the period cost, equal to /metrics and /api/cost', async () => {
    const config = await obs.next((m) => m.topic.endsWith('/cost_period/config') && m.payload !== '', 30_000);
    const c = JSON.parse(config.payload) as Record<string, unknown>;
    expect(c).toMatchObject({
      device_class: 'monetary',
      unit_of_measurement: 'JPY',
      state_class: 'total',
      name: 'Cost this period',
      value_template: '{{ value_json.cost_period_yen }}',
      last_reset_value_template: '{{ value_json.period_start }}',
    });
    expect(config.retain).toBe(true);
    const state = await obs.next((m) => m.topic === c.state_topic, 30_000);
    expect(state.retain).toBe(true);
    const cost = JSON.parse(state.payload) as {
      cost_period_yen: number;
      energy_period_kwh: number;
      period: string;
    };
    expect(cost.period).toMatch(/^\d{4}-\d{2}$/);
    // The basic charge alone is 935.25 (30 A): the bill is at least 935 yen.
    expect(cost.cost_period_yen).toBeGreaterThanOrEqual(935);
    // The energy so far depends on the emulated meter's load at this hour (a quiet night half
    // hour reads 0.0 kWh at its 0.1 kWh resolution): at least 0, and the same everywhere.
    expect(cost.energy_period_kwh).toBeGreaterThanOrEqual(0);
    await until(async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const api = (await (await fetch(`${base}/api/cost`)).json()) as { soFar: { yen: number; kwh: number } };
      const metric = new RegExp(`^hems_cost_period_yen\\{period="${cost.period}"\\} (\\d+)$`, 'm').exec(text);
      const latest = obs.messages.filter((m) => m.topic === c.state_topic).at(-1);
      const published = latest ? (JSON.parse(latest.payload) as { energy_period_kwh: number }) : null;
      return (
        metric !== null &&
        Number(metric[1]) === api.soFar.yen &&
        api.soFar.yen >= 935 &&
        published?.energy_period_kwh === api.soFar.kwh
      );
    }, 'MQTT, /metrics and /api/cost agreeing');
  });
});

describe('a bad tariff file', () => {
  it('exits 2 before anything starts, one line per problem', async () => {
    const dir = tempDir('hems-cost-cli-');
    writeFileSync(
      join(dir, 'tariff.yaml'),
      'basic_charge: { yen: 100 }\nenergy: { yen_per_kwh: 30 }\nrounding: up\nmeter_reading_day: 0\n',
    );
    const r = await runCliOnce(['--port', 'sim', '-o', 'stdout', '--tariff', 'tariff.yaml', '-i', 'x'], {
      cwd: dir,
      env: CREDS,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        '--interval: must be a whole number of seconds (got "x")',
        '--tariff: tariff.yaml: meter_reading_day: must be between 1 and 28 (got 0)',
        '--tariff: tariff.yaml: rounding: must be one of floor, round, ceil (got "up")',
      ]
        .map((l) => `error: ${l}\n`)
        .join(''),
    );
  });
});
