import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/echonet/hex.js';
import {
  decodeCoefficient,
  decodeCumulative,
  decodeCurrents,
  decodeEffectiveDigits,
  decodeFixedTime,
  decodeHistory,
  decodeHistory2,
  decodeHistory2Time,
  decodeHistoryDay,
  decodeInstantPower,
  decodeMinuteEnergy,
  decodeUnit,
  unitMultiplier,
} from '../../src/echonet/meter.js';
import { decodeValue } from '../../src/echonet/values.js';

const METER = 0x028801;
const v = (epc: number, hex: string) => decodeValue(METER, epc, fromHex(hex));
/** JSON as `decode` prints it. */
const j = (epc: number, hex: string) => JSON.stringify(v(epc, hex));

// Real E2 response EDT (Toshiba meter, protocol.md §E-2, §C.3): day 11, 48 slots.
const E2_REAL =
  '000B0000F7660000F7680000F76A0000F76C0000F76D0000F76F0000F7700000F7720000F7740000F7760000F7770000F779' +
  '0000F77A0000F77C0000F77E0000F7800000F7810000F7830000F7840000F7860000F7880000F7890000F78B0000F78D0000' +
  'F78E0000F7900000F7920000F7930000F7950000F7960000F7980000F79A0000F79C0000F79D0000F79F0000F7A00000F7A2' +
  '0000F7A40000F7A60000F7A70000F7A90000F7AB0000F7AD0000F7AF0000F7B00000F7B20000F7B40000F7B6';

describe('E7 instantaneous power', () => {
  it.each([
    ['00000278', 632], // §C.3
    ['FFFFF856', -1962], // §E-1, exporting
    ['0000001C', 28], // §E-1
    ['0000055E', 1374], // §E-3
    ['0000029C', 668], // §E-3
    ['000003A0', 928], // §E-8
    ['000001F8', 504], // §E-6
    ['7FFFFFFD', 2147483645],
    ['80000001', -2147483647],
  ])('%s → %d', (hex, w) => {
    expect(decodeInstantPower(fromHex(hex))).toBe(w);
    expect(v(0xe7, hex)).toBe(w);
  });
  it.each([
    ['not measured', '7FFFFFFE'],
    ['overflow code', '7FFFFFFF'],
    ['underflow code', '80000000'],
    ['3 bytes', '000278'],
    ['5 bytes', '0000000278'],
  ])('%s → null', (_n, hex) => {
    expect(v(0xe7, hex)).toBeNull();
  });
});

describe('E8 instantaneous currents', () => {
  it('real §C.3 vector 001E0032 → R 3.0 A, T 5.0 A', () => {
    expect(decodeCurrents(fromHex('001E0032'))).toEqual({ r_a: 3, t_a: 5 });
    expect(j(0xe8, '001E0032')).toBe('{"r_a":3,"t_a":5}');
  });
  it('real §E-3 vectors', () => {
    expect(v(0xe8, '00000082')).toEqual({ r_a: 0, t_a: 13 });
    expect(v(0xe8, '00280028')).toEqual({ r_a: 4, t_a: 4 });
  });
  it('tenths stay exact and negatives are signed', () => {
    expect(v(0xe8, '0023FFF3')).toEqual({ r_a: 3.5, t_a: -1.3 });
    expect(v(0xe8, '7FFD8001')).toEqual({ r_a: 3276.5, t_a: -3276.7 });
  });
  it('0x7FFE (single-phase T) is null for that phase only', () => {
    expect(v(0xe8, '001E7FFE')).toEqual({ r_a: 3, t_a: null });
  });
  it('out-of-range codes 0x7FFF / 0x8000 are null', () => {
    expect(v(0xe8, '7FFF8000')).toEqual({ r_a: null, t_a: null });
  });
  it('wrong size → null', () => {
    expect(v(0xe8, '001E00')).toBeNull();
  });
});

