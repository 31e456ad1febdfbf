/**
 * The B-route link: the port, the dongle's initialisation, the meter's PAN (given, cached or
 * scanned), the PANA session and the transmit gate. Its state is ONE value (api.ts
 * LinkStateName) that dongle events move at once; status(), /healthz and the metrics read it.
 * Recovery follows protocol.md §D.4; every wait is bounded by SessionTimeouts.
 */
import { backoffDelay } from '../backoff.js';
import { describeError, HemsError, isDongleFail, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DongleModel, PanDesc, SkClient, SkEvent, SkTimeouts } from '../skstack/api.js';
import type { Erxudp } from '../skstack/erxudp.js';
import type { ByteStream } from '../transport/types.js';
import type { LinkStateName, SourceCounters } from './api.js';
import { linkLocalToMac, macToLinkLocal } from './ipv6.js';
import { type CreateClient, DEFAULT_SCAN_DURATIONS, type SessionTimeouts } from './options.js';
import { type CachedPan, loadPan, savePan } from './state-files.js';
import { delay, Notifier, withTimeout } from './wait.js';

export interface LinkOptions {
  openStream: () => Promise<ByteStream>;
  model: DongleModel;
  routeBId: string;
  password: string;
  /** Given (--meter-*): no scan, no scan cache. */
  meter?: { channel?: number; panId?: number; ipv6?: string } | undefined;
  stateDir: string;
  timeouts: SessionTimeouts;
  skTimeouts?: Partial<SkTimeouts> | undefined;
  scanDurations?: readonly number[] | undefined;
  /** The broute logger; the SKSTACK client logs under `client`. */
  logger: Logger;
  clientLogger: Logger;
  clock: () => number;
  createClient?: CreateClient | undefined;
  counters: SourceCounters;
}

/** Where the link returns when a transmission-time limit ends. */
type Resume = 'up' | 'reauthenticating' | 'ready';
type LinkState = { name: Exclude<LinkStateName, 'tx-limited'> } | { name: 'tx-limited'; resume: Resume };

const sameAddress = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

export class Link {
  private st: LinkState = { name: 'closed' };
  private stream: ByteStream | null = null;
  private client: SkClient | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The port reported closed; the client object is still to be torn down. */
  private dead = false;
  /** The module lost its settings (reset with the port open): init again before anything else. */
  private needsInit = false;
  private opened = 0;
  private editionSettled = false;
  private resolved: CachedPan | null = null;
  private joinFailures = 0;
  private joinCount = 0;
  private everUp = false;
  private rescanDue = false;
  private scanFailures = 0;
  private nextScanAt = 0;
  /** No join before this (Date.now) time: join backoff, or the meter cleaning up a session we ended. */
  private joinNotBefore = 0;
  /** Bumped at each transmission-time limit, so a join or scan can tell it ran into one. */
  private txEpoch = 0;
  /** Bumped at each session event of our meter (24–29), so a failed send can tell it raced one. */
  private sessionEpoch = 0;
  private notSentInARow = 0;
  /** A session event for a meter we had not (yet) resolved: a join left by an earlier process. */
  private leftover: { num: number; sender: string } | null = null;
  private readonly changed = new Notifier();
  private readonly udpListeners = new Set<(u: Erxudp) => void>();
  private readonly downListeners = new Set<(e: HemsError) => void>();
  private readonly t: SessionTimeouts;
  private readonly log: Logger;

  constructor(private readonly o: LinkOptions) {
    this.t = o.timeouts;
    this.log = o.logger;
  }

  get state(): LinkStateName {
    return this.st.name;
  }

  /** The meter we talk to: given, cached or scanned; null until resolved. */
  get pan(): CachedPan | null {
    return this.resolved;
  }

  get joins(): number {
    return this.joinCount;
  }

  /** The meter's EUI-64 once a session was up with it. */
  joinedMeter(): string | null {
    return this.everUp ? (this.resolved?.addr ?? null) : null;
  }

