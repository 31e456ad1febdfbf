import type { Dongle } from '../dongles.js';
import {
  DONGLE_PROFILES,
  type Faults,
  fieldFaults,
  type MeterOptions,
  type ResetSendReply,
  type StaleSession,
  type WrongFormReply,
} from '../emulator/index.js';
import { HemsError } from '../errors.js';
import type { OptionBag } from './program.js';
import type { SimulateOptions } from './simulate.js';

/** Emulated seconds accepted by the period/duration flags (about 115 days). */
const MAX_SECONDS = 10_000_000;

const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function invalid(key: string, why: string): never {
  const flag = flagOf(key);
  throw new HemsError('CONFIG_INVALID', `${flag} is invalid`, { problems: [`${flag}: ${why}`] });
}

function num(opts: OptionBag, key: string, min: number, max: number): number | undefined {
  const raw = opts[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    invalid(key, `must be a number from ${min} to ${max} (got "${String(raw)}")`);
  }
  return n;
}

function choice<T extends string>(opts: OptionBag, key: string, values: readonly T[]): T | undefined {
  const raw = opts[key];
  if (raw === undefined) return undefined;
  const hit = values.find((v) => v.toLowerCase() === String(raw).toLowerCase());
  if (hit === undefined) invalid(key, `must be one of ${values.join(', ')} (got "${String(raw)}")`);
  return hit;
}

/** `--fault-busy EA:2` (repeatable) → { EA: 2 }. */
function busy(opts: OptionBag): Record<string, number> | undefined {
  const raw = opts.faultBusy;
  if (raw === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const m = /^([0-9A-Fa-f]{2}):(\d{1,6})$/.exec(String(item));
    if (!m) invalid('faultBusy', `wants EPC:N with a 2-digit hex EPC, e.g. EA:2 (got "${String(item)}")`);
    out[m[1]!.toUpperCase()] = Number(m[2]);
  }
  return out;
}

/** Fault switches of `simulate`: the --field preset, then each flag given (flags win). */
function faultFlags(opts: OptionBag, dongle: Dongle): Partial<Faults> {
  const f: Partial<Faults> = opts.field === true ? fieldFaults(DONGLE_PROFILES[dongle].dualStack) : {};
  const set = <K extends keyof Faults>(key: K, value: Faults[K] | undefined): void => {
    if (value !== undefined) f[key] = value;
  };
  set('joinFailures', num(opts, 'faultJoinFailures', 0, 1_000_000));
  set('scanMisses', num(opts, 'faultScanMisses', 0, 1_000_000));
  set('dropResponses', num(opts, 'faultDropResponses', 0, 1_000_000));
  set('dropEvery', num(opts, 'faultDropEvery', 0, 1_000_000));
  set('sendFailures', num(opts, 'faultSendFailures', 0, 1_000_000));
  if (opts.faultStrayTraffic === true) f.strayTraffic = true;
  if (opts.faultGarbage === true) f.garbage = true;
  set('resetEvery', num(opts, 'faultResetEvery', 0, MAX_SECONDS));
  set('resetSendReply', choice<ResetSendReply>(opts, 'faultResetSendReply', ['ER10', 'event21']));
  set('staleSession', choice<StaleSession>(opts, 'faultStaleSession', ['none', 'up', 'joining', 'reauth']));
  set('reauthEvery', num(opts, 'faultReauthEvery', 0, MAX_SECONDS));
  set('txLimitEvery', num(opts, 'faultTxLimitEvery', 0, MAX_SECONDS));
  set('txLimitFor', num(opts, 'faultTxLimitFor', 0, MAX_SECONDS));
  set('wrongFormReply', choice<WrongFormReply>(opts, 'faultWrongForm', ['ER04', 'ER05', 'ER06', 'silence']));
  const einfo = choice(opts, 'einfoFields', ['5', '6', '7'] as const);
  set('einfoFields', einfo === undefined ? undefined : (Number(einfo) as 5 | 6 | 7));
  set('silentEvery', num(opts, 'faultMeterSilentEvery', 0, MAX_SECONDS));
  set('silentFor', num(opts, 'faultMeterSilentFor', 0, MAX_SECONDS));
  set('swapAfter', num(opts, 'faultSwapMeterAfter', 0, MAX_SECONDS));
  set('swapCoefficient', num(opts, 'swapMeterCoefficient', 1, 999_999));
  set('meterClockSkew', num(opts, 'meterClockSkew', -MAX_SECONDS, MAX_SECONDS));
  set('meterUpdateDelay', num(opts, 'meterUpdateDelay', 0, 1_799));
  set('busy', busy(opts));
  windowFits(opts, f.txLimitEvery, f.txLimitFor, 'faultTxLimitFor', 'faultTxLimitEvery');
  windowFits(opts, f.silentEvery, f.silentFor, 'faultMeterSilentFor', 'faultMeterSilentEvery');
  return f;
}

/** A window (`--…-for`) needs its period (`--…-every`) and must end before the next one starts. */
function windowFits(
  opts: OptionBag,
  every: number | undefined,
  length: number | undefined,
  lengthKey: string,
  everyKey: string,
): void {
  if (length === undefined) return;
  if (!(every !== undefined && every > 0)) {
    if (opts[lengthKey] !== undefined) invalid(lengthKey, `has no effect without ${flagOf(everyKey)}`);
    return;
  }
  if (length >= every) invalid(lengthKey, `must be shorter than ${flagOf(everyKey)} (${every} s)`);
}

/** Latency, fault switches, meter shape and recording of `simulate`, from its options. */
export function simulateTuning(opts: OptionBag, dongle: Dongle): Partial<SimulateOptions> {
  const out: Partial<SimulateOptions> = {};
  const scale = num(opts, 'latencyScale', 0, 100);
  if (scale !== undefined) out.latencyScale = scale;
  const faults = faultFlags(opts, dongle);
  if (Object.keys(faults).length > 0) out.faults = faults;
  const meter: Partial<MeterOptions> = {};
  const coefficient = num(opts, 'meterCoefficient', 1, 999_999);
  if (coefficient !== undefined) meter.coefficient = coefficient;
  const phases = num(opts, 'meterPhases', 1, 3);
  if (phases !== undefined) {
    if (phases !== 1 && phases !== 3) invalid('meterPhases', 'must be 1 or 3');
    meter.phases = phases;
  }
  if (opts.meterSolar === true) meter.solar = true;
  const maxProps = num(opts, 'meterMaxProps', 1, 30);
  if (maxProps !== undefined) meter.maxPropsPerGet = maxProps;
  if (Object.keys(meter).length > 0) out.meter = meter;
  if (opts.record !== undefined) {
    if (typeof opts.record !== 'string' || opts.record.trim() === '') invalid('record', 'wants a file path');
    out.record = opts.record;
  }
  return out;
}
