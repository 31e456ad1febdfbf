import { describe, expect, it } from 'vitest';
import { type BatchState, fetchProperties } from '../../src/broute/batch.js';
import type { Frame } from '../../src/echonet/frame.js';

/** A meter answering at most `max` EPCs, in `mode`, and never `missing` ones. */
function meter(max: number, mode: 'sna' | 'short', missing: number[] = []) {
  const asked: number[][] = [];
  const get = async (epcs: number[]): Promise<Frame> => {
    asked.push(epcs);
    const props = epcs.flatMap((epc, i) => {
      if (i >= max) return mode === 'sna' ? [{ epc, edt: new Uint8Array(0) }] : [];
      return [{ epc, edt: missing.includes(epc) ? new Uint8Array(0) : Uint8Array.of(epc) }];
    });
    const sna = props.some((p) => p.edt.length === 0);
    return { tid: 1, seoj: 0x028801, deoj: 0x05ff01, esv: sna ? 0x52 : 0x72, properties: props };
  };
  return { get, asked };
}

const EPCS = [0xe7, 0xe8, 0xe0, 0xea, 0xe3, 0xeb];
const fresh = (): BatchState => ({ limit: 6, unsupported: new Set() });

describe('adaptive batched Get', () => {
  it('asks once when the meter takes all', async () => {
    const m = meter(7, 'sna');
    const st = fresh();
    const got = await fetchProperties(m.get, EPCS, st);
    expect([...got.keys()]).toEqual(EPCS);
    expect(m.asked.length).toBe(1);
  });
  for (const mode of ['sna', 'short'] as const) {
    it(`learns a limit of 3 from ${mode} replies and keeps it`, async () => {
      const m = meter(3, mode);
      const st = fresh();
      const got = await fetchProperties(m.get, EPCS, st);
      expect(got.size).toBe(6);
      expect(st.limit).toBe(3);
      m.asked.length = 0;
      await fetchProperties(m.get, EPCS, st);
      expect(m.asked).toEqual([EPCS.slice(0, 3), EPCS.slice(3)]);
    });
  }
  it('marks a property unsupported without lowering the limit', async () => {
    const m = meter(7, 'sna', [0xe3]);
    const st = fresh();
    const got = await fetchProperties(m.get, EPCS, st);
    expect(got.has(0xe3)).toBe(false);
    expect(got.size).toBe(5);
    expect(st.unsupported).toEqual(new Set([0xe3]));
    expect(st.limit).toBe(6);
    m.asked.length = 0;
    await fetchProperties(m.get, EPCS, st);
    expect(m.asked).toEqual([[0xe7, 0xe8, 0xe0, 0xea, 0xeb]]);
  });
  it('halves when a whole batch comes back empty', async () => {
    const m = meter(0, 'short');
    const st = fresh();
    const got = await fetchProperties(m.get, [0xe7, 0xe8], st);
    expect(got.size).toBe(0);
    expect(m.asked).toEqual([[0xe7, 0xe8], [0xe7], [0xe8]]);
  });
});
