import { hex, type Out } from './output.js';
import { type Cancel, fail, LATENCY, meterHears, type Radio } from './radio.js';
import { Reauth } from './reauth.js';

export type LinkState = 'down' | 'joining' | 'up' | 'reauth';
/** What a previous process may leave in the dongle (Faults.staleSession). */
export type StaleKind = 'up' | 'joining' | 'reauth';

export interface LinkHooks {
  /** A session came up; `fresh` after a join (the meter then multicasts its instance list). */
  sessionUp(fresh: boolean): void;
}

/**
 * The dongle's PANA session with the meter (§A.4 SKJOIN/SKREJOIN/SKTERM, §A.5, §D.4): join,
 * termination, expiry, silent loss on a module reset, and sessions left over by a previous
 * process. `epoch` changes whenever a join starts or the session ends, so steps still pending
 * from an older session are dropped.
 */
export class PanaLink {
  state: LinkState = 'down';
  /** The meter address the session is (or is being) established with. */
  peer: string | null = null;
  epoch = 0;
  readonly reauth: Reauth;
  private onAttach: (() => void) | null = null;
  private joinSteps: Cancel[] = [];

  constructor(
    private readonly r: Radio,
    private readonly hooks: LinkHooks,
  ) {
    this.reauth = new Reauth(r, this);
  }

  get up(): boolean {
    return this.state === 'up';
  }

  /** SKJOIN (credentials already registered); `credsOk` = the meter accepts them. */
  join(target: string, credsOk: boolean): Out[] {
    if (this.state === 'up' || this.state === 'reauth') return fail('10'); // still holds a session
    const r = this.r;
    r.counters.joins++;
    const epoch = this.begin(target);
    if (r.faults.txLimit) {
      // PANA cannot transmit (§A.5 EVENT 32): the join fails at once.
      this.step(LATENCY.refused, () => this.lost(epoch));
      return ['OK'];
    }
    const o = r.site.model.options;
    const reachable =
      meterHears(r, target) && r.reg('S02') === hex(o.channel, 2) && r.reg('S03') === hex(o.panId, 4);
    const forcedFailure = r.faults.take('joinFailures');
    if (reachable) {
      this.step(LATENCY.join / 6, () =>
        r.emit([r.fmt.event('21', target, '02'), r.fmt.event('02', target), r.pana(1, false)]),
      );
    }
    if (!reachable || !credsOk || forcedFailure) {
      this.step(LATENCY.joinFail, () => this.lost(epoch));
      return ['OK'];
    }
    this.complete(epoch, target);
    return ['OK'];
  }

  /** SKREJOIN: re-authenticate now. */
  rejoin(): Out[] {
    if (this.state !== 'up') return fail('10');
    this.step(0, () => this.reauth.start());
    return ['OK'];
  }

  /** SKTERM: EVENT 27, or EVENT 28 when the meter cannot be reached (the session ends anyway). */
  term(): Out[] {
    if (this.state !== 'up' && this.state !== 'reauth') return fail('10');
    const r = this.r;
    const peer = this.peer!;
    const answered = !r.faults.txLimit && meterHears(r, peer);
    this.reauth.cancel();
    this.step(answered ? LATENCY.term : LATENCY.term * 10, () => {
      this.end();
      r.emit([r.fmt.event(answered ? '27' : '28', peer)]);
    });
    return ['OK'];
  }

  /** EVENT 29 (lifetime elapsed), then EVENT 25 (re-authenticated) or EVENT 24 after ≈ 4 s. */
  expire(autoReauth: boolean): void {
    if (this.state !== 'up') return;
    const r = this.r;
    const peer = this.peer!;
    const epoch = this.epoch;
    this.reauth.cancel();
    this.state = 'reauth';
    r.emit([r.fmt.event('29', peer)]);
    this.step(LATENCY.reauth, () => {
      if (this.state !== 'reauth') return;
      if (autoReauth && !r.faults.txLimit && meterHears(r, peer)) {
        this.state = 'up';
        r.emit([r.pana(7, true), r.fmt.event('25', peer)]);
        this.reauth.restart();
      } else this.lost(epoch);
    });
  }

  /** The meter ends the session: EVENT 26. */
  terminate(): void {
    if (this.state === 'down') return;
    const peer = this.peer ?? this.r.site.ip;
    this.end();
    this.r.emit([this.r.fmt.event('26', peer)]);
  }

  /** Ends the session (or join) of `epoch` with EVENT 24. */
  lost(epoch: number): void {
    if (this.epoch !== epoch || this.state === 'down') return;
    const peer = this.peer!;
    this.end();
    this.r.emit([this.r.fmt.event('24', peer)]);
  }

  /** Module reset: the session is gone without a word. */
  drop(): void {
    this.end();
    this.onAttach = null;
  }

  /** The state a previous process left; what is due "soon after attach" waits for the next host. */
  leaveStale(kind: StaleKind): void {
    const meter = this.r.site.ip;
    if (kind === 'joining') {
      const epoch = this.begin(meter);
      this.onAttach = () => this.complete(epoch, meter);
      return;
    }
    this.begin(meter);
    this.establish(false);
    this.onAttach = kind === 'reauth' ? () => this.step(LATENCY.join / 6, () => this.expire(true)) : null;
  }

  hostAttached(): void {
    const f = this.onAttach;
    this.onAttach = null;
    f?.();
  }

  /** The PANA exchange of a successful join, ending with EVENT 25 after the join latency. */
  private complete(epoch: number, target: string): void {
    if (this.epoch !== epoch) return;
    const r = this.r;
    this.step(LATENCY.join / 2, () => r.emit([r.fmt.event('21', target, '00'), r.pana(2, false)]));
    this.step(LATENCY.join, () => {
      if (this.state !== 'joining') return;
      if (!meterHears(r, target)) return this.lost(epoch);
      this.establish(true);
      r.emit([r.fmt.event('21', target, '00'), r.pana(3, true), r.fmt.event('25', target)]);
    });
  }

  private establish(fresh: boolean): void {
    this.state = 'up';
    this.reauth.restart();
    this.hooks.sessionUp(fresh);
  }

  private begin(target: string): number {
    this.end();
    this.state = 'joining';
    this.peer = target;
    return this.epoch;
  }

  private end(): void {
    for (const c of this.joinSteps.splice(0)) c();
    this.reauth.cancel();
    this.state = 'down';
    this.peer = null;
    this.epoch++;
  }

  /** A step of the current session or join; dropped when the session ends first. */
  private step(ms: number, fn: () => void): void {
    const epoch = this.epoch;
    const cancel = this.r.after(ms, () => {
      if (this.epoch === epoch) fn();
    });
    this.joinSteps.push(cancel);
  }
}
