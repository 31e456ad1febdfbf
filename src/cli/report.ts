/**
 * `report`: kWh and cost per day and for a billing period, from the local database, opened
 * read-only (it works while the collector runs). Missing half hours are counted and named, not
 * filled in: costs are those of the kWh present.
 */
import { HemsError } from '../errors.js';
import { slotsOf } from '../http/halfhours.js';
import type { Envelope } from '../reading/record.js';
import { exportValue } from '../tariff/bill.js';
import { exportedByDate, type ReversePoint } from '../tariff/exported.js';
import { type BillingPeriod, periodByLabel, periodOfDate, previousPeriod } from '../tariff/period.js';
import { learnProfile, PROFILE_DAYS } from '../tariff/profile.js';
import { type PeriodSummary, summarizePeriod } from '../tariff/summary.js';
import type { Tariff } from '../tariff/types.js';
import { addDays, dayBounds, localDateOf } from '../time/zone.js';
import { openReadonlyStore } from './export.js';

export const REPORT_FORMATS = ['text', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  stateDir: string;
  timezone: string;
  tariff: Tariff | null;
  /** `YYYY-MM`: the billing period of that name. */
  month?: string | null;
  /** `current` (default) or `previous`. */
  period?: string | null;
  format?: string | null;
  nowMs?: number;
  out: (text: string) => void;
}

/** Readings of the next hour can still carry a period's last half hour. */
const TAIL_MS = 60 * 60_000;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

interface Options {
  format: ReportFormat;
  pick: (readingDay: number, nowMs: number, tz: string) => BillingPeriod;
}

/** Checks --month / --period / -f; one INPUT_INVALID error (exit 2) for the first problem. */
export function reportOptions(o: Pick<ReportOptions, 'month' | 'period' | 'format'>): Options {
  const bad = (msg: string): never => {
    throw new HemsError('INPUT_INVALID', msg);
  };
  const format = (o.format ?? 'text').trim().toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    bad(`--format must be text, json or csv, got ${JSON.stringify(o.format)}`);
  }
  if (o.month != null && o.period != null) bad('give --month or --period, not both');
  if (o.month != null) {
    const month = o.month.trim();
    if (!MONTH_RE.test(month)) bad(`--month must be YYYY-MM, e.g. 2026-05, got ${JSON.stringify(o.month)}`);
    return { format: format as ReportFormat, pick: (day, _now, tz) => periodByLabel(month, day, tz) };
  }
  const which = (o.period ?? 'current').trim().toLowerCase();
  if (which !== 'current' && which !== 'previous') {
    bad(`--period must be current or previous, got ${JSON.stringify(o.period)}`);
  }
  return {
    format: format as ReportFormat,
    pick: (day, now, tz) => {
      const cur = periodOfDate(localDateOf(now, tz), day, tz);
      return which === 'current' ? cur : previousPeriod(cur, day, tz);
    },
  };
}

