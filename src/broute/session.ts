/**
 * The B-route session as a ReadingSource: open → init → credentials → PAN (given, cached or
 * scanned) → join, then one batched Get per reading. Recovery follows protocol.md §D.4 and
 * the state machine of §H; everything is bounded by SessionTimeouts.
 */

import { EOJ, ESV } from '../echonet/esv.js';
import { decodeFrame, encodeFrame, type Frame, getRequest } from '../echonet/frame.js';
import {
  type DayHistory,
  decodeCoefficient,
  decodeEffectiveDigits,
  decodeFixedTime,
  decodeHistory,
  unitMultiplier,
} from '../echonet/meter.js';
import { decodePropertyMap } from '../echonet/property-map.js';
import { describeError, HemsError, isHemsError } from '../errors.js';
import { registerSecret } from '../log.js';
import type { HistoryConstants } from '../reading/backfill.js';
import type { MeterConstants } from '../reading/build.js';
import { buildReading, decodeIf, decodeMeterValues, fixedTimeToPoint } from '../reading/build.js';
import { toKwh } from '../reading/energy.js';
import type { Envelope } from '../reading/record.js';
import {
  advanceSlots,
  currentRecent,
  EMPTY_SLOT_STATE,
  HALF_HOUR_MS,
  localDays,
  needsYesterday,
  type RecentSlot,
  recentFromHistory,
  type SlotState,
} from '../reading/slots.js';
import type { ReadingSource, SourceCounters, SourceStatus } from '../service/types.js';
import type { PanDesc, SkClient, SkEvent } from '../skstack/api.js';
import type { Erxudp } from '../skstack/erxudp.js';
import type { ByteStream } from '../transport/types.js';
import { type BatchState, fetchProperties } from './batch.js';
import { linkLocalToMac, macToLinkLocal } from './ipv6.js';
import {
  type CreateClient,
  DEFAULT_SCAN_DURATIONS,
  DEFAULT_SESSION_TIMEOUTS,
  type MeterSessionOptions,
  type SessionTimeouts,
} from './options.js';
import { type CachedPan, forgetPan, loadPan, loadSlots, savePan, saveSlots } from './state-files.js';
import { backoff, delay, Notifier, withTimeout } from './wait.js';

/** Also satisfies service/backfill.ts HistoryAccess (meter, constants, readHistoryDay). */
export interface MeterSession extends ReadingSource {
  /** Scans for meters (opening the port if needed), saves the best one, returns all found. */
  scan(signal?: AbortSignal): Promise<PanDesc[]>;
  /** The meter's address once a PANA session was up, else null. */
  meter(): string | null;
  /** D3 (1 when unsupported), E1 as kWh per count, D7; null until read (or E1 unknown). */
  constants(): HistoryConstants | null;
  /**
   * SetC E5 = day, then Get E2, in the session's queue (never during a reading), with the same
   * connect/rejoin rounds as read(). The echoed day must match (else METER_BAD_RESPONSE).
   */
  readHistoryDay(day: number, signal?: AbortSignal): Promise<{ day: number; raw: (number | null)[] }>;
  /** Successful PANA joins so far, rejoins included: a change means a reconnection happened. */
  joins(): number;
}

const ECHONET_PORT = 0x0e1a;
/** Per-reading EPCs (protocol.md §C.2); E3/EB only when the Get map lists them. */
const BASE_EPCS = [0xe7, 0xe8, 0xe0, 0xea];
const REVERSE_EPCS = [0xe3, 0xeb];
const CONSTANT_EPCS = [0xd3, 0xe1, 0xd7, 0x9f];
const INITIAL_PER_GET = 6;

interface Waiter {
  expect: readonly number[];
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

interface MeterFacts {
  constants: MeterConstants;
  getMap: Set<number> | null;
}

export function createMeterSession(opts: MeterSessionOptions): MeterSession {
  return new Session(opts);
}

class Session implements MeterSession {
  private readonly t: SessionTimeouts;
  private readonly log;
  private readonly clock: () => number;
  private readonly counters: SourceCounters = {
    readings: 0,
    roundTrips: 0,
    timeouts: 0,
    rejoins: 0,
    scans: 0,
    txLimitPauses: 0,
    reopens: 0,
  };
  private state: SourceStatus['state'] = 'idle';
  private lastReadingAt: number | null = null;

