/**
 * Benchmarks of the B-route session against the emulator (not a test; `npm run bench`).
 *   node --import tsx bench/run.ts [--scale 0.1] [--dongle BP35A1] [--readings 100]
 * Prints SKSENDTO per steady-state reading, seconds to the first reading with and without a
 * cached scan (at --scale × realistic latency; the cached one also as a ratio to the floor of
 * one join and one round trip), CPU ms per reading and RSS after N readings (at a tiny latency,
 * so the loop measures our code rather than the emulated radio), the time to parse a
 * 20,000-line `.env` with an unterminated quote (linear: milliseconds), and the latency of
 * /healthz while 20 /api/halfhours requests run over 170k stored readings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMeterSession } from '../src/broute/session.js';
import { parseDotenv } from '../src/config/dotenv.js';
import { DONGLES, type Dongle } from '../src/dongles.js';
import { Emulator, HAPPY_PATH } from '../src/emulator/index.js';
import { LATENCY } from '../src/emulator/radio.js';
import { addDays, dayBounds, localDateOf } from '../src/http/halfhours.js';
import { startHttpServer } from '../src/http/server.js';
import { silentLogger } from '../src/log.js';
import { createSkClient } from '../src/skstack/client.js';
import { openStore } from '../src/store/store.js';
import { getFrom } from '../test/support/http-server.js';
import { seedReadings } from '../test/support/seed-store.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    dongle: { type: 'string', default: 'BP35A1' },
    readings: { type: 'string', default: '100' },
  },
});
const scale = Number(values.scale);
const readings = Number(values.readings);
const dongle = values.dongle as Dongle;
if (!(scale >= 0) || !(readings > 0) || !DONGLES.includes(dongle)) {
  console.error('usage: bench/run.ts [--scale N>=0] [--dongle MODEL] [--readings N>0]');
  process.exit(2);
}

const ID = '00112233445566778899AABBCCDDEEFF';
const PASSWORD = 'ABCDEFGHIJKL';

function rig(dir: string, latencyScale: number) {
  // The happy path: the figures measure our code, not the dongle's periodic re-authentication.
  const emu = new Emulator({ dongle, latencyScale, routeBId: ID, password: PASSWORD, faults: HAPPY_PATH });
  const session = createMeterSession({
    openStream: async () => emu.attach(),
    createClient: (stream, o) => createSkClient(stream, o),
    model: dongle,
    routeBId: ID,
    password: PASSWORD,
    stateDir: dir,
    timezone: 'Asia/Tokyo',
    logger: silentLogger,
  });
  return { emu, session };
}

async function timeToFirstReading(dir: string): Promise<{ seconds: number; scans: number }> {
  const { emu, session } = rig(dir, scale);
  const t0 = performance.now();
  await session.read();
  const seconds = (performance.now() - t0) / 1000;
  await session.close();
  await emu.close();
  return { seconds, scans: emu.counters.scans };
}

/** /healthz latency (ms, sorted) sampled while 20 half-hour queries run over `rows` stored readings. */
async function healthzUnderLoad(dir: string, rows: number): Promise<{ samples: number[]; heavyMs: number }> {
  const tz = 'Asia/Tokyo';
  const date = addDays(localDateOf(Date.now(), tz), -2);
  seedReadings(dir, dayBounds(date, tz).startMs - 3_600_000, rows);
  const store = openStore({ dir, readonly: true });
  const server = await startHttpServer('127.0.0.1:0', {
    source: {
      status: () => ({ state: 'up', meter: null, lastReadingAt: Date.now(), counters: {} as never }),
    },
    store,
    intervalMs: 60_000,
    timezone: tz,
    logger: silentLogger,
  });
  try {
    // A running collector's server is warm: /healthz is polled and the dashboard asks for days.
    await getFrom(server.port, '/healthz');
    await getFrom(server.port, `/api/halfhours?date=${addDays(date, -30)}`);
    let done = 0;
    const t0 = performance.now();
    const heavy = Array.from({ length: 20 }, () =>
      getFrom(server.port, `/api/halfhours?date=${date}`).then(() => done++),
    );
    const samples: number[] = [];
    while (done < 20) {
      const t = performance.now();
      await getFrom(server.port, '/healthz');
      samples.push(performance.now() - t);
    }
    await Promise.all(heavy);
    return { samples: samples.sort((a, b) => a - b), heavyMs: performance.now() - t0 };
  } finally {
    await server.close();
    store.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'hems-bench-'));
try {
  console.log(`dongle ${dongle}, latency scale ${scale}`);
  const cold = await timeToFirstReading(dir);
  console.log(`first reading, no scan cache:   ${cold.seconds.toFixed(2)} s (${cold.scans} scan(s))`);
  const warm = await timeToFirstReading(dir);
  console.log(`first reading, cached scan:     ${warm.seconds.toFixed(2)} s (${warm.scans} scan(s))`);
  // The physical floor of a restart: one join and one Get round trip at this latency.
  const floor = ((LATENCY.join + LATENCY.get) * scale) / 1000;
  if (floor > 0)
    console.log(
      `  vs the floor (join + 1 round trip, ${floor.toFixed(2)} s): ${(warm.seconds / floor).toFixed(2)}× (goal ≤ 1.20×)`,
    );

  const { emu, session } = rig(dir, 0.001);
  await session.read();
  await session.read();
  const sends0 = emu.counters.sendTo;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < readings; i++) await session.read();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const sendsPer = (emu.counters.sendTo - sends0) / readings;
  console.log(`SKSENDTO per steady-state reading: ${sendsPer.toFixed(2)}`);
  console.log(`CPU per reading:                ${((cpu.user + cpu.system) / 1000 / readings).toFixed(2)} ms`);
  console.log(`wall per reading (scale 0.001): ${(wall / readings).toFixed(1)} ms`);
  console.log(
    `RSS after ${readings} readings:        ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`,
  );
  await session.close();
  await emu.close();

  const envText = ['OPEN="never closed', ...Array.from({ length: 20_000 }, (_, k) => `K${k}=${k}`)].join(
    '\n',
  );
  const env0 = performance.now();
  parseDotenv(envText);
  console.log(`.env, 20,000 lines, open quote: ${(performance.now() - env0).toFixed(1)} ms`);
  const rows = 170_000;
  const { samples, heavyMs } = await healthzUnderLoad(join(dir, 'http'), rows);
  const at = (q: number): number =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  console.log(
    `/healthz during 20 /api/halfhours over ${rows} readings: median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, max ${at(1).toFixed(1)} ms (${samples.length} samples; the 20 answered in ${(heavyMs / 1000).toFixed(2)} s)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
