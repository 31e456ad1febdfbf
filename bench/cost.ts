/**
 * What the cost panels cost (not a test): `node --import tsx bench/cost.ts`. Seeds a store with
 * 62 days of half hours (a solar home), then times /api/cost, /api/month and /api/power6h as the
 * HTTP server computes them, cold (first request: the store is read) and warm (a later poll).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCostViews } from '../src/http/cost.js';
import { openStore } from '../src/store/store.js';
import { parseTariff } from '../src/tariff/parse.js';
import { localWallTimeToUtc } from '../src/time/zone.js';
import { seedStore } from '../test/support/seed.js';

const TZ = 'Asia/Tokyo';
const dir = await mkdtemp(join(tmpdir(), 'hems-bench-cost-'));
try {
  const parsed = parseTariff(
    await readFile(join(import.meta.dirname, '..', 'examples', 'tariff-time-of-use.yaml'), 'utf8'),
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  let now = localWallTimeToUtc(2026, 5, 28, 20, 0, 0, TZ);
  const seeded = seedStore(dir, { tz: TZ, fromMs: now - 62 * 86_400_000, toMs: now, solar: true });
  const store = openStore({ dir, readonly: true });
  const views = createCostViews({ store, tariff: parsed.tariff, timezone: TZ, now: () => now });
  const time = (what: string, fn: () => unknown): void => {
    const t = performance.now();
    fn();
    console.log(`${what.padEnd(24)} ${(performance.now() - t).toFixed(1)} ms`);
  };
  console.log(`store: ${seeded.readings} readings over 62 days`);
  time('/api/cost, cold', views.cost);
  time('/api/month, cold', views.month);
  time('/api/power6h, cold', views.power6h);
  // Later polls, a minute apart (past the answers' memo): the median of 20.
  const median = (fn: () => unknown): number => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      now += 60_000;
      const t = performance.now();
      fn();
      ms.push(performance.now() - t);
    }
    return ms.sort((x, y) => x - y)[10]!;
  };
  for (const [what, fn] of [
    ['/api/cost, warm', views.cost],
    ['/api/month, warm', views.month],
    ['/api/power6h, warm', views.power6h],
  ] as const) {
    console.log(`${what.padEnd(24)} ${median(fn).toFixed(1)} ms (median of 20 polls)`);
  }
  store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
