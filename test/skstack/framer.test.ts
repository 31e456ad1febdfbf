import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEvent, type SkFrame, SkFramer } from '../../src/skstack/framer.js';

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const cat = (...parts: Array<string | Uint8Array>): Uint8Array =>
  Uint8Array.from(Buffer.concat(parts.map((p) => (typeof p === 'string' ? enc(p) : p))));
const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

/** Feeds `bytes` cut at `cuts` (sorted offsets) into a fresh framer. */
function frame(bytes: Uint8Array, cuts: number[] = [], opts = {}): SkFrame[] {
  const f = new SkFramer(opts);
  const out: SkFrame[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...f.push(bytes.subarray(at, c)));
    at = c;
  }
  return [...out, ...f.flush()];
}
const byteCuts = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Asserts every chunking gives the same frames: whole, byte by byte, and random splits. */
function sameUnderAnyChunking(bytes: Uint8Array, opts = {}): SkFrame[] {
  const whole = frame(bytes, [], opts);
  expect(frame(bytes, byteCuts(bytes.length), opts)).toEqual(whole);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) })), (cuts) => {
      expect(
        frame(
          bytes,
          [...cuts].sort((a, b) => a - b),
          opts,
        ),
      ).toEqual(whole);
    }),
    { numRuns: 60 },
  );
  return whole;
}

// protocol.md §E-1 (RL7023 Stick-D/IPS, single-hop, hex ASCII)
const E1 = crlf(
  'EVENT 21 FE80:0000:0000:0000:021C:6400:03DD:6393 00',
  'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 02CC 02CC 001C640003DD6393 0 0058 00000058A0000002AB0FB498736E78FC000700000004000000000000000200000004000003AC000400040000000400000000FE010008000000040000000151800001000000100000877B491137BCABC194562415536C3E17',
  'EVENT 25 FE80:0000:0000:0000:021C:6400:03DD:6393',
  'EVENT 20 FE80:0000:0000:0000:1207:23FF:FEA0:77E3',
  'EPANDESC',
  '  Channel:33',
  '  Channel Page:09',
  '  Pan ID:6393',
  '  Addr:001C640003DD6393',
  '  LQI:4E',
  '  PairID:00F6D114',
  'EVENT 22 FE80:0000:0000:0000:1207:23FF:FEA0:77E3',
  'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:1207:23FF:FEA0:77E3 0E1A 0E1A 001C640003DD6393 1 0012 1081000302880105FF017201E7040000001C',
);

// protocol.md §E-5 (BP35C2 trace; the SKSCAN/SKSENDTO lines are echoes)
const E5 = crlf(
  'EVENT 22 FE80:0000:0000:0000:021D:1291:0002:0608 0',
  'SKSCAN 2 FFFFFFFF 5 0',
  'OK',
  'EVENT 20 FE80:0000:0000:0000:021D:1291:0002:0608 0',
  'EPANDESC',
  '  Channel:39',
  '  Channel Page:09',
  '  Pan ID:8CF5',
  '  Addr:001C6400036E8CF5',
  '  LQI:52',
  '  Side:0',
  'SKSENDTO 1 FE80:0000:0000:0000:021C:6400:036E:8CF5 0E1A 1 0 0012 ',
  'EVENT 21 FE80:0000:0000:0000:021C:6400:036E:8CF5 0 00',
  'OK',
);

