import { describe, expect, it, vi } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { DongleModel, SkEvent } from '../../src/skstack/api.js';
import { createSkClient, type SkClientOptions } from '../../src/skstack/client.js';
import type { ByteStream } from '../../src/transport/types.js';
import { until } from '../support/wait.js';
import {
  byteByByte,
  DONGLE_IP,
  METER_IP,
  METER_MAC,
  pieces,
  ScriptedDongle,
  type ScriptOptions,
} from './scripted-dongle.js';

const TIMEOUTS = { command: 300, scanGrace: 300, join: 600, send: 600 };
const PAN = { channel: '33', panId: '6393', addr: METER_MAC, lqi: '4E', pairId: '00F6D114' };
const GET_E7 = Uint8Array.from([
  0x10, 0x81, 0x00, 0x01, 0x05, 0xff, 0x01, 0x02, 0x88, 0x01, 0x62, 0x01, 0xe7, 0x00,
]);
// Response with bytes that matter in binary mode: 0x0D 0x0A and 0x20 inside the data.
const REPLY = Uint8Array.from([
  0x10, 0x81, 0x00, 0x01, 0x02, 0x88, 0x01, 0x05, 0xff, 0x01, 0x72, 0x01, 0xe7, 0x04, 0x00, 0x0d, 0x0a, 0x20,
]);
const ID = '00112233445566778899AABBCCDDEEFF';
const PASSWORD = 'PW0123456789';

function setup(
  script: Partial<ScriptOptions> & Pick<ScriptOptions, 'edition' | 'payload' | 'ropt'>,
  opts: Partial<SkClientOptions> = {},
) {
  const dongle = new ScriptedDongle({ pans: [PAN], reply: REPLY, ...script });
  const client = createSkClient(dongle, { model: 'auto', timeouts: TIMEOUTS, ...opts });
  const events: SkEvent[] = [];
  client.onEvent((e) => events.push(e));
  return { dongle, client, events };
}

const FAMILIES: Array<{
  model: Exclude<DongleModel, 'auto'>;
  script: Pick<ScriptOptions, 'edition' | 'payload' | 'ropt'> & Partial<ScriptOptions>;
}> = [
  { model: 'BP35A1', script: { edition: 'single-hop', payload: 'binary', ropt: 'yes' } },
  { model: 'RL7023-IPS', script: { edition: 'single-hop', payload: 'hex', ropt: 'yes' } },
  { model: 'BP35C0', script: { edition: 'dual-stack', payload: 'binary', ropt: 'yes' } },
  { model: 'BP35C2', script: { edition: 'dual-stack', payload: 'binary', ropt: 'yes', rssi: true } },
  { model: 'RS-WSUHA-P', script: { edition: 'dual-stack', payload: 'binary', ropt: 'yes' } },
  { model: 'RL7023-DSS', script: { edition: 'dual-stack', payload: 'hex', ropt: 'er04' } },
];

describe('SkClient full session against each dongle family', () => {
  for (const { model, script } of FAMILIES) {
    for (const configured of [model, 'auto'] as const) {
      it(`${model} configured as ${configured}, output split byte by byte`, async () => {
        const { dongle, client, events } = setup({ ...script, chunker: byteByByte }, { model: configured });
        const info = await client.init();
        expect(info.edition).toBe(script.edition);
        expect(info.payload).toBe(script.payload);
        expect(info.version).toBe('1.2.10');
        expect(info.ipv6).toBe(DONGLE_IP);
        await client.setCredentials(ID, PASSWORD);
        const pans = await client.scan(2);
        expect(pans).toEqual([
          {
            channel: 0x33,
            channelPage: 9,
            panId: 0x6393,
            addr: METER_MAC,
            lqi: 0x4e,
            side: script.edition === 'dual-stack' ? 0 : null,
            pairId: '00F6D114',
          },
        ]);
        await client.setRegister('S2', '33');
        const ip = await client.ll64(METER_MAC);
        expect(ip).toBe(METER_IP);
        await client.join(ip);
        // PANA traffic during the join went to the event stream.
        expect(events.some((e) => e.kind === 'erxudp' && e.udp.rport === 0x2cc)).toBe(true);
        expect(await client.sendTo(ip, GET_E7)).toBe(0);
        await until(
          () => events.some((e) => e.kind === 'erxudp' && e.udp.rport === 0x0e1a),
          'an ECHONET ERXUDP event',
          {
            everyMs: 0,
          },
        );
        const reply = events.find((e) => e.kind === 'erxudp' && e.udp.rport === 0x0e1a);
        expect(reply).toMatchObject({
          kind: 'erxudp',
          udp: { sender: METER_IP, secured: true, data: REPLY },
        });
        if (script.edition === 'dual-stack') expect(reply).toMatchObject({ udp: { side: 0 } });
        await client.term();
        const sendCmd = dongle.commands.find((c) => c.startsWith('SKSENDTO'));
        expect(sendCmd).toBe(
          script.edition === 'dual-stack'
            ? `SKSENDTO 1 ${METER_IP} 0E1A 1 0 000E`
            : `SKSENDTO 1 ${METER_IP} 0E1A 1 000E`,
        );
        expect(dongle.commands.filter((c) => c.startsWith('SKSCAN'))).toEqual([
          script.edition === 'dual-stack' ? 'SKSCAN 2 FFFFFFFF 2 0' : 'SKSCAN 2 FFFFFFFF 2',
        ]);
        expect(dongle.woptCount).toBe(0);
        if (model === 'RL7023-DSS' && configured === model) expect(dongle.commands).not.toContain('ROPT');
        await client.close();
      });
    }
  }
});

