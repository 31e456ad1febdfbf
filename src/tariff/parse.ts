/**
 * The tariff file (YAML) → Tariff. Pure: text in, a Tariff or every problem found out, one line
 * each, naming the key (`energy.tiers[1].yen_per_kwh: must be …`). The format is documented in
 * README.md ("What it costs") and in examples/tariff-*.yaml.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import {
  DAY_NAMES,
  type DayName,
  type MonthTable,
  type RatePeriod,
  ROUNDINGS,
  type Rounding,
  type Tariff,
  type Tier,
  type TimeWindow,
} from './types.js';

export type TariffResult = { ok: true; tariff: Tariff } | { ok: false; problems: string[] };

/** Money and energy are exact to 4 decimals (parse.ts → bill.ts integer arithmetic). */
const MAX_DECIMALS = 4;
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_RE = /^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function decimals(n: number): number {
  const s = String(n);
  if (s.includes('e')) return 99;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

class Reader {
  readonly problems: string[] = [];

  bad(path: string, msg: string): void {
    this.problems.push(`${path}: ${msg}`);
  }

  /** Complains about keys outside `known` (typos would otherwise be ignored silently). */
  keys(o: Obj, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) {
        this.bad(path === '' ? k : `${path}.${k}`, `unknown key (expected one of ${known.join(', ')})`);
      }
    }
  }

  /** A finite number with at most 4 decimals, within [min, max]; undefined after a problem. */
  num(v: unknown, path: string, min: number, max = 1e6, what = 'a number'): number | undefined {
    if (v === undefined || v === null) {
      this.bad(path, `missing: needs ${what}`);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.bad(path, `must be ${what} (got ${show(v)})`);
      return undefined;
    }
    if (v < min || v > max) {
      this.bad(path, `must be between ${min} and ${max} (got ${v})`);
      return undefined;
    }
    if (decimals(v) > MAX_DECIMALS) {
      this.bad(path, `at most ${MAX_DECIMALS} decimals (got ${v})`);
      return undefined;
    }
    return v;
  }
}

/** A rate in ¥/kWh: 0 … 1000 (a fuel adjustment may be negative). */
const RATE_MAX = 1000;

function parseTiers(r: Reader, v: unknown, path: string): Tier[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    r.bad(path, 'must be a list of tiers (up_to_kwh, yen_per_kwh), the last one without up_to_kwh');
    return undefined;
  }
  const tiers: Tier[] = [];
  let last = 0;
  v.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(t)) {
      r.bad(p, 'must be a map with yen_per_kwh (and up_to_kwh, except for the last tier)');
      return;
    }
    r.keys(t, p, ['up_to_kwh', 'yen_per_kwh']);
    const rate = r.num(t.yen_per_kwh, `${p}.yen_per_kwh`, 0, RATE_MAX, 'a price in yen per kWh');
    const isLast = i === v.length - 1;
    let upTo: number | null = null;
    if (isLast) {
      if (t.up_to_kwh !== undefined) r.bad(`${p}.up_to_kwh`, 'the last tier has no limit: remove up_to_kwh');
    } else {
      const u = r.num(t.up_to_kwh, `${p}.up_to_kwh`, 0, 1e6, 'the kWh where this tier ends');
      if (u !== undefined && u <= last) {
        r.bad(`${p}.up_to_kwh`, `must be more than the previous tier's ${last} (got ${u})`);
      } else if (u !== undefined) {
        upTo = u;
        last = u;
      }
    }
    if (rate !== undefined) tiers.push({ upToKwh: upTo, yenPerKwh: rate });
  });
  return tiers.length === v.length ? tiers : undefined;
}

function parseTimes(r: Reader, v: unknown, path: string): TimeWindow[] | undefined {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    r.bad(path, 'must be a time range "HH:MM-HH:MM" or a list of them');
    return undefined;
  }
  const out: TimeWindow[] = [];
  list.forEach((t, i) => {
    const p = Array.isArray(v) ? `${path}[${i}]` : path;
    const m = typeof t === 'string' ? TIME_RE.exec(t.replace(/\s+/g, '')) : null;
    if (!m) {
      r.bad(p, `must be "HH:MM-HH:MM" in local time, e.g. "23:00-07:00" (got ${show(t)})`);
      return;
    }
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    if (from % 30 !== 0 || to % 30 !== 0) {
      r.bad(p, `times must be on the hour or half hour: the meter measures half hours (got ${show(t)})`);
    } else if (from >= 24 * 60 || to > 24 * 60) {
      r.bad(p, `24:00 can only end a range (got ${show(t)})`);
    } else if (from === to % (24 * 60)) {
      r.bad(p, `an empty or whole-day range; leave times out for the whole day (got ${show(t)})`);
    } else {
      out.push({ from, to });
    }
  });
  return out.length === list.length ? out : undefined;
}