  /** A PANA session exists (sends may still wait for re-authentication or the TX limit). */
  sessionUp(): boolean {
    const s = this.st;
    if (s.name === 'tx-limited') return s.resume !== 'ready';
    return s.name === 'up' || s.name === 'reauthenticating';
  }

  onUdp(listener: (u: Erxudp) => void): void {
    this.udpListeners.add(listener);
  }

  /** Called whenever an up session or the port is lost (waiters for replies fail at once). */
  onDown(listener: (e: HemsError) => void): void {
    this.downListeners.add(listener);
  }

  // ---- the session -----------------------------------------------------------------------

  /** Opens, initialises, resolves the meter and joins as needed, until a session exists. */
  async ensureSession(signal?: AbortSignal): Promise<void> {
    let joinsTried = 0;
    let lastError: unknown = null;
    let meter: string | null = null;
    for (;;) {
      await this.ensureReady(signal);
      if (this.sessionUp()) return;
      if (this.st.name === 'tx-limited') {
        // No SKJOIN/SKSCAN into a limit: every transmission would be cancelled (§D.3).
        await this.waitTxLimit(signal);
        continue;
      }
      const pan = await this.resolvePan(signal);
      if (this.adoptLeftover(pan)) return;
      // A meter the rescan found (a replaced one) gets attempts of its own.
      if (pan.addr !== meter) {
        meter = pan.addr;
        joinsTried = 0;
      }
      if (joinsTried >= this.t.joinAttempts) {
        throw new HemsError(
          'PANA_JOIN_FAILED',
          `PANA authentication failed ${joinsTried} times: check the B-route ID and password, and the distance to the meter`,
          { attempts: joinsTried, cause: describeError(lastError) },
        );
      }
      const pause = this.joinNotBefore - Date.now();
      if (pause > 0) {
        this.enter('backing-off');
        await delay(pause, signal);
        if (this.st.name === 'backing-off') this.enter('ready');
        continue;
      }
      const failed = await this.join(pan, signal);
      if (failed?.counted) joinsTried++;
      if (failed) lastError = failed.error;
    }
  }

  /**
   * One SKSENDTO of `bytes` to the meter through the gate. True when sent (EVENT 21 00), false
   * when the dongle could not send it (EVENT 21 01: CCA, TX limit, no ACK, §A.5).
   */
  async send(bytes: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    await this.gate(signal);
    await this.settleEdition();
    const client = this.client!;
    const pan = this.resolved!;
    const epoch = this.sessionEpoch;
    let param: number;
    try {
      param = await client.sendTo(pan.ipv6, bytes, { signal });
    } catch (e) {
      if (this.needsInit) throw this.resetError();
      if (!isDongleFail(e, 'ER10')) throw e;
      // FAIL ER10: no usable session (§D.4), unless a session event (29 → 25) came with it or
      // is on its way: then the session is still ours and the send is tried again.
      if (this.sessionEpoch === epoch) await this.changed.wait(this.t.sendFailDelay, signal);
      if (this.needsInit) throw this.resetError();
      if (this.sessionEpoch !== epoch && this.sessionUp()) return false;
      this.sessionLost('the dongle has no PANA session (FAIL ER10)');
      throw new HemsError('PANA_SESSION_LOST', 'the dongle has no PANA session (FAIL ER10)');
    } finally {
      this.o.counters.roundTrips++;
    }
    await this.rememberEdition();
    if (param === 0) {
      this.notSentInARow = 0;
      return true;
    }
    // Sends that keep failing may be the TX limit whose EVENT 32 we never saw (§A.4 SFB).
    if (++this.notSentInARow === 2 && this.st.name === 'up' && (await this.readSfb()))
      this.startTxLimit('SFB = 1');
    return false;
  }

  /** INFC_Res and the like: sent only while up, never waited for (§B.3). */
  sendQuietly(bytes: Uint8Array): void {
    const client = this.client;
    const pan = this.resolved;
    if (!client || !pan || this.st.name !== 'up') return;
    client.sendTo(pan.ipv6, bytes).then(
      () => {
        this.o.counters.roundTrips++;
      },
      (e: unknown) => this.log.debug(`unsolicited reply not sent: ${describeError(e)}`),
    );
  }