describe('SkClient init and dialect detection', () => {
  it('starts with a CRLF and SKVER, then turns echo off, and discards the flushed noise', async () => {
    const { dongle, client, events } = setup({ edition: 'single-hop', payload: 'binary', ropt: 'yes' });
    await client.init();
    expect(dongle.commands.slice(0, 4)).toEqual(['', 'SKVER', 'SKSREG SFE 0', 'SKINFO']);
    expect(dongle.echo).toBe(false);
    expect(events).toEqual([]);
  });

  it('falls back to the dual-stack SKSCAN form on FAIL ER05 and remembers it for SKSENDTO', async () => {
    // RL7023-IPS configured, but the stick speaks the dual-stack forms (the §A.1 conflict).
    const { dongle, client } = setup(
      { edition: 'dual-stack', payload: 'hex', ropt: 'yes' },
      { model: 'RL7023-IPS' },
    );
    await client.init();
    expect(client.info.edition).toBe('single-hop');
    expect(await client.scan(1)).toHaveLength(1);
    expect(client.info.edition).toBe('dual-stack');
    expect(await client.sendTo(METER_IP, GET_E7)).toBe(0);
    expect(dongle.commands.filter((c) => c.startsWith('SKSCAN') || c.startsWith('SKSENDTO'))).toEqual([
      'SKSCAN 2 FFFFFFFF 1',
      'SKSCAN 2 FFFFFFFF 1 0',
      `SKSENDTO 1 ${METER_IP} 0E1A 1 0 000E`,
    ]);
  });

  it('falls back on SKSENDTO too while the edition is unconfirmed, and not after', async () => {
    const { dongle, client } = setup(
      { edition: 'single-hop', payload: 'binary', ropt: 'yes' },
      { model: 'BP35C2' },
    );
    await client.init();
    expect(await client.sendTo(METER_IP, GET_E7)).toBe(0);
    expect(client.info.edition).toBe('single-hop');
    dongle.o.edition = 'dual-stack';
    const err = await client.sendTo(METER_IP, GET_E7).catch((e: unknown) => e);
    expect(isHemsError(err, 'DONGLE_FAIL')).toBe(true);
    expect((err as { context: Record<string, unknown> }).context['er']).toBe('ER05');
    expect(dongle.commands.filter((c) => c.startsWith('SKSENDTO'))).toHaveLength(3);
  });

  it('treats ROPT FAIL ER04 as a hex-only dongle and never sends WOPT', async () => {
    const { dongle, client } = setup(
      { edition: 'dual-stack', payload: 'hex', ropt: 'er04' },
      { payloadMode: 'hex' },
    );
    const info = await client.init();
    expect(info.payload).toBe('hex');
    expect(dongle.commands).toContain('ROPT');
    expect(dongle.woptCount).toBe(0);
  });

  it('issues WOPT 01 at most once, only when ROPT says binary and hex is wanted', async () => {
    const { dongle, client } = setup(
      { edition: 'single-hop', payload: 'binary', ropt: 'yes' },
      { payloadMode: 'hex' },
    );
    expect((await client.init()).payload).toBe('hex');
    expect(dongle.woptCount).toBe(1);
    dongle.payloadMode = 'binary'; // as if the flash write did not stick
    expect((await client.init()).payload).toBe('binary');
    expect(dongle.woptCount).toBe(1);
  });

  it('keeps binary mode by default (no flash write) and parses binary', async () => {
    const { dongle, client } = setup({ edition: 'single-hop', payload: 'binary', ropt: 'yes' });
    expect((await client.init()).payload).toBe('binary');
    expect(dongle.woptCount).toBe(0);
  });

  it('keeps the model default when ROPT gets no answer', async () => {
    const { client } = setup(
      { edition: 'dual-stack', payload: 'binary', ropt: 'silent' },
      { model: 'BP35C2' },
    );
    expect((await client.init()).payload).toBe('binary');
  });
});

