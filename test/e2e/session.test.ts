/**
 * The scan cache through the CLI (issue 4): `scan` prints and saves the meter, and a start with
 * a cached scan joins without SKSCAN.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOnce, startCli, tempDir } from '../support/cli.js';
import { CREDS, expectRecord, lineCount, liveArgs, liveReadings, type Sim, startSim } from './harness.js';

const METER = '001C6400036E8CF5';

describe('scan cache through the CLI', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim(['--dongle', 'RL7023-DSS'], CREDS);
  });
  afterAll(async () => {
    expect(await sim.run.stop()).toBe(0);
  });

  const collect = (stateDir: string) => startCli(liveArgs(sim.url, stateDir, '--debug'), { env: CREDS });

  it('`scan` prints the meter line with the options that skip the scan, and saves it', async () => {
    const state = join(tempDir(), 'state');
    const r = await runCliOnce(['scan', '--port', sim.url, '--state-dir', state], { env: CREDS });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^Channel:([0-9A-F]{2}) Pan ID:([0-9A-F]{4}) Addr:${METER} LQI:[0-9A-F]{2} {2}--meter-channel \\1 --meter-panid \\2 --meter-ipv6 FE80:0000:0000:0000:021C:6400:036E:8CF5$`,
      ),
    );
    const saved = JSON.parse(readFileSync(join(state, 'scan.json'), 'utf8')) as Record<string, unknown>;
    const [, ch, pan] = /Channel:(\w+) Pan ID:(\w+)/.exec(lines[0]!)!;
    expect(saved).toMatchObject({
      addr: METER,
      channel: Number.parseInt(ch!, 16),
      panId: Number.parseInt(pan!, 16),
    });

    // The collector started on that state dir joins without scanning.
    const run = collect(state);
    await run.until(() => lineCount(run) >= 1, 'a reading');
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).not.toMatch(/> SKSCAN/);
    expect(run.stderr()).toMatch(/> SKJOIN FE80:0000:0000:0000:021C:6400:036E:8CF5/);
  });

  it('the first start scans and saves; the second start with the same --state-dir does not scan', async () => {
    const state = join(tempDir(), 'state');
    const cold = collect(state);
    await cold.until(() => lineCount(cold) >= 1, 'the first reading (cold)');
    expect(await cold.stop()).toBe(0);
    expect(cold.stderr()).toMatch(/> SKSCAN 2 FFFFFFFF \d+ 0/);
    expect(cold.stderr()).toMatch(/scan \(duration \d+\) found 1 PAN/);
    expect(existsSync(join(state, 'scan.json'))).toBe(true);

    const warm = collect(state);
    await warm.until(() => lineCount(warm) >= 1, 'the first reading (warm)');
    expect(await warm.stop()).toBe(0);
    expect(warm.stderr()).not.toMatch(/SKSCAN|scan \(duration/);
    expect(warm.stderr()).toMatch(/PANA session up/);
    for (const r of liveReadings(warm.stdout())) expectRecord(r);
  });
});
