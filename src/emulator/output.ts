import type { DongleProfile } from './profiles.js';

/** One piece of dongle output: a text line (CRLF added), raw bytes as they are. */
export type Out = string | Uint8Array;

export const MULTICAST = 'FF02:0000:0000:0000:0000:0000:0000:0001';

export interface Datagram {
  sender: string;
  dest: string;
  rport: number;
  lport: number;
  senderMac: string;
  secured: boolean;
  data: Uint8Array;
}

/** Formats dongle output lines for one dialect (protocol.md §A.5–§A.7). */
export class Formatter {
  constructor(
    private readonly profile: DongleProfile,
    private readonly reg: (name: string) => string,
    private readonly hexMode: () => boolean,
  ) {}

  /** `EVENT <num> <sender> [<side>] [<param>]`; the side field only on dual-stack. */
  event(num: string, sender: string, param?: string): string {
    const side = this.profile.dualStack ? ' 0' : '';
    return `EVENT ${num} ${sender}${side}${param === undefined ? '' : ` ${param}`}`;
  }

  /** An ERXUDP line: 9 fields single-hop, 10 dual-stack, 11 with RSSI (SA2 = 1). */
  erxudp(d: Datagram): Uint8Array {
    const fields = [d.sender, d.dest, hex4(d.rport), hex4(d.lport), d.senderMac];
    const sec = d.secured ? '1' : '0';
    if (!this.profile.dualStack) fields.push(sec);
    else if (this.reg('SA2') === '1') fields.push('B4', sec, '0');
    else fields.push(sec, '0');
    fields.push(hex4(d.data.length));
    const head = Buffer.from(`ERXUDP ${fields.join(' ')} `, 'latin1');
    const body = this.hexMode()
      ? Buffer.from(Buffer.from(d.data).toString('hex').toUpperCase(), 'latin1')
      : d.data;
    return Buffer.concat([head, body, Buffer.from('\r\n')]);
  }

  /** EPANDESC block lines (§A.6). */
  panDesc(channel: number, panId: number, mac: string, pairId: string | null): string[] {
    const lines = [
      'EPANDESC',
      `  Channel:${hex(channel, 2)}`,
      '  Channel Page:09',
      `  Pan ID:${hex(panId, 4)}`,
      `  Addr:${mac}`,
      '  LQI:6E',
    ];
    if (this.profile.dualStack) lines.push('  Side:0');
    if (pairId !== null) lines.push(`  PairID:${pairId}`);
    return lines;
  }
}

export function hex(n: number, digits: number): string {
  return n.toString(16).toUpperCase().padStart(digits, '0');
}

function hex4(n: number): string {
  return hex(n, 4);
}

/** Serialises a block of output; text lines get CRLF. */
export function serialise(parts: readonly Out[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(`${p}\r\n`, 'latin1') : p)));
}
