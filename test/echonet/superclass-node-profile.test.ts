import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/echonet/hex.js';
import { CLASS_NODE_PROFILE, CLASS_SMART_METER, classOf, epcName } from '../../src/echonet/names.js';
import { decodeClassList, decodeInstanceList } from '../../src/echonet/node-profile.js';
import { decodeProductionNumber } from '../../src/echonet/superclass.js';
import { decodeValue } from '../../src/echonet/values.js';

const METER = 0x028801;
const NODE = 0x0ef001;
const v = (eoj: number, epc: number, hex: string) => decodeValue(eoj, epc, fromHex(hex));

describe('super-class properties (real §E-2 vectors on the meter)', () => {
  it('80 operation status', () => {
    expect(v(METER, 0x80, '30')).toBe('on');
    expect(v(METER, 0x80, '31')).toBe('off');
    expect(v(METER, 0x80, '32')).toBeNull();
    expect(v(METER, 0x80, '3030')).toBeNull();
  });
  it('82 standard version 00004600 → Release F revision 0', () => {
    expect(JSON.stringify(v(METER, 0x82, '00004600'))).toBe('{"release":"F","revision":0}');
    expect(v(METER, 0x82, '00005201')).toEqual({ release: 'R', revision: 1 });
    expect(v(METER, 0x82, '00000000')).toBeNull();
    expect(v(METER, 0x82, '000046')).toBeNull();
  });
  it('88 fault status 42 → false, 41 → true', () => {
    expect(v(METER, 0x88, '42')).toBe(false);
    expect(v(METER, 0x88, '41')).toBe(true);
    expect(v(METER, 0x88, '40')).toBeNull();
  });
  it('8A manufacturer 000016', () => {
    expect(v(METER, 0x8a, '000016')).toBe('000016');
    expect(v(METER, 0x8a, '0000AB')).toBe('0000AB');
    expect(v(METER, 0x8a, '0016')).toBeNull();
  });
  it('8D production number: trailing NULs and spaces removed', () => {
    expect(v(METER, 0x8d, '463234473336363530350000')).toBe('F24G366505');
    expect(decodeProductionNumber(fromHex('414243202020202020202020'))).toBe('ABC');
    expect(decodeProductionNumber(fromHex('000000000000000000000000'))).toBe('');
    expect(decodeProductionNumber(fromHex('41FF43000000000000000000'))).toBeNull();
    expect(decodeProductionNumber(fromHex('4142'))).toBeNull();
  });
  it('97 current time 0E1A → "14:26"', () => {
    expect(v(METER, 0x97, '0E1A')).toBe('14:26');
    expect(v(METER, 0x97, '1800')).toBeNull();
    expect(v(METER, 0x97, '0E3C')).toBeNull();
  });
  it('98 current date 07EA0514 → "2026-05-20"', () => {
    expect(v(METER, 0x98, '07EA0514')).toBe('2026-05-20');
    expect(v(METER, 0x98, '07EA0D14')).toBeNull();
    expect(v(METER, 0x98, 'FFFFFFFF')).toBeNull();
  });
  it('9D / 9E / 9F property maps as sorted EPC strings', () => {
    expect(v(METER, 0x9d, '03808188')).toEqual(['80', '81', '88']);
    expect(v(METER, 0x9e, '0381E5ED')).toEqual(['81', 'E5', 'ED']);
    expect(v(METER, 0x9f, '1941414160404000624300414040430202')).toEqual(
      '80 81 82 88 8A 8D 97 98 9D 9E 9F D3 D7 E0 E1 E2 E3 E4 E5 E7 E8 EA EB EC ED'.split(' '),
    );
  });
  it('super-class EPCs decode on any class (controller 05FF01)', () => {
    expect(v(0x05ff01, 0x80, '30')).toBe('on');
  });
});

describe('node profile 0x0EF0', () => {
  it('D5 instance list from the real INF (§B.3) → ["028801"]', () => {
    expect(v(NODE, 0xd5, '01028801')).toEqual(['028801']);
    expect(v(NODE, 0xd5, '0105FF01')).toEqual(['05FF01']);
  });
  it('D6 with several instances; count/size mismatch → null', () => {
    expect(decodeInstanceList(fromHex('020288010EF001'))).toEqual(['028801', '0EF001']);
    expect(v(NODE, 0xd6, '00')).toEqual([]);
    expect(v(NODE, 0xd6, '02028801')).toBeNull();
    expect(v(NODE, 0xd6, `55${'028801'.repeat(85)}`)).toBeNull();
  });
  it('D3 is the 3-byte instance count (not the meter coefficient)', () => {
    expect(v(NODE, 0xd3, '000001')).toBe(1);
    expect(v(NODE, 0xd3, '00000001')).toBeNull();
    expect(v(METER, 0xd3, '000001')).toBeNull();
  });
  it('D4 class count', () => {
    expect(v(NODE, 0xd4, '0002')).toBe(2);
  });
  it('D7 class list (not the meter digit count)', () => {
    expect(v(NODE, 0xd7, '010288')).toEqual(['0288']);
    expect(decodeClassList(fromHex('0202880EF0'))).toEqual(['0288', '0EF0']);
    // More than 8 classes: the count says so but only 8 are listed.
    expect(decodeClassList(fromHex(`0A${'0288'.repeat(8)}`))).toHaveLength(8);
    expect(v(NODE, 0xd7, '06')).toBeNull();
  });
  it('82 version information → major/minor', () => {
    expect(v(NODE, 0x82, '010D0100')).toEqual({ major: 1, minor: 13 });
  });
  it('80 and 8A fall back to the super class', () => {
    expect(v(NODE, 0x80, '30')).toBe('on');
    expect(v(NODE, 0x8a, '000016')).toBe('000016');
  });
});

describe('EPC names', () => {
  it('class codes', () => {
    expect(classOf(0x028801)).toBe(CLASS_SMART_METER);
    expect(classOf(0x0ef001)).toBe(CLASS_NODE_PROFILE);
  });
  it('meter, node profile and super-class names; unknown → null', () => {
    expect(epcName(METER, 0xe7)).toBe('Measured instantaneous power');
    expect(epcName(METER, 0xd3)).toBe('Coefficient');
    expect(epcName(NODE, 0xd3)).toBe('Number of self-node instances');
    expect(epcName(NODE, 0xd5)).toBe('Instance list notification');
    expect(epcName(METER, 0x9f)).toBe('Get property map');
    expect(epcName(0x05ff01, 0x80)).toBe('Operation status');
    expect(epcName(0x05ff01, 0xe7)).toBeNull();
    expect(epcName(METER, 0xf5)).toBeNull();
  });
  it('every EPC in the real 9F map of the meter has a name', () => {
    const listed = v(METER, 0x9f, '1941414160404000624300414040430202') as string[];
    for (const epc of listed) expect(epcName(METER, Number.parseInt(epc, 16)), epc).not.toBeNull();
  });
});