describe('E0/E3 cumulative, D3, D7, E1, E5', () => {
  it('E0 real §E-2 0000FE73 → 65139 and §E-3 00052155 → 336213', () => {
    expect(v(0xe0, '0000FE73')).toBe(65139);
    expect(decodeCumulative(fromHex('00052155'))).toBe(336213);
  });
  it('E0/E3: 0xFFFFFFFE and values above 99,999,999 are null', () => {
    expect(v(0xe0, 'FFFFFFFE')).toBeNull();
    expect(v(0xe3, '05F5E0FF')).toBe(99_999_999);
    expect(v(0xe3, '05F5E100')).toBeNull();
    expect(v(0xe0, '0000')).toBeNull();
  });
  it('D3 real 00000001 → 1; range 0–999,999', () => {
    expect(v(0xd3, '00000001')).toBe(1);
    expect(decodeCoefficient(fromHex('000F423F'))).toBe(999_999);
    expect(decodeCoefficient(fromHex('000F4240'))).toBeNull();
    expect(decodeCoefficient(fromHex('000001'))).toBeNull();
  });
  it('D7 real 06 → 6; 1–8 only', () => {
    expect(v(0xd7, '06')).toBe(6);
    expect(decodeEffectiveDigits(fromHex('00'))).toBeNull();
    expect(decodeEffectiveDigits(fromHex('09'))).toBeNull();
    expect(decodeEffectiveDigits(fromHex('0606'))).toBeNull();
  });
  it.each([
    [0x00, 1],
    [0x01, 0.1],
    [0x02, 0.01],
    [0x03, 0.001],
    [0x04, 0.0001],
    [0x0a, 10],
    [0x0b, 100],
    [0x0c, 1000],
    [0x0d, 10000],
  ])('E1 code %i → %d kWh', (code, kwh) => {
    expect(unitMultiplier(code)).toBe(kwh);
    expect(decodeUnit(Uint8Array.of(code))).toBe(kwh);
    expect(v(0xe1, code.toString(16).padStart(2, '0'))).toBe(kwh);
  });
  it('E1 undefined codes and wrong size → null', () => {
    expect(unitMultiplier(0x05)).toBeNull();
    expect(unitMultiplier(0x0e)).toBeNull();
    expect(v(0xe1, '0101')).toBeNull();
  });
  it('E5: 0–99 as is, 0xFF (not set) → null', () => {
    expect(v(0xe5, '00')).toBe(0);
    expect(decodeHistoryDay(fromHex('63'))).toBe(99);
    expect(decodeHistoryDay(fromHex('64'))).toBeNull();
    expect(v(0xe5, 'FF')).toBeNull();
  });
});

describe('EA/EB fixed-time cumulative energy', () => {
  it('real EA §C.3 → 2026-05-20 14:00:00, raw 65128', () => {
    const edt = fromHex('07EA05140E00000000FE68');
    expect(decodeFixedTime(edt)).toEqual({
      time: { year: 2026, month: 5, day: 20, hour: 14, minute: 0, second: 0 },
      raw: 65128,
    });
    expect(j(0xea, '07EA05140E00000000FE68')).toBe('{"time":"2026-05-20T14:00:00","raw":65128}');
  });
  it('real EB §E-2 → 2026-05-24 22:30:00, raw 22', () => {
    expect(v(0xeb, '07EA0518161E0000000016')).toEqual({ time: '2026-05-24T22:30:00', raw: 22 });
  });
  it('raw 0xFFFFFFFE → null, time kept', () => {
    expect(v(0xea, '07EA05140E0000FFFFFFFE')).toEqual({ time: '2026-05-20T14:00:00', raw: null });
  });
  it('date bytes all FF → time null', () => {
    expect(v(0xea, 'FFFFFFFFFFFFFF0000FE68')).toEqual({ time: null, raw: 65128 });
  });
  it('impossible dates → time null', () => {
    expect(v(0xea, '07EA0D140E00000000FE68')).toEqual({ time: null, raw: 65128 }); // month 13
    expect(v(0xea, '07EA021E0E00000000FE68')).toEqual({ time: null, raw: 65128 }); // 30 Feb
    expect(v(0xea, '07EA05141800000000FE68')).toEqual({ time: null, raw: 65128 }); // 24:00
  });
  it('29 February only in leap years', () => {
    expect(v(0xea, '07E8021D0000000000000A')).toEqual({ time: '2024-02-29T00:00:00', raw: 10 });
    expect(v(0xea, '07E9021D0000000000000A')).toEqual({ time: null, raw: 10 });
  });
  it('wrong size → null', () => {
    expect(v(0xea, '07EA05140E000000FE68')).toBeNull();
  });
});

