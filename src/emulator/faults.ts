/** Fault switches, mutable while the emulator runs (`emu.faults.dropResponses = 2`). */
export interface Faults {
  /** The next N SKJOINs end in EVENT 24 (after the realistic ≈ 40 s × latencyScale). */
  joinFailures: number;
  /** The next N ECHONET requests get no ERXUDP reply. */
  dropResponses: number;
  /** The next N scans find nothing (EVENT 22 without EVENT 20). */
  scanMisses: number;
  /** Interleave PANA ERXUDP on 02CC, INF frames, other senders' datagrams and blank lines. */
  strayTraffic: boolean;
  /** Setting it emits EVENT 32 and cancels sends (EVENT 21 … 01) until cleared (EVENT 33). */
  txLimit: boolean;
  /** The next N SKSENDTO get EVENT 21 param 01 and no reply. */
  sendFailures: number;
  /** Junk lines (bytes without CR/LF, then CRLF) between output blocks. */
  garbage: boolean;
}

export const NO_FAULTS: Faults = {
  joinFailures: 0,
  dropResponses: 0,
  scanMisses: 0,
  strayTraffic: false,
  txLimit: false,
  sendFailures: 0,
  garbage: false,
};

/** The live switches; txLimit calls back on every change so the dongle can emit EVENT 32/33. */
export class FaultSwitches implements Faults {
  joinFailures = 0;
  dropResponses = 0;
  scanMisses = 0;
  strayTraffic = false;
  sendFailures = 0;
  garbage = false;
  private limit = false;
  onTxLimit: (on: boolean) => void = () => {};

  constructor(initial: Partial<Faults> = {}) {
    const { txLimit, ...rest } = initial;
    Object.assign(this, rest);
    this.limit = txLimit ?? false;
  }

  get txLimit(): boolean {
    return this.limit;
  }

  set txLimit(on: boolean) {
    if (on === this.limit) return;
    this.limit = on;
    this.onTxLimit(on);
  }

  /** Consumes one unit of a counted fault; true when it applied. */
  take(name: 'joinFailures' | 'dropResponses' | 'scanMisses' | 'sendFailures'): boolean {
    if (this[name] <= 0) return false;
    this[name]--;
    return true;
  }
}
