import { encodeFrame, getRequest } from '../../src/echonet/frame.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { ByteStream } from '../../src/transport/types.js';

/** A raw-bytes host for the emulator: writes commands, waits (bounded) for output to appear. */
export class Host {
  private buf = Buffer.alloc(0);
  private from = 0;
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly stream: ByteStream) {
    stream.onData((chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      for (const w of this.waiters.splice(0)) w();
    });
    stream.onClose(() => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Everything received since the last mark(), as latin1 text (binary bytes map 1:1). */
  get text(): string {
    return this.buf.subarray(this.from).toString('latin1');
  }

  get bytes(): Buffer {
    return this.buf.subarray(this.from);
  }

  mark(): void {
    this.from = this.buf.length;
  }

  async send(data: string | Uint8Array): Promise<void> {
    await this.stream.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Marks, sends a command line with CRLF, waits until `until` appears; returns the text since the mark. */
  async cmd(
    line: string,
    until: string | RegExp = /OK\r\n|FAIL ER\d\d\r\n/,
    timeoutMs = 3000,
  ): Promise<string> {
    this.mark();
    await this.send(`${line}\r\n`);
    return this.waitFor(until, timeoutMs);
  }

  async waitFor(what: string | RegExp | ((text: string) => boolean), timeoutMs = 3000): Promise<string> {
    const test =
      typeof what === 'function'
        ? what
        : typeof what === 'string'
          ? (t: string) => t.includes(what)
          : (t: string) => what.test(t);
    const deadline = Date.now() + timeoutMs;
    while (!test(this.text)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed)
        throw new Error(`timed out waiting for ${String(what)}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }
}

/** Builds the SKSENDTO bytes: ASCII header with a 4-digit DATALEN and a trailing space, then raw payload. */
export function sendTo(ip: string, payload: Uint8Array, side: boolean): Buffer {
  const len = payload.length.toString(16).toUpperCase().padStart(4, '0');
  const header = `SKSENDTO 1 ${ip} 0E1A 1 ${side ? '0 ' : ''}${len} `;
  return Buffer.concat([Buffer.from(header, 'latin1'), payload]);
}

/** Parses every ERXUDP in `bytes` (binary or hex data, any field count). */
export function erxudps(bytes: Buffer): { fields: string[]; data: Buffer }[] {
  const out: { fields: string[]; data: Buffer }[] = [];
  let at = 0;
  for (;;) {
    const i = bytes.indexOf('ERXUDP ', at, 'latin1');
    if (i < 0) return out;
    const fields: string[] = [];
    let p = i + 7;
    let data: Buffer | null = null;
    while (data === null) {
      const sp = bytes.indexOf(0x20, p);
      const tok = bytes.subarray(p, sp).toString('latin1');
      fields.push(tok);
      p = sp + 1;
      if (
        fields.length >= 7 &&
        /^[0-9A-F]{4}$/.test(tok) &&
        fields.length >= 7 &&
        isDataLenPosition(fields)
      ) {
        const len = Number.parseInt(tok, 16);
        const rest = bytes.subarray(p);
        const hexText = rest.subarray(0, len * 2).toString('latin1');
        const isHex = /^[0-9A-F]*$/.test(hexText) && rest[len * 2] === 0x0d;
        data = isHex ? Buffer.from(hexText, 'hex') : Buffer.from(rest.subarray(0, len));
        p += isHex ? len * 2 : len;
      }
    }
    out.push({ fields, data });
    at = p;
  }
}

/** DATALEN is the 4-hex token after SECURED (1 char) [and SIDE] [and RSSI]. */
function isDataLenPosition(fields: string[]): boolean {
  const n = fields.length;
  return n === 7 || (n === 8 && fields[6]!.length === 1) || (n === 9 && fields[7]!.length === 1);
}

export const RBID = '00112233445566778899AABBCCDD1234';
export const PWD = '0123456789AB';

/** Attaches, turns echo off, sets credentials and S2/S3 at the meter's channel and PAN ID. */
export async function configured(emu: Emulator): Promise<Host> {
  const h = new Host(emu.attach());
  const o = emu.meter.options;
  await h.cmd('SKSREG SFE 0');
  await h.cmd(`SKSETPWD C ${PWD}`);
  await h.cmd(`SKSETRBID ${RBID}`);
  await h.cmd(`SKSREG S2 ${o.channel.toString(16)}`);
  await h.cmd(`SKSREG S3 ${o.panId.toString(16)}`);
  return h;
}

/** configured(), then joins the meter and waits for its instance-list INF. */
export async function joined(emu: Emulator): Promise<Host> {
  const h = await configured(emu);
  await h.cmd(`SKJOIN ${emu.addresses.meter}`, /EVENT 2[45] /);
  if (!h.text.includes('EVENT 25')) throw new Error(`join failed: ${h.text}`);
  await h.waitFor(`ERXUDP ${emu.addresses.meter} FF02`);
  await h.waitFor((t) => t.endsWith('\r\n'));
  h.mark();
  return h;
}

export function isDual(emu: Emulator): boolean {
  return emu.options.dongle !== 'BP35A1' && emu.options.dongle !== 'RL7023-IPS';
}

/** SKSENDTO bytes of an ECHONET Get to the meter (0x028801), in the emulated edition's form. */
export function getTo(emu: Emulator, tid: number, epcs = [0xe7], ip = emu.addresses.meter): Buffer {
  return sendTo(ip, encodeFrame(getRequest(tid, 0x05ff01, 0x028801, epcs)), isDual(emu));
}

/**
 * The output as lines, each ERXUDP reduced to its header up to DATALEN (its payload, binary or
 * hex, skipped), so a test can compare whole sequences even when payloads hold CR/LF.
 */
export function lines(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.subarray(at, at + 7).toString('latin1') === 'ERXUDP ') {
      const [rx] = erxudps(bytes.subarray(at));
      const header = `ERXUDP ${rx!.fields.join(' ')}`;
      const body = bytes.subarray(at + header.length + 1);
      const hexLen = rx!.data.length * 2;
      const isHex = body[hexLen] === 0x0d && /^[0-9A-F]*$/.test(body.subarray(0, hexLen).toString('latin1'));
      out.push(header);
      at += header.length + 1 + (isHex ? hexLen : rx!.data.length) + 2;
      continue;
    }
    const end = bytes.indexOf('\r\n', at, 'latin1');
    if (end < 0) {
      out.push(bytes.subarray(at).toString('latin1'));
      break;
    }
    out.push(bytes.subarray(at, end).toString('latin1'));
    at = end + 2;
  }
  return out;
}
