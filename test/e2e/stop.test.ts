/**
 * SIGTERM ends the collector promptly in every state of the link (issue 16 "Stopping"): the
 * unit's TimeoutStopSec is 30 s and systemd kills after it, so every dongle command and every
 * pause takes the stop request. Each case puts the built CLI into one state against `simulate`
 * and measures from the signal to the exit.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliRun, startCli, tempDir } from '../support/cli.js';
import { CREDS, liveArgs, type Sim, startSim } from './harness.js';

/** What the issue asks: well inside the unit's stop timeout. */
const STOP_BOUND_MS = 10_000;

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.run.stop();
  sim = null;
});

async function stopAndTime(run: CliRun): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const code = await run.stop('SIGTERM');
  return { code, ms: Date.now() - t0 };
}

function collector(port: string, extra: string[] = []): CliRun {
  return startCli(liveArgs(port, join(tempDir(), 'state'), '--debug', ...extra), { env: CREDS });
}

describe('SIGTERM stops the collector within 10 s in every link state', () => {
  it('while scanning (SKSCAN waiting for EVENT 22)', async () => {
    sim = await startSim(['--latency-scale', '1'], CREDS);
    const run = collector(sim.url);
    await run.until(() => /> SKSCAN /.test(run.stderr()), 'a scan');
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
    expect(run.stderr()).toMatch(/SIGTERM received; stopping/);
  });

  it('while joining (a join that fails only after ≈ 40 s)', async () => {
    sim = await startSim(['--latency-scale', '1', '--fault-join-failures', '3'], CREDS);
    // The emulated meter given, so no 9 s scan comes first.
    const run = collector(sim.url, [
      '--meter-channel',
      '27',
      '--meter-panid',
      '8CF5',
      '--meter-ipv6',
      'FE80:0000:0000:0000:021C:6400:036E:8CF5',
    ]);
    await run.until(() => /> SKJOIN /.test(run.stderr()), 'a join', 60_000);
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
  });

  it('while backing off after a failed join', async () => {
    sim = await startSim(['--fault-join-failures', '1'], CREDS);
    const run = collector(sim.url);
    await run.until(() => /PANA join failed/.test(run.stderr()), 'a failed join');
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
  });

  it('while waiting for a reply the meter never sends', async () => {
    sim = await startSim(['--fault-drop-responses', '100'], CREDS);
    const run = collector(sim.url);
    await run.until(() => /PANA session up/.test(run.stderr()) && /> SKSENDTO /.test(run.stderr()), 'a Get');
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
  });

  it('while retrying to open a port that is not there', async () => {
    const run = collector(join(tempDir(), 'ttyNOPE'));
    await run.until(() => /cannot open the dongle port \(try 1\)/.test(run.stderr()), 'an open retry');
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
  });

  it('between readings, with the session up (SKTERM is sent)', async () => {
    sim = await startSim([], CREDS);
    const run = collector(sim.url, ['-i', '3600']);
    await run.until(() => run.stdout().includes('instant_power_w'), 'a reading');
    const { code, ms } = await stopAndTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
    expect(run.stderr()).toMatch(/> SKTERM/);
  });
});
