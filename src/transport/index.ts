import { HemsError } from '../errors.js';
import { openSerial } from './serial.js';
import { openTcp } from './tcp.js';
import type { ByteStream } from './types.js';

export interface TransportOptions {
  baudRate: number;
  /** Supplies the in-process emulator for `sim`; injected by the CLI so transport/ never imports it. */
  simulator?: () => ByteStream | Promise<ByteStream>;
}

/**
 * Opens the dongle connection named by `spec`: `sim`, `tcp://host:port`, or a serial device
 * path. Failures are HemsError TRANSPORT_OPEN_FAILED with a one-line reason.
 */
export async function openTransport(spec: string, opts: TransportOptions): Promise<ByteStream> {
  const s = spec.trim();
  if (s === '') throw new HemsError('TRANSPORT_OPEN_FAILED', 'no serial port given');
  if (s === 'sim') {
    if (!opts.simulator) {
      throw new HemsError(
        'TRANSPORT_OPEN_FAILED',
        'port "sim" needs the built-in emulator, which is not available here',
      );
    }
    try {
      return await opts.simulator();
    } catch (e) {
      throw new HemsError('TRANSPORT_OPEN_FAILED', `cannot start the emulator: ${String(e)}`);
    }
  }
  if (/^tcp:\/\//i.test(s)) return openTcp(s);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new HemsError(
      'TRANSPORT_OPEN_FAILED',
      `unsupported port "${s}": use a device path, tcp://host:port or sim`,
    );
  }
  return openSerial(s, opts.baudRate);
}

export type { ByteStream } from './types.js';