  private stream: ByteStream | null = null;
  private client: SkClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private opened = 0;
  private dead = false;
  private up = false;
  private reauth = false;
  private paused = false;
  private everJoined = false;
  private joinCount = 0;
  private closed = false;
  /** Bumped on every session event (EVENT 24–29), so a failed send can tell it raced one. */
  private sessionEpoch = 0;
  private readonly changed = new Notifier();

  private pan: CachedPan | null = null;
  private joinFailures = 0;
  private scanFailures = 0;
  private nextScanAt = 0;
  private misses = 0;
  private tid = Math.floor(Math.random() * 0xffff);
  private readonly waiters = new Map<number, Waiter>();
  private facts: MeterFacts | null = null;
  private readonly batch: BatchState = { limit: INITIAL_PER_GET, unsupported: new Set() };
  private slots: SlotState = EMPTY_SLOT_STATE;
  private savedSlots: string | null = null;
  private slotsLoadedFor: string | null = null;
  private history: { slotAt: number; recent: RecentSlot | null } | null = null;
  /** The latest EA time (meter clock) and when we read it (our clock). */
  private meterDay: { meterMs: number; hostMs: number } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** The stop request of the read() in progress: ends backoff pauses, not exchanges. */
  private waitSignal: AbortSignal | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly opts: MeterSessionOptions) {
    this.t = { ...DEFAULT_SESSION_TIMEOUTS, ...opts.timeouts };
    this.log = opts.logger.child('broute');
    this.clock = opts.clock ?? Date.now;
    registerSecret(opts.routeBId);
    registerSecret(opts.password);
  }

  status(): SourceStatus {
    return {
      state: this.state,
      meter: this.pan?.addr ?? null,
      lastReadingAt: this.lastReadingAt,
      counters: { ...this.counters },
    };
  }

  read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<Envelope> {
    return this.serial(async () => {
      this.waitSignal = waitSignal;
      try {
        return await this.withSession(signal, (facts) => this.takeReading(facts, signal));
      } finally {
        this.waitSignal = undefined;
      }
    });
  }

  meter(): string | null {
    return this.everJoined ? (this.pan?.addr ?? null) : null;
  }

  constants(): HistoryConstants | null {
    if (!this.facts) return null;
    const { coefficient, unitCode, digits } = this.facts.constants;
    const unit = unitMultiplier(unitCode);
    return unit === null ? null : { coefficient, unit, digits };
  }

  readHistoryDay(day: number, signal?: AbortSignal): Promise<{ day: number; raw: (number | null)[] }> {
    if (!Number.isInteger(day) || day < 0 || day > 99) {
      return Promise.reject(new HemsError('INPUT_INVALID', `history day must be 0–99, got ${day}`));
    }
    return this.serial(() =>
      this.withSession(signal, async (facts) => {
        if (facts.getMap && !facts.getMap.has(0xe2)) {
          throw new HemsError('METER_SNA', 'the meter does not list E2 (day history) in its Get map');
        }
        this.checkMeterDay();
        const h = await this.historyDay(day, signal);
        return { day, raw: h.raw };
      }),
    );
  }

  joins(): number {
    return this.joinCount;
  }