  /**
   * Ends the session (SKTERM, bounded) so the next round joins afresh: the meter stopped
   * answering, rebooted or was replaced. A dongle that holds no session although ours was up
   * lost it in a module reset: it is initialised again.
   */
  async endSession(reason: string): Promise<void> {
    this.log.warn(`ending the PANA session and joining again: ${reason}`);
    if (!this.client || this.dead || this.needsInit) return;
    const wasUp = this.sessionUp();
    const r = await this.term();
    if (r === 'no-session' && wasUp) {
      this.moduleReset('SKTERM found no session although one was up');
      return;
    }
    if (r === 'ended') this.joinNotBefore = Date.now() + this.t.joinBackoffBase;
    if (this.sessionUp()) this.sessionLost('ended by us');
  }

  /** SKSCAN with escalating durations; keeps the best LQI and saves it (protocol.md §A.6). */
  async scan(signal?: AbortSignal): Promise<PanDesc[]> {
    await this.ensureReady(signal);
    if (this.st.name === 'tx-limited') await this.waitTxLimit(signal);
    return this.runScan(signal);
  }

  async close(): Promise<void> {
    if (this.client && !this.dead && !this.needsInit && this.sessionUp()) await this.term();
    await this.teardown();
  }

  /** Closes the port (it is opened again when needed). */
  async teardown(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const { client, stream } = this;
    const wasUp = this.sessionUp();
    this.client = null;
    this.stream = null;
    this.dead = false;
    this.needsInit = false;
    this.setState({ name: 'closed' });
    if (wasUp) this.fireDown(new HemsError('DONGLE_CLOSED', 'the dongle port closed'));
    if (client) await client.close().catch(() => undefined);
    if (stream) await stream.close().catch(() => undefined);
  }

  // ---- opening and initialising ----------------------------------------------------------

  private async ensureReady(signal?: AbortSignal): Promise<void> {
    if (this.client && !this.dead && !this.needsInit) return;
    if (this.client && !this.dead) await this.initialise();
    else await this.open(signal);
  }

  private async open(signal?: AbortSignal): Promise<void> {
    await this.teardown();
    this.enter('opening');
    let stream: ByteStream;
    for (let i = 1; ; i++) {
      try {
        stream = await this.o.openStream();
        break;
      } catch (e) {
        this.enter('backing-off');
        if (i >= this.t.reopenAttempts) {
          this.enter('closed');
          throw new HemsError('TRANSPORT_OPEN_FAILED', `cannot open the dongle port: ${describeError(e)}`, {
            attempts: i,
          });
        }
        this.log.warn(`cannot open the dongle port (try ${i}): ${describeError(e)}`);
        await delay(
          backoffDelay(i, { baseMs: this.t.reopenBackoffBase, maxMs: this.t.reopenBackoffMax, jitter: 0 }),
          signal,
        );
        this.enter('opening');
      }
    }
    if (this.opened++ > 0) this.o.counters.reopens++;
    const create = this.o.createClient ?? (await import('../skstack/client.js')).createSkClient;
    const client = create(stream, {
      model: this.o.model,
      ...(this.o.skTimeouts ? { timeouts: this.o.skTimeouts } : {}),
      logger: this.o.clientLogger,
    });
    this.stream = stream;
    this.client = client;
    this.editionSettled = false;
    this.unsubscribe = client.onEvent((e) => this.onEvent(e));
    try {
      await this.initialise();
    } catch (e) {
      await this.teardown();
      throw e;
    }
  }

  /** Echo off, dialect, credentials (§D.1), then the TX-limit state we may have missed. */
  private async initialise(): Promise<void> {
    const client = this.client!;
    this.setState({ name: 'opening' });
    await client.init();
    await client.setCredentials(this.o.routeBId, this.o.password);
    this.needsInit = false;
    // A limit that began before we opened sent its EVENT 32 to nobody: ask the dongle (§A.4 SFB).
    if (await this.readSfb()) this.startTxLimit('SFB = 1 when the port was opened', 'ready');
    else this.enter('ready'); // an EVENT 32 during init keeps the limit
  }