function parseDays(r: Reader, v: unknown, path: string): DayName[] | undefined {
  const names: readonly string[] = [...DAY_NAMES, 'holiday'];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    r.bad(path, `must be a list of ${names.join(', ')}`);
    return undefined;
  }
  const out: DayName[] = [];
  let ok = true;
  for (const d of list) {
    const s = typeof d === 'string' ? d.trim().toLowerCase() : '';
    if (!names.includes(s)) {
      r.bad(path, `unknown day ${show(d)} (use ${names.join(', ')})`);
      ok = false;
    } else if (!out.includes(s as DayName)) out.push(s as DayName);
  }
  return ok ? out : undefined;
}

function parsePeriods(r: Reader, v: unknown, path: string): RatePeriod[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    r.bad(path, 'must be a list of rate periods (name, days, times, yen_per_kwh or tiers)');
    return undefined;
  }
  const out: RatePeriod[] = [];
  const seen = new Set<string>();
  v.forEach((pd, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(pd)) {
      r.bad(p, 'must be a map: name, days, times, yen_per_kwh or tiers');
      return;
    }
    r.keys(pd, p, ['name', 'days', 'times', 'yen_per_kwh', 'tiers']);
    const name = typeof pd.name === 'string' && pd.name.trim() !== '' ? pd.name.trim() : undefined;
    if (name === undefined) r.bad(`${p}.name`, 'must be a name such as night or day');
    else if (seen.has(name)) r.bad(`${p}.name`, `"${name}" is used twice`);
    else seen.add(name);
    const days = pd.days === undefined ? null : parseDays(r, pd.days, `${p}.days`);
    const times = pd.times === undefined ? null : parseTimes(r, pd.times, `${p}.times`);
    const tiers = rateOrTiers(r, pd, p);
    const isLast = i === v.length - 1;
    if (isLast && (pd.days !== undefined || pd.times !== undefined)) {
      r.bad(p, 'the last period must have neither days nor times: it covers every other half hour');
    }
    if (name !== undefined && days !== undefined && times !== undefined && tiers !== undefined) {
      out.push({ name, days, times, tiers });
    }
  });
  return out.length === v.length ? out : undefined;
}

/** `yen_per_kwh: N` (a flat rate) or `tiers: [...]`, exactly one. */
function rateOrTiers(r: Reader, o: Obj, p: string): Tier[] | undefined {
  if ((o.yen_per_kwh === undefined) === (o.tiers === undefined)) {
    r.bad(p, 'give either yen_per_kwh (a flat rate) or tiers');
    return undefined;
  }
  if (o.tiers !== undefined) return parseTiers(r, o.tiers, `${p}.tiers`);
  const rate = r.num(o.yen_per_kwh, `${p}.yen_per_kwh`, 0, RATE_MAX, 'a price in yen per kWh');
  return rate === undefined ? undefined : [{ upToKwh: null, yenPerKwh: rate }];
}

function parseEnergy(r: Reader, v: unknown): RatePeriod[] | undefined {
  if (!isObj(v)) {
    r.bad('energy', 'missing: give energy.tiers (a tiered plan) or energy.periods (time of use)');
    return undefined;
  }
  r.keys(v, 'energy', ['tiers', 'yen_per_kwh', 'periods']);
  if (v.periods !== undefined) {
    if (v.tiers !== undefined || v.yen_per_kwh !== undefined) {
      r.bad('energy', 'give periods, or tiers / yen_per_kwh, not both (a period can have its own tiers)');
      return undefined;
    }
    return parsePeriods(r, v.periods, 'energy.periods');
  }
  const tiers = rateOrTiers(r, v, 'energy');
  return tiers === undefined ? undefined : [{ name: 'all', days: null, times: null, tiers }];
}

function parseBasic(r: Reader, v: unknown): { yen: number; basis: string } | undefined {
  if (!isObj(v)) {
    r.bad('basic_charge', 'missing: give basic_charge.yen, or basic_charge.amperes with by_amperes');
    return undefined;
  }
  r.keys(v, 'basic_charge', ['yen', 'amperes', 'by_amperes']);
  if (v.yen !== undefined) {
    if (v.amperes !== undefined || v.by_amperes !== undefined) {
      r.bad('basic_charge', 'give yen, or amperes with by_amperes, not both');
      return undefined;
    }
    const yen = r.num(v.yen, 'basic_charge.yen', 0, 1e6, 'the monthly basic charge in yen');
    return yen === undefined ? undefined : { yen, basis: 'fixed' };
  }
  const amps = r.num(v.amperes, 'basic_charge.amperes', 1, 1000, 'your contract amperage (e.g. 30)');
  if (!isObj(v.by_amperes)) {
    r.bad(
      'basic_charge.by_amperes',
      'must map each contract amperage to its monthly charge (e.g. 30: 935.25)',
    );
    return undefined;
  }
  const table = new Map<number, number>();
  for (const [k, val] of Object.entries(v.by_amperes)) {
    const a = Number(k);
    if (!Number.isInteger(a) || a <= 0) {
      r.bad(`basic_charge.by_amperes.${k}`, 'keys must be amperages (whole numbers)');
      continue;
    }
    const yen = r.num(val, `basic_charge.by_amperes.${k}`, 0, 1e6, 'a monthly charge in yen');
    if (yen !== undefined) table.set(a, yen);
  }
  if (amps === undefined) return undefined;
  const yen = table.get(amps);
  if (yen === undefined) {
    r.bad('basic_charge.amperes', `${amps} A is not in by_amperes (${[...table.keys()].join(', ')} A)`);
    return undefined;
  }
  return { yen, basis: `${amps} A` };
}