  scan(signal?: AbortSignal): Promise<PanDesc[]> {
    return this.serial(async () => {
      await this.ensureOpen(signal);
      const found = await this.runScan(signal);
      return found;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    const client = this.client;
    if (client && this.up && !this.dead) {
      await withTimeout(
        client.term().catch(() => undefined),
        this.t.term,
      );
    }
    await this.teardown();
    await this.saving;
    this.state = 'closed';
  }

  // ---- serialisation ---------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---- one reading -----------------------------------------------------------------------

  /** Opens, joins and reads the constants as needed, then runs `fn`; recovers like §D.4 says. */
  private async withSession<T>(
    signal: AbortSignal | undefined,
    fn: (facts: MeterFacts) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new HemsError('ABORTED', 'the meter session is closed');
    let lastError: unknown = null;
    // Rounds: a lost session, a dead port or too many misses lead to another round.
    for (let round = 0; round < 3; round++) {
      try {
        await this.ensureOpen(signal);
        await this.ensureJoined(signal);
        const facts = await this.ensureFacts(signal);
        return await fn(facts);
      } catch (e) {
        lastError = e;
        if (signal?.aborted) throw new HemsError('ABORTED', 'reading aborted');
        if (!isHemsError(e)) {
          throw new HemsError('DONGLE_FAIL', `unexpected failure talking to the dongle: ${describeError(e)}`);
        }
        switch (e.code) {
          case 'DONGLE_CLOSED':
          case 'DONGLE_TIMEOUT':
          case 'DONGLE_GARBAGE':
            this.log.warn(`dongle trouble, reopening the port: ${describeError(e)}`);
            await this.teardown();
            break;
          case 'METER_TIMEOUT':
            if (e.context.reopen === true) {
              this.log.warn('the meter stopped answering; reopening the port and the session');
              await this.teardown();
            }
            break;
          case 'PANA_SESSION_LOST':
            this.up = false;
            break;
          default:
            throw e;
        }
      }
    }
    throw isHemsError(lastError)
      ? lastError
      : new HemsError('METER_TIMEOUT', `no reading: ${describeError(lastError)}`);
  }

  /**
   * Callers name E5 days by our clock; E5 counts from the meter's today (§C.2). While the
   * meter's latest EA day differs from our local day (clock skew across midnight, a host clock
   * that is off), a history day would be stored under the wrong date: refuse until they agree.
   */
  private checkMeterDay(): void {
    const ref = this.meterDay;
    const now = this.clock();
    if (!ref || Math.abs(now - ref.hostMs) > HALF_HOUR_MS) return;
    const ours = localDays(now, this.opts.timezone).today;
    const theirs = localDays(ref.meterMs, this.opts.timezone).today;
    if (ours.year !== theirs.year || ours.month !== theirs.month || ours.day !== theirs.day) {
      throw new HemsError(
        'METER_BAD_RESPONSE',
        `the meter's day (${theirs.year}-${theirs.month}-${theirs.day}) differs from ours; history read postponed`,
      );
    }
  }

  private async takeReading(facts: MeterFacts, signal?: AbortSignal): Promise<Envelope> {
    const wanted = [...BASE_EPCS, ...(facts.getMap ? REVERSE_EPCS : [])].filter(
      (e) => !facts.getMap || facts.getMap.has(e),
    );
    const props = await fetchProperties((epcs) => this.get(epcs, signal), wanted, this.batch);
    const now = this.clock();
    const values = decodeMeterValues(props, this.opts.timezone);
    if (values.fixed) this.meterDay = { meterMs: values.fixed.atMs, hostMs: now };
    const meter = this.pan?.addr ?? 'unknown';
    await this.ensureSlotsLoaded(meter);
    if (values.fixed) this.slots = advanceSlots(this.slots, values.fixed, facts.constants.digits);
    let recent = currentRecent(this.slots);
    const slotAt = this.slots.last?.atMs ?? -1;
    if (!recent) {
      // At most one history fetch per fixed-time slot; its answer serves the whole slot.
      if (this.history?.slotAt !== slotAt) {
        // E5=0 is the meter's today: name the days by the meter's clock (its EA time) when known,
        // so a skew across midnight does not shift every slot by a day (§C.2).
        const dayRef = values.fixed?.atMs ?? now;
        this.history = { slotAt, recent: await this.recentFromHistory(facts, dayRef, signal) };
      }
      recent = this.history.recent;
    }
    this.saveSlotsSoon(meter);
    const reading = buildReading({
      now,
      constants: facts.constants,
      instantPowerW: values.instantPowerW,
      currents: values.currents,
      cumulativeRaw: values.cumulativeRaw,
      fixed: values.fixed,
      recent,
    });
    this.counters.readings++;
    this.lastReadingAt = now;
    const { coefficient, unitCode } = facts.constants;
    return {
      id: `${meter}-${now}`,
      meter: this.pan?.addr ?? null,
      backfill: false,
      reading,
      extras:
        values.reverseRaw === null
          ? {}
          : { cumulative_reverse_kwh: toKwh(values.reverseRaw, coefficient, unitCode) },
    };
  }

  /**
   * SetC E5 + Get E2 (today, and yesterday when today has < 2 slots), protocol.md §C.2.
   * `dayRef` is an instant on the meter's current local day.
   */
  private async recentFromHistory(facts: MeterFacts, dayRef: number, signal?: AbortSignal) {
    if (facts.getMap && !facts.getMap.has(0xe2)) return null;
    try {
      const today = await this.historyDay(0, signal);
      const yesterday = needsYesterday(today) ? await this.historyDay(1, signal) : null;
      const found = recentFromHistory(
        today,
        yesterday,
        localDays(dayRef, this.opts.timezone),
        this.opts.timezone,
        facts.constants.digits,
      );
      if (!found) return null;
      const last = this.slots.last;
      if (!last || found.last.atMs > last.atMs) this.slots = { last: found.last, recent: found.recent };
      else if (found.last.atMs === last.atMs) this.slots = { last, recent: found.recent };
      return found.recent;
    } catch (e) {
      if (isHemsError(e) && ['METER_TIMEOUT', 'METER_SNA', 'METER_BAD_RESPONSE'].includes(e.code)) {
        this.log.warn(`30-minute history unavailable: ${describeError(e)}`);
        return null;
      }
      throw e;
    }
  }

  /** SetC E5 = day, then Get E2 (protocol.md §B.3, §C.2); the E2 must echo the day asked for. */
  private async historyDay(day: number, signal?: AbortSignal): Promise<DayHistory> {
    const set = await this.request(
      { esv: ESV.SetC, properties: [{ epc: 0xe5, edt: Uint8Array.of(day) }] },
      [ESV.Set_Res, ESV.SetC_SNA],
      signal,
    );
    if (set.esv !== ESV.Set_Res) throw new HemsError('METER_SNA', `the meter refused E5 = ${day} (SetC_SNA)`);
    const res = await this.get([0xe2], signal);
    const h = decodeIf(decodeHistory, res.properties.find((p) => p.epc === 0xe2)?.edt);
    if (!h) throw new HemsError('METER_SNA', 'the meter gave no day history (E2)');
    if (h.day !== day) {
      throw new HemsError('METER_BAD_RESPONSE', `the meter answered history day ${h.day} for day ${day}`, {
        asked: day,
        got: h.day,
      });
    }
    return h;
  }

  private async ensureSlotsLoaded(meter: string): Promise<void> {
    if (this.slotsLoadedFor === meter) return;
    this.slotsLoadedFor = meter;
    this.slots = (await loadSlots(this.opts.stateDir, meter)) ?? EMPTY_SLOT_STATE;
    this.savedSlots = `${meter} ${JSON.stringify(this.slots)}`;
  }

  /** Writes slots.json only when it changed (twice an hour, not every reading: SD-card wear). */
  private saveSlotsSoon(meter: string): void {
    const state = this.slots;
    const key = `${meter} ${JSON.stringify(state)}`;
    if (key === this.savedSlots) return;
    this.savedSlots = key;
    this.saving = this.saving
      .then(() => saveSlots(this.opts.stateDir, meter, state))
      .catch((e: unknown) => this.log.warn(`cannot save the 30-minute state: ${describeError(e)}`));
  }

  /** D3 (1 when unsupported), E1, D7, 9F: once per meter (protocol.md §C.1, §H). */
  private async ensureFacts(signal?: AbortSignal): Promise<MeterFacts> {
    if (this.facts) return this.facts;
    const props = await fetchProperties((epcs) => this.get(epcs, signal), CONSTANT_EPCS, this.batch);
    // E1 is kept as its code (toKwh scales by code); an unknown code gives null kWh values.
    const e1 = props.get(0xe1);
    if (e1?.length !== 1)
      throw new HemsError('METER_BAD_RESPONSE', 'the meter did not report its energy unit (E1)');
    const getMap = decodeIf(decodePropertyMap, props.get(0x9f));
    this.facts = {
      constants: {
        coefficient: decodeIf(decodeCoefficient, props.get(0xd3)) ?? 1,
        unitCode: e1[0]!,
        digits: decodeIf(decodeEffectiveDigits, props.get(0xd7)) ?? 8,
      },
      getMap: getMap ? new Set(getMap) : null,
    };
    this.log.info('meter constants', { ...this.facts.constants, perGet: this.batch.limit });
    return this.facts;
  }

  // ---- requests --------------------------------------------------------------------------

  private get(epcs: number[], signal?: AbortSignal): Promise<Frame> {
    const req = getRequest(0, EOJ.controller, EOJ.smartMeter, epcs);
    return this.request(req, [ESV.Get_Res, ESV.Get_SNA], signal);
  }

  /**
   * Sends one request and waits for the reply matched by TID + SEOJ 028801 + ESV. A missing
   * reply is re-sent with a fresh TID; after `reopenAfterMisses` consecutive misses the
   * error asks for a reopen (protocol.md §D.4).
   */
  private async request(
    frame: Pick<Frame, 'esv' | 'properties'>,
    expect: readonly number[],
    signal?: AbortSignal,
  ): Promise<Frame> {
    // One reply settles the request, whichever of its TIDs it carries: a meter slower than
    // `response` answers an earlier attempt late, and may never answer the resend (§D.2, §D.4).
    let settle!: { resolve: (f: Frame) => void; reject: (e: Error) => void };
    const reply = new Promise<Frame>((resolve, reject) => {
      settle = { resolve, reject };
    });
    reply.catch(() => undefined);
    const tids: number[] = [];
    try {
      return await this.attempts(frame, expect, reply, settle, tids, signal);
    } finally {
      for (const t of tids) this.waiters.delete(t);
    }
  }

  private async attempts(
    frame: Pick<Frame, 'esv' | 'properties'>,
    expect: readonly number[],
    reply: Promise<Frame>,
    settle: { resolve: (f: Frame) => void; reject: (e: Error) => void },
    tids: number[],
    signal?: AbortSignal,
  ): Promise<Frame> {
    let sendFailures = 0;
    let early: Frame | null = null;
    reply.then(
      (f) => {
        early = f;
      },
      () => undefined,
    );
    for (let attempt = 0; attempt <= this.t.resends; ) {
      // A late reply to an earlier attempt may have come in while we paused.
      if (early) {
        this.misses = 0;
        return early;
      }
      await this.sendGate(signal);
      const client = this.client!;
      const ipv6 = this.pan!.ipv6;
      const tid = this.nextTid();
      const bytes = encodeFrame({
        esv: frame.esv,
        properties: frame.properties,
        tid,
        seoj: EOJ.controller,
        deoj: EOJ.smartMeter,
      });
      tids.push(tid);
      this.waiters.set(tid, { expect, ...settle });
      let param: number;
      const epoch = this.sessionEpoch;
      try {
        param = await client.sendTo(ipv6, bytes);
      } catch (e) {
        this.waiters.delete(tid);
        if (!isHemsError(e, 'DONGLE_FAIL') || !/10$/.test(String(e.context.er))) throw e;
        // FAIL ER10: no usable session (protocol.md §D.4). A session event (29, 25) may be
        // on its way or already here; then the gate decides. Else the session is lost.
        if (this.sessionEpoch === epoch) await this.changed.wait(this.t.sendFailDelay, signal);
        if (this.sessionEpoch !== epoch && (this.up || this.reauth) && sendFailures++ <= this.t.resends + 2)
          continue;
        this.up = false;
        this.reauth = false;
        throw new HemsError('PANA_SESSION_LOST', 'the dongle has no PANA session (FAIL ER10)');
      } finally {
        this.counters.roundTrips++;
      }
      if (param !== 0) {
        // EVENT 21 param 01: not sent (CCA, TX limit, no ACK). Wait and resend (§D.4).
        this.waiters.delete(tid);
        sendFailures++;
        if (sendFailures > this.t.resends + 2) {
          throw new HemsError('METER_TIMEOUT', 'the dongle could not send to the meter', { sendFailures });
        }
        await delay(this.t.sendFailDelay, signal);
        continue;
      }
      const got = await withTimeout(reply, this.t.response, signal);
      if (got) {
        this.misses = 0;
        return got;
      }
      this.counters.timeouts++;
      this.misses++;
      attempt++;
      this.log.warn(`no reply from the meter within ${this.t.response} ms; resending`, {
        tid,
        misses: this.misses,
      });
      if (this.misses >= this.t.reopenAfterMisses) {
        this.misses = 0;
        throw new HemsError(
          'METER_TIMEOUT',
          `no reply from the meter after ${this.t.reopenAfterMisses} tries`,
          {
            reopen: true,
          },
        );
      }
    }
    throw new HemsError('METER_TIMEOUT', `no reply from the meter after ${this.t.resends + 1} tries`);
  }

  private nextTid(): number {
    this.tid = (this.tid % 0xffff) + 1;
    return this.tid;
  }

  /** Blocks while re-authenticating (EVENT 29) or TX-limited (EVENT 32), bounded by `gate`. */
  private async sendGate(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.t.gate;
    for (;;) {
      if (signal?.aborted) throw new HemsError('ABORTED', 'aborted');
      if (this.dead || !this.client) throw new HemsError('DONGLE_CLOSED', 'the dongle port closed');
      if (!this.up && !this.reauth) throw new HemsError('PANA_SESSION_LOST', 'the PANA session ended');
      if (this.up && !this.reauth && !this.paused) return;
      this.state = this.paused ? 'paused' : 'reauth';
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.changed.wait(left, signal))) {
        if (this.paused)
          throw new HemsError('TX_LIMIT', 'the dongle is in its transmission-time limit (EVENT 32)');
        this.reauth = false;
        this.up = false;
        throw new HemsError('PANA_SESSION_LOST', 'PANA re-authentication did not finish');
      }
    }
  }

