import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { type RunOptions, type RunWiring, runCommand } from '../../src/cli/run.js';
import { HemsError } from '../../src/errors.js';
import type { Envelope } from '../../src/reading/record.js';
import type { ReadingSource } from '../../src/service/types.js';
import type { Delivery } from '../../src/sinks/delivery-api.js';
import { sampleEnvelope } from '../support/envelope.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

function setup() {
  const err: string[] = [];
  const io: CliIo = { out: () => {}, err: (t) => void err.push(t) };
  const signals = new EventEmitter();
  const exits: number[] = [];
  const submitted: Envelope[] = [];
  let reads = 0;
  let release: (() => void) | null = null;
  let closed = 0;
  const source: ReadingSource = {
    read: () =>
      new Promise<Envelope>((resolve) => {
        reads++;
        release = () => resolve(sampleEnvelope());
      }),
    status: () => {
      throw new Error('unused');
    },
    close: async () => {
      closed++;
    },
  };
  const delivery: Delivery = {
    submit: async (env) => void submitted.push(env),
    flush: async () => true,
    close: async () => {},
    stats: () => ({}),
  };
  const wiring: RunWiring = { createSource: () => source, createDelivery: () => delivery };
  const ro: RunOptions = {
    wiring,
    env: { HEMS_LOG_FORMAT: 'json' },
    cwd: tempDir('hems-run-'),
    signals: signals as unknown as RunOptions['signals'],
    forceExit: (c) => void exits.push(c),
  };
  return {
    io,
    err,
    signals,
    exits,
    submitted,
    wiring,
    ro,
    reads: () => reads,
    closed: () => closed,
    release: () => release?.(),
  };
}

describe('run command', () => {
  it('exits 2 with one line per problem and starts nothing on bad configuration', async () => {
    const t = setup();
    const code = await runCommand({ interval: '0', schedule: 'nope' }, t.io, t.ro);
    expect(code).toBe(2);
    expect(t.err).toEqual([
      expect.stringMatching(/^error: --schedule: not a valid cron expression "nope"/),
      'error: --interval: must be at least 1 (got 0)\n',
      'error: B_ROUTE_ID: missing; set your 32-character B-route ID\n',
      'error: B_ROUTE_PASSWORD: missing; set your B-route password\n',
    ]);
    expect(t.reads()).toBe(0);
  });

  it('on SIGTERM finishes the reading in progress, closes the source and exits 0', async () => {
    const t = setup();
    const done = runCommand({ port: 'sim', mode: 'interval', interval: '3600' }, t.io, t.ro);
    await until(() => t.reads() === 1);
    t.signals.emit('SIGTERM', 'SIGTERM');
    t.release();
    expect(await done).toBe(0);
    expect(t.submitted).toHaveLength(1);
    expect(t.closed()).toBe(1);
    expect(t.exits).toEqual([]);
    expect(t.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('on a second signal exits at once', async () => {
    const t = setup();
    const done = runCommand({ port: 'sim', mode: 'interval', interval: '3600' }, t.io, t.ro);
    await until(() => t.reads() === 1);
    t.signals.emit('SIGINT', 'SIGINT');
    t.signals.emit('SIGINT', 'SIGINT');
    expect(t.exits).toEqual([130]);
    t.release();
    expect(await done).toBe(0);
  });

  it('stops while waiting for the next slot without another reading', async () => {
    const t = setup();
    const done = runCommand({ port: 'sim', mode: 'interval', interval: '3600' }, t.io, t.ro);
    await until(() => t.reads() === 1);
    t.release();
    await until(() => t.submitted.length === 1);
    t.signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(t.reads()).toBe(1);
  });

  it('aborts a reading that outlasts the stop grace period, then exits 0', async () => {
    const t = setup();
    let aborted = false;
    let reads = 0;
    const stuck: ReadingSource = {
      read: (signal) =>
        new Promise<Envelope>((_resolve, reject) => {
          reads++;
          signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new HemsError('ABORTED', 'reading aborted'));
          });
        }),
      status: () => {
        throw new Error('unused');
      },
      close: async () => {},
    };
    const ro: RunOptions = {
      ...t.ro,
      wiring: { ...t.wiring, createSource: () => stuck },
      stopGraceMs: 30,
    };
    const done = runCommand({ port: 'sim', mode: 'interval', interval: '3600' }, t.io, ro);
    await until(() => reads === 1);
    t.signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(aborted).toBe(true);
    expect(t.exits).toEqual([]);
  });
});
