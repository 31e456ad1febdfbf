import { describe, expect, it } from 'vitest';
import type { OutputStats } from '../../src/http/deps.js';
import { createMetrics } from '../../src/http/metrics.js';
import type { Envelope } from '../../src/reading/record.js';
import type { SourceStatus } from '../../src/service/types.js';
import { env, METER, status } from './fakes.js';

const AT = Date.UTC(2024, 4, 1, 3, 0, 10);

/** The value of one sample line, e.g. sample(text, 'hems_outbox_depth{output="mqtt"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function rig(st: SourceStatus, latest: Envelope | null, outputs: Record<string, OutputStats> = {}) {
  return createMetrics({ status: () => st, latest: () => latest, outputs: () => outputs });
}

describe('metrics', () => {
  it('exposes the latest reading, session counters and per-output delivery figures', async () => {
    const st = status({
      lastReadingAt: AT,
      counters: {
        readings: 12,
        roundTrips: 15,
        timeouts: 2,
        rejoins: 1,
        scans: 1,
        txLimitPauses: 3,
        reopens: 4,
        moduleResets: 5,
      },
    });
    const reading = env(AT, {
      power: 1234,
      slotEndMs: Date.UTC(2024, 4, 1, 3, 0),
      slotKwh: 0.31,
      reverse: 55.5,
    });
    const m = rig(st, reading, {
      mqtt: {
        depth: 7,
        delivered: 100,
        failures: 5,
        dropped: 2,
        deadLetters: 0,
        lastError: 'ECONNREFUSED',
        failing: true,
      },
      file: {
        depth: 0,
        delivered: 12,
        failures: 0,
        dropped: 0,
        deadLetters: 0,
        lastError: null,
        failing: false,
      },
    });
    const text = await m.render();
    const meter = `meter="${METER}"`;
    expect(sample(text, `hems_instant_power_watts{${meter}}`)).toBe(1234);
    expect(sample(text, `hems_current_total_amperes{${meter}}`)).toBe(4.5);
    expect(sample(text, `hems_current_amperes{${meter},phase="r"}`)).toBe(3);
    expect(sample(text, `hems_current_amperes{${meter},phase="t"}`)).toBe(1.5);
    expect(sample(text, `hems_energy_cumulative_kwh{${meter}}`)).toBe(12345.6);
    expect(sample(text, `hems_energy_reverse_cumulative_kwh{${meter}}`)).toBe(55.5);
    expect(sample(text, `hems_energy_last_half_hour_kwh{${meter}}`)).toBe(0.31);
    expect(sample(text, `hems_energy_last_half_hour_end_timestamp_seconds{${meter}}`)).toBe(
      Date.UTC(2024, 4, 1, 3, 0) / 1000,
    );
    expect(sample(text, 'hems_last_reading_timestamp_seconds')).toBe(AT / 1000);
    expect(sample(text, 'hems_readings_total')).toBe(12);
    expect(sample(text, 'hems_radio_round_trips_total')).toBe(15);
    expect(sample(text, 'hems_timeouts_total')).toBe(2);
    expect(sample(text, 'hems_rejoins_total')).toBe(1);
    expect(sample(text, 'hems_scans_total')).toBe(1);
    expect(sample(text, 'hems_tx_limit_pauses_total')).toBe(3);
    expect(sample(text, 'hems_reopens_total')).toBe(4);
    expect(sample(text, 'hems_module_resets_total')).toBe(5);
    expect(sample(text, 'hems_session_up')).toBe(1);
    expect(sample(text, 'hems_session_state{state="up"}')).toBe(1);
    expect(sample(text, 'hems_session_state{state="joining"}')).toBe(0);
    expect(sample(text, 'hems_outbox_depth{output="mqtt"}')).toBe(7);
    expect(sample(text, 'hems_deliveries_total{output="mqtt"}')).toBe(100);
    expect(sample(text, 'hems_delivery_failures_total{output="mqtt"}')).toBe(5);
    expect(sample(text, 'hems_outbox_dropped_total{output="mqtt"}')).toBe(2);
    expect(sample(text, 'hems_output_failing{output="mqtt"}')).toBe(1);
    expect(sample(text, 'hems_output_failing{output="file"}')).toBe(0);
    expect(sample(text, 'hems_deliveries_total{output="file"}')).toBe(12);
    expect(text).toContain('# TYPE hems_readings_total counter');
    expect(text).toContain('# TYPE hems_outbox_depth gauge');
    // process metrics on the same registry, same prefix
    expect(text).toMatch(/^hems_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^hems_nodejs_heap_size_used_bytes \d/m);
  });

  it('reads the source again at every scrape', async () => {
    const st = status({ lastReadingAt: AT });
    const m = rig(st, null);
    expect(sample(await m.render(), 'hems_readings_total')).toBe(0);
    st.counters.readings = 3;
    st.state = 'backing-off';
    const text = await m.render();
    expect(sample(text, 'hems_readings_total')).toBe(3);
    expect(sample(text, 'hems_session_up')).toBe(0);
    expect(sample(text, 'hems_session_state{state="backing-off"}')).toBe(1);
    expect(sample(text, 'hems_session_state{state="up"}')).toBe(0);
  });

  it('has no reading samples (rather than zeros) before the first reading', async () => {
    const text = await rig(status({ state: 'joining' }), null).render();
    expect(text).toContain('# TYPE hems_instant_power_watts gauge');
    expect(text).not.toMatch(/^hems_instant_power_watts[ {]/m);
    expect(text).not.toMatch(/^hems_current_amperes[ {]/m);
    expect(sample(text, 'hems_last_reading_timestamp_seconds')).toBe(0);
  });

  it('leaves out a phase the meter does not have and reverse energy it does not report', async () => {
    const e = env(AT);
    e.reading.current_t_a = null;
    const text = await rig(status({ lastReadingAt: AT }), e).render();
    expect(sample(text, `hems_current_amperes{meter="${METER}",phase="r"}`)).toBe(3);
    expect(text).not.toContain('phase="t"');
    expect(text).not.toMatch(/^hems_energy_reverse_cumulative_kwh[ {]/m);
  });

  it('keeps registries apart', async () => {
    const a = rig(status({ counters: { ...status().counters, readings: 1 } }), null);
    const b = rig(status({ counters: { ...status().counters, readings: 2 } }), null);
    expect(sample(await a.render(), 'hems_readings_total')).toBe(1);
    expect(sample(await b.render(), 'hems_readings_total')).toBe(2);
  });

  it('shows the days of history still to recover while a backfill runs, and none without one', async () => {
    let left: number | null = null;
    const m = createMetrics({
      status: () => status(),
      latest: () => null,
      outputs: () => ({}),
      backfillDaysLeft: () => left,
    });
    expect(sample(await m.render(), 'hems_backfill_days_left')).toBeNaN();
    left = 5;
    expect(sample(await m.render(), 'hems_backfill_days_left')).toBe(5);
    left = 0;
    expect(sample(await m.render(), 'hems_backfill_days_left')).toBe(0);
    expect(await rig(status(), null).render()).not.toContain('hems_backfill_days_left');
  });
});
