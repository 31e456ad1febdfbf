/**
 * ECHONET Lite requests over the link: fresh TIDs, reply waiters, resends, and the intake of
 * the meter's UDP traffic (replies, INF / INFC notifications), protocol.md §B.3, §D.4.
 */
import { EOJ, ESV } from '../echonet/esv.js';
import { decodeFrame, encodeFrame, type Frame, getRequest } from '../echonet/frame.js';
import { decodeFixedTime } from '../echonet/meter.js';
import { HemsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Erxudp } from '../skstack/erxudp.js';
import type { MeterNotice, SourceCounters } from './api.js';
import type { Link } from './link.js';
import type { SessionTimeouts } from './options.js';
import { delay, withTimeout } from './wait.js';

const ECHONET_PORT = 0x0e1a;

interface Waiter {
  expect: readonly number[];
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

export class Requester {
  private tid = Math.floor(Math.random() * 0xffff);
  private readonly waiters = new Map<number, Waiter>();
  /** Requests in a row without any reply: the meter may be gone (§D.4). */
  private misses = 0;
  private readonly notices = new Set<(n: MeterNotice) => void>();
  /** Durations (ms) of the last answered requests. */
  private readonly recent: number[] = [];

  constructor(
    private readonly link: Link,
    private readonly t: SessionTimeouts,
    private readonly counters: SourceCounters,
    private readonly log: Logger,
  ) {
    link.onUdp((u) => this.onUdp(u));
    link.onDown((e) => this.failAll(e));
  }

  /** How long answered requests took lately (the slowest of the last few); until known, a reply wait. */
  usualMs(): number {
    return this.recent.length === 0 ? this.t.response : Math.max(...this.recent);
  }

  onNotice(listener: (n: MeterNotice) => void): () => void {
    this.notices.add(listener);
    return () => this.notices.delete(listener);
  }

  get(epcs: readonly number[], signal?: AbortSignal, yieldAt?: number): Promise<Frame> {
    return this.request(
      getRequest(0, EOJ.controller, EOJ.smartMeter, epcs),
      [ESV.Get_Res, ESV.Get_SNA],
      signal,
      yieldAt,
    );
  }

  /**
   * Sends one request and waits for the reply matched by TID + SEOJ 028801 + ESV. A missing
   * reply is re-sent with a fresh TID; a reply to any attempt's TID settles it, since a meter
   * slower than `response` answers an earlier attempt late (§D.2). Too many sends the dongle
   * could not make, or too many requests without a reply, end in METER_UNREACHABLE /
   * METER_TIMEOUT, on which the session is ended and joined again.
   *
   * `yieldAt` (epoch ms) is when the next live reading is due: an attempt starts only when the
   * usual duration of a request fits before it, and no wait runs past it; then the request
   * ends with ABORTED (context.deferred) — it was not a miss — and is asked again later.
   */
  async request(
    frame: Pick<Frame, 'esv' | 'properties'>,
    expect: readonly number[],
    signal?: AbortSignal,
    yieldAt?: number,
  ): Promise<Frame> {
    let settle!: { resolve: (f: Frame) => void; reject: (e: Error) => void };
    const reply = new Promise<Frame>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let answer: Frame | null = null;
    reply.then(
      (f) => {
        answer = f;
      },
      () => undefined,
    );
    const tids: number[] = [];
    let notSent = 0;
    const started = Date.now();
    const left = (): number => (yieldAt === undefined ? Number.POSITIVE_INFINITY : yieldAt - Date.now());
    try {
      for (let attempt = 0; attempt <= this.t.resends; ) {
        if (answer) return this.answered(answer, started);
        if (left() <= 0 || left() < this.usualMs()) throw yielded();
        const tid = this.nextTid();
        const bytes = encodeFrame({ ...frame, tid, seoj: EOJ.controller, deoj: EOJ.smartMeter });
        tids.push(tid);
        this.waiters.set(tid, { expect, ...settle });
        if (!(await this.link.send(bytes, signal))) {
          // EVENT 21 param 01: not sent (CCA, TX limit, no ACK). Wait and send again (§D.4).
          this.waiters.delete(tid);
          if (++notSent > this.t.resends + 2) {
            throw new HemsError(
              'METER_UNREACHABLE',
              `the dongle could not send to the meter ${notSent} times`,
              {
                notSent,
              },
            );
          }
          if (left() < this.t.sendFailDelay) throw yielded();
          await delay(this.t.sendFailDelay, signal);
          continue;
        }
        const wait = Math.max(0, Math.min(this.t.response, left()));
        const got = await withTimeout(reply, wait, signal);
        if (got) return this.answered(got, started);
        if (signal?.aborted) throw new HemsError('ABORTED', 'request aborted');
        if (wait < this.t.response) throw yielded();
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
            'METER_UNREACHABLE',
            `no reply from the meter after ${this.t.reopenAfterMisses} tries`,
          );
        }
      }
      throw new HemsError('METER_TIMEOUT', `no reply from the meter after ${this.t.resends + 1} tries`);
    } finally {
      for (const t of tids) this.waiters.delete(t);
    }
  }

  private answered(f: Frame, started: number): Frame {
    this.misses = 0;
    this.recent.push(Date.now() - started);
    if (this.recent.length > 8) this.recent.shift();
    return f;
  }

  private nextTid(): number {
    this.tid = (this.tid % 0xffff) + 1;
    return this.tid;
  }

  private failAll(err: HemsError): void {
    for (const [tid, w] of this.waiters) {
      this.waiters.delete(tid);
      w.reject(err);
    }
  }

  /** Only ECHONET from our meter on 0E1A, side B, is ours (§A.7). */
  private onUdp(u: Erxudp): void {
    const pan = this.link.pan;
    if (u.rport !== ECHONET_PORT || u.lport !== ECHONET_PORT) return;
    if (!pan || u.sender.toUpperCase() !== pan.ipv6) return;
    if (u.side !== null && u.side !== 0) return;
    let frame: Frame;
    try {
      frame = decodeFrame(u.data);
    } catch {
      return;
    }
    if (frame.seoj !== EOJ.smartMeter) return;
    if (frame.esv === ESV.INF || frame.esv === ESV.INFC) {
      this.onNotification(frame, pan.addr);
      return;
    }
    const w = this.waiters.get(frame.tid);
    if (w?.expect.includes(frame.esv)) {
      this.waiters.delete(frame.tid);
      w.resolve(frame);
    }
  }

  /** INF/INFC with EA/EB go to the listeners; INFC is answered with INFC_Res (§B.3). */
  private onNotification(frame: Frame, meter: string): void {
    const fixed = frame.properties.find((p) => p.epc === 0xea);
    const reverse = frame.properties.find((p) => p.epc === 0xeb);
    if (fixed || reverse) {
      const notice: MeterNotice = {
        meter,
        fixed: fixed ? decodeFixedTime(fixed.edt) : null,
        fixedReverse: reverse ? decodeFixedTime(reverse.edt) : null,
      };
      for (const l of this.notices) l(notice);
    }
    if (frame.esv === ESV.INFC) {
      this.link.sendQuietly(
        encodeFrame({
          tid: frame.tid,
          seoj: EOJ.controller,
          deoj: frame.seoj,
          esv: ESV.INFC_Res,
          properties: frame.properties.map((p) => ({ epc: p.epc, edt: new Uint8Array(0) })),
        }),
      );
    }
  }
}

function yielded(): HemsError {
  return new HemsError('ABORTED', 'the next live reading comes first', { deferred: true });
}
