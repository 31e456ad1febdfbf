/**
 * The SKSTACK client against dongle behaviour seen in the field (issue 14): wrong-form answers
 * other than ER05, EINFO lines of several shapes, EVENT 21 lines that are not about our send,
 * echo coming back after a module reset, and a stop request during a long command.
 */
import { describe, expect, it } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import type { SkEvent } from '../../src/skstack/api.js';
import { createSkClient } from '../../src/skstack/client.js';
import { parseEinfo } from '../../src/skstack/dialects.js';
import { DONGLE_IP, METER_IP, METER_MAC, ScriptedDongle, type ScriptOptions } from './scripted-dongle.js';

const TIMEOUTS = { command: 300, scanGrace: 300, join: 600, send: 300 };
const GET_E7 = Uint8Array.from([
  0x10, 0x81, 0x00, 0x01, 0x05, 0xff, 0x01, 0x02, 0x88, 0x01, 0x62, 0x01, 0xe7, 0x00,
]);
const PAN = { channel: '33', panId: '6393', addr: METER_MAC, lqi: '4E' };
const OTHER_IP = 'FE80:0000:0000:0000:1234:5678:9ABC:DEF0';

async function started(script: Partial<ScriptOptions> & Pick<ScriptOptions, 'edition'>) {
  const dongle = new ScriptedDongle({ payload: 'hex', ropt: 'yes', pans: [PAN], ...script });
  const client = createSkClient(dongle, { model: 'auto', timeouts: TIMEOUTS });
  const events: SkEvent[] = [];
  client.onEvent((e) => events.push(e));
  await client.init();
  return { dongle, client, events };
}

describe('command form (single-hop vs dual-stack) does not hinge on one reply (§A.1)', () => {
  for (const wrongForm of ['ER04', 'ER06', 'silence'] as const) {
    it(`a dual-stack dongle answering the single-hop SKSENDTO with ${wrongForm}: the other form is tried`, async () => {
      // EINFO says nothing about the edition here, so the client starts with the single-hop form.
      const { dongle, client } = await started({
        edition: 'dual-stack',
        wrongForm,
        einfo: `EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFF`,
      });
      expect(client.info.edition).toBe('single-hop');
      expect(await client.sendTo(METER_IP, GET_E7)).toBe(0);
      expect(client.info).toMatchObject({ edition: 'dual-stack', editionConfirmed: true });
      const sends = dongle.commands.filter((c) => c.startsWith('SKSENDTO'));
      expect(sends.at(-1)).toBe(`SKSENDTO 1 ${METER_IP} 0E1A 1 0 000E`);
    });
  }

  it('a single-hop dongle refusing the dual-stack SKSCAN with ER06: the single-hop form is tried', async () => {
    const { client } = await started({
      edition: 'single-hop',
      wrongForm: 'ER06',
      einfo: `EINFO ${DONGLE_IP} 001D129012345678 21 8888 0`,
    });
    expect(client.info.edition).toBe('dual-stack');
    expect(await client.scan(1)).toHaveLength(1);
    expect(client.info).toMatchObject({ edition: 'single-hop', editionConfirmed: true });
  });

  it('probes the edition with a register only dual-stack modules have (no radio traffic)', async () => {
    const dual = await started({ edition: 'dual-stack' });
    expect(await dual.client.probeEdition()).toBe('dual-stack');
    const single = await started({ edition: 'single-hop' });
    expect(await single.client.probeEdition()).toBe('single-hop');
    expect(single.dongle.commands.some((c) => c.startsWith('SKSENDTO') || c.startsWith('SKSCAN'))).toBe(
      false,
    );
  });

  it('reads EINFO lines of 5, 6 and 7 fields: the address by its shape, the edition as a hint', () => {
    const a1 = parseEinfo(`EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE`);
    expect(a1).toEqual({ ipv6: DONGLE_IP, edition: 'single-hop' });
    expect(parseEinfo(`EINFO ${DONGLE_IP} 001D129012345678 21 8888 0`)).toEqual({
      ipv6: DONGLE_IP,
      edition: 'dual-stack',
    });
    expect(parseEinfo(`EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE 0`)).toEqual({
      ipv6: DONGLE_IP,
      edition: 'dual-stack',
    });
    expect(parseEinfo(`EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE 0 1`)).toEqual({
      ipv6: DONGLE_IP,
      edition: 'dual-stack',
    });
    expect(parseEinfo(`EINFO 001D129012345678 ${DONGLE_IP.toLowerCase()} 21 8888 FFFE`)?.ipv6).toBe(
      DONGLE_IP,
    );
    expect(parseEinfo('EVER 1.2.10')).toBeNull();
  });

  it('takes its own address from a 7-field EINFO after init', async () => {
    const { client } = await started({
      edition: 'dual-stack',
      einfo: `EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE 0 1`,
    });
    expect(client.info).toMatchObject({ ipv6: DONGLE_IP, edition: 'dual-stack' });
  });
});

describe('EVENT 21 is matched to our own send (§A.4 SKSENDTO, §A.5)', () => {
  it('PANA EVENT 21 lines to the meter before ours: the last one before OK is ours', async () => {
    const { client } = await started({
      edition: 'single-hop',
      duringSend: [`EVENT 21 ${METER_IP} 01`, `EVENT 21 ${METER_IP} 00`],
      sendFinal: 0,
    });
    expect(await client.sendTo(METER_IP, GET_E7)).toBe(0);
    const failing = await started({
      edition: 'single-hop',
      duringSend: [`EVENT 21 ${METER_IP} 00`],
      sendFinal: 1,
    });
    expect(await failing.client.sendTo(METER_IP, GET_E7)).toBe(1);
  });

  it('an EVENT 21 for another address, after an early OK, is not taken for ours', async () => {
    const { client, events } = await started({
      edition: 'single-hop',
      okFirst: true,
      afterSendOk: [`EVENT 21 ${OTHER_IP} 01`],
      sendFinal: 0,
    });
    expect(await client.sendTo(METER_IP, GET_E7)).toBe(0);
    expect(events).toContainEqual({ kind: 'event', num: 0x21, sender: OTHER_IP, side: null, param: 1 });
  });
});

describe('a module reset while the port stays open (§A.2 SFE)', () => {
  it('reports the echo that comes back as an `echo` event, redacted', async () => {
    const { dongle, client, events } = await started({ edition: 'single-hop' });
    expect(events.filter((e) => e.kind === 'echo')).toEqual([]);
    dongle.reset();
    await client.sendTo(METER_IP, GET_E7).catch(() => undefined);
    expect(events.find((e) => e.kind === 'echo')).toMatchObject({
      kind: 'echo',
      text: expect.stringMatching(/^SKSENDTO /),
    });
  });

  it('tells SKTERM with no session (FAIL ER10) from one that ended a session', async () => {
    const { client } = await started({ edition: 'single-hop' });
    expect(await client.term()).toBe('no-session');
    await client.join(METER_IP);
    expect(await client.term()).toBe('ended');
  });
});

describe('a stop request during a long command', () => {
  it('ends a SKJOIN that waits for EVENT 25 at once with ABORTED', async () => {
    const { client } = await started({ edition: 'single-hop', mute: ['SKJOIN'] });
    const stop = new AbortController();
    const join = client.join(METER_IP, { signal: stop.signal }).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 20);
    const err = await join;
    expect(isHemsError(err, 'ABORTED')).toBe(true);
    // The client is usable afterwards.
    expect(await client.readRegister('SFB')).toBe('0');
  });
});
