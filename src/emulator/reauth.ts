import type { Out } from './output.js';
import type { PanaLink } from './pana-link.js';
import { type Cancel, LATENCY, meterHears, type Radio } from './radio.js';

/**
 * How long a due re-authentication waits for the host's next send to land in, before it runs
 * on its own (emulated ms): longer than a 5-minute poll, so a polling collector always meets it.
 */
export const REAUTH_GRACE = 600_000;
/** While the transmit-time limit holds, a due re-authentication retries this often. */
const RETRY = 10_000;

/**
 * The dongle's own PANA re-authentication (S17 = 1: at 80 % of the granted lifetime, §A.4
 * SKREJOIN, §D.2), every `faults.reauthEvery` emulated seconds of session. The dongle's PANA
 * sends go to the meter's address, like our Gets, so its `EVENT 21 <meter> 00/01` lines are
 * indistinguishable from ours. Adversarial on purpose: once due, it starts inside the host's
 * next SKSENDTO reply (a failed PANA retransmission and a PANA send before that send's own
 * EVENT 21 and OK, one more right after), then PANA ERXUDP on 02CC around the Get's answer, then
 * EVENT 25. The session stays up throughout: Gets keep working.
 */
export class Reauth {
  private timer: Cancel | null = null;
  /** Real-time ms (performance.now) of the last (re)authentication. */
  private authAt = 0;
  private due = false;
  private running = false;
  /** Counts exchanges, so steps of a cancelled one never act in a later one. */
  private exchanges = 0;

  constructor(
    private readonly r: Radio,
    private readonly link: PanaLink,
  ) {}

  /** The session was just (re)authenticated: the period counts from now. */
  restart(): void {
    this.cancel();
    this.authAt = performance.now();
    this.arm();
  }

  /** faults.reauthEvery changed: the new period counts from the last authentication. */
  rearm(): void {
    if (!this.link.up || this.running) return;
    this.due = false;
    this.arm();
  }

  cancel(): void {
    this.timer?.();
    this.timer = null;
    this.due = false;
    this.running = false;
  }

  /**
   * Lines a SKSENDTO to `ip` carries when a re-authentication is due: `before` goes ahead of the
   * send's own EVENT 21 … 00 and OK, `after` right behind them.
   */
  inject(ip: string): { before: Out[]; after: Out[] } {
    if (!this.due || ip !== this.link.peer || this.r.faults.txLimit || !meterHears(this.r, ip)) {
      return { before: [], after: [] };
    }
    this.begin();
    const ev = (param: string) => this.r.fmt.event('21', ip, param);
    this.exchange(ip);
    return { before: [ev('01'), ev('00')], after: [ev('00')] };
  }

  /** Re-authenticates now (SKREJOIN, or no send came while due). */
  start(): void {
    const r = this.r;
    const peer = this.link.peer;
    if (!this.link.up || peer === null || this.running) return;
    if (r.faults.txLimit) {
      this.timer?.();
      this.due = true;
      this.timer = r.after(RETRY, () => this.start());
      return;
    }
    this.begin();
    if (!meterHears(r, peer)) {
      // Nobody answers the PANA messages: after the retransmissions the session is lost.
      const epoch = this.link.epoch;
      r.emit([r.fmt.event('21', peer, '01')]);
      this.timer = r.after(LATENCY.joinFail, () => this.link.lost(epoch));
      return;
    }
    r.emit([r.fmt.event('21', peer, '00')]);
    this.exchange(peer);
  }

  private arm(): void {
    this.timer?.();
    this.timer = null;
    const every = this.r.faults.reauthEvery;
    const scale = this.r.latencyScale;
    if (!(every > 0) || !(scale > 0)) return;
    const leftReal = this.authAt + every * 1000 * scale - performance.now();
    this.timer = this.r.after(Math.max(0, leftReal) / scale, () => {
      this.due = true;
      this.timer = this.r.after(REAUTH_GRACE, () => this.start());
    });
  }

  private begin(): void {
    this.timer?.();
    this.timer = null;
    this.due = false;
    this.running = true;
    this.exchanges++;
  }

  /** The rest of the exchange: PANA from the meter on 02CC, our PANA sends, EVENT 25. */
  private exchange(ip: string): void {
    const r = this.r;
    const epoch = this.link.epoch;
    const exchange = this.exchanges;
    const step = (ms: number, fn: () => void) =>
      r.after(ms, () => {
        if (this.link.epoch === epoch && this.link.up && this.running && this.exchanges === exchange) fn();
      });
    step(LATENCY.reauth / 4, () => r.emit([r.pana(4, false), r.fmt.event('21', ip, '00')]));
    step((LATENCY.reauth * 5) / 8, () => r.emit([r.pana(5, false)]));
    step(LATENCY.reauth, () => {
      if (!meterHears(r, ip)) return this.link.lost(epoch);
      r.emit([r.fmt.event('21', ip, '00'), r.pana(6, true), r.fmt.event('25', ip)]);
      this.restart();
    });
  }
}