  private async readSfb(): Promise<boolean> {
    const client = this.client;
    if (!client || this.dead) return false;
    try {
      return (await client.readRegister('SFB')).trim() === '1';
    } catch (e) {
      // A firmware without SFB, or a dongle busy with something else: no evidence of a limit.
      if (isHemsError(e, 'DONGLE_FAIL') || isHemsError(e, 'DONGLE_BAD_LINE')) return false;
      throw e;
    }
  }

  /**
   * Before the first SKSENDTO on a port: the form remembered with the scan cache, checked by a
   * register only dual-stack modules have when the model is not given (§A.1). Only a hint: the
   * client still falls back to the other form when the dongle refuses this one.
   */
  private async settleEdition(): Promise<void> {
    const client = this.client!;
    if (this.editionSettled || client.info.editionConfirmed) return;
    this.editionSettled = true;
    const remembered = this.resolved?.edition ?? null;
    const probed = this.o.model === 'auto' ? await client.probeEdition() : null;
    if (probed && remembered && probed !== remembered)
      this.log.info(`the dongle answers like a ${probed} module; the scan cache said ${remembered}`);
    const use = probed ?? remembered;
    if (use) client.useEdition(use, false);
  }

  /** Keeps the confirmed command form with the scan cache, so a restart starts with it. */
  private async rememberEdition(): Promise<void> {
    const info = this.client?.info;
    const pan = this.resolved;
    if (!info?.editionConfirmed || !pan || pan.edition === info.edition) return;
    this.resolved = { ...pan, edition: info.edition };
    if (!this.givenPan()) await this.save(this.resolved);
  }

  // ---- the meter ---------------------------------------------------------------------------

  private givenPan(): CachedPan | null {
    const m = this.o.meter;
    if (!m || m.channel === undefined || m.panId === undefined || !m.ipv6) return null;
    const ipv6 = m.ipv6.toUpperCase();
    return {
      channel: m.channel,
      panId: m.panId,
      ipv6,
      addr: linkLocalToMac(ipv6) ?? ipv6.replace(/:/g, '').slice(16),
    };
  }

  /**
   * The meter to join: given, resolved before, cached, or scanned. After repeated join failures
   * a rescan is due (a replaced meter); while it finds nothing the known meter is kept (a
   * rebooting meter comes back with the same PAN).
   */
  private async resolvePan(signal?: AbortSignal): Promise<CachedPan> {
    const given = this.givenPan();
    if (given) {
      if (!this.resolved) this.resolved = given;
      return this.resolved;
    }
    if (!this.resolved && !this.rescanDue) {
      const cached = await loadPan(this.o.stateDir);
      if (cached) {
        this.log.info('using the meter saved by the last scan; rescans if joining keeps failing', {
          addr: cached.addr,
        });
        this.resolved = cached;
        return cached;
      }
    }
    if (this.resolved && !this.rescanDue) return this.resolved;
    // Each escalating scan costs up to minutes of radio time (duty-cycle budget): after a
    // scan that found nothing, the next one waits a growing pause.
    const wait = this.nextScanAt - this.o.clock();
    if (wait > 0) {
      if (this.resolved) return this.resolved;
      throw new HemsError(
        'SCAN_NOTHING_FOUND',
        `no smart meter answered the last scan; scanning again in ${Math.ceil(wait / 1000)} s`,
      );
    }
    try {
      await this.runScan(signal);
    } catch (e) {
      if (!isHemsError(e, 'SCAN_NOTHING_FOUND')) throw e;
      this.scanFailures++;
      this.nextScanAt =
        this.o.clock() +
        backoffDelay(this.scanFailures, {
          baseMs: this.t.scanBackoffBase,
          maxMs: this.t.scanBackoffMax,
          jitter: 0,
        });
      if (this.resolved) {
        this.log.warn('the rescan found no meter; trying the known one again');
        return this.resolved;
      }
      throw e;
    }
    return this.resolved!;
  }

