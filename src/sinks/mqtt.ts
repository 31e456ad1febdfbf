/**
 * `-o mqtt`: readings to an MQTT broker (QoS 1), with Home Assistant discovery. Topic layout
 * and payloads are in mqtt-discovery.ts. `deliver` resolves only on the broker's PUBACK, so the
 * outbox deletes only what the broker has. While disconnected, each delivery attempt is also a
 * connection attempt (bounded by `connectTimeoutMs`), so the outbox's retry pace decides how soon
 * a broker that came back is used; between readings the sink reconnects in the background with
 * the same backoff. An attempt fails (retryable) when that connection fails or no PUBACK comes
 * within `publishTimeoutMs`.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { type Backoff, backoffDelay } from '../backoff.js';
import { HemsError, isOutputFailure } from '../errors.js';
import { type Logger, registerSecret } from '../log.js';
import type { Envelope } from '../reading/record.js';
import {
  costTopic,
  DEFAULT_DISCOVERY_PREFIX,
  DEFAULT_TOPIC_PREFIX,
  discoveryMessages,
  haStatusTopic,
  type MqttMessage,
  meterKey,
  OFFLINE,
  ONLINE,
  type Origin,
  type PeriodCost,
  readingMessageTarget,
  renderCostPayload,
  renderMqttPayload,
  staleConfigClears,
  statusTopic,
} from './mqtt-discovery.js';
import { ATTEMPT_TIMEOUT_MS, REMOTE_RETRY, type Sink } from './types.js';

export interface MqttOptions {
  /** `mqtt://` or `mqtts://`, optionally with `user:password@`. */
  url: string;
  /** Override the URL's user / password (MQTT_USERNAME / MQTT_PASSWORD). */
  username?: string;
  password?: string;
  /** MQTT_TOPIC_PREFIX, default `hems`. */
  topicPrefix?: string;
  /** Home Assistant discovery; default true. */
  discovery?: boolean;
  discoveryPrefix?: string;
  /** Default `hems-data-collector-<random>`. */
  clientId?: string;
  /** How long `deliver` waits for a PUBACK. Default ATTEMPT_TIMEOUT_MS. */
  publishTimeoutMs?: number;
  /** How long one connection attempt waits for the CONNACK (`start` then goes on in the
   *  background). Default ATTEMPT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** Pace of the background reconnection after the connection is lost. Default REMOTE_RETRY. */
  reconnect?: Backoff;
  /** Discovery `origin`; defaults to this package's name, version and home page. */
  origin?: Partial<Origin>;
  /** With a tariff: the billing period so far, published on `…/cost` after live readings. */
  cost?: () => PeriodCost | null;
}

export interface MqttSink extends Sink {
  /** Connects; resolves on the first CONNACK or after connectTimeoutMs (then keeps trying). */
  start(): Promise<void>;
  /** True while a connection to the broker is up. */
  readonly connected: boolean;
  /** Publishes every known discovery config again (also done on connect and on HA birth). */
  publishDiscovery(): Promise<void>;
}

/** CONNACK codes that no retry can fix: v3.1.1 4/5, v5 134/135 (bad credentials, not authorised). */
const AUTH_REFUSED = new Set([4, 5, 134, 135]);

function defaultOrigin(): Origin {
  let sw = '0.0.0';
  try {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
    sw = pkg.version ?? sw;
  } catch {
    // package.json not shipped next to the code: keep the placeholder version
  }
  return { name: 'hems-data-collector', sw, url: 'https://www.npmjs.com/package/hems-data-collector' };
}

