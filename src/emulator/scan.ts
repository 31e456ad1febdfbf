import { hex, type Out } from './output.js';
import { fail, LATENCY, type Radio } from './radio.js';

/**
 * SKSCAN (§A.4): ED scan (mode 0) or active scan (2 with the pairing ID, 3 without). The meter
 * answers only when it hears us: not silent, not while the transmit-time limit cancels the
 * beacon requests (then the scan ends quickly with EVENT 22 alone).
 */
export class Scanner {
  private scanning = false;

  constructor(
    private readonly r: Radio,
    /** The pairing ID (S0A, from SKSETRBID) matches the meter's. */
    private readonly paired: () => boolean,
  ) {}

  reset(): void {
    this.scanning = false;
  }

  /** `args` has the edition's count (checked by the caller). */
  scan(args: string[]): Out[] {
    const r = this.r;
    const dual = r.profile.dualStack;
    const [mode, maskText, durText, side] = args as [string, string, string, string | undefined];
    if (!['0', '2', '3'].includes(mode) || !/^[0-9A-Fa-f]{1,8}$/.test(maskText)) return fail('06');
    if (!/^[0-9A-Fa-f]$/.test(durText) || Number.parseInt(durText, 16) > 14) return fail('06');
    if (dual && side !== '0' && side !== '1') return fail('06');
    if (this.scanning) return fail('10');
    this.scanning = true;
    r.counters.scans++;
    const mask = Number.parseInt(maskText, 16);
    const duration = Number.parseInt(durText, 16);
    const perChannel = 10 * (2 ** duration + 1);
    const channels: number[] = [];
    for (let bit = 0; bit < 28; bit++) if (mask & (2 ** bit)) channels.push(0x21 + bit);
    const o = r.site.model.options;
    const done = (): void => {
      this.scanning = false;
      if (mode === '0') {
        const ed = channels.map((c) => `${hex(c, 2)} ${c === o.channel ? '6E' : '1A'}`).join(' ');
        r.emit([r.fmt.event('1F', r.ownIp), 'EEDSCAN', ed]);
      } else r.emit([r.fmt.event('22', r.ownIp)]);
    };
    if (mode !== '0' && r.faults.txLimit) {
      r.after(LATENCY.refused, done);
      return ['OK'];
    }
    const missed = r.faults.take('scanMisses');
    const heard =
      mode !== '0' &&
      side !== '1' &&
      duration >= 4 &&
      (mode === '3' || this.paired()) &&
      !missed &&
      !r.faults.meterSilent;
    const pos = channels.indexOf(o.channel);
    if (heard && pos >= 0) {
      const pairId = mode === '2' ? r.reg('S0A') : null;
      r.after((pos + 1) * perChannel, () =>
        r.emit([r.fmt.event('20', r.ownIp), ...r.fmt.panDesc(o.channel, o.panId, o.mac, pairId)]),
      );
    }
    r.after(channels.length * perChannel, done);
    return ['OK'];
  }
}
