/** A meter that goes silent, and one swapped for another (raw SKSTACK bytes). */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/echonet/frame.js';
import { NO_DATA } from '../../src/emulator/index.js';
import { until } from '../support/wait.js';
import { configured, erxudps, getTo, joined, lines, PWD, RBID } from './host.js';
import { makeEmulator as make } from './make.js';

const answers = (bytes: Buffer) =>
  erxudps(bytes)
    .filter((e) => e.fields[2] === '0E1A' && !e.fields[1]!.startsWith('FF02'))
    .map((e) => decodeFrame(e.data));

describe('a lossy radio (dropEvery)', () => {
  it('loses every third answer, the sends themselves succeeding', async () => {
    const emu = make({ faults: { dropEvery: 3 } });
    const h = await joined(emu);
    h.mark();
    for (let tid = 1; tid <= 6; tid++) {
      await h.send(getTo(emu, tid));
      await h.waitFor((t) => t.split('OK\r\n').length > tid);
    }
    // Every answer is sent before the next request's OK (latency 0.001): all are in by the 6th OK.
    await new Promise((r) => setTimeout(r, 20));
    expect(answers(h.bytes).map((f) => f.tid)).toEqual([1, 2, 4, 5]);
  });
});

describe('a silent meter', () => {
  it('sends get no MAC ACK (EVENT 21 01), joins end in EVENT 24, scans find nothing', async () => {
    const emu = make();
    const h = await joined(emu);
    const meter = emu.addresses.meter;
    emu.faults.meterSilent = true;
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${meter} 02\r\nEVENT 21 ${meter} 01\r\nOK\r\n`);
    expect(await h.cmd('SKTERM', 'EVENT 28')).toBe(`OK\r\nEVENT 28 ${meter}\r\n`);
    expect(await h.cmd(`SKJOIN ${meter}`, 'EVENT 24')).toBe(`OK\r\nEVENT 24 ${meter}\r\n`);
    expect(await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22')).toBe(`OK\r\nEVENT 22 ${emu.addresses.dongle}\r\n`);
    emu.faults.meterSilent = false;
    await h.cmd(`SKJOIN ${meter}`, 'EVENT 25');
    h.mark();
    await h.send(getTo(emu, 2));
    await h.waitFor((t) => answers(Buffer.from(t, 'latin1')).length === 1);
    expect(answers(h.bytes).map((f) => f.tid)).toEqual([2]);
  });

  it('an answer on its way when the meter falls silent never arrives', async () => {
    const emu = make({ latencyScale: 0.01 });
    const h = await joined(emu);
    await h.send(getTo(emu, 1));
    await h.waitFor('OK\r\n');
    emu.faults.meterSilent = true;
    // A scan (18 emulated s) outlasts the answer's 1.5 s radio latency.
    await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22');
    emu.faults.meterSilent = false;
    await h.send(getTo(emu, 2));
    await h.waitFor((t) => answers(Buffer.from(t, 'latin1')).length >= 1);
    expect(answers(h.bytes).map((f) => f.tid)).toEqual([2]);
  });

  it('silentEvery / silentFor: the meter goes silent in windows, visible in faults.meterSilent', async () => {
    const emu = make({ latencyScale: 0.01, faults: { silentEvery: 5, silentFor: 2 } });
    // Windows of 20 ms (latency scale 0.01): checked every 2 ms so none passes unseen.
    const every2ms = { ms: 3000, everyMs: 2 };
    await until(() => emu.faults.meterSilent, 'a silent window', every2ms);
    await until(() => !emu.faults.meterSilent, 'its end', every2ms);
    await until(() => emu.faults.meterSilent, 'the next window', every2ms);
  });

  it('dropResponses is kept: the send succeeds, no answer comes', async () => {
    const emu = make({ faults: { dropResponses: 1 } });
    const h = await joined(emu);
    await h.send(getTo(emu, 1));
    expect(await h.waitFor('OK\r\n')).toBe(
      `\r\nEVENT 21 ${emu.addresses.meter} 02\r\nEVENT 21 ${emu.addresses.meter} 00\r\nOK\r\n`,
    );
    await h.send(getTo(emu, 2));
    await h.waitFor((t) => answers(Buffer.from(t, 'latin1')).length === 1);
    expect(answers(h.bytes).map((f) => f.tid)).toEqual([2]);
  });
});

describe('a meter swapped for another', () => {
  it('the old address no longer answers, the old PAN fails, a scan finds only the new meter', async () => {
    const emu = make();
    const h = await joined(emu);
    const old = { ip: emu.addresses.meter, ...emu.meter.options };
    emu.swapMeter();
    const fresh = emu.meter.options;
    expect(fresh.mac).not.toBe(old.mac);
    expect(fresh.panId).not.toBe(old.panId);
    expect(fresh.channel).not.toBe(old.channel);
    expect(fresh.coefficient).toBe(10);
    expect(emu.addresses.meter).not.toBe(old.ip);
    // Sends to the old address: no MAC ACK.
    await h.send(getTo(emu, 1, [0xe7], old.ip));
    expect(await h.waitFor('OK\r\n')).toBe(`\r\nEVENT 21 ${old.ip} 02\r\nEVENT 21 ${old.ip} 01\r\nOK\r\n`);
    // The stale cache: old channel, old PAN, old address.
    await h.cmd('SKTERM', /EVENT 2[78]/);
    expect(await h.cmd(`SKJOIN ${old.ip}`, 'EVENT 24')).toBe(`OK\r\nEVENT 24 ${old.ip}\r\n`);
    const scan = await h.cmd('SKSCAN 2 FFFFFFFF 6', 'EVENT 22');
    expect(lines(Buffer.from(scan, 'latin1')).filter((l) => l.startsWith('  '))).toEqual([
      `  Channel:${fresh.channel.toString(16).toUpperCase()}`,
      '  Channel Page:09',
      `  Pan ID:${fresh.panId.toString(16).toUpperCase().padStart(4, '0')}`,
      `  Addr:${fresh.mac}`,
      '  LQI:6E',
      `  PairID:${RBID.slice(-8)}`,
    ]);
    await h.cmd(`SKSREG S2 ${fresh.channel.toString(16)}`);
    await h.cmd(`SKSREG S3 ${fresh.panId.toString(16)}`);
    expect(await h.cmd(`SKJOIN ${emu.addresses.meter}`, 'EVENT 25')).toContain(
      `EVENT 25 ${emu.addresses.meter}`,
    );
    await h.waitFor(`ERXUDP ${emu.addresses.meter} FF02`);
    h.mark();
    await h.send(getTo(emu, 7, [0xd3, 0xe0, 0xea]));
    await h.waitFor((t) => answers(Buffer.from(t, 'latin1')).length === 1);
    const [reply] = answers(h.bytes);
    expect(erxudps(h.bytes).at(-1)!.fields[4]).toBe(fresh.mac);
    expect(Buffer.from(reply!.properties[0]!.edt).readUInt32BE(0)).toBe(10);
    // Its own counters: a new meter reads a few kWh, the old one 12345.6 kWh.
    expect(Buffer.from(reply!.properties[1]!.edt).readUInt32BE(0)).toBe(emu.meter.counterAt(emu.meter.now()));
    expect(emu.meter.energyAt(emu.meter.now())).toBeLessThan(100);
    // Installed at 12:10: the 12:00 fixed-time value predates it.
    expect(Buffer.from(reply!.properties[2]!.edt).readUInt32BE(7)).toBe(NO_DATA);
  });

  it('swapAfter: the meter is replaced once, after that many emulated seconds; swapCoefficient sets its D3', async () => {
    const emu = make({ latencyScale: 0.01, faults: { swapAfter: 3, swapCoefficient: 100 } });
    const first = emu.addresses.meter;
    await until(() => emu.addresses.meter !== first, 'the swap');
    expect(emu.meter.options.coefficient).toBe(100);
    const second = emu.addresses.meter;
    const h = await configured(emu);
    expect(await h.cmd(`SKSETPWD C ${PWD}`)).toBe('OK\r\n');
    expect(emu.addresses.meter).toBe(second);
  });
});
