/**
 * One error type for the whole collector. `code` is stable (tests and the CLI match on it);
 * `context` carries structured detail that must never contain secrets.
 */
export type HemsErrorCode =
  // ECHONET Lite frames (echonet/)
  | 'FRAME_TRUNCATED_HEADER'
  | 'FRAME_BAD_EHD'
  | 'FRAME_PDC_OVERRUN'
  | 'FRAME_TRAILING_BYTES'
  | 'FRAME_OPC_MISMATCH'
  | 'FRAME_BAD_HEX'
  | 'FRAME_INVALID'
  // SKSTACK IP and the dongle (skstack/, transport/)
  | 'DONGLE_FAIL' // FAIL ERnn; context.er holds the two-digit code
  | 'DONGLE_TIMEOUT'
  | 'DONGLE_GARBAGE'
  | 'DONGLE_CLOSED'
  | 'DONGLE_UNSUPPORTED'
  | 'DONGLE_BAD_LINE'
  | 'TRANSPORT_OPEN_FAILED'
  // B-route session (broute/)
  | 'PANA_JOIN_FAILED'
  | 'PANA_SESSION_LOST'
  | 'SCAN_NOTHING_FOUND'
  | 'METER_TIMEOUT'
  | 'METER_SNA'
  | 'METER_BAD_RESPONSE'
  | 'TX_LIMIT'
  | 'DONGLE_RESET' // the radio module lost its settings (reset with the port open): re-initialise
  | 'METER_UNREACHABLE' // sends to the meter keep failing (EVENT 21 01): end the session, rejoin
  // Configuration and CLI
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  // Outputs and store. A failed delivery is OUTPUT_RETRYABLE when a retry may succeed (network,
  // timeout, HTTP 5xx/408/429, disk full) and OUTPUT_REJECTED when it cannot (other 4xx, refused
  // credentials, no topic: a configuration problem, retried slowly); context.status: HTTP status.
  | 'OUTPUT_RETRYABLE'
  | 'OUTPUT_REJECTED'
  | 'STORE_FAILED'
  | 'ABORTED';

export class HemsError extends Error {
  override readonly name = 'HemsError';
  constructor(
    readonly code: HemsErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isHemsError(e: unknown, code?: HemsErrorCode): e is HemsError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'HemsError' &&
    (code === undefined || (e as HemsError).code === code)
  );
}

/** A failed delivery to an output: OUTPUT_RETRYABLE or OUTPUT_REJECTED. */
export function isOutputFailure(e: unknown): e is HemsError {
  return isHemsError(e, 'OUTPUT_RETRYABLE') || isHemsError(e, 'OUTPUT_REJECTED');
}

/** A `FAIL ERnn` answer of the dongle with code `er` (e.g. `ER10`), protocol.md §A.3. */
export function isDongleFail(e: unknown, er: string): e is HemsError {
  return isHemsError(e, 'DONGLE_FAIL') && e.context.er === er;
}

/** A one-line description of any thrown value, for logs and the CLI (never a stack trace). */
export function describeError(e: unknown): string {
  if (isHemsError(e)) return `${e.message} [${e.code}]`;
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e);
}
