/** Module resets with the port open and sessions left over by a previous process (raw SKSTACK bytes). */
import { describe, expect, it } from 'vitest';
import { configured, getTo, Host, joined, lines, PWD, RBID } from './host.js';
import { makeEmulator as make } from './make.js';

describe('module reset with the port open (brown-out)', () => {
  it('drops the session without a word; echo, default registers and no credentials come back', async () => {
    const emu = make();
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    emu.resetModule();
    expect(emu.sessionUp).toBe(false);
    await h.send('SKVER\r\n');
    await h.waitFor('OK\r\n');
    // Nothing between the reset and the answer, and the answer comes with its echo again.
    expect(h.text).toBe('SKVER\r\nEVER 1.2.10\r\nOK\r\n');
    h.mark();
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('FAIL')).toBe(`SKSENDTO 1 ${meter} 0E1A 1 000E \r\nFAIL ER10\r\n`);
    expect(await h.cmd('SKTERM')).toBe('SKTERM\r\nFAIL ER10\r\n');
    expect(await h.cmd(`SKJOIN ${meter}`)).toBe(`SKJOIN ${meter}\r\nFAIL ER10\r\n`);
    expect(await h.cmd('SKSREG S02')).toBe('SKSREG S02\r\nESREG 21\r\nOK\r\n');
    expect(await h.cmd('SKSREG S0A')).toBe('SKSREG S0A\r\nESREG CCDDEEFF\r\nOK\r\n');
  });

  it('resetSendReply event21: a send after the reset gets EVENT 21 01 and OK, until the next join', async () => {
    const emu = make({ faults: { resetSendReply: 'event21' } });
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    emu.resetModule();
    await h.cmd('SKSREG SFE 0');
    h.mark();
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${meter} 01\r\nOK\r\n`);
    await h.cmd(`SKSETPWD C ${PWD}`);
    await h.cmd(`SKSETRBID ${RBID}`);
    await h.cmd('SKSREG S2 27');
    await h.cmd('SKSREG S3 8CF5');
    await h.cmd(`SKJOIN ${meter}`, 'EVENT 25');
    await h.cmd('SKTERM', 'EVENT 27');
    h.mark();
    await h.send(getTo(emu, 2));
    // A session that ended normally answers as before: the reset's reply applied until the join.
    expect(await h.waitFor('FAIL')).toBe('\r\nFAIL ER10\r\n');
  });

  it('cancels a running scan: its EVENT 22 never comes, and a new scan is accepted', async () => {
    const emu = make({ latencyScale: 0.01 });
    const h = await configured(emu);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6')).toBe('OK\r\n');
    emu.resetModule();
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETRBID ${RBID}`);
    h.mark();
    await h.send('SKSCAN 2 FFFFFFFF 6\r\n');
    await h.waitFor('EVENT 22');
    expect(lines(h.bytes).filter((l) => l.startsWith('EVENT'))).toEqual([
      `EVENT 20 ${emu.addresses.dongle}`,
      `EVENT 22 ${emu.addresses.dongle}`,
    ]);
  });

  it('forgets the transmit-time limit (SFB 0, no EVENT 33) and half-received input', async () => {
    const emu = make();
    const h = await joined(emu);
    emu.faults.txLimit = true;
    await h.waitFor('EVENT 32');
    await h.send('SKVE');
    emu.resetModule();
    expect(emu.faults.txLimit).toBe(false);
    h.mark();
    await h.send('R\r\n');
    expect(await h.waitFor('FAIL')).toBe('R\r\nFAIL ER04\r\n');
    expect(await h.cmd('SKSREG SFB')).toBe('SKSREG SFB\r\nESREG 0\r\nOK\r\n');
    emu.faults.txLimit = false;
    expect(await h.cmd('SKVER')).toBe('SKVER\r\nEVER 1.2.10\r\nOK\r\n');
  });

  it('resetEvery: the module resets again and again (emulated seconds × latencyScale)', async () => {
    const emu = make({ latencyScale: 0.02, faults: { resetEvery: 2 } });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    // Every 40 ms real: echo off is undone each time.
    let echoed = 0;
    for (let i = 0; i < 5000 && echoed < 2; i++) {
      const out = await h.cmd('SKVER');
      if (out.startsWith('SKVER\r\n')) {
        echoed++;
        await h.cmd('SKSREG SFE 0');
      } else expect(out).toBe('EVER 1.2.10\r\nOK\r\n');
    }
    expect(echoed).toBe(2);
  });
});

