/**
 * Failures real dongles and meters produce that must not stop collection (issue 14 §2), on
 * the session over the scripted FakeClient: each case ends in readings again, within a bounded
 * number of rounds, and the link state says what is going on at once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_DURATIONS } from '../../src/broute/options.js';
import { isHemsError } from '../../src/errors.js';
import { until } from '../support/wait.js';
import { METER_MAC } from './fake-client.js';
import { last, rig } from './rig.js';

const NEW_METER = '001C6400036E8CF5';

describe('a radio module that resets while the port stays open', () => {
  it('echo comes back and sends answer FAIL ER10: re-initialised (credentials, echo off), rejoined', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    c.resetModule('ER10', true);
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    expect(r.clients).toHaveLength(1); // the port stayed open
    expect(c.inits).toBe(2);
    expect(c.credentials).toBe(true);
    expect(c.joins).toBe(2);
    expect(c.terms).toBe(0);
    expect(r.session.status().counters.moduleResets).toBe(1);
    await r.session.close();
  });

  it('no echo, sends end in EVENT 21 01: SKTERM finds no session, so the module is re-initialised', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    c.resetModule('event21', false);
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    expect(c.inits).toBe(2);
    expect(c.terms).toBe(1);
    expect(c.joins).toBe(2);
    expect(r.session.status().counters.moduleResets).toBe(1);
    await r.session.close();
  });

  it('no echo, sends answer FAIL ER10: a join refused with ER10 and SKTERM finding nothing means re-init, not a SKTERM+SKJOIN loop', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    c.resetModule('ER10', false);
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    expect(c.inits).toBe(2);
    expect(c.terms).toBe(1);
    expect(c.joins).toBe(3); // the first session, the one refused with ER10, the one after re-init
    await r.session.close();
  });
});

describe('a meter that stops answering, or is replaced', () => {
  it('a silent meter: the session is ended and joined again after bounded failures, then readings resume', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    const scansBefore = c.scans;
    r.meter.silent = true;
    const err = await r.session.read().catch((e: unknown) => e);
    expect(isHemsError(err)).toBe(true);
    expect(c.terms).toBeGreaterThanOrEqual(1);
    expect(c.joins).toBeGreaterThan(1);
    // The rescan after repeated join failures (every duration) found nothing.
    expect(c.scans - scansBefore).toBe(DEFAULT_SCAN_DURATIONS.length);
    expect(r.session.status().state).not.toBe('up');
    r.meter.silent = false;
    const env = await r.session.read();
    expect(env.meter).toBe(METER_MAC);
    expect(r.session.status().state).toBe('up');
    await r.session.close();
  });

  it('a replaced meter: joins to the old one fail, the rescan finds the new one, its constants are read', async () => {
    const r = await rig();
    await r.session.read();
    const constantsBefore = r.meter.requests.filter((f) => f.properties.some((p) => p.epc === 0xd3)).length;
    r.meter.swap(NEW_METER);
    const env = await r.session.read();
    expect(env.meter).toBe(NEW_METER);
    expect(env.reading.instant_power_w).toBe(632);
    expect(JSON.parse(await readFile(join(r.dir, 'scan.json'), 'utf8'))).toMatchObject({ addr: NEW_METER });
    const constantsAfter = r.meter.requests.filter((f) => f.properties.some((p) => p.epc === 0xd3)).length;
    expect(constantsAfter).toBe(constantsBefore + 1);
    expect(r.session.meter()).toBe(NEW_METER);
    await r.session.close();
  });
});

describe('a join or session left over from the previous process', () => {
  it('EVENT 25 from our meter during init, before any scan: adopted once the meter is resolved', async () => {
    const r = await rig({
      setup: (c) => {
        c.hooks.init = () => c.event(0x25);
      },
    });
    const env = await r.session.read();
    const c = last(r);
    expect(env.reading.instant_power_w).toBe(632);
    expect(c.joins).toBe(0);
    expect(r.session.status().state).toBe('up');
    await r.session.close();
  });

  it('EVENT 25 and 29 from another address are not taken for our session', async () => {
    const other = 'FE80:0000:0000:0000:1111:2222:3333:4444';
    const r = await rig({
      setup: (c) => {
        c.hooks.init = () => {
          c.emit({ kind: 'event', num: 0x25, sender: other, side: null, param: null });
          c.emit({ kind: 'event', num: 0x29, sender: other, side: null, param: null });
        };
      },
    });
    const env = await r.session.read();
    const c = last(r);
    expect(env.reading.instant_power_w).toBe(632);
    expect(c.joins).toBe(1);
    await r.session.close();
  });

  it('EVENT 24 of the old join during ours does not end a session we do not have', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    c.event(0x26);
    expect(r.session.status().state).toBe('ready');
    c.hooks.join = () => c.event(0x24);
    const env = await r.session.read();
    expect(env.reading.instant_power_w).toBe(632);
    await r.session.close();
  });
});

describe('the transmission-time limit gates every transmitting command (EVENT 32 → 33, §D.3)', () => {
  it('no SKJOIN and no SKSCAN while the limit is on, even before the first session', async () => {
    const r = await rig({
      setup: (c) => {
        c.hooks.init = () => c.event(0x32);
      },
    });
    const p = r.session.read();
    await until(() => r.session.status().state === 'tx-limited', 'the tx-limited state', { everyMs: 0 });
    const c = last(r);
    await new Promise((res) => setTimeout(res, 30));
    expect(c.scans).toBe(0);
    expect(c.joins).toBe(0);
    c.event(0x33);
    const env = await p;
    expect(env.reading.instant_power_w).toBe(632);
    await r.session.close();
  });

  it('a limit that began before we opened (SFB = 1) is read, not sent into', async () => {
    const r = await rig({
      setup: (c) => {
        c.sfb = '1';
      },
      timeouts: { gate: 100 },
    });
    const p = r.session.read();
    await until(() => r.session.status().state === 'tx-limited', 'the tx-limited state', { everyMs: 0 });
    const c = last(r);
    expect(r.meter.sent).toHaveLength(0);
    expect(c.joins).toBe(0);
    // The limit ends while we were not told (EVENT 33 went to nobody): the gate asks SFB again.
    c.sfb = '0';
    const env = await p;
    expect(env.reading.instant_power_w).toBe(632);
    await r.session.close();
  });

  it('a join failing during a limit does not count toward forgetting the meter', async () => {
    const first = await rig();
    await first.session.read();
    await first.session.close();
    const r = await rig({ dir: first.dir, meter: first.meter, timeouts: { rescanAfterJoinFailures: 1 } });
    const p = r.session.read();
    await until(() => r.clients.length === 1, 'the first client', { everyMs: 0 });
    const c = last(r);
    c.joinResults = [false];
    c.hooks.join = () => {
      c.hooks.join = undefined;
      c.event(0x32);
      setTimeout(() => c.event(0x33), 20);
    };
    const env = await p;
    expect(env.reading.instant_power_w).toBe(632);
    expect(c.scans).toBe(0);
    expect(c.joins).toBe(2);
    await r.session.close();
  });
});

describe('status follows the link at once', () => {
  it('session events and a closed port change the state before any reading', async () => {
    const r = await rig();
    await r.session.read();
    const c = last(r);
    c.event(0x29);
    expect(r.session.status().state).toBe('reauthenticating');
    c.event(0x25);
    expect(r.session.status().state).toBe('up');
    c.event(0x32);
    expect(r.session.status().state).toBe('tx-limited');
    c.event(0x33);
    expect(r.session.status().state).toBe('up');
    c.event(0x26);
    expect(r.session.status().state).toBe('ready');
    await r.session.read();
    c.emit({ kind: 'closed' });
    expect(r.session.status().state).toBe('closed');
    await r.session.close();
  });
});
