import { describe, expect, it } from 'vitest';
import { type DecodeResult, decodeInput, formatDecode } from '../../src/cli/decode.js';
import { type HemsErrorCode, isHemsError } from '../../src/errors.js';

// Real captures, protocol.md §E (addresses as captured).
const TOSHIBA = 'FE80:0000:0000:0000:021C:6400:6014:21A3';
const E2_HEAD = `ERXUDP ${TOSHIBA} FE80:0000:0000:0000:021D:1290:0005:747B 0E1A 0E1A 001C6400601421A3 1`;
const toshiba = (len: string, data: string) => `${E2_HEAD} ${len} ${data}`;

const E2_FRAME =
  '1081000102880105FF017201E2C2000B0000F7660000F7680000F76A0000F76C0000F76D0000F76F0000F7700000F772' +
  '0000F7740000F7760000F7770000F7790000F77A0000F77C0000F77E0000F7800000F7810000F7830000F7840000F786' +
  '0000F7880000F7890000F78B0000F78D0000F78E0000F7900000F7920000F7930000F7950000F7960000F7980000F79A' +
  '0000F79C0000F79D0000F79F0000F7A00000F7A20000F7A40000F7A60000F7A70000F7A90000F7AB0000F7AD0000F7AF' +
  '0000F7B00000F7B20000F7B40000F7B6';

function codeOf(input: string): HemsErrorCode | 'no error' | 'not a HemsError' {
  try {
    decodeInput(input);
    return 'no error';
  } catch (e) {
    return isHemsError(e) ? e.code : 'not a HemsError';
  }
}

function only(r: DecodeResult) {
  expect(r.properties).toHaveLength(1);
  return r.properties[0]!;
}

describe('decode: the exact JSON line', () => {
  it('§E-2 E7 Get_Res line', () => {
    const line = toshiba('0012', '1081000102880105FF017201E70400000278');
    expect(formatDecode(decodeInput(line))).toBe(
      `{"sender":"${TOSHIBA}","tid":1,"seoj":"028801","deoj":"05FF01","esv":"72","esvName":"Get_Res",` +
        '"properties":[{"epc":"E7","pdc":4,"edt":"00000278","name":"Measured instantaneous power","value":632}]}',
    );
  });
  it('a bare frame has sender null and prints on one line', () => {
    const out = formatDecode(decodeInput('1081000102880105FF017201E804001E0032'));
    expect(out).not.toContain('\n');
    expect(JSON.parse(out)).toEqual({
      sender: null,
      tid: 1,
      seoj: '028801',
      deoj: '05FF01',
      esv: '72',
      esvName: 'Get_Res',
      properties: [
        {
          epc: 'E8',
          pdc: 4,
          edt: '001E0032',
          name: 'Measured instantaneous currents',
          value: { r_a: 3, t_a: 5 },
        },
      ],
    });
  });
});

describe('decode: every real single-hop line of §E-2 (Toshiba meter, 9 fields)', () => {
  const table: [string, string, string, unknown][] = [
    ['D3', '0012', '1081000102880105FF017201D30400000001', 1],
    ['D7', '000F', '1081000102880105FF017201D70106', 6],
    ['E0', '0012', '1081000102880105FF017201E0040000FE73', 65139],
    ['E7', '0012', '1081000102880105FF017201E70400000278', 632],
    ['E8', '0012', '1081000102880105FF017201E804001E0032', { r_a: 3, t_a: 5 }],
    [
      'EA',
      '0019',
      '1081000102880105FF017201EA0B07EA05140E00000000FE68',
      { time: '2026-05-20T14:00:00', raw: 65128 },
    ],
    [
      'EB',
      '0019',
      '1081000102880105FF017201EB0B07EA0518161E0000000016',
      { time: '2026-05-24T22:30:00', raw: 22 },
    ],
    ['80', '000F', '1081000102880105FF017201800130', 'on'],
    ['81', '000F', '1081000102880105FF017201810161', null],
    ['82', '0012', '1081000102880105FF017201820400004600', { release: 'F', revision: 0 }],
    ['83', '000E', '1081000102880105FF0152018300', null],
    ['88', '000F', '1081000102880105FF017201880142', false],
    ['8A', '0011', '1081000102880105FF0172018A03000016', '000016'],
    ['8D', '001A', '1081000102880105FF0172018D0C463234473336363530350000', 'F24G366505'],
    ['97', '0010', '1081000102880105FF01720197020E1A', '14:26'],
    ['98', '0012', '1081000102880105FF017201980407EA0514', '2026-05-20'],
    ['9C', '000E', '1081000102880105FF0152019C00', null],
    ['9D', '0012', '1081000102880105FF0172019D0403808188', ['80', '81', '88']],
    ['9E', '0012', '1081000102880105FF0172019E040381E5ED', ['81', 'E5', 'ED']],
    [
      '9F',
      '001F',
      '1081000102880105FF0172019F111941414160404000624300414040430202',
      '80 81 82 88 8A 8D 97 98 9D 9E 9F D3 D7 E0 E1 E2 E3 E4 E5 E7 E8 EA EB EC ED'.split(' '),
    ],
  ];
  for (const [epc, len, data, value] of table) {
    it(`${epc}`, () => {
      const r = decodeInput(toshiba(len, data));
      expect(r.sender).toBe(TOSHIBA);
      expect(r.seoj).toBe('028801');
      expect(r.deoj).toBe('05FF01');
      const p = only(r);
      expect(p.epc).toBe(epc);
      expect(p.value).toEqual(value);
    });
  }

  it('Get_SNA keeps the PDC-0 property with value null', () => {
    const r = decodeInput(toshiba('000E', '1081000102880105FF0152018300'));
    expect(r.esv).toBe('52');
    expect(r.esvName).toBe('Get_SNA');
    expect(only(r)).toEqual({ epc: '83', pdc: 0, edt: '', name: 'Identification number', value: null });
  });

  it('E2 (208 bytes): day 11 and 48 slots', () => {
    const p = only(decodeInput(toshiba('00D0', E2_FRAME)));
    expect(p.pdc).toBe(194);
    const value = p.value as { day: number; raw: number[] };
    expect(value.day).toBe(11);
    expect(value.raw).toHaveLength(48);
    expect(value.raw[0]).toBe(0xf766);
  });

  it('D5 INF multicast from the node profile', () => {
    const line =
      `ERXUDP ${TOSHIBA} FF02:0000:0000:0000:0000:0000:0000:0001 0E1A 0E1A 001C6400601421A3 1 0012 ` +
      '108100000EF0010EF0017301D50401028801';
    const r = decodeInput(line);
    expect(r).toMatchObject({ tid: 0, seoj: '0EF001', deoj: '0EF001', esv: '73', esvName: 'INF' });
    expect(only(r)).toEqual({
      epc: 'D5',
      pdc: 4,
      edt: '01028801',
      name: 'Instance list notification',
      value: ['028801'],
    });
  });
});

