import { afterEach, describe, expect, it } from 'vitest';
import { DONGLES, type Dongle } from '../../src/dongles.js';
import { Emulator } from '../../src/emulator/index.js';
import { Host } from './host.js';

const emus: Emulator[] = [];
function make(dongle: Dongle): { emu: Emulator; h: Host } {
  const emu = new Emulator({ dongle, latencyScale: 0 });
  emus.push(emu);
  return { emu, h: new Host(emu.attach()) };
}
afterEach(async () => {
  for (const e of emus.splice(0)) await e.close();
});

const ROPT: Record<Dongle, string> = {
  BP35A1: 'OK 00\r',
  'RL7023-IPS': 'OK 01\r',
  BP35C0: 'OK 00\r',
  BP35C2: 'OK 00\r',
  'RS-WSUHA-P': 'OK 00\r',
  'RL7023-DSS': 'FAIL ER04\r\n',
};
const DUAL: Record<Dongle, boolean> = {
  BP35A1: false,
  'RL7023-IPS': false,
  BP35C0: true,
  BP35C2: true,
  'RS-WSUHA-P': true,
  'RL7023-DSS': true,
};

describe.each(DONGLES)('%s factory defaults', (dongle) => {
  it('echoes each command line before its reply (SFE=1) and answers SKVER with EVER', async () => {
    const { h } = make(dongle);
    const out = await h.cmd('SKVER');
    expect(out).toMatch(/^SKVER\r\nEVER \d+\.\d+\.\d+\r\nOK\r\n$/);
  });

  it('answers ROPT per dialect, CR-terminated, after a CR-only echo', async () => {
    const { h } = make(dongle);
    h.mark();
    await h.send('ROPT\r');
    const out = await h.waitFor(ROPT[dongle]);
    expect(out).toBe(`ROPT\r${ROPT[dongle]}`);
  });

  it('prints EINFO with FFFE on single-hop and a side flag on dual-stack', async () => {
    const { h, emu } = make(dongle);
    const out = await h.cmd('SKINFO');
    const fields = /EINFO (.*)\r\n/.exec(out)![1]!.split(' ');
    expect(fields[0]).toBe(emu.addresses.dongle);
    expect(fields[2]).toBe('21');
    expect(fields[3]).toBe('FFFF');
    expect(fields[4]).toBe(DUAL[dongle] ? '0' : 'FFFE');
  });

  it('answers the wrong SKSCAN form with FAIL ER05 and the right one with OK', async () => {
    const { h } = make(dongle);
    const single = 'SKSCAN 2 FFFFFFFF 6';
    const dual = 'SKSCAN 2 FFFFFFFF 6 0';
    expect(await h.cmd(DUAL[dongle] ? single : dual)).toContain('FAIL ER05\r\n');
    expect(await h.cmd(DUAL[dongle] ? dual : single)).toMatch(/^SKSCAN [^\r]*\r\nOK\r\n/);
  });
});

describe('commands and registers', () => {
  it('SKSREG SFE 0 turns echo off (its own echo still shows); SKRESET turns it back on', async () => {
    const { h } = make('BP35A1');
    expect(await h.cmd('SKSREG SFE 0')).toBe('SKSREG SFE 0\r\nOK\r\n');
    expect(await h.cmd('SKVER')).toBe('EVER 1.2.10\r\nOK\r\n');
    expect(await h.cmd('SKRESET')).toBe('OK\r\n');
    expect(await h.cmd('SKVER')).toBe('SKVER\r\nEVER 1.2.10\r\nOK\r\n');
  });

  it('reads and writes registers in S2/S02 spelling and rejects bad values with ER06', async () => {
    const { h } = make('BP35A1');
    await h.cmd('SKSREG SFE 0');
    expect(await h.cmd('SKSREG S2 2F')).toBe('OK\r\n');
    expect(await h.cmd('SKSREG S02')).toBe('ESREG 2F\r\nOK\r\n');
    expect(await h.cmd('SKSREG S2 10')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKSREG SZZ 1')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKSREG SA2 1')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKSETRBID 00112233445566778899AABBCCDD1234')).toBe('OK\r\n');
    expect(await h.cmd('SKSREG S0A')).toBe('ESREG CCDD1234\r\nOK\r\n');
    expect(await h.cmd('SKRESET')).toBe('OK\r\n');
    expect(await h.cmd('SKSREG S2')).toContain('ESREG 21\r\n');
  });

  it('answers unknown commands with ER04, wrong counts with ER05, bad values with ER06, no session with ER10', async () => {
    const { h } = make('BP35A1');
    await h.cmd('SKSREG SFE 0');
    expect(await h.cmd('SKFOO')).toBe('FAIL ER04\r\n');
    expect(await h.cmd('SKSETPWD C')).toBe('FAIL ER05\r\n');
    expect(await h.cmd('SKSETRBID SHORT')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKLL64 XYZ')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKSCAN 2 FFFFFFFF F')).toBe('FAIL ER06\r\n');
    expect(await h.cmd('SKTERM')).toBe('FAIL ER10\r\n');
    expect(await h.cmd('SKJOIN FE80:0000:0000:0000:021C:6400:036E:8CF5')).toBe('FAIL ER10\r\n');
  });

  it('SKLL64 answers the link-local address and no OK', async () => {
    const { h } = make('BP35A1');
    await h.cmd('SKSREG SFE 0');
    h.mark();
    await h.send('SKLL64 001C640003DD6393\r\n');
    await h.waitFor('\r\n');
    await h.cmd('SKVER');
    expect(h.text).toBe('EVER 1.2.10\r\nOK\r\n');
  });

  it('WOPT 01 switches to hex and counts a flash write; RL7023-DSS rejects WOPT with ER04', async () => {
    const { h, emu } = make('BP35C2');
    h.mark();
    await h.send('WOPT 01\r');
    expect(await h.waitFor('OK\r')).toBe('WOPT 01\rOK\r');
    h.mark();
    await h.send('ROPT\r');
    expect(await h.waitFor('OK 01\r')).toBe('ROPT\rOK 01\r');
    expect(emu.counters.wopt).toBe(1);
    const dss = make('RL7023-DSS');
    dss.h.mark();
    await dss.h.send('WOPT 01\r');
    expect(await dss.h.waitFor('ER04')).toContain('FAIL ER04');
    expect(dss.emu.counters.wopt).toBe(0);
  });

  it('tolerates CRLF after a product command and answers a blank line with a blank line', async () => {
    const { h } = make('BP35A1');
    await h.cmd('SKSREG SFE 0');
    h.mark();
    await h.send('ROPT\r\n');
    await h.waitFor('OK 00\r');
    await h.cmd('SKVER');
    expect(h.text).toBe('EVER 1.2.10\r\nOK\r\n');
    expect(await h.cmd('', '\r\n')).toBe('\r\n');
  });

  it('counts commands by name', async () => {
    const { h, emu } = make('BP35A1');
    await h.cmd('SKVER');
    await h.cmd('SKVER');
    await h.cmd('SKINFO');
    expect(emu.counters.commands).toEqual({ SKVER: 2, SKINFO: 1 });
  });
});
