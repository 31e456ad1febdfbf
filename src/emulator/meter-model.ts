import { lastHalfHour, localMidnight, offsetMinutes } from './local-time.js';

/** The emulated meter's identity and behaviour (EmulatorOptions.meter). */
export interface MeterOptions {
  /** D3 coefficient (1 by default). */
  coefficient: number;
  /** E1 unit code (0x01 = 0.1 kWh by default, protocol.md §C.2). */
  unitCode: number;
  /** D7 effective digits: counters wrap at 10^digits. */
  digits: number;
  phases: 1 | 3;
  /** Solar panels: reverse energy E3/EB/E4 exist and E7 goes negative at midday. */
  solar: boolean;
  /** false → D3 is not in the Get map and Get D3 answers Get_SNA. */
  hasD3: boolean;
  /** The meter answers at most this many EPCs per Get (protocol.md §D.3). */
  maxPropsPerGet: number;
  /** What happens to the EPCs beyond maxPropsPerGet: PDC 0 in a Get_SNA, or left out (short Get_Res). */
  overflow: 'sna' | 'short';
  channel: number;
  panId: number;
  /** EUI-64, 16 hex digits. */
  mac: string;
  /** Normal-direction energy at the model's origin (2026-01-01T00:00Z), kWh. */
  startEnergyKwh: number;
  /** 0x8A, 6 hex digits. */
  manufacturer: string;
  /** 0x8D, up to 12 ASCII chars (NUL-padded). */
  serial: string;
  /** Seed of the load curve's noise. */
  seed: number;
  /** Epoch ms the meter was installed (a swapped-in meter): no history before it; null = always there. */
  installedAt: number | null;
}

export const DEFAULT_METER: MeterOptions = {
  coefficient: 1,
  unitCode: 0x01,
  digits: 6,
  phases: 1,
  solar: false,
  hasD3: true,
  maxPropsPerGet: 7,
  overflow: 'sna',
  channel: 0x27,
  panId: 0x8cf5,
  mac: '001C6400036E8CF5',
  startEnergyKwh: 12345.6,
  manufacturer: '000016',
  serial: 'EMU0000001',
  seed: 20250101,
  installedAt: null,
};

/** E1 unit codes → watt-minutes per counter step (kWh × 60000, exact integers). */
const UNIT_WMIN: Readonly<Record<number, number>> = {
  0: 60_000,
  1: 6_000,
  2: 600,
  3: 60,
  4: 6,
  10: 600_000,
  11: 6_000_000,
  12: 60_000_000,
  13: 600_000_000,
};

export const NO_DATA = 0xfffffffe;
const ORIGIN_MIN = Date.UTC(2026, 0, 1) / 60_000;
const BLOCK = 1440;

const CURVES = new Map<string, { blocks: Map<number, Block>; prefix: Map<number, [number, number]> }>();

interface Block {
  /** Watt-minutes of normal / reverse energy accumulated before minute i of the block (length 1441). */
  normal: Float64Array;
  reverse: Float64Array;
}

/**
 * A meter whose counters are all functions of time alone. Power is constant within each UTC
 * minute (a household curve over local time of day, a per-day factor, seeded noise and
 * appliance bursts, minus solar at midday), so energy is an exact sum of watt-minutes:
 * E0 is the integral of the positive part, E3 of the negative part.
 */
export class MeterModel {
  readonly options: MeterOptions;
  private readonly blocks: Map<number, Block>;
  /** Cumulative [normal, reverse] Wmin from the origin to the start of block k. */
  private readonly prefix: Map<number, [number, number]>;

  constructor(
    options: Partial<MeterOptions>,
    readonly timeZone: string,
    private readonly clock: () => number,
  ) {
    this.options = { ...DEFAULT_METER, ...options };
    if (UNIT_WMIN[this.options.unitCode] === undefined) {
      throw new RangeError(`unknown E1 unit code ${this.options.unitCode}`);
    }
    // The curve depends only on these three, so meters that share them share the sums.
    const key = `${this.options.seed}|${this.options.solar}|${timeZone}`;
    let shared = CURVES.get(key);
    if (!shared) {
      shared = { blocks: new Map(), prefix: new Map([[0, [0, 0]]]) };
      CURVES.set(key, shared);
    }
    this.blocks = shared.blocks;
    this.prefix = shared.prefix;
  }

  now(): number {
    return this.clock();
  }

  /** Net instantaneous power in W (negative while exporting). */
  powerAt(ms: number): number {
    const { block, i } = this.locate(Math.floor(ms / 60_000));
    return block.normal[i + 1]! - block.normal[i]! - (block.reverse[i + 1]! - block.reverse[i]!);
  }

  /** Normal-direction cumulative energy in kWh (not wrapped, not scaled). */
  energyAt(ms: number): number {
    return (this.startWmin() + this.wminAt(ms)[0]) / 60_000;
  }

  /** Reverse-direction cumulative energy in kWh (0 forever without solar). */
  reverseEnergyAt(ms: number): number {
    return this.wminAt(ms)[1] / 60_000;
  }

  /** The raw register value of E0 (or E3) at `ms`: kWh / (D3 × E1), wrapped at 10^D7. */
  counterAt(ms: number, reverse = false): number {
    const [n, r] = this.wminAt(ms);
    const wmin = reverse ? r : this.startWmin() + n;
    const step = this.options.coefficient * (UNIT_WMIN[this.options.unitCode] ?? 6000);
    const units = Math.floor(wmin / step + 1e-9);
    const mod = 10 ** this.options.digits;
    return ((units % mod) + mod) % mod;
  }

