import { toHex } from '../echonet/hex.js';
import { describeError, HemsError, isDongleFail, isHemsError } from '../errors.js';
import { type Logger, redact, registerSecret, silentLogger } from '../log.js';
import type { ByteStream } from '../transport/types.js';
import {
  type CommandOptions,
  DEFAULT_SK_TIMEOUTS,
  type DongleInfo,
  type DongleModel,
  type Edition,
  type PanDesc,
  type SkClient,
  type SkEvent,
  type SkTimeouts,
  type TermResult,
} from './api.js';
import {
  dialectFor,
  otherEdition,
  parseEinfo,
  scanCommand,
  scanDurationMs,
  sendToHeader,
} from './dialects.js';
import { describeFrame, type SkFrame, SkFramer } from './framer.js';

export interface SkClientOptions {
  model: DongleModel;
  timeouts?: Partial<SkTimeouts>;
  logger?: Logger;
  /**
   * `keep` (default): leave the dongle's ERXUDP format as ROPT reports it; the framer reads
   * binary and hex alike, and no flash write ever happens. `hex`: issue `WOPT 01` (a flash
   * write, §A.4) at most once per client, and only when ROPT says binary.
   */
  payloadMode?: 'keep' | 'hex';
}

/** The claim function of the one command in flight: true when the frame belongs to it. */
type Handler = (f: SkFrame) => boolean;

interface Waiter {
  handle: Handler;
  fail(e: Error): void;
}

interface CommandSpec<T> {
  /** Command word, used in errors (`SKSCAN`, `ROPT`, …). */
  name: string;
  bytes: Uint8Array;
  /** Written just before `bytes`, in the same slot (init's flushing CRLF). */
  lead?: { bytes: Uint8Array; trace: string };
  trace: string;
  timeoutMs: number;
  /** What the command waits for, for the timeout message. */
  awaiting: string;
  /** The command's reply ends with CR only (ROPT/WOPT, §A.2). */
  crReply?: boolean;
  /** Abandons the command (stop requested): rejects with ABORTED at once. */
  signal?: AbortSignal | undefined;
  handle(f: SkFrame, done: (v: T) => void, fail: (e: Error) => void): boolean;
}

const ER_MEANING: Record<string, string> = {
  ER04: 'command not supported',
  ER05: 'wrong number of arguments',
  ER06: 'argument out of range',
  ER09: 'UART input error',
  ER10: 'command could not be executed now',
};

const IPV6_RE = /^[0-9A-Fa-f]{4}(:[0-9A-Fa-f]{4}){7}$/;
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** `OK`, `OK xx` or `FAIL ERxx` in a line or CR-only line; null for anything else. */
function statusOf(f: SkFrame): { ok: true; value: string } | { ok: false; er: string } | null {
  if (f.type !== 'line' && f.type !== 'cr-line') return null;
  const t = f.text.trim();
  if (t === 'OK') return { ok: true, value: '' };
  if (t.startsWith('OK ')) return { ok: true, value: t.slice(3).trim() };
  const m = /^FAIL\s+(ER[0-9A-Fa-f]{2})/.exec(t);
  if (m) return { ok: false, er: m[1]!.toUpperCase() };
  return null;
}

function failError(command: string, er: string): HemsError {
  const meaning = ER_MEANING[er];
  return new HemsError('DONGLE_FAIL', `${command} failed: FAIL ${er}${meaning ? ` (${meaning})` : ''}`, {
    command,
    er,
  });
}

/**
 * A reply that says "not this command form" (§A.1): any FAIL but ER10 (valid, not executable
 * now) and ER09 (UART error), or no reply at all. Firmware differ in which one they give.
 */
function isWrongFormReply(e: unknown): boolean {
  if (isHemsError(e, 'DONGLE_TIMEOUT')) return true;
  return isHemsError(e, 'DONGLE_FAIL') && !['ER09', 'ER10'].includes(String(e.context['er']));
}

const sameAddress = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