describe('SkFramer on real transcripts', () => {
  it('frames the RL7023-IPS capture (§E-1) the same under every chunking', () => {
    const frames = sameUnderAnyChunking(enc(E1));
    expect(frames.map((f) => f.type)).toEqual([
      'event',
      'erxudp',
      'event',
      'event',
      'epandesc',
      'event',
      'erxudp',
    ]);
    expect(frames[0]).toMatchObject({ num: 0x21, side: null, param: 0 });
    const pana = frames[1] as Extract<SkFrame, { type: 'erxudp' }>;
    expect(pana.format).toBe('hex');
    expect(pana.udp).toMatchObject({ rport: 0x2cc, lport: 0x2cc, secured: false, side: null, rssi: null });
    expect(pana.udp.data.length).toBe(0x58);
    expect(frames[4]).toEqual({
      type: 'epandesc',
      pan: {
        channel: 0x33,
        channelPage: 9,
        panId: 0x6393,
        addr: '001C640003DD6393',
        lqi: 0x4e,
        side: null,
        pairId: '00F6D114',
      },
    });
    const echonet = frames[6] as Extract<SkFrame, { type: 'erxudp' }>;
    expect(Buffer.from(echonet.udp.data).toString('hex').toUpperCase()).toBe(
      '1081000302880105FF017201E7040000001C',
    );
    expect(echonet.udp.secured).toBe(true);
  });

  it('frames the BP35C2 trace (§E-5): echoes, DSE events with side, EPANDESC with Side', () => {
    const frames = sameUnderAnyChunking(enc(E5));
    expect(frames.map((f) => f.type)).toEqual([
      'event',
      'echo',
      'line',
      'event',
      'epandesc',
      'echo',
      'event',
      'line',
    ]);
    expect(frames[0]).toMatchObject({ num: 0x22, side: 0, param: null });
    expect(frames[4]).toMatchObject({ pan: { channel: 0x39, panId: 0x8cf5, side: 0, pairId: null } });
    expect(frames[5]).toEqual({
      type: 'echo',
      text: 'SKSENDTO 1 FE80:0000:0000:0000:021C:6400:036E:8CF5 0E1A 1 0 0012 ',
    });
    expect(frames[6]).toMatchObject({ num: 0x21, side: 0, param: 0 });
  });

  it('frames the dual-stack 10-field hex ERXUDP of §E-4', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03E0:1234 FE80:0000:0000:0000:A612:42FF:FE9F:5678 02CC 02CC 001C640003E01234 0 0 0058 00000058A00000020B6F1805EE840165000700000004000000000000000200000004000003A1000400040000000400000003B401000800000004000000015180000100000010000025718D51339F8699E122922BB6ABD93B\r\n';
    const [f] = sameUnderAnyChunking(enc(line));
    expect(f).toMatchObject({ type: 'erxudp', format: 'hex', udp: { side: 0, secured: false, rssi: null } });
  });

  it('frames the BP35C2 binary ERXUDP of §E-6 (data contains 0x0D 0x0A-free raw bytes, then CRLF)', () => {
    const data = Uint8Array.from([
      0x10, 0x81, 0x00, 0x01, 0x02, 0x88, 0x01, 0x05, 0xff, 0x01, 0x72, 0x01, 0xe7, 0x04, 0x00, 0x00, 0x01,
      0xf8,
    ]);
    const bytes = cat(
      'ERXUDP FE80:0000:0000:0000:021C:6400:030C:12A4 FE80:0000:0000:0000:021D:1291:0000:0574 0E1A 0E1A 001C6400030C12A4 1 0 0012 ',
      data,
      '\r\n',
    );
    const [f] = sameUnderAnyChunking(bytes);
    expect(f).toMatchObject({ type: 'erxudp', format: 'binary', udp: { side: 0, secured: true } });
    expect((f as Extract<SkFrame, { type: 'erxudp' }>).udp.data).toEqual(data);
  });
});

const HEAD9 =
  'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:021D:1290:1234:5678 0E1A 0E1A 001C640003DD6393 1';

