import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import type { HttpDeps, StoreHealth } from '../../src/http/deps.js';
import type { HalfHourDay } from '../../src/http/halfhours.js';
import type { LatestView } from '../../src/http/latest.js';
import {
  type HttpGuard,
  type HttpServer,
  hostAllowed,
  isLoopback,
  parseListen,
  startHttpServer,
} from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { getFrom, openSilentSockets } from '../support/http-server.js';
import { until } from '../support/wait.js';
import { captureLogger, delivery, env, memoryStore, status } from './fakes.js';

const MIN = 60_000;
const JST_MIDNIGHT = Date.UTC(2024, 3, 30, 15, 0); // 2024-05-01 00:00 JST
const NOW = JST_MIDNIGHT + 125 * MIN; // 02:05 JST

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(
  over: Partial<HttpDeps> = {},
  listen = '127.0.0.1:0',
  guard: HttpGuard = {},
): Promise<HttpServer> {
  const s = await startHttpServer(
    listen,
    {
      source: { status: () => status({ lastReadingAt: NOW - 20_000 }) },
      intervalMs: 60_000,
      timezone: 'Asia/Tokyo',
      logger: silentLogger,
      now: () => NOW,
      ...over,
    },
    guard,
  );
  servers.push(s);
  return s;
}

describe('HTTP server', () => {
  it('answers /healthz with 200 while fresh and 503 with the reason otherwise', async () => {
    const st = status({ lastReadingAt: NOW - 20_000 });
    const s = await start({ source: { status: () => st } });
    let res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok', state: 'up', ageSeconds: 20 });

    st.lastReadingAt = NOW - 3 * 60_000;
    res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'fail', reason: 'stale: last reading 180 s ago' });

    st.state = 'joining';
    res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toBe('session not up (state joining)');
  });

  it('a store that cannot be written: /healthz 503, a dashboard problem and hems_store_up 0', async () => {
    const store = {
      ...memoryStore([env(NOW - 20_000)]),
      state: {
        up: false,
        problem: 'disk full at /var/lib/hems/hems.db (database or disk is full)',
      } as StoreHealth,
      status() {
        return this.state;
      },
    };
    const outputs = {
      webhook: {
        depth: 0,
        delivered: 3,
        failures: 0,
        dropped: 0,
        deadLetters: 1,
        lastError: null,
        failing: false,
      },
    };
    const s = await start({ store, delivery: { stats: () => outputs } });
    let res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'fail',
      reason: 'store unavailable: disk full at /var/lib/hems/hems.db (database or disk is full)',
      state: 'up',
      store: { up: false, problem: 'disk full at /var/lib/hems/hems.db (database or disk is full)' },
    });
    const view = (await (await fetch(`${s.url}/api/latest`)).json()) as LatestView;
    expect(view.ok).toBe(false);
    expect(view.store).toEqual({ up: false, problem: store.state.problem });
    expect(view.problems).toEqual([{ kind: 'store', message: store.state.problem }]);
    expect(view.outputs[0]).toMatchObject({ name: 'webhook', deadLetters: 1, failing: false });
    let metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^hems_store_up 0$/m);
    expect(metrics).toMatch(/^hems_outbox_dead_letters_total\{output="webhook"\} 1$/m);

    store.state = { up: true, problem: null };
    res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: { up: true, problem: null } });
    metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^hems_store_up 1$/m);
  });

  it('without a store, health and metrics say nothing about one', async () => {
    const s = await start();
    expect(await (await fetch(`${s.url}/healthz`)).json()).not.toHaveProperty('store');
    expect(await (await fetch(`${s.url}/metrics`)).text()).not.toMatch(/^hems_store_up /m);
    expect(((await (await fetch(`${s.url}/api/latest`)).json()) as LatestView).store).toBeNull();
  });

  it('is read-only: other methods get 405 with Allow', async () => {
    const s = await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/metrics', '/healthz', '/api/latest']) {
        const res = await fetch(`${s.url}${path}`, { method, body: method === 'DELETE' ? undefined : '{}' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    const head = await fetch(`${s.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
  });

  it('serves Prometheus text on /metrics', async () => {
    const s = await start({
      delivery: delivery({
        webhook: {
          depth: 3,
          delivered: 9,
          failures: 1,
          dropped: 0,
          deadLetters: 0,
          lastError: 'HTTP 500',
          failing: true,
        },
      }),
    });
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('hems_outbox_depth{output="webhook"} 3');
    expect(text).toContain(`hems_last_reading_timestamp_seconds ${(NOW - 20_000) / 1000}`);
  });

  it('serves the latest reading and the half hours of a local day from the store', async () => {
    const rows = [
      env(JST_MIDNIGHT - 5 * MIN, { slotEndMs: JST_MIDNIGHT - 30 * MIN, slotKwh: 0.4 }), // yesterday 23:00 slot
      env(JST_MIDNIGHT + 31 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.1 }),
      env(JST_MIDNIGHT + 95 * MIN, { slotEndMs: JST_MIDNIGHT + 90 * MIN, slotKwh: 0.3 }),
      env(NOW - 20_000, { power: 777, slotEndMs: JST_MIDNIGHT + 120 * MIN, slotKwh: 0.2, reverse: 3.5 }),
    ];
    const s = await start({
      store: memoryStore(rows),
      delivery: delivery({
        mqtt: {
          depth: 4,
          delivered: 1,
          failures: 6,
          dropped: 0,
          deadLetters: 0,
          lastError: 'connack timeout',
          failing: true,
        },
      }),
    });
    const latest = (await (await fetch(`${s.url}/api/latest`)).json()) as LatestView;
    expect(latest).toMatchObject({
      timezone: 'Asia/Tokyo',
      today: '2024-05-01',
      yesterday: '2024-04-30',
      intervalSeconds: 60,
      reading: { instant_power_w: 777, cumulative_reverse_kwh: 3.5, id: rows[3]!.id },
      session: { state: 'up', lastReadingAt: new Date(NOW - 20_000).toISOString() },
      outputs: [{ name: 'mqtt', depth: 4, failing: true, lastError: 'connack timeout' }],
      ok: false,
      problems: [{ kind: 'output', output: 'mqtt', message: 'connack timeout' }],
    });

    const today = (await (await fetch(`${s.url}/api/halfhours`)).json()) as HalfHourDay;
    expect(today.date).toBe('2024-05-01');
    expect(today.slots.filter((x) => x.kwh !== null).map((x) => x.index)).toEqual([0, 2, 3]);
    expect(today.totalKwh).toBe(0.6);
    const yday = (await (await fetch(`${s.url}/api/halfhours?date=2024-04-30`)).json()) as HalfHourDay;
    expect(yday.slots.filter((x) => x.kwh !== null).map((x) => [x.index, x.kwh])).toEqual([[46, 0.4]]);

    const bad = await fetch(`${s.url}/api/halfhours?date=2024-02-30`);
    expect(bad.status).toBe(400);
  });

  it('works from pushed readings when there is no store', async () => {
    const s = await start();
    let latest = (await (await fetch(`${s.url}/api/latest`)).json()) as LatestView;
    expect(latest.reading).toBeNull();
    s.onReading(env(NOW - 90 * MIN, { slotEndMs: JST_MIDNIGHT + 30 * MIN, slotKwh: 0.12 }));
    s.onReading(env(NOW - 20_000, { power: 500, slotEndMs: JST_MIDNIGHT + 120 * MIN, slotKwh: 0.22 }));
    s.onReading(
      env(NOW - 10_000, { backfill: true, power: 1, slotEndMs: JST_MIDNIGHT + 60 * MIN, slotKwh: 0.05 }),
    );
    latest = (await (await fetch(`${s.url}/api/latest`)).json()) as LatestView;
    expect(latest.reading?.instant_power_w).toBe(500);
    expect(latest.ok).toBe(true);
    const day = (await (await fetch(`${s.url}/api/halfhours?date=2024-05-01`)).json()) as HalfHourDay;
    expect(day.slots.filter((x) => x.kwh !== null).map((x) => [x.index, x.kwh])).toEqual([
      [0, 0.12],
      [1, 0.05],
      [3, 0.22],
    ]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^hems_instant_power_watts\{meter="[0-9A-F]+"\} 500$/m);
  });

  it('serves a self-contained dashboard page', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('api/latest');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('warns when bound beyond loopback, not on loopback', async () => {
    const quiet = captureLogger();
    await start({ logger: quiet });
    expect(quiet.lines.filter((l) => l.level === 'warn')).toEqual([]);
    const loud = captureLogger();
    const s = await start({ logger: loud }, '0.0.0.0:0');
    expect(loud.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringContaining('0.0.0.0'),
    ]);
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
  });

  it('fails to start with CONFIG_INVALID on a bad address or a busy port', async () => {
    const s = await start();
    await expect(start({}, `127.0.0.1:${s.port}`)).rejects.toSatisfy((e) => isHemsError(e, 'CONFIG_INVALID'));
    await expect(start({}, 'localhost')).rejects.toSatisfy((e) => isHemsError(e, 'CONFIG_INVALID'));
  });
});

describe('hardening', () => {
  it('answers only Host names of this server: IP addresses, localhost, the bound name and --http-allow-host', async () => {
    const log = captureLogger();
    const s = await start({ logger: log }, '127.0.0.1:0', { allowHosts: ['hems.lan'] });
    for (const host of [
      `127.0.0.1:${s.port}`,
      '127.0.0.1',
      `[::1]:${s.port}`,
      'localhost',
      'LOCALHOST:80',
      '192.168.1.10:9108',
      'hems.lan',
      'HEMS.LAN.:9108',
    ]) {
      expect((await getFrom(s.port, '/healthz', { host })).status, host).toBe(200);
    }
    for (const host of [
      'evil.example',
      `evil.example:${s.port}`,
      'hems.lan.evil.example',
      'localhost.evil.example',
      '[::1]x',
    ]) {
      expect((await getFrom(s.port, '/api/latest', { host })).status, host).toBe(403);
    }
    // One warning per refused name, not one per request.
    await getFrom(s.port, '/', { host: 'evil.example' });
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg.includes('"evil.example"'))).toHaveLength(1);
    expect(hostAllowed(undefined, new Set())).toBe(true);
  });

  it('answers 400, without a warning, for dates it cannot show', async () => {
    const log = captureLogger();
    const s = await start({ store: memoryStore([]), logger: log });
    for (const date of [
      '9999-12-31',
      '0999-01-01',
      '0001-01-01',
      '1999-12-31',
      '3000-01-01',
      '2024-13-01',
      'today',
    ]) {
      const res = await fetch(`${s.url}/api/halfhours?date=${date}`);
      expect(res.status, date).toBe(400);
      expect(await res.json()).toEqual({ error: 'date must be a YYYY-MM-DD date from 2000 to 2999' });
    }
    expect((await fetch(`${s.url}/api/halfhours?date=2999-12-31`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/halfhours?date=2000-01-01`)).status).toBe(200);
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('caps open connections: a newcomer replaces the oldest idle one, so /healthz always gets in', async () => {
    const s = await start({}, '127.0.0.1:0', { limits: { maxConnections: 4 } });
    const idle = await openSilentSockets(s.port, 12);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    // At most 4 stay open at the server (the 3 newest silent ones and /healthz's): the
    // others were closed, oldest first.
    await until(() => idle.filter((sock) => sock.closed).length >= 9);
    expect(idle.slice(0, 9).every((sock) => sock.closed)).toBe(true);
    for (const sock of idle) sock.destroy();
  });

  it('closes a connection that never sends its request', async () => {
    const s = await start({}, '127.0.0.1:0', { limits: { headersTimeoutMs: 300 } });
    const sock = connect(s.port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('listen address', () => {
  it('parses host:port forms', () => {
    expect(parseListen('127.0.0.1:9108')).toEqual({ host: '127.0.0.1', port: 9108 });
    expect(parseListen('[::1]:9108')).toEqual({ host: '::1', port: 9108 });
    expect(parseListen(':9108')).toEqual({ host: '127.0.0.1', port: 9108 });
    expect(parseListen('myhost.lan:80')).toEqual({ host: 'myhost.lan', port: 80 });
    for (const bad of ['9108', '127.0.0.1', '127.0.0.1:70000', '::1:9108', 'a:b']) {
      expect(() => parseListen(bad), bad).toThrow();
    }
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'myhost.lan', '128.0.0.1'])
      expect(isLoopback(h), h).toBe(false);
  });
});