/** The URL without user and password, for log lines. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/** `log` is the output's own logger (already named for it, `hems:mqtt`). */
export function createMqttSink(opts: MqttOptions, log: Logger): MqttSink {
  const prefix = opts.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const discoveryPrefix = opts.discoveryPrefix ?? DEFAULT_DISCOVERY_PREFIX;
  const discoveryOn = opts.discovery ?? true;
  const origin: Origin = { ...defaultOrigin(), ...opts.origin };
  const publishTimeoutMs = opts.publishTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const connectTimeoutMs = opts.connectTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const status = statusTopic(prefix);
  const haStatus = haStatusTopic(discoveryPrefix);

  let password = opts.password;
  try {
    password ??= decodeURIComponent(new URL(opts.url).password) || undefined;
  } catch {
    // an invalid URL fails in connect() with a clear error
  }
  registerSecret(password);

  let client: MqttClient | null = null;
  let starting: Promise<void> | null = null;
  let stopped = false;
  /** Set when the broker refused our credentials; cleared by the next successful connect. */
  let refused: string | null = null;
  let lastErrorLogged = '';
  /** Why the last connection attempt failed, for the delivery's failure line. */
  let lastCause = 'connection closed';
  /** A connection attempt is under way (from connect or reconnect until CONNACK or close). */
  let connecting = false;
  /** Failed connection attempts in a row: the background reconnection's backoff. */
  let failedConnects = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** Woken by every CONNACK and every closed connection (deliveries waiting for either). */
  const linkWaiters = new Set<() => void>();
  /** Discovery configs last built per meter key (republished on connect and HA birth). */
  const discovery = new Map<string, MqttMessage[]>();
  /** The `…/cost` payload last published per meter key (sent again only when it changes). */
  const costSent = new Map<string, string>();

  const publishAcked = (c: MqttClient, msg: MqttMessage): Promise<void> =>
    new Promise((resolve, reject) => {
      let settled = false;
      let messageId: number | undefined;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err)
          reject(
            isOutputFailure(err)
              ? err
              : new HemsError('OUTPUT_RETRYABLE', `MQTT publish failed: ${err.message}`),
          );
        else resolve();
      };
      const timer = setTimeout(() => {
        finish(
          new HemsError('OUTPUT_RETRYABLE', `MQTT broker did not acknowledge within ${publishTimeoutMs} ms`),
        );
        // Drop it from mqtt.js's resend store: the outbox retries it instead.
        if (messageId !== undefined) c.removeOutgoingMessage(messageId);
      }, publishTimeoutMs);
      const cb = (err?: Error): void => finish(err);
      c.publish(msg.topic, msg.payload, { qos: 1, retain: msg.retain }, cb);
      for (const [id, entry] of Object.entries(c.outgoing)) {
        if (entry.cb === cb) messageId = Number(id);
      }
    });

  const publishAll = async (c: MqttClient, msgs: readonly MqttMessage[]): Promise<void> => {
    await Promise.all(msgs.map((m) => publishAcked(c, m)));
  };

  const republishDiscovery = async (): Promise<void> => {
    const c = client;
    if (!c?.connected || !discoveryOn) return;
    await publishAll(c, [...discovery.values()].flat());
  };

  const background = (what: string, p: Promise<void>): void => {
    p.catch((e: unknown) => log.warn(`${what} failed`, { error: (e as Error).message }));
  };

  /** Starts a connection attempt now, unless connected or one is under way. */
  const reconnectNow = (c: MqttClient): void => {
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    if (stopped || c.connected || connecting) return;
    connecting = true;
    lastCause = 'connection closed';
    c.reconnect();
  };

  /** Connected (true) or this attempt failed (false), within connectTimeoutMs. */
  const connectNow = (c: MqttClient): Promise<boolean> => {
    if (c.connected) return Promise.resolve(true);
    reconnectNow(c);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        linkWaiters.delete(done);
        if (!c.connected && connecting) lastCause = `no CONNACK within ${connectTimeoutMs} ms`;
        resolve(c.connected);
      };
      const timer = setTimeout(done, connectTimeoutMs);
      linkWaiters.add(done);
    });
  };

  const wakeLinkWaiters = (): void => {
    for (const w of [...linkWaiters]) w();
  };

  const onConnect = (c: MqttClient): void => {
    refused = null;
    connecting = false;
    failedConnects = 0;
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    lastErrorLogged = '';
    log.info('connected to MQTT broker', { url: safeUrl(opts.url) });
    background('publishing online status', publishAcked(c, { topic: status, payload: ONLINE, retain: true }));
    if (discoveryOn) {
      c.subscribe(haStatus, { qos: 1 }, (err) => {
        if (err) log.warn('subscribing to Home Assistant status failed', { error: err.message });
      });
      background('publishing discovery', republishDiscovery());
    }
  };

  const start = (): Promise<void> => {
    if (stopped) return Promise.reject(new HemsError('OUTPUT_REJECTED', 'MQTT sink is stopped'));
    if (starting) return starting;
    const clientOpts: IClientOptions = {
      clientId: opts.clientId ?? `hems-data-collector-${randomBytes(4).toString('hex')}`,
      clean: true,
      // Reconnecting is ours (reconnectNow and the backoff on close), not mqtt.js's fixed period.
      reconnectPeriod: 0,
      connectTimeout: connectTimeoutMs,
      reconnectOnConnackError: true,
      queueQoSZero: false,
      will: { topic: status, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    };
    if (opts.username !== undefined) clientOpts.username = opts.username;
    if (opts.password !== undefined) clientOpts.password = opts.password;
    starting = new Promise<void>((resolve, reject) => {
      let c: MqttClient;
      try {
        c = connect(opts.url, clientOpts);
      } catch (e) {
        reject(
          new HemsError(
            'OUTPUT_REJECTED',
            `MQTT: cannot connect to ${safeUrl(opts.url)}: ${(e as Error).message}`,
          ),
        );
        return;
      }
      client = c;
      connecting = true;
      // The first attempt failed or takes too long: go on, connecting in the background.
      const notYet = (): void => {
        if (c.connected || timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        // Not a warning of its own: the delivery's failure line follows at once.
        log.debug(() => `MQTT broker ${safeUrl(opts.url)} not reachable yet; retrying in the background`);
        resolve();
      };
      let timer: NodeJS.Timeout | undefined = setTimeout(notYet, connectTimeoutMs);
      timer.unref();
      c.on('connect', () => {
        clearTimeout(timer);
        timer = undefined;
        onConnect(c);
        resolve();
        wakeLinkWaiters();
      });
      c.on('close', () => {
        connecting = false;
        if (refused === null) notYet();
        if (!stopped && !reconnectTimer) {
          log.debug('MQTT connection closed; reconnecting in the background');
          reconnectTimer = setTimeout(
            () => reconnectNow(c),
            backoffDelay(++failedConnects, opts.reconnect ?? REMOTE_RETRY),
          );
          reconnectTimer.unref();
        }
        wakeLinkWaiters();
      });
      c.on('message', (topic, payload) => {
        if (topic === haStatus && payload.toString() === ONLINE) {
          log.info('Home Assistant came online; republishing discovery');
          background('publishing discovery', republishDiscovery());
        }
      });
      c.on('error', (err) => {
        lastCause = err.message;
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number' && AUTH_REFUSED.has(code)) {
          refused = err.message;
          clearTimeout(timer);
          timer = undefined;
          reject(new HemsError('OUTPUT_REJECTED', `MQTT broker refused the connection: ${err.message}`));
        }
        // The delivery reports failures (once per outage); this is the detail behind them.
        if (err.message !== lastErrorLogged) {
          lastErrorLogged = err.message;
          log.debug(() => `MQTT connection error: ${err.message}`);
        }
      });
    });
    return starting;
  };

  const ensureDiscovery = async (c: MqttClient, env: Envelope): Promise<void> => {
    if (!discoveryOn) return;
    const next = discoveryMessages(env, { prefix, discoveryPrefix, origin, cost: opts.cost !== undefined });
    if (next.length === 0) return;
    const key = meterKey(env.meter);
    const prev = discovery.get(key) ?? [];
    const same = prev.length === next.length && prev.every((m, i) => m.payload === next[i]?.payload);
    if (same) return;
    await publishAll(c, [...staleConfigClears(prev, next), ...next]);
    discovery.set(key, next);
  };

  // Not part of the delivery: a failure here must not send the reading again.
  const publishCost = (c: MqttClient, env: Envelope): void => {
    const figures = opts.cost?.();
    if (!figures) return;
    const key = meterKey(env.meter);
    const payload = renderCostPayload(figures);
    if (costSent.get(key) === payload) return;
    costSent.set(key, payload);
    publishAcked(c, { topic: costTopic(prefix, env.meter), payload, retain: true }).catch((e: unknown) => {
      costSent.delete(key);
      log.debug(() => `publishing the period cost failed: ${(e as Error).message}`);
    });
  };

  return {
    name: 'mqtt',
    remote: true,
    get connected() {
      return client?.connected ?? false;
    },
    start,
    publishDiscovery: republishDiscovery,
    async deliver(env) {
      await start();
      const c = client;
      if (refused !== null) {
        throw new HemsError('OUTPUT_REJECTED', `MQTT broker refused the connection: ${refused}`);
      }
      if (!c || !(await connectNow(c))) {
        throw new HemsError('OUTPUT_RETRYABLE', `MQTT broker ${safeUrl(opts.url)} unreachable: ${lastCause}`);
      }
      await ensureDiscovery(c, env);
      const target = readingMessageTarget(prefix, env);
      await publishAcked(c, { ...target, payload: renderMqttPayload(env) });
      if (!env.backfill && opts.cost) publishCost(c, env);
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      wakeLinkWaiters();
      const c = client;
      client = null;
      if (!c) return;
      if (c.connected) {
        // A clean DISCONNECT suppresses the last will, so say `offline` ourselves.
        await publishAcked(c, { topic: status, payload: OFFLINE, retain: true }).catch(() => {});
      }
      const ended = await Promise.race([
        c.endAsync().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), publishTimeoutMs).unref()),
      ]);
      if (!ended) c.end(true);
    },
  };
}
