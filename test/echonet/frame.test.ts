import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, type Frame, getRequest } from '../../src/echonet/frame.js';
import { fromHex, toHex } from '../../src/echonet/hex.js';
import { type HemsErrorCode, isHemsError } from '../../src/errors.js';

function codeOf(fn: () => unknown): HemsErrorCode | 'no error' | 'not a HemsError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isHemsError(e) ? e.code : 'not a HemsError';
  }
}

const edt = (hex: string) => fromHex(hex);

describe('encodeFrame / decodeFrame byte tables', () => {
  const table: { name: string; hex: string; frame: Frame }[] = [
    {
      name: 'Get E7 request (protocol.md §A.4)',
      hex: '1081000105FF010288016201E700',
      frame: { tid: 1, seoj: 0x05ff01, deoj: 0x028801, esv: 0x62, properties: [{ epc: 0xe7, edt: edt('') }] },
    },
    {
      name: 'Get_Res E7 632 W (§B.1 worked example)',
      hex: '1081000102880105FF017201E70400000278',
      frame: {
        tid: 1,
        seoj: 0x028801,
        deoj: 0x05ff01,
        esv: 0x72,
        properties: [{ epc: 0xe7, edt: edt('00000278') }],
      },
    },
    {
      name: 'INF D5 instance list (§E-2)',
      hex: '108100000EF0010EF0017301D50401028801',
      frame: {
        tid: 0,
        seoj: 0x0ef001,
        deoj: 0x0ef001,
        esv: 0x73,
        properties: [{ epc: 0xd5, edt: edt('01028801') }],
      },
    },
    {
      name: 'Get_Res OPC 3 (§E-3)',
      hex: '1081000102880105FF017203E7040000055EE80400000082E00400052155',
      frame: {
        tid: 1,
        seoj: 0x028801,
        deoj: 0x05ff01,
        esv: 0x72,
        properties: [
          { epc: 0xe7, edt: edt('0000055E') },
          { epc: 0xe8, edt: edt('00000082') },
          { epc: 0xe0, edt: edt('00052155') },
        ],
      },
    },
    {
      name: 'Get_SNA with PDC 0 (§B.3)',
      hex: '1081000102880105FF0152018300',
      frame: { tid: 1, seoj: 0x028801, deoj: 0x05ff01, esv: 0x52, properties: [{ epc: 0x83, edt: edt('') }] },
    },
    {
      name: 'TID 0x1002 and OPC 0',
      hex: '1081100205FF010288016200',
      frame: { tid: 0x1002, seoj: 0x05ff01, deoj: 0x028801, esv: 0x62, properties: [] },
    },
  ];
  for (const row of table) {
    it(`${row.name}: decodes`, () => {
      expect(decodeFrame(fromHex(row.hex))).toEqual(row.frame);
    });
    it(`${row.name}: encodes`, () => {
      expect(toHex(encodeFrame(row.frame))).toBe(row.hex);
    });
  }

  it('getRequest builds a Get with PDC 0 for every EPC', () => {
    const f = getRequest(0x1234, 0x05ff01, 0x028801, [0xe7, 0xe8, 0xe0]);
    expect(toHex(encodeFrame(f))).toBe('1081123405FF010288016203E700E800E000');
  });
});

