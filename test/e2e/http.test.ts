/**
 * `--http` through the built CLI (issues 9 and 11): metrics, health, read-only, the dashboard in
 * headless Chromium, and a 503 while the emulator refuses every join.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { type CliRun, ROOT, startCli, tempDir } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { awayFromMidnight } from '../support/time-zone.js';
import { until } from '../support/wait.js';
import { CREDS, liveReadings, type Rec, type Sim, startSim } from './harness.js';

interface HalfHourDay {
  stored: number;
}

async function startWithHttp(port: string, extra: string[] = []): Promise<{ run: CliRun; base: string }> {
  const httpPort = await freePort();
  const run = startCli(
    [
      '--port',
      port,
      '--mode',
      'interval',
      '-i',
      '1',
      '-o',
      'stdout',
      '--http',
      `127.0.0.1:${httpPort}`,
      '--state-dir',
      `${tempDir()}/state`,
      ...extra,
    ],
    // The history backfill waits out the minutes around midnight: run where it is not midnight.
    { env: { ...CREDS, LOCAL_TIMEZONE: awayFromMidnight() } },
  );
  await run.until(() => /HTTP server on http:\/\/127\.0\.0\.1:\d+/.test(run.stderr()), 'the HTTP server');
  return { run, base: `http://127.0.0.1:${httpPort}` };
}

const latest = (run: CliRun): Rec | undefined => liveReadings(run.stdout()).at(-1);

describe('--http with --port sim (default backfill)', () => {
  let run: CliRun;
  let base: string;
  beforeAll(async () => {
    ({ run, base } = await startWithHttp('sim'));
    await run.until(() => liveReadings(run.stdout()).length >= 2, 'two readings');
  });
  afterAll(async () => {
    expect(await run.stop()).toBe(0);
  });

  it('/metrics: readings counted, instantaneous power equal to the latest reading on stdout', async () => {
    let text = '';
    let last: Rec | undefined;
    // A reading may land between the scrape and the look at stdout: retry until they agree.
    await until(async () => {
      text = await (await fetch(`${base}/metrics`)).text();
      last = latest(run);
      const count = Number(/^hems_readings_total (\d+)$/m.exec(text)?.[1] ?? 0);
      return count >= 1 && count === liveReadings(run.stdout()).length;
    }, 'metrics matching stdout');
    expect(text).toMatch(/^# TYPE hems_readings_total counter$/m);
    expect(text).toMatch(
      new RegExp(`^hems_instant_power_watts\\{meter="[0-9A-F]{16}"\\} ${last!.instant_power_w}$`, 'm'),
    );
    expect(text).toContain('hems_session_up 1');
  });

  it('/healthz: 200 with a small JSON body while readings are fresh', async () => {
    // Asked right after a reading (fresh means within two intervals: 2 s, short on a busy machine).
    const seen = liveReadings(run.stdout()).length;
    await run.until(() => liveReadings(run.stdout()).length > seen, 'the next reading');
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', state: 'up' });
  });

  it('read-only: POST, PUT and DELETE → 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const path of ['/healthz', '/metrics', '/']) {
        const res = await fetch(`${base}${path}`, { method, body: method === 'DELETE' ? null : '{}' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
  });

  it('dashboard in Chromium: live power equals the latest reading, one bar per stored half hour', async () => {
    // The backfill (7 days by default) must have reached today before the bars are counted.
    await run.until(
      () => /backfilled \d+ half-hour slot\(s\) of day 0/.test(run.stderr()),
      'the backfill of today',
      30_000,
    );
    // The backfill said how far it was, and /api/latest (the dashboard's line) says it is done.
    expect(run.stderr()).toMatch(/recovering history: \d+ day\(s\) left/);
    await until(
      async () =>
        ((await (await fetch(`${base}/api/latest`)).json()) as { history: { daysLeft: number | null } })
          .history.daysLeft === 0,
      'the backfill to be done',
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) external.push(r.url());
      });
      await page.goto(`${base}/`);
      await page.waitForSelector('#power:not([data-value=""])');
      await until(
        async () =>
          (await page.getAttribute('#power', 'data-value')) === String(latest(run)?.instant_power_w),
        'the page to show the latest reading',
      );
      const api = (await (await fetch(`${base}/api/latest`)).json()) as { today: string; yesterday: string };
      await page.waitForSelector(`#chart[data-ready="${api.today}"]`);
      const day = async (d: string) =>
        ((await (await fetch(`${base}/api/halfhours?date=${d}`)).json()) as HalfHourDay).stored;
      const today = await day(api.today);
      const yesterday = await day(api.yesterday);
      expect(yesterday).toBe(48);
      expect(await page.locator('#chart rect.bar.today').count()).toBe(today);
      expect(await page.locator('#chart rect.bar.yesterday').count()).toBe(yesterday);
      expect(await page.locator('#chart rect.bar').count()).toBe(today + yesterday);
      expect(external).toEqual([]);
      const dir = join(ROOT, 'test-artifacts');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'dashboard-cli.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('--http while the emulator refuses every join', () => {
  let sim: Sim;
  let run: CliRun;
  afterAll(async () => {
    await run?.stop('SIGKILL');
    await sim?.run.stop();
  });

  it('/healthz → 503 with a reason; /metrics shows the session down', async () => {
    sim = await startSim(['--fault-join-failures', '1000'], CREDS);
    let base: string;
    ({ run, base } = await startWithHttp(sim.url, ['--backfill-days', '0']));
    await run.until(() => /PANA join failed \(1 in a row\)/.test(run.stderr()), 'a failed join');
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; reason: string; lastReadingAt: string | null };
    expect(body.status).toBe('fail');
    expect(body.reason).toMatch(/session not up/);
    expect(body.lastReadingAt).toBeNull();
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('hems_session_up 0');
    expect(text).toMatch(/^hems_readings_total 0$/m);
    expect(run.stdout()).toBe('');
  });
});
