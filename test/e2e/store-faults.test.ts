/**
 * Store faults through the built CLI (issue 16): the faults are real — garbage bytes in hems.db,
 * a state dir that cannot be created, SQLite's own SQLITE_FULL, the file unlinked while running,
 * a stored reading overwritten with text that is not a record — and `export` is the ground truth
 * of what reached the history.
 */
import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { launchChromium } from '../support/browser.js';
import { runCliOnce, startCli, tempDir } from '../support/cli.js';
import { startHookServer } from '../support/http-server.js';
import { freePort } from '../support/net.js';
import { awayFromMidnight } from '../support/time-zone.js';
import { until } from '../support/wait.js';
import { jsonLines, liveArgs, stderrLines, stdoutLines } from './harness.js';

/** Stored readings as JSON lines, and what export said. */
async function exported(stateDir: string): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const r = await runCliOnce(['export', '--state-dir', stateDir]);
  return { code: r.code, lines: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

const sorted = (xs: string[]): string[] => [...xs].sort();

describe.concurrent('store faults through the built CLI', () => {
  it('a corrupt hems.db at start: moved aside (kept as it was), a new one started, readings stored', async ({
    expect,
  }) => {
    const state = join(tempDir(), 'state');
    await mkdir(state);
    const garbage = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919 + 13) % 256));
    writeFileSync(join(state, 'hems.db'), garbage);
    const run = startCli(liveArgs('sim', state));
    try {
      await run.until(() => stdoutLines(run).length >= 3, 'three readings');
      expect(await run.stop()).toBe(0);
      const said = stderrLines(run, /hems\.db/);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        /WARN .*\/state\/hems\.db is damaged \(not an SQLite database: wrong file header\): moved it to \S+\/state\/hems\.db\.corrupt-\d{8}T\d{6}Z and started a new database/,
      );
      const aside = readdirSync(state).filter((f) => f.startsWith('hems.db.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(state, aside[0]!))).toEqual(garbage);
      const out = await exported(state);
      expect(out.code).toBe(0);
      expect(out.lines).toEqual(stdoutLines(run));
    } finally {
      await run.stop();
    }
  });

  it('a state dir that cannot be created: readings still printed, one line, health and dashboard say so; stored once fixed', async ({
    expect,
  }) => {
    // The state dir's parent is a regular file, so mkdir fails with ENOTDIR — for root as well
    // (permission bits do not stop root, a path through a file stops everyone), and replacing
    // the file with a directory is the operator's fix, done while the collector runs.
    const base = tempDir();
    const blocker = join(base, 'blocker');
    writeFileSync(blocker, 'a file where a directory should be');
    const state = join(blocker, 'state');
    const httpPort = await freePort();
    const run = startCli(liveArgs('sim', state, '--http', `127.0.0.1:${httpPort}`));
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      await run.until(() => stdoutLines(run).length >= 3, 'three readings printed with no store');
      const said = stderrLines(run, /store unavailable/);
      expect(said, run.stderr()).toHaveLength(1);
      expect(said[0]).toMatch(
        /ERROR \[hems:store\] store unavailable: cannot write \S+\/blocker\/state\/hems\.db \(ENOTDIR: not a directory.*\): make \S+\/blocker\/state a directory the collector's user can write .*or choose another --state-dir/,
      );
      expect(run.stderr()).not.toMatch(/could not store reading/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'fail',
        reason: expect.stringMatching(/^store unavailable: cannot write \S+hems\.db \(ENOTDIR/),
        store: { up: false },
      });
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^hems_store_up 0$/m);
      // The panels computed from the store say why they have nothing.
      const cost = await fetch(`${url}/api/cost`);
      expect(cost.status).toBe(503);
      expect(await cost.json()).toMatchObject({ error: 'store unavailable' });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ locale: 'en-US' });
        await page.goto(`${url}/`);
        await page.waitForSelector('#banner:not([hidden])');
        expect(await page.textContent('#problems')).toMatch(/^Store unavailable \(cannot write .*hems\.db/);
      } finally {
        await browser.close();
      }

      rmSync(blocker);
      await mkdir(blocker);
      await run.until(() => /held in memory are now stored/.test(run.stderr()), 'the held readings stored');
      const printedBefore = stdoutLines(run).length;
      await run.until(() => stdoutLines(run).length >= printedBefore + 1, 'one more reading');
      await until(async () => (await fetch(`${url}/healthz`)).status === 200, '/healthz back to 200');
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^hems_store_up 1$/m);
      expect(await run.stop()).toBe(0);
      const out = await exported(state);
      expect(out.code).toBe(0);
      expect(out.lines).toEqual(stdoutLines(run));
      expect(stderrLines(run, /store unavailable/), run.stderr()).toHaveLength(1);
    } finally {
      await run.stop();
    }
  });

  it('the disk full mid-run: every reading printed reaches the history once there is room; backfill reads each slot once', async ({
    expect,
  }) => {
    const state = join(tempDir(), 'state');
    openStore({ dir: state }).close();
    const raw = new Database(join(state, 'hems.db'));
    raw.pragma('busy_timeout = 5000');
    raw.exec('CREATE TABLE filler (b BLOB)');
    raw.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(300_000));
    const pages = raw.pragma('page_count', { simple: true }) as number;
    // HEMS_TEST_STORE_MAX_PAGES (test-only) sets SQLite's max_page_count on the collector's
    // connection: past it SQLite answers SQLITE_FULL, the same error as a full disk.
    const run = startCli(liveArgs('sim', state, '--backfill-days', '1'), {
      env: { HEMS_TEST_STORE_MAX_PAGES: String(pages + 2), LOCAL_TIMEZONE: awayFromMidnight() },
    });
    try {
      await run.until(() => /store unavailable: disk full at/.test(run.stderr()), 'the disk to fill up');
      await run.until(
        () => /recovered \d+ half-hour slot/.test(run.stderr()),
        'a backfill while full',
        30_000,
      );
      const printed = stdoutLines(run).length;
      // Several more cycles: a backfill that forgot what it sent would print the slots again.
      await run.until(() => stdoutLines(run).length >= printed + 4, 'four more readings while full');
      raw.exec('DROP TABLE filler'); // space is freed
      await run.until(() => /held in memory are now stored/.test(run.stderr()), 'the held readings stored');
      const after = stdoutLines(run).length;
      await run.until(() => stdoutLines(run).length >= after + 1, 'one more reading');
      expect(await run.stop()).toBe(0);
      expect(stderrLines(run, /store unavailable/)).toHaveLength(1);
      const printedLines = stdoutLines(run);
      const backfilled = jsonLines(run.stdout()).filter((r) => r.backfill === true);
      expect(backfilled.length).toBeGreaterThan(0);
      expect(new Set(backfilled.map((r) => r.timestamp)).size).toBe(backfilled.length);
      expect(new Set(printedLines).size).toBe(printedLines.length);
      const out = await exported(state);
      expect(out.code).toBe(0);
      expect(sorted(out.lines)).toEqual(sorted(printedLines));
    } finally {
      await run.stop();
      raw.close();
    }
  });

  it('the database deleted while running: one warning, a new file, later readings stored there', async ({
    expect,
  }) => {
    const state = join(tempDir(), 'state');
    const run = startCli(liveArgs('sim', state));
    try {
      await run.until(() => stdoutLines(run).length >= 3, 'three readings');
      const before = stdoutLines(run).length;
      unlinkSync(join(state, 'hems.db'));
      await run.until(() => /was deleted while running/.test(run.stderr()), 'the deletion noticed');
      await run.until(() => stdoutLines(run).length >= before + 3, 'three more readings');
      expect(await run.stop()).toBe(0);
      const said = stderrLines(run, /hems\.db/);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        /WARN .*\/state\/hems\.db was deleted while running: starting a new database there/,
      );
      const printed = stdoutLines(run);
      const out = await exported(state);
      expect(out.code).toBe(0);
      // The readings stored after the deletion: those printed from then on (give or take the
      // one in flight while the file was unlinked).
      expect(out.lines).toEqual(printed.slice(printed.length - out.lines.length));
      expect(out.lines.length).toBeGreaterThanOrEqual(printed.length - before - 1);
      expect(out.lines.length).toBeLessThanOrEqual(printed.length - before + 1);
    } finally {
      await run.stop();
    }
  });

  it('an outbox row that cannot be decoded is set aside once; the webhook gets the rest; counted in /metrics', async ({
    expect,
  }) => {
    const state = join(tempDir(), 'state');
    const port = await freePort();
    const webhook = (extra: string[] = []) =>
      startCli([
        ...['--port', 'sim', '--mode', 'interval', '-i', '1', '--backfill-days', '0', '--state-dir', state],
        ...['-o', 'webhook', '--webhook-url', `http://127.0.0.1:${port}/hook`, ...extra],
      ]);
    const first = webhook();
    await first.until(
      () => (first.stderr().match(/\[hems\] reading \S+: /g) ?? []).length >= 4,
      'four readings',
    );
    expect(await first.stop()).toBe(0);
    // A second connection damages one stored reading that the webhook still waits for.
    const raw = new Database(join(state, 'hems.db'));
    const waiting = raw
      .prepare("SELECT reading_id AS id FROM outbox WHERE output = 'webhook' ORDER BY seq")
      .all() as {
      id: string;
    }[];
    expect(waiting.length).toBeGreaterThanOrEqual(4);
    const bad = waiting[1]!.id;
    raw.prepare('UPDATE readings SET payload = ? WHERE id = ?').run('{"id": "half a record', bad);
    raw.close();

    const hook = await startHookServer(port);
    const httpPort = await freePort();
    const second = webhook(['--http', `127.0.0.1:${httpPort}`]);
    try {
      await hook.waitFor((s) => s.accepted.length >= waiting.length + 1, 25_000);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(metrics).toMatch(/^hems_outbox_dead_letters_total\{output="webhook"\} 1$/m);
      expect(metrics).toMatch(/^hems_output_failing\{output="webhook"\} 0$/m);
      const view = (await (await fetch(`http://127.0.0.1:${httpPort}/api/latest`)).json()) as {
        outputs: { name: string; deadLetters: number }[];
      };
      expect(view.outputs).toEqual([expect.objectContaining({ name: 'webhook', deadLetters: 1 })]);
      expect(await second.stop()).toBe(0);
      const said = stderrLines(second, /cannot be decoded/);
      expect(said, second.stderr()).toHaveLength(1);
      expect(said[0]).toMatch(
        new RegExp(
          `ERROR .*outbox for webhook: stored reading ${bad} cannot be decoded \\(not JSON.*set it aside`,
        ),
      );
      const ids = hook.accepted.map((r) => r.id);
      expect(ids).not.toContain(bad);
      expect(ids.slice(0, waiting.length - 1)).toEqual(waiting.map((w) => w.id).filter((id) => id !== bad));
      // export skips the damaged reading too, and says so.
      const out = await exported(state);
      expect(out.code).toBe(1);
      expect([...new Set(hook.accepted.map((r) => r.body))]).toEqual(out.lines);
    } finally {
      await second.stop();
      await hook.close();
    }
  });
});
