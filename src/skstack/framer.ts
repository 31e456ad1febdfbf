import { toHex } from '../echonet/hex.js';
import type { Edition, PanDesc, PayloadFormat } from './api.js';
import { EDITIONS } from './dialects.js';
import { type Erxudp, isRssiToken, parseErxudpHeader } from './erxudp.js';

/**
 * What the byte-level framer recognises in the dongle's output (protocol.md §A.2, §H).
 * `echo` is a command line the dongle echoed back (SFE=1); `cr-line` ended with CR only
 * (ROPT/WOPT replies, §A.2); `garbage` is anything that could not be framed.
 */
export type SkFrame =
  | { type: 'line'; text: string }
  | { type: 'cr-line'; text: string }
  | { type: 'blank' }
  | { type: 'echo'; text: string }
  | {
      type: 'event';
      num: number;
      sender: string;
      side: number | null;
      param: number | null;
      text: string;
    }
  | { type: 'epandesc'; pan: PanDesc }
  | { type: 'erxudp'; udp: Erxudp; format: PayloadFormat }
  | { type: 'garbage'; bytes: Uint8Array; reason: string };

export interface FramerOptions {
  /** Expected ERXUDP data format; the data itself still decides (see `takeErxudpData`). */
  payload?: PayloadFormat | null;
  /** Known edition, used only to read a lone token after an EVENT's sender (§A.5). */
  edition?: Edition | null;
  /** Longest ordinary line kept; longer ones become garbage (default 1024 bytes). */
  maxLine?: number;
  /** Largest ERXUDP DATALEN accepted (default 2048 bytes; the IPv6 MTU is 1280). */
  maxData?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const ERXUDP_PREFIX = 'ERXUDP ';
const ECHO_RE = /^(SK[A-Z0-9]+|ROPT|WOPT|RUART|WUART)( |$)/;

type State =
  | { s: 'line' }
  /** A CR was seen; the next byte tells CRLF from CR-only. */
  | { s: 'cr' }
  /** Inside an ERXUDP: header parsed, collecting the data bytes. */
  | { s: 'data'; header: ReturnType<typeof parseErxudpHeader>; hexBroken: boolean }
  /** After an over-long line: drop bytes until the next LF. */
  | { s: 'discard' };

/**
 * A byte-level state machine turning chunks (split anywhere) into SkFrames. Pure: no I/O,
 * no timers; `push` returns the frames completed by the chunk.
 */
export class SkFramer {
  private buf: number[] = [];
  private state: State = { s: 'line' };
  /** Open EPANDESC block: its Key:Value pairs; it ends at the first non-indented line. */
  private pan: Map<string, string> | null = null;
  /** While set, a CR completes a line at once (ROPT/WOPT replies may never get an LF). */
  private crMode = false;
  private swallowLf = false;
  private out: SkFrame[] = [];
  private readonly maxLine: number;
  private readonly maxData: number;
  payload: PayloadFormat | null;
  edition: Edition | null;

  constructor(opts: FramerOptions = {}) {
    this.payload = opts.payload ?? null;
    this.edition = opts.edition ?? null;
    this.maxLine = opts.maxLine ?? 1024;
    this.maxData = opts.maxData ?? 2048;
  }

  /** Bytes held for an unfinished line or ERXUDP (bounded by maxLine / maxData). */
  get buffered(): number {
    return this.buf.length;
  }

  /** Tell the framer a CR-terminated reply (ROPT/WOPT) is expected next. */
  expectCr(on: boolean): void {
    this.crMode = on;
  }

  push(chunk: Uint8Array): SkFrame[] {
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!);
    return this.drain();
  }

  /** Ends an open EPANDESC block (e.g. when the stream closes). */
  flush(): SkFrame[] {
    this.endPan();
    return this.drain();
  }

