import type { ByteStream } from '../../src/transport/types.js';

/**
 * A small scripted peer answering SKSTACK commands like one dongle family would (protocol.md
 * §A, §E). Not the emulator: just enough behaviour to drive the client through each dialect.
 * Each write() of the client is taken as exactly one command (the client must write SKSENDTO
 * header and payload in one write).
 */
export interface ScriptOptions {
  edition: 'single-hop' | 'dual-stack';
  /** ERXUDP format the dongle prints (ROPT bit 0). */
  payload: 'hex' | 'binary';
  /** How ROPT is answered: `OK 0x<CR>`, `FAIL ER04`, or never. */
  ropt: 'yes' | 'er04' | 'silent';
  /** Add the RSSI field to dual-stack ERXUDP (SA2=1, 11 fields). */
  rssi?: boolean;
  /** Splits every output into chunks (default: one chunk). */
  chunker?: (bytes: Uint8Array) => Uint8Array[];
  /** EVENT 21 params sent for SKSENDTO before the final one (e.g. [2]). */
  sendPrelude?: number[];
  sendFinal?: number;
  /** Send OK before EVENT 21 (the manual's order is EVENT 21 first). */
  okFirst?: boolean;
  /** Answer SKJOIN with EVENT 24 instead of 25. */
  joinFails?: boolean;
  /** PANs the scan finds. */
  pans?: Array<{ channel: string; panId: string; addr: string; lqi: string; pairId?: string }>;
  /** Emit a stale EVENT 22 before the SKSCAN reply (§E-5). */
  staleEvent22?: boolean;
  /** Commands that get no answer at all (to exercise timeouts). */
  mute?: string[];
  /** ERXUDP reply payload for each SKSENDTO (null: none). */
  reply?: Uint8Array | null;
  /** How a SKSCAN / SKSENDTO in the other edition's form is answered (§A.1; default ER05). */
  wrongForm?: 'ER04' | 'ER05' | 'ER06' | 'silence';
  /** The EINFO line SKINFO prints (default: the edition's five-field form). */
  einfo?: string;
  /** Lines the dongle prints while handling a SKSENDTO, before that send's own EVENT 21. */
  duringSend?: string[];
  /** Lines printed after the OK of a SKSENDTO (okFirst dongles: before the send's EVENT 21). */
  afterSendOk?: string[];
}

export const DONGLE_IP = 'FE80:0000:0000:0000:021D:1290:1234:5678';
export const METER_MAC = '001C640003DD6393';
export const METER_IP = 'FE80:0000:0000:0000:021C:6400:03DD:6393';

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

export class ScriptedDongle implements ByteStream {
  readonly description = 'scripted';
  /** Every command line received (SKSENDTO: header text only). */
  readonly commands: string[] = [];
  /** Raw writes, to check SKSENDTO bytes. */
  readonly writes: Uint8Array[] = [];
  echo = true;
  payloadMode: 'hex' | 'binary';
  woptCount = 0;
  private receiver: ((c: Uint8Array) => void) | null = null;
  private closers: Array<(e?: Error) => void> = [];
  private closed = false;
  private joined = false;

  constructor(readonly o: ScriptOptions) {
    this.payloadMode = o.payload;
  }

