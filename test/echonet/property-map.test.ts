import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/echonet/hex.js';
import { decodePropertyMap, encodePropertyMap } from '../../src/echonet/property-map.js';

describe('decodePropertyMap (protocol.md §C.4)', () => {
  it('list form: real 9D vector 03 80 81 88', () => {
    expect(decodePropertyMap(fromHex('03808188'))).toEqual([0x80, 0x81, 0x88]);
  });

  it('list form: real 9E vector 03 81 E5 ED', () => {
    expect(decodePropertyMap(fromHex('0381E5ED'))).toEqual([0x81, 0xe5, 0xed]);
  });

  it('list form is returned sorted', () => {
    expect(decodePropertyMap(fromHex('03E78081'))).toEqual([0x80, 0x81, 0xe7]);
  });

  it('bitmap form: real 9F vector with 25 EPCs', () => {
    const epcs = decodePropertyMap(fromHex('1941414160404000624300414040430202'));
    expect(epcs?.map((e) => e.toString(16).toUpperCase())).toEqual(
      '80 81 82 88 8A 8D 97 98 9D 9E 9F D3 D7 E0 E1 E2 E3 E4 E5 E7 E8 EA EB EC ED'.split(' '),
    );
    expect(epcs).toHaveLength(0x19);
  });

  it('bitmap form maps byte i bit b to EPC 0x80 + (b << 4) + i', () => {
    const edt = new Uint8Array(17);
    edt[0] = 16;
    edt[1 + 0x0f] = 0x80; // byte 15, bit 7 → 0xFF
    edt[1 + 0x03] = 0x01; // byte 3, bit 0 → 0x83
    expect(decodePropertyMap(edt)).toEqual([0x83, 0xff]);
  });

  it('N = 0 is an empty map', () => {
    expect(decodePropertyMap(fromHex('00'))).toEqual([]);
  });

  it.each([
    ['empty EDT', ''],
    ['list shorter than N', '038081'],
    ['list longer than N', '02808188'],
    ['bitmap shorter than 16 bytes', '10414141604040006243004140404302'],
    ['bitmap longer than 16 bytes', '194141416040400062430041404043020200'],
  ])('%s → null', (_name, hex) => {
    expect(decodePropertyMap(fromHex(hex))).toBeNull();
  });

  it('encodePropertyMap reproduces the real 9F and 9D EDTs', () => {
    const nineF = fromHex('1941414160404000624300414040430202');
    expect(encodePropertyMap(decodePropertyMap(nineF)!)).toEqual(nineF);
    expect(encodePropertyMap([0x88, 0x80, 0x81])).toEqual(fromHex('03808188'));
  });

  it('round trip: any set of EPCs 0x80–0xFF survives encode → decode (both forms)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 128 }), (epcs) => {
        const sorted = [...epcs].sort((a, b) => a - b);
        expect(decodePropertyMap(encodePropertyMap(epcs))).toEqual(sorted);
      }),
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const r = decodePropertyMap(b);
        expect(r === null || Array.isArray(r)).toBe(true);
      }),
    );
  });
});