describe('decodeFrame malformed input', () => {
  const cases: { name: string; hex: string; code: HemsErrorCode }[] = [
    { name: 'empty', hex: '', code: 'FRAME_TRUNCATED_HEADER' },
    { name: '11-byte header', hex: '1081000102880105FF0172', code: 'FRAME_TRUNCATED_HEADER' },
    { name: 'EHD1 not 0x10', hex: '1181000102880105FF017200', code: 'FRAME_BAD_EHD' },
    { name: 'EHD2 format 2', hex: '1082000102880105FF017200', code: 'FRAME_BAD_EHD' },
    { name: 'PDC past the end', hex: '1081000102880105FF017201E704000002', code: 'FRAME_PDC_OVERRUN' },
    { name: 'EPC without PDC', hex: '1081000102880105FF017201E7', code: 'FRAME_PDC_OVERRUN' },
    {
      name: 'OPC larger than the properties',
      hex: '1081000102880105FF017202E70400000278',
      code: 'FRAME_OPC_MISMATCH',
    },
    {
      name: 'OPC 1 with nothing after the header',
      hex: '1081000102880105FF017201',
      code: 'FRAME_OPC_MISMATCH',
    },
    {
      name: 'bytes after the last property',
      hex: '1081000102880105FF017201E7040000027800',
      code: 'FRAME_TRAILING_BYTES',
    },
    {
      name: 'OPC 0 but a property follows',
      hex: '1081000102880105FF017200E700',
      code: 'FRAME_TRAILING_BYTES',
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      expect(codeOf(() => decodeFrame(fromHex(c.hex)))).toBe(c.code);
    });
  }

  it('the error message names the problem in one line', () => {
    try {
      decodeFrame(fromHex('1081000102880105FF017201E704000002'));
      expect.unreachable();
    } catch (e) {
      expect(isHemsError(e)).toBe(true);
      expect((e as Error).message).toMatch(/E7.*PDC 4/);
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('encodeFrame rejects fields that do not fit', () => {
  const base: Frame = { tid: 1, seoj: 0x05ff01, deoj: 0x028801, esv: 0x62, properties: [] };
  const bad: [string, Frame][] = [
    ['TID > 0xFFFF', { ...base, tid: 0x10000 }],
    ['negative TID', { ...base, tid: -1 }],
    ['fractional TID', { ...base, tid: 1.5 }],
    ['SEOJ > 24 bits', { ...base, seoj: 0x1000000 }],
    ['DEOJ negative', { ...base, deoj: -5 }],
    ['ESV > 0xFF', { ...base, esv: 0x100 }],
    ['EPC > 0xFF', { ...base, properties: [{ epc: 0x1e7, edt: new Uint8Array(0) }] }],
    ['EDT > 255 bytes', { ...base, properties: [{ epc: 0xe7, edt: new Uint8Array(256) }] }],
    [
      '256 properties',
      { ...base, properties: Array.from({ length: 256 }, () => ({ epc: 0xe7, edt: new Uint8Array(0) })) },
    ],
  ];
  for (const [name, frame] of bad) {
    it(name, () => {
      expect(codeOf(() => encodeFrame(frame))).toBe('FRAME_INVALID');
    });
  }
});

const propertyArb = fc.record({
  epc: fc.integer({ min: 0, max: 255 }),
  edt: fc.uint8Array({ maxLength: 255 }),
});
const frameArb: fc.Arbitrary<Frame> = fc.record({
  tid: fc.integer({ min: 0, max: 0xffff }),
  seoj: fc.integer({ min: 0, max: 0xffffff }),
  deoj: fc.integer({ min: 0, max: 0xffffff }),
  esv: fc.integer({ min: 0, max: 0xff }),
  properties: fc.array(propertyArb, { maxLength: 12 }),
});

function onlyHemsErrors(bytes: Uint8Array): boolean {
  try {
    decodeFrame(bytes);
    return true;
  } catch (e) {
    return isHemsError(e) && e.code.startsWith('FRAME_');
  }
}

describe('frame codec properties', () => {
  it('decodeFrame(encodeFrame(x)) deep-equals x', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        expect(decodeFrame(encodeFrame(f))).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });

  it('encodeFrame(decodeFrame(b)) gives back b whenever b decodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const bytes = b.length >= 2 ? Uint8Array.from([0x10, 0x81, ...b.subarray(2)]) : b;
        let frame: Frame;
        try {
          frame = decodeFrame(bytes);
        } catch {
          return;
        }
        expect(encodeFrame(frame)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes never throw anything but a FRAME_* HemsError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyHemsErrors), { numRuns: 2000 });
  });

  it('random bytes behind a valid EHD never throw anything but a FRAME_* HemsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) =>
        onlyHemsErrors(Uint8Array.from([0x10, 0x81, ...b])),
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated valid frames (overwrite, truncate, extend) never throw anything but a FRAME_* HemsError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('add' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(frameArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (f, muts) => {
        let bytes = Array.from(encodeFrame(f));
        for (const m of muts) {
          if (m.kind === 'set' && bytes.length > 0) bytes[m.at % bytes.length] = m.value;
          else if (m.kind === 'cut') bytes = bytes.slice(0, m.at % (bytes.length + 1));
          else if (m.kind === 'add') bytes.push(m.value);
        }
        return onlyHemsErrors(Uint8Array.from(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('hex helpers', () => {
  it('toHex is upper case and fromHex accepts either case', () => {
    expect(toHex(Uint8Array.from([0x0a, 0xff, 0x00]))).toBe('0AFF00');
    expect(fromHex('0aFf00')).toEqual(Uint8Array.from([0x0a, 0xff, 0x00]));
  });
  it('fromHex rejects odd length and non-hex with FRAME_BAD_HEX', () => {
    expect(codeOf(() => fromHex('ABC'))).toBe('FRAME_BAD_HEX');
    expect(codeOf(() => fromHex('ZZ'))).toBe('FRAME_BAD_HEX');
  });
});