describe('decode: other real lines and frames', () => {
  it('§E-1 RL7023 Stick-D/IPS E7 line (28 W)', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 0E1A 0E1A ' +
      '001C640003DD6393 1 0012 1081000302880105FF017201E7040000001C';
    const r = decodeInput(line);
    expect(r.tid).toBe(3);
    expect(r.sender).toBe('FE80:0000:0000:0000:021C:6400:03DD:6393');
    expect(only(r).value).toBe(28);
  });
  it('§E-1 request and negative-power response frames', () => {
    const req = decodeInput('1081000105FF010288016201E700');
    expect(req).toMatchObject({ seoj: '05FF01', deoj: '028801', esv: '62', esvName: 'Get' });
    expect(only(req)).toEqual({
      epc: 'E7',
      pdc: 0,
      edt: '',
      name: 'Measured instantaneous power',
      value: null,
    });
    expect(only(decodeInput('1081000302880105FF017201E704FFFFF856')).value).toBe(-1962);
  });
  it('§E-1 PANA line (port 02CC) is not ECHONET: FRAME_BAD_EHD', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 02CC 02CC ' +
      '001C640003DD6393 0 0058 00000058A0000002AB0FB498736E78FC000700000004000000000000000200000004000003AC0004' +
      '00040000000400000000FE010008000000040000000151800001000000100000877B491137BCABC194562415536C3E17';
    expect(codeOf(line)).toBe('FRAME_BAD_EHD');
  });
  it('§E-3 OPC 3 line (E7, E8, E0)', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:0364:831F FE80:0000:0000:0000:1207:23FF:FEA0:7898 0E1A 0E1A ' +
      '001C64000364831F 1 001E 1081000102880105FF017203E7040000055EE80400000082E00400052155';
    const r = decodeInput(line);
    expect(r.properties.map((p) => [p.epc, p.value])).toEqual([
      ['E7', 1374],
      ['E8', { r_a: 0, t_a: 13 }],
      ['E0', 336213],
    ]);
  });
  it('§E-3 OPC 2 line with TID 0x1002', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03CD:76A4 FE80:0000:0000:0000:021D:1290:0004:263D 0E1A 0E1A ' +
      '001C640003CD76A4 1 0018 1081100202880105FF017202E7040000029CE80400280028';
    const r = decodeInput(line);
    expect(r.tid).toBe(0x1002);
    expect(r.properties.map((p) => p.value)).toEqual([668, { r_a: 4, t_a: 4 }]);
  });
  it('§E-4 dual-stack 10-field PANA line with masked addresses is rejected as a bad line', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03E0:**** FE80:0000:0000:0000:A612:42FF:FE9F:**** 02CC 02CC ' +
      '001C640003E0**** 0 0 0058 00000058A00000020B6F1805EE840165000700000004000000000000000200000004000003A1' +
      '000400040000000400000003B401000800000004000000015180000100000010000025718D51339F8699E122922BB6ABD93B';
    expect(codeOf(line)).toBe('DONGLE_BAD_LINE');
  });
  it('§E-4 dual-stack 10-field ECHONET line (keilog tokens, SECURED 1 SIDE 0)', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03E0:1234 FE80:0000:0000:0000:A612:42FF:FE9F:5678 0E1A 0E1A ' +
      '001C640003E01234 1 0 0012 1081000102880105FF017201E704000004A5';
    const r = decodeInput(line);
    expect(r.sender).toBe('FE80:0000:0000:0000:021C:6400:03E0:1234');
    expect(only(r).value).toBe(1189);
  });
  it('§E-5 BP35C2 controller D5 INF payload', () => {
    const r = decodeInput('108101000EF0010EF0017301D5040105FF01');
    expect(r.tid).toBe(0x0100);
    expect(only(r).value).toEqual(['05FF01']);
  });
  it('§E-6 BP35C2 10-field line (binary capture rewritten as hex): 504 W', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:030C:12A4 FE80:0000:0000:0000:021D:1291:0000:0574 0E1A 0E1A ' +
      '001C6400030C12A4 1 0 0012 1081000102880105FF017201E704000001F8';
    expect(only(decodeInput(line)).value).toBe(504);
  });
  it('11-field line (SA2=1, RSSI) built from a real frame', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:030C:12A4 FE80:0000:0000:0000:021D:1291:0000:0574 0E1A 0E1A ' +
      '001C6400030C12A4 4E 1 0 0019 1081000102880105FF017201EA0B07EA05140E00000000FE68';
    const r = decodeInput(line);
    expect(r.sender).toBe('FE80:0000:0000:0000:021C:6400:030C:12A4');
    expect(only(r).value).toEqual({ time: '2026-05-20T14:00:00', raw: 65128 });
  });
  it('§E-8 Skyley Get E2 request from the node profile: properties named after the destination', () => {
    const r = decodeInput('108112340EF0010288016201E200');
    expect(r).toMatchObject({ tid: 0x1234, seoj: '0EF001', deoj: '028801', esvName: 'Get' });
    expect(only(r).name).toBe('Historical cumulative energy 1 (normal direction)');
  });
  it('§E-8 joanjettsdog 928 W frame', () => {
    expect(only(decodeInput('1081000102880105FF017201E704000003A0')).value).toBe(928);
  });
  it('§E-8 the quoted beginning of an E2 answer is cut short: FRAME_PDC_OVERRUN', () => {
    expect(codeOf('108112340288010EF0017201E2C2000200000A95')).toBe('FRAME_PDC_OVERRUN');
  });
  it('SetC E5 request decodes the day being set', () => {
    const r = decodeInput('1081000205FF010288016101E50101');
    expect(r.esvName).toBe('SetC');
    expect(only(r).value).toBe(1);
  });
});

