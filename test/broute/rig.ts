/** The B-route session over the scripted FakeClient, with the record building on top. */
import type { SessionTimeouts } from '../../src/broute/options.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/temp.js';
import { FakeClient, FakeMeter, nullStream, recordingSession } from './fake-client.js';

export type MeterSession = ReturnType<typeof recordingSession>;

export const ID = '0123456789ABCDEF0123456789ABCDEF';
export const NOW = Date.UTC(2026, 4, 20, 5, 10); // 14:10 JST

export const FAST: Partial<SessionTimeouts> = {
  response: 200,
  sendFailDelay: 1,
  joinBackoffBase: 1,
  joinBackoffMax: 4,
  reopenBackoffBase: 1,
  reopenBackoffMax: 4,
  gate: 2_000,
  term: 50,
};

export interface Rig {
  meter: FakeMeter;
  clients: FakeClient[];
  session: MeterSession;
  dir: string;
  opens: number;
  now: { ms: number };
}

export async function rig(
  over: {
    dir?: string;
    meter?: FakeMeter;
    password?: string;
    failOpens?: number;
    timeouts?: Partial<SessionTimeouts>;
    /** Prepares each new client before the session uses it (hooks, SFB, …). */
    setup?: (c: FakeClient) => void;
  } = {},
): Promise<Rig> {
  const dir = over.dir ?? tempDir('hems-broute-');
  const meter = over.meter ?? new FakeMeter();
  const clients: FakeClient[] = [];
  const now = { ms: NOW };
  let failOpens = over.failOpens ?? 0;
  const r: Rig = { meter, clients, dir, opens: 0, now, session: undefined as unknown as MeterSession };
  r.session = recordingSession({
    openStream: async () => {
      if (failOpens > 0) {
        failOpens--;
        throw new Error('ENOENT /dev/ttyUSB0');
      }
      r.opens++;
      return nullStream();
    },
    createClient: () => {
      const c = new FakeClient(meter);
      over.setup?.(c);
      clients.push(c);
      return c;
    },
    model: 'BP35A1',
    routeBId: ID,
    password: over.password ?? meter.password,
    stateDir: dir,
    timezone: 'Asia/Tokyo',
    timeouts: { ...FAST, ...over.timeouts },
    logger: silentLogger,
    clock: () => now.ms,
  });
  return r;
}

export const last = (r: Rig): FakeClient => r.clients[r.clients.length - 1]!;
