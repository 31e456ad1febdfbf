/** Single-hop vs dual-stack answers (§A.1): the other edition's forms, and EINFO shapes. */
import { describe, expect, it } from 'vitest';
import { encodeFrame, getRequest } from '../../src/echonet/frame.js';
import { DONGLE_PROFILES, type WrongFormReply } from '../../src/emulator/index.js';
import { Host, joined, sendTo } from './host.js';
import { makeEmulator as make } from './make.js';

const GET = encodeFrame(getRequest(0x0d0a, 0x05ff01, 0x028801, [0xe7]));

describe.each([
  ['BP35A1', 'single-hop'],
  ['BP35C2', 'dual-stack'],
] as const)('%s (%s) answering the other edition', (dongle, _edition) => {
  const dual = dongle === 'BP35C2';
  const otherScan = dual ? 'SKSCAN 2 FFFFFFFF 6' : 'SKSCAN 2 FFFFFFFF 6 0';

  it.each(['ER04', 'ER05', 'ER06'] as const)(
    'wrongFormReply %s: SKSCAN and SKSENDTO get FAIL %s',
    async (code) => {
      const emu = make({ dongle, faults: { wrongFormReply: code } });
      const h = await joined(emu);
      expect(await h.cmd(otherScan)).toBe(`FAIL ${code}\r\n`);
      h.mark();
      // The payload (with CR LF inside, TID 0x0D0A) is consumed: the next command is in step.
      await h.send(sendTo(emu.addresses.meter, GET, !dual));
      expect(await h.waitFor('FAIL')).toBe(`\r\nFAIL ${code}\r\n`);
      expect(await h.cmd('SKVER')).toMatch(/^EVER [\d.]+\r\nOK\r\n$/);
      expect(emu.counters.sendTo).toBe(0);
    },
  );

  it('silence: no reply at all, the payload consumed, the next command answered normally', async () => {
    const emu = make({ dongle, faults: { wrongFormReply: 'silence' satisfies WrongFormReply } });
    const h = await joined(emu);
    await h.send(`${otherScan}\r\n`);
    await h.send(sendTo(emu.addresses.meter, GET, !dual));
    await h.send('SKVER\r\n');
    await h.waitFor('OK\r\n');
    expect(h.text).toMatch(/^EVER [\d.]+\r\nOK\r\n$/);
    expect(emu.counters.scans).toBe(0);
    expect(emu.counters.sendTo).toBe(0);
  });

  it('silence with echo on: only the echo of the command line comes back', async () => {
    const emu = make({ dongle, faults: { wrongFormReply: 'silence' } });
    const h = new Host(emu.attach());
    await h.send(`${otherScan}\r\n`);
    await h.send(sendTo(emu.addresses.meter, GET, !dual));
    await h.send('SKVER\r\n');
    await h.waitFor('OK\r\n');
    const header = sendTo(emu.addresses.meter, GET, !dual).subarray(0, -GET.length).toString('latin1');
    expect(h.text).toMatch(
      new RegExp(`^${otherScan}\\r\\n${header}\\r\\nSKVER\\r\\nEVER [\\d.]+\\r\\nOK\\r\\n$`),
    );
  });
});

describe('EINFO shapes', () => {
  it.each([
    ['BP35A1', undefined, 'FFFE'],
    ['BP35C2', undefined, '0'],
    ['BP35A1', 5, 'FFFE'],
    ['BP35C2', 5, 'FFFE'],
    ['BP35C2', 6, '0 FFFE'],
    ['RL7023-DSS', 7, '0 FFFE FFFF'],
    ['BP35A1', 7, '0 FFFE FFFF'],
  ] as const)('%s with einfoFields %s: … %s', async (dongle, einfoFields, tail) => {
    const emu = make({ dongle, faults: { einfoFields } });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    const mac = DONGLE_PROFILES[dongle].mac;
    const expected = `EINFO ${emu.addresses.dongle} ${mac} 21 FFFF ${tail}\r\nOK\r\n`;
    expect(await h.cmd('SKINFO')).toBe(expected);
    // The IPv6 address stays the first field, whatever the count.
    expect(expected.split(' ').length - 1).toBe(einfoFields ?? 5);
  });

  it('can be switched while running', async () => {
    const emu = make({ dongle: 'BP35C0' });
    const h = new Host(emu.attach());
    await h.cmd('SKSREG SFE 0');
    expect((await h.cmd('SKINFO')).split('\r\n')[0]!.split(' ')).toHaveLength(6);
    emu.faults.einfoFields = 7;
    expect((await h.cmd('SKINFO')).split('\r\n')[0]!.split(' ')).toHaveLength(8);
  });
});