function toSkEvent(f: SkFrame): SkEvent | null {
  switch (f.type) {
    case 'event':
      return { kind: 'event', num: f.num, sender: f.sender, side: f.side, param: f.param };
    case 'erxudp':
      return { kind: 'erxudp', udp: f.udp };
    case 'line':
    case 'cr-line':
      return { kind: 'line', text: f.text };
    case 'epandesc':
      return { kind: 'line', text: describeFrame(f) };
    case 'garbage':
      return { kind: 'garbage', bytes: f.bytes };
    default:
      return null;
  }
}

class Client implements SkClient {
  private readonly framer = new SkFramer();
  private readonly timeouts: SkTimeouts;
  private readonly log: Logger;
  private readonly listeners = new Set<(e: SkEvent) => void>();
  private waiter: Waiter | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private woptIssued = false;
  /** init() turned echo off: an echoed line from now on means the module reset (§A.2). */
  private echoOff = false;
  private current: DongleInfo;

  constructor(
    private readonly stream: ByteStream,
    private readonly opts: SkClientOptions,
  ) {
    this.timeouts = { ...DEFAULT_SK_TIMEOUTS, ...opts.timeouts };
    this.log = opts.logger ?? silentLogger;
    const d = dialectFor(opts.model);
    this.current = {
      model: opts.model,
      edition: d.edition,
      editionConfirmed: false,
      payload: d.defaultPayload,
      version: null,
      ipv6: null,
    };
    this.framer.payload = opts.model === 'auto' ? null : d.defaultPayload;
    stream.onData((chunk) => this.dispatch(this.framer.push(chunk)));
    stream.onClose((error) => this.handleClose(error));
  }

  get info(): DongleInfo {
    return { ...this.current };
  }

  onEvent(listener: (e: SkEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stream.close();
  }

  // ---- init --------------------------------------------------------------------------------

  async init(): Promise<DongleInfo> {
    this.echoOff = false;
    this.current.version = await this.resync();
    // The echo of this very line may still come back; echo frames are skipped (§A.2).
    await this.simple('SKSREG SFE 0');
    this.echoOff = true;
    let einfo: string | undefined;
    try {
      einfo = (await this.simple('SKINFO', 'EINFO'))[0];
    } catch (e) {
      if (!isHemsError(e, 'DONGLE_FAIL')) throw e;
    }
    const facts = einfo ? parseEinfo(einfo) : null;
    this.current.ipv6 = facts?.ipv6 ?? null;
    let guessed: Edition | null = null;
    if (this.opts.model === 'auto' && !this.current.editionConfirmed) {
      guessed = facts?.edition ?? null;
      this.current.edition = guessed ?? 'single-hop';
    }
    await this.detectPayload(
      guessed === null && this.opts.model === 'auto' && !this.current.editionConfirmed,
    );
    this.framer.payload = this.current.payload;
    this.log.debug(
      () =>
        `dongle ${this.current.model}: ${this.current.edition}, ${this.current.payload} ERXUDP, version ${this.current.version ?? '?'}`,
    );
    return this.info;
  }

  private async detectPayload(editionUnknown: boolean): Promise<void> {
    const d = dialectFor(this.opts.model, this.current.edition);
    if (d.ropt === 'no') {
      this.current.payload = 'hex';
      return;
    }
    let mode: number;
    try {
      mode = await this.ropt();
    } catch (e) {
      if (isDongleFail(e, 'ER04')) {
        // ROPT unsupported: hex-only firmware such as RL7023 Stick-D/DSS (§A.4), a dual-stack one.
        this.current.payload = 'hex';
        if (editionUnknown) this.current.edition = 'dual-stack';
        return;
      }
      if (isHemsError(e, 'DONGLE_TIMEOUT')) {
        this.log.warn('ROPT got no answer; assuming the model default ERXUDP format');
        this.current.payload = d.defaultPayload;
        // A dongle without product commands may still hold `ROPT<CR>` as a half-typed line
        // (or answer it late): end it and drop whatever it produces before the next command.
        await this.resync();
        return;
      }
      throw e;
    }
    if ((mode & 1) === 0 && this.opts.payloadMode === 'hex' && !this.woptIssued) {
      this.woptIssued = true;
      await this.wopt();
      mode = await this.ropt();
    }
    this.current.payload = (mode & 1) === 1 ? 'hex' : 'binary';
  }

  /**
   * Brings a dongle in an unknown state back in step (protocol.md §A.2, §D.1): a CRLF ends any
   * half-typed command line, then SKVER. Whatever arrives before its EVER line (replies to an
   * earlier process, events, noise) is stale and dropped; the OK after EVER is ours, so every
   * later reply belongs to the commands we send. A second try covers stale binary data that
   * swallowed the first EVER. Resolves with the firmware version.
   */
  private async resync(): Promise<string | null> {
    try {
      return await this.skverAfterCrlf();
    } catch (e) {
      if (!isHemsError(e, 'DONGLE_TIMEOUT')) throw e;
      this.log.warn('no SKVER reply after the flushing CRLF; trying once more');
      return this.skverAfterCrlf();
    }
  }

  private skverAfterCrlf(): Promise<string | null> {
    let version: string | null | undefined;
    return this.exec<string | null>({
      name: 'SKVER',
      lead: { bytes: ascii('\r\n'), trace: '(CRLF)' },
      bytes: ascii('SKVER\r\n'),
      trace: 'SKVER',
      timeoutMs: this.timeouts.command,
      awaiting: 'EVER and OK',
      handle: (f, done, fail) => {
        // The last EVER before an OK wins: a cut stale line may have been ended by our CRLF.
        if (f.type === 'line' && (f.text === 'EVER' || f.text.startsWith('EVER '))) {
          version = f.text.slice(4).trim() || null;
          return true;
        }
        if (version === undefined) return true;
        const s = statusOf(f);
        if (!s) return false;
        if (s.ok) done(version);
        else fail(failError('SKVER', s.er));
        return true;
      },
    });
  }

  private ropt(): Promise<number> {
    return this.exec<number>({
      name: 'ROPT',
      bytes: ascii('ROPT\r'),
      trace: 'ROPT',
      timeoutMs: this.timeouts.command,
      awaiting: 'OK xx',
      crReply: true,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (!s) return false;
        if (!s.ok) fail(failError('ROPT', s.er));
        else if (/^[0-9A-Fa-f]{1,2}$/.test(s.value)) done(Number.parseInt(s.value, 16));
        else fail(new HemsError('DONGLE_BAD_LINE', `ROPT answered "OK ${s.value}"`, { command: 'ROPT' }));
        return true;
      },
    });
  }

