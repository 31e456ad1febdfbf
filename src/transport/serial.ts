import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { HemsError } from '../errors.js';
import { wrapStream } from './stream.js';
import type { ByteStream } from './types.js';

/** Turns an open failure into one clear sentence (missing device, permissions, busy). */
export function serialOpenError(path: string, e: NodeJS.ErrnoException): HemsError {
  const msg = e.message ?? String(e);
  if (e.code === 'ENOENT' || /no such file/i.test(msg)) {
    return new HemsError(
      'TRANSPORT_OPEN_FAILED',
      `serial port ${path} not found (check --port / SERIAL_PORT; --port sim runs the built-in emulator)`,
      { path, code: 'ENOENT' },
    );
  }
  if (e.code === 'EACCES' || /permission denied/i.test(msg)) {
    return new HemsError(
      'TRANSPORT_OPEN_FAILED',
      `permission denied opening serial port ${path}: add the user to the dialout group (sudo usermod -aG dialout $USER, then log in again)`,
      { path, code: 'EACCES' },
    );
  }
  if (e.code === 'EBUSY' || /busy|lock/i.test(msg)) {
    return new HemsError(
      'TRANSPORT_OPEN_FAILED',
      `serial port ${path} is busy (another program has it open)`,
      {
        path,
        code: 'EBUSY',
      },
    );
  }
  return new HemsError('TRANSPORT_OPEN_FAILED', `cannot open serial port ${path}: ${msg}`, {
    path,
    code: e.code,
  });
}

/** Opens a serial device at 8N1, no flow control. Never calls SerialPort.list() (udev may be missing). */
export async function openSerial(path: string, baudRate: number): Promise<ByteStream> {
  try {
    await stat(path);
  } catch (e) {
    throw serialOpenError(path, e as NodeJS.ErrnoException);
  }
  const port = new SerialPort({
    path,
    baudRate,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    rtscts: false,
    xon: false,
    xoff: false,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(serialOpenError(path, err as NodeJS.ErrnoException)) : resolve()));
  });
  return wrapStream({
    description: `${path} @${baudRate}`,
    write: (data) =>
      new Promise((resolve, reject) => {
        port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) => {
          if (err) reject(err);
          else port.drain((e) => (e ? reject(e) : resolve()));
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
    subscribe: (onData, onEnd) => {
      port.on('data', (b: Buffer) => onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
      // Watchdog: a hung-up tty can read as endless zero-byte reads, which serialport retries
      // without ever closing; the device node vanishing (USB unplug, socat exit) still tells us.
      const watchdog = setInterval(() => {
        stat(path).catch(() => {
          clearInterval(watchdog);
          const gone = new Error(`serial port ${path} disappeared`);
          onEnd(gone);
          if (port.isOpen) port.close();
        });
      }, 1000);
      watchdog.unref();
      // On unplug serialport emits 'close' with a DisconnectedError (err.disconnected).
      port.on('close', (err?: Error) => {
        clearInterval(watchdog);
        onEnd(err ?? undefined);
      });
      port.on('error', (err: Error) => {
        if (!port.isOpen) onEnd(err);
      });
    },
  });
}
