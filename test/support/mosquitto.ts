import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { freePort } from './net.js';
import { program } from './programs.js';
import { until } from './wait.js';

export const MOSQUITTO_BIN = program('mosquitto');

/** A real Mosquitto broker on 127.0.0.1 for one test file, with persistence in a temp dir. */
export interface Broker {
  readonly port: number;
  readonly url: string;
  /** Starts (again) on the same port; resolves once it accepts TCP connections. */
  start(): Promise<void>;
  /** SIGTERM (Mosquitto saves its persistence file), then waits for the exit. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the broker and removes the temp dir. */
  dispose(): Promise<void>;
  /** Broker stderr/stdout so far, for failure messages. */
  log(): string;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startBroker(): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'hems-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ];
  // Started as root, Mosquitto drops to the `mosquitto` user and could not write the temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  await writeFile(conf, `${lines.join('\n')}\n`);

  let proc: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    if (proc) return;
    const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    let exited = false;
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', () => {
      exited = true;
      if (proc === child) proc = null;
    });
    await until(
      async () => {
        if (exited) throw new Error(`mosquitto exited during start-up:\n${output}`);
        return canConnect(port);
      },
      `mosquitto on port ${port}`,
      { ms: 10_000 },
    );
  };

  const stop = async (): Promise<void> => {
    const child = proc;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
    proc = null;
  };

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/**
 * An observing client (MQTT 5, retain-as-published so live retained publishes keep their
 * flag) that records every message and lets a test await one.
 */
export class Observer {
  readonly messages: Received[] = [];
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m = { topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async open(url: string, topics: string[]): Promise<Observer> {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 100, connectTimeout: 2_000 });
    const obs = new Observer(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topics, { qos: 1, rap: true });
    return obs;
  }

  /** The first message, already received or still to come, that matches; rejects after `ms`. */
  next(match: (m: Received) => boolean, ms = 5_000, since = 0): Promise<Received> {
    const seen = this.messages.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        const topics = this.messages.map((m) => m.topic).join(', ');
        reject(new Error(`no matching MQTT message within ${ms} ms (seen: ${topics})`));
      }, ms);
      const done = (m: Received): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
