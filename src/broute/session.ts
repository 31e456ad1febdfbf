/**
 * The B-route session as a MeterSource: one queue (a reading and a history read never
 * interleave) and the retry rounds that turn the link's failures into a rejoin, a re-init or a
 * reopen (protocol.md §D.4). The link, the requester and the meter reader do the work.
 */
import type { MeterConstants } from '../echonet/meter.js';
import { describeError, HemsError, isHemsError } from '../errors.js';
import { registerSecret } from '../log.js';
import type { PanDesc } from '../skstack/api.js';
import {
  type HistoryDay,
  type HistoryOptions,
  type MeterNotice,
  type MeterSample,
  type MeterSource,
  type SourceCounters,
  type SourceStatus,
  zeroCounters,
} from './api.js';
import { Link } from './link.js';
import { MeterReader } from './meter-reader.js';
import { DEFAULT_SESSION_TIMEOUTS, type MeterSessionOptions } from './options.js';
import { Requester } from './requester.js';

/** Attempts of one read: each failed round reopens, re-initialises or rejoins as its error says. */
const ROUNDS = 3;

export function createMeterSession(opts: MeterSessionOptions): MeterSource {
  return new Session(opts);
}

class Session implements MeterSource {
  private readonly counters: SourceCounters = zeroCounters();
  private readonly link: Link;
  private readonly requester: Requester;
  private readonly reader: MeterReader;
  private readonly clock: () => number;
  private readonly log;
  private lastReadingAt: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: MeterSessionOptions) {
    registerSecret(opts.routeBId);
    registerSecret(opts.password);
    const t = { ...DEFAULT_SESSION_TIMEOUTS, ...opts.timeouts };
    this.log = opts.logger.child('broute');
    this.clock = opts.clock ?? Date.now;
    this.link = new Link({
      openStream: opts.openStream,
      model: opts.model,
      routeBId: opts.routeBId,
      password: opts.password,
      meter: opts.meter,
      stateDir: opts.stateDir,
      timeouts: t,
      skTimeouts: opts.skTimeouts,
      scanDurations: opts.scanDurations,
      logger: this.log,
      clientLogger: opts.logger,
      clock: this.clock,
      createClient: opts.createClient,
      counters: this.counters,
    });
    this.requester = new Requester(this.link, t, this.counters, this.log);
    this.reader = new MeterReader(this.requester, this.log, opts.stateDir);
  }

  status(): SourceStatus {
    return {
      state: this.link.state,
      meter: this.link.pan?.addr ?? null,
      lastReadingAt: this.lastReadingAt,
      counters: { ...this.counters },
    };
  }

  read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<MeterSample> {
    // A stop request ends everything in progress, exchanges included: the unit has a stop
    // timeout to keep, and a reading not finished was not collected.
    const stop = anySignal(signal, waitSignal);
    return this.serial(() =>
      this.rounds(stop, async (meter) => {
        const sample = await this.reader.sample(meter, this.clock, stop);
        this.counters.readings++;
        this.lastReadingAt = sample.atMs;
        return sample;
      }),
    );
  }

  readHistoryDay(day: number, signal?: AbortSignal, opts: HistoryOptions = {}): Promise<HistoryDay> {
    if (!Number.isInteger(day) || day < 0 || day > 99) {
      return Promise.reject(new HemsError('INPUT_INVALID', `history day must be 0–99, got ${day}`));
    }
    return this.serial(() =>
      this.rounds(signal, (meter) => this.reader.historyDay(meter, day, this.clock, signal, opts.deadline)),
    );
  }

  scan(signal?: AbortSignal): Promise<PanDesc[]> {
    return this.serial(() => this.link.scan(signal));
  }

  meter(): string | null {
    return this.link.joinedMeter();
  }

  constants(): MeterConstants | null {
    return this.reader.constants();
  }

  joins(): number {
    return this.link.joins;
  }

  onNotice(listener: (n: MeterNotice) => void): () => void {
    return this.requester.onNotice(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.link.close();
    await this.reader.flush();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A session with the meter, then `fn`; a failed round recovers as its error says (§D.4). */
  private async rounds<T>(signal: AbortSignal | undefined, fn: (meter: string) => Promise<T>): Promise<T> {
    if (this.closed) throw new HemsError('ABORTED', 'the meter session is closed');
    let lastError: unknown = null;
    for (let round = 0; round < ROUNDS; round++) {
      try {
        await this.link.ensureSession(signal);
        return await fn(this.link.pan!.addr);
      } catch (e) {
        lastError = e;
        if (signal?.aborted) throw new HemsError('ABORTED', 'stopped');
        if (!isHemsError(e)) {
          throw new HemsError('DONGLE_FAIL', `unexpected failure talking to the dongle: ${describeError(e)}`);
        }
        switch (e.code) {
          case 'DONGLE_CLOSED':
          case 'DONGLE_TIMEOUT':
          case 'DONGLE_GARBAGE':
            this.log.warn(`dongle trouble, reopening the port: ${describeError(e)}`);
            await this.link.teardown();
            break;
          case 'METER_UNREACHABLE':
            await this.link.endSession(describeError(e));
            break;
          case 'DONGLE_RESET':
          case 'PANA_SESSION_LOST':
            break;
          default:
            throw e;
        }
      }
    }
    throw lastError;
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const all = signals.filter((s): s is AbortSignal => s !== undefined);
  return all.length > 1 ? AbortSignal.any(all) : all[0];
}