  onData(l: (c: Uint8Array) => void): void {
    this.receiver = l;
  }
  onClose(l: (e?: Error) => void): void {
    this.closers.push(l);
  }
  async close(): Promise<void> {
    this.end();
  }
  /** Simulates the peer going away (unplug). */
  end(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.closers) c(error);
  }

  /** Sends bytes to the client, through the chunker, asynchronously like a real port. */
  send(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? enc(data) : data;
    const chunks = this.o.chunker ? this.o.chunker(bytes) : [bytes];
    setImmediate(() => {
      for (const c of chunks) if (!this.closed) this.receiver?.(c);
    });
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.writes.push(Uint8Array.from(data));
    this.handle(Uint8Array.from(data));
  }

  private lines(...ls: string[]): void {
    this.send(ls.map((l) => `${l}\r\n`).join(''));
  }

  private side(): string {
    return this.o.edition === 'dual-stack' ? ' 0' : '';
  }

  private handle(data: Uint8Array): void {
    const text = Buffer.from(data).toString('latin1');
    if (text.startsWith('SKSENDTO ')) {
      this.sendTo(data);
      return;
    }
    const crOnly = !text.endsWith('\r\n') && text.endsWith('\r');
    const line = text.replace(/\r?\n?$/, '').replace(/\r$/, '');
    this.commands.push(line);
    const word = line.split(' ')[0] ?? '';
    if (this.o.mute?.includes(word)) return;
    if (this.echo && line !== '') this.send(`${line}${crOnly ? '\r' : '\r\n'}`);
    const tok = line.split(' ');
    switch (word) {
      case '':
        // The flushing CRLF: some noise left over from before, then nothing.
        this.send(Uint8Array.from([0xff, 0x00, 0x45, 0x56, 0x0d, 0x0a]));
        return;
      case 'SKSREG':
        if (tok.length === 2) {
          // A read: SA2 exists on dual-stack modules only (§A.4).
          if (tok[1] === 'SA2' && this.o.edition === 'single-hop') this.lines('FAIL ER06');
          else this.lines('ESREG 0', 'OK');
          return;
        }
        if (tok[1] === 'SFE') this.echo = tok[2] !== '0';
        this.lines('OK');
        return;
      case 'SKVER': {
        this.lines('EVER 1.2.10', 'OK');
        return;
      }
      case 'SKINFO': {
        this.lines(
          this.o.einfo ??
            (this.o.edition === 'single-hop'
              ? `EINFO ${DONGLE_IP} 001D129012345678 21 8888 FFFE`
              : `EINFO ${DONGLE_IP} 001D129012345678 21 8888 0`),
          'OK',
        );
        return;
      }
      case 'ROPT':
        if (this.o.ropt === 'silent') return;
        if (this.o.ropt === 'er04') {
          this.lines('FAIL ER04');
          return;
        }
        {
          this.send(`OK ${this.payloadMode === 'hex' ? '01' : '00'}\r`);
          return;
        }
      case 'WOPT':
        this.woptCount++;
        this.payloadMode = tok[1] === '01' ? 'hex' : 'binary';
        {
          this.send('OK\r');
          return;
        }
      case 'SKSETPWD':
      case 'SKSETRBID': {
        this.lines('OK');
        return;
      }
      case 'SKSCAN': {
        this.scan(tok);
        return;
      }
      case 'SKLL64': {
        const mac = tok[1] ?? '';
        const first = (Number.parseInt(mac.slice(0, 2), 16) ^ 0x02)
          .toString(16)
          .toUpperCase()
          .padStart(2, '0');
        const m = first + mac.slice(2);
        this.lines(`FE80:0000:0000:0000:${m.match(/.{4}/g)!.join(':')}`);
        return;
      }
      case 'SKJOIN': {
        this.join();
        return;
      }
      case 'SKTERM':
        if (!this.joined) {
          this.lines('FAIL ER10');
          return;
        }
        this.joined = false;
        {
          this.lines('OK', `EVENT 27 ${METER_IP}${this.side()}`);
          return;
        }
      default: {
        this.lines('FAIL ER04');
        return;
      }
    }
  }

  private scan(tok: string[]): void {
    const want = this.o.edition === 'dual-stack' ? 5 : 4;
    const pre = this.o.staleEvent22 ? `EVENT 22 ${DONGLE_IP}${this.side()}\r\n` : '';
    if (tok.length !== want) {
      this.wrongForm(pre);
      return;
    }
    let out = `${pre}OK\r\n`;
    for (const p of this.o.pans ?? []) {
      out += `EVENT 20 ${DONGLE_IP}${this.side()}\r\nEPANDESC\r\n  Channel:${p.channel}\r\n  Channel Page:09\r\n`;
      out += `  Pan ID:${p.panId}\r\n  Addr:${p.addr}\r\n  LQI:${p.lqi}\r\n`;
      if (this.o.edition === 'dual-stack') out += '  Side:0\r\n';
      if (p.pairId) out += `  PairID:${p.pairId}\r\n`;
    }
    out += `EVENT 22 ${DONGLE_IP}${this.side()}\r\n`;
    this.send(out);
  }

  private join(): void {
    this.joined = !this.o.joinFails;
    const pana =
      '00000058A0000002AB0FB498736E78FC000700000004000000000000000200000004000003AC000400040000000400000000FE010008000000040000000151800001000000100000877B491137BCABC194562415536C3E17';
    this.lines('OK', `EVENT 21 ${METER_IP}${this.side()} 00`);
    this.send(this.erxudp('02CC', 0, Uint8Array.from(Buffer.from(pana, 'hex'))));
    this.lines(
      this.o.joinFails ? `EVENT 24 ${METER_IP}${this.side()}` : `EVENT 25 ${METER_IP}${this.side()}`,
    );
  }

  private sendTo(data: Uint8Array): void {
    // Header = the first 6 (single-hop) or 7 (dual-stack) space-terminated tokens, then raw bytes.
    const want = this.o.edition === 'dual-stack' ? 7 : 6;
    let spaces = 0;
    let i = 0;
    for (; i < data.length && spaces < want; i++) if (data[i] === 0x20) spaces++;
    const header = Buffer.from(data.subarray(0, i)).toString('latin1');
    this.commands.push(header.trimEnd());
    const tok = header.trim().split(' ');
    const len = Number.parseInt(tok[tok.length - 1] ?? '', 16);
    const payload = data.subarray(i);
    if (this.echo) this.send(`${header}\r\n`);
    if (tok.length !== want || !/^[0-9A-F]{4}$/.test(tok[tok.length - 1] ?? '') || payload.length !== len) {
      this.wrongForm('');
      return;
    }
    const evs = [...(this.o.sendPrelude ?? []), this.o.sendFinal ?? 0].map(
      (p) => `EVENT 21 ${METER_IP}${this.side()} ${p.toString(16).padStart(2, '0')}`,
    );
    const during = this.o.duringSend ?? [];
    const after = this.o.afterSendOk ?? [];
    if (this.o.okFirst) this.lines('', 'OK', ...after, ...evs);
    else this.lines(...during, ...evs, '', 'OK', ...after);
    if (this.o.reply) this.send(this.erxudp('0E1A', 1, this.o.reply));
  }

  private wrongForm(pre: string): void {
    const how = this.o.wrongForm ?? 'ER05';
    if (how === 'silence') {
      if (pre) this.send(pre);
      return;
    }
    this.send(`${pre}FAIL ${how}\r\n`);
  }

  /** The module resets with the port open: echo back on, no session (§A.2 SFE). */
  reset(): void {
    this.echo = true;
    this.joined = false;
  }

  /** An ERXUDP in this dongle's layout and current payload format. */
  erxudp(port: string, secured: number, data: Uint8Array): Uint8Array {
    const len = data.length.toString(16).toUpperCase().padStart(4, '0');
    let mid = `${secured}`;
    if (this.o.edition === 'dual-stack') mid = this.o.rssi ? `C4 ${secured} 0` : `${secured} 0`;
    const head = `ERXUDP ${METER_IP} ${DONGLE_IP} ${port} ${port} ${METER_MAC} ${mid} ${len} `;
    const body = this.payloadMode === 'hex' ? enc(Buffer.from(data).toString('hex').toUpperCase()) : data;
    return Uint8Array.from(Buffer.concat([enc(head), body, enc('\r\n')]));
  }
}

/** Chunkers: one byte at a time, or fixed-size pieces. */
export const byteByByte = (b: Uint8Array): Uint8Array[] => [...b].map((x) => Uint8Array.of(x));
export const pieces =
  (n: number) =>
  (b: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
    return out;
  };
