import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../../src/config/schema.js';
import { HemsError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { Envelope } from '../../src/reading/record.js';
import { runCollector } from '../../src/service/collector.js';
import { type ReadingSource, zeroCounters } from '../../src/service/types.js';
import { createDelivery } from '../../src/sinks/delivery.js';
import type { Delivery } from '../../src/sinks/delivery-api.js';
import { csvHeader, renderRecord } from '../../src/sinks/format.js';
import { openStore } from '../../src/store/store.js';
import { envelope, sampleEnvelope } from '../support/envelope.js';
import { tempDir } from '../support/temp.js';
import { VirtualClock } from './virtual-clock.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function config(options: Record<string, unknown> = {}): Config {
  const r = resolveConfig({
    options: { port: 'sim', mode: 'interval', interval: '60', ...options },
    env: {},
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

interface FakeSource extends ReadingSource {
  closed: number;
}

/** A source whose reads follow a script: an Envelope, or an error to throw. */
function scriptedSource(
  clock: VirtualClock,
  script: (i: number) => Envelope | Error,
  readMs = 5000,
): FakeSource {
  let i = 0;
  const src: FakeSource = {
    closed: 0,
    async read() {
      const step = script(i++);
      clock.advance(readMs);
      if (step instanceof Error) throw step;
      return step;
    },
    status: () => ({
      state: 'up',
      meter: null,
      lastReadingAt: null,
      counters: zeroCounters(),
    }),
    async close() {
      src.closed++;
    },
  };
  return src;
}

function recordingDelivery() {
  const log: string[] = [];
  const submitted: Envelope[] = [];
  const d: Delivery = {
    async submit(env) {
      submitted.push(env);
      log.push('submit');
    },
    async flush(ms) {
      log.push(`flush ${ms}`);
      return true;
    },
    async close() {
      log.push('close');
    },
    stats: () => ({}),
  };
  return { d, log, submitted };
}

describe('runCollector', () => {
  it('reads at each slot, submits each envelope, logs and goes on after protocol errors', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const logs: string[] = [];
    const { d, log, submitted } = recordingDelivery();
    const source = scriptedSource(clock, (i) => {
      if (i === 3) stop.abort();
      return i === 1
        ? new HemsError('METER_TIMEOUT', 'meter did not answer')
        : sampleEnvelope({ instant_power_w: i });
    });
    await runCollector(config(), {
      logger: createLogger({ write: (l) => logs.push(l), now: () => clock.now() }),
      clock,
      signal: stop.signal,
      createSource: () => source,
      createDelivery: () => d,
      flushMs: 1234,
    });
    expect(submitted.map((e) => e.reading.instant_power_w)).toEqual([0, 2, 3]);
    expect(log).toEqual(['submit', 'submit', 'submit', 'flush 1234', 'close']);
    expect(source.closed).toBe(1);
    expect(logs.filter((l) => l.includes('ERROR'))).toEqual([
      expect.stringContaining('reading failed: meter did not answer [METER_TIMEOUT]'),
    ]);
    expect(logs.at(-1)).toContain('stopped');
  });

  it('schedule mode: one reading at start, then on the cron slots', async () => {
    const clock = new VirtualClock(Date.parse('2024-01-01T00:02:10Z'));
    const stop = new AbortController();
    const starts: number[] = [];
    const source = scriptedSource(
      clock,
      (i) => {
        starts.push(clock.now());
        if (i === 2) stop.abort();
        return sampleEnvelope({ instant_power_w: i });
      },
      1000,
    );
    const { d, submitted } = recordingDelivery();
    await runCollector(config({ mode: 'schedule', schedule: '*/5 * * * *' }), {
      logger: createLogger({ write: () => undefined }),
      clock,
      signal: stop.signal,
      createSource: () => source,
      createDelivery: () => d,
    });
    expect(starts.map((t) => new Date(t).toISOString())).toEqual([
      '2024-01-01T00:02:10.000Z',
      '2024-01-01T00:05:00.000Z',
      '2024-01-01T00:10:00.000Z',
    ]);
    expect(submitted).toHaveLength(3);
  });

  it('finishes the reading in progress when stopped during it', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const { d, submitted } = recordingDelivery();
    const source = scriptedSource(clock, () => {
      stop.abort(); // SIGTERM arrives while the meter is being read
      return sampleEnvelope();
    });
    await runCollector(config(), {
      logger: createLogger({ write: () => {} }),
      clock,
      signal: stop.signal,
      createSource: () => source,
      createDelivery: () => d,
    });
    expect(submitted).toHaveLength(1);
    expect(source.closed).toBe(1);
  });

  it('stops at once with a fatal CONFIG_INVALID from the source, still closing everything', async () => {
    const clock = new VirtualClock(T0);
    const { d, log } = recordingDelivery();
    const source = scriptedSource(
      clock,
      () => new HemsError('CONFIG_INVALID', 'dongle model does not match'),
    );
    const err = await runCollector(config(), {
      logger: createLogger({ write: () => {} }),
      clock,
      signal: new AbortController().signal,
      createSource: () => source,
      createDelivery: () => d,
    }).catch((e: unknown) => e);
    expect((err as HemsError).code).toBe('CONFIG_INVALID');
    expect(log).toEqual(['flush 5000', 'close']);
    expect(source.closed).toBe(1);
  });

  it('writes to the file output through the store-backed delivery', async () => {
    const dir = tempDir('hems-collector-');
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const source = scriptedSource(clock, (i) => {
      if (i === 1) stop.abort();
      return envelope(i);
    });
    await runCollector(config({ output: ['file'], file: join(dir, 'out') }), {
      logger: createLogger({ write: () => {} }),
      clock,
      signal: stop.signal,
      createSource: () => source,
      openStore: () => openStore({ dir }),
      createDelivery: ({ sinks, store }) => createDelivery({ store: store!, sinks }),
    });
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe(
      csvHeader() + renderRecord('csv', envelope(0)) + renderRecord('csv', envelope(1)),
    );
  });
});