  // ---- connection ------------------------------------------------------------------------

  /** Backoff pauses end on either signal (see ReadingSource.read). */
  private pauseSignal(signal?: AbortSignal): AbortSignal | undefined {
    const both = [signal, this.waitSignal].filter((s): s is AbortSignal => s !== undefined);
    return both.length > 1 ? AbortSignal.any(both) : both[0];
  }

  private async ensureOpen(signal?: AbortSignal): Promise<void> {
    if (this.client && !this.dead) return;
    await this.teardown();
    this.state = 'opening';
    let stream: ByteStream | null = null;
    for (let i = 1; ; i++) {
      try {
        stream = await this.opts.openStream();
        break;
      } catch (e) {
        if (i >= this.t.reopenAttempts) {
          this.state = 'backoff';
          throw new HemsError('TRANSPORT_OPEN_FAILED', `cannot open the dongle port: ${describeError(e)}`, {
            attempts: i,
          });
        }
        this.state = 'backoff';
        this.log.warn(`cannot open the dongle port (try ${i}): ${describeError(e)}`);
        await delay(backoff(i, this.t.reopenBackoffBase, this.t.reopenBackoffMax), this.pauseSignal(signal));
      }
    }
    if (this.opened++ > 0) this.counters.reopens++;
    const create: CreateClient =
      this.opts.createClient ?? (await import('../skstack/client.js')).createSkClient;
    const client = create(stream, {
      model: this.opts.model,
      timeouts: this.opts.skTimeouts,
      logger: this.opts.logger,
    });
    this.stream = stream;
    this.client = client;
    this.dead = false;
    this.up = false;
    this.reauth = false;
    this.paused = false;
    this.unsubscribe = client.onEvent((e) => this.onEvent(e));
    try {
      await client.init();
      await client.setCredentials(this.opts.routeBId, this.opts.password);
    } catch (e) {
      await this.teardown();
      throw e;
    }
  }