describe('SkFramer ERXUDP payloads', () => {
  it('takes exactly DATALEN raw bytes even when they hold CRLF, spaces, NUL and hex-looking text', () => {
    const data = cat('\r\n', Uint8Array.of(0x20, 0x00, 0x0d), 'ERXUDP 41\r\n', Uint8Array.of(0xff));
    const len = data.length.toString(16).toUpperCase().padStart(4, '0');
    const bytes = cat(`${HEAD9} ${len} `, data, '\r\nEVENT 25 FE80:0000:0000:0000:021C:6400:03DD:6393\r\n');
    const frames = sameUnderAnyChunking(bytes, { payload: 'binary' });
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ type: 'erxudp', format: 'binary' });
    expect((frames[0] as Extract<SkFrame, { type: 'erxudp' }>).udp.data).toEqual(data);
    expect(frames[1]).toMatchObject({ type: 'event', num: 0x25 });
  });

  it('reads binary data that is itself hex digits as binary (CRLF right after DATALEN bytes)', () => {
    const bytes = cat(`${HEAD9} 0004 `, 'ABCD', '\r\n');
    const [f] = frame(bytes, [], { payload: 'hex' });
    expect(f).toMatchObject({ type: 'erxudp', format: 'binary' });
    expect((f as Extract<SkFrame, { type: 'erxudp' }>).udp.data).toEqual(enc('ABCD'));
  });

  it('reads hex data even when binary was configured (tolerates both)', () => {
    const [f] = frame(enc(`${HEAD9} 0002 1081\r\n`), [], { payload: 'binary' });
    expect(f).toMatchObject({ type: 'erxudp', format: 'hex' });
    expect((f as Extract<SkFrame, { type: 'erxudp' }>).udp.data).toEqual(Uint8Array.of(0x10, 0x81));
  });

  it('parses the 11-field dual-stack layout with RSSI', () => {
    const line =
      'ERXUDP FE80:0000:0000:0000:021C:6400:03DD:6393 FE80:0000:0000:0000:021D:1290:1234:5678 0E1A 0E1A 001C640003DD6393 C4 1 0 0002 1081\r\n';
    const [f] = sameUnderAnyChunking(enc(line));
    expect(f).toMatchObject({ type: 'erxudp', udp: { rssi: 0xc4, secured: true, side: 0 } });
  });

  it('turns data that is neither length into garbage and recovers at the next line', () => {
    const bytes = enc(`${HEAD9} 0004 10XY81\r\nOK\r\n`);
    const frames = sameUnderAnyChunking(bytes);
    expect(frames.map((f) => f.type)).toEqual(['garbage', 'line']);
    expect(frames[1]).toEqual({ type: 'line', text: 'OK' });
  });

  it('turns a malformed ERXUDP header into garbage and recovers', () => {
    const bytes = enc('ERXUDP FE80::1 FE80::2 0E1A 0E1A 001C640003DD6393 1 0002 1081\r\nOK\r\n');
    const frames = sameUnderAnyChunking(bytes);
    expect(frames.map((f) => f.type)).toEqual(['garbage', 'line']);
  });

  it('rejects a DATALEN above the limit without buffering it', () => {
    const f = new SkFramer({ maxData: 100 });
    const frames = f.push(enc(`${HEAD9} 0800 `));
    expect(frames[0]).toMatchObject({ type: 'garbage' });
    f.push(new Uint8Array(5000).fill(0x41));
    expect(f.buffered).toBe(0);
    expect(f.push(enc('\r\nOK\r\n'))).toEqual([{ type: 'line', text: 'OK' }]);
  });
});