  private async runScan(signal?: AbortSignal): Promise<PanDesc[]> {
    const client = this.client!;
    const epoch = this.txEpoch;
    this.enter('scanning');
    try {
      for (const duration of this.o.scanDurations ?? DEFAULT_SCAN_DURATIONS) {
        if (signal?.aborted) throw new HemsError('ABORTED', 'scan aborted');
        this.o.counters.scans++;
        const found = await client.scan(duration, { signal });
        this.log.info(`scan (duration ${duration}) found ${found.length} PAN(s)`);
        if (this.txEpoch !== epoch) {
          throw new HemsError(
            'TX_LIMIT',
            'the transmission-time limit began during the scan; scanning later',
          );
        }
        if (found.length === 0) continue;
        const best = found.reduce((a, b) => (b.lqi > a.lqi ? b : a));
        const ipv6 = macToLinkLocal(best.addr) ?? (await client.ll64(best.addr));
        const pan: CachedPan = {
          channel: best.channel,
          panId: best.panId,
          addr: best.addr.toUpperCase(),
          ipv6,
          ...(client.info.editionConfirmed ? { edition: client.info.edition } : {}),
        };
        if (this.resolved && this.resolved.addr !== pan.addr) {
          this.log.warn('a different meter answered the scan (meter replaced?)', { addr: pan.addr });
          // The old meter's failed joins say nothing about this one.
          this.joinFailures = 0;
          this.joinNotBefore = 0;
        }
        this.resolved = pan;
        this.rescanDue = false;
        this.scanFailures = 0;
        this.nextScanAt = 0;
        await this.save(pan);
        return found;
      }
    } finally {
      if (this.st.name === 'scanning') this.enter('ready');
    }
    throw new HemsError(
      'SCAN_NOTHING_FOUND',
      'no smart meter answered the scan: check the B-route ID and the distance',
    );
  }

  private async save(pan: CachedPan): Promise<void> {
    await savePan(this.o.stateDir, pan).catch((e: unknown) =>
      this.log.warn(`cannot save the scan cache: ${describeError(e)}`),
    );
  }

  /** An EVENT 25 (or 29) for this meter seen before we joined: use that session (§D.4). */
  private adoptLeftover(pan: CachedPan): boolean {
    const l = this.leftover;
    this.leftover = null;
    if (!l || !sameAddress(l.sender, pan.ipv6) || (l.num !== 0x25 && l.num !== 0x29)) return false;
    this.log.info('the dongle already holds a PANA session with the meter; using it');
    this.sessionStarted(pan, l.num === 0x25 ? 'up' : 'reauthenticating');
    return true;
  }

  /**
   * One SKJOIN; resolves null when it succeeded, else its error and whether it counts as an
   * attempt (a join the transmission-time limit cancelled does not).
   */
  private async join(
    pan: CachedPan,
    signal?: AbortSignal,
  ): Promise<{ error: unknown; counted: boolean } | null> {
    const client = this.client!;
    await client.setRegister('S2', pan.channel.toString(16).toUpperCase());
    await client.setRegister('S3', pan.panId.toString(16).toUpperCase().padStart(4, '0'));
    const epoch = this.txEpoch;
    this.leftover = null;
    this.enter('joining');
    try {
      await client.join(pan.ipv6, { signal });
    } catch (e) {
      if (this.st.name === 'joining') this.enter('ready');
      if (isDongleFail(e, 'ER10')) {
        await this.joinRefused();
        return { error: e, counted: true };
      }
      if (!isHemsError(e, 'PANA_JOIN_FAILED')) throw e;
      if (this.txEpoch !== epoch) {
        this.log.warn('PANA join failed during the transmission-time limit; not counted');
        return { error: e, counted: false };
      }
      this.joinFailures++;
      this.joinNotBefore =
        Date.now() +
        backoffDelay(this.joinFailures, {
          baseMs: this.t.joinBackoffBase,
          maxMs: this.t.joinBackoffMax,
          jitter: 0,
        });
      this.log.warn(`PANA join failed (${this.joinFailures} in a row)`);
      if (this.joinFailures >= this.t.rescanAfterJoinFailures && !this.givenPan()) this.rescanDue = true;
      return { error: e, counted: true };
    }
    this.sessionStarted(pan, 'up');
    return null;
  }

