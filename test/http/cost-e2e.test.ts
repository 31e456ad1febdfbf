/**
 * The cost and trend panels end to end: a store seeded with five weeks of a solar home (one
 * day backfilled, a gap), the real HTTP server with the time-of-use example tariff, fetch and
 * headless Chromium (English at desktop size, Japanese on a phone, and without a tariff).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostView, MonthView, PowerView } from '../../src/http/cost.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/store.js';
import { exportValue, priceHalfHours } from '../../src/tariff/bill.js';
import { parseTariff } from '../../src/tariff/parse.js';
import { storedBetween } from '../../src/tariff/profile.js';
import type { Tariff } from '../../src/tariff/types.js';
import { japanesePhone, launchChromium, OVERFLOW_JS } from '../support/browser.js';
import { ROOT, tempDir } from '../support/cli.js';
import { seedStore } from '../support/seed.js';
import { jst, TZ } from '../tariff/helpers.js';
import { status } from './fakes.js';

const NOW = jst(2026, 5, 20, 14, 10);
const ARTIFACTS = join(ROOT, 'test-artifacts');

function exampleTariff(): Tariff {
  const r = parseTariff(readFileSync(join(ROOT, 'examples', 'tariff-time-of-use.yaml'), 'utf8'));
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.tariff;
}

describe('cost panels against a seeded store', () => {
  const dir = tempDir('hems-cost-e2e-');
  const tariff = exampleTariff();
  let slots: Map<number, number>;
  let store: Store;
  let server: HttpServer;
  let bare: HttpServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ slots } = seedStore(dir, {
      tz: TZ,
      fromMs: jst(2026, 4, 12),
      toMs: NOW - (NOW % (30 * 60_000)),
      solar: true,
      backfill: [[jst(2026, 5, 12), jst(2026, 5, 13)]],
      gaps: [[jst(2026, 5, 14, 9), jst(2026, 5, 14, 11)]],
    }));
    store = openStore({ dir, readonly: true });
    const deps = {
      source: { status: () => status({ lastReadingAt: NOW - 60_000 }) },
      store,
      intervalMs: 300_000,
      timezone: TZ,
      logger: silentLogger,
      now: () => NOW,
    };
    server = await startHttpServer('127.0.0.1:0', { ...deps, tariff });
    bare = await startHttpServer('127.0.0.1:0', deps);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await bare?.close();
    store?.close();
  });

  const get = async <T>(base: string, path: string): Promise<T> =>
    (await fetch(`${base}${path}`)).json() as T;
  const may = () => storedBetween(slots, jst(2026, 5, 1), NOW);

  it('/api/cost: the period so far as the bill computes it, a forecast, export, today and yesterday', async () => {
    const c = await get<CostView>(server.url, '/api/cost');
    const bill = priceHalfHours(tariff, '2026-05', may(), TZ).bill;
    expect(c.period).toMatchObject({ label: '2026-05', start: '2026-05-01', last: '2026-05-31', missing: 4 });
    expect(c.soFar.kwh).toBe(bill.kwh);
    expect(c.soFar.yen).toBe(bill.totalYen);
    expect(c.forecast?.yen).toBeGreaterThan(bill.totalYen);
    expect(c.forecast?.kwh).toBeGreaterThan(bill.kwh);
    const today = storedBetween(slots, jst(2026, 5, 20), NOW);
    expect(c.today).toMatchObject({
      date: '2026-05-20',
      kwh: Math.round(today.reduce((a, h) => a + h.kwh, 0) * 1e4) / 1e4,
    });
    expect(c.yesterday.date).toBe('2026-05-19');
    expect(c.yesterday.yen).toBeGreaterThan(0);
    // Seeded solar: 0.6 kWh per half hour from 9:00 to 15:00, from the first reading of May on.
    expect(c.export?.kwh).toBeGreaterThan(100);
    expect(c.export?.yen).toBe(exportValue(tariff, c.export!.kwh));
  });

  it('/api/month, /api/power6h and /metrics', async () => {
    const m = await get<MonthView>(server.url, '/api/month');
    expect(m.days).toHaveLength(31);
    expect(m.days.at(-1)?.date).toBe('2026-05-20');
    expect(m.days.find((d) => d.date === '2026-05-14')?.missing).toBe(4);
    expect(m.days.find((d) => d.date === '2026-05-12')?.missing).toBe(0);
    expect(m.top).toHaveLength(5);
    const yens = m.top.map((h) => h.yen!);
    expect([...yens].sort((a, b) => b - a)).toEqual(yens);
    expect(m.profile.weekday).toHaveLength(48);
    const p = await get<PowerView>(server.url, '/api/power6h');
    const live = store
      .query({ since: NOW - 6 * 3_600_000, until: NOW + 1 })
      .filter((e) => !e.backfill && e.reading.instant_power_w !== null);
    expect(p.points).toHaveLength(live.length);
    expect(p.points.length).toBeGreaterThan(60);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const c = await get<CostView>(server.url, '/api/cost');
    expect(text).toContain(`hems_cost_period_yen{period="2026-05"} ${c.soFar.yen}`);
    expect(text).toContain(`hems_energy_period_kwh{period="2026-05"} ${c.soFar.kwh}`);
    const bareText = await (await fetch(`${bare.url}/metrics`)).text();
    expect(bareText).not.toMatch(/^hems_cost_period_yen/m);
    expect(bareText).toMatch(/^hems_energy_period_kwh\{period="2026-05"\} [\d.]+$/m);
  });

  it('shows the panels in Chromium (English, desktop)', async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 1000 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#cost-cards[data-ready="2026-05"]');
    await page.waitForSelector('#month-chart[data-ready="2026-05-20"]');
    await page.waitForSelector('#power-chart[data-ready]');
    const c = await get<CostView>(server.url, '/api/cost');
    expect(await page.getAttribute('#period-main', 'data-value')).toBe(String(c.soFar.yen));
    expect(await page.textContent('#period-main')).toBe(c.soFar.yen!.toLocaleString('en-US'));
    expect(await page.textContent('#period-unit')).toBe('JPY');
    expect(await page.getAttribute('#forecast-main', 'data-value')).toBe(String(c.forecast!.yen));
    expect(await page.textContent('#period-missing')).toBe('4 half hours missing (not counted)');
    expect(await page.isVisible('#export-card')).toBe(true);
    expect(await page.locator('#month-chart rect.bar.day').count()).toBe(31);
    expect(await page.locator('#month-chart rect.bar.gap').count()).toBe(1);
    expect(await page.locator('#profile-chart path.line').count()).toBe(2);
    expect(await page.locator('#top tr').count()).toBe(5);
    const p = await get<PowerView>(server.url, '/api/power6h');
    expect(await page.getAttribute('#power-chart', 'data-points')).toBe(String(p.points.length));
    expect(await page.locator('#power-chart path.line').count()).toBe(1);
    // One request per panel.
    for (const path of ['/api/cost', '/api/month', '/api/power6h']) {
      expect(
        requests.filter((r) => r === path),
        path,
      ).toHaveLength(1);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'cost.png'), fullPage: true });
    await ctx.close();
  });

  it('speaks Japanese and fits a phone', async () => {
    const ctx = await japanesePhone(browser);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#cost-cards[data-ready]');
    await page.waitForSelector('#month-chart[data-ready]');
    expect(await page.textContent('#cost-cards h2')).toBe('今期（検針期間）の電気代');
    expect(await page.textContent('#period-unit')).toBe('円');
    expect(await page.textContent('#month-title')).toBe('直近31日の電気代');
    expect(await page.textContent('#top-title')).toBe('電気代が高かった30分');
    const overflow = await page.evaluate<number>(OVERFLOW_JS);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'cost-phone-ja.png'), fullPage: true });
    await ctx.close();
  });

  it('without a tariff: kWh only, the largest half hours', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${bare.url}/`);
    await page.waitForSelector('#cost-cards[data-ready]');
    await page.waitForSelector('#month-chart[data-ready]');
    const c = await get<CostView>(bare.url, '/api/cost');
    expect(c.tariff).toBeNull();
    expect(await page.textContent('#period-unit')).toBe('kWh');
    expect(await page.getAttribute('#period-main', 'data-value')).toBe(String(c.soFar.kwh));
    expect(await page.textContent('#top-title')).toBe('Largest half hours');
    expect(await page.isHidden('#top-yen-head')).toBe(true);
    await ctx.close();
  });
});