describe('E2/E4 historical cumulative energy 1', () => {
  it('real 194-byte E2 (§C.3): day 11, 48 slots from 0xF766 to 0xF7B6', () => {
    const h = decodeHistory(fromHex(E2_REAL));
    expect(h?.day).toBe(11);
    expect(h?.raw).toHaveLength(48);
    expect(h?.raw[0]).toBe(0xf766);
    expect(h?.raw[47]).toBe(0xf7b6);
    const raw = h?.raw as number[];
    for (let i = 1; i < raw.length; i++) expect(raw[i]!).toBeGreaterThanOrEqual(raw[i - 1]!);
  });
  it('prints {"day":…,"raw":[…]}', () => {
    const printed = JSON.parse(j(0xe2, E2_REAL)) as { day: number; raw: number[] };
    expect(Object.keys(printed)).toEqual(['day', 'raw']);
    expect(printed.day).toBe(11);
    expect(printed.raw.slice(0, 3)).toEqual([63334, 63336, 63338]);
  });
  it('slots 0xFFFFFFFE → null; day 0xFFFF → null (E4 same layout)', () => {
    const edt = `FFFF${'00000010'.repeat(20)}${'FFFFFFFE'.repeat(28)}`;
    const h = v(0xe4, edt) as { day: number | null; raw: (number | null)[] };
    expect(h.day).toBeNull();
    expect(h.raw.slice(0, 20).every((x) => x === 16)).toBe(true);
    expect(h.raw.slice(20).every((x) => x === null)).toBe(true);
  });
  it('day 0x00FF (not set per MRA) → null', () => {
    expect((v(0xe2, `00FF${'00000000'.repeat(48)}`) as { day: unknown }).day).toBeNull();
  });
  it('wrong size → null', () => {
    expect(v(0xe2, E2_REAL.slice(0, -8))).toBeNull();
  });
});

describe('EC/ED historical cumulative energy 2, EE/EF, D0', () => {
  it('EC: time, count and normal/reverse items', () => {
    const edt = '07EA05140E1E02' + '00000064FFFFFFFE' + '0000006300000001';
    expect(j(0xec, edt)).toBe(
      '{"time":"2026-05-20T14:30:00","count":2,"items":[{"normal":100,"reverse":null},{"normal":99,"reverse":1}]}',
    );
    expect(decodeHistory2(fromHex(edt))?.time).toEqual({
      year: 2026,
      month: 5,
      day: 20,
      hour: 14,
      minute: 30,
      second: 0,
    });
  });
  it('EC: count outside 1–12 or size not 7 + 8n → null', () => {
    expect(v(0xec, '07EA05140E1E00')).toBeNull();
    expect(v(0xec, `07EA05140E1E0D${'0000006400000000'.repeat(13)}`)).toBeNull();
    expect(v(0xec, '07EA05140E1E02' + '0000006400000000')).toBeNull();
  });
  it('EE allows at most 10 items', () => {
    expect((v(0xee, `07EA05140E1E0A${'0000000100000002'.repeat(10)}`) as { count: number }).count).toBe(10);
    expect(v(0xee, `07EA05140E1E0B${'0000000100000002'.repeat(11)}`)).toBeNull();
  });
  it('ED: time and count; all FF → time null', () => {
    expect(v(0xed, '07EA05140E0006')).toEqual({ time: '2026-05-20T14:00:00', count: 6 });
    expect(decodeHistory2Time(fromHex('FFFFFFFFFFFFFF'))).toEqual({ time: null, count: 255 });
    expect(v(0xed, 'FFFFFFFFFFFFFF')).toEqual({ time: null, count: 255 });
    expect(v(0xef, '07EA05140E01')).toBeNull();
  });
  it('D0: one-minute energy with seconds', () => {
    expect(v(0xd0, '07EA05140E0115000000640000000A')).toEqual({
      time: '2026-05-20T14:01:21',
      normal: 100,
      reverse: 10,
    });
    expect(decodeMinuteEnergy(fromHex('07EA05140E0115'))).toBeNull();
  });
});

describe('decodeValue dispatch', () => {
  it('PDC 0 → null for every EPC', () => {
    for (let epc = 0; epc < 256; epc++) expect(decodeValue(METER, epc, new Uint8Array(0))).toBeNull();
  });
  it('unknown EPC → null', () => {
    expect(v(0xf0, '01')).toBeNull();
    expect(v(0x81, '61')).toBeNull();
  });
  it('meter-only EPCs are not decoded on other classes', () => {
    expect(decodeValue(0x05ff01, 0xe7, fromHex('00000278'))).toBeNull();
  });
  it('never throws and always yields JSON-serialisable values on random EDTs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(METER, 0x0ef001, 0x05ff01),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 200 }),
        (eoj, epc, edt) => {
          const value = decodeValue(eoj, epc, edt);
          expect(value).not.toBeUndefined();
          expect(JSON.parse(JSON.stringify(value))).toEqual(value);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
