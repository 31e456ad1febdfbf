import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Envelope } from '../reading/record.js';
import { LINK_STATES, type SourceCounters, type SourceStatus } from '../service/types.js';
import type { OutputStats, StoreHealth } from './deps.js';
import { isFailing } from './latest.js';

/** What a scrape reads; everything is collected at scrape time, nothing is pushed. */
export interface MetricsInput {
  status(): SourceStatus;
  latest(): Envelope | null;
  outputs(): Record<string, OutputStats>;
  /** The current billing period so far (kWh; yen when a tariff is set). */
  period?(): { label: string; kwh: number; yen: number | null } | null;
  /** The local database's state; without it there is no hems_store_up series. */
  store?(): StoreHealth | null;
  /** Days of history the backfill still has to recover; without it, no series. */
  backfillDaysLeft?(): number | null;
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  render(): Promise<string>;
}

const COUNTERS: readonly [keyof SourceCounters, string, string][] = [
  ['readings', 'hems_readings_total', 'Readings taken from the meter.'],
  ['roundTrips', 'hems_radio_round_trips_total', 'ECHONET Lite request/response round trips over the radio.'],
  ['timeouts', 'hems_timeouts_total', 'Meter requests that got no response in time.'],
  ['rejoins', 'hems_rejoins_total', 'PANA session re-joins.'],
  ['scans', 'hems_scans_total', 'Active scans for the meter.'],
  ['txLimitPauses', 'hems_tx_limit_pauses_total', 'Pauses imposed by the transmit-time limit (EVENT 32).'],
  ['reopens', 'hems_reopens_total', 'Times the serial port was reopened.'],
  ['moduleResets', 'hems_module_resets_total', 'Radio-module resets recognised while the port stayed open.'],
];

const sec = (ms: number): number => ms / 1000;

