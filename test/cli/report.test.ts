/**
 * `report` through the built CLI against a seeded store: May 2026 in Tokyo, one day recovered by
 * backfill, six hours never stored, the collector's store held open by a writer meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { priceHalfHours } from '../../src/tariff/bill.js';
import { storedBetween } from '../../src/tariff/profile.js';
import { runCliOnce, tempDir } from '../support/cli.js';
import { seedStore } from '../support/seed.js';
import { jst, TIERED, TZ, tariffOf } from '../tariff/helpers.js';

const ENV = { LOCAL_TIMEZONE: TZ };

describe('report', () => {
  const dir = tempDir('hems-report-');
  const state = join(dir, 'state');
  const tariffPath = join(dir, 'tariff.yaml');
  let slots: Map<number, number>;

  beforeAll(() => {
    writeFileSync(tariffPath, TIERED);
    ({ slots } = seedStore(state, {
      tz: TZ,
      fromMs: jst(2026, 4, 28),
      toMs: jst(2026, 6, 2),
      backfill: [[jst(2026, 5, 12), jst(2026, 5, 13)]],
      gaps: [[jst(2026, 5, 20, 6), jst(2026, 5, 20, 12)]],
    }));
  });

  const may = () => storedBetween(slots, jst(2026, 5, 1), jst(2026, 6, 1));
  const sumOf = (list: { kwh: number }[]) => Math.round(list.reduce((a, h) => a + h.kwh, 0) * 1e4) / 1e4;

  it('json: every day of the period, the bill, the backfilled day counted, the gap named', async () => {
    const writer = openStore({ dir: state }); // the collector keeps the database open
    try {
      const r = await runCliOnce(
        ['report', '--month', '2026-05', '--tariff', tariffPath, '-f', 'json', '--state-dir', state],
        { env: ENV },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const body = JSON.parse(r.stdout);
      expect(body.period).toEqual({ label: '2026-05', start: '2026-05-01', last: '2026-05-31' });
      expect(body.days).toHaveLength(31);
      expect(body.total).toMatchObject({
        kwh: sumOf(may()),
        half_hours: 1488,
        stored_half_hours: 1488 - 12,
        missing_half_hours: 12,
      });
      const expected = priceHalfHours(tariffOf(TIERED), '2026-05', may(), TZ).bill;
      expect(body.total.bill).toEqual(expected);
      const day12 = body.days[11];
      const day12Slots = storedBetween(slots, jst(2026, 5, 12), jst(2026, 5, 13));
      expect(day12Slots).toHaveLength(48);
      expect(day12).toMatchObject({ date: '2026-05-12', kwh: sumOf(day12Slots), missing_half_hours: 0 });
      expect(body.days[19]).toMatchObject({ date: '2026-05-20', missing_half_hours: 12 });
      expect(body.notes).toEqual([
        '12 half hour(s) missing (nothing stored for them): kWh and costs are those of the half hours present',
      ]);
      expect(body.forecast).toBeNull();
    } finally {
      writer.close();
    }
  });

  it('text and csv: a line per day, the total, the note about the gap', async () => {
    const text = await runCliOnce(
      ['report', '--month', '2026-05', '--tariff', tariffPath, '--state-dir', state],
      {
        env: ENV,
      },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Billing period 2026-05: 2026-05-01 to 2026-05-31 \(Asia\/Tokyo\), tariff: B$/m,
    );
    expect(text.stdout).toMatch(/^2026-05-20 +[\d.]+ +[\d.]+ +12 half hour\(s\) missing$/m);
    expect(text.stdout).toMatch(/^ {2}total \(rounded: floor\) +JPY \d+$/m);
    expect(text.stdout).toContain('Note: 12 half hour(s) missing');
    const csv = await runCliOnce(['report', '--month', '2026-05', '-f', 'csv', '--state-dir', state], {
      env: { ...ENV, TARIFF_FILE: tariffPath },
    });
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('date,kwh,yen,missing_half_hours,exported_kwh');
    expect(rows).toHaveLength(1 + 31 + 1);
    expect(rows[20]).toMatch(/^2026-05-20,[\d.]+,[\d.]+,12,$/);
    const bill = priceHalfHours(tariffOf(TIERED), '2026-05', may(), TZ).bill;
    expect(rows.at(-1)).toBe(`total,${sumOf(may())},${bill.totalYen},12,`);
  });

  it('kWh only without a tariff, and says so', async () => {
    const r = await runCliOnce(['report', '--month', '2026-05', '-f', 'json', '--state-dir', state], {
      env: ENV,
    });
    const body = JSON.parse(r.stdout);
    expect(body.total.bill).toBeNull();
    expect(body.days[0].yen).toBeNull();
    expect(body.notes).toContain('no tariff file (--tariff / TARIFF_FILE): kWh only');
  });

  it('bad options and a bad tariff file: one line each, exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['--month', '2026-13'],
        'error: --month must be YYYY-MM, e.g. 2026-05, got "2026-13" [INPUT_INVALID]\n',
      ],
      [['--period', 'next'], 'error: --period must be current or previous, got "next" [INPUT_INVALID]\n'],
      [
        ['--month', '2026-05', '--period', 'current'],
        'error: give --month or --period, not both [INPUT_INVALID]\n',
      ],
      [['-f', 'yaml'], 'error: --format must be text, json or csv, got "yaml" [INPUT_INVALID]\n'],
    ];
    for (const [args, err] of cases) {
      const r = await runCliOnce(['report', ...args, '--state-dir', state], { env: ENV });
      expect(r, args.join(' ')).toMatchObject({ code: 2, stderr: err, stdout: '' });
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'basic_charge: { yen: -1 }\nenergy: { tiers: [{ up_to_kwh: 120 }] }\n');
    const r = await runCliOnce(['report', '--tariff', bad, '--state-dir', state], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `error: --tariff: ${bad}: basic_charge.yen: must be between 0 and 1000000 (got -1)`,
        `error: --tariff: ${bad}: energy.tiers[0].yen_per_kwh: missing: needs a price in yen per kWh`,
        `error: --tariff: ${bad}: energy.tiers[0].up_to_kwh: the last tier has no limit: remove up_to_kwh`,
        '',
      ].join('\n'),
    );
    const missing = await runCliOnce(['report', '--state-dir', state], {
      env: { ...ENV, TARIFF_FILE: join(dir, 'nope.yaml') },
    });
    expect(missing).toMatchObject({
      code: 2,
      stderr: `error: TARIFF_FILE: ${join(dir, 'nope.yaml')} does not exist\n`,
    });
  });

  it('the current period: days so far and a forecast for its end', async () => {
    // The CLI's "now" is the real clock: a history of 30 days up to now.
    const live = join(dir, 'live');
    const now = Date.now();
    const end = now - (now % (30 * 60_000));
    seedStore(live, { tz: TZ, fromMs: end - 30 * 86_400_000, toMs: end });
    const r = await runCliOnce(['report', '-f', 'json', '--tariff', tariffPath, '--state-dir', live], {
      env: ENV,
    });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.forecast.kwh).toBeGreaterThan(body.total.kwh);
    expect(body.forecast.yen).toBeGreaterThanOrEqual(body.total.bill.totalYen);
    expect(body.days.at(-1).date <= body.period.last).toBe(true);
  });
});
