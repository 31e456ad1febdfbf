import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import type { Envelope } from '../../src/reading/record.js';
import { createMqttSink, type MqttOptions, type MqttSink } from '../../src/sinks/mqtt.js';
import { discoveryMessages } from '../../src/sinks/mqtt-discovery.js';
import { sampleEnvelope } from '../support/envelope.js';
import { type Broker, Observer, startBroker } from '../support/mosquitto.js';
import { freePort } from '../support/net.js';
import { outputFailure } from '../support/output-failure.js';
import { startForwarder } from '../support/tcp-forwarder.js';
import { until } from '../support/wait.js';

const MAC = '001D129012345678';
const READING_TOPIC = 'hems/001d129012345678/reading';
const BACKFILL_TOPIC = 'hems/001d129012345678/backfill';
const ORIGIN = { name: 'hems-data-collector', sw: '9.9.9', url: 'https://example.test/hems' };

/** The README sample (no T-phase current) from a known meter, with its id and power. */
function envelope(id: string, power: number, over: Partial<Envelope> = {}): Envelope {
  const reading = {
    timestamp: '2023-10-27T10:00:00.123000+00:00',
    instant_power_w: power,
    current_t_a: null,
  };
  return sampleEnvelope(reading, {
    id,
    meter: MAC,
    extras: { manufacturer: '000016', serial: 'SN-0042' },
    ...over,
  });
}

const expectedJson = (power: number): string =>
  '{"timestamp": "2023-10-27T10:00:00.123000+00:00", "cumulative_power_kwh": 12345.6, ' +
  `"instant_power_w": ${power}, "current_a": 7.5, "current_r_a": 5.0, "current_t_a": null, ` +
  '"historical_timestamp": "2023-10-27T10:00:00+00:00", "historical_cumulative_power_kwh": 12345.5, ' +
  '"recent_30min_timestamp": "2023-10-27T09:30:00+00:00", "recent_30min_consumption_kwh": 0.2}';

let broker: Broker;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await broker.dispose();
});

async function observe(topics: string[]): Promise<Observer> {
  const obs = await Observer.open(broker.url, topics);
  cleanups.push(() => obs.close());
  return obs;
}

function sink(over: Partial<MqttOptions> = {}): MqttSink {
  const s = createMqttSink(
    {
      url: broker.url,
      reconnect: { baseMs: 100, maxMs: 100 },
      publishTimeoutMs: 3_000,
      origin: ORIGIN,
      ...over,
    },
    silentLogger,
  );
  cleanups.push(() => s.stop());
  return s;
}

