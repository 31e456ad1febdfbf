/**
 * Backfill versus live readings (issue 15 §3; not a test; run by `npm run bench` after the
 * build). The built collector reads every 3 s for 50 s from `simulate` on a lossy radio (every
 * third answer lost), once without backfill and once on a first start with the 7-day backfill:
 * the live counts should match within one, and the backfill should complete, each half hour once.
 *   node --import tsx bench/idle-backfill.ts [--scale 0.05] [--seconds 50]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimIn } from '../test/support/sim-pty.js';
import { spawnCli } from '../test/support/spawn-cli.js';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '0.05' }, seconds: { type: 'string', default: '50' } },
});
const scale = values.scale;
const seconds = Number(values.seconds);
const env = {
  B_ROUTE_ID: '00112233445566778899AABBCCDDEEFF',
  B_ROUTE_PASSWORD: 'ABCDEFGHIJKL',
  // Backfill waits out the minutes around midnight; UTC keeps the run clear of Tokyo's.
  LOCAL_TIMEZONE: new Date().getUTCHours() % 23 === 0 ? 'Asia/Tokyo' : 'UTC',
  HEMS_TIMING_SCALE: scale,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(backfillDays: number): Promise<{ live: number; slots: string[]; recovered: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'hems-bench-idle-'));
  // The later --latency-scale wins over startSimIn's 0.
  const sim = await startSimIn(dir, ['--latency-scale', scale, '--fault-drop-every', '3'], env);
  try {
    const args = ['--port', sim.url, '-o', 'stdout', '--mode', 'interval', '-i', '3'];
    const state = ['--state-dir', join(dir, 'state')];
    const c = spawnCli([...args, '--backfill-days', String(backfillDays), ...state], { cwd: dir, env });
    await sleep(seconds * 1000);
    await c.stop();
    const records = c
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return {
      live: records.filter((r) => r.backfill !== true).length,
      slots: records.filter((r) => r.backfill === true).map((r) => String(r.recent_30min_timestamp)),
      recovered: /history recovered/.test(c.stderr()),
    };
  } finally {
    await sim.run.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const without = await run(0);
const withBackfill = await run(7);
const once = new Set(withBackfill.slots).size === withBackfill.slots.length;
console.log(
  `live readings in ${seconds} s every 3 s, every third answer lost (scale ${scale}): ` +
    `${without.live} without backfill, ${withBackfill.live} with a 7-day backfill ` +
    `(${withBackfill.recovered ? 'completed' : 'NOT completed'}: ${withBackfill.slots.length} half hours, ` +
    `${once ? 'each once' : 'SOME TWICE'})`,
);
