/**
 * A duplex byte stream to a dongle (or the emulator). Every transport (serial device,
 * tcp://, sim) is opened into this shape; nothing above transport/ knows which it is.
 */
export interface ByteStream {
  /** Writes bytes; resolves once they were handed to the OS (drained). */
  write(data: Uint8Array): Promise<void>;
  /** Registers the receiver of incoming bytes (one receiver). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the stream ends for any reason (unplugged, peer closed, close()). */
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
  /** Human description for logs, e.g. `/dev/ttyUSB0 @115200` or `tcp://127.0.0.1:3610`. */
  readonly description: string;
}