  /**
   * SKJOIN FAIL ER10: the dongle still holds a session (a killed process, §A.3), or it lost
   * its credentials in a reset. SKTERM tells which: it ends the one, finds none in the other.
   */
  private async joinRefused(): Promise<void> {
    this.log.warn('SKJOIN refused (FAIL ER10); ending the session the dongle may still hold (SKTERM)');
    const r = await this.term();
    if (r === 'no-session') {
      this.moduleReset('SKJOIN refused although the dongle holds no session');
      return;
    }
    // Joining right after SKTERM can collide with the meter's own clean-up (§D.4).
    this.joinNotBefore = Date.now() + this.t.joinBackoffBase;
  }

  private sessionStarted(pan: CachedPan, state: 'up' | 'reauthenticating'): void {
    this.joinFailures = 0;
    this.rescanDue = false;
    this.notSentInARow = 0;
    if (this.everUp) this.o.counters.rejoins++;
    this.everUp = true;
    this.joinCount++;
    this.enter(state);
    this.log.info('PANA session up', { meter: pan.addr, channel: pan.channel });
  }

  private async term(): Promise<'ended' | 'no-session' | 'timeout'> {
    const client = this.client;
    if (!client) return 'timeout';
    const r = await withTimeout(
      client.term().catch(() => null),
      this.t.term,
    );
    return r ?? 'timeout';
  }

  // ---- gates -------------------------------------------------------------------------------

  /** Lets a send through while up; waits (bounded) through re-authentication and the TX limit. */
  private async gate(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.t.gate;
    for (;;) {
      if (signal?.aborted) throw new HemsError('ABORTED', 'aborted');
      if (this.needsInit) throw this.resetError();
      if (!this.client || this.dead) throw new HemsError('DONGLE_CLOSED', 'the dongle port closed');
      if (this.st.name === 'up') return;
      if (!this.sessionUp()) throw new HemsError('PANA_SESSION_LOST', 'the PANA session ended');
      const left = deadline - Date.now();
      if (left > 0 && (await this.changed.wait(left, signal))) continue;
      if (signal?.aborted) throw new HemsError('ABORTED', 'aborted');
      if (this.st.name === 'tx-limited') {
        if (!(await this.readSfb())) this.releaseTxLimit('SFB = 0');
        else throw new HemsError('TX_LIMIT', 'the dongle is in its transmission-time limit (EVENT 32)');
        continue;
      }
      this.sessionLost('PANA re-authentication did not finish');
      throw new HemsError('PANA_SESSION_LOST', 'PANA re-authentication did not finish');
    }
  }

  private async waitTxLimit(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.t.gate;
    while (this.st.name === 'tx-limited') {
      const left = deadline - Date.now();
      if (left > 0 && (await this.changed.wait(left, signal))) {
        if (signal?.aborted) throw new HemsError('ABORTED', 'aborted');
        continue;
      }
      if (signal?.aborted) throw new HemsError('ABORTED', 'aborted');
      // EVENT 33 may have gone to nobody (the limit ended while the port was closed).
      if (!(await this.readSfb())) this.releaseTxLimit('SFB = 0');
      else throw new HemsError('TX_LIMIT', 'the dongle is in its transmission-time limit (EVENT 32)');
    }
  }

  // ---- events ------------------------------------------------------------------------------

  private onEvent(e: SkEvent): void {
    switch (e.kind) {
      case 'erxudp':
        for (const l of this.udpListeners) l(e.udp);
        return;
      case 'closed':
        this.dead = true;
        this.setState({ name: 'closed' });
        this.fireDown(new HemsError('DONGLE_CLOSED', 'the dongle port closed'));
        return;
      case 'echo':
        this.moduleReset(`it echoed "${e.text.split(' ')[0]}" although echo was off`);
        return;
      case 'event':
        this.onDongleEvent(e.num, e.sender);
        return;
      default:
        return;
    }
  }