  private async ensureJoined(signal?: AbortSignal): Promise<void> {
    if (this.up || this.reauth) return;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < this.t.joinAttempts; attempt++) {
      if (this.joinFailures > 0) {
        this.state = 'backoff';
        await delay(
          backoff(this.joinFailures, this.t.joinBackoffBase, this.t.joinBackoffMax),
          this.pauseSignal(signal),
        );
      }
      const pan = await this.resolvePan(signal);
      const client = this.client!;
      this.state = 'joining';
      await client.setRegister('S2', pan.channel.toString(16).toUpperCase());
      await client.setRegister('S3', pan.panId.toString(16).toUpperCase().padStart(4, '0'));
      try {
        await client.join(pan.ipv6);
      } catch (e) {
        if (isHemsError(e, 'DONGLE_FAIL') && /10$/.test(String(e.context.er))) {
          // FAIL ER10: the dongle still holds a session (e.g. left by a killed process, §A.3):
          // end it, then join again (after the usual backoff).
          this.log.warn('the dongle still holds a PANA session; ending it (SKTERM) before joining');
          await withTimeout(
            client.term().catch(() => undefined),
            this.t.term,
          );
          lastError = e;
          this.joinFailures++;
          continue;
        }
        if (!isHemsError(e, 'PANA_JOIN_FAILED')) throw e;
        lastError = e;
        this.joinFailures++;
        this.log.warn(`PANA join failed (${this.joinFailures} in a row)`);
        if (this.joinFailures >= this.t.rescanAfterJoinFailures && !this.givenPan()) {
          this.pan = null;
          await forgetPan(this.opts.stateDir);
        }
        continue;
      }
      this.up = true;
      this.reauth = false;
      this.joinFailures = 0;
      if (this.everJoined) this.counters.rejoins++;
      this.everJoined = true;
      this.joinCount++;
      this.state = 'up';
      this.log.info('PANA session up', { meter: pan.addr, channel: pan.channel });
      return;
    }
    throw new HemsError(
      'PANA_JOIN_FAILED',
      `PANA authentication failed ${this.t.joinAttempts} times: check the B-route ID and password, and the distance to the meter`,
      { attempts: this.t.joinAttempts, cause: describeError(lastError) },
    );
  }

  private givenPan(): CachedPan | null {
    const m = this.opts.meter;
    if (!m || m.channel === undefined || m.panId === undefined || !m.ipv6) return null;
    const ipv6 = m.ipv6.toUpperCase();
    return {
      channel: m.channel,
      panId: m.panId,
      ipv6,
      addr: linkLocalToMac(ipv6) ?? ipv6.replace(/:/g, '').slice(16),
    };
  }

  private async resolvePan(signal?: AbortSignal): Promise<CachedPan> {
    if (this.pan) return this.pan;
    const given = this.givenPan();
    const pan = given ?? (await loadPan(this.opts.stateDir));
    if (pan) {
      if (!given)
        this.log.info('using the meter saved by the last scan; rescans if joining fails', { addr: pan.addr });
      this.setPan(pan);
      return pan;
    }
    // Each escalating scan costs up to minutes of radio time (duty-cycle budget): after a
    // scan that found nothing, the next one waits a growing pause instead of every reading.
    const wait = this.nextScanAt - this.clock();
    if (wait > 0) {
      throw new HemsError(
        'SCAN_NOTHING_FOUND',
        `no smart meter answered the last scan; scanning again in ${Math.ceil(wait / 1000)} s`,
      );
    }
    try {
      await this.runScan(signal);
    } catch (e) {
      if (isHemsError(e, 'SCAN_NOTHING_FOUND')) {
        this.scanFailures++;
        this.nextScanAt =
          this.clock() + backoff(this.scanFailures, this.t.scanBackoffBase, this.t.scanBackoffMax);
      }
      throw e;
    }
    this.scanFailures = 0;
    this.nextScanAt = 0;
    return this.pan!;
  }

  private setPan(pan: CachedPan): void {
    if (this.pan?.addr !== pan.addr) {
      this.facts = null;
      this.batch.limit = INITIAL_PER_GET;
      this.batch.unsupported.clear();
    }
    this.pan = pan;
  }

  /** SKSCAN with escalating durations; keeps the best LQI and saves it (protocol.md §A.6). */
  private async runScan(signal?: AbortSignal): Promise<PanDesc[]> {
    const client = this.client!;
    this.state = 'scanning';
    for (const duration of this.opts.scanDurations ?? DEFAULT_SCAN_DURATIONS) {
      if (signal?.aborted) throw new HemsError('ABORTED', 'scan aborted');
      this.counters.scans++;
      const found = await client.scan(duration);
      this.log.info(`scan (duration ${duration}) found ${found.length} PAN(s)`);
      if (found.length === 0) continue;
      const best = found.reduce((a, b) => (b.lqi > a.lqi ? b : a));
      const ipv6 = macToLinkLocal(best.addr) ?? (await client.ll64(best.addr));
      const pan: CachedPan = {
        channel: best.channel,
        panId: best.panId,
        addr: best.addr.toUpperCase(),
        ipv6,
      };
      this.setPan(pan);
      await savePan(this.opts.stateDir, pan);
      return found;
    }
    throw new HemsError(
      'SCAN_NOTHING_FOUND',
      'no smart meter answered the scan: check the B-route ID and the distance',
    );
  }

  private async teardown(): Promise<void> {
    for (const [tid, w] of this.waiters) {
      this.waiters.delete(tid);
      w.reject(new HemsError('DONGLE_CLOSED', 'port closed'));
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
    const client = this.client;
    const stream = this.stream;
    this.client = null;
    this.stream = null;
    this.up = false;
    this.reauth = false;
    this.paused = false;
    this.dead = false;
    if (client) await client.close().catch(() => undefined);
    if (stream) await stream.close().catch(() => undefined);
    this.changed.notify();
  }

  // ---- unsolicited traffic ---------------------------------------------------------------

  private onEvent(e: SkEvent): void {
    if (e.kind === 'erxudp') {
      this.onUdp(e.udp);
      return;
    }
    if (e.kind === 'closed') {
      this.dead = true;
      this.up = false;
      this.failWaiters(new HemsError('DONGLE_CLOSED', 'the dongle port closed'));
      this.changed.notify();
      return;
    }
    if (e.kind !== 'event') return;
    switch (e.num) {
      case 0x25:
        this.up = true;
        this.reauth = false;
        this.state = 'up';
        break;
      case 0x29:
        // Lifetime expired; with S17=1 the dongle re-authenticates by itself (§D.4).
        this.reauth = true;
        this.state = 'reauth';
        break;
      case 0x24:
      case 0x26:
      case 0x27:
      case 0x28:
        this.log.warn(`PANA session ended (EVENT ${e.num.toString(16).toUpperCase()})`);
        this.up = false;
        this.reauth = false;
        this.failWaiters(new HemsError('PANA_SESSION_LOST', 'the PANA session ended'));
        break;
      case 0x32:
        this.paused = true;
        this.counters.txLimitPauses++;
        this.log.warn('transmission-time limit reached (EVENT 32): pausing sends');
        break;
      case 0x33:
        this.paused = false;
        break;
      default:
        return;
    }
    if (e.num >= 0x24 && e.num <= 0x29) this.sessionEpoch++;
    this.changed.notify();
  }

  private failWaiters(err: HemsError): void {
    for (const [tid, w] of this.waiters) {
      this.waiters.delete(tid);
      w.reject(err);
    }
  }

  private onUdp(u: Erxudp): void {
    if (u.rport !== ECHONET_PORT || u.lport !== ECHONET_PORT) return;
    if (!this.pan || u.sender.toUpperCase() !== this.pan.ipv6) return;
    if (u.side !== null && u.side !== 0) return;
    let frame: Frame;
    try {
      frame = decodeFrame(u.data);
    } catch {
      return;
    }
    if (frame.seoj !== EOJ.smartMeter) return;
    if (frame.esv === ESV.INF || frame.esv === ESV.INFC) {
      this.onNotification(frame);
      return;
    }
    const w = this.waiters.get(frame.tid);
    if (w?.expect.includes(frame.esv)) {
      this.waiters.delete(frame.tid);
      w.resolve(frame);
    }
  }

  /** INF/INFC: EA updates the 30-minute state; INFC is answered with INFC_Res (§B.3). */
  private onNotification(frame: Frame): void {
    const ea = frame.properties.find((p) => p.epc === 0xea);
    const point = fixedTimeToPoint(decodeIf(decodeFixedTime, ea?.edt), this.opts.timezone);
    if (point && this.facts && this.pan && this.slotsLoadedFor === this.pan.addr) {
      this.slots = advanceSlots(this.slots, point, this.facts.constants.digits);
      this.saveSlotsSoon(this.pan.addr);
    }
    if (frame.esv === ESV.INFC && this.client && this.pan && this.up) {
      const res = encodeFrame({
        tid: frame.tid,
        seoj: EOJ.controller,
        deoj: frame.seoj,
        esv: ESV.INFC_Res,
        properties: frame.properties.map((p) => ({ epc: p.epc, edt: new Uint8Array(0) })),
      });
      this.client.sendTo(this.pan.ipv6, res).then(
        () => {
          this.counters.roundTrips++;
        },
        (e: unknown) => this.log.debug(`INFC_Res not sent: ${describeError(e)}`),
      );
    }
  }
}
