/**
 * The meter behind the link: its constants (D3, E1, D7 and the Get property map, cached in
 * meter.json), one batched Get per reading, and one day of history (protocol.md §B.3, §C).
 * It returns decoded values; records are built outside broute/.
 */
import { ESV } from '../echonet/esv.js';
import {
  decodeCoefficient,
  decodeEffectiveDigits,
  decodeHistory,
  decodeIf,
  decodeReadingValues,
  type MeterConstants,
} from '../echonet/meter.js';
import { decodePropertyMap } from '../echonet/property-map.js';
import { decodeCurrentDate } from '../echonet/superclass.js';
import { HemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HistoryDay, MeterSample } from './api.js';
import { fetchProperties, newBatchState } from './batch.js';
import type { Requester } from './requester.js';
import { loadFacts, saveFacts } from './state-files.js';

const D3 = 0xd3;
const E1 = 0xe1;
const D7 = 0xd7;
const GET_MAP = 0x9f;
const CURRENT_TIME = 0x97;
const CURRENT_DATE = 0x98;
const CONSTANT_EPCS = [D3, E1, D7, GET_MAP];
/** Per-reading EPCs (§C.2); E3/EB only when the Get map lists them. */
const BASE_EPCS = [0xe7, 0xe8, 0xe0, 0xea];
const REVERSE_EPCS = [0xe3, 0xeb];
/** Never dropped while the Get map lists them, however often refused (issue 15). */
const KEEP = [0xe7, 0xe0, 0xea];
const INITIAL_PER_GET = 6;
/** A meter without D7: the widest counter (a wrap is then only assumed at 10^8). */
const UNKNOWN_DIGITS = 8;

interface Facts {
  meter: string;
  constants: MeterConstants;
  getMap: ReadonlySet<number> | null;
  /** Constants still to be confirmed by the meter: the values in use came from meter.json. */
  unconfirmed: Set<number>;
}

export class MeterReader {
  private facts: Facts | null = null;
  private factsFor: string | null = null;
  private batch = newBatchState(INITIAL_PER_GET);
  private saved = '';
  private saving: Promise<void> = Promise.resolve();
  /** The day E5 was last set to (a history read cut short resumes at its Get); null = unknown. */
  private e5: number | null = null;

  constructor(
    private readonly requester: Requester,
    private readonly log: Logger,
    private readonly stateDir: string,
  ) {}

  /** The meter's constants, once its coefficient and unit are confirmed. */
  constants(): MeterConstants | null {
    const f = this.facts;
    return f && !f.unconfirmed.has(D3) && !f.unconfirmed.has(E1) ? f.constants : null;
  }

  /**
   * One batched Get of the per-reading properties. On a first start the constants come first
   * (the Get map decides what else to ask); with cached constants, D3 and E1 come along in the
   * same Get (no value leaves with a stale coefficient or unit), and D7 and the Get map when
   * they fit in the round trips the reading takes anyway (§D.3). The reverse-direction values
   * wait for a confirmed map.
   */
  async sample(meter: string, now: () => number, signal?: AbortSignal): Promise<MeterSample> {
    await this.prepare(meter);
    if (!this.facts) await this.readConstants(meter, now, signal);
    const f = this.facts!;
    const map = f.getMap;
    const reverse = map && !f.unconfirmed.has(GET_MAP) ? REVERSE_EPCS : [];
    const values = [...BASE_EPCS, ...reverse].filter((e) => !map || map.has(e));
    const must = [D3, E1].filter((e) => f.unconfirmed.has(e));
    const limit = Math.max(1, this.batch.limit);
    const spare = Math.ceil((must.length + values.length) / limit) * limit - must.length - values.length;
    const extra = [D7, GET_MAP].filter((e) => f.unconfirmed.has(e)).slice(0, spare);
    const wanted = [...must, ...extra, ...values];
    const props = await this.fetch(wanted, map, now(), signal);
    const facts = this.learn(meter, wanted, props);
    return { meter, atMs: now(), constants: facts.constants, ...decodeReadingValues(props) };
  }

