/**
 * `decode` through the built CLI: every complete real capture line of protocol.md §E that carries
 * ECHONET Lite (addresses as captured), malformed input, stdin and a file of lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliOnce, tempDir } from '../support/cli.js';

const E7 = 'Measured instantaneous power';
const E8 = 'Measured instantaneous currents';
const RES = { seoj: '028801', deoj: '05FF01', esv: '72', esvName: 'Get_Res' };
const TOSHIBA = 'FE80:0000:0000:0000:021C:6400:6014:21A3';
const toshiba = (dst: string, len: string, data: string) =>
  `ERXUDP ${TOSHIBA} ${dst} 0E1A 0E1A 001C6400601421A3 1 ${len} ${data}`;
const A1 = 'FE80:0000:0000:0000:021D:1290:0005:747B';

const CASES: { name: string; input: string; json: unknown }[] = [
  {
    name: '§E-1 RL7023 Stick-D/IPS E7 line: 28 W',
    input:
      'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 0E1A 0E1A 001C640003DD6393 1 0012 1081000302880105FF017201E7040000001C',
    json: {
      sender: 'FE80:0000:0000:0000:021C:6400:03DD:6393',
      tid: 3,
      ...RES,
      properties: [{ epc: 'E7', pdc: 4, edt: '0000001C', name: E7, value: 28 }],
    },
  },
  {
    name: '§E-1 request frame',
    input: '1081000105FF010288016201E700',
    json: {
      sender: null,
      tid: 1,
      seoj: '05FF01',
      deoj: '028801',
      esv: '62',
      esvName: 'Get',
      properties: [{ epc: 'E7', pdc: 0, edt: '', name: E7, value: null }],
    },
  },
  {
    name: '§E-1 response frame: −1962 W',
    input: '1081000302880105FF017201E704FFFFF856',
    json: {
      sender: null,
      tid: 3,
      ...RES,
      properties: [{ epc: 'E7', pdc: 4, edt: 'FFFFF856', name: E7, value: -1962 }],
    },
  },
  {
    name: '§E-2 D5 INF multicast after join',
    input: toshiba('FF02:0000:0000:0000:0000:0000:0000:0001', '0012', '108100000EF0010EF0017301D50401028801'),
    json: {
      sender: TOSHIBA,
      tid: 0,
      seoj: '0EF001',
      deoj: '0EF001',
      esv: '73',
      esvName: 'INF',
      properties: [
        { epc: 'D5', pdc: 4, edt: '01028801', name: 'Instance list notification', value: ['028801'] },
      ],
    },
  },
  {
    name: '§E-2 E7: 632 W',
    input: toshiba(A1, '0012', '1081000102880105FF017201E70400000278'),
    json: {
      sender: TOSHIBA,
      tid: 1,
      ...RES,
      properties: [{ epc: 'E7', pdc: 4, edt: '00000278', name: E7, value: 632 }],
    },
  },
  {
    name: '§E-2 Get_SNA for 0x83',
    input: toshiba(A1, '000E', '1081000102880105FF0152018300'),
    json: {
      sender: TOSHIBA,
      tid: 1,
      seoj: '028801',
      deoj: '05FF01',
      esv: '52',
      esvName: 'Get_SNA',
      properties: [{ epc: '83', pdc: 0, edt: '', name: 'Identification number', value: null }],
    },
  },
  {
    name: '§E-2 Get property map (bitmap form)',
    input: toshiba(A1, '001F', '1081000102880105FF0172019F111941414160404000624300410040430202'),
    json: {
      sender: TOSHIBA,
      tid: 1,
      ...RES,
      properties: [
        {
          epc: '9F',
          pdc: 17,
          edt: '1941414160404000624300410040430202',
          name: 'Get property map',
          value: '80 81 82 88 8A 8D 97 98 9D 9E 9F D3 D7 E0 E1 E2 E3 E4 E5 E7 E8 EA EC ED'.split(' '),
        },
      ],
    },
  },
  {
    name: '§E-3 OPC 3: E7, E8, E0',
    input:
      'ERXUDP FE80:0000:0000:0000:021C:6400:0364:831F FE80:0000:0000:0000:1207:23FF:FEA0:7898 0E1A 0E1A 001C64000364831F 1 001E 1081000102880105FF017203E7040000055EE80400000082E00400052155',
    json: {
      sender: 'FE80:0000:0000:0000:021C:6400:0364:831F',
      tid: 1,
      ...RES,
      properties: [
        { epc: 'E7', pdc: 4, edt: '0000055E', name: E7, value: 1374 },
        { epc: 'E8', pdc: 4, edt: '00000082', name: E8, value: { r_a: 0, t_a: 13 } },
        {
          epc: 'E0',
          pdc: 4,
          edt: '00052155',
          name: 'Measured cumulative energy (normal direction)',
          value: 336213,
        },
      ],
    },
  },
  {
    name: '§E-3 OPC 2, TID 0x1002: 668 W, 4.0 A / 4.0 A',
    input:
      'ERXUDP FE80:0000:0000:0000:021C:6400:03CD:76A4 FE80:0000:0000:0000:021D:1290:0004:263D 0E1A 0E1A 001C640003CD76A4 1 0018 1081100202880105FF017202E7040000029CE80400280028',
    json: {
      sender: 'FE80:0000:0000:0000:021C:6400:03CD:76A4',
      tid: 0x1002,
      ...RES,
      properties: [
        { epc: 'E7', pdc: 4, edt: '0000029C', name: E7, value: 668 },
        { epc: 'E8', pdc: 4, edt: '00280028', name: E8, value: { r_a: 4, t_a: 4 } },
      ],
    },
  },
  {
    name: '§E-5 BP35C2 controller D5 INF payload',
    input: '108101000EF0010EF0017301D5040105FF01',
    json: {
      sender: null,
      tid: 0x0100,
      seoj: '0EF001',
      deoj: '0EF001',
      esv: '73',
      esvName: 'INF',
      properties: [
        { epc: 'D5', pdc: 4, edt: '0105FF01', name: 'Instance list notification', value: ['05FF01'] },
      ],
    },
  },
  {
    name: '§E-6 BP35C2 10-field line (binary payload written as hex): 504 W',
    input:
      'ERXUDP FE80:0000:0000:0000:021C:6400:030C:12A4 FE80:0000:0000:0000:021D:1291:0000:0574 0E1A 0E1A 001C6400030C12A4 1 0 0012 1081000102880105FF017201E704000001F8',
    json: {
      sender: 'FE80:0000:0000:0000:021C:6400:030C:12A4',
      tid: 1,
      ...RES,
      properties: [{ epc: 'E7', pdc: 4, edt: '000001F8', name: E7, value: 504 }],
    },
  },
  {
    name: '§E-8 Skyley Get E2 from the node profile',
    input: '108112340EF0010288016201E200',
    json: {
      sender: null,
      tid: 0x1234,
      seoj: '0EF001',
      deoj: '028801',
      esv: '62',
      esvName: 'Get',
      properties: [
        {
          epc: 'E2',
          pdc: 0,
          edt: '',
          name: 'Historical cumulative energy 1 (normal direction)',
          value: null,
        },
      ],
    },
  },
  {
    name: '§E-8 joanjettsdog frame: 928 W',
    input: '1081000102880105FF017201E704000003A0',
    json: {
      sender: null,
      tid: 1,
      ...RES,
      properties: [{ epc: 'E7', pdc: 4, edt: '000003A0', name: E7, value: 928 }],
    },
  },
];

/** One error line `error: … [CODE]` on stderr, exit 2, nothing on stdout, no stack trace. */
function expectInputError(r: { code: number | null; stdout: string; stderr: string }, code: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error: .+ \\[${code.source}\\]$`));
  expect(r.code).toBe(2);
}

describe('decode <line> through the CLI: real captures of protocol.md §E', () => {
  it.each(CASES)('$name', async ({ input, json }) => {
    const r = await runCliOnce(['decode', input]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual(json);
  });
});

describe('decode: many lines', () => {
  const text = `${CASES.map((c) => c.input).join('\r\n')}\r\n\r\n`;
  const expected = CASES.map((c) => c.json);

  it('`decode -` reads lines from stdin, one JSON line each, blank lines skipped', async () => {
    const r = await runCliOnce(['decode', '-'], { input: text });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(expected);
  });

  it('`decode FILE` reads the lines of a file (as --help promises)', async () => {
    const file = join(tempDir(), 'capture.txt');
    writeFileSync(file, text);
    const r = await runCliOnce(['decode', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(expected);
  });

  it('stdin with one bad line: the good lines decode, one error line for the bad one, exit 2', async () => {
    const r = await runCliOnce(['decode', '-'], {
      input: `${CASES[0]!.input}\nnot hex\n${CASES[1]!.input}\n`,
    });
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([CASES[0]!.json, CASES[1]!.json]);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*\[INPUT_INVALID\]\n$/);
    expect(r.code).toBe(2);
  });
});

describe('decode: malformed input → one stderr line, exit 2, no stack trace', () => {
  const bad: [string, string, RegExp][] = [
    ['not hex', 'zz10', /INPUT_INVALID/],
    ['odd number of digits', '1081000', /INPUT_INVALID/],
    ['empty', '', /INPUT_INVALID/],
    ['shorter than a header', '10810001', /FRAME_\w+/],
    ['wrong EHD', '1082000102880105FF017201E704000003A0', /FRAME_\w+/],
    [
      'PDC past the end (§E-8 quoted E2 beginning)',
      '108112340288010EF0017201E2C2000200000A95',
      /FRAME_PDC_OVERRUN/,
    ],
    ['ERXUDP with too few fields', 'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 0E1A', /DONGLE_BAD_LINE/],
    [
      'ERXUDP DATALEN disagreeing with the data',
      toshiba(A1, '0013', '1081000102880105FF017201E70400000278'),
      /DONGLE_BAD_LINE/,
    ],
    [
      '§E-1 PANA datagram (port 02CC) is not ECHONET Lite',
      'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 02CC 02CC 001C640003DD6393 0 0058 00000058A0000002AB0FB498736E78FC000700000004000000000000000200000004000003AC000400040000000400000000FE010008000000040000000151800001000000100000877B491137BCABC194562415536C3E17',
      /FRAME_\w+/,
    ],
  ];
  it.each(bad)('%s', async (_name, input, code) => {
    expectInputError(await runCliOnce(['decode', input]), code);
  });
});
