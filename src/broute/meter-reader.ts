/**
 * The meter behind the link: its constants (D3, E1, D7 and the Get property map, once per
 * meter), one batched Get per reading, and one day of history (protocol.md §B.3, §C).
 * It returns decoded values; records are built outside broute/.
 */
import { ESV } from '../echonet/esv.js';
import {
  type DayHistory,
  decodeCoefficient,
  decodeEffectiveDigits,
  decodeHistory,
  decodeIf,
  decodeReadingValues,
  type MeterConstants,
} from '../echonet/meter.js';
import { decodePropertyMap } from '../echonet/property-map.js';
import { HemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MeterSample } from './api.js';
import { type BatchState, fetchProperties } from './batch.js';
import type { Requester } from './requester.js';

/** Per-reading EPCs (§C.2); E3/EB only when the Get map lists them. */
const BASE_EPCS = [0xe7, 0xe8, 0xe0, 0xea];
const REVERSE_EPCS = [0xe3, 0xeb];
const CONSTANT_EPCS = [0xd3, 0xe1, 0xd7, 0x9f];
const INITIAL_PER_GET = 6;

interface Facts {
  meter: string;
  constants: MeterConstants;
  getMap: ReadonlySet<number> | null;
}

export class MeterReader {
  private facts: Facts | null = null;
  private readonly batch: BatchState = { limit: INITIAL_PER_GET, unsupported: new Set() };

  constructor(
    private readonly requester: Requester,
    private readonly log: Logger,
  ) {}

  constants(): MeterConstants | null {
    return this.facts?.constants ?? null;
  }

  /** D3 (1 when unsupported), E1, D7, 9F: once per meter (§C.1, §H). A new meter starts over. */
  async ensureFacts(meter: string, signal?: AbortSignal): Promise<void> {
    if (this.facts?.meter === meter) return;
    if (this.facts) {
      this.batch.limit = INITIAL_PER_GET;
      this.batch.unsupported.clear();
    }
    this.facts = null;
    const props = await fetchProperties(
      (epcs) => this.requester.get(epcs, signal),
      CONSTANT_EPCS,
      this.batch,
    );
    // E1 is kept as its code (toKwh scales by code); an unknown code gives null kWh values.
    const e1 = props.get(0xe1);
    if (e1?.length !== 1)
      throw new HemsError('METER_BAD_RESPONSE', 'the meter did not report its energy unit (E1)');
    const getMap = decodeIf(decodePropertyMap, props.get(0x9f));
    this.facts = {
      meter,
      constants: {
        coefficient: decodeIf(decodeCoefficient, props.get(0xd3)) ?? 1,
        unitCode: e1[0]!,
        digits: decodeIf(decodeEffectiveDigits, props.get(0xd7)) ?? 8,
      },
      getMap: getMap ? new Set(getMap) : null,
    };
    this.log.info('meter constants', { ...this.facts.constants, perGet: this.batch.limit });
  }

  /** One batched Get of the per-reading properties (split when the meter wants it, §D.3). */
  async sample(now: () => number, signal?: AbortSignal): Promise<MeterSample> {
    const f = this.known();
    const map = f.getMap;
    const wanted = [...BASE_EPCS, ...(map ? REVERSE_EPCS : [])].filter((e) => !map || map.has(e));
    const props = await fetchProperties((epcs) => this.requester.get(epcs, signal), wanted, this.batch);
    return { meter: f.meter, atMs: now(), constants: f.constants, ...decodeReadingValues(props) };
  }

  /** SetC E5 = day, then Get E2 (§B.3, §C.2); the E2 must echo the day asked for. */
  async historyDay(day: number, signal?: AbortSignal): Promise<DayHistory> {
    const f = this.known();
    if (f.getMap && !f.getMap.has(0xe2)) {
      throw new HemsError('METER_SNA', 'the meter does not list E2 (day history) in its Get map');
    }
    const set = await this.requester.request(
      { esv: ESV.SetC, properties: [{ epc: 0xe5, edt: Uint8Array.of(day) }] },
      [ESV.Set_Res, ESV.SetC_SNA],
      signal,
    );
    if (set.esv !== ESV.Set_Res) throw new HemsError('METER_SNA', `the meter refused E5 = ${day} (SetC_SNA)`);
    const res = await this.requester.get([0xe2], signal);
    const h = decodeIf(decodeHistory, res.properties.find((p) => p.epc === 0xe2)?.edt);
    if (!h) throw new HemsError('METER_SNA', 'the meter gave no day history (E2)');
    if (h.day !== day) {
      throw new HemsError('METER_BAD_RESPONSE', `the meter answered history day ${h.day} for day ${day}`, {
        asked: day,
        got: h.day,
      });
    }
    return h;
  }

  private known(): Facts {
    if (!this.facts) throw new HemsError('METER_BAD_RESPONSE', 'the meter constants are not known yet');
    return this.facts;
  }
}
