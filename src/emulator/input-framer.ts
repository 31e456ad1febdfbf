/**
 * Splits what the host writes into dongle input units (protocol.md §A.2, §A.4 SKSENDTO):
 * - a command line ended by CR (a following LF is swallowed; product commands use CR only),
 * - an SKSENDTO: text header up to the space after DATALEN, then exactly DATALEN raw bytes,
 *   with no line terminator. Which argument is DATALEN follows from the header's shape: a
 *   4-character 5th argument is the single-hop DATALEN, otherwise the 6th is (dual-stack).
 */
export type InputUnit =
  | { kind: 'line'; text: string; terminator: '\r' | '\r\n' | '\n' }
  | { kind: 'sendto'; header: string; args: string[]; payload: Uint8Array };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const SENDTO = Buffer.from('SKSENDTO ', 'latin1');

export class InputFramer {
  private buf: Buffer = Buffer.alloc(0);
  private swallowLf = false;

  push(chunk: Uint8Array): InputUnit[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: InputUnit[] = [];
    for (;;) {
      if (this.swallowLf && this.buf.length > 0) {
        if (this.buf[0] === LF) this.buf = this.buf.subarray(1);
        this.swallowLf = false;
      }
      const unit = this.next();
      if (!unit) return out;
      out.push(unit);
    }
  }

  private next(): InputUnit | null {
    const b = this.buf;
    if (b.length === 0) return null;
    const prefix = b.subarray(0, SENDTO.length);
    if (SENDTO.subarray(0, prefix.length).equals(prefix)) {
      if (prefix.length < SENDTO.length) {
        if (!hasTerminator(b)) return null;
      } else {
        const s = this.sendto();
        if (s !== 'line') return s;
      }
    }
    const end = b.findIndex((c) => c === CR || c === LF);
    if (end < 0) return null;
    const text = b.subarray(0, end).toString('latin1');
    let terminator: '\r' | '\r\n' | '\n' = b[end] === LF ? '\n' : '\r';
    let used = end + 1;
    if (terminator === '\r') {
      if (b.length > end + 1) {
        if (b[end + 1] === LF) {
          terminator = '\r\n';
          used++;
        }
      } else this.swallowLf = true;
    }
    this.buf = b.subarray(used);
    return { kind: 'line', text, terminator };
  }

  /** An SKSENDTO unit, null while incomplete, 'line' when the header ends in CR/LF first. */
  private sendto(): InputUnit | null | 'line' {
    const b = this.buf;
    const args: string[] = [];
    let start = SENDTO.length;
    for (let i = start; i < b.length; i++) {
      const c = b[i]!;
      if (c === CR || c === LF) return 'line';
      if (c !== SP) continue;
      args.push(b.subarray(start, i).toString('latin1'));
      start = i + 1;
      const lenAt = args.length >= 5 && args[4]!.length === 4 ? 4 : args.length >= 6 ? 5 : -1;
      if (lenAt < 0) continue;
      const len = /^[0-9A-Fa-f]{4}$/.test(args[lenAt]!) ? Number.parseInt(args[lenAt]!, 16) : 0;
      if (b.length < start + len) return null;
      this.buf = b.subarray(start + len);
      return {
        kind: 'sendto',
        header: b.subarray(0, start).toString('latin1'),
        args,
        payload: Uint8Array.from(b.subarray(start, start + len)),
      };
    }
    return null;
  }
}

function hasTerminator(b: Buffer): boolean {
  return b.includes(CR) || b.includes(LF);
}