describe('MQTT sink against Mosquitto', () => {
  it('announces itself online (retained) and publishes discovery before the QoS 1 retained reading', async () => {
    const obs = await observe(['hems/#', 'homeassistant/#']);
    const s = sink();
    await s.start();
    const online = await obs.next((m) => m.topic === 'hems/status' && m.payload === 'online');
    expect(online).toMatchObject({ retain: true, qos: 1 });

    await s.deliver(envelope('a', 500));
    const reading = await obs.next((m) => m.topic === READING_TOPIC);
    expect(reading).toEqual({ topic: READING_TOPIC, payload: expectedJson(500), retain: true, qos: 1 });

    const expected = discoveryMessages(envelope('a', 500), {
      prefix: 'hems',
      discoveryPrefix: 'homeassistant',
      origin: ORIGIN,
    });
    expect(expected.length).toBe(5);
    const configs = obs.messages.filter((m) => m.topic.startsWith('homeassistant/sensor/'));
    expect(configs.map((m) => [m.topic, m.payload, m.retain, m.qos])).toEqual(
      expected.map((m) => [m.topic, m.payload, true, 1]),
    );
    const readingIndex = obs.messages.indexOf(reading);
    expect(obs.messages.indexOf(configs.at(-1) ?? reading)).toBeLessThan(readingIndex);

    // Same meter again: the reading only, discovery is not re-sent.
    const before = obs.messages.length;
    await s.deliver(envelope('b', 640));
    await obs.next((m) => m.topic === READING_TOPIC && m.payload === expectedJson(640), 5_000, before);
    expect(obs.messages.slice(before).map((m) => m.topic)).toEqual([READING_TOPIC]);
    await s.stop();
  });

  it('sends backfill to …/backfill unretained, leaving the retained current reading alone', async () => {
    const s = sink();
    await s.deliver(envelope('c', 700));
    const obs = await observe(['hems/+/backfill']);
    await s.deliver(envelope('d', 100, { backfill: true }));
    const back = await obs.next((m) => m.topic === BACKFILL_TOPIC);
    expect(back.retain).toBe(false);
    expect(back.payload).toBe(`${expectedJson(100).slice(0, -1)}, "backfill": true}`);

    const late = await observe([READING_TOPIC]);
    const retained = await late.next((m) => m.topic === READING_TOPIC);
    expect(retained).toMatchObject({ payload: expectedJson(700), retain: true });
    await s.stop();
  });

  it('republishes discovery when Home Assistant announces itself online', async () => {
    const s = sink();
    await s.deliver(envelope('e', 500, { extras: { cumulative_reverse_kwh: 3.5, serial: 'SN-0042' } }));
    const obs = await observe(['homeassistant/sensor/#']);
    // The retained configs are replayed on subscribe first.
    await until(() => obs.messages.length >= 6, 'retained configs', { ms: 5_000 });
    const start = obs.messages.length;
    expect(start).toBe(6);
    await obs.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await until(() => obs.messages.length >= start + 6, 'republished configs', { ms: 5_000 });
    const again = obs.messages.slice(start);
    expect(again.map((m) => m.topic.split('/')[3])).toEqual([
      'instant_power',
      'current_r',
      'current_t',
      'energy',
      'energy_reverse',
      'last_30min_energy',
    ]);
    expect(again.every((m) => m.retain && m.qos === 1)).toBe(true);
    await s.stop();
  });

  it('clears a config that is no longer offered with an empty retained payload', async () => {
    const s = sink();
    const obs = await observe(['homeassistant/sensor/hems_001d129012345678/energy_reverse/config']);
    await s.deliver(envelope('g', 1, { extras: { cumulative_reverse_kwh: 1 } }));
    await obs.next((m) => m.payload !== '');
    await s.deliver(envelope('h', 1));
    const cleared = await obs.next((m) => m.payload === '');
    expect(cleared.retain).toBe(true);
    await s.stop();
  });

  it('publishes the period cost retained after live readings, only when it changes, not for backfill', async () => {
    let yen = 1000;
    const calls: number[] = [];
    const s = sink({
      topicPrefix: 'costs',
      cost: () => {
        calls.push(yen);
        return { label: '2026-05', startMs: Date.UTC(2026, 3, 30, 15), kwh: 10, yen };
      },
    });
    const obs = await observe(['costs/+/cost']);
    await s.deliver(envelope('k1', 1));
    const first = await obs.next((m) => m.topic === 'costs/001d129012345678/cost');
    expect(first.retain).toBe(true);
    expect(JSON.parse(first.payload)).toMatchObject({ cost_period_yen: 1000, period: '2026-05' });
    await s.deliver(envelope('k2', 1)); // same figures: nothing new
    await s.deliver(envelope('k3', 1, { backfill: true })); // backfill: not even asked
    expect(calls).toEqual([1000, 1000]);
    yen = 1010;
    await s.deliver(envelope('k4', 1));
    await obs.next((m) => JSON.parse(m.payload).cost_period_yen === 1010);
    expect(obs.messages.filter((m) => m.topic === 'costs/001d129012345678/cost')).toHaveLength(2);
    await s.stop();
  });

  it('says offline (retained) on a clean stop', async () => {
    const s = sink({ topicPrefix: 'clean' });
    await s.start();
    const obs = await observe(['clean/status']);
    await obs.next((m) => m.payload === 'online');
    const from = obs.messages.length;
    await s.stop();
    const off = await obs.next((m) => m.payload === 'offline', 5_000, from);
    expect(off.retain).toBe(true);
    expect(s.connected).toBe(false);
    await expect(s.deliver(envelope('x', 1))).rejects.toMatchObject({ code: 'OUTPUT_REJECTED' });
  });

  it('leaves the last will `offline` when the process dies without DISCONNECT', async () => {
    const obs = await observe(['child/status']);
    const sinkModule = fileURLToPath(new URL('../../src/sinks/mqtt.ts', import.meta.url));
    const logModule = fileURLToPath(new URL('../../src/log.ts', import.meta.url));
    const script = [
      `const { createMqttSink } = await import(${JSON.stringify(sinkModule)});`,
      `const { silentLogger } = await import(${JSON.stringify(logModule)});`,
      `const s = createMqttSink({ url: ${JSON.stringify(broker.url)}, topicPrefix: 'child' }, silentLogger);`,
      'await s.start();',
      "process.stdout.write(s.connected ? 'ready\\n' : 'not connected\\n');",
      'setInterval(() => {}, 60_000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until(
      () => out.includes('ready'),
      () => `child ready (output: ${out})`,
      { ms: 15_000 },
    );
    await obs.next((m) => m.payload === 'online');
    const from = obs.messages.length;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const will = await obs.next((m) => m.payload === 'offline', 5_000, from);
    expect(will).toMatchObject({ topic: 'child/status', retain: true, qos: 1 });
  });

  it('fails with OUTPUT_RETRYABLE while the broker is down and delivers once it is back', async () => {
    const s = sink({ topicPrefix: 'restart', discovery: false });
    await s.deliver(envelope('r0', 41));
    await broker.stop();
    await until(() => !s.connected, 'the sink to notice the broker is gone', { ms: 5_000 });
    const err = await outputFailure(s.deliver(envelope('r1', 42)));
    expect(err.code).toBe('OUTPUT_RETRYABLE');

    await broker.start();
    await until(() => s.connected, 'the sink to reconnect', { ms: 5_000 });
    const obs = await observe(['restart/+/reading']);
    // Mosquitto's persistence kept the retained reading across the restart.
    expect(await obs.next((m) => m.retain)).toMatchObject({ payload: expectedJson(41) });
    await s.deliver(envelope('r2', 43));
    const got = await obs.next((m) => m.payload === expectedJson(43));
    expect(got).toMatchObject({ topic: 'restart/001d129012345678/reading', qos: 1 });
    await s.stop();
  });

  it('while disconnected, each delivery attempt is a connection attempt: it delivers as soon as the path is open', async () => {
    const path = await startForwarder(`127.0.0.1:${broker.port}`);
    cleanups.push(() => path.close());
    // A background reconnection far away: only the delivery attempts themselves can connect.
    const slow = { baseMs: 60_000, maxMs: 60_000 };
    const s = sink({ url: `mqtt://${path.host}`, reconnect: slow, topicPrefix: 'path', discovery: false });
    await s.start();
    expect(s.connected).toBe(false);
    const before = path.connections;
    const err = await outputFailure(s.deliver(envelope('q1', 51)));
    expect(err.code).toBe('OUTPUT_RETRYABLE');
    expect(err.message).toMatch(/^MQTT broker mqtt:\/\/127\.0\.0\.1:\d+ unreachable: \S/);
    expect(path.connections).toBe(before + 1);
    path.open();
    const obs = await observe(['path/+/reading']);
    await s.deliver(envelope('q2', 52));
    expect(await obs.next((m) => m.payload === expectedJson(52))).toMatchObject({ qos: 1 });
    expect(s.connected).toBe(true);
  });

  it('never logs the password from the URL', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const url = broker.url.replace('mqtt://', 'mqtt://collector:pa55-w0rd-x@');
    const s = createMqttSink({ url, reconnect: { baseMs: 100, maxMs: 100 } }, logger);
    cleanups.push(() => s.stop());
    await s.start();
    await s.deliver(envelope('p', 1));
    await s.stop();
    expect(lines.some((l) => l.includes('connected to MQTT broker'))).toBe(true);
    expect(lines.join('\n')).not.toContain('pa55-w0rd-x');
  });
});