export interface ReportData {
  summary: PeriodSummary;
  /** Dates shown: the period's days up to today. */
  dates: string[];
  exported: Map<string, number> | null;
  exportedKwh: number | null;
  exportedYen: number | null;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Reads what the report needs from the store. */
function collect(o: ReportOptions, period: BillingPeriod, nowMs: number): ReportData {
  const tz = o.timezone;
  const today = localDateOf(nowMs, tz);
  const current = nowMs >= period.startMs && nowMs < period.endMs;
  const profileFrom = dayBounds(addDays(today, -PROFILE_DAYS), tz).startMs;
  const from = current ? Math.min(period.startMs, profileFrom) : period.startMs;
  const store = openReadonlyStore(o.stateDir);
  const slots = new Map<number, number>();
  const reverse: ReversePoint[] = [];
  try {
    for (const env of store.iterate({ since: from, until: period.endMs + TAIL_MS })) {
      slotsOf([env], slots);
      addReverse(env, period, reverse);
    }
  } finally {
    store.close();
  }
  const summary = summarizePeriod({
    tariff: o.tariff,
    period,
    slots,
    nowMs,
    tz,
    profile: current ? learnProfile(slots, today, tz) : null,
  });
  const dates = summary.days.map((d) => d.date).filter((d) => d <= today);
  const exported = reverse.length > 0 ? exportedByDate(reverse, tz) : null;
  const exportedKwh = exported ? r4([...exported.values()].reduce((a, b) => a + b, 0)) : null;
  return {
    summary,
    dates,
    exported,
    exportedKwh,
    exportedYen: exportedKwh !== null && o.tariff ? exportValue(o.tariff, exportedKwh) : null,
  };
}

function addReverse(env: Envelope, period: BillingPeriod, into: ReversePoint[]): void {
  const kwh = env.extras.cumulative_reverse_kwh;
  const ms = Date.parse(env.reading.timestamp);
  if (env.backfill || typeof kwh !== 'number' || ms < period.startMs || ms >= period.endMs) return;
  into.push({ ms, kwh });
}

/** English notes under the report: missing data, months the tariff file does not cover. */
export function reportNotes(d: ReportData, tariff: Tariff | null): string[] {
  const s = d.summary;
  const notes: string[] = [];
  if (s.missing > 0) {
    notes.push(
      `${s.missing} half hour(s) missing (nothing stored for them): kWh and costs are those of the half hours present`,
    );
  }
  if (s.bill && !s.bill.fuelListed) {
    notes.push(`no fuel-cost adjustment for ${s.period.label} in the tariff file: counted as 0`);
  }
  if (s.bill && !s.bill.renewableListed && (tariff?.renewable.entries.length ?? 0) > 0) {
    notes.push(`no renewable-energy surcharge for ${s.period.label} in the tariff file: counted as 0`);
  }
  if (!tariff) notes.push('no tariff file (--tariff / TARIFF_FILE): kWh only');
  return notes;
}

const yen = (v: number | null | undefined): string => (v === null || v === undefined ? '' : v.toFixed(2));

function renderText(d: ReportData, o: ReportOptions): string {
  const s = d.summary;
  const p = s.period;
  const lines: string[] = [];
  lines.push(
    `Billing period ${p.label}: ${p.startDate} to ${p.lastDate} (${o.timezone})${o.tariff ? `, tariff: ${o.tariff.name}` : ''}`,
  );
  lines.push('');
  const exp = d.exported !== null;
  lines.push(
    `${'date'.padEnd(10)}  ${'kWh'.padStart(10)}  ${o.tariff ? 'yen'.padStart(10) : ''}${exp ? `  ${'export kWh'.padStart(10)}` : ''}  note`.trimEnd(),
  );
  for (const date of d.dates) {
    const day = s.days.find((x) => x.date === date)!;
    const cells = [date.padEnd(10), day.kwh.toFixed(3).padStart(10)];
    if (o.tariff) cells.push(yen(day.yen).padStart(10));
    if (exp) cells.push((d.exported?.get(date) ?? 0).toFixed(3).padStart(10));
    if (day.missing > 0) cells.push(`${day.missing} half hour(s) missing`);
    lines.push(cells.join('  ').trimEnd());
  }
  lines.push('');
  lines.push(`Total: ${s.kwh.toFixed(3)} kWh in ${s.stored} of ${s.halfHours} half hours`);
  const b = s.bill;
  if (b) {
    const line = (label: string, v: number): string => `  ${label.padEnd(52)}${v.toFixed(2).padStart(12)}`;
    lines.push(line(`basic charge (${o.tariff?.basicBasis})`, b.basicYen));
    for (const l of b.energy) {
      const name = l.period === 'all' ? `energy tier ${l.tier}` : `energy ${l.period} tier ${l.tier}`;
      lines.push(line(`${name}: ${l.kwh.toFixed(3)} kWh x ${l.yenPerKwh}`, l.yen));
    }
    lines.push(line(`fuel-cost adjustment: ${b.kwh.toFixed(3)} kWh x ${b.fuelYenPerKwh}`, b.fuelYen));
    lines.push(
      line(`renewable surcharge: ${b.kwh.toFixed(3)} kWh x ${b.renewableYenPerKwh}`, b.renewableYen),
    );
    lines.push(`  ${`total (rounded: ${o.tariff?.rounding})`.padEnd(52)}${`JPY ${b.totalYen}`.padStart(12)}`);
  }
  if (d.exportedKwh !== null) {
    lines.push(
      `Exported: ${d.exportedKwh.toFixed(3)} kWh${d.exportedYen !== null ? `, worth JPY ${d.exportedYen.toFixed(2)}` : ''}`,
    );
  }
  if (s.forecast) {
    lines.push(
      `Forecast for ${p.lastDate}: ${s.forecast.kwh.toFixed(1)} kWh${s.forecast.bill ? `, JPY ${s.forecast.bill.totalYen}` : ''} (the weekday and half-hour profile of the last ${PROFILE_DAYS / 7} weeks for the ${s.forecast.expectedHalfHours} half hours to come)`,
    );
  }
  for (const n of reportNotes(d, o.tariff)) lines.push(`Note: ${n}`);
  return `${lines.join('\n')}\n`;
}

function renderJson(d: ReportData, o: ReportOptions): string {
  const s = d.summary;
  const body = {
    period: { label: s.period.label, start: s.period.startDate, last: s.period.lastDate },
    timezone: o.timezone,
    tariff: o.tariff?.name ?? null,
    days: d.dates.map((date) => {
      const day = s.days.find((x) => x.date === date)!;
      return {
        date,
        kwh: day.kwh,
        yen: day.yen,
        missing_half_hours: day.missing,
        ...(d.exported ? { exported_kwh: d.exported.get(date) ?? 0 } : {}),
      };
    }),
    total: {
      kwh: s.kwh,
      half_hours: s.halfHours,
      stored_half_hours: s.stored,
      missing_half_hours: s.missing,
      bill: s.bill,
    },
    export: d.exportedKwh === null ? null : { kwh: d.exportedKwh, yen: d.exportedYen },
    forecast: s.forecast
      ? {
          kwh: s.forecast.kwh,
          yen: s.forecast.bill?.totalYen ?? null,
          expected_half_hours: s.forecast.expectedHalfHours,
        }
      : null,
    notes: reportNotes(d, o.tariff),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function renderCsv(d: ReportData): string {
  const s = d.summary;
  const rows = ['date,kwh,yen,missing_half_hours,exported_kwh'];
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  for (const date of d.dates) {
    const day = s.days.find((x) => x.date === date)!;
    rows.push(
      [date, day.kwh, cell(day.yen), day.missing, d.exported ? (d.exported.get(date) ?? 0) : ''].join(','),
    );
  }
  rows.push(['total', s.kwh, cell(s.bill?.totalYen), s.missing, cell(d.exportedKwh)].join(','));
  return `${rows.join('\n')}\n`;
}

/** Prints the report; throws INPUT_INVALID for bad options, STORE_FAILED without a database. */
export function runReport(o: ReportOptions): ReportData {
  const opts = reportOptions(o);
  const nowMs = o.nowMs ?? Date.now();
  const period = opts.pick(o.tariff?.meterReadingDay ?? 1, nowMs, o.timezone);
  const data = collect(o, period, nowMs);
  const render = { text: renderText, json: renderJson, csv: renderCsv }[opts.format];
  o.out(render(data, o));
  return data;
}
