/**
 * /healthz and hems_session_up follow the link state at once (issue 14 §1): a session the meter
 * ends, or a port that closes, shows as down within a second, not at the next reading (an
 * hour away here). The emulator runs in this process so the test can end the session itself;
 * the collector is the built CLI over tcp://.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Emulator } from '../../src/emulator/index.js';
import { type CliRun, startCli, tempDir } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';
import { CREDS, ID, liveArgs, PASSWORD } from './harness.js';

interface Health {
  code: number;
  state: string;
}

async function health(port: number): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  const body = (await res.json()) as { state: string };
  return { code: res.status, state: body.state };
}

async function sessionUpMetric(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^hems_session_up (\d)/m.exec(text);
  return Number(m?.[1]);
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start(): Promise<{ emu: Emulator; run: CliRun; http: number }> {
  const emu = new Emulator({ latencyScale: 0, routeBId: ID, password: PASSWORD, timezone: 'Asia/Tokyo' });
  const server = await emu.listen('127.0.0.1', 0);
  const http = await freePort();
  const args = liveArgs(`tcp://127.0.0.1:${server.port}`, join(tempDir(), 'state'), '-i', '3600');
  const run = startCli([...args, '--http', `127.0.0.1:${http}`], { env: CREDS });
  cleanup.push(async () => {
    await run.stop();
    await server.close();
    await emu.close();
  });
  await run.until(() => run.stdout().includes('instant_power_w'), 'the first reading');
  await until(async () => (await health(http)).code === 200, '/healthz 200');
  return { emu, run, http };
}

describe('/healthz follows the link state at once', () => {
  it('the meter ends the session (EVENT 26): 503 and hems_session_up 0 within a second', async () => {
    const { emu, http } = await start();
    expect(await sessionUpMetric(http)).toBe(1);
    emu.terminateSession();
    await until(async () => (await health(http)).code === 503, '/healthz 503 after EVENT 26', { ms: 1_000 });
    expect((await health(http)).state).toBe('ready');
    expect(await sessionUpMetric(http)).toBe(0);
  });

  it('the dongle goes away (port closed): 503 within a second', async () => {
    const { emu, http } = await start();
    emu.unplug();
    await until(async () => (await health(http)).code === 503, '/healthz 503 after the unplug', {
      ms: 1_000,
    });
    expect((await health(http)).state).toMatch(/^(closed|opening|backing-off)$/);
  });
});
