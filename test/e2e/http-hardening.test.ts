/**
 * `--http` hardening through the built CLI (issue 16): a flood of silent connections starves
 * neither the file output nor /healthz, foreign Host names are refused (DNS rebinding), bad
 * dates are 400, and heavy half-hour queries over a big history leave /healthz answering.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, dayBounds, localDateOf } from '../../src/http/halfhours.js';
import { type CliRun, startCli, tempDir } from '../support/cli.js';
import { getFrom, openSilentSockets } from '../support/http-server.js';
import { freePort } from '../support/net.js';
import { seedReadings } from '../support/seed-store.js';
import { until } from '../support/wait.js';
import { CREDS } from './harness.js';

const runs: CliRun[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) expect(await run.stop()).toBe(0);
});

async function collector(
  httpPort: number,
  extra: string[],
  opts: { maxOpenFiles?: number; stateDir?: string } = {},
): Promise<CliRun> {
  const run = startCli(
    [
      '--port',
      'sim',
      '--mode',
      'interval',
      '--backfill-days',
      '0',
      '--state-dir',
      opts.stateDir ?? join(tempDir(), 'state'),
      '--http',
      `127.0.0.1:${httpPort}`,
      ...extra,
    ],
    { env: CREDS, ...(opts.maxOpenFiles ? { maxOpenFiles: opts.maxOpenFiles } : {}) },
  );
  runs.push(run);
  await run.until(() => run.stderr().includes('HTTP server on'), 'the HTTP server');
  return run;
}

const lines = (path: string): number => {
  try {
    return readFileSync(path, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

describe('--http hardening', () => {
  it('1000 silent connections starve neither the file output nor /healthz', async () => {
    const dir = tempDir();
    const file = join(dir, 'out.csv');
    const port = await freePort();
    // 256 descriptors: without a cap, 1000 sockets would take them all (EMFILE).
    const run = await collector(port, ['-i', '1', '-o', 'file', '--file', file], { maxOpenFiles: 256 });
    await until(() => lines(file) >= 2, 'a first record in the file', { ms: 30_000 });

    const flood = await openSilentSockets(port, 1000);
    try {
      const atFlood = lines(file);
      const health = await getFrom(port, '/healthz');
      expect(health.status).toBe(200);
      expect(readdirSync(`/proc/${run.child.pid}/fd`).length).toBeLessThan(160);
      await until(() => lines(file) >= atFlood + 2, 'records written during the flood', { ms: 30_000 });
      expect(run.stderr()).not.toContain('EMFILE');
    } finally {
      for (const sock of flood) sock.destroy();
    }
  });

  it('refuses a foreign Host name (DNS rebinding) unless --http-allow-host names it; bad dates are 400', async () => {
    const port = await freePort();
    const run = await collector(port, ['-i', '60', '--http-allow-host', 'hems.lan']);
    expect((await getFrom(port, '/api/latest', { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await getFrom(port, '/api/latest', { host: `hems.lan:${port}` })).status).toBe(200);
    const refused = await getFrom(port, '/api/latest', { host: `rebind.attacker.example:${port}` });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('reading');
    await run.until(() => run.stderr().includes('refused a request for host'), 'the warning');

    for (const date of ['9999-12-31', '0999-06-01']) {
      const res = await getFrom(port, `/api/halfhours?date=${date}`);
      expect(res.status, date).toBe(400);
    }
    expect(run.stderr()).not.toMatch(/WARN .*halfhours/);
  });

  it('answers /healthz while 20 heavy half-hour queries over ~100k stored readings run', async () => {
    const stateDir = join(tempDir(), 'state');
    // A recent day (older history would be pruned at start), one reading a second.
    const date = addDays(localDateOf(Date.now(), 'Asia/Tokyo'), -3);
    seedReadings(stateDir, dayBounds(date, 'Asia/Tokyo').startMs, 100_000);
    const port = await freePort();
    const run = await collector(port, ['-i', '3600'], { stateDir });
    await run.until(() => /\] reading \d{4}-/.test(run.stderr()), 'the first live reading');

    let answered = 0;
    let sent = 0;
    const heavy = Array.from({ length: 20 }, () =>
      getFrom(port, `/api/halfhours?date=${date}`, { sent: () => sent++ }).then((r) => {
        answered++;
        return r;
      }),
    );
    await until(() => sent === 20, 'the heavy requests to leave');
    const health = await getFrom(port, '/healthz');
    const answeredAtHealth = answered;
    const days = await Promise.all(heavy);
    expect(health.status).toBe(200);
    // Served between the pages of the heavy work, not after it.
    expect(answeredAtHealth).toBe(0);
    for (const d of days) {
      expect(d.status).toBe(200);
      expect((JSON.parse(d.body) as { stored: number }).stored).toBe(48);
    }
  });
});
