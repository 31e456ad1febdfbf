import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DONGLES, type Dongle } from '../../src/dongles.js';
import { decodeFrame, encodeFrame, getRequest } from '../../src/echonet/frame.js';
import { DONGLE_PROFILES, Emulator } from '../../src/emulator/index.js';
import type { SkEvent } from '../../src/skstack/api.js';
import { createSkClient } from '../../src/skstack/client.js';
import { openTransport } from '../../src/transport/index.js';
import { until } from '../support/wait.js';
import { startSocat, tempDir } from './helpers.js';

const ID = '0123456789ABCDEF0123456789ABCDEF';
const PASSWORD = 'ABCDEFGHIJKL';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Case {
  dongle: Dongle;
  /** `hex` makes the client issue WOPT 01 on a binary dongle. */
  mode: 'keep' | 'hex';
  expect: 'hex' | 'binary';
}
const CASES: Case[] = DONGLES.flatMap((dongle): Case[] =>
  DONGLE_PROFILES[dongle].hexByDefault
    ? [{ dongle, mode: 'keep', expect: 'hex' }]
    : [
        { dongle, mode: 'keep', expect: 'binary' },
        { dongle, mode: 'hex', expect: 'hex' },
      ],
);

describe('SKSTACK client over a real PTY (socat) to the emulator over TCP', () => {
  for (const c of CASES) {
    it(`${c.dongle}, ${c.expect} ERXUDP`, async () => {
      const emu = new Emulator({ dongle: c.dongle, latencyScale: 0, routeBId: ID, password: PASSWORD });
      cleanups.push(() => emu.close());
      const server = await emu.listen('127.0.0.1', 0);
      cleanups.push(() => server.close());
      const pty = join(tempDir(), 'dongle');
      const socat = await startSocat(`pty,raw,echo=0,link=${pty}`, `tcp:127.0.0.1:${server.port}`, [pty]);
      cleanups.push(() => socat.stop());

      const stream = await openTransport(pty, { baudRate: 115200 });
      const client = createSkClient(stream, { model: c.dongle, payloadMode: c.mode });
      cleanups.push(() => client.close());
      const events: SkEvent[] = [];
      client.onEvent((e) => events.push(e));

      const info = await client.init();
      expect(info.payload).toBe(c.expect);
      expect(emu.counters.wopt).toBe(c.mode === 'hex' ? 1 : 0);
      expect(info.edition).toBe(DONGLE_PROFILES[c.dongle].dualStack ? 'dual-stack' : 'single-hop');
      await client.setCredentials(ID, PASSWORD);
      const pans = await client.scan(4); // the emulator, like real meters, is not heard below duration 4
      expect(pans.length).toBeGreaterThan(0);
      const pan = pans[0]!;
      await client.setRegister('S2', pan.channel.toString(16).toUpperCase());
      await client.setRegister('S3', pan.panId.toString(16).toUpperCase().padStart(4, '0'));
      const ip = await client.ll64(pan.addr);
      expect(ip).toBe(emu.addresses.meter);
      await client.join(ip);

      const tid = 0x1234;
      const get = encodeFrame(getRequest(tid, 0x05ff01, 0x028801, [0xe7]));
      expect(await client.sendTo(ip, get)).toBe(0);
      const isReply = (e: SkEvent): boolean =>
        e.kind === 'erxudp' &&
        e.udp.rport === 0x0e1a &&
        e.udp.data[0] === 0x10 &&
        decodeFrame(e.udp.data).tid === tid;
      await until(() => events.some(isReply), 'ECHONET reply', { ms: 10_000 });
      const reply = events.find(isReply) as Extract<SkEvent, { kind: 'erxudp' }>;
      const frame = decodeFrame(reply.udp.data);
      expect(frame.esv).toBe(0x72);
      expect(frame.properties.map((p) => p.epc)).toEqual([0xe7]);
      expect(reply.udp.sender).toBe(ip);
      await client.term();
    });
  }
});