  private onDongleEvent(num: number, sender: string): void {
    // Session events name the PAA (the meter); anything else is not about our session (§A.5).
    const ours = this.resolved !== null && sameAddress(sender, this.resolved.ipv6);
    if (ours && num >= 0x24 && num <= 0x29) this.sessionEpoch++;
    const s = this.st;
    const resumeIs = (r: Resume): boolean => s.name === 'tx-limited' && s.resume === r;
    switch (num) {
      case 0x25:
        if (!ours || !this.sessionUp()) {
          // Not in a session of ours: a join left over from an earlier process (or not yet
          // resolved meter). Kept, and used only when it turns out to be our meter.
          this.leftover = { num, sender };
          return;
        }
        if (s.name === 'reauthenticating' || resumeIs('reauthenticating')) this.enter('up');
        return;
      case 0x29:
        if (!ours || !this.sessionUp()) {
          this.leftover = { num, sender };
          return;
        }
        // Lifetime expired; with S17 = 1 the dongle re-authenticates by itself (§D.4).
        this.enter('reauthenticating');
        return;
      case 0x24:
      case 0x26:
      case 0x27:
      case 0x28:
        if (this.leftover && sameAddress(this.leftover.sender, sender)) this.leftover = null;
        if (ours && this.sessionUp()) this.sessionLost(`EVENT ${num.toString(16).toUpperCase()}`);
        return;
      case 0x32:
        this.startTxLimit('EVENT 32');
        return;
      case 0x33:
        this.releaseTxLimit('EVENT 33');
        return;
      default:
        return;
    }
  }

  private startTxLimit(why: string, resumeAs?: Resume): void {
    const s = this.st;
    if (s.name === 'tx-limited') return;
    const resume: Resume = resumeAs ?? (s.name === 'up' || s.name === 'reauthenticating' ? s.name : 'ready');
    this.txEpoch++;
    this.o.counters.txLimitPauses++;
    this.log.warn(`transmission-time limit reached (${why}): nothing is sent until it ends (EVENT 33)`);
    this.setState({ name: 'tx-limited', resume });
  }

  private releaseTxLimit(why: string): void {
    const s = this.st;
    if (s.name !== 'tx-limited') return;
    this.log.info(`transmission-time limit ended (${why})`);
    this.notSentInARow = 0;
    this.setState({ name: s.resume });
  }

  private sessionLost(reason: string): void {
    this.log.warn(`PANA session ended (${reason})`);
    this.enter('ready');
    this.fireDown(new HemsError('PANA_SESSION_LOST', `the PANA session ended (${reason})`));
  }

  private moduleReset(reason: string): void {
    if (this.needsInit) return;
    this.needsInit = true;
    this.o.counters.moduleResets++;
    this.log.warn(`the Wi-SUN module lost its settings (${reason}): initialising it again`);
    const wasUp = this.sessionUp();
    this.setState({ name: 'opening' });
    if (wasUp) this.fireDown(this.resetError());
  }

  private resetError(): HemsError {
    return new HemsError('DONGLE_RESET', 'the Wi-SUN module reset itself; initialising it again');
  }

  private fireDown(e: HemsError): void {
    for (const l of this.downListeners) l(e);
  }

  /**
   * Moves to `name`. During a transmission-time limit the session part is remembered for when
   * it ends instead (the limit stays the state), except for states about the port itself.
   */
  private enter(name: Exclude<LinkStateName, 'tx-limited'>): void {
    const s = this.st;
    if (s.name === 'tx-limited' && name !== 'closed' && name !== 'opening') {
      const resume: Resume = name === 'up' || name === 'reauthenticating' ? name : 'ready';
      this.setState({ name: 'tx-limited', resume });
      return;
    }
    this.setState({ name });
  }

  /** Every state change passes here: one debug line per transition, and waiters re-check. */
  private setState(next: LinkState): void {
    const from = this.st.name;
    this.st = next;
    if (from !== next.name) this.log.debug(`link: ${from} → ${next.name}`);
    this.changed.notify();
  }
}