describe('SkClient command semantics', () => {
  const ready = async (script: Partial<ScriptOptions> = {}, opts: Partial<SkClientOptions> = {}) => {
    const s = setup(
      { edition: 'single-hop', payload: 'binary', ropt: 'yes', ...script },
      { model: 'BP35A1', ...opts },
    );
    await s.client.init();
    return s;
  };

  it('writes SKSENDTO as one write: header, 4-digit upper-case DATALEN, raw bytes, no CRLF', async () => {
    const { dongle, client } = await ready();
    const payload = new Uint8Array(0x1f).fill(0x0d);
    await client.sendTo(METER_IP.toLowerCase(), payload);
    const last = dongle.writes[dongle.writes.length - 1]!;
    const header = `SKSENDTO 1 ${METER_IP} 0E1A 1 001F `;
    expect(Buffer.from(last.subarray(0, header.length)).toString('latin1')).toBe(header);
    expect(last.subarray(header.length)).toEqual(payload);
  });

  it('waits past EVENT 21 param 02 for the final param, in either order with OK', async () => {
    const a = await ready({ sendPrelude: [2], sendFinal: 1 });
    expect(await a.client.sendTo(METER_IP, GET_E7)).toBe(1);
    const b = await ready({ sendPrelude: [2], okFirst: true });
    expect(await b.client.sendTo(METER_IP, GET_E7)).toBe(0);
  });

  it('rejects the join with PANA_JOIN_FAILED on EVENT 24', async () => {
    const { client } = await ready({ joinFails: true });
    await expect(client.join(METER_IP)).rejects.toMatchObject({ code: 'PANA_JOIN_FAILED' });
  });

  it('ignores a stale EVENT 22 that precedes the scan OK, and passes it on as an event', async () => {
    const { client, events } = await ready({ staleEvent22: true });
    expect(await client.scan(1)).toHaveLength(1);
    expect(events).toContainEqual({ kind: 'event', num: 0x22, sender: DONGLE_IP, side: null, param: null });
  });

  it('resolves SKTERM on FAIL ER10 (no session)', async () => {
    const { client } = await ready();
    await expect(client.term()).resolves.toBe('no-session');
  });

  it('times out with DONGLE_TIMEOUT naming the command', async () => {
    const { client } = await ready({ mute: ['SKLL64'] });
    const err = await client.ll64(METER_MAC).catch((e: unknown) => e);
    expect(isHemsError(err, 'DONGLE_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('SKLL64');
  });

  it('gives up on a scan the dongle never ends (a module reset cancels it) after its radio time × scanScale plus the grace', async () => {
    // Duration 10 is 287 s of radio time: compressed 1000× it is 0.3 s (+ 0.3 s grace).
    const { client } = await ready({ mute: ['SKSCAN'] }, { timeouts: { ...TIMEOUTS, scanScale: 0.001 } });
    const err = await client.scan(10).catch((e: unknown) => e);
    expect(isHemsError(err, 'DONGLE_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('SKSCAN');
  });

  it('keeps one command in flight: the next is written only after the first ends', async () => {
    const { dongle, client } = await ready({ mute: ['SKJOIN'] });
    const before = dongle.commands.length;
    const p1 = client.join(METER_IP);
    const p1done = p1.catch((e: unknown) => e);
    const p2 = client.ll64(METER_MAC);
    await until(() => dongle.commands.length > before, 'the next command', { everyMs: 0 });
    expect(dongle.commands.slice(before)).toEqual([`SKJOIN ${METER_IP}`]);
    expect(await p1done).toMatchObject({ code: 'DONGLE_TIMEOUT' });
    await expect(p2).resolves.toBe(METER_IP);
    expect(dongle.commands.slice(before)).toEqual([`SKJOIN ${METER_IP}`, `SKLL64 ${METER_MAC}`]);
  });

  it('passes unclaimed traffic and garbage to listeners, with unsubscribe', async () => {
    const { dongle, client, events } = await ready();
    const mine: SkEvent[] = [];
    const off = client.onEvent((e) => mine.push(e));
    dongle.send(`EVENT 29 ${METER_IP}\r\nhello\r\n`);
    dongle.send(Uint8Array.of(0xfe, 0xfd, 0x0d, 0x0a));
    await until(() => events.some((e) => e.kind === 'garbage'), 'a garbage event', { everyMs: 0 });
    expect(events.slice(-3)).toEqual([
      { kind: 'event', num: 0x29, sender: METER_IP, side: null, param: null },
      { kind: 'line', text: 'hello' },
      { kind: 'garbage', bytes: Uint8Array.of(0xfe, 0xfd) },
    ]);
    off();
    dongle.send('late\r\n');
    await until(() => events.some((e) => e.kind === 'line' && e.text === 'late'), 'the late line', {
      everyMs: 0,
    });
    expect(mine).toHaveLength(3);
  });

  it('rejects the pending command with DONGLE_CLOSED and emits closed when the stream ends', async () => {
    const { dongle, client, events } = await ready({ mute: ['SKJOIN'] });
    const p = client.join(METER_IP);
    await until(() => dongle.commands.some((c) => c.startsWith('SKJOIN')), 'SKJOIN', { everyMs: 0 });
    const cause = new Error('unplugged');
    dongle.end(cause);
    await expect(p).rejects.toMatchObject({ code: 'DONGLE_CLOSED' });
    expect(events[events.length - 1]).toEqual({ kind: 'closed', error: cause });
    await expect(client.ll64(METER_MAC)).rejects.toMatchObject({ code: 'DONGLE_CLOSED' });
  });

  it('rejects bad input before writing anything', async () => {
    const { dongle, client } = await ready();
    const n = dongle.writes.length;
    await expect(client.sendTo('FE80::1', GET_E7)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(client.ll64('XYZ')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(client.scan(15)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(dongle.writes.length).toBe(n);
  });
});

describe('SkClient debug trace', () => {
  it('logs every line in and out with direction, binary as hex, and never the password or ID', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    // Echo stays on for the credential commands: the dongle echoes them back (SFE 0 is muted).
    const { client, events } = setup(
      { edition: 'dual-stack', payload: 'binary', ropt: 'yes', chunker: pieces(7), mute: [] },
      { model: 'BP35C2', logger },
    );
    await client.init();
    await client.setCredentials(ID, PASSWORD);
    await client.scan(1);
    await client.join(METER_IP);
    await client.sendTo(METER_IP, GET_E7);
    await until(
      () => events.some((e) => e.kind === 'erxudp' && e.udp.rport === 0x0e1a),
      'an ECHONET ERXUDP event',
      {
        everyMs: 0,
      },
    );
    const log = lines.join('\n');
    expect(log).toContain('> SKVER');
    expect(log).toContain('< EVER 1.2.10');
    expect(log).toContain('> SKSETPWD C ****');
    expect(log).toContain('> SKSETRBID ****');
    expect(log).toContain(`SKSENDTO 1 ${METER_IP} 0E1A 1 0 000E 1081000105FF010288016201E700`);
    expect(log).toContain('1081000102880105FF017201E704000D0A20');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(ID);
    expect(log).not.toContain(ID.slice(-8));
  });

  it('redacts the echoed credential lines too', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const dongle = new ScriptedDongle({ edition: 'single-hop', payload: 'hex', ropt: 'yes' });
    const client = createSkClient(dongle, { model: 'BP35A1', timeouts: TIMEOUTS, logger });
    await client.setCredentials(ID, PASSWORD); // echo is still on: no init
    const log = lines.join('\n');
    expect(log).toContain('< SKSETPWD C ****');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(ID.slice(-8));
  });
});

/** A dongle driven by the test: answers each written line with what `reply` returns. */
class HandStream implements ByteStream {
  readonly description = 'hand';
  readonly written: string[] = [];
  private receiver: ((c: Uint8Array) => void) | null = null;
  constructor(private readonly reply: (line: string, n: number) => string) {}
  onData(l: (c: Uint8Array) => void): void {
    this.receiver = l;
  }
  onClose(): void {}
  async close(): Promise<void> {}
  async write(data: Uint8Array): Promise<void> {
    const line = Buffer.from(data).toString('latin1');
    this.written.push(line);
    const out = this.reply(line.trim(), this.written.length);
    if (out) setImmediate(() => this.receiver?.(Uint8Array.from(Buffer.from(out, 'latin1'))));
  }
}

/** Plain answers of a hex-mode BP35A1 once in step; `null` for lines the test handles itself. */
function steady(line: string): string {
  if (line === 'SKVER') return 'EVER 1.2.10\r\nOK\r\n';
  if (line === 'SKINFO') return `EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE\r\nOK\r\n`;
  if (line === 'ROPT') return 'OK 01\r';
  return 'OK\r\n';
}

describe('SkClient init resync (no fixed wait)', () => {
  it('drops stale replies, events and noise before EVER, so no stale OK is taken as an answer', async () => {
    const stale = `OK\r\nFAIL ER04\r\nEVENT 29 ${METER_IP}\r\n\xff\x00EV\r\nEVER 0.0.1-half`;
    const dongle = new HandStream((line) => {
      // The CRLF brings replies meant for an earlier process, one of them cut in the middle.
      if (line === '') return stale;
      if (line === 'SKVER') return '\r\nSKVER\r\nEVER 1.2.10\r\nOK\r\n';
      if (line === 'SKSREG SFE 0') return 'SKSREG SFE 0\r\nOK\r\n';
      return steady(line);
    });
    const client = createSkClient(dongle, { model: 'BP35A1', timeouts: TIMEOUTS });
    const events: SkEvent[] = [];
    client.onEvent((e) => events.push(e));
    const info = await client.init();
    expect(info.version).toBe('1.2.10');
    expect(info.ipv6).toBe(DONGLE_IP);
    expect(dongle.written).toEqual(['\r\n', 'SKVER\r\n', 'SKSREG SFE 0\r\n', 'SKINFO\r\n', 'ROPT\r']);
    expect(events).toEqual([]);
  });

  it('completes with timers frozen: it awaits the dongle, never a sleep', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    try {
      const dongle = new HandStream((line) => (line === '' ? 'FAIL ER04\r\n' : steady(line)));
      const client = createSkClient(dongle, { model: 'BP35A1', timeouts: TIMEOUTS });
      expect((await client.init()).version).toBe('1.2.10');
    } finally {
      vi.useRealTimers();
    }
  });

  it('tries CRLF + SKVER once more when the first EVER never comes', async () => {
    // The first SKVER is swallowed (say, as the payload of a half-sent binary SKSENDTO).
    const dongle = new HandStream((line, n) =>
      line === '' ? '' : line === 'SKVER' && n === 2 ? '' : steady(line),
    );
    const client = createSkClient(dongle, { model: 'BP35A1', timeouts: { ...TIMEOUTS, command: 50 } });
    expect((await client.init()).version).toBe('1.2.10');
    expect(dongle.written.slice(0, 5)).toEqual([
      '\r\n',
      'SKVER\r\n',
      '\r\n',
      'SKVER\r\n',
      'SKSREG SFE 0\r\n',
    ]);
  });

  it('gives up with DONGLE_TIMEOUT naming SKVER when the dongle stays silent', async () => {
    const dongle = new HandStream(() => '');
    const client = createSkClient(dongle, { model: 'BP35A1', timeouts: { ...TIMEOUTS, command: 30 } });
    const err = await client.init().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DONGLE_TIMEOUT', context: { command: 'SKVER' } });
    expect(dongle.written).toEqual(['\r\n', 'SKVER\r\n', '\r\n', 'SKVER\r\n']);
  });

  it('reports FAIL after EVER as a SKVER failure', async () => {
    const dongle = new HandStream((line) => (line === 'SKVER' ? 'EVER 1.2.10\r\nFAIL ER09\r\n' : ''));
    const client = createSkClient(dongle, { model: 'BP35A1', timeouts: TIMEOUTS });
    const err = await client.init().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DONGLE_FAIL', context: { command: 'SKVER', er: 'ER09' } });
  });
});