describe('a session left over from a previous process', () => {
  const ID = 'F1E2D3C4B5A69788796A5B4C3D2E1F0A';
  const PASS = 'Pw3xQ9zR7kLm';

  it("'up': echo off, credentials, S2/S3 and a session are there; SKJOIN is refused, a Get works", async () => {
    const emu = make({ routeBId: ID, password: PASS, faults: { staleSession: 'up' } });
    expect(emu.sessionUp).toBe(true);
    const h = new Host(emu.attach());
    const meter = emu.addresses.meter;
    expect(await h.cmd('SKSREG S02')).toBe('ESREG 27\r\nOK\r\n');
    expect(await h.cmd('SKSREG S0A')).toBe(`ESREG ${ID.slice(-8)}\r\nOK\r\n`);
    expect(await h.cmd(`SKJOIN ${meter}`)).toBe('FAIL ER10\r\n');
    h.mark();
    await h.send(getTo(emu, 9));
    await h.waitFor('ERXUDP');
    await h.waitFor((t) => t.endsWith('\r\n'));
    // The previous process already talked to the meter: no neighbour solicitation (EVENT 21 02).
    expect(lines(h.bytes)).toEqual([
      '',
      `EVENT 21 ${meter} 00`,
      'OK',
      `ERXUDP ${meter} ${emu.addresses.dongle} 0E1A 0E1A 001C6400036E8CF5 1 0012`,
    ]);
    expect(await h.cmd('SKTERM', 'EVENT 27')).toBe(`OK\r\nEVENT 27 ${meter}\r\n`);
    expect(await h.cmd(`SKJOIN ${meter}`, 'EVENT 25')).toMatch(/^OK\r\n[\s\S]*EVENT 25 /);
  });

  it("'joining': the join ends with EVENT 25 during the next host's init, after the join latency", async () => {
    const emu = make({ latencyScale: 0.01, faults: { staleSession: 'joining' } });
    const meter = emu.addresses.meter;
    expect(emu.sessionUp).toBe(false);
    const h = new Host(emu.attach());
    expect(await h.cmd('SKVER')).toBe('EVER 1.2.10\r\nOK\r\n');
    await h.waitFor(`EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes).filter((l) => !l.startsWith('ERXUDP'))).toEqual([
      'EVER 1.2.10',
      'OK',
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 25 ${meter}`,
    ]);
    expect(
      lines(h.bytes)
        .filter((l) => l.startsWith('ERXUDP'))
        .map((l) => l.split(' ')[3]),
    ).toEqual(['02CC', '02CC']);
    expect(emu.sessionUp).toBe(true);
  });

  it("leaveStaleSession('joining') between two hosts: nothing happens until the next one attaches", async () => {
    const emu = make({ latencyScale: 0.01 });
    const first = await joined(emu);
    await first.stream.close();
    emu.leaveStaleSession('joining');
    expect(emu.sessionUp).toBe(false);
    const h = new Host(emu.attach());
    await h.waitFor(`EVENT 25 ${emu.addresses.meter}`);
    expect(h.text).toMatch(/^EVENT 21 /);
    expect(emu.sessionUp).toBe(true);
  });

  it("'reauth': EVENT 29 soon after attach, sends refused meanwhile, then PANA and EVENT 25", async () => {
    const emu = make({ latencyScale: 0.01, faults: { staleSession: 'reauth' } });
    const meter = emu.addresses.meter;
    const h = new Host(emu.attach());
    await h.waitFor(`EVENT 29 ${meter}\r\n`);
    expect(h.text).toBe(`EVENT 29 ${meter}\r\n`);
    h.mark();
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('FAIL')).toBe('\r\nFAIL ER10\r\n');
    await h.waitFor(`EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes).slice(2)).toEqual([
      `ERXUDP ${meter} ${emu.addresses.dongle} 02CC 02CC 001C6400036E8CF5 0 0058`,
      `EVENT 25 ${meter}`,
    ]);
    expect(emu.sessionUp).toBe(true);
  });
});
