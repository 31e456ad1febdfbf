/** The B-route session over the real SKSTACK client and the emulator, with records on top. */

import { afterEach } from 'vitest';
import type { MeterSessionOptions } from '../../src/broute/options.js';
import type { DONGLES } from '../../src/dongles.js';
import { Emulator, type Faults, type MeterOptions } from '../../src/emulator/index.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { createSkClient } from '../../src/skstack/client.js';
import { tempDir } from '../support/temp.js';
import { recordingSession } from './fake-client.js';

export type MeterSession = ReturnType<typeof recordingSession>;

export const ID = '00112233445566778899AABBCCDDEEFF';
export const PASSWORD = 'ABCDEFGHIJKL';
export const START = Date.UTC(2026, 4, 20, 5, 10, 7); // 14:10:07 JST

export interface Rig {
  emu: Emulator;
  session: MeterSession;
  dir: string;
  now: { ms: number };
}

const open: Rig[] = [];

afterEach(async () => {
  for (const r of open.splice(0)) {
    await r.session.close();
    await r.emu.close();
  }
});

export async function rig(
  dongle: (typeof DONGLES)[number],
  over: {
    dir?: string;
    meter?: Partial<MeterOptions>;
    password?: string;
    session?: Partial<MeterSessionOptions>;
    /** 0 = instant (periodic faults off); periodic faults need a small positive scale. */
    latencyScale?: number;
    faults?: Partial<Faults>;
    logger?: Logger;
    /** The same dongle and meter as an earlier rig (a restart of the collector). */
    emulator?: Emulator;
  } = {},
): Promise<Rig> {
  const now = { ms: START };
  const dir = over.dir ?? tempDir('hems-emu-');
  const emu =
    over.emulator ??
    new Emulator({
      dongle,
      latencyScale: over.latencyScale ?? 0,
      clock: () => now.ms,
      timezone: 'Asia/Tokyo',
      routeBId: ID,
      password: PASSWORD,
      meter: over.meter ?? {},
      faults: over.faults ?? {},
    });
  const session = recordingSession({
    openStream: async () => emu.attach(),
    createClient: (stream, o) => createSkClient(stream, o),
    model: dongle,
    routeBId: ID,
    password: over.password ?? PASSWORD,
    stateDir: dir,
    timezone: 'Asia/Tokyo',
    timeouts: {
      response: 300,
      sendFailDelay: 5,
      joinBackoffBase: 5,
      joinBackoffMax: 20,
      reopenBackoffBase: 5,
      reopenBackoffMax: 20,
      gate: 3_000,
      term: 300,
    },
    skTimeouts: { command: 1_000, scanGrace: 1_000, join: 3_000, send: 1_000 },
    logger: over.logger ?? silentLogger,
    clock: () => now.ms,
    ...over.session,
  });
  const r = { emu, session, dir, now };
  open.push(r);
  return r;
}
