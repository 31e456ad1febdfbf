import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/echonet/hex.js';
import {
  decodeCoefficient,
  decodeCumulative,
  decodeCurrents,
  decodeFixedTime,
  decodeHistory,
  decodeInstantPower,
  decodePropertyMap,
} from '../../src/reading/decode.js';

describe('class 0x0288 decoders (protocol.md §C.3 vectors)', () => {
  it('decodes E7 including export and not-measured', () => {
    expect(decodeInstantPower(fromHex('00000278'))).toBe(632);
    expect(decodeInstantPower(fromHex('FFFFF856'))).toBe(-1962);
    expect(decodeInstantPower(fromHex('7FFFFFFE'))).toBeNull();
    expect(decodeInstantPower(fromHex('0000'))).toBeNull();
  });
  it('decodes E8 currents; T 0x7FFE is null', () => {
    expect(decodeCurrents(fromHex('001E0032'))).toEqual({ r: 3, t: 5 });
    expect(decodeCurrents(fromHex('00327FFE'))).toEqual({ r: 5, t: null });
    expect(decodeCurrents(fromHex('FFF60000'))).toEqual({ r: -1, t: 0 });
  });
  it('decodes EA', () => {
    expect(decodeFixedTime(fromHex('07EA05140E00000000FE68'))).toEqual({
      year: 2026,
      month: 5,
      day: 20,
      hour: 14,
      minute: 0,
      second: 0,
      raw: 65128,
    });
    expect(decodeFixedTime(fromHex('07EA05140E0000FFFFFFFE'))?.raw).toBeNull();
    expect(decodeFixedTime(fromHex('07EA0D140E00000000FE68'))).toBeNull();
  });
  it('decodes D3, E0, E2', () => {
    expect(decodeCoefficient(fromHex('00000001'))).toBe(1);
    expect(decodeCumulative(fromHex('0000FE68'))).toBe(65128);
    expect(decodeCumulative(fromHex('FFFFFFFE'))).toBeNull();
    const e2 = new Uint8Array(194).fill(0xff);
    e2[0] = 0;
    e2[1] = 0x0b;
    e2.set([0, 0, 0xf7, 0x66], 2);
    const h = decodeHistory(e2);
    expect(h?.day).toBe(11);
    expect(h?.slots[0]).toBe(0xf766);
    expect(h?.slots[1]).toBeNull();
  });
  it('decodes property maps in both forms', () => {
    expect([...(decodePropertyMap(fromHex('03808188')) ?? [])]).toEqual([0x80, 0x81, 0x88]);
    const big = decodePropertyMap(fromHex('1941414160404000624300414040430202'));
    expect(big?.size).toBe(25);
    for (const epc of [0x80, 0x9f, 0xd3, 0xd7, 0xe0, 0xe1, 0xe7, 0xe8, 0xea, 0xeb, 0xed])
      expect(big?.has(epc)).toBe(true);
    expect(big?.has(0xee)).toBe(false);
  });
});