  private async wopt(): Promise<void> {
    await this.exec<void>({
      name: 'WOPT',
      bytes: ascii('WOPT 01\r'),
      trace: 'WOPT 01',
      timeoutMs: this.timeouts.command,
      awaiting: 'OK',
      crReply: true,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (!s) return false;
        if (s.ok) done();
        else fail(failError('WOPT', s.er));
        return true;
      },
    });
  }

  // ---- commands ----------------------------------------------------------------------------

  async setCredentials(id: string, password: string): Promise<void> {
    if (!/^[\x21-\x7e]{1,32}$/.test(password)) {
      throw new HemsError('INPUT_INVALID', 'the B-route password must be 1–32 printable ASCII characters');
    }
    if (!/^[\x21-\x7e]{1,64}$/.test(id)) {
      throw new HemsError('INPUT_INVALID', 'the B-route ID must be printable ASCII without spaces');
    }
    registerSecret(id);
    registerSecret(password);
    await this.simple(`SKSETPWD ${password.length.toString(16).toUpperCase()} ${password}`);
    await this.simple(`SKSETRBID ${id}`);
  }

  async setRegister(reg: string, value: string): Promise<void> {
    await this.simple(`SKSREG ${reg} ${value}`);
  }

  async readRegister(reg: string): Promise<string> {
    const [line] = await this.simple(`SKSREG ${reg}`, 'ESREG');
    if (line === undefined) {
      throw new HemsError('DONGLE_BAD_LINE', `SKSREG ${reg} answered OK without ESREG`, {
        command: 'SKSREG',
      });
    }
    return line.slice(5).trim();
  }

  useEdition(edition: Edition, confirmed: boolean): void {
    this.current.edition = edition;
    this.framer.edition = edition;
    this.current.editionConfirmed = confirmed;
  }

  async probeEdition(): Promise<Edition | null> {
    try {
      await this.readRegister('SA2');
      return 'dual-stack';
    } catch (e) {
      // Single-hop firmware has no SA2 and says so with a FAIL (ER04 or ER06).
      if (isHemsError(e, 'DONGLE_FAIL')) return 'single-hop';
      if (isHemsError(e, 'DONGLE_TIMEOUT')) {
        await this.resync();
        return null;
      }
      throw e;
    }
  }

  async scan(duration: number, opts: CommandOptions = {}): Promise<PanDesc[]> {
    if (!Number.isInteger(duration) || duration < 0 || duration > 14) {
      throw new HemsError('INPUT_INVALID', `scan duration must be 0–14, got ${duration}`);
    }
    return this.withEditionFallback(() => this.scanOnce(duration, opts.signal));
  }

  private scanOnce(duration: number, signal?: AbortSignal): Promise<PanDesc[]> {
    const line = scanCommand(this.current.edition, duration);
    const found: PanDesc[] = [];
    let okSeen = false;
    return this.exec<PanDesc[]>({
      name: 'SKSCAN',
      bytes: ascii(`${line}\r\n`),
      trace: line,
      timeoutMs: scanDurationMs(duration) * (this.timeouts.scanScale ?? 1) + this.timeouts.scanGrace,
      awaiting: 'EVENT 22',
      signal,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s) {
          if (!s.ok) fail(failError('SKSCAN', s.er));
          else okSeen = true;
          return true;
        }
        // A stale EVENT 22 of an earlier scan can precede our OK (§E-5): only count events after OK.
        if (!okSeen) return false;
        if (f.type === 'epandesc') {
          found.push(f.pan);
          return true;
        }
        if (f.type === 'event' && f.num === 0x20) return true;
        if (f.type === 'event' && f.num === 0x22) {
          done(found);
          return true;
        }
        return false;
      },
    });
  }

  ll64(addr: string): Promise<string> {
    if (!/^[0-9A-Fa-f]{16}$/.test(addr)) {
      return Promise.reject(new HemsError('INPUT_INVALID', `SKLL64 needs 16 hex digits, got "${addr}"`));
    }
    const line = `SKLL64 ${addr.toUpperCase()}`;
    return this.exec<string>({
      name: 'SKLL64',
      bytes: ascii(`${line}\r\n`),
      trace: line,
      timeoutMs: this.timeouts.command,
      awaiting: 'an IPv6 address line',
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s && !s.ok) {
          fail(failError('SKLL64', s.er));
          return true;
        }
        // SKLL64 answers with the address alone, no OK (§A.3).
        if (f.type === 'line' && IPV6_RE.test(f.text.trim())) {
          done(f.text.trim().toUpperCase());
          return true;
        }
        return false;
      },
    });
  }

  async join(ipv6: string, opts: CommandOptions = {}): Promise<void> {
    checkIpv6(ipv6);
    const line = `SKJOIN ${ipv6.toUpperCase()}`;
    let okSeen = false;
    await this.exec<void>({
      name: 'SKJOIN',
      bytes: ascii(`${line}\r\n`),
      trace: line,
      timeoutMs: this.timeouts.join,
      awaiting: 'EVENT 25 or 24',
      signal: opts.signal,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s) {
          if (!s.ok) fail(failError('SKJOIN', s.er));
          else okSeen = true;
          return true;
        }
        // Only the PAA we asked for settles the join: a join left over from an earlier process
        // may still end in 24/25 from another address (§A.5: the sender is the PAA).
        if (!okSeen || f.type !== 'event' || !sameAddress(f.sender, ipv6)) return false;
        if (f.num === 0x25) {
          done();
          return true;
        }
        if (f.num === 0x24) {
          fail(new HemsError('PANA_JOIN_FAILED', 'PANA authentication failed (EVENT 24)', { ipv6 }));
          return true;
        }
        return false;
      },
    });
  }

  async sendTo(ipv6: string, payload: Uint8Array, opts: CommandOptions = {}): Promise<number> {
    checkIpv6(ipv6);
    if (payload.length < 1 || payload.length > 0x4d0) {
      throw new HemsError('INPUT_INVALID', `SKSENDTO payload must be 1–1232 bytes, got ${payload.length}`);
    }
    return this.withEditionFallback(() => this.sendOnce(ipv6.toUpperCase(), payload, opts.signal));
  }

  private sendOnce(ipv6: string, payload: Uint8Array, signal?: AbortSignal): Promise<number> {
    const header = sendToHeader(this.current.edition, ipv6, payload.length);
    const bytes = new Uint8Array(header.length + payload.length);
    bytes.set(ascii(header), 0);
    bytes.set(payload, header.length);
    let okSeen = false;
    let result: number | null = null;
    return this.exec<number>({
      name: 'SKSENDTO',
      bytes,
      trace: `${header}${toHex(payload)}`,
      timeoutMs: this.timeouts.send,
      awaiting: 'OK and EVENT 21',
      signal,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s) {
          if (!s.ok) fail(failError('SKSENDTO', s.er));
          else okSeen = true;
        } else if (f.type === 'event' && f.num === 0x21 && sameAddress(f.sender, ipv6) && !okSeen) {
          // The dongle reports this send just before its OK; EVENT 21 lines of its own PANA
          // traffic to the same meter may come earlier, so the last one before OK counts.
          // PARAM 02: neighbour solicitation sent first; the final 00/01 follows (§A.5).
          if (f.param !== 0x02) result = f.param ?? 0;
        } else if (f.type === 'event' && f.num === 0x21 && sameAddress(f.sender, ipv6) && result === null) {
          // Some firmware print OK first: then the first EVENT 21 after it is ours.
          if (f.param !== 0x02) result = f.param ?? 0;
        } else return false;
        if (okSeen && result !== null) done(result);
        return true;
      },
    });
  }

  term(opts: CommandOptions = {}): Promise<TermResult> {
    let okSeen = false;
    return this.exec<TermResult>({
      name: 'SKTERM',
      bytes: ascii('SKTERM\r\n'),
      trace: 'SKTERM',
      timeoutMs: this.timeouts.join,
      awaiting: 'EVENT 27 or 28',
      signal: opts.signal,
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s) {
          // FAIL ER10: there was no session to end (§A.4 SKTERM), which is what we wanted.
          if (!s.ok) {
            if (s.er === 'ER10') done('no-session');
            else fail(failError('SKTERM', s.er));
          } else okSeen = true;
          return true;
        }
        if (okSeen && f.type === 'event' && (f.num === 0x27 || f.num === 0x28)) {
          done('ended');
          return true;
        }
        return false;
      },
    });
  }

  // ---- machinery ---------------------------------------------------------------------------

  /**
   * Runs a SKSCAN/SKSENDTO form; until a form is confirmed, a reply meaning "not this form"
   * (any FAIL but ER10/ER09, or silence) makes it try the other form once (§A.1).
   */
  private async withEditionFallback<T>(run: () => Promise<T>): Promise<T> {
    try {
      const r = await run();
      this.useEdition(this.current.edition, true);
      return r;
    } catch (e) {
      if (this.current.editionConfirmed || !isWrongFormReply(e)) throw e;
      const next = otherEdition(this.current.edition);
      this.log.warn(
        `dongle refused the ${this.current.edition} command form (${describeError(e)}); trying ${next}`,
      );
      // A silent dongle may still be waiting for the rest of a line it parsed differently.
      if (isHemsError(e, 'DONGLE_TIMEOUT')) await this.resync();
      const first = this.current.edition;
      this.current.edition = next;
      try {
        const r = await run();
        this.useEdition(next, true);
        return r;
      } catch (e2) {
        // Silence to the first form, a FAIL (ER05 …) to the other: the first form was right and
        // the silence was something else (a module reset cancelling a scan). Keep it; report that.
        if (isHemsError(e, 'DONGLE_TIMEOUT') && isHemsError(e2, 'DONGLE_FAIL') && isWrongFormReply(e2)) {
          this.useEdition(first, true);
          throw e;
        }
        throw e2;
      }
    }
  }

  /** A command answered by OK / FAIL, optionally preceded by data lines starting with `data`. */
  private simple(line: string, data?: string): Promise<string[]> {
    const name = line.split(' ')[0]!;
    const lines: string[] = [];
    return this.exec<string[]>({
      name,
      bytes: ascii(`${line}\r\n`),
      trace: line,
      timeoutMs: this.timeouts.command,
      awaiting: 'OK',
      handle: (f, done, fail) => {
        const s = statusOf(f);
        if (s) {
          if (s.ok) done(lines);
          else fail(failError(name, s.er));
          return true;
        }
        if (data && f.type === 'line' && (f.text === data || f.text.startsWith(`${data} `))) {
          lines.push(f.text);
          return true;
        }
        return false;
      },
    });
  }

  /** One command in flight: the waiter is in place before the bytes are written. */
  private exec<T>(spec: CommandSpec<T>): Promise<T> {
    return this.serial(
      () =>
        new Promise<T>((resolve, reject) => {
          if (this.closed) {
            reject(this.closedError(spec.name));
            return;
          }
          if (spec.signal?.aborted) {
            reject(new HemsError('ABORTED', `${spec.name}: stopped`, { command: spec.name }));
            return;
          }
          let finished = false;
          const onAbort = (): void =>
            finish(new HemsError('ABORTED', `${spec.name}: stopped`, { command: spec.name }));
          const finish = (err: Error | null, value?: T): void => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            spec.signal?.removeEventListener('abort', onAbort);
            this.waiter = null;
            this.framer.expectCr(false);
            if (err) reject(err);
            else resolve(value as T);
          };
          spec.signal?.addEventListener('abort', onAbort, { once: true });
          this.waiter = {
            handle: (f) =>
              spec.handle(
                f,
                (v) => finish(null, v),
                (e) => finish(e),
              ),
            fail: (e) => finish(e),
          };
          if (spec.crReply) this.framer.expectCr(true);
          const timer = setTimeout(
            () =>
              finish(
                new HemsError(
                  'DONGLE_TIMEOUT',
                  `${spec.name}: no ${spec.awaiting} from the dongle within ${spec.timeoutMs} ms`,
                  { command: spec.name, timeoutMs: spec.timeoutMs },
                ),
              ),
            spec.timeoutMs,
          );
          const lead = spec.lead;
          if (lead) this.trace('>', lead.trace);
          this.trace('>', spec.trace);
          const written = lead
            ? this.stream.write(lead.bytes).then(() => this.stream.write(spec.bytes))
            : this.stream.write(spec.bytes);
          written.catch((e: unknown) => {
            finish(
              new HemsError('DONGLE_CLOSED', `${spec.name}: write to the dongle failed: ${String(e)}`, {
                command: spec.name,
              }),
            );
          });
        }),
    );
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private dispatch(frames: SkFrame[]): void {
    for (const f of frames) {
      this.trace('<', describeFrame(f));
      if (f.type === 'echo' && this.echoOff) this.publish({ kind: 'echo', text: redact(f.text) });
      if (f.type === 'echo' || f.type === 'blank') continue;
      if (this.waiter?.handle(f)) continue;
      const ev = toSkEvent(f);
      if (ev) this.publish(ev);
    }
  }

  private publish(ev: SkEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch (e) {
        this.log.warn(`an SkEvent listener threw: ${String(e)}`);
      }
    }
  }

  private handleClose(error?: Error): void {
    if (this.closed) return;
    this.dispatch(this.framer.flush());
    this.closed = true;
    this.waiter?.fail(this.closedError('command'));
    this.publish(error ? { kind: 'closed', error } : { kind: 'closed' });
  }

  private closedError(command: string): HemsError {
    return new HemsError('DONGLE_CLOSED', `${command}: the connection to the dongle is closed`, { command });
  }

  private trace(dir: '>' | '<', text: string): void {
    this.log.debug(() => redact(`${dir} ${text}`));
  }
}

function checkIpv6(ipv6: string): void {
  if (!IPV6_RE.test(ipv6)) throw new HemsError('INPUT_INVALID', `not a full IPv6 address: "${ipv6}"`);
}

/** Creates the SKSTACK IP command client over an opened byte stream (see api.ts SkClient). */
export function createSkClient(stream: ByteStream, opts: SkClientOptions): SkClient {
  return new Client(stream, opts);
}
