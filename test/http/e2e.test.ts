/**
 * End to end: emulator → real meter session → real store → HTTP server → fetch and headless
 * Chromium. The meter's clock is a variable the test moves by half hours.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { SessionTimeouts } from '../../src/broute/options.js';
import { Emulator } from '../../src/emulator/index.js';
import { type HalfHourDay, slotsOf } from '../../src/http/halfhours.js';
import type { LatestView } from '../../src/http/latest.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import type { Envelope } from '../../src/reading/record.js';
import { createDelivery } from '../../src/sinks/delivery.js';
import type { Delivery } from '../../src/sinks/delivery-api.js';
import type { Sink } from '../../src/sinks/types.js';
import { openStore, type Store } from '../../src/store/store.js';
import { recordingSession } from '../broute/fake-client.js';
import { japanesePhone, launchChromium, OVERFLOW_JS } from '../support/browser.js';
import { until } from '../support/wait.js';

type MeterSession = ReturnType<typeof recordingSession>;

function okSink(name: 'file' | 'mqtt', remote: boolean): Sink {
  return { name, remote, deliver: async () => {}, stop: async () => {} };
}

const ID = '00112233445566778899AABBCCDDEEFF';
const PASSWORD = 'ABCDEFGHIJKL';
const TZ = 'Asia/Tokyo';
const HALF = 30 * 60_000;
const INTERVAL = 60_000;
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const FAST: Partial<SessionTimeouts> = {
  response: 2_000,
  sendFailDelay: 1,
  joinBackoffBase: 1,
  joinBackoffMax: 4,
  gate: 2_000,
  term: 100,
};

function session(emu: Emulator, dir: string, clock: () => number, timeouts = FAST): MeterSession {
  return recordingSession({
    openStream: async () => emu.attach(),
    model: 'BP35A1',
    routeBId: ID,
    password: PASSWORD,
    stateDir: dir,
    timezone: TZ,
    timeouts,
    logger: silentLogger,
    clock,
  });
}

describe('dashboard and endpoints against the emulator', () => {
  // 23:40 JST on 2026-05-19: the first readings carry yesterday's last half hours.
  let t = Date.UTC(2026, 4, 19, 14, 40, 5);
  const clock = () => t;
  let dir: string;
  let emu: Emulator;
  let meter: MeterSession;
  let store: Store;
  let outputs: Delivery;
  let server: HttpServer;
  let browser: Browser;
  let last: Envelope;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hems-http-e2e-'));
    emu = new Emulator({
      latencyScale: 0,
      clock,
      timezone: TZ,
      routeBId: ID,
      password: PASSWORD,
      meter: { solar: true },
    });
    meter = session(emu, dir, clock);
    store = openStore({ dir, now: clock, logger: silentLogger });
    outputs = createDelivery({
      store,
      sinks: [okSink('file', false), okSink('mqtt', true)],
      logger: silentLogger,
    });
    server = await startHttpServer('127.0.0.1:0', {
      source: meter,
      store,
      delivery: outputs,
      intervalMs: INTERVAL,
      timezone: TZ,
      logger: silentLogger,
      now: clock,
    });
    // Five readings half an hour apart, two a minute apart at the end.
    for (const step of [0, HALF, HALF, HALF, HALF, INTERVAL]) {
      t += step;
      last = await meter.read();
      await outputs.submit(last);
      server.onReading(last);
    }
    expect(await outputs.flush(5_000)).toBe(true);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await meter?.close();
    await outputs?.close();
    store?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports healthy, with the session counters in /metrics', async () => {
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({
      status: 'ok',
      state: 'up',
      lastReadingAt: new Date(t).toISOString(),
    });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('hems_readings_total 6');
    expect(text).toMatch(/^hems_radio_round_trips_total [1-9]\d*$/m);
    expect(text).toContain('hems_session_up 1');
    expect(text).toContain('hems_deliveries_total{output="mqtt"} 6');
    expect(text).toContain('hems_outbox_depth{output="file"} 0');
    expect(text).toContain(`hems_instant_power_watts{meter="${last.meter}"} ${last.reading.instant_power_w}`);
    expect(text).toContain(`hems_last_reading_timestamp_seconds ${t / 1000}`);
  });

  it('serves the stored half hours of today and yesterday', async () => {
    const latest = (await (await fetch(`${server.url}/api/latest`)).json()) as LatestView;
    expect(latest).toMatchObject({ today: '2026-05-20', yesterday: '2026-05-19', ok: true });
    expect(latest.reading?.instant_power_w).toBe(last.reading.instant_power_w);
    const stored = slotsOf(store.query({}));
    const today = (await (await fetch(`${server.url}/api/halfhours?date=2026-05-20`)).json()) as HalfHourDay;
    const yday = (await (await fetch(`${server.url}/api/halfhours?date=2026-05-19`)).json()) as HalfHourDay;
    expect(today.stored + yday.stored).toBe(stored.size);
    expect(today.stored).toBeGreaterThanOrEqual(2);
    expect(yday.stored).toBeGreaterThanOrEqual(1);
    const shown = [...today.slots, ...yday.slots].filter((s) => s.kwh !== null);
    expect(shown).toHaveLength(stored.size);
    for (const s of shown) expect(stored.get(Date.parse(s.end))).toBe(s.kwh);
  });

  it('shows the live power and one bar per stored half hour in Chromium', async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    const page = await ctx.newPage();
    const blocked: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) blocked.push(r.url());
    });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#chart[data-ready="2026-05-20"]');
    await page.waitForSelector('#power:not([data-value=""])');
    const power = last.reading.instant_power_w!;
    expect(await page.getAttribute('#power', 'data-value')).toBe(String(power));
    expect(await page.textContent('#power')).toBe(
      power.toLocaleString('en-US', { maximumFractionDigits: 0 }),
    );
    const stored = slotsOf(store.query({}));
    expect(await page.locator('#chart rect.bar').count()).toBe(stored.size);
    const todayBars = await page.locator('#chart rect.bar.today').count();
    const ydayBars = await page.locator('#chart rect.bar.yesterday').count();
    expect(todayBars).toBeGreaterThanOrEqual(2);
    expect(ydayBars).toBeGreaterThanOrEqual(1);
    expect(await page.isHidden('#banner')).toBe(true);
    expect(await page.textContent('#state')).toBe('OK');
    expect(await page.locator('#outputs tr').count()).toBe(2);
    expect(await page.textContent('#outputs tr:first-child td:nth-child(3)')).toBe('6');
    expect(await page.isVisible('#reverse-row')).toBe(last.extras.cumulative_reverse_kwh != null);
    expect(blocked).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await ctx.close();
  });

  it('speaks Japanese to a Japanese browser and fits a phone screen', async () => {
    const ctx = await japanesePhone(browser);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#chart[data-ready]');
    expect(await page.textContent('h1')).toBe('電力モニター');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    const overflow = await page.evaluate<number>(OVERFLOW_JS);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-ja.png'), fullPage: true });
    await ctx.close();
  });

  it('turns stale after two intervals without a reading: 503 and a banner', async () => {
    const before = t;
    t += 2 * INTERVAL + 1_000;
    // Put the shared clock back so no other test in this block depends on running before this one.
    onTestFinished(() => {
      t = before;
    });
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(503);
    expect(await h.json()).toMatchObject({ status: 'fail', reason: 'stale: last reading 121 s ago' });
    const ctx = await browser.newContext({ locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#banner:not([hidden])');
    expect(await page.textContent('#problems')).toContain('No reading for more than two intervals');
    await ctx.close();
  });
});

describe('while the meter refuses to join', () => {
  it('/healthz answers 503 with the session state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hems-http-e2e-'));
    const emu = new Emulator({ latencyScale: 0, faults: { joinFailures: 1_000 } });
    const meter = session(emu, dir, Date.now, { ...FAST, joinAttempts: 2 });
    const server = await startHttpServer('127.0.0.1:0', {
      source: meter,
      intervalMs: INTERVAL,
      timezone: TZ,
      logger: silentLogger,
    });
    try {
      const reading = meter.read().then(
        () => null,
        (e: unknown) => e,
      );
      await until(() => emu.counters.joins >= 1);
      const during = await fetch(`${server.url}/healthz`);
      expect(during.status).toBe(503);
      expect(((await during.json()) as { reason: string }).reason).toMatch(
        /^session not up \(state [\w-]+\)$/,
      );
      expect(await reading).toMatchObject({ code: 'PANA_JOIN_FAILED' });
      const after = await fetch(`${server.url}/healthz`);
      expect(after.status).toBe(503);
      expect(await after.json()).toMatchObject({ status: 'fail', lastReadingAt: null });
      expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('hems_session_up 0');
    } finally {
      await server.close();
      await meter.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