  /** Start of the latest local :00/:30 at or before `ms`. */
  lastFixedTime(ms: number): number {
    return lastHalfHour(ms, this.timeZone);
  }

  /** E2 (or E4) for `day` days ago: 48 half-hour counters, NO_DATA after `now`. */
  history(day: number, reverse = false, now = this.clock()): number[] {
    const midnight = localMidnight(now, this.timeZone, day);
    const out: number[] = [];
    for (let i = 0; i < 48; i++) {
      const at = midnight + i * 1_800_000;
      out.push(at > now ? NO_DATA : this.counterAt(at, reverse));
    }
    return out;
  }

  /** E8: R and T currents in 0.1 A at 100 V; T is null on single-phase meters (0x7FFE). */
  currentsAt(ms: number): { r: number; t: number | null } {
    const deciAmps = this.powerAt(ms) / 10;
    if (this.options.phases === 1) return { r: Math.round(deciAmps), t: null };
    return { r: Math.round(deciAmps / 2), t: Math.round(deciAmps / 2) };
  }

  private startWmin(): number {
    return Math.round(this.options.startEnergyKwh * 60_000);
  }

  private wminAt(ms: number): [number, number] {
    const exact = ms / 60_000;
    const minute = Math.floor(exact);
    const { block, i, k } = this.locate(minute);
    const [pn, pr] = this.prefixOf(k);
    const frac = exact - minute;
    return [
      pn + block.normal[i]! + (block.normal[i + 1]! - block.normal[i]!) * frac,
      pr + block.reverse[i]! + (block.reverse[i + 1]! - block.reverse[i]!) * frac,
    ];
  }

  private locate(minute: number): { block: Block; i: number; k: number } {
    const rel = minute - ORIGIN_MIN;
    const k = Math.floor(rel / BLOCK);
    return { block: this.block(k), i: rel - k * BLOCK, k };
  }

  private prefixOf(k: number): [number, number] {
    const hit = this.prefix.get(k);
    if (hit) return hit;
    if (k > 0) {
      let j = k - 1;
      while (!this.prefix.has(j)) j--;
      for (; j < k; j++) {
        const [n, r] = this.prefix.get(j)!;
        const b = this.block(j);
        this.prefix.set(j + 1, [n + b.normal[BLOCK]!, r + b.reverse[BLOCK]!]);
      }
    } else {
      let j = k + 1;
      while (!this.prefix.has(j)) j++;
      for (; j > k; j--) {
        const [n, r] = this.prefix.get(j)!;
        const b = this.block(j - 1);
        this.prefix.set(j - 1, [n - b.normal[BLOCK]!, r - b.reverse[BLOCK]!]);
      }
    }
    return this.prefix.get(k)!;
  }

  private block(k: number): Block {
    const hit = this.blocks.get(k);
    if (hit) return hit;
    const start = ORIGIN_MIN + k * BLOCK;
    const offStart = offsetMinutes(start * 60_000, this.timeZone);
    const offEnd = offsetMinutes((start + BLOCK - 1) * 60_000, this.timeZone);
    const normal = new Float64Array(BLOCK + 1);
    const reverse = new Float64Array(BLOCK + 1);
    let off = offStart;
    for (let i = 0; i < BLOCK; i++) {
      if (offStart !== offEnd && i % 60 === 0) off = offsetMinutes((start + i) * 60_000, this.timeZone);
      const p = this.powerOfMinute(start + i, off);
      normal[i + 1] = normal[i]! + Math.max(p, 0);
      reverse[i + 1] = reverse[i]! + Math.max(-p, 0);
    }
    const b = { normal, reverse };
    this.blocks.set(k, b);
    return b;
  }

  /** The load curve: W during UTC minute `minute`, given the local offset then. */
  private powerOfMinute(minute: number, offset: number): number {
    const local = minute + offset;
    const day = Math.floor(local / 1440);
    const m = local - day * 1440;
    const seed = this.options.seed;
    const dayFactor = 0.85 + 0.3 * unit(seed, day, 1);
    const noise = (unit(seed, minute, 2) - 0.5) * 160;
    const burst = unit(seed, Math.floor(minute / 7), 3) > 0.93 ? 1100 : 0;
    const load = Math.max(60, BASE_CURVE[m]! * dayFactor + noise + burst);
    const solar = this.options.solar ? SOLAR_CURVE[m]! * (0.6 + 0.4 * unit(seed, day, 4)) : 0;
    return Math.round(load - solar);
  }
}

/** Household base load by local minute of day: night, morning, lunch, evening peaks. */
const BASE_CURVE = Float64Array.from({ length: 1440 }, (_, m) => {
  const h = m / 60;
  return (
    170 +
    900 * bump(h, 7.3, 0.8) +
    380 * bump(h, 12.3, 1) +
    1300 * bump(h, 19.4, 1.5) +
    300 * bump(h, 22.6, 0.7)
  );
});

/** Clear-sky solar output by local minute of day (06:00–18:00). */
const SOLAR_CURVE = Float64Array.from({ length: 1440 }, (_, m) => {
  const h = m / 60;
  return h > 6 && h < 18 ? 3200 * Math.sin((Math.PI * (h - 6)) / 12) ** 1.5 : 0;
});

function bump(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z);
}

/** A deterministic value in [0, 1) from (seed, n, stream): an integer hash, no state. */
function unit(seed: number, n: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35);
  h = Math.imul(h ^ (n | 0), 0x27d4eb2f);
  h ^= Math.imul(Math.floor(n / 4294967296) | 0, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}
