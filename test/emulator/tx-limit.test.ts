/** The ARIB transmit-time limit (EVENT 32 → 33, §A.5, §D.3), through raw SKSTACK bytes. */
import { describe, expect, it } from 'vitest';
import { configured, getTo, Host, joined, lines, RBID } from './host.js';
import { makeEmulator as make } from './make.js';

describe('transmit-time limit', () => {
  it('cancels sends (EVENT 21 01), fails joins (EVENT 24 soon), empties scans (EVENT 22 alone), SFB 1', async () => {
    const emu = make({ faults: { txLimit: true } });
    const h = await configured(emu);
    const meter = emu.addresses.meter;
    const own = emu.addresses.dongle;
    expect(await h.cmd('SKSREG SFB')).toBe('ESREG 1\r\nOK\r\n');
    expect(await h.cmd(`SKJOIN ${meter}`, 'EVENT 24')).toBe(`OK\r\nEVENT 24 ${meter}\r\n`);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22')).toBe(`OK\r\nEVENT 22 ${own}\r\n`);
    // The ED scan only listens: it still works.
    expect(await h.cmd('SKSCAN 0 1 6', 'EEDSCAN\r\n21 1A\r\n')).toBe(
      `OK\r\nEVENT 1F ${own}\r\nEEDSCAN\r\n21 1A\r\n`,
    );
    emu.faults.txLimit = false;
    await h.waitFor(`EVENT 33 ${own}\r\n`);
    expect(await h.cmd('SKSREG SFB')).toBe('ESREG 0\r\nOK\r\n');
    expect(await h.cmd(`SKJOIN ${meter}`, 'EVENT 25')).toContain(`EVENT 25 ${meter}`);
    await h.waitFor(`ERXUDP ${meter} FF02`); // the instance-list INF after the join
    await h.waitFor((t) => t.endsWith('\r\n'));
    h.mark();
    emu.faults.txLimit = true;
    await h.waitFor(`EVENT 32 ${own}\r\n`);
    h.mark();
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${meter} 01\r\nOK\r\n`);
  });

  it('survives a new process opening the port; EVENT 33 goes to whoever is attached then', async () => {
    const emu = make();
    const first = await joined(emu);
    const own = emu.addresses.dongle;
    emu.faults.txLimit = true;
    await first.waitFor(`EVENT 32 ${own}\r\n`);
    await first.stream.close();
    const second = new Host(emu.attach());
    // The new process never saw EVENT 32, but the limit (and the session) are still there.
    expect(await second.cmd('SKSREG SFB')).toBe('ESREG 1\r\nOK\r\n');
    second.mark();
    await second.send(getTo(emu, 2));
    expect(await second.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${emu.addresses.meter} 01\r\nOK\r\n`);
    second.mark();
    emu.faults.txLimit = false;
    expect(await second.waitFor('\r\n')).toBe(`EVENT 33 ${own}\r\n`);
    expect(first.text).toBe(`EVENT 32 ${own}\r\n`);
  });

  it('unplug() clears it: the freshly powered dongle has SFB 0', async () => {
    const emu = make({ faults: { txLimit: true } });
    emu.unplug();
    expect(emu.faults.txLimit).toBe(false);
    const h = new Host(emu.attach());
    expect(await h.cmd('SKSREG SFB')).toBe('SKSREG SFB\r\nESREG 0\r\nOK\r\n');
  });

  it('txLimitEvery / txLimitFor: windows of EVENT 32 … EVENT 33 (emulated seconds × latencyScale)', async () => {
    const emu = make({ latencyScale: 0.01, faults: { txLimitEvery: 6, txLimitFor: 2 } });
    const h = await configured(emu);
    h.mark();
    // Every 60 ms real a 20 ms window.
    await h.waitFor((t) => (t.match(/EVENT 33 /g) ?? []).length >= 2, 3000);
    const own = emu.addresses.dongle;
    expect(lines(h.bytes).slice(0, 4)).toEqual([
      `EVENT 32 ${own}`,
      `EVENT 33 ${own}`,
      `EVENT 32 ${own}`,
      `EVENT 33 ${own}`,
    ]);
    // The window is visible in process too, and setting the period to 0 ends it for good.
    h.mark();
    await h.waitFor((t) => t.endsWith(`EVENT 32 ${own}\r\n`));
    h.mark();
    emu.faults.txLimitEvery = 0;
    expect(emu.faults.txLimit).toBe(false);
    expect(await h.waitFor('\r\n')).toBe(`EVENT 33 ${own}\r\n`);
    expect(await h.cmd(`SKSETRBID ${RBID}`)).toBe('OK\r\n');
  });
});