function monthMap(r: Reader, v: unknown, path: string, min: number): [string, number][] | undefined {
  if (!isObj(v)) {
    r.bad(path, 'must map billing months to yen per kWh, e.g. 2026-05: -1.20');
    return undefined;
  }
  const out: [string, number][] = [];
  for (const [k, val] of Object.entries(v)) {
    if (!MONTH_RE.test(k)) {
      r.bad(`${path}.${k}`, 'keys must be billing months YYYY-MM');
      continue;
    }
    const n = r.num(val, `${path}.${k}`, min, RATE_MAX, 'a price in yen per kWh');
    if (n !== undefined) out.push([k, n]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

function parseRenewable(r: Reader, v: unknown): MonthTable | undefined {
  if (v === undefined) return { entries: [] };
  if (typeof v === 'number') {
    const n = r.num(v, 'renewable_surcharge', 0, RATE_MAX, 'yen per kWh');
    return n === undefined ? undefined : { entries: [['0000-01', n]] };
  }
  const entries = monthMap(r, v, 'renewable_surcharge', 0);
  return entries === undefined ? undefined : { entries };
}

function parseHolidays(r: Reader, v: unknown): Set<string> | undefined {
  if (v === undefined) return new Set();
  if (!Array.isArray(v)) {
    r.bad('holidays', 'must be a list of dates YYYY-MM-DD');
    return undefined;
  }
  const out = new Set<string>();
  for (const d of v) {
    const s = d instanceof Date ? d.toISOString().slice(0, 10) : String(d);
    if (!DATE_RE.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
      r.bad('holidays', `not a date YYYY-MM-DD: ${show(d)}`);
    } else out.add(s);
  }
  return out;
}

const TOP_KEYS = [
  'name',
  'meter_reading_day',
  'basic_charge',
  'energy',
  'renewable_surcharge',
  'fuel_adjustment',
  'export_yen_per_kwh',
  'holidays',
  'rounding',
] as const;

/** Parses and validates a tariff file's text; every problem is reported, one per line. */
export function parseTariff(text: string): TariffResult {
  // The YAML library (several MB of memory) loads only when there is a tariff file to read.
  const { parseDocument } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`),
    };
  }
  const root: unknown = doc.toJS();
  if (!isObj(root)) return { ok: false, problems: ['must be a YAML map (see the examples)'] };
  const r = new Reader();
  r.keys(root, '', TOP_KEYS);
  const name = root.name === undefined ? 'tariff' : String(root.name);
  let day = 1;
  if (root.meter_reading_day !== undefined) {
    const d = r.num(root.meter_reading_day, 'meter_reading_day', 1, 28, 'a day of the month');
    if (d !== undefined && !Number.isInteger(d)) r.bad('meter_reading_day', `must be a whole day (got ${d})`);
    else if (d !== undefined) day = d;
  }
  const basic = parseBasic(r, root.basic_charge);
  const periods = parseEnergy(r, root.energy);
  const renewable = parseRenewable(r, root.renewable_surcharge);
  const fuel =
    root.fuel_adjustment === undefined ? [] : monthMap(r, root.fuel_adjustment, 'fuel_adjustment', -RATE_MAX);
  const exportRate =
    root.export_yen_per_kwh === undefined
      ? null
      : r.num(root.export_yen_per_kwh, 'export_yen_per_kwh', 0, RATE_MAX, 'a price in yen per kWh');
  const holidays = parseHolidays(r, root.holidays);
  let rounding: Rounding = 'floor';
  if (root.rounding !== undefined) {
    if (!(ROUNDINGS as readonly unknown[]).includes(root.rounding)) {
      r.bad('rounding', `must be one of ${ROUNDINGS.join(', ')} (got ${show(root.rounding)})`);
    } else rounding = root.rounding as Rounding;
  }
  if (
    r.problems.length > 0 ||
    !basic ||
    !periods ||
    !renewable ||
    !fuel ||
    exportRate === undefined ||
    !holidays
  ) {
    return { ok: false, problems: r.problems.length > 0 ? r.problems : ['invalid tariff'] };
  }
  return {
    ok: true,
    tariff: {
      name,
      basicYen: basic.yen,
      basicBasis: basic.basis,
      periods,
      renewable,
      fuelAdjustment: new Map(fuel),
      meterReadingDay: day,
      exportYenPerKwh: exportRate,
      holidays,
      rounding,
    },
  };
}