  private drain(): SkFrame[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private byte(b: number): void {
    const st = this.state;
    if (this.swallowLf) {
      this.swallowLf = false;
      if (b === LF) return;
    }
    switch (st.s) {
      case 'discard':
        if (b === LF) this.state = { s: 'line' };
        return;
      case 'data':
        this.buf.push(b);
        this.takeErxudpData(st);
        return;
      case 'cr':
        this.state = { s: 'line' };
        if (b === LF) {
          this.completeLine(false);
          return;
        }
        this.completeLine(true);
        this.byte(b);
        return;
      case 'line':
        if (b === CR) {
          if (this.crMode) {
            this.completeLine(true);
            this.swallowLf = true;
          } else this.state = { s: 'cr' };
          return;
        }
        if (b === LF) {
          // A bare LF also ends a line (tolerance; dongles send CRLF).
          this.completeLine(false);
          return;
        }
        this.buf.push(b);
        if (b === SPACE) this.maybeErxudpHeader();
        if (this.state.s === 'line' && this.buf.length > this.maxLine) {
          this.garbage(this.buf, `line longer than ${this.maxLine} bytes`);
          this.buf = [];
          this.state = { s: 'discard' };
        }
        return;
    }
  }

  /** Called after each space: once the DATALEN token of an ERXUDP header is complete, switch to data. */
  private maybeErxudpHeader(): void {
    const buf = this.buf;
    if (buf.length < ERXUDP_PREFIX.length + 1) return;
    for (let i = 0; i < ERXUDP_PREFIX.length; i++) {
      if (buf[i] !== ERXUDP_PREFIX.charCodeAt(i)) return;
    }
    const text = String.fromCharCode(...buf.slice(ERXUDP_PREFIX.length, -1));
    const tokens = text.split(' ');
    // Header tokens: sender dest rport lport lla [rssi] secured [side] datalen (§A.7). SECURED
    // and SIDE are 1–2 characters; DATALEN is the first 4-hex token after them. RSSI (SA2=1)
    // has no verified width or sign, so up to 4 hex digits with an optional '-' are accepted:
    // it never ends the header, because SECURED always follows it.
    if (tokens.length < 7) return;
    const last = tokens[tokens.length - 1]!;
    const between = tokens.slice(5, -1);
    const rssiForm =
      tokens.length === 9 || (tokens.length >= 7 && between.length >= 1 && !isShortField(between[0]!));
    const fixed = rssiForm ? between.slice(1) : between;
    if (tokens.length > 9 || fixed.some((t) => !isShortField(t)) || (rssiForm && !isRssiToken(between[0]!))) {
      this.garbageLine('ERXUDP header has unexpected fields');
      return;
    }
    if (!/^[0-9A-Fa-f]{4}$/.test(last)) return;
    let header: ReturnType<typeof parseErxudpHeader>;
    try {
      header = parseErxudpHeader(tokens);
    } catch (e) {
      this.garbageLine((e as Error).message);
      return;
    }
    if (header.dataLen > this.maxData) {
      this.garbageLine(`ERXUDP DATALEN ${header.dataLen} exceeds ${this.maxData}`);
      return;
    }
    this.endPan();
    this.buf = [];
    this.state = { s: 'data', header, hexBroken: false };
  }

  /**
   * Decides binary vs hex from the data itself (as go-smartmeter does): in hex mode byte N of
   * the data is a hex digit, so CRLF right after DATALEN bytes can only mean binary; otherwise
   * the data must be 2×DATALEN hex digits then CRLF. The configured format only names an empty
   * payload (DATALEN 0), where both readings agree.
   */
  private takeErxudpData(st: Extract<State, { s: 'data' }>): void {
    const n = st.header.dataLen;
    const buf = this.buf;
    const i = buf.length - 1;
    if (i >= 0 && i < 2 * n && !isHexDigit(buf[i]!)) st.hexBroken = true;
    if (buf.length === n + 2 && buf[n] === CR && buf[n + 1] === LF) {
      this.emitErxudp(st, Uint8Array.from(buf.slice(0, n)), n === 0 ? (this.payload ?? 'binary') : 'binary');
      return;
    }
    if (buf.length < n + 2) return;
    if (st.hexBroken) {
      this.dataGarbage(st, `ERXUDP data is neither ${n} raw bytes nor ${2 * n} hex digits + CRLF`);
      return;
    }
    if (buf.length < 2 * n + 2) return;
    if (buf[2 * n] === CR && buf[2 * n + 1] === LF) {
      const hex = String.fromCharCode(...buf.slice(0, 2 * n));
      this.emitErxudp(st, Uint8Array.from(Buffer.from(hex, 'hex')), 'hex');
      return;
    }
    this.dataGarbage(st, `ERXUDP data is not followed by CRLF after ${2 * n} hex digits`);
  }

  private emitErxudp(st: Extract<State, { s: 'data' }>, data: Uint8Array, format: PayloadFormat): void {
    const { dataLen: _d, ...fields } = st.header;
    this.buf = [];
    this.state = { s: 'line' };
    this.emit({ type: 'erxudp', udp: { ...fields, data }, format });
  }

  private dataGarbage(st: Extract<State, { s: 'data' }>, reason: string): void {
    const bytes = Uint8Array.from(this.buf);
    this.out.push({ type: 'garbage', bytes, reason: `${reason} (from ${st.header.sender})` });
    const last = this.buf[this.buf.length - 1];
    this.buf = [];
    this.state = last === LF ? { s: 'line' } : { s: 'discard' };
  }

  private garbageLine(reason: string): void {
    // Keep reading: the rest of the line up to CRLF is garbage too.
    this.garbage(this.buf, reason);
    this.buf = [];
    this.state = { s: 'discard' };
  }

  private completeLine(crOnly: boolean): void {
    const bytes = this.buf;
    this.buf = [];
    if (bytes.length === 0) {
      this.emit({ type: 'blank' });
      return;
    }
    if (bytes.some((b) => b < 0x20 || b > 0x7e)) {
      if (!bytes.every((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e))) {
        this.garbage(bytes, 'non-ASCII bytes in a line');
        return;
      }
    }
    const text = String.fromCharCode(...bytes);
    if (text.trim() === '') {
      this.emit({ type: 'blank' });
      return;
    }
    if (this.pan) {
      if (text.startsWith(' ') || text.startsWith('\t')) {
        const m = /^\s+([^:]+):(.*)$/.exec(text);
        if (m) this.pan.set(m[1]!.trim(), m[2]!.trim());
        return;
      }
      this.endPan();
    }
    if (text === 'EPANDESC') {
      this.pan = new Map();
      return;
    }
    if (ECHO_RE.test(text)) {
      this.emit({ type: 'echo', text });
      return;
    }
    if (text.startsWith('EVENT ')) {
      const ev = parseEvent(text, this.edition);
      this.emit(ev ?? { type: 'line', text });
      return;
    }
    if (text.startsWith('ERXUDP')) {
      this.garbage(bytes, 'ERXUDP line ended before its DATALEN');
      return;
    }
    this.emit(crOnly ? { type: 'cr-line', text } : { type: 'line', text });
  }

  private endPan(): void {
    const pan = this.pan;
    if (!pan) return;
    this.pan = null;
    const desc = toPanDesc(pan);
    if (desc) this.out.push({ type: 'epandesc', pan: desc });
    else {
      const text = [...pan].map(([k, v]) => `${k}:${v}`).join(' ');
      this.out.push({
        type: 'garbage',
        bytes: Uint8Array.from(Buffer.from(`EPANDESC ${text}`, 'latin1')),
        reason: 'EPANDESC block lacks Channel, Pan ID or Addr',
      });
    }
  }

  private emit(f: SkFrame): void {
    // Any frame other than a blank line closes an open EPANDESC block first.
    if (f.type !== 'blank') this.endPan();
    this.out.push(f);
  }

  private garbage(bytes: number[], reason: string): void {
    this.endPan();
    this.out.push({ type: 'garbage', bytes: Uint8Array.from(bytes), reason });
  }
}

function isShortField(t: string): boolean {
  return t.length >= 1 && t.length <= 2;
}

function isHexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/**
 * `EVENT <NUM> <SENDER> [SIDE] [PARAM]` (§A.5). Two tokens after the sender are SIDE and PARAM.
 * A lone token is SIDE on dual-stack and PARAM on single-hop; with the edition unknown, only
 * EVENT 21 (and 45) carry a PARAM, so a lone token on any other event is a SIDE.
 */
export function parseEvent(
  text: string,
  edition: Edition | null = null,
): Extract<SkFrame, { type: 'event' }> | null {
  const tok = text.trim().split(/\s+/);
  const numTok = tok[1];
  if (!numTok || !/^[0-9A-Fa-f]{1,2}$/.test(numTok) || tok.length > 5) return null;
  const num = Number.parseInt(numTok, 16);
  const sender = (tok[2] ?? '').toUpperCase();
  const rest = tok.slice(3);
  if (!rest.every((t) => /^[0-9A-Fa-f]{1,2}$/.test(t))) return null;
  let side: number | null = null;
  let param: number | null = null;
  if (rest.length === 2) {
    side = Number.parseInt(rest[0]!, 16);
    param = Number.parseInt(rest[1]!, 16);
  } else if (rest.length === 1) {
    const v = Number.parseInt(rest[0]!, 16);
    const loneIsParam = edition ? !EDITIONS[edition].eventSide : num === 0x21 || num === 0x45;
    if (loneIsParam) param = v;
    else side = v;
  }
  return { type: 'event', num, sender, side, param, text };
}

function toPanDesc(kv: Map<string, string>): PanDesc | null {
  const hex = (k: string): number | null => {
    const v = kv.get(k);
    return v !== undefined && /^[0-9A-Fa-f]{1,8}$/.test(v) ? Number.parseInt(v, 16) : null;
  };
  const channel = hex('Channel');
  const panId = hex('Pan ID');
  const addr = kv.get('Addr');
  if (channel === null || panId === null || !addr || !/^[0-9A-Fa-f]{16}$/.test(addr)) return null;
  return {
    channel,
    channelPage: hex('Channel Page') ?? 0,
    panId,
    addr: addr.toUpperCase(),
    lqi: hex('LQI') ?? 0,
    side: hex('Side'),
    pairId: kv.get('PairID') ?? null,
  };
}

/** A frame as one printable trace line (binary data shown as hex). */
export function describeFrame(f: SkFrame): string {
  switch (f.type) {
    case 'blank':
      return '(blank)';
    case 'line':
    case 'echo':
    case 'event':
      return f.text;
    case 'cr-line':
      return `${f.text} (CR)`;
    case 'epandesc': {
      const p = f.pan;
      return `EPANDESC Channel:${p.channel.toString(16).toUpperCase()} Pan ID:${p.panId.toString(16).toUpperCase()} Addr:${p.addr} LQI:${p.lqi.toString(16).toUpperCase()}${p.side === null ? '' : ` Side:${p.side}`}${p.pairId === null ? '' : ` PairID:${p.pairId}`}`;
    }
    case 'erxudp': {
      const u = f.udp;
      return `ERXUDP ${u.sender} ${u.dest} ${hex4(u.rport)} ${hex4(u.lport)} ${u.senderLla} ${u.secured ? 1 : 0} ${hex4(u.data.length)} ${toHex(u.data)}${f.format === 'binary' ? ' (binary)' : ''}`;
    }
    case 'garbage':
      return `garbage (${f.reason}): ${toHex(f.bytes)}`;
  }
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
