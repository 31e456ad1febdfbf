/** The reply record (simulate --record, Emulator.onReply): what the meter answered, decoded. */
import { describe, expect, it } from 'vitest';
import type { ReplyRecord } from '../../src/emulator/index.js';
import { erxudps, getTo, joined } from './host.js';
import { makeEmulator as make } from './make.js';

describe('onReply', () => {
  it('records every Get_Res / Get_SNA delivered to the host, decoded, with the host time and meter MAC', async () => {
    const hostMs = Date.UTC(2026, 4, 20, 3, 10);
    const emu = make({ faults: { busy: { EA: 1 } } });
    const got: ReplyRecord[] = [];
    const stop = emu.onReply((r) => got.push(r));
    const h = await joined(emu);
    await h.send(getTo(emu, 0x0101, [0xe7, 0xe0, 0xea]));
    await h.send(getTo(emu, 0x0102, [0xe7, 0xe0, 0xea, 0xd3]));
    await h.waitFor((t) => erxudps(Buffer.from(t, 'latin1')).length >= 2);
    const m = emu.meter;
    const at = m.now();
    expect(got).toEqual([
      {
        hostMs,
        meterMac: '001C6400036E8CF5',
        tid: 0x0101,
        props: { E7: m.powerAt(at), E0: m.counterAt(at), EA: null },
      },
      {
        hostMs,
        meterMac: '001C6400036E8CF5',
        tid: 0x0102,
        props: {
          E7: m.powerAt(at),
          E0: m.counterAt(at),
          EA: { time: '2026-05-20T12:00:00', raw: m.counterAt(Date.UTC(2026, 4, 20, 3, 0)) },
          D3: 1,
        },
      },
    ]);
    // A lost answer never reached the host: no record.
    stop();
    emu.faults.dropResponses = 1;
    const later: ReplyRecord[] = [];
    emu.onReply((r) => later.push(r));
    h.mark();
    await h.send(getTo(emu, 0x0103));
    await h.send(getTo(emu, 0x0104));
    await h.waitFor('ERXUDP');
    await h.waitFor((t) => t.endsWith('\r\n'));
    expect(later.map((r) => r.tid)).toEqual([0x0104]);
    expect(got).toHaveLength(2);
  });
});