describe('SkFramer lines', () => {
  it('ends CR-only replies at once while a CR reply is expected, swallowing a following LF', () => {
    const f = new SkFramer();
    f.expectCr(true);
    expect(f.push(enc('OK 01\r'))).toEqual([{ type: 'cr-line', text: 'OK 01' }]);
    expect(f.push(enc('\nOK\r'))).toEqual([{ type: 'cr-line', text: 'OK' }]);
    f.expectCr(false);
    expect(f.push(enc('EVENT 21 FE80:0000:0000:0000:021C:6400:03DD:6393 00\r'))).toEqual([]);
    expect(f.push(enc('\n'))).toMatchObject([{ type: 'event', num: 0x21 }]);
  });

  it('tells a CR-only line from CRLF by the next byte when no CR reply is expected', () => {
    const frames = sameUnderAnyChunking(enc('OK 00\rOK\r\n'));
    expect(frames).toEqual([
      { type: 'cr-line', text: 'OK 00' },
      { type: 'line', text: 'OK' },
    ]);
  });

  it('emits blank lines and keeps going', () => {
    expect(frame(enc('\r\nOK\r\n\r\n'))).toEqual([
      { type: 'blank' },
      { type: 'line', text: 'OK' },
      { type: 'blank' },
    ]);
  });

  it('turns non-ASCII noise into garbage and recovers at the next CRLF', () => {
    const bytes = cat(Uint8Array.of(0xff, 0x00, 0x8e), 'EV\r\n', 'EVER 1.2.10\r\n');
    const frames = sameUnderAnyChunking(bytes);
    expect(frames[0]).toMatchObject({ type: 'garbage', bytes: cat(Uint8Array.of(0xff, 0x00, 0x8e), 'EV') });
    expect(frames[1]).toEqual({ type: 'line', text: 'EVER 1.2.10' });
  });

  it('bounds a line that never ends and recovers after its CRLF', () => {
    const f = new SkFramer({ maxLine: 64 });
    const frames: SkFrame[] = [];
    for (let i = 0; i < 1000; i++) frames.push(...f.push(new Uint8Array(1000).fill(0x41)));
    expect(f.buffered).toBeLessThanOrEqual(64);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ type: 'garbage' });
    expect(f.push(enc('AAAA\r\nOK\r\n'))).toEqual([{ type: 'line', text: 'OK' }]);
  });

  it('ends an EPANDESC block at the first non-indented line, even an ERXUDP', () => {
    const bytes = enc(
      crlf(
        'EPANDESC',
        '  Channel:21',
        '  Channel Page:09',
        '  Pan ID:1234',
        '  Addr:001C640003DD6393',
        '  LQI:10',
      ) + `${HEAD9} 0002 1081\r\n`,
    );
    const frames = sameUnderAnyChunking(bytes);
    expect(frames.map((f) => f.type)).toEqual(['epandesc', 'erxudp']);
  });

  it('reports an EPANDESC block without Addr as garbage', () => {
    const frames = frame(enc(crlf('EPANDESC', '  Channel:21', 'OK')));
    expect(frames.map((f) => f.type)).toEqual(['garbage', 'line']);
  });
});

describe('parseEvent', () => {
  const ip = 'FE80:0000:0000:0000:021C:6400:03DD:6393';
  it('reads side and param by position, and a lone token by event number or edition', () => {
    expect(parseEvent(`EVENT 21 ${ip} 0 01`)).toMatchObject({ num: 0x21, side: 0, param: 1 });
    expect(parseEvent(`EVENT 21 ${ip} 02`)).toMatchObject({ side: null, param: 2 });
    expect(parseEvent(`EVENT 25 ${ip} 0`)).toMatchObject({ num: 0x25, side: 0, param: null });
    expect(parseEvent(`EVENT 25 ${ip} 1`, 'single-hop')).toMatchObject({ side: null, param: 1 });
    expect(parseEvent(`EVENT 21 ${ip} 1`, 'dual-stack')).toMatchObject({ side: 1, param: null });
    expect(parseEvent('EVENT C0')).toMatchObject({ num: 0xc0, sender: '' });
    expect(parseEvent('EVENT XYZ')).toBeNull();
  });
});

describe('SkFramer property: any sequence of frames, any chunking', () => {
  const lineArb = fc.oneof(
    fc.constant('OK'),
    fc.constant('FAIL ER05'),
    fc.constant('EVER 1.2.10'),
    fc.constant('EVENT 21 FE80:0000:0000:0000:021C:6400:03DD:6393 0 02'),
    fc.constant('SKSREG SFE 0'),
    fc.constant(''),
  );
  const erxArb = fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map((d) => cat(`${HEAD9} ${d.length.toString(16).toUpperCase().padStart(4, '0')} `, d, '\r\n'));
  const itemArb = fc.oneof(
    lineArb.map((l) => enc(`${l}\r\n`)),
    erxArb,
  );
  it('yields the same frames whatever the split, and one frame per item', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 12 }), fc.array(fc.nat(2000)), (items, rawCuts) => {
        const bytes = cat(...items);
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const whole = frame(bytes);
        expect(frame(bytes, cuts)).toEqual(whole);
        expect(whole).toHaveLength(items.length);
      }),
      { numRuns: 300 },
    );
  });
});
