import { describe, expect, it } from 'vitest';
import {
  type BatchState,
  fetchProperties,
  newBatchState,
  REFUSED_DROP_AFTER_MS,
} from '../../src/broute/batch.js';
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
const fresh = (): BatchState => newBatchState(6);
const at = (now: number) => ({ now, keep: new Set([0xe7, 0xe0, 0xea]) });

describe('adaptive batched Get', () => {
  it('asks once when the meter takes all', async () => {
    const m = meter(7, 'sna');
    const got = await fetchProperties(m.get, EPCS, fresh(), at(0));
    expect([...got.keys()]).toEqual(EPCS);
    expect(m.asked.length).toBe(1);
  });
  for (const mode of ['sna', 'short'] as const) {
    it(`learns a limit of 3 from ${mode} replies and keeps it`, async () => {
      const m = meter(3, mode);
      const st = fresh();
      const got = await fetchProperties(m.get, EPCS, st, at(0));
      expect(got.size).toBe(6);
      expect(st.limit).toBe(3);
      m.asked.length = 0;
      await fetchProperties(m.get, EPCS, st, at(0));
      expect(m.asked).toEqual([EPCS.slice(0, 3), EPCS.slice(3)]);
    });
  }
  it('a single property dropped at the end lowers the limit only when it happens again', async () => {
    const m = meter(5, 'sna');
    const st = fresh();
    expect((await fetchProperties(m.get, EPCS, st, at(0))).size).toBe(6);
    expect(st.limit).toBe(6);
    expect((await fetchProperties(m.get, EPCS, st, at(1))).size).toBe(6);
    expect(st.limit).toBe(5);
    m.asked.length = 0;
    await fetchProperties(m.get, EPCS, st, at(2));
    expect(m.asked).toEqual([EPCS.slice(0, 5), EPCS.slice(5)]);
  });
  it('a refused property is asked again at the next reading, without lowering the limit', async () => {
    const m = meter(7, 'sna', [0xe3]);
    const st = fresh();
    const got = await fetchProperties(m.get, EPCS, st, at(0));
    expect(got.has(0xe3)).toBe(false);
    expect(got.size).toBe(5);
    expect(m.asked).toHaveLength(1);
    expect(st.limit).toBe(6);
    m.asked.length = 0;
    await fetchProperties(m.get, EPCS, st, at(60_000));
    expect(m.asked).toEqual([EPCS]);
  });
  it('drops a property refused in every reading for an hour, never one it keeps', async () => {
    const m = meter(7, 'sna', [0xe3, 0xea]);
    const st = fresh();
    const dropped: number[] = [];
    const o = (now: number) => ({ ...at(now), onDrop: (e: number) => dropped.push(e) });
    await fetchProperties(m.get, EPCS, st, o(0));
    await fetchProperties(m.get, EPCS, st, o(REFUSED_DROP_AFTER_MS - 1));
    expect(dropped).toEqual([]);
    await fetchProperties(m.get, EPCS, st, o(REFUSED_DROP_AFTER_MS));
    expect(dropped).toEqual([0xe3]);
    m.asked.length = 0;
    await fetchProperties(m.get, EPCS, st, o(REFUSED_DROP_AFTER_MS + 1));
    expect(m.asked).toEqual([[0xe7, 0xe8, 0xe0, 0xea, 0xeb]]);
  });
  it('an answer in between starts the hour again', async () => {
    let busy = true;
    const get = async (epcs: number[]): Promise<Frame> => ({
      tid: 1,
      seoj: 0x028801,
      deoj: 0x05ff01,
      esv: 0x52,
      properties: epcs.map((epc) => ({
        epc,
        edt: busy && epc === 0xe8 ? new Uint8Array(0) : Uint8Array.of(1),
      })),
    });
    const st = fresh();
    await fetchProperties(get, EPCS, st, at(0));
    busy = false;
    await fetchProperties(get, EPCS, st, at(REFUSED_DROP_AFTER_MS / 2));
    busy = true;
    await fetchProperties(get, EPCS, st, at(REFUSED_DROP_AFTER_MS));
    expect(st.dropped.size).toBe(0);
  });
  it('an all-refused reply (a busy meter) costs no extra round trips and drops nothing', async () => {
    const m = meter(7, 'sna', EPCS);
    const st = fresh();
    const got = await fetchProperties(m.get, EPCS, st, at(0));
    expect(got.size).toBe(0);
    expect(m.asked).toHaveLength(1);
    expect(st.dropped.size).toBe(0);
  });
  it('halves when a whole batch comes back short and empty', async () => {
    const m = meter(0, 'short');
    const got = await fetchProperties(m.get, [0xe7, 0xe8], fresh(), at(0));
    expect(got.size).toBe(0);
    expect(m.asked).toEqual([[0xe7, 0xe8], [0xe7], [0xe8]]);
  });
});
