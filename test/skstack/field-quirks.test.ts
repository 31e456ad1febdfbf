/**
 * Real-hardware variants the emulator does not produce (field-readiness review): each case is
 * a byte-exact line built from protocol.md facts, marked [U] there where the format is unsure.
 */
import { describe, expect, it } from 'vitest';
import { createSkClient } from '../../src/skstack/client.js';
import { parseErxudpHexLine } from '../../src/skstack/erxudp.js';
import { type SkFrame, SkFramer } from '../../src/skstack/framer.js';
import type { ByteStream } from '../../src/transport/types.js';

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const push = (s: string, opts = {}): SkFrame[] => {
  const f = new SkFramer(opts);
  return [...f.push(enc(s)), ...f.flush()];
};

const SENDER = 'FE80:0000:0000:0000:021C:6400:03DD:6393';
const DEST = 'FE80:0000:0000:0000:021D:1291:1234:5678';
const LLA = '001C640003DD6393';
// Get_Res E7 = 28 W (§E-1 payload)
const DATA = '1081000302880105FF017201E7040000001C';

describe('ERXUDP RSSI field (§A.7: SA2=1, unit and width [U])', () => {
  const cases: Array<[string, number]> = [
    ['C4', 0xc4],
    ['-62', -0x62],
    ['FFC2', -62],
    ['00B4', 0xb4],
  ];
  for (const [rssi, value] of cases) {
    it(`frames the 11-field line with RSSI "${rssi}" in hex and binary mode`, () => {
      const head = `ERXUDP ${SENDER} ${DEST} 0E1A 0E1A ${LLA} ${rssi} 1 0 0012 `;
      const hex = push(`${head}${DATA}\r\nOK\r\n`);
      expect(hex[0]).toMatchObject({
        type: 'erxudp',
        format: 'hex',
        udp: { rssi: value, secured: true, side: 0 },
      });
      expect(Buffer.from((hex[0] as Extract<SkFrame, { type: 'erxudp' }>).udp.data).toString('hex')).toBe(
        DATA.toLowerCase(),
      );
      expect(hex[1]).toEqual({ type: 'line', text: 'OK' });
      const bin = new SkFramer().push(
        Uint8Array.from(
          Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(DATA, 'hex'), Buffer.from('\r\n')]),
        ),
      );
      expect(bin[0]).toMatchObject({ type: 'erxudp', format: 'binary', udp: { rssi: value, side: 0 } });
    });
  }

  it('still rejects a 4-character token where SECURED or SIDE belongs', () => {
    const frames = push(`ERXUDP ${SENDER} ${DEST} 0E1A 0E1A ${LLA} C4 0001 0 0012 ${DATA}\r\nOK\r\n`);
    expect(frames.map((f) => f.type)).toEqual(['garbage', 'line']);
  });
});

/**
 * A dongle whose line editor only ends a command at LF, with no product commands: `ROPT<CR>`
 * stays half-typed (the A1 manual's CR-only form is product-command specific, §A.2; whether
 * RL7023 Stick-D/IPS has them is [U], §A.4). Whatever is typed next joins that line.
 */
class LfOnlyDongle implements ByteStream {
  readonly description = 'lf-only';
  readonly lines: string[] = [];
  private pending = '';
  private receiver: ((c: Uint8Array) => void) | null = null;
  onData(l: (c: Uint8Array) => void): void {
    this.receiver = l;
  }
  onClose(): void {}
  async close(): Promise<void> {}
  async write(data: Uint8Array): Promise<void> {
    this.pending += Buffer.from(data).toString('latin1');
    let at = this.pending.indexOf('\n');
    while (at >= 0) {
      const line = this.pending.slice(0, at).replace(/\r$/, '');
      this.pending = this.pending.slice(at + 1);
      this.lines.push(line);
      this.answer(line);
      at = this.pending.indexOf('\n');
    }
  }
  private answer(line: string): void {
    let out = '';
    if (line === '') out = '';
    else if (line === 'SKVER') out = 'EVER 1.6.10\r\nOK\r\n';
    else if (line === 'SKINFO')
      out = 'EINFO FE80:0000:0000:0000:1207:23FF:FEA0:77E3 120723FFFEA077E3 21 FFFF FFFE\r\nOK\r\n';
    else if (/^SK(SREG|SETPWD|SETRBID) /.test(line)) out = 'OK\r\n';
    else out = 'FAIL ER04\r\n';
    if (out) setImmediate(() => this.receiver?.(Uint8Array.from(Buffer.from(out, 'latin1'))));
  }
}

describe('ROPT on a dongle that does not end lines at CR (§A.2, §A.4 [U])', () => {
  it('flushes the half-typed ROPT after its timeout, so the next command is not garbled', async () => {
    const dongle = new LfOnlyDongle();
    const client = createSkClient(dongle, {
      model: 'RL7023-IPS',
      timeouts: { command: 100, scanGrace: 100, join: 100, send: 100 },
    });
    const info = await client.init();
    expect(info.payload).toBe('hex');
    await client.setCredentials('0123456789ABCDEF0123456789ABCDEF', 'PASSWORD1234');
    expect(dongle.lines.filter((l) => l.startsWith('SKSETPWD'))).toEqual(['SKSETPWD C PASSWORD1234']);
  });
});

describe('pasted 11-field ERXUDP lines (decode) accept the same RSSI forms as the framer', () => {
  const line = (rssi: string) =>
    `ERXUDP FE80:0000:0000:0000:021C:6400:03CD:76A4 FE80:0000:0000:0000:021D:1290:0004:263D 0E1A 0E1A 001C640003CD76A4 ${rssi} 1 0 0012 1081000102880105FF017201E70400000278`;
  it.each([
    ['3E', 0x3e],
    ['-3E', -0x3e],
    ['FFC2', -62],
    ['00B4', 0xb4],
  ])('RSSI %s → %d', (tok, want) => {
    const u = parseErxudpHexLine(line(tok));
    expect(u.rssi).toBe(want);
    expect(u.side).toBe(0);
    expect(u.data.length).toBe(0x12);
  });
  it('rejects an RSSI that is not a number', () => {
    expect(() => parseErxudpHexLine(line('ZZ'))).toThrow(/RSSI/);
  });
});