  /**
   * SetC E5 = day, then Get E2 with the meter's date (0x98) and time (0x97) when listed (§B.3,
   * §C.2); the E2 must echo the day asked for. With a deadline (the next live reading), no
   * request waits past it (Requester.request); a day cut short resumes at its Get (E5 is
   * remembered).
   */
  async historyDay(
    meter: string,
    day: number,
    now: () => number,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<HistoryDay> {
    await this.prepare(meter);
    if (!this.constants()) await this.readConstants(meter, now, signal, deadline);
    const map = this.facts?.getMap;
    if (map && !map.has(0xe2)) {
      throw new HemsError('METER_SNA', 'the meter does not list E2 (day history) in its Get map');
    }
    if (this.e5 !== day) {
      this.e5 = null;
      const set = await this.requester.request(
        { esv: ESV.SetC, properties: [{ epc: 0xe5, edt: Uint8Array.of(day) }] },
        [ESV.Set_Res, ESV.SetC_SNA],
        signal,
        deadline,
      );
      if (set.esv !== ESV.Set_Res)
        throw new HemsError('METER_SNA', `the meter refused E5 = ${day} (SetC_SNA)`);
      this.e5 = day;
    }
    const clock = [CURRENT_DATE, CURRENT_TIME].filter((e) => !map || map.has(e));
    const res = await this.requester.get([0xe2, ...clock], signal, deadline);
    const edt = (epc: number) => res.properties.find((p) => p.epc === epc)?.edt;
    const h = decodeIf(decodeHistory, edt(0xe2));
    if (!h) throw new HemsError('METER_SNA', 'the meter gave no day history (E2)');
    if (h.day !== day) {
      this.e5 = h.day;
      throw new HemsError('METER_BAD_RESPONSE', `the meter answered history day ${h.day} for day ${day}`, {
        asked: day,
        got: h.day,
      });
    }
    return { ...h, meterDate: decodeIf(decodeCurrentDate, edt(CURRENT_DATE)) };
  }

  /** D3, E1, D7 and the Get map in one Get (split as the meter needs). */
  private async readConstants(
    meter: string,
    now: () => number,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<void> {
    const props = await this.fetch(CONSTANT_EPCS, this.facts?.getMap ?? null, now(), signal, deadline);
    this.learn(meter, CONSTANT_EPCS, props);
  }

  /** The cached facts of a meter not seen yet in this run (no radio); a new meter starts over. */
  private async prepare(meter: string): Promise<void> {
    if (this.factsFor === meter) return;
    this.factsFor = meter;
    this.e5 = null;
    this.batch = newBatchState(INITIAL_PER_GET);
    this.facts = null;
    const cached = await loadFacts(this.stateDir, meter, (why) => this.log.info(why));
    if (!cached) return;
    this.facts = {
      meter,
      constants: cached.constants,
      getMap: cached.getMap ? new Set(cached.getMap) : null,
      unconfirmed: new Set(CONSTANT_EPCS),
    };
    this.batch.limit = cached.perGet;
    this.saved = JSON.stringify(cached);
    this.log.info('using the cached meter constants; the first reading confirms them', {
      ...cached.constants,
    });
  }

  private fetch(
    epcs: readonly number[],
    map: ReadonlySet<number> | null,
    now: number,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<Map<number, Uint8Array>> {
    return fetchProperties((e) => this.requester.get(e, signal, deadline), epcs, this.batch, {
      now,
      keep: new Set(KEEP.filter((e) => !map || map.has(e))),
      onDrop: (epc) =>
        this.log.warn(
          `the meter refused EPC ${epc.toString(16).toUpperCase()} in every reading for an hour; no longer asked`,
        ),
    });
  }

  /** Takes the constants a reply carried; a change against the cache is said once (§C.1). */
  private learn(meter: string, asked: readonly number[], props: ReadonlyMap<number, Uint8Array>): Facts {
    const before = this.facts;
    const f: Facts = before ?? {
      meter,
      constants: { coefficient: 1, unitCode: -1, digits: UNKNOWN_DIGITS },
      getMap: null,
      unconfirmed: new Set(CONSTANT_EPCS),
    };
    const c = { ...f.constants };
    const listed = (epc: number): boolean => f.getMap === null || f.getMap.has(epc);
    if (asked.includes(D3)) {
      const v = decodeIf(decodeCoefficient, props.get(D3));
      // D3 is optional: a meter without it scales by 1 (§C.1). One that lists it but was busy
      // keeps what we had and is asked again.
      if (v !== null || !listed(D3) || !before) {
        c.coefficient = v ?? 1;
        f.unconfirmed.delete(D3);
      }
    }
    const e1 = props.get(E1);
    if (asked.includes(E1) && e1?.length === 1) {
      c.unitCode = e1[0]!;
      f.unconfirmed.delete(E1);
    }
    if (c.unitCode < 0)
      throw new HemsError('METER_BAD_RESPONSE', 'the meter did not report its energy unit (E1)');
    const digits = decodeIf(decodeEffectiveDigits, props.get(D7));
    if (digits !== null) {
      c.digits = digits;
      f.unconfirmed.delete(D7);
    }
    const map = decodeIf(decodePropertyMap, props.get(GET_MAP));
    if (map) {
      f.getMap = new Set(map);
      f.unconfirmed.delete(GET_MAP);
    }
    const changed = (['coefficient', 'unitCode', 'digits'] as const).filter(
      (k) =>
        before &&
        !f.unconfirmed.has(k === 'coefficient' ? D3 : k === 'unitCode' ? E1 : D7) &&
        before.constants[k] !== c[k],
    );
    if (changed.length > 0)
      this.log.warn(
        `the meter's constants differ from the cached ones (${changed.join(', ')}); using the meter's`,
        {
          ...c,
        },
      );
    if (!before) this.log.info('meter constants', { ...c, perGet: this.batch.limit });
    f.constants = c;
    this.facts = f;
    this.remember(f);
    return f;
  }

  /** Resolves once meter.json writes in progress are done. */
  flush(): Promise<void> {
    return this.saving;
  }

  /** Writes meter.json when what it would hold changed (SD-card wear). */
  private remember(f: Facts): void {
    if (f.unconfirmed.has(D3) || f.unconfirmed.has(E1)) return;
    const entry = {
      addr: f.meter,
      constants: f.constants,
      getMap: f.getMap ? [...f.getMap].sort((a, b) => a - b) : null,
      perGet: this.batch.limit,
    };
    const text = JSON.stringify(entry);
    if (text === this.saved) return;
    this.saved = text;
    this.saving = this.saving
      .then(() => saveFacts(this.stateDir, entry))
      .catch((e: unknown) => this.log.warn(`cannot save the meter constants: ${String(e)}`));
  }
}
