import { decodeFrame, encodeFrame, type Frame } from '../echonet/frame.js';
import type { RequestStats } from './meter-object.js';
import { type Datagram, hex, MULTICAST } from './output.js';
import type { PanaLink } from './pana-link.js';
import { LATENCY, meterHears, type Radio } from './radio.js';
import { strayDatagrams } from './traffic.js';

/**
 * ECHONET traffic with the meter over the session (§B.3): answers to our requests after the
 * radio latency, the instance-list INF after a join, EA/EB INF after each half hour, and (with
 * the stray-traffic fault) datagrams that are not for us. Nothing comes from a meter that does
 * not hear us (silent, swapped away) or once the session is gone.
 */
export class MeterTraffic {
  private announced = 0;
  private strays = 0;
  private answers = 0;

  constructor(
    private readonly r: Radio,
    private readonly link: PanaLink,
    private readonly onReply: ((frame: Frame) => void) | undefined,
  ) {}

  /** The meter handles one datagram sent to UDP 3610; its answer comes back as ERXUDP. */
  request(payload: Uint8Array): void {
    const r = this.r;
    let request: Frame;
    try {
      request = decodeFrame(payload);
    } catch {
      return;
    }
    const stats: RequestStats = { propertiesRequested: 0, epcs: [] };
    const response = r.site.object.handle(request, stats);
    r.counters.propertiesRequested += stats.propertiesRequested;
    for (const epc of stats.epcs) {
      const key = hex(epc, 2);
      r.counters.epcsRequested[key] = (r.counters.epcsRequested[key] ?? 0) + 1;
    }
    if (!response || r.faults.take('dropResponses')) return;
    const every = r.faults.dropEvery;
    if (every > 0 && ++this.answers % every === 0) return;
    const meter = r.site.ip;
    r.after(LATENCY.get, () => {
      if (!this.hears(meter)) return;
      if (r.faults.strayTraffic) this.stray();
      r.emit([r.fmt.erxudp(this.datagram(r.ownIp, response))]);
      this.onReply?.(response);
    });
  }

  /** A session came up: half hours already past are not announced again; a join gets the instance list. */
  sessionUp(fresh: boolean): void {
    const r = this.r;
    this.announced = r.site.clock.dueNotification();
    if (!fresh) return;
    r.after(LATENCY.inf, () => {
      if (this.hears(r.site.ip))
        r.emit([r.fmt.erxudp(this.datagram(MULTICAST, r.site.object.instanceListInf()))]);
    });
  }

  /** EA (and EB) INF within a few minutes after each :00/:30 of the meter's clock (§B.3). */
  tick(): void {
    const r = this.r;
    if (!this.hears(r.site.ip)) return;
    const due = r.site.clock.dueNotification();
    if (due <= this.announced) return;
    this.announced = due;
    if (r.faults.strayTraffic) this.stray();
    r.emit(r.site.object.fixedTimeInfs().map((f) => r.fmt.erxudp(this.datagram(MULTICAST, f))));
  }

  private hears(meter: string): boolean {
    return this.link.up && this.link.peer === meter && meterHears(this.r, meter);
  }

  private stray(): void {
    const r = this.r;
    const grams = strayDatagrams(r.site.ip, r.site.model.options.mac, r.ownIp, ++this.strays);
    r.emit(['', ...grams.map((g) => r.fmt.erxudp(g)), '']);
  }

  private datagram(dest: string, frame: Frame): Datagram {
    return {
      sender: this.r.site.ip,
      dest,
      rport: 0x0e1a,
      lport: 0x0e1a,
      senderMac: this.r.site.model.options.mac,
      secured: true,
      data: encodeFrame(frame),
    };
  }
}
