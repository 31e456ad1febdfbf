import { describe, expect, it } from 'vitest';
import { DONGLES } from '../../src/dongles.js';
import { decodeFrame, encodeFrame, getRequest } from '../../src/echonet/frame.js';

import { erxudps, Host, isDual, joined, PWD, RBID, sendTo } from './host.js';
import { makeEmulator as make } from './make.js';

const GET = (tid: number, epcs: number[]) => encodeFrame(getRequest(tid, 0x05ff01, 0x028801, epcs));

describe.each(DONGLES)('%s scan → join → Get round trip', (dongle) => {
  it('finds the meter, joins, and answers a Get with a correct ERXUDP', async () => {
    const emu = make({ dongle });
    const dual = isDual(emu);
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETPWD C ${PWD}`);
    await h.cmd(`SKSETRBID ${RBID}`);
    const scan = await h.cmd(`SKSCAN 2 FFFFFFFF 6${dual ? ' 0' : ''}`, 'EVENT 22');
    const side = dual ? ' 0' : '';
    expect(scan).toBe(
      `OK\r\nEVENT 20 ${emu.addresses.dongle}${side}\r\nEPANDESC\r\n  Channel:27\r\n  Channel Page:09\r\n  Pan ID:8CF5\r\n` +
        `  Addr:001C6400036E8CF5\r\n  LQI:6E\r\n${dual ? '  Side:0\r\n' : ''}  PairID:CCDD1234\r\n` +
        `EVENT 22 ${emu.addresses.dongle}${side}\r\n`,
    );
    await h.cmd('SKSREG S2 27');
    await h.cmd('SKSREG S3 8CF5');
    const ip = await h.cmd('SKLL64 001C6400036E8CF5', '\r\n');
    expect(ip).toBe(`${emu.addresses.meter}\r\n`);
    const join = await h.cmd(`SKJOIN ${emu.addresses.meter}`, 'EVENT 25');
    expect(join.startsWith('OK\r\n')).toBe(true);
    expect(join).toContain(`EVENT 21 ${emu.addresses.meter}${side} 02\r\n`);
    expect(erxudps(h.bytes).every((e) => e.fields[2] === '02CC' && e.fields[3] === '02CC')).toBe(true);
    expect(emu.sessionUp).toBe(true);
    await h.waitFor('FF02:0000:0000:0000:0000:0000:0000:0001');
    const inf = erxudps(h.bytes).find((e) => e.fields[1]!.startsWith('FF02'))!;
    expect(Buffer.from(inf.data).toString('hex')).toBe('108100000ef0010ef0017301d50401028801');

    h.mark();
    // TID 0x0D0A puts CR LF inside the binary payload; 0x20 is a space.
    await h.send(sendTo(emu.addresses.meter, GET(0x0d0a, [0xe7, 0x20 + 0xc0, 0xe1]), dual));
    const out = await h.waitFor('ERXUDP');
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length === 1);
    expect(
      out.startsWith(
        `\r\nEVENT 21 ${emu.addresses.meter}${side} 02\r\nEVENT 21 ${emu.addresses.meter}${side} 00\r\nOK\r\n`,
      ),
    ).toBe(true);
    const [rx] = erxudps(h.bytes);
    expect(rx!.fields.length).toBe(dual ? 8 : 7);
    expect(rx!.fields.slice(0, 5)).toEqual([
      emu.addresses.meter,
      emu.addresses.dongle,
      '0E1A',
      '0E1A',
      '001C6400036E8CF5',
    ]);
    const frame = decodeFrame(rx!.data);
    expect(frame).toMatchObject({ tid: 0x0d0a, seoj: 0x028801, deoj: 0x05ff01, esv: 0x72 });
    expect(frame.properties.map((p) => p.epc)).toEqual([0xe7, 0xe0, 0xe1]);
    const hexMode = dongle.startsWith('RL7023');
    const raw = h.text.slice(h.text.indexOf('ERXUDP'));
    expect(
      raw.endsWith(
        `${hexMode ? Buffer.from(rx!.data).toString('hex').toUpperCase() : Buffer.from(rx!.data).toString('latin1')}\r\n`,
      ),
    ).toBe(true);
  });
});

describe('SKSENDTO', () => {
  it('echoes only the text header (up to the space after DATALEN) plus CRLF, never the payload', async () => {
    const emu = make();
    const h = await joined(emu);
    await h.cmd('SKSREG SFE 1');
    h.mark();
    const bytes = sendTo(emu.addresses.meter, GET(1, [0xe7]), false);
    await h.send(bytes);
    const text = await h.waitFor('OK\r\n');
    // The answer's ERXUDP may already follow (1.5 ms at this latency scale).
    const out = text.slice(0, text.indexOf('OK\r\n') + 4);
    expect(out).toBe(
      `SKSENDTO 1 ${emu.addresses.meter} 0E1A 1 000E \r\nEVENT 21 ${emu.addresses.meter} 02\r\nEVENT 21 ${emu.addresses.meter} 00\r\nOK\r\n`,
    );
  });

  it('reassembles an SKSENDTO written one byte at a time', async () => {
    const emu = make();
    const h = await joined(emu);
    const bytes = sendTo(emu.addresses.meter, GET(0x0d0a, [0xe7]), false);
    for (const b of bytes) await h.send(Uint8Array.of(b));
    await h.waitFor('ERXUDP');
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length === 1);
    const frame = decodeFrame(erxudps(h.bytes)[0]!.data);
    expect(frame.tid).toBe(0x0d0a);
  });

  it.each([
    ['BP35A1', true],
    ['BP35C2', false],
  ] as const)(
    '%s answers the other edition’s form with FAIL ER05 and stays in sync',
    async (dongle, side) => {
      const emu = make({ dongle });
      const h = await joined(emu);
      h.mark();
      await h.send(sendTo(emu.addresses.meter, GET(3, [0xe7]), side));
      expect(await h.waitFor('FAIL')).toBe('\r\nFAIL ER05\r\n');
      expect(await h.cmd('SKVER')).toMatch(/^EVER .*\r\nOK\r\n$/);
      expect(emu.counters.sendTo).toBe(0);
    },
  );

  it('fails with ER10 without a session', async () => {
    const emu = make();
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    h.mark();
    await h.send(sendTo(emu.addresses.meter, GET(1, [0xe7]), false));
    expect(await h.waitFor('FAIL')).toBe('\r\nFAIL ER10\r\n');
  });

  it('prints hex data after WOPT 01 and 11 fields with RSSI after SKSREG SA2 1 on dual-stack', async () => {
    const emu = make({ dongle: 'BP35C2' });
    const h = await joined(emu);
    h.mark();
    await h.send('WOPT 01\r');
    await h.waitFor('OK\r');
    await h.cmd('SKSREG SA2 1');
    h.mark();
    await h.send(sendTo(emu.addresses.meter, GET(4, [0xe7]), true));
    const text = await h.waitFor(/ERXUDP .*\r\n/);
    const line = /ERXUDP (.*)\r\n/.exec(text)![1]!.split(' ');
    expect(line.length).toBe(11 - 1);
    expect(line[5]).toMatch(/^[0-9A-F]{2}$/);
    expect(line.slice(6, 8)).toEqual(['1', '0']);
    expect(line[9]).toMatch(/^1081000402880105FF017201E704[0-9A-F]{8}$/);
  });
});

describe('join failures and session events', () => {
  it('ends SKJOIN with EVENT 24 for wrong credentials', async () => {
    const emu = make({ routeBId: RBID, password: 'ZZZZZZZZZZZZ' });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETPWD C ${PWD}`);
    await h.cmd(`SKSETRBID ${RBID}`);
    await h.cmd('SKSREG S2 27');
    await h.cmd('SKSREG S3 8CF5');
    const out = await h.cmd(`SKJOIN ${emu.addresses.meter}`, 'EVENT 24');
    expect(out).not.toContain('EVENT 25');
    expect(emu.sessionUp).toBe(false);
    expect(emu.counters.joins).toBe(1);
  });

  it('ends SKJOIN with EVENT 24 on the wrong channel', async () => {
    const emu = make();
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETPWD C ${PWD}`);
    await h.cmd(`SKSETRBID ${RBID}`);
    await h.cmd('SKSREG S2 21');
    await h.cmd('SKSREG S3 8CF5');
    expect(await h.cmd(`SKJOIN ${emu.addresses.meter}`, 'EVENT 24')).toBe(
      `OK\r\nEVENT 24 ${emu.addresses.meter}\r\n`,
    );
  });

  it('a scan finds nothing below duration 4, with another pairing ID, or outside the channel mask', async () => {
    const emu = make({ routeBId: '0011223344556677889900AABBCCDDEE' });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETRBID ${RBID}`);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22')).not.toContain('EVENT 20');
    expect(await h.cmd('SKSCAN 3 FFFFFFFF 3', 'EVENT 22')).not.toContain('EVENT 20');
    expect(await h.cmd('SKSCAN 3 1 6', 'EVENT 22')).not.toContain('EVENT 20');
    const found = await h.cmd('SKSCAN 3 FFFFFFFF 4', 'EVENT 22');
    expect(found).toContain('EVENT 20');
    expect(found).not.toContain('PairID');
    expect(emu.counters.scans).toBe(4);
  });

  it('SKTERM ends the session with EVENT 27', async () => {
    const emu = make();
    const h = await joined(emu);
    expect(await h.cmd('SKTERM', 'EVENT 27')).toBe(`OK\r\nEVENT 27 ${emu.addresses.meter}\r\n`);
    expect(emu.sessionUp).toBe(false);
  });

  it('expireSession emits EVENT 29 then 25 (auto re-auth) or 24', async () => {
    const emu = make();
    const h = await joined(emu);
    h.mark();
    emu.expireSession({ autoReauth: true });
    await h.waitFor('EVENT 25');
    expect(h.text).toMatch(/^EVENT 29 .*\r\n[\s\S]*EVENT 25 /);
    expect(emu.sessionUp).toBe(true);
    h.mark();
    emu.expireSession({ autoReauth: false });
    await h.waitFor('EVENT 24');
    expect(h.text).toBe(`EVENT 29 ${emu.addresses.meter}\r\nEVENT 24 ${emu.addresses.meter}\r\n`);
    expect(emu.sessionUp).toBe(false);
  });

  it('terminateSession emits EVENT 26 and later sends fail with ER10', async () => {
    const emu = make({ dongle: 'BP35C0' });
    const h = await joined(emu);
    h.mark();
    emu.terminateSession();
    expect(await h.waitFor('EVENT 26')).toBe(`EVENT 26 ${emu.addresses.meter} 0\r\n`);
    h.mark();
    await h.send(sendTo(emu.addresses.meter, GET(1, [0xe7]), true));
    expect(await h.waitFor('FAIL')).toBe('\r\nFAIL ER10\r\n');
  });

  it('unplug closes the host stream with an error and writes then reject', async () => {
    const emu = make();
    const stream = emu.attach();
    const closed = new Promise<Error | undefined>((resolve) => stream.onClose(resolve));
    emu.unplug();
    expect((await closed)?.message).toMatch(/unplugged/);
    await expect(stream.write(Buffer.from('SKVER\r\n'))).rejects.toThrow(/closed/);
    const again = new Host(emu.attach());
    expect(await again.cmd('SKVER')).toContain('EVER');
  });
});