/** A registry of its own (never the global one), so several servers and tests do not collide. */
export function createMetrics(input: MetricsInput): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hems_' });

  // Reading gauges carry a `meter` label so that, before the first reading, they have no sample at all (not a false 0).
  const readingGauge = (
    name: string,
    help: string,
    pick: (env: Envelope) => number | null | undefined,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['meter'],
      registers: [registry],
      collect() {
        this.reset();
        const env = input.latest();
        const v = env ? pick(env) : null;
        if (env && typeof v === 'number' && Number.isFinite(v)) this.set({ meter: env.meter ?? '' }, v);
      },
    });
  };
  readingGauge(
    'hems_instant_power_watts',
    'Instantaneous power of the latest reading (W).',
    (e) => e.reading.instant_power_w,
  );
  readingGauge(
    'hems_current_total_amperes',
    'Representative current (R phase, or R+T) of the latest reading (A).',
    (e) => e.reading.current_a,
  );
  new Gauge({
    name: 'hems_current_amperes',
    help: 'Instantaneous current per phase of the latest reading (A).',
    labelNames: ['meter', 'phase'],
    registers: [registry],
    collect() {
      this.reset();
      const env = input.latest();
      if (!env) return;
      const meter = env.meter ?? '';
      if (env.reading.current_r_a !== null) this.set({ meter, phase: 'r' }, env.reading.current_r_a);
      if (env.reading.current_t_a !== null) this.set({ meter, phase: 't' }, env.reading.current_t_a);
    },
  });
  readingGauge(
    'hems_energy_cumulative_kwh',
    'Cumulative energy, normal direction (kWh).',
    (e) => e.reading.cumulative_power_kwh,
  );
  readingGauge(
    'hems_energy_reverse_cumulative_kwh',
    'Cumulative energy, reverse direction (export), where the meter has it (kWh).',
    (e) => e.extras.cumulative_reverse_kwh,
  );
  readingGauge(
    'hems_energy_last_half_hour_kwh',
    'Consumption of the latest completed half hour (kWh).',
    (e) => e.reading.recent_30min_consumption_kwh,
  );
  readingGauge(
    'hems_energy_last_half_hour_end_timestamp_seconds',
    'End of that half hour (unix seconds).',
    (e) =>
      e.reading.recent_30min_timestamp === null ? null : sec(Date.parse(e.reading.recent_30min_timestamp)),
  );

  new Gauge({
    name: 'hems_last_reading_timestamp_seconds',
    help: 'Time of the last successful reading (unix seconds; 0 before the first).',
    registers: [registry],
    collect() {
      const at = input.status().lastReadingAt;
      this.set(at === null ? 0 : sec(at));
    },
  });
  new Gauge({
    name: 'hems_session_up',
    help: '1 while the B-route (PANA) session is up.',
    registers: [registry],
    collect() {
      this.set(input.status().state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hems_session_state',
    help: 'Session state: 1 for the current state, 0 for the others.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = input.status().state;
      for (const s of LINK_STATES) this.set({ state: s }, s === now ? 1 : 0);
    },
  });

  for (const [key, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(input.status().counters[key]);
      },
    });
  }

  const perOutput = (
    kind: 'gauge' | 'counter',
    name: string,
    help: string,
    pick: (s: OutputStats) => number,
  ): void => {
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      for (const [output, s] of Object.entries(input.outputs())) {
        if (this instanceof Gauge) this.set({ output }, pick(s));
        else this.inc({ output }, pick(s));
      }
    };
    const conf = { name, help, labelNames: ['output'], registers: [registry], collect };
    if (kind === 'gauge') new Gauge(conf);
    else new Counter(conf);
  };
  perOutput('gauge', 'hems_outbox_depth', 'Readings waiting to be delivered, per output.', (s) => s.depth);
  perOutput('counter', 'hems_deliveries_total', 'Readings delivered, per output.', (s) => s.delivered);
  perOutput(
    'counter',
    'hems_delivery_failures_total',
    'Failed delivery attempts, per output.',
    (s) => s.failures,
  );
  perOutput(
    'counter',
    'hems_outbox_dropped_total',
    'Readings dropped by the outbox cap, per output.',
    (s) => s.dropped,
  );
  perOutput(
    'counter',
    'hems_outbox_dead_letters_total',
    'Outbox rows set aside because their stored reading could not be decoded, per output.',
    (s) => s.deadLetters,
  );
  const store = input.store;
  if (store) {
    new Gauge({
      name: 'hems_store_up',
      help: '1 while the local database can be written; 0 while readings are only held in memory.',
      registers: [registry],
      collect() {
        this.set(store()?.up === false ? 0 : 1);
      },
    });
  }
  const daysLeft = input.backfillDaysLeft;
  if (daysLeft) {
    new Gauge({
      name: 'hems_backfill_days_left',
      help: "Days of the meter's half-hour history still to recover (0 when caught up; NaN before the first plan).",
      registers: [registry],
      collect() {
        this.set(daysLeft() ?? Number.NaN);
      },
    });
  }
  new Gauge({
    name: 'hems_output_failing',
    help: '1 while an output is failing (last attempt failed and readings are waiting).',
    labelNames: ['output'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [output, s] of Object.entries(input.outputs())) {
        this.set({ output }, isFailing(s) ? 1 : 0);
      }
    },
  });

  const periodGauge = (
    name: string,
    help: string,
    pick: (p: { kwh: number; yen: number | null }) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['period'],
      registers: [registry],
      collect() {
        this.reset();
        const p = input.period?.() ?? null;
        const v = p ? pick(p) : null;
        if (p && v !== null) this.set({ period: p.label }, v);
      },
    });
  periodGauge(
    'hems_energy_period_kwh',
    'Energy used in the current billing period so far (kWh).',
    (p) => p.kwh,
  );
  periodGauge(
    'hems_cost_period_yen',
    'Bill of the current billing period so far, by the tariff file (JPY).',
    (p) => p.yen,
  );

  return { registry, contentType: registry.contentType, render: () => registry.metrics() };
}
