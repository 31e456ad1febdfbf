import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/echonet/frame.js';
import type { Emulator } from '../../src/emulator/index.js';
import { configured, erxudps, getTo, Host, joined, RBID } from './host.js';
import { makeEmulator as make } from './make.js';

const get = getTo;
const unicastTids = (h: Host, emu: Emulator) =>
  erxudps(h.bytes)
    .filter(
      (e) =>
        e.fields[0] === emu.addresses.meter && e.fields[1] === emu.addresses.dongle && e.fields[2] === '0E1A',
    )
    .map((e) => decodeFrame(e.data).tid);

describe('fault switches', () => {
  it('joinFailures: the next N joins end in EVENT 24, then one succeeds', async () => {
    const emu = make({ faults: { joinFailures: 2 } });
    const h = await configured(emu);
    const join = () => h.cmd(`SKJOIN ${emu.addresses.meter}`, /EVENT 2[45] /);
    expect(await join()).toContain('EVENT 24');
    expect(await join()).toContain('EVENT 24');
    expect(await join()).toContain('EVENT 25');
    expect(emu.faults.joinFailures).toBe(0);
    expect(emu.counters.joins).toBe(3);
  });

  it('dropResponses: the next N requests get no ERXUDP, later ones do', async () => {
    const emu = make({ faults: { dropResponses: 1 } });
    const h = await joined(emu);
    await h.send(get(emu, 1));
    await h.send(get(emu, 2));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 1);
    expect(unicastTids(h, emu)).toEqual([2]);
    expect(emu.counters.sendTo).toBe(2);
  });

  it('sendFailures: EVENT 21 param 01 and no reply', async () => {
    const emu = make();
    const h = await joined(emu);
    emu.faults.sendFailures = 1;
    await h.send(get(emu, 1));
    await h.waitFor(`EVENT 21 ${emu.addresses.meter} 01\r\nOK\r\n`);
    await h.send(get(emu, 2));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 1);
    expect(unicastTids(h, emu)).toEqual([2]);
  });

  it('scanMisses: the next scan ends with EVENT 22 and no EVENT 20', async () => {
    const emu = make({ faults: { scanMisses: 1 } });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    await h.cmd(`SKSETRBID ${RBID}`);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22')).toBe(`OK\r\nEVENT 22 ${emu.addresses.dongle}\r\n`);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22')).toContain('EVENT 20');
  });

  it('txLimit: EVENT 32 at once, sends cancelled with EVENT 21 01 and SFB=1, EVENT 33 when cleared', async () => {
    const emu = make();
    const h = await joined(emu);
    emu.faults.txLimit = true;
    expect(await h.waitFor('\r\n')).toBe(`EVENT 32 ${emu.addresses.dongle}\r\n`);
    expect(await h.cmd('SKSREG SFB')).toBe('ESREG 1\r\nOK\r\n');
    h.mark();
    await h.send(get(emu, 1));
    expect(await h.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${emu.addresses.meter} 01\r\nOK\r\n`);
    h.mark();
    emu.faults.txLimit = false;
    expect(await h.waitFor('\r\n')).toBe(`EVENT 33 ${emu.addresses.dongle}\r\n`);
    await h.send(get(emu, 2));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 1);
    expect(unicastTids(h, emu)).toEqual([2]);
  });

  it('strayTraffic: PANA, multicast INF, another sender and blank lines around the real answer', async () => {
    const emu = make();
    const h = await joined(emu);
    emu.faults.strayTraffic = true;
    await h.send(get(emu, 7));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 4);
    const all = erxudps(h.bytes);
    expect(all.some((e) => e.fields[2] === '02CC')).toBe(true);
    expect(all.some((e) => e.fields[1]!.startsWith('FF02'))).toBe(true);
    expect(all.some((e) => e.fields[0] !== emu.addresses.meter)).toBe(true);
    expect(h.text).toContain('\r\n\r\n');
    expect(unicastTids(h, emu)).toEqual([7]);
  });

  it('garbage: junk lines between output blocks, real lines intact', async () => {
    const emu = make();
    const h = await joined(emu);
    emu.faults.garbage = true;
    const out = await h.cmd('SKVER');
    const lines = out.split('\r\n').filter((l) => l.length > 0);
    expect(lines.some((l) => /[\u0000\u0080-\u00ff]/.test(l))).toBe(true);
    expect(lines.filter((l) => /^[ -~]+$/.test(l))).toEqual(['EVER 1.2.10', 'OK']);
  });
});

describe('counters', () => {
  it('counts sends, requested properties per EPC, joins and scans', async () => {
    const emu = make();
    const h = await joined(emu);
    await h.send(get(emu, 1, [0xe7, 0xe0]));
    await h.send(get(emu, 2, [0xe7]));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 2);
    expect(emu.counters.sendTo).toBe(2);
    expect(emu.counters.propertiesRequested).toBe(3);
    expect(emu.counters.epcsRequested).toEqual({ E7: 2, E0: 1 });
    expect(emu.counters.joins).toBe(1);
    expect(emu.counters.scans).toBe(0);
    expect(emu.counters.commands['SKSENDTO']).toBe(2);
  });
});