/** A TCP server that answers CONNECT with a fixed CONNACK and then ignores everything. */
async function fakeBroker(connack: Buffer): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.once('data', () => sock.write(connack));
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return { url: `mqtt://127.0.0.1:${port}`, server };
}

describe('MQTT sink failure modes', () => {
  it('rejects (retryable) after the publish timeout when no PUBACK comes', async () => {
    const fake = await fakeBroker(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    const s = sink({ url: fake.url, publishTimeoutMs: 200, discovery: false });
    await s.start();
    expect(s.connected).toBe(true);
    const err = await outputFailure(s.deliver(envelope('t', 1)));
    expect(err.code).toBe('OUTPUT_RETRYABLE');
    expect(err.message).toMatch(/did not acknowledge within 200 ms/);
  });

  it('reports refused credentials as OUTPUT_REJECTED', async () => {
    const fake = await fakeBroker(Buffer.from([0x20, 0x02, 0x00, 0x05]));
    const s = sink({ url: fake.url, discovery: false });
    expect((await outputFailure(s.start())).code).toBe('OUTPUT_REJECTED');
    expect((await outputFailure(s.deliver(envelope('u', 1)))).code).toBe('OUTPUT_REJECTED');
  });

  it('starts without a broker and fails deliveries fast (retryable) instead of hanging', async () => {
    const port = await freePort();
    const s = sink({ url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    await s.start();
    expect(s.connected).toBe(false);
    const err = await outputFailure(s.deliver(envelope('v', 1)));
    expect(err.code).toBe('OUTPUT_RETRYABLE');
  });
});
