/** The dongle's own periodic PANA re-authentication, interleaved with our Gets (raw SKSTACK bytes). */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/echonet/frame.js';
import { DEFAULT_FAULTS, Emulator } from '../../src/emulator/index.js';
import { erxudps, getTo, joined, lines } from './host.js';
import { makeEmulator as make } from './make.js';

describe('periodic PANA re-authentication', () => {
  it('defaults to 80 % of the 24 h PANA lifetime', async () => {
    const emu = new Emulator({ latencyScale: 0 });
    expect(emu.faults.reauthEvery).toBe(69_120);
    expect(DEFAULT_FAULTS.reauthEvery).toBe(0.8 * 86_400);
    await emu.close();
  });

  it('once due, lands inside the next SKSENDTO reply; the Get is still answered; EVENT 25 ends it', async () => {
    // Due 1 ms after the join, before joined() returns; it then waits (6 s) for our next send.
    const emu = make({ latencyScale: 0.01, faults: { reauthEvery: 0.1 } });
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    const own = emu.addresses.dongle;
    await h.send(getTo(emu, 0x4242));
    await h.waitFor(`EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes)).toEqual([
      '',
      `EVENT 21 ${meter} 01`, // the dongle's PANA retransmission that failed
      `EVENT 21 ${meter} 00`, // its PANA send
      `EVENT 21 ${meter} 02`, // our Get: neighbour solicitation (first send after the join)
      `EVENT 21 ${meter} 00`, // our Get: sent
      'OK',
      `EVENT 21 ${meter} 00`, // PANA again, right after our OK
      `ERXUDP ${meter} ${own} 02CC 02CC 001C6400036E8CF5 0 0030`,
      `EVENT 21 ${meter} 00`,
      `ERXUDP ${meter} ${own} 0E1A 0E1A 001C6400036E8CF5 1 0012`, // the Get's answer
      `ERXUDP ${meter} ${own} 02CC 02CC 001C6400036E8CF5 0 0030`,
      `EVENT 21 ${meter} 00`,
      `ERXUDP ${meter} ${own} 02CC 02CC 001C6400036E8CF5 0 0058`,
      `EVENT 25 ${meter}`,
    ]);
    const answer = erxudps(h.bytes).find((e) => e.fields[2] === '0E1A')!;
    expect(decodeFrame(answer.data).tid).toBe(0x4242);
    expect(emu.sessionUp).toBe(true);
    // 0 turns it off, a re-authentication already due included: the next send is plain.
    emu.faults.reauthEvery = 0;
    h.mark();
    await h.send(getTo(emu, 2));
    await h.waitFor('ERXUDP');
    expect(lines(h.bytes).slice(0, 3)).toEqual(['', `EVENT 21 ${meter} 00`, 'OK']);
  });

  it('runs on its own when no send comes within the grace period', async () => {
    const emu = make({ latencyScale: 0.001, faults: { reauthEvery: 1 } });
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    await h.waitFor(`EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes).filter((l) => !l.startsWith('ERXUDP'))).toEqual([
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 25 ${meter}`,
    ]);
    expect(erxudps(h.bytes).map((e) => e.fields[2])).toEqual(['02CC', '02CC', '02CC']);
  });

  it('is armed when reauthEvery is changed on a running session', async () => {
    const emu = make({ latencyScale: 0.001 });
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    emu.faults.reauthEvery = 1;
    await h.waitFor(`EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes).filter((l) => l.startsWith('EVENT 2'))).toEqual([
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 25 ${meter}`,
    ]);
  });

  it('a meter that does not answer the re-authentication: EVENT 21 01, then the session is lost (EVENT 24)', async () => {
    const emu = make({ latencyScale: 0.001, faults: { reauthEvery: 1 } });
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    emu.faults.meterSilent = true;
    await h.waitFor(`EVENT 24 ${meter}\r\n`);
    expect(lines(h.bytes)).toEqual([`EVENT 21 ${meter} 01`, `EVENT 24 ${meter}`]);
    expect(emu.sessionUp).toBe(false);
  });

  it('SKREJOIN re-authenticates at once', async () => {
    const emu = make();
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    await h.cmd('SKREJOIN', `EVENT 25 ${meter}\r\n`);
    expect(lines(h.bytes).filter((l) => !l.startsWith('ERXUDP'))).toEqual([
      'OK',
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 21 ${meter} 00`,
      `EVENT 25 ${meter}`,
    ]);
  });
});