describe('decode: input forms', () => {
  it('accepts spaces, tabs, lower case and surrounding whitespace in a bare frame', () => {
    const r = decodeInput('  10 81 00 01 02 88 01 05 ff 01\t72 01 e7 04 00 00 02 78\n');
    expect(only(r)).toMatchObject({ epc: 'E7', edt: '00000278', value: 632 });
  });
  it('accepts a lower-case erxudp keyword and a trailing CRLF', () => {
    const r = decodeInput(`erxudp ${E2_HEAD.slice(7)} 0012 1081000102880105FF017201E70400000278\r\n`);
    expect(only(r).value).toBe(632);
  });
  it('unknown ESV has esvName null', () => {
    expect(decodeInput('1081000102880105FF019901E70400000278').esvName).toBeNull();
  });
});

describe('decode: malformed input gives a one-line HemsError', () => {
  const cases: [string, string, HemsErrorCode][] = [
    ['empty', '', 'INPUT_INVALID'],
    ['blank', '   \n', 'INPUT_INVALID'],
    ['not hex', 'hello world', 'INPUT_INVALID'],
    ['odd number of digits', '1081000', 'INPUT_INVALID'],
    ['short frame', '1081000102880105', 'FRAME_TRUNCATED_HEADER'],
    ['bad EHD', '1082000102880105FF017200', 'FRAME_BAD_EHD'],
    ['PDC overrun', '1081000102880105FF017201E70400', 'FRAME_PDC_OVERRUN'],
    ['OPC mismatch', '1081000102880105FF017202E70400000278', 'FRAME_OPC_MISMATCH'],
    ['trailing bytes', '1081000102880105FF017201E7040000027800', 'FRAME_TRAILING_BYTES'],
    ['ERXUDP with too few fields', `ERXUDP ${TOSHIBA} 0E1A 0E1A 1 0012 1081`, 'DONGLE_BAD_LINE'],
    ['ERXUDP DATALEN mismatch', toshiba('0013', '1081000102880105FF017201E70400000278'), 'DONGLE_BAD_LINE'],
    ['ERXUDP data not hex', toshiba('0002', 'ZZZZ'), 'FRAME_BAD_HEX'],
    ['ERXUDP bad address', 'ERXUDP FE80::1 FE80::2 0E1A 0E1A 001C6400601421A3 1 0001 10', 'DONGLE_BAD_LINE'],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} → ${code}`, () => {
      try {
        decodeInput(input);
        expect.unreachable();
      } catch (e) {
        expect(isHemsError(e) ? e.code : e).toBe(code);
        const message = (e as Error).message;
        expect(message.length).toBeGreaterThan(0);
        expect(message).not.toContain('\n');
      }
    });
  }
});
