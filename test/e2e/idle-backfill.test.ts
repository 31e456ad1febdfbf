/**
 * Backfill never delays a live reading (issue 15 §3): on a lossy radio (every third answer
 * lost) with readings every 3 s, the first start's 7-day backfill runs in the idle radio time
 * between readings — no reading overruns its slot — and still completes, every half hour once.
 * Compressed time: the emulator's radio and the collector's reply waits at 0.05 of real.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.js';
import { awayFromMidnight } from '../support/time-zone.js';
import { CREDS, jsonLines, type Sim, startSim } from './harness.js';

const SCALE = '0.05';
const RUN_MS = 24_000;
const INTERVAL_S = 3;

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.run.stop();
  sim = null;
});

describe('backfill in the idle radio time', () => {
  it('a 7-day backfill on a lossy radio: every live reading on time, every half hour exactly once', async () => {
    const zone = { LOCAL_TIMEZONE: awayFromMidnight() };
    sim = await startSim(['--latency-scale', SCALE, '--fault-drop-every', '3'], { ...CREDS, ...zone });
    const state = join(tempDir(), 'state');
    const run = startCli(
      [
        '--port',
        sim.url,
        '-o',
        'stdout',
        '--mode',
        'interval',
        '-i',
        String(INTERVAL_S),
        '--state-dir',
        state,
      ],
      { env: { ...CREDS, ...zone, HEMS_TIMING_SCALE: SCALE } },
    );
    await run.until(() => run.stdout().includes('instant_power_w'), 'the first reading');
    const started = Date.now();
    await run.until(() => Date.now() - started >= RUN_MS, 'the run', RUN_MS + 5_000);
    expect(await run.stop()).toBe(0);

    const records = jsonLines(run.stdout());
    const live = records.filter((r) => r.backfill !== true);
    const backfilled = records.filter((r) => r.backfill === true);
    // A reading at once and every 3 s after it: none skipped, none late enough to lose a slot.
    expect(live.length).toBeGreaterThanOrEqual(Math.floor(RUN_MS / 1000 / INTERVAL_S));
    expect(run.stderr()).not.toMatch(/reading overran its slot/);
    // The backfill finished: it said so, and no half hour came out twice.
    expect(run.stderr()).toMatch(/history recovered/);
    expect(run.stderr()).toMatch(/recovering history: \d+ day\(s\) left/);
    const slots = backfilled.map((r) => String(r.recent_30min_timestamp));
    expect(new Set(slots).size).toBe(slots.length);
    // Seven days of half hours (less the ones the live readings cover, and the latest ones).
    expect(slots.length).toBeGreaterThan(6 * 48);
  });
});
